//! Whether an upload signs PEP 740 attestations (`--attestations auto|always|never`): plain
//! data in, a decision out. PyPI accepts attestations only with Trusted Publishing, from
//! publishers with an attestation identity (GitHub, GitLab, Google — not ActiveState), and
//! only from the workflow it registered (not a reusable workflow's own identity).

/// `--attestations`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Auto,
    Always,
    Never,
}

/// Where the upload goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Index {
    Pypi,
    TestPypi,
    /// Another index (by host): it may ignore or refuse the `attestations` field.
    Other(String),
}

impl Index {
    /// The index of an upload URL.
    pub fn of_upload_url(url: &reqwest::Url) -> Index {
        match url.host_str() {
            Some("upload.pypi.org") => Index::Pypi,
            Some("test.pypi.org") => Index::TestPypi,
            host => Index::Other(host.unwrap_or_default().to_string()),
        }
    }
}

/// The credential of the upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// An API token.
    Token,
    /// Trusted Publishing from this provider (`GitHub Actions`, `GitLab CI`).
    TrustedPublishing { provider: &'static str },
}

/// Everything the decision depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Situation {
    pub mode: Mode,
    pub credential: Credential,
    pub index: Index,
    /// The publishing job runs in a reusable workflow (its identity is not the caller's).
    pub reusable_workflow: bool,
    /// An identity token for the `sigstore` audience can be had (GitHub: the id-token
    /// request variables; GitLab: `SIGSTORE_ID_TOKEN`).
    pub sigstore_identity: bool,
    /// How many distributions already have a `<file>.publish.attestation` beside them, of
    /// `files`.
    pub with_sibling: usize,
    pub files: usize,
}

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Sign the files without a sibling attestation; send the siblings of the others.
    Sign,
    /// Every file has its attestation already: send those, sign nothing.
    SiblingsOnly,
    /// No attestations are sent; the one-line reason is printed.
    Off { reason: String },
}

/// Why `--attestations=always` cannot be honoured (nothing is uploaded).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--attestations=always: {reason}")]
pub struct Refused {
    pub reason: String,
    /// The next step.
    pub hint: String,
}

/// Decide. `always` turns every reason not to sign into a [`Refused`], except "another
/// index": asking for attestations explicitly is how a user says their index takes them.
pub fn decide(s: &Situation) -> Result<Decision, Refused> {
    if s.mode == Mode::Never {
        return Ok(Decision::Off {
            reason: "--attestations=never".to_string(),
        });
    }
    if let Some((reason, hint)) = obstacle(s) {
        return match s.mode {
            Mode::Always => Err(Refused { reason, hint }),
            _ => Ok(Decision::Off { reason }),
        };
    }
    if s.files > 0 && s.with_sibling >= s.files {
        return Ok(Decision::SiblingsOnly);
    }
    if !s.sigstore_identity {
        let (reason, hint) = match s.credential {
            Credential::TrustedPublishing {
                provider: "GitLab CI",
            } => (
                "GitLab CI offers no SIGSTORE_ID_TOKEN to sign with (add `id_tokens: SIGSTORE_ID_TOKEN: {aud: sigstore}` to the publishing job)".to_string(),
                "add `id_tokens: SIGSTORE_ID_TOKEN: {aud: sigstore}` to the publishing job"
                    .to_string(),
            ),
            _ => (
                "no identity token for the `sigstore` audience is available".to_string(),
                "give the job `permissions: id-token: write` (GitHub Actions)".to_string(),
            ),
        };
        return match s.mode {
            Mode::Always => Err(Refused { reason, hint }),
            _ => Ok(Decision::Off { reason }),
        };
    }
    Ok(Decision::Sign)
}

/// The issuer PyPI verifies GitLab attestations from.
pub const GITLAB_COM_ISSUER: &str = "https://gitlab.com";

/// A warning when signing on GitLab CI with an identity not issued by gitlab.com: Sigstore's
/// public Fulcio and PyPI's verifier accept GitLab identities only from gitlab.com, so the
/// upload of a self-managed instance's attestations will be refused.
pub fn gitlab_issuer_warning(provider: &str, issuer: Option<&str>) -> Option<String> {
    if provider != "GitLab CI" {
        return None;
    }
    let issuer = issuer?.trim_end_matches('/');
    (issuer != GITLAB_COM_ISSUER).then(|| {
        format!(
            "this GitLab identity is issued by {issuer}, not gitlab.com: PyPI verifies GitLab attestations only from gitlab.com (and the public Fulcio trusts only gitlab.com), so expect the attestations to be refused; use --attestations=never for a self-managed GitLab instance"
        )
    })
}

/// The first reason PyPI would not take attestations from this upload.
fn obstacle(s: &Situation) -> Option<(String, String)> {
    if s.credential == Credential::Token {
        return Some((
            "attestations need Trusted Publishing (PyPI accepts them only from trusted publishers); this upload uses an API token".to_string(),
            "publish with Trusted Publishing (--auth oidc), or use --attestations=never".to_string(),
        ));
    }
    if s.reusable_workflow {
        return Some((
            "the publishing job runs in a reusable workflow, whose identity PyPI does not accept attestations from".to_string(),
            "move the publishing job into the workflow registered as the trusted publisher, or use --attestations=never".to_string(),
        ));
    }
    if let Index::Other(host) = &s.index
        && s.mode == Mode::Auto
    {
        return Some((
            format!(
                "{host} is neither PyPI nor TestPyPI (--attestations=always signs for it anyway)"
            ),
            String::new(),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn github() -> Situation {
        Situation {
            mode: Mode::Auto,
            credential: Credential::TrustedPublishing {
                provider: "GitHub Actions",
            },
            index: Index::Pypi,
            reusable_workflow: false,
            sigstore_identity: true,
            with_sibling: 0,
            files: 2,
        }
    }

    #[test]
    fn auto_signs_with_trusted_publishing_from_github_to_pypi_and_testpypi() {
        assert_eq!(decide(&github()), Ok(Decision::Sign));
        let test = Situation {
            index: Index::TestPypi,
            ..github()
        };
        assert_eq!(decide(&test), Ok(Decision::Sign));
    }

    #[test]
    fn auto_gives_a_reason_and_always_refuses() {
        let cases = [
            (
                Situation {
                    credential: Credential::Token,
                    ..github()
                },
                "API token",
            ),
            (
                Situation {
                    reusable_workflow: true,
                    ..github()
                },
                "reusable workflow",
            ),
            (
                Situation {
                    sigstore_identity: false,
                    ..github()
                },
                "sigstore",
            ),
            (
                Situation {
                    sigstore_identity: false,
                    credential: Credential::TrustedPublishing {
                        provider: "GitLab CI",
                    },
                    ..github()
                },
                "SIGSTORE_ID_TOKEN",
            ),
        ];
        let mut checked = 0;
        for (situation, words) in cases {
            match decide(&situation) {
                Ok(Decision::Off { reason }) => assert!(reason.contains(words), "{reason}"),
                other => panic!("{situation:?}: {other:?}"),
            }
            let always = Situation {
                mode: Mode::Always,
                ..situation
            };
            let refused = decide(&always).unwrap_err();
            assert!(refused.reason.contains(words), "{refused:?}");
            assert!(!refused.hint.is_empty());
            checked += 1;
        }
        assert_eq!(checked, 4);
    }

    #[test]
    fn gitlab_attestations_warn_outside_gitlab_com() {
        assert_eq!(
            gitlab_issuer_warning("GitLab CI", Some("https://gitlab.com")),
            None
        );
        assert_eq!(
            gitlab_issuer_warning("GitLab CI", Some("https://gitlab.com/")),
            None
        );
        assert_eq!(
            gitlab_issuer_warning("GitHub Actions", Some("https://x")),
            None
        );
        let w = gitlab_issuer_warning("GitLab CI", Some("https://gitlab.example.org")).unwrap();
        assert!(
            w.contains("https://gitlab.example.org") && w.contains("only from gitlab.com"),
            "{w}"
        );
    }

    #[test]
    fn another_index_is_off_in_auto_and_signed_when_asked() {
        let other = Situation {
            index: Index::Other("pypi.example.org".into()),
            ..github()
        };
        assert!(
            matches!(decide(&other), Ok(Decision::Off { reason }) if reason.contains("pypi.example.org"))
        );
        let always = Situation {
            mode: Mode::Always,
            ..other
        };
        assert_eq!(decide(&always), Ok(Decision::Sign));
    }

    #[test]
    fn never_sends_nothing_and_siblings_need_no_signing() {
        let never = Situation {
            mode: Mode::Never,
            with_sibling: 2,
            ..github()
        };
        assert!(matches!(decide(&never), Ok(Decision::Off { .. })));
        let siblings = Situation {
            with_sibling: 2,
            sigstore_identity: false,
            ..github()
        };
        assert_eq!(decide(&siblings), Ok(Decision::SiblingsOnly));
        let some = Situation {
            with_sibling: 1,
            ..github()
        };
        assert_eq!(decide(&some), Ok(Decision::Sign));
    }

    #[test]
    fn index_of_upload_url() {
        let url = |s: &str| reqwest::Url::parse(s).unwrap();
        assert_eq!(
            Index::of_upload_url(&url("https://upload.pypi.org/legacy/")),
            Index::Pypi
        );
        assert_eq!(
            Index::of_upload_url(&url("https://test.pypi.org/legacy/")),
            Index::TestPypi
        );
        assert_eq!(
            Index::of_upload_url(&url("http://127.0.0.1:9/legacy/")),
            Index::Other("127.0.0.1".into())
        );
    }
}
