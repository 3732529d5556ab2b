//! Hostile and broken inputs: each must give exit code 2 and exactly one error line on stderr
//! naming the wheel (and the member, when one is at fault), never a panic, and must not
//! change the input file.

use std::path::Path;

use crate::support::{RawMember, TempDir, TestWheel, fixture, wheelfix};

const EXT: &str = "demo/old.cpython-311-x86_64-linux-gnu.so";

fn good_wheel() -> TestWheel {
    TestWheel::new("demo", "1.0", "cp311-cp311-manylinux_2_5_x86_64").elf(
        EXT,
        "glibc",
        "old.cpython-311-x86_64-linux-gnu.so",
    )
}

/// Run `wheelfix audit` on `bytes` saved as `file_name`; the single stderr line must contain
/// every fragment of `expect`.
#[track_caller]
fn check(file_name: &str, bytes: &[u8], expect: &[&str]) {
    let temp = TempDir::new("bad");
    let path = temp.path().join(file_name);
    std::fs::write(&path, bytes).unwrap();
    for format in ["human", "json"] {
        let output = wheelfix(&["audit", "--format", format, path.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line expected: {stderr}");
        assert!(
            lines[0].contains(&path.display().to_string()),
            "names the wheel: {stderr}"
        );
        for fragment in expect {
            assert!(
                lines[0].contains(fragment),
                "`{fragment}` missing from: {stderr}"
            );
        }
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the input must not change"
    );
    assert_eq!(
        std::fs::read_dir(temp.path()).unwrap().count(),
        1,
        "nothing else written"
    );
}

fn file_name() -> String {
    good_wheel().filename()
}

#[test]
fn truncated_zip() {
    let bytes = good_wheel().bytes();
    check(
        &file_name(),
        &bytes[..bytes.len() / 2],
        &["not a zip archive"],
    );
    check(
        &file_name(),
        &bytes[..bytes.len() - 10],
        &["not a zip archive"],
    );
}

#[test]
fn not_a_zip() {
    check(
        &file_name(),
        b"this is not a zip file at all\n",
        &["not a zip archive"],
    );
    check(&file_name(), b"", &["not a zip archive"]);
}

#[test]
fn truncated_elf_member() {
    let elf = fixture("glibc", "old.cpython-311-x86_64-linux-gnu.so");
    for cut in [16, 64, 200, elf.len() / 2] {
        let wheel = TestWheel::new("demo", "1.0", "cp311-cp311-manylinux_2_5_x86_64")
            .file(EXT, elf[..cut].to_vec());
        check(&wheel.filename(), &wheel.bytes(), &[EXT, "malformed ELF"]);
    }
}

#[test]
fn garbage_dynamic_section() {
    let mut elf = fixture("glibc", "old.cpython-311-x86_64-linux-gnu.so");
    let dynamic = dynamic_offset(&elf);
    // Overwrite every d_val of the dynamic section with a huge value: DT_STRTAB then points
    // nowhere.
    for entry in 0..8 {
        let at = dynamic + entry * 16 + 8;
        elf[at..at + 8].copy_from_slice(&0x7fff_ffff_0000u64.to_le_bytes());
    }
    let wheel = TestWheel::new("demo", "1.0", "cp311-cp311-manylinux_2_5_x86_64").file(EXT, elf);
    check(&wheel.filename(), &wheel.bytes(), &[EXT, "malformed ELF"]);
}

/// The file offset of PT_DYNAMIC in a 64-bit little-endian ELF.
fn dynamic_offset(elf: &[u8]) -> usize {
    let u64_at = |at: usize| u64::from_le_bytes(elf[at..at + 8].try_into().unwrap());
    let u16_at = |at: usize| u16::from_le_bytes(elf[at..at + 2].try_into().unwrap());
    let phoff = u64_at(0x20) as usize;
    let phnum = u16_at(0x38) as usize;
    (0..phnum)
        .map(|i| phoff + i * 56)
        .find(|&ph| u32::from_le_bytes(elf[ph..ph + 4].try_into().unwrap()) == 2)
        .map(|ph| u64_at(ph + 8) as usize)
        .unwrap()
}

#[test]
fn record_lists_missing_files() {
    let wheel = good_wheel().record_line("demo/ghost.py,sha256=AAAA,12");
    check(
        &wheel.filename(),
        &wheel.bytes(),
        &["RECORD lists `demo/ghost.py`", "not in the archive"],
    );
}

/// RECORD sizes are checked for every member when the wheel is opened (no decompression
/// needed); RECORD hashes are checked by `check` and `repair`, which read every byte anyway.
#[test]
fn record_lies_about_a_member_size() {
    let mut grown = fixture("glibc", "old.cpython-311-x86_64-linux-gnu.so");
    grown.extend_from_slice(b"padding");
    // The RECORD of the untampered wheel: its size for the ELF no longer matches.
    let honest_record = record_of(&good_wheel().bytes());
    let wheel = TestWheel::new("demo", "1.0", "cp311-cp311-manylinux_2_5_x86_64")
        .file(EXT, grown)
        .without_record()
        .file("demo-1.0.dist-info/RECORD", honest_record);
    check(&wheel.filename(), &wheel.bytes(), &[EXT, "RECORD says"]);
}

fn record_of(wheel_bytes: &[u8]) -> Vec<u8> {
    let archive = wheelfix_wheel::ZipArchive::parse(wheel_bytes).unwrap();
    let entry = archive
        .entries()
        .iter()
        .find(|e| e.name.ends_with("RECORD"))
        .unwrap();
    archive.read(entry).unwrap()
}

#[test]
fn member_declaring_ten_gigabytes() {
    let raw = RawMember {
        path: "demo/huge.bin".into(),
        method: 8,
        crc32: 0,
        declared_size: 10 * 1024 * 1024 * 1024,
        raw: vec![0x03, 0x00],
    };
    let wheel = good_wheel().raw_member(raw);
    check(
        &wheel.filename(),
        &wheel.bytes(),
        &[
            "demo/huge.bin",
            "10737418240 bytes",
            "more than deflate can produce",
        ],
    );
}

#[test]
fn stored_member_whose_sizes_disagree() {
    let raw = RawMember {
        path: "demo/odd.bin".into(),
        method: 0,
        crc32: 0,
        declared_size: 1000,
        raw: vec![1, 2, 3],
    };
    let wheel = good_wheel().raw_member(raw);
    check(
        &wheel.filename(),
        &wheel.bytes(),
        &["demo/odd.bin", "stored"],
    );
}

#[test]
fn path_traversal_member() {
    let wheel = good_wheel().file("../../etc/evil.so", b"\x7fELF".to_vec());
    check(
        &wheel.filename(),
        &wheel.bytes(),
        &["`../../etc/evil.so` escapes the wheel"],
    );
    let wheel = good_wheel().file("/abs/evil.so", b"x".to_vec());
    check(
        &wheel.filename(),
        &wheel.bytes(),
        &["`/abs/evil.so` escapes the wheel"],
    );
}

#[test]
fn duplicate_member_names() {
    let wheel = good_wheel()
        .file("demo/dup.py", b"a".to_vec())
        .file("demo/dup.py", b"b".to_vec());
    check(
        &wheel.filename(),
        &wheel.bytes(),
        &["`demo/dup.py` appears 2 times"],
    );
}

#[test]
fn bad_filename() {
    check(
        "not-a-wheel.zip",
        &good_wheel().bytes(),
        &["must end with `.whl`"],
    );
    check("demo-1.0.whl", &good_wheel().bytes(), &["expected 5 or 6"]);
}

#[test]
fn missing_dist_info() {
    let wheel = good_wheel().without_record();
    check(
        &wheel.filename(),
        &wheel.bytes(),
        &["demo-1.0.dist-info/RECORD", "missing"],
    );
}

#[test]
fn a_broken_wheel_does_not_stop_the_others() {
    let temp = TempDir::new("mixed");
    let good = good_wheel().build(temp.path());
    let bad = temp.path().join("broken-1.0-py3-none-any.whl");
    std::fs::write(&bad, b"garbage").unwrap();
    let output = wheelfix(&[
        "audit",
        "--format",
        "json",
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let reports = crate::support::json_lines(&output);
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0]["passed"], true);
    assert!(
        reports[1]["error"]
            .as_str()
            .unwrap()
            .contains("not a zip archive")
    );
    assert!(Path::new(&good).exists());
}
