//! Layout properties of the editor's output, checked on the x86_64 fixtures: in-place writes
//! when strings fit, no overwriting of shared strings, moving `.dynamic`, the program header
//! table kept at `e_phoff` (or moved when it cannot grow), alignment of the new segment,
//! re-editing without growth, and parallel edits. Outputs whose layout changes are also loaded.

#![allow(clippy::disallowed_methods, clippy::unwrap_used)]

mod common;

use common::*;
use wheelfix_elf::edit::{ElfEdit, RpathEdit, apply_all, inspect};

/// Byte ranges where `a` and `b` differ (same length required).
fn differing_ranges(a: &[u8], b: &[u8]) -> Vec<(usize, usize)> {
    assert_eq!(a.len(), b.len());
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for (index, (x, y)) in a.iter().zip(b).enumerate() {
        if x == y {
            continue;
        }
        match ranges.last_mut() {
            Some((_, end)) if *end == index => *end = index + 1,
            _ => ranges.push((index, index + 1)),
        }
    }
    ranges
}

fn section_range(bytes: &[u8], name: &str) -> (usize, usize) {
    let summary = inspect(bytes).unwrap();
    let section = summary
        .sections
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no section {name}"));
    (
        section.offset as usize,
        (section.offset + section.size) as usize,
    )
}

#[test]
fn strings_that_fit_are_written_in_place_without_a_new_segment() {
    let dir = scratch("in-place");
    copy_fixture("edit-basic", "libfoo.so.1", &dir, "libfoo.so.1");
    copy_fixture("edit-basic", "libbar.so", &dir, "libbar.so");
    let input = read_fixture("edit-basic", "libext-rpath.so");
    let output = edit(
        &input,
        &ElfEdit {
            rpath: Some(RpathEdit::SetRpath(name("$ORIGIN"))),
            ..ElfEdit::default()
        },
    );
    assert_eq!(output.len(), input.len());
    assert_eq!(loads(&output), loads(&input));
    let dynstr = section_range(&input, ".dynstr");
    let dynamic = section_range(&input, ".dynamic");
    for (start, end) in differing_ranges(&input, &output) {
        let inside = |(s, e): (usize, usize)| start >= s && end <= e;
        assert!(
            inside(dynstr) || inside(dynamic),
            "bytes {start:#x}..{end:#x} changed outside .dynstr and .dynamic"
        );
    }
    let path = write_file(&dir, "libext.so", &output);
    if have_tool("readelf") {
        assert_eq!(load_native(&[&path], "ext_value"), Ok(48));
    }

    // (libfoo.so.1 would not do: its SONAME string is also the base name in .gnu.version_d.)
    let unversioned = read_fixture("edit-align2m", "libalign2m.so");
    for edit_spec in [
        ElfEdit {
            set_soname: Some(name("libf.so")),
            ..ElfEdit::default()
        },
        ElfEdit {
            rpath: Some(RpathEdit::Remove),
            ..ElfEdit::default()
        },
    ] {
        let output = edit(&unversioned, &edit_spec);
        assert_eq!(output.len(), unversioned.len(), "{edit_spec:?}");
        assert_eq!(loads(&output), loads(&unversioned), "{edit_spec:?}");
    }
    let versioned = read_fixture("edit-basic", "libfoo.so.1");
    let renamed = edit(
        &versioned,
        &ElfEdit {
            set_soname: Some(name("libf.so")),
            ..ElfEdit::default()
        },
    );
    assert!(renamed.len() > versioned.len());
}

#[test]
fn strings_shared_with_symbol_or_needed_names_are_not_overwritten() {
    for (file, kept_name) in [
        ("libshare.so", "get_x_value"),
        ("libshare-needed.so", "libbar.so"),
    ] {
        let input = read_fixture("edit-basic", file);
        let output = edit(
            &input,
            &ElfEdit {
                set_soname: Some(name("ab")),
                ..ElfEdit::default()
            },
        );
        assert!(
            output.len() > input.len(),
            "{file}: the short SONAME was written in place"
        );
        let dynstr = section_range(&output, ".dynstr");
        let table = &output[dynstr.0..dynstr.1];
        let needle = format!("{kept_name}\0");
        assert!(
            table.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{file}: `{kept_name}` was clobbered"
        );
        let summary = inspect(&output).unwrap();
        let soname = summary
            .dynamic
            .iter()
            .find(|e| e.name == "DT_SONAME")
            .unwrap();
        assert_eq!(soname.string.as_ref().unwrap(), "ab");
        if file == "libshare-needed.so" {
            let needed = summary
                .dynamic
                .iter()
                .find(|e| e.name == "DT_NEEDED")
                .unwrap();
            assert_eq!(needed.string.as_ref().unwrap(), "libbar.so");
        }
    }
}

#[test]
fn dynamic_section_without_free_slots_moves_to_the_new_segment() {
    let input = read_fixture("edit-rustlld", "librustlld.so");
    let before = inspect(&input).unwrap();
    let output = edit(
        &input,
        &ElfEdit {
            set_soname: Some(name("librustlld.so")),
            ..ElfEdit::default()
        },
    );
    let after = inspect(&output).unwrap();
    let old_dynamic = before
        .program_headers
        .iter()
        .find(|p| p.kind == "PT_DYNAMIC")
        .unwrap();
    let new_dynamic = after
        .program_headers
        .iter()
        .find(|p| p.kind == "PT_DYNAMIC")
        .unwrap();
    let last_load = loads(&output).pop().unwrap();
    assert!(new_dynamic.offset >= last_load.offset);
    assert!(new_dynamic.offset + new_dynamic.filesz <= last_load.offset + last_load.filesz);
    assert_eq!(
        last_load.flags & 2,
        2,
        "the segment holding .dynamic must be writable"
    );
    assert_eq!(after.dynamic.len(), before.dynamic.len() + 1);
    assert_eq!(after.dynamic_capacity, after.dynamic.len() as u64 + 1);
    // The old table is left intact for code that still reads it through `_DYNAMIC`.
    let old = old_dynamic.offset as usize..(old_dynamic.offset + old_dynamic.filesz) as usize;
    assert_eq!(input[old.clone()], output[old]);
    assert_layout_invariants(&output);
}

#[test]
fn program_header_table_stays_at_e_phoff_when_the_sections_behind_it_can_move() {
    let input = read_fixture("edit-basic", "libext.so");
    let output = edit(
        &input,
        &graft_edit(
            Some("libext-0123abcd.so"),
            &[],
            "$ORIGIN/../a/path/long/enough:$ORIGIN",
        ),
    );
    let before = inspect(&input).unwrap();
    let after = inspect(&output).unwrap();
    assert_eq!(
        u64::from_le_bytes(output[32..40].try_into().unwrap()),
        64,
        "e_phoff moved"
    );
    assert_eq!(
        after.program_headers.len(),
        before.program_headers.len() + 1
    );
    // The sections behind the table that had to make room now live in the new segment.
    let note = after
        .sections
        .iter()
        .find(|s| s.name == ".note.gnu.build-id")
        .unwrap();
    assert!(note.offset >= loads(&output).pop().unwrap().offset);
    let note_segment = after
        .program_headers
        .iter()
        .find(|p| p.kind == "PT_NOTE")
        .unwrap();
    assert_eq!(note_segment.offset, note.offset);
    assert_layout_invariants(&output);
}

#[test]
fn program_header_table_moves_into_the_new_segment_without_section_headers() {
    let mut input = read_fixture("edit-basic", "libext.so");
    // Drop the section header table (as `sstrip` does): nothing says what may move.
    input[40..48].fill(0); // e_shoff
    input[60..64].fill(0); // e_shnum, e_shstrndx
    let output = edit(
        &input,
        &graft_edit(
            Some("libext-0123abcd.so"),
            &[],
            "$ORIGIN/../a/path/long/enough:$ORIGIN",
        ),
    );
    let phoff = u64::from_le_bytes(output[32..40].try_into().unwrap());
    let last_load = loads(&output).pop().unwrap();
    assert_eq!(
        phoff, last_load.offset,
        "the table should open the new segment"
    );
    let summary = inspect(&output).unwrap();
    let phdr = summary.program_headers.iter().find(|p| p.kind == "PT_PHDR");
    assert!(phdr.is_none_or(|p| p.offset == phoff));
    assert_layout_invariants(&output);
    if have_tool("readelf") {
        let dir = scratch("pht-moved");
        copy_fixture("edit-basic", "libfoo.so.1", &dir, "libfoo.so.1");
        copy_fixture("edit-basic", "libbar.so", &dir, "libbar.so");
        let path = write_file(&dir, "libext.so", &output);
        assert_eq!(load_native(&[&path], "ext_value"), Ok(48));
    }
}

#[test]
fn new_segment_is_page_aligned_even_when_the_input_uses_2_mib() {
    let input = read_fixture("edit-align2m", "libalign2m.so");
    assert!(loads(&input).iter().all(|l| l.align == 0x20_0000));
    let output = edit(
        &input,
        &graft_edit(
            Some("libalign2m-0123abcd.so"),
            &[],
            "$ORIGIN/../a/long/rpath",
        ),
    );
    let new = loads(&output).pop().unwrap();
    assert_eq!(new.align, 0x1000);
    assert_eq!(new.offset % 0x1000, 0);
    assert_eq!(new.vaddr % 0x1000, 0);
    // One page of padding at most, plus the segment itself; patchelf 0.19 adds up to 2 MiB.
    let growth = output.len() - input.len();
    assert!(
        growth <= 0x1000 + new.filesz as usize + 0x100,
        "grew by {growth:#x}"
    );
    assert_layout_invariants(&output);
}

#[test]
fn three_rounds_of_edits_grow_by_the_new_strings_only() {
    let input = read_fixture("edit-basic", "libext.so");
    let rounds = [
        graft_edit(
            Some("libext-00000001.so"),
            &[("libfoo.so.1", "libfoo-00000001.so.1")],
            "$ORIGIN/../round.libs:$ORIGIN",
        ),
        ElfEdit {
            rpath: Some(RpathEdit::SetRpath(name(
                "$ORIGIN/../second-round-is-longer.libs",
            ))),
            ..ElfEdit::default()
        },
        ElfEdit {
            set_soname: Some(name("libext-third-round-soname.so")),
            replace_needed: vec![(name("libbar.so"), name("libbar-00000003.so"))],
            ..ElfEdit::default()
        },
    ];
    let mut current = input.clone();
    let mut sizes = vec![input.len()];
    let mut load_counts = Vec::new();
    for round in &rounds {
        current = edit(&current, round);
        assert_layout_invariants(&current);
        sizes.push(current.len());
        load_counts.push(loads(&current).len());
    }
    assert_eq!(
        load_counts[0], load_counts[2],
        "a later round stacked a segment"
    );
    assert_eq!(load_counts[0], loads(&input).len() + 1);
    let new_strings = |edit: &ElfEdit| -> usize {
        let mut total = 0;
        total += edit
            .set_soname
            .as_ref()
            .map_or(0, |s| s.as_bytes().len() + 1);
        total += edit
            .replace_needed
            .iter()
            .map(|(_, new)| new.as_bytes().len() + 1)
            .sum::<usize>();
        if let Some(RpathEdit::SetRpath(p) | RpathEdit::SetRunpath(p)) = &edit.rpath {
            total += p.as_bytes().len() + 1;
        }
        total
    };
    for (round, edit_spec) in rounds.iter().enumerate().skip(1) {
        let growth = sizes[round + 1] - sizes[round];
        let allowed = new_strings(edit_spec) + 8;
        assert!(
            growth <= allowed,
            "round {} grew by {growth}, allowed {allowed}",
            round + 1
        );
    }
    if have_tool("readelf") {
        let dir = scratch("rounds");
        copy_fixture("edit-basic", "libfoo.so.1", &dir, "libfoo-00000001.so.1");
        copy_fixture("edit-basic", "libbar.so", &dir, "libbar-00000003.so");
        let path = write_file(&dir, "libext.so", &current);
        assert_eq!(
            load_native_with_library_path(&[&path], "ext_value", Some(&dir)),
            Ok(48)
        );
    }
}

#[test]
fn many_files_are_edited_in_parallel_with_the_same_results() {
    let inputs: Vec<(Vec<u8>, ElfEdit)> = [
        ("edit-basic", "libext.so"),
        ("edit-basic", "libfoo.so.1"),
        ("edit-basic", "libext-debug.so"),
        ("edit-rustlld", "librustlld.so"),
        ("edit-align2m", "libalign2m.so"),
        ("edit-versioned", "libuser.so"),
        ("edit-patchelf", "libext-patched.so"),
    ]
    .iter()
    .flat_map(|(case, file)| {
        let bytes = read_fixture(case, file);
        (0..8).map(move |i| {
            let edit = ElfEdit {
                strip: i % 2 == 0,
                ..graft_edit(
                    Some(&format!("lib-{i}.so")),
                    &[],
                    &"$ORIGIN/x".repeat(i + 1),
                )
            };
            (bytes.clone(), edit)
        })
    })
    .collect();
    let jobs: Vec<(&[u8], &ElfEdit)> = inputs.iter().map(|(b, e)| (b.as_slice(), e)).collect();
    let parallel = apply_all(&jobs);
    assert_eq!(parallel.len(), jobs.len());
    for ((input, edit_spec), result) in jobs.iter().zip(parallel) {
        assert_eq!(result.unwrap(), edit(input, edit_spec));
    }
}
