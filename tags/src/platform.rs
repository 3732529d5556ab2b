//! Platform tags (PEP 425 `linux_*`, PEP 600 `manylinux_x_y_*`, PEP 656 `musllinux_x_y_*`).
//!
//! Tags wheelfix has no policy for (macOS, Windows, Android, `linux_<unknown arch>`) still parse,
//! as [`PlatformTag::Other`], so that any valid wheel filename can be read.

use std::fmt;
use std::str::FromStr;

use crate::Arch;

/// The C library a Linux platform tag promises compatibility with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Libc {
    Glibc,
    Musl,
}

impl Libc {
    pub fn as_str(self) -> &'static str {
        match self {
            Libc::Glibc => "glibc",
            Libc::Musl => "musl",
        }
    }
}

impl fmt::Display for Libc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlatformTag {
    /// Ex) `any`
    Any,
    /// Ex) `linux_x86_64`
    Linux(Arch),
    /// Ex) `manylinux_2_17_aarch64`
    Manylinux { major: u16, minor: u16, arch: Arch },
    /// Ex) `manylinux1_x86_64`, an alias of `manylinux_2_5_x86_64`
    Manylinux1(Arch),
    /// Ex) `manylinux2010_x86_64`, an alias of `manylinux_2_12_x86_64`
    Manylinux2010(Arch),
    /// Ex) `manylinux2014_x86_64`, an alias of `manylinux_2_17_x86_64`
    Manylinux2014(Arch),
    /// Ex) `musllinux_1_2_x86_64`
    Musllinux { major: u16, minor: u16, arch: Arch },
    /// Any other syntactically valid tag, Ex) `macosx_11_0_arm64`, `win_amd64`
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParsePlatformTagError {
    #[error("platform tag `{0}` is empty")]
    Empty(String),
    #[error(
        "platform tag `{tag}` contains `{character}`; only ASCII letters, digits and `_` are allowed"
    )]
    InvalidCharacter { tag: String, character: char },
    #[error("platform tag `{tag}` has an invalid {what} version")]
    InvalidVersion { tag: String, what: &'static str },
}

impl PlatformTag {
    /// The architecture of a Linux tag; `None` for `any` and non-Linux tags.
    pub fn arch(&self) -> Option<Arch> {
        match self {
            PlatformTag::Linux(arch)
            | PlatformTag::Manylinux1(arch)
            | PlatformTag::Manylinux2010(arch)
            | PlatformTag::Manylinux2014(arch)
            | PlatformTag::Manylinux { arch, .. }
            | PlatformTag::Musllinux { arch, .. } => Some(*arch),
            PlatformTag::Any | PlatformTag::Other(_) => None,
        }
    }

    /// The libc a manylinux/musllinux tag promises; `None` for `linux_*` and everything else.
    pub fn libc(&self) -> Option<Libc> {
        match self {
            PlatformTag::Manylinux { .. }
            | PlatformTag::Manylinux1(_)
            | PlatformTag::Manylinux2010(_)
            | PlatformTag::Manylinux2014(_) => Some(Libc::Glibc),
            PlatformTag::Musllinux { .. } => Some(Libc::Musl),
            _ => None,
        }
    }

    /// The `(major, minor)` libc version a manylinux/musllinux tag promises.
    pub fn libc_version(&self) -> Option<(u16, u16)> {
        match self {
            PlatformTag::Manylinux { major, minor, .. }
            | PlatformTag::Musllinux { major, minor, .. } => Some((*major, *minor)),
            PlatformTag::Manylinux1(_) => Some((2, 5)),
            PlatformTag::Manylinux2010(_) => Some((2, 12)),
            PlatformTag::Manylinux2014(_) => Some((2, 17)),
            _ => None,
        }
    }

    /// The PEP 600 spelling of a legacy alias (`manylinux2014_x86_64` → `manylinux_2_17_x86_64`);
    /// other tags are returned unchanged.
    pub fn canonical(&self) -> PlatformTag {
        match self {
            PlatformTag::Manylinux1(_)
            | PlatformTag::Manylinux2010(_)
            | PlatformTag::Manylinux2014(_) => {
                let (major, minor) = self.libc_version().unwrap_or((2, 5));
                match self.arch() {
                    Some(arch) => PlatformTag::Manylinux { major, minor, arch },
                    None => self.clone(),
                }
            }
            other => other.clone(),
        }
    }

    /// True for tags that make a promise about the libc (manylinux and musllinux).
    pub fn is_portable_linux(&self) -> bool {
        self.libc().is_some()
    }
}

impl fmt::Display for PlatformTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlatformTag::Any => f.write_str("any"),
            PlatformTag::Linux(arch) => write!(f, "linux_{arch}"),
            PlatformTag::Manylinux { major, minor, arch } => {
                write!(f, "manylinux_{major}_{minor}_{arch}")
            }
            PlatformTag::Manylinux1(arch) => write!(f, "manylinux1_{arch}"),
            PlatformTag::Manylinux2010(arch) => write!(f, "manylinux2010_{arch}"),
            PlatformTag::Manylinux2014(arch) => write!(f, "manylinux2014_{arch}"),
            PlatformTag::Musllinux { major, minor, arch } => {
                write!(f, "musllinux_{major}_{minor}_{arch}")
            }
            PlatformTag::Other(tag) => f.write_str(tag),
        }
    }
}

impl FromStr for PlatformTag {
    type Err = ParsePlatformTagError;

    fn from_str(tag: &str) -> Result<Self, Self::Err> {
        if tag.is_empty() {
            return Err(ParsePlatformTagError::Empty(tag.to_owned()));
        }
        if let Some(character) = tag
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
        {
            return Err(ParsePlatformTagError::InvalidCharacter {
                tag: tag.to_owned(),
                character,
            });
        }
        if tag == "any" {
            return Ok(PlatformTag::Any);
        }
        let Some(arch) = Arch::from_tag_suffix(tag) else {
            return Ok(PlatformTag::Other(tag.to_owned()));
        };
        let head = &tag[..tag.len() - arch.as_str().len()];
        let versioned =
            |prefix: &str, what: &'static str| -> Result<Option<(u16, u16)>, Self::Err> {
                let Some(rest) = head.strip_prefix(prefix) else {
                    return Ok(None);
                };
                let invalid = || ParsePlatformTagError::InvalidVersion {
                    tag: tag.to_owned(),
                    what,
                };
                let rest = rest.strip_suffix('_').ok_or_else(invalid)?;
                let (major, minor) = rest.split_once('_').ok_or_else(invalid)?;
                let parse = |s: &str| {
                    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(invalid());
                    }
                    s.parse::<u16>().map_err(|_| invalid())
                };
                Ok(Some((parse(major)?, parse(minor)?)))
            };
        let parsed = match head {
            "linux_" => PlatformTag::Linux(arch),
            "manylinux1_" => PlatformTag::Manylinux1(arch),
            "manylinux2010_" => PlatformTag::Manylinux2010(arch),
            "manylinux2014_" => PlatformTag::Manylinux2014(arch),
            _ => {
                if let Some((major, minor)) = versioned("manylinux_", "glibc")? {
                    PlatformTag::Manylinux { major, minor, arch }
                } else if let Some((major, minor)) = versioned("musllinux_", "musl")? {
                    PlatformTag::Musllinux { major, minor, arch }
                } else {
                    PlatformTag::Other(tag.to_owned())
                }
            }
        };
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, expect: &str) {
        let got = match input.parse::<PlatformTag>() {
            Ok(tag) => {
                assert_eq!(tag.to_string(), input, "Display must round-trip");
                format!("{tag:?}")
            }
            Err(err) => format!("error: {err}"),
        };
        assert_eq!(got, expect, "{input}");
    }

    #[test]
    fn parses_linux_tags() {
        check("linux_x86_64", "Linux(X86_64)");
        check(
            "manylinux_2_17_aarch64",
            "Manylinux { major: 2, minor: 17, arch: Aarch64 }",
        );
        check("manylinux2014_ppc64le", "Manylinux2014(Ppc64le)");
        check("manylinux2010_i686", "Manylinux2010(I686)");
        check("manylinux1_x86_64", "Manylinux1(X86_64)");
        check(
            "musllinux_1_2_armv7l",
            "Musllinux { major: 1, minor: 2, arch: Armv7l }",
        );
        check("any", "Any");
    }

    #[test]
    fn keeps_foreign_tags() {
        check("macosx_11_0_arm64", "Other(\"macosx_11_0_arm64\")");
        check("win_amd64", "Other(\"win_amd64\")");
        check("linux_sparc", "Other(\"linux_sparc\")");
    }

    #[test]
    fn rejects_bad_tags() {
        check(
            "manylinux_2_x_x86_64",
            "error: platform tag `manylinux_2_x_x86_64` has an invalid glibc version",
        );
        check(
            "musllinux_1_x86_64",
            "error: platform tag `musllinux_1_x86_64` has an invalid musl version",
        );
        check(
            "linux/x86_64",
            "error: platform tag `linux/x86_64` contains `/`; only ASCII letters, digits and `_` are allowed",
        );
        check("", "error: platform tag `` is empty");
    }

    #[test]
    fn canonical_spelling_of_aliases() {
        let tag: PlatformTag = "manylinux2014_s390x".parse().unwrap_or(PlatformTag::Any);
        assert_eq!(tag.canonical().to_string(), "manylinux_2_17_s390x");
        assert_eq!(tag.libc(), Some(Libc::Glibc));
    }
}
