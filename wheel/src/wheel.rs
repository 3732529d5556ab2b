//! [`Wheel`]: a wheel opened from its bytes without extracting anything — its filename, its
//! `.dist-info` (WHEEL, METADATA, RECORD), where each member installs, and which members are ELF
//! files (found by magic bytes, reading only their first bytes).
//!
//! Validation that any consumer needs lives here: path traversal, duplicate names, a missing
//! or ambiguous `.dist-info`, RECORD entries that name no member. Policy decisions do not.

use std::collections::{BTreeMap, BTreeSet};

use wheelfix_tags::{WheelFilename, WheelFilenameError};

use crate::metadata::{self, HeaderFile, RecordEntry, TextError};
use crate::zip::{ZipArchive, ZipEntry, ZipError};

/// Why a wheel could not be read. Every variant names the member (or the wheel part) at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WheelError {
    #[error(transparent)]
    Filename(#[from] WheelFilenameError),
    #[error(transparent)]
    Zip(#[from] ZipError),
    #[error("member `{member}` escapes the wheel (absolute path or `..` component)")]
    PathTraversal { member: String },
    #[error("member `{member}` appears {count} times in the archive")]
    DuplicateMember { member: String, count: usize },
    #[error("no `.dist-info` directory with a WHEEL file (expected `{expected}`)")]
    NoDistInfo { expected: String },
    #[error("more than one `.dist-info` directory: {0:?}")]
    MultipleDistInfo(Vec<String>),
    #[error("`{member}` is missing")]
    MissingFile { member: String },
    #[error("`{member}` is not valid UTF-8")]
    NotUtf8 { member: String },
    #[error("`{member}` {source}")]
    MalformedText { member: String, source: TextError },
    #[error("RECORD lists `{member}`, which is not in the archive")]
    RecordListsMissingFile { member: String },
    #[error("RECORD lists `{member}` more than once")]
    RecordDuplicate { member: String },
    #[error("member `{member}`: {problem}")]
    RecordMismatch { member: String, problem: String },
}

/// Where a member is installed, from its path and `Root-Is-Purelib`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstallScheme {
    Purelib,
    Platlib,
    Scripts,
    Headers,
    Data,
    DistInfo,
    /// `.data/<unknown>/`
    Other,
}

impl InstallScheme {
    /// The scheme of a path below `<name>.data/`, from its first component (`purelib/pkg/x.py`
    /// → `Purelib`).
    pub fn of_data_path(below_data_dir: &str) -> InstallScheme {
        match below_data_dir.split('/').next() {
            Some("purelib") => InstallScheme::Purelib,
            Some("platlib") => InstallScheme::Platlib,
            Some("scripts") => InstallScheme::Scripts,
            Some("headers") => InstallScheme::Headers,
            Some("data") => InstallScheme::Data,
            _ => InstallScheme::Other,
        }
    }
}

/// A member of the wheel.
#[derive(Debug, Clone)]
pub struct Member {
    /// The archive entry index.
    pub index: usize,
    pub path: String,
    pub scheme: InstallScheme,
    pub is_dir: bool,
}

/// A parsed wheel borrowing the archive bytes.
#[derive(Debug)]
pub struct Wheel<'a> {
    pub filename: WheelFilename,
    archive: ZipArchive<'a>,
    members: Vec<Member>,
    by_path: BTreeMap<String, usize>,
    dist_info: String,
    pub wheel_file: HeaderFile,
    pub metadata: HeaderFile,
    /// The METADATA text exactly as stored.
    pub metadata_text: String,
    pub record: Vec<RecordEntry>,
    /// Path → index into `record`, so that per-member lookups stay cheap on wheels with
    /// thousands of files.
    record_index: BTreeMap<String, usize>,
}

impl<'a> Wheel<'a> {
    /// Open a wheel given its file name (the base name, which carries the tags) and its bytes.
    pub fn open(file_name: &str, bytes: &'a [u8]) -> Result<Wheel<'a>, WheelError> {
        let filename: WheelFilename = file_name.parse()?;
        let archive = ZipArchive::parse(bytes)?;

        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for entry in archive.entries() {
            check_member_path(&entry.name)?;
            *counts.entry(entry.name.as_str()).or_default() += 1;
        }
        if let Some((member, count)) = counts.iter().find(|(_, c)| **c > 1) {
            return Err(WheelError::DuplicateMember {
                member: (*member).to_owned(),
                count: *count,
            });
        }

        let dist_info = find_dist_info(&archive, &filename)?;
        let by_path: BTreeMap<String, usize> = archive
            .entries()
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.clone(), i))
            .collect();
        let read_text = |name: &str| -> Result<Option<String>, WheelError> {
            let Some(&index) = by_path.get(name) else {
                return Ok(None);
            };
            let bytes = archive.read(&archive.entries()[index])?;
            String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| WheelError::NotUtf8 {
                    member: name.to_owned(),
                })
        };
        let parse_headers = |name: &str, text: &str| {
            HeaderFile::parse(text).map_err(|source| WheelError::MalformedText {
                member: name.to_owned(),
                source,
            })
        };
        let wheel_path = format!("{dist_info}/WHEEL");
        let wheel_text = read_text(&wheel_path)?.ok_or_else(|| WheelError::MissingFile {
            member: wheel_path.clone(),
        })?;
        let wheel_file = parse_headers(&wheel_path, &wheel_text)?;
        let metadata_path = format!("{dist_info}/METADATA");
        let metadata_text = read_text(&metadata_path)?.ok_or_else(|| WheelError::MissingFile {
            member: metadata_path.clone(),
        })?;
        let metadata = parse_headers(&metadata_path, &metadata_text)?;
        let record_path = format!("{dist_info}/RECORD");
        let record_text = read_text(&record_path)?.ok_or_else(|| WheelError::MissingFile {
            member: record_path.clone(),
        })?;
        let record =
            metadata::parse_record(&record_text).map_err(|source| WheelError::MalformedText {
                member: record_path.clone(),
                source,
            })?;
        let mut record_index = BTreeMap::new();
        for (row, entry) in record.iter().enumerate() {
            if !by_path.contains_key(&entry.path) {
                return Err(WheelError::RecordListsMissingFile {
                    member: entry.path.clone(),
                });
            }
            if let (Some(size), Some(&index)) = (entry.size, by_path.get(&entry.path))
                && size != archive.entries()[index].uncompressed_size
            {
                let actual = archive.entries()[index].uncompressed_size;
                return Err(WheelError::RecordMismatch {
                    member: entry.path.clone(),
                    problem: format!("RECORD says {size} bytes but the archive holds {actual}"),
                });
            }
            if record_index.insert(entry.path.clone(), row).is_some() {
                return Err(WheelError::RecordDuplicate {
                    member: entry.path.clone(),
                });
            }
        }

        let root_is_purelib = wheel_file
            .get("Root-Is-Purelib")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        let data_dir = format!("{}.data/", dist_info.trim_end_matches(".dist-info"));
        let dist_info_prefix = format!("{dist_info}/");
        let members = archive
            .entries()
            .iter()
            .enumerate()
            .map(|(index, entry)| Member {
                index,
                path: entry.name.clone(),
                scheme: scheme_of(&entry.name, &data_dir, &dist_info_prefix, root_is_purelib),
                is_dir: entry.is_dir(),
            })
            .collect();
        Ok(Wheel {
            filename,
            archive,
            members,
            by_path,
            dist_info,
            wheel_file,
            metadata,
            metadata_text,
            record,
            record_index,
        })
    }

    pub fn archive(&self) -> &ZipArchive<'a> {
        &self.archive
    }

    /// See [`ZipArchive::set_release_hook`].
    pub fn set_release_hook(&mut self, hook: crate::zip::ReleaseFn<'a>) {
        self.archive.set_release_hook(hook);
    }

    pub fn members(&self) -> &[Member] {
        &self.members
    }

    pub fn member(&self, path: &str) -> Option<&Member> {
        self.by_path.get(path).map(|&i| &self.members[i])
    }

    pub fn entry(&self, member: &Member) -> &ZipEntry {
        &self.archive.entries()[member.index]
    }

    /// The `<name>-<version>.dist-info` directory name.
    pub fn dist_info(&self) -> &str {
        &self.dist_info
    }

    /// Read a member's bytes, checking size and CRC against the archive. RECORD sizes were
    /// checked when the wheel was opened; the RECORD hash is checked by
    /// [`Wheel::read_verified`].
    pub fn read(&self, member: &Member) -> Result<Vec<u8>, WheelError> {
        Ok(self.archive.read(self.entry(member))?)
    }

    /// [`Wheel::read`] into a reusable buffer.
    pub fn read_into(&self, member: &Member, out: &mut Vec<u8>) -> Result<(), WheelError> {
        Ok(self.archive.read_into(self.entry(member), out)?)
    }

    /// [`Wheel::read`], plus the RECORD hash.
    pub fn read_verified(&self, member: &Member) -> Result<Vec<u8>, WheelError> {
        let bytes = self.archive.read(self.entry(member))?;
        if let Some(problem) = self.record_mismatch(member, &bytes) {
            return Err(WheelError::RecordMismatch {
                member: member.path.clone(),
                problem,
            });
        }
        Ok(bytes)
    }

    /// Whether `bytes` (the content of `member`) disagrees with its RECORD hash, and how.
    /// (Sizes need no check here: `open` compared RECORD's with the archive's, and reading
    /// compares the archive's with the data.)
    pub fn record_mismatch(&self, member: &Member, bytes: &[u8]) -> Option<String> {
        let (_, digest) = metadata::record_sha256(bytes);
        self.record_digest_mismatch(&member.path, &digest)
    }

    /// Whether `digest` (RECORD's urlsafe-base64 SHA-256 of the content at `path`) disagrees
    /// with the RECORD row for `path`, and how. Rows without a sha256 hash agree.
    pub fn record_digest_mismatch(&self, path: &str, digest: &str) -> Option<String> {
        let row = &self.record[*self.record_index.get(path)?];
        match &row.hash {
            Some((algorithm, expected)) if algorithm == "sha256" && expected != digest => {
                Some(format!(
                    "RECORD hash sha256={expected} does not match the content (sha256={digest})"
                ))
            }
            _ => None,
        }
    }

    /// Members whose content starts with the ELF magic number. Only the first bytes of each
    /// member are decompressed.
    pub fn elf_members(&self) -> Result<Vec<&Member>, WheelError> {
        let mut found = Vec::new();
        let mut inflater = flate2::Decompress::new(false);
        for member in &self.members {
            if member.is_dir || self.entry(member).uncompressed_size < 4 {
                continue;
            }
            let prefix = self
                .archive
                .read_prefix_with(self.entry(member), 4, &mut inflater)?;
            if prefix == b"\x7fELF" {
                found.push(member);
            }
        }
        Ok(found)
    }
}

fn check_member_path(name: &str) -> Result<(), WheelError> {
    let bad = name.starts_with('/')
        || name.contains('\\')
        || name.contains('\0')
        || name.split('/').any(|c| c == ".." || c == ".")
        || name.get(1..3) == Some(":/");
    if bad {
        return Err(WheelError::PathTraversal {
            member: name.to_owned(),
        });
    }
    Ok(())
}

fn find_dist_info(
    archive: &ZipArchive<'_>,
    filename: &WheelFilename,
) -> Result<String, WheelError> {
    let mut found: BTreeSet<&str> = BTreeSet::new();
    for entry in archive.entries() {
        if let Some((top, rest)) = entry.name.split_once('/')
            && top.ends_with(".dist-info")
            && rest == "WHEEL"
        {
            found.insert(top);
        }
    }
    let expected = filename.dist_info_dir();
    match found.len() {
        0 => Err(WheelError::NoDistInfo { expected }),
        1 => Ok(found
            .iter()
            .next()
            .map(|s| (*s).to_owned())
            .unwrap_or(expected)),
        _ => {
            // Several .dist-info directories: take the one the filename names, as pip does.
            let normalized =
                |s: &str| wheelfix_tags::normalize_dist_name(s.trim_end_matches(".dist-info"));
            let wanted = normalized(&expected);
            let matching: Vec<&&str> = found.iter().filter(|d| normalized(d) == wanted).collect();
            match matching.as_slice() {
                [one] => Ok((**one).to_owned()),
                _ => Err(WheelError::MultipleDistInfo(
                    found.iter().map(|s| (*s).to_owned()).collect(),
                )),
            }
        }
    }
}

fn scheme_of(
    path: &str,
    data_dir: &str,
    dist_info_prefix: &str,
    root_is_purelib: bool,
) -> InstallScheme {
    if path.starts_with(dist_info_prefix) {
        return InstallScheme::DistInfo;
    }
    if let Some(rest) = path.strip_prefix(data_dir) {
        return InstallScheme::of_data_path(rest);
    }
    if root_is_purelib {
        InstallScheme::Purelib
    } else {
        InstallScheme::Platlib
    }
}
