//! [`DistroBackend`]: the seam between the shared algorithm (finding libraries, deciding what
//! is internal, unowned or missing, validating versions, writing outputs) and what one package
//! manager knows (who owns a file, which dependency a library implies, how relations look).
//!
//! Only Debian (dpkg) implements it today; rpm, apk and alpm backends would answer the same
//! questions from their own databases (see distro-metadata.md §5).

use std::rc::Rc;

use wheelfix_elf::ElfFacts;
use wheelfix_tags::Arch;

use crate::analysis::{DistroConfig, InfoSource, PackageRecord, Requirement, Target};
use crate::depset::DependencySet;
use crate::error::{DistroError, DistroWarning};
use crate::sysroot::SysRoot;

pub trait DistroBackend {
    /// Open the package database under `config.root` for ELF files of `arch` (`None`: the
    /// root's native architecture). Fails when the root has no database of this family, or
    /// cannot hold packages of `arch`.
    fn detect(config: &DistroConfig, arch: Option<Arch>) -> Result<Self, DistroError>
    where
        Self: Sized;

    fn target(&self) -> &Target;

    fn sysroot(&self) -> &SysRoot;

    /// System library directories in search order, after an object's own RPATH/RUNPATH.
    fn search_dirs(&self) -> &[String];

    /// The packages owning a library path (trying the spellings the database may use).
    fn owner(&self, path: &str) -> Result<Option<Owner>, DistroError>;

    /// Steps 5–7 for one ELF file: the dependency information of each system library it
    /// needs, applied to `deps`. Returns one outcome per entry of `request.libraries`.
    fn requirements(
        &self,
        request: &ElfRequest<'_>,
        config: &DistroConfig,
        deps: &mut DependencySet,
        warnings: &mut Vec<DistroWarning>,
    ) -> Result<Vec<LibraryOutcome>, DistroError>;

    /// The unversioned dependency clause on an owning package (`libfoo1` for `libfoo1:amd64`).
    fn owner_clause(&self, package: &str) -> String;

    /// Turn the dependency state into sorted relations (step 7).
    fn render(
        &self,
        deps: &DependencySet,
        config: &DistroConfig,
    ) -> Result<Vec<Requirement>, DistroError>;

    /// Status information about an installed package (bare or architecture-qualified name).
    fn package(&self, name: &str) -> Option<PackageRecord>;
}

/// The packages that own a path, as the database names them (`libpq5:amd64`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub packages: Vec<String>,
    /// The spelling of the path the database knows (after alias/realpath fallbacks).
    pub listed_path: String,
}

/// A library file that could satisfy a NEEDED soname (same ELF format as the needing file).
#[derive(Debug, Clone)]
pub struct Candidate {
    pub path: String,
    pub realpath: Option<String>,
    pub owner: Option<Owner>,
    /// `None` when the file could not be parsed (it is then treated as a private library).
    pub facts: Option<Rc<ElfFacts>>,
}

/// A NEEDED soname with its system candidates, in search order (never empty).
#[derive(Debug, Clone)]
pub struct SystemLibrary {
    pub soname: String,
    pub candidates: Vec<Candidate>,
}

/// One ELF file and the system libraries its NEEDED entries resolved to, in NEEDED order.
#[derive(Debug)]
pub struct ElfRequest<'a> {
    pub path: &'a str,
    pub facts: &'a ElfFacts,
    pub libraries: &'a [SystemLibrary],
}

/// What the backend made of one system library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LibraryOutcome {
    Resolved(Resolution),
    /// Owned by `package` (candidate `candidate`), but without dependency information.
    NoInfo {
        candidate: usize,
        package: String,
    },
    /// The first candidate belongs to no package, and no later one had information.
    Unowned,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub candidate: usize,
    /// The package as the database names it (`libpq5:amd64`).
    pub package: String,
    pub info_source: InfoSource,
    pub info_file: Option<String>,
    pub symbols_used: usize,
    pub min_version: Option<String>,
    pub determining_symbol: Option<String>,
}
