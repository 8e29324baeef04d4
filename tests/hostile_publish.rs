//! `chora-publish` against hostile input (issue 9): a hostile environment, credentials in the
//! URL, special files as `--report` or `--token-file`, servers that stall, flood or print
//! escape sequences. Each test would fail without the defence it names.

#[path = "support/standin/mod.rs"]
mod standin;

use std::ffi::OsString;
use std::io::{Read, Write};
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

// --- 7, 8. Servers that flood or stall ------------------------------------------------------

/// What a hostile index does with one request (method, path), given the socket after the
/// whole request was read.
type Behaviour = fn(&str, &str, &mut std::net::TcpStream);

/// A raw HTTP/1.1 index on 127.0.0.1 that reads each request whole (head and
/// `Content-Length` body) and lets `behaviour` answer; its URL's `/legacy/`.
fn hostile_index(behaviour: Behaviour) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/legacy/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match stream.read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let mut words = head.split_whitespace();
                let method = words.next().unwrap_or_default().to_string();
                let path = words.next().unwrap_or_default().to_string();
                let length: u64 = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                let mut body = (&mut stream).take(length);
                let _ = std::io::copy(&mut body, &mut std::io::sink());
                behaviour(&method, &path, &mut stream);
            });
        }
    });
    url
}

fn not_found(stream: &mut std::net::TcpStream) {
    let _ = stream
        .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
}

/// `chora-publish upload --retries 2` of demo-pkg's wheel to `url`, with `env`.
fn upload_to(url: &str, env: &[(OsString, OsString)], extra: &[&str]) -> (Run, Duration) {
    let (_tmp, dir) = project();
    let mut all = vec![var("CHORA_PUBLISH_TOKEN", "pypi-x")];
    all.extend_from_slice(env);
    let mut args = vec!["upload", "--retries", "2", "--repository-url", url];
    args.extend_from_slice(extra);
    let started = Instant::now();
    let r = run(&dir, &all, &args);
    (r, started.elapsed())
}

/// The largest resident set of any child process so far, in KiB (Linux).
#[cfg(target_os = "linux")]
fn children_max_rss_kib() -> i64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) },
        0
    );
    usage.ru_maxrss
}

/// 200, then 256 MiB of chunked body (or until the client hangs up).
fn flood(method: &str, _path: &str, stream: &mut std::net::TcpStream) {
    if method != "POST" {
        return not_found(stream);
    }
    let _ = stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
    );
    let chunk = vec![b'A'; 64 * 1024];
    let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
    framed.extend_from_slice(&chunk);
    framed.extend_from_slice(b"\r\n");
    for _ in 0..4096 {
        if stream.write_all(&framed).is_err() {
            return;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n");
}

#[cfg(target_os = "linux")]
#[test]
fn an_upload_reply_flood_is_cut_at_its_cap() {
    let url = hostile_index(flood);
    let (r, _) = upload_to(&url, &[], &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    // The warnings shown are cut: a line, not 256 MiB.
    assert!(
        r.stdout.len() < 200 * 1024,
        "{} bytes of output",
        r.stdout.len()
    );
    let rss = children_max_rss_kib();
    assert!(rss < 120 * 1024, "a child used {rss} KiB");
}

/// A JSON simple page of 32 MiB (no Content-Length) for the skip-existing lookup.
fn huge_json(method: &str, path: &str, stream: &mut std::net::TcpStream) {
    if method != "GET" || !path.starts_with("/simple/") {
        return not_found(stream);
    }
    let _ = stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.pypi.simple.v1+json\r\nConnection: close\r\n\r\n{\"files\": [",
    );
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..32 {
        if stream.write_all(&spaces).is_err() {
            return;
        }
    }
}

#[test]
fn a_huge_index_page_is_refused_at_its_cap() {
    let url = hostile_index(huge_json);
    let (r, _) = upload_to(&url, &[], &["--skip-existing"]);
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(r.stderr.contains("larger than 16384 KiB"), "{}", r.all());
}

/// Take the upload, never answer (hold the socket for a minute).
fn silent(method: &str, _path: &str, stream: &mut std::net::TcpStream) {
    if method != "POST" {
        return not_found(stream);
    }
    let mut rest = Vec::new();
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let _ = stream.read_to_end(&mut rest);
}

#[test]
fn an_index_that_takes_the_upload_and_never_answers_is_left_after_the_idle_limit() {
    let url = hostile_index(silent);
    let (r, took) = upload_to(
        &url,
        &[
            var("CHORA_PUBLISH_IDLE_TIMEOUT_MS", "300"),
            var("CHORA_PUBLISH_UPLOAD_TIMEOUT_MS", "20000"),
        ],
        &[],
    );
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(
        r.all()
            .contains("did not answer after receiving the upload"),
        "{}",
        r.all()
    );
    assert!(
        r.all().contains("CHORA_PUBLISH_IDLE_TIMEOUT_MS"),
        "{}",
        r.all()
    );
    // Two attempts of ~0.3 s each, not two of the 20 s upload limit.
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

/// 200 and headers, then one body byte every 100 ms, forever.
fn trickle(method: &str, _path: &str, stream: &mut std::net::TcpStream) {
    if method != "POST" {
        return not_found(stream);
    }
    let _ = stream
        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\n");
    for _ in 0..600 {
        if stream.write_all(b"x").is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_trickled_reply_is_bounded_by_the_idle_limit() {
    let url = hostile_index(trickle);
    let (r, took) = upload_to(
        &url,
        &[
            var("CHORA_PUBLISH_IDLE_TIMEOUT_MS", "1000"),
            var("CHORA_PUBLISH_UPLOAD_TIMEOUT_MS", "30000"),
        ],
        &[],
    );
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(
        r.all().contains("CHORA_PUBLISH_IDLE_TIMEOUT_MS"),
        "{}",
        r.all()
    );
    assert!(took < Duration::from_secs(15), "took {took:?}");
}

/// 503 with `Retry-After: 100000`.
fn come_back_tomorrow(method: &str, _path: &str, stream: &mut std::net::TcpStream) {
    if method != "POST" {
        return not_found(stream);
    }
    let _ = stream.write_all(
        b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 100000\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy",
    );
}

#[test]
fn retry_after_is_not_honoured_past_the_total_budget() {
    let url = hostile_index(come_back_tomorrow);
    let (r, took) = upload_to(&url, &[var("CHORA_PUBLISH_TOTAL_TIMEOUT_MS", "2000")], &[]);
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(r.all().contains("HTTP 503"), "{}", r.all());
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

// --- 13. Server text and file names reach the log escaped -------------------------------------

/// 403 with escape sequences and workflow commands in the body.
fn rude(method: &str, _path: &str, stream: &mut std::net::TcpStream) {
    if method != "POST" {
        return not_found(stream);
    }
    let body =
        "{\"message\": \"\\u001b[2Jcleared\\r\\u0007 bell\\n::error::pwned\\n::add-mask::hidden\"}";
    let _ = stream.write_all(
        format!(
            "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
}

/// No raw control character (but new lines) and no line a GitHub runner would obey.
fn assert_log_safe(text: &str) {
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "a raw control character: {text:?}"
    );
    let commands = text
        .lines()
        .filter(|l| l.trim_start().starts_with("::"))
        .count();
    assert_eq!(commands, 0, "a workflow command: {text}");
}

#[test]
fn server_text_is_printed_with_controls_and_workflow_commands_escaped() {
    let url = hostile_index(rude);
    let (r, _) = upload_to(&url, &[], &[]);
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(r.all().contains("cleared"), "{}", r.all());
    assert!(r.all().contains("\\x1b[2J"), "{}", r.all());
    assert_log_safe(&r.all());
}

#[test]
fn file_names_are_printed_with_controls_escaped() {
    let (_tmp, dir) = project();
    let name = "dist/demo_pkg\u{1b}[2J\r-0.1.0-py3-none-any.whl";
    std::fs::copy(
        dir.join("dist/demo_pkg-0.1.0-py3-none-any.whl"),
        dir.join(name),
    )
    .unwrap();
    let r = run(&dir, &[], &["check", name]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.all().contains("\\x1b[2J"), "{}", r.all());
    assert_log_safe(&r.all());
}
