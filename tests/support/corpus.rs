//! The pinned real-wheel corpus, for the differential tests against auditwheel and the
//! benchmarks: `corpus()` parses `tests/corpus/wheels.json`; `fetch()` returns the path of a
//! wheel in the cache (`.cache/corpus/`, or `$WHEELFIX_CORPUS_DIR`), downloading it with `curl`
//! when it is missing and verifying its sha256 with `sha256sum` either way.
//!
//! This is the same cache `cargo xtask corpus` fills (run that first to download everything in
//! one go). Not here: running auditwheel or wheelfix, or comparing them; choosing the wheels
//! (`tests/corpus/pin.py`).
//!
//! Not wired in yet. To use it, declare it in `tests/tests.rs` with
//! `mod support { pub mod corpus; }` and call `support::corpus::corpus()` /
//! `support::corpus::fetch(&wheel)` (checked to compile and pass with a smoke test doing exactly
//! that: every wheel fetched, a missing one downloaded again).

#![allow(clippy::disallowed_methods)]
// A shared helper: each test uses part of it, and its items are `pub` for every test module
// even though nothing outside the test crate can reach them.
#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Deserialize;

/// One pinned wheel from `tests/corpus/wheels.json`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CorpusWheel {
    /// The PyPI project name, as PyPI spells it (`psycopg2-binary`); not unique in the corpus.
    pub name: String,
    pub version: String,
    /// The wheel's filename on PyPI; unique in the corpus, so use it as the key.
    pub filename: String,
    pub url: String,
    /// Lowercase hex.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
    /// The platform tags of the filename (`manylinux_2_17_x86_64`, `manylinux2014_x86_64`).
    pub tags_claimed: Vec<String>,
    /// Coverage labels: tag families (`manylinux1`, `musllinux_1_2`, `linux`), architectures,
    /// and features (`pure`, `abi3`, `vendored-libs`, `scripts-elf`, `large`, `external-libs`).
    pub covers: Vec<String>,
    pub notes: String,
}

impl CorpusWheel {
    /// Whether the wheel carries the coverage label `label`.
    pub fn covers(&self, label: &str) -> bool {
        self.covers.iter().any(|c| c == label)
    }

    /// A pure-Python wheel (auditwheel only shows it with `--allow-pure-python-wheel`).
    pub fn is_pure(&self) -> bool {
        self.covers("pure")
    }

    /// Where the wheel lives in the cache (whether or not it has been fetched yet).
    pub fn cache_path(&self) -> PathBuf {
        cache_dir().join(&self.filename)
    }
}

/// The repository root (the root package is the `wheelfix` crate).
fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/corpus/wheels.json`.
pub fn manifest_path() -> PathBuf {
    repo_root().join("tests/corpus/wheels.json")
}

/// `$WHEELFIX_CORPUS_DIR`, else `<repo>/.cache/corpus` (shared with `cargo xtask corpus`).
pub fn cache_dir() -> PathBuf {
    match std::env::var_os("WHEELFIX_CORPUS_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => repo_root().join(".cache/corpus"),
    }
}

/// Every pinned wheel, in manifest order. Panics when the manifest is unreadable or malformed:
/// that is a bug in the repository, not a test result.
pub fn corpus() -> Vec<CorpusWheel> {
    let path = manifest_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("reading {}: {err}", path.display()));
    let wheels: Vec<CorpusWheel> = serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("parsing {}: {err}", path.display()));
    let mut seen = BTreeSet::new();
    for wheel in &wheels {
        assert!(
            seen.insert(wheel.filename.as_str()),
            "duplicate filename {} in {}",
            wheel.filename,
            path.display()
        );
        assert!(
            is_plain_wheel_filename(&wheel.filename),
            "`{}` in {} is not a plain wheel filename",
            wheel.filename,
            path.display()
        );
    }
    wheels
}

/// The wheel whose filename is `filename`; panics when the corpus has none.
pub fn by_filename(filename: &str) -> CorpusWheel {
    corpus()
        .into_iter()
        .find(|w| w.filename == filename)
        .unwrap_or_else(|| panic!("no corpus wheel named {filename}"))
}

fn is_plain_wheel_filename(filename: &str) -> bool {
    filename.ends_with(".whl") && !filename.contains(['/', '\\']) && !filename.starts_with('.')
}

/// Filenames whose cached copy this process already hashed (files are not rewritten while
/// tests run, so one verification per process is enough).
static VERIFIED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
/// Distinguishes the temporary files of concurrent downloads within this process.
static DOWNLOADS: AtomicUsize = AtomicUsize::new(0);

/// The path of `wheel` in the cache, downloaded first when missing (or when the cached copy has
/// the wrong hash). The returned file always has the pinned sha256.
pub fn fetch(wheel: &CorpusWheel) -> Result<PathBuf, String> {
    if !is_plain_wheel_filename(&wheel.filename) {
        return Err(format!(
            "`{}` is not a plain wheel filename",
            wheel.filename
        ));
    }
    let dir = cache_dir();
    let dest = dir.join(&wheel.filename);
    if already_verified(&wheel.filename) && dest.is_file() {
        return Ok(dest);
    }
    if dest.is_file() {
        match sha256_of(&dest) {
            Ok(hash) if hash == wheel.sha256 => {
                mark_verified(&wheel.filename);
                return Ok(dest);
            }
            // Wrong hash or unreadable: fall through and download it again.
            Ok(_) | Err(_) => {}
        }
    }
    std::fs::create_dir_all(&dir).map_err(|err| format!("creating {}: {err}", dir.display()))?;
    let partial = dir.join(format!(
        ".{}.part-{}-{}",
        wheel.filename,
        std::process::id(),
        DOWNLOADS.fetch_add(1, Ordering::Relaxed)
    ));
    let result = download_to(wheel, &partial).and_then(|()| {
        std::fs::rename(&partial, &dest).map_err(|err| {
            format!(
                "renaming {} to {}: {err}",
                partial.display(),
                dest.display()
            )
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result?;
    mark_verified(&wheel.filename);
    Ok(dest)
}

fn already_verified(filename: &str) -> bool {
    VERIFIED
        .lock()
        .map(|set| set.contains(filename))
        .unwrap_or(false)
}

fn mark_verified(filename: &str) {
    if let Ok(mut set) = VERIFIED.lock() {
        set.insert(filename.to_owned());
    }
}

fn download_to(wheel: &CorpusWheel, partial: &Path) -> Result<(), String> {
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
        .arg(partial)
        .arg(&wheel.url)
        .output()
        .map_err(|err| format!("spawning curl: {err}"))?;
    if !output.status.success() {
        return Err(format!(
            "curl {} failed ({}): {}",
            wheel.url,
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let size = std::fs::metadata(partial)
        .map_err(|err| format!("reading {}: {err}", partial.display()))?
        .len();
    if size != wheel.size {
        return Err(format!(
            "{}: downloaded {size} bytes, expected {}",
            wheel.filename, wheel.size
        ));
    }
    let hash = sha256_of(partial)?;
    if hash != wheel.sha256 {
        return Err(format!(
            "{}: downloaded file has sha256 {hash}, expected {}",
            wheel.filename, wheel.sha256
        ));
    }
    Ok(())
}

/// sha256 via coreutils' `sha256sum` (the test crate has no hashing dependency, and an
/// unoptimised Rust implementation would take seconds per large wheel).
fn sha256_of(path: &Path) -> Result<String, String> {
    let output = Command::new("sha256sum")
        .arg("--binary")
        .arg(path)
        .output()
        .map_err(|err| format!("spawning sha256sum: {err}"))?;
    if !output.status.success() {
        return Err(format!(
            "sha256sum {} failed: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    match text.split_whitespace().next() {
        Some(hash) if hash.len() == 64 => Ok(hash.to_ascii_lowercase()),
        _ => Err(format!("unexpected sha256sum output `{}`", text.trim())),
    }
}
