//! [`inspect`]: the structures the editor works on (program headers, dynamic entries with their
//! strings, version needs, section headers), as an owned summary for `wheelfix elf show` and
//! for tests.
//!
//! It reads exactly what the editor reads, through the same validation, so a file that
//! `inspect` accepts is one `apply` can reason about. Rendering is the caller's job.

use object::elf::{self, DynamicTag};

use super::codec::Class;
use super::error::Result;
use super::image::{Image, segment_type_name};
use super::layout::abi_page_size;
use super::plan::is_string_tag;
use super::versions::{read_needs, string_at};
use crate::ElfName;
use crate::facts::{ElfClass, Endianness};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfSummary {
    pub class: ElfClass,
    pub endianness: Endianness,
    pub machine: u16,
    pub file_type: u16,
    /// The alignment new segments get on this machine.
    pub abi_page_size: u64,
    pub program_headers: Vec<ProgramHeaderSummary>,
    pub dynamic: Vec<DynamicEntrySummary>,
    /// How many entries (DT_NULL included) PT_DYNAMIC has room for.
    pub dynamic_capacity: u64,
    pub version_needs: Vec<VersionNeedSummary>,
    pub sections: Vec<SectionSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramHeaderSummary {
    /// `PT_LOAD`, `PT_DYNAMIC`, ... or the hexadecimal value.
    pub kind: String,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
    pub memsz: u64,
    pub align: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamicEntrySummary {
    pub tag: i64,
    /// `DT_NEEDED`, `DT_SONAME`, ... or the hexadecimal value.
    pub name: String,
    pub value: u64,
    /// The string for tags whose value is a DT_STRTAB offset.
    pub string: Option<ElfName>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionNeedSummary {
    pub file: ElfName,
    /// Version names and their `.gnu.version` indices.
    pub versions: Vec<(ElfName, u16)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionSummary {
    pub name: ElfName,
    pub sh_type: u32,
    pub flags: u64,
    pub addr: u64,
    pub offset: u64,
    pub size: u64,
}

/// Read the structures of the ELF file in `input` that the editor works on.
pub fn inspect(input: &[u8]) -> Result<ElfSummary, super::EditError> {
    let image = Image::parse(input)?;
    let table = match image.string_table()? {
        Some(location) => image
            .bytes(location.offset, location.size)
            .unwrap_or_default(),
        None => &[],
    };
    let dynamic = image
        .dynamic
        .as_ref()
        .map(|d| {
            d.entries
                .iter()
                .map(|&(tag, value)| DynamicEntrySummary {
                    tag: tag.0,
                    name: dynamic_tag_name(tag),
                    value,
                    string: is_string_tag(tag)
                        .then(|| string_at(table, value).map(ElfName::new))
                        .flatten(),
                })
                .collect()
        })
        .unwrap_or_default();
    let name_of = |offset: u32| ElfName::new(string_at(table, u64::from(offset)).unwrap_or(b"?"));
    let version_needs = read_needs(&image)?
        .into_iter()
        .map(|record| VersionNeedSummary {
            file: name_of(record.file),
            versions: record
                .versions
                .iter()
                .map(|v| (name_of(v.name), v.index))
                .collect(),
        })
        .collect();
    Ok(ElfSummary {
        class: match image.codec.class {
            Class::Elf32 => ElfClass::Elf32,
            Class::Elf64 => ElfClass::Elf64,
        },
        endianness: match image.codec.endian {
            object::Endianness::Little => Endianness::Little,
            object::Endianness::Big => Endianness::Big,
        },
        machine: image.machine,
        file_type: image.file_type.0,
        abi_page_size: abi_page_size(image.machine),
        program_headers: image
            .segments
            .iter()
            .map(|s| ProgramHeaderSummary {
                kind: segment_type_name(s.p_type),
                flags: s.flags.0,
                offset: s.offset,
                vaddr: s.vaddr,
                filesz: s.filesz,
                memsz: s.memsz,
                align: s.align,
            })
            .collect(),
        dynamic,
        dynamic_capacity: image.dynamic.as_ref().map_or(0, |d| d.capacity),
        version_needs,
        sections: image
            .sections
            .iter()
            .enumerate()
            .map(|(index, s)| SectionSummary {
                name: ElfName::new(image.section_name(index).unwrap_or_default()),
                sh_type: s.sh_type.0,
                flags: s.flags.0,
                addr: s.addr,
                offset: s.offset,
                size: s.size,
            })
            .collect(),
    })
}

/// The conventional name of a dynamic tag.
pub fn dynamic_tag_name(tag: DynamicTag) -> String {
    let name = match tag {
        elf::DT_NULL => "DT_NULL",
        elf::DT_NEEDED => "DT_NEEDED",
        elf::DT_PLTRELSZ => "DT_PLTRELSZ",
        elf::DT_PLTGOT => "DT_PLTGOT",
        elf::DT_HASH => "DT_HASH",
        elf::DT_STRTAB => "DT_STRTAB",
        elf::DT_SYMTAB => "DT_SYMTAB",
        elf::DT_RELA => "DT_RELA",
        elf::DT_RELASZ => "DT_RELASZ",
        elf::DT_RELAENT => "DT_RELAENT",
        elf::DT_STRSZ => "DT_STRSZ",
        elf::DT_SYMENT => "DT_SYMENT",
        elf::DT_INIT => "DT_INIT",
        elf::DT_FINI => "DT_FINI",
        elf::DT_SONAME => "DT_SONAME",
        elf::DT_RPATH => "DT_RPATH",
        elf::DT_SYMBOLIC => "DT_SYMBOLIC",
        elf::DT_REL => "DT_REL",
        elf::DT_RELSZ => "DT_RELSZ",
        elf::DT_RELENT => "DT_RELENT",
        elf::DT_PLTREL => "DT_PLTREL",
        elf::DT_DEBUG => "DT_DEBUG",
        elf::DT_TEXTREL => "DT_TEXTREL",
        elf::DT_JMPREL => "DT_JMPREL",
        elf::DT_BIND_NOW => "DT_BIND_NOW",
        elf::DT_INIT_ARRAY => "DT_INIT_ARRAY",
        elf::DT_FINI_ARRAY => "DT_FINI_ARRAY",
        elf::DT_INIT_ARRAYSZ => "DT_INIT_ARRAYSZ",
        elf::DT_FINI_ARRAYSZ => "DT_FINI_ARRAYSZ",
        elf::DT_RUNPATH => "DT_RUNPATH",
        elf::DT_FLAGS => "DT_FLAGS",
        elf::DT_PREINIT_ARRAY => "DT_PREINIT_ARRAY",
        elf::DT_PREINIT_ARRAYSZ => "DT_PREINIT_ARRAYSZ",
        elf::DT_RELRSZ => "DT_RELRSZ",
        elf::DT_RELR => "DT_RELR",
        elf::DT_RELRENT => "DT_RELRENT",
        elf::DT_GNU_HASH => "DT_GNU_HASH",
        elf::DT_VERSYM => "DT_VERSYM",
        elf::DT_RELACOUNT => "DT_RELACOUNT",
        elf::DT_RELCOUNT => "DT_RELCOUNT",
        elf::DT_FLAGS_1 => "DT_FLAGS_1",
        elf::DT_VERDEF => "DT_VERDEF",
        elf::DT_VERDEFNUM => "DT_VERDEFNUM",
        elf::DT_VERNEED => "DT_VERNEED",
        elf::DT_VERNEEDNUM => "DT_VERNEEDNUM",
        elf::DT_AUXILIARY => "DT_AUXILIARY",
        elf::DT_FILTER => "DT_FILTER",
        _ => return format!("{:#x}", tag.0),
    };
    name.to_owned()
}
