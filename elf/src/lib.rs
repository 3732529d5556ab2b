//! ELF files as wheelfix sees them: a read side ([`facts`]) that turns bytes into a small owned
//! summary, and an edit side ([`edit`]) that rewrites SONAME, DT_NEEDED and RPATH/RUNPATH.
//!
//! Everything here works on byte slices. This crate does no file I/O, knows nothing about
//! wheels, policies or platform tags beyond the architecture names, and never panics on input.

pub mod edit;
pub mod facts;
mod name;

pub use facts::{
    ElfClass, ElfError, ElfFacts, Endianness, SymbolBinding, UndefinedSymbol, VersionNeed,
};
pub use name::ElfName;

/// True when `bytes` starts with the ELF magic number.
pub fn is_elf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
}
