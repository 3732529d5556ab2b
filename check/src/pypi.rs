//! PyPI's upload rules (`P001`–`P012`), reimplemented from what `warehouse/forklift/legacy.py`
//! and `warehouse/utils/wheel.py` enforce: the filename (parseable, normalized project name,
//! accepted platform tags), agreement with METADATA, the size and compression-ratio limits,
//! License-File presence and `entry_points.txt`. The ZIP framing rules are in `zipframe` and
//! RECORD presence in `integrity`.

use std::collections::BTreeSet;

use wheelfix_tags::WheelFilename;
use wheelfix_wheel::ZipArchive;

use crate::layout::Layout;
use crate::metadata::Meta;
use crate::pep440::Version;
use crate::pep508::canonicalize_name;
use crate::rules::{Finding, P001, P002, P003, P004, P006, P007, P009, P010, P012};

const MIB: u64 = 1 << 20;
/// PyPI's default per-file upload limit (`warehouse/constants.py`).
pub(crate) const DEFAULT_FILE_LIMIT: u64 = 100 * MIB;
/// Archives whose members add up to more than this are subject to the ratio limit.
pub(crate) const RATIO_MIN_SIZE: u64 = 64 * MIB;
pub(crate) const RATIO_THRESHOLD: u64 = 50;

/// The filename as PyPI splits it: `name, version, rest = filename.split("-", 2)`.
pub(crate) fn raw_name_version(file_name: &str) -> Option<(&str, &str)> {
    let mut parts = file_name.splitn(3, '-');
    let name = parts.next()?;
    let version = parts.next()?;
    parts.next()?;
    Some((name, version))
}

/// `P012` (the filename parses as `packaging.utils.parse_wheel_filename` parses it), `P002`
/// (it starts with the normalized name) and `P001` (every platform tag is one PyPI accepts).
/// Returns the parsed filename when wheelfix can use it.
pub(crate) fn check_filename(
    file_name: &str,
    findings: &mut Vec<Finding>,
) -> Option<WheelFilename> {
    let mut invalid = |why: String| {
        findings.push(P012.wheel(format!("`{file_name}`: {why}")));
    };
    if file_name
        .chars()
        .any(|c| (c as u32) < 0x20 || c == '\u{7f}')
    {
        invalid("the name contains control characters".into());
    }
    let Some(stem) = file_name.strip_suffix(".whl") else {
        invalid("it does not end with `.whl`".into());
        return None;
    };
    let parts: Vec<&str> = stem.split('-').collect();
    if parts.len() != 5 && parts.len() != 6 {
        invalid(format!(
            "it has {} `-`-separated parts, not 5 or 6 (a `-` in the name or version must be written `_`)",
            parts.len()
        ));
        return None;
    }
    let name = parts[0];
    if name.contains("__")
        || name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    {
        invalid(format!("`{name}` is not a valid project name"));
    }
    if let Err(err) = Version::parse(parts[1]) {
        invalid(err.to_string());
    }
    if parts.len() == 6 && !parts[2].starts_with(|c: char| c.is_ascii_digit()) {
        invalid(format!(
            "the build tag `{}` does not start with a digit",
            parts[2]
        ));
    }
    let normalized = canonicalize_name(name).replace('-', "_");
    if name != normalized {
        findings.push(P002.wheel(format!(
            "the filename starts with `{name}`, PyPI requires the normalized name `{normalized}`"
        )));
    }
    if let Some(platforms) = parts.last() {
        for tag in platforms.split('.') {
            if let Some(why) = rejected_platform(tag) {
                findings.push(P001.wheel(format!("`{tag}`: {why}")));
            }
        }
    }
    file_name.parse().ok()
}

const JOINT_LINUX_ARCHES: &[&str] = &[
    "x86_64", "i686", "aarch64", "armv7l", "ppc64le", "s390x", "riscv64",
];

/// Why PyPI refuses a platform tag, or `None` when it accepts it (`_valid_platform_tag`).
pub(crate) fn rejected_platform(tag: &str) -> Option<String> {
    const STATIC: &[&str] = &[
        "any",
        "win32",
        "win_arm64",
        "win_amd64",
        "win_ia64",
        "manylinux1_x86_64",
        "manylinux1_i686",
        "manylinux2010_x86_64",
        "manylinux2010_i686",
        "manylinux2014_x86_64",
        "manylinux2014_i686",
        "manylinux2014_aarch64",
        "manylinux2014_armv7l",
        "manylinux2014_ppc64",
        "manylinux2014_ppc64le",
        "manylinux2014_s390x",
        "linux_armv6l",
        "linux_armv7l",
    ];
    const MACOS_ARCHES: &[&str] = &[
        "ppc",
        "ppc64",
        "i386",
        "x86_64",
        "arm64",
        "intel",
        "fat",
        "fat3",
        "fat64",
        "universal",
        "universal2",
    ];
    const MACOS_MAJORS: &[&str] = &["11", "12", "13", "14", "15", "26"];
    if STATIC.contains(&tag) {
        return None;
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    // `<prefix>_<major>_<minor>_<arch>`
    let versioned = |prefix: &str| -> Option<(&str, &str, &str)> {
        let rest = tag.strip_prefix(prefix)?.strip_prefix('_')?;
        let (major, rest) = rest.split_once('_')?;
        let (minor, arch) = rest.split_once('_')?;
        (digits(major) && digits(minor)).then_some((major, minor, arch))
    };
    if let Some((major, minor, arch)) = versioned("macosx") {
        let ok = MACOS_ARCHES.contains(&arch)
            && (major == "10" || (MACOS_MAJORS.contains(&major) && minor == "0"));
        return (!ok).then(|| "not a macOS tag PyPI accepts".to_owned());
    }
    for (prefix, extra) in [("manylinux", Some("ppc64")), ("musllinux", None)] {
        if let Some((_, _, arch)) = versioned(prefix) {
            if JOINT_LINUX_ARCHES.contains(&arch) || Some(arch) == extra {
                return None;
            }
            return Some(format!(
                "PyPI accepts {prefix} wheels only for {}{}, not `{arch}`",
                JOINT_LINUX_ARCHES.join(", "),
                extra.map(|e| format!(", {e}")).unwrap_or_default()
            ));
        }
    }
    if let Some(rest) = tag.strip_prefix("ios_") {
        let ok = ["_iphoneos", "_iphonesimulator"].iter().any(|suffix| {
            rest.strip_suffix(suffix).is_some_and(|r| {
                let mut it = r.splitn(3, '_');
                matches!((it.next(), it.next(), it.next()), (Some(a), Some(b), Some(arch)) if digits(a) && digits(b) && matches!(arch, "arm64" | "x86_64"))
            })
        });
        return (!ok).then(|| "not an iOS tag PyPI accepts".to_owned());
    }
    if let Some(rest) = tag.strip_prefix("android_") {
        let ok = rest.split_once('_').is_some_and(|(api, arch)| {
            digits(api) && matches!(arch, "armeabi_v7a" | "arm64_v8a" | "x86" | "x86_64")
        });
        return (!ok).then(|| "not an Android tag PyPI accepts".to_owned());
    }
    if let Some(arch) = tag.strip_prefix("linux_") {
        return Some(format!(
            "PyPI rejects `linux_{arch}` wheels (only linux_armv6l and linux_armv7l are accepted); claim a manylinux or musllinux tag the wheel meets"
        ));
    }
    Some("not a platform tag PyPI accepts".to_owned())
}

/// `P006` and `P007`: PyPI's compression-ratio limit and default file size limit.
pub(crate) fn check_sizes(file_size: u64, archive: &ZipArchive<'_>, findings: &mut Vec<Finding>) {
    if file_size > DEFAULT_FILE_LIMIT {
        findings.push(P007.wheel(format!(
            "the wheel is {file_size} bytes ({:.2} MiB); PyPI's default limit is {DEFAULT_FILE_LIMIT} bytes (100 MiB) per file",
            file_size as f64 / MIB as f64
        )));
    }
    let uncompressed: u64 = archive
        .entries()
        .iter()
        .map(|e| e.uncompressed_size)
        .fold(0, u64::saturating_add);
    if uncompressed > RATIO_MIN_SIZE && uncompressed > file_size.saturating_mul(RATIO_THRESHOLD) {
        findings.push(P006.wheel(format!(
            "{uncompressed} bytes uncompressed from a {file_size}-byte file is a ratio of {:.0}, above PyPI's limit of {RATIO_THRESHOLD} for archives over 64 MiB",
            uncompressed as f64 / file_size.max(1) as f64
        )));
    }
}

/// `P003`, `P004`, `P009`: the filename against METADATA, and License-File presence.
pub(crate) fn check_against_metadata(
    file_name: &str,
    meta: Option<&Meta>,
    archive: &ZipArchive<'_>,
    layout: &Layout,
    findings: &mut Vec<Finding>,
) {
    let (Some(meta), Some((raw_name, raw_version))) = (meta, raw_name_version(file_name)) else {
        return;
    };
    let member = layout.member("METADATA");
    if let Some(name) = &meta.name
        && canonicalize_name(name) != canonicalize_name(raw_name)
    {
        findings.push(P003.at(
            &member,
            format!("the filename names `{raw_name}`, METADATA names `{name}`"),
        ));
    }
    if let Some(version) = &meta.version
        && let (Ok(ours), Ok(theirs)) = (Version::parse(version), Version::parse(raw_version))
        && !ours.same_as(&theirs)
    {
        findings.push(P004.at(
            &member,
            format!("the filename says version `{raw_version}`, METADATA says `{version}`"),
        ));
    }
    // PyPI only sees License-File for Metadata-Version 2.4 and later (twine drops the field
    // from older metadata).
    if meta.declares_at_least("2.4") {
        let names: BTreeSet<&str> = archive.entries().iter().map(|e| e.name.as_str()).collect();
        for license in &meta.license_files {
            let path = format!("{raw_name}-{raw_version}.dist-info/licenses/{license}");
            if !names.contains(path.as_str()) {
                findings.push(P009.at(
                    &member,
                    format!("`License-File: {license}` is not in the wheel at `{path}`"),
                ));
            }
        }
    }
}

/// `P010`: `entry_points.txt` parses as Python's `configparser` (with `=` as the only
/// delimiter) reads it, and console/GUI script names match `[\w.-]+`.
pub(crate) fn check_entry_points(
    archive: &ZipArchive<'_>,
    layout: &Layout,
    findings: &mut Vec<Finding>,
) {
    let Some(path) = layout.path("entry_points.txt") else {
        return;
    };
    let Some(entry) = archive.entries().iter().find(|e| e.name == path) else {
        return;
    };
    let text = match archive.read(entry) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                findings.push(P010.at(&path, "not valid UTF-8"));
                return;
            }
        },
        Err(err) => {
            findings.push(P010.at(&path, format!("cannot be read: {err}")));
            return;
        }
    };
    match parse_entry_points(&text) {
        Ok(sections) => {
            for (section, names) in sections {
                if section != "console_scripts" && section != "gui_scripts" {
                    continue;
                }
                for (line, name) in names {
                    if name.is_empty()
                        || !name
                            .chars()
                            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
                    {
                        findings.push(P010.at(
                            &path,
                            format!("line {line}: `{name}` is not a valid entry point name in [{section}]"),
                        ));
                    }
                }
            }
        }
        Err(problems) => {
            for problem in problems {
                findings.push(P010.at(&path, problem));
            }
        }
    }
}

type Sections = Vec<(String, Vec<(usize, String)>)>;

/// The sections and option names of an INI file, read as `configparser` (strict, `=` only,
/// full-line `#`/`;` comments, indented continuation lines) reads it.
pub(crate) fn parse_entry_points(text: &str) -> Result<Sections, Vec<String>> {
    let mut sections: Sections = Vec::new();
    let mut errors = Vec::new();
    let mut in_option = false;
    let mut indent_level = usize::MAX;
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let stripped = raw.trim();
        if stripped.starts_with('#') || stripped.starts_with(';') {
            continue;
        }
        if stripped.is_empty() {
            // A blank line inside a value keeps the option open; otherwise it resets.
            if !in_option {
                indent_level = usize::MAX;
            }
            continue;
        }
        let indent = raw.len() - raw.trim_start().len();
        if in_option && !sections.is_empty() && indent > indent_level {
            continue; // continuation of the previous value
        }
        indent_level = indent;
        if let Some(header) = stripped.strip_prefix('[')
            && let Some(end) = header.rfind(']')
            && end > 0
        {
            let name = &header[..end];
            if sections.iter().any(|(s, _)| s == name) {
                errors.push(format!("line {line_no}: section [{name}] appears twice"));
            }
            sections.push((name.to_owned(), Vec::new()));
            in_option = false;
            continue;
        }
        let Some((_, options)) = sections.last_mut() else {
            errors.push(format!(
                "line {line_no}: `{stripped}` comes before any [section] header"
            ));
            return Err(errors);
        };
        match stripped.split_once('=') {
            Some((name, _)) if !name.trim().is_empty() => {
                let name = name.trim_end().to_owned();
                if options.iter().any(|(_, n)| *n == name) {
                    errors.push(format!(
                        "line {line_no}: option `{name}` appears twice in its section"
                    ));
                }
                options.push((line_no, name));
                in_option = true;
            }
            _ => {
                errors.push(format!(
                    "line {line_no}: `{stripped}` is not a `name = value` line"
                ));
                in_option = false;
            }
        }
    }
    if errors.is_empty() {
        Ok(sections)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_tags() {
        for ok in [
            "any",
            "manylinux_2_17_x86_64",
            "manylinux2014_ppc64",
            "manylinux_2_31_riscv64",
            "manylinux_2_17_ppc64",
            "musllinux_1_2_armv7l",
            "linux_armv7l",
            "linux_armv6l",
            "macosx_10_9_x86_64",
            "macosx_11_0_arm64",
            "win_amd64",
            "ios_13_0_arm64_iphoneos",
            "android_21_arm64_v8a",
        ] {
            assert_eq!(rejected_platform(ok), None, "{ok}");
        }
        let why = |t: &str| rejected_platform(t).unwrap_or_default();
        assert!(why("linux_x86_64").starts_with("PyPI rejects `linux_x86_64`"));
        assert!(why("manylinux_2_36_loongarch64").contains("not `loongarch64`"));
        assert!(why("musllinux_1_2_ppc64").contains("not `ppc64`"));
        assert!(!why("macosx_11_1_arm64").is_empty());
        assert!(!why("manylinux_x_y_x86_64").is_empty());
        assert!(!why("emscripten_3_1_wasm32").is_empty());
    }

    #[track_caller]
    fn check_filename_findings(name: &str, expect: &[&str]) {
        let mut findings = Vec::new();
        check_filename(name, &mut findings);
        let got: Vec<String> = findings
            .iter()
            .map(|f| format!("{} {}", f.code, f.message))
            .collect();
        assert_eq!(got, expect);
    }

    #[test]
    fn filenames() {
        check_filename_findings("pkg-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", &[]);
        check_filename_findings(
            "MarkupSafe-1.1.1-cp37-cp37m-manylinux1_x86_64.whl",
            &[
                "P002 the filename starts with `MarkupSafe`, PyPI requires the normalized name `markupsafe`",
            ],
        );
        check_filename_findings(
            "pkg-1.0-py3-none-linux_x86_64.whl",
            &[
                "P001 `linux_x86_64`: PyPI rejects `linux_x86_64` wheels (only linux_armv6l and linux_armv7l are accepted); claim a manylinux or musllinux tag the wheel meets",
            ],
        );
        check_filename_findings(
            "pkg-1.0.zip",
            &["P012 `pkg-1.0.zip`: it does not end with `.whl`"],
        );
        check_filename_findings(
            "pkg-1.0-x-py3-none-any.whl",
            &["P012 `pkg-1.0-x-py3-none-any.whl`: the build tag `x` does not start with a digit"],
        );
        check_filename_findings(
            "pkg-one-py3-none-any.whl",
            &["P012 `pkg-one-py3-none-any.whl`: `one` is not a valid PEP 440 version"],
        );
    }

    #[track_caller]
    fn check_ini(text: &str, expect: &str) {
        let got = match parse_entry_points(text) {
            Ok(sections) => format!("{sections:?}"),
            Err(errors) => errors.join("; "),
        };
        assert_eq!(got, expect);
    }

    #[test]
    fn entry_points() {
        check_ini(
            "[console_scripts]\nfoo = foo.cli:main\n# comment\nbar=bar:main [extra]\n\n[other]\nx = y\n  continued\n",
            r#"[("console_scripts", [(2, "foo"), (4, "bar")]), ("other", [(7, "x")])]"#,
        );
        check_ini(
            "foo = bar\n",
            "line 1: `foo = bar` comes before any [section] header",
        );
        check_ini(
            "[a]\nx = 1\nx = 2\njunk\n[a]\n",
            "line 3: option `x` appears twice in its section; line 4: `junk` is not a `name = value` line; line 5: section [a] appears twice",
        );
        check_ini("[a]\nx: 1\n", "line 2: `x: 1` is not a `name = value` line");
    }
}
