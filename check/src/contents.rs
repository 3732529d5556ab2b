//! Every member inflated once, in parallel: its size, CRC-32, sha256 digest (plus the digest
//! RECORD asks for, when that is another algorithm), whether it is an ELF file, and for ELF
//! members of moderate size their facts, handed to the audit so it need not inflate them again.
//!
//! Members up to [`BUFFERED_LIMIT`] (ELF files up to [`ELF_BUFFERED_LIMIT`]) are inflated into
//! a per-thread buffer; larger ones are streamed through the hashers in chunks, so memory stays
//! bounded whatever the wheel holds.
//! Deciding what the numbers mean is left to `integrity` and `hygiene`.

use std::sync::Arc;

use rayon::prelude::*;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};
use wheelfix_elf::ElfFacts;
use wheelfix_wheel::metadata::urlsafe_b64_nopad;
use wheelfix_wheel::{ZipArchive, ZipEntry};

use crate::integrity::Record;

/// Members larger than this are streamed rather than held in memory...
pub(crate) const BUFFERED_LIMIT: u64 = 64 << 20;
/// ...unless they are ELF files up to this size: their facts are read from the buffer and
/// handed to the audit, which would otherwise inflate them a second time.
pub(crate) const ELF_BUFFERED_LIMIT: u64 = 512 << 20;

/// What reading one member found.
#[derive(Debug, Clone)]
pub(crate) struct Content {
    /// Index in the archive's entries.
    pub index: usize,
    pub path: String,
    /// The number of bytes the member inflated to.
    pub size: u64,
    /// urlsafe-base64 sha256, when the member could be read.
    pub sha256: Option<String>,
    /// `(algorithm, digest)` for a RECORD row using another supported algorithm.
    pub other: Option<(String, String)>,
    pub is_elf: bool,
    /// ELF facts of buffered ELF members (`None` for large or unparsable ones).
    pub facts: Option<Arc<ElfFacts>>,
    /// Why the member could not be read (corrupt data, CRC or size mismatch).
    pub error: Option<String>,
}

/// Hash algorithms RECORD may use that wheelfix verifies (besides sha256).
pub(crate) const OTHER_ALGORITHMS: &[&str] = &["sha224", "sha384", "sha512"];

enum Other {
    Sha224(Sha224),
    Sha384(Sha384),
    Sha512(Sha512),
}

impl Other {
    fn new(algorithm: &str) -> Option<Other> {
        match algorithm {
            "sha224" => Some(Other::Sha224(Sha224::new())),
            "sha384" => Some(Other::Sha384(Sha384::new())),
            "sha512" => Some(Other::Sha512(Sha512::new())),
            _ => None,
        }
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            Other::Sha224(h) => h.update(data),
            Other::Sha384(h) => h.update(data),
            Other::Sha512(h) => h.update(data),
        }
    }

    fn finish(self) -> String {
        match self {
            Other::Sha224(h) => urlsafe_b64_nopad(&h.finalize()),
            Other::Sha384(h) => urlsafe_b64_nopad(&h.finalize()),
            Other::Sha512(h) => urlsafe_b64_nopad(&h.finalize()),
        }
    }
}

/// Read every file member (directories are skipped).
pub(crate) fn read_all(archive: &ZipArchive<'_>, record: &Record) -> Vec<Content> {
    let files: Vec<(usize, &ZipEntry)> = archive
        .entries()
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.is_dir())
        .collect();
    files
        .par_iter()
        .map_init(Vec::new, |buffer, (index, entry)| {
            let algorithm = record
                .hash_of(&entry.name)
                .map(|(a, _)| a.as_str())
                .filter(|a| OTHER_ALGORITHMS.contains(a));
            read_one(archive, *index, entry, algorithm, buffer)
        })
        .collect()
}

fn read_one(
    archive: &ZipArchive<'_>,
    index: usize,
    entry: &ZipEntry,
    algorithm: Option<&str>,
    buffer: &mut Vec<u8>,
) -> Content {
    let mut content = Content {
        index,
        path: entry.name.clone(),
        size: 0,
        sha256: None,
        other: None,
        is_elf: false,
        facts: None,
        error: None,
    };
    let mut other = algorithm.and_then(Other::new);
    let buffered = entry.uncompressed_size <= BUFFERED_LIMIT
        || (entry.uncompressed_size <= ELF_BUFFERED_LIMIT
            && archive
                .read_prefix(entry, 4)
                .is_ok_and(|prefix| wheelfix_elf::is_elf(&prefix)));
    if buffered {
        if let Err(err) = archive.read_into(entry, buffer) {
            content.error = Some(err.to_string());
            return content;
        }
        content.size = buffer.len() as u64;
        content.sha256 = Some(urlsafe_b64_nopad(&Sha256::digest(&buffer[..])));
        if let Some(mut other_hasher) = other.take() {
            other_hasher.update(buffer);
            content.other = algorithm.map(|a| (a.to_owned(), other_hasher.finish()));
        }
        content.is_elf = wheelfix_elf::is_elf(buffer);
        if content.is_elf {
            content.facts = ElfFacts::parse(buffer).ok().map(Arc::new);
        }
        return content;
    }
    // Large member: stream (on two cores when it is large enough).
    let mut sha = Sha256::new();
    let mut crc = crc32fast::Hasher::new();
    let pool = wheelfix_wheel::ChunkPool::default();
    let mut first = true;
    let streamed = archive.stream_chunks(entry, &pool, &mut |chunk| {
        if first {
            content.is_elf = wheelfix_elf::is_elf(&chunk);
            first = false;
        }
        sha.update(&chunk);
        crc.update(&chunk);
        if let Some(o) = other.as_mut() {
            o.update(&chunk);
        }
        pool.give(chunk);
        true
    });
    let total = match streamed {
        Ok(total) => total,
        Err(err) => {
            content.error = Some(err.to_string());
            return content;
        }
    };
    buffer.clear();
    if total != entry.uncompressed_size {
        content.error = Some(format!(
            "decompresses to {total} bytes but the archive declares {}",
            entry.uncompressed_size
        ));
        return content;
    }
    let crc = crc.finalize();
    if crc != entry.crc32 {
        content.error = Some(format!(
            "CRC-32 mismatch: data has {crc:08x}, archive declares {:08x}",
            entry.crc32
        ));
        return content;
    }
    content.size = total;
    content.sha256 = Some(urlsafe_b64_nopad(&sha.finalize()));
    content.other = other.and_then(|o| algorithm.map(|a| (a.to_owned(), o.finish())));
    content
}
