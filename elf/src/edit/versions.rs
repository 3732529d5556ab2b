//! Symbol versioning as the dynamic loader reads it: the `.gnu.version_r` chain (DT_VERNEED),
//! the `.gnu.version_d` chain (DT_VERDEF), the `.gnu.version` array (DT_VERSYM) and the number
//! of dynamic symbols they are indexed by.
//!
//! Chains are walked through addresses, like glibc's `_dl_check_map_versions`, with every link
//! bounds-checked; a link that points backwards (possible through 32-bit wrap-around) is
//! reported as a cycle. Changing records is not done here (see `plan`).

use object::elf::{self, DynamicTag};

use super::codec::{VERDAUX_SIZE, VERDEF_SIZE, VERNAUX_SIZE, VERNEED_SIZE};
use super::error::{EditError, Result};
use super::image::Image;

/// Chains longer than this are refused; real files have a handful of records.
const MAX_RECORDS: usize = 1 << 16;

/// One `Verneed` record and its `Vernaux` entries.
#[derive(Debug, Clone)]
pub(crate) struct NeedRecord {
    pub(crate) offset: u64,
    pub(crate) vaddr: u64,
    pub(crate) file: u32,
    pub(crate) next: u32,
    pub(crate) versions: Vec<NeedVersion>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct NeedVersion {
    pub(crate) offset: u64,
    /// The version index symbols use in `.gnu.version` (`vna_other`).
    pub(crate) index: u16,
    pub(crate) name: u32,
}

/// The bytes a table found through the dynamic section occupies, when they are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TableExtent {
    pub(crate) tag: DynamicTag,
    pub(crate) offset: u64,
    /// `None` when the table's size cannot be determined.
    pub(crate) len: Option<u64>,
}

/// The smallest range covering every `(offset, len)`.
fn span(parts: impl IntoIterator<Item = (u64, u64)>) -> Option<(u64, u64)> {
    parts.into_iter().fold(None, |acc, (offset, len)| {
        let end = offset.saturating_add(len);
        Some(match acc {
            None => (offset, end),
            Some((start, stop)) => (start.min(offset), stop.max(end)),
        })
    })
}

/// The string at `offset` of a string table, without its NUL; `None` when out of range or not
/// terminated.
pub(crate) fn string_at(table: &[u8], offset: u64) -> Option<&[u8]> {
    let tail = table.get(usize::try_from(offset).ok()?..)?;
    let end = tail.iter().position(|&b| b == 0)?;
    tail.get(..end)
}

/// The address after following a chain link, in the class's address width.
fn follow(image: &Image<'_>, vaddr: u64, link: u32) -> u64 {
    let next = vaddr.wrapping_add(u64::from(link));
    next & image.codec.max_word()
}

/// The `.gnu.version_r` records, in chain order; empty when there is no DT_VERNEED.
pub(crate) fn read_needs(image: &Image<'_>) -> Result<Vec<NeedRecord>> {
    const WHAT: &str = ".gnu.version_r";
    let Some(start) = image.dynamic_value(elf::DT_VERNEED) else {
        return Ok(Vec::new());
    };
    let codec = image.codec;
    let mut records = Vec::new();
    let mut vaddr = start;
    loop {
        let index = records.len();
        if index >= MAX_RECORDS {
            return Err(EditError::malformed(
                WHAT,
                format!("more than {MAX_RECORDS} records"),
            ));
        }
        let offset = image.vaddr_to_offset(vaddr, VERNEED_SIZE).ok_or_else(|| {
            EditError::malformed(
                WHAT,
                format!("record {index} at `{vaddr:#x}` is in no PT_LOAD"),
            )
        })?;
        if image.overlaps_headers(offset, VERNEED_SIZE) {
            return Err(EditError::malformed(
                WHAT,
                format!(
                    "record {index} at offset `{offset:#x}` overlaps the ELF or program headers"
                ),
            ));
        }
        let record = image
            .bytes(offset, VERNEED_SIZE)
            .and_then(|bytes| codec.read_verneed(bytes))
            .ok_or_else(|| EditError::malformed(WHAT, format!("record {index} is truncated")))?;
        if record.version != 1 {
            return Err(EditError::malformed(
                WHAT,
                format!(
                    "record {index} has vn_version `{}` (expected 1)",
                    record.version
                ),
            ));
        }
        let mut versions = Vec::new();
        let mut aux_vaddr = follow(image, vaddr, record.aux);
        for aux_index in 0..record.count {
            let aux_offset = image
                .vaddr_to_offset(aux_vaddr, VERNAUX_SIZE)
                .ok_or_else(|| {
                    EditError::malformed(
                        WHAT,
                        format!("Vernaux {aux_index} of record {index} at `{aux_vaddr:#x}` is in no PT_LOAD"),
                    )
                })?;
            let aux = image
                .bytes(aux_offset, VERNAUX_SIZE)
                .and_then(|bytes| codec.read_vernaux(bytes))
                .ok_or_else(|| {
                    EditError::malformed(
                        WHAT,
                        format!("Vernaux {aux_index} of record {index} is truncated"),
                    )
                })?;
            versions.push(NeedVersion {
                offset: aux_offset,
                index: aux.other,
                name: aux.name,
            });
            let is_last = aux_index + 1 == record.count;
            if is_last != (aux.next == 0) {
                return Err(EditError::malformed(
                    WHAT,
                    format!(
                        "record {index} has vn_cnt `{}` but its vna_next chain disagrees at entry {aux_index}",
                        record.count
                    ),
                ));
            }
            let next = follow(image, aux_vaddr, aux.next);
            if !is_last && next <= aux_vaddr {
                return Err(EditError::malformed(
                    WHAT,
                    format!("cyclic vna_next in record {index} at `{aux_vaddr:#x}`"),
                ));
            }
            aux_vaddr = next;
        }
        records.push(NeedRecord {
            offset,
            vaddr,
            file: record.file,
            next: record.next,
            versions,
        });
        if record.next == 0 {
            break;
        }
        let next = follow(image, vaddr, record.next);
        if next <= vaddr {
            return Err(EditError::malformed(
                WHAT,
                format!(
                    "cyclic vn_next: record {index} at `{vaddr:#x}` points back to `{next:#x}`"
                ),
            ));
        }
        vaddr = next;
    }
    let declared = image.dynamic_value(elf::DT_VERNEEDNUM).ok_or_else(|| {
        EditError::malformed(
            ".dynamic",
            "DT_VERNEED is present but DT_VERNEEDNUM is missing",
        )
    })?;
    if declared != records.len() as u64 {
        return Err(EditError::malformed(
            WHAT,
            format!(
                "DT_VERNEEDNUM is `{declared}` but the vn_next chain has `{}` records",
                records.len()
            ),
        ));
    }
    Ok(records)
}

/// The `.gnu.version_d` chain: the string offsets it names (`vda_name`) and the bytes it spans.
#[derive(Debug, Default)]
pub(crate) struct Definitions {
    pub(crate) names: Vec<u32>,
    pub(crate) extent: Option<(u64, u64)>,
}

/// Walk `.gnu.version_d`; empty when there is no DT_VERDEF.
pub(crate) fn read_definitions(image: &Image<'_>) -> Result<Definitions> {
    const WHAT: &str = ".gnu.version_d";
    let Some(start) = image.dynamic_value(elf::DT_VERDEF) else {
        return Ok(Definitions::default());
    };
    let codec = image.codec;
    let mut names = Vec::new();
    let mut parts = Vec::new();
    let mut vaddr = start;
    for index in 0..MAX_RECORDS {
        let record_offset = image.vaddr_to_offset(vaddr, VERDEF_SIZE);
        parts.extend(record_offset.map(|offset| (offset, VERDEF_SIZE)));
        let record = record_offset
            .and_then(|offset| image.bytes(offset, VERDEF_SIZE))
            .and_then(|bytes| codec.read_verdef(bytes))
            .ok_or_else(|| {
                EditError::malformed(
                    WHAT,
                    format!("record {index} at `{vaddr:#x}` is in no PT_LOAD"),
                )
            })?;
        if record.version != 1 {
            return Err(EditError::malformed(
                WHAT,
                format!(
                    "record {index} has vd_version `{}` (expected 1)",
                    record.version
                ),
            ));
        }
        let mut aux_vaddr = follow(image, vaddr, record.aux);
        for aux_index in 0..record.count {
            let aux_offset = image.vaddr_to_offset(aux_vaddr, VERDAUX_SIZE);
            parts.extend(aux_offset.map(|offset| (offset, VERDAUX_SIZE)));
            let aux = aux_offset
                .and_then(|offset| image.bytes(offset, VERDAUX_SIZE))
                .and_then(|bytes| codec.read_verdaux(bytes))
                .ok_or_else(|| {
                    EditError::malformed(
                        WHAT,
                        format!("Verdaux {aux_index} of record {index} is in no PT_LOAD"),
                    )
                })?;
            names.push(aux.name);
            if aux.next == 0 {
                break;
            }
            let next = follow(image, aux_vaddr, aux.next);
            if next <= aux_vaddr {
                return Err(EditError::malformed(
                    WHAT,
                    format!("cyclic vda_next in record {index}"),
                ));
            }
            aux_vaddr = next;
        }
        if record.next == 0 {
            return Ok(Definitions {
                names,
                extent: span(parts),
            });
        }
        let next = follow(image, vaddr, record.next);
        if next <= vaddr {
            return Err(EditError::malformed(
                WHAT,
                format!(
                    "cyclic vd_next: record {index} at `{vaddr:#x}` points back to `{next:#x}`"
                ),
            ));
        }
        vaddr = next;
    }
    Err(EditError::malformed(
        WHAT,
        format!("more than {MAX_RECORDS} records"),
    ))
}

/// The number of entries of `.dynsym` (and so of `.gnu.version`), from the section header when
/// there is one, else from DT_HASH or DT_GNU_HASH; `None` when nothing says.
pub(crate) fn dynamic_symbol_count(image: &Image<'_>) -> Result<Option<u64>> {
    let Some(symtab) = image.dynamic_value(elf::DT_SYMTAB) else {
        return Ok(Some(0));
    };
    let codec = image.codec;
    if let Some(index) = image.section_at(elf::SHT_DYNSYM, symtab)
        && let Some(section) = image.sections.get(index)
    {
        return Ok(Some(section.size / codec.sym_size()));
    }
    if let Some(hash) = image.dynamic_value(elf::DT_HASH) {
        let nchain = image
            .vaddr_to_offset(hash, 8)
            .and_then(|offset| image.bytes(offset + 4, 4))
            .and_then(|bytes| codec.read_u32(bytes))
            .ok_or_else(|| EditError::malformed(".hash", "DT_HASH header is in no PT_LOAD"))?;
        return Ok(Some(u64::from(nchain)));
    }
    if let Some(gnu_hash) = image.dynamic_value(elf::DT_GNU_HASH) {
        return gnu_hash_symbol_count(image, gnu_hash).map(Some);
    }
    Ok(None)
}

fn gnu_hash_symbol_count(image: &Image<'_>, vaddr: u64) -> Result<u64> {
    gnu_hash_table(image, vaddr).map(|(count, _)| count)
}

/// The symbol count a `.gnu.hash` table implies, and the table's length in bytes.
fn gnu_hash_table(image: &Image<'_>, vaddr: u64) -> Result<(u64, u64)> {
    const WHAT: &str = ".gnu.hash";
    let codec = image.codec;
    let bad = |problem: &str| EditError::malformed(WHAT, problem.to_string());
    let header_offset = image
        .vaddr_to_offset(vaddr, 16)
        .ok_or_else(|| bad("header is in no PT_LOAD"))?;
    let word = |offset: u64| -> Result<u32> {
        image
            .bytes(offset, 4)
            .and_then(|bytes| codec.read_u32(bytes))
            .ok_or_else(|| bad("table extends past the end of the file"))
    };
    let bucket_count = u64::from(word(header_offset)?);
    let symbol_offset = u64::from(word(header_offset + 4)?);
    let bloom_count = u64::from(word(header_offset + 8)?);
    let buckets_vaddr = bloom_count
        .checked_mul(codec.word_size())
        .and_then(|bloom| vaddr.checked_add(16)?.checked_add(bloom))
        .ok_or_else(|| bad("bloom filter size overflows"))?;
    let buckets_len = bucket_count
        .checked_mul(4)
        .ok_or_else(|| bad("bucket count overflows"))?;
    let buckets_offset = image
        .vaddr_to_offset(buckets_vaddr, buckets_len)
        .ok_or_else(|| bad("buckets are in no PT_LOAD"))?;
    let buckets = image
        .bytes(buckets_offset, buckets_len)
        .ok_or_else(|| bad("buckets extend past the end of the file"))?;
    let highest = buckets
        .chunks_exact(4)
        .filter_map(|bytes| codec.read_u32(bytes))
        .max()
        .unwrap_or(0);
    let highest = u64::from(highest);
    let chain_vaddr = buckets_vaddr
        .checked_add(buckets_len)
        .ok_or_else(|| bad("chain address overflows"))?;
    if highest < symbol_offset {
        return Ok((symbol_offset, chain_vaddr - vaddr));
    }
    let mut symbol = highest;
    loop {
        let entry_vaddr = (symbol - symbol_offset)
            .checked_mul(4)
            .and_then(|delta| chain_vaddr.checked_add(delta))
            .ok_or_else(|| bad("chain address overflows"))?;
        let entry_offset = image
            .vaddr_to_offset(entry_vaddr, 4)
            .ok_or_else(|| bad("hash chain runs out of its PT_LOAD"))?;
        if word(entry_offset)? & 1 != 0 {
            return Ok((symbol + 1, entry_vaddr + 4 - vaddr));
        }
        symbol += 1;
    }
}

/// The raw `.gnu.version` entries, one per dynamic symbol; `None` when there is no DT_VERSYM.
pub(crate) fn read_version_indices(image: &Image<'_>, symbols: u64) -> Result<Option<Vec<u16>>> {
    let Some(vaddr) = image.dynamic_value(elf::DT_VERSYM) else {
        return Ok(None);
    };
    let len = symbols
        .checked_mul(2)
        .ok_or_else(|| EditError::malformed(".gnu.version", "size overflows"))?;
    let bytes = image
        .vaddr_to_offset(vaddr, len)
        .and_then(|offset| image.bytes(offset, len))
        .ok_or_else(|| {
            EditError::malformed(
                ".gnu.version",
                format!("DT_VERSYM address `{vaddr:#x}` with `{symbols}` entries is in no PT_LOAD"),
            )
        })?;
    Ok(Some(
        bytes
            .chunks_exact(2)
            .filter_map(|pair| image.codec.read_u16(pair))
            .collect(),
    ))
}

/// Where the tables the dynamic section points to lie, and how long they are, so that a table
/// is only moved together with all of its bytes.
pub(crate) fn table_extents(image: &Image<'_>) -> Result<Vec<TableExtent>> {
    let codec = image.codec;
    let symbols = dynamic_symbol_count(image)?;
    let needs = read_needs(image)?;
    let definitions = read_definitions(image)?;
    let mut extents = Vec::new();
    let mut add = |tag: DynamicTag, len: Option<u64>| {
        if let Some(offset) = image
            .dynamic_value(tag)
            .and_then(|vaddr| image.vaddr_to_offset(vaddr, 1))
        {
            extents.push(TableExtent { tag, offset, len });
        }
    };
    add(elf::DT_STRTAB, image.dynamic_value(elf::DT_STRSZ));
    add(
        elf::DT_SYMTAB,
        symbols.and_then(|n| n.checked_mul(codec.sym_size())),
    );
    add(elf::DT_VERSYM, symbols.and_then(|n| n.checked_mul(2)));
    let hash_len = image.dynamic_value(elf::DT_HASH).and_then(|vaddr| {
        let offset = image.vaddr_to_offset(vaddr, 8)?;
        let words = image.bytes(offset, 8)?;
        let buckets = u64::from(codec.read_u32(words.get(..4)?)?);
        let chains = u64::from(codec.read_u32(words.get(4..)?)?);
        buckets.checked_add(chains)?.checked_add(2)?.checked_mul(4)
    });
    add(elf::DT_HASH, hash_len);
    let gnu_hash_len = match image.dynamic_value(elf::DT_GNU_HASH) {
        Some(vaddr) => gnu_hash_table(image, vaddr).ok().map(|(_, len)| len),
        None => None,
    };
    add(elf::DT_GNU_HASH, gnu_hash_len);
    let need_span = span(needs.iter().flat_map(|record| {
        std::iter::once((record.offset, VERNEED_SIZE))
            .chain(record.versions.iter().map(|v| (v.offset, VERNAUX_SIZE)))
    }));
    let need_start = image
        .dynamic_value(elf::DT_VERNEED)
        .and_then(|vaddr| image.vaddr_to_offset(vaddr, 1));
    add(
        elf::DT_VERNEED,
        need_span.and_then(|(start, end)| (Some(start) == need_start).then_some(end - start)),
    );
    let definition_start = image
        .dynamic_value(elf::DT_VERDEF)
        .and_then(|vaddr| image.vaddr_to_offset(vaddr, 1));
    add(
        elf::DT_VERDEF,
        definitions
            .extent
            .and_then(|(start, end)| (Some(start) == definition_start).then_some(end - start)),
    );
    Ok(extents)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIBUSER: &[u8] = include_bytes!("../../../testdata/elf/edit-versioned/out/libuser.so");
    const I686_EXT: &[u8] = include_bytes!("../../../testdata/elf/edit-cross/out/i686/libext.so");
    const RUSTLLD: &[u8] = include_bytes!("../../../testdata/elf/edit-rustlld/out/librustlld.so");

    /// Renders the version records and symbol count as `file: name(index) ... | symbols`.
    #[track_caller]
    fn check(input: &[u8], expect: &str) {
        let image = Image::parse(input).unwrap();
        let table = image
            .string_table()
            .unwrap()
            .and_then(|t| image.bytes(t.offset, t.size))
            .unwrap_or_default();
        let name = |offset: u32| {
            String::from_utf8_lossy(string_at(table, u64::from(offset)).unwrap_or(b"?"))
                .into_owned()
        };
        let mut parts: Vec<String> = read_needs(&image)
            .unwrap()
            .iter()
            .map(|record| {
                let versions: Vec<String> = record
                    .versions
                    .iter()
                    .map(|v| format!("{}({})", name(v.name), v.index))
                    .collect();
                format!("{}: {}", name(record.file), versions.join(" "))
            })
            .collect();
        parts.push(format!("{:?}", dynamic_symbol_count(&image).unwrap()));
        assert_eq!(parts.join(" | "), expect);
    }

    #[test]
    fn version_needs_are_read_in_chain_order() {
        check(
            LIBUSER,
            "libgomp.so.1: OMP_1.0(5) | libvdep2.so.1: V2_1.0(3) | libvdep.so.1: VDEP_1.0(4) VDEP_2.0(2) | Some(10)",
        );
        check(I686_EXT, "libfoo.so.1: FOO_1.0(3) FOO_2.0(2) | Some(9)");
        check(RUSTLLD, "libc.so.6: GLIBC_2.2.5(2) | Some(7)");
    }

    #[test]
    fn symbol_count_from_gnu_hash_matches_the_section_header() {
        for input in [LIBUSER, I686_EXT, RUSTLLD] {
            let image = Image::parse(input).unwrap();
            let from_sections = dynamic_symbol_count(&image).unwrap();
            let gnu_hash = image.dynamic_value(elf::DT_GNU_HASH).unwrap();
            assert_eq!(
                Some(gnu_hash_symbol_count(&image, gnu_hash).unwrap()),
                from_sections
            );
        }
    }
}
