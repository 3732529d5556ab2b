//! Resolver tests against an in-memory target filesystem: search order (RPATH, RUNPATH,
//! environment, configured directories), `$ORIGIN` inside the wheel, compatibility checks,
//! `ld.so.conf` includes, exclusions and sysroot symlinks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use wheelfix_elf::{ElfClass, ElfFacts, ElfName, Endianness};
use wheelfix_tags::{Arch, Libc};

use crate::host::HostFs;
use crate::ldpaths::{LdPaths, SearchOptions, load_ld_paths};
use crate::resolve::{Location, Resolver, WheelFiles};

/// An x86-64 shared object needing `needed`.
fn elf(needed: &[&str]) -> ElfFacts {
    ElfFacts {
        class: ElfClass::Elf64,
        endianness: Endianness::Little,
        machine: 62,
        osabi: 0,
        flags: 0,
        file_type: 3,
        arch: Some(Arch::X86_64),
        arch_problem: None,
        interpreter: None,
        has_dynamic: true,
        soname: None,
        needed: needed.iter().map(|n| ElfName::from(*n)).collect(),
        rpath: None,
        runpath: None,
        version_needs: Vec::new(),
        version_definitions: Vec::new(),
        undefined_symbols: Vec::new(),
        init_functions: Vec::new(),
        gnu_stack_flags: Some(6),
        x86_isa_needed: None,
    }
}

fn with_rpath(mut facts: ElfFacts, rpath: &str) -> ElfFacts {
    facts.rpath = Some(ElfName::from(rpath));
    facts
}

fn with_runpath(mut facts: ElfFacts, runpath: &str) -> ElfFacts {
    facts.runpath = Some(ElfName::from(runpath));
    facts
}

#[derive(Default)]
struct FakeHost {
    files: BTreeMap<PathBuf, Arc<ElfFacts>>,
    texts: BTreeMap<PathBuf, String>,
    links: BTreeMap<PathBuf, PathBuf>,
}

impl FakeHost {
    fn lib(mut self, path: &str, facts: ElfFacts) -> FakeHost {
        self.files.insert(PathBuf::from(path), Arc::new(facts));
        self
    }

    fn text(mut self, path: &str, text: &str) -> FakeHost {
        self.texts.insert(PathBuf::from(path), text.to_owned());
        self
    }

    fn link(mut self, from: &str, to: &str) -> FakeHost {
        self.links.insert(PathBuf::from(from), PathBuf::from(to));
        self
    }

    fn all_paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.files
            .keys()
            .chain(self.texts.keys())
            .chain(self.links.keys())
    }
}

impl HostFs for FakeHost {
    fn is_dir(&self, path: &Path) -> bool {
        self.all_paths().any(|p| p.starts_with(path) && p != path)
    }

    fn realpath(&self, path: &Path) -> Option<PathBuf> {
        let mut current = path.to_path_buf();
        for _ in 0..10 {
            match self.links.get(&current) {
                Some(target) => current = target.clone(),
                None => break,
            }
        }
        (self.files.contains_key(&current)
            || self.texts.contains_key(&current)
            || self.is_dir(&current))
        .then_some(current)
    }

    fn elf_facts(&self, realpath: &Path) -> Option<Arc<ElfFacts>> {
        self.files.get(realpath).cloned()
    }

    fn read_text(&self, path: &Path) -> Option<String> {
        self.texts.get(&self.realpath(path)?).cloned()
    }

    fn read_bytes(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        self.read_text(path)
            .map(String::into_bytes)
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    }

    fn list_dir(&self, path: &Path) -> Vec<String> {
        let mut names: Vec<String> = self
            .all_paths()
            .filter_map(|p| p.strip_prefix(path).ok())
            .filter_map(|rest| rest.components().next())
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    fn current_dir(&self) -> PathBuf {
        PathBuf::from("/work")
    }
}

/// Resolve `root` (a wheel member with `facts`) and render every library as
/// `soname => location` in resolution order.
#[track_caller]
fn check(
    host: &FakeHost,
    wheel: &[(&str, ElfFacts)],
    root: &str,
    options: &SearchOptions,
    expect: &str,
) {
    let elves: BTreeMap<String, Arc<ElfFacts>> = wheel
        .iter()
        .map(|(p, f)| ((*p).to_owned(), Arc::new(f.clone())))
        .collect();
    let files = WheelFiles::new(elves.keys().cloned(), elves.clone());
    let glibc = load_ld_paths(host, Libc::Glibc, Arch::X86_64, options);
    let musl = LdPaths::default();
    let resolver = Resolver {
        host,
        wheel: &files,
        glibc_paths: &glibc,
        musl_paths: &musl,
        exclude: &options.exclude,
    };
    let tree = resolver.tree(root, elves[root].clone());
    let mut lines: Vec<String> = tree
        .order
        .iter()
        .map(|soname| {
            let lib = &tree.libraries[soname];
            let found = match &lib.realpath {
                Some(Location::Wheel(p)) => format!("wheel:{p}"),
                Some(Location::Host(p)) => p.display().to_string(),
                None => "not found".to_owned(),
            };
            format!("{soname} => {found}")
        })
        .collect();
    for (soname, pattern) in &tree.excluded {
        lines.push(format!("{soname} excluded by {pattern}"));
    }
    assert_eq!(lines.join("\n"), expect.trim());
}

fn default_host() -> FakeHost {
    FakeHost::default()
        .text("/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n")
        .text("/etc/ld.so.conf.d/x86_64-linux-gnu.conf", "# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n")
        .text("/etc/ld.so.conf.d/libc.conf", "/usr/local/lib\n")
        .lib("/usr/lib/x86_64-linux-gnu/libc.so.6", elf(&[]))
}

#[test]
fn rpath_of_the_root_applies_to_dependencies_runpath_of_a_dependency_does_not_leak() {
    let host = default_host()
        .lib("/opt/a/liba.so.1", elf(&["libb.so.1", "libc.so.6"]))
        .lib("/opt/a/libb.so.1", elf(&["libc.so.6"]));
    let root = with_rpath(elf(&["liba.so.1"]), "/opt/a");
    check(
        &host,
        &[("pkg/ext.so", root)],
        "pkg/ext.so",
        &SearchOptions::default(),
        "
liba.so.1 => /opt/a/liba.so.1
libb.so.1 => /opt/a/libb.so.1
libc.so.6 => /usr/lib/x86_64-linux-gnu/libc.so.6
",
    );
}

#[test]
fn runpath_wins_over_rpath_of_the_same_object() {
    let host = default_host()
        .lib("/opt/rpath/libx.so", elf(&[]))
        .lib("/opt/runpath/libx.so", elf(&[]));
    let root = with_runpath(with_rpath(elf(&["libx.so"]), "/opt/rpath"), "/opt/runpath");
    check(
        &host,
        &[("ext.so", root)],
        "ext.so",
        &SearchOptions::default(),
        "libx.so => /opt/runpath/libx.so",
    );
}

/// auditwheel's order (anchors.md §c3): an object's own RUNPATH is searched before the
/// environment, which real ld.so does the other way round (pypa/auditwheel#737). wheelfix keeps
/// auditwheel's order so that verdicts agree; the environment is a build-time input anyway.
#[test]
fn r737_rpath_and_own_runpath_are_searched_before_ld_library_path() {
    let host = default_host()
        .lib("/opt/r/libx.so", elf(&[]))
        .lib("/env/libx.so", elf(&[]))
        .lib("/env/liby.so", elf(&[]))
        .lib("/opt/run/liby.so", elf(&[]));
    let options = SearchOptions {
        ld_library_path: Some("/env".into()),
        ..SearchOptions::default()
    };
    let rpath_root = with_rpath(elf(&["libx.so"]), "/opt/r");
    check(
        &host,
        &[("a.so", rpath_root)],
        "a.so",
        &options,
        "libx.so => /opt/r/libx.so",
    );
    let runpath_root = with_runpath(elf(&["liby.so"]), "/opt/run");
    check(
        &host,
        &[("b.so", runpath_root)],
        "b.so",
        &options,
        "liby.so => /opt/run/liby.so",
    );
    let without_runpath = elf(&["liby.so"]);
    check(
        &host,
        &[("c.so", without_runpath)],
        "c.so",
        &options,
        "liby.so => /env/liby.so",
    );
}

#[test]
fn ldpaths_replace_the_configuration_and_ignore_ld_library_path() {
    let host = default_host()
        .lib("/custom/libx.so", elf(&[]))
        .lib("/env/libx.so", elf(&[]));
    let options = SearchOptions {
        ldpaths: Some(vec!["/custom".into()]),
        ld_library_path: Some("/env".into()),
        ..SearchOptions::default()
    };
    check(
        &host,
        &[("a.so", elf(&["libx.so", "libc.so.6"]))],
        "a.so",
        &options,
        "
libx.so => /custom/libx.so
libc.so.6 => not found
",
    );
}

#[test]
fn origin_resolves_inside_the_wheel_without_extracting() {
    let host = default_host();
    let ext = with_rpath(elf(&["libdemo.so.1"]), "$ORIGIN/../demo.libs");
    let lib = with_rpath(elf(&["libhelper.so"]), "${ORIGIN}");
    check(
        &host,
        &[
            ("demo/_ext.so", ext),
            ("demo.libs/libdemo.so.1", lib),
            ("demo.libs/libhelper.so", elf(&["libc.so.6"])),
        ],
        "demo/_ext.so",
        &SearchOptions::default(),
        "
libdemo.so.1 => wheel:demo.libs/libdemo.so.1
libhelper.so => wheel:demo.libs/libhelper.so
libc.so.6 => /usr/lib/x86_64-linux-gnu/libc.so.6
",
    );
}

#[test]
fn origin_escaping_the_wheel_finds_nothing() {
    let host = default_host();
    let ext = with_rpath(
        elf(&["libdemo.so.1"]),
        "$ORIGIN/../../../usr/lib/x86_64-linux-gnu",
    );
    check(
        &host,
        &[("demo/_ext.so", ext)],
        "demo/_ext.so",
        &SearchOptions::default(),
        "libdemo.so.1 => not found",
    );
}

#[test]
fn incompatible_candidates_are_skipped() {
    let mut i386 = elf(&[]);
    i386.class = ElfClass::Elf32;
    i386.machine = 3;
    let mut gnu_osabi = elf(&[]);
    gnu_osabi.osabi = 3;
    let mut freebsd = elf(&[]);
    freebsd.osabi = 9;
    let host = default_host()
        .lib("/usr/local/lib/libx.so", i386)
        .lib("/usr/lib/x86_64-linux-gnu/libx.so", gnu_osabi)
        .lib("/usr/local/lib/liby.so", freebsd)
        .lib("/usr/lib/liby.so", elf(&[]));
    check(
        &host,
        &[("a.so", elf(&["libx.so", "liby.so"]))],
        "a.so",
        &SearchOptions::default(),
        "
libx.so => /usr/lib/x86_64-linux-gnu/libx.so
liby.so => /usr/lib/liby.so
",
    );
}

#[test]
fn conf_includes_are_globbed_in_sorted_order() {
    let host = FakeHost::default()
        .text(
            "/etc/ld.so.conf",
            "include ld.so.conf.d/*.conf # relative include\n",
        )
        .text("/etc/ld.so.conf.d/b.conf", "/opt/b\n")
        .text(
            "/etc/ld.so.conf.d/a.conf",
            "/opt/a\ninclude /etc/ld.so.conf\n",
        )
        .lib("/opt/b/libx.so", elf(&[]))
        .lib("/opt/a/libx.so", elf(&[]));
    check(
        &host,
        &[("a.so", elf(&["libx.so"]))],
        "a.so",
        &SearchOptions::default(),
        "libx.so => /opt/a/libx.so",
    );
}

#[test]
fn symlinks_resolve_to_realpaths_and_sonames_are_cached_per_tree() {
    let host = default_host()
        .link(
            "/usr/lib/x86_64-linux-gnu/libffi.so.8",
            "/usr/lib/x86_64-linux-gnu/libffi.so.8.1.2",
        )
        .lib(
            "/usr/lib/x86_64-linux-gnu/libffi.so.8.1.2",
            elf(&["libc.so.6"]),
        )
        .lib(
            "/usr/lib/x86_64-linux-gnu/libcycle.so",
            elf(&["libcycle.so", "libffi.so.8"]),
        );
    check(
        &host,
        &[("a.so", elf(&["libcycle.so", "libffi.so.8"]))],
        "a.so",
        &SearchOptions::default(),
        "
libcycle.so => /usr/lib/x86_64-linux-gnu/libcycle.so
libffi.so.8 => /usr/lib/x86_64-linux-gnu/libffi.so.8.1.2
libc.so.6 => /usr/lib/x86_64-linux-gnu/libc.so.6
",
    );
}

#[test]
fn excludes_match_sonames_and_resolved_paths_and_prune_subtrees() {
    let host = default_host()
        .lib(
            "/usr/lib/x86_64-linux-gnu/libcuda.so.1",
            elf(&["libhidden.so"]),
        )
        .lib("/usr/lib/x86_64-linux-gnu/libhidden.so", elf(&[]))
        .lib("/opt/vendor/libv.so", elf(&[]));
    let options = SearchOptions {
        exclude: vec!["libcuda.so*".into(), "/opt/vendor/*".into()],
        ..SearchOptions::default()
    };
    let root = with_rpath(
        elf(&["libcuda.so.1", "libv.so", "libc.so.6"]),
        "/opt/vendor",
    );
    check(
        &host,
        &[("a.so", root)],
        "a.so",
        &options,
        "
libc.so.6 => /usr/lib/x86_64-linux-gnu/libc.so.6
libcuda.so.1 excluded by libcuda.so*
libv.so excluded by /opt/vendor/*
",
    );
}

#[test]
fn libpython_is_recorded_but_never_searched() {
    let host = default_host().lib("/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0", elf(&[]));
    check(
        &host,
        &[("a.so", elf(&["libpython3.11.so.1.0"]))],
        "a.so",
        &SearchOptions::default(),
        "libpython3.11.so.1.0 => not found",
    );
}

#[test]
fn real_host_keeps_absolute_symlinks_inside_the_sysroot() {
    let dir = std::env::temp_dir().join(format!("wheelfix-sysroot-{}", std::process::id()));
    let lib_dir = dir.join("usr/lib");
    std::fs::create_dir_all(&lib_dir).unwrap();
    std::fs::write(lib_dir.join("libfoo.so.1.2"), b"not an elf").unwrap();
    let _ = std::fs::remove_file(lib_dir.join("libfoo.so.1"));
    std::os::unix::fs::symlink("/usr/lib/libfoo.so.1.2", lib_dir.join("libfoo.so.1")).unwrap();
    let host = crate::host::RealHost::new(&dir);
    assert_eq!(
        host.realpath(Path::new("/usr/lib/libfoo.so.1")),
        Some(PathBuf::from("/usr/lib/libfoo.so.1.2"))
    );
    assert!(
        host.elf_facts(Path::new("/usr/lib/libfoo.so.1.2"))
            .is_none()
    );
    assert!(host.is_dir(Path::new("/usr/lib")));
    assert_eq!(host.realpath(Path::new("/usr/lib/missing")), None);
    std::fs::remove_dir_all(&dir).unwrap();
}
