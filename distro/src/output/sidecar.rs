//! The sidecar file `<name>-<version>.dist-info/wheelfix-system-deps.json` (distro-metadata.md
//! §4.2): structured evidence per soname, the target's identity, PURLs, and soname
//! capabilities for rpm/apk/alpm. This is the only serializable form of an analysis; its
//! field names are a contract (`format_version` changes on a breaking change).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analysis::{DistroAnalysis, IgnoreReason, LibraryRecord, Requirement, UnresolvedReason};
use crate::debian::relation::RelationOp;
use crate::depset::{BumpMode, DependencySet};
use crate::error::DistroError;

pub const SIDECAR_NAME: &str = "wheelfix-system-deps.json";
const FORMAT: &str = "wheelfix-system-deps";
const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sidecar {
    pub format: String,
    pub format_version: u32,
    pub generator: String,
    pub target: SidecarTarget,
    pub depends: String,
    pub requires: Vec<SidecarRequirement>,
    pub libraries: Vec<SidecarLibrary>,
    pub glibc_max: Option<String>,
    pub internal: Vec<SidecarInternal>,
    pub ignored: Vec<SidecarIgnored>,
    pub unresolved: Vec<SidecarUnresolved>,
    #[serde(default)]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SidecarTarget {
    pub os_release: BTreeMap<String, Option<String>>,
    pub ecosystem: String,
    pub package_format: String,
    pub arch: String,
    pub multiarch: String,
    pub elf: Option<SidecarElf>,
    pub resolved_from: String,
    pub dpkg_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SidecarElf {
    pub class: u8,
    pub machine: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SidecarRequirement {
    pub relation: String,
    pub package: String,
    pub op: Option<String>,
    pub version: Option<String>,
    /// Further alternatives of an `a | b` clause (package names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<String>,
    /// The template clause and its minimal-version state: re-running step 6 on these merges
    /// sidecars exactly.
    pub template: String,
    #[serde(default)]
    pub minver: String,
    pub installed_version: Option<String>,
    pub source_package: Option<String>,
    pub purl: Option<String>,
    pub vers: Option<String>,
    pub depurl: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SidecarLibrary {
    pub soname: String,
    pub needed_by: Vec<String>,
    pub status: String,
    pub path: String,
    pub realpath: Option<String>,
    pub package: Option<String>,
    pub package_arch: Option<String>,
    pub package_version: Option<String>,
    pub info_source: Option<String>,
    pub info_file: Option<String>,
    pub symbols_used: usize,
    pub min_version: Option<String>,
    pub determining_symbol: Option<String>,
    pub verneed: Vec<String>,
    pub capabilities: Capabilities,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capabilities {
    pub rpm: Vec<String>,
    pub apk: Vec<String>,
    pub alpm: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SidecarInternal {
    pub soname: String,
    pub needed_by: String,
    pub member: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SidecarIgnored {
    pub soname: String,
    pub needed_by: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SidecarUnresolved {
    pub soname: String,
    pub needed_by: String,
    pub reason: String,
    pub path: Option<String>,
    pub package: Option<String>,
}

impl Sidecar {
    /// The sidecar of an analysis; `generator` is e.g. `wheelfix 0.1.0`.
    pub fn from_analysis(analysis: &DistroAnalysis, generator: &str) -> Sidecar {
        let target = &analysis.target;
        let os = &target.os_release;
        let os_release = ["ID", "ID_LIKE", "VERSION_ID", "VERSION_CODENAME"]
            .into_iter()
            .map(|key| (key.to_owned(), os.get(key).map(str::to_owned)))
            .collect();
        let id = os.id();
        let ecosystem = match os.version_id() {
            Some(version) => format!("{id}+{version}"),
            None => id.to_owned(),
        };
        let distro_qualifier = os.version_id().map(|v| format!("{id}-{v}"));
        let bits = analysis.elf.as_ref().map_or(64, |(bits, _)| *bits);
        let requires = analysis
            .requirements
            .iter()
            .map(|requirement| {
                sidecar_requirement(analysis, requirement, id, distro_qualifier.as_deref())
            })
            .collect();
        Sidecar {
            format: FORMAT.to_owned(),
            format_version: FORMAT_VERSION,
            generator: generator.to_owned(),
            target: SidecarTarget {
                os_release,
                ecosystem,
                package_format: "deb".to_owned(),
                arch: target.arch.clone(),
                multiarch: target.multiarch.clone(),
                elf: analysis.elf.as_ref().map(|(class, machine)| SidecarElf {
                    class: *class,
                    machine: machine.clone(),
                }),
                resolved_from: "root".to_owned(),
                dpkg_version: target.package_manager_version.clone(),
            },
            depends: super::depends_string(&analysis.requirements),
            requires,
            libraries: analysis
                .libraries
                .iter()
                .map(|library| sidecar_library(library, bits))
                .collect(),
            glibc_max: analysis.glibc_max.clone(),
            internal: analysis
                .internal
                .iter()
                .map(|link| SidecarInternal {
                    soname: link.soname.clone(),
                    needed_by: link.needed_by.clone(),
                    member: link.member.clone(),
                })
                .collect(),
            ignored: analysis
                .ignored
                .iter()
                .map(|link| SidecarIgnored {
                    soname: link.soname.clone(),
                    needed_by: link.needed_by.clone(),
                    reason: match link.reason {
                        IgnoreReason::Excluded => "excluded",
                        IgnoreReason::Libpython => "libpython",
                    }
                    .to_owned(),
                })
                .collect(),
            unresolved: analysis
                .unresolved
                .iter()
                .map(|link| {
                    let (reason, path, package) = match &link.reason {
                        UnresolvedReason::NotFound => ("not-found", None, None),
                        UnresolvedReason::Unowned { path } => ("unowned", Some(path.clone()), None),
                        UnresolvedReason::NoInfo { path, package } => {
                            ("no-info", Some(path.clone()), Some(package.clone()))
                        }
                    };
                    SidecarUnresolved {
                        soname: link.soname.clone(),
                        needed_by: link.needed_by.clone(),
                        reason: reason.to_owned(),
                        path,
                        package,
                    }
                })
                .collect(),
            warnings: analysis.warnings.iter().map(ToString::to_string).collect(),
        }
    }

    /// Pretty-printed JSON with a final newline.
    pub fn to_json(&self) -> String {
        // Serializing these plain structs cannot fail (no maps with non-string keys).
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    pub fn from_json(text: &str) -> Result<Sidecar, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The relations this sidecar's run wrote to METADATA.
    pub fn relations(&self) -> Vec<String> {
        self.requires.iter().map(|r| r.relation.clone()).collect()
    }

    /// The dependency state recorded in the sidecar, for merging without re-reading ELF files.
    pub fn dependency_set(&self) -> Result<DependencySet, DistroError> {
        let mut set = DependencySet::new();
        for requirement in &self.requires {
            set.bump(
                &requirement.template,
                &requirement.minver,
                None,
                BumpMode::InsertOrRaise,
            )
            .map_err(|source| DistroError::InvalidVersion {
                context: format!("sidecar requirement `{}`", requirement.relation),
                source,
            })?;
        }
        Ok(set)
    }
}

fn sidecar_requirement(
    analysis: &DistroAnalysis,
    requirement: &Requirement,
    distro_id: &str,
    distro: Option<&str>,
) -> SidecarRequirement {
    let first = requirement.clause.alternatives.first();
    let package = requirement.clause.package().to_owned();
    let (op, version) = match first.and_then(|d| d.version.as_ref()) {
        Some((op, version)) => (Some(*op), Some(version.clone())),
        None => (None, None),
    };
    let record = analysis.packages.get(&package);
    let purl = record.map(|record| {
        let mut purl = format!(
            "pkg:deb/{}/{}@{}?arch={}",
            purl_encode(distro_id),
            purl_encode(&package),
            purl_encode(&record.version),
            purl_encode(&record.architecture)
        );
        if let Some(distro) = distro {
            purl.push_str(&format!("&distro={}", purl_encode(distro)));
        }
        purl
    });
    let vers = (requirement.clause.alternatives.len() == 1).then(|| match (op, &version) {
        (Some(op), Some(version)) => {
            let comparator = match op {
                RelationOp::Lt => "<",
                RelationOp::Le => "<=",
                RelationOp::Eq => "",
                RelationOp::Ge => ">=",
                RelationOp::Gt => ">",
            };
            format!("vers:deb/{comparator}{version}")
        }
        _ => "vers:deb/*".to_owned(),
    });
    let depurl = analysis
        .libraries
        .iter()
        .filter(|library| library.package.as_deref() == Some(package.as_str()))
        .find_map(|library| depurl_for_soname(&library.soname))
        .map(str::to_owned);
    SidecarRequirement {
        relation: requirement.relation.clone(),
        package,
        op: op.map(|op| op.as_str().to_owned()),
        version,
        alternatives: requirement
            .clause
            .alternatives
            .iter()
            .skip(1)
            .map(|d| d.package.clone())
            .collect(),
        template: requirement.template.clone(),
        minver: requirement.minver.clone(),
        installed_version: record.map(|r| r.version.clone()),
        source_package: record.map(|r| r.source.clone()),
        purl,
        vers,
        depurl,
    }
}

fn sidecar_library(library: &LibraryRecord, bits: u8) -> SidecarLibrary {
    SidecarLibrary {
        soname: library.soname.clone(),
        needed_by: library.needed_by.clone(),
        status: if library.vendored {
            "unowned-vendored"
        } else {
            "system"
        }
        .to_owned(),
        path: library.path.clone(),
        realpath: library.realpath.clone(),
        package: library.package.clone(),
        package_arch: library.package_arch.clone(),
        package_version: library.package_version.clone(),
        info_source: library.info_source.map(|s| s.as_str().to_owned()),
        info_file: library.info_file.clone(),
        symbols_used: library.symbols_used,
        min_version: library.min_version.clone(),
        determining_symbol: library.determining_symbol.clone(),
        verneed: library.verneed.clone(),
        capabilities: capabilities(&library.soname, &library.verneed, bits),
    }
}

/// What rpm, apk and alpm would require for this soname (computed from the ELF alone).
pub fn capabilities(soname: &str, verneed: &[String], bits: u8) -> Capabilities {
    let marker = if bits == 64 { "(64bit)" } else { "" };
    let mut rpm = vec![format!("{soname}(){marker}")];
    rpm.extend(verneed.iter().map(|v| format!("{soname}({v}){marker}")));
    Capabilities {
        rpm,
        apk: vec![format!("so:{soname}")],
        alpm: vec![format!("lib:{soname}")],
    }
}

/// The PEP 725 DepURL of well-known libraries, by soname.
pub fn depurl_for_soname(soname: &str) -> Option<&'static str> {
    const TABLE: [(&str, &str); 12] = [
        ("libssl.so.", "dep:generic/openssl"),
        ("libcrypto.so.", "dep:generic/openssl"),
        ("libpq.so.", "dep:generic/libpq"),
        ("libz.so.", "dep:generic/zlib"),
        ("libffi.so.", "dep:generic/libffi"),
        ("libbz2.so.", "dep:generic/bzip2"),
        ("liblzma.so.", "dep:generic/xz"),
        ("libsqlite3.so.", "dep:generic/sqlite"),
        ("libxml2.so.", "dep:generic/libxml2"),
        ("libxslt.so.", "dep:generic/libxslt"),
        ("libcurl.so.", "dep:generic/curl"),
        ("libyaml-0.so.", "dep:generic/libyaml"),
    ];
    TABLE
        .iter()
        .find(|(prefix, _)| soname.starts_with(prefix))
        .map(|(_, depurl)| *depurl)
}

/// Percent-encode a PURL component: unreserved characters and `:` stay, the rest (`+`, ...)
/// is encoded.
fn purl_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b".-_~:".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purl_encoding() {
        assert_eq!(purl_encode("2.36-9+deb12u14"), "2.36-9%2Bdeb12u14");
        assert_eq!(purl_encode("1:1.2.13.dfsg-1"), "1:1.2.13.dfsg-1");
        assert_eq!(purl_encode("10~~"), "10~~");
    }

    #[test]
    fn rpm_apk_alpm_capabilities() {
        let caps = capabilities(
            "libc.so.6",
            &["GLIBC_2.14".to_owned(), "GLIBC_2.2.5".to_owned()],
            64,
        );
        assert_eq!(
            caps.rpm,
            [
                "libc.so.6()(64bit)",
                "libc.so.6(GLIBC_2.14)(64bit)",
                "libc.so.6(GLIBC_2.2.5)(64bit)"
            ]
        );
        assert_eq!(caps.apk, ["so:libc.so.6"]);
        assert_eq!(caps.alpm, ["lib:libc.so.6"]);
        assert_eq!(capabilities("libpq.so.5", &[], 32).rpm, ["libpq.so.5()"]);
    }

    #[test]
    fn depurls() {
        assert_eq!(depurl_for_soname("libpq.so.5"), Some("dep:generic/libpq"));
        assert_eq!(
            depurl_for_soname("libcrypto.so.3"),
            Some("dep:generic/openssl")
        );
        assert_eq!(depurl_for_soname("libc.so.6"), None);
        assert_eq!(depurl_for_soname("libzstd.so.1"), None);
    }
}
