//! Editing core metadata (METADATA) text: insert `Requires-External` lines, keep the ones an
//! author wrote, replace the ones a previous wheelfix run wrote.
//!
//! Pure text in, text out; the wheel reader and writer are elsewhere.

/// Return `metadata` with `relations` as `Requires-External` headers. Existing
/// `Requires-External` headers whose value is in `previous` (what an earlier run wrote, from
/// its sidecar) and not in `relations` are removed; others are kept and not duplicated. New lines go after the
/// last `Requires-Dist`/`Requires-External` header, or at the end of the headers, before the
/// body. Line endings follow the input's.
pub fn update_metadata(metadata: &str, relations: &[String], previous: &[String]) -> String {
    let newline = if metadata.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let lines: Vec<&str> = metadata.lines().collect();
    let header_end = lines
        .iter()
        .position(|l| l.is_empty())
        .unwrap_or(lines.len());
    let (header_lines, body) = lines.split_at(header_end);

    // Group continuation lines with their header.
    let mut headers: Vec<Vec<&str>> = Vec::new();
    for line in header_lines {
        match headers.last_mut() {
            Some(header) if line.starts_with([' ', '\t']) => header.push(line),
            _ => headers.push(vec![line]),
        }
    }
    let external_value = |header: &[&str]| -> Option<String> {
        let (name, value) = header.first()?.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("Requires-External")
            .then(|| value.trim().to_owned())
    };
    // A line an earlier run wrote goes, unless it is still wanted: then it stays in place,
    // which keeps repeated runs from reordering anything.
    headers.retain(|header| {
        external_value(header).is_none_or(|value| {
            !previous.iter().any(|p| p.trim() == value)
                || relations.iter().any(|r| r.trim() == value)
        })
    });
    let kept: Vec<String> = headers.iter().filter_map(|h| external_value(h)).collect();
    let insert_at = headers
        .iter()
        .rposition(|header| {
            header
                .first()
                .and_then(|l| l.split_once(':'))
                .is_some_and(|(name, _)| {
                    let name = name.trim();
                    name.eq_ignore_ascii_case("Requires-Dist")
                        || name.eq_ignore_ascii_case("Requires-External")
                })
        })
        .map_or(headers.len(), |i| i + 1);
    let new_lines: Vec<String> = relations
        .iter()
        .filter(|r| !kept.iter().any(|k| k == r.trim()))
        .map(|r| format!("Requires-External: {r}"))
        .collect();

    let mut out: Vec<String> = Vec::new();
    for (index, header) in headers.iter().enumerate() {
        if index == insert_at {
            out.extend(new_lines.iter().cloned());
        }
        out.extend(header.iter().map(|l| (*l).to_owned()));
    }
    if insert_at == headers.len() {
        out.extend(new_lines);
    }
    out.extend(body.iter().map(|l| (*l).to_owned()));
    let mut text = out.join(newline);
    if metadata.ends_with('\n') || !body.is_empty() || metadata.is_empty() {
        text.push_str(newline);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(metadata: &str, relations: &[&str], previous: &[&str], expect: &str) {
        let relations: Vec<String> = relations.iter().map(|s| (*s).to_owned()).collect();
        let previous: Vec<String> = previous.iter().map(|s| (*s).to_owned()).collect();
        let got = update_metadata(metadata, &relations, &previous);
        assert_eq!(got, expect);
        // Idempotent: a second run that knows what the first wrote changes nothing.
        assert_eq!(
            update_metadata(&got, &relations, &relations),
            got,
            "second run"
        );
    }

    #[test]
    fn inserts_after_requires_dist_before_body() {
        check(
            "\
Metadata-Version: 2.1
Name: psycopg2
Version: 2.9.10
Requires-Dist: typing-extensions
Summary: psycopg2 - Python-PostgreSQL Database Adapter
Description-Content-Type: text/markdown

# psycopg2

Body text.
",
            &["libc6 (>= 2.14)", "libpq5 (>= 10~~)"],
            &[],
            "\
Metadata-Version: 2.1
Name: psycopg2
Version: 2.9.10
Requires-Dist: typing-extensions
Requires-External: libc6 (>= 2.14)
Requires-External: libpq5 (>= 10~~)
Summary: psycopg2 - Python-PostgreSQL Database Adapter
Description-Content-Type: text/markdown

# psycopg2

Body text.
",
        );
    }

    #[test]
    fn no_requires_headers_no_body() {
        check(
            "Metadata-Version: 2.1\nName: x\nVersion: 1\n",
            &["libc6 (>= 2.34)"],
            &[],
            "Metadata-Version: 2.1\nName: x\nVersion: 1\nRequires-External: libc6 (>= 2.34)\n",
        );
    }

    #[test]
    fn keeps_author_lines_and_replaces_previous_run() {
        check(
            "\
Metadata-Version: 2.1
Name: x
Version: 1
Requires-External: C
Requires-External: libc6 (>= 2.2.5)
Requires-External: libpq5 (>= 9.1~)
License: long
 continued license text
Requires-Dist: foo; extra == \"x\"

body
",
            &["libc6 (>= 2.14)", "libpq5 (>= 10~~)", "C"],
            &["libc6 (>= 2.2.5)", "libpq5 (>= 9.1~)"],
            "\
Metadata-Version: 2.1
Name: x
Version: 1
Requires-External: C
License: long
 continued license text
Requires-Dist: foo; extra == \"x\"
Requires-External: libc6 (>= 2.14)
Requires-External: libpq5 (>= 10~~)

body
",
        );
    }

    #[test]
    fn crlf_and_empty_relations() {
        check(
            "Name: x\r\nRequires-Dist: a\r\n\r\nbody\r\n",
            &["libc6"],
            &[],
            "Name: x\r\nRequires-Dist: a\r\nRequires-External: libc6\r\n\r\nbody\r\n",
        );
        check("Name: x\n", &[], &[], "Name: x\n");
    }
}
