//! The shared driver of the algorithm (distro-metadata.md §3): for every ELF file of a wheel,
//! resolve each NEEDED soname (inside the wheel first, then on the system), let the backend
//! turn system libraries into dependencies, apply the policies for libraries that are
//! unowned, without information or missing, and validate version nodes (step 8).
//!
//! What a library *means* for a package manager is the backend's business (`debian`);
//! rendering the result is `output`'s.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::rc::Rc;

use wheelfix_elf::{ElfFacts, ElfName};
use wheelfix_tags::Arch;

use crate::analysis::{
    DistroAnalysis, DistroConfig, IgnoreReason, IgnoredLink, InfoSource, InternalLink,
    LibpythonPolicy, LibraryRecord, MissingInfoPolicy, NotFoundPolicy, UnownedPolicy,
    UnresolvedLink, UnresolvedReason, VendorRequest, WheelElf,
};
use crate::backend::{Candidate, DistroBackend, ElfRequest, LibraryOutcome, SystemLibrary};
use crate::debian::DebianBackend;
use crate::debian::arch::DebArch;
use crate::debian::shlibs::split_soname;
use crate::debian::version::compare_lenient;
use crate::depset::{BumpMode, DependencySet};
use crate::elfformat::ElfFormat;
use crate::error::{DistroError, DistroWarning};
use crate::resolve::{RpathDir, internal_target, is_libpython, rpath_dirs, search_path};
use crate::sysroot::clean_path;

const ET_EXEC: u16 = 2;
const ET_DYN: u16 = 3;

/// Analyze the ELF files of one wheel against the Debian system at `config.root`.
pub fn analyze(members: &[WheelElf], config: &DistroConfig) -> Result<DistroAnalysis, DistroError> {
    let arch = wheel_arch(members)?;
    let backend = match DebianBackend::detect(config, arch.map(|(_, arch)| arch)) {
        Err(DistroError::ArchitectureMismatch {
            elf_arch,
            root_arch,
            root,
            ..
        }) => {
            return Err(DistroError::ArchitectureMismatch {
                path: arch.map(|(path, _)| path.to_owned()).unwrap_or_default(),
                elf_arch,
                root_arch,
                root,
            });
        }
        other => other?,
    };
    analyze_with(&backend, members, config)
}

/// Whether an ELF file takes part: a dynamically linked executable or shared object.
pub fn is_scannable(facts: &ElfFacts) -> bool {
    facts.has_dynamic && matches!(facts.file_type, ET_EXEC | ET_DYN)
}

/// The architecture shared by all scannable members, with the first member's path; an error
/// when they disagree or map to no wheel architecture.
fn wheel_arch(members: &[WheelElf]) -> Result<Option<(&str, Arch)>, DistroError> {
    let mut first: Option<(&WheelElf, ElfFormat)> = None;
    for member in members.iter().filter(|m| is_scannable(&m.facts)) {
        let format = ElfFormat::of(&member.facts);
        match &first {
            None => first = Some((member, format)),
            Some((elf, first_format)) if *first_format != format => {
                return Err(DistroError::MixedArchitectures {
                    first: elf.path.clone(),
                    first_format: first_format.to_string(),
                    other: member.path.clone(),
                    other_format: format.to_string(),
                });
            }
            Some(_) => {}
        }
    }
    let Some((member, _)) = first else {
        return Ok(None);
    };
    match member.facts.arch {
        Some(arch) => Ok(Some((member.path.as_str(), arch))),
        None => Err(DistroError::UnsupportedElf {
            path: member.path.clone(),
            problem: member
                .facts
                .arch_problem
                .unwrap_or("unknown architecture")
                .to_owned(),
        }),
    }
}

/// One ELF file waiting to be scanned.
struct Scan {
    /// Wheel member path, or the ROOT path of a library to vendor.
    label: String,
    facts: Rc<ElfFacts>,
    vendored: bool,
}

/// Analyze with an already opened backend (reused across calls, e.g. for many wheels).
pub fn analyze_with(
    backend: &dyn DistroBackend,
    members: &[WheelElf],
    config: &DistroConfig,
) -> Result<DistroAnalysis, DistroError> {
    let target = backend.target().clone();
    let member_paths: BTreeSet<&str> = members.iter().map(|m| m.path.as_str()).collect();
    let mut run = Run {
        backend,
        config,
        deps: DependencySet::new(),
        warnings: Vec::new(),
        libraries: BTreeMap::new(),
        internal: Vec::new(),
        ignored: Vec::new(),
        unresolved: Vec::new(),
        vendor: BTreeMap::new(),
        facts_cache: HashMap::new(),
        glibc_max: None,
        elf: None,
    };
    let mut queue: VecDeque<Scan> = VecDeque::new();
    for member in members.iter().filter(|m| is_scannable(&m.facts)) {
        let elf_arch = member.facts.arch.map(DebArch::from_wheel_arch);
        if elf_arch.map(|a| a.name) != Some(target.arch.as_str()) {
            return Err(DistroError::ArchitectureMismatch {
                path: member.path.clone(),
                elf_arch: elf_arch.map_or_else(
                    || member.facts.arch_problem.unwrap_or("unknown").to_owned(),
                    |a| a.name.to_owned(),
                ),
                root_arch: target.arch.clone(),
                root: target.root.clone(),
            });
        }
        queue.push_back(Scan {
            label: member.path.clone(),
            facts: Rc::new(member.facts.clone()),
            vendored: false,
        });
    }
    while let Some(scan) = queue.pop_front() {
        run.scan(&scan, &member_paths, &mut queue)?;
    }

    let requirements = backend.render(&run.deps, config)?;
    let mut packages = BTreeMap::new();
    for requirement in &requirements {
        for alternative in &requirement.clause.alternatives {
            if let Some(record) = backend.package(&alternative.package) {
                packages.insert(alternative.package.clone(), record);
            }
        }
    }
    let mut seen = BTreeSet::new();
    let warnings = run
        .warnings
        .into_iter()
        .filter(|w| seen.insert(w.to_string()))
        .collect();
    Ok(DistroAnalysis {
        target,
        elf: run.elf,
        dependencies: run.deps,
        requirements,
        packages,
        libraries: run.libraries.into_values().collect(),
        internal: run.internal,
        ignored: run.ignored,
        unresolved: run.unresolved,
        to_vendor: run.vendor.into_values().collect(),
        warnings,
        glibc_max: run.glibc_max.map(|(_, text)| text),
    })
}

struct Run<'a> {
    backend: &'a dyn DistroBackend,
    config: &'a DistroConfig,
    deps: DependencySet,
    warnings: Vec<DistroWarning>,
    /// By (soname, library path).
    libraries: BTreeMap<(String, String), LibraryRecord>,
    internal: Vec<InternalLink>,
    ignored: Vec<IgnoredLink>,
    unresolved: Vec<UnresolvedLink>,
    vendor: BTreeMap<String, VendorRequest>,
    /// Parsed candidate libraries by real path.
    facts_cache: HashMap<String, Option<Rc<ElfFacts>>>,
    glibc_max: Option<(Vec<u64>, String)>,
    elf: Option<(u8, String)>,
}

impl Run<'_> {
    fn scan(
        &mut self,
        scan: &Scan,
        members: &BTreeSet<&str>,
        queue: &mut VecDeque<Scan>,
    ) -> Result<(), DistroError> {
        let facts = &*scan.facts;
        let format = ElfFormat::of(facts);
        if self.elf.is_none() {
            self.elf = Some((
                facts.class.bits(),
                facts.arch.map(|a| a.to_string()).unwrap_or_default(),
            ));
        }
        self.note_glibc_versions(facts);
        if let Some(symbol) = facts
            .undefined_symbols
            .iter()
            .find(|s| s.version.as_ref().is_some_and(|v| *v == "GLIBC_PRIVATE"))
        {
            self.warnings.push(DistroWarning::GlibcPrivate {
                symbol: format!("{}@GLIBC_PRIVATE", symbol.name),
                needed_by: scan.label.clone(),
            });
        }

        // A vendored library's RUNPATH is rewritten when it is grafted; its own is moot.
        let raw_rpath = if scan.vendored {
            None
        } else {
            search_path(facts)
        };
        let dirs = raw_rpath
            .as_deref()
            .map(|path| rpath_dirs(path, &scan.label))
            .unwrap_or_default();
        let mut system_rpath = Vec::new();
        for dir in &dirs {
            if let RpathDir::System(dir) = dir {
                self.warnings.push(DistroWarning::RpathOutsideWheel {
                    dir: dir.clone(),
                    needed_by: scan.label.clone(),
                });
                system_rpath.push(dir.clone());
            }
        }

        let mut libraries: Vec<SystemLibrary> = Vec::new();
        let mut seen = BTreeSet::new();
        for needed in &facts.needed {
            let soname = needed.to_string();
            if !seen.insert(soname.clone()) {
                continue;
            }
            if self.config.exclude.contains(&soname) {
                self.ignored.push(IgnoredLink {
                    soname,
                    needed_by: scan.label.clone(),
                    reason: IgnoreReason::Excluded,
                });
                continue;
            }
            if self.config.libpython == LibpythonPolicy::Skip && is_libpython(&soname) {
                self.warnings.push(DistroWarning::LibpythonSkipped {
                    soname: soname.clone(),
                    needed_by: scan.label.clone(),
                });
                self.ignored.push(IgnoredLink {
                    soname,
                    needed_by: scan.label.clone(),
                    reason: IgnoreReason::Libpython,
                });
                continue;
            }
            if let Some(member) = internal_target(&dirs, &soname, members) {
                self.internal.push(InternalLink {
                    soname,
                    needed_by: scan.label.clone(),
                    member,
                });
                continue;
            }
            let candidates = self.find_candidates(&soname, &system_rpath, format)?;
            if candidates.is_empty() {
                if self.config.not_found == NotFoundPolicy::Error && split_soname(&soname).is_some()
                {
                    return Err(DistroError::NotFound {
                        soname,
                        needed_by: scan.label.clone(),
                        format: format.to_string(),
                        rpath: raw_rpath.clone(),
                    });
                }
                self.warnings.push(DistroWarning::NotFoundIgnored {
                    soname: soname.clone(),
                    needed_by: scan.label.clone(),
                });
                self.unresolved.push(UnresolvedLink {
                    soname,
                    needed_by: scan.label.clone(),
                    reason: UnresolvedReason::NotFound,
                });
                continue;
            }
            libraries.push(SystemLibrary { soname, candidates });
        }

        let request = ElfRequest {
            path: &scan.label,
            facts,
            libraries: &libraries,
        };
        let outcomes =
            self.backend
                .requirements(&request, self.config, &mut self.deps, &mut self.warnings)?;
        for (library, outcome) in libraries.iter().zip(outcomes) {
            self.apply_outcome(scan, library, outcome, queue)?;
        }
        Ok(())
    }

    fn apply_outcome(
        &mut self,
        scan: &Scan,
        library: &SystemLibrary,
        outcome: LibraryOutcome,
        queue: &mut VecDeque<Scan>,
    ) -> Result<(), DistroError> {
        let soname = &library.soname;
        let needed_by = &scan.label;
        match outcome {
            LibraryOutcome::Resolved(resolution) => {
                let Some(candidate) = library.candidates.get(resolution.candidate) else {
                    return Ok(());
                };
                if resolution.candidate > 0
                    && let Some(first) = library.candidates.first().filter(|c| c.owner.is_none())
                {
                    self.warnings.push(DistroWarning::ShadowedByUnowned {
                        soname: soname.clone(),
                        unowned: first.path.clone(),
                        used: candidate.path.clone(),
                    });
                }
                validate_versions(scan, soname, candidate)?;
                let record = self.record(scan, soname, candidate, Some(&resolution.package));
                record.info_source = Some(resolution.info_source);
                record.info_file = resolution.info_file;
                record.symbols_used += resolution.symbols_used;
                // Across files, keep the highest minimum and the symbol that set it.
                let raises = match (&record.min_version, &resolution.min_version) {
                    (_, None) => false,
                    (None, Some(_)) => true,
                    (Some(current), Some(new)) => compare_lenient(new, current).is_gt(),
                };
                if raises {
                    record.min_version = resolution.min_version;
                    record.determining_symbol = resolution.determining_symbol;
                } else if record.determining_symbol.is_none()
                    && record.min_version == resolution.min_version
                {
                    record.determining_symbol = resolution.determining_symbol;
                }
            }
            LibraryOutcome::NoInfo { candidate, package } => {
                let Some(candidate) = library.candidates.get(candidate) else {
                    return Ok(());
                };
                match self.config.missing_info {
                    MissingInfoPolicy::Error => {
                        return Err(DistroError::NoDependencyInfo {
                            soname: soname.clone(),
                            path: candidate.path.clone(),
                            package,
                            needed_by: needed_by.clone(),
                        });
                    }
                    MissingInfoPolicy::Skip => self.unresolved.push(UnresolvedLink {
                        soname: soname.clone(),
                        needed_by: needed_by.clone(),
                        reason: UnresolvedReason::NoInfo {
                            path: candidate.path.clone(),
                            package,
                        },
                    }),
                    MissingInfoPolicy::Owner => {
                        validate_versions(scan, soname, candidate)?;
                        let clause = self.backend.owner_clause(&package);
                        self.deps
                            .bump(&clause, "", Some(&package), BumpMode::InsertOrRaise)
                            .map_err(|source| DistroError::InvalidVersion {
                                context: format!("owner dependency `{clause}`"),
                                source,
                            })?;
                        self.warnings.push(DistroWarning::OwnerOnly {
                            soname: soname.clone(),
                            path: candidate.path.clone(),
                            package: package.clone(),
                            needed_by: needed_by.clone(),
                        });
                        let record = self.record(scan, soname, candidate, Some(&package));
                        record.info_source = Some(InfoSource::Owner);
                    }
                }
            }
            LibraryOutcome::Unowned => {
                let Some(candidate) = library.candidates.first() else {
                    return Ok(());
                };
                match self.config.unowned {
                    UnownedPolicy::Error => {
                        return Err(DistroError::Unowned {
                            soname: soname.clone(),
                            path: candidate.path.clone(),
                            needed_by: needed_by.clone(),
                        });
                    }
                    UnownedPolicy::Ignore => {
                        self.warnings.push(DistroWarning::UnownedIgnored {
                            soname: soname.clone(),
                            path: candidate.path.clone(),
                            needed_by: needed_by.clone(),
                        });
                        self.unresolved.push(UnresolvedLink {
                            soname: soname.clone(),
                            needed_by: needed_by.clone(),
                            reason: UnresolvedReason::Unowned {
                                path: candidate.path.clone(),
                            },
                        });
                    }
                    UnownedPolicy::Vendor => {
                        validate_versions(scan, soname, candidate)?;
                        let Some(facts) = candidate.facts.clone() else {
                            return Err(DistroError::UnsupportedElf {
                                path: candidate.path.clone(),
                                problem: "cannot be parsed, so it cannot be vendored".to_owned(),
                            });
                        };
                        let host_path = self.backend.sysroot().host_path(&candidate.path);
                        let request =
                            self.vendor
                                .entry(candidate.path.clone())
                                .or_insert_with(|| VendorRequest {
                                    soname: soname.clone(),
                                    path: candidate.path.clone(),
                                    host_path,
                                    needed_by: Vec::new(),
                                });
                        let first_time = request.needed_by.is_empty();
                        request.needed_by.push(needed_by.clone());
                        if first_time {
                            queue.push_back(Scan {
                                label: candidate.path.clone(),
                                facts,
                                vendored: true,
                            });
                        }
                        let record = self.record(scan, soname, candidate, None);
                        record.vendored = true;
                    }
                }
            }
        }
        Ok(())
    }

    /// The library record for (soname, candidate), created on first use; notes `scan` as a
    /// file that needs it.
    fn record(
        &mut self,
        scan: &Scan,
        soname: &str,
        candidate: &Candidate,
        package: Option<&str>,
    ) -> &mut LibraryRecord {
        let details = package.and_then(|p| self.backend.package(p));
        let record = self
            .libraries
            .entry((soname.to_owned(), candidate.path.clone()))
            .or_insert_with(|| LibraryRecord {
                soname: soname.to_owned(),
                needed_by: Vec::new(),
                vendored: false,
                path: candidate.path.clone(),
                realpath: candidate.realpath.clone(),
                package: details
                    .as_ref()
                    .map(|d| d.name.clone())
                    .or_else(|| package.map(|p| p.split(':').next().unwrap_or(p).to_owned())),
                package_arch: details.as_ref().map(|d| d.architecture.clone()),
                package_version: details.as_ref().map(|d| d.version.clone()),
                info_source: None,
                info_file: None,
                symbols_used: 0,
                min_version: None,
                determining_symbol: None,
                verneed: Vec::new(),
            });
        if !record.needed_by.contains(&scan.label) {
            record.needed_by.push(scan.label.clone());
        }
        for version in scan.facts.versions_needed_from(soname) {
            let version = version.to_string();
            if !record.verneed.contains(&version) {
                record.verneed.push(version);
            }
        }
        record.verneed.sort();
        record
    }

    /// Every existing `dir/soname` with the needing file's ELF format, in search order.
    fn find_candidates(
        &mut self,
        soname: &str,
        rpath_dirs: &[String],
        format: ElfFormat,
    ) -> Result<Vec<Candidate>, DistroError> {
        let sysroot = self.backend.sysroot();
        let mut candidates: Vec<Candidate> = Vec::new();
        let dirs = rpath_dirs.iter().chain(self.backend.search_dirs());
        for dir in dirs {
            let path = clean_path(&format!("{dir}/{soname}"));
            if candidates.iter().any(|c| c.path == path) {
                continue;
            }
            let Some(head) = sysroot.read_head(&path, 64) else {
                continue;
            };
            if ElfFormat::from_header(&head) != Some(format) {
                continue;
            }
            let realpath = sysroot.realpath(&path);
            let owner = self.backend.owner(&path)?;
            let key = realpath.clone().unwrap_or_else(|| path.clone());
            let facts = match self.facts_cache.get(&key) {
                Some(cached) => cached.clone(),
                None => {
                    let parsed = sysroot
                        .read(&key)?
                        .and_then(|bytes| ElfFacts::parse(&bytes).ok())
                        .map(Rc::new);
                    self.facts_cache.insert(key, parsed.clone());
                    parsed
                }
            };
            candidates.push(Candidate {
                path,
                realpath,
                owner,
                facts,
            });
        }
        Ok(candidates)
    }

    fn note_glibc_versions(&mut self, facts: &ElfFacts) {
        for version in facts.version_needs.iter().flat_map(|need| &need.versions) {
            let Some(numbers) = glibc_version(version) else {
                continue;
            };
            if self
                .glibc_max
                .as_ref()
                .is_none_or(|(best, _)| numbers > *best)
            {
                let text = numbers
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(".");
                self.glibc_max = Some((numbers, text));
            }
        }
    }
}

/// `GLIBC_2.14` → `[2, 14]`; `None` for other version nodes (`GLIBC_PRIVATE`).
fn glibc_version(name: &ElfName) -> Option<Vec<u64>> {
    let text = name.as_str()?.strip_prefix("GLIBC_")?;
    text.split('.').map(|part| part.parse().ok()).collect()
}

/// Step 8: every version node the file needs from `soname` must be defined by the library the
/// dependency is computed for; otherwise the loader would refuse the file on this system.
fn validate_versions(scan: &Scan, soname: &str, candidate: &Candidate) -> Result<(), DistroError> {
    let Some(library) = &candidate.facts else {
        return Ok(());
    };
    for version in scan.facts.versions_needed_from(soname) {
        if !library.version_definitions.contains(version) {
            return Err(DistroError::VersionNotDefined {
                soname: soname.to_owned(),
                path: candidate.path.clone(),
                needed_by: scan.label.clone(),
                version: version.to_string(),
                defined: library
                    .version_definitions
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
            });
        }
    }
    Ok(())
}
