//! The `wheelfix` binary: parse the command line, run one subcommand, map the outcome to an
//! exit code. Everything else lives in `commands/` (one module per subcommand) and `report/`
//! (the only place that formats results for humans or JSON).

mod args;
mod commands;
mod input;
mod report;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "wheelfix: error: {err:#}");
            commands::ExitStatus::Error.into()
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
