//! The `registry` command line. Every subcommand runs the same library code
//! the service runs.

mod audit;
mod backup;
mod demo;
mod keys;
mod official;
mod platform;
mod retention;
mod seed;
mod serve;
mod statement;
mod witness;

use crate::config::{ConfigError, Settings};
use crate::db::DbError;
use crate::startup::StartupError;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "registry",
    version,
    about = "Identification registry for anonymous accounts over the follower threshold"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP service (the default). Applies pending migrations first.
    Serve {
        /// Create a demo platform and demo officials and print fresh credentials for them.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Write a consistent copy of the database to FILE while the service runs (the key file is not in it).
    Backup {
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Put a backup into a new SQLite file or an empty PostgreSQL database, then verify its audit log.
    Restore {
        #[arg(long)]
        from: std::path::PathBuf,
    },
    /// Verify the audit log, or sign a checkpoint of it.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Check a status answer's signature offline.
    Statement {
        #[command(subcommand)]
        command: StatementCommand,
    },
    /// Run a witness of other registries' audit logs (C2SP tlog-witness), for an outside body.
    Witness {
        #[command(subcommand)]
        command: WitnessCommand,
    },
    /// Create the key file; rotate, re-wrap, list and retire master keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Apply the retention rule.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Manage platforms.
    Platform {
        #[command(subcommand)]
        command: PlatformCommand,
    },
    /// Manage regulator officials.
    Official {
        #[command(subcommand)]
        command: OfficialCommand,
    },
    /// Create a synthetic dataset for tests and benchmarks: platforms seed-1…seed-P and N accounts.
    Seed {
        /// How many accounts to add.
        #[arg(long, default_value_t = 100_000)]
        accounts: usize,
        /// Over how many platforms (their tokens are re-issued and printed).
        #[arg(long, default_value_t = 1)]
        platforms: usize,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain, the Merkle tree and every signed checkpoint; names the first bad entry.
    Verify {
        /// Also check the log against a checkpoint kept elsewhere (a C2SP signed note, as
        /// `GET /log/checkpoint` serves it): finds entries deleted, changed or cut off since.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// The log's public key (as `registry audit log-key` prints it) to check that
        /// checkpoint with [default: this deployment's key].
        #[arg(long, requires = "checkpoint")]
        key: Option<String>,
        /// A mirror made by `registry audit mirror`, to name the first entry that differs from it.
        #[arg(long, requires = "checkpoint")]
        mirror: Option<PathBuf>,
    },
    /// Sign the current head of the chain and of the Merkle tree with the deployment's Ed25519 key.
    Checkpoint,
    /// Print the log's public key in signed-note form, for witnesses and mirrors.
    LogKey,
    /// Check a proof an owner downloaded (C2SP tlog-proof) offline, and say what it proves.
    VerifyProof {
        /// The proof file (`registry-entry-N.tlog-proof`).
        file: PathBuf,
        /// The log's public key, as `registry audit log-key` prints it and the transparency page shows it.
        #[arg(long)]
        key: String,
        /// A witness's public key, as `registry witness serve` prints it (repeatable).
        #[arg(long = "witness")]
        witnesses: Vec<String>,
        /// How many of those witnesses must have cosigned [default: all of them].
        #[arg(long)]
        quorum: Option<usize>,
    },
    /// Copy a registry's public log (checkpoint and tiles) into a directory, checking every hash
    /// and that the log still extends what was copied before.
    Mirror {
        /// The log's address, such as https://registry.gov.kz/log.
        #[arg(long)]
        url: String,
        /// The mirror's directory (created; later runs bring it up to date).
        #[arg(long)]
        out: PathBuf,
        /// The log's public key, as `registry audit log-key` prints it (needed on the first run;
        /// kept in the mirror).
        #[arg(long)]
        key: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum StatementCommand {
    /// Check the signature of a saved status or head answer with a saved copy of the registry's key
    /// set, and say what the registry said.
    Verify {
        /// The answer, as received: a status, a batch entry, a change or a head (JSON).
        file: PathBuf,
        /// The key set, as `GET /.well-known/registry-keys.json` serves it.
        #[arg(long)]
        keys: PathBuf,
        /// The slug of the platform that read the answer (status answers do not name it).
        #[arg(long)]
        platform: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum WitnessCommand {
    /// Cosign the checkpoints of the logs given, each only if consistent with the last one cosigned.
    /// Prints the witness's public key, then its address.
    Serve {
        /// Where to listen (port 0: any free port).
        #[arg(long, default_value = "127.0.0.1:8090")]
        bind: std::net::SocketAddr,
        /// The witness's name in its cosignatures, a schema-less URL such as ombudsman.kz/witness.
        #[arg(long)]
        name: String,
        /// The witness's private key (created, readable only by its owner, if missing).
        #[arg(long)]
        key_file: PathBuf,
        /// Where the last cosigned checkpoint of each log is kept.
        #[arg(long)]
        state_dir: PathBuf,
        /// A log to follow, by its public key as `registry audit log-key` prints it (repeatable).
        #[arg(long = "log", required = true)]
        logs: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Write a new key file (refuses to overwrite one).
    Generate {
        /// Where to write it [default: REGISTRY_KEY_FILE, or data/registry.key].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Add a new master key version and make it active; running services re-wrap older data with it.
    Rotate,
    /// Re-wrap everything still under older master key versions now (when no service runs).
    Rewrap,
    /// List master key versions and how many data keys and TOTP secrets each still wraps.
    List,
    /// Delete an unused master key version from the key file (refused while anything uses it).
    Retire {
        /// The version number, as `keys list` shows it.
        version: u32,
    },
}

#[derive(Debug, Subcommand)]
enum RetentionCommand {
    /// Crypto-shred every identity whose last account left the registry more than REGISTRY_RETENTION ago.
    Run,
}

#[derive(Debug, Subcommand)]
enum PlatformCommand {
    /// Register a platform and print its API token once.
    Add {
        /// Short name: 2–32 of a-z, 0-9 and '-', starting with a letter.
        #[arg(long)]
        slug: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Where on the platform its users find their claim code, as the claim page should say it.
        #[arg(long)]
        code_location: Option<String>,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Manage a platform's webhook endpoints.
    Webhook {
        #[command(subcommand)]
        command: WebhookCommand,
    },
}

#[derive(Debug, Subcommand)]
enum WebhookCommand {
    /// Register a webhook endpoint for a platform; prints its signing secret (or public key) once.
    Add {
        /// The platform's slug.
        #[arg(long)]
        platform: String,
        /// The endpoint: https:// (http:// only with REGISTRY_WEBHOOK_ALLOW_HTTP=true), resolving to a
        /// public address or one in REGISTRY_WEBHOOK_ALLOW.
        #[arg(long)]
        url: String,
        /// v1 (HMAC-SHA256, a shared secret) or v1a (Ed25519, the platform gets the public key).
        #[arg(long, default_value = "v1")]
        scheme: String,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum OfficialCommand {
    /// Create an official and print a generated password and TOTP secret once.
    Add {
        /// 3–32 of a-z, 0-9, '.', '_' and '-'.
        #[arg(long)]
        username: String,
        /// Comma-separated: requester, approver, auditor, registrar.
        #[arg(long)]
        roles: String,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Give an official a new password and TOTP secret (printed once); their sessions end.
    Reset {
        #[arg(long)]
        username: String,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Stop an official from logging in; their sessions end.
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Let a disabled official log in again.
    Enable {
        #[arg(long)]
        username: String,
    },
    /// An official's sessions.
    Sessions {
        #[command(subcommand)]
        command: SessionsCommand,
    },
}

#[derive(Debug, Subcommand)]
enum SessionsCommand {
    /// End every session of an official at once.
    Revoke {
        #[arg(long)]
        username: String,
    },
}

/// Why a command failed; printed as one line on stderr.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error(transparent)]
    Database(#[from] DbError),
    #[error(transparent)]
    Official(#[from] crate::services::officials::RegisterError),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A migrated connection for commands that need the database but no keys.
fn connect(settings: &Settings) -> Result<r2d2::PooledConnection<crate::db::ConnectionManager>, CliError> {
    let pool = crate::db::open(&settings.database_url, 1)?;
    Ok(pool.get().map_err(DbError::from)?)
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("error: configuration: {e}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init(settings.log_format, &settings.log_filter);
    let result = match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => serve::run(settings, demo),
        Command::Migrate => serve::migrate(&settings),
        Command::Backup { out } => backup::backup(&settings, &out),
        Command::Restore { from } => backup::restore(&settings, &from),
        Command::Audit { command: AuditCommand::Verify { checkpoint, key, mirror } } => {
            audit::verify(&settings, checkpoint.as_deref(), key.as_deref(), mirror.as_deref())
        }
        Command::Audit { command: AuditCommand::Checkpoint } => audit::checkpoint(&settings),
        Command::Audit { command: AuditCommand::LogKey } => audit::log_key(&settings),
        Command::Audit { command: AuditCommand::VerifyProof { file, key, witnesses, quorum } } => {
            audit::verify_proof(&file, &key, &witnesses, quorum)
        }
        Command::Audit { command: AuditCommand::Mirror { url, out, key } } => audit::mirror(&url, &out, key.as_deref()),
        Command::Statement { command: StatementCommand::Verify { file, keys, platform } } => {
            statement::verify(&file, &keys, platform.as_deref())
        }
        Command::Witness { command: WitnessCommand::Serve { bind, name, key_file, state_dir, logs } } => {
            witness::serve(witness::WitnessOptions { bind, name, key_file, state_dir, logs })
        }
        Command::Keys { command: KeysCommand::Generate { out } } => keys::generate(&settings, out),
        Command::Keys { command: KeysCommand::Rotate } => keys::rotate(&settings),
        Command::Keys { command: KeysCommand::Rewrap } => keys::rewrap(&settings),
        Command::Keys { command: KeysCommand::List } => keys::list(&settings),
        Command::Keys { command: KeysCommand::Retire { version } } => keys::retire(&settings, version),
        Command::Retention { command: RetentionCommand::Run } => retention::run(&settings),
        Command::Platform { command: PlatformCommand::Add { slug, name, code_location, json } } => {
            platform::add(&settings, &slug, &name, code_location.as_deref(), json)
        }
        Command::Platform {
            command: PlatformCommand::Webhook { command: WebhookCommand::Add { platform, url, scheme, json } },
        } => platform::add_webhook(&settings, &platform, &url, &scheme, json),
        Command::Official { command: OfficialCommand::Add { username, roles, json } } => {
            official::add(&settings, &username, &roles, json)
        }
        Command::Official { command: OfficialCommand::Reset { username, json } } => {
            official::reset(&settings, &username, json)
        }
        Command::Official { command: OfficialCommand::Disable { username } } => {
            official::set_disabled(&settings, &username, true)
        }
        Command::Official { command: OfficialCommand::Enable { username } } => {
            official::set_disabled(&settings, &username, false)
        }
        Command::Official { command: OfficialCommand::Sessions { command: SessionsCommand::Revoke { username } } } => {
            official::revoke_sessions(&settings, &username)
        }
        Command::Seed { accounts, platforms, json } => seed::run(&settings, accounts, platforms, json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
