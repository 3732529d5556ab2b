//! Wheel filenames and platform tags as parsed types.
//!
//! This crate is pure text: it knows the grammar of a wheel filename (PEP 427/491), the
//! platform tags of PEP 425, 600 and 656, and the architectures wheelfix supports. It does not
//! know about zip files, ELF, policies or the command line, and it depends on no other
//! wheelfix crate.

mod arch;
mod filename;
mod platform;

pub use arch::{Arch, ParseArchError};
pub use filename::{WheelFilename, WheelFilenameError, normalize_dist_name};
pub use platform::{Libc, ParsePlatformTagError, PlatformTag};
