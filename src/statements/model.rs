//! Request and response types of statements. Requests and responses are separate structs; a
//! client body never becomes a row.

use crate::organisations::model::OrganisationKind;
use crate::translations::{Languages, Localized};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// Characters of a statement's body (and of a response).
pub const MAX_BODY_CHARS: u64 = 50_000;
/// Characters of a statement's title.
pub const MAX_TITLE_CHARS: u64 = 300;
/// A receipt number as the API writes it (`ST-2026-0042`).
pub const RECEIPT_NUMBER_PATTERN: &str = "^ST-[0-9]{4}-[0-9]{4,9}$";
/// A SHA-256 as the API writes it: 64 lower-case hex digits.
pub const SHA256_PATTERN: &str = "^[0-9a-f]{64}$";

/// Attachments of one statement.
pub const MAX_ATTACHMENTS: i64 = 5;

crate::stored_enum! {
    /// What a statement is about: the concept as a whole, a field of action or a measure.
    StatementTarget {
        Concept => "concept",
        Field => "field",
        Measure => "measure",
    }
}

crate::stored_enum! {
    /// Where a statement stands: `draft` (the organisation writes it), `submitted` (frozen,
    /// with its receipt), `in_review` (assigned to a reviewer), `answered` (published with the
    /// city's response), `withdrawn` (by the organisation, before it was answered).
    StatementState {
        Draft => "draft",
        Submitted => "submitted",
        InReview => "in_review",
        Answered => "answered",
        Withdrawn => "withdrawn",
    }
}

crate::stored_enum! {
    /// How a published statement names its organisation: by `name`, or only by its `kind`
    /// ("a migrant organisation").
    PublishAs {
        Name => "name",
        Kind => "kind",
    }
}

/// A new draft of a statement of the organisation.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStatement {
    /// The consultation it is submitted to.
    #[schema(minimum = 1)]
    pub consultation_id: i64,
    pub target_type: StatementTarget,
    /// The field of action or measure (in the consultation's scope); absent for the concept.
    #[schema(minimum = 1)]
    pub target_id: Option<i64>,
    #[validate(length(min = 1, max = 300), custom(function = "crate::text::name"))]
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    pub title: String,
    /// Plain text: line breaks and tabs, no other control characters; at most 50,000
    /// characters.
    #[validate(length(min = 1, max = 50000), custom(function = "crate::text::filled"))]
    #[schema(
        min_length = 1,
        max_length = 50000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^ \\u0000-\\u001F\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub body: String,
}

/// A change of a draft: what is left out stays.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementEdit {
    #[validate(length(min = 1, max = 300), custom(function = "crate::text::name"))]
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    pub title: Option<String>,
    #[validate(length(min = 1, max = 50000), custom(function = "crate::text::filled"))]
    #[schema(
        min_length = 1,
        max_length = 50000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^ \\u0000-\\u001F\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub body: Option<String>,
}

/// The representative's submission: how the statement may be published.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    pub publish_as: PublishAs,
}

/// Where a statement points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Target {
    #[serde(rename = "type")]
    pub kind: StatementTarget,
    /// The field of action or measure; `null` for the concept.
    pub id: Option<i64>,
    /// The field of action the target belongs to (the measure's field); `null` for the
    /// concept.
    pub field_id: Option<i64>,
}

/// A PDF attachment, without its content (`GET …/attachments/{id}` downloads it).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub filename: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// The receipt of a submission: verifiable offline with the installation's public key
/// (`GET /api/v1/statement-receipts/key`). `signature` is Ed25519 over the bytes of
/// `signed_message` (UTF-8), which names the number, consultation, time and hash.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Receipt {
    /// Eingangsnummer: `ST-<year>-<number>`, without gaps per consultation.
    #[schema(example = "ST-2026-0042")]
    pub number: String,
    pub consultation_id: i64,
    pub submitted_at: DateTime<Utc>,
    /// SHA-256 (lower-case hex) of the statement's canonical form (`GET /statements/{id}/canonical`).
    pub sha256: String,
    /// Ed25519 signature of `signed_message`, base64.
    pub signature: String,
    /// The exact text signed.
    pub signed_message: String,
    /// Id of the signing key: the first 16 hex digits of the SHA-256 of its raw public key.
    pub key_id: String,
}

/// The organisation of a statement, as its members and the staff see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatementOrganisation {
    pub id: i64,
    pub name: String,
    pub kind: OrganisationKind,
}

/// The published response of the city.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublishedResponse {
    pub body: String,
    /// The version of the response that was published.
    pub version: i32,
    pub published_at: DateTime<Utc>,
    /// The language of `body` in this answer (it can be translated), and the languages it can
    /// be read in.
    #[serde(default)]
    pub languages: Languages,
    /// The statement it answers (the subject of its translations).
    #[serde(skip)]
    pub statement_id: i64,
}

impl Localized for PublishedResponse {
    const SUBJECT: &'static str = "statement_response";
    fn subject_id(&self) -> i64 {
        self.statement_id
    }
    fn texts(&mut self) -> (Vec<(&'static str, &mut String)>, &mut Languages) {
        (vec![("body", &mut self.body)], &mut self.languages)
    }
}

/// A statement as the organisation's members and the staff see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Statement {
    pub id: i64,
    pub consultation_id: i64,
    pub organisation: StatementOrganisation,
    pub target: Target,
    pub title: String,
    pub body: String,
    pub state: StatementState,
    pub attachments: Vec<Attachment>,
    /// How the organisation chose to be named when it is published (set at submission).
    pub publish_as: Option<PublishAs>,
    /// Set at submission.
    pub receipt: Option<Receipt>,
    /// The moderator or administrator reviewing it (for the staff).
    pub reviewer_id: Option<i64>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub response: Option<PublishedResponse>,
    /// Counts every change; the `ETag` is derived from it.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The organisation of a published statement: its name only if it chose so.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublishedOrganisation {
    pub kind: OrganisationKind,
    /// `null` when the organisation chose to be published by its kind only.
    pub name: Option<String>,
}

/// A published statement with the city's response, as everybody sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublishedStatement {
    pub id: i64,
    pub consultation_id: i64,
    pub receipt_number: String,
    pub submitted_at: DateTime<Utc>,
    pub organisation: PublishedOrganisation,
    pub target: Target,
    pub title: String,
    pub body: String,
    pub attachments: Vec<Attachment>,
    pub response: PublishedResponse,
}

/// Filters of the public list of published statements.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublishedFilter {
    pub consultation_id: Option<i64>,
    /// Statements on this field of action or on one of its measures.
    pub field_id: Option<i64>,
    pub measure_id: Option<i64>,
    #[param(inline)]
    pub organisation_kind: Option<OrganisationKind>,
}

/// Filters of the staff's queue.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueFilter {
    /// One state (default: `submitted` and `in_review`, the open work). Drafts are never in
    /// the queue.
    #[param(inline)]
    pub state: Option<StatementState>,
    pub consultation_id: Option<i64>,
    /// Statements assigned to this reviewer.
    pub reviewer_id: Option<i64>,
}

/// Filters of an organisation's own statements.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OwnFilter {
    #[param(inline)]
    pub state: Option<StatementState>,
    pub consultation_id: Option<i64>,
}

/// Whom a statement is assigned to for review.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// A moderator or administrator.
    #[schema(minimum = 1)]
    pub reviewer_id: i64,
}

/// A new version of the city's response.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseDraft {
    #[validate(length(min = 1, max = 50000), custom(function = "crate::text::filled"))]
    #[schema(
        min_length = 1,
        max_length = 50000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^ \\u0000-\\u001F\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub body: String,
}

/// One version of the city's response.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ResponseVersion {
    pub version: i32,
    pub body: String,
    /// The staff member who wrote it; `null` once their account is deleted.
    pub written_by: Option<i64>,
    pub written_at: DateTime<Utc>,
    /// Whether this is the published version.
    pub published: bool,
}

/// What the public check of a receipt answers: whether the number and the hash belong to one
/// submitted statement of the consultation, and nothing about its content.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReceiptCheck {
    pub number: String,
    pub sha256: String,
    pub matches: bool,
    /// When it was submitted (only when it matches).
    pub submitted_at: Option<DateTime<Utc>>,
    /// Whether it was withdrawn since (only when it matches).
    pub withdrawn: Option<bool>,
}

/// Query of the public receipt check.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReceiptQuery {
    /// SHA-256 from the receipt, lower-case hex.
    #[param(pattern = "^[0-9a-f]{64}$", min_length = 64, max_length = 64)]
    pub sha256: String,
}

/// The installation's key for receipts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReceiptKey {
    #[schema(example = "Ed25519")]
    pub algorithm: String,
    pub key_id: String,
    /// The public key as PEM (SubjectPublicKeyInfo), for `openssl pkeyutl -verify`.
    pub public_key_pem: String,
    /// The raw 32-byte public key, base64.
    pub public_key: String,
    /// Whether it signs the receipts issued now (`false`: it signed earlier ones).
    pub current: bool,
}

/// Every key that signed receipts of this installation: the current one first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReceiptKeys {
    pub keys: Vec<ReceiptKey>,
}

crate::stored_enum! {
    /// The variant of the Abwägungstabelle: `named` shows an organisation's name where it
    /// chose publication by name (its kind otherwise); `anonymised` shows kinds only.
    TableVariant {
        Named => "named",
        Anonymised => "anonymised",
    }
}

/// Query of the Abwägungstabelle.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TableQuery {
    /// Default `named`.
    #[param(inline)]
    pub variant: Option<TableVariant>,
}

/// Query of an attachment upload.
#[derive(Debug, Clone, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AttachmentQuery {
    /// The file's name as the organisation wants it shown (one line, 1–200 characters).
    #[validate(length(min = 1, max = 200), custom(function = "crate::text::name"))]
    #[param(min_length = 1, max_length = 200)]
    pub filename: String,
}
