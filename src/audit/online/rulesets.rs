//! Tag rulesets (`GET /repos/{o}/{r}/rulesets?targets=tag&includes_parents=true`, then each
//! active one by id for its conditions and rules): one must cover the release tags and
//! restrict their creation, update and deletion, or anyone with write access can move a tag
//! that a release workflow trusts.

use serde::{Deserialize, Serialize};

use crate::publish::github::client::Client;
use crate::publish::github::{GithubError, Repository};

/// What the tag rulesets do.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TagRulesets {
    /// Active tag rulesets, by name.
    pub active: Vec<String>,
    /// An active one covers release tags (`v*`, `~ALL`…) and restricts creation, update and
    /// deletion.
    pub covers_release_tags: bool,
    /// Of creation/update/deletion, what the covering rulesets leave unrestricted.
    pub unrestricted: Vec<String>,
}

#[derive(Deserialize)]
struct Summary {
    id: u64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    enforcement: String,
}

#[derive(Deserialize)]
struct Ruleset {
    #[serde(default)]
    conditions: Option<Conditions>,
    #[serde(default)]
    rules: Vec<RuleJson>,
}

#[derive(Deserialize)]
struct Conditions {
    #[serde(default)]
    ref_name: Option<RefName>,
}

#[derive(Deserialize)]
struct RefName {
    #[serde(default)]
    include: Vec<String>,
}

#[derive(Deserialize)]
struct RuleJson {
    #[serde(rename = "type")]
    kind: String,
}

/// Whether a ruleset `include` pattern covers release tags like `v1.2.3` or `1.2.3`.
pub fn covers(pattern: &str) -> bool {
    let p = pattern.strip_prefix("refs/tags/").unwrap_or(pattern);
    if p == "~ALL" || p == "*" || p == "**" || p == "**/*" {
        return true;
    }
    let Some(prefix) = p.strip_suffix('*') else {
        return false;
    };
    let prefix = prefix.trim_end_matches('*');
    ["v1.2.3", "1.2.3"].iter().any(|t| t.starts_with(prefix))
}

const RESTRICTED: [&str; 3] = ["creation", "update", "deletion"];

pub async fn fetch(client: &Client<'_>, repo: &Repository) -> Result<TagRulesets, GithubError> {
    let url = client.repo_query_url(
        repo,
        &["rulesets"],
        &[
            ("targets", "tag"),
            ("includes_parents", "true"),
            ("per_page", "100"),
        ],
    )?;
    let list: Vec<Summary> = client
        .get_optional("GET tag rulesets", &url)
        .await?
        .unwrap_or_default();
    let mut out = TagRulesets::default();
    let mut restricted: Vec<String> = Vec::new();
    for s in list
        .iter()
        .filter(|s| s.enforcement == "active" && s.target.as_deref().is_none_or(|t| t == "tag"))
    {
        out.active.push(s.name.clone());
        let url = client.repo_url(repo, &["rulesets", &s.id.to_string()])?;
        let Some(r) = client
            .get_optional::<Ruleset>(&format!("GET ruleset {}", s.id), &url)
            .await?
        else {
            continue;
        };
        let covering = r
            .conditions
            .and_then(|c| c.ref_name)
            .is_some_and(|n| n.include.iter().any(|p| covers(p)));
        if covering {
            restricted.extend(r.rules.into_iter().map(|x| x.kind));
            out.covers_release_tags = true;
        }
    }
    out.unrestricted = RESTRICTED
        .iter()
        .filter(|k| !restricted.iter().any(|r| r == *k))
        .map(|k| k.to_string())
        .collect();
    out.covers_release_tags = out.covers_release_tags && out.unrestricted.is_empty();
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn release_tag_patterns() {
        for p in ["v*", "refs/tags/v*", "~ALL", "*", "v**", "1.*"] {
            assert!(super::covers(p), "{p}");
        }
        for p in ["release-*", "refs/tags/stable", "main"] {
            assert!(!super::covers(p), "{p}");
        }
    }
}
