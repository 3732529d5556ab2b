//! The values going into and coming out of an analysis: [`WheelElf`] and [`DistroConfig`] in,
//! [`DistroAnalysis`] out.
//!
//! These are plain data. Computing them is `analyze`; rendering them as METADATA, sidecar
//! JSON or substvars is `output`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use wheelfix_elf::ElfFacts;

use crate::debian::relation::Clause;
use crate::depset::DependencySet;
use crate::error::DistroWarning;
use crate::osrelease::OsRelease;

/// One ELF file of a wheel: its path inside the wheel (`pkg/_ext.cpython-311-x86_64-linux-gnu.so`,
/// `pkg.libs/libfoo-1a2b3c4d.so.1`) and its facts.
#[derive(Debug, Clone)]
pub struct WheelElf {
    pub path: String,
    pub facts: ElfFacts,
}

/// Every knob of `wheelfix repair --distro debian`. No `Default`: the CLI states each choice.
#[derive(Debug, Clone)]
pub struct DistroConfig {
    /// The target system (`--root`, `/` by default).
    pub root: PathBuf,
    /// `--arch`: a Debian architecture name; `None` derives it from the ELF files.
    pub arch: Option<String>,
    pub unowned: UnownedPolicy,
    pub missing_info: MissingInfoPolicy,
    pub not_found: NotFoundPolicy,
    /// `--exclude SONAME`: sonames provided by something else (another wheel).
    pub exclude: Vec<String>,
    /// `--omit-package PKG`: packages dropped from the result (dpkg-shlibdeps `-x`).
    pub omit_packages: Vec<String>,
    /// `--build-depends "libpq-dev (>= 15)"`: emulate debian/control's Build-Depends.
    pub build_depends: Option<String>,
    /// `--shlibs-local FILE`: emulate debian/shlibs.local (a host path, not under ROOT).
    pub shlibs_local: Option<PathBuf>,
    pub version_policy: VersionPolicy,
    pub libpython: LibpythonPolicy,
}

/// `--unowned`: a system library no package owns (`/usr/local/lib/libfoo.so.1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnownedPolicy {
    /// Fail, naming the soname, the path and the ELF file that needs it.
    Error,
    /// Return it in [`DistroAnalysis::to_vendor`] so that repair grafts it into the wheel.
    Vendor,
    /// Leave it out and record it in [`DistroAnalysis::unresolved`].
    Ignore,
}

/// A library owned by a package that has neither symbols nor shlibs information for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingInfoPolicy {
    /// Depend on the owning package, unversioned, with a warning (the default).
    Owner,
    /// `--strict`: fail.
    Error,
    /// Record no dependency at all, like `dpkg-shlibdeps --ignore-missing-info`.
    Skip,
}

/// `--not-found`: a NEEDED soname found nowhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotFoundPolicy {
    Error,
    Ignore,
}

/// `--version-policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionPolicy {
    /// Minimal versions from symbols files, shlibs as fallback (dpkg-shlibdeps).
    Symbols,
    /// Use shlibs files even when a symbols file exists.
    Shlibs,
    /// Every dependency becomes `>=` the installed version of its package.
    Built,
}

/// `libpythonX.Y.so` in NEEDED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibpythonPolicy {
    /// Skip with a warning: the interpreter provides it (the wheel default).
    Skip,
    /// Resolve it like any library (dpkg-shlibdeps behaviour, for parity checks).
    Resolve,
}

/// Which distribution and release the analysis was made for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The backend family (`debian`).
    pub family: &'static str,
    pub root: PathBuf,
    pub os_release: OsRelease,
    /// The distro's architecture name (`amd64`).
    pub arch: String,
    /// The multiarch triplet (`x86_64-linux-gnu`).
    pub multiarch: String,
    /// The version of the package manager whose database was read (dpkg).
    pub package_manager_version: Option<String>,
}

/// The result of analyzing a wheel (or several, merged).
#[derive(Debug, Clone)]
pub struct DistroAnalysis {
    pub target: Target,
    /// ELF class bits and wheel architecture of the analyzed files, when there were any.
    pub elf: Option<(u8, String)>,
    /// The raw step-6 state: mergeable across wheels.
    pub dependencies: DependencySet,
    /// The rendered, sorted relations, `--omit-package` applied.
    pub requirements: Vec<Requirement>,
    /// Installed packages the requirements name, by bare package name.
    pub packages: BTreeMap<String, PackageRecord>,
    pub libraries: Vec<LibraryRecord>,
    pub internal: Vec<InternalLink>,
    pub ignored: Vec<IgnoredLink>,
    pub unresolved: Vec<UnresolvedLink>,
    /// `--unowned vendor`: system libraries repair must graft into the wheel.
    pub to_vendor: Vec<VendorRequest>,
    pub warnings: Vec<DistroWarning>,
    /// The highest `GLIBC_x.y` version node any file requires.
    pub glibc_max: Option<String>,
}

/// One rendered dependency clause (`libpq5 (>= 10~~)`, `libglu1-mesa | libglu1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub relation: String,
    pub clause: Clause,
    /// The template clause it was rendered from (`libpq5 #MINVER#`).
    pub template: String,
    /// The minimal version state of the template (`""` when unversioned).
    pub minver: String,
    /// What determined the version (`PQencryptPasswordConn@Base in libpq.so.5`).
    pub origin: Option<String>,
}

/// What the status database says about an installed package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageRecord {
    pub name: String,
    pub version: String,
    pub architecture: String,
    pub source: String,
}

/// How a system library was resolved to a dependency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfoSource {
    Symbols,
    Shlibs,
    ShlibsLocal,
    /// No information: an unversioned dependency on the owning package.
    Owner,
}

impl InfoSource {
    pub fn as_str(self) -> &'static str {
        match self {
            InfoSource::Symbols => "symbols",
            InfoSource::Shlibs => "shlibs",
            InfoSource::ShlibsLocal => "shlibs-local",
            InfoSource::Owner => "owner",
        }
    }
}

/// A NEEDED soname satisfied by a system library (or one to be vendored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryRecord {
    pub soname: String,
    pub needed_by: Vec<String>,
    pub vendored: bool,
    /// The library file used (inside ROOT).
    pub path: String,
    pub realpath: Option<String>,
    /// The owning package (bare name), if any.
    pub package: Option<String>,
    pub package_arch: Option<String>,
    pub package_version: Option<String>,
    pub info_source: Option<InfoSource>,
    pub info_file: Option<String>,
    /// Undefined symbols of the needing files found in this library's symbols map.
    pub symbols_used: usize,
    pub min_version: Option<String>,
    pub determining_symbol: Option<String>,
    /// Version nodes the needing files require from this soname.
    pub verneed: Vec<String>,
}

/// A NEEDED soname satisfied inside the wheel through `$ORIGIN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalLink {
    pub soname: String,
    pub needed_by: String,
    pub member: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IgnoreReason {
    /// `--exclude`
    Excluded,
    /// libpython, provided by the interpreter.
    Libpython,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredLink {
    pub soname: String,
    pub needed_by: String,
    pub reason: IgnoreReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnresolvedReason {
    NotFound,
    /// `--unowned ignore`
    Unowned {
        path: String,
    },
    /// `--ignore-missing-info`-style skip of an owned library without information.
    NoInfo {
        path: String,
        package: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnresolvedLink {
    pub soname: String,
    pub needed_by: String,
    pub reason: UnresolvedReason,
}

/// An unowned system library to graft into the wheel (`--unowned vendor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorRequest {
    pub soname: String,
    /// Path inside ROOT (`/usr/local/lib/libfoo.so.1`).
    pub path: String,
    /// The same path on the host (ROOT joined), to read the bytes from.
    pub host_path: PathBuf,
    pub needed_by: Vec<String>,
}
