//! `wheelfix check`: the pre-upload gate over many wheels, checked in parallel.
//!
//! Inputs are wheel files, directories (their `*.whl` files) and glob patterns the shell did
//! not expand. Exit status: 0 when every wheel is ready to upload (no finding at error
//! severity), 1 when at least one has an error finding, 2 when one could not be read at all.
//! Deciding findings is `wheelfix-check`'s job; rendering them is `report::check`'s.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use wheelfix_audit::fnmatch::{fnmatch, has_wildcards};
use wheelfix_check::{CheckOptions, CheckReport, Selection, check_wheel};

use crate::args::{CheckArgs, CheckFormat};
use crate::commands::{ExitStatus, host, search_options};
use crate::input::{expand_wheels, file_name, read_file};
use crate::report;

/// The result of checking one wheel.
pub(crate) enum Outcome {
    Checked { path: PathBuf, report: CheckReport },
    Unreadable { path: PathBuf, message: String },
}

impl Outcome {
    pub(crate) fn status(&self) -> ExitStatus {
        match self {
            Outcome::Checked { report, .. } if report.passed() => ExitStatus::Success,
            Outcome::Checked { .. } => ExitStatus::Failure,
            Outcome::Unreadable { .. } => ExitStatus::Error,
        }
    }
}

pub(crate) fn run(args: &CheckArgs) -> Result<ExitStatus> {
    let selection = Selection::new(&args.select, &args.ignore).context("--select/--ignore")?;
    let wheels = expand_inputs(&args.inputs)?;
    let host = host(&args.search)?;
    let options = CheckOptions {
        host: &host,
        search: search_options(&args.search, &[]),
        selection,
    };
    let outcomes: Vec<Outcome> = wheels
        .par_iter()
        .map(|path| check_one(path, &options))
        .collect();

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut status = ExitStatus::Success;
    for (index, outcome) in outcomes.iter().enumerate() {
        match args.format {
            CheckFormat::Human => {
                if let Outcome::Checked { .. } = outcome {
                    if index > 0 {
                        writeln!(out)?;
                    }
                    report::check::human(&mut out, outcome)?;
                }
            }
            CheckFormat::Json => report::check::json(&mut out, outcome)?,
            CheckFormat::Github => report::check::github(&mut out, outcome)?,
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
    if args.format == CheckFormat::Human && outcomes.len() > 1 {
        report::check::summary(&mut out, &outcomes)?;
    }
    out.flush()?;
    Ok(status)
}

/// Check one wheel file; a file that is not a zip archive becomes `Unreadable`.
fn check_one(path: &Path, options: &CheckOptions<'_>) -> Outcome {
    let unreadable = |message: String| Outcome::Unreadable {
        path: path.to_path_buf(),
        message,
    };
    let bytes = match read_file(path) {
        Ok(bytes) => bytes,
        Err(err) => return unreadable(err.to_string()),
    };
    match check_wheel(&file_name(path), &bytes, options) {
        Ok(report) => Outcome::Checked {
            path: path.to_path_buf(),
            report,
        },
        Err(err) => unreadable(err.to_string()),
    }
}

/// Files and directories as `audit` takes them, plus glob patterns in the last path component
/// (`dist/*.whl`) for shells or CI steps that pass them unexpanded.
fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut plain = Vec::new();
    let mut expanded = Vec::new();
    for input in inputs {
        let text = input.to_string_lossy();
        if input.exists() || !has_wildcards(&text) {
            plain.push(input.clone());
            continue;
        }
        let (dir, pattern) = match input.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => {
                (parent.to_path_buf(), file_name(input))
            }
            _ => (PathBuf::from("."), text.into_owned()),
        };
        if has_wildcards(&dir.to_string_lossy()) {
            bail!(
                "{}: wildcards are only supported in the last path component",
                input.display()
            );
        }
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .with_context(|| format!("{}: cannot list directory", dir.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.is_file() && fnmatch(&pattern, &file_name(path)))
            .map(|path| {
                if input.parent().is_some_and(|p| !p.as_os_str().is_empty()) {
                    path
                } else {
                    PathBuf::from(file_name(&path))
                }
            })
            .collect();
        found.sort();
        if found.is_empty() {
            bail!("{}: no file matches this pattern", input.display());
        }
        expanded.extend(found);
    }
    let mut wheels = if plain.is_empty() {
        Vec::new()
    } else {
        expand_wheels(&plain)?
    };
    wheels.extend(expanded);
    Ok(wheels)
}
