//! Request and response types of organisations. Request types reject unknown fields, so no
//! client can set a status, a verification or a role it was not given.

use crate::text;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

crate::stored_enum! {
    /// What kind of organisation; results of priority votes are shown per kind.
    OrganisationKind {
        /// Migrant*innenorganisation (MSO).
        MigrantOrganisation => "migrant_organisation",
        /// Freier Träger der Wohlfahrtspflege.
        WelfareProvider => "welfare_provider",
        /// Another civil-society organisation (association, initiative, religious community …).
        OtherCivilSociety => "other_civil_society",
    }
}

crate::stored_enum! {
    /// Where an organisation stands in the review by moderators.
    OrganisationStatus {
        /// Waiting for review: a new registration, or a change of name or kind of a verified
        /// organisation (whose verified data stays in force meanwhile).
        Pending => "pending",
        /// Reviewed and verified.
        Verified => "verified",
        /// The registration was rejected (see `last_decision.reason`); a change resubmits it.
        Rejected => "rejected",
    }
}

crate::stored_enum! {
    /// A person's role in an organisation.
    MemberRole {
        /// Speaks for the organisation: manages its profile and members, signs ballots and
        /// statements.
        Representative => "representative",
        /// Takes part on the organisation's behalf (comments, proposals).
        Member => "member",
    }
}

crate::stored_enum! {
    /// A moderator's decision on an organisation.
    Verdict {
        Verified => "verified",
        Rejected => "rejected",
    }
}

crate::stored_enum! {
    /// Where a join request stands.
    JoinRequestStatus {
        Open => "open",
        Accepted => "accepted",
        Declined => "declined",
        /// Withdrawn by the person who asked.
        Withdrawn => "withdrawn",
    }
}

/// An organisation's website: an http(s) address with a host, an optional port and path, no
/// spaces or control characters. The same rule is the `pattern` of the field in the contract.
pub const WEB_ADDRESS_PATTERN: &str = "^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#@:\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029]+(:[0-9]{1,5})?([/?#][^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029]*)?$";

fn web_address(value: &str) -> Result<(), ValidationError> {
    static RULE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let rule =
        RULE.get_or_init(|| regex::Regex::new(WEB_ADDRESS_PATTERN).expect("a valid pattern"));
    if rule.is_match(value) {
        return Ok(());
    }
    Err(crate::error::rule(
        "url",
        crate::error::Text::new(
            "muss eine http(s)-Adresse sein, z. B. https://example.org",
            "must be an http(s) address such as https://example.org",
        ),
    ))
}

/// The public profile of a verified organisation (the directory shows only these). Nothing
/// but these fields (`additionalProperties: false`), so a member's fuller view never matches
/// it too and `OrganisationView` stays a proper `oneOf`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationProfile {
    pub id: i64,
    /// The verified name.
    #[schema(example = "Beispielverein für Integration e. V.")]
    pub name: String,
    /// The verified kind.
    pub kind: OrganisationKind,
    pub description: String,
    pub website: Option<String>,
    /// Public contact address of the organisation (not a member's account address).
    pub contact_email: String,
    /// Entry in a public register, e.g. `VR 1234` at the Amtsgericht.
    pub registry_number: Option<String>,
    /// When the organisation was first verified.
    pub verified_at: DateTime<Utc>,
}

/// A change of name or kind waiting for review; until it is verified the organisation keeps
/// its verified name and kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProposedChange {
    pub name: String,
    pub kind: OrganisationKind,
}

/// The last decision of a moderator, with the reason the organisation can read.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Decision {
    pub verdict: Verdict,
    pub reason: Option<String>,
    pub decided_at: DateTime<Utc>,
}

/// The whole record of an organisation, as its members and moderators see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrganisationDetails {
    pub id: i64,
    /// The verified name, or the submitted one before the first verification.
    pub name: String,
    /// The verified kind, or the submitted one before the first verification.
    pub kind: OrganisationKind,
    pub description: String,
    pub website: Option<String>,
    pub contact_email: String,
    pub registry_number: Option<String>,
    pub status: OrganisationStatus,
    /// When first verified; a verified organisation is listed in the public directory (also
    /// while a change of its name or kind waits for review).
    pub verified_at: Option<DateTime<Utc>>,
    /// A change of name or kind waiting for review.
    pub proposed_change: Option<ProposedChange>,
    pub last_decision: Option<Decision>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A registration of an organisation.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationRegistration {
    #[validate(length(min = 2, max = 160), custom(function = "crate::text::name"))]
    #[schema(
        min_length = 2,
        max_length = 160,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    #[schema(example = "Beispielverein für Integration e. V.")]
    pub name: String,
    pub kind: OrganisationKind,
    /// What the organisation does, 1–4000 characters.
    #[validate(length(min = 1, max = 4000), custom(function = "crate::text::text"))]
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub description: String,
    /// http(s) address, at most 300 characters.
    #[validate(length(max = 300), custom(function = "web_address"))]
    #[schema(
        max_length = 300,
        pattern = "^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#@:\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029]+(:[0-9]{1,5})?([/?#][^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029]*)?$"
    )]
    #[schema(example = "https://example.org")]
    pub website: Option<String>,
    /// Public contact address of the organisation.
    #[validate(email, length(max = 254))]
    #[schema(format = "email", max_length = 254)]
    #[schema(example = "kontakt@example.org")]
    pub contact_email: String,
    /// Entry in a public register (Vereinsregister …), at most 64 characters.
    #[validate(length(min = 1, max = 64), custom(function = "crate::text::name"))]
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    #[schema(example = "VR 1234")]
    pub registry_number: Option<String>,
}

/// Tells a field sent as `null` (`Some(None)`, clear it) from one left out (`None`, keep it).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Changes to an organisation's profile; what is left out stays. A change of `name` or `kind`
/// of a verified organisation goes to review; the rest applies at once.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationChanges {
    #[validate(length(min = 2, max = 160), custom(function = "crate::text::name"))]
    #[schema(
        min_length = 2,
        max_length = 160,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    pub name: Option<String>,
    pub kind: Option<OrganisationKind>,
    #[validate(length(min = 1, max = 4000), custom(function = "crate::text::text"))]
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub description: Option<String>,
    /// `null` removes the website.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 300, pattern = "^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#@:\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029]+(:[0-9]{1,5})?([/?#][^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029]*)?$")]
    pub website: Option<Option<String>>,
    #[validate(email, length(max = 254))]
    #[schema(format = "email", max_length = 254)]
    pub contact_email: Option<String>,
    /// `null` removes the registry number; otherwise 1–64 characters, as at registration.
    #[serde(default, deserialize_with = "present")]
    #[schema(
        value_type = Option<String>,
        min_length = 1,
        max_length = 64,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    pub registry_number: Option<Option<String>>,
}

/// A `length` error with its maximum, worded like the derive's.
fn too_long(max: u64) -> ValidationError {
    let mut e = ValidationError::new("length");
    e.add_param("max".into(), &max);
    e
}

impl OrganisationChanges {
    /// Field checks, including those of the clearable fields the derive cannot reach.
    pub fn check(&self) -> Result<(), validator::ValidationErrors> {
        let mut result = self.validate();
        let mut extra = validator::ValidationErrors::new();
        if let Some(Some(website)) = &self.website {
            if let Err(e) = web_address(website).and_then(|()| {
                (website.chars().count() <= 300)
                    .then_some(())
                    .ok_or_else(|| too_long(300))
            }) {
                extra.add("website", e);
            }
        }
        if let Some(Some(number)) = &self.registry_number {
            if let Err(e) = text::name(number).and_then(|()| {
                (number.chars().count() <= 64)
                    .then_some(())
                    .ok_or_else(|| too_long(64))
            }) {
                extra.add("registry_number", e);
            }
        }
        if !extra.is_empty() {
            result = match result {
                Ok(()) => Err(extra),
                Err(mut errors) => {
                    for (field, list) in extra.field_errors() {
                        let field: &'static str = match field.as_ref() {
                            "website" => "website",
                            _ => "registry_number",
                        };
                        for e in list {
                            errors.add(field, e.clone());
                        }
                    }
                    Err(errors)
                }
            };
        }
        result
    }
}

/// A moderator's rejection.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    /// Why, in words the organisation can act on (it reads this), 1–2000 characters.
    #[validate(length(min = 1, max = 2000), custom(function = "crate::text::text"))]
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    #[schema(example = "Bitte geben Sie die Registernummer des Vereins an.")]
    pub reason: String,
}

/// A moderator's verification, with an optional note the organisation can read.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    #[validate(length(min = 1, max = 2000), custom(function = "crate::text::text"))]
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub reason: Option<String>,
}

/// An organisation in the moderators' queue, with the entity tag a decision must send as
/// `If-Match` (so nobody verifies data they have not seen).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QueueItem {
    pub etag: String,
    pub organisation: OrganisationDetails,
}

/// The organisation as a membership names it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrganisationSummary {
    pub id: i64,
    pub name: String,
    pub kind: OrganisationKind,
    pub status: OrganisationStatus,
    pub verified_at: Option<DateTime<Utc>>,
}

/// One of the caller's memberships, with what it allows.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Membership {
    pub organisation: OrganisationSummary,
    pub role: MemberRole,
    pub joined_at: DateTime<Utc>,
    /// Whether the caller may act as this organisation (comments, proposals): members of a
    /// verified organisation.
    pub may_act: bool,
    /// Whether the caller may sign for it (ballots, formal statements): its representatives,
    /// once it is verified.
    pub may_sign: bool,
}

/// A member as the organisation's members see them (no e-mail addresses).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Member {
    pub user_id: i64,
    pub display_name: String,
    pub role: MemberRole,
    pub joined_at: DateTime<Utc>,
}

/// A new role for a member.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberRoleChange {
    pub role: MemberRole,
}

/// An invitation to send.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationRequest {
    /// Address of the person; they accept with an account of this address (registered now
    /// or later).
    #[validate(email, length(max = 254))]
    #[schema(format = "email", max_length = 254)]
    #[schema(example = "lena@example.org")]
    pub email: String,
    /// The role they get (default `member`).
    #[serde(default = "member")]
    pub role: MemberRole,
}

fn member() -> MemberRole {
    MemberRole::Member
}

/// An open invitation, as the organisation's representatives see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Invitation {
    pub id: i64,
    pub email: String,
    pub role: MemberRole,
    /// The representative who sent it (`null` once their account is gone).
    pub invited_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A request to join.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinRequestSubmission {
    /// A short note to the representatives, at most 1000 characters.
    #[validate(length(min = 1, max = 1000), custom(function = "crate::text::text"))]
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub message: Option<String>,
}

/// A request to join, as the representatives and the requester see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JoinRequest {
    pub id: i64,
    pub organisation_id: i64,
    pub user_id: i64,
    pub display_name: String,
    pub message: Option<String>,
    pub status: JoinRequestStatus,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// Filter of the public directory.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryFilter {
    /// Only organisations of this kind.
    pub kind: Option<OrganisationKind>,
}

/// Filter of the moderators' queue.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueFilter {
    /// Which organisations (default `pending`: the ones waiting for a decision).
    pub status: Option<OrganisationStatus>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websites_must_be_web_addresses() {
        for good in ["https://example.org", "http://verein.example/kontakt?x=1"] {
            assert!(web_address(good).is_ok(), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "ftp://example.org",
            "example.org",
            "https://exa mple.org",
            "https://",
            "https://example.org/a\u{0}b",
        ] {
            assert!(web_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn clearable_fields_are_checked() {
        let changes: OrganisationChanges =
            serde_json::from_str(r#"{"website": "javascript:alert(1)", "registry_number": null}"#)
                .unwrap();
        let errors = changes.check().unwrap_err();
        assert!(errors.field_errors().contains_key("website"));
        assert_eq!(changes.registry_number, Some(None));
        let none: OrganisationChanges = serde_json::from_str("{}").unwrap();
        assert_eq!(none.website, None);
        assert!(none.check().is_ok());
    }
}
