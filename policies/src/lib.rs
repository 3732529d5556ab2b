//! auditwheel's manylinux and musllinux policy tables, embedded byte-for-byte in the binary
//! (`policies/data/*.json`, refreshed by `cargo xtask update-policies`), as a typed model.
//!
//! Loading validates the PEP 600 monotonicity auditwheel checks: walking from the most to the
//! least compatible policy, each whitelist and each per-architecture symbol-version set must
//! contain the previous one. This crate reads no files at run time and knows nothing about ELF:
//! it answers "what does policy P allow on architecture A".

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::Deserialize;
use wheelfix_tags::{Arch, Libc, PlatformTag};

pub const MANYLINUX_JSON: &str = include_str!("../data/manylinux-policy.json");
pub const MUSLLINUX_JSON: &str = include_str!("../data/musllinux-policy.json");
/// The auditwheel release the embedded tables were copied from, with their hashes.
pub const UPSTREAM: &str = include_str!("../data/UPSTREAM");

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("policy JSON does not parse: {0}")]
    Json(String),
    #[error(
        "policy `{policy}` is missing whitelisted libraries of more compatible policies: {missing:?}"
    )]
    WhitelistNotMonotonic {
        policy: String,
        missing: Vec<String>,
    },
    #[error(
        "policy `{policy}` on `{arch}` is missing {prefix} versions of more compatible policies: {missing:?}"
    )]
    SymbolVersionsNotMonotonic {
        policy: String,
        arch: String,
        prefix: String,
        missing: Vec<String>,
    },
    #[error("policy `{policy}` has an unknown architecture `{arch}`")]
    UnknownArch { policy: String, arch: String },
    #[error("policy table has no `linux` policy with priority 0")]
    NoLinuxPolicy,
    #[error("policies `{0}` and `{1}` have the same priority or name")]
    Ambiguous(String, String),
}

#[derive(Deserialize)]
struct RawPolicy {
    name: String,
    aliases: Vec<String>,
    priority: u32,
    symbol_versions: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    lib_whitelist: Vec<String>,
    blacklist: BTreeMap<String, Vec<String>>,
}

/// Symbol-version prefix (`GLIBC`, `GLIBCXX`, ...) → allowed versions (`2.17`, `3.4.19`, ...).
pub type SymbolVersions = BTreeMap<String, BTreeSet<String>>;

/// One policy of the table, independent of architecture (names have no arch suffix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// `linux`, `manylinux_2_17`, `musllinux_1_2`, ...
    pub name: String,
    /// Legacy names, e.g. `manylinux2014`.
    pub aliases: Vec<String>,
    /// Higher is more compatible; `linux` is 0.
    pub priority: u32,
    pub libc: Libc,
    symbol_versions: BTreeMap<Arch, SymbolVersions>,
    whitelist: BTreeSet<String>,
    /// Library → symbols that must not be referenced from it.
    pub blacklist: BTreeMap<String, BTreeSet<String>>,
}

impl Policy {
    /// The catch-all policy every wheel meets.
    pub fn is_linux(&self) -> bool {
        self.priority == 0
    }

    /// Whether this policy exists for `arch` (the catch-all exists for every arch).
    pub fn supports(&self, arch: Arch) -> bool {
        self.is_linux() || self.symbol_versions.contains_key(&arch)
    }

    /// The allowed symbol versions on `arch`, `None` for the catch-all or an unsupported arch.
    pub fn symbol_versions(&self, arch: Arch) -> Option<&SymbolVersions> {
        self.symbol_versions.get(&arch)
    }

    /// Whether `soname` is provided by every system this policy promises (the whitelist).
    pub fn whitelists(&self, soname: &str, arch: Arch) -> bool {
        match self.libc {
            Libc::Musl
                if self.whitelist.contains("libc.so")
                    && soname == format!("libc.musl-{}.so.1", arch.musl_suffix()) =>
            {
                true
            }
            _ => self.whitelist.contains(soname),
        }
    }

    /// The whitelist as it applies on `arch` (musl's `libc.so` spelled as its real soname).
    pub fn whitelist(&self, arch: Arch) -> BTreeSet<String> {
        self.whitelist
            .iter()
            .map(|lib| match (self.libc, lib.as_str()) {
                (Libc::Musl, "libc.so") => format!("libc.musl-{}.so.1", arch.musl_suffix()),
                _ => lib.clone(),
            })
            .collect()
    }

    /// The platform tag of this policy on `arch`.
    pub fn tag(&self, arch: Arch) -> PlatformTag {
        format!("{}_{arch}", self.name)
            .parse()
            .unwrap_or(PlatformTag::Linux(arch))
    }

    /// The tag and its legacy aliases on `arch`, primary tag first.
    pub fn tags(&self, arch: Arch) -> Vec<PlatformTag> {
        let mut tags = vec![self.tag(arch)];
        tags.extend(
            self.aliases
                .iter()
                .filter_map(|alias| format!("{alias}_{arch}").parse().ok()),
        );
        tags
    }

    /// The `(major, minor)` libc version in the policy name.
    pub fn libc_version(&self) -> Option<(u16, u16)> {
        let rest = self
            .name
            .strip_prefix("manylinux_")
            .or_else(|| self.name.strip_prefix("musllinux_"))?;
        let (major, minor) = rest.split_once('_')?;
        Some((major.parse().ok()?, minor.parse().ok()?))
    }
}

/// All policies for one libc, most compatible first, the catch-all `linux` last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySet {
    pub libc: Libc,
    policies: Vec<Policy>,
}

impl PolicySet {
    /// Parse and validate a policy table in auditwheel's JSON format.
    pub fn parse(libc: Libc, json: &str) -> Result<PolicySet, PolicyError> {
        let raw: Vec<RawPolicy> =
            serde_json::from_str(json).map_err(|e| PolicyError::Json(e.to_string()))?;
        let mut policies = Vec::with_capacity(raw.len());
        for policy in raw {
            let mut symbol_versions = BTreeMap::new();
            for (arch_name, prefixes) in &policy.symbol_versions {
                let arch: Arch = arch_name.parse().map_err(|_| PolicyError::UnknownArch {
                    policy: policy.name.clone(),
                    arch: arch_name.clone(),
                })?;
                let prefixes: SymbolVersions = prefixes
                    .iter()
                    .map(|(prefix, versions)| (prefix.clone(), versions.iter().cloned().collect()))
                    .collect();
                symbol_versions.insert(arch, prefixes);
            }
            policies.push(Policy {
                name: policy.name,
                aliases: policy.aliases,
                priority: policy.priority,
                libc,
                symbol_versions,
                whitelist: policy.lib_whitelist.into_iter().collect(),
                blacklist: policy
                    .blacklist
                    .into_iter()
                    .map(|(lib, syms)| (lib, syms.into_iter().collect()))
                    .collect(),
            });
        }
        policies.sort_by_key(|p| std::cmp::Reverse(p.priority));
        for pair in policies.windows(2) {
            if pair[0].priority == pair[1].priority || pair[0].name == pair[1].name {
                return Err(PolicyError::Ambiguous(
                    pair[0].name.clone(),
                    pair[1].name.clone(),
                ));
            }
        }
        if !policies.last().is_some_and(Policy::is_linux) {
            return Err(PolicyError::NoLinuxPolicy);
        }
        validate_monotonic(&policies)?;
        Ok(PolicySet { libc, policies })
    }

    /// The table embedded in this binary for `libc`.
    pub fn embedded(libc: Libc) -> Result<&'static PolicySet, PolicyError> {
        static MANYLINUX: OnceLock<Result<PolicySet, PolicyError>> = OnceLock::new();
        static MUSLLINUX: OnceLock<Result<PolicySet, PolicyError>> = OnceLock::new();
        let cell = match libc {
            Libc::Glibc => MANYLINUX.get_or_init(|| PolicySet::parse(Libc::Glibc, MANYLINUX_JSON)),
            Libc::Musl => MUSLLINUX.get_or_init(|| PolicySet::parse(Libc::Musl, MUSLLINUX_JSON)),
        };
        cell.as_ref().map_err(Clone::clone)
    }

    /// Every policy, most compatible first, `linux` last.
    pub fn all(&self) -> &[Policy] {
        &self.policies
    }

    /// The policies that exist on `arch`, most compatible first, `linux` last.
    pub fn for_arch(&self, arch: Arch) -> impl Iterator<Item = &Policy> {
        self.policies.iter().filter(move |p| p.supports(arch))
    }

    pub fn linux(&self) -> &Policy {
        // `parse` guarantees a last element that is the catch-all.
        &self.policies[self.policies.len() - 1]
    }

    pub fn by_name(&self, name: &str) -> Option<&Policy> {
        self.policies
            .iter()
            .find(|p| p.name == name || p.aliases.iter().any(|a| a == name))
    }

    /// The policy a platform tag names (`manylinux2014_x86_64` → `manylinux_2_17`), if it is of
    /// this libc and exists on the tag's architecture.
    pub fn by_tag(&self, tag: &PlatformTag) -> Option<&Policy> {
        let arch = tag.arch()?;
        if tag.libc() != Some(self.libc) {
            return None;
        }
        let canonical = tag.canonical().to_string();
        let base = canonical.strip_suffix(arch.as_str())?.strip_suffix('_')?;
        self.by_name(base).filter(|p| p.supports(arch))
    }
}

fn validate_monotonic(policies: &[Policy]) -> Result<(), PolicyError> {
    let mut whitelist: BTreeSet<&String> = BTreeSet::new();
    let mut versions: BTreeMap<(Arch, &String), BTreeSet<&String>> = BTreeMap::new();
    for policy in policies.iter().filter(|p| !p.is_linux()) {
        let missing: Vec<String> = whitelist
            .iter()
            .filter(|lib| !policy.whitelist.contains(**lib))
            .map(|s| (*s).clone())
            .collect();
        if !missing.is_empty() {
            return Err(PolicyError::WhitelistNotMonotonic {
                policy: policy.name.clone(),
                missing,
            });
        }
        whitelist.extend(policy.whitelist.iter());
        for (arch, prefixes) in &policy.symbol_versions {
            for (prefix, allowed) in prefixes {
                let seen = versions.entry((*arch, prefix)).or_default();
                let missing: Vec<String> = seen
                    .iter()
                    .filter(|v| !allowed.contains(**v))
                    .map(|s| (*s).clone())
                    .collect();
                if !missing.is_empty() {
                    return Err(PolicyError::SymbolVersionsNotMonotonic {
                        policy: policy.name.clone(),
                        arch: arch.to_string(),
                        prefix: prefix.clone(),
                        missing,
                    });
                }
                seen.extend(allowed.iter());
            }
        }
    }
    Ok(())
}

/// Split a version node such as `GLIBC_2.17` into its prefix and version at the first `_`,
/// as auditwheel does (`GLIBCXX_3.4.21` → `GLIBCXX`, `3.4.21`).
pub fn split_symbol_version(node: &str) -> (&str, &str) {
    node.split_once('_').unwrap_or((node, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_tables_load_and_validate() {
        let glibc = PolicySet::embedded(Libc::Glibc).unwrap();
        let musl = PolicySet::embedded(Libc::Musl).unwrap();
        assert!(glibc.all().len() > 15);
        assert_eq!(musl.all().len(), 3);
        // Every policy on every arch produces a tag that parses back to the same policy.
        for set in [glibc, musl] {
            for arch in Arch::ALL {
                for policy in set.for_arch(arch).filter(|p| !p.is_linux()) {
                    for tag in policy.tags(arch) {
                        assert_eq!(
                            set.by_tag(&tag).map(|p| &p.name),
                            Some(&policy.name),
                            "{tag}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn upstream_hashes_name_the_embedded_files() {
        assert!(UPSTREAM.contains("manylinux-policy.json"));
        assert!(UPSTREAM.contains("musllinux-policy.json"));
    }

    #[track_caller]
    fn check_arches(name: &str, expect: &str) {
        let set = PolicySet::embedded(Libc::Glibc).unwrap();
        let policy = set.by_name(name).unwrap();
        let arches: Vec<&str> = Arch::ALL
            .iter()
            .filter(|a| policy.supports(**a))
            .map(|a| a.as_str())
            .collect();
        assert_eq!(arches.join(","), expect);
    }

    #[test]
    fn architecture_availability() {
        check_arches("manylinux1", "x86_64,i686");
        check_arches(
            "manylinux_2_17",
            "x86_64,i686,aarch64,armv7l,ppc64le,ppc64,s390x",
        );
        check_arches("manylinux_2_24", "x86_64,i686,aarch64,armv7l,ppc64le,s390x");
        check_arches(
            "manylinux_2_31",
            "x86_64,i686,aarch64,armv7l,ppc64le,s390x,riscv64",
        );
        check_arches(
            "manylinux_2_36",
            "x86_64,i686,aarch64,armv7l,ppc64le,s390x,riscv64,loongarch64",
        );
    }

    #[test]
    fn musl_libc_soname_is_spelled_per_arch() {
        let musl = PolicySet::embedded(Libc::Musl).unwrap();
        let policy = musl.by_name("musllinux_1_2").unwrap();
        assert!(policy.whitelists("libc.musl-x86_64.so.1", Arch::X86_64));
        assert!(policy.whitelists("libc.musl-x86.so.1", Arch::I686));
        assert!(policy.whitelists("libc.musl-armv7.so.1", Arch::Armv7l));
        assert!(!policy.whitelists("libc.so.6", Arch::X86_64));
    }

    #[test]
    fn rejects_non_monotonic_tables() {
        let json = r#"[
          {"name": "linux", "aliases": [], "priority": 0, "symbol_versions": {}, "lib_whitelist": [], "blacklist": {}},
          {"name": "manylinux_2_5", "aliases": [], "priority": 100, "symbol_versions": {"x86_64": {"GLIBC": ["2.5"]}}, "lib_whitelist": ["libc.so.6"], "blacklist": {}},
          {"name": "manylinux_2_12", "aliases": [], "priority": 90, "symbol_versions": {"x86_64": {"GLIBC": ["2.12"]}}, "lib_whitelist": ["libc.so.6"], "blacklist": {}}
        ]"#;
        assert_eq!(
            PolicySet::parse(Libc::Glibc, json).unwrap_err().to_string(),
            "policy `manylinux_2_12` on `x86_64` is missing GLIBC versions of more compatible policies: [\"2.5\"]"
        );
        let json = json.replace(
            r#""lib_whitelist": ["libc.so.6"], "blacklist": {}},
          {"name": "manylinux_2_12""#,
            r#""lib_whitelist": ["libc.so.6", "libm.so.6"], "blacklist": {}},
          {"name": "manylinux_2_12""#,
        );
        assert_eq!(
            PolicySet::parse(Libc::Glibc, &json)
                .unwrap_err()
                .to_string(),
            "policy `manylinux_2_12` is missing whitelisted libraries of more compatible policies: [\"libm.so.6\"]"
        );
    }

    #[test]
    fn splits_version_nodes() {
        assert_eq!(split_symbol_version("GLIBC_2.17"), ("GLIBC", "2.17"));
        assert_eq!(
            split_symbol_version("GLIBCXX_3.4.21"),
            ("GLIBCXX", "3.4.21")
        );
        assert_eq!(split_symbol_version("CXXABI_TM_1"), ("CXXABI", "TM_1"));
        assert_eq!(split_symbol_version("GLIBC_PRIVATE"), ("GLIBC", "PRIVATE"));
    }
}
