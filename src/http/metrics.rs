//! Prometheus metrics: request counts and latencies per route and status class.

use actix_web::{HttpResponse, web};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::time::Duration;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    /// The route pattern (`/api/v1/accounts/{account_ref}`), never the raw path.
    pub route: String,
    /// `2xx`, `4xx`, …: bounded cardinality.
    pub status: &'static str,
}

/// One official's volume of one kind.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OfficialLabels {
    /// The official's id: there are few officials, so few series.
    pub official: String,
    pub action: &'static str,
}

/// A background job that runs once per interval across the cluster.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    pub job: &'static str,
}

/// One witness's answer to a checkpoint.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WitnessLabels {
    /// The witness's name: configured by the operator, so few series.
    pub witness: String,
    /// `cosigned`, `refused` or `unreachable`.
    pub outcome: &'static str,
}

pub struct Metrics {
    registry: Registry,
    witness_submissions: Family<WitnessLabels, Counter>,
    audit_tree_failures: Counter,
    requests: Family<RouteLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    official_actions: Family<OfficialLabels, Gauge>,
    job_runs: Family<JobLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let requests = Family::<RouteLabels, Counter>::default();
        // 0.1 ms to ~3 s.
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.000_1, 2.0, 16))
        });
        let mut registry = Registry::with_prefix("registry");
        registry.register("http_requests", "HTTP requests handled", requests.clone());
        registry.register("http_request_duration_seconds", "HTTP request latency", latency.clone());
        let official_actions = Family::<OfficialLabels, Gauge>::default();
        registry.register(
            "official_daily_actions",
            "Each official's disclosures, identifier searches, reviews and failed logins in the last 24 hours",
            official_actions.clone(),
        );
        let job_runs = Family::<JobLabels, Counter>::default();
        registry.register(
            "job_runs",
            "Runs of each cluster-wide background job completed by this node (the nodes together run each once per interval)",
            job_runs.clone(),
        );
        let witness_submissions = Family::<WitnessLabels, Counter>::default();
        registry.register(
            "witness_submissions",
            "Checkpoints of the audit log sent to each witness, by outcome (refused: the witness saw a log inconsistent with its past)",
            witness_submissions.clone(),
        );
        let audit_tree_failures = Counter::default();
        registry.register(
            "audit_tree_failures",
            "Times new audit entries could not join the log's Merkle tree because the stored log was changed",
            audit_tree_failures.clone(),
        );
        Self { registry, witness_submissions, audit_tree_failures, requests, latency, official_actions, job_runs }
    }
}

impl Metrics {
    pub fn observe(&self, labels: &RouteLabels, elapsed: Duration) {
        self.requests.get_or_create(labels).inc();
        self.latency.get_or_create(labels).observe(elapsed.as_secs_f64());
    }

    /// Replaces the officials' volumes with a new measurement.
    pub fn set_official_volumes(&self, volumes: &crate::services::watch::Volumes) {
        self.official_actions.clear();
        for (official, counts) in volumes {
            for (watched, count) in counts {
                let labels = OfficialLabels { official: official.to_string(), action: watched.as_str() };
                self.official_actions.get_or_create(&labels).set(*count);
            }
        }
    }

    /// Counts a completed run of a cluster-wide job on this node.
    pub fn job_ran(&self, job: crate::db::repo::job_runs::Job) {
        self.job_runs.get_or_create(&JobLabels { job: job.as_str() }).inc();
    }

    pub fn witness_answered(&self, witness: &str, outcome: &'static str) {
        self.witness_submissions.get_or_create(&WitnessLabels { witness: witness.to_owned(), outcome }).inc();
    }

    pub fn audit_tree_failed(&self) {
        self.audit_tree_failures.inc();
    }

    fn render(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

/// The method as a metric label: the standard ones, and `OTHER` for any
/// other, so a client inventing methods cannot grow the series.
pub fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

pub fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// `GET /metrics` in the OpenMetrics text format, which Prometheus scrapes.
pub async fn metrics(metrics: web::Data<Metrics>) -> HttpResponse {
    match metrics.render() {
        Ok(body) => {
            HttpResponse::Ok().content_type("application/openmetrics-text; version=1.0.0; charset=utf-8").body(body)
        }
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}
