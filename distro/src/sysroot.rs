//! [`SysRoot`]: the target system's file tree (ROOT, `/` by default), the only place this
//! crate touches the host file system.
//!
//! Paths handed in and out are absolute paths *inside* ROOT (`/usr/lib/x86_64-linux-gnu`).
//! Symbolic links are resolved inside ROOT: an absolute link target such as
//! `/usr/lib/x86_64-linux-gnu/libfoo.so.1.2` is looked up under ROOT, never on the host, and
//! `..` never leaves ROOT. What the files mean is decided elsewhere (`dpkgdb`, `ldconf`).

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::DistroError;

/// Symlink hops before a path is considered a loop (Linux uses 40).
const MAX_SYMLINKS: usize = 40;

#[derive(Debug, Clone)]
pub struct SysRoot {
    root: PathBuf,
}

impl SysRoot {
    pub fn new(root: &Path) -> SysRoot {
        SysRoot {
            root: root.to_path_buf(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The host path of an in-root path, without resolving links (for messages and for
    /// directories the caller knows are real).
    pub fn host_path(&self, path: &str) -> PathBuf {
        self.root.join(path.trim_start_matches('/'))
    }

    /// Resolve `path` inside ROOT: every symbolic link followed, `.` and `..` applied.
    /// `None` when a component does not exist or the links loop.
    pub fn realpath(&self, path: &str) -> Option<String> {
        let mut resolved: Vec<String> = Vec::new();
        let mut pending: Vec<String> = components(path).rev().map(str::to_owned).collect();
        let mut hops = 0;
        while let Some(component) = pending.pop() {
            match component.as_str() {
                "." => continue,
                ".." => {
                    resolved.pop();
                    continue;
                }
                _ => {}
            }
            resolved.push(component);
            let here = format!("/{}", resolved.join("/"));
            let metadata = std::fs::symlink_metadata(self.host_path(&here)).ok()?;
            if !metadata.file_type().is_symlink() {
                continue;
            }
            hops += 1;
            if hops > MAX_SYMLINKS {
                return None;
            }
            let target = std::fs::read_link(self.host_path(&here)).ok()?;
            let target = target.to_str()?.to_owned();
            resolved.pop();
            if target.starts_with('/') {
                resolved.clear();
            }
            pending.extend(components(&target).rev().map(str::to_owned));
        }
        Some(format!("/{}", resolved.join("/")))
    }

    /// Whether `path` exists inside ROOT (links followed inside ROOT).
    pub fn exists(&self, path: &str) -> bool {
        self.realpath(path).is_some()
    }

    /// Whether `path` is a directory inside ROOT.
    pub fn is_dir(&self, path: &str) -> bool {
        self.realpath(path)
            .is_some_and(|real| self.host_path(&real).is_dir())
    }

    /// Read a whole file; `Ok(None)` when it does not exist.
    pub fn read(&self, path: &str) -> Result<Option<Vec<u8>>, DistroError> {
        let Some(real) = self.realpath(path) else {
            return Ok(None);
        };
        let host = self.host_path(&real);
        match std::fs::read(&host) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(DistroError::Io { path: host, source }),
        }
    }

    /// Read a text file; invalid UTF-8 is replaced (the formats read this way are ASCII).
    pub fn read_text(&self, path: &str) -> Result<Option<String>, DistroError> {
        Ok(self
            .read(path)?
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// The first `len` bytes of a regular file (fewer if it is shorter); `None` when it does
    /// not exist or is not a regular file.
    pub fn read_head(&self, path: &str, len: usize) -> Option<Vec<u8>> {
        let real = self.realpath(path)?;
        let host = self.host_path(&real);
        if !host.is_file() {
            return None;
        }
        let mut head = Vec::with_capacity(len);
        std::fs::File::open(host)
            .ok()?
            .take(len as u64)
            .read_to_end(&mut head)
            .ok()?;
        Some(head)
    }

    /// The entry names of a directory inside ROOT (empty when it does not exist).
    pub fn list_dir(&self, path: &str) -> Vec<String> {
        let Some(real) = self.realpath(path) else {
            return Vec::new();
        };
        let Ok(entries) = std::fs::read_dir(self.host_path(&real)) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .collect();
        names.sort();
        names
    }
}

fn components(path: &str) -> impl DoubleEndedIterator<Item = &str> {
    path.split('/').filter(|c| !c.is_empty())
}

/// Join and normalize an absolute in-root path lexically (no link resolution).
pub(crate) fn clean_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for component in components(path) {
        match component {
            "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    fn temp_root(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("wheelfix-sysroot-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn links_resolve_inside_root() {
        let dir = temp_root("links");
        std::fs::create_dir_all(dir.join("usr/lib/x86_64-linux-gnu")).unwrap();
        std::fs::write(dir.join("usr/lib/x86_64-linux-gnu/libfoo.so.1.2"), b"x").unwrap();
        symlink("usr/lib", dir.join("lib")).unwrap();
        symlink(
            "/usr/lib/x86_64-linux-gnu/libfoo.so.1.2",
            dir.join("usr/lib/x86_64-linux-gnu/libfoo.so.1"),
        )
        .unwrap();
        symlink("../../../../../etc", dir.join("usr/lib/escape")).unwrap();
        symlink("loop", dir.join("loop")).unwrap();
        let root = SysRoot::new(&dir);
        assert_eq!(
            root.realpath("/lib/x86_64-linux-gnu/libfoo.so.1")
                .as_deref(),
            Some("/usr/lib/x86_64-linux-gnu/libfoo.so.1.2")
        );
        assert_eq!(root.realpath("/usr/lib/escape").as_deref(), None);
        assert_eq!(root.realpath("/loop"), None);
        assert_eq!(
            root.realpath("/lib/./x86_64-linux-gnu/../").as_deref(),
            Some("/usr/lib")
        );
        assert!(root.exists("/lib/x86_64-linux-gnu/libfoo.so.1"));
        assert!(!root.exists("/lib/x86_64-linux-gnu/libbar.so.1"));
        assert_eq!(
            root.read_head("/lib/x86_64-linux-gnu/libfoo.so.1", 64),
            Some(b"x".to_vec())
        );
        assert_eq!(
            root.list_dir("/lib/x86_64-linux-gnu"),
            ["libfoo.so.1", "libfoo.so.1.2"]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn lexical_cleaning() {
        assert_eq!(clean_path("/a/b/../c/./d/"), "/a/c/d");
        assert_eq!(clean_path("/../x"), "/x");
        assert_eq!(clean_path(""), "/");
    }
}
