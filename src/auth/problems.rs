//! The problems of accounts and sign-in: each code defined once, with its one wording.

use crate::error::{Code, De, En};

pub const INVALID_TOKEN: Code = Code::new(
    "invalid_token",
    401,
    De(
        "Nicht angemeldet",
        "Das Zugangstoken ist ungültig oder abgelaufen, oder die Sitzung ist beendet.",
    ),
    En(
        "Unauthorized",
        "The access token is invalid, expired or its session has ended.",
    ),
);
pub const INVALID_CREDENTIALS: Code = Code::new(
    "invalid_credentials",
    401,
    De(
        "Nicht angemeldet",
        "Die E-Mail-Adresse oder das Passwort ist falsch.",
    ),
    En(
        "Unauthorized",
        "The e-mail address or the password is wrong.",
    ),
);
pub const INVALID_REFRESH_TOKEN: Code = Code::new(
    "invalid_refresh_token",
    401,
    De("Nicht angemeldet", "Das Erneuerungstoken ist unbekannt oder die Sitzung ist beendet. Bitte melden Sie sich neu an."),
    En("Unauthorized", "The refresh token is unknown or its session has ended; sign in again."),
);
pub const REFRESH_TOKEN_REUSED: Code = Code::new(
    "refresh_token_reused",
    401,
    De("Nicht angemeldet", "Dieses Erneuerungstoken wurde schon einmal benutzt. Die Sitzung ist deshalb beendet. Bitte melden Sie sich neu an."),
    En("Unauthorized", "This refresh token was used before; its session has been ended. Sign in again."),
);
pub const INVALID_OR_EXPIRED_TOKEN: Code = Code::new(
    "invalid_or_expired_token",
    400,
    De("Ungültige Anfrage", "Der Link oder das Token ist ungültig, abgelaufen oder schon benutzt. Bitte fordern Sie einen neuen an."),
    En("Bad request", "The link or token is invalid, expired or was used already; ask for a new one."),
);
pub const EMAIL_UNVERIFIED: Code = Code::new(
    "email_unverified",
    403,
    De("Nicht erlaubt", "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse. Den Link finden Sie in der E-Mail, die wir Ihnen geschickt haben."),
    En("Forbidden", "Confirm your e-mail address first; the link is in the mail we sent."),
);
pub const CONSENT_REQUIRED: Code = Code::new(
    "consent_required",
    403,
    De("Nicht erlaubt", "Es gibt eine neue Fassung der Teilnahmebedingungen oder der Datenschutzhinweise. Bitte stimmen Sie ihr zu, bevor Sie wieder schreiben (POST /api/v1/me/consents oder mit den Fassungen bei der Anmeldung). GET /api/v1/legal-documents nennt die aktuellen Fassungen."),
    En("Forbidden", "A new version of the terms of participation or of the privacy notice was published: accept it (POST /api/v1/me/consents, or the versions with the sign-in) before writing again; GET /api/v1/legal-documents names the current versions."),
);
pub const ACCOUNT_BLOCKED: Code = Code::new(
    "account_blocked",
    403,
    De(
        "Nicht erlaubt",
        "Dieses Konto ist gesperrt. Bitte wenden Sie sich an das Moderationsteam der Stadt.",
    ),
    En(
        "Forbidden",
        "This account is blocked. Contact the moderation team of the city.",
    ),
);
pub const LAST_ADMIN: Code = Code::new(
    "last_admin",
    409,
    De(
        "Konflikt",
        "Dies ist das letzte aktive Konto der Administration. Bitte ernennen Sie zuerst eine weitere Person zur Administration.",
    ),
    En(
        "Conflict",
        "This is the last active administrator; name another one first.",
    ),
);
pub const SERVER_BUSY: Code = Code::new(
    "server_busy",
    503,
    De("Dienst nicht erreichbar", "Gerade werden zu viele Anmeldungen geprüft. Bitte versuchen Sie es in ein paar Sekunden noch einmal."),
    En("Service unavailable", "Too many sign-ins are being checked right now; try again in a few seconds."),
);

/// Every problem of this slice.
pub const ALL: &[Code] = &[
    INVALID_TOKEN,
    INVALID_CREDENTIALS,
    INVALID_REFRESH_TOKEN,
    REFRESH_TOKEN_REUSED,
    INVALID_OR_EXPIRED_TOKEN,
    EMAIL_UNVERIFIED,
    CONSENT_REQUIRED,
    ACCOUNT_BLOCKED,
    LAST_ADMIN,
    SERVER_BUSY,
];
