//! Strict ZIP framing (rules `Z001`–`Z007`): the archive must read the same whether a tool
//! trusts the central directory (pip, Python's `zipfile`) or streams the local headers from the
//! start of the file. PyPI rejects uploads where the two views can differ
//! (`warehouse/utils/zipfiles.py`); this is the same idea, reimplemented.
//!
//! The scan walks the raw bytes from offset 0, record by record, exactly once, and never trusts
//! the central directory for where things are: it reads the central directory only to compare
//! what it declares with what the local headers say. It reports every problem it can rather
//! than stopping at the first, and stops only when it cannot tell where the next record starts.
//! Member contents are not decompressed here.

use std::collections::{BTreeMap, BTreeSet};

use crate::rules::{Finding, Z001, Z002, Z003, Z004, Z005, Z006, Z007};

const SIG_LOCAL: u32 = 0x0403_4b50;
const SIG_CENTRAL: u32 = 0x0201_4b50;
const SIG_EOCD: u32 = 0x0605_4b50;
const SIG_EOCD64: u32 = 0x0606_4b50;
const SIG_EOCD64_LOCATOR: u32 = 0x0706_4b50;
const SIG_DATA_DESCRIPTOR: u32 = 0x0807_4b50;

const EXTRA_ZIP64: u16 = 0x0001;
const EXTRA_UNICODE_PATH: u16 = 0x7075;

/// Why the bytes are not a zip archive at all (the wheel is unreadable, not merely malformed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotZip {
    #[error("not a zip archive: no end of central directory record")]
    NoEndOfCentralDirectory,
    #[error("not a zip archive: the central directory at offset {0} is truncated")]
    TruncatedCentralDirectory(u64),
}

/// What the central directory declares about one member (located through the end record, as
/// Python's `zipfile` does).
#[derive(Debug, Clone, Copy)]
struct Declared {
    compressed: u64,
    uncompressed: u64,
    method: u16,
}

/// Scan `data` and report every framing problem. `Err` means there is no zip archive to speak
/// of (no end of central directory record, or a central directory outside the file).
pub fn check(data: &[u8]) -> Result<Vec<Finding>, NotZip> {
    let declared = declared_entries(data)?;
    let mut scan = Scan {
        data,
        declared: &declared,
        findings: Vec::new(),
        reported: BTreeSet::new(),
        local_names: BTreeSet::new(),
        cd_names: BTreeSet::new(),
        cd_first_offset: None,
        cd_records: 0,
        cd_size: 0,
        expected_eocd64: None,
        eocd64_values: None,
        locator_seen: false,
    };
    scan.run();
    Ok(scan.findings)
}

/// A little-endian reader over a slice that never panics.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn at(data: &'a [u8], pos: usize) -> Reader<'a> {
        Reader { data, pos }
    }

    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let slice = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(slice)
    }

    fn u16(&mut self) -> Option<u16> {
        self.bytes(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Option<u32> {
        self.bytes(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Option<u64> {
        self.bytes(8).map(|b| {
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            u64::from_le_bytes(a)
        })
    }
}

fn peek_u32(data: &[u8], pos: usize) -> Option<u32> {
    Reader::at(data, pos).u32()
}

/// The central directory as a reader that trusts it would see it: name → sizes and method. Later
/// entries of a duplicated name win, as in Python's `zipfile`.
fn declared_entries(data: &[u8]) -> Result<BTreeMap<Vec<u8>, Declared>, NotZip> {
    let eocd = find_eocd(data).ok_or(NotZip::NoEndOfCentralDirectory)?;
    let mut r = Reader::at(data, eocd + 4);
    let fields = (|| {
        r.u16()?;
        r.u16()?;
        r.u16()?;
        let count = u64::from(r.u16()?);
        let size = u64::from(r.u32()?);
        let offset = u64::from(r.u32()?);
        Some((count, size, offset))
    })();
    let Some((mut count, mut size, mut offset)) = fields else {
        return Err(NotZip::NoEndOfCentralDirectory);
    };
    if let Some(locator) = eocd.checked_sub(20)
        && peek_u32(data, locator) == Some(SIG_EOCD64_LOCATOR)
    {
        let mut l = Reader::at(data, locator + 8);
        if let Some(eocd64) = l.u64().and_then(|o| usize::try_from(o).ok())
            && peek_u32(data, eocd64) == Some(SIG_EOCD64)
        {
            let mut e = Reader::at(data, eocd64 + 4 + 8 + 2 + 2 + 4 + 4 + 8);
            if let (Some(c), Some(s), Some(o)) = (e.u64(), e.u64(), e.u64()) {
                count = c;
                size = s;
                offset = o;
            }
        }
    }
    let truncated = NotZip::TruncatedCentralDirectory(offset);
    let start = usize::try_from(offset).map_err(|_| truncated.clone())?;
    let len = usize::try_from(size).map_err(|_| truncated.clone())?;
    let end = start.checked_add(len).ok_or_else(|| truncated.clone())?;
    if end > data.len() {
        return Err(truncated);
    }
    let mut entries = BTreeMap::new();
    let mut r = Reader::at(data, start);
    for _ in 0..count {
        if r.pos >= end || r.u32() != Some(SIG_CENTRAL) {
            break;
        }
        let parsed = (|| {
            r.bytes(6)?; // versions, flags
            let method = r.u16()?;
            r.bytes(8)?; // time, date, crc
            let mut compressed = u64::from(r.u32()?);
            let mut uncompressed = u64::from(r.u32()?);
            let name_len = usize::from(r.u16()?);
            let extra_len = usize::from(r.u16()?);
            let comment_len = usize::from(r.u16()?);
            r.bytes(12)?;
            let name = r.bytes(name_len)?.to_vec();
            let extra = r.bytes(extra_len)?;
            r.bytes(comment_len)?;
            if let Some(zip64) = extra_field(extra, EXTRA_ZIP64) {
                let mut z = Reader::at(zip64, 0);
                if uncompressed == 0xffff_ffff {
                    uncompressed = z.u64()?;
                }
                if compressed == 0xffff_ffff {
                    compressed = z.u64()?;
                }
            }
            Some((
                name,
                Declared {
                    compressed,
                    uncompressed,
                    method,
                },
            ))
        })();
        match parsed {
            Some((name, declared)) => {
                entries.insert(name, declared);
            }
            None => return Err(truncated),
        }
    }
    Ok(entries)
}

/// The end of central directory record: the one whose comment ends the file, else (as Python's
/// `zipfile` accepts) the last signature with a whole record after it, leaving trailing data for
/// the scan to report.
fn find_eocd(data: &[u8]) -> Option<usize> {
    if data.len() < 22 {
        return None;
    }
    let lowest = data.len().saturating_sub(22 + 0xffff);
    let mut fallback = None;
    let mut offset = data.len() - 22;
    loop {
        if peek_u32(data, offset) == Some(SIG_EOCD) {
            let comment = Reader::at(data, offset + 20).u16().map(usize::from);
            if comment.is_some_and(|c| offset + 22 + c == data.len()) {
                return Some(offset);
            }
            fallback = fallback.or(Some(offset));
        }
        if offset == lowest {
            return fallback;
        }
        offset -= 1;
    }
}

fn extra_field(extra: &[u8], id: u16) -> Option<&[u8]> {
    let mut r = Reader::at(extra, 0);
    while r.pos + 4 <= extra.len() {
        let header = r.u16()?;
        let len = usize::from(r.u16()?);
        let body = r.bytes(len)?;
        if header == id {
            return Some(body);
        }
    }
    None
}

fn display_name(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).escape_debug().to_string()
}

fn has_unprintable(raw: &[u8]) -> bool {
    raw.iter().any(|&b| b < 0x20 || b == 0x7f)
}

struct Scan<'a> {
    data: &'a [u8],
    declared: &'a BTreeMap<Vec<u8>, Declared>,
    findings: Vec<Finding>,
    /// (code, member) pairs already reported, so one broken member yields one finding per rule.
    reported: BTreeSet<(&'static str, String)>,
    local_names: BTreeSet<Vec<u8>>,
    cd_names: BTreeSet<Vec<u8>>,
    cd_first_offset: Option<usize>,
    cd_records: u64,
    cd_size: u64,
    expected_eocd64: Option<usize>,
    /// (records, size, offset) from the ZIP64 end record.
    eocd64_values: Option<(u64, u64, u64)>,
    locator_seen: bool,
}

impl Scan<'_> {
    fn report(&mut self, finding: Finding) {
        let key = (finding.code, finding.member.clone().unwrap_or_default());
        if self.reported.insert(key) {
            self.findings.push(finding);
        }
    }

    fn run(&mut self) {
        let mut pos = 0usize;
        loop {
            let Some(signature) = peek_u32(self.data, pos) else {
                self.report(Z006.wheel(format!(
                    "the archive ends at offset {pos} before its end of central directory record"
                )));
                return;
            };
            if signature == SIG_EOCD && self.expected_eocd64.is_some() && !self.locator_seen {
                self.report(Z006.wheel(
                    "a ZIP64 end of central directory record is not followed by its locator",
                ));
            }
            let next = match signature {
                SIG_LOCAL => self.local_header(pos),
                SIG_CENTRAL => self.central_header(pos),
                SIG_EOCD64 => self.eocd64(pos),
                SIG_EOCD64_LOCATOR => {
                    self.locator_seen = true;
                    pos.checked_add(20).filter(|end| *end <= self.data.len())
                }
                SIG_EOCD => {
                    self.eocd(pos);
                    return;
                }
                other => {
                    self.report(Z006.wheel(format!(
                        "unknown record signature 0x{other:08x} at offset {pos}"
                    )));
                    return;
                }
            };
            match next {
                Some(next) => pos = next,
                None => {
                    self.report(Z006.wheel(format!(
                        "the record at offset {pos} extends past the end of the file"
                    )));
                    return;
                }
            }
        }
    }

    /// Check one local file header and return the offset of the next record.
    fn local_header(&mut self, pos: usize) -> Option<usize> {
        let mut r = Reader::at(self.data, pos + 4);
        r.u16()?; // version needed
        let flags = r.u16()?;
        let method = r.u16()?;
        r.bytes(8)?; // time, date, crc
        let mut compressed = u64::from(r.u32()?);
        let mut uncompressed = u64::from(r.u32()?);
        let name_len = usize::from(r.u16()?);
        let extra_len = usize::from(r.u16()?);
        let raw_name = r.bytes(name_len)?.to_vec();
        let extra = r.bytes(extra_len)?;
        let data_start = r.pos;
        let name = display_name(&raw_name);

        if has_unprintable(&raw_name) {
            self.report(Z003.at(&name, "the name contains a control character"));
        }
        if std::str::from_utf8(&raw_name).is_err() {
            self.report(Z003.at(&name, "the name is not valid UTF-8"));
        }
        // Extra fields: well-formed, no duplicated ZIP64 or Unicode path fields, ZIP64 lengths
        // that make sense.
        let mut seen = BTreeSet::new();
        let mut e = Reader::at(extra, 0);
        while e.pos < extra.len() {
            let (Some(id), Some(len)) = (e.u16(), e.u16()) else {
                self.report(Z006.at(&name, "truncated extra field in the local header"));
                break;
            };
            let Some(body) = e.bytes(usize::from(len)) else {
                self.report(Z006.at(&name, "an extra field overruns the local header"));
                break;
            };
            if !seen.insert(id) && matches!(id, EXTRA_ZIP64 | EXTRA_UNICODE_PATH) {
                self.report(Z006.at(
                    &name,
                    format!("extra field 0x{id:04x} appears twice in the local header"),
                ));
            }
            if id == EXTRA_ZIP64 {
                let mut z = Reader::at(body, 0);
                match body.len() {
                    0 => {
                        if compressed == 0xffff_ffff || uncompressed == 0xffff_ffff {
                            self.report(Z006.at(&name, "empty ZIP64 extra field for ZIP64 sizes"));
                        }
                    }
                    8 => {
                        let size = z.u64().unwrap_or(0);
                        if method != 0 {
                            self.report(Z006.at(
                                &name,
                                "a ZIP64 extra field with one size on a compressed member",
                            ));
                        }
                        compressed = size;
                        if uncompressed == 0xffff_ffff {
                            uncompressed = size;
                        }
                    }
                    16 | 24 | 28 => {
                        let first = z.u64().unwrap_or(0);
                        let second = z.u64().unwrap_or(0);
                        if uncompressed == 0xffff_ffff {
                            uncompressed = first;
                        }
                        compressed = second;
                    }
                    other => self.report(Z006.at(
                        &name,
                        format!("ZIP64 extra field of {other} bytes (must be 0, 8, 16, 24 or 28)"),
                    )),
                }
            }
            if id == EXTRA_UNICODE_PATH {
                let unicode = body.get(5..).unwrap_or_default();
                if has_unprintable(unicode) || std::str::from_utf8(unicode).is_err() {
                    self.report(Z003.at(
                        &name,
                        "the Info-ZIP Unicode path extra field is not printable UTF-8",
                    ));
                }
            }
        }

        let has_descriptor = flags & 0x0008 != 0;
        if has_descriptor {
            self.report(Z001.at(
                &name,
                "general purpose flag bit 3 is set: sizes and CRC follow the data in a data descriptor",
            ));
        }
        let declared = self.declared.get(&raw_name).copied();
        match declared {
            None => self.report(Z004.at(
                &name,
                format!(
                    "local header at offset {pos} names a file the central directory does not list"
                ),
            )),
            Some(d) => {
                if !has_descriptor && d.compressed != compressed {
                    self.report(Z004.at(
                        &name,
                        format!(
                            "compressed size: local header says {compressed}, central directory says {}",
                            d.compressed
                        ),
                    ));
                }
                if !has_descriptor && d.uncompressed != uncompressed {
                    self.report(Z004.at(
                        &name,
                        format!(
                            "uncompressed size: local header says {uncompressed}, central directory says {}",
                            d.uncompressed
                        ),
                    ));
                }
                if d.method != 0 && d.method != 8 {
                    self.report(Z007.at(
                        &name,
                        format!(
                            "compression method {} (only 0, stored, and 8, deflate, are allowed)",
                            d.method
                        ),
                    ));
                }
            }
        }
        if !self.local_names.insert(raw_name.clone()) {
            self.report(Z002.at(&name, "the name appears in more than one local header"));
        }

        // Where the next record starts: after the data the local header declares, unless a data
        // descriptor (or a disagreement) makes the central directory the better guess.
        let mut candidates = Vec::new();
        if !has_descriptor {
            candidates.push(compressed);
        }
        if let Some(d) = declared {
            candidates.push(d.compressed);
        }
        for size in candidates {
            let Some(after) = usize::try_from(size)
                .ok()
                .and_then(|s| data_start.checked_add(s))
            else {
                continue;
            };
            if after > self.data.len() {
                continue;
            }
            let after = if has_descriptor {
                self.skip_descriptor(after)
            } else {
                after
            };
            if matches!(
                peek_u32(self.data, after),
                Some(SIG_LOCAL | SIG_CENTRAL | SIG_EOCD | SIG_EOCD64)
            ) {
                return Some(after);
            }
        }
        None
    }

    fn skip_descriptor(&self, at: usize) -> usize {
        if matches!(
            peek_u32(self.data, at),
            Some(SIG_LOCAL | SIG_CENTRAL | SIG_EOCD | SIG_EOCD64)
        ) {
            return at; // flagged, but no descriptor was written
        }
        let start = if peek_u32(self.data, at) == Some(SIG_DATA_DESCRIPTOR) {
            at + 4
        } else {
            at
        };
        // CRC and two sizes, 4 or 8 bytes each; take whichever lands on a record.
        for len in [12usize, 20] {
            let next = start + len;
            if matches!(
                peek_u32(self.data, next),
                Some(SIG_LOCAL | SIG_CENTRAL | SIG_EOCD | SIG_EOCD64)
            ) {
                return next;
            }
        }
        start + 12
    }

    fn central_header(&mut self, pos: usize) -> Option<usize> {
        if self.cd_first_offset.is_none() {
            self.cd_first_offset = Some(pos);
        }
        self.cd_records += 1;
        let mut r = Reader::at(self.data, pos + 4);
        r.bytes(24)?;
        let name_len = usize::from(r.u16()?);
        let extra_len = usize::from(r.u16()?);
        let comment_len = usize::from(r.u16()?);
        r.bytes(12)?;
        let raw_name = r.bytes(name_len)?.to_vec();
        r.bytes(extra_len)?;
        r.bytes(comment_len)?;
        self.cd_size += (46 + name_len + extra_len + comment_len) as u64;
        let name = display_name(&raw_name);
        if comment_len != 0 {
            self.report(Z005.at(
                &name,
                format!("the central directory entry has a {comment_len}-byte comment"),
            ));
        }
        if has_unprintable(&raw_name) {
            self.report(Z003.at(&name, "the name contains a control character"));
        }
        if !self.cd_names.insert(raw_name.clone()) {
            self.report(Z002.at(&name, "the name appears twice in the central directory"));
        }
        if !self.local_names.contains(&raw_name) {
            self.report(Z004.at(
                &name,
                "the central directory lists a file no local header precedes",
            ));
        }
        Some(r.pos)
    }

    fn eocd64(&mut self, pos: usize) -> Option<usize> {
        self.expected_eocd64 = Some(pos);
        let mut r = Reader::at(self.data, pos + 4);
        let record_size = r.u64()?;
        r.bytes(12)?; // versions, disk numbers
        let records_on_disk = r.u64()?;
        let records = r.u64()?;
        let size = r.u64()?;
        let offset = r.u64()?;
        if records_on_disk != records {
            self.report(Z006.wheel(
                "the ZIP64 end of central directory record disagrees with itself on the record count",
            ));
        }
        if record_size != 44 {
            self.report(Z006.wheel(format!(
                "the ZIP64 end of central directory record carries {} bytes of extensible data",
                record_size.saturating_sub(44)
            )));
        }
        self.eocd64_values = Some((records, size, offset));
        let skip = usize::try_from(record_size.saturating_sub(44)).ok()?;
        r.bytes(skip)?;
        Some(r.pos)
    }

    fn eocd(&mut self, pos: usize) {
        let mut r = Reader::at(self.data, pos + 4);
        let fields = (|| {
            r.bytes(4)?;
            let on_disk = r.u16()?;
            let records = r.u16()?;
            let size = r.u32()?;
            let offset = r.u32()?;
            let comment = r.u16()?;
            r.bytes(usize::from(comment))?;
            Some((on_disk, records, size, offset))
        })();
        let Some((on_disk, records, size, offset)) = fields else {
            self.report(Z006.wheel(format!(
                "the end of central directory record at offset {pos} is truncated"
            )));
            return;
        };
        if on_disk != records {
            self.report(Z006.wheel(
                "the end of central directory record disagrees with itself on the record count",
            ));
        }
        let (records, size, offset) = match self.eocd64_values {
            Some(values) if self.locator_seen => values,
            _ => (u64::from(records), u64::from(size), u64::from(offset)),
        };
        let cd_offset = self.cd_first_offset.unwrap_or(pos) as u64;
        if records != self.cd_records {
            self.report(Z006.wheel(format!(
                "the end of central directory record counts {records} entries, the central directory has {}",
                self.cd_records
            )));
        }
        if offset != cd_offset {
            self.report(Z006.wheel(format!(
                "the end of central directory record puts the central directory at offset {offset}, it is at {cd_offset}"
            )));
        }
        if size != self.cd_size {
            self.report(Z006.wheel(format!(
                "the end of central directory record says the central directory is {size} bytes, it is {}",
                self.cd_size
            )));
        }
        if let Some(missing) = self.local_names.difference(&self.cd_names).next() {
            let name = display_name(missing);
            self.report(Z004.at(
                &name,
                "a local header names a file the central directory does not list",
            ));
        }
        if r.pos != self.data.len() {
            self.report(Z006.wheel(format!(
                "{} bytes of trailing data after the end of central directory record",
                self.data.len() - r.pos
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal archive writer that can be told to lie.
    #[derive(Default, Clone)]
    struct Member {
        name: Vec<u8>,
        data: Vec<u8>,
        flags: u16,
        method: u16,
        local_size: Option<u32>,
        comment: Vec<u8>,
        local_extra: Vec<u8>,
        descriptor: bool,
    }

    fn member(name: &str, data: &str) -> Member {
        Member {
            name: name.as_bytes().to_vec(),
            data: data.as_bytes().to_vec(),
            ..Member::default()
        }
    }

    fn zip(members: &[Member], central: &[Member], trailing: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut offsets = Vec::new();
        for m in members {
            offsets.push(out.len() as u32);
            out.extend(SIG_LOCAL.to_le_bytes());
            out.extend(20u16.to_le_bytes());
            out.extend(m.flags.to_le_bytes());
            out.extend(m.method.to_le_bytes());
            out.extend([0u8; 8]);
            let size = m.local_size.unwrap_or(m.data.len() as u32);
            out.extend(size.to_le_bytes());
            out.extend(size.to_le_bytes());
            out.extend((m.name.len() as u16).to_le_bytes());
            out.extend((m.local_extra.len() as u16).to_le_bytes());
            out.extend(&m.name);
            out.extend(&m.local_extra);
            out.extend(&m.data);
            if m.descriptor {
                out.extend(SIG_DATA_DESCRIPTOR.to_le_bytes());
                out.extend([0u8; 4]);
                out.extend((m.data.len() as u32).to_le_bytes());
                out.extend((m.data.len() as u32).to_le_bytes());
            }
        }
        let cd_start = out.len();
        for (i, m) in central.iter().enumerate() {
            out.extend(SIG_CENTRAL.to_le_bytes());
            out.extend([20, 3, 20, 0]);
            out.extend(m.flags.to_le_bytes());
            out.extend(m.method.to_le_bytes());
            out.extend([0u8; 8]);
            out.extend((m.data.len() as u32).to_le_bytes());
            out.extend((m.data.len() as u32).to_le_bytes());
            out.extend((m.name.len() as u16).to_le_bytes());
            out.extend(0u16.to_le_bytes());
            out.extend((m.comment.len() as u16).to_le_bytes());
            out.extend([0u8; 8]);
            out.extend(offsets.get(i).copied().unwrap_or(0).to_le_bytes());
            out.extend(&m.name);
            out.extend(&m.comment);
        }
        let cd_size = out.len() - cd_start;
        out.extend(SIG_EOCD.to_le_bytes());
        out.extend([0u8; 4]);
        out.extend((central.len() as u16).to_le_bytes());
        out.extend((central.len() as u16).to_le_bytes());
        out.extend((cd_size as u32).to_le_bytes());
        out.extend((cd_start as u32).to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out.extend(trailing);
        out
    }

    #[track_caller]
    fn check_zip(members: &[Member], central: &[Member], trailing: &[u8], expect: &[&str]) {
        let data = zip(members, central, trailing);
        let got: Vec<String> = match super::check(&data) {
            Ok(findings) => findings
                .iter()
                .map(|f| {
                    format!(
                        "{} {}: {}",
                        f.code,
                        f.member.as_deref().unwrap_or("-"),
                        f.message
                    )
                })
                .collect(),
            Err(err) => vec![format!("not zip: {err}")],
        };
        assert_eq!(got, expect);
    }

    #[test]
    fn clean_archive() {
        let m = [member("a.py", "x = 1\n"), member("b/c.txt", "hello")];
        check_zip(&m, &m, b"", &[]);
    }

    #[test]
    fn data_descriptor() {
        let mut m = member("a.py", "x = 1\n");
        m.flags = 0x0008;
        m.descriptor = true;
        let tail = member("b.py", "");
        check_zip(
            &[m.clone(), tail.clone()],
            &[m, tail],
            b"",
            &[
                "Z001 a.py: general purpose flag bit 3 is set: sizes and CRC follow the data in a data descriptor",
            ],
        );
    }

    #[test]
    fn duplicates() {
        let m = member("a.py", "1");
        check_zip(
            &[m.clone(), m.clone()],
            &[m.clone(), m],
            b"",
            &["Z002 a.py: the name appears in more than one local header"],
        );
    }

    #[test]
    fn bad_names() {
        let mut m = member("", "1");
        m.name = b"caf\xe9.py".to_vec();
        let mut c = member("", "1");
        c.name = b"a\x01.py".to_vec();
        check_zip(
            &[m.clone(), c.clone()],
            &[m, c],
            b"",
            &[
                "Z003 caf\u{fffd}.py: the name is not valid UTF-8",
                "Z003 a\\u{1}.py: the name contains a control character",
            ],
        );
    }

    #[test]
    fn local_and_central_disagree() {
        let mut lying = member("a.py", "abc");
        lying.local_size = Some(2);
        let b = member("b.py", "b");
        let ghost = member("ghost.py", "g");
        check_zip(
            &[lying.clone(), b.clone()],
            &[lying, b, ghost],
            b"",
            &[
                "Z004 a.py: compressed size: local header says 2, central directory says 3",
                "Z004 ghost.py: the central directory lists a file no local header precedes",
            ],
        );
        let a = member("a.py", "1");
        let extra = member("extra.py", "2");
        check_zip(
            &[a.clone(), extra],
            &[a],
            b"",
            &[
                "Z004 extra.py: local header at offset 35 names a file the central directory does not list",
            ],
        );
    }

    #[test]
    fn comments_methods_trailing() {
        let mut m = member("a.py", "1");
        m.comment = b"hi".to_vec();
        m.method = 12;
        check_zip(
            &[m.clone()],
            &[m],
            b"junk",
            &[
                "Z007 a.py: compression method 12 (only 0, stored, and 8, deflate, are allowed)",
                "Z005 a.py: the central directory entry has a 2-byte comment",
                "Z006 -: 4 bytes of trailing data after the end of central directory record",
            ],
        );
        let m = member("a.py", "1");
        let data = {
            let mut d = zip(std::slice::from_ref(&m), std::slice::from_ref(&m), b"");
            d.extend(b"PK\x05\x06");
            d
        };
        // Bytes after the end record that do not form a record with a matching comment length
        // are not an end record, so the real one has trailing data.
        let findings = super::check(&data).unwrap();
        assert_eq!(findings.len(), 1);
        assert!(
            findings[0].message.contains("trailing data"),
            "{findings:?}"
        );
    }

    #[test]
    fn duplicate_zip64_extra() {
        let mut m = member("a.py", "1");
        let mut extra = Vec::new();
        for _ in 0..2 {
            extra.extend(EXTRA_ZIP64.to_le_bytes());
            extra.extend(0u16.to_le_bytes());
        }
        m.local_extra = extra;
        check_zip(
            &[m.clone()],
            &[m],
            b"",
            &["Z006 a.py: extra field 0x0001 appears twice in the local header"],
        );
    }

    #[test]
    fn not_a_zip() {
        assert_eq!(
            super::check(b"hello").unwrap_err(),
            NotZip::NoEndOfCentralDirectory
        );
        let mut data = zip(&[member("a", "1")], &[member("a", "1")], b"");
        let n = data.len();
        // Point the central directory past the end of the file.
        data[n - 6..n - 2].copy_from_slice(&9999u32.to_le_bytes());
        assert_eq!(
            super::check(&data).unwrap_err(),
            NotZip::TruncatedCentralDirectory(9999)
        );
    }

    #[test]
    fn garbage_never_panics() {
        let m = [member("a.py", "x = 1\n"), member("b.txt", "hello")];
        let good = zip(&m, &m, b"");
        for i in 0..good.len() {
            for byte in [0u8, 0xff, 0x4b] {
                let mut bad = good.clone();
                bad[i] = byte;
                let _ = super::check(&bad);
                let _ = super::check(&bad[..i]);
            }
        }
    }
}
