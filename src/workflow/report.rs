//! Scanning a repository's workflows (`scan`) and describing each detection in words (`Row`):
//! the tool, the credential (by name; literal values masked), and the action `chora migrate`
//! would take. Plain data for the command layer to print as a table, findings or JSON.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::detect::{self, FileVerdict};
use super::model::{CredentialPlace, Detection, Index, Level, Refusal, Tool, Verdict};
use super::read::{self, Job, ReadError, Workflow};

/// One scanned file: its workflow and detections, or why it was not read.
#[derive(Debug)]
pub struct ScannedFile {
    pub path: PathBuf,
    pub outcome: Result<Scanned, ReadError>,
}

/// A file that was read.
#[derive(Debug, Clone)]
pub struct Scanned {
    pub workflow: Workflow,
    pub detections: Vec<Detection>,
    pub verdict: FileVerdict,
}

impl Scanned {
    /// Detect the publishing in a workflow and sum it up.
    pub fn classify(workflow: Workflow) -> Scanned {
        let detections = detect::detect(&workflow);
        let verdict = detect::summary(&detections);
        Scanned {
            workflow,
            detections,
            verdict,
        }
    }
}

/// Read and classify every workflow and composite action under `root` (see
/// [`read::discover`]); a bad file is an error of its own and the others are still scanned.
/// Fails only when a workflow folder cannot be listed.
pub fn scan(root: &Path) -> std::io::Result<Vec<ScannedFile>> {
    Ok(read::discover(root)?
        .into_iter()
        .map(|path| {
            let outcome = read::read_file(root, &path).map(Scanned::classify);
            ScannedFile { path, outcome }
        })
        .collect())
}

/// [`scan`], then the repository's GitLab CI files (`.gitlab-ci.yml` and the local files it
/// includes or starts as child pipelines, see [`crate::workflow::gitlab::discover`]): what `chora migrate` reads.
pub fn scan_all(root: &Path) -> std::io::Result<Vec<ScannedFile>> {
    let mut out = scan(root)?;
    for (path, kind) in crate::workflow::gitlab::discover(root) {
        let outcome = read::read_source(root, &path)
            .and_then(|source| read::parse(&path, kind, source))
            .map(Scanned::classify);
        out.push(ScannedFile { path, outcome });
    }
    Ok(out)
}

/// [`scan`], with files already classified in `cache` (same path, same bytes) taken from it.
pub fn scan_cached(root: &Path, cache: &ScanCache) -> std::io::Result<Vec<ScannedFile>> {
    Ok(read::discover(root)?
        .into_iter()
        .map(|path| {
            let outcome = read::read_source(root, &path).and_then(|source| {
                let key = (
                    path.clone(),
                    <[u8; 32]>::from(Sha256::digest(source.as_bytes())),
                );
                if let Some(hit) = cache.get(&key) {
                    return Ok(hit);
                }
                let scanned =
                    read::parse(&path, read::kind_of_path(&path), source).map(Scanned::classify)?;
                cache.offer(key, &scanned);
                Ok(scanned)
            });
            ScannedFile { path, outcome }
        })
        .collect())
}

/// The most files a [`ScanCache`] remembers having seen once, and the most it keeps.
pub const SCAN_CACHE_SEEN: usize = 1 << 16;
pub const SCAN_CACHE_KEPT: usize = 1 << 10;

type CacheKey = (PathBuf, [u8; 32]);

/// Workflows classified once per process when many repositories hold the same file (an
/// organisation's repositories made from one template): keyed by the relative path and the
/// sha256 of the bytes, so a hit is exactly what reading the file would give. A file is kept
/// from its second sighting on (files seen once cost a digest, not a copy), at most
/// [`SCAN_CACHE_KEPT`] of them.
#[derive(Debug, Default)]
pub struct ScanCache {
    inner: std::sync::Mutex<CacheInner>,
}

#[derive(Debug, Default)]
struct CacheInner {
    /// `None`: seen once, not kept.
    entries: std::collections::HashMap<CacheKey, Option<Scanned>>,
    kept: usize,
}

impl ScanCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, key: &CacheKey) -> Option<Scanned> {
        self.lock().entries.get(key).and_then(Clone::clone)
    }

    fn offer(&self, key: CacheKey, scanned: &Scanned) {
        let mut inner = self.lock();
        let CacheInner { entries, kept } = &mut *inner;
        let len = entries.len();
        match entries.entry(key) {
            std::collections::hash_map::Entry::Occupied(mut seen) => {
                if seen.get().is_none() && *kept < SCAN_CACHE_KEPT {
                    seen.insert(Some(scanned.clone()));
                    *kept += 1;
                }
            }
            std::collections::hash_map::Entry::Vacant(first) => {
                if len < SCAN_CACHE_SEEN {
                    first.insert(None);
                }
            }
        }
    }
}

/// A detection in words, for the summary table and JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub job: String,
    pub tool: String,
    /// The credentials by name (`TWINE_PASSWORD`, `with: password`, `-p $TOKEN`), or "-".
    pub credential: String,
    /// What `chora migrate` would do.
    pub action: String,
}

/// Describe one detection of `workflow`.
pub fn row(workflow: &Workflow, detection: &Detection) -> Row {
    let job = workflow.jobs.iter().find(|j| j.id == detection.job);
    let credentials: Vec<String> = detection
        .credentials
        .iter()
        .map(|c| credential_label(&c.place))
        .collect();
    Row {
        job: if detection.job.is_empty() {
            "(action)".to_string()
        } else {
            detection.job.clone()
        },
        tool: tool_label(&detection.tool),
        credential: if credentials.is_empty() {
            "-".to_string()
        } else {
            credentials.join(", ")
        },
        action: action(workflow, job, detection, &credentials),
    }
}

/// A tool's name for people.
pub fn tool_label(tool: &Tool) -> String {
    match tool {
        Tool::Twine => "twine".into(),
        Tool::PypaAction => "pypa/gh-action-pypi-publish".into(),
        Tool::Poetry => "poetry".into(),
        Tool::Flit => "flit".into(),
        Tool::Hatch => "hatch".into(),
        Tool::Pdm => "pdm".into(),
        Tool::Uv => "uv".into(),
        Tool::Maturin => "maturin".into(),
        Tool::SetupPy => "setup.py upload".into(),
        Tool::ChoraPublish => "chora-publish".into(),
        Tool::Script => "repository script".into(),
        Tool::Other(name) => name.clone(),
    }
}

/// A credential by name, never by value.
pub fn credential_label(place: &CredentialPlace) -> String {
    match place {
        CredentialPlace::Env { level, key } => match level {
            Level::Step => key.clone(),
            Level::Job => format!("{key} (job env)"),
            Level::Workflow => format!("{key} (workflow env)"),
        },
        CredentialPlace::With { key } => format!("with: {key}"),
        CredentialPlace::Argument { text } => redact(text),
        CredentialPlace::ConfigCommand { text } => redact(text),
    }
}

/// Flags whose value is a password or token.
const SECRET_FLAGS: &[&str] = &["-p", "--password", "-P", "-t", "--token", "-a", "--auth"];

/// `text` with literal secret values masked: the value of a password or token flag unless it
/// is a variable or expression, and anything shaped like a PyPI token (`pypi-…`).
pub fn redact(text: &str) -> String {
    let mut out = Vec::new();
    let mut mask_next = false;
    for word in text.split(' ') {
        let literal = !word.contains('$') && !word.is_empty();
        if mask_next && literal {
            out.push("***".to_string());
        } else if let Some((flag, value)) = word.split_once('=')
            && SECRET_FLAGS.contains(&flag)
            && !value.contains('$')
        {
            out.push(format!("{flag}=***"));
        } else {
            out.push(mask_tokens(word));
        }
        mask_next = SECRET_FLAGS.contains(&word);
    }
    out.join(" ")
}

/// Anything shaped like a PyPI API token (`pypi-` and 16 or more token characters) masked.
pub fn mask_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("pypi-") {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let body = from.get(5..).unwrap_or_default();
        let len = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(body.len());
        if len >= 16 {
            out.push_str("pypi-");
            out.push_str(&"*".repeat(len));
        } else {
            out.push_str(from.get(..5 + len).unwrap_or_default());
        }
        rest = body.get(len..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// The reason PyPI cannot accept a shape, and the fix.
pub fn refusal_text(refusal: &Refusal) -> (String, &'static str) {
    match refusal {
        Refusal::ReusableWorkflow => (
            "publishing happens in a reusable workflow (workflow_call); PyPI cannot accept a reusable workflow as a Trusted Publisher (warehouse#11096)".into(),
            "move the publish job into the calling workflow (build in the reusable workflow, upload its artifact in the caller)",
        ),
        Refusal::PullRequestTarget => (
            "the workflow runs on pull_request_target: code from forks would run with this repository's OIDC identity".into(),
            "publish from a workflow triggered by `release: published` or a tag push, never pull_request_target",
        ),
        Refusal::ForkTriggered { event } => (
            format!("the workflow runs on `{event}`, which anyone can cause"),
            "publish from a workflow triggered by `release: published` or a tag push",
        ),
        Refusal::GitlabInclude => (
            "publishing happens in a file .gitlab-ci.yml includes; PyPI's GitLab publisher matches the top-level pipeline file path".into(),
            "move the publish job into .gitlab-ci.yml itself (the included file may still build)",
        ),
        Refusal::GitlabChildPipeline => (
            "publishing happens in a child pipeline (trigger: include:); its ID token has an empty ci_config_ref_uri, which PyPI rejects".into(),
            "move the publish job into the top-level .gitlab-ci.yml",
        ),
        Refusal::GitlabExtends { template } => (
            format!("the job takes its upload from the template `{template}` it extends"),
            "give the publish job its own script: with the upload, then run chora migrate again",
        ),
    }
}

fn env_name(job: Option<&Job>, index: &Index) -> String {
    job.and_then(|j| j.environment.clone())
        .unwrap_or_else(|| match index {
            Index::TestPypi => "testpypi".into(),
            _ => "pypi".into(),
        })
}

fn native(tool: &Tool) -> bool {
    matches!(
        tool,
        Tool::PypaAction | Tool::Uv | Tool::Pdm | Tool::Twine | Tool::Maturin
    )
}

fn action(workflow: &Workflow, job: Option<&Job>, d: &Detection, credentials: &[String]) -> String {
    match &d.verdict {
        Verdict::AlreadyTrusted => "nothing to do (Trusted Publishing)".into(),
        Verdict::OtherService => match &d.index {
            Index::Other(what) => format!("untouched ({what})"),
            _ => "untouched".into(),
        },
        Verdict::Refuse(refusal) => format!("refused: {}", refusal_text(refusal).0),
        Verdict::Migrate => {
            let mut parts = Vec::new();
            if !credentials.is_empty() {
                parts.push(format!("remove {}", credentials.join(", ")));
            }
            let mut add = Vec::new();
            let has_id_token = job.is_some_and(|j| detect::trusted_id_token(workflow, j));
            if !has_id_token && job.is_some_and(|j| !j.id.is_empty()) {
                add.push("id-token: write".to_string());
            }
            if job.is_some_and(|j| j.environment.is_none() && !j.id.is_empty()) {
                add.push(format!("environment {}", env_name(job, &d.index)));
            }
            if !add.is_empty() {
                parts.push(format!("add {}", add.join(", ")));
            }
            if d.step.is_some() {
                match &d.tool {
                    Tool::Twine => parts.push("require twine >= 6.1".into()),
                    tool if !native(tool) => {
                        parts.push("replace the upload with the configured publisher".into());
                    }
                    _ => {}
                }
            }
            parts.join("; ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN_UPLOAD: &str = "on:\n  push:\n    tags: ['v*']\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - run: twine upload dist/*\n        env:\n          TWINE_PASSWORD: ${{ secrets.PYPI_TOKEN }}\n";
    const OIDC_UPLOAD: &str = "on:\n  push:\n    tags: ['v*']\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    permissions:\n      id-token: write\n    steps:\n      - uses: pypa/gh-action-pypi-publish@release/v1\n";

    #[test]
    fn the_scan_cache_gives_what_reading_gives() {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        // Same path and bytes three times (the third is a hit), then other bytes at the same
        // path, then the same bytes at another path: each must equal an uncached scan.
        let repos = [
            ("r1", "release.yml", TOKEN_UPLOAD),
            ("r2", "release.yml", TOKEN_UPLOAD),
            ("r3", "release.yml", TOKEN_UPLOAD),
            ("r4", "release.yml", OIDC_UPLOAD),
            ("r5", "publish.yml", TOKEN_UPLOAD),
        ];
        let cache = ScanCache::default();
        let mut compared = 0;
        for (name, file, text) in repos {
            let root = dir.path().join(name);
            let workflows = root.join(".github/workflows");
            assert!(std::fs::create_dir_all(&workflows).is_ok());
            assert!(std::fs::write(workflows.join(file), text).is_ok());
            let (Ok(cached), Ok(plain)) = (scan_cached(&root, &cache), scan(&root)) else {
                panic!("scan failed in {name}");
            };
            assert_eq!(cached.len(), 1, "{name}");
            assert_eq!(format!("{cached:?}"), format!("{plain:?}"), "{name}");
            compared += 1;
        }
        assert_eq!(compared, repos.len());
        let inner = cache.lock();
        assert_eq!(
            inner.kept, 1,
            "kept from the second sighting of r1's file on"
        );
        assert_eq!(inner.entries.len(), 3, "three distinct (path, bytes)");
    }

    #[test]
    fn redaction() {
        assert_eq!(redact("-p pypi-AgEIcHlwaS5vcmcCJDAwMDAw"), "-p ***");
        assert_eq!(redact("--password=hunter2"), "--password=***");
        assert_eq!(redact("-p $PYPI_TOKEN"), "-p $PYPI_TOKEN");
        assert_eq!(redact("-u __token__"), "-u __token__");
        let token = "AgEIcHlwaS5vcmcCJDAwMDAw";
        assert_eq!(
            redact(&format!("poetry config pypi-token.pypi pypi-{token}")),
            format!(
                "poetry config pypi-token.pypi pypi-{}",
                "*".repeat(token.len())
            )
        );
        assert_eq!(mask_tokens("pypi-token.pypi"), "pypi-token.pypi");
    }

    #[test]
    fn rows_say_what_would_change() {
        let text = "on: push\njobs:\n  publish:\n    steps:\n      - run: twine upload dist/*\n        env:\n          TWINE_PASSWORD: ${{ secrets.PYPI }}\n";
        let workflow = match read::parse(Path::new("w.yml"), read::FileKind::Workflow, text.into())
        {
            Ok(w) => w,
            Err(e) => panic!("{e}"),
        };
        let detections = detect::detect(&workflow);
        assert_eq!(detections.len(), 1);
        let r = row(&workflow, &detections[0]);
        assert_eq!(r.credential, "TWINE_PASSWORD");
        assert_eq!(
            r.action,
            "remove TWINE_PASSWORD; add id-token: write, environment pypi; require twine >= 6.1"
        );
    }
}
