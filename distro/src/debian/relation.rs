//! Debian dependency relations (`libc6 (>= 2.14), libfoo1 | libbar1`): parsing, the canonical
//! spelling dpkg writes, and the order dpkg sorts a `Depends` field in.
//!
//! Only the syntax of deb-control(5) relation fields lives here. Deciding which relations a
//! wheel needs is done in `analyze`; version ordering is in `version`.

use std::cmp::Ordering;
use std::fmt;

use crate::debian::version::{VersionError, compare_lenient, compare_versions};

/// A version operator of a relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelationOp {
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
}

impl RelationOp {
    pub fn as_str(self) -> &'static str {
        match self {
            RelationOp::Lt => "<<",
            RelationOp::Le => "<=",
            RelationOp::Eq => "=",
            RelationOp::Ge => ">=",
            RelationOp::Gt => ">>",
        }
    }

    /// The position dpkg gives the operator when sorting relations on the same package.
    fn sort_rank(op: Option<RelationOp>) -> u8 {
        match op {
            None => 0,
            Some(RelationOp::Ge) => 1,
            Some(RelationOp::Gt) => 2,
            Some(RelationOp::Eq) => 3,
            Some(RelationOp::Lt) => 4,
            Some(RelationOp::Le) => 5,
        }
    }
}

/// One package with an optional version constraint (`libc6 (>= 2.14)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub package: String,
    /// `:any`, `:native`, `:amd64`
    pub arch_qualifier: Option<String>,
    pub version: Option<(RelationOp, String)>,
    /// `[amd64 !i386]`
    pub arches: Option<Vec<String>>,
    /// `<!nocheck> <stage1 cross>`: a list of alternatives, each a list of terms.
    pub restrictions: Vec<Vec<String>>,
}

/// One comma-separated element of a relation field: alternatives joined by `|`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub alternatives: Vec<Dependency>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot parse dependency `{text}`")]
pub struct RelationError {
    pub text: String,
}

impl Clause {
    /// The package of the first alternative.
    pub fn package(&self) -> &str {
        self.alternatives
            .first()
            .map(|d| d.package.as_str())
            .unwrap_or_default()
    }
}

/// Parse a relation field (`a (>= 1), b | c`). Trailing empty elements are dropped and other
/// empty elements are errors, as in dpkg.
pub fn parse_relations(text: &str) -> Result<Vec<Clause>, RelationError> {
    let mut elements: Vec<&str> = text.split(',').collect();
    while elements.last().is_some_and(|e| e.trim().is_empty()) {
        elements.pop();
    }
    elements
        .into_iter()
        .map(|clause| {
            let alternatives = clause
                .split('|')
                .map(parse_dependency)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Clause { alternatives })
        })
        .collect()
}

/// Parse one `package[:arch] [(op version)] [[arches]] [<profiles>...]`.
pub fn parse_dependency(text: &str) -> Result<Dependency, RelationError> {
    let error = || RelationError {
        text: text.trim().to_owned(),
    };
    let mut cursor = Cursor {
        rest: text.trim_start(),
    };
    let package = cursor.take_while(|c| c.is_ascii_alphanumeric() || "+.-".contains(c));
    if !package.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(error());
    }
    let mut dependency = Dependency {
        package: package.to_owned(),
        arch_qualifier: None,
        version: None,
        arches: None,
        restrictions: Vec::new(),
    };
    if cursor.eat(":") {
        let arch = cursor.take_while(|c| c.is_ascii_alphanumeric() || c == '-');
        if !arch.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(error());
        }
        dependency.arch_qualifier = Some(arch.to_owned());
    }
    cursor.skip_space();
    if cursor.eat("(") {
        cursor.skip_space();
        let op = [
            ("<<", RelationOp::Lt),
            ("<=", RelationOp::Le),
            (">=", RelationOp::Ge),
            (">>", RelationOp::Gt),
            ("=", RelationOp::Eq),
            // Obsolete spellings dpkg still reads.
            ("<", RelationOp::Le),
            (">", RelationOp::Ge),
        ]
        .into_iter()
        .find_map(|(spelling, op)| cursor.eat(spelling).then_some(op))
        .ok_or_else(error)?;
        cursor.skip_space();
        let version = cursor.take_while(|c| c != ')' && !c.is_whitespace());
        if version.is_empty() {
            return Err(error());
        }
        cursor.skip_space();
        if !cursor.eat(")") {
            return Err(error());
        }
        dependency.version = Some((op, version.to_owned()));
        cursor.skip_space();
    }
    if cursor.eat("[") {
        let arches = cursor.take_while(|c| c != ']');
        if arches.trim().is_empty() || !cursor.eat("]") {
            return Err(error());
        }
        dependency.arches = Some(arches.split_whitespace().map(str::to_owned).collect());
        cursor.skip_space();
    }
    while cursor.eat("<") {
        let terms = cursor.take_while(|c| c != '>');
        if terms.trim().is_empty() || !cursor.eat(">") {
            return Err(error());
        }
        dependency
            .restrictions
            .push(terms.split_whitespace().map(str::to_owned).collect());
        cursor.skip_space();
    }
    if !cursor.rest.trim().is_empty() {
        return Err(error());
    }
    Ok(dependency)
}

struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &'a str {
        let end = self.rest.find(|c| !keep(c)).unwrap_or(self.rest.len());
        let (taken, rest) = self.rest.split_at(end);
        self.rest = rest;
        taken
    }

    fn eat(&mut self, prefix: &str) -> bool {
        match self.rest.strip_prefix(prefix) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn skip_space(&mut self) {
        self.rest = self.rest.trim_start();
    }
}

impl fmt::Display for Dependency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.package)?;
        if let Some(arch) = &self.arch_qualifier {
            write!(f, ":{arch}")?;
        }
        if let Some((op, version)) = &self.version {
            write!(f, " ({} {version})", op.as_str())?;
        }
        if let Some(arches) = &self.arches {
            write!(f, " [{}]", arches.join(" "))?;
        }
        for terms in &self.restrictions {
            write!(f, " <{}>", terms.join(" "))?;
        }
        Ok(())
    }
}

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, dependency) in self.alternatives.iter().enumerate() {
            if index > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{dependency}")?;
        }
        Ok(())
    }
}

/// dpkg's order of two clauses: alternative by alternative, package name, then operator, then
/// version; a clause that runs out of alternatives first sorts first.
pub fn compare_clauses(a: &Clause, b: &Clause) -> Ordering {
    let mut left = a.alternatives.iter();
    let mut right = b.alternatives.iter();
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = x
                    .package
                    .as_bytes()
                    .cmp(y.package.as_bytes())
                    .then_with(|| {
                        let rank =
                            |d: &Dependency| RelationOp::sort_rank(d.version.as_ref().map(|v| v.0));
                        rank(x).cmp(&rank(y))
                    })
                    .then_with(|| match (&x.version, &y.version) {
                        (Some((_, vx)), Some((_, vy))) => compare_lenient(vx, vy),
                        (None, None) => Ordering::Equal,
                        (None, Some(_)) => Ordering::Less,
                        (Some(_), None) => Ordering::Greater,
                    });
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

/// Sort clauses as dpkg sorts a generated `Depends` field (stable).
pub fn sort_clauses(clauses: &mut [Clause]) {
    clauses.sort_by(compare_clauses);
}

/// The highest `>=`/`>>` version any dependency on `package` in `clauses` requires, as
/// dpkg-shlibdeps reads it from Build-Depends. Dependencies restricted to other architectures
/// (`[!amd64]`) or to build profiles (`<stage1>`) are not considered; `arch` is the target's
/// Debian architecture.
pub fn min_version_for(
    clauses: &[Clause],
    package: &str,
    arch: &str,
) -> Result<Option<String>, VersionError> {
    let mut best: Option<String> = None;
    for dependency in clauses.iter().flat_map(|c| &c.alternatives) {
        if dependency.package != package || !applies_to(dependency, arch) {
            continue;
        }
        let Some((RelationOp::Ge | RelationOp::Gt, version)) = &dependency.version else {
            continue;
        };
        best = match best {
            Some(current) if compare_versions(version, &current)? != Ordering::Greater => {
                Some(current)
            }
            _ => Some(version.clone()),
        };
    }
    Ok(best)
}

/// Whether a build dependency applies when building for `arch` with no build profile active.
fn applies_to(dependency: &Dependency, arch: &str) -> bool {
    if let Some(arches) = &dependency.arches {
        let negated = arches.iter().all(|a| a.starts_with('!'));
        let matched = arches
            .iter()
            .any(|a| arch_matches(a.trim_start_matches('!'), arch));
        if negated == matched {
            return false;
        }
    }
    if dependency.restrictions.is_empty() {
        return true;
    }
    // With no profile active, a term `!x` holds and a term `x` does not.
    dependency
        .restrictions
        .iter()
        .any(|terms| terms.iter().all(|term| term.starts_with('!')))
}

/// Match a Debian architecture wildcard (`any`, `linux-any`, `any-amd64`) or name.
fn arch_matches(pattern: &str, arch: &str) -> bool {
    pattern == arch
        || pattern == "any"
        || pattern == "linux-any"
        || pattern == format!("any-{arch}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parse, sort and print, as dpkg-shlibdeps does with its generated field.
    #[track_caller]
    fn check(input: &str, expect: &str) {
        let got = match parse_relations(input) {
            Ok(mut clauses) => {
                sort_clauses(&mut clauses);
                clauses
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            }
            Err(e) => format!("error: {e}"),
        };
        assert_eq!(got, expect, "{input}");
    }

    #[test]
    fn canonical_spelling() {
        check("libc6 (>=2.14)", "libc6 (>= 2.14)");
        check("  libc6(>= 2.14)  ", "libc6 (>= 2.14)");
        check("libfoo (> 1)", "libfoo (>= 1)");
        check("libglu1-mesa|libglu1", "libglu1-mesa | libglu1");
        check(
            "foo:any [amd64  i386] <!nocheck> <stage1 cross>",
            "foo:any [amd64 i386] <!nocheck> <stage1 cross>",
        );
        check("libfoo ", "libfoo");
        check("", "");
    }

    #[test]
    fn sorted_like_dpkg() {
        check(
            "zlib1g (>= 1:1.1.4), libpq5 (>= 9.1~), libc6 (>= 2.2.5), libssl3 (>= 3.0.0), libffi8 (>= 3.4)",
            "libc6 (>= 2.2.5), libffi8 (>= 3.4), libpq5 (>= 9.1~), libssl3 (>= 3.0.0), zlib1g (>= 1:1.1.4)",
        );
        check(
            "libc6 (<< 2.37), libc6 (>> 2.36)",
            "libc6 (>> 2.36), libc6 (<< 2.37)",
        );
        check("libc6 (>= 2.14), libc6", "libc6, libc6 (>= 2.14)");
        check(
            "libc6 (>= 2.14), libc6 (>= 2.2.5)",
            "libc6 (>= 2.2.5), libc6 (>= 2.14)",
        );
        check(
            "libstdc++6 (>= 11), libstdc++6-dev",
            "libstdc++6 (>= 11), libstdc++6-dev",
        );
        check("b | a, b", "b, b | a");
    }

    #[test]
    fn malformed() {
        check(
            "libc6 (>= )",
            "error: cannot parse dependency `libc6 (>= )`",
        );
        check(
            "libc6 (~ 1)",
            "error: cannot parse dependency `libc6 (~ 1)`",
        );
        check(
            "libc6 (>= 1",
            "error: cannot parse dependency `libc6 (>= 1`",
        );
        check("-foo", "error: cannot parse dependency `-foo`");
        check("foo bar", "error: cannot parse dependency `foo bar`");
        check("a, , b", "error: cannot parse dependency ``");
    }

    #[track_caller]
    fn check_min(build_depends: &str, package: &str, expect: Option<&str>) {
        let clauses = parse_relations(build_depends).unwrap();
        assert_eq!(
            min_version_for(&clauses, package, "amd64")
                .unwrap()
                .as_deref(),
            expect,
            "{build_depends}"
        );
    }

    #[test]
    fn build_depends_minimum() {
        check_min("libpq-dev (>= 15)", "libpq-dev", Some("15"));
        check_min(
            "debhelper-compat (= 13), libpq-dev (>> 14), libpq-dev (>= 13)",
            "libpq-dev",
            Some("14"),
        );
        check_min("libpq-dev (<< 16)", "libpq-dev", None);
        check_min("libpq-dev", "libpq-dev", None);
        check_min(
            "libpq-dev (>= 15) [!amd64], libpq-dev (>= 12) [amd64]",
            "libpq-dev",
            Some("12"),
        );
        check_min(
            "libpq-dev (>= 15) <stage1>, libpq-dev (>= 13) <!nocheck>",
            "libpq-dev",
            Some("13"),
        );
        check_min("foo | libpq-dev (>= 11)", "libpq-dev", Some("11"));
    }
}
