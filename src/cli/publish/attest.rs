//! The attestation stage of `chora-publish upload`: decide (`--attestations`), sign what needs
//! signing before anything is uploaded, archive each attestation into `--attestations-dir`.

use super::UploadArgs;
use super::output::Output;
use crate::attest;
use crate::exit::Failure;
use crate::publish::auth::Auth;
use crate::publish::credentials::Env;
use crate::publish::http::Http;
use crate::publish::ledger::{FileDigest, Journal, Ledger, Outcome, Record};
use crate::publish::plan;
use crate::publish::retry::Policy;

/// Whether this upload signs attestations (see [`attest::decide`]).
pub(super) fn decide_attestations(
    args: &UploadArgs,
    plan: &plan::Plan,
    env: &Env,
    credential: &attest::decide::Credential,
    reusable_workflow: bool,
) -> Result<attest::decide::Decision, Failure> {
    use attest::decide::{self, Situation};
    let situation = Situation {
        mode: args.attestations.into(),
        credential: credential.clone(),
        index: decide::Index::of_upload_url(&plan.url),
        reusable_workflow,
        sigstore_identity: crate::publish::credentials::detect_ambient(
            env,
            attest::SIGSTORE_AUDIENCE,
        )
        .is_some(),
        with_sibling: plan
            .files
            .iter()
            .filter(|f| !f.attestations.is_empty())
            .count(),
        files: plan.files.len(),
    };
    decide::decide(&situation).map_err(|r| Failure::usage(r.to_string()).with_hint(r.hint))
}

/// Stage 2b: sign the files that need an attestation (all before any upload), or say why
/// none are sent. Returns the plan with each file's attestations in place. Each signing is
/// recorded in `ledger` (`sign` entries).
#[allow(clippy::too_many_arguments)]
pub(super) fn attest_stage(
    http: &Http,
    plan: &plan::Plan,
    env: &Env,
    auth: &Auth,
    policy: &Policy,
    args: &UploadArgs,
    out: &Output,
    ledger: Option<&mut Ledger>,
) -> Result<plan::Plan, Failure> {
    let credential = match auth {
        Auth::Token(_) => attest::decide::Credential::Token,
        Auth::TrustedPublishing(m) => attest::decide::Credential::TrustedPublishing {
            provider: m.provider(),
        },
    };
    let reusable = match auth {
        Auth::TrustedPublishing(m) => m
            .context
            .claims
            .as_ref()
            .is_some_and(|c| c.is_reusable_workflow()),
        Auth::Token(_) => false,
    };
    let mut plan = plan.clone();
    match decide_attestations(args, &plan, env, &credential, reusable)? {
        attest::decide::Decision::Off { reason } => {
            for f in &mut plan.files {
                f.attestations.clear();
            }
            out.line(&format!("Attestations: none sent ({reason})."));
        }
        attest::decide::Decision::SiblingsOnly => {
            out.line("Attestations: sending the attestation files next to the distributions.");
        }
        attest::decide::Decision::Sign => {
            if let Auth::TrustedPublishing(m) = auth
                && let Some(text) = attest::decide::gitlab_issuer_warning(
                    m.provider(),
                    m.context.claims.as_ref().and_then(|c| c.iss.as_deref()),
                )
            {
                out.warning("Attestations", &text);
            }
            sign_files(http, &mut plan, env, policy, args, out, ledger)?
        }
    }
    Ok(plan)
}

/// A trust root from a `trusted_root.json` or a ClientTrustConfig file, with the URLs the
/// latter's signing config names.
pub(super) fn load_trust_file(
    path: &std::path::Path,
    option: &str,
) -> Result<
    (
        attest::trust_root::TrustedRoot,
        attest::trust_config::TrustFile,
    ),
    Failure,
> {
    let shown = crate::text::excerpt(&path.display().to_string(), 300);
    let text = crate::fs::read_regular_text(path, 4 << 20, "a trust root")
        .map_err(|e| crate::exit::attest::unreadable_input(&format!("{option} {shown}"), &e))?;
    let bad = |reason: String| {
        Failure::usage(format!("{option} {shown}: {reason}")).with_hint(
            "name a Sigstore trusted_root.json (application/vnd.dev.sigstore.trustedroot+json) or a ClientTrustConfig",
        )
    };
    let file = attest::trust_config::parse(&text).map_err(bad)?;
    let root = attest::trust_root::TrustedRoot::from_json(&file.trusted_root_json)
        .map_err(|e| bad(e.to_string()))?;
    Ok((root, file))
}

/// The Sigstore services from the options: the public-good instances with the bundled trust
/// root, or others with the trust root they must be given (a ClientTrustConfig may name them).
fn sigstore_services(args: &super::SigstoreArgs) -> Result<attest::sign::Services, Failure> {
    let mut fulcio = args.sigstore_fulcio_url.clone();
    let mut rekor = args.sigstore_rekor_url.clone();
    let root = match &args.sigstore_trust_root {
        Some(path) => {
            let (root, file) = load_trust_file(path, "--sigstore-trust-root")?;
            if fulcio == attest::PUBLIC_GOOD_FULCIO
                && let Some(url) = file.fulcio
            {
                fulcio = url;
            }
            if rekor == attest::PUBLIC_GOOD_REKOR
                && let Some(url) = file.rekor_v1
            {
                rekor = url;
            }
            root
        }
        None if fulcio == attest::PUBLIC_GOOD_FULCIO && rekor == attest::PUBLIC_GOOD_REKOR => {
            attest::trust_root::TrustedRoot::public_good()
        }
        None => {
            return Err(Failure::usage(
                "--sigstore-fulcio-url/--sigstore-rekor-url name a private Sigstore, whose trust root chora-publish does not have",
            )
            .with_hint("pass its trusted_root.json (or ClientTrustConfig) with --sigstore-trust-root"));
        }
    };
    Ok(attest::sign::Services {
        fulcio,
        rekor,
        root,
    })
}

/// Sign every file without a sibling attestation (concurrently, `--jobs` at a time), all
/// before any upload, and archive each into `--attestations-dir`.
fn sign_files(
    http: &Http,
    plan: &mut plan::Plan,
    env: &Env,
    policy: &Policy,
    args: &UploadArgs,
    out: &Output,
    ledger: Option<&mut Ledger>,
) -> Result<(), Failure> {
    let services = sigstore_services(&args.sigstore)?;
    let todo: Vec<ToSign> = plan
        .files
        .iter()
        .zip(&plan.dists)
        .enumerate()
        .filter(|(_, (f, _))| f.attestations.is_empty())
        .map(|(i, (f, d))| ToSign {
            index: i,
            file_name: f.file_name.clone(),
            sha256: d.sha256.clone(),
        })
        .collect();
    if args.dry_run {
        out.line(&format!(
            "Attestations: dry run, {} distribution(s) would be signed ({} and {}; nothing is logged).",
            todo.len(),
            services.fulcio,
            services.rekor
        ));
        return Ok(());
    }
    let journal = Journal::new(ledger, "sign", Some(services.rekor.clone()));
    let batch = SignBatch {
        services: &services,
        dir: &args.attestations_dir,
        jobs: usize::from(args.jobs),
        journal: &journal,
    };
    let signed = sign_and_archive(http, policy, env, &batch, &todo, out);
    let signed = finish_journal(journal, signed)?;
    for (i, json) in signed {
        if let Some(file) = plan.files.get_mut(i) {
            file.attestations = vec![json];
        }
    }
    Ok(())
}

/// A distribution to sign: its place in the batch, name and sha256.
struct ToSign {
    index: usize,
    file_name: String,
    sha256: String,
}

/// Where and how a batch is signed.
struct SignBatch<'a, 'l> {
    services: &'a attest::sign::Services,
    dir: &'a std::path::Path,
    jobs: usize,
    /// `sign` entries: started before a file is signed, its outcome after.
    journal: &'a Journal<'l>,
}

/// A signing batch's result, or the ledger's failure first (exit 4, which files were done).
fn finish_journal<T>(journal: Journal<'_>, result: Result<T, Failure>) -> Result<T, Failure> {
    match journal.finish() {
        Err(stop) => Err(crate::exit::ledger::batch_stopped(&stop, "signing")),
        Ok(()) => result,
    }
}

fn digest_of(t: &ToSign) -> FileDigest {
    FileDigest {
        name: t.file_name.clone(),
        sha256: t.sha256.clone(),
    }
}

/// Sign `todo` (every one, or fail before writing any), write each attestation into the
/// batch's folder; (batch index, attestation JSON) per file, in order.
fn sign_and_archive(
    http: &Http,
    policy: &Policy,
    env: &Env,
    batch: &SignBatch<'_, '_>,
    todo: &[ToSign],
    out: &Output,
) -> Result<Vec<(usize, String)>, Failure> {
    use futures_util::StreamExt as _;
    let ambient = crate::publish::credentials::detect_ambient(env, attest::SIGSTORE_AUDIENCE)
        .ok_or_else(|| {
            Failure::usage("no identity token for the `sigstore` audience is available").with_hint(
                "run in GitHub Actions with `permissions: id-token: write`, or GitLab CI with `id_tokens: SIGSTORE_ID_TOKEN: {aud: sigstore}`",
            )
        })?;
    check_attestations_dir(batch.dir)?;
    let signed = http.block_on(
        futures_util::stream::iter(todo.iter().map(|t| {
            let ambient = &ambient;
            async move {
                if batch
                    .journal
                    .started(&digest_of(t), serde_json::Map::new())
                    .is_err()
                {
                    return (t, None);
                }
                let done = attest::sign::sign_one(
                    http,
                    policy,
                    batch.services,
                    ambient,
                    &t.file_name,
                    &t.sha256,
                )
                .await;
                batch.journal.finished(&digest_of(t), sign_record(&done));
                (t, Some(done))
            }
        }))
        .buffer_unordered(batch.jobs.max(1))
        .collect::<Vec<_>>(),
    );
    let mut ready = Vec::new();
    let mut stopped = false;
    for (t, done) in signed {
        match done {
            None => stopped = true,
            Some(Ok(signed)) => ready.push((t, signed)),
            Some(Err(e)) => {
                let failure = Failure::from(e);
                out.github_error("Signing attestations failed", &failure.to_string());
                return Err(failure);
            }
        }
    }
    if stopped {
        // The ledger could not be written: the caller reports it (finish_journal).
        return Err(Failure::local_io("the ledger could not be written"));
    }
    ready.sort_by_key(|(t, _)| t.index);
    let mut result = Vec::new();
    for (t, signed) in ready {
        let path = batch
            .dir
            .join(format!("{}{}", t.file_name, attest::model::PUBLISH_SUFFIX));
        crate::fs::write_atomic(&path, signed.json.as_bytes(), false).map_err(|e| {
            Failure::local_io(format!(
                "cannot write the attestation {}: {e}",
                path.display()
            ))
            .with_hint("nothing was uploaded; choose a writable --attestations-dir")
        })?;
        out.line(&format!(
            "Signed {}: Rekor log index {}, identity {} -> {}",
            t.file_name,
            signed.log_index,
            crate::text::excerpt(&signed.identity, 200),
            path.display()
        ));
        result.push((t.index, signed.json));
    }
    Ok(result)
}

/// `chora-publish sign`.
pub(super) fn run_sign(
    args: &super::SignArgs,
    env: &Env,
    out: &Output,
) -> Result<crate::exit::ExitStatus, Failure> {
    let dists = plan::vet_paths(&args.dists)?;
    let services = sigstore_services(&args.sigstore)?;
    let http = Http::new(crate::publish::http::Timeouts::from_lookup(|k| {
        env.get(k).map(str::to_string)
    }))?;
    let policy =
        Policy::new(args.retries, super::retry_base(env)).with_budget(http.timeouts.total.value);
    let todo: Vec<ToSign> = dists
        .iter()
        .enumerate()
        .map(|(i, d)| ToSign {
            index: i,
            file_name: plan::file_name(d),
            sha256: d.sha256.clone(),
        })
        .collect();
    let mut ledger = args.ledger.open(env)?;
    let before = ledger.as_ref().map(Ledger::entries);
    let journal = Journal::new(ledger.as_mut(), "sign", Some(services.rekor.clone()));
    let batch = SignBatch {
        services: &services,
        dir: &args.attestations_dir,
        jobs: usize::from(args.jobs),
        journal: &journal,
    };
    let done = sign_and_archive(&http, &policy, env, &batch, &todo, out);
    let done = finish_journal(journal, done);
    // A failure before any file was signed (no identity, no attestations folder): one
    // `sign` `failed` entry for all files.
    if let (Err(failure), Some(l)) = (&done, ledger.as_mut())
        && Some(l.entries()) == before
    {
        let files: Vec<FileDigest> = todo.iter().map(digest_of).collect();
        if let Err(e) = crate::publish::ledger::journal::record_failure(
            l,
            "sign",
            Some(services.rekor.clone()),
            &files,
            &failure.message,
            "before-signing",
        ) {
            out.warning("Ledger", &format!("the failure could not be recorded: {e}"));
        }
    }
    if let Some(l) = &ledger {
        out.line(&super::ledger::summary_line(l));
    }
    let done = done?;
    out.line(&format!("{} distribution(s) signed.", done.len()));
    Ok(crate::exit::ExitStatus::Success)
}

/// The outcome entry of one signing: the Rekor log index, or why it failed.
fn sign_record(done: &Result<attest::sign::Signed, attest::sign::SignError>) -> Record {
    let mut details = serde_json::Map::new();
    match done {
        Ok(signed) => {
            details.insert("rekor_log_index".into(), signed.log_index.into());
            Record {
                outcome: Outcome::Succeeded,
                details,
                ..Record::default()
            }
        }
        Err(e) => Record {
            outcome: Outcome::Failed,
            message: Some(crate::exit::error_chain(e)),
            ..Record::default()
        },
    }
}

/// `--attestations-dir` exists as a folder (created if missing).
fn check_attestations_dir(dir: &std::path::Path) -> Result<(), Failure> {
    let fail = |e: std::io::Error| {
        Failure::local_io(format!(
            "--attestations-dir {}: {e}",
            crate::text::excerpt(&dir.display().to_string(), 300)
        ))
        .with_hint("nothing was signed or uploaded; choose a writable folder")
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(fail(std::io::Error::other("not a folder"))),
        Err(e) => Err(fail(e)),
    }
}

/// `--verify-provenance`: the index's Integrity API holds, for every file sent with an
/// attestation, that very attestation, and it verifies for the publisher that uploaded.
pub(super) fn verify_after_upload(
    http: &Http,
    plan: &plan::Plan,
    auth: &Auth,
    policy: &Policy,
    args: &UploadArgs,
    out: &Output,
) -> Result<crate::exit::ExitStatus, Failure> {
    use attest::provenance::{self, FileToCheck};
    let claims = match auth {
        Auth::TrustedPublishing(m) => m.context.claims.clone(),
        Auth::Token(_) => None,
    };
    let publisher = claims.as_ref().and_then(|c| {
        Some(attest::verify::Publisher {
            repository: c.repository.clone()?,
            workflow: c.workflow_file()?,
            environment: c.environment.clone(),
        })
    });
    let Some(publisher) = publisher else {
        return Err(Failure::usage(
            "--verify-provenance needs GitHub Trusted Publishing: the publisher to verify against comes from its identity",
        )
        .with_status(crate::exit::ExitStatus::Problem));
    };
    let root = sigstore_services(&args.sigstore)?.root;
    let mut outcomes = Vec::new();
    for (file, dist) in plan.files.iter().zip(&plan.dists) {
        let Some(sent) = file.attestations.first() else {
            continue;
        };
        let check = FileToCheck {
            file_name: file.file_name.clone(),
            sha256: dist.sha256.clone(),
            sent: serde_json::from_str(sent).ok(),
        };
        // The release's version as the index stores it (PEP 440 normalised, not canonical:
        // `0.1.0` stays `0.1.0`).
        let version = crate::publish::dist::normalize_version(&dist.metadata.version)
            .unwrap_or_else(|| dist.metadata.version.clone());
        let release = provenance::Release {
            upload_url: &plan.url,
            project: &dist.filename.normalized_name,
            version: &version,
        };
        let outcome = http.block_on(provenance::check_file(
            http, policy, &release, &check, &publisher, &root,
        ));
        outcomes.push((file.file_name.clone(), outcome));
    }
    if outcomes.is_empty() {
        return Err(Failure::usage(
            "--verify-provenance: no file was sent with an attestation, so there is no provenance to verify",
        )
        .with_status(crate::exit::ExitStatus::Problem));
    }
    out.line("\nProvenance on the index:");
    super::verify::print_outcomes(&outcomes, super::verify::Format::Text, out);
    let status = super::verify::status_of(&outcomes);
    if status != crate::exit::ExitStatus::Success {
        out.github_error(
            "Provenance check failed",
            "the index does not hold a verifying attestation for every file uploaded",
        );
    }
    Ok(status)
}
