//! `wheelfix repair`: make a wheel meet a manylinux/musllinux tag by grafting the external
//! libraries it needs into `<name>.libs/` under hash-renamed names, rewriting DT_NEEDED, RPATH
//! and SONAME in-process, and retagging.
//!
//! [`target`] decides what to aim for and [`plan`] what to change, both pure functions of the
//! audit's verdict; [`apply`] carries the plan out and is the only code that writes a wheel.
//! Nothing here prints or knows about the command line.

pub mod apply;
pub mod plan;
pub mod retag;
pub mod target;

pub use apply::{Grafted, RepairError, Repaired, WriteOptions, apply, hashed_name};
pub use plan::{
    Graft, MemberEdit, MetadataEdits, PlanError, RepairPlan, order_grafts, plan, rpath_for,
};
pub use target::{Refusal, Requested, Target, choose};
