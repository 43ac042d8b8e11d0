//! The languages the service speaks to people in (mails now, texts later). Infrastructure:
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

    pub fn from_stored(value: &str) -> Self {
        if value == "en" {
            Self::En
        } else {
            Self::De
        }
    }
}
