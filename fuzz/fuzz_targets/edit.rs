//! Fuzz target for the ELF editor: the first input byte picks an edit, the rest is the file.
//!
//! Properties checked beyond "no panic": an accepted edit yields an output that the editor's
//! own parser reads back, with the requested SONAME and RPATH in its dynamic section.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wheelfix_elf::ElfName;
use wheelfix_elf::edit::{ElfEdit, RpathEdit, apply, inspect};

fn edit_for(selector: u8) -> ElfEdit {
    let soname = (selector & 1 != 0).then(|| ElfName::from("libfuzzed-0123abcd.so"));
    let rpath = match (selector >> 1) & 3 {
        0 => None,
        1 => Some(RpathEdit::SetRpath(ElfName::from("$ORIGIN/../fuzz.libs"))),
        2 => Some(RpathEdit::SetRunpath(ElfName::from("$O"))),
        _ => Some(RpathEdit::Remove),
    };
    let replace_needed = if selector & 8 != 0 {
        vec![(ElfName::from("libfoo.so.1"), ElfName::from("libfoo-0123abcd.so.1"))]
    } else {
        Vec::new()
    };
    let remove_needed = if selector & 16 != 0 {
        vec![ElfName::from("libbar.so")]
    } else {
        Vec::new()
    };
    ElfEdit {
        set_soname: soname,
        replace_needed,
        remove_needed,
        rpath,
        strip: selector & 32 != 0,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, file)) = data.split_first() else {
        return;
    };
    let edit = edit_for(selector);
    let Ok(output) = apply(file, &edit) else {
        return;
    };
    let summary = match inspect(&output) {
        Ok(summary) => summary,
        Err(err) => panic!("the editor accepted an input but cannot read its own output: {err}"),
    };
    let string_of = |tag: &str| {
        summary
            .dynamic
            .iter()
            .find(|e| e.name == tag)
            .and_then(|e| e.string.clone())
    };
    if let Some(soname) = &edit.set_soname {
        assert_eq!(string_of("DT_SONAME").as_ref(), Some(soname));
    }
    match &edit.rpath {
        Some(RpathEdit::SetRpath(path)) => {
            assert_eq!(string_of("DT_RPATH").as_ref(), Some(path));
            assert!(string_of("DT_RUNPATH").is_none());
        }
        Some(RpathEdit::SetRunpath(path)) => {
            assert_eq!(string_of("DT_RUNPATH").as_ref(), Some(path));
            assert!(string_of("DT_RPATH").is_none());
        }
        Some(RpathEdit::Remove) => {
            assert!(string_of("DT_RPATH").is_none() && string_of("DT_RUNPATH").is_none());
        }
        None => {}
    }
});
