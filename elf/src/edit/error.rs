//! [`EditError`]: why an edit was refused or the input could not be edited.
//!
//! Each variant names the structure that was bad or the rule that refused the edit. Values in
//! messages are in backticks. Nothing here formats bytes for a terminal beyond `ElfName`'s
//! escaping.

use crate::ElfName;

/// Why [`apply`](super::apply) produced no output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    #[error("not an ELF file (bad magic number)")]
    NotElf,
    #[error("unsupported ELF file: {0}")]
    Unsupported(String),
    /// The input violates the ELF format in `structure`.
    #[error("malformed {structure}: {problem}")]
    Malformed {
        structure: &'static str,
        problem: String,
    },
    /// The edit itself is invalid, whatever the input.
    #[error("invalid edit: {0}")]
    InvalidEdit(String),
    #[error("no DT_NEEDED entry names `{0}`")]
    NeededNotFound(ElfName),
    /// Removing `library` would leave symbols bound to versions nobody provides.
    #[error(
        "refusing to remove DT_NEEDED `{library}`: .gnu.version still references its versions {} from {symbols} dynamic symbol(s)",
        versions.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
    )]
    VersionsStillReferenced {
        library: ElfName,
        versions: Vec<ElfName>,
        symbols: usize,
    },
    /// The result would not be representable (for example an ELF32 offset above 4 GiB).
    #[error("cannot lay out the edited file: {0}")]
    Layout(String),
}

impl EditError {
    pub(crate) fn malformed(structure: &'static str, problem: impl Into<String>) -> EditError {
        EditError::Malformed {
            structure,
            problem: problem.into(),
        }
    }
}

/// Shorthand for the result type of this module.
pub(crate) type Result<T, E = EditError> = std::result::Result<T, E>;
