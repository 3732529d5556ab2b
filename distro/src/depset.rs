//! [`DependencySet`]: the running state of step 6, a map from dependency clause template
//! (`libc6 #MINVER#`, `libc6 (>> 2.36)`) to the minimal version found so far.
//!
//! Every ELF file of a wheel, and every wheel of a `wheelfix deps` run, bumps the same set;
//! bumping only ever raises versions, so the order of files does not matter. Turning the set
//! into relation text is the backend's `render`.

use std::collections::BTreeMap;

use crate::debian::version::{VersionError, compare_versions};

/// Template clause → state. Ordered for deterministic output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DependencySet {
    clauses: BTreeMap<String, ClauseState>,
}

/// The minimal version of one clause and what set it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClauseState {
    /// `""` means no version requirement (yet); `"0"` renders unversioned too.
    pub minver: String,
    /// What produced `minver` (`memcpy@GLIBC_2.14 in libc.so.6`), for reports.
    pub origin: Option<String>,
}

/// Whether a bump may add clauses or only raise existing ones (Build-Depends bumping).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BumpMode {
    InsertOrRaise,
    RaiseExisting,
}

impl DependencySet {
    pub fn new() -> DependencySet {
        DependencySet::default()
    }

    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &ClauseState)> {
        self.clauses.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn get(&self, clause: &str) -> Option<&ClauseState> {
        self.clauses.get(clause)
    }

    /// dpkg-shlibdeps' `update_dependency_version`: split `template` on commas and, for each
    /// clause, insert `version` or raise the current one to it. An unversioned current value
    /// is always replaced; an empty `version` never replaces a versioned one.
    pub fn bump(
        &mut self,
        template: &str,
        version: &str,
        origin: Option<&str>,
        mode: BumpMode,
    ) -> Result<(), VersionError> {
        for clause in split_template(template) {
            match self.clauses.get_mut(clause) {
                Some(state) => {
                    let raise = state.minver.is_empty()
                        || (!version.is_empty()
                            && compare_versions(version, &state.minver)?.is_gt());
                    if raise {
                        state.minver = version.to_owned();
                        state.origin = origin.map(str::to_owned);
                    }
                }
                None if mode == BumpMode::InsertOrRaise => {
                    self.clauses.insert(
                        clause.to_owned(),
                        ClauseState {
                            minver: version.to_owned(),
                            origin: origin.map(str::to_owned),
                        },
                    );
                }
                None => {}
            }
        }
        Ok(())
    }

    /// The shlibs path: every clause of `dependencies` (split on `,`) is set unversioned,
    /// replacing whatever was there, as dpkg-shlibdeps assigns rather than bumps here.
    pub fn set_unversioned(&mut self, dependencies: &str, origin: Option<&str>) {
        for clause in dependencies.split(',').enumerate().map(|(i, c)| {
            // `split /,\s*/`: whitespace after a comma belongs to the separator.
            if i == 0 { c } else { c.trim_start() }
        }) {
            self.clauses.insert(
                clause.to_owned(),
                ClauseState {
                    minver: String::new(),
                    origin: origin.map(str::to_owned),
                },
            );
        }
    }

    /// Merge `other` into `self` with [`DependencySet::bump`] semantics.
    pub fn merge(&mut self, other: &DependencySet) -> Result<(), VersionError> {
        for (clause, state) in &other.clauses {
            self.bump(
                clause,
                &state.minver,
                state.origin.as_deref(),
                BumpMode::InsertOrRaise,
            )?;
        }
        Ok(())
    }
}

/// `split /\s*,\s*/`, keeping the clause text otherwise verbatim.
fn split_template(template: &str) -> impl Iterator<Item = &str> {
    let parts: Vec<&str> = template.split(',').collect();
    let last = parts.len().saturating_sub(1);
    parts.into_iter().enumerate().map(move |(i, part)| {
        let part = if i > 0 { part.trim_start() } else { part };
        if i < last { part.trim_end() } else { part }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Apply `(template, version)` bumps in order and print the final state.
    #[track_caller]
    fn check(bumps: &[(&str, &str)], expect: &str) {
        let mut set = DependencySet::new();
        for (template, version) in bumps {
            set.bump(template, version, None, BumpMode::InsertOrRaise)
                .unwrap();
        }
        let got: Vec<String> = set
            .iter()
            .map(|(clause, state)| format!("{clause} = {:?}", state.minver))
            .collect();
        assert_eq!(got.join("\n"), expect);
    }

    #[test]
    fn bumping() {
        check(
            &[("libc6 #MINVER#", "2.2.5"), ("libc6 #MINVER#", "2.14")],
            "libc6 #MINVER# = \"2.14\"",
        );
        check(
            &[("libc6 #MINVER#", "2.14"), ("libc6 #MINVER#", "2.2.5")],
            "libc6 #MINVER# = \"2.14\"",
        );
        check(
            &[("libpq5 #MINVER#", ""), ("libpq5 #MINVER#", "0")],
            "libpq5 #MINVER# = \"0\"",
        );
        check(
            &[("libpq5 #MINVER#", "9.1~"), ("libpq5 #MINVER#", "")],
            "libpq5 #MINVER# = \"9.1~\"",
        );
        check(
            &[("libpq5 #MINVER#", "10~~"), ("libpq5 #MINVER#", "10~")],
            "libpq5 #MINVER# = \"10~\"",
        );
        check(
            &[("libc6 (>> 2.36), libc6 (<< 2.37)", "0")],
            "libc6 (<< 2.37) = \"0\"\nlibc6 (>> 2.36) = \"0\"",
        );
        check(
            &[("libtinfo6 #MINVER# ,libtinfo6 (<< 6.5~)", "6")],
            "libtinfo6 #MINVER# = \"6\"\nlibtinfo6 (<< 6.5~) = \"6\"",
        );
    }

    #[test]
    fn raise_existing_only() {
        let mut set = DependencySet::new();
        set.bump("libpq5 #MINVER#", "10~~", None, BumpMode::InsertOrRaise)
            .unwrap();
        set.bump("libpq5 #MINVER#", "15", None, BumpMode::RaiseExisting)
            .unwrap();
        set.bump("libpq-alt #MINVER#", "15", None, BumpMode::RaiseExisting)
            .unwrap();
        assert_eq!(set.get("libpq5 #MINVER#").unwrap().minver, "15");
        assert!(set.get("libpq-alt #MINVER#").is_none());
    }

    #[test]
    fn shlibs_assign_and_merge() {
        let mut a = DependencySet::new();
        a.set_unversioned("libbz2-1.0", None);
        a.set_unversioned("libbinutils (>= 2.40), libbinutils (<< 2.40.1)", None);
        let mut b = DependencySet::new();
        b.bump("libc6 #MINVER#", "2.34", Some("x"), BumpMode::InsertOrRaise)
            .unwrap();
        a.merge(&b).unwrap();
        let keys: Vec<&str> = a.iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                "libbinutils (<< 2.40.1)",
                "libbinutils (>= 2.40)",
                "libbz2-1.0",
                "libc6 #MINVER#"
            ]
        );
        assert_eq!(
            a.get("libc6 #MINVER#").unwrap().origin.as_deref(),
            Some("x")
        );
    }

    #[test]
    fn invalid_versions_are_errors() {
        let mut set = DependencySet::new();
        set.bump("a #MINVER#", "1.0", None, BumpMode::InsertOrRaise)
            .unwrap();
        assert!(
            set.bump("a #MINVER#", "x.0", None, BumpMode::InsertOrRaise)
                .is_err()
        );
    }
}
