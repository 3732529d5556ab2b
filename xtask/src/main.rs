//! See <https://github.com/matklad/cargo-xtask/>: auxiliary commands that are not expressible
//! with cargo alone. `cargo xtask help` lists them.
//!
//! xtask is the only crate allowed to spawn processes freely: it drives compilers, pip and
//! apt. Nothing here runs as part of `wheelfix` itself.

#![allow(clippy::print_stdout, clippy::print_stderr, clippy::disallowed_methods)]

mod bench;
mod bench_elf;
mod built_wheels;
mod corpus;
mod example;
mod fixtures;
mod policies;
mod stable_abi;
mod test;
mod util;

use anyhow::{Result, bail};

const HELP: &str = "\
cargo xtask <command>

commands:
  corpus [--only NAME...]        download the pinned real-wheel corpus (tests/corpus/wheels.json)
                                 into .cache/corpus/, verifying every sha256
  fixtures [--check] [CASE...]   rebuild testdata/elf/*/out from their recipes and rewrite
                                 testdata/MANIFEST (--check: verify sources against MANIFEST)
  update-policies [--version=V]  refresh policies/data from the newest (or given) auditwheel
                                 release on PyPI, validated, then `git diff` shows the update
  update-stable-abi [--version=V]
                                 refresh check/data/abi3info (CPython's stable-ABI table) from
                                 the newest (or given) abi3info release on PyPI
  built-wheels [--only NAME...] [--force]
                                 build the linux_x86_64 wheels of tests/built-wheels/recipes.json
                                 from source into .cache/built-wheels/ (cached by inputs)
  test                           install what the test suite needs (apt, pip, built wheels)
                                 and run it all
  example-wheel                  rebuild the example wheel README.md audits
  bench [--only=audit|check|repair] [--runs=N]
                                 wheelfix against auditwheel (and the other peers) side by
                                 side on the corpus; prints Markdown for BENCHMARKS.md
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
        "corpus" => corpus::run(rest),
        "fixtures" => fixtures::run(rest),
        "bench" => bench::run(rest),
        "built-wheels" => built_wheels::run(rest),
        "example-wheel" => example::run(rest),
        "test" => test::run(rest),
        "update-policies" => policies::run(rest),
        "update-stable-abi" => stable_abi::run(rest),
        "bench-elf" => bench_elf::run(rest),
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => bail!("unknown xtask command `{other}`\n\n{HELP}"),
    }
}
