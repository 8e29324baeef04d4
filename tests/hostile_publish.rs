//! `chora-publish` against hostile input (issue 9): a hostile environment, credentials in the
//! URL, special files as `--report` or `--token-file`, servers that stall, flood or print
//! escape sequences. Each test would fail without the defence it names.

#[path = "support/standin/mod.rs"]
mod standin;

use std::ffi::OsString;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A folder with demo-pkg's wheel in `dist/`.
fn project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("dist");
    std::fs::create_dir(&dist).unwrap();
    let d = standin::dist::wheel("demo-pkg", "0.1.0");
    std::fs::write(dist.join(&d.filename), &d.data).unwrap();
    let root = dir.path().to_path_buf();
    (dir, root)
}

/// Output of one run.
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

/// Run `chora-publish ARGS` in `dir` with only PATH, the fast-retry knob and `env`.
fn run(dir: &Path, env: &[(OsString, OsString)], args: &[&str]) -> Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chora-publish"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CHORA_PUBLISH_RETRY_BASE_MS", "10")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn var(name: &str, value: &str) -> (OsString, OsString) {
    (name.into(), value.into())
}

/// A URL where nothing listens (a port just closed).
fn dead_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/legacy/")
}

// --- 1. The environment -------------------------------------------------------------------

#[cfg(unix)]
fn bytes(value: &[u8]) -> OsString {
    use std::os::unix::ffi::OsStringExt;
    OsString::from_vec(value.to_vec())
}

#[cfg(unix)]
#[test]
fn a_non_utf8_environment_never_panics_nor_prints_a_value() {
    let (_tmp, dir) = project();
    let url = dead_url();
    // An unrelated variable is not read at all: the dry run goes through.
    let unrelated = run(
        &dir,
        &[
            ("UNRELATED_SECRET".into(), bytes(b"db-password-\xff")),
            var("CHORA_PUBLISH_TOKEN", "pypi-fine"),
        ],
        &["upload", "--dry-run", "--repository-url", &url],
    );
    assert_eq!(unrelated.code, 0, "{}", unrelated.all());
    assert!(
        !unrelated.all().contains("db-password"),
        "{}",
        unrelated.all()
    );
    assert!(
        unrelated.all().contains("nothing was sent"),
        "{}",
        unrelated.all()
    );
    // A needed one is named without its value, as an input error.
    let token = run(
        &dir,
        &[("CHORA_PUBLISH_TOKEN".into(), bytes(b"pypi-s3cret\xff\xfe"))],
        &["upload", "--dry-run", "--repository-url", &url],
    );
    assert_eq!(token.code, 2, "{}", token.all());
    assert!(
        token.stderr.contains("CHORA_PUBLISH_TOKEN"),
        "{}",
        token.all()
    );
    assert!(!token.all().contains("s3cret"), "{}", token.all());
    assert!(!token.all().contains("panicked"), "{}", token.all());
}

// --- 2. Credentials in the URL ----------------------------------------------------------------

#[test]
fn a_password_in_the_repository_url_is_refused_and_never_shown() {
    let (_tmp, dir) = project();
    let port = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = port.local_addr().unwrap();
    let report = dir.join("report.json");
    for (url, token) in [
        (format!("http://alice:s3cret@{addr}/legacy/"), None),
        (
            format!("http://alice:s3cret@{addr}/legacy/"),
            Some("pypi-x"),
        ),
        (format!("http://alice@{addr}/legacy/"), Some("pypi-x")),
    ] {
        let env: Vec<_> = token
            .map(|t| var("CHORA_PUBLISH_TOKEN", t))
            .into_iter()
            .collect();
        for extra in [&["--dry-run"][..], &["-v"][..]] {
            let mut args = vec!["upload", "--repository-url", &url, "--report"];
            let report_arg = report.to_string_lossy().into_owned();
            args.push(&report_arg);
            args.extend_from_slice(extra);
            let r = run(&dir, &env, &args);
            assert_eq!(r.code, 2, "{url}: {}", r.all());
            assert!(!r.all().contains("s3cret"), "{}", r.all());
            assert!(!r.all().contains("alice"), "{}", r.all());
            assert!(r.stderr.contains("***@"), "{}", r.all());
            assert!(!report.exists(), "a report was written");
        }
    }
    // Nothing was sent to the index.
    port.set_nonblocking(true).unwrap();
    assert!(port.accept().is_err(), "a connection was made");
}

#[test]
fn only_http_urls_pass_the_url_check() {
    let (_tmp, dir) = project();
    for url in [
        "file:///etc/passwd",
        "ftp://127.0.0.1/legacy/",
        "javascript:alert(1)",
    ] {
        let r = run(
            &dir,
            &[var("CHORA_PUBLISH_TOKEN", "pypi-x")],
            &["upload", "--dry-run", "--repository-url", url],
        );
        assert_eq!(r.code, 2, "{url}: {}", r.all());
        assert!(r.stderr.contains("http(s)"), "{}", r.all());
    }
}

// --- 4. --report only to regular files ------------------------------------------------------

/// A dry run against a listener that must see no connection, with `--report report`.
fn dry_run_with_report(dir: &Path, report: &Path) -> Run {
    let index = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/legacy/", index.local_addr().unwrap());
    let r = run(
        dir,
        &[var("CHORA_PUBLISH_TOKEN", "pypi-x")],
        &[
            "upload",
            "--dry-run",
            "--repository-url",
            &url,
            "--report",
            &report.to_string_lossy(),
        ],
    );
    index.set_nonblocking(true).unwrap();
    assert!(
        index.accept().is_err(),
        "the index was contacted: {}",
        r.all()
    );
    r
}

#[cfg(unix)]
#[test]
fn reports_never_go_through_or_over_special_files() {
    let (_tmp, dir) = project();
    // A symbolic link to a file outside: refused, the link and its target untouched.
    let target = dir.join("precious.txt");
    std::fs::write(&target, "keep me").unwrap();
    let link = dir.join("report.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let r = dry_run_with_report(&dir, &link);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("symbolic link"), "{}", r.all());
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    // A FIFO: refused without blocking, still a FIFO.
    let fifo = dir.join("fifo.json");
    let c = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let r = dry_run_with_report(&dir, &fifo);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("a FIFO"), "{}", r.all());
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    // A device.
    let r = dry_run_with_report(&dir, Path::new("/dev/null"));
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("a device"), "{}", r.all());
}

#[test]
fn a_report_in_a_missing_folder_is_an_error_and_no_folder_is_created() {
    let (_tmp, dir) = project();
    let report = dir.join("missing/deeper/report.json");
    let r = dry_run_with_report(&dir, &report);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("does not exist"), "{}", r.all());
    assert!(!dir.join("missing").exists());
    // A regular file (or a new one) is fine.
    let ok = dir.join("report.json");
    let url = dead_url();
    let args = [
        "upload",
        "--dry-run",
        "--repository-url",
        &url,
        "--report",
        "report.json",
    ];
    let token = [var("CHORA_PUBLISH_TOKEN", "pypi-x")];
    let r = run(&dir, &token, &args);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        std::fs::read_to_string(&ok)
            .unwrap()
            .contains("\"dry_run\": true")
    );
    std::fs::write(&ok, "old").unwrap();
    let r = run(&dir, &token, &args);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        std::fs::read_to_string(&ok)
            .unwrap()
            .contains("\"dry_run\": true")
    );
}

// --- 18. --token-file -----------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn token_files_are_one_line_in_a_regular_file_and_errors_exit_2() {
    let (_tmp, dir) = project();
    let url = dead_url();
    let attempt = |path: &Path| {
        let p = path.to_string_lossy().into_owned();
        run(
            &dir,
            &[],
            &[
                "upload",
                "--dry-run",
                "--auth",
                "token",
                "--repository-url",
                &url,
                "--token-file",
                &p,
            ],
        )
    };
    let two_lines = dir.join("two-lines");
    std::fs::write(&two_lines, "pypi-first\npypi-s3cret-second\n").unwrap();
    let big = dir.join("big");
    std::fs::write(&big, "x".repeat(5000)).unwrap();
    let fifo = dir.join("fifo");
    let c = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let good = dir.join("good");
    std::fs::write(&good, "  pypi-good\n").unwrap();
    let link = dir.join("link");
    std::os::unix::fs::symlink(&good, &link).unwrap();
    let cases: [(&Path, &str); 5] = [
        (&two_lines, "more than one line"),
        (&big, "larger than 4096 bytes"),
        (&fifo, "a FIFO"),
        (Path::new("/dev/zero"), "a device"),
        (&link, "symbolic link"),
    ];
    for (path, why) in cases {
        let started = Instant::now();
        let r = attempt(path);
        assert_eq!(r.code, 2, "{}: {}", path.display(), r.all());
        assert!(r.stderr.contains(why), "{}: {}", path.display(), r.all());
        assert!(!r.all().contains("s3cret"), "{}", r.all());
        assert!(started.elapsed() < Duration::from_secs(20));
    }
    assert_eq!(cases.len(), 5);
    let r = attempt(&good);
    assert_eq!(r.code, 0, "{}", r.all());
}
