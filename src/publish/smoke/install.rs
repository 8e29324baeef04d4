//! The install half of the smoke test: a fresh virtual environment in a new temporary folder,
//! the exact release installed from an explicit index with no cache, retried with backoff,
//! then imported with the environment's Python (isolated mode, from the temporary folder, so
//! no source tree shadows the installed package).
//!
//! uv when it is on PATH (`uv venv`, `uv pip install --no-config --no-cache --index-url …`),
//! else `python -m venv` and pip (`--isolated --no-cache-dir --index-url …`). The package and
//! its dependencies may come from different indexes (TestPyPI: the package from TestPyPI, its
//! dependencies from PyPI, never `--extra-index-url`): then the pinned release is installed
//! alone (`--no-deps`) from its index, its `Requires-Dist` read from the installed metadata,
//! and those installed from the dependency index.

use std::ffi::OsStr;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{Note, Report, Request, SmokeError, backoff};

/// The longest one installer or Python command may run: 10 minutes.
pub const COMMAND_LIMIT: Duration = Duration::from_secs(600);

/// The most installer output kept for a message: its last lines.
const OUTPUT_LINES: usize = 40;

/// Variables the installer and Python are not given: credentials of this job, and settings
/// that would add or replace indexes behind the explicit one.
const SCRUBBED: &[&str] = &[
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "CHORA_PUBLISH_TOKEN",
    "GH_TOKEN",
    "GITHUB_TOKEN",
    "PIP_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS",
    "PIP_INDEX_URL",
    "PIP_NO_INDEX",
    "PYTHONHOME",
    "PYTHONPATH",
    "UV_DEFAULT_INDEX",
    "UV_EXTRA_INDEX_URL",
    "UV_FIND_LINKS",
    "UV_INDEX",
    "UV_INDEX_STRATEGY",
    "UV_INDEX_URL",
    "UV_NO_INDEX",
    "VIRTUAL_ENV",
];

/// Which installer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallerKind {
    Uv,
    Pip,
}

impl InstallerKind {
    pub fn name(self) -> &'static str {
        match self {
            InstallerKind::Uv => "uv",
            InstallerKind::Pip => "pip",
        }
    }
}

/// The installer to use, and its program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installer {
    pub kind: InstallerKind,
    /// `uv` (for uv), or the Python that makes the environment (for pip).
    pub program: PathBuf,
}

/// The first executable `name` in the `PATH` value `path`.
pub fn on_path(path: Option<&OsStr>, name: &str) -> Option<PathBuf> {
    let path = path?;
    std::env::split_paths(path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .flat_map(|dir| {
            let plain = dir.join(name);
            let exe = dir.join(format!("{name}.exe"));
            [plain, exe]
        })
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

impl Installer {
    /// uv when it is on `path`, else pip with `python` (or `python3`/`python` on `path`).
    pub fn find(path: Option<&OsStr>, python: Option<&Path>) -> Result<Installer, SmokeError> {
        if let Some(uv) = on_path(path, "uv") {
            return Ok(Installer {
                kind: InstallerKind::Uv,
                program: uv,
            });
        }
        let program = match python {
            Some(p) => p.to_path_buf(),
            None => on_path(path, "python3")
                .or_else(|| on_path(path, "python"))
                .ok_or_else(|| SmokeError::Environment {
                    installer: "pip".to_string(),
                    reason: "neither uv nor python3/python is on PATH".to_string(),
                })?,
        };
        Ok(Installer {
            kind: InstallerKind::Pip,
            program,
        })
    }
}

/// What a command did.
#[derive(Debug, Clone)]
pub struct Ran {
    pub success: bool,
    /// stdout then stderr, the last lines.
    pub output: String,
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let from = lines.len().saturating_sub(OUTPUT_LINES);
    lines.get(from..).unwrap_or_default().join("\n")
}

/// Run `cmd` (scrubbed environment, output captured) for at most [`COMMAND_LIMIT`].
pub fn run_command(cmd: &mut Command) -> Result<Ran, String> {
    for name in SCRUBBED {
        cmd.env_remove(name);
    }
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(|n| n.ends_with("_ID_TOKEN")) {
            cmd.env_remove(&name);
        }
    }
    let program = cmd.get_program().to_string_lossy().into_owned();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let reader = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = reader(child.stdout.take().map(|p| Box::new(p) as Box<_>));
    let err = reader(child.stderr.take().map(|p| Box::new(p) as Box<_>));
    let deadline = Instant::now() + COMMAND_LIMIT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("cannot wait for {program}: {e}")),
        }
    };
    let mut text = String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned();
    text.push_str(&String::from_utf8_lossy(&err.join().unwrap_or_default()));
    match status {
        Some(status) => Ok(Ran {
            success: status.success(),
            output: tail(&text),
        }),
        None => Ok(Ran {
            success: false,
            output: format!(
                "{}\n({program} did not finish within {} s and was stopped)",
                tail(&text),
                COMMAND_LIMIT.as_secs()
            ),
        }),
    }
}

/// A fresh virtual environment in its own temporary folder (removed on drop).
pub struct Environment {
    dir: tempfile::TempDir,
    /// The environment's Python.
    pub python: PathBuf,
}

impl Environment {
    /// Make the environment with the request's installer.
    pub fn create(request: &Request) -> Result<Environment, SmokeError> {
        let installer = &request.installer;
        let fail = |reason: String| SmokeError::Environment {
            installer: installer.kind.name().to_string(),
            reason,
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix("chora-smoke-");
        let dir = match &request.work_dir {
            Some(d) => builder.tempdir_in(d),
            None => builder.tempdir(),
        }
        .map_err(|e| fail(format!("cannot make a temporary folder: {e}")))?;
        let venv = dir.path().join("venv");
        let mut cmd = match installer.kind {
            InstallerKind::Uv => {
                let mut cmd = Command::new(&installer.program);
                cmd.args(["venv", "--no-config", "--no-cache"]);
                if let Some(py) = &request.python {
                    cmd.arg("--python").arg(py);
                }
                cmd.arg(&venv);
                cmd
            }
            InstallerKind::Pip => {
                let mut cmd = Command::new(request.python.as_ref().unwrap_or(&installer.program));
                cmd.args(["-m", "venv"]).arg(&venv);
                cmd
            }
        };
        cmd.current_dir(dir.path());
        let ran = run_command(&mut cmd).map_err(fail)?;
        if !ran.success {
            return Err(fail(ran.output));
        }
        let python = if cfg!(windows) {
            venv.join("Scripts").join("python.exe")
        } else {
            venv.join("bin").join("python")
        };
        Ok(Environment { dir, python })
    }

    /// The temporary folder (the working directory of every command).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

/// The install command for `requirements` from `index`.
fn install_command(
    request: &Request,
    env: &Environment,
    index: &reqwest::Url,
    no_deps: bool,
    requirements: &[String],
) -> Command {
    let mut cmd = match request.installer.kind {
        InstallerKind::Uv => {
            let mut cmd = Command::new(&request.installer.program);
            cmd.args(["pip", "install", "--no-config", "--no-cache", "--python"])
                .arg(&env.python);
            cmd
        }
        InstallerKind::Pip => {
            let mut cmd = Command::new(&env.python);
            cmd.args([
                "-m",
                "pip",
                "install",
                "--isolated",
                "--no-cache-dir",
                "--disable-pip-version-check",
                "--no-input",
            ]);
            cmd
        }
    };
    cmd.arg("--index-url").arg(index.as_str());
    if no_deps {
        cmd.arg("--no-deps");
    }
    cmd.args(requirements).current_dir(env.dir());
    cmd
}

/// The release's `Requires-Dist` that apply without extras, read from the installed metadata.
fn installed_requirements(request: &Request, env: &Environment) -> Result<Vec<String>, String> {
    let script = "import importlib.metadata as m, json, sys\n\
                  print(json.dumps(m.requires(sys.argv[1]) or []))\n";
    let mut cmd = Command::new(&env.python);
    cmd.args(["-I", "-c", script, &request.release.project])
        .current_dir(env.dir());
    let ran = run_command(&mut cmd)?;
    if !ran.success {
        return Err(ran.output);
    }
    let last = ran.output.lines().last().unwrap_or_default();
    let all: Vec<String> = serde_json::from_str(last)
        .map_err(|_| format!("cannot read the installed requirements: {}", ran.output))?;
    Ok(all
        .into_iter()
        .filter(|r| {
            r.split_once(';')
                .is_none_or(|(_, marker)| !marker.contains("extra"))
        })
        .collect())
}

/// One install attempt: Ok, or the installer's output.
fn attempt(request: &Request, env: &Environment) -> Result<(), String> {
    let pin = vec![request.release.pin()];
    let split = request.deps_index_url != request.index_url;
    let ran = run_command(&mut install_command(
        request,
        env,
        &request.index_url,
        split,
        &pin,
    ))?;
    if !ran.success {
        return Err(ran.output);
    }
    if !split {
        return Ok(());
    }
    let requirements = installed_requirements(request, env)?;
    if requirements.is_empty() {
        return Ok(());
    }
    let ran = run_command(&mut install_command(
        request,
        env,
        &request.deps_index_url,
        false,
        &requirements,
    ))?;
    if ran.success { Ok(()) } else { Err(ran.output) }
}

/// Install the release, retrying with backoff; `last_answer` asks the index again when the
/// attempts are used up (for the error).
pub fn install(
    request: &Request,
    env: &Environment,
    report: &mut Report,
    note: &dyn Fn(Note<'_>),
    last_answer: &dyn Fn() -> String,
) -> Result<(), SmokeError> {
    let attempts = request.install_attempts.max(1);
    let mut n = 0;
    loop {
        n += 1;
        report.install_attempts = n;
        let output = match attempt(request, env) {
            Ok(()) => return Ok(()),
            Err(output) => super::redact_url_secrets(&output, request),
        };
        if n >= attempts {
            let answer = last_answer();
            report.last_answer = Some(answer.clone());
            return Err(SmokeError::InstallFailed {
                release: request.release.pin(),
                installer: request.installer.kind.name().to_string(),
                attempts: n,
                last_answer: answer,
                output,
            });
        }
        let wait = backoff(request.backoff_base, n);
        note(Note::InstallRetry {
            attempt: n,
            next: wait,
            output: &output,
        });
        std::thread::sleep(wait);
    }
}

/// `import <module>` with the environment's Python.
pub fn import(request: &Request, env: &Environment) -> Result<(), SmokeError> {
    let mut cmd = Command::new(&env.python);
    cmd.args([
        "-I",
        "-c",
        "import importlib, sys; importlib.import_module(sys.argv[1])",
        &request.module,
    ])
    .current_dir(env.dir());
    let fail = |output: String| SmokeError::ImportFailed {
        release: request.release.pin(),
        module: request.module.clone(),
        output,
    };
    let ran = run_command(&mut cmd).map_err(fail)?;
    if ran.success {
        Ok(())
    } else {
        Err(fail(ran.output))
    }
}

/// Whether `module` is a dotted Python module name (`pkg`, `pkg.sub`).
pub fn is_module_name(module: &str) -> bool {
    !module.is_empty()
        && module.split('.').all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
                && chars.all(|c| c == '_' || c.is_alphanumeric())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names() {
        for ok in ["demo_pkg", "a.b_c", "_x"] {
            assert!(is_module_name(ok), "{ok}");
        }
        for bad in ["", "a..b", "1x", "a-b", "a;import os"] {
            assert!(!is_module_name(bad), "{bad}");
        }
    }

    #[test]
    fn finds_executables_on_path_only() {
        let dir = tempfile::tempdir().unwrap();
        let uv = dir.path().join("uv");
        std::fs::write(&uv, "#!/bin/sh\n").unwrap();
        let path = dir.path().as_os_str().to_owned();
        let path = path.as_os_str();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(on_path(Some(path), "uv"), None, "not executable");
            std::fs::set_permissions(&uv, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        assert_eq!(on_path(Some(path), "uv"), Some(uv));
        assert_eq!(on_path(None, "uv"), None);
        let i = Installer::find(Some(path), None).unwrap();
        assert_eq!(i.kind, InstallerKind::Uv);
        let py = PathBuf::from("/usr/bin/python3");
        let i = Installer::find(Some(OsStr::new("")), Some(&py)).unwrap();
        assert_eq!((i.kind, i.program), (InstallerKind::Pip, py));
    }
}
