//! Configuration from `REGISTRY_*` environment variables, parsed once at start-up.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `REGISTRY_DATABASE_URL` | `sqlite://data/registry.db` | `sqlite://PATH` or `postgres://…` |
//! | `REGISTRY_BIND` | `127.0.0.1:8080` | address the HTTP server listens on |
//! | `REGISTRY_METRICS_BIND` | `127.0.0.1:9464` | address `/metrics` is served on, apart from the service (scrapers only: it shows regulator activity) |
//! | `REGISTRY_KEY_FILE` | `data/registry.key` | key file (see `registry keys generate`) |
//! | `REGISTRY_THRESHOLD` | `5000` | accounts with more followers must register |
//! | `REGISTRY_GRACE_PERIOD` | `30d` | time from crossing the threshold to the deadline |
//! | `REGISTRY_HYSTERESIS` | `30d` | time at or below the threshold before `not_required` |
//! | `REGISTRY_RETENTION` | `180d` | how long identity data outlives its last account |
//! | `REGISTRY_DISCLOSURE_VALIDITY` | `72h` | how long an approved disclosure may be opened |
//! | `REGISTRY_DISCLOSURES_PER_DAY` | `20` | disclosures one official may open in any 24 hours |
//! | `REGISTRY_IDENTIFIER_SEARCHES_PER_DAY` | `10` | requests by identifier one official may file in any 24 hours |
//! | `REGISTRY_REVIEWS_PER_DAY` | `20` | declarations one registrar may check against evidence in any 24 hours |
//! | `REGISTRY_DB_POOL_SIZE` | `8` | database connections |
//! | `REGISTRY_PLATFORM_RATE_LIMIT` | `100` | API requests per second per platform token (bursts of twice that) |
//! | `REGISTRY_JOB_INTERVAL` | `1s` | how often due status changes are stored and the key file is checked for a rotation |
//! | `REGISTRY_CHECKPOINT_INTERVAL` | `1m` | how often `serve` adds new audit entries to the log's Merkle tree and signs a checkpoint (only when there are new entries) |
//! | `REGISTRY_STATUS_HEAD_INTERVAL` | `30s` | how often `serve` signs each platform's head statement (its newest change, and when); at most `1m` |
//! | `REGISTRY_WITNESSES` | (none) | witnesses that cosign the audit log's checkpoints (C2SP tlog-witness), comma-separated `URL KEY` pairs: the witness's address and its public key as `registry witness serve` prints it |
//! | `REGISTRY_WITNESS_QUORUM` | all the witnesses | how many must cosign a checkpoint before `/log/checkpoint` publishes it |
//! | `REGISTRY_LOG_ORIGIN` | `localhost/registry-audit` | the audit log's name in its checkpoints and its key's name, a schema-less URL such as `registry.gov.kz/audit`: witnesses and mirrors know the log by it, so set it once |
//! | `REGISTRY_WATCH_INTERVAL` | `1m` | how often failed official logins under usernames that do not exist are written to the audit log (one count per client address block, /24 or /48) and each official's daily volumes are measured |
//! | `REGISTRY_ALERT_FRACTION` | `0.8` | share of a daily limit (or of the failed logins that lock an official out) past which an official's volume is logged at warn level |
//! | `REGISTRY_RETENTION_INTERVAL` | `1h` | how often `serve` crypto-shreds identities past retention and queues the owner notices that fell due |
//! | `REGISTRY_ARGON2_CONCURRENCY` | half the cores (at least 1) | owner identifications hashing at once; more are asked to retry |
//! | `REGISTRY_CLAIM_ATTEMPTS_PER_MINUTE` | `10` | failed owner claims per client address a minute (raise it behind carrier-grade NAT) |
//! | `REGISTRY_PUBLIC_URL` | `http://` + the bind address | the address owners reach the service at, for links in mail; `https://` makes cookies `Secure` (with `__Host-` names) and turns on HSTS |
//! | `REGISTRY_HELP_CONTACT` | (none) | where owners get help, such as `1414 or help@registry.gov.kz`: shown on the home, claim and identification pages |
//! | `REGISTRY_TRUSTED_PROXIES` | (none) | comma-separated addresses or CIDR blocks of reverse proxies whose `X-Forwarded-For` is believed; otherwise the peer address is the client's |
//! | `REGISTRY_SMTP_URL` | (none: mail is written to files) | `smtps://user:pass@host:465` (implicit TLS), `smtp://user:pass@host:587?tls=required` (STARTTLS) |
//! | `REGISTRY_MAIL_FROM` | `Registry <registry@localhost>` | the sender of owner mail |
//! | `REGISTRY_SMTP_TIMEOUT` | `20s` | how long one SMTP conversation may take before it counts as failed |
//! | `REGISTRY_MAIL_DIR` | `data/outbox` | where mail goes as `.eml` files when no SMTP server is set |
//! | `REGISTRY_MAIL_INTERVAL` | `1s` | how often `serve` looks for mail to send |
//! | `REGISTRY_MAIL_RETRY` | `30s` | the wait after a failed delivery; it doubles with each failure, up to an hour |
//! | `REGISTRY_WEBHOOK_ALLOW` | (none) | comma-separated addresses or CIDR blocks that webhook endpoints may resolve to although they are private, loopback or link-local (a platform on a private link); everything else that is not a public address is refused |
//! | `REGISTRY_WEBHOOK_ALLOW_HTTP` | `false` | `true` accepts plain `http://` webhook endpoints: for development only |
//! | `REGISTRY_WEBHOOK_CONCURRENCY` | `8` | webhook rounds each node sends at once (one endpoint each, up to 8 deliveries at a time; platforms with deliveries waiting share them equally) |
//! | `REGISTRY_LOG` | `info` | log filter (`tracing` directives, e.g. `registry=debug`) |
//! | `REGISTRY_LOG_FORMAT` | `text` | `text` or `json` |
//!
//! Only the default key-file location may be created on first start, and only
//! for SQLite; a configured key file that is missing is an error.

pub use crate::domain::AddressBlock;
use crate::domain::{DailyLimits, RegistryPolicy};
use crate::telemetry::LogFormat;
use chrono::TimeDelta;
use secrecy::SecretString;
use std::net::SocketAddr;
use std::path::PathBuf;

const DEFAULT_DATABASE_URL: &str = "sqlite://data/registry.db";
const DEFAULT_KEY_FILE: &str = "data/registry.key";

/// A variable that could not be used. Never echoes the value: a URL may hold a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

/// Where the data lives; the variant decides the diesel backend.
#[derive(Debug, Clone)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    /// Kept secret: the URL may contain a password.
    Postgres(SecretString),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("a sqlite:// URL needs a file path, e.g. sqlite://data/registry.db".into());
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(SecretString::from(url)));
        }
        Err("must start with sqlite:// or postgres://".into())
    }

    /// Safe to log.
    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

/// Where the key file is, and whether the operator named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFileLocation {
    pub path: PathBuf,
    /// False when the default applies: only then may a development key file be generated.
    pub configured: bool,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: DatabaseUrl,
    pub bind: SocketAddr,
    /// Where `/metrics` is served: its own listener, loopback unless set,
    /// so that regulator activity is not public.
    pub metrics_bind: SocketAddr,
    pub key_file: KeyFileLocation,
    pub policy: RegistryPolicy,
    pub db_pool_size: u32,
    pub platform_rate_limit: std::num::NonZeroU32,
    pub job_interval: TimeDelta,
    pub checkpoint_interval: TimeDelta,
    /// How often each platform's head statement is signed: at most a minute.
    pub status_head_interval: TimeDelta,
    pub log_origin: crate::audit::note::LogOrigin,
    pub witnesses: crate::audit::witnesses::WitnessPolicy,
    /// How often officials are watched: failed logins under unknown
    /// usernames are logged (one count per client address block) and each
    /// official's daily volumes measured.
    pub watch_interval: TimeDelta,
    /// The share of a daily limit past which an official's volume is logged
    /// at warn level, for an operator's alerting.
    pub alert_fraction: f64,
    /// How often `serve` looks for identities past retention.
    pub retention_interval: TimeDelta,
    pub claim_attempts_per_minute: std::num::NonZeroU32,
    pub webhooks: WebhookSettings,
    pub argon2_concurrency: usize,
    pub log_filter: String,
    pub log_format: LogFormat,
    pub public: PublicSettings,
    pub mail: MailSettings,
}

/// How the service is reached from outside.
#[derive(Debug, Clone)]
pub struct PublicSettings {
    /// Scheme and host (and port) owners reach the service at, without a path.
    pub url: url::Url,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<AddressBlock>,
    /// Where owners get help (a telephone number, an address), shown on the public pages.
    pub help_contact: Option<String>,
}

impl PublicSettings {
    /// Behind TLS: cookies are `Secure` with `__Host-` names, and HSTS is sent.
    pub fn is_https(&self) -> bool {
        self.url.scheme() == "https"
    }

    /// An absolute link to `path_and_query` (which starts with `/`).
    pub fn link(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.url.as_str().trim_end_matches('/'))
    }
}

/// How status changes are pushed to platforms' webhook endpoints.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Networks endpoints may be in although they are not public (tests, a platform on a private link).
    pub allow: Vec<AddressBlock>,
    /// Plain `http://` endpoints accepted: for development only.
    pub allow_http: bool,
    /// Rounds (one endpoint each) sent at once by each node.
    pub concurrency: usize,
    /// The wait after a first failed attempt; it doubles with each failure (with jitter), up to six hours.
    pub retry: TimeDelta,
    /// How long a delivery is retried, and how long an endpoint may fail before it is disabled.
    pub give_up_after: TimeDelta,
    /// How long one attempt may take, connection included.
    pub timeout: std::time::Duration,
}

/// Where owner mail goes.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `None`: every message is written as an `.eml` file to `dir` instead.
    pub smtp_url: Option<SecretString>,
    /// How long one SMTP conversation may take before it counts as failed.
    pub smtp_timeout: std::time::Duration,
    pub from: lettre::message::Mailbox,
    pub dir: PathBuf,
    /// The wait after a first failed delivery; it doubles with each failure, up to an hour.
    pub retry: TimeDelta,
    /// How often the outbox is looked at.
    pub interval: std::time::Duration,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let vars = Vars(&lookup);
        let policy = RegistryPolicy {
            threshold: vars.parse("REGISTRY_THRESHOLD", "5000", |s| {
                s.parse::<u32>().map(u64::from).map_err(|_| "must be a whole number from 0 to 4294967295".into())
            })?,
            grace_period: vars.parse("REGISTRY_GRACE_PERIOD", "30d", parse_duration)?,
            hysteresis: vars.parse("REGISTRY_HYSTERESIS", "30d", parse_duration)?,
            retention: vars.parse("REGISTRY_RETENTION", "180d", parse_duration)?,
            disclosure_validity: vars.parse("REGISTRY_DISCLOSURE_VALIDITY", "72h", parse_duration)?,
            daily_limits: DailyLimits {
                disclosures: vars.parse("REGISTRY_DISCLOSURES_PER_DAY", "20", parse_daily_limit)?,
                identifier_searches: vars.parse("REGISTRY_IDENTIFIER_SEARCHES_PER_DAY", "10", parse_daily_limit)?,
                reviews: vars.parse("REGISTRY_REVIEWS_PER_DAY", "20", parse_daily_limit)?,
            },
        };
        let bind: SocketAddr = vars.parse("REGISTRY_BIND", "127.0.0.1:8080", |s| {
            s.parse().map_err(|_| "must be an address like 127.0.0.1:8080".into())
        })?;
        let metrics_bind: SocketAddr = vars.parse("REGISTRY_METRICS_BIND", "127.0.0.1:9464", |s| {
            s.parse().map_err(|_| "must be an address like 127.0.0.1:9464".into())
        })?;
        let log_filter = vars.parse("REGISTRY_LOG", "info", |s| {
            tracing_subscriber::EnvFilter::try_new(s)
                .map(|_| s.to_owned())
                .map_err(|_| "is not a valid log filter".into())
        })?;
        Ok(Self {
            database_url: vars.parse("REGISTRY_DATABASE_URL", DEFAULT_DATABASE_URL, DatabaseUrl::parse)?,
            bind,
            metrics_bind,
            key_file: match vars.get("REGISTRY_KEY_FILE") {
                Some(path) => KeyFileLocation { path: PathBuf::from(path), configured: true },
                None => KeyFileLocation { path: PathBuf::from(DEFAULT_KEY_FILE), configured: false },
            },
            policy,
            db_pool_size: vars.parse("REGISTRY_DB_POOL_SIZE", "8", |s| match s.parse::<u32>() {
                Ok(n @ 1..=64) => Ok(n),
                _ => Err("must be a whole number from 1 to 64".into()),
            })?,
            platform_rate_limit: vars.parse("REGISTRY_PLATFORM_RATE_LIMIT", "100", |s| {
                s.parse().map_err(|_| "must be a whole number of requests per second, at least 1".into())
            })?,
            job_interval: vars.parse("REGISTRY_JOB_INTERVAL", "1s", parse_duration)?,
            checkpoint_interval: vars.parse("REGISTRY_CHECKPOINT_INTERVAL", "1m", parse_duration)?,
            status_head_interval: vars.parse("REGISTRY_STATUS_HEAD_INTERVAL", "30s", |s| {
                // A platform shows a statement was current with a head at most this old.
                parse_duration(s)
                    .and_then(|d| if d <= TimeDelta::minutes(1) { Ok(d) } else { Err("must be at most 1m".into()) })
            })?,
            log_origin: vars.parse(
                "REGISTRY_LOG_ORIGIN",
                "localhost/registry-audit",
                crate::audit::note::LogOrigin::parse,
            )?,
            witnesses: {
                use crate::audit::witnesses::WitnessPolicy;
                let witnesses = vars.parse("REGISTRY_WITNESSES", "", WitnessPolicy::parse_witnesses)?;
                let all = witnesses.len().to_string();
                let quorum =
                    vars.parse("REGISTRY_WITNESS_QUORUM", &all, |q| WitnessPolicy::parse_quorum(q, witnesses.len()))?;
                WitnessPolicy { witnesses, quorum }
            },
            retention_interval: vars.parse("REGISTRY_RETENTION_INTERVAL", "1h", parse_duration)?,
            watch_interval: vars.parse("REGISTRY_WATCH_INTERVAL", "1m", parse_duration)?,
            alert_fraction: vars.parse("REGISTRY_ALERT_FRACTION", "0.8", |s| match s.parse::<f64>() {
                Ok(f) if f > 0.0 && f <= 1.0 => Ok(f),
                _ => Err("must be a number above 0 and at most 1, such as 0.8".into()),
            })?,
            claim_attempts_per_minute: vars.parse("REGISTRY_CLAIM_ATTEMPTS_PER_MINUTE", "10", |s| {
                s.parse().map_err(|_| "must be a whole number of attempts, at least 1".into())
            })?,
            argon2_concurrency: {
                // Half the cores: a burst of identifications leaves the rest to status reads.
                let half = std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)).to_string();
                vars.parse("REGISTRY_ARGON2_CONCURRENCY", &half, |s| match s.parse::<usize>() {
                    Ok(n @ 1..=256) => Ok(n),
                    _ => Err("must be a whole number from 1 to 256".into()),
                })?
            },
            log_filter,
            log_format: vars.parse("REGISTRY_LOG_FORMAT", "text", |s| match s {
                "text" => Ok(LogFormat::Text),
                "json" => Ok(LogFormat::Json),
                _ => Err("must be text or json".into()),
            })?,
            public: public_settings(&vars, bind)?,
            mail: mail_settings(&vars)?,
            webhooks: WebhookSettings {
                allow: vars.parse("REGISTRY_WEBHOOK_ALLOW", "", |s| {
                    s.split(',').map(str::trim).filter(|r| !r.is_empty()).map(AddressBlock::parse).collect()
                })?,
                allow_http: vars.parse("REGISTRY_WEBHOOK_ALLOW_HTTP", "false", |s| match s {
                    "true" => Ok(true),
                    "false" => Ok(false),
                    _ => Err("must be true or false".into()),
                })?,
                concurrency: vars.parse("REGISTRY_WEBHOOK_CONCURRENCY", "8", |s| match s.parse::<usize>() {
                    Ok(n @ 1..=256) => Ok(n),
                    _ => Err("must be a whole number from 1 to 256".into()),
                })?,
                retry: TimeDelta::seconds(5),
                give_up_after: TimeDelta::days(3),
                timeout: std::time::Duration::from_secs(10),
            },
        })
    }
}

fn public_settings(vars: &Vars<'_>, bind: SocketAddr) -> Result<PublicSettings, ConfigError> {
    Ok(PublicSettings {
        url: vars.parse("REGISTRY_PUBLIC_URL", &format!("http://{bind}"), |s| {
            let url = url::Url::parse(s).map_err(|_| "must be a URL like https://registry.example.kz".to_string())?;
            let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
            if !matches!(url.scheme(), "http" | "https") || !bare || url.host().is_none() {
                return Err("must be http:// or https:// and a host, without a path".into());
            }
            Ok(url)
        })?,
        trusted_proxies: vars.parse("REGISTRY_TRUSTED_PROXIES", "", |s| {
            s.split(',').map(str::trim).filter(|p| !p.is_empty()).map(AddressBlock::parse).collect()
        })?,
        help_contact: match vars.get("REGISTRY_HELP_CONTACT") {
            Some(text) if text.chars().count() > 200 || text.chars().any(char::is_control) => {
                return Err(ConfigError {
                    var: "REGISTRY_HELP_CONTACT",
                    reason: "must be at most 200 characters on one line".into(),
                });
            }
            contact => contact,
        },
    })
}

fn mail_settings(vars: &Vars<'_>) -> Result<MailSettings, ConfigError> {
    Ok(MailSettings {
        smtp_url: vars
            .get("REGISTRY_SMTP_URL")
            .map(|s| match s.starts_with("smtp://") || s.starts_with("smtps://") {
                true => Ok(SecretString::from(s)),
                false => {
                    Err(ConfigError { var: "REGISTRY_SMTP_URL", reason: "must start with smtp:// or smtps://".into() })
                }
            })
            .transpose()?,
        smtp_timeout: vars
            .parse("REGISTRY_SMTP_TIMEOUT", "20s", parse_duration)?
            .to_std()
            .map_err(|_| ConfigError { var: "REGISTRY_SMTP_TIMEOUT", reason: "must be positive".into() })?,
        from: vars.parse("REGISTRY_MAIL_FROM", "Registry <registry@localhost>", |s| {
            s.parse().map_err(|_| "must be an address like Registry <registry@example.kz>".into())
        })?,
        dir: PathBuf::from(vars.get("REGISTRY_MAIL_DIR").unwrap_or_else(|| "data/outbox".into())),
        retry: vars.parse("REGISTRY_MAIL_RETRY", "30s", parse_duration)?,
        interval: vars
            .parse("REGISTRY_MAIL_INTERVAL", "1s", parse_duration)?
            .to_std()
            .map_err(|_| ConfigError { var: "REGISTRY_MAIL_INTERVAL", reason: "must be positive".into() })?,
    })
}

/// Variable lookup where an empty value counts as unset.
struct Vars<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Vars<'_> {
    fn get(&self, name: &str) -> Option<String> {
        (self.0)(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    fn parse<T>(
        &self,
        name: &'static str,
        default: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        parse(self.get(name).as_deref().unwrap_or(default)).map_err(|reason| ConfigError { var: name, reason })
    }
}

/// A daily limit: 0 switches the action off for everyone.
fn parse_daily_limit(input: &str) -> Result<u32, String> {
    match input.parse() {
        Ok(n @ 0..=10_000) => Ok(n),
        _ => Err("must be a whole number from 0 to 10000".into()),
    }
}

/// Parses a positive duration in human form: `30d`, `72h`, `2s`, `1h 30m`.
pub fn parse_duration(input: &str) -> Result<TimeDelta, String> {
    let std = humantime::parse_duration(input).map_err(|_| "must be a duration like 30d, 72h or 2s".to_string())?;
    let delta = TimeDelta::from_std(std).map_err(|_| "is too long".to_string())?;
    if delta < TimeDelta::seconds(1) {
        return Err("must be at least 1s".into());
    }
    Ok(delta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_need_no_set_up() {
        let s = settings(&[]).unwrap();
        assert!(matches!(&s.database_url, DatabaseUrl::Sqlite(p) if p == &PathBuf::from("data/registry.db")));
        assert_eq!(s.bind, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(s.key_file, KeyFileLocation { path: "data/registry.key".into(), configured: false });
        assert_eq!(s.policy, RegistryPolicy::default());
        assert_eq!(s.log_format, LogFormat::Text);
    }

    #[test]
    fn durations_are_read_in_human_form() {
        let s = settings(&[("REGISTRY_GRACE_PERIOD", "2s"), ("REGISTRY_HYSTERESIS", "1h 30m")]).unwrap();
        assert_eq!(s.policy.grace_period, TimeDelta::seconds(2));
        assert_eq!(s.policy.hysteresis, TimeDelta::minutes(90));
    }

    #[test]
    fn daily_limits_default_to_twenty_ten_and_twenty_and_may_be_zero() {
        let s = settings(&[]).unwrap();
        let limits = s.policy.daily_limits;
        assert_eq!((limits.disclosures, limits.identifier_searches, limits.reviews), (20, 10, 20));
        let s = settings(&[("REGISTRY_IDENTIFIER_SEARCHES_PER_DAY", "0")]).unwrap();
        assert_eq!(s.policy.daily_limits.identifier_searches, 0);
    }

    #[test]
    fn each_bad_value_is_reported_with_the_variable_name() {
        let cases = [
            ("REGISTRY_DATABASE_URL", "mysql://registry:hunter2@localhost/registry"),
            ("REGISTRY_DATABASE_URL", "sqlite://"),
            ("REGISTRY_BIND", "localhost"),
            ("REGISTRY_THRESHOLD", "-5"),
            ("REGISTRY_THRESHOLD", "5k"),
            ("REGISTRY_GRACE_PERIOD", "thirty days"),
            ("REGISTRY_HYSTERESIS", "0s"),
            ("REGISTRY_RETENTION", "180"),
            ("REGISTRY_DISCLOSURE_VALIDITY", "-1h"),
            ("REGISTRY_DISCLOSURES_PER_DAY", "twenty"),
            ("REGISTRY_IDENTIFIER_SEARCHES_PER_DAY", "10001"),
            ("REGISTRY_DB_POOL_SIZE", "0"),
            ("REGISTRY_PLATFORM_RATE_LIMIT", "0"),
            ("REGISTRY_JOB_INTERVAL", "soon"),
            ("REGISTRY_CLAIM_ATTEMPTS_PER_MINUTE", "0"),
            ("REGISTRY_ARGON2_CONCURRENCY", "0"),
            ("REGISTRY_LOG_FORMAT", "xml"),
            ("REGISTRY_LOG", "registry=[bad"),
            ("REGISTRY_PUBLIC_URL", "ftp://registry.example.kz"),
            ("REGISTRY_TRUSTED_PROXIES", "proxy.internal"),
            ("REGISTRY_SMTP_URL", "mail.example.kz:25"),
            ("REGISTRY_MAIL_FROM", "not an address"),
        ];
        for (var, value) in cases {
            let err = settings(&[(var, value)]).unwrap_err();
            assert_eq!(err.var, var, "{var}={value}");
            assert!(!err.to_string().contains("hunter2"), "the message must not echo the value: {err}");
        }
    }

    #[test]
    fn a_postgres_url_is_kept_out_of_debug_output() {
        let s = settings(&[("REGISTRY_DATABASE_URL", "postgres://registry:hunter2@db/registry")]).unwrap();
        assert_eq!(s.database_url.backend_name(), "postgres");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn the_public_url_decides_secure_cookies_and_trusted_proxies_are_address_blocks() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.public.url.as_str(), "http://127.0.0.1:8080/");
        assert!(!s.public.is_https());
        assert_eq!(s.public.link("/my/reset?token=x"), "http://127.0.0.1:8080/my/reset?token=x");
        let s = settings(&[
            ("REGISTRY_PUBLIC_URL", "https://registry.example.kz"),
            ("REGISTRY_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.7,::1"),
        ])
        .unwrap();
        assert!(s.public.is_https());
        let trusted = |a: &str| s.public.trusted_proxies.iter().any(|b| b.contains(a.parse().unwrap()));
        assert!(trusted("10.200.3.4") && trusted("192.168.1.7") && trusted("::1"));
        assert!(!trusted("11.0.0.1") && !trusted("192.168.1.8") && !trusted("::2"));
        assert!(AddressBlock::parse("0.0.0.0/0").unwrap().contains("203.0.113.9".parse().unwrap()));
        for bad in [("REGISTRY_PUBLIC_URL", "https://x.kz/registry"), ("REGISTRY_TRUSTED_PROXIES", "10.0.0.0/33")] {
            assert_eq!(settings(&[bad]).unwrap_err().var, bad.0);
        }
    }

    #[test]
    fn a_configured_key_file_is_marked_as_such() {
        let s = settings(&[("REGISTRY_KEY_FILE", "/run/secrets/registry.key")]).unwrap();
        assert!(s.key_file.configured);
    }
}
