//! The one rule for text that people send, applied to every free-text input (bodies, query
//! parameters, catalogue files): what a person reads never holds control characters that
//! change how it is shown or stored (NUL, escape sequences, a forged log line), and names and
//! titles never hold invisible formatting characters that make two names look alike.
//!
//! Two kinds of text:
//! - a **line** ([`line`]): names, titles, codes, search terms, short reasons — no control
//!   characters at all, no direction overrides or zero-width characters, not empty and without
//!   spaces around it where it is required ([`name`]);
//! - a **text** ([`text`]): descriptions, bodies, messages — line breaks and tabs allowed, no
//!   other control character.

use validator::ValidationError;

/// Characters that change how text around them is shown without being visible themselves:
/// direction overrides and isolates, zero-width characters.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

fn refuse(message: &'static str) -> ValidationError {
    let mut e = ValidationError::new("invalid_characters");
    e.message = Some(message.into());
    e
}

/// One line of text: no control or invisible formatting characters.
pub fn line(value: &str) -> Result<(), ValidationError> {
    if value
        .chars()
        .any(|c| c.is_control() || is_invisible_format(c))
    {
        return Err(refuse(
            "must not contain line breaks, control or invisible formatting characters",
        ));
    }
    Ok(())
}

/// A name or title: one line, not empty, no spaces at either end.
pub fn name(value: &str) -> Result<(), ValidationError> {
    if line(value).is_err() || value.trim() != value || value.is_empty() {
        return Err(refuse(
            "must not be empty, start or end with spaces, or contain control or invisible formatting characters",
        ));
    }
    Ok(())
}

/// Free text: line breaks and tabs, but no other control characters.
pub fn text(value: &str) -> Result<(), ValidationError> {
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(refuse(
            "must not contain control characters other than line breaks and tabs",
        ));
    }
    Ok(())
}

/// Text as a log line may show it: line breaks and other control characters escaped, so no
/// value can start a line of its own (a forged log entry).
pub fn for_log(value: &str) -> String {
    value.escape_debug().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_names_and_texts() {
        assert!(line("Sprachförderung für Kinder").is_ok());
        assert!(line("a\0b").is_err());
        assert!(line("a\nb").is_err());
        assert!(line("a\u{202E}b").is_err());
        assert!(name(" Lena").is_err());
        assert!(name("").is_err());
        assert!(name("Lena M.").is_ok());
        assert!(text("Erste Zeile\nzweite\tZeile").is_ok());
        assert!(text("NUL \0").is_err());
        assert!(text("escape \u{1b}[31m").is_err());
        assert_eq!(for_log("a\nb\r\u{0}"), "a\\nb\\r\\0");
    }
}
