//! The rule table: every finding `wheelfix check` can report, as data. Each [`Rule`] has a
//! stable code, a severity, a one-line title, a one-line hint on how to fix it, and the peer
//! tool or PyPI rule it mirrors. `docs/check.md` is this table in prose; a test keeps the two in
//! step.
//!
//! Codes are grouped by family: `Z` ZIP framing, `P` PyPI's upload rules, `M` METADATA and the
//! description, `R` RECORD/WHEEL integrity, `T` truth of the platform tags, `A` abi3, `H`
//! hygiene. A code, once published, keeps its meaning. Nothing here decides anything.

use std::fmt;

/// How bad a finding is: errors fail the check (exit 1), warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule of the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub code: &'static str,
    pub severity: Severity,
    /// What the rule is about, in a few words.
    pub title: &'static str,
    /// How to fix a finding, in one line.
    pub hint: &'static str,
    /// The peer check or PyPI rule this mirrors.
    pub mirrors: &'static str,
}

/// A problem found in one wheel.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    /// The archive member at fault, when there is one.
    pub member: Option<String>,
    /// What is wrong, in one line, quoting the values at fault.
    pub message: String,
    pub hint: &'static str,
}

impl Rule {
    /// A finding of this rule about `member`.
    pub fn at(&self, member: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding {
            code: self.code,
            severity: self.severity,
            member: Some(member.into()),
            message: message.into(),
            hint: self.hint,
        }
    }

    /// A finding of this rule about the wheel as a whole.
    pub fn wheel(&self, message: impl Into<String>) -> Finding {
        Finding {
            code: self.code,
            severity: self.severity,
            member: None,
            message: message.into(),
            hint: self.hint,
        }
    }

    /// The family letter (`Z`, `P`, ...).
    pub fn family(&self) -> &'static str {
        &self.code[..1]
    }
}

macro_rules! rules {
    ($($name:ident = $severity:ident, $title:literal, $hint:literal, $mirrors:literal;)*) => {
        $(
            #[doc = $title]
            pub const $name: Rule = Rule {
                code: stringify!($name),
                severity: Severity::$severity,
                title: $title,
                hint: $hint,
                mirrors: $mirrors,
            };
        )*
        /// Every rule, in documentation order.
        pub const RULES: &[Rule] = &[$($name),*];
    };
}

rules! {
    Z001 = Error, "member uses a data descriptor",
        "rebuild the wheel with a writer that stores sizes and CRC in the local header (no streaming zip)",
        "PyPI `zipfiles.py`: ZIP contains a data descriptor";
    Z002 = Error, "duplicate member name",
        "rebuild the wheel so that each path is written once",
        "PyPI `zipfiles.py`: duplicate filename in local headers / central directory";
    Z003 = Error, "member name not UTF-8 or contains control characters",
        "rename the file: wheel member names must be printable UTF-8",
        "PyPI `zipfiles.py`: filename not unicode / invalid character in filename";
    Z004 = Error, "local header and central directory disagree",
        "rebuild the wheel with a conforming zip writer; the two views of the archive must match",
        "PyPI `zipfiles.py`: mis-matched data/file size, filename not in central directory, missing filename in local headers";
    Z005 = Error, "central directory entry has a comment",
        "rebuild the wheel without per-file zip comments",
        "PyPI `zipfiles.py`: comment in central directory";
    Z006 = Error, "malformed zip framing",
        "rebuild the wheel with a conforming zip writer (no trailing data, no ZIP64 extensible data, no duplicate extra fields)",
        "PyPI `zipfiles.py`: unknown record signature, trailing data, malformed extras, mismatched end of central directory";
    Z007 = Error, "unsupported compression method",
        "compress members with deflate or store them",
        "PyPI `_is_valid_dist_file`: only ZIP_STORED and ZIP_DEFLATED";
    P001 = Error, "platform tag PyPI rejects",
        "retag with a manylinux/musllinux tag the wheel meets (`wheelfix repair`), or publish elsewhere",
        "PyPI `_valid_platform_tag`: unsupported platform tag";
    P002 = Error, "filename does not start with the normalized project name",
        "name the file `{normalized name}-{version}-...whl` (lowercase, runs of `-_.` as `_`)",
        "PyPI upload: filename should contain the normalized project name (PEP 427/503)";
    P003 = Error, "filename and METADATA name different projects",
        "rebuild: the filename's name must be the METADATA `Name`, normalized",
        "PyPI upload: start filename for the project with its normalized name";
    P004 = Error, "filename and METADATA disagree on the version",
        "rebuild: the filename's version must equal the METADATA `Version`",
        "PyPI upload: version in filename should be the METADATA version";
    P005 = Error, "`.dist-info` directory not where the filename says",
        "name the directory `{name}-{version}.dist-info` exactly as in the filename",
        "PyPI upload: WHEEL/METADATA/RECORD are read from `{name}-{version}.dist-info/`";
    P006 = Error, "compression ratio above PyPI's limit",
        "PyPI rejects wheels over 64 MiB uncompressed that compress more than 50:1; drop the compressible payload",
        "PyPI `_is_valid_dist_file`: exceeds compression ratio of 50";
    P007 = Warning, "file larger than PyPI's default size limit",
        "request a file size limit increase for the project on PyPI, or make the wheel smaller",
        "PyPI upload: file too large (default 100 MiB per file)";
    P008 = Error, "RECORD missing or unreadable",
        "build the wheel with a tool that writes `.dist-info/RECORD`",
        "PyPI upload: wheel does not contain the required RECORD file";
    P009 = Error, "License-File not in the wheel",
        "ship each `License-File` under `.dist-info/licenses/`, or drop the field",
        "PyPI upload: License-File does not exist in distribution file (PEP 639)";
    P010 = Error, "entry_points.txt does not parse",
        "fix `entry_points.txt`: INI sections of `name = module:attr` lines, names matching `[\\w.-]+`",
        "PyPI `validate_entrypoints`";
    P011 = Error, "WHEEL or METADATA missing",
        "build the wheel with a conforming backend; `.dist-info/` must hold WHEEL and METADATA",
        "PyPI upload: WHEEL/METADATA not found";
    P012 = Error, "invalid wheel filename",
        "name the file `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`",
        "PyPI upload: invalid wheel filename (packaging `parse_wheel_filename`)";
    M001 = Error, "METADATA does not parse",
        "fix METADATA: UTF-8 `Name: value` headers, known fields only, single-use fields once",
        "twine check: unrecognized or malformed field";
    M002 = Error, "required METADATA field missing",
        "add `Metadata-Version`, `Name` and `Version` to METADATA",
        "twine check / packaging.metadata: required field";
    M003 = Error, "invalid METADATA field value",
        "fix the field's value as the core metadata specification defines it",
        "twine check / packaging.metadata: field validation";
    M004 = Error, "METADATA field newer than the declared Metadata-Version",
        "raise `Metadata-Version` to the version that introduced the field, or drop it",
        "twine check / packaging.metadata: field introduced in a later metadata version";
    M005 = Error, "METADATA value PyPI rejects",
        "fix the field as PyPI requires (no local versions, http(s) URLs, short summary and labels, no direct URL dependencies)",
        "PyPI `forklift/metadata.py` validation";
    M006 = Error, "description does not render",
        "fix the reStructuredText at the reported line (or declare `Description-Content-Type: text/markdown`)",
        "twine check / PyPI: readme_renderer halts on docutils warnings";
    M007 = Warning, "Description-Content-Type missing",
        "declare `Description-Content-Type` (text/markdown, text/x-rst or text/plain)",
        "twine check: long_description_content_type missing";
    M008 = Warning, "description missing",
        "add a long description (the README) to METADATA",
        "twine check: long_description missing";
    R001 = Error, "RECORD hash mismatch",
        "rebuild the wheel, or rewrite RECORD after modifying members",
        "PEP 427 / PEP 376: RECORD hashes";
    R002 = Error, "RECORD size mismatch",
        "rebuild the wheel, or rewrite RECORD after modifying members",
        "PEP 427 / PEP 376: RECORD sizes";
    R003 = Error, "file not listed in RECORD",
        "list every file (RECORD itself included, without a hash) in RECORD",
        "PEP 427; PyPI `validate_record` (mismatch mailed to owners)";
    R004 = Error, "RECORD lists a file the wheel does not have",
        "drop the stale row or add the file",
        "PEP 427; PyPI `validate_record`";
    R005 = Error, "malformed RECORD row",
        "write RECORD as `path,sha256=<urlsafe-b64>,size` CSV rows, one per file",
        "PEP 376 RECORD format";
    R006 = Error, "filename tags differ from WHEEL `Tag:` lines",
        "make WHEEL's `Tag:` lines the expansion of the filename's tags (`wheel tags` or `wheelfix repair` do this)",
        "PEP 427: WHEEL Tag";
    R007 = Error, "ELF file installed to purelib",
        "set `Root-Is-Purelib: false` for wheels with compiled code, or move the file to platlib",
        "auditwheel: purelib must not contain ELF files";
    R008 = Error, "malformed WHEEL file",
        "WHEEL needs `Wheel-Version: 1.x` and `Root-Is-Purelib: true|false`",
        "PEP 427: WHEEL file";
    R009 = Error, "unsafe member path",
        "use relative `/`-separated member paths without `..`",
        "PEP 427; installers refuse paths that escape the target";
    R010 = Error, "several `.dist-info` directories",
        "ship exactly one `.dist-info` directory",
        "PEP 427";
    T001 = Error, "claimed platform tag not true",
        "rebuild on an older base (manylinux image) or claim the tag the wheel meets (`wheelfix audit` says which)",
        "auditwheel show: the wheel is consistent with a lower tag";
    T002 = Error, "needs libraries it does not vendor",
        "vendor them with `wheelfix repair`, or exclude them explicitly if another wheel provides them",
        "auditwheel show: external libraries not in the policy whitelist";
    T003 = Error, "wheel could not be audited",
        "fix the problem named; the platform tags cannot be verified until then",
        "auditwheel show errors";
    A001 = Error, "symbol outside CPython's stable ABI",
        "build without that API or drop the abi3 tag (use a version-specific `cpXY-cpXY` tag)",
        "abi3audit: non-ABI3 symbols";
    A002 = Error, "stable-ABI symbol newer than the abi3 tag",
        "raise the abi3 tag to the version named (`cpXY-abi3`) or avoid the symbol",
        "abi3audit: uses a newer ABI than tagged";
    H001 = Warning, "compiled bytecode in the wheel",
        "drop `.pyc`/`.pyo` files: installers compile bytecode themselves",
        "check-wheel-contents W001";
    H002 = Warning, "duplicate files",
        "ship the content once (or check the build does not copy files twice)",
        "check-wheel-contents W002";
    H003 = Warning, "common top-level name in the library",
        "move the directory inside your package or out of the wheel (it would install as a top-level module)",
        "check-wheel-contents W005";
    H004 = Warning, "empty wheel",
        "check the build: nothing but `.dist-info` was packaged",
        "check-wheel-contents W008";
    H005 = Warning, "`__init__.py` at the top level of the library",
        "move `__init__.py` into a package directory",
        "check-wheel-contents W006";
    H006 = Error, "ELF file needs an executable stack",
        "link with `-Wl,-z,noexecstack` (or mark assembly with `.note.GNU-stack`); glibc 2.41 and Debian 13 refuse to load it",
        "auditwheel #634 / PR #732";
}

/// The rule with this code.
pub fn by_code(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for rule in RULES {
            assert!(seen.insert(rule.code), "duplicate {}", rule.code);
            assert_eq!(rule.code.len(), 4, "{}", rule.code);
            assert!("ZPMRTAH".contains(rule.family()), "{}", rule.code);
            assert!(rule.code[1..].bytes().all(|b| b.is_ascii_digit()));
            assert!(
                !rule.hint.ends_with('.'),
                "{}: hint ends with a period",
                rule.code
            );
        }
    }

    #[test]
    fn documented_in_docs_check_md() {
        let docs = include_str!("../../docs/check.md");
        let escape = |text: &str| text.replace('|', "\\|");
        for rule in RULES {
            let row = format!(
                "| `{}` | {} | {} | {} | {} |",
                rule.code,
                rule.severity,
                escape(rule.title),
                escape(rule.hint),
                escape(rule.mirrors)
            );
            assert!(
                docs.lines().any(|line| line == row),
                "docs/check.md lacks or differs from the row\n{row}"
            );
        }
    }

    #[test]
    fn lookup() {
        assert_eq!(by_code("Z001"), Some(&Z001));
        assert_eq!(by_code("Z999"), None);
        let finding = H006.at("pkg/_x.so", "needs an executable stack");
        assert_eq!(finding.severity, Severity::Error);
        assert_eq!(finding.member.as_deref(), Some("pkg/_x.so"));
    }
}
