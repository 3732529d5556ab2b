//! The editor on foreign architectures (`edit-cross` fixture): aarch64, ppc64le, ppc64 (big
//! endian), s390x (big endian), i686 and armv7l (ELF32), riscv64. Every edited library is
//! loaded by the architecture's dlopen harness under qemu-user with the target's glibc, after
//! the edit and again after binutils `strip` and `llvm-strip`.

#![allow(clippy::disallowed_methods, clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::*;
use wheelfix_elf::edit::{ElfEdit, RpathEdit, inspect};
use wheelfix_elf::{ElfClass, Endianness};

fn available(arch: &Arch) -> bool {
    if !Path::new(arch.sysroot).is_dir() {
        skip_or_fail(&format!("no {} sysroot at {}", arch.name, arch.sysroot));
        return false;
    }
    have_tool(arch.qemu)
}

fn cross_file(arch: &Arch, file: &str) -> Vec<u8> {
    read_fixture("edit-cross", &format!("{}/{file}", arch.name))
}

/// Graft libfoo and libbar under hashed names next to an edited libext; return libext's path.
fn graft(arch: &Arch, dir: &Path) -> (PathBuf, Vec<u8>) {
    let libfoo = edit(
        &cross_file(arch, "libfoo.so.1"),
        &graft_edit(Some("libfoo-12345678.so.1"), &[], "$ORIGIN"),
    );
    let libbar = edit(
        &cross_file(arch, "libbar.so"),
        &graft_edit(Some("libbar-87654321.so"), &[], "$ORIGIN"),
    );
    let ext = edit(
        &cross_file(arch, "libext.so"),
        &graft_edit(
            Some("libext-0badf00d.so"),
            &[
                ("libfoo.so.1", "libfoo-12345678.so.1"),
                ("libbar.so", "libbar-87654321.so"),
            ],
            "$ORIGIN/../mypkg.libs:$ORIGIN",
        ),
    );
    for output in [&libfoo, &libbar, &ext] {
        assert_layout_invariants(output);
    }
    write_file(dir, "libfoo-12345678.so.1", &libfoo);
    write_file(dir, "libbar-87654321.so", &libbar);
    (write_file(dir, "libext.so", &ext), ext)
}

fn expected_page(arch: &Arch) -> u64 {
    match arch.name {
        "aarch64" | "ppc64le" | "ppc64" => 0x10000,
        _ => 0x1000,
    }
}

#[test]
fn grafted_libraries_load_under_qemu_on_every_architecture() {
    for arch in CROSS_ARCHES {
        if !available(arch) {
            continue;
        }
        let dir = scratch(&format!("cross-{}", arch.name));
        let original = fixture("edit-cross", &format!("{}/libext.so", arch.name));
        assert_eq!(
            load_cross(arch, &[&original], "ext_value"),
            Ok(48),
            "{}",
            arch.name
        );
        let (path, output) = graft(arch, &dir);
        assert_eq!(
            load_cross(arch, &[&path], "ext_value"),
            Ok(48),
            "{}",
            arch.name
        );

        let summary = inspect(&output).unwrap();
        let (class, endianness) = match arch.name {
            "i686" | "armv7l" => (ElfClass::Elf32, Endianness::Little),
            "ppc64" | "s390x" => (ElfClass::Elf64, Endianness::Big),
            _ => (ElfClass::Elf64, Endianness::Little),
        };
        assert_eq!(
            (summary.class, summary.endianness),
            (class, endianness),
            "{}",
            arch.name
        );
        assert_eq!(summary.abi_page_size, expected_page(arch), "{}", arch.name);
        let new = loads(&output).pop().unwrap();
        assert_eq!(new.align, expected_page(arch), "{}", arch.name);
        assert_eq!(new.offset % new.align, 0, "{}", arch.name);
        assert_eq!(new.vaddr % new.align, 0, "{}", arch.name);

        if have_tool("readelf") {
            let mut expected = readelf_semantics("readelf", &original);
            expected = expected.replace("File: libfoo.so.1 ", "File: libfoo-12345678.so.1 ");
            assert_eq!(
                expected,
                readelf_semantics("readelf", &path),
                "{}",
                arch.name
            );
            assert_version_files_match_needed("readelf", &path);
        }
    }
}

#[test]
fn binutils_and_llvm_strip_after_an_edit_keep_foreign_libraries_loadable() {
    if !have_tool("llvm-strip") {
        return;
    }
    for arch in CROSS_ARCHES {
        if !available(arch) {
            continue;
        }
        let binutils_strip = format!("{}-strip", arch.triplet);
        if !have_tool(&binutils_strip) {
            continue;
        }
        let dir = scratch(&format!("cross-strip-{}", arch.name));
        let (path, output) = graft(arch, &dir);
        for tool in [binutils_strip.as_str(), "llvm-strip"] {
            std::fs::write(&path, &output).unwrap();
            let (ok, stderr) = run_in_place(tool, &[], &path);
            assert!(ok, "{tool} failed on {}: {stderr}", arch.name);
            assert_eq!(
                load_cross(arch, &[&path], "ext_value"),
                Ok(48),
                "{tool} broke the edited {} library",
                arch.name
            );
        }
    }
}

#[test]
fn in_place_edits_and_re_edits_work_in_every_class_and_byte_order() {
    for arch in CROSS_ARCHES {
        if !available(arch) {
            continue;
        }
        let dir = scratch(&format!("cross-reedit-{}", arch.name));
        copy_fixture(
            "edit-cross",
            &format!("{}/libfoo.so.1", arch.name),
            &dir,
            "libfoo.so.1",
        );
        copy_fixture(
            "edit-cross",
            &format!("{}/libbar.so", arch.name),
            &dir,
            "libbar.so",
        );
        let input = cross_file(arch, "libext.so");

        // `$ORIGIN` replaced by a string of the same length: written in place.
        let same_size = edit(
            &input,
            &ElfEdit {
                rpath: Some(RpathEdit::SetRunpath(name("$ORIGIN"))),
                set_soname: None,
                ..ElfEdit::default()
            },
        );
        assert_eq!(same_size.len(), input.len(), "{}", arch.name);

        let first = edit(
            &input,
            &graft_edit(
                Some("libext-first.so"),
                &[],
                "$ORIGIN/../first/round:$ORIGIN",
            ),
        );
        let second = edit(
            &first,
            &graft_edit(
                Some("libext-second-round.so"),
                &[],
                "$ORIGIN/../second/round:$ORIGIN",
            ),
        );
        assert_eq!(loads(&first).len(), loads(&second).len(), "{}", arch.name);
        assert!(
            second.len() - first.len() <= 64,
            "{}: the second round grew by {}",
            arch.name,
            second.len() - first.len()
        );
        assert_layout_invariants(&second);
        let path = write_file(&dir, "libext.so", &second);
        assert_eq!(
            load_cross(arch, &[&path], "ext_value"),
            Ok(48),
            "{}",
            arch.name
        );

        let stripped = edit(
            &second,
            &ElfEdit {
                strip: true,
                ..ElfEdit::default()
            },
        );
        let path = write_file(&dir, "libext.so", &stripped);
        assert_eq!(
            load_cross(arch, &[&path], "ext_value"),
            Ok(48),
            "{}",
            arch.name
        );
    }
}
