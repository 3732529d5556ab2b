//! PEP 440 versions and specifiers, as far as the gate needs them: is a version valid, what is
//! its normalized form, are two versions equal, does it carry a local segment, and is a
//! specifier (set) well formed. The accepted spellings are those of `packaging.version` (the
//! lenient separators, `alpha`/`preview`/`rev`, the implicit `-N` post release, a leading `v`).
//!
//! Ordering other than equality and evaluating specifiers are not needed, so not here.

use std::fmt;

/// A parsed version. Numbers are kept as digit strings without leading zeros, so versions with
/// arbitrarily large components (dates, build numbers) compare exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub epoch: String,
    pub release: Vec<String>,
    /// `("a" | "b" | "rc", number)`
    pub pre: Option<(&'static str, String)>,
    pub post: Option<String>,
    pub dev: Option<String>,
    /// Local segments, lowercased, numeric ones without leading zeros.
    pub local: Vec<String>,
}

/// Why a string is not a version; the message quotes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a valid PEP 440 version")]
pub struct InvalidVersion(pub String);

fn number(digits: &str) -> String {
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Num(String),
}

impl Version {
    pub fn parse(text: &str) -> Result<Version, InvalidVersion> {
        let invalid = || InvalidVersion(text.to_owned());
        let lower = text.trim().to_ascii_lowercase();
        let s = lower.strip_prefix('v').unwrap_or(&lower);
        let (public, local) = match s.split_once('+') {
            Some((public, local)) => (public, Some(local)),
            None => (s, None),
        };
        // Epoch and release.
        let (epoch, rest) = match public.split_once('!') {
            Some((epoch, rest))
                if !epoch.is_empty() && epoch.bytes().all(|b| b.is_ascii_digit()) =>
            {
                (number(epoch), rest)
            }
            Some(_) => return Err(invalid()),
            None => ("0".to_owned(), public),
        };
        let bytes = rest.as_bytes();
        let mut pos = 0;
        let mut release = Vec::new();
        loop {
            let start = pos;
            while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                pos += 1;
            }
            if pos == start {
                return Err(invalid());
            }
            release.push(number(&rest[start..pos]));
            if pos + 1 < bytes.len() && bytes[pos] == b'.' && bytes[pos + 1].is_ascii_digit() {
                pos += 1;
                continue;
            }
            break;
        }
        // The rest: optional separators, words and numbers.
        let mut tokens: Vec<(Option<u8>, Token)> = Vec::new();
        while pos < bytes.len() {
            let sep = if matches!(bytes[pos], b'-' | b'_' | b'.') {
                pos += 1;
                Some(bytes[pos - 1])
            } else {
                None
            };
            let start = pos;
            if pos < bytes.len() && bytes[pos].is_ascii_digit() {
                while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                    pos += 1;
                }
                tokens.push((sep, Token::Num(number(&rest[start..pos]))));
            } else if pos < bytes.len() && bytes[pos].is_ascii_lowercase() {
                while pos < bytes.len() && bytes[pos].is_ascii_lowercase() {
                    pos += 1;
                }
                tokens.push((sep, Token::Word(rest[start..pos].to_owned())));
            } else {
                return Err(invalid());
            }
        }
        let mut tokens = tokens.into_iter().peekable();
        let take_number =
            |tokens: &mut std::iter::Peekable<std::vec::IntoIter<(Option<u8>, Token)>>| {
                if let Some((_, Token::Num(_))) = tokens.peek()
                    && let Some((_, Token::Num(n))) = tokens.next()
                {
                    return n;
                }
                "0".to_owned()
            };
        let mut pre = None;
        if let Some((_, Token::Word(word))) = tokens.peek() {
            let label = match word.as_str() {
                "a" | "alpha" => Some("a"),
                "b" | "beta" => Some("b"),
                "c" | "rc" | "pre" | "preview" => Some("rc"),
                _ => None,
            };
            if let Some(label) = label {
                tokens.next();
                pre = Some((label, take_number(&mut tokens)));
            }
        }
        let mut post = None;
        match tokens.peek() {
            Some((Some(b'-'), Token::Num(_))) => {
                if let Some((_, Token::Num(n))) = tokens.next() {
                    post = Some(n);
                }
            }
            Some((_, Token::Word(word))) if matches!(word.as_str(), "post" | "rev" | "r") => {
                tokens.next();
                post = Some(take_number(&mut tokens));
            }
            _ => {}
        }
        let mut dev = None;
        if let Some((_, Token::Word(word))) = tokens.peek()
            && word == "dev"
        {
            tokens.next();
            dev = Some(take_number(&mut tokens));
        }
        if tokens.next().is_some() {
            return Err(invalid());
        }
        let local = match local {
            None => Vec::new(),
            Some(local) => {
                let segments: Vec<&str> = local.split(['-', '_', '.']).collect();
                if segments
                    .iter()
                    .any(|s| s.is_empty() || !s.bytes().all(|b| b.is_ascii_alphanumeric()))
                {
                    return Err(invalid());
                }
                segments
                    .iter()
                    .map(|s| {
                        if s.bytes().all(|b| b.is_ascii_digit()) {
                            number(s)
                        } else {
                            (*s).to_owned()
                        }
                    })
                    .collect()
            }
        };
        Ok(Version {
            epoch,
            release,
            pre,
            post,
            dev,
            local,
        })
    }

    /// Equality as `packaging.version.Version` defines it: trailing zeros of the release do
    /// not count (`1.0 == 1.0.0`).
    pub fn same_as(&self, other: &Version) -> bool {
        let trimmed = |r: &[String]| -> Vec<String> {
            let mut v = r.to_vec();
            while v.len() > 1 && v.last().is_some_and(|x| x == "0") {
                v.pop();
            }
            v
        };
        self.epoch == other.epoch
            && trimmed(&self.release) == trimmed(&other.release)
            && self.pre == other.pre
            && self.post == other.post
            && self.dev == other.dev
            && self.local == other.local
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.epoch != "0" {
            write!(f, "{}!", self.epoch)?;
        }
        f.write_str(&self.release.join("."))?;
        if let Some((label, n)) = &self.pre {
            write!(f, "{label}{n}")?;
        }
        if let Some(n) = &self.post {
            write!(f, ".post{n}")?;
        }
        if let Some(n) = &self.dev {
            write!(f, ".dev{n}")?;
        }
        if !self.local.is_empty() {
            write!(f, "+{}", self.local.join("."))?;
        }
        Ok(())
    }
}

/// Check one specifier (`>=3.8`, `==1.*`, `~= 2.2`, `===weird`); the error says what is wrong.
pub fn check_specifier(spec: &str) -> Result<(), String> {
    let spec = spec.trim();
    let operators = ["===", "~=", "==", "!=", "<=", ">=", "<", ">"];
    let Some(op) = operators.iter().find(|op| spec.starts_with(**op)) else {
        return Err(format!(
            "`{spec}` does not start with a comparison operator"
        ));
    };
    let version = spec[op.len()..].trim();
    if *op == "===" {
        if version.contains(|c: char| c.is_whitespace() || c == ';' || c == ')') {
            return Err(format!("`{spec}`: invalid arbitrary-equality version"));
        }
        return Ok(());
    }
    if version.is_empty() {
        return Err(format!("`{spec}` has no version"));
    }
    let (version, wildcard) = match version.strip_suffix(".*") {
        Some(prefix) => (prefix, true),
        None => (version, false),
    };
    if wildcard && !matches!(*op, "==" | "!=") {
        return Err(format!("`{spec}`: `.*` is only allowed with `==` and `!=`"));
    }
    let parsed = Version::parse(version).map_err(|e| format!("`{spec}`: {e}"))?;
    if version.contains(char::is_whitespace) {
        return Err(format!("`{spec}`: whitespace inside the version"));
    }
    if !parsed.local.is_empty() && (wildcard || !matches!(*op, "==" | "!=")) {
        return Err(format!(
            "`{spec}`: a local version is only allowed with `==` and `!=`"
        ));
    }
    if wildcard && (parsed.pre.is_some() || parsed.post.is_some() || parsed.dev.is_some()) {
        return Err(format!("`{spec}`: `.*` can only follow a release number"));
    }
    if *op == "~=" && parsed.release.len() < 2 {
        return Err(format!(
            "`{spec}`: `~=` needs at least two release segments"
        ));
    }
    Ok(())
}

/// Check a comma-separated specifier set (empty is allowed).
pub fn check_specifier_set(set: &str) -> Result<(), String> {
    if set.trim().is_empty() {
        return Ok(());
    }
    for spec in set.split(',') {
        check_specifier(spec)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, expect: &str) {
        let got = match Version::parse(input) {
            Ok(v) => v.to_string(),
            Err(e) => format!("error: {e}"),
        };
        assert_eq!(got, expect, "{input}");
    }

    #[test]
    fn normalization() {
        check("1.0", "1.0");
        check("v1.0", "1.0");
        check(" 01.002 ", "1.2");
        check("1.0a1", "1.0a1");
        check("1.0.alpha.1", "1.0a1");
        check("1.0-beta-2", "1.0b2");
        check("1.0c", "1.0rc0");
        check("1.0preview3", "1.0rc3");
        check("1.0-1", "1.0.post1");
        check("1.0.post", "1.0.post0");
        check("1.0rev2", "1.0.post2");
        check("1.0_r", "1.0.post0");
        check("1.0.dev", "1.0.dev0");
        check(
            "1!2.0rc1.post2.dev3+Ubuntu-1.01",
            "1!2.0rc1.post2.dev3+ubuntu.1.1",
        );
        check("2024.11.6", "2024.11.6");
        check("99999999999999999999999.1", "99999999999999999999999.1");
        check("1.0.0", "1.0.0");
        check("1.0+", "error: `1.0+` is not a valid PEP 440 version");
        check("1.0-", "error: `1.0-` is not a valid PEP 440 version");
        check("1.0.x", "error: `1.0.x` is not a valid PEP 440 version");
        check(
            "1.0dev1post1",
            "error: `1.0dev1post1` is not a valid PEP 440 version",
        );
        check("", "error: `` is not a valid PEP 440 version");
        check("UNKNOWN", "error: `UNKNOWN` is not a valid PEP 440 version");
        check("1..0", "error: `1..0` is not a valid PEP 440 version");
    }

    #[test]
    fn equality() {
        let v = |s: &str| Version::parse(s).unwrap();
        assert!(v("1.0").same_as(&v("1.0.0")));
        assert!(v("1.0a1").same_as(&v("1.0.alpha1")));
        assert!(!v("1.0").same_as(&v("1.0.post0")));
        assert!(!v("1.0").same_as(&v("1.0+local")));
        assert!(v("0!1").same_as(&v("1")));
    }

    #[test]
    fn specifiers() {
        for ok in [
            ">=3.8",
            "==1.*",
            "~= 2.2",
            "===foo",
            "!=1.0+local",
            "<4",
            ">=3.8,<4",
            "",
        ] {
            assert_eq!(check_specifier_set(ok), Ok(()), "{ok}");
        }
        for bad in [
            ">=1.*",
            "~=1",
            "=>1.0",
            ">=1.0+local",
            "==",
            "==1.0 , junk",
            ">=1.0.dev1.*",
        ] {
            assert!(check_specifier_set(bad).is_err(), "{bad}");
        }
    }
}
