//! Rendering results: `human` for people, `json` for programs. The only place that formats
//! audit types; commands decide, reports only present.

pub(crate) mod human;
pub(crate) mod json;
