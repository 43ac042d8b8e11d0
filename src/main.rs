//! The `beteiligung` command line: serve the API, run migrations, seed or import the catalogue,
//! print the OpenAPI document.

// As in the library: `ApiError` is large and built only on the error path.
#![allow(clippy::result_large_err)]

use beteiligung::catalogue::{file::CatalogueFile, store};
// The command line acts at the time of the system clock.
use beteiligung::clock::Clock;
use beteiligung::config::{Backend, LogFormat, Settings};
use beteiligung::db::{self, Db};
use beteiligung::AppState;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: glibc's malloc kept freed memory per thread —
/// measured: resident memory grew to 366 MiB during 16 s of sign-ins with glibc (each check
/// then allocated and freed 19 MiB).
/// The feature `system-allocator` builds with the system's malloc instead, for heap profilers
/// that watch it (heaptrack, valgrind's massif); see the README's section on memory.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The settings of the allocator the service makes at start.
#[cfg(not(feature = "system-allocator"))]
mod allocator {
    use std::ffi::{c_int, c_long};

    /// `mi_option_purge_delay` in mimalloc.h (the same in its versions 2 and 3).
    pub const PURGE_DELAY: c_int = 15;
    /// `mi_option_allow_thp` in mimalloc.h (version 3).
    pub const ALLOW_THP: c_int = 43;

    extern "C" {
        pub fn mi_option_set(option: c_int, value: c_long);
        #[cfg(test)]
        pub fn mi_option_get(option: c_int) -> c_long;
    }

    /// Freed memory goes back to the system at once, not after mimalloc 3's default of 1 s
    /// (10 s for its arena): otherwise what one moment needed stayed resident while the next
    /// moment allocated anew, and a node's peak RSS was the sum of such moments rather than
    /// the largest one. Measured with the load script on SQLite (one run each): with 1 s the
    /// sign-in burst peaked at 66.0 MiB (over its bound of 64), with 10 ms at 61.4 and 63.2,
    /// at once at 59.2; the search mix (the allocation-heaviest) ran at 437 req/s (p99 28 ms)
    /// at once, 365 with 10 ms and 360 with 1 s: returning memory at once costs nothing
    /// measurable here.
    pub const PURGE_DELAY_MS: c_long = 0;

    pub fn return_freed_memory_at_once() {
        // mimalloc's own variable, when set, wins (for measurements and operators).
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: sets one of mimalloc's options, which it allows at any time from any thread.
        unsafe { mi_option_set(PURGE_DELAY, PURGE_DELAY_MS) }
    }

    /// No transparent huge pages for this process. mimalloc asks for them on its arena
    /// (`MADV_HUGEPAGE`), and where the system grants them on request (Debian's default,
    /// `madvise`), a few live objects in a 2 MiB region kept all of it resident: 10 MiB of a
    /// node's 20 MiB heap under the read load. The heap's live data is under 10 MiB, so the
    /// huge pages bought nothing but memory. The process-wide switch (`PR_SET_THP_DISABLE`)
    /// also covers the arena mimalloc reserved before `main`; the option keeps it from asking.
    pub fn no_transparent_huge_pages() {
        if std::env::var_os("MIMALLOC_ALLOW_THP").is_some() {
            return;
        }
        // SAFETY: sets one of mimalloc's options, as above.
        unsafe { mi_option_set(ALLOW_THP, 0) }
        #[cfg(target_os = "linux")]
        // SAFETY: PR_SET_THP_DISABLE takes plain integers and changes only this process's
        // paging; on failure (an old kernel) nothing changes and the service runs as before.
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        }
    }
}

/// Participation and consultation API (Beteiligungsverfahren).
///
/// Settings come from environment variables (or a `.env` file): DATABASE_URL (default: the
/// SQLite file beteiligung.db), BIND (default 127.0.0.1:8080), CORS_ORIGINS, LOG_FORMAT
/// (text|json), DB_POOL_SIZE, DB_POOL_TIMEOUT_SECS, JSON_LIMIT_BYTES, SEED_DEMO, WORKERS,
/// PUBLIC_BASE_URL, JWT_SECRET, RECEIPT_SIGNING_KEY, ERASURE_KEY, TERMS_VERSION,
/// PRIVACY_VERSION, SMTP_URL, LOG_CLIENT_NETWORK. See the README for each.
#[derive(Parser)]
#[command(version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API (the default): applies pending migrations, loads the demo catalogue
    /// into an empty database (unless SEED_DEMO=false), then serves until SIGTERM or Ctrl-C.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo catalogue if no catalogue is loaded yet; running it again changes nothing.
    Seed,
    /// Load a catalogue file (JSON, format in the README) in one transaction; a bad file
    /// changes nothing.
    Import {
        /// Path of the catalogue file.
        file: PathBuf,
        /// Replace a catalogue that is already loaded (otherwise the import refuses).
        #[arg(long)]
        replace: bool,
    },
    /// Print the loaded catalogue in the import format (JSON) to standard output.
    Export,
    /// Copy the SQLite database to FILE while the service keeps running (SQLite's online
    /// backup API: one consistent snapshot), check the copy and only then give it its name.
    /// On PostgreSQL use `pg_dump -Fc` instead (see the README).
    Backup {
        /// Path of the copy; its directory must exist.
        file: PathBuf,
        /// Replace FILE if it exists (otherwise the backup refuses).
        #[arg(long)]
        force: bool,
    },
    /// Print the OpenAPI document (JSON) to standard output.
    Openapi,
    /// Print the processing record (Art. 30 GDPR, Markdown) generated from the code's
    /// personal-data registry to standard output.
    ProcessingRecord,
    /// Apply the retention rules now (the running service does it by itself, hourly) and print
    /// what was removed.
    Purge,
    /// The records of deleted accounts (keyed hashes, no personal data), which keep a restored
    /// backup from bringing a deleted account back.
    Erasures {
        #[command(subcommand)]
        action: ErasuresAction,
    },
    /// The search index: `search rebuild` empties it and fills it again from every searchable
    /// slice in one transaction (`serve` does it by itself when the index is stale: never built
    /// since the search migration, or built by older folding rules).
    Search {
        #[command(subcommand)]
        action: SearchAction,
    },
    /// Create the first administrator, or make an existing account an administrator. For a new
    /// account the password is read from standard input (one line) — never from the command
    /// line, where other users of the machine could see it.
    CreateAdmin {
        /// E-mail address of the administrator.
        #[arg(long)]
        email: String,
        /// Display name of a new account.
        #[arg(long, default_value = "Administration")]
        display_name: String,
    },
}

#[derive(Subcommand)]
enum SearchAction {
    /// Rebuild the whole index now and print how many texts each slice put into it.
    Rebuild,
}

#[derive(Subcommand)]
enum ErasuresAction {
    /// Print every record as JSON lines; keep the output where the backups are not.
    Export,
    /// After restoring a backup: erase again every account the records in FILE name (written
    /// by `erasures export` before the restore), and add the records to this database.
    Apply {
        /// Path of the JSON-lines file.
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    #[cfg(not(feature = "system-allocator"))]
    {
        allocator::return_freed_memory_at_once();
        allocator::no_transparent_huge_pages();
    }
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        print!("{}", beteiligung::api_doc_json());
        return ExitCode::SUCCESS;
    }
    if let Command::ProcessingRecord = command {
        print!(
            "{}",
            beteiligung::privacy::record::markdown(beteiligung::PERSONAL_DATA)
        );
        return ExitCode::SUCCESS;
    }
    // A missing .env is normal; a broken one is reported like any other setting error.
    if let Err(e) = dotenvy::dotenv() {
        if !e.not_found() {
            eprintln!("error: the .env file cannot be read: {e}");
            return ExitCode::FAILURE;
        }
    }
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(settings.log_format);
    let result = match command {
        Command::Serve => serve(settings),
        Command::Migrate => migrate(&settings).map(|_| ()),
        Command::Seed => seed(&settings),
        Command::Import { file, replace } => import(&settings, &file, replace),
        Command::Export => export(&settings),
        Command::Backup { file, force } => backup(&settings, &file, force),
        Command::CreateAdmin {
            email,
            display_name,
        } => create_admin(&settings, &email, &display_name),
        Command::Purge => purge(&settings),
        Command::Erasures { action } => erasures(&settings, action),
        Command::Search {
            action: SearchAction::Rebuild,
        } => search_rebuild(&settings),
        Command::Openapi | Command::ProcessingRecord => unreachable!("handled above"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The log filter when `RUST_LOG` is not set.
const DEFAULT_LOG_FILTER: &str = "info,actix_http::h1::dispatcher=off";

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        // actix-http reports a client's malformed request ("stream error") at ERROR; a
        // client's mistake is not a server error, and the request is answered with 400 anyway.
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_LOG_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only on a terminal; log files and collectors get plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => builder.init(),
    }
}

fn open_pool(settings: &Settings) -> Result<db::Pool, String> {
    db::build_pool(
        &settings.database_url,
        settings.db_pool_size,
        settings.db_pool_timeout,
    )
    .map_err(|e| {
        format!(
            "cannot open the database ({}): {e}",
            settings.database_url.redacted()
        )
    })
}

/// One connection for a command-line task (no pool, no background threads).
fn connect(settings: &Settings) -> Result<db::DbConnection, String> {
    db::establish(&settings.database_url).map_err(|e| {
        format!(
            "cannot open the database ({}): {e}",
            settings.database_url.redacted()
        )
    })
}

/// Applies pending migrations; returns the connection it used.
fn migrate(settings: &Settings) -> Result<db::DbConnection, String> {
    let mut conn = connect(settings)?;
    let applied = db::run_migrations(&mut conn).map_err(|e| format!("migration failed: {e}"))?;
    if applied.is_empty() {
        tracing::info!("database schema is up to date");
    } else {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    Ok(conn)
}

fn purge(settings: &Settings) -> Result<(), String> {
    let mut conn = migrate(settings)?;
    let outcome = beteiligung::privacy::retention::purge(
        &mut conn,
        beteiligung::PERSONAL_DATA,
        Clock::System.now().naive_utc(),
        None,
    )
    .map_err(|e| format!("the purge failed: {e}"))?;
    if let Some(dir) = beteiligung::mail::directory(settings) {
        let removed = beteiligung::mail::prune_files(&dir, Clock::System.now().naive_utc());
        println!("{removed:>8}  mail files older than the sent mails' period");
    }
    if !outcome.ran {
        println!("another node is purging right now; nothing done");
        return Ok(());
    }
    for (rule, removed) in &outcome.removed {
        println!("{removed:>8}  {rule}");
    }
    println!(
        "{:>8}  users: accounts erased because a retention rule ended them",
        outcome.accounts_erased
    );
    for (id, code) in &outcome.refused {
        println!("account {id} was not erased ({code}); resolve it, the next purge tries again");
    }
    Ok(())
}

fn search_rebuild(settings: &Settings) -> Result<(), String> {
    let mut conn = migrate(settings)?;
    let put = beteiligung::search::rebuild(
        &mut conn,
        beteiligung::SEARCHABLE,
        Clock::System.now().naive_utc(),
    )
    .map_err(|e| format!("the rebuild of the search index failed: {e}"))?;
    for (slice, count) in put {
        println!("{count:>8}  {slice}");
    }
    Ok(())
}

fn erasures(settings: &Settings, action: ErasuresAction) -> Result<(), String> {
    use beteiligung::privacy::erasures;
    let mut conn = migrate(settings)?;
    match action {
        ErasuresAction::Export => {
            let records = erasures::all(&mut conn).map_err(|e| e.to_string())?;
            let mut out = std::io::stdout().lock();
            for record in records {
                use std::io::Write;
                let line = serde_json::to_string(&record).map_err(|e| e.to_string())?;
                writeln!(out, "{line}").map_err(|e| e.to_string())?;
            }
            Ok(())
        }
        ErasuresAction::Apply { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let mut records = Vec::new();
            for (n, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                let record: erasures::Record = serde_json::from_str(line)
                    .map_err(|e| format!("{} line {}: {e}", file.display(), n + 1))?;
                let hex =
                    |v: &str, n: usize| v.len() == n && v.bytes().all(|b| b.is_ascii_hexdigit());
                if !hex(&record.address_hash, 64) || !hex(&record.key_id, 16) {
                    return Err(format!(
                        "{} line {}: address_hash is not 64 hex digits, or key_id not 16",
                        file.display(),
                        n + 1
                    ));
                }
                records.push(record);
            }
            let keys = erasures::keys_of(settings)?;
            let ids: Vec<String> = keys.iter().map(erasures::Key::id).collect();
            if let Some(foreign) = records.iter().find(|r| !ids.contains(&r.key_id)) {
                return Err(format!(
                    "the records were made with the erasure key {}, and this installation knows {}: set ERASURE_KEY, or add the key the records were made with to ERASURE_RETIRED_KEYS (a key that is not known matches nobody, and the deleted accounts would stay restored)",
                    foreign.key_id,
                    ids.join(", ")
                ));
            }
            let applied = erasures::apply(
                &mut conn,
                beteiligung::PERSONAL_DATA,
                &keys,
                &records,
                Clock::System.now().naive_utc(),
            )
            .map_err(|e| format!("applying the records failed: {e}"))?;
            println!(
                "{} account(s) erased again; {} record(s) added",
                applied.erased, applied.added
            );
            if let Some(dir) = beteiligung::mail::directory(settings) {
                for address in &applied.addresses {
                    beteiligung::mail::remove_files_to(&dir, address);
                }
            }
            for (id, code) in &applied.refused {
                println!("account {id} could not be erased ({code}); resolve it and apply again");
            }
            if applied.refused.is_empty() {
                Ok(())
            } else {
                Err("some accounts could not be erased".into())
            }
        }
    }
}

fn seed(settings: &Settings) -> Result<(), String> {
    let mut conn = migrate(settings)?;
    match beteiligung::seed_demo(&mut conn, Clock::System.now())
        .map_err(|e| format!("seeding failed: {e}"))?
    {
        Some(s) => tracing::info!(
            fields = s.fields,
            measures = s.measures,
            "loaded the demo catalogue"
        ),
        None => tracing::info!("a catalogue is already loaded; nothing to seed"),
    }
    Ok(())
}

fn import(settings: &Settings, path: &PathBuf, replace: bool) -> Result<(), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let file = CatalogueFile::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut conn = migrate(settings)?;
    let mode = if replace {
        store::ImportMode::Replace
    } else {
        store::ImportMode::IntoEmpty
    };
    let summary = store::import(&mut conn, Clock::System.now().naive_utc(), &file, mode)
        .map_err(|e| format!("import failed: {e}"))?;
    tracing::info!(
        fields = summary.fields,
        measures = summary.measures,
        replaced = summary.replaced,
        "imported the catalogue"
    );
    Ok(())
}

fn export(settings: &Settings) -> Result<(), String> {
    let mut conn = migrate(settings)?;
    let file = store::export(&mut conn).map_err(|e| match e {
        diesel::result::Error::NotFound => "no catalogue is loaded".to_owned(),
        other => format!("export failed: {other}"),
    })?;
    let mut json = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
    json.push('\n');
    print!("{json}");
    Ok(())
}

fn backup(settings: &Settings, file: &std::path::Path, force: bool) -> Result<(), String> {
    let source = match settings.database_url.backend {
        Backend::Postgres => {
            return Err(
                "backup copies a SQLite database; for PostgreSQL use its own tool: \
                 pg_dump -Fc --file=FILE \"$DATABASE_URL\" (restore with pg_restore, see the \
                 README, \"Backup and restore\")"
                    .into(),
            )
        }
        Backend::Sqlite if settings.database_url.target == ":memory:" => {
            return Err("an in-memory database has nothing to back up".into())
        }
        Backend::Sqlite => std::path::Path::new(&settings.database_url.target),
    };
    let report = db::backup::sqlite(source, file, force).map_err(|e| {
        format!(
            "backup failed: {e}; nothing was written to {}",
            file.display()
        )
    })?;
    println!(
        "backed up {} to {}: {} pages of {} bytes ({:.1} MiB) from one snapshot, in {} step(s); \
         integrity_check ok, {} migrations recorded; {:.2} s",
        source.display(),
        report.target.display(),
        report.pages,
        report.page_size,
        report.bytes() as f64 / f64::from(1 << 20),
        report.steps,
        report.migrations,
        report.elapsed.as_secs_f64()
    );
    Ok(())
}

fn serve(settings: Settings) -> Result<(), String> {
    // Settings that can only be checked together fail before the database is touched.
    beteiligung::auth::keys::signing_key(&settings)?;
    beteiligung::statements::Desk::from_settings(&settings)?;
    beteiligung::privacy::erasures::Key::from_settings(&settings)?;
    let mailer = beteiligung::mail::Mailer::from_settings(&settings)?;
    let mut conn = migrate(&settings)?;
    if settings.seed_demo {
        if let Some(s) = beteiligung::seed_demo(&mut conn, Clock::System.now())
            .map_err(|e| format!("seeding failed: {e}"))?
        {
            tracing::info!(
                fields = s.fields,
                measures = s.measures,
                "loaded the demo catalogue into the empty database"
            );
        }
    }
    // Texts written before the search existed, or indexed by older folding rules.
    if let Some(put) = beteiligung::search::rebuild_if_stale(
        &mut conn,
        beteiligung::SEARCHABLE,
        Clock::System.now().naive_utc(),
    )
    .map_err(|e| format!("the rebuild of the search index failed: {e}"))?
    {
        let texts: usize = put.iter().map(|(_, n)| n).sum();
        tracing::info!(texts, "rebuilt the stale search index");
    }
    let database = match settings.database_url.backend {
        Backend::Sqlite => {
            let path = std::path::Path::new(&settings.database_url.target);
            let shown = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            format!("SQLite file {}", shown.display())
        }
        Backend::Postgres => settings.database_url.redacted(),
    };
    let base = settings
        .public_base_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", settings.bind));
    tracing::info!("API:      {base}/api/v1");
    tracing::info!("docs:     {base}/docs/");
    tracing::info!("database: {database}");
    match &settings.redis {
        None => tracing::info!("limits:   rate limits are counted per node (no REDIS_URL set)"),
        Some(redis) => tracing::info!(
            "limits:   rate limits are shared through Redis at {} (key prefix {})",
            redis.redacted(),
            redis.key_prefix
        ),
    }
    if settings.public_base_url.is_none() {
        tracing::warn!(
            "PUBLIC_BASE_URL is not set: links in mails (verification, password reset, \
             invitations) point to {base}, this API, which has no pages for them; set it to \
             the address of the participation frontend"
        );
    }

    match &mailer {
        beteiligung::mail::Mailer::Log => {
            tracing::info!("mail:     no SMTP_URL set; mails are written to this log (MAIL_LOG)")
        }
        beteiligung::mail::Mailer::Directory(dir) => tracing::info!(
            "mail:     no SMTP_URL set; mails are written as files into {}",
            dir.display()
        ),
        beteiligung::mail::Mailer::Smtp { .. } => {}
    }
    drop(conn);
    let pool = open_pool(&settings)?;
    let outbox = beteiligung::mail::spawn_worker(
        pool.clone(),
        mailer,
        Clock::System,
        std::time::Duration::from_secs(2),
    );
    let state = AppState::new(
        Db::new(pool, settings.database_url.backend),
        settings.clone(),
    )?;
    let limits = state.auth.limits.clone();
    let purge_db = state.db.clone();
    let mail_files = beteiligung::mail::directory(&settings);
    let listener = beteiligung::http::listen(settings.bind)
        .map_err(|e| format!("cannot listen on {} (setting BIND): {e}", settings.bind))?;
    actix_web::rt::System::new()
        .block_on(async move {
            actix_web::rt::spawn(async move {
                loop {
                    actix_web::rt::time::sleep(std::time::Duration::from_secs(60)).await;
                    limits.forget_idle();
                }
            });
            // The retention purge: every node looks, one does the work (see
            // `privacy::retention`).
            actix_web::rt::spawn(async move {
                loop {
                    let db = purge_db.clone();
                    let outcome = db
                        .run(|conn| {
                            beteiligung::privacy::retention::purge(
                                conn,
                                beteiligung::PERSONAL_DATA,
                                Clock::System.now().naive_utc(),
                                Some(beteiligung::privacy::retention::RUN_EVERY),
                            )
                        })
                        .await;
                    if matches!(outcome, Ok(ref o) if o.ran) {
                        if let Some(dir) = mail_files.clone() {
                            let now = Clock::System.now().naive_utc();
                            let _ = actix_web::web::block(move || {
                                beteiligung::mail::prune_files(&dir, now)
                            })
                            .await;
                        }
                    }
                    match outcome {
                        Ok(o) if o.ran => tracing::info!(removed = o.total(), "retention purge"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "retention purge failed; will retry"),
                    }
                    actix_web::rt::time::sleep(beteiligung::privacy::retention::CHECK_EVERY).await;
                }
            });
            beteiligung::http_server(state, listener)?.await
        })
        .map_err(|e| format!("server stopped: {e}"))?;
    outbox.stop();
    tracing::info!("shut down");
    Ok(())
}

fn create_admin(settings: &Settings, email: &str, display_name: &str) -> Result<(), String> {
    use beteiligung::auth::model::Role;
    use beteiligung::auth::{password, store};
    let email = store::normalize_email(email);
    if !validator::ValidateEmail::validate_email(&email) {
        return Err(format!("'{email}' is not an e-mail address"));
    }
    let mut conn = migrate(settings)?;
    let existing = store::user_by_email(&mut conn, &email).map_err(|e| e.to_string())?;
    let password_hash = match existing {
        Some(_) => None,
        None => {
            eprintln!("Password for the new administrator (one line on standard input):");
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| format!("cannot read the password: {e}"))?;
            let password = line.trim_end_matches(['\r', '\n']);
            password::check_policy("password", password, &email)
                .map_err(|e| format!("the password {}", e.message.en))?;
            Some(password::hash_now(password)?)
        }
    };
    // The command line acts at the time of the system clock.
    let now = Clock::System.now().naive_utc();
    db::write_transaction(&mut conn, |conn| {
        let id = match (&existing, &password_hash) {
            (Some(user), _) => {
                store::promote_to_admin(conn, now, user.id)?;
                user.id
            }
            (None, Some(hash)) => store::insert_user(
                conn,
                now,
                &store::NewAccount {
                    email: &email,
                    password_hash: hash,
                    display_name,
                    language: beteiligung::language::ORIGINAL,
                    terms_version: &settings.terms_version,
                    privacy_version: &settings.privacy_version,
                    role: Role::Admin,
                    verified: true,
                },
            )
            .and_then(|id| {
                // The operator creates the account in the person's name: the versions in
                // force are recorded as theirs, like a registration's.
                beteiligung::auth::consent::record(
                    conn,
                    now,
                    id,
                    None,
                    &beteiligung::auth::consent::Documents {
                        terms_version: settings.terms_version.clone(),
                        privacy_version: settings.privacy_version.clone(),
                    },
                )
                .map(|()| id)
            })?,
            (None, None) => unreachable!("a new account always has a password"),
        };
        let action = if existing.is_some() {
            "user.promoted_to_admin"
        } else {
            "user.admin_created"
        };
        beteiligung::audit::record(
            conn,
            now,
            None,
            action,
            "user",
            Some(id),
            serde_json::json!({"by": "command line"}),
        )
    })
    .map_err(|e: diesel::result::Error| e.to_string())?;
    tracing::info!(
        created = existing.is_none(),
        "{} is an administrator",
        beteiligung::mail::mask(&email)
    );
    Ok(())
}

#[cfg(all(test, not(feature = "system-allocator")))]
mod tests {
    /// The option set at start is mimalloc's purge delay: it starts at that option's documented
    /// default (1000 ms in mimalloc 3; a new mimalloc with other numbers fails here) and
    /// reads ours once set.
    #[test]
    fn the_allocator_setting_is_the_purge_delay() {
        use super::allocator::*;
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: reads one of mimalloc's options.
        assert_eq!(unsafe { mi_option_get(PURGE_DELAY) }, 1000);
        return_freed_memory_at_once();
        // SAFETY: as above.
        assert_eq!(unsafe { mi_option_get(PURGE_DELAY) }, PURGE_DELAY_MS);
    }

    /// Likewise the option that allows transparent huge pages (default 1 in mimalloc 3); once
    /// switched off, the process has huge pages disabled as well.
    #[test]
    fn transparent_huge_pages_are_switched_off() {
        use super::allocator::*;
        if std::env::var_os("MIMALLOC_ALLOW_THP").is_some() {
            return;
        }
        // SAFETY: reads one of mimalloc's options.
        assert_eq!(unsafe { mi_option_get(ALLOW_THP) }, 1);
        no_transparent_huge_pages();
        // SAFETY: as above.
        assert_eq!(unsafe { mi_option_get(ALLOW_THP) }, 0);
        #[cfg(target_os = "linux")]
        // SAFETY: PR_GET_THP_DISABLE takes plain integers and reads a flag of this process.
        assert_eq!(
            unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) },
            1
        );
    }
}
