//! `wheelfix audit`: analyse many wheels in parallel and report each verdict.
//!
//! Exit status: 0 when every wheel meets its claimed manylinux/musllinux tags (or `--plat`)
//! with nothing left to vendor, 1 when at least one does not, 2 when one could not be read.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use wheelfix_audit::{
    Analysis, AnalyzeOptions, EvaluateOptions, HostFs, Verdict, analyze, evaluate,
};
use wheelfix_policies::PolicySet;
use wheelfix_tags::PlatformTag;
use wheelfix_wheel::Wheel;

use crate::args::{AuditArgs, Format};
use crate::commands::{ExitStatus, host, search_options};
use crate::input::{expand_wheels, file_name, read_file};
use crate::report;

/// The result of auditing one wheel.
pub(crate) enum Outcome {
    Pure {
        path: PathBuf,
    },
    Platform {
        path: PathBuf,
        verdict: Box<Verdict>,
        notes: Vec<String>,
        plat: Option<PlatformTag>,
    },
    Unreadable {
        path: PathBuf,
        message: String,
    },
}

impl Outcome {
    pub(crate) fn status(&self) -> ExitStatus {
        match self {
            Outcome::Pure { .. } => ExitStatus::Success,
            Outcome::Unreadable { .. } => ExitStatus::Error,
            Outcome::Platform { verdict, plat, .. } => {
                if passes(verdict, plat.as_ref()) {
                    ExitStatus::Success
                } else {
                    ExitStatus::Failure
                }
            }
        }
    }
}

/// Whether a verdict passes the audit gate.
pub(crate) fn passes(verdict: &Verdict, plat: Option<&PlatformTag>) -> bool {
    match plat {
        Some(plat) => verdict.claim_for(plat).is_some_and(|c| c.met),
        None => !verdict.claims.is_empty() && verdict.claims.iter().all(|c| c.met),
    }
}

trait ClaimFor {
    fn claim_for(&self, tag: &PlatformTag) -> Option<wheelfix_audit::ClaimCheck>;
}

impl ClaimFor for Verdict {
    fn claim_for(&self, tag: &PlatformTag) -> Option<wheelfix_audit::ClaimCheck> {
        let table = PolicySet::embedded(self.libc).ok()?;
        Some(wheelfix_audit::check_claim(self, table, tag))
    }
}

pub(crate) fn run(args: &AuditArgs) -> Result<ExitStatus> {
    let plat = match &args.plat {
        Some(text) => {
            let tag: PlatformTag = text.parse().with_context(|| format!("--plat {text}"))?;
            if !tag.is_portable_linux() {
                bail!("--plat {text}: not a manylinux or musllinux tag");
            }
            let table = PolicySet::embedded(tag.libc().unwrap_or(wheelfix_tags::Libc::Glibc))?;
            if table.by_tag(&tag).is_none() {
                bail!(
                    "--plat {text}: no such policy for this architecture in the embedded policy tables"
                );
            }
            Some(tag)
        }
        None => None,
    };
    let wheels = expand_wheels(&args.inputs)?;
    let host = host(&args.search)?;
    // An audit holds each ELF member in memory (up to 1 GiB) for speed; only `repair`
    // promises bounded memory.
    let options = AnalyzeOptions {
        search: search_options(&args.search, &args.exclude),
        plat: plat.clone(),
        in_memory_limit: Some(1 << 30),
        ..AnalyzeOptions::default()
    };
    let evaluate_options = EvaluateOptions {
        disable_isa_check: args.disable_isa_ext_check,
    };
    let outcomes: Vec<Outcome> = wheels
        .par_iter()
        .map(|path| audit_one(path, &host, &options, &evaluate_options))
        .collect();

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut status = ExitStatus::Success;
    for (index, outcome) in outcomes.iter().enumerate() {
        match args.format {
            // An unreadable wheel is reported once, on stderr.
            Format::Human if matches!(outcome, Outcome::Unreadable { .. }) => {}
            Format::Human => {
                if index > 0 {
                    writeln!(out)?;
                }
                report::human::audit(&mut out, outcome)?;
            }
            Format::Json => report::json::audit(&mut out, outcome)?,
        }
        if let Outcome::Unreadable { path, message } = outcome {
            writeln!(
                std::io::stderr(),
                "wheelfix: error: {}: {message}",
                path.display()
            )?;
        }
        status = status.max(outcome.status());
    }
    out.flush()?;
    Ok(status)
}

/// Audit one wheel file; every failure becomes an `Unreadable` outcome with a one-line message.
pub(crate) fn audit_one(
    path: &std::path::Path,
    host: &dyn HostFs,
    options: &AnalyzeOptions,
    evaluate_options: &EvaluateOptions,
) -> Outcome {
    let unreadable = |message: String| Outcome::Unreadable {
        path: path.to_path_buf(),
        message,
    };
    let bytes = match read_file(path) {
        Ok(bytes) => bytes,
        Err(err) => return unreadable(err.to_string()),
    };
    let mut wheel = match Wheel::open(&file_name(path), &bytes) {
        Ok(wheel) => wheel,
        Err(err) => return unreadable(err.to_string()),
    };
    crate::input::release_pages_when_done(&mut wheel, &bytes);
    let analysis = match analyze(&wheel, host, options) {
        Ok(Analysis::Pure { .. }) => {
            return Outcome::Pure {
                path: path.to_path_buf(),
            };
        }
        Ok(Analysis::Platform(analysis)) => analysis,
        Err(err) => return unreadable(err.to_string()),
    };
    let table = match PolicySet::embedded(analysis.libc) {
        Ok(table) => table,
        Err(err) => return unreadable(err.to_string()),
    };
    let verdict = evaluate(&analysis, table, evaluate_options);
    let mut notes = Vec::new();
    if analysis.libc_assumed {
        notes.push(format!(
            "no ELF file names its libc (static or libc-free binaries); judged as {}",
            analysis.libc
        ));
    }
    if let Some((policy, source)) = &analysis.musl_policy {
        notes.push(format!("judged against {policy} (from {source})"));
    }
    for ignored in &analysis.ignored {
        notes.push(format!("ignored `{}`: {}", ignored.path, ignored.reason));
    }
    for pattern in &analysis.unused_excludes {
        notes.push(format!("--exclude `{pattern}` matched no library"));
    }
    Outcome::Platform {
        path: path.to_path_buf(),
        verdict: Box::new(verdict),
        notes,
        plat: options.plat.clone(),
    }
}
