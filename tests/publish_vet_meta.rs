//! The metadata and name rules of `chora-publish check` (issue 17, items 3 and 4): look-alike
//! names, classifiers, yanked releases, licence files and READMEs that render on PyPI. Each
//! rule has a fixture built here (as tests/publish_dists.rs builds its distributions) and
//! negatives; the index-backed rules run against the PyPI stand-in through the binary.

mod dists;
#[path = "support/standin/mod.rs"]
mod standin;

use std::path::{Path, PathBuf};
use std::process::Output;

use chora::publish::dist::{Dist, read_dist};
use chora::publish::index::Existing;
use chora::publish::vet::{self, Finding, Severity, classifiers, license, names};
use dists::{Sdist, Wheel, metadata};

use standin::pypi::Index;

/// `metadata(name, version)` with `Classifier`/other headers replaced: `extra` headers go
/// before the body, `drop` removes header lines starting with it.
fn meta(name: &str, version: &str, drop: &[&str], extra: &[&str]) -> String {
    let base = metadata(name, version);
    let (head, body) = base.split_once("\n\n").unwrap();
    let mut lines: Vec<String> = head
        .lines()
        .filter(|l| !drop.iter().any(|d| l.starts_with(d)))
        .map(str::to_string)
        .collect();
    lines.extend(extra.iter().map(|s| s.to_string()));
    format!("{}\n\n{body}", lines.join("\n"))
}

fn wheel_with(dir: &Path, metadata: &str) -> PathBuf {
    Wheel::demo().metadata(metadata).write(dir)
}

fn read(path: &Path) -> Dist {
    read_dist(path).unwrap()
}

fn rules(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.rule).collect()
}

fn chora_publish(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_chora-publish"));
    cmd.args(args)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITLAB_CI")
        .env_remove("CHORA_PUBLISH_TOKEN")
        .env("CHORA_PUBLISH_RETRY_BASE_MS", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The default fixtures (Metadata 2.4 with License-File, valid classifiers, a markdown README)
/// pass every metadata rule silently: the negative every rule below is measured against.
#[test]
fn the_default_fixtures_have_no_metadata_findings() {
    let dir = tempfile::tempdir().unwrap();
    for path in [
        Wheel::demo().write(dir.path()),
        Sdist::demo().write(dir.path()),
    ] {
        let findings = vet::metadata_findings(&read(&path));
        assert_eq!(findings, Vec::<Finding>::new(), "{}", path.display());
    }
}

// ---------------------------------------------------------------------------------------------
// name/look-alike

fn wheel_named(dir: &Path, name: &str) -> Dist {
    let dist_name = name.replace('-', "_");
    read(&Wheel::new(&dist_name, "0.1.0").write(dir))
}

#[test]
fn a_first_release_one_edit_from_a_popular_project_warns_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = wheel_named(dir.path(), "reqeusts");
    let found = names::findings(std::slice::from_ref(&d), &Existing::default());
    assert_eq!(rules(&found), vec![names::RULE]);
    assert_eq!(found[0].severity, Severity::Warning);
    assert!(
        found[0].message.contains("1 edit from requests"),
        "{}",
        found[0].message
    );
    assert!(found[0].fix.as_deref().unwrap().contains("pyproject.toml"));

    // Two edits on a long name, separators dropped, a short name with a letter left out.
    for (name, popular) in [
        ("pythondateutil", "python-dateutil"),
        ("setuptoolz-s", "setuptools"),
        ("nmpy", "numpy"),
    ] {
        let d = wheel_named(dir.path(), name);
        let found = names::findings(&[d], &Existing::default());
        assert_eq!(found.len(), 1, "{name}");
        assert!(
            found[0].message.contains(&format!("from {popular},")),
            "{name}: {}",
            found[0].message
        );
    }
}

#[test]
fn popular_names_short_names_and_unrelated_names_do_not_warn() {
    // The popular projects themselves (any spelling), short names (within 2 edits of half the
    // 3-letter alphabet), and ordinary new names.
    for name in [
        "requests",
        "Python_DateUtil",
        "boto3",
        "sux",
        "lint",
        "graph",
        "task",
        "chora-cli",
        "demo-pkg",
        "acme-billing-client",
        "my-internal-tool",
        "zzyzx",
    ] {
        assert!(
            names::look_alike(name).is_none(),
            "{name}: {:?}",
            names::look_alike(name)
        );
    }
}

#[test]
fn a_project_the_index_already_has_is_not_a_first_release() {
    let dir = tempfile::tempdir().unwrap();
    let d = wheel_named(dir.path(), "reqeusts");
    let mut existing = Existing::default();
    let mut files = chora::publish::index::ProjectFiles::new();
    files.insert(
        "reqeusts-0.0.1.tar.gz".to_string(),
        chora::publish::index::IndexFile {
            sha256: "00".repeat(32),
            version: Some("0.0.1".into()),
            upload_time: None,
            yanked: None,
        },
    );
    existing.projects.insert("reqeusts".into(), files);
    assert!(names::findings(std::slice::from_ref(&d), &existing).is_empty());
    // An index that has never heard of it (an empty listing): a first release.
    existing
        .projects
        .insert("reqeusts".into(), Default::default());
    assert_eq!(names::findings(&[d], &existing).len(), 1);
}

#[test]
fn look_alike_checks_thousands_of_names_quickly() {
    let popular = names::popular();
    // Every popular name with one letter doubled: 5,000 look-alikes, each found.
    let started = std::time::Instant::now();
    let mut found = 0;
    for p in popular {
        let name = format!("{}{}", p.name, &p.name[p.name.len() - 1..]);
        if names::look_alike(&name).is_some() {
            found += 1;
        }
    }
    let elapsed = started.elapsed();
    // Short names (≤ 3 characters) never match; most of the rest do (some doubled names are
    // popular projects themselves).
    let eligible = popular.iter().filter(|p| p.name.len() >= 4).count();
    assert!(found * 100 >= eligible * 95, "{found} of {eligible}");
    // Unoptimised test build: generous, but linear scans with no pruning take minutes.
    assert!(elapsed.as_secs() < 30, "{elapsed:?}");
}

// ---------------------------------------------------------------------------------------------
// classifier/*

#[test]
fn unknown_deprecated_and_private_classifiers_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "Programming Language :: Python :: 9",
            classifiers::UNKNOWN,
            "not in the trove list",
        ),
        (
            "Natural Language :: Ukranian",
            classifiers::DEPRECATED,
            "\"Natural Language :: Ukrainian\"",
        ),
        (
            "Private :: Do Not Upload",
            classifiers::PRIVATE,
            "PyPI always refuses",
        ),
    ];
    for (classifier, rule, says) in cases {
        let path = wheel_with(
            dir.path(),
            &meta(
                "demo-pkg",
                "0.1.0",
                &[],
                &[&format!("Classifier: {classifier}")],
            ),
        );
        let findings = classifiers::findings(&read(&path));
        assert_eq!(rules(&findings), vec![rule], "{classifier}");
        let f = &findings[0];
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(
            f.member.as_deref(),
            Some("demo_pkg-0.1.0.dist-info/METADATA")
        );
        let all = format!("{} {}", f.message, f.fix.as_deref().unwrap_or_default());
        assert!(all.contains(says), "{classifier}: {all}");
        // And vet refuses the file with it.
        let (_, problems) = vet::vet(std::slice::from_ref(&path));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].message.contains(&format!("[{rule}]")),
            "{problems:?}"
        );
    }
}

#[test]
fn license_classifiers_next_to_an_expression_warn() {
    let dir = tempfile::tempdir().unwrap();
    let with = wheel_with(
        dir.path(),
        &meta(
            "demo-pkg",
            "0.1.0",
            &[],
            &["Classifier: License :: OSI Approved :: MIT License"],
        ),
    );
    let findings = classifiers::findings(&read(&with));
    assert_eq!(rules(&findings), vec![classifiers::LICENSE_WITH_EXPRESSION]);
    assert_eq!(findings[0].severity, Severity::Warning);
    // Without License-Expression the classifier is how the licence is said: fine.
    let without = wheel_with(
        dir.path(),
        &meta(
            "demo-pkg",
            "0.1.0",
            &["License-Expression"],
            &["Classifier: License :: OSI Approved :: MIT License"],
        ),
    );
    assert!(classifiers::findings(&read(&without)).is_empty());
}

#[test]
fn the_bundled_trove_list_names_its_version() {
    let data = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/trove-classifiers.txt"
    ))
    .unwrap();
    let first = data.lines().next().unwrap();
    assert!(first.starts_with("# trove-classifiers 20"), "{first}");
    assert!(first.contains(classifiers::trove_version()));
    assert!(classifiers::is_valid(
        "Development Status :: 5 - Production/Stable"
    ));
}

// ---------------------------------------------------------------------------------------------
// license/*

#[test]
fn old_metadata_without_any_licence_file_warns() {
    let dir = tempfile::tempdir().unwrap();
    let old = meta(
        "demo-pkg",
        "0.1.0",
        &["Metadata-Version", "License-File"],
        &["Metadata-Version: 2.1"],
    );
    let mut wheel = Wheel::demo().metadata(&old);
    wheel.dist_info_files.clear();
    let findings = license::findings(&read(&wheel.write(dir.path())));
    assert_eq!(rules(&findings), vec![license::MISSING]);
    assert_eq!(findings[0].severity, Severity::Warning);
    assert!(
        findings[0]
            .fix
            .as_deref()
            .unwrap()
            .contains("license-files")
    );

    // The same metadata with a LICENSE member (old wheels put it in .dist-info): fine.
    let dir2 = tempfile::tempdir().unwrap();
    let mut wheel = Wheel::demo().metadata(&old);
    wheel.dist_info_files = vec![("LICENSE.txt".into(), dists::LICENSE.to_vec())];
    assert!(license::findings(&read(&wheel.write(dir2.path()))).is_empty());
    // An sdist with a COPYING file at its root.
    let dir3 = tempfile::tempdir().unwrap();
    let sdist = Sdist::demo()
        .pkg_info(&old)
        .without_file("LICENSE")
        .file("COPYING", b"GPL");
    assert!(license::findings(&read(&sdist.write(dir3.path()))).is_empty());
}

#[test]
fn metadata_2_4_that_names_no_licence_file_warns() {
    let dir = tempfile::tempdir().unwrap();
    let path = wheel_with(
        dir.path(),
        &meta("demo-pkg", "0.1.0", &["License-File"], &[]),
    );
    let findings = license::findings(&read(&path));
    assert_eq!(rules(&findings), vec![license::NOT_NAMED]);
    assert!(
        findings[0].message.contains("licenses/LICENSE"),
        "{}",
        findings[0].message
    );
    // A named License-File that is missing stays an error of the structural checks.
    let dir2 = tempfile::tempdir().unwrap();
    let mut wheel = Wheel::demo();
    wheel.dist_info_files.clear();
    let (_, problems) = vet::vet(&[wheel.write(dir2.path())]);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0]
            .message
            .contains("License-File LICENSE is not in the archive")
    );
}

// ---------------------------------------------------------------------------------------------
// The index-backed rules through the binary: name/look-alike and yanked/re-upload.

fn write_standin_wheel(dir: &Path, name: &str, version: &str) -> PathBuf {
    let d = standin::dist::wheel(name, version);
    let path = dir.join(&d.filename);
    std::fs::write(&path, &d.data).unwrap();
    path
}

fn seed(index: &Index, name: &str, version: &str) -> String {
    let d = standin::dist::sdist(name, version);
    index.seed_file(name, version, &d.filename, &d.data);
    d.filename
}

#[test]
fn check_without_an_index_says_the_index_rules_were_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_standin_wheel(dir.path(), "reqeusts", "0.1.0");
    let out = chora_publish(&["check", path.to_str().unwrap()], &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("skipped: name/look-alike, yanked/re-upload: no index"),
        "{stdout}"
    );
    assert!(!stderr.contains("name/look-alike"), "{stderr}");
}

#[test]
fn check_with_an_index_warns_about_a_new_look_alike() {
    let index = Index::start();
    let dir = tempfile::tempdir().unwrap();
    let path = write_standin_wheel(dir.path(), "reqeusts", "0.1.0");
    let url = index.upload_url();
    let out = chora_publish(
        &["check", "--repository-url", &url, path.to_str().unwrap()],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(!stdout.contains("skipped"), "{stdout}");
    assert!(
        stderr.contains("warning: ")
            && stderr.contains("reqeusts is a first release")
            && stderr.contains("[name/look-alike]"),
        "{stderr}"
    );
    assert!(stderr.contains("from requests"), "{stderr}");

    // Once the project exists on the index, it is not a first release.
    seed(&index, "reqeusts", "0.0.1");
    let out = chora_publish(
        &["check", "--repository-url", &url, path.to_str().unwrap()],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(!stderr.contains("name/look-alike"), "{stderr}");
}

#[test]
fn a_file_for_a_yanked_release_is_refused_unless_allowed() {
    let index = Index::start();
    let sdist = seed(&index, "demo-pkg", "0.1.0");
    seed(&index, "demo-pkg", "0.2.0");
    index.yank(&sdist, "broken import");
    let dir = tempfile::tempdir().unwrap();
    let yanked = write_standin_wheel(dir.path(), "demo-pkg", "0.1.0");
    let fine = write_standin_wheel(dir.path(), "demo-pkg", "0.2.0");
    let url = index.upload_url();

    let out = chora_publish(
        &["check", "--repository-url", &url, yanked.to_str().unwrap()],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains("demo-pkg 0.1.0 is yanked on the index (reason: \"broken import\")")
            && stderr.contains("[yanked/re-upload]"),
        "{stderr}"
    );
    assert!(stderr.contains("--allow-yanked"), "{stderr}");

    let out = chora_publish(
        &[
            "check",
            "--repository-url",
            &url,
            "--allow-yanked",
            yanked.to_str().unwrap(),
        ],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stderr.contains("warning: ") && stderr.contains("yanked/re-upload"),
        "{stderr}"
    );

    // Another release of the same project is not yanked.
    let out = chora_publish(
        &["check", "--repository-url", &url, fine.to_str().unwrap()],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(!stderr.contains("yanked"), "{stderr}");
}

#[test]
fn upload_refuses_a_yanked_release_before_sending_anything() {
    let index = Index::start();
    index.add_api_token("pypi-vet-meta-token", None);
    let sdist = seed(&index, "demo-pkg", "0.1.0");
    // Yanked without a reason: PEP 691 says `true`.
    index.yank(&sdist, "");
    let dir = tempfile::tempdir().unwrap();
    let wheel = write_standin_wheel(dir.path(), "demo-pkg", "0.1.0");
    let url = index.upload_url();
    let env = [("CHORA_PUBLISH_TOKEN", "pypi-vet-meta-token")];
    let args = [
        "upload",
        "--auth",
        "token",
        "--attestations=never",
        "--repository-url",
        &url,
    ];

    let mut refused = args.to_vec();
    refused.push(wheel.to_str().unwrap());
    let out = chora_publish(&refused, &env);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains("is yanked on the index (no reason given)"),
        "{stderr}"
    );
    assert!(index.uploads().is_empty(), "nothing may be sent");

    let mut allowed = args.to_vec();
    allowed.extend(["--allow-yanked", wheel.to_str().unwrap()]);
    let out = chora_publish(&allowed, &env);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert_eq!(index.uploads().len(), 1);
}

#[test]
fn the_index_client_reads_yanked_from_pep_691_and_the_json_api() {
    let json = r#"{"files": [
        {"filename": "a-1.0.tar.gz", "hashes": {"sha256": "aa"}, "yanked": "bad"},
        {"filename": "a-1.1.tar.gz", "hashes": {"sha256": "bb"}, "yanked": true},
        {"filename": "a-1.2.tar.gz", "hashes": {"sha256": "cc"}, "yanked": false},
        {"filename": "a-1.3.tar.gz", "hashes": {"sha256": "dd"}}
    ]}"#;
    let files = chora::publish::index::parse_simple_json(json).unwrap();
    let yanked = |f: &str| files[f].yanked.clone();
    assert_eq!(yanked("a-1.0.tar.gz"), Some("bad".into()));
    assert_eq!(yanked("a-1.1.tar.gz"), Some(String::new()));
    assert_eq!(yanked("a-1.2.tar.gz"), None);
    assert_eq!(yanked("a-1.3.tar.gz"), None);
}

#[test]
fn the_json_report_holds_the_index_rules_and_what_was_skipped() {
    let index = Index::start();
    let sdist = seed(&index, "demo-pkg", "0.1.0");
    index.yank(&sdist, "broken import");
    let dir = tempfile::tempdir().unwrap();
    let yanked = write_standin_wheel(dir.path(), "demo-pkg", "0.1.0");
    let url = index.upload_url();

    let out = chora_publish(
        &[
            "check",
            "--format",
            "json",
            "--repository-url",
            &url,
            yanked.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out).1);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{report}");
    assert_eq!(errors[0]["rule"], "yanked/re-upload");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("broken import")
    );
    assert_eq!(report["files"][0]["status"], "refused");
    assert_eq!(report["summary"]["errors"], 1);
    assert_eq!(report["summary"]["ok"], false);
    assert!(report.get("skipped").is_none(), "{report}");

    // Without an index: the rules are listed as skipped, with why.
    let out = chora_publish(
        &["check", "--format", "json", yanked.to_str().unwrap()],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["skipped"][0]["rules"],
        serde_json::json!(["name/look-alike", "yanked/re-upload"])
    );
    assert!(
        report["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("no index")
    );
    assert_eq!(report["summary"]["ok"], true);
}
