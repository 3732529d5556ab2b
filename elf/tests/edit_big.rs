//! Offsets above 4 GiB: a sparse 4.3 GB copy of the `edit-basic` library whose data segment and
//! everything after it sit past the 4 GiB mark is memory-mapped, edited, written back sparsely
//! and loaded.
//!
//! The file is built at test time by shifting file offsets (never addresses) by a multiple of
//! the page size, so it stays a valid, loadable library.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, unsafe_code)]

mod common;

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use common::*;
use wheelfix_elf::edit::inspect;

const SHIFT: u64 = (1 << 32) + 0x1_0000;

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
}

fn put_u64(bytes: &mut [u8], at: usize, value: u64) {
    bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
}

/// The headers of `input` with every file offset at or after `split` moved by [`SHIFT`], and
/// the split point.
fn shifted_headers(input: &[u8]) -> (Vec<u8>, u64) {
    let summary = inspect(input).unwrap();
    let last_load = summary
        .program_headers
        .iter()
        .rfind(|p| p.kind == "PT_LOAD")
        .unwrap();
    let split = last_load.offset;
    let mut bytes = input.to_vec();
    let phoff = u64_at(&bytes, 32) as usize;
    for index in 0..summary.program_headers.len() {
        let at = phoff + index * 56 + 8;
        let offset = u64_at(&bytes, at);
        if offset >= split {
            put_u64(&mut bytes, at, offset + SHIFT);
        }
    }
    let shoff = u64_at(&bytes, 40);
    for index in 0..summary.sections.len() {
        let at = shoff as usize + index * 64 + 24;
        let offset = u64_at(&bytes, at);
        if offset >= split {
            put_u64(&mut bytes, at, offset + SHIFT);
        }
    }
    put_u64(&mut bytes, 40, shoff + SHIFT);
    (bytes, split)
}

/// Write `bytes` to `path`, leaving holes where whole 1 MiB blocks are zero.
fn write_sparse(path: &Path, bytes: &[u8]) {
    const BLOCK: usize = 1 << 20;
    let zeros = vec![0u8; BLOCK];
    let mut file = File::create(path).unwrap();
    file.set_len(bytes.len() as u64).unwrap();
    for (index, block) in bytes.chunks(BLOCK).enumerate() {
        // A slice comparison is a memcmp, fast even in a debug build.
        if block == &zeros[..block.len()] {
            continue;
        }
        file.seek(SeekFrom::Start((index * BLOCK) as u64)).unwrap();
        file.write_all(block).unwrap();
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn library_with_segments_above_4_gib_is_edited_and_loads() {
    let dir = scratch("big");
    copy_fixture("edit-basic", "libfoo.so.1", &dir, "libfoo.so.1");
    copy_fixture("edit-basic", "libfoo.so.1", &dir, "libfoo-0123abcd.so.1");
    copy_fixture("edit-basic", "libbar.so", &dir, "libbar.so");
    let original = read_fixture("edit-basic", "libext.so");
    let (headers, split) = shifted_headers(&original);

    let big_path = dir.join("libext-big.so");
    {
        let mut file = File::create(&big_path).unwrap();
        file.write_all(&headers[..split as usize]).unwrap();
        file.seek(SeekFrom::Start(split + SHIFT)).unwrap();
        file.write_all(&headers[split as usize..]).unwrap();
    }
    let file = File::open(&big_path).unwrap();
    // SAFETY: the file was written by this test and nothing else modifies it while mapped.
    let input = unsafe { memmap2::Mmap::map(&file) }.unwrap();
    assert!(input.len() as u64 > 1 << 32);
    if have_tool("readelf") {
        assert_eq!(
            load_native(&[&big_path], "ext_value"),
            Ok(48),
            "the shifted input"
        );
    }

    let output = edit(
        &input,
        &graft_edit(
            Some("libext-0123abcd.so"),
            &[("libfoo.so.1", "libfoo-0123abcd.so.1")],
            "$ORIGIN/../a/path/long/enough/to/append:$ORIGIN",
        ),
    );
    drop(input);
    assert_layout_invariants(&output);
    let new_load = loads(&output).pop().unwrap();
    assert!(
        new_load.offset > 1 << 32,
        "new segment at {:#x}",
        new_load.offset
    );
    assert!(output.len() - (SHIFT as usize + original.len()) < 0x4000);

    let edited_path = dir.join("libext.so");
    write_sparse(&edited_path, &output);
    drop(output);
    std::fs::remove_file(&big_path).unwrap();
    if have_tool("readelf") {
        assert_eq!(load_native(&[&edited_path], "ext_value"), Ok(48));
        assert_version_files_match_needed("readelf", &edited_path);
    }
    std::fs::remove_file(&edited_path).unwrap();
}
