//! Hostile inputs: truncated files, out-of-range offsets, cyclic version chains, overlapping
//! segments, and a deterministic random mutation sweep. Every one must give an `Err` naming the
//! bad structure, never a panic; an accepted mutation must produce an output the editor itself
//! can parse again.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use wheelfix_elf::ElfFacts;
use wheelfix_elf::edit::{ElfEdit, RpathEdit, apply, inspect};

fn graft() -> ElfEdit {
    graft_edit(
        Some("libmutant-0123abcd.so"),
        &[("libfoo.so.1", "libfoo-0123abcd.so.1")],
        "$ORIGIN/../mutant.libs",
    )
}

/// The error message of editing `input` with the graft edit.
#[track_caller]
fn error_of(input: &[u8]) -> String {
    match apply(input, &graft()) {
        Ok(_) => panic!("a malformed input was accepted"),
        Err(err) => err.to_string(),
    }
}

fn put_u64(bytes: &mut [u8], at: usize, value: u64) {
    bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// File offset of dynamic entry `tag_name` in an ELF64 little-endian file.
fn dynamic_entry_offset(bytes: &[u8], tag_name: &str) -> usize {
    let summary = inspect(bytes).unwrap();
    let dynamic = summary
        .program_headers
        .iter()
        .find(|p| p.kind == "PT_DYNAMIC")
        .unwrap();
    let index = summary
        .dynamic
        .iter()
        .position(|e| e.name == tag_name)
        .unwrap();
    dynamic.offset as usize + index * 16
}

fn vaddr_to_offset(bytes: &[u8], vaddr: u64) -> usize {
    let load = loads(bytes)
        .into_iter()
        .find(|l| vaddr >= l.vaddr && vaddr < l.vaddr + l.filesz)
        .unwrap();
    (load.offset + (vaddr - load.vaddr)) as usize
}

#[test]
fn every_truncation_is_an_error() {
    let files = [
        ("edit-basic", "libext.so"),
        ("edit-basic", "libext-debug.so"),
        ("edit-rustlld", "librustlld.so"),
        ("edit-versioned", "libuser.so"),
        ("edit-patchelf", "libext-patched.so"),
        ("edit-cross", "i686/libext.so"),
        ("edit-cross", "s390x/libext.so"),
    ];
    for (case, file) in files {
        let input = read_fixture(case, file);
        // Bytes past every header, segment and section (patchelf leaves one) may go.
        let summary = inspect(&input).unwrap();
        let big_endian = input[5] == 2;
        let word = |bytes: &[u8]| -> u64 {
            let mut buffer = [0u8; 8];
            if big_endian {
                buffer[8 - bytes.len()..].copy_from_slice(bytes);
                u64::from_be_bytes(buffer)
            } else {
                buffer[..bytes.len()].copy_from_slice(bytes);
                u64::from_le_bytes(buffer)
            }
        };
        let (shoff, shentsize) = if input[4] == 1 {
            (word(&input[32..36]), 40)
        } else {
            (word(&input[40..48]), 64)
        };
        let needed_len = summary
            .program_headers
            .iter()
            .map(|p| p.offset + p.filesz)
            .chain(
                summary
                    .sections
                    .iter()
                    .filter(|s| s.sh_type != 8)
                    .map(|s| s.offset + s.size),
            )
            .chain([shoff + shentsize * summary.sections.len() as u64])
            .max()
            .unwrap() as usize;
        let mut cuts: Vec<usize> = vec![0, 1, 3, 4, 5, 6, 15, 16, 17, 51, 52, 63, 64, 65, 100];
        cuts.extend((0..needed_len).step_by(61));
        cuts.push(needed_len - 1);
        for cut in cuts {
            let truncated = &input[..cut.min(needed_len - 1)];
            for edit_spec in [
                graft(),
                ElfEdit {
                    strip: true,
                    ..ElfEdit::default()
                },
            ] {
                assert!(
                    apply(truncated, &edit_spec).is_err(),
                    "{case}/{file} truncated at {cut} was accepted"
                );
            }
        }
    }
    assert_eq!(error_of(&[]), "not an ELF file (bad magic number)");
    assert_eq!(
        error_of(b"\x7fELF"),
        "malformed ELF header: truncated before EI_CLASS"
    );
    let input = read_fixture("edit-basic", "libext.so");
    assert_eq!(
        error_of(&input[..40]),
        "malformed ELF header: Invalid ELF header size or alignment"
    );
    assert!(
        error_of(&input[..input.len() - 10]).starts_with("malformed section header table:"),
        "{}",
        error_of(&input[..input.len() - 10])
    );
}

#[test]
fn out_of_range_header_offsets_name_the_table() {
    let input = read_fixture("edit-basic", "libext.so");

    let mut bad = input.clone();
    put_u64(&mut bad, 32, 0x7fff_ffff_0000); // e_phoff
    assert!(
        error_of(&bad).starts_with("malformed program header table:"),
        "{}",
        error_of(&bad)
    );

    let mut bad = input.clone();
    put_u64(&mut bad, 40, u64::MAX - 8); // e_shoff
    assert!(
        error_of(&bad).starts_with("malformed section header table:"),
        "{}",
        error_of(&bad)
    );

    let mut bad = input.clone();
    let first_load = 64;
    put_u64(&mut bad, first_load + 8, 0x10_0000); // p_offset past the end
    assert_eq!(
        error_of(&bad),
        format!(
            "malformed program header table: segment 0 (PT_LOAD) at offset `0x100000` with size `0x508` extends past the end of the file (`{:#x}` bytes)",
            input.len()
        )
    );
}

#[test]
fn bad_dynamic_values_name_the_entry() {
    let input = read_fixture("edit-basic", "libext.so");

    let mut bad = input.clone();
    let strtab = dynamic_entry_offset(&input, "DT_STRTAB");
    put_u64(&mut bad, strtab + 8, 0x00de_adbe_ef00);
    assert_eq!(
        error_of(&bad),
        "malformed .dynamic: DT_STRTAB address `0xdeadbeef00` (`0xa9` bytes) is in no PT_LOAD"
    );

    let mut bad = input.clone();
    let needed = dynamic_entry_offset(&input, "DT_NEEDED");
    put_u64(&mut bad, needed + 8, 0x5000);
    assert_eq!(
        error_of(&bad),
        "malformed .dynstr: DT_NEEDED string offset `0x5000` is outside DT_STRSZ or not NUL-terminated"
    );

    let mut bad = input.clone();
    let summary = inspect(&input).unwrap();
    let dynamic_header = summary
        .program_headers
        .iter()
        .position(|p| p.kind == "PT_DYNAMIC")
        .unwrap();
    // Shrink PT_DYNAMIC so that its DT_NULL falls outside.
    put_u64(&mut bad, 64 + dynamic_header * 56 + 32, 16 * 4);
    assert_eq!(
        error_of(&bad),
        "malformed PT_DYNAMIC: no DT_NULL within its `4` entries"
    );
}

#[test]
fn version_chains_that_loop_or_disagree_are_errors() {
    // ELF32: a vn_next of 0xfffffff0 wraps around to the record before, as it would for a
    // 32-bit loader.
    let input = read_fixture("edit-cross", "i686/libext.so");
    let summary = inspect(&input).unwrap();
    let dynamic = summary
        .program_headers
        .iter()
        .find(|p| p.kind == "PT_DYNAMIC")
        .unwrap();
    let verneed = summary
        .dynamic
        .iter()
        .find(|e| e.name == "DT_VERNEED")
        .unwrap()
        .value;
    let record = {
        let load = loads(&input)
            .into_iter()
            .find(|l| verneed >= l.vaddr && verneed < l.vaddr + l.filesz)
            .unwrap();
        (load.offset + verneed - load.vaddr) as usize
    };
    let mut bad = input.clone();
    put_u32(&mut bad, record + 12, 0xffff_fff0); // vn_next
    let message = error_of(&bad);
    assert!(
        message.starts_with("malformed .gnu.version_r: cyclic vn_next: record 0 at"),
        "{message}"
    );

    let mut bad = input.clone();
    let first_aux =
        record + u32::from_le_bytes(input[record + 8..record + 12].try_into().unwrap()) as usize;
    put_u32(&mut bad, first_aux + 12, 0xffff_fff0); // vna_next
    let message = error_of(&bad);
    assert!(
        message.starts_with("malformed .gnu.version_r: cyclic vna_next in record 0"),
        "{message}"
    );
    let _ = dynamic;

    // ELF64: the chain and DT_VERNEEDNUM disagree.
    let input = read_fixture("edit-basic", "libext.so");
    let mut bad = input.clone();
    let count = dynamic_entry_offset(&input, "DT_VERNEEDNUM");
    put_u64(&mut bad, count + 8, 2);
    assert_eq!(
        error_of(&bad),
        "malformed .gnu.version_r: DT_VERNEEDNUM is `2` but the vn_next chain has `1` records"
    );

    let mut bad = input.clone();
    let verneed = inspect(&input)
        .unwrap()
        .dynamic
        .iter()
        .find(|e| e.name == "DT_VERNEED")
        .unwrap()
        .value;
    let record = vaddr_to_offset(&input, verneed);
    put_u32(&mut bad, record + 12, 0x4000_0000); // vn_next far away
    let message = error_of(&bad);
    assert!(
        message.starts_with("malformed .gnu.version_r: record 1 at"),
        "{message}"
    );
    assert!(message.ends_with("is in no PT_LOAD"), "{message}");
}

#[test]
fn overlapping_segments_are_errors() {
    let input = read_fixture("edit-basic", "libext.so");
    let summary = inspect(&input).unwrap();
    let second_load = summary
        .program_headers
        .iter()
        .enumerate()
        .filter(|(_, p)| p.kind == "PT_LOAD")
        .nth(1)
        .unwrap()
        .0;
    let mut bad = input.clone();
    put_u64(&mut bad, 64 + second_load * 56 + 16, 0x100); // p_vaddr inside the first PT_LOAD
    assert_eq!(
        error_of(&bad),
        "malformed program header table: PT_LOAD segments 0 and 1 overlap or are out of order in memory (`0x0`..`0x508` and `0x100`..`0x24d`)"
    );
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

/// Byte ranges worth mutating: headers, the dynamic section, the version and string tables,
/// the section header table.
fn hot_ranges(input: &[u8]) -> Vec<(usize, usize)> {
    let summary = inspect(input).unwrap();
    let mut ranges = vec![(0, 64.min(input.len()))];
    for header in &summary.program_headers {
        if header.kind != "PT_LOAD" && header.filesz > 0 && header.filesz < 0x10000 {
            ranges.push((
                header.offset as usize,
                (header.offset + header.filesz) as usize,
            ));
        }
    }
    for section in &summary.sections {
        let name = section.name.to_string();
        if [
            ".gnu.version_r",
            ".gnu.version_d",
            ".gnu.version",
            ".dynstr",
            ".dynamic",
            ".dynsym",
            ".gnu.hash",
        ]
        .contains(&name.as_str())
        {
            ranges.push((
                section.offset as usize,
                (section.offset + section.size) as usize,
            ));
        }
    }
    let phoff = u64::from_le_bytes(input[32..40].try_into().unwrap_or([0; 8])) as usize;
    ranges.push((
        phoff,
        (phoff + summary.program_headers.len() * 56).min(input.len()),
    ));
    let shoff = u64::from_le_bytes(input[40..48].try_into().unwrap_or([0; 8])) as usize;
    ranges.push((shoff.min(input.len()), input.len()));
    ranges.retain(|(start, end)| start < end && *end <= input.len());
    ranges
}

#[test]
fn random_mutations_never_panic_and_accepted_outputs_parse_again() {
    let files = [
        ("edit-basic", "libext.so"),
        ("edit-basic", "libext-debug.so"),
        ("edit-rustlld", "librustlld.so"),
        ("edit-versioned", "libuser.so"),
        ("edit-patchelf", "libext-patched.so"),
        ("edit-align2m", "libalign2m.so"),
    ];
    let edits = [
        graft(),
        ElfEdit {
            remove_needed: vec![name("libbar.so")],
            rpath: Some(RpathEdit::Remove),
            strip: true,
            ..ElfEdit::default()
        },
        ElfEdit {
            set_soname: Some(name("x")),
            ..ElfEdit::default()
        },
    ];
    let mut rng = Rng(0x005e_ed0f_e11f);
    let (mut accepted, mut refused, mut cross_checked) = (0, 0, 0);
    for (case, file) in files {
        let input = read_fixture(case, file);
        let ranges = hot_ranges(&input);
        for _ in 0..1500 {
            let mut mutant = input.clone();
            for _ in 0..1 + rng.below(4) {
                let (start, end) = ranges[rng.below(ranges.len())];
                let at = start + rng.below(end - start);
                mutant[at] = match rng.below(4) {
                    0 => 0,
                    1 => 0xff,
                    2 => mutant[at] ^ (1 << rng.below(8)),
                    _ => rng.next() as u8,
                };
            }
            for edit_spec in &edits {
                match apply(&mutant, edit_spec) {
                    Ok(output) => {
                        accepted += 1;
                        if let Err(err) = inspect(&output) {
                            panic!(
                                "{case}/{file}: accepted mutant gave an unparsable output: {err}"
                            );
                        }
                        // `object` may reject an output whose input it accepted: a corrupt
                        // `.gnu.version` the input's corrupt section headers hid becomes
                        // visible once the editor writes correct ones. Whatever it can read
                        // must show the edit.
                        if let Ok(facts) = ElfFacts::parse(&output) {
                            cross_checked += 1;
                            if let Err(problem) = edit_is_visible(&facts, edit_spec) {
                                panic!(
                                    "{case}/{file}: accepted mutant: {problem}; edit {edit_spec:?}"
                                );
                            }
                        }
                    }
                    Err(_) => refused += 1,
                }
            }
        }
    }
    println!(
        "mutations: {accepted} edited ({cross_checked} read back by object), {refused} refused"
    );
    assert!(accepted > 0 && refused > 0);
    assert!(
        cross_checked * 4 > accepted * 3,
        "object read too few outputs"
    );
}

/// What an accepted edit must look like to a reader other than the editor's own (`object`,
/// through the output's `ElfFacts`): the requested SONAME, DT_NEEDED renames and removals, and RPATH/RUNPATH.
/// `apply` already reads its output back with its own parser; this catches what that parser
/// and the loader-facing one might disagree on.
fn edit_is_visible(facts: &ElfFacts, edit: &ElfEdit) -> Result<(), String> {
    if let Some(soname) = &edit.set_soname
        && facts.soname.as_ref() != Some(soname)
    {
        return Err(format!("SONAME is {:?}, not {soname:?}", facts.soname));
    }
    for (old, new) in &edit.replace_needed {
        if facts.needed.contains(old) {
            return Err(format!(
                "DT_NEEDED still names {old:?} (renamed to {new:?})"
            ));
        }
    }
    for removed in &edit.remove_needed {
        if facts.needed.contains(removed) {
            return Err(format!("DT_NEEDED still names removed {removed:?}"));
        }
    }
    let paths = (facts.rpath.as_ref(), facts.runpath.as_ref());
    match &edit.rpath {
        Some(RpathEdit::SetRpath(path)) if paths != (Some(path), None) => {
            Err(format!("RPATH/RUNPATH are {paths:?}, not RPATH {path:?}"))
        }
        Some(RpathEdit::SetRunpath(path)) if paths != (None, Some(path)) => {
            Err(format!("RPATH/RUNPATH are {paths:?}, not RUNPATH {path:?}"))
        }
        Some(RpathEdit::Remove) if paths != (None, None) => {
            Err(format!("RPATH/RUNPATH are {paths:?} after removing both"))
        }
        _ => Ok(()),
    }
}

/// Found by the fuzzer: a section header that places `.dynsym` over the ELF header made the
/// `st_shndx` renumbering after a strip overwrite `e_shentsize`.
#[test]
fn fuzz_regression_symbol_table_over_the_elf_header_is_not_renumbered() {
    let mut input = read_fixture("edit-basic", "libext-debug.so");
    let summary = inspect(&input).unwrap();
    let dynsym = summary
        .sections
        .iter()
        .position(|s| s.name == ".dynsym")
        .unwrap();
    let shoff = u64::from_le_bytes(input[40..48].try_into().unwrap()) as usize;
    put_u64(&mut input, shoff + dynsym * 64 + 24, 0); // sh_offset
    let strip = ElfEdit {
        strip: true,
        ..ElfEdit::default()
    };
    // The strip is still possible (the misplaced table is only not renumbered), so it must
    // succeed; a refusal would hide a regression as well as a panic would.
    let output = apply(&input, &strip).expect("strip of the corrupted fixture");
    // Only e_shoff (40..48), e_shnum and e_shstrndx (60..64) may change.
    assert_eq!(output[..40], input[..40]);
    assert_eq!(output[48..60], input[48..60]);
    inspect(&output).unwrap();
}
