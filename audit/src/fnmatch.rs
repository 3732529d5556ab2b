//! Shell-style wildcard matching (`*`, `?`, `[...]`, `[!...]`), as Python's `fnmatch` and
//! glibc's `glob` use it: for `--exclude` patterns and `include` lines of `ld.so.conf`.
//!
//! Matching is on whole strings; `*` also matches `/`, as in `fnmatch`. Path-aware globbing
//! (one component at a time) is built on top of this in `crate::host`.

/// Whether `name` matches the shell-style `pattern`.
pub fn fnmatch(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    matches(&pattern, &name)
}

/// Whether `pattern` contains wildcard characters at all.
pub fn has_wildcards(pattern: &str) -> bool {
    pattern.contains(['*', '?', '['])
}

fn matches(pattern: &[char], name: &[char]) -> bool {
    // Iterative matcher with single-star backtracking: linear in practice, no recursion depth
    // to exhaust on hostile patterns.
    let (mut p, mut n) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() {
            match pattern[p] {
                '*' => {
                    star = Some((p, n));
                    p += 1;
                    continue;
                }
                '?' => {
                    p += 1;
                    n += 1;
                    continue;
                }
                '[' => {
                    if let Some((matched, next)) = class_matches(pattern, p, name[n]) {
                        if matched {
                            p = next;
                            n += 1;
                            continue;
                        }
                    } else if name[n] == '[' {
                        // An unterminated class is a literal `[`.
                        p += 1;
                        n += 1;
                        continue;
                    }
                }
                c if c == name[n] => {
                    p += 1;
                    n += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((star_p, star_n)) => {
                p = star_p + 1;
                n = star_n + 1;
                star = Some((star_p, star_n + 1));
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// Match `c` against the class starting at `pattern[start] == '['`; returns whether it
/// matched and the index after the class, or `None` if the class is unterminated.
fn class_matches(pattern: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negated = matches!(pattern.get(i), Some('!') | Some('^'));
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let &current = pattern.get(i)?;
        if current == ']' && !first {
            return Some((matched != negated, i + 1));
        }
        first = false;
        if pattern.get(i + 1) == Some(&'-') && pattern.get(i + 2).is_some_and(|&e| e != ']') {
            let end = pattern[i + 2];
            if current <= c && c <= end {
                matched = true;
            }
            i += 3;
        } else {
            if current == c {
                matched = true;
            }
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(pattern: &str, name: &str, expect: bool) {
        assert_eq!(
            fnmatch(pattern, name),
            expect,
            "fnmatch({pattern:?}, {name:?})"
        );
    }

    #[test]
    fn wildcards() {
        check("libfoo.so*", "libfoo.so.1", true);
        check("libfoo.so*", "libfoo.so", true);
        check("libfoo.so*", "libfoobar.so.1", false);
        check("libcuda*", "libcudart.so.12", true);
        check("*.conf", "/etc/ld.so.conf.d/x86_64-linux-gnu.conf", true);
        check("lib?.so", "libz.so", true);
        check("lib[a-c].so", "libb.so", true);
        check("lib[!a-c].so", "libb.so", false);
        check("lib[].so", "lib].so", false);
        check("a*b*c", "aXXbYYc", true);
        check("a*b*c", "aXXbYY", false);
        check("", "", true);
        check("[", "[", true);
        check(
            "*/libssl.so.3",
            "/usr/lib/x86_64-linux-gnu/libssl.so.3",
            true,
        );
    }
}
