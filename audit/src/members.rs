//! Reading an ELF member's facts from the wheel with bounded memory: small members are
//! inflated into a reused buffer; members above the in-memory limit (by default
//! [`SPILL_THRESHOLD`]; the audit command raises it to 1 GiB) are inflated in a stream to an
//! unlinked temporary file that is then memory-mapped, so only the pages the ELF reader touches
//! become resident. Digests for RECORD are computed on the way when asked for.

use std::io::Write;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use wheelfix_elf::ElfFacts;
use wheelfix_wheel::{Member, Wheel, metadata::urlsafe_b64_nopad};

use crate::analyze::{AnalyzeOptions, AuditError};

thread_local! {
    /// One inflate buffer per thread, reused for every member: faulting in fresh pages for each
    /// member costs as much as a fifth of an audit.
    static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Run `f` with this thread's reusable buffer.
pub(crate) fn with_buffer<T>(f: impl FnOnce(&mut Vec<u8>) -> T) -> T {
    BUFFER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buffer) => f(&mut buffer),
        // Re-entered on this thread (rayon can run another job while one waits): use a fresh one.
        Err(_) => f(&mut Vec::new()),
    })
}

/// By default, members larger than this are not held in memory while their facts are read.
pub(crate) const SPILL_THRESHOLD: u64 = 64 << 20;

/// The facts of one ELF member and, when `options.verify_record`, its RECORD digest (checked
/// against RECORD when RECORD has one).
pub(crate) fn elf_facts(
    wheel: &Wheel<'_>,
    member: &Member,
    options: &AnalyzeOptions,
    buffer: &mut Vec<u8>,
) -> Result<(Arc<ElfFacts>, Option<String>), AuditError> {
    let entry = wheel.entry(member);
    if let Some(known) = &options.known_facts
        && let Some((facts, digest)) =
            known.get(&(member.path.clone(), entry.crc32, entry.uncompressed_size))
    {
        return Ok((facts.clone(), digest.clone()));
    }
    let parse = |bytes: &[u8]| {
        ElfFacts::parse(bytes).map_err(|source| AuditError::Elf {
            member: member.path.clone(),
            source,
        })
    };
    let (facts, digest) =
        if entry.uncompressed_size > options.in_memory_limit.unwrap_or(SPILL_THRESHOLD) {
            spilled(wheel, member, options.verify_record, &parse)?
        } else {
            wheel.read_into(member, buffer)?;
            let digest = options
                .verify_record
                .then(|| urlsafe_b64_nopad(&Sha256::digest(&buffer[..])));
            (parse(buffer)?, digest)
        };
    if let Some(digest) = &digest
        && let Some(problem) = wheel.record_digest_mismatch(&member.path, digest)
    {
        return Err(AuditError::Member {
            member: member.path.clone(),
            problem,
        });
    }
    Ok((Arc::new(facts), digest))
}

fn spilled(
    wheel: &Wheel<'_>,
    member: &Member,
    verify: bool,
    parse: &dyn Fn(&[u8]) -> Result<ElfFacts, AuditError>,
) -> Result<(ElfFacts, Option<String>), AuditError> {
    let entry = wheel.entry(member);
    let io_error = |e: std::io::Error| AuditError::Member {
        member: member.path.clone(),
        problem: format!("spilling to a temporary file: {e}"),
    };
    let mut file = anonymous_file().map_err(io_error)?;
    // Inflating is the bottleneck (on two cores for a large member): the SHA-256 on one thread
    // and the CRC-32 and the spilling on another keep up with it, and once the inflaters are
    // done the backlog is worked off on both cores, not one.
    let (to_hasher, for_hasher) = std::sync::mpsc::sync_channel::<Arc<Vec<u8>>>(4);
    let (to_writer, for_writer) = std::sync::mpsc::sync_channel::<Arc<Vec<u8>>>(4);
    let pool = wheelfix_wheel::ChunkPool::default();
    // Whichever thread lets go of a chunk last gives it back for reuse.
    let done_with = |chunk: Arc<Vec<u8>>| {
        if let Ok(chunk) = Arc::try_unwrap(chunk) {
            pool.give(chunk);
        }
    };
    let (inflated, hashed, written) = std::thread::scope(|scope| {
        let hasher = scope.spawn(|| {
            let mut hasher = verify.then(Sha256::new);
            for chunk in for_hasher {
                if let Some(hasher) = &mut hasher {
                    hasher.update(&chunk[..]);
                }
                done_with(chunk);
            }
            hasher.map(|h| urlsafe_b64_nopad(&h.finalize()))
        });
        let writer = scope.spawn(|| -> std::io::Result<(u64, u32)> {
            let mut crc = crc32fast::Hasher::new();
            let mut size = 0u64;
            for chunk in for_writer {
                crc.update(&chunk);
                size += chunk.len() as u64;
                file.write_all(&chunk)?;
                done_with(chunk);
            }
            file.flush()?;
            Ok((size, crc.finalize()))
        });
        let inflated = wheel.archive().stream_chunks(entry, &pool, &mut |chunk| {
            let chunk = Arc::new(chunk);
            to_hasher.send(chunk.clone()).is_ok() && to_writer.send(chunk).is_ok()
        });
        drop((to_hasher, to_writer));
        (inflated, hasher.join(), writer.join())
    });
    inflated.map_err(wheelfix_wheel::WheelError::from)?;
    let (Ok(written), Ok(digest)) = (written, hashed) else {
        return Err(AuditError::Member {
            member: member.path.clone(),
            problem: "the hashing or spilling thread failed".into(),
        });
    };
    let (size, crc) = written.map_err(io_error)?;
    if size != entry.uncompressed_size || crc != entry.crc32 {
        return Err(AuditError::Member {
            member: member.path.clone(),
            problem: format!(
                "decompresses to {size} bytes with another CRC-32 than the archive declares ({} bytes)",
                entry.uncompressed_size
            ),
        });
    }
    let map = crate::host::map_file(&file)
        .ok_or_else(|| io_error(std::io::Error::other("cannot map the temporary file")))?;
    let facts = parse(&map)?;
    Ok((facts, digest))
}

/// A read-write temporary file with no name: it disappears with the last handle.
fn anonymous_file() -> std::io::Result<std::fs::File> {
    let dir = std::env::temp_dir();
    for attempt in 0..1000u32 {
        let path = dir.join(format!(".wheelfix-spill-{}-{attempt}", std::process::id()));
        match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => {
                std::fs::remove_file(&path)?;
                return Ok(file);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free temporary file name"))
}
