//! The target filesystem the loader would search: [`HostFs`], the only way the audit touches
//! files outside the wheel, and [`RealHost`], its implementation over a directory tree (`/` or
//! a `--root` sysroot).
//!
//! Paths passed to and returned by a `HostFs` are *target* paths (`/usr/lib/libz.so.1`), as the
//! loader on the target would see them; the implementation maps them under its root. Symlinks
//! are resolved inside the root, never escaping it. Tests use an in-memory implementation.

use std::collections::HashMap;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use wheelfix_elf::ElfFacts;

use crate::fnmatch::{fnmatch, has_wildcards};

/// Read access to the target filesystem.
pub trait HostFs: Sync {
    /// Whether the target path is a directory (after following symlinks).
    fn is_dir(&self, path: &Path) -> bool;
    /// The file a path names, if it exists: symlinks of the file itself are followed (as
    /// auditwheel's `readlink` does), while symlinked directories keep their spelling, so on a
    /// merged-/usr system `/lib/x86_64-linux-gnu/libz.so.1` stays under `/lib`.
    fn realpath(&self, path: &Path) -> Option<PathBuf>;
    /// The ELF facts of a file (a realpath); `None` when it is not a readable ELF file.
    fn elf_facts(&self, realpath: &Path) -> Option<Arc<ElfFacts>>;
    /// A text file's content, if it exists and is UTF-8.
    fn read_text(&self, path: &Path) -> Option<String>;
    /// A file's bytes (for copying a library into a wheel).
    fn read_bytes(&self, path: &Path) -> std::io::Result<Vec<u8>>;
    /// The names in a directory, sorted.
    fn list_dir(&self, path: &Path) -> Vec<String>;
    /// The directory relative `LD_LIBRARY_PATH` entries are taken from.
    fn current_dir(&self) -> PathBuf;
}

/// Expand a glob pattern (wildcards allowed in any component) against the host, sorted, as
/// glibc's `glob()` does for `ld.so.conf` includes.
pub fn glob(host: &dyn HostFs, pattern: &Path) -> Vec<PathBuf> {
    let mut candidates = vec![PathBuf::from("/")];
    for component in pattern.components() {
        let part = match component {
            Component::RootDir | Component::Prefix(_) => continue,
            Component::CurDir => continue,
            Component::ParentDir => "..".to_owned(),
            Component::Normal(name) => name.to_string_lossy().into_owned(),
        };
        let mut next = Vec::new();
        for base in &candidates {
            if has_wildcards(&part) {
                for name in host.list_dir(base) {
                    if !name.starts_with('.') && fnmatch(&part, &name) {
                        next.push(base.join(name));
                    }
                }
            } else {
                next.push(base.join(&part));
            }
        }
        candidates = next;
    }
    let mut found: Vec<PathBuf> = candidates
        .into_iter()
        .filter(|p| host.realpath(p).is_some())
        .collect();
    found.sort();
    found
}

/// Lexically normalize a target path: resolve `.` and `..` without touching the filesystem
/// (`..` at the root stays at the root, as the kernel does).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for component in path.components() {
        match component {
            Component::RootDir | Component::Prefix(_) | Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(name) => out.push(name),
        }
    }
    out
}

/// A `HostFs` over a real directory tree.
///
/// Answers are memoized for the life of the value: one audit asks for the same few hundred
/// paths once per ELF member, and a wheel with hundreds of members would otherwise repeat the
/// same `lstat`/`readlink` chains thousands of times. The tree is assumed not to change while a
/// command runs.
pub struct RealHost {
    root: PathBuf,
    facts: Mutex<HashMap<PathBuf, Option<Arc<ElfFacts>>>>,
    resolved: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
    realpaths: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
}

/// Look `key` up in `cache`, computing and storing it on a miss. A poisoned lock only costs
/// the memoization, never the answer.
fn memoized<V: Clone>(
    cache: &Mutex<HashMap<PathBuf, V>>,
    key: &Path,
    compute: impl FnOnce() -> V,
) -> V {
    if let Ok(map) = cache.lock()
        && let Some(hit) = map.get(key)
    {
        return hit.clone();
    }
    let value = compute();
    if let Ok(mut map) = cache.lock() {
        map.insert(key.to_path_buf(), value.clone());
    }
    value
}

impl RealHost {
    /// `root` is `/` for the running system, or an unpacked target filesystem.
    pub fn new(root: &Path) -> RealHost {
        RealHost {
            root: root.to_path_buf(),
            facts: Mutex::new(HashMap::new()),
            resolved: Mutex::new(HashMap::new()),
            realpaths: Mutex::new(HashMap::new()),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The host path of a target path.
    pub fn host_path(&self, target: &Path) -> PathBuf {
        let relative = target.strip_prefix("/").unwrap_or(target);
        self.root.join(relative)
    }

    fn realpath_uncached(&self, path: &Path) -> Option<PathBuf> {
        let mut current = normalize(path);
        for _ in 0..40 {
            let parent = current
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("/"));
            let name = current.file_name()?.to_os_string();
            let host = self.host_path(&self.resolve(&parent)?.join(&name));
            let metadata = fs::symlink_metadata(&host).ok()?;
            if !metadata.file_type().is_symlink() {
                return Some(current);
            }
            let link = fs::read_link(&host).ok()?;
            current = normalize(&if link.is_absolute() {
                link
            } else {
                parent.join(link)
            });
        }
        None
    }

    fn is_system_root(&self) -> bool {
        self.root == Path::new("/")
    }

    fn resolve(&self, target: &Path) -> Option<PathBuf> {
        memoized(&self.resolved, target, || self.resolve_uncached(target))
    }

    fn resolve_uncached(&self, target: &Path) -> Option<PathBuf> {
        if self.is_system_root() {
            return fs::canonicalize(target).ok();
        }
        // Resolve symlinks one component at a time so that absolute links stay in the root.
        let mut resolved = PathBuf::from("/");
        let mut pending: Vec<std::ffi::OsString> = normalize(target)
            .components()
            .rev()
            .filter_map(|c| match c {
                Component::Normal(n) => Some(n.to_os_string()),
                _ => None,
            })
            .collect();
        let mut hops = 0;
        while let Some(name) = pending.pop() {
            if name == ".." {
                resolved.pop();
                continue;
            }
            let candidate = resolved.join(&name);
            let host = self.host_path(&candidate);
            let metadata = fs::symlink_metadata(&host).ok()?;
            if metadata.file_type().is_symlink() {
                hops += 1;
                if hops > 40 {
                    return None;
                }
                let link = fs::read_link(&host).ok()?;
                if link.is_absolute() {
                    resolved = PathBuf::from("/");
                }
                for component in link.components().rev() {
                    match component {
                        Component::Normal(n) => pending.push(n.to_os_string()),
                        Component::ParentDir => pending.push("..".into()),
                        _ => {}
                    }
                }
            } else {
                resolved = candidate;
            }
        }
        fs::metadata(self.host_path(&resolved))
            .ok()
            .map(|_| resolved)
    }
}

impl HostFs for RealHost {
    fn is_dir(&self, path: &Path) -> bool {
        self.resolve(path)
            .is_some_and(|p| self.host_path(&p).is_dir())
    }

    fn realpath(&self, path: &Path) -> Option<PathBuf> {
        memoized(&self.realpaths, path, || self.realpath_uncached(path))
    }

    fn elf_facts(&self, realpath: &Path) -> Option<Arc<ElfFacts>> {
        memoized(&self.facts, realpath, || {
            self.resolve(realpath)
                .and_then(|canonical| read_elf_facts(&self.host_path(&canonical)))
                .map(Arc::new)
        })
    }

    fn read_text(&self, path: &Path) -> Option<String> {
        fs::read_to_string(self.host_path(&self.resolve(path)?)).ok()
    }

    fn read_bytes(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        let canonical = self.resolve(path).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{} does not exist", path.display()),
            )
        })?;
        fs::read(self.host_path(&canonical))
    }

    fn list_dir(&self, path: &Path) -> Vec<String> {
        let Some(resolved) = self.resolve(path) else {
            return Vec::new();
        };
        let Ok(entries) = fs::read_dir(self.host_path(&resolved)) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn current_dir(&self) -> PathBuf {
        std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"))
    }
}

fn read_elf_facts(path: &Path) -> Option<ElfFacts> {
    let file = fs::File::open(path).ok()?;
    let metadata = file.metadata().ok()?;
    if !metadata.is_file() || metadata.len() < 16 {
        return None;
    }
    let map = map_file(&file)?;
    ElfFacts::parse(&map).ok()
}

/// Memory-map a file read-only.
pub fn map_file(file: &fs::File) -> Option<memmap2::Mmap> {
    // SAFETY-equivalent reasoning lives in memmap2: the map is read-only and we treat the bytes
    // as untrusted input; a concurrent truncation by another process could SIGBUS, which is the
    // accepted risk of every mmap-based reader (objdump, ld.so itself).
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::Mmap::map(file) };
    map.ok()
}
