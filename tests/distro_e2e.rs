//! End to end for `wheelfix repair --distro debian` (issue 5's evidence): a psycopg2 wheel
//! built from its sdist gets `Requires-External: libpq5 (>= …)` and `libc6 (>= …)`; pip
//! installs it and `importlib.metadata` reads the field back; a small .deb takes its Depends
//! from `--substvars` through `dpkg-gencontrol`, is built with `dpkg-deb`, installs with
//! `apt-get install ./x.deb`, and the import works with the system Python.
//!
//! The wheel comes from `cargo xtask built-wheels` (psycopg2's pinned sdist, built against
//! libpq-dev; see `tests/built-wheels/recipes.json`). The test installs and removes the package
//! `python3-wheelfix-demo` system-wide, so it needs root. A missing tool → `skipped: …`, or a
//! failure under `WHEELFIX_REQUIRE_ORACLES=1`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use wheelfix_wheel::Wheel;

use crate::support::{TempDir, oracle, skip_or_fail, wheelfix};

const PACKAGE: &str = "python3-wheelfix-demo";
const SITE: &str = "/opt/wheelfix-demo/site-packages";
const PYTHON: &str = "/usr/bin/python3";

/// Run a command; its stdout, or a panic with everything it printed.
#[track_caller]
fn run(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({})\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Everything the test needs, or why not.
fn prerequisites() -> Option<()> {
    for tool in [
        "curl",
        "sha256sum",
        "dpkg-gencontrol",
        "dpkg-deb",
        "dpkg",
        "apt-get",
    ] {
        oracle(tool)?;
    }
    if !Path::new(PYTHON).exists()
        || !Command::new(PYTHON)
            .args(["-c", "import venv, ensurepip"])
            .output()
            .is_ok_and(|o| o.status.success())
    {
        skip_or_fail("the system Python with venv is needed (apt-get install python3-venv)");
        return None;
    }
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        skip_or_fail("installing a .deb with apt-get needs root");
        return None;
    }
    Some(())
}

/// The psycopg2 wheel built from its pinned sdist by `cargo xtask built-wheels`.
fn built_psycopg2() -> Option<PathBuf> {
    crate::support::built::built_wheel("psycopg2").map(|wheel| wheel.path)
}

/// Unpack a wheel into a directory, as pip would lay out site-packages.
fn unpack(wheel: &Path, dir: &Path) {
    let bytes = std::fs::read(wheel).unwrap();
    let name = wheel.file_name().unwrap().to_str().unwrap();
    let opened = Wheel::open(name, &bytes).unwrap();
    for member in opened.members().iter().filter(|m| !m.is_dir) {
        let dest = dir.join(&member.path);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::write(dest, opened.read_verified(member).unwrap()).unwrap();
    }
}

/// Removes the demo package when dropped, so a failing assertion leaves the system clean.
struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = Command::new("dpkg").args(["-r", PACKAGE]).output();
    }
}

fn is_installed() -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", PACKAGE])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

fn apt_get(args: &[&str], cwd: &Path) -> String {
    run(Command::new("apt-get")
        .args(["-y", "-q", "-o", "DPkg::Lock::Timeout=600"])
        .args(args)
        .current_dir(cwd)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

#[test]
fn psycopg2_from_sdist_to_an_installed_deb() {
    if prerequisites().is_none() {
        return;
    }
    let start = Instant::now();
    let Some(wheel) = built_psycopg2() else {
        return;
    };
    let built = start.elapsed();
    let temp = TempDir::new("e2e");
    let debian_12 = std::fs::read_to_string("/etc/os-release")
        .is_ok_and(|t| t.contains("ID=debian") && t.contains("VERSION_ID=\"12\""));

    // 1. Repair, writing the substvars of the package built below.
    let pkg = temp.path().join("wheelfix-demo");
    let debian = pkg.join("debian");
    std::fs::create_dir_all(&debian).unwrap();
    let substvars = debian.join(format!("{PACKAGE}.substvars"));
    std::fs::write(&substvars, "misc:Depends=\n").unwrap();
    let dist = temp.path().join("dist");
    let t = Instant::now();
    let output = wheelfix(&[
        "repair",
        "--distro",
        "debian",
        wheel.to_str().unwrap(),
        "-w",
        dist.to_str().unwrap(),
        "--substvars",
        substvars.to_str().unwrap(),
    ]);
    let repair_time = t.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("not for PyPI"), "{stderr}");
    let repaired = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    assert!(
        repaired
            .to_string_lossy()
            .ends_with("-cp311-cp311-linux_x86_64.whl"),
        "{}",
        repaired.display()
    );
    let bytes = std::fs::read(&repaired).unwrap();
    let opened = Wheel::open(repaired.file_name().unwrap().to_str().unwrap(), &bytes).unwrap();
    let requires: Vec<String> = opened
        .metadata
        .get_all("Requires-External")
        .map(str::to_owned)
        .collect();
    if debian_12 {
        assert_eq!(requires, ["libc6 (>= 2.14)", "libpq5 (>= 10~~)"]);
    } else {
        assert!(
            requires.iter().any(|r| r.starts_with("libc6 (>= "))
                && requires.iter().any(|r| r.starts_with("libpq5 (>= ")),
            "{requires:?}"
        );
    }
    let depends = requires.join(", ");
    assert_eq!(
        std::fs::read_to_string(&substvars).unwrap(),
        format!("misc:Depends=\nwheelfix:Depends={depends}\n")
    );

    // 2. pip installs it; importlib.metadata reads the field back and lists the sidecar.
    let t = Instant::now();
    let venv = temp.path().join("venv");
    run(Command::new(PYTHON).args(["-m", "venv"]).arg(&venv));
    run(Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "--no-index",
            "--no-deps",
            "--disable-pip-version-check",
        ])
        .arg(&repaired));
    let report = run(Command::new(venv.join("bin/python")).args([
        "-c",
        "import importlib.metadata as m, json, psycopg2\n\
         d = m.distribution('psycopg2')\n\
         print(json.dumps({'requires': d.metadata.get_all('Requires-External'),\n\
                           'sidecar': [str(f) for f in d.files if f.name == 'wheelfix-system-deps.json'],\n\
                           'libpq': psycopg2.extensions.libpq_version()}))",
    ]));
    let pip_time = t.elapsed();
    let report: serde_json::Value = serde_json::from_str(report.trim()).unwrap();
    assert_eq!(report["requires"], serde_json::json!(requires));
    assert_eq!(
        report["sidecar"],
        serde_json::json!(["psycopg2-2.9.10.dist-info/wheelfix-system-deps.json"])
    );
    assert!(
        report["libpq"].as_u64().is_some_and(|v| v >= 100_000),
        "{report}"
    );
    // `deps` on the venv's site-packages finds the installed sidecar.
    let site = venv.join("lib/python3.11/site-packages");
    if site.is_dir() {
        let merged = wheelfix(&["deps", "--distro", "debian", site.to_str().unwrap()]);
        assert_eq!(
            String::from_utf8_lossy(&merged.stdout),
            format!("{depends}\n"),
            "{}",
            String::from_utf8_lossy(&merged.stderr)
        );
    }

    // 3. A .deb whose Depends comes from the substvars, through dpkg-gencontrol.
    let t = Instant::now();
    std::fs::write(
        debian.join("control"),
        format!(
            "Source: wheelfix-demo\nSection: python\nPriority: optional\n\
             Maintainer: wheelfix tests <tests@wheelfix.invalid>\n\n\
             Package: {PACKAGE}\nArchitecture: any\n\
             Depends: ${{misc:Depends}}, ${{wheelfix:Depends}}\n\
             Description: wheelfix end-to-end demo\n \
             psycopg2 from a wheel repaired with wheelfix repair --distro debian.\n"
        ),
    )
    .unwrap();
    std::fs::write(
        debian.join("changelog"),
        "wheelfix-demo (1.0) unstable; urgency=medium\n\n  * End-to-end test package.\n\n \
         -- wheelfix tests <tests@wheelfix.invalid>  Sat, 21 Nov 2026 00:00:00 +0000\n",
    )
    .unwrap();
    let staging = debian.join(PACKAGE);
    unpack(&repaired, &staging.join(SITE.trim_start_matches('/')));
    let launcher = staging.join("usr/bin/wheelfix-demo");
    std::fs::create_dir_all(launcher.parent().unwrap()).unwrap();
    std::fs::write(
        &launcher,
        format!(
            "#!/bin/sh\nexec {PYTHON} -c 'import sys; sys.path.insert(0, \"{SITE}\"); import psycopg2; print(psycopg2.extensions.libpq_version())'\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &launcher,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    std::fs::create_dir_all(staging.join("DEBIAN")).unwrap();
    run(Command::new("dpkg-gencontrol")
        .arg(format!("-p{PACKAGE}"))
        .arg(format!("-Tdebian/{PACKAGE}.substvars"))
        .arg(format!("-Pdebian/{PACKAGE}"))
        .current_dir(&pkg));
    let deb = temp.path().join(format!("{PACKAGE}_1.0.deb"));
    run(Command::new("dpkg-deb")
        .args(["--build", "--root-owner-group"])
        .arg(&staging)
        .arg(&deb));
    let field = run(Command::new("dpkg-deb").arg("-f").arg(&deb).arg("Depends"));
    assert_eq!(field.trim(), depends);
    let deb_time = t.elapsed();

    // 4. apt-get installs it (the dependencies are satisfied), the import works with the
    // system Python, and it goes away again.
    let t = Instant::now();
    if is_installed() {
        run(Command::new("dpkg").args(["-r", PACKAGE]));
    }
    let guard = Installed;
    apt_get(
        &[
            "install",
            &format!("./{}", deb.file_name().unwrap().to_str().unwrap()),
        ],
        temp.path(),
    );
    let status = run(Command::new("dpkg").args(["-s", PACKAGE]));
    assert!(status.contains("Status: install ok installed"), "{status}");
    assert!(
        status.contains(&format!("\nDepends: {depends}\n")),
        "{status}"
    );
    let version = run(Command::new(PYTHON).args([
        "-c",
        &format!(
            "import sys; sys.path.insert(0, \"{SITE}\"); import psycopg2; print(psycopg2.extensions.libpq_version())"
        ),
    ]));
    assert!(
        version.trim().parse::<u64>().is_ok_and(|v| v >= 100_000),
        "{version}"
    );
    assert_eq!(run(&mut Command::new("/usr/bin/wheelfix-demo")), version);
    apt_get(&["remove", PACKAGE], temp.path());
    assert!(!is_installed());
    drop(guard);
    let apt_time = t.elapsed();

    eprintln!(
        "e2e timings: wheel {:.1}s ({}), repair {:.0}ms, venv+pip+import {:.1}s, .deb {:.1}s, apt install+import+remove {:.1}s, total {:.1}s",
        built.as_secs_f64(),
        if built.as_secs() < 2 {
            "cached"
        } else {
            "built from sdist"
        },
        repair_time.as_secs_f64() * 1000.0,
        pip_time.as_secs_f64(),
        deb_time.as_secs_f64(),
        apt_time.as_secs_f64(),
        start.elapsed().as_secs_f64()
    );
}
