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

/// Registration of a participant.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// E-mail address; compared without regard to case or surrounding spaces.
    #[validate(email(message = "must be an e-mail address"), length(max = 254))]
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
    #[serde(default)]
    pub preferred_language: Language,
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
    pub preferred_language: Language,
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
    pub preferred_language: Option<Language>,
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
