//! The languages the service speaks to people in, and how a reader's languages are read from a
//! request (`?lang=` or `Accept-Language`). Infrastructure:
//! accounts store a preference, mails are written in it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Language of e-mails and, later, of texts the API returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    De,
    En,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::De => "de",
            Self::En => "en",
        }
    }

    /// The language to write to a person in, from the tag they chose (stored lower-case, as
    /// given): English for `en` and its variants (`en-gb`), German for every other choice, as
    /// German is what the city writes in when it has no text in the chosen language.
    pub fn from_stored(value: &str) -> Self {
        match value.split('-').next() {
            Some(primary) if primary.eq_ignore_ascii_case("en") => Self::En,
            _ => Self::De,
        }
    }
}

/// The Leichte Sprache (plain German) tag: German with a private-use subtag, as BCP 47 allows
/// (RFC 5646 section 2.2.7). `de-x-ls` falls back to German by lookup, as it should.
pub const PLAIN_GERMAN: &str = "de-x-ls";

/// The original language of every text the city writes.
pub const ORIGINAL: &str = "de";

/// Most languages taken from one `Accept-Language`, so a header cannot make matching costly.
const MAX_PREFERENCES: usize = 8;

/// The pattern of a language tag this API accepts: a primary subtag of 2–3 letters and up to
/// seven subtags of 1–8 letters or digits (a practical subset of BCP 47 / RFC 5646).
pub const TAG_PATTERN: &str = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,7}$";

/// Longest language tag accepted.
pub const TAG_MAX: usize = 35;

/// Whether `tag` is a language tag of [`TAG_PATTERN`].
pub fn is_tag(tag: &str) -> bool {
    if tag.is_empty() || tag.len() > TAG_MAX {
        return false;
    }
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.clone().count() <= 7
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The languages a reader asked for, best first, as lower-case tags: `?lang=` when given
/// (one tag), otherwise `Accept-Language` ordered by weight (RFC 9110 section 12.5.4). Tags
/// that are not well-formed and `*` are ignored; what nobody asked for falls back to German.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preferences(Vec<String>);

impl Preferences {
    /// The preferences of a request.
    pub fn of(req: &actix_web::HttpRequest) -> Self {
        Self::from_parts(
            req.query_string(),
            req.headers()
                .get(actix_web::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        )
    }

    /// The preferences of a request that has not reached the application yet (an
    /// `Expect: 100-continue` refused by the server).
    pub fn of_head(head: &actix_web::dev::RequestHead) -> Self {
        Self::from_parts(
            head.uri.query().unwrap_or_default(),
            head.headers
                .get(actix_web::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        )
    }

    /// From a query string and an `Accept-Language` value.
    pub fn from_parts(query: &str, accept_language: Option<&str>) -> Self {
        if let Some(tag) = query_lang(query) {
            return Self(vec![tag]);
        }
        Self::parse(accept_language.unwrap_or_default())
    }

    /// Parses an `Accept-Language` value.
    pub fn parse(value: &str) -> Self {
        let mut weighted: Vec<(u16, usize, String)> = value
            .split(',')
            .take(4 * MAX_PREFERENCES)
            .enumerate()
            .filter_map(|(i, item)| {
                let mut parts = item.split(';');
                let tag = parts.next()?.trim();
                let mut weight = 1000u16;
                for param in parts {
                    let (k, v) = param.trim().split_once('=')?;
                    if k.trim().eq_ignore_ascii_case("q") {
                        weight = parse_q(v.trim())?;
                    }
                }
                (weight > 0 && is_tag(tag)).then(|| (weight, i, tag.to_ascii_lowercase()))
            })
            .collect();
        // Higher weight first; equal weights keep the order they were sent in.
        weighted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut tags: Vec<String> = Vec::new();
        for (_, _, tag) in weighted {
            if !tags.contains(&tag) && tags.len() < MAX_PREFERENCES {
                tags.push(tag);
            }
        }
        Self(tags)
    }

    /// Exactly these tags, best first (lower-cased).
    pub fn of_tags<I: IntoIterator<Item = S>, S: AsRef<str>>(tags: I) -> Self {
        Self(
            tags.into_iter()
                .map(|t| t.as_ref().to_ascii_lowercase())
                .filter(|t| is_tag(t))
                .take(MAX_PREFERENCES)
                .collect(),
        )
    }

    /// The tags asked for, best first.
    pub fn tags(&self) -> &[String] {
        &self.0
    }

    /// Every tag a lookup can end on (each preference and its shorter prefixes), for loading
    /// only the translations a reader can be given.
    pub fn candidates(&self) -> Vec<String> {
        let mut all: Vec<String> = Vec::new();
        for tag in &self.0 {
            for prefix in prefixes(tag) {
                if prefix != ORIGINAL && !all.iter().any(|t| t == prefix) {
                    all.push(prefix.to_owned());
                }
            }
        }
        all
    }

    /// The best of `available` for this reader by lookup (RFC 4647 section 3.4): each
    /// preference in turn, shortened subtag by subtag, is compared with the available tags
    /// (case-insensitively); `None` when nothing matches before German (`de`) does, since the
    /// German original is then the answer.
    pub fn pick<'a>(&self, available: impl Iterator<Item = &'a str> + Clone) -> Option<&'a str> {
        for tag in &self.0 {
            for prefix in prefixes(tag) {
                if prefix == ORIGINAL {
                    return None;
                }
                if let Some(found) = available.clone().find(|a| a.eq_ignore_ascii_case(prefix)) {
                    return Some(found);
                }
            }
        }
        None
    }

    /// The language of the service's own words (problems, mails): the first preference that
    /// is German or English, German when there is none.
    pub fn interface(&self) -> Language {
        self.0
            .iter()
            .find_map(|tag| match tag.split('-').next() {
                Some("de") => Some(Language::De),
                Some("en") => Some(Language::En),
                _ => None,
            })
            .unwrap_or_default()
    }

    /// A short key of these preferences, for caches that keep one answer per reader language.
    pub fn key(&self) -> String {
        self.0.join(",")
    }
}

/// `tag`, then `tag` without its last subtag, and so on (a single-letter subtag such as `x`
/// goes together with the one before it, RFC 4647 section 3.4).
fn prefixes(tag: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(tag);
    std::iter::from_fn(move || {
        let current = next?;
        next = current.rfind('-').map(|i| {
            let shorter = &current[..i];
            match shorter.rfind('-') {
                Some(j) if shorter.len() - j == 2 => &shorter[..j],
                _ => shorter,
            }
        });
        Some(current)
    })
}

/// A quality value (`0`, `0.5`, `1.000`) in thousandths; `None` when it is not one.
fn parse_q(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_value = format!("{frac:0<3}").parse::<u16>().ok()?;
    match int {
        "0" => Some(frac_value),
        "1" if frac_value == 0 => Some(1000),
        _ => None,
    }
}

/// The `lang` parameter of a query string, when it is a well-formed tag.
fn query_lang(query: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "lang")
        .map(|(_, v)| v.to_ascii_lowercase())
        .filter(|v| is_tag(v))
}

/// The `lang` query parameter of every read that returns texts people read.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangParam {
    /// Language to read the texts in (a BCP 47 tag such as `tr`, `ar`, `en`, or `de-x-ls` for
    /// Leichte Sprache); overrides `Accept-Language`. Texts without a translation in it are
    /// given in German.
    #[param(
        min_length = 2,
        max_length = 35,
        pattern = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,7}$"
    )]
    pub lang: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_is_ordered_by_weight_and_looked_up_by_prefix() {
        let p = Preferences::parse("tr;q=0.5, ar , en-GB;q=0.8, *;q=0.1, x;q=1, de;q=0");
        assert_eq!(p.tags(), ["ar", "en-gb", "tr"]);
        let available = ["en", "tr", "de-x-ls"];
        assert_eq!(p.pick(available.iter().copied()), Some("en"));
        assert_eq!(
            Preferences::parse("tr-TR").pick(available.iter().copied()),
            Some("tr")
        );
        assert_eq!(
            Preferences::parse("de-x-ls").pick(available.iter().copied()),
            Some("de-x-ls")
        );
        assert_eq!(
            Preferences::parse("de-x-ls").pick(["en"].iter().copied()),
            None
        );
        assert_eq!(
            Preferences::parse("de, en").pick(available.iter().copied()),
            None
        );
        assert_eq!(Preferences::parse("").pick(available.iter().copied()), None);
        assert_eq!(
            Preferences::parse("tr;q=2, en;q=0.1234").tags(),
            Vec::<String>::new()
        );
        assert_eq!(Preferences::parse("de-x-ls").candidates(), ["de-x-ls"]);
        assert_eq!(
            Preferences::parse("zh-Hant-TW").candidates(),
            ["zh-hant-tw", "zh-hant", "zh"]
        );
    }

    #[test]
    fn lang_overrides_the_header_and_the_interface_is_german_or_english() {
        let p = Preferences::from_parts("limit=5&lang=TR", Some("en"));
        assert_eq!(p.tags(), ["tr"]);
        assert_eq!(p.interface(), Language::De);
        assert_eq!(
            Preferences::from_parts("lang=%3Cx", Some("tr, en")).interface(),
            Language::En
        );
        assert_eq!(Preferences::parse("de-x-ls").interface(), Language::De);
        assert!(is_tag("de-x-ls") && is_tag("zh-Hant-TW") && !is_tag("d") && !is_tag("de-"));
        assert!(!is_tag("toolongtag") && !is_tag("de-abcdefghi"));
    }
}
