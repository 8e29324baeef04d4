//! Hostile local input for `chora check` / `update` / `new` (a pull request controls every
//! file `chora check` reads in CI): no reading through symbolic links, no special files, no
//! unbounded reads, no file quoted whole in an error.
#![cfg(unix)] // symbolic links, FIFOs, permissions and setpriv(1) are Unix facts

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::{STANDARD_ANSWERS, chora, run};

const RELEASE: &str = ".github/workflows/release.yml";
const SECRET: &str = "SECRET-OUTSIDE-THE-REPOSITORY";

/// A generated project (no git) and, beside it, a folder holding a secret.
struct Scene {
    home: tempfile::TempDir,
    _root: tempfile::TempDir,
    dir: PathBuf,
    outside: PathBuf,
}

fn scene() -> Scene {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("demo-pkg");
    let mut cmd = chora(home.path());
    cmd.arg("new").arg(&dir).args(["--defaults", "--no-git"]);
    for answer in STANDARD_ANSWERS {
        cmd.arg("--data").arg(answer);
    }
    cmd.assert().success();
    let outside = root.path().join("outside");
    std::fs::create_dir_all(outside.join("workflows")).unwrap();
    for name in ["secret.txt", "workflows/release.yml"] {
        std::fs::write(outside.join(name), format!("{SECRET}\n").repeat(50)).unwrap();
    }
    Scene {
        home,
        _root: root,
        dir,
        outside,
    }
}

/// Run chora in `dir`; (exit code, stdout + stderr).
fn chora_in(home: &Path, dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let output = chora(home).current_dir(dir).args(args).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code(), text)
}

/// `chora new DEST --defaults EXTRA…`, run beside the project (in the folder outside it).
fn new_outside(s: &Scene, dest: &str, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["new", dest, "--defaults"];
    args.extend_from_slice(extra);
    chora_in(s.home.path(), &s.outside, &args)
}

fn mkfifo(path: &Path) {
    let (ok, out) = run(Command::new("mkfifo").arg(path));
    assert!(ok, "{out}");
}

#[test]
fn a_managed_file_replaced_by_a_symlink_is_refused_without_printing_its_target() {
    let s = scene();
    std::fs::remove_file(s.dir.join(RELEASE)).unwrap();
    std::os::unix::fs::symlink(s.outside.join("secret.txt"), s.dir.join(RELEASE)).unwrap();
    let mut seen = 0;
    for args in [
        &["check"][..],
        &["check", "--format", "json"],
        &["update", "--dry-run"],
    ] {
        let (code, out) = chora_in(s.home.path(), &s.dir, args);
        assert_eq!(code, Some(2), "{args:?}: {out}");
        assert!(
            !out.contains(SECRET),
            "{args:?} printed the link's target:\n{out}"
        );
        assert!(
            out.contains("release.yml is a symbolic link"),
            "{args:?}: {out}"
        );
        seen += 1;
    }
    assert_eq!(seen, 3);
}

#[test]
fn a_managed_file_under_a_symlinked_folder_is_refused() {
    let s = scene();
    let github = s.dir.join(".github");
    std::fs::remove_dir_all(github.join("workflows")).unwrap();
    std::os::unix::fs::symlink(s.outside.join("workflows"), github.join("workflows")).unwrap();
    let (code, out) = chora_in(s.home.path(), &s.dir, &["check"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(!out.contains(SECRET), "{out}");
    assert!(out.contains("a parent folder is a symbolic link"), "{out}");
}

#[test]
fn a_symlinked_answers_file_is_refused_and_never_quoted() {
    let s = scene();
    let answers = s.dir.join(".chora-answers.yml");
    std::fs::remove_file(&answers).unwrap();
    std::os::unix::fs::symlink(s.outside.join("secret.txt"), &answers).unwrap();
    let (code, out) = chora_in(s.home.path(), &s.dir, &["check"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(!out.contains(SECRET), "{out}");
    assert!(out.contains("is a symbolic link"), "{out}");
}

#[test]
fn an_invalid_answers_file_is_quoted_only_as_a_short_excerpt() {
    let s = scene();
    let answers = s.dir.join(".chora-answers.yml");
    // The parser quotes the offending value ("invalid type: string …"): only an excerpt may show.
    std::fs::write(
        &answers,
        format!(
            "chora_version: 0.1.0\ntemplate: python-package\nanswers: \"{}\"\nfiles: {{}}\n",
            SECRET.repeat(400)
        ),
    )
    .unwrap();
    let (code, out) = chora_in(s.home.path(), &s.dir, &["check"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("is not a valid answers file"), "{out}");
    assert!(
        out.len() < 2000,
        "the error stays short ({} bytes):\n{out}",
        out.len()
    );
}

#[test]
fn special_files_as_data_files_are_refused_at_once() {
    let s = scene();
    let fifo = s.outside.join("answers.fifo");
    mkfifo(&fifo);
    let fifo_arg = fifo.display().to_string();
    let mut refused = 0;
    for (data_file, kind) in [("/dev/zero", "a device"), (fifo_arg.as_str(), "a FIFO")] {
        let dest = s.outside.join(format!("new-{refused}"));
        let started = Instant::now();
        let (code, out) = new_outside(&s, &dest.display().to_string(), &["--data-file", data_file]);
        assert_eq!(code, Some(2), "{data_file}: {out}");
        assert!(
            out.contains(&format!("is not a regular file (it is {kind})")),
            "{out}"
        );
        assert!(started.elapsed() < Duration::from_secs(20), "bounded time");
        assert!(!dest.exists(), "nothing written");
        refused += 1;
    }
    assert_eq!(refused, 2);
}

#[test]
fn a_data_file_over_the_limit_is_refused() {
    let s = scene();
    let big = s.outside.join("big.yml");
    std::fs::write(&big, format!("# {}\n", "x".repeat(2 << 20))).unwrap();
    let (code, out) = new_outside(&s, "x", &["--data-file", &big.display().to_string()]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("larger than 1048576 bytes, the limit for a --data-file"),
        "{out}"
    );
}

#[test]
fn a_template_folder_without_template_yml_is_refused_before_reading_anything_else() {
    let s = scene();
    let template = s.outside.join("not-a-template");
    std::fs::create_dir_all(&template).unwrap();
    // Reading this would block forever; the missing template.yml must stop chora first.
    mkfifo(&template.join("pipe"));
    let (code, out) = new_outside(&s, "x", &["--template", &template.display().to_string()]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("template.yml"), "{out}");
}

#[test]
fn a_symlink_inside_a_template_folder_is_refused_by_name() {
    let s = scene();
    let template = s.outside.join("tpl");
    std::fs::create_dir_all(&template).unwrap();
    std::fs::write(
        template.join("template.yml"),
        "name: tpl\ndescription: t\nquestions: []\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(s.outside.join("secret.txt"), template.join("leak.txt")).unwrap();
    let (code, out) = new_outside(&s, "x", &["--template", &template.display().to_string()]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("leak.txt is a symbolic link"), "{out}");
    assert!(!s.outside.join("x").exists());
}

#[test]
fn update_never_deletes_files_the_template_does_not_manage() {
    let s = scene();
    let answers_path = s.dir.join(".chora-answers.yml");
    let mut answers = std::fs::read_to_string(&answers_path).unwrap();
    let victims = ["README.md", ".gitignore", "src/demo_pkg/__init__.py"];
    let mut listed = 0;
    for victim in victims {
        let id = chora::git::blob_id(&std::fs::read(s.dir.join(victim)).unwrap()).unwrap();
        answers = answers.replace("files:\n", &format!("files:\n  {victim}: {id}\n"));
        listed += 1;
    }
    assert_eq!(listed, 3);
    std::fs::write(&answers_path, answers).unwrap();

    let (code, out) = chora_in(s.home.path(), &s.dir, &["check"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("lists README.md, which the template does not manage"),
        "{out}"
    );
    let (code, out) = chora_in(
        s.home.path(),
        &s.dir,
        &["update", "--data", "publish_testpypi=false"],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(!out.contains("delete   "), "{out}");
    let mut kept = 0;
    for victim in victims {
        assert!(s.dir.join(victim).is_file(), "{victim} was deleted:\n{out}");
        kept += 1;
    }
    assert_eq!(kept, 3);
    let answers = std::fs::read_to_string(&answers_path).unwrap();
    assert!(
        !answers.contains("README.md"),
        "the new answers file lists managed files only"
    );
}

#[test]
fn a_template_that_loops_for_ever_runs_out_of_fuel() {
    let s = scene();
    let template = s.outside.join("looping");
    std::fs::create_dir_all(&template).unwrap();
    std::fs::write(
        template.join("template.yml"),
        "name: looping\ndescription: t\nquestions: []\n",
    )
    .unwrap();
    std::fs::write(
        template.join("x.txt.jinja"),
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}\n",
    )
    .unwrap();
    let started = Instant::now();
    let (code, out) = new_outside(&s, "x", &["--template", &template.display().to_string()]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("fuel"), "{out}");
    assert!(started.elapsed() < Duration::from_secs(60), "bounded time");
    assert!(!s.outside.join("x").exists());
}

#[test]
fn deep_or_duplicated_yaml_is_refused_early() {
    let s = scene();
    let deep = format!("project_name: {}\n", "[".repeat(500_000));
    let duplicated = "project_name: one\nlicense: MIT\nproject_name: two\n".to_string();
    let mut refused = 0;
    for (name, text, says) in [
        ("deep.yml", &deep, "nested more than 64 levels deep"),
        ("dup.yml", &duplicated, "duplicate entry with key"),
    ] {
        let file = s.outside.join(name);
        std::fs::write(&file, text).unwrap();
        let started = Instant::now();
        let (code, out) = new_outside(&s, "x", &["--data-file", &file.display().to_string()]);
        assert_eq!(code, Some(2), "{name}: {out}");
        assert!(out.contains(says), "{name}: {out}");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{name}: bounded time"
        );
        refused += 1;
    }
    assert_eq!(refused, 2);
    // The same for the answers file CI's `chora check` reads from a pull request.
    std::fs::write(s.dir.join(".chora-answers.yml"), &deep).unwrap();
    let (code, out) = chora_in(s.home.path(), &s.dir, &["check"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("nested more than 64 levels deep"), "{out}");
}

#[test]
fn answers_with_control_characters_or_too_long_are_refused() {
    let s = scene();
    let long = format!("package_name={}", "a".repeat(250));
    let mut refused = 0;
    for (answer, says) in [
        ("description=evil\u{1b}[2J", "control character U+001B"),
        ("author_name=a\u{7f}b", "control character U+007F"),
        (long.as_str(), "longer than the 200 an answer may have"),
    ] {
        let dest = s.outside.join(format!("p{refused}"));
        let (code, out) = new_outside(&s, &dest.display().to_string(), &["--data", answer]);
        assert_eq!(code, Some(2), "{answer}: {out}");
        assert!(out.contains(says), "{answer}: {out}");
        assert!(
            !out.contains('\u{1b}'),
            "no raw ESC reaches the terminal: {out}"
        );
        assert!(!dest.exists());
        refused += 1;
    }
    assert_eq!(refused, 3);
    // NUL through a data file, too.
    let file = s.outside.join("nul.yml");
    std::fs::write(&file, "description: \"a\\0b\"\n").unwrap();
    let (code, out) = new_outside(&s, "q", &["--data-file", &file.display().to_string()]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("control character U+0000"), "{out}");
}

#[test]
fn a_failure_part_way_leaves_nothing_behind() {
    let s = scene();
    let dest = s.outside.join("half");
    std::fs::create_dir_all(&dest).unwrap();
    // `src` is a file where the template needs a folder: writing src/… fails after the
    // .github/ files and the top-level files were written.
    std::fs::write(dest.join("src"), "in the way\n").unwrap();
    let mut cmd = chora(s.home.path());
    cmd.arg("new").arg(&dest).args(["--defaults", "--force"]);
    for answer in STANDARD_ANSWERS {
        cmd.arg("--data").arg(answer);
    }
    let output = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(4), "{text}");
    assert!(text.contains("nothing was left written"), "{text}");
    let left: Vec<String> = support::list_files(&dest);
    assert_eq!(left, ["src"], "only what was there before");
    assert!(!dest.join(".github").exists());
    assert!(!dest.join(".git").exists());
    assert_eq!(
        std::fs::read_to_string(dest.join("src")).unwrap(),
        "in the way\n"
    );
}

#[test]
fn new_force_never_replaces_an_answers_file_without_overwrite() {
    let s = scene();
    let answers = s.dir.join(".chora-answers.yml");
    let before = std::fs::read_to_string(&answers).unwrap();
    let mut cmd = chora(s.home.path());
    cmd.arg("new").arg(&s.dir).args([
        "--defaults",
        "--force",
        "--no-git",
        "--data",
        "license=Apache-2.0",
    ]);
    for answer in STANDARD_ANSWERS {
        cmd.arg("--data").arg(answer);
    }
    let output = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.contains(".chora-answers.yml"), "{text}");
    assert_eq!(std::fs::read_to_string(&answers).unwrap(), before);
}

#[test]
fn an_answers_file_from_a_newer_chora_is_refused() {
    let s = scene();
    let path = s.dir.join(".chora-answers.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut refused = 0;
    for (version, says) in [
        ("99.0.0", "newer than this chora"),
        ("latest", "is not a version"),
    ] {
        let edited = text.replace(
            &format!("chora_version: {}", chora::VERSION),
            &format!("chora_version: {version}"),
        );
        assert_ne!(edited, text);
        std::fs::write(&path, &edited).unwrap();
        for sub in ["check", "update"] {
            let (code, out) = chora_in(s.home.path(), &s.dir, &[sub]);
            assert_eq!(code, Some(2), "{version} {sub}: {out}");
            assert!(out.contains(says), "{version} {sub}: {out}");
            refused += 1;
        }
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            edited,
            "not rewritten"
        );
    }
    assert_eq!(refused, 4);
}

#[test]
fn an_answer_given_twice_or_unknown_is_refused() {
    let s = scene();
    let (code, out) = new_outside(
        &s,
        "x",
        &["--data", "license=MIT", "--data", "license=Apache-2.0"],
    );
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("--data license is given twice"), "{out}");
    let (code, out) = chora_in(
        s.home.path(),
        &s.dir,
        &["update", "--data", "no_such_question=1"],
    );
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("no_such_question: not a question of this template"),
        "{out}"
    );
}

/// A pipe whose reading end is already closed, as `chora check | head -1` leaves it once head
/// has read its line: every write to it fails (EPIPE).
fn closed_pipe() -> std::process::Stdio {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: pipe(2) fills two new descriptors we then own; the reading end is closed at once.
    let rc = unsafe { libc::pipe(fds.as_mut_ptr()) };
    assert_eq!(rc, 0);
    unsafe {
        libc::close(fds[0]);
        std::process::Stdio::from(std::os::fd::OwnedFd::from_raw_fd(fds[1]))
    }
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let s = scene();
    let edited = std::fs::read_to_string(s.dir.join(RELEASE)).unwrap() + "# drift\n";
    std::fs::write(s.dir.join(RELEASE), edited).unwrap();
    let mut ran = 0;
    for (args, code) in [
        (&["check"][..], 1),
        (
            &["update", "--dry-run", "--data", "publish_testpypi=false"],
            0,
        ),
        (&["new", "../elsewhere", "--dry-run", "--defaults"], 0),
    ] {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("chora"));
        cmd.current_dir(&s.dir)
            .env("HOME", s.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", s.home.path().join(".gitconfig"))
            .args(args);
        if args[0] == "new" {
            for answer in STANDARD_ANSWERS {
                cmd.arg("--data").arg(answer);
            }
        }
        let output = cmd.stdout(closed_pipe()).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        ran += 1;
    }
    assert_eq!(ran, 3);
}

#[test]
fn a_version_yaml_reads_as_a_number_is_explained() {
    let s = scene();
    let file = s.outside.join("answers.yml");
    std::fs::write(&file, "python_min: 3.10\n").unwrap();
    let (code, out) = new_outside(&s, "v", &["--data-file", &file.display().to_string()]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("python_min: invalid: read by YAML as the number 3.1; quote the value to keep it as written (e.g. python_min: \"3.10\")"),
        "{out}"
    );
}
