//! [`ElfName`]: a string read from an ELF string table, kept as the exact bytes.
//!
//! ELF does not promise UTF-8. Names stay bytes so that a lookup or a rewrite never changes
//! them; they are escaped only when displayed.

use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ElfName(Box<[u8]>);

impl ElfName {
    pub fn new(bytes: &[u8]) -> ElfName {
        ElfName(bytes.into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The name as `&str` when it is valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// The name as text, with invalid bytes escaped as `\xNN`.
    pub fn to_string_lossy(&self) -> String {
        self.to_string()
    }
}

impl From<&str> for ElfName {
    fn from(value: &str) -> Self {
        ElfName::new(value.as_bytes())
    }
}

impl PartialEq<str> for ElfName {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for ElfName {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == other.as_bytes()
    }
}

impl fmt::Display for ElfName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.0.utf8_chunks() {
            f.write_str(chunk.valid())?;
            for byte in chunk.invalid() {
                write!(f, "\\x{byte:02x}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for ElfName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_invalid_utf8_only_for_display() {
        let name = ElfName::new(b"caf\xe9.so");
        assert_eq!(name.to_string(), "caf\\xe9.so");
        assert_eq!(name.as_bytes(), b"caf\xe9.so");
        assert!(name.as_str().is_none());
        assert_eq!(ElfName::from("libc.so.6"), "libc.so.6");
    }
}
