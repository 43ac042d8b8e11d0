//! The mails of this slice, in German and English: the receipt of a submission and the
//! publication of the city's response, each to the organisation's representatives.

use crate::language::Language;
use crate::mail::Mail;

/// The receipt, with what is needed to verify it later.
pub fn receipt(
    to: &str,
    lang: Language,
    title: &str,
    receipt: &super::model::Receipt,
    base_url: &str,
) -> Mail {
    let (subject, intro, verify) = match lang {
        Language::De => (
            format!("Eingangsbestätigung {}", receipt.number),
            format!("Ihre Stellungnahme „{title}“ ist eingegangen."),
            "Prüfen Sie die Bestätigung mit dem öffentlichen Schlüssel, den ihr „Key“ nennt",
        ),
        Language::En => (
            format!("Receipt {}", receipt.number),
            format!("Your statement \"{title}\" was received."),
            "Verify the receipt with the public key its \"Key\" names",
        ),
    };
    Mail {
        to: to.to_owned(),
        subject,
        body: format!(
            "{intro}\n\n{}\n\nSignature (Ed25519, base64): {}\nKey: {}\n\n{verify}: {base_url}/api/v1/statement-receipts/keys\n",
            receipt.signed_message.trim_end(),
            receipt.signature,
            receipt.key_id,
        ),
    }
}

/// The city published its response together with the statement.
pub fn answered(
    to: &str,
    lang: Language,
    number: &str,
    title: &str,
    base_url: &str,
    id: i64,
) -> Mail {
    let (subject, body) = match lang {
        Language::De => (
            format!("Antwort der Verwaltung auf {number}"),
            format!("Die Stellungnahme „{title}“ ({number}) ist mit der Antwort der Verwaltung veröffentlicht."),
        ),
        Language::En => (
            format!("The city's response to {number}"),
            format!("The statement \"{title}\" ({number}) is published with the city's response."),
        ),
    };
    Mail {
        to: to.to_owned(),
        subject,
        body: format!("{body}\n\n{base_url}/api/v1/statements/{id}\n"),
    }
}
