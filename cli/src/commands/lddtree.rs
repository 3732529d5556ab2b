//! `wheelfix lddtree FILE`: the dependency tree of one ELF file on disk, resolved as the audit
//! resolves wheel members.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use wheelfix_audit::ldpaths::load_ld_paths;
use wheelfix_audit::resolve::{Location, Resolver, WheelFiles};
use wheelfix_elf::ElfFacts;
use wheelfix_tags::{Arch, Libc};

use crate::args::{Format, LddtreeArgs};
use crate::commands::{ExitStatus, host, search_options};
use crate::input::read_file;
use crate::report;

pub(crate) fn run(args: &LddtreeArgs) -> Result<ExitStatus> {
    let bytes =
        read_file(&args.file).with_context(|| format!("{}: cannot read", args.file.display()))?;
    let facts = ElfFacts::parse(&bytes).with_context(|| format!("{}", args.file.display()))?;
    let host = host(&args.search)?;
    let options = search_options(&args.search, &[]);
    let arch = facts.arch.unwrap_or(Arch::X86_64);
    let glibc = load_ld_paths(&host, Libc::Glibc, arch, &options);
    let musl = load_ld_paths(&host, Libc::Musl, arch, &options);
    let files = WheelFiles::default();
    let resolver = Resolver {
        host: &host,
        wheel: &files,
        glibc_paths: &glibc,
        musl_paths: &musl,
        exclude: &[],
    };
    let absolute = std::path::absolute(&args.file).unwrap_or_else(|_| PathBuf::from(&args.file));
    let label = args.file.display().to_string();
    let tree = resolver.tree_at(Location::Host(absolute), &label, Arc::new(facts));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Human => report::human::lddtree(&mut out, &tree)?,
        Format::Json => report::json::lddtree(&mut out, &tree)?,
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}
