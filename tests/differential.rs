//! The differential test against auditwheel 6.8.1 on the pinned corpus of real PyPI wheels
//! (`tests/corpus/wheels.json`): wheelfix's `overall_tag` and `external_libs` must equal
//! auditwheel's `show --json`. Every difference must fall in a category whose justification
//! this test verifies from the wheel itself; an unexplained difference fails.
//!
//! auditwheel runs live (from the venv `cargo xtask test` prepares); its answers are cached
//! under `.cache/oracle/` by wheel hash, since they only change with the machine.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use wheelfix_elf::ElfFacts;
use wheelfix_wheel::Wheel;

use crate::support::corpus::{CorpusWheel, corpus, fetch};
use crate::support::{json_lines, oracle, repo_root, wheelfix};

const AUDITWHEEL_VERSION: &str = "6.8.1";

/// auditwheel's JSON for one wheel, or the error it died with.
fn auditwheel_show(auditwheel: &Path, wheel: &CorpusWheel, path: &Path) -> Value {
    let cache = repo_root()
        .join(".cache/oracle")
        .join(format!("auditwheel-{AUDITWHEEL_VERSION}"));
    let cached = cache.join(format!("{}.json", wheel.sha256));
    if let Ok(text) = std::fs::read_to_string(&cached)
        && let Ok(value) = serde_json::from_str(&text)
    {
        return value;
    }
    let output = Command::new(auditwheel)
        .args(["show", "--json", "--allow-pure-python-wheel"])
        .arg(path)
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let value = match serde_json::from_str::<Value>(stdout.trim()) {
        Ok(value) => value,
        Err(_) => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last = stderr
                .lines()
                .rfind(|l| !l.trim().is_empty())
                .unwrap_or("")
                .to_owned();
            serde_json::json!({ "crashed": last, "exit_code": output.status.code() })
        }
    };
    // A run killed by a signal (no exit code) says nothing about the wheel: answer it, but do
    // not let it excuse the wheel in every later run.
    if output.status.code().is_some() {
        std::fs::create_dir_all(&cache).unwrap();
        std::fs::write(&cached, value.to_string()).unwrap();
    }
    value
}

/// The `(library, version)` pairs of a `versioned_symbols` object.
fn version_pairs(value: &Value) -> BTreeSet<(String, String)> {
    let mut pairs = BTreeSet::new();
    if let Some(object) = value.as_object() {
        for (library, versions) in object {
            for version in versions.as_array().into_iter().flatten() {
                pairs.insert((library.clone(), version.as_str().unwrap_or("").to_owned()));
            }
        }
    }
    pairs
}

/// SONAME (or file name) → version nodes defined, for every ELF file in the wheel.
fn internal_definitions(path: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let bytes = std::fs::read(path).unwrap();
    let file_name = path.file_name().unwrap().to_string_lossy().into_owned();
    let wheel = Wheel::open(&file_name, &bytes).unwrap();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for member in wheel.elf_members().unwrap() {
        let Ok(facts) = ElfFacts::parse(&wheel.read(member).unwrap()) else {
            continue;
        };
        let base = member
            .path
            .rsplit('/')
            .next()
            .unwrap_or(&member.path)
            .to_owned();
        let defined: BTreeSet<String> = facts
            .version_definitions
            .iter()
            .map(|v| v.to_string())
            .collect();
        if let Some(soname) = &facts.soname {
            out.entry(soname.to_string())
                .or_default()
                .extend(defined.iter().cloned());
        }
        out.entry(base).or_default().extend(defined);
    }
    out
}

fn is_loader(library: &str) -> bool {
    library.contains("ld-linux")
        || library.starts_with("ld64.so")
        || library.starts_with("ld-musl-")
}

/// Why wheelfix and auditwheel may disagree on one wheel; `None` when the difference is
/// unexplained. Every justification is checked against the wheel's content.
fn justify(wheel: &CorpusWheel, path: &Path, aw: &Value, wf: &Value) -> Option<String> {
    if let Some(crash) = aw.get("crashed") {
        return Some(format!(
            "auditwheel crashed ({crash}); wheelfix gave a verdict"
        ));
    }
    let aw_tag = aw["overall_tag"].as_str().unwrap_or("");
    let wf_tag = wf["overall_tag"].as_str().unwrap_or("");
    // The musllinux version: auditwheel takes it from the host's musl (the newest known on a
    // glibc host); wheelfix from the wheel's claim. The two policies have the same content.
    if let (Some(aw_rest), Some(wf_rest)) = (
        aw_tag.strip_prefix("musllinux_1_2_"),
        wf_tag.strip_prefix("musllinux_1_1_"),
    ) && aw_rest == wf_rest
        && wheel.tags_claimed.iter().any(|t| t == wf_tag)
        && aw["external_libs"] == wf["external_libs"]
    {
        return Some(format!(
            "musllinux version from the claimed tag `{wf_tag}`, not from the auditing host"
        ));
    }
    if aw["external_libs"] != wf["external_libs"] {
        return None;
    }
    let aw_pairs = version_pairs(&aw["versioned_symbols"]);
    let wf_pairs = version_pairs(&wf["versioned_symbols"]);
    let only_aw: Vec<&(String, String)> = aw_pairs.difference(&wf_pairs).collect();
    let only_wf: Vec<&(String, String)> = wf_pairs.difference(&aw_pairs).collect();
    let mut reasons = Vec::new();
    if !only_aw.is_empty() {
        let definitions = internal_definitions(path);
        let all_internal = only_aw
            .iter()
            .all(|(lib, version)| definitions.get(lib).is_some_and(|d| d.contains(version)));
        if !all_internal {
            return None;
        }
        let listed: Vec<String> = only_aw.iter().map(|(l, v)| format!("{v} of {l}")).collect();
        reasons.push(format!(
            "needs satisfied by libraries inside the wheel, which define them: {}",
            listed.join(", ")
        ));
    }
    if !only_wf.is_empty() {
        if !only_wf.iter().all(|(lib, _)| is_loader(lib)) {
            return None;
        }
        let listed: Vec<String> = only_wf.iter().map(|(l, v)| format!("{v} of {l}")).collect();
        reasons.push(format!(
            "needs on the dynamic loader, which auditwheel skips: {}",
            listed.join(", ")
        ));
    }
    if reasons.is_empty() {
        return None;
    }
    let _ = (aw_tag, wf_tag);
    Some(reasons.join("; "))
}

#[test]
fn overall_tag_and_external_libs_match_auditwheel() {
    let Some(auditwheel) = oracle("auditwheel") else {
        return;
    };
    let wheels: Vec<(CorpusWheel, PathBuf)> = corpus()
        .into_iter()
        .map(|w| {
            let path = fetch(&w).unwrap_or_else(|e| panic!("fetching {}: {e}", w.filename));
            (w, path)
        })
        .collect();
    assert!(
        wheels.len() >= 25,
        "the corpus must hold at least 25 wheels"
    );

    // auditwheel is slow: run it on two threads.
    let oracle_results: Vec<Value> = std::thread::scope(|scope| {
        let chunks: Vec<&[(CorpusWheel, PathBuf)]> =
            wheels.chunks(wheels.len().div_ceil(2)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(|| {
                    chunk
                        .iter()
                        .map(|(w, p)| auditwheel_show(&auditwheel, w, p))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });

    let mut args = vec!["audit", "--format", "json"];
    let paths: Vec<String> = wheels
        .iter()
        .map(|(_, p)| p.display().to_string())
        .collect();
    args.extend(paths.iter().map(String::as_str));
    let reports = json_lines(&wheelfix(&args));
    assert_eq!(reports.len(), wheels.len());

    let mut equal = 0;
    let mut justified = Vec::new();
    let mut unexplained = Vec::new();
    for (((wheel, path), aw), wf) in wheels.iter().zip(&oracle_results).zip(&reports) {
        if wheel.is_pure() {
            assert_eq!(aw["pure"], true, "{}", wheel.filename);
            assert_eq!(wf["pure"], true, "{}", wheel.filename);
            equal += 1;
            continue;
        }
        assert!(
            wf.get("error").is_none(),
            "{}: wheelfix error {}",
            wheel.filename,
            wf["error"]
        );
        let same = aw.get("crashed").is_none()
            && aw["overall_tag"] == wf["overall_tag"]
            && aw["external_libs"] == wf["external_libs"];
        if same {
            equal += 1;
            continue;
        }
        let line = format!(
            "{}: auditwheel {} {} / wheelfix {} {}",
            wheel.filename,
            aw.get("crashed").unwrap_or(&aw["overall_tag"]),
            aw["external_libs"],
            wf["overall_tag"],
            wf["external_libs"]
        );
        match justify(wheel, path, aw, wf) {
            Some(reason) => justified.push(format!("{line}\n    because {reason}")),
            None => unexplained.push(line),
        }
    }
    eprintln!(
        "{equal} of {} wheels identical to auditwheel {AUDITWHEEL_VERSION}",
        wheels.len()
    );
    for line in &justified {
        eprintln!("justified: {line}");
    }
    assert!(
        unexplained.is_empty(),
        "unexplained differences:\n{}",
        unexplained.join("\n")
    );
    assert!(
        equal >= 25,
        "at least 25 wheels must match exactly, {equal} did"
    );
}
