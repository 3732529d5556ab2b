//! A reStructuredText checker: the problems docutils reports at WARNING level or above when
//! `readme_renderer` (used by twine and PyPI, with `halt_level = 2`) renders a description, each
//! with its line. A description with any of them is not rendered on PyPI.
//!
//! It is not a renderer and not a full docutils. It follows docutils' block state machine
//! (indentation, blank-line rules, titles, lists, tables, explicit markup and directives) and
//! its inline-markup recognition rules (start/end-string boundaries, roles, references,
//! substitutions), and resolves references at the end as docutils' transforms do. The directive
//! and role tables are docutils' (0.23, as `readme_renderer` configures it: `raw` and file
//! insertion disabled). Known gaps (Pygments lexer names, option value syntax, some rare
//! constructs) are listed in `docs/check.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// How serious a problem is, as docutils grades it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Warning,
    Error,
    Severe,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
            Level::Severe => "SEVERE",
        })
    }
}

/// One problem, at a 1-based line of the description (`None` for document-wide ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    pub level: Level,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}: {}", self.level, self.message),
            None => write!(f, "{}: {}", self.level, self.message),
        }
    }
}

/// Every problem docutils would report at WARNING or above, in the order it reports them
/// (parsing first, then reference resolution).
pub fn check(text: &str) -> Vec<Problem> {
    let owned: Vec<String> = split_lines(text)
        .into_iter()
        .map(|l| expand_tabs(l).trim_end().to_owned())
        .collect();
    let lines: Vec<Line<'_>> = owned
        .iter()
        .enumerate()
        .map(|(i, text)| Line {
            no: i + 1,
            text: text.as_str(),
        })
        .collect();
    let mut doc = Doc::default();
    doc.body(&lines, false);
    doc.finish();
    doc.problems
}

/// Python's `str.splitlines` boundaries.
fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let boundary = matches!(
            c,
            '\n' | '\r'
                | '\u{b}'
                | '\u{c}'
                | '\u{1c}'
                | '\u{1d}'
                | '\u{1e}'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if boundary {
            lines.push(&text[start..i]);
            let mut end = i + c.len_utf8();
            if c == '\r'
                && let Some((j, '\n')) = chars.peek().copied()
            {
                chars.next();
                end = j + 1;
            }
            start = end;
        }
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

fn expand_tabs(line: &str) -> String {
    if !line.contains('\t') {
        return line.to_owned();
    }
    let mut out = String::with_capacity(line.len() + 8);
    let mut column = 0;
    for c in line.chars() {
        if c == '\t' {
            let spaces = 8 - column % 8;
            out.extend(std::iter::repeat_n(' ', spaces));
            column += spaces;
        } else {
            out.push(c);
            column += 1;
        }
    }
    out
}

#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    no: usize,
    text: &'a str,
}

fn indent_of(text: &str) -> usize {
    text.len() - text.trim_start_matches(' ').len()
}

fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

fn cut(text: &str, n: usize) -> &str {
    text.get(n..).unwrap_or("")
}

/// Display width, counting East Asian wide characters twice (docutils' `column_width`).
fn width(text: &str) -> usize {
    text.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x2FFFD | 0x30000..=0x3FFFD)
}

/// docutils' `get_indented`: the block from `start`, the first line cut at `first_indent`
/// when given, the others at their common indentation; also where it ends and whether it
/// ended at a blank line (or the end of input).
fn get_indented<'a>(
    lines: &[Line<'a>],
    start: usize,
    first_indent: Option<usize>,
    strip_top: bool,
) -> (Vec<Line<'a>>, usize, bool) {
    get_indented_until(lines, start, first_indent, strip_top, false)
}

/// [`get_indented`], optionally stopping at the first blank line (hyperlink targets).
fn get_indented_until<'a>(
    lines: &[Line<'a>],
    start: usize,
    first_indent: Option<usize>,
    strip_top: bool,
    until_blank: bool,
) -> (Vec<Line<'a>>, usize, bool) {
    let mut end = start;
    if first_indent.is_some() {
        end += 1;
    }
    let mut indent: Option<usize> = None;
    let mut blank_finish = true;
    while let Some(line) = lines.get(end) {
        if !line.text.is_empty() && !line.text.starts_with(' ') {
            blank_finish = end > start && is_blank(lines[end - 1].text);
            break;
        }
        if is_blank(line.text) {
            if until_blank {
                blank_finish = true;
                break;
            }
        } else {
            let n = indent_of(line.text);
            indent = Some(indent.map_or(n, |i| i.min(n)));
        }
        end += 1;
    }
    let mut block: Vec<Line<'a>> = lines[start.min(end)..end].to_vec();
    let skip = usize::from(first_indent.is_some());
    if let (Some(n), Some(first)) = (first_indent, block.first_mut()) {
        first.text = cut(first.text, n);
    }
    if let Some(n) = indent {
        for line in block.iter_mut().skip(skip) {
            line.text = cut(line.text, n);
        }
    }
    while strip_top && block.first().is_some_and(|l| is_blank(l.text)) {
        block.remove(0);
    }
    (block, end, blank_finish)
}

/// docutils' `get_known_indented`: like [`get_indented`], but every line after the first must
/// be indented by at least `indent` columns, and exactly that much is stripped (list items
/// whose first line has text after the marker).
fn get_known_indented<'a>(
    lines: &[Line<'a>],
    start: usize,
    indent: usize,
) -> (Vec<Line<'a>>, usize, bool) {
    let mut end = start + 1;
    let mut blank_finish = true;
    while let Some(line) = lines.get(end) {
        let insufficient = !line.text.is_empty()
            && (!line.text.starts_with(' ')
                || !line
                    .text
                    .get(..indent)
                    .unwrap_or(line.text)
                    .trim()
                    .is_empty());
        if insufficient {
            blank_finish = end > start && is_blank(lines[end - 1].text);
            break;
        }
        end += 1;
    }
    let mut block: Vec<Line<'a>> = lines[start.min(end)..end].to_vec();
    for line in block.iter_mut() {
        line.text = cut(line.text, indent);
    }
    while block.first().is_some_and(|l| is_blank(l.text)) {
        block.remove(0);
    }
    (block, end, blank_finish)
}

/// A list item: known indentation when text follows the marker, else the first known.
fn list_item<'a>(lines: &[Line<'a>], start: usize, indent: usize) -> (Vec<Line<'a>>, usize, bool) {
    if lines[start].text.len() > indent {
        get_known_indented(lines, start, indent)
    } else {
        get_indented(lines, start, Some(indent), true)
    }
}

/// Characters that may adorn section titles and transitions.
fn is_adornment_char(c: char) -> bool {
    c.is_ascii_punctuation()
}

/// A line made of one repeated adornment character (trailing spaces allowed).
fn is_adornment(text: &str) -> bool {
    let t = text.trim_end();
    let mut chars = t.chars();
    match chars.next() {
        Some(c) if is_adornment_char(c) => chars.all(|d| d == c),
        _ => false,
    }
}

/// Reference names as docutils normalizes them.
fn normalize_name(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Top {
    Title,
    Transition(usize),
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ref {
    Named,
    /// An indirect target (`.. _a: b_`) naming another target.
    Alias,
}

#[derive(Debug, Default)]
struct Doc {
    problems: Vec<Problem>,
    title_styles: Vec<(char, bool)>,
    section_level: usize,
    top: Option<Top>,
    /// Explicit targets: name → URI (empty for internal targets), and whether it is duplicated.
    explicit: BTreeMap<String, (String, bool)>,
    /// Other names references can resolve to (titles, inline targets, footnotes, ...).
    implicit: BTreeSet<String>,
    refs: Vec<(String, usize, Ref, String)>,
    anonymous_refs: usize,
    anonymous_targets: usize,
    substitutions: BTreeSet<String>,
    substitution_refs: Vec<(String, usize)>,
    auto_footnotes: usize,
    auto_footnote_refs: Vec<usize>,
    symbol_footnotes: usize,
    symbol_footnote_refs: Vec<usize>,
    custom_roles: BTreeSet<String>,
    content: usize,
    /// The state machine's line while the current text's inline markup is parsed.
    position: usize,
    /// Per end-string kind, a position from which the current text has no end-string: a
    /// second search from there would fail again (keeps unmatched markup linear).
    dead_ends: [usize; 6],
}

impl Doc {
    fn report(&mut self, line: Option<usize>, level: Level, message: impl Into<String>) {
        self.problems.push(Problem {
            line,
            level,
            message: message.into(),
        });
    }

    fn warn(&mut self, line: usize, message: impl Into<String>) {
        self.report(Some(line), Level::Warning, message);
    }

    fn error(&mut self, line: usize, message: impl Into<String>) {
        self.report(Some(line), Level::Error, message);
    }

    fn set_top(&mut self, nested: bool, top: Top) {
        if !nested {
            self.top = Some(top);
        }
    }

    /// Body elements of a block whose base indentation is 0.
    fn body(&mut self, lines: &[Line<'_>], nested: bool) {
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i];
            if is_blank(line.text) {
                i += 1;
                continue;
            }
            if line.text.starts_with(' ') {
                let (block, end, blank_finish) = get_indented(lines, i, None, true);
                self.content += 1;
                self.body(&block, true);
                self.set_top(nested, Top::Other);
                i = end;
                if !blank_finish && let Some(next) = lines.get(i) {
                    self.warn(
                        next.no,
                        "Block quote ends without a blank line; unexpected unindent.",
                    );
                }
                continue;
            }
            i = self.element(lines, i, nested);
        }
    }

    /// One body element starting at an unindented line; returns where the next one starts.
    fn element(&mut self, lines: &[Line<'_>], i: usize, nested: bool) -> usize {
        let text = lines[i].text;
        if let Some(marker) = bullet(text) {
            return self.bullet_list(lines, i, marker, nested);
        }
        if let Some(e) = enumerator(text)
            && is_enumerated_item(lines, i, &e)
        {
            return self.enumerated_list(lines, i, e, nested);
        }
        if field_marker(text).is_some() {
            return self.field_list(lines, i, nested);
        }
        if option_marker(text).is_some() {
            return self.option_list(lines, i, nested);
        }
        if text.starts_with(">>>") && (text.len() == 3 || text[3..].starts_with(' ')) {
            let mut j = i;
            while j < lines.len() && !is_blank(lines[j].text) {
                j += 1;
            }
            self.content += 1;
            self.set_top(nested, Top::Other);
            return j;
        }
        if text == "|" || text.starts_with("| ") {
            return self.line_block(lines, i, nested);
        }
        if is_grid_top(text) {
            return self.grid_table(lines, i, nested);
        }
        if is_simple_top(text) {
            return self.simple_table(lines, i, nested);
        }
        if text == ".." || text.starts_with(".. ") {
            return self.explicit(lines, i, nested);
        }
        if text == "__" || text.starts_with("__ ") {
            self.anonymous_targets += 1;
            let (_, end, blank_finish) = get_indented_until(lines, i, Some(2), true, true);
            self.after_explicit(lines, end, blank_finish);
            return end;
        }
        if is_adornment(text) {
            return self.adornment_line(lines, i, nested);
        }
        self.text(lines, i, nested)
    }

    /// A line of one repeated punctuation character: a transition or a title overline.
    fn adornment_line(&mut self, lines: &[Line<'_>], i: usize, nested: bool) -> usize {
        let line = lines[i];
        let overline = line.text.trim_end();
        let next = lines.get(i + 1);
        let short = overline.chars().count() < 4;
        if next.is_none_or(|n| is_blank(n.text)) {
            if short || overline == "::" {
                return self.text(lines, i, nested);
            }
            if nested {
                self.error(line.no, "Unexpected section title or transition.");
                return i + 1;
            }
            match self.top {
                None => self.warn(line.no, "Transition at the start of the document."),
                Some(Top::Title) => self.warn(line.no, "Transition at the start of the section."),
                Some(Top::Transition(_)) => self.warn(
                    line.no,
                    "At least one body element should separate transitions.",
                ),
                Some(Top::Other) => {}
            }
            self.top = Some(Top::Transition(line.no));
            return i + 1;
        }
        if short {
            return self.text(lines, i, nested);
        }
        // An overlined title.
        let title = lines[i + 1].text;
        if is_adornment(title) && !title.starts_with(' ') {
            self.error(line.no, "Invalid section title or transition marker.");
            return i + 2;
        }
        let Some(under) = lines.get(i + 2) else {
            self.error(line.no, "Incomplete section title.");
            return i + 2;
        };
        let underline = under.text.trim_end();
        if !is_adornment(underline) {
            self.error(
                line.no,
                "Missing matching underline for section title overline.",
            );
            return i + 3;
        }
        if overline != underline {
            self.error(line.no, "Title overline & underline mismatch.");
            return i + 3;
        }
        if width(title.trim_end()) > overline.chars().count() {
            self.warn(line.no, "Title overline too short.");
        }
        let style = (overline.chars().next().unwrap_or('='), true);
        if nested {
            self.error(line.no, "Unexpected section title or transition.");
        } else {
            self.section(style, title.trim(), lines[i + 1].no);
        }
        i + 3
    }

    fn section(&mut self, style: (char, bool), title: &str, line: usize) {
        let old = self.section_level;
        let new = match self.title_styles.iter().position(|s| *s == style) {
            Some(index) => index + 1,
            None => self.title_styles.len() + 1,
        };
        if new > old + 1 {
            self.error(
                line,
                format!("Inconsistent title style: skip from level {old} to {new}."),
            );
            return;
        }
        if new > self.title_styles.len() {
            self.title_styles.push(style);
        }
        self.section_level = new;
        self.content += 1;
        self.implicit.insert(normalize_name(&plain_text(title)));
        self.inline(title, line);
        self.top = Some(Top::Title);
    }

    /// A line of text: a title, a definition list, or a paragraph.
    fn text(&mut self, lines: &[Line<'_>], i: usize, nested: bool) -> usize {
        let first = lines[i];
        match lines.get(i + 1) {
            Some(next)
                if !is_blank(next.text)
                    && is_adornment(next.text)
                    && !next.text.starts_with(' ') =>
            {
                let underline = next.text.trim_end();
                let title = first.text.trim_end();
                let underline_len = underline.chars().count();
                if width(title) > underline_len {
                    if underline_len < 4 {
                        return self.paragraph(lines, i, nested);
                    }
                    self.warn(next.no, "Title underline too short.");
                }
                if nested {
                    self.error(next.no, "Unexpected section title.");
                } else {
                    let style = (underline.chars().next().unwrap_or('='), false);
                    self.section(style, title.trim(), first.no);
                }
                i + 2
            }
            Some(next) if next.text.starts_with(' ') && !is_blank(next.text) => {
                self.definition_list(lines, i, nested)
            }
            _ => self.paragraph(lines, i, nested),
        }
    }

    fn paragraph(&mut self, lines: &[Line<'_>], i: usize, nested: bool) -> usize {
        let mut j = i;
        let mut text = String::new();
        while let Some(line) = lines.get(j) {
            if is_blank(line.text) {
                break;
            }
            if j > i && line.text.starts_with(' ') {
                self.error(line.no, "Unexpected indentation.");
                break;
            }
            if j > i {
                text.push('\n');
            }
            text.push_str(line.text);
            j += 1;
        }
        let literal_next = text.trim_end().ends_with("::");
        if text.trim() != "::" {
            self.content += 1;
        }
        let position = if j - i > 1 {
            lines[j - 1].no
        } else {
            lines[i].no + 1
        };
        self.inline_at(&text, lines[i].no, position);
        self.set_top(nested, Top::Other);
        if literal_next {
            return self.literal_block(lines, j);
        }
        j
    }

    /// The literal block a paragraph ending in `::` announces, starting at or after `i`.
    fn literal_block(&mut self, lines: &[Line<'_>], i: usize) -> usize {
        // An indented block directly after the paragraph was already reported as unexpected
        // indentation; it is still the literal block.
        let mut j = i;
        while lines.get(j).is_some_and(|l| is_blank(l.text)) {
            j += 1;
        }
        let Some(line) = lines.get(j) else {
            let eof = lines.last().map_or(1, |l| l.no + 1);
            self.warn(eof, "Literal block expected; none found.");
            return j;
        };
        if line.text.starts_with(' ') {
            let (_, end, blank_finish) = get_indented(lines, j, None, true);
            self.content += 1;
            if !blank_finish && let Some(next) = lines.get(end) {
                self.warn(
                    next.no,
                    "Literal block ends without a blank line; unexpected unindent.",
                );
            }
            return end;
        }
        let quote = line.text.chars().next().unwrap_or(' ');
        if is_adornment_char(quote) {
            // A quoted literal block: every line starts with the same character.
            let mut end = j;
            while lines.get(end).is_some_and(|l| !is_blank(l.text)) {
                if lines[end].text.starts_with(' ') {
                    self.error(lines[end].no, "Unexpected indentation.");
                    break;
                }
                if !lines[end].text.starts_with(quote) {
                    self.error(lines[end].no, "Inconsistent literal block quoting.");
                    break;
                }
                end += 1;
            }
            self.content += 1;
            return end;
        }
        self.warn(line.no, "Literal block expected; none found.");
        j
    }

    fn definition_list(&mut self, lines: &[Line<'_>], mut i: usize, nested: bool) -> usize {
        loop {
            let term = lines[i];
            self.inline(term.text, term.no);
            let (block, end, blank_finish) = get_indented(lines, i + 1, None, true);
            self.body(&block, true);
            i = end;
            let Some(next) = lines.get(i) else {
                break;
            };
            let another = is_plain_text(lines, i)
                && lines
                    .get(i + 1)
                    .is_some_and(|l| l.text.starts_with(' ') && !is_blank(l.text));
            if another {
                continue;
            }
            if !blank_finish {
                self.warn(
                    next.no,
                    "Definition list ends without a blank line; unexpected unindent.",
                );
            }
            break;
        }
        self.content += 1;
        self.set_top(nested, Top::Other);
        i
    }

    fn bullet_list(
        &mut self,
        lines: &[Line<'_>],
        mut i: usize,
        marker: (char, usize),
        nested: bool,
    ) -> usize {
        loop {
            let (block, end, blank_finish) = list_item(lines, i, marker.1);
            self.body(&block, true);
            i = end;
            let Some(next) = lines.get(i) else {
                break;
            };
            match bullet(next.text) {
                Some(other) if other.0 == marker.0 => continue,
                _ => {
                    if !blank_finish {
                        self.warn(
                            next.no,
                            "Bullet list ends without a blank line; unexpected unindent.",
                        );
                    }
                    break;
                }
            }
        }
        self.content += 1;
        self.set_top(nested, Top::Other);
        i
    }

    fn enumerated_list(
        &mut self,
        lines: &[Line<'_>],
        mut i: usize,
        mut e: Enumerator,
        nested: bool,
    ) -> usize {
        loop {
            let (block, end, blank_finish) = list_item(lines, i, e.end);
            self.body(&block, true);
            i = end;
            let Some(next) = lines.get(i) else {
                break;
            };
            let continues = enumerator(next.text).filter(|n| {
                n.format == e.format
                    && (n.sequence == e.sequence || n.sequence == Sequence::Auto)
                    && (n.sequence == Sequence::Auto || n.ordinal == e.ordinal + 1)
                    && is_enumerated_item(lines, i, n)
            });
            match continues {
                Some(n) => e = n,
                None => {
                    if !blank_finish {
                        self.warn(
                            next.no,
                            "Enumerated list ends without a blank line; unexpected unindent.",
                        );
                    }
                    break;
                }
            }
        }
        self.content += 1;
        self.set_top(nested, Top::Other);
        i
    }

    fn field_list(&mut self, lines: &[Line<'_>], mut i: usize, nested: bool) -> usize {
        while let Some((name, end_of_marker)) = field_marker(lines[i].text) {
            self.inline(name, lines[i].no);
            let (block, end, blank_finish) = get_indented(lines, i, Some(end_of_marker), true);
            self.body(&block, true);
            i = end;
            let Some(next) = lines.get(i) else {
                break;
            };
            if field_marker(next.text).is_some() {
                continue;
            }
            if !blank_finish {
                self.warn(
                    next.no,
                    "Field list ends without a blank line; unexpected unindent.",
                );
            }
            break;
        }
        self.content += 1;
        self.set_top(nested, Top::Other);
        i
    }

    fn option_list(&mut self, lines: &[Line<'_>], mut i: usize, nested: bool) -> usize {
        while let Some(end_of_marker) = option_marker(lines[i].text) {
            let (block, end, blank_finish) = get_indented(lines, i, Some(end_of_marker), true);
            self.body(&block, true);
            i = end;
            let Some(next) = lines.get(i) else {
                break;
            };
            if option_marker(next.text).is_some() {
                continue;
            }
            if !blank_finish {
                self.warn(
                    next.no,
                    "Option list ends without a blank line; unexpected unindent.",
                );
            }
            break;
        }
        self.content += 1;
        self.set_top(nested, Top::Other);
        i
    }

    fn line_block(&mut self, lines: &[Line<'_>], i: usize, nested: bool) -> usize {
        let mut j = i;
        while let Some(line) = lines.get(j) {
            if is_blank(line.text) {
                break;
            }
            if let Some(rest) = line.text.strip_prefix('|') {
                self.inline(rest.trim_start(), line.no);
            } else if line.text.starts_with(' ') {
                self.inline(line.text.trim_start(), line.no);
            } else {
                self.warn(lines[i].no + 1, "Line block ends without a blank line.");
                break;
            }
            j += 1;
        }
        self.content += 1;
        self.set_top(nested, Top::Other);
        j
    }

    fn grid_table(&mut self, lines: &[Line<'_>], i: usize, nested: bool) -> usize {
        // The table is the text block up to a blank line; an indented line cuts it short.
        let mut end = i;
        let mut blank_finish = true;
        while let Some(line) = lines.get(end) {
            if is_blank(line.text) {
                break;
            }
            if line.text.starts_with(' ') {
                self.error(line.no, "Unexpected indentation.");
                blank_finish = false;
                break;
            }
            end += 1;
        }
        let mut block: Vec<Line<'_>> = lines[i..end].to_vec();
        if let Some(bad) = block.iter().position(|l| !l.text.starts_with(['+', '|'])) {
            blank_finish = false;
            block.truncate(bad);
        }
        self.content += 1;
        self.set_top(nested, Top::Other);
        let next_index = i + block.len();
        if !block.last().is_some_and(|l| is_grid_top(l.text)) {
            blank_finish = false;
            match (2..block.len().saturating_sub(1))
                .rev()
                .find(|k| is_grid_top(block[*k].text))
            {
                Some(k) => block.truncate(k + 1),
                None => {
                    self.error(lines[i].no, "Malformed table.");
                    return next_index;
                }
            }
        }
        let next_index = i + block.len();
        let rows: Vec<Vec<char>> = block.iter().map(|l| pad_wide(l.text)).collect();
        let table_width = rows[0].len();
        if let Some(bad) = rows
            .iter()
            .position(|r| r.len() != table_width || !matches!(r.last(), Some('+' | '|')))
        {
            self.error(block[bad].no, "Malformed table.");
            return next_index;
        }
        match parse_grid(&rows) {
            Ok(cells) => {
                for (top, left, bottom, right) in cells {
                    let cell: Vec<String> = rows[top + 1..bottom]
                        .iter()
                        .map(|r| {
                            r[left + 1..right]
                                .iter()
                                .collect::<String>()
                                .trim_end()
                                .to_owned()
                        })
                        .collect();
                    let numbered: Vec<Line<'_>> = cell
                        .iter()
                        .zip(&block[top + 1..bottom])
                        .map(|(text, line)| Line {
                            no: line.no,
                            text: text.as_str(),
                        })
                        .collect();
                    let base = numbered
                        .iter()
                        .filter(|l| !is_blank(l.text))
                        .map(|l| indent_of(l.text))
                        .min()
                        .unwrap_or(0);
                    let dedented: Vec<Line<'_>> = numbered
                        .iter()
                        .map(|l| Line {
                            no: l.no,
                            text: cut(l.text, base),
                        })
                        .collect();
                    self.body(&dedented, true);
                }
            }
            Err(detail) => {
                self.error(lines[i].no, format!("Malformed table. {detail}"));
                return next_index;
            }
        }
        if !blank_finish && let Some(next) = lines.get(next_index) {
            self.warn(next.no, "Blank line required after table.");
        }
        next_index
    }

    fn simple_table(&mut self, lines: &[Line<'_>], i: usize, nested: bool) -> usize {
        let top = lines[i].text.trim_end();
        let top_len = top.chars().count();
        let mut found = 0;
        let mut found_at = None;
        let mut end = None;
        let mut k = i + 1;
        self.content += 1;
        self.set_top(nested, Top::Other);
        while k < lines.len() {
            let line = lines[k].text;
            if is_simple_border(line) {
                if line.trim_end().chars().count() != top_len {
                    self.error(
                        lines[i].no,
                        "Malformed table. Bottom/header table border does not match top border.",
                    );
                    return k + 1;
                }
                found += 1;
                found_at = Some(k);
                if found == 2 || k + 1 == lines.len() || is_blank(lines[k + 1].text) {
                    end = Some(k);
                    break;
                }
            }
            k += 1;
        }
        let Some(end) = end else {
            let extra = if found > 0 {
                " or no blank line after table bottom"
            } else {
                ""
            };
            self.error(
                lines[i].no,
                format!("Malformed table. No bottom table border found{extra}."),
            );
            let resume = found_at.map_or(lines.len(), |f| f + 1);
            if found > 0
                && let Some(next) = lines.get(resume)
            {
                self.warn(next.no, "Blank line required after table.");
            }
            return resume;
        };
        // Column boundaries from the top border.
        let border: Vec<char> = pad_wide(top);
        let mut columns = Vec::new();
        let mut c = 0;
        while c < border.len() {
            if border[c] == '=' {
                let start = c;
                while c < border.len() && border[c] == '=' {
                    c += 1;
                }
                columns.push((start, c));
            } else {
                c += 1;
            }
        }
        for line in &lines[i + 1..end] {
            if is_simple_border(line.text) || is_blank(line.text) {
                continue;
            }
            let row = pad_wide(line.text);
            // Text in a margin between columns (the last column may overflow).
            for pair in columns.windows(2) {
                let (gap_start, gap_end) = (pair[0].1, pair[1].0);
                if row
                    .get(gap_start..gap_end.min(row.len()))
                    .is_some_and(|gap| gap.iter().any(|c| *c != ' '))
                {
                    // A column-span underline (`---  ---`) may cross margins.
                    if row.iter().all(|c| matches!(c, '-' | ' ')) {
                        continue;
                    }
                    self.error(
                        lines[i].no,
                        format!(
                            "Malformed table. Text in column margin in table line {}.",
                            line.no - lines[i].no + 1
                        ),
                    );
                    return end + 1;
                }
            }
            for (index, (start, stop)) in columns.iter().enumerate() {
                let stop = if index + 1 == columns.len() {
                    row.len()
                } else {
                    *stop
                };
                let cell: String = row
                    .get(*start..stop.min(row.len()))
                    .unwrap_or_default()
                    .iter()
                    .collect();
                if !is_blank(&cell) {
                    self.inline(cell.trim(), line.no);
                }
            }
        }
        if end + 1 < lines.len() && !is_blank(lines[end + 1].text) {
            self.warn(lines[end + 1].no, "Blank line required after table.");
        }
        end + 1
    }

    fn after_explicit(&mut self, lines: &[Line<'_>], end: usize, blank_finish: bool) {
        if blank_finish {
            return;
        }
        if let Some(next) = lines.get(end) {
            let t = next.text;
            let explicit = t == ".." || t.starts_with(".. ") || t == "__" || t.starts_with("__ ");
            if !explicit {
                self.warn(
                    next.no,
                    "Explicit markup ends without a blank line; unexpected unindent.",
                );
            }
        }
    }

    /// Explicit markup: footnotes, citations, targets, substitution definitions, directives,
    /// comments.
    fn explicit(&mut self, lines: &[Line<'_>], i: usize, nested: bool) -> usize {
        let line = lines[i];
        let rest = cut(line.text, 3);
        let first_cut = 3.min(line.text.len());
        self.set_top(nested, Top::Other);
        if let Some(label_end) = rest.strip_prefix('[').and_then(|r| r.find(']'))
            && rest[label_end + 2..]
                .chars()
                .next()
                .is_none_or(|c| c == ' ')
        {
            let label = &rest[1..label_end + 1];
            let valid = !label.is_empty()
                && (label.bytes().all(|b| b.is_ascii_digit())
                    || label == "#"
                    || label == "*"
                    || label.strip_prefix('#').is_some_and(is_simplename)
                    || is_simplename(label));
            if valid {
                let (block, end, blank_finish) = get_indented(lines, i, Some(first_cut), true);
                match label {
                    "#" => self.auto_footnotes += 1,
                    "*" => self.symbol_footnotes += 1,
                    _ => {
                        let name = label.strip_prefix('#').unwrap_or(label);
                        self.implicit.insert(normalize_name(name));
                    }
                }
                let body: Vec<Line<'_>> = block
                    .iter()
                    .enumerate()
                    .map(|(k, l)| {
                        if k == 0 {
                            Line {
                                no: l.no,
                                text: cut(l.text, label_end + 2).trim_start(),
                            }
                        } else {
                            *l
                        }
                    })
                    .collect();
                self.content += 1;
                self.body(&body, true);
                self.after_explicit(lines, end, blank_finish);
                return end;
            }
        }
        if rest.starts_with('_') {
            let (block, end, blank_finish) =
                get_indented_until(lines, i, Some(first_cut + 1), true, true);
            let last = block.last().map_or(line.no, |l| l.no);
            let joined: Vec<&str> = block.iter().map(|l| l.text).collect();
            if !self.hyperlink_target(&joined, line.no) {
                self.warn(last, "malformed hyperlink target.");
            }
            self.after_explicit(lines, end, blank_finish);
            return end;
        }
        if let Some(after) = rest.strip_prefix('|') {
            let (def_all, end, blank_finish) = get_indented(lines, i, Some(first_cut), false);
            let last = def_all.last().map_or(line.no, |l| l.no);
            let parsed = after.find('|').filter(|close| {
                *close > 0
                    && !after.starts_with(' ')
                    && !after[..*close].ends_with(' ')
                    && after[close + 1..].chars().next().is_none_or(|c| c == ' ')
            });
            match parsed {
                None => self.warn(last, "malformed substitution definition."),
                Some(close) => {
                    let name = after[..close].to_owned();
                    let definition = after[close + 1..].trim_start();
                    let definition_cut = line.text.len() - definition.len();
                    let (def_block, _, _) = get_indented(lines, i, Some(definition_cut), false);
                    // A substitution definition must hold a directive.
                    let valid = match directive_name(definition) {
                        Some((directive, marker_end)) => {
                            self.directive(&directive, &def_block, marker_end, line.no, true)
                        }
                        None => false,
                    };
                    let key = normalize_subst(&name);
                    if !valid {
                        self.warn(
                            line.no,
                            format!("Substitution definition \"{name}\" empty or invalid."),
                        );
                    } else if !self.substitutions.insert(key) {
                        self.error(
                            line.no,
                            format!("Duplicate substitution definition name: \"{name}\"."),
                        );
                    }
                }
            }
            self.after_explicit(lines, end, blank_finish);
            return end;
        }
        if let Some((name, marker_end)) = directive_name(rest) {
            let (_, end, blank_finish) = get_indented(lines, i, Some(first_cut), true);
            let (dir_block, _, _) = get_indented(lines, i, Some(3 + marker_end), false);
            self.directive(&name, &dir_block, 0, line.no, false);
            self.after_explicit(lines, end, blank_finish);
            return end;
        }
        // A comment; an empty one followed by a blank line is just that.
        if rest.trim().is_empty() && lines.get(i + 1).is_none_or(|l| is_blank(l.text)) {
            return i + 1;
        }
        let (_, end, blank_finish) = get_indented(lines, i, Some(first_cut), true);
        self.after_explicit(lines, end, blank_finish);
        end
    }

    /// A hyperlink target: `_name: uri`, `` _`name`: uri ``, `__: uri` (the lines after `.. _`,
    /// joined). Returns false when it is malformed.
    fn hyperlink_target(&mut self, block: &[&str], line: usize) -> bool {
        // The name may continue on the following lines; the URI follows it.
        let mut text = String::new();
        let mut parsed = None;
        for (k, part) in block.iter().enumerate() {
            text.push_str(part);
            if let Some(found) = target_name(&text) {
                parsed = Some((found, k));
                break;
            }
        }
        let Some(((name, after), k)) = parsed else {
            return false;
        };
        let mut uri: String = text[after..].trim().to_owned();
        for part in &block[k + 1..] {
            uri.push_str(part.trim());
        }
        let Some(name) = name else {
            self.anonymous_targets += 1;
            return true;
        };
        let name = normalize_name(&name);
        if uri.ends_with('_') && !uri.ends_with("\\_") && !uri.contains(' ') {
            let to = uri.trim_end_matches('_').trim_matches('`');
            self.refs
                .push((normalize_name(to), line, Ref::Alias, name.clone()));
        }
        self.explicit_target(name, uri, line);
        true
    }

    /// Register an explicit target (`.. _name:` or `` _`name` ``); the same name twice is a
    /// duplicate unless both point to the same URI.
    fn explicit_target(&mut self, name: String, uri: String, line: usize) {
        match self.explicit.get_mut(&name) {
            Some((existing, duplicate)) => {
                if existing.is_empty() || *existing != uri {
                    *duplicate = true;
                    self.warn(line, format!("Duplicate explicit target name: \"{name}\"."));
                }
            }
            None => {
                self.explicit.insert(name, (uri, false));
            }
        }
    }

    /// Check one directive; returns whether it is valid (for substitution definitions).
    /// `block` holds the directive's lines, the first cut just after `::`.
    fn directive(
        &mut self,
        name: &str,
        block: &[Line<'_>],
        skip: usize,
        line: usize,
        in_substitution: bool,
    ) -> bool {
        let lower = name.to_ascii_lowercase();
        let Some(spec) = directive_spec(&lower) else {
            self.error(line, format!("Unknown directive type \"{name}\"."));
            return false;
        };
        let block: Vec<Line<'_>> = block
            .iter()
            .enumerate()
            .map(|(k, l)| {
                if k == 0 {
                    Line {
                        no: l.no,
                        text: cut(l.text, skip).trim_start(),
                    }
                } else {
                    *l
                }
            })
            .collect();
        match lower.as_str() {
            "raw" => {
                self.warn(line, "\"raw\" directive disabled.");
                return false;
            }
            "include" => {
                self.warn(line, "\"include\" directive disabled.");
                return false;
            }
            "replace" | "unicode" | "date" if !in_substitution => {
                self.error(
                    line,
                    format!("Invalid context: the \"{lower}\" directive can only be used within a substitution definition."),
                );
                return false;
            }
            _ => {}
        }
        let parsed = match parse_directive_block(&block, &spec) {
            Ok(parsed) => parsed,
            Err(why) => {
                self.error(line, format!("Error in \"{name}\" directive: {why}"));
                return false;
            }
        };
        if lower == "csv-table"
            && (parsed.options.contains("file") || parsed.options.contains("url"))
        {
            self.warn(
                line,
                "File and URL access deactivated; ignoring \"csv-table\" directive.",
            );
            return false;
        }
        let content_blank = parsed.content.iter().all(|l| is_blank(l.text));
        if spec.content == Content::Required && content_blank {
            self.error(
                line,
                format!("Content block expected for the \"{lower}\" directive; none found."),
            );
            return false;
        }
        match lower.as_str() {
            "role" => {
                if let Some(first) = parsed.content.first() {
                    let role = first.text.trim().trim_end_matches("::");
                    let role = role.split('(').next().unwrap_or(role).trim();
                    self.custom_roles.insert(role.to_ascii_lowercase());
                }
                return true;
            }
            "class" | "rst-class" | "default-role" | "title" | "meta" | "target-notes"
            | "sectnum" | "section-numbering" | "contents" => return true,
            _ => {}
        }
        if lower == "list-table"
            && let Err(why) = check_list_table(&parsed.content)
        {
            self.error(
                line,
                format!("Error parsing content block for the \"list-table\" directive: {why}"),
            );
            return false;
        }
        self.content += 1;
        match spec.body {
            Body::Parse => {
                for arg in &parsed.arguments {
                    self.inline(arg, line);
                }
                self.body(&parsed.content, true);
            }
            Body::Inline => {
                let text: Vec<&str> = parsed.content.iter().map(|l| l.text).collect();
                if let Some(first) = parsed.content.first() {
                    self.inline(&text.join("\n"), first.no);
                }
                for arg in &parsed.arguments {
                    self.inline(arg, line);
                }
            }
            Body::Literal | Body::Nothing => {}
        }
        true
    }

    fn finish(&mut self) {
        if let Some(Top::Transition(line)) = self.top {
            self.warn(line, "Transition at the end of the document.");
        }
        // Transforms, in docutils' order.
        let substitution_refs = std::mem::take(&mut self.substitution_refs);
        for (name, line) in substitution_refs {
            let key = normalize_subst(&name);
            if !self.substitutions.contains(&key)
                && !self
                    .substitutions
                    .iter()
                    .any(|s| s.to_lowercase() == key.to_lowercase())
            {
                self.error(
                    line,
                    format!("Undefined substitution referenced: \"{name}\"."),
                );
            }
        }
        if self.anonymous_refs != self.anonymous_targets {
            self.report(
                None,
                Level::Error,
                format!(
                    "Anonymous hyperlink mismatch: {} references but {} targets.",
                    self.anonymous_refs, self.anonymous_targets
                ),
            );
        }
        if self.auto_footnote_refs.len() > self.auto_footnotes {
            let n = self.auto_footnotes;
            let line = self.auto_footnote_refs[n];
            self.error(
                line,
                format!(
                    "Too many autonumbered footnote references: only {n} corresponding footnote{} available.",
                    if n > 1 { "s" } else { "" }
                ),
            );
        }
        if self.symbol_footnote_refs.len() > self.symbol_footnotes {
            let n = self.symbol_footnotes;
            let line = self.symbol_footnote_refs[n];
            self.error(
                line,
                format!("Too many symbol footnote references: only {n} corresponding footnotes available."),
            );
        }
        let refs = std::mem::take(&mut self.refs);
        for (name, line, kind, from) in refs {
            let duplicate = self.explicit.get(&name).map(|(_, d)| *d);
            match (kind, duplicate) {
                (_, Some(true)) => self.error(
                    line,
                    format!("Duplicate target name, cannot be used as a unique reference: \"{name}\"."),
                ),
                (_, Some(false)) => {}
                _ if self.implicit.contains(&name) => {}
                (Ref::Named, None) => self.error(line, format!("Unknown target name: \"{name}\".")),
                (Ref::Alias, None) => self.error(
                    line,
                    format!(
                        "Indirect hyperlink target \"{from}\" (id=\"user-content-{}\") refers to target \"{name}\", which does not exist.",
                        make_id(&from)
                    ),
                ),
            }
        }
        if self.content == 0 && self.problems.is_empty() {
            self.report(None, Level::Error, "No content rendered from RST source.");
        }
    }

    /// Inline markup of one text (a paragraph, a title, a cell), reported at `line` as docutils
    /// reports it (the line the text starts on).
    fn inline(&mut self, text: &str, line: usize) {
        self.inline_at(text, line, line);
    }

    /// [`Doc::inline`], with `position` the line docutils' state machine is on when it notes
    /// targets and roles (the messages without a line of their own use it): the line after a
    /// one-line paragraph, the last line of a longer one.
    fn inline_at(&mut self, text: &str, line: usize, position: usize) {
        self.position = position;
        self.dead_ends = [usize::MAX; 6];
        let (chars, escaped) = unescape(text);
        let n = chars.len();
        let at = |k: usize| chars.get(k).copied();
        let mut p = 0;
        while p < n {
            // Find the next position where a start-string may begin.
            if escaped[p] || !start_prefix_ok(&chars, &escaped, p) {
                p += 1;
                continue;
            }
            let c = chars[p];
            // Simple start-strings.
            let start: Option<(&str, usize)> = if c == '*' && at(p + 1) == Some('*') {
                Some(("strong", 2))
            } else if c == '*' {
                Some(("emphasis", 1))
            } else if c == '`' && at(p + 1) == Some('`') {
                Some(("literal", 2))
            } else if c == '_' && at(p + 1) == Some('`') && !escaped[p + 1] {
                Some(("target", 2))
            } else if c == '|' && at(p + 1) != Some('|') {
                Some(("substitution", 1))
            } else {
                None
            };
            if let Some((kind, len)) = start
                && at(p + len).is_some_and(|c| !c.is_whitespace())
                && !quoted(&chars, p, len)
            {
                p = self.inline_start(&chars, &escaped, p, kind, len, line);
                continue;
            }
            // Whole constructs: references and footnote references.
            if let Some(end) = self.whole(&chars, &escaped, p, line) {
                p = end;
                continue;
            }
            // Interpreted text, with an optional role prefix.
            let (role, tick) = match role_at(&chars, p) {
                Some((role, after)) if at(after) == Some('`') => (Some(role), after),
                _ => (None, p),
            };
            if at(tick) == Some('`')
                && !escaped[tick]
                && at(tick + 1) != Some('`')
                && at(tick + 1).is_some_and(|c| !c.is_whitespace())
                && !quoted(&chars, tick, 1)
            {
                p = self.interpreted(&chars, &escaped, tick, role, line);
                continue;
            }
            p += 1;
        }
    }

    /// After a simple start-string at `p`: find its end-string; returns where to continue.
    fn inline_start(
        &mut self,
        chars: &[char],
        escaped: &[bool],
        p: usize,
        kind: &str,
        len: usize,
        line: usize,
    ) -> usize {
        let n = chars.len();
        let slot = match kind {
            "strong" => 0,
            "emphasis" => 1,
            "literal" => 2,
            "target" => 3,
            _ => 4,
        };
        let from = p + len + 1;
        let mut q = if from >= self.dead_ends[slot] {
            n
        } else {
            from
        };
        while q < n {
            let found = match kind {
                "strong" => {
                    chars[q] == '*'
                        && chars.get(q + 1) == Some(&'*')
                        && !escaped[q]
                        && !chars[q - 1].is_whitespace()
                        && end_suffix_ok(chars, q + 2)
                }
                "emphasis" => {
                    chars[q] == '*'
                        && !escaped[q]
                        && !chars[q - 1].is_whitespace()
                        && end_suffix_ok(chars, q + 1)
                }
                "literal" => {
                    chars[q] == '`'
                        && chars.get(q + 1) == Some(&'`')
                        && !chars[q - 1].is_whitespace()
                        && end_suffix_ok(chars, q + 2)
                }
                "target" => {
                    chars[q] == '`'
                        && !escaped[q]
                        && !chars[q - 1].is_whitespace()
                        && end_suffix_ok(chars, q + 1)
                }
                _ => {
                    // substitution: `|` then optional `_` or `__`
                    if chars[q] == '|' && !escaped[q] && !chars[q - 1].is_whitespace() {
                        let mut after = q + 1;
                        let mut underscores = 0;
                        while underscores < 2 && chars.get(after) == Some(&'_') {
                            after += 1;
                            underscores += 1;
                        }
                        end_suffix_ok(chars, after)
                            || (underscores > 0 && end_suffix_ok(chars, q + 1))
                    } else {
                        false
                    }
                }
            };
            if found {
                let content: String = chars[p + len..q].iter().collect();
                return match kind {
                    "strong" => q + 2,
                    "literal" => q + 2,
                    "emphasis" => q + 1,
                    "target" => {
                        let position = self.position;
                        self.explicit_target(normalize_name(&content), String::new(), position);
                        q + 1
                    }
                    _ => {
                        self.substitution_refs.push((
                            content.split_whitespace().collect::<Vec<_>>().join(" "),
                            line,
                        ));
                        let mut after = q + 1;
                        let mut underscores = 0;
                        while underscores < 2 && chars.get(after) == Some(&'_') {
                            after += 1;
                            underscores += 1;
                        }
                        match underscores {
                            1 => self.refs.push((
                                normalize_name(&content),
                                line,
                                Ref::Named,
                                String::new(),
                            )),
                            2 => self.anonymous_refs += 1,
                            _ => {}
                        }
                        after
                    }
                };
            }
            q += 1;
        }
        self.dead_ends[slot] = self.dead_ends[slot].min(from);
        let what = match kind {
            "strong" => "strong",
            "emphasis" => "emphasis",
            "literal" => "literal",
            "target" => "internal target",
            _ => "substitution_reference",
        };
        self.warn(
            line,
            format!("Inline {what} start-string without end-string."),
        );
        p + len
    }

    /// A reference name followed by `_`/`__`, or a footnote/citation reference, at `p`.
    fn whole(&mut self, chars: &[char], escaped: &[bool], p: usize, line: usize) -> Option<usize> {
        if chars[p] == '[' {
            let close = (p + 1..chars.len()).find(|k| chars[*k] == ']')?;
            if chars.get(close + 1) != Some(&'_')
                || !end_suffix_ok(chars, close + 2)
                || escaped[close]
            {
                return None;
            }
            let label: String = chars[p + 1..close].iter().collect();
            if label.is_empty() {
                return None;
            }
            if label.bytes().all(|b| b.is_ascii_digit()) {
                self.refs.push((label, line, Ref::Named, String::new()));
            } else if label == "#" {
                self.auto_footnote_refs.push(line);
            } else if label == "*" {
                self.symbol_footnote_refs.push(line);
            } else if let Some(name) = label.strip_prefix('#') {
                if !is_simplename(name) {
                    return None;
                }
                self.refs
                    .push((normalize_name(name), line, Ref::Named, String::new()));
            } else if is_simplename(&label) {
                self.refs
                    .push((normalize_name(&label), line, Ref::Named, String::new()));
            } else {
                return None;
            }
            return Some(close + 2);
        }
        // simplename then `__?`, then the end boundary.
        let end = simplename_end(chars, p)?;
        if chars.get(end) != Some(&'_') || escaped.get(end).copied().unwrap_or(false) {
            return None;
        }
        let name: String = chars[p..end].iter().collect();
        if chars.get(end + 1) == Some(&'_') && end_suffix_ok(chars, end + 2) {
            self.anonymous_refs += 1;
            return Some(end + 2);
        }
        if end_suffix_ok(chars, end + 1) {
            self.refs
                .push((normalize_name(&name), line, Ref::Named, String::new()));
            return Some(end + 1);
        }
        None
    }

    /// Interpreted text or a phrase reference whose backquote is at `tick`.
    fn interpreted(
        &mut self,
        chars: &[char],
        escaped: &[bool],
        tick: usize,
        prefix_role: Option<String>,
        line: usize,
    ) -> usize {
        let n = chars.len();
        let from = tick + 2;
        let mut q = if from >= self.dead_ends[5] { n } else { from };
        while q < n {
            if chars[q] == '`' && !escaped[q] && (escaped[q - 1] || !chars[q - 1].is_whitespace()) {
                // Suffix: optional `:role:`, optional `_`/`__`.
                let mut after = q + 1;
                let mut suffix_role = None;
                if let Some((role, role_end)) = role_at(chars, after) {
                    suffix_role = Some(role);
                    after = role_end;
                }
                let mut underscores = 0;
                while underscores < 2 && chars.get(after) == Some(&'_') {
                    after += 1;
                    underscores += 1;
                }
                if !end_suffix_ok(chars, after) {
                    q += 1;
                    continue;
                }
                let content: String = chars[tick + 1..q].iter().collect();
                if underscores > 0 {
                    if prefix_role.is_some() || suffix_role.is_some() {
                        self.error(
                            line,
                            "Mismatch: both interpreted text role prefix and reference suffix.",
                        );
                        return after;
                    }
                    self.phrase_reference(&content, underscores == 2, line);
                    return after;
                }
                for role in prefix_role.iter().chain(suffix_role.iter()) {
                    self.check_role(role, line);
                }
                if prefix_role.is_some() && suffix_role.is_some() {
                    self.warn(line, "Multiple roles in interpreted text (both prefix and suffix present; only one allowed).");
                }
                return after;
            }
            q += 1;
        }
        self.dead_ends[5] = self.dead_ends[5].min(from);
        self.warn(
            line,
            "Inline interpreted text or phrase reference start-string without end-string.",
        );
        tick + 1
    }

    fn phrase_reference(&mut self, content: &str, anonymous: bool, line: usize) {
        // `text <target>`: an embedded URI or alias.
        let trimmed = content.trim_end();
        if trimmed.ends_with('>')
            && let Some(open) = trimmed.rfind('<')
            && (open == 0 || trimmed[..open].ends_with([' ', '\n']))
        {
            let target = &trimmed[open + 1..trimmed.len() - 1];
            let text = trimmed[..open].trim();
            if let Some(alias) = target.strip_suffix('_')
                && !alias.ends_with('\\')
            {
                let name = if text.is_empty() { target } else { text };
                self.refs.push((
                    normalize_name(alias.trim_matches('`')),
                    line,
                    Ref::Alias,
                    normalize_name(name),
                ));
            } else if !anonymous {
                let name = if text.is_empty() { target } else { text };
                self.implicit.insert(normalize_name(name));
            }
            return;
        }
        if anonymous {
            self.anonymous_refs += 1;
        } else {
            self.refs
                .push((normalize_name(content), line, Ref::Named, String::new()));
        }
    }

    fn check_role(&mut self, role: &str, line: usize) {
        let lower = role.to_ascii_lowercase();
        if lower == "raw" {
            let position = self.position;
            self.warn(position, "raw (and derived) roles disabled");
        } else if !ROLES.contains(&lower.as_str()) && !self.custom_roles.contains(&lower) {
            self.error(line, format!("Unknown interpreted text role \"{role}\"."));
        }
    }
}

/// docutils' standard roles (English names and canonical names).
const ROLES: &[&str] = &[
    "ab",
    "abbreviation",
    "ac",
    "acronym",
    "anonymous-reference",
    "citation-reference",
    "code",
    "emphasis",
    "footnote-reference",
    "i",
    "index",
    "literal",
    "math",
    "named-reference",
    "pep",
    "pep-reference",
    "rfc",
    "rfc-reference",
    "strong",
    "sub",
    "subscript",
    "substitution-reference",
    "sup",
    "superscript",
    "t",
    "target",
    "title",
    "title-reference",
    "uri",
    "uri-reference",
    "url",
];

/// A list-table's content: one bullet list whose items each hold one bullet list, all of the
/// same length.
fn check_list_table(content: &[Line<'_>]) -> Result<(), String> {
    let mut rows: Vec<usize> = Vec::new();
    let mut row_indent = None;
    for line in content.iter().filter(|l| !is_blank(l.text)) {
        let indent = indent_of(line.text);
        let text = &line.text[indent..];
        match row_indent {
            None => {
                if indent != 0 || bullet(text).is_none() {
                    return Err("exactly one bullet list expected.".to_owned());
                }
                row_indent = Some(0);
                let inner = text[1..].trim_start();
                rows.push(usize::from(bullet(inner).is_some()));
            }
            Some(_) if indent == 0 => {
                if bullet(text).is_none() {
                    return Err("exactly one bullet list expected.".to_owned());
                }
                let inner = text[1..].trim_start();
                rows.push(usize::from(bullet(inner).is_some()));
            }
            Some(_) => {
                // A cell item is a bullet at the row's content indentation (2 after `* `).
                if indent == 2
                    && bullet(text).is_some()
                    && let Some(last) = rows.last_mut()
                {
                    *last += 1;
                }
            }
        }
    }
    if let Some(&first) = rows.first() {
        for (index, &count) in rows.iter().enumerate().skip(1) {
            if count != first {
                return Err(format!(
                    "uniform two-level bullet list expected, but row {} does not contain the same number of items as row 1 ({count} vs {first}).",
                    index + 1
                ));
            }
        }
    }
    Ok(())
}

/// docutils' `make_id`: lowercase ASCII letters and digits, other runs as `-`.
fn make_id(name: &str) -> String {
    let mut id = String::new();
    let mut dash = false;
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !id.is_empty() {
                id.push('-');
            }
            dash = false;
            id.push(c);
        } else {
            dash = true;
        }
    }
    id.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-')
        .to_owned()
}

fn normalize_subst(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text without inline markup characters, for implicit target names of titles.
fn plain_text(text: &str) -> String {
    let mut out = text.replace("``", "").replace("**", "");
    out.retain(|c| c != '`' && c != '*');
    out.trim_end_matches('_').to_owned()
}

/// The name of a hyperlink target (the text after `.. _`) and where its URI starts; `None` as
/// the name for an anonymous target (`__:`). `None` when no name ends here.
fn target_name(text: &str) -> Option<(Option<String>, usize)> {
    if text.starts_with("_:") {
        return Some((None, 2));
    }
    if let Some(quoted) = text.strip_prefix('`') {
        let end = quoted.find('`')?;
        let after = &quoted[end + 1..];
        let colon = if after.starts_with(':') {
            1
        } else if after.starts_with(" :") {
            2
        } else {
            return None;
        };
        let next = after[colon..].chars().next();
        if end == 0 || next.is_some_and(|c| c != ' ') {
            return None;
        }
        return Some((Some(quoted[..end].to_owned()), 1 + end + 1 + colon));
    }
    if text.starts_with([' ', '_']) {
        return None;
    }
    let bytes = text.as_bytes();
    let mut k = 0;
    while k < bytes.len() {
        if bytes[k] == b'\\' {
            k += 2;
            continue;
        }
        if bytes[k] == b':' && (k + 1 == bytes.len() || bytes[k + 1] == b' ') && k > 0 {
            let name = text[..k].trim_end().replace('\\', "");
            if name.is_empty() {
                return None;
            }
            return Some((Some(name), k + 1));
        }
        k += 1;
    }
    None
}

/// Backslash escapes: the escaped characters, flagged; a backslash before whitespace vanishes
/// with the whitespace (docutils' escape handling).
fn unescape(text: &str) -> (Vec<char>, Vec<bool>) {
    let mut chars = Vec::with_capacity(text.len());
    let mut escaped = Vec::with_capacity(text.len());
    let mut it = text.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some(' ') | Some('\n') => {}
                Some(d) => {
                    chars.push(d);
                    escaped.push(true);
                }
                None => {
                    chars.push('\\');
                    escaped.push(false);
                }
            }
        } else {
            chars.push(c);
            escaped.push(false);
        }
    }
    (chars, escaped)
}

const OPENERS: &str = "\"'(<[{\u{ab}\u{2018}\u{201c}\u{2039}\u{201a}\u{201e}\u{bb}\u{2019}\u{201d}\u{203a}\u{201b}\u{201f}\u{3008}\u{300a}\u{300c}\u{300e}\u{3010}\u{ff08}\u{ff3b}\u{ff5b}";
const CLOSERS: &str = "\"')>]}\u{bb}\u{2019}\u{201d}\u{203a}\u{2018}\u{201c}\u{ab}\u{2039}\u{201a}\u{201e}\u{201b}\u{201f}\u{3009}\u{300b}\u{300d}\u{300f}\u{3011}\u{ff09}\u{ff3d}\u{ff5d}";

fn is_delimiter(c: char) -> bool {
    matches!(c, '-' | '/' | ':' | '\u{a1}' | '\u{b7}' | '\u{bf}' | '\u{2010}'..='\u{2017}' | '\u{2020}'..='\u{2027}' | '\u{2030}'..='\u{2038}' | '\u{3001}'..='\u{3003}')
}

fn start_prefix_ok(chars: &[char], escaped: &[bool], p: usize) -> bool {
    if p == 0 {
        return true;
    }
    let c = chars[p - 1];
    if escaped[p - 1] && !c.is_whitespace() {
        // An escaped character is text, which a start-string may not follow... unless it is
        // itself allowed as a prefix.
        return OPENERS.contains(c) || is_delimiter(c);
    }
    c.is_whitespace() || OPENERS.contains(c) || is_delimiter(c)
}

fn end_suffix_ok(chars: &[char], p: usize) -> bool {
    match chars.get(p) {
        None => true,
        Some(&c) => {
            c.is_whitespace()
                || matches!(c, '\\' | '.' | ',' | ';' | '!' | '?' | '\0')
                || is_delimiter(c)
                || CLOSERS.contains(c)
        }
    }
}

/// A start-string enclosed in matching quotes or brackets (`(*)`, `"*"`) is not markup.
fn quoted(chars: &[char], p: usize, len: usize) -> bool {
    let (Some(&before), Some(&after)) = (
        p.checked_sub(1).and_then(|b| chars.get(b)),
        chars.get(p + len),
    ) else {
        return false;
    };
    let opener = OPENERS.chars().position(|c| c == before);
    let closer = CLOSERS.chars().nth(opener.unwrap_or(usize::MAX));
    closer == Some(after)
        || matches!(
            (before, after),
            ('\u{bb}', '\u{bb}')
                | ('\u{2018}', '\u{201a}')
                | ('\u{2019}', '\u{2019}')
                | ('\u{201a}', '\u{2018}' | '\u{2019}')
                | ('\u{201c}', '\u{201e}')
                | ('\u{201e}', '\u{201c}' | '\u{201d}')
        )
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// The end of a simple reference name starting at `p`: word characters with single internal
/// `-._+:` separators.
fn simplename_end(chars: &[char], p: usize) -> Option<usize> {
    let mut q = p;
    if !chars.get(q).copied().is_some_and(is_word) {
        return None;
    }
    while chars.get(q).copied().is_some_and(is_word) {
        q += 1;
    }
    loop {
        match (chars.get(q), chars.get(q + 1)) {
            (Some(&sep), Some(&next))
                if matches!(sep, '-' | '.' | '_' | '+' | ':') && is_word(next) =>
            {
                q += 1;
                while chars.get(q).copied().is_some_and(is_word) {
                    q += 1;
                }
            }
            _ => return Some(q),
        }
    }
}

fn is_simplename(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    simplename_end(&chars, 0) == Some(chars.len())
}

/// `:role:` at `p`: the role name and the position after its closing colon.
fn role_at(chars: &[char], p: usize) -> Option<(String, usize)> {
    if chars.get(p) != Some(&':') {
        return None;
    }
    let end = simplename_end(chars, p + 1)?;
    // A simplename may swallow `:` separators: back off to the last `:` followed by `` ` ``.
    let name: String = chars[p + 1..end].iter().collect();
    if chars.get(end) == Some(&':') {
        return Some((name, end + 1));
    }
    None
}

fn bullet(text: &str) -> Option<(char, usize)> {
    let c = text.chars().next()?;
    if !matches!(c, '*' | '+' | '-' | '\u{2022}' | '\u{2023}' | '\u{2043}') {
        return None;
    }
    let rest = &text[c.len_utf8()..];
    if rest.is_empty() {
        return Some((c, c.len_utf8()));
    }
    if !rest.starts_with(' ') {
        return None;
    }
    Some((c, text.len() - rest.trim_start().len()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Period,
    Paren,
    Parens,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sequence {
    Arabic,
    LowerAlpha,
    UpperAlpha,
    LowerRoman,
    UpperRoman,
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Enumerator {
    format: Format,
    sequence: Sequence,
    ordinal: u64,
    /// Where the item text starts.
    end: usize,
}

fn enumerator(text: &str) -> Option<Enumerator> {
    let (format, body, after) = if let Some(rest) = text.strip_prefix('(') {
        let close = rest.find(')')?;
        (Format::Parens, &rest[..close], close + 2)
    } else {
        let stop = text.find(['.', ')'])?;
        let format = if text.as_bytes()[stop] == b'.' {
            Format::Period
        } else {
            Format::Paren
        };
        (format, &text[..stop], stop + 1)
    };
    if body.is_empty() {
        return None;
    }
    let rest = &text[after..];
    if !rest.is_empty() && !rest.starts_with(' ') {
        return None;
    }
    let end = text.len() - rest.trim_start().len();
    let (sequence, ordinal) = if body == "#" {
        (Sequence::Auto, 0)
    } else if body.bytes().all(|b| b.is_ascii_digit()) {
        (Sequence::Arabic, body.parse().ok()?)
    } else if body == "i" {
        (Sequence::LowerRoman, 1)
    } else if body == "I" {
        (Sequence::UpperRoman, 1)
    } else if body.len() == 1 && body.bytes().all(|b| b.is_ascii_lowercase()) {
        (
            Sequence::LowerAlpha,
            u64::from(body.as_bytes()[0] - b'a' + 1),
        )
    } else if body.len() == 1 && body.bytes().all(|b| b.is_ascii_uppercase()) {
        (
            Sequence::UpperAlpha,
            u64::from(body.as_bytes()[0] - b'A' + 1),
        )
    } else if body.bytes().all(|b| b"ivxlcdm".contains(&b)) {
        (Sequence::LowerRoman, roman(body)?)
    } else if body.bytes().all(|b| b"IVXLCDM".contains(&b)) {
        (Sequence::UpperRoman, roman(&body.to_ascii_lowercase())?)
    } else {
        return None;
    };
    Some(Enumerator {
        format,
        sequence,
        ordinal,
        end,
    })
}

fn roman(text: &str) -> Option<u64> {
    let value = |c: u8| match c {
        b'i' => 1,
        b'v' => 5,
        b'x' => 10,
        b'l' => 50,
        b'c' => 100,
        b'd' => 500,
        b'm' => 1000,
        _ => 0,
    };
    let bytes = text.as_bytes();
    let mut total = 0u64;
    for (k, b) in bytes.iter().enumerate() {
        let v = value(*b);
        if bytes.get(k + 1).is_some_and(|n| value(*n) > v) {
            total = total.checked_sub(v)?;
        } else {
            total += v;
        }
    }
    // Only canonical numerals count.
    (to_roman(total) == text).then_some(total)
}

fn to_roman(mut n: u64) -> String {
    let table = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut out = String::new();
    for (v, s) in table {
        while n >= v {
            out.push_str(s);
            n -= v;
        }
    }
    out
}

fn enumerator_text(e: &Enumerator, ordinal: u64) -> Option<String> {
    let body = match e.sequence {
        Sequence::Arabic => ordinal.to_string(),
        Sequence::LowerAlpha => char::from_u32(u32::try_from(ordinal).ok()? + 96)
            .filter(char::is_ascii_lowercase)?
            .to_string(),
        Sequence::UpperAlpha => char::from_u32(u32::try_from(ordinal).ok()? + 64)
            .filter(char::is_ascii_uppercase)?
            .to_string(),
        Sequence::LowerRoman => to_roman(ordinal),
        Sequence::UpperRoman => to_roman(ordinal).to_ascii_uppercase(),
        Sequence::Auto => "#".to_owned(),
    };
    Some(match e.format {
        Format::Period => format!("{body}."),
        Format::Paren => format!("{body})"),
        Format::Parens => format!("({body})"),
    })
}

/// docutils' `is_enumerated_list_item`: the next line is blank, indented, or starts with the
/// next enumerator.
fn is_enumerated_item(lines: &[Line<'_>], i: usize, e: &Enumerator) -> bool {
    let Some(next) = lines.get(i + 1) else {
        return true;
    };
    if next.text.is_empty() || next.text.starts_with(' ') {
        return true;
    }
    let auto = Enumerator {
        sequence: Sequence::Auto,
        ..*e
    };
    [enumerator_text(e, e.ordinal + 1), enumerator_text(&auto, 0)]
        .iter()
        .flatten()
        .any(|t| next.text.starts_with(t.as_str()))
}

/// `:name: body` field markers; returns the name and where the body starts.
fn field_marker(text: &str) -> Option<(&str, usize)> {
    let rest = text.strip_prefix(':')?;
    if rest.starts_with([':', ' ']) || rest.is_empty() {
        return None;
    }
    let bytes = rest.as_bytes();
    let mut k = 0;
    while k < bytes.len() {
        match bytes[k] {
            b'\\' => k += 2,
            b':' => {
                let next = bytes.get(k + 1);
                if next.is_none_or(|b| *b == b' ') {
                    if k == 0 || bytes[k - 1] == b' ' {
                        return None;
                    }
                    let after = &rest[k + 1..];
                    return Some((&rest[..k], text.len() - after.trim_start().len()));
                }
                if next == Some(&b'`') {
                    return None;
                }
                k += 1;
            }
            _ => k += 1,
        }
    }
    None
}

/// Option list markers (`-a`, `--long=ARG`, `/V`, comma-separated), followed by two spaces and
/// a description or by the end of the line; returns where the description starts.
fn option_marker(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut k = 0;
    loop {
        // one option
        if bytes.get(k..k + 2) == Some(b"--") {
            k += 2;
            k = option_name(bytes, k)?;
            if matches!(bytes.get(k), Some(b'=') | Some(b' ')) && option_arg(bytes, k + 1).is_some()
            {
                k = option_arg(bytes, k + 1)?;
            }
        } else if matches!(bytes.get(k), Some(b'-') | Some(b'+')) {
            if !bytes.get(k + 1).is_some_and(u8::is_ascii_alphanumeric) {
                return None;
            }
            k += 2;
            if bytes.get(k) == Some(&b' ')
                && option_arg(bytes, k + 1).is_some()
                && bytes.get(k + 1) != Some(&b' ')
            {
                k = option_arg(bytes, k + 1)?;
            } else if option_arg(bytes, k).is_some()
                && bytes
                    .get(k)
                    .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'<')
            {
                k = option_arg(bytes, k)?;
            }
        } else if bytes.get(k) == Some(&b'/') {
            k += 1;
            k = option_name(bytes, k)?;
        } else {
            return None;
        }
        if bytes.get(k..k + 2) == Some(b", ") {
            k += 2;
            continue;
        }
        break;
    }
    let rest = &text[k..];
    if rest.is_empty() || rest.trim().is_empty() {
        return Some(text.len());
    }
    if rest.starts_with("  ") {
        return Some(text.len() - rest.trim_start().len());
    }
    None
}

fn option_name(bytes: &[u8], start: usize) -> Option<usize> {
    if !bytes.get(start).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let mut k = start + 1;
    while bytes
        .get(k)
        .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
    {
        k += 1;
    }
    Some(k)
}

fn option_arg(bytes: &[u8], start: usize) -> Option<usize> {
    match bytes.get(start) {
        Some(b'<') => {
            let close = bytes[start + 1..].iter().position(|b| *b == b'>')?;
            if bytes[start + 1..start + 1 + close].contains(&b'<') || close == 0 {
                return None;
            }
            Some(start + close + 2)
        }
        Some(b) if b.is_ascii_alphabetic() => {
            let mut k = start + 1;
            while bytes
                .get(k)
                .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
            {
                k += 1;
            }
            Some(k)
        }
        _ => None,
    }
}

/// An unindented line no body construct claims (docutils' `text` transition), which is what
/// may continue a definition list.
fn is_plain_text(lines: &[Line<'_>], i: usize) -> bool {
    let text = lines[i].text;
    !(text.starts_with(' ')
        || bullet(text).is_some()
        || enumerator(text).is_some_and(|e| is_enumerated_item(lines, i, &e))
        || field_marker(text).is_some()
        || option_marker(text).is_some()
        || text.starts_with(">>>")
        || text == "|"
        || text.starts_with("| ")
        || is_grid_top(text)
        || is_simple_top(text)
        || text == ".."
        || text.starts_with(".. ")
        || text == "__"
        || text.starts_with("__ ")
        || is_adornment(text))
}

fn is_grid_top(text: &str) -> bool {
    let t = text.trim_end();
    t.len() >= 3
        && t.starts_with("+-")
        && t.ends_with("-+")
        && t.bytes().all(|b| b == b'+' || b == b'-')
}

fn is_simple_top(text: &str) -> bool {
    let t = text.trim_end();
    // `=+( +=+)+`: at least two columns.
    t.starts_with('=')
        && t.bytes().all(|b| b == b'=' || b == b' ')
        && t.split_whitespace().count() >= 2
}

fn is_simple_border(text: &str) -> bool {
    let t = text.trim_end();
    t.starts_with('=') && t.bytes().all(|b| b == b'=' || b == b' ')
}

/// Characters with East Asian wide characters doubled, so columns line up as docutils sees
/// them.
fn pad_wide(text: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        out.push(c);
        if is_wide(c) {
            out.push('\u{0}');
        }
    }
    out
}

/// docutils' grid table parser: the cells as (top, left, bottom, right) corner coordinates.
fn parse_grid(rows: &[Vec<char>]) -> Result<Vec<(usize, usize, usize, usize)>, String> {
    let mut rows: Vec<Vec<char>> = rows.to_vec();
    let bottom = rows.len() - 1;
    let right = rows[0].len() - 1;
    // The head/body separator (`+===+`) becomes an ordinary row separator.
    let separators: Vec<usize> = (0..rows.len())
        .filter(|k| {
            let r = &rows[*k];
            r.first() == Some(&'+')
                && r.last() == Some(&'+')
                && r.contains(&'=')
                && r.iter().all(|c| matches!(c, '+' | '='))
        })
        .collect();
    if separators.len() > 1 {
        return Err(
            "Multiple head/body row separators (table lines {} and {}); only one allowed."
                .replace("{}", "?"),
        );
    }
    if let Some(&k) = separators.first() {
        if k == 0 || k == bottom {
            return Err(
                "The head/body row separator may not be the first or last line of the table."
                    .to_owned(),
            );
        }
        for c in rows[k].iter_mut() {
            if *c == '=' {
                *c = '-';
            }
        }
    }

    let mut done = vec![0usize; right + 1];
    let mut done_set = vec![vec![false; right + 1]; bottom + 1];
    let mut corners = vec![(0usize, 0usize)];
    let mut cells = Vec::new();
    let mut guard = 0usize;
    while let Some((top, left)) = (!corners.is_empty()).then(|| corners.remove(0)) {
        guard += 1;
        if guard > 100_000 {
            return Err("parse incomplete".to_owned());
        }
        if top == bottom || left == right || done_set[top][left] {
            continue;
        }
        let Some((cell_bottom, cell_right)) = scan_cell(&rows, top, left, bottom, right) else {
            continue;
        };
        for row in done_set.iter_mut().take(cell_bottom).skip(top) {
            for flag in row.iter_mut().take(cell_right).skip(left) {
                *flag = true;
            }
        }
        for d in done.iter_mut().take(cell_right).skip(left) {
            *d = (*d).max(cell_bottom);
        }
        cells.push((top, left, cell_bottom, cell_right));
        corners.push((top, cell_right));
        corners.push((cell_bottom, left));
        corners.sort_unstable();
        corners.dedup();
    }
    if done.iter().take(right).any(|d| *d != bottom) {
        return Err("Malformed table; parse incomplete.".to_owned());
    }
    Ok(cells)
}

fn cell_at(rows: &[Vec<char>], r: usize, c: usize) -> char {
    rows.get(r)
        .and_then(|row| row.get(c))
        .copied()
        .unwrap_or(' ')
}

fn scan_cell(
    rows: &[Vec<char>],
    top: usize,
    left: usize,
    bottom: usize,
    right: usize,
) -> Option<(usize, usize)> {
    if cell_at(rows, top, left) != '+' {
        return None;
    }
    // right along the top
    for c in left + 1..=right {
        match cell_at(rows, top, c) {
            '+' => {
                // down along column c
                for r in top + 1..=bottom {
                    match cell_at(rows, r, c) {
                        '+' => {
                            // left along row r, then up along `left`
                            let bottom_ok = (left + 1..c)
                                .rev()
                                .all(|k| matches!(cell_at(rows, r, k), '-' | '+'))
                                && cell_at(rows, r, left) == '+';
                            let up_ok =
                                (top + 1..r).all(|k| matches!(cell_at(rows, k, left), '|' | '+'));
                            if bottom_ok && up_ok {
                                return Some((r, c));
                            }
                        }
                        '|' => {}
                        _ => break,
                    }
                }
            }
            '-' => {}
            _ => return None,
        }
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    No,
    Optional,
    Required,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    /// Content parsed as body elements.
    Parse,
    /// Content (and arguments) parsed as inline text.
    Inline,
    /// Content taken literally.
    Literal,
    Nothing,
}

#[derive(Debug, Clone, Copy)]
struct DirectiveSpec {
    required: usize,
    optional: usize,
    final_whitespace: bool,
    /// `None`: no option spec at all; `Some(&[])`... options accepted by name.
    options: Option<&'static [&'static str]>,
    content: Content,
    body: Body,
}

const CLASS_NAME: &[&str] = &["class", "name"];
const IMAGE_OPTIONS: &[&str] = &[
    "align", "alt", "class", "height", "loading", "name", "scale", "target", "width",
];

/// docutils 0.23's directives (English names), as registered.
fn directive_spec(name: &str) -> Option<DirectiveSpec> {
    let spec = |required, optional, final_whitespace, options, content, body| DirectiveSpec {
        required,
        optional,
        final_whitespace,
        options,
        content,
        body,
    };
    use Body::*;
    use Content::*;
    Some(match name {
        "attention" | "caution" | "danger" | "error" | "hint" | "important" | "note" | "tip"
        | "warning" => spec(0, 0, true, Some(CLASS_NAME), Required, Parse),
        "admonition" => spec(1, 0, true, Some(CLASS_NAME), Required, Parse),
        "image" => spec(1, 0, true, Some(IMAGE_OPTIONS), No, Nothing),
        "figure" => spec(
            1,
            0,
            true,
            Some(&[
                "align", "alt", "class", "figclass", "figname", "figwidth", "height", "loading",
                "name", "scale", "target", "width",
            ]),
            Optional,
            Parse,
        ),
        "topic" => spec(1, 0, true, Some(CLASS_NAME), Required, Parse),
        "sidebar" => spec(
            0,
            1,
            true,
            Some(&["class", "name", "subtitle"]),
            Required,
            Parse,
        ),
        "line-block" => spec(0, 0, false, Some(CLASS_NAME), Required, Inline),
        "parsed-literal" => spec(0, 0, false, Some(CLASS_NAME), Required, Inline),
        "code" | "code-block" | "sourcecode" => spec(
            0,
            1,
            false,
            Some(&["class", "name", "number-lines"]),
            Required,
            Literal,
        ),
        "math" => spec(0, 0, false, Some(CLASS_NAME), Optional, Literal),
        "rubric" => spec(1, 0, true, Some(CLASS_NAME), No, Inline),
        "epigraph" | "highlights" | "pull-quote" | "header" | "footer" | "meta" => {
            spec(0, 0, false, None, Required, Parse)
        }
        "compound" => spec(0, 0, false, Some(CLASS_NAME), Required, Parse),
        "container" => spec(0, 1, true, Some(&["name"]), Required, Parse),
        "table" => spec(
            0,
            1,
            true,
            Some(&["align", "class", "name", "width", "widths"]),
            Required,
            Parse,
        ),
        "csv-table" => spec(
            0,
            1,
            true,
            Some(&[
                "align",
                "class",
                "delim",
                "encoding",
                "escape",
                "file",
                "header",
                "header-rows",
                "keepspace",
                "name",
                "quote",
                "stub-columns",
                "url",
                "width",
                "widths",
            ]),
            Optional,
            Literal,
        ),
        "list-table" => spec(
            0,
            1,
            true,
            Some(&[
                "align",
                "class",
                "header-rows",
                "name",
                "stub-columns",
                "width",
                "widths",
            ]),
            Required,
            Parse,
        ),
        "contents" => spec(
            0,
            1,
            true,
            Some(&["backlinks", "class", "depth", "local"]),
            No,
            Nothing,
        ),
        "sectnum" | "section-numbering" => spec(
            0,
            0,
            false,
            Some(&["depth", "prefix", "start", "suffix"]),
            No,
            Nothing,
        ),
        "target-notes" => spec(0, 0, false, Some(&["class"]), No, Nothing),
        "raw" => spec(
            1,
            0,
            true,
            Some(&["class", "encoding", "file", "url"]),
            Optional,
            Literal,
        ),
        "include" => spec(1, 0, true, None, No, Nothing),
        "replace" => spec(0, 0, false, None, Required, Inline),
        "unicode" => spec(1, 0, true, Some(&["ltrim", "rtrim", "trim"]), No, Nothing),
        "date" => spec(0, 0, false, None, Optional, Nothing),
        "class" | "rst-class" => spec(1, 0, true, None, Optional, Parse),
        "role" => spec(0, 0, false, None, Optional, Nothing),
        "default-role" => spec(0, 1, false, None, No, Nothing),
        "title" => spec(1, 0, true, None, No, Nothing),
        "restructuredtext-test-directive" => spec(0, 1, true, Some(&["option"]), Optional, Literal),
        _ => return None,
    })
}

struct ParsedDirective<'a> {
    arguments: Vec<String>,
    options: BTreeSet<String>,
    content: Vec<Line<'a>>,
}

/// docutils' `parse_directive_block`: arguments, options and content.
fn parse_directive_block<'a>(
    block: &[Line<'a>],
    spec: &DirectiveSpec,
) -> Result<ParsedDirective<'a>, String> {
    let mut indented: Vec<Line<'a>> = block.to_vec();
    if indented.first().is_some_and(|l| is_blank(l.text)) {
        indented.remove(0);
    }
    while indented.last().is_some_and(|l| is_blank(l.text)) {
        indented.pop();
    }
    let takes_args = spec.required > 0 || spec.optional > 0;
    let (mut arg_block, mut content): (Vec<Line<'a>>, Vec<Line<'a>>);
    let mut split_at = 0;
    if !indented.is_empty() && (takes_args || spec.options.is_some()) {
        split_at = indented
            .iter()
            .position(|l| is_blank(l.text))
            .unwrap_or(indented.len());
        arg_block = indented[..split_at].to_vec();
        content = indented.get(split_at + 1..).unwrap_or_default().to_vec();
    } else {
        arg_block = Vec::new();
        content = indented.clone();
    }
    let mut options = BTreeSet::new();
    if let Some(allowed) = spec.options
        && let Some(start) = arg_block
            .iter()
            .position(|l| field_marker(l.text).is_some())
    {
        let option_block: Vec<Line<'a>> = arg_block.split_off(start);
        for line in &option_block {
            if line.text.starts_with(' ') {
                continue; // continuation of an option value
            }
            let Some((option, _)) = field_marker(line.text) else {
                return Err("invalid option block.".to_owned());
            };
            let option = option.to_ascii_lowercase();
            if !allowed.contains(&option.as_str()) {
                return Err(format!("unknown option: \"{option}\"."));
            }
            if !options.insert(option.clone()) {
                return Err(format!(
                    "invalid option data: duplicate option \"{option}\"."
                ));
            }
        }
    }
    if !arg_block.is_empty() && !takes_args {
        let mut rebuilt = arg_block.clone();
        rebuilt.extend(indented.get(split_at..).unwrap_or_default().iter().copied());
        content = rebuilt;
        arg_block = Vec::new();
    }
    while content.first().is_some_and(|l| is_blank(l.text)) {
        content.remove(0);
    }
    let mut arguments = Vec::new();
    if takes_args {
        let text: Vec<&str> = arg_block.iter().map(|l| l.text).collect();
        let text = text.join("\n");
        let words: Vec<&str> = text.split_whitespace().collect();
        if words.len() < spec.required {
            return Err(format!(
                "{} argument(s) required, {} supplied.",
                spec.required,
                words.len()
            ));
        }
        if words.len() > spec.required + spec.optional && !spec.final_whitespace {
            return Err(format!(
                "maximum {} argument(s) allowed, {} supplied.",
                spec.required + spec.optional,
                words.len()
            ));
        }
        if !text.trim().is_empty() {
            arguments.push(text.trim().to_owned());
        }
    }
    if !content.is_empty() && spec.content == Content::No {
        return Err("no content permitted.".to_owned());
    }
    Ok(ParsedDirective {
        arguments,
        options,
        content,
    })
}

/// `name::` at the start of `text` (after `.. `): the directive name and where its
/// arguments start.
fn directive_name(text: &str) -> Option<(String, usize)> {
    let colons = text.find("::")?;
    let name = &text[..colons];
    if name.is_empty() || !is_directive_name(name) {
        return None;
    }
    let rest = &text[colons + 2..];
    if !rest.is_empty() && !rest.starts_with(' ') {
        return None;
    }
    Some((name.to_owned(), colons + 2))
}

fn is_directive_name(name: &str) -> bool {
    // simplename, plus `:` for domains (`py:function`), as docutils' directive pattern allows.
    is_simplename(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_rst(text: &str, expect: &[&str]) {
        let got: Vec<String> = check(text).iter().map(ToString::to_string).collect();
        assert_eq!(got, expect, "\n{text}");
    }

    #[test]
    fn clean_documents() {
        check_rst(
            "Title\n=====\n\nSome *emphasis*, **strong**, ``literal`` and `ref`_.\n\n.. _ref: https://x\n",
            &[],
        );
        check_rst(
            "* a\n* b\n\n  * nested\n\n1. one\n2. two\n\nterm\n   definition\n\n:field: value\n\n.. note::\n\n   A note.\n\n.. code:: python\n\n   x = *1\n",
            &[],
        );
        check_rst(
            "Math 2*3*4, a * b, (*) and \"*\", snake_case and __init__.\n",
            &[],
        );
        check_rst(
            "See `docs <https://x>`_, `anon <https://y>`__ and |badge|.\n\n.. |badge| image:: https://x/b.svg\n   :target: https://x\n",
            &[],
        );
        check_rst(
            "+-----+-----+\n| a   | b   |\n+=====+=====+\n| *c* | d   |\n+-----+-----+\n\n=====  =====\na      b\n=====  =====\nc      d xx\n=====  =====\n",
            &[],
        );
        check_rst(
            "Title\n=====\n\nSub\n---\n\nOther\n=====\n\nSub2\n----\n",
            &[],
        );
        check_rst(
            "Footnote [1]_, auto [#]_ and [CIT]_.\n\n.. [1] one\n.. [#] auto\n.. [CIT] cited\n",
            &[],
        );
        check_rst(
            ".. role:: custom\n\n:custom:`x`, :CODE:`y`, `z`:emphasis:\n",
            &[],
        );
        check_rst("-a  option a\n--long=ARG  long option\n\ntext\n", &[]);
        check_rst("para::\n\n    literal *not parsed\n\n> quoted\n", &[]);
        check_rst(
            "See Installation_\n\nInstallation\n------------\n\ntext\n",
            &[],
        );
    }

    #[test]
    fn titles() {
        check_rst(
            "Title here\n====\n\ntext\n",
            &["line 2: WARNING: Title underline too short."],
        );
        check_rst("Title\n===\n\ntext\n", &[]);
        check_rst(
            "=====\nTitle here\n=====\n\ntext\n",
            &["line 1: WARNING: Title overline too short."],
        );
        check_rst(
            "=====\nTitle\n====\n\ntext\n",
            &["line 1: ERROR: Title overline & underline mismatch."],
        );
        check_rst(
            "A\n=\n\nB\n-\n\nC\n=\n\nD\n~\n",
            &["line 10: ERROR: Inconsistent title style: skip from level 1 to 3."],
        );
        check_rst(
            "* item\n\n  Title\n  =====\n\n  text\n",
            &["line 4: ERROR: Unexpected section title."],
        );
    }

    #[test]
    fn indentation() {
        check_rst(
            "para line one\nline two\n    indented\n",
            &["line 3: ERROR: Unexpected indentation."],
        );
        check_rst(
            "term\n    definition\nback\n",
            &["line 3: WARNING: Definition list ends without a blank line; unexpected unindent."],
        );
        check_rst(
            "para\n\n    quote\nunindent\n",
            &["line 4: WARNING: Block quote ends without a blank line; unexpected unindent."],
        );
        check_rst(
            ".. note::\n\n   body\nunindent\n",
            &["line 4: WARNING: Explicit markup ends without a blank line; unexpected unindent."],
        );
        check_rst(
            "* a\n* b\nc\n",
            &["line 3: WARNING: Bullet list ends without a blank line; unexpected unindent."],
        );
        check_rst(
            "1. one\n2. two\nthree\n",
            &["line 2: WARNING: Enumerated list ends without a blank line; unexpected unindent."],
        );
        check_rst(
            "1. one\n   cont\n2. two\n   cont2\nthree\n",
            &["line 5: WARNING: Enumerated list ends without a blank line; unexpected unindent."],
        );
        check_rst(
            ":field: value\n:other: x\ntext\n",
            &["line 3: WARNING: Field list ends without a blank line; unexpected unindent."],
        );
        check_rst(
            "| line one\n| line two\ntext\n",
            &["line 2: WARNING: Line block ends without a blank line."],
        );
        check_rst(
            "text::\n\nnot indented\n",
            &["line 3: WARNING: Literal block expected; none found."],
        );
        check_rst(
            "para::\n",
            &["line 2: WARNING: Literal block expected; none found."],
        );
    }

    #[test]
    fn inline_markup() {
        check_rst(
            "line one\nline two has *bad\n",
            &["line 1: WARNING: Inline emphasis start-string without end-string."],
        );
        check_rst(
            "**strong\n",
            &["line 1: WARNING: Inline strong start-string without end-string."],
        );
        check_rst(
            "``literal\n",
            &["line 1: WARNING: Inline literal start-string without end-string."],
        );
        check_rst(
            "`interpreted\n",
            &[
                "line 1: WARNING: Inline interpreted text or phrase reference start-string without end-string.",
            ],
        );
        check_rst(
            "|sub\n",
            &["line 1: WARNING: Inline substitution_reference start-string without end-string."],
        );
        check_rst(
            ":class:`Foo` and :py:func:`x`\n",
            &[
                "line 1: ERROR: Unknown interpreted text role \"class\".",
                "line 1: ERROR: Unknown interpreted text role \"py:func\".",
            ],
        );
        check_rst(
            "Use |sub| here.\n",
            &["line 1: ERROR: Undefined substitution referenced: \"sub\"."],
        );
        check_rst(
            "Ref to `missing`_ and word_ and file.py_ here.\n",
            &[
                "line 1: ERROR: Unknown target name: \"missing\".",
                "line 1: ERROR: Unknown target name: \"word\".",
                "line 1: ERROR: Unknown target name: \"file.py\".",
            ],
        );
        check_rst(
            "`anon`__ and `b`__\n\n__ http://x\n",
            &["ERROR: Anonymous hyperlink mismatch: 2 references but 1 targets."],
        );
    }

    #[test]
    fn directives_and_targets() {
        check_rst(
            ".. toctree::\n\n   a\n",
            &["line 1: ERROR: Unknown directive type \"toctree\"."],
        );
        check_rst(
            ".. raw:: html\n\n   <b>x</b>\n",
            &["line 1: WARNING: \"raw\" directive disabled."],
        );
        check_rst(
            ".. include:: other.rst\n",
            &["line 1: WARNING: \"include\" directive disabled."],
        );
        check_rst(
            ".. image::\n",
            &["line 1: ERROR: Error in \"image\" directive: 1 argument(s) required, 0 supplied."],
        );
        check_rst(
            ".. image:: x.png\n   :bogus: 1\n",
            &["line 1: ERROR: Error in \"image\" directive: unknown option: \"bogus\"."],
        );
        check_rst(
            ".. note::\n",
            &["line 1: ERROR: Content block expected for the \"note\" directive; none found."],
        );
        check_rst(
            ".. _a: http://x\n.. _a: http://y\n\nsee a_\n",
            &[
                "line 2: WARNING: Duplicate explicit target name: \"a\".",
                "line 4: ERROR: Duplicate target name, cannot be used as a unique reference: \"a\".",
            ],
        );
        check_rst(
            ".. |bad| replace::\n\nx |bad|\n",
            &[
                "line 1: ERROR: Content block expected for the \"replace\" directive; none found.",
                "line 1: WARNING: Substitution definition \"bad\" empty or invalid.",
                "line 3: ERROR: Undefined substitution referenced: \"bad\".",
            ],
        );
        check_rst(
            ".. comment only\n",
            &["ERROR: No content rendered from RST source."],
        );
    }

    #[test]
    fn tables_and_transitions() {
        check_rst(
            "+-----+-----+\n| a   | b   |\n+-----+----+\n| c   | d   |\n+-----+-----+\n",
            &["line 3: ERROR: Malformed table."],
        );
        check_rst(
            "+-----+-----+\n| a   | b   |\n+-----+-----+\ntext\n",
            &["line 4: WARNING: Blank line required after table."],
        );
        check_rst(
            "=====  =====\na      b\n=====  =====\ntext\n",
            &[
                "line 1: ERROR: Malformed table. No bottom table border found or no blank line after table bottom.",
                "line 4: WARNING: Blank line required after table.",
            ],
        );
        check_rst(
            "\n----\n\ntext\n",
            &["line 2: WARNING: Transition at the start of the document."],
        );
        check_rst(
            "text\n\n----\n",
            &["line 3: WARNING: Transition at the end of the document."],
        );
        check_rst(
            "Title\n=====\n\n----\n\ntext\n",
            &["line 4: WARNING: Transition at the start of the section."],
        );
        check_rst(
            "text\n\n----\n\n----\n\nmore\n",
            &["line 5: WARNING: At least one body element should separate transitions."],
        );
    }

    #[test]
    fn never_panics() {
        let samples = [
            "",
            "\n",
            "::",
            "..",
            "__",
            "*",
            "**",
            "`",
            "``",
            "|",
            "[",
            "[#]_",
            "_`",
            ":",
            "::\n",
            "+",
            "+-",
            "+--+\n|\n",
            "==  ==\n",
            "=\n=\n=\n",
            "1.",
            "(a)",
            "\t*\tx",
            "ｔｅｓｔ\n====",
            "é*ü*",
            ".. |x|",
            ".. [",
            ".. _`",
            ".. _:",
            ":a:`",
            "`x`:",
            "a\\",
            "\\",
        ];
        for s in samples {
            let _ = check(s);
        }
        // Every prefix, and every character replaced by a markup character, of a document
        // using most constructs.
        let document = "Title\n=====\n\n* a *b* ``c`` `d`_ |e| [1]_ f__\n\n  1. x\n\n:field: `g <h_>`_\n\n.. _d: http://x\n.. |e| image:: y.png\n   :alt: z\n.. [1] note\n__ http://y\n\n+---+---+\n| a | b |\n+===+===+\n| c | d |\n+---+---+\n\n==  ==\na   b\n==  ==\n\n.. note:: é\n\n   text::\n\n     code\n";
        let chars: Vec<char> = document.chars().collect();
        for end in 0..=chars.len() {
            let _ = check(&chars[..end].iter().collect::<String>());
        }
        for i in 0..chars.len() {
            for c in ['*', '`', '|', '_', ' ', '\n', ':', '+', '=', '-'] {
                let mut mutated = chars.clone();
                mutated[i] = c;
                let _ = check(&mutated.iter().collect::<String>());
            }
        }
    }
}
