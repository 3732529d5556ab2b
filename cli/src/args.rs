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
    /// Vendor external libraries into each wheel and retag it, writing one wheel per input
    Repair(RepairArgs),
    /// Print the resolved shared-library dependency tree of an ELF file
    Lddtree(LddtreeArgs),
    /// Inspect or edit one ELF file (SONAME, DT_NEEDED, RPATH/RUNPATH, strip)
    Elf(crate::commands::elf::ElfArgs),
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
    /// zlib level (0-9) for the members wheelfix compresses
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
}
