//! auditwheel's manylinux and musllinux policy tables, embedded byte-for-byte in the binary
//! (`policies/data/*.json`, refreshed by `cargo xtask update-policies`), as a typed model.
//!
//! Loading validates the PEP 600 monotonicity auditwheel checks: walking from the most to the
//! least compatible policy, each whitelist and each per-architecture symbol-version set must
//! contain the previous one. This crate reads no files at run time and knows nothing about ELF:
//! it answers "what does policy P allow on architecture A".

use std::collections::{BTreeMap, BTreeSet, HashMap};
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
struct RawPolicy<'a> {
    name: String,
    aliases: Vec<String>,
    priority: u32,
    #[serde(borrow)]
    symbol_versions: BTreeMap<&'a str, SymbolVersions<'a>>,
    lib_whitelist: Vec<String>,
    blacklist: BTreeMap<String, Vec<String>>,
}

/// Symbol-version prefix (`GLIBC`, `GLIBCXX`, ...) → allowed versions (`2.17`, `3.4.19`, ...).
pub type SymbolVersions<'a> = BTreeMap<&'a str, Versions<'a>>;

/// The versions of one prefix in table order, borrowed from the policy JSON (which therefore
/// must not escape characters in them; auditwheel's never does).
///
/// The table is parsed at every start-up and lists ~10,000 versions; building owned sets of
/// them cost more than auditing a small wheel. A list holds a few dozen entries and is asked a
/// few hundred questions per audit, so a linear scan beats any index.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Versions<'a>(#[serde(borrow)] Vec<&'a str>);

impl Versions<'_> {
    pub fn contains(&self, version: &str) -> bool {
        self.0.contains(&version)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().copied()
    }

    /// The versions of `self` that `other` lacks, in order.
    fn missing_from(&self, other: &Versions<'_>) -> Vec<String> {
        // auditwheel usually appends new versions to the previous policy's list.
        if other.0.starts_with(&self.0) {
            return Vec::new();
        }
        let mut sorted = other.0.clone();
        sorted.sort_unstable();
        self.iter()
            .filter(|v| sorted.binary_search(v).is_err())
            .map(str::to_owned)
            .collect()
    }
}

/// One policy of the table, independent of architecture (names have no arch suffix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy<'a> {
    /// `linux`, `manylinux_2_17`, `musllinux_1_2`, ...
    pub name: String,
    /// Legacy names, e.g. `manylinux2014`.
    pub aliases: Vec<String>,
    /// Higher is more compatible; `linux` is 0.
    pub priority: u32,
    pub libc: Libc,
    symbol_versions: BTreeMap<Arch, SymbolVersions<'a>>,
    whitelist: BTreeSet<String>,
    /// Library → symbols that must not be referenced from it.
    pub blacklist: BTreeMap<String, BTreeSet<String>>,
}

impl<'a> Policy<'a> {
    /// The catch-all policy every wheel meets.
    pub fn is_linux(&self) -> bool {
        self.priority == 0
    }

    /// Whether this policy exists for `arch` (the catch-all exists for every arch).
    pub fn supports(&self, arch: Arch) -> bool {
        self.is_linux() || self.symbol_versions.contains_key(&arch)
    }

    /// The allowed symbol versions on `arch`, `None` for the catch-all or an unsupported arch.
    pub fn symbol_versions(&self, arch: Arch) -> Option<&SymbolVersions<'a>> {
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
}

/// All policies for one libc, most compatible first, the catch-all `linux` last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySet<'a> {
    pub libc: Libc,
    policies: Vec<Policy<'a>>,
}

impl<'a> PolicySet<'a> {
    /// Parse and validate a policy table in auditwheel's JSON format. Version strings borrow
    /// from `json`.
    pub fn parse(libc: Libc, json: &'a str) -> Result<PolicySet<'a>, PolicyError> {
        let raw: Vec<RawPolicy> =
            serde_json::from_str(json).map_err(|e| PolicyError::Json(e.to_string()))?;
        let mut policies = Vec::with_capacity(raw.len());
        for policy in raw {
            let mut symbol_versions = BTreeMap::new();
            for (arch_name, prefixes) in policy.symbol_versions {
                let arch: Arch = arch_name.parse().map_err(|_| PolicyError::UnknownArch {
                    policy: policy.name.clone(),
                    arch: arch_name.to_string(),
                })?;
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
    pub fn embedded(libc: Libc) -> Result<&'static PolicySet<'static>, PolicyError> {
        static MANYLINUX: OnceLock<Result<PolicySet<'static>, PolicyError>> = OnceLock::new();
        static MUSLLINUX: OnceLock<Result<PolicySet<'static>, PolicyError>> = OnceLock::new();
        let cell = match libc {
            Libc::Glibc => MANYLINUX.get_or_init(|| PolicySet::parse(Libc::Glibc, MANYLINUX_JSON)),
            Libc::Musl => MUSLLINUX.get_or_init(|| PolicySet::parse(Libc::Musl, MUSLLINUX_JSON)),
        };
        cell.as_ref().map_err(Clone::clone)
    }

    /// Every policy, most compatible first, `linux` last.
    pub fn all(&self) -> &[Policy<'a>] {
        &self.policies
    }

    /// The policies that exist on `arch`, most compatible first, `linux` last.
    pub fn for_arch(&self, arch: Arch) -> impl Iterator<Item = &Policy<'a>> {
        self.policies.iter().filter(move |p| p.supports(arch))
    }

    pub fn linux(&self) -> &Policy<'a> {
        // `parse` guarantees a last element that is the catch-all.
        &self.policies[self.policies.len() - 1]
    }

    pub fn by_name(&self, name: &str) -> Option<&Policy<'a>> {
        self.policies
            .iter()
            .find(|p| p.name == name || p.aliases.iter().any(|a| a == name))
    }

    /// The policy a platform tag names (`manylinux2014_x86_64` → `manylinux_2_17`), if it is of
    /// this libc and exists on the tag's architecture.
    pub fn by_tag(&self, tag: &PlatformTag) -> Option<&Policy<'a>> {
        let arch = tag.arch()?;
        if tag.libc() != Some(self.libc) {
            return None;
        }
        let canonical = tag.canonical().to_string();
        let base = canonical.strip_suffix(arch.as_str())?.strip_suffix('_')?;
        self.by_name(base).filter(|p| p.supports(arch))
    }
}

fn validate_monotonic(policies: &[Policy<'_>]) -> Result<(), PolicyError> {
    // Containment is transitive, so each policy is compared with the one before it only; an
    // (arch, prefix) that skips a policy is compared with the last policy that listed it.
    let mut previous_whitelist: Option<&BTreeSet<String>> = None;
    let mut previous_versions: HashMap<(Arch, &str), &Versions<'_>> = HashMap::new();
    for policy in policies.iter().filter(|p| !p.is_linux()) {
        if let Some(older) = previous_whitelist {
            let missing: Vec<String> = older.difference(&policy.whitelist).cloned().collect();
            if !missing.is_empty() {
                return Err(PolicyError::WhitelistNotMonotonic {
                    policy: policy.name.clone(),
                    missing,
                });
            }
        }
        previous_whitelist = Some(&policy.whitelist);
        for (arch, prefixes) in &policy.symbol_versions {
            for (prefix, allowed) in prefixes {
                let Some(older) = previous_versions.insert((*arch, *prefix), allowed) else {
                    continue;
                };
                let missing = older.missing_from(allowed);
                if !missing.is_empty() {
                    return Err(PolicyError::SymbolVersionsNotMonotonic {
                        policy: policy.name.clone(),
                        arch: arch.to_string(),
                        prefix: prefix.to_string(),
                        missing,
                    });
                }
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
    fn upstream_records_the_hashes_of_the_embedded_files() {
        use sha2::{Digest, Sha256};
        for (file, json) in [
            ("manylinux-policy.json", MANYLINUX_JSON),
            ("musllinux-policy.json", MUSLLINUX_JSON),
        ] {
            let digest: String = Sha256::digest(json.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert!(
                UPSTREAM.lines().any(|l| l == format!("{file} {digest}")),
                "data/{file} does not match UPSTREAM: edited by hand? run `cargo xtask update-policies`"
            );
        }
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
    fn monotonicity_ignores_list_order_and_spans_policies_without_the_arch() {
        let table = |newest_versions: &str| {
            format!(
                r#"[
          {{"name": "linux", "aliases": [], "priority": 0, "symbol_versions": {{}}, "lib_whitelist": [], "blacklist": {{}}}},
          {{"name": "manylinux_2_5", "aliases": [], "priority": 100, "symbol_versions": {{"i686": {{"GLIBC": ["2.1", "2.5"]}}, "x86_64": {{"GLIBC": ["2.5"]}}}}, "lib_whitelist": [], "blacklist": {{}}}},
          {{"name": "manylinux_2_12", "aliases": [], "priority": 90, "symbol_versions": {{"x86_64": {{"GLIBC": ["2.5", "2.12"]}}}}, "lib_whitelist": [], "blacklist": {{}}}},
          {{"name": "manylinux_2_17", "aliases": [], "priority": 80, "symbol_versions": {{"i686": {{"GLIBC": {newest_versions}}}, "x86_64": {{"GLIBC": ["2.17", "2.12", "2.5"]}}}}, "lib_whitelist": [], "blacklist": {{}}}}
        ]"#
            )
        };
        let reordered = table(r#"["2.5", "2.17", "2.1"]"#);
        let set = PolicySet::parse(Libc::Glibc, &reordered).unwrap();
        let allowed = &set
            .by_name("manylinux_2_17")
            .unwrap()
            .symbol_versions(Arch::I686)
            .unwrap()["GLIBC"];
        assert!(allowed.contains("2.1") && !allowed.contains("2.12"));
        // manylinux_2_12 has no i686 entry: manylinux_2_17 is still held to manylinux_2_5's.
        let gap = table(r#"["2.5", "2.17"]"#);
        assert_eq!(
            PolicySet::parse(Libc::Glibc, &gap).unwrap_err().to_string(),
            "policy `manylinux_2_17` on `i686` is missing GLIBC versions of more compatible policies: [\"2.1\"]"
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
