//! `registry witness serve`: a C2SP tlog-witness, for an outside body to run
//! with its own key. Prints its public key, then the address it listens on.

use super::CliError;
use crate::audit::note::WitnessKey;
use crate::witness::{Refusal, Witness};
use actix_web::{App, HttpResponse, HttpServer, web};
use data_encoding::BASE64;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// What `registry witness serve` is given.
pub struct WitnessOptions {
    pub bind: SocketAddr,
    pub name: String,
    pub key_file: PathBuf,
    pub state_dir: PathBuf,
    pub logs: Vec<String>,
}

pub fn serve(options: WitnessOptions) -> Result<(), CliError> {
    let key = WitnessKey::new(&options.name, load_or_create_key(&options.key_file)?).map_err(CliError::Invalid)?;
    let witness = Witness::new(key, &options.logs, &options.state_dir).map_err(CliError::Invalid)?;
    let vkey = witness.verifier_key();
    let witness = web::Data::new(witness);
    actix_web::rt::System::new().block_on(async move {
        let server = HttpServer::new(move || {
            App::new()
                .app_data(witness.clone())
                // A checkpoint with its signatures and 63 proof lines is a few kilobytes.
                .app_data(web::PayloadConfig::new(64 * 1024))
                .route("/add-checkpoint", web::post().to(add_checkpoint))
                .route("/{origin_hash}/checkpoint", web::get().to(latest))
        })
        .workers(2)
        .bind(options.bind)?;
        let address = server.addrs().first().copied().unwrap_or(options.bind);
        let mut out = std::io::stdout().lock();
        writeln!(out, "{vkey}")?;
        writeln!(out, "http://{address}")?;
        out.flush()?;
        drop(out);
        tracing::info!(witness = %vkey, address = %address, "witness is listening");
        server.run().await?;
        Ok(())
    })
}

async fn add_checkpoint(witness: web::Data<Witness>, body: web::Bytes) -> HttpResponse {
    let now = chrono::Utc::now().timestamp().try_into().unwrap_or(0);
    let outcome = web::block(move || witness.add_checkpoint(&body, now)).await;
    let refusal = match outcome {
        Ok(Ok(cosignature)) => return HttpResponse::Ok().content_type("text/plain; charset=utf-8").body(cosignature),
        Ok(Err(refusal)) => refusal,
        Err(e) => return HttpResponse::InternalServerError().body(e.to_string()),
    };
    let mut response = match &refusal {
        Refusal::BadRequest(_) => HttpResponse::BadRequest(),
        Refusal::Forbidden(_) => HttpResponse::Forbidden(),
        Refusal::UnknownLog(_) => HttpResponse::NotFound(),
        Refusal::Conflict(size) => {
            return HttpResponse::Conflict().content_type("text/x.tlog.size").body(format!("{size}\n"));
        }
        Refusal::Inconsistent(_) => {
            tracing::warn!(reason = %refusal, "a log asked to cosign a checkpoint inconsistent with its past");
            HttpResponse::UnprocessableEntity()
        }
        Refusal::State(_) => {
            tracing::error!(error = %refusal, "witness state not written");
            HttpResponse::InternalServerError()
        }
    };
    response.content_type("text/plain; charset=utf-8").body(format!("{refusal}\n"))
}

async fn latest(witness: web::Data<Witness>, origin_hash: web::Path<String>) -> HttpResponse {
    match witness.latest(&origin_hash) {
        Some(note) => HttpResponse::Ok().content_type("text/plain; charset=utf-8").body(note),
        None => HttpResponse::NotFound().finish(),
    }
}

/// The witness's Ed25519 seed, base64 in a file only its owner can read;
/// created on first start.
fn load_or_create_key(path: &Path) -> Result<ed25519_dalek::SigningKey, CliError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let bad = || CliError::Invalid(format!("{} does not hold a witness key", path.display()));
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(CliError::Invalid(format!("{} has mode {mode:o}; make it 600", path.display())));
            }
            let seed = BASE64.decode(text.trim().as_bytes()).map_err(|_| bad())?;
            Ok(ed25519_dalek::SigningKey::from_bytes(&seed.try_into().map_err(|_| bad())?))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let seed = crate::crypto::random_bytes::<32>();
            let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
            writeln!(file, "{}", BASE64.encode(&seed))?;
            file.sync_all()?;
            Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
        }
        Err(e) => Err(e.into()),
    }
}
