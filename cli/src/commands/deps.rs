//! `wheelfix deps --distro debian WHEEL|SITE-PACKAGES|DIR...`: one `Depends` line for many
//! wheels or installed distributions (the dh-virtualenv case: a whole virtualenv in one .deb).
//!
//! Each input contributes its sidecar when it has one (a wheel repaired with `--distro`, or an
//! installed distribution whose `.dist-info/wheelfix-system-deps.json` pip copied), else the
//! analysis of its ELF files (a wheel's ELF members, or the ELF files an installed
//! distribution's RECORD lists). Contributions merge clause by clause, keeping the highest
//! minimal version. Sidecars alone need no dpkg database, so merging works on any host.
//!
//! Output: the `Depends` value on stdout (`--print-depends`, or when there is no
//! `--substvars`), `<prefix>:Depends=` into `--substvars FILE`. Nothing is output unless every
//! input could be read. Exit status: 0 when the dependencies were output, 1 when an input cannot
//! be brought to a complete dependency list here or inputs were made for different targets, 2
//! when an input or the dpkg database could not be read.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use wheelfix_distro::{DependencySet, SIDECAR_NAME, WheelElf, merge_dependencies};
use wheelfix_elf::ElfFacts;
use wheelfix_wheel::Wheel;
use wheelfix_wheel::metadata::parse_record;

use crate::args::DepsArgs;
use crate::commands::ExitStatus;
use crate::commands::distro::{
    Backends, Failure, check_options, config, parse_sidecar, wheel_elves, wheel_sidecar,
    write_substvars,
};
use crate::commands::repair::note;
use crate::input::{file_name, read_file};

/// One input: a wheel file, or a `.dist-info` directory in a site-packages directory.
enum Input {
    Wheel(PathBuf),
    Installed { site: PathBuf, dist_info: PathBuf },
}

impl Input {
    fn path(&self) -> &Path {
        match self {
            Input::Wheel(path) => path,
            Input::Installed { dist_info, .. } => dist_info,
        }
    }
}

/// What one input adds to the merge.
struct Contribution {
    dependencies: DependencySet,
    /// `(ecosystem, arch)`, e.g. `("debian+12", "amd64")`.
    target: (String, String),
    from_sidecar: bool,
}

pub(crate) fn run(args: &DepsArgs) -> Result<ExitStatus> {
    check_options(&args.options)?;
    let root = args.root.clone().unwrap_or_else(|| "/".into());
    if !root.is_dir() {
        bail!("--root {}: not a directory", root.display());
    }
    let inputs = expand_inputs(&args.inputs)?;
    let mut backends = Backends::new(config(&args.options, &root, &args.exclude));

    let mut status = ExitStatus::Success;
    let mut contributions: Vec<(PathBuf, Contribution)> = Vec::new();
    for input in &inputs {
        match contribution(input, &mut backends) {
            Ok(Some(found)) => contributions.push((input.path().to_path_buf(), found)),
            Ok(None) => {}
            Err(failure) => {
                failure.report(input.path(), "compute its dependencies");
                status = status.max(failure.status());
            }
        }
    }
    if status != ExitStatus::Success {
        note("no dependencies written: every input must be readable");
        return Ok(status);
    }
    if let Some((first_path, first)) = contributions.first()
        && let Some((other_path, other)) =
            contributions.iter().find(|(_, c)| c.target != first.target)
    {
        note(&format!(
            "{}: cannot merge: made for {} {}, but {} was made for {} {}",
            other_path.display(),
            other.target.0,
            other.target.1,
            first_path.display(),
            first.target.0,
            first.target.1
        ));
        return Ok(ExitStatus::Failure);
    }

    let options = &args.options;
    let merged = merge_dependencies(
        contributions.iter().map(|(_, c)| &c.dependencies),
        &options.omit_packages,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let sidecars = contributions.iter().filter(|(_, c)| c.from_sidecar).count();
    note(&format!(
        "merged {} input(s) with dependencies: {sidecars} from sidecars, {} scanned",
        contributions.len(),
        contributions.len() - sidecars
    ));
    if let Some(path) = &options.substvars {
        write_substvars(path, &options.substvars_prefix, &merged.depends())?;
    }
    if options.print_depends || options.substvars.is_none() {
        write!(std::io::stdout().lock(), "{}", merged.print_depends())?;
    }
    Ok(status)
}

/// Wheel files as given; a directory holding `*.dist-info` is a site-packages directory (one
/// input per installed distribution), else its `*.whl` files are the inputs.
fn expand_inputs(paths: &[PathBuf]) -> Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path)
            .with_context(|| format!("{}: cannot access", path.display()))?;
        if !metadata.is_dir() {
            inputs.push(Input::Wheel(path.clone()));
            continue;
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("{}: cannot list directory", path.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        let dist_infos: Vec<&PathBuf> = entries
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "dist-info") && p.is_dir())
            .collect();
        if !dist_infos.is_empty() {
            inputs.extend(dist_infos.into_iter().map(|dist_info| Input::Installed {
                site: path.clone(),
                dist_info: dist_info.clone(),
            }));
            continue;
        }
        let wheels: Vec<&PathBuf> = entries
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "whl") && p.is_file())
            .collect();
        if wheels.is_empty() {
            bail!(
                "{}: neither a site-packages directory (no `*.dist-info`) nor a directory of wheels",
                path.display()
            );
        }
        inputs.extend(wheels.into_iter().cloned().map(Input::Wheel));
    }
    Ok(inputs)
}

/// The input's dependencies; `None` when it has no ELF files.
fn contribution(input: &Input, backends: &mut Backends) -> Result<Option<Contribution>, Failure> {
    match input {
        Input::Wheel(path) => {
            let bytes = read_file(path).map_err(Failure::error)?;
            let wheel = Wheel::open(&file_name(path), &bytes).map_err(Failure::error)?;
            if let Some(sidecar) = wheel_sidecar(&wheel).map_err(Failure::Error)? {
                return from_sidecar(&sidecar).map(Some);
            }
            let elves = wheel_elves(&wheel).map_err(Failure::Error)?;
            scanned(&elves, path, backends)
        }
        Input::Installed { site, dist_info } => {
            let sidecar_path = dist_info.join(SIDECAR_NAME);
            if sidecar_path.is_file() {
                let text = std::fs::read_to_string(&sidecar_path).map_err(|e| {
                    Failure::Error(format!("cannot read `{}`: {e}", sidecar_path.display()))
                })?;
                let sidecar = parse_sidecar(&text).map_err(|problem| {
                    Failure::Error(format!("`{}`: {problem}", sidecar_path.display()))
                })?;
                return from_sidecar(&sidecar).map(Some);
            }
            let elves = installed_elves(site, dist_info)?;
            scanned(&elves, dist_info, backends)
        }
    }
}

fn from_sidecar(sidecar: &wheelfix_distro::Sidecar) -> Result<Contribution, Failure> {
    Ok(Contribution {
        dependencies: sidecar.dependency_set()?,
        target: (
            sidecar.target.ecosystem.clone(),
            sidecar.target.arch.clone(),
        ),
        from_sidecar: true,
    })
}

fn scanned(
    elves: &[WheelElf],
    input: &Path,
    backends: &mut Backends,
) -> Result<Option<Contribution>, Failure> {
    if elves.is_empty() {
        return Ok(None);
    }
    let config = backends.config().clone();
    let analysis = backends.analyze(elves, &config)?;
    for warning in &analysis.warnings {
        note(&format!("warning: {}: {warning}", input.display()));
    }
    let sidecar = analysis.sidecar("wheelfix");
    Ok(Some(Contribution {
        dependencies: analysis.dependencies,
        target: (sidecar.target.ecosystem, sidecar.target.arch),
        from_sidecar: false,
    }))
}

/// The ELF files an installed distribution's RECORD lists (paths relative to site-packages,
/// as pip writes them), by those paths.
fn installed_elves(site: &Path, dist_info: &Path) -> Result<Vec<WheelElf>, Failure> {
    let record_path = dist_info.join("RECORD");
    let text = std::fs::read_to_string(&record_path).map_err(|e| {
        Failure::Error(format!(
            "cannot read `{}` to find the installed files: {e}",
            record_path.display()
        ))
    })?;
    let record = parse_record(&text)
        .map_err(|e| Failure::Error(format!("`{}` {e}", record_path.display())))?;
    let mut elves = Vec::new();
    for entry in record {
        let file = site.join(&entry.path);
        let Ok(mut handle) = std::fs::File::open(&file) else {
            continue; // RECORD may list files removed since (`.pyc`), like pip tolerates
        };
        let mut magic = [0u8; 4];
        if std::io::Read::read_exact(&mut handle, &mut magic).is_err() || magic != *b"\x7fELF" {
            continue;
        }
        let bytes = std::fs::read(&file)
            .map_err(|e| Failure::Error(format!("cannot read `{}`: {e}", file.display())))?;
        let facts = ElfFacts::parse(&bytes).map_err(|e| {
            Failure::Error(format!(
                "`{}` is not a usable ELF file: {e}",
                file.display()
            ))
        })?;
        elves.push(WheelElf {
            path: entry.path,
            facts,
        });
    }
    Ok(elves)
}
