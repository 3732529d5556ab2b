//! `wheelfix elf show FILE` and `wheelfix elf edit FILE ... -o OUT`: the ELF editor on one file.
//!
//! This is the only place that touches the file system for the editor: the input is
//! memory-mapped and never modified, the output is written to a temporary file next to it,
//! synced and renamed over the destination, with the input's permissions. Errors are printed as
//! one line naming the file. Exit codes: 0 success, 1 the edit was refused, 2 the input could
//! not be read or is not an ELF file the editor understands. Editing logic lives in
//! `wheelfix_elf::edit`.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use wheelfix_elf::ElfName;
use wheelfix_elf::edit::{self, EditError, ElfEdit, ElfSummary, RpathEdit};

#[derive(Debug, clap::Args)]
pub(crate) struct ElfArgs {
    #[command(subcommand)]
    command: ElfCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ElfCommand {
    /// Print the program headers, dynamic entries and version needs of an ELF file
    Show { file: PathBuf },
    /// Rewrite SONAME, DT_NEEDED and RPATH/RUNPATH of an ELF file into a new file
    Edit(EditArgs),
}

#[derive(Debug, clap::Args)]
struct EditArgs {
    /// The ELF file to read (never modified)
    file: PathBuf,
    /// Set DT_SONAME (added when missing)
    #[arg(long, value_name = "SONAME")]
    set_soname: Option<OsString>,
    /// Rename a DT_NEEDED entry and its .gnu.version_r record
    #[arg(long, value_name = "OLD=NEW")]
    replace_needed: Vec<OsString>,
    /// Remove a DT_NEEDED entry and its .gnu.version_r record
    #[arg(long, value_name = "NAME")]
    remove_needed: Vec<OsString>,
    /// Set DT_RPATH and remove DT_RUNPATH
    #[arg(long, value_name = "PATH", group = "rpath_edit")]
    set_rpath: Option<OsString>,
    /// Set DT_RUNPATH and remove DT_RPATH
    #[arg(long, value_name = "PATH", group = "rpath_edit")]
    set_runpath: Option<OsString>,
    /// Remove DT_RPATH and DT_RUNPATH
    #[arg(long, group = "rpath_edit")]
    remove_rpath: bool,
    /// Drop .symtab, .strtab and .debug* sections
    #[arg(long)]
    strip: bool,
    /// Where to write the edited file
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: PathBuf,
}

pub(crate) fn run(args: &ElfArgs) -> Result<ExitCode> {
    match &args.command {
        ElfCommand::Show { file } => show(file),
        ElfCommand::Edit(edit_args) => edit_file(edit_args),
    }
}

/// Print `error: FILE: problem` and return the exit code.
fn fail(file: &Path, problem: impl std::fmt::Display, code: u8) -> Result<ExitCode> {
    writeln!(io::stderr().lock(), "error: {}: {problem}", file.display())?;
    Ok(ExitCode::from(code))
}

fn exit_code_of(err: &EditError) -> u8 {
    match err {
        EditError::NotElf
        | EditError::Unsupported(_)
        | EditError::Malformed { .. }
        | EditError::Layout(_) => 2,
        _ => 1,
    }
}

fn show(file: &Path) -> Result<ExitCode> {
    let input = match MappedFile::open(file) {
        Ok(input) => input,
        Err(err) => return fail(file, err, 2),
    };
    let summary = match edit::inspect(input.bytes()) {
        Ok(summary) => summary,
        Err(err) => return fail(file, &err, exit_code_of(&err)),
    };
    let mut out = io::stdout().lock();
    render(&mut out, file, &summary)?;
    Ok(ExitCode::SUCCESS)
}

fn name_arg(value: &OsString) -> ElfName {
    ElfName::new(value.as_bytes())
}

fn edit_from_args(args: &EditArgs) -> std::result::Result<ElfEdit, String> {
    let mut replace_needed = Vec::new();
    for pair in &args.replace_needed {
        let bytes = pair.as_bytes();
        let Some(split) = bytes.iter().position(|&b| b == b'=') else {
            return Err(format!(
                "--replace-needed `{}` is not of the form OLD=NEW",
                pair.to_string_lossy()
            ));
        };
        let (old, new) = (&bytes[..split], &bytes[split + 1..]);
        replace_needed.push((ElfName::new(old), ElfName::new(new)));
    }
    let rpath = if let Some(path) = &args.set_rpath {
        Some(RpathEdit::SetRpath(name_arg(path)))
    } else if let Some(path) = &args.set_runpath {
        Some(RpathEdit::SetRunpath(name_arg(path)))
    } else if args.remove_rpath {
        Some(RpathEdit::Remove)
    } else {
        None
    };
    Ok(ElfEdit {
        set_soname: args.set_soname.as_ref().map(name_arg),
        replace_needed,
        remove_needed: args.remove_needed.iter().map(name_arg).collect(),
        rpath,
        strip: args.strip,
    })
}

fn edit_file(args: &EditArgs) -> Result<ExitCode> {
    let edit = match edit_from_args(args) {
        Ok(edit) => edit,
        Err(problem) => return fail(&args.file, problem, 2),
    };
    let input = match MappedFile::open(&args.file) {
        Ok(input) => input,
        Err(err) => return fail(&args.file, err, 2),
    };
    let output = match edit::apply(input.bytes(), &edit) {
        Ok(output) => output,
        Err(err) => return fail(&args.file, &err, exit_code_of(&err)),
    };
    let mode = input.mode;
    drop(input);
    if let Err(err) = write_atomically(&args.output, &output, mode) {
        return fail(&args.output, format!("{err:#}"), 1);
    }
    Ok(ExitCode::SUCCESS)
}

/// The input file, memory-mapped (read into memory when it is empty or cannot be mapped).
struct MappedFile {
    map: Option<memmap2::Mmap>,
    read: Vec<u8>,
    mode: u32,
}

impl MappedFile {
    fn open(path: &Path) -> io::Result<MappedFile> {
        use std::os::unix::fs::PermissionsExt;
        let file = File::open(path)?;
        let metadata = file.metadata()?;
        if !metadata.is_file() {
            return Err(io::Error::other("not a regular file"));
        }
        let mode = metadata.permissions().mode();
        if metadata.len() == 0 {
            return Ok(MappedFile {
                map: None,
                read: Vec::new(),
                mode,
            });
        }
        Ok(MappedFile {
            map: Some(map_read_only(&file)?),
            read: Vec::new(),
            mode,
        })
    }

    fn bytes(&self) -> &[u8] {
        match &self.map {
            Some(map) => map,
            None => &self.read,
        }
    }
}

#[allow(unsafe_code)]
fn map_read_only(file: &File) -> io::Result<memmap2::Mmap> {
    // SAFETY: the mapping is read-only and private to this process. Another process truncating
    // or rewriting the file while we read it could change the bytes under us; the editor treats
    // its input as untrusted bytes and never panics on them, and the output is written to a new
    // file, so the worst outcome is an error or a garbled output, as with a concurrent `read`.
    unsafe { memmap2::Mmap::map(file) }
}

/// Write `bytes` to `destination` via a temporary file in the same directory: write, fsync,
/// set `mode`, rename. The destination is either the old file or the complete new one.
fn write_atomically(destination: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let directory = match destination.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = destination
        .file_name()
        .context("the output path has no file name")?;
    let mut attempt = 0u32;
    let (temporary, mut file) = loop {
        let mut name = OsString::from(".");
        name.push(file_name);
        name.push(format!(".wheelfix-{}-{attempt}.tmp", std::process::id()));
        let candidate = directory.join(name);
        match File::options()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(file) => break (candidate, file),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(err) => {
                return Err(err).with_context(|| {
                    format!("creating a temporary file in `{}`", directory.display())
                });
            }
        }
    };
    let result = (|| -> Result<()> {
        file.write_all(bytes).context("writing the output")?;
        file.set_permissions(std::fs::Permissions::from_mode(mode & 0o7777))
            .context("setting permissions")?;
        file.sync_all().context("syncing the output")?;
        drop(file);
        std::fs::rename(&temporary, destination).context("renaming the output into place")?;
        if let Ok(dir) = File::open(&directory) {
            let _ = dir.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

fn machine_name(machine: u16) -> &'static str {
    use object::elf;
    match elf::Machine(machine) {
        elf::EM_386 => "i386",
        elf::EM_X86_64 => "x86_64",
        elf::EM_AARCH64 => "aarch64",
        elf::EM_ARM => "arm",
        elf::EM_PPC64 => "ppc64",
        elf::EM_PPC => "ppc",
        elf::EM_S390 => "s390",
        elf::EM_RISCV => "riscv",
        elf::EM_LOONGARCH => "loongarch",
        _ => "other",
    }
}

fn flags_text(flags: u32) -> String {
    let mut text = String::new();
    text.push(if flags & 4 != 0 { 'R' } else { '-' });
    text.push(if flags & 2 != 0 { 'W' } else { '-' });
    text.push(if flags & 1 != 0 { 'X' } else { '-' });
    text
}

fn render(out: &mut impl Write, file: &Path, summary: &ElfSummary) -> io::Result<()> {
    let file_type = match summary.file_type {
        2 => "executable (ET_EXEC)",
        3 => "shared object (ET_DYN)",
        _ => "other",
    };
    writeln!(
        out,
        "{}: ELF{} {}-endian, machine {} ({}), {file_type}, ABI page size {:#x}",
        file.display(),
        summary.class.bits(),
        match summary.endianness {
            wheelfix_elf::Endianness::Little => "little",
            wheelfix_elf::Endianness::Big => "big",
        },
        summary.machine,
        machine_name(summary.machine),
        summary.abi_page_size
    )?;
    writeln!(out, "\nProgram headers:")?;
    writeln!(
        out,
        "  {:<16} {:>10} {:>18} {:>10} {:>10} {:<3} {:>8}",
        "type", "offset", "vaddr", "filesz", "memsz", "flg", "align"
    )?;
    for header in &summary.program_headers {
        writeln!(
            out,
            "  {:<16} {:>#10x} {:>#18x} {:>#10x} {:>#10x} {:<3} {:>#8x}",
            header.kind,
            header.offset,
            header.vaddr,
            header.filesz,
            header.memsz,
            flags_text(header.flags),
            header.align
        )?;
    }
    if summary.dynamic.is_empty() {
        writeln!(out, "\nNo dynamic section")?;
    } else {
        writeln!(
            out,
            "\nDynamic section: {} entries, room for {} (DT_NULL included)",
            summary.dynamic.len(),
            summary.dynamic_capacity
        )?;
        for entry in &summary.dynamic {
            match &entry.string {
                Some(string) => writeln!(out, "  {:<18} {string}", entry.name)?,
                None => writeln!(out, "  {:<18} {:#x}", entry.name, entry.value)?,
            }
        }
    }
    if !summary.version_needs.is_empty() {
        writeln!(out, "\nVersion needs (.gnu.version_r):")?;
        for need in &summary.version_needs {
            let versions: Vec<String> = need
                .versions
                .iter()
                .map(|(name, index)| format!("{name} ({index})"))
                .collect();
            writeln!(out, "  {}: {}", need.file, versions.join(", "))?;
        }
    }
    Ok(())
}
