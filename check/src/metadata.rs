//! METADATA and the long description (`M001`–`M008`): parsed as Python's email parser reads it
//! and validated as `packaging.metadata` (what `twine check` runs) and PyPI's
//! `forklift/metadata.py` validate it; the description is rendered-checked by content type, with
//! reStructuredText going through [`crate::rst`].
//!
//! Known gaps, documented in `docs/check.md`: classifiers are not checked against the trove
//! list, and `License-Expression` is checked for syntax, not against the SPDX identifier list.

use std::collections::BTreeMap;

use wheelfix_wheel::ZipArchive;

use crate::layout::Layout;
use crate::pep440::{self, Version};
use crate::pep508;
use crate::rst;
use crate::rules::{Finding, M001, M002, M003, M004, M005, M006, M007, M008};

/// The METADATA fields other checks need.
#[derive(Debug, Clone, Default)]
pub(crate) struct Meta {
    pub metadata_version: Option<String>,
    pub name: Option<String>,
    pub version: Option<String>,
    pub license_files: Vec<String>,
}

impl Meta {
    /// Whether the declared Metadata-Version is at least `version` (`2.4`).
    pub(crate) fn declares_at_least(&self, version: &str) -> bool {
        self.metadata_version
            .as_deref()
            .and_then(|v| VERSIONS.iter().position(|k| *k == v))
            .zip(VERSIONS.iter().position(|k| *k == version))
            .is_some_and(|(declared, wanted)| declared >= wanted)
    }
}

/// Metadata versions `packaging` (and so twine) accepts, oldest first.
const VERSIONS: &[&str] = &[
    "1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Used once.
    Single,
    /// May repeat.
    Multi,
    /// `Keywords`: once, comma-separated.
    Keywords,
    /// `Project-URL`: repeats, labels unique.
    Urls,
}

/// Every core metadata field: (lowercase name, kind, metadata version that introduced it).
const FIELDS: &[(&str, Kind, &str)] = &[
    ("metadata-version", Kind::Single, "1.0"),
    ("name", Kind::Single, "1.0"),
    ("version", Kind::Single, "1.0"),
    ("dynamic", Kind::Multi, "2.2"),
    ("platform", Kind::Multi, "1.0"),
    ("supported-platform", Kind::Multi, "1.1"),
    ("summary", Kind::Single, "1.0"),
    ("description", Kind::Single, "1.0"),
    ("description-content-type", Kind::Single, "2.1"),
    ("keywords", Kind::Keywords, "1.0"),
    ("home-page", Kind::Single, "1.0"),
    ("download-url", Kind::Single, "1.1"),
    ("author", Kind::Single, "1.0"),
    ("author-email", Kind::Single, "1.0"),
    ("maintainer", Kind::Single, "1.2"),
    ("maintainer-email", Kind::Single, "1.2"),
    ("license", Kind::Single, "1.0"),
    ("license-expression", Kind::Single, "2.4"),
    ("license-file", Kind::Multi, "2.4"),
    ("classifier", Kind::Multi, "1.1"),
    ("requires-dist", Kind::Multi, "1.2"),
    ("requires-python", Kind::Single, "1.2"),
    ("requires-external", Kind::Multi, "1.2"),
    ("project-url", Kind::Urls, "1.2"),
    ("provides-extra", Kind::Multi, "2.1"),
    ("provides-dist", Kind::Multi, "1.2"),
    ("obsoletes-dist", Kind::Multi, "1.2"),
    ("import-name", Kind::Multi, "2.5"),
    ("import-namespace", Kind::Multi, "2.5"),
    ("requires", Kind::Multi, "1.1"),
    ("provides", Kind::Multi, "1.1"),
    ("obsoletes", Kind::Multi, "1.1"),
];

fn field(name: &str) -> Option<(Kind, &'static str)> {
    FIELDS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, kind, added)| (*kind, *added))
}

/// METADATA split the way Python's `email.parser` (compat32) splits it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Email {
    /// (name as written, raw value with folded lines joined by `\n`, 1-based line).
    pub headers: Vec<(String, String, usize)>,
    pub body: String,
    /// The line the body starts on (1-based).
    pub body_line: usize,
    /// A line that was neither a header nor a continuation and so started the body early.
    pub stray_line: Option<usize>,
}

/// Split headers from the body. A header name is printable ASCII other than `:`; a line that
/// is not a header, a continuation or blank ends the headers (the email parser's
/// "missing header/body separator" recovery).
pub(crate) fn parse_email(text: &str) -> Email {
    let mut email = Email::default();
    let mut lines = text.split_inclusive('\n').enumerate().peekable();
    while let Some((index, raw)) = lines.next() {
        let line = raw.trim_end_matches(['\n', '\r']);
        if line.is_empty() {
            email.body_line = index + 2;
            email.body = lines.map(|(_, l)| l).collect();
            return email;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value, _)) = email.headers.last_mut() {
                value.push('\n');
                value.push_str(line);
                continue;
            }
        } else if let Some((name, value)) = line.split_once(':')
            && !name.is_empty()
            && name.bytes().all(|b| (0x21..=0x7e).contains(&b))
        {
            email
                .headers
                .push((name.to_owned(), value.trim_start().to_owned(), index + 1));
            continue;
        }
        email.stray_line = Some(index + 1);
        email.body_line = index + 1;
        email.body = std::iter::once(raw).chain(lines.map(|(_, l)| l)).collect();
        return email;
    }
    email
}

/// Check METADATA; returns the fields other rules need when METADATA could be read.
pub(crate) fn check(
    archive: &ZipArchive<'_>,
    layout: &Layout,
    findings: &mut Vec<Finding>,
) -> Option<Meta> {
    let path = layout.path("METADATA")?;
    let entry = archive.entries().iter().find(|e| e.name == path)?;
    let bytes = match archive.read(entry) {
        Ok(bytes) => bytes,
        Err(err) => {
            findings.push(M001.at(&path, format!("METADATA cannot be read: {err}")));
            return None;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
            findings.push(M001.at(&path, format!("line {line}: METADATA is not valid UTF-8")));
            String::from_utf8_lossy(err.as_bytes()).into_owned()
        }
    };
    Some(check_text(&path, &text, findings))
}

/// The checks on METADATA's text.
pub(crate) fn check_text(path: &str, text: &str, findings: &mut Vec<Finding>) -> Meta {
    let email = parse_email(text);
    if let Some(line) = email.stray_line {
        findings.push(M001.at(
            path,
            format!("line {line} is not a `Name: value` header; it and the rest are read as the description"),
        ));
    }
    // Group values by field, remembering the first line.
    let mut values: BTreeMap<String, (Vec<String>, usize)> = BTreeMap::new();
    for (name, value, line) in &email.headers {
        let entry = values
            .entry(name.to_ascii_lowercase())
            .or_insert((Vec::new(), *line));
        entry.0.push(value.clone());
    }
    let mut meta = Meta::default();
    let mut single: BTreeMap<&str, String> = BTreeMap::new();
    let mut multi: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (name, (list, line)) in &values {
        let Some((kind, _)) = field(name) else {
            findings.push(M001.at(path, format!("line {line}: unrecognized field `{name}`")));
            continue;
        };
        let key = FIELDS
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(n, _, _)| *n)
            .unwrap_or("");
        match kind {
            Kind::Single | Kind::Keywords if list.len() > 1 => {
                findings.push(M001.at(
                    path,
                    format!(
                        "line {line}: `{name}` appears {} times but may appear once",
                        list.len()
                    ),
                ));
            }
            Kind::Single | Kind::Keywords => {
                single.insert(key, list[0].clone());
            }
            Kind::Urls => {
                let mut labels = BTreeMap::new();
                for value in list {
                    let label = value
                        .split_once(',')
                        .map_or(value.as_str(), |(l, _)| l)
                        .trim();
                    if labels.insert(label.to_owned(), ()).is_some() {
                        findings.push(M001.at(
                            path,
                            format!("line {line}: `Project-URL` label `{label}` appears twice"),
                        ));
                    }
                }
                multi.insert(key, list.clone());
            }
            Kind::Multi => {
                multi.insert(key, list.clone());
            }
        }
    }
    // The body is the description, unless a Description header exists too.
    let mut description: Option<(String, usize)> = single
        .get("description")
        .map(|d| (d.clone(), values.get("description").map_or(1, |(_, l)| *l)));
    if !email.body.is_empty() {
        if description.is_some() {
            findings.push(M001.at(
                path,
                "the description is given both as a `Description` header and as the body",
            ));
            description = None;
        } else {
            description = Some((email.body.clone(), email.body_line));
        }
    }

    // Validation, as packaging.metadata.Metadata.from_raw does it.
    let declared = single.get("metadata-version").cloned();
    let declared_age = declared
        .as_deref()
        .and_then(|v| VERSIONS.iter().position(|k| *k == v));
    match &declared {
        None if !values.contains_key("metadata-version") => {
            findings.push(M002.at(path, "`Metadata-Version` is missing"));
        }
        None => {}
        Some(v) if declared_age.is_none() => findings.push(M003.at(
            path,
            format!(
                "`Metadata-Version: {v}` is not a metadata version ({})",
                VERSIONS.join(", ")
            ),
        )),
        Some(_) => {}
    }
    meta.metadata_version = declared.clone();
    // twine drops License-File from metadata older than 2.4 instead of rejecting it.
    let license_file_dropped = declared_age.is_some_and(|age| age < 6);
    for name in ["name", "version"] {
        if !values.contains_key(name) {
            let spelled = if name == "name" { "Name" } else { "Version" };
            findings.push(M002.at(path, format!("`{spelled}` is missing")));
        }
    }
    let line_of = |name: &str| values.get(name).map_or(0, |(_, l)| *l);
    let mut invalid_values: Vec<Finding> = Vec::new();
    let mut invalid = |name: &str, why: String| {
        invalid_values.push(M003.at(path, format!("line {}: {why}", line_of(name))));
    };
    // Fields newer than the declared version.
    let mut too_new = Vec::new();
    if let Some(age) = declared_age {
        for name in values.keys() {
            if let Some((_, added)) = field(name)
                && VERSIONS
                    .iter()
                    .position(|k| *k == added)
                    .is_some_and(|a| a > age)
                && !(name == "license-file" && license_file_dropped)
            {
                too_new.push((name.clone(), added));
            }
        }
    }
    let newer = |name: &str| too_new.iter().any(|(n, _)| n == name);

    if let Some(name) = single.get("name") {
        if name.is_empty() {
            findings.push(M002.at(path, "`Name` is empty"));
        } else if !pep508::is_valid_name(name) {
            invalid("name", format!("`{name}` is not a valid project name"));
        }
        meta.name = Some(name.clone());
    }
    if let Some(version) = single.get("version") {
        if version.is_empty() {
            findings.push(M002.at(path, "`Version` is empty"));
        } else {
            match Version::parse(version) {
                Ok(parsed) => {
                    if !parsed.local.is_empty() {
                        findings.push(M005.at(
                            path,
                            format!(
                                "line {}: PyPI does not accept local versions (`{version}`)",
                                line_of("version")
                            ),
                        ));
                    }
                }
                Err(err) => invalid("version", err.to_string()),
            }
        }
        meta.version = Some(version.clone());
    }
    if let Some(summary) = single.get("summary") {
        if summary.contains([
            '\n', '\r', '\u{b}', '\u{c}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}',
            '\u{2029}',
        ]) {
            invalid("summary", "`Summary` must be a single line".to_owned());
        }
        if summary.chars().count() > 512 {
            findings.push(M005.at(
                path,
                format!(
                    "line {}: `Summary` is {} characters; PyPI allows 512",
                    line_of("summary"),
                    summary.chars().count()
                ),
            ));
        }
    }
    let content_type = single.get("description-content-type").cloned();
    if let Some(value) = &content_type
        && !newer("description-content-type")
        && let Err(why) = check_content_type(value)
    {
        invalid("description-content-type", why);
    }
    if let Some(dynamic) = multi.get("dynamic") {
        for value in dynamic {
            let lower = value.to_ascii_lowercase();
            if matches!(lower.as_str(), "name" | "version" | "metadata-version") {
                invalid(
                    "dynamic",
                    format!("`{value}` is not allowed as a dynamic field"),
                );
            } else if field(&lower).is_none() {
                invalid("dynamic", format!("`{value}` is not a valid dynamic field"));
            }
        }
    }
    if let Some(extras) = multi.get("provides-extra") {
        for extra in extras {
            if !pep508::is_valid_name(extra) {
                invalid(
                    "provides-extra",
                    format!("`{extra}` is not a valid extra name"),
                );
            }
        }
    }
    if let Some(spec) = single.get("requires-python")
        && let Err(why) = pep440::check_specifier_set(spec)
    {
        invalid(
            "requires-python",
            format!("`Requires-Python: {spec}`: {why}"),
        );
    }
    if let Some(requirements) = multi.get("requires-dist") {
        for requirement in requirements {
            match pep508::parse_requirement(requirement) {
                Ok(parsed) if parsed.url.is_some() => findings.push(M005.at(
                    path,
                    format!(
                        "line {}: PyPI does not accept direct URL dependencies (`{requirement}`)",
                        line_of("requires-dist")
                    ),
                )),
                Ok(_) => {}
                Err(why) => invalid(
                    "requires-dist",
                    format!("`Requires-Dist: {requirement}`: {why}"),
                ),
            }
        }
    }
    for name in ["provides-dist", "obsoletes-dist"] {
        for requirement in multi.get(name).into_iter().flatten() {
            let problem = match pep508::parse_requirement(requirement) {
                Ok(parsed) if parsed.url.is_some() => Some("a direct URL reference".to_owned()),
                Ok(_) => None,
                Err(why) => Some(why),
            };
            if let Some(why) = problem {
                findings.push(M005.at(
                    path,
                    format!(
                        "line {}: `{requirement}` is invalid for `{name}`: {why}",
                        line_of(name)
                    ),
                ));
            }
        }
    }
    if let Some(expression) = single.get("license-expression")
        && !newer("license-expression")
        && let Err(why) = check_license_expression(expression)
    {
        invalid(
            "license-expression",
            format!("`License-Expression: {expression}`: {why}"),
        );
    }
    if let Some(files) = multi.get("license-file")
        && !license_file_dropped
    {
        for file in files {
            let why = if file.contains("..") {
                Some("parent directory indicators are not allowed")
            } else if file.contains('*') {
                Some("paths must be resolved (no globs)")
            } else if file.starts_with('/') || file.starts_with('\\') || file.get(1..2) == Some(":")
            {
                Some("paths must be relative")
            } else if file.contains('\\') {
                Some("paths must use `/`")
            } else {
                None
            };
            match why {
                Some(why) => invalid("license-file", format!("`License-File: {file}`: {why}")),
                None => meta.license_files.push(file.clone()),
            }
        }
    }
    for name in ["import-name", "import-namespace"] {
        for value in multi.get(name).into_iter().flatten() {
            if let Err(why) = check_import_name(value) {
                invalid(name, format!("`{value}`: {why}"));
            }
        }
    }
    findings.append(&mut invalid_values);
    for (name, added) in &too_new {
        let declared = declared.as_deref().unwrap_or("");
        findings.push(M004.at(
            path,
            format!("line {}: `{name}` was introduced in metadata version {added}, METADATA declares {declared}", line_of(name)),
        ));
    }

    // PyPI's own checks.
    for name in ["author-email", "maintainer-email"] {
        if let Some(value) = single.get(name)
            && let Err(why) = check_emails(value)
        {
            findings.push(M005.at(path, format!("line {}: `{name}`: {why}", line_of(name))));
        }
    }
    for name in ["home-page", "download-url"] {
        if let Some(url) = single.get(name)
            && url.trim() != "UNKNOWN"
            && !is_valid_url(url)
        {
            findings.push(M005.at(
                path,
                format!(
                    "line {}: `{name}: {url}` is not an http(s) URL",
                    line_of(name)
                ),
            ));
        }
    }
    for value in multi.get("project-url").into_iter().flatten() {
        let (label, url) = value
            .split_once(',')
            .map_or((value.as_str(), ""), |(l, u)| (l.trim(), u.trim()));
        let why = if label.is_empty() {
            Some("it has no label".to_owned())
        } else if label.chars().count() > 32 {
            Some(format!("the label `{label}` is longer than 32 characters"))
        } else if url.is_empty() {
            Some("it has no URL".to_owned())
        } else if !is_valid_url(url) {
            Some(format!("`{url}` is not an http(s) URL"))
        } else {
            None
        };
        if let Some(why) = why {
            findings.push(M005.at(
                path,
                format!(
                    "line {}: `Project-URL: {value}`: {why}",
                    line_of("project-url")
                ),
            ));
        }
    }

    // The description renders in its declared content type.
    check_description(path, description, content_type.as_deref(), findings);
    meta
}

fn check_description(
    path: &str,
    description: Option<(String, usize)>,
    content_type: Option<&str>,
    findings: &mut Vec<Finding>,
) {
    if content_type.is_none() {
        findings.push(M007.at(
            path,
            "`Description-Content-Type` is missing; PyPI and twine render the description as reStructuredText",
        ));
    }
    let Some((text, first_line)) =
        description.filter(|(d, _)| !d.trim_end().is_empty() && d.trim_end() != "UNKNOWN")
    else {
        findings.push(M008.at(path, "the wheel has no long description"));
        return;
    };
    let media_type = content_type
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_else(|| "text/x-rst".to_owned());
    // twine renders anything but plain text and Markdown as reStructuredText.
    if media_type == "text/plain" || media_type == "text/markdown" {
        return;
    }
    for problem in rst::check(&text) {
        let message = match problem.line {
            Some(line) => format!(
                "description line {line} (METADATA line {}): {}: {}",
                line + first_line - 1,
                problem.level,
                problem.message
            ),
            None => format!("description: {}: {}", problem.level, problem.message),
        };
        findings.push(M006.at(path, message));
    }
}

fn check_content_type(value: &str) -> Result<(), String> {
    let mut parts = value.split(';');
    let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    if !matches!(
        media.as_str(),
        "text/plain" | "text/x-rst" | "text/markdown"
    ) {
        return Err(format!(
            "`Description-Content-Type: {value}` must be text/plain, text/x-rst or text/markdown"
        ));
    }
    for param in parts {
        let param = param.trim();
        if param.is_empty() {
            continue;
        }
        let Some((key, val)) = param.split_once('=') else {
            return Err(format!("`{param}` is not a `key=value` parameter"));
        };
        let val = val.trim().trim_matches('"');
        match key.trim().to_ascii_lowercase().as_str() {
            "charset" if !val.eq_ignore_ascii_case("utf-8") => {
                return Err(format!("only the UTF-8 charset is allowed, not `{val}`"));
            }
            "variant" if media == "text/markdown" && !matches!(val, "GFM" | "CommonMark") => {
                return Err(format!("Markdown variant `{val}` is not GFM or CommonMark"));
            }
            _ => {}
        }
    }
    Ok(())
}

/// SPDX license expression syntax: identifiers (with an optional `+`), `LicenseRef-…`,
/// `AND`/`OR`/`WITH` and parentheses. Identifiers are not checked against the SPDX list.
fn check_license_expression(expression: &str) -> Result<(), String> {
    let spaced = expression.replace('(', " ( ").replace(')', " ) ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    if tokens.is_empty() {
        return Err("empty expression".to_owned());
    }
    let is_id = |t: &str| {
        !t.is_empty()
            && !matches!(t.to_ascii_uppercase().as_str(), "AND" | "OR" | "WITH")
            && t.trim_end_matches('+')
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':'))
    };
    // expression := term (("AND" | "OR") term)* ; term := "(" expression ")" | id ["WITH" id]
    let mut depth = 0i32;
    let mut expect_term = true;
    let mut previous = "";
    for token in &tokens {
        let upper = token.to_ascii_uppercase();
        if expect_term {
            if *token == "(" {
                depth += 1;
            } else if is_id(token) {
                expect_term = false;
            } else {
                return Err(format!("unexpected `{token}`"));
            }
        } else if *token == ")" {
            depth -= 1;
            if depth < 0 {
                return Err("unbalanced `)`".to_owned());
            }
        } else if upper == "AND" || upper == "OR" || (upper == "WITH" && previous != ")") {
            expect_term = true;
        } else {
            return Err(format!("unexpected `{token}`"));
        }
        previous = token;
    }
    if expect_term {
        return Err("the expression ends early".to_owned());
    }
    if depth != 0 {
        return Err("unbalanced `(`".to_owned());
    }
    Ok(())
}

const PYTHON_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

fn check_import_name(value: &str) -> Result<(), String> {
    let (name, private) = match value.split_once(';') {
        Some((name, rest)) => (name.trim_end(), Some(rest.trim())),
        None => (value.trim_end(), None),
    };
    for identifier in name.split('.') {
        let valid = identifier
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && identifier.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !valid {
            return Err(format!("`{identifier}` is not a valid identifier"));
        }
        if PYTHON_KEYWORDS.contains(&identifier) {
            return Err(format!("`{identifier}` is a keyword"));
        }
    }
    if private.is_some_and(|p| p != "private") {
        return Err("the only valid option is `private`".to_owned());
    }
    Ok(())
}

/// An http(s) URL with a host and no whitespace (PyPI's `is_valid_uri`).
fn is_valid_url(url: &str) -> bool {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .or_else(|| url.strip_prefix("HTTPS://"))
        .or_else(|| url.strip_prefix("HTTP://"));
    let Some(rest) = rest else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    !host.is_empty() && !url.contains(char::is_whitespace)
}

/// Comma-separated `Name <addr>` or `addr` items, each address `local@domain.tld`.
fn check_emails(value: &str) -> Result<(), String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut angle) = (false, false);
    for c in value.chars() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => {
                items.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    items.push(current);
    for item in items {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let address = match (item.rfind('<'), item.rfind('>')) {
            (Some(start), Some(end)) if start < end => &item[start + 1..end],
            _ => item,
        };
        let valid = address.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !local.contains(char::is_whitespace)
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && domain
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '-' | '.'))
        });
        if !valid {
            return Err(format!("`{address}` is not a valid email address"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(metadata: &str, expect: &[&str]) {
        let mut findings = Vec::new();
        check_text("m", metadata, &mut findings);
        let got: Vec<String> = findings
            .iter()
            .map(|f| format!("{} {}", f.code, f.message))
            .collect();
        assert_eq!(got, expect);
    }

    const GOOD: &str = "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\nDescription-Content-Type: text/markdown\n\n# Hello\n";

    #[test]
    fn good_metadata() {
        check(GOOD, &[]);
    }

    #[test]
    fn required_and_parse_errors() {
        check(
            "Name: pkg\nVersoin: 1.0\nSummary: a\nSummary: b\nnot a header\nmore\n",
            &[
                "M001 line 5 is not a `Name: value` header; it and the rest are read as the description",
                "M001 line 3: `summary` appears 2 times but may appear once",
                "M001 line 2: unrecognized field `versoin`",
                "M002 `Metadata-Version` is missing",
                "M002 `Version` is missing",
                "M007 `Description-Content-Type` is missing; PyPI and twine render the description as reStructuredText",
            ],
        );
    }

    #[test]
    fn field_values() {
        check(
            "Metadata-Version: 2.1\nName: -pkg\nVersion: 1.0+local\nSummary: a\n  b\nRequires-Dist: foo >=\nRequires-Dist: bar @ https://x.y/bar.whl\nRequires-Python: >=3.8.*\nProvides-Extra: a b\nDynamic: Name\nLicense-Expression: MIT\nDescription-Content-Type: text/markdown; charset=latin-1\nHome-page: example.com\nAuthor-email: Jane <jane-at-example.com>\nProject-URL: A label that is far too long for PyPI, https://x.y\n\nbody\n",
            &[
                "M005 line 3: PyPI does not accept local versions (`1.0+local`)",
                "M005 line 6: PyPI does not accept direct URL dependencies (`bar @ https://x.y/bar.whl`)",
                "M003 line 2: `-pkg` is not a valid project name",
                "M003 line 4: `Summary` must be a single line",
                "M003 line 12: only the UTF-8 charset is allowed, not `latin-1`",
                "M003 line 10: `Name` is not allowed as a dynamic field",
                "M003 line 9: `a b` is not a valid extra name",
                "M003 line 8: `Requires-Python: >=3.8.*`: `>=3.8.*`: `.*` is only allowed with `==` and `!=`",
                "M003 line 6: `Requires-Dist: foo >=`: `>=` has no version at position 5",
                "M004 line 10: `dynamic` was introduced in metadata version 2.2, METADATA declares 2.1",
                "M004 line 11: `license-expression` was introduced in metadata version 2.4, METADATA declares 2.1",
                "M005 line 14: `author-email`: `jane-at-example.com` is not a valid email address",
                "M005 line 13: `home-page: example.com` is not an http(s) URL",
                "M005 line 15: `Project-URL: A label that is far too long for PyPI, https://x.y`: the label `A label that is far too long for PyPI` is longer than 32 characters",
            ],
        );
    }

    #[test]
    fn license_files_and_description() {
        check(
            "Metadata-Version: 2.4\nName: pkg\nVersion: 1.0\nLicense-File: ../LICENSE\nLicense-File: LICENSE\nLicense-Expression: MIT AND (Apache-2.0 OR\n\nTitle here\n====\n",
            &[
                "M003 line 6: `License-Expression: MIT AND (Apache-2.0 OR`: the expression ends early",
                "M003 line 4: `License-File: ../LICENSE`: parent directory indicators are not allowed",
                "M007 `Description-Content-Type` is missing; PyPI and twine render the description as reStructuredText",
                "M006 description line 2 (METADATA line 9): WARNING: Title underline too short.",
            ],
        );
        // Before 2.4, License-File is dropped (twine), not rejected.
        check(
            "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\nLicense-File: LICENSE\nDescription-Content-Type: text/plain\n",
            &["M008 the wheel has no long description"],
        );
    }

    #[test]
    fn license_expressions() {
        for ok in [
            "MIT",
            "MIT OR Apache-2.0",
            "(MIT OR BSD-3-Clause) AND GPL-2.0-or-later WITH Classpath-exception-2.0",
            "LicenseRef-Proprietary",
            "GPL-2.0+",
        ] {
            assert_eq!(check_license_expression(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "MIT OR",
            "(MIT",
            "MIT)",
            "MIT Apache-2.0",
            "MIT/Apache-2.0",
        ] {
            assert!(check_license_expression(bad).is_err(), "{bad}");
        }
    }
}
