//! Turning command-line paths into wheel files and their bytes: directory expansion and
//! memory mapping. Nothing here parses a wheel.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Expand `WHEEL|DIR` arguments: files are kept as given, directories contribute their
/// `*.whl` files, sorted.
pub(crate) fn expand_wheels(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut wheels = Vec::new();
    for input in inputs {
        let metadata = std::fs::metadata(input)
            .with_context(|| format!("{}: cannot access", input.display()))?;
        if metadata.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)
                .with_context(|| format!("{}: cannot list directory", input.display()))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|path| path.extension().is_some_and(|ext| ext == "whl") && path.is_file())
                .collect();
            found.sort();
            if found.is_empty() {
                bail!("{}: no `.whl` files in this directory", input.display());
            }
            wheels.extend(found);
        } else {
            wheels.push(input.clone());
        }
    }
    Ok(wheels)
}

/// The bytes of a file: memory-mapped, or read when mapping is impossible (pipes, empty files).
pub(crate) enum FileBytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(map) => map,
            FileBytes::Read(bytes) => bytes,
        }
    }
}

pub(crate) fn read_file(path: &Path) -> std::io::Result<FileBytes> {
    let file = File::open(path)?;
    let metadata = file.metadata()?;
    if metadata.is_file() && metadata.len() > 0 {
        // The input is treated as untrusted bytes either way; mapping only avoids a copy.
        #[allow(unsafe_code)]
        if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
            return Ok(FileBytes::Mapped(map));
        }
    }
    std::fs::read(path).map(FileBytes::Read)
}

/// Make `wheel` drop the pages of its memory map it is done with, so resident memory stays
/// bounded on multi-gigabyte wheels. A no-op for bytes that were read into memory.
pub(crate) fn release_pages_when_done<'a>(
    wheel: &mut wheelfix_wheel::Wheel<'a>,
    bytes: &'a FileBytes,
) {
    if let FileBytes::Mapped(map) = bytes {
        wheel.set_release_hook(Box::new(move |offset, len| {
            // MADV_DONTNEED on a read-only file mapping only drops clean pages: a later read
            // faults them in again from the file. No Rust reference observes the difference.
            #[allow(unsafe_code)]
            let _ = unsafe {
                map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, offset, len)
            };
        }));
    }
}

/// The base name of a path, as text.
pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
