//! The last step of every edit: read the output back the way the loader will and compare its
//! dynamic section with what the edit asked for.
//!
//! The planner only writes where the input's own structures say it may; a malformed input whose
//! section headers contradict its dynamic section could still steer a write somewhere harmful.
//! This check turns such a case into an error instead of a broken file. It costs a header parse
//! and a walk of `.gnu.version_r`, nothing proportional to the file size.

use object::elf;

use super::error::{EditError, Result};
use super::image::Image;
use super::versions::{read_needs, string_at};
use super::{ElfEdit, RpathEdit};

/// The string-valued entries of the dynamic section that an edit touches.
#[derive(Debug, PartialEq, Eq)]
struct Names {
    needed: Vec<Vec<u8>>,
    soname: Option<Vec<u8>>,
    rpath: Option<Vec<u8>>,
    runpath: Option<Vec<u8>>,
    version_files: Vec<Vec<u8>>,
}

fn names(image: &Image<'_>) -> Result<Names> {
    let mut names = Names {
        needed: Vec::new(),
        soname: None,
        rpath: None,
        runpath: None,
        version_files: Vec::new(),
    };
    let Some(dynamic) = &image.dynamic else {
        return Ok(names);
    };
    let table = match image.string_table()? {
        Some(location) => image
            .bytes(location.offset, location.size)
            .ok_or_else(|| EditError::malformed(".dynstr", "extends past the end of the file"))?,
        None => &[],
    };
    let string = |offset: u64| -> Result<Vec<u8>> {
        string_at(table, offset).map(<[u8]>::to_vec).ok_or_else(|| {
            EditError::malformed(".dynstr", format!("offset `{offset:#x}` is invalid"))
        })
    };
    for &(tag, value) in &dynamic.entries {
        match tag {
            elf::DT_NEEDED => names.needed.push(string(value)?),
            elf::DT_SONAME => names.soname = Some(string(value)?),
            elf::DT_RPATH => names.rpath = Some(string(value)?),
            elf::DT_RUNPATH => names.runpath = Some(string(value)?),
            _ => {}
        }
    }
    for record in read_needs(image)? {
        names.version_files.push(string(u64::from(record.file))?);
    }
    Ok(names)
}

/// What [`names`] of the output must be, given those of the input and the edit.
fn expected(mut names: Names, edit: &ElfEdit) -> Names {
    let rename = |name: &mut Vec<u8>| {
        if let Some((_, new)) = edit
            .replace_needed
            .iter()
            .find(|(old, _)| old.as_bytes() == name)
        {
            *name = new.as_bytes().to_vec();
        }
    };
    let removed = |name: &Vec<u8>| edit.remove_needed.iter().any(|n| n.as_bytes() == name);
    names.needed.retain(|n| !removed(n));
    names.needed.iter_mut().for_each(rename);
    names.version_files.retain(|n| !removed(n));
    names.version_files.iter_mut().for_each(rename);
    if let Some(soname) = &edit.set_soname {
        names.soname = Some(soname.as_bytes().to_vec());
    }
    match &edit.rpath {
        Some(RpathEdit::SetRpath(path)) => {
            names.rpath = Some(path.as_bytes().to_vec());
            names.runpath = None;
        }
        Some(RpathEdit::SetRunpath(path)) => {
            names.runpath = Some(path.as_bytes().to_vec());
            names.rpath = None;
        }
        Some(RpathEdit::Remove) => {
            names.rpath = None;
            names.runpath = None;
        }
        None => {}
    }
    names
}

/// Fail unless `output` parses and its dynamic names are exactly what `edit` asked for.
pub(crate) fn read_back(input: &Image<'_>, edit: &ElfEdit, output: &[u8]) -> Result<()> {
    let failed = |problem: String| {
        EditError::Layout(format!(
            "the edited file does not read back as intended ({problem}); the input is probably malformed"
        ))
    };
    let image = Image::parse(output).map_err(|e| failed(e.to_string()))?;
    let got = names(&image).map_err(|e| failed(e.to_string()))?;
    let want = expected(names(input)?, edit);
    if got != want {
        return Err(failed("its dynamic section differs from the plan".into()));
    }
    Ok(())
}
