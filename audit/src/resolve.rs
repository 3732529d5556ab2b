//! Dependency resolution with auditwheel's `lddtree` semantics: which file the dynamic loader
//! would open for every DT_NEEDED, walking depth-first from one root ELF of the wheel.
//!
//! Search order for each soname (anchors.md §c3): the root's DT_RPATH, the object's own
//! DT_RPATH (ignored when it has DT_RUNPATH), its DT_RUNPATH, the environment, the root's
//! DT_RUNPATH, the configured directories, the interpreter's directories. The first
//! compatible file wins (class, byte order, machine, OSABI), and a soname resolved once is
//! reused for the whole tree. Files inside the wheel are found through `$ORIGIN` without
//! extracting anything: a [`Location`] is either a wheel member or a target path.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use wheelfix_elf::ElfFacts;
use wheelfix_tags::Libc;

use crate::fnmatch::fnmatch;
use crate::host::{HostFs, normalize};
use crate::ldpaths::LdPaths;

/// Where a file or directory is: inside the wheel (a member path such as `pkg/ext.so`, or a
/// directory such as `pkg`; the wheel root is the empty string), or on the target filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Location {
    Wheel(String),
    Host(PathBuf),
}

impl Location {
    pub fn is_in_wheel(&self) -> bool {
        matches!(self, Location::Wheel(_))
    }

    fn join(&self, name: &str) -> Location {
        match self {
            Location::Wheel(dir) if dir.is_empty() => Location::Wheel(name.to_owned()),
            Location::Wheel(dir) => Location::Wheel(format!("{dir}/{name}")),
            Location::Host(dir) => Location::Host(dir.join(name)),
        }
    }

    fn parent(&self) -> Location {
        match self {
            Location::Wheel(path) => Location::Wheel(
                path.rsplit_once('/')
                    .map(|(dir, _)| dir.to_owned())
                    .unwrap_or_default(),
            ),
            Location::Host(path) => Location::Host(
                path.parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| PathBuf::from("/")),
            ),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Wheel(path) => write!(f, "{path} (in wheel)"),
            Location::Host(path) => write!(f, "{}", path.display()),
        }
    }
}

/// The ELF members of a wheel and every directory that exists in it.
#[derive(Debug, Default)]
pub struct WheelFiles {
    pub elves: BTreeMap<String, Arc<ElfFacts>>,
    pub dirs: BTreeSet<String>,
}

impl WheelFiles {
    pub fn new(
        member_paths: impl IntoIterator<Item = String>,
        elves: BTreeMap<String, Arc<ElfFacts>>,
    ) -> WheelFiles {
        let mut dirs = BTreeSet::new();
        dirs.insert(String::new());
        for path in member_paths {
            let mut rest = path.trim_end_matches('/');
            while let Some((dir, _)) = rest.rsplit_once('/') {
                dirs.insert(dir.to_owned());
                rest = dir;
            }
            if path.ends_with('/') {
                dirs.insert(path.trim_end_matches('/').to_owned());
            }
        }
        WheelFiles { elves, dirs }
    }
}

/// One library reached from a root.
#[derive(Debug, Clone)]
pub struct ResolvedLib {
    pub soname: String,
    /// The path the search found (possibly a symlink), `None` when nothing was found.
    pub path: Option<Location>,
    pub realpath: Option<Location>,
    pub facts: Option<Arc<ElfFacts>>,
    /// Its DT_NEEDED entries, excluded ones removed.
    pub needed: Vec<String>,
    /// The object whose DT_NEEDED first asked for it (a member path or a soname).
    pub needed_by: String,
}

/// The resolved dependency tree of one root ELF.
#[derive(Debug, Clone)]
pub struct DepTree {
    /// The root's member path.
    pub root: String,
    pub facts: Arc<ElfFacts>,
    pub libc: Option<Libc>,
    /// The root's DT_NEEDED, excluded ones removed.
    pub needed: Vec<String>,
    /// Every soname reached, in the order it was first resolved.
    pub order: Vec<String>,
    pub libraries: BTreeMap<String, ResolvedLib>,
    /// Sonames removed by `--exclude`, with the pattern that matched.
    pub excluded: BTreeMap<String, String>,
}

/// `libpythonX.Y.so[.N]`: recorded but never searched (the interpreter provides it).
pub fn is_libpython(soname: &str) -> bool {
    let Some(rest) = soname.strip_prefix("libpython") else {
        return false;
    };
    let Some((version, tail)) = rest.split_once(".so") else {
        return false;
    };
    let version = version.strip_suffix('m').unwrap_or(version);
    let Some((major, minor)) = version.split_once('.') else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(major)
        && digits(minor)
        && (tail.is_empty() || tail.split('.').skip(1).all(digits) && tail.starts_with('.'))
}

/// The dynamic loader of a libc (never vendored, never external).
pub fn is_dynamic_loader(soname: &str) -> bool {
    soname.contains("ld-linux")
        || soname == "ld64.so.2"
        || soname == "ld64.so.1"
        || soname.starts_with("ld-musl-")
}

/// The libc an ELF is linked against, judged as auditwheel does: PT_INTERP, then DT_NEEDED,
/// then the file name's SOABI suffix.
pub fn detect_libc(facts: &ElfFacts, file_name: &str) -> Option<Libc> {
    if let Some(interp) = &facts.interpreter {
        let interp = interp.to_string();
        let base = interp.rsplit('/').next().unwrap_or(&interp);
        return Some(if base.starts_with("ld-musl-") {
            Libc::Musl
        } else {
            Libc::Glibc
        });
    }
    for needed in &facts.needed {
        let needed = needed.to_string();
        if needed.starts_with("libc.musl-") || needed.starts_with("ld-musl-") {
            return Some(Libc::Musl);
        }
        if needed == "libc.so.6"
            || needed.starts_with("ld-linux-")
            || needed.starts_with("ld64.so.")
        {
            return Some(Libc::Glibc);
        }
    }
    if file_name.ends_with("-arm-linux-musleabihf.so") || file_name.ends_with("-linux-musl.so") {
        return Some(Libc::Musl);
    }
    if file_name.ends_with("-arm-linux-gnueabihf.so") || file_name.ends_with("-linux-gnu.so") {
        let stem = file_name.strip_suffix(".so").unwrap_or(file_name);
        let soabi = stem.rsplit('.').next().unwrap_or("");
        let mut parts = soabi.split('-');
        if parts.next() == Some("cpython")
            && let Some(version) = parts.next()
            && let Some(minor) = version.strip_prefix('3')
            && minor.len() >= 2
            && minor[..2].parse::<u32>().is_ok_and(|m| m >= 11)
        {
            return Some(Libc::Glibc);
        }
    }
    None
}

/// OSABI values the loader treats as equivalent (NONE/SYSV and GNU/LINUX).
fn compatible(a: &ElfFacts, b: &ElfFacts) -> bool {
    let osabi_ok = a.osabi == b.osabi || (matches!(a.osabi, 0 | 3) && matches!(b.osabi, 0 | 3));
    osabi_ok && a.class == b.class && a.endianness == b.endianness && a.machine == b.machine
}

/// Everything a tree walk needs besides the root.
pub struct Resolver<'a> {
    pub host: &'a dyn HostFs,
    pub wheel: &'a WheelFiles,
    /// Configured directories per libc (glibc is used when the libc is unknown).
    pub glibc_paths: &'a LdPaths,
    pub musl_paths: &'a LdPaths,
    pub exclude: &'a [String],
}

/// A walk's directory lists that come from the root.
struct RootPaths {
    rpath: Vec<Location>,
    runpath: Vec<Location>,
    interp: Vec<Location>,
    conf: Vec<Location>,
    env: Vec<Location>,
}

const MAX_DEPTH: usize = 256;

impl Resolver<'_> {
    /// Resolve the tree of the wheel member `root`.
    pub fn tree(&self, root: &str, facts: Arc<ElfFacts>) -> DepTree {
        self.tree_at(Location::Wheel(root.to_owned()), root, facts)
    }

    /// Resolve the tree of the ELF file at `location`, labelled `root` in the result.
    pub fn tree_at(&self, location: Location, root: &str, facts: Arc<ElfFacts>) -> DepTree {
        let file_name = root.rsplit('/').next().unwrap_or(root);
        let libc = detect_libc(&facts, file_name);
        let paths = match libc {
            Some(Libc::Musl) => self.musl_paths,
            _ => self.glibc_paths,
        };
        let (rpath, runpath) = self.rpaths(&location, &facts);
        let interp = match &facts.interpreter {
            Some(interp) => {
                let interp = PathBuf::from(interp.to_string());
                let dir = interp
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| PathBuf::from("/"));
                let usr_dir = normalize(&PathBuf::from(format!("/usr{}", dir.display())));
                vec![Location::Host(normalize(&dir)), Location::Host(usr_dir)]
            }
            None => Vec::new(),
        };
        let root_paths = RootPaths {
            rpath: rpath.clone(),
            runpath: runpath.clone(),
            interp,
            conf: paths.conf.iter().cloned().map(Location::Host).collect(),
            env: paths.env.iter().cloned().map(Location::Host).collect(),
        };
        let mut tree = DepTree {
            root: root.to_owned(),
            facts: facts.clone(),
            libc,
            needed: Vec::new(),
            order: Vec::new(),
            libraries: BTreeMap::new(),
            excluded: BTreeMap::new(),
        };
        tree.needed = self.walk(&mut tree, &root_paths, &location, &facts, root, 0);
        tree
    }

    /// DT_RPATH and DT_RUNPATH of `facts` (located at `location`), expanded and filtered to
    /// existing directories; RPATH is dropped when RUNPATH exists.
    fn rpaths(&self, location: &Location, facts: &ElfFacts) -> (Vec<Location>, Vec<Location>) {
        let runpath = facts
            .runpath
            .as_ref()
            .map(|r| self.expand(location, &r.to_string()))
            .unwrap_or_default();
        let rpath = if runpath.is_empty() {
            facts
                .rpath
                .as_ref()
                .map(|r| self.expand(location, &r.to_string()))
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        (rpath, runpath)
    }

    fn expand(&self, location: &Location, list: &str) -> Vec<Location> {
        let origin = location.parent();
        let mut out: Vec<Location> = Vec::new();
        for entry in list.split(':') {
            let expanded = if entry.is_empty() {
                Some(Location::Host(self.host.current_dir()))
            } else if let Some(rest) = entry
                .strip_prefix("$ORIGIN")
                .or_else(|| entry.strip_prefix("${ORIGIN}"))
            {
                match &origin {
                    Location::Wheel(dir) => {
                        normalize_in_wheel(&format!("{dir}/{rest}")).map(Location::Wheel)
                    }
                    Location::Host(dir) => Some(Location::Host(normalize(&PathBuf::from(
                        format!("{}/{rest}", dir.display()),
                    )))),
                }
            } else if entry.contains("$ORIGIN") || entry.contains("${ORIGIN}") {
                match &origin {
                    Location::Host(dir) => {
                        let text = dir.display().to_string();
                        Some(Location::Host(normalize(&PathBuf::from(
                            entry.replace("${ORIGIN}", &text).replace("$ORIGIN", &text),
                        ))))
                    }
                    Location::Wheel(_) => None,
                }
            } else {
                // auditwheel prefixes relative entries with the root, making `lib` mean `/lib`.
                Some(Location::Host(normalize(&PathBuf::from(format!(
                    "/{entry}"
                )))))
            };
            let Some(expanded) = expanded else { continue };
            let exists = match &expanded {
                Location::Wheel(dir) => self.wheel.dirs.contains(dir),
                Location::Host(dir) => self.host.is_dir(dir),
            };
            if exists && !out.contains(&expanded) {
                out.push(expanded);
            }
        }
        out
    }

    /// Resolve the DT_NEEDED of one object, recursing into what it finds. Returns the object's
    /// needed list with excluded sonames removed.
    fn walk(
        &self,
        tree: &mut DepTree,
        root: &RootPaths,
        location: &Location,
        facts: &ElfFacts,
        requester: &str,
        depth: usize,
    ) -> Vec<String> {
        let (own_rpath, own_runpath) = if depth == 0 {
            (root.rpath.clone(), root.runpath.clone())
        } else {
            self.rpaths(location, facts)
        };
        let search: Vec<&Location> = root
            .rpath
            .iter()
            .chain(&own_rpath)
            .chain(&own_runpath)
            .chain(&root.env)
            .chain(&root.runpath)
            .chain(&root.conf)
            .chain(&root.interp)
            .collect();
        let mut kept = Vec::new();
        let mut locally_excluded = BTreeSet::new();
        for needed in &facts.needed {
            let soname = needed.to_string();
            if tree.libraries.contains_key(&soname) {
                kept.push(soname);
                continue;
            }
            if locally_excluded.contains(&soname) {
                continue;
            }
            if let Some(pattern) = self.exclude.iter().find(|p| fnmatch(p, &soname)) {
                tree.excluded.insert(soname.clone(), pattern.clone());
                locally_excluded.insert(soname);
                continue;
            }
            if is_libpython(&soname) {
                tree.order.push(soname.clone());
                tree.libraries.insert(
                    soname.clone(),
                    ResolvedLib {
                        soname: soname.clone(),
                        path: None,
                        realpath: None,
                        facts: None,
                        needed: Vec::new(),
                        needed_by: requester.to_owned(),
                    },
                );
                kept.push(soname);
                continue;
            }
            let found = if depth >= MAX_DEPTH {
                None
            } else {
                self.find(facts, &soname, &search)
            };
            if let Some((_, realpath, _)) = &found
                && let Some(pattern) = self
                    .exclude
                    .iter()
                    .find(|p| fnmatch(p, &location_text(realpath)))
            {
                tree.excluded.insert(soname.clone(), pattern.clone());
                locally_excluded.insert(soname);
                continue;
            }
            tree.order.push(soname.clone());
            kept.push(soname.clone());
            match found {
                None => {
                    tree.libraries.insert(
                        soname.clone(),
                        ResolvedLib {
                            soname,
                            path: None,
                            realpath: None,
                            facts: None,
                            needed: Vec::new(),
                            needed_by: requester.to_owned(),
                        },
                    );
                }
                Some((path, realpath, lib_facts)) => {
                    // Insert before recursing so that cycles terminate, as lddtree does.
                    tree.libraries.insert(
                        soname.clone(),
                        ResolvedLib {
                            soname: soname.clone(),
                            path: Some(path.clone()),
                            realpath: Some(realpath.clone()),
                            facts: Some(lib_facts.clone()),
                            needed: Vec::new(),
                            needed_by: requester.to_owned(),
                        },
                    );
                    let needed = self.walk(tree, root, &realpath, &lib_facts, &soname, depth + 1);
                    if let Some(entry) = tree.libraries.get_mut(&soname) {
                        entry.needed = needed;
                    }
                }
            }
        }
        kept
    }

    fn find(
        &self,
        requester: &ElfFacts,
        soname: &str,
        search: &[&Location],
    ) -> Option<(Location, Location, Arc<ElfFacts>)> {
        if soname.contains('/') {
            // A DT_NEEDED with a slash is a path, not searched; wheels should never have one.
            return None;
        }
        for dir in search {
            let candidate = dir.join(soname);
            match &candidate {
                Location::Wheel(member) => {
                    if let Some(facts) = self.wheel.elves.get(member)
                        && compatible(requester, facts)
                    {
                        return Some((candidate.clone(), candidate, facts.clone()));
                    }
                }
                Location::Host(path) => {
                    let Some(real) = self.host.realpath(path) else {
                        continue;
                    };
                    let Some(facts) = self.host.elf_facts(&real) else {
                        continue;
                    };
                    if compatible(requester, &facts) {
                        return Some((candidate.clone(), Location::Host(real), facts));
                    }
                }
            }
        }
        None
    }
}

fn location_text(location: &Location) -> String {
    match location {
        Location::Wheel(path) => path.clone(),
        Location::Host(path) => path.display().to_string(),
    }
}

/// Normalize a path inside the wheel; `None` when `..` climbs out of the wheel root.
fn normalize_in_wheel(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpython_names() {
        for name in [
            "libpython3.11.so.1.0",
            "libpython2.7.so",
            "libpython3.6m.so.1.0",
            "libpython3.12.so",
        ] {
            assert!(is_libpython(name), "{name}");
        }
        for name in [
            "libpython3.so",
            "libpythonx.so",
            "libpython3.11.so.x",
            "libpython3.11.a",
        ] {
            assert!(!is_libpython(name), "{name}");
        }
    }

    #[test]
    fn wheel_paths_normalize_and_escape() {
        assert_eq!(
            normalize_in_wheel("pkg/sub/../pkg.libs"),
            Some("pkg/pkg.libs".into())
        );
        assert_eq!(normalize_in_wheel("pkg/../../x"), None);
        assert_eq!(normalize_in_wheel("pkg/./"), Some("pkg".into()));
    }

    #[test]
    fn wheel_dirs_include_ancestors() {
        let files = WheelFiles::new(
            ["a/b/c.so".to_owned(), "d/".to_owned(), "e.txt".to_owned()],
            BTreeMap::new(),
        );
        assert_eq!(
            files.dirs.iter().map(String::as_str).collect::<Vec<_>>(),
            ["", "a", "a/b", "d"]
        );
    }
}
