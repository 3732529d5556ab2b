//! `wheelfix elf show` and `wheelfix elf edit`: exit codes, one-line errors naming the file, no
//! output file on failure, atomic output with the input's permissions, input left untouched.
//! What the editor does to the bytes is tested in `elf/tests/`.

#![allow(clippy::disallowed_methods, clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(case: &str, file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/elf")
        .join(case)
        .join("out")
        .join(file)
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli-elf")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn wheelfix(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wheelfix"))
        .args(args)
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn show_prints_headers_dynamic_entries_and_version_needs() {
    let file = fixture("edit-basic", "libext.so");
    let output = wheelfix(&["elf", "show", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(
            "ELF64 little-endian, machine 62 (x86_64), shared object (ET_DYN), ABI page size 0x1000"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("  DT_NEEDED          libfoo.so.1\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  DT_RUNPATH         $ORIGIN\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  libfoo.so.1: FOO_1.0 (3), FOO_2.0 (2)\n"),
        "{stdout}"
    );
}

#[test]
fn edit_writes_a_new_file_with_the_input_permissions_and_leaves_the_input_alone() {
    let dir = scratch("edit");
    let input = dir.join("libext.so");
    std::fs::copy(fixture("edit-basic", "libext.so"), &input).unwrap();
    std::fs::set_permissions(&input, std::fs::Permissions::from_mode(0o640)).unwrap();
    let before = std::fs::read(&input).unwrap();
    let out = dir.join("libext-edited.so");
    let output = wheelfix(&[
        "elf",
        "edit",
        input.to_str().unwrap(),
        "--set-soname",
        "libext-0123abcd.so",
        "--replace-needed",
        "libfoo.so.1=libfoo-0123abcd.so.1",
        "--set-rpath",
        "$ORIGIN/../pkg.libs",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(output.stderr.is_empty());
    assert_eq!(std::fs::read(&input).unwrap(), before);
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o640);
    assert_eq!(files_in(&dir), ["libext-edited.so", "libext.so"]);
    let shown = wheelfix(&["elf", "show", out.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&shown.stdout);
    assert!(
        stdout.contains("  DT_NEEDED          libfoo-0123abcd.so.1\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  DT_SONAME          libext-0123abcd.so\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  DT_RPATH           $ORIGIN/../pkg.libs\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  libfoo-0123abcd.so.1: FOO_1.0 (3), FOO_2.0 (2)\n"),
        "{stdout}"
    );
}

#[test]
fn unreadable_and_malformed_inputs_exit_2_with_one_line_and_write_nothing() {
    let dir = scratch("errors");
    let missing = dir.join("missing.so");
    let out = dir.join("out.so");
    let output = wheelfix(&[
        "elf",
        "edit",
        missing.to_str().unwrap(),
        "--set-soname",
        "x",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!(
            "error: {}: No such file or directory (os error 2)\n",
            missing.display()
        )
    );

    let truncated = dir.join("truncated.so");
    let bytes = std::fs::read(fixture("edit-basic", "libext.so")).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let output = wheelfix(&[
        "elf",
        "edit",
        truncated.to_str().unwrap(),
        "--set-soname",
        "x",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.starts_with(&format!(
            "error: {}: malformed section header table:",
            truncated.display()
        )),
        "{message}"
    );
    let output = wheelfix(&["elf", "show", truncated.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));

    let not_elf = dir.join("text.so");
    std::fs::write(&not_elf, "not an ELF file").unwrap();
    let output = wheelfix(&["elf", "show", not_elf.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!(
            "error: {}: not an ELF file (bad magic number)\n",
            not_elf.display()
        )
    );
    assert_eq!(files_in(&dir), ["text.so", "truncated.so"]);
}

#[test]
fn refused_edits_exit_1_and_write_nothing() {
    let dir = scratch("refused");
    let out = dir.join("out.so");
    let input = fixture("edit-basic", "libext.so");
    let output = wheelfix(&[
        "elf",
        "edit",
        input.to_str().unwrap(),
        "--remove-needed",
        "libfoo.so.1",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        format!(
            "error: {}: refusing to remove DT_NEEDED `libfoo.so.1`: .gnu.version still references its versions `FOO_1.0`, `FOO_2.0` from 2 dynamic symbol(s)\n",
            input.display()
        )
    );
    let output = wheelfix(&[
        "elf",
        "edit",
        input.to_str().unwrap(),
        "--replace-needed",
        "libfoo.so.1",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("is not of the form OLD=NEW"));
    let output = wheelfix(&[
        "elf",
        "edit",
        input.to_str().unwrap(),
        "--set-rpath",
        "a",
        "--remove-rpath",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "clap rejects conflicting rpath flags"
    );
    assert!(files_in(&dir).is_empty());
}
