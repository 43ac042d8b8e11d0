//! Administration of accounts: list and search users, change roles, block and unblock. Every
//! change goes to the audit log in the same transaction, which administrators read here too.
//! Moderators see here what facilitators recorded (`facilitators`).

pub mod audit_log;
pub mod facilitators;
pub mod problems;
pub mod routes;
pub mod translations;
