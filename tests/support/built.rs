//! The wheels built from source by `cargo xtask built-wheels` (recipes in
//! `tests/built-wheels/recipes.json`, cache in `.cache/built-wheels/`): `built_wheel(name)`
//! returns the cached wheel and the interpreter it was built for, after checking that the
//! cache still matches the recipe and its sources.
//!
//! Nothing is built here: a test never compiles (lxml alone takes a minute). A missing or stale
//! wheel skips the test, or fails it when oracles are required, naming the command to run.

use std::path::{Path, PathBuf};

use serde_json::Value;
use wheelfix_wheel::metadata::record_sha256;

use super::{repo_root, skip_or_fail};

/// A wheel built from source, as the cache index describes it.
#[derive(Debug, Clone)]
pub struct BuiltWheel {
    pub name: String,
    pub path: PathBuf,
    /// The build venv's interpreter: the Python the wheel is for.
    pub python: PathBuf,
    /// How long the build took, when it was built by the run that wrote the index.
    pub build_seconds: Option<f64>,
}

pub fn cache_dir() -> PathBuf {
    repo_root().join(".cache/built-wheels")
}

/// The names of every recipe, in recipe order.
pub fn recipe_names() -> Vec<String> {
    let recipes = recipes();
    recipes["wheels"]
        .as_array()
        .map(|w| {
            w.iter()
                .filter_map(|r| r["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn recipes() -> Value {
    let path = repo_root().join("tests/built-wheels/recipes.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// The cached wheel of recipe `name`; `None` (after `skip_or_fail`) when it is missing or
/// stale.
pub fn built_wheel(name: &str) -> Option<BuiltWheel> {
    match lookup(name) {
        Ok(wheel) => Some(wheel),
        Err(why) => {
            skip_or_fail(&format!(
                "built wheel `{name}`: {why}; run `cargo xtask built-wheels`"
            ));
            None
        }
    }
}

fn lookup(name: &str) -> Result<BuiltWheel, String> {
    let recipes = recipes();
    let recipe = recipes["wheels"]
        .as_array()
        .and_then(|w| w.iter().find(|r| r["name"] == name))
        .unwrap_or_else(|| panic!("no recipe `{name}` in tests/built-wheels/recipes.json"));
    let index_path = cache_dir().join("index.json");
    let index: Value = std::fs::read_to_string(&index_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .ok_or_else(|| format!("{} is missing or unreadable", index_path.display()))?;
    if index["recipe_version"] != recipes["recipe_version"] {
        return Err(format!(
            "the cache has recipe_version {}, recipes.json {}",
            index["recipe_version"], recipes["recipe_version"]
        ));
    }
    let entry = &index["wheels"][name];
    if entry.is_null() {
        return Err("not in the cache index".into());
    }
    if entry["recipe"] != *recipe {
        return Err("the recipe changed since it was built".into());
    }
    let source = match recipe["kind"].as_str() {
        Some("sdist") => format!("sdist:{}", recipe["sha256"].as_str().unwrap_or_default()),
        _ => {
            let dir = repo_root().join(recipe["source"].as_str().unwrap_or_default());
            format!("tree:{}", tree_hash(&dir))
        }
    };
    if entry["source"] != source.as_str() {
        return Err("its sources changed since it was built".into());
    }
    let path = cache_dir().join(entry["wheel"].as_str().unwrap_or_default());
    let python = PathBuf::from(entry["python"].as_str().unwrap_or_default());
    if !path.is_file() {
        return Err(format!("{} is missing", path.display()));
    }
    if !python.is_file() {
        return Err(format!("its interpreter {} is missing", python.display()));
    }
    Ok(BuiltWheel {
        name: name.to_owned(),
        path,
        python,
        build_seconds: entry["build_seconds"].as_f64(),
    })
}

/// The same tree hash as `xtask/src/built_wheels.rs`: RECORD-style sha256 of the sorted
/// `path\0sha256=...\n` lines, build products skipped.
fn tree_hash(dir: &Path) -> String {
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    files.sort();
    let mut listing = String::new();
    for relative in &files {
        let bytes = std::fs::read(dir.join(relative)).unwrap();
        let (algorithm, digest) = record_sha256(&bytes);
        listing.push_str(&format!("{relative}\0{algorithm}={digest}\n"));
    }
    record_sha256(listing.as_bytes()).1
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if matches!(name.as_str(), "target" | "build" | "dist" | "__pycache__")
            || name.ends_with(".egg-info")
        {
            continue;
        }
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            walk(root, &path, out);
        } else {
            let relative = path.strip_prefix(root).unwrap();
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}
