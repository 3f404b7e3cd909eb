//! Logging with `tracing`: human-readable by default, JSON for collectors.
//!
//! The rules for what may be logged are in `docs/LOGGING.md`: ids, slugs,
//! counts and durations; never a token, identifier, name, e-mail or IP address.

use std::io::IsTerminal;
use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Builds the subscriber; `writer` is stderr in the service and a buffer in
/// tests. Colours only when a person is watching a terminal.
pub fn subscriber<W>(format: LogFormat, filter: &str, writer: W, ansi: bool) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    // The filter was validated with the rest of the configuration.
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer).with_ansi(ansi);
    match format {
        LogFormat::Text => Box::new(builder.finish()),
        LogFormat::Json => Box::new(builder.json().with_current_span(true).with_span_list(false).finish()),
    }
}

/// Installs the process-wide subscriber, writing to stderr so that stdout
/// carries only what commands print on purpose (credentials, `--json` output).
pub fn init(format: LogFormat, filter: &str) {
    // A second call (only possible in tests) keeps the first subscriber.
    let ansi = format == LogFormat::Text && std::io::stderr().is_terminal();
    let _ = tracing::subscriber::set_global_default(subscriber(format, filter, std::io::stderr, ansi));
}
