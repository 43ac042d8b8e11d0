//! The mails of this slice, in German and English: a moderation decision and the answer to a
//! proposal, each to the author.

use super::model::{AnswerStatus, ContributionKind, ModerationDecision, Reason};
use crate::language::Language;
use crate::mail::Mail;

fn reason_text(reason: Reason, lang: Language) -> &'static str {
    match (reason, lang) {
        (Reason::Spam, Language::De) => "Werbung oder Spam",
        (Reason::Insult, Language::De) => "Beleidigung",
        (Reason::DiscriminationOrRacism, Language::De) => "Diskriminierung oder Rassismus",
        (Reason::PersonalData, Language::De) => "personenbezogene Daten",
        (Reason::OffTopic, Language::De) => "nicht zum Thema",
        (Reason::Other, Language::De) => "ein anderer Grund",
        (Reason::Spam, Language::En) => "advertising or spam",
        (Reason::Insult, Language::En) => "insult",
        (Reason::DiscriminationOrRacism, Language::En) => "discrimination or racism",
        (Reason::PersonalData, Language::En) => "personal data",
        (Reason::OffTopic, Language::En) => "off topic",
        (Reason::Other, Language::En) => "another reason",
    }
}

/// What moderators decided about the author's contribution, and why.
pub fn decision(
    to: &str,
    lang: Language,
    kind: ContributionKind,
    decision: ModerationDecision,
    reason: Option<Reason>,
    note: Option<&str>,
) -> Mail {
    let why = reason
        .map(|r| reason_text(r, lang))
        .map(|r| match lang {
            Language::De => format!("\n\nGrund: {r}"),
            Language::En => format!("\n\nReason: {r}"),
        })
        .unwrap_or_default();
    let note = note.map(|n| format!("\n\n{n}")).unwrap_or_default();
    let (what, subject, outcome) = match lang {
        Language::De => (
            match kind {
                ContributionKind::Comment => "Ihr Kommentar",
                ContributionKind::Proposal => "Ihr Vorschlag",
            },
            "Entscheidung der Moderation",
            match decision {
                ModerationDecision::Approve => "ist veröffentlicht",
                ModerationDecision::Reject => "wird nicht veröffentlicht",
                ModerationDecision::Hide => "wurde ausgeblendet",
                ModerationDecision::Restore => "ist wieder sichtbar",
            },
        ),
        Language::En => (
            match kind {
                ContributionKind::Comment => "Your comment",
                ContributionKind::Proposal => "Your proposal",
            },
            "Moderation decision",
            match decision {
                ModerationDecision::Approve => "is published",
                ModerationDecision::Reject => "will not be published",
                ModerationDecision::Hide => "has been hidden",
                ModerationDecision::Restore => "is visible again",
            },
        ),
    };
    let greeting = match lang {
        Language::De => "Guten Tag,",
        Language::En => "Hello,",
    };
    Mail {
        to: to.into(),
        subject: subject.into(),
        body: format!("{greeting}\n\n{what} {outcome}.{why}{note}\n"),
    }
}

/// The staff's public answer to the author's proposal.
pub fn answer(
    to: &str,
    lang: Language,
    title: &str,
    status: AnswerStatus,
    explanation: &str,
) -> Mail {
    let (subject, body) = match lang {
        Language::De => {
            let outcome = match status {
                AnswerStatus::UnderReview => "wird geprüft",
                AnswerStatus::Accepted => "wurde angenommen",
                AnswerStatus::Rejected => "wurde nicht angenommen",
            };
            (
                format!("Antwort auf Ihren Vorschlag „{title}“"),
                format!("Guten Tag,\n\nIhr Vorschlag „{title}“ {outcome}.\n\n{explanation}\n"),
            )
        }
        Language::En => {
            let outcome = match status {
                AnswerStatus::UnderReview => "is under review",
                AnswerStatus::Accepted => "has been accepted",
                AnswerStatus::Rejected => "has not been accepted",
            };
            (
                format!("Answer to your proposal \"{title}\""),
                format!("Hello,\n\nyour proposal \"{title}\" {outcome}.\n\n{explanation}\n"),
            )
        }
    };
    Mail {
        to: to.into(),
        subject,
        body,
    }
}
