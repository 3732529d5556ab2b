//! The special cases of distro-metadata.md §3.9 and the knobs of §2, on a real extension
//! (psycopg2's `_psycopg`) whose facts are edited to provoke each case: libpython, `$ORIGIN`
//! links inside the wheel, GLIBC_PRIVATE, owned libraries without information (`--strict`),
//! version nodes the host library does not define (step 8), `--shlibs-local`,
//! `--version-policy`, and merging several wheels.

use std::path::Path;

use wheelfix_distro::{
    DistroConfig, DistroError, DistroWarning, IgnoreReason, InfoSource, MissingInfoPolicy,
    UnresolvedReason, VersionPolicy, WheelElf, analyze, merge_dependencies,
};
use wheelfix_elf::{ElfName, SymbolBinding, UndefinedSymbol, VersionNeed};

use crate::root::fake_root_for;
use crate::support::{
    dpkg_shlibdeps, fake_source_package, have_tool, require, scratch, wheel_config, wheel_elf,
};

const PSYCOPG: &str =
    "/usr/lib/python3/dist-packages/psycopg2/_psycopg.cpython-311-x86_64-linux-gnu.so";
const CFFI: &str = "/usr/lib/python3/dist-packages/_cffi_backend.cpython-311-x86_64-linux-gnu.so";
const MEMBER: &str = "psycopg2/_psycopg.cpython-311-x86_64-linux-gnu.so";

fn psycopg() -> Option<WheelElf> {
    require(
        Path::new(PSYCOPG).exists(),
        "python3-psycopg2 is not installed",
    )
    .then(|| wheel_elf(Path::new(PSYCOPG), MEMBER))
}

fn host() -> DistroConfig {
    wheel_config(Path::new("/"))
}

#[test]
fn libpython_is_skipped_with_a_warning() {
    let Some(mut member) = psycopg() else {
        return;
    };
    let before = analyze(std::slice::from_ref(&member), &host()).unwrap();
    member
        .facts
        .needed
        .push(ElfName::from("libpython3.11.so.1.0"));
    let after = analyze(std::slice::from_ref(&member), &host()).unwrap();
    assert_eq!(after.depends(), before.depends());
    assert_eq!(after.ignored[0].soname, "libpython3.11.so.1.0");
    assert_eq!(after.ignored[0].reason, IgnoreReason::Libpython);
    assert!(after.warnings.contains(&DistroWarning::LibpythonSkipped {
        soname: "libpython3.11.so.1.0".to_owned(),
        needed_by: MEMBER.to_owned(),
    }));
}

#[test]
fn origin_links_stay_inside_the_wheel() {
    let Some(mut member) = psycopg() else {
        return;
    };
    let before = analyze(std::slice::from_ref(&member), &host()).unwrap();
    // Vendored by an earlier manylinux repair: a copy of libc's neighbour under psycopg2.libs.
    member.facts.runpath = Some(ElfName::from("$ORIGIN/../psycopg2.libs"));
    member
        .facts
        .needed
        .insert(0, ElfName::from("libfoo-1a2b3c4d.so.1"));
    let vendored = wheel_elf(Path::new(CFFI), "psycopg2.libs/libfoo-1a2b3c4d.so.1");
    let after = analyze(&[member, vendored], &host()).unwrap();
    assert_eq!(after.internal.len(), 1);
    assert_eq!(after.internal[0].soname, "libfoo-1a2b3c4d.so.1");
    assert_eq!(
        after.internal[0].member,
        "psycopg2.libs/libfoo-1a2b3c4d.so.1"
    );
    // The vendored file is scanned too: its libffi dependency appears.
    assert!(after.depends().contains("libffi8"), "{}", after.depends());
    assert!(after.depends().contains("libpq5"), "{}", after.depends());
    assert!(before.internal.is_empty());
}

#[test]
fn glibc_private_pins_the_glibc_release() {
    let Some(mut member) = psycopg() else {
        return;
    };
    member.facts.undefined_symbols.push(UndefinedSymbol {
        name: ElfName::from("_IO_enable_locks"),
        version: Some(ElfName::from("GLIBC_PRIVATE")),
        version_file: Some(ElfName::from("libc.so.6")),
        binding: SymbolBinding::Global,
        kind: wheelfix_elf::facts::SymbolKind::Object,
    });
    if let Some(need) = member
        .facts
        .version_needs
        .iter_mut()
        .find(|n| n.file == "libc.so.6")
    {
        need.versions.push(ElfName::from("GLIBC_PRIVATE"));
    }
    let analysis = analyze(std::slice::from_ref(&member), &host()).unwrap();
    let libc6 = std::fs::read_to_string("/var/lib/dpkg/info/libc6:amd64.symbols").unwrap();
    let pin = libc6
        .lines()
        .nth(1)
        .unwrap()
        .trim_start_matches("| ")
        .to_owned();
    assert!(
        analysis.depends().contains(&pin),
        "{} lacks {pin}",
        analysis.depends()
    );
    assert!(
        analysis
            .warnings
            .iter()
            .any(|w| matches!(w, DistroWarning::GlibcPrivate { .. }))
    );
}

#[test]
fn version_node_missing_from_the_host_library_is_an_error() {
    let Some(mut member) = psycopg() else {
        return;
    };
    member.facts.version_needs.push(VersionNeed {
        file: ElfName::from("libc.so.6"),
        versions: vec![ElfName::from("GLIBC_2.99")],
    });
    let error = analyze(std::slice::from_ref(&member), &host()).unwrap_err();
    let DistroError::VersionNotDefined {
        soname,
        version,
        needed_by,
        ..
    } = &error
    else {
        panic!("unexpected error {error}");
    };
    assert_eq!(
        (soname.as_str(), version.as_str(), needed_by.as_str()),
        ("libc.so.6", "GLIBC_2.99", MEMBER)
    );
    let text = error.to_string();
    assert!(
        text.starts_with("wheel was built against a different `libc.so.6`: `psycopg2/_psycopg.cpython-311-x86_64-linux-gnu.so` needs version `GLIBC_2.99`, which `/lib/x86_64-linux-gnu/libc.so.6` does not define (it defines "),
        "{text}"
    );
}

#[test]
fn owned_library_without_information() {
    let Some(member) = psycopg() else {
        return;
    };
    let on_host = analyze(std::slice::from_ref(&member), &host()).unwrap();
    let root = fake_root_for("no-info", &[&on_host]);
    for name in ["libpq5:amd64.symbols", "libpq5:amd64.shlibs"] {
        std::fs::remove_file(root.join("var/lib/dpkg/info").join(name)).unwrap();
    }
    // Default: unversioned dependency on the owner, with a warning.
    let analysis = analyze(std::slice::from_ref(&member), &wheel_config(&root)).unwrap();
    assert!(
        analysis.requires_external().contains(&"libpq5".to_owned()),
        "{}",
        analysis.depends()
    );
    let libpq = analysis
        .libraries
        .iter()
        .find(|l| l.soname == "libpq.so.5")
        .unwrap();
    assert_eq!(libpq.info_source, Some(InfoSource::Owner));
    assert!(analysis.warnings.iter().any(
        |w| matches!(w, DistroWarning::OwnerOnly { package, .. } if package == "libpq5:amd64")
    ));
    // --strict
    let strict = DistroConfig {
        missing_info: MissingInfoPolicy::Error,
        ..wheel_config(&root)
    };
    let error = analyze(std::slice::from_ref(&member), &strict).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "no dependency information found for `/lib/x86_64-linux-gnu/libpq.so.5` (library \
             `libpq.so.5` of package `libpq5:amd64`, needed by `{MEMBER}`) and --strict is set"
        )
    );
    // dpkg-shlibdeps --ignore-missing-info
    let skip = DistroConfig {
        missing_info: MissingInfoPolicy::Skip,
        ..wheel_config(&root)
    };
    let analysis = analyze(std::slice::from_ref(&member), &skip).unwrap();
    assert!(
        !analysis.depends().contains("libpq5"),
        "{}",
        analysis.depends()
    );
    assert!(
        matches!(&analysis.unresolved[0].reason, UnresolvedReason::NoInfo { package, .. } if package == "libpq5:amd64")
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn shlibs_local_and_version_policies() {
    let Some(member) = psycopg() else {
        return;
    };
    // --version-policy shlibs: the shlibs line, as the package was built.
    let shlibs = std::fs::read_to_string("/var/lib/dpkg/info/libpq5:amd64.shlibs").unwrap();
    let libpq_shlibs = shlibs
        .lines()
        .find_map(|l| l.strip_prefix("libpq 5 "))
        .unwrap()
        .to_owned();
    let policy = DistroConfig {
        version_policy: VersionPolicy::Shlibs,
        ..host()
    };
    let analysis = analyze(std::slice::from_ref(&member), &policy).unwrap();
    assert!(
        analysis.requires_external().contains(&libpq_shlibs),
        "{}",
        analysis.depends()
    );

    // --version-policy built: every package at its installed version.
    let built = DistroConfig {
        version_policy: VersionPolicy::Built,
        ..host()
    };
    let analysis = analyze(std::slice::from_ref(&member), &built).unwrap();
    let installed = &analysis.packages["libpq5"].version;
    assert!(
        analysis
            .requires_external()
            .contains(&format!("libpq5 (>= {installed})")),
        "{}",
        analysis.depends()
    );

    // --shlibs-local overrides both, like debian/shlibs.local.
    let dir = scratch("shlibs-local");
    let local = dir.join("shlibs.local");
    std::fs::write(&local, "libpq 5 libpq-local (>= 1.2)\n").unwrap();
    let config = DistroConfig {
        shlibs_local: Some(local.clone()),
        ..host()
    };
    let analysis = analyze(std::slice::from_ref(&member), &config).unwrap();
    assert!(
        analysis
            .requires_external()
            .contains(&"libpq-local (>= 1.2)".to_owned()),
        "{}",
        analysis.depends()
    );
    assert!(
        !analysis.depends().contains("libpq5"),
        "{}",
        analysis.depends()
    );
    let libpq = analysis
        .libraries
        .iter()
        .find(|l| l.soname == "libpq.so.5")
        .unwrap();
    assert_eq!(libpq.info_source, Some(InfoSource::ShlibsLocal));
    if have_tool(
        "dpkg-shlibdeps",
        "live comparison; apt-get install dpkg-dev",
    ) {
        let source = fake_source_package("shlibs-local", None);
        let expected = dpkg_shlibdeps(
            &source,
            &[&format!("-L{}", local.display())],
            &[Path::new(PSYCOPG)],
        )
        .unwrap();
        assert_eq!(analysis.depends(), expected);
        std::fs::remove_dir_all(source).unwrap();
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn merging_wheels_equals_analyzing_them_together() {
    let Some(member) = psycopg() else {
        return;
    };
    if !require(
        Path::new(CFFI).exists(),
        "python3-cffi-backend is not installed",
    ) {
        return;
    }
    let cffi = wheel_elf(
        Path::new(CFFI),
        "_cffi_backend.cpython-311-x86_64-linux-gnu.so",
    );
    let a = analyze(std::slice::from_ref(&member), &host()).unwrap();
    let b = analyze(std::slice::from_ref(&cffi), &host()).unwrap();
    let together = analyze(&[member, cffi], &host()).unwrap();
    let merged = merge_dependencies([&a.dependencies, &b.dependencies], &[]).unwrap();
    assert_eq!(merged.depends(), together.depends());
    // Through the sidecars, as `wheelfix deps` does for installed wheels.
    let sets = [a.sidecar("t"), b.sidecar("t")].map(|s| s.dependency_set().unwrap());
    let merged = merge_dependencies(&sets, &[]).unwrap();
    assert_eq!(merged.depends(), together.depends());
    if have_tool(
        "dpkg-shlibdeps",
        "live comparison; apt-get install dpkg-dev",
    ) {
        let source = fake_source_package("merge", None);
        let expected =
            dpkg_shlibdeps(&source, &[], &[Path::new(PSYCOPG), Path::new(CFFI)]).unwrap();
        assert_eq!(merged.depends(), expected);
        std::fs::remove_dir_all(source).unwrap();
    }
}
