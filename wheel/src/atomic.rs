//! [`AtomicFile`]: the one way wheelfix writes an output file. Bytes go to a temporary file in
//! the destination directory, which is renamed over the destination only on
//! [`AtomicFile::commit`]; dropping it without committing removes the temporary file, so an
//! error never leaves a partial output behind.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub struct AtomicFile {
    destination: PathBuf,
    temporary: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    pub fn create(destination: &Path) -> io::Result<AtomicFile> {
        let directory = destination
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let base = destination
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut attempt = 0u32;
        loop {
            let temporary = directory.join(format!(
                ".{base}.wheelfix-tmp-{}-{attempt}",
                std::process::id()
            ));
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temporary)
            {
                Ok(file) => {
                    return Ok(AtomicFile {
                        destination: destination.to_path_buf(),
                        temporary,
                        writer: Some(BufWriter::with_capacity(1 << 20, file)),
                    });
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists && attempt < 1000 => {
                    attempt += 1
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// Where the bytes are until [`AtomicFile::commit`]; flush before reading them back.
    pub fn temporary_path(&self) -> &Path {
        &self.temporary
    }

    /// Set the permission bits the destination will have.
    pub fn set_mode(&self, mode: u32) -> io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&self.temporary, fs::Permissions::from_mode(mode))
    }

    /// Flush and rename over the destination. Readers see the old file or the complete new one,
    /// never a partial one; durability across a power loss is not promised (no fsync), as for
    /// any build artefact.
    pub fn commit(mut self) -> io::Result<()> {
        let writer = self
            .writer
            .take()
            .ok_or_else(|| io::Error::other("atomic file already committed"))?;
        let file = writer.into_inner().map_err(|e| e.into_error())?;
        drop(file);
        fs::rename(&self.temporary, &self.destination)?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.writer {
            Some(writer) => writer.write(buf),
            None => Err(io::Error::other("atomic file already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.writer {
            Some(writer) => writer.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = fs::remove_file(&self.temporary);
        }
    }
}
