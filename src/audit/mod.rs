//! `chora audit`: a repository's release supply chain, measured from its files (the offline
//! tier). Stages over plain data: `repo` reads a repository (its workflows through
//! `workflow::report::scan`, the answers file, the git remote, pyproject.toml) into a `Repo`
//! and its publishing jobs; `checks` runs one module per check, each returning `Finding`s with
//! an id that reuses zizmor's, Scorecard's or sp-repo-review's where one exists; `matrix` fills
//! the playbook's acceptance matrix and the trusted-publisher mapping; `ledgers` and `config`
//! measure the thresholds; `report` is the versioned JSON report and the organisation summary;
//! `sarif` is the SARIF 2.1.0 log. `online` is the online tier (`--online`): GitHub's runs,
//! environments, rulesets and releases, and PyPI's provenance, folded into the same report.

pub mod checks;
pub mod config;
pub mod finding;
pub mod ledgers;
pub mod matrix;
pub mod online;
pub mod org;
pub mod repo;
pub mod report;
pub mod sarif;

/// Why an audit could not run for a repository.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("{path} is not a folder")]
    NotAFolder { path: String },
    #[error("cannot list the workflows of {path}: {source}")]
    Unlistable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: crate::fs::ReadError,
    },
    #[error("{path}: {reason}")]
    Config { path: String, reason: String },
    #[error("ledger {path}: {reason}")]
    Ledger { path: String, reason: String },
}
