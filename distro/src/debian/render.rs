//! Step 7 for Debian: turn the dependency state into the `Depends` relations dpkg-shlibdeps
//! would write: `#MINVER#` replaced by `(>= v)` (or dropped), whitespace collapsed, parsed,
//! `--omit-package` applied, sorted and deduplicated.

use crate::analysis::Requirement;
use crate::debian::relation::{RelationOp, compare_clauses, parse_relations};
use crate::debian::version::is_meaningful_minimum;
use crate::depset::DependencySet;
use crate::error::DistroError;

/// Render every clause of `deps`, leaving out clauses whose (first) package is in `omit`.
pub fn render_depends(
    deps: &DependencySet,
    omit: &[String],
) -> Result<Vec<Requirement>, DistroError> {
    let mut requirements = Vec::new();
    for (template, state) in deps.iter() {
        let text = if template.contains("#MINVER#") {
            let replacement = if is_meaningful_minimum(&state.minver) {
                format!("(>= {})", state.minver)
            } else {
                String::new()
            };
            template.replace("#MINVER#", &replacement)
        } else {
            template.to_owned()
        };
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let clauses = parse_relations(&text).map_err(|source| DistroError::InvalidRelation {
            context: format!("generated dependency `{text}` (template `{template}`)"),
            source,
        })?;
        for clause in clauses {
            if omit.iter().any(|p| p == clause.package()) {
                continue;
            }
            requirements.push(Requirement {
                relation: clause.to_string(),
                clause,
                template: template.to_owned(),
                minver: state.minver.clone(),
                origin: state.origin.clone(),
            });
        }
    }
    Ok(sort_and_dedupe(requirements))
}

/// `--version-policy built`: every alternative whose package `installed_version` knows becomes
/// `package (>= installed version)`.
pub fn with_built_versions(
    requirements: Vec<Requirement>,
    installed_version: &dyn Fn(&str) -> Option<String>,
) -> Vec<Requirement> {
    let requirements = requirements
        .into_iter()
        .map(|mut requirement| {
            for alternative in &mut requirement.clause.alternatives {
                if let Some(version) = installed_version(&alternative.package) {
                    alternative.version = Some((RelationOp::Ge, version));
                }
            }
            requirement.relation = requirement.clause.to_string();
            requirement
        })
        .collect();
    sort_and_dedupe(requirements)
}

fn sort_and_dedupe(mut requirements: Vec<Requirement>) -> Vec<Requirement> {
    requirements.sort_by(|a, b| compare_clauses(&a.clause, &b.clause));
    let mut seen = std::collections::BTreeSet::new();
    requirements.retain(|r| seen.insert(r.relation.clone()));
    requirements
}

/// The `Depends` field text: relations joined with `, `.
pub fn depends_string(requirements: &[Requirement]) -> String {
    requirements
        .iter()
        .map(|r| r.relation.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::depset::BumpMode;

    #[track_caller]
    fn check(bumps: &[(&str, &str)], omit: &[&str], expect: &str) {
        let mut deps = DependencySet::new();
        for (template, version) in bumps {
            if let Some(shlibs) = template.strip_prefix("shlibs:") {
                deps.set_unversioned(shlibs, None);
            } else {
                deps.bump(template, version, None, BumpMode::InsertOrRaise)
                    .unwrap();
            }
        }
        let omit: Vec<String> = omit.iter().map(|s| (*s).to_owned()).collect();
        let got = match render_depends(&deps, &omit) {
            Ok(requirements) => depends_string(&requirements),
            Err(e) => format!("error: {e}"),
        };
        assert_eq!(got, expect);
    }

    #[test]
    fn minver_rendering() {
        check(&[("libpq5 #MINVER#", "10~~")], &[], "libpq5 (>= 10~~)");
        check(&[("libpq5 #MINVER#", "0")], &[], "libpq5");
        check(&[("libpq5 #MINVER#", "")], &[], "libpq5");
        check(&[("libpq5 #MINVER#", "0~")], &[], "libpq5 (>= 0~)");
        check(
            &[("zlib1g #MINVER#", "1:1.1.4")],
            &[],
            "zlib1g (>= 1:1.1.4)",
        );
        check(
            &[("libc6 (>> 2.36), libc6 (<< 2.37)", "0")],
            &[],
            "libc6 (>> 2.36), libc6 (<< 2.37)",
        );
        check(&[("libx11-private", "")], &[], "libx11-private");
        check(
            &[("libtinfo6 #MINVER#, libtinfo6 (<< 6.5~)", "6.1")],
            &[],
            "libtinfo6 (>= 6.1), libtinfo6 (<< 6.5~)",
        );
    }

    #[test]
    fn design_fixture_string() {
        check(
            &[
                ("libc6 #MINVER#", "2.2.5"),
                ("libffi8 #MINVER#", "3.4"),
                ("libpq5 #MINVER#", "9.1~"),
                ("libssl3 #MINVER#", "3.0.0"),
                ("zlib1g #MINVER#", "1:1.1.4"),
            ],
            &[],
            "libc6 (>= 2.2.5), libffi8 (>= 3.4), libpq5 (>= 9.1~), libssl3 (>= 3.0.0), zlib1g (>= 1:1.1.4)",
        );
    }

    #[test]
    fn omit_and_dedupe() {
        check(
            &[("libc6 #MINVER#", "2.14"), ("libpq5 #MINVER#", "10~~")],
            &["libc6"],
            "libpq5 (>= 10~~)",
        );
        check(
            &[("libfoo1 #MINVER#", ""), ("shlibs:libfoo1", "")],
            &[],
            "libfoo1",
        );
        check(
            &[("shlibs:libglu1-mesa | libglu1", "")],
            &[],
            "libglu1-mesa | libglu1",
        );
    }

    #[test]
    fn broken_template_is_an_error() {
        check(
            &[("libfoo (>= #MINVER#", "1")],
            &[],
            "error: invalid dependency in generated dependency `libfoo (>= (>= 1)` (template `libfoo (>= #MINVER#`): cannot parse dependency `libfoo (>= (>= 1)`",
        );
    }

    #[test]
    fn built_policy() {
        let mut deps = DependencySet::new();
        deps.bump("libpq5 #MINVER#", "10~~", None, BumpMode::InsertOrRaise)
            .unwrap();
        deps.bump(
            "libc6 (>> 2.36), libc6 (<< 2.37)",
            "0",
            None,
            BumpMode::InsertOrRaise,
        )
        .unwrap();
        let requirements = render_depends(&deps, &[]).unwrap();
        let installed = |name: &str| match name {
            "libpq5" => Some("15.20-0+deb12u1".to_owned()),
            "libc6" => Some("2.36-9+deb12u14".to_owned()),
            _ => None,
        };
        let built = with_built_versions(requirements, &installed);
        assert_eq!(
            depends_string(&built),
            "libc6 (>= 2.36-9+deb12u14), libpq5 (>= 15.20-0+deb12u1)"
        );
    }
}
