//! Assembling the service: keys, database, HTTP server.

use crate::config::{DatabaseUrl, Settings};
use crate::crypto::{KeyFileError, KeyRing};
use crate::db::{self, DbError, Pool};
use crate::domain::RegistryPolicy;
use crate::http::metrics::Metrics;
use crate::http::middleware::{observe, refuse_encoded_bodies, security_headers};
use crate::http::{self, AppState};
use actix_web::dev::Server;
use actix_web::middleware::{Compress, ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, http::StatusCode, web};
use chrono::{TimeDelta, Utc};
use std::net::TcpListener;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Keys(#[from] KeyFileError),
    #[error(
        "key file {0} does not exist; create it with `registry keys generate` \
         (a development key file is generated only for the default SQLite set-up)"
    )]
    MissingKeyFile(String),
    #[error(transparent)]
    Database(#[from] DbError),
    #[error(transparent)]
    Catalogue(#[from] crate::i18n::CatalogueError),
    #[error(transparent)]
    Mail(#[from] crate::mail::deliver::MailSetupError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("cannot start the status mirror's thread: {0}")]
    Mirror(std::io::Error),
    #[error("cannot start the webhook workers' threads: {0}")]
    Webhooks(std::io::Error),
    #[cfg(feature = "unsigned-reads")]
    #[error(
        "this build leaves signatures out of status answers (feature unsigned-reads): it is for benchmarks \
         only and serves only with REGISTRY_UNSIGNED_READS=for-benchmarks-only"
    )]
    UnsignedReads,
}

/// Loads the key file. On a fresh embedded start (default key-file location,
/// SQLite) a development key file is generated, loudly: its keys protect
/// real data only as well as the file itself is protected.
pub fn load_keys(settings: &Settings) -> Result<KeyRing, StartupError> {
    let path = &settings.key_file.path;
    if path.exists() {
        return Ok(KeyRing::load(path)?);
    }
    let embedded = matches!(settings.database_url, DatabaseUrl::Sqlite(_));
    if settings.key_file.configured || !embedded {
        return Err(StartupError::MissingKeyFile(path.display().to_string()));
    }
    let ring = KeyRing::generate(Utc::now());
    ring.create(path)?;
    tracing::warn!(
        key_file = %path.display(),
        "GENERATED A DEVELOPMENT KEY FILE. Anyone who can read it can decrypt the registry's data, and losing it \
         loses the data. For production, create keys with `registry keys generate`, keep them outside the data \
         directory and set REGISTRY_KEY_FILE."
    );
    Ok(ring)
}

/// Keys and a migrated database pool: what every command that touches data needs.
pub fn open_storage(settings: &Settings) -> Result<(KeyRing, Pool), StartupError> {
    let keys = load_keys(settings)?;
    let pool = db::open(&settings.database_url, settings.db_pool_size)?;
    Ok((keys, pool))
}

/// How long a stopping node waits for its background threads: a webhook
/// attempt's timeout and its record, with room to spare.
const THREADS_STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// The HTTP server, bound and ready to run, and its background jobs.
pub struct Application {
    port: u16,
    server: Server,
    metrics_port: u16,
    metrics_server: Server,
    pool: Pool,
    keys: Arc<KeyRing>,
    policy: RegistryPolicy,
    job_interval: TimeDelta,
    checkpoint_interval: TimeDelta,
    status_head_interval: TimeDelta,
    log: (crate::audit::note::LogOrigin, crate::audit::witnesses::WitnessPolicy),
    retention_interval: TimeDelta,
    key_file: std::path::PathBuf,
    mailer: Arc<crate::mail::deliver::Mailer>,
    mail_interval: std::time::Duration,
    watch: crate::jobs::Watch,
    watch_interval: TimeDelta,
    metrics: web::Data<Metrics>,
    /// The status mirror's follower and the webhook workers: stopped and
    /// joined when the server has stopped, or when the application is dropped.
    threads: crate::background::Threads,
}

impl Application {
    /// Binds first, so that port 0 works and [`Application::port`] reports the real port.
    pub fn build(settings: Settings, keys: KeyRing, pool: Pool) -> Result<Self, StartupError> {
        // A build for the benchmark only: never served by accident (`--all-features`).
        #[cfg(feature = "unsigned-reads")]
        {
            if std::env::var("REGISTRY_UNSIGNED_READS").as_deref() != Ok("for-benchmarks-only") {
                return Err(StartupError::UnsignedReads);
            }
            tracing::warn!("BUILT WITH unsigned-reads: status answers carry no signature. For benchmarks only.");
        }
        let bind_err = |source| StartupError::Bind { addr: settings.bind.to_string(), source };
        let listener = TcpListener::bind(settings.bind).map_err(bind_err)?;
        let port = listener.local_addr().map_err(bind_err)?.port();
        let metrics_err = |source| StartupError::Bind { addr: settings.metrics_bind.to_string(), source };
        let metrics_listener = TcpListener::bind(settings.metrics_bind).map_err(metrics_err)?;
        let metrics_port = metrics_listener.local_addr().map_err(metrics_err)?.port();
        // Bursts of two seconds' worth: a poller catching up after a pause is not punished.
        const BURST_SECONDS: std::num::NonZeroU32 = std::num::NonZeroU32::new(2).unwrap();
        let rate = settings.platform_rate_limit;
        let (policy, job_interval) = (settings.policy.clone(), settings.job_interval);
        let (checkpoint_interval, retention_interval) = (settings.checkpoint_interval, settings.retention_interval);
        let key_file = settings.key_file.path.clone();
        let status_head_interval = settings.status_head_interval;
        let log = (settings.log_origin.clone(), settings.witnesses.clone());
        // Parsed once: the pages and the mail worker read the same catalogues.
        let catalogues = Arc::new(crate::i18n::Catalogues::load()?);
        let mailer = crate::mail::deliver::Mailer::new(&settings.mail, &settings.public, catalogues.clone())?;
        let (mailer, mail_interval) = (Arc::new(mailer), settings.mail.interval);
        let keys = Arc::new(keys);
        let claim_limits = crate::http::limits::ClaimLimits::new(settings.claim_attempts_per_minute);
        let https = settings.public.is_https();
        let cookies = crate::http::pages::cookies::Cookies { secure: https };
        let argon2_concurrency = settings.argon2_concurrency;
        let login_limits = Arc::new(crate::http::limits::LoginLimits::default());
        let watch_interval = settings.watch_interval;
        let (policy_limits, alert_fraction) = (settings.policy.daily_limits, settings.alert_fraction);
        let quota = governor::Quota::per_second(rate).allow_burst(rate.saturating_mul(BURST_SECONDS));
        let mut threads = crate::background::Threads::default();
        let statuses = Arc::new(crate::status_mirror::StatusMirror::default());
        crate::status_mirror::follow(&mut threads, &statuses, settings.database_url.clone())
            .map_err(StartupError::Mirror)?;
        // Their own connections: a flood of deliveries never takes one a status read's token lookup needs.
        let workers = u32::try_from(settings.webhooks.concurrency.min(4)).unwrap_or(4);
        let webhook_pool = crate::db::worker_pool(&settings.database_url, workers);
        let webhooks = crate::webhooks::start(&mut threads, webhook_pool, keys.clone(), &settings.webhooks)
            .map_err(StartupError::Webhooks)?;
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            keys: keys.clone(),
            settings: Arc::new(settings),
            platform_limiter: governor::RateLimiter::dashmap(quota),
            token_cache: Default::default(),
            catalogues,
            report_cache: Default::default(),
            claim_limits,
            sign_in_limits: Default::default(),
            lost_key_limits: Default::default(),
            argon2_gate: crate::http::limits::WorkGate::new(argon2_concurrency),
            login_limits: login_limits.clone(),
            // Room for two at once even on two cores: an official is not kept waiting by one other login.
            login_gate: crate::http::limits::WorkGate::new(argon2_concurrency.max(2)),
            cookies,
            statuses,
            lookup_gate: crate::http::limits::WorkGate::new(4),
            webhooks,
        });
        let metrics = web::Data::new(Metrics::default());
        let metrics_data = metrics.clone();
        let metrics_server = {
            let metrics = metrics.clone();
            HttpServer::new(move || {
                App::new()
                    .app_data(metrics.clone())
                    .service(web::resource("/metrics").route(web::get().to(crate::http::metrics::metrics)))
                    .wrap(ErrorHandlers::new().handler(StatusCode::METHOD_NOT_ALLOWED, http::error::method_not_allowed))
            })
            .workers(1)
            .shutdown_timeout(1)
            .listen(metrics_listener)
            .map_err(|source| StartupError::Bind { addr: format!("port {metrics_port}"), source })?
            .run()
        };
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(metrics.clone())
                .configure(http::configure)
                .wrap(ErrorHandlers::new().handler(StatusCode::METHOD_NOT_ALLOWED, http::error::method_not_allowed))
                .wrap(Compress::default())
                .wrap(from_fn(refuse_encoded_bodies))
                .wrap(from_fn(observe))
                .wrap(security_headers(https))
        })
        .shutdown_timeout(5)
        .listen(listener)
        .map_err(|source| StartupError::Bind { addr: format!("port {port}"), source })?
        .run();
        Ok(Self {
            port,
            server,
            metrics_port,
            metrics_server,
            pool,
            keys,
            policy,
            job_interval,
            checkpoint_interval,
            status_head_interval,
            log,
            retention_interval,
            key_file,
            mailer,
            mail_interval,
            watch: crate::jobs::Watch { login_limits, limits: policy_limits, alert_fraction },
            watch_interval,
            metrics: metrics_data,
            threads,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port `/metrics` is served on.
    pub fn metrics_port(&self) -> u16 {
        self.metrics_port
    }

    /// Serves until the process is told to stop (SIGINT/SIGTERM).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        use crate::jobs;
        let metrics = actix_web::rt::spawn(self.metrics_server);
        let jobs = [
            actix_web::rt::spawn(jobs::run_transitions(
                self.pool.clone(),
                self.metrics.clone(),
                self.keys.clone(),
                self.policy.clone(),
                self.job_interval,
            )),
            actix_web::rt::spawn(jobs::run_checkpoints(
                self.pool.clone(),
                self.metrics.clone(),
                self.keys.clone(),
                self.log,
                self.checkpoint_interval,
            )),
            actix_web::rt::spawn(jobs::run_status_heads(
                self.pool.clone(),
                self.metrics.clone(),
                self.keys.clone(),
                self.status_head_interval,
            )),
            actix_web::rt::spawn(jobs::run_retention(
                self.pool.clone(),
                self.metrics.clone(),
                self.keys.clone(),
                self.policy,
                self.retention_interval,
            )),
            actix_web::rt::spawn(jobs::run_mail(self.pool.clone(), self.keys.clone(), self.mailer, self.mail_interval)),
            actix_web::rt::spawn(jobs::run_watch(
                self.pool.clone(),
                self.metrics.clone(),
                self.watch,
                self.watch_interval,
            )),
            actix_web::rt::spawn(jobs::run_key_maintenance(
                self.pool,
                self.metrics,
                self.keys,
                self.key_file,
                self.job_interval,
            )),
        ];
        let result = self.server.await;
        for job in jobs {
            job.abort();
        }
        metrics.abort();
        // Joining waits for a webhook attempt in flight: not on the runtime's
        // thread, and not for ever (a thread stuck on an unreachable database
        // ends with the process; what it had not recorded is sent again).
        let threads = self.threads;
        let joined = actix_web::rt::task::spawn_blocking(move || drop(threads));
        match actix_web::rt::time::timeout(THREADS_STOP_WAIT, joined).await {
            Ok(joined) => joined.map_err(std::io::Error::other)?,
            Err(_) => tracing::warn!(
                seconds = THREADS_STOP_WAIT.as_secs(),
                "background threads were still busy; exiting without waiting longer"
            ),
        }
        result
    }
}
