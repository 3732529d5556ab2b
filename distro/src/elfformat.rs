//! [`ElfFormat`]: the part of an ELF header that decides whether a library can be loaded by a
//! given object (class, byte order, machine, ABI flags), compared the way dpkg-shlibdeps
//! compares candidate libraries.
//!
//! dpkg reads the first 64 bytes, folds obsolete machine numbers into current ones and keeps
//! only the ABI-relevant `e_flags` bits of a few machines. `EI_OSABI` is deliberately not part
//! of the format: glibc's libraries are `ELFOSABI_GNU` while ordinary objects are
//! `ELFOSABI_NONE`, and they load each other fine.

use std::fmt;

use wheelfix_elf::{ElfClass, ElfFacts, Endianness};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ElfFormat {
    pub class: ElfClass,
    pub endianness: Endianness,
    pub machine: u16,
    pub flags: u32,
}

const EM_SPARC: u16 = 2;
const EM_MIPS: u16 = 8;
const EM_SPARC64_OLD: u16 = 11;
const EM_SPARC32PLUS: u16 = 18;
const EM_PPC64: u16 = 21;
const EM_S390: u16 = 22;
const EM_ALPHA_OLD: u16 = 41;
const EM_SPARC64: u16 = 43;
const EM_IA64: u16 = 50;
const EM_AVR: u16 = 83;
const EM_M32R: u16 = 88;
const EM_MN10300: u16 = 89;
const EM_MN10200: u16 = 90;
const EM_OR1K: u16 = 92;
const EM_XTENSA: u16 = 94;
const EM_MICROBLAZE: u16 = 189;
const EM_LOONGARCH: u16 = 258;

/// Obsolete or vendor machine numbers and the machine they stand for.
const MACHINE_ALIASES: [(u16, u16); 11] = [
    (EM_ALPHA_OLD, 0x9026),
    (0x1057, EM_AVR),
    (0x9041, EM_M32R),
    (0xbaab, EM_MICROBLAZE),
    (0xdead, EM_MN10200),
    (0xbeef, EM_MN10300),
    (0x8472, EM_OR1K),
    (0xa390, EM_S390),
    (EM_SPARC32PLUS, EM_SPARC),
    (EM_SPARC64_OLD, EM_SPARC64),
    (0xabc7, EM_XTENSA),
];

impl ElfFormat {
    fn normalized(class: ElfClass, endianness: Endianness, machine: u16, flags: u32) -> ElfFormat {
        let machine = MACHINE_ALIASES
            .iter()
            .find(|(old, _)| *old == machine)
            .map_or(machine, |(_, new)| *new);
        let mask = match machine {
            EM_IA64 => 0x10,
            EM_LOONGARCH => 0x7,
            EM_MIPS => 0xf000 | 0x20,
            EM_PPC64 => 0x3,
            _ => 0,
        };
        ElfFormat {
            class,
            endianness,
            machine,
            flags: flags & mask,
        }
    }

    /// The format of an already parsed ELF file.
    pub fn of(facts: &ElfFacts) -> ElfFormat {
        ElfFormat::normalized(facts.class, facts.endianness, facts.machine, facts.flags)
    }

    /// The format from the first bytes of a file; `None` when it is not an ELF file dpkg
    /// would recognise (shorter than 64 bytes, bad magic, class, byte order or version).
    pub fn from_header(header: &[u8]) -> Option<ElfFormat> {
        let header = header.get(..64)?;
        if !header.starts_with(b"\x7fELF") || header[6] != 1 {
            return None;
        }
        let class = match header[4] {
            1 => ElfClass::Elf32,
            2 => ElfClass::Elf64,
            _ => return None,
        };
        let endianness = match header[5] {
            1 => Endianness::Little,
            2 => Endianness::Big,
            _ => return None,
        };
        let u16_at = |at: usize| {
            let bytes = [header[at], header[at + 1]];
            match endianness {
                Endianness::Little => u16::from_le_bytes(bytes),
                Endianness::Big => u16::from_be_bytes(bytes),
            }
        };
        let u32_at = |at: usize| {
            let bytes = [header[at], header[at + 1], header[at + 2], header[at + 3]];
            match endianness {
                Endianness::Little => u32::from_le_bytes(bytes),
                Endianness::Big => u32::from_be_bytes(bytes),
            }
        };
        // e_flags follows e_entry, e_phoff and e_shoff, three words after e_version.
        let flags_at = match class {
            ElfClass::Elf32 => 36,
            ElfClass::Elf64 => 48,
        };
        Some(ElfFormat::normalized(
            class,
            endianness,
            u16_at(18),
            u32_at(flags_at),
        ))
    }
}

impl fmt::Display for ElfFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let endian = match self.endianness {
            Endianness::Little => "LSB",
            Endianness::Big => "MSB",
        };
        write!(
            f,
            "ELF{} {endian} machine {}",
            self.class.bits(),
            self.machine
        )?;
        if self.flags != 0 {
            write!(f, " flags {:#x}", self.flags)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(class: u8, data: u8, machine: u16, flags: u32) -> Vec<u8> {
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = class;
        h[5] = data;
        h[6] = 1;
        h[7] = 3; // ELFOSABI_GNU: ignored
        let le = data == 1;
        let m = if le {
            machine.to_le_bytes()
        } else {
            machine.to_be_bytes()
        };
        h[18..20].copy_from_slice(&m);
        let at = if class == 1 { 36 } else { 48 };
        let f = if le {
            flags.to_le_bytes()
        } else {
            flags.to_be_bytes()
        };
        h[at..at + 4].copy_from_slice(&f);
        h
    }

    #[track_caller]
    fn check(bytes: &[u8], expect: &str) {
        let got = ElfFormat::from_header(bytes).map_or("none".to_owned(), |f| f.to_string());
        assert_eq!(got, expect);
    }

    #[test]
    fn headers() {
        check(&header(2, 1, 62, 0), "ELF64 LSB machine 62");
        check(&header(2, 1, 62, 0xffff), "ELF64 LSB machine 62");
        check(&header(2, 2, EM_PPC64, 2), "ELF64 MSB machine 21 flags 0x2");
        check(&header(1, 1, EM_SPARC32PLUS, 0), "ELF32 LSB machine 2");
        check(&header(2, 2, 0xa390, 0), "ELF64 MSB machine 22");
        check(&header(3, 1, 62, 0), "none");
        check(&header(2, 1, 62, 0)[..63], "none");
        check(
            b"not an elf file at all, but long enough to be read as a header....",
            "none",
        );
    }
}
