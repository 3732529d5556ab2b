//! os-release(5): the identity of the target system (`ID=debian`, `VERSION_ID="12"`).
//!
//! Parsing only; the file is read by the backend from `ROOT/etc/os-release` or
//! `ROOT/usr/lib/os-release`.

use std::collections::BTreeMap;

/// The variables of an os-release file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsRelease {
    pub variables: BTreeMap<String, String>,
}

impl OsRelease {
    /// Parse shell-style `KEY=value` assignments. Values may be double- or single-quoted;
    /// backslash escapes `\"`, `\\`, `` \` `` and `\$` are honoured in double quotes. Lines
    /// that are not assignments are ignored, as systemd does.
    pub fn parse(text: &str) -> OsRelease {
        let mut variables = BTreeMap::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((key, raw)) = line.split_once('=') else {
                continue;
            };
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            variables.insert(key.to_owned(), unquote(raw));
        }
        OsRelease { variables }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.variables.get(key).map(String::as_str)
    }

    /// `ID`, defaulting to `linux` as os-release(5) specifies.
    pub fn id(&self) -> &str {
        self.get("ID").unwrap_or("linux")
    }

    pub fn version_id(&self) -> Option<&str> {
        self.get("VERSION_ID")
    }

    /// Whether this is Debian or a derivative (`ID=debian` or `debian` in `ID_LIKE`).
    pub fn is_debian_like(&self) -> bool {
        self.id() == "debian"
            || self
                .get("ID_LIKE")
                .is_some_and(|like| like.split_whitespace().any(|id| id == "debian"))
    }
}

fn unquote(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (Some('"') | None, '\\') => match chars.next() {
                Some(next) if quote.is_none() || "\"\\`$".contains(next) => out.push(next),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            },
            (None, c) if c.is_whitespace() => break,
            (_, c) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(text: &str, expect: &str) {
        let parsed = OsRelease::parse(text);
        let got: Vec<String> = parsed
            .variables
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        assert_eq!(got.join("\n"), expect, "{text}");
    }

    #[test]
    fn debian_12() {
        check(
            "\
PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"
NAME=\"Debian GNU/Linux\"
VERSION_ID=\"12\"
VERSION=\"12 (bookworm)\"
VERSION_CODENAME=bookworm
ID=debian
",
            "\
ID=debian
NAME=Debian GNU/Linux
PRETTY_NAME=Debian GNU/Linux 12 (bookworm)
VERSION=12 (bookworm)
VERSION_CODENAME=bookworm
VERSION_ID=12",
        );
    }

    #[test]
    fn quoting_and_junk() {
        check(
            "# comment\nA='single $quoted'\nB=\"esc \\\"x\\\" \\$HOME \\n\"\nnot an assignment\nC=plain trailing\n=x\n",
            "A=single $quoted\nB=esc \"x\" $HOME \\n\nC=plain",
        );
    }

    #[test]
    fn family() {
        assert!(OsRelease::parse("ID=ubuntu\nID_LIKE=debian\n").is_debian_like());
        assert!(OsRelease::parse("ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n").is_debian_like());
        assert!(!OsRelease::parse("ID=fedora\n").is_debian_like());
        assert_eq!(OsRelease::parse("").id(), "linux");
    }
}
