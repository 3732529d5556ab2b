//! The audit: which platform tag a wheel's contents justify, and why.
//!
//! Data flows one way: [`analyze`] reads the wheel's ELF members and resolves their
//! dependencies the way the dynamic loader would ([`resolve`], through [`HostFs`]); then
//! [`evaluate`] is a pure function from that analysis and a policy table to a [`Verdict`].
//! A policy violation is part of the verdict, never an error: errors mean the wheel could not
//! be read. This crate never writes a visible file (large members may pass through an unlinked
//! scratch file), prints, or knows about the command line or JSON.

mod analyze;
mod evaluate;
pub mod fnmatch;
pub mod host;
pub mod ldpaths;
mod members;
pub mod resolve;
#[cfg(test)]
mod tests;

pub use analyze::{
    Analysis, AnalyzeOptions, AuditError, ElfMember, IgnoredElf, KnownFacts, WheelAnalysis, analyze,
};
pub use evaluate::{
    ClaimCheck, EvaluateOptions, ExternalLib, IsaRequirement, LibcMismatch, PolicyAssessment,
    TooNewVersion, Verdict, check_claim, evaluate, external_libs, location_label,
};
pub use host::{HostFs, RealHost};
pub use ldpaths::SearchOptions;
pub use resolve::{DepTree, Location, ResolvedLib};
