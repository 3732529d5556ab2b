//! Hygiene (`H001`–`H005`): the useful checks of check-wheel-contents, on the real content
//! (digests computed by `contents`, not RECORD's claims). The executable-stack check (`H006`)
//! needs the audit and lives in `platform`.

use std::collections::{BTreeMap, BTreeSet};

use wheelfix_wheel::ZipArchive;

use crate::contents::Content;
use crate::layout::Layout;
use crate::rules::{Finding, H001, H002, H003, H004, H005};

/// Top-level names that are almost always a packaging mistake (check-wheel-contents' list).
pub(crate) const COMMON_NAMES: &[&str] = &[
    ".eggs", ".nox", ".tox", ".venv", "app", "build", "cli", "data", "dist", "doc", "docs",
    "example", "examples", "lib", "scripts", "src", "test", "tests", "venv",
];

/// Contents duplicated by design in many packages (empty files, a lone newline, a coding line).
const ALLOWED_DUPLICATES: &[&[u8]] = &[
    b"",
    b"\n",
    b"\r\n",
    b"# -*- coding: utf-8 -*-",
    b"# -*- coding: utf-8 -*-\n",
    b"# -*- coding: utf-8 -*-\n\r",
];

pub(crate) fn check(
    archive: &ZipArchive<'_>,
    layout: &Layout,
    contents: &[Content],
    findings: &mut Vec<Finding>,
) {
    for content in contents {
        if content.path.ends_with(".pyc") || content.path.ends_with(".pyo") {
            findings.push(H001.at(&content.path, "compiled bytecode is shipped"));
        }
    }

    let allowed: BTreeSet<(u64, String)> = ALLOWED_DUPLICATES
        .iter()
        .map(|data| {
            (
                data.len() as u64,
                wheelfix_wheel::metadata::record_sha256(data).1,
            )
        })
        .collect();
    let mut by_digest: BTreeMap<(u64, &str), Vec<&str>> = BTreeMap::new();
    for content in contents {
        if let Some(digest) = &content.sha256 {
            by_digest
                .entry((content.size, digest.as_str()))
                .or_default()
                .push(&content.path);
        }
    }
    for ((size, digest), mut paths) in by_digest {
        if paths.len() < 2 || allowed.contains(&(size, digest.to_owned())) {
            continue;
        }
        paths.sort_unstable();
        paths.dedup();
        if paths.len() < 2 {
            continue;
        }
        let list: Vec<String> = paths.iter().map(|p| format!("`{p}`")).collect();
        findings.push(H002.at(
            paths[0],
            format!(
                "{} files have the same {size}-byte content: {}",
                paths.len(),
                list.join(", ")
            ),
        ));
    }

    // The library trees: purelib and platlib, wherever they come from.
    let mut top_level: BTreeMap<&str, String> = BTreeMap::new();
    for entry in archive.entries() {
        let Some(library_path) = layout.library_path(&entry.name) else {
            continue;
        };
        // At the root, the .data directory is not library content.
        if library_path == entry.name
            && let Some(data) = &layout.data_dir
            && entry
                .name
                .strip_prefix(data.as_str())
                .is_some_and(|r| r.starts_with('/'))
        {
            continue;
        }
        let prefix = &entry.name[..entry.name.len() - library_path.len()];
        let (top, is_dir) = match library_path.split_once('/') {
            Some((top, _)) => (top, true),
            None => (library_path, false),
        };
        if top.is_empty() {
            continue;
        }
        let shown = if is_dir {
            format!("{prefix}{top}/")
        } else {
            format!("{prefix}{top}")
        };
        top_level.entry(top).or_insert(shown);
        if !is_dir && top == "__init__.py" {
            findings.push(H005.at(
                &entry.name,
                "`__init__.py` installs directly into site-packages",
            ));
        }
    }
    for (top, shown) in &top_level {
        if COMMON_NAMES.contains(top) {
            findings.push(H003.at(
                shown,
                format!("`{top}` would install as a top-level name in site-packages"),
            ));
        }
    }

    let outside_dist_info = archive.entries().iter().any(|e| {
        layout.dist_info.as_ref().is_none_or(|d| {
            !e.name
                .strip_prefix(d.as_str())
                .is_some_and(|r| r.starts_with('/'))
        })
    });
    if !outside_dist_info {
        findings.push(H004.wheel("the wheel holds nothing but its `.dist-info` directory"));
    }
}
