//! The versioned JSON reports (schema in `docs/json.md`). These DTOs are the only serializable
//! types in wheelfix: audit types are converted by hand, so the JSON is a contract that does
//! not move when internals do. Field names follow `auditwheel show --json` where the concept is
//! the same (`overall_tag`, `sym_tag`, `external_libs`, `versioned_symbols`, `policy_upgrades`).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;
use wheelfix_audit::{DepTree, Verdict, location_label};

use crate::commands::audit::{Outcome, passes};
use crate::input::file_name;

pub(crate) const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct AuditReport {
    schema_version: u32,
    wheel: String,
    path: String,
    pure: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(flatten)]
    platform: Option<PlatformReport>,
}

#[derive(Serialize)]
struct PlatformReport {
    arch: String,
    libc: String,
    overall_tag: String,
    overall_tags: Vec<String>,
    repairable_tag: String,
    sym_tag: String,
    pyfpe: bool,
    ucs2: bool,
    unsupported_isa: bool,
    versioned_symbols: BTreeMap<String, Vec<String>>,
    external_libs: BTreeMap<String, Option<String>>,
    external_libs_needed_by: BTreeMap<String, Vec<String>>,
    policy_upgrades: BTreeMap<String, PolicyUpgrade>,
    claimed_tags: Vec<ClaimReport>,
    plat: Option<ClaimReport>,
    passed: bool,
    executable_stack: Vec<String>,
    purelib_elves: Vec<String>,
    notes: Vec<String>,
}

#[derive(Serialize)]
struct ClaimReport {
    tag: String,
    met: bool,
    /// Present when the tag is for the other libc than the ELF files are linked against.
    #[serde(skip_serializing_if = "Option::is_none")]
    libc_mismatch: Option<LibcMismatchReport>,
}

#[derive(Serialize)]
struct LibcMismatchReport {
    /// The libc the tag promises.
    claimed: String,
    /// The libc the ELF files are linked against.
    linked: String,
    /// The ELF files that name `linked`.
    files: Vec<String>,
}

#[derive(Serialize, Default)]
struct PolicyUpgrade {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    libs_to_eliminate: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    blacklisted_symbols: BTreeMap<String, Vec<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    too_new_symbol_versions: Vec<TooNewReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    isa: Vec<IsaReport>,
}

#[derive(Serialize)]
struct TooNewReport {
    version: String,
    library: String,
    /// File → symbols bound to the version.
    needed_by: BTreeMap<String, Vec<String>>,
}

#[derive(Serialize)]
struct IsaReport {
    file: String,
    level: String,
}

pub(crate) fn audit(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    let report = match outcome {
        Outcome::Pure { path } => AuditReport {
            schema_version: SCHEMA_VERSION,
            wheel: file_name(path),
            path: path.display().to_string(),
            pure: true,
            error: None,
            platform: None,
        },
        Outcome::Unreadable { path, message } => AuditReport {
            schema_version: SCHEMA_VERSION,
            wheel: file_name(path),
            path: path.display().to_string(),
            pure: false,
            error: Some(message.clone()),
            platform: None,
        },
        Outcome::Platform {
            path,
            verdict,
            notes,
            plat,
        } => AuditReport {
            schema_version: SCHEMA_VERSION,
            wheel: file_name(path),
            path: path.display().to_string(),
            pure: false,
            error: None,
            platform: Some(platform(verdict, notes, plat.as_ref())),
        },
    };
    serde_json::to_writer(&mut *out, &report).map_err(io::Error::other)?;
    writeln!(out)
}

fn platform(
    verdict: &Verdict,
    notes: &[String],
    plat: Option<&wheelfix_tags::PlatformTag>,
) -> PlatformReport {
    let mut policy_upgrades = BTreeMap::new();
    for policy in verdict
        .policies
        .iter()
        .filter(|p| !verdict.at_least(&verdict.overall, &p.name))
    {
        let upgrade = PolicyUpgrade {
            libs_to_eliminate: policy.external_libs.keys().cloned().collect(),
            blacklisted_symbols: policy
                .blacklisted
                .iter()
                .map(|(lib, syms)| (lib.clone(), syms.keys().cloned().collect()))
                .collect(),
            too_new_symbol_versions: policy
                .too_new
                .iter()
                .map(|t| TooNewReport {
                    version: t.version.clone(),
                    library: t.library.clone(),
                    needed_by: t.users.clone(),
                })
                .collect(),
            isa: policy
                .isa
                .iter()
                .map(|i| IsaReport {
                    file: i.file.clone(),
                    level: i.level.clone(),
                })
                .collect(),
        };
        policy_upgrades.insert(verdict.tag_of(&policy.name).to_string(), upgrade);
    }
    PlatformReport {
        arch: verdict.arch.to_string(),
        libc: verdict.libc.to_string(),
        overall_tag: verdict.tag_of(&verdict.overall).to_string(),
        overall_tags: verdict
            .tags_of(&verdict.overall)
            .iter()
            .map(ToString::to_string)
            .collect(),
        repairable_tag: verdict.tag_of(&verdict.repairable).to_string(),
        sym_tag: verdict.tag_of(&verdict.sym_policy).to_string(),
        pyfpe: !verdict.pyfpe.is_empty(),
        ucs2: !verdict.ucs2.is_empty(),
        unsupported_isa: verdict.machine_policy == "linux",
        versioned_symbols: verdict
            .versioned_symbols
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().cloned().collect()))
            .collect(),
        external_libs: verdict
            .external_libs
            .iter()
            .map(|(k, v)| (k.clone(), v.realpath.as_ref().map(location_label)))
            .collect(),
        external_libs_needed_by: verdict
            .external_libs
            .iter()
            .map(|(k, v)| (k.clone(), v.needed_by.iter().cloned().collect()))
            .collect(),
        policy_upgrades,
        claimed_tags: verdict
            .claims
            .iter()
            .map(|c| ClaimReport {
                tag: c.tag.to_string(),
                met: c.met,
                libc_mismatch: c.libc_mismatch.as_ref().map(|m| LibcMismatchReport {
                    claimed: m.claimed.to_string(),
                    linked: m.linked.to_string(),
                    files: m.files.clone(),
                }),
            })
            .collect(),
        plat: plat.map(|tag| ClaimReport {
            tag: tag.to_string(),
            met: passes(verdict, Some(tag)),
            libc_mismatch: None,
        }),
        passed: passes(verdict, plat),
        executable_stack: verdict.executable_stack.clone(),
        purelib_elves: verdict.purelib_elves.clone(),
        notes: notes.to_vec(),
    }
}

#[derive(Serialize)]
struct LddtreeReport {
    schema_version: u32,
    path: String,
    interpreter: Option<String>,
    needed: Vec<String>,
    libraries: BTreeMap<String, LddtreeLib>,
}

#[derive(Serialize)]
struct LddtreeLib {
    path: Option<String>,
    realpath: Option<String>,
    needed: Vec<String>,
}

pub(crate) fn lddtree(out: &mut dyn Write, tree: &DepTree) -> io::Result<()> {
    let report = LddtreeReport {
        schema_version: SCHEMA_VERSION,
        path: tree.root.clone(),
        interpreter: tree.facts.interpreter.as_ref().map(ToString::to_string),
        needed: tree.needed.clone(),
        libraries: tree
            .libraries
            .iter()
            .map(|(soname, lib)| {
                (
                    soname.clone(),
                    LddtreeLib {
                        path: lib.path.as_ref().map(location_label),
                        realpath: lib.realpath.as_ref().map(location_label),
                        needed: lib.needed.clone(),
                    },
                )
            })
            .collect(),
    };
    serde_json::to_writer(&mut *out, &report).map_err(io::Error::other)?;
    writeln!(out)
}
