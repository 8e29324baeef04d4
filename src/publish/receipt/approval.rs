//! The approval receipt (`chora-approval-receipt/v1`): the plan it approves (its exact text and
//! sha256), the run and the operation kinds it allows, a random receipt id, issue and expiry
//! times, the advisory flag, the signer's key id, and an Ed25519 signature over the RFC 8785
//! (JCS) canonical JSON of every other member.

use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::publish::ledger::RunId;

use super::plan::ReleasePlan;
use super::{MAX_AGE_SECS, ReceiptError, random, sha256_hex};

/// The `schema` of a receipt.
pub const SCHEMA: &str = "chora-approval-receipt/v1";

/// A signed approval receipt, as written to `receipt.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// [`SCHEMA`].
    pub schema: String,
    /// 128 random bits, hex: what the ledger records as consumed.
    pub receipt_id: String,
    /// The run the receipt is for (the plan's).
    pub run_id: RunId,
    /// sha256 (hex) of the plan file's bytes.
    pub plan_sha256: String,
    /// The plan file's text, exactly as approved.
    pub plan: String,
    /// The operation kinds allowed, each once.
    pub operations: Vec<String>,
    /// RFC 3339 UTC.
    pub issued_at: String,
    /// RFC 3339 UTC.
    pub expires_at: String,
    /// For review only: the gate refuses it.
    pub advisory: bool,
    /// Key id (sha256 of the SPKI DER) of the approver's public key.
    pub key_id: String,
    /// Base64 Ed25519 signature over the JCS of all other members.
    pub signature: String,
}

/// What a receipt is issued from.
pub struct Issue<'a> {
    /// The plan file's bytes.
    pub plan: &'a [u8],
    pub key: &'a SigningKey,
    /// Seconds from `now` until it expires.
    pub ttl_secs: i64,
    pub advisory: bool,
    /// The kinds allowed: some of the plan's; `None` for all of them.
    pub operations: Option<&'a [String]>,
    /// Unix seconds: the issue time.
    pub now: i64,
}

impl Receipt {
    /// Sign a receipt for the plan in `req` (which must parse as a plan).
    pub fn issue(req: &Issue<'_>) -> Result<Receipt, ReceiptError> {
        let plan = ReleasePlan::parse(req.plan, "the plan")?;
        let text = std::str::from_utf8(req.plan).map_err(|_| ReceiptError::PlanFormat {
            what: "the plan".to_string(),
            reason: "not UTF-8".to_string(),
        })?;
        let operations = match req.operations {
            None => plan.kinds(),
            Some(kinds) => {
                let mut chosen: Vec<String> = Vec::new();
                for kind in kinds {
                    if plan.operation(kind).is_none() {
                        return Err(ReceiptError::PlanRequest(format!(
                            "--operations {kind}: the plan has no such operation (it has {})",
                            plan.kinds().join(", ")
                        )));
                    }
                    if !chosen.contains(kind) {
                        chosen.push(kind.clone());
                    }
                }
                if chosen.is_empty() {
                    return Err(ReceiptError::PlanRequest(
                        "--operations names no operation".to_string(),
                    ));
                }
                chosen
            }
        };
        let mut receipt = Receipt {
            schema: SCHEMA.to_string(),
            receipt_id: crate::text::hex(&random::<16>()?),
            run_id: plan.run_id.clone(),
            plan_sha256: sha256_hex(req.plan),
            plan: text.to_string(),
            operations,
            issued_at: crate::time::format_rfc3339(req.now),
            expires_at: crate::time::format_rfc3339(req.now.saturating_add(req.ttl_secs)),
            advisory: req.advisory,
            key_id: super::keys::key_id(&req.key.verifying_key()),
            signature: String::new(),
        };
        receipt.sign(req.key);
        Ok(receipt)
    }

    /// (Re)sign this receipt with `key` as it stands (`key_id` included, not updated).
    pub fn sign(&mut self, key: &SigningKey) {
        let signed = signed_bytes(&self.unsigned_value());
        self.signature =
            base64::engine::general_purpose::STANDARD.encode(key.sign(&signed).to_bytes());
    }

    /// This receipt as JSON without `signature`.
    fn unsigned_value(&self) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            map.remove("signature");
        }
        value
    }

    /// The receipt file's bytes: pretty JSON and a final newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text.into_bytes()
    }
}

/// The bytes a receipt's signature covers: the JCS of `unsigned` (the receipt's members
/// without `signature`).
pub fn signed_bytes(unsigned: &Value) -> Vec<u8> {
    crate::attest::jcs::canonical(unsigned)
}

/// Why a receipt file does not verify (before its contents are looked at).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unverified {
    /// Not a JSON object with a base64 `signature` string of 64 bytes.
    Format(String),
    /// The signature does not verify with the key given.
    Signature(String),
}

/// Check the signature of the receipt in `bytes` with `key`, over exactly the members the
/// file holds, then read it. Nothing in an unsigned or badly signed file is trusted.
pub fn verify(bytes: &[u8], key: &VerifyingKey) -> Result<Receipt, Unverified> {
    let mut value: Value =
        serde_json::from_slice(bytes).map_err(|e| Unverified::Format(format!("not JSON: {e}")))?;
    let map = value
        .as_object_mut()
        .ok_or_else(|| Unverified::Format("not a JSON object".to_string()))?;
    let signature = match map.remove("signature") {
        Some(Value::String(s)) => s,
        _ => return Err(Unverified::Format("no signature".to_string())),
    };
    let claimed_key = map
        .get("key_id")
        .and_then(Value::as_str)
        .map(str::to_string);
    let raw = base64::engine::general_purpose::STANDARD
        .decode(signature.as_bytes())
        .map_err(|e| Unverified::Format(format!("signature is not base64: {e}")))?;
    let sig = ed25519_dalek::Signature::from_slice(&raw)
        .map_err(|_| Unverified::Format("signature is not 64 bytes".to_string()))?;
    let expected_key = super::keys::key_id(key);
    if key.verify_strict(&signed_bytes(&value), &sig).is_err() {
        return Err(Unverified::Signature(match claimed_key {
            Some(k) if k != expected_key => format!(
                "the receipt names another signing key (key id {k}); --receipt-key has key id {expected_key}"
            ),
            _ => format!(
                "the signature does not verify with --receipt-key (key id {expected_key}): the receipt was signed by another key or altered after signing"
            ),
        }));
    }
    if let Some(map) = value.as_object_mut() {
        map.insert("signature".to_string(), Value::String(signature));
    }
    let receipt: Receipt = serde_json::from_value(value)
        .map_err(|e| Unverified::Format(format!("not a chora receipt: {e}")))?;
    if receipt.schema != SCHEMA {
        return Err(Unverified::Format(format!(
            "schema {:?}, expected {SCHEMA:?}",
            receipt.schema
        )));
    }
    Ok(receipt)
}

/// Parse a time to live: `90s`, `30m`, `1h`, `1h30m`; more than 0 s and at most 24 h (a
/// receipt older than that is refused anyway).
pub fn parse_ttl(text: &str) -> Result<i64, ReceiptError> {
    let bad = |reason: &str| ReceiptError::Ttl {
        text: text.to_string(),
        reason: reason.to_string(),
    };
    let mut total: i64 = 0;
    let mut number = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return Err(bad("use a number and a unit: 90s, 30m, 1h, 1h30m")),
        };
        let n: i64 = number
            .parse()
            .map_err(|_| bad("a unit needs a number before it: 90s, 30m, 1h"))?;
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(|| bad("too long"))?;
        number.clear();
    }
    if !number.is_empty() {
        return Err(bad("a number needs a unit (s, m or h): 90s, 30m, 1h"));
    }
    if total <= 0 {
        return Err(bad("must be more than 0 s"));
    }
    if total > MAX_AGE_SECS {
        return Err(bad(
            "at most 24h: the gate refuses a receipt issued more than 24 h ago",
        ));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls() {
        assert_eq!(parse_ttl("1h").unwrap(), 3600);
        assert_eq!(parse_ttl("1h30m").unwrap(), 5400);
        assert_eq!(parse_ttl("90s").unwrap(), 90);
        assert_eq!(parse_ttl("24h").unwrap(), 86400);
        for bad in [
            "",
            "0s",
            "1",
            "h",
            "25h",
            "1d",
            "-1h",
            "99999999999999999999h",
        ] {
            assert!(parse_ttl(bad).is_err(), "{bad}");
        }
    }
}
