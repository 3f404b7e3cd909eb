//! The `registry` binary: everything is in the library, so that tests and
//! every subcommand run the same code.

fn main() -> std::process::ExitCode {
    registry::cli::run()
}
