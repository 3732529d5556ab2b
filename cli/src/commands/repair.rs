//! `wheelfix repair`: audit, choose the target tag, plan, graft and patch, write one wheel per
//! input into `-w DIR`, and audit the result again before it is renamed into place.
//!
//! Exit status: 0 when every wheel was written, 1 when one cannot reach the requested tag (the
//! reason and the offending symbols are printed), 2 when one could not be read or written.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use wheelfix_audit::{
    Analysis, AnalyzeOptions, EvaluateOptions, HostFs, KnownFacts, Verdict, analyze, evaluate,
};
use wheelfix_policies::PolicySet;
use wheelfix_repair::{Refusal, Requested, WriteOptions};
use wheelfix_tags::PlatformTag;
use wheelfix_wheel::Wheel;
use wheelfix_wheel::write::DosDateTime;

use crate::args::RepairArgs;
use crate::commands::{ExitStatus, host, search_options};
use crate::input::{expand_wheels, file_name, read_file};

pub(crate) fn run(args: &RepairArgs) -> Result<ExitStatus> {
    if args.distro.is_some() {
        return crate::commands::distro::repair(args);
    }
    let requested = match args.plat.as_deref() {
        None | Some("auto") => Requested::Auto,
        Some(text) => {
            let tag: PlatformTag = text.parse().with_context(|| format!("--plat {text}"))?;
            if !tag.is_portable_linux() {
                bail!(
                    "--plat {text}: not a manylinux or musllinux tag (use `--distro debian` for linux_* wheels)"
                );
            }
            Requested::Tag(tag)
        }
    };
    let write = write_options(args)?;
    let wheels = expand_wheels(&args.inputs)?;
    let host = host(&args.search)?;
    let search = search_options(&args.search, &args.exclude);
    let context = Context_ {
        requested,
        args,
        host: &host,
        search,
        write,
    };
    let mut status = ExitStatus::Success;
    let stdout = std::io::stdout();
    for path in &wheels {
        let outcome = repair_one(path, &context);
        let mut err = std::io::stderr();
        match outcome {
            Ok(written) => writeln!(stdout.lock(), "{}", written.display())?,
            Err(Failure::Refused(message)) => {
                writeln!(
                    err,
                    "wheelfix: {}: cannot repair: {message}",
                    path.display()
                )?;
                status = status.max(ExitStatus::Failure);
            }
            Err(Failure::Error(message)) => {
                writeln!(err, "wheelfix: error: {}: {message}", path.display())?;
                status = status.max(ExitStatus::Error);
            }
        }
    }
    Ok(status)
}

/// The options that shape the written wheel (`--strip`, `-z`, `SOURCE_DATE_EPOCH`,
/// `--no-update-tags`), validated.
pub(crate) fn write_options(args: &RepairArgs) -> Result<WriteOptions> {
    if args.zip_compression_level > 9 {
        bail!(
            "-z {}: the compression level must be 0 to 9",
            args.zip_compression_level
        );
    }
    let timestamp = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => DosDateTime::from_unix(
            text.trim()
                .parse::<i64>()
                .with_context(|| format!("SOURCE_DATE_EPOCH={text} is not a number of seconds"))?,
        ),
        Err(_) => DosDateTime::EPOCH,
    };
    Ok(WriteOptions {
        strip: args.strip,
        compression_level: args.zip_compression_level,
        timestamp,
        update_tags: !args.no_update_tags,
    })
}

struct Context_<'a> {
    requested: Requested,
    args: &'a RepairArgs,
    host: &'a dyn HostFs,
    search: wheelfix_audit::SearchOptions,
    write: WriteOptions,
}

enum Failure {
    /// The wheel cannot reach the requested tag: a verdict (exit 1).
    Refused(String),
    /// It could not be read or written (exit 2).
    Error(String),
}

fn repair_one(path: &Path, context: &Context_<'_>) -> Result<PathBuf, Failure> {
    let error = |e: &dyn std::fmt::Display| Failure::Error(e.to_string());
    let bytes = read_file(path).map_err(|e| error(&e))?;
    let name = file_name(path);
    let mut wheel = Wheel::open(&name, &bytes).map_err(|e| error(&e))?;
    crate::input::release_pages_when_done(&mut wheel, &bytes);
    let plat = match &context.requested {
        Requested::Tag(tag) => Some(tag.clone()),
        Requested::Auto => None,
    };
    let options = AnalyzeOptions {
        search: context.search.clone(),
        plat,
        verify_record: true,
        known_facts: None,
        in_memory_limit: None,
    };
    let analysis = match analyze(&wheel, context.host, &options).map_err(|e| error(&e))? {
        Analysis::Pure { .. } => {
            // Nothing to repair; the cibuildwheel contract still wants one wheel in the output.
            let destination = context.args.wheel_dir.join(&name);
            copy_verbatim(&bytes, &destination).map_err(|e| error(&e))?;
            note(&format!("{name} is a pure Python wheel; copied unchanged"));
            return Ok(destination);
        }
        Analysis::Platform(analysis) => analysis,
    };
    for pattern in &analysis.unused_excludes {
        note(&format!(
            "warning: --exclude `{pattern}` matched no library of {name}"
        ));
    }
    let table = PolicySet::embedded(analysis.libc).map_err(|e| error(&e))?;
    let verdict = evaluate(
        &analysis,
        table,
        &EvaluateOptions {
            disable_isa_check: context.args.disable_isa_ext_check,
        },
    );
    let target = wheelfix_repair::choose(&verdict, &context.requested, context.args.only_plat)
        .map_err(|r| Failure::Refused(refusal_text(&verdict, &r)))?;
    if let Some((requested, found)) = &target.higher_priority_found {
        note(&format!(
            "{name} is eligible for a more compatible tag: {} was requested, {} is reachable; both are written (--only-plat keeps just the first)",
            verdict.tag_of(requested),
            verdict.tag_of(found)
        ));
    }
    let keep = |tag: &PlatformTag| existing_tag_holds(&verdict, table, &target.graft_policy, tag);
    let tags =
        wheelfix_repair::retag::platform_tags(wheel.filename.platform_tags(), &target.tags, keep);
    // A tag of the other libc is always dropped; say so, as it is the input's mistake rather
    // than something the repair changed about the wheel.
    for claim in &verdict.claims {
        if let Some(mismatch) = &claim.libc_mismatch
            && !tags.contains(&claim.tag)
        {
            note(&format!(
                "{name}: dropped {}: the tag is for {}, but the ELF files are linked against {}",
                claim.tag, mismatch.claimed, mismatch.linked
            ));
        }
    }
    let libs_dir = format!("{}{}", wheel.filename.name, context.args.lib_sdir);
    let plan = wheelfix_repair::plan(&analysis, table, &target.graft_policy, tags, &libs_dir)
        .map_err(|e| Failure::Refused(e.to_string()))?;
    for warning in &plan.warnings {
        note(&format!("warning: {warning}"));
    }
    // The written wheel is audited again; members copied unchanged keep the facts read above.
    let known: KnownFacts = analysis
        .elves
        .iter()
        .filter_map(|elf| {
            let entry = wheel.entry(wheel.member(&elf.path)?);
            Some((
                (elf.path.clone(), entry.crc32, entry.uncompressed_size),
                (elf.facts.clone(), analysis.digests.get(&elf.path).cloned()),
            ))
        })
        .collect();
    let known = std::sync::Arc::new(known);
    let verify = |written: &Path, filename: &str| reaudit(written, filename, context, &known);
    let repaired = wheelfix_repair::apply(
        &wheel,
        &plan,
        context.host,
        &context.args.wheel_dir,
        &context.write,
        &analysis.digests,
        &verify,
    )
    .map_err(|e| error(&e))?;
    for graft in &repaired.grafted {
        note(&format!(
            "grafted {} => {}/{} (from {})",
            graft.soname,
            libs_dir,
            graft.new_name,
            graft.source.display()
        ));
    }
    Ok(repaired.path)
}

/// Whether an existing manylinux/musllinux tag of the input still holds after grafting for
/// `graft_policy`: it is kept then, and dropped otherwise.
fn existing_tag_holds(
    verdict: &Verdict,
    table: &PolicySet,
    graft_policy: &str,
    tag: &PlatformTag,
) -> bool {
    if tag.libc() != Some(verdict.libc) {
        return verdict.claims.iter().any(|c| c.tag == *tag && c.met);
    }
    // The tag holds after the repair when nothing but vendoring stood in its way and every
    // library it needs vendored is grafted.
    let grafted: Vec<&String> = verdict
        .policy(graft_policy)
        .map(|p| p.external_libs.keys().collect())
        .unwrap_or_default();
    match table.by_tag(tag).and_then(|p| verdict.policy(&p.name)) {
        Some(assessment) => {
            assessment.reachable_by_repair(verdict)
                && assessment
                    .external_libs
                    .keys()
                    .all(|lib| grafted.contains(&lib))
        }
        None => false,
    }
}

/// Audit the written wheel: every manylinux/musllinux tag it carries must hold.
fn reaudit(
    written: &Path,
    filename: &str,
    context: &Context_<'_>,
    known: &std::sync::Arc<KnownFacts>,
) -> Result<(), String> {
    let bytes = read_file(written).map_err(|e| e.to_string())?;
    let wheel = Wheel::open(filename, &bytes).map_err(|e| e.to_string())?;
    let options = AnalyzeOptions {
        search: context.search.clone(),
        plat: None,
        verify_record: false,
        known_facts: Some(known.clone()),
        in_memory_limit: None,
    };
    let analysis = match analyze(&wheel, context.host, &options).map_err(|e| e.to_string())? {
        Analysis::Pure { .. } => return Ok(()),
        Analysis::Platform(analysis) => analysis,
    };
    let table = PolicySet::embedded(analysis.libc).map_err(|e| e.to_string())?;
    let verdict = evaluate(
        &analysis,
        table,
        &EvaluateOptions {
            disable_isa_check: context.args.disable_isa_ext_check,
        },
    );
    let unmet: Vec<String> = verdict
        .claims
        .iter()
        .filter(|c| !c.met)
        .map(|c| c.tag.to_string())
        .collect();
    if !unmet.is_empty() {
        return Err(format!(
            "{} not met (best as written: {})",
            unmet.join(", "),
            verdict.tag_of(&verdict.overall)
        ));
    }
    Ok(())
}

fn refusal_text(verdict: &Verdict, refusal: &Refusal) -> String {
    match refusal {
        Refusal::UnknownTag { tag, arch, libc } => {
            format!("{tag} is not a policy for this {libc} {arch} wheel")
        }
        Refusal::NothingReachable { .. } => {
            let mut text = "no manylinux/musllinux tag is reachable".to_owned();
            if let Some(newest) = verdict.policies.last() {
                text.push_str(&reasons(verdict, newest));
            }
            text
        }
        Refusal::OutOfReach {
            tag,
            reachable,
            assessment,
        } => {
            format!(
                "{tag} is out of reach (best reachable: {}){}",
                verdict.tag_of(reachable),
                reasons(verdict, assessment)
            )
        }
    }
}

/// The reasons a policy is out of reach, with the offending symbols and files.
fn reasons(verdict: &Verdict, assessment: &wheelfix_audit::PolicyAssessment) -> String {
    let mut lines = Vec::new();
    for too_new in &assessment.too_new {
        let users: Vec<String> = too_new
            .users
            .iter()
            .map(|(file, symbols)| format!("{file} ({})", symbols.join(", ")))
            .collect();
        lines.push(format!(
            "{} from {} is too new, needed by {}",
            too_new.version,
            too_new.library,
            users.join("; ")
        ));
    }
    for (lib, symbols) in &assessment.blacklisted {
        for (symbol, files) in symbols {
            let files: Vec<&str> = files.iter().map(String::as_str).collect();
            lines.push(format!(
                "blacklisted symbol {symbol} from {lib}, referenced by {}",
                files.join(", ")
            ));
        }
    }
    for isa in &assessment.isa {
        lines.push(format!("{} requires {}", isa.file, isa.level));
    }
    if !verdict.pyfpe.is_empty() {
        lines.push(format!("{} uses PyFPE_jbuf", verdict.pyfpe.join(", ")));
    }
    if !verdict.ucs2.is_empty() {
        lines.push(format!(
            "{} is built for a narrow-unicode (UCS2) Python",
            verdict.ucs2.join(", ")
        ));
    }
    if !verdict.purelib_elves.is_empty() {
        lines.push(format!(
            "{} installs ELF files to purelib",
            verdict.purelib_elves.join(", ")
        ));
    }
    if lines.is_empty() {
        String::new()
    } else {
        format!(": {}", lines.join("; "))
    }
}

pub(crate) fn copy_verbatim(bytes: &[u8], destination: &Path) -> std::io::Result<()> {
    if let Some(parent) = destination.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = wheelfix_wheel::AtomicFile::create(destination)?;
    file.write_all(bytes)?;
    file.set_mode(0o644)?;
    file.commit()
}

pub(crate) fn note(message: &str) {
    let _ = writeln!(std::io::stderr(), "wheelfix: {message}");
}
