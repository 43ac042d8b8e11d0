//! The catalogue file format: how an operator loads the city's real catalogue
//! (`beteiligung import <file>`), and the format of the demo catalogue compiled into the binary.
//!
//! JSON, described with a complete example in the README. Unknown keys are rejected so that a
//! typo never silently drops content. [`CatalogueFile::parse`] reports the line and column of
//! syntax errors and the path (e.g. `fields[2].measures[0].code`) of invalid values.

use super::model::ImplementationStatus;
use crate::error::{FieldError, Text};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::ToSchema;

/// The version of the file format this binary reads.
pub const FORMAT_VERSION: u32 = 1;

/// The schema of a list of statements or goals: at most 100 entries, each a text that says
/// something ([`crate::text::filled`]) of at most 4000 characters.
fn entries() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(ENTRY_LENGTH))
                .pattern(Some(crate::text::FILLED_PATTERN)),
        )
        .max_items(Some(MAX_ENTRIES))
        .build()
}

/// Most entries in one list of the concept, and most characters in one entry.
const MAX_ENTRIES: usize = 100;
const ENTRY_LENGTH: usize = 4000;

/// A whole catalogue: one concept with its fields of action and their measures.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueFile {
    /// Always 1 for this version of the format.
    #[schema(minimum = 1, maximum = 1)]
    pub format_version: u32,
    pub concept: ConceptEntry,
    /// Fields of action (Handlungsfelder), each with its measures; their numbers and the
    /// codes of all measures are unique in the file.
    #[serde(default)]
    #[schema(max_items = 999)]
    pub fields: Vec<FieldEntry>,
    /// Translations of the texts above, one text each (issue 15): what
    /// `GET /api/v1/admin/catalogue/export` writes and an import loads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 200000)]
    pub translations: Vec<TranslationEntry>,
}

/// What a translation in the file translates.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileSubject {
    /// The concept (`key` is empty); fields `title`, `vision_title`, `summary`.
    Concept,
    /// A statement of the Leitbild (`key`: its position from 1 in `concept.vision`); `text`.
    Vision,
    /// A commitment (`key`: its position from 1 in `concept.commitments`); `text`.
    Commitment,
    /// A priority goal (`key`: its position from 1 in `concept.priority_goals`); `text`.
    PriorityGoal,
    /// A field of action (`key`: its number); `title`, `summary`.
    Field,
    /// A measure (`key`: its code); `title`, `description`, `responsible_body`, `status_note`.
    Measure,
}

impl FileSubject {
    /// The texts of this subject that can be translated.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Self::Concept => &["title", "vision_title", "summary"],
            Self::Vision | Self::Commitment | Self::PriorityGoal => &["text"],
            Self::Field => &["title", "summary"],
            Self::Measure => &["title", "description", "responsible_body", "status_note"],
        }
    }
}

/// One translated text of the catalogue.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TranslationEntry {
    pub subject: FileSubject,
    /// Which one of its kind (see `subject`); empty for the concept.
    #[serde(default)]
    #[schema(max_length = 32)]
    pub key: String,
    /// Language tag (BCP 47), not `de`.
    #[schema(
        min_length = 2,
        max_length = 35,
        pattern = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,7}$"
    )]
    pub language: String,
    /// The translated field, e.g. `title`.
    #[schema(min_length = 1, max_length = 40)]
    pub field: String,
    #[schema(
        min_length = 1,
        max_length = 10000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub text: String,
    /// Whether the translation was written for an earlier version of the original (kept as
    /// outdated by the import).
    #[serde(default)]
    pub outdated: bool,
}

/// The concept (Integrationskonzept) with its vision (Leitbild) and priority goals.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConceptEntry {
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    pub title: String,
    /// Title of the Leitbild.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 300,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub vision_title: Option<String>,
    /// Date the council decided the concept, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = Date, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub decided_on: Option<String>,
    /// Reference of the council decision (Drucksache).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub decision_reference: Option<String>,
    #[schema(
        max_length = 10000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub summary: String,
    /// Statements of the Leitbild, in order.
    #[serde(default)]
    #[schema(schema_with = entries)]
    pub vision: Vec<String>,
    /// Commitments that put the Leitbild into practice ("Umsetzung des Leitbildes"), in order.
    #[serde(default)]
    #[schema(schema_with = entries)]
    pub commitments: Vec<String>,
    /// Priority goals (Priorisierte Ziele), in order.
    #[serde(default)]
    #[schema(schema_with = entries)]
    pub priority_goals: Vec<String>,
}

/// One field of action (Handlungsfeld).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldEntry {
    /// Number of the field within the concept, unique, 1…999.
    #[schema(minimum = 1, maximum = 999)]
    pub number: i32,
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 10000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub summary: Option<String>,
    /// Measures of the field, in order.
    #[serde(default)]
    #[schema(max_items = 10000)]
    pub measures: Vec<MeasureEntry>,
}

/// One measure (Maßnahme) with its implementation status (Stand der Umsetzung).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureEntry {
    /// Short reference, unique in the catalogue, e.g. `1.3`.
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    pub code: String,
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    pub title: String,
    #[serde(default)]
    #[schema(
        max_length = 10000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 300,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub responsible_body: Option<String>,
    pub implementation_status: ImplementationStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 4000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub status_note: Option<String>,
    /// Date of the status, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = Date, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub status_date: Option<String>,
}

/// Why a catalogue file was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("the file is not valid catalogue JSON: {0}")]
    Syntax(String),
    #[error("the catalogue is invalid: {}", describe(.0))]
    Invalid(Vec<FieldError>),
}

fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message.en))
        .collect::<Vec<_>>()
        .join("; ")
}

impl CatalogueFile {
    /// Parses and validates a catalogue file.
    pub fn parse(text: &str) -> Result<Self, FileError> {
        let file: Self =
            serde_json::from_str(text).map_err(|e| FileError::Syntax(e.to_string()))?;
        let errors = file.validate();
        if errors.is_empty() {
            Ok(file)
        } else {
            Err(FileError::Invalid(errors))
        }
    }

    /// Checks every value; returns one entry per problem, each naming its path.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut v = Validator::default();
        if self.format_version != FORMAT_VERSION {
            v.push(
                "format_version",
                "unsupported",
                Text::format(
                    format!("muss {FORMAT_VERSION} sein"),
                    format!("must be {FORMAT_VERSION}"),
                ),
            );
        }
        let c = &self.concept;
        v.name("concept.title", &c.title, 300);
        v.opt_line("concept.vision_title", &c.vision_title, 300);
        v.date("concept.decided_on", &c.decided_on);
        v.opt_line("concept.decision_reference", &c.decision_reference, 200);
        v.text("concept.summary", &c.summary, 0, 10_000);
        for (list, name) in [
            (&c.vision, "vision"),
            (&c.commitments, "commitments"),
            (&c.priority_goals, "priority_goals"),
        ] {
            v.count(&format!("concept.{name}"), list.len(), MAX_ENTRIES);
            for (i, text) in list.iter().enumerate() {
                v.text(&format!("concept.{name}[{i}]"), text, 1, ENTRY_LENGTH);
            }
        }
        v.count("fields", self.fields.len(), 999);
        let mut numbers = HashSet::new();
        let mut codes = HashSet::new();
        for (i, f) in self.fields.iter().enumerate() {
            let at = format!("fields[{i}]");
            if !(1..=999).contains(&f.number) {
                v.push(
                    &format!("{at}.number"),
                    "range",
                    Text::new(
                        "muss zwischen 1 und 999 liegen",
                        "must be between 1 and 999",
                    ),
                );
            } else if !numbers.insert(f.number) {
                v.push(
                    &format!("{at}.number"),
                    "duplicate",
                    Text::format(
                        format!("die Nummer {} kommt zweimal vor", f.number),
                        format!("field number {} appears twice", f.number),
                    ),
                );
            }
            v.name(&format!("{at}.title"), &f.title, 300);
            v.opt_text(&format!("{at}.summary"), &f.summary, 10_000);
            v.count(&format!("{at}.measures"), f.measures.len(), 10_000);
            for (j, m) in f.measures.iter().enumerate() {
                let at = format!("{at}.measures[{j}]");
                v.name(&format!("{at}.code"), &m.code, 32);
                if !m.code.is_empty() && !codes.insert(m.code.as_str()) {
                    v.push(
                        &format!("{at}.code"),
                        "duplicate",
                        Text::format(
                            format!("das Kürzel '{}' kommt zweimal vor", m.code),
                            format!("measure code '{}' appears twice", m.code),
                        ),
                    );
                }
                v.name(&format!("{at}.title"), &m.title, 300);
                v.text(&format!("{at}.description"), &m.description, 0, 10_000);
                v.opt_line(&format!("{at}.responsible_body"), &m.responsible_body, 300);
                v.opt_text(&format!("{at}.status_note"), &m.status_note, 4000);
                v.date(&format!("{at}.status_date"), &m.status_date);
            }
        }
        self.validate_translations(&mut v);
        v.errors
    }

    /// The original of a translated text in this file, if the file has that text.
    pub fn original(&self, subject: FileSubject, key: &str, field: &str) -> Option<&str> {
        let c = &self.concept;
        fn nth<'a>(list: &'a [String], key: &str) -> Option<&'a str> {
            let i: usize = key.parse().ok()?;
            list.get(i.checked_sub(1)?).map(String::as_str)
        }
        let text = match (subject, field) {
            (FileSubject::Concept, "title") if key.is_empty() => Some(c.title.as_str()),
            (FileSubject::Concept, "vision_title") if key.is_empty() => c.vision_title.as_deref(),
            (FileSubject::Concept, "summary") if key.is_empty() => Some(c.summary.as_str()),
            (FileSubject::Vision, "text") => nth(&c.vision, key),
            (FileSubject::Commitment, "text") => nth(&c.commitments, key),
            (FileSubject::PriorityGoal, "text") => nth(&c.priority_goals, key),
            (FileSubject::Field, _) => {
                let f = self.fields.iter().find(|f| f.number.to_string() == key)?;
                match field {
                    "title" => Some(f.title.as_str()),
                    "summary" => f.summary.as_deref(),
                    _ => None,
                }
            }
            (FileSubject::Measure, _) => {
                let m = self
                    .fields
                    .iter()
                    .flat_map(|f| &f.measures)
                    .find(|m| m.code == key)?;
                match field {
                    "title" => Some(m.title.as_str()),
                    "description" => Some(m.description.as_str()),
                    "responsible_body" => m.responsible_body.as_deref(),
                    "status_note" => m.status_note.as_deref(),
                    _ => None,
                }
            }
            _ => None,
        };
        text.filter(|t| !t.trim().is_empty())
    }

    fn validate_translations(&self, v: &mut Validator) {
        v.count("translations", self.translations.len(), 200_000);
        let mut seen = HashSet::new();
        for (i, t) in self.translations.iter().enumerate() {
            let at = format!("translations[{i}]");
            let language = t.language.to_ascii_lowercase();
            if !crate::language::is_tag(&language) || language == crate::language::ORIGINAL {
                v.push(
                    &format!("{at}.language"),
                    "pattern",
                    Text::new(
                        "muss eine Sprachangabe außer de sein",
                        "must be a language tag other than de",
                    ),
                );
            }
            if self.original(t.subject, &t.key, &t.field).is_none() {
                v.push(
                    &format!("{at}.field"),
                    "unknown_text",
                    Text::new(
                        "nennt keinen Text dieser Datei (prüfen Sie subject, key und field)",
                        "names no text of this file (check subject, key and field)",
                    ),
                );
            }
            if !seen.insert((t.subject, t.key.as_str(), language, t.field.as_str())) {
                v.push(
                    &format!("{at}.field"),
                    "duplicate",
                    Text::new(
                        "dieser Text ist zweimal in diese Sprache übersetzt",
                        "this text is translated into this language twice",
                    ),
                );
            }
            v.text(&format!("{at}.text"), &t.text, 1, 10_000);
        }
    }

    /// Number of measures in all fields.
    pub fn measure_count(&self) -> usize {
        self.fields.iter().map(|f| f.measures.len()).sum()
    }
}

#[derive(Default)]
struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    fn push(&mut self, field: &str, code: &str, message: Text) {
        self.errors.push(FieldError::new(field, code, message));
    }

    /// Free text (descriptions, summaries): line breaks allowed ([`crate::text::text`]).
    fn text(&mut self, field: &str, value: &str, min: usize, max: usize) {
        self.checked(field, value, min, max, crate::text::text);
    }

    fn opt_text(&mut self, field: &str, value: &Option<String>, max: usize) {
        if let Some(value) = value {
            self.text(field, value, 0, max);
        }
    }

    /// One line (titles, codes, names): [`crate::text::line`].
    fn line(&mut self, field: &str, value: &str, min: usize, max: usize) {
        self.checked(field, value, min, max, crate::text::line);
    }

    /// A name, title or code: [`crate::text::name`], required.
    fn name(&mut self, field: &str, value: &str, max: usize) {
        self.checked(field, value, 1, max, crate::text::name);
    }

    fn opt_line(&mut self, field: &str, value: &Option<String>, max: usize) {
        if let Some(value) = value {
            self.line(field, value, 0, max);
        }
    }

    fn checked(
        &mut self,
        field: &str,
        value: &str,
        min: usize,
        max: usize,
        rule: fn(&str) -> Result<(), validator::ValidationError>,
    ) {
        let len = value.chars().count();
        if min > 0 && value.trim().is_empty() {
            self.push(
                field,
                "required",
                Text::new("darf nicht leer sein", "must not be empty"),
            );
        } else if len > max {
            self.push(
                field,
                "length",
                Text::format(
                    format!("darf höchstens {max} Zeichen lang sein"),
                    format!("must be at most {max} characters"),
                ),
            );
        } else if let Err(e) = rule(value) {
            self.push(field, "invalid_characters", crate::error::rule_message(&e));
        }
    }

    fn count(&mut self, field: &str, len: usize, max: usize) {
        if len > max {
            self.push(
                field,
                "too_many",
                Text::format(
                    format!("darf höchstens {max} Einträge haben"),
                    format!("must have at most {max} entries"),
                ),
            );
        }
    }

    fn date(&mut self, field: &str, value: &Option<String>) {
        if let Some(value) = value {
            let well_formed =
                value.len() == 10 && NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok();
            if !well_formed {
                self.push(
                    field,
                    "date",
                    Text::new(
                        "muss ein Datum in der Form JJJJ-MM-TT sein",
                        "must be a date written YYYY-MM-DD",
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal() -> serde_json::Value {
        serde_json::json!({
            "format_version": 1,
            "concept": { "title": "Konzept", "summary": "" },
            "fields": [
                { "number": 1, "title": "Feld", "measures": [
                    { "code": "1.1", "title": "M", "implementation_status": "planned" }
                ]}
            ]
        })
    }

    #[test]
    fn minimal_file_is_accepted() {
        let file = CatalogueFile::parse(&minimal().to_string()).unwrap();
        assert_eq!(file.measure_count(), 1);
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = CatalogueFile::parse("{\n  \"format_version\": 1,\n  oops\n}").unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
    }

    #[test]
    fn unknown_keys_are_rejected_with_their_name() {
        let mut v = minimal();
        v["fields"][0]["titel"] = "typo".into();
        let err = CatalogueFile::parse(&v.to_string()).unwrap_err();
        assert!(err.to_string().contains("titel"), "{err}");
    }

    #[test]
    fn invalid_values_name_their_path() {
        let mut v = minimal();
        v["fields"][0]["measures"][0]["status_date"] = "23.09.2010".into();
        v["fields"][0]["measures"].as_array_mut().unwrap().push(
            serde_json::json!({"code": "1.1", "title": "", "implementation_status": "planned"}),
        );
        v["fields"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"number": 1, "title": "x"}));
        let Err(FileError::Invalid(errors)) = CatalogueFile::parse(&v.to_string()) else {
            panic!("expected invalid");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "fields[0].measures[0].status_date",
                "fields[0].measures[1].code",
                "fields[0].measures[1].title",
                "fields[1].number",
            ]
        );
    }

    #[test]
    fn titles_and_codes_follow_the_name_rule_and_entries_say_something() {
        let mut v = minimal();
        v["fields"][0]["title"] = " Feld".into();
        v["fields"][0]["measures"][0]["code"] = "1.1\u{200B}".into();
        v["concept"]["vision"] = serde_json::json!(["Vielfalt", " \u{3000} "]);
        let Err(FileError::Invalid(errors)) = CatalogueFile::parse(&v.to_string()) else {
            panic!("expected invalid");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "concept.vision[1]",
                "fields[0].title",
                "fields[0].measures[0].code"
            ]
        );
    }

    #[test]
    fn unknown_status_is_rejected() {
        let mut v = minimal();
        v["fields"][0]["measures"][0]["implementation_status"] = "done".into();
        let err = CatalogueFile::parse(&v.to_string()).unwrap_err();
        assert!(err.to_string().contains("done"), "{err}");
    }
}
