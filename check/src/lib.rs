//! `wheelfix check`, the pre-upload gate: everything PyPI, pip, twine, check-wheel-contents,
//! abi3audit and auditwheel would object to, in one pass over a wheel's bytes.
//!
//! [`check_wheel`] runs the rule families in order, each a module of pure functions that turn
//! what they read into [`Finding`]s: [`zipframe`] (strict ZIP framing, scanned from the raw
//! bytes), `layout` (where `.dist-info` is, unsafe paths), `contents` (every member inflated
//! and hashed once, in parallel), `integrity` (RECORD and WHEEL), `metadata` (METADATA and the
//! description, with the reStructuredText checker in [`rst`]), `pypi` (PyPI's upload rules),
//! `hygiene` (check-wheel-contents' useful checks), and, reusing `wheelfix-audit`'s
//! `analyze` + `evaluate` rather than copying them, `platform` (are the claimed tags true) and
//! [`abi3`] (stable-ABI symbols, with the embedded CPython stable-ABI table).
//!
//! The rules themselves are data ([`rules`]). Nothing here prints, knows about exit codes or
//! output formats, or writes a file; the target filesystem is read only through
//! [`wheelfix_audit::HostFs`], to resolve the libraries the platform tags depend on.

pub mod abi3;
mod contents;
mod hygiene;
mod integrity;
mod layout;
mod metadata;
pub mod pep440;
pub mod pep508;
mod platform;
mod pypi;
pub mod rst;
pub mod rules;
mod selection;
pub mod zipframe;

use wheelfix_audit::{HostFs, SearchOptions};
use wheelfix_wheel::ZipArchive;

pub use rules::{Finding, RULES, Rule, Severity};
pub use selection::{Selection, SelectionError};

/// Why a wheel could not be checked at all (exit status 2): not a zip archive. Every other
/// problem is a finding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    NotZip(#[from] zipframe::NotZip),
    #[error("the zip archive cannot be read: {0}")]
    Archive(#[from] wheelfix_wheel::ZipError),
}

/// How to check.
pub struct CheckOptions<'a> {
    /// The target filesystem the platform tags are judged against (`/` or a sysroot).
    pub host: &'a dyn HostFs,
    pub search: SearchOptions,
    pub selection: Selection,
}

/// The outcome of checking one wheel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// Sorted: errors first, then by code and member.
    pub findings: Vec<Finding>,
    /// Checks that could not run, and why (e.g. the archive could not be opened after its
    /// framing errors were reported).
    pub skipped: Vec<String>,
}

impl CheckReport {
    /// No finding at error severity: ready to upload.
    pub fn passed(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Check one wheel given its file name (the base name, which carries the tags) and its bytes.
pub fn check_wheel(
    file_name: &str,
    bytes: &[u8],
    options: &CheckOptions<'_>,
) -> Result<CheckReport, CheckError> {
    let selection = &options.selection;
    let mut findings = Vec::new();
    let mut skipped = Vec::new();

    findings.extend(zipframe::check(bytes)?);
    let filename = pypi::check_filename(file_name, &mut findings);
    let archive = match ZipArchive::parse(bytes) {
        Ok(archive) => archive,
        Err(err) => {
            // The framing findings say why; without them this is an unreadable file.
            if findings.iter().any(|f| f.severity == Severity::Error) {
                skipped.push(format!(
                    "the archive cannot be opened ({err}); only its framing was checked"
                ));
                return Ok(finish(findings, skipped, selection));
            }
            return Err(CheckError::Archive(err));
        }
    };
    pypi::check_sizes(bytes.len() as u64, &archive, &mut findings);
    let layout = layout::Layout::find(&archive, file_name, filename.as_ref(), &mut findings);
    let record = integrity::read_record(&archive, &layout, &mut findings);
    let contents = contents::read_all(&archive, &record);
    integrity::check_record(&archive, &layout, &record, &contents, &mut findings);
    integrity::check_wheel_file(&archive, &layout, file_name, &contents, &mut findings);
    let meta = metadata::check(&archive, &layout, &mut findings);
    pypi::check_against_metadata(file_name, meta.as_ref(), &archive, &layout, &mut findings);
    pypi::check_entry_points(&archive, &layout, &mut findings);
    hygiene::check(&archive, &layout, &contents, &mut findings);

    let audit_wanted = ["T001", "T002", "T003", "A001", "A002", "H006"]
        .iter()
        .any(|code| selection.enabled(code));
    if audit_wanted {
        platform::check(
            file_name,
            bytes,
            filename.as_ref(),
            &contents,
            options,
            &mut findings,
            &mut skipped,
        );
    }
    Ok(finish(findings, skipped, selection))
}

fn finish(findings: Vec<Finding>, skipped: Vec<String>, selection: &Selection) -> CheckReport {
    let mut findings: Vec<Finding> = findings
        .into_iter()
        .filter(|f| selection.enabled(f.code))
        .collect();
    findings.sort_by(|a, b| {
        (a.severity, a.code, &a.member, &a.message)
            .cmp(&(b.severity, b.code, &b.member, &b.message))
    });
    findings.dedup();
    CheckReport { findings, skipped }
}

#[cfg(test)]
mod tests {
    use wheelfix_audit::RealHost;
    use wheelfix_wheel::write::{Compression, DosDateTime, ZipWriter};

    use super::*;

    fn small_wheel() -> Vec<u8> {
        let mut writer = ZipWriter::new(Vec::new());
        let files: [(&str, &[u8]); 5] = [
            ("demo/__init__.py", b"x = 1\n"),
            ("demo-1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nDescription-Content-Type: text/x-rst\n\nTitle\n=====\n\n*text*\n"),
            ("demo-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
            ("demo-1.0.dist-info/entry_points.txt", b"[console_scripts]\ndemo = demo:main\n"),
            ("demo-1.0.dist-info/RECORD", b"demo/__init__.py,sha256=x,6\ndemo-1.0.dist-info/RECORD,,\n"),
        ];
        for (name, data) in files {
            let compression = if name.ends_with(".py") {
                Compression::Stored
            } else {
                Compression::Deflated(6)
            };
            writer
                .add_file(name, data, compression, 0o644, DosDateTime::EPOCH)
                .unwrap();
        }
        writer.finish().unwrap()
    }

    /// Every single-byte corruption and every truncation of a small wheel is checked without
    /// a panic: it is either a report or `CheckError`.
    #[test]
    fn corrupted_wheels_never_panic() {
        let host = RealHost::new(std::path::Path::new("/nonexistent-wheelfix-root"));
        let options = CheckOptions {
            host: &host,
            search: SearchOptions::default(),
            selection: Selection::all(),
        };
        let good = small_wheel();
        let report = check_wheel("demo-1.0-py3-none-any.whl", &good, &options).unwrap();
        assert!(
            report.findings.iter().any(|f| f.code == "R001"),
            "{report:?}"
        );
        for i in 0..good.len() {
            for byte in [0x00, 0xff, b'P', good[i].wrapping_add(1)] {
                let mut bad = good.clone();
                bad[i] = byte;
                let _ = check_wheel("demo-1.0-py3-none-any.whl", &bad, &options);
            }
            let _ = check_wheel("demo-1.0-py3-none-any.whl", &good[..i], &options);
        }
    }
}
