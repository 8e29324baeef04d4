//! The per-step changes gathered while planning (credential entries to drop, script text to
//! rewrite, a step to replace), turned into `Edit`s once every tool has had its say: empty
//! `env:`/`with:` mappings go as a whole, a script left empty removes its step, text that is
//! not where the detector said is reported instead of patched.

use std::collections::BTreeMap;

use yaml_serde::Value;

use crate::migrate::edit::Edit;
use crate::workflow::model::Route;

use super::doc::{Doc, child, step_route};
use super::{Action, ActionKind, FilePlan};

/// All changes, keyed by (job id, step index).
#[derive(Debug, Default)]
pub(crate) struct Changes {
    steps: BTreeMap<(String, usize), StepChange>,
}

/// What happens to one step.
#[derive(Debug, Default)]
pub(crate) struct StepChange {
    /// `env`/`with` entries to remove (credentials).
    pub removals: Vec<Removal>,
    /// Rewrites of the step's `run` script, in order.
    pub rewrites: Vec<Rewrite>,
    /// A new `uses:` value.
    pub uses: Option<String>,
    /// The step replaced by these items (YAML text at column 0).
    pub replace: Option<String>,
    /// Leave the step alone (a person must finish it).
    pub abandoned: bool,
}

/// A credential entry to remove.
#[derive(Debug, Clone)]
pub(crate) struct Removal {
    pub route: Route,
    pub key: String,
    pub secret: Option<String>,
}

/// One rewrite of a `run` script.
#[derive(Debug, Clone)]
pub(crate) struct Rewrite {
    pub kind: RewriteKind,
    /// The text the detector (or a tool module) names.
    pub text: String,
    pub secret: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RewriteKind {
    /// Remove command-line arguments (and one space beside them).
    Argument,
    /// Remove a whole configuration command (its line, or its `&&` link).
    ConfigCommand,
    /// Replace the text by this.
    Literal(String),
}

impl Changes {
    pub(crate) fn step(&mut self, job: &str, index: usize) -> &mut StepChange {
        self.steps.entry((job.to_string(), index)).or_default()
    }

    pub(crate) fn get(&self, job: &str, index: usize) -> Option<&StepChange> {
        self.steps.get(&(job.to_string(), index))
    }

    /// The step's `run` script after its rewrites so far, with the concrete `(from, to)` of
    /// each rewrite that matched; `None` when the step has no `run`.
    pub(crate) fn simulated_run(&self, doc: &Doc, job: &str, index: usize) -> Option<Simulated> {
        let run = doc.step(job, index)?.get("run")?.as_str()?;
        let rewrites = self
            .get(job, index)
            .map(|c| c.rewrites.as_slice())
            .unwrap_or(&[]);
        Some(simulate(run, rewrites))
    }

    /// The edits, last step first within each job, and the actions and secrets they imply.
    pub(crate) fn into_edits(self, doc: &Doc, plan: &mut FilePlan) -> Vec<Edit> {
        let mut edits = Vec::new();
        for ((job, index), change) in self.steps.into_iter().rev() {
            if change.abandoned {
                continue;
            }
            let route = step_route(&job, index);
            if let Some(yaml) = change.replace {
                for removal in &change.removals {
                    report_removed(
                        plan,
                        &job,
                        Some(index),
                        &removal.key,
                        removal.secret.as_ref(),
                    );
                }
                for rewrite in change
                    .rewrites
                    .iter()
                    .filter(|r| !matches!(r.kind, RewriteKind::Literal(_)))
                {
                    report_removed(
                        plan,
                        &job,
                        Some(index),
                        &describe(rewrite),
                        rewrite.secret.as_ref(),
                    );
                }
                edits.push(Edit::ReplaceStep { route, yaml });
                continue;
            }
            if let Some(uses) = change.uses {
                // Rewritten inside the scalar, so its style (plain, quoted) and any comment
                // after it stay.
                let old = doc
                    .step(&job, index)
                    .and_then(|s| s.get("uses"))
                    .and_then(Value::as_str);
                edits.push(match old {
                    Some(old) => Edit::RewriteText {
                        route: child(&route, &["uses"]),
                        from: old.to_string(),
                        to: uses,
                    },
                    None => Edit::Replace {
                        route: child(&route, &["uses"]),
                        value: Value::String(uses),
                    },
                });
            }
            let mut run_edits = Vec::new();
            if let Some(run) = doc
                .step(&job, index)
                .and_then(|s| s.get("run"))
                .and_then(Value::as_str)
            {
                let simulated = simulate(run, &change.rewrites);
                for missing in &simulated.missing {
                    plan.actions.push(Action {
                        job: job.clone(),
                        step: Some(index),
                        kind: ActionKind::Review,
                        message: format!(
                            "{} was not found in the step's script: remove it by hand",
                            describe(missing)
                        ),
                    });
                }
                let has_uses = doc
                    .step(&job, index)
                    .is_some_and(|s| s.get("uses").is_some());
                if simulated.text.trim().is_empty() && !has_uses {
                    edits.push(Edit::Remove {
                        route: route.clone(),
                    });
                    for (rewrite, _) in &simulated.applied {
                        if matches!(rewrite.kind, RewriteKind::Literal(_)) {
                            continue;
                        }
                        report_removed(
                            plan,
                            &job,
                            Some(index),
                            &describe(rewrite),
                            rewrite.secret.as_ref(),
                        );
                    }
                    plan.actions.push(Action {
                        job: job.clone(),
                        step: Some(index),
                        kind: ActionKind::RemoveCredential,
                        message: "step removed: it only configured a credential".to_string(),
                    });
                    continue;
                }
                for (rewrite, (from, to)) in &simulated.applied {
                    if !matches!(rewrite.kind, RewriteKind::Literal(_)) {
                        report_removed(
                            plan,
                            &job,
                            Some(index),
                            &describe(rewrite),
                            rewrite.secret.as_ref(),
                        );
                    }
                    run_edits.push(Edit::RewriteText {
                        route: child(&route, &["run"]),
                        from: from.clone(),
                        to: to.clone(),
                    });
                }
            }
            edits.extend(run_edits);
            edits.extend(removal_edits(doc, &job, index, &change.removals, plan));
        }
        edits
    }
}

/// Remove entries; a mapping that would be left empty goes as a whole.
fn removal_edits(
    doc: &Doc,
    job: &str,
    index: usize,
    removals: &[Removal],
    plan: &mut FilePlan,
) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut parents: Vec<Route> = Vec::new();
    for removal in removals {
        let parent: Route = removal.route[..removal.route.len().saturating_sub(1)].to_vec();
        if !parents.contains(&parent) {
            parents.push(parent);
        }
    }
    for parent in parents {
        let mine: Vec<&Removal> = removals
            .iter()
            .filter(|r| r.route.starts_with(&parent) && r.route.len() == parent.len() + 1)
            .collect();
        let size = resolve_mapping_len(doc, &parent);
        let mut keys: Vec<&str> = mine.iter().map(|r| r.key.as_str()).collect();
        keys.dedup();
        if size.is_some_and(|n| n <= keys.len()) {
            edits.push(Edit::Remove { route: parent });
        } else {
            edits.extend(mine.iter().map(|r| Edit::Remove {
                route: r.route.clone(),
            }));
        }
        for removal in mine {
            report_removed(
                plan,
                job,
                Some(index),
                &removal.key,
                removal.secret.as_ref(),
            );
        }
    }
    edits
}

/// The number of entries of the mapping at `route` (counted in the parsed document).
pub(crate) fn resolve_mapping_len(doc: &Doc, route: &Route) -> Option<usize> {
    let mut node: Option<&Value> = None;
    let root = doc.root();
    for (n, segment) in route.iter().enumerate() {
        let next = match (n, segment, node) {
            (0, crate::workflow::model::Segment::Key(k), _) => root.get(k.as_str()),
            (_, crate::workflow::model::Segment::Key(k), Some(v)) => v.get(k.as_str()),
            (_, crate::workflow::model::Segment::Index(i), Some(v)) => v.get(*i),
            _ => None,
        };
        node = Some(next?);
    }
    match node {
        Some(Value::Mapping(m)) => Some(m.len()),
        None if route.is_empty() => Some(root.len()),
        _ => None,
    }
}

/// Record a removed credential (and its secret, to revoke).
pub(crate) fn report_removed(
    plan: &mut FilePlan,
    job: &str,
    index: Option<usize>,
    what: &str,
    secret: Option<&String>,
) {
    let from_secret = secret.map(|s| format!(" (secret {s})")).unwrap_or_default();
    plan.actions.push(Action {
        job: job.to_string(),
        step: index,
        kind: ActionKind::RemoveCredential,
        message: format!(
            "removed {what}{from_secret}: Trusted Publishing needs no stored credential"
        ),
    });
    if let Some(secret) = secret {
        plan.secrets_to_revoke.push(secret.clone());
    }
}

/// How to name a rewrite without printing a value: the flag, or the command.
pub(crate) fn describe(rewrite: &Rewrite) -> String {
    // The flag only: `--password=…` carries its value in the same word.
    let first = rewrite
        .text
        .split_whitespace()
        .next()
        .and_then(|word| word.split('=').next())
        .unwrap_or("");
    match &rewrite.kind {
        RewriteKind::Argument => format!("the `{first}` argument"),
        RewriteKind::ConfigCommand => {
            let words: Vec<&str> = rewrite.text.split_whitespace().take(3).collect();
            format!("the `{} …` command", words.join(" "))
        }
        RewriteKind::Literal(to) => format!("`{}` (now `{to}`)", rewrite.text),
    }
}

/// A script after rewrites.
#[derive(Debug, Clone)]
pub(crate) struct Simulated {
    pub text: String,
    pub applied: Vec<(Rewrite, (String, String))>,
    pub missing: Vec<Rewrite>,
}

/// Apply rewrites to a script as `apply` will (first occurrence each, in order).
pub(crate) fn simulate(run: &str, rewrites: &[Rewrite]) -> Simulated {
    let mut text = run.to_string();
    let mut applied = Vec::new();
    let mut missing = Vec::new();
    for rewrite in rewrites {
        match concrete(&text, rewrite) {
            Some((from, to)) => {
                text = text.replacen(&from, &to, 1);
                applied.push((rewrite.clone(), (from, to)));
            }
            None => missing.push(rewrite.clone()),
        }
    }
    Simulated {
        text,
        applied,
        missing,
    }
}

/// The exact `(from, to)` for a rewrite of `text`, or `None` when its text is absent.
fn concrete(text: &str, rewrite: &Rewrite) -> Option<(String, String)> {
    let needle = rewrite.text.as_str();
    if needle.is_empty() || !text.contains(needle) {
        return None;
    }
    match &rewrite.kind {
        RewriteKind::Literal(to) => Some((needle.to_string(), to.clone())),
        RewriteKind::Argument => {
            let spaced = format!(" {needle}");
            if text.contains(&spaced) {
                return Some((spaced, String::new()));
            }
            let trailing = format!("{needle} ");
            if text.contains(&trailing) {
                return Some((trailing, String::new()));
            }
            Some((needle.to_string(), String::new()))
        }
        RewriteKind::ConfigCommand => {
            for link in [" && ", "&& ", " ; ", "; "] {
                let linked = format!("{needle}{link}");
                if text.contains(&linked) {
                    return Some((linked, String::new()));
                }
            }
            for link in [" && ", " ; "] {
                let linked = format!("{link}{needle}");
                if text.contains(&linked) {
                    return Some((linked, String::new()));
                }
            }
            // The whole line, when the command is all of it.
            for line in text.split_inclusive('\n') {
                if line.trim() == needle {
                    return Some((line.to_string(), String::new()));
                }
            }
            Some((needle.to_string(), String::new()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(kind: RewriteKind, text: &str) -> Rewrite {
        Rewrite {
            kind,
            text: text.to_string(),
            secret: None,
        }
    }

    #[test]
    fn an_argument_goes_with_one_space() {
        let s = simulate(
            "twine upload -p ${{ secrets.T }} dist/*\n",
            &[rewrite(RewriteKind::Argument, "-p ${{ secrets.T }}")],
        );
        assert_eq!(s.text, "twine upload dist/*\n");
        assert_eq!(s.applied.len(), 1);
    }

    #[test]
    fn a_config_command_goes_with_its_line_or_its_link() {
        let s = simulate(
            "poetry config pypi-token.pypi $T\npoetry publish\n",
            &[rewrite(
                RewriteKind::ConfigCommand,
                "poetry config pypi-token.pypi $T",
            )],
        );
        assert_eq!(s.text, "poetry publish\n");
        let s = simulate(
            "poetry config pypi-token.pypi $T && poetry publish",
            &[rewrite(
                RewriteKind::ConfigCommand,
                "poetry config pypi-token.pypi $T",
            )],
        );
        assert_eq!(s.text, "poetry publish");
    }

    #[test]
    fn text_not_in_the_script_is_reported_missing() {
        let s = simulate(
            "twine upload dist/*",
            &[rewrite(RewriteKind::Argument, "-p X")],
        );
        assert_eq!(s.text, "twine upload dist/*");
        assert!(s.applied.is_empty());
        assert_eq!(s.missing.len(), 1);
    }

    #[test]
    fn descriptions_never_show_argument_values() {
        let r = rewrite(RewriteKind::Argument, "--password pypi-AgEIcHlwaS5vcmc");
        assert_eq!(describe(&r), "the `--password` argument");
        let r = rewrite(RewriteKind::Argument, "--password=pypi-AgEIcHlwaS5vcmc");
        assert_eq!(describe(&r), "the `--password` argument");
    }
}
