//! Rekor checkpoints: signed notes (`golang.org/x/mod/sumdb/note`) whose body is
//! `<origin>\n<tree size>\n<base64 root hash>\n[other lines]` and whose signature lines are
//! `— <name> <base64(key hint[4] || signature)>`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::keys::{Hash, PublicKey};

/// A parsed signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root_hash: Vec<u8>,
    /// The signed text: every line up to and including the one before the blank line.
    pub note: String,
    pub signatures: Vec<NoteSignature>,
}

/// One signature line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_hint: [u8; 4],
    pub signature: Vec<u8>,
}

/// Why a checkpoint is unusable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CheckpointError {
    #[error("the checkpoint has no blank line between its text and its signatures")]
    NoSeparator,
    #[error("the checkpoint text needs an origin, a tree size and a root hash line")]
    ShortBody,
    #[error("the checkpoint tree size {0:?} is not a number")]
    Size(String),
    #[error("the checkpoint root hash is not base64")]
    Root,
    #[error("checkpoint signature line {0:?} is not `— <name> <base64>`")]
    SignatureLine(String),
    #[error("the checkpoint carries no signature from the log's key (hint {0})")]
    NoSignatureForKey(String),
    #[error("the checkpoint signature does not verify with the log's key")]
    Invalid,
}

/// Parse a signed note.
pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
    let split = text.find("\n\n").ok_or(CheckpointError::NoSeparator)?;
    let (note, rest) = text.split_at(split + 1);
    let signatures_text = rest.get(1..).unwrap_or_default();
    let mut lines = note.lines();
    let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next()) else {
        return Err(CheckpointError::ShortBody);
    };
    let size = size
        .parse::<u64>()
        .map_err(|_| CheckpointError::Size(size.to_string()))?;
    let root_hash = STANDARD.decode(root).map_err(|_| CheckpointError::Root)?;
    let signatures = signatures_text
        .lines()
        .filter(|l| !l.is_empty())
        .map(parse_signature_line)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Checkpoint {
        origin: origin.to_string(),
        size,
        root_hash,
        note: note.to_string(),
        signatures,
    })
}

fn parse_signature_line(line: &str) -> Result<NoteSignature, CheckpointError> {
    let bad = || CheckpointError::SignatureLine(line.chars().take(80).collect());
    let rest = line.strip_prefix("\u{2014} ").ok_or_else(bad)?;
    // A key name has no spaces (sigstore-python reads `— (\S+) (\S+)`).
    let (name, b64) = rest.split_once(' ').ok_or_else(bad)?;
    let bytes = STANDARD.decode(b64).map_err(|_| bad())?;
    let (hint, signature) = bytes.split_first_chunk::<4>().ok_or_else(bad)?;
    if name.is_empty() || b64.contains(char::is_whitespace) || signature.is_empty() {
        return Err(bad());
    }
    Ok(NoteSignature {
        name: name.to_string(),
        key_hint: *hint,
        signature: signature.to_vec(),
    })
}

impl Checkpoint {
    /// Verify the signature line whose key hint is `key_id[0..4]` with `key` over the note.
    pub fn verify(&self, key: &PublicKey, key_id: &[u8]) -> Result<(), CheckpointError> {
        let hint = key_id.get(..4).unwrap_or_default();
        let line = self
            .signatures
            .iter()
            .find(|s| s.key_hint[..] == *hint)
            .ok_or_else(|| CheckpointError::NoSignatureForKey(hex(hint)))?;
        key.verify(Hash::Sha256, self.note.as_bytes(), &line.signature)
            .map_err(|_| CheckpointError::Invalid)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::attest::keys::testkeys;

    /// A signed note over `size` and `root` with `key` (whose key id is sha256 of its SPKI).
    pub fn signed(origin: &str, size: u64, root: &[u8], key: &p256::ecdsa::SigningKey) -> String {
        let note = format!("{origin}\n{size}\n{}\n", STANDARD.encode(root));
        let key_id = crate::attest::keys::key_id(&testkeys::p256_spki(key));
        let mut blob = key_id[..4].to_vec();
        blob.extend(testkeys::sign256(key, note.as_bytes()));
        // The signer's name is the origin's first word, as Rekor writes it (names have no spaces).
        let name = origin.split(' ').next().unwrap_or(origin);
        format!("{note}\n\u{2014} {name} {}\n", STANDARD.encode(blob))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attest::keys::{key_id, testkeys};

    fn key() -> (p256::ecdsa::SigningKey, PublicKey, [u8; 32]) {
        let k = testkeys::p256("log");
        let spki = testkeys::p256_spki(&k);
        (k, PublicKey::from_spki_der(&spki).unwrap(), key_id(&spki))
    }

    #[test]
    fn a_signed_checkpoint_parses_and_verifies() {
        let (k, public, id) = key();
        let text = testing::signed("rekor.example - 123", 7, &[9u8; 32], &k);
        let cp = parse(&text).unwrap();
        assert_eq!(cp.origin, "rekor.example - 123");
        assert_eq!(cp.size, 7);
        assert_eq!(cp.root_hash, vec![9u8; 32]);
        assert_eq!(cp.signatures.len(), 1);
        assert_eq!(cp.signatures[0].name, "rekor.example");
        assert_eq!(cp.signatures[0].key_hint, id[..4]);
        assert!(cp.note.ends_with("\n") && !cp.note.ends_with("\n\n"));
        assert_eq!(cp.verify(&public, &id), Ok(()));
    }

    #[test]
    fn other_lines_and_other_signers_are_kept() {
        let (k, public, id) = key();
        let note = format!("o\n3\n{}\nTimestamp: 1\n", STANDARD.encode([1u8; 32]));
        let mut blob = id[..4].to_vec();
        blob.extend(testkeys::sign256(&k, note.as_bytes()));
        let text = format!(
            "{note}\n\u{2014} witness {}\n\u{2014} o {}\n",
            STANDARD.encode([0u8, 1, 2, 3, 4, 5]),
            STANDARD.encode(blob)
        );
        let cp = parse(&text).unwrap();
        assert_eq!(cp.signatures.len(), 2);
        assert_eq!(cp.verify(&public, &id), Ok(()));
    }

    #[test]
    fn tampering_is_detected() {
        let (k, public, id) = key();
        let text = testing::signed("o", 7, &[9u8; 32], &k);
        let changed = text.replacen("\n7\n", "\n8\n", 1);
        assert_eq!(
            parse(&changed).unwrap().verify(&public, &id),
            Err(CheckpointError::Invalid)
        );
        let (_, other, other_id) = {
            let k2 = testkeys::p256("other");
            let spki = testkeys::p256_spki(&k2);
            (k2, PublicKey::from_spki_der(&spki).unwrap(), key_id(&spki))
        };
        assert!(matches!(
            parse(&text).unwrap().verify(&other, &other_id),
            Err(CheckpointError::NoSignatureForKey(_))
        ));
        // Right hint, wrong key.
        assert_eq!(
            parse(&text).unwrap().verify(&other, &id),
            Err(CheckpointError::Invalid)
        );
    }

    #[test]
    fn malformed_notes_are_refused() {
        assert_eq!(parse("o\n1\nAA==\n"), Err(CheckpointError::NoSeparator));
        assert_eq!(parse("o\n1\n\n"), Err(CheckpointError::ShortBody));
        assert!(matches!(
            parse("o\nx\nAA==\n\n"),
            Err(CheckpointError::Size(_))
        ));
        assert_eq!(parse("o\n1\n!!\n\n"), Err(CheckpointError::Root));
        assert!(matches!(
            parse("o\n1\nAA==\n\n- o AAAAAAAA\n"),
            Err(CheckpointError::SignatureLine(_))
        ));
        assert!(matches!(
            parse("o\n1\nAA==\n\n\u{2014} o AAAA\n"),
            Err(CheckpointError::SignatureLine(_))
        ));
        // A key name has no spaces.
        assert!(matches!(
            parse("o\n1\nAA==\n\n\u{2014} a b AAAAAAAA\n"),
            Err(CheckpointError::SignatureLine(_))
        ));
    }
}
