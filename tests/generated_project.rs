//! The generated project itself works: it builds with `uv build`, its tests pass with pytest
//! (coverage threshold included), ruff and mypy are clean, and `twine check --strict` accepts
//! its distributions. Both publishing modes.

mod support;

use std::path::Path;

use support::{generate, run, tool_command};

fn uv(dest: &Path, args: &[&str]) -> (bool, String) {
    let mut cmd = tool_command("uv");
    cmd.current_dir(dest)
        .args(args)
        .env("UV_PROJECT_ENVIRONMENT", dest.join(".venv"))
        .env_remove("VIRTUAL_ENV");
    run(&mut cmd)
}

fn check_project(auth: &str) {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("demo-pkg");
    let auth_arg = format!("pypi_auth_method={auth}");
    generate(home.path(), &dest, &[&auth_arg]);

    let (ok, output) = uv(&dest, &["build"]);
    assert!(ok, "uv build failed:\n{output}");
    let dists: Vec<_> = std::fs::read_dir(dest.join("dist"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.to_string_lossy();
            name.ends_with(".whl") || name.ends_with(".tar.gz")
        })
        .collect();
    assert!(
        dists.iter().any(|p| p.to_string_lossy().ends_with(".whl"))
            && dists
                .iter()
                .any(|p| p.to_string_lossy().ends_with(".tar.gz")),
        "a wheel and an sdist: {dists:?}"
    );

    let mut twine = tool_command("twine");
    twine.arg("check").arg("--strict").args(&dists);
    let (ok, output) = run(&mut twine);
    assert!(ok, "twine check --strict failed:\n{output}");
    assert!(output.contains("PASSED"), "{output}");

    let (ok, output) = uv(&dest, &["run", "pytest"]);
    assert!(ok, "the generated project's tests failed:\n{output}");
    assert!(output.contains("passed"), "{output}");
    assert!(output.contains("Required test coverage of 65"), "{output}");

    for args in [
        &["run", "ruff", "check"][..],
        &["run", "ruff", "format", "--check"],
        &["run", "mypy", "src", "tests"],
    ] {
        let (ok, output) = uv(&dest, args);
        assert!(ok, "{args:?} failed:\n{output}");
    }
}

#[test]
fn oidc_project_builds_tests_and_passes_twine_check() {
    check_project("oidc");
}

#[test]
fn token_project_builds_tests_and_passes_twine_check() {
    check_project("token");
}
