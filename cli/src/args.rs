//! The command-line interface as clap types, and nothing else: no behaviour lives here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "wheelfix",
    version,
    about = "Audit, repair and check Linux Python wheels",
    max_term_width = 100
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Report the best platform tag each wheel's contents justify, whether its claimed tags are
    /// true, and why a better tag is out of reach
    Audit(AuditArgs),
    /// Vendor external libraries into each wheel and retag it, writing one wheel per input; with
    /// `--distro debian`, record the distro packages the wheel links to instead
    Repair(RepairArgs),
    /// Merge the distro dependencies of many wheels or installed distributions into one
    /// `Depends` line (for debhelper substvars)
    Deps(DepsArgs),
    /// Print the resolved shared-library dependency tree of an ELF file
    Lddtree(LddtreeArgs),
    /// Inspect or edit one ELF file (SONAME, DT_NEEDED, RPATH/RUNPATH, strip)
    Elf(crate::commands::elf::ElfArgs),
    /// The pre-upload gate: PyPI's upload rules, RECORD integrity, true platform tags, abi3 and
    /// hygiene, each finding with a code, a severity and a hint
    Check(CheckArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Human,
    Json,
}

/// Where and how libraries are searched; shared by the commands that resolve dependencies.
#[derive(Debug, Args)]
pub(crate) struct SearchArgs {
    /// Colon-separated directories searched instead of ld.so.conf and the default directories
    /// (LD_LIBRARY_PATH is then ignored)
    #[arg(long, value_name = "PATHS")]
    pub(crate) ldpaths: Option<String>,
    /// Resolve libraries inside this unpacked target filesystem (a sysroot) instead of `/`
    #[arg(long, value_name = "DIR")]
    pub(crate) root: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    /// Wheel files, or directories whose `*.whl` files are audited
    #[arg(value_name = "WHEEL|DIR", required = true)]
    pub(crate) inputs: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
    /// Ask whether each wheel meets this tag as it is (e.g. `manylinux_2_17_x86_64`)
    #[arg(long, value_name = "TAG")]
    pub(crate) plat: Option<String>,
    /// Treat libraries whose soname or path matches this glob as provided elsewhere
    #[arg(long, value_name = "PATTERN")]
    pub(crate) exclude: Vec<String>,
    /// Do not check the x86-64 ISA level (GNU_PROPERTY_X86_ISA_1_NEEDED)
    #[arg(long)]
    pub(crate) disable_isa_ext_check: bool,
    #[command(flatten)]
    pub(crate) search: SearchArgs,
}

#[derive(Debug, Args)]
pub(crate) struct LddtreeArgs {
    /// An ELF file on disk
    pub(crate) file: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
    #[command(flatten)]
    pub(crate) search: SearchArgs,
}

#[derive(Debug, Args)]
pub(crate) struct RepairArgs {
    /// Wheel files, or directories whose `*.whl` files are repaired
    #[arg(value_name = "WHEEL|DIR", required = true)]
    pub(crate) inputs: Vec<PathBuf>,
    /// Directory to write the repaired wheels to (created if missing)
    #[arg(
        short = 'w',
        long = "wheel-dir",
        value_name = "DIR",
        default_value = "wheelhouse"
    )]
    pub(crate) wheel_dir: PathBuf,
    /// Target tag, or `auto` for the best reachable one
    #[arg(long, value_name = "TAG|auto", env = "AUDITWHEEL_PLAT")]
    pub(crate) plat: Option<String>,
    /// Write only the requested tag, even when a more compatible one is reachable
    #[arg(long)]
    pub(crate) only_plat: bool,
    /// Do not vendor libraries whose soname or path matches this glob (`libfoo.so*` matches
    /// every version); they are expected from another package
    #[arg(long, value_name = "PATTERN")]
    pub(crate) exclude: Vec<String>,
    /// Strip symbol tables and debug sections from every ELF file written (in-process)
    #[arg(long)]
    pub(crate) strip: bool,
    /// DEFLATE level (0-9, on zlib's scale) for the members wheelfix compresses
    #[arg(
        short = 'z',
        long = "zip-compression-level",
        value_name = "LEVEL",
        default_value_t = 6,
        env = "AUDITWHEEL_ZIP_COMPRESSION_LEVEL"
    )]
    pub(crate) zip_compression_level: u32,
    /// Keep the file name and WHEEL tags as they are
    #[arg(long)]
    pub(crate) no_update_tags: bool,
    /// Suffix of the directory vendored libraries go to: `<name><suffix>` at the wheel root
    #[arg(
        short = 'L',
        long = "lib-sdir",
        value_name = "SUFFIX",
        default_value = ".libs"
    )]
    pub(crate) lib_sdir: String,
    /// Do not check the x86-64 ISA level
    #[arg(long)]
    pub(crate) disable_isa_ext_check: bool,
    #[command(flatten)]
    pub(crate) search: SearchArgs,
    /// Keep the `linux_<arch>` tag and the dynamic links, and record the distro packages (with
    /// minimal versions) the wheel's libraries come from: `Requires-External` lines in METADATA
    /// and `.dist-info/wheelfix-system-deps.json`. Such a wheel is for your own index or a
    /// .deb, not for PyPI. `--exclude` then takes sonames
    #[arg(
        long,
        value_enum,
        value_name = "DISTRO",
        conflicts_with_all = ["only_plat", "disable_isa_ext_check", "ldpaths"]
    )]
    pub(crate) distro: Option<Distro>,
    /// Build tag for the file name and the WHEEL `Build:` header (starts with a digit, e.g.
    /// `1deb12`); keeps file names unique when one version is built for several distros
    #[arg(long, value_name = "TAG", requires = "distro")]
    pub(crate) build_tag: Option<String>,
    #[command(flatten)]
    pub(crate) distro_options: DistroArgs,
}

/// The package-manager family `--distro` computes dependencies for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Distro {
    /// dpkg-based systems (Debian, Ubuntu, ...), with dpkg-shlibdeps semantics
    Debian,
}

/// `--unowned`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Unowned {
    /// Fail, naming the library and its path
    Error,
    /// Graft it into the wheel, as manylinux repair does
    Vendor,
    /// Leave it out of the dependencies and record it as unresolved
    Ignore,
}

/// `--not-found`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum NotFound {
    /// Fail, naming the library
    Error,
    /// Record it as unresolved
    Ignore,
}

/// `--version-policy`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum VersionPolicy {
    /// Minimal versions from the symbols the wheel uses (symbols files, shlibs as fallback)
    Symbols,
    /// The shlibs files' versions, even when a symbols file exists
    Shlibs,
    /// `>=` the version installed on the build system
    Built,
}

/// The options of the distro mode, shared by `repair --distro` and `deps`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Distro mode (--distro debian)")]
pub(crate) struct DistroArgs {
    /// A library that no package owns (e.g. under /usr/local/lib)
    #[arg(long, value_enum, value_name = "POLICY", default_value_t = Unowned::Error, requires = "distro")]
    pub(crate) unowned: Unowned,
    /// A library that is found nowhere
    #[arg(long, value_enum, value_name = "POLICY", default_value_t = NotFound::Error, requires = "distro")]
    pub(crate) not_found: NotFound,
    /// Fail when a package owns a library but has no symbols or shlibs information for it
    /// (default: an unversioned dependency on the package, and a warning)
    #[arg(long, requires = "distro")]
    pub(crate) strict: bool,
    /// Leave this package out of the dependencies (like `dpkg-shlibdeps -x`)
    #[arg(long = "omit-package", value_name = "PKG", requires = "distro")]
    pub(crate) omit_packages: Vec<String>,
    /// Debian architecture of the target (default: from the wheel's ELF files)
    #[arg(long, value_name = "DEBARCH", requires = "distro")]
    pub(crate) arch: Option<String>,
    /// Where minimal versions come from
    #[arg(long, value_enum, value_name = "POLICY", default_value_t = VersionPolicy::Symbols, requires = "distro")]
    pub(crate) version_policy: VersionPolicy,
    /// Build-Depends to honour as debian/control would (`libpq-dev (>= 15)` raises libpq5)
    #[arg(long, value_name = "RELATIONS", requires = "distro")]
    pub(crate) build_depends: Option<String>,
    /// A debian/shlibs.local file whose entries override the packages' information
    #[arg(long, value_name = "FILE", requires = "distro")]
    pub(crate) shlibs_local: Option<PathBuf>,
    /// Write `<prefix>:Depends=...` into this deb-substvars file (created if missing), leaving
    /// its other variables alone; for many wheels, their merged dependencies
    #[arg(long, value_name = "FILE", requires = "distro")]
    pub(crate) substvars: Option<PathBuf>,
    /// The variable prefix `--substvars` writes (`${wheelfix:Depends}` in debian/control)
    #[arg(
        long,
        value_name = "PREFIX",
        default_value = "wheelfix",
        requires = "distro"
    )]
    pub(crate) substvars_prefix: String,
    /// Print the merged `Depends` value on stdout (the written wheels are then reported on
    /// stderr)
    #[arg(long, requires = "distro")]
    pub(crate) print_depends: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DepsArgs {
    /// Wheels (their sidecar if they were repaired with --distro, else their ELF files),
    /// site-packages directories (each installed distribution's sidecar, else the ELF files its
    /// RECORD lists), or directories of wheels
    #[arg(value_name = "WHEEL|SITE-PACKAGES|DIR", required = true)]
    pub(crate) inputs: Vec<PathBuf>,
    /// The package-manager family
    #[arg(long, value_enum, value_name = "DISTRO", required = true)]
    pub(crate) distro: Distro,
    /// A soname provided by something else (another wheel): no dependency is computed for it
    #[arg(long, value_name = "SONAME")]
    pub(crate) exclude: Vec<String>,
    /// Resolve libraries inside this unpacked target filesystem instead of `/`
    #[arg(long, value_name = "DIR")]
    pub(crate) root: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) options: DistroArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CheckFormat {
    Human,
    Json,
    /// GitHub Actions workflow annotations (`::error file=...::...`)
    Github,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Wheel files, directories (their `*.whl` files) or glob patterns (`dist/*.whl`)
    #[arg(value_name = "WHEEL|DIR|GLOB", required = true)]
    pub(crate) inputs: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub(crate) format: CheckFormat,
    /// Report only these rule codes or code prefixes (comma-separated, e.g. `P,R001`)
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub(crate) select: Vec<String>,
    /// Do not report these rule codes or code prefixes (comma-separated, e.g. `H001,M007`)
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub(crate) ignore: Vec<String>,
    #[command(flatten)]
    pub(crate) search: SearchArgs,
}
