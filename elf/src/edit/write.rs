//! Producing the output bytes from the input, the [`Plan`] and the [`Layout`]: one copy of the
//! input into a new buffer, then field writes at their final offsets.
//!
//! Copying first and patching afterwards keeps every write in one place: a table that moved is
//! patched at its new offset through the layout's moves. Nothing here decides values or
//! positions.

use object::elf::{self, DynamicTag};

use super::codec::{Codec, HeaderFields, VERNEED_SIZE};
use super::error::{EditError, Result};
use super::image::{Image, slice_at, slice_at_mut};
use super::layout::{
    ItemKind, Layout, Move, Placement, Relaid, map_offset, map_vaddr, resolve_raw,
};
use super::plan::{NeedFate, Plan, Value};
use super::sections::{Keep, final_sections, in_place_updates, renumber_contents};

fn out_of_range(what: &str) -> EditError {
    EditError::Layout(format!("{what} lies outside the output file"))
}

pub(crate) fn write(image: &Image<'_>, plan: &Plan, layout: &Layout) -> Result<Vec<u8>> {
    match layout {
        Layout::InPlace => write_in_place(image, plan),
        Layout::Relaid(relaid) => write_relaid(image, plan, relaid),
    }
}

fn write_in_place(image: &Image<'_>, plan: &Plan) -> Result<Vec<u8>> {
    let mut out = image.data.to_vec();
    if !plan.changes_dynamic(image) {
        return Ok(out);
    }
    let codec = image.codec;
    if let Some(table) = plan.string_table {
        write_strings(&mut out, plan, table.offset)?;
    }
    if let Some(dynamic) = &image.dynamic {
        let entries = resolve_entries(plan, &[], None)?;
        write_dynamic(&mut out, codec, dynamic.offset, dynamic.capacity, &entries)?;
    }
    write_need_changes(&mut out, codec, plan, &[])?;
    for (index, section) in in_place_updates(image, plan) {
        let at = image.shoff + index as u64 * codec.shdr_size();
        let slot = slice_at_mut(&mut out, at, codec.shdr_size())
            .ok_or_else(|| out_of_range("a section header"))?;
        codec.write_section(slot, &section)?;
    }
    Ok(out)
}

fn write_relaid(image: &Image<'_>, plan: &Plan, relaid: &Relaid) -> Result<Vec<u8>> {
    let codec = image.codec;
    let total = usize::try_from(relaid.total_len)
        .map_err(|_| EditError::Layout("output does not fit in memory".into()))?;
    let mut out = Vec::with_capacity(total);
    let copy = |out: &mut Vec<u8>, offset: u64, len: u64| -> Result<()> {
        let bytes = slice_at(image.data, offset, len)
            .ok_or_else(|| EditError::Layout("a copied range lies outside the input".into()))?;
        out.extend_from_slice(bytes);
        Ok(())
    };
    let pad_to = |out: &mut Vec<u8>, offset: u64| -> Result<()> {
        let offset = usize::try_from(offset)
            .map_err(|_| EditError::Layout("output does not fit in memory".into()))?;
        if offset < out.len() {
            return Err(EditError::Layout("output pieces overlap".into()));
        }
        out.resize(offset, 0);
        Ok(())
    };

    copy(&mut out, 0, relaid.prefix_end)?;
    for &(offset, len) in &relaid.zeroed {
        if let Some(range) = slice_at_mut(&mut out, offset, len) {
            range.fill(0);
        }
    }
    for item in &relaid.items {
        pad_to(&mut out, item.offset)?;
        match item.kind {
            ItemKind::ProgramHeaders | ItemKind::Dynamic => {
                pad_to(&mut out, item.offset + item.size)?
            }
            ItemKind::Moved(moved) => copy(&mut out, moved.old_offset, moved.len)?,
            ItemKind::StringTable => {
                let table = plan
                    .string_table
                    .ok_or_else(|| EditError::Layout("no string table to copy".into()))?;
                copy(&mut out, table.offset, table.size)?;
                out.extend_from_slice(&plan.strings.appended);
            }
        }
    }
    for tail in &relaid.tail {
        let Some(section) = image.sections.get(tail.index) else {
            continue;
        };
        pad_to(&mut out, tail.new_offset)?;
        copy(&mut out, section.offset, section.file_size())?;
    }
    pad_to(&mut out, relaid.total_len)?;

    let table_offset = match relaid.string_table {
        Some(placement) => Some(placement.offset),
        None => plan.string_table.map(|t| t.offset),
    };
    if let Some(offset) = table_offset {
        write_strings(&mut out, plan, offset)?;
    }
    if let Some(dynamic) = &image.dynamic {
        let entries = resolve_entries(plan, &relaid.moves, relaid.string_table)?;
        let (offset, capacity) = match relaid.dynamic {
            Some(placement) => (placement.offset, placement.size / codec.dyn_size()),
            None => (dynamic.offset, dynamic.capacity),
        };
        if relaid.dynamic.is_some() || entries != dynamic.entries {
            write_dynamic(&mut out, codec, offset, capacity, &entries)?;
        }
    }
    write_need_changes(&mut out, codec, plan, &relaid.moves)?;

    let sections = final_sections(image, plan, relaid)?;
    let protected = [
        (0, image.ehsize),
        (
            relaid.phoff,
            relaid.phoff + relaid.segments.len() as u64 * codec.phdr_size(),
        ),
        (relaid.shoff, relaid.total_len),
    ];
    let keep = Keep {
        protected: &protected,
        segments: &relaid.segments,
        dynamic_symbols: image
            .dynamic_value(elf::DT_SYMTAB)
            .map(|vaddr| map_vaddr(&relaid.moves, vaddr)),
    };
    renumber_contents(&mut out, codec, &sections, &keep)?;
    let phdr_size = codec.phdr_size();
    for (index, segment) in relaid.segments.iter().enumerate() {
        let at = relaid.phoff + index as u64 * phdr_size;
        let slot = slice_at_mut(&mut out, at, phdr_size)
            .ok_or_else(|| out_of_range("the program header table"))?;
        codec.write_segment(slot, segment)?;
    }
    let shdr_size = codec.shdr_size();
    for (index, section) in sections.headers.iter().enumerate() {
        let at = relaid.shoff + index as u64 * shdr_size;
        let slot = slice_at_mut(&mut out, at, shdr_size)
            .ok_or_else(|| out_of_range("the section header table"))?;
        codec.write_section(slot, section)?;
    }
    let count = sections.headers.len() as u32;
    let fields = HeaderFields {
        phoff: relaid.phoff,
        phnum: u16::try_from(relaid.segments.len())
            .map_err(|_| EditError::Layout("too many program headers".into()))?,
        shoff: relaid.shoff,
        shnum: if count >= u32::from(elf::SHN_LORESERVE) {
            0
        } else {
            count as u16
        },
        shstrndx: if sections.shstrndx >= u32::from(elf::SHN_LORESERVE) {
            elf::SHN_XINDEX.0
        } else {
            sections.shstrndx as u16
        },
    };
    codec.write_header_fields(&mut out, &fields)?;
    Ok(out)
}

fn write_strings(out: &mut [u8], plan: &Plan, table_offset: u64) -> Result<()> {
    for (offset, bytes) in &plan.strings.in_place {
        let at = table_offset
            .checked_add(*offset)
            .ok_or_else(|| out_of_range("a string"))?;
        slice_at_mut(out, at, bytes.len() as u64)
            .ok_or_else(|| out_of_range("a string"))?
            .copy_from_slice(bytes);
    }
    Ok(())
}

/// The final `(tag, value)` of every planned entry.
fn resolve_entries(
    plan: &Plan,
    moves: &[Move],
    string_table: Option<Placement>,
) -> Result<Vec<(DynamicTag, u64)>> {
    plan.entries
        .iter()
        .map(|entry| {
            let value = match (entry.value, entry.tag, string_table) {
                (Value::String(request), _, _) => plan
                    .strings
                    .offsets
                    .get(request)
                    .copied()
                    .ok_or_else(|| EditError::Layout("a string request has no offset".into()))?,
                (Value::Raw(_), elf::DT_STRTAB, Some(table)) => table.vaddr,
                (Value::Raw(_), elf::DT_STRSZ, Some(table)) => table.size,
                (Value::Raw(raw), tag, _) => resolve_raw(tag, raw, moves),
            };
            Ok((entry.tag, value))
        })
        .collect()
}

fn write_dynamic(
    out: &mut [u8],
    codec: Codec,
    offset: u64,
    capacity: u64,
    entries: &[(DynamicTag, u64)],
) -> Result<()> {
    let entry_size = codec.dyn_size();
    if entries.len() as u64 >= capacity {
        return Err(EditError::Layout(
            "the dynamic section has no room for DT_NULL".into(),
        ));
    }
    let table = slice_at_mut(out, offset, capacity * entry_size)
        .ok_or_else(|| out_of_range("the dynamic section"))?;
    let terminators = std::iter::repeat((elf::DT_NULL, 0));
    for (slot, (tag, value)) in table
        .chunks_exact_mut(entry_size as usize)
        .zip(entries.iter().copied().chain(terminators))
    {
        codec.write_dyn(slot, tag, value)?;
    }
    Ok(())
}

fn write_need_changes(out: &mut [u8], codec: Codec, plan: &Plan, moves: &[Move]) -> Result<()> {
    for (record, fate) in plan.needs.iter().zip(&plan.need_fates) {
        if let NeedFate::Rename(request) = fate {
            let file = plan
                .strings
                .offsets
                .get(*request)
                .copied()
                .and_then(|o| u32::try_from(o).ok())
                .ok_or_else(|| EditError::Layout("vn_file offset does not fit 32 bits".into()))?;
            let at = map_offset(moves, record.offset);
            let slot = slice_at_mut(out, at, VERNEED_SIZE)
                .ok_or_else(|| out_of_range("a Verneed record"))?;
            codec.write_verneed_file(slot, file)?;
        }
    }
    if plan.need_fates.iter().all(|f| *f != NeedFate::Drop) {
        return Ok(());
    }
    let kept: Vec<_> = plan.kept_needs().collect();
    for (position, record) in kept.iter().enumerate() {
        let next = match kept.get(position + 1) {
            Some(following) => u32::try_from(following.vaddr - record.vaddr).map_err(|_| {
                EditError::Layout("Verneed records are more than 4 GiB apart".into())
            })?,
            None => 0,
        };
        if next != record.next {
            let at = map_offset(moves, record.offset);
            let slot = slice_at_mut(out, at, VERNEED_SIZE)
                .ok_or_else(|| out_of_range("a Verneed record"))?;
            codec.write_verneed_next(slot, next)?;
        }
    }
    Ok(())
}
