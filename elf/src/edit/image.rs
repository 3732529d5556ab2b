//! [`Image`]: the input file parsed into owned, class-independent headers (segments, sections,
//! the dynamic table) over the borrowed input bytes, validated so the planner can trust every
//! offset it reads.
//!
//! Parsing is the only generic code of the editor: it goes through `object`'s `FileHeader`
//! traits once per class, then everything is plain `u64`. Version records, strings and symbols
//! are read on demand by the modules that need them; deciding the output is not done here.

use object::Endianness;
use object::elf::{
    self, DynamicTag, FileType, ProgramFlags, ProgramType, SectionFlags, SectionType,
};
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader};

use super::codec::{Class, Codec};
use super::error::{EditError, Result};

/// One program header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segment {
    pub(crate) p_type: ProgramType,
    pub(crate) flags: ProgramFlags,
    pub(crate) offset: u64,
    pub(crate) vaddr: u64,
    pub(crate) paddr: u64,
    pub(crate) filesz: u64,
    pub(crate) memsz: u64,
    pub(crate) align: u64,
}

impl Segment {
    pub(crate) fn file_end(&self) -> u64 {
        self.offset.saturating_add(self.filesz)
    }

    pub(crate) fn memory_end(&self) -> u64 {
        self.vaddr.saturating_add(self.memsz)
    }

    pub(crate) fn is_load(&self) -> bool {
        self.p_type == elf::PT_LOAD
    }
}

/// One section header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Section {
    pub(crate) name: u32,
    pub(crate) sh_type: SectionType,
    pub(crate) flags: SectionFlags,
    pub(crate) addr: u64,
    pub(crate) offset: u64,
    pub(crate) size: u64,
    pub(crate) link: u32,
    pub(crate) info: u32,
    pub(crate) addralign: u64,
    pub(crate) entsize: u64,
}

impl Section {
    pub(crate) fn is_alloc(&self) -> bool {
        self.flags.contains(elf::SHF_ALLOC)
    }

    /// Bytes this section occupies in the file (NOBITS sections occupy none).
    pub(crate) fn file_size(&self) -> u64 {
        if self.sh_type == elf::SHT_NOBITS {
            0
        } else {
            self.size
        }
    }

    pub(crate) fn file_end(&self) -> u64 {
        self.offset.saturating_add(self.file_size())
    }
}

/// The entries of PT_DYNAMIC that the loader sees (up to, not including, the first DT_NULL).
#[derive(Debug, Clone)]
pub(crate) struct DynamicTable {
    /// Index of the PT_DYNAMIC program header.
    pub(crate) segment: usize,
    pub(crate) offset: u64,
    pub(crate) vaddr: u64,
    /// How many entries (DT_NULL included) fit in the segment as it is.
    pub(crate) capacity: u64,
    pub(crate) entries: Vec<(DynamicTag, u64)>,
}

impl DynamicTable {
    pub(crate) fn value(&self, tag: DynamicTag) -> Option<u64> {
        self.entries
            .iter()
            .find(|(t, _)| *t == tag)
            .map(|(_, value)| *value)
    }
}

/// Where the dynamic string table (DT_STRTAB, DT_STRSZ) is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StringTableLocation {
    pub(crate) offset: u64,
    pub(crate) vaddr: u64,
    pub(crate) size: u64,
}

#[derive(Debug)]
pub(crate) struct Image<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) codec: Codec,
    pub(crate) file_type: FileType,
    pub(crate) machine: u16,
    pub(crate) entry: u64,
    pub(crate) ehsize: u64,
    pub(crate) phoff: u64,
    pub(crate) segments: Vec<Segment>,
    pub(crate) shoff: u64,
    /// Empty when the file has no section header table.
    pub(crate) sections: Vec<Section>,
    /// Index of the section name string table; 0 when there is none.
    pub(crate) shstrndx: u32,
    pub(crate) dynamic: Option<DynamicTable>,
}

/// Checked `data[offset..offset + len]` for `u64` offsets.
pub(crate) fn slice_at(data: &[u8], offset: u64, len: u64) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    let len = usize::try_from(len).ok()?;
    data.get(start..start.checked_add(len)?)
}

pub(crate) fn slice_at_mut(data: &mut [u8], offset: u64, len: u64) -> Option<&mut [u8]> {
    let start = usize::try_from(offset).ok()?;
    let len = usize::try_from(len).ok()?;
    data.get_mut(start..start.checked_add(len)?)
}

pub(crate) fn segment_type_name(p_type: ProgramType) -> String {
    match p_type {
        elf::PT_NULL => "PT_NULL".into(),
        elf::PT_LOAD => "PT_LOAD".into(),
        elf::PT_DYNAMIC => "PT_DYNAMIC".into(),
        elf::PT_INTERP => "PT_INTERP".into(),
        elf::PT_NOTE => "PT_NOTE".into(),
        elf::PT_PHDR => "PT_PHDR".into(),
        elf::PT_TLS => "PT_TLS".into(),
        elf::PT_GNU_EH_FRAME => "PT_GNU_EH_FRAME".into(),
        elf::PT_GNU_STACK => "PT_GNU_STACK".into(),
        elf::PT_GNU_RELRO => "PT_GNU_RELRO".into(),
        elf::PT_GNU_PROPERTY => "PT_GNU_PROPERTY".into(),
        other => format!("{:#x}", other.0),
    }
}

impl<'a> Image<'a> {
    pub(crate) fn parse(data: &'a [u8]) -> Result<Image<'a>> {
        if !crate::is_elf(data) {
            return Err(EditError::NotElf);
        }
        match data.get(4).copied().map(elf::FileClass) {
            Some(elf::ELFCLASS32) => {
                parse_class::<elf::FileHeader32<Endianness>>(data, Class::Elf32)
            }
            Some(elf::ELFCLASS64) => {
                parse_class::<elf::FileHeader64<Endianness>>(data, Class::Elf64)
            }
            Some(other) => Err(EditError::Unsupported(format!("EI_CLASS `{}`", other.0))),
            None => Err(EditError::malformed(
                "ELF header",
                "truncated before EI_CLASS",
            )),
        }
    }

    pub(crate) fn len(&self) -> u64 {
        self.data.len() as u64
    }

    pub(crate) fn phdr_table_size(&self) -> u64 {
        self.segments.len() as u64 * self.codec.phdr_size()
    }

    /// Whether `len` bytes at `offset` share bytes with the ELF header or the program header
    /// table, which the editor rewrites and so must never also treat as a table it edits.
    pub(crate) fn overlaps_headers(&self, offset: u64, len: u64) -> bool {
        let end = offset.saturating_add(len);
        let pht_end = self.phoff.saturating_add(self.phdr_table_size());
        (offset < self.ehsize && end > 0 && len > 0)
            || (len > 0 && offset < pht_end && self.phoff < end)
    }

    /// The file offset of `len` bytes at `vaddr`, when one PT_LOAD holds all of them in the
    /// file (as the loader would find them).
    pub(crate) fn vaddr_to_offset(&self, vaddr: u64, len: u64) -> Option<u64> {
        self.segments.iter().filter(|s| s.is_load()).find_map(|s| {
            let delta = vaddr.checked_sub(s.vaddr)?;
            let end = delta.checked_add(len)?;
            (end <= s.filesz)
                .then(|| s.offset.checked_add(delta))
                .flatten()
        })
    }

    /// Like [`Image::vaddr_to_offset`] but an error naming `what` when nothing maps it.
    pub(crate) fn map_vaddr(&self, what: &'static str, vaddr: u64, len: u64) -> Result<u64> {
        self.vaddr_to_offset(vaddr, len).ok_or_else(|| {
            EditError::malformed(
                ".dynamic",
                format!("{what} address `{vaddr:#x}` (`{len:#x}` bytes) is in no PT_LOAD"),
            )
        })
    }

    pub(crate) fn bytes(&self, offset: u64, len: u64) -> Option<&'a [u8]> {
        slice_at(self.data, offset, len)
    }

    pub(crate) fn dynamic_value(&self, tag: DynamicTag) -> Option<u64> {
        self.dynamic.as_ref().and_then(|d| d.value(tag))
    }

    /// DT_STRTAB and DT_STRSZ, checked to lie inside a PT_LOAD; `None` when DT_STRTAB is absent.
    pub(crate) fn string_table(&self) -> Result<Option<StringTableLocation>> {
        let Some(vaddr) = self.dynamic_value(elf::DT_STRTAB) else {
            return Ok(None);
        };
        let size = self.dynamic_value(elf::DT_STRSZ).ok_or_else(|| {
            EditError::malformed(".dynamic", "DT_STRTAB is present but DT_STRSZ is missing")
        })?;
        let offset = self.map_vaddr("DT_STRTAB", vaddr, size)?;
        if self.overlaps_headers(offset, size) {
            return Err(EditError::malformed(
                ".dynamic",
                format!("DT_STRTAB at offset `{offset:#x}` overlaps the ELF or program headers"),
            ));
        }
        Ok(Some(StringTableLocation {
            offset,
            vaddr,
            size,
        }))
    }

    /// The name of section `index` from the section name string table, if it has one.
    pub(crate) fn section_name(&self, index: usize) -> Option<&'a [u8]> {
        let section = self.sections.get(index)?;
        let names = self
            .sections
            .get(usize::try_from(self.shstrndx).ok()?)
            .filter(|_| self.shstrndx != 0)?;
        let start = names.offset.checked_add(u64::from(section.name))?;
        let table_end = names.file_end();
        let tail = slice_at(self.data, start, table_end.checked_sub(start)?)?;
        let end = tail.iter().position(|&b| b == 0)?;
        tail.get(..end)
    }

    /// Index of the section that starts at `vaddr` with type `sh_type`, if any.
    pub(crate) fn section_at(&self, sh_type: SectionType, vaddr: u64) -> Option<usize> {
        self.sections
            .iter()
            .position(|s| s.sh_type == sh_type && s.is_alloc() && s.addr == vaddr)
    }
}

fn parse_class<H: FileHeader<Endian = Endianness>>(data: &[u8], class: Class) -> Result<Image<'_>> {
    let header = H::parse(data).map_err(|e| EditError::malformed("ELF header", e.to_string()))?;
    let endian = header
        .endian()
        .map_err(|e| EditError::malformed("ELF header", e.to_string()))?;
    let codec = Codec { class, endian };
    let file_type = header.e_type(endian);
    if file_type != elf::ET_DYN && file_type != elf::ET_EXEC {
        return Err(EditError::Unsupported(format!(
            "file type `{}` (only ET_DYN and ET_EXEC can be edited)",
            file_type.0
        )));
    }
    if header.e_phnum(endian) == elf::PN_XNUM {
        return Err(EditError::Unsupported(
            "extended program header numbering (e_phnum = PN_XNUM)".into(),
        ));
    }
    let raw_segments = header
        .program_headers(endian, data)
        .map_err(|e| EditError::malformed("program header table", e.to_string()))?;
    let segments: Vec<Segment> = raw_segments
        .iter()
        .map(|p| Segment {
            p_type: p.p_type(endian),
            flags: p.p_flags(endian),
            offset: p.p_offset(endian).into(),
            vaddr: p.p_vaddr(endian).into(),
            paddr: p.p_paddr(endian).into(),
            filesz: p.p_filesz(endian).into(),
            memsz: p.p_memsz(endian).into(),
            align: p.p_align(endian).into(),
        })
        .collect();
    let raw_sections = header
        .section_headers(endian, data)
        .map_err(|e| EditError::malformed("section header table", e.to_string()))?;
    let sections: Vec<Section> = raw_sections
        .iter()
        .map(|s| Section {
            name: s.sh_name(endian),
            sh_type: s.sh_type(endian),
            flags: s.sh_flags(endian),
            addr: s.sh_addr(endian).into(),
            offset: s.sh_offset(endian).into(),
            size: s.sh_size(endian).into(),
            link: s.sh_link(endian),
            info: s.sh_info(endian),
            addralign: s.sh_addralign(endian).into(),
            entsize: s.sh_entsize(endian).into(),
        })
        .collect();
    let shstrndx = if sections.is_empty() || header.e_shstrndx(endian) == elf::SHN_UNDEF {
        0
    } else {
        header
            .shstrndx(endian, data)
            .map_err(|e| EditError::malformed("ELF header", e.to_string()))?
    };
    let mut image = Image {
        data,
        codec,
        file_type,
        machine: header.e_machine(endian).0,
        entry: header.e_entry(endian).into(),
        ehsize: u64::from(header.e_ehsize(endian)),
        phoff: header.e_phoff(endian).into(),
        segments,
        shoff: header.e_shoff(endian).into(),
        sections,
        shstrndx,
        dynamic: None,
    };
    validate_segments(&image)?;
    validate_sections(&image)?;
    image.dynamic = read_dynamic(&image)?;
    Ok(image)
}

fn validate_segments(image: &Image<'_>) -> Result<()> {
    let file_len = image.len();
    if image
        .phoff
        .checked_add(image.phdr_table_size())
        .is_none_or(|end| end > file_len)
    {
        return Err(EditError::malformed(
            "program header table",
            format!(
                "e_phoff `{:#x}` puts the table past the end of the file",
                image.phoff
            ),
        ));
    }
    let mut previous_load: Option<(usize, &Segment)> = None;
    for (index, segment) in image.segments.iter().enumerate() {
        let name = segment_type_name(segment.p_type);
        if segment.filesz > 0
            && segment
                .offset
                .checked_add(segment.filesz)
                .is_none_or(|end| end > file_len)
        {
            return Err(EditError::malformed(
                "program header table",
                format!(
                    "segment {index} ({name}) at offset `{:#x}` with size `{:#x}` extends past the end of the file (`{file_len:#x}` bytes)",
                    segment.offset, segment.filesz
                ),
            ));
        }
        if !segment.is_load() {
            continue;
        }
        if segment.filesz > segment.memsz {
            return Err(EditError::malformed(
                "program header table",
                format!("PT_LOAD segment {index} has p_filesz larger than p_memsz"),
            ));
        }
        if segment.vaddr.checked_add(segment.memsz).is_none() {
            return Err(EditError::malformed(
                "program header table",
                format!("PT_LOAD segment {index} wraps around the address space"),
            ));
        }
        if let Some((previous_index, previous)) = previous_load
            && segment.vaddr < previous.memory_end()
        {
            return Err(EditError::malformed(
                "program header table",
                format!(
                    "PT_LOAD segments {previous_index} and {index} overlap or are out of order in memory (`{:#x}`..`{:#x}` and `{:#x}`..`{:#x}`)",
                    previous.vaddr,
                    previous.memory_end(),
                    segment.vaddr,
                    segment.memory_end()
                ),
            ));
        }
        previous_load = Some((index, segment));
    }
    Ok(())
}

fn validate_sections(image: &Image<'_>) -> Result<()> {
    let file_len = image.len();
    let count = image.sections.len();
    if count > 0 && image.shstrndx as usize >= count {
        return Err(EditError::malformed(
            "ELF header",
            format!(
                "e_shstrndx `{}` is not below the section count `{count}`",
                image.shstrndx
            ),
        ));
    }
    for (index, section) in image.sections.iter().enumerate().skip(1) {
        if section.file_size() > 0
            && section
                .offset
                .checked_add(section.size)
                .is_none_or(|end| end > file_len)
        {
            return Err(EditError::malformed(
                "section header table",
                format!(
                    "section {index} at offset `{:#x}` with size `{:#x}` extends past the end of the file (`{file_len:#x}` bytes)",
                    section.offset, section.size
                ),
            ));
        }
        if section.link as usize >= count {
            return Err(EditError::malformed(
                "section header table",
                format!(
                    "section {index} has sh_link `{}` out of range",
                    section.link
                ),
            ));
        }
    }
    Ok(())
}

fn read_dynamic(image: &Image<'_>) -> Result<Option<DynamicTable>> {
    let mut found = image
        .segments
        .iter()
        .enumerate()
        .filter(|(_, s)| s.p_type == elf::PT_DYNAMIC);
    let Some((index, segment)) = found.next() else {
        return Ok(None);
    };
    if found.next().is_some() {
        return Err(EditError::malformed(
            "program header table",
            "more than one PT_DYNAMIC",
        ));
    }
    let entry_size = image.codec.dyn_size();
    let capacity = segment.filesz / entry_size;
    let mapped = image.vaddr_to_offset(segment.vaddr, segment.filesz);
    if mapped != Some(segment.offset) {
        return Err(EditError::malformed(
            "PT_DYNAMIC",
            format!(
                "address `{:#x}` and offset `{:#x}` do not agree with any PT_LOAD",
                segment.vaddr, segment.offset
            ),
        ));
    }
    if image.overlaps_headers(segment.offset, capacity * entry_size) {
        return Err(EditError::malformed(
            "PT_DYNAMIC",
            format!(
                "offset `{:#x}` overlaps the ELF or program headers",
                segment.offset
            ),
        ));
    }
    let table = image
        .bytes(segment.offset, capacity * entry_size)
        .ok_or_else(|| EditError::malformed("PT_DYNAMIC", "extends past the end of the file"))?;
    let mut entries = Vec::new();
    let mut terminated = false;
    for chunk in table.chunks_exact(entry_size as usize) {
        let Some((tag, value)) = image.codec.read_dyn(chunk) else {
            break;
        };
        if tag == elf::DT_NULL {
            terminated = true;
            break;
        }
        entries.push((tag, value));
    }
    if !terminated {
        return Err(EditError::malformed(
            "PT_DYNAMIC",
            format!("no DT_NULL within its `{capacity}` entries"),
        ));
    }
    Ok(Some(DynamicTable {
        segment: index,
        offset: segment.offset,
        vaddr: segment.vaddr,
        capacity,
        entries,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_error(data: &[u8], expected: &str) {
        let err = Image::parse(data).unwrap_err();
        assert_eq!(err.to_string(), expected);
    }

    #[test]
    fn rejects_non_elf_and_truncated_headers() {
        check_error(b"MZ\x90\x00", "not an ELF file (bad magic number)");
        check_error(
            b"\x7fELF",
            "malformed ELF header: truncated before EI_CLASS",
        );
        check_error(b"\x7fELF\x07", "unsupported ELF file: EI_CLASS `7`");
        check_error(
            b"\x7fELF\x02\x01\x01",
            "malformed ELF header: Invalid ELF header size or alignment",
        );
    }
}
