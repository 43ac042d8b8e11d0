//! Request and response types of the account endpoints. Request types are separate from the
//! stored rows and reject unknown fields, so a client can never set a role, a verification
//! or an id.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// What a user may do. Checked against the database on every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Teilnehmende: comments, proposals, votes.
    Participant,
    /// A participant who may also record comments, proposals and ballots on behalf of people
    /// without an account (staff of community centres, migrant organisations, counselling
    /// services; issue 15). Granted by administrators.
    Facilitator,
    /// Moderation: reviews contributions.
    Moderator,
    /// Administration: catalogue, consultations, users.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Participant => "participant",
            Self::Facilitator => "facilitator",
            Self::Moderator => "moderator",
            Self::Admin => "admin",
        }
    }

    pub fn from_stored(value: &str) -> Self {
        match value {
            "admin" => Self::Admin,
            "moderator" => Self::Moderator,
            "facilitator" => Self::Facilitator,
            _ => Self::Participant,
        }
    }
}

pub use crate::language::Language;

/// The language a person chose (a BCP 47 tag such as `de`, `en-GB`, `tr`; see
/// [`crate::language::TAG_PATTERN`]), stored lower-cased as given. The service writes to them in
/// it where it has a text in it: mails exist in German and English, so `en-gb` reads English
/// and `tr` German ([`Language::from_stored`]). A value that is no tag is refused as the body
/// is read (`invalid_value`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LanguageTag(String);

impl LanguageTag {
    /// A tag as stored (already checked when it was chosen).
    pub fn from_stored(value: &str) -> Self {
        Self(value.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The language mails to this person are written in.
    pub fn mail_language(&self) -> Language {
        Language::from_stored(&self.0)
    }
}

impl Default for LanguageTag {
    fn default() -> Self {
        Self(crate::language::ORIGINAL.to_owned())
    }
}

impl TryFrom<String> for LanguageTag {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        if crate::language::is_tag(&value) {
            Ok(Self(value.to_ascii_lowercase()))
        } else {
            Err(format!(
                "`{}` is not a language tag such as `de`, `en-GB` or `tr`",
                value.chars().take(40).collect::<String>()
            ))
        }
    }
}

impl From<LanguageTag> for String {
    fn from(tag: LanguageTag) -> Self {
        tag.0
    }
}

/// Registration of a participant.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// E-mail address; compared without regard to case or surrounding spaces.
    #[validate(email, length(max = 254))]
    #[schema(format = "email", max_length = 254)]
    #[schema(example = "lena@example.org")]
    pub email: String,
    /// 8–128 characters; the most common passwords are refused.
    #[schema(
        example = "Teutoburger Wald im Nebel",
        min_length = 8,
        max_length = 128
    )]
    pub password: String,
    /// Name shown with contributions.
    #[validate(length(min = 1, max = 80), custom(function = "crate::text::name"))]
    #[schema(
        min_length = 1,
        max_length = 80,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    #[schema(example = "Lena M.")]
    pub display_name: String,
    /// Version of the terms of participation the person accepted; must be the current one.
    #[validate(length(min = 1, max = 32))]
    #[schema(min_length = 1, max_length = 32)]
    #[schema(example = "2026-11")]
    pub terms_version: String,
    /// Version of the privacy notice the person accepted; must be the current one
    /// (`GET /api/v1/legal-documents`).
    #[validate(length(min = 1, max = 32))]
    #[schema(min_length = 1, max_length = 32)]
    #[schema(example = "2026-12")]
    pub privacy_version: String,
    /// Language of the mails to this person, a BCP 47 tag (`de` when left out). Mails exist
    /// in German and English; any other choice gets German ones.
    #[serde(default)]
    #[schema(value_type = String, min_length = 2, max_length = 35, pattern = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,7}$", example = "de")]
    pub preferred_language: LanguageTag,
}

/// Answer to a registration or another request whose outcome must not reveal whether an
/// address has an account.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    #[schema(example = "If the address can be used, an e-mail with the next step is on its way.")]
    pub message: &'static str,
}

/// A single-use token from an e-mail.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenSubmission {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
}

/// An e-mail address for a new verification mail or a password reset.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailSubmission {
    #[validate(length(min = 1, max = 254))]
    #[schema(min_length = 1, max_length = 254)]
    pub email: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    #[validate(length(min = 1, max = 254))]
    #[schema(min_length = 1, max_length = 254)]
    pub email: String,
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024)]
    pub password: String,
    /// The `device_token` of an earlier successful sign-in with this address on this device.
    /// With it, failed attempts by others on the address do not lock this device out: it
    /// has a limit of its own. Unknown, expired or another address's tokens are ignored.
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024)]
    #[serde(default)]
    pub device_token: Option<String>,
    /// After the operator published a new version of the terms of participation: the current
    /// version, accepted with this sign-in (otherwise it answers `consent_required`).
    #[validate(length(min = 1, max = 32))]
    #[schema(min_length = 1, max_length = 32)]
    #[serde(default)]
    pub terms_version: Option<String>,
    /// As `terms_version`, for the privacy notice.
    #[validate(length(min = 1, max = 32))]
    #[schema(min_length = 1, max_length = 32)]
    #[serde(default)]
    pub privacy_version: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub refresh_token: String,
}

/// Tokens of a session.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenPair {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires (at most 900).
    pub expires_in: u64,
    /// Opaque; exchange it at `/api/v1/auth/refresh` for a new pair. Single use.
    pub refresh_token: String,
}

/// The answer to a successful sign-in: the session's tokens and a device token.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SignedIn {
    #[serde(flatten)]
    pub tokens: TokenPair,
    /// Keep it on this device and send it with the next sign-ins of this address (180 days):
    /// it exempts the device from the per-address lockout that failed attempts of others
    /// cause (OWASP "device cookies"). It grants nothing else.
    pub device_token: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024)]
    pub current_password: String,
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirmation {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

/// The signed-in person's own account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    /// The language the person chose (lower-cased BCP 47 tag).
    #[schema(value_type = String, min_length = 2, max_length = 35, pattern = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,7}$", example = "de")]
    pub preferred_language: LanguageTag,
    pub role: Role,
    pub email_verified: bool,
    /// Version of the terms of participation accepted last.
    pub terms_version: String,
    /// Version of the privacy notice accepted last (empty: none yet).
    pub privacy_version: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Changes to the own profile; fields not listed here are rejected.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdate {
    #[validate(length(min = 1, max = 80), custom(function = "crate::text::name"))]
    #[schema(
        min_length = 1,
        max_length = 80,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    pub display_name: Option<String>,
    /// Language of the mails to this person, a BCP 47 tag; mails exist in German and English,
    /// any other choice gets German ones.
    #[schema(value_type = Option<String>, min_length = 2, max_length = 35, pattern = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,7}$", example = "en")]
    pub preferred_language: Option<LanguageTag>,
}

/// Confirmation of an account deletion.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeletionConfirmation {
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024)]
    pub password: String,
    /// Remove the texts of the own comments and proposals too (placeholders keep the threads
    /// whole). Without it they stay, shown as from a deleted participant.
    #[serde(default)]
    pub remove_texts: bool,
}

pub fn utc(t: NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    t.and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_language_tag_may_be_chosen_and_mails_are_english_or_german() {
        let tag = |t: &str| LanguageTag::try_from(t.to_owned());
        assert_eq!(tag("en-GB").unwrap().as_str(), "en-gb");
        assert_eq!(tag("en-GB").unwrap().mail_language(), Language::En);
        assert_eq!(tag("en").unwrap().mail_language(), Language::En);
        assert_eq!(tag("tr").unwrap().mail_language(), Language::De);
        assert_eq!(tag("de-x-ls").unwrap().mail_language(), Language::De);
        assert_eq!(LanguageTag::default().mail_language(), Language::De);
        assert!(tag("deutsch").is_err() && tag("de_DE").is_err() && tag("").is_err());
        assert!(tag(&"a-".repeat(20)).is_err());
    }
}
