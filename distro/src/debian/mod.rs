//! The Debian (dpkg family) backend: a re-implementation of dpkg-shlibdeps that reads the
//! dpkg database files directly, so neither dpkg-dev nor a running dpkg is needed and any
//! unpacked root can be analyzed.
//!
//! Per NEEDED library (in NEEDED order) and per owning package: a symbols file that announces
//! the soname wins (the dependency starts at the smallest minimal version in it), else a shlibs
//! entry (for libraries with a SONAME); then every undefined symbol of the file is looked up in
//! the symbols maps in NEEDED order and raises its template to the symbol's minimal version;
//! then Build-Depends can raise versions further. Formats live in the submodules; the
//! database files are read by [`dpkgdb`].

pub mod arch;
pub mod deb822;
pub mod dpkgdb;
pub mod relation;
pub mod render;
pub mod shlibs;
pub mod substvars;
pub mod symbols;
pub mod version;

use std::collections::HashSet;
use std::rc::Rc;

use wheelfix_tags::Arch;

use crate::analysis::{
    DistroConfig, InfoSource, PackageRecord, Requirement, Target, VersionPolicy,
};
use crate::backend::{Candidate, DistroBackend, ElfRequest, LibraryOutcome, Owner, Resolution};
use crate::depset::{BumpMode, DependencySet};
use crate::error::{DistroError, DistroWarning};
use crate::ldconf::{LdConfLine, absolute_pattern, expand_glob, parse_ld_so_conf, search_dirs};
use crate::osrelease::OsRelease;
use crate::sysroot::SysRoot;

use self::arch::DebArch;
use self::dpkgdb::{DpkgDatabase, SHLIBS_DEFAULT, SHLIBS_OVERRIDE};
use self::relation::{Clause, parse_relations};
use self::shlibs::ShlibsFile;
use self::symbols::{SymbolsFile, SymbolsLibrary};
use self::version::compare_versions;

const ET_DYN: u16 = 3;

/// Prefixes that merged-/usr systems make equivalent (`/lib` is a link to `/usr/lib`).
const USR_MERGED: [&str; 6] = ["/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin"];

pub struct DebianBackend {
    target: Target,
    arch: DebArch,
    db: DpkgDatabase,
    search_dirs: Vec<String>,
    shlibs_local: Option<ShlibsFile>,
    build_depends: Vec<Clause>,
}

impl DebianBackend {
    pub fn arch(&self) -> DebArch {
        self.arch
    }

    pub fn database(&self) -> &DpkgDatabase {
        &self.db
    }

    /// The other spelling of a path on a merged-/usr system (`/lib/x` ↔ `/usr/lib/x`).
    fn usr_alias(path: &str) -> Option<String> {
        for prefix in USR_MERGED {
            if let Some(rest) = path.strip_prefix(prefix).filter(|r| r.starts_with('/')) {
                return Some(format!("/usr{prefix}{rest}"));
            }
            let usr = format!("/usr{prefix}");
            if let Some(rest) = path.strip_prefix(&usr).filter(|r| r.starts_with('/')) {
                return Some(format!("{prefix}{rest}"));
            }
        }
        None
    }

    /// Symbols file, shlibs entry or nothing, for one candidate library of `soname`.
    fn library_info(
        &self,
        soname: &str,
        candidate: &Candidate,
        package: &str,
        config: &DistroConfig,
    ) -> Result<Option<LibraryInfo>, DistroError> {
        let local = self
            .shlibs_local
            .as_ref()
            .and_then(|file| file.lookup(soname, "deb").map(|entry| (file, entry)));
        if local.is_none()
            && config.version_policy != VersionPolicy::Shlibs
            && let Some((path, file)) = self.db.symbols_file_for(package, soname, self.arch.name)?
        {
            return Ok(Some(LibraryInfo::Symbols { path, file }));
        }
        let is_public = candidate
            .facts
            .as_ref()
            .is_some_and(|facts| facts.file_type == ET_DYN && facts.soname.is_some());
        if !is_public {
            return Ok(None);
        }
        if let Some((file, entry)) = local {
            return Ok(Some(LibraryInfo::Shlibs {
                source: InfoSource::ShlibsLocal,
                path: file.path.display().to_string(),
                dependencies: entry.dependencies.clone(),
            }));
        }
        let package_shlibs = DpkgDatabase::control_path(package, "shlibs");
        for path in [SHLIBS_OVERRIDE, package_shlibs.as_str(), SHLIBS_DEFAULT] {
            let Some(file) = self.db.shlibs_file(path)? else {
                continue;
            };
            if let Some(entry) = file.lookup(soname, "deb") {
                return Ok(Some(LibraryInfo::Shlibs {
                    source: InfoSource::Shlibs,
                    path: path.to_owned(),
                    dependencies: entry.dependencies.clone(),
                }));
            }
        }
        Ok(None)
    }

    fn installed_version(&self, name: &str) -> Option<String> {
        self.db.package(name).map(|p| p.version.clone())
    }
}

enum LibraryInfo {
    Symbols {
        path: String,
        file: Rc<SymbolsFile>,
    },
    Shlibs {
        source: InfoSource,
        path: String,
        dependencies: String,
    },
}

/// A soname whose symbols file was selected for the current ELF file.
struct SymbolsInUse<'a> {
    soname: &'a str,
    outcome: usize,
    path: String,
    file: Rc<SymbolsFile>,
}

impl SymbolsInUse<'_> {
    fn library(&self) -> Option<&SymbolsLibrary> {
        self.file.library(self.soname)
    }
}

impl DistroBackend for DebianBackend {
    fn detect(config: &DistroConfig, arch: Option<Arch>) -> Result<DebianBackend, DistroError> {
        let sysroot = SysRoot::new(&config.root);
        let os_release = match sysroot.read_text("/etc/os-release")? {
            Some(text) => OsRelease::parse(&text),
            None => OsRelease::parse(
                &sysroot
                    .read_text("/usr/lib/os-release")?
                    .unwrap_or_default(),
            ),
        };
        let Some(db) = DpkgDatabase::open(sysroot.clone())? else {
            return Err(DistroError::NoDpkgDatabase {
                os_id: os_release.id().to_owned(),
                status: sysroot.host_path(dpkgdb::STATUS),
            });
        };
        let native = db.native_arch().and_then(DebArch::from_name);
        let arch = match (&config.arch, arch) {
            (Some(name), _) => DebArch::from_name(name)
                .ok_or_else(|| DistroError::UnknownArchitecture(name.clone()))?,
            (None, Some(arch)) => DebArch::from_wheel_arch(arch),
            (None, None) => native.unwrap_or(DebArch::from_wheel_arch(Arch::X86_64)),
        };
        let arches = db.architectures()?;
        if !arches.contains(arch.name) {
            return Err(DistroError::ArchitectureMismatch {
                path: String::new(),
                elf_arch: arch.name.to_owned(),
                root_arch: arches.into_iter().collect::<Vec<_>>().join(", "),
                root: config.root.clone(),
            });
        }
        let foreign = native.is_some_and(|n| n != arch);
        let ld_dirs = read_ld_so_conf(&sysroot)?;
        let shlibs_local = match &config.shlibs_local {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| DistroError::Io {
                    path: path.clone(),
                    source,
                })?;
                Some(ShlibsFile::parse(&text, path))
            }
            None => None,
        };
        let build_depends = match &config.build_depends {
            Some(text) => parse_relations(text).map_err(|source| DistroError::InvalidRelation {
                context: "--build-depends".to_owned(),
                source,
            })?,
            None => Vec::new(),
        };
        Ok(DebianBackend {
            target: Target {
                family: "debian",
                root: config.root.clone(),
                os_release,
                arch: arch.name.to_owned(),
                multiarch: arch.multiarch.to_owned(),
                package_manager_version: db.dpkg_version().map(str::to_owned),
            },
            search_dirs: search_dirs(&ld_dirs, arch.multiarch, foreign),
            arch,
            db,
            shlibs_local,
            build_depends,
        })
    }

    fn target(&self) -> &Target {
        &self.target
    }

    fn sysroot(&self) -> &SysRoot {
        self.db.sysroot()
    }

    fn search_dirs(&self) -> &[String] {
        &self.search_dirs
    }

    /// Try the path, its merged-/usr alias, its real path and the real path's alias.
    fn owner(&self, path: &str) -> Result<Option<Owner>, DistroError> {
        let realpath = self.sysroot().realpath(path);
        let spellings = [
            Some(path.to_owned()),
            DebianBackend::usr_alias(path),
            realpath.clone(),
            realpath.as_deref().and_then(DebianBackend::usr_alias),
        ];
        for spelling in spellings.into_iter().flatten() {
            let packages = self.db.owners_of(&spelling)?;
            if !packages.is_empty() {
                return Ok(Some(Owner {
                    packages,
                    listed_path: spelling,
                }));
            }
        }
        Ok(None)
    }

    fn requirements(
        &self,
        request: &ElfRequest<'_>,
        config: &DistroConfig,
        deps: &mut DependencySet,
        warnings: &mut Vec<DistroWarning>,
    ) -> Result<Vec<LibraryOutcome>, DistroError> {
        let mut outcomes = Vec::with_capacity(request.libraries.len());
        let mut in_use: Vec<SymbolsInUse<'_>> = Vec::new();
        for library in request.libraries {
            let soname = library.soname.as_str();
            let mut outcome = None;
            let mut no_info = None;
            'candidates: for (index, candidate) in library.candidates.iter().enumerate() {
                let Some(owner) = &candidate.owner else {
                    continue;
                };
                for package in &owner.packages {
                    match self.library_info(soname, candidate, package, config)? {
                        Some(LibraryInfo::Symbols { path, file }) => {
                            let Some(symbols) = file.library(soname) else {
                                continue;
                            };
                            // Unversioned is not acceptable: the library may not always have
                            // been in this package. Start at the smallest version it lists
                            // ("0" counts as none, as in dpkg's Perl).
                            let smallest = symbols.smallest_version(0)?;
                            let initial = smallest
                                .map(|(_, entry)| entry.minver.as_str())
                                .filter(|v| *v != "0")
                                .unwrap_or("");
                            let template = symbols.dependency(0).unwrap_or_default();
                            deps.bump(
                                template,
                                initial,
                                Some(&format!("{soname} (smallest version in {path})")),
                                BumpMode::InsertOrRaise,
                            )
                            .map_err(|source| {
                                DistroError::InvalidVersion {
                                    context: format!("`{path}` for `{soname}`"),
                                    source,
                                }
                            })?;
                            if !symbols.patterns.is_empty() {
                                warnings.push(DistroWarning::PatternsIgnored {
                                    file: path.clone(),
                                    soname: soname.to_owned(),
                                    count: symbols.patterns.len(),
                                });
                            }
                            for w in &file.warnings {
                                warnings.push(DistroWarning::SkippedLine {
                                    file: w.file.clone(),
                                    line: w.line,
                                    problem: w.problem.clone(),
                                });
                            }
                            outcome = Some(Resolution {
                                candidate: index,
                                package: package.clone(),
                                info_source: InfoSource::Symbols,
                                info_file: Some(path.clone()),
                                symbols_used: 0,
                                min_version: (!initial.is_empty()).then(|| initial.to_owned()),
                                determining_symbol: None,
                            });
                            if !in_use.iter().any(|u| u.soname == soname) {
                                in_use.push(SymbolsInUse {
                                    soname,
                                    outcome: outcomes.len(),
                                    path,
                                    file,
                                });
                            }
                            break 'candidates;
                        }
                        Some(LibraryInfo::Shlibs {
                            source,
                            path,
                            dependencies,
                        }) => {
                            deps.set_unversioned(
                                &dependencies,
                                Some(&format!("{soname} ({path})")),
                            );
                            outcome = Some(Resolution {
                                candidate: index,
                                package: package.clone(),
                                info_source: source,
                                info_file: Some(path),
                                symbols_used: 0,
                                min_version: None,
                                determining_symbol: None,
                            });
                            break 'candidates;
                        }
                        None => {
                            no_info.get_or_insert((index, package.clone()));
                        }
                    }
                }
            }
            if let Some(resolution) = &outcome
                && let Some(candidate) = library.candidates.get(resolution.candidate)
                && self.db.is_diverted(&candidate.path)?
            {
                warnings.push(DistroWarning::Diverted {
                    path: candidate.path.clone(),
                });
            }
            let first_unowned = library.candidates.first().is_none_or(|c| c.owner.is_none());
            outcomes.push(match (outcome, no_info) {
                (Some(resolution), _) => LibraryOutcome::Resolved(resolution),
                (None, _) if first_unowned => LibraryOutcome::Unowned,
                (None, Some((candidate, package))) => LibraryOutcome::NoInfo { candidate, package },
                (None, None) => LibraryOutcome::Unowned,
            });
        }

        // Every undefined symbol raises the template of the first NEEDED library (in NEEDED
        // order) whose symbols file lists it.
        let mut seen = HashSet::new();
        for symbol in &request.facts.undefined_symbols {
            let version = symbol
                .version
                .as_ref()
                .map_or_else(|| "Base".to_owned(), ToString::to_string);
            let key = format!("{}@{version}", symbol.name);
            if !seen.insert(key.clone()) {
                continue;
            }
            let found = in_use.iter().find_map(|use_| {
                let entry = use_.library()?.lookup(&key)?;
                Some((use_, entry))
            });
            let Some((use_, entry)) = found else {
                let covered = symbol
                    .version_file
                    .as_ref()
                    .and_then(|file| in_use.iter().find(|u| *file == u.soname));
                if let (Some(use_), true) = (
                    covered,
                    symbol.version.is_some()
                        && symbol.binding == wheelfix_elf::SymbolBinding::Global,
                ) {
                    warnings.push(DistroWarning::SymbolNotInSymbolsFile {
                        symbol: key.clone(),
                        soname: use_.soname.to_owned(),
                        file: use_.path.clone(),
                        needed_by: request.path.to_owned(),
                    });
                }
                continue;
            };
            let minver = entry.validate()?;
            let Some(library) = use_.library() else {
                continue;
            };
            let Some(template) = library.dependency(entry.dep_id) else {
                warnings.push(DistroWarning::MissingTemplate {
                    file: use_.path.clone(),
                    soname: use_.soname.to_owned(),
                    symbol: key.clone(),
                    dep_id: entry.dep_id,
                });
                continue;
            };
            let origin = format!("{key} in {}", use_.soname);
            deps.bump(template, minver, Some(&origin), BumpMode::InsertOrRaise)
                .map_err(|source| DistroError::InvalidVersion {
                    context: format!("`{}` line {}", use_.path, entry.line),
                    source,
                })?;
            if let Some(LibraryOutcome::Resolved(resolution)) = outcomes.get_mut(use_.outcome) {
                resolution.symbols_used += 1;
                // The determining symbol is the first one reaching the highest version.
                if entry.dep_id == 0 && minver != "0" {
                    let raises = match &resolution.min_version {
                        None => true,
                        Some(current) => {
                            let order = compare_versions(minver, current).map_err(|source| {
                                DistroError::InvalidVersion {
                                    context: format!("`{}` line {}", use_.path, entry.line),
                                    source,
                                }
                            })?;
                            order.is_gt()
                                || (order.is_eq() && resolution.determining_symbol.is_none())
                        }
                    };
                    if raises {
                        resolution.min_version = Some(minver.to_owned());
                        resolution.determining_symbol = Some(key.clone());
                    }
                }
            }
        }

        // Build-Depends on the library's -dev package raises the existing clauses.
        for use_ in &in_use {
            let Some(library) = use_.library() else {
                continue;
            };
            for dev_package in library.build_depends_packages() {
                let minimum =
                    relation::min_version_for(&self.build_depends, dev_package, self.arch.name)
                        .map_err(|source| DistroError::InvalidVersion {
                            context: "--build-depends".to_owned(),
                            source,
                        })?;
                let Some(minimum) = minimum else {
                    continue;
                };
                let origin = format!("Build-Depends: {dev_package} (>= {minimum})");
                for template in &library.dependencies {
                    deps.bump(template, &minimum, Some(&origin), BumpMode::RaiseExisting)
                        .map_err(|source| DistroError::InvalidVersion {
                            context: format!("`{}`", use_.path),
                            source,
                        })?;
                }
                if let Some(LibraryOutcome::Resolved(resolution)) = outcomes.get_mut(use_.outcome) {
                    let raises = resolution.min_version.as_deref().is_none_or(|current| {
                        compare_versions(&minimum, current).is_ok_and(|o| o.is_gt())
                    });
                    if raises {
                        resolution.min_version = Some(minimum.clone());
                        resolution.determining_symbol = Some(origin.clone());
                    }
                }
            }
        }
        Ok(outcomes)
    }

    fn owner_clause(&self, package: &str) -> String {
        package.split(':').next().unwrap_or(package).to_owned()
    }

    fn render(
        &self,
        deps: &DependencySet,
        config: &DistroConfig,
    ) -> Result<Vec<Requirement>, DistroError> {
        let requirements = render::render_depends(deps, &config.omit_packages)?;
        if config.version_policy != VersionPolicy::Built {
            return Ok(requirements);
        }
        Ok(render::with_built_versions(requirements, &|name| {
            self.installed_version(name)
        }))
    }

    fn package(&self, name: &str) -> Option<PackageRecord> {
        self.db.package(name).map(|p| PackageRecord {
            name: p.name.clone(),
            version: p.version.clone(),
            architecture: p.architecture.clone(),
            source: p.source.clone(),
        })
    }
}

/// The directories of `ROOT/etc/ld.so.conf`, includes followed in order, each listed once.
fn read_ld_so_conf(sysroot: &SysRoot) -> Result<Vec<String>, DistroError> {
    let mut dirs = Vec::new();
    let mut visited = HashSet::new();
    read_ld_so_conf_file(sysroot, "/etc/ld.so.conf", &mut dirs, &mut visited)?;
    Ok(dirs)
}

fn read_ld_so_conf_file(
    sysroot: &SysRoot,
    path: &str,
    dirs: &mut Vec<String>,
    visited: &mut HashSet<String>,
) -> Result<(), DistroError> {
    if !visited.insert(path.to_owned()) {
        return Ok(());
    }
    let Some(text) = sysroot.read_text(path)? else {
        return Ok(());
    };
    for line in parse_ld_so_conf(&text) {
        match line {
            LdConfLine::Dir(dir) => {
                if !dirs.contains(&dir) {
                    dirs.push(dir);
                }
            }
            LdConfLine::Include(patterns) => {
                for pattern in patterns {
                    let pattern = absolute_pattern(&pattern, path);
                    let includes =
                        expand_glob(&pattern, &mut |dir| sysroot.list_dir(dir), &mut |file| {
                            sysroot.exists(file)
                        });
                    for include in includes {
                        read_ld_so_conf_file(sysroot, &include, dirs, visited)?;
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_usr_aliases() {
        let alias = DebianBackend::usr_alias;
        assert_eq!(
            alias("/lib/x86_64-linux-gnu/libc.so.6").as_deref(),
            Some("/usr/lib/x86_64-linux-gnu/libc.so.6")
        );
        assert_eq!(
            alias("/usr/lib/x86_64-linux-gnu/libpq.so.5").as_deref(),
            Some("/lib/x86_64-linux-gnu/libpq.so.5")
        );
        assert_eq!(
            alias("/lib64/ld-linux-x86-64.so.2").as_deref(),
            Some("/usr/lib64/ld-linux-x86-64.so.2")
        );
        assert_eq!(alias("/usr/lib64/x").as_deref(), Some("/lib64/x"));
        assert_eq!(alias("/usr/local/lib/libfoo.so.1"), None);
        assert_eq!(alias("/libfoo"), None);
    }
}
