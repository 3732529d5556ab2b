//! Carrying out a [`RepairPlan`]: graft and patch libraries, patch the wheel's ELF files, retag,
//! regenerate RECORD, and write the new wheel deterministically and atomically, after
//! re-auditing it. This is the only place wheelfix writes a wheel.
//!
//! Members that do not change are copied raw (no recompression) after their content is checked
//! against the input RECORD; edited and grafted files are compressed in parallel. The output
//! goes to a temporary file that is audited again and renamed only if every tag it carries
//! holds.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use wheelfix_audit::HostFs;
use wheelfix_elf::ElfName;
use wheelfix_elf::edit::{EditError, ElfEdit, RpathEdit};
use wheelfix_tags::WheelFilename;
use wheelfix_wheel::metadata::{RecordEntry, record_sha256, render_record, urlsafe_b64_nopad};
use wheelfix_wheel::write::{Compression, DosDateTime, PreparedData, ZipWriter, prepare};
use wheelfix_wheel::{AtomicFile, Wheel, WheelError};

use crate::plan::RepairPlan;
use crate::retag;

/// Why a repair could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum RepairError {
    #[error(transparent)]
    Wheel(#[from] WheelError),
    #[error("cannot edit `{member}`: {source}")]
    Edit { member: String, source: EditError },
    #[error("cannot read `{}` to vendor `{soname}`: {source}", path.display())]
    ReadLibrary {
        soname: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the repaired wheel failed its own audit, so it was not written: {0}")]
    Reaudit(String),
    #[error(
        "cannot add `{0}` to `.dist-info`: not a plain file name, or a file wheelfix writes itself"
    )]
    DistInfoFile(String),
}

/// Options that shape the output but not the decisions.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// Strip `.symtab`/`.strtab`/`.debug*` from every ELF written (in-process).
    pub strip: bool,
    /// DEFLATE level 0–9 (zlib's scale) for newly compressed members.
    pub compression_level: u32,
    /// The timestamp of every entry (`SOURCE_DATE_EPOCH`, or 1980-01-01).
    pub timestamp: DosDateTime,
    /// Rewrite the file name and WHEEL tags (`--no-update-tags` turns it off).
    pub update_tags: bool,
}

/// A library copied into the wheel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grafted {
    pub soname: String,
    pub new_name: String,
    pub source: PathBuf,
}

/// The result of a repair.
#[derive(Debug, Clone)]
pub struct Repaired {
    pub path: PathBuf,
    pub filename: WheelFilename,
    pub grafted: Vec<Grafted>,
}

/// One member of the output, in output order.
enum Output {
    /// Copied raw from the input member with this index.
    Raw { index: usize },
    /// New content.
    New(Vec<u8>),
}

/// An output member ready to be written: its stored bytes come raw from the input, or were
/// compressed in step 5.
enum Stored {
    Raw { index: usize },
    Compressed(PreparedData),
}

/// Apply `plan` to `wheel` and write the result into `out_dir`. `verify` audits the written
/// wheel (before it is renamed into place) and says what is wrong with it, if anything.
pub fn apply(
    wheel: &Wheel<'_>,
    plan: &RepairPlan,
    host: &dyn HostFs,
    out_dir: &Path,
    options: &WriteOptions,
    known_digests: &BTreeMap<String, String>,
    verify: &dyn Fn(&Path, &str) -> Result<(), String>,
) -> Result<Repaired, RepairError> {
    if let Some((name, _)) = plan
        .metadata
        .dist_info_files
        .iter()
        .find(|(name, _)| !is_addable_dist_info_file(name))
    {
        return Err(RepairError::DistInfoFile(name.clone()));
    }

    // 1. Grafted libraries, dependencies first, so that each name can hash its dependencies'.
    let mut graft_names: Vec<String> = Vec::with_capacity(plan.grafts.len());
    let mut graft_bytes: Vec<Vec<u8>> = Vec::with_capacity(plan.grafts.len());
    for graft in &plan.grafts {
        let source = host
            .read_bytes(&graft.source)
            .map_err(|source| RepairError::ReadLibrary {
                soname: graft.soname.clone(),
                path: graft.source.clone(),
                source,
            })?;
        let renames: Vec<(ElfName, ElfName)> = graft
            .needs
            .iter()
            .filter_map(|&d| {
                graft_names.get(d).map(|new| {
                    (
                        ElfName::from(plan.grafts[d].soname.as_str()),
                        ElfName::from(new.as_str()),
                    )
                })
            })
            .collect();
        let edit = ElfEdit {
            replace_needed: renames.clone(),
            rpath: Some(if renames.is_empty() {
                RpathEdit::Remove
            } else {
                RpathEdit::SetRpath(ElfName::from("$ORIGIN"))
            }),
            strip: options.strip,
            ..ElfEdit::default()
        };
        let member = format!("{}/{}", plan.libs_dir, graft.soname);
        let patched =
            wheelfix_elf::edit::apply(&source, &edit).map_err(|source| RepairError::Edit {
                member: member.clone(),
                source,
            })?;
        let mut hasher = Sha256::new();
        hasher.update(&patched);
        for (_, new) in &renames {
            hasher.update(new.as_bytes());
            hasher.update([0]);
        }
        let digest = hasher.finalize();
        let hash: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
        let new_name = hashed_name(&graft.soname, &hash);
        let soname_edit = ElfEdit {
            set_soname: Some(ElfName::from(new_name.as_str())),
            ..ElfEdit::default()
        };
        let named = wheelfix_elf::edit::apply(&patched, &soname_edit)
            .map_err(|source| RepairError::Edit { member, source })?;
        graft_names.push(new_name);
        graft_bytes.push(named);
    }

    // 2. The wheel's own ELF files.
    let mut edited: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut moved: BTreeMap<String, String> = BTreeMap::new();
    let elf_paths: Vec<String> = if options.strip {
        wheel
            .elf_members()?
            .iter()
            .map(|m| m.path.clone())
            .collect()
    } else {
        plan.edits.keys().cloned().collect()
    };
    let results: Vec<Result<(String, Vec<u8>), RepairError>> = elf_paths
        .par_iter()
        .map(|path| {
            let member = wheel.member(path).ok_or_else(|| {
                RepairError::Wheel(WheelError::MissingFile {
                    member: path.clone(),
                })
            })?;
            let bytes = wheel.read_verified(member)?;
            let edit = match plan.edits.get(path) {
                Some(planned) => ElfEdit {
                    replace_needed: planned
                        .replace_needed
                        .iter()
                        .map(|(old, index)| {
                            (
                                ElfName::from(old.as_str()),
                                ElfName::from(graft_names[*index].as_str()),
                            )
                        })
                        .collect(),
                    remove_needed: planned
                        .remove_needed
                        .iter()
                        .map(|n| ElfName::from(n.as_str()))
                        .collect(),
                    rpath: planned
                        .rpath
                        .as_ref()
                        .map(|r| RpathEdit::SetRpath(ElfName::from(r.as_str()))),
                    strip: options.strip,
                    ..ElfEdit::default()
                },
                None => ElfEdit {
                    strip: true,
                    ..ElfEdit::default()
                },
            };
            let output =
                wheelfix_elf::edit::apply(&bytes, &edit).map_err(|source| RepairError::Edit {
                    member: path.clone(),
                    source,
                })?;
            Ok((path.clone(), output))
        })
        .collect();
    for result in results {
        let (path, bytes) = result?;
        if let Some(to) = plan.edits.get(&path).and_then(|e| e.moved_to.clone()) {
            moved.insert(path.clone(), to);
        }
        edited.insert(path, bytes);
    }

    // 3. The new file name, WHEEL and METADATA.
    let mut filename = if options.update_tags {
        retag::filename(&wheel.filename, &plan.tags)
    } else {
        wheel.filename.clone()
    };
    if let Some(build) = &plan.metadata.build_tag {
        filename = filename.with_build_tag(Some(build));
    }
    let dist_info = wheel.dist_info().to_owned();
    let wheel_member = format!("{dist_info}/WHEEL");
    let metadata_member = format!("{dist_info}/METADATA");
    let record_member = format!("{dist_info}/RECORD");
    let wheel_text = wheel
        .member(&wheel_member)
        .map(|m| wheel.read_verified(m))
        .transpose()?
        .unwrap_or_default();
    let mut new_wheel_text = String::from_utf8_lossy(&wheel_text).into_owned();
    if options.update_tags {
        new_wheel_text = retag::wheel_file(&new_wheel_text, filename.platform_tags());
    }
    if let Some(build) = &plan.metadata.build_tag {
        new_wheel_text = retag::set_build(&new_wheel_text, build);
    }
    let new_wheel_text = new_wheel_text.into_bytes();

    // 4. The output members, in output order: everything sorted, `.dist-info` last, RECORD at
    // the very end.
    let mut outputs: BTreeMap<String, (Output, u32)> = BTreeMap::new();
    for member in wheel.members() {
        let path = &member.path;
        if member.is_dir
            || *path == record_member
            || path.ends_with(".dist-info/RECORD.jws")
            || path.ends_with(".dist-info/RECORD.p7s")
        {
            continue;
        }
        let entry = wheel.entry(member);
        let executable = entry.unix_mode().is_some_and(|m| m & 0o111 != 0);
        if *path == wheel_member {
            outputs.insert(path.clone(), (Output::New(new_wheel_text.clone()), 0o644));
        } else if *path == metadata_member && plan.metadata.metadata.is_some() {
            let text = plan.metadata.metadata.clone().unwrap_or_default();
            outputs.insert(path.clone(), (Output::New(text.into_bytes()), 0o644));
        } else if let Some(to) = moved.get(path) {
            let bytes = edited.remove(path).unwrap_or_default();
            outputs.insert(to.clone(), (Output::New(bytes), 0o755));
            outputs.insert(
                path.clone(),
                (Output::New(script_shim(to).into_bytes()), 0o755),
            );
        } else if let Some(bytes) = edited.remove(path) {
            outputs.insert(path.clone(), (Output::New(bytes), 0o755));
        } else {
            let mode = if executable || is_elf_member(wheel, member) {
                0o755
            } else {
                0o644
            };
            outputs.insert(
                path.clone(),
                (
                    Output::Raw {
                        index: member.index,
                    },
                    mode,
                ),
            );
        }
    }
    // Files the plan adds to `.dist-info` (the distro mode's sidecar), replacing any earlier
    // copy.
    for (name, bytes) in &plan.metadata.dist_info_files {
        outputs.insert(
            format!("{dist_info}/{name}"),
            (Output::New(bytes.clone()), 0o644),
        );
    }
    for (name, bytes) in graft_names.iter().zip(graft_bytes) {
        outputs.insert(
            format!("{}/{name}", plan.libs_dir),
            (Output::New(bytes), 0o755),
        );
    }
    let dist_info_prefix = format!("{dist_info}/");
    let mut order: Vec<String> = outputs
        .keys()
        .filter(|p| !p.starts_with(&dist_info_prefix))
        .cloned()
        .collect();
    order.extend(
        outputs
            .keys()
            .filter(|p| p.starts_with(&dist_info_prefix))
            .cloned(),
    );

    // 5. Content checks and RECORD rows: raw members are decompressed and hashed (checking the
    // input RECORD), new ones compressed; both in parallel.
    let level = options.compression_level;
    let prepared: Vec<Result<(RecordEntry, Stored), RepairError>> = order
        .par_iter()
        .map(|path| {
            let (output, _) = &outputs[path];
            match output {
                Output::Raw { index } => {
                    let member = &wheel.members()[*index];
                    // ELF members were decompressed, checked and hashed by the audit already.
                    let (digest, size) = match known_digests.get(&member.path) {
                        Some(digest) => (digest.clone(), wheel.entry(member).uncompressed_size),
                        None => hash_member(wheel, member)?,
                    };
                    Ok((
                        RecordEntry {
                            path: path.clone(),
                            hash: Some(("sha256".into(), digest)),
                            size: Some(size),
                        },
                        Stored::Raw { index: *index },
                    ))
                }
                Output::New(bytes) => {
                    let entry = RecordEntry {
                        path: path.clone(),
                        hash: Some(record_sha256(bytes)),
                        size: Some(bytes.len() as u64),
                    };
                    let compressed = prepare(bytes, Compression::Deflated(level));
                    Ok((entry, Stored::Compressed(compressed)))
                }
            }
        })
        .collect();
    let mut record = Vec::with_capacity(order.len() + 1);
    let mut stored: Vec<Stored> = Vec::with_capacity(order.len());
    for result in prepared {
        let (entry, ready) = result?;
        record.push(entry);
        stored.push(ready);
    }
    record.push(RecordEntry {
        path: record_member.clone(),
        hash: None,
        size: None,
    });
    let record_text = render_record(&record);

    // 6. Write, verify, rename.
    std::fs::create_dir_all(out_dir).map_err(|source| RepairError::Write {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let destination = out_dir.join(filename.to_string());
    let write_error = |source: std::io::Error| RepairError::Write {
        path: destination.clone(),
        source,
    };
    let mut file = AtomicFile::create(&destination).map_err(write_error)?;
    {
        let mut writer = ZipWriter::new(&mut file);
        for (path, ready) in order.iter().zip(&stored) {
            let (_, mode) = &outputs[path];
            match ready {
                Stored::Raw { index } => {
                    let member = &wheel.members()[*index];
                    let entry = wheel.entry(member);
                    let mut raw = wheel
                        .archive()
                        .raw_reader(entry)
                        .map_err(WheelError::from)?;
                    writer
                        .add_raw_stream(
                            path,
                            entry.method,
                            entry.crc32,
                            entry.uncompressed_size,
                            entry.compressed_size,
                            &mut raw,
                            *mode,
                            options.timestamp,
                        )
                        .map_err(write_error)?;
                }
                Stored::Compressed(prepared) => writer
                    .add_prepared(path, prepared, *mode, options.timestamp)
                    .map_err(write_error)?,
            }
        }
        writer
            .add_file(
                &record_member,
                record_text.as_bytes(),
                Compression::Deflated(level),
                0o644,
                options.timestamp,
            )
            .map_err(write_error)?;
        writer.finish().map_err(write_error)?;
    }
    file.flush().map_err(write_error)?;
    verify(file.temporary_path(), &filename.to_string()).map_err(RepairError::Reaudit)?;
    file.set_mode(0o644).map_err(write_error)?;
    file.commit().map_err(write_error)?;

    let grafted = plan
        .grafts
        .iter()
        .zip(&graft_names)
        .map(|(g, name)| Grafted {
            soname: g.soname.clone(),
            new_name: name.clone(),
            source: g.source.clone(),
        })
        .collect();
    Ok(Repaired {
        path: destination,
        filename,
        grafted,
    })
}

/// Whether a plan may add `name` to `.dist-info/`: a plain file name, not one of the files
/// `apply` writes itself.
fn is_addable_dist_info_file(name: &str) -> bool {
    const RESERVED: [&str; 5] = ["RECORD", "RECORD.jws", "RECORD.p7s", "WHEEL", "METADATA"];
    !(name.is_empty()
        || name.contains(['/', '\\', '\0'])
        || name == "."
        || name == ".."
        || RESERVED.contains(&name))
}

/// `libfoo.so.1` + hash → `libfoo-<hash>.so.1`; an earlier `-<8 hex>` suffix is replaced, not
/// stacked.
pub fn hashed_name(soname: &str, hash: &str) -> String {
    let (stem, rest) = match soname.split_once('.') {
        Some((stem, rest)) => (stem, format!(".{rest}")),
        None => (soname, String::new()),
    };
    let stem = match stem.rsplit_once('-') {
        Some((base, suffix))
            if suffix.len() == 8 && suffix.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            base
        }
        _ => stem,
    };
    format!("{stem}-{hash}{rest}")
}

/// The Python script left at `<name>.data/scripts/<exe>` when the executable moves into
/// platlib: it runs the real executable with the same arguments.
fn script_shim(moved_to: &str) -> String {
    format!(
        "#!python\nimport os\nimport sys\nimport sysconfig\n\n\nif __name__ == \"__main__\":\n    os.execv(\n        os.path.join(sysconfig.get_path(\"platlib\"), {moved_to:?}),\n        sys.argv,\n    )\n"
    )
}

fn is_elf_member(wheel: &Wheel<'_>, member: &wheelfix_wheel::Member) -> bool {
    wheel.entry(member).uncompressed_size >= 4
        && wheel
            .archive()
            .read_prefix(wheel.entry(member), 4)
            .is_ok_and(|p| p == b"\x7fELF")
}

/// The RECORD digest and size of a member, streamed, checked against the input RECORD.
fn hash_member(
    wheel: &Wheel<'_>,
    member: &wheelfix_wheel::Member,
) -> Result<(String, u64), RepairError> {
    let entry = wheel.entry(member);
    let mut hasher = Sha256::new();
    let mut crc = crc32fast::Hasher::new();
    let pool = wheelfix_wheel::ChunkPool::default();
    let size = wheel
        .archive()
        .stream_chunks(entry, &pool, &mut |chunk| {
            hasher.update(&chunk);
            crc.update(&chunk);
            pool.give(chunk);
            true
        })
        .map_err(WheelError::from)?;
    let mismatch = |problem: String| {
        RepairError::Wheel(WheelError::RecordMismatch {
            member: member.path.clone(),
            problem,
        })
    };
    if size != entry.uncompressed_size {
        return Err(mismatch(format!(
            "decompresses to {size} bytes but the archive declares {}",
            entry.uncompressed_size
        )));
    }
    if crc.finalize() != entry.crc32 {
        return Err(mismatch("CRC-32 does not match the archive".into()));
    }
    let digest = urlsafe_b64_nopad(&hasher.finalize());
    if let Some(problem) = wheel.record_digest_mismatch(&member.path, &digest) {
        return Err(mismatch(problem));
    }
    Ok((digest, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(soname: &str, expect: &str) {
        assert_eq!(hashed_name(soname, "0123abcd"), expect);
        // Idempotent: hashing a hashed name replaces the hash.
        assert_eq!(hashed_name(expect, "0123abcd"), expect);
    }

    #[test]
    fn hashed_names() {
        check("libffi.so.8", "libffi-0123abcd.so.8");
        check("libfoo-deadbeef.so.1", "libfoo-0123abcd.so.1");
        check("libbar", "libbar-0123abcd");
        check("libc++.so.1", "libc++-0123abcd.so.1");
    }

    #[test]
    fn dist_info_files_a_plan_may_add() {
        for (name, addable) in [
            ("wheelfix-system-deps.json", true),
            ("sboms", true),
            ("", false),
            ("..", false),
            ("licenses/COPYING", false),
            ("RECORD", false),
            ("METADATA", false),
            ("WHEEL", false),
        ] {
            assert_eq!(is_addable_dist_info_file(name), addable, "{name:?}");
        }
    }
}
