//! The repair plan (anchors.md §c7 steps 4–5): which libraries to graft, and what changes in
//! every ELF file of the wheel, as a pure function of the analysis and the chosen target.
//!
//! Library *names* are not decided here: a grafted library's name hashes its patched content,
//! which only `crate::apply` can produce. The plan refers to grafts by index.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use wheelfix_audit::resolve::is_libpython;
use wheelfix_audit::{Location, WheelAnalysis, external_libs};
use wheelfix_policies::PolicySet;
use wheelfix_tags::PlatformTag;

/// A library copied into the wheel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graft {
    /// The DT_NEEDED name it is known by.
    pub soname: String,
    /// Its file on the target filesystem.
    pub source: PathBuf,
    /// The grafts its own DT_NEEDED entries name, by index into [`RepairPlan::grafts`].
    pub needs: Vec<usize>,
    /// The wheel members whose dependency trees reach it.
    pub needed_by: BTreeSet<String>,
}

/// What changes in one ELF member of the wheel.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberEdit {
    /// DT_NEEDED entries that now name a graft (soname → graft index).
    pub replace_needed: Vec<(String, usize)>,
    /// DT_NEEDED entries to drop (libpython).
    pub remove_needed: Vec<String>,
    /// The new DT_RPATH, when the member needs grafted libraries.
    pub rpath: Option<String>,
    /// For an executable in `<name>.data/scripts/`: where it moves so that `$ORIGIN` has a fixed
    /// place relative to the grafted libraries; a shim takes its old place.
    pub moved_to: Option<String>,
}

impl MemberEdit {
    pub fn is_empty(&self) -> bool {
        self.replace_needed.is_empty()
            && self.remove_needed.is_empty()
            && self.rpath.is_none()
            && self.moved_to.is_none()
    }
}

/// Everything a repair will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepairPlan {
    /// `<name>.libs`, at the wheel root.
    pub libs_dir: String,
    /// In dependency order where the dependencies allow it (a graft's needs come first).
    pub grafts: Vec<Graft>,
    pub edits: BTreeMap<String, MemberEdit>,
    /// The platform tags the repaired wheel carries.
    pub tags: Vec<PlatformTag>,
    /// Messages for the user (libpython removed, ...).
    pub warnings: Vec<String>,
    /// Metadata changes that are not about ELF files (the distro mode records system
    /// dependencies this way).
    pub metadata: MetadataEdits,
}

/// Changes to `.dist-info` and the file name besides the platform tags.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MetadataEdits {
    /// The new METADATA text.
    pub metadata: Option<String>,
    /// Files added to (or replaced in) `.dist-info/`, by name within it.
    pub dist_info_files: Vec<(String, Vec<u8>)>,
    /// A new build tag for the file name and the WHEEL `Build:` header.
    pub build_tag: Option<String>,
}

/// Why a plan cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error(
        "`{soname}`, needed by {needed_by}, was not found; point `--ldpaths` or `--root` at it, or `--exclude` it if another package provides it"
    )]
    LibraryNotFound { soname: String, needed_by: String },
    #[error("`{soname}` resolves to `{path}`, which is already inside the wheel")]
    GraftInsideWheel { soname: String, path: String },
    #[error("policy `{0}` is not in the embedded tables")]
    UnknownPolicy(String),
}

/// Plan the repair of `analysis` grafting what `graft_policy` needs.
pub fn plan(
    analysis: &WheelAnalysis,
    table: &PolicySet,
    graft_policy: &str,
    tags: Vec<PlatformTag>,
    libs_dir: &str,
) -> Result<RepairPlan, PlanError> {
    let policy = table
        .by_name(graft_policy)
        .ok_or_else(|| PlanError::UnknownPolicy(graft_policy.to_owned()))?;
    let mut grafts: Vec<Graft> = Vec::new();
    let mut index_of: BTreeMap<String, usize> = BTreeMap::new();
    let mut edits: BTreeMap<String, MemberEdit> = BTreeMap::new();
    let mut warnings = Vec::new();

    // Every ELF file of the wheel is judged with its own tree, so a library inside the wheel
    // that needs a system library is patched too (auditwheel#598).
    for elf in &analysis.elves {
        let Some(tree) = analysis.trees.get(&elf.path) else {
            continue;
        };
        let external = external_libs(policy, analysis.arch, &[tree]);
        if external.is_empty() {
            continue;
        }
        let mut edit = MemberEdit::default();
        for (soname, lib) in &external {
            if is_libpython(soname) {
                if elf.facts.needed.iter().any(|n| *n == soname.as_str()) {
                    warnings.push(format!("removing the DT_NEEDED on `{soname}` from `{}`: linking with libpython is forbidden in manylinux/musllinux wheels", elf.path));
                    edit.remove_needed.push(soname.clone());
                }
                continue;
            }
            let source = match &lib.realpath {
                Some(Location::Host(path)) => path.clone(),
                Some(Location::Wheel(member)) => {
                    return Err(PlanError::GraftInsideWheel {
                        soname: soname.clone(),
                        path: member.clone(),
                    });
                }
                None => {
                    let needed_by = tree
                        .libraries
                        .get(soname)
                        .map(|l| format!("`{}`", l.needed_by))
                        .unwrap_or_else(|| format!("`{}`", elf.path));
                    return Err(PlanError::LibraryNotFound {
                        soname: soname.clone(),
                        needed_by,
                    });
                }
            };
            let index = *index_of.entry(soname.clone()).or_insert_with(|| {
                grafts.push(Graft {
                    soname: soname.clone(),
                    source,
                    needs: Vec::new(),
                    needed_by: BTreeSet::new(),
                });
                grafts.len() - 1
            });
            grafts[index].needed_by.insert(elf.path.clone());
            if elf.facts.needed.iter().any(|n| *n == soname.as_str()) {
                edit.replace_needed.push((soname.clone(), index));
            }
        }
        let has_grafts = external.keys().any(|s| !is_libpython(s));
        if has_grafts {
            let location = match script_destination(&elf.path) {
                Some(moved) => {
                    edit.moved_to = Some(moved.clone());
                    moved
                }
                None => elf.path.clone(),
            };
            edit.rpath = Some(rpath_for(
                &location,
                libs_dir,
                elf.facts
                    .rpath
                    .as_ref()
                    .or(elf.facts.runpath.as_ref())
                    .map(|r| r.to_string()),
            ));
        }
        if !edit.is_empty() {
            edits.insert(elf.path.clone(), edit);
        }
    }

    // Grafted libraries that need each other.
    for (index, graft) in grafts.iter_mut().enumerate() {
        let needed: Vec<String> = analysis
            .trees
            .values()
            .find_map(|t| t.libraries.get(&graft.soname))
            .and_then(|lib| lib.facts.as_ref())
            .map(|facts| facts.needed.iter().map(|n| n.to_string()).collect())
            .unwrap_or_default();
        graft.needs = needed
            .iter()
            .filter_map(|n| index_of.get(n).copied())
            .filter(|&i| i != index)
            .collect();
    }
    let grafts = order_grafts(grafts, &mut edits);
    Ok(RepairPlan {
        libs_dir: libs_dir.to_owned(),
        grafts,
        edits,
        tags,
        warnings,
        metadata: MetadataEdits::default(),
    })
}

/// Put `grafts` in dependency order (each after the grafts it needs, as [`RepairPlan::grafts`]
/// requires) and renumber the graft indices in `grafts[..].needs` and in `edits`. Plans made
/// outside this module (the distro mode's `--unowned vendor`) use it too.
pub fn order_grafts(grafts: Vec<Graft>, edits: &mut BTreeMap<String, MemberEdit>) -> Vec<Graft> {
    let order = dependency_order(&grafts);
    let mut new_index = vec![0usize; grafts.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let ordered: Vec<Graft> = order
        .iter()
        .map(|&old| {
            let mut graft = grafts[old].clone();
            graft.needs = graft.needs.iter().map(|&d| new_index[d]).collect();
            graft
        })
        .collect();
    for edit in edits.values_mut() {
        for (_, index) in &mut edit.replace_needed {
            *index = new_index[*index];
        }
    }
    ordered
}

/// An order of the grafts (old indices) in which each comes after the grafts it needs; members
/// of a cycle keep their relative order (their names then hash each other's original sonames).
fn dependency_order(grafts: &[Graft]) -> Vec<usize> {
    let mut placed: Vec<bool> = vec![false; grafts.len()];
    let mut order: Vec<usize> = Vec::with_capacity(grafts.len());
    loop {
        let mut progressed = false;
        for (index, graft) in grafts.iter().enumerate() {
            if !placed[index] && graft.needs.iter().all(|&d| placed[d]) {
                placed[index] = true;
                order.push(index);
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
    }
    order.extend((0..grafts.len()).filter(|&i| !placed[i]));
    order
}

/// An executable at `<name>.data/scripts/<exe>` moves to `<name>.scripts/<exe>` in platlib, as
/// auditwheel does: scripts are installed to a directory with no fixed path to platlib.
fn script_destination(path: &str) -> Option<String> {
    let mut parts = path.split('/');
    let (Some(data), Some("scripts"), Some(exe), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let name = data.strip_suffix(".data")?;
    let name = name.split('-').next().unwrap_or(name);
    Some(format!("{name}.scripts/{exe}"))
}

/// `$ORIGIN/<relative path to libs_dir>`, after the old entries that point inside the wheel.
pub fn rpath_for(member: &str, libs_dir: &str, old: Option<String>) -> String {
    let dir: Vec<&str> = member
        .rsplit_once('/')
        .map(|(d, _)| d.split('/').collect())
        .unwrap_or_default();
    let mut entries: Vec<String> = Vec::new();
    if let Some(old) = old {
        for entry in old.split(':') {
            if let Some(rest) = entry
                .strip_prefix("$ORIGIN")
                .or_else(|| entry.strip_prefix("${ORIGIN}"))
            {
                let mut stack: Vec<&str> = dir.clone();
                let mut inside = true;
                for part in rest.split('/') {
                    match part {
                        "" | "." => {}
                        ".." => {
                            if stack.pop().is_none() {
                                inside = false;
                            }
                        }
                        other => stack.push(other),
                    }
                }
                let normalized = format!(
                    "$ORIGIN{}",
                    if rest.is_empty() {
                        String::new()
                    } else {
                        rest.to_owned()
                    }
                );
                if inside && !entries.contains(&normalized) {
                    entries.push(normalized);
                }
            }
        }
    }
    let relative = if dir.is_empty() {
        libs_dir.to_owned()
    } else {
        format!("{}{libs_dir}", "../".repeat(dir.len()))
    };
    let new_entry = format!("$ORIGIN/{relative}");
    if !entries.contains(&new_entry) {
        entries.push(new_entry);
    }
    entries.join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_rpath(member: &str, old: Option<&str>, expect: &str) {
        assert_eq!(
            rpath_for(member, "pkg.libs", old.map(str::to_owned)),
            expect
        );
    }

    #[test]
    fn rpaths() {
        check_rpath("pkg/_ext.so", None, "$ORIGIN/../pkg.libs");
        check_rpath("pkg/sub/_ext.so", None, "$ORIGIN/../../pkg.libs");
        check_rpath("_ext.so", None, "$ORIGIN/pkg.libs");
        check_rpath(
            "pkg/_ext.so",
            Some("$ORIGIN/lib:/usr/local/lib:$ORIGIN/../../outside"),
            "$ORIGIN/lib:$ORIGIN/../pkg.libs",
        );
        check_rpath(
            "pkg/_ext.so",
            Some("$ORIGIN/../pkg.libs"),
            "$ORIGIN/../pkg.libs",
        );
        check_rpath("pkg.scripts/tool", None, "$ORIGIN/../pkg.libs");
    }

    #[test]
    fn graft_order_puts_dependencies_first() {
        let graft = |soname: &str, needs: Vec<usize>| Graft {
            soname: soname.into(),
            source: PathBuf::from("/x"),
            needs,
            needed_by: BTreeSet::new(),
        };
        let grafts = vec![
            graft("a", vec![1]),
            graft("b", vec![2]),
            graft("c", vec![]),
            graft("d", vec![4]),
            graft("e", vec![3]),
        ];
        let names: Vec<&str> = dependency_order(&grafts)
            .iter()
            .map(|&i| grafts[i].soname.as_str())
            .collect();
        assert_eq!(names, ["c", "b", "a", "d", "e"]);
    }
}
