//! Where things are in the archive: the `.dist-info` directory (`P005`, `P011`, `R010`), the
//! `.data` directory, where each member installs, and paths that escape the install target
//! (`R009`). Everything is decided from member names; nothing is read.

use std::collections::BTreeSet;

use wheelfix_tags::{WheelFilename, normalize_dist_name};
use wheelfix_wheel::{InstallScheme, ZipArchive};

use crate::pypi::raw_name_version;
use crate::rules::{Finding, P005, P011, R009, R010};

/// The wheel's directory layout.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// The `.dist-info` directory the checks read (`None` when there is none).
    pub dist_info: Option<String>,
    /// `<name>-<version>.data`, named after the `.dist-info` directory.
    pub data_dir: Option<String>,
}

impl Layout {
    pub(crate) fn find(
        archive: &ZipArchive<'_>,
        file_name: &str,
        filename: Option<&WheelFilename>,
        findings: &mut Vec<Finding>,
    ) -> Layout {
        for entry in archive.entries() {
            if let Some(why) = unsafe_path(&entry.name) {
                findings.push(R009.at(&entry.name, why));
            }
        }
        let dirs: BTreeSet<&str> = archive
            .entries()
            .iter()
            .filter_map(|e| e.name.split_once('/').map(|(top, _)| top))
            .filter(|top| top.ends_with(".dist-info"))
            .collect();
        // PyPI reads `{name}-{version}.dist-info/` with name and version split from the
        // filename as they are written.
        let expected = raw_name_version(file_name).map(|(n, v)| format!("{n}-{v}.dist-info"));
        if dirs.len() > 1 {
            findings.push(R010.wheel(format!(
                "the wheel has {} `.dist-info` directories: {}",
                dirs.len(),
                dirs.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", ")
            )));
        }
        let chosen: Option<String> = match &expected {
            Some(expected) if dirs.contains(expected.as_str()) => Some(expected.clone()),
            _ => {
                let wanted = filename.map(|f| normalize_dist_name(&f.name));
                let matching: Vec<&&str> = dirs
                    .iter()
                    .filter(|d| {
                        let stem = d.trim_end_matches(".dist-info");
                        let name = stem.rsplit_once('-').map_or(stem, |(n, _)| n);
                        wanted
                            .as_deref()
                            .is_none_or(|w| normalize_dist_name(name) == w)
                    })
                    .collect();
                let found = match (matching.as_slice(), dirs.len()) {
                    ([one], _) => Some((**one).to_owned()),
                    (_, 1) => dirs.iter().next().map(|d| (*d).to_owned()),
                    _ => None,
                };
                if let (Some(found), Some(expected)) = (&found, &expected) {
                    findings.push(P005.at(
                        found.as_str(),
                        format!("the filename says `{expected}`, the wheel has `{found}`"),
                    ));
                }
                found
            }
        };
        let Some(dist_info) = chosen else {
            if dirs.is_empty() {
                findings.push(P011.wheel(match &expected {
                    Some(expected) => format!("no `.dist-info` directory (expected `{expected}`)"),
                    None => "no `.dist-info` directory".to_owned(),
                }));
            }
            return Layout {
                dist_info: None,
                data_dir: None,
            };
        };
        let names: BTreeSet<&str> = archive.entries().iter().map(|e| e.name.as_str()).collect();
        for file in ["WHEEL", "METADATA"] {
            let path = format!("{dist_info}/{file}");
            if !names.contains(path.as_str()) {
                findings.push(P011.at(&path, format!("`{path}` is missing")));
            }
        }
        let data_dir = format!("{}.data", dist_info.trim_end_matches(".dist-info"));
        Layout {
            dist_info: Some(dist_info),
            data_dir: Some(data_dir),
        }
    }

    /// `<dist-info>/<file>`, when there is a `.dist-info` directory.
    pub(crate) fn path(&self, file: &str) -> Option<String> {
        self.dist_info.as_ref().map(|d| format!("{d}/{file}"))
    }

    /// [`Layout::path`], or just `file` (for naming the member in a finding).
    pub(crate) fn member(&self, file: &str) -> String {
        self.path(file).unwrap_or_else(|| file.to_owned())
    }

    /// Where `path` installs.
    pub(crate) fn scheme(&self, path: &str, root_is_purelib: bool) -> InstallScheme {
        if let Some(dist_info) = &self.dist_info
            && path
                .strip_prefix(dist_info.as_str())
                .is_some_and(|r| r.starts_with('/'))
        {
            return InstallScheme::DistInfo;
        }
        if let Some(data) = &self.data_dir
            && let Some(rest) = path
                .strip_prefix(data.as_str())
                .and_then(|r| r.strip_prefix('/'))
        {
            return InstallScheme::of_data_path(rest);
        }
        if root_is_purelib {
            InstallScheme::Purelib
        } else {
            InstallScheme::Platlib
        }
    }

    /// A path's location inside its library scheme (`pkg/mod.py` for both `pkg/mod.py` at the
    /// root and `<data>/purelib/pkg/mod.py`), or `None` outside purelib/platlib.
    pub(crate) fn library_path<'p>(&self, path: &'p str) -> Option<&'p str> {
        if self.dist_info.as_ref().is_some_and(|d| {
            path.strip_prefix(d.as_str())
                .is_some_and(|r| r.starts_with('/'))
        }) {
            return None;
        }
        if let Some(data) = &self.data_dir
            && let Some(rest) = path
                .strip_prefix(data.as_str())
                .and_then(|r| r.strip_prefix('/'))
        {
            return rest
                .strip_prefix("purelib/")
                .or_else(|| rest.strip_prefix("platlib/"));
        }
        Some(path)
    }
}

fn unsafe_path(name: &str) -> Option<&'static str> {
    if name.starts_with('/') {
        Some("the path is absolute")
    } else if name.contains('\\') {
        Some("the path contains a backslash")
    } else if name.split('/').any(|c| c == "..") {
        Some("the path has a `..` component")
    } else if name.get(1..3) == Some(":/") {
        Some("the path starts with a drive letter")
    } else if name.contains('\0') {
        Some("the path contains a NUL byte")
    } else {
        None
    }
}
