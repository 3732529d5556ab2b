//! `wheelfix repair --distro debian`: keep the wheel's `linux_<arch>` tag and its dynamic links,
//! and record the distro packages (with minimal versions) its libraries come from, as
//! `Requires-External` lines in METADATA and the `.dist-info/wheelfix-system-deps.json` sidecar;
//! optionally graft unowned libraries (`--unowned vendor`), write deb-substvars and print the
//! `Depends` line. Also the pieces `wheelfix deps` shares: the [`DistroConfig`] from the command
//! line, one opened dpkg database per architecture, reading a wheel's ELF members, and which
//! analysis errors are verdicts.
//!
//! The analysis itself is `wheelfix-distro`'s and the writing `wheelfix_repair::apply`'s; this
//! module builds the plan between them, decides exit codes and prints.
//!
//! All wheels are analysed before any is written: when one cannot be, nothing is written, and
//! `--substvars` / `--print-depends` only happen when every wheel was written. Exit status: 0
//! when every wheel was written, 1 when one cannot be brought to a complete dependency list on
//! this target (an unowned, missing or mismatched library, an owned library without information
//! under `--strict`, a wheel for another architecture), 2 when something could not be read or
//! written (the wheel, the dpkg database or one of its files, the output).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use wheelfix_distro::{
    DebianBackend, DependencySet, DistroAnalysis, DistroBackend, DistroConfig, DistroError,
    IgnoreReason, LibpythonPolicy, MissingInfoPolicy, NotFoundPolicy, SIDECAR_NAME, Sidecar,
    UnownedPolicy, VersionPolicy, WheelElf, analyze_with, is_scannable, merge_dependencies,
};
use wheelfix_elf::ElfFacts;
use wheelfix_repair::{Graft, MemberEdit, MetadataEdits, RepairPlan, WriteOptions};
use wheelfix_tags::{Arch, PlatformTag};
use wheelfix_wheel::{AtomicFile, Wheel};

use crate::args::{DistroArgs, NotFound, RepairArgs, Unowned};
use crate::commands::ExitStatus;
use crate::commands::repair::{copy_verbatim, note, write_options};
use crate::input::{expand_wheels, file_name, read_file};

/// Why one input produced nothing.
pub(crate) enum Failure {
    /// Read, but it cannot be brought to a complete dependency list here (exit 1).
    Refused(String),
    /// Something could not be read or written (exit 2).
    Error(String),
}

impl Failure {
    pub(crate) fn status(&self) -> ExitStatus {
        match self {
            Failure::Refused(_) => ExitStatus::Failure,
            Failure::Error(_) => ExitStatus::Error,
        }
    }

    /// One line on stderr naming the input; `doing` is what could not be done.
    pub(crate) fn report(&self, input: &Path, doing: &str) {
        match self {
            Failure::Refused(message) => {
                note(&format!("{}: cannot {doing}: {message}", input.display()))
            }
            Failure::Error(message) => note(&format!("error: {}: {message}", input.display())),
        }
    }

    pub(crate) fn error(message: impl std::fmt::Display) -> Failure {
        Failure::Error(message.to_string())
    }
}

impl From<DistroError> for Failure {
    /// The errors that describe the wheel on this target are verdicts; the ones about reading
    /// (the database, a file, a command-line value) are errors.
    fn from(error: DistroError) -> Failure {
        match error {
            DistroError::NotFound { .. }
            | DistroError::Unowned { .. }
            | DistroError::NoDependencyInfo { .. }
            | DistroError::VersionNotDefined { .. }
            | DistroError::ArchitectureMismatch { .. }
            | DistroError::MixedArchitectures { .. } => Failure::Refused(error.to_string()),
            _ => Failure::Error(error.to_string()),
        }
    }
}

/// The analysis settings the command line asks for.
pub(crate) fn config(options: &DistroArgs, root: &Path, exclude: &[String]) -> DistroConfig {
    DistroConfig {
        root: root.to_path_buf(),
        arch: options.arch.clone(),
        unowned: match options.unowned {
            Unowned::Error => UnownedPolicy::Error,
            Unowned::Vendor => UnownedPolicy::Vendor,
            Unowned::Ignore => UnownedPolicy::Ignore,
        },
        missing_info: if options.strict {
            MissingInfoPolicy::Error
        } else {
            MissingInfoPolicy::Owner
        },
        not_found: match options.not_found {
            NotFound::Error => NotFoundPolicy::Error,
            NotFound::Ignore => NotFoundPolicy::Ignore,
        },
        exclude: exclude.to_vec(),
        omit_packages: options.omit_packages.clone(),
        build_depends: options.build_depends.clone(),
        shlibs_local: options.shlibs_local.clone(),
        version_policy: match options.version_policy {
            crate::args::VersionPolicy::Symbols => VersionPolicy::Symbols,
            crate::args::VersionPolicy::Shlibs => VersionPolicy::Shlibs,
            crate::args::VersionPolicy::Built => VersionPolicy::Built,
        },
        libpython: LibpythonPolicy::Skip,
    }
}

/// Check the values the parser cannot: the substvars prefix (a deb-substvars variable name).
pub(crate) fn check_options(options: &DistroArgs) -> Result<()> {
    let prefix = &options.substvars_prefix;
    let valid = prefix
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric())
        && prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b':');
    if !valid {
        bail!(
            "--substvars-prefix {prefix}: not a deb-substvars variable name (letters, digits, `-`, `:`)"
        );
    }
    Ok(())
}

/// The dpkg databases opened so far, one per ELF architecture, opened on first use (so merging
/// sidecars needs no database) and reused for every wheel.
pub(crate) struct Backends {
    config: DistroConfig,
    opened: Vec<(Option<Arch>, DebianBackend)>,
}

impl Backends {
    pub(crate) fn new(config: DistroConfig) -> Backends {
        Backends {
            config,
            opened: Vec::new(),
        }
    }

    pub(crate) fn config(&self) -> &DistroConfig {
        &self.config
    }

    /// Analyse the ELF files of one wheel (or installed distribution); `config` may differ from
    /// the one the databases were opened with only in its policies.
    pub(crate) fn analyze(
        &mut self,
        members: &[WheelElf],
        config: &DistroConfig,
    ) -> Result<DistroAnalysis, DistroError> {
        let first = members.iter().find(|m| is_scannable(&m.facts));
        let arch = first.and_then(|m| m.facts.arch);
        let index = match self.opened.iter().position(|(a, _)| *a == arch) {
            Some(index) => index,
            None => {
                let backend = match DebianBackend::detect(&self.config, arch) {
                    Err(DistroError::ArchitectureMismatch {
                        elf_arch,
                        root_arch,
                        root,
                        ..
                    }) => {
                        return Err(DistroError::ArchitectureMismatch {
                            path: first.map(|m| m.path.clone()).unwrap_or_default(),
                            elf_arch,
                            root_arch,
                            root,
                        });
                    }
                    other => other?,
                };
                self.opened.push((arch, backend));
                self.opened.len() - 1
            }
        };
        analyze_with(&self.opened[index].1, members, config)
    }
}

/// The ELF members of a wheel with their facts (each read once, checked against RECORD).
pub(crate) fn wheel_elves(wheel: &Wheel<'_>) -> Result<Vec<WheelElf>, String> {
    let mut elves = Vec::new();
    for member in wheel.elf_members().map_err(|e| e.to_string())? {
        let bytes = wheel.read_verified(member).map_err(|e| e.to_string())?;
        let facts = ElfFacts::parse(&bytes)
            .map_err(|e| format!("`{}` is not a usable ELF file: {e}", member.path))?;
        elves.push(WheelElf {
            path: member.path.clone(),
            facts,
        });
    }
    Ok(elves)
}

/// The sidecar an earlier `--distro` run left in the wheel, if any.
pub(crate) fn wheel_sidecar(wheel: &Wheel<'_>) -> Result<Option<Sidecar>, String> {
    let path = format!("{}/{SIDECAR_NAME}", wheel.dist_info());
    let Some(member) = wheel.member(&path) else {
        return Ok(None);
    };
    let bytes = wheel.read_verified(member).map_err(|e| e.to_string())?;
    let text = String::from_utf8(bytes).map_err(|_| format!("`{path}` is not valid UTF-8"))?;
    parse_sidecar(&text)
        .map(Some)
        .map_err(|problem| format!("`{path}`: {problem}"))
}

/// A sidecar's JSON, checked to be one.
pub(crate) fn parse_sidecar(text: &str) -> Result<Sidecar, String> {
    let sidecar = Sidecar::from_json(text).map_err(|e| format!("not a valid sidecar: {e}"))?;
    if sidecar.format != "wheelfix-system-deps" || sidecar.format_version != 1 {
        return Err(format!(
            "sidecar format `{}` version {} is not one this wheelfix reads (wheelfix-system-deps 1)",
            sidecar.format, sidecar.format_version
        ));
    }
    Ok(sidecar)
}

/// `wheelfix:Depends=...` into `path` (created if missing), other variables kept; written
/// atomically.
pub(crate) fn write_substvars(path: &Path, prefix: &str, depends: &str) -> Result<()> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("--substvars {}", path.display())),
    };
    let updated = wheelfix_distro::debian::substvars::update_substvars(
        &text,
        prefix,
        &[("Depends", depends)],
    );
    let write = || -> std::io::Result<()> {
        let mut file = AtomicFile::create(path)?;
        file.write_all(updated.as_bytes())?;
        file.set_mode(0o644)?;
        file.commit()
    };
    write().with_context(|| format!("--substvars {}: cannot write", path.display()))
}

/// `wheelfix` and its version, as the sidecar's `generator`.
fn generator() -> String {
    format!("wheelfix {}", env!("CARGO_PKG_VERSION"))
}

/// A wheel analysed and planned, waiting to be written.
struct Prepared {
    input: PathBuf,
    work: Work,
}

enum Work {
    /// No ELF files: copied unchanged.
    Pure,
    Repair(Box<Planned>),
}

struct Planned {
    plan: RepairPlan,
    analysis: DistroAnalysis,
    note: Option<String>,
}

/// `wheelfix repair --distro debian`.
pub(crate) fn repair(args: &RepairArgs) -> Result<ExitStatus> {
    // AUDITWHEEL_PLAT from the environment is the manylinux mode's; an explicit --plat is a
    // contradiction.
    if let Some(plat) = &args.plat
        && std::env::var("AUDITWHEEL_PLAT").ok().as_deref() != Some(plat.as_str())
    {
        bail!(
            "--plat {plat} cannot be combined with --distro: a distro-mode wheel keeps its linux_<arch> tag"
        );
    }
    let write = write_options(args)?;
    check_options(&args.distro_options)?;
    if let Some(tag) = &args.build_tag {
        check_build_tag(tag)?;
    }
    let host = crate::commands::host(&args.search)?;
    let root = host.root().to_path_buf();
    let config = config(&args.distro_options, &root, &args.exclude);
    let wheels = expand_wheels(&args.inputs)?;
    let backends = RefCell::new(Backends::new(config));

    // 1. Analyse and plan everything; nothing is written unless every wheel can be.
    let mut status = ExitStatus::Success;
    let mut prepared = Vec::new();
    for path in &wheels {
        match prepare(path, args, &mut backends.borrow_mut()) {
            Ok(work) => prepared.push(Prepared {
                input: path.clone(),
                work,
            }),
            Err(failure) => {
                failure.report(path, "repair");
                status = status.max(failure.status());
            }
        }
    }
    let options = &args.distro_options;
    let targets: BTreeSet<&str> = prepared
        .iter()
        .filter_map(|item| match &item.work {
            Work::Repair(planned) => Some(planned.analysis.target.arch.as_str()),
            Work::Pure => None,
        })
        .collect();
    if targets.len() > 1 && (options.substvars.is_some() || options.print_depends) {
        let list: Vec<&str> = targets.into_iter().collect();
        note(&format!(
            "cannot merge the dependencies of wheels for different architectures ({}) into one Depends line",
            list.join(", ")
        ));
        status = status.max(ExitStatus::Failure);
    }
    if status != ExitStatus::Success {
        if !prepared.is_empty() {
            note("nothing was written: every wheel must be repairable for --distro to write any");
        }
        return Ok(status);
    }

    // 2. Write.
    let mut dependencies: Vec<DependencySet> = Vec::new();
    let mut written: Vec<PathBuf> = Vec::new();
    for item in prepared {
        match write_one(&item, args, &host, &write, &backends) {
            Ok(path) => {
                if let Work::Repair(planned) = &item.work {
                    dependencies.push(planned.analysis.dependencies.clone());
                }
                written.push(path);
            }
            Err(failure) => {
                failure.report(&item.input, "repair");
                status = status.max(failure.status());
            }
        }
    }
    let stdout = std::io::stdout();
    if !options.print_depends {
        for path in &written {
            writeln!(stdout.lock(), "{}", path.display())?;
        }
    } else {
        for path in &written {
            note(&format!("wrote {}", path.display()));
        }
    }
    if status != ExitStatus::Success {
        if options.substvars.is_some() || options.print_depends {
            note("dependencies not written: not every wheel was");
        }
        return Ok(status);
    }
    let merged = merge_dependencies(&dependencies, &options.omit_packages)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(path) = &options.substvars {
        write_substvars(path, &options.substvars_prefix, &merged.depends())?;
        note(&format!(
            "{}:Depends={} written to {}",
            options.substvars_prefix,
            merged.depends(),
            path.display()
        ));
    }
    if options.print_depends {
        write!(stdout.lock(), "{}", merged.print_depends())?;
    }
    Ok(status)
}

/// A build tag must start with a digit and fit in a wheel file name.
fn check_build_tag(tag: &str) -> Result<()> {
    let fits = tag.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
    if !fits {
        bail!(
            "--build-tag {tag}: a build tag starts with a digit and holds only letters, digits, `_` and `.` (e.g. `1deb12`)"
        );
    }
    Ok(())
}

/// Analyse one wheel and plan its repair.
fn prepare(path: &Path, args: &RepairArgs, backends: &mut Backends) -> Result<Work, Failure> {
    let bytes = read_file(path).map_err(Failure::error)?;
    let name = file_name(path);
    let wheel = Wheel::open(&name, &bytes).map_err(Failure::error)?;
    let elves = wheel_elves(&wheel).map_err(Failure::Error)?;
    if elves.is_empty() {
        return Ok(Work::Pure);
    }
    let previous = wheel_sidecar(&wheel).map_err(Failure::Error)?;
    let config = backends.config().clone();
    let analysis = backends.analyze(&elves, &config)?;
    for warning in &analysis.warnings {
        note(&format!("warning: {name}: {warning}"));
    }
    for soname in &config.exclude {
        let used = analysis
            .ignored
            .iter()
            .any(|link| link.reason == IgnoreReason::Excluded && link.soname == *soname);
        if !used {
            note(&format!(
                "warning: {name}: --exclude `{soname}` matched no library (with --distro it takes exact sonames, e.g. `libarrow.so.1800`)"
            ));
        }
    }

    let (tags, retag_note) = if args.no_update_tags {
        (wheel.filename.platform_tags().to_vec(), None)
    } else {
        linux_tags(&wheel, &elves)
    };
    if let Some(text) = retag_note {
        note(&format!("{name}: {text}"));
    }
    let libs_dir = format!("{}{}", wheel.filename.name, args.lib_sdir);
    let (grafts, edits) = vendor_plan(&analysis, &elves, &libs_dir);
    let sidecar = analysis.sidecar(&generator());
    let metadata = MetadataEdits {
        metadata: Some(analysis.update_metadata(&wheel.metadata_text, previous.as_ref())),
        dist_info_files: vec![(SIDECAR_NAME.to_owned(), sidecar.to_json().into_bytes())],
        build_tag: args.build_tag.clone(),
    };
    let depends = analysis.depends();
    let tag_text = tags
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(".");
    let target = &sidecar.target.ecosystem;
    let note = format!(
        "{name}: keeps the platform tag {tag_text} and depends on {target} packages ({}): it is for your own index, find-links directory or .deb, not for PyPI, which rejects linux_* wheels",
        if depends.is_empty() {
            "none".to_owned()
        } else {
            depends
        }
    );
    Ok(Work::Repair(Box::new(Planned {
        plan: RepairPlan {
            libs_dir,
            grafts,
            edits,
            tags,
            warnings: Vec::new(),
            metadata,
        },
        analysis,
        note: Some(note),
    })))
}

/// The platform tags of the output: the wheel's `linux_*` tags when it has only those, else
/// `linux_<arch>` of its ELF files in place of manylinux/musllinux/any (with a note saying so).
fn linux_tags(wheel: &Wheel<'_>, elves: &[WheelElf]) -> (Vec<PlatformTag>, Option<String>) {
    let old = wheel.filename.platform_tags();
    let linux: Vec<PlatformTag> = old
        .iter()
        .filter(|t| matches!(t, PlatformTag::Linux(_)))
        .cloned()
        .collect();
    if !linux.is_empty() && linux.len() == old.len() {
        return (linux, None);
    }
    let arch = elves
        .iter()
        .find(|e| is_scannable(&e.facts))
        .or(elves.first())
        .and_then(|e| e.facts.arch)
        .or_else(|| old.iter().find_map(PlatformTag::arch));
    let mut tags = linux;
    if let Some(arch) = arch
        && !tags.contains(&PlatformTag::Linux(arch))
    {
        tags.push(PlatformTag::Linux(arch));
    }
    let replaced: Vec<String> = old
        .iter()
        .filter(|t| !matches!(t, PlatformTag::Linux(_)))
        .map(ToString::to_string)
        .collect();
    let new: Vec<String> = tags.iter().map(ToString::to_string).collect();
    let text = format!(
        "tag {} replaced by {}: a wheel with distro dependencies is not portable",
        replaced.join("."),
        new.join(".")
    );
    (tags, Some(text))
}

/// `--unowned vendor`: graft every library the analysis asks for, as manylinux repair does
/// (hashed names under `libs_dir`, DT_NEEDED rewritten, RPATH `$ORIGIN/...`).
fn vendor_plan(
    analysis: &DistroAnalysis,
    elves: &[WheelElf],
    libs_dir: &str,
) -> (Vec<Graft>, BTreeMap<String, MemberEdit>) {
    let mut grafts: Vec<Graft> = Vec::new();
    let mut edits: BTreeMap<String, MemberEdit> = BTreeMap::new();
    if analysis.to_vendor.is_empty() {
        return (grafts, edits);
    }
    let index_of: BTreeMap<&str, usize> = analysis
        .to_vendor
        .iter()
        .enumerate()
        .map(|(index, request)| (request.path.as_str(), index))
        .collect();
    for request in &analysis.to_vendor {
        grafts.push(Graft {
            soname: request.soname.clone(),
            source: PathBuf::from(&request.path),
            needs: Vec::new(),
            needed_by: BTreeSet::new(),
        });
    }
    for (index, request) in analysis.to_vendor.iter().enumerate() {
        for needer in &request.needed_by {
            // A vendored library needing another: a dependency between grafts.
            if let Some(&from) = index_of.get(needer.as_str()) {
                if from != index && !grafts[from].needs.contains(&index) {
                    grafts[from].needs.push(index);
                }
                continue;
            }
            let Some(elf) = elves.iter().find(|e| e.path == *needer) else {
                continue;
            };
            grafts[index].needed_by.insert(needer.clone());
            let edit = edits.entry(needer.clone()).or_default();
            if !edit
                .replace_needed
                .iter()
                .any(|(s, _)| *s == request.soname)
            {
                edit.replace_needed.push((request.soname.clone(), index));
            }
            edit.rpath = Some(wheelfix_repair::rpath_for(
                &elf.path,
                libs_dir,
                elf.facts
                    .rpath
                    .as_ref()
                    .or(elf.facts.runpath.as_ref())
                    .map(ToString::to_string),
            ));
        }
    }
    let grafts = wheelfix_repair::order_grafts(grafts, &mut edits);
    (grafts, edits)
}

/// Write one planned wheel; the written file is checked before it is renamed into place.
fn write_one(
    item: &Prepared,
    args: &RepairArgs,
    host: &wheelfix_audit::RealHost,
    write: &WriteOptions,
    backends: &RefCell<Backends>,
) -> Result<PathBuf, Failure> {
    let bytes = read_file(&item.input).map_err(Failure::error)?;
    let name = file_name(&item.input);
    let (plan, analysis, text) = match &item.work {
        Work::Pure => {
            let destination = args.wheel_dir.join(&name);
            copy_verbatim(&bytes, &destination).map_err(Failure::error)?;
            note(&format!(
                "{name} has no ELF files, so no system dependencies; copied unchanged"
            ));
            return Ok(destination);
        }
        Work::Repair(planned) => (&planned.plan, &planned.analysis, &planned.note),
    };
    let wheel = Wheel::open(&name, &bytes).map_err(Failure::error)?;
    // What was vendored must now resolve inside the wheel: check with `--unowned error`.
    let mut check_config = backends.borrow().config().clone();
    if check_config.unowned == UnownedPolicy::Vendor {
        check_config.unowned = UnownedPolicy::Error;
    }
    let verify = |written: &Path, filename: &str| -> Result<(), String> {
        verify_written(written, filename, analysis, &check_config, backends)
    };
    let repaired = wheelfix_repair::apply(
        &wheel,
        plan,
        host,
        &args.wheel_dir,
        write,
        &BTreeMap::new(),
        &verify,
    )
    .map_err(Failure::error)?;
    for graft in &repaired.grafted {
        note(&format!(
            "grafted {} => {}/{} (from {})",
            graft.soname,
            plan.libs_dir,
            graft.new_name,
            graft.source.display()
        ));
    }
    if let Some(text) = text {
        note(text);
    }
    Ok(repaired.path)
}

/// The written wheel must open, list every member in RECORD, and give the same dependencies
/// when analysed again (vendored libraries now inside it).
fn verify_written(
    written: &Path,
    filename: &str,
    expected: &DistroAnalysis,
    config: &DistroConfig,
    backends: &RefCell<Backends>,
) -> Result<(), String> {
    let bytes = read_file(written).map_err(|e| e.to_string())?;
    let wheel = Wheel::open(filename, &bytes).map_err(|e| e.to_string())?;
    let listed: BTreeSet<&str> = wheel.record.iter().map(|r| r.path.as_str()).collect();
    if let Some(member) = wheel
        .members()
        .iter()
        .find(|m| !m.is_dir && !listed.contains(m.path.as_str()))
    {
        return Err(format!("`{}` is not in RECORD", member.path));
    }
    let elves = wheel_elves(&wheel)?;
    let again = backends
        .borrow_mut()
        .analyze(&elves, config)
        .map_err(|e| e.to_string())?;
    if again.depends() != expected.depends() {
        return Err(format!(
            "its dependencies read back as `{}` instead of `{}`",
            again.depends(),
            expected.depends()
        ));
    }
    Ok(())
}
