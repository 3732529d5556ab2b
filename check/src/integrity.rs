//! Integrity: RECORD against the archive (`P008`, `R001`–`R005`) and the WHEEL file against
//! the filename and the content (`R006`–`R008`).
//!
//! RECORD is parsed row by row and every bad row is reported, unlike `wheelfix_wheel::Wheel`,
//! which refuses the whole wheel at the first problem. Hashes come from `contents`, which read
//! every member once.

use std::collections::{BTreeMap, BTreeSet};

use wheelfix_wheel::metadata::split_csv_line;
use wheelfix_wheel::{HeaderFile, InstallScheme, ZipArchive};

use crate::contents::{Content, OTHER_ALGORITHMS};
use crate::layout::Layout;
use crate::rules::{Finding, P008, R001, R002, R003, R004, R005, R006, R007, R008};

/// One well-formed RECORD row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub line: usize,
    pub path: String,
    pub hash: Option<(String, String)>,
    pub size: Option<u64>,
}

/// RECORD as far as it could be read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Record {
    /// The member path of RECORD, when it exists and could be read.
    pub path: Option<String>,
    pub rows: BTreeMap<String, Row>,
}

impl Record {
    pub(crate) fn hash_of(&self, path: &str) -> Option<&(String, String)> {
        self.rows.get(path).and_then(|r| r.hash.as_ref())
    }
}

/// Files RECORD must not (RECORD.jws, RECORD.p7s) or need not hash.
fn exempt(dist_info: &str, path: &str) -> bool {
    path.strip_prefix(dist_info)
        .and_then(|r| r.strip_prefix('/'))
        .is_some_and(|r| matches!(r, "RECORD" | "RECORD.jws" | "RECORD.p7s"))
}

pub(crate) fn read_record(
    archive: &ZipArchive<'_>,
    layout: &Layout,
    findings: &mut Vec<Finding>,
) -> Record {
    let Some(path) = layout.path("RECORD") else {
        return Record::default();
    };
    let Some(entry) = archive.entries().iter().find(|e| e.name == path) else {
        findings.push(P008.at(&path, format!("`{path}` is missing")));
        return Record::default();
    };
    let text = match archive.read(entry).map(String::from_utf8) {
        Ok(Ok(text)) => text,
        Ok(Err(_)) => {
            findings.push(P008.at(&path, "RECORD is not valid UTF-8"));
            return Record::default();
        }
        Err(err) => {
            findings.push(P008.at(&path, format!("RECORD cannot be read: {err}")));
            return Record::default();
        }
    };
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let mut bad = |why: String| findings.push(R005.at(&path, format!("line {line_no}: {why}")));
        let fields = match split_csv_line(line) {
            Ok(fields) => fields,
            Err(why) => {
                bad(why);
                continue;
            }
        };
        let [file, hash, size] = fields.as_slice() else {
            bad(format!(
                "{} fields, expected 3 (path, hash, size)",
                fields.len()
            ));
            continue;
        };
        if file.is_empty() {
            bad("empty path".to_owned());
            continue;
        }
        let hash = if hash.is_empty() {
            None
        } else if let Some((algorithm, digest)) = hash.split_once('=') {
            Some((algorithm.to_owned(), digest.to_owned()))
        } else {
            bad(format!("hash `{hash}` is not `<algorithm>=<digest>`"));
            continue;
        };
        let size = if size.is_empty() {
            None
        } else if let Ok(size) = size.parse::<u64>() {
            Some(size)
        } else {
            bad(format!("size `{size}` is not a number"));
            continue;
        };
        if rows.contains_key(file.as_str()) {
            bad(format!("`{file}` is listed again"));
            continue;
        }
        rows.insert(
            file.clone(),
            Row {
                line: line_no,
                path: file.clone(),
                hash,
                size,
            },
        );
    }
    Record {
        path: Some(path),
        rows,
    }
}

/// `R001`–`R005`: every file listed with a matching hash and size, every row naming a file.
pub(crate) fn check_record(
    archive: &ZipArchive<'_>,
    layout: &Layout,
    record: &Record,
    contents: &[Content],
    findings: &mut Vec<Finding>,
) {
    let (Some(record_path), Some(dist_info)) = (&record.path, &layout.dist_info) else {
        return;
    };
    let files: BTreeSet<&str> = archive
        .entries()
        .iter()
        .filter(|e| !e.is_dir())
        .map(|e| e.name.as_str())
        .collect();
    for row in record.rows.values() {
        if !files.contains(row.path.as_str()) && !row.path.ends_with('/') {
            findings.push(R004.at(
                &row.path,
                format!(
                    "RECORD line {} lists `{}`, which is not in the wheel",
                    row.line, row.path
                ),
            ));
        }
    }
    for content in contents {
        let path = content.path.as_str();
        let Some(row) = record.rows.get(path) else {
            if !(exempt(dist_info, path) && path != record_path) {
                findings.push(R003.at(path, format!("`{path}` is not listed in RECORD")));
            }
            continue;
        };
        if let Some(error) = &content.error {
            findings.push(R001.at(path, format!("the member's data is corrupt: {error}")));
            continue;
        }
        match &row.hash {
            None if !exempt(dist_info, path) => findings.push(R005.at(
                path,
                format!("RECORD line {} gives `{path}` no hash", row.line),
            )),
            None => {}
            Some((algorithm, digest)) => {
                let actual = if algorithm == "sha256" {
                    content.sha256.as_ref()
                } else if OTHER_ALGORITHMS.contains(&algorithm.as_str()) {
                    content.other.as_ref().map(|(_, d)| d)
                } else {
                    let why = if matches!(algorithm.as_str(), "md5" | "sha1") {
                        "a weak hash algorithm installers refuse"
                    } else {
                        "an unsupported hash algorithm"
                    };
                    findings.push(R005.at(
                        path,
                        format!(
                            "RECORD line {} hashes `{path}` with `{algorithm}`, {why}",
                            row.line
                        ),
                    ));
                    None
                };
                if let Some(actual) = actual
                    && actual != digest
                    && !(exempt(dist_info, path) && path == record_path)
                {
                    findings.push(R001.at(
                        path,
                        format!(
                            "RECORD says {algorithm}={digest}, the content has {algorithm}={actual}"
                        ),
                    ));
                }
            }
        }
        if let Some(size) = row.size
            && size != content.size
        {
            findings.push(R002.at(
                path,
                format!("RECORD says {size} bytes, the member has {}", content.size),
            ));
        }
    }
}

/// `R006`–`R008`: WHEEL is well formed, its `Tag:` lines are the filename's tags, and no ELF
/// file installs to purelib.
pub(crate) fn check_wheel_file(
    archive: &ZipArchive<'_>,
    layout: &Layout,
    file_name: &str,
    contents: &[Content],
    findings: &mut Vec<Finding>,
) {
    let Some(path) = layout.path("WHEEL") else {
        return;
    };
    let Some(entry) = archive.entries().iter().find(|e| e.name == path) else {
        return;
    };
    let text = match archive.read(entry).map(String::from_utf8) {
        Ok(Ok(text)) => text,
        Ok(Err(_)) => {
            findings.push(R008.at(&path, "WHEEL is not valid UTF-8"));
            return;
        }
        Err(err) => {
            findings.push(R008.at(&path, format!("WHEEL cannot be read: {err}")));
            return;
        }
    };
    let headers = match HeaderFile::parse(&text) {
        Ok(headers) => headers,
        Err(err) => {
            findings.push(R008.at(&path, format!("WHEEL {err}")));
            return;
        }
    };
    match headers.get("Wheel-Version") {
        None => findings.push(R008.at(&path, "no `Wheel-Version` header")),
        Some(version) => {
            let major = version.split('.').next().unwrap_or("");
            if major != "1"
                || !version
                    .split('.')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            {
                findings.push(R008.at(
                    &path,
                    format!("`Wheel-Version: {version}` is not a 1.x version installers support"),
                ));
            }
        }
    }
    let root_is_purelib = match headers.get("Root-Is-Purelib").map(str::trim) {
        Some(v) if v.eq_ignore_ascii_case("true") => Some(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Some(false),
        Some(v) => {
            findings.push(R008.at(
                &path,
                format!("`Root-Is-Purelib: {v}` is neither true nor false"),
            ));
            None
        }
        None => {
            findings.push(R008.at(&path, "no `Root-Is-Purelib` header"));
            None
        }
    };

    if let Some(stem) = file_name.strip_suffix(".whl") {
        let parts: Vec<&str> = stem.split('-').collect();
        if parts.len() >= 5 {
            let n = parts.len();
            let mut expected = BTreeSet::new();
            for python in parts[n - 3].split('.') {
                for abi in parts[n - 2].split('.') {
                    for platform in parts[n - 1].split('.') {
                        expected.insert(format!("{python}-{abi}-{platform}"));
                    }
                }
            }
            // Some backends (maturin) write compressed tag sets on a `Tag:` line; expand them.
            let mut declared: BTreeSet<String> = BTreeSet::new();
            for tag in headers.get_all("Tag") {
                let parts: Vec<&str> = tag.trim().split('-').collect();
                if let [python, abi, platform] = parts.as_slice() {
                    for p in python.split('.') {
                        for a in abi.split('.') {
                            for f in platform.split('.') {
                                declared.insert(format!("{p}-{a}-{f}"));
                            }
                        }
                    }
                } else {
                    declared.insert(tag.trim().to_owned());
                }
            }
            let missing: Vec<&String> = expected.difference(&declared).collect();
            let extra: Vec<&String> = declared.difference(&expected).collect();
            let quote = |v: &[&String]| {
                v.iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if declared.is_empty() {
                findings.push(R006.at(&path, "WHEEL has no `Tag:` lines"));
            } else if !missing.is_empty() || !extra.is_empty() {
                let mut parts = Vec::new();
                if !missing.is_empty() {
                    parts.push(format!(
                        "the filename claims {} but WHEEL does not",
                        quote(&missing)
                    ));
                }
                if !extra.is_empty() {
                    parts.push(format!(
                        "WHEEL claims {} but the filename does not",
                        quote(&extra)
                    ));
                }
                findings.push(R006.at(&path, parts.join("; ")));
            }
        }
    }

    let Some(root_is_purelib) = root_is_purelib else {
        return;
    };
    for content in contents.iter().filter(|c| c.is_elf) {
        if layout.scheme(&content.path, root_is_purelib) == InstallScheme::Purelib {
            let why = if root_is_purelib
                && layout.library_path(&content.path) == Some(content.path.as_str())
            {
                "an ELF file at the root of a `Root-Is-Purelib: true` wheel installs to purelib"
            } else {
                "an ELF file under `.data/purelib/` installs to purelib"
            };
            findings.push(R007.at(&content.path, why));
        }
    }
}
