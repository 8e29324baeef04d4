//! Approver keys: Ed25519, the private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`,
//! RFC 8410) in a file only its owner can read, the public key as SPKI PEM
//! (`-----BEGIN PUBLIC KEY-----`), which `openssl pkey` and most libraries read too. A key is
//! named by its key id: sha256 (hex) of the public key's DER.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use der::pem::LineEnding;
use ed25519_dalek::pkcs8::{
    DecodePrivateKey as _, DecodePublicKey as _, EncodePrivateKey as _, EncodePublicKey as _,
};
use ed25519_dalek::{SigningKey, VerifyingKey};

use super::{READ_LIMIT, ReceiptError, random, sha256_hex};

/// The files `keygen` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFiles {
    /// `NAME.key`: the private key (mode 0600).
    pub private_key: PathBuf,
    /// `NAME.pub`: the public key, to give to the publishing job.
    pub public_key: PathBuf,
    /// sha256 of the public key's DER.
    pub key_id: String,
}

/// The key id of `key`: sha256 (hex) of its SPKI DER.
pub fn key_id(key: &VerifyingKey) -> String {
    match key.to_public_key_der() {
        Ok(der) => sha256_hex(der.as_bytes()),
        // Encoding 32 bytes in a fixed structure does not fail; fall back to the raw key.
        Err(_) => sha256_hex(key.as_bytes()),
    }
}

/// A new signing key from the operating system's random source.
pub fn generate() -> Result<SigningKey, ReceiptError> {
    let seed = zeroize::Zeroizing::new(random::<32>()?);
    Ok(SigningKey::from_bytes(&seed))
}

/// Write `key` as `DIR/NAME.key` (private, mode 0600) and `DIR/NAME.pub`; refuses if either
/// exists. `name` is letters, digits, `.`, `_` and `-`, not starting with `.`.
pub fn write_pair(dir: &Path, name: &str, key: &SigningKey) -> Result<KeyFiles, ReceiptError> {
    let valid = !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !valid {
        return Err(ReceiptError::PlanRequest(format!(
            "--name {name:?}: use letters, digits, '.', '_' and '-' (not starting with '.')"
        )));
    }
    let private_key = dir.join(format!("{name}.key"));
    let public_key = dir.join(format!("{name}.pub"));
    for path in [&private_key, &public_key] {
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(ReceiptError::Exists { path: path.clone() });
        }
    }
    let bad = |path: &Path, e: &dyn std::fmt::Display| ReceiptError::KeyFormat {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    // PKCS#8 v1 (RFC 8410 without the optional public key), which OpenSSL 3.0 reads too.
    let mut pair = ed25519_dalek::pkcs8::KeypairBytes {
        secret_key: key.to_bytes(),
        public_key: None,
    };
    let secret_pem = pair.to_pkcs8_pem(LineEnding::LF);
    zeroize::Zeroize::zeroize(&mut pair.secret_key);
    let secret_pem = secret_pem.map_err(|e| bad(&private_key, &e))?;
    let verifying = key.verifying_key();
    let public_pem = verifying
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| bad(&public_key, &e))?;
    write_new(&private_key, secret_pem.as_bytes(), 0o600)?;
    if let Err(e) = write_new(&public_key, public_pem.as_bytes(), 0o644) {
        // Leave no half pair behind.
        let _ = std::fs::remove_file(&private_key);
        return Err(e);
    }
    Ok(KeyFiles {
        private_key,
        public_key,
        key_id: key_id(&verifying),
    })
}

/// Create `path` (never replacing anything) with `mode`, write `bytes` and sync.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), ReceiptError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let err = |source: std::io::Error| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            ReceiptError::Exists {
                path: path.to_path_buf(),
            }
        } else {
            ReceiptError::Write {
                path: path.to_path_buf(),
                source,
            }
        }
    };
    let mut file = options.open(path).map_err(err)?;
    #[cfg(unix)]
    {
        // The umask can only clear bits; set the mode exactly all the same.
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(err)?;
    }
    file.write_all(bytes).map_err(err)?;
    file.sync_all().map_err(err)
}

/// Read the approver's private key from `path`; refused when group or others may read it.
pub fn read_signing_key(path: &Path) -> Result<SigningKey, ReceiptError> {
    let text = zeroize::Zeroizing::new(
        crate::fs::read_regular_text(path, READ_LIMIT, "a key file").map_err(|source| {
            ReceiptError::Read {
                what: "private key",
                source,
            }
        })?,
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(ReceiptError::KeyPermissions {
                    path: path.to_path_buf(),
                    mode,
                });
            }
        }
    }
    SigningKey::from_pkcs8_pem(text.trim()).map_err(|e| ReceiptError::KeyFormat {
        path: path.to_path_buf(),
        reason: format!("not an Ed25519 PKCS#8 PEM private key ({e})"),
    })
}

/// Read an approver's public key (SPKI PEM) from `path`.
pub fn read_verifying_key(path: &Path) -> Result<VerifyingKey, ReceiptError> {
    let text = crate::fs::read_regular_text(path, READ_LIMIT, "a key file").map_err(|source| {
        ReceiptError::Read {
            what: "public key",
            source,
        }
    })?;
    if text.contains("PRIVATE KEY") {
        return Err(ReceiptError::KeyFormat {
            path: path.to_path_buf(),
            reason: "this is a private key: pass the public key (NAME.pub) with --receipt-key, and keep the private key with the approver".to_string(),
        });
    }
    VerifyingKey::from_public_key_pem(text.trim()).map_err(|e| ReceiptError::KeyFormat {
        path: path.to_path_buf(),
        reason: format!("not an Ed25519 SPKI PEM public key ({e})"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_round_trips_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let key = generate().unwrap();
        let files = write_pair(dir.path(), "approver", &key).unwrap();
        assert_eq!(
            read_signing_key(&files.private_key).unwrap().to_bytes(),
            key.to_bytes()
        );
        let public = read_verifying_key(&files.public_key).unwrap();
        assert_eq!(public, key.verifying_key());
        assert_eq!(files.key_id, key_id(&public));
        let before = std::fs::read(&files.private_key).unwrap();
        assert!(matches!(
            write_pair(dir.path(), "approver", &generate().unwrap()),
            Err(ReceiptError::Exists { .. })
        ));
        assert_eq!(std::fs::read(&files.private_key).unwrap(), before);
        assert!(matches!(
            read_verifying_key(&files.private_key),
            Err(ReceiptError::KeyFormat { .. })
        ));
        assert!(write_pair(dir.path(), "../x", &key).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_readable_private_key_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let files = write_pair(dir.path(), "k", &generate().unwrap()).unwrap();
        let mode = std::fs::metadata(&files.private_key)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::set_permissions(&files.private_key, std::fs::Permissions::from_mode(0o640))
            .unwrap();
        assert!(matches!(
            read_signing_key(&files.private_key),
            Err(ReceiptError::KeyPermissions { mode: 0o640, .. })
        ));
    }
}
