//! Helpers shared by the editor's integration tests: fixture paths, scratch directories, the
//! external oracles (the dlopen harness natively or under qemu-user, `readelf`, `strip`) and the
//! skip-or-fail policy for missing tools.
//!
//! Oracles are external programs; when one is missing the test prints `skipped: <why>` and
//! passes, unless `WHEELFIX_REQUIRE_ORACLES=1` (set by `cargo xtask test`), which makes it
//! fail. No test logic lives here, only plumbing.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::disallowed_methods,
    clippy::print_stdout,
    clippy::unwrap_used
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use wheelfix_elf::ElfName;
use wheelfix_elf::edit::{ElfEdit, RpathEdit, apply};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

pub fn fixture(case: &str, file: &str) -> PathBuf {
    repo_root()
        .join("testdata/elf")
        .join(case)
        .join("out")
        .join(file)
}

pub fn read_fixture(case: &str, file: &str) -> Vec<u8> {
    let path = fixture(case, file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading fixture {}: {e}", path.display()))
}

/// A fresh directory under cargo's per-target temporary directory.
pub fn scratch(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("edit-tests")
        .join(format!("{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("creating a scratch directory");
    dir
}

pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("writing a scratch file");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

pub fn copy_fixture(case: &str, file: &str, dir: &Path, name: &str) -> PathBuf {
    write_file(dir, name, &read_fixture(case, file))
}

#[allow(unused_imports)] // not every test binary that includes this module skips
pub use wheelfix_testkit::skip_or_fail;

/// Whether `tool` can be run; prints `skipped: ...` (or panics under
/// `WHEELFIX_REQUIRE_ORACLES=1`) when it cannot.
pub fn have_tool(tool: &str) -> bool {
    wheelfix_testkit::oracle(tool).is_some()
}

pub fn name(text: &str) -> ElfName {
    ElfName::from(text)
}

/// The edit an auditwheel-style graft applies to a library: new SONAME, renamed
/// dependencies, DT_RPATH.
pub fn graft_edit(soname: Option<&str>, replace: &[(&str, &str)], rpath: &str) -> ElfEdit {
    ElfEdit {
        set_soname: soname.map(name),
        replace_needed: replace.iter().map(|(o, n)| (name(o), name(n))).collect(),
        remove_needed: Vec::new(),
        rpath: Some(RpathEdit::SetRpath(name(rpath))),
        strip: false,
    }
}

#[track_caller]
pub fn edit(input: &[u8], edit: &ElfEdit) -> Vec<u8> {
    match apply(input, edit) {
        Ok(output) => output,
        Err(err) => panic!("edit failed: {err}"),
    }
}

/// A foreign architecture of the `edit-cross` fixture: its qemu-user binary and sysroot.
#[derive(Debug, Clone, Copy)]
pub struct Arch {
    pub name: &'static str,
    pub qemu: &'static str,
    pub sysroot: &'static str,
    pub triplet: &'static str,
}

pub const CROSS_ARCHES: &[Arch] = &[
    Arch {
        name: "aarch64",
        qemu: "qemu-aarch64",
        sysroot: "/usr/aarch64-linux-gnu",
        triplet: "aarch64-linux-gnu",
    },
    Arch {
        name: "ppc64le",
        qemu: "qemu-ppc64le",
        sysroot: "/usr/powerpc64le-linux-gnu",
        triplet: "powerpc64le-linux-gnu",
    },
    Arch {
        name: "ppc64",
        qemu: "qemu-ppc64",
        sysroot: "/usr/powerpc64-linux-gnu",
        triplet: "powerpc64-linux-gnu",
    },
    Arch {
        name: "s390x",
        qemu: "qemu-s390x",
        sysroot: "/usr/s390x-linux-gnu",
        triplet: "s390x-linux-gnu",
    },
    Arch {
        name: "i686",
        qemu: "qemu-i386",
        sysroot: "/usr/i686-linux-gnu",
        triplet: "i686-linux-gnu",
    },
    Arch {
        name: "armv7l",
        qemu: "qemu-arm",
        sysroot: "/usr/arm-linux-gnueabihf",
        triplet: "arm-linux-gnueabihf",
    },
    Arch {
        name: "riscv64",
        qemu: "qemu-riscv64",
        sysroot: "/usr/riscv64-linux-gnu",
        triplet: "riscv64-linux-gnu",
    },
];

/// The outcome of one harness run: the printed integer, or the loader's complaint.
pub type Load = Result<i64, String>;

fn harness_result(output: std::process::Output) -> Load {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("{} {}", output.status, stderr.trim()));
    }
    stdout.trim().parse().map_err(|_| {
        format!(
            "unexpected harness output `{}` / `{}`",
            stdout.trim(),
            stderr.trim()
        )
    })
}

/// dlopen (RTLD_NOW) every library in order with the native x86_64 harness and call `symbol`
/// of the last one.
pub fn load_native(libraries: &[&Path], symbol: &str) -> Load {
    load_native_with_library_path(libraries, symbol, None)
}

/// [`load_native`] with `LD_LIBRARY_PATH` set to `search` (unset when `None`).
pub fn load_native_with_library_path(
    libraries: &[&Path],
    symbol: &str,
    search: Option<&Path>,
) -> Load {
    let harness = fixture("edit-basic", "harness");
    let mut command = Command::new(&harness);
    command.args(libraries).arg(symbol);
    match search {
        Some(dir) => command.env("LD_LIBRARY_PATH", dir),
        None => command.env_remove("LD_LIBRARY_PATH"),
    };
    let output = command
        .output()
        .map_err(|e| format!("spawning {}: {e}", harness.display()))?;
    harness_result(output)
}

/// Like [`load_native`] for a foreign architecture, under qemu-user with its sysroot.
pub fn load_cross(arch: &Arch, libraries: &[&Path], symbol: &str) -> Load {
    let harness = fixture("edit-cross", &format!("{}/harness", arch.name));
    let output = Command::new(arch.qemu)
        .arg("-L")
        .arg(arch.sysroot)
        .arg(&harness)
        .args(libraries)
        .arg(symbol)
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .map_err(|e| format!("spawning {}: {e}", arch.qemu))?;
    harness_result(output)
}

/// Run a tool and return its stdout; panics when it fails.
pub fn run_tool(tool: &str, args: &[&str], file: &Path) -> String {
    let output = Command::new(tool)
        .args(args)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("spawning {tool}: {e}"));
    assert!(
        output.status.success(),
        "{tool} {args:?} {} failed: {}",
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Run `tool ARGS FILE` in place (e.g. `strip`), returning whether it succeeded and its stderr.
pub fn run_in_place(tool: &str, args: &[&str], file: &Path) -> (bool, String) {
    let output = Command::new(tool)
        .args(args)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("spawning {tool}: {e}"));
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Section index to name, per `readelf -S`.
fn section_names(readelf: &str, file: &Path) -> Vec<(String, String)> {
    run_tool(readelf, &["-SW"], file)
        .lines()
        .filter_map(|line| {
            let line = line.trim_start().strip_prefix('[')?;
            let (index, rest) = line.split_once(']')?;
            let name = rest.split_whitespace().next()?;
            Some((index.trim().to_owned(), name.to_owned()))
        })
        .collect()
}

/// `readelf -W --dyn-syms -r -V`, with what only states positions taken out: section offsets
/// and addresses, and section indices (symbol `Ndx` becomes the section name; `Link:` loses
/// its number), because section headers get re-sorted.
pub fn readelf_semantics(readelf: &str, file: &Path) -> String {
    let names = section_names(readelf, file);
    let text = run_tool(readelf, &["-W", "--dyn-syms", "-r", "-V"], file);
    let mut in_symbols = false;
    text.lines()
        .filter(|line| !line.trim_start().starts_with("Addr:"))
        .map(|line| {
            if line.starts_with("Symbol table") {
                in_symbols = true;
            } else if line.trim().is_empty() {
                in_symbols = false;
            }
            if let Some(at) = line.find(" at offset ") {
                let rest = &line[at + " at offset ".len()..];
                let after = rest.find(' ').map_or("", |i| &rest[i..]);
                return format!("{}{after}", &line[..at]);
            }
            let columns: Vec<&str> = line.split_whitespace().collect();
            let is_symbol = in_symbols
                && columns.len() >= 7
                && columns[0].ends_with(':')
                && columns[0].trim_end_matches(':').parse::<u32>().is_ok();
            // Ndx follows the visibility, after optional `[...]` notes such as ppc64's
            // `[<localentry>: 8]`.
            let visibility = columns
                .iter()
                .position(|c| matches!(*c, "DEFAULT" | "HIDDEN" | "PROTECTED" | "INTERNAL"));
            if let (true, Some(mut ndx)) = (is_symbol, visibility.map(|v| v + 1)) {
                if columns.get(ndx).is_some_and(|c| c.starts_with('[')) {
                    while columns.get(ndx).is_some_and(|c| !c.ends_with(']')) {
                        ndx += 1;
                    }
                    ndx += 1;
                }
                let mut columns = columns.clone();
                if let Some(index) = columns.get(ndx).copied() {
                    columns[ndx] = names
                        .iter()
                        .find(|(i, _)| i == index)
                        .map_or(index, |(_, name)| name.as_str());
                }
                return columns.join(" ");
            }
            line.to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `(tag, value)` lines of `readelf -d`, e.g. `("NEEDED", "Shared library: [libc.so.6]")`.
pub fn readelf_dynamic(readelf: &str, file: &Path) -> Vec<(String, String)> {
    run_tool(readelf, &["-dW"], file)
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let open = line.find('(')?;
            let close = line.find(')')?;
            if !line.starts_with("0x") || close < open {
                return None;
            }
            Some((
                line[open + 1..close].to_owned(),
                line[close + 1..].trim().to_owned(),
            ))
        })
        .collect()
}

/// File names of `.gnu.version_r` per `readelf -V`.
pub fn version_need_files(readelf: &str, file: &Path) -> Vec<String> {
    run_tool(readelf, &["-VW"], file)
        .lines()
        .filter_map(|line| {
            let at = line.find("File: ")?;
            let rest = &line[at + "File: ".len()..];
            Some(rest.split_whitespace().next()?.to_owned())
        })
        .collect()
}

/// DT_NEEDED names per `readelf -d`.
pub fn needed(readelf: &str, file: &Path) -> Vec<String> {
    readelf_dynamic(readelf, file)
        .into_iter()
        .filter(|(tag, _)| tag == "NEEDED")
        .filter_map(|(_, value)| {
            let start = value.find('[')?;
            let end = value.rfind(']')?;
            Some(value[start + 1..end].to_owned())
        })
        .collect()
}

/// Every `.gnu.version_r` file must be a DT_NEEDED entry, or the loader asserts.
#[track_caller]
pub fn assert_version_files_match_needed(readelf: &str, file: &Path) {
    let needed = needed(readelf, file);
    for version_file in version_need_files(readelf, file) {
        assert!(
            needed.contains(&version_file),
            "{}: .gnu.version_r names `{version_file}` which is not in DT_NEEDED {needed:?}",
            file.display()
        );
    }
}

/// Structural rules every output must keep, checked on the parsed output:
/// PT_LOADs sorted by address and congruent (`p_offset ≡ p_vaddr mod p_align`), the program
/// header table inside a PT_LOAD, section headers sorted by offset.
#[track_caller]
pub fn assert_layout_invariants(output: &[u8]) {
    let summary = wheelfix_elf::edit::inspect(output).expect("the output parses");
    let loads: Vec<_> = summary
        .program_headers
        .iter()
        .filter(|p| p.kind == "PT_LOAD")
        .collect();
    for pair in loads.windows(2) {
        assert!(
            pair[0].vaddr + pair[0].memsz <= pair[1].vaddr,
            "PT_LOADs out of order"
        );
    }
    for load in &loads {
        if load.align > 1 {
            assert_eq!(
                load.offset % load.align,
                load.vaddr % load.align,
                "PT_LOAD at {:#x} is not congruent",
                load.offset
            );
        }
    }
    if let Some(phdr) = summary.program_headers.iter().find(|p| p.kind == "PT_PHDR") {
        assert!(
            loads.iter().any(
                |l| l.offset <= phdr.offset && phdr.offset + phdr.filesz <= l.offset + l.filesz
            ),
            "PT_PHDR is not inside a PT_LOAD"
        );
    }
    let offsets: Vec<u64> = summary.sections.iter().skip(1).map(|s| s.offset).collect();
    let mut sorted = offsets.clone();
    sorted.sort_unstable();
    assert_eq!(offsets, sorted, "section headers are not sorted by offset");
}

/// The PT_LOADs of a summary.
pub fn loads(bytes: &[u8]) -> Vec<wheelfix_elf::edit::ProgramHeaderSummary> {
    wheelfix_elf::edit::inspect(bytes)
        .expect("parses")
        .program_headers
        .into_iter()
        .filter(|p| p.kind == "PT_LOAD")
        .collect()
}
