//! deb-shlibs(5) files (`[type:] library version dependencies`) and dpkg's `split_soname`.
//!
//! shlibs files are the fallback when no symbols file covers a soname: one line per library
//! gives a fixed dependency (`libbz2 1.0 libbz2-1.0`). They live in
//! `/var/lib/dpkg/info/<pkg>.shlibs`, `/etc/dpkg/shlibs.override` and
//! `/etc/dpkg/shlibs.default`. Reading those files is not done here.

use std::path::{Path, PathBuf};

/// One parsed shlibs file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShlibsFile {
    pub entries: Vec<ShlibsEntry>,
    /// Lines dpkg skips with a warning ("bad line").
    pub bad_lines: Vec<(usize, String)>,
    pub path: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShlibsEntry {
    pub line: usize,
    /// `udeb`, `deb`, ...; `None` for the untyped default.
    pub package_type: Option<String>,
    pub library: String,
    pub version: String,
    /// The dependency text, verbatim; may be empty.
    pub dependencies: String,
}

/// Split a soname into the (name, version) shlibs files use: `libfoo.so.1.2` → (`libfoo`,
/// `1.2`), `libbfd-2.40-system.so` → (`libbfd`, `2.40-system`). `None` for sonames of neither
/// form (`libfoo.so`), which dpkg-shlibdeps treats as unversioned private libraries.
pub fn split_soname(soname: &str) -> Option<(&str, &str)> {
    // `^(.+)\.so\.(.+)$`, greedy: the last `.so.` that leaves both sides non-empty.
    let by_so = (1..soname.len())
        .rev()
        .filter(|&at| soname.as_bytes()[at..].starts_with(b".so."))
        .map(|at| (&soname[..at], &soname[at + 4..]))
        .find(|(_, version)| !version.is_empty());
    if by_so.is_some() {
        return by_so;
    }
    // `^(.+)-(\d.*)\.so$`, greedy: the last `-` followed by a digit.
    let stem = soname.strip_suffix(".so")?;
    stem.match_indices('-')
        .rev()
        .map(|(at, _)| (&stem[..at], &stem[at + 1..]))
        .find(|(name, version)| {
            !name.is_empty() && version.starts_with(|c: char| c.is_ascii_digit())
        })
}

impl ShlibsFile {
    pub fn parse(text: &str, path: &Path) -> ShlibsFile {
        let mut file = ShlibsFile {
            path: path.to_path_buf(),
            ..ShlibsFile::default()
        };
        for (index, raw) in text.split('\n').enumerate() {
            let line = raw.trim_end();
            if line.starts_with('#') {
                continue;
            }
            let number = index + 1;
            match parse_line(line) {
                Some((package_type, library, version, dependencies)) => {
                    file.entries.push(ShlibsEntry {
                        line: number,
                        package_type: package_type.map(str::to_owned),
                        library: library.to_owned(),
                        version: version.to_owned(),
                        dependencies: dependencies.to_owned(),
                    })
                }
                // dpkg reads a final empty line as a bad line too, but only after the last
                // newline, which is not a line at all.
                None if line.is_empty() && index + 1 == text.split('\n').count() => {}
                None => file.bad_lines.push((number, line.to_owned())),
            }
        }
        file
    }

    /// The dependency for `soname` in a package of type `package_type` (`deb`): a line typed
    /// for that package type wins at once, otherwise the first untyped line.
    pub fn lookup(&self, soname: &str, package_type: &str) -> Option<&ShlibsEntry> {
        let (name, version) = split_soname(soname)?;
        let mut default = None;
        for entry in &self.entries {
            if entry.library != name || entry.version != version {
                continue;
            }
            match &entry.package_type {
                Some(kind) if kind == package_type => return Some(entry),
                Some(_) => {}
                None => {
                    default.get_or_insert(entry);
                }
            }
        }
        default
    }
}

/// Match `^\s*(?:(\S+):\s+)?(\S+)\s+(\S+)(?:\s+(\S.*\S))?\s*$` (with backtracking over the
/// optional type, as the regular expression would).
fn parse_line(line: &str) -> Option<(Option<&str>, &str, &str, &str)> {
    let line = line.trim();
    let (first, rest) = split_token(line);
    if let Some(kind) = first.strip_suffix(':').filter(|k| !k.is_empty())
        && rest.starts_with(char::is_whitespace)
        && let Some((library, version, deps)) = parse_fields(rest.trim_start())
    {
        return Some((Some(kind), library, version, deps));
    }
    parse_fields(line).map(|(library, version, deps)| (None, library, version, deps))
}

fn parse_fields(text: &str) -> Option<(&str, &str, &str)> {
    let (library, rest) = split_token(text);
    if library.is_empty() || !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let (version, rest) = split_token(rest.trim_start());
    if version.is_empty() {
        return None;
    }
    let deps = rest.trim();
    // `(\S.*\S)`: a single character cannot be a dependency list.
    if deps.chars().count() == 1 {
        return None;
    }
    Some((library, version, deps))
}

fn split_token(text: &str) -> (&str, &str) {
    text.split_at(text.find(char::is_whitespace).unwrap_or(text.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_split(soname: &str, expect: Option<(&str, &str)>) {
        assert_eq!(split_soname(soname), expect, "{soname}");
    }

    #[test]
    fn soname_splitting() {
        check_split("libpq.so.5", Some(("libpq", "5")));
        check_split("libc.so.6", Some(("libc", "6")));
        check_split("libbz2.so.1.0", Some(("libbz2", "1.0")));
        check_split("libbfd-2.40-system.so", Some(("libbfd", "2.40-system")));
        check_split("libfoo.so.1.so.2", Some(("libfoo.so.1", "2")));
        check_split("libx.so.1.so.", Some(("libx", "1.so.")));
        check_split("libfoo.so", None);
        check_split("libfoo-bar.so", None);
        check_split("-1.so", None);
        check_split("ld-linux-x86-64.so.2", Some(("ld-linux-x86-64", "2")));
        check_split("libpython3.11.so.1.0", Some(("libpython3.11", "1.0")));
    }

    /// Parse `text`, then print what `lookup(soname, "deb")` finds and the bad lines.
    #[track_caller]
    fn check(text: &str, soname: &str, expect: &str) {
        let file = ShlibsFile::parse(text, Path::new("x.shlibs"));
        let mut got = match file.lookup(soname, "deb") {
            Some(entry) => format!("line {}: {}", entry.line, entry.dependencies),
            None => "none".to_owned(),
        };
        for (line, text) in &file.bad_lines {
            got.push_str(&format!("\nbad line {line}: {text}"));
        }
        assert_eq!(got, expect, "{text}");
    }

    #[test]
    fn observed_files() {
        check(
            "libpq 5 libpq5 (>= 15.20)\n",
            "libpq.so.5",
            "line 1: libpq5 (>= 15.20)",
        );
        check(
            "libcrypto 3 libssl3 (>= 3.0.22)\nlibssl 3 libssl3 (>= 3.0.22)\nudeb: libssl 3 libssl3-udeb (>= 3.0.22)\n",
            "libssl.so.3",
            "line 2: libssl3 (>= 3.0.22)",
        );
        check("libffi 8 libffi8\n", "libffi.so.8", "line 1: libffi8");
        check(
            "libz 1 zlib1g (>= 1:1.2.3.3.dfsg-1)\n",
            "libz.so.1",
            "line 1: zlib1g (>= 1:1.2.3.3.dfsg-1)",
        );
        check(
            "libbz2\t1.0\tlibbz2-1.0\n",
            "libbz2.so.1.0",
            "line 1: libbz2-1.0",
        );
        check(
            "libbfd 2.40-system libbinutils (>= 2.40), libbinutils (<< 2.40.1)\n",
            "libbfd-2.40-system.so",
            "line 1: libbinutils (>= 2.40), libbinutils (<< 2.40.1)",
        );
        check(
            "libGLU 1 libglu1-mesa | libglu1\n",
            "libGLU.so.1",
            "line 1: libglu1-mesa | libglu1",
        );
    }

    #[test]
    fn types_comments_and_bad_lines() {
        check(
            "# Copyright\n# comment\nudeb: libfoo 1 libfoo1-udeb\nlibfoo 1 libfoo1\n",
            "libfoo.so.1",
            "line 4: libfoo1",
        );
        check(
            "libfoo 1 libfoo1\ndeb: libfoo 1 libfoo1 (>= 2)\n",
            "libfoo.so.1",
            "line 2: libfoo1 (>= 2)",
        );
        check(
            "libfoo 1 first\nlibfoo 1 second\n",
            "libfoo.so.1",
            "line 1: first",
        );
        check(
            "  libfoo   1   libfoo1   \n",
            "libfoo.so.1",
            "line 1: libfoo1",
        );
        check("libfoo 1\n", "libfoo.so.1", "line 1: ");
        check(
            "libfoo 1 x\nlibfoo\n\nlibfoo 1 ok\n",
            "libfoo.so.1",
            "line 4: ok\nbad line 1: libfoo 1 x\nbad line 2: libfoo\nbad line 3: ",
        );
        check("udeb: libfoo\n", "libfoo.so.1", "none");
        check("libfoo 1 libfoo1\n", "libfoo.so", "none");
    }
}
