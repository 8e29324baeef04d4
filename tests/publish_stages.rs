//! The upload flow entered stage by stage, without the binary: plan -> credentials ->
//! existing files -> upload batch -> report, against the PyPI stand-in, with the events the
//! command layer would print collected as plain data.

#[path = "support/standin/mod.rs"]
mod standin;

use std::sync::Mutex;

use chora::publish::auth::{self, Auth};
use chora::publish::batch::{self, BatchOptions};
use chora::publish::credentials::{AuthMode, Env};
use chora::publish::events::{Event, Observer};
use chora::publish::http::{Http, Timeouts};
use chora::publish::index;
use chora::publish::plan::{self, PlanRequest};
use chora::publish::report::Report;
use chora::publish::retry::Policy;
use chora::publish::upload::Status;

use standin::pypi::Index;

/// Collects what the stages report, as text.
#[derive(Default)]
struct Collect(Mutex<Vec<String>>);

impl Observer for Collect {
    fn event(&self, event: Event<'_>) {
        let text = match event {
            Event::Mask(_) => "mask".to_string(),
            Event::Warning { text, .. } => format!("warning: {text}"),
            Event::Minted { host, .. } => format!("minted for {host}"),
            Event::Sending { file, .. } => format!("sending {}", file.file_name),
            Event::Done { file, outcome } => format!("{:?} {}", outcome.status, file.file_name),
        };
        if let Ok(mut v) = self.0.lock() {
            v.push(text);
        }
    }
}

fn write_dists(dir: &std::path::Path) -> Vec<String> {
    standin::dist::write_demo(dir)
        .iter()
        .map(|d| dir.join(&d.filename).display().to_string())
        .collect()
}

#[test]
fn each_stage_is_a_function_over_plain_data() {
    let index = Index::start();
    index.add_api_token("pypi-stage-token", None);
    let dir = tempfile::tempdir().unwrap();
    let args = write_dists(dir.path());
    let url = index.upload_url();

    // 1. Plan.
    let plan = plan::plan(&PlanRequest {
        dists: &args,
        repository_url: &url,
        sibling_attestations: false,
        vet: &chora::publish::vet::VetOptions::standard(),
    })
    .unwrap();
    assert_eq!(plan.files.len(), 2);
    assert_eq!(plan.projects, vec!["demo-pkg".to_string()]);
    let digest_fields: Vec<&str> = plan.files[0]
        .fields
        .iter()
        .filter(|(k, _)| k.ends_with("_digest"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(
        digest_fields,
        vec![
            plan.dists[0].sha256.as_str(),
            plan.dists[0].blake2_256.as_str()
        ],
        "the upload reuses the digests computed while vetting"
    );

    // 2. Credentials.
    let http = Http::new(Timeouts::default()).unwrap();
    let policy = Policy::new(2, std::time::Duration::from_millis(10));
    let env = Env([(
        "CHORA_PUBLISH_TOKEN".to_string(),
        "pypi-stage-token".to_string(),
    )]
    .into_iter()
    .collect());
    let events = Collect::default();
    let auth = auth::obtain(
        &http,
        &auth::Request {
            mode: AuthMode::Token,
            env: &env,
            token_file: None,
            upload_url: &plan.url,
            projects: &plan.projects,
            policy,
        },
        &events,
    )
    .unwrap();
    assert!(matches!(auth, Auth::Token(_)));

    // 3. Existing files: the index has the wheel already.
    let wheel = standin::dist::wheel("demo-pkg", "0.1.0");
    index.seed_file("demo-pkg", "0.1.0", &wheel.filename, &wheel.data);
    let existing = index::existing(&http, &policy, &plan.url, &plan.projects).unwrap();
    let known = existing.file("demo-pkg", &wheel.filename).unwrap();
    assert_eq!(known.sha256, plan.dists[0].sha256);
    assert!(known.upload_time.is_some(), "PEP 691 upload-time read");
    assert_eq!(
        index::closed_releases(&plan.dists, &existing, standin::util::now_unix()),
        vec![]
    );

    // 4. Upload batch, skipping what the index has.
    let options = BatchOptions {
        skip_existing: true,
        dry_run: false,
        jobs: 2,
        policy,
        verbose: false,
    };
    let outcomes = batch::upload_all(&http, &plan, &auth, &existing, &options, &events);
    let statuses: Vec<Status> = outcomes.iter().map(|o| o.status).collect();
    assert_eq!(statuses, vec![Status::Skipped, Status::Uploaded]);
    let seen = events.0.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(
        seen.contains(&"Uploaded demo_pkg-0.1.0.tar.gz".to_string()),
        "{seen:?}"
    );

    // 5. Report.
    let report = Report::of_batch(&plan, auth.kind(), false, outcomes);
    assert_eq!((report.uploaded, report.skipped, report.failed), (1, 1, 0));
    let path = dir.path().join("report.json");
    report.write(&path).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(json["files"].as_array().map(Vec::len), Some(2));

    // No burn for an API token.
    assert_eq!(
        auth::burn(&http, &auth, &plan.url, &policy),
        Vec::<String>::new()
    );
    assert_eq!(index.server().count("/_/oidc/burn-token"), 0);
}

#[test]
fn the_report_stage_fails_as_local_io_on_a_read_only_destination() {
    let dir = tempfile::tempdir().unwrap();
    let args = write_dists(dir.path());
    let plan = plan::plan(&PlanRequest {
        dists: &args,
        repository_url: "https://upload.pypi.org/legacy/",
        sibling_attestations: false,
        vet: &chora::publish::vet::VetOptions::standard(),
    })
    .unwrap();
    let report = Report::of_batch(&plan, "token", true, Vec::new());
    // A path under a regular file can never be created, whoever runs the test.
    let blocked = dir.path().join("demo_pkg-0.1.0.tar.gz").join("report.json");
    let err = report.write(&blocked).unwrap_err();
    let failure = chora::exit::Failure::from(err);
    assert_eq!(failure.status, chora::exit::ExitStatus::LocalIo);
    assert!(
        failure.message.contains("cannot write the report"),
        "{}",
        failure.message
    );
}
