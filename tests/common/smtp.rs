//! A minimal SMTP server on loopback that keeps every message it receives, so tests receive
//! the service's mails over real SMTP and follow their links.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// One received message.
#[derive(Debug, Clone)]
pub struct Received {
    pub rcpt_to: String,
    pub raw: String,
}

impl Received {
    /// The subject line, decoded when it is RFC 2047 encoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.raw
            .lines()
            .take_while(|l| !l.is_empty())
            .find(|l| l.to_ascii_lowercase().starts_with(&prefix))
            .map(|l| l[prefix.len()..].trim().to_owned())
    }

    /// The text body, with quoted-printable or base64 transfer encoding undone.
    pub fn body(&self) -> String {
        let (_, body) = self.raw.split_once("\r\n\r\n").unwrap_or(("", &self.raw));
        match self.header("Content-Transfer-Encoding").as_deref() {
            Some("quoted-printable") => decode_quoted_printable(body),
            Some("base64") => {
                use base64::Engine;
                let clean: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(clean)
                        .unwrap(),
                )
                .unwrap()
            }
            _ => body.to_owned(),
        }
    }

    /// The value of `token=` in the first link of the body.
    pub fn token(&self) -> String {
        let body = self.body();
        let start = body.find("token=").expect("a link with a token") + "token=".len();
        body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }
}

fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The server: its port and what it received.
pub struct SmtpSink {
    pub port: u16,
    pub received: Arc<Mutex<Vec<Received>>>,
}

impl SmtpSink {
    pub fn start() -> Self {
        Self::with_delay(std::time::Duration::ZERO)
    }

    /// A server that takes `delay` to accept each message, like a real one under load: a
    /// worker sending a batch then takes long enough for another worker to poll meanwhile.
    pub fn with_delay(delay: std::time::Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let store = store.clone();
                std::thread::spawn(move || {
                    let mut writer = stream.try_clone().unwrap();
                    let mut reader = BufReader::new(stream);
                    let _ = writer.write_all(b"220 sink.test ESMTP\r\n");
                    let mut rcpt = String::new();
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let upper = line.to_ascii_uppercase();
                        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                            let _ = writer.write_all(b"250-sink.test\r\n250 8BITMIME\r\n");
                        } else if upper.starts_with("RCPT TO:") {
                            rcpt = line[8..].trim().trim_matches(['<', '>']).to_owned();
                            let _ = writer.write_all(b"250 OK\r\n");
                        } else if upper.starts_with("DATA") {
                            let _ = writer.write_all(b"354 go ahead\r\n");
                            let mut raw = String::new();
                            loop {
                                line.clear();
                                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                                    return;
                                }
                                if line == ".\r\n" {
                                    break;
                                }
                                raw.push_str(
                                    line.strip_prefix('.')
                                        .filter(|_| line.starts_with(".."))
                                        .unwrap_or(&line),
                                );
                            }
                            std::thread::sleep(delay);
                            store.lock().unwrap().push(Received {
                                rcpt_to: rcpt.clone(),
                                raw,
                            });
                            let _ = writer.write_all(b"250 queued\r\n");
                        } else if upper.starts_with("QUIT") {
                            let _ = writer.write_all(b"221 bye\r\n");
                            return;
                        } else {
                            let _ = writer.write_all(b"250 OK\r\n");
                        }
                    }
                });
            }
        });
        Self { port, received }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Messages received for `to`.
    pub fn to(&self, to: &str) -> Vec<Received> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.rcpt_to == to)
            .cloned()
            .collect()
    }
}
