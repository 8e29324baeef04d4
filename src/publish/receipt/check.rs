//! The checks a receipt must pass before an operation runs, in this order: it is a receipt
//! signed by the approver's key (1), not advisory (8), for this run (2), allowing this
//! operation kind (3), for exactly these files and this target (4), not expired (5), issued
//! less than 24 h ago and not in the future (6), and not consumed for this operation yet (7).

use ed25519_dalek::VerifyingKey;

use crate::publish::ledger::{Entry, FileDigest, Outcome, RunId};

use super::approval::{Receipt, Unverified, verify};
use super::plan::ReleasePlan;
use super::{CLOCK_SKEW_SECS, MAX_AGE_SECS, sha256_hex};

/// The ledger operation of receipt entries (refusals and consumptions).
pub const LEDGER_OPERATION: &str = "receipt";

/// Which check refused a receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The receipt or the key cannot be read, or is not one.
    Input,
    /// (1) The signature, by the approver's key.
    Signature,
    /// (2) The run id.
    RunId,
    /// (3) The operation kind.
    Operation,
    /// (4) The files and the target, against the approved plan.
    PlanDigest,
    /// (5) The expiry.
    Expired,
    /// (6) The issue time: at most 24 h ago, not in the future.
    IssuedAt,
    /// (7) Already consumed for this operation.
    Consumed,
    /// (8) Advisory receipts are for review only.
    Advisory,
}

impl Check {
    /// The name recorded in the ledger (`details.check`).
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Input => "input",
            Check::Signature => "signature",
            Check::RunId => "run-id",
            Check::Operation => "operation",
            Check::PlanDigest => "plan-digest",
            Check::Expired => "expired",
            Check::IssuedAt => "issued-at",
            Check::Consumed => "consumed",
            Check::Advisory => "advisory",
        }
    }
}

/// A refused receipt: the check, the receipt id when it could be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("receipt refused ({}): {reason}; nothing was sent", check.as_str())]
pub struct Refusal {
    pub check: Check,
    pub receipt_id: Option<String>,
    pub reason: String,
}

/// A receipt consumed for an operation kind, as the ledger records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consumption {
    pub receipt_id: String,
    pub kind: String,
}

/// The consumptions recorded in ledger `entries` (operation `receipt`, outcome succeeded,
/// `details.receipt_id` and `details.consumed_for`).
pub fn consumptions(entries: &[Entry]) -> Vec<Consumption> {
    entries
        .iter()
        .filter(|e| e.operation == LEDGER_OPERATION && e.outcome == Outcome::Succeeded)
        .filter_map(|e| {
            let text = |k: &str| {
                e.details
                    .get(k)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            Some(Consumption {
                receipt_id: text("receipt_id")?,
                kind: text("consumed_for")?,
            })
        })
        .collect()
}

/// What the receipt is checked against.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// This run.
    pub run: &'a RunId,
    /// The operation about to run.
    pub kind: &'a str,
    pub target: &'a str,
    pub files: &'a [FileDigest],
    /// Unix seconds.
    pub now: i64,
    /// What the ledger says was consumed already.
    pub consumed: &'a [Consumption],
}

/// A receipt that passed every check.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub receipt: Receipt,
}

/// Run every check on the receipt file's `bytes`, signed (it must be) by `key`.
pub fn check(bytes: &[u8], key: &VerifyingKey, ctx: &Context<'_>) -> Result<Accepted, Refusal> {
    // (1) Nothing else is read from a receipt whose signature does not verify.
    let receipt = verify(bytes, key).map_err(|e| match e {
        Unverified::Format(reason) => refuse(Check::Input, None, reason),
        Unverified::Signature(reason) => refuse(Check::Signature, None, reason),
    })?;
    let id = Some(receipt.receipt_id.clone());
    let no = |check: Check, reason: String| refuse(check, id.clone(), reason);
    // (8)
    if receipt.advisory {
        return Err(no(
            Check::Advisory,
            "the receipt is advisory (for review only); it never allows an operation".to_string(),
        ));
    }
    // (2)
    if &receipt.run_id != ctx.run {
        return Err(no(
            Check::RunId,
            format!(
                "the receipt is for run {}, this is run {}",
                receipt.run_id, ctx.run
            ),
        ));
    }
    // (3)
    if !receipt.operations.iter().any(|k| k == ctx.kind) {
        return Err(no(
            Check::Operation,
            format!(
                "the receipt allows {}, not {}",
                receipt.operations.join(", "),
                ctx.kind
            ),
        ));
    }
    // (4)
    check_plan(&receipt, ctx).map_err(|reason| no(Check::PlanDigest, reason))?;
    // (5), (6)
    let time = |name: &str, text: &str| {
        crate::attest::trust_root::rfc3339(text).ok_or_else(|| {
            no(
                Check::Input,
                format!("{name} {text:?} is not an RFC 3339 time"),
            )
        })
    };
    let issued = time("issued_at", &receipt.issued_at)?;
    let expires = time("expires_at", &receipt.expires_at)?;
    if ctx.now >= expires {
        return Err(no(
            Check::Expired,
            format!("the receipt expired at {}", receipt.expires_at),
        ));
    }
    if issued > ctx.now.saturating_add(CLOCK_SKEW_SECS) {
        return Err(no(
            Check::IssuedAt,
            format!(
                "the receipt was issued in the future ({}, now {}; more than {CLOCK_SKEW_SECS} s ahead)",
                receipt.issued_at,
                crate::time::format_rfc3339(ctx.now)
            ),
        ));
    }
    if ctx.now.saturating_sub(issued) >= MAX_AGE_SECS {
        return Err(no(
            Check::IssuedAt,
            format!(
                "the receipt was issued at {}, 24 h or more ago",
                receipt.issued_at
            ),
        ));
    }
    // (7)
    if ctx
        .consumed
        .iter()
        .any(|c| c.receipt_id == receipt.receipt_id && c.kind == ctx.kind)
    {
        return Err(no(
            Check::Consumed,
            format!(
                "receipt {} was already used for {} (the ledger records it)",
                receipt.receipt_id, ctx.kind
            ),
        ));
    }
    Ok(Accepted { receipt })
}

fn refuse(check: Check, receipt_id: Option<String>, reason: String) -> Refusal {
    Refusal {
        check,
        receipt_id,
        reason,
    }
}

/// (4): the embedded plan is the approved one (its sha256), and its operation of this kind has
/// this target and exactly these files (names and sha256).
fn check_plan(receipt: &Receipt, ctx: &Context<'_>) -> Result<(), String> {
    if sha256_hex(receipt.plan.as_bytes()) != receipt.plan_sha256 {
        return Err("the plan in the receipt does not have the approved sha256".to_string());
    }
    let plan = ReleasePlan::parse(receipt.plan.as_bytes(), "the approved plan")
        .map_err(|e| e.to_string())?;
    if plan.run_id != receipt.run_id {
        return Err(format!(
            "the approved plan is for run {}, the receipt for run {}",
            plan.run_id, receipt.run_id
        ));
    }
    let op = plan
        .operation(ctx.kind)
        .ok_or_else(|| format!("the approved plan has no {} operation", ctx.kind))?;
    if op.target != ctx.target {
        return Err(format!(
            "the approved target of {} is {}, not {}",
            ctx.kind, op.target, ctx.target
        ));
    }
    let mut problems: Vec<String> = Vec::new();
    for f in ctx.files {
        match op.files.iter().find(|a| a.name == f.name) {
            None => problems.push(format!("{} was not approved", f.name)),
            Some(a) if a.sha256 != f.sha256 => problems.push(format!(
                "{} changed after approval (approved sha256 {}, now {})",
                f.name, a.sha256, f.sha256
            )),
            Some(_) => {}
        }
    }
    for a in &op.files {
        if !ctx.files.iter().any(|f| f.name == a.name) {
            problems.push(format!("{} was approved but is not being sent", a.name));
        }
    }
    let count = |files: &[FileDigest], name: &str| files.iter().filter(|f| f.name == name).count();
    if problems.is_empty()
        && ctx
            .files
            .iter()
            .any(|f| count(ctx.files, &f.name) != count(&op.files, &f.name))
    {
        problems.push("a file is listed more or fewer times than approved".to_string());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::receipt::approval::{Issue, Receipt};
    use crate::publish::receipt::plan::{PlannedOperation, ReleasePlan, SCHEMA};

    const T0: i64 = 1_780_000_000;

    fn files() -> Vec<FileDigest> {
        vec![FileDigest {
            name: "demo_pkg-1.0-py3-none-any.whl".to_string(),
            sha256: "ab".repeat(32),
        }]
    }

    fn plan_bytes() -> Vec<u8> {
        ReleasePlan {
            schema: SCHEMA.to_string(),
            run_id: RunId::local(),
            created_at: crate::time::format_rfc3339(T0),
            operations: vec![PlannedOperation {
                kind: "upload".to_string(),
                target: "https://upload.pypi.org/legacy/".to_string(),
                files: files(),
            }],
        }
        .to_bytes()
    }

    fn at(key: &ed25519_dalek::SigningKey, now: i64, ttl_secs: i64) -> Vec<u8> {
        Receipt::issue(&Issue {
            plan: &plan_bytes(),
            key,
            ttl_secs,
            advisory: false,
            operations: None,
            now,
        })
        .unwrap()
        .to_bytes()
    }

    fn run(bytes: &[u8], key: &ed25519_dalek::SigningKey, now: i64) -> Result<(), Check> {
        let run = RunId::local();
        let files = files();
        check(
            bytes,
            &key.verifying_key(),
            &Context {
                run: &run,
                kind: "upload",
                target: "https://upload.pypi.org/legacy/",
                files: &files,
                now,
                consumed: &[],
            },
        )
        .map(|_| ())
        .map_err(|r| r.check)
    }

    #[test]
    fn time_boundaries() {
        let key = crate::publish::receipt::keys::generate().unwrap();
        let r = at(&key, T0, 3600);
        assert_eq!(run(&r, &key, T0), Ok(()));
        assert_eq!(run(&r, &key, T0 + 3599), Ok(()));
        assert_eq!(run(&r, &key, T0 + 3600), Err(Check::Expired));
        // Issued up to 60 s ahead of this clock: accepted; 61 s: refused.
        assert_eq!(run(&r, &key, T0 - CLOCK_SKEW_SECS), Ok(()));
        assert_eq!(
            run(&r, &key, T0 - CLOCK_SKEW_SECS - 1),
            Err(Check::IssuedAt)
        );
        let long = at(&key, T0, 2 * MAX_AGE_SECS);
        assert_eq!(run(&long, &key, T0 + MAX_AGE_SECS - 1), Ok(()));
        assert_eq!(run(&long, &key, T0 + MAX_AGE_SECS), Err(Check::IssuedAt));
    }

    #[test]
    fn nothing_of_a_badly_signed_receipt_is_read() {
        let key = crate::publish::receipt::keys::generate().unwrap();
        let other = crate::publish::receipt::keys::generate().unwrap();
        let r = at(&key, T0, 3600);
        assert_eq!(run(&r, &other, T0), Err(Check::Signature));
        let mut v: serde_json::Value = serde_json::from_slice(&r).unwrap();
        v["extra"] = serde_json::Value::from(1);
        assert_eq!(
            run(&serde_json::to_vec(&v).unwrap(), &key, T0),
            Err(Check::Signature),
            "an added member is not signed"
        );
        assert_eq!(run(b"[]", &key, T0), Err(Check::Input));
        let refusal = check(
            &r,
            &other.verifying_key(),
            &Context {
                run: &RunId::local(),
                kind: "upload",
                target: "",
                files: &[],
                now: T0,
                consumed: &[],
            },
        )
        .unwrap_err();
        assert_eq!(refusal.receipt_id, None, "an unverified id is not reported");
    }
}
