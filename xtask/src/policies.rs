//! `cargo xtask update-policies`: refresh the embedded policy tables from the newest auditwheel
//! release on PyPI. One command, then `git diff policies/data` shows the update.
//!
//! The JSON files are copied byte for byte from the release wheel; `policies/data/UPSTREAM`
//! records the release and the files' sha256. The new tables are validated (PEP 600
//! monotonicity) before anything is written.

use std::process::Command;

use anyhow::{Context, Result, bail};
use wheelfix_policies::PolicySet;
use wheelfix_tags::Libc;

use crate::util::{repo_root, sha256_hex};

const FILES: [(&str, Libc); 2] = [
    ("manylinux-policy.json", Libc::Glibc),
    ("musllinux-policy.json", Libc::Musl),
];

pub(crate) fn run(args: &[String]) -> Result<()> {
    let pinned = args
        .iter()
        .find_map(|a| a.strip_prefix("--version="))
        .map(str::to_owned);
    let index = curl(&["https://pypi.org/pypi/auditwheel/json"])?;
    let index: serde_json::Value =
        serde_json::from_slice(&index).context("PyPI JSON for auditwheel")?;
    let version = match pinned {
        Some(version) => version,
        None => index["info"]["version"]
            .as_str()
            .context("PyPI JSON has no info.version")?
            .to_owned(),
    };
    let files = index["releases"][&version]
        .as_array()
        .with_context(|| format!("auditwheel {version} is not on PyPI"))?;
    let wheel = files
        .iter()
        .find(|f| f["packagetype"] == "bdist_wheel")
        .with_context(|| format!("auditwheel {version} has no wheel on PyPI"))?;
    let url = wheel["url"].as_str().context("wheel entry has no url")?;
    let expected = wheel["digests"]["sha256"]
        .as_str()
        .context("wheel entry has no sha256")?;
    eprintln!("downloading auditwheel {version}: {url}");
    let bytes = curl(&[url])?;
    let actual = sha256_hex(&bytes);
    if actual != expected {
        bail!("sha256 mismatch for {url}: PyPI says {expected}, downloaded {actual}");
    }
    let archive = wheelfix_wheel::ZipArchive::parse(&bytes)?;
    let data_dir = repo_root().join("policies/data");
    let mut upstream = format!(
        "# Written by `cargo xtask update-policies`; do not edit by hand.\n# The JSON files in this directory are byte-identical copies from this auditwheel release.\nauditwheel {version}\n"
    );
    let mut contents = Vec::new();
    for (name, libc) in FILES {
        let member = format!("auditwheel/policy/{name}");
        let entry = archive
            .entries()
            .iter()
            .find(|e| e.name == member)
            .with_context(|| format!("auditwheel {version} has no {member}"))?;
        let text = archive.read(entry)?;
        let json = std::str::from_utf8(&text).with_context(|| format!("{member} is not UTF-8"))?;
        PolicySet::parse(libc, json)
            .with_context(|| format!("auditwheel {version} {member} does not validate"))?;
        upstream.push_str(&format!("{name} {}\n", sha256_hex(&text)));
        contents.push((name, text));
    }
    for (name, text) in contents {
        std::fs::write(data_dir.join(name), text)?;
    }
    std::fs::write(data_dir.join("UPSTREAM"), upstream)?;
    let status = Command::new("git")
        .args(["diff", "--stat", "--", "policies/data"])
        .current_dir(repo_root())
        .status();
    if status.is_err() {
        eprintln!("(git not available to show the diff)");
    }
    eprintln!(
        "policies/data now holds auditwheel {version}'s tables; run `cargo test -p wheelfix-policies` and commit"
    );
    Ok(())
}

fn curl(args: &[&str]) -> Result<Vec<u8>> {
    let output = Command::new("curl")
        .args([
            "--fail",
            "--silent",
            "--show-error",
            "--location",
            "--retry",
            "3",
        ])
        .args(args)
        .output()
        .context("running curl")?;
    if !output.status.success() {
        bail!(
            "curl {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(output.stdout)
}
