//! The offline checks, one module per check; each reads a `Repo` and returns its findings.
//! Checks about releasing (smoke, TestPyPI, gate, GitHub release, runbook, drill, environment,
//! attestations) only speak about repositories that publish.

use super::finding::Finding;
use super::repo::Repo;

pub mod attestations;
pub mod caches;
pub mod drill;
pub mod environment;
pub mod gate;
pub mod github_release;
pub mod gitlab;
pub mod permissions;
pub mod pinning;
pub mod publishing;
pub mod runbook;
pub mod smoke;
pub mod tag_trigger;
pub mod testpypi;
pub mod triggers;

/// One check: its name and its function.
pub type Check = fn(&Repo) -> Vec<Finding>;

/// Every check, in report order.
pub const ALL: &[(&str, Check)] = &[
    ("publishing", publishing::check),
    ("permissions", permissions::check),
    ("pinning", pinning::check),
    ("triggers", triggers::check),
    ("environment", environment::check),
    ("tag-trigger", tag_trigger::check),
    ("caches", caches::check),
    ("attestations", attestations::check),
    ("smoke", smoke::check),
    ("testpypi", testpypi::check),
    ("gate", gate::check),
    ("github-release", github_release::check),
    ("gitlab", gitlab::check),
    ("runbook", runbook::check),
    ("drill", drill::check),
];

/// Every finding of every check, most severe first, then by file and line.
pub fn run(repo: &Repo) -> Vec<Finding> {
    let mut all: Vec<Finding> = ALL.iter().flat_map(|(_, check)| check(repo)).collect();
    all.sort_by(|a, b| {
        let place = |f: &Finding| {
            f.location
                .as_ref()
                .map(|l| (l.file.clone(), l.span.map_or(0, |s| s.start)))
        };
        b.severity
            .cmp(&a.severity)
            .then_with(|| place(a).cmp(&place(b)))
            .then_with(|| a.id.cmp(&b.id))
    });
    all
}

/// The fix for a token: chora's own switch in a chora project, `chora migrate` elsewhere.
pub fn token_fix(repo: &Repo) -> &'static str {
    if repo.chora_project() {
        "switch to Trusted Publishing with `chora update --data pypi_auth_method=oidc`, register the publisher (PYPI_SETUP.md), then revoke the token on PyPI and delete the secret"
    } else {
        "run `chora migrate` (Trusted Publishing: no secret), register the trusted publisher it lists, then revoke the token on PyPI and delete the secret"
    }
}
