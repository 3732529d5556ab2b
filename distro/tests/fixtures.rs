//! The crafted cases of distro-metadata.md §1.5, built by `cargo xtask fixtures` from
//! `testdata/elf/distro-*`: wheelfix's output must equal the strings observed in the design
//! (on Debian 12) and what dpkg-shlibdeps says live on this machine.

use std::path::{Path, PathBuf};

use wheelfix_distro::{
    DistroConfig, IgnoreReason, InfoSource, NotFoundPolicy, OsRelease, Sidecar, UnownedPolicy,
    analyze,
};

use crate::root::fake_root_for;
use crate::support::{
    dpkg_compatible_config, dpkg_shlibdeps, fake_source_package, have_tool, require, wheel_config,
    wheel_elf,
};

fn fixture(case: &str, file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/elf")
        .join(case)
        .join("out")
        .join(file)
}

const MYEXT: &str = "myext.cpython-311-x86_64-linux-gnu.so";
const MYEXT_DEPENDS: &str =
    "libc6 (>= 2.2.5), libffi8 (>= 3.4), libpq5 (>= 9.1~), libssl3 (>= 3.0.0), zlib1g (>= 1:1.1.4)";

/// The §1.5 strings were observed on Debian 12; elsewhere only the live comparison applies.
fn is_debian_12() -> bool {
    let text = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let os = OsRelease::parse(&text);
    os.id() == "debian" && os.version_id() == Some("12")
}

/// The libraries a fixture links must be installed (the -dev packages' runtime parts).
fn libraries_present(sonames: &[&str]) -> bool {
    let missing: Vec<&&str> = sonames
        .iter()
        .filter(|s| !Path::new("/usr/lib/x86_64-linux-gnu").join(s).exists())
        .collect();
    require(
        missing.is_empty(),
        &format!(
            "libraries {missing:?} are not installed (apt-get install libpq5 libssl3 libffi8 zlib1g libbz2-1.0 libstdc++6)"
        ),
    )
}

/// Compare with `dpkg-shlibdeps -O` on the same file, when the oracle exists.
fn check_live(file: &Path, build_depends: Option<&str>, args: &[&str], ours: &str) {
    if !have_tool(
        "dpkg-shlibdeps",
        "live comparison; apt-get install dpkg-dev",
    ) {
        return;
    }
    let dir = fake_source_package("fixture-live", build_depends);
    let expected = dpkg_shlibdeps(&dir, args, &[file]).unwrap();
    assert_eq!(
        ours,
        expected,
        "wheelfix vs dpkg-shlibdeps for {}",
        file.display()
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn libpq_libssl_libffi_zlib_extension() {
    if !libraries_present(&["libpq.so.5", "libssl.so.3", "libffi.so.8", "libz.so.1"]) {
        return;
    }
    let file = fixture("distro-pq-ssl-ffi-zlib", MYEXT);
    let member = wheel_elf(&file, &format!("myext/{MYEXT}"));
    let analysis = analyze(std::slice::from_ref(&member), &wheel_config(Path::new("/"))).unwrap();
    if is_debian_12() {
        assert_eq!(analysis.depends(), MYEXT_DEPENDS);
    }
    check_live(&file, None, &[], &analysis.depends());

    // libssl.so.3 and libcrypto.so.3 come from one package: one clause, two library records.
    let ssl: Vec<_> = analysis
        .libraries
        .iter()
        .filter(|l| l.package.as_deref() == Some("libssl3"))
        .map(|l| l.soname.as_str())
        .collect();
    assert_eq!(ssl, ["libcrypto.so.3", "libssl.so.3"]);
    let libpq = analysis
        .libraries
        .iter()
        .find(|l| l.soname == "libpq.so.5")
        .unwrap();
    assert_eq!(libpq.info_source, Some(InfoSource::Symbols));
    assert_eq!(
        libpq.info_file.as_deref(),
        Some("/var/lib/dpkg/info/libpq5:amd64.symbols")
    );
    assert_eq!(libpq.symbols_used, 2);
    if is_debian_12() {
        assert_eq!(libpq.min_version.as_deref(), Some("9.1~"));
        assert_eq!(
            libpq.determining_symbol.as_deref(),
            Some("PQlibVersion@Base")
        );
    }

    // Build-Depends on libpq-dev raises libpq5, as dpkg-shlibdeps does from debian/control.
    let bumped = DistroConfig {
        build_depends: Some("debhelper-compat (= 13), libpq-dev (>= 15)".to_owned()),
        ..wheel_config(Path::new("/"))
    };
    let analysis = analyze(std::slice::from_ref(&member), &bumped).unwrap();
    if is_debian_12() {
        assert_eq!(
            analysis.depends(),
            MYEXT_DEPENDS.replace("libpq5 (>= 9.1~)", "libpq5 (>= 15)")
        );
    }
    check_live(
        &file,
        Some("debhelper-compat (= 13), libpq-dev (>= 15)"),
        &[],
        &analysis.depends(),
    );

    let omitted = DistroConfig {
        omit_packages: vec!["libc6".to_owned()],
        ..wheel_config(Path::new("/"))
    };
    let analysis = analyze(std::slice::from_ref(&member), &omitted).unwrap();
    check_live(&file, None, &["-xlibc6"], &analysis.depends());
}

#[test]
fn sidecar_metadata_and_substvars_of_the_libpq_extension() {
    if !libraries_present(&["libpq.so.5", "libssl.so.3", "libffi.so.8", "libz.so.1"]) {
        return;
    }
    let file = fixture("distro-pq-ssl-ffi-zlib", MYEXT);
    let member = wheel_elf(&file, &format!("myext/{MYEXT}"));
    let analysis = analyze(std::slice::from_ref(&member), &wheel_config(Path::new("/"))).unwrap();
    let sidecar = analysis.sidecar("wheelfix 0.1.0");
    let json: serde_json::Value = serde_json::from_str(&sidecar.to_json()).unwrap();
    assert_eq!(json["format"], "wheelfix-system-deps");
    assert_eq!(json["format_version"], 1);
    assert_eq!(json["target"]["arch"], "amd64");
    assert_eq!(json["target"]["multiarch"], "x86_64-linux-gnu");
    assert_eq!(json["target"]["elf"]["class"], 64);
    assert_eq!(json["target"]["elf"]["machine"], "x86_64");
    assert_eq!(json["depends"], analysis.depends());
    let libpq = json["requires"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["package"] == "libpq5")
        .unwrap();
    assert_eq!(libpq["template"], "libpq5 #MINVER#");
    assert_eq!(libpq["op"], ">=");
    assert_eq!(libpq["depurl"], "dep:generic/libpq");
    assert_eq!(libpq["source_package"], "postgresql-15");
    assert!(
        libpq["purl"]
            .as_str()
            .unwrap()
            .starts_with("pkg:deb/debian/libpq5@"),
        "{libpq}"
    );
    assert!(
        libpq["purl"]
            .as_str()
            .unwrap()
            .ends_with("?arch=amd64&distro=debian-12"),
        "{libpq}"
    );
    if is_debian_12() {
        assert_eq!(libpq["relation"], "libpq5 (>= 9.1~)");
        assert_eq!(libpq["vers"], "vers:deb/>=9.1~");
    }
    let libssl = json["libraries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["soname"] == "libssl.so.3")
        .unwrap();
    assert_eq!(libssl["status"], "system");
    assert_eq!(libssl["needed_by"][0], format!("myext/{MYEXT}"));
    assert_eq!(
        libssl["capabilities"]["rpm"],
        serde_json::json!(["libssl.so.3()(64bit)", "libssl.so.3(OPENSSL_3.0.0)(64bit)"])
    );
    assert_eq!(
        libssl["capabilities"]["apk"],
        serde_json::json!(["so:libssl.so.3"])
    );
    assert_eq!(
        libssl["capabilities"]["alpm"],
        serde_json::json!(["lib:libssl.so.3"])
    );
    assert_eq!(json["glibc_max"], "2.2.5");

    // The sidecar round-trips and merges back to the same Depends.
    let reread = Sidecar::from_json(&sidecar.to_json()).unwrap();
    assert_eq!(reread, sidecar);
    let merged =
        wheelfix_distro::merge_dependencies([&reread.dependency_set().unwrap()], &[]).unwrap();
    assert_eq!(merged.depends(), analysis.depends());

    // METADATA: lines inserted once, replaced (not duplicated) on a second run.
    let metadata =
        "Metadata-Version: 2.1\nName: myext\nVersion: 1.0\nRequires-Dist: cffi\n\nBody\n";
    let once = analysis.update_metadata(metadata, None);
    let expected_lines: String = analysis
        .requires_external()
        .iter()
        .map(|r| format!("Requires-External: {r}\n"))
        .collect();
    assert_eq!(
        once,
        format!(
            "Metadata-Version: 2.1\nName: myext\nVersion: 1.0\nRequires-Dist: cffi\n{expected_lines}\nBody\n"
        )
    );
    assert_eq!(analysis.update_metadata(&once, Some(&sidecar)), once);

    assert_eq!(
        analysis.update_substvars("misc:Depends=\n", "wheelfix"),
        format!("misc:Depends=\nwheelfix:Depends={}\n", analysis.depends())
    );
    assert_eq!(
        analysis.print_depends(),
        format!("{}\n", analysis.depends())
    );
}

#[test]
fn pqfinish_only_gives_an_unversioned_libpq5() {
    if !libraries_present(&["libpq.so.5"]) {
        return;
    }
    let file = fixture(
        "distro-pqfinish",
        "pqfinish.cpython-311-x86_64-linux-gnu.so",
    );
    let member = wheel_elf(&file, "pqfinish.cpython-311-x86_64-linux-gnu.so");
    let analysis = analyze(&[member], &wheel_config(Path::new("/"))).unwrap();
    assert_eq!(analysis.depends(), "libpq5");
    check_live(&file, None, &[], &analysis.depends());
}

#[test]
fn cxx_extension_needs_libstdcxx_and_libgcc() {
    if !libraries_present(&["libstdc++.so.6", "libgcc_s.so.1"]) {
        return;
    }
    let file = fixture("distro-cxx", "cxxext.cpython-311-x86_64-linux-gnu.so");
    let member = wheel_elf(&file, "cxxext.cpython-311-x86_64-linux-gnu.so");
    let analysis = analyze(&[member], &wheel_config(Path::new("/"))).unwrap();
    if is_debian_12() {
        assert_eq!(
            analysis.depends(),
            "libc6 (>= 2.2.5), libgcc-s1 (>= 3.0), libstdc++6 (>= 11)"
        );
        let libstdcxx = analysis
            .libraries
            .iter()
            .find(|l| l.soname == "libstdc++.so.6")
            .unwrap();
        assert_eq!(
            libstdcxx.determining_symbol.as_deref(),
            Some("_ZSt28__throw_bad_array_new_lengthv@GLIBCXX_3.4.29")
        );
    }
    check_live(&file, None, &[], &analysis.depends());
}

#[test]
fn libbz2_and_an_unowned_library() {
    if !libraries_present(&["libbz2.so.1.0"]) {
        return;
    }
    let out = fixture("distro-bz2-unowned", "");
    let file = out.join("bzext.cpython-311-x86_64-linux-gnu.so");
    let member = wheel_elf(&file, "bzext.cpython-311-x86_64-linux-gnu.so");

    // On the host libfoo.so.1 is nowhere: not found, with a hint about --exclude.
    let error = analyze(std::slice::from_ref(&member), &wheel_config(Path::new("/"))).unwrap_err();
    assert!(
        error.to_string().starts_with(
            "cannot find library `libfoo.so.1` needed by `bzext.cpython-311-x86_64-linux-gnu.so`"
        ),
        "{error}"
    );
    let excluded = DistroConfig {
        exclude: vec!["libfoo.so.1".to_owned()],
        ..wheel_config(Path::new("/"))
    };
    let on_host = analyze(std::slice::from_ref(&member), &excluded).unwrap();
    assert_eq!(on_host.ignored[0].reason, IgnoreReason::Excluded);
    let libbz2 = on_host
        .libraries
        .iter()
        .find(|l| l.soname == "libbz2.so.1.0")
        .unwrap();
    assert_eq!(libbz2.info_source, Some(InfoSource::Shlibs));
    assert_eq!(
        libbz2.info_file.as_deref(),
        Some("/var/lib/dpkg/info/libbz2-1.0:amd64.shlibs")
    );

    // In a root where libfoo.so.1 sits in /usr/local/lib, owned by no package.
    let root = fake_root_for("bz2-unowned", &[&on_host]);
    std::fs::create_dir_all(root.join("usr/local/lib")).unwrap();
    std::fs::copy(
        out.join("libfoo.so.1"),
        root.join("usr/local/lib/libfoo.so.1"),
    )
    .unwrap();
    let error = analyze(std::slice::from_ref(&member), &wheel_config(&root)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "no package owns `/usr/local/lib/libfoo.so.1` (library `libfoo.so.1` needed by \
         `bzext.cpython-311-x86_64-linux-gnu.so`); use --unowned vendor to graft it into the \
         wheel, or --unowned ignore"
    );
    let ignored = analyze(
        std::slice::from_ref(&member),
        &dpkg_compatible_config(&root),
    )
    .unwrap();
    if is_debian_12() {
        assert_eq!(ignored.depends(), "libbz2-1.0, libc6 (>= 2.2.5)");
    }
    let vendor = DistroConfig {
        unowned: UnownedPolicy::Vendor,
        not_found: NotFoundPolicy::Error,
        ..wheel_config(&root)
    };
    let vendored = analyze(std::slice::from_ref(&member), &vendor).unwrap();
    assert_eq!(vendored.depends(), ignored.depends());
    assert_eq!(vendored.to_vendor.len(), 1);
    assert_eq!(vendored.to_vendor[0].path, "/usr/local/lib/libfoo.so.1");
    assert_eq!(
        vendored.to_vendor[0].host_path,
        root.join("usr/local/lib/libfoo.so.1")
    );
    let sidecar = vendored.sidecar("wheelfix test");
    assert!(
        sidecar
            .libraries
            .iter()
            .any(|l| l.soname == "libfoo.so.1" && l.status == "unowned-vendored"),
        "{sidecar:?}"
    );
    std::fs::remove_dir_all(&root).unwrap();

    // dpkg-shlibdeps, pointed at the library with -l, errors out the same way and, with
    // --ignore-missing-info, gives the same Depends.
    if !have_tool(
        "dpkg-shlibdeps",
        "live comparison; apt-get install dpkg-dev",
    ) {
        return;
    }
    let dir = fake_source_package("fixture-bz2", None);
    let search = format!("-l{}", out.display());
    let error = dpkg_shlibdeps(&dir, &[&search], &[&file]).unwrap_err();
    assert!(
        error.contains("no dependency information found for"),
        "{error}"
    );
    assert!(error.contains("libfoo.so.1"), "{error}");
    let expected = dpkg_shlibdeps(&dir, &[&search, "--ignore-missing-info"], &[&file]).unwrap();
    assert_eq!(ignored.depends(), expected);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn aarch64_extension_on_an_amd64_root() {
    let file = fixture("distro-aarch64", "armext.cpython-311-aarch64-linux-gnu.so");
    let member = wheel_elf(&file, "armext.cpython-311-aarch64-linux-gnu.so");
    let error = analyze(&[member], &wheel_config(Path::new("/"))).unwrap_err();
    let dpkg_arch = std::fs::read_to_string("/var/lib/dpkg/status")
        .unwrap_or_default()
        .contains("Architecture: arm64");
    if !require(
        !dpkg_arch,
        "this root has arm64 packages, so arm64 ELF files are valid here",
    ) {
        return;
    }
    assert_eq!(
        error.to_string(),
        "`armext.cpython-311-aarch64-linux-gnu.so` is built for arm64, but the dpkg database in \
         `/` is for amd64; use --root with an unpacked arm64 system"
    );
}
