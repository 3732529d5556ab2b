//! GNU readelf as an independent oracle for what `repair` wrote into an ELF file: DT_NEEDED,
//! SONAME, RPATH/RUNPATH and the file names of `.gnu.version_r`, parsed from `readelf -W -d -V`.
//! And the host's dynamic loader (`ld.so --list`) as the oracle for how a file resolves.
//!
//! Not here: wheelfix's own ELF reader (`wheelfix_elf`), which the tests must not grade
//! themselves with.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{TempDir, oracle, skip_or_fail};

/// The dynamic-section facts readelf reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dynamic {
    pub needed: Vec<String>,
    pub soname: Option<String>,
    pub rpath: Option<String>,
    pub runpath: Option<String>,
    /// The `File:` of every `.gnu.version_r` entry, in order.
    pub verneed_files: Vec<String>,
}

impl Dynamic {
    /// Every `.gnu.version_r` file name is a DT_NEEDED entry: glibc looks the versions up in
    /// the object loaded for that name, so a renamed DT_NEEDED must be renamed there too.
    pub fn verneed_matches_needed(&self) -> bool {
        self.verneed_files.iter().all(|f| self.needed.contains(f))
    }
}

/// `readelf -W -d -V` of `bytes`; `None` (after `skip_or_fail`) when readelf is missing.
pub fn readelf(bytes: &[u8]) -> Option<Dynamic> {
    let readelf = oracle("readelf")?;
    let temp = TempDir::new("readelf");
    let path = temp.path().join("object");
    std::fs::write(&path, bytes).unwrap();
    let output = Command::new(readelf)
        .args(["-W", "-d", "-V"])
        .arg(&path)
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "readelf failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(parse(&String::from_utf8_lossy(&output.stdout)))
}

fn bracketed(line: &str) -> Option<String> {
    let start = line.find('[')?;
    let end = line.rfind(']')?;
    Some(line[start + 1..end].to_owned())
}

fn parse(text: &str) -> Dynamic {
    let mut dynamic = Dynamic::default();
    let mut in_verneed = false;
    for line in text.lines() {
        if line.starts_with("Version needs section") {
            in_verneed = true;
            continue;
        }
        if line.starts_with("Version ") || line.starts_with("Dynamic section") {
            in_verneed = false;
        }
        if line.contains("(NEEDED)") {
            dynamic.needed.extend(bracketed(line));
        } else if line.contains("(SONAME)") {
            dynamic.soname = bracketed(line);
        } else if line.contains("(RPATH)") {
            dynamic.rpath = bracketed(line);
        } else if line.contains("(RUNPATH)") {
            dynamic.runpath = bracketed(line);
        } else if in_verneed && let Some((_, rest)) = line.split_once("File: ") {
            let file = rest.split_whitespace().next().unwrap_or_default();
            dynamic.verneed_files.push(file.to_owned());
        }
    }
    dynamic
}

/// What the host's dynamic loader resolves each DT_NEEDED of `file` to (`ld.so --list`,
/// which loads without running anything and also checks symbol versions): soname → path.
/// `None` (after `skip_or_fail`) when this machine has no x86-64 glibc loader.
pub fn loader_resolves(file: &Path) -> Option<Vec<(String, PathBuf)>> {
    let loader = Path::new("/lib64/ld-linux-x86-64.so.2");
    if !cfg!(all(target_arch = "x86_64", target_os = "linux")) || !loader.exists() {
        skip_or_fail("no x86-64 glibc loader (/lib64/ld-linux-x86-64.so.2) to resolve with");
        return None;
    }
    let output = Command::new(loader)
        .arg("--list")
        .arg(file)
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("LD_PRELOAD")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "ld.so --list {} failed: {}{}",
        file.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Some(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| {
                let (name, rest) = line.trim().split_once(" => ")?;
                let path = rest.rsplit_once(" (")?.0;
                Some((name.to_owned(), PathBuf::from(path)))
            })
            .collect(),
    )
}

#[test]
fn parses_readelf_output() {
    let text = "
Dynamic section at offset 0x2df0 contains 23 entries:
  Tag        Type                         Name/Value
 0x0000000000000001 (NEEDED)             Shared library: [libdemo-291c0798.so.1]
 0x0000000000000001 (NEEDED)             Shared library: [libc.so.6]
 0x000000000000000e (SONAME)             Library soname: [libx.so]
 0x000000000000000f (RPATH)              Library rpath: [$ORIGIN/../demo.libs]

Version symbols section '.gnu.version' contains 7 entries:
 Addr: 0x0000000000000450  Offset: 0x00000450  Link: 5 (.dynsym)
  000:   0 (*local*)       2 (GLIBC_2.2.5)   1 (*global*)      3 (DEMO_1.0)

Version needs section '.gnu.version_r' contains 2 entries:
 Addr: 0x0000000000000360  Offset: 0x00000360  Link: 21 (.dynstr)
  000000: Version: 1  File: libdemo-291c0798.so.1  Cnt: 1
  0x0010:   Name: DEMO_1.0  Flags: none  Version: 3
  0x0020: Version: 1  File: libc.so.6  Cnt: 1
  0x0030:   Name: GLIBC_2.2.5  Flags: none  Version: 2
";
    let dynamic = parse(text);
    assert_eq!(dynamic.needed, ["libdemo-291c0798.so.1", "libc.so.6"]);
    assert_eq!(dynamic.soname.as_deref(), Some("libx.so"));
    assert_eq!(dynamic.rpath.as_deref(), Some("$ORIGIN/../demo.libs"));
    assert_eq!(dynamic.runpath, None);
    assert_eq!(dynamic.verneed_files, dynamic.needed);
    assert!(dynamic.verneed_matches_needed());
}
