//! `cargo xtask example-wheel`: write `testdata/examples/demo-1.0-cp311-cp311-linux_x86_64.whl`,
//! the wheel README.md's first command audits. It is assembled deterministically from the
//! committed `external/ffi` fixture (an extension needing the system's `libffi.so.8`, which
//! no policy whitelists), so a test can check the committed file is up to date.

use anyhow::{Context, Result};
use wheelfix_wheel::metadata::{RecordEntry, record_sha256, render_record};
use wheelfix_wheel::write::{Compression, DosDateTime, ZipWriter};

use crate::util::repo_root;

pub(crate) const EXAMPLE: &str = "testdata/examples/demo-1.0-cp311-cp311-linux_x86_64.whl";

/// The example wheel's bytes.
pub(crate) fn build() -> Result<Vec<u8>> {
    let root = repo_root();
    let extension =
        std::fs::read(root.join("testdata/elf/external/out/ffi.cpython-311-x86_64-linux-gnu.so"))
            .context("reading the external/ffi fixture")?;
    let files: Vec<(&str, Vec<u8>, u32)> = vec![
        ("demo/__init__.py", b"from demo.ffi import *  # noqa: F403\n".to_vec(), 0o644),
        ("demo/ffi.cpython-311-x86_64-linux-gnu.so", extension, 0o755),
        (
            "demo-1.0.dist-info/METADATA",
            b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nSummary: The wheel README.md audits: an extension linking the system libffi\n".to_vec(),
            0o644,
        ),
        (
            "demo-1.0.dist-info/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: wheelfix-xtask\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n".to_vec(),
            0o644,
        ),
    ];
    let mut record: Vec<RecordEntry> = files
        .iter()
        .map(|(path, data, _)| RecordEntry {
            path: (*path).to_owned(),
            hash: Some(record_sha256(data)),
            size: Some(data.len() as u64),
        })
        .collect();
    record.push(RecordEntry {
        path: "demo-1.0.dist-info/RECORD".into(),
        hash: None,
        size: None,
    });
    let mut writer = ZipWriter::new(Vec::new());
    for (path, data, mode) in &files {
        writer.add_file(
            path,
            data,
            Compression::Deflated(9),
            *mode,
            DosDateTime::EPOCH,
        )?;
    }
    writer.add_file(
        "demo-1.0.dist-info/RECORD",
        render_record(&record).as_bytes(),
        Compression::Deflated(9),
        0o644,
        DosDateTime::EPOCH,
    )?;
    Ok(writer.finish()?)
}

pub(crate) fn run(_args: &[String]) -> Result<()> {
    let path = repo_root().join(EXAMPLE);
    std::fs::create_dir_all(path.parent().context("example path has a parent")?)?;
    std::fs::write(&path, build()?)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_example_wheel_is_up_to_date() {
        let committed =
            std::fs::read(repo_root().join(EXAMPLE)).expect("the example wheel is committed");
        assert!(
            committed == build().expect("builds"),
            "run `cargo xtask example-wheel` and commit the result"
        );
    }
}
