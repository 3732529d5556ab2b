//! Debian version numbers (deb-version(7)): parsing, validity and ordering.
//!
//! A version is `[epoch:]upstream[-revision]`. Upstream and revision are compared piecewise:
//! runs of non-digits character by character (`~` sorts before everything, even the end of the
//! string; letters sort before other characters), runs of digits numerically. Written from the
//! man page; nothing here knows about packages or dependency relations (see `relation`).

use std::cmp::Ordering;
use std::fmt;

/// A syntactically valid Debian version. The original text is kept verbatim, so that
/// rendering `(>= 1:1.2.0)` never changes the spelling the symbols file used.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DebVersion {
    text: String,
    /// Byte offset where the upstream part starts (after `epoch:`).
    upstream_start: usize,
    /// Byte offset of the `-` before the revision, if any.
    revision_dash: Option<usize>,
}

/// Why a string is not a Debian version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{version}` is not a valid Debian version: {problem}")]
pub struct VersionError {
    pub version: String,
    pub problem: &'static str,
}

impl DebVersion {
    /// Parse `text`, applying the same validity rules as dpkg.
    pub fn parse(text: &str) -> Result<DebVersion, VersionError> {
        let fail = |problem| {
            Err(VersionError {
                version: text.to_owned(),
                problem,
            })
        };
        if text.is_empty() {
            return fail("version number cannot be empty");
        }
        let (epoch, upstream_start) = match text.find(':') {
            Some(colon) if colon + 1 < text.len() => (&text[..colon], colon + 1),
            _ => ("", 0),
        };
        if upstream_start > 0 && epoch.is_empty() {
            return fail("epoch part of the version number cannot be empty");
        }
        let rest = &text[upstream_start..];
        let revision_dash = rest.rfind('-').map(|dash| upstream_start + dash);
        let (upstream, revision) = match revision_dash {
            Some(dash) => (&text[upstream_start..dash], Some(&text[dash + 1..])),
            None => (rest, None),
        };
        if upstream.is_empty() {
            return fail("upstream version cannot be empty");
        }
        if revision == Some("") {
            return fail("revision cannot be empty");
        }
        if !upstream.starts_with(|c: char| c.is_ascii_digit()) {
            return fail("version number does not start with digit");
        }
        if !text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-+:.~".contains(c))
        {
            return fail("version number contains an illegal character");
        }
        if !epoch.chars().all(|c| c.is_ascii_digit()) {
            return fail("epoch part of the version number is not a number");
        }
        Ok(DebVersion {
            text: text.to_owned(),
            upstream_start,
            revision_dash,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The epoch digits; empty when the version has none (which means 0).
    pub fn epoch(&self) -> &str {
        match self.upstream_start {
            0 => "",
            start => &self.text[..start - 1],
        }
    }

    pub fn upstream(&self) -> &str {
        let end = self.revision_dash.unwrap_or(self.text.len());
        &self.text[self.upstream_start..end]
    }

    /// The Debian revision; empty for a native version.
    pub fn revision(&self) -> &str {
        match self.revision_dash {
            Some(dash) => &self.text[dash + 1..],
            None => "",
        }
    }
}

impl fmt::Display for DebVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Ord for DebVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_part(self.epoch(), other.epoch())
            .then_with(|| compare_part(self.upstream(), other.upstream()))
            .then_with(|| compare_part(self.revision(), other.revision()))
    }
}

impl PartialOrd for DebVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Compare two version strings; `Err` names the first one that is not a valid version.
pub fn compare_versions(a: &str, b: &str) -> Result<Ordering, VersionError> {
    Ok(DebVersion::parse(a)?.cmp(&DebVersion::parse(b)?))
}

/// Compare two strings that may not be valid versions, splitting them as dpkg's Perl code does
/// (used to sort already generated relations, where dpkg does not validate either).
pub fn compare_lenient(a: &str, b: &str) -> Ordering {
    let split = |text: &str| -> (String, String, String) {
        let (epoch, rest) = match text.split_once(':') {
            Some((epoch, rest)) if !rest.is_empty() => (epoch, rest),
            _ => ("", text),
        };
        let (upstream, revision) = rest.rsplit_once('-').unwrap_or((rest, ""));
        (epoch.to_owned(), upstream.to_owned(), revision.to_owned())
    };
    let (a, b) = (split(a), split(b));
    compare_part(&a.0, &b.0)
        .then_with(|| compare_part(&a.1, &b.1))
        .then_with(|| compare_part(&a.2, &b.2))
}

/// True when dpkg-shlibdeps would write `(>= version)` for this minimal version: valid, and
/// neither empty nor `"0"` (dpkg tests the string's Perl truthiness).
pub fn is_meaningful_minimum(version: &str) -> bool {
    !version.is_empty() && version != "0" && DebVersion::parse(version).is_ok()
}

/// The sort weight of one character of a non-digit run; `None` is the end of the run.
fn weight(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// Compare one part (epoch, upstream or revision) the way dpkg does.
fn compare_part(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    let is_digit = |s: &[u8]| s.first().is_some_and(u8::is_ascii_digit);
    while !a.is_empty() || !b.is_empty() {
        while (!a.is_empty() && !is_digit(a)) || (!b.is_empty() && !is_digit(b)) {
            let (wa, wb) = (
                weight(a.first().copied().filter(|c| !c.is_ascii_digit())),
                weight(b.first().copied().filter(|c| !c.is_ascii_digit())),
            );
            if wa != wb {
                return wa.cmp(&wb);
            }
            // Equal weights inside this loop are never 0, so both sides have a character.
            a = a.get(1..).unwrap_or_default();
            b = b.get(1..).unwrap_or_default();
        }
        // Digit runs: compare numerically without overflowing (strip zeros, then length).
        let run = |s: &[u8]| s.iter().take_while(|c| c.is_ascii_digit()).count();
        let (la, lb) = (run(a), run(b));
        let trim = |s: &[u8]| {
            let zeros = s.iter().take_while(|&&c| c == b'0').count();
            s[zeros..].to_vec()
        };
        let (na, nb) = (trim(&a[..la]), trim(&b[..lb]));
        let numeric = na.len().cmp(&nb.len()).then_with(|| na.cmp(&nb));
        if numeric != Ordering::Equal {
            return numeric;
        }
        a = &a[la..];
        b = &b[lb..];
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(a: &str, expect: Ordering, b: &str) {
        assert_eq!(compare_versions(a, b), Ok(expect), "{a} vs {b}");
        assert_eq!(
            compare_versions(b, a),
            Ok(expect.reverse()),
            "{b} vs {a} (reversed)"
        );
    }

    #[test]
    fn design_vectors() {
        use Ordering::*;
        check("10~~", Less, "10~");
        check("10~", Less, "10");
        check("10", Less, "10.0");
        check("9.1~", Less, "9.1");
        check("1:1.1.4", Greater, "1.2.13");
        check("2.36-9+deb12u14", Greater, "2.36");
        check("3.0.22-1~deb12u2", Less, "3.0.22-1");
        check("15.20-0+deb12u1", Greater, "10~~");
        check("1.0a", Less, "1.0+");
        check("1.0-1", Less, "1.0.1");
        check("0", Greater, "0~");
        check("2.2.5", Less, "2.14");
        check("1:1.2.13.dfsg-1", Greater, "1:1.2.0.8");
    }

    #[test]
    fn more_orderings() {
        use Ordering::*;
        check("1.0", Equal, "1.0");
        check("0:1.0", Equal, "1.0");
        check("1.0-0", Equal, "1.0");
        check("1.001", Equal, "1.1");
        check("1.0~rc1", Less, "1.0");
        check("1.0a", Greater, "1.0");
        check("1.0a", Less, "1.0b");
        check("1.0+dfsg", Less, "1.0.dfsg");
        check("2:0.1", Greater, "1:99");
        check("99999999999999999999999", Greater, "9999999999999999999999");
    }

    #[track_caller]
    fn check_parse(text: &str, expect: Result<(&str, &str, &str), &str>) {
        let got = DebVersion::parse(text)
            .map(|v| {
                (
                    v.epoch().to_owned(),
                    v.upstream().to_owned(),
                    v.revision().to_owned(),
                )
            })
            .map_err(|e| e.problem);
        let expect = expect.map(|(e, u, r)| (e.to_owned(), u.to_owned(), r.to_owned()));
        assert_eq!(got, expect, "{text}");
    }

    #[test]
    fn parsing() {
        check_parse("1:1.2.13.dfsg-1", Ok(("1", "1.2.13.dfsg", "1")));
        check_parse("2.36-9+deb12u14", Ok(("", "2.36", "9+deb12u14")));
        check_parse("1.2-3-4", Ok(("", "1.2-3", "4")));
        check_parse("10~~", Ok(("", "10~~", "")));
        check_parse("", Err("version number cannot be empty"));
        check_parse(
            ":1",
            Err("epoch part of the version number cannot be empty"),
        );
        check_parse("a1", Err("version number does not start with digit"));
        check_parse("1.0-", Err("revision cannot be empty"));
        check_parse("1.0_1", Err("version number contains an illegal character"));
        check_parse(
            "x:1.0",
            Err("epoch part of the version number is not a number"),
        );
        check_parse("1.0 ", Err("version number contains an illegal character"));
    }

    #[test]
    fn meaningful_minimum() {
        assert!(!is_meaningful_minimum(""));
        assert!(!is_meaningful_minimum("0"));
        assert!(!is_meaningful_minimum("not a version"));
        assert!(is_meaningful_minimum("0~"));
        assert!(is_meaningful_minimum("0:0"));
        assert!(is_meaningful_minimum("10~~"));
    }
}
