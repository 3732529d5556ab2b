//! The in-process ELF editor: one [`apply`] call rewrites DT_SONAME, DT_NEEDED (and the
//! matching `.gnu.version_r` records), DT_RPATH/DT_RUNPATH, and optionally strips symbol tables
//! and debug sections, returning the new file as bytes.
//!
//! The editor appends rather than moves: code and data stay at their offsets and addresses.
//! New strings go in place when they fit and nobody else reads the old ones, else into a copy
//! of `.dynstr` in one new PT_LOAD at the end of the address space (aligned to the machine's
//! ABI page size), which also takes `.dynamic` when it has no free slot. The only allocated
//! bytes that ever move are the tables the loader finds through headers (notes, hash tables,
//! `.dynsym`, version tables, `.dynstr`, `.dynamic`): when the program header table must grow in
//! place, those it would overwrite move to the new segment and their old bytes are zeroed. A
//! segment added by an earlier edit is rebuilt rather than stacked. See `layout` for the file
//! shape.
//!
//! Reading and planning are pure and panic-free on any input: malformed files give an
//! [`EditError`] naming the structure at fault. This module does no I/O; callers write the
//! result (atomically) themselves.
//!
//! Module map, in reading order: `image` (parse and validate), `versions` (version records),
//! `plan` (what changes), `strings` (where new strings go), `layout` (where bytes go),
//! `sections` (section headers, strip), `write` (the bytes), `check` (read the result back),
//! `codec` (record encodings), `inspect` (a summary for `wheelfix elf show`).

mod check;
mod codec;
mod error;
mod image;
mod inspect;
mod layout;
mod plan;
mod sections;
mod strings;
mod versions;
mod write;

use rayon::prelude::*;

pub use error::EditError;
pub use inspect::{
    DynamicEntrySummary, ElfSummary, ProgramHeaderSummary, SectionSummary, VersionNeedSummary,
    dynamic_tag_name, inspect,
};

use crate::ElfName;

/// Everything one call changes in a file. The default edit changes nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ElfEdit {
    /// Set DT_SONAME, adding the entry when the file has none.
    pub set_soname: Option<ElfName>,
    /// Rename DT_NEEDED entries `old` to `new`, together with the `.gnu.version_r` records
    /// whose file is `old`.
    pub replace_needed: Vec<(ElfName, ElfName)>,
    /// Drop DT_NEEDED entries and their `.gnu.version_r` records; refused while `.gnu.version`
    /// still uses those versions.
    pub remove_needed: Vec<ElfName>,
    pub rpath: Option<RpathEdit>,
    /// Drop `.symtab`, `.strtab` and `.debug*` sections.
    pub strip: bool,
}

/// What to do with DT_RPATH and DT_RUNPATH. Setting one always removes the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RpathEdit {
    SetRpath(ElfName),
    SetRunpath(ElfName),
    /// Remove both.
    Remove,
}

impl ElfEdit {
    pub fn is_empty(&self) -> bool {
        *self == ElfEdit::default()
    }
}

/// Apply `edit` to the ELF file `input` and return the edited file.
///
/// The input is read, never modified; the output is one new buffer. An empty edit returns an
/// identical copy.
pub fn apply(input: &[u8], edit: &ElfEdit) -> Result<Vec<u8>, EditError> {
    validate(edit)?;
    let image = image::Image::parse(input)?;
    let plan = plan::plan(&image, edit)?;
    let layout = layout::lay_out(&image, &plan, edit.strip)?;
    let output = write::write(&image, &plan, &layout)?;
    check::read_back(&image, edit, &output)?;
    Ok(output)
}

/// [`apply`] to many files in parallel (on rayon's global pool), results in input order.
pub fn apply_all(jobs: &[(&[u8], &ElfEdit)]) -> Vec<Result<Vec<u8>, EditError>> {
    jobs.par_iter()
        .map(|(input, edit)| apply(input, edit))
        .collect()
}

fn validate(edit: &ElfEdit) -> Result<(), EditError> {
    let check_name = |what: &str, name: &ElfName| {
        if name.as_bytes().is_empty() {
            return Err(EditError::InvalidEdit(format!("{what} must not be empty")));
        }
        if name.as_bytes().contains(&0) {
            return Err(EditError::InvalidEdit(format!(
                "{what} `{name}` contains a NUL byte"
            )));
        }
        Ok(())
    };
    if let Some(soname) = &edit.set_soname {
        check_name("the new DT_SONAME", soname)?;
    }
    for (position, (old, new)) in edit.replace_needed.iter().enumerate() {
        check_name("a replaced DT_NEEDED", old)?;
        check_name("a new DT_NEEDED", new)?;
        if edit
            .replace_needed
            .iter()
            .take(position)
            .any(|(o, _)| o == old)
        {
            return Err(EditError::InvalidEdit(format!("`{old}` is replaced twice")));
        }
        if edit.remove_needed.contains(old) {
            return Err(EditError::InvalidEdit(format!(
                "`{old}` is both replaced and removed"
            )));
        }
    }
    for name in &edit.remove_needed {
        check_name("a removed DT_NEEDED", name)?;
    }
    if let Some(RpathEdit::SetRpath(path) | RpathEdit::SetRunpath(path)) = &edit.rpath
        && path.as_bytes().contains(&0)
    {
        return Err(EditError::InvalidEdit(format!(
            "the path `{path}` contains a NUL byte"
        )));
    }
    Ok(())
}
