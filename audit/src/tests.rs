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

// ---------------------------------------------------------------------------------------------
// Evaluation: verdicts from synthetic wheels resolved against the in-memory filesystem.

use crate::analyze::{ElfMember, WheelAnalysis};
use crate::evaluate::{EvaluateOptions, evaluate};
use wheelfix_elf::facts::PythonInit;
use wheelfix_elf::{SymbolBinding, UndefinedSymbol, VersionNeed};
use wheelfix_policies::PolicySet;

/// `facts` with a version need on `file` and one undefined symbol bound to each version.
fn needs(mut facts: ElfFacts, file: &str, versions: &[(&str, &str)]) -> ElfFacts {
    facts.version_needs.push(VersionNeed {
        file: ElfName::from(file),
        versions: versions.iter().map(|(v, _)| ElfName::from(*v)).collect(),
    });
    for (version, symbol) in versions {
        facts.undefined_symbols.push(UndefinedSymbol {
            name: ElfName::from(*symbol),
            version: Some(ElfName::from(*version)),
            version_file: Some(ElfName::from(file)),
            binding: SymbolBinding::Global,
            kind: wheelfix_elf::facts::SymbolKind::Func,
        });
    }
    facts
}

fn defines(mut facts: ElfFacts, versions: &[&str]) -> ElfFacts {
    facts
        .version_definitions
        .extend(versions.iter().map(|v| ElfName::from(*v)));
    facts
}

fn undefined(mut facts: ElfFacts, symbol: &str, binding: SymbolBinding) -> ElfFacts {
    facts.undefined_symbols.push(UndefinedSymbol {
        name: ElfName::from(symbol),
        version: None,
        version_file: None,
        binding,
        kind: wheelfix_elf::facts::SymbolKind::Func,
    });
    facts
}

fn isa(mut facts: ElfFacts, bits: u32) -> ElfFacts {
    facts.x86_isa_needed = Some(bits);
    facts
}

fn extension(mut facts: ElfFacts, module: &str) -> ElfFacts {
    facts
        .init_functions
        .push(ElfName::from(format!("PyInit_{module}").as_str()));
    facts
}

/// Resolve and judge a synthetic manylinux x86_64 wheel; the summary lists the overall and
/// repairable tags, the external libraries, and the reasons the next better policies fail.
#[track_caller]
fn check_verdict(host: &FakeHost, wheel: &[(&str, ElfFacts)], expect: &str) {
    let elves: BTreeMap<String, Arc<ElfFacts>> = wheel
        .iter()
        .map(|(p, f)| ((*p).to_owned(), Arc::new(f.clone())))
        .collect();
    let files = WheelFiles::new(elves.keys().cloned(), elves.clone());
    let options = SearchOptions::default();
    let glibc = load_ld_paths(host, Libc::Glibc, Arch::X86_64, &options);
    let musl = LdPaths::default();
    let resolver = Resolver {
        host,
        wheel: &files,
        glibc_paths: &glibc,
        musl_paths: &musl,
        exclude: &[],
    };
    let trees: BTreeMap<String, crate::resolve::DepTree> = elves
        .iter()
        .map(|(p, f)| (p.clone(), resolver.tree(p, f.clone())))
        .collect();
    let members: Vec<ElfMember> = elves
        .iter()
        .map(|(path, facts)| {
            let module = path
                .rsplit('/')
                .next()
                .unwrap_or(path)
                .split('.')
                .next()
                .unwrap_or("");
            ElfMember {
                path: path.clone(),
                facts: facts.clone(),
                python_init: facts.python_init(module),
                libc: crate::resolve::detect_libc(facts, path),
            }
        })
        .collect();
    let needed: std::collections::BTreeSet<&str> = trees
        .values()
        .flat_map(|t| t.needed.iter().map(String::as_str))
        .collect();
    let roots = members
        .iter()
        .filter(|m| {
            m.python_init == Some(PythonInit::Python3)
                || !needed.contains(m.path.rsplit('/').next().unwrap_or(""))
        })
        .map(|m| m.path.clone())
        .collect();
    let analysis = WheelAnalysis {
        filename: "demo-1.0-cp311-cp311-linux_x86_64.whl".into(),
        arch: Arch::X86_64,
        libc: Libc::Glibc,
        libc_assumed: false,
        musl_policy: None,
        claimed_tags: Vec::new(),
        elves: members,
        ignored: Vec::new(),
        purelib_elves: Vec::new(),
        trees,
        roots,
        unused_excludes: Vec::new(),
        digests: BTreeMap::new(),
    };
    let table = PolicySet::embedded(Libc::Glibc).unwrap();
    let verdict = evaluate(&analysis, table, &EvaluateOptions::default());
    let mut lines = vec![format!(
        "overall={} repairable={}",
        verdict.overall, verdict.repairable
    )];
    for (soname, lib) in &verdict.external_libs {
        let path = lib
            .realpath
            .as_ref()
            .map(crate::evaluate::location_label)
            .unwrap_or_else(|| "null".into());
        lines.push(format!("external {soname}={path}"));
    }
    let blocked: Vec<&crate::evaluate::PolicyAssessment> = verdict
        .policies
        .iter()
        .filter(|p| !verdict.at_least(&verdict.repairable, &p.name))
        .collect();
    if let Some(next) = blocked.last() {
        for too_new in &next.too_new {
            let users: Vec<String> = too_new
                .users
                .iter()
                .map(|(f, s)| format!("{f}:{}", s.join(",")))
                .collect();
            lines.push(format!(
                "{}: {} from {} needed by {}",
                next.name,
                too_new.version,
                too_new.library,
                users.join(" ")
            ));
        }
        for (lib, symbols) in &next.blacklisted {
            lines.push(format!(
                "{}: blacklisted {lib} {}",
                next.name,
                symbols.keys().cloned().collect::<Vec<_>>().join(",")
            ));
        }
        for requirement in &next.isa {
            lines.push(format!(
                "{}: isa {} {} (cap {})",
                next.name, requirement.file, requirement.level, requirement.cap
            ));
        }
    }
    assert_eq!(lines.join("\n"), expect.trim());
}

#[test]
fn r_pillow_needs_satisfied_by_a_vendored_library_do_not_constrain_the_tag() {
    let host = default_host();
    let png = defines(
        needs(
            with_rpath(elf(&["libz-1a2b3c4d.so.1"]), "$ORIGIN"),
            "libz-1a2b3c4d.so.1",
            &[("ZLIB_1.2.9", "inflateValidate")],
        ),
        &["PNG16_0"],
    );
    let zlib = defines(elf(&[]), &["ZLIB_1.2.9"]);
    let ext = extension(
        with_rpath(elf(&["libpng16-5e6f7a8b.so.16"]), "$ORIGIN/../pkg.libs"),
        "ext",
    );
    check_verdict(
        &host,
        &[
            ("pkg/ext.so", ext),
            ("pkg.libs/libpng16-5e6f7a8b.so.16", png),
            ("pkg.libs/libz-1a2b3c4d.so.1", zlib),
        ],
        "overall=manylinux_2_5 repairable=manylinux_2_5",
    );
}

#[test]
fn the_same_need_served_by_the_system_does_constrain_it() {
    let host = default_host().lib(
        "/usr/lib/x86_64-linux-gnu/libz.so.1",
        defines(elf(&[]), &["ZLIB_1.2.9"]),
    );
    let ext = extension(
        needs(
            elf(&["libz.so.1"]),
            "libz.so.1",
            &[("ZLIB_1.2.9", "inflateValidate")],
        ),
        "ext",
    );
    check_verdict(
        &host,
        &[("pkg/ext.so", ext)],
        "
overall=manylinux_2_27 repairable=manylinux_2_27
manylinux_2_26: ZLIB_1.2.9 from libz.so.1 needed by pkg/ext.so:inflateValidate
",
    );
}

#[test]
fn versions_needed_by_a_library_to_be_vendored_limit_the_repair() {
    let host = default_host().lib(
        "/usr/lib/x86_64-linux-gnu/libffi.so.8",
        needs(
            elf(&["libc.so.6"]),
            "libc.so.6",
            &[("GLIBC_2.27", "memfd_create")],
        ),
    );
    let ext = extension(elf(&["libffi.so.8", "libc.so.6"]), "ext");
    check_verdict(&host, &[("pkg/ext.so", ext)], "
overall=linux repairable=manylinux_2_27
external libffi.so.8=/usr/lib/x86_64-linux-gnu/libffi.so.8
manylinux_2_26: GLIBC_2.27 from libc.so.6 needed by /usr/lib/x86_64-linux-gnu/libffi.so.8 (vendored libffi.so.8):memfd_create
");
}

#[test]
fn loader_version_needs_count() {
    let host = default_host();
    let ext = extension(
        needs(
            elf(&["libc.so.6", "ld-linux-x86-64.so.2"]),
            "ld-linux-x86-64.so.2",
            &[("GLIBC_2.35", "__rseq_offset")],
        ),
        "ext",
    );
    check_verdict(
        &host,
        &[("pkg/ext.so", ext)],
        "
overall=manylinux_2_35 repairable=manylinux_2_35
manylinux_2_34: GLIBC_2.35 from ld-linux-x86-64.so.2 needed by pkg/ext.so:__rseq_offset
",
    );
}

#[test]
fn blacklisted_symbols_count_only_when_strong() {
    let host = default_host();
    let strong = extension(
        undefined(
            elf(&["libc.so.6"]),
            "pthread_getattr_default_np",
            SymbolBinding::Global,
        ),
        "ext",
    );
    check_verdict(
        &host,
        &[("pkg/ext.so", strong)],
        "
overall=manylinux_2_24 repairable=manylinux_2_24
manylinux_2_17: blacklisted libc.so.6 pthread_getattr_default_np
",
    );
    let weak = extension(
        undefined(
            elf(&["libc.so.6"]),
            "pthread_getattr_default_np",
            SymbolBinding::Weak,
        ),
        "ext",
    );
    check_verdict(
        &host,
        &[("pkg/ext.so", weak)],
        "overall=manylinux_2_5 repairable=manylinux_2_5",
    );
}

#[test]
fn isa_of_the_wheel_blocks_everything_isa_of_a_whitelisted_external_library_caps_the_tag() {
    let host = default_host().lib(
        "/usr/lib/x86_64-linux-gnu/libmvec.so.1",
        isa(elf(&[]), 4 | 1),
    );
    let v3 = extension(isa(elf(&["libc.so.6"]), 4), "ext");
    check_verdict(
        &host,
        &[("pkg/ext.so", v3)],
        "
overall=linux repairable=linux
manylinux_2_41: isa pkg/ext.so x86-64-v3 (cap linux)
",
    );
    // libmvec is external (vendored) up to 2_17 and the system's own from 2_24 on.
    let uses_mvec = extension(elf(&["libmvec.so.1"]), "ext");
    check_verdict(
        &host,
        &[("pkg/ext.so", uses_mvec)],
        "
overall=manylinux_2_24 repairable=manylinux_2_24
external libmvec.so.1=/usr/lib/x86_64-linux-gnu/libmvec.so.1
manylinux_2_17: isa /usr/lib/x86_64-linux-gnu/libmvec.so.1 x86-64-v3 (cap manylinux_2_24)
",
    );
}

#[test]
fn libpython_is_an_unresolved_external_as_in_auditwheel() {
    let host = default_host();
    let ext = extension(elf(&["libpython3.11.so.1.0", "libc.so.6"]), "ext");
    check_verdict(
        &host,
        &[("pkg/ext.so", ext)],
        "
overall=linux repairable=manylinux_2_5
external libpython3.11.so.1.0=null
",
    );
}

// ---------------------------------------------------------------------------------------------
// Analysis: which libc a wheel is judged as, from synthetic wheels whose ELF members' facts are
// handed to `analyze` as known facts (the members only carry the ELF magic).

use crate::analyze::{Analysis, AnalyzeOptions, KnownFacts, analyze};
use wheelfix_wheel::Wheel;
use wheelfix_wheel::write::{Compression, DosDateTime, ZipWriter};

/// An x86-64 shared object linked against glibc.
fn glibc_elf() -> ElfFacts {
    elf(&["libc.so.6"])
}

/// An x86-64 shared object linked against musl (Alpine's soname).
fn musl_elf() -> ElfFacts {
    elf(&["libc.musl-x86_64.so.1"])
}

/// Analyse and judge a wheel `demo-1.0-<tag>.whl` holding `members`; the summary lists the
/// libc, the audited and ignored files, the verdict and each claim (with the files behind a
/// libc mismatch).
#[track_caller]
fn check_analysis(tag: &str, members: &[(&str, ElfFacts)], expect: &str) {
    let mut writer = ZipWriter::new(Vec::new());
    let mut known: KnownFacts = BTreeMap::new();
    // Distinct bytes per member, so that each has its own CRC-32 key in the known facts.
    let mut add = |path: &str, data: &[u8]| {
        writer
            .add_file(path, data, Compression::Stored, 0o644, DosDateTime::EPOCH)
            .expect("writing to a Vec cannot fail");
    };
    for (path, facts) in members {
        let data = [b"\x7fELF".as_slice(), path.as_bytes()].concat();
        add(path, &data);
        known.insert(
            (
                (*path).to_owned(),
                crc32fast::hash(&data),
                data.len() as u64,
            ),
            (Arc::new(facts.clone()), None),
        );
    }
    add(
        "demo-1.0.dist-info/METADATA",
        b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
    );
    add(
        "demo-1.0.dist-info/WHEEL",
        format!("Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp311-cp311-{tag}\n").as_bytes(),
    );
    add(
        "demo-1.0.dist-info/RECORD",
        b"demo-1.0.dist-info/RECORD,,\n",
    );
    let bytes = writer.finish().expect("writing to a Vec cannot fail");
    let wheel = Wheel::open(&format!("demo-1.0-cp311-cp311-{tag}.whl"), &bytes).unwrap();
    let options = AnalyzeOptions {
        known_facts: Some(Arc::new(known)),
        ..AnalyzeOptions::default()
    };
    let analysis = match analyze(&wheel, &FakeHost::default(), &options) {
        Ok(Analysis::Platform(analysis)) => analysis,
        Ok(Analysis::Pure { .. }) => panic!("judged pure"),
        Err(err) => panic!("not analysed: {err}"),
    };
    let table = PolicySet::embedded(analysis.libc).unwrap();
    let verdict = evaluate(&analysis, table, &EvaluateOptions::default());
    let audited: Vec<&str> = analysis.elves.iter().map(|e| e.path.as_str()).collect();
    let mut lines = vec![
        format!(
            "libc={} assumed={} overall={}",
            analysis.libc, analysis.libc_assumed, verdict.overall
        ),
        format!("audited {}", audited.join(", ")),
    ];
    for ignored in &analysis.ignored {
        lines.push(format!("ignored {}: {}", ignored.path, ignored.reason));
    }
    for claim in &verdict.claims {
        let mut line = format!("claim {} met={}", claim.tag, claim.met);
        if let Some(mismatch) = &claim.libc_mismatch {
            line.push_str(&format!(
                " tag for {}, linked against {}: {}",
                mismatch.claimed,
                mismatch.linked,
                mismatch.files.join(", ")
            ));
        }
        lines.push(line);
    }
    assert_eq!(lines.join("\n"), expect.trim());
}

#[test]
fn musllinux_tag_on_glibc_elf_is_a_verdict_not_an_error() {
    check_analysis(
        "musllinux_1_2_x86_64",
        &[("demo/ext.so", extension(glibc_elf(), "ext"))],
        "
libc=glibc assumed=false overall=manylinux_2_5
audited demo/ext.so
claim musllinux_1_2_x86_64 met=false tag for musl, linked against glibc: demo/ext.so
",
    );
}

#[test]
fn manylinux_tag_on_musl_elf_is_a_verdict_not_an_error() {
    check_analysis(
        "manylinux_2_17_x86_64.manylinux2014_x86_64",
        &[("demo/ext.so", extension(musl_elf(), "ext"))],
        "
libc=musl assumed=false overall=musllinux_1_2
audited demo/ext.so
claim manylinux_2_17_x86_64 met=false tag for glibc, linked against musl: demo/ext.so
claim manylinux2014_x86_64 met=false tag for glibc, linked against musl: demo/ext.so
",
    );
}

#[test]
fn mixed_libc_elves_the_majority_decides_and_a_tie_goes_to_the_tag() {
    // Two glibc files outvote the musllinux tag and the musl file.
    check_analysis(
        "musllinux_1_2_x86_64",
        &[
            ("demo/a.so", extension(glibc_elf(), "a")),
            ("demo/b.so", extension(musl_elf(), "b")),
            ("demo/c.so", extension(glibc_elf(), "c")),
        ],
        "
libc=glibc assumed=false overall=manylinux_2_5
audited demo/a.so, demo/c.so
ignored demo/b.so: linked against musl; the wheel is judged as glibc, as its other ELF files are
claim musllinux_1_2_x86_64 met=false tag for musl, linked against glibc: demo/a.so, demo/c.so
",
    );
    // One each: the tag's libc breaks the tie, though a glibc file comes first.
    check_analysis(
        "musllinux_1_2_x86_64",
        &[
            ("demo/a.so", extension(glibc_elf(), "a")),
            ("demo/b.so", extension(musl_elf(), "b")),
        ],
        "
libc=musl assumed=false overall=musllinux_1_2
audited demo/b.so
ignored demo/a.so: linked against glibc; the wheel is judged as musl, as its other ELF files are
claim musllinux_1_2_x86_64 met=true
",
    );
    // No libc in the tag: the first file named breaks the tie.
    check_analysis(
        "linux_x86_64",
        &[
            ("demo/a.so", extension(glibc_elf(), "a")),
            ("demo/b.so", extension(musl_elf(), "b")),
        ],
        "
libc=glibc assumed=false overall=manylinux_2_5
audited demo/a.so
ignored demo/b.so: linked against musl; the wheel is judged as glibc, as its other ELF files are
",
    );
}

#[test]
fn a_file_naming_no_libc_leaves_the_tag_to_decide() {
    // A static executable claiming both libcs: each claim is judged against its own policies.
    check_analysis(
        "manylinux_2_17_x86_64.musllinux_1_1_x86_64",
        &[("demo-1.0.data/scripts/tool", elf(&[]))],
        "
libc=glibc assumed=true overall=manylinux_2_5
audited demo-1.0.data/scripts/tool
claim manylinux_2_17_x86_64 met=true
claim musllinux_1_1_x86_64 met=true
",
    );
}
