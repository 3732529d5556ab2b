//! `wheelfix repair` on wheels assembled from the committed fixtures (no compiler, no network):
//! grafting from a sysroot (`--root`) with readelf and the host's `ld.so --list` as oracles,
//! chains of grafted libraries, idempotence, `SOURCE_DATE_EPOCH`, the tag options (`--plat`,
//! `AUDITWHEEL_PLAT`, `--only-plat`, `--no-update-tags`, `-L`), `--exclude`, refusals and their
//! exit codes, and pure wheels. Every wheel written is audited again by `wheelfix audit`.
//!
//! Tests resolve against a sysroot they build (or an empty one), so the results do not depend
//! on the machine's libraries. The repair of real wheels built from source is in
//! `repair_e2e.rs`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wheelfix_wheel::Wheel;
use wheelfix_wheel::zip::ZipArchive;

use crate::support::readelf::{loader_resolves, readelf};
use crate::support::{TempDir, TestWheel, fixture, render};

const X86: &str = "cpython-311-x86_64-linux-gnu.so";
const LINUX: &str = "cp311-cp311-linux_x86_64";

fn ext(file: &str) -> String {
    format!("demo/{file}.{X86}")
}

/// Run wheelfix with a clean loader environment plus `env`.
fn wheelfix_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wheelfix"));
    command
        .args(args)
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("AUDITWHEEL_LD_LIBRARY_PATH")
        .env_remove("AUDITWHEEL_PLAT")
        .env_remove("AUDITWHEEL_ZIP_COMPRESSION_LEVEL")
        .env_remove("SOURCE_DATE_EPOCH");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

/// A sysroot under `dir` holding the given fixture files in `/usr/lib`.
fn sysroot(dir: &Path, libs: &[(&str, &str, &str)]) -> PathBuf {
    let root = dir.join("root");
    let lib = root.join("usr/lib");
    std::fs::create_dir_all(&lib).unwrap();
    for (name, case, file) in libs {
        std::fs::write(lib.join(name), fixture(case, file)).unwrap();
    }
    root
}

/// The outcome of one repair, checked for what every repair must satisfy.
struct Repaired {
    output: Output,
    /// The wheel written, when the repair succeeded.
    path: Option<PathBuf>,
}

/// Repair `wheel` against `root`, then check the invariants: exit 0 prints exactly the path
/// written (inside `-w`); anything else writes nothing; a written wheel passes
/// `wheelfix audit` (against an empty root: grafted libraries are inside it; with the same
/// `--exclude`s), or meets `--plat` (default manylinux_2_5) when tags were not updated.
fn repair(temp: &Path, wheel: &Path, root: &Path, args: &[&str], env: &[(&str, &str)]) -> Repaired {
    let out = temp.join("out");
    let _ = std::fs::remove_dir_all(&out);
    let mut full = vec![
        "repair",
        "-w",
        out.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
    ];
    full.extend_from_slice(args);
    full.push(wheel.to_str().unwrap());
    let output = wheelfix_env(&full, env);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.code() != Some(0) {
        assert!(stdout.is_empty(), "a failed repair printed {stdout}");
        let written = std::fs::read_dir(&out).map(|d| d.count()).unwrap_or(0);
        assert_eq!(
            written,
            0,
            "a failed repair left files in {}",
            out.display()
        );
        return Repaired { output, path: None };
    }
    let path = PathBuf::from(stdout.trim());
    assert_eq!(path.parent(), Some(out.as_path()), "{stdout}");
    assert!(path.is_file());
    let empty = temp.join("empty-root");
    std::fs::create_dir_all(&empty).unwrap();
    let mut audit = vec!["audit", "--root", empty.to_str().unwrap()];
    let plat_arg;
    if args.contains(&"--no-update-tags") {
        // The file name still claims linux_x86_64 only; ask whether it meets what `--plat`
        // (or the best tag) would have written.
        plat_arg = args
            .iter()
            .position(|a| *a == "--plat")
            .map(|i| args[i + 1])
            .unwrap_or("manylinux_2_5_x86_64");
        audit.extend(["--plat", plat_arg]);
    }
    // Excluded libraries are still expected from elsewhere.
    for pair in args.windows(2).filter(|p| p[0] == "--exclude") {
        audit.extend(pair);
    }
    audit.push(path.to_str().unwrap());
    let audited = wheelfix_env(&audit, &[]);
    assert_eq!(
        audited.status.code(),
        Some(0),
        "the repaired wheel fails its audit: {}",
        render(&audited, temp)
    );
    Repaired {
        output,
        path: Some(path),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// `(path, bytes)` of every member of a wheel file.
fn members(path: &Path) -> Vec<(String, Vec<u8>)> {
    let bytes = std::fs::read(path).unwrap();
    let wheel = Wheel::open(&file_name(path), &bytes).unwrap();
    wheel
        .members()
        .iter()
        .map(|m| (m.path.clone(), wheel.read(m).unwrap()))
        .collect()
}

fn member(path: &Path, name: &str) -> Vec<u8> {
    members(path)
        .into_iter()
        .find(|(p, _)| p == name)
        .unwrap_or_else(|| panic!("no {name} in {}", path.display()))
        .1
}

/// Unpack a wheel's members into `dir` (to hand files to the loader).
fn unpack(path: &Path, dir: &Path) {
    for (name, bytes) in members(path) {
        let target = dir.join(&name);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, bytes).unwrap();
    }
}

/// The grafted file of `soname` among `members`: `<libs>/<stem>-<8 hex>.<rest>`.
fn grafted_member(members: &[(String, Vec<u8>)], libs: &str, soname: &str) -> String {
    let (stem, rest) = soname.split_once('.').unwrap();
    let found: Vec<&String> = members
        .iter()
        .map(|(p, _)| p)
        .filter(|p| {
            let Some(file) = p.strip_prefix(&format!("{libs}/")) else {
                return false;
            };
            let Some((head, tail)) = file.split_once('.') else {
                return false;
            };
            tail == rest
                && head
                    .strip_prefix(stem)
                    .and_then(|h| h.strip_prefix('-'))
                    .is_some_and(|h| h.len() == 8 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        })
        .collect();
    assert_eq!(found.len(), 1, "one graft of {soname} in {libs}: {found:?}");
    found[0].clone()
}

#[test]
fn library_from_a_sysroot_is_grafted_and_the_loader_finds_it() {
    let temp = TempDir::new("repair-origin");
    let root = sysroot(
        temp.path(),
        &[("libdemo.so.1", "origin", "demo.libs/libdemo.so.1")],
    );
    // The `origin` extension without its library: it now comes from the sysroot.
    let wheel = TestWheel::new("demo", "1.0", LINUX)
        .file("demo/__init__.py", "")
        .elf(&ext("ext"), "origin", &format!("demo/ext.{X86}"))
        .build(temp.path());
    let repaired = repair(temp.path(), &wheel, &root, &[], &[]);
    insta::assert_snapshot!(render(&repaired.output, temp.path()), @r"
    exit_code: 0
    ----- stdout -----
    [TEMP]/out/demo-1.0-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl
    ----- stderr -----
    wheelfix: grafted libdemo.so.1 => demo.libs/libdemo-291c0798.so.1 (from /usr/lib/libdemo.so.1)
    ");
    let path = repaired.path.unwrap();
    let all = members(&path);
    let names: Vec<&str> = all.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        names,
        [
            "demo.libs/libdemo-291c0798.so.1",
            "demo/__init__.py",
            "demo/ext.cpython-311-x86_64-linux-gnu.so",
            "demo-1.0.dist-info/METADATA",
            "demo-1.0.dist-info/WHEEL",
            "demo-1.0.dist-info/RECORD",
        ]
    );
    let graft = grafted_member(&all, "demo.libs", "libdemo.so.1");
    let new_name = graft.rsplit('/').next().unwrap();

    // readelf: the extension needs the new name (in DT_NEEDED and in .gnu.version_r) and finds
    // it through DT_RPATH; the graft carries the new SONAME and no run path.
    if let Some(ext_dynamic) = readelf(&member(&path, &ext("ext"))) {
        assert_eq!(ext_dynamic.needed, [new_name, "libc.so.6"]);
        assert!(ext_dynamic.verneed_matches_needed(), "{ext_dynamic:?}");
        assert!(ext_dynamic.verneed_files.iter().any(|f| f == new_name));
        assert_eq!(ext_dynamic.rpath.as_deref(), Some("$ORIGIN/../demo.libs"));
        assert_eq!(ext_dynamic.runpath, None);
        let lib = readelf(&member(&path, &graft)).unwrap();
        assert_eq!(lib.soname.as_deref(), Some(new_name));
        assert_eq!(lib.needed, ["libc.so.6"]);
        assert!(lib.verneed_matches_needed(), "{lib:?}");
        assert_eq!((lib.rpath, lib.runpath), (None, None));
    }

    // The host's loader resolves the unpacked extension to the grafted copy, versions checked.
    let unpacked = temp.path().join("unpacked");
    unpack(&path, &unpacked);
    if let Some(resolved) = loader_resolves(&unpacked.join(ext("ext"))) {
        let (_, found) = resolved.iter().find(|(n, _)| n == new_name).unwrap();
        assert_eq!(
            std::fs::canonicalize(found).unwrap(),
            std::fs::canonicalize(unpacked.join(&graft)).unwrap()
        );
    }

    // Repairing the repaired wheel again changes nothing, with or without the sysroot.
    let again = temp.path().join("again");
    std::fs::create_dir_all(&again).unwrap();
    let copy = again.join(file_name(&path));
    std::fs::rename(&path, &copy).unwrap();
    let empty = temp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    for root in [&root, &empty] {
        let second = repair(temp.path(), &copy, root, &[], &[]);
        let second_path = second.path.unwrap();
        assert_eq!(file_name(&second_path), file_name(&copy));
        assert!(
            std::fs::read(&second_path).unwrap() == std::fs::read(&copy).unwrap(),
            "a second repair is not byte-identical"
        );
        assert_eq!(String::from_utf8_lossy(&second.output.stderr), "");
    }
}

#[test]
fn grafted_libraries_that_need_each_other_find_each_other() {
    let temp = TempDir::new("repair-chain");
    let root = sysroot(
        temp.path(),
        &[
            ("libmid.so.1", "rpath", "rpathdemo.libs/libmid.so.1"),
            ("libleaf.so.1", "rpath", "rpathdemo.libs/libleaf.so.1"),
        ],
    );
    // `runpath` does not load as built (DT_RUNPATH is not inherited by libmid); the repair
    // gives it DT_RPATH, and libmid `$ORIGIN`.
    let wheel = TestWheel::new("rpathdemo", "1.0", LINUX)
        .elf(
            &format!("rpathdemo/rpath.{X86}"),
            "rpath",
            &format!("rpathdemo/rpath.{X86}"),
        )
        .elf(
            &format!("rpathdemo/runpath.{X86}"),
            "rpath",
            &format!("rpathdemo/runpath.{X86}"),
        )
        .build(temp.path());
    let repaired = repair(temp.path(), &wheel, &root, &[], &[]);
    insta::assert_snapshot!(render(&repaired.output, temp.path()), @r"
    exit_code: 0
    ----- stdout -----
    [TEMP]/out/rpathdemo-1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl
    ----- stderr -----
    wheelfix: grafted libleaf.so.1 => rpathdemo.libs/libleaf-a9ad512e.so.1 (from /usr/lib/libleaf.so.1)
    wheelfix: grafted libmid.so.1 => rpathdemo.libs/libmid-cbd606d7.so.1 (from /usr/lib/libmid.so.1)
    ");
    let path = repaired.path.unwrap();
    let all = members(&path);
    let mid = grafted_member(&all, "rpathdemo.libs", "libmid.so.1");
    let leaf = grafted_member(&all, "rpathdemo.libs", "libleaf.so.1");
    let base = |m: &str| m.rsplit('/').next().unwrap().to_owned();
    if let Some(mid_dynamic) = readelf(&member(&path, &mid)) {
        assert_eq!(mid_dynamic.needed, [base(&leaf), "libc.so.6".into()]);
        assert_eq!(mid_dynamic.soname, Some(base(&mid)));
        assert_eq!(mid_dynamic.rpath.as_deref(), Some("$ORIGIN"));
        assert!(mid_dynamic.verneed_matches_needed());
        for extension in ["rpath", "runpath"] {
            let dynamic = readelf(&member(&path, &format!("rpathdemo/{extension}.{X86}"))).unwrap();
            assert_eq!(dynamic.needed, [base(&mid), "libc.so.6".into()]);
            // The old in-wheel entry stays, the libs directory is added.
            assert_eq!(
                dynamic.rpath.as_deref(),
                Some("$ORIGIN/../rpathdemo.libs"),
                "{extension}"
            );
            assert_eq!(dynamic.runpath, None, "{extension}");
            assert!(dynamic.verneed_matches_needed());
        }
    }
    let unpacked = temp.path().join("unpacked");
    unpack(&path, &unpacked);
    for extension in ["rpath", "runpath"] {
        let Some(resolved) =
            loader_resolves(&unpacked.join(format!("rpathdemo/{extension}.{X86}")))
        else {
            break;
        };
        for graft in [&mid, &leaf] {
            let (_, found) = resolved
                .iter()
                .find(|(n, _)| *n == base(graft))
                .unwrap_or_else(|| panic!("{extension}: {graft} not resolved: {resolved:?}"));
            assert_eq!(
                std::fs::canonicalize(found).unwrap(),
                std::fs::canonicalize(unpacked.join(graft)).unwrap()
            );
        }
    }
}

/// The byte ranges of every DOS time/date field of a zip file (local and central headers).
fn timestamp_ranges(bytes: &[u8]) -> BTreeSet<usize> {
    let archive = ZipArchive::parse(bytes).unwrap();
    let mut positions = BTreeSet::new();
    for entry in archive.entries() {
        let local = usize::try_from(entry.local_header_offset).unwrap();
        positions.extend(local + 10..local + 14);
    }
    let mut central = usize::try_from(archive.central_directory_offset).unwrap();
    for _ in archive.entries() {
        assert_eq!(&bytes[central..central + 4], b"PK\x01\x02");
        positions.extend(central + 12..central + 16);
        let len = |at: usize| usize::from(u16::from_le_bytes([bytes[at], bytes[at + 1]]));
        central += 46 + len(central + 28) + len(central + 30) + len(central + 32);
    }
    positions
}

#[test]
fn source_date_epoch_changes_the_timestamps_and_nothing_else() {
    let temp = TempDir::new("repair-sde");
    let root = sysroot(
        temp.path(),
        &[("libdemo.so.1", "origin", "demo.libs/libdemo.so.1")],
    );
    let wheel = TestWheel::new("demo", "1.0", LINUX)
        .file("demo/__init__.py", "")
        .elf(&ext("ext"), "origin", &format!("demo/ext.{X86}"))
        .build(temp.path());
    let plain = std::fs::read(repair(temp.path(), &wheel, &root, &[], &[]).path.unwrap()).unwrap();
    // 2023-11-14 22:13:20 UTC.
    let env = [("SOURCE_DATE_EPOCH", "1700000000")];
    let dated = std::fs::read(repair(temp.path(), &wheel, &root, &[], &env).path.unwrap()).unwrap();
    assert_eq!(plain.len(), dated.len());
    let allowed = timestamp_ranges(&plain);
    assert_eq!(allowed, timestamp_ranges(&dated));
    let differing: Vec<usize> = (0..plain.len()).filter(|&i| plain[i] != dated[i]).collect();
    assert!(!differing.is_empty(), "SOURCE_DATE_EPOCH changed nothing");
    assert!(
        differing.iter().all(|i| allowed.contains(i)),
        "bytes outside timestamps differ at {:?}",
        differing
            .iter()
            .filter(|i| !allowed.contains(i))
            .collect::<Vec<_>>()
    );
    let stamps = |bytes: &[u8]| -> BTreeSet<(u16, u16)> {
        let archive = ZipArchive::parse(bytes).unwrap();
        archive
            .entries()
            .iter()
            .map(|e| (e.dos_date, e.dos_time))
            .collect()
    };
    // 1980-01-01 00:00:00 by default.
    assert_eq!(stamps(&plain), BTreeSet::from([((1 << 5) | 1, 0)]));
    let date = ((2023 - 1980) << 9) | (11 << 5) | 14;
    let time = (22 << 11) | (13 << 5) | (20 / 2);
    assert_eq!(stamps(&dated), BTreeSet::from([(date, time)]));
}

/// One row of the tag and refusal table.
struct Row {
    /// `(fixture case, file)` of the one extension in the wheel.
    elf: (&'static str, &'static str),
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    /// `exit=<code> wheel=<platform tags of the file written, or ->` and the `Tag:` lines of its
    /// WHEEL.
    expect: &'static str,
}

const ROWS: &[Row] = &[
    // manylinux_2_5 as it is: auto writes it with its alias.
    Row {
        elf: ("glibc", "old"),
        args: &[],
        env: &[],
        expect: "exit=0 wheel=manylinux1_x86_64.manylinux_2_5_x86_64 tags=cp311-cp311-manylinux1_x86_64,cp311-cp311-manylinux_2_5_x86_64",
    },
    // A less compatible request: the better tag is written too, unless --only-plat.
    Row {
        elf: ("glibc", "old"),
        args: &["--plat", "manylinux2014_x86_64"],
        env: &[],
        expect: "exit=0 wheel=manylinux1_x86_64.manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_5_x86_64 tags=cp311-cp311-manylinux1_x86_64,cp311-cp311-manylinux2014_x86_64,cp311-cp311-manylinux_2_17_x86_64,cp311-cp311-manylinux_2_5_x86_64",
    },
    Row {
        elf: ("glibc", "old"),
        args: &["--plat", "manylinux2014_x86_64", "--only-plat"],
        env: &[],
        expect: "exit=0 wheel=manylinux2014_x86_64.manylinux_2_17_x86_64 tags=cp311-cp311-manylinux2014_x86_64,cp311-cp311-manylinux_2_17_x86_64",
    },
    // AUDITWHEEL_PLAT stands for --plat; the flag wins over it.
    Row {
        elf: ("glibc", "old"),
        args: &["--only-plat"],
        env: &[("AUDITWHEEL_PLAT", "manylinux_2_28_x86_64")],
        expect: "exit=0 wheel=manylinux_2_28_x86_64 tags=cp311-cp311-manylinux_2_28_x86_64",
    },
    Row {
        elf: ("glibc", "old"),
        args: &["--plat", "manylinux2014_x86_64", "--only-plat"],
        env: &[("AUDITWHEEL_PLAT", "manylinux_2_28_x86_64")],
        expect: "exit=0 wheel=manylinux2014_x86_64.manylinux_2_17_x86_64 tags=cp311-cp311-manylinux2014_x86_64,cp311-cp311-manylinux_2_17_x86_64",
    },
    // --no-update-tags keeps the name and WHEEL (the audit then checks --plat's tag).
    Row {
        elf: ("glibc", "old"),
        args: &["--no-update-tags"],
        env: &[],
        expect: "exit=0 wheel=linux_x86_64 tags=cp311-cp311-linux_x86_64",
    },
    Row {
        elf: ("glibc", "memfd"),
        args: &["--no-update-tags", "--plat", "manylinux_2_27_x86_64"],
        env: &[],
        expect: "exit=0 wheel=linux_x86_64 tags=cp311-cp311-linux_x86_64",
    },
    // Too-new symbol versions: auto stops at what they allow; a better request is refused.
    Row {
        elf: ("glibc", "toonew"),
        args: &[],
        env: &[],
        expect: "exit=0 wheel=manylinux_2_36_x86_64 tags=cp311-cp311-manylinux_2_36_x86_64",
    },
    Row {
        elf: ("glibc", "toonew"),
        args: &["--plat", "manylinux2014_x86_64"],
        env: &[],
        expect: "exit=1 wheel=-",
    },
    Row {
        elf: ("glibc", "toonew"),
        args: &[],
        env: &[("AUDITWHEEL_PLAT", "manylinux_2_28_x86_64")],
        expect: "exit=1 wheel=-",
    },
    // A tag for another libc or architecture, or not a portable tag at all: usage errors,
    // exit 2 (as auditwheel's `parser.error`).
    Row {
        elf: ("glibc", "old"),
        args: &["--plat", "musllinux_1_2_x86_64"],
        env: &[],
        expect: "exit=2 wheel=-",
    },
    Row {
        elf: ("glibc", "old"),
        args: &["--plat", "manylinux_2_17_aarch64"],
        env: &[],
        expect: "exit=2 wheel=-",
    },
    Row {
        elf: ("glibc", "old"),
        args: &["--plat", "linux_x86_64"],
        env: &[],
        expect: "exit=2 wheel=-",
    },
    // Nothing reachable: the private glibc symbol, a library found nowhere.
    Row {
        elf: ("glibc", "private"),
        args: &[],
        env: &[],
        expect: "exit=1 wheel=-",
    },
    Row {
        elf: ("external", "missing"),
        args: &[],
        env: &[],
        expect: "exit=1 wheel=-",
    },
    // An excluded library is not grafted and does not count.
    Row {
        elf: ("external", "missing"),
        args: &["--exclude", "libfoo_missing.so.*"],
        env: &[],
        expect: "exit=0 wheel=manylinux1_x86_64.manylinux_2_5_x86_64 tags=cp311-cp311-manylinux1_x86_64,cp311-cp311-manylinux_2_5_x86_64",
    },
];

#[test]
fn tags_and_refusals() {
    let temp = TempDir::new("repair-tags");
    let root = sysroot(temp.path(), &[]);
    let mut failures = Vec::new();
    for row in ROWS {
        let (case, file) = row.elf;
        let wheel = TestWheel::new("demo", "1.0", LINUX)
            .elf(&ext(file), case, &format!("{file}.{X86}"))
            .build(temp.path());
        let repaired = repair(temp.path(), &wheel, &root, row.args, row.env);
        let mut got = format!(
            "exit={} wheel=",
            repaired.output.status.code().unwrap_or(-1)
        );
        match &repaired.path {
            Some(path) => {
                let name = file_name(path);
                let plat = name
                    .strip_prefix("demo-1.0-cp311-cp311-")
                    .and_then(|n| n.strip_suffix(".whl"))
                    .unwrap();
                let wheel_text =
                    String::from_utf8(member(path, "demo-1.0.dist-info/WHEEL")).unwrap();
                let tags: Vec<&str> = wheel_text
                    .lines()
                    .filter_map(|l| l.strip_prefix("Tag: "))
                    .collect();
                got.push_str(&format!("{plat} tags={}", tags.join(",")));
            }
            None => got.push('-'),
        }
        if got != row.expect {
            failures.push(format!(
                "{case}/{file} {:?} {:?}\n  expected: {}\n  got:      {got}\n{}",
                row.args,
                row.env,
                row.expect,
                render(&repaired.output, temp.path())
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Run one repair of a single-extension wheel and render it.
fn render_repair(elf: (&str, &str), args: &[&str], env: &[(&str, &str)]) -> String {
    let temp = TempDir::new("repair-render");
    let root = sysroot(temp.path(), &[]);
    let (case, file) = elf;
    let wheel = TestWheel::new("demo", "1.0", LINUX)
        .elf(&ext(file), case, &format!("{file}.{X86}"))
        .build(temp.path());
    let repaired = repair(temp.path(), &wheel, &root, args, env);
    render(&repaired.output, temp.path())
}

#[test]
fn out_of_reach_names_the_symbol_and_the_file() {
    let text = render_repair(
        ("glibc", "toonew"),
        &["--plat", "manylinux2014_x86_64"],
        &[],
    );
    insta::assert_snapshot!(text, @r"
    exit_code: 1
    ----- stdout -----
    ----- stderr -----
    wheelfix: [TEMP]/demo-1.0-cp311-cp311-linux_x86_64.whl: cannot repair: manylinux2014_x86_64 is out of reach (best reachable: manylinux_2_36_x86_64): GLIBC_2.36 from libc.so.6 is too new, needed by demo/toonew.cpython-311-x86_64-linux-gnu.so (arc4random)
    ");
}

#[test]
fn unresolved_library_is_refused_with_what_to_do() {
    let text = render_repair(("external", "missing"), &[], &[]);
    insta::assert_snapshot!(text, @r"
    exit_code: 1
    ----- stdout -----
    ----- stderr -----
    wheelfix: [TEMP]/demo-1.0-cp311-cp311-linux_x86_64.whl: cannot repair: `libfoo_missing.so.1`, needed by `demo/missing.cpython-311-x86_64-linux-gnu.so`, was not found; point `--ldpaths` or `--root` at it, or `--exclude` it if another package provides it
    ");
}

#[test]
fn exclude_that_matches_nothing_warns() {
    let text = render_repair(("glibc", "old"), &["--exclude", "libnothing.so*"], &[]);
    insta::assert_snapshot!(text, @r"
    exit_code: 0
    ----- stdout -----
    [TEMP]/out/demo-1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl
    ----- stderr -----
    wheelfix: warning: --exclude `libnothing.so*` matched no library of demo-1.0-cp311-cp311-linux_x86_64.whl
    ");
}

#[test]
fn a_better_tag_than_requested_is_announced() {
    let text = render_repair(
        ("glibc", "old"),
        &[],
        &[("AUDITWHEEL_PLAT", "manylinux2014_x86_64")],
    );
    insta::assert_snapshot!(text, @r"
    exit_code: 0
    ----- stdout -----
    [TEMP]/out/demo-1.0-cp311-cp311-manylinux1_x86_64.manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_5_x86_64.whl
    ----- stderr -----
    wheelfix: demo-1.0-cp311-cp311-linux_x86_64.whl is eligible for a more compatible tag: manylinux_2_17_x86_64 was requested, manylinux_2_5_x86_64 is reachable; both are written (--only-plat keeps just the first)
    ");
}

#[test]
fn lib_sdir_names_the_graft_directory() {
    let temp = TempDir::new("repair-sdir");
    let root = sysroot(
        temp.path(),
        &[("libdemo.so.1", "origin", "demo.libs/libdemo.so.1")],
    );
    let wheel = TestWheel::new("demo", "1.0", LINUX)
        .elf(&ext("ext"), "origin", &format!("demo/ext.{X86}"))
        .build(temp.path());
    let path = repair(temp.path(), &wheel, &root, &["-L", ".vendored"], &[])
        .path
        .unwrap();
    let all = members(&path);
    grafted_member(&all, "demo.vendored", "libdemo.so.1");
    if let Some(dynamic) = readelf(&member(&path, &ext("ext"))) {
        // The fixture's own `$ORIGIN/../demo.libs` points inside the wheel and is kept.
        assert_eq!(
            dynamic.rpath.as_deref(),
            Some("$ORIGIN/../demo.libs:$ORIGIN/../demo.vendored")
        );
    }
}

#[test]
fn pure_wheel_is_copied_verbatim() {
    let temp = TempDir::new("repair-pure");
    let root = sysroot(temp.path(), &[]);
    let wheel = TestWheel::new("purepkg", "2.0", "py3-none-any")
        .purelib_root()
        .file("purepkg/__init__.py", "x = 1\n")
        .build(temp.path());
    let repaired = repair(temp.path(), &wheel, &root, &[], &[]);
    insta::assert_snapshot!(render(&repaired.output, temp.path()), @r"
    exit_code: 0
    ----- stdout -----
    [TEMP]/out/purepkg-2.0-py3-none-any.whl
    ----- stderr -----
    wheelfix: purepkg-2.0-py3-none-any.whl is a pure Python wheel; copied unchanged
    ");
    assert!(std::fs::read(repaired.path.unwrap()).unwrap() == std::fs::read(&wheel).unwrap());
}

#[test]
fn a_library_inside_the_wheel_that_needs_a_system_library_is_patched() {
    // auditwheel#598: `rpathdemo.libs/libmid.so.1` ships in the wheel, its `libleaf.so.1` comes
    // from the sysroot. libmid itself must be patched to find the graft.
    let temp = TempDir::new("repair-inner");
    let root = sysroot(
        temp.path(),
        &[("libleaf.so.1", "rpath", "rpathdemo.libs/libleaf.so.1")],
    );
    let wheel = TestWheel::new("rpathdemo", "1.0", LINUX)
        .elf(
            &format!("rpathdemo/rpath.{X86}"),
            "rpath",
            &format!("rpathdemo/rpath.{X86}"),
        )
        .elf(
            "rpathdemo.libs/libmid.so.1",
            "rpath",
            "rpathdemo.libs/libmid.so.1",
        )
        .build(temp.path());
    let path = repair(temp.path(), &wheel, &root, &[], &[]).path.unwrap();
    let all = members(&path);
    let leaf = grafted_member(&all, "rpathdemo.libs", "libleaf.so.1");
    let leaf_name = leaf.rsplit('/').next().unwrap();
    if let Some(mid) = readelf(&member(&path, "rpathdemo.libs/libmid.so.1")) {
        assert_eq!(mid.needed, [leaf_name, "libc.so.6"]);
        // Not a graft: it keeps its SONAME.
        assert_eq!(mid.soname.as_deref(), Some("libmid.so.1"));
        assert_eq!(mid.rpath.as_deref(), Some("$ORIGIN/../rpathdemo.libs"));
        assert!(mid.verneed_matches_needed());
    }
    let unpacked = temp.path().join("unpacked");
    unpack(&path, &unpacked);
    if let Some(resolved) = loader_resolves(&unpacked.join(format!("rpathdemo/rpath.{X86}"))) {
        let (_, found) = resolved.iter().find(|(n, _)| n == leaf_name).unwrap();
        assert_eq!(
            std::fs::canonicalize(found).unwrap(),
            std::fs::canonicalize(unpacked.join(&leaf)).unwrap()
        );
    }
}

#[test]
fn an_elf_script_that_needs_a_graft_moves_to_platlib_behind_a_shim() {
    // As auditwheel: `<name>.data/scripts/` has no fixed place relative to `<name>.libs/`, so
    // the ELF file moves to `<name>.scripts/` and a Python shim execs it.
    let temp = TempDir::new("repair-scripts");
    let root = sysroot(
        temp.path(),
        &[("libdemo.so.1", "origin", "demo.libs/libdemo.so.1")],
    );
    let wheel = TestWheel::new("demo", "1.0", LINUX)
        .file("demo/__init__.py", "")
        .executable(
            "demo-1.0.data/scripts/tool",
            fixture("origin", &format!("demo/ext.{X86}")),
        )
        .build(temp.path());
    let path = repair(temp.path(), &wheel, &root, &[], &[]).path.unwrap();
    let archive_bytes = std::fs::read(&path).unwrap();
    let archive = ZipArchive::parse(&archive_bytes).unwrap();
    let listing: Vec<String> = archive
        .entries()
        .iter()
        .map(|e| format!("{:o} {}", e.unix_mode().unwrap_or(0) & 0o777, e.name))
        .collect();
    insta::assert_snapshot!(listing.join("\n"), @r"
    755 demo-1.0.data/scripts/tool
    755 demo.libs/libdemo-291c0798.so.1
    755 demo.scripts/tool
    644 demo/__init__.py
    644 demo-1.0.dist-info/METADATA
    644 demo-1.0.dist-info/WHEEL
    644 demo-1.0.dist-info/RECORD
    ");
    let shim = String::from_utf8(member(&path, "demo-1.0.data/scripts/tool")).unwrap();
    insta::assert_snapshot!(shim, @r#"
    #!python
    import os
    import sys
    import sysconfig


    if __name__ == "__main__":
        os.execv(
            os.path.join(sysconfig.get_path("platlib"), "demo.scripts/tool"),
            sys.argv,
        )
    "#);
    if let Some(tool) = readelf(&member(&path, "demo.scripts/tool")) {
        assert_eq!(tool.needed, ["libdemo-291c0798.so.1", "libc.so.6"]);
        assert_eq!(tool.rpath.as_deref(), Some("$ORIGIN/../demo.libs"));
    }
    // Idempotent: the shim is not an ELF file and the moved file finds its graft.
    let again = temp.path().join("again");
    std::fs::create_dir_all(&again).unwrap();
    let copy = again.join(file_name(&path));
    std::fs::rename(&path, &copy).unwrap();
    let second = repair(temp.path(), &copy, &root, &[], &[]).path.unwrap();
    assert!(std::fs::read(second).unwrap() == std::fs::read(&copy).unwrap());
}

/// Regression: `fixup_non_extension_trees` (auditwheel's `_fixup_elf_trees`) only borrowed
/// resolutions from a tree in which *every* library resolved, whitelisted ones included. With
/// a sysroot that lacks libc.so.6 (an empty `--root`, or re-repairing a foreign-architecture
/// wheel such as numpy 1.16.6 i686 or pillow 11.3.0 aarch64 on an x86_64 host), an in-wheel
/// library that finds its sibling only through the extension's inherited DT_RPATH was
/// "not found": repair refused a wheel that audit said it could make manylinux_2_5.
#[test]
fn sibling_found_through_the_loaders_rpath_without_libc_in_the_sysroot() {
    let temp = TempDir::new("repair-sibling");
    let root = sysroot(temp.path(), &[]);
    // As built by the `rpath` fixture: libmid has no run path; the extension's DT_RPATH finds
    // libleaf for it at run time.
    let wheel = TestWheel::new("rpathdemo", "1.0", LINUX)
        .elf(
            &format!("rpathdemo/rpath.{X86}"),
            "rpath",
            &format!("rpathdemo/rpath.{X86}"),
        )
        .elf(
            "rpathdemo.libs/libmid.so.1",
            "rpath",
            "rpathdemo.libs/libmid.so.1",
        )
        .elf(
            "rpathdemo.libs/libleaf.so.1",
            "rpath",
            "rpathdemo.libs/libleaf.so.1",
        )
        .build(temp.path());
    let repaired = repair(temp.path(), &wheel, &root, &[], &[]);
    insta::assert_snapshot!(render(&repaired.output, temp.path()), @r"
    exit_code: 0
    ----- stdout -----
    [TEMP]/out/rpathdemo-1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl
    ----- stderr -----
    ");
    // Nothing to graft: only the tags change.
    let path = repaired.path.unwrap();
    let names: BTreeSet<String> = members(&path).into_iter().map(|(p, _)| p).collect();
    assert!(
        names.contains("rpathdemo.libs/libleaf.so.1") && names.len() == 6,
        "{names:?}"
    );
}

/// `--only-plat` writes the requested tag; tags the input already carries stay when they
/// still hold, as auditwheel keeps them.
#[test]
fn only_plat_keeps_existing_tags_that_still_hold() {
    let temp = TempDir::new("repair-only-plat");
    let root = sysroot(temp.path(), &[]);
    let wheel = TestWheel::new("demo", "1.0", "cp311-cp311-manylinux_2_17_x86_64")
        .elf(&ext("memcpy214"), "glibc", &format!("memcpy214.{X86}"))
        .build(temp.path());
    let repaired = repair(
        temp.path(),
        &wheel,
        &root,
        &["--plat", "manylinux_2_28_x86_64", "--only-plat"],
        &[],
    );
    let path = repaired.path.expect("written");
    assert_eq!(
        file_name(&path),
        "demo-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl"
    );
}

/// A musllinux tag on a glibc-linked extension: `--plat auto` writes the manylinux tag the
/// file reaches and drops the false musllinux tag, saying why; asking for the musllinux tag is
/// refused as a usage error, naming both libcs.
#[test]
fn musllinux_tag_on_glibc_elf_is_repaired_to_manylinux() {
    let temp = TempDir::new("repair-musl-tag-glibc-elf");
    let root = sysroot(temp.path(), &[]);
    let wheel = TestWheel::new("demo", "1.0", "cp311-cp311-musllinux_1_2_x86_64")
        .elf(&ext("memfd"), "glibc", &format!("memfd.{X86}"))
        .build(temp.path());
    let repaired = repair(temp.path(), &wheel, &root, &["--plat", "auto"], &[]);
    insta::assert_snapshot!(render(&repaired.output, temp.path()), @r"
    exit_code: 0
    ----- stdout -----
    [TEMP]/out/demo-1.0-cp311-cp311-manylinux_2_27_x86_64.whl
    ----- stderr -----
    wheelfix: demo-1.0-cp311-cp311-musllinux_1_2_x86_64.whl: dropped musllinux_1_2_x86_64: the tag is for musl, but the ELF files are linked against glibc
    ");
    let refused = repair(
        temp.path(),
        &wheel,
        &root,
        &["--plat", "musllinux_1_2_x86_64"],
        &[],
    );
    insta::assert_snapshot!(render(&refused.output, temp.path()), @r"
    exit_code: 2
    ----- stdout -----
    ----- stderr -----
    wheelfix: error: [TEMP]/demo-1.0-cp311-cp311-musllinux_1_2_x86_64.whl: `--plat musllinux_1_2_x86_64` is for musl but the wheel is linked against glibc
    ");
}
