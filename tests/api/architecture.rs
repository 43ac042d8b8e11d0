//! Rules of the code's shape that a reviewer would otherwise have to remember: imports run
//! downward only, and every column of the database is classified in the personal-data
//! registry (so every migration makes a privacy decision). Also what account deletion does
//! through that registry.

use crate::accounts::{call, participant, Ctx, PASSWORD};
use crate::both_backends;
use crate::organisations::{staff, token, verified_org};
use actix_web::http::Method;

use beteiligung::db::DbConnection;
use beteiligung::personal_data::Kind;
use diesel::prelude::*;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers of the crate, lowest first. A module may use only modules of a lower layer
/// (and itself). Infrastructure (below 10) names no domain slice; identity and accounts are
/// below organisations, those below the catalogue and consultations, those below the
/// participation slices (40) that come next, and privacy and administration above them all.
const LAYERS: &[(&str, u32)] = &[
    ("config", 0),
    ("clock", 0),
    ("language", 0),
    ("translations", 3),
    ("error", 1),
    // The text rules word their refusals in German and English (`error::rule`).
    ("text", 2),
    ("db", 2),
    ("db_run", 2),
    ("stored_enum", 2),
    ("http", 3),
    ("openapi", 3),
    ("personal_data", 3),
    ("audit", 4),
    ("mail", 4),
    ("search", 5),
    ("auth", 10),
    ("organisations", 20),
    ("catalogue", 30),
    ("consultations", 31),
    ("contributions", 40),
    ("ballots", 41),
    ("statements", 42),
    ("privacy", 50),
    ("admin", 50),
];
/// `lib.rs` and `main.rs`: they assemble everything.
const TOP: u32 = 100;

fn layer(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// The top-level modules a line names through `crate::…`, including `use crate::{a, b::c}`.
fn named_modules(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            // Top-level names of the group only (`a::{x, y}` inside names `a`).
            let mut depth = 0;
            let mut item = String::new();
            for c in group[..end].chars().chain([',']) {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        let name: String = item
                            .trim()
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        if !name.is_empty() {
                            found.push(name);
                        }
                        item.clear();
                    }
                    _ if depth == 0 => item.push(c),
                    _ => {}
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.push(name);
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn imports_run_downward_only() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut broken = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let first = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap();
        let module = first.trim_end_matches(".rs");
        let own = match module {
            "lib" | "main" => TOP,
            m => layer(m).unwrap_or_else(|| {
                panic!("src/{first} is not in LAYERS of tests/api/architecture.rs: give the new module its layer")
            }),
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for named in named_modules(code) {
                if named == module {
                    continue;
                }
                // Items defined in lib.rs itself (the app, the registry) are the top.
                let target = layer(&named).unwrap_or(TOP);
                if target >= own {
                    broken.push(format!(
                        "src/{}:{}: `{module}` (layer {own}) uses `crate::{named}` (layer {target}); imports run downward only (README, \"Layers\")",
                        relative.display(),
                        number + 1
                    ));
                }
            }
        }
    }
    assert!(broken.is_empty(), "upward imports:\n{}", broken.join("\n"));
}

#[test]
fn the_layer_rule_sees_grouped_and_nested_imports() {
    assert_eq!(
        named_modules("use crate::{auth::extract::Admin, db::Db};"),
        ["auth", "db"]
    );
    assert_eq!(
        named_modules("use crate::http::{pagination::{Page, PageParams}, Body};"),
        ["http"]
    );
    assert_eq!(
        named_modules("let x = crate::catalogue::store::ImportError::InUse;"),
        ["catalogue"]
    );
    assert_eq!(named_modules("crate::db_run!(conn, |c| x)"), ["db_run"]);
}

#[derive(QueryableByName)]
struct ColumnName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
}

/// Every (table, column) of the migrated database. Full-text indexes over classified columns
/// (SQLite's FTS5 tables) and PostgreSQL's generated columns (the `tsvector` of the search,
/// its `catalogue` flag) follow the columns they are computed from and are not columns of
/// their own here.
fn columns_in_database(conn: &mut DbConnection) -> BTreeSet<(String, String)> {
    let rows: Vec<ColumnName> = match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table' \
             AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations' \
             AND m.sql NOT LIKE 'CREATE VIRTUAL TABLE%' AND NOT EXISTS (SELECT 1 FROM sqlite_master v \
             WHERE v.sql LIKE 'CREATE VIRTUAL TABLE%' AND substr(m.name, 1, length(v.name) + 1) = v.name || '_')",
        )
        .load(c)
        .unwrap(),
        DbConnection::Postgresql(c) => diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name \
             FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name <> '__diesel_schema_migrations' AND is_generated = 'NEVER'",
        )
        .load(c)
        .unwrap(),
    };
    rows.into_iter()
        .map(|r| (r.table_name, r.column_name))
        .collect()
}

both_backends! {
    async fn every_column_is_classified_in_the_personal_data_registry(db) {
        let pool = db.pool();
        let in_database = columns_in_database(&mut pool.get().unwrap());
        assert!(in_database.len() > 100, "{in_database:?}");
        let mut classified: BTreeMap<(String, String), (&str, Kind)> = BTreeMap::new();
        let mut owners: BTreeMap<&str, &str> = BTreeMap::new();
        for slice in beteiligung::PERSONAL_DATA {
            for table in slice.tables() {
                if let Some(other) = owners.insert(table.name, slice.name()) {
                    panic!("table {} is claimed by both {other} and {}", table.name, slice.name());
                }
                for (column, kind) in table.columns {
                    let key = (table.name.to_owned(), column.to_string());
                    assert!(classified.insert(key, (slice.name(), *kind)).is_none(), "{}.{column} twice", table.name);
                }
            }
        }
        let unclassified: Vec<_> = in_database.iter().filter(|c| !classified.contains_key(*c)).collect();
        assert!(
            unclassified.is_empty(),
            "columns no slice classifies (add them to the slice's `PersonalData::tables`, saying whether they hold personal data and what deletion does to it): {unclassified:?}"
        );
        let stale: Vec<_> = classified.keys().filter(|c| !in_database.contains(*c)).collect();
        assert!(stale.is_empty(), "classified columns the database does not have: {stale:?}");
        // Addresses and names are personal, not plain.
        assert!(matches!(classified[&("users".to_owned(), "email".to_owned())].1, Kind::Personal(_)));
        assert!(matches!(classified[&("users".to_owned(), "password_hash".to_owned())].1, Kind::Secret(_)));
    }

    async fn account_deletion_runs_every_step_or_none(db) {
        use beteiligung::db::schema::{organisation_invitations, outbox_emails, sessions, users};
        let ctx = Ctx::new(db);
        let app = actix_web::test::init_service(beteiligung::build_app(&ctx.state)).await;
        let moderator = staff(&app, &ctx, "moderation@example.org", "moderator").await;
        let (rep, org) = verified_org(&app, &ctx, &moderator, "vorstand@example.org", "Verein A", "migrant_organisation").await;
        let lena = token(&participant(&app, &ctx, "lena@example.org").await);
        // An open invitation to Lena's address, and a mail to her still in the outbox.
        let r = call(&app, Method::POST, &format!("/api/v1/organisations/{org}/invitations"), Some(&rep), Some(json!({"email": "lena@example.org", "role": "member"}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let invitations_to = |conn: &mut DbConnection, email: &str| -> i64 {
            organisation_invitations::table.filter(organisation_invitations::email.eq(email)).count().get_result(conn).unwrap()
        };
        let mut conn = ctx.db.connection();
        assert_eq!(invitations_to(&mut conn, "lena@example.org"), 1);

        // The representative's deletion is refused by the organisations step; the accounts
        // step before it has run, and all of it is rolled back.
        call(&app, Method::DELETE, "/api/v1/me", Some(&rep), Some(json!({"password": PASSWORD}))).await
            .assert_problem(409, "last_representative");
        let (email, deleted): (String, Option<chrono::NaiveDateTime>) = users::table
            .filter(users::email.eq("vorstand@example.org"))
            .select((users::email, users::deleted_at))
            .first(&mut conn)
            .unwrap();
        assert_eq!((email.as_str(), deleted), ("vorstand@example.org", None));
        assert_eq!(call(&app, Method::GET, "/api/v1/me", Some(&rep), None).await.status, 200);

        // Lena's deletion runs every step: account, sessions, invitations to her address, mails.
        let lena_id = call(&app, Method::GET, "/api/v1/me", Some(&lena), None).await.body["id"].as_i64().unwrap();
        let r = call(&app, Method::DELETE, "/api/v1/me", Some(&lena), Some(json!({"password": PASSWORD}))).await;
        assert_eq!(r.status, 204, "{}", r.text);
        assert_eq!(invitations_to(&mut conn, "lena@example.org"), 0);
        let open_sessions: i64 = sessions::table.filter(sessions::user_id.eq(lena_id)).count().get_result(&mut conn).unwrap();
        assert_eq!(open_sessions, 0);
        let mails: i64 = outbox_emails::table.filter(outbox_emails::recipient.eq("lena@example.org")).count().get_result(&mut conn).unwrap();
        assert_eq!(mails, 0);
        let (email, name, language): (String, String, String) = users::table.find(lena_id)
            .select((users::email, users::display_name, users::preferred_language)).first(&mut conn).unwrap();
        assert_eq!((email.as_str(), name.as_str(), language.as_str()), (format!("deleted-{lena_id}@invalid").as_str(), "Gelöschtes Konto", "de"));
    }
}

/// All problem codes of the API, sorted by code.
fn problem_codes() -> Vec<beteiligung::error::Code> {
    let mut all: Vec<_> = beteiligung::PROBLEM_CODES
        .iter()
        .flat_map(|c| c.iter().copied())
        .collect();
    all.sort_by_key(|c| c.code);
    all
}

#[test]
fn every_problem_code_is_defined_once_and_registered() {
    let all = problem_codes();
    for pair in all.windows(2) {
        assert_ne!(
            pair[0].code, pair[1].code,
            "`{}` is defined twice",
            pair[0].code
        );
    }
    for c in &all {
        assert!((400..600).contains(&c.status), "{c:?}");
        for (title, meaning) in [(c.de.0, c.de.1), (c.en.0, c.en.1)] {
            assert!(!title.is_empty() && meaning.ends_with(['.', ')']), "{c:?}");
        }
    }
    // Every definition in the code is in the registry (lib.rs, PROBLEM_CODES).
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let registered: BTreeSet<&str> = all.iter().map(|c| c.code).collect();
    let mut defined = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for part in text.split("Code::new(").skip(1) {
            let literal = part.trim_start();
            if let Some(rest) = literal.strip_prefix('"') {
                defined.insert(rest.split('"').next().unwrap().to_owned());
            }
        }
    }
    let unregistered: Vec<_> = defined
        .iter()
        .filter(|c| !registered.contains(c.as_str()))
        .collect();
    assert!(
        unregistered.is_empty(),
        "codes defined but missing from PROBLEM_CODES in lib.rs: {unregistered:?}"
    );
}

#[test]
fn the_readme_lists_every_problem_code() {
    let mut table =
        String::from("| code | status | meaning | Bedeutung |\n| --- | ---: | --- | --- |\n");
    for c in problem_codes() {
        table.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            c.code,
            c.status,
            c.en.1.replace('|', "\\|"),
            c.de.1.replace('|', "\\|")
        ));
    }
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let inside = readme
        .split("<!-- problem-codes -->\n")
        .nth(1)
        .and_then(|rest| rest.split("<!-- /problem-codes -->").next())
        .unwrap_or("");
    assert_eq!(
        inside, table,
        "the README's table of problem codes (between <!-- problem-codes --> and <!-- /problem-codes -->) must be:\n\n{table}"
    );
}

/// Every pattern in the OpenAPI document is one of the text rules, and each says what the
/// rule's function decides, so a frontend that checks the pattern is never refused for it.
#[test]
fn the_text_patterns_of_the_contract_agree_with_the_validators() {
    use beteiligung::text;
    fn patterns(v: &serde_json::Value, out: &mut BTreeSet<String>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    if k == "pattern" {
                        out.insert(v.as_str().unwrap().to_owned());
                    } else {
                        patterns(v, out);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| patterns(v, out)),
            _ => {}
        }
    }
    let spec: serde_json::Value = serde_json::from_str(&beteiligung::api_doc_json()).unwrap();
    let mut found = BTreeSet::new();
    patterns(&spec, &mut found);
    let mut known = BTreeSet::from([
        text::TEXT_PATTERN.to_owned(),
        text::LINE_PATTERN.to_owned(),
        text::NAME_PATTERN.to_owned(),
        text::FILLED_PATTERN.to_owned(),
    ]);
    assert!(
        known.iter().all(|p| found.contains(p)),
        "every text rule is used"
    );
    // Besides the text rules: If-Match (RFC 9110) and an organisation's website.
    known.insert(beteiligung::openapi::IF_MATCH_PATTERN.to_owned());
    known.insert(beteiligung::organisations::model::WEB_ADDRESS_PATTERN.to_owned());
    known.insert(beteiligung::catalogue::edit::DATE_PATTERN.to_owned());
    known.insert(beteiligung::statements::model::RECEIPT_NUMBER_PATTERN.to_owned());
    known.insert(beteiligung::statements::model::SHA256_PATTERN.to_owned());
    // Language tags (BCP 47): a person's choice (`preferred_language`), translations and
    // their languages, contributions' declared languages and the `language` filters; and the names of translatable subjects (issue 15).
    known.insert(beteiligung::language::TAG_PATTERN.to_owned());
    known.insert(beteiligung::translations::SUBJECT_PATTERN.to_owned());
    assert!(
        found.is_subset(&known),
        "patterns of no known rule: {:?}",
        found.difference(&known).collect::<Vec<_>>()
    );

    let samples = [
        "",
        "Lena",
        " Lena",
        "Lena ",
        "   ",
        "Lena\u{A0}",
        "a\nb",
        "a\r\nb",
        "a\tb",
        "a\u{0}b",
        "\u{1b}[31m",
        "a\u{7f}",
        "a\u{85}b",
        "a\u{2028}b",
        "gnp\u{202E}exe",
        "a\u{2066}b",
        "Lena\u{200B}",
        "\u{FEFF}x",
        "\u{645}\u{6cc}\u{200c}\u{62e}\u{648}\u{627}\u{647}\u{645}",
        "Ayşe K.",
        "👩\u{200d}💻",
        "x\u{200E}y",
        "\u{A0}\u{3000}",
        "\t\n",
        "\u{FEFF}",
        "\u{2007}x",
    ];
    type Rule = fn(&str) -> Result<(), validator::ValidationError>;
    let rules: [(&str, Rule); 4] = [
        (text::FILLED_PATTERN, text::filled),
        (text::TEXT_PATTERN, text::text),
        (text::LINE_PATTERN, text::line),
        (text::NAME_PATTERN, text::name),
    ];
    for (pattern, rule) in rules {
        let re = regex::Regex::new(pattern).unwrap();
        for sample in samples {
            assert_eq!(
                re.is_match(sample),
                rule(sample).is_ok(),
                "{pattern} on {sample:?}"
            );
        }
    }
    let tag = regex::Regex::new(beteiligung::language::TAG_PATTERN).unwrap();
    let tags = [
        "tr",
        "TR",
        "und",
        "de-x-ls",
        "pt-BR",
        "sr-Latn-RS",
        "t",
        "türkisch",
        "de_DE",
        "de-",
        "-de",
        "abcd",
        "de-abcdefghi",
        "a-b-c-d-e-f-g-h-i",
        "de-1-2-3-4-5-6-7",
        "de-1-2-3-4-5-6-7-8",
    ];
    for sample in tags.into_iter().chain(samples) {
        assert_eq!(
            tag.is_match(sample),
            beteiligung::language::is_tag(sample),
            "language tag {sample:?}"
        );
    }
}

/// The check every test's answers go through (tests/common/contract.rs) refuses what
/// contradicts the document.
#[test]
fn responses_are_checked_against_the_contract() {
    use crate::common::contract::check_response;
    use actix_web::http::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
    use actix_web::http::{Method, StatusCode};
    let mut json = HeaderMap::new();
    json.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let field = br#"{"id": 1, "number": 1, "title": "Bildung", "summary": null, "measure_count": 0, "retired_at": null, "version": 1, "languages": {"available": ["de"], "texts": {}}}"#;
    let wrong_type = br#"{"id": "one", "number": 1, "title": "Bildung", "summary": null, "measure_count": 0, "retired_at": null, "version": 1, "languages": {"available": ["de"], "texts": {}}}"#;
    let missing = br#"{"id": 1, "number": 1, "title": "Bildung", "measure_count": 0, "retired_at": null, "version": 1, "languages": {"available": ["de"], "texts": {}}}"#;
    let check = |status: StatusCode, body: &'static [u8]| {
        let json = json.clone();
        std::panic::catch_unwind(move || {
            check_response(&Method::GET, "/api/v1/fields/1", status, &json, body)
        })
        .is_ok()
    };
    assert!(check(StatusCode::OK, field), "a field as documented passes");
    assert!(!check(StatusCode::OK, wrong_type), "a wrong type is caught");
    assert!(
        !check(StatusCode::OK, missing),
        "a missing nullable field is caught (answers say every field)"
    );
    assert!(
        !check(StatusCode::IM_A_TEAPOT, field),
        "an undocumented status is caught"
    );
}

/// Every type the OpenAPI document names has a name of its own: utoipa keeps one schema per
/// name and silently drops the other, so two `Decision`s would leave one of them documented
/// with the other's shape.
#[test]
fn every_schema_name_is_used_once() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut clashes = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for (n, line) in lines.iter().enumerate() {
            // `#[derive(…ToSchema…)]` before `pub struct|enum Name`, or `stored_enum! { Name {`.
            let name = if line.starts_with("#[derive(") && line.contains("ToSchema") {
                lines[n + 1..]
                    .iter()
                    .find(|l| l.starts_with("pub struct ") || l.starts_with("pub enum "))
                    .and_then(|l| l.split_whitespace().nth(2))
            } else if line.contains("stored_enum! {") && !line.starts_with("macro_rules!") {
                lines[n + 1..]
                    .iter()
                    .find(|l| !l.starts_with("///") && !l.starts_with("#["))
                    .and_then(|l| l.split_whitespace().next())
            } else {
                None
            };
            let Some(name) = name else { continue };
            let name: String = name
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let place = format!("{}:{}", file.display(), n + 1);
            if let Some(first) = seen.insert(name.clone(), place.clone()) {
                clashes.push(format!("{name}: {first} and {place}"));
            }
        }
    }
    for known in [
        "ModerationDecision",
        "OrganisationKind",
        "Decision",
        "Contribution",
    ] {
        assert!(
            seen.contains_key(known),
            "the scan finds {known} (derived and stored enums): {seen:?}"
        );
    }
    assert!(clashes.is_empty(), "schema names used twice: {clashes:?}");
}

/// The processing record is generated from the registry: the committed document is exactly
/// what the code declares (`beteiligung processing-record > docs/processing-record.md`).
#[test]
fn the_processing_record_is_what_the_registry_declares() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/processing-record.md");
    let committed = std::fs::read_to_string(path).expect("docs/processing-record.md");
    let generated = beteiligung::privacy::record::markdown(beteiligung::PERSONAL_DATA);
    assert!(
        committed == generated,
        "docs/processing-record.md is out of date: run `cargo run -- processing-record > docs/processing-record.md`"
    );
    // It names every retention rule the purge applies, with its period.
    for slice in beteiligung::PERSONAL_DATA {
        for rule in slice.retention() {
            assert!(
                generated.contains(&format!("{} are removed {} day", rule.what, rule.days)),
                "{}: {}",
                slice.name(),
                rule.what
            );
        }
    }
}

/// Every table with a column that is not plain is in a category of the processing record of
/// the slice that owns it, every category names tables of its slice only, and every category
/// with a purge period is a rule the slice's purge applies.
#[test]
fn every_table_with_personal_data_has_a_purpose_a_basis_and_a_retention() {
    use beteiligung::personal_data::Retention;
    for slice in beteiligung::PERSONAL_DATA {
        let own: Vec<&str> = slice.tables().iter().map(|t| t.name).collect();
        let covered: Vec<&str> = slice
            .processing()
            .iter()
            .flat_map(|c| c.tables.iter().copied())
            .collect();
        for table in slice.tables() {
            let personal = table.columns.iter().any(|(_, kind)| *kind != Kind::Plain);
            if personal {
                assert!(
                    covered.contains(&table.name),
                    "{}.{} holds personal data but no category of the processing record covers it",
                    slice.name(),
                    table.name
                );
            }
        }
        for category in slice.processing() {
            for table in category.tables {
                assert!(
                    own.contains(table),
                    "{}: category names {table}, not a table of the slice",
                    slice.name()
                );
            }
            if let Retention::Purged(rule) = category.retention {
                assert!(
                    slice.retention().iter().any(|r| **r == *rule),
                    "{}: {} is not a rule of the slice's purge",
                    slice.name(),
                    rule.what
                );
                assert!(category.tables.contains(&rule.table));
            }
        }
    }
}
