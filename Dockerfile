# syntax=docker/dockerfile:1
# The same toolchain and system packages as .ci/run; a release build.
FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs rustfmt.toml ./
COPY src src
COPY migrations migrations
COPY templates templates
COPY locales locales
COPY static static
COPY benches benches
RUN cargo build --release --locked --bin registry

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/registry --create-home registry \
 && install -d -o registry -g registry -m 0700 /var/lib/registry/data
COPY --from=build /src/target/release/registry /usr/local/bin/registry
USER registry:registry
WORKDIR /var/lib/registry
# SQLite in the data volume by default. For production set REGISTRY_DATABASE_URL
# to PostgreSQL, REGISTRY_KEY_FILE to a mounted secret, REGISTRY_PUBLIC_URL to
# the https:// address owners use (links in mail, Secure cookies, HSTS), and
# REGISTRY_SMTP_URL and REGISTRY_MAIL_FROM for owner mail (without them mail is
# written to data/outbox/ in the volume). Metrics are served on their own
# port, 9464: reachable by a scraper on the container network, never
# published with the service's port (they show regulator activity).
ENV REGISTRY_BIND=0.0.0.0:8080 \
    REGISTRY_METRICS_BIND=0.0.0.0:9464 \
    REGISTRY_DATABASE_URL=sqlite:///var/lib/registry/data/registry.db \
    REGISTRY_LOG_FORMAT=json
VOLUME ["/var/lib/registry/data"]
EXPOSE 8080 9464
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["registry"]
CMD ["serve"]
