//! Request and response types of comments, proposals and their moderation. Request types
//! reject unknown fields, so no client can set a state, a count or an author it was not given.

use crate::organisations::model::OrganisationKind;
use crate::translations::{Languages, Localized};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

/// Replies nest to this depth below a top-level comment (four levels in all, as in Decidim).
pub const MAX_DEPTH: i32 = 3;
/// Most characters of a comment, a proposal's description or its rationale.
pub const MAX_TEXT: u64 = 5000;
/// Minutes after writing during which the author may change a contribution.
pub const EDIT_WINDOW_MINUTES: i64 = 60;
/// Flags from different people after which a contribution is hidden pending review.
pub const FLAGS_TO_HIDE: i32 = 3;

crate::stored_enum! {
    /// A comment or a proposal of a new measure.
    ContributionKind {
        Comment => "comment",
        Proposal => "proposal",
    }
}

crate::stored_enum! {
    /// What a comment is about: a field of action, a measure, or a proposal.
    TargetType {
        Field => "field",
        Measure => "measure",
        Proposal => "proposal",
    }
}

crate::stored_enum! {
    /// Who speaks: a person for themselves (`citizen`), or an organisation of its kind.
    AuthorGroup {
        Citizen => "citizen",
        MigrantOrganisation => "migrant_organisation",
        WelfareProvider => "welfare_provider",
        OtherCivilSociety => "other_civil_society",
    }
}

impl AuthorGroup {
    pub const ALL: [Self; 4] = [
        Self::Citizen,
        Self::MigrantOrganisation,
        Self::WelfareProvider,
        Self::OtherCivilSociety,
    ];

    pub fn of_organisation(kind: OrganisationKind) -> Self {
        match kind {
            OrganisationKind::MigrantOrganisation => Self::MigrantOrganisation,
            OrganisationKind::WelfareProvider => Self::WelfareProvider,
            OrganisationKind::OtherCivilSociety => Self::OtherCivilSociety,
        }
    }
}

crate::stored_enum! {
    /// Where moderation stands (as stored).
    Stored {
        Pending => "pending",
        Visible => "visible",
        Hidden => "hidden",
        Rejected => "rejected",
    }
}

/// How a contribution appears to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Pre-moderation: waiting for approval, seen only by its author and moderators.
    Pending,
    /// Published.
    Visible,
    /// Hidden pending review after flags from several people (a placeholder, no text).
    HiddenPendingReview,
    /// Hidden by a moderator's decision (a placeholder, no text).
    Hidden,
    /// Not approved in pre-moderation; seen only by its author and moderators.
    Rejected,
    /// Deleted by its author (a placeholder keeps the thread; replies stay).
    Deleted,
}

crate::stored_enum! {
    /// The order of a list.
    Sort {
        Newest => "newest",
        Oldest => "oldest",
        MostSupported => "most_supported",
    }
}

crate::stored_enum! {
    /// Why a contribution is reported or moderated.
    Reason {
        Spam => "spam",
        Insult => "insult",
        DiscriminationOrRacism => "discrimination_or_racism",
        PersonalData => "personal_data",
        OffTopic => "off_topic",
        Other => "other",
    }
}

crate::stored_enum! {
    /// A moderator's decision.
    ModerationDecision {
        /// Publish a pending contribution, or dismiss the flags of a published one.
        Approve => "approve",
        /// Refuse a pending contribution: it is never published.
        Reject => "reject",
        /// Hide a published contribution (a placeholder stays).
        Hide => "hide",
        /// Publish a hidden contribution again.
        Restore => "restore",
    }
}

crate::stored_enum! {
    /// The public answer to a proposal.
    AnswerStatus {
        UnderReview => "under_review",
        Accepted => "accepted",
        Rejected => "rejected",
    }
}

crate::stored_enum! {
    /// Why an item is in the moderation queue.
    QueueKind {
        /// Pre-moderation: waiting for approval.
        Pending => "pending",
        /// Reported by participants.
        Flagged => "flagged",
        /// A published proposal without a final answer.
        Unanswered => "unanswered",
    }
}

fn filled(value: &str) -> Result<(), ValidationError> {
    crate::text::filled(value)
}

fn tag(value: &str) -> Result<(), ValidationError> {
    if crate::language::is_tag(value) {
        return Ok(());
    }
    Err(crate::error::rule("invalid_language", LANGUAGE_TAG_MESSAGE))
}

fn declared(value: &bool) -> Result<(), ValidationError> {
    if *value {
        return Ok(());
    }
    Err(crate::error::rule(
        "consent_required",
        crate::error::Text::new(
            "die Begleitperson muss erklären, dass die Person eingewilligt hat",
            "the facilitator must declare that the person consented",
        ),
    ))
}

/// What a refused language tag is told.
const LANGUAGE_TAG_MESSAGE: crate::error::Text = crate::error::Text::new(
    "muss eine Sprachangabe wie `tr`, `de` oder `pt-BR` sein",
    "must be a language tag such as `tr`, `de` or `pt-BR`",
);

/// The language of a text without a declared one: undetermined (BCP 47 `und`).
pub const UNDETERMINED: &str = "und";

/// A language tag in its usual case (`pt-BR`, `sr-Latn`, `de-x-ls`): the primary subtag in
/// lower case, a region of two letters in upper case, a script in title case, the rest lower,
/// so that `TR` and `tr` are one language for the filters.
pub fn canonical_tag(tag: &str) -> String {
    let mut out = Vec::new();
    let mut private = false;
    for (i, part) in tag.split('-').enumerate() {
        let lower = part.to_ascii_lowercase();
        private |= lower == "x";
        out.push(match (i, part.len()) {
            (0, _) => lower,
            _ if private => lower,
            (_, 2) if part.bytes().all(|b| b.is_ascii_alphabetic()) => part.to_ascii_uppercase(),
            (_, 4) if part.bytes().all(|b| b.is_ascii_alphabetic()) => {
                let mut t = lower;
                t[..1].make_ascii_uppercase();
                t
            }
            _ => lower,
        });
    }
    out.join("-")
}

/// A language filter of a list: a checked tag in its usual case, kept inline so that a
/// listing stays `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LanguageTag {
    bytes: [u8; crate::language::TAG_MAX],
    len: u8,
}

impl LanguageTag {
    /// The tag, or 400 naming the query parameter `language` when it is not one.
    pub fn parse(value: &str) -> Result<Self, crate::error::ApiError> {
        if !crate::language::is_tag(value) {
            return Err(crate::error::ApiError::invalid_field(
                "language",
                "invalid_language",
                LANGUAGE_TAG_MESSAGE,
            ));
        }
        let canonical = canonical_tag(value);
        let mut bytes = [0u8; crate::language::TAG_MAX];
        bytes[..canonical.len()].copy_from_slice(canonical.as_bytes());
        Ok(Self {
            bytes,
            len: canonical.len() as u8,
        })
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or(UNDETERMINED)
    }
}

/// The language filter of a query, checked (`None` when absent).
pub fn language_filter(value: Option<&str>) -> Result<Option<LanguageTag>, crate::error::ApiError> {
    value.map(LanguageTag::parse).transpose()
}

/// The person a facilitator records a contribution or a ballot for (assisted participation).
/// Their name or pseudonym is shown publicly; the contact only to moderators, and it is erased
/// after the consultation (see the processing record).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OnBehalfOf {
    /// A name or a pseudonym, as the person wishes to appear.
    #[validate(length(min = 1, max = 80), custom(function = "crate::text::name"))]
    #[schema(
        min_length = 1,
        max_length = 80,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$",
        example = "Ayşe K."
    )]
    pub name: String,
    /// How to reach the person about the entry (a phone number, an address); moderators only.
    #[validate(length(min = 1, max = 200), custom(function = "crate::text::name"))]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    #[serde(default)]
    pub contact: Option<String>,
    /// The participant group the person belongs to.
    pub group: AuthorGroup,
    /// The facilitator declares that the person consented to the recording and its
    /// publication; must be `true`.
    #[validate(custom(function = "declared"))]
    pub consent_declared: bool,
}

/// A new comment on a field of action, a measure or a proposal of the consultation.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    pub target_type: TargetType,
    /// Id of the field, measure or proposal; it must be in the consultation's scope.
    #[schema(minimum = 1)]
    pub target_id: i64,
    /// Plain text, as written (no markup is interpreted); line breaks and tabs allowed.
    #[validate(length(min = 1, max = 5000), custom(function = "filled"))]
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^ \\u0000-\\u001F\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub body: String,
    /// Write in the name of this organisation (members of a verified organisation).
    #[schema(minimum = 1)]
    pub as_organisation: Option<i64>,
    /// The language the text is written in, as the writer declares it (BCP 47, e.g. `tr`,
    /// `de`, `de-x-ls` for Leichte Sprache); `und` (undetermined) when left out.
    #[validate(length(min = 2, max = 35), custom(function = "tag"))]
    #[schema(
        min_length = 2,
        max_length = 35,
        pattern = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,7}$",
        example = "tr"
    )]
    #[serde(default)]
    pub language: Option<String>,
    /// Facilitators only: record the comment on behalf of a person without an account
    /// (assisted participation). The public sees it as assisted, under the person's name.
    #[validate(nested)]
    #[serde(default)]
    pub on_behalf_of: Option<OnBehalfOf>,
}

/// A reply to a comment.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReply {
    /// Plain text, as written; line breaks and tabs allowed.
    #[validate(length(min = 1, max = 5000), custom(function = "filled"))]
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^ \\u0000-\\u001F\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub body: String,
    #[schema(minimum = 1)]
    pub as_organisation: Option<i64>,
    /// The language the text is written in, as the writer declares it (BCP 47, e.g. `tr`,
    /// `de`, `de-x-ls` for Leichte Sprache); `und` (undetermined) when left out.
    #[validate(length(min = 2, max = 35), custom(function = "tag"))]
    #[schema(
        min_length = 2,
        max_length = 35,
        pattern = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,7}$",
        example = "tr"
    )]
    #[serde(default)]
    pub language: Option<String>,
}

/// A proposal of a new measure for a field of action.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProposal {
    /// The field of action the measure belongs to; it must be in the consultation's scope.
    #[schema(minimum = 1)]
    pub field_id: i64,
    #[validate(length(min = 1, max = 200), custom(function = "crate::text::name"))]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    pub title: String,
    /// What the measure would do.
    #[validate(length(min = 1, max = 5000), custom(function = "filled"))]
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^ \\u0000-\\u001F\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub body: String,
    /// Why it is needed.
    #[validate(length(max = 5000), custom(function = "crate::text::text"))]
    #[schema(
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    #[serde(default)]
    pub rationale: String,
    #[schema(minimum = 1)]
    pub as_organisation: Option<i64>,
    /// The language the text is written in, as the writer declares it (BCP 47, e.g. `tr`,
    /// `de`, `de-x-ls` for Leichte Sprache); `und` (undetermined) when left out.
    #[validate(length(min = 2, max = 35), custom(function = "tag"))]
    #[schema(
        min_length = 2,
        max_length = 35,
        pattern = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,7}$",
        example = "tr"
    )]
    #[serde(default)]
    pub language: Option<String>,
    /// Facilitators only: record the proposal on behalf of a person without an account
    /// (assisted participation). The public sees it as assisted, under the person's name.
    #[validate(nested)]
    #[serde(default)]
    pub on_behalf_of: Option<OnBehalfOf>,
}

/// A new text for one's own contribution, within the edit window. What is left out stays;
/// `title` and `rationale` are for proposals only.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContributionEdit {
    #[validate(length(min = 1, max = 5000), custom(function = "filled"))]
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^ \\u0000-\\u001F\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub body: Option<String>,
    #[validate(length(min = 1, max = 200), custom(function = "crate::text::name"))]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    pub title: Option<String>,
    #[validate(length(max = 5000), custom(function = "crate::text::text"))]
    #[schema(
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub rationale: Option<String>,
    /// A corrected language of the text (BCP 47).
    #[validate(length(min = 2, max = 35), custom(function = "tag"))]
    #[schema(
        min_length = 2,
        max_length = 35,
        pattern = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,7}$"
    )]
    pub language: Option<String>,
}

/// A report of a contribution to the moderators.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagSubmission {
    pub reason: Reason,
    /// What is wrong; required with reason `other`.
    #[validate(length(min = 1, max = 1000), custom(function = "filled"))]
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^ \\u0000-\\u001F\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub note: Option<String>,
}

/// A moderator's decision on a contribution.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionSubmission {
    pub decision: ModerationDecision,
    /// Why (for `approve` and `restore` too: what the report or the review was about); told
    /// to the author and shown in the public log.
    pub reason: Reason,
    /// A note to the author (sent by mail; never in the public log).
    #[validate(length(min = 1, max = 2000), custom(function = "filled"))]
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^ \\u0000-\\u001F\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub note: Option<String>,
}

/// The staff's public answer to a proposal.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerSubmission {
    pub status: AnswerStatus,
    #[validate(length(min = 1, max = 5000), custom(function = "filled"))]
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^ \\u0000-\\u001F\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub explanation: String,
    /// With `accepted`: the catalogue measure the proposal became.
    #[schema(minimum = 1)]
    pub measure_id: Option<i64>,
    /// With `accepted`: the consultation whose ballot the proposal joined.
    #[schema(minimum = 1)]
    pub consultation_id: Option<i64>,
}

/// Filters of a consultation's comments.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommentFilter {
    /// Only comments on items of this type (with `target_id`).
    #[param(inline)]
    pub target_type: Option<TargetType>,
    /// Only comments on this item (with `target_type`).
    pub target_id: Option<i64>,
    #[param(inline)]
    pub author_group: Option<AuthorGroup>,
    /// Only comments declared in this language (BCP 47; `und` for undeclared ones).
    #[param(max_length = 35, pattern = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,7}$")]
    pub language: Option<String>,
    /// `newest` (default), `oldest` or `most_supported`.
    #[param(inline)]
    pub sort: Option<Sort>,
}

/// Filters of a consultation's proposals.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProposalFilter {
    /// Only proposals for this field of action.
    pub field_id: Option<i64>,
    #[param(inline)]
    pub author_group: Option<AuthorGroup>,
    /// Only proposals declared in this language (BCP 47; `und` for undeclared ones).
    #[param(max_length = 35, pattern = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,7}$")]
    pub language: Option<String>,
    #[param(inline)]
    pub sort: Option<Sort>,
}

/// The order of replies and the page.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReplyFilter {
    /// `oldest` (default), `newest` or `most_supported`.
    #[param(inline)]
    pub sort: Option<Sort>,
}

/// Counts of one target, or of every target of the consultation.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CountFilter {
    #[param(inline)]
    pub target_type: Option<TargetType>,
    pub target_id: Option<i64>,
}

/// The moderation queue's filters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueFilter {
    /// One kind of entry; all by default.
    #[param(inline)]
    pub kind: Option<QueueKind>,
    pub consultation_id: Option<i64>,
    #[param(inline)]
    pub item_kind: Option<ContributionKind>,
    /// Only contributions declared in this language (BCP 47; `und` for undeclared ones).
    #[param(max_length = 35, pattern = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,7}$")]
    pub language: Option<String>,
    /// Only assisted contributions (`true`) or only others (`false`).
    pub assisted: Option<bool>,
    /// Only contributions recorded by this facilitator.
    pub facilitator_id: Option<i64>,
}

/// An organisation a contribution speaks for.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrganisationAuthor {
    pub id: i64,
    pub name: String,
    pub kind: OrganisationKind,
}

/// Who wrote a contribution: a display name, never an e-mail address.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Author {
    /// The person's display name ("written by" for an organisation); `null` once their
    /// account is deleted ("deleted participant").
    pub display_name: Option<String>,
    /// Whether the person's account was deleted.
    pub deleted: bool,
    /// The organisation it speaks for, if any.
    pub organisation: Option<OrganisationAuthor>,
}

/// The public answer to a proposal.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProposalAnswer {
    pub status: AnswerStatus,
    pub explanation: String,
    /// The catalogue measure an accepted proposal became.
    pub measure_id: Option<i64>,
    /// The consultation whose ballot an accepted proposal joined.
    pub consultation_id: Option<i64>,
    pub answered_at: DateTime<Utc>,
    /// The language of `explanation` in this answer (it can be translated), and the languages
    /// it can be read in.
    #[serde(default)]
    pub languages: Languages,
    /// The proposal it answers (the subject of its translations).
    #[serde(skip)]
    pub proposal_id: i64,
}

impl Localized for ProposalAnswer {
    const SUBJECT: &'static str = "proposal_answer";
    fn subject_id(&self) -> i64 {
        self.proposal_id
    }
    fn texts(&mut self) -> (Vec<(&'static str, &mut String)>, &mut Languages) {
        (
            vec![("explanation", &mut self.explanation)],
            &mut self.languages,
        )
    }
}

/// A comment or a proposal as the caller may see it. Placeholders (hidden, deleted) have no
/// text and no author; the thread around them stays.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Contribution {
    pub id: i64,
    pub kind: ContributionKind,
    pub consultation_id: i64,
    pub target_type: TargetType,
    pub target_id: i64,
    /// The comment this one replies to; `null` at the top of a thread.
    pub parent_id: Option<i64>,
    /// 0 at the top of a thread, at most 3.
    pub depth: i32,
    pub status: Status,
    /// `null` for placeholders.
    pub author: Option<Author>,
    pub author_group: AuthorGroup,
    /// Proposals only.
    pub title: Option<String>,
    /// The text exactly as written; `null` for placeholders.
    pub body: Option<String>,
    /// Proposals only.
    pub rationale: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When the author last changed the text; `null` if never.
    pub edited_at: Option<DateTime<Utc>>,
    pub support_count: i32,
    /// Published replies (placeholders included).
    pub reply_count: i32,
    /// Whether the caller supports it; `null` for anonymous callers.
    pub supported: Option<bool>,
    /// Whether the caller wrote it.
    pub mine: bool,
    /// Proposals only: the staff's answer, once given.
    pub answer: Option<ProposalAnswer>,
    /// The declared language of the text (BCP 47; `und` when undeclared).
    #[schema(example = "tr")]
    pub language: String,
    /// Recorded by a facilitator on behalf of a person without an account (assisted
    /// participation); `author.display_name` is then the name or pseudonym the person chose.
    pub assisted: bool,
}

/// Counts of published comments on one target, in all and per author group.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TargetCounts {
    pub target_type: TargetType,
    pub target_id: i64,
    pub comments: i64,
    pub citizen: i64,
    pub migrant_organisation: i64,
    pub welfare_provider: i64,
    pub other_civil_society: i64,
}

/// The caller's support of a contribution.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SupportState {
    pub supported: bool,
    pub support_count: i32,
}

/// A report as received.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FlagReceipt {
    pub contribution_id: i64,
    pub reason: Reason,
    pub created_at: DateTime<Utc>,
}

/// Reports of one reason on a contribution.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FlagCount {
    pub reason: Reason,
    pub count: i64,
}

/// A contribution as moderators see it: always with its text and its author.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ModerationItem {
    /// Why it is in the queue; `null` when it is not (e.g. a published comment read by id).
    pub queue: Option<QueueKind>,
    pub contribution: Contribution,
    /// The text even of placeholders (moderators only).
    pub title: Option<String>,
    pub body: String,
    pub rationale: Option<String>,
    pub author: Author,
    /// Open reports by reason.
    pub flags: Vec<FlagCount>,
    /// Send as `If-Match` with a decision or an answer.
    pub etag: String,
    /// For assisted contributions: who recorded it and how to reach the person.
    pub assisted_by: Option<AssistedRecord>,
}

/// How an assisted contribution came about, as moderators see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssistedRecord {
    /// The facilitator's account.
    pub facilitator_id: i64,
    /// The facilitator's display name.
    pub facilitator_name: Option<String>,
    /// The contact the person left, if any (erased after the consultation).
    pub contact: Option<String>,
}

/// Entries in the queue, per kind.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QueueCounts {
    pub pending: i64,
    pub flagged: i64,
    pub unanswered: i64,
}

/// An earlier text of a contribution.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Revision {
    pub title: Option<String>,
    pub body: String,
    pub rationale: Option<String>,
    /// When this text was written.
    pub written_at: DateTime<Utc>,
    /// When the author replaced it.
    pub replaced_at: DateTime<Utc>,
}

/// One moderation decision as the public transparency log shows it: no author, no moderator,
/// no text, nothing that identifies a person.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicDecision {
    pub id: i64,
    pub item_kind: ContributionKind,
    pub consultation_id: i64,
    pub decision: ModerationDecision,
    pub reason: Option<Reason>,
    /// Whether the item had been hidden automatically by flags before the decision.
    pub after_automatic_hiding: bool,
    /// Decisions are made by people here, never by a machine.
    pub automated: bool,
    /// The day of the decision (UTC), `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub decided_on: String,
}

/// One count of the transparency statistics.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct KeyCount {
    /// A reason code (`none` for decisions without one), a decision, or a month `YYYY-MM`.
    pub key: String,
    pub count: i64,
}

/// Counts of all moderation decisions.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TransparencyStatistics {
    pub total: i64,
    pub by_reason: Vec<KeyCount>,
    pub by_decision: Vec<KeyCount>,
    pub by_month: Vec<KeyCount>,
}
