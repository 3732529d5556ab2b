//! One module per subcommand. Each takes its parsed arguments and returns an [`ExitStatus`];
//! errors that abort the whole command are returned as `anyhow::Error` and become exit 2.

pub(crate) mod audit;
pub(crate) mod check;
mod deps;
mod distro;
pub(crate) mod elf;
mod lddtree;
mod repair;

use std::process::ExitCode;

use crate::args::{Cli, Command, SearchArgs};

/// The process exit status, as documented in README.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// Everything asked for holds.
    Success,
    /// A wheel was read but does not meet what was asked (a verdict).
    Failure,
    /// Something could not be read or done.
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        match status {
            ExitStatus::Success => ExitCode::SUCCESS,
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
        }
    }
}

impl ExitStatus {
    /// The worse of two statuses.
    pub(crate) fn max(self, other: ExitStatus) -> ExitStatus {
        use ExitStatus::*;
        match (self, other) {
            (Error, _) | (_, Error) => Error,
            (Failure, _) | (_, Failure) => Failure,
            _ => Success,
        }
    }
}

pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Audit(args) => audit::run(&args).map(ExitCode::from),
        Command::Lddtree(args) => lddtree::run(&args).map(ExitCode::from),
        Command::Repair(args) => repair::run(&args).map(ExitCode::from),
        Command::Deps(args) => deps::run(&args).map(ExitCode::from),
        Command::Elf(args) => elf::run(&args),
        Command::Check(args) => check::run(&args).map(ExitCode::from),
    }
}

/// The search options shared by the commands that resolve libraries, with the environment
/// variables auditwheel honours.
pub(crate) fn search_options(
    args: &SearchArgs,
    exclude: &[String],
) -> wheelfix_audit::SearchOptions {
    wheelfix_audit::SearchOptions {
        ldpaths: args.ldpaths.as_ref().map(|list| {
            list.split(':')
                .filter(|s| !s.is_empty())
                .map(Into::into)
                .collect()
        }),
        auditwheel_ld_library_path: std::env::var("AUDITWHEEL_LD_LIBRARY_PATH").ok(),
        ld_library_path: std::env::var("LD_LIBRARY_PATH").ok(),
        is_sysroot: args
            .root
            .as_ref()
            .is_some_and(|r| r != std::path::Path::new("/")),
        exclude: exclude.to_vec(),
    }
}

pub(crate) fn host(args: &SearchArgs) -> anyhow::Result<wheelfix_audit::RealHost> {
    let root = args.root.clone().unwrap_or_else(|| "/".into());
    if !root.is_dir() {
        anyhow::bail!("--root {}: not a directory", root.display());
    }
    Ok(wheelfix_audit::RealHost::new(&root))
}
