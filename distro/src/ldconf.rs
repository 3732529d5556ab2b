//! The target's library search path: `ld.so.conf` syntax (directories and `include` globs),
//! a small glob matcher for those includes, and the directory order dpkg-shlibdeps searches.
//!
//! Everything here is pure. Listing directories and reading the configuration files under ROOT
//! is done by `sysroot`, through the callbacks these functions take.

/// One meaningful line of an ld.so.conf file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LdConfLine {
    /// A library directory (trailing slashes removed).
    Dir(String),
    /// `include <pattern>...`; patterns are split on whitespace, as Perl's `glob` does.
    Include(Vec<String>),
}

/// Parse one ld.so.conf file. `#` starts a comment; `hwcap` lines and anything that is not an
/// absolute directory are ignored.
pub fn parse_ld_so_conf(text: &str) -> Vec<LdConfLine> {
    let mut lines = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if let Some(patterns) = line
            .strip_prefix("include")
            .filter(|rest| rest.starts_with(char::is_whitespace))
        {
            let patterns: Vec<String> = patterns.split_whitespace().map(str::to_owned).collect();
            if !patterns.is_empty() {
                lines.push(LdConfLine::Include(patterns));
            }
        } else if line.starts_with('/') {
            let dir = line.trim_end_matches('/');
            lines.push(LdConfLine::Dir(
                if dir.is_empty() { "/" } else { dir }.to_owned(),
            ));
        }
    }
    lines
}

/// Match one path component against a shell glob (`*`, `?`, `[abc]`, `[a-z]`, `[!x]`).
/// A leading `.` is only matched by a literal `.`, as in the shell.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    match_from(&pattern, &name)
}

fn match_from(pattern: &[char], name: &[char]) -> bool {
    let Some((&first, rest)) = pattern.split_first() else {
        return name.is_empty();
    };
    match first {
        '*' => (0..=name.len()).any(|skip| match_from(rest, &name[skip..])),
        '?' => !name.is_empty() && match_from(rest, &name[1..]),
        '[' => {
            let Some((&c, name_rest)) = name.split_first() else {
                return false;
            };
            match match_class(rest, c) {
                Some((true, after)) => match_from(after, name_rest),
                Some((false, _)) => false,
                // An unclosed `[` is a literal.
                None => c == '[' && match_from(rest, name_rest),
            }
        }
        literal => name.first() == Some(&literal) && match_from(rest, &name[1..]),
    }
}

/// Match `c` against the class after `[`; returns whether it matched and the pattern after
/// the closing `]`, or `None` when the class is not closed.
fn match_class(class: &[char], c: char) -> Option<(bool, &[char])> {
    let (negated, mut i) = match class.first() {
        Some('!' | '^') => (true, 1),
        _ => (false, 0),
    };
    let mut matched = false;
    let mut first = true;
    while i < class.len() {
        let start = class[i];
        if start == ']' && !first {
            return Some((matched != negated, &class[i + 1..]));
        }
        first = false;
        if class.get(i + 1) == Some(&'-') && class.get(i + 2).is_some_and(|&end| end != ']') {
            let end = class[i + 2];
            matched |= start <= c && c <= end;
            i += 3;
        } else {
            matched |= start == c;
            i += 1;
        }
    }
    None
}

/// Expand an absolute glob pattern. `list_dir` returns the entry names of a directory (empty
/// when it does not exist); `exists` says whether a literal path exists. Results are sorted
/// per directory level, as glob(3) sorts them.
pub fn expand_glob(
    pattern: &str,
    list_dir: &mut dyn FnMut(&str) -> Vec<String>,
    exists: &mut dyn FnMut(&str) -> bool,
) -> Vec<String> {
    let is_glob = |s: &str| s.contains(['*', '?', '[']);
    let mut paths = vec![String::new()];
    for component in pattern.split('/').filter(|c| !c.is_empty()) {
        let mut next = Vec::new();
        for base in &paths {
            if is_glob(component) {
                let dir = if base.is_empty() { "/" } else { base.as_str() };
                let mut names: Vec<String> = list_dir(dir)
                    .into_iter()
                    .filter(|name| glob_match(component, name))
                    .collect();
                names.sort();
                next.extend(names.into_iter().map(|name| format!("{base}/{name}")));
            } else {
                next.push(format!("{base}/{component}"));
            }
        }
        paths = next;
    }
    paths.retain(|path| !path.is_empty() && exists(path));
    paths
}

/// Resolve a relative include pattern against the directory of the file that includes it.
pub fn absolute_pattern(pattern: &str, including_file: &str) -> String {
    if pattern.starts_with('/') {
        return pattern.to_owned();
    }
    let dir = including_file
        .rsplit_once('/')
        .map(|(dir, _)| dir)
        .unwrap_or_default();
    format!("{dir}/{pattern}")
}

/// The directories dpkg-shlibdeps searches, in order, after the object's own RPATH/RUNPATH:
/// the multiarch directories first when the target architecture is foreign to the root,
/// `/lib` and `/usr/lib`, the ld.so.conf directories, then the multilib directories. The
/// target's multiarch directories are appended when nothing listed them (a root without
/// ld.so.conf). Duplicates are removed.
pub fn search_dirs(ld_so_conf_dirs: &[String], multiarch: &str, foreign: bool) -> Vec<String> {
    let multiarch_dirs = [format!("/lib/{multiarch}"), format!("/usr/lib/{multiarch}")];
    let mut dirs: Vec<String> = Vec::new();
    if foreign {
        dirs.extend(multiarch_dirs.iter().cloned());
    }
    dirs.extend(["/lib".to_owned(), "/usr/lib".to_owned()]);
    dirs.extend(ld_so_conf_dirs.iter().cloned());
    dirs.extend(["/lib32", "/usr/lib32", "/lib64", "/usr/lib64"].map(str::to_owned));
    dirs.extend(multiarch_dirs);
    let mut seen = std::collections::BTreeSet::new();
    dirs.retain(|dir| seen.insert(dir.clone()));
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_glob(pattern: &str, name: &str, expect: bool) {
        assert_eq!(glob_match(pattern, name), expect, "{pattern} vs {name}");
    }

    #[test]
    fn globs() {
        check_glob("*.conf", "libc.conf", true);
        check_glob("*.conf", "libc.conf.bak", false);
        check_glob("*.conf", ".hidden.conf", false);
        check_glob(".*.conf", ".hidden.conf", true);
        check_glob("lib?.conf", "libc.conf", true);
        check_glob("x[0-9]*", "x86_64.conf", true);
        check_glob("x[!0-9]*", "x86_64.conf", false);
        check_glob("[]x]", "]", true);
        check_glob("[a", "[a", true);
        check_glob("*", "", true);
        check_glob("a*b*c", "aXXbYYc", true);
        check_glob("a*b*c", "aXXbYY", false);
    }

    #[test]
    fn ld_so_conf_lines() {
        assert_eq!(
            parse_ld_so_conf(
                "include /etc/ld.so.conf.d/*.conf\n\n# libc default configuration\n/usr/local/lib/\n  /opt/x/lib # trailing comment\nhwcap 0 nosegneg\nrelative/dir\ninclude  a.conf  b.conf\n"
            ),
            vec![
                LdConfLine::Include(vec!["/etc/ld.so.conf.d/*.conf".to_owned()]),
                LdConfLine::Dir("/usr/local/lib".to_owned()),
                LdConfLine::Dir("/opt/x/lib".to_owned()),
                LdConfLine::Include(vec!["a.conf".to_owned(), "b.conf".to_owned()]),
            ]
        );
    }

    #[test]
    fn glob_expansion() {
        let mut list = |dir: &str| match dir {
            "/etc/ld.so.conf.d" => vec![
                "x86_64-linux-gnu.conf".to_owned(),
                "libc.conf".to_owned(),
                "fakeroot-x86_64-linux-gnu.conf".to_owned(),
                "README".to_owned(),
            ],
            _ => Vec::new(),
        };
        let mut exists = |_: &str| true;
        assert_eq!(
            expand_glob("/etc/ld.so.conf.d/*.conf", &mut list, &mut exists),
            [
                "/etc/ld.so.conf.d/fakeroot-x86_64-linux-gnu.conf",
                "/etc/ld.so.conf.d/libc.conf",
                "/etc/ld.so.conf.d/x86_64-linux-gnu.conf"
            ]
        );
        let mut missing = |_: &str| false;
        assert!(expand_glob("/etc/none.conf", &mut list, &mut missing).is_empty());
        assert_eq!(
            absolute_pattern("x/*.conf", "/etc/ld.so.conf"),
            "/etc/x/*.conf"
        );
    }

    #[test]
    fn dpkg_search_order() {
        let conf = [
            "/usr/lib/x86_64-linux-gnu/libfakeroot".to_owned(),
            "/usr/local/lib".to_owned(),
            "/usr/local/lib/x86_64-linux-gnu".to_owned(),
            "/lib/x86_64-linux-gnu".to_owned(),
            "/usr/lib/x86_64-linux-gnu".to_owned(),
        ];
        assert_eq!(
            search_dirs(&conf, "x86_64-linux-gnu", false),
            [
                "/lib",
                "/usr/lib",
                "/usr/lib/x86_64-linux-gnu/libfakeroot",
                "/usr/local/lib",
                "/usr/local/lib/x86_64-linux-gnu",
                "/lib/x86_64-linux-gnu",
                "/usr/lib/x86_64-linux-gnu",
                "/lib32",
                "/usr/lib32",
                "/lib64",
                "/usr/lib64"
            ]
        );
        assert_eq!(
            search_dirs(&[], "aarch64-linux-gnu", true)[..3],
            [
                "/lib/aarch64-linux-gnu",
                "/usr/lib/aarch64-linux-gnu",
                "/lib"
            ]
        );
    }
}
