//! Distro-metadata mode (`wheelfix repair --distro debian`): instead of vendoring the shared
//! libraries a wheel links to, find the distro packages that provide them and the minimal
//! versions needed, exactly as dpkg-shlibdeps would compute `${shlibs:Depends}`, and render
//! that as METADATA `Requires-External` lines, a sidecar JSON file and deb-substvars.
//!
//! The flow: [`analyze`] takes the wheel's ELF files ([`WheelElf`]: member path + facts) and
//! a [`DistroConfig`], opens the target's package database through a [`DistroBackend`]
//! (only [`DebianBackend`] exists), and returns a [`DistroAnalysis`], whose methods render the
//! outputs. Several analyses (or installed sidecars) merge with [`merge_dependencies`].
//!
//! This crate reads the target root (ROOT, `/` by default) and nothing else: it does not open
//! wheels, write files, print, or spawn processes. The wheel integration (reading members,
//! grafting `to_vendor` libraries, writing METADATA and RECORD) belongs to the callers.
//!
//! Module map, in reading order:
//! * `analysis`: the input and output values; `analyze`: the shared driver (resolution,
//!   internal/unowned/missing policies, step-8 version check); `backend`: the trait a package
//!   manager implements; `depset`: the mergeable minimal-version state; `output`: Depends,
//!   METADATA, sidecar, substvars, merging.
//! * [`debian`]: the dpkg backend and the Debian formats (versions, relations, symbols,
//!   shlibs, deb822, substvars), plus `dpkgdb`, the only reader of the dpkg database.
//! * [`resolve`] (`$ORIGIN` and RPATH logic), [`ldconf`] (ld.so.conf, globs, search order),
//!   `elfformat` (which libraries can load), `osrelease`, and `sysroot`, the only module that
//!   touches the file system.

mod analysis;
mod analyze;
mod backend;
pub mod debian;
mod depset;
mod elfformat;
mod error;
pub mod ldconf;
mod osrelease;
mod output;
pub mod resolve;
mod sysroot;

pub use analysis::{
    DistroAnalysis, DistroConfig, IgnoreReason, IgnoredLink, InfoSource, InternalLink,
    LibpythonPolicy, LibraryRecord, MissingInfoPolicy, NotFoundPolicy, PackageRecord, Requirement,
    Target, UnownedPolicy, UnresolvedLink, UnresolvedReason, VendorRequest, VersionPolicy,
    WheelElf,
};
pub use analyze::{analyze, analyze_with, is_scannable};
pub use backend::{
    Candidate, DistroBackend, ElfRequest, LibraryOutcome, Owner, Resolution, SystemLibrary,
};
pub use debian::DebianBackend;
pub use depset::{BumpMode, ClauseState, DependencySet};
pub use elfformat::ElfFormat;
pub use error::{DistroError, DistroWarning};
pub use osrelease::OsRelease;
pub use output::{
    Capabilities, MergedDepends, SIDECAR_NAME, Sidecar, SidecarElf, SidecarIgnored,
    SidecarInternal, SidecarLibrary, SidecarRequirement, SidecarTarget, SidecarUnresolved,
    capabilities, depurl_for_soname, merge_dependencies, update_metadata,
};
pub use sysroot::SysRoot;
