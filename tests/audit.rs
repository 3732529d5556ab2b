//! `wheelfix audit` on wheels assembled from the committed fixtures: one line of expectations
//! per case (the verdicts auditwheel 6.8.1 gives, recorded in `testdata/elf/README.md`, plus
//! what wheelfix adds), snapshots of the human and JSON reports, and exit codes.
//!
//! Tests resolve against an empty sysroot (`--root`) unless they build one, so verdicts do not
//! depend on the machine running them.

use std::path::Path;

use crate::support::{TempDir, TestWheel, json_lines, render, wheelfix};

const X86: &str = "cpython-311-x86_64-linux-gnu.so";

/// Audit a wheel holding `members` (`(path in wheel, fixture case, fixture file)`) and compare
/// a one-line summary of the JSON report.
#[track_caller]
fn check(tag: &str, members: &[(&str, &str, &str)], args: &[&str], expect: &str) {
    let temp = TempDir::new("audit");
    let root = temp.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    let mut wheel = TestWheel::new("demo", "1.0", tag).file("demo/__init__.py", "");
    for (path, case, file) in members {
        wheel = wheel.elf(path, case, file);
    }
    let path = wheel.build(temp.path());
    let mut full_args = vec![
        "audit",
        "--format",
        "json",
        "--root",
        root.to_str().unwrap(),
    ];
    full_args.extend_from_slice(args);
    full_args.push(path.to_str().unwrap());
    let output = wheelfix(&full_args);
    let reports = json_lines(&output);
    let report = &reports[0];
    let mut summary = format!(
        "exit={} overall={} sym={}",
        output.status.code().unwrap_or(-1),
        report["overall_tag"].as_str().unwrap_or("-"),
        report["sym_tag"].as_str().unwrap_or("-")
    );
    if report["repairable_tag"] != report["overall_tag"] {
        summary.push_str(&format!(
            " repairable={}",
            report["repairable_tag"].as_str().unwrap_or("-")
        ));
    }
    if let Some(external) = report["external_libs"]
        .as_object()
        .filter(|e| !e.is_empty())
    {
        let libs: Vec<String> = external
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("null")))
            .collect();
        summary.push_str(&format!(" external={}", libs.join(",")));
    }
    for flag in ["pyfpe", "ucs2", "unsupported_isa"] {
        if report[flag] == true {
            summary.push_str(&format!(" {flag}"));
        }
    }
    if let Some(stack) = report["executable_stack"]
        .as_array()
        .filter(|s| !s.is_empty())
    {
        summary.push_str(&format!(" execstack={}", stack.len()));
    }
    if let Some(error) = report["error"].as_str() {
        summary.push_str(&format!(" error={error}"));
    }
    assert_eq!(summary, expect, "{}", render(&output, temp.path()));
}

fn ext(file: &str) -> String {
    format!("demo/{file}.{X86}")
}

#[track_caller]
fn check_x86(case: &str, file: &str, expect: &str) {
    let member = ext(file);
    let fixture_file = format!("{file}.{X86}");
    check(
        "cp311-cp311-linux_x86_64",
        &[(&member, case, &fixture_file)],
        &[],
        expect,
    );
}

#[test]
fn glibc_symbol_versions() {
    check_x86(
        "glibc",
        "old",
        "exit=1 overall=manylinux_2_5_x86_64 sym=manylinux_2_5_x86_64",
    );
    check_x86(
        "glibc",
        "memcpy214",
        "exit=1 overall=manylinux_2_17_x86_64 sym=manylinux_2_17_x86_64",
    );
    check_x86(
        "glibc",
        "memfd",
        "exit=1 overall=manylinux_2_27_x86_64 sym=manylinux_2_27_x86_64",
    );
    check_x86(
        "glibc",
        "toonew",
        "exit=1 overall=manylinux_2_36_x86_64 sym=manylinux_2_36_x86_64",
    );
    check_x86(
        "glibc",
        "relr",
        "exit=1 overall=manylinux_2_36_x86_64 sym=manylinux_2_36_x86_64",
    );
    check_x86(
        "glibc",
        "private",
        "exit=1 overall=linux_x86_64 sym=linux_x86_64",
    );
    // `__rseq_offset@GLIBC_2.35` is needed from the loader, `ld-linux-x86-64.so.2`. auditwheel
    // skips loader needs and says manylinux_2_5, but glibc < 2.35 refuses to load this file.
    check_x86(
        "glibc",
        "ldso",
        "exit=1 overall=manylinux_2_35_x86_64 sym=manylinux_2_35_x86_64",
    );
}

#[test]
fn every_symbol_version_prefix() {
    check_x86(
        "cxx",
        "cxx",
        "exit=1 overall=manylinux_2_24_x86_64 sym=manylinux_2_24_x86_64",
    );
    check_x86(
        "cxx",
        "cxxold",
        "exit=1 overall=manylinux_2_5_x86_64 sym=manylinux_2_5_x86_64",
    );
    check_x86(
        "cxx",
        "sized",
        "exit=1 overall=manylinux_2_24_x86_64 sym=manylinux_2_24_x86_64",
    );
    check_x86(
        "gcc_s",
        "unwind",
        "exit=1 overall=manylinux_2_5_x86_64 sym=manylinux_2_5_x86_64",
    );
    check_x86(
        "gcc_s",
        "half",
        "exit=1 overall=manylinux_2_35_x86_64 sym=manylinux_2_35_x86_64",
    );
    check_x86(
        "libatomic",
        "atomic",
        "exit=1 overall=manylinux_2_24_x86_64 sym=manylinux_2_24_x86_64",
    );
    check_x86(
        "zlib",
        "zlib",
        "exit=1 overall=manylinux_2_17_x86_64 sym=manylinux_2_17_x86_64",
    );
    check_x86(
        "zlib",
        "zlib129",
        "exit=1 overall=manylinux_2_27_x86_64 sym=manylinux_2_27_x86_64",
    );
}

#[test]
fn blacklisted_symbols_strong_and_weak() {
    check_x86(
        "blacklist",
        "blk",
        "exit=1 overall=manylinux_2_24_x86_64 sym=manylinux_2_5_x86_64",
    );
    check_x86(
        "blacklist",
        "blkweak",
        "exit=1 overall=manylinux_2_5_x86_64 sym=manylinux_2_5_x86_64",
    );
    check_x86(
        "blacklist",
        "zblk",
        "exit=1 overall=linux_x86_64 sym=manylinux_2_5_x86_64",
    );
    let aarch64 = "cpython-311-aarch64-linux-gnu.so";
    check(
        "cp311-cp311-linux_aarch64",
        &[(
            &format!("demo/blk.{aarch64}"),
            "blacklist",
            &format!("blk.{aarch64}"),
        )],
        &[],
        "exit=1 overall=manylinux_2_24_aarch64 sym=manylinux_2_17_aarch64",
    );
    check(
        "cp311-cp311-linux_aarch64",
        &[(
            &format!("demo/blkweak.{aarch64}"),
            "blacklist",
            &format!("blkweak.{aarch64}"),
        )],
        &[],
        "exit=1 overall=manylinux_2_17_aarch64 sym=manylinux_2_17_aarch64",
    );
}

#[test]
fn library_inside_the_wheel_through_origin() {
    let demo_ext = format!("demo/ext.{X86}");
    let lib = ("demo.libs/libdemo.so.1", "origin", "demo.libs/libdemo.so.1");
    check(
        "cp311-cp311-manylinux_2_17_x86_64",
        &[(&demo_ext, "origin", &demo_ext), lib],
        &[],
        "exit=0 overall=manylinux_2_17_x86_64 sym=manylinux_2_17_x86_64",
    );
    let brace = format!("demo/extbrace.{X86}");
    check(
        "cp311-cp311-manylinux_2_17_x86_64",
        &[(&brace, "origin", &brace), lib],
        &[],
        "exit=0 overall=manylinux_2_17_x86_64 sym=manylinux_2_17_x86_64",
    );
    check(
        "cp311-cp311-manylinux_2_17_x86_64",
        &[(&demo_ext, "origin", &demo_ext)],
        &[],
        "exit=1 overall=linux_x86_64 sym=manylinux_2_5_x86_64 repairable=manylinux_2_5_x86_64 external=libdemo.so.1=null",
    );
}

#[test]
fn external_library_found_in_a_sysroot() {
    let temp = TempDir::new("sysroot");
    let root = temp.path().join("root");
    let lib_dir = root.join("usr/lib/x86_64-linux-gnu");
    std::fs::create_dir_all(&lib_dir).unwrap();
    std::fs::create_dir_all(root.join("etc/ld.so.conf.d")).unwrap();
    std::fs::write(
        root.join("etc/ld.so.conf"),
        "include /etc/ld.so.conf.d/*.conf\n",
    )
    .unwrap();
    std::fs::write(
        root.join("etc/ld.so.conf.d/x86_64-linux-gnu.conf"),
        "/usr/lib/x86_64-linux-gnu\n",
    )
    .unwrap();
    std::fs::write(
        lib_dir.join("libdemo.so.1.0"),
        crate::support::fixture("origin", "demo.libs/libdemo.so.1"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        "/usr/lib/x86_64-linux-gnu/libdemo.so.1.0",
        lib_dir.join("libdemo.so.1"),
    )
    .unwrap();
    let demo_ext = format!("demo/ext.{X86}");
    let path = TestWheel::new("demo", "1.0", "cp311-cp311-linux_x86_64")
        .elf(&demo_ext, "origin", &demo_ext)
        .build(temp.path());
    let output = wheelfix(&[
        "audit",
        "--format",
        "json",
        "--root",
        root.to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    let report = &json_lines(&output)[0];
    assert_eq!(
        report["external_libs"]["libdemo.so.1"],
        "/usr/lib/x86_64-linux-gnu/libdemo.so.1.0",
        "{}",
        render(&output, temp.path())
    );
    // The grafted library's own GLIBC_2.14 need decides the tag repair can reach.
    assert_eq!(report["repairable_tag"], "manylinux_2_17_x86_64");
    assert_eq!(report["overall_tag"], "linux_x86_64");
    assert_eq!(
        report["versioned_symbols"]["libc.so.6"],
        serde_json::json!(["GLIBC_2.14", "GLIBC_2.2.5"])
    );
    // `--exclude` by soname makes it someone else's library.
    let output = wheelfix(&[
        "audit",
        "--format",
        "json",
        "--root",
        root.to_str().unwrap(),
        "--exclude",
        "libdemo.so*",
        path.to_str().unwrap(),
    ]);
    assert_eq!(
        json_lines(&output)[0]["overall_tag"],
        "manylinux_2_5_x86_64"
    );
}

#[test]
fn missing_external_library() {
    check_x86(
        "external",
        "missing",
        "exit=1 overall=linux_x86_64 sym=manylinux_2_5_x86_64 repairable=manylinux_2_5_x86_64 external=libfoo_missing.so.1=null",
    );
}

#[test]
fn rpath_and_runpath() {
    let libs = [
        (
            "rpathdemo.libs/libmid.so.1",
            "rpath",
            "rpathdemo.libs/libmid.so.1",
        ),
        (
            "rpathdemo.libs/libleaf.so.1",
            "rpath",
            "rpathdemo.libs/libleaf.so.1",
        ),
    ];
    for (name, expect) in [
        (
            "rpath",
            "exit=1 overall=manylinux_2_5_x86_64 sym=manylinux_2_5_x86_64",
        ),
        (
            "runpath",
            "exit=1 overall=manylinux_2_5_x86_64 sym=manylinux_2_5_x86_64",
        ),
        (
            "bothgone",
            "exit=1 overall=manylinux_2_5_x86_64 sym=manylinux_2_5_x86_64",
        ),
        (
            "both",
            "exit=1 overall=linux_x86_64 sym=manylinux_2_5_x86_64 repairable=manylinux_2_5_x86_64 external=libmid.so.1=null",
        ),
    ] {
        let member = format!("rpathdemo/{name}.{X86}");
        let mut members = vec![(member.as_str(), "rpath", member.as_str())];
        members.extend_from_slice(&libs);
        check("cp311-cp311-linux_x86_64", &members, &[], expect);
    }
}

#[test]
fn isa_levels() {
    check_x86(
        "isa",
        "isabase",
        "exit=1 overall=manylinux_2_5_x86_64 sym=manylinux_2_5_x86_64",
    );
    for level in ["isav2", "isav3", "isav4"] {
        check_x86(
            "isa",
            level,
            "exit=1 overall=linux_x86_64 sym=manylinux_2_5_x86_64 unsupported_isa",
        );
    }
    let member = ext("isav3");
    check(
        "cp311-cp311-linux_x86_64",
        &[(&member, "isa", &format!("isav3.{X86}"))],
        &["--disable-isa-ext-check"],
        "exit=1 overall=manylinux_2_5_x86_64 sym=manylinux_2_5_x86_64",
    );
}

#[test]
fn executable_stack_is_reported() {
    check_x86(
        "execstack",
        "execstack",
        "exit=1 overall=manylinux_2_5_x86_64 sym=manylinux_2_5_x86_64 execstack=1",
    );
    check_x86(
        "execstack",
        "noexecstack",
        "exit=1 overall=manylinux_2_5_x86_64 sym=manylinux_2_5_x86_64",
    );
}

#[test]
fn pyfpe_and_ucs2() {
    check_x86(
        "pyfpe",
        "fpe",
        "exit=1 overall=linux_x86_64 sym=manylinux_2_5_x86_64 pyfpe",
    );
    check_x86(
        "pyfpe",
        "fpenotype",
        "exit=1 overall=linux_x86_64 sym=manylinux_2_5_x86_64 pyfpe",
    );
    check(
        "cp27-cp27mu-linux_x86_64",
        &[("foo.so", "pyfpe", "foo.so")],
        &[],
        "exit=1 overall=linux_x86_64 sym=manylinux_2_5_x86_64 ucs2",
    );
}

#[test]
fn cross_architectures_elf32_and_big_endian() {
    for (multiarch, arch, expect) in [
        ("i386-linux-gnu", "i686", "manylinux_2_5_i686"),
        ("arm-linux-gnueabihf", "armv7l", "manylinux_2_17_armv7l"),
        ("aarch64-linux-gnu", "aarch64", "manylinux_2_17_aarch64"),
        ("powerpc64le-linux-gnu", "ppc64le", "manylinux_2_17_ppc64le"),
        ("powerpc64-linux-gnu", "ppc64", "manylinux_2_17_ppc64"),
        ("s390x-linux-gnu", "s390x", "manylinux_2_17_s390x"),
        ("riscv64-linux-gnu", "riscv64", "manylinux_2_31_riscv64"),
    ] {
        let file = format!("ext.cpython-311-{multiarch}.so");
        let member = format!("demo/{file}");
        check(
            &format!("cp311-cp311-{expect}"),
            &[(&member, "cross", &file)],
            &[],
            &format!("exit=0 overall={expect} sym={expect}"),
        );
        let _ = arch;
    }
}

#[test]
fn soft_float_arm_is_not_armv7l() {
    let file = "ext.cpython-311-arm-linux-gnueabi.so";
    let temp = TempDir::new("softfloat");
    let path = TestWheel::new("demo", "1.0", "cp311-cp311-linux_armv7l")
        .elf(&format!("demo/{file}"), "cross", file)
        .build(temp.path());
    let output = wheelfix(&["audit", path.to_str().unwrap()]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        render(&output, temp.path())
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("soft-float"), "{stderr}");
}

#[test]
fn musl_version_comes_from_the_claimed_tag_not_the_host() {
    let file = "ext.cpython-311-x86_64-linux-musl.so";
    let member = format!("demo/{file}");
    check(
        "cp311-cp311-musllinux_1_1_x86_64",
        &[(&member, "musl", file)],
        &[],
        "exit=0 overall=musllinux_1_1_x86_64 sym=musllinux_1_1_x86_64",
    );
    check(
        "cp311-cp311-musllinux_1_2_x86_64",
        &[(&member, "musl", file)],
        &[],
        "exit=0 overall=musllinux_1_2_x86_64 sym=musllinux_1_2_x86_64",
    );
    // With no claim and no --plat, the newest known musl is assumed.
    check(
        "cp311-cp311-linux_x86_64",
        &[(&member, "musl", file)],
        &[],
        "exit=1 overall=musllinux_1_2_x86_64 sym=musllinux_1_2_x86_64",
    );
    check(
        "cp311-cp311-linux_x86_64",
        &[(&member, "musl", file)],
        &["--plat", "musllinux_1_1_x86_64"],
        "exit=0 overall=musllinux_1_1_x86_64 sym=musllinux_1_1_x86_64",
    );
    check(
        "cp311-cp311-musllinux_1_2_x86_64",
        &[(&member, "musl", file), ("demo/helper", "musl", "helper")],
        &[],
        "exit=0 overall=musllinux_1_2_x86_64 sym=musllinux_1_2_x86_64",
    );
}

#[test]
fn plat_asks_whether_a_tag_is_met_as_is() {
    let member = ext("memcpy214");
    let file = format!("memcpy214.{X86}");
    check(
        "cp311-cp311-linux_x86_64",
        &[(&member, "glibc", &file)],
        &["--plat", "manylinux2014_x86_64"],
        "exit=0 overall=manylinux_2_17_x86_64 sym=manylinux_2_17_x86_64",
    );
    check(
        "cp311-cp311-linux_x86_64",
        &[(&member, "glibc", &file)],
        &["--plat", "manylinux_2_12_x86_64"],
        "exit=1 overall=manylinux_2_17_x86_64 sym=manylinux_2_17_x86_64",
    );
}

#[test]
fn claimed_tags_must_be_true() {
    let member = ext("memfd");
    let file = format!("memfd.{X86}");
    check(
        "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
        &[(&member, "glibc", &file)],
        &[],
        "exit=1 overall=manylinux_2_27_x86_64 sym=manylinux_2_27_x86_64",
    );
    check(
        "cp311-cp311-manylinux_2_28_x86_64",
        &[(&member, "glibc", &file)],
        &[],
        "exit=0 overall=manylinux_2_27_x86_64 sym=manylinux_2_27_x86_64",
    );
}

#[test]
fn too_new_versions_name_symbols_and_files() {
    let temp = TempDir::new("toonew");
    let member = ext("toonew");
    let path = TestWheel::new("demo", "1.0", "cp311-cp311-manylinux_2_17_x86_64")
        .elf(&member, "glibc", &format!("toonew.{X86}"))
        .build(temp.path());
    let output = wheelfix(&[
        "audit",
        "--format",
        "json",
        "--root",
        temp.path().to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    let report = &json_lines(&output)[0];
    let upgrade = &report["policy_upgrades"]["manylinux_2_35_x86_64"]["too_new_symbol_versions"][0];
    assert_eq!(upgrade["version"], "GLIBC_2.36");
    assert_eq!(upgrade["library"], "libc.so.6");
    assert_eq!(
        upgrade["needed_by"][&member],
        serde_json::json!(["arc4random"])
    );
    assert_eq!(
        report["claimed_tags"],
        serde_json::json!([{"tag": "manylinux_2_17_x86_64", "met": false}])
    );
}

#[test]
fn human_report_snapshot() {
    let temp = TempDir::new("human");
    let member = ext("toonew");
    let path = TestWheel::new("demo", "1.0", "cp311-cp311-manylinux_2_17_x86_64")
        .file("demo/__init__.py", "")
        .elf(&member, "glibc", &format!("toonew.{X86}"))
        .elf(&ext("execstack"), "execstack", &format!("execstack.{X86}"))
        .build(temp.path());
    let output = wheelfix(&[
        "audit",
        "--root",
        temp.path().to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    insta::assert_snapshot!(render(&output, temp.path()), @r"
    exit_code: 1
    ----- stdout -----
    [TEMP]/demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl
      verdict:  manylinux_2_36_x86_64 as it is
      claimed:  manylinux_2_17_x86_64 NO
      symbols:  libc.so.6: GLIBC_2.2.5 GLIBC_2.36
      better tags out of reach:
        GLIBC_2.36 from libc.so.6 is too new: rules out manylinux_2_35_x86_64 and older
          demo/toonew.cpython-311-x86_64-linux-gnu.so: arc4random
      warning:  demo/execstack.cpython-311-x86_64-linux-gnu.so requests an executable stack (glibc 2.41+ and Debian 13 refuse to load it)
      result:   FAIL: claimed manylinux_2_17_x86_64 not met
    ----- stderr -----
    ");
}

#[test]
fn pure_wheels_are_reported_as_such() {
    let temp = TempDir::new("pure");
    let path = TestWheel::new("purepkg", "2.0", "py3-none-any")
        .file("purepkg/__init__.py", "x = 1\n")
        .build(temp.path());
    let output = wheelfix(&["audit", path.to_str().unwrap()]);
    insta::assert_snapshot!(render(&output, temp.path()), @r"
    exit_code: 0
    ----- stdout -----
    [TEMP]/purepkg-2.0-py3-none-any.whl
      verdict:  pure Python wheel (no ELF files); no platform tag needed
      result:   ok
    ----- stderr -----
    ");
    let output = wheelfix(&["audit", "--format", "json", path.to_str().unwrap()]);
    let report = &json_lines(&output)[0];
    assert_eq!(report["pure"], true);
    assert_eq!(report["schema_version"], 1);
}

#[test]
fn directories_and_many_wheels_in_one_run() {
    let temp = TempDir::new("many");
    for index in 0..12 {
        let name = format!("pkg{index}");
        let member = format!("{name}/old.{X86}");
        TestWheel::new(&name, "1.0", "cp311-cp311-manylinux_2_5_x86_64")
            .elf(&member, "glibc", &format!("old.{X86}"))
            .build(temp.path());
    }
    let output = wheelfix(&["audit", "--format", "json", temp.path().to_str().unwrap()]);
    let reports = json_lines(&output);
    assert_eq!(reports.len(), 12);
    assert!(reports.iter().all(|r| r["passed"] == true));
    assert_eq!(output.status.code(), Some(0));
    assert!(
        Path::new(&reports[0]["path"].as_str().unwrap().to_owned())
            .ends_with("pkg0-1.0-cp311-cp311-manylinux_2_5_x86_64.whl")
    );
}

#[test]
fn lddtree_prints_the_resolved_tree() {
    let temp = TempDir::new("lddtree");
    let root = temp.path().join("root");
    let lib_dir = root.join("usr/lib");
    std::fs::create_dir_all(&lib_dir).unwrap();
    std::fs::write(
        lib_dir.join("libdemo.so.1"),
        crate::support::fixture("origin", "demo.libs/libdemo.so.1"),
    )
    .unwrap();
    let ext = temp.path().join("ext.so");
    std::fs::write(
        &ext,
        crate::support::fixture("origin", &format!("demo/ext.{X86}")),
    )
    .unwrap();
    let output = wheelfix(&[
        "lddtree",
        "--root",
        root.to_str().unwrap(),
        ext.to_str().unwrap(),
    ]);
    insta::assert_snapshot!(render(&output, temp.path()), @r"
    exit_code: 0
    ----- stdout -----
    [TEMP]/ext.so
      libdemo.so.1 => /usr/lib/libdemo.so.1
        libc.so.6 => not found
      libc.so.6 => not found (see above)
    ----- stderr -----
    ");
    let output = wheelfix(&[
        "lddtree",
        "--format",
        "json",
        "--root",
        root.to_str().unwrap(),
        ext.to_str().unwrap(),
    ]);
    let report = &json_lines(&output)[0];
    assert_eq!(
        report["libraries"]["libdemo.so.1"]["realpath"],
        "/usr/lib/libdemo.so.1"
    );
    assert_eq!(
        report["needed"],
        serde_json::json!(["libdemo.so.1", "libc.so.6"])
    );
}

#[test]
fn elf_files_in_data_scripts_are_audited_and_in_purelib_are_a_problem() {
    let script = "demo-1.0.data/scripts/helper";
    check(
        "cp311-cp311-manylinux_2_34_x86_64",
        &[(script, "scripts", "helper")],
        &[],
        "exit=0 overall=manylinux_2_34_x86_64 sym=manylinux_2_34_x86_64",
    );
    let purelib = format!("demo-1.0.data/purelib/demo/old.{X86}");
    check(
        "cp311-cp311-manylinux_2_5_x86_64",
        &[(&purelib, "glibc", &format!("old.{X86}"))],
        &[],
        "exit=1 overall=linux_x86_64 sym=manylinux_2_5_x86_64",
    );
}

#[test]
fn plat_of_another_libc_is_refused_with_the_reason() {
    let temp = TempDir::new("plat-libc");
    let path = TestWheel::new("demo", "1.0", "cp311-cp311-linux_x86_64")
        .elf(&ext("old"), "glibc", &format!("old.{X86}"))
        .build(temp.path());
    let output = wheelfix(&[
        "audit",
        "--plat",
        "musllinux_1_2_x86_64",
        path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "`--plat musllinux_1_2_x86_64` is for musl but the wheel is linked against glibc"
        ),
        "{stderr}"
    );
}

#[test]
fn musllinux_tag_on_glibc_elf_is_a_verdict_not_an_error() {
    // The ELF file decides the libc: the wheel is judged against the manylinux policies, and
    // the musllinux claim is false, naming the file and the libc it is linked against.
    let temp = TempDir::new("musl-tag-glibc-elf");
    let member = ext("memfd");
    let path = TestWheel::new("demo", "1.0", "cp311-cp311-musllinux_1_2_x86_64")
        .file("demo/__init__.py", "")
        .elf(&member, "glibc", &format!("memfd.{X86}"))
        .build(temp.path());
    let output = wheelfix(&[
        "audit",
        "--root",
        temp.path().to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    insta::assert_snapshot!(render(&output, temp.path()), @r"
    exit_code: 1
    ----- stdout -----
    [TEMP]/demo-1.0-cp311-cp311-musllinux_1_2_x86_64.whl
      verdict:  manylinux_2_27_x86_64 as it is
      claimed:  musllinux_1_2_x86_64 NO
      problem:  musllinux_1_2_x86_64 is a tag for musl, but demo/memfd.cpython-311-x86_64-linux-gnu.so is linked against glibc
      symbols:  libc.so.6: GLIBC_2.2.5 GLIBC_2.27
      better tags out of reach:
        GLIBC_2.27 from libc.so.6 is too new: rules out manylinux_2_26_x86_64 and older
          demo/memfd.cpython-311-x86_64-linux-gnu.so: memfd_create
      result:   FAIL: claimed musllinux_1_2_x86_64 not met
    ----- stderr -----
    ");
    let output = wheelfix(&[
        "audit",
        "--format",
        "json",
        "--root",
        temp.path().to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let report = &json_lines(&output)[0];
    assert_eq!(report["libc"], "glibc");
    assert_eq!(report["overall_tag"], "manylinux_2_27_x86_64");
    assert_eq!(
        report["claimed_tags"],
        serde_json::json!([{
            "tag": "musllinux_1_2_x86_64",
            "met": false,
            "libc_mismatch": {"claimed": "musl", "linked": "glibc", "files": [member]},
        }])
    );
    // A file the best tag cannot cover still gets a verdict: linux_x86_64.
    check(
        "cp311-cp311-musllinux_1_2_x86_64",
        &[(&ext("private"), "glibc", &format!("private.{X86}"))],
        &[],
        "exit=1 overall=linux_x86_64 sym=linux_x86_64",
    );
}

#[test]
fn manylinux_tag_on_musl_elf_is_a_verdict_not_an_error() {
    let file = "ext.cpython-311-x86_64-linux-musl.so";
    let member = format!("demo/{file}");
    check(
        "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
        &[(&member, "musl", file)],
        &[],
        "exit=1 overall=musllinux_1_2_x86_64 sym=musllinux_1_2_x86_64",
    );
    let temp = TempDir::new("glibc-tag-musl-elf");
    let path = TestWheel::new("demo", "1.0", "cp311-cp311-manylinux_2_17_x86_64")
        .elf(&member, "musl", file)
        .build(temp.path());
    let output = wheelfix(&[
        "audit",
        "--root",
        temp.path().to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "problem:  manylinux_2_17_x86_64 is a tag for glibc, but {member} is linked against musl"
        )),
        "{stdout}"
    );
}

#[test]
fn mixed_libc_elves_are_judged_by_the_majority_not_the_tag() {
    // Two glibc extensions and a musl one under a musllinux tag: glibc decides, the musl file
    // is ignored with a note, and the musllinux claim is false.
    let musl_file = "ext.cpython-311-x86_64-linux-musl.so";
    let temp = TempDir::new("mixed-libc");
    let path = TestWheel::new("demo", "1.0", "cp311-cp311-musllinux_1_2_x86_64")
        .elf(&ext("old"), "glibc", &format!("old.{X86}"))
        .elf(&format!("demo/{musl_file}"), "musl", musl_file)
        .elf(&ext("memfd"), "glibc", &format!("memfd.{X86}"))
        .build(temp.path());
    let output = wheelfix(&[
        "audit",
        "--format",
        "json",
        "--root",
        temp.path().to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let report = &json_lines(&output)[0];
    assert_eq!(report["libc"], "glibc");
    assert_eq!(
        report["claimed_tags"][0]["libc_mismatch"]["files"],
        serde_json::json!([ext("old"), ext("memfd")])
    );
    assert_eq!(
        report["notes"],
        serde_json::json!([format!(
            "ignored `demo/{musl_file}`: linked against musl; the wheel is judged as glibc, as its other ELF files are"
        )])
    );
}
