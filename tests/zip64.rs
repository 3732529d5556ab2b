//! Multi-gigabyte ZIP64 wheels: a wheel with a 4.3 GB member (written sparse, so the input
//! costs no disk) is audited and repaired; the repaired wheel keeps the member byte for byte,
//! and wheelfix's peak resident memory stays far below the member's size.

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};
use wheelfix_wheel::metadata::{RecordEntry, record_sha256, render_record, urlsafe_b64_nopad};
use wheelfix_wheel::write::{Compression, DosDateTime, ZipWriter};

use crate::support::{TempDir, fixture, json_lines, wheelfix};

const BIG: u64 = (4 << 30) + (300 << 20);
const CHUNK: usize = 1 << 20;

/// A file writer that turns runs of zeros into holes.
struct Sparse(std::fs::File);

impl Write for Sparse {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.iter().all(|&b| b == 0) {
            self.0.seek(SeekFrom::Current(buf.len() as i64))?;
            Ok(buf.len())
        } else {
            self.0.write(buf)
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let end = self.0.stream_position()?;
        self.0.set_len(end)?;
        self.0.flush()
    }
}

/// CRC-32 and RECORD digest of `BIG` zero bytes.
fn zeros_digests() -> (u32, (String, String)) {
    let zeros = vec![0u8; CHUNK];
    let mut crc = crc32fast::Hasher::new();
    let mut sha = Sha256::new();
    let mut left = BIG;
    while left > 0 {
        let n = left.min(CHUNK as u64) as usize;
        crc.update(&zeros[..n]);
        sha.update(&zeros[..n]);
        left -= n as u64;
    }
    (
        crc.finalize(),
        ("sha256".to_owned(), urlsafe_b64_nopad(&sha.finalize())),
    )
}

fn build(path: &Path) {
    let ext_path = "demo/ext.cpython-311-x86_64-linux-gnu.so";
    let ext = fixture("origin", ext_path);
    let metadata = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n".to_vec();
    let wheel = b"Wheel-Version: 1.0\nGenerator: wheelfix-tests\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n".to_vec();
    let (crc, big_digest) = zeros_digests();
    let record = render_record(&[
        RecordEntry {
            path: "demo/big.bin".into(),
            hash: Some(big_digest),
            size: Some(BIG),
        },
        RecordEntry {
            path: ext_path.into(),
            hash: Some(record_sha256(&ext)),
            size: Some(ext.len() as u64),
        },
        RecordEntry {
            path: "demo-1.0.dist-info/METADATA".into(),
            hash: Some(record_sha256(&metadata)),
            size: Some(metadata.len() as u64),
        },
        RecordEntry {
            path: "demo-1.0.dist-info/WHEEL".into(),
            hash: Some(record_sha256(&wheel)),
            size: Some(wheel.len() as u64),
        },
        RecordEntry {
            path: "demo-1.0.dist-info/RECORD".into(),
            hash: None,
            size: None,
        },
    ]);
    let file = Sparse(std::fs::File::create(path).unwrap());
    let mut writer = ZipWriter::new(file);
    let mut zeros = std::io::repeat(0);
    writer
        .add_raw_stream(
            "demo/big.bin",
            0,
            crc,
            BIG,
            BIG,
            &mut zeros,
            0o644,
            DosDateTime::EPOCH,
        )
        .unwrap();
    writer
        .add_file(
            ext_path,
            &ext,
            Compression::Deflated(6),
            0o755,
            DosDateTime::EPOCH,
        )
        .unwrap();
    writer
        .add_file(
            "demo-1.0.dist-info/METADATA",
            &metadata,
            Compression::Deflated(6),
            0o644,
            DosDateTime::EPOCH,
        )
        .unwrap();
    writer
        .add_file(
            "demo-1.0.dist-info/WHEEL",
            &wheel,
            Compression::Deflated(6),
            0o644,
            DosDateTime::EPOCH,
        )
        .unwrap();
    writer
        .add_file(
            "demo-1.0.dist-info/RECORD",
            record.as_bytes(),
            Compression::Deflated(6),
            0o644,
            DosDateTime::EPOCH,
        )
        .unwrap();
    writer.finish().unwrap().flush().unwrap();
}

/// A sysroot holding the library the extension needs, so that repair has something to graft.
fn sysroot(root: &Path) {
    let lib_dir = root.join("usr/lib");
    std::fs::create_dir_all(&lib_dir).unwrap();
    std::fs::write(
        lib_dir.join("libdemo.so.1"),
        fixture("origin", "demo.libs/libdemo.so.1"),
    )
    .unwrap();
}

#[test]
fn a_wheel_with_a_four_gigabyte_member_is_repaired_in_bounded_memory() {
    let temp = TempDir::new("zip64");
    let input = temp.path().join("demo-1.0-cp311-cp311-linux_x86_64.whl");
    build(&input);
    let root = temp.path().join("root");
    sysroot(&root);

    let audit = wheelfix(&[
        "audit",
        "--format",
        "json",
        "--root",
        root.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    let report = &json_lines(&audit)[0];
    assert_eq!(
        report["repairable_tag"], "manylinux_2_17_x86_64",
        "{report}"
    );

    let out = temp.path().join("out");
    let stats = temp.path().join("time.txt");
    let status = Command::new("/usr/bin/time")
        .args(["-f", "%M", "-o"])
        .arg(&stats)
        .arg(env!("CARGO_BIN_EXE_wheelfix"))
        .args(["repair", "--root", root.to_str().unwrap(), "-w"])
        .arg(&out)
        .arg(&input)
        .status();
    let Ok(status) = status else {
        crate::support::skip_or_fail("/usr/bin/time (Debian package `time`) is not installed");
        return;
    };
    assert!(status.success());
    let peak_kib: u64 = std::fs::read_to_string(&stats)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    eprintln!("peak RSS {peak_kib} KiB while repairing a wheel with a {BIG}-byte member");
    assert!(
        peak_kib < 256 * 1024,
        "peak RSS {peak_kib} KiB for a {BIG}-byte member"
    );

    let outputs: Vec<std::path::PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(outputs.len(), 1, "{outputs:?}");
    let written = outputs[0].clone();
    assert!(
        written.ends_with("demo-1.0-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"),
        "{}",
        written.display()
    );
    let bytes = std::fs::File::open(&written).unwrap();
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::Mmap::map(&bytes) }.unwrap();
    let archive = wheelfix_wheel::ZipArchive::parse(&map).unwrap();
    assert!(archive.is_zip64);
    let big = archive
        .entries()
        .iter()
        .find(|e| e.name == "demo/big.bin")
        .unwrap();
    assert_eq!(big.uncompressed_size, BIG);
    assert!(big.uses_zip64);
    assert!(
        archive
            .entries()
            .iter()
            .any(|e| e.name.starts_with("demo.libs/libdemo-"))
    );
    let audit = wheelfix(&[
        "audit",
        "--format",
        "json",
        "--root",
        root.to_str().unwrap(),
        written.to_str().unwrap(),
    ]);
    assert_eq!(
        audit.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&audit.stdout)
    );
}
