//! The CLI integration tests: one test binary, one module per subcommand, plus the shared
//! helpers in `support`.

// Helpers are `pub` for every test module; nothing outside this test binary can see them.
#![allow(
    unreachable_pub,
    clippy::unwrap_used,
    clippy::print_stderr,
    clippy::disallowed_methods
)]

mod audit;
mod bad_input;
mod check;
mod check_peers;
mod differential;
mod distro;
mod distro_e2e;
mod elf;
mod repair;
mod repair_e2e;
mod support;
mod zip64;
