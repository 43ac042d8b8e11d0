//! Outgoing e-mail through one outbox.
//!
//! A change that causes a mail writes it to `outbox_emails` in its own transaction
//! ([`enqueue`]); a background worker ([`spawn_worker`]) sends pending mails and retries with
//! back-off. On PostgreSQL the worker claims mails with `FOR UPDATE SKIP LOCKED`, so several
//! nodes never send the same mail twice; on SQLite the write lock does the same. Without
//! `SMTP_URL` mails are written to the log, so someone trying the service locally can follow
//! the link. A sent mail's body (which holds single-use links) is erased.

pub mod templates;

use crate::db::schema::outbox_emails;
use crate::db::{write_transaction, DbConnection, Pool};
use chrono::Utc;
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
pub fn enqueue(conn: &mut DbConnection, mail: &Mail) -> QueryResult<()> {
    let now = Utc::now().naive_utc();
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

/// How mails leave the node.
#[derive(Clone)]
pub enum Mailer {
    Smtp {
        transport: Box<SmtpTransport>,
        from: Mailbox,
    },
    /// No SMTP server configured: the mail goes to the log.
    Log,
}

impl Mailer {
    /// The mailer the settings describe.
    pub fn from_settings(settings: &crate::config::Settings) -> Result<Self, String> {
        let Some(url) = &settings.smtp_url else {
            return Ok(Self::Log);
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
                tracing::info!(
                    to = %mask(&mail.to),
                    subject = %mail.subject,
                    "mail not sent (no SMTP_URL); its text follows\n{}",
                    mail.body
                );
                Ok(())
            }
            Self::Smtp { transport, from } => {
                let to: Mailbox = mail.to.parse().map_err(|e| format!("recipient: {e}"))?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(&mail.subject)
                    .body(mail.body.clone())
                    .map_err(|e| format!("message: {e}"))?;
                transport
                    .send(&message)
                    .map(|_| ())
                    .map_err(|e| format!("smtp: {e}"))
            }
        }
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

/// Sends up to `batch` due mails; returns how many were sent.
pub fn process_due(conn: &mut DbConnection, mailer: &Mailer, batch: i64) -> QueryResult<usize> {
    write_transaction(conn, |conn| {
        let now = Utc::now().naive_utc();
        // The due mails, oldest first; the same query on both backends.
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
                    .limit(batch)
            };
        }
        let pending: Vec<Pending> = match conn {
            // Rows another node is sending are skipped, not waited for or sent twice.
            DbConnection::Postgresql(pg) => due!().for_update().skip_locked().load(pg)?,
            // SQLite has one writer at a time: the write transaction is the claim.
            DbConnection::Sqlite(_) => due!().load(conn)?,
        };
        let mut sent = 0;
        for mail in pending {
            let outcome = mailer.send(&Mail {
                to: mail.recipient.clone(),
                subject: mail.subject.clone(),
                body: mail.body.clone(),
            });
            let target = outbox_emails::table.find(mail.id);
            match outcome {
                Ok(()) => {
                    diesel::update(target)
                        .set((
                            outbox_emails::sent_at.eq(Some(now)),
                            outbox_emails::body.eq(""),
                            outbox_emails::attempts.eq(mail.attempts + 1),
                        ))
                        .execute(conn)?;
                    sent += 1;
                }
                Err(error) => {
                    let attempts = mail.attempts + 1;
                    let wait = 30_i64 << attempts.min(10);
                    tracing::warn!(mail_id = mail.id, attempts, error = %error, "sending a mail failed; will retry");
                    diesel::update(target)
                        .set((
                            outbox_emails::attempts.eq(attempts),
                            outbox_emails::next_attempt_at
                                .eq(now + chrono::Duration::seconds(wait)),
                            outbox_emails::last_error
                                .eq(Some(error.chars().take(500).collect::<String>())),
                        ))
                        .execute(conn)?;
                }
            }
        }
        Ok(sent)
    })
}

/// Starts the background sender: it works through the outbox every `interval` until the
/// process ends.
pub fn spawn_worker(pool: Pool, mailer: Mailer, interval: Duration) {
    std::thread::Builder::new()
        .name("outbox".into())
        .spawn(move || loop {
            match pool.get() {
                Ok(mut conn) => loop {
                    match process_due(&mut conn, &mailer, 20) {
                        Ok(20) => continue,
                        Ok(_) => break,
                        Err(e) => {
                            tracing::warn!(error = %e, "outbox: database error");
                            break;
                        }
                    }
                },
                Err(e) => tracing::warn!(error = %e, "outbox: no database connection"),
            }
            std::thread::sleep(interval);
        })
        .expect("spawn the outbox thread");
}
