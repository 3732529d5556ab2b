//! Time the editor in-process on many files: `cargo run --release -p wheelfix-elf --example
//! edit_corpus -- FILE...`. Reads every file into memory first, then applies the bench edit
//! (new SONAME, DT_RPATH) to all of them sequentially and with [`apply_all`] on rayon's pool,
//! and prints the figures `cargo xtask bench-elf` puts into BENCHMARKS.md. No output is
//! written to disk.

use std::io::Write;
use std::time::Instant;

use wheelfix_elf::ElfName;
use wheelfix_elf::edit::{ElfEdit, RpathEdit, apply, apply_all};

fn main() -> std::io::Result<()> {
    let inputs: Vec<Vec<u8>> = std::env::args()
        .skip(1)
        .map(std::fs::read)
        .collect::<Result<_, _>>()?;
    let edit = ElfEdit {
        set_soname: Some(ElfName::from("libbench-0123abcd.so")),
        rpath: Some(RpathEdit::SetRpath(ElfName::from("$ORIGIN/../bench.libs"))),
        ..ElfEdit::default()
    };
    let total_bytes: usize = inputs.iter().map(Vec::len).sum();

    let started = Instant::now();
    let mut failures = 0;
    for input in &inputs {
        failures += usize::from(apply(input, &edit).is_err());
    }
    let sequential = started.elapsed();

    let jobs: Vec<(&[u8], &ElfEdit)> = inputs.iter().map(|i| (i.as_slice(), &edit)).collect();
    let started = Instant::now();
    let results = apply_all(&jobs);
    let parallel = started.elapsed();
    let parallel_failures = results.iter().filter(|r| r.is_err()).count();

    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "files {} bytes {} failures {failures}/{parallel_failures} sequential_s {:.3} parallel_s {:.3} threads {}",
        inputs.len(),
        total_bytes,
        sequential.as_secs_f64(),
        parallel.as_secs_f64(),
        rayon::current_num_threads()
    )
}
