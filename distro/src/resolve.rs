//! Pure path logic of step 3: reading an ELF file's RPATH/RUNPATH, expanding `$ORIGIN`
//! relative to the file's path inside the wheel, and deciding whether a NEEDED soname is
//! satisfied by another member of the wheel.
//!
//! No file system access: the wheel is a list of member paths, and system directories are
//! only named here (searching them is the driver's job, through `SysRoot`).

use std::collections::BTreeSet;

use wheelfix_elf::ElfFacts;

/// One directory of an RPATH/RUNPATH, interpreted for a wheel member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RpathDir {
    /// `$ORIGIN/...`: a directory inside the wheel (relative to its root, `""` for the root).
    Wheel(String),
    /// An absolute directory: searched on the system, under ROOT.
    System(String),
    /// `$ORIGIN/..` climbing out of the wheel, `$LIB`, `$PLATFORM`, relative or empty
    /// entries: cannot be followed.
    Unusable(String),
}

/// The search path the loader uses for this object's dependencies: DT_RUNPATH when present
/// (DT_RPATH is then ignored), else DT_RPATH. Returns the raw text too, for messages.
pub fn search_path(facts: &ElfFacts) -> Option<String> {
    facts
        .runpath
        .as_ref()
        .or(facts.rpath.as_ref())
        .map(ToString::to_string)
}

/// Interpret every entry of `path` (colon-separated) for the member at `member`.
pub fn rpath_dirs(path: &str, member: &str) -> Vec<RpathDir> {
    path.split(':')
        .map(|entry| rpath_dir(entry, member))
        .collect()
}

fn rpath_dir(entry: &str, member: &str) -> RpathDir {
    let rest = entry
        .strip_prefix("$ORIGIN")
        .or_else(|| entry.strip_prefix("${ORIGIN}"));
    if let Some(rest) = rest {
        if rest.contains('$') || !(rest.is_empty() || rest.starts_with('/')) {
            return RpathDir::Unusable(entry.to_owned());
        }
        let origin = member
            .rsplit_once('/')
            .map(|(dir, _)| dir)
            .unwrap_or_default();
        return match normalize_inside(&format!("{origin}{rest}")) {
            Some(dir) => RpathDir::Wheel(dir),
            None => RpathDir::Unusable(entry.to_owned()),
        };
    }
    if entry.starts_with('/') && !entry.contains('$') {
        return RpathDir::System(crate::sysroot::clean_path(entry));
    }
    RpathDir::Unusable(entry.to_owned())
}

/// Normalize a wheel-relative path; `None` if `..` climbs above the wheel's root.
fn normalize_inside(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for component in path.split('/').filter(|c| !c.is_empty()) {
        match component {
            "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// The wheel member a NEEDED soname resolves to through `$ORIGIN` entries, if any.
pub fn internal_target(
    dirs: &[RpathDir],
    soname: &str,
    members: &BTreeSet<&str>,
) -> Option<String> {
    dirs.iter().find_map(|dir| match dir {
        RpathDir::Wheel(dir) => {
            let candidate = if dir.is_empty() {
                soname.to_owned()
            } else {
                format!("{dir}/{soname}")
            };
            members.contains(candidate.as_str()).then_some(candidate)
        }
        _ => None,
    })
}

/// Whether `soname` is a libpython (`libpython3.11.so.1.0`, `libpython3.so`,
/// `libpython3.12d.so.1.0`), which the interpreter provides.
pub fn is_libpython(soname: &str) -> bool {
    let Some(rest) = soname.strip_prefix("libpython") else {
        return false;
    };
    let Some(at) = rest.find(".so") else {
        return false;
    };
    let (version, after) = rest.split_at(at);
    let after = &after[3..];
    let digits_and_dots = version.trim_end_matches(|c: char| c.is_ascii_lowercase());
    !digits_and_dots.is_empty()
        && digits_and_dots.starts_with(|c: char| c.is_ascii_digit())
        && digits_and_dots
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.')
        && (after.is_empty() || after.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(rpath: &str, member: &str, expect: &[RpathDir]) {
        assert_eq!(rpath_dirs(rpath, member), expect, "{rpath} for {member}");
    }

    #[test]
    fn origin_expansion() {
        use RpathDir::*;
        check("$ORIGIN", "pkg/_ext.so", &[Wheel("pkg".into())]);
        check(
            "$ORIGIN/../pkg.libs",
            "pkg/_ext.so",
            &[Wheel("pkg.libs".into())],
        );
        check(
            "${ORIGIN}/lib:/usr/lib/foo",
            "a/b/c.so",
            &[Wheel("a/b/lib".into()), System("/usr/lib/foo".into())],
        );
        check("$ORIGIN", "top.so", &[Wheel("".into())]);
        check(
            "$ORIGIN/../..",
            "pkg/_ext.so",
            &[Unusable("$ORIGIN/../..".into())],
        );
        check("$ORIGINAL", "pkg/_ext.so", &[Unusable("$ORIGINAL".into())]);
        check(
            "$ORIGIN/$LIB",
            "pkg/_ext.so",
            &[Unusable("$ORIGIN/$LIB".into())],
        );
        check(
            "lib::/opt/x/",
            "pkg/_ext.so",
            &[
                Unusable("lib".into()),
                Unusable("".into()),
                System("/opt/x".into()),
            ],
        );
    }

    #[test]
    fn internal_resolution() {
        let members: BTreeSet<&str> = [
            "pkg/_ext.so",
            "pkg.libs/libfoo-1a2b3c4d.so.1",
            "libtop.so.1",
        ]
        .into();
        let dirs = rpath_dirs("$ORIGIN/../pkg.libs", "pkg/_ext.so");
        assert_eq!(
            internal_target(&dirs, "libfoo-1a2b3c4d.so.1", &members).as_deref(),
            Some("pkg.libs/libfoo-1a2b3c4d.so.1")
        );
        assert_eq!(internal_target(&dirs, "libc.so.6", &members), None);
        let top = rpath_dirs("$ORIGIN", "_top.so");
        assert_eq!(
            internal_target(&top, "libtop.so.1", &members).as_deref(),
            Some("libtop.so.1")
        );
    }

    #[test]
    fn libpython_names() {
        for yes in [
            "libpython3.11.so.1.0",
            "libpython3.so",
            "libpython3.12d.so.1.0",
            "libpython2.7.so.1.0",
            "libpython3.13t.so",
        ] {
            assert!(is_libpython(yes), "{yes}");
        }
        for no in [
            "libpython.so",
            "libpythonx.so.1",
            "libpython3.11.a",
            "libpython3.11.sox",
            "libpq.so.5",
        ] {
            assert!(!is_libpython(no), "{no}");
        }
    }
}
