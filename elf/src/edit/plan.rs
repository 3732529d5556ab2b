//! What an [`ElfEdit`] means for one file: the new list of dynamic entries, the fate of each
//! `.gnu.version_r` record, and where every new string goes.
//!
//! This is the semantic half of the editor. It decides values, not positions: addresses of
//! tables that may move are left as they were in the input and are translated by `write`
//! once `layout` has placed them.

use std::collections::BTreeSet;

use object::elf::{self, DynamicTag};

use super::error::{EditError, Result};
use super::image::{Image, StringTableLocation};
use super::strings::{StringPlan, StringRequest, plan_strings};
use super::versions::{self, NeedRecord, string_at};
use super::{ElfEdit, RpathEdit};
use crate::ElfName;

/// The value of a planned dynamic entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Value {
    /// Kept as it is (addresses are translated if their table moves).
    Raw(u64),
    /// The final offset of string request `n`.
    String(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PlannedEntry {
    pub(crate) tag: DynamicTag,
    pub(crate) value: Value,
}

/// What happens to one `.gnu.version_r` record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NeedFate {
    Keep,
    /// `vn_file` becomes string request `n`.
    Rename(usize),
    Drop,
}

/// Where `.dynsym` is and how many symbols it has.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SymbolTableLocation {
    pub(crate) offset: u64,
    pub(crate) count: u64,
}

#[derive(Debug)]
pub(crate) struct Plan {
    /// The dynamic entries after the edit, DT_NULL excluded.
    pub(crate) entries: Vec<PlannedEntry>,
    pub(crate) string_table: Option<StringTableLocation>,
    pub(crate) strings: StringPlan,
    pub(crate) needs: Vec<NeedRecord>,
    pub(crate) need_fates: Vec<NeedFate>,
}

impl Plan {
    /// Whether the edit changes anything in the dynamic section or its tables.
    pub(crate) fn changes_dynamic(&self, image: &Image<'_>) -> bool {
        let original = image
            .dynamic
            .as_ref()
            .map(|d| d.entries.as_slice())
            .unwrap_or(&[]);
        let same_entries = self.entries.len() == original.len()
            && self
                .entries
                .iter()
                .zip(original)
                .all(|(planned, (tag, value))| {
                    planned.tag == *tag
                        && match planned.value {
                            Value::Raw(raw) => raw == *value,
                            Value::String(request) => {
                                self.strings.offsets.get(request).copied() == Some(*value)
                            }
                        }
                });
        !same_entries
            || !self.strings.in_place.is_empty()
            || !self.strings.appended.is_empty()
            || self.need_fates.iter().any(|fate| *fate != NeedFate::Keep)
    }

    pub(crate) fn kept_needs(&self) -> impl Iterator<Item = &NeedRecord> {
        self.needs
            .iter()
            .zip(&self.need_fates)
            .filter(|(_, fate)| **fate != NeedFate::Drop)
            .map(|(record, _)| record)
    }
}

/// Dynamic tags whose value is an offset into DT_STRTAB.
pub(crate) fn is_string_tag(tag: DynamicTag) -> bool {
    matches!(
        tag,
        elf::DT_NEEDED
            | elf::DT_SONAME
            | elf::DT_RPATH
            | elf::DT_RUNPATH
            | elf::DT_AUXILIARY
            | elf::DT_FILTER
            | elf::DT_CONFIG
            | elf::DT_DEPAUDIT
            | elf::DT_AUDIT
    )
}

pub(crate) fn plan(image: &Image<'_>, edit: &ElfEdit) -> Result<Plan> {
    let touches_dynamic = edit.set_soname.is_some()
        || !edit.replace_needed.is_empty()
        || !edit.remove_needed.is_empty()
        || edit.rpath.is_some();
    let Some(dynamic) = image.dynamic.as_ref() else {
        if touches_dynamic {
            return Err(EditError::Unsupported(
                "no PT_DYNAMIC segment (statically linked?)".into(),
            ));
        }
        return Ok(Plan {
            entries: Vec::new(),
            string_table: None,
            strings: plan_strings(&[], &[], &[], false),
            needs: Vec::new(),
            need_fates: Vec::new(),
        });
    };
    let string_table = image.string_table()?;
    let table: &[u8] = match string_table {
        Some(location) => image.bytes(location.offset, location.size).ok_or_else(|| {
            EditError::malformed(
                ".dynstr",
                "DT_STRTAB and DT_STRSZ extend past the end of the file",
            )
        })?,
        None if touches_dynamic => {
            return Err(EditError::Unsupported(
                "no DT_STRTAB in the dynamic section".into(),
            ));
        }
        None => &[],
    };
    let string = |what: &'static str, offset: u64| -> Result<&[u8]> {
        string_at(table, offset).ok_or_else(|| {
            EditError::malformed(
                ".dynstr",
                format!(
                    "{what} string offset `{offset:#x}` is outside DT_STRSZ or not NUL-terminated"
                ),
            )
        })
    };

    let mut needed_names = Vec::new();
    for (tag, value) in &dynamic.entries {
        if is_string_tag(*tag) {
            let name = string(tag_name(*tag), *value)?;
            if *tag == elf::DT_NEEDED {
                needed_names.push(name);
            }
        }
    }
    for (old, _) in &edit.replace_needed {
        if !needed_names.contains(&old.as_bytes()) {
            return Err(EditError::NeededNotFound(old.clone()));
        }
    }
    for name in &edit.remove_needed {
        if !needed_names.contains(&name.as_bytes()) {
            return Err(EditError::NeededNotFound(name.clone()));
        }
    }

    let needs = versions::read_needs(image)?;
    let symbol_count = versions::dynamic_symbol_count(image)?;
    let removed = |name: &[u8]| edit.remove_needed.iter().any(|n| n.as_bytes() == name);
    let replacement = |name: &[u8]| {
        edit.replace_needed
            .iter()
            .find(|(old, _)| old.as_bytes() == name)
            .map(|(_, new)| new)
    };
    refuse_removal_of_used_versions(image, table, &needs, symbol_count, &removed)?;

    let mut requests: Vec<StringRequest> = Vec::new();
    let mut request = |old: Option<u64>, text: &ElfName| {
        requests.push(StringRequest {
            old,
            text: text.as_bytes().to_vec(),
        });
        requests.len() - 1
    };

    let mut entries = Vec::with_capacity(dynamic.entries.len() + 2);
    let mut rpath_slot: Option<(usize, u64)> = None;
    let mut had_soname = false;
    for &(tag, value) in &dynamic.entries {
        let planned = match tag {
            elf::DT_NEEDED => {
                let name = string("DT_NEEDED", value)?;
                if removed(name) {
                    continue;
                }
                match replacement(name) {
                    Some(new) => Value::String(request(Some(value), new)),
                    None => Value::Raw(value),
                }
            }
            elf::DT_SONAME => {
                had_soname = true;
                match &edit.set_soname {
                    Some(new) => Value::String(request(Some(value), new)),
                    None => Value::Raw(value),
                }
            }
            elf::DT_RPATH | elf::DT_RUNPATH if edit.rpath.is_some() => {
                rpath_slot.get_or_insert((entries.len(), value));
                continue;
            }
            _ => Value::Raw(value),
        };
        entries.push(PlannedEntry {
            tag,
            value: planned,
        });
    }
    let after_names = entries
        .iter()
        .rposition(|e| e.tag == elf::DT_NEEDED || e.tag == elf::DT_SONAME)
        .map_or(0, |i| i + 1);
    if let (Some(soname), false) = (&edit.set_soname, had_soname) {
        let value = Value::String(request(None, soname));
        entries.insert(
            after_names,
            PlannedEntry {
                tag: elf::DT_SONAME,
                value,
            },
        );
    }
    let new_rpath = match &edit.rpath {
        Some(RpathEdit::SetRpath(path)) => Some((elf::DT_RPATH, path)),
        Some(RpathEdit::SetRunpath(path)) => Some((elf::DT_RUNPATH, path)),
        Some(RpathEdit::Remove) | None => None,
    };
    if let Some((tag, path)) = new_rpath {
        let (position, old) = match rpath_slot {
            Some((position, old)) => (position, Some(old)),
            None => {
                let after_names = entries
                    .iter()
                    .rposition(|e| e.tag == elf::DT_NEEDED || e.tag == elf::DT_SONAME)
                    .map_or(0, |i| i + 1);
                (after_names, None)
            }
        };
        let value = Value::String(request(old, path));
        entries.insert(position.min(entries.len()), PlannedEntry { tag, value });
    }

    let mut need_fates = Vec::with_capacity(needs.len());
    for record in &needs {
        let file = string("vn_file", u64::from(record.file))?;
        let fate = if removed(file) {
            NeedFate::Drop
        } else {
            match replacement(file) {
                Some(new) => NeedFate::Rename(request(Some(u64::from(record.file)), new)),
                None => NeedFate::Keep,
            }
        };
        need_fates.push(fate);
    }
    let kept_records: Vec<&NeedRecord> = needs
        .iter()
        .zip(&need_fates)
        .filter(|(_, fate)| **fate != NeedFate::Drop)
        .map(|(record, _)| record)
        .collect();
    if kept_records.len() != needs.len() {
        match kept_records.first() {
            // glibc indexes its version array with every .gnu.version entry whenever DT_VERSYM
            // exists, and allocates that array only when some version is needed or defined:
            // with neither left, DT_VERSYM must go too or the loader dereferences NULL.
            None if image.dynamic_value(elf::DT_VERDEF).is_none() => entries.retain(|e| {
                e.tag != elf::DT_VERNEED && e.tag != elf::DT_VERNEEDNUM && e.tag != elf::DT_VERSYM
            }),
            None => entries.retain(|e| e.tag != elf::DT_VERNEED && e.tag != elf::DT_VERNEEDNUM),
            Some(first) => {
                for entry in &mut entries {
                    if entry.tag == elf::DT_VERNEED {
                        entry.value = Value::Raw(first.vaddr);
                    } else if entry.tag == elf::DT_VERNEEDNUM {
                        entry.value = Value::Raw(kept_records.len() as u64);
                    }
                }
            }
        }
    }

    let dynamic_symbols = match (image.dynamic_value(elf::DT_SYMTAB), symbol_count) {
        (Some(vaddr), Some(count)) => {
            let len = count
                .checked_mul(image.codec.sym_size())
                .ok_or_else(|| EditError::malformed(".dynsym", "symbol count overflows"))?;
            let offset = image.map_vaddr("DT_SYMTAB", vaddr, len)?;
            Some(SymbolTableLocation { offset, count })
        }
        _ => None,
    };

    let (kept, all_references_known) = kept_string_references(
        image,
        &entries,
        &needs,
        &need_fates,
        dynamic_symbols,
        string_table,
    )?;
    let strings = plan_strings(table, &kept, &requests, all_references_known);
    Ok(Plan {
        entries,
        string_table,
        strings,
        needs,
        need_fates,
    })
}

fn tag_name(tag: DynamicTag) -> &'static str {
    match tag {
        elf::DT_NEEDED => "DT_NEEDED",
        elf::DT_SONAME => "DT_SONAME",
        elf::DT_RPATH => "DT_RPATH",
        elf::DT_RUNPATH => "DT_RUNPATH",
        elf::DT_AUXILIARY => "DT_AUXILIARY",
        elf::DT_FILTER => "DT_FILTER",
        elf::DT_CONFIG => "DT_CONFIG",
        elf::DT_DEPAUDIT => "DT_DEPAUDIT",
        elf::DT_AUDIT => "DT_AUDIT",
        _ => "dynamic entry",
    }
}

/// Refuse to drop a library whose versions some dynamic symbol still requires: the loader would
/// fail (or assert) on a version index that no record defines.
fn refuse_removal_of_used_versions(
    image: &Image<'_>,
    table: &[u8],
    needs: &[NeedRecord],
    symbol_count: Option<u64>,
    removed: &dyn Fn(&[u8]) -> bool,
) -> Result<()> {
    for record in needs {
        let Some(file) = string_at(table, u64::from(record.file)) else {
            continue;
        };
        if !removed(file) || record.versions.is_empty() {
            continue;
        }
        let indices: BTreeSet<u16> = record.versions.iter().map(|v| v.index & 0x7fff).collect();
        let count = symbol_count.ok_or_else(|| {
            EditError::Unsupported(format!(
                "cannot check whether symbols still use the versions of `{}`: the number of dynamic symbols is unknown",
                ElfName::new(file)
            ))
        })?;
        let Some(version_indices) = versions::read_version_indices(image, count)? else {
            continue;
        };
        let mut used = BTreeSet::new();
        let mut symbols = 0;
        for raw in version_indices {
            let index = raw & 0x7fff;
            if indices.contains(&index) {
                used.insert(index);
                symbols += 1;
            }
        }
        if symbols > 0 {
            let versions = record
                .versions
                .iter()
                .filter(|v| used.contains(&(v.index & 0x7fff)))
                .map(|v| ElfName::new(string_at(table, u64::from(v.name)).unwrap_or(b"?")))
                .collect();
            return Err(EditError::VersionsStillReferenced {
                library: ElfName::new(file),
                versions,
                symbols,
            });
        }
    }
    Ok(())
}

/// Every string offset that survives the edit unchanged, and whether that list is complete.
fn kept_string_references(
    image: &Image<'_>,
    entries: &[PlannedEntry],
    needs: &[NeedRecord],
    need_fates: &[NeedFate],
    dynamic_symbols: Option<SymbolTableLocation>,
    string_table: Option<StringTableLocation>,
) -> Result<(Vec<u64>, bool)> {
    let mut kept: Vec<u64> = entries
        .iter()
        .filter(|e| is_string_tag(e.tag))
        .filter_map(|e| match e.value {
            Value::Raw(offset) => Some(offset),
            Value::String(_) => None,
        })
        .collect();
    for (record, fate) in needs.iter().zip(need_fates) {
        match fate {
            NeedFate::Drop => continue,
            NeedFate::Keep => kept.push(u64::from(record.file)),
            NeedFate::Rename(_) => {}
        }
        kept.extend(record.versions.iter().map(|v| u64::from(v.name)));
    }
    kept.extend(
        versions::read_definitions(image)?
            .names
            .into_iter()
            .map(u64::from),
    );
    let Some(symbols) = dynamic_symbols else {
        return Ok((kept, false));
    };
    let codec = image.codec;
    let symbol_size = codec.sym_size();
    let table = image
        .bytes(symbols.offset, symbols.count.saturating_mul(symbol_size))
        .ok_or_else(|| EditError::malformed(".dynsym", "extends past the end of the file"))?;
    kept.extend(
        table
            .chunks_exact(symbol_size as usize)
            .filter_map(|bytes| codec.read_symbol(bytes))
            .map(|(name, _)| u64::from(name)),
    );
    // Another symbol table or the section names sharing .dynstr would be references we do not
    // track; overwrite nothing then.
    let shares_table = string_table.is_some_and(|location| {
        image
            .section_at(elf::SHT_STRTAB, location.vaddr)
            .is_some_and(|index| {
                image.shstrndx as usize == index
                    || image
                        .sections
                        .iter()
                        .any(|s| s.sh_type == elf::SHT_SYMTAB && s.link as usize == index)
            })
    });
    Ok((kept, !shares_table))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXT: &[u8] = include_bytes!("../../../testdata/elf/edit-basic/out/libext.so");
    const RUSTLLD: &[u8] = include_bytes!("../../../testdata/elf/edit-rustlld/out/librustlld.so");

    fn name(text: &str) -> ElfName {
        ElfName::from(text)
    }

    /// Renders the string-valued planned entries (`TAG=text`, new strings in brackets), the
    /// version record fates and how the strings were placed.
    #[track_caller]
    fn check(input: &[u8], edit: &ElfEdit, expect: &str) {
        let image = Image::parse(input).unwrap();
        let plan = plan(&image, edit).unwrap();
        let table = plan
            .string_table
            .and_then(|t| image.bytes(t.offset, t.size))
            .unwrap_or_default();
        let mut parts: Vec<String> = plan
            .entries
            .iter()
            .filter(|e| is_string_tag(e.tag))
            .map(|e| match e.value {
                Value::Raw(offset) => format!(
                    "{}={}",
                    tag_name(e.tag),
                    String::from_utf8_lossy(string_at(table, offset).unwrap_or(b"?"))
                ),
                Value::String(_) => format!("{}=[new]", tag_name(e.tag)),
            })
            .collect();
        parts.push(format!("fates {:?}", plan.need_fates));
        parts.push(format!(
            "in place {} appended {}",
            plan.strings.in_place.len(),
            plan.strings.appended.len()
        ));
        assert_eq!(parts.join(" | "), expect);
    }

    #[test]
    fn graft_renames_needed_and_its_version_record() {
        check(
            EXT,
            &ElfEdit {
                set_soname: Some(name("libext-1.so")),
                replace_needed: vec![(name("libfoo.so.1"), name("libfoo-1.so.1"))],
                rpath: Some(RpathEdit::SetRpath(name("$ORIGIN"))),
                ..ElfEdit::default()
            },
            "DT_NEEDED=[new] | DT_NEEDED=libbar.so | DT_RPATH=[new] | DT_SONAME=[new] | fates [Rename(3)] | in place 0 appended 26",
        );
    }

    #[test]
    fn a_shorter_name_goes_in_place_and_an_existing_one_is_reused() {
        check(
            EXT,
            &ElfEdit {
                replace_needed: vec![(name("libfoo.so.1"), name("libf.so"))],
                rpath: Some(RpathEdit::SetRunpath(name("libbar.so"))),
                ..ElfEdit::default()
            },
            "DT_NEEDED=[new] | DT_NEEDED=libbar.so | DT_RUNPATH=[new] | fates [Rename(2)] | in place 1 appended 0",
        );
    }

    #[test]
    fn removing_rpath_needs_no_new_string() {
        check(
            EXT,
            &ElfEdit {
                rpath: Some(RpathEdit::Remove),
                ..ElfEdit::default()
            },
            "DT_NEEDED=libfoo.so.1 | DT_NEEDED=libbar.so | fates [Keep] | in place 0 appended 0",
        );
        check(
            RUSTLLD,
            &ElfEdit {
                set_soname: Some(name("librust.so")),
                ..ElfEdit::default()
            },
            "DT_NEEDED=libc.so.6 | DT_SONAME=[new] | fates [Keep] | in place 0 appended 11",
        );
    }
}
