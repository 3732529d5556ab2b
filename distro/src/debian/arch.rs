//! Debian architecture names and multiarch triplets for the architectures wheels use.
//!
//! The mapping from an ELF header to a wheel [`Arch`] is `wheelfix-elf`'s; this module only
//! translates that to Debian's spelling (`x86_64` → `amd64`, `x86_64-linux-gnu`).

use std::fmt;

use wheelfix_tags::Arch;

/// A Debian architecture with its multiarch triplet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DebArch {
    pub name: &'static str,
    pub multiarch: &'static str,
    pub wheel_arch: Arch,
}

const TABLE: [DebArch; 9] = [
    DebArch {
        name: "amd64",
        multiarch: "x86_64-linux-gnu",
        wheel_arch: Arch::X86_64,
    },
    DebArch {
        name: "i386",
        multiarch: "i386-linux-gnu",
        wheel_arch: Arch::I686,
    },
    DebArch {
        name: "arm64",
        multiarch: "aarch64-linux-gnu",
        wheel_arch: Arch::Aarch64,
    },
    DebArch {
        name: "armhf",
        multiarch: "arm-linux-gnueabihf",
        wheel_arch: Arch::Armv7l,
    },
    DebArch {
        name: "ppc64el",
        multiarch: "powerpc64le-linux-gnu",
        wheel_arch: Arch::Ppc64le,
    },
    DebArch {
        name: "ppc64",
        multiarch: "powerpc64-linux-gnu",
        wheel_arch: Arch::Ppc64,
    },
    DebArch {
        name: "s390x",
        multiarch: "s390x-linux-gnu",
        wheel_arch: Arch::S390x,
    },
    DebArch {
        name: "riscv64",
        multiarch: "riscv64-linux-gnu",
        wheel_arch: Arch::Riscv64,
    },
    DebArch {
        name: "loong64",
        multiarch: "loongarch64-linux-gnu",
        wheel_arch: Arch::Loongarch64,
    },
];

impl DebArch {
    /// The Debian architecture of ELF files for wheel architecture `arch`.
    pub fn from_wheel_arch(arch: Arch) -> DebArch {
        // Every `Arch` has a row; the fallback is unreachable but keeps this total.
        TABLE
            .into_iter()
            .find(|row| row.wheel_arch == arch)
            .unwrap_or(TABLE[0])
    }

    /// Look up a Debian architecture name (`amd64`, `arm64`, ...).
    pub fn from_name(name: &str) -> Option<DebArch> {
        TABLE.into_iter().find(|row| row.name == name)
    }
}

impl fmt::Display for DebArch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wheel_arch_has_a_debian_name() {
        for arch in Arch::ALL {
            let deb = DebArch::from_wheel_arch(arch);
            assert_eq!(deb.wheel_arch, arch);
            assert_eq!(DebArch::from_name(deb.name), Some(deb));
        }
        assert_eq!(
            DebArch::from_wheel_arch(Arch::Armv7l).multiarch,
            "arm-linux-gnueabihf"
        );
        assert_eq!(DebArch::from_name("sparc64"), None);
    }
}
