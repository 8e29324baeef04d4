//! `chora update`'s merge bases survive what happens to a repository: a fresh clone, a shallow
//! clone and `git gc --prune=now` all lose the blobs chora wrote into the object database, and
//! the next update still merges cleanly because chora renders each base again (from its
//! template history, checked against the recorded blob id). Uses the git command line, as a
//! user would.

mod support;
use support::git_home as git;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{STANDARD_ANSWERS, chora, run};

const RELEASE: &str = ".github/workflows/release.yml";

fn commit_all(home: &Path, dir: &Path, message: &str) {
    git(home, dir, &["add", "-A"]);
    git(home, dir, &["commit", "-q", "-m", message]);
}

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap()
}

/// Insert `line` after the first line that starts with `after`.
fn insert_after(text: &str, after: &str, line: &str) -> String {
    let mut out = Vec::new();
    let mut done = false;
    for l in text.lines() {
        out.push(l.to_string());
        if !done && l.starts_with(after) {
            out.push(line.to_string());
            done = true;
        }
    }
    assert!(done, "no line starting with {after:?}");
    out.join("\n") + "\n"
}

/// Run `chora update --data ANSWER` in `dir`: returns (exit code, stdout).
fn update(home: &Path, dir: &Path, answer: &str) -> (i32, String) {
    let output = chora(home)
        .current_dir(dir)
        .args(["update", "--data", answer])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code().unwrap_or(-1), text)
}

/// A token-mode project, committed, with a local edit to release.yml merged by one update
/// (token -> oidc), committed again: its object database holds base blobs no commit references.
struct Origin {
    home: tempfile::TempDir,
    root: tempfile::TempDir,
    dir: PathBuf,
}

fn origin() -> Origin {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("origin");
    let mut cmd = chora(home.path());
    cmd.arg("new").arg(&dir).arg("--defaults");
    for answer in STANDARD_ANSWERS.iter().chain(&["pypi_auth_method=token"]) {
        cmd.arg("--data").arg(answer);
    }
    cmd.assert().success();
    commit_all(home.path(), &dir, "generated");

    let edited = insert_after(&read(&dir, RELEASE), "name: Release", "# first local line");
    std::fs::write(dir.join(RELEASE), edited).unwrap();
    commit_all(home.path(), &dir, "first edit");
    let (code, out) = update(home.path(), &dir, "pypi_auth_method=oidc");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("merge    managed .github/workflows/release.yml"),
        "{out}"
    );
    commit_all(home.path(), &dir, "update to oidc");
    Origin { home, root, dir }
}

/// Edit again + two more template changes (through changed answers), each update merging
/// cleanly: no whole-file conflict, no marker, every local line kept.
fn two_more_updates_merge_cleanly(home: &Path, dir: &Path) {
    let edited = insert_after(
        &read(dir, RELEASE),
        "permissions: {}",
        "# second local line",
    );
    std::fs::write(dir.join(RELEASE), edited).unwrap();
    commit_all(home, dir, "second edit");

    let mut updates = 0;
    for answer in ["publish_testpypi=false", "attestations=false"] {
        let before = read(dir, RELEASE);
        let (code, out) = update(home, dir, answer);
        assert_eq!(code, 0, "{answer}: {out}");
        assert!(
            out.contains("merge    managed .github/workflows/release.yml"),
            "{answer}: {out}"
        );
        assert!(!out.contains("CONFLICT"), "{answer}: {out}");
        let after = read(dir, RELEASE);
        assert_ne!(before, after, "{answer} changes release.yml");
        assert!(!after.contains("<<<<<<<"), "{answer}:\n{after}");
        assert!(after.contains("# first local line"), "{answer}");
        assert!(after.contains("# second local line"), "{answer}");
        commit_all(home, dir, answer);
        updates += 1;
    }
    assert_eq!(updates, 2);
    let after = read(dir, RELEASE);
    assert!(
        !after.contains("test.pypi.org"),
        "publish_testpypi=false applied"
    );
    // attestations=false: nothing is signed, stored or attached; the PyPA action (the default
    // publisher while no chora-cli release is known) is told so.
    assert!(
        !after.contains("publish.attestation") && !after.contains("attestations: true"),
        "attestations=false applied:\n{after}"
    );
    assert!(after.contains("attestations: false"), "{after}");
    chora(home)
        .current_dir(dir)
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicates::str::contains(format!(
            "{RELEASE}: edited locally"
        )));
}

/// The blob chora recorded for release.yml: present in the origin, absent in `dir`.
fn assert_base_blob_is_gone(origin: &Origin, dir: &Path) {
    let answers = read(dir, ".chora-answers.yml");
    let line = answers
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{RELEASE}:")))
        .unwrap();
    let id = line.rsplit(' ').next().unwrap().trim();
    assert_eq!(id.len(), 40, "{line}");
    git(origin.home.path(), &origin.dir, &["cat-file", "-e", id]);
    let mut cmd = Command::new("git");
    cmd.current_dir(dir).args(["cat-file", "-e", id]);
    let (ok, _) = run(&mut cmd);
    assert!(
        !ok,
        "the base blob {id} must be missing from {}",
        dir.display()
    );
}

#[test]
fn bases_survive_a_fresh_clone() {
    let o = origin();
    let clone = o.root.path().join("clone");
    git(
        o.home.path(),
        o.root.path(),
        &["clone", "-q", "--no-local", "origin", "clone"],
    );
    assert_base_blob_is_gone(&o, &clone);
    two_more_updates_merge_cleanly(o.home.path(), &clone);
}

#[test]
fn bases_survive_a_shallow_clone() {
    let o = origin();
    let clone = o.root.path().join("shallow");
    let url = format!("file://{}", o.dir.display());
    git(
        o.home.path(),
        o.root.path(),
        &["clone", "-q", "--depth", "1", &url, "shallow"],
    );
    assert_eq!(
        git(o.home.path(), &clone, &["rev-list", "--count", "HEAD"]).trim(),
        "1"
    );
    assert_base_blob_is_gone(&o, &clone);
    two_more_updates_merge_cleanly(o.home.path(), &clone);
}

#[test]
fn bases_survive_git_gc() {
    let o = origin();
    let copy = o.root.path().join("gc");
    git(
        o.home.path(),
        o.root.path(),
        &["clone", "-q", "--no-local", "origin", "gc"],
    );
    // The same repository after gc: copy the origin's objects in, then prune what nothing references.
    let (ok, out) = run(Command::new("cp")
        .arg("-a")
        .arg(o.dir.join(".git/objects/."))
        .arg(copy.join(".git/objects/")));
    assert!(ok, "{out}");
    git(
        o.home.path(),
        &copy,
        &["reflog", "expire", "--expire=now", "--all"],
    );
    git(o.home.path(), &copy, &["gc", "-q", "--prune=now"]);
    assert_base_blob_is_gone(&o, &copy);
    two_more_updates_merge_cleanly(o.home.path(), &copy);
}

/// A project as a build that embedded an earlier template state generated it: the managed
/// files and their recorded blob ids are that state's render of the same answers.
#[test]
fn a_base_from_an_earlier_template_state_is_rendered_from_the_history() {
    use chora::template::answers_file::AnswersFile;
    use chora::template::history::{self, History};

    let history = History::embedded().unwrap();
    let current = history::current_state_id().unwrap();
    let o_home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let home = o_home.path();
    let dir = root.path().join("origin");
    // Answers the earlier states accept too: their matrix choices ended before the newest
    // Python of today's data.
    let mut pythons = chora::template::python::supported();
    pythons.pop();
    let matrix = format!("python_versions={}", pythons.join(","));
    let mut cmd = chora(home);
    cmd.arg("new").arg(&dir).arg("--defaults");
    for answer in STANDARD_ANSWERS.iter().chain(&[matrix.as_str()]) {
        cmd.arg("--data").arg(answer);
    }
    cmd.assert().success();
    let mut record = AnswersFile::parse(&read(&dir, ".chora-answers.yml")).unwrap();
    let now_release = read(&dir, RELEASE);

    // The newest earlier state whose release.yml differs from today's for these answers.
    let mut tried = 0;
    let (old_tree, snapshot_id) = history
        .snapshots()
        .iter()
        .rev()
        .filter(|s| s.id != current && s.chora_version == chora::VERSION)
        .find_map(|s| {
            tried += 1;
            let (template, release) = history.template(s, "python-package").ok()?;
            let facts = chora::template::env::Facts {
                release,
                ..Default::default()
            };
            let tree = chora::generate::project::render_recorded(&template, &facts, &record)?;
            let old = tree.get(RELEASE)?;
            (old.contents != now_release.as_bytes()).then(|| (tree, s.id.clone()))
        })
        .expect("the history holds an earlier state with another release.yml");
    assert!(tried >= 1);
    for path in record.files.keys() {
        if !old_tree.contains_key(path) {
            std::fs::remove_file(dir.join(path)).unwrap();
        }
    }
    record.files.clear();
    for (path, file) in old_tree.iter().filter(|(_, f)| f.managed) {
        std::fs::create_dir_all(dir.join(path).parent().unwrap()).unwrap();
        std::fs::write(dir.join(path), &file.contents).unwrap();
        record
            .files
            .insert(path.clone(), chora::git::blob_id(&file.contents).unwrap());
    }
    std::fs::write(dir.join(".chora-answers.yml"), record.to_yaml().unwrap()).unwrap();
    commit_all(
        home,
        &dir,
        &format!("generated by the build of state {snapshot_id}"),
    );

    let edited = insert_after(&read(&dir, RELEASE), "name: Release", "# local line");
    std::fs::write(dir.join(RELEASE), edited).unwrap();
    commit_all(home, &dir, "local edit");

    // Elsewhere, from a shallow clone (no commit holds the base): update to today's templates.
    let url = format!("file://{}", dir.display());
    git(
        home,
        root.path(),
        &["clone", "-q", "--depth", "1", &url, "clone"],
    );
    let clone = root.path().join("clone");
    let output = chora(home)
        .current_dir(&clone)
        .arg("update")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert!(
        out.contains("merge    managed .github/workflows/release.yml"),
        "{out}"
    );
    let merged = read(&clone, RELEASE);
    assert_eq!(
        merged,
        insert_after(&now_release, "name: Release", "# local line"),
        "today's release.yml with the local line, nothing else"
    );
}

/// A project generated by the template before Python 3.10 reached end of life, with
/// `python_min: 3.10` and a 3.10 matrix recorded, updates to today's template cleanly: the
/// recorded answers are kept (with a note that 3.10 is end of life), nothing conflicts, and
/// `chora check` is in sync afterwards.
#[test]
fn a_project_recorded_with_an_end_of_life_python_still_updates_and_checks() {
    use chora::template::answers::AnswerValue;
    use chora::template::answers_file::AnswersFile;
    use chora::template::history::{self, History};

    let eol = chora::template::python::end_of_life();
    let eol_version = eol
        .first()
        .expect("an end-of-life version in the data")
        .clone();
    let mut versions = eol.clone();
    versions.extend(chora::template::python::supported());
    versions.retain(|v| v.as_str() < "3.15"); // the matrix of the template before 3.15
    let history = History::embedded().unwrap();
    let current = history::current_state_id().unwrap();
    let o_home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let home = o_home.path();
    let dir = root.path().join("origin");
    let mut cmd = chora(home);
    cmd.arg("new").arg(&dir).arg("--defaults");
    for answer in STANDARD_ANSWERS {
        cmd.arg("--data").arg(answer);
    }
    cmd.assert().success();
    let mut record = AnswersFile::parse(&read(&dir, ".chora-answers.yml")).unwrap();
    record
        .answers
        .insert("python_min".into(), AnswerValue::Str(eol_version.clone()));
    record.answers.insert(
        "python_versions".into(),
        AnswerValue::List(versions.clone()),
    );

    // The newest earlier state that still offered the end-of-life version by default.
    let (old_tree, snapshot_id) = history
        .snapshots()
        .iter()
        .rev()
        .filter(|s| s.id != current && s.chora_version == chora::VERSION)
        .find_map(|s| {
            let (template, release) = history.template(s, "python-package").ok()?;
            let old_default = template.spec.question("python_min")?.default.clone()?;
            (old_default == yaml_serde::Value::String(eol_version.clone())).then_some(())?;
            let facts = chora::template::env::Facts {
                release,
                ..Default::default()
            };
            let tree = chora::generate::project::render_recorded(&template, &facts, &record)?;
            Some((tree, s.id.clone()))
        })
        .expect("the history holds the state before the defaults moved on");
    for path in record.files.keys() {
        if !old_tree.contains_key(path) {
            std::fs::remove_file(dir.join(path)).unwrap();
        }
    }
    record.files.clear();
    for (path, file) in old_tree.iter() {
        std::fs::create_dir_all(dir.join(path).parent().unwrap()).unwrap();
        std::fs::write(dir.join(path), &file.contents).unwrap();
        if file.managed {
            record
                .files
                .insert(path.clone(), chora::git::blob_id(&file.contents).unwrap());
        }
    }
    std::fs::write(dir.join(".chora-answers.yml"), record.to_yaml().unwrap()).unwrap();
    commit_all(
        home,
        &dir,
        &format!("generated by the build of state {snapshot_id}"),
    );
    let old_tests = read(&dir, ".github/workflows/tests.yml");
    assert!(
        old_tests.contains(&format!("\"{eol_version}\"")),
        "{old_tests}"
    );

    let output = chora(home)
        .current_dir(&dir)
        .arg("update")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert!(
        out.contains(&format!(
            "python_min: Python {eol_version} (end of life since"
        )),
        "a note on the end-of-life answer:\n{out}"
    );
    assert!(!out.contains("conflict"), "{out}");
    let answers = read(&dir, ".chora-answers.yml");
    assert!(
        answers.contains(&format!("python_min: '{eol_version}'")),
        "the recorded answer is kept:\n{answers}"
    );
    let tests = read(&dir, ".github/workflows/tests.yml");
    for version in &versions {
        assert!(
            tests.contains(&format!("\"{version}\"")),
            "{version} in\n{tests}"
        );
    }
    git(home, &dir, &["add", "-A"]);
    git(
        home,
        &dir,
        &["commit", "-q", "--allow-empty", "-m", "update"],
    );
    let output = chora(home).current_dir(&dir).arg("check").output().unwrap();
    let out = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{out}");
    // Not drift, but said: the recorded Python is end of life.
    assert!(
        out.contains(&format!(
            "python_min: Python {eol_version} (end of life since"
        )),
        "check notes the end-of-life answer:\n{out}"
    );
    let output = chora(home)
        .current_dir(&dir)
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["in_sync"], true);
    assert_eq!(report["notes"][0]["question"], "python_min");
}
