//! The verdict: a pure function from a [`WheelAnalysis`] and a policy table to a [`Verdict`]
//! (anchors.md §c4–c6).
//!
//! The overall tag is decided as auditwheel 6.8 decides it, apart from the deliberate
//! differences the README lists (versions a library inside the wheel satisfies do not count;
//! needs from the dynamic loader do). On top of that, every
//! policy more compatible than the verdict gets its reasons as data: the libraries it would
//! have to vendor, the blacklisted symbols, each too-new symbol version with the symbols and
//! files that need it, and the files whose ISA level is too high. Nothing here reads, writes
//! or prints.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use wheelfix_elf::facts::{PythonInit, SymbolKind};
use wheelfix_elf::{ElfFacts, SymbolBinding};
use wheelfix_policies::{Policy, PolicySet, split_symbol_version};
use wheelfix_tags::{Arch, Libc, PlatformTag};

use crate::analyze::WheelAnalysis;
use crate::resolve::{DepTree, Location, is_dynamic_loader};

#[derive(Debug, Clone, Default)]
pub struct EvaluateOptions {
    /// `--disable-isa-ext-check`, as in auditwheel.
    pub disable_isa_check: bool,
}

/// A library the wheel needs from outside itself under some policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalLib {
    /// Where it was found; `None` when no search directory has it.
    pub realpath: Option<Location>,
    /// The wheel files whose dependency trees reach it.
    pub needed_by: BTreeSet<String>,
    /// The facts of the found file (used to count its own symbol versions when grafted).
    pub facts: Option<Arc<ElfFacts>>,
}

/// A symbol version a policy does not allow, and who needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooNewVersion {
    /// The version node, e.g. `GLIBC_2.34`.
    pub version: String,
    /// The library providing it (`vn_file`), e.g. `libc.so.6`.
    pub library: String,
    /// File (wheel member, or `<path> (grafted)`) → the undefined symbols bound to the version.
    pub users: BTreeMap<String, Vec<String>>,
}

/// A file whose required x86-64 ISA level is above the baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsaRequirement {
    pub file: String,
    /// `x86-64-v3`, or `unknown bits 0x...`.
    pub level: String,
    /// The best policy it still allows (a system library whitelisted by that policy), or
    /// `linux` when it blocks every policy.
    pub cap: String,
}

/// How the wheel fares against one policy.
#[derive(Debug, Clone)]
pub struct PolicyAssessment {
    pub name: String,
    pub priority: u32,
    /// The primary tag and legacy aliases on the wheel's architecture.
    pub tags: Vec<PlatformTag>,
    /// Libraries that are neither in the wheel nor whitelisted: repair would vendor them.
    pub external_libs: BTreeMap<String, ExternalLib>,
    /// Library → blacklisted symbol → files referencing it.
    pub blacklisted: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    /// Symbol versions not allowed, counting the libraries vendoring would add.
    pub too_new: Vec<TooNewVersion>,
    /// ISA requirements this policy cannot accept.
    pub isa: Vec<IsaRequirement>,
}

impl PolicyAssessment {
    /// Everything except vendoring is fine: `repair` can reach this policy.
    pub fn reachable_by_repair(&self, verdict: &Verdict) -> bool {
        self.blacklisted.is_empty()
            && self.too_new.is_empty()
            && self.isa.is_empty()
            && verdict.pyfpe.is_empty()
            && verdict.ucs2.is_empty()
    }

    /// The wheel meets this policy as it is.
    pub fn met_as_is(&self, verdict: &Verdict) -> bool {
        self.reachable_by_repair(verdict)
            && self.external_libs.is_empty()
            && verdict.purelib_elves.is_empty()
    }
}

/// Whether a claimed platform tag is true.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimCheck {
    pub tag: PlatformTag,
    /// The policy the tag names, `None` when no policy of this libc/arch has that name.
    pub policy: Option<String>,
    pub met: bool,
    /// Set when the tag is for one libc and the ELF files are linked against the other: the
    /// claim is false whatever the policies say.
    pub libc_mismatch: Option<LibcMismatch>,
}

/// A tag for one libc on a wheel whose ELF files are linked against the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibcMismatch {
    /// The libc the tag promises.
    pub claimed: Libc,
    /// The libc the ELF files are linked against (the one the wheel is judged as).
    pub linked: Libc,
    /// The audited ELF files that name `linked`, in member order.
    pub files: Vec<String>,
}

/// The judgement of one platform wheel.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub filename: String,
    pub arch: Arch,
    pub libc: Libc,
    /// auditwheel `show`'s `overall_tag`: the best policy met as it is.
    pub overall: String,
    /// The best policy `repair` can reach by vendoring libraries.
    pub repairable: String,
    pub sym_policy: String,
    pub ref_policy: String,
    pub blacklist_policy: String,
    pub machine_policy: String,
    /// Files referencing `PyFPE_jbuf` & co.
    pub pyfpe: Vec<String>,
    /// Python 2 extensions compiled for narrow (UCS2) unicode.
    pub ucs2: Vec<String>,
    /// ELF files a binary wheel must not install to purelib.
    pub purelib_elves: Vec<String>,
    /// Required symbol versions by library, as auditwheel reports them (including the libraries
    /// vendoring to the symbol policy would add).
    pub versioned_symbols: BTreeMap<String, BTreeSet<String>>,
    /// External libraries under the most compatible policy (auditwheel's JSON `external_libs`).
    pub external_libs: BTreeMap<String, ExternalLib>,
    /// Every policy on the architecture except `linux`, most compatible first.
    pub policies: Vec<PolicyAssessment>,
    pub claims: Vec<ClaimCheck>,
    /// Files with an executable stack (PT_GNU_STACK with PF_X, or no PT_GNU_STACK).
    pub executable_stack: Vec<String>,
}

impl Verdict {
    pub fn policy(&self, name: &str) -> Option<&PolicyAssessment> {
        self.policies.iter().find(|p| p.name == name)
    }

    /// The claimed tags of the other libc than the ELF files are linked against, with why they
    /// are false. All such claims name the same libc and files, so one mismatch stands for all;
    /// `None` when there are none.
    pub fn libc_mismatch(&self) -> Option<(Vec<&PlatformTag>, &LibcMismatch)> {
        let mut mismatched = self
            .claims
            .iter()
            .filter_map(|c| c.libc_mismatch.as_ref().map(|m| (&c.tag, m)));
        let (first_tag, mismatch) = mismatched.next()?;
        let tags = std::iter::once(first_tag)
            .chain(mismatched.map(|(tag, _)| tag))
            .collect();
        Some((tags, mismatch))
    }

    /// The tags of a policy name (`linux` → `linux_<arch>`).
    pub fn tags_of(&self, name: &str) -> Vec<PlatformTag> {
        self.policy(name)
            .map(|p| p.tags.clone())
            .unwrap_or_else(|| vec![PlatformTag::Linux(self.arch)])
    }

    /// The primary tag of a policy name.
    pub fn tag_of(&self, name: &str) -> PlatformTag {
        self.tags_of(name)
            .into_iter()
            .next()
            .unwrap_or(PlatformTag::Linux(self.arch))
    }

    fn priority(&self, name: &str) -> u32 {
        self.policy(name).map_or(0, |p| p.priority)
    }

    /// Whether `name` is at least as compatible as `other`.
    pub fn at_least(&self, name: &str, other: &str) -> bool {
        self.priority(name) >= self.priority(other)
    }
}

/// Judge the analysed wheel against `table` (the table for `analysis.libc`).
pub fn evaluate(analysis: &WheelAnalysis, table: &PolicySet, options: &EvaluateOptions) -> Verdict {
    let arch = analysis.arch;
    let policies: Vec<&Policy> = table
        .for_arch(arch)
        .filter(|p| !p.is_linux())
        .filter(|p| match &analysis.musl_policy {
            Some((name, _)) => &p.name == name,
            None => true,
        })
        .collect();
    let linux = table.linux().name.clone();

    let roots: Vec<&DepTree> = analysis
        .roots
        .iter()
        .filter_map(|r| analysis.trees.get(r))
        .collect();
    // Version needs a library inside the wheel satisfies (it defines the version and the
    // loader finds it there) are not asked of the system, unlike in auditwheel, which pools
    // every need by prefix: a vendored libz's ZLIB_1.2.9 is no reason to reject manylinux1.
    let wheel_requirements = versioned_requirements(analysis.elves.iter().map(|e| {
        let tree = analysis.trees.get(&e.path);
        let internal =
            move |library: &str, version: &str| satisfied_inside(analysis, tree, library, version);
        (
            e.path.clone(),
            e.facts.as_ref(),
            Box::new(internal) as InternalNeed<'_>,
        )
    }));

    let mut assessments: Vec<PolicyAssessment> = policies
        .iter()
        .map(|policy| PolicyAssessment {
            name: policy.name.clone(),
            priority: policy.priority,
            tags: policy.tags(arch),
            external_libs: external_libs(policy, arch, &roots),
            blacklisted: blacklisted(policy, &roots),
            too_new: Vec::new(),
            isa: Vec::new(),
        })
        .collect();

    // Symbol versions: the wheel's own requirements plus those of the libraries vendoring to
    // this policy would add.
    let mut requirements_by_policy: BTreeMap<String, Requirements> = BTreeMap::new();
    for (assessment, policy) in assessments.iter_mut().zip(&policies) {
        let mut requirements = wheel_requirements.clone();
        for (soname, lib) in &assessment.external_libs {
            if let (Some(facts), Some(path)) = (&lib.facts, &lib.realpath) {
                let label = format!("{} (vendored {soname})", location_label(path));
                let external = |_: &str, _: &str| false;
                merge_requirements(
                    &mut requirements,
                    versioned_requirements([(
                        label,
                        facts.as_ref(),
                        Box::new(external) as InternalNeed<'_>,
                    )]),
                );
            }
        }
        assessment.too_new = too_new_versions(policy, arch, &requirements);
        requirements_by_policy.insert(policy.name.clone(), requirements);
    }

    // ISA level (x86-64 only, as auditwheel).
    let all_external: BTreeSet<String> = assessments
        .iter()
        .flat_map(|a| a.external_libs.keys().cloned())
        .collect();
    let isa = if options.disable_isa_check {
        Vec::new()
    } else {
        isa_requirements(&roots, &all_external, table, arch)
    };
    for assessment in &mut assessments {
        assessment.isa = isa
            .iter()
            .filter(|r| table.by_name(&r.cap).map_or(0, |p| p.priority) < assessment.priority)
            .cloned()
            .collect();
    }

    let pyfpe: Vec<String> = analysis
        .elves
        .iter()
        .filter(|e| e.python_init.is_some() && references_pyfpe(&e.facts))
        .map(|e| e.path.clone())
        .collect();
    let ucs2: Vec<String> = analysis
        .elves
        .iter()
        .filter(|e| {
            matches!(
                e.python_init,
                Some(PythonInit::Python2 | PythonInit::CffiPypy)
            ) && references_ucs2(&e.facts)
        })
        .map(|e| e.path.clone())
        .collect();

    let best = |ok: &dyn Fn(&PolicyAssessment) -> bool| -> String {
        assessments
            .iter()
            .find(|a| ok(a))
            .map(|a| a.name.clone())
            .unwrap_or_else(|| linux.clone())
    };
    let sym_policy = best(&|a| a.too_new.is_empty());
    let ref_policy = best(&|a| a.external_libs.is_empty());
    let blacklist_policy = best(&|a| a.blacklisted.is_empty());
    let machine_policy = best(&|a| a.isa.is_empty());
    let blocked_entirely =
        !pyfpe.is_empty() || !ucs2.is_empty() || !analysis.purelib_elves.is_empty();

    let priority_of = |name: &str| {
        assessments
            .iter()
            .find(|a| a.name == name)
            .map_or(0, |a| a.priority)
    };
    let min = |names: &[&String]| -> String {
        names
            .iter()
            .min_by_key(|n| priority_of(n))
            .map(|n| (*n).clone())
            .unwrap_or_else(|| linux.clone())
    };
    let repairable = if blocked_entirely {
        linux.clone()
    } else {
        min(&[&sym_policy, &blacklist_policy, &machine_policy])
    };
    let overall = min(&[&repairable, &ref_policy]);

    // auditwheel reports the requirements that decided the symbol policy: with the libraries
    // vendored under it, or under the newest policy when none is met.
    let reported_under = assessments
        .iter()
        .find(|a| a.name == sym_policy)
        .or(assessments.last());
    let versioned_symbols = reported_under
        .and_then(|a| requirements_by_policy.get(&a.name))
        .map(plain_requirements)
        .unwrap_or_else(|| plain_requirements(&wheel_requirements));

    let external = assessments
        .first()
        .map(|a| a.external_libs.clone())
        .unwrap_or_default();
    let executable_stack = analysis
        .elves
        .iter()
        .filter(|e| e.facts.has_executable_stack())
        .map(|e| e.path.clone())
        .collect();
    let mut verdict = Verdict {
        filename: analysis.filename.clone(),
        arch,
        libc: analysis.libc,
        overall,
        repairable,
        sym_policy,
        ref_policy,
        blacklist_policy,
        machine_policy,
        pyfpe,
        ucs2,
        purelib_elves: analysis.purelib_elves.clone(),
        versioned_symbols,
        external_libs: external,
        policies: assessments,
        claims: Vec::new(),
        executable_stack,
    };
    verdict.claims = analysis
        .claimed_tags
        .iter()
        .filter(|t| t.is_portable_linux())
        .map(|tag| match tag.libc() {
            Some(libc) if libc != analysis.libc => {
                check_claim_of_other_libc(analysis, libc, tag, options)
            }
            _ => check_claim(&verdict, table, tag),
        })
        .collect();
    verdict
}

/// A claim for the libc the wheel was not judged against. It can only hold when no ELF file
/// names a libc (static executables), and then it is judged against that libc's policies;
/// otherwise it is false, and the files that name the other libc say why.
fn check_claim_of_other_libc(
    analysis: &WheelAnalysis,
    libc: Libc,
    tag: &PlatformTag,
    options: &EvaluateOptions,
) -> ClaimCheck {
    let unmet = ClaimCheck {
        tag: tag.clone(),
        policy: None,
        met: false,
        libc_mismatch: None,
    };
    if !analysis.libc_assumed {
        let files = analysis
            .elves
            .iter()
            .filter(|e| e.libc == Some(analysis.libc))
            .map(|e| e.path.clone())
            .collect();
        return ClaimCheck {
            libc_mismatch: Some(LibcMismatch {
                claimed: libc,
                linked: analysis.libc,
                files,
            }),
            ..unmet
        };
    }
    let Ok(table) = PolicySet::embedded(libc) else {
        return unmet;
    };
    let mut other = analysis.clone();
    other.libc = libc;
    other.claimed_tags = Vec::new();
    other.musl_policy = match libc {
        Libc::Musl => {
            match crate::analyze::choose_musl_policy(analysis.arch, std::slice::from_ref(tag), None)
            {
                Ok(choice) => Some(choice),
                Err(_) => return unmet,
            }
        }
        Libc::Glibc => None,
    };
    let verdict = evaluate(&other, table, options);
    check_claim(&verdict, table, tag)
}

/// Whether the wheel meets `tag` as it is.
pub fn check_claim(verdict: &Verdict, table: &PolicySet, tag: &PlatformTag) -> ClaimCheck {
    let policy = table
        .by_tag(tag)
        .filter(|_| tag.arch() == Some(verdict.arch));
    let met = policy
        .and_then(|p| verdict.policy(&p.name))
        .is_some_and(|assessment| assessment.met_as_is(verdict));
    ClaimCheck {
        tag: tag.clone(),
        policy: policy.map(|p| p.name.clone()),
        met,
        libc_mismatch: None,
    }
}

/// (library, version) → file → the symbols bound to that version, from `.gnu.version_r`.
/// Needs on the dynamic loader count too: a `GLIBC_2.35` symbol of `ld-linux-x86-64.so.2` needs
/// glibc 2.35 as surely as one of `libc.so.6` does (auditwheel skips them).
type Requirements = BTreeMap<(String, String), BTreeMap<String, Vec<String>>>;

/// A predicate telling which `(library, version)` needs of a file are satisfied inside the wheel.
type InternalNeed<'a> = Box<dyn Fn(&str, &str) -> bool + 'a>;

fn versioned_requirements<'f, 'a>(
    files: impl IntoIterator<Item = (String, &'f ElfFacts, InternalNeed<'a>)>,
) -> Requirements {
    let mut out: Requirements = BTreeMap::new();
    for (label, facts, is_internal) in files {
        if facts.version_needs.is_empty() {
            continue;
        }
        // One pass over the symbols, grouped by the version they are bound to: a large C++
        // library has tens of thousands of them and dozens of version needs.
        let mut bound: BTreeMap<(&[u8], &[u8]), Vec<String>> = BTreeMap::new();
        for symbol in &facts.undefined_symbols {
            if let Some(version) = &symbol.version {
                let file = symbol
                    .version_file
                    .as_ref()
                    .map(|f| f.as_bytes())
                    .unwrap_or_default();
                bound
                    .entry((version.as_bytes(), file))
                    .or_default()
                    .push(symbol.name.to_string());
            }
        }
        for need in &facts.version_needs {
            let library = need.file.to_string();
            for version in &need.versions {
                let version_text = version.to_string();
                if is_internal(&library, &version_text) {
                    continue;
                }
                let mut symbols: Vec<String> = bound
                    .get(&(version.as_bytes(), need.file.as_bytes()))
                    .cloned()
                    .unwrap_or_default();
                // Symbols whose version names no file are attributed to every need of that
                // version.
                if let Some(unfiled) = bound.get(&(version.as_bytes(), &b""[..])) {
                    symbols.extend(unfiled.iter().cloned());
                }
                out.entry((library.clone(), version_text))
                    .or_default()
                    .entry(label.clone())
                    .or_default()
                    .extend(symbols);
            }
        }
    }
    out
}

/// Whether `library` resolves, in `tree`, to a wheel member that defines `version`.
fn satisfied_inside(
    analysis: &WheelAnalysis,
    tree: Option<&DepTree>,
    library: &str,
    version: &str,
) -> bool {
    let Some(Location::Wheel(member)) = tree
        .and_then(|t| t.libraries.get(library))
        .and_then(|l| l.realpath.as_ref())
    else {
        return false;
    };
    analysis
        .elves
        .iter()
        .any(|e| &e.path == member && e.facts.version_definitions.iter().any(|d| *d == version))
}

fn merge_requirements(into: &mut Requirements, from: Requirements) {
    for (key, users) in from {
        let entry = into.entry(key).or_default();
        for (file, symbols) in users {
            entry.entry(file).or_default().extend(symbols);
        }
    }
}

fn plain_requirements(requirements: &Requirements) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (library, version) in requirements.keys() {
        out.entry(library.clone())
            .or_default()
            .insert(version.clone());
    }
    out
}

fn too_new_versions(
    policy: &Policy,
    arch: Arch,
    requirements: &Requirements,
) -> Vec<TooNewVersion> {
    let Some(allowed) = policy.symbol_versions(arch) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for ((library, version), users) in requirements {
        let (prefix, number) = split_symbol_version(version);
        let Some(allowed_versions) = allowed.get(prefix) else {
            continue;
        };
        if allowed_versions.contains(number) {
            continue;
        }
        let users = users
            .iter()
            .map(|(file, symbols)| {
                let mut symbols = symbols.clone();
                symbols.sort();
                symbols.dedup();
                (file.clone(), symbols)
            })
            .collect();
        out.push(TooNewVersion {
            version: version.clone(),
            library: library.clone(),
            users,
        });
    }
    out
}

/// The libraries reached from `roots` that neither the wheel nor `policy`'s whitelist provides,
/// with the roots that reach each; what `repair` grafts under `policy`.
pub fn external_libs(
    policy: &Policy,
    arch: Arch,
    roots: &[&DepTree],
) -> BTreeMap<String, ExternalLib> {
    let mut out: BTreeMap<String, ExternalLib> = BTreeMap::new();
    for tree in roots {
        let counts = |lib: &str| !is_dynamic_loader(lib) && !policy.whitelists(lib, arch);
        let mut pending: Vec<&str> = tree
            .needed
            .iter()
            .map(String::as_str)
            .filter(|l| counts(l))
            .collect();
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        while let Some(lib) = pending.pop() {
            if !seen.insert(lib) {
                continue;
            }
            if let Some(resolved) = tree.libraries.get(lib) {
                pending.extend(
                    resolved
                        .needed
                        .iter()
                        .map(String::as_str)
                        .filter(|l| counts(l) && !seen.contains(l)),
                );
            }
        }
        for lib in seen {
            let resolved = tree.libraries.get(lib);
            if resolved
                .and_then(|r| r.realpath.as_ref())
                .is_some_and(Location::is_in_wheel)
            {
                continue;
            }
            let entry = match out.get_mut(lib) {
                Some(entry) => entry,
                None => out.entry(lib.to_owned()).or_insert_with(|| ExternalLib {
                    realpath: resolved.and_then(|r| r.realpath.clone()),
                    needed_by: BTreeSet::new(),
                    facts: resolved.and_then(|r| r.facts.clone()),
                }),
            };
            if !entry.needed_by.contains(&tree.root) {
                entry.needed_by.insert(tree.root.clone());
            }
        }
    }
    out
}

fn blacklisted(
    policy: &Policy,
    roots: &[&DepTree],
) -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let mut out: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for tree in roots {
        let undefined: BTreeSet<String> = tree
            .facts
            .undefined_symbols
            .iter()
            .filter(|s| s.binding != SymbolBinding::Weak)
            .map(|s| s.name.to_string())
            .collect();
        for lib in &tree.needed {
            let Some(symbols) = policy.blacklist.get(lib) else {
                continue;
            };
            for symbol in symbols {
                if symbol == "*" || undefined.contains(symbol) {
                    out.entry(lib.clone())
                        .or_default()
                        .entry(symbol.clone())
                        .or_default()
                        .insert(tree.root.clone());
                }
            }
        }
    }
    out
}

fn isa_requirements(
    roots: &[&DepTree],
    external: &BTreeSet<String>,
    table: &PolicySet,
    arch: Arch,
) -> Vec<IsaRequirement> {
    if arch != Arch::X86_64 {
        return Vec::new();
    }
    let linux = table.linux().name.clone();
    let mut checked: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    let mut check = |label: String, facts: &ElfFacts, soname: Option<&str>| {
        if !checked.insert(label.clone()) {
            return;
        }
        let level = match facts.x86_isa_level() {
            Ok(None) => return,
            Ok(Some(level)) => level.as_str().to_owned(),
            Err(bits) => format!("unknown ISA bits {bits:#x}"),
        };
        // A system library some policy whitelists will be the target's own copy there.
        let cap = soname
            .and_then(|s| {
                table
                    .for_arch(arch)
                    .filter(|p| !p.is_linux())
                    .find(|p| p.whitelists(s, arch))
            })
            .map(|p| p.name.clone())
            .unwrap_or_else(|| linux.clone());
        out.push(IsaRequirement {
            file: label,
            level,
            cap,
        });
    };
    for tree in roots {
        check(tree.root.clone(), &tree.facts, None);
        for lib in tree.libraries.values() {
            if !external.contains(&lib.soname) {
                continue;
            }
            if let (Some(path), Some(facts)) = (&lib.realpath, &lib.facts) {
                check(location_label(path), facts, Some(&lib.soname));
            }
        }
    }
    out
}

fn references_pyfpe(facts: &ElfFacts) -> bool {
    facts.undefined_symbols.iter().any(|s| {
        matches!(s.kind, SymbolKind::Func | SymbolKind::NoType)
            && ["PyFPE_jbuf", "PyFPE_dummy", "PyFPE_counter"]
                .iter()
                .any(|n| s.name == *n)
    })
}

fn references_ucs2(facts: &ElfFacts) -> bool {
    facts.undefined_symbols.iter().any(|s| {
        s.kind == SymbolKind::Func
            && s.name
                .as_str()
                .is_some_and(|n| n.contains("PyUnicodeUCS2_"))
    })
}

/// How a location is named in reports.
pub fn location_label(location: &Location) -> String {
    match location {
        Location::Wheel(path) => path.clone(),
        Location::Host(path) => path.display().to_string(),
    }
}
