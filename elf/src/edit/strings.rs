//! Placing new strings in the dynamic string table: reuse an existing copy, overwrite the old
//! string in place when it is long enough and nobody else reads it, or append.
//!
//! Appending keeps every old offset valid, so `.dynsym`, the hash tables, the version tables
//! and relocations never change. Two strings are "shared" when they end at the same NUL: the
//! linker merges `libfoo.so.1` and `foo.so.1` into one tail, and overwriting one would rename
//! the other. Where the table lives afterwards is not decided here (see `layout`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A string some reference must point to after the edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StringRequest {
    /// Where the reference pointed before; `None` for a new reference.
    pub(crate) old: Option<u64>,
    pub(crate) text: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StringPlan {
    /// The final offset of each request, in request order.
    pub(crate) offsets: Vec<u64>,
    /// Bytes to overwrite in the existing table: `(offset, bytes)`; the bytes end with NUL.
    pub(crate) in_place: Vec<(u64, Vec<u8>)>,
    /// Bytes to add after the end of the existing table.
    pub(crate) appended: Vec<u8>,
}

/// Position of the NUL that ends the string at `offset`.
fn terminator(table: &[u8], offset: u64) -> Option<u64> {
    let start = usize::try_from(offset).ok()?;
    let tail = table.get(start..)?;
    let end = tail.iter().position(|&b| b == 0)?;
    Some(offset + end as u64)
}

/// The offset of an existing NUL-terminated copy of `text` (possibly the tail of a longer
/// string).
fn find_existing(table: &[u8], text: &[u8]) -> Option<u64> {
    table
        .iter()
        .enumerate()
        .filter(|&(_, &byte)| byte == 0)
        .find_map(|(nul, _)| {
            let start = nul.checked_sub(text.len())?;
            (table.get(start..nul)? == text).then_some(start as u64)
        })
}

/// Decide where each request's string goes.
///
/// `kept` are the offsets of every reference that survives the edit unchanged (symbol names,
/// version names, untouched dynamic entries). With `allow_in_place` false (when not every
/// reference is known), nothing is overwritten.
pub(crate) fn plan_strings(
    table: &[u8],
    kept: &[u64],
    requests: &[StringRequest],
    allow_in_place: bool,
) -> StringPlan {
    let mut offsets: Vec<Option<u64>> = vec![None; requests.len()];
    let mut used_groups: BTreeSet<u64> = kept
        .iter()
        .filter_map(|&offset| terminator(table, offset))
        .collect();

    for (slot, request) in offsets.iter_mut().zip(requests) {
        let unchanged = request.old.filter(|&old| {
            terminator(table, old)
                .and_then(|end| table.get(old as usize..end as usize))
                .is_some_and(|current| current == request.text.as_slice())
        });
        if let Some(found) = unchanged.or_else(|| find_existing(table, &request.text)) {
            *slot = Some(found);
            used_groups.extend(terminator(table, found));
        }
    }

    // Group the remaining requests by the NUL that ends their old string.
    struct Group {
        text: Vec<u8>,
        start: u64,
        members: Vec<usize>,
    }
    let mut groups: BTreeMap<u64, Group> = BTreeMap::new();
    if allow_in_place {
        for (index, request) in requests.iter().enumerate() {
            let (None, Some(old)) = (offsets.get(index).copied().flatten(), request.old) else {
                continue;
            };
            let Some(end) = terminator(table, old) else {
                continue;
            };
            if used_groups.contains(&end) {
                continue;
            }
            let group = groups.entry(end).or_insert_with(|| Group {
                text: request.text.clone(),
                start: old,
                members: Vec::new(),
            });
            if group.text == request.text {
                group.start = group.start.min(old);
                group.members.push(index);
            }
        }
    }
    let mut in_place = Vec::new();
    for (end, group) in groups {
        let room = end - group.start;
        if group.text.len() as u64 > room {
            continue;
        }
        let mut bytes = group.text.clone();
        bytes.resize(room as usize + 1, 0);
        in_place.push((group.start, bytes));
        for member in group.members {
            if let Some(slot) = offsets.get_mut(member) {
                *slot = Some(group.start);
            }
        }
    }

    let mut appended = Vec::new();
    let mut appended_at: HashMap<&[u8], u64> = HashMap::new();
    let base = table.len() as u64;
    let offsets = offsets
        .iter()
        .zip(requests)
        .map(|(slot, request)| {
            slot.unwrap_or_else(|| {
                *appended_at
                    .entry(request.text.as_slice())
                    .or_insert_with(|| {
                        let at = base + appended.len() as u64;
                        appended.extend_from_slice(&request.text);
                        appended.push(0);
                        at
                    })
            })
        })
        .collect();
    StringPlan {
        offsets,
        in_place,
        appended,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(old: Option<u64>, text: &str) -> StringRequest {
        StringRequest {
            old,
            text: text.as_bytes().to_vec(),
        }
    }

    /// Renders the plan as `offsets | in-place writes | appended`, with NUL shown as `.`.
    #[track_caller]
    fn check(table: &str, kept: &[u64], requests: &[StringRequest], expect: &str) {
        let plan = plan_strings(table.as_bytes(), kept, requests, true);
        let show = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace('\0', ".");
        let writes: Vec<String> = plan
            .in_place
            .iter()
            .map(|(offset, bytes)| format!("{offset}:{}", show(bytes)))
            .collect();
        let got = format!(
            "{:?} | {} | {}",
            plan.offsets,
            writes.join(" "),
            show(&plan.appended)
        );
        assert_eq!(got, expect);
    }

    #[test]
    fn shorter_unshared_string_is_overwritten_in_place() {
        check(
            "\0libold.so.1\0sym\0",
            &[13],
            &[request(Some(1), "libnew.so")],
            "[1] | 1:libnew.so... | ",
        );
    }

    #[test]
    fn longer_string_is_appended() {
        check(
            "\0libold.so\0",
            &[],
            &[request(Some(1), "libnew.so.1")],
            "[11] |  | libnew.so.1.",
        );
    }

    #[test]
    fn string_sharing_a_tail_with_a_kept_reference_is_not_overwritten() {
        // `x_value` is the tail of the kept symbol name `get_x_value`.
        check(
            "\0get_x_value\0",
            &[1],
            &[request(Some(5), "abc")],
            "[13] |  | abc.",
        );
    }

    #[test]
    fn existing_copy_is_reused_even_as_a_tail() {
        check(
            "\0libfoo.so.1\0needed\0",
            &[13],
            &[request(Some(13), "foo.so.1")],
            "[4] |  | ",
        );
    }

    #[test]
    fn references_renamed_together_share_one_in_place_write() {
        // DT_NEEDED and vn_file both point at offset 1 and both become the new name.
        check(
            "\0libfoo.so.1\0",
            &[],
            &[request(Some(1), "libbar.so"), request(Some(1), "libbar.so")],
            "[1, 1] | 1:libbar.so... | ",
        );
    }

    #[test]
    fn different_new_texts_for_one_old_string_append_the_second() {
        check(
            "\0libfoo.so.1\0",
            &[],
            &[request(Some(1), "a.so"), request(Some(1), "b.so")],
            "[1, 13] | 1:a.so........ | b.so.",
        );
    }

    #[test]
    fn new_references_are_appended_once() {
        check(
            "\0",
            &[],
            &[request(None, "$ORIGIN"), request(None, "$ORIGIN")],
            "[1, 1] |  | $ORIGIN.",
        );
    }

    #[test]
    fn nothing_is_overwritten_when_in_place_is_not_allowed() {
        let plan = plan_strings(b"\0libold.so.1\0", &[], &[request(Some(1), "x")], false);
        assert!(plan.in_place.is_empty());
        assert_eq!(plan.offsets, vec![13]);
    }
}
