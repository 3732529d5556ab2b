//! Wheel filenames: `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`.
//!
//! Parsing rejects anything that could not have come from a conforming build backend,
//! including path separators, so a parsed filename is always safe to join onto a directory.

use std::fmt;
use std::str::FromStr;

use crate::PlatformTag;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelFilename {
    /// The distribution name as written in the filename (`-` escaped as `_`).
    pub name: String,
    pub version: String,
    /// The optional build tag; it always starts with a digit.
    pub build: Option<String>,
    python: Vec<String>,
    abi: Vec<String>,
    platform: Vec<PlatformTag>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WheelFilenameError {
    #[error("`{0}` is not a wheel filename: it must end with `.whl`")]
    MissingExtension(String),
    #[error("`{filename}` is not a valid wheel filename: {reason}")]
    Invalid { filename: String, reason: String },
}

impl WheelFilename {
    pub fn new(
        name: &str,
        version: &str,
        build: Option<&str>,
        python: &[&str],
        abi: &[&str],
        platform: &[PlatformTag],
    ) -> WheelFilename {
        WheelFilename {
            name: name.to_owned(),
            version: version.to_owned(),
            build: build.map(str::to_owned),
            python: python.iter().map(|s| (*s).to_owned()).collect(),
            abi: abi.iter().map(|s| (*s).to_owned()).collect(),
            platform: platform.to_vec(),
        }
    }

    pub fn python_tags(&self) -> &[String] {
        &self.python
    }

    pub fn abi_tags(&self) -> &[String] {
        &self.abi
    }

    pub fn platform_tags(&self) -> &[PlatformTag] {
        &self.platform
    }

    /// The same filename with another platform tag set, sorted and de-duplicated the way
    /// auditwheel writes compressed tag sets.
    pub fn with_platform_tags(&self, tags: &[PlatformTag]) -> WheelFilename {
        let mut names: Vec<String> = tags.iter().map(ToString::to_string).collect();
        names.sort();
        names.dedup();
        let platform = names.iter().filter_map(|name| name.parse().ok()).collect();
        WheelFilename {
            platform,
            ..self.clone()
        }
    }

    /// The same filename with another build tag.
    pub fn with_build_tag(&self, build: Option<&str>) -> WheelFilename {
        WheelFilename {
            build: build.map(str::to_owned),
            ..self.clone()
        }
    }

    /// Every `{python}-{abi}-{platform}` combination the compressed tag sets expand to.
    pub fn expanded_tags(&self) -> Vec<String> {
        let mut tags = Vec::new();
        for python in &self.python {
            for abi in &self.abi {
                for platform in &self.platform {
                    tags.push(format!("{python}-{abi}-{platform}"));
                }
            }
        }
        tags
    }

    /// The `.dist-info` directory name this wheel must contain.
    pub fn dist_info_dir(&self) -> String {
        format!("{}-{}.dist-info", self.name, self.version)
    }

    /// The `.data` directory name this wheel may contain.
    pub fn data_dir(&self) -> String {
        format!("{}-{}.data", self.name, self.version)
    }
}

/// Normalize a distribution name as PEP 503 does (`Foo.Bar_baz` → `foo-bar-baz`).
pub fn normalize_dist_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            pending_separator = true;
            continue;
        }
        if pending_separator && !out.is_empty() {
            out.push('-');
        }
        pending_separator = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

impl fmt::Display for WheelFilename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.name, self.version)?;
        if let Some(build) = &self.build {
            write!(f, "-{build}")?;
        }
        let platform: Vec<String> = self.platform.iter().map(ToString::to_string).collect();
        write!(
            f,
            "-{}-{}-{}.whl",
            self.python.join("."),
            self.abi.join("."),
            platform.join(".")
        )
    }
}

impl FromStr for WheelFilename {
    type Err = WheelFilenameError;

    fn from_str(filename: &str) -> Result<Self, Self::Err> {
        let invalid = |reason: &str| WheelFilenameError::Invalid {
            filename: filename.to_owned(),
            reason: reason.to_owned(),
        };
        let Some(stem) = filename.strip_suffix(".whl") else {
            return Err(WheelFilenameError::MissingExtension(filename.to_owned()));
        };
        if stem.contains(['/', '\\']) {
            return Err(invalid("it contains a path separator"));
        }
        let parts: Vec<&str> = stem.split('-').collect();
        let (name, version, build, python, abi, platform) = match parts.as_slice() {
            [name, version, python, abi, platform] => {
                (*name, *version, None, *python, *abi, *platform)
            }
            [name, version, build, python, abi, platform] => {
                (*name, *version, Some(*build), *python, *abi, *platform)
            }
            parts if parts.len() < 5 => {
                return Err(invalid(&format!(
                    "it has {} `-`-separated components, expected 5 or 6 (name, version, [build], python, abi, platform)",
                    parts.len()
                )));
            }
            parts => {
                return Err(invalid(&format!(
                    "it has {} `-`-separated components, expected 5 or 6; a `-` in the name must be written `_`",
                    parts.len()
                )));
            }
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.'))
        {
            return Err(invalid(&format!(
                "the name `{name}` must be ASCII letters, digits, `_` and `.`"
            )));
        }
        if version.is_empty()
            || !version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '!'))
        {
            return Err(invalid(&format!(
                "the version `{version}` is not a valid version"
            )));
        }
        if let Some(build) = build {
            if !build.starts_with(|c: char| c.is_ascii_digit()) {
                return Err(invalid(&format!(
                    "the build tag `{build}` must start with a digit"
                )));
            }
            if !build
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.'))
            {
                return Err(invalid(&format!(
                    "the build tag `{build}` has characters other than letters, digits, `_` and `.`"
                )));
            }
        }
        let tag_set = |set: &str, what: &str| -> Result<Vec<String>, WheelFilenameError> {
            if set.is_empty() {
                return Err(invalid(&format!("the {what} tag is empty")));
            }
            set.split('.')
                .map(|tag| {
                    if tag.is_empty() || !tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    {
                        Err(invalid(&format!("the {what} tag `{tag}` is not valid")))
                    } else {
                        Ok(tag.to_owned())
                    }
                })
                .collect()
        };
        let python = tag_set(python, "python")?;
        let abi = tag_set(abi, "abi")?;
        let platform = tag_set(platform, "platform")?
            .iter()
            .map(|tag| {
                tag.parse::<PlatformTag>()
                    .map_err(|err| invalid(&err.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(WheelFilename {
            name: name.to_owned(),
            version: version.to_owned(),
            build: build.map(str::to_owned),
            python,
            abi,
            platform,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, expect: &str) {
        let got = match input.parse::<WheelFilename>() {
            Ok(parsed) => {
                assert_eq!(parsed.to_string(), input, "Display must round-trip");
                let platform: Vec<String> = parsed
                    .platform_tags()
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                format!(
                    "name={} version={} build={} python={} abi={} platform={}",
                    parsed.name,
                    parsed.version,
                    parsed.build.as_deref().unwrap_or("-"),
                    parsed.python_tags().join(","),
                    parsed.abi_tags().join(","),
                    platform.join(",")
                )
            }
            Err(err) => format!("error: {err}"),
        };
        assert_eq!(got, expect);
    }

    #[test]
    fn plain() {
        check(
            "numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "name=numpy version=2.1.0 build=- python=cp311 abi=cp311 platform=manylinux_2_17_x86_64,manylinux2014_x86_64",
        );
    }

    #[test]
    fn build_tag_and_compressed_sets() {
        check(
            "foo_bar-1.0.post1-1deb12-py2.py3-none-any.whl",
            "name=foo_bar version=1.0.post1 build=1deb12 python=py2,py3 abi=none platform=any",
        );
    }

    #[test]
    fn errors_say_why() {
        check(
            "foo-1.0-py3-none.whl",
            "error: `foo-1.0-py3-none.whl` is not a valid wheel filename: it has 4 `-`-separated components, expected 5 or 6 (name, version, [build], python, abi, platform)",
        );
        check(
            "foo-bar-1.0-1-py3-none-any.whl",
            "error: `foo-bar-1.0-1-py3-none-any.whl` is not a valid wheel filename: it has 7 `-`-separated components, expected 5 or 6; a `-` in the name must be written `_`",
        );
        check(
            "foo-1.0-x-py3-none-any.whl",
            "error: `foo-1.0-x-py3-none-any.whl` is not a valid wheel filename: the build tag `x` must start with a digit",
        );
        check(
            "foo-1.0-py3-none-any.zip",
            "error: `foo-1.0-py3-none-any.zip` is not a wheel filename: it must end with `.whl`",
        );
        check(
            "foo-1.0-py3-none-../x.whl",
            "error: `foo-1.0-py3-none-../x.whl` is not a valid wheel filename: it contains a path separator",
        );
        check(
            "foo-1.0-py3-none-linux_x86_64..whl",
            "error: `foo-1.0-py3-none-linux_x86_64..whl` is not a valid wheel filename: the platform tag `` is not valid",
        );
    }

    #[test]
    fn retag_sorts_and_dedups() {
        let parsed: WheelFilename = "x-1-cp311-cp311-linux_x86_64.whl".parse().unwrap();
        let tags: Vec<PlatformTag> = [
            "manylinux_2_17_x86_64",
            "manylinux2014_x86_64",
            "manylinux_2_17_x86_64",
        ]
        .iter()
        .map(|t| t.parse().unwrap())
        .collect();
        assert_eq!(
            parsed.with_platform_tags(&tags).to_string(),
            "x-1-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"
        );
    }

    #[test]
    fn normalizes_names() {
        assert_eq!(normalize_dist_name("Foo.Bar__baz"), "foo-bar-baz");
        assert_eq!(normalize_dist_name("pyyaml"), "pyyaml");
    }
}
