//! The human-readable reports: short labelled lines that can be read at a glance, no color, data
//! on stdout. JSON lives in `report::json`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use wheelfix_audit::{DepTree, PolicyAssessment, Verdict, location_label};
use wheelfix_tags::PlatformTag;

use crate::commands::audit::{Outcome, passes};

/// At most this many symbols per file in a "too new" line; JSON lists them all.
const SYMBOLS_SHOWN: usize = 8;

/// At most this many files in a line naming the files linked against the other libc; JSON lists
/// them all.
const FILES_SHOWN: usize = 3;

pub(crate) fn audit(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    match outcome {
        Outcome::Pure { path } => {
            writeln!(out, "{}", path.display())?;
            writeln!(
                out,
                "  verdict:  pure Python wheel (no ELF files); no platform tag needed"
            )?;
            writeln!(out, "  result:   ok")
        }
        Outcome::Unreadable { path, message } => {
            writeln!(out, "{}", path.display())?;
            writeln!(out, "  error:    {message}")
        }
        Outcome::Platform {
            path,
            verdict,
            notes,
            plat,
        } => {
            writeln!(out, "{}", path.display())?;
            platform(out, verdict, notes, plat.as_ref())
        }
    }
}

fn tags_text(verdict: &Verdict, policy: &str) -> String {
    let tags = verdict.tags_of(policy);
    let mut text = tags.first().map(ToString::to_string).unwrap_or_default();
    if tags.len() > 1 {
        let aliases: Vec<String> = tags[1..].iter().map(ToString::to_string).collect();
        text.push_str(&format!(" (alias {})", aliases.join(", ")));
    }
    text
}

fn platform(
    out: &mut dyn Write,
    verdict: &Verdict,
    notes: &[String],
    plat: Option<&PlatformTag>,
) -> io::Result<()> {
    writeln!(
        out,
        "  verdict:  {} as it is",
        tags_text(verdict, &verdict.overall)
    )?;
    if verdict.repairable != verdict.overall {
        let libs: Vec<&String> = verdict
            .policy(&verdict.repairable)
            .map(|p| p.external_libs.keys().collect())
            .unwrap_or_default();
        let libs: Vec<&str> = libs.iter().map(|s| s.as_str()).collect();
        writeln!(
            out,
            "  repair:   {} after vendoring {}",
            tags_text(verdict, &verdict.repairable),
            libs.join(", ")
        )?;
    }
    if verdict.claims.is_empty() {
        writeln!(out, "  claimed:  no manylinux/musllinux tag")?;
    } else {
        let claims: Vec<String> = verdict
            .claims
            .iter()
            .map(|c| format!("{} {}", c.tag, if c.met { "yes" } else { "NO" }))
            .collect();
        writeln!(out, "  claimed:  {}", claims.join(", "))?;
    }
    libc_mismatches(out, verdict)?;
    if let Some(plat) = plat {
        let met = passes(verdict, Some(plat));
        writeln!(out, "  --plat:   {plat} {}", if met { "yes" } else { "NO" })?;
    }
    if !verdict.external_libs.is_empty() {
        for (index, (soname, lib)) in verdict.external_libs.iter().enumerate() {
            let label = if index == 0 {
                "external: "
            } else {
                "          "
            };
            let found = lib
                .realpath
                .as_ref()
                .map(location_label)
                .unwrap_or_else(|| "not found".to_owned());
            let users: Vec<&str> = lib.needed_by.iter().map(String::as_str).collect();
            writeln!(
                out,
                "  {label}{soname} => {found} (needed by {})",
                users.join(", ")
            )?;
        }
    }
    for (index, (lib, versions)) in verdict.versioned_symbols.iter().enumerate() {
        let label = if index == 0 {
            "symbols:  "
        } else {
            "          "
        };
        let mut versions: Vec<&String> = versions.iter().collect();
        versions.sort_by_key(|v| version_key(v));
        let versions: Vec<&str> = versions.iter().map(|v| v.as_str()).collect();
        writeln!(out, "  {label}{lib}: {}", versions.join(" "))?;
    }
    out_of_reach(out, verdict)?;
    for file in &verdict.executable_stack {
        writeln!(
            out,
            "  warning:  {file} requests an executable stack (glibc 2.41+ and Debian 13 refuse to load it)"
        )?;
    }
    for file in &verdict.purelib_elves {
        writeln!(
            out,
            "  problem:  {file} is an ELF file installed to purelib; binary wheels must use platlib"
        )?;
    }
    for note in notes {
        writeln!(out, "  note:     {note}")?;
    }
    let result = if passes(verdict, plat) {
        "ok".to_owned()
    } else if let Some(plat) = plat {
        format!("FAIL: the wheel does not meet {plat} as it is")
    } else if verdict.claims.is_empty() {
        if verdict.repairable == "linux" {
            "FAIL: no manylinux/musllinux tag is reachable".to_owned()
        } else {
            format!(
                "FAIL: the wheel claims no portable tag; `wheelfix repair` can make it {}",
                verdict.tag_of(&verdict.repairable)
            )
        }
    } else {
        let unmet: Vec<String> = verdict
            .claims
            .iter()
            .filter(|c| !c.met)
            .map(|c| c.tag.to_string())
            .collect();
        format!("FAIL: claimed {} not met", unmet.join(", "))
    };
    writeln!(out, "  result:   {result}")
}

/// The claims of the other libc than the ELF files are linked against, with the files that
/// name the wheel's libc: such a claim is false whatever the policies say. All such claims name
/// the same libc (the one the wheel is not judged as), so they share one line.
fn libc_mismatches(out: &mut dyn Write, verdict: &Verdict) -> io::Result<()> {
    let Some((tags, mismatch)) = verdict.libc_mismatch() else {
        return Ok(());
    };
    let tags: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
    let shown: Vec<&str> = mismatch
        .files
        .iter()
        .take(FILES_SHOWN)
        .map(String::as_str)
        .collect();
    let files_text = match mismatch.files.len().saturating_sub(FILES_SHOWN) {
        _ if shown.is_empty() => "its ELF files".to_owned(),
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    };
    let (tag_noun, verb) = (
        if tags.len() == 1 {
            "is a tag"
        } else {
            "are tags"
        },
        if mismatch.files.len() == 1 {
            "is"
        } else {
            "are"
        },
    );
    writeln!(
        out,
        "  problem:  {} {tag_noun} for {}, but {files_text} {verb} linked against {}",
        tags.join(", "),
        mismatch.claimed,
        mismatch.linked
    )
}

/// Each reason a more compatible policy is out of reach, once, with the least compatible
/// policy it rules out ("X and older").
fn out_of_reach(out: &mut dyn Write, verdict: &Verdict) -> io::Result<()> {
    let better: Vec<&PolicyAssessment> = verdict
        .policies
        .iter()
        .filter(|p| !verdict.at_least(&verdict.overall, &p.name))
        .collect();
    if better.is_empty() {
        return Ok(());
    }
    let mut lines: Vec<(String, String, Vec<String>)> = Vec::new();
    let mut record = |reason: String, policy: &str, details: Vec<String>| {
        match lines.iter_mut().find(|(r, _, _)| *r == reason) {
            // Policies are visited most compatible first; the last one seen is the newest.
            Some(entry) => entry.1 = policy.to_owned(),
            None => lines.push((reason, policy.to_owned(), details)),
        }
    };
    for policy in &better {
        for too_new in &policy.too_new {
            let details = too_new
                .users
                .iter()
                .map(|(file, symbols)| {
                    if symbols.is_empty() {
                        format!("{file}: (version required, no symbol bound to it)")
                    } else {
                        let mut shown: Vec<&str> = symbols
                            .iter()
                            .take(SYMBOLS_SHOWN)
                            .map(String::as_str)
                            .collect();
                        let more = symbols.len().saturating_sub(SYMBOLS_SHOWN);
                        let extra = if more > 0 {
                            format!(" and {more} more")
                        } else {
                            String::new()
                        };
                        shown.dedup();
                        format!("{file}: {}{extra}", shown.join(", "))
                    }
                })
                .collect();
            record(
                format!("{} from {} is too new", too_new.version, too_new.library),
                &policy.name,
                details,
            );
        }
        for (lib, symbols) in &policy.blacklisted {
            for (symbol, files) in symbols {
                let files: Vec<&str> = files.iter().map(String::as_str).collect();
                record(
                    format!("blacklisted symbol {symbol} from {lib}"),
                    &policy.name,
                    vec![format!("referenced by {}", files.join(", "))],
                );
            }
        }
        for isa in &policy.isa {
            record(
                format!("{} requires {}", isa.file, isa.level),
                &policy.name,
                Vec::new(),
            );
        }
        if !policy.external_libs.is_empty()
            && policy.too_new.is_empty()
            && policy.blacklisted.is_empty()
            && policy.isa.is_empty()
        {
            let libs: Vec<&str> = policy.external_libs.keys().map(String::as_str).collect();
            record(
                format!("{} must be vendored first", libs.join(", ")),
                &policy.name,
                Vec::new(),
            );
        }
    }
    if !verdict.pyfpe.is_empty() {
        lines.push((
            format!("{} uses PyFPE_jbuf", verdict.pyfpe.join(", ")),
            String::new(),
            Vec::new(),
        ));
    }
    if !verdict.ucs2.is_empty() {
        lines.push((
            format!(
                "{} is built for narrow-unicode (UCS2) Python",
                verdict.ucs2.join(", ")
            ),
            String::new(),
            Vec::new(),
        ));
    }
    // The reason that rules out the least compatible policy is the one that decides the
    // verdict: list it first.
    lines.sort_by_key(|(_, policy, _)| verdict.policy(policy).map_or(0, |p| p.priority));
    writeln!(out, "  better tags out of reach:")?;
    for (reason, policy, details) in lines {
        let scope = if policy.is_empty() {
            "every manylinux/musllinux tag".to_owned()
        } else {
            format!("{} and older", verdict.tag_of(&policy))
        };
        writeln!(out, "    {reason}: rules out {scope}")?;
        for detail in details {
            writeln!(out, "      {detail}")?;
        }
    }
    Ok(())
}

/// Order version nodes naturally: `GLIBC_2.2.5` < `GLIBC_2.3` < `GLIBC_2.10`.
fn version_key(version: &str) -> Vec<(u64, String)> {
    let mut key = Vec::new();
    let mut number = String::new();
    let mut text = String::new();
    for c in version.chars() {
        if c.is_ascii_digit() {
            if !text.is_empty() {
                key.push((0, std::mem::take(&mut text)));
            }
            number.push(c);
        } else {
            if !number.is_empty() {
                key.push((number.parse().unwrap_or(u64::MAX), String::new()));
                number.clear();
            }
            text.push(c);
        }
    }
    if !number.is_empty() {
        key.push((number.parse().unwrap_or(u64::MAX), String::new()));
    }
    if !text.is_empty() {
        key.push((0, text));
    }
    key
}

pub(crate) fn lddtree(out: &mut dyn Write, tree: &DepTree) -> io::Result<()> {
    writeln!(out, "{}", tree.root)?;
    if let Some(interp) = &tree.facts.interpreter {
        writeln!(out, "  interpreter => {interp}")?;
    }
    let mut printed: BTreeMap<&str, bool> = BTreeMap::new();
    print_needed(out, tree, &tree.needed, 1, &mut printed)
}

fn print_needed<'t>(
    out: &mut dyn Write,
    tree: &'t DepTree,
    needed: &'t [String],
    depth: usize,
    printed: &mut BTreeMap<&'t str, bool>,
) -> io::Result<()> {
    for soname in needed {
        let indent = "  ".repeat(depth);
        let Some(lib) = tree.libraries.get(soname) else {
            writeln!(out, "{indent}{soname} => (excluded)")?;
            continue;
        };
        let found = lib
            .realpath
            .as_ref()
            .map(location_label)
            .unwrap_or_else(|| "not found".to_owned());
        if printed.insert(soname.as_str(), true).is_some() {
            writeln!(out, "{indent}{soname} => {found} (see above)")?;
            continue;
        }
        writeln!(out, "{indent}{soname} => {found}")?;
        print_needed(out, tree, &lib.needed, depth + 1, printed)?;
    }
    Ok(())
}
