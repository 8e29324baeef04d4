//! Receipt errors (plans, keys, receipts, the gate) as exit statuses and hints: a refused
//! receipt is a refusal (2) with the next step for the check that failed.

use super::{ExitStatus, Failure};
use crate::publish::receipt::{Check, ReceiptError};

impl From<ReceiptError> for Failure {
    fn from(e: ReceiptError) -> Self {
        let text = e.to_string();
        match e {
            ReceiptError::Read { source, .. } => {
                let f = Failure::usage(text).with_hint(
                    "name the file chora-publish wrote (plan.json, receipt.json, NAME.key, NAME.pub); nothing was sent",
                );
                if source.is_io() && !source.is_not_found() {
                    f.with_status(ExitStatus::LocalIo)
                } else {
                    f
                }
            }
            ReceiptError::Write { .. } => Failure::local_io(text)
                .with_hint("choose a writable folder (--out, --out-dir)"),
            ReceiptError::Exists { .. } => Failure::usage(text)
                .with_hint("choose another --name or --out-dir, or remove the old key pair first"),
            ReceiptError::KeyFormat { .. } => Failure::usage(text).with_hint(
                "make a key pair with `chora-publish keygen`: the approver signs with NAME.key, the publishing job checks with NAME.pub",
            ),
            ReceiptError::KeyPermissions { .. } => {
                Failure::usage(text).with_hint("chmod 600 the key file, then run again")
            }
            ReceiptError::PlanFormat { .. } => Failure::usage(text)
                .with_hint("pass the plan.json written by `chora-publish plan`, unedited"),
            ReceiptError::PlanRequest(_) | ReceiptError::Ttl { .. } => Failure::usage(text),
            ReceiptError::Random(_) => Failure::local_io(text),
            ReceiptError::NoLedger => Failure::usage(text).with_hint(
                "add --ledger FILE (kept between the operations of a run, e.g. as an artifact), or run in CI where chora-ledger.jsonl is the default",
            ),
            ReceiptError::Refused(r) => Failure::usage(text).with_hint(refusal_hint(r.check)),
            ReceiptError::Ledger(e) => Failure::from(e),
            ReceiptError::Dists(e) => Failure::from(e),
        }
    }
}

/// The next step after a refusal by `check`.
fn refusal_hint(check: Check) -> &'static str {
    match check {
        Check::Input => "pass the receipt.json written by `chora-publish approve`, unedited",
        Check::Signature => {
            "check that --receipt-key is the approver's public key (NAME.pub); an altered receipt is never accepted: ask the approver for a new one"
        }
        Check::RunId => {
            "a receipt is for one run: run `chora-publish plan` in this run, have it approved, and pass that receipt"
        }
        Check::Operation => {
            "approve a plan that lists this operation (`chora-publish plan --operations upload,github-release`)"
        }
        Check::PlanDigest => {
            "send exactly the files and target that were approved, or make and approve a new plan for what you mean to send"
        }
        Check::Expired => "ask the approver for a new receipt (`chora-publish approve --ttl`)",
        Check::IssuedAt => {
            "check this machine's clock; a receipt is good for 24 h at most: ask the approver for a fresh one"
        }
        Check::Consumed => {
            "a receipt allows each operation once: plan and approve again for another attempt"
        }
        Check::Advisory => {
            "an advisory receipt is for review only: ask the approver for one made without --advisory"
        }
    }
}
