//! The texts of the mails the service sends, in German and English.

use super::Mail;
use crate::language::Language;

/// Mail with the link that verifies a new account's address.
pub fn verification(to: &str, lang: Language, base: &str, token: &str) -> Mail {
    let link = format!("{base}/verify-email?token={token}");
    let (subject, body) = match lang {
        Language::De => (
            "Bitte bestätigen Sie Ihre E-Mail-Adresse",
            format!("Guten Tag,\n\nbitte bestätigen Sie Ihre E-Mail-Adresse für die Beteiligung:\n\n{link}\n\nDer Link ist 48 Stunden gültig. Wenn Sie sich nicht registriert haben, können Sie diese E-Mail ignorieren.\n"),
        ),
        Language::En => (
            "Please confirm your e-mail address",
            format!("Hello,\n\nplease confirm your e-mail address for the participation platform:\n\n{link}\n\nThe link is valid for 48 hours. If you did not register, you can ignore this e-mail.\n"),
        ),
    };
    Mail {
        to: to.into(),
        subject: subject.into(),
        body,
    }
}

/// Mail to the owner of an address someone tried to register again.
pub fn already_registered(to: &str, lang: Language, base: &str) -> Mail {
    let link = format!("{base}/password-reset");
    let (subject, body) = match lang {
        Language::De => (
            "Registrierung mit Ihrer E-Mail-Adresse",
            format!("Guten Tag,\n\njemand hat versucht, sich mit Ihrer E-Mail-Adresse zu registrieren. Sie haben bereits ein Konto. Falls Sie Ihr Passwort vergessen haben, können Sie es hier zurücksetzen:\n\n{link}\n\nWenn Sie das nicht waren, müssen Sie nichts tun.\n"),
        ),
        Language::En => (
            "Registration with your e-mail address",
            format!("Hello,\n\nsomeone tried to register with your e-mail address. You already have an account. If you forgot your password, you can reset it here:\n\n{link}\n\nIf this was not you, there is nothing to do.\n"),
        ),
    };
    Mail {
        to: to.into(),
        subject: subject.into(),
        body,
    }
}

/// Mail with the link that sets a new password.
pub fn password_reset(to: &str, lang: Language, base: &str, token: &str) -> Mail {
    let link = format!("{base}/password-reset?token={token}");
    let (subject, body) = match lang {
        Language::De => (
            "Passwort zurücksetzen",
            format!("Guten Tag,\n\nmit diesem Link können Sie ein neues Passwort festlegen:\n\n{link}\n\nDer Link ist eine Stunde gültig und kann einmal verwendet werden. Wenn Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren.\n"),
        ),
        Language::En => (
            "Reset your password",
            format!("Hello,\n\nuse this link to set a new password:\n\n{link}\n\nThe link is valid for one hour and can be used once. If you did not ask for it, you can ignore this e-mail.\n"),
        ),
    };
    Mail {
        to: to.into(),
        subject: subject.into(),
        body,
    }
}

/// Notice that the password was changed.
pub fn password_changed(to: &str, lang: Language) -> Mail {
    let (subject, body) = match lang {
        Language::De => (
            "Ihr Passwort wurde geändert",
            "Guten Tag,\n\ndas Passwort Ihres Kontos wurde geändert und alle Anmeldungen wurden beendet. Wenn Sie das nicht waren, setzen Sie Ihr Passwort bitte sofort zurück.\n".to_owned(),
        ),
        Language::En => (
            "Your password was changed",
            "Hello,\n\nthe password of your account was changed and all sessions were ended. If this was not you, please reset your password at once.\n".to_owned(),
        ),
    };
    Mail {
        to: to.into(),
        subject: subject.into(),
        body,
    }
}

/// Invitation to join an organisation, with its single-use link. The recipient may not have
/// an account yet: the mail says how to get one with this address.
pub fn organisation_invitation(
    to: &str,
    lang: Language,
    base: &str,
    token: &str,
    organisation: &str,
    verified: bool,
) -> Mail {
    let link = format!("{base}/organisation-invitations?token={token}");
    // The name of an organisation not yet verified is the registrant's own words: say so.
    let (unreviewed_de, unreviewed_en) = if verified {
        ("", "")
    } else {
        (
            " (eine Organisation, deren Angaben die Moderation noch nicht geprüft hat)",
            " (an organisation whose details the moderators have not reviewed yet)",
        )
    };
    let (subject, body) = match lang {
        Language::De => (
            format!("Einladung: {organisation}"),
            format!("Guten Tag,\n\nSie wurden eingeladen, in der Beteiligung für „{organisation}“{unreviewed_de} mitzuwirken. Melden Sie sich mit dieser E-Mail-Adresse an (oder registrieren Sie sich mit ihr) und öffnen Sie dann diesen Link:\n\n{link}\n\nDie Einladung ist 14 Tage gültig und kann einmal angenommen werden. Wenn Sie damit nichts zu tun haben, können Sie diese E-Mail ignorieren.\n"),
        ),
        Language::En => (
            format!("Invitation: {organisation}"),
            format!("Hello,\n\nyou have been invited to take part in the participation platform for “{organisation}”{unreviewed_en}. Sign in with this e-mail address (or register with it), then open this link:\n\n{link}\n\nThe invitation is valid for 14 days and can be accepted once. If this means nothing to you, you can ignore this e-mail.\n"),
        ),
    };
    Mail {
        to: to.into(),
        subject,
        body,
    }
}

/// A moderator's decision on an organisation, to its representatives.
pub fn organisation_decision(
    to: &str,
    lang: Language,
    organisation: &str,
    verified: bool,
    reason: Option<&str>,
) -> Mail {
    let reason = reason.map(|r| format!("\n\n{r}")).unwrap_or_default();
    let (subject, body) = match (lang, verified) {
        (Language::De, true) => (
            format!("Verifiziert: {organisation}"),
            format!("Guten Tag,\n\ndie Angaben zu „{organisation}“ wurden geprüft und verifiziert.{reason}\n"),
        ),
        (Language::De, false) => (
            format!("Nicht verifiziert: {organisation}"),
            format!("Guten Tag,\n\ndie Angaben zu „{organisation}“ wurden geprüft und nicht verifiziert. Die Begründung:{reason}\n\nSie können die Angaben ändern; danach werden sie erneut geprüft.\n"),
        ),
        (Language::En, true) => (
            format!("Verified: {organisation}"),
            format!("Hello,\n\nthe details of “{organisation}” were reviewed and verified.{reason}\n"),
        ),
        (Language::En, false) => (
            format!("Not verified: {organisation}"),
            format!("Hello,\n\nthe details of “{organisation}” were reviewed and not verified. The reason:{reason}\n\nYou can change the details; they will then be reviewed again.\n"),
        ),
    };
    Mail {
        to: to.into(),
        subject,
        body,
    }
}
