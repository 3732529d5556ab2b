//! deb-symbols(5) files: which package and minimal version each exported symbol of a library
//! needs, as installed in `/var/lib/dpkg/info/<pkg>.symbols` or `/etc/dpkg/symbols/`.
//!
//! ```text
//! libc.so.6 libc6 #MINVER#
//! | libc6 (>> 2.36), libc6 (<< 2.37)
//! * Build-Depends-Package: libc6-dev
//!  memcpy@GLIBC_2.14 2.14
//!  GLIBC_PRIVATE@GLIBC_PRIVATE 0 1
//! #MISSING: 2.30# old@GLIBC_2.2.5 2.2.5
//!  (c++)"std::foo()@Base" 1.0
//! ```
//!
//! The parser accepts the template syntax of deb-src-symbols(5) as well (tags, quoting,
//! `#include`). Pattern symbols (`c++`, `symver`, `regex` tags, `*@VERSION`) are kept but do not
//! take part in lookups, exactly as in dpkg-shlibdeps, which only consults plain symbol names.
//! Reading files is not done here: `#include` goes through a loader the caller provides.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::debian::version::{DebVersion, compare_versions};

/// A parsed symbols file (and everything it `#include`s).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SymbolsFile {
    pub libraries: BTreeMap<String, SymbolsLibrary>,
    /// Sonames announced by a header line `<soname> ...` of the file itself (not of an
    /// included file): dpkg-shlibdeps only uses a symbols file for a soname when it does.
    pub announced: BTreeSet<String>,
    /// Lines dpkg would skip with a warning.
    pub warnings: Vec<SymbolsWarning>,
}

/// The section of a symbols file for one soname.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SymbolsLibrary {
    /// The main dependency template, then the `|` alternatives (dependency ids 1, 2, ...).
    pub dependencies: Vec<String>,
    /// `* Field-Name: value` lines, with the field name capitalized as dpkg does.
    pub fields: BTreeMap<String, String>,
    /// Plain symbols by `name@version` (`@Base` for unversioned ones).
    pub symbols: HashMap<String, SymbolEntry>,
    /// Pattern entries (c++, symver, regex). dpkg-shlibdeps never matches against them.
    pub patterns: Vec<SymbolPattern>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolEntry {
    pub minver: String,
    pub dep_id: usize,
    /// Marked `#MISSING: <version>#` or `#DEPRECATED: <version>#`.
    pub deprecated: bool,
    /// Where the entry was read, for error messages.
    pub file: PathBuf,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolPattern {
    /// The pattern as written, tags included.
    pub spec: String,
    pub minver: String,
    pub dep_id: usize,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolsWarning {
    pub file: PathBuf,
    pub line: usize,
    pub problem: String,
}

/// A symbols file that cannot be used: dpkg stops with an error on these too.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("corrupted symbols file `{}` line {line}: {problem}", file.display())]
pub struct SymbolsError {
    pub file: PathBuf,
    pub line: usize,
    pub problem: String,
}

/// Reads an included file; `None` when it does not exist (dpkg then ignores the directive).
pub type IncludeLoader<'a> = dyn FnMut(&Path) -> Option<String> + 'a;

impl SymbolsFile {
    /// Parse `text`, read from `file`, with no support for `#include`.
    pub fn parse(text: &str, file: &Path) -> Result<SymbolsFile, SymbolsError> {
        SymbolsFile::parse_with_includes(text, file, &mut |_| None)
    }

    /// Parse `text`, read from `file`; `#include "x"` is read through `load` (relative to the
    /// directory of `file`).
    pub fn parse_with_includes(
        text: &str,
        file: &Path,
        load: &mut IncludeLoader<'_>,
    ) -> Result<SymbolsFile, SymbolsError> {
        let mut parsed = SymbolsFile::default();
        let mut state = ParseState {
            current: None,
            base_tags: Vec::new(),
            seen: BTreeSet::new(),
            top_level: true,
        };
        parsed.parse_into(text, file, &mut state, load)?;
        Ok(parsed)
    }

    /// Whether dpkg-shlibdeps would pick this file for `soname`.
    pub fn announces(&self, soname: &str) -> bool {
        self.announced.contains(soname)
    }

    pub fn library(&self, soname: &str) -> Option<&SymbolsLibrary> {
        self.libraries.get(soname)
    }

    fn parse_into(
        &mut self,
        text: &str,
        file: &Path,
        state: &mut ParseState,
        load: &mut IncludeLoader<'_>,
    ) -> Result<(), SymbolsError> {
        if !state.seen.insert(file.to_path_buf()) {
            return Ok(()); // include loop
        }
        let top_level = std::mem::replace(&mut state.top_level, false);
        for (index, line) in text.split('\n').enumerate() {
            let number = index + 1;
            let error = |problem: &str| SymbolsError {
                file: file.to_path_buf(),
                line: number,
                problem: problem.to_owned(),
            };
            if let Some((deprecated, spec)) = symbol_line(line) {
                let Some(soname) = state.current.clone() else {
                    return Err(error("symbol information must be preceded by a header"));
                };
                match parse_symbol_spec(spec, &state.base_tags) {
                    Ok(Some(symbol)) => {
                        let library = self.libraries.entry(soname).or_default();
                        library.add(symbol, deprecated, file, number);
                    }
                    Ok(None) => self.warnings.push(SymbolsWarning {
                        file: file.to_path_buf(),
                        line: number,
                        problem: format!("failed to parse line `{line}`"),
                    }),
                    Err(problem) => return Err(error(problem)),
                }
            } else if let Some((tags, include)) = include_line(line) {
                let path = file
                    .parent()
                    .map(|dir| dir.join(include))
                    .unwrap_or_else(|| PathBuf::from(include));
                // Tags on the directive apply to the included symbols; a directive without tags
                // resets them (dpkg replaces its base symbol either way).
                let saved = match tags {
                    Some(tags) => {
                        let mut combined = state.base_tags.clone();
                        combined.extend(tags);
                        std::mem::replace(&mut state.base_tags, combined)
                    }
                    None => std::mem::take(&mut state.base_tags),
                };
                let Some(included) = load(&path) else {
                    return Err(error(&format!(
                        "cannot read included file `{}`",
                        path.display()
                    )));
                };
                self.parse_into(&included, &path, state, load)?;
                state.base_tags = saved;
            } else if line.starts_with('#') || line.is_empty() {
                continue;
            } else if let Some(alternative) = line.strip_prefix('|') {
                let Some(soname) = &state.current else {
                    return Err(error("alternative dependency before any header"));
                };
                let library = self.libraries.entry(soname.clone()).or_default();
                library
                    .dependencies
                    .push(alternative.trim_start().to_owned());
            } else if let Some(field) = line.strip_prefix('*') {
                let Some(soname) = &state.current else {
                    return Err(error("field before any header"));
                };
                let Some((name, value)) = field.split_once(':') else {
                    self.warn(file, number, line);
                    continue;
                };
                let (name, value) = (name.trim_start(), value.trim());
                if name.is_empty() || value.is_empty() {
                    self.warn(file, number, line);
                    continue;
                }
                let library = self.libraries.entry(soname.clone()).or_default();
                library
                    .fields
                    .insert(capitalize_field(name.trim_end()), value.to_owned());
            } else if let Some((soname, dependency)) = header_line(line) {
                let library = self.libraries.entry(soname.to_owned()).or_default();
                // A repeated header replaces the dependency templates, as in dpkg.
                library.dependencies = vec![dependency.to_owned()];
                if top_level && line.as_bytes().get(soname.len()) == Some(&b' ') {
                    self.announced.insert(soname.to_owned());
                }
                state.current = Some(soname.to_owned());
            } else {
                self.warn(file, number, line);
            }
        }
        state.seen.remove(file);
        state.top_level = top_level;
        Ok(())
    }

    fn warn(&mut self, file: &Path, line: usize, text: &str) {
        self.warnings.push(SymbolsWarning {
            file: file.to_path_buf(),
            line,
            problem: format!("failed to parse a line `{text}`"),
        });
    }
}

impl SymbolsLibrary {
    fn add(&mut self, symbol: ParsedSymbol, deprecated: bool, file: &Path, line: usize) {
        if symbol.pattern {
            self.patterns.push(SymbolPattern {
                spec: symbol.spec,
                minver: symbol.minver,
                dep_id: symbol.dep_id,
                line,
            });
            return;
        }
        self.symbols.insert(
            symbol.name,
            SymbolEntry {
                minver: symbol.minver,
                dep_id: symbol.dep_id,
                deprecated,
                file: file.to_path_buf(),
                line,
            },
        );
    }

    /// The dependency template for a dependency id (`None` for an id with no template).
    pub fn dependency(&self, dep_id: usize) -> Option<&str> {
        self.dependencies.get(dep_id).map(String::as_str)
    }

    /// The smallest minimal version among the symbols using dependency template `dep_id`
    /// (deprecated ones included), with the entry it came from. Errors on an invalid version,
    /// naming its file and line.
    pub fn smallest_version(
        &self,
        dep_id: usize,
    ) -> Result<Option<(&str, &SymbolEntry)>, SymbolsError> {
        let mut smallest: Option<(&str, &SymbolEntry)> = None;
        // Sorted so that the entry reported among equal versions does not depend on hashing.
        let mut entries: Vec<(&String, &SymbolEntry)> = self
            .symbols
            .iter()
            .filter(|(_, entry)| entry.dep_id == dep_id)
            .collect();
        entries.sort_by_key(|(name, _)| name.as_str());
        for (name, entry) in entries {
            entry.validate()?;
            smallest = match smallest {
                Some((_, best))
                    if compare_versions(&best.minver, &entry.minver).ok()
                        != Some(std::cmp::Ordering::Greater) =>
                {
                    smallest
                }
                _ => Some((name.as_str(), entry)),
            };
        }
        Ok(smallest)
    }

    /// The entry for `name@version`, unless it is deprecated.
    pub fn lookup(&self, key: &str) -> Option<&SymbolEntry> {
        self.symbols.get(key).filter(|entry| !entry.deprecated)
    }

    /// The field named `Build-Depends-Packages`, else `Build-Depends-Package`, split on commas
    /// and whitespace.
    pub fn build_depends_packages(&self) -> Vec<&str> {
        self.fields
            .get("Build-Depends-Packages")
            .or_else(|| self.fields.get("Build-Depends-Package"))
            .map(|value| {
                value
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|p| !p.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl SymbolEntry {
    /// Check that the minimal version is a valid Debian version.
    pub fn validate(&self) -> Result<&str, SymbolsError> {
        match DebVersion::parse(&self.minver) {
            Ok(_) => Ok(&self.minver),
            Err(e) => Err(SymbolsError {
                file: self.file.clone(),
                line: self.line,
                problem: format!("invalid minimal version: {e}"),
            }),
        }
    }
}

/// Symbol tags (`(optional|arch=amd64)`) as (name, value) pairs.
type Tags = Vec<(String, Option<String>)>;

struct ParseState {
    current: Option<String>,
    base_tags: Tags,
    seen: BTreeSet<PathBuf>,
    top_level: bool,
}

struct ParsedSymbol {
    name: String,
    spec: String,
    minver: String,
    dep_id: usize,
    pattern: bool,
}

/// A symbol line: leading whitespace, or `#MISSING: v#` / `#DEPRECATED: v#`. Returns whether
/// the symbol is deprecated (dpkg treats the marker as set only when `v` is a valid version
/// other than `0`) and the symbol specification.
fn symbol_line(line: &str) -> Option<(bool, &str)> {
    if line.starts_with(|c: char| c.is_whitespace()) {
        return Some((false, line.trim_start()));
    }
    let rest = line
        .strip_prefix("#MISSING: ")
        .or_else(|| line.strip_prefix("#DEPRECATED: "))?;
    let (version, spec) = rest.split_once('#')?;
    if version.is_empty() {
        return None;
    }
    let deprecated = version != "0" && DebVersion::parse(version).is_ok();
    Some((deprecated, spec.trim_start()))
}

/// `[(tags)]#include "file"`
fn include_line(line: &str) -> Option<(Option<Tags>, &str)> {
    let (tags, rest) = if line.starts_with('(') {
        let close = line.find(")#include")?;
        (Some(parse_tags(&line[1..close])), &line[close + 1..])
    } else {
        (None, line)
    };
    let rest = rest.strip_prefix("#include")?;
    if !rest.starts_with(|c: char| c.is_whitespace()) {
        return None;
    }
    let rest = rest.trim_start().strip_prefix('"')?;
    let end = rest.find('"')?;
    (end > 0).then(|| (tags, &rest[..end]))
}

/// `<soname> <dependency template>`
fn header_line(line: &str) -> Option<(&str, &str)> {
    let end = line.find(char::is_whitespace)?;
    let (soname, rest) = line.split_at(end);
    Some((soname, rest.trim_start()))
}

fn parse_tags(spec: &str) -> Vec<(String, Option<String>)> {
    spec.split('|')
        .map(|tag| match tag.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (tag.to_owned(), None),
        })
        .collect()
}

/// Parse `[(tags)]name minver [dep_id]`. `Ok(None)` is a line dpkg skips with a warning;
/// `Err` one it stops on.
fn parse_symbol_spec(
    spec: &str,
    base_tags: &[(String, Option<String>)],
) -> Result<Option<ParsedSymbol>, &'static str> {
    let mut tags = base_tags.to_vec();
    let (name, rest) = match spec
        .trim_start()
        .strip_prefix('(')
        .and_then(|s| s.split_once(')'))
        .filter(|(inside, _)| !inside.is_empty())
    {
        Some((inside, after)) => {
            tags.extend(parse_tags(inside));
            let quoted = after
                .chars()
                .next()
                .filter(|&q| q == '"' || q == '\'')
                .and_then(|q| after[1..].split_once(q));
            let (name, rest) = match quoted {
                Some((name, rest)) => (name, rest),
                // dpkg keeps the unparsable remainder as the name, then skips the line.
                None if after.starts_with(char::is_whitespace) => return Ok(None),
                None => after.split_at(after.find(char::is_whitespace).unwrap_or(after.len())),
            };
            if name.is_empty() || name == "0" {
                return Err("symbol name unspecified");
            }
            (name, rest)
        }
        None => {
            let end = spec.find(char::is_whitespace).unwrap_or(spec.len());
            if end == 0 {
                return Ok(None);
            }
            spec.split_at(end)
        }
    };
    // `^\s(\S+)(?:\s(\d+))?`: exactly one separator before the version and the id.
    let Some(rest) = rest.strip_prefix(|c: char| c.is_whitespace()) else {
        return Ok(None);
    };
    let version_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let (minver, rest) = rest.split_at(version_end);
    if minver.is_empty() {
        return Ok(None);
    }
    let dep_id = rest
        .strip_prefix(|c: char| c.is_whitespace())
        .map(|r| {
            r.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .filter(|digits| !digits.is_empty())
        .and_then(|digits| digits.parse().ok())
        .unwrap_or(0);
    let has = |tag: &str| tags.iter().any(|(name, _)| name == tag);
    let symver_wildcard = name.starts_with("*@");
    let pattern = has("c++") || has("symver") || has("regex") || symver_wildcard;
    Ok(Some(ParsedSymbol {
        name: name.to_owned(),
        spec: spec.to_owned(),
        minver: minver.to_owned(),
        dep_id,
        pattern,
    }))
}

/// dpkg's `field_capitalize` for the fields symbols files use: each dash-separated word
/// starts with a capital letter.
fn capitalize_field(name: &str) -> String {
    name.to_ascii_lowercase()
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use std::fmt::Write;

    use super::*;

    /// Parse and print a canonical dump of everything the algorithm uses.
    #[track_caller]
    fn check(input: &str, expect: &str) {
        let got = match SymbolsFile::parse(input, Path::new("test.symbols")) {
            Ok(file) => dump(&file),
            Err(e) => format!("error: {e}\n"),
        };
        assert_eq!(got, expect, "input:\n{input}");
    }

    fn dump(file: &SymbolsFile) -> String {
        let mut out = String::new();
        for (soname, library) in &file.libraries {
            let announced = if file.announces(soname) {
                ""
            } else {
                " (not announced)"
            };
            writeln!(out, "{soname}{announced}").unwrap();
            for (id, dep) in library.dependencies.iter().enumerate() {
                writeln!(out, "  dep {id}: {dep}").unwrap();
            }
            for (name, value) in &library.fields {
                writeln!(out, "  field {name}: {value}").unwrap();
            }
            let mut symbols: Vec<_> = library.symbols.iter().collect();
            symbols.sort_by_key(|(name, _)| name.as_str());
            for (name, entry) in symbols {
                let deprecated = if entry.deprecated { " deprecated" } else { "" };
                writeln!(
                    out,
                    "  {name} {} {}{deprecated} (line {})",
                    entry.minver, entry.dep_id, entry.line
                )
                .unwrap();
            }
            for pattern in &library.patterns {
                writeln!(out, "  pattern {} (line {})", pattern.spec, pattern.line).unwrap();
            }
        }
        for warning in &file.warnings {
            writeln!(out, "warning line {}: {}", warning.line, warning.problem).unwrap();
        }
        out
    }

    #[test]
    fn libpq_excerpt() {
        check(
            "\
libpq.so.5 libpq5 #MINVER#
* Build-Depends-Package: libpq-dev
 PQbackendPID@Base 0
 PQconnectStartParams@Base 9.0~
 PQconnectionNeedsPassword@Base 8.3~rc1-1~
",
            "\
libpq.so.5
  dep 0: libpq5 #MINVER#
  field Build-Depends-Package: libpq-dev
  PQbackendPID@Base 0 0 (line 3)
  PQconnectStartParams@Base 9.0~ 0 (line 4)
  PQconnectionNeedsPassword@Base 8.3~rc1-1~ 0 (line 5)
",
        );
    }

    #[test]
    fn alternatives_and_dep_ids() {
        check(
            "\
libc.so.6 libc6 #MINVER#
| libc6 (>> 2.36), libc6 (<< 2.37)
 GLIBC_PRIVATE@GLIBC_PRIVATE 0 1
 memcpy@GLIBC_2.14 2.14
 odd@Base 1.0  1
 odd2@Base 1.0 2x
",
            "\
libc.so.6
  dep 0: libc6 #MINVER#
  dep 1: libc6 (>> 2.36), libc6 (<< 2.37)
  GLIBC_PRIVATE@GLIBC_PRIVATE 0 1 (line 3)
  memcpy@GLIBC_2.14 2.14 0 (line 4)
  odd2@Base 1.0 2 (line 6)
  odd@Base 1.0 0 (line 5)
",
        );
    }

    #[test]
    fn two_sonames_one_file() {
        check(
            "\
libcrypto.so.3 libssl3 #MINVER#
* Build-Depends-Package: libssl-dev
 ACCESS_DESCRIPTION_free@OPENSSL_3.0.0 3.0.0
libssl.so.3 libssl3 #MINVER#
* build-depends-package:   libssl-dev  
 SSL_CTX_new@OPENSSL_3.0.0 3.0.0
",
            "\
libcrypto.so.3
  dep 0: libssl3 #MINVER#
  field Build-Depends-Package: libssl-dev
  ACCESS_DESCRIPTION_free@OPENSSL_3.0.0 3.0.0 0 (line 3)
libssl.so.3
  dep 0: libssl3 #MINVER#
  field Build-Depends-Package: libssl-dev
  SSL_CTX_new@OPENSSL_3.0.0 3.0.0 0 (line 6)
",
        );
    }

    #[test]
    fn deprecated_markers() {
        check(
            "\
libfoo.so.1 libfoo1 #MINVER#
#MISSING: 1.2-1# gone@Base 1.0
#DEPRECATED: 1.3# old@Base 1.1
#MISSING: 0# zero@Base 1.0
#MISSING: bogus version# invalid@Base 1.0
# a comment
 kept@Base 1.0
",
            "\
libfoo.so.1
  dep 0: libfoo1 #MINVER#
  gone@Base 1.0 0 deprecated (line 2)
  invalid@Base 1.0 0 (line 5)
  kept@Base 1.0 0 (line 7)
  old@Base 1.1 0 deprecated (line 3)
  zero@Base 1.0 0 (line 4)
",
        );
    }

    #[test]
    fn template_tags_and_patterns() {
        check(
            "\
libfoo.so.1 libfoo1 #MINVER#
 (c++)\"foo::bar(int)@Base\" 1.0
 (symver)FOO_1.0 1.0
 (regex)\"^foo_.*@Base$\" 1.1
 *@FOO_2.0 2.0
 (optional|arch=amd64)plain@Base 1.2
 (arch=!amd64)'quoted name@Base' 1.3
",
            "\
libfoo.so.1
  dep 0: libfoo1 #MINVER#
  plain@Base 1.2 0 (line 6)
  quoted name@Base 1.3 0 (line 7)
  pattern (c++)\"foo::bar(int)@Base\" 1.0 (line 2)
  pattern (symver)FOO_1.0 1.0 (line 3)
  pattern (regex)\"^foo_.*@Base$\" 1.1 (line 4)
  pattern *@FOO_2.0 2.0 (line 5)
",
        );
    }

    #[test]
    fn header_with_tab_is_not_announced() {
        check(
            "libfoo.so.1\tlibfoo1 #MINVER#\n bar@Base 1\n",
            "\
libfoo.so.1 (not announced)
  dep 0: libfoo1 #MINVER#
  bar@Base 1 0 (line 2)
",
        );
    }

    #[test]
    fn skipped_lines_are_warnings() {
        check(
            "\
libfoo.so.1 libfoo1 #MINVER#
 nominver@Base
*: novalue
just-a-word
 ok@Base 1
",
            "\
libfoo.so.1
  dep 0: libfoo1 #MINVER#
  ok@Base 1 0 (line 5)
warning line 2: failed to parse line ` nominver@Base`
warning line 3: failed to parse a line `*: novalue`
warning line 4: failed to parse a line `just-a-word`
",
        );
    }

    #[test]
    fn corrupted_files_name_file_and_line() {
        check(
            " orphan@Base 1.0\nlibfoo.so.1 libfoo1\n",
            "error: corrupted symbols file `test.symbols` line 1: symbol information must be preceded by a header\n",
        );
        check(
            "libfoo.so.1 libfoo1\n (c++)\n",
            "error: corrupted symbols file `test.symbols` line 2: symbol name unspecified\n",
        );
        check(
            "| libfoo1\n",
            "error: corrupted symbols file `test.symbols` line 1: alternative dependency before any header\n",
        );
    }

    #[test]
    fn smallest_version_and_invalid_versions() {
        let file = SymbolsFile::parse(
            "\
libz.so.1 zlib1g #MINVER#
 ZLIB_1.2.0@ZLIB_1.2.0 1:1.2.0
 crc32@Base 1:1.1.4
 priv@Base 0 1
 bad@Base not-a-version 1
",
            Path::new("/var/lib/dpkg/info/zlib1g:amd64.symbols"),
        )
        .unwrap();
        let library = file.library("libz.so.1").unwrap();
        let (name, entry) = library.smallest_version(0).unwrap().unwrap();
        assert_eq!((name, entry.minver.as_str()), ("crc32@Base", "1:1.1.4"));
        let error = library.smallest_version(1).unwrap_err();
        assert_eq!(
            error.to_string(),
            "corrupted symbols file `/var/lib/dpkg/info/zlib1g:amd64.symbols` line 5: invalid \
             minimal version: `not-a-version` is not a valid Debian version: version number \
             does not start with digit"
        );
        assert!(library.smallest_version(7).unwrap().is_none());
    }

    #[test]
    fn includes_are_read_through_the_loader() {
        let mut load = |path: &Path| {
            (path == Path::new("/etc/dpkg/symbols/common.inc"))
                .then(|| " included@Base 2.0\n (c++)\"x()@Base\" 1\n".to_owned())
        };
        let file = SymbolsFile::parse_with_includes(
            "libfoo.so.1 libfoo1 #MINVER#\n(arch=amd64)#include \"common.inc\"\n",
            Path::new("/etc/dpkg/symbols/libfoo1.symbols"),
            &mut load,
        )
        .unwrap();
        let library = file.library("libfoo.so.1").unwrap();
        assert_eq!(library.lookup("included@Base").unwrap().minver, "2.0");
        assert_eq!(library.lookup("included@Base").unwrap().line, 1);
        assert_eq!(library.patterns.len(), 1);
        let error = SymbolsFile::parse_with_includes(
            "libfoo.so.1 libfoo1 #MINVER#\n#include \"missing.inc\"\n",
            Path::new("/etc/dpkg/symbols/libfoo1.symbols"),
            &mut load,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "corrupted symbols file `/etc/dpkg/symbols/libfoo1.symbols` line 2: cannot read \
             included file `/etc/dpkg/symbols/missing.inc`"
        );
    }

    #[test]
    fn build_depends_fields() {
        let file = SymbolsFile::parse(
            "\
liba.so.1 liba1 #MINVER#
* Build-Depends-Package: liba-dev
libb.so.1 libb1 #MINVER#
* Build-Depends-Package: libb-dev
* Build-Depends-Packages: libb-dev, libb-alt-dev libb3-dev
",
            Path::new("x.symbols"),
        )
        .unwrap();
        assert_eq!(
            file.library("liba.so.1").unwrap().build_depends_packages(),
            ["liba-dev"]
        );
        assert_eq!(
            file.library("libb.so.1").unwrap().build_depends_packages(),
            ["libb-dev", "libb-alt-dev", "libb3-dev"]
        );
    }
}
