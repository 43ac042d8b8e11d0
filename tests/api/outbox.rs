//! The e-mail outbox: mails are written in the transaction that causes them, sent by workers,
//! retried when the server fails, and never sent twice by concurrent workers.

use crate::both_backends;
use crate::common::smtp::SmtpSink;
use crate::common::TestDb;
use beteiligung::db::schema::outbox_emails;
use beteiligung::mail::{self, Mail, Mailer};
use diesel::prelude::*;

fn mailer_for(db: &TestDb, smtp_url: &str) -> Mailer {
    Mailer::from_settings(&db.settings(&[("SMTP_URL", smtp_url)])).unwrap()
}

fn mail_to(n: usize) -> Mail {
    Mail {
        to: format!("person{n}@example.org"),
        subject: format!("Nachricht {n}"),
        body: format!("Text {n} mit Umlauten: äöü"),
    }
}

both_backends! {
    async fn concurrent_workers_send_each_mail_once(db) {
        let pool = db.pool();
        {
            let mut conn = pool.get().unwrap();
            for n in 0..30 {
                mail::enqueue(&mut conn, chrono::Utc::now().naive_utc(), &mail_to(n)).unwrap();
            }
        }
        let sink = SmtpSink::start();
        let workers: Vec<_> = (0..3)
            .map(|_| {
                let (pool, mailer) = (pool.clone(), mailer_for(&db, &sink.url()));
                std::thread::spawn(move || {
                    let mut conn = pool.get().unwrap();
                    let mut sent = 0;
                    loop {
                        match mail::process_due(&mut conn, &mailer, &beteiligung::clock::Clock::System, 4).unwrap() {
                            0 => break sent,
                            n => sent += n,
                        }
                    }
                })
            })
            .collect();
        let sent: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
        assert_eq!(sent, 30);
        let received = sink.received.lock().unwrap().clone();
        assert_eq!(received.len(), 30, "each mail exactly once");
        let mut recipients: Vec<_> = received.iter().map(|m| m.rcpt_to.clone()).collect();
        recipients.sort();
        recipients.dedup();
        assert_eq!(recipients.len(), 30);
        assert!(received.iter().any(|m| m.body().contains("äöü")));
        // Sent mails keep no body (it may hold single-use links).
        let bodies: Vec<String> = outbox_emails::table.select(outbox_emails::body).load(&mut db.connection()).unwrap();
        assert!(bodies.iter().all(String::is_empty));
    }

    async fn failed_sends_are_retried_later(db) {
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        mail::enqueue(&mut conn, chrono::Utc::now().naive_utc(), &mail_to(1)).unwrap();
        // Nothing listens on this port.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let down = mailer_for(&db, &format!("smtp://127.0.0.1:{closed}"));
        assert_eq!(mail::process_due(&mut conn, &down, &beteiligung::clock::Clock::System, 10).unwrap(), 0);
        let (attempts, error): (i32, Option<String>) = outbox_emails::table
            .select((outbox_emails::attempts, outbox_emails::last_error))
            .first(&mut conn)
            .unwrap();
        assert_eq!(attempts, 1);
        assert!(error.is_some());
        let sink = SmtpSink::start();
        let up = mailer_for(&db, &sink.url());
        assert_eq!(mail::process_due(&mut conn, &up, &beteiligung::clock::Clock::System, 10).unwrap(), 0, "not before its next attempt is due");
        diesel::update(outbox_emails::table)
            .set(outbox_emails::next_attempt_at.eq(chrono::Utc::now().naive_utc()))
            .execute(&mut conn)
            .unwrap();
        assert_eq!(mail::process_due(&mut conn, &up, &beteiligung::clock::Clock::System, 10).unwrap(), 1);
        assert_eq!(sink.to("person1@example.org").len(), 1);
    }

    async fn without_smtp_mails_go_to_the_log(db) {
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        mail::enqueue(&mut conn, chrono::Utc::now().naive_utc(), &mail_to(7)).unwrap();
        let mailer = Mailer::from_settings(&db.settings(&[("MAIL_LOG", "true")])).unwrap();
        assert!(matches!(mailer, Mailer::Log));
        assert_eq!(mail::process_due(&mut conn, &mailer, &beteiligung::clock::Clock::System, 10).unwrap(), 1);
        assert_eq!(mail::process_due(&mut conn, &mailer, &beteiligung::clock::Clock::System, 10).unwrap(), 0, "sent once");
    }
}

#[test]
fn addresses_are_masked_in_the_log() {
    assert_eq!(mail::mask("lena.meier@example.org"), "l***@e***");
    assert!(!mail::mask("lena.meier@example.org").contains("meier"));
}

#[test]
fn postgres_refuses_to_log_mails_unless_told() {
    let settings = |extra: &[(&str, &str)]| {
        let extra: Vec<(String, String)> = extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        beteiligung::config::Settings::from_lookup(move |name| {
            if name == "DATABASE_URL" {
                return Some("postgres://u@127.0.0.1/db".into());
            }
            extra
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
        .unwrap()
    };
    let err = Mailer::from_settings(&settings(&[]))
        .err()
        .expect("refused");
    assert!(
        err.contains("SMTP_URL") && err.contains("MAIL_LOG"),
        "{err}"
    );
    assert!(matches!(
        Mailer::from_settings(&settings(&[("MAIL_LOG", "true")])),
        Ok(Mailer::Log)
    ));
}
