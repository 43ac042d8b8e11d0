//! Organisations as participants: migrant organisations (Migrant*innenorganisationen), free
//! welfare providers (freie Träger) and other civil-society organisations.
//!
//! A verified participant registers an organisation and becomes its first representative; it
//! waits as `pending` until moderators verify or reject it with a reason. Verified
//! organisations are listed in the public directory. Representatives manage the profile and
//! the membership (invitations by e-mail, requests to join, roles); an organisation never
//! loses its last representative. Members act for a verified organisation through the one
//! rule in [`acting`].

pub mod acting;
pub mod members;
pub mod membership;
pub mod model;
pub mod moderation;
pub mod personal_data;
pub mod problems;
pub mod profile;
pub mod review;
pub mod routes;
pub mod standing;
pub mod store;
