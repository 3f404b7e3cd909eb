//! A witness as an outside body runs it: the real `registry witness serve`
//! in its own process, with its own key and state.

use super::cli::cli_command;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use tempfile::TempDir;

pub struct WitnessProcess {
    /// Its public key, as it printed it.
    pub key: String,
    /// Its submission prefix.
    pub url: String,
    child: Child,
    /// Its key file and state, removed when it stops.
    _dir: TempDir,
}

impl WitnessProcess {
    /// Starts a witness named `name` that follows the log whose public key is `log_key`.
    pub fn start(name: &str, log_key: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (key_file, state) = (dir.path().join("witness.key"), dir.path().join("state"));
        let args = [
            "witness",
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--name",
            name,
            "--key-file",
            key_file.to_str().unwrap(),
            "--state-dir",
            state.to_str().unwrap(),
            "--log",
            log_key,
        ];
        let mut child =
            cli_command(dir.path(), &[], &args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let key = lines.next().expect("the witness printed its key").unwrap();
        let url = lines.next().expect("the witness printed its address").unwrap();
        Self { key, url, child, _dir: dir }
    }

    /// `REGISTRY_WITNESSES`'s form of this witness.
    pub fn config(&self) -> String {
        format!("{} {}", self.url, self.key)
    }

    /// The checkpoint it last cosigned for `origin`, as it serves it to monitors.
    pub fn latest(&self, origin: &str) -> Option<String> {
        use sha2::Digest;
        let hash = data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(origin.as_bytes()));
        let response = ureq::get(&format!("{}/{hash}/checkpoint", self.url)).call().ok()?;
        let mut body = response.into_body();
        body.read_to_string().ok()
    }
}

impl Drop for WitnessProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
