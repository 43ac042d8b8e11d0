//! What the catalogue endpoints answer. Response types are separate from the rows they are
//! read from, so storage details never leak into the contract.

use crate::translations::{Languages, Localized};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Stand der Umsetzung: how far a measure has been implemented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImplementationStatus {
    /// geplant
    Planned,
    /// in Umsetzung
    InProgress,
    /// umgesetzt
    Implemented,
    /// eingestellt
    Discontinued,
}

impl ImplementationStatus {
    pub const ALL: [Self; 4] = [
        Self::Planned,
        Self::InProgress,
        Self::Implemented,
        Self::Discontinued,
    ];

    /// The value stored in the database (the same as in JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::InProgress => "in_progress",
            Self::Implemented => "implemented",
            Self::Discontinued => "discontinued",
        }
    }

    /// Reads a stored value; the schema's CHECK constraint admits only the four.
    pub fn from_stored(value: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == value)
            .unwrap_or(Self::Planned)
    }
}

/// Kind of a vision statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VisionKind {
    /// A statement of the Leitbild.
    Principle,
    /// A commitment that puts the Leitbild into practice (Umsetzung des Leitbildes).
    Commitment,
}

impl VisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Principle => "principle",
            Self::Commitment => "commitment",
        }
    }

    pub fn from_stored(value: &str) -> Self {
        if value == "commitment" {
            Self::Commitment
        } else {
            Self::Principle
        }
    }
}

/// Integrationskonzept: the concept under revision, with its Leitbild and priority goals.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Concept {
    pub id: i64,
    #[schema(example = "Wir fördern Integration – Integrationskonzept für Bielefeld")]
    pub title: String,
    /// Title of the Leitbild.
    pub vision_title: Option<String>,
    /// Date of the council decision.
    #[schema(format = Date, example = "2010-09-23")]
    pub decided_on: Option<String>,
    /// Reference of the council decision (Drucksache).
    pub decision_reference: Option<String>,
    pub summary: String,
    /// Leitbild statements and the commitments that implement them, in order.
    pub vision: Vec<VisionStatement>,
    /// Priorisierte Ziele, in order.
    pub priority_goals: Vec<PriorityGoal>,
    /// Number of fields of action.
    pub field_count: i64,
    /// Number of measures in all fields.
    pub measure_count: i64,
    /// The language of each text in this answer, and the languages it can be read in.
    #[serde(default)]
    pub languages: Languages,
}

/// One statement of the Leitbild (vision).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VisionStatement {
    pub id: i64,
    pub kind: VisionKind,
    /// Order within its kind, from 1.
    pub position: i32,
    pub text: String,
    /// When it was retired; retired items stay readable but leave the current catalogue.
    pub retired_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Increases with every change.
    pub version: i32,
    /// The language of each text in this answer, and the languages it can be read in.
    #[serde(default)]
    pub languages: Languages,
}

/// Priorisiertes Ziel: a goal the council prioritised.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PriorityGoal {
    pub id: i64,
    /// Order, from 1.
    pub position: i32,
    pub text: String,
    /// When it was retired; retired items stay readable but leave the current catalogue.
    pub retired_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Increases with every change.
    pub version: i32,
    /// The language of each text in this answer, and the languages it can be read in.
    #[serde(default)]
    pub languages: Languages,
}

/// Handlungsfeld: a field of action grouping measures.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Field {
    pub id: i64,
    /// Number of the field within the concept.
    pub number: i32,
    pub title: String,
    pub summary: Option<String>,
    /// Number of measures in this field (not counting retired ones).
    pub measure_count: i64,
    /// When it was retired; retired items stay readable but leave the current catalogue.
    pub retired_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Increases with every change.
    pub version: i32,
    /// The language of each text in this answer, and the languages it can be read in.
    #[serde(default)]
    pub languages: Languages,
}

/// Maßnahme: a concrete measure with its implementation status.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Measure {
    pub id: i64,
    /// The field of action the measure belongs to.
    pub field_id: i64,
    /// Short reference, unique in the catalogue.
    #[schema(example = "1.1")]
    pub code: String,
    pub title: String,
    pub description: String,
    /// Who is responsible for the measure.
    pub responsible_body: Option<String>,
    pub implementation_status: ImplementationStatus,
    /// Explanation of the current status.
    pub status_note: Option<String>,
    /// Date the status was recorded.
    #[schema(format = Date, example = "2013-12-31")]
    pub status_date: Option<String>,
    /// When it was retired; retired items stay readable but leave the current catalogue.
    pub retired_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Increases with every change.
    pub version: i32,
    /// The language of each text in this answer, and the languages it can be read in.
    #[serde(default)]
    pub languages: Languages,
}

impl Localized for Concept {
    const SUBJECT: &'static str = "concept";
    fn subject_id(&self) -> i64 {
        self.id
    }
    fn texts(&mut self) -> (Vec<(&'static str, &mut String)>, &mut Languages) {
        let mut texts = vec![("title", &mut self.title)];
        if let Some(t) = self.vision_title.as_mut() {
            texts.push(("vision_title", t));
        }
        texts.push(("summary", &mut self.summary));
        (texts, &mut self.languages)
    }
}

impl Localized for VisionStatement {
    const SUBJECT: &'static str = "vision_statement";
    fn subject_id(&self) -> i64 {
        self.id
    }
    fn texts(&mut self) -> (Vec<(&'static str, &mut String)>, &mut Languages) {
        (vec![("text", &mut self.text)], &mut self.languages)
    }
}

impl Localized for PriorityGoal {
    const SUBJECT: &'static str = "priority_goal";
    fn subject_id(&self) -> i64 {
        self.id
    }
    fn texts(&mut self) -> (Vec<(&'static str, &mut String)>, &mut Languages) {
        (vec![("text", &mut self.text)], &mut self.languages)
    }
}

impl Localized for Field {
    const SUBJECT: &'static str = "field";
    fn subject_id(&self) -> i64 {
        self.id
    }
    fn texts(&mut self) -> (Vec<(&'static str, &mut String)>, &mut Languages) {
        let mut texts = vec![("title", &mut self.title)];
        if let Some(t) = self.summary.as_mut() {
            texts.push(("summary", t));
        }
        (texts, &mut self.languages)
    }
}

impl Localized for Measure {
    const SUBJECT: &'static str = "measure";
    fn subject_id(&self) -> i64 {
        self.id
    }
    fn texts(&mut self) -> (Vec<(&'static str, &mut String)>, &mut Languages) {
        let mut texts = vec![
            ("title", &mut self.title),
            ("description", &mut self.description),
        ];
        if let Some(t) = self.responsible_body.as_mut() {
            texts.push(("responsible_body", t));
        }
        if let Some(t) = self.status_note.as_mut() {
            texts.push(("status_note", t));
        }
        (texts, &mut self.languages)
    }
}
