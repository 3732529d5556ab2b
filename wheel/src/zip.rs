//! A zip reader over a byte slice (usually a memory map): the central directory, local headers,
//! and bounded decompression of single members.
//!
//! It is deliberately small and strict. It never allocates more than a member can really
//! produce, checks every offset against the slice, and keeps the framing details (local vs
//! central header fields, data descriptors, name encoding flags) that PyPI's upload checks care
//! about. It knows nothing about wheels; `crate::wheel` builds on it. Writing lives in
//! `crate::write`.

use std::io::Read;

/// Why a zip archive or one of its members could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZipError {
    #[error("not a zip archive: no end of central directory record")]
    NoEndOfCentralDirectory,
    #[error(
        "truncated zip archive: the {structure} at offset {offset} extends past the end of the file"
    )]
    Truncated {
        structure: &'static str,
        offset: u64,
    },
    #[error("malformed zip archive: {0}")]
    Malformed(String),
    #[error("member `{name}`: {problem}")]
    Member { name: String, problem: String },
}

fn member_error(name: &str, problem: impl Into<String>) -> ZipError {
    ZipError::Member {
        name: name.to_owned(),
        problem: problem.into(),
    }
}

/// Deflate cannot expand data by more than about 1032:1; a header claiming more is lying.
const MAX_DEFLATE_RATIO: u64 = 1032;

pub const METHOD_STORED: u16 = 0;
pub const METHOD_DEFLATED: u16 = 8;

const SIG_LOCAL: u32 = 0x0403_4b50;
const SIG_CENTRAL: u32 = 0x0201_4b50;
const SIG_EOCD: u32 = 0x0605_4b50;
const SIG_EOCD64: u32 = 0x0606_4b50;
const SIG_EOCD64_LOCATOR: u32 = 0x0706_4b50;

/// One member as described by the central directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntry {
    pub name: String,
    /// The raw name bytes, as stored.
    pub raw_name: Vec<u8>,
    pub flags: u16,
    pub method: u16,
    pub crc32: u32,
    pub compressed_size: u64,
    pub uncompressed_size: u64,
    pub local_header_offset: u64,
    pub version_made_by: u16,
    pub external_attributes: u32,
    pub dos_time: u16,
    pub dos_date: u16,
    /// Whether sizes or offsets came from a ZIP64 extra field.
    pub uses_zip64: bool,
}

impl ZipEntry {
    pub fn is_dir(&self) -> bool {
        self.name.ends_with('/')
    }

    pub fn has_data_descriptor(&self) -> bool {
        self.flags & 0x0008 != 0
    }

    pub fn is_utf8_flagged(&self) -> bool {
        self.flags & 0x0800 != 0
    }

    pub fn is_encrypted(&self) -> bool {
        self.flags & 0x0001 != 0
    }

    /// Unix permission bits, when the archive was made on Unix.
    pub fn unix_mode(&self) -> Option<u32> {
        (self.version_made_by >> 8 == 3).then_some(self.external_attributes >> 16)
    }
}

/// The local file header of a member, for comparison with the central directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalHeader {
    pub raw_name: Vec<u8>,
    pub flags: u16,
    pub method: u16,
    pub crc32: u32,
    pub compressed_size: u64,
    pub uncompressed_size: u64,
    /// Offset of the member's data in the archive.
    pub data_offset: u64,
    pub extra_len: u16,
}

/// A parsed zip archive borrowing its bytes.
#[derive(Debug)]
pub struct ZipArchive<'a> {
    data: &'a [u8],
    entries: Vec<ZipEntry>,
    pub is_zip64: bool,
    /// Offset of the central directory.
    pub central_directory_offset: u64,
    release: ReleaseHook<'a>,
}

/// Called with `(offset, length)` of archive bytes a reader is done with, so that the owner of
/// a memory map can drop those pages (`madvise(MADV_DONTNEED)`) and keep resident memory
/// bounded while a multi-gigabyte wheel streams through.
pub type ReleaseFn<'a> = Box<dyn Fn(usize, usize) + Send + Sync + 'a>;

#[derive(Default)]
struct ReleaseHook<'a>(Option<ReleaseFn<'a>>);

impl std::fmt::Debug for ReleaseHook<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "ReleaseHook(set)"
        } else {
            "ReleaseHook(none)"
        })
    }
}

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    structure: &'static str,
    base: u64,
}

impl<'a> Cursor<'a> {
    fn new(data: &'a [u8], structure: &'static str, base: u64) -> Cursor<'a> {
        Cursor {
            data,
            pos: 0,
            structure,
            base,
        }
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8], ZipError> {
        let end = self.pos.checked_add(n);
        let slice =
            end.and_then(|end| self.data.get(self.pos..end))
                .ok_or(ZipError::Truncated {
                    structure: self.structure,
                    offset: self.base + self.pos as u64,
                })?;
        self.pos += n;
        Ok(slice)
    }

    fn u16(&mut self) -> Result<u16, ZipError> {
        let b = self.bytes(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, ZipError> {
        let b = self.bytes(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, ZipError> {
        let b = self.bytes(8)?;
        let mut array = [0u8; 8];
        array.copy_from_slice(b);
        Ok(u64::from_le_bytes(array))
    }
}

fn slice_at<'a>(
    data: &'a [u8],
    offset: u64,
    len: u64,
    structure: &'static str,
) -> Result<&'a [u8], ZipError> {
    let truncated = ZipError::Truncated { structure, offset };
    let start = usize::try_from(offset).map_err(|_| truncated.clone())?;
    let len = usize::try_from(len).map_err(|_| truncated.clone())?;
    let end = start.checked_add(len).ok_or_else(|| truncated.clone())?;
    data.get(start..end).ok_or(truncated)
}

impl<'a> ZipArchive<'a> {
    pub fn parse(data: &'a [u8]) -> Result<ZipArchive<'a>, ZipError> {
        let eocd_offset = find_eocd(data)?;
        let mut eocd = Cursor::new(
            slice_at(
                data,
                eocd_offset as u64,
                22,
                "end of central directory record",
            )?,
            "end of central directory record",
            eocd_offset as u64,
        );
        eocd.u32()?;
        let disk = eocd.u16()?;
        let cd_disk = eocd.u16()?;
        let _entries_this_disk = eocd.u16()?;
        let mut entry_count = u64::from(eocd.u16()?);
        let mut cd_size = u64::from(eocd.u32()?);
        let mut cd_offset = u64::from(eocd.u32()?);
        let _comment_len = eocd.u16()?;
        if (disk != 0 || cd_disk != 0) && disk != 0xffff && cd_disk != 0xffff {
            return Err(ZipError::Malformed(
                "multi-disk archives are not supported".into(),
            ));
        }
        let mut is_zip64 = false;
        if eocd_offset >= 20 {
            let locator_offset = eocd_offset - 20;
            let mut locator = Cursor::new(
                slice_at(
                    data,
                    locator_offset as u64,
                    20,
                    "ZIP64 end of central directory locator",
                )?,
                "ZIP64 end of central directory locator",
                locator_offset as u64,
            );
            if locator.u32()? == SIG_EOCD64_LOCATOR {
                locator.u32()?;
                let eocd64_offset = locator.u64()?;
                let mut eocd64 = Cursor::new(
                    slice_at(
                        data,
                        eocd64_offset,
                        56,
                        "ZIP64 end of central directory record",
                    )?,
                    "ZIP64 end of central directory record",
                    eocd64_offset,
                );
                if eocd64.u32()? != SIG_EOCD64 {
                    return Err(ZipError::Malformed(format!(
                        "ZIP64 locator points at offset {eocd64_offset}, which holds no ZIP64 end of central directory record"
                    )));
                }
                eocd64.u64()?; // record size
                eocd64.u16()?; // version made by
                eocd64.u16()?; // version needed
                eocd64.u32()?; // disk
                eocd64.u32()?; // cd disk
                eocd64.u64()?; // entries this disk
                entry_count = eocd64.u64()?;
                cd_size = eocd64.u64()?;
                cd_offset = eocd64.u64()?;
                is_zip64 = true;
            }
        }
        let cd = slice_at(data, cd_offset, cd_size, "central directory")?;
        // Each central header is at least 46 bytes; a count beyond that is a lie we must not
        // allocate for.
        if entry_count > cd_size / 46 + 1 {
            return Err(ZipError::Malformed(format!(
                "end of central directory claims {entry_count} entries in a {cd_size}-byte central directory"
            )));
        }
        let mut entries = Vec::with_capacity(entry_count as usize);
        let mut cursor = Cursor::new(cd, "central directory", cd_offset);
        for _ in 0..entry_count {
            entries.push(parse_central_entry(&mut cursor)?);
        }
        Ok(ZipArchive {
            data,
            entries,
            is_zip64,
            central_directory_offset: cd_offset,
            release: ReleaseHook::default(),
        })
    }

    /// Install the hook [`ZipArchive::release`] calls.
    pub fn set_release_hook(&mut self, hook: ReleaseFn<'a>) {
        self.release = ReleaseHook(Some(hook));
    }

    /// Tell the owner of the bytes that `entry`'s data will not be read again soon.
    pub fn release(&self, entry: &ZipEntry) {
        if let (Some(hook), Ok(offset)) =
            (&self.release.0, usize::try_from(entry.local_header_offset))
        {
            let len = usize::try_from(entry.compressed_size)
                .unwrap_or(0)
                .saturating_add(30 + entry.raw_name.len() + 0xffff);
            let len = len.min(self.data.len().saturating_sub(offset));
            if len > 0 {
                hook(offset, len);
            }
        }
    }

    pub fn entries(&self) -> &[ZipEntry] {
        &self.entries
    }

    pub fn local_header(&self, entry: &ZipEntry) -> Result<LocalHeader, ZipError> {
        let header = slice_at(
            self.data,
            entry.local_header_offset,
            30,
            "local file header",
        )
        .map_err(|e| member_error(&entry.name, e.to_string()))?;
        let mut c = Cursor::new(header, "local file header", entry.local_header_offset);
        if c.u32()? != SIG_LOCAL {
            return Err(member_error(
                &entry.name,
                format!(
                    "no local file header at offset {}",
                    entry.local_header_offset
                ),
            ));
        }
        c.u16()?; // version needed
        let flags = c.u16()?;
        let method = c.u16()?;
        c.u16()?;
        c.u16()?;
        let crc32 = c.u32()?;
        let mut compressed_size = u64::from(c.u32()?);
        let mut uncompressed_size = u64::from(c.u32()?);
        let name_len = c.u16()?;
        let extra_len = c.u16()?;
        let names_offset = entry.local_header_offset + 30;
        let raw_name = slice_at(
            self.data,
            names_offset,
            u64::from(name_len),
            "local file header name",
        )
        .map_err(|e| member_error(&entry.name, e.to_string()))?
        .to_vec();
        let extra = slice_at(
            self.data,
            names_offset + u64::from(name_len),
            u64::from(extra_len),
            "local file header extra field",
        )
        .map_err(|e| member_error(&entry.name, e.to_string()))?;
        if let Some(zip64) = find_extra(extra, 0x0001) {
            let mut z = Cursor::new(zip64, "ZIP64 extra field", 0);
            if uncompressed_size == 0xffff_ffff {
                uncompressed_size = z
                    .u64()
                    .map_err(|e| member_error(&entry.name, e.to_string()))?;
            }
            if compressed_size == 0xffff_ffff {
                compressed_size = z
                    .u64()
                    .map_err(|e| member_error(&entry.name, e.to_string()))?;
            }
        }
        let data_offset = names_offset + u64::from(name_len) + u64::from(extra_len);
        Ok(LocalHeader {
            raw_name,
            flags,
            method,
            crc32,
            compressed_size,
            uncompressed_size,
            data_offset,
            extra_len,
        })
    }

    /// The member's stored bytes (compressed, as in the archive), after checking that the local
    /// header agrees with the central directory on the name.
    pub fn raw_data(&self, entry: &ZipEntry) -> Result<&'a [u8], ZipError> {
        let local = self.local_header(entry)?;
        if local.raw_name != entry.raw_name {
            return Err(member_error(
                &entry.name,
                "local file header names a different file than the central directory",
            ));
        }
        slice_at(
            self.data,
            local.data_offset,
            entry.compressed_size,
            "member data",
        )
        .map_err(|e| member_error(&entry.name, e.to_string()))
    }

    /// A reader over the member's stored (compressed) bytes that releases them to the owner of
    /// the bytes as it goes (see [`ZipArchive::set_release_hook`]).
    pub fn raw_reader<'s>(&'s self, entry: &ZipEntry) -> Result<RawReader<'s, 'a>, ZipError> {
        let raw = self.raw_data(entry)?;
        let base = raw.as_ptr() as usize - self.data.as_ptr() as usize;
        Ok(RawReader {
            archive: self,
            data: raw,
            base,
            position: 0,
            released: ReleaseCursor::at(0),
        })
    }

    /// Hand the member's uncompressed bytes to `sink` in order, in chunks of at most 1 MiB
    /// taken from `pool`; large members are inflated on two cores. Stops early when `sink`
    /// returns false, or one byte past the declared size; returns how many bytes were
    /// handed out. Size and CRC-32 are the caller's to check, on the bytes it was handed.
    pub fn stream_chunks(
        &self,
        entry: &ZipEntry,
        pool: &crate::ChunkPool,
        sink: &mut dyn FnMut(Vec<u8>) -> bool,
    ) -> Result<u64, ZipError> {
        check_member_header(entry)?;
        let raw = self.raw_data(entry)?;
        let base = raw.as_ptr() as usize - self.data.as_ptr() as usize;
        let release = |offset: usize, len: usize| {
            if let Some(hook) = &self.release.0 {
                hook(base + offset, len);
            }
        };
        if entry.method == METHOD_STORED {
            let mut handed = 0usize;
            let mut released = ReleaseCursor::at(0);
            for piece in raw.chunks(crate::inflate::CHUNK) {
                let mut chunk = pool.take();
                chunk.extend_from_slice(piece);
                handed += piece.len();
                released.advance(handed, &release);
                if !sink(chunk) {
                    break;
                }
            }
            released.finish(raw.len(), &release);
            return Ok(handed as u64);
        }
        let limit = entry.uncompressed_size;
        crate::inflate::inflate_chunks(raw, limit, &release, pool, sink).map_err(|problem| {
            member_error(&entry.name, format!("corrupt compressed data: {problem}"))
        })
    }

    /// The first `n` uncompressed bytes (fewer if the member is shorter); cheap for any member.
    pub fn read_prefix(&self, entry: &ZipEntry, n: usize) -> Result<Vec<u8>, ZipError> {
        self.read_prefix_with(entry, n, &mut flate2::Decompress::new(false))
    }

    /// [`ZipArchive::read_prefix`] with a caller's inflater, reset and reused: setting one up
    /// costs more than inflating a few bytes, and ELF detection does it for every member.
    pub fn read_prefix_with(
        &self,
        entry: &ZipEntry,
        n: usize,
        inflater: &mut flate2::Decompress,
    ) -> Result<Vec<u8>, ZipError> {
        check_member_header(entry)?;
        let raw = self.raw_data(entry)?;
        let wanted = n.min(usize::try_from(entry.uncompressed_size).unwrap_or(usize::MAX));
        if entry.method == METHOD_STORED {
            return Ok(raw.get(..wanted).unwrap_or(raw).to_vec());
        }
        // Inflate just enough for the prefix; no stream buffer, so sniffing thousands of members
        // for the ELF magic costs next to nothing.
        let mut prefix = vec![0u8; wanted];
        inflater.reset(false);
        let mut filled = 0;
        while filled < wanted {
            let consumed = inflater.total_in() as usize;
            let before = inflater.total_out();
            let status = inflater
                .decompress(
                    raw.get(consumed..).unwrap_or_default(),
                    &mut prefix[filled..],
                    flate2::FlushDecompress::None,
                )
                .map_err(|err| {
                    member_error(&entry.name, format!("corrupt compressed data: {err}"))
                })?;
            let produced = (inflater.total_out() - before) as usize;
            filled += produced;
            if status == flate2::Status::StreamEnd
                || (produced == 0 && inflater.total_in() as usize == consumed)
            {
                break;
            }
        }
        prefix.truncate(filled);
        Ok(prefix)
    }

    /// The whole member, decompressed, with its size and CRC-32 checked against the central
    /// directory.
    pub fn read(&self, entry: &ZipEntry) -> Result<Vec<u8>, ZipError> {
        let mut out = Vec::new();
        self.read_into(entry, &mut out)?;
        Ok(out)
    }

    /// [`ZipArchive::read`] into a caller's buffer, which is cleared first; reusing one buffer
    /// for many members avoids faulting in fresh pages for each.
    pub fn read_into(&self, entry: &ZipEntry, out: &mut Vec<u8>) -> Result<(), ZipError> {
        check_member_header(entry)?;
        let raw = self.raw_data(entry)?;
        out.clear();
        match entry.method {
            METHOD_STORED => out.extend_from_slice(raw),
            _ if entry.uncompressed_size <= WHOLE_BUFFER_LIMIT => inflate_whole(raw, entry, out)?,
            _ => inflate(raw, entry, out)?,
        }
        if out.len() as u64 != entry.uncompressed_size {
            return Err(member_error(
                &entry.name,
                format!(
                    "decompresses to {}{} bytes but the archive declares {}",
                    out.len(),
                    if out.len() as u64 > entry.uncompressed_size {
                        "+"
                    } else {
                        ""
                    },
                    entry.uncompressed_size
                ),
            ));
        }
        self.release(entry);
        let crc = crc32fast::hash(out);
        if crc != entry.crc32 {
            return Err(member_error(
                &entry.name,
                format!(
                    "CRC-32 mismatch: data has {crc:08x}, archive declares {:08x}",
                    entry.crc32
                ),
            ));
        }
        Ok(())
    }
}

/// Members up to this size are inflated in one call into a buffer of exactly their declared
/// size (the declared size is trusted for the allocation only this far).
const WHOLE_BUFFER_LIMIT: u64 = 1 << 30;

thread_local! {
    static LIBDEFLATE: std::cell::RefCell<libdeflater::Decompressor> = std::cell::RefCell::new(libdeflater::Decompressor::new());
}

/// Inflate with libdeflate, which decodes a whole buffer about a quarter faster than a
/// streaming inflater; inflating is most of the time of an audit.
fn inflate_whole(raw: &[u8], entry: &ZipEntry, out: &mut Vec<u8>) -> Result<(), ZipError> {
    let size = entry.uncompressed_size as usize;
    out.resize(size, 0);
    let result = LIBDEFLATE.with(|cell| cell.borrow_mut().deflate_decompress(raw, out));
    match result {
        Ok(written) => {
            out.truncate(written);
            Ok(())
        }
        Err(libdeflater::DecompressionError::InsufficientSpace) => Err(member_error(
            &entry.name,
            format!("decompresses to more than the {size} bytes the archive declares"),
        )),
        Err(libdeflater::DecompressionError::BadData) => {
            Err(member_error(&entry.name, "corrupt compressed data"))
        }
    }
}

/// Inflate a member larger than [`WHOLE_BUFFER_LIMIT`] by streaming into a growing buffer.
/// The buffer starts at most at 64 MiB and grows only as data really arrives, so a lying size
/// cannot make us allocate; the output may exceed the declared size by one chunk, which the
/// caller reports.
fn inflate(raw: &[u8], entry: &ZipEntry, out: &mut Vec<u8>) -> Result<(), ZipError> {
    use flate2::{Decompress, FlushDecompress, Status};
    let declared = entry.uncompressed_size;
    let wanted = declared.min(64 << 20) as usize + 1;
    if out.capacity() < wanted {
        out.reserve(wanted);
    }
    let mut inflater = Decompress::new(false);
    loop {
        if out.len() == out.capacity() {
            if out.len() as u64 > declared {
                break;
            }
            let grow = (out.len() as u64).clamp(
                1 << 20,
                declared.saturating_sub(out.len() as u64).max(1 << 16),
            );
            out.reserve(grow as usize);
        }
        let consumed = inflater.total_in() as usize;
        let produced_before = out.len();
        let input = raw.get(consumed..).unwrap_or_default();
        let status = inflater
            .decompress_vec(input, out, FlushDecompress::Finish)
            .map_err(|err| member_error(&entry.name, format!("corrupt compressed data: {err}")))?;
        match status {
            Status::StreamEnd => break,
            Status::Ok | Status::BufError => {
                let progressed =
                    inflater.total_in() as usize != consumed || out.len() != produced_before;
                if !progressed && out.len() < out.capacity() {
                    return Err(member_error(
                        &entry.name,
                        "compressed data ends before the deflate stream does",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Stored bytes of one member, handed out in order; every 32 MiB consumed is released to the
/// archive's owner, so streaming a huge member keeps few of its pages resident.
pub struct RawReader<'s, 'a> {
    archive: &'s ZipArchive<'a>,
    data: &'a [u8],
    base: usize,
    position: usize,
    released: ReleaseCursor,
}

const RELEASE_CHUNK: usize = 32 << 20;

/// How far a reader of stored bytes has told the release hook: whole [`RELEASE_CHUNK`] steps
/// as it goes, the rest when it is done.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReleaseCursor(usize);

impl ReleaseCursor {
    pub(crate) fn at(offset: usize) -> ReleaseCursor {
        ReleaseCursor(offset)
    }

    /// Read up to `consumed`: release it once a whole step has been read since the last time.
    pub(crate) fn advance(&mut self, consumed: usize, release: &dyn Fn(usize, usize)) {
        if consumed.saturating_sub(self.0) >= RELEASE_CHUNK {
            self.finish(consumed, release);
        }
    }

    /// Done up to `end`: release whatever is left before it.
    pub(crate) fn finish(&mut self, end: usize, release: &dyn Fn(usize, usize)) {
        if end > self.0 {
            release(self.0, end - self.0);
            self.0 = end;
        }
    }
}

impl Read for RawReader<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let rest = self.data.get(self.position..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.position += n;
        let release = |offset: usize, len: usize| {
            if let Some(hook) = &self.archive.release.0 {
                hook(self.base + offset, len);
            }
        };
        if n == 0 {
            self.released.finish(self.position, &release);
        } else {
            self.released.advance(self.position, &release);
        }
        Ok(n)
    }
}

/// Reject members whose header alone shows they cannot be read safely.
fn check_member_header(entry: &ZipEntry) -> Result<(), ZipError> {
    if entry.is_encrypted() {
        return Err(member_error(&entry.name, "is encrypted"));
    }
    match entry.method {
        METHOD_STORED => {
            if entry.compressed_size != entry.uncompressed_size {
                return Err(member_error(
                    &entry.name,
                    format!(
                        "is stored uncompressed but declares {} bytes of data and {} bytes uncompressed",
                        entry.compressed_size, entry.uncompressed_size
                    ),
                ));
            }
        }
        METHOD_DEFLATED => {
            let possible = entry
                .compressed_size
                .saturating_mul(MAX_DEFLATE_RATIO)
                .saturating_add(1024);
            if entry.uncompressed_size > possible {
                return Err(member_error(
                    &entry.name,
                    format!(
                        "declares {} bytes uncompressed from {} compressed bytes, more than deflate can produce",
                        entry.uncompressed_size, entry.compressed_size
                    ),
                ));
            }
        }
        other => {
            return Err(member_error(
                &entry.name,
                format!(
                    "uses compression method {other}; only stored (0) and deflate (8) are allowed in wheels"
                ),
            ));
        }
    }
    Ok(())
}

fn find_eocd(data: &[u8]) -> Result<usize, ZipError> {
    if data.len() < 22 {
        return Err(ZipError::NoEndOfCentralDirectory);
    }
    let lowest = data.len().saturating_sub(22 + 0xffff);
    let mut offset = data.len() - 22;
    loop {
        if data[offset..offset + 4] == SIG_EOCD.to_le_bytes() {
            let comment_len = u16::from_le_bytes([data[offset + 20], data[offset + 21]]) as usize;
            // The comment must end exactly at the end of the file; otherwise this signature is
            // part of some member's data.
            if offset + 22 + comment_len == data.len() {
                return Ok(offset);
            }
        }
        if offset == lowest {
            return Err(ZipError::NoEndOfCentralDirectory);
        }
        offset -= 1;
    }
}

fn find_extra(extra: &[u8], id: u16) -> Option<&[u8]> {
    let mut rest = extra;
    while rest.len() >= 4 {
        let header_id = u16::from_le_bytes([rest[0], rest[1]]);
        let len = u16::from_le_bytes([rest[2], rest[3]]) as usize;
        let body = rest.get(4..4 + len)?;
        if header_id == id {
            return Some(body);
        }
        rest = &rest[4 + len..];
    }
    None
}

fn parse_central_entry(c: &mut Cursor<'_>) -> Result<ZipEntry, ZipError> {
    let at = c.base + c.pos as u64;
    if c.u32()? != SIG_CENTRAL {
        return Err(ZipError::Malformed(format!(
            "no central directory header at offset {at}"
        )));
    }
    let version_made_by = c.u16()?;
    c.u16()?; // version needed
    let flags = c.u16()?;
    let method = c.u16()?;
    let dos_time = c.u16()?;
    let dos_date = c.u16()?;
    let crc32 = c.u32()?;
    let mut compressed_size = u64::from(c.u32()?);
    let mut uncompressed_size = u64::from(c.u32()?);
    let name_len = c.u16()? as usize;
    let extra_len = c.u16()? as usize;
    let comment_len = c.u16()? as usize;
    c.u16()?; // disk start
    c.u16()?; // internal attributes
    let external_attributes = c.u32()?;
    let mut local_header_offset = u64::from(c.u32()?);
    let raw_name = c.bytes(name_len)?.to_vec();
    let extra = c.bytes(extra_len)?;
    c.bytes(comment_len)?;
    let mut uses_zip64 = false;
    if let Some(zip64) = find_extra(extra, 0x0001) {
        let mut z = Cursor::new(zip64, "ZIP64 extra field", at);
        if uncompressed_size == 0xffff_ffff {
            uncompressed_size = z.u64()?;
            uses_zip64 = true;
        }
        if compressed_size == 0xffff_ffff {
            compressed_size = z.u64()?;
            uses_zip64 = true;
        }
        if local_header_offset == 0xffff_ffff {
            local_header_offset = z.u64()?;
            uses_zip64 = true;
        }
    }
    let name = match std::str::from_utf8(&raw_name) {
        Ok(name) => name.to_owned(),
        // Without the UTF-8 flag, names are CP437; wheels are required to be UTF-8, so treat a
        // non-UTF-8 name as unreadable rather than guessing.
        Err(_) => {
            return Err(ZipError::Malformed(format!(
                "member name {:?} at offset {at} is not valid UTF-8",
                String::from_utf8_lossy(&raw_name)
            )));
        }
    };
    Ok(ZipEntry {
        name,
        raw_name,
        flags,
        method,
        crc32,
        compressed_size,
        uncompressed_size,
        local_header_offset,
        version_made_by,
        external_attributes,
        dos_time,
        dos_date,
        uses_zip64,
    })
}
