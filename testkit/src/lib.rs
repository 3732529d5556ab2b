//! What every test suite of wheelfix (and xtask) needs and would otherwise write again:
//! finding the oracle tools `cargo xtask test` installs, the skip-or-fail rule for missing
//! ones, temporary directories, walking a tree for ELF files, and downloads verified by
//! sha256.
//!
//! Only tests and xtask depend on this crate; it may spawn processes. It knows nothing about
//! wheels, ELF structure or policies.

#![allow(clippy::disallowed_methods, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn repo_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(Path::to_path_buf).unwrap_or(here)
}

/// Whether oracle tools are required (set by `cargo xtask test`): a missing tool then fails the
/// test instead of skipping it.
pub fn oracles_required() -> bool {
    std::env::var_os("WHEELFIX_REQUIRE_ORACLES").is_some_and(|v| v == "1")
}

/// Print why a test is skipped, or fail when oracles are required.
pub fn skip_or_fail(why: &str) {
    assert!(!oracles_required(), "required oracle missing: {why}");
    eprintln!("skipped: {why}");
}

/// The venv `cargo xtask test` prepares with the oracle tools of `tests/requirements.txt`.
pub fn venv() -> PathBuf {
    std::env::var_os("WHEELFIX_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".cache/venv"))
}

/// The path of an oracle tool, from the venv or PATH; `None` (after [`skip_or_fail`]) when it is
/// missing.
pub fn oracle(tool: &str) -> Option<PathBuf> {
    let in_venv = venv().join("bin").join(tool);
    if in_venv.is_file() {
        return Some(in_venv);
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let candidate = dir.join(tool);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    skip_or_fail(&format!(
        "`{tool}` is not installed (run `cargo xtask test`)"
    ));
    None
}

/// A fresh temporary directory, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("wheelfix-test-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        if let Err(err) = std::fs::create_dir_all(&dir) {
            panic!("creating {}: {err}", dir.display());
        }
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Regular (not symlinked) ELF files in `dir`, or below it when `recursive`, whose file name
/// passes `name_filter`; sorted.
pub fn elf_files(dir: &Path, recursive: bool, name_filter: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() && recursive {
                stack.push(path);
            } else if kind.is_file()
                && path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(name_filter)
                && starts_with_elf_magic(&path)
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn starts_with_elf_magic(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"\x7fELF"
}

/// Download `url` to `dest` with curl (retrying), check its sha256, and rename it into place
/// atomically; a file already at `dest` with the right hash is kept.
pub fn download_verified(url: &str, sha256: &str, dest: &Path) -> Result<(), String> {
    if dest.is_file() && sha256_of(dest)? == sha256 {
        return Ok(());
    }
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("creating {}: {e}", parent.display()))?;
    }
    let partial = dest.with_extension(format!("part{}", std::process::id()));
    let output = Command::new("curl")
        .args([
            "--fail",
            "--location",
            "--silent",
            "--show-error",
            "--retry",
            "4",
            "--retry-delay",
            "2",
            "--retry-connrefused",
            "--connect-timeout",
            "30",
            "--output",
        ])
        .arg(&partial)
        .arg(url)
        .output()
        .map_err(|e| format!("spawning curl: {e}"))?;
    if !output.status.success() {
        let _ = std::fs::remove_file(&partial);
        return Err(format!(
            "curl {url} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let actual = sha256_of(&partial)?;
    if actual != sha256 {
        let _ = std::fs::remove_file(&partial);
        return Err(format!("{url}: sha256 {actual}, expected {sha256}"));
    }
    std::fs::rename(&partial, dest).map_err(|e| format!("renaming into {}: {e}", dest.display()))
}

/// The lowercase hex sha256 of a file (with `sha256sum`, so this crate needs no hashing code).
pub fn sha256_of(path: &Path) -> Result<String, String> {
    let output = Command::new("sha256sum")
        .arg(path)
        .output()
        .map_err(|e| format!("spawning sha256sum: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "sha256sum {}: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .next()
        .map(str::to_owned)
        .ok_or_else(|| format!("sha256sum {}: no output", path.display()))
}
