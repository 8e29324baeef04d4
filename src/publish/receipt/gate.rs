//! The gate before an operation: read the receipt and the approver's public key, read what the
//! ledger says was consumed, run every [`super::check`], and record the outcome in the ledger,
//! a refusal as `rejected` and an acceptance as the receipt's consumption, before returning
//! (so before the operation sends anything).

use std::path::Path;

use serde_json::{Map, Value};

use crate::publish::ledger::{self, FileDigest, Ledger, Outcome, Record};

use super::check::{Accepted, Check, Context, LEDGER_OPERATION, Refusal, check, consumptions};
use super::{READ_LIMIT, ReceiptError};

/// An operation to check a receipt for.
#[derive(Debug, Clone)]
pub struct GateRequest<'a> {
    /// The receipt file (`chora-publish approve`).
    pub receipt: &'a Path,
    /// The approver's public key file (`chora-publish keygen`).
    pub key: &'a Path,
    /// `upload` or `github-release`.
    pub kind: &'a str,
    pub target: &'a str,
    pub files: &'a [FileDigest],
    /// Unix seconds.
    pub now: i64,
}

/// Check the receipt for `req`, recording the outcome in `ledger` (a receipt needs one: without
/// it a consumed receipt could be replayed unnoticed). `Ok` once its consumption is on disk.
pub fn enforce(
    req: &GateRequest<'_>,
    ledger: Option<&mut Ledger>,
) -> Result<Accepted, ReceiptError> {
    let Some(ledger) = ledger else {
        return Err(ReceiptError::NoLedger);
    };
    let outcome = evaluate(req, ledger);
    // A ledger that cannot be read back or does not verify is not appended to.
    if let Err(e @ ReceiptError::Ledger(_)) = outcome {
        return Err(e);
    }
    let (record, result) = match outcome {
        Ok(accepted) => {
            let mut details = Map::new();
            details.insert(
                "receipt_id".into(),
                Value::String(accepted.receipt.receipt_id.clone()),
            );
            details.insert("consumed_for".into(), Value::String(req.kind.to_string()));
            details.insert(
                "plan_sha256".into(),
                Value::String(accepted.receipt.plan_sha256.clone()),
            );
            details.insert(
                "key_id".into(),
                Value::String(accepted.receipt.key_id.clone()),
            );
            (record(req, Outcome::Succeeded, None, details), Ok(accepted))
        }
        Err(e) => {
            let (check, id) = match &e {
                ReceiptError::Refused(r) => (r.check, r.receipt_id.clone()),
                _ => (Check::Input, None),
            };
            let mut details = Map::new();
            details.insert("receipt_id".into(), id.map_or(Value::Null, Value::String));
            details.insert("check".into(), Value::String(check.as_str().to_string()));
            details.insert("kind".into(), Value::String(req.kind.to_string()));
            (
                record(req, Outcome::Rejected, Some(e.to_string()), details),
                Err(e),
            )
        }
    };
    // A refusal that cannot be recorded is still a refusal; an acceptance must be on disk.
    match (ledger.append(record), result) {
        (Ok(_), result) => result,
        (Err(write), Ok(_)) => Err(ReceiptError::Ledger(write)),
        (Err(_), Err(refused)) => Err(refused),
    }
}

/// Check the receipt for `req` as [`enforce`] does, but record nothing and consume nothing
/// (`upload --dry-run`): the same verdict, no side effect.
pub fn preview(req: &GateRequest<'_>, ledger: Option<&Ledger>) -> Result<Accepted, ReceiptError> {
    let Some(ledger) = ledger else {
        return Err(ReceiptError::NoLedger);
    };
    evaluate(req, ledger)
}

fn record(
    req: &GateRequest<'_>,
    outcome: Outcome,
    message: Option<String>,
    details: Map<String, Value>,
) -> Record {
    Record {
        operation: LEDGER_OPERATION.to_string(),
        outcome,
        target: Some(req.target.to_string()),
        files: req.files.to_vec(),
        message,
        details,
        ..Record::default()
    }
}

fn evaluate(req: &GateRequest<'_>, ledger: &Ledger) -> Result<Accepted, ReceiptError> {
    let key = super::keys::read_verifying_key(req.key)?;
    let bytes =
        crate::fs::read_regular(req.receipt, READ_LIMIT, "a receipt").map_err(|source| {
            ReceiptError::Read {
                what: "receipt",
                source,
            }
        })?;
    // A broken ledger is never trusted (it could hide a consumption).
    let entries = match ledger::verify_file(ledger.path()) {
        Ok(v) => v.entries,
        Err(e) => return Err(ReceiptError::Ledger(e)),
    };
    let consumed = consumptions(&entries);
    check(
        &bytes,
        &key,
        &Context {
            run: ledger.run(),
            kind: req.kind,
            target: req.target,
            files: req.files,
            now: req.now,
            consumed: &consumed,
        },
    )
    .map_err(|r: Refusal| ReceiptError::Refused(r))
}
