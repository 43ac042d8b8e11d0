//! The database layer: migrations both ways, concurrent writers, transactional import,
//! idempotent seeding, and acknowledged writes surviving SIGKILL.

use crate::both_backends;
use beteiligung::catalogue::file::CatalogueFile;
use beteiligung::catalogue::store::{self, ImportMode};
use beteiligung::catalogue::{self as cat, seed_demo};
use beteiligung::config::DatabaseUrl;
use beteiligung::db::schema::{concepts, fields, measures};
use beteiligung::db::{self, write_transaction, Db, DbConnection};
use beteiligung::error::ApiError;
use diesel::dsl::count_star;
use diesel::prelude::*;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn count_fields(conn: &mut DbConnection) -> i64 {
    fields::table.select(count_star()).first(conn).unwrap()
}

fn count_measures(conn: &mut DbConnection) -> i64 {
    measures::table.select(count_star()).first(conn).unwrap()
}

/// Inserts field `number` into the first concept, after reading the table (a read-then-write
/// transaction, the pattern that fails with "database is locked" under deferred transactions).
fn add_field(conn: &mut DbConnection, number: i32) -> QueryResult<()> {
    write_transaction(conn, |conn| {
        let concept_id: i64 = concepts::table
            .select(concepts::id)
            .order(concepts::id)
            .first(conn)?;
        let _before = count_fields(conn);
        diesel::insert_into(fields::table)
            .values((
                fields::concept_id.eq(concept_id),
                fields::number.eq(number),
                fields::title.eq(format!("Feld {number}")),
                fields::created_at.eq(chrono::Utc::now().naive_utc()),
                fields::updated_at.eq(chrono::Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        Ok(())
    })
}

both_backends! {
    async fn migrations_run_up_down_and_up_again(db) {
        let pool = db.unmigrated_pool(2);
        let mut conn = pool.get().unwrap();
        let applied = db::run_migrations(&mut conn).unwrap();
        assert!(!applied.is_empty());
        assert!(seed_demo(&mut conn, chrono::Utc::now().naive_utc()).unwrap().is_some());
        let reverted = db::revert_all_migrations(&mut conn).unwrap();
        assert_eq!(reverted.len(), applied.len());
        assert!(concepts::table.select(count_star()).first::<i64>(&mut conn).is_err(), "tables are gone");
        let again = db::run_migrations(&mut conn).unwrap();
        assert_eq!(again, applied);
        assert!(seed_demo(&mut conn, chrono::Utc::now().naive_utc()).unwrap().is_some());
        assert_eq!(count_fields(&mut conn), 6);
    }

    async fn fifty_concurrent_write_transactions_all_succeed(db) {
        let state = db.state();
        let app_db: Db = state.db.clone();
        let writes = (0..50).map(|i| {
            let app_db = app_db.clone();
            async move { app_db.run(move |conn| add_field(conn, 100 + i)).await }
        });
        let results: Vec<Result<(), ApiError>> = futures_util::future::join_all(writes).await;
        let failures: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        assert!(failures.is_empty(), "failed writes: {failures:?}");
        assert_eq!(count_fields(&mut db.connection()), 6 + 50);
    }

    async fn seeding_twice_changes_nothing(db) {
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        let first = seed_demo(&mut conn, chrono::Utc::now().naive_utc()).unwrap().expect("first seed loads");
        assert_eq!((first.fields, first.measures), (6, 7));
        let ids: Vec<i64> = measures::table.select(measures::id).order(measures::id).load(&mut conn).unwrap();
        assert!(seed_demo(&mut conn, chrono::Utc::now().naive_utc()).unwrap().is_none());
        let again: Vec<i64> = measures::table.select(measures::id).order(measures::id).load(&mut conn).unwrap();
        assert_eq!(ids, again);
        assert_eq!(concepts::table.select(count_star()).first::<i64>(&mut conn).unwrap(), 1);
    }

    async fn import_is_all_or_nothing(db) {
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        seed_demo(&mut conn, chrono::Utc::now().naive_utc()).unwrap();

        // Without --replace a loaded catalogue is left alone.
        let mut other = cat::demo();
        other.concept.title = "Anderes Konzept".into();
        assert!(matches!(store::import(&mut conn, chrono::Utc::now().naive_utc(), &other, ImportMode::IntoEmpty), Err(e) if e.code == "catalogue_loaded"));

        // A file that fails in the database half-way (the same measure code in two fields,
        // built without the validation that would catch it) changes nothing, even when replacing.
        let mut broken = other.clone();
        let code = broken.fields[0].measures[0].code.clone();
        broken.fields[5].measures[0].code = code;
        assert!(matches!(store::import(&mut conn, chrono::Utc::now().naive_utc(), &broken, ImportMode::Replace), Err(e) if e.code == "already_exists"), "a duplicate code violates the schema and nothing changes");
        let title: String = concepts::table.select(concepts::title).first(&mut conn).unwrap();
        assert_eq!(title, cat::demo().concept.title);
        assert_eq!(count_fields(&mut conn), 6);
        assert_eq!(count_measures(&mut conn), 7);

        // A good file replaces the catalogue.
        let summary = store::import(&mut conn, chrono::Utc::now().naive_utc(), &other, ImportMode::Replace).unwrap();
        assert!(summary.replaced);
        let titles: Vec<String> = concepts::table.select(concepts::title).load(&mut conn).unwrap();
        assert_eq!(titles, ["Anderes Konzept"]);
        assert_eq!(count_measures(&mut conn), 7);
    }

    async fn acknowledged_writes_survive_sigkill(db) {
        let pool = db.pool();
        seed_demo(&mut pool.get().unwrap(), chrono::Utc::now().naive_utc()).unwrap();
        drop(pool);
        let target = db.url.target.clone();
        // The child is this test binary running only `durability_writer`, which writes through
        // the application's pool and prints each number once its commit has returned.
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "database::durability_writer", "--ignored", "--nocapture", "--test-threads=1"])
            .env("DURABILITY_DATABASE", &target)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut acknowledged = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(n) = line.strip_prefix("ack ") {
                acknowledged.push(n.parse::<i32>().unwrap());
                if acknowledged.len() == 150 {
                    child.kill().unwrap(); // SIGKILL on Unix
                    break;
                }
            }
        }
        child.wait().unwrap();
        assert_eq!(acknowledged.len(), 150, "the writer stopped early");
        let mut conn = db.connection();
        let stored: Vec<i32> = fields::table.select(fields::number).filter(fields::number.ge(200)).load(&mut conn).unwrap();
        let missing: Vec<_> = acknowledged.iter().filter(|n| !stored.contains(n)).collect();
        assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    }
}

/// Child process of `acknowledged_writes_survive_sigkill`: writes until it is killed.
#[test]
#[ignore = "runs only as the child process of acknowledged_writes_survive_sigkill"]
fn durability_writer() {
    let Ok(target) = std::env::var("DURABILITY_DATABASE") else {
        return;
    };
    let url = DatabaseUrl::parse(&target).unwrap();
    let pool = db::build_pool(&url, 2, std::time::Duration::from_secs(10)).unwrap();
    let mut conn = pool.get().unwrap();
    for n in 200..=999 {
        add_field(&mut conn, n).unwrap();
        println!("ack {n}");
    }
}

#[test]
fn catalogue_file_format_in_readme_is_valid() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("<!-- catalogue-example -->")
        .expect("README marks its catalogue example");
    let block = &readme[start..];
    let json_start = block.find("```json\n").unwrap() + 8;
    let json_end = block[json_start..].find("```").unwrap() + json_start;
    let file = CatalogueFile::parse(&block[json_start..json_end]).unwrap();
    assert!(file.measure_count() > 0);
}
