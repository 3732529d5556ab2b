//! See <https://github.com/matklad/cargo-xtask/>: auxiliary commands that are not expressible
//! with cargo alone. `cargo xtask help` lists them.
//!
//! xtask is the only crate allowed to spawn processes freely: it drives compilers, pip and
//! apt. Nothing here runs as part of `wheelfix` itself.

#![allow(clippy::print_stdout, clippy::print_stderr, clippy::disallowed_methods)]

mod bench_elf;
mod fixtures;
mod test;
mod util;

use anyhow::{Result, bail};

const HELP: &str = "\
cargo xtask <command>

commands:
  fixtures [--check] [CASE...]   rebuild testdata/elf/*/out from their recipes and rewrite
                                 testdata/MANIFEST (--check: verify sources against MANIFEST)
  test                           install what the test suite needs (apt, pip) and run it all
  bench-elf                      time and size of `wheelfix elf edit` against patchelf 0.19.3
                                 on ~500 real libraries (Markdown report for BENCHMARKS.md)
  help                           this text
";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        print!("{HELP}");
        return Ok(());
    };
    match command.as_str() {
        "fixtures" => fixtures::run(rest),
        "test" => test::run(rest),
        "bench-elf" => bench_elf::run(rest),
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => bail!("unknown xtask command `{other}`\n\n{HELP}"),
    }
}
