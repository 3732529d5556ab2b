//! deb822 control data (`Field: value` paragraphs), as in `/var/lib/dpkg/status`, and the
//! installed-package records wheelfix needs from it.
//!
//! Only parsing lives here; which file is read, and when, is decided by `dpkgdb`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One paragraph: fields in file order (names as written; look-ups ignore case).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paragraph {
    pub fields: Vec<(String, String)>,
    /// Line number of the paragraph's first field.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed control file `{}` line {line}: {problem}", path.display())]
pub struct Deb822Error {
    pub path: PathBuf,
    pub line: usize,
    pub problem: &'static str,
}

impl Paragraph {
    /// The value of `name` (case-insensitive), continuation lines joined with `\n`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Split `text` into paragraphs. Comment lines (`#`) are skipped.
pub fn parse_paragraphs(text: &str, path: &Path) -> Result<Vec<Paragraph>, Deb822Error> {
    let mut paragraphs = Vec::new();
    let mut current = Paragraph::default();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            if !current.fields.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            let Some((_, value)) = current.fields.last_mut() else {
                return Err(Deb822Error {
                    path: path.to_path_buf(),
                    line: number,
                    problem: "continuation line before any field",
                });
            };
            value.push('\n');
            value.push_str(line.trim());
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(Deb822Error {
                path: path.to_path_buf(),
                line: number,
                problem: "line is neither a field nor a continuation",
            });
        };
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(Deb822Error {
                path: path.to_path_buf(),
                line: number,
                problem: "invalid field name",
            });
        }
        if current.fields.is_empty() {
            current.line = number;
        }
        current
            .fields
            .push((name.to_owned(), value.trim().to_owned()));
    }
    if !current.fields.is_empty() {
        paragraphs.push(current);
    }
    Ok(paragraphs)
}

/// What wheelfix uses of a package's entry in the dpkg status database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledPackage {
    pub name: String,
    pub architecture: String,
    pub version: String,
    /// The source package name (the `Source` field without its version, else the name).
    pub source: String,
    pub multi_arch: Option<String>,
}

impl InstalledPackage {
    /// The key `.list` files use: `name:arch` for `Multi-Arch: same`, else `name`.
    pub fn info_name(&self) -> String {
        if self.multi_arch.as_deref() == Some("same") {
            format!("{}:{}", self.name, self.architecture)
        } else {
            self.name.clone()
        }
    }
}

/// The installed packages of a status file, by their info-file name (`libpq5:amd64`, `dpkg`).
/// Entries whose `Status` is not `install ok installed` (removed, half-configured, ...) are
/// left out.
pub fn installed_packages(paragraphs: &[Paragraph]) -> BTreeMap<String, InstalledPackage> {
    let mut packages = BTreeMap::new();
    for paragraph in paragraphs {
        let status: Vec<&str> = paragraph
            .get("Status")
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        if status.last() != Some(&"installed") {
            continue;
        }
        let (Some(name), Some(version)) = (paragraph.get("Package"), paragraph.get("Version"))
        else {
            continue;
        };
        let source = paragraph
            .get("Source")
            .and_then(|s| s.split_whitespace().next())
            .unwrap_or(name);
        let package = InstalledPackage {
            name: name.to_owned(),
            architecture: paragraph.get("Architecture").unwrap_or("all").to_owned(),
            version: version.to_owned(),
            source: source.to_owned(),
            multi_arch: paragraph.get("Multi-Arch").map(str::to_owned),
        };
        packages.insert(package.info_name(), package);
    }
    packages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(text: &str, expect: &str) {
        let got = match parse_paragraphs(text, Path::new("status")) {
            Ok(paragraphs) => installed_packages(&paragraphs)
                .iter()
                .map(|(key, p)| {
                    format!(
                        "{key} = {} {} {} src={} ma={:?}\n",
                        p.name, p.architecture, p.version, p.source, p.multi_arch
                    )
                })
                .collect::<String>(),
            Err(e) => format!("error: {e}\n"),
        };
        assert_eq!(got, expect);
    }

    #[test]
    fn status_entries() {
        check(
            "\
Package: libpq5
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: postgresql-15
Version: 15.20-0+deb12u1
Description: PostgreSQL C client library
 libpq is a C library that enables user programs to communicate with
 the PostgreSQL database server.

Package: dpkg
Essential: yes
Status: install ok installed
Architecture: amd64
Multi-Arch: foreign
Version: 1.21.23

Package: libzstd1
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: libzstd (1.5.4+dfsg2-5)
Version: 1.5.4+dfsg2-5

Package: gone
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0
",
            "\
dpkg = dpkg amd64 1.21.23 src=dpkg ma=Some(\"foreign\")
libpq5:amd64 = libpq5 amd64 15.20-0+deb12u1 src=postgresql-15 ma=Some(\"same\")
libzstd1:amd64 = libzstd1 amd64 1.5.4+dfsg2-5 src=libzstd ma=Some(\"same\")
",
        );
    }

    #[test]
    fn malformed_lines_name_the_line() {
        check(
            "Package: a\nno colon here\n",
            "error: malformed control file `status` line 2: line is neither a field nor a continuation\n",
        );
        check(
            " continuation\n",
            "error: malformed control file `status` line 1: continuation line before any field\n",
        );
    }

    #[test]
    fn continuation_lines_are_joined() {
        let paragraphs = parse_paragraphs("A: one\n two\n .\nB:three\n", Path::new("x")).unwrap();
        assert_eq!(paragraphs[0].get("a"), Some("one\ntwo\n."));
        assert_eq!(paragraphs[0].get("B"), Some("three"));
    }
}
