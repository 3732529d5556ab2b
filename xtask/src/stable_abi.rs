//! `cargo xtask update-stable-abi`: refresh CPython's stable-ABI table that `wheelfix check`
//! embeds (`check/data/abi3info/`) from the newest (or a given) `abi3info` release on PyPI,
//! the package abi3audit reads it from. One command, then `git diff check/data` shows the
//! update.
//!
//! abi3info ships the table as generated Python (`abi3info/_internal.py`, from CPython's
//! `Misc/stable_abi.toml`); the file is copied byte for byte from the release wheel, after
//! checking the wheel's sha256 against PyPI and that the table parses. `UPSTREAM` records the
//! release, the wheel and the file's sha256.

use anyhow::{Context, Result, bail};
use wheelfix_check::abi3::StableAbi;

use crate::policies::curl;
use crate::util::{repo_root, sha256_hex};

const MEMBER: &str = "abi3info/_internal.py";
const INDEX: &str = "https://pypi.org/pypi/abi3info/json";

/// Resolve a file URL from the JSON API, which mirrors may give relative to the index URL.
fn resolve(base: &str, url: &str) -> String {
    if url.contains("://") {
        return url.to_owned();
    }
    let (origin, path) = match base.split_once("://") {
        Some((scheme, rest)) => {
            let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
            (format!("{scheme}://{host}"), path)
        }
        None => (String::new(), base),
    };
    let mut segments: Vec<&str> = path.split('/').collect();
    segments.pop(); // the base's own file name
    for part in url.split('/') {
        match part {
            ".." => {
                segments.pop();
            }
            "." => {}
            part => segments.push(part),
        }
    }
    format!("{origin}/{}", segments.join("/"))
}

pub(crate) fn run(args: &[String]) -> Result<()> {
    let pinned = args
        .iter()
        .find_map(|a| a.strip_prefix("--version="))
        .map(str::to_owned);
    if let Some(unknown) = args.iter().find(|a| !a.starts_with("--version=")) {
        bail!("unknown option `{unknown}` (use --version=V)");
    }
    let index = curl(&[INDEX])?;
    let index: serde_json::Value =
        serde_json::from_slice(&index).context("PyPI JSON for abi3info")?;
    let version = match pinned {
        Some(version) => version,
        None => index["info"]["version"]
            .as_str()
            .context("PyPI JSON has no info.version")?
            .to_owned(),
    };
    let files = index["releases"][&version]
        .as_array()
        .with_context(|| format!("abi3info {version} is not on PyPI"))?;
    let wheel = files
        .iter()
        .find(|f| f["packagetype"] == "bdist_wheel")
        .with_context(|| format!("abi3info {version} has no wheel on PyPI"))?;
    let url = resolve(
        INDEX,
        wheel["url"].as_str().context("wheel entry has no url")?,
    );
    let url = url.as_str();
    let filename = wheel["filename"]
        .as_str()
        .context("wheel entry has no filename")?;
    let expected = wheel["digests"]["sha256"]
        .as_str()
        .context("wheel entry has no sha256")?;
    eprintln!("downloading abi3info {version}: {url}");
    let bytes = curl(&[url])?;
    let actual = sha256_hex(&bytes);
    if actual != expected {
        bail!("sha256 mismatch for {url}: PyPI says {expected}, downloaded {actual}");
    }
    let archive = wheelfix_wheel::ZipArchive::parse(&bytes)?;
    let entry = archive
        .entries()
        .iter()
        .find(|e| e.name == MEMBER)
        .with_context(|| format!("abi3info {version} has no {MEMBER}"))?;
    let data = archive.read(entry)?;
    let text = std::str::from_utf8(&data).with_context(|| format!("{MEMBER} is not UTF-8"))?;
    let table = StableAbi::parse(text)
        .with_context(|| format!("abi3info {version} {MEMBER} does not parse"))?;
    if table.len() < 900 {
        bail!(
            "abi3info {version} {MEMBER} has only {} stable-ABI symbols; refusing to embed it",
            table.len()
        );
    }
    let dir = repo_root().join("check/data/abi3info");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("_internal.py"), &data)?;
    std::fs::write(
        dir.join("UPSTREAM"),
        format!(
            "# Written by `cargo xtask update-stable-abi`; do not edit by hand.\n\
             # _internal.py is a byte-identical copy of {MEMBER} from this abi3info release on PyPI\n\
             # (CPython's stable-ABI data, Misc/stable_abi.toml, as abi3info generates it).\n\
             abi3info {version}\n\
             wheel {filename} {expected}\n\
             _internal.py {}\n",
            sha256_hex(&data)
        ),
    )?;
    eprintln!(
        "check/data/abi3info now holds abi3info {version}'s table ({} symbols); run `cargo test -p wheelfix-check` and commit",
        table.len()
    );
    Ok(())
}
