//! The directory lists the loader searches, built the way auditwheel's `lddtree` builds them:
//! `ld.so.conf` (with `include` globs) plus the trusted directories for glibc, the
//! `/etc/ld-musl-<arch>.path` file or musl's defaults, the environment, and `--ldpaths`.
//!
//! Everything here is a pure function of the [`HostFs`] and the options; no search happens.

use std::path::{Path, PathBuf};

use wheelfix_tags::{Arch, Libc};

use crate::host::{HostFs, glob, normalize};

/// Where to search besides the ELF files' own RPATH/RUNPATH.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchOptions {
    /// `--ldpaths`: replaces the configured directories and ignores `LD_LIBRARY_PATH`.
    pub ldpaths: Option<Vec<PathBuf>>,
    /// `AUDITWHEEL_LD_LIBRARY_PATH` (kept for scripts migrating from auditwheel).
    pub auditwheel_ld_library_path: Option<String>,
    /// `LD_LIBRARY_PATH`, ignored when a sysroot is used (its entries name host paths).
    pub ld_library_path: Option<String>,
    /// Whether the host filesystem is a sysroot rather than the running system.
    pub is_sysroot: bool,
    /// `--exclude` patterns, matched against sonames and resolved paths.
    pub exclude: Vec<String>,
}

/// The resolved directory lists for one libc.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LdPaths {
    pub conf: Vec<PathBuf>,
    pub env: Vec<PathBuf>,
}

/// Split a colon-separated path list as ld.so does: an empty entry is the current directory.
/// `$ORIGIN` cannot be expanded here (there is no object), so such entries are dropped.
pub fn parse_path_list(host: &dyn HostFs, list: &str) -> Vec<PathBuf> {
    if list.is_empty() {
        return Vec::new();
    }
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in list.split(':') {
        let path = if entry.is_empty() {
            host.current_dir()
        } else if entry.contains("$ORIGIN") || entry.contains("${ORIGIN}") {
            continue;
        } else if entry.starts_with('/') {
            PathBuf::from(entry)
        } else {
            host.current_dir().join(entry)
        };
        let path = normalize(&path);
        if !paths.contains(&path) && host.is_dir(&path) {
            paths.push(path);
        }
    }
    paths
}

/// Directories listed by an `ld.so.conf` file, following `include` lines (globs sorted).
pub fn parse_ld_so_conf(host: &dyn HostFs, path: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    collect_ld_so_conf(host, path, 0, &mut out);
    let mut unique: Vec<PathBuf> = Vec::new();
    for dir in out {
        let dir = normalize(&dir);
        if !unique.contains(&dir) && host.is_dir(&dir) {
            unique.push(dir);
        }
    }
    unique
}

fn collect_ld_so_conf(host: &dyn HostFs, path: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    // Include cycles exist in the wild (a conf.d file including ld.so.conf); glibc's ldconfig
    // also bounds the recursion.
    if depth > 16 {
        return;
    }
    let Some(text) = host.read_text(path) else {
        return;
    };
    for raw in text.lines() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(pattern) = line
            .strip_prefix("include")
            .filter(|rest| rest.starts_with([' ', '\t']))
        {
            for pattern in pattern.split_whitespace() {
                let pattern = if pattern.starts_with('/') {
                    PathBuf::from(pattern)
                } else {
                    path.parent().unwrap_or(Path::new("/")).join(pattern)
                };
                for included in glob(host, &pattern) {
                    collect_ld_so_conf(host, &included, depth + 1, out);
                }
            }
        } else if line.starts_with("hwcap") {
            continue;
        } else {
            // Old ld.so.conf lines may carry `=type` suffixes or be comma/space separated.
            for dir in line.split([' ', '\t', ',', ':']).filter(|s| !s.is_empty()) {
                let dir = dir.split('=').next().unwrap_or(dir);
                out.push(PathBuf::from(dir));
            }
        }
    }
}

/// The configured directories for `libc` (the "conf" list of lddtree), honouring `--ldpaths`.
pub fn load_ld_paths(
    host: &dyn HostFs,
    libc: Libc,
    arch: Arch,
    options: &SearchOptions,
) -> LdPaths {
    let mut env_list = Vec::new();
    if let Some(extra) = &options.auditwheel_ld_library_path {
        env_list.push(extra.as_str());
    }
    if options.ldpaths.is_none()
        && !options.is_sysroot
        && let Some(ld_library_path) = &options.ld_library_path
    {
        env_list.push(ld_library_path.as_str());
    }
    let env = parse_path_list(
        host,
        &env_list
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(":"),
    );
    if let Some(ldpaths) = &options.ldpaths {
        let conf = ldpaths
            .iter()
            .map(|p| normalize(p))
            .filter(|p| host.is_dir(p))
            .fold(Vec::new(), |mut acc, p| {
                if !acc.contains(&p) {
                    acc.push(p);
                }
                acc
            });
        return LdPaths { conf, env };
    }
    let conf = match libc {
        Libc::Musl => {
            let path_file = PathBuf::from(format!("/etc/ld-musl-{}.path", musl_ldso_arch(arch)));
            match host.read_text(&path_file) {
                Some(text) => text
                    .split([':', '\n'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(PathBuf::from)
                    .collect(),
                None => vec![
                    PathBuf::from("/lib"),
                    PathBuf::from("/usr/local/lib"),
                    PathBuf::from("/usr/lib"),
                ],
            }
        }
        Libc::Glibc => {
            let mut conf = parse_ld_so_conf(host, Path::new("/etc/ld.so.conf"));
            // glibc's trusted directories are searched even when ld.so.conf omits them.
            for trusted in ["/lib", "/lib64", "/usr/lib", "/usr/lib64"] {
                let trusted = PathBuf::from(trusted);
                if !conf.contains(&trusted) {
                    conf.push(trusted);
                }
            }
            conf
        }
    };
    LdPaths { conf, env }
}

/// The architecture name musl uses in `ld-musl-<arch>.so.1` and `ld-musl-<arch>.path`.
pub fn musl_ldso_arch(arch: Arch) -> &'static str {
    match arch {
        Arch::I686 => "i386",
        Arch::Armv7l => "armhf",
        Arch::Ppc64le => "powerpc64le",
        Arch::Ppc64 => "powerpc64",
        other => other.as_str(),
    }
}
