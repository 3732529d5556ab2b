//! Wheel container I/O: reading a wheel from its bytes without extracting it, the text files in
//! `.dist-info/`, and writing zip archives deterministically and atomically.
//!
//! This crate decides nothing about policies and parses no ELF; it only knows the wheel format
//! (PEP 427/491) and the zip format. Reading is pure over `&[u8]`; the only file it writes is
//! through [`AtomicFile`].

mod atomic;
mod inflate;
pub mod metadata;
mod wheel;
pub mod write;
pub mod zip;

pub use atomic::AtomicFile;
pub use inflate::ChunkPool;
pub use metadata::{HeaderFile, RecordEntry, TextError};
pub use wheel::{InstallScheme, Member, Wheel, WheelError};
pub use zip::{ZipArchive, ZipEntry, ZipError};
