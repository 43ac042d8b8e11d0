//! Participation: comments on the fields of action, measures and proposals of a consultation,
//! in threads; proposals of new measures with the staff's public answer; supports and reports;
//! and moderation with a public transparency log that names nobody.
//!
//! A comment and a proposal are both a *contribution*: one table, one moderation shape
//! (`pending → visible ⇄ hidden`, `pending → rejected`), one queue, one decision record. People
//! contribute for themselves or, through the one acting rule
//! ([`crate::organisations::acting`]), in the name of a verified organisation; the author group
//! (`citizen` or the organisation's kind) is kept with each contribution.

pub mod domain;
pub mod mails;
pub mod model;
pub mod moderation;
pub mod personal_data;
pub mod problems;
pub mod routes;
pub mod search;
pub mod store;
pub mod translations;

/// The node's cache of anonymous pages of contributions (a type of its own, so that it and the
/// catalogue's cache are two different pieces of application data). Every change of a
/// contribution's text or visibility on this node clears it before its response is sent.
#[derive(Clone)]
pub struct PageCache(pub crate::http::cache::ResponseCache);
