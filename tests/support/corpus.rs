//! The pinned real-wheel corpus, for the differential tests against auditwheel and the
//! benchmarks: `corpus()` parses `tests/corpus/wheels.json`; `fetch()` returns the path of a
//! wheel in the cache (`.cache/corpus/`, or `$WHEELFIX_CORPUS_DIR`), downloading it with `curl`
//! when it is missing and verifying its sha256 either way (`wheelfix_testkit::download_verified`).
//!
//! This is the same cache `cargo xtask corpus` fills (run that first to download everything in
//! one go). Not here: running auditwheel or wheelfix, or comparing them; choosing the wheels
//! (`tests/corpus/pin.py`).
//!

#![allow(clippy::disallowed_methods)]
// A shared helper: each test uses part of it, and its items are `pub` for every test module
// even though nothing outside the test crate can reach them.
#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Mutex;

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

/// The path of `wheel` in the cache, downloaded first when missing (or when the cached copy has
/// the wrong hash). The returned file always has the pinned sha256.
pub fn fetch(wheel: &CorpusWheel) -> Result<PathBuf, String> {
    if !is_plain_wheel_filename(&wheel.filename) {
        return Err(format!(
            "`{}` is not a plain wheel filename",
            wheel.filename
        ));
    }
    let dest = cache_dir().join(&wheel.filename);
    if dest.is_file()
        && VERIFIED
            .lock()
            .is_ok_and(|set| set.contains(&wheel.filename))
    {
        return Ok(dest);
    }
    wheelfix_testkit::download_verified(&wheel.url, &wheel.sha256, &dest)?;
    if let Ok(mut set) = VERIFIED.lock() {
        set.insert(wheel.filename.clone());
    }
    Ok(dest)
}
