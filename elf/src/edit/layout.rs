//! Where everything goes in the output file: whether a new PT_LOAD is needed, what it holds,
//! how the program header table grows, and where the non-allocated sections and the section
//! header table end up.
//!
//! The output is the input's allocated bytes (unchanged, except tables moved out of the way of
//! a growing program header table, see below), then (when needed) one new segment
//! aligned to the machine's ABI page size, then the non-allocated sections, then the section
//! header table:
//!
//! ```text
//! [ ELF header | PHT | original segments ... ][ new PT_LOAD ][ .comment .symtab ... ][ SHT ]
//! ```
//!
//! The program header table stays at `e_phoff` when the sections it would grow into can move
//! to the new segment (notes, hash tables, `.dynsym`, version tables, `.dynstr`, `.dynamic`);
//! otherwise it moves into the new segment. A new segment the editor (or patchelf) added before
//! is rebuilt in place instead of stacking another one. Byte contents are not decided here
//! (see `write`).

use object::elf::{self, DynamicTag};

use super::codec::Codec;
use super::error::{EditError, Result};
use super::image::{Image, Segment};
use super::plan::Plan;
use super::sections;
use super::versions::{self, TableExtent};

/// A contiguous range of the input that moves as a whole: one section, or every note covered by
/// one PT_NOTE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unit {
    pub(crate) offset: u64,
    pub(crate) vaddr: u64,
    pub(crate) len: u64,
    pub(crate) align: u64,
    pub(crate) kind: UnitKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnitKind {
    Plain,
    StringTable,
    Dynamic,
}

impl Unit {
    fn end(&self) -> u64 {
        self.offset + self.len
    }

    fn contains_range(&self, offset: u64, len: u64) -> bool {
        offset >= self.offset && offset.saturating_add(len) <= self.end()
    }
}

/// An input range copied to a new place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Move {
    pub(crate) old_offset: u64,
    pub(crate) old_vaddr: u64,
    pub(crate) len: u64,
    pub(crate) new_offset: u64,
    pub(crate) new_vaddr: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemKind {
    ProgramHeaders,
    Moved(Move),
    StringTable,
    Dynamic,
}

/// Something placed in the new segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Item {
    pub(crate) kind: ItemKind,
    pub(crate) offset: u64,
    pub(crate) vaddr: u64,
    pub(crate) size: u64,
}

/// A non-allocated section copied after the new segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TailSection {
    pub(crate) index: usize,
    pub(crate) new_offset: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Placement {
    pub(crate) offset: u64,
    pub(crate) vaddr: u64,
    pub(crate) size: u64,
}

#[derive(Debug)]
pub(crate) enum Layout {
    /// Same size, same positions: only fields and strings change.
    InPlace,
    Relaid(Box<Relaid>),
}

#[derive(Debug)]
pub(crate) struct Relaid {
    /// Input bytes `0..prefix_end` are copied unchanged (apart from edited fields).
    pub(crate) prefix_end: u64,
    pub(crate) items: Vec<Item>,
    pub(crate) tail: Vec<TailSection>,
    pub(crate) dropped_sections: Vec<usize>,
    /// Input ranges inside the prefix whose content moved away or was stripped.
    pub(crate) zeroed: Vec<(u64, u64)>,
    pub(crate) moves: Vec<Move>,
    pub(crate) segments: Vec<Segment>,
    pub(crate) phoff: u64,
    pub(crate) string_table: Option<Placement>,
    pub(crate) dynamic: Option<Placement>,
    pub(crate) shoff: u64,
    pub(crate) total_len: u64,
}

/// The page size the psABI of `machine` allows at most, which new segments must be aligned to
/// so that kernels with large pages can map them (the table patchelf and gold use).
pub(crate) fn abi_page_size(machine: u16) -> u64 {
    match elf::Machine(machine) {
        elf::EM_AARCH64
        | elf::EM_PPC
        | elf::EM_PPC64
        | elf::EM_MIPS
        | elf::EM_IA_64
        | elf::EM_LOONGARCH
        | elf::EM_TILEGX
        | elf::EM_ALPHA => 0x10000,
        elf::EM_SPARC | elf::EM_SPARCV9 => 0x2000,
        _ => 0x1000,
    }
}

fn align_up(value: u64, align: u64) -> Result<u64> {
    if align <= 1 {
        return Ok(value);
    }
    value
        .checked_add(align - 1)
        .map(|v| v / align * align)
        .ok_or_else(|| EditError::Layout(format!("offset `{value:#x}` overflows when aligned")))
}

/// The smallest offset at or after `at` that is congruent to `vaddr` modulo `page`.
fn congruent_offset(at: u64, vaddr: u64, page: u64) -> Result<u64> {
    let base = align_up(at, page)?;
    let candidate = base
        .checked_add(vaddr % page)
        .ok_or_else(|| EditError::Layout("segment offset overflows".into()))?;
    if candidate >= at.saturating_add(page) && candidate >= page {
        Ok(candidate - page)
    } else {
        Ok(candidate)
    }
}

/// The largest alignment a moved or re-laid section may ask for; anything larger (or not a
/// power of two) is treated as malformed rather than padded for.
const MAX_ALIGNMENT: u64 = 0x10000;

/// `align` as a usable alignment (0 and 1 mean none), or `None` when it is not a power of two
/// or larger than [`MAX_ALIGNMENT`].
fn usable_alignment(align: u64) -> Option<u64> {
    match align {
        0 | 1 => Some(1),
        _ if align.is_power_of_two() && align <= MAX_ALIGNMENT => Some(align),
        _ => None,
    }
}

fn overlaps(start: u64, end: u64, other_start: u64, other_end: u64) -> bool {
    start < other_end && other_start < end
}

/// Dynamic tags whose value is an address; they move with the table they point into.
pub(crate) fn is_address_tag(tag: DynamicTag) -> bool {
    matches!(
        tag,
        elf::DT_PLTGOT
            | elf::DT_HASH
            | elf::DT_STRTAB
            | elf::DT_SYMTAB
            | elf::DT_RELA
            | elf::DT_INIT
            | elf::DT_FINI
            | elf::DT_REL
            | elf::DT_DEBUG
            | elf::DT_JMPREL
            | elf::DT_INIT_ARRAY
            | elf::DT_FINI_ARRAY
            | elf::DT_PREINIT_ARRAY
            | elf::DT_SYMTAB_SHNDX
            | elf::DT_RELR
            | elf::DT_VERSYM
            | elf::DT_VERDEF
            | elf::DT_VERNEED
    ) || (tag.0 >= elf::DT_ADDRRNGLO
        && tag.0 <= elf::DT_ADDRRNGHI
        && !matches!(tag, elf::DT_CONFIG | elf::DT_DEPAUDIT | elf::DT_AUDIT))
}

/// Dynamic tags whose meaning is known not to be an address.
fn is_known_value_tag(tag: DynamicTag) -> bool {
    super::plan::is_string_tag(tag)
        || matches!(
            tag,
            elf::DT_PLTRELSZ
                | elf::DT_RELASZ
                | elf::DT_RELAENT
                | elf::DT_STRSZ
                | elf::DT_SYMENT
                | elf::DT_SYMBOLIC
                | elf::DT_RELSZ
                | elf::DT_RELENT
                | elf::DT_PLTREL
                | elf::DT_TEXTREL
                | elf::DT_BIND_NOW
                | elf::DT_INIT_ARRAYSZ
                | elf::DT_FINI_ARRAYSZ
                | elf::DT_FLAGS
                | elf::DT_PREINIT_ARRAYSZ
                | elf::DT_RELRSZ
                | elf::DT_RELRENT
                | elf::DT_RELACOUNT
                | elf::DT_RELCOUNT
                | elf::DT_FLAGS_1
                | elf::DT_VERDEFNUM
                | elf::DT_VERNEEDNUM
        )
        || (tag.0 >= elf::DT_VALRNGLO && tag.0 <= elf::DT_VALRNGHI)
}

/// Whether dynamic entry `tag` points at the start of a section of the type it names, so that
/// moving that section moves everything the entry describes. Tables found only through the
/// dynamic section may extend past a section header that disagrees with them; those do not
/// move.
fn points_at_its_section(image: &Image<'_>, tag: DynamicTag, value: u64) -> bool {
    let expected = match tag {
        elf::DT_SYMTAB => elf::SHT_DYNSYM,
        elf::DT_STRTAB => elf::SHT_STRTAB,
        elf::DT_HASH => elf::SHT_HASH,
        elf::DT_GNU_HASH => elf::SHT_GNU_HASH,
        elf::DT_VERSYM => elf::SHT_GNU_VERSYM,
        elf::DT_VERNEED => elf::SHT_GNU_VERNEED,
        elf::DT_VERDEF => elf::SHT_GNU_VERDEF,
        _ => return false,
    };
    image.section_at(expected, value).is_some()
}

/// The movable unit that holds section `index`, if the section may move at all.
fn unit_of_section(image: &Image<'_>, index: usize) -> Option<Unit> {
    let section = image.sections.get(index)?;
    if !section.is_alloc() || section.file_size() == 0 {
        return None;
    }
    // Only sections the loader finds through the dynamic table or a program header may move;
    // code and data refer to everything else by address.
    if image.vaddr_to_offset(section.addr, section.size) != Some(section.offset) {
        return None;
    }
    let align = usable_alignment(section.addralign)?;
    let single = |kind| {
        Some(Unit {
            offset: section.offset,
            vaddr: section.addr,
            len: section.size,
            align,
            kind,
        })
    };
    let strtab = image.dynamic_value(elf::DT_STRTAB);
    match section.sh_type {
        elf::SHT_NOTE => note_unit(image, index),
        elf::SHT_DYNSYM
        | elf::SHT_GNU_HASH
        | elf::SHT_HASH
        | elf::SHT_GNU_VERSYM
        | elf::SHT_GNU_VERNEED
        | elf::SHT_GNU_VERDEF => single(UnitKind::Plain),
        elf::SHT_STRTAB if strtab == Some(section.addr) => single(UnitKind::StringTable),
        elf::SHT_DYNAMIC
            if image.dynamic.as_ref().map(|d| (d.offset, d.vaddr))
                == Some((section.offset, section.addr)) =>
        {
            single(UnitKind::Dynamic)
        }
        elf::SHT_PROGBITS
            if image.segments.iter().any(|s| {
                s.p_type == elf::PT_INTERP && s.offset == section.offset && s.filesz == section.size
            }) =>
        {
            single(UnitKind::Plain)
        }
        _ => None,
    }
}

/// Every note covered by the PT_NOTE that covers note section `index`, as one unit (splitting a
/// PT_NOTE would need more program headers).
fn note_unit(image: &Image<'_>, index: usize) -> Option<Unit> {
    let section = image.sections.get(index)?;
    let Some(note) = image.segments.iter().find(|s| {
        s.p_type == elf::PT_NOTE && s.offset <= section.offset && section.file_end() <= s.file_end()
    }) else {
        return Some(Unit {
            offset: section.offset,
            vaddr: section.addr,
            len: section.size,
            align: usable_alignment(section.addralign)?,
            kind: UnitKind::Plain,
        });
    };
    let mut align = usable_alignment(note.align)?;
    for other in &image.sections {
        if other.file_size() == 0
            || !overlaps(other.offset, other.file_end(), note.offset, note.file_end())
        {
            continue;
        }
        let inside = note.offset <= other.offset && other.file_end() <= note.file_end();
        if other.sh_type != elf::SHT_NOTE || !inside {
            return None;
        }
        align = align.max(usable_alignment(other.addralign)?);
    }
    if image.vaddr_to_offset(note.vaddr, note.filesz) != Some(note.offset) {
        return None;
    }
    Some(Unit {
        offset: note.offset,
        vaddr: note.vaddr,
        len: note.filesz,
        align,
        kind: UnitKind::Plain,
    })
}

/// Collect the units covering every allocated section that overlaps `[start, end)`; `None` when
/// one of them cannot move, or when something else (a program header, a dynamic entry, the
/// entry point) points into the range outside the units.
fn units_covering(
    image: &Image<'_>,
    extents: &[TableExtent],
    start: u64,
    end: u64,
) -> Option<Vec<Unit>> {
    let mut units: Vec<Unit> = Vec::new();
    for (index, section) in image.sections.iter().enumerate().skip(1) {
        if section.file_size() == 0 || !overlaps(section.offset, section.file_end(), start, end) {
            continue;
        }
        let unit = unit_of_section(image, index)?;
        if !units.contains(&unit) {
            units.push(unit);
        }
    }
    let inside_units = |offset: u64, len: u64| units.iter().any(|u| u.contains_range(offset, len));
    for segment in &image.segments {
        if segment.is_load() || segment.p_type == elf::PT_PHDR || segment.filesz == 0 {
            continue;
        }
        if overlaps(segment.offset, segment.file_end(), start, end)
            && !inside_units(segment.offset, segment.filesz)
        {
            return None;
        }
    }
    let dynamic = image
        .dynamic
        .as_ref()
        .map(|d| d.entries.as_slice())
        .unwrap_or(&[]);
    for &(tag, value) in dynamic {
        if is_known_value_tag(tag) {
            continue;
        }
        let Some(offset) = image.vaddr_to_offset(value, 1) else {
            continue;
        };
        let in_range = offset >= start && offset < end;
        let in_unit = inside_units(offset, 1);
        if in_range && !in_unit {
            return None;
        }
        if in_unit {
            // The whole table must travel with the unit, or its tail would be left behind.
            let whole = extents
                .iter()
                .find(|e| e.tag == tag)
                .and_then(|e| e.len.map(|len| (e.offset, len)));
            let moves_whole = whole.is_some_and(|(table, len)| {
                units
                    .iter()
                    .any(|u| u.contains_range(offset, 1) && u.contains_range(table, len))
            });
            if !points_at_its_section(image, tag, value) || !moves_whole {
                return None;
            }
        }
    }
    if image
        .vaddr_to_offset(image.entry, 1)
        .is_some_and(|offset| offset >= start && offset < end)
    {
        return None;
    }
    units.sort_by_key(|u| u.offset);
    Some(units)
}

/// The units to move so the program header table can grow to `new_size` bytes at `e_phoff`;
/// `None` when that is not possible.
fn grow_program_headers_in_place(
    image: &Image<'_>,
    extents: &[TableExtent],
    new_size: u64,
) -> Option<Vec<Unit>> {
    if image.sections.is_empty() {
        return None;
    }
    let old_end = image.phoff.checked_add(image.phdr_table_size())?;
    let new_end = image.phoff.checked_add(new_size)?;
    let covered = image
        .segments
        .iter()
        .any(|s| s.is_load() && s.offset <= image.phoff && new_end <= s.file_end());
    if !covered {
        return None;
    }
    let units = units_covering(image, extents, old_end, new_end)?;
    // A unit reaching back into the headers would be a malformed overlap; moving it would
    // clobber them.
    if units.iter().any(|u| u.offset < old_end) {
        return None;
    }
    // Nothing may be in the way that is not allocated (the old section header table is fine:
    // it is rewritten elsewhere).
    let blocked_by_unallocated = image.sections.iter().skip(1).any(|s| {
        !s.is_alloc() && s.file_size() > 0 && overlaps(s.offset, s.file_end(), old_end, new_end)
    });
    (!blocked_by_unallocated).then_some(units)
}

/// A previously added segment that can be rebuilt: the last PT_LOAD, after every other
/// allocated byte, holding only movable units and possibly the program header table.
struct Reusable {
    index: usize,
    units: Vec<Unit>,
    holds_program_headers: bool,
}

fn reusable_tail_segment(image: &Image<'_>, extents: &[TableExtent]) -> Option<Reusable> {
    if image.sections.is_empty() {
        return None;
    }
    let (index, segment) = image
        .segments
        .iter()
        .enumerate()
        .rev()
        .find(|(_, s)| s.is_load())?;
    if segment.filesz != segment.memsz || segment.filesz == 0 {
        return None;
    }
    let (start, end) = (segment.offset, segment.file_end());
    let inside = |offset: u64, len: u64| offset >= start && offset.saturating_add(len) <= end;
    for (other_index, other) in image.segments.iter().enumerate() {
        if other_index == index || other.filesz == 0 || inside(other.offset, other.filesz) {
            continue;
        }
        if other.file_end() > start {
            return None;
        }
    }
    for section in image.sections.iter().skip(1) {
        if section.file_size() == 0 || inside(section.offset, section.size) {
            continue;
        }
        if section.is_alloc() && section.file_end() > start {
            return None;
        }
        if overlaps(section.offset, section.file_end(), start, end) {
            return None;
        }
    }
    let holds_program_headers = image.phoff >= start && image.phoff < end;
    if holds_program_headers && !inside(image.phoff, image.phdr_table_size()) {
        return None;
    }
    let units = units_covering(image, extents, start, end)?;
    if units.iter().any(|u| !inside(u.offset, u.len)) {
        return None;
    }
    if units.is_empty() && !holds_program_headers {
        return None;
    }
    Some(Reusable {
        index,
        units,
        holds_program_headers,
    })
}

pub(crate) fn lay_out(image: &Image<'_>, plan: &Plan, strip: bool) -> Result<Layout> {
    let codec = image.codec;
    let dropped_sections = if strip {
        sections::sections_to_strip(image)
    } else {
        Vec::new()
    };
    let dynamic_capacity = image.dynamic.as_ref().map_or(0, |d| d.capacity);
    let dynamic_slots = plan.entries.len() as u64 + 1;
    let mut move_string_table = !plan.strings.appended.is_empty();
    let mut move_dynamic = image.dynamic.is_some() && dynamic_slots > dynamic_capacity;
    let needs_segment = move_string_table || move_dynamic;
    if !needs_segment && dropped_sections.is_empty() {
        return Ok(Layout::InPlace);
    }

    let page = abi_page_size(image.machine);
    let extents = if needs_segment {
        versions::table_extents(image)?
    } else {
        Vec::new()
    };
    let mut moved_units: Vec<Unit> = Vec::new();
    let mut zeroed: Vec<(u64, u64)> = Vec::new();
    let mut program_headers_in_segment = false;
    let mut reused: Option<usize> = None;
    let mut segments = image.segments.clone();
    let mut phnum = segments.len() as u64;
    if needs_segment {
        if let Some(reusable) = reusable_tail_segment(image, &extents) {
            reused = Some(reusable.index);
            program_headers_in_segment = reusable.holds_program_headers;
            for unit in reusable.units {
                match unit.kind {
                    UnitKind::StringTable => move_string_table = true,
                    UnitKind::Dynamic => move_dynamic = true,
                    UnitKind::Plain => moved_units.push(unit),
                }
            }
        } else {
            phnum += 1;
            let new_size = phnum * codec.phdr_size();
            match grow_program_headers_in_place(image, &extents, new_size) {
                Some(units) => {
                    for unit in units {
                        zeroed.push((unit.offset, unit.len));
                        match unit.kind {
                            UnitKind::StringTable => move_string_table = true,
                            UnitKind::Dynamic => move_dynamic = true,
                            UnitKind::Plain => moved_units.push(unit),
                        }
                    }
                }
                None if image.file_type == elf::ET_EXEC => {
                    return Err(EditError::Layout(
                        "the program header table of this executable cannot grow in place and executables cannot have it moved".into(),
                    ));
                }
                None => program_headers_in_segment = true,
            }
        }
    }
    if phnum >= u64::from(elf::PN_XNUM) {
        return Err(EditError::Layout(format!(
            "`{phnum}` program headers are too many"
        )));
    }

    let reused_range = reused
        .and_then(|i| image.segments.get(i))
        .map(|s| (s.offset, s.file_end()));
    let in_reused = |offset: u64, len: u64| {
        reused_range
            .is_some_and(|(start, end)| offset >= start && offset.saturating_add(len) <= end)
    };
    let prefix_end = prefix_end(image, &dropped_sections, in_reused);

    let mut items = Vec::new();
    let mut moves = Vec::new();
    let mut string_table = None;
    let mut dynamic = None;
    let mut cursor = prefix_end;
    if needs_segment {
        let vaddr = match reused.and_then(|i| image.segments.get(i)) {
            Some(segment) => segment.vaddr,
            None => {
                let end = image
                    .segments
                    .iter()
                    .filter(|s| s.is_load())
                    .map(Segment::memory_end)
                    .max()
                    .unwrap_or(0);
                align_up(end, page)?
            }
        };
        let offset = congruent_offset(prefix_end, vaddr, page)?;
        let place = |kind_align: u64, size: u64, cursor: &mut u64| -> Result<(u64, u64)> {
            let at = align_up(*cursor, kind_align)?;
            *cursor = at
                .checked_add(size)
                .ok_or_else(|| EditError::Layout("new segment size overflows".into()))?;
            let at_vaddr = vaddr
                .checked_add(at - offset)
                .ok_or_else(|| EditError::Layout("new segment address overflows".into()))?;
            Ok((at, at_vaddr))
        };
        cursor = offset;
        if program_headers_in_segment {
            let size = phnum * codec.phdr_size();
            let (at, at_vaddr) = place(codec.word_size(), size, &mut cursor)?;
            items.push(Item {
                kind: ItemKind::ProgramHeaders,
                offset: at,
                vaddr: at_vaddr,
                size,
            });
        }
        for unit in &moved_units {
            let (at, at_vaddr) = place(unit.align, unit.len, &mut cursor)?;
            let moved = Move {
                old_offset: unit.offset,
                old_vaddr: unit.vaddr,
                len: unit.len,
                new_offset: at,
                new_vaddr: at_vaddr,
            };
            moves.push(moved);
            items.push(Item {
                kind: ItemKind::Moved(moved),
                offset: at,
                vaddr: at_vaddr,
                size: unit.len,
            });
        }
        if move_string_table {
            let table = plan
                .string_table
                .ok_or_else(|| EditError::Layout("no dynamic string table to extend".into()))?;
            let size = table.size + plan.strings.appended.len() as u64;
            let (at, at_vaddr) = place(1, size, &mut cursor)?;
            items.push(Item {
                kind: ItemKind::StringTable,
                offset: at,
                vaddr: at_vaddr,
                size,
            });
            string_table = Some(Placement {
                offset: at,
                vaddr: at_vaddr,
                size,
            });
        }
        if move_dynamic {
            let size = dynamic_slots * codec.dyn_size();
            let (at, at_vaddr) = place(codec.word_size(), size, &mut cursor)?;
            items.push(Item {
                kind: ItemKind::Dynamic,
                offset: at,
                vaddr: at_vaddr,
                size,
            });
            dynamic = Some(Placement {
                offset: at,
                vaddr: at_vaddr,
                size,
            });
        }
        let size = cursor - offset;
        let flags = if move_dynamic {
            elf::PF_R | elf::PF_W
        } else {
            elf::PF_R
        };
        let load = Segment {
            p_type: elf::PT_LOAD,
            flags,
            offset,
            vaddr,
            paddr: vaddr,
            filesz: size,
            memsz: size,
            align: page,
        };
        update_segments(image, &mut segments, &moves, &items, load, reused)?;
    }

    let (tail, after_tail) = place_tail_sections(image, &dropped_sections, prefix_end, cursor)?;
    let kept_sections = image.sections.len() - dropped_sections.len();
    let (shoff, total_len) = if image.sections.is_empty() {
        (0, after_tail)
    } else {
        let shoff = align_up(after_tail, codec.word_size())?;
        let end = (kept_sections as u64)
            .checked_mul(codec.shdr_size())
            .and_then(|size| shoff.checked_add(size))
            .ok_or_else(|| EditError::Layout("section header table overflows".into()))?;
        (shoff, end)
    };
    // Every piece is bounded by the input or by small alignments; a larger result means the
    // arithmetic went wrong on a hostile input, and allocating it would be the failure.
    let new_bytes = items.iter().map(|i| i.size).sum::<u64>();
    let slack = (tail.len() as u64 + items.len() as u64 + 2) * MAX_ALIGNMENT
        + (kept_sections as u64) * codec.shdr_size();
    if total_len > image.len().saturating_add(new_bytes).saturating_add(slack) {
        return Err(EditError::Layout(format!(
            "the output would be `{total_len:#x}` bytes for a `{:#x}`-byte input",
            image.len()
        )));
    }
    // Stripped bytes inside the prefix are cleared, unless anything that stays (headers,
    // segments, other sections) shares them, as only malformed files do.
    let headers_end = image
        .ehsize
        .max(image.phoff.saturating_add(image.phdr_table_size()));
    for &index in &dropped_sections {
        let Some(section) = image.sections.get(index) else {
            continue;
        };
        let (start, end) = (section.offset, section.file_end());
        let shared = overlaps(start, end, 0, headers_end)
            || image
                .segments
                .iter()
                .any(|s| s.filesz > 0 && overlaps(s.offset, s.file_end(), start, end))
            || image.sections.iter().enumerate().skip(1).any(|(other, s)| {
                !dropped_sections.contains(&other)
                    && s.file_size() > 0
                    && overlaps(s.offset, s.file_end(), start, end)
            });
        if start < prefix_end && !shared && section.file_size() > 0 {
            zeroed.push((start, section.size));
        }
    }
    let phoff = items
        .iter()
        .find(|i| i.kind == ItemKind::ProgramHeaders)
        .map_or(image.phoff, |i| i.offset);
    check_fits_class(codec, total_len, &segments)?;
    Ok(Layout::Relaid(Box::new(Relaid {
        prefix_end,
        items,
        tail,
        dropped_sections,
        zeroed,
        moves,
        segments,
        phoff,
        string_table,
        dynamic,
        shoff,
        total_len,
    })))
}

/// The end of everything that must stay where it is: allocated content, every segment, the
/// headers, and non-allocated sections interleaved with them.
fn prefix_end(image: &Image<'_>, dropped: &[usize], in_reused: impl Fn(u64, u64) -> bool) -> u64 {
    let mut end = image.ehsize;
    if !in_reused(image.phoff, image.phdr_table_size()) {
        end = end.max(image.phoff.saturating_add(image.phdr_table_size()));
    }
    for segment in &image.segments {
        if segment.filesz > 0 && !in_reused(segment.offset, segment.filesz) {
            end = end.max(segment.file_end());
        }
    }
    for section in image.sections.iter().skip(1) {
        if section.is_alloc() && section.file_size() > 0 && !in_reused(section.offset, section.size)
        {
            end = end.max(section.file_end());
        }
    }
    let mut unallocated: Vec<_> = image
        .sections
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(index, s)| !s.is_alloc() && s.file_size() > 0 && !dropped.contains(index))
        .map(|(_, s)| (s.offset, s.file_end()))
        .collect();
    unallocated.sort_unstable();
    for (start, section_end) in unallocated {
        if start < end {
            end = end.max(section_end);
        }
    }
    end
}

/// Copy the non-allocated sections that live after the prefix to after `cursor`, in their
/// original order.
fn place_tail_sections(
    image: &Image<'_>,
    dropped: &[usize],
    prefix_end: u64,
    mut cursor: u64,
) -> Result<(Vec<TailSection>, u64)> {
    let mut candidates: Vec<(u64, usize)> = image
        .sections
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(index, s)| !s.is_alloc() && !dropped.contains(index) && s.offset >= prefix_end)
        .map(|(index, s)| (s.offset, index))
        .collect();
    candidates.sort_unstable();
    let mut tail = Vec::with_capacity(candidates.len());
    for (_, index) in candidates {
        let Some(section) = image.sections.get(index) else {
            continue;
        };
        let align = usable_alignment(section.addralign).ok_or_else(|| {
            EditError::malformed(
                "section header table",
                format!(
                    "section {index} has sh_addralign `{:#x}` (not a power of two up to `{MAX_ALIGNMENT:#x}`)",
                    section.addralign
                ),
            )
        })?;
        let at = align_up(cursor, align)?;
        cursor = at
            .checked_add(section.file_size())
            .ok_or_else(|| EditError::Layout("section offsets overflow".into()))?;
        tail.push(TailSection {
            index,
            new_offset: at,
        });
    }
    Ok((tail, cursor))
}

/// Point the program headers at where things went, and add (or replace, when `reused`) the
/// new PT_LOAD right after the last one.
fn update_segments(
    image: &Image<'_>,
    segments: &mut Vec<Segment>,
    moves: &[Move],
    items: &[Item],
    load: Segment,
    reused: Option<usize>,
) -> Result<()> {
    let dynamic = items.iter().find(|i| i.kind == ItemKind::Dynamic);
    let final_count = segments.len() as u64 + u64::from(reused.is_none());
    let phdr_table_size = final_count * image.codec.phdr_size();
    for segment in segments.iter_mut() {
        if segment.is_load() || segment.p_type == elf::PT_PHDR || segment.filesz == 0 {
            continue;
        }
        if let Some(moved) = moves
            .iter()
            .find(|m| segment.offset >= m.old_offset && segment.file_end() <= m.old_offset + m.len)
        {
            let delta_offset = segment.offset - moved.old_offset;
            segment.offset = moved.new_offset + delta_offset;
            let delta_vaddr = segment.vaddr.wrapping_sub(moved.old_vaddr);
            segment.vaddr = moved.new_vaddr.wrapping_add(delta_vaddr);
            segment.paddr = segment.vaddr;
        }
    }
    if let (Some(placement), Some(table)) = (dynamic, image.dynamic.as_ref())
        && let Some(segment) = segments.get_mut(table.segment)
    {
        segment.offset = placement.offset;
        segment.vaddr = placement.vaddr;
        segment.paddr = placement.vaddr;
        segment.filesz = placement.size;
        segment.memsz = placement.size;
    }
    let program_headers = items.iter().find(|i| i.kind == ItemKind::ProgramHeaders);
    for segment in segments.iter_mut() {
        if segment.p_type != elf::PT_PHDR {
            continue;
        }
        if let Some(item) = program_headers {
            segment.offset = item.offset;
            segment.vaddr = item.vaddr;
            segment.paddr = item.vaddr;
        }
        segment.filesz = phdr_table_size;
        segment.memsz = phdr_table_size;
    }
    match reused {
        Some(index) => {
            let slot = segments
                .get_mut(index)
                .ok_or_else(|| EditError::Layout("reused segment vanished".into()))?;
            *slot = load;
        }
        None => {
            let after_last_load = segments
                .iter()
                .rposition(Segment::is_load)
                .map_or(segments.len(), |i| i + 1);
            segments.insert(after_last_load, load);
        }
    }
    Ok(())
}

fn check_fits_class(codec: Codec, total_len: u64, segments: &[Segment]) -> Result<()> {
    let max = codec.max_word();
    if total_len > max {
        return Err(EditError::Layout(format!(
            "the edited file would be `{total_len:#x}` bytes, too large for ELF32"
        )));
    }
    if segments
        .iter()
        .any(|s| s.vaddr.saturating_add(s.memsz) > max)
    {
        return Err(EditError::Layout(
            "the new segment would end above the 32-bit address space".into(),
        ));
    }
    Ok(())
}

/// Translate an input address through the moves; unchanged when it did not move.
pub(crate) fn map_vaddr(moves: &[Move], vaddr: u64) -> u64 {
    moves
        .iter()
        .find(|m| vaddr >= m.old_vaddr && vaddr < m.old_vaddr.saturating_add(m.len))
        .map_or(vaddr, |m| m.new_vaddr + (vaddr - m.old_vaddr))
}

/// Translate an input offset through the moves; unchanged when it did not move.
pub(crate) fn map_offset(moves: &[Move], offset: u64) -> u64 {
    moves
        .iter()
        .find(|m| offset >= m.old_offset && offset < m.old_offset.saturating_add(m.len))
        .map_or(offset, |m| m.new_offset + (offset - m.old_offset))
}

/// The final value of a planned entry that is not a string.
pub(crate) fn resolve_raw(tag: DynamicTag, value: u64, moves: &[Move]) -> u64 {
    if is_address_tag(tag) {
        map_vaddr(moves, value)
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_congruent(at: u64, vaddr: u64, page: u64, expect: u64) {
        let got = congruent_offset(at, vaddr, page).unwrap();
        assert_eq!(got, expect);
        assert_eq!(got % page, vaddr % page);
        assert!(got >= at);
    }

    #[test]
    fn new_segment_offsets_are_congruent_to_their_address_and_never_behind() {
        check_congruent(0x1234, 0x5000, 0x1000, 0x2000);
        check_congruent(0x2000, 0x5000, 0x1000, 0x2000);
        check_congruent(0x1234, 0x5800, 0x1000, 0x1800);
        check_congruent(0x1900, 0x5800, 0x1000, 0x2800);
        check_congruent(0x12345, 0x40000, 0x10000, 0x20000);
    }

    #[test]
    fn abi_page_sizes_follow_the_psabi() {
        assert_eq!(abi_page_size(elf::EM_X86_64.0), 0x1000);
        assert_eq!(abi_page_size(elf::EM_386.0), 0x1000);
        assert_eq!(abi_page_size(elf::EM_AARCH64.0), 0x10000);
        assert_eq!(abi_page_size(elf::EM_PPC64.0), 0x10000);
        assert_eq!(abi_page_size(elf::EM_S390.0), 0x1000);
        assert_eq!(abi_page_size(elf::EM_ARM.0), 0x1000);
        assert_eq!(abi_page_size(elf::EM_RISCV.0), 0x1000);
        assert_eq!(abi_page_size(elf::EM_LOONGARCH.0), 0x10000);
    }
}
