//! Outgoing e-mail through one outbox.
//!
//! A change that causes a mail writes it to `outbox_emails` in its own transaction
//! ([`enqueue`]); a background worker ([`spawn_worker`]) sends pending mails and retries with
//! back-off. On PostgreSQL the worker claims mails with `FOR UPDATE SKIP LOCKED`, so several
//! nodes never send the same mail twice; on SQLite the write lock does the same. No lock is
//! held while a mail is being sent. Without
//! `SMTP_URL` mails are written to the log, so someone trying the service locally can follow
//! the link (only with `MAIL_LOG=true` on PostgreSQL, where logs usually travel further). A
//! sent mail's body (which holds single-use links) is erased.

pub mod templates;

use crate::clock::Clock;
use crate::db::schema::outbox_emails;
use crate::db::{write_transaction, DbConnection, Pool};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use lettre::message::Mailbox;
use lettre::{Message, SmtpTransport, Transport};
use std::time::Duration;

/// Attempts before a mail is given up.
pub const MAX_ATTEMPTS: i32 = 8;

/// A mail to write to the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Writes `mail` to the outbox; call it in the transaction of the change that causes it.
pub fn enqueue(conn: &mut DbConnection, now: NaiveDateTime, mail: &Mail) -> QueryResult<()> {
    diesel::insert_into(outbox_emails::table)
        .values((
            outbox_emails::recipient.eq(&mail.to),
            outbox_emails::subject.eq(&mail.subject),
            outbox_emails::body.eq(&mail.body),
            outbox_emails::created_at.eq(now),
            outbox_emails::next_attempt_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Where mails are written as files: `<database>.mails` on SQLite without `SMTP_URL` and
/// without `MAIL_LOG` (not for an in-memory database).
pub fn directory(settings: &crate::config::Settings) -> Option<std::path::PathBuf> {
    let target = &settings.database_url.target;
    (settings.smtp_url.is_none()
        && !settings.mail_log
        && settings.database_url.backend == crate::config::Backend::Sqlite
        && target != ":memory:")
        .then(|| format!("{target}.mails").into())
}

/// The mail files in `dir` with their first line (`To: …`).
fn mail_files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, String)> {
    use std::io::BufRead;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .filter_map(|p| {
            let mut first = String::new();
            std::io::BufReader::new(std::fs::File::open(&p).ok()?)
                .read_line(&mut first)
                .ok()?;
            Some((p, first))
        })
        .collect()
}

/// Removes the mail files to `address`; answers how many.
pub fn remove_files_to(dir: &std::path::Path, address: &str) -> usize {
    let line = format!("To: {address}\r\n");
    mail_files(dir)
        .into_iter()
        .filter(|(_, first)| first.eq_ignore_ascii_case(&line))
        .filter(|(path, _)| std::fs::remove_file(path).is_ok())
        .count()
}

/// Removes the mail files written longer than [`SENT_MAILS`]' period before `now`.
pub fn prune_files(dir: &std::path::Path, now: NaiveDateTime) -> usize {
    let cutoff = SENT_MAILS.cutoff(now).and_utc().timestamp();
    mail_files(dir)
        .into_iter()
        .filter(|(path, _)| {
            std::fs::metadata(path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .is_some_and(|age| i64::try_from(age.as_secs()).unwrap_or(i64::MAX) <= cutoff)
        })
        .filter(|(path, _)| std::fs::remove_file(path).is_ok())
        .count()
}

/// Writes `mail` as a new file `<time>-<pid>-<n>.eml` into `dir` (created, owner only).
fn write_file(dir: &std::path::Path, mail: &Mail) -> Result<(), String> {
    use std::io::Write;
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| format!("cannot create the mail directory: {e}"))?;
    // Also when it existed before, with other permissions.
    #[cfg(unix)]
    std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .map_err(|e| format!("cannot restrict the mail directory: {e}"))?;
    static WRITTEN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let name = format!(
        "{}-{}-{}.eml",
        crate::clock::Clock::System
            .now()
            .format("%Y%m%dT%H%M%S%.6f"),
        std::process::id(),
        WRITTEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(dir.join(name))
        .map_err(|e| format!("cannot write a mail file: {e}"))?;
    write!(
        file,
        "To: {}\r\nSubject: {}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}",
        mail.to.replace(['\r', '\n'], " "),
        mail.subject.replace(['\r', '\n'], " "),
        mail.body
    )
    .map_err(|e| format!("cannot write a mail file: {e}"))
}

/// How mails leave the node.
#[derive(Clone)]
pub enum Mailer {
    Smtp {
        transport: Box<SmtpTransport>,
        from: Mailbox,
    },
    /// No SMTP server configured and `MAIL_LOG=true`: the mail goes to the log, single-use
    /// links included (the operator asked for it).
    Log,
    /// No SMTP server configured on SQLite: each mail is written as a file into this
    /// directory (`<database>.mails`, readable only by its owner), so that no address or link
    /// reaches the log.
    Directory(std::path::PathBuf),
}

impl Mailer {
    /// The mailer the settings describe.
    pub fn from_settings(settings: &crate::config::Settings) -> Result<Self, String> {
        let Some(url) = &settings.smtp_url else {
            if settings.database_url.backend == crate::config::Backend::Postgres
                && !settings.mail_log
            {
                return Err("invalid setting SMTP_URL: it is required with PostgreSQL, since mails hold single-use links that must not reach shared logs (accepted: smtps://… or smtp://…?tls=required; or set MAIL_LOG=true to write mails to the log anyway)".into());
            }
            if settings.mail_log {
                return Ok(Self::Log);
            }
            return Ok(match directory(settings) {
                Some(dir) => Self::Directory(dir),
                None => Self::Log,
            });
        };
        let transport = SmtpTransport::from_url(url.expose())
            .map_err(|e| format!("invalid setting SMTP_URL: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = settings
            .mail_from
            .parse()
            .map_err(|e| format!("invalid setting MAIL_FROM: {e}"))?;
        Ok(Self::Smtp {
            transport: Box::new(transport),
            from,
        })
    }

    fn send(&self, mail: &Mail) -> Result<(), String> {
        match self {
            Self::Log => {
                // Escaped: a line break in a reason or a name must not start a log line of
                // its own.
                tracing::info!(
                    to = %mask(&mail.to),
                    subject = %crate::text::for_log(&mail.subject),
                    body = %crate::text::for_log(&mail.body),
                    "mail not sent (no SMTP_URL)"
                );
                Ok(())
            }
            Self::Directory(dir) => write_file(dir, mail),
            Self::Smtp { transport, from } => {
                let to: Mailbox = mail
                    .to
                    .parse()
                    .map_err(|_| "the recipient is not a valid address".to_owned())?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(&mail.subject)
                    .body(mail.body.clone())
                    .map_err(|_| "the message could not be built".to_owned())?;
                transport.send(&message).map(|_| ()).map_err(describe)
            }
        }
    }
}

/// What went wrong sending, without the server's reply text (which often repeats the
/// recipient's address): kind and status code only.
fn describe(e: lettre::transport::smtp::Error) -> String {
    let kind = if e.is_permanent() {
        "permanent failure"
    } else if e.is_transient() {
        "transient failure"
    } else if e.is_timeout() {
        "timeout"
    } else if e.is_tls() {
        "TLS error"
    } else {
        "connection or protocol error"
    };
    match e.status() {
        Some(code) => format!("smtp {kind}, status {code}"),
        None => format!("smtp {kind}"),
    }
}

/// `lena@example.org` → `l***@e***`: enough to tell mails apart in a log, not an address.
pub fn mask(address: &str) -> String {
    let (local, domain) = address.split_once('@').unwrap_or((address, ""));
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    format!("{}***@{}***", first(local), first(domain))
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = outbox_emails)]
struct Pending {
    id: i64,
    recipient: String,
    subject: String,
    body: String,
    attempts: i32,
}

/// How long a claimed mail is left to the worker that claimed it before another may retry it
/// (should that worker die while sending). One send takes at most about a minute (lettre's
/// timeouts), far less than this.
const LEASE: chrono::Duration = chrono::Duration::minutes(5);

/// Claims the oldest due mail: in one short transaction its attempt is counted and its next
/// attempt pushed past the lease, so no other worker takes it meanwhile.
fn claim_next(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> QueryResult<Option<(Pending, NaiveDateTime)>> {
    write_transaction(conn, |conn| {
        // The oldest due mail; the same query on both backends.
        macro_rules! due {
            () => {
                outbox_emails::table
                    .filter(
                        outbox_emails::sent_at
                            .is_null()
                            .and(outbox_emails::next_attempt_at.le(now))
                            .and(outbox_emails::attempts.lt(MAX_ATTEMPTS)),
                    )
                    .select(Pending::as_select())
                    .order(outbox_emails::id)
            };
        }
        let next: Option<Pending> = match conn {
            // A row another node is claiming is skipped, not waited for or claimed twice.
            DbConnection::Postgresql(pg) => {
                due!().for_update().skip_locked().first(pg).optional()?
            }
            // SQLite has one writer at a time: the write transaction is the claim.
            DbConnection::Sqlite(_) => due!().first(conn).optional()?,
        };
        let Some(mut mail) = next else {
            return Ok(None);
        };
        let lease_until = now + LEASE;
        mail.attempts += 1;
        diesel::update(outbox_emails::table.find(mail.id))
            .set((
                outbox_emails::next_attempt_at.eq(lease_until),
                outbox_emails::attempts.eq(mail.attempts),
            ))
            .execute(conn)?;
        Ok(Some((mail, lease_until)))
    })
}

/// Sends up to `batch` due mails, one claim at a time; returns how many were sent.
///
/// No transaction or lock is held while a mail is with the SMTP server, so a slow server never
/// holds up the database. The outcome is recorded only while the claim is still this
/// worker's. Delivery is at least once: a worker that dies after handing a mail over and
/// before recording it leaves it to be sent again when the lease runs out.
pub fn process_due(
    conn: &mut DbConnection,
    mailer: &Mailer,
    clock: &Clock,
    batch: i64,
) -> QueryResult<usize> {
    let mut sent = 0;
    for _ in 0..batch {
        let Some((mail, lease_until)) = claim_next(conn, clock.now().naive_utc())? else {
            break;
        };
        let outcome = mailer.send(&Mail {
            to: mail.recipient,
            subject: mail.subject,
            body: mail.body,
        });
        let now = clock.now().naive_utc();
        let ours = outbox_emails::table
            .find(mail.id)
            .filter(outbox_emails::next_attempt_at.eq(lease_until))
            .filter(outbox_emails::sent_at.is_null());
        match outcome {
            Ok(()) => {
                diesel::update(ours)
                    .set((
                        outbox_emails::sent_at.eq(Some(now)),
                        outbox_emails::body.eq(""),
                    ))
                    .execute(conn)?;
                sent += 1;
            }
            Err(error) => {
                let wait = 30_i64 << mail.attempts.clamp(0, 10);
                tracing::warn!(mail_id = mail.id, attempts = mail.attempts, error = %error, "sending a mail failed; will retry");
                diesel::update(ours)
                    .set((
                        outbox_emails::next_attempt_at.eq(now + chrono::Duration::seconds(wait)),
                        outbox_emails::last_error.eq(Some(error)),
                    ))
                    .execute(conn)?;
            }
        }
    }
    Ok(sent)
}

/// The running background sender; [`Worker::stop`] ends it and waits for its round to finish.
pub struct Worker {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl Worker {
    /// Stops the worker after its current round (before the process exits, so no thread is
    /// inside the database client library when it unloads).
    pub fn stop(self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = self.thread.join();
    }
}

/// Starts the background sender: it works through the outbox every `interval` until stopped,
/// at the times `clock` tells.
pub fn spawn_worker(pool: Pool, mailer: Mailer, clock: Clock, interval: Duration) -> Worker {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = stop.clone();
    let thread = std::thread::Builder::new()
        .name("outbox".into())
        .spawn(move || {
            while !stopped.load(std::sync::atomic::Ordering::SeqCst) {
                // A panic in one round must not end mail for the rest of the process's life.
                let round =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match pool.get() {
                        Ok(mut conn) => loop {
                            match process_due(&mut conn, &mailer, &clock, 20) {
                                Ok(20) => continue,
                                Ok(_) => break,
                                Err(e) => {
                                    tracing::warn!(error = %e, "outbox: database error");
                                    break;
                                }
                            }
                        },
                        Err(e) => tracing::warn!(error = %e, "outbox: no database connection"),
                    }));
                if round.is_err() {
                    tracing::error!("outbox: a round panicked; continuing");
                }
                let mut slept = Duration::ZERO;
                while slept < interval && !stopped.load(std::sync::atomic::Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(100));
                    slept += Duration::from_millis(100);
                }
            }
        })
        .expect("spawn the outbox thread");
    Worker { stop, thread }
}

/// The outbox holds addresses and mail texts until they are sent, and for
/// [`SENT_MAILS`]'s period after (questions about a mail that did not arrive).
pub struct Outbox;

/// Mails go this long after they were sent, or after the last attempt of one that could not
/// be delivered.
pub const SENT_MAILS: crate::personal_data::Rule = crate::personal_data::Rule {
    table: "outbox_emails",
    what: "mails that were sent, or given up after the last attempt",
    from: "sending or the last attempt",
    days: 30,
};

/// A mail as the export shows it. Single-use links in it are cut off (`token=…`): the export
/// is a file the person keeps, and a link in it must not work for whoever finds it.
#[derive(serde::Serialize, utoipa::ToSchema, Queryable, Selectable)]
#[diesel(table_name = outbox_emails)]
pub struct ExportedMail {
    pub id: i64,
    pub subject: String,
    pub body: String,
    #[serde(serialize_with = "crate::personal_data::utc")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::personal_data::utc_or_null")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<NaiveDateTime>,
}

/// The `mail` section of the export.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct MailSection {
    /// Mails to the person's address still kept (sent within the retention period, or
    /// waiting).
    mails: Vec<ExportedMail>,
}

/// `body` with the value of every `token=` cut off.
fn without_tokens(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find("token=") {
        let (head, tail) = rest.split_at(at + "token=".len());
        out.push_str(head);
        out.push('…');
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '&' || c == '"' || c == '>')
            .unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

impl crate::personal_data::PersonalData for Outbox {
    fn name(&self) -> &'static str {
        "mail"
    }

    fn tables(&self) -> &'static [crate::personal_data::Table] {
        use crate::personal_data::Kind::*;
        const DELETED: crate::personal_data::Kind =
            Personal("mails to the deleted address are deleted");
        &[crate::personal_data::Table {
            name: "outbox_emails",
            columns: &[
                ("id", Plain),
                ("recipient", DELETED),
                ("subject", DELETED),
                ("body", DELETED),
                ("created_at", Plain),
                ("attempts", Plain),
                ("next_attempt_at", Plain),
                ("sent_at", Plain),
                ("last_error", Plain),
            ],
        }]
    }

    fn processing(&self) -> &'static [crate::personal_data::Category] {
        &[crate::personal_data::Category {
            data: "mails to the person: address, subject, text",
            tables: &["outbox_emails"],
            purpose: "sending the mails the person's participation causes (verification, decisions, receipts)",
            basis: crate::personal_data::Basis::Contract,
            retention: crate::personal_data::Retention::Purged(&SENT_MAILS),
        }]
    }

    fn export(
        &self,
        conn: &mut DbConnection,
        subject: &crate::personal_data::Subject,
        out: &mut crate::personal_data::Section<'_>,
    ) -> Result<(), crate::error::ApiError> {
        let verified = subject.address_verified;
        out.list(
            "mails",
            |after, limit| {
                if !verified {
                    return Ok(Vec::new());
                }
                outbox_emails::table
                    .filter(outbox_emails::recipient.eq(&subject.email))
                    .filter(outbox_emails::id.gt(after.unwrap_or(0)))
                    .order(outbox_emails::id)
                    .limit(limit)
                    .select(ExportedMail::as_select())
                    .load(conn)
                    .map(|mails| {
                        mails
                            .into_iter()
                            .map(|mail| ExportedMail {
                                body: without_tokens(&mail.body),
                                ..mail
                            })
                            .collect()
                    })
            },
            |m| m.id,
        )
    }

    fn export_schema(
        &self,
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::personal_data::section_schema::<MailSection>(schemas)
    }

    fn retention(&self) -> &'static [&'static crate::personal_data::Rule] {
        &[&SENT_MAILS]
    }

    fn purge(
        &self,
        conn: &mut DbConnection,
        now: NaiveDateTime,
    ) -> Result<crate::personal_data::Purged, crate::error::ApiError> {
        let cutoff = SENT_MAILS.cutoff(now);
        let removed = diesel::delete(
            outbox_emails::table.filter(
                outbox_emails::sent_at.le(cutoff).or(outbox_emails::attempts
                    .ge(MAX_ATTEMPTS)
                    .and(outbox_emails::next_attempt_at.le(cutoff))),
            ),
        )
        .execute(conn)?;
        Ok(vec![(&SENT_MAILS, removed)])
    }

    fn erase(
        &self,
        conn: &mut DbConnection,
        subject: &crate::personal_data::Subject,
    ) -> Result<(), crate::error::ApiError> {
        // Only for an address the account proved to own (see `Organisations::erase`); mails to
        // an unverified one go with their retention rule.
        if !subject.address_verified {
            return Ok(());
        }
        diesel::delete(outbox_emails::table.filter(outbox_emails::recipient.eq(&subject.email)))
            .execute(conn)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn mail_files_go_with_their_address_and_after_their_period() {
        let dir = tempfile::tempdir().unwrap();
        let mail = |to: &str| Mail {
            to: to.into(),
            subject: "Betreff".into(),
            body: "Link: https://x.test/verify-email?token=abc".into(),
        };
        write_file(dir.path(), &mail("lena@example.org")).unwrap();
        write_file(dir.path(), &mail("lena@example.org")).unwrap();
        write_file(dir.path(), &mail("omar@example.org")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
        assert_eq!(remove_files_to(dir.path(), "lena@example.org"), 2);
        assert_eq!(mail_files(dir.path()).len(), 1);
        let now = crate::clock::Clock::System.now().naive_utc();
        assert_eq!(prune_files(dir.path(), now), 0, "written just now");
        let later = now + chrono::Duration::days(SENT_MAILS.days) + chrono::Duration::minutes(1);
        assert_eq!(prune_files(dir.path(), later), 1);
        assert!(mail_files(dir.path()).is_empty());
    }

    #[test]
    fn a_line_break_in_a_mail_cannot_forge_a_log_line() {
        let out = Captured::default();
        let writer = out.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let mail = Mail {
            to: "lena@example.org".into(),
            subject: "Entscheidung\nERROR forged".into(),
            body: "Grund: spam\n2026-12-01T00:00:00Z ERROR admin signed in\r\nEnde".into(),
        };
        tracing::subscriber::with_default(subscriber, || Mailer::Log.send(&mail)).unwrap();
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains(r"Grund: spam\n2026-12-01"), "{text}");
        assert!(!text.contains("lena@example.org"), "{text}");
    }
}
