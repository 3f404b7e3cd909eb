//! The application log of the whole test run, captured at trace level so
//! that tests can grep it for personal data.

use std::io::Write;
use std::sync::{Arc, LazyLock, Mutex};

/// Everything the app logged during this test run.
pub(super) static CAPTURED_LOGS: LazyLock<Arc<Mutex<Vec<u8>>>> = LazyLock::new(|| {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&buffer);
    let writer = move || CaptureWriter(Arc::clone(&sink));
    let subscriber = registry::telemetry::subscriber(
        registry::telemetry::LogFormat::Json,
        "trace,actix_server=info,actix_http=info,mio=info",
        writer,
        false,
    );
    tracing::subscriber::set_global_default(subscriber).expect("the test binary installs one subscriber");
    buffer
});

struct CaptureWriter(Arc<Mutex<Vec<u8>>>);

impl Write for CaptureWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn captured_logs() -> String {
    String::from_utf8_lossy(&CAPTURED_LOGS.lock().unwrap()).into_owned()
}
