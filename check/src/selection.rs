//! `--select` / `--ignore`: which rule codes are reported. Each entry is a full code (`P001`) or
//! a prefix of codes (`Z` for the whole ZIP family, `H00`); an entry that matches no rule is an
//! error, so a typo cannot silently disable nothing.

use crate::rules::RULES;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a rule code or code prefix (see `docs/check.md`)")]
pub struct SelectionError(pub String);

/// The enabled rules: everything selected (all, when nothing is), minus everything ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    select: Vec<String>,
    ignore: Vec<String>,
}

impl Selection {
    /// Every rule.
    pub fn all() -> Selection {
        Selection::default()
    }

    pub fn new(select: &[String], ignore: &[String]) -> Result<Selection, SelectionError> {
        let normalize = |entries: &[String]| -> Result<Vec<String>, SelectionError> {
            let mut out = Vec::new();
            for entry in entries {
                let entry = entry.trim().to_ascii_uppercase();
                if entry.is_empty() {
                    continue;
                }
                if entry == "ALL" {
                    out.push(String::new());
                    continue;
                }
                if !RULES.iter().any(|r| r.code.starts_with(&entry)) {
                    return Err(SelectionError(entry));
                }
                out.push(entry);
            }
            Ok(out)
        };
        Ok(Selection {
            select: normalize(select)?,
            ignore: normalize(ignore)?,
        })
    }

    pub fn enabled(&self, code: &str) -> bool {
        let selected = self.select.is_empty() || self.select.iter().any(|p| code.starts_with(p));
        selected && !self.ignore.iter().any(|p| code.starts_with(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(select: &[&str], ignore: &[&str], expect: &str) {
        let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let got = match Selection::new(&owned(select), &owned(ignore)) {
            Ok(selection) => RULES
                .iter()
                .filter(|r| selection.enabled(r.code))
                .map(|r| r.code)
                .collect::<Vec<_>>()
                .join(" "),
            Err(e) => format!("error: {e}"),
        };
        assert_eq!(got, expect);
    }

    #[test]
    fn select_and_ignore() {
        check(
            &["Z00", "a001"],
            &["Z002"],
            "Z001 Z003 Z004 Z005 Z006 Z007 A001",
        );
        check(&["H"], &["H00"], "");
        check(
            &["ALL"],
            &["Z", "P", "M", "R", "T", "A"],
            "H001 H002 H003 H004 H005 H006",
        );
        check(
            &["X1"],
            &[],
            "error: `X1` is not a rule code or code prefix (see `docs/check.md`)",
        );
        assert!(Selection::all().enabled("Z001"));
    }
}
