//! The CLI integration tests: one test binary, one module per subcommand.

mod elf;
