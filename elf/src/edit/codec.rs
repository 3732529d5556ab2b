//! [`Codec`]: reads and writes the fixed-size ELF records (program and section headers, dynamic
//! entries, symbols, version records) for one class and byte order, through `object`'s raw
//! structs.
//!
//! The rest of the editor works on owned, class-independent values ([`Segment`], [`Section`],
//! `u64` offsets); only this file knows field layouts. Writes never grow or shrink a buffer: a
//! destination too short for the record, or a value too wide for an ELF32 field, is an error,
//! never a panic. Deciding *what* to write is not done here.

use object::Endianness;
use object::elf::{self, DynamicTag, SymbolSection};
use object::pod::{self, Pod};

use super::error::{EditError, Result};
use super::image::{Section, Segment};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Elf32,
    Elf64,
}

/// Class and byte order of one file: everything needed to encode or decode its records.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Codec {
    pub(crate) class: Class,
    pub(crate) endian: Endianness,
}

/// The header fields the editor rewrites; the rest of the ELF header is kept byte for byte.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeaderFields {
    pub(crate) phoff: u64,
    pub(crate) phnum: u16,
    pub(crate) shoff: u64,
    pub(crate) shnum: u16,
    pub(crate) shstrndx: u16,
}

/// A `Verneed` record as stored (the same layout in both classes).
#[derive(Debug, Clone, Copy)]
pub(crate) struct VerneedRecord {
    pub(crate) version: u16,
    pub(crate) count: u16,
    pub(crate) file: u32,
    pub(crate) aux: u32,
    pub(crate) next: u32,
}

/// A `Vernaux` record as stored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VernauxRecord {
    pub(crate) other: u16,
    pub(crate) name: u32,
    pub(crate) next: u32,
}

/// A `Verdef` record as stored, reduced to what the editor reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VerdefRecord {
    pub(crate) version: u16,
    pub(crate) count: u16,
    pub(crate) aux: u32,
    pub(crate) next: u32,
}

/// A `Verdaux` record as stored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VerdauxRecord {
    pub(crate) name: u32,
    pub(crate) next: u32,
}

pub(crate) const VERNEED_SIZE: u64 = 16;
pub(crate) const VERNAUX_SIZE: u64 = 16;
pub(crate) const VERDEF_SIZE: u64 = 20;
pub(crate) const VERDAUX_SIZE: u64 = 8;

type E = Endianness;

fn read<T: Pod>(bytes: &[u8]) -> Option<&T> {
    pod::from_bytes::<T>(bytes).ok().map(|(value, _)| value)
}

fn slot<'a, T: Pod>(dst: &'a mut [u8], what: &'static str) -> Result<&'a mut T> {
    pod::from_bytes_mut::<T>(dst)
        .map(|(value, _)| value)
        .map_err(|_| EditError::Layout(format!("no room to write {what}")))
}

fn narrow(value: u64, field: &'static str) -> Result<u32> {
    u32::try_from(value)
        .map_err(|_| EditError::Layout(format!("{field} `{value:#x}` does not fit an ELF32 field")))
}

impl Codec {
    pub(crate) fn is_64(self) -> bool {
        self.class == Class::Elf64
    }

    pub(crate) fn word_size(self) -> u64 {
        if self.is_64() { 8 } else { 4 }
    }

    pub(crate) fn phdr_size(self) -> u64 {
        if self.is_64() { 56 } else { 32 }
    }

    pub(crate) fn shdr_size(self) -> u64 {
        if self.is_64() { 64 } else { 40 }
    }

    pub(crate) fn dyn_size(self) -> u64 {
        if self.is_64() { 16 } else { 8 }
    }

    pub(crate) fn sym_size(self) -> u64 {
        if self.is_64() { 24 } else { 16 }
    }

    /// The largest offset or address this class can store.
    pub(crate) fn max_word(self) -> u64 {
        if self.is_64() {
            u64::MAX
        } else {
            u64::from(u32::MAX)
        }
    }

    pub(crate) fn write_header_fields(self, dst: &mut [u8], fields: &HeaderFields) -> Result<()> {
        let e = self.endian;
        match self.class {
            Class::Elf64 => {
                let header = slot::<elf::FileHeader64<E>>(dst, "the ELF header")?;
                header.e_phoff.set(e, fields.phoff);
                header.e_phnum.set(e, fields.phnum);
                header.e_shoff.set(e, fields.shoff);
                header.e_shnum.set(e, fields.shnum);
                header.e_shstrndx.set(e, SymbolSection(fields.shstrndx));
            }
            Class::Elf32 => {
                let header = slot::<elf::FileHeader32<E>>(dst, "the ELF header")?;
                header.e_phoff.set(e, narrow(fields.phoff, "e_phoff")?);
                header.e_phnum.set(e, fields.phnum);
                header.e_shoff.set(e, narrow(fields.shoff, "e_shoff")?);
                header.e_shnum.set(e, fields.shnum);
                header.e_shstrndx.set(e, SymbolSection(fields.shstrndx));
            }
        }
        Ok(())
    }

    pub(crate) fn write_segment(self, dst: &mut [u8], segment: &Segment) -> Result<()> {
        let e = self.endian;
        match self.class {
            Class::Elf64 => {
                *slot::<elf::ProgramHeader64<E>>(dst, "a program header")? = elf::ProgramHeader64 {
                    p_type: object::U32::new(e, segment.p_type),
                    p_flags: object::U32::new(e, segment.flags),
                    p_offset: object::U64::new(e, segment.offset),
                    p_vaddr: object::U64::new(e, segment.vaddr),
                    p_paddr: object::U64::new(e, segment.paddr),
                    p_filesz: object::U64::new(e, segment.filesz),
                    p_memsz: object::U64::new(e, segment.memsz),
                    p_align: object::U64::new(e, segment.align),
                };
            }
            Class::Elf32 => {
                let header = elf::ProgramHeader32 {
                    p_type: object::U32::new(e, segment.p_type),
                    p_offset: object::U32::new(e, narrow(segment.offset, "p_offset")?),
                    p_vaddr: object::U32::new(e, narrow(segment.vaddr, "p_vaddr")?),
                    p_paddr: object::U32::new(e, narrow(segment.paddr, "p_paddr")?),
                    p_filesz: object::U32::new(e, narrow(segment.filesz, "p_filesz")?),
                    p_memsz: object::U32::new(e, narrow(segment.memsz, "p_memsz")?),
                    p_flags: object::U32::new(e, segment.flags),
                    p_align: object::U32::new(e, narrow(segment.align, "p_align")?),
                };
                *slot::<elf::ProgramHeader32<E>>(dst, "a program header")? = header;
            }
        }
        Ok(())
    }

    pub(crate) fn write_section(self, dst: &mut [u8], section: &Section) -> Result<()> {
        let e = self.endian;
        match self.class {
            Class::Elf64 => {
                *slot::<elf::SectionHeader64<E>>(dst, "a section header")? = elf::SectionHeader64 {
                    sh_name: object::U32::new(e, section.name),
                    sh_type: object::U32::new(e, section.sh_type),
                    sh_flags: object::U64::new(e, section.flags),
                    sh_addr: object::U64::new(e, section.addr),
                    sh_offset: object::U64::new(e, section.offset),
                    sh_size: object::U64::new(e, section.size),
                    sh_link: object::U32::new(e, section.link),
                    sh_info: object::U32::new(e, section.info),
                    sh_addralign: object::U64::new(e, section.addralign),
                    sh_entsize: object::U64::new(e, section.entsize),
                };
            }
            Class::Elf32 => {
                let header = elf::SectionHeader32 {
                    sh_name: object::U32::new(e, section.name),
                    sh_type: object::U32::new(e, section.sh_type),
                    sh_flags: object::U32::new_u64(e, section.flags).map_err(|_| {
                        EditError::Layout(format!(
                            "sh_flags `{:#x}` does not fit an ELF32 field",
                            section.flags.0
                        ))
                    })?,
                    sh_addr: object::U32::new(e, narrow(section.addr, "sh_addr")?),
                    sh_offset: object::U32::new(e, narrow(section.offset, "sh_offset")?),
                    sh_size: object::U32::new(e, narrow(section.size, "sh_size")?),
                    sh_link: object::U32::new(e, section.link),
                    sh_info: object::U32::new(e, section.info),
                    sh_addralign: object::U32::new(e, narrow(section.addralign, "sh_addralign")?),
                    sh_entsize: object::U32::new(e, narrow(section.entsize, "sh_entsize")?),
                };
                *slot::<elf::SectionHeader32<E>>(dst, "a section header")? = header;
            }
        }
        Ok(())
    }

    pub(crate) fn read_dyn(self, bytes: &[u8]) -> Option<(DynamicTag, u64)> {
        let e = self.endian;
        match self.class {
            Class::Elf64 => read::<elf::Dyn64<E>>(bytes).map(|d| (d.d_tag.get(e), d.d_val.get(e))),
            Class::Elf32 => read::<elf::Dyn32<E>>(bytes)
                .map(|d| (d.d_tag.get_i64(e), u64::from(d.d_val.get(e)))),
        }
    }

    pub(crate) fn write_dyn(self, dst: &mut [u8], tag: DynamicTag, value: u64) -> Result<()> {
        let e = self.endian;
        match self.class {
            Class::Elf64 => {
                *slot::<elf::Dyn64<E>>(dst, "a dynamic entry")? = elf::Dyn64 {
                    d_tag: object::I64::new(e, tag),
                    d_val: object::U64::new(e, value),
                };
            }
            Class::Elf32 => {
                let d_tag = object::I32::new_i64(e, tag).map_err(|_| {
                    EditError::Layout(format!(
                        "dynamic tag `{:#x}` does not fit an ELF32 field",
                        tag.0
                    ))
                })?;
                *slot::<elf::Dyn32<E>>(dst, "a dynamic entry")? = elf::Dyn32 {
                    d_tag,
                    d_val: object::U32::new(e, narrow(value, "d_val")?),
                };
            }
        }
        Ok(())
    }

    /// `st_name` and `st_shndx` of the symbol at the start of `bytes`.
    pub(crate) fn read_symbol(self, bytes: &[u8]) -> Option<(u32, u16)> {
        let e = self.endian;
        match self.class {
            Class::Elf64 => {
                read::<elf::Sym64<E>>(bytes).map(|s| (s.st_name.get(e), s.st_shndx.get(e).0))
            }
            Class::Elf32 => {
                read::<elf::Sym32<E>>(bytes).map(|s| (s.st_name.get(e), s.st_shndx.get(e).0))
            }
        }
    }

    pub(crate) fn write_symbol_shndx(self, dst: &mut [u8], shndx: u16) -> Result<()> {
        let e = self.endian;
        match self.class {
            Class::Elf64 => slot::<elf::Sym64<E>>(dst, "a symbol")?
                .st_shndx
                .set(e, SymbolSection(shndx)),
            Class::Elf32 => slot::<elf::Sym32<E>>(dst, "a symbol")?
                .st_shndx
                .set(e, SymbolSection(shndx)),
        }
        Ok(())
    }

    pub(crate) fn read_u16(self, bytes: &[u8]) -> Option<u16> {
        read::<object::U16<E>>(bytes).map(|v| v.get(self.endian))
    }

    pub(crate) fn read_u32(self, bytes: &[u8]) -> Option<u32> {
        read::<object::U32<E>>(bytes).map(|v| v.get(self.endian))
    }

    pub(crate) fn write_u32(self, dst: &mut [u8], value: u32) -> Result<()> {
        slot::<object::U32<E>>(dst, "a 32-bit word")?.set(self.endian, value);
        Ok(())
    }

    pub(crate) fn read_verneed(self, bytes: &[u8]) -> Option<VerneedRecord> {
        let e = self.endian;
        read::<elf::Verneed<E>>(bytes).map(|v| VerneedRecord {
            version: v.vn_version.get(e),
            count: v.vn_cnt.get(e),
            file: v.vn_file.get(e),
            aux: v.vn_aux.get(e),
            next: v.vn_next.get(e),
        })
    }

    pub(crate) fn write_verneed_file(self, dst: &mut [u8], file: u32) -> Result<()> {
        slot::<elf::Verneed<E>>(dst, "a Verneed record")?
            .vn_file
            .set(self.endian, file);
        Ok(())
    }

    pub(crate) fn write_verneed_next(self, dst: &mut [u8], next: u32) -> Result<()> {
        slot::<elf::Verneed<E>>(dst, "a Verneed record")?
            .vn_next
            .set(self.endian, next);
        Ok(())
    }

    pub(crate) fn read_vernaux(self, bytes: &[u8]) -> Option<VernauxRecord> {
        let e = self.endian;
        read::<elf::Vernaux<E>>(bytes).map(|v| VernauxRecord {
            other: v.vna_other.get(e).0,
            name: v.vna_name.get(e),
            next: v.vna_next.get(e),
        })
    }

    pub(crate) fn read_verdef(self, bytes: &[u8]) -> Option<VerdefRecord> {
        let e = self.endian;
        read::<elf::Verdef<E>>(bytes).map(|v| VerdefRecord {
            version: v.vd_version.get(e),
            count: v.vd_cnt.get(e),
            aux: v.vd_aux.get(e),
            next: v.vd_next.get(e),
        })
    }

    pub(crate) fn read_verdaux(self, bytes: &[u8]) -> Option<VerdauxRecord> {
        let e = self.endian;
        read::<elf::Verdaux<E>>(bytes).map(|v| VerdauxRecord {
            name: v.vda_name.get(e),
            next: v.vda_next.get(e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_dyn_round_trip(codec: Codec, tag: DynamicTag, value: u64) {
        let mut buffer = vec![0u8; codec.dyn_size() as usize];
        codec.write_dyn(&mut buffer, tag, value).unwrap();
        assert_eq!(codec.read_dyn(&buffer), Some((tag, value)));
    }

    const CODECS: [Codec; 4] = [
        Codec {
            class: Class::Elf32,
            endian: Endianness::Little,
        },
        Codec {
            class: Class::Elf32,
            endian: Endianness::Big,
        },
        Codec {
            class: Class::Elf64,
            endian: Endianness::Little,
        },
        Codec {
            class: Class::Elf64,
            endian: Endianness::Big,
        },
    ];

    #[test]
    fn dynamic_entries_round_trip_in_every_class_and_byte_order() {
        for codec in CODECS {
            check_dyn_round_trip(codec, elf::DT_NEEDED, 0x1234);
            check_dyn_round_trip(codec, elf::DT_VERNEEDNUM, 3);
            check_dyn_round_trip(codec, elf::DT_NULL, 0);
        }
    }

    #[test]
    fn elf32_refuses_values_above_4_gib_instead_of_truncating() {
        let codec = CODECS[0];
        let mut buffer = vec![0u8; 8];
        let err = codec
            .write_dyn(&mut buffer, elf::DT_STRTAB, 1 << 32)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot lay out the edited file: d_val `0x100000000` does not fit an ELF32 field"
        );
    }

    #[test]
    fn short_destination_is_an_error_not_a_panic() {
        for codec in CODECS {
            let mut buffer = vec![0u8; 3];
            assert!(codec.write_dyn(&mut buffer, elf::DT_NULL, 0).is_err());
            assert!(codec.write_symbol_shndx(&mut buffer, 1).is_err());
            assert!(codec.read_dyn(&buffer).is_none());
        }
    }
}
