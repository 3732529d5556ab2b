//! PEP 508 dependency specifiers (`Requires-Dist`, `Provides-Dist`) and project names, checked
//! the way `packaging.requirements.Requirement` parses them: a name, optional extras, a version
//! specifier or a direct URL, optional environment markers. Only validity is decided here,
//! plus whether the requirement is a direct URL reference (PyPI refuses those).

use crate::pep440;

/// What a valid requirement looks like, as far as the gate cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub name: String,
    pub url: Option<String>,
}

/// Whether `name` is a valid project (or extra) name: ASCII letters and digits, with `.`, `_`
/// and `-` inside.
pub fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The PEP 503 normalized form of a name (`Foo.Bar_baz` → `foo-bar-baz`).
pub fn canonicalize_name(name: &str) -> String {
    wheelfix_tags::normalize_dist_name(name)
}

const MARKER_VARIABLES: &[&str] = &[
    "python_version",
    "python_full_version",
    "os_name",
    "sys_platform",
    "platform_release",
    "platform_system",
    "platform_version",
    "platform_machine",
    "platform_python_implementation",
    "implementation_name",
    "implementation_version",
    "extra",
    "extras",
    "dependency_groups",
    // Legacy spellings packaging still accepts.
    "os.name",
    "sys.platform",
    "platform.version",
    "platform.machine",
    "platform.python_implementation",
    "python_implementation",
];

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start_matches([' ', '\t']).len();
    }

    fn eat(&mut self, token: &str) -> bool {
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let rest = self.rest();
        let end = rest.find(|c: char| !f(c)).unwrap_or(rest.len());
        self.pos += end;
        &rest[..end]
    }

    fn error(&self, what: &str) -> String {
        format!("{what} at position {}", self.pos + 1)
    }

    fn identifier(&mut self) -> &'a str {
        self.take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    }
}

/// Parse one requirement; the error names the problem and its position.
pub fn parse_requirement(text: &str) -> Result<Requirement, String> {
    let mut p = Parser { text, pos: 0 };
    p.skip_ws();
    let start = p.pos;
    let name = p.identifier();
    if !is_valid_name(name) {
        p.pos = start;
        return Err(p.error("expected a package name"));
    }
    p.skip_ws();
    if p.eat("[") {
        p.skip_ws();
        if !p.eat("]") {
            loop {
                p.skip_ws();
                let start = p.pos;
                let extra = p.identifier();
                if !is_valid_name(extra) {
                    p.pos = start;
                    return Err(p.error("expected an extra name"));
                }
                p.skip_ws();
                if p.eat("]") {
                    break;
                }
                if !p.eat(",") {
                    return Err(p.error("expected `,` or `]` after an extra"));
                }
            }
        }
        p.skip_ws();
    }
    let mut url = None;
    if p.eat("@") {
        p.skip_ws();
        let found = p.take_while(|c| !c.is_whitespace());
        if found.is_empty() {
            return Err(p.error("expected a URL after `@`"));
        }
        url = Some(found.to_owned());
        let before_ws = p.pos;
        p.skip_ws();
        if !p.rest().is_empty() {
            if p.pos == before_ws {
                return Err(p.error("expected whitespace after the URL"));
            }
            if !p.rest().starts_with(';') {
                return Err(p.error("expected `;` and markers after the URL"));
            }
        }
    } else {
        let parenthesized = p.eat("(");
        let end = if parenthesized {
            p.rest().find(')').ok_or_else(|| p.error("expected `)`"))?
        } else {
            p.rest().find(';').unwrap_or(p.rest().len())
        };
        let specifiers = &p.rest()[..end];
        if !specifiers.trim().is_empty() || parenthesized {
            pep440::check_specifier_set(specifiers).map_err(|e| p.error(&e))?;
        }
        p.pos += end;
        if parenthesized {
            p.pos += 1;
        }
        p.skip_ws();
    }
    if p.eat(";") {
        p.skip_ws();
        marker_or(&mut p)?;
        p.skip_ws();
    }
    if !p.rest().is_empty() {
        return Err(p.error(&format!("unexpected `{}`", p.rest())));
    }
    Ok(Requirement {
        name: name.to_owned(),
        url,
    })
}

fn marker_or(p: &mut Parser<'_>) -> Result<(), String> {
    marker_and(p)?;
    loop {
        p.skip_ws();
        if keyword(p, "or") {
            marker_and(p)?;
        } else {
            return Ok(());
        }
    }
}

fn marker_and(p: &mut Parser<'_>) -> Result<(), String> {
    marker_atom(p)?;
    loop {
        p.skip_ws();
        if keyword(p, "and") {
            marker_atom(p)?;
        } else {
            return Ok(());
        }
    }
}

/// A keyword followed by whitespace or `(`/a quote.
fn keyword(p: &mut Parser<'_>, word: &str) -> bool {
    let rest = p.rest();
    if rest.starts_with(word)
        && rest[word.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_whitespace() || matches!(c, '(' | '\'' | '"'))
    {
        p.pos += word.len();
        true
    } else {
        false
    }
}

fn marker_atom(p: &mut Parser<'_>) -> Result<(), String> {
    p.skip_ws();
    if p.eat("(") {
        marker_or(p)?;
        p.skip_ws();
        if !p.eat(")") {
            return Err(p.error("expected `)` in the marker"));
        }
        return Ok(());
    }
    marker_var(p)?;
    p.skip_ws();
    let ops = ["===", "==", "!=", "~=", "<=", ">=", "<", ">"];
    if let Some(op) = ops.iter().find(|op| p.rest().starts_with(**op)) {
        p.pos += op.len();
    } else if keyword(p, "in") {
    } else if keyword(p, "not") {
        p.skip_ws();
        if !keyword(p, "in") {
            return Err(p.error("expected `in` after `not` in the marker"));
        }
    } else {
        return Err(p.error("expected a marker operator"));
    }
    p.skip_ws();
    marker_var(p)
}

fn marker_var(p: &mut Parser<'_>) -> Result<(), String> {
    for quote in ['\'', '"'] {
        if p.rest().starts_with(quote) {
            let Some(end) = p.rest()[1..].find(quote) else {
                return Err(p.error("unterminated string in the marker"));
            };
            p.pos += end + 2;
            return Ok(());
        }
    }
    let name = p.take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.'));
    if MARKER_VARIABLES.contains(&name) {
        Ok(())
    } else if name.is_empty() {
        Err(p.error("expected a marker variable or a quoted string"))
    } else {
        Err(p.error(&format!("`{name}` is not a marker variable")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, expect: &str) {
        let got = match parse_requirement(input) {
            Ok(r) => format!("{} url={:?}", r.name, r.url),
            Err(e) => format!("error: {e}"),
        };
        assert_eq!(got, expect, "{input}");
    }

    #[test]
    fn requirements() {
        check("numpy", "numpy url=None");
        check("numpy>=1.21,<3", "numpy url=None");
        check("numpy (>=1.21)", "numpy url=None");
        check(
            "requests[security, socks] >= 2.8.1 ; python_version < \"2.7\"",
            "requests url=None",
        );
        check(
            "pip @ https://example.com/pip.whl ; extra == 'x'",
            "pip url=Some(\"https://example.com/pip.whl\")",
        );
        check(
            "typing-extensions>=4.6; python_version < '3.13' and (sys_platform == 'win32' or os_name not in 'nt')",
            "typing-extensions url=None",
        );
        check("foo; extra == \"test\"", "foo url=None");
        check("-foo", "error: expected a package name at position 1");
        check("foo >= ", "error: `>=` has no version at position 5");
        check(
            "foo[bar",
            "error: expected `,` or `]` after an extra at position 8",
        );
        check(
            "foo; python_version",
            "error: expected a marker operator at position 20",
        );
        check(
            "foo; bogus == '1'",
            "error: `bogus` is not a marker variable at position 11",
        );
        // As in packaging, a URL runs to the next space: the `;` is part of it.
        check(
            "foo @ https://x.y/z;extra=='a'",
            "foo url=Some(\"https://x.y/z;extra=='a'\")",
        );
        check(
            "foo @ https://x.y/z extra",
            "error: expected `;` and markers after the URL at position 21",
        );
        check(
            "foo bar",
            "error: `bar` does not start with a comparison operator at position 5",
        );
    }

    #[test]
    fn names() {
        assert!(is_valid_name("A.b-c_d9"));
        assert!(!is_valid_name("-a"));
        assert!(!is_valid_name("a b"));
        assert!(!is_valid_name(""));
        assert_eq!(canonicalize_name("Foo.Bar__baz"), "foo-bar-baz");
    }
}
