//! `cargo xtask corpus [--only NAME...]`: fetch the pinned real-wheel corpus into the cache.
//!
//! The corpus is `tests/corpus/wheels.json` (see `tests/corpus/README.md`): real PyPI wheels
//! pinned by filename, URL and sha256. This command downloads every wheel missing from
//! `.cache/corpus/` (or `$WHEELFIX_CORPUS_DIR`) with `curl`, verifies its sha256 and size,
//! renames it into place atomically and prints a summary. A cached file with the right hash is
//! reused; one with a wrong hash is downloaded again.
//!
//! Not here: choosing or pinning wheels (`tests/corpus/pin.py`), the auditwheel reference
//! snapshot (`tests/corpus/snapshot.py`), and the test-side fetcher
//! (`tests/support/corpus.rs`, the same cache layout without the xtask dependencies).

use std::collections::BTreeSet;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::util::repo_root;

/// One pinned wheel, as read from `wheels.json` (only the fields this command needs).
struct Entry {
    name: String,
    version: String,
    filename: String,
    url: String,
    sha256: String,
    size: u64,
}

enum Outcome {
    Cached,
    Downloaded { seconds: f64 },
    Failed(String),
}

pub(crate) fn run(args: &[String]) -> Result<()> {
    let only = parse_args(args)?;
    let root = repo_root();
    let manifest = root.join("tests/corpus/wheels.json");
    let entries = load(&manifest)?;
    let selected = select(&entries, &only)?;
    let dir = cache_dir(&root);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;

    let total_bytes: u64 = selected.iter().map(|e| e.size).sum();
    println!(
        "corpus: {} of {} wheels ({}) into {}",
        selected.len(),
        entries.len(),
        megabytes(total_bytes),
        dir.display()
    );
    let started = Instant::now();
    let mut cached = 0usize;
    let mut downloaded = Vec::new();
    let mut failed = Vec::new();
    for entry in &selected {
        match fetch(entry, &dir) {
            Outcome::Cached => cached += 1,
            Outcome::Downloaded { seconds } => {
                println!(
                    "  downloaded {} ({}, {seconds:.1} s)",
                    entry.filename,
                    megabytes(entry.size)
                );
                downloaded.push(entry.size);
            }
            Outcome::Failed(why) => {
                eprintln!("  FAILED     {}: {why}", entry.filename);
                failed.push(entry.filename.clone());
            }
        }
    }
    println!(
        "corpus: {cached} cached, {} downloaded ({}), {} failed, {:.1} s",
        downloaded.len(),
        megabytes(downloaded.iter().sum()),
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    if !failed.is_empty() {
        bail!(
            "{} corpus wheel(s) failed: {}",
            failed.len(),
            failed.join(", ")
        );
    }
    Ok(())
}

/// `--only NAME...` (repeatable). NAME is a project name, `name==version` or a filename.
fn parse_args(args: &[String]) -> Result<Vec<String>> {
    let mut only = Vec::new();
    let mut in_only = false;
    for arg in args {
        match arg.as_str() {
            "--only" => in_only = true,
            flag if flag.starts_with('-') => {
                bail!("unknown flag `{flag}` for `cargo xtask corpus`")
            }
            name if in_only => only.push(name.to_owned()),
            other => bail!("unexpected argument `{other}` (did you mean `--only {other}`?)"),
        }
    }
    if in_only && only.is_empty() {
        bail!("`--only` needs at least one NAME");
    }
    Ok(only)
}

/// `$WHEELFIX_CORPUS_DIR`, else `<repo>/.cache/corpus`.
fn cache_dir(root: &Path) -> PathBuf {
    match std::env::var_os("WHEELFIX_CORPUS_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => root.join(".cache/corpus"),
    }
}

fn load(manifest: &Path) -> Result<Vec<Entry>> {
    let text = std::fs::read_to_string(manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    let value: Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", manifest.display()))?;
    let Some(items) = value.as_array() else {
        bail!("{}: expected a JSON array of wheels", manifest.display());
    };
    let mut entries = Vec::with_capacity(items.len());
    let mut seen = BTreeSet::new();
    for (index, item) in items.iter().enumerate() {
        let entry =
            parse_entry(item).with_context(|| format!("{} entry #{index}", manifest.display()))?;
        if !seen.insert(entry.filename.clone()) {
            bail!(
                "{}: duplicate filename {}",
                manifest.display(),
                entry.filename
            );
        }
        entries.push(entry);
    }
    Ok(entries)
}

fn parse_entry(item: &Value) -> Result<Entry> {
    let text = |key: &str| -> Result<String> {
        item.get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .with_context(|| format!("missing string field `{key}`"))
    };
    let entry = Entry {
        name: text("name")?,
        version: text("version")?,
        filename: text("filename")?,
        url: text("url")?,
        sha256: text("sha256")?,
        size: item
            .get("size")
            .and_then(Value::as_u64)
            .context("missing integer field `size`")?,
    };
    let plain_name = !entry.filename.contains(['/', '\\']) && !entry.filename.starts_with('.');
    if !plain_name || !entry.filename.ends_with(".whl") {
        bail!("`{}` is not a plain wheel filename", entry.filename);
    }
    if entry.sha256.len() != 64 || !entry.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!(
            "{}: sha256 `{}` is not 64 hex digits",
            entry.filename,
            entry.sha256
        );
    }
    if !entry.url.starts_with("https://") {
        bail!("{}: url `{}` is not https", entry.filename, entry.url);
    }
    Ok(entry)
}

/// PEP 503 normalisation: lowercase, runs of `-_.` become one `-`.
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

fn matches(entry: &Entry, selector: &str) -> bool {
    if selector == entry.filename {
        return true;
    }
    match selector.split_once("==") {
        Some((name, version)) => {
            normalize(name) == normalize(&entry.name) && version == entry.version
        }
        None => normalize(selector) == normalize(&entry.name),
    }
}

fn select<'a>(entries: &'a [Entry], only: &[String]) -> Result<Vec<&'a Entry>> {
    if only.is_empty() {
        return Ok(entries.iter().collect());
    }
    let unmatched: Vec<&String> = only
        .iter()
        .filter(|s| !entries.iter().any(|e| matches(e, s)))
        .collect();
    if !unmatched.is_empty() {
        let names: Vec<&str> = unmatched.iter().map(|s| s.as_str()).collect();
        bail!("no corpus wheel matches {}", names.join(", "));
    }
    Ok(entries
        .iter()
        .filter(|e| only.iter().any(|s| matches(e, s)))
        .collect())
}

fn fetch(entry: &Entry, dir: &Path) -> Outcome {
    let dest = dir.join(&entry.filename);
    if dest.is_file() {
        match sha256_of(&dest) {
            Ok(hash) if hash == entry.sha256 => return Outcome::Cached,
            Ok(hash) => {
                eprintln!(
                    "  {} is cached with sha256 {hash}, expected {}: downloading again",
                    entry.filename, entry.sha256
                );
            }
            Err(err) => eprintln!("  {}: {err:#}: downloading again", entry.filename),
        }
    }
    let started = Instant::now();
    match download(entry, &dest) {
        Ok(()) => Outcome::Downloaded {
            seconds: started.elapsed().as_secs_f64(),
        },
        Err(err) => Outcome::Failed(format!("{} {}: {err:#}", entry.name, entry.version)),
    }
}

/// Download to a temporary name in the same directory, verify, then rename into place.
fn download(entry: &Entry, dest: &Path) -> Result<()> {
    wheelfix_testkit::download_verified(&entry.url, &entry.sha256, dest).map_err(anyhow::Error::msg)
}

/// Streaming sha256 (the corpus has wheels of a few hundred MB).
fn sha256_of(path: &Path) -> Result<String> {
    let mut file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = file
            .read(&mut buffer)
            .with_context(|| format!("reading {}", path.display()))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, version: &str, filename: &str) -> Entry {
        Entry {
            name: name.into(),
            version: version.into(),
            filename: filename.into(),
            url: String::new(),
            sha256: String::new(),
            size: 0,
        }
    }

    #[test]
    fn selectors_match_project_version_or_filename() {
        let numpy = entry(
            "numpy",
            "2.3.5",
            "numpy-2.3.5-cp312-cp312-manylinux_2_28_x86_64.whl",
        );
        let pg = entry("psycopg2-binary", "2.9.10", "psycopg2_binary-2.9.10-x.whl");
        assert!(matches(&numpy, "numpy"));
        assert!(matches(&numpy, "NumPy==2.3.5"));
        assert!(!matches(&numpy, "numpy==1.16.6"));
        assert!(matches(
            &numpy,
            "numpy-2.3.5-cp312-cp312-manylinux_2_28_x86_64.whl"
        ));
        assert!(matches(&pg, "psycopg2_binary"));
        assert!(matches(&pg, "Psycopg2.Binary==2.9.10"));
        assert!(!matches(&pg, "psycopg2"));
    }

    #[test]
    fn only_flag_takes_several_names() {
        let args: Vec<String> = ["--only", "six", "numpy==2.3.5"].map(String::from).to_vec();
        assert_eq!(parse_args(&args).unwrap(), ["six", "numpy==2.3.5"]);
        assert!(parse_args(&["--only".to_owned()]).is_err());
        assert!(parse_args(&["six".to_owned()]).is_err());
    }

    #[test]
    fn pinned_manifest_is_well_formed() {
        let entries = load(&repo_root().join("tests/corpus/wheels.json")).unwrap();
        assert!(entries.len() >= 40, "{} wheels", entries.len());
    }
}
