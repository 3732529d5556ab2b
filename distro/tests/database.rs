//! Every dpkg database file of this machine parses: all installed symbols and shlibs files,
//! the status file, `/etc/dpkg/shlibs.*`, os-release and ld.so.conf.

use std::path::Path;

use wheelfix_distro::debian::deb822::{installed_packages, parse_paragraphs};
use wheelfix_distro::debian::shlibs::ShlibsFile;
use wheelfix_distro::debian::symbols::SymbolsFile;
use wheelfix_distro::{DebianBackend, DistroBackend, OsRelease};

use crate::support::{require, wheel_config};

const INFO: &str = "/var/lib/dpkg/info";

fn files_with_suffix(suffix: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(INFO)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.to_string_lossy().ends_with(suffix))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn every_installed_symbols_file_parses() {
    let files = files_with_suffix(".symbols");
    if !require(
        !files.is_empty(),
        "no installed symbols files (not a Debian system?)",
    ) {
        return;
    }
    let mut sonames = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let parsed = SymbolsFile::parse(&text, path).unwrap();
        assert!(
            parsed.warnings.is_empty(),
            "{}: {:?}",
            path.display(),
            parsed.warnings
        );
        for (soname, library) in &parsed.libraries {
            assert!(parsed.announces(soname), "{}: {soname}", path.display());
            assert!(
                !library.dependencies.is_empty(),
                "{}: {soname}",
                path.display()
            );
            library.smallest_version(0).unwrap();
            sonames += 1;
        }
    }
    println!(
        "parsed {} symbols files covering {sonames} sonames",
        files.len()
    );
}

#[test]
fn every_installed_shlibs_file_parses() {
    let mut files = files_with_suffix(".shlibs");
    files.extend(
        ["/etc/dpkg/shlibs.default", "/etc/dpkg/shlibs.override"]
            .map(std::path::PathBuf::from)
            .into_iter()
            .filter(|p| p.exists()),
    );
    if !require(
        !files.is_empty(),
        "no installed shlibs files (not a Debian system?)",
    ) {
        return;
    }
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let parsed = ShlibsFile::parse(&text, path);
        assert!(
            parsed.bad_lines.is_empty(),
            "{}: {:?}",
            path.display(),
            parsed.bad_lines
        );
    }
    println!("parsed {} shlibs files", files.len());
}

#[test]
fn status_os_release_and_search_path() {
    if !require(
        Path::new("/var/lib/dpkg/status").exists(),
        "no dpkg status file",
    ) {
        return;
    }
    let status = std::fs::read_to_string("/var/lib/dpkg/status").unwrap();
    let paragraphs = parse_paragraphs(&status, Path::new("/var/lib/dpkg/status")).unwrap();
    let installed = installed_packages(&paragraphs);
    assert!(installed.contains_key("dpkg"));
    let os = OsRelease::parse(&std::fs::read_to_string("/etc/os-release").unwrap_or_default());
    assert!(os.is_debian_like(), "{os:?}");
    let backend = DebianBackend::detect(&wheel_config(Path::new("/")), None).unwrap();
    let dirs = backend.search_dirs();
    assert_eq!(&dirs[..2], ["/lib", "/usr/lib"]);
    let multiarch = format!("/usr/lib/{}", backend.target().multiarch);
    assert!(dirs.contains(&multiarch), "{dirs:?}");
    assert_eq!(
        backend.target().package_manager_version.as_deref(),
        installed.get("dpkg").map(|p| p.version.as_str())
    );
}
