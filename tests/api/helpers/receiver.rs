//! A platform's webhook receiver: a real HTTP server on 127.0.0.2 (an
//! address the tests allow-list, so that 127.0.0.1 stays refused) that
//! records what it is sent, and can fail on purpose.

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How the receiver answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// Answers 500 (after recording, as a crashing receiver might).
    Fail,
    /// Answers after three seconds: longer than the tests' delivery timeout.
    Hang,
    /// Accepts after a fifth of a second.
    Slow,
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

#[derive(Default)]
struct Shared {
    mode: Mutex<Option<Mode>>,
    /// Requests answered with a 2xx.
    accepted: Mutex<Vec<Received>>,
    /// When each request arrived and its path, whatever the answer.
    arrivals: Mutex<Vec<(Instant, String)>>,
}

pub struct Receiver {
    pub port: u16,
    shared: Arc<Shared>,
}

pub const RECEIVER_HOST: &str = "127.0.0.2";

impl Receiver {
    /// A receiver on a free port that is not listening yet ("down").
    pub fn down() -> Self {
        let port = std::net::TcpListener::bind((RECEIVER_HOST, 0)).unwrap().local_addr().unwrap().port();
        Self { port, shared: Arc::default() }
    }

    /// A receiver accepting everything.
    pub async fn start() -> Self {
        let receiver = Self::down();
        receiver.listen(Mode::Accept);
        receiver
    }

    pub fn url(&self) -> String {
        format!("http://{RECEIVER_HOST}:{}/hooks", self.port)
    }

    /// Starts listening (once), answering as `mode` says.
    pub fn listen(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = Some(mode);
        let shared = self.shared.clone();
        let server = HttpServer::new(move || {
            App::new().app_data(web::Data::from(shared.clone())).default_service(web::to(receive))
        })
        .workers(1)
        .bind((RECEIVER_HOST, self.port))
        .unwrap()
        .run();
        actix_web::rt::spawn(server);
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = Some(mode);
    }

    pub fn accepted(&self) -> Vec<Received> {
        self.shared.accepted.lock().unwrap().clone()
    }

    pub fn requests_seen(&self) -> usize {
        self.shared.arrivals.lock().unwrap().len()
    }

    /// When each request arrived and its path, in order.
    pub fn arrivals(&self) -> Vec<(Instant, String)> {
        self.shared.arrivals.lock().unwrap().clone()
    }

    /// Waits until at least `n` deliveries were accepted; returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let accepted = self.accepted();
            if accepted.len() >= n {
                return accepted;
            }
            assert!(Instant::now() < deadline, "{} of {n} deliveries arrived", accepted.len());
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until at least `n` requests arrived, whatever they were answered.
    pub async fn wait_for_requests(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.requests_seen() < n {
            assert!(Instant::now() < deadline, "{} of {n} requests arrived", self.requests_seen());
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    shared.arrivals.lock().unwrap().push((Instant::now(), req.path().to_owned()));
    let mode = shared.mode.lock().unwrap().unwrap_or(Mode::Accept);
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    if mode == Mode::Slow {
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    match mode {
        Mode::Accept | Mode::Slow => {
            shared.accepted.lock().unwrap().push(Received {
                id: header("webhook-id"),
                timestamp: header("webhook-timestamp"),
                signature: header("webhook-signature"),
                body: String::from_utf8(body.to_vec()).unwrap(),
            });
            HttpResponse::NoContent().finish()
        }
        Mode::Fail => HttpResponse::InternalServerError().body("receiver broke"),
        Mode::Hang => {
            actix_web::rt::time::sleep(Duration::from_secs(3)).await;
            HttpResponse::Ok().finish()
        }
    }
}

/// Checks every message's signatures with `tests/support/verify_webhooks.py`
/// (Python's hmac and cryptography): each must verify under each secret given.
pub fn verify_with_python(messages: &[Received], secrets: &[&str]) {
    let file = tempfile::NamedTempFile::new().unwrap();
    let messages: Vec<_> = messages
        .iter()
        .map(|m| serde_json::json!({ "id": m.id, "timestamp": m.timestamp, "signature": m.signature, "body": m.body }))
        .collect();
    std::fs::write(file.path(), serde_json::json!({ "secrets": secrets, "messages": messages }).to_string()).unwrap();
    let out = std::process::Command::new("/usr/bin/python3")
        .arg("tests/support/verify_webhooks.py")
        .arg(file.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), messages.len().to_string());
}
