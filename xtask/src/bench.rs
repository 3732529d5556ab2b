//! `cargo xtask bench`: wheelfix against its peers, side by side, in one run, on the pinned
//! corpus. Prints a Markdown report (also written to `target/bench/report.md`) to paste into
//! BENCHMARKS.md together with the command that produced it.
//!
//! Sections: `audit` (wheelfix audit vs auditwheel show), `check` (wheelfix check vs the four
//! peers it replaces, chained) and `repair` (wheelfix repair vs auditwheel repair, with peak
//! RSS). Wall-clock medians over repeated runs; the peers come
//! from the test venv (`.cache/venv`, see `cargo xtask test`). Run it on an otherwise idle
//! machine.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::util::{repo_root, run as run_command};

struct Options {
    only: Option<String>,
    wheelfix_runs: usize,
    peer_runs: usize,
}

pub(crate) fn run(args: &[String]) -> Result<()> {
    let mut options = Options {
        only: None,
        wheelfix_runs: 5,
        peer_runs: 3,
    };
    for arg in args {
        if let Some(only) = arg.strip_prefix("--only=") {
            if !["audit", "check", "repair"].contains(&only) {
                bail!("--only={only}: no such section (audit, check or repair)");
            }
            options.only = Some(only.to_owned());
        } else if let Some(runs) = arg.strip_prefix("--runs=") {
            options.peer_runs = runs.parse().context("--runs")?;
        } else {
            bail!("unknown bench option `{arg}` (use --only=audit|check|repair and --runs=N)");
        }
    }
    let root = repo_root();
    run_command(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(&root)
            .args(["build", "--release", "-q", "--bin", "wheelfix"]),
    )?;
    crate::corpus::run(&[])?;
    let mut report = String::new();
    if options.only.as_deref().is_none_or(|o| o == "audit") {
        report.push_str(&audit(&options)?);
    }
    if options.only.as_deref().is_none_or(|o| o == "check") {
        report.push_str(&check(&options)?);
    }
    if options.only.as_deref().is_none_or(|o| o == "repair") {
        report.push_str(&repair(&options)?);
    }
    let out_dir = root.join("target/bench");
    std::fs::create_dir_all(&out_dir)?;
    std::fs::write(out_dir.join("report.md"), &report)?;
    println!("{report}");
    eprintln!("written to {}", out_dir.join("report.md").display());
    Ok(())
}

fn wheelfix_binary() -> PathBuf {
    repo_root().join("target/release/wheelfix")
}

fn venv_tool(name: &str) -> Result<PathBuf> {
    let path = repo_root().join(".cache/venv/bin").join(name);
    if !path.exists() {
        bail!(
            "{} is missing: run `cargo xtask test` once to create the venv",
            path.display()
        );
    }
    Ok(path)
}

/// Median wall time of `runs` executions of a command; the command must exit with one of `ok`.
fn time_median(runs: usize, ok: &[i32], make: impl Fn() -> Command) -> Result<Duration> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let mut command = make();
        let start = Instant::now();
        let output = command
            .output()
            .with_context(|| format!("running {command:?}"))?;
        let elapsed = start.elapsed();
        let code = output.status.code().unwrap_or(-1);
        if !ok.contains(&code) {
            bail!(
                "{command:?} exited with {code}: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        times.push(elapsed);
    }
    times.sort();
    Ok(times[times.len() / 2])
}

/// One timed wheel: name, size in bytes, wheelfix's median, the peer's median.
type TimedRow = (String, u64, Duration, Duration);

/// The per-wheel table (ratio = peer / wheelfix) and the median and lowest ratio below it, the
/// same for every section so that the figures compare.
fn ratio_table(md: &mut String, peer: &str, rows: &[TimedRow]) {
    md.push_str(&format!(
        "| wheel | size (MB) | wheelfix (s) | {peer} (s) | ratio |\n|---|---:|---:|---:|---:|\n"
    ));
    let mut ratios = Vec::with_capacity(rows.len());
    for (name, size, ours, theirs) in rows {
        let ratio = theirs.as_secs_f64() / ours.as_secs_f64();
        ratios.push(ratio);
        md.push_str(&format!(
            "| {name} | {:.1} | {} | {} | {ratio:.0}x |\n",
            *size as f64 / 1e6,
            seconds(*ours),
            seconds(*theirs),
        ));
    }
    ratios.sort_by(f64::total_cmp);
    if let (Some(lowest), Some(median)) = (ratios.first(), ratios.get(ratios.len() / 2)) {
        md.push_str(&format!(
            "\n**Median ratio: {median:.0}x** (lowest: {lowest:.1}x) over {} wheels.\n\n",
            rows.len()
        ));
    }
}

fn seconds(duration: Duration) -> String {
    format!("{:.3}", duration.as_secs_f64())
}

/// The non-pure corpus wheels, as (file name, path, size).
fn platform_wheels() -> Result<Vec<(String, PathBuf, u64)>> {
    let manifest = repo_root().join("tests/corpus/wheels.json");
    let wheels: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&manifest)?)?;
    let mut out = Vec::new();
    for wheel in wheels.as_array().context("wheels.json is a list")? {
        let covers = wheel["covers"].as_array().cloned().unwrap_or_default();
        if covers.iter().any(|c| c == "pure") {
            continue;
        }
        let filename = wheel["filename"].as_str().context("filename")?.to_owned();
        let path = repo_root().join(".cache/corpus").join(&filename);
        let size = std::fs::metadata(&path)
            .with_context(|| format!("{} not fetched", path.display()))?
            .len();
        out.push((filename, path, size));
    }
    Ok(out)
}

fn audit(options: &Options) -> Result<String> {
    let wheelfix = wheelfix_binary();
    let auditwheel = venv_tool("auditwheel")?;
    let wheels = platform_wheels()?;
    let mut rows = Vec::new();
    for (name, path, size) in &wheels {
        let ours = time_median(options.wheelfix_runs, &[0, 1], || {
            let mut c = Command::new(&wheelfix);
            c.args(["audit", "--format", "json"]).arg(path);
            c
        })?;
        let theirs = time_median(options.peer_runs, &[0, 1], || {
            let mut c = Command::new(&auditwheel);
            c.args(["show", "--json"]).arg(path);
            c
        })?;
        eprintln!(
            "{name}: wheelfix {} s, auditwheel {} s",
            seconds(ours),
            seconds(theirs)
        );
        rows.push((name.clone(), *size, ours, theirs));
    }

    // 40 wheels together, the largest among them, against auditwheel on the largest alone.
    let mut by_size: Vec<&(String, PathBuf, u64)> = wheels.iter().collect();
    by_size.sort_by_key(|(_, _, size)| std::cmp::Reverse(*size));
    let batch: Vec<&Path> = by_size
        .iter()
        .take(40)
        .map(|(_, p, _)| p.as_path())
        .collect();
    let largest = by_size.first().context("empty corpus")?;
    let batch_time = time_median(3, &[0, 1], || {
        let mut c = Command::new(&wheelfix);
        c.args(["audit", "--format", "json"]).args(&batch);
        c
    })?;
    let largest_time = rows
        .iter()
        .find(|(name, ..)| *name == largest.0)
        .map(|(.., theirs)| *theirs)
        .context("largest wheel timed")?;
    let batch_bytes: u64 = by_size.iter().take(40).map(|(.., size)| size).sum();

    let mut md = String::new();
    md.push_str("## audit: `wheelfix audit` vs `auditwheel show`\n\n");
    md.push_str(&format!(
        "Median wall time per wheel: wheelfix over {} runs, auditwheel 6.8.1 over {} runs; ratio = auditwheel / wheelfix.\n\n",
        options.wheelfix_runs, options.peer_runs
    ));
    ratio_table(&mut md, "auditwheel", &rows);
    md.push_str(&format!(
        "**Batch:** `wheelfix audit` on the 40 largest wheels together ({:.0} MB): {} s; `auditwheel show` on the largest alone ({}): {} s.\n",
        batch_bytes as f64 / 1e6,
        seconds(batch_time),
        largest.0,
        seconds(largest_time)
    ));
    Ok(md)
}

/// Every corpus wheel, pure ones included, as (file name, path, size).
fn all_wheels() -> Result<Vec<(String, PathBuf, u64)>> {
    let manifest = repo_root().join("tests/corpus/wheels.json");
    let wheels: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&manifest)?)?;
    let mut out = Vec::new();
    for wheel in wheels.as_array().context("wheels.json is a list")? {
        let filename = wheel["filename"].as_str().context("filename")?.to_owned();
        let path = repo_root().join(".cache/corpus").join(&filename);
        let size = std::fs::metadata(&path)
            .with_context(|| format!("{} not fetched", path.display()))?
            .len();
        out.push((filename, path, size));
    }
    Ok(out)
}

/// Median wall time of `runs` executions of a chain of commands run one after the other,
/// whatever their exit codes (the peers exit non-zero on findings).
fn time_chain(runs: usize, make: impl Fn() -> Vec<Command>) -> Result<Duration> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let mut chain = make();
        let start = Instant::now();
        for command in &mut chain {
            command
                .output()
                .with_context(|| format!("running {command:?}"))?;
        }
        times.push(start.elapsed());
    }
    times.sort();
    Ok(times[times.len() / 2])
}

/// `wheelfix check` against the four peers it replaces, chained on each wheel: auditwheel
/// show (platform tags), twine check (metadata, description), check-wheel-contents (hygiene)
/// and, for abi3 wheels, abi3audit.
fn check(options: &Options) -> Result<String> {
    let wheelfix = wheelfix_binary();
    let auditwheel = venv_tool("auditwheel")?;
    let twine = venv_tool("twine")?;
    let cwc = venv_tool("check-wheel-contents")?;
    let abi3audit = venv_tool("abi3audit")?;
    let wheels = all_wheels()?;
    let mut rows = Vec::new();
    for (name, path, size) in &wheels {
        let ours = time_median(options.wheelfix_runs, &[0, 1], || {
            let mut c = Command::new(&wheelfix);
            c.args(["check", "--format", "json"]).arg(path);
            c
        })?;
        let theirs = time_chain(options.peer_runs, || {
            let mut chain = Vec::new();
            let mut show = Command::new(&auditwheel);
            show.args(["show", "--allow-pure-python-wheel"]).arg(path);
            chain.push(show);
            let mut check = Command::new(&twine);
            check.arg("check").arg(path);
            chain.push(check);
            let mut contents = Command::new(&cwc);
            contents.arg(path);
            chain.push(contents);
            if name.contains("-abi3-") {
                let mut audit = Command::new(&abi3audit);
                audit.arg(path);
                chain.push(audit);
            }
            chain
        })?;
        eprintln!(
            "{name}: wheelfix check {} s, peers {} s",
            seconds(ours),
            seconds(theirs)
        );
        rows.push((name.clone(), *size, ours, theirs));
    }
    let peers_total: f64 = rows.iter().map(|(.., theirs)| theirs.as_secs_f64()).sum();
    let paths: Vec<&Path> = wheels.iter().map(|(_, p, _)| p.as_path()).collect();
    let batch = time_median(3, &[0, 1], || {
        let mut c = Command::new(&wheelfix);
        c.args(["check", "--format", "json"]).args(&paths);
        c
    })?;
    let total_bytes: u64 = wheels.iter().map(|(.., size)| size).sum();

    let mut md = String::new();
    md.push_str("## check: `wheelfix check` vs auditwheel show + twine check + check-wheel-contents + abi3audit\n\n");
    md.push_str(&format!(
        "Median wall time per wheel: `wheelfix check --format json` over {} runs; the peers chained (`auditwheel show --allow-pure-python-wheel`, `twine check`, `check-wheel-contents`, and `abi3audit` for abi3 wheels) over {} runs; ratio = peers / wheelfix.\n\n",
        options.wheelfix_runs, options.peer_runs
    ));
    ratio_table(&mut md, "peers", &rows);
    md.push_str(&format!(
        "**Batch:** `wheelfix check` on all {} wheels together ({:.0} MB, checked in parallel): {} s; the peers one wheel after another: {peers_total:.1} s.\n",
        rows.len(),
        total_bytes as f64 / 1e6,
        seconds(batch)
    ));
    Ok(md)
}

/// Wall time and peak RSS (KB) of one command, measured by GNU time.
fn time_and_memory(command: Command) -> Result<(Duration, u64)> {
    let stats = std::env::temp_dir().join(format!("wheelfix-bench-time-{}", std::process::id()));
    let program = command.get_program().to_owned();
    let args: Vec<std::ffi::OsString> = command.get_args().map(ToOwned::to_owned).collect();
    let mut timed = Command::new("/usr/bin/time");
    timed
        .arg("-f")
        .arg("%e %M")
        .arg("-o")
        .arg(&stats)
        .arg(program)
        .args(args);
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => timed.env(key, value),
            None => timed.env_remove(key),
        };
    }
    // GNU time prints wall time in hundredths of a second, too coarse for small wheels.
    let started = std::time::Instant::now();
    let output = timed
        .output()
        .context("running /usr/bin/time (Debian package `time`)")?;
    let elapsed = started.elapsed();
    if !output.status.success() {
        bail!(
            "{timed:?} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let text = std::fs::read_to_string(&stats)?;
    let _ = std::fs::remove_file(&stats);
    let kilobytes: u64 = text
        .split_whitespace()
        .nth(1)
        .context("time output")?
        .parse()?;
    Ok((elapsed, kilobytes))
}

/// The wheels `cargo xtask built-wheels` produced, from its index, by name.
fn built_wheels() -> Result<Vec<PathBuf>> {
    let dir = repo_root().join(".cache/built-wheels");
    let index: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("index.json"))
            .context("no built wheels: run `cargo xtask built-wheels` (or `cargo xtask test`)")?,
    )?;
    let mut wheels = Vec::new();
    for entry in index["wheels"]
        .as_object()
        .context("index.json: wheels")?
        .values()
    {
        let relative = entry["wheel"].as_str().context("index.json: wheel")?;
        wheels.push(dir.join(relative));
    }
    wheels.sort();
    Ok(wheels)
}

/// The largest uncompressed member of a wheel, in bytes.
fn largest_member(path: &Path) -> Result<u64> {
    let bytes = std::fs::read(path)?;
    let archive = wheelfix_wheel::ZipArchive::parse(&bytes)?;
    Ok(archive
        .entries()
        .iter()
        .map(|e| e.uncompressed_size)
        .max()
        .unwrap_or(0))
}

fn repair(options: &Options) -> Result<String> {
    let wheelfix = wheelfix_binary();
    let auditwheel = venv_tool("auditwheel")?;
    let venv_bin = auditwheel.parent().context("venv bin")?.to_path_buf();
    let path_var = format!(
        "{}:{}",
        venv_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let root = repo_root();
    // The wheels built from source by the repair tests, the example wheel, and the large one.
    let mut inputs: Vec<PathBuf> = built_wheels()?;
    inputs.push(root.join(crate::example::EXAMPLE));
    inputs.push(root.join(".cache/corpus/xgboost-2.1.4-py3-none-manylinux_2_28_x86_64.whl"));
    let out = std::env::temp_dir().join(format!("wheelfix-bench-repair-{}", std::process::id()));
    let mut md = String::from("## repair: `wheelfix repair` vs `auditwheel repair`\n\n");
    md.push_str(&format!(
        "Median wall time over {} runs each; peak RSS from GNU time (`%M`).\n\n",
        options.peer_runs
    ));
    md.push_str("| wheel | size (MB) | largest member (MB) | wheelfix (s) | wheelfix RSS (MB) | auditwheel (s) | auditwheel RSS (MB) | ratio |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for input in &inputs {
        let name = input
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let size = std::fs::metadata(input)
            .with_context(|| format!("{} missing", input.display()))?
            .len();
        let largest = largest_member(input)?;
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        for _ in 0..options.peer_runs {
            let _ = std::fs::remove_dir_all(&out);
            let mut command = Command::new(&wheelfix);
            command.args(["repair", "-w"]).arg(&out).arg(input);
            ours.push(time_and_memory(command)?);
            let _ = std::fs::remove_dir_all(&out);
            let mut command = Command::new(&auditwheel);
            command
                .args(["repair", "-w"])
                .arg(&out)
                .arg(input)
                .env("PATH", &path_var);
            theirs.push(time_and_memory(command)?);
        }
        let median = |runs: &mut Vec<(Duration, u64)>| {
            runs.sort();
            runs[runs.len() / 2]
        };
        let (our_time, our_rss) = median(&mut ours);
        let (their_time, their_rss) = median(&mut theirs);
        eprintln!(
            "{name}: wheelfix {} s, auditwheel {} s",
            seconds(our_time),
            seconds(their_time)
        );
        md.push_str(&format!(
            "| {name} | {:.1} | {:.1} | {} | {:.0} | {} | {:.0} | {:.1}x |\n",
            size as f64 / 1e6,
            largest as f64 / 1e6,
            seconds(our_time),
            our_rss as f64 / 1024.0,
            seconds(their_time),
            their_rss as f64 / 1024.0,
            their_time.as_secs_f64() / our_time.as_secs_f64()
        ));
    }
    let _ = std::fs::remove_dir_all(&out);
    md.push('\n');
    Ok(md)
}
