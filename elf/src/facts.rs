//! [`ElfFacts`]: everything the audit, distro and check stages need to know about one ELF file,
//! read lazily through `object` and copied into a small owned summary.
//!
//! The dynamic tags (DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH) are read through PT_DYNAMIC and
//! DT_STRTAB, exactly as the dynamic loader reads them, so they do not depend on section
//! headers. Symbols, symbol versions and notes come from the section headers, as auditwheel
//! reads them. Interpreting the facts (policies, tags, loader search) is not done here.

use object::elf;
use object::read::elf::{Dyn, FileHeader, ProgramHeader, SectionHeader, Sym};
use object::{Endianness as ObjectEndian, read::elf::SectionTable};
use wheelfix_tags::Arch;

use crate::ElfName;

/// Why a byte slice could not be read as an ELF file. Each variant names the structure that was
/// bad, so the message can be acted on without a hex editor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ElfError {
    #[error("not an ELF file (bad magic number)")]
    NotElf,
    #[error("unsupported ELF {field} value {value}")]
    Unsupported { field: &'static str, value: u64 },
    #[error("malformed ELF {structure}: {problem}")]
    Malformed {
        structure: &'static str,
        problem: String,
    },
}

impl ElfError {
    fn malformed(structure: &'static str, problem: impl ToString) -> ElfError {
        ElfError::Malformed {
            structure,
            problem: problem.to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElfClass {
    Elf32,
    Elf64,
}

impl ElfClass {
    pub fn bits(self) -> u8 {
        match self {
            ElfClass::Elf32 => 32,
            ElfClass::Elf64 => 64,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endianness {
    Little,
    Big,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SymbolBinding {
    Global,
    Weak,
    Other(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SymbolKind {
    NoType,
    Object,
    Func,
    Tls,
    Other(u8),
}

/// One entry of `.gnu.version_r`: a library and the version nodes required from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionNeed {
    pub file: ElfName,
    pub versions: Vec<ElfName>,
}

/// An undefined dynamic symbol, with the version it is bound to (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndefinedSymbol {
    pub name: ElfName,
    /// The required version node (`GLIBC_2.17`); `None` for unversioned (Base) references.
    pub version: Option<ElfName>,
    /// The library `.gnu.version_r` says provides `version`.
    pub version_file: Option<ElfName>,
    pub binding: SymbolBinding,
    pub kind: SymbolKind,
}

/// The x86-64 micro-architecture levels of the psABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum X86IsaLevel {
    V2,
    V3,
    V4,
}

impl X86IsaLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            X86IsaLevel::V2 => "x86-64-v2",
            X86IsaLevel::V3 => "x86-64-v3",
            X86IsaLevel::V4 => "x86-64-v4",
        }
    }
}

/// The Python ABI family an extension module's init function belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PythonInit {
    /// `PyInit_<module>`
    Python3,
    /// `init<module>`
    Python2,
    /// `_cffi_pypyinit_<module>`
    CffiPypy,
}

const GNU_PROPERTY_X86_ISA_1_NEEDED: u32 = 0xc000_8002;
const PF_X: u32 = 1;
const EF_ARM_EABIMASK: u32 = 0xff00_0000;
const EF_ARM_EABI_VER5: u32 = 0x0500_0000;
const EF_ARM_ABI_FLOAT_HARD: u32 = 0x0000_0400;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfFacts {
    pub class: ElfClass,
    pub endianness: Endianness,
    pub machine: u16,
    pub osabi: u8,
    pub flags: u32,
    pub file_type: u16,
    /// The wheel architecture this file is for; `None` when it maps to none (see `arch_problem`).
    pub arch: Option<Arch>,
    /// Why `arch` is `None`.
    pub arch_problem: Option<&'static str>,
    /// PT_INTERP, without its NUL terminator.
    pub interpreter: Option<ElfName>,
    /// Whether the file has a PT_DYNAMIC segment at all (static executables do not).
    pub has_dynamic: bool,
    pub soname: Option<ElfName>,
    /// DT_NEEDED entries, in the order the loader processes them.
    pub needed: Vec<ElfName>,
    pub rpath: Option<ElfName>,
    pub runpath: Option<ElfName>,
    pub version_needs: Vec<VersionNeed>,
    /// Version nodes this file defines (`.gnu.version_d`), the base definition excluded.
    pub version_definitions: Vec<ElfName>,
    pub undefined_symbols: Vec<UndefinedSymbol>,
    /// Defined functions named like a module initializer (`PyInit_*`, `init*`,
    /// `_cffi_pypyinit_*`); used with the file name to detect extension modules.
    pub init_functions: Vec<ElfName>,
    /// `p_flags` of PT_GNU_STACK; `None` when the segment is missing.
    pub gnu_stack_flags: Option<u32>,
    /// The raw GNU_PROPERTY_X86_ISA_1_NEEDED bit mask, when the property note is present.
    pub x86_isa_needed: Option<u32>,
}

impl ElfFacts {
    /// Read the facts of the ELF file in `data`.
    pub fn parse(data: &[u8]) -> Result<ElfFacts, ElfError> {
        if !crate::is_elf(data) {
            return Err(ElfError::NotElf);
        }
        match data.get(4).copied().map(elf::FileClass) {
            Some(elf::ELFCLASS32) => parse_generic::<elf::FileHeader32<ObjectEndian>>(data),
            Some(elf::ELFCLASS64) => parse_generic::<elf::FileHeader64<ObjectEndian>>(data),
            Some(other) => Err(ElfError::Unsupported {
                field: "EI_CLASS",
                value: u64::from(other.0),
            }),
            None => Err(ElfError::malformed(
                "file header",
                "truncated before EI_CLASS",
            )),
        }
    }

    /// True when PT_GNU_STACK asks for an executable stack, or is missing on an architecture
    /// whose glibc default (`DEFAULT_STACK_PERMS`) is executable: all but 64-bit PowerPC.
    pub fn has_executable_stack(&self) -> bool {
        if !self.has_dynamic {
            return false;
        }
        match self.gnu_stack_flags {
            Some(flags) => flags & PF_X != 0,
            None => elf::Machine(self.machine) != elf::EM_PPC64,
        }
    }

    /// The highest x86-64 ISA level the GNU property note requires; `Err` carries the bits
    /// that name no known level.
    pub fn x86_isa_level(&self) -> Result<Option<X86IsaLevel>, u32> {
        let Some(mut bits) = self.x86_isa_needed else {
            return Ok(None);
        };
        bits &= !1; // the baseline bit says nothing beyond x86-64
        if bits & 8 != 0 {
            Ok(Some(X86IsaLevel::V4))
        } else if bits & 4 != 0 {
            Ok(Some(X86IsaLevel::V3))
        } else if bits & 2 != 0 {
            Ok(Some(X86IsaLevel::V2))
        } else if bits != 0 {
            Err(bits)
        } else {
            Ok(None)
        }
    }

    /// Whether this is a Python extension module named `module` (the file name up to its first
    /// dot), judged by a defined init function, as CPython's importer does.
    pub fn python_init(&self, module: &str) -> Option<PythonInit> {
        self.init_functions.iter().find_map(|name| {
            let name = name.as_bytes();
            if name.strip_prefix(b"PyInit_") == Some(module.as_bytes()) {
                Some(PythonInit::Python3)
            } else if name.strip_prefix(b"_cffi_pypyinit_") == Some(module.as_bytes()) {
                Some(PythonInit::CffiPypy)
            } else if name.strip_prefix(b"init") == Some(module.as_bytes()) {
                Some(PythonInit::Python2)
            } else {
                None
            }
        })
    }

    /// All version nodes required from `file` (matched by its `.gnu.version_r` name).
    pub fn versions_needed_from(&self, file: &str) -> impl Iterator<Item = &ElfName> {
        self.version_needs
            .iter()
            .filter(move |need| need.file == file)
            .flat_map(|need| &need.versions)
    }
}

fn map_arch(
    class: ElfClass,
    endianness: Endianness,
    machine: u16,
    flags: u32,
) -> (Option<Arch>, Option<&'static str>) {
    use ElfClass::*;
    use Endianness::*;
    let arch = match (elf::Machine(machine), class, endianness) {
        (elf::EM_386, Elf32, Little) => Arch::I686,
        (elf::EM_X86_64, Elf64, Little) => Arch::X86_64,
        (elf::EM_PPC64, Elf64, Little) => Arch::Ppc64le,
        (elf::EM_PPC64, Elf64, Big) => Arch::Ppc64,
        (elf::EM_RISCV, Elf64, Little) => Arch::Riscv64,
        (elf::EM_AARCH64, Elf64, Little) => Arch::Aarch64,
        (elf::EM_S390, Elf64, Big) => Arch::S390x,
        (elf::EM_LOONGARCH, Elf64, Little) => Arch::Loongarch64,
        (elf::EM_ARM, Elf32, Little) => {
            if flags & EF_ARM_EABIMASK != EF_ARM_EABI_VER5 {
                return (
                    None,
                    Some("ARM object is not EABI version 5, so it is not armv7l"),
                );
            }
            if flags & EF_ARM_ABI_FLOAT_HARD == 0 {
                return (
                    None,
                    Some("ARM object is soft-float; armv7l requires the hard-float ABI"),
                );
            }
            Arch::Armv7l
        }
        _ => {
            return (
                None,
                Some("machine, class and byte order match no supported architecture"),
            );
        }
    };
    (Some(arch), None)
}

fn parse_generic<H: FileHeader<Endian = ObjectEndian>>(data: &[u8]) -> Result<ElfFacts, ElfError> {
    let header = H::parse(data).map_err(|e| ElfError::malformed("file header", e))?;
    let endian = header
        .endian()
        .map_err(|e| ElfError::malformed("file header", e))?;
    let class = if header.is_class_64() {
        ElfClass::Elf64
    } else {
        ElfClass::Elf32
    };
    let endianness = if header.is_little_endian() {
        Endianness::Little
    } else {
        Endianness::Big
    };
    let machine = header.e_machine(endian).0;
    let flags = header.e_flags(endian).0;
    let (arch, arch_problem) = map_arch(class, endianness, machine, flags);

    let segments = header
        .program_headers(endian, data)
        .map_err(|e| ElfError::malformed("program header table", e))?;

    let mut facts = ElfFacts {
        class,
        endianness,
        machine,
        osabi: header.e_ident().os_abi.0,
        flags,
        file_type: header.e_type(endian).0,
        arch,
        arch_problem,
        interpreter: None,
        has_dynamic: false,
        soname: None,
        needed: Vec::new(),
        rpath: None,
        runpath: None,
        version_needs: Vec::new(),
        version_definitions: Vec::new(),
        undefined_symbols: Vec::new(),
        init_functions: Vec::new(),
        gnu_stack_flags: None,
        x86_isa_needed: None,
    };

    for segment in segments {
        match segment.p_type(endian) {
            elf::PT_INTERP => {
                let bytes = segment.data(endian, data).map_err(|_| {
                    ElfError::malformed("PT_INTERP", "segment extends past the end of the file")
                })?;
                let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
                facts.interpreter = Some(ElfName::new(&bytes[..end]));
            }
            elf::PT_GNU_STACK => facts.gnu_stack_flags = Some(segment.p_flags(endian).0),
            _ => {}
        }
    }

    if let Some(dynamic) = segments
        .iter()
        .find(|s| s.p_type(endian) == elf::PT_DYNAMIC)
    {
        facts.has_dynamic = true;
        read_dynamic::<H>(&mut facts, endian, data, segments, dynamic)?;
    }

    let sections = header
        .sections(endian, data)
        .map_err(|e| ElfError::malformed("section header table", e))?;
    read_versions_and_symbols::<H>(&mut facts, endian, data, &sections)?;
    if facts.arch == Some(Arch::X86_64) {
        facts.x86_isa_needed = read_x86_isa_needed::<H>(endian, data, &sections)?;
    }
    Ok(facts)
}

/// Translate a virtual address to a file offset through the PT_LOAD segments, as the loader
/// would find it in memory.
fn vaddr_to_offset<H: FileHeader<Endian = ObjectEndian>>(
    endian: ObjectEndian,
    segments: &[H::ProgramHeader],
    vaddr: u64,
) -> Option<u64> {
    segments
        .iter()
        .filter(|s| s.p_type(endian) == elf::PT_LOAD)
        .find_map(|s| {
            let start: u64 = s.p_vaddr(endian).into();
            let filesz: u64 = s.p_filesz(endian).into();
            let offset: u64 = s.p_offset(endian).into();
            let delta = vaddr.checked_sub(start)?;
            (delta < filesz)
                .then(|| offset.checked_add(delta))
                .flatten()
        })
}

fn read_dynamic<H: FileHeader<Endian = ObjectEndian>>(
    facts: &mut ElfFacts,
    endian: ObjectEndian,
    data: &[u8],
    segments: &[H::ProgramHeader],
    dynamic: &H::ProgramHeader,
) -> Result<(), ElfError> {
    let entries = dynamic
        .dynamic(endian, data)
        .map_err(|e| ElfError::malformed("PT_DYNAMIC", e))?
        .unwrap_or_default();
    // Only entries before DT_NULL exist for the loader.
    let end = entries
        .iter()
        .position(|d| d.d_tag(endian) == elf::DT_NULL)
        .unwrap_or(entries.len());
    let entries = &entries[..end];
    let value = |tag: elf::DynamicTag| -> Option<u64> {
        entries
            .iter()
            .find(|d| d.d_tag(endian) == tag)
            .map(|d| d.d_val(endian).into())
    };
    let string_tags = [
        elf::DT_NEEDED,
        elf::DT_SONAME,
        elf::DT_RPATH,
        elf::DT_RUNPATH,
    ];
    if !entries
        .iter()
        .any(|d| string_tags.contains(&d.d_tag(endian)))
    {
        return Ok(());
    }
    let strtab_vaddr = value(elf::DT_STRTAB).ok_or_else(|| {
        ElfError::malformed(
            "dynamic section",
            "DT_NEEDED/DT_SONAME/DT_RPATH present but DT_STRTAB missing",
        )
    })?;
    let strsz = value(elf::DT_STRSZ).ok_or_else(|| {
        ElfError::malformed("dynamic section", "DT_STRTAB present but DT_STRSZ missing")
    })?;
    let strtab_offset = vaddr_to_offset::<H>(endian, segments, strtab_vaddr).ok_or_else(|| {
        ElfError::malformed(
            "dynamic section",
            format!("DT_STRTAB address {strtab_vaddr:#x} is in no PT_LOAD segment"),
        )
    })?;
    let strtab = usize::try_from(strtab_offset)
        .ok()
        .zip(usize::try_from(strsz).ok())
        .and_then(|(start, len)| data.get(start..start.checked_add(len)?))
        .ok_or_else(|| {
            ElfError::malformed(
                "dynamic string table",
                format!("DT_STRTAB at offset {strtab_offset:#x} with DT_STRSZ {strsz:#x} extends past the end of the file"),
            )
        })?;
    let string_at = |tag_name: &'static str, offset: u64| -> Result<ElfName, ElfError> {
        let tail = usize::try_from(offset)
            .ok()
            .and_then(|o| strtab.get(o..))
            .ok_or_else(|| {
                ElfError::malformed(
                    "dynamic section",
                    format!("{tag_name} string offset {offset:#x} is past DT_STRSZ {strsz:#x}"),
                )
            })?;
        let end = tail.iter().position(|&b| b == 0).ok_or_else(|| {
            ElfError::malformed(
                "dynamic section",
                format!("{tag_name} string at {offset:#x} is not NUL-terminated"),
            )
        })?;
        Ok(ElfName::new(&tail[..end]))
    };
    for entry in entries {
        let val: u64 = entry.d_val(endian).into();
        match entry.d_tag(endian) {
            elf::DT_NEEDED => facts.needed.push(string_at("DT_NEEDED", val)?),
            elf::DT_SONAME => facts.soname = Some(string_at("DT_SONAME", val)?),
            elf::DT_RPATH => facts.rpath = Some(string_at("DT_RPATH", val)?),
            elf::DT_RUNPATH => facts.runpath = Some(string_at("DT_RUNPATH", val)?),
            _ => {}
        }
    }
    Ok(())
}

fn read_versions_and_symbols<H: FileHeader<Endian = ObjectEndian>>(
    facts: &mut ElfFacts,
    endian: ObjectEndian,
    data: &[u8],
    sections: &SectionTable<'_, H>,
) -> Result<(), ElfError> {
    if let Some((mut needs, link)) = sections
        .gnu_verneed(endian, data)
        .map_err(|e| ElfError::malformed(".gnu.version_r", e))?
    {
        let strings = sections
            .strings(endian, data, link)
            .map_err(|e| ElfError::malformed(".gnu.version_r", e))?;
        let mut seen_records = 0usize;
        while let Some((need, mut auxes)) = needs
            .next()
            .map_err(|e| ElfError::malformed(".gnu.version_r", e))?
        {
            seen_records += 1;
            if seen_records > 1 << 16 {
                return Err(ElfError::malformed(
                    ".gnu.version_r",
                    "more than 65536 Verneed records (cyclic vn_next?)",
                ));
            }
            let file = need
                .file(endian, strings)
                .map_err(|e| ElfError::malformed(".gnu.version_r vn_file", e))?;
            let mut versions = Vec::new();
            while let Some(aux) = auxes
                .next()
                .map_err(|e| ElfError::malformed(".gnu.version_r Vernaux", e))?
            {
                let name = aux
                    .name(endian, strings)
                    .map_err(|e| ElfError::malformed(".gnu.version_r vna_name", e))?;
                versions.push(ElfName::new(name));
            }
            facts.version_needs.push(VersionNeed {
                file: ElfName::new(file),
                versions,
            });
        }
    }
    if let Some((mut defs, link)) = sections
        .gnu_verdef(endian, data)
        .map_err(|e| ElfError::malformed(".gnu.version_d", e))?
    {
        let strings = sections
            .strings(endian, data, link)
            .map_err(|e| ElfError::malformed(".gnu.version_d", e))?;
        while let Some((def, mut auxes)) = defs
            .next()
            .map_err(|e| ElfError::malformed(".gnu.version_d", e))?
        {
            let is_base = def.vd_flags.get(endian).contains(elf::VER_FLG_BASE);
            let first_aux = auxes
                .next()
                .map_err(|e| ElfError::malformed(".gnu.version_d Verdaux", e))?;
            if let Some(aux) = first_aux.filter(|_| !is_base) {
                let name = aux
                    .name(endian, strings)
                    .map_err(|e| ElfError::malformed(".gnu.version_d vda_name", e))?;
                facts.version_definitions.push(ElfName::new(name));
            }
        }
    }

    let symbols = sections
        .symbols(endian, data, elf::SHT_DYNSYM)
        .map_err(|e| ElfError::malformed(".dynsym", e))?;
    if symbols.is_empty() {
        return Ok(());
    }
    let versions = sections
        .versions(endian, data)
        .map_err(|e| ElfError::malformed(".gnu.version", e))?;
    let strings = symbols.strings();
    for (index, symbol) in symbols.enumerate().skip(1) {
        let name = symbol
            .name(endian, strings)
            .map_err(|e| ElfError::malformed(".dynsym st_name", e))?;
        let kind = match symbol.st_type() {
            elf::STT_NOTYPE => SymbolKind::NoType,
            elf::STT_OBJECT => SymbolKind::Object,
            elf::STT_FUNC => SymbolKind::Func,
            elf::STT_TLS => SymbolKind::Tls,
            other => SymbolKind::Other(other.0),
        };
        if symbol.st_shndx(endian) == elf::SHN_UNDEF {
            let binding = match symbol.st_bind() {
                elf::STB_GLOBAL => SymbolBinding::Global,
                elf::STB_WEAK => SymbolBinding::Weak,
                other => SymbolBinding::Other(other.0),
            };
            let (version, version_file) = match &versions {
                Some(table) => {
                    let index = table.version_index(endian, index).index();
                    match table.version(index) {
                        Ok(Some(v)) => (Some(ElfName::new(v.name())), v.file().map(ElfName::new)),
                        Ok(None) => (None, None),
                        Err(e) => {
                            return Err(ElfError::malformed(
                                ".gnu.version",
                                format!("symbol {}: {e}", ElfName::new(name)),
                            ));
                        }
                    }
                }
                None => (None, None),
            };
            facts.undefined_symbols.push(UndefinedSymbol {
                name: ElfName::new(name),
                version,
                version_file,
                binding,
                kind,
            });
        } else if kind == SymbolKind::Func
            && (name.starts_with(b"PyInit_")
                || name.starts_with(b"init")
                || name.starts_with(b"_cffi_pypyinit_"))
        {
            facts.init_functions.push(ElfName::new(name));
        }
    }
    Ok(())
}

fn read_x86_isa_needed<H: FileHeader<Endian = ObjectEndian>>(
    endian: ObjectEndian,
    data: &[u8],
    sections: &SectionTable<'_, H>,
) -> Result<Option<u32>, ElfError> {
    let mut found = None;
    for section in sections.iter() {
        let Some(mut notes) = section
            .notes(endian, data)
            .map_err(|e| ElfError::malformed("note section", e))?
        else {
            continue;
        };
        while let Some(note) = notes
            .next()
            .map_err(|e| ElfError::malformed("note section", e))?
        {
            let Some(mut properties) = note.gnu_properties(endian) else {
                continue;
            };
            while let Some(property) = properties
                .next()
                .map_err(|e| ElfError::malformed("NT_GNU_PROPERTY_TYPE_0 note", e))?
            {
                if property.pr_type().0 == GNU_PROPERTY_X86_ISA_1_NEEDED
                    && property.pr_data().len() == 4
                {
                    let bits = property
                        .data_u32(endian)
                        .map_err(|e| ElfError::malformed("GNU_PROPERTY_X86_ISA_1_NEEDED", e))?;
                    found = Some(found.unwrap_or(0) | bits);
                }
            }
        }
    }
    Ok(found)
}
