//! [`DpkgDatabase`]: the dpkg database of a ROOT, read directly from its files, with no dpkg
//! or dpkg-dev program involved.
//!
//! * `var/lib/dpkg/status`: installed packages, versions, source packages;
//! * `var/lib/dpkg/info/<pkg>[:<arch>].list`: which package ships which path (indexed lazily,
//!   once, on the first ownership query);
//! * `var/lib/dpkg/info/<pkg>.{symbols,shlibs}`, `etc/dpkg/symbols/<pkg>.symbols[.<arch>]`,
//!   `etc/dpkg/shlibs.{override,default}`;
//! * `var/lib/dpkg/diversions`.
//!
//! Parsed files are cached for the lifetime of the database. The algorithm that uses them is
//! in `debian::backend`; the formats are parsed by `symbols`, `shlibs` and `deb822`.

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::rc::Rc;

use crate::DistroError;
use crate::debian::deb822::{InstalledPackage, installed_packages, parse_paragraphs};
use crate::debian::shlibs::ShlibsFile;
use crate::debian::symbols::SymbolsFile;
use crate::sysroot::SysRoot;

pub const STATUS: &str = "/var/lib/dpkg/status";
const INFO_DIR: &str = "/var/lib/dpkg/info";
const DIVERSIONS: &str = "/var/lib/dpkg/diversions";
const ARCH_FILE: &str = "/var/lib/dpkg/arch";
pub const SHLIBS_OVERRIDE: &str = "/etc/dpkg/shlibs.override";
pub const SHLIBS_DEFAULT: &str = "/etc/dpkg/shlibs.default";

pub struct DpkgDatabase {
    sysroot: SysRoot,
    /// Installed packages by info-file name (`libpq5:amd64`, `dpkg`).
    packages: BTreeMap<String, InstalledPackage>,
    /// path → owning packages (info-file names), built on first use.
    files: OnceCell<HashMap<String, Vec<String>>>,
    diversions: OnceCell<BTreeSet<String>>,
    symbols: RefCell<HashMap<String, Option<Rc<SymbolsFile>>>>,
    shlibs: RefCell<HashMap<String, Option<Rc<ShlibsFile>>>>,
}

impl DpkgDatabase {
    /// Open the database under `sysroot`; `Ok(None)` when there is no `var/lib/dpkg/status`.
    pub fn open(sysroot: SysRoot) -> Result<Option<DpkgDatabase>, DistroError> {
        let Some(status) = sysroot.read_text(STATUS)? else {
            return Ok(None);
        };
        let paragraphs = parse_paragraphs(&status, &sysroot.host_path(STATUS))?;
        Ok(Some(DpkgDatabase {
            packages: installed_packages(&paragraphs),
            sysroot,
            files: OnceCell::new(),
            diversions: OnceCell::new(),
            symbols: RefCell::new(HashMap::new()),
            shlibs: RefCell::new(HashMap::new()),
        }))
    }

    pub fn sysroot(&self) -> &SysRoot {
        &self.sysroot
    }

    /// The installed package with this info-file name (`libpq5:amd64`) or bare name.
    pub fn package(&self, name: &str) -> Option<&InstalledPackage> {
        self.packages.get(name).or_else(|| {
            self.packages
                .values()
                .find(|p| p.name == name.split(':').next().unwrap_or(name))
        })
    }

    /// dpkg's native architecture: the architecture of the `dpkg` package itself.
    pub fn native_arch(&self) -> Option<&str> {
        self.packages.get("dpkg").map(|p| p.architecture.as_str())
    }

    pub fn dpkg_version(&self) -> Option<&str> {
        self.packages.get("dpkg").map(|p| p.version.as_str())
    }

    /// The architectures this database can hold: the native one, those added with
    /// `dpkg --add-architecture`, and any an installed package has.
    pub fn architectures(&self) -> Result<BTreeSet<String>, DistroError> {
        let mut arches: BTreeSet<String> = self
            .packages
            .values()
            .map(|p| p.architecture.clone())
            .filter(|a| a != "all")
            .collect();
        if let Some(text) = self.sysroot.read_text(ARCH_FILE)? {
            arches.extend(text.split_whitespace().map(str::to_owned));
        }
        Ok(arches)
    }

    /// The packages whose `.list` names exactly `path`, sorted.
    pub fn owners_of(&self, path: &str) -> Result<Vec<String>, DistroError> {
        let files = match self.files.get() {
            Some(files) => files,
            None => {
                let index = self.read_file_lists()?;
                self.files.get_or_init(|| index)
            }
        };
        Ok(files.get(path).cloned().unwrap_or_default())
    }

    fn read_file_lists(&self) -> Result<HashMap<String, Vec<String>>, DistroError> {
        let mut index: HashMap<String, Vec<String>> = HashMap::new();
        for name in self.sysroot.list_dir(INFO_DIR) {
            let Some(package) = name.strip_suffix(".list") else {
                continue;
            };
            let path = format!("{INFO_DIR}/{name}");
            let Some(text) = self.sysroot.read_text(&path)? else {
                continue;
            };
            for line in text.lines().filter(|l| l.starts_with('/')) {
                let owners = index.entry(line.to_owned()).or_default();
                if !owners.iter().any(|o| o == package) {
                    owners.push(package.to_owned());
                }
            }
        }
        for owners in index.values_mut() {
            owners.sort();
        }
        Ok(index)
    }

    /// Whether `path` is the source of a `dpkg-divert`.
    pub fn is_diverted(&self, path: &str) -> Result<bool, DistroError> {
        if self.diversions.get().is_none() {
            let text = self.sysroot.read_text(DIVERSIONS)?.unwrap_or_default();
            // Records of three lines: from, to, package.
            let from: BTreeSet<String> = text
                .lines()
                .collect::<Vec<_>>()
                .chunks(3)
                .filter_map(|record| record.first().map(|l| (*l).to_owned()))
                .collect();
            let _ = self.diversions.set(from);
        }
        Ok(self.diversions.get().is_some_and(|d| d.contains(path)))
    }

    /// The symbols file dpkg-shlibdeps would use for `soname` in `package`: the first of
    /// `/etc/dpkg/symbols/<package>.symbols.<arch>`, `/etc/dpkg/symbols/<package>.symbols`
    /// and the package's control file that announces the soname.
    pub fn symbols_file_for(
        &self,
        package: &str,
        soname: &str,
        arch: &str,
    ) -> Result<Option<(String, Rc<SymbolsFile>)>, DistroError> {
        let candidates = [
            format!("/etc/dpkg/symbols/{package}.symbols.{arch}"),
            format!("/etc/dpkg/symbols/{package}.symbols"),
            format!("{INFO_DIR}/{package}.symbols"),
        ];
        for path in candidates {
            if let Some(file) = self.symbols_file(&path)?
                && file.announces(soname)
            {
                return Ok(Some((path, file)));
            }
        }
        Ok(None)
    }

    fn symbols_file(&self, path: &str) -> Result<Option<Rc<SymbolsFile>>, DistroError> {
        if let Some(cached) = self.symbols.borrow().get(path) {
            return Ok(cached.clone());
        }
        let parsed = match self.sysroot.read_text(path)? {
            Some(text) => {
                let sysroot = &self.sysroot;
                let mut load = |include: &Path| {
                    let include = include.to_str()?;
                    sysroot.read_text(include).ok().flatten()
                };
                Some(Rc::new(SymbolsFile::parse_with_includes(
                    &text,
                    Path::new(path),
                    &mut load,
                )?))
            }
            None => None,
        };
        self.symbols
            .borrow_mut()
            .insert(path.to_owned(), parsed.clone());
        Ok(parsed)
    }

    /// A shlibs file by in-root path, parsed once.
    pub fn shlibs_file(&self, path: &str) -> Result<Option<Rc<ShlibsFile>>, DistroError> {
        if let Some(cached) = self.shlibs.borrow().get(path) {
            return Ok(cached.clone());
        }
        let parsed = self
            .sysroot
            .read_text(path)?
            .map(|text| Rc::new(ShlibsFile::parse(&text, Path::new(path))));
        self.shlibs
            .borrow_mut()
            .insert(path.to_owned(), parsed.clone());
        Ok(parsed)
    }

    /// The in-root path of a package's control file (`shlibs`, `symbols`, ...).
    pub fn control_path(package: &str, kind: &str) -> String {
        format!("{INFO_DIR}/{package}.{kind}")
    }
}
