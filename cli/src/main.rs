//! The `wheelfix` binary: parses the command line and hands each subcommand to its module.

mod commands;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

#[derive(Debug, Parser)]
#[command(name = "wheelfix", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Inspect or edit one ELF file (SONAME, DT_NEEDED, RPATH/RUNPATH, strip)
    Elf(commands::elf::ElfArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Elf(args) => commands::elf::run(args),
    };
    result.unwrap_or_else(|err| {
        let _ = writeln!(std::io::stderr(), "error: {err:#}");
        ExitCode::from(2)
    })
}
