//! deb-substvars(5) files (`name=value`, `name?=value`, `#` comments): updating the variables
//! wheelfix owns while leaving every other line as it was.
//!
//! The replacement rule is dpkg-shlibdeps' `-p<prefix>`: every variable whose name starts with
//! `<prefix>:` is removed, then the new ones are appended. Reading and writing the file is the
//! caller's business.

/// Return `text` with every `<prefix>:*` variable replaced by `variables` (`(name, value)`
/// without the prefix, e.g. `("Depends", "libc6 (>= 2.14)")`).
pub fn update_substvars(text: &str, prefix: &str, variables: &[(&str, &str)]) -> String {
    let owned = format!("{prefix}:");
    let mut out = String::new();
    for line in text.lines() {
        let name = line
            .split_once('=')
            .map(|(name, _)| name.strip_suffix('?').unwrap_or(name).trim());
        let is_ours = !line.starts_with('#') && name.is_some_and(|n| n.starts_with(&owned));
        if !is_ours {
            out.push_str(line);
            out.push('\n');
        }
    }
    for (name, value) in variables {
        out.push_str(&format!("{prefix}:{name}={value}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(text: &str, variables: &[(&str, &str)], expect: &str) {
        assert_eq!(update_substvars(text, "wheelfix", variables), expect);
    }

    #[test]
    fn keeps_other_variables() {
        check(
            "misc:Depends=\nshlibs:Depends=libc6 (>= 2.34)\n",
            &[("Depends", "libc6 (>= 2.14), libpq5 (>= 10~~)")],
            "misc:Depends=\nshlibs:Depends=libc6 (>= 2.34)\nwheelfix:Depends=libc6 (>= 2.14), libpq5 (>= 10~~)\n",
        );
    }

    #[test]
    fn replaces_own_variables_and_keeps_comments() {
        check(
            "# generated\nwheelfix:Depends=old\nwheelfix:Other?=x\nwheelfixer:Depends=kept\n# wheelfix:Depends=comment\n",
            &[("Depends", "libc6")],
            "# generated\nwheelfixer:Depends=kept\n# wheelfix:Depends=comment\nwheelfix:Depends=libc6\n",
        );
    }

    #[test]
    fn empty_file_and_empty_value() {
        check("", &[("Depends", "")], "wheelfix:Depends=\n");
        check("misc:Depends=", &[], "misc:Depends=\n");
    }
}
