//! The real pypiserver (pinned in scripts/install-test-tools.sh) on 127.0.0.1, for
//! upload → `pip install` round trips.
//!
//! Uploads need HTTP Basic `__token__` / `pypi-test-token` (`-a update -P <htpasswd>`); the
//! htpasswd file is written with passlib's `HtpasswdFile` using Apache's MD5-crypt
//! (`$apr1$`), which passlib verifies without the optional bcrypt backend. Downloads and
//! listings are open. Legacy uploads go to `/` (pypiserver's upload endpoint); the index is
//! `/simple/` with `#sha256=` link fragments. The process is killed on drop.

use std::fs;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::client;

/// The upload user.
pub const USERNAME: &str = "__token__";
/// The upload password.
pub const PASSWORD: &str = "pypi-test-token";

/// How long pypiserver may take to answer its first request.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The tools directory: `$CHORA_TOOLS_DIR`, else `<repo>/.tools`.
pub fn tools_dir() -> PathBuf {
    std::env::var_os("CHORA_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".tools"))
}

fn require(path: &Path) {
    assert!(
        path.exists(),
        "{} is missing: run `bash scripts/install-test-tools.sh` (or the whole suite with `bash scripts/test.sh`)",
        path.display()
    );
}

/// A running pypiserver.
pub struct PypiServer {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl PypiServer {
    /// Start pypiserver with an empty package directory. Panics (the suite fails) when the tool
    /// is not installed.
    pub fn start() -> PypiServer {
        let venv = tools_dir().join("venv").join("bin");
        let exe = venv.join("pypi-server");
        let python = venv.join("python");
        require(&exe);
        require(&python);

        let dir = tempfile::tempdir().expect("temp dir for pypiserver");
        let packages = dir.path().join("packages");
        fs::create_dir_all(&packages).expect("packages dir");
        let htpasswd = dir.path().join("htpasswd");
        write_htpasswd(&python, &htpasswd, USERNAME, PASSWORD);

        let mut last_log = String::new();
        // The port is found by binding port 0 and released before pypiserver binds it, so
        // another process can take it in between: retry on "Address already in use".
        for _ in 0..3 {
            let port = free_port();
            let log_path = dir.path().join(format!("pypiserver-{port}.log"));
            let log = fs::File::create(&log_path).expect("pypiserver log");
            let mut child = Command::new(&exe)
                .arg("run")
                .args(["-i", "127.0.0.1", "-p", &port.to_string()])
                .args(["-a", "update", "-P"])
                .arg(&htpasswd)
                .args(["--disable-fallback", "--hash-algo", "sha256"])
                .args(["--backend", "simple-dir", "-v"])
                .arg(&packages)
                .env("PYTHONUNBUFFERED", "1")
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log handle"))
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("start {}: {e}", exe.display()));
            match wait_ready(&mut child, port) {
                Ok(()) => {
                    return PypiServer { child, port, dir };
                }
                Err(why) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_log = fs::read_to_string(&log_path).unwrap_or_default();
                    if !last_log.contains("Address already in use") {
                        panic!("pypiserver did not start: {why}\n--- log ---\n{last_log}");
                    }
                }
            }
        }
        panic!("pypiserver could not bind a port\n--- log ---\n{last_log}");
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Same as [`PypiServer::url`].
    pub fn base_url(&self) -> String {
        self.url()
    }

    /// The legacy upload endpoint: `http://127.0.0.1:<port>/`.
    pub fn upload_url(&self) -> String {
        format!("{}/", self.url())
    }

    /// The Simple API index: `http://127.0.0.1:<port>/simple/`.
    pub fn simple_url(&self) -> String {
        format!("{}/simple/", self.url())
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// (`__token__`, `pypi-test-token`).
    pub fn credentials(&self) -> (&'static str, &'static str) {
        (USERNAME, PASSWORD)
    }

    /// The served package directory.
    pub fn packages_dir(&self) -> PathBuf {
        self.dir.path().join("packages")
    }

    /// File names in the package directory, sorted.
    pub fn package_files(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.packages_dir())
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// pypiserver's log so far (for assertion messages).
    pub fn log(&self) -> String {
        let path = self
            .dir
            .path()
            .join(format!("pypiserver-{}.log", self.port));
        fs::read_to_string(path).unwrap_or_default()
    }
}

impl Drop for PypiServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write_htpasswd(python: &Path, path: &Path, user: &str, password: &str) {
    let script = "import sys\n\
                  from passlib.apache import HtpasswdFile\n\
                  h = HtpasswdFile(sys.argv[1], new=True, default_scheme='apr_md5_crypt')\n\
                  h.set_password(sys.argv[2], sys.argv[3])\n\
                  h.save()\n";
    let out = Command::new(python)
        .args(["-c", script])
        .arg(path)
        .args([user, password])
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", python.display()));
    assert!(
        out.status.success(),
        "writing the htpasswd file with passlib failed (is passlib installed? run `bash scripts/install-test-tools.sh`):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("find a free port")
}

/// Poll until `GET /simple/` answers 200, the process exits, or the start timeout passes.
fn wait_ready(child: &mut Child, port: u16) -> Result<(), String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let url = format!("http://127.0.0.1:{port}/simple/");
    let deadline = Instant::now() + START_TIMEOUT;
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("pypiserver exited with {status}"));
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok() {
            match client::request("GET", &url, &[], b"") {
                Ok(r) if r.status == 200 => return Ok(()),
                Ok(r) => return Err(format!("GET /simple/ answered {} {}", r.status, r.reason)),
                Err(_) => {} // accepted but not serving yet
            }
        }
        if Instant::now() >= deadline {
            return Err(format!("not ready after {attempts} attempts"));
        }
        // Back-off between connection attempts while the Python process starts.
        thread::sleep(Duration::from_millis(25));
    }
}
