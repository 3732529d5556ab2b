//! Debian version ordering checked against `dpkg --compare-versions`: the design's vectors
//! plus a few hundred generated pairs (a fixed pseudo-random sequence, so the set is the same
//! on every run).

use std::cmp::Ordering;
use std::process::Command;

use wheelfix_distro::debian::version::{DebVersion, compare_versions};

use crate::support::have_tool;

const DESIGN_VECTORS: [(&str, &str); 13] = [
    ("10~~", "10~"),
    ("10~", "10"),
    ("10", "10.0"),
    ("9.1~", "9.1"),
    ("1:1.1.4", "1.2.13"),
    ("2.36-9+deb12u14", "2.36"),
    ("3.0.22-1~deb12u2", "3.0.22-1"),
    ("15.20-0+deb12u1", "10~~"),
    ("1.0a", "1.0+"),
    ("1.0-1", "1.0.1"),
    ("0", "0~"),
    ("2.2.5", "2.14"),
    ("1:1.2.13.dfsg-1", "1:1.2.0.8"),
];

/// A small deterministic generator (64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % below
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next(items.len())]
    }
}

/// A valid version built from the pieces that matter for ordering.
fn generated_version(rng: &mut Lcg) -> String {
    let epoch = rng.pick(&["", "", "", "0:", "1:", "2:", "10:"]);
    let mut upstream = rng
        .pick(&["0", "1", "2", "9", "10", "01", "100"])
        .to_owned();
    for _ in 0..rng.next(4) {
        upstream.push_str(rng.pick(&[
            ".", "~", "+", "a", "b", "~~", ".0", "rc", "~rc", "dfsg", "Z",
        ]));
        if rng.next(2) == 0 {
            upstream.push_str(rng.pick(&["0", "1", "2", "10", "007"]));
        }
    }
    let revision = rng.pick(&[
        "",
        "",
        "-1",
        "-0",
        "-1~deb12u1",
        "-1+b1",
        "-2",
        "-1.1",
        "-0ubuntu1",
    ]);
    format!("{epoch}{upstream}{revision}")
}

/// Ask dpkg for the order of every pair in one shell process.
fn dpkg_orders(pairs: &[(String, String)]) -> Vec<Ordering> {
    let mut script = String::new();
    for (a, b) in pairs {
        script.push_str(&format!(
            "if dpkg --compare-versions '{a}' lt '{b}'; then echo lt; \
             elif dpkg --compare-versions '{a}' eq '{b}'; then echo eq; else echo gt; fi\n"
        ));
    }
    let output = Command::new("sh").arg("-c").arg(script).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| match line {
            "lt" => Ordering::Less,
            "eq" => Ordering::Equal,
            _ => Ordering::Greater,
        })
        .collect()
}

#[test]
fn version_order_matches_dpkg() {
    if !have_tool("dpkg", "oracle for Debian version ordering") {
        return;
    }
    let mut pairs: Vec<(String, String)> = DESIGN_VECTORS
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    let mut rng = Lcg(0x05ee_d0fd_15c0);
    while pairs.len() < 400 {
        let a = generated_version(&mut rng);
        // Half the pairs share a prefix, so that the interesting tails get compared.
        let b = if rng.next(2) == 0 {
            generated_version(&mut rng)
        } else {
            let cut = rng.next(a.len()) + 1;
            let mut b = a[..cut].to_owned();
            b.push_str(&generated_version(&mut rng)[1..]);
            b
        };
        if DebVersion::parse(&a).is_ok() && DebVersion::parse(&b).is_ok() {
            pairs.push((a, b));
        }
    }
    let expected = dpkg_orders(&pairs);
    assert_eq!(expected.len(), pairs.len());
    let mut mismatches = Vec::new();
    for ((a, b), dpkg) in pairs.iter().zip(&expected) {
        let ours = compare_versions(a, b).unwrap();
        if ours != *dpkg {
            mismatches.push(format!("{a} vs {b}: dpkg {dpkg:?}, wheelfix {ours:?}"));
        }
    }
    println!(
        "compared {} version pairs with dpkg --compare-versions",
        pairs.len()
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // The design's vectors are all strict "less than".
    for (a, b) in DESIGN_VECTORS {
        let ordering = compare_versions(a, b).unwrap();
        let expected_ordering = if [
            "1:1.1.4",
            "2.36-9+deb12u14",
            "15.20-0+deb12u1",
            "0",
            "1:1.2.13.dfsg-1",
        ]
        .contains(&a)
        {
            Ordering::Greater
        } else {
            Ordering::Less
        };
        assert_eq!(ordering, expected_ordering, "{a} vs {b}");
    }
}
