//! The one rule for text that people send, applied to every free-text input (bodies, query
//! parameters, catalogue files): what a person reads never holds control characters that
//! change how it is shown or stored (NUL, escape sequences, a forged log line), and names and
//! titles never hold invisible formatting characters that make two names look alike.
//!
//! Two kinds of text:
//! - a **line** ([`line`]): search terms, short values — no control characters, no line breaks,
//!   no direction overrides; a **name** ([`name`]) — names, titles, codes — is a line that is
//!   not blank, has no spaces around it and no invisible characters that make names look alike;
//! - a **text** ([`text`]): descriptions, bodies, messages — line breaks and tabs allowed, no
//!   other control character.

use crate::error::Text;
use validator::ValidationError;

/// Characters that reorder the text around them (direction overrides, embeddings and
/// isolates): with them "gnp.exe" can show as "exe.png". Refused in every one-line value.
pub fn is_direction_override(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Invisible characters that make two names look alike: zero-width space, direction marks,
/// word joiners, the byte-order mark. Refused in names. The zero-width (non-)joiners
/// U+200C/U+200D stay allowed: Persian and other scripts need them to be written correctly.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
    ) || is_direction_override(c)
}

fn refuse(message: Text) -> ValidationError {
    crate::error::rule("invalid_characters", message)
}

/// Line and paragraph separators that are not control characters but break lines all the
/// same.
fn is_line_break(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{0085}')
}

/// One line of text: no control characters, no line breaks, no direction overrides.
pub fn line(value: &str) -> Result<(), ValidationError> {
    if value
        .chars()
        .any(|c| c.is_control() || is_line_break(c) || is_direction_override(c))
    {
        return Err(refuse(Text::new(
            "darf keine Zeilenumbrüche, Steuerzeichen oder Richtungszeichen enthalten",
            "must not contain line breaks, control characters or direction overrides",
        )));
    }
    Ok(())
}

/// A name, title or code: one line, not blank, no spaces at either end, no invisible
/// characters.
pub fn name(value: &str) -> Result<(), ValidationError> {
    if line(value).is_err()
        || value.chars().any(is_invisible)
        || value.trim() != value
        || value.is_empty()
    {
        return Err(refuse(Text::new(
            "darf nicht leer sein, nicht mit Leerzeichen beginnen oder enden und keine Steuer- oder unsichtbaren Formatierungszeichen enthalten",
            "must not be empty, start or end with spaces, or contain control or invisible formatting characters",
        )));
    }
    Ok(())
}

/// Free text: line breaks and tabs, but no other control characters.
pub fn text(value: &str) -> Result<(), ValidationError> {
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(refuse(Text::new(
            "darf außer Zeilenumbrüchen und Tabulatoren keine Steuerzeichen enthalten",
            "must not contain control characters other than line breaks and tabs",
        )));
    }
    Ok(())
}

/// Free text that says something: [`text`], and not only white space.
pub fn filled(value: &str) -> Result<(), ValidationError> {
    text(value)?;
    if value.trim().is_empty() {
        return Err(crate::error::rule(
            "required",
            Text::new("darf nicht leer sein", "must not be empty"),
        ));
    }
    Ok(())
}

/// The rules as patterns for the OpenAPI document (ECMA-262 and Python `re` alike), so a
/// frontend or a test generator can check a value before sending it. A test keeps them and the
/// functions above in agreement.
pub const TEXT_PATTERN: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";
/// [`filled`] as a pattern: at least one character that is not white space (the white space
/// of Rust's `trim`, spelled out because `\\s` differs between regex engines).
pub const FILLED_PATTERN: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^ \\u0000-\\u001F\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";
/// [`line`] as a pattern.
pub const LINE_PATTERN: &str =
    "^[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069]*$";
/// [`name`] as a pattern: no space at either end, no invisible characters.
pub const NAME_PATTERN: &str = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$";

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
        assert!(line("a\u{2028}b").is_err());
        assert!(
            line("\u{645}\u{6cc}\u{200c}\u{62e}\u{648}\u{627}\u{647}\u{645}").is_ok(),
            "Persian needs ZWNJ"
        );
        assert!(name("Lena\u{200B}").is_err());
        assert!(name("   ").is_err());
        assert!(name(" Lena").is_err());
        assert!(name("").is_err());
        assert!(name("Lena M.").is_ok());
        assert!(text("Erste Zeile\nzweite\tZeile").is_ok());
        assert!(text("NUL \0").is_err());
        assert!(text("escape \u{1b}[31m").is_err());
        assert_eq!(for_log("a\nb\r\u{0}"), "a\\nb\\r\\0");
    }
}
