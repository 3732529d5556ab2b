//! The section header table of the output: which sections an in-process strip drops, where the
//! remaining ones are after the layout, their order (sorted by offset, which binutils `strip`
//! relies on) and the renumbering of every field that holds a section index.
//!
//! Section headers matter only to tools; the loader never reads them. Deciding where bytes go
//! is not done here (see `layout`).

use object::elf;

use super::codec::Codec;
use super::error::{EditError, Result};
use super::image::{Image, Section, Segment, slice_at_mut};
use super::layout::{Relaid, map_offset, map_vaddr};
use super::plan::Plan;

/// The sections an in-process strip removes: symbol tables, their string tables and debug
/// information. All are non-allocated, so no loaded byte moves.
pub(crate) fn sections_to_strip(image: &Image<'_>) -> Vec<usize> {
    let mut dropped: Vec<usize> = image
        .sections
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(index, section)| {
            if section.is_alloc() {
                return false;
            }
            let name = image.section_name(*index).unwrap_or_default();
            section.sh_type == elf::SHT_SYMTAB
                || name.starts_with(b".debug")
                || name.starts_with(b".zdebug")
        })
        .map(|(index, _)| index)
        .collect();
    let symbol_tables: Vec<usize> = dropped
        .iter()
        .copied()
        .filter(|&i| {
            image
                .sections
                .get(i)
                .is_some_and(|s| s.sh_type == elf::SHT_SYMTAB)
        })
        .collect();
    for table in symbol_tables {
        let Some(strings) = image.sections.get(table).map(|s| s.link as usize) else {
            continue;
        };
        let Some(section) = image.sections.get(strings) else {
            continue;
        };
        let used_elsewhere = image.sections.iter().enumerate().any(|(index, other)| {
            index != table && other.link as usize == strings && !dropped.contains(&index)
        });
        if strings != 0
            && section.sh_type == elf::SHT_STRTAB
            && !section.is_alloc()
            && strings != image.shstrndx as usize
            && !used_elsewhere
            && !dropped.contains(&strings)
        {
            dropped.push(strings);
        }
    }
    let dependents: Vec<usize> = image
        .sections
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(index, section)| {
            !dropped.contains(index)
                && !section.is_alloc()
                && ((section.sh_type == elf::SHT_SYMTAB_SHNDX
                    && dropped.contains(&(section.link as usize)))
                    || (matches!(section.sh_type, elf::SHT_REL | elf::SHT_RELA)
                        && section.info != 0
                        && dropped.contains(&(section.info as usize))))
        })
        .map(|(index, _)| index)
        .collect();
    dropped.extend(dependents);
    dropped.sort_unstable();
    dropped
}

/// The output section headers in output order, and where each input section went.
#[derive(Debug)]
pub(crate) struct FinalSections {
    pub(crate) headers: Vec<Section>,
    /// For each input section index, its output index (`None` when stripped).
    pub(crate) new_index: Vec<Option<u32>>,
    pub(crate) renumbered: bool,
    pub(crate) shstrndx: u32,
}

/// Apply the `.gnu.version_r` change of `plan` to its section header (in input coordinates).
fn adjust_version_needs(section: &mut Section, plan: &Plan) {
    let Some(first) = plan.needs.first() else {
        return;
    };
    if section.sh_type != elf::SHT_GNU_VERNEED || section.addr != first.vaddr {
        return;
    }
    let kept: Vec<_> = plan.kept_needs().collect();
    if kept.len() == plan.needs.len() {
        return;
    }
    section.info = kept.len() as u32;
    let shift = kept.first().map_or(section.size, |k| k.vaddr - first.vaddr);
    let shift = shift.min(section.size);
    section.addr += shift;
    section.offset += shift;
    section.size -= shift;
}

/// The section headers an edit without relayout changes: only `.gnu.version_r` can.
pub(crate) fn in_place_updates(image: &Image<'_>, plan: &Plan) -> Vec<(usize, Section)> {
    image
        .sections
        .iter()
        .enumerate()
        .skip(1)
        .filter_map(|(index, original)| {
            let mut section = *original;
            adjust_version_needs(&mut section, plan);
            (section != *original).then_some((index, section))
        })
        .collect()
}

pub(crate) fn final_sections(
    image: &Image<'_>,
    plan: &Plan,
    relaid: &Relaid,
) -> Result<FinalSections> {
    let string_table_vaddr = plan.string_table.map(|t| t.vaddr);
    let dynamic_vaddr = image.dynamic.as_ref().map(|d| d.vaddr);
    let mut kept: Vec<(usize, Section)> = Vec::with_capacity(image.sections.len());
    for (index, original) in image.sections.iter().enumerate() {
        if relaid.dropped_sections.contains(&index) {
            continue;
        }
        let mut section = *original;
        if index == 0 {
            kept.push((index, section));
            continue;
        }
        adjust_version_needs(&mut section, plan);
        let is_string_table = section.sh_type == elf::SHT_STRTAB
            && section.is_alloc()
            && Some(section.addr) == string_table_vaddr;
        let is_dynamic = section.sh_type == elf::SHT_DYNAMIC && Some(section.addr) == dynamic_vaddr;
        if let (true, Some(placement)) = (is_string_table, relaid.string_table) {
            section.offset = placement.offset;
            section.addr = placement.vaddr;
            section.size = placement.size;
        } else if let (true, Some(placement)) = (is_dynamic, relaid.dynamic) {
            section.offset = placement.offset;
            section.addr = placement.vaddr;
            section.size = placement.size;
        } else if let Some(tail) = relaid.tail.iter().find(|t| t.index == index) {
            section.offset = tail.new_offset;
        } else if section.is_alloc() && section.file_size() > 0 {
            let moved = map_offset(&relaid.moves, section.offset);
            if moved != section.offset {
                section.addr = map_vaddr(&relaid.moves, section.addr);
                section.offset = moved;
            }
        }
        kept.push((index, section));
    }
    // Section 0 stays first; the rest are sorted by offset, ties keeping their input order.
    if let Some(rest) = kept.get_mut(1..) {
        rest.sort_by_key(|(_, section)| section.offset);
    }
    let mut new_index = vec![None; image.sections.len()];
    for (position, (index, _)) in kept.iter().enumerate() {
        if let Some(slot) = new_index.get_mut(*index) {
            *slot = Some(position as u32);
        }
    }
    let renumbered = kept
        .iter()
        .enumerate()
        .any(|(position, (index, _))| position != *index);
    let remap = |old: u32| -> u32 { new_index.get(old as usize).copied().flatten().unwrap_or(0) };
    let mut headers: Vec<Section> = kept.into_iter().map(|(_, section)| section).collect();
    if renumbered {
        for section in headers.iter_mut().skip(1) {
            section.link = remap(section.link);
            let info_is_index = section.flags.contains(elf::SHF_INFO_LINK)
                || (matches!(section.sh_type, elf::SHT_REL | elf::SHT_RELA) && section.info != 0);
            if info_is_index {
                section.info = remap(section.info);
            }
        }
    }
    let shstrndx = remap(image.shstrndx);
    let count = headers.len() as u32;
    if let Some(first) = headers.first_mut() {
        // Extended numbering: counts that do not fit the ELF header live in section 0.
        first.size = if count >= u32::from(elf::SHN_LORESERVE) {
            u64::from(count)
        } else {
            0
        };
        first.link = if shstrndx >= u32::from(elf::SHN_LORESERVE) {
            shstrndx
        } else {
            0
        };
    }
    Ok(FinalSections {
        headers,
        new_index,
        renumbered,
        shstrndx,
    })
}

/// Where the output keeps things that renumbering must not write into.
#[derive(Debug)]
pub(crate) struct Keep<'a> {
    /// Output ranges no table may overlap (headers).
    pub(crate) protected: &'a [(u64, u64)],
    pub(crate) segments: &'a [Segment],
    /// The output address of DT_SYMTAB: the only `.dynsym` whose indices are renumbered.
    pub(crate) dynamic_symbols: Option<u64>,
}

/// Renumber the section indices stored inside sections (symbol `st_shndx`, extended index
/// tables, groups) of the output.
///
/// Only tables that can be trusted are written to: the `.dynsym` that DT_SYMTAB names, and
/// non-allocated tables outside every segment. A section header of a malformed file may claim
/// any bytes; writing through it could damage what the loader reads.
pub(crate) fn renumber_contents(
    out: &mut [u8],
    codec: Codec,
    sections: &FinalSections,
    keep: &Keep<'_>,
) -> Result<()> {
    if !sections.renumbered {
        return Ok(());
    }
    let remap = |old: u32| -> u32 {
        sections
            .new_index
            .get(old as usize)
            .copied()
            .flatten()
            .unwrap_or(0)
    };
    for section in &sections.headers {
        let entry_size = match section.sh_type {
            elf::SHT_SYMTAB | elf::SHT_DYNSYM => codec.sym_size(),
            elf::SHT_SYMTAB_SHNDX | elf::SHT_GROUP => 4,
            _ => continue,
        };
        let end = section.offset.saturating_add(section.size);
        let overlaps = |start: u64, stop: u64| section.offset < stop && start < end;
        if keep
            .protected
            .iter()
            .any(|&(start, stop)| overlaps(start, stop))
        {
            continue;
        }
        let trusted = if section.sh_type == elf::SHT_DYNSYM {
            keep.dynamic_symbols == Some(section.addr)
        } else {
            !section.is_alloc()
                && !keep
                    .segments
                    .iter()
                    .any(|s| s.filesz > 0 && overlaps(s.offset, s.file_end()))
        };
        if !trusted {
            continue;
        }
        let table = slice_at_mut(out, section.offset, section.size).ok_or_else(|| {
            EditError::Layout("a symbol table lies outside the output file".into())
        })?;
        let entries = table.chunks_exact_mut(entry_size as usize);
        match section.sh_type {
            elf::SHT_SYMTAB | elf::SHT_DYNSYM => {
                for entry in entries {
                    let Some((_, shndx)) = codec.read_symbol(entry) else {
                        continue;
                    };
                    if shndx != 0 && shndx < elf::SHN_LORESERVE {
                        let new = u16::try_from(remap(u32::from(shndx)))
                            .ok()
                            .filter(|&n| n < elf::SHN_LORESERVE)
                            .ok_or_else(|| {
                                EditError::Layout(
                                    "a symbol's section index would need SHN_XINDEX".into(),
                                )
                            })?;
                        codec.write_symbol_shndx(entry, new)?;
                    }
                }
            }
            elf::SHT_SYMTAB_SHNDX => {
                for entry in entries {
                    if let Some(index) = codec.read_u32(entry).filter(|&i| i != 0) {
                        codec.write_u32(entry, remap(index))?;
                    }
                }
            }
            _ => {
                // The first word of a group holds its flags, not a section index.
                for entry in entries.skip(1) {
                    if let Some(index) = codec.read_u32(entry) {
                        codec.write_u32(entry, remap(index))?;
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBUG: &[u8] = include_bytes!("../../../testdata/elf/edit-basic/out/libext-debug.so");
    const STRIPPED: &[u8] = include_bytes!("../../../testdata/elf/edit-basic/out/libext.so");

    #[track_caller]
    fn check(input: &[u8], expect: &str) {
        let image = Image::parse(input).unwrap();
        let names: Vec<String> = sections_to_strip(&image)
            .into_iter()
            .map(|i| String::from_utf8_lossy(image.section_name(i).unwrap_or(b"?")).into_owned())
            .collect();
        assert_eq!(names.join(" "), expect);
    }

    #[test]
    fn strip_drops_symbol_tables_and_debug_sections_only() {
        check(
            DEBUG,
            ".debug_aranges .debug_info .debug_abbrev .debug_line .debug_frame .debug_str .debug_line_str .symtab .strtab",
        );
        check(STRIPPED, "");
    }
}
