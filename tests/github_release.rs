//! `chora-publish github-release` against the GitHub REST stand-in (tests/support/standin/
//! github): a release from scratch (draft, assets, published last), re-runs after failures
//! that complete the same release, drafts found through the paged list, rate limits waited on
//! the stand-in's clock, digest checks, changelog notes, prereleases, refusals explained, and
//! no secret in output or ledger.

#[path = "support/standin/mod.rs"]
mod standin;

use std::path::{Path, PathBuf};

use standin::github::{Github, Logged, Permission, RateFault, TOKEN};
use standin::http::Fault;

const WHEEL: &str = "demo_pkg-1.0.0-py3-none-any.whl";
const SDIST: &str = "demo_pkg-1.0.0.tar.gz";

struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    /// A folder with dist/ holding a wheel and an sdist (3 KiB, so a reset after 1 KiB cuts it).
    fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        let dist = dir.path().join("dist");
        std::fs::create_dir(&dist).unwrap();
        std::fs::write(dist.join(WHEEL), wheel_bytes()).unwrap();
        std::fs::write(dist.join(SDIST), sdist_bytes()).unwrap();
        Project { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn ledger(&self) -> PathBuf {
        self.path().join("ledger.jsonl")
    }
}

fn wheel_bytes() -> Vec<u8> {
    (0..3000u32).map(|i| (i % 251) as u8).collect()
}

fn sdist_bytes() -> Vec<u8> {
    (0..3000u32).map(|i| (i % 13) as u8 + 7).collect()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Run `chora-publish github-release` against `gh` (token, repository, fast clock set;
/// `env` adds or, with an empty value, removes variables).
fn release(p: &Project, gh: &Github, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_chora-publish"));
    cmd.current_dir(p.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CHORA_PUBLISH_RETRY_BASE_MS", "5")
        .env("CHORA_PUBLISH_GITHUB_SECOND_MS", "1")
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_REPOSITORY", "octo/demo");
    for (k, v) in env {
        if v.is_empty() {
            cmd.env_remove(k);
        } else {
            cmd.env(k, v);
        }
    }
    cmd.arg("github-release");
    if !args.contains(&"--api-url") && !env.iter().any(|(k, _)| *k == "GITHUB_API_URL") {
        cmd.arg("--api-url").arg(gh.api_url());
    }
    cmd.arg("--ledger").arg(p.ledger()).args(args);
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn assets_args() -> Vec<&'static str> {
    vec!["--tag", "v1.0.0", "--assets", "dist/*"]
}

/// The writes (not GETs) in the stand-in's log, as `METHOD host path`.
fn writes(log: &[Logged]) -> Vec<String> {
    log.iter()
        .filter(|l| l.method != "GET")
        .map(|l| format!("{} {} {}", l.method, l.host, l.path))
        .collect()
}

fn ledger_entries(p: &Project) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(p.ledger()).unwrap();
    let verified = std::process::Command::new(env!("CARGO_BIN_EXE_chora-publish"))
        .env_clear()
        .args(["ledger", "verify"])
        .arg(p.ledger())
        .output()
        .unwrap();
    assert!(verified.status.success(), "the ledger verifies");
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn creates_a_draft_uploads_checks_digests_and_publishes_last() {
    let gh = Github::start("octo", "demo");
    let p = Project::new();
    let run = release(&p, &gh, &[], &assets_args());
    assert_eq!(run.code, 0, "{}", run.all());

    let releases = gh.releases();
    assert_eq!(releases.len(), 1);
    let r = &releases[0];
    assert!(!r.draft && !r.prerelease);
    assert!(
        r.generated_notes,
        "no --notes-from: GitHub's generated notes"
    );
    let names: Vec<&str> = r.assets.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, [WHEEL, SDIST]);
    assert_eq!(r.assets[0].data, wheel_bytes());
    assert_eq!(r.assets[1].data, sdist_bytes());

    // Draft first, then the assets on the uploads host (the release's upload_url), publish last.
    let id = r.id;
    let log = gh.log();
    assert_eq!(
        writes(&log),
        [
            "POST api /repos/octo/demo/releases".to_string(),
            format!("POST uploads /repos/octo/demo/releases/{id}/assets"),
            format!("POST uploads /repos/octo/demo/releases/{id}/assets"),
            format!("PATCH api /repos/octo/demo/releases/{id}"),
        ]
    );
    let create = gh
        .api
        .requests()
        .into_iter()
        .find(|q| q.method == "POST")
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&create.body).unwrap();
    assert_eq!(body["draft"], true);
    assert_eq!(body["generate_release_notes"], true);
    assert_eq!(create.header("accept"), Some("application/vnd.github+json"));
    assert!(create.header("x-github-api-version").is_some());
    let uploads = gh.uploads.requests();
    assert_eq!(uploads.len(), 2);
    assert_eq!(uploads[0].query, format!("name={WHEEL}"));
    assert_eq!(uploads[0].header("content-type"), Some("application/zip"));
    assert_eq!(uploads[1].header("content-type"), Some("application/gzip"));
    assert_eq!(
        run.stdout.matches("digest checked").count(),
        2,
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("published https://github.com/octo/demo/releases/tag/v1.0.0")
    );

    // The ledger: started, then succeeded with the release, its URL and the digests.
    let entries = ledger_entries(&p);
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["outcome"], "started");
    assert_eq!(entries[0]["target"], "octo/demo@v1.0.0");
    assert_eq!(entries[1]["outcome"], "succeeded");
    assert_eq!(entries[1]["details"]["release_id"], id);
    let assets = entries[1]["details"]["assets"].as_array().unwrap();
    assert_eq!(assets.len(), 2);
    assert_eq!(
        assets[1]["sha256"],
        standin::util::sha256_hex(&sdist_bytes())
    );
    assert_eq!(entries[1]["files"].as_array().unwrap().len(), 2);

    // Nothing secret anywhere.
    let ledger = std::fs::read_to_string(p.ledger()).unwrap();
    assert!(!run.all().contains(TOKEN) && !ledger.contains(TOKEN));

    // A second run changes nothing.
    let again = release(&p, &gh, &[], &assets_args());
    assert_eq!(again.code, 0, "{}", again.all());
    assert!(
        again.stdout.contains("already published"),
        "{}",
        again.stdout
    );
    assert_eq!(writes(&gh.log()).len(), 4, "no write on a complete release");
    assert_eq!(gh.releases().len(), 1);
}

#[test]
fn a_rerun_after_a_reset_mid_upload_completes_without_duplicates() {
    let gh = Github::start("octo", "demo");
    let p = Project::new();
    // Both attempts at the first asset are cut off mid-body.
    gh.uploads
        .inject_times("/repos/octo/demo/releases/", Fault::reset_mid_body(), 2);
    let first = release(
        &p,
        &gh,
        &[],
        &["--tag", "v1.0.0", "--assets", "dist/*", "--retries", "2"],
    );
    assert_eq!(first.code, 3, "{}", first.all());
    assert!(
        first.stderr.contains("re-running completes it"),
        "{}",
        first.stderr
    );
    let releases = gh.releases();
    assert_eq!(releases.len(), 1);
    assert!(releases[0].draft, "never published half-empty");
    let id = releases[0].id;
    let entries = ledger_entries(&p);
    assert_eq!(entries.last().unwrap()["outcome"], "failed");
    assert_eq!(entries.last().unwrap()["details"]["release_id"], id);

    // GitHub keeps an empty `starter` asset of the interrupted upload.
    gh.settle();
    assert_eq!(gh.releases()[0].assets.len(), 1);
    assert_eq!(gh.releases()[0].assets[0].state, "starter");

    let second = release(&p, &gh, &[], &assets_args());
    assert_eq!(second.code, 0, "{}", second.all());
    let releases = gh.releases();
    assert_eq!(releases.len(), 1, "the draft was completed, not duplicated");
    let r = &releases[0];
    assert_eq!(r.id, id);
    assert!(!r.draft);
    let mut names: Vec<&str> = r.assets.iter().map(|a| a.name.as_str()).collect();
    names.sort();
    assert_eq!(names, [WHEEL, SDIST]);
    assert!(r.assets.iter().all(|a| a.state == "uploaded"));
    assert!(
        second.stdout.contains("deleted half-uploaded asset"),
        "{}",
        second.stdout
    );
    let creates = gh
        .log()
        .iter()
        .filter(|l| l.method == "POST" && l.path == "/repos/octo/demo/releases")
        .count();
    assert_eq!(creates, 1);
}

#[test]
fn a_502_that_leaves_a_starter_asset_is_cleaned_up_and_retried() {
    let gh = Github::start("octo", "demo");
    let p = Project::new();
    gh.fail_upload_502(SDIST, 1);
    let run = release(&p, &gh, &[], &assets_args());
    assert_eq!(run.code, 0, "{}", run.all());
    let r = &gh.releases()[0];
    assert_eq!(r.assets.len(), 2);
    assert!(r.assets.iter().all(|a| a.state == "uploaded"));
    let deletes = gh.log().iter().filter(|l| l.method == "DELETE").count();
    assert_eq!(deletes, 1, "the starter asset is deleted before the retry");
}

#[test]
fn an_existing_draft_is_found_through_the_paged_list_and_completed() {
    let gh = Github::start("octo", "demo");
    let p = Project::new();
    // The oldest release is the draft (listed last), with the wheel already uploaded.
    let draft = gh.add_release("v1.0.0", true, &[(WHEEL, &wheel_bytes())]);
    for tag in ["v0.1.0", "v0.2.0", "v0.3.0", "v0.4.0"] {
        gh.add_release(tag, false, &[]);
    }
    gh.set_page_size(2);
    // A dry run shows the plan as data and changes nothing.
    let dry = release(
        &p,
        &gh,
        &[],
        &[
            "--tag",
            "v1.0.0",
            "--assets",
            "dist/*",
            "--dry-run",
            "--format",
            "json",
        ],
    );
    assert_eq!(dry.code, 0, "{}", dry.all());
    let plan: serde_json::Value = serde_json::from_str(dry.stdout.trim()).unwrap();
    assert_eq!(plan["release"]["id"], draft);
    assert_eq!(plan["release"]["draft"], true);
    let actions: Vec<&str> = plan["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["keep", "upload"]);
    assert!(writes(&gh.log()).is_empty());
    let run = release(&p, &gh, &[], &assets_args());
    assert_eq!(run.code, 0, "{}", run.all());
    let log = gh.log();
    let tag_lookup = log
        .iter()
        .find(|l| l.path == "/repos/octo/demo/releases/tags/v1.0.0")
        .unwrap();
    assert_eq!(
        tag_lookup.status, 404,
        "the by-tag lookup does not see drafts"
    );
    let pages: Vec<&str> = log
        .iter()
        .filter(|l| l.path == "/repos/octo/demo/releases" && l.method == "GET")
        .map(|l| l.query.as_str())
        .collect();
    assert_eq!(
        pages.len(),
        6,
        "three pages, by the dry run and the run: {pages:?}"
    );
    assert!(pages[2].contains("page=3"), "{pages:?}");
    assert_eq!(
        writes(&log),
        [
            format!("POST uploads /repos/octo/demo/releases/{draft}/assets"),
            format!("PATCH api /repos/octo/demo/releases/{draft}"),
        ],
        "no new release; the wheel (same digest) is kept, only the sdist uploaded"
    );
    assert!(
        run.stdout
            .contains(&format!("completing draft release {draft}"))
    );
    assert!(
        run.stdout.contains(&format!("kept      {WHEEL}")),
        "{}",
        run.stdout
    );
    assert_eq!(gh.releases().len(), 5);

    // Without a token the list hides drafts: a dry run says so.
    let gh = Github::start("octo", "demo");
    gh.add_release("v1.0.0", true, &[]);
    let anon = release(
        &p,
        &gh,
        &[("GITHUB_TOKEN", "")],
        &["--tag", "v1.0.0", "--dry-run"],
    );
    assert_eq!(anon.code, 0, "{}", anon.all());
    assert!(
        anon.stderr.contains("drafts are not listed"),
        "{}",
        anon.stderr
    );
    assert!(
        anon.stdout.contains("would create a draft"),
        "{}",
        anon.stdout
    );
    assert!(writes(&gh.log()).is_empty());
}

/// The API requests in order, with their times on the stand-in's clock.
fn api_log(gh: &Github) -> Vec<Logged> {
    gh.log().into_iter().filter(|l| l.host == "api").collect()
}

#[test]
fn retry_after_and_the_reset_are_waited_on_429_and_403_alike() {
    let gh = Github::start("octo", "demo");
    let p = Project::new();
    gh.rate_limit(RateFault::RetryAfter {
        status: 429,
        secs: 200,
    });
    gh.rate_limit(RateFault::Reset {
        status: 403,
        in_secs: 500,
    });
    let run = release(&p, &gh, &[], &assets_args());
    assert_eq!(run.code, 0, "{}", run.all());
    let log = api_log(&gh);
    let refused: Vec<usize> = (0..log.len())
        .filter(|i| matches!(log[*i].status, 403 | 429))
        .collect();
    assert_eq!(refused, [0, 1], "one 429, one 403, then served: {log:?}");
    // The retry came no sooner than retry-after asked...
    assert!(
        log[1].at - log[0].at >= 200.0,
        "{} -> {}",
        log[0].at,
        log[1].at
    );
    // ...and the next one after the reset the 403 named (the stand-in refuses before it).
    assert!(
        log[2].at - log[1].at >= 500.0,
        "{} -> {}",
        log[1].at,
        log[2].at
    );
    assert!(
        run.stdout.contains("waited 200 s (retry-after)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("(until x-ratelimit-reset)"),
        "{}",
        run.stdout
    );
    let entries = ledger_entries(&p);
    let waits = entries[1]["details"]["waits"].as_array().unwrap();
    assert_eq!(waits.len(), 2);
    assert_eq!(waits[0]["reason"], "retry-after");
    assert_eq!(waits[1]["reason"], "reset");
    assert_eq!(entries[1]["retries"], 2);
}

#[test]
fn a_secondary_limit_without_headers_waits_a_minute() {
    let gh = Github::start("octo", "demo");
    let p = Project::new();
    gh.rate_limit(RateFault::Secondary { status: 403 });
    let run = release(&p, &gh, &[], &assets_args());
    assert_eq!(run.code, 0, "{}", run.all());
    let log = api_log(&gh);
    assert_eq!(log.iter().filter(|l| l.status == 403).count(), 1);
    assert!(
        log[1].at - log[0].at >= 60.0,
        "{} -> {}",
        log[0].at,
        log[1].at
    );
}

#[test]
fn a_reset_past_the_wait_bound_fails_at_once_and_says_when() {
    let gh = Github::start("octo", "demo");
    let p = Project::new();
    gh.rate_limit(RateFault::Reset {
        status: 403,
        in_secs: 3600,
    });
    let run = release(&p, &gh, &[], &assets_args());
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stderr.contains("900 s bound on waiting"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("until the reset at"), "{}", run.stderr);
    assert!(
        run.stderr.contains("1,000 requests an hour"),
        "{}",
        run.stderr
    );
    assert_eq!(gh.log().len(), 1, "no request after the refusal");
    assert!(gh.releases().is_empty());
}

#[test]
fn a_digest_github_reports_differently_fails_and_leaves_a_draft() {
    let gh = Github::start("octo", "demo");
    let p = Project::new();
    gh.corrupt_digest(SDIST);
    let run = release(&p, &gh, &[], &assets_args());
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr
            .contains(&format!("GitHub holds {SDIST} with sha256:")),
        "{}",
        run.stderr
    );
    assert!(gh.releases()[0].draft, "not published");
    assert!(!gh.log().iter().any(|l| l.method == "PATCH"));

    // An asset GitHub gives no digest for is uploaded, and said to be unchecked.
    let gh = Github::start("octo", "demo");
    gh.hide_digests();
    let run = release(
        &p,
        &gh,
        &[],
        &["--tag", "v1.0.0", "--assets", &format!("dist/{WHEEL}")],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("digest NOT checked"), "{}", run.stdout);
}

#[test]
fn a_same_name_asset_with_another_digest_is_refused_unless_replacing() {
    let gh = Github::start("octo", "demo");
    let p = Project::new();
    gh.add_release("v1.0.0", true, &[(WHEEL, b"something else")]);
    let run = release(&p, &gh, &[], &assets_args());
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("--replace-assets"), "{}", run.stderr);
    assert!(writes(&gh.log()).is_empty(), "nothing changed");
    let entries = ledger_entries(&p);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["outcome"], "rejected");
    let run = release(
        &p,
        &gh,
        &[],
        &["--tag", "v1.0.0", "--assets", "dist/*", "--replace-assets"],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let r = &gh.releases()[0];
    let wheel = r.assets.iter().find(|a| a.name == WHEEL).unwrap();
    assert_eq!(wheel.data, wheel_bytes());
    assert_eq!(r.assets.len(), 2);
}

#[test]
fn notes_come_from_the_changelog_section_of_the_tag() {
    let gh = Github::start("octo", "demo");
    let p = Project::new();
    std::fs::write(
        p.path().join("CHANGELOG.md"),
        "# Changelog\n\n## [Unreleased]\n\n## [1.0.0] - 2026-12-01\n\n### Added\n\n- GitHub releases\n\n## [0.9.0] - 2026-11-01\n\n- older\n\n[1.0.0]: https://github.com/octo/demo/compare/v0.9.0...v1.0.0\n",
    )
    .unwrap();
    let api = gh.api_url();
    let run = release(
        &p,
        &gh,
        &[("GITHUB_API_URL", api.as_str())],
        &[
            "--tag",
            "v1.0.0",
            "--notes-from",
            "CHANGELOG.md",
            "--title",
            "Demo 1.0",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let r = &gh.releases()[0];
    assert_eq!(r.name, "Demo 1.0");
    assert_eq!(r.body, "### Added\n\n- GitHub releases");
    assert!(!r.generated_notes);

    let missing = release(
        &p,
        &gh,
        &[],
        &["--tag", "v2.0.0", "--notes-from", "CHANGELOG.md"],
    );
    assert_eq!(missing.code, 2, "{}", missing.all());
    assert!(
        missing.stderr.contains("no section for 2.0.0"),
        "{}",
        missing.stderr
    );
    assert!(
        missing.stderr.contains("1.0.0, 0.9.0"),
        "{}",
        missing.stderr
    );
}

#[test]
fn a_release_candidate_tag_is_a_prerelease() {
    let gh = Github::start("octo", "demo");
    let p = Project::new();
    gh.rate_limit(RateFault::RetryAfter {
        status: 429,
        secs: 1,
    });
    let run = release(&p, &gh, &[], &["--tag", "v1.0.0rc1", "--format", "json"]);
    assert!(
        run.stderr.contains("waiting 1 s (retry-after)"),
        "{}",
        run.stderr
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let r = &gh.releases()[0];
    assert!(r.prerelease && !r.draft);
    let doc: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(doc["prerelease"], true);
    assert_eq!(doc["release_id"], r.id);
    assert_eq!(doc["waits"].as_array().unwrap().len(), 1);
    let final_tag = release(&p, &gh, &[], &["--tag", "v1.0.0"]);
    assert_eq!(final_tag.code, 0, "{}", final_tag.all());
    assert!(!gh.releases()[1].prerelease);
}

#[test]
fn missing_token_permission_and_repository_are_explained() {
    let gh = Github::start("octo", "demo");
    let p = Project::new();
    let run = release(&p, &gh, &[("GITHUB_TOKEN", "")], &assets_args());
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("GITHUB_TOKEN (or GH_TOKEN)"),
        "{}",
        run.stderr
    );
    assert!(gh.log().is_empty(), "nothing sent without a token");

    // GH_TOKEN works as well.
    let gh_token = release(
        &p,
        &gh,
        &[("GITHUB_TOKEN", ""), ("GH_TOKEN", TOKEN)],
        &["--tag", "v0.1.0"],
    );
    assert_eq!(gh_token.code, 0, "{}", gh_token.all());

    gh.set_permission(Permission::Read);
    let run = release(&p, &gh, &[], &assets_args());
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr
            .contains("Resource not accessible by integration"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("permissions: contents: write"),
        "{}",
        run.stderr
    );

    gh.set_permission(Permission::Write);
    let run = release(
        &p,
        &gh,
        &[],
        &["--tag", "v1.0.0", "--repository", "octo/nope"],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("not found (404)"), "{}", run.stderr);
    assert!(run.stderr.contains("token can see it"), "{}", run.stderr);

    let run = release(
        &p,
        &gh,
        &[("GITHUB_TOKEN", "ghs_wrongwrongwrongwrong")],
        &["--tag", "v1.0.0"],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("Bad credentials"), "{}", run.stderr);
    assert!(!run.all().contains("ghs_wrongwrongwrongwrong"));
    assert!(!gh_token.all().contains(TOKEN));
    let ledger = std::fs::read_to_string(p.ledger()).unwrap();
    assert!(!ledger.contains(TOKEN) && !ledger.contains("ghs_wrong"));
}

#[test]
fn an_immutable_published_release_refuses_new_assets_and_says_what_to_do() {
    let gh = Github::start("octo", "demo");
    let p = Project::new();
    gh.set_immutable_releases(true);
    gh.add_release("v1.0.0", false, &[(WHEEL, &wheel_bytes())]);
    let run = release(&p, &gh, &[], &assets_args());
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr
            .contains("Cannot upload assets to an immutable release"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Release a new version"),
        "{}",
        run.stderr
    );

    // Publishing last is what makes immutable repositories work from scratch.
    let run = release(&p, &gh, &[], &["--tag", "v1.0.1", "--assets", "dist/*"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let r = gh
        .releases()
        .into_iter()
        .find(|r| r.tag_name == "v1.0.1")
        .unwrap();
    assert!(r.immutable && r.assets.len() == 2);
}

#[test]
fn the_token_goes_only_to_the_api_the_uploads_url_or_https() {
    let gh = Github::start("octo", "demo");
    let p = Project::new();
    // The API under another name: the release's http upload_url (127.0.0.1) is another host.
    let mut cmd_args = vec!["--tag", "v1.0.0", "--assets", "dist/*"];
    let api = gh.api.localhost_url();
    cmd_args.extend(["--api-url", api.as_str()]);
    let run = release(&p, &gh, &[], &cmd_args);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stderr.contains("the token is not sent there"),
        "{}",
        run.stderr
    );
    assert_eq!(gh.uploads.total_requests(), 0);
    assert!(gh.releases()[0].draft);

    // --uploads-url names the uploads host instead; in GitHub Actions the token is masked.
    let uploads = gh.uploads.localhost_url();
    cmd_args.extend(["--uploads-url", uploads.as_str()]);
    let run = release(&p, &gh, &[("GITHUB_ACTIONS", "true")], &cmd_args);
    assert_eq!(run.code, 0, "{}", run.all());
    let sent = gh.uploads.requests();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent.iter()
            .filter(|r| r
                .header("host")
                .is_some_and(|h| h.starts_with("localhost:")))
            .count(),
        2
    );
    assert!(
        run.stdout.contains("starts no `on: release` workflow runs"),
        "{}",
        run.stdout
    );
    let masks: Vec<&str> = run.stdout.lines().filter(|l| l.contains(TOKEN)).collect();
    assert_eq!(masks, [format!("::add-mask::{TOKEN}")]);
}
