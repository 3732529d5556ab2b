//! Integration tests of wheelfix-distro against real Debian data and the dpkg oracles
//! (`dpkg --compare-versions`, `dpkg-shlibdeps`). One test binary, one module per concern.
//!
//! Tests that need an external tool print `skipped: <why>` and pass when it is missing,
//! unless `WHEELFIX_REQUIRE_ORACLES=1`, which turns a missing tool into a failure.

#![allow(clippy::disallowed_methods, clippy::print_stdout, clippy::unwrap_used)]

mod support;

mod bad_input;
mod database;
mod fixtures;
mod parity;
mod policies;
pub(crate) mod root;
mod versions;
