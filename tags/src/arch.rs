//! The CPU architectures that appear in Linux platform tags.
//!
//! Only names live here; mapping an ELF header to an [`Arch`] is done by `wheelfix-elf`.

use std::fmt;
use std::str::FromStr;

/// An architecture as spelled in a Linux platform tag (`manylinux_2_17_<arch>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arch {
    X86_64,
    I686,
    Aarch64,
    Armv7l,
    Ppc64le,
    Ppc64,
    S390x,
    Riscv64,
    Loongarch64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown architecture `{0}`")]
pub struct ParseArchError(pub String);

impl Arch {
    pub const ALL: [Arch; 9] = [
        Arch::X86_64,
        Arch::I686,
        Arch::Aarch64,
        Arch::Armv7l,
        Arch::Ppc64le,
        Arch::Ppc64,
        Arch::S390x,
        Arch::Riscv64,
        Arch::Loongarch64,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::I686 => "i686",
            Arch::Aarch64 => "aarch64",
            Arch::Armv7l => "armv7l",
            Arch::Ppc64le => "ppc64le",
            Arch::Ppc64 => "ppc64",
            Arch::S390x => "s390x",
            Arch::Riscv64 => "riscv64",
            Arch::Loongarch64 => "loongarch64",
        }
    }

    /// The suffix musl uses in its libc soname (`libc.musl-<suffix>.so.1`).
    pub fn musl_suffix(self) -> &'static str {
        match self {
            Arch::I686 => "x86",
            Arch::Armv7l => "armv7",
            other => other.as_str(),
        }
    }

    /// Find the architecture a platform tag ends with, if any (`manylinux2014_x86_64`).
    pub fn from_tag_suffix(tag: &str) -> Option<Arch> {
        // Longest names first so that `ppc64le` is not read as `le` after `ppc64`.
        let mut by_length = Arch::ALL;
        by_length.sort_by_key(|arch| std::cmp::Reverse(arch.as_str().len()));
        by_length.into_iter().find(|arch| {
            tag.strip_suffix(arch.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.ends_with('_'))
        })
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Arch {
    type Err = ParseArchError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Arch::ALL
            .into_iter()
            .find(|arch| arch.as_str() == s)
            .ok_or_else(|| ParseArchError(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(tag: &str, expect: Option<Arch>) {
        assert_eq!(Arch::from_tag_suffix(tag), expect, "{tag}");
    }

    #[test]
    fn suffixes() {
        check("manylinux_2_17_ppc64le", Some(Arch::Ppc64le));
        check("manylinux_2_17_ppc64", Some(Arch::Ppc64));
        check("linux_x86_64", Some(Arch::X86_64));
        check("musllinux_1_2_armv7l", Some(Arch::Armv7l));
        check("manylinux1_i686", Some(Arch::I686));
        check("macosx_11_0_arm64", None);
        check("any", None);
    }

    #[test]
    fn round_trip() {
        for arch in Arch::ALL {
            assert_eq!(arch.as_str().parse::<Arch>(), Ok(arch));
        }
        assert!("sparc".parse::<Arch>().is_err());
    }
}
