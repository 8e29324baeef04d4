//! The release ledger: an append-only JSON Lines file, one entry per operation and outcome
//! (started, succeeded, failed, rejected), each entry holding its own sha256 and the previous
//! entry's, so that `chora-publish ledger verify` finds any edit, deletion, insertion or
//! reordering. An entry is written and synced to disk before the operation it announces goes
//! on. Secrets never enter it: messages pass through [`redact`].

mod entry;
pub mod journal;
mod verify;
pub mod view;

use std::io::Write as _;
use std::path::{Path, PathBuf};

pub use entry::{Entry, FORMAT, FileDigest, GENESIS, Outcome, Record, RunId};
pub use journal::Journal;
pub use verify::{Broken, BrokenReason, Verified, read_unverified, seq_at, verify, verify_file};

/// The file name of the default ledger (in the working directory when `CI` is set).
pub const DEFAULT_FILE: &str = "chora-ledger.jsonl";

/// The largest ledger read back (to verify it, or to append to it): 64 MiB.
pub const READ_LIMIT: u64 = 64 * 1024 * 1024;

/// Why the ledger cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("cannot read the ledger {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: crate::fs::ReadError,
    },
    #[error("cannot write the ledger {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the ledger {} does not verify: {broken}", path.display())]
    Broken { path: PathBuf, broken: Broken },
}

/// An open ledger, positioned after its last entry.
#[derive(Debug)]
pub struct Ledger {
    path: PathBuf,
    file: std::fs::File,
    run: RunId,
    next_seq: u64,
    last_hash: String,
    secrets: Vec<String>,
}

impl Ledger {
    /// Open (or create) the ledger at `path` for the run `run`. An existing ledger must
    /// verify first: appending to a broken chain would hide the break.
    pub fn open(path: &Path, run: RunId) -> Result<Ledger, LedgerError> {
        let (next_seq, last_hash) = match crate::fs::read_regular(path, READ_LIMIT, "ledger") {
            Ok(bytes) => match verify(&bytes) {
                Ok(v) => (v.entries.len() as u64, v.head),
                Err(broken) => {
                    return Err(LedgerError::Broken {
                        path: path.to_path_buf(),
                        broken,
                    });
                }
            },
            Err(crate::fs::ReadError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                (0, GENESIS.to_string())
            }
            Err(source) => {
                return Err(LedgerError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| LedgerError::Write {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(Ledger {
            path: path.to_path_buf(),
            file,
            run,
            next_seq,
            last_hash,
            secrets: Vec::new(),
        })
    }

    /// Values that must never be written (a token, a password): replaced by `***` in every
    /// message, besides the token shapes [`redact`] knows.
    pub fn with_secrets(mut self, secrets: impl IntoIterator<Item = String>) -> Self {
        self.secrets
            .extend(secrets.into_iter().filter(|s| s.len() >= 4));
        self
    }

    /// The ledger's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The run the entries are written for.
    pub fn run(&self) -> &RunId {
        &self.run
    }

    /// The hash of the last entry ([`GENESIS`] for an empty ledger): what `ledger verify
    /// --expect-head` compares with.
    pub fn head(&self) -> &str {
        &self.last_hash
    }

    /// How many entries the ledger holds.
    pub fn entries(&self) -> u64 {
        self.next_seq
    }

    /// Append one entry for `record` and sync it to disk; returns what was written.
    pub fn append(&mut self, record: Record) -> Result<Entry, LedgerError> {
        let mut entry = Entry::new(
            self.next_seq,
            &self.last_hash,
            crate::publish::exchange::now_unix(),
            self.run.clone(),
            record,
        );
        entry.message = entry
            .message
            .map(|m| redact_known(&redact(&m), &self.secrets));
        let (line, hash) = entry.seal();
        let write = |file: &mut std::fs::File| -> std::io::Result<()> {
            file.write_all(line.as_bytes())?;
            file.write_all(b"\n")?;
            file.sync_data()
        };
        write(&mut self.file).map_err(|source| LedgerError::Write {
            path: self.path.clone(),
            source,
        })?;
        self.next_seq += 1;
        self.last_hash = hash.clone();
        entry.hash = hash;
        Ok(entry)
    }
}

/// Replace the exact `secrets` in `text` with `***`.
fn redact_known(text: &str, secrets: &[String]) -> String {
    secrets
        .iter()
        .fold(text.to_string(), |t, s| t.replace(s.as_str(), "***"))
}

/// `text` with every token-shaped value replaced by `***`: PyPI tokens (`pypi-…`), GitHub
/// tokens (`ghp_`, `gho_`, `ghs_`, `ghu_`, `ghr_`, `github_pat_`), GitLab tokens (`glpat-`),
/// JWTs (OIDC identity tokens) and `Bearer`/`token` authorisation values.
pub fn redact(text: &str) -> String {
    use std::sync::OnceLock;
    static PATTERN: OnceLock<Option<regex_lite::Regex>> = OnceLock::new();
    let pattern = PATTERN.get_or_init(|| {
        regex_lite::Regex::new(
            r"(?i:bearer|token|basic)\s+[A-Za-z0-9._~+/=-]{8,}|pypi-[A-Za-z0-9_-]{8,}|gh[pousr]_[A-Za-z0-9]{8,}|github_pat_[A-Za-z0-9_]{8,}|glpat-[A-Za-z0-9_-]{8,}|eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*",
        )
        .ok()
    });
    match pattern {
        Some(re) => re.replace_all(text, "***").into_owned(),
        // Unreachable with the literal above; refuse to pass text through unredacted.
        None => "(message withheld)".to_string(),
    }
}

/// The run id of this CI run: `GITHUB_RUN_ID` and `GITHUB_RUN_ATTEMPT` (GitHub Actions),
/// `CI_PIPELINE_ID` and `CI_JOB_ID` (GitLab CI), else `given` (`--run-id`), else `local`.
/// `given` wins over the environment.
pub fn run_id(env: &crate::publish::credentials::Env, given: Option<&str>) -> RunId {
    if let Some(id) = given.filter(|g| !g.is_empty()) {
        return RunId {
            id: id.to_string(),
            attempt: None,
        };
    }
    if let Some(id) = env.get("GITHUB_RUN_ID") {
        return RunId {
            id: id.to_string(),
            attempt: env.get("GITHUB_RUN_ATTEMPT").map(str::to_string),
        };
    }
    if let Some(id) = env.get("CI_PIPELINE_ID") {
        return RunId {
            id: id.to_string(),
            attempt: env.get("CI_JOB_ID").map(|j| format!("job-{j}")),
        };
    }
    RunId {
        id: "local".to_string(),
        attempt: None,
    }
}

/// Where the ledger goes: `--ledger FILE`, else `chora-ledger.jsonl` in the working directory
/// when `CI` is set, else none (`--no-ledger` turns it off).
pub fn default_path(
    env: &crate::publish::credentials::Env,
    given: Option<&Path>,
    disabled: bool,
) -> Option<PathBuf> {
    if disabled {
        return None;
    }
    match given {
        Some(p) => Some(p.to_path_buf()),
        None if env.get("CI").is_some() => Some(PathBuf::from(DEFAULT_FILE)),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(op: &str, outcome: Outcome) -> Record {
        Record {
            operation: op.to_string(),
            outcome,
            ..Record::default()
        }
    }

    #[test]
    fn appends_chain_and_reopen_continues() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.jsonl");
        let run = RunId {
            id: "42".into(),
            attempt: Some("1".into()),
        };
        let mut l = Ledger::open(&path, run.clone()).unwrap();
        let a = l.append(record("upload", Outcome::Started)).unwrap();
        let b = l.append(record("upload", Outcome::Succeeded)).unwrap();
        assert_eq!(a.prev, GENESIS);
        assert_eq!(b.prev, a.hash);
        drop(l);
        let mut l = Ledger::open(&path, run).unwrap();
        let c = l.append(record("smoke", Outcome::Failed)).unwrap();
        assert_eq!((c.seq, c.prev.as_str()), (2, b.hash.as_str()));
        let v = verify_file(&path).unwrap();
        assert_eq!(v.entries.len(), 3);
        assert_eq!(v.head, c.hash);
    }

    #[test]
    fn a_broken_ledger_is_not_appended_to() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.jsonl");
        let mut l = Ledger::open(&path, RunId::local()).unwrap();
        l.append(record("upload", Outcome::Started)).unwrap();
        l.append(record("upload", Outcome::Succeeded)).unwrap();
        drop(l);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen("succeeded", "failed", 1)).unwrap();
        let before = std::fs::read(&path).unwrap();
        assert!(matches!(
            Ledger::open(&path, RunId::local()),
            Err(LedgerError::Broken { .. })
        ));
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }

    #[test]
    fn messages_are_redacted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.jsonl");
        let mut l = Ledger::open(&path, RunId::local())
            .unwrap()
            .with_secrets(["hunter2-secret".to_string()]);
        let e = l
            .append(Record {
                message: Some(
                    "refused pypi-AgEIcHlwaS5vcmcCJDAwMDAw and ghs_abcdefghijklmnop, Bearer eyJhbGciOi.eyJzdWIiOi.c2ln, hunter2-secret"
                        .into(),
                ),
                ..record("upload", Outcome::Failed)
            })
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        for leaked in ["pypi-AgE", "ghs_abc", "eyJhbGci", "hunter2"] {
            assert!(!text.contains(leaked), "{leaked} in {text}");
        }
        assert_eq!(
            e.message.as_deref().map(|m| m.matches("***").count()),
            Some(4)
        );
    }

    #[test]
    fn run_ids_from_the_environment() {
        use crate::publish::credentials::Env;
        let env = |pairs: &[(&str, &str)]| {
            Env(pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect())
        };
        let gh = env(&[("GITHUB_RUN_ID", "9"), ("GITHUB_RUN_ATTEMPT", "2")]);
        assert_eq!(run_id(&gh, None).to_string(), "9/2");
        assert_eq!(run_id(&gh, Some("x")).to_string(), "x");
        let gl = env(&[("CI_PIPELINE_ID", "7"), ("CI_JOB_ID", "70")]);
        assert_eq!(run_id(&gl, None).to_string(), "7/job-70");
        assert_eq!(run_id(&env(&[]), None).to_string(), "local");
        assert_eq!(
            default_path(&env(&[("CI", "true")]), None, false),
            Some(PathBuf::from(DEFAULT_FILE))
        );
        assert_eq!(default_path(&env(&[("CI", "true")]), None, true), None);
        assert_eq!(default_path(&env(&[]), None, false), None);
    }
}
