//! Administration of accounts: list and search users, change roles, block and unblock. Every
//! change goes to the audit log in the same transaction, which administrators read here too.

pub mod audit_log;
pub mod problems;
pub mod routes;
pub mod translations;
