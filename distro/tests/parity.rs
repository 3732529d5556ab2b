//! Parity with dpkg-shlibdeps on this machine's own ELF files: for a deterministic sample of
//! `/usr/bin`, `/usr/lib/<triplet>` and the Python extension modules in
//! `/usr/lib/python3/dist-packages`, wheelfix's Depends (with the settings that reproduce
//! `--ignore-missing-info`) must equal dpkg-shlibdeps' `shlibs:Depends`, both split on `, `
//! and sorted. A file dpkg-shlibdeps refuses must make wheelfix fail too.
//!
//! `WHEELFIX_PARITY_EVERY=N` samples every Nth file instead of the default spacing (1: all);
//! `WHEELFIX_PARITY_FILES=a:b:c` compares exactly those files.

use std::path::{Path, PathBuf};

use wheelfix_distro::{DebianBackend, DistroBackend, analyze_with, is_scannable};
use wheelfix_elf::ElfFacts;

use crate::support::{
    dpkg_compatible_config, dpkg_shlibdeps, fake_source_package, have_tool, normalized, require,
};

const MULTIARCH: &str = "/usr/lib/x86_64-linux-gnu";
const DIST_PACKAGES: &str = "/usr/lib/python3/dist-packages";

/// Regular (non-symlink) dynamically linked ELF files directly in `dir`, or below it when
/// `recursive`, sorted.
fn elf_files(dir: &Path, recursive: bool, name_filter: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
    wheelfix_testkit::elf_files(dir, recursive, name_filter)
        .into_iter()
        .filter(|p| is_dynamic_elf(p))
        .collect()
}

fn is_dynamic_elf(path: &Path) -> bool {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| ElfFacts::parse(&bytes).ok())
        .is_some_and(|facts| is_scannable(&facts))
}

/// Every `step`-th element, starting with the first.
fn every(files: Vec<PathBuf>, step: usize) -> Vec<PathBuf> {
    files.into_iter().step_by(step.max(1)).collect()
}

fn sample() -> Vec<PathBuf> {
    if let Ok(list) = std::env::var("WHEELFIX_PARITY_FILES") {
        return list.split(':').map(PathBuf::from).collect();
    }
    let every_n = std::env::var("WHEELFIX_PARITY_EVERY")
        .ok()
        .and_then(|v| v.parse::<usize>().ok());
    let binaries = elf_files(Path::new("/usr/bin"), false, &|_| true);
    let libraries = elf_files(Path::new(MULTIARCH), false, &|name| name.contains(".so"));
    let extensions = elf_files(Path::new(DIST_PACKAGES), true, &|name| {
        name.ends_with(".so")
    });
    // About 55 executables and 55 libraries by default, and every extension module.
    let bin_step = every_n.unwrap_or((binaries.len() / 55).max(1));
    let lib_step = every_n.unwrap_or((libraries.len() / 55).max(1));
    let mut files = every(binaries, bin_step);
    files.extend(every(libraries, lib_step));
    files.extend(extensions);
    files
}

/// wheelfix's Depends for one file (a one-member "wheel" named after its path).
fn wheelfix_depends(backend: &DebianBackend, file: &Path) -> Result<String, String> {
    let bytes = std::fs::read(file).map_err(|e| e.to_string())?;
    let facts = ElfFacts::parse(&bytes).map_err(|e| e.to_string())?;
    let member = wheelfix_distro::WheelElf {
        path: file.to_string_lossy().trim_start_matches('/').to_owned(),
        facts,
    };
    let config = dpkg_compatible_config(Path::new("/"));
    analyze_with(backend, &[member], &config)
        .map(|analysis| analysis.depends())
        .map_err(|e| e.to_string())
}

#[test]
fn depends_match_dpkg_shlibdeps_on_system_files() {
    if !have_tool("dpkg-shlibdeps", "parity oracle; apt-get install dpkg-dev") {
        return;
    }
    if !require(
        Path::new(MULTIARCH).is_dir(),
        "parity sample expects an amd64 Debian host (/usr/lib/x86_64-linux-gnu)",
    ) {
        return;
    }
    let files = sample();
    let extensions = files
        .iter()
        .filter(|f| f.starts_with(DIST_PACKAGES))
        .count();
    if std::env::var("WHEELFIX_PARITY_FILES").is_err() {
        assert!(files.len() >= 100, "only {} ELF files sampled", files.len());
    }

    // dpkg-shlibdeps is slow (perl, objdump, dpkg-query per file): run it on two threads.
    let dir = fake_source_package("parity", None);
    let threads = 2;
    let chunks: Vec<Vec<PathBuf>> = (0..threads)
        .map(|t| files.iter().skip(t).step_by(threads).cloned().collect())
        .collect();
    let oracle: Vec<(PathBuf, Result<String, String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                let dir = &dir;
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|file| {
                            let result =
                                dpkg_shlibdeps(dir, &["--ignore-missing-info"], &[file.as_path()]);
                            (file.clone(), result)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });

    let config = dpkg_compatible_config(Path::new("/"));
    let backend = DebianBackend::detect(&config, None).unwrap();
    let mut identical = 0;
    let mut both_failed = 0;
    let mut differences = Vec::new();
    for (file, expected) in &oracle {
        let ours = wheelfix_depends(&backend, file);
        match (expected, &ours) {
            (Ok(expected), Ok(ours)) if normalized(expected) == normalized(ours) => identical += 1,
            (Err(_), Err(_)) => both_failed += 1,
            _ => differences.push(format!(
                "{}\n  dpkg-shlibdeps: {expected:?}\n  wheelfix:       {ours:?}",
                file.display()
            )),
        }
    }
    println!(
        "parity: {} files compared ({extensions} extension modules), {identical} identical, \
         {both_failed} refused by both, {} different",
        oracle.len(),
        differences.len()
    );
    assert!(
        differences.is_empty(),
        "differences:\n{}",
        differences.join("\n")
    );
}
