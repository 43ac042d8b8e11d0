//! Formal statements (Stellungnahmen) of verified organisations on the concept, a field of
//! action or a measure of a consultation, with PDF attachments, a signed receipt, the city's
//! response and the public Abwägungstabelle.
//!
//! The workflow: members of the organisation write a **draft** (with `If-Match`); a
//! representative **submits** it during the commenting window, which freezes it and issues a
//! receipt (a number without gaps per consultation, the SHA-256 of the canonical form, an
//! Ed25519 signature of the installation: [`receipt`]); a representative may **withdraw** it
//! until it is answered. Moderators and administrators see it in their queue
//! (`submitted → in_review → answered`), assign a reviewer, write the response in versions and
//! **publish** statement and response together, naming the organisation only if it chose so.
//!
//! Statements are not moderated like comments: a formal statement is on the record once
//! submitted, so the queue knows no hiding or rejecting — only review and answer.

pub mod domain;
pub mod mails;
pub mod model;
pub mod moderation;
pub mod personal_data;
pub mod problems;
pub mod receipt;
pub mod routes;
pub mod search;
pub mod store;
pub mod table;
pub mod translations;

pub use domain::ATTACHMENT_LIMIT_BYTES;

/// What the statement routes share on a node: the receipt key, the address mails link to, and
/// the cache of public pages.
#[derive(Clone)]
pub struct Desk {
    pub signer: receipt::Signer,
    /// `PUBLIC_BASE_URL` (empty without it: mails then carry paths only).
    pub base_url: String,
    /// Pages of published statements, the same for every caller: kept for
    /// `COMMENT_CACHE_TTL_SECS` (a publication on this node clears them at once; other nodes
    /// show it within that time).
    pub published: crate::http::cache::ResponseCache,
}

impl Desk {
    /// The desk of a node with `settings`; fails (one line) when no receipt key can be had.
    pub fn from_settings(settings: &crate::config::Settings) -> Result<Self, String> {
        Ok(Self {
            signer: receipt::Signer::from_settings(settings)?,
            base_url: settings.public_base_url.clone().unwrap_or_default(),
            published: crate::http::cache::ResponseCache::new(settings.comment_cache_ttl, 16 << 20),
        })
    }
}
