//! Test helpers: oracle availability, running dpkg-shlibdeps the way the design says
//! (`--ignore-missing-info -O` in a directory with a fake `debian/control`), building configs,
//! reading ELF files, and scratch directories.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use wheelfix_distro::{
    DistroConfig, LibpythonPolicy, MissingInfoPolicy, NotFoundPolicy, UnownedPolicy, VersionPolicy,
    WheelElf,
};
use wheelfix_elf::ElfFacts;

/// Whether `tool` can be run. When it cannot: fail under `WHEELFIX_REQUIRE_ORACLES=1`, else
/// print `skipped: <why>` and return false.
pub(crate) fn have_tool(tool: &str, why: &str) -> bool {
    let found = wheelfix_testkit::oracle(tool).is_some();
    if !found {
        println!("({tool} is needed for {why})");
    }
    found
}

/// Like [`have_tool`] for a precondition that is not a tool (a file, a package).
pub(crate) fn require(condition: bool, why: &str) -> bool {
    if !condition {
        wheelfix_testkit::skip_or_fail(why);
    }
    condition
}

/// A fresh scratch directory, unique per call (tests run in parallel threads).
pub(crate) fn scratch(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, AtomicOrdering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("wheelfix-distro-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A directory dpkg-shlibdeps accepts as a source package (it insists on debian/control).
pub(crate) fn fake_source_package(name: &str, build_depends: Option<&str>) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join("debian")).unwrap();
    let build_depends = build_depends
        .map(|b| format!("Build-Depends: {b}\n"))
        .unwrap_or_default();
    std::fs::write(
        dir.join("debian/control"),
        format!("Source: x\n{build_depends}\nPackage: x\nArchitecture: any\n"),
    )
    .unwrap();
    dir
}

/// `dpkg-shlibdeps <args> -O <files>` in `dir`: `Ok(depends)` (possibly empty) or
/// `Err(stderr)` when it fails.
pub(crate) fn dpkg_shlibdeps(dir: &Path, args: &[&str], files: &[&Path]) -> Result<String, String> {
    let output = Command::new("dpkg-shlibdeps")
        .current_dir(dir)
        .args(args)
        .arg("-O")
        .args(files)
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    Ok(stdout
        .lines()
        .find_map(|l| l.strip_prefix("shlibs:Depends="))
        .unwrap_or_default()
        .to_owned())
}

/// Split a Depends value on `, ` and sort, as the parity comparison wants.
pub(crate) fn normalized(depends: &str) -> Vec<String> {
    let mut clauses: Vec<String> = depends
        .split(", ")
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    clauses.sort();
    clauses
}

/// The settings that reproduce `dpkg-shlibdeps --ignore-missing-info`.
pub(crate) fn dpkg_compatible_config(root: &Path) -> DistroConfig {
    DistroConfig {
        root: root.to_path_buf(),
        arch: None,
        unowned: UnownedPolicy::Ignore,
        missing_info: MissingInfoPolicy::Skip,
        not_found: NotFoundPolicy::Error,
        exclude: Vec::new(),
        omit_packages: Vec::new(),
        build_depends: None,
        shlibs_local: None,
        version_policy: VersionPolicy::Symbols,
        libpython: LibpythonPolicy::Resolve,
    }
}

/// The defaults of `wheelfix repair --distro debian`.
pub(crate) fn wheel_config(root: &Path) -> DistroConfig {
    DistroConfig {
        root: root.to_path_buf(),
        arch: None,
        unowned: UnownedPolicy::Error,
        missing_info: MissingInfoPolicy::Owner,
        not_found: NotFoundPolicy::Error,
        exclude: Vec::new(),
        omit_packages: Vec::new(),
        build_depends: None,
        shlibs_local: None,
        version_policy: VersionPolicy::Symbols,
        libpython: LibpythonPolicy::Skip,
    }
}

/// Read an ELF file as the wheel member `member`.
pub(crate) fn wheel_elf(file: &Path, member: &str) -> WheelElf {
    let bytes = std::fs::read(file).unwrap();
    WheelElf {
        path: member.to_owned(),
        facts: ElfFacts::parse(&bytes).unwrap(),
    }
}

/// Copy `src` (a file or a symlink, as is) to `root` + `src`, creating directories.
pub(crate) fn copy_into_root(root: &Path, src: &str) {
    let dest = root.join(src.trim_start_matches('/'));
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    let metadata = std::fs::symlink_metadata(src).unwrap();
    if metadata.file_type().is_symlink() {
        let target = std::fs::read_link(src).unwrap();
        let _ = std::fs::remove_file(&dest);
        std::os::unix::fs::symlink(target, dest).unwrap();
    } else {
        std::fs::copy(src, dest).unwrap();
    }
}
