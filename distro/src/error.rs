//! [`DistroError`] (why an analysis could not be completed) and [`DistroWarning`] (what the
//! user should know about a completed one).
//!
//! Warnings are values: the library never prints them. Both carry what the user needs to act:
//! the soname, the library path, the ELF file that needs it, the file and line of a corrupted
//! database file.

use std::fmt;
use std::path::PathBuf;

use crate::debian::deb822::Deb822Error;
use crate::debian::relation::RelationError;
use crate::debian::symbols::SymbolsError;
use crate::debian::version::VersionError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DistroError {
    #[error(
        "--distro debian requires a dpkg database (found os-release ID={os_id}); use --root \
         (`{}` does not exist)",
        status.display()
    )]
    NoDpkgDatabase { os_id: String, status: PathBuf },
    #[error("cannot read `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    SymbolsFile(#[from] SymbolsError),
    #[error(transparent)]
    ControlFile(#[from] Deb822Error),
    #[error("ELF file `{path}` is not usable: {problem}")]
    UnsupportedElf { path: String, problem: String },
    #[error(
        "mixed-architecture wheel: `{first}` is {first_format} but `{other}` is {other_format}"
    )]
    MixedArchitectures {
        first: String,
        first_format: String,
        other: String,
        other_format: String,
    },
    #[error(
        "`{path}` is built for {elf_arch}, but the dpkg database in `{}` is for {root_arch}; \
         use --root with an unpacked {elf_arch} system",
        root.display()
    )]
    ArchitectureMismatch {
        path: String,
        elf_arch: String,
        root_arch: String,
        root: PathBuf,
    },
    #[error("unknown Debian architecture `{0}`")]
    UnknownArchitecture(String),
    #[error(
        "cannot find library `{soname}` needed by `{needed_by}` ({format}{}); if another wheel \
         provides it, pass --exclude {soname}",
        rpath.as_deref().map(|r| format!(", RUNPATH/RPATH `{r}`")).unwrap_or_default()
    )]
    NotFound {
        soname: String,
        needed_by: String,
        format: String,
        rpath: Option<String>,
    },
    #[error(
        "no package owns `{path}` (library `{soname}` needed by `{needed_by}`); \
         use --unowned vendor to graft it into the wheel, or --unowned ignore"
    )]
    Unowned {
        soname: String,
        path: String,
        needed_by: String,
    },
    #[error(
        "no dependency information found for `{path}` (library `{soname}` of package `{package}`, \
         needed by `{needed_by}`) and --strict is set"
    )]
    NoDependencyInfo {
        soname: String,
        path: String,
        package: String,
        needed_by: String,
    },
    #[error(
        "wheel was built against a different `{soname}`: `{needed_by}` needs version `{version}`, \
         which `{path}` does not define (it defines {})",
        defined_summary(defined)
    )]
    VersionNotDefined {
        soname: String,
        path: String,
        needed_by: String,
        version: String,
        defined: Vec<String>,
    },
    #[error("invalid version in {context}: {source}")]
    InvalidVersion {
        context: String,
        #[source]
        source: VersionError,
    },
    #[error("invalid dependency in {context}: {source}")]
    InvalidRelation {
        context: String,
        #[source]
        source: RelationError,
    },
}

fn defined_summary(defined: &[String]) -> String {
    match defined {
        [] => "no versions".to_owned(),
        [only] => format!("only `{only}`"),
        [.., last] => format!("{} versions, up to `{last}`", defined.len()),
    }
}

/// Something a completed analysis wants the user to know.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DistroWarning {
    /// `libpythonX.Y.so` is provided by the interpreter, not by a dependency.
    LibpythonSkipped { soname: String, needed_by: String },
    /// A GLIBC_PRIVATE symbol pins the exact glibc release.
    GlibcPrivate { symbol: String, needed_by: String },
    /// A package owns the library but has neither symbols nor shlibs information for it.
    OwnerOnly {
        soname: String,
        path: String,
        package: String,
        needed_by: String,
    },
    /// `--unowned ignore`: the library belongs to no package and was left out.
    UnownedIgnored {
        soname: String,
        path: String,
        needed_by: String,
    },
    /// `--not-found ignore` (or a soname dpkg does not consider versioned): not found.
    NotFoundIgnored { soname: String, needed_by: String },
    /// An absolute RPATH/RUNPATH entry in a wheel: searched like a system directory.
    RpathOutsideWheel { dir: String, needed_by: String },
    /// An unowned library comes first in the search path; a packaged copy further down was
    /// used for the dependency.
    ShadowedByUnowned {
        soname: String,
        unowned: String,
        used: String,
    },
    /// The library is diverted (`dpkg-divert`); the owner may be wrong.
    Diverted { path: String },
    /// A line of a database file dpkg would skip.
    SkippedLine {
        file: PathBuf,
        line: usize,
        problem: String,
    },
    /// The symbols file has pattern entries (c++, symver, regex), which dpkg-shlibdeps and
    /// wheelfix ignore; minimal versions may be lower than the patterns would say.
    PatternsIgnored {
        file: String,
        soname: String,
        count: usize,
    },
    /// A versioned symbol is missing from a symbols file that covers its library.
    SymbolNotInSymbolsFile {
        symbol: String,
        soname: String,
        file: String,
        needed_by: String,
    },
    /// A symbols file entry refers to a dependency template that does not exist.
    MissingTemplate {
        file: String,
        soname: String,
        symbol: String,
        dep_id: usize,
    },
}

impl fmt::Display for DistroWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DistroWarning::LibpythonSkipped { soname, needed_by } => write!(
                f,
                "`{needed_by}` links `{soname}`, which the Python interpreter provides; no dependency recorded"
            ),
            DistroWarning::GlibcPrivate { symbol, needed_by } => write!(
                f,
                "`{needed_by}` uses the private glibc symbol `{symbol}`: the dependency pins this exact glibc release"
            ),
            DistroWarning::OwnerOnly {
                soname,
                path,
                package,
                needed_by,
            } => write!(
                f,
                "package `{package}` owns `{path}` (`{soname}`, needed by `{needed_by}`) but has no symbols or shlibs information; recorded an unversioned dependency"
            ),
            DistroWarning::UnownedIgnored {
                soname,
                path,
                needed_by,
            } => write!(
                f,
                "no package owns `{path}` (`{soname}`, needed by `{needed_by}`); left out of the dependencies"
            ),
            DistroWarning::NotFoundIgnored { soname, needed_by } => {
                write!(
                    f,
                    "cannot find library `{soname}` needed by `{needed_by}`; ignored"
                )
            }
            DistroWarning::RpathOutsideWheel { dir, needed_by } => write!(
                f,
                "`{needed_by}` has RPATH/RUNPATH entry `{dir}` outside the wheel; searched as a system directory"
            ),
            DistroWarning::ShadowedByUnowned {
                soname,
                unowned,
                used,
            } => write!(
                f,
                "`{unowned}` (no package) comes first in the search path for `{soname}`; the dependency is computed for the packaged `{used}`"
            ),
            DistroWarning::Diverted { path } => {
                write!(f, "`{path}` is diverted; its owning package may be wrong")
            }
            DistroWarning::SkippedLine {
                file,
                line,
                problem,
            } => {
                write!(
                    f,
                    "`{}` line {line}: {problem}; line skipped",
                    file.display()
                )
            }
            DistroWarning::PatternsIgnored {
                file,
                soname,
                count,
            } => write!(
                f,
                "`{file}` has {count} pattern entries for `{soname}` (c++/symver/regex), which dpkg-shlibdeps ignores too; the minimal version may be too low"
            ),
            DistroWarning::SymbolNotInSymbolsFile {
                symbol,
                soname,
                file,
                needed_by,
            } => write!(
                f,
                "`{needed_by}` uses `{symbol}`, which `{file}` does not list for `{soname}` (stale or partial symbols file?)"
            ),
            DistroWarning::MissingTemplate {
                file,
                soname,
                symbol,
                dep_id,
            } => write!(
                f,
                "`{file}`: symbol `{symbol}` of `{soname}` refers to dependency template #{dep_id}, which does not exist"
            ),
        }
    }
}
