//! `wheelfix check` on wheels assembled at test time: for every rule code, a wheel that trips
//! it and one that passes (`every_rule_trips_and_passes`, which also fails when a code in the
//! rule table has no case), snapshots of the human, JSON and GitHub outputs, exit codes, and
//! `--select`/`--ignore`, directories and globs.
//!
//! Wheels are written byte by byte by [`Spec`] and a small raw zip writer, so zip framing can
//! be broken on purpose; the platform rules resolve against an empty sysroot (`--root`), so
//! verdicts do not depend on the machine.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::rc::Rc;

use wheelfix_wheel::metadata::record_sha256;
use wheelfix_wheel::write::{Compression, PreparedData, prepare};

use crate::support::{TempDir, fixture, json_lines, render, wheelfix};

const X86: &str = "cpython-311-x86_64-linux-gnu.so";

/// One zip member as written, possibly lying in its headers.
#[derive(Clone)]
pub struct Raw {
    pub name: Vec<u8>,
    pub data: PreparedData,
    pub flags: u16,
    pub comment: Vec<u8>,
    /// A compressed size for the local header that differs from the real one.
    pub local_size: Option<u32>,
}

impl Raw {
    fn new(name: &str, data: &[u8]) -> Raw {
        Raw {
            name: name.as_bytes().to_vec(),
            data: prepare(data, Compression::Deflated(6)),
            flags: if name.is_ascii() { 0 } else { 0x0800 },
            comment: Vec::new(),
            local_size: None,
        }
    }
}

/// Write members as a zip archive (no ZIP64), followed by `trailing` bytes.
pub fn write_zip(members: &[Raw], trailing: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut offsets = Vec::new();
    for m in members {
        offsets.push(out.len() as u32);
        let size = m.data.data.len() as u32;
        out.extend(0x0403_4b50u32.to_le_bytes());
        out.extend(20u16.to_le_bytes());
        out.extend(m.flags.to_le_bytes());
        out.extend(m.data.method.to_le_bytes());
        out.extend([0, 0, 0x21, 0]); // time, date (1980-01-01)
        out.extend(m.data.crc32.to_le_bytes());
        out.extend(m.local_size.unwrap_or(size).to_le_bytes());
        out.extend((m.data.uncompressed_size as u32).to_le_bytes());
        out.extend((m.name.len() as u16).to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out.extend(&m.name);
        out.extend(&m.data.data);
    }
    let cd_start = out.len();
    for (m, offset) in members.iter().zip(&offsets) {
        out.extend(0x0201_4b50u32.to_le_bytes());
        out.extend([20, 3, 20, 0]);
        out.extend(m.flags.to_le_bytes());
        out.extend(m.data.method.to_le_bytes());
        out.extend([0, 0, 0x21, 0]);
        out.extend(m.data.crc32.to_le_bytes());
        out.extend((m.data.data.len() as u32).to_le_bytes());
        out.extend((m.data.uncompressed_size as u32).to_le_bytes());
        out.extend((m.name.len() as u16).to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out.extend((m.comment.len() as u16).to_le_bytes());
        out.extend([0u8; 4]);
        out.extend(((0o100_644u32) << 16).to_le_bytes());
        out.extend(offset.to_le_bytes());
        out.extend(&m.name);
        out.extend(&m.comment);
    }
    let cd_size = out.len() - cd_start;
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((members.len() as u16).to_le_bytes());
    out.extend((members.len() as u16).to_le_bytes());
    out.extend((cd_size as u32).to_le_bytes());
    out.extend((cd_start as u32).to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend(trailing);
    out
}

type Edit<T> = Rc<dyn Fn(&mut T)>;

/// A wheel to write: a clean pure-Python wheel unless told otherwise.
#[derive(Clone)]
pub struct Spec {
    pub name: String,
    pub version: String,
    pub tag: String,
    pub file_name: Option<String>,
    pub dist_info: Option<String>,
    pub files: Vec<(String, Vec<u8>)>,
    pub metadata: Option<String>,
    pub wheel: Option<String>,
    pub root_is_purelib: bool,
    pub record: bool,
    record_edit: Option<Edit<Vec<String>>>,
    zip_edit: Option<Edit<Vec<Raw>>>,
    trailing: Vec<u8>,
}

impl Spec {
    pub fn new(name: &str) -> Spec {
        Spec {
            name: name.to_owned(),
            version: "1.0".to_owned(),
            tag: "py3-none-any".to_owned(),
            file_name: None,
            dist_info: None,
            files: vec![(format!("{name}/__init__.py"), b"VALUE = 1\n".to_vec())],
            metadata: None,
            wheel: None,
            root_is_purelib: true,
            record: true,
            record_edit: None,
            zip_edit: None,
            trailing: Vec::new(),
        }
    }

    /// A platform wheel holding one ELF fixture as `<name>/<module>.<suffix>`.
    pub fn platform(name: &str, tag: &str, case: &str, file: &str) -> Spec {
        let mut spec = Spec::new(name).tag(tag);
        spec.root_is_purelib = false;
        spec.file(&format!("{name}/{file}"), fixture(case, file))
    }

    pub fn tag(mut self, tag: &str) -> Spec {
        self.tag = tag.to_owned();
        self
    }

    pub fn file(mut self, path: &str, data: impl Into<Vec<u8>>) -> Spec {
        self.files.push((path.to_owned(), data.into()));
        self
    }

    pub fn metadata(mut self, text: &str) -> Spec {
        self.metadata = Some(text.to_owned());
        self
    }

    pub fn wheel_text(mut self, text: &str) -> Spec {
        self.wheel = Some(text.to_owned());
        self
    }

    pub fn record_edit(mut self, edit: impl Fn(&mut Vec<String>) + 'static) -> Spec {
        self.record_edit = Some(Rc::new(edit));
        self
    }

    pub fn zip_edit(mut self, edit: impl Fn(&mut Vec<Raw>) + 'static) -> Spec {
        self.zip_edit = Some(Rc::new(edit));
        self
    }

    pub fn dist_info_dir(&self) -> String {
        self.dist_info
            .clone()
            .unwrap_or_else(|| format!("{}-{}.dist-info", self.name, self.version))
    }

    pub fn default_metadata(&self) -> String {
        format!(
            "Metadata-Version: 2.1\nName: {}\nVersion: {}\nSummary: A test wheel\nDescription-Content-Type: text/markdown\n\n# Demo\n\nA description.\n",
            self.name, self.version
        )
    }

    pub fn file_name(&self) -> String {
        self.file_name
            .clone()
            .unwrap_or_else(|| format!("{}-{}-{}.whl", self.name, self.version, self.tag))
    }

    pub fn bytes(&self) -> Vec<u8> {
        let dist_info = self.dist_info_dir();
        let mut files = self.files.clone();
        let metadata = self
            .metadata
            .clone()
            .unwrap_or_else(|| self.default_metadata());
        if !metadata.is_empty() {
            files.push((format!("{dist_info}/METADATA"), metadata.into_bytes()));
        }
        let wheel = self.wheel.clone().unwrap_or_else(|| {
            let parts: Vec<&str> = self.tag.split('-').collect();
            let mut tags = String::new();
            if let [python, abi, platform] = parts.as_slice() {
                for p in python.split('.') {
                    for a in abi.split('.') {
                        for f in platform.split('.') {
                            tags.push_str(&format!("Tag: {p}-{a}-{f}\n"));
                        }
                    }
                }
            }
            format!(
                "Wheel-Version: 1.0\nGenerator: wheelfix-tests\nRoot-Is-Purelib: {}\n{tags}",
                self.root_is_purelib
            )
        });
        files.push((format!("{dist_info}/WHEEL"), wheel.into_bytes()));
        if self.record {
            let mut lines: Vec<String> = files
                .iter()
                .map(|(path, data)| {
                    let (algorithm, digest) = record_sha256(data);
                    format!("{path},{algorithm}={digest},{}", data.len())
                })
                .collect();
            lines.push(format!("{dist_info}/RECORD,,"));
            if let Some(edit) = &self.record_edit {
                edit(&mut lines);
            }
            let mut text = lines.join("\n");
            text.push('\n');
            files.push((format!("{dist_info}/RECORD"), text.into_bytes()));
        }
        let mut raws: Vec<Raw> = files.iter().map(|(p, d)| Raw::new(p, d)).collect();
        if let Some(edit) = &self.zip_edit {
            edit(&mut raws);
        }
        write_zip(&raws, &self.trailing)
    }

    pub fn write(&self, dir: &Path) -> String {
        let name = self.file_name();
        std::fs::write(dir.join(&name), self.bytes()).unwrap();
        name
    }
}

/// Run `wheelfix check --format json` on `dir` (or the given paths); file name → (codes,
/// passed), plus the exit code.
fn check_dir(
    dir: &Path,
    root: &Path,
    extra: &[&str],
) -> (i32, BTreeMap<String, (Vec<String>, bool)>) {
    let mut args = vec![
        "check",
        "--format",
        "json",
        "--root",
        root.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    args.push(dir.to_str().unwrap());
    let output = wheelfix(&args);
    let mut out = BTreeMap::new();
    for report in json_lines(&output) {
        let codes: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_owned())
            .collect();
        out.insert(
            report["wheel"].as_str().unwrap().to_owned(),
            (codes, report["passed"].as_bool().unwrap()),
        );
    }
    (output.status.code().unwrap_or(-1), out)
}

fn lic_metadata(spec: &Spec, version: &str, extra: &str) -> String {
    format!(
        "Metadata-Version: {version}\nName: {}\nVersion: {}\nDescription-Content-Type: text/markdown\n{extra}\nText\n",
        spec.name, spec.version
    )
}

/// For every rule: (code, a wheel that trips it, a wheel that does not).
pub fn cases() -> Vec<(&'static str, Spec, Spec)> {
    let mut cases: Vec<(&'static str, Spec, Spec)> = Vec::new();
    let mut add = |code: &'static str, trip: Spec, pass: Spec| cases.push((code, trip, pass));
    let p = |code: &str, kind: &str| format!("{}{kind}", code.to_ascii_lowercase());

    // ZIP framing
    add(
        "Z001",
        Spec::new(&p("z001", "trip")).zip_edit(|raws| raws[0].flags |= 0x0008),
        Spec::new(&p("z001", "pass")),
    );
    add(
        "Z002",
        Spec::new(&p("z002", "trip")).zip_edit(|raws| {
            let first = raws[0].clone();
            raws.insert(1, first);
        }),
        Spec::new(&p("z002", "pass")),
    );
    add(
        "Z003",
        Spec::new(&p("z003", "trip")).file("z003trip/bad\u{1}.py", "x = 1\n"),
        Spec::new(&p("z003", "pass")).file("z003pass/caf\u{e9}.py", "x = 1\n"),
    );
    add(
        "Z004",
        Spec::new(&p("z004", "trip")).zip_edit(|raws| raws[0].local_size = Some(1)),
        Spec::new(&p("z004", "pass")),
    );
    add(
        "Z005",
        Spec::new(&p("z005", "trip")).zip_edit(|raws| raws[0].comment = b"hi".to_vec()),
        Spec::new(&p("z005", "pass")),
    );
    let mut z006 = Spec::new(&p("z006", "trip"));
    z006.trailing = b"appended".to_vec();
    add("Z006", z006, Spec::new(&p("z006", "pass")));
    add(
        "Z007",
        Spec::new(&p("z007", "trip"))
            .file("z007trip/data.txt", "data")
            .zip_edit(|raws| {
                let last = raws
                    .iter_mut()
                    .find(|r| r.name.ends_with(b"data.txt"))
                    .unwrap();
                last.data = prepare(b"data", Compression::Stored);
                last.data.method = 12;
            }),
        Spec::new(&p("z007", "pass")).file("z007pass/data.txt", "data"),
    );

    // PyPI's upload rules
    add(
        "P001",
        Spec::new(&p("p001", "trip")).tag("py3-none-linux_x86_64"),
        Spec::new(&p("p001", "pass")).tag("py3-none-linux_armv7l"),
    );
    add("P002", Spec::new("P002Trip"), Spec::new(&p("p002", "pass")));
    let p003 = Spec::new(&p("p003", "trip"));
    let p003_meta = p003
        .default_metadata()
        .replace("Name: p003trip", "Name: other-project");
    add("P003", p003.metadata(&p003_meta), {
        let pass = Spec::new(&p("p003", "pass"));
        let meta = pass
            .default_metadata()
            .replace("Name: p003pass", "Name: P003Pass");
        pass.metadata(&meta)
    });
    let p004 = Spec::new(&p("p004", "trip"));
    let p004_meta = p004
        .default_metadata()
        .replace("Version: 1.0", "Version: 2.0");
    let p004_pass = Spec::new(&p("p004", "pass"));
    let p004_pass_meta = p004_pass
        .default_metadata()
        .replace("Version: 1.0", "Version: 1.0.0");
    add(
        "P004",
        p004.metadata(&p004_meta),
        p004_pass.metadata(&p004_pass_meta),
    );
    let mut p005 = Spec::new(&p("p005", "trip"));
    p005.dist_info = Some("P005trip-1.0.dist-info".to_owned());
    add("P005", p005, Spec::new(&p("p005", "pass")));
    let mut p006 = Spec::new(&p("p006", "trip")).file("p006trip/zeros.bin", vec![0u8; 65 << 20]);
    p006.files.truncate(2);
    add(
        "P006",
        p006,
        Spec::new(&p("p006", "pass")).file("p006pass/zeros.bin", vec![0u8; 1 << 20]),
    );
    add(
        "P007",
        Spec::new(&p("p007", "trip"))
            .file("p007trip/big.bin", vec![7u8; (100 << 20) + 1])
            .zip_edit(|raws| {
                for raw in raws.iter_mut() {
                    if raw.name.ends_with(b"big.bin") {
                        raw.data = prepare(&vec![7u8; (100 << 20) + 1], Compression::Stored);
                    }
                }
            }),
        Spec::new(&p("p007", "pass")),
    );
    let mut p008 = Spec::new(&p("p008", "trip"));
    p008.record = false;
    add("P008", p008, Spec::new(&p("p008", "pass")));
    let p009 = Spec::new(&p("p009", "trip"));
    let p009_meta = lic_metadata(&p009, "2.4", "License-File: LICENSE\n");
    let p009_pass = Spec::new(&p("p009", "pass"));
    let p009_pass_meta = lic_metadata(&p009_pass, "2.4", "License-File: LICENSE\n");
    add(
        "P009",
        p009.metadata(&p009_meta),
        p009_pass
            .metadata(&p009_pass_meta)
            .file("p009pass-1.0.dist-info/licenses/LICENSE", "MIT\n"),
    );
    add(
        "P010",
        Spec::new(&p("p010", "trip")).file(
            "p010trip-1.0.dist-info/entry_points.txt",
            "main = p010trip:main\n",
        ),
        Spec::new(&p("p010", "pass")).file(
            "p010pass-1.0.dist-info/entry_points.txt",
            "[console_scripts]\np010 = p010pass:main\n",
        ),
    );
    let mut p011 = Spec::new(&p("p011", "trip"));
    p011.metadata = Some(String::new());
    add("P011", p011, Spec::new(&p("p011", "pass")));
    let mut p012 = Spec::new(&p("p012", "trip"));
    p012.file_name = Some("p012trip-1.0-x-py3-none-any.whl".to_owned());
    let mut p012_pass = Spec::new(&p("p012", "pass"));
    p012_pass.file_name = Some("p012pass-1.0-1-py3-none-any.whl".to_owned());
    add("P012", p012, p012_pass);

    // METADATA and the description
    let meta = |name: &str, extra: &str, body: &str| {
        format!("Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\nSummary: s\n{extra}\n{body}")
    };
    let md = "Description-Content-Type: text/markdown\n";
    add(
        "M001",
        Spec::new("m001trip").metadata(&meta("m001trip", &format!("{md}Colour: blue\n"), "x\n")),
        Spec::new("m001pass").metadata(&meta("m001pass", md, "x\n")),
    );
    add(
        "M002",
        Spec::new("m002trip")
            .metadata(&format!("Metadata-Version: 2.1\nName: m002trip\n{md}\nx\n")),
        Spec::new("m002pass").metadata(&meta("m002pass", md, "x\n")),
    );
    add(
        "M003",
        Spec::new("m003trip").metadata(&meta(
            "m003trip",
            &format!("{md}Requires-Dist: numpy >=\n"),
            "x\n",
        )),
        Spec::new("m003pass").metadata(&meta(
            "m003pass",
            &format!("{md}Requires-Dist: numpy >=1.21; python_version < \"3.13\"\n"),
            "x\n",
        )),
    );
    add(
        "M004",
        Spec::new("m004trip").metadata(&meta(
            "m004trip",
            &format!("{md}License-Expression: MIT\n"),
            "x\n",
        )),
        Spec::new("m004pass").metadata(&meta("m004pass", &format!("{md}License: MIT\n"), "x\n")),
    );
    add(
        "M005",
        Spec::new("m005trip").metadata(&meta(
            "m005trip",
            &format!("{md}Home-page: not a url\n"),
            "x\n",
        )),
        Spec::new("m005pass").metadata(&meta(
            "m005pass",
            &format!("{md}Home-page: https://example.org\n"),
            "x\n",
        )),
    );
    let rst = "Description-Content-Type: text/x-rst\n";
    add(
        "M006",
        Spec::new("m006trip").metadata(&meta(
            "m006trip",
            rst,
            "Title here\n====\n\nText with *emphasis.\n",
        )),
        Spec::new("m006pass").metadata(&meta(
            "m006pass",
            rst,
            "Title here\n==========\n\nText with *emphasis*.\n",
        )),
    );
    add(
        "M007",
        Spec::new("m007trip").metadata(&meta("m007trip", "", "Plain text.\n")),
        Spec::new("m007pass").metadata(&meta("m007pass", md, "Plain text.\n")),
    );
    add(
        "M008",
        Spec::new("m008trip").metadata(&meta("m008trip", md, "")),
        Spec::new("m008pass").metadata(&meta("m008pass", md, "Text.\n")),
    );

    // Integrity
    add(
        "R001",
        Spec::new("r001trip").record_edit(|lines| {
            lines[0] = "r001trip/__init__.py,sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,10"
                .to_owned();
        }),
        Spec::new("r001pass"),
    );
    add(
        "R002",
        Spec::new("r002trip").record_edit(|lines| {
            let (rest, _) = lines[0].rsplit_once(',').unwrap();
            lines[0] = format!("{rest},999");
        }),
        Spec::new("r002pass"),
    );
    add(
        "R003",
        Spec::new("r003trip").record_edit(|lines| {
            lines.remove(0);
        }),
        Spec::new("r003pass"),
    );
    add(
        "R004",
        Spec::new("r004trip")
            .record_edit(|lines| lines.push("r004trip/gone.py,sha256=x,1".to_owned())),
        Spec::new("r004pass"),
    );
    add(
        "R005",
        Spec::new("r005trip").record_edit(|lines| {
            let (path, _) = lines[0].split_once(',').unwrap();
            lines[0] = format!("{path},md5=1B2M2Y8AsgTpgAmY7PhCfg,10");
        }),
        Spec::new("r005pass"),
    );
    add(
        "R006",
        Spec::new("r006trip")
            .wheel_text("Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py2-none-any\n"),
        Spec::new("r006pass")
            .wheel_text("Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
    );
    let mut r007 = Spec::platform(
        "r007trip",
        "cp311-cp311-manylinux_2_17_x86_64",
        "glibc",
        &format!("old.{X86}"),
    );
    r007.root_is_purelib = true;
    add(
        "R007",
        r007,
        Spec::platform(
            "r007pass",
            "cp311-cp311-manylinux_2_17_x86_64",
            "glibc",
            &format!("old.{X86}"),
        ),
    );
    add(
        "R008",
        Spec::new("r008trip").wheel_text("Wheel-Version: 1.0\nTag: py3-none-any\n"),
        Spec::new("r008pass")
            .wheel_text("Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
    );
    add(
        "R009",
        Spec::new("r009trip").file("../r009trip.py", "x\n"),
        Spec::new("r009pass").file("r009pass/sub/x.py", "x\n"),
    );
    add(
        "R010",
        Spec::new("r010trip").file(
            "other-2.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: other\nVersion: 2.0\n",
        ),
        Spec::new("r010pass").file("r010pass/data/METADATA", "not metadata\n"),
    );

    // Truth of the platform tags
    let tag17 = "cp311-cp311-manylinux_2_17_x86_64";
    add(
        "T001",
        Spec::platform("t001trip", tag17, "glibc", &format!("toonew.{X86}")),
        Spec::platform("t001pass", tag17, "glibc", &format!("old.{X86}")),
    );
    add(
        "T002",
        Spec::platform("t002trip", tag17, "external", &format!("missing.{X86}")),
        Spec::platform("t002pass", tag17, "glibc", &format!("old.{X86}")),
    );
    add(
        "T003",
        Spec::platform(
            "t003trip",
            tag17,
            "cross",
            "ext.cpython-311-aarch64-linux-gnu.so",
        ),
        Spec::platform(
            "t003pass",
            "cp311-cp311-manylinux_2_17_aarch64",
            "cross",
            "ext.cpython-311-aarch64-linux-gnu.so",
        ),
    );

    // abi3
    let abi37 = "cp37-abi3-manylinux_2_17_x86_64";
    add(
        "A001",
        Spec::platform("a001trip", abi37, "abi3-ext", "nonstable.abi3.so"),
        Spec::platform("a001pass", abi37, "abi3-ext", "good.abi3.so"),
    );
    add(
        "A002",
        Spec::platform("a002trip", abi37, "abi3-ext", "newer.abi3.so"),
        Spec::platform(
            "a002pass",
            "cp312-abi3-manylinux_2_17_x86_64",
            "abi3-ext",
            "newer.abi3.so",
        ),
    );

    // Hygiene
    add(
        "H001",
        Spec::new("h001trip").file(
            "h001trip/__pycache__/x.cpython-311.pyc",
            b"\xa7\x0d\x0d\x0a".to_vec(),
        ),
        Spec::new("h001pass").file("h001pass/x.py", "x = 1\n"),
    );
    add(
        "H002",
        Spec::new("h002trip")
            .file("h002trip/a.py", "same = 1\n")
            .file("h002trip/b.py", "same = 1\n"),
        Spec::new("h002pass")
            .file("h002pass/a.py", "a = 1\n")
            .file("h002pass/b.py", "b = 1\n")
            .file("h002pass/c.py", "")
            .file("h002pass/d.py", ""),
    );
    add(
        "H003",
        Spec::new("h003trip").file("tests/__init__.py", "# tests\n"),
        Spec::new("h003pass").file("h003pass/tests/__init__.py", "# tests\n"),
    );
    let mut h004 = Spec::new("h004trip");
    h004.files.clear();
    add("H004", h004, Spec::new("h004pass"));
    add(
        "H005",
        Spec::new("h005trip").file("__init__.py", "# top\n"),
        Spec::new("h005pass"),
    );
    add(
        "H006",
        Spec::platform("h006trip", tag17, "execstack", &format!("execstack.{X86}")),
        Spec::platform(
            "h006pass",
            tag17,
            "execstack",
            &format!("noexecstack.{X86}"),
        ),
    );
    cases
}

#[test]
fn every_rule_trips_and_passes() {
    let temp = TempDir::new("check-rules");
    let root = temp.path().join("root");
    let dir = temp.path().join("wheels");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    let cases = cases();
    let mut names = Vec::new();
    for (code, trip, pass) in &cases {
        names.push((*code, trip.write(&dir), pass.write(&dir)));
    }
    if let Some(keep) = std::env::var_os("WHEELFIX_KEEP_CHECK_WHEELS") {
        // Debugging aid: copy the wheels out before the temporary directory goes.
        let keep = Path::new(&keep);
        std::fs::create_dir_all(keep).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), keep.join(entry.file_name())).unwrap();
        }
    }
    let (_, results) = check_dir(&dir, &root, &[]);
    let mut problems = Vec::new();
    for (code, trip, pass) in &names {
        match results.get(trip) {
            Some((codes, _)) if codes.iter().any(|c| c == code) => {}
            other => problems.push(format!("{code}: {trip} does not trip it: {other:?}")),
        }
        match results.get(pass) {
            Some((codes, _)) if !codes.iter().any(|c| c == code) => {}
            other => problems.push(format!("{code}: {pass} trips it: {other:?}")),
        }
    }
    let covered: BTreeSet<&str> = names.iter().map(|(c, _, _)| *c).collect();
    for rule in wheelfix_check::RULES {
        if !covered.contains(rule.code) {
            problems.push(format!("{}: no test case", rule.code));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn clean_wheels_have_no_findings() {
    let temp = TempDir::new("check-clean");
    let root = temp.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    Spec::new("clean").write(temp.path());
    Spec::platform(
        "cleanext",
        "cp311-cp311-manylinux_2_17_x86_64",
        "glibc",
        &format!("old.{X86}"),
    )
    .write(temp.path());
    Spec::platform(
        "cleanabi",
        "cp37-abi3-manylinux_2_17_x86_64",
        "abi3-ext",
        "good.abi3.so",
    )
    .write(temp.path());
    let (exit, results) = check_dir(temp.path(), &root, &[]);
    assert_eq!(exit, 0);
    for (wheel, (codes, passed)) in &results {
        assert!(codes.is_empty() && *passed, "{wheel}: {codes:?}");
    }
    assert_eq!(results.len(), 3);
}

/// A wheel with one error and one warning, for the output snapshots.
fn snapshot_wheel(dir: &Path) -> String {
    let spec = Spec::new("snap").tag("py3-none-linux_x86_64");
    let meta = "Metadata-Version: 2.1\nName: snap\nVersion: 1.0\n\nTitle\n=====\n\nSee `docs`_.\n";
    spec.metadata(meta).write(dir)
}

#[test]
fn human_output() {
    let temp = TempDir::new("check-human");
    let root = temp.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    let name = snapshot_wheel(temp.path());
    Spec::new("fine").write(temp.path());
    let output = wheelfix(&[
        "check",
        "--root",
        root.to_str().unwrap(),
        temp.path().to_str().unwrap(),
    ]);
    let _ = name;
    insta::assert_snapshot!(render(&output, temp.path()), @r#"
    exit_code: 1
    ----- stdout -----
    [TEMP]/fine-1.0-py3-none-any.whl
      result:  ok, ready to upload

    [TEMP]/snap-1.0-py3-none-linux_x86_64.whl
      error    M006  snap-1.0.dist-info/METADATA: description line 4 (METADATA line 8): ERROR: Unknown target name: "docs".
                     hint: fix the reStructuredText at the reported line (or declare `Description-Content-Type: text/markdown`)
      error    P001  `linux_x86_64`: PyPI rejects `linux_x86_64` wheels (only linux_armv6l and linux_armv7l are accepted); claim a manylinux or musllinux tag the wheel meets
                     hint: retag with a manylinux/musllinux tag the wheel meets (`wheelfix repair`), or publish elsewhere
      warning  M007  snap-1.0.dist-info/METADATA: `Description-Content-Type` is missing; PyPI and twine render the description as reStructuredText
                     hint: declare `Description-Content-Type` (text/markdown, text/x-rst or text/plain)
      result:  FAIL (2 errors, 1 warning)

    checked 2 wheels: 1 ready to upload, 1 failing
    ----- stderr -----
    "#);
}

#[test]
fn json_output() {
    let temp = TempDir::new("check-json");
    let root = temp.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    let name = snapshot_wheel(temp.path());
    let path = temp.path().join(&name);
    let output = wheelfix(&[
        "check",
        "--format",
        "json",
        "--ignore",
        "M006",
        "--root",
        root.to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    insta::assert_snapshot!(render(&output, temp.path()), @r#"
    exit_code: 1
    ----- stdout -----
    {"schema_version":1,"wheel":"snap-1.0-py3-none-linux_x86_64.whl","path":"[TEMP]/snap-1.0-py3-none-linux_x86_64.whl","passed":false,"errors":1,"warnings":1,"findings":[{"code":"P001","severity":"error","member":null,"message":"`linux_x86_64`: PyPI rejects `linux_x86_64` wheels (only linux_armv6l and linux_armv7l are accepted); claim a manylinux or musllinux tag the wheel meets","hint":"retag with a manylinux/musllinux tag the wheel meets (`wheelfix repair`), or publish elsewhere"},{"code":"M007","severity":"warning","member":"snap-1.0.dist-info/METADATA","message":"`Description-Content-Type` is missing; PyPI and twine render the description as reStructuredText","hint":"declare `Description-Content-Type` (text/markdown, text/x-rst or text/plain)"}],"skipped":[]}
    ----- stderr -----
    "#);
}

#[test]
fn github_output() {
    let temp = TempDir::new("check-github");
    let root = temp.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    let name = snapshot_wheel(temp.path());
    let path = temp.path().join(&name);
    let output = wheelfix(&[
        "check",
        "--format",
        "github",
        "--select",
        "P,M",
        "--ignore",
        "M007",
        "--root",
        root.to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    insta::assert_snapshot!(render(&output, temp.path()), @r#"
    exit_code: 1
    ----- stdout -----
    ::error file=[TEMP]/snap-1.0-py3-none-linux_x86_64.whl,title=wheelfix M006::snap-1.0-py3-none-linux_x86_64.whl: snap-1.0.dist-info/METADATA: description line 4 (METADATA line 8): ERROR: Unknown target name: "docs".%0Ahint: fix the reStructuredText at the reported line (or declare `Description-Content-Type: text/markdown`)
    ::error file=[TEMP]/snap-1.0-py3-none-linux_x86_64.whl,title=wheelfix P001::snap-1.0-py3-none-linux_x86_64.whl: `linux_x86_64`: PyPI rejects `linux_x86_64` wheels (only linux_armv6l and linux_armv7l are accepted); claim a manylinux or musllinux tag the wheel meets%0Ahint: retag with a manylinux/musllinux tag the wheel meets (`wheelfix repair`), or publish elsewhere
    ----- stderr -----
    "#);
}

#[test]
fn exit_codes_and_inputs() {
    let temp = TempDir::new("check-exit");
    let root = temp.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    let root = root.to_str().unwrap().to_owned();
    let good = temp.path().join(Spec::new("good").write(temp.path()));
    let bad = temp.path().join(
        Spec::new("bad")
            .tag("py3-none-linux_x86_64")
            .write(temp.path()),
    );
    let junk = temp.path().join("junk-1.0-py3-none-any.whl.bin");
    std::fs::write(&junk, b"not a zip").unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["check", "--root", root.as_str()];
        all.extend_from_slice(args);
        wheelfix(&all)
    };
    assert_eq!(run(&[good.to_str().unwrap()]).status.code(), Some(0));
    assert_eq!(run(&[bad.to_str().unwrap()]).status.code(), Some(1));
    assert_eq!(
        run(&["--ignore", "P001", bad.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    let unreadable = run(&[good.to_str().unwrap(), junk.to_str().unwrap()]);
    assert_eq!(unreadable.status.code(), Some(2));
    insta::assert_snapshot!(render(&unreadable, temp.path()).lines().last().unwrap_or(""), @"wheelfix: error: [TEMP]/junk-1.0-py3-none-any.whl.bin: not a zip archive: no end of central directory record");
    // A glob the shell did not expand, and a directory: both wheels, in order.
    let pattern = temp.path().join("*.whl");
    let output = run(&["--format", "json", pattern.to_str().unwrap()]);
    let wheels: Vec<String> = json_lines(&output)
        .iter()
        .map(|r| r["wheel"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        wheels,
        [
            "bad-1.0-py3-none-linux_x86_64.whl",
            "good-1.0-py3-none-any.whl"
        ]
    );
    assert_eq!(output.status.code(), Some(1));
    let none = run(&[temp.path().join("*.nothing").to_str().unwrap()]);
    assert_eq!(none.status.code(), Some(2));
    // A name that is not UTF-8: the archive reader refuses it, so only the framing is checked,
    // and the wheel fails with that finding rather than being unreadable.
    let dir = temp.path().join("nonutf8");
    std::fs::create_dir_all(&dir).unwrap();
    let name = Spec::new("nonutf")
        .file("nonutf/cafe.py", "x = 1\n")
        .zip_edit(|raws| {
            let raw = raws
                .iter_mut()
                .find(|r| r.name.ends_with(b"cafe.py"))
                .unwrap();
            raw.name = b"nonutf/caf\xe9.py".to_vec();
        })
        .write(&dir);
    let output = run(&["--format", "json", dir.join(&name).to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let report = &json_lines(&output)[0];
    assert_eq!(report["findings"][0]["code"], "Z003");
    assert!(
        report["skipped"][0]
            .as_str()
            .unwrap()
            .contains("only its framing was checked")
    );
    let typo = run(&["--select", "Q1", good.to_str().unwrap()]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&typo.stderr).contains("`Q1` is not a rule code"));
}

#[test]
fn musllinux_tag_on_glibc_elf_fails_the_gate_with_a_finding_not_an_error() {
    // T001 at the file, naming the libc it is linked against; not T003 ("not verified").
    let temp = TempDir::new("check-musl-tag-glibc-elf");
    let root = temp.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    let file = format!("memfd.{X86}");
    let name = Spec::platform("demo", "cp311-cp311-musllinux_1_2_x86_64", "glibc", &file)
        .write(temp.path());
    let output = wheelfix(&[
        "check",
        "--format",
        "json",
        "--root",
        root.to_str().unwrap(),
        temp.path().join(&name).to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let report = &json_lines(&output)[0];
    let findings = report["findings"].as_array().unwrap();
    let codes: Vec<&str> = findings
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["T001"], "{report}");
    assert_eq!(findings[0]["member"], format!("demo/{file}"));
    assert_eq!(
        findings[0]["message"],
        format!(
            "`musllinux_1_2_x86_64` is not true (the content allows `manylinux_2_27_x86_64` at best): the tag is for musl, but `demo/{file}` is linked against glibc"
        )
    );
}
