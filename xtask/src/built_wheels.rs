//! `cargo xtask built-wheels [--only NAME...] [--force]`: build the `linux_x86_64` wheels the
//! repair end-to-end test (`tests/repair_e2e.rs`) repairs, from source, against the machine's
//! Debian libraries, and cache them.
//!
//! The recipes are `tests/built-wheels/recipes.json` (see the README there): sdists pinned by
//! URL and sha256 (psycopg2, cffi, lxml), and local sources under `testdata/src/` (a C extension
//! built with setuptools, a PyO3 crate built with maturin). Everything is built with one Python
//! (`$WHEELFIX_BUILD_PYTHON`, else `python3` from `PATH`) in a build venv holding the pinned
//! `build_requirements`, without build isolation and without an index, so a build downloads
//! nothing but the pinned sdists (and, for maturin, the crates of the committed `Cargo.lock`).
//!
//! Cache layout, under `.cache/built-wheels/`:
//!
//! ```text
//! venv/                  the build venv (stamp: requirements + interpreter)
//! sdists/<file>          downloaded sdists, sha256-verified
//! cargo-target/          CARGO_TARGET_DIR of maturin builds (kept for incremental rebuilds)
//! logs/<name>.log        the last build's output
//! <name>/<key>/*.whl     a built wheel; key = hash(recipe, source, build requirements, Python)
//! index.json             name -> the current wheel, the interpreter and the inputs it used
//! ```
//!
//! A wheel whose key is already cached is not rebuilt, so a second run costs a few hashes. The
//! test side (`tests/support/built.rs`) reads `index.json` and re-checks the inputs against the
//! recipes, so a stale cache fails with a message naming this command.
//!
//! Not here: repairing, installing or running anything (the test does that).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use wheelfix_wheel::metadata::record_sha256;

use crate::util::{repo_root, sha256_file, sha256_hex};

/// Parsed `tests/built-wheels/recipes.json`.
struct Recipes {
    version: u64,
    build_requirements: Vec<String>,
    wheels: Vec<Recipe>,
}

struct Recipe {
    name: String,
    kind: Kind,
    env: BTreeMap<String, String>,
    /// The recipe's JSON object, part of the cache key: changing any field rebuilds.
    raw: Value,
}

enum Kind {
    Sdist {
        filename: String,
        url: String,
        sha256: String,
    },
    Setuptools {
        source: PathBuf,
    },
    Maturin {
        source: PathBuf,
    },
}

/// A finished build.
struct Built {
    key: String,
    source: String,
    wheel: PathBuf,
    seconds: f64,
}

/// The interpreter the wheels are built for.
struct Python {
    /// `python3` (or `$WHEELFIX_BUILD_PYTHON`) as resolved.
    executable: PathBuf,
    /// `3.11.7 cpython-311 .cpython-311-x86_64-linux-gnu.so`
    description: String,
}

pub(crate) fn run(args: &[String]) -> Result<()> {
    let mut only: Vec<String> = Vec::new();
    let mut force = false;
    let mut in_only = false;
    for arg in args {
        match arg.as_str() {
            "--only" => in_only = true,
            "--force" => force = true,
            flag if flag.starts_with('-') => {
                bail!("unknown flag `{flag}` for `cargo xtask built-wheels`")
            }
            name if in_only => only.push(name.to_owned()),
            other => bail!("unexpected argument `{other}` (did you mean `--only {other}`?)"),
        }
    }
    let root = repo_root();
    let recipes = load(&root.join("tests/built-wheels/recipes.json"))?;
    for name in &only {
        if !recipes.wheels.iter().any(|r| r.name == *name) {
            bail!("no recipe named `{name}` in tests/built-wheels/recipes.json");
        }
    }
    let cache = root.join(".cache/built-wheels");
    std::fs::create_dir_all(cache.join("logs"))?;
    let started = Instant::now();
    let python = python()?;
    let venv = build_venv(&cache, &python, &recipes.build_requirements)?;

    let index_path = cache.join("index.json");
    let mut index: serde_json::Map<String, Value> = std::fs::read_to_string(&index_path)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .and_then(|v| v.get("wheels").and_then(Value::as_object).cloned())
        .unwrap_or_default();

    // Work out every key first (downloads included), then build what is missing on two
    // workers, the slowest recipe first (the order of recipes.json).
    let mut todo: Vec<(&Recipe, String, String)> = Vec::new();
    for recipe in &recipes.wheels {
        if !only.is_empty() && !only.contains(&recipe.name) {
            continue;
        }
        let source = source_input(&root, &cache, recipe)?;
        let key = cache_key(&recipes, recipe, &source, &python);
        let dir = cache.join(&recipe.name).join(&key);
        if !force && let Some(wheel) = single_wheel(&dir) {
            println!("built-wheels: {} cached ({})", recipe.name, wheel.display());
            let previous = index.get(&recipe.name).cloned();
            index.insert(
                recipe.name.clone(),
                entry(
                    recipe, &key, &source, &wheel, &venv, &python, &cache, previous,
                ),
            );
            continue;
        }
        todo.push((recipe, key, source));
    }

    let results: Mutex<Vec<(&Recipe, Result<Built>)>> = Mutex::new(Vec::new());
    let queue = Mutex::new(todo.into_iter());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().ok().and_then(|mut q| q.next());
                    let Some((recipe, key, source)) = next else {
                        break;
                    };
                    println!("built-wheels: building {} ...", recipe.name);
                    let began = Instant::now();
                    let result = build(&root, &cache, &venv, recipe, &key).map(|wheel| Built {
                        key,
                        source,
                        wheel,
                        seconds: began.elapsed().as_secs_f64(),
                    });
                    if let Ok(built) = &result {
                        println!(
                            "built-wheels: built {} in {:.1} s ({})",
                            recipe.name,
                            built.seconds,
                            built.wheel.display()
                        );
                    }
                    if let Ok(mut results) = results.lock() {
                        results.push((recipe, result));
                    }
                }
            });
        }
    });

    let mut failed = Vec::new();
    for (recipe, result) in results.into_inner().unwrap_or_default() {
        let name = recipe.name.clone();
        match result {
            Ok(built) => {
                let mut value = entry(
                    recipe,
                    &built.key,
                    &built.source,
                    &built.wheel,
                    &venv,
                    &python,
                    &cache,
                    None,
                );
                value["build_seconds"] = json!((built.seconds * 10.0).round() / 10.0);
                index.insert(name, value);
            }
            Err(err) => {
                let log = cache.join("logs").join(format!("{name}.log"));
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(40).collect();
                eprintln!("built-wheels: {name} FAILED: {err:#}");
                for line in tail.iter().rev() {
                    eprintln!("  | {line}");
                }
                eprintln!("  (full log: {})", log.display());
                failed.push(name);
            }
        }
    }
    let document = json!({
        "recipe_version": recipes.version,
        "wheels": Value::Object(index),
    });
    std::fs::write(&index_path, serde_json::to_string_pretty(&document)? + "\n")?;
    println!(
        "built-wheels: done in {:.1} s ({})",
        started.elapsed().as_secs_f64(),
        index_path.display()
    );
    if !failed.is_empty() {
        bail!("building {} failed", failed.join(", "));
    }
    Ok(())
}

fn load(path: &Path) -> Result<Recipes> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let value: Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let version = value["recipe_version"]
        .as_u64()
        .context("recipes.json: missing integer `recipe_version`")?;
    let build_requirements = value["build_requirements"]
        .as_array()
        .context("recipes.json: missing array `build_requirements`")?
        .iter()
        .map(|r| {
            r.as_str()
                .map(str::to_owned)
                .context("a requirement is not a string")
        })
        .collect::<Result<Vec<_>>>()?;
    if let Some(loose) = build_requirements.iter().find(|r| !r.contains("==")) {
        bail!("recipes.json: build requirement `{loose}` is not pinned with ==");
    }
    let mut wheels = Vec::new();
    for raw in value["wheels"]
        .as_array()
        .context("recipes.json: missing array `wheels`")?
    {
        let text = |key: &str| -> Result<String> {
            raw[key]
                .as_str()
                .map(str::to_owned)
                .with_context(|| format!("recipes.json: missing string `{key}` in {raw}"))
        };
        let name = text("name")?;
        let kind = match text("kind")?.as_str() {
            "sdist" => {
                let sha256 = text("sha256")?;
                if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                    bail!("recipes.json: {name}: sha256 is not 64 hex digits");
                }
                Kind::Sdist {
                    filename: text("filename")?,
                    url: text("url")?,
                    sha256,
                }
            }
            "setuptools" => Kind::Setuptools {
                source: PathBuf::from(text("source")?),
            },
            "maturin" => Kind::Maturin {
                source: PathBuf::from(text("source")?),
            },
            other => bail!("recipes.json: {name}: unknown kind `{other}`"),
        };
        let env = raw["env"]
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        wheels.push(Recipe {
            name,
            kind,
            env,
            raw: raw.clone(),
        });
    }
    Ok(Recipes {
        version,
        build_requirements,
        wheels,
    })
}

/// The interpreter to build for, with its version, cache tag and extension suffix; it must
/// have its C headers.
fn python() -> Result<Python> {
    let requested = std::env::var_os("WHEELFIX_BUILD_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("python3"));
    let output = Command::new(&requested)
        .args([
            "-c",
            "import os, sys, sysconfig\n\
             inc = sysconfig.get_config_var('INCLUDEPY') or ''\n\
             print(sys.executable)\n\
             print(sys.version.split()[0], sys.implementation.cache_tag, \
             sysconfig.get_config_var('EXT_SUFFIX'))\n\
             print(os.path.exists(os.path.join(inc, 'Python.h')), inc)",
        ])
        .output()
        .with_context(|| format!("running {}", requested.display()))?;
    if !output.status.success() {
        bail!(
            "{} failed: {}",
            requested.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let mut lines = text.lines();
    let executable = PathBuf::from(lines.next().unwrap_or_default());
    let description = lines.next().unwrap_or_default().to_owned();
    let headers = lines.next().unwrap_or_default();
    if !headers.starts_with("True") {
        bail!(
            "{} has no C headers ({}); install its -dev package or set WHEELFIX_BUILD_PYTHON",
            requested.display(),
            headers.trim_start_matches("False ")
        );
    }
    Ok(Python {
        executable,
        description,
    })
}

/// The build venv, created (or recreated) when the requirements or the interpreter change.
fn build_venv(cache: &Path, python: &Python, requirements: &[String]) -> Result<PathBuf> {
    let venv = cache.join("venv");
    let wanted =
        sha256_hex(format!("{}\n{}\n", python.description, requirements.join("\n")).as_bytes());
    let stamp = venv.join(".built-wheels.sha256");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == wanted)
        && venv.join("bin/python").exists()
    {
        return Ok(venv);
    }
    println!(
        "built-wheels: creating {} ({})",
        venv.display(),
        python.description
    );
    crate::util::run(
        Command::new(&python.executable)
            .args(["-m", "venv", "--clear"])
            .arg(&venv),
    )?;
    crate::util::run(
        Command::new(venv.join("bin/python"))
            .args(["-m", "pip", "install", "-q", "--no-deps"])
            .args(requirements),
    )?;
    std::fs::write(&stamp, wanted)?;
    Ok(venv)
}

/// What the source of a recipe is, as a string that changes whenever it does: the sdist's
/// pinned sha256 (after downloading and verifying it), or the hash of the source tree.
fn source_input(root: &Path, cache: &Path, recipe: &Recipe) -> Result<String> {
    match &recipe.kind {
        Kind::Sdist { sha256, .. } => {
            sdist(cache, recipe)?;
            Ok(format!("sdist:{sha256}"))
        }
        Kind::Setuptools { source } | Kind::Maturin { source } => {
            Ok(format!("tree:{}", tree_hash(&root.join(source))?))
        }
    }
}

/// The downloaded, verified sdist of a recipe.
fn sdist(cache: &Path, recipe: &Recipe) -> Result<PathBuf> {
    let Kind::Sdist {
        filename,
        url,
        sha256,
    } = &recipe.kind
    else {
        bail!("{} is not an sdist recipe", recipe.name);
    };
    let dir = cache.join("sdists");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(filename);
    if path.is_file() && sha256_file(&path)? == *sha256 {
        return Ok(path);
    }
    println!("built-wheels: downloading {filename}");
    let partial = dir.join(format!(".{filename}.part-{}", std::process::id()));
    crate::util::run(
        Command::new("curl")
            .args([
                "--fail",
                "--location",
                "--silent",
                "--show-error",
                "--retry",
                "4",
            ])
            .arg("--output")
            .arg(&partial)
            .arg(url),
    )?;
    let got = sha256_file(&partial)?;
    if got != *sha256 {
        let _ = std::fs::remove_file(&partial);
        bail!("{filename}: sha256 {got} does not match the pinned {sha256}");
    }
    std::fs::rename(&partial, &path)?;
    Ok(path)
}

/// Names skipped when hashing or copying a source tree: build products.
fn is_build_product(name: &str) -> bool {
    matches!(name, "target" | "build" | "dist" | "__pycache__") || name.ends_with(".egg-info")
}

/// The hash of a source tree: RECORD-style sha256 of the sorted `path\0sha256=...\n` lines of
/// its files. `tests/support/built.rs` computes the same.
fn tree_hash(dir: &Path) -> Result<String> {
    let mut files = Vec::new();
    walk(dir, dir, &mut files)?;
    files.sort();
    let mut listing = String::new();
    for relative in &files {
        let bytes = std::fs::read(dir.join(relative))?;
        let (algorithm, digest) = record_sha256(&bytes);
        listing.push_str(&format!("{relative}\0{algorithm}={digest}\n"));
    }
    Ok(record_sha256(listing.as_bytes()).1)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_build_product(&name) {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(root, &path, out)?;
        } else {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

fn cache_key(recipes: &Recipes, recipe: &Recipe, source: &str, python: &Python) -> String {
    let text = format!(
        "recipe_version={}\nrecipe={}\nsource={source}\nbuild_requirements={}\npython={}\n",
        recipes.version,
        recipe.raw,
        recipes.build_requirements.join(" "),
        python.description
    );
    sha256_hex(text.as_bytes())[..16].to_owned()
}

/// The one `.whl` in a cache directory, if the build finished.
fn single_wheel(dir: &Path) -> Option<PathBuf> {
    let wheels: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "whl"))
        .collect();
    match wheels.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// The index entry of a built (or cached) wheel; `previous` keeps a cached wheel's build time.
#[allow(clippy::too_many_arguments)]
fn entry(
    recipe: &Recipe,
    key: &str,
    source: &str,
    wheel: &Path,
    venv: &Path,
    python: &Python,
    cache: &Path,
    previous: Option<Value>,
) -> Value {
    let relative = wheel.strip_prefix(cache).unwrap_or(wheel);
    let seconds = previous
        .filter(|p| p["key"] == key)
        .map(|p| p["build_seconds"].clone())
        .unwrap_or(Value::Null);
    json!({
        "key": key,
        "recipe": recipe.raw,
        "source": source,
        "wheel": relative.to_string_lossy(),
        "python": venv.join("bin/python").to_string_lossy(),
        "python_description": python.description,
        "build_seconds": seconds,
    })
}

/// Build one wheel into `<cache>/<name>/<key>/`, replacing older builds of the recipe.
fn build(root: &Path, cache: &Path, venv: &Path, recipe: &Recipe, key: &str) -> Result<PathBuf> {
    let recipe_dir = cache.join(&recipe.name);
    let out = recipe_dir.join(format!("{key}.tmp"));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out)?;
    let log_path = cache.join("logs").join(format!("{}.log", recipe.name));
    let log = File::create(&log_path)?;
    let python = venv.join("bin/python");
    let work = cache.join("work").join(&recipe.name);
    let mut command = match &recipe.kind {
        Kind::Sdist { .. } => {
            let sdist = sdist(cache, recipe)?;
            let mut command = Command::new(&python);
            command
                .args([
                    "-m",
                    "pip",
                    "wheel",
                    "--no-deps",
                    "--no-build-isolation",
                    "--no-index",
                ])
                .arg("--wheel-dir")
                .arg(&out)
                .arg(sdist);
            command
        }
        Kind::Setuptools { source } => {
            copy_tree(&root.join(source), &work)?;
            let mut command = Command::new(&python);
            command
                .args([
                    "-m",
                    "pip",
                    "wheel",
                    "--no-deps",
                    "--no-build-isolation",
                    "--no-index",
                ])
                .arg("--wheel-dir")
                .arg(&out)
                .arg(&work);
            command
        }
        Kind::Maturin { source } => {
            copy_tree(&root.join(source), &work)?;
            let mut command = Command::new(venv.join("bin/maturin"));
            command
                .args(["build", "--release", "--locked", "--auditwheel", "skip"])
                .args(["--compatibility", "linux", "--interpreter"])
                .arg(&python)
                .arg("--out")
                .arg(&out)
                .current_dir(&work)
                .env("CARGO_TARGET_DIR", cache.join("cargo-target"));
            command
        }
    };
    command
        .envs(&recipe.env)
        .env_remove("LD_LIBRARY_PATH")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    let status = command
        .status()
        .with_context(|| format!("spawning {command:?}"))?;
    let _ = std::fs::remove_dir_all(&work);
    if !status.success() {
        bail!("{command:?} failed with {status}");
    }
    let Some(wheel) = single_wheel(&out) else {
        bail!("the build left no single .whl in {}", out.display());
    };
    let name = wheel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !name.ends_with("-linux_x86_64.whl") {
        bail!("built {name}, expected a linux_x86_64 wheel");
    }
    // Keep only this build of the recipe.
    if let Ok(entries) = std::fs::read_dir(&recipe_dir) {
        for entry in entries.flatten() {
            if entry.file_name() != *format!("{key}.tmp") {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let done = recipe_dir.join(key);
    std::fs::rename(&out, &done)?;
    Ok(done.join(name))
}

/// Copy a source tree (without build products) to a fresh directory, so that builds never
/// write into the repository.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    let _ = std::fs::remove_dir_all(to);
    let mut files = Vec::new();
    walk(from, from, &mut files)?;
    for relative in files {
        let destination = to.join(&relative);
        if let Some(parent) = destination.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(from.join(&relative), &destination)
            .with_context(|| format!("copying {relative}"))?;
    }
    Ok(())
}
