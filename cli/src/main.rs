//! The `wheelfix` binary: parses the command line and hands each subcommand to its module.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}
