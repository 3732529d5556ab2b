//! One module per subcommand: argument types (clap) and a `run` function each.

pub(crate) mod elf;
