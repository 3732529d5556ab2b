//! From a [`Wheel`] to a [`WheelAnalysis`]: which members are ELF files for the wheel's
//! architecture and libc (the libc the ELF files are linked against, whatever the tags claim),
//! which are extension modules, and the resolved dependency tree of each (anchors.md §c2), plus
//! the musllinux policy the wheel is judged against.
//!
//! This is the only audit stage that reads anything: ELF members from the wheel's bytes and
//! libraries through [`HostFs`]. Deciding policies is left to `crate::evaluate`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rayon::prelude::*;
use wheelfix_elf::{ElfFacts, facts::PythonInit};
use wheelfix_policies::{PolicyError, PolicySet};
use wheelfix_tags::{Arch, Libc, PlatformTag};
use wheelfix_wheel::{InstallScheme, Wheel, WheelError};

use crate::host::HostFs;
use crate::ldpaths::{SearchOptions, load_ld_paths};
use crate::resolve::{DepTree, Location, ResolvedLib, Resolver, WheelFiles};

/// Why a wheel could not be analysed. A policy violation is never one of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Wheel(#[from] WheelError),
    #[error("member `{member}`: {source}")]
    Elf {
        member: String,
        source: wheelfix_elf::ElfError,
    },
    #[error("member `{member}`: {problem}")]
    Member { member: String, problem: String },
    #[error("the wheel's platform tags name several architectures: {0}")]
    MixedArchitectures(String),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("the wheel is tagged for {arch} but none of its ELF files is: {ignored}")]
    NoElfForArch { arch: String, ignored: String },
    #[error("`--plat {tag}` is for {plat_arch} but the wheel is for {wheel_arch}")]
    PlatArchMismatch {
        tag: String,
        plat_arch: String,
        wheel_arch: String,
    },
    #[error("`--plat {tag}` is for {plat_libc} but the wheel is linked against {wheel_libc}")]
    PlatLibcMismatch {
        tag: String,
        plat_libc: String,
        wheel_libc: String,
    },
}

/// An ELF member that takes part in the audit.
#[derive(Debug, Clone)]
pub struct ElfMember {
    pub path: String,
    pub facts: Arc<ElfFacts>,
    pub python_init: Option<PythonInit>,
    /// The libc the file names (its loader, `libc.so.6`/`libc.musl-*`, or its file name);
    /// `None` for static or libc-free files.
    pub libc: Option<Libc>,
}

/// An ELF member left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredElf {
    pub path: String,
    pub reason: String,
}

/// What the wheel's contents say, before any policy is applied.
#[derive(Debug, Clone)]
pub struct WheelAnalysis {
    pub filename: String,
    pub arch: Arch,
    pub libc: Libc,
    /// True when nothing in the wheel determined the libc and glibc was assumed.
    pub libc_assumed: bool,
    /// The musllinux policy the wheel is judged against, and where that choice came from.
    pub musl_policy: Option<(String, &'static str)>,
    pub claimed_tags: Vec<PlatformTag>,
    pub elves: Vec<ElfMember>,
    pub ignored: Vec<IgnoredElf>,
    /// ELF members installed to purelib, which a binary wheel must not have.
    pub purelib_elves: Vec<String>,
    /// Dependency trees by member path, for every audited ELF.
    pub trees: BTreeMap<String, DepTree>,
    /// The trees whose dependencies count: extensions, and other ELF files nothing in the wheel
    /// loads.
    pub roots: BTreeSet<String>,
    /// `--exclude` patterns that matched no soname or path.
    pub unused_excludes: Vec<String>,
    /// RECORD digests (`sha256` urlsafe base64) of the ELF members, when verified.
    pub digests: BTreeMap<String, String>,
}

/// The outcome of reading a wheel: a platform wheel to judge, or a pure one.
#[derive(Debug, Clone)]
pub enum Analysis {
    Pure { filename: String },
    Platform(Box<WheelAnalysis>),
}

/// Options that change how a wheel is read.
#[derive(Debug, Clone, Default)]
pub struct AnalyzeOptions {
    pub search: SearchOptions,
    /// `--plat`: fixes the libc (and musl version) to judge against.
    pub plat: Option<PlatformTag>,
    /// Check each ELF member's RECORD hash while it is decompressed anyway, and keep the
    /// digests (repair needs them for the new RECORD).
    pub verify_record: bool,
    /// Facts already known for members with this (path, CRC-32, size), e.g. from the input of
    /// a repair when its output is audited again; such members are not decompressed.
    pub known_facts: Option<Arc<KnownFacts>>,
    /// ELF members up to this size are inflated in memory (the fastest way); larger ones stream
    /// through an unlinked scratch file so that resident memory stays bounded. `None` means
    /// the bounded default, 64 MiB, which `repair` relies on for its memory guarantee.
    pub in_memory_limit: Option<u64>,
}

/// ELF facts (and RECORD digests) by (member path, CRC-32, uncompressed size).
pub type KnownFacts = BTreeMap<(String, u32, u64), (Arc<ElfFacts>, Option<String>)>;

/// Read the wheel and resolve every ELF member's dependencies.
pub fn analyze(
    wheel: &Wheel<'_>,
    host: &dyn HostFs,
    options: &AnalyzeOptions,
) -> Result<Analysis, AuditError> {
    let filename = wheel.filename.to_string();
    let claimed_tags: Vec<PlatformTag> = wheel.filename.platform_tags().to_vec();
    let tag_arches: BTreeSet<Arch> = claimed_tags.iter().filter_map(PlatformTag::arch).collect();
    if tag_arches.len() > 1 {
        let names: Vec<&str> = tag_arches.iter().map(|a| a.as_str()).collect();
        return Err(AuditError::MixedArchitectures(names.join(", ")));
    }
    // The ELF files decide the libc; the tags' libc only breaks a tie between them or stands in
    // when no file names one. A wheel may claim both manylinux and musllinux tags when its
    // binaries need no libc at all (static executables); the claims are checked per libc.
    let tag_libcs: BTreeSet<Libc> = claimed_tags.iter().filter_map(PlatformTag::libc).collect();
    let tag_libc = if tag_libcs.len() == 1 {
        tag_libcs.iter().next().copied()
    } else {
        None
    };

    // Decompress only ELF members, in parallel, checking each against RECORD.
    let elf_members = wheel.elf_members()?;
    let read: Vec<(String, InstallScheme, Arc<ElfFacts>, Option<String>)> = elf_members
        .par_iter()
        .map(|member| {
            let (facts, digest) = crate::members::with_buffer(|buffer| {
                crate::members::elf_facts(wheel, member, options, buffer)
            })?;
            Ok((member.path.clone(), member.scheme, facts, digest))
        })
        .collect::<Result<_, AuditError>>()?;
    let digests: BTreeMap<String, String> = read
        .iter()
        .filter_map(|(path, _, _, digest)| digest.clone().map(|d| (path.clone(), d)))
        .collect();
    let parsed: Vec<(String, InstallScheme, Arc<ElfFacts>)> =
        read.into_iter().map(|(p, s, f, _)| (p, s, f)).collect();

    let mut arch = tag_arches.iter().next().copied();
    // ELF files for the wheel's architecture, with the libc each names (if any).
    let mut candidates: Vec<(&String, &Arc<ElfFacts>, Option<Libc>)> = Vec::new();
    let mut ignored = Vec::new();
    let mut purelib_elves = Vec::new();
    for (path, scheme, facts) in &parsed {
        if *scheme == InstallScheme::Purelib && path.contains("/purelib/") {
            purelib_elves.push(path.clone());
            continue;
        }
        let Some(elf_arch) = facts.arch else {
            let reason = facts
                .arch_problem
                .unwrap_or("unknown architecture")
                .to_owned();
            ignored.push(IgnoredElf {
                path: path.clone(),
                reason,
            });
            continue;
        };
        match arch {
            None => arch = Some(elf_arch),
            Some(wheel_arch) if wheel_arch != elf_arch => {
                ignored.push(IgnoredElf {
                    path: path.clone(),
                    reason: format!("built for {elf_arch}, the wheel is for {wheel_arch}"),
                });
                continue;
            }
            Some(_) => {}
        }
        let elf_libc = crate::resolve::detect_libc(facts, file_name_of(path));
        candidates.push((path, facts, elf_libc));
    }

    // The libc comes from the ELF files, not from the tags: a musllinux tag on files linked
    // against glibc is a false claim for `evaluate` to report, not a reason to ignore them.
    let plat_libc = options.plat.as_ref().and_then(PlatformTag::libc);
    let elf_libc = libc_of_elves(
        candidates.iter().filter_map(|(_, _, libc)| *libc),
        plat_libc.or(tag_libc),
    );
    let mut elves = Vec::new();
    for (path, facts, libc) in candidates {
        if let (Some(file_libc), Some(wheel_libc)) = (libc, elf_libc)
            && file_libc != wheel_libc
        {
            ignored.push(IgnoredElf {
                path: path.clone(),
                reason: format!(
                    "linked against {file_libc}; the wheel is judged as {wheel_libc}, as its other ELF files are"
                ),
            });
            continue;
        }
        let file_name = file_name_of(path);
        let module = file_name.split('.').next().unwrap_or(file_name);
        elves.push(ElfMember {
            path: path.clone(),
            facts: facts.clone(),
            python_init: facts.python_init(module),
            libc,
        });
    }

    // Only files for another architecture (or none at all) can leave nothing to audit: files
    // of the other libc are ignored only when some file of the wheel's libc is audited.
    if elves.is_empty()
        && purelib_elves.is_empty()
        && !ignored.is_empty()
        && let Some(tag_arch) = tag_arches.iter().next()
    {
        let ignored = ignored
            .iter()
            .map(|i| format!("`{}` ({})", i.path, i.reason))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(AuditError::NoElfForArch {
            arch: tag_arch.to_string(),
            ignored,
        });
    }
    let (Some(arch), false) = (arch, elves.is_empty() && purelib_elves.is_empty()) else {
        return Ok(Analysis::Pure { filename });
    };
    if let Some(plat) = &options.plat
        && let Some(plat_arch) = plat.arch()
        && plat_arch != arch
    {
        return Err(AuditError::PlatArchMismatch {
            tag: plat.to_string(),
            plat_arch: plat_arch.to_string(),
            wheel_arch: arch.to_string(),
        });
    }
    // `--plat` may only pick the libc when the ELF files do not name one.
    if let (Some(plat), Some(plat_libc), Some(wheel_libc)) = (&options.plat, plat_libc, elf_libc)
        && plat_libc != wheel_libc
    {
        return Err(AuditError::PlatLibcMismatch {
            tag: plat.to_string(),
            plat_libc: plat_libc.to_string(),
            wheel_libc: wheel_libc.to_string(),
        });
    }
    let libc_assumed = elf_libc.is_none();
    let libc = elf_libc
        .or(plat_libc)
        .or_else(|| tag_libcs.iter().next().copied())
        .unwrap_or(Libc::Glibc);
    let musl_policy = match libc {
        Libc::Glibc => None,
        Libc::Musl => Some(choose_musl_policy(
            arch,
            &claimed_tags,
            options.plat.as_ref(),
        )?),
    };

    let glibc_paths = load_ld_paths(host, Libc::Glibc, arch, &options.search);
    let musl_paths = load_ld_paths(host, Libc::Musl, arch, &options.search);
    let elf_map: BTreeMap<String, Arc<ElfFacts>> = parsed
        .iter()
        .map(|(p, _, f)| (p.clone(), f.clone()))
        .collect();
    let files = WheelFiles::new(wheel.members().iter().map(|m| m.path.clone()), elf_map);
    let resolver = Resolver {
        host,
        wheel: &files,
        glibc_paths: &glibc_paths,
        musl_paths: &musl_paths,
        exclude: &options.search.exclude,
    };

    let mut trees: BTreeMap<String, DepTree> = elves
        .par_iter()
        .map(|elf| {
            (
                elf.path.clone(),
                resolver.tree(&elf.path, elf.facts.clone()),
            )
        })
        .collect();
    let extensions: BTreeSet<String> = elves
        .iter()
        .filter(|e| e.python_init.is_some())
        .map(|e| e.path.clone())
        .collect();
    fixup_non_extension_trees(&mut trees, &extensions);

    let needed_by_anything: BTreeSet<&str> = trees
        .values()
        .flat_map(|t| t.needed.iter().map(String::as_str))
        .collect();
    let roots: BTreeSet<String> = elves
        .iter()
        .filter(|e| {
            let base = e.path.rsplit('/').next().unwrap_or(&e.path);
            extensions.contains(&e.path) || !needed_by_anything.contains(base)
        })
        .map(|e| e.path.clone())
        .collect();

    let matched: BTreeSet<&String> = trees.values().flat_map(|t| t.excluded.values()).collect();
    let unused_excludes = options
        .search
        .exclude
        .iter()
        .filter(|p| !matched.contains(p))
        .cloned()
        .collect();

    Ok(Analysis::Platform(Box::new(WheelAnalysis {
        filename,
        arch,
        libc,
        libc_assumed,
        musl_policy,
        claimed_tags,
        elves,
        ignored,
        purelib_elves,
        trees,
        roots,
        unused_excludes,
        digests,
    })))
}

/// The base name of a member path.
fn file_name_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The libc the wheel is judged as: the one most of its ELF files name, since a wheel's
/// binaries are built against one libc and a file linked against the other is the exception.
/// A tie goes to `preferred` (`--plat`'s or the tags' libc) when it is one of the tied, else to
/// the libc named first. `None` when no file names a libc.
fn libc_of_elves(named: impl Iterator<Item = Libc>, preferred: Option<Libc>) -> Option<Libc> {
    // (libc, files naming it), in the order each libc is first named.
    let mut counts: Vec<(Libc, usize)> = Vec::new();
    for libc in named {
        match counts.iter_mut().find(|(known, _)| *known == libc) {
            Some((_, count)) => *count += 1,
            None => counts.push((libc, 1)),
        }
    }
    let most = counts.iter().map(|(_, count)| *count).max()?;
    let tied: Vec<Libc> = counts
        .iter()
        .filter(|(_, count)| *count == most)
        .map(|(libc, _)| *libc)
        .collect();
    match preferred {
        Some(libc) if tied.contains(&libc) => Some(libc),
        _ => tied.first().copied(),
    }
}

/// The musllinux policy comes from `--plat`, else the wheel's claimed tag (the oldest, if
/// several), else the newest known; never from the machine running wheelfix.
pub(crate) fn choose_musl_policy(
    arch: Arch,
    claimed: &[PlatformTag],
    plat: Option<&PlatformTag>,
) -> Result<(String, &'static str), AuditError> {
    let table = PolicySet::embedded(Libc::Musl)?;
    if let Some(policy) = plat.and_then(|p| table.by_tag(p)) {
        return Ok((policy.name.clone(), "--plat"));
    }
    // `for_arch` is most compatible first, so the first claimed match is the oldest claim.
    if let Some(policy) = table.for_arch(arch).find(|p| {
        claimed
            .iter()
            .any(|t| table.by_tag(t).is_some_and(|c| c.name == p.name))
    }) {
        return Ok((policy.name.clone(), "the wheel's tag"));
    }
    let newest = table
        .for_arch(arch)
        .filter(|p| !p.is_linux())
        .last()
        .map(|p| p.name.clone())
        .unwrap_or_else(|| "musllinux_1_2".into());
    Ok((
        newest,
        "the newest known musl, as the wheel claims no musllinux tag",
    ))
}

/// auditwheel's `_fixup_elf_trees`: a non-extension ELF whose dependencies could not be found
/// borrows the resolutions of a tree that loads it, since at run time it is loaded by that
/// tree's objects. auditwheel only lends from trees where every library resolved; here a
/// tree lends each library it did resolve (fully resolved trees first), because with a
/// sysroot that lacks the whitelisted system libraries (`libc.so.6`) no tree is fully resolved.
fn fixup_non_extension_trees(trees: &mut BTreeMap<String, DepTree>, extensions: &BTreeSet<String>) {
    let fully_resolved = |t: &DepTree| t.libraries.values().all(|l| l.realpath.is_some());
    let needs_fixing: Vec<String> = trees
        .iter()
        .filter(|(path, t)| {
            !extensions.contains(*path) && t.libraries.values().any(|l| l.realpath.is_none())
        })
        .map(|(path, _)| path.clone())
        .collect();
    let mut fixes: Vec<(String, BTreeMap<String, ResolvedLib>)> = Vec::new();
    for path in needs_fixing {
        let me = Location::Wheel(path.clone());
        let mut loaders: Vec<&DepTree> = trees
            .iter()
            .filter(|(other, t)| {
                **other != path
                    && t.libraries
                        .values()
                        .any(|l| l.realpath.as_ref() == Some(&me))
            })
            .map(|(_, t)| t)
            .collect();
        loaders.sort_by_key(|t| !fully_resolved(t));
        let Some(tree) = trees.get(&path) else {
            continue;
        };
        let mut known: BTreeSet<String> = tree.libraries.keys().cloned().collect();
        let mut replaced: BTreeMap<String, ResolvedLib> = BTreeMap::new();
        for (soname, lib) in &tree.libraries {
            if lib.realpath.is_none()
                && let Some(reference) = loaders.iter().find(|t| {
                    t.libraries
                        .get(soname)
                        .is_some_and(|l| l.realpath.is_some())
                })
                && let Some(borrowed) = reference.libraries.get(soname)
            {
                replaced.insert(soname.clone(), borrowed.clone());
                let mut pending: Vec<String> = borrowed
                    .needed
                    .iter()
                    .filter(|n| !known.contains(*n))
                    .cloned()
                    .collect();
                while let Some(next) = pending.pop() {
                    if !known.insert(next.clone()) {
                        continue;
                    }
                    if let Some(dep) = reference.libraries.get(&next) {
                        pending.extend(dep.needed.iter().filter(|n| !known.contains(*n)).cloned());
                        replaced.insert(next.clone(), dep.clone());
                    }
                }
            }
        }
        fixes.push((path, replaced));
    }
    for (path, replaced) in fixes {
        let Some(tree) = trees.get_mut(&path) else {
            continue;
        };
        for (soname, lib) in replaced {
            if !tree.order.contains(&soname) {
                tree.order.push(soname.clone());
            }
            tree.libraries.insert(soname, lib);
        }
    }
}
