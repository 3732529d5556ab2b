//! Retagging (anchors.md §c7 step 8): the repaired wheel's file name and the `Tag:` lines of its
//! WHEEL file. Pure text functions.
//!
//! Unlike auditwheel, an existing manylinux/musllinux tag the repaired wheel would not meet is
//! dropped rather than kept: wheelfix never writes a tag its own audit does not verify.

use wheelfix_tags::{PlatformTag, WheelFilename};

/// The platform tags of the repaired wheel: the old ones minus `linux_*`, `any` and tags not
/// in `keep`, plus `new`; sorted and de-duplicated as auditwheel writes them.
pub fn platform_tags(
    old: &[PlatformTag],
    new: &[PlatformTag],
    keep: impl Fn(&PlatformTag) -> bool,
) -> Vec<PlatformTag> {
    let mut tags: Vec<PlatformTag> = old
        .iter()
        .filter(|t| !matches!(t, PlatformTag::Linux(_) | PlatformTag::Any))
        .filter(|t| !t.is_portable_linux() || keep(t))
        .cloned()
        .collect();
    tags.extend(new.iter().cloned());
    let mut names: Vec<String> = tags.iter().map(ToString::to_string).collect();
    names.sort();
    names.dedup();
    names.iter().filter_map(|n| n.parse().ok()).collect()
}

/// The repaired wheel's file name.
pub fn filename(old: &WheelFilename, tags: &[PlatformTag]) -> WheelFilename {
    old.with_platform_tags(tags)
}

/// Rewrite a WHEEL file for the new platform tags: every distinct `python-abi` pair of the
/// existing `Tag:` lines gets one line per new platform tag, in place of the old lines; a
/// duplicated `Root-Is-Purelib` is collapsed, and it becomes `false` when `any` is gone.
pub fn wheel_file(text: &str, platforms: &[PlatformTag]) -> String {
    let mut out = String::with_capacity(text.len() + 128);
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut tags_written = false;
    let mut purelib_written = false;
    let lines: Vec<&str> = text.lines().collect();
    for line in &lines {
        if let Some(value) = header_value(line, "Tag") {
            let mut parts = value.splitn(3, '-');
            if let (Some(python), Some(abi)) = (parts.next(), parts.next()) {
                let pair = (python.to_owned(), abi.to_owned());
                if !pairs.contains(&pair) {
                    pairs.push(pair);
                }
            }
        }
    }
    for line in &lines {
        if header_value(line, "Tag").is_some() {
            if !tags_written {
                for (python, abi) in &pairs {
                    for platform in platforms {
                        out.push_str(&format!("Tag: {python}-{abi}-{platform}\n"));
                    }
                }
                tags_written = true;
            }
            continue;
        }
        if let Some(value) = header_value(line, "Root-Is-Purelib") {
            if purelib_written {
                continue;
            }
            purelib_written = true;
            let purelib =
                value.eq_ignore_ascii_case("true") && platforms.contains(&PlatformTag::Any);
            out.push_str(&format!(
                "Root-Is-Purelib: {}\n",
                if purelib { "true" } else { "false" }
            ));
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Set the WHEEL `Build:` header (replacing an existing one, else appended).
pub fn set_build(text: &str, build: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut written = false;
    for line in text.lines() {
        if header_value(line, "Build").is_some() {
            if !written {
                out.push_str(&format!("Build: {build}\n"));
                written = true;
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    if !written {
        out.push_str(&format!("Build: {build}\n"));
    }
    out
}

fn header_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let (name, value) = line.split_once(':')?;
    name.trim().eq_ignore_ascii_case(key).then(|| value.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &str) -> Vec<PlatformTag> {
        list.split(' ')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect()
    }

    #[track_caller]
    fn check(old: &str, new: &str, keep: &str, expect: &str) {
        let keep = tags(keep);
        let got = platform_tags(&tags(old), &tags(new), |t| keep.contains(t));
        let got: Vec<String> = got.iter().map(ToString::to_string).collect();
        assert_eq!(got.join(" "), expect);
    }

    #[test]
    fn platform_sets() {
        check(
            "linux_x86_64",
            "manylinux_2_17_x86_64 manylinux2014_x86_64",
            "",
            "manylinux2014_x86_64 manylinux_2_17_x86_64",
        );
        check(
            "manylinux_2_5_x86_64 linux_x86_64",
            "manylinux_2_17_x86_64 manylinux2014_x86_64",
            "",
            "manylinux2014_x86_64 manylinux_2_17_x86_64",
        );
        check(
            "manylinux_2_28_x86_64",
            "manylinux_2_17_x86_64 manylinux2014_x86_64",
            "manylinux_2_28_x86_64",
            "manylinux2014_x86_64 manylinux_2_17_x86_64 manylinux_2_28_x86_64",
        );
        check(
            "any",
            "manylinux_2_5_x86_64 manylinux1_x86_64",
            "",
            "manylinux1_x86_64 manylinux_2_5_x86_64",
        );
    }

    #[test]
    fn wheel_tag_lines() {
        let text = "Wheel-Version: 1.0\nGenerator: bdist_wheel (0.41.2)\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\nBuild: 1\n";
        let got = wheel_file(text, &tags("manylinux2014_x86_64 manylinux_2_17_x86_64"));
        assert_eq!(
            got,
            "Wheel-Version: 1.0\nGenerator: bdist_wheel (0.41.2)\nRoot-Is-Purelib: false\nTag: cp311-cp311-manylinux2014_x86_64\nTag: cp311-cp311-manylinux_2_17_x86_64\nBuild: 1\n"
        );
        let text = "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nRoot-Is-Purelib: true\nTag: py2-none-any\nTag: py3-none-any\n";
        let got = wheel_file(text, &tags("manylinux1_x86_64"));
        assert_eq!(
            got,
            "Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: py2-none-manylinux1_x86_64\nTag: py3-none-manylinux1_x86_64\n"
        );
    }
}
