//! Bad input: corrupted symbols files, a root without a dpkg database, an unowned library, and
//! ELF files for an architecture the root cannot hold. Each error must name what the user
//! needs to fix it.

use std::path::Path;

use wheelfix_distro::{DistroConfig, UnownedPolicy, UnresolvedReason, WheelElf, analyze};

use crate::root::fake_root_for;
use crate::support::{copy_into_root, require, scratch, wheel_config, wheel_elf};

const PSYCOPG: &str =
    "/usr/lib/python3/dist-packages/psycopg2/_psycopg.cpython-311-x86_64-linux-gnu.so";
const MEMBER: &str = "psycopg2/_psycopg.cpython-311-x86_64-linux-gnu.so";
const LIBPQ_SYMBOLS: &str = "var/lib/dpkg/info/libpq5:amd64.symbols";

fn psycopg() -> Option<WheelElf> {
    require(
        Path::new(PSYCOPG).exists(),
        "python3-psycopg2 is not installed",
    )
    .then(|| wheel_elf(Path::new(PSYCOPG), MEMBER))
}

/// A fake root with what psycopg2's extension needs, built from the host.
fn psycopg_root(name: &str, member: &WheelElf) -> std::path::PathBuf {
    let on_host = analyze(std::slice::from_ref(member), &wheel_config(Path::new("/"))).unwrap();
    fake_root_for(name, &[&on_host])
}

/// Replace `line` (1-based) of a file in the fake root.
fn corrupt_line(root: &Path, file: &str, line: usize, text: &str) {
    let path = root.join(file);
    let content = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = content.lines().collect();
    lines[line - 1] = text;
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn corrupted_symbols_file_names_file_and_line() {
    let Some(member) = psycopg() else {
        return;
    };
    let root = psycopg_root("corrupt-header", &member);
    // A symbol line before any header.
    let content = std::fs::read_to_string(root.join(LIBPQ_SYMBOLS)).unwrap();
    std::fs::write(
        root.join(LIBPQ_SYMBOLS),
        format!(" PQfinish@Base 0\n{content}"),
    )
    .unwrap();
    let error = analyze(std::slice::from_ref(&member), &wheel_config(&root)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "corrupted symbols file `/var/lib/dpkg/info/libpq5:amd64.symbols` line 1: symbol \
         information must be preceded by a header"
    );
    std::fs::remove_dir_all(&root).unwrap();

    // An invalid minimal version on a symbol the extension uses.
    let root = psycopg_root("corrupt-version", &member);
    let content = std::fs::read_to_string(root.join(LIBPQ_SYMBOLS)).unwrap();
    let line = content
        .lines()
        .position(|l| l.starts_with(" PQfinish@Base "))
        .unwrap()
        + 1;
    corrupt_line(&root, LIBPQ_SYMBOLS, line, " PQfinish@Base not-a-version");
    let error = analyze(std::slice::from_ref(&member), &wheel_config(&root)).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "corrupted symbols file `/var/lib/dpkg/info/libpq5:amd64.symbols` line {line}: \
             invalid minimal version: `not-a-version` is not a valid Debian version: version \
             number does not start with digit"
        )
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn missing_dpkg_database() {
    let root = scratch("no-dpkg");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(
        root.join("etc/os-release"),
        "NAME=Fedora\nID=fedora\nVERSION_ID=40\n",
    )
    .unwrap();
    let members: Vec<WheelElf> = Vec::new();
    let error = analyze(&members, &wheel_config(&root)).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "--distro debian requires a dpkg database (found os-release ID=fedora); use --root \
             (`{}` does not exist)",
            root.join("var/lib/dpkg/status").display()
        )
    );
    // No os-release at all: os-release(5) says ID defaults to "linux".
    std::fs::remove_file(root.join("etc/os-release")).unwrap();
    let error = analyze(&members, &wheel_config(&root)).unwrap_err();
    assert!(
        error.to_string().contains("found os-release ID=linux"),
        "{error}"
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn unowned_library_names_soname_path_and_needing_file() {
    let Some(member) = psycopg() else {
        return;
    };
    let root = psycopg_root("unowned", &member);
    // Move libpq out of the packaged location into /usr/local/lib, where no .list names it.
    let packaged = root.join("usr/lib/x86_64-linux-gnu");
    std::fs::create_dir_all(root.join("usr/local/lib")).unwrap();
    for entry in std::fs::read_dir(&packaged).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("libpq.so") {
            std::fs::rename(entry.path(), root.join("usr/local/lib").join(&name)).unwrap();
        }
    }
    let error = analyze(std::slice::from_ref(&member), &wheel_config(&root)).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "no package owns `/usr/local/lib/libpq.so.5` (library `libpq.so.5` needed by \
             `{MEMBER}`); use --unowned vendor to graft it into the wheel, or --unowned ignore"
        )
    );

    let ignore = DistroConfig {
        unowned: UnownedPolicy::Ignore,
        ..wheel_config(&root)
    };
    let analysis = analyze(std::slice::from_ref(&member), &ignore).unwrap();
    assert!(
        !analysis.depends().contains("libpq5"),
        "{}",
        analysis.depends()
    );
    assert_eq!(
        analysis.unresolved[0].reason,
        UnresolvedReason::Unowned {
            path: "/usr/local/lib/libpq.so.5".to_owned()
        }
    );

    // Vendoring returns the library and scans its own NEEDED entries (libssl, ...), which
    // this reduced root does not have: they are reported as not found.
    let vendor = DistroConfig {
        unowned: UnownedPolicy::Vendor,
        not_found: wheelfix_distro::NotFoundPolicy::Ignore,
        ..wheel_config(&root)
    };
    let analysis = analyze(std::slice::from_ref(&member), &vendor).unwrap();
    assert_eq!(analysis.to_vendor.len(), 1);
    assert_eq!(analysis.to_vendor[0].path, "/usr/local/lib/libpq.so.5");
    assert_eq!(analysis.to_vendor[0].needed_by, [MEMBER]);
    assert!(analysis.to_vendor[0].host_path.is_file());
    assert!(
        analysis
            .unresolved
            .iter()
            .any(|u| u.soname == "libssl.so.3" && u.needed_by == "/usr/local/lib/libpq.so.5"),
        "{:?}",
        analysis.unresolved
    );
    std::fs::remove_dir_all(&root).unwrap();
}

/// An ELF whose header says aarch64: a real x86-64 file with `e_machine` changed.
fn as_aarch64(file: &str, member: &str) -> WheelElf {
    let mut bytes = std::fs::read(file).unwrap();
    bytes[18..20].copy_from_slice(&183u16.to_le_bytes());
    WheelElf {
        path: member.to_owned(),
        facts: wheelfix_elf::ElfFacts::parse(&bytes).unwrap(),
    }
}

#[test]
fn foreign_architecture_is_an_error() {
    let Some(member) = psycopg() else {
        return;
    };
    let foreign = as_aarch64(PSYCOPG, "foreign/_ext.so");
    let error = analyze(
        std::slice::from_ref(&foreign),
        &wheel_config(Path::new("/")),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "`foreign/_ext.so` is built for arm64, but the dpkg database in `/` is for amd64; use \
         --root with an unpacked arm64 system"
    );
    let error = analyze(&[member, foreign], &wheel_config(Path::new("/"))).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "mixed-architecture wheel: `{MEMBER}` is ELF64 LSB machine 62 but `foreign/_ext.so` \
             is ELF64 LSB machine 183"
        )
    );
}

#[test]
fn empty_root_reports_missing_libraries() {
    // A root whose status lists nothing and whose library dirs are empty: every NEEDED is
    // not found, which names the soname and the needing file.
    let Some(member) = psycopg() else {
        return;
    };
    let root = scratch("empty-root");
    copy_into_root(&root, "/var/lib/dpkg/status");
    let error = analyze(std::slice::from_ref(&member), &wheel_config(&root)).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "cannot find library `libpq.so.5` needed by `{MEMBER}` (ELF64 LSB machine 62); if \
             another wheel provides it, pass --exclude libpq.so.5"
        )
    );
    std::fs::remove_dir_all(&root).unwrap();
}
