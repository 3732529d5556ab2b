//! `wheelfix check` reports: human text (one block per wheel, one line per finding with its
//! hint), versioned JSON (one object per wheel, schema in `docs/json.md`), and GitHub Actions
//! workflow annotations. Findings are converted by hand into DTOs here, so the JSON is a
//! contract independent of `wheelfix-check`'s types.

use std::io::{self, Write};

use serde::Serialize;
use wheelfix_check::{Finding, Severity};

use crate::commands::check::Outcome;
use crate::input::file_name;
use crate::report::json::SCHEMA_VERSION;

pub(crate) fn human(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    let Outcome::Checked { path, report } = outcome else {
        return Ok(());
    };
    writeln!(out, "{}", path.display())?;
    for finding in &report.findings {
        let member = finding
            .member
            .as_deref()
            .map(|m| format!("{m}: "))
            .unwrap_or_default();
        writeln!(
            out,
            "  {:<8} {}  {member}{}",
            finding.severity.as_str(),
            finding.code,
            finding.message
        )?;
        writeln!(out, "                 hint: {}", finding.hint)?;
    }
    for note in &report.skipped {
        writeln!(out, "  note:    {note}")?;
    }
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    let counts = match (errors, warnings) {
        (0, 0) => String::new(),
        (0, w) => format!(" ({})", plural(w, "warning")),
        (e, 0) => format!(" ({})", plural(e, "error")),
        (e, w) => format!(" ({}, {})", plural(e, "error"), plural(w, "warning")),
    };
    if report.passed() {
        writeln!(out, "  result:  ok, ready to upload{counts}")
    } else {
        writeln!(out, "  result:  FAIL{counts}")
    }
}

/// The last line when several wheels were checked.
pub(crate) fn summary(out: &mut dyn Write, outcomes: &[Outcome]) -> io::Result<()> {
    let ready = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Checked { report, .. } if report.passed()))
        .count();
    let unreadable = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Unreadable { .. }))
        .count();
    let failing = outcomes.len() - ready - unreadable;
    writeln!(out)?;
    write!(
        out,
        "checked {}: {ready} ready to upload, {failing} failing",
        plural(outcomes.len(), "wheel")
    )?;
    if unreadable > 0 {
        write!(out, ", {unreadable} unreadable")?;
    }
    writeln!(out)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[derive(Serialize)]
struct CheckReportDto {
    schema_version: u32,
    wheel: String,
    path: String,
    /// No finding at error severity (false when the wheel could not be read).
    passed: bool,
    /// Why the wheel could not be read at all; then `findings` is empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    errors: usize,
    warnings: usize,
    findings: Vec<FindingDto>,
    skipped: Vec<String>,
}

#[derive(Serialize)]
struct FindingDto {
    code: &'static str,
    severity: &'static str,
    member: Option<String>,
    message: String,
    hint: &'static str,
}

impl From<&Finding> for FindingDto {
    fn from(finding: &Finding) -> FindingDto {
        FindingDto {
            code: finding.code,
            severity: finding.severity.as_str(),
            member: finding.member.clone(),
            message: finding.message.clone(),
            hint: finding.hint,
        }
    }
}

pub(crate) fn json(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    let dto = match outcome {
        Outcome::Checked { path, report } => CheckReportDto {
            schema_version: SCHEMA_VERSION,
            wheel: file_name(path),
            path: path.display().to_string(),
            passed: report.passed(),
            error: None,
            errors: report.count(Severity::Error),
            warnings: report.count(Severity::Warning),
            findings: report.findings.iter().map(FindingDto::from).collect(),
            skipped: report.skipped.clone(),
        },
        Outcome::Unreadable { path, message } => CheckReportDto {
            schema_version: SCHEMA_VERSION,
            wheel: file_name(path),
            path: path.display().to_string(),
            passed: false,
            error: Some(message.clone()),
            errors: 0,
            warnings: 0,
            findings: Vec::new(),
            skipped: Vec::new(),
        },
    };
    serde_json::to_writer(&mut *out, &dto).map_err(io::Error::other)?;
    writeln!(out)
}

/// GitHub Actions workflow commands: `::error file=F,title=T::message`, one per finding, the
/// hint on a second line of the message.
pub(crate) fn github(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    match outcome {
        Outcome::Checked { path, report } => {
            let file = path.display().to_string();
            for finding in &report.findings {
                let level = match finding.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                let member = finding
                    .member
                    .as_deref()
                    .map(|m| format!("{m}: "))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "::{level} file={},title={}::{}",
                    escape_property(&file),
                    escape_property(&format!("wheelfix {}", finding.code)),
                    escape_data(&format!(
                        "{}: {member}{}\nhint: {}",
                        file_name(path),
                        finding.message,
                        finding.hint
                    ))
                )?;
            }
            Ok(())
        }
        Outcome::Unreadable { path, message } => writeln!(
            out,
            "::error file={},title=wheelfix::{}",
            escape_property(&path.display().to_string()),
            escape_data(&format!("{} cannot be read: {message}", file_name(path)))
        ),
    }
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}
