//! `--root`: a fake root assembled from this machine's real Debian files (status, the owning
//! packages' `.list`/`.symbols`/`.shlibs`, os-release, ld.so.conf, the libraries themselves
//! and the merged-/usr links) must give the same answer as `/`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use wheelfix_distro::{DistroAnalysis, DistroConfig, analyze};

use crate::support::{copy_into_root, require, scratch, wheel_config, wheel_elf};

const CASES: [(&str, &str); 3] = [
    (
        "/usr/lib/python3/dist-packages/psycopg2/_psycopg.cpython-311-x86_64-linux-gnu.so",
        "psycopg2/_psycopg.cpython-311-x86_64-linux-gnu.so",
    ),
    (
        "/usr/lib/python3/dist-packages/_cffi_backend.cpython-311-x86_64-linux-gnu.so",
        "_cffi_backend.cpython-311-x86_64-linux-gnu.so",
    ),
    ("/usr/bin/ls", "bin/ls"),
];

/// Build a root holding just what `analysis` (made against `/`) used.
pub(crate) fn fake_root_for(name: &str, analyses: &[&DistroAnalysis]) -> PathBuf {
    let root = scratch(name);
    // Merged /usr, as on the host.
    for link in ["lib", "lib64", "bin", "sbin"] {
        if let Ok(target) = std::fs::read_link(Path::new("/").join(link)) {
            std::os::unix::fs::symlink(target, root.join(link)).unwrap();
        }
    }
    let mut files: BTreeSet<String> = [
        "/etc/os-release",
        "/usr/lib/os-release",
        "/etc/ld.so.conf",
        "/var/lib/dpkg/status",
        "/etc/dpkg/shlibs.default",
        "/etc/dpkg/shlibs.override",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    for entry in std::fs::read_dir("/etc/ld.so.conf.d").unwrap().flatten() {
        files.insert(entry.path().to_string_lossy().into_owned());
    }
    for analysis in analyses {
        for library in &analysis.libraries {
            files.insert(library.path.clone());
            files.extend(library.realpath.clone());
            files.extend(library.info_file.clone());
            let Some(package) = &library.package else {
                continue;
            };
            let info = Path::new("/var/lib/dpkg/info");
            for suffix in ["list", "symbols", "shlibs"] {
                for name in [
                    format!("{package}.{suffix}"),
                    format!("{package}:{}.{suffix}", analysis.target.arch),
                ] {
                    if info.join(&name).exists() {
                        files.insert(info.join(name).to_string_lossy().into_owned());
                    }
                }
            }
        }
    }
    for file in files {
        // Files reached through the /lib link land in usr/lib via the link itself.
        if Path::new(&file).exists() || std::fs::symlink_metadata(&file).is_ok() {
            let real_parent = Path::new(&file)
                .parent()
                .and_then(|p| p.canonicalize().ok())
                .unwrap();
            let name = Path::new(&file).file_name().unwrap();
            copy_into_root(&root, &real_parent.join(name).to_string_lossy());
        }
    }
    root
}

#[test]
fn fake_root_gives_the_same_answer_as_slash() {
    let present: Vec<_> = CASES
        .iter()
        .filter(|(file, _)| Path::new(file).exists())
        .collect();
    if !require(
        present.len() == CASES.len(),
        "python3-psycopg2 and python3-cffi-backend must be installed",
    ) {
        return;
    }
    let config = wheel_config(Path::new("/"));
    let members: Vec<_> = CASES
        .iter()
        .map(|(file, member)| wheel_elf(Path::new(file), member))
        .collect();
    let on_host = analyze(&members, &config).unwrap();
    let root = fake_root_for("root", &[&on_host]);
    let in_root = analyze(&members, &wheel_config(&root)).unwrap();
    assert_eq!(in_root.depends(), on_host.depends());
    assert!(
        on_host.depends().contains("libpq5 (>= "),
        "{}",
        on_host.depends()
    );
    let paths = |a: &DistroAnalysis| {
        a.libraries
            .iter()
            .map(|l| {
                (
                    l.soname.clone(),
                    l.path.clone(),
                    l.package.clone(),
                    l.info_file.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(paths(&in_root), paths(&on_host));
    assert_eq!(in_root.target.os_release, on_host.target.os_release);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn etc_dpkg_symbols_and_shlibs_override_win() {
    let (psycopg, _) = CASES[0];
    let bzext = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/elf/distro-bz2-unowned/out/bzext.cpython-311-x86_64-linux-gnu.so");
    if !require(
        Path::new(psycopg).exists()
            && Path::new("/usr/lib/x86_64-linux-gnu/libbz2.so.1.0").exists(),
        "python3-psycopg2 and libbz2-1.0 must be installed",
    ) {
        return;
    }
    let config = DistroConfig {
        exclude: vec!["libfoo.so.1".to_owned()],
        ..wheel_config(Path::new("/"))
    };
    let members = [
        wheel_elf(Path::new(psycopg), "psycopg2/_psycopg.so"),
        wheel_elf(&bzext, "bzext.so"),
    ];
    let on_host = analyze(&members, &config).unwrap();
    let root = fake_root_for("etc-dpkg", &[&on_host]);
    // /etc/dpkg/symbols/<pkg>.symbols.<arch> comes before the package's own file, and may
    // #include other files (relative to itself).
    std::fs::create_dir_all(root.join("etc/dpkg/symbols")).unwrap();
    std::fs::write(
        root.join("etc/dpkg/symbols/libpq5:amd64.symbols.amd64"),
        "libpq.so.5 libpq5-override #MINVER#\n#include \"libpq.inc\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join("etc/dpkg/symbols/libpq.inc"),
        " PQfinish@Base 42\n",
    )
    .unwrap();
    // shlibs.override beats the package's shlibs file.
    std::fs::write(
        root.join("etc/dpkg/shlibs.override"),
        "libbz2 1.0 libbz2-override (>= 7)\n",
    )
    .unwrap();
    let analysis = analyze(
        &members,
        &DistroConfig {
            root: root.clone(),
            ..config
        },
    )
    .unwrap();
    let relations = analysis.requires_external();
    assert!(
        relations.contains(&"libpq5-override (>= 42)".to_owned()),
        "{relations:?}"
    );
    assert!(
        relations.contains(&"libbz2-override (>= 7)".to_owned()),
        "{relations:?}"
    );
    let libpq = analysis
        .libraries
        .iter()
        .find(|l| l.soname == "libpq.so.5")
        .unwrap();
    assert_eq!(
        libpq.info_file.as_deref(),
        Some("/etc/dpkg/symbols/libpq5:amd64.symbols.amd64")
    );
    std::fs::remove_dir_all(&root).unwrap();
}
