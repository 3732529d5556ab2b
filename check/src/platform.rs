//! Truth of the platform tags (`T001`–`T003`), executable stacks (`H006`) and abi3 (`A001`,
//! `A002`), all from the audit's own `analyze` and `evaluate` (reused, not copied): a claimed
//! manylinux/musllinux tag must hold as the wheel is, and a wheel must not need libraries it
//! does not vendor and its tags do not allow.
//!
//! ELF facts already read by `contents` are handed to the audit as known facts, so an ELF member
//! is not inflated a second time, unless it is above `contents`' in-memory limit (512 MiB) or
//! `contents` could not parse it; then the audit reads it itself.

use std::collections::BTreeMap;
use std::sync::Arc;

use wheelfix_audit::{
    Analysis, AnalyzeOptions, EvaluateOptions, KnownFacts, Verdict, analyze, evaluate,
    location_label,
};
use wheelfix_elf::ElfFacts;
use wheelfix_policies::PolicySet;
use wheelfix_tags::WheelFilename;
use wheelfix_wheel::Wheel;

use crate::CheckOptions;
use crate::abi3::{self, StableAbi};
use crate::contents::Content;
use crate::rules::{Finding, H006, T001, T002, T003};

/// (files needing it, where it was found, the claimed tags it breaks)
type ExternalNeed = (Vec<String>, Option<String>, Vec<String>);

pub(crate) fn check(
    file_name: &str,
    bytes: &[u8],
    filename: Option<&WheelFilename>,
    contents: &[Content],
    options: &CheckOptions<'_>,
    findings: &mut Vec<Finding>,
    skipped: &mut Vec<String>,
) {
    let has_elf = contents.iter().any(|c| c.is_elf);
    let claims_portable =
        filename.is_some_and(|f| f.platform_tags().iter().any(|t| t.is_portable_linux()));
    if !has_elf && !claims_portable {
        return;
    }
    let mut facts: BTreeMap<String, Arc<ElfFacts>> = contents
        .iter()
        .filter_map(|c| c.facts.clone().map(|f| (c.path.clone(), f)))
        .collect();

    let verdict = audit(
        file_name, bytes, contents, options, findings, skipped, &mut facts,
    );

    if let Some(verdict) = &verdict {
        for file in &verdict.executable_stack {
            findings.push(H006.at(
                file,
                "PT_GNU_STACK asks for an executable stack (or is missing); glibc 2.41+ and Debian 13 refuse to dlopen it",
            ));
        }
    }

    if let Some(version) = abi3::claimed_abi3(file_name) {
        let table = StableAbi::embedded();
        for (path, facts) in &facts {
            findings.extend(abi3::check_elf(path, facts, version, table));
        }
    }
}

/// Run the audit and turn its verdict into `T` findings; returns the verdict when there is one.
fn audit(
    file_name: &str,
    bytes: &[u8],
    contents: &[Content],
    options: &CheckOptions<'_>,
    findings: &mut Vec<Finding>,
    skipped: &mut Vec<String>,
    facts: &mut BTreeMap<String, Arc<ElfFacts>>,
) -> Option<Verdict> {
    let wheel = match Wheel::open(file_name, bytes) {
        Ok(wheel) => wheel,
        Err(err) => {
            findings.push(T003.wheel(format!(
                "the platform tags were not verified: the wheel cannot be opened for the audit ({err})"
            )));
            return None;
        }
    };
    let known: KnownFacts = contents
        .iter()
        .filter_map(|c| {
            let facts = c.facts.clone()?;
            let entry = wheel.archive().entries().get(c.index)?;
            Some((
                (c.path.clone(), entry.crc32, entry.uncompressed_size),
                (facts, c.sha256.clone()),
            ))
        })
        .collect();
    let analyze_options = AnalyzeOptions {
        search: options.search.clone(),
        plat: None,
        verify_record: false,
        known_facts: Some(Arc::new(known)),
        in_memory_limit: None,
    };
    let analysis = match analyze(&wheel, options.host, &analyze_options) {
        Ok(Analysis::Pure { .. }) => {
            skipped.push("no ELF file for the wheel's platform: nothing to audit".to_owned());
            return None;
        }
        Ok(Analysis::Platform(analysis)) => analysis,
        Err(err) => {
            findings.push(T003.wheel(format!("the platform tags were not verified: {err}")));
            return None;
        }
    };
    for elf in &analysis.elves {
        facts
            .entry(elf.path.clone())
            .or_insert_with(|| elf.facts.clone());
    }
    let table = match PolicySet::embedded(analysis.libc) {
        Ok(table) => table,
        Err(err) => {
            findings.push(T003.wheel(format!("the platform tags were not verified: {err}")));
            return None;
        }
    };
    let verdict = evaluate(&analysis, table, &EvaluateOptions::default());
    claims(&verdict, findings);
    Some(verdict)
}

/// One `T001` for the claims of the other libc than the ELF files are linked against (all
/// such claims name the same libc), at the first file that names the wheel's libc.
fn libc_mismatches(verdict: &Verdict, findings: &mut Vec<Finding>) {
    let Some((tags, mismatch)) = verdict.libc_mismatch() else {
        return;
    };
    let tags: Vec<String> = tags.iter().map(|t| format!("`{t}`")).collect();
    let files: Vec<String> = mismatch.files.iter().map(|f| format!("`{f}`")).collect();
    let files_text = match files.len() {
        0 => "its ELF files are".to_owned(),
        1 => format!("{} is", files.join(", ")),
        _ => format!("{} are", files.join(", ")),
    };
    let (tags_are, the_tags_are) = if tags.len() == 1 {
        ("is", "the tag is")
    } else {
        ("are", "the tags are")
    };
    let message = format!(
        "{} {tags_are} not true (the content allows `{}` at best): {the_tags_are} for {}, but {files_text} linked against {}",
        tags.join(", "),
        verdict.tag_of(&verdict.repairable),
        mismatch.claimed,
        mismatch.linked
    );
    findings.push(match mismatch.files.first() {
        Some(file) => T001.at(file, message),
        None => T001.wheel(message),
    });
}

/// `T001` per unmet claim (one per policy, aliases together) naming what breaks it, and
/// `T002` per library the claims would have the wheel vendor.
fn claims(verdict: &Verdict, findings: &mut Vec<Finding>) {
    libc_mismatches(verdict, findings);
    // policy → its claimed tags, in claim order.
    let mut unmet: Vec<(Option<String>, Vec<String>)> = Vec::new();
    for claim in verdict
        .claims
        .iter()
        .filter(|c| !c.met && c.libc_mismatch.is_none())
    {
        match unmet
            .iter_mut()
            .find(|(p, _)| *p == claim.policy && p.is_some())
        {
            Some((_, tags)) => tags.push(claim.tag.to_string()),
            None => unmet.push((claim.policy.clone(), vec![claim.tag.to_string()])),
        }
    }
    let mut libraries: BTreeMap<String, ExternalNeed> = BTreeMap::new();
    for (policy, tags) in &unmet {
        let tags_text = tags
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let Some(assessment) = policy.as_ref().and_then(|p| verdict.policy(p)) else {
            findings.push(T001.wheel(format!(
                "{tags_text}: no {} policy of that name exists for {}",
                verdict.libc, verdict.arch
            )));
            continue;
        };
        let mut reasons = Vec::new();
        let mut first_file: Option<String> = None;
        let mut note_file = |file: &str| {
            if first_file.is_none() {
                first_file = Some(file.to_owned());
            }
        };
        for too_new in &assessment.too_new {
            // Only the wheel's own files: needs of host libraries that vendoring would add are
            // hypothetical, and those libraries are reported as `T002`.
            let users: Vec<String> = too_new
                .users
                .iter()
                .filter(|(file, _)| !file.contains(" (vendored ") && !file.ends_with(" (grafted)"))
                .map(|(file, symbols)| {
                    note_file(file);
                    if symbols.is_empty() {
                        format!("`{file}`")
                    } else {
                        let shown: Vec<String> =
                            symbols.iter().take(5).map(|s| format!("`{s}`")).collect();
                        let more = symbols.len().saturating_sub(5);
                        format!(
                            "`{file}` ({}{})",
                            shown.join(", "),
                            if more > 0 {
                                format!(" and {more} more")
                            } else {
                                String::new()
                            }
                        )
                    }
                })
                .collect();
            if users.is_empty() {
                continue;
            }
            reasons.push(format!(
                "`{}` of `{}` is needed by {}",
                too_new.version,
                too_new.library,
                users.join(", ")
            ));
        }
        for (library, symbols) in &assessment.blacklisted {
            for (symbol, files) in symbols {
                if let Some(file) = files.iter().next() {
                    note_file(file);
                }
                let files: Vec<String> = files.iter().map(|f| format!("`{f}`")).collect();
                reasons.push(format!(
                    "blacklisted symbol `{symbol}` of `{library}` is used by {}",
                    files.join(", ")
                ));
            }
        }
        for isa in &assessment.isa {
            note_file(&isa.file);
            reasons.push(format!("`{}` needs {}", isa.file, isa.level));
        }
        for file in &verdict.pyfpe {
            note_file(file);
            reasons.push(format!("`{file}` references the PyFPE_jbuf symbols"));
        }
        for file in &verdict.ucs2 {
            note_file(file);
            reasons.push(format!("`{file}` is built for a UCS-2 Python"));
        }
        for file in &verdict.purelib_elves {
            note_file(file);
            reasons.push(format!("`{file}` is an ELF file in purelib"));
        }
        if !reasons.is_empty() {
            let message = format!(
                "{tags_text} is not true (the content allows `{}` at best): {}",
                verdict.tag_of(&verdict.repairable),
                reasons.join("; ")
            );
            findings.push(match first_file {
                Some(file) => T001.at(file, message),
                None => T001.wheel(message),
            });
        }
        for (soname, lib) in &assessment.external_libs {
            let entry = libraries.entry(soname.clone()).or_insert_with(|| {
                (
                    lib.needed_by.iter().cloned().collect(),
                    lib.realpath.as_ref().map(location_label),
                    Vec::new(),
                )
            });
            entry.2.extend(tags.iter().cloned());
        }
    }
    for (soname, (needed_by, found, tags)) in libraries {
        let users: Vec<String> = needed_by.iter().map(|f| format!("`{f}`")).collect();
        let tags: Vec<String> = tags.iter().map(|t| format!("`{t}`")).collect();
        let location = match found {
            Some(path) => format!("found at `{path}` on this system"),
            None => "not found on this system".to_owned(),
        };
        let message = format!(
            "`{soname}` (needed by {}) is not in the wheel and {} does not allow it; {location}",
            users.join(", "),
            tags.join(", ")
        );
        findings.push(match needed_by.first() {
            Some(file) => T002.at(file, message),
            None => T002.wheel(message),
        });
    }
}
