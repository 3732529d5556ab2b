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
    /// Set once the rename succeeded; until then dropping removes the temporary file, even
    /// when `commit` itself failed half-way.
    committed: bool,
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
                        committed: false,
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
        self.committed = true;
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
        if !self.committed {
            let _ = fs::remove_file(&self.temporary);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("wheelfix-atomic-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn commit_renames_over_the_destination() {
        let dir = scratch_dir("commit");
        let mut file = AtomicFile::create(&dir.join("out.whl")).unwrap();
        file.write_all(b"new").unwrap();
        file.commit().unwrap();
        assert_eq!(fs::read(dir.join("out.whl")).unwrap(), b"new");
        assert_eq!(leftovers(&dir), ["out.whl"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn dropping_without_commit_leaves_nothing() {
        let dir = scratch_dir("drop");
        let mut file = AtomicFile::create(&dir.join("out.whl")).unwrap();
        file.write_all(b"partial").unwrap();
        drop(file);
        assert!(leftovers(&dir).is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn failed_commit_removes_the_temporary_file() {
        let dir = scratch_dir("failed-commit");
        // A non-empty directory in the way makes the rename fail after the flush.
        fs::create_dir_all(dir.join("out.whl/occupied")).unwrap();
        let mut file = AtomicFile::create(&dir.join("out.whl")).unwrap();
        file.write_all(b"new").unwrap();
        assert!(file.commit().is_err());
        assert_eq!(leftovers(&dir), ["out.whl"]);
        assert!(dir.join("out.whl/occupied").is_dir());
        fs::remove_dir_all(&dir).unwrap();
    }
}
