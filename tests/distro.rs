//! `wheelfix repair --distro debian` and `wheelfix deps --distro debian` on wheels assembled
//! from the `testdata/elf/distro-*` fixtures: the exact METADATA lines, the sidecar, RECORD,
//! `--substvars`/`--print-depends`, `--build-tag`, idempotency, merging, `--root`, and each bad
//! input as one error line with nothing written.
//!
//! The dependency strings are the ones observed on Debian 12 (distro-metadata.md §1.5); on
//! another system the tests check consistency (METADATA = sidecar = `--print-depends`) instead.
//! Fake roots are assembled from this machine's dpkg database. The end-to-end test with a
//! real psycopg2 wheel, pip and a .deb is `distro_e2e.rs`.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use wheelfix_elf::ElfFacts;
use wheelfix_wheel::Wheel;

use crate::support::{TempDir, TestWheel, json_lines, skip_or_fail, wheelfix};

const MYEXT: &str = "myext.cpython-311-x86_64-linux-gnu.so";
const MYEXT_MEMBER: &str = "myext/myext.cpython-311-x86_64-linux-gnu.so";
const MYEXT_DEPENDS: &str =
    "libc6 (>= 2.2.5), libffi8 (>= 3.4), libpq5 (>= 9.1~), libssl3 (>= 3.0.0), zlib1g (>= 1:1.1.4)";
const PQFINISH: &str = "pqfinish.cpython-311-x86_64-linux-gnu.so";
const CXXEXT: &str = "cxxext.cpython-311-x86_64-linux-gnu.so";
const CXX_DEPENDS: &str = "libc6 (>= 2.2.5), libgcc-s1 (>= 3.0), libstdc++6 (>= 11)";
const BZEXT: &str = "bzext.cpython-311-x86_64-linux-gnu.so";
const BZEXT_MEMBER: &str = "bzext/bzext.cpython-311-x86_64-linux-gnu.so";
const BZ_DEPENDS: &str = "libbz2-1.0, libc6 (>= 2.2.5)";

/// METADATA with an author-written `Requires-External` and a body.
const AUTHOR_METADATA: &str = "\
Metadata-Version: 2.1
Name: myext
Version: 1.0
Requires-Dist: cffi
Requires-External: C
Summary: a test extension

Body text.
";

// ---------------------------------------------------------------------------------------
// Helpers

fn is_debian_12() -> bool {
    let text = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    text.lines().any(|l| l == "ID=debian") && text.lines().any(|l| l == "VERSION_ID=\"12\"")
}

/// The fixtures link these libraries; without them (and a dpkg database) nothing here can run.
fn host_has(sonames: &[&str]) -> bool {
    let missing: Vec<&&str> = sonames
        .iter()
        .filter(|s| !Path::new("/usr/lib/x86_64-linux-gnu").join(s).exists())
        .collect();
    if !missing.is_empty() || !Path::new("/var/lib/dpkg/status").exists() {
        skip_or_fail(&format!(
            "a dpkg system with {missing:?} installed is needed (apt-get install libpq5 libssl3 libffi8 zlib1g libbz2-1.0)"
        ));
        return false;
    }
    true
}

/// The observed Debian 12 string, or `None` elsewhere (then only consistency is checked).
fn on_debian_12(depends: &str) -> Option<&str> {
    is_debian_12().then_some(depends)
}

fn myext_wheel() -> TestWheel {
    TestWheel::new("myext", "1.0", "cp311-cp311-linux_x86_64")
        .metadata(AUTHOR_METADATA)
        .elf(MYEXT_MEMBER, "distro-pq-ssl-ffi-zlib", MYEXT)
        .file("myext/__init__.py", "from .myext import *\n")
}

fn pqfinish_wheel() -> TestWheel {
    TestWheel::new("pqfinish", "1.0", "cp311-cp311-linux_x86_64").elf(
        &format!("pqfinish/{PQFINISH}"),
        "distro-pqfinish",
        PQFINISH,
    )
}

fn cxx_wheel() -> TestWheel {
    TestWheel::new("cxxext", "1.0", "cp311-cp311-linux_x86_64").elf(
        &format!("cxxext/{CXXEXT}"),
        "distro-cxx",
        CXXEXT,
    )
}

fn bz_wheel() -> TestWheel {
    TestWheel::new("bzext", "1.0", "cp311-cp311-linux_x86_64").elf(
        BZEXT_MEMBER,
        "distro-bz2-unowned",
        BZEXT,
    )
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `wheelfix repair --distro debian <wheel> -w <out> <extra>`.
fn repair(wheel: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "repair",
        "--distro",
        "debian",
        path_str(wheel),
        "-w",
        path_str(out),
    ];
    args.extend_from_slice(extra);
    wheelfix(&args)
}

/// Repair and expect success; returns the written wheel.
#[track_caller]
fn repaired(wheel: &Path, out: &Path, extra: &[&str]) -> PathBuf {
    let output = repair(wheel, out, extra);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        stdout(&output),
        stderr(&output)
    );
    let written = PathBuf::from(stdout(&output).trim());
    assert!(written.is_file(), "{}", written.display());
    written
}

/// The files in a directory (none when it does not exist).
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// A member's bytes.
fn member(wheel: &Path, path: &str) -> Vec<u8> {
    let bytes = std::fs::read(wheel).unwrap();
    let name = wheel.file_name().unwrap().to_str().unwrap();
    let opened = Wheel::open(name, &bytes).unwrap();
    let member = opened
        .member(path)
        .unwrap_or_else(|| panic!("{path} not in {name}"));
    opened.read(member).unwrap()
}

fn member_names(wheel: &Path) -> Vec<String> {
    let bytes = std::fs::read(wheel).unwrap();
    let name = wheel.file_name().unwrap().to_str().unwrap();
    let opened = Wheel::open(name, &bytes).unwrap();
    opened.members().iter().map(|m| m.path.clone()).collect()
}

fn text_member(wheel: &Path, path: &str) -> String {
    String::from_utf8(member(wheel, path)).unwrap()
}

fn sidecar(wheel: &Path, dist_info: &str) -> Value {
    serde_json::from_str(&text_member(
        wheel,
        &format!("{dist_info}/wheelfix-system-deps.json"),
    ))
    .unwrap()
}

/// The `Requires-External` values of a METADATA text.
fn requires_external(metadata: &str) -> Vec<String> {
    metadata
        .lines()
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.strip_prefix("Requires-External: "))
        .map(str::to_owned)
        .collect()
}

/// Every member but RECORD has a RECORD row with a matching sha256 and size; RECORD's own row
/// has neither; and `wheelfix audit` reads the wheel.
#[track_caller]
fn check_record_and_audit(wheel: &Path) {
    let bytes = std::fs::read(wheel).unwrap();
    let name = wheel.file_name().unwrap().to_str().unwrap();
    let opened = Wheel::open(name, &bytes).unwrap();
    let record_path = format!("{}/RECORD", opened.dist_info());
    let files: Vec<_> = opened.members().iter().filter(|m| !m.is_dir).collect();
    assert_eq!(opened.record.len(), files.len(), "one RECORD row per file");
    for member in files {
        let row = opened
            .record
            .iter()
            .find(|r| r.path == member.path)
            .unwrap_or_else(|| panic!("{} not in RECORD", member.path));
        if member.path == record_path {
            assert_eq!((&row.hash, row.size), (&None, None));
        } else {
            assert!(row.hash.is_some(), "{} has no hash", member.path);
            opened.read_verified(member).unwrap();
        }
    }
    let audit = wheelfix(&["audit", "--format", "json", path_str(wheel)]);
    assert!(
        matches!(audit.status.code(), Some(0 | 1)),
        "audit could not read the output: {}",
        stderr(&audit)
    );
    let reports = json_lines(&audit);
    assert_eq!(reports.len(), 1);
}

/// Copy `src` (a file or a symlink, as is) into `root`, creating directories; the parent is
/// canonicalized so that paths through merged-/usr links land where the links point.
fn copy_into_root(root: &Path, src: &str) {
    let Ok(metadata) = std::fs::symlink_metadata(src) else {
        return;
    };
    let parent = Path::new(src).parent().unwrap().canonicalize().unwrap();
    let real = parent.join(Path::new(src).file_name().unwrap());
    let dest = root.join(real.strip_prefix("/").unwrap());
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(&dest);
    if metadata.file_type().is_symlink() {
        std::os::unix::fs::symlink(std::fs::read_link(src).unwrap(), dest).unwrap();
    } else {
        std::fs::copy(src, dest).unwrap();
    }
}

/// A root holding what the sidecars (from runs against `/`) used: os-release, ld.so.conf, the
/// status file, the owning packages' info files, the libraries, the merged-/usr links.
fn fake_root(root: &Path, sidecars: &[&Value]) {
    std::fs::create_dir_all(root).unwrap();
    for link in ["lib", "lib64", "bin", "sbin"] {
        if let Ok(target) = std::fs::read_link(Path::new("/").join(link)) {
            std::os::unix::fs::symlink(target, root.join(link)).unwrap();
        }
    }
    let mut files: Vec<String> = [
        "/etc/os-release",
        "/usr/lib/os-release",
        "/etc/ld.so.conf",
        "/var/lib/dpkg/status",
        "/var/lib/dpkg/arch",
        "/etc/dpkg/shlibs.default",
        "/etc/dpkg/shlibs.override",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    for entry in std::fs::read_dir("/etc/ld.so.conf.d").unwrap().flatten() {
        files.push(entry.path().to_string_lossy().into_owned());
    }
    for sidecar in sidecars {
        let arch = sidecar["target"]["arch"].as_str().unwrap();
        for library in sidecar["libraries"].as_array().unwrap() {
            for key in ["path", "realpath", "info_file"] {
                if let Some(path) = library[key].as_str() {
                    files.push(path.to_owned());
                }
            }
            if let Some(package) = library["package"].as_str() {
                for suffix in ["list", "symbols", "shlibs"] {
                    files.push(format!("/var/lib/dpkg/info/{package}.{suffix}"));
                    files.push(format!("/var/lib/dpkg/info/{package}:{arch}.{suffix}"));
                }
            }
        }
    }
    for file in files {
        copy_into_root(root, &file);
    }
}

// ---------------------------------------------------------------------------------------
// repair --distro debian

#[test]
fn repair_writes_requires_external_sidecar_and_record() {
    if !host_has(&["libpq.so.5", "libssl.so.3", "libffi.so.8", "libz.so.1"]) {
        return;
    }
    let temp = TempDir::new("distro-repair");
    let input = myext_wheel().build(temp.path());
    let out = temp.path().join("out");
    let output = repair(&input, &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let written = out.join("myext-1.0-cp311-cp311-linux_x86_64.whl");
    assert_eq!(stdout(&output), format!("{}\n", written.display()));
    assert!(
        stderr(&output).contains("keeps the platform tag linux_x86_64")
            && stderr(&output).contains("not for PyPI"),
        "{}",
        stderr(&output)
    );

    let sidecar = sidecar(&written, "myext-1.0.dist-info");
    let depends = sidecar["depends"].as_str().unwrap().to_owned();
    if let Some(expected) = on_debian_12(MYEXT_DEPENDS) {
        assert_eq!(depends, expected);
    }
    // The author's line stays first; ours follow the last Requires-* header, before the body.
    let lines: String = depends
        .split(", ")
        .map(|r| format!("Requires-External: {r}\n"))
        .collect();
    let metadata = text_member(&written, "myext-1.0.dist-info/METADATA");
    assert_eq!(
        metadata,
        AUTHOR_METADATA.replace(
            "Requires-External: C\n",
            &format!("Requires-External: C\n{lines}")
        )
    );

    assert_eq!(sidecar["format"], "wheelfix-system-deps");
    assert_eq!(sidecar["format_version"], 1);
    assert_eq!(
        sidecar["generator"],
        format!("wheelfix {}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(sidecar["target"]["arch"], "amd64");
    assert_eq!(sidecar["target"]["package_format"], "deb");
    let relations: Vec<&str> = sidecar["requires"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["relation"].as_str().unwrap())
        .collect();
    assert_eq!(relations.join(", "), depends);
    let libraries: Vec<(&str, &str, &str)> = sidecar["libraries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            assert_eq!(l["needed_by"], serde_json::json!([MYEXT_MEMBER]));
            (
                l["soname"].as_str().unwrap(),
                l["status"].as_str().unwrap(),
                l["package"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        libraries,
        [
            ("libc.so.6", "system", "libc6"),
            ("libcrypto.so.3", "system", "libssl3"),
            ("libffi.so.8", "system", "libffi8"),
            ("libpq.so.5", "system", "libpq5"),
            ("libssl.so.3", "system", "libssl3"),
            ("libz.so.1", "system", "zlib1g"),
        ]
    );
    // Nothing about the build directory leaks into the wheel.
    let text = text_member(&written, "myext-1.0.dist-info/wheelfix-system-deps.json");
    assert!(!text.contains(path_str(temp.path())), "{text}");

    // The extension is copied, not rewritten; every file is in RECORD with its hash.
    assert_eq!(
        member(&written, MYEXT_MEMBER),
        crate::support::fixture("distro-pq-ssl-ffi-zlib", MYEXT)
    );
    check_record_and_audit(&written);
}

#[test]
fn repairing_again_is_byte_identical_and_replaces_earlier_lines() {
    if !host_has(&["libpq.so.5", "libssl.so.3", "libffi.so.8", "libz.so.1"]) {
        return;
    }
    let temp = TempDir::new("distro-idempotent");
    let input = myext_wheel().build(temp.path());
    let first = repaired(&input, &temp.path().join("one"), &[]);
    let second = repaired(&first, &temp.path().join("two"), &[]);
    assert_eq!(
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap()
    );

    // A wheel an older run left with other versions: its lines go (the sidecar says they were
    // wheelfix's), the author's stay, and the result is the same as repairing from scratch.
    let metadata = text_member(&first, "myext-1.0.dist-info/METADATA");
    let mut old_sidecar = sidecar(&first, "myext-1.0.dist-info");
    let old_relations = ["libc6 (>= 2.0)", "libpq5 (>= 8.0)"];
    let mut requires = old_sidecar["requires"].as_array().unwrap()[..2].to_vec();
    for (requirement, relation) in requires.iter_mut().zip(old_relations) {
        requirement["relation"] = relation.into();
    }
    old_sidecar["requires"] = Value::Array(requires);
    let old_metadata = AUTHOR_METADATA.replace(
        "Summary:",
        "Requires-External: libc6 (>= 2.0)\nRequires-External: libpq5 (>= 8.0)\nSummary:",
    );
    let stale = myext_wheel()
        .metadata(&old_metadata)
        .file(
            "myext-1.0.dist-info/wheelfix-system-deps.json",
            serde_json::to_string_pretty(&old_sidecar).unwrap(),
        )
        .build(&temp.path().join("stale").tap_mkdir());
    let refreshed = repaired(&stale, &temp.path().join("three"), &[]);
    assert_eq!(
        text_member(&refreshed, "myext-1.0.dist-info/METADATA"),
        metadata
    );
    assert_eq!(
        std::fs::read(&refreshed).unwrap(),
        std::fs::read(&first).unwrap()
    );

    // An author line equal to one we would write is kept once, in place.
    let authored = myext_wheel()
        .metadata(&AUTHOR_METADATA.replace(
            "Requires-External: C\n",
            "Requires-External: C\nRequires-External: libffi8 (>= 3.4)\n",
        ))
        .build(&temp.path().join("authored").tap_mkdir());
    let out = repaired(&authored, &temp.path().join("four"), &[]);
    let lines = requires_external(&text_member(&out, "myext-1.0.dist-info/METADATA"));
    assert_eq!(
        lines.iter().filter(|l| *l == "libffi8 (>= 3.4)").count(),
        1,
        "{lines:?}"
    );
}

/// `mkdir -p` in a builder chain.
trait TapMkdir {
    fn tap_mkdir(self) -> PathBuf;
}

impl TapMkdir for PathBuf {
    fn tap_mkdir(self) -> PathBuf {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}

#[test]
fn substvars_and_print_depends() {
    if !host_has(&["libpq.so.5", "libssl.so.3", "libffi.so.8", "libz.so.1"]) {
        return;
    }
    let temp = TempDir::new("distro-substvars");
    let input = myext_wheel().build(temp.path());
    let out = temp.path().join("out");
    let depends = sidecar(&repaired(&input, &out, &[]), "myext-1.0.dist-info")["depends"]
        .as_str()
        .unwrap()
        .to_owned();

    // (existing file, prefix, expected file); `{}` is the Depends value.
    let cases: [(Option<&str>, &str, &str); 4] = [
        (None, "wheelfix", "wheelfix:Depends={}\n"),
        (
            Some("misc:Depends=\nshlibs:Depends=libfoo1\nwheelfix:Depends=stale\n# comment\n"),
            "wheelfix",
            "misc:Depends=\nshlibs:Depends=libfoo1\n# comment\nwheelfix:Depends={}\n",
        ),
        (
            Some("misc:Pre-Depends=x\nwheelfix:Recommends?=y\n"),
            "wheelfix",
            "misc:Pre-Depends=x\nwheelfix:Depends={}\n",
        ),
        (
            Some("wheelfix:Depends=kept\n"),
            "venv",
            "wheelfix:Depends=kept\nvenv:Depends={}\n",
        ),
    ];
    for (index, (existing, prefix, expected)) in cases.iter().enumerate() {
        let file = temp.path().join(format!("case{index}.substvars"));
        if let Some(text) = existing {
            std::fs::write(&file, text).unwrap();
        }
        let output = repair(
            &input,
            &out,
            &["--substvars", path_str(&file), "--substvars-prefix", prefix],
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            expected.replace("{}", &depends),
            "case {index}"
        );
    }

    // --print-depends: stdout is the Depends line alone; the written wheel goes to stderr.
    let output = repair(&input, &out, &["--print-depends"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), format!("{depends}\n"));
    assert!(stderr(&output).contains("wrote "), "{}", stderr(&output));

    let bad = repair(&input, &out, &["--substvars-prefix", "wheel fix"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn options_reach_the_analysis() {
    if !host_has(&["libpq.so.5", "libssl.so.3", "libffi.so.8", "libz.so.1"]) || !is_debian_12() {
        return;
    }
    let temp = TempDir::new("distro-options");
    let input = myext_wheel().build(temp.path());
    let out = temp.path().join("out");
    let cases: [(&[&str], &str); 4] = [
        (&[], MYEXT_DEPENDS),
        (
            &["--omit-package", "libc6", "--omit-package", "zlib1g"],
            "libffi8 (>= 3.4), libpq5 (>= 9.1~), libssl3 (>= 3.0.0)",
        ),
        (
            &[
                "--build-depends",
                "debhelper-compat (= 13), libpq-dev (>= 15)",
            ],
            "libc6 (>= 2.2.5), libffi8 (>= 3.4), libpq5 (>= 15), libssl3 (>= 3.0.0), zlib1g (>= 1:1.1.4)",
        ),
        (&["--arch", "amd64"], MYEXT_DEPENDS),
    ];
    for (args, expected) in cases {
        let mut all = vec!["--print-depends"];
        all.extend_from_slice(args);
        let output = repair(&input, &out, &all);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(stdout(&output), format!("{expected}\n"), "{args:?}");
        let written = out.join("myext-1.0-cp311-cp311-linux_x86_64.whl");
        let metadata = text_member(&written, "myext-1.0.dist-info/METADATA");
        let mut wanted = vec!["C".to_owned()];
        wanted.extend(expected.split(", ").map(str::to_owned));
        assert_eq!(requires_external(&metadata), wanted, "{args:?}");
    }
}

#[test]
fn build_tag_goes_into_the_file_name_and_wheel() {
    if !host_has(&["libpq.so.5"]) {
        return;
    }
    let temp = TempDir::new("distro-build-tag");
    let input = pqfinish_wheel().build(temp.path());
    let out = temp.path().join("out");
    let written = repaired(&input, &out, &["--build-tag", "1deb12"]);
    assert_eq!(
        written.file_name().unwrap(),
        "pqfinish-1.0-1deb12-cp311-cp311-linux_x86_64.whl"
    );
    let wheel_text = text_member(&written, "pqfinish-1.0.dist-info/WHEEL");
    assert!(wheel_text.contains("\nBuild: 1deb12\n"), "{wheel_text}");
    assert!(
        wheel_text.contains("Tag: cp311-cp311-linux_x86_64\n"),
        "{wheel_text}"
    );
    check_record_and_audit(&written);
    // The tag survives a second run without --build-tag, and is replaced by another one.
    let again = repaired(&written, &temp.path().join("again"), &[]);
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&written).unwrap()
    );
    let other = repaired(&written, &temp.path().join("other"), &["--build-tag", "2"]);
    assert_eq!(
        other.file_name().unwrap(),
        "pqfinish-1.0-2-cp311-cp311-linux_x86_64.whl"
    );
    assert!(text_member(&other, "pqfinish-1.0.dist-info/WHEEL").contains("\nBuild: 2\n"));

    for bad in ["deb12", "1-deb12", "1/x"] {
        let empty = temp.path().join("bad");
        let output = repair(&input, &empty, &["--build-tag", bad]);
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert!(
            stderr(&output).contains("--build-tag"),
            "{}",
            stderr(&output)
        );
        assert!(files_in(&empty).is_empty());
    }
}

#[test]
fn manylinux_and_pure_inputs() {
    if !host_has(&["libpq.so.5"]) {
        return;
    }
    let temp = TempDir::new("distro-tags");
    let input = TestWheel::new("pqfinish", "1.0", "cp311-cp311-manylinux_2_17_x86_64")
        .elf(&format!("pqfinish/{PQFINISH}"), "distro-pqfinish", PQFINISH)
        .build(temp.path());
    let output = repair(&input, &temp.path().join("out"), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).ends_with("/pqfinish-1.0-cp311-cp311-linux_x86_64.whl\n"),
        "{}",
        stdout(&output)
    );
    assert!(
        stderr(&output)
            .contains("tag manylinux_2_17_x86_64 replaced by linux_x86_64: a wheel with distro dependencies is not portable"),
        "{}",
        stderr(&output)
    );
    let written = PathBuf::from(stdout(&output).trim());
    let metadata = text_member(&written, "pqfinish-1.0.dist-info/METADATA");
    assert_eq!(requires_external(&metadata), ["libpq5"]);

    let pure = TestWheel::new("purepkg", "1.0", "py3-none-any")
        .purelib_root()
        .file("purepkg/__init__.py", "x = 1\n")
        .build(temp.path());
    let out = temp.path().join("pure");
    let written = repaired(&pure, &out, &[]);
    assert_eq!(
        std::fs::read(&written).unwrap(),
        std::fs::read(&pure).unwrap()
    );
}

// ---------------------------------------------------------------------------------------
// Unowned, missing and uninformative libraries

#[test]
fn unowned_library_error_vendor_ignore_and_exclude() {
    if !host_has(&["libbz2.so.1.0"]) {
        return;
    }
    let temp = TempDir::new("distro-unowned");
    let input = bz_wheel().build(temp.path());

    // On this machine libfoo.so.1 is nowhere: a verdict, with the --exclude hint.
    let out = temp.path().join("missing");
    let output = repair(&input, &out, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        format!(
            "wheelfix: {}: cannot repair: cannot find library `libfoo.so.1` needed by `{BZEXT_MEMBER}` (ELF64 LSB machine 62); if another wheel provides it, pass --exclude libfoo.so.1\n",
            input.display()
        )
    );
    assert!(files_in(&out).is_empty());
    // --exclude: provided by another wheel; recorded as ignored. It takes exact sonames.
    let output = repair(
        &input,
        &out,
        &["--exclude", "libfoo.so.1", "--exclude", "libbar*"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("--exclude `libbar*` matched no library"),
        "{}",
        stderr(&output)
    );
    let excluded = PathBuf::from(stdout(&output).trim());
    let excluded_sidecar = sidecar(&excluded, "bzext-1.0.dist-info");
    assert_eq!(
        excluded_sidecar["ignored"],
        serde_json::json!([{"soname": "libfoo.so.1", "needed_by": BZEXT_MEMBER, "reason": "excluded"}])
    );
    let depends = excluded_sidecar["depends"].as_str().unwrap().to_owned();
    if let Some(expected) = on_debian_12(BZ_DEPENDS) {
        assert_eq!(depends, expected);
    }

    // A root where libfoo.so.1 is in /usr/local/lib, owned by no package.
    let root = temp.path().join("root");
    fake_root(&root, &[&excluded_sidecar]);
    std::fs::create_dir_all(root.join("usr/local/lib")).unwrap();
    std::fs::write(
        root.join("usr/local/lib/libfoo.so.1"),
        crate::support::fixture("distro-bz2-unowned", "libfoo.so.1"),
    )
    .unwrap();
    let in_root = ["--root", path_str(&root)];

    let out = temp.path().join("error");
    let output = repair(&input, &out, &in_root);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        format!(
            "wheelfix: {}: cannot repair: no package owns `/usr/local/lib/libfoo.so.1` (library `libfoo.so.1` needed by `{BZEXT_MEMBER}`); use --unowned vendor to graft it into the wheel, or --unowned ignore\n",
            input.display()
        )
    );
    assert!(files_in(&out).is_empty());

    let ignored = repaired(
        &input,
        &temp.path().join("ignore"),
        &[in_root[0], in_root[1], "--unowned", "ignore"],
    );
    let ignored_sidecar = sidecar(&ignored, "bzext-1.0.dist-info");
    assert_eq!(ignored_sidecar["depends"], depends.as_str());
    assert_eq!(
        ignored_sidecar["unresolved"],
        serde_json::json!([{"soname": "libfoo.so.1", "needed_by": BZEXT_MEMBER, "reason": "unowned",
                            "path": "/usr/local/lib/libfoo.so.1", "package": null}])
    );
    assert_eq!(member(&ignored, BZEXT_MEMBER), member(&input, BZEXT_MEMBER));

    // vendor: grafted as manylinux repair does, under a hashed name, DT_NEEDED and RPATH set.
    let vendored = repaired(
        &input,
        &temp.path().join("vendor"),
        &[in_root[0], in_root[1], "--unowned", "vendor"],
    );
    let names = member_names(&vendored);
    let graft = names
        .iter()
        .find(|n| n.starts_with("bzext.libs/libfoo-") && n.ends_with(".so.1"))
        .unwrap_or_else(|| panic!("no graft in {names:?}"))
        .clone();
    let graft_name = graft.trim_start_matches("bzext.libs/");
    let ext = ElfFacts::parse(&member(&vendored, BZEXT_MEMBER)).unwrap();
    let needed: Vec<String> = ext.needed.iter().map(|n| n.to_string()).collect();
    assert_eq!(needed, ["libbz2.so.1.0", graft_name, "libc.so.6"]);
    assert_eq!(
        ext.rpath.map(|r| r.to_string()).as_deref(),
        Some("$ORIGIN/../bzext.libs")
    );
    let grafted = ElfFacts::parse(&member(&vendored, &graft)).unwrap();
    assert_eq!(
        grafted.soname.map(|s| s.to_string()).as_deref(),
        Some(graft_name)
    );
    let vendored_sidecar = sidecar(&vendored, "bzext-1.0.dist-info");
    assert_eq!(vendored_sidecar["depends"], depends.as_str());
    let libfoo = vendored_sidecar["libraries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["soname"] == "libfoo.so.1")
        .unwrap();
    assert_eq!(libfoo["status"], "unowned-vendored");
    assert_eq!(libfoo["path"], "/usr/local/lib/libfoo.so.1");
    check_record_and_audit(&vendored);
    // The grafted library is now found inside the wheel: the default policy accepts it.
    let again = repaired(&vendored, &temp.path().join("again"), &in_root);
    assert_eq!(
        sidecar(&again, "bzext-1.0.dist-info")["depends"],
        depends.as_str()
    );
}

#[test]
fn vendoring_a_chain_of_unowned_libraries() {
    if !host_has(&["libbz2.so.1.0"]) {
        return;
    }
    let temp = TempDir::new("distro-chain");
    let input = bz_wheel().build(temp.path());
    let on_host = repaired(
        &input,
        &temp.path().join("host"),
        &["--exclude", "libfoo.so.1"],
    );
    // In /usr/local/lib, owned by no package: libfoo.so.1 (a copy of the extension needing
    // libbar.so.1 instead of libfoo.so.1) and libbar.so.1 (the fixture's libfoo).
    let root = temp.path().join("root");
    fake_root(&root, &[&sidecar(&on_host, "bzext-1.0.dist-info")]);
    let local = root.join("usr/local/lib");
    std::fs::create_dir_all(&local).unwrap();
    let edit = wheelfix_elf::edit::ElfEdit {
        replace_needed: vec![("libfoo.so.1".into(), "libbar.so.1".into())],
        set_soname: Some("libfoo.so.1".into()),
        ..Default::default()
    };
    let libfoo =
        wheelfix_elf::edit::apply(&crate::support::fixture("distro-bz2-unowned", BZEXT), &edit)
            .unwrap();
    std::fs::write(local.join("libfoo.so.1"), libfoo).unwrap();
    std::fs::write(
        local.join("libbar.so.1"),
        crate::support::fixture("distro-bz2-unowned", "libfoo.so.1"),
    )
    .unwrap();

    let vendored = repaired(
        &input,
        &temp.path().join("vendor"),
        &["--root", path_str(&root), "--unowned", "vendor"],
    );
    let names = member_names(&vendored);
    let graft = |stem: &str| -> String {
        names
            .iter()
            .find(|n| n.starts_with(&format!("bzext.libs/{stem}-")))
            .unwrap_or_else(|| panic!("no {stem} graft in {names:?}"))
            .clone()
    };
    let (foo, bar) = (graft("libfoo"), graft("libbar"));
    let base = |path: &str| path.trim_start_matches("bzext.libs/").to_owned();
    let needed = |path: &str| -> Vec<String> {
        ElfFacts::parse(&member(&vendored, path))
            .unwrap()
            .needed
            .iter()
            .map(|n| n.to_string())
            .collect()
    };
    assert_eq!(
        needed(BZEXT_MEMBER),
        ["libbz2.so.1.0", &base(&foo), "libc.so.6"]
    );
    assert_eq!(needed(&foo), ["libbz2.so.1.0", &base(&bar), "libc.so.6"]);
    let foo_facts = ElfFacts::parse(&member(&vendored, &foo)).unwrap();
    assert_eq!(
        foo_facts.rpath.map(|r| r.to_string()).as_deref(),
        Some("$ORIGIN")
    );
    let written = sidecar(&vendored, "bzext-1.0.dist-info");
    let statuses: Vec<(&str, &str)> = written["libraries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["status"] == "unowned-vendored")
        .map(|l| (l["soname"].as_str().unwrap(), l["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("libbar.so.1", "/usr/local/lib/libbar.so.1"),
            ("libfoo.so.1", "/usr/local/lib/libfoo.so.1")
        ]
    );
    // The vendored copy of the extension needs libbz2 and libc too: same Depends as before.
    assert_eq!(
        written["depends"],
        sidecar(&on_host, "bzext-1.0.dist-info")["depends"]
    );
    check_record_and_audit(&vendored);
}

#[test]
fn owned_library_without_information() {
    if !host_has(&["libpq.so.5"]) {
        return;
    }
    let temp = TempDir::new("distro-noinfo");
    let input = pqfinish_wheel().build(temp.path());
    let on_host = repaired(&input, &temp.path().join("host"), &[]);
    let root = temp.path().join("root");
    fake_root(&root, &[&sidecar(&on_host, "pqfinish-1.0.dist-info")]);
    // The same answer from the fake root as from `/`: --root works.
    let in_root = repaired(
        &input,
        &temp.path().join("root-out"),
        &["--root", path_str(&root)],
    );
    assert_eq!(
        std::fs::read(&in_root).unwrap(),
        std::fs::read(&on_host).unwrap()
    );
    // Without symbols and shlibs files, libpq5 is an unversioned dependency, with a warning.
    for entry in std::fs::read_dir(root.join("var/lib/dpkg/info")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("libpq5") && (name.ends_with(".symbols") || name.ends_with(".shlibs")) {
            std::fs::remove_file(path).unwrap();
        }
    }
    let out = temp.path().join("owner");
    let output = repair(&input, &out, &["--root", path_str(&root)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "but has no symbols or shlibs information; recorded an unversioned dependency"
        ),
        "{}",
        stderr(&output)
    );
    let written = PathBuf::from(stdout(&output).trim());
    let metadata = text_member(&written, "pqfinish-1.0.dist-info/METADATA");
    assert_eq!(requires_external(&metadata), ["libpq5"]);
    assert_eq!(
        sidecar(&written, "pqfinish-1.0.dist-info")["libraries"][0]["info_source"],
        "owner"
    );
    // --strict: a verdict, nothing written.
    let strict = temp.path().join("strict");
    let output = repair(&input, &strict, &["--root", path_str(&root), "--strict"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("cannot repair: no dependency information found for `/lib/x86_64-linux-gnu/libpq.so.5` (library `libpq.so.5` of package `libpq5:amd64`"),
        "{}",
        stderr(&output)
    );
    assert!(files_in(&strict).is_empty());
}

// ---------------------------------------------------------------------------------------
// Bad input: one line naming the wheel, nothing written.

#[test]
fn corrupted_symbols_file() {
    if !host_has(&["libpq.so.5"]) {
        return;
    }
    let temp = TempDir::new("distro-corrupt");
    let input = pqfinish_wheel().build(temp.path());
    let on_host = repaired(&input, &temp.path().join("host"), &[]);
    let root = temp.path().join("root");
    fake_root(&root, &[&sidecar(&on_host, "pqfinish-1.0.dist-info")]);
    let symbols = root.join("var/lib/dpkg/info/libpq5:amd64.symbols");
    let text = std::fs::read_to_string(&symbols).unwrap();
    std::fs::write(&symbols, format!(" PQbogus@Base 1\n{text}")).unwrap();
    let out = temp.path().join("out");
    let substvars = temp.path().join("x.substvars");
    let output = repair(
        &input,
        &out,
        &[
            "--root",
            path_str(&root),
            "--substvars",
            path_str(&substvars),
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!(
            "wheelfix: error: {}: corrupted symbols file `/var/lib/dpkg/info/libpq5:amd64.symbols` line 1: symbol information must be preceded by a header\n",
            input.display(),
        )
    );
    assert!(files_in(&out).is_empty());
    assert!(!substvars.exists());
}

#[test]
fn missing_dpkg_database() {
    let temp = TempDir::new("distro-nodpkg");
    let input = pqfinish_wheel().build(temp.path());
    let root = temp.path().join("fedora");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/os-release"), "ID=fedora\nVERSION_ID=40\n").unwrap();
    let out = temp.path().join("out");
    let output = repair(&input, &out, &["--root", path_str(&root)]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!(
            "wheelfix: error: {}: --distro debian requires a dpkg database (found os-release ID=fedora); use --root (`{}` does not exist)\n",
            input.display(),
            root.join("var/lib/dpkg/status").display()
        )
    );
    assert!(files_in(&out).is_empty());
    // `deps` needs the database only to scan: the same error for a wheel without a sidecar.
    let output = wheelfix(&[
        "deps",
        "--distro",
        "debian",
        "--root",
        path_str(&root),
        path_str(&input),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).is_empty());
}

#[test]
fn wheel_for_another_architecture() {
    let status = std::fs::read_to_string("/var/lib/dpkg/status").unwrap_or_default();
    if !Path::new("/var/lib/dpkg/status").exists() || status.contains("Architecture: arm64") {
        skip_or_fail("needs a dpkg database without arm64 packages");
        return;
    }
    let temp = TempDir::new("distro-arch");
    let member_path = "armext/armext.cpython-311-aarch64-linux-gnu.so";
    let input = TestWheel::new("armext", "1.0", "cp311-cp311-linux_aarch64")
        .elf(
            member_path,
            "distro-aarch64",
            "armext.cpython-311-aarch64-linux-gnu.so",
        )
        .build(temp.path());
    let out = temp.path().join("out");
    let output = repair(&input, &out, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        format!(
            "wheelfix: {}: cannot repair: `{member_path}` is built for arm64, but the dpkg database in `/` is for amd64; use --root with an unpacked arm64 system\n",
            input.display()
        )
    );
    assert!(files_in(&out).is_empty());
}

#[test]
fn one_bad_wheel_means_nothing_is_written() {
    if !host_has(&["libpq.so.5", "libbz2.so.1.0"]) {
        return;
    }
    let temp = TempDir::new("distro-batch");
    let good = pqfinish_wheel().build(temp.path());
    let bad = bz_wheel().build(temp.path());
    let out = temp.path().join("out");
    let substvars = temp.path().join("x.substvars");
    let output = wheelfix(&[
        "repair",
        "--distro",
        "debian",
        path_str(&good),
        path_str(&bad),
        "-w",
        path_str(&out),
        "--substvars",
        path_str(&substvars),
        "--print-depends",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).is_empty());
    let errors = stderr(&output);
    let lines: Vec<&str> = errors.lines().collect();
    assert!(
        lines[0].contains("cannot find library `libfoo.so.1`"),
        "{lines:?}"
    );
    assert!(lines[1].contains("nothing was written"), "{lines:?}");
    assert!(files_in(&out).is_empty());
    assert!(!substvars.exists());

    // A wheel that cannot be opened: exit 2, named.
    let broken = temp.path().join("broken-1.0-cp311-cp311-linux_x86_64.whl");
    std::fs::write(&broken, b"not a zip").unwrap();
    let output = repair(&broken, &out, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with(&format!("wheelfix: error: {}: ", broken.display())),
        "{}",
        stderr(&output)
    );
    assert_eq!(stderr(&output).lines().count(), 1);
}

// ---------------------------------------------------------------------------------------
// wheelfix deps

/// What pip would leave in site-packages (no scripts, no .data): every member at its path.
fn install(wheel: &Path, site: &Path) {
    let bytes = std::fs::read(wheel).unwrap();
    let name = wheel.file_name().unwrap().to_str().unwrap();
    let opened = Wheel::open(name, &bytes).unwrap();
    for member in opened.members().iter().filter(|m| !m.is_dir) {
        let dest = site.join(&member.path);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::write(dest, opened.read(member).unwrap()).unwrap();
    }
}

fn deps(args: &[&str]) -> Output {
    let mut all = vec!["deps", "--distro", "debian"];
    all.extend_from_slice(args);
    wheelfix(&all)
}

#[test]
fn deps_merges_wheels_and_site_packages() {
    if !host_has(&[
        "libpq.so.5",
        "libssl.so.3",
        "libffi.so.8",
        "libz.so.1",
        "libstdc++.so.6",
    ]) {
        return;
    }
    let temp = TempDir::new("distro-deps");
    let myext = repaired(
        &myext_wheel().build(temp.path()),
        &temp.path().join("repaired"),
        &[],
    );
    let pqfinish = pqfinish_wheel().build(temp.path());
    let cxx = cxx_wheel().build(temp.path());
    let myext_depends = sidecar(&myext, "myext-1.0.dist-info")["depends"]
        .as_str()
        .unwrap()
        .to_owned();

    // Two wheels: a repaired one (its sidecar) and one scanned; libpq5 keeps the higher
    // minimum of `(>= 9.1~)` and unversioned.
    let output = deps(&[path_str(&myext), path_str(&pqfinish)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), format!("{myext_depends}\n"));
    assert!(
        stderr(&output).contains("merged 2 input(s) with dependencies: 1 from sidecars, 1 scanned"),
        "{}",
        stderr(&output)
    );
    let output = deps(&[path_str(&myext), path_str(&cxx)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let merged = stdout(&output);
    if is_debian_12() {
        assert_eq!(
            merged,
            "libc6 (>= 2.2.5), libffi8 (>= 3.4), libgcc-s1 (>= 3.0), libpq5 (>= 9.1~), libssl3 (>= 3.0.0), libstdc++6 (>= 11), zlib1g (>= 1:1.1.4)\n"
        );
        assert_eq!(stdout(&deps(&[path_str(&cxx)])), format!("{CXX_DEPENDS}\n"));
    }

    // A site-packages directory: the repaired wheel's installed sidecar, the other scanned
    // through its RECORD, a pure distribution contributing nothing.
    let site = temp.path().join("site-packages");
    install(&myext, &site);
    install(&cxx, &site);
    let pure = TestWheel::new("purepkg", "1.0", "py3-none-any")
        .purelib_root()
        .file("purepkg/__init__.py", "x = 1\n")
        .build(temp.path());
    install(&pure, &site);
    let substvars = temp.path().join("venv.substvars");
    std::fs::write(&substvars, "misc:Depends=\n").unwrap();
    let output = deps(&[path_str(&site), "--substvars", path_str(&substvars)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("1 from sidecars, 1 scanned"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        std::fs::read_to_string(&substvars).unwrap(),
        format!("misc:Depends=\nwheelfix:Depends={merged}")
    );
    let output = deps(&[
        path_str(&site),
        "--print-depends",
        "--omit-package",
        "libc6",
    ]);
    assert_eq!(stdout(&output), merged.replace("libc6 (>= 2.2.5), ", ""));

    // Sidecars alone need no dpkg database.
    let empty_root = temp.path().join("empty-root").tap_mkdir();
    let output = deps(&["--root", path_str(&empty_root), path_str(&myext)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), format!("{myext_depends}\n"));

    // A directory of wheels.
    let wheels = temp.path().join("wheels").tap_mkdir();
    std::fs::copy(&myext, wheels.join(myext.file_name().unwrap())).unwrap();
    std::fs::copy(&cxx, wheels.join(cxx.file_name().unwrap())).unwrap();
    let output = deps(&[path_str(&wheels)]);
    assert_eq!(stdout(&output), merged);

    // Sidecars for different targets do not merge.
    let mut foreign = sidecar(&myext, "myext-1.0.dist-info");
    foreign["target"]["ecosystem"] = "ubuntu+24.04".into();
    let other_site = temp.path().join("other-site");
    install(&myext, &other_site);
    std::fs::write(
        other_site.join("myext-1.0.dist-info/wheelfix-system-deps.json"),
        serde_json::to_string(&foreign).unwrap(),
    )
    .unwrap();
    let output = deps(&[path_str(&myext), path_str(&other_site)]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).is_empty());
    assert!(
        stderr(&output).contains("cannot merge: made for ubuntu+24.04 amd64"),
        "{}",
        stderr(&output)
    );

    // A corrupted installed sidecar: exit 2, named.
    std::fs::write(
        other_site.join("myext-1.0.dist-info/wheelfix-system-deps.json"),
        "{",
    )
    .unwrap();
    let output = deps(&[path_str(&other_site)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("wheelfix-system-deps.json`: not a valid sidecar"),
        "{}",
        stderr(&output)
    );
}
