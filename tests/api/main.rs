//! Integration tests: the real application, in-process, on a fresh database per test; every
//! test runs on SQLite and, with `TEST_DATABASE_URL`, on PostgreSQL.

#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod architecture;
mod assisted;
mod authorization;
mod ballots;
mod catalogue;
mod catalogue_admin;
mod cli;
mod consultations;
mod contributions;
mod database;
mod errors;
mod faults;
mod fixtures;
mod hardening;
mod languages;
mod limits_shared;
mod nodes;
mod operations;
mod organisations;
mod outbox;
mod privacy;
mod production;
mod search;
mod statements;
mod time_rules;
mod translations;
