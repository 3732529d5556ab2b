//! `cargo xtask fixtures`: build the committed ELF fixtures from their C (and Rust) sources.
//!
//! Each case is a directory `testdata/elf/<case>/` with sources and a `recipe.sh`. The recipe
//! runs under `sh -eu` with the case directory as its working directory and writes its outputs
//! to `out/` (environment `OUT=out`). Intermediate files (stub libraries, objects) go to
//! `$SCRATCH`, an empty directory outside the repository that is deleted after a successful
//! run: every file a recipe leaves in the case directory outside `out/` would count as a source,
//! so doing that is an error.
//!
//! `testdata/MANIFEST` records the sha256 of every source (every file of the case except
//! `out/` and Markdown documentation) and every output, plus the toolchain versions, so a test
//! (`fixtures_match_manifest`, part of `cargo test --workspace`) can tell when a source
//! changed without its fixture being rebuilt, or an output was edited by hand.
//! Fixtures are never built during `cargo test`: the symbol versions in a binary depend on the
//! glibc of the machine that built it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::util::{repo_root, run as run_command, sha256_file, tool_version};

const TOOLS: &[(&str, &str)] = &[
    ("gcc", "--version"),
    ("g++", "--version"),
    ("ld", "--version"),
    ("aarch64-linux-gnu-gcc", "--version"),
    ("powerpc64le-linux-gnu-gcc", "--version"),
    ("powerpc64-linux-gnu-gcc", "--version"),
    ("s390x-linux-gnu-gcc", "--version"),
    ("i686-linux-gnu-gcc", "--version"),
    ("arm-linux-gnueabihf-gcc", "--version"),
    ("riscv64-linux-gnu-gcc", "--version"),
    ("arm-linux-gnueabi-gcc", "--version"),
    ("musl-gcc", "--version"),
    ("rustc", "--version"),
    ("ld.lld", "--version"),
    ("ldd", "--version"),
    ("python3", "--version"),
];

pub(crate) fn run(args: &[String]) -> Result<()> {
    let check_only = args.iter().any(|a| a == "--check");
    // A mistyped flag must not fall through to "rebuild everything": that rewrites committed
    // binaries whose symbol versions depend on this machine's glibc.
    if let Some(unknown) = args.iter().find(|a| a.starts_with("--") && *a != "--check") {
        bail!("unknown fixtures option `{unknown}` (use --check, or name cases to rebuild)");
    }
    let selected: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    if check_only && !selected.is_empty() {
        bail!("--check verifies every case; it takes no case names");
    }
    let root = repo_root().join("testdata/elf");
    let cases = list_cases(&root)?;
    if check_only {
        return check(&root, &cases);
    }
    if let Some(unknown) = selected
        .iter()
        .find(|s| !cases.iter().any(|c| case_name(c) == ***s))
    {
        bail!("no fixture case named `{unknown}` under {}", root.display());
    }
    for case in &cases {
        let name = case_name(case);
        if !selected.is_empty() && !selected.iter().any(|s| **s == name) {
            continue;
        }
        build_case(&root, case, &name)?;
    }
    write_manifest(&root, &cases)
}

/// Run one recipe into a fresh `out/` and a fresh scratch directory.
fn build_case(root: &Path, case: &Path, name: &str) -> Result<()> {
    eprintln!("building fixture {name}");
    let out = case.join("out");
    if out.exists() {
        std::fs::remove_dir_all(&out).with_context(|| format!("removing {}", out.display()))?;
    }
    std::fs::create_dir_all(&out)?;
    let scratch =
        std::env::temp_dir().join(format!("wheelfix-fixtures-{}-{name}", std::process::id()));
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch)?;
    }
    std::fs::create_dir_all(&scratch)?;
    let (sources_before, _) = case_files(root, case)?;
    run_command(
        Command::new("sh")
            .arg("-eu")
            .arg("recipe.sh")
            .current_dir(case)
            .env("OUT", "out")
            .env("SCRATCH", &scratch),
    )
    .with_context(|| {
        format!(
            "recipe of fixture `{name}` (intermediates kept in {})",
            scratch.display()
        )
    })?;
    let (sources_after, outputs) = case_files(root, case)?;
    if let Some(stray) = sources_after.iter().find(|f| !sources_before.contains(f)) {
        bail!(
            "recipe of fixture `{name}` wrote {} outside out/: put intermediates in $SCRATCH",
            stray.display()
        );
    }
    if outputs.is_empty() {
        bail!("recipe of fixture `{name}` wrote nothing to out/");
    }
    std::fs::remove_dir_all(&scratch)?;
    Ok(())
}

fn list_cases(root: &Path) -> Result<Vec<PathBuf>> {
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(root).with_context(|| format!("reading {}", root.display()))? {
        let path = entry?.path();
        if path.join("recipe.sh").is_file() {
            cases.push(path);
        }
    }
    cases.sort();
    Ok(cases)
}

fn case_name(case: &Path) -> String {
    case.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Every file of a case, relative to `testdata/elf`, split into sources and outputs.
fn case_files(root: &Path, case: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let mut sources = Vec::new();
    let mut outputs = Vec::new();
    let mut stack = vec![case.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            let file_type = std::fs::symlink_metadata(&path)?.file_type();
            if file_type.is_dir() {
                stack.push(path);
                continue;
            }
            let relative = path.strip_prefix(root)?.to_path_buf();
            if path.extension().is_some_and(|e| e == "md") {
                // Documentation is not an input of the build: fixing a README must not
                // require the cross toolchains.
                continue;
            }
            if relative
                .components()
                .nth(1)
                .is_some_and(|c| c.as_os_str() == "out")
            {
                outputs.push(relative);
            } else {
                sources.push(relative);
            }
        }
    }
    sources.sort();
    outputs.sort();
    Ok((sources, outputs))
}

fn manifest_lines(root: &Path, cases: &[PathBuf]) -> Result<BTreeMap<String, String>> {
    let mut lines = BTreeMap::new();
    for case in cases {
        let (sources, outputs) = case_files(root, case)?;
        for (kind, files) in [("source", sources), ("output", outputs)] {
            for file in files {
                let full = root.join(&file);
                let hash = if std::fs::symlink_metadata(&full)?.file_type().is_symlink() {
                    format!("symlink:{}", std::fs::read_link(&full)?.display())
                } else {
                    sha256_file(&full)?
                };
                lines.insert(format!("{kind} {}", file.display()), hash);
            }
        }
    }
    Ok(lines)
}

fn write_manifest(root: &Path, cases: &[PathBuf]) -> Result<()> {
    let mut text = String::from("# Generated by `cargo xtask fixtures`; do not edit by hand.\n");
    for (tool, flag) in TOOLS {
        if let Some(version) = tool_version(tool, flag) {
            text.push_str(&format!("# toolchain {tool}: {version}\n"));
        }
    }
    for (key, hash) in manifest_lines(root, cases)? {
        text.push_str(&format!("{key} {hash}\n"));
    }
    let path = manifest_path(root)?;
    std::fs::write(&path, text)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn manifest_path(root: &Path) -> Result<PathBuf> {
    root.parent()
        .map(|p| p.join("MANIFEST"))
        .context("testdata/elf has no parent")
}

fn read_manifest(path: &Path) -> Result<BTreeMap<String, String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| {
            l.rsplit_once(' ')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        })
        .collect())
}

/// One line per file whose hash differs between MANIFEST (`recorded`) and the tree (`actual`),
/// saying what to do about it. Keys are `source <case>/<file>` or `output <case>/out/<file>`.
fn manifest_diff(
    recorded: &BTreeMap<String, String>,
    actual: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (key, hash) in actual {
        let (kind, file) = key.split_once(' ').unwrap_or(("file", key));
        let case = file.split('/').next().unwrap_or(file);
        let rebuild = format!("run `cargo xtask fixtures {case}` and commit the result");
        match (recorded.get(key), kind) {
            (Some(old), _) if old == hash => {}
            (Some(_), "source") => problems.push(format!(
                "testdata/elf/{file} changed without regenerating fixtures: {rebuild}"
            )),
            (Some(_), _) => problems.push(format!(
                "testdata/elf/{file} differs from the output recorded in MANIFEST \
                 (edited by hand, or the sources changed): {rebuild}"
            )),
            (None, _) => problems.push(format!(
                "testdata/elf/{file} is not in MANIFEST (new {kind}): {rebuild}"
            )),
        }
    }
    for key in recorded.keys().filter(|k| !actual.contains_key(*k)) {
        let file = key.split_once(' ').map_or(key.as_str(), |(_, f)| f);
        let case = file.split('/').next().unwrap_or(file);
        problems.push(format!(
            "testdata/elf/{file} is listed in MANIFEST but missing: \
             run `cargo xtask fixtures {case}` and commit the result"
        ));
    }
    problems
}

fn check(root: &Path, cases: &[PathBuf]) -> Result<()> {
    let recorded = read_manifest(&manifest_path(root)?)?;
    let actual = manifest_lines(root, cases)?;
    let problems = manifest_diff(&recorded, &actual);
    if !problems.is_empty() {
        bail!("testdata/MANIFEST is out of date:\n{}", problems.join("\n"));
    }
    eprintln!("testdata/MANIFEST matches {} files", actual.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tidy check: every committed fixture source and output still hashes to what
    /// `cargo xtask fixtures` recorded, so nobody edits `x.c` without rebuilding `out/`.
    #[test]
    fn fixtures_match_manifest() {
        let root = repo_root().join("testdata/elf");
        let cases = list_cases(&root).expect("listing fixture cases");
        assert!(
            !cases.is_empty(),
            "no fixture cases under {}",
            root.display()
        );
        let recorded = read_manifest(&manifest_path(&root).expect("MANIFEST path"))
            .expect("reading testdata/MANIFEST");
        let actual = manifest_lines(&root, &cases).expect("hashing fixtures");
        let problems = manifest_diff(&recorded, &actual);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[track_caller]
    fn check_diff(recorded: &[(&str, &str)], actual: &[(&str, &str)], expect: &[&str]) {
        let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        assert_eq!(manifest_diff(&map(recorded), &map(actual)), expect);
    }

    #[test]
    fn diff_is_empty_when_hashes_agree() {
        check_diff(&[("source a/x.c", "1")], &[("source a/x.c", "1")], &[]);
    }

    #[test]
    fn diff_names_a_changed_source() {
        check_diff(
            &[("source glibc/old.c", "1")],
            &[("source glibc/old.c", "2")],
            &[
                "testdata/elf/glibc/old.c changed without regenerating fixtures: \
               run `cargo xtask fixtures glibc` and commit the result",
            ],
        );
    }

    #[test]
    fn diff_names_an_edited_output_a_new_file_and_a_missing_one() {
        check_diff(
            &[("output a/out/x.so", "1"), ("source a/gone.c", "3")],
            &[("output a/out/x.so", "2"), ("source a/new.c", "4")],
            &[
                "testdata/elf/a/out/x.so differs from the output recorded in MANIFEST \
                 (edited by hand, or the sources changed): \
                 run `cargo xtask fixtures a` and commit the result",
                "testdata/elf/a/new.c is not in MANIFEST (new source): \
                 run `cargo xtask fixtures a` and commit the result",
                "testdata/elf/a/gone.c is listed in MANIFEST but missing: \
                 run `cargo xtask fixtures a` and commit the result",
            ],
        );
    }
}
