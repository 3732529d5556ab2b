//! `wheelfix check` on real PyPI wheels and against its peers.
//!
//! - `real_wheels`: every wheel of the pinned corpus (`tests/corpus/wheels.json`) passes, or
//!   has exactly the findings listed in [`REAL_WHEELS`], each a real defect with its reason.
//! - `twine_agrees`, `check_wheel_contents_agrees`, `abi3audit_agrees`: twine 7.0.0,
//!   check-wheel-contents 0.6.3 and abi3audit 0.0.26 (from the test venv) run on the corpus and
//!   on the rule-case wheels of `tests/check.rs`; every problem a peer reports, wheelfix reports
//!   too (same wheel, corresponding code, same line or symbols), or it is in one of the
//!   documented gap lists below, which the tests also verify. Conversely, wheelfix's findings
//!   in the peer's area must be ones the peer reports, or documented.
//!
//! Peers missing: skipped, or failed under `WHEELFIX_REQUIRE_ORACLES=1`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::check::{Spec, cases};
use crate::support::corpus::{corpus, fetch};
use crate::support::{TempDir, json_lines, oracle, wheelfix};

/// Real wheels with findings at error severity, each explained; all others must have none.
/// Warnings are listed too (`H002` duplicate files, `M007` no content type, `P007` over
/// 100 MiB), so a change in either shows up here.
const REAL_WHEELS: &[(&str, &str, &str, &str)] = &[
    // (file name, error codes, warning codes, why)
    (
        "MarkupSafe-1.1.1-cp37-cp37m-manylinux1_x86_64.whl",
        "P002",
        "M007",
        "uploaded before PyPI required normalized filenames (`markupsafe-...`); PyPI rejects this name today",
    ),
    (
        "Pillow-8.3.2-cp37-cp37m-manylinux_2_5_x86_64.manylinux1_x86_64.whl",
        "P002",
        "",
        "non-normalized filename (`pillow-...`), rejected by PyPI today",
    ),
    (
        "PyQt6-6.7.1-1-cp38-abi3-manylinux_2_28_x86_64.whl",
        "P002 T002",
        "H002",
        "non-normalized filename; links libQt6*.so.6 that only the separate PyQt6-Qt6 wheel provides, which manylinux_2_28 does not allow",
    ),
    (
        "PyQt6_Qt6-6.7.1-py3-none-manylinux_2_28_x86_64.whl",
        "P002 T002",
        "H002 M007",
        "non-normalized filename; links system libraries outside the manylinux_2_28 whitelist (libfontconfig, libxkbcommon, libdbus, ...) without vendoring them",
    ),
    (
        "PyYAML-6.0.2-cp312-cp312-musllinux_1_1_aarch64.whl",
        "P002",
        "M007",
        "non-normalized filename (`pyyaml-...`), rejected by PyPI today",
    ),
    (
        "xgboost-2.1.4-py3-none-manylinux_2_28_x86_64.whl",
        "R007",
        "P007",
        "`Root-Is-Purelib: true` with libxgboost.so and a vendored libgomp: on distributions where purelib and platlib differ (lib vs lib64) the binaries land in the pure-Python directory; 224 MB needs a PyPI size limit increase",
    ),
    (
        "jaxlib-0.5.3-cp312-cp312-manylinux2014_x86_64.whl",
        "",
        "P007",
        "105 MB: over PyPI's default 100 MiB limit (the project has an increase)",
    ),
];

/// Wheels whose only warnings are `H002`/`M007` (or none): (file name, warning codes).
const REAL_WARNINGS: &[(&str, &str)] = &[
    ("cffi-1.14.6-cp37-cp37m-manylinux1_x86_64.whl", "M007"),
    (
        "cryptography-44.0.3-cp37-abi3-manylinux_2_28_armv7l.manylinux_2_31_armv7l.whl",
        "H002",
    ),
    (
        "cryptography-44.0.3-cp37-abi3-manylinux_2_34_x86_64.whl",
        "H002",
    ),
    ("grpcio-1.71.0-cp312-cp312-linux_armv7l.whl", "H002"),
    (
        "grpcio-1.71.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "H002",
    ),
    (
        "lxml-4.6.4-cp38-cp38-manylinux_2_12_i686.manylinux2010_i686.manylinux_2_24_i686.whl",
        "H002 M007",
    ),
    (
        "lxml-6.0.0-cp312-cp312-manylinux_2_31_armv7l.whl",
        "H002 M007",
    ),
    (
        "matplotlib-3.10.1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "H002",
    ),
    ("numpy-1.16.6-cp37-cp37m-manylinux1_i686.whl", "H002 M007"),
    (
        "numpy-1.21.6-cp37-cp37m-manylinux_2_12_x86_64.manylinux2010_x86_64.whl",
        "H002 M007",
    ),
    (
        "numpy-2.3.5-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
        "H002",
    ),
    (
        "opencv_python_headless-4.11.0.86-cp37-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "H002",
    ),
    (
        "pillow-11.3.0-cp312-cp312-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl",
        "H002",
    ),
    ("pillow-11.3.0-cp312-cp312-musllinux_1_2_x86_64.whl", "H002"),
    ("polars-1.30.0-cp39-abi3-manylinux_2_24_aarch64.whl", "H002"),
    (
        "psycopg2_binary-2.9.10-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "M007",
    ),
    (
        "psycopg2_binary-2.9.10-cp312-cp312-musllinux_1_2_ppc64le.whl",
        "M007",
    ),
    (
        "pyarrow-19.0.1-cp312-cp312-manylinux_2_28_x86_64.whl",
        "H002",
    ),
    (
        "pynacl-1.6.0-cp314-cp314t-manylinux_2_34_aarch64.whl",
        "M007",
    ),
    (
        "pynacl-1.6.0-cp38-abi3-manylinux_2_26_x86_64.manylinux_2_28_x86_64.whl",
        "M007",
    ),
    ("six-1.17.0-py2.py3-none-any.whl", "M007"),
    (
        "zstandard-0.23.0-cp312-cp312-musllinux_1_2_s390x.whl",
        "M007",
    ),
];

/// Fetch the corpus; `None` (after `skip_or_fail`) when it cannot be downloaded.
fn corpus_paths() -> Option<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for wheel in corpus() {
        match fetch(&wheel) {
            Ok(path) => paths.push(path),
            Err(err) => {
                crate::support::skip_or_fail(&format!("corpus wheel unavailable: {err}"));
                return None;
            }
        }
    }
    Some(paths)
}

/// One finding of a JSON report.
#[derive(Debug, Clone)]
struct Found {
    code: String,
    severity: String,
    message: String,
}

/// Run `wheelfix check --format json` on files; file name → findings.
fn wheelfix_findings(paths: &[PathBuf]) -> BTreeMap<String, Vec<Found>> {
    let mut args: Vec<String> = vec!["check".into(), "--format".into(), "json".into()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = wheelfix(&args);
    let mut out = BTreeMap::new();
    for report in json_lines(&output) {
        let findings = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| Found {
                code: f["code"].as_str().unwrap().to_owned(),
                severity: f["severity"].as_str().unwrap().to_owned(),
                message: f["message"].as_str().unwrap().to_owned(),
            })
            .collect();
        out.insert(report["wheel"].as_str().unwrap().to_owned(), findings);
    }
    out
}

fn codes(findings: &[Found], severity: &str) -> String {
    let set: BTreeSet<&str> = findings
        .iter()
        .filter(|f| f.severity == severity)
        .map(|f| f.code.as_str())
        .collect();
    set.into_iter().collect::<Vec<_>>().join(" ")
}

#[test]
fn real_wheels() {
    let Some(paths) = corpus_paths() else {
        return;
    };
    let results = wheelfix_findings(&paths);
    assert_eq!(results.len(), paths.len(), "every wheel is reported");
    let mut problems = Vec::new();
    for (wheel, findings) in &results {
        let (errors, warnings) = match REAL_WHEELS.iter().find(|(w, ..)| w == wheel) {
            Some((_, errors, warnings, _)) => (*errors, *warnings),
            None => (
                "",
                REAL_WARNINGS
                    .iter()
                    .find(|(w, _)| w == wheel)
                    .map_or("", |(_, w)| *w),
            ),
        };
        if codes(findings, "error") != errors || codes(findings, "warning") != warnings {
            problems.push(format!(
                "{wheel}: errors `{}` warnings `{}`, expected `{errors}` / `{warnings}`: {findings:#?}",
                codes(findings, "error"),
                codes(findings, "warning")
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Write every rule-case wheel of `tests/check.rs` into `dir`; code → (trip, pass) file names.
fn case_wheels(dir: &Path) -> BTreeMap<&'static str, (String, String)> {
    cases()
        .into_iter()
        .filter(|(code, ..)| !matches!(*code, "P006" | "P007"))
        .map(|(code, trip, pass): (&'static str, Spec, Spec)| {
            (code, (trip.write(dir), pass.write(dir)))
        })
        .collect()
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// What twine said about one file.
#[derive(Debug, Default)]
struct Twine {
    /// `InvalidDistribution` (metadata does not parse or validate).
    invalid: Option<String>,
    /// The description does not render: the first reported line and message.
    render_error: Option<String>,
    content_type_missing: bool,
    description_missing: bool,
}

fn run_twine(twine: &Path, path: &Path) -> Twine {
    let output = Command::new(twine)
        .arg("check")
        .arg(path)
        .env("COLUMNS", "10000")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = strip_ansi(&format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ));
    let mut result = Twine::default();
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    for (index, line) in lines.iter().enumerate() {
        if let Some(rest) = line.split_once("InvalidDistribution: ") {
            result.invalid = Some(rest.1.trim().to_owned());
        }
        if line.contains("has syntax errors in markup") {
            result.render_error = lines.get(index + 1).map(|l| (*l).to_owned());
        }
        if line.contains("`long_description_content_type` missing") {
            result.content_type_missing = true;
        }
        if line.contains("`long_description` missing") {
            result.description_missing = true;
        }
    }
    result
}

/// Rules twine does not check, and why; `twine_agrees` verifies twine passes wheels that only
/// trip these.
const NOT_TWINE: &[(&str, &str)] = &[(
    "M005",
    "PyPI's server-side metadata rules (URLs, emails, local versions, direct references); twine only runs packaging's validation",
)];

#[test]
fn twine_agrees() {
    let Some(twine) = oracle("twine") else {
        return;
    };
    let Some(corpus) = corpus_paths() else {
        return;
    };
    let temp = TempDir::new("peers-twine");
    let cases = case_wheels(temp.path());
    let metadata_cases: Vec<PathBuf> = cases
        .iter()
        .filter(|(code, _)| code.starts_with('M') || matches!(**code, "P002" | "P003" | "P004"))
        .flat_map(|(_, (trip, pass))| [temp.path().join(trip), temp.path().join(pass)])
        .collect();
    let mut paths = corpus.clone();
    paths.extend(metadata_cases);
    let ours = wheelfix_findings(&paths);
    let mut problems = Vec::new();
    let mut compared = 0;
    use rayon::prelude::*;
    let twine_results: Vec<Twine> = paths
        .par_iter()
        .map(|path| run_twine(&twine, path))
        .collect();
    for (path, theirs) in paths.iter().zip(twine_results) {
        let wheel = path.file_name().unwrap().to_string_lossy().into_owned();
        let ours = &ours[&wheel];
        let has = |code: &str| ours.iter().any(|f| f.code == code);
        compared += 1;
        // Every problem twine reports, wheelfix reports.
        if let Some(why) = &theirs.invalid
            && !["M001", "M002", "M003", "M004"].iter().any(|c| has(c))
        {
            problems.push(format!(
                "{wheel}: twine says invalid metadata ({why}), wheelfix has no M001-M004"
            ));
        }
        if let Some(first) = &theirs.render_error {
            // twine: `line N: Warning: Message`; wheelfix: `description line N (...): WARNING:
            // Message`. Document-wide problems have no line number on either side.
            let prefix = match first.split_once(':') {
                Some((line, _)) if line.starts_with("line ") && line.len() > 5 => {
                    format!("description {line} ")
                }
                _ => "description: ".to_owned(),
            };
            let matched = ours
                .iter()
                .filter(|f| f.code == "M006")
                .any(|f| f.message.starts_with(&prefix));
            if !matched {
                problems.push(format!("{wheel}: twine fails rendering at `{first}`, wheelfix has no M006 at that line: {ours:?}"));
            }
        }
        if theirs.content_type_missing != has("M007") {
            problems.push(format!(
                "{wheel}: twine content-type warning {} but M007 {}",
                theirs.content_type_missing,
                has("M007")
            ));
        }
        if theirs.description_missing != has("M008") {
            problems.push(format!(
                "{wheel}: twine description warning {} but M008 {}",
                theirs.description_missing,
                has("M008")
            ));
        }
        // Conversely: wheelfix's metadata errors are ones twine reports, or documented.
        if ["M001", "M002", "M003", "M004"].iter().any(|c| has(c)) && theirs.invalid.is_none() {
            problems.push(format!(
                "{wheel}: wheelfix reports invalid metadata, twine does not"
            ));
        }
        if has("M006") && theirs.render_error.is_none() {
            problems.push(format!(
                "{wheel}: wheelfix reports M006, twine renders the description"
            ));
        }
        for (code, why) in NOT_TWINE {
            if has(code) && (theirs.invalid.is_some() || theirs.render_error.is_some()) {
                problems.push(format!(
                    "{wheel}: documented as not checked by twine ({why}) but twine failed too"
                ));
            }
        }
    }
    assert!(compared > 60, "only {compared} wheels compared");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// check-wheel-contents codes: the wheelfix code that mirrors each, or why there is none.
const CWC: &[(&str, Result<&str, &str>)] = &[
    ("W001", Ok("H001")),
    ("W002", Ok("H002")),
    (
        "W003",
        Err(
            "non-module at library top level: fires on every auditwheel-repaired wheel's vendored libraries and on data files; style, not a defect",
        ),
    ),
    (
        "W004",
        Err(
            "module not at an importable path: fires on vendored `.so.N` libraries (`numpy.libs/...`); style",
        ),
    ),
    ("W005", Ok("H003")),
    ("W006", Ok("H005")),
    (
        "W007",
        Err(
            "library empty: wheels that only ship scripts or data are legitimate; an entirely empty wheel is H004",
        ),
    ),
    ("W008", Ok("H004")),
    (
        "W009",
        Err(
            "several top-level entries: fires on every wheel with a `<name>.libs` directory or a compiled helper module (`_cffi_backend`)",
        ),
    ),
    (
        "W010",
        Err(
            "top-level directory without modules: fires on every `<name>.libs` directory auditwheel creates",
        ),
    ),
];

#[test]
fn check_wheel_contents_agrees() {
    let Some(cwc) = oracle("check-wheel-contents") else {
        return;
    };
    let Some(corpus) = corpus_paths() else {
        return;
    };
    let temp = TempDir::new("peers-cwc");
    let cases = case_wheels(temp.path());
    let mut paths = corpus;
    for code in ["H001", "H002", "H003", "H004", "H005"] {
        let (trip, pass) = &cases[code];
        paths.push(temp.path().join(trip));
        paths.push(temp.path().join(pass));
    }
    let output = Command::new(&cwc).args(&paths).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    // `<path>: W00N: message` lines, then indented file lists.
    let mut theirs: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for line in text.lines() {
        let Some((path, rest)) = line.split_once(": W") else {
            continue;
        };
        let wheel = Path::new(path)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let code = format!("W{}", &rest[..3]);
        *theirs.entry(wheel).or_default().entry(code).or_default() += 1;
    }
    let ours = wheelfix_findings(&paths);
    let mut problems = Vec::new();
    let mut seen_codes = BTreeSet::new();
    for path in &paths {
        let wheel = path.file_name().unwrap().to_string_lossy().into_owned();
        let reported = theirs.get(&wheel).cloned().unwrap_or_default();
        let ours = &ours[&wheel];
        let count = |code: &str| ours.iter().filter(|f| f.code == code).count();
        for (code, n) in &reported {
            seen_codes.insert(code.clone());
            match CWC.iter().find(|(c, _)| c == code) {
                Some((_, Ok(mirror))) => {
                    // Duplicate groups are counted one by one; the others once per wheel.
                    let expected = if *code == "W002" { *n } else { 1 };
                    let got = if *mirror == "H002" {
                        count(mirror)
                    } else {
                        count(mirror).min(1)
                    };
                    if got != expected {
                        problems.push(format!(
                            "{wheel}: {code}×{n} but {mirror}×{}",
                            count(mirror)
                        ));
                    }
                }
                Some((_, Err(_))) => {}
                None => problems.push(format!(
                    "{wheel}: {code} is neither mirrored nor documented"
                )),
            }
        }
        for (code, mirror) in CWC.iter().filter_map(|(c, m)| m.ok().map(|m| (*c, m))) {
            if count(mirror) > 0 && !reported.contains_key(code) {
                problems.push(format!(
                    "{wheel}: wheelfix reports {mirror}, check-wheel-contents no {code}"
                ));
            }
        }
    }
    // The documented gaps are real: check-wheel-contents does report them on these wheels.
    for code in ["W004", "W009", "W010"] {
        assert!(
            seen_codes.contains(code),
            "{code} documented but never reported"
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn abi3audit_agrees() {
    let Some(abi3audit) = oracle("abi3audit") else {
        return;
    };
    let Some(corpus) = corpus_paths() else {
        return;
    };
    let temp = TempDir::new("peers-abi3");
    let cases = case_wheels(temp.path());
    let mut paths: Vec<PathBuf> = corpus
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("-abi3-"))
        .collect();
    for code in ["A001", "A002"] {
        let (trip, pass) = &cases[code];
        paths.push(temp.path().join(trip));
        paths.push(temp.path().join(pass));
    }
    let output = Command::new(&abi3audit)
        .arg("--report")
        .args(&paths)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "abi3audit report ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let ours = wheelfix_findings(&paths);
    let mut problems = Vec::new();
    for (path, spec) in report["specs"].as_object().unwrap() {
        let wheel = Path::new(path)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let ours = &ours[&wheel];
        let mut non_abi3 = BTreeSet::new();
        let mut future = BTreeSet::new();
        for object in spec["wheel"].as_array().unwrap() {
            let result = &object["result"];
            non_abi3.extend(
                result["non_abi3_symbols"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_owned()),
            );
            future.extend(
                result["future_abi3_objects"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .cloned(),
            );
        }
        for (code, symbols) in [("A001", &non_abi3), ("A002", &future)] {
            let messages: Vec<&str> = ours
                .iter()
                .filter(|f| f.code == code)
                .map(|f| f.message.as_str())
                .collect();
            for symbol in symbols.iter() {
                if !messages.iter().any(|m| m.contains(&format!("`{symbol}`"))) {
                    problems.push(format!(
                        "{wheel}: abi3audit reports `{symbol}`, wheelfix has no {code} naming it"
                    ));
                }
            }
            if symbols.is_empty() && !messages.is_empty() {
                problems.push(format!(
                    "{wheel}: wheelfix reports {code} ({messages:?}), abi3audit does not"
                ));
            }
        }
    }
    assert!(
        report["specs"].as_object().unwrap().len() >= 11,
        "abi3 wheels audited"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// reStructuredText snippets covering every kind of problem the checker reports, and clean
/// constructs that must not be reported; `readme_renderer_agrees` compares the first problem
/// with what readme_renderer (twine's and PyPI's renderer) reports.
const RST_SNIPPETS: &[&str] = &[
    "Title\n=====\n\nSome *emphasis*, **strong**, ``literal`` and `ref`_.\n\n.. _ref: https://x\n",
    "* a\n* b\n\n  * nested\n\n1. one\n2. two\n\nterm\n   definition\n\n:field: value\n\n.. note::\n\n   A note.\n\n.. code:: python\n\n   x = *1\n",
    "Math 2*3*4, a * b, (*) and \"*\", snake_case and __init__.\n",
    "See `docs <https://x>`_, `anon <https://y>`__ and |badge|.\n\n.. |badge| image:: https://x/b.svg\n   :target: https://x\n",
    "+-----+-----+\n| a   | b   |\n+=====+=====+\n| *c* | d   |\n+-----+-----+\n\n=====  =====\na      b\n=====  =====\nc      d xx\n=====  =====\n",
    "Title\n=====\n\nSub\n---\n\nOther\n=====\n\nSub2\n----\n",
    "Footnote [1]_, auto [#]_ and [CIT]_.\n\n.. [1] one\n.. [#] auto\n.. [CIT] cited\n",
    ".. role:: custom\n\n:custom:`x`, :CODE:`y`, `z`:emphasis:\n",
    "-a  option a\n--long=ARG  long option\n\ntext\n",
    "para::\n\n    literal *not parsed\n\n> quoted\n",
    "Title here\n====\n\ntext\n",
    "Title\n===\n\ntext\n",
    "=====\nTitle here\n=====\n\ntext\n",
    "=====\nTitle\n====\n\ntext\n",
    "A\n=\n\nB\n-\n\nC\n=\n\nD\n~\n",
    "* item\n\n  Title\n  =====\n\n  text\n",
    "para line one\nline two\n    indented\n",
    "term\n    definition\nback\n",
    "para\n\n    quote\nunindent\n",
    ".. note::\n\n   body\nunindent\n",
    "* a\n* b\nc\n",
    "1. one\n2. two\nthree\n",
    "1. one\n   cont\n2. two\n   cont2\nthree\n",
    ":field: value\n:other: x\ntext\n",
    "| line one\n| line two\ntext\n",
    "-a  option a\n-b  option b\ntext\n",
    "text::\n\nnot indented\n",
    "para::\n",
    "line one\nline two has *bad\n",
    "**strong\n",
    "``literal\n",
    "`interpreted\n",
    "|sub\n",
    ":class:`Foo` and :py:func:`x`\n",
    "Use |sub| here.\n",
    "Ref to `missing`_ and word_ and file.py_ here.\n",
    "`anon`__ and `b`__\n\n__ http://x\n",
    ".. toctree::\n\n   a\n",
    ".. raw:: html\n\n   <b>x</b>\n",
    ".. include:: other.rst\n",
    ".. image::\n",
    ".. image:: x.png\n   :bogus: 1\n",
    ".. note::\n",
    ".. _a: http://x\n.. _a: http://y\n\nsee a_\n",
    ".. _a: http://x\n.. _a: http://x\n\nsee a_\n",
    ".. |bad| replace::\n\nx |bad|\n",
    ".. |a| image:: x.png\n.. |a| image:: y.png\n\n|a|\n",
    "text\n\n.. |x image:: y.png\n   :target: z\n\nmore\n",
    "text\n\n.. _x y\n   z\n\nmore\n",
    ".. comment only\n",
    "+-----+-----+\n| a   | b   |\n+-----+----+\n| c   | d   |\n+-----+-----+\n",
    "+-----+-----+\n| a   | b   |\n+-----+-----+\ntext\n",
    "=====  =====\na      b\n=====  =====\ntext\n",
    "\n----\n\ntext\n",
    "text\n\n----\n",
    "Title\n=====\n\n----\n\ntext\n",
    "text\n\n----\n\n----\n\nmore\n",
    "----------\n----------\nTitle\n\ntext\n",
    "see a_\n\n.. _a: b_\n",
    "see `Some Text <missing_>`_\n",
    ".. list-table::\n\n   * - a\n     - b\n   * - c\n\ntext\n",
    ".. list-table::\n\n   para\n",
    "Term\n - a\n - b\n- c\n - d\n",
    "x _`t` and _`t`\n",
    "see `x <http://a>`_ and `x <http://b>`_\n",
    "1. Clone the repository:\n\n   .. code::\n\n    $ git clone x\n\n2. Then\n",
    "- macOS Keychain\n    - Any Python script\n      can access\n",
    ".. table::\n\n  +-----+\n  | a   |\n  +-----+\n",
    "Installation\n\nThe simplest::\n\n* from PyPi::\n\n      pip install x\n\n* next\n",
    "`a`:role: and :a:`b`:c:\n",
    ":raw:`x`\n",
];

#[test]
fn readme_renderer_agrees() {
    let python = crate::support::venv().join("bin/python");
    if !python.is_file() {
        crate::support::skip_or_fail("the test venv's python (readme_renderer) is missing");
        return;
    }
    let temp = TempDir::new("peers-rst");
    for (index, snippet) in RST_SNIPPETS.iter().enumerate() {
        std::fs::write(temp.path().join(format!("{index:03}.rst")), snippet).unwrap();
    }
    // readme_renderer halts at the first WARNING; print that message per file as JSON.
    let script = r#"
import io, json, os, re, sys
import readme_renderer.rst as rr
out = {}
for name in sorted(os.listdir(sys.argv[1])):
    stream = io.StringIO()
    rendered = rr.render(open(os.path.join(sys.argv[1], name)).read(), stream=stream)
    first = None
    if rendered is None:
        text = stream.getvalue().strip()
        first = re.split(r"\n(?=<string>:)", text)[0].split("\n")[0]
        m = re.match(r"<string>:(\d*): \((\w+)/\d\) (.*)", first)
        if m:
            first = (f"line {m.group(1)}: " if m.group(1) else "") + f"{m.group(2)}: {m.group(3)}"
    out[name] = first
print(json.dumps(out))
"#;
    let output = Command::new(&python)
        .args(["-c", script])
        .arg(temp.path())
        .output()
        .unwrap();
    let theirs: BTreeMap<String, Option<String>> = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| {
            panic!(
                "readme_renderer ({e}): {}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    let mut problems = Vec::new();
    let mut failing = 0;
    for (index, snippet) in RST_SNIPPETS.iter().enumerate() {
        let name = format!("{index:03}.rst");
        let theirs = theirs[&name].clone();
        let ours = wheelfix_check::rst::check(snippet)
            .first()
            .map(ToString::to_string);
        // docutils' message may go on (`Error in "image" directive:` + details on the next
        // line, which readme_renderer prints there); compare what both have.
        let agree = match (&theirs, &ours) {
            (None, None) => true,
            (Some(t), Some(o)) => {
                o == t
                    || o.starts_with(t.trim_end_matches(':'))
                    || t.starts_with(o.trim_end_matches('.'))
                    || o.ends_with(t.as_str())
            }
            _ => false,
        };
        failing += usize::from(theirs.is_some());
        if !agree {
            problems.push(format!(
                "{name} {snippet:?}\n  readme_renderer: {theirs:?}\n  wheelfix:        {ours:?}"
            ));
        }
    }
    assert!(
        failing > 40,
        "the snippets exercise the failures ({failing})"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
