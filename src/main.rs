fn main() -> std::process::ExitCode {
    registry::cli::run()
}
