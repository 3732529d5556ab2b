//! abi3 (`A001`, `A002`): a `cp3X-abi3` wheel may only import CPython symbols of the stable
//! ABI that exist in 3.X. The table is CPython's stable-ABI data as the `abi3info` package
//! (which abi3audit uses) ships it: `data/abi3info/_internal.py`, a verbatim copy from the
//! PyPI release named in `data/abi3info/UPSTREAM`, refreshed by `cargo xtask update-stable-abi`
//! and never edited by hand.
//!
//! Only imports count: the undefined dynamic symbols named `Py*`/`_Py*` (module init functions
//! excluded), which is what the interpreter must provide when the module is loaded.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use wheelfix_elf::ElfFacts;

use crate::rules::{A001, A002, Finding};

/// `abi3info/_internal.py` of the release in [`UPSTREAM`], byte for byte.
pub const ABI3INFO_DATA: &str = include_str!("../data/abi3info/_internal.py");
/// The abi3info release the table was copied from, with hashes.
pub const UPSTREAM: &str = include_str!("../data/abi3info/UPSTREAM");

/// A CPython version `major.minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PyVersion {
    pub major: u32,
    pub minor: u32,
}

impl fmt::Display for PyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Whether a stable-ABI symbol is a function or a data object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    Function,
    Data,
}

/// The stable-ABI symbols and the version that added each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StableAbi {
    symbols: BTreeMap<String, (PyVersion, SymbolKind)>,
}

/// Why the abi3info data could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StableAbiError {
    #[error("the abi3info data has no `{0}` table")]
    MissingTable(&'static str),
    #[error("the abi3info data is malformed near byte {offset}: {problem}")]
    Malformed {
        offset: usize,
        problem: &'static str,
    },
}

impl StableAbi {
    /// Read the `_FUNCTIONS` and `_DATAS` tables of abi3info's generated module: each entry has
    /// `symbol=Symbol(name="...")` followed by `added=PyVersion(major=X, minor=Y)`.
    pub fn parse(text: &str) -> Result<StableAbi, StableAbiError> {
        let mut symbols = BTreeMap::new();
        for (table, kind) in [
            ("_FUNCTIONS", SymbolKind::Function),
            ("_DATAS", SymbolKind::Data),
        ] {
            let header = format!("\n{table}:");
            let start = text
                .find(&header)
                .ok_or(StableAbiError::MissingTable(table))?
                + 1;
            // The table ends where the next top-level assignment begins.
            let end = text[start + 1..]
                .find("\n_")
                .map_or(text.len(), |i| start + 1 + i);
            let section = &text[start..end];
            let mut pos = 0;
            const SYMBOL: &str = "symbol=Symbol(name=\"";
            const ADDED: &str = "added=PyVersion(";
            while let Some(found) = section[pos..].find(SYMBOL) {
                let name_start = pos + found + SYMBOL.len();
                let malformed = |problem| StableAbiError::Malformed {
                    offset: start + name_start,
                    problem,
                };
                let name_len = section[name_start..]
                    .find('"')
                    .ok_or(malformed("unterminated symbol name"))?;
                let name = &section[name_start..name_start + name_len];
                let after = name_start + name_len;
                let added = section[after..]
                    .find(ADDED)
                    .ok_or(malformed("a symbol without `added=PyVersion(...)`"))?;
                if section[after..after + added].contains(SYMBOL) {
                    return Err(malformed("a symbol without `added=PyVersion(...)`"));
                }
                let version_start = after + added + ADDED.len();
                let version_len = section[version_start..]
                    .find(')')
                    .ok_or(malformed("unterminated PyVersion"))?;
                let version = parse_version(&section[version_start..version_start + version_len])
                    .ok_or(malformed("a PyVersion that is not `major=X, minor=Y`"))?;
                symbols.insert(name.to_owned(), (version, kind));
                pos = version_start + version_len;
            }
        }
        Ok(StableAbi { symbols })
    }

    /// The embedded table.
    pub fn embedded() -> &'static StableAbi {
        static TABLE: OnceLock<StableAbi> = OnceLock::new();
        TABLE.get_or_init(|| {
            #[allow(clippy::expect_used)]
            StableAbi::parse(ABI3INFO_DATA)
                .expect("invariant: the embedded abi3info data parses (tested)")
        })
    }

    pub fn get(&self, symbol: &str) -> Option<(PyVersion, SymbolKind)> {
        self.symbols.get(symbol).copied()
    }

    pub fn len(&self) -> usize {
        self.symbols.len()
    }

    pub fn is_empty(&self) -> bool {
        self.symbols.is_empty()
    }
}

/// `major=3, minor=2` (or `3, 2`).
fn parse_version(text: &str) -> Option<PyVersion> {
    let mut numbers = text.split(',').map(|part| {
        let part = part.trim();
        let value = part.split_once('=').map_or(part, |(_, v)| v.trim());
        value.parse::<u32>().ok()
    });
    let major = numbers.next()??;
    let minor = numbers.next()??;
    Some(PyVersion { major, minor })
}

/// The abi3 version a wheel claims: the lowest `cp3X` among its tags with the `abi3` ABI (the
/// wheel promises to load on that interpreter). `None` for wheels without an abi3 tag.
pub fn claimed_abi3(file_name: &str) -> Option<PyVersion> {
    let stem = file_name.strip_suffix(".whl")?;
    let parts: Vec<&str> = stem.split('-').collect();
    let n = parts.len();
    if n < 5 || !parts[n - 2].split('.').any(|abi| abi == "abi3") {
        return None;
    }
    parts[n - 3]
        .split('.')
        .filter_map(|python| {
            let digits = python.strip_prefix("cp")?;
            let (major, minor) = digits.split_at_checked(1)?;
            Some(PyVersion {
                major: major.parse().ok()?,
                minor: if minor.is_empty() {
                    0
                } else {
                    minor.parse().ok()?
                },
            })
        })
        .min()
}

/// Check one ELF member of an abi3 wheel claiming `abi3`.
pub fn check_elf(path: &str, facts: &ElfFacts, abi3: PyVersion, table: &StableAbi) -> Vec<Finding> {
    let mut outside = Vec::new();
    let mut newer: Vec<(String, PyVersion)> = Vec::new();
    for symbol in &facts.undefined_symbols {
        let name = symbol.name.as_bytes();
        if !(name.starts_with(b"Py") || name.starts_with(b"_Py")) || name.starts_with(b"PyInit_") {
            continue;
        }
        let name = symbol.name.to_string();
        match table.get(&name) {
            None => outside.push(name),
            Some((added, _)) if added > abi3 => newer.push((name, added)),
            Some(_) => {}
        }
    }
    outside.sort();
    outside.dedup();
    newer.sort();
    newer.dedup();
    let mut findings = Vec::new();
    if !outside.is_empty() {
        let names: Vec<String> = outside.iter().map(|s| format!("`{s}`")).collect();
        findings.push(A001.at(
            path,
            format!(
                "imports {} not in CPython's stable ABI: {}",
                plural(outside.len(), "symbol"),
                names.join(", ")
            ),
        ));
    }
    if !newer.is_empty() {
        let highest = newer.iter().map(|(_, v)| *v).max().unwrap_or(abi3);
        let names: Vec<String> = newer.iter().map(|(s, v)| format!("`{s}` ({v})")).collect();
        findings.push(A002.at(
            path,
            format!(
                "the wheel is tagged abi3 for CPython {abi3} but imports {} added later: {}; it needs cp{}{}-abi3",
                plural(newer.len(), "stable-ABI symbol"),
                names.join(", "),
                highest.major,
                highest.minor
            ),
        ));
    }
    findings
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    #[test]
    fn embedded_table() {
        let table = StableAbi::embedded();
        assert!(table.len() > 900, "only {} symbols", table.len());
        let v = |minor| PyVersion { major: 3, minor };
        assert_eq!(table.get("PyArg_Parse"), Some((v(2), SymbolKind::Function)));
        assert_eq!(table.get("PyBool_Type"), Some((v(2), SymbolKind::Data)));
        assert_eq!(
            table.get("PyType_FromMetaclass"),
            Some((v(12), SymbolKind::Function))
        );
        assert_eq!(table.get("_PyObject_GC_Malloc"), None);
        assert_eq!(table.get("PyInit_foo"), None);
    }

    #[test]
    fn upstream_records_the_embedded_hash() {
        let digest: String = Sha256::digest(ABI3INFO_DATA.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(
            UPSTREAM
                .lines()
                .any(|l| l == format!("_internal.py {digest}")),
            "data/abi3info/_internal.py does not match UPSTREAM; run `cargo xtask update-stable-abi`"
        );
    }

    #[test]
    fn parse_errors() {
        assert_eq!(
            StableAbi::parse("x = 1\n"),
            Err(StableAbiError::MissingTable("_FUNCTIONS"))
        );
        let text =
            "\n_FUNCTIONS: {\n  symbol=Symbol(name=\"Py_A\"), ifdef=None,\n}\n_DATAS: {\n}\n";
        assert!(matches!(
            StableAbi::parse(text),
            Err(StableAbiError::Malformed { .. })
        ));
        let text = "\n_FUNCTIONS: {\n  symbol=Symbol(name=\"Py_A\"), added=PyVersion(3, 7),\n}\n_DATAS: {\n}\n";
        let table = StableAbi::parse(text).unwrap();
        assert_eq!(
            table.get("Py_A").map(|(v, _)| v.to_string()),
            Some("3.7".into())
        );
    }

    #[test]
    fn claimed_versions() {
        let claimed = |f: &str| claimed_abi3(f).map(|v| v.to_string());
        assert_eq!(
            claimed("x-1-cp37-abi3-manylinux_2_17_x86_64.whl"),
            Some("3.7".into())
        );
        assert_eq!(claimed("x-1-cp39.cp38-abi3-any.whl"), Some("3.8".into()));
        assert_eq!(claimed("x-1-cp310-abi3-any.whl"), Some("3.10".into()));
        assert_eq!(claimed("x-1-cp311-cp311-any.whl"), None);
        assert_eq!(claimed("x-1-py3-abi3-any.whl"), None);
    }
}
