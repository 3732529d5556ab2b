//! Choosing what a repair aims for (anchors.md §c6–c7 steps 1–3): the target policy from
//! `--plat TAG|auto`, the policy that decides which libraries are grafted, and the tags the
//! repaired wheel will carry. A pure function of the verdict; refusals are values.

use wheelfix_audit::{PolicyAssessment, Verdict};
use wheelfix_tags::PlatformTag;

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requested {
    /// The best tag reachable.
    Auto,
    Tag(PlatformTag),
}

/// The decision: graft according to `graft_policy`, tag with `tags`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The policy whose external libraries are grafted (the most compatible tag written).
    pub graft_policy: String,
    /// The platform tags to write, primary first (`manylinux_2_17_x86_64`, its aliases, and
    /// the requested tag when it is less compatible than what the wheel reaches).
    pub tags: Vec<PlatformTag>,
    /// The requested policy, when a better one was found and `--only-plat` was not given.
    pub higher_priority_found: Option<(String, String)>,
}

/// Why a repair to the requested tag is impossible.
#[derive(Debug, Clone)]
pub enum Refusal {
    /// The requested tag is not a policy for this wheel's libc and architecture.
    UnknownTag {
        tag: String,
        arch: String,
        libc: String,
    },
    /// No manylinux/musllinux policy is reachable at all.
    NothingReachable { best: String },
    /// The requested tag is better than what vendoring can reach; the assessment says why.
    OutOfReach {
        tag: String,
        reachable: String,
        assessment: Box<PolicyAssessment>,
    },
}

/// Decide the target of a repair. `only_plat` keeps exactly the requested tag.
pub fn choose(
    verdict: &Verdict,
    requested: &Requested,
    only_plat: bool,
) -> Result<Target, Refusal> {
    let reachable = graft_capped(verdict, requested);
    let requested_policy = match requested {
        Requested::Auto => {
            if reachable == "linux" {
                return Err(Refusal::NothingReachable {
                    best: verdict.repairable.clone(),
                });
            }
            reachable.clone()
        }
        Requested::Tag(tag) => {
            let policy = verdict
                .policies
                .iter()
                .find(|p| p.tags.iter().any(|t| t.canonical() == tag.canonical()))
                .ok_or_else(|| Refusal::UnknownTag {
                    tag: tag.to_string(),
                    arch: verdict.arch.to_string(),
                    libc: verdict.libc.to_string(),
                })?;
            if !policy.reachable_by_repair(verdict) || !verdict.at_least(&reachable, &policy.name) {
                return Err(Refusal::OutOfReach {
                    tag: tag.to_string(),
                    reachable: reachable.clone(),
                    assessment: Box::new(policy.clone()),
                });
            }
            policy.name.clone()
        }
    };
    let requested_tags = verdict.tags_of(&requested_policy);
    if !only_plat
        && reachable != requested_policy
        && verdict.at_least(&reachable, &requested_policy)
    {
        let mut tags = verdict.tags_of(&reachable);
        tags.extend(requested_tags);
        return Ok(Target {
            graft_policy: reachable.clone(),
            tags,
            higher_priority_found: Some((requested_policy, reachable)),
        });
    }
    Ok(Target {
        graft_policy: requested_policy,
        tags: requested_tags,
        higher_priority_found: None,
    })
}

/// The best policy `repair` may tag: reachable by vendoring, and vendoring no more libraries
/// than the requested policy would (auditwheel's `graft_policy`, #649): a more compatible tag
/// is not worth extra copies of system libraries.
fn graft_capped(verdict: &Verdict, requested: &Requested) -> String {
    let counts = |filter: &dyn Fn(&PolicyAssessment) -> bool| {
        verdict
            .policies
            .iter()
            .filter(|p| filter(p))
            .map(|p| p.external_libs.len())
            .min()
    };
    let limit = match requested {
        Requested::Auto => counts(&|_| true),
        Requested::Tag(tag) => counts(&|p| p.tags.iter().any(|t| t.canonical() == tag.canonical())),
    }
    .unwrap_or(0);
    let graft_policy = verdict
        .policies
        .iter()
        .find(|p| p.external_libs.len() <= limit)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| "linux".into());
    // The lesser of what the symbols/blacklist/ISA allow and what the graft count allows.
    if verdict.at_least(&verdict.repairable, &graft_policy) {
        graft_policy
    } else {
        verdict.repairable.clone()
    }
}
