//! Time inflating one member of a wheel: `cargo run --release -p wheelfix-wheel --example
//! stream_member -- WHEEL MEMBER`. Compares [`ZipArchive::stream_chunks`] (two cores for a
//! large member) with the one-core streaming reader, three times each, with a CRC-32 of the
//! output as the only consumer; the figures are quoted in BENCHMARKS.md.
//!
//! [`ZipArchive::stream_chunks`]: wheelfix_wheel::ZipArchive::stream_chunks

use std::io::Write;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(name)) = (args.get(1), args.get(2)) else {
        return Err("usage: stream_member WHEEL MEMBER".into());
    };
    let data = std::fs::read(path)?;
    let archive = wheelfix_wheel::ZipArchive::parse(&data)?;
    let entry = archive
        .entries()
        .iter()
        .find(|e| &e.name == name)
        .ok_or("no such member")?;
    let pool = wheelfix_wheel::ChunkPool::default();
    for _ in 0..3 {
        let start = Instant::now();
        let mut crc = crc32fast::Hasher::new();
        let handed = archive.stream_chunks(entry, &pool, &mut |chunk| {
            crc.update(&chunk);
            pool.give(chunk);
            true
        })?;
        let chunked = start.elapsed();
        let start = Instant::now();
        let mut whole = Vec::new();
        archive.read_into(entry, &mut whole)?;
        let crc2 = crc32fast::hash(&whole);
        let in_memory = start.elapsed();
        writeln!(
            std::io::stdout(),
            "stream_chunks {chunked:?} ({handed} bytes, CRC-32 ok: {}), read_into {in_memory:?} (CRC-32 ok: {})",
            crc.finalize() == entry.crc32,
            crc2 == entry.crc32
        )?;
    }
    Ok(())
}
