//! The text formats inside `.dist-info/`: RFC 822-style header files (WHEEL, METADATA) and the
//! RECORD CSV, plus the `sha256=<urlsafe base64>` digests RECORD uses.
//!
//! Parsing keeps the original text where a rewrite must preserve it (METADATA), and reports
//! malformed lines with their line number. Nothing here touches the zip layer.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

/// A problem in one of the text files, with the 1-based line it is on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct TextError {
    pub line: usize,
    pub problem: String,
}

/// Headers of a WHEEL or METADATA file, in order, with continuation lines joined; plus the body
/// (the long description, after the first blank line) for METADATA.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HeaderFile {
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl HeaderFile {
    pub fn parse(text: &str) -> Result<HeaderFile, TextError> {
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut lines = text.split_inclusive('\n').enumerate();
        let mut body = None;
        while let Some((index, raw)) = lines.next() {
            let line = raw.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                let rest: String = lines.map(|(_, l)| l).collect();
                body = Some(rest);
                break;
            }
            if line.starts_with([' ', '\t']) {
                let Some((_, value)) = headers.last_mut() else {
                    return Err(TextError {
                        line: index + 1,
                        problem: "continuation line before any header".into(),
                    });
                };
                value.push('\n');
                value.push_str(line.trim_start());
                continue;
            }
            let Some((key, value)) = line.split_once(':') else {
                return Err(TextError {
                    line: index + 1,
                    problem: format!("`{line}` is not a `Name: value` header"),
                });
            };
            if key.is_empty() || key.contains(char::is_whitespace) {
                return Err(TextError {
                    line: index + 1,
                    problem: format!("`{key}` is not a valid header name"),
                });
            }
            headers.push((key.to_owned(), value.trim().to_owned()));
        }
        Ok(HeaderFile { headers, body })
    }

    /// The first value of a header, matched case-insensitively as email headers are.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    pub fn get_all<'s>(&'s self, key: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

/// One row of RECORD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordEntry {
    pub path: String,
    /// `(algorithm, urlsafe-base64 digest)`, e.g. `("sha256", "...")`; `None` for RECORD itself.
    pub hash: Option<(String, String)>,
    pub size: Option<u64>,
}

/// Parse RECORD's CSV (RFC 4180 quoting, as Python's csv module writes it).
pub fn parse_record(text: &str) -> Result<Vec<RecordEntry>, TextError> {
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let fields = split_csv_line(line).map_err(|problem| TextError {
            line: line_no,
            problem,
        })?;
        let [path, hash, size] = fields.as_slice() else {
            return Err(TextError {
                line: line_no,
                problem: format!("expected 3 comma-separated fields, found {}", fields.len()),
            });
        };
        if path.is_empty() {
            return Err(TextError {
                line: line_no,
                problem: "empty path".into(),
            });
        }
        let hash = if hash.is_empty() {
            None
        } else {
            let Some((algorithm, digest)) = hash.split_once('=') else {
                return Err(TextError {
                    line: line_no,
                    problem: format!("hash `{hash}` is not `<algorithm>=<digest>`"),
                });
            };
            Some((algorithm.to_owned(), digest.to_owned()))
        };
        let size = if size.is_empty() {
            None
        } else {
            Some(size.parse::<u64>().map_err(|_| TextError {
                line: line_no,
                problem: format!("size `{size}` is not a number"),
            })?)
        };
        entries.push(RecordEntry {
            path: path.clone(),
            hash,
            size,
        });
    }
    Ok(entries)
}

/// Split one RECORD line as Python's `csv` module writes it (quotes doubled inside quoted
/// fields).
pub fn split_csv_line(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                at_field_start = false;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            _ => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if quoted {
        return Err("unterminated quoted field".into());
    }
    fields.push(field);
    Ok(fields)
}

/// Render RECORD rows as Python's csv module would (quoting only when needed), `\n` endings.
pub fn render_record(entries: &[RecordEntry]) -> String {
    let mut out = String::new();
    for entry in entries {
        let quote = |s: &str| {
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_owned()
            }
        };
        let hash = entry
            .hash
            .as_ref()
            .map(|(a, d)| format!("{a}={d}"))
            .unwrap_or_default();
        let size = entry.size.map(|s| s.to_string()).unwrap_or_default();
        let _ = writeln!(out, "{},{},{}", quote(&entry.path), quote(&hash), size);
    }
    out
}

/// The RECORD digest of `data`: `sha256=<urlsafe base64 without padding>`.
pub fn record_sha256(data: &[u8]) -> (String, String) {
    (
        "sha256".to_owned(),
        urlsafe_b64_nopad(&Sha256::digest(data)),
    )
}

pub fn urlsafe_b64_nopad(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let symbols = chunk.len() + 1;
        for i in 0..symbols {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_record(input: &str, expect: &str) {
        let got = match parse_record(input) {
            Ok(entries) => format!("{entries:?}"),
            Err(err) => format!("error: {err}"),
        };
        assert_eq!(got, expect);
    }

    #[test]
    fn record_rows() {
        check_record(
            "pkg/a.py,sha256=abc,12\n\"pkg/we,ird\".py,,\n",
            r#"[RecordEntry { path: "pkg/a.py", hash: Some(("sha256", "abc")), size: Some(12) }, RecordEntry { path: "pkg/we,ird.py", hash: None, size: None }]"#,
        );
        check_record(
            "a,b\n",
            "error: line 1: expected 3 comma-separated fields, found 2",
        );
        check_record(
            "a,sha256=x,big\n",
            "error: line 1: size `big` is not a number",
        );
        check_record("\"a,b,c\n", "error: line 1: unterminated quoted field");
    }

    #[test]
    fn record_renders_like_python_csv() {
        let rows = parse_record("x.py,sha256=abc,1\n\"y,z\",,\n").unwrap();
        assert_eq!(render_record(&rows), "x.py,sha256=abc,1\n\"y,z\",,\n");
    }

    #[test]
    fn digests_match_pip() {
        // python -c "import hashlib,base64;print(base64.urlsafe_b64encode(hashlib.sha256(b'hello').digest()).rstrip(b'='))"
        assert_eq!(
            record_sha256(b"hello").1,
            "LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ"
        );
        assert_eq!(urlsafe_b64_nopad(b"ab"), "YWI");
        assert_eq!(urlsafe_b64_nopad(b"\xff\xfe"), "__4");
    }

    #[test]
    fn header_files() {
        let parsed = HeaderFile::parse("Wheel-Version: 1.0\nTag: py3-none-any\nTag: py2-none-any\nDescription: a\n        b\n\nbody text\n").unwrap();
        assert_eq!(parsed.get("wheel-version"), Some("1.0"));
        assert_eq!(
            parsed.get_all("Tag").collect::<Vec<_>>(),
            ["py3-none-any", "py2-none-any"]
        );
        assert_eq!(parsed.get("Description"), Some("a\nb"));
        assert_eq!(parsed.body.as_deref(), Some("body text\n"));
        assert_eq!(
            HeaderFile::parse("no colon here\n")
                .unwrap_err()
                .to_string(),
            "line 1: `no colon here` is not a `Name: value` header"
        );
    }
}
