//! A real SMTP server per test: `tests/support/smtp_sink.py` (aiosmtpd)
//! in its own process, storing each message it accepts for the test to read.

use serde::Deserialize;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// Debian's Python, which has `python3-aiosmtpd`.
const PYTHON: &str = "/usr/bin/python3";

/// A message as the server received it.
#[derive(Debug, Clone, Deserialize)]
pub struct Received {
    pub rcpt_tos: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub raw: String,
}

impl Received {
    /// The 8-digit code in the plain-text part.
    pub fn code(&self) -> String {
        let mut words = self.text.split(|c: char| !c.is_ascii_digit());
        words.find(|w| w.len() == 8).expect("a code in the message").to_owned()
    }

    /// The first link in the plain-text part.
    pub fn link(&self) -> String {
        let start = self.text.find("http").expect("a link in the message");
        self.text[start..].split_whitespace().next().unwrap().to_owned()
    }
}

pub struct SmtpServer {
    pub port: u16,
    child: Child,
    dir: TempDir,
}

/// A port nothing listens on yet.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl SmtpServer {
    pub fn start() -> Self {
        Self::start_on(free_port())
    }

    /// Starts the server on `port` and waits until it answers.
    pub fn start_on(port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.py");
        let mut child = Command::new(PYTHON)
            .arg(script)
            .arg(port.to_string())
            .arg(dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3-aiosmtpd is installed (see the README's prerequisites)");
        let mut ready = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut ready).unwrap();
        assert_eq!(ready.trim(), "ready", "the SMTP server did not start");
        Self { port, child, dir }
    }

    /// The URL the registry is configured with: plain SMTP on the loopback.
    pub fn url(&self) -> String {
        smtp_url(self.port)
    }

    /// Every message received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files.iter().map(|f| serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap()).collect()
    }

    /// Waits until `count` messages arrived (the outbox is worked every second).
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(Instant::now() < deadline, "{count} message(s) expected, {} arrived", received.len());
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The last message sent to `to`, waiting for it.
    pub async fn last_to(&self, to: &str) -> Received {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(found) = self.received().into_iter().rev().find(|m| m.rcpt_tos.iter().any(|r| r == to)) {
                return found;
            }
            assert!(Instant::now() < deadline, "no message to {to}");
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

pub fn smtp_url(port: u16) -> String {
    format!("smtp://127.0.0.1:{port}")
}

/// Settings that deliver mail as `serve` does: the outbox worked every 100 ms.
pub fn delivering(settings: &mut registry::config::Settings) {
    settings.mail.interval = Duration::from_millis(100);
}

/// Settings that deliver mail to the SMTP server at `url`.
pub fn with_smtp(url: String) -> impl FnOnce(&mut registry::config::Settings) {
    move |settings| {
        delivering(settings);
        settings.mail.smtp_url = Some(secrecy::SecretString::from(url));
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
