//! Outputs of an analysis, as pure functions: the `Depends` string, METADATA
//! `Requires-External` lines, the sidecar JSON, deb-substvars updates, `--print-depends`, and
//! merging many analyses or sidecars (`wheelfix deps`).
//!
//! Nothing here reads or writes files; callers pass the current text and write the result.

mod metadata;
mod sidecar;

pub use metadata::update_metadata;
pub use sidecar::{
    Capabilities, SIDECAR_NAME, Sidecar, SidecarElf, SidecarIgnored, SidecarInternal,
    SidecarLibrary, SidecarRequirement, SidecarTarget, SidecarUnresolved, capabilities,
    depurl_for_soname,
};

use crate::analysis::{DistroAnalysis, Requirement};
use crate::debian::render::render_depends;
use crate::debian::substvars::update_substvars;
use crate::depset::DependencySet;
use crate::error::DistroError;

pub(crate) use crate::debian::render::depends_string;

impl DistroAnalysis {
    /// The `Depends` field value (`libc6 (>= 2.14), libpq5 (>= 10~~)`).
    pub fn depends(&self) -> String {
        depends_string(&self.requirements)
    }

    /// One `Requires-External` value per relation, in `Depends` order.
    pub fn requires_external(&self) -> Vec<String> {
        self.requirements
            .iter()
            .map(|r| r.relation.clone())
            .collect()
    }

    /// `--print-depends`: the `Depends` value and a newline.
    pub fn print_depends(&self) -> String {
        format!("{}\n", self.depends())
    }

    /// `--substvars FILE`: `text` with `<prefix>:Depends` replaced.
    pub fn update_substvars(&self, text: &str, prefix: &str) -> String {
        update_substvars(text, prefix, &[("Depends", &self.depends())])
    }

    /// METADATA with this analysis' `Requires-External` lines; `previous` is the sidecar of an
    /// earlier run on the same wheel, whose lines are replaced.
    pub fn update_metadata(&self, metadata: &str, previous: Option<&Sidecar>) -> String {
        let previous = previous.map(Sidecar::relations).unwrap_or_default();
        update_metadata(metadata, &self.requires_external(), &previous)
    }

    /// The sidecar (`.dist-info/wheelfix-system-deps.json`); `generator` names the tool and
    /// version (`wheelfix 0.1.0`).
    pub fn sidecar(&self, generator: &str) -> Sidecar {
        Sidecar::from_analysis(self, generator)
    }
}

/// Dependencies merged across wheels (`wheelfix deps --distro debian WHEEL|SITE-PACKAGES...`).
#[derive(Debug, Clone)]
pub struct MergedDepends {
    pub dependencies: DependencySet,
    pub requirements: Vec<Requirement>,
}

impl MergedDepends {
    pub fn depends(&self) -> String {
        depends_string(&self.requirements)
    }

    pub fn print_depends(&self) -> String {
        format!("{}\n", self.depends())
    }

    pub fn update_substvars(&self, text: &str, prefix: &str) -> String {
        update_substvars(text, prefix, &[("Depends", &self.depends())])
    }
}

/// Merge dependency states (from [`DistroAnalysis::dependencies`] or
/// [`Sidecar::dependency_set`]): the same clause keeps its highest minimal version. `omit`
/// drops packages, as `--omit-package`.
pub fn merge_dependencies<'a>(
    sets: impl IntoIterator<Item = &'a DependencySet>,
    omit: &[String],
) -> Result<MergedDepends, DistroError> {
    let mut merged = DependencySet::new();
    for set in sets {
        merged
            .merge(set)
            .map_err(|source| DistroError::InvalidVersion {
                context: "merged dependencies".to_owned(),
                source,
            })?;
    }
    let requirements = render_depends(&merged, omit)?;
    Ok(MergedDepends {
        dependencies: merged,
        requirements,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::depset::BumpMode;

    fn set(bumps: &[(&str, &str)]) -> DependencySet {
        let mut set = DependencySet::new();
        for (template, version) in bumps {
            set.bump(template, version, None, BumpMode::InsertOrRaise)
                .unwrap();
        }
        set
    }

    #[test]
    fn merging_psycopg2_and_cffi() {
        // distro-metadata.md §1.5: "both together".
        let psycopg2 = set(&[("libc6 #MINVER#", "2.14"), ("libpq5 #MINVER#", "10~~")]);
        let cffi = set(&[("libc6 #MINVER#", "2.34"), ("libffi8 #MINVER#", "3.4")]);
        let merged = merge_dependencies([&psycopg2, &cffi], &[]).unwrap();
        assert_eq!(
            merged.depends(),
            "libc6 (>= 2.34), libffi8 (>= 3.4), libpq5 (>= 10~~)"
        );
        assert_eq!(
            merged.update_substvars("misc:Depends=\n", "wheelfix"),
            "misc:Depends=\nwheelfix:Depends=libc6 (>= 2.34), libffi8 (>= 3.4), libpq5 (>= 10~~)\n"
        );
        let without_libc = merge_dependencies([&psycopg2, &cffi], &["libc6".to_owned()]).unwrap();
        assert_eq!(
            without_libc.print_depends(),
            "libffi8 (>= 3.4), libpq5 (>= 10~~)\n"
        );
    }
}
