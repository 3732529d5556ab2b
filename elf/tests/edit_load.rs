//! Load tests for the editor on the x86_64 fixtures: every edited library is dlopen-ed with
//! RTLD_NOW by the committed harness and one of its functions is called; `readelf` checks that
//! nothing but the intended fields changed.
//!
//! Layout properties (sizes, positions) are in `edit_layout.rs`, other architectures in
//! `edit_cross.rs`, hostile inputs in `edit_malformed.rs`.

#![allow(clippy::disallowed_methods, clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::*;
use wheelfix_elf::edit::{EditError, ElfEdit, RpathEdit, apply};

const READELF: &str = "readelf";

fn oracles() -> bool {
    have_tool(READELF)
}

/// `readelf` semantics of `before` with the expected `.gnu.version_r` renames applied must equal
/// those of `after`.
#[track_caller]
fn assert_only_intended_changes(before: &Path, after: &Path, renames: &[(&str, &str)]) {
    let mut expected = readelf_semantics(READELF, before);
    for (old, new) in renames {
        expected = expected.replace(&format!("File: {old} "), &format!("File: {new} "));
    }
    let got = readelf_semantics(READELF, after);
    assert_eq!(
        expected, got,
        "readelf --dyn-syms -r -V changed beyond the intended fields"
    );
    assert_version_files_match_needed(READELF, after);
}

#[track_caller]
fn dynamic_value(file: &Path, tag: &str) -> Option<String> {
    readelf_dynamic(READELF, file)
        .into_iter()
        .find(|(t, _)| t == tag)
        .map(|(_, value)| value)
}

#[test]
fn auditwheel_style_graft_loads_and_renames_version_records() {
    if !oracles() {
        return;
    }
    let dir = scratch("graft");
    let libfoo = read_fixture("edit-basic", "libfoo.so.1");
    let libbar = read_fixture("edit-basic", "libbar.so");
    let ext = read_fixture("edit-basic", "libext.so");
    let grafted_foo = edit(
        &libfoo,
        &graft_edit(Some("libfoo-12345678.so.1"), &[], "$ORIGIN"),
    );
    let grafted_bar = edit(
        &libbar,
        &graft_edit(Some("libbar-87654321.so"), &[], "$ORIGIN"),
    );
    let ext_edit = graft_edit(
        None,
        &[
            ("libfoo.so.1", "libfoo-12345678.so.1"),
            ("libbar.so", "libbar-87654321.so"),
        ],
        "$ORIGIN/../mypkg.libs:$ORIGIN",
    );
    let edited_ext = edit(&ext, &ext_edit);
    write_file(&dir, "libfoo-12345678.so.1", &grafted_foo);
    write_file(&dir, "libbar-87654321.so", &grafted_bar);
    let ext_path = write_file(&dir, "libext.so", &edited_ext);

    assert_eq!(load_native(&[&ext_path], "ext_value"), Ok(48));
    assert_only_intended_changes(
        &fixture("edit-basic", "libext.so"),
        &ext_path,
        &[("libfoo.so.1", "libfoo-12345678.so.1")],
    );
    assert_eq!(
        needed(READELF, &ext_path),
        ["libfoo-12345678.so.1", "libbar-87654321.so"]
    );
    assert_eq!(
        dynamic_value(&ext_path, "RPATH").as_deref(),
        Some("Library rpath: [$ORIGIN/../mypkg.libs:$ORIGIN]")
    );
    assert_eq!(dynamic_value(&ext_path, "RUNPATH"), None);
    let bar_path = dir.join("libbar-87654321.so");
    assert_eq!(
        dynamic_value(&bar_path, "SONAME").as_deref(),
        Some("Library soname: [libbar-87654321.so]")
    );
    assert_only_intended_changes(&fixture("edit-basic", "libbar.so"), &bar_path, &[]);
    assert_only_intended_changes(
        &fixture("edit-basic", "libfoo.so.1"),
        &dir.join("libfoo-12345678.so.1"),
        &[],
    );
    for output in [&grafted_foo, &grafted_bar, &edited_ext] {
        assert_layout_invariants(output);
    }
}

#[test]
fn rpath_and_runpath_can_be_set_swapped_and_removed() {
    if !oracles() {
        return;
    }
    let dir = scratch("rpath");
    copy_fixture("edit-basic", "libfoo.so.1", &dir, "libfoo.so.1");
    copy_fixture("edit-basic", "libbar.so", &dir, "libbar.so");
    let original = read_fixture("edit-basic", "libext-rpath.so");
    let cases = [
        (RpathEdit::SetRunpath(name("$ORIGIN")), "RUNPATH", "RPATH"),
        (RpathEdit::SetRpath(name("$ORIGIN")), "RPATH", "RUNPATH"),
        (
            RpathEdit::SetRunpath(name("/nonexistent/a/long/path/to/force/an/append:$ORIGIN")),
            "RUNPATH",
            "RPATH",
        ),
    ];
    for (rpath, present, absent) in cases {
        let output = edit(
            &original,
            &ElfEdit {
                rpath: Some(rpath.clone()),
                ..ElfEdit::default()
            },
        );
        let path = write_file(&dir, "libext.so", &output);
        assert_eq!(load_native(&[&path], "ext_value"), Ok(48), "{rpath:?}");
        assert!(dynamic_value(&path, present).is_some(), "{rpath:?}");
        assert!(dynamic_value(&path, absent).is_none(), "{rpath:?}");
        assert_only_intended_changes(&fixture("edit-basic", "libext-rpath.so"), &path, &[]);
    }
    let removed = edit(
        &original,
        &ElfEdit {
            rpath: Some(RpathEdit::Remove),
            ..ElfEdit::default()
        },
    );
    let path = write_file(&dir, "libext.so", &removed);
    assert_eq!(dynamic_value(&path, "RPATH"), None);
    assert_eq!(dynamic_value(&path, "RUNPATH"), None);
    // Without a search path in the file the dependencies resolve only through the environment.
    assert!(load_native(&[&path], "ext_value").is_err());
    assert_eq!(
        load_native_with_library_path(&[&path], "ext_value", Some(&dir)),
        Ok(48)
    );
}

#[test]
fn rust_lld_cdylib_without_dynamic_slack_gets_soname_and_rpath() {
    if !oracles() {
        return;
    }
    let dir = scratch("rustlld");
    let input = read_fixture("edit-rustlld", "librustlld.so");
    let before = wheelfix_elf::edit::inspect(&input).unwrap();
    assert_eq!(
        before.dynamic.len() as u64 + 1,
        before.dynamic_capacity,
        "the fixture should have no free .dynamic slot"
    );
    let output = edit(
        &input,
        &graft_edit(Some("librustlld-0badc0de.so"), &[], "$ORIGIN/../pkg.libs"),
    );
    let path = write_file(&dir, "librustlld.so", &output);
    assert_eq!(load_native(&[&path], "rust_value"), Ok(42));
    assert_eq!(
        dynamic_value(&path, "SONAME").as_deref(),
        Some("Library soname: [librustlld-0badc0de.so]")
    );
    assert_only_intended_changes(&fixture("edit-rustlld", "librustlld.so"), &path, &[]);
    assert_layout_invariants(&output);
}

#[test]
fn library_with_2_mib_alignment_loads_after_edit() {
    if !oracles() {
        return;
    }
    let dir = scratch("align2m");
    let input = read_fixture("edit-align2m", "libalign2m.so");
    let output = edit(
        &input,
        &graft_edit(
            Some("libalign2m-feedface.so"),
            &[],
            "$ORIGIN/../a/long/rpath",
        ),
    );
    let path = write_file(&dir, "libalign2m.so", &output);
    assert_eq!(load_native(&[&path], "align_value"), Ok(42));
    assert_only_intended_changes(&fixture("edit-align2m", "libalign2m.so"), &path, &[]);
    assert_layout_invariants(&output);
}

/// Turn every `.gnu.version` entry that uses a version of `library` into a plain global
/// binding, as if the symbols were unversioned (x86_64 little-endian fixtures only).
fn unbind_versions_of(input: &[u8], library: &str) -> Vec<u8> {
    use object::read::elf::{ElfFile64, FileHeader, SectionHeader};
    let file = ElfFile64::<object::Endianness>::parse(input).unwrap();
    let endian = file.endian();
    let sections = file.elf_section_table();
    let (mut needs, link) = sections.gnu_verneed(endian, input).unwrap().unwrap();
    let strings = sections.strings(endian, input, link).unwrap();
    let mut indices = Vec::new();
    while let Some((need, mut auxes)) = needs.next().unwrap() {
        let is_library = need.file(endian, strings).unwrap() == library.as_bytes();
        while let Some(aux) = auxes.next().unwrap() {
            if is_library {
                indices.push(aux.vna_other.get(endian).0);
            }
        }
    }
    let versym = sections
        .iter()
        .find(|s| s.sh_type(endian) == object::elf::SHT_GNU_VERSYM)
        .unwrap();
    let start = versym.sh_offset(endian) as usize;
    let size = versym.sh_size(endian) as usize;
    let mut output = input.to_vec();
    for entry in output[start..start + size].chunks_exact_mut(2) {
        let index = u16::from_le_bytes([entry[0], entry[1]]) & 0x7fff;
        if indices.contains(&index) {
            entry.copy_from_slice(&1u16.to_le_bytes());
        }
    }
    let _ = file.elf_header().e_machine(endian);
    output
}

#[test]
fn remove_needed_is_refused_while_versions_are_referenced() {
    let input = read_fixture("edit-basic", "libext.so");
    let err = apply(
        &input,
        &ElfEdit {
            remove_needed: vec![name("libfoo.so.1")],
            ..ElfEdit::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        err,
        EditError::VersionsStillReferenced {
            library: name("libfoo.so.1"),
            versions: vec![name("FOO_1.0"), name("FOO_2.0")],
            symbols: 2,
        }
    );
    assert_eq!(
        err.to_string(),
        "refusing to remove DT_NEEDED `libfoo.so.1`: .gnu.version still references its versions `FOO_1.0`, `FOO_2.0` from 2 dynamic symbol(s)"
    );
    let missing = apply(
        &input,
        &ElfEdit {
            remove_needed: vec![name("libnothere.so")],
            ..ElfEdit::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        missing.to_string(),
        "no DT_NEEDED entry names `libnothere.so`"
    );
}

#[test]
fn remove_needed_drops_the_entry_and_its_version_record() {
    if !oracles() {
        return;
    }
    let dir = scratch("remove");
    let libfoo = copy_fixture("edit-basic", "libfoo.so.1", &dir, "libfoo.so.1");
    let libbar = copy_fixture("edit-basic", "libbar.so", &dir, "libbar.so");
    let unbound = unbind_versions_of(&read_fixture("edit-basic", "libext.so"), "libfoo.so.1");
    let output = edit(
        &unbound,
        &ElfEdit {
            remove_needed: vec![name("libfoo.so.1"), name("libbar.so")],
            ..ElfEdit::default()
        },
    );
    let path = write_file(&dir, "libext.so", &output);
    assert_eq!(needed(READELF, &path), Vec::<String>::new());
    assert_eq!(version_need_files(READELF, &path), Vec::<String>::new());
    assert_eq!(dynamic_value(&path, "VERNEED"), None);
    assert_eq!(load_native(&[&libfoo, &libbar, &path], "ext_value"), Ok(48));

    // The middle record of a chain of three (libgomp, libvdep2, libvdep): its neighbours must be
    // relinked.
    let dir = scratch("remove-middle");
    let vdep = copy_fixture("edit-versioned", "libvdep.so.1", &dir, "libvdep.so.1");
    let vdep2 = copy_fixture("edit-versioned", "libvdep2.so.1", &dir, "libvdep2.so.1");
    let original = read_fixture("edit-versioned", "libuser.so");
    let records_before = version_need_files(READELF, &fixture("edit-versioned", "libuser.so"));
    assert!(records_before.len() >= 3, "{records_before:?}");
    assert_eq!(
        records_before.get(1).map(String::as_str),
        Some("libvdep2.so.1")
    );
    let unbound = unbind_versions_of(&original, "libvdep2.so.1");
    let output = edit(
        &unbound,
        &ElfEdit {
            remove_needed: vec![name("libvdep2.so.1")],
            ..ElfEdit::default()
        },
    );
    let path = write_file(&dir, "libuser.so", &output);
    let records_after = version_need_files(READELF, &path);
    let expected: Vec<String> = records_before
        .into_iter()
        .filter(|f| f != "libvdep2.so.1")
        .collect();
    assert_eq!(records_after, expected);
    assert_version_files_match_needed(READELF, &path);
    if Path::new("/usr/lib/x86_64-linux-gnu/libgomp.so.1").exists() {
        assert_eq!(load_native(&[&vdep, &vdep2, &path], "user_value"), Ok(42));
    } else {
        skip_or_fail("libgomp.so.1 is not installed");
    }
}

#[test]
fn versioned_dependencies_like_libgomp_are_grafted() {
    if !oracles() {
        return;
    }
    let system_gomp = Path::new("/usr/lib/x86_64-linux-gnu/libgomp.so.1");
    if !system_gomp.exists() {
        skip_or_fail("libgomp.so.1 is not installed");
        return;
    }
    let dir = scratch("versioned");
    let gomp = std::fs::read(system_gomp).unwrap();
    write_file(
        &dir,
        "libgomp-a1b2c3d4.so.1",
        &edit(
            &gomp,
            &graft_edit(Some("libgomp-a1b2c3d4.so.1"), &[], "$ORIGIN"),
        ),
    );
    write_file(
        &dir,
        "libvdep-11223344.so.1",
        &edit(
            &read_fixture("edit-versioned", "libvdep.so.1"),
            &graft_edit(Some("libvdep-11223344.so.1"), &[], "$ORIGIN"),
        ),
    );
    copy_fixture("edit-versioned", "libvdep2.so.1", &dir, "libvdep2.so.1");
    let renames = [
        ("libvdep.so.1", "libvdep-11223344.so.1"),
        ("libgomp.so.1", "libgomp-a1b2c3d4.so.1"),
    ];
    let output = edit(
        &read_fixture("edit-versioned", "libuser.so"),
        &graft_edit(None, &renames, "$ORIGIN"),
    );
    let path = write_file(&dir, "libuser.so", &output);
    assert_eq!(load_native(&[&path], "user_value"), Ok(42));
    assert_only_intended_changes(&fixture("edit-versioned", "libuser.so"), &path, &renames);
    let files = version_need_files(READELF, &path);
    assert!(
        files.contains(&"libgomp-a1b2c3d4.so.1".to_owned()),
        "{files:?}"
    );
    assert!(!files.contains(&"libgomp.so.1".to_owned()), "{files:?}");
}

#[test]
fn library_already_patched_by_patchelf_is_edited_again() {
    if !oracles() {
        return;
    }
    let dir = scratch("patchelf");
    copy_fixture(
        "edit-patchelf",
        "libfoo-11111111.so.1",
        &dir,
        "libfoo-11111111.so.1",
    );
    copy_fixture("edit-patchelf", "libbar.so", &dir, "libbar.so");
    let input = read_fixture("edit-patchelf", "libext-patched.so");
    let output = edit(
        &input,
        &graft_edit(
            Some("libext-0123abcd-with-a-longer-soname.so"),
            &[("libbar.so", "libbar-22222222.so")],
            "$ORIGIN/../a/longer/rpath/than/before:$ORIGIN",
        ),
    );
    copy_fixture("edit-patchelf", "libbar.so", &dir, "libbar-22222222.so");
    let path = write_file(&dir, "libext.so", &output);
    assert_eq!(load_native(&[&path], "ext_value"), Ok(48));
    assert_only_intended_changes(&fixture("edit-patchelf", "libext-patched.so"), &path, &[]);
    assert_layout_invariants(&output);
    // patchelf's segment is rebuilt, not stacked upon.
    assert_eq!(loads(&output).len(), loads(&input).len());
}

#[test]
fn in_process_strip_keeps_every_allocated_byte() {
    if !oracles() {
        return;
    }
    let dir = scratch("strip");
    copy_fixture("edit-basic", "libfoo.so.1", &dir, "libfoo.so.1");
    copy_fixture("edit-basic", "libbar.so", &dir, "libbar.so");
    let input = read_fixture("edit-basic", "libext-debug.so");
    let output = edit(
        &input,
        &ElfEdit {
            strip: true,
            ..ElfEdit::default()
        },
    );
    assert!(output.len() < input.len());
    let path = write_file(&dir, "libext.so", &output);
    assert_eq!(load_native(&[&path], "ext_value"), Ok(48));
    let sections = run_tool(READELF, &["-SW"], &path);
    assert!(!sections.contains(".symtab"), "{sections}");
    assert!(!sections.contains(".debug"), "{sections}");
    // The ELF header changes (e_shoff, e_shnum, e_shstrndx); every other loaded byte stays.
    const EHDR_SIZE: u64 = 64;
    for load in loads(&input) {
        let start = load.offset.max(EHDR_SIZE) as usize;
        let range = start..(load.offset + load.filesz) as usize;
        assert_eq!(
            input[range.clone()],
            output[range],
            "PT_LOAD at {:#x} changed",
            load.offset
        );
    }
    assert_eq!(loads(&input), loads(&output));
    assert_only_intended_changes(&fixture("edit-basic", "libext-debug.so"), &path, &[]);
    assert_layout_invariants(&output);

    // Strip and edit in one call.
    let both = edit(
        &input,
        &ElfEdit {
            strip: true,
            ..graft_edit(Some("libext-deadbeef.so"), &[], "$ORIGIN/x:$ORIGIN")
        },
    );
    let path = write_file(&dir, "libext.so", &both);
    assert_eq!(load_native(&[&path], "ext_value"), Ok(48));
    assert_layout_invariants(&both);
}

/// The edits whose outputs get a new segment, by fixture: `(case, file, symbol, value, edit)`.
fn segment_adding_edits() -> Vec<(&'static str, &'static str, &'static str, i64, ElfEdit)> {
    vec![
        (
            "edit-basic",
            "libext.so",
            "ext_value",
            48,
            graft_edit(
                Some("libext-abcdef01.so"),
                &[],
                "$ORIGIN/../long/enough/to/append:$ORIGIN",
            ),
        ),
        (
            "edit-basic",
            "libext-debug.so",
            "ext_value",
            48,
            graft_edit(
                Some("libext-abcdef01.so"),
                &[],
                "$ORIGIN/../long/enough/to/append:$ORIGIN",
            ),
        ),
        (
            "edit-rustlld",
            "librustlld.so",
            "rust_value",
            42,
            graft_edit(Some("librustlld-abcdef01.so"), &[], "$ORIGIN"),
        ),
        (
            "edit-align2m",
            "libalign2m.so",
            "align_value",
            42,
            graft_edit(Some("libalign2m-abcdef01.so"), &[], "$ORIGIN/../x"),
        ),
        (
            "edit-patchelf",
            "libext-patched.so",
            "ext_value",
            48,
            graft_edit(
                Some("libext-abcdef01.so"),
                &[],
                "$ORIGIN/../long/enough/to/append:$ORIGIN",
            ),
        ),
    ]
}

#[test]
fn binutils_strip_and_llvm_strip_after_an_edit_still_give_loadable_files() {
    if !oracles() || !have_tool("strip") || !have_tool("llvm-strip") {
        return;
    }
    for (case, file, symbol, value, edit_spec) in segment_adding_edits() {
        let dir = scratch("post-strip");
        for dependency in ["libfoo.so.1", "libbar.so", "libfoo-11111111.so.1"] {
            if fixture(case, dependency).exists() {
                copy_fixture(case, dependency, &dir, dependency);
            }
        }
        let output = edit(&read_fixture(case, file), &edit_spec);
        for (tool, args) in [
            ("strip", &[][..]),
            ("strip", &["--strip-debug"][..]),
            ("llvm-strip", &[][..]),
            ("llvm-strip", &["--strip-debug"][..]),
        ] {
            let path = write_file(&dir, file, &output);
            let (ok, stderr) = run_in_place(tool, args, &path);
            assert!(
                ok,
                "{tool} {args:?} failed on edited {case}/{file}: {stderr}"
            );
            assert_eq!(
                load_native(&[&path], symbol),
                Ok(value),
                "{tool} {args:?} broke edited {case}/{file}"
            );
        }
    }
}

#[test]
fn soname_sharing_bytes_with_a_symbol_name_is_not_overwritten() {
    if !oracles() {
        return;
    }
    let dir = scratch("shared");
    let input = read_fixture("edit-basic", "libshare.so");
    let output = edit(
        &input,
        &ElfEdit {
            set_soname: Some(name("abc")),
            ..ElfEdit::default()
        },
    );
    let path = write_file(&dir, "libshare.so", &output);
    assert_eq!(load_native(&[&path], "get_x_value"), Ok(7));
    assert_eq!(
        dynamic_value(&path, "SONAME").as_deref(),
        Some("Library soname: [abc]")
    );
    assert_only_intended_changes(&fixture("edit-basic", "libshare.so"), &path, &[]);
}

#[test]
fn an_empty_edit_returns_the_input_unchanged() {
    for (case, file) in [
        ("edit-basic", "libext.so"),
        ("edit-rustlld", "librustlld.so"),
        ("edit-patchelf", "libext-patched.so"),
    ] {
        let input = read_fixture(case, file);
        assert_eq!(edit(&input, &ElfEdit::default()), input, "{case}/{file}");
    }
}

#[test]
fn non_pie_executable_keeps_its_program_headers_in_place_and_runs() {
    if !oracles() {
        return;
    }
    let dir = scratch("exec");
    copy_fixture("edit-basic", "libfoo.so.1", &dir, "libfoo.so.1");
    copy_fixture("edit-basic", "libbar.so", &dir, "libbar.so");
    copy_fixture("edit-basic", "libext.so", &dir, "libext-0123abcd.so");
    let input = read_fixture("edit-basic", "exec-nopie");
    let output = edit(
        &input,
        &graft_edit(
            None,
            &[("libext.so", "libext-0123abcd.so")],
            "$ORIGIN/../a/path/long/enough/to/append:$ORIGIN",
        ),
    );
    assert_eq!(
        output[32..40],
        input[32..40],
        "e_phoff moved in an executable"
    );
    assert_layout_invariants(&output);
    let path = write_file(&dir, "exec", &output);
    let run = std::process::Command::new(&path).output().unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&run.stdout), "48\n");
    assert_only_intended_changes(&fixture("edit-basic", "exec-nopie"), &path, &[]);
    let (ok, stderr) = run_in_place("strip", &[], &path);
    assert!(ok, "{stderr}");
    let run = std::process::Command::new(&path).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), "48\n");
}

/// musl's dynamic loader, with the `edit-musl` harness: a graft, the moved program header table
/// (musl finds it through the PT_LOAD covering it) and a second round of edits.
#[test]
fn musl_loads_edited_libraries() {
    if !oracles() {
        return;
    }
    if !Path::new("/lib/ld-musl-x86_64.so.1").exists() {
        skip_or_fail("musl's loader /lib/ld-musl-x86_64.so.1 is not installed");
        return;
    }
    let harness = fixture("edit-musl", "harness");
    let load = |library: &Path| -> Load {
        let output = std::process::Command::new(&harness)
            .arg(library)
            .arg("ext_value")
            .env_remove("LD_LIBRARY_PATH")
            .output()
            .unwrap();
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        Ok(String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .unwrap())
    };
    let dir = scratch("musl");
    let libfoo = read_fixture("edit-musl", "libfoo.so.1");
    write_file(
        &dir,
        "libfoo-0123abcd.so.1",
        &edit(
            &libfoo,
            &graft_edit(Some("libfoo-0123abcd.so.1"), &[], "$ORIGIN"),
        ),
    );
    copy_fixture("edit-musl", "libbar.so", &dir, "libbar.so");
    let input = read_fixture("edit-musl", "libext.so");
    let renames = [("libfoo.so.1", "libfoo-0123abcd.so.1")];
    let first = edit(
        &input,
        &graft_edit(
            Some("libext-0123abcd.so"),
            &renames,
            "$ORIGIN/../x.libs:$ORIGIN",
        ),
    );
    let path = write_file(&dir, "libext.so", &first);
    assert_eq!(load(&path), Ok(48));
    assert_only_intended_changes(&fixture("edit-musl", "libext.so"), &path, &renames);

    let second = edit(
        &first,
        &graft_edit(
            Some("libext-second-round.so"),
            &[],
            "$ORIGIN/../second.libs:$ORIGIN",
        ),
    );
    assert_eq!(loads(&second).len(), loads(&first).len());
    let path = write_file(&dir, "libext.so", &second);
    assert_eq!(load(&path), Ok(48));

    // Without section headers the program header table moves into the new segment.
    let mut headerless = input.clone();
    headerless[40..48].fill(0);
    headerless[60..64].fill(0);
    let moved = edit(
        &headerless,
        &graft_edit(None, &renames, "$ORIGIN/../a/long/enough/path:$ORIGIN"),
    );
    let phoff = u64::from_le_bytes(moved[32..40].try_into().unwrap());
    assert_eq!(phoff, loads(&moved).pop().unwrap().offset);
    let path = write_file(&dir, "libext.so", &moved);
    assert_eq!(load(&path), Ok(48));
}
