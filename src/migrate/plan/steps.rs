//! Per publishing tool. Tools with native Trusted Publishing (twine >= 6.1, uv, pdm, the PyPA
//! action) keep their step once the credential is gone: a twine pinned below 6.1 is raised,
//! a PyPA action ref that may predate OIDC (or cannot be verified) is replaced by chora's SHA
//! pin. Tools without it (poetry, flit, hatch, `setup.py upload`, maturin) keep their build:
//! only the upload is replaced by the configured publisher's steps, reading the directory the
//! build writes; a combined build-and-upload command becomes the build command.

use regex_lite::Regex;
use yaml_serde::{Mapping, Value};

use crate::migrate::publisher::{Publisher, UploadStep};
use crate::template::pins;
use crate::workflow::model::{CredentialPlace, Detection, Tool};

use super::changes::{Changes, Rewrite, RewriteKind};
use super::doc::{Doc, str_at};
use super::{Action, ActionKind, FilePlan, PlanError, PlanOptions, RenderUpload};

/// The twine chora raises old pins to: the current release (publish.md), and the lowest
/// release with Trusted Publishing for ranges.
pub(crate) const TWINE_PIN: &str = "7.0.0";
pub(crate) const TWINE_MINIMUM: &str = "6.1";

const PYPA_ACTION: &str = "pypa/gh-action-pypi-publish";

/// Plan the tool-specific part of every migrating detection.
pub(super) fn plan(
    doc: &Doc,
    migrating: &[&Detection],
    options: &PlanOptions,
    render: &dyn RenderUpload,
    changes: &mut Changes,
    plan: &mut FilePlan,
) -> Result<(), PlanError> {
    let mut twine_jobs: Vec<String> = Vec::new();
    for detection in migrating {
        let job = detection.job.as_str();
        let Some(index) = detection.step else {
            continue;
        };
        match &detection.tool {
            Tool::Twine => {
                keep(
                    plan,
                    job,
                    index,
                    "twine (>= 6.1) publishes with Trusted Publishing once no password is given",
                );
                if !twine_jobs.iter().any(|j| j == job) {
                    twine_jobs.push(job.to_string());
                    raise_twine(doc, job, changes, plan);
                }
            }
            Tool::Uv => keep(
                plan,
                job,
                index,
                "`uv publish` uses Trusted Publishing by itself once no token is given",
            ),
            Tool::Pdm => keep(
                plan,
                job,
                index,
                "`pdm publish` uses Trusted Publishing by itself once no password is given",
            ),
            Tool::ChoraPublish => review(
                plan,
                job,
                index,
                "chora-publish uses Trusted Publishing by itself once no token is given: its token is removed; drop `--auth token` from the command if it has it",
            ),
            Tool::PypaAction => {
                keep(
                    plan,
                    job,
                    index,
                    "the PyPA action uses Trusted Publishing when no password is given",
                );
                repin_action(doc, job, index, changes, plan);
                pypa_user(doc, job, index, changes, plan);
            }
            Tool::Script => review(
                plan,
                job,
                index,
                "a repository script publishes: its credential is removed; check that the script uploads with a tool that has Trusted Publishing (twine >= 6.1, `uv publish`, `pdm publish`), else change it",
            ),
            Tool::Other(name) => review(
                plan,
                job,
                index,
                &format!(
                    "`{name}` publishes: its credential is removed; check that it supports Trusted Publishing, else replace it by a build step and chora's upload steps"
                ),
            ),
            Tool::Poetry | Tool::Flit | Tool::Hatch | Tool::SetupPy | Tool::Maturin
                if only_configures(doc, detection, index) =>
            {
                // `poetry config pypi-token.pypi …` in a step of its own: the credential goes
                // (with the step, if that was all it did); the upload is another detection.
            }
            Tool::Poetry | Tool::Flit | Tool::Hatch | Tool::SetupPy | Tool::Maturin => {
                replace_upload(doc, detection, index, options, render, changes, plan)?;
            }
        }
    }
    Ok(())
}

/// Whether the detected step only stores the credential (configuration commands) and uploads
/// nothing itself.
fn only_configures(doc: &Doc, detection: &Detection, index: usize) -> bool {
    let Some(run) = doc
        .step(&detection.job, index)
        .and_then(|s| str_at(s, "run"))
    else {
        return false;
    };
    let mut rest = run.to_string();
    for credential in &detection.credentials {
        match &credential.place {
            CredentialPlace::ConfigCommand { text } => rest = rest.replace(text.as_str(), ""),
            _ => return false,
        }
    }
    !detection.credentials.is_empty() && !["publish", "upload"].iter().any(|w| rest.contains(w))
}

fn keep(plan: &mut FilePlan, job: &str, step: usize, message: &str) {
    plan.actions.push(Action {
        job: job.to_string(),
        step: Some(step),
        kind: ActionKind::KeepStep,
        message: format!("step kept: {message}"),
    });
}

fn review(plan: &mut FilePlan, job: &str, step: usize, message: &str) {
    plan.actions.push(Action {
        job: job.to_string(),
        step: Some(step),
        kind: ActionKind::Review,
        message: message.to_string(),
    });
}

/// (major, minor, patch) of a dotted version's leading numbers.
pub(crate) fn version(text: &str) -> (u64, u64, u64) {
    let mut parts = text
        .split('.')
        .map(|p| {
            p.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .map(|p| p.parse::<u64>().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

/// The twine requirements in a script that exclude twine 6.1 (the first with Trusted
/// Publishing), each as (the text found, what it becomes).
pub(crate) fn old_twine_requirements(script: &str) -> Vec<(String, String)> {
    let Ok(pattern) = Regex::new(r"twine\s*(==|<=|<|~=|@)\s*([0-9][0-9A-Za-z.]*)") else {
        return Vec::new();
    };
    let minimum = version(TWINE_MINIMUM);
    let mut out = Vec::new();
    for found in pattern.captures_iter(script) {
        let (Some(all), Some(op), Some(ver)) = (found.get(0), found.get(1), found.get(2)) else {
            continue;
        };
        let v = version(ver.as_str());
        let too_old = match op.as_str() {
            "<" => v <= minimum,
            _ => v < minimum,
        };
        if !too_old {
            continue;
        }
        let to = match op.as_str() {
            "==" => format!("twine=={TWINE_PIN}"),
            "@" => format!("twine@{TWINE_PIN}"),
            _ => format!("twine>={TWINE_MINIMUM}"),
        };
        out.push((all.as_str().to_string(), to));
    }
    out
}

/// Raise every twine requirement in the job's scripts that excludes twine 6.1.
fn raise_twine(doc: &Doc, job: &str, changes: &mut Changes, plan: &mut FilePlan) {
    for (index, step) in doc.steps(job).iter().enumerate() {
        let Some(run) = step.get("run").and_then(Value::as_str) else {
            continue;
        };
        for (from, to) in old_twine_requirements(run) {
            plan.actions.push(Action {
                job: job.to_string(),
                step: Some(index),
                kind: ActionKind::RaiseVersion,
                message: format!(
                    "`{from}` raised to `{to}`: twine has Trusted Publishing since 6.1"
                ),
            });
            changes.step(job, index).rewrites.push(Rewrite {
                kind: RewriteKind::Literal(to),
                text: from,
                secret: None,
            });
        }
    }
}

/// Whether a PyPA action ref certainly has Trusted Publishing: `release/v1`, a tag >= v1.8,
/// or chora's own pin.
fn ref_has_oidc(reference: &str, pinned_sha: &str) -> bool {
    if reference == "release/v1" || reference.eq_ignore_ascii_case(pinned_sha) {
        return true;
    }
    let Some(tag) = reference.strip_prefix('v') else {
        return false;
    };
    if !tag
        .split('.')
        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    {
        return false;
    }
    let (major, minor, _) = version(tag);
    major > 1 || (major == 1 && minor >= 8)
}

fn repin_action(doc: &Doc, job: &str, index: usize, changes: &mut Changes, plan: &mut FilePlan) {
    let Some(uses) = doc.step(job, index).and_then(|s| str_at(s, "uses")) else {
        return;
    };
    let Some((action, reference)) = uses.split_once('@') else {
        return;
    };
    if !action.eq_ignore_ascii_case(PYPA_ACTION) {
        return;
    }
    let Some(pin) = pins::find(PYPA_ACTION) else {
        return;
    };
    if ref_has_oidc(reference, &pin.sha) {
        return;
    }
    changes.step(job, index).uses = Some(format!("{PYPA_ACTION}@{}", pin.sha));
    plan.actions.push(Action {
        job: job.to_string(),
        step: Some(index),
        kind: ActionKind::RepinAction,
        message: format!(
            "`@{reference}` may predate Trusted Publishing (v1.8) or cannot be verified: pinned to {} ({}); fix a version comment on that line if it has one",
            pin.tag, pin.sha
        ),
    });
}

/// The PyPA action uses Trusted Publishing only with `user: __token__` (its default): another
/// user the detector did not list (an account name, `secrets.PYPI_USERNAME`) goes too.
fn pypa_user(doc: &Doc, job: &str, index: usize, changes: &mut Changes, plan: &mut FilePlan) {
    let Some(with) = doc
        .step(job, index)
        .and_then(|s| s.get("with"))
        .and_then(Value::as_mapping)
    else {
        return;
    };
    let Some(user) = str_at(with, "user") else {
        return;
    };
    let listed = changes.get(job, index).is_some_and(|c| {
        c.removals.iter().any(|r| {
            r.key == "user"
                && r.route
                    .ends_with(&[super::doc::key("with"), super::doc::key("user")])
        })
    });
    if user.trim() == "__token__" || listed {
        return;
    }
    let secret = Regex::new(r"secrets\.([A-Za-z0-9_]+)")
        .ok()
        .and_then(|re| Some(re.captures(user)?.get(1)?.as_str().to_string()));
    let route = super::doc::child(&super::doc::step_route(job, index), &["with", "user"]);
    changes
        .step(job, index)
        .removals
        .push(super::changes::Removal {
            route,
            key: "user".to_string(),
            secret,
        });
    review(
        plan,
        job,
        index,
        "the action's `user` is not `__token__`: removed, since Trusted Publishing uploads as `__token__` (the default)",
    );
}

/// The build and upload of a tool without Trusted Publishing.
pub(crate) struct Split {
    /// The command that replaces the upload command (`None`: just drop it).
    pub build: Option<String>,
    /// Where the distributions are.
    pub dist_dir: String,
    /// The files named on the upload's command line, when not simply everything in
    /// `dist_dir` (`*.whl` then `*.tar.gz` in the working folder).
    pub files: Vec<String>,
    /// A note for the person (where the files are could not be told).
    pub note: Option<String>,
}

fn replace_upload(
    doc: &Doc,
    detection: &Detection,
    index: usize,
    options: &PlanOptions,
    render: &dyn RenderUpload,
    changes: &mut Changes,
    plan: &mut FilePlan,
) -> Result<(), PlanError> {
    let job = detection.job.as_str();
    let Some(step) = doc.step(job, index) else {
        return Ok(());
    };
    let working_dir =
        str_at(step, "working-directory").map(|d| d.trim_end_matches('/').to_string());
    let removed_keys: Vec<(String, String)> = changes
        .get(job, index)
        .map(|c| {
            c.removals
                .iter()
                .filter_map(|r| {
                    let parent = match r.route.iter().rev().nth(1) {
                        Some(crate::workflow::model::Segment::Key(p)) => p.clone(),
                        _ => return None,
                    };
                    Some((parent, r.key.clone()))
                })
                .collect()
        })
        .unwrap_or_default();

    let (build_step, split) = if let Some(uses) = str_at(step, "uses") {
        match maturin_action(step, uses) {
            Some(found) => found,
            None => {
                abandon(
                    changes,
                    plan,
                    job,
                    index,
                    "the upload step is an action chora cannot split into build and upload: replace it by hand",
                );
                return Ok(());
            }
        }
    } else if str_at(step, "shell").is_some_and(|sh| sh.contains("python")) {
        abandon(
            changes,
            plan,
            job,
            index,
            "the upload runs in a Python `shell:` script: replace it by hand with a build and chora's upload steps",
        );
        return Ok(());
    } else {
        let Some(simulated) = changes.simulated_run(doc, job, index) else {
            abandon(
                changes,
                plan,
                job,
                index,
                "the upload step has neither `run` nor `uses`: replace it by hand",
            );
            return Ok(());
        };
        let earlier_build = doc.steps(job).get(..index).unwrap_or(&[]).iter().any(|s| {
            s.get("run")
                .and_then(Value::as_str)
                .is_some_and(|r| r.contains("hatch build"))
        });
        let Some((script, split, after)) =
            split_script(&simulated.text, &detection.tool, earlier_build)
        else {
            abandon(
                changes,
                plan,
                job,
                index,
                "the upload command was not found in the step's script: replace it by hand",
            );
            return Ok(());
        };
        if after {
            review(
                plan,
                job,
                index,
                "the step ran commands after the upload: they now run before it (the upload steps follow the step); check that this order is fine",
            );
        }
        let build_step = if script.trim().is_empty() {
            None
        } else {
            let mut build = step.clone();
            let only_build = split
                .build
                .as_deref()
                .is_some_and(|b| script.trim() == b.trim());
            if only_build {
                build.insert(
                    Value::String("name".to_string()),
                    Value::String("Build the distributions".to_string()),
                );
            }
            build.insert(Value::String("run".to_string()), Value::String(script));
            Some(build)
        };
        (build_step, split)
    };

    let dist_dir = match &working_dir {
        Some(dir) if !split.dist_dir.starts_with('/') && dir != "." => {
            format!("{dir}/{}", split.dist_dir.trim_start_matches("./"))
        }
        _ => split.dist_dir.clone(),
    };
    let files: Vec<String> = match &working_dir {
        Some(dir) if dir != "." => split
            .files
            .iter()
            .map(|f| format!("{dir}/{}", f.trim_start_matches("./")))
            .collect(),
        _ => split.files.clone(),
    };
    let upload = UploadStep {
        publisher: options.publisher,
        index: detection.index.clone(),
        dist_dir: dist_dir.clone(),
        files: files.clone(),
        attestations: options.attestations,
    };
    let rendered = render
        .render_upload(&upload)
        .map_err(|source| PlanError::Render {
            job: job.to_string(),
            source,
        })?;
    let carried = carried_keys(step);
    let builds = build_step.is_some();
    let mut yaml = String::new();
    if let Some(mut build) = build_step {
        strip_credentials(&mut build, &removed_keys);
        yaml.push_str(&to_item(build));
    }
    yaml.push_str(&with_keys(&rendered, &carried));
    changes.step(job, index).replace = Some(yaml);
    let tool = tool_name(&detection.tool);
    plan.actions.push(Action {
        job: job.to_string(),
        step: Some(index),
        kind: ActionKind::ReplaceUpload,
        message: format!(
            "{tool} has no Trusted Publishing: {}the upload replaced by {} reading `{dist_dir}`",
            if builds { "the build kept, " } else { "" },
            match options.publisher {
                Publisher::Chora => "chora-publish upload",
                Publisher::Pypa => "the PyPA action",
            }
        ),
    });
    if let Some(note) = split.note {
        review(plan, job, index, &note);
    }
    if options.publisher == Publisher::Pypa && !files.is_empty() {
        review(
            plan,
            job,
            index,
            &format!(
                "the upload named files (`{}`), and the PyPA action uploads every distribution in `packages-dir` (`{dist_dir}`): check that nothing else is there, or use --publisher chora",
                files.join(" ")
            ),
        );
    }
    if options.publisher == Publisher::Pypa && dist_dir.contains(['*', '?', '[']) {
        review(
            plan,
            job,
            index,
            &format!(
                "the files are in several directories (`{dist_dir}`), and the PyPA action reads one `packages-dir`: gather them into one (download-artifact with `merge-multiple: true`) and point `packages-dir` at it, or use --publisher chora"
            ),
        );
    }
    Ok(())
}

fn abandon(changes: &mut Changes, plan: &mut FilePlan, job: &str, index: usize, message: &str) {
    changes.step(job, index).abandoned = true;
    review(plan, job, index, message);
}

fn tool_name(tool: &Tool) -> &str {
    match tool {
        Tool::Poetry => "poetry",
        Tool::Flit => "flit",
        Tool::Hatch => "hatch",
        Tool::SetupPy => "`setup.py upload`",
        Tool::Maturin => "maturin's upload",
        Tool::Twine => "twine",
        Tool::PypaAction => "the PyPA action",
        Tool::Pdm => "pdm",
        Tool::Uv => "uv",
        Tool::ChoraPublish => "chora-publish",
        Tool::Script => "the script",
        Tool::Other(name) => name,
    }
}

/// Keys of the original step every replacement step keeps, so it runs when the original did.
fn carried_keys(step: &Mapping) -> Vec<(String, Value)> {
    ["if", "continue-on-error"]
        .iter()
        .filter_map(|k| Some((k.to_string(), step.get(*k)?.clone())))
        .collect()
}

/// Remove the credential entries from a step that is re-emitted.
fn strip_credentials(step: &mut Mapping, removed: &[(String, String)]) {
    for (parent, key) in removed {
        let empty = match step.get_mut(parent.as_str()) {
            Some(Value::Mapping(m)) => {
                m.remove(key.as_str());
                m.is_empty()
            }
            _ => false,
        };
        if empty {
            step.remove(parent.as_str());
        }
    }
}

/// One step as a sequence item at column 0.
fn to_item(step: Mapping) -> String {
    yaml_serde::to_string(&Value::Sequence(vec![Value::Mapping(step)])).unwrap_or_default()
}

/// Add `keys` to every item of rendered steps (`- …` lines at column 0).
pub(super) fn with_keys(rendered: &str, keys: &[(String, Value)]) -> String {
    let mut text = rendered.to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    if keys.is_empty() {
        return text;
    }
    let mut extra = String::new();
    for (k, v) in keys {
        let mut one = Mapping::new();
        one.insert(Value::String(k.clone()), v.clone());
        for line in yaml_serde::to_string(&one).unwrap_or_default().lines() {
            extra.push_str("  ");
            extra.push_str(line);
            extra.push('\n');
        }
    }
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        out.push_str(line);
        if line.starts_with("- ") {
            out.push_str(&extra);
        }
    }
    out
}

/// For `PyO3/maturin-action` (or its old name) with `command: upload|publish`: the build
/// step that replaces `publish` (none for `upload`) and where the files are.
fn maturin_action(step: &Mapping, uses: &str) -> Option<(Option<Mapping>, Split)> {
    let action = uses.split('@').next()?.to_ascii_lowercase();
    if action != "pyo3/maturin-action" && action != "messense/maturin-action" {
        return None;
    }
    let with = step.get("with")?.as_mapping()?;
    let command = str_at(with, "command")?;
    let args = str_at(with, "args").unwrap_or("");
    let tokens: Vec<&str> = args.split_whitespace().collect();
    match command {
        "upload" => Some((None, files_dir(&strip_options(&tokens)))),
        "publish" => {
            let (args, out) = maturin_build_args(&strip_options(&tokens));
            let mut build = step.clone();
            let mut new_with = with.clone();
            new_with.insert(
                Value::String("command".to_string()),
                Value::String("build".to_string()),
            );
            new_with.insert(Value::String("args".to_string()), Value::String(args));
            build.insert(Value::String("with".to_string()), Value::Mapping(new_with));
            build.insert(
                Value::String("name".to_string()),
                Value::String("Build the distributions".to_string()),
            );
            Some((
                Some(build),
                Split {
                    build: None,
                    dist_dir: out,
                    files: Vec::new(),
                    note: None,
                },
            ))
        }
        _ => None,
    }
}

/// Options of `maturin upload/publish` that are about the upload, with whether they take a
/// value.
const UPLOAD_OPTIONS: &[(&str, bool)] = &[
    ("-r", true),
    ("--repository", true),
    ("--repository-url", true),
    ("-u", true),
    ("--username", true),
    ("-p", true),
    ("--password", true),
    ("--skip-existing", false),
    ("--non-interactive", false),
];

/// Tokens without the upload-only options (and line continuations).
fn strip_options<'a>(tokens: &[&'a str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut skip = false;
    for token in tokens {
        if skip {
            skip = false;
            continue;
        }
        if *token == "\\" {
            continue;
        }
        let name = token.split('=').next().unwrap_or(token);
        if let Some((_, takes_value)) = UPLOAD_OPTIONS.iter().find(|(o, _)| *o == name) {
            skip = *takes_value && !token.contains('=');
            continue;
        }
        out.push(*token);
    }
    out
}

/// The directory of the files named on a `maturin upload` (or twine-like) command line.
fn files_dir(tokens: &[&str]) -> Split {
    // Flags that take a value (maturin upload's and twine upload's): the value is not a file.
    const VALUED: &[&str] = &[
        "-r",
        "--repository",
        "--repository-url",
        "-u",
        "--username",
        "-p",
        "--password",
        "--config-file",
        "--cert",
        "--client-cert",
        "-c",
        "--comment",
        "-i",
        "--identity",
        "--sign-with",
    ];
    let mut positional: Vec<&str> = Vec::new();
    let mut skip_value = false;
    for token in tokens.iter().copied() {
        if skip_value {
            skip_value = false;
        } else if token.starts_with('-') {
            skip_value = VALUED.contains(&token);
        } else {
            positional.push(token);
        }
    }
    let Some(first) = positional.first() else {
        return Split {
            build: None,
            dist_dir: "dist/".to_string(),
            files: Vec::new(),
            note: Some("the upload named no files: chora's upload reads `dist/`; make sure the wheels are there".to_string()),
        };
    };
    let first = first.trim_matches(['"', '\'']);
    let dir = match first.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/"),
        None => "./".to_string(),
    };
    // The exact files, unless the command names everything in one folder (`dist/*`).
    let everything = positional.len() == 1 && first.ends_with("/*");
    let files: Vec<String> = if everything {
        Vec::new()
    } else {
        positional
            .iter()
            .map(|p| {
                let p = p.trim_matches(['"', '\'']);
                if p.contains('/') {
                    p.to_string()
                } else {
                    format!("./{p}")
                }
            })
            .collect()
    };
    // A glob of directories (`wheels-*/`) is fine for a shell glob (chora-publish), not for
    // the PyPA action's `packages-dir`: `replace_upload` notes it for that publisher.
    let note = None;
    Split {
        build: None,
        dist_dir: dir,
        files,
        note,
    }
}

/// `maturin build` arguments for what `maturin publish` built (release wheels and the sdist,
/// in `--out` or `dist`), and the output directory.
fn maturin_build_args(tokens: &[&str]) -> (String, String) {
    let mut args: Vec<String> = Vec::new();
    let mut out: Option<String> = None;
    let mut sdist = true;
    let mut iter = tokens.iter();
    while let Some(token) = iter.next() {
        match *token {
            "--no-sdist" => sdist = false,
            "-o" | "--out" => {
                if let Some(dir) = iter.next() {
                    out = Some(dir.to_string());
                }
            }
            t if t.starts_with("--out=") => out = Some(t.trim_start_matches("--out=").to_string()),
            t => args.push(t.to_string()),
        }
    }
    let mut front = Vec::new();
    if !args.iter().any(|a| a == "--release" || a == "-r") {
        front.push("--release".to_string());
    }
    if sdist && !args.iter().any(|a| a == "--sdist") {
        front.push("--sdist".to_string());
    }
    let dir = out.unwrap_or_else(|| "dist".to_string());
    front.push("--out".to_string());
    front.push(dir.clone());
    front.extend(args);
    (front.join(" "), format!("{}/", dir.trim_end_matches('/')))
}

/// Split a script around the tool's upload command: the script with the upload command
/// replaced by the build command (or removed), the split, and whether commands follow it.
pub(crate) fn split_script(
    script: &str,
    tool: &Tool,
    earlier_build: bool,
) -> Option<(String, Split, bool)> {
    let pattern = match tool {
        Tool::Poetry => r"poetry\s+publish\b",
        Tool::Flit => r"flit\s+publish\b",
        Tool::Hatch => r"hatch\s+publish\b",
        Tool::SetupPy => r"setup\.py\b[^\n;&|]*\bupload\b",
        Tool::Maturin => r"maturin\s+(upload|publish)\b",
        _ => return None,
    };
    let found = Regex::new(pattern).ok()?.find(script)?;
    let (start, end) = command_bounds(script, found.start());
    let segment = script.get(start..end)?;
    let indent: String = segment
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let tokens: Vec<&str> = segment.split_whitespace().filter(|t| *t != "\\").collect();
    let tool_words = script
        .get(found.start()..end)?
        .split_whitespace()
        .filter(|t| *t != "\\")
        .count();
    let tool_at = tokens.len().saturating_sub(tool_words);
    let (head, rest) = tokens.split_at(tool_at);
    let split = match tool {
        Tool::Poetry => {
            let build = rest.contains(&"--build");
            Split {
                build: build.then(|| join(head, &["poetry", "build"])),
                dist_dir: "dist/".to_string(),
                files: Vec::new(),
                note: None,
            }
        }
        Tool::Flit => Split {
            build: Some(join(head, &["flit", "build"])),
            dist_dir: "dist/".to_string(),
            files: Vec::new(),
            note: None,
        },
        Tool::Hatch => {
            let built = earlier_build
                || script
                    .get(..start)
                    .is_some_and(|s| s.contains("hatch build"));
            Split {
                build: (!built).then(|| join(head, &["hatch", "build"])),
                dist_dir: "dist/".to_string(),
                files: Vec::new(),
                note: None,
            }
        }
        Tool::SetupPy => {
            let mut kept: Vec<&str> = Vec::new();
            let mut skip = false;
            for token in &tokens {
                if skip {
                    skip = false;
                    continue;
                }
                match *token {
                    "upload" | "--sign" | "-s" => {}
                    "-r" | "--repository" | "-i" | "--identity" => skip = true,
                    t => kept.push(t),
                }
            }
            let commands = kept
                .iter()
                .skip_while(|t| !t.ends_with("setup.py"))
                .skip(1)
                .any(|t| !t.starts_with('-'));
            Split {
                build: commands.then(|| kept.join(" ")),
                dist_dir: "dist/".to_string(),
                files: Vec::new(),
                note: None,
            }
        }
        Tool::Maturin => {
            let stripped = strip_options(rest);
            if rest.get(1) == Some(&"publish") {
                let (args, dir) = maturin_build_args(stripped.get(2..).unwrap_or(&[]));
                let mut words: Vec<&str> = head.to_vec();
                words.extend(["maturin", "build"]);
                Split {
                    build: Some(format!("{} {args}", words.join(" "))),
                    dist_dir: dir,
                    files: Vec::new(),
                    note: None,
                }
            } else {
                files_dir(stripped.get(2..).unwrap_or(&[]))
            }
        }
        _ => return None,
    };
    // `upload || true` (ignore a failed upload): the `|| true` goes with the upload, not left
    // behind as a command of its own.
    let mut end = end;
    if let Some(rest) = script.get(end..) {
        let spaced = rest.trim_start_matches([' ', '\t']);
        for ignore in ["|| true", "|| :"] {
            if let Some(tail) = spaced.strip_prefix(ignore)
                && (tail.is_empty() || tail.starts_with(['\n', ';', ' ', '\t', '#']))
            {
                end += rest.len() - spaced.len() + ignore.len();
                break;
            }
        }
    }
    let after = script.get(end..).unwrap_or("").lines().any(|l| {
        let l = l.trim().trim_start_matches(['&', ';', '|']).trim();
        !l.is_empty() && !l.starts_with('#')
    });
    let new_script = match &split.build {
        Some(build) => format!(
            "{}{indent}{build}{}",
            script.get(..start).unwrap_or(""),
            script.get(end..).unwrap_or("")
        ),
        None => remove_command(script, start, end),
    };
    Some((new_script, split, after))
}

fn join(head: &[&str], words: &[&str]) -> String {
    let mut all: Vec<&str> = head.to_vec();
    all.extend(words);
    all.join(" ")
}

/// The command around byte `at`: from after the previous separator (line end, `&&`, `;`,
/// `||`) to the next one; continuation lines (`\` at a line end) belong to the command.
fn command_bounds(script: &str, at: usize) -> (usize, usize) {
    let bytes = script.as_bytes();
    let is_break = |i: usize| -> Option<usize> {
        match bytes.get(i) {
            Some(b'\n') => {
                let continued = i > 0 && bytes.get(i - 1) == Some(&b'\\');
                (!continued).then_some(1)
            }
            Some(b';') => Some(1),
            Some(b'&') if bytes.get(i + 1) == Some(&b'&') => Some(2),
            Some(b'|') if bytes.get(i + 1) == Some(&b'|') => Some(2),
            _ => None,
        }
    };
    let mut start = 0;
    let mut i = 0;
    while i < at {
        match is_break(i) {
            Some(len) => {
                start = i + len;
                i += len;
            }
            None => i += 1,
        }
    }
    let mut end = at;
    while end < bytes.len() && is_break(end).is_none() {
        end += 1;
    }
    (start, end)
}

/// Remove the command `start..end` with one separator beside it (or its whole line).
fn remove_command(script: &str, start: usize, end: usize) -> String {
    let before = script.get(..start).unwrap_or("");
    let after = script.get(end..).unwrap_or("");
    let trimmed_after = after.trim_start_matches([' ', '\t']);
    for link in ["&&", "||", ";"] {
        if let Some(rest) = trimmed_after.strip_prefix(link) {
            return format!("{before}{}", rest.trim_start_matches([' ', '\t']));
        }
    }
    let trimmed_before = before.trim_end_matches([' ', '\t']);
    for link in ["&&", "||", ";"] {
        if let Some(rest) = trimmed_before.strip_suffix(link) {
            return format!("{}{after}", rest.trim_end_matches([' ', '\t']));
        }
    }
    // The whole line.
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let after = after.strip_prefix('\n').unwrap_or(after);
    format!("{}{after}", script.get(..line_start).unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(script: &str, tool: Tool) -> (String, Option<String>, String, bool) {
        let (text, split, after) = split_script(script, &tool, false).unwrap();
        (text, split.build, split.dist_dir, after)
    }

    #[test]
    fn poetry_publish_build_becomes_poetry_build() {
        let (text, build, dir, after) = split("poetry publish --build\n", Tool::Poetry);
        assert_eq!(text, "poetry build\n");
        assert_eq!(build.as_deref(), Some("poetry build"));
        assert_eq!(dir, "dist/");
        assert!(!after);
    }

    #[test]
    fn a_bare_upload_command_is_removed_with_its_line() {
        let (text, build, _, _) = split("pip install poetry\npoetry publish\n", Tool::Poetry);
        assert_eq!(text, "pip install poetry\n");
        assert_eq!(build, None);
        let (text, _, _, _) = split("hatch build && hatch publish", Tool::Hatch);
        assert_eq!(text, "hatch build");
    }

    #[test]
    fn flit_publish_becomes_flit_build_and_later_commands_are_noticed() {
        let (text, _, _, after) = split("flit publish\necho done\n", Tool::Flit);
        assert_eq!(text, "flit build\necho done\n");
        assert!(after);
    }

    #[test]
    fn setup_py_keeps_its_build_commands() {
        let (text, build, _, _) = split(
            "python setup.py sdist bdist_wheel upload -r pypi\n",
            Tool::SetupPy,
        );
        assert_eq!(text, "python setup.py sdist bdist_wheel\n");
        assert!(build.is_some());
        let (text, build, _, _) = split("python setup.py upload\n", Tool::SetupPy);
        assert_eq!(text, "");
        assert_eq!(build, None);
    }

    #[test]
    fn maturin_upload_reads_the_directory_of_its_files() {
        let (text, build, dir, _) = split(
            "maturin upload --skip-existing target/wheels/*\n",
            Tool::Maturin,
        );
        assert_eq!(text, "");
        assert_eq!(build, None);
        assert_eq!(dir, "target/wheels/");
    }

    #[test]
    fn maturin_publish_becomes_a_release_build_with_the_sdist() {
        let (text, _, dir, _) = split(
            "maturin publish --skip-existing -m py/Cargo.toml\n",
            Tool::Maturin,
        );
        assert_eq!(
            text,
            "maturin build --release --sdist --out dist -m py/Cargo.toml\n"
        );
        assert_eq!(dir, "dist/");
    }

    #[test]
    fn twine_pins_below_6_1_are_too_old() {
        assert!(version("4.0.2") < version(TWINE_MINIMUM));
        assert!(version("6.1.0") >= version(TWINE_MINIMUM));
        assert!(ref_has_oidc("v1.8.5", "x"));
        assert!(ref_has_oidc("release/v1", "x"));
        assert!(!ref_has_oidc("v1.4.1", "x"));
        assert!(!ref_has_oidc("master", "x"));
        assert!(!ref_has_oidc("0123abcd", "x"));
        assert!(ref_has_oidc("abc", "abc"));
    }

    #[test]
    fn carried_keys_reach_every_rendered_item() {
        let keys = vec![(
            "if".to_string(),
            Value::String("startsWith(github.ref, 'refs/tags/')".to_string()),
        )];
        let out = with_keys(
            "# comment\n- name: A\n  run: a\n- name: B\n  run: b\n",
            &keys,
        );
        assert_eq!(out.matches("  if: ").count(), 2, "{out}");
        assert!(out.starts_with("# comment\n- name: A\n  if: "), "{out}");
    }
}
