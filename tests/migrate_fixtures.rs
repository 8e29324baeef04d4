//! Hand-written workflows (tests/fixtures/migrate/shapes/*.yml) for shapes the shared corpus
//! lacks: `setup.py upload`, a composite action (`<name>.actions/` is the repository's
//! `.github/actions/`), credentials at workflow and job level, CRLF, a BOM, tabs in a script,
//! anchors and aliases, flow style, 4-space indentation, comments after values, poetry, flit,
//! hatch, pdm, uv and TestPyPI uploads. Each is migrated with `chora migrate --yes`, then:
//! - it changed, and parses as YAML;
//! - both actionlint builds (with shellcheck) and zizmor report nothing the original did not
//!   (messages compared without positions), and zizmor no `use-trusted-publishing`;
//! - no PyPI secret is left, line endings and a BOM are kept, every comment not on a removed
//!   line is kept, and the per-shape facts hold (the environment, the kept step…);
//! - a second run is a no-op and `--check` then exits 0.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use support::migrated::{is_comment, lost_comments, new_findings};
use support::{WorkflowChecker, chora, run};

/// What a shape's result must contain (beyond the checks every shape gets) and its environment.
struct Expect {
    file: &'static str,
    /// The secret to revoke once the migration is live (a comment naming one is not).
    secret: &'static str,
    environment: &'static str,
    contains: &'static [&'static str],
    absent: &'static [&'static str],
}

const SHAPES: &[Expect] = &[
    Expect {
        file: "setup-py-upload.yml",
        secret: "PYPI_PASSWORD",
        environment: "pypi",
        contains: &["python setup.py sdist bdist_wheel\n"],
        absent: &["bdist_wheel upload", "TWINE_PASSWORD"],
    },
    Expect {
        file: "composite-action.yml",
        secret: "PYPI_API_TOKEN",
        environment: "pypi",
        contains: &["./.github/actions/publish", "python -m twine upload dist/*"],
        // The input only carried the token: its callers no longer pass it.
        absent: &["pypi-token", "TWINE_PASSWORD"],
    },
    Expect {
        file: "workflow-level-env.yml",
        secret: "PYPI_TOKEN",
        environment: "pypi",
        contains: &["PYTHONUNBUFFERED: \"1\"", "twine upload dist/*"],
        absent: &["TWINE_PASSWORD", "TWINE_USERNAME"],
    },
    Expect {
        file: "job-level-env.yml",
        secret: "PYPI_TOKEN",
        environment: "pypi",
        contains: &["PYTHONUNBUFFERED: \"1\"", "twine upload dist/*"],
        absent: &["TWINE_PASSWORD", "TWINE_USERNAME"],
    },
    Expect {
        file: "crlf.yml",
        secret: "PYPI_TOKEN",
        environment: "pypi",
        contains: &["twine upload dist/*\r\n"],
        absent: &["TWINE_PASSWORD"],
    },
    Expect {
        file: "bom.yml",
        secret: "PYPI_TOKEN",
        environment: "pypi",
        contains: &["twine upload dist/*"],
        absent: &["TWINE_PASSWORD"],
    },
    Expect {
        file: "tabs-in-script.yml",
        secret: "PYPI_TOKEN",
        environment: "pypi",
        contains: &[
            "python -m build\t# sdist and wheel\n",
            "\techo \"built: $f\"\n",
        ],
        absent: &["TWINE_PASSWORD"],
    },
    Expect {
        file: "anchors-aliases.yml",
        secret: "PYPI_TOKEN",
        environment: "pypi",
        contains: &[
            "runs-on: &runner ubuntu-latest",
            "runs-on: *runner",
            "- *checkout\n",
            "- *install-twine\n",
            "- &install-twine\n",
        ],
        absent: &["TWINE_PASSWORD"],
    },
    Expect {
        file: "flow-style.yml",
        secret: "PYPI_API_TOKEN",
        environment: "pypi",
        contains: &["id-token: write"],
        absent: &["password", "__token__"],
    },
    Expect {
        file: "four-space-indent.yml",
        secret: "PYPI_TOKEN",
        environment: "pypi",
        contains: &[
            "\n        permissions:\n",
            "\n            - run: twine upload dist/*",
        ],
        absent: &["TWINE_PASSWORD"],
    },
    Expect {
        file: "comment-after-value.yml",
        secret: "PYPI_TOKEN",
        environment: "pypi",
        contains: &[
            "twine upload dist/*  # uploads sdist and wheel",
            "# kept after the env",
            "timeout-minutes: 10",
        ],
        absent: &["TWINE_PASSWORD", "TWINE_USERNAME"],
    },
    Expect {
        file: "poetry.yml",
        secret: "PYPI",
        environment: "pypi",
        contains: &[],
        absent: &["-p ${{", "secrets.PYPI"],
    },
    Expect {
        file: "flit.yml",
        secret: "FLIT_PYPI_TOKEN",
        environment: "pypi",
        contains: &[],
        absent: &["FLIT_PASSWORD", "FLIT_USERNAME"],
    },
    Expect {
        file: "hatch.yml",
        secret: "HATCH_TOKEN",
        environment: "pypi",
        contains: &["hatch build"],
        absent: &["HATCH_INDEX_AUTH", "HATCH_INDEX_USER"],
    },
    Expect {
        file: "pdm.yml",
        secret: "PDM_PYPI_TOKEN",
        environment: "pypi",
        contains: &["pdm publish"],
        absent: &["PDM_PUBLISH_PASSWORD", "PDM_PUBLISH_USERNAME"],
    },
    Expect {
        file: "uv-token.yml",
        secret: "UV_PYPI_TOKEN",
        environment: "pypi",
        contains: &["uv publish"],
        absent: &["--token", "UV_PYPI_TOKEN"],
    },
    Expect {
        file: "twine-testpypi.yml",
        secret: "TEST_PYPI_TOKEN",
        environment: "testpypi",
        contains: &["twine upload --repository testpypi dist/*"],
        absent: &["TWINE_PASSWORD"],
    },
    Expect {
        file: "pypa-testpypi.yml",
        secret: "TEST_PYPI_API_TOKEN",
        environment: "testpypi",
        contains: &["repository-url: https://test.pypi.org/legacy/"],
        absent: &["password:"],
    },
];

fn shapes_dir() -> PathBuf {
    support::repo_root().join("tests/fixtures/migrate/shapes")
}

/// Copy `from` into `to`, recursively.
fn copy_tree(from: &Path, to: &Path) {
    for rel in support::list_files(from) {
        let dest = to.join(&rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(from.join(&rel), dest).unwrap();
    }
}

/// A project with the shape's workflow (and its actions), under `root/<kind>/<stem>`.
fn project(root: &Path, kind: &str, shape: &Expect) -> PathBuf {
    let stem = shape.file.trim_end_matches(".yml");
    let dir = root.join(kind).join(stem);
    let workflows = dir.join(".github/workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    std::fs::copy(shapes_dir().join(shape.file), workflows.join(shape.file)).unwrap();
    let actions = shapes_dir().join(format!("{stem}.actions"));
    if actions.is_dir() {
        copy_tree(&actions, &dir.join(".github/actions"));
    }
    // A repository: actionlint finds the local actions a workflow uses from its root.
    let (ok, out) = run(std::process::Command::new("git")
        .args(["init", "-q"])
        .arg(&dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null"));
    assert!(ok, "git init: {out}");
    dir
}

/// Every file a checker looks at in a project: its workflows and composite actions.
fn checked_files(project: &Path) -> Vec<String> {
    support::list_files(project)
        .into_iter()
        .filter(|p| p.starts_with(".github/"))
        .collect()
}

/// The project (its index) and project-relative path of a file a checker names: absolute, or
/// relative to the current folder (actionlint in a git repository prints `../../tmp/…`).
fn locate(named: &str, projects: &[PathBuf]) -> Option<(usize, PathBuf)> {
    let path = std::env::current_dir()
        .ok()?
        .join(named)
        .canonicalize()
        .ok()?;
    projects.iter().enumerate().find_map(|(i, p)| {
        let root = p.canonicalize().ok()?;
        path.strip_prefix(root).ok().map(|r| (i, r.to_path_buf()))
    })
}

/// Findings of an actionlint build, per project-relative file, without positions.
fn actionlint_findings(
    output: &str,
    projects: &[PathBuf],
) -> BTreeMap<(usize, String), Vec<String>> {
    let header = regex_lite::Regex::new(r"^(.+?):\d+:\d+: (.*) \[([a-z-]+)\]$").unwrap();
    let positions = regex_lite::Regex::new(r":\d+:\d+:").unwrap();
    let mut out: BTreeMap<(usize, String), Vec<String>> = BTreeMap::new();
    for c in output.lines().filter_map(|l| header.captures(l)) {
        let Some((i, rel)) = locate(&c[1], projects) else {
            panic!("a finding outside the projects: {}", &c[0]);
        };
        out.entry((i, rel.to_string_lossy().into_owned()))
            .or_default()
            .push(format!(
                "{} [{}]",
                positions.replace_all(&c[2], ":_:_:"),
                &c[3]
            ));
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

/// zizmor's findings (`ident: description`), per project-relative file.
fn zizmor_findings(projects: &[PathBuf]) -> BTreeMap<(usize, String), Vec<String>> {
    let output = WorkflowChecker::Zizmor
        .command(projects)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let reported: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "zizmor JSON: {e}\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let mut out: BTreeMap<(usize, String), Vec<String>> = BTreeMap::new();
    for finding in reported.as_array().unwrap() {
        let key = &finding["locations"][0]["symbolic"]["key"]["Local"];
        let path = key["given_path"]
            .as_str()
            .or(key["verbatim_path"].as_str())
            .unwrap_or_default();
        let (i, rel) = locate(path, projects)
            .unwrap_or_else(|| panic!("a zizmor finding outside the projects: {finding}"));
        out.entry((i, rel.to_string_lossy().into_owned()))
            .or_default()
            .push(format!(
                "{}: {}",
                finding["ident"].as_str().unwrap_or_default(),
                finding["desc"].as_str().unwrap_or_default()
            ));
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

/// Every checker's findings, per (project index, file).
fn all_findings(projects: &[PathBuf]) -> BTreeMap<(usize, String), Vec<String>> {
    let mut out: BTreeMap<(usize, String), Vec<String>> = BTreeMap::new();
    for checker in [
        WorkflowChecker::ActionlintWasm,
        WorkflowChecker::ActionlintNative,
    ] {
        let (_, output) = run(&mut checker.command(projects));
        for (key, found) in actionlint_findings(&output, projects) {
            out.entry(key)
                .or_default()
                .extend(found.into_iter().map(|f| format!("{checker:?}: {f}")));
        }
    }
    for (key, found) in zizmor_findings(projects) {
        out.entry(key)
            .or_default()
            .extend(found.into_iter().map(|f| format!("zizmor: {f}")));
    }
    out
}

fn migrate(home: &Path, project: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = chora(home)
        .arg("migrate")
        .args(args)
        .arg(project)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn every_fixture_file_is_listed() {
    let mut on_disk: Vec<String> = std::fs::read_dir(shapes_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = SHAPES.iter().map(|s| s.file.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
}

#[test]
fn hand_written_shapes_are_migrated_cleanly() {
    let home = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let originals: Vec<PathBuf> = SHAPES
        .iter()
        .map(|s| project(root.path(), "before", s))
        .collect();
    let results: Vec<PathBuf> = SHAPES
        .iter()
        .map(|s| project(root.path(), "after", s))
        .collect();

    let mut problems: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut before_texts = Vec::new();
    for (shape, dir) in SHAPES.iter().zip(&results) {
        let (_, out) = migrate(home.path(), dir, &["--dry-run", "--format", "json"]);
        let plan: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
        if plan["secrets_to_revoke"] != serde_json::json!([shape.secret]) {
            problems.entry(shape.file).or_default().push(format!(
                "secrets to revoke {}, expected [{:?}]",
                plan["secrets_to_revoke"], shape.secret
            ));
        }
        let (code, out) = migrate(home.path(), dir, &["--yes", "--allow-dirty", "--no-docs"]);
        if code != Some(0) {
            problems
                .entry(shape.file)
                .or_default()
                .push(format!("exit {code:?}:\n{out}"));
        }
        before_texts.push(
            checked_files(dir)
                .into_iter()
                .map(|p| {
                    let original = dir.parent().unwrap().parent().unwrap().join("before");
                    let stem = shape.file.trim_end_matches(".yml");
                    let text = std::fs::read(original.join(stem).join(&p)).unwrap();
                    (p, text)
                })
                .collect::<Vec<_>>(),
        );
    }

    let before = all_findings(&originals);
    let after = all_findings(&results);
    let empty = Vec::new();
    for (key, found) in &after {
        let shape = SHAPES[key.0].file;
        let had = before.get(key).unwrap_or(&empty);
        for finding in new_findings(had, found) {
            problems
                .entry(shape)
                .or_default()
                .push(format!("new finding in {}: {finding}", key.1));
        }
        if found
            .iter()
            .any(|f| f.starts_with("zizmor: use-trusted-publishing"))
        {
            problems.entry(shape).or_default().push(format!(
                "zizmor still reports use-trusted-publishing in {}",
                key.1
            ));
        }
    }

    let mut checked = 0;
    for (index, ((shape, dir), originals)) in
        SHAPES.iter().zip(&results).zip(&before_texts).enumerate()
    {
        let mut report = |p: String| problems.entry(shape.file).or_default().push(p);
        let workflow_path = format!(".github/workflows/{}", shape.file);
        let mut changed = 0;
        let mut all_after = String::new();
        for (path, original) in originals {
            let result = std::fs::read(dir.join(path)).unwrap();
            if result != *original {
                changed += 1;
            }
            let before = String::from_utf8(original.clone()).unwrap();
            let after = String::from_utf8(result.clone()).unwrap();
            all_after.push_str(&after);
            // A byte order mark is not YAML content (GitHub skips it too).
            let body = after.trim_start_matches('\u{feff}');
            if let Err(e) = yaml_serde::from_str::<yaml_serde::Value>(body) {
                report(format!("{path} does not parse: {e}"));
            }
            if before.contains("\r\n")
                && after.matches('\n').count() != after.matches("\r\n").count()
            {
                report(format!("{path}: a line ending is not CRLF any more"));
            }
            if before.starts_with('\u{feff}') != after.starts_with('\u{feff}') {
                report(format!("{path}: the BOM was not kept"));
            }
            for comment in lost_comments(&before, &after) {
                report(format!("{path}: comment lost: {comment}"));
            }
            for (n, line) in before.lines().enumerate() {
                if let Some((code, comment)) = line.split_once(" # ")
                    && !is_comment(line)
                    && after.lines().any(|l| l.starts_with(code))
                    && !after.contains(comment)
                {
                    report(format!(
                        "{path}:{}: trailing comment lost: # {comment}",
                        n + 1
                    ));
                }
            }
        }
        if changed == 0 {
            report("nothing was changed".into());
        }
        if all_after.contains("secrets.") {
            report("a secret is still used".into());
        }
        let workflow = std::fs::read_to_string(dir.join(&workflow_path)).unwrap();
        let parsed: yaml_serde::Value =
            yaml_serde::from_str(workflow.trim_start_matches('\u{feff}')).unwrap_or_default();
        let environments: Vec<String> = parsed["jobs"]
            .as_mapping()
            .map(|jobs| {
                jobs.values()
                    .filter_map(|job| {
                        let env = &job["environment"];
                        env.as_str().or(env["name"].as_str()).map(str::to_string)
                    })
                    .collect()
            })
            .unwrap_or_default();
        if environments != [shape.environment] {
            report(format!(
                "environments {environments:?}, expected [{:?}]",
                shape.environment
            ));
        }
        for wanted in shape.contains {
            if !all_after.contains(wanted) {
                report(format!("the result lacks {wanted:?}"));
            }
        }
        for unwanted in shape.absent {
            if all_after.contains(unwanted) {
                report(format!("the result still has {unwanted:?}"));
            }
        }

        // A second run is a no-op; --check is then content.
        let first: Vec<Vec<u8>> = originals
            .iter()
            .map(|(p, _)| std::fs::read(dir.join(p)).unwrap())
            .collect();
        let (code, out) = migrate(home.path(), dir, &["--yes", "--allow-dirty", "--no-docs"]);
        let again: Vec<Vec<u8>> = originals
            .iter()
            .map(|(p, _)| std::fs::read(dir.join(p)).unwrap())
            .collect();
        if code != Some(0) || !out.contains("No file to change.") {
            report(format!("second run: exit {code:?}:\n{out}"));
        }
        let (code, out) = migrate(home.path(), dir, &["--check"]);
        if code != Some(0) {
            report(format!(
                "--check after the migration: exit {code:?}:\n{out}"
            ));
        }
        if again != first {
            report("the second run changed bytes".into());
        }
        let count_for = |map: &BTreeMap<(usize, String), Vec<String>>| -> usize {
            map.iter()
                .filter(|((i, _), _)| *i == index)
                .map(|(_, v)| v.len())
                .sum()
        };
        let (had, has) = (count_for(&before), count_for(&after));
        let status = if problems.contains_key(shape.file) {
            "FAILED"
        } else {
            "ok"
        };
        eprintln!(
            "{:<26} {status}: {changed} file(s) changed, environment {:?}, checker findings {had} -> {has}",
            shape.file, shape.environment
        );
        checked += 1;
    }
    for (file, list) in &problems {
        eprintln!("{file}:");
        for p in list {
            eprintln!("  - {p}");
        }
    }
    // zizmor cannot read a file with a byte order mark (it skips it): it checks those shapes
    // with the mark taken off the original and the result.
    let with_bom: Vec<usize> = (0..SHAPES.len())
        .filter(|&i| {
            std::fs::read(shapes_dir().join(SHAPES[i].file))
                .unwrap()
                .starts_with("\u{feff}".as_bytes())
        })
        .collect();
    assert_eq!(with_bom.len(), 1, "the BOM fixture");
    for &i in &with_bom {
        let shape = &SHAPES[i];
        let stripped: Vec<PathBuf> = ["before", "after"]
            .iter()
            .map(|kind| {
                let from = root
                    .path()
                    .join(kind)
                    .join(shape.file.trim_end_matches(".yml"));
                let to = root.path().join(format!("{kind}-no-bom"));
                let rel = format!(".github/workflows/{}", shape.file);
                let text = std::fs::read_to_string(from.join(&rel)).unwrap();
                std::fs::create_dir_all(to.join(".github/workflows")).unwrap();
                std::fs::write(to.join(&rel), text.trim_start_matches('\u{feff}')).unwrap();
                to
            })
            .collect();
        let found = zizmor_findings(&stripped);
        let empty = Vec::new();
        let had = found
            .iter()
            .find(|((i, _), _)| *i == 0)
            .map_or(&empty, |(_, v)| v);
        let has = found
            .iter()
            .find(|((i, _), _)| *i == 1)
            .map_or(&empty, |(_, v)| v);
        eprintln!(
            "{} without its BOM: zizmor findings {} -> {}",
            shape.file,
            had.len(),
            has.len()
        );
        assert!(
            had.iter().any(|f| f.starts_with("use-trusted-publishing")),
            "zizmor did not flag the original without its BOM: {had:?}"
        );
        for finding in new_findings(had, has) {
            problems
                .entry(shape.file)
                .or_default()
                .push(format!("new zizmor finding (BOM taken off): {finding}"));
        }
        if has.iter().any(|f| f.starts_with("use-trusted-publishing")) {
            problems
                .entry(shape.file)
                .or_default()
                .push("zizmor still reports use-trusted-publishing (BOM taken off)".into());
        }
    }

    // The checkers really ran on the originals: zizmor flags the token uploads it knows.
    let flagged = before
        .values()
        .flatten()
        .filter(|f| f.starts_with("zizmor: use-trusted-publishing"))
        .count();
    eprintln!("zizmor use-trusted-publishing on the originals: {flagged}");
    assert!(flagged >= 5, "zizmor flagged only {flagged} original(s)");
    assert_eq!(checked, 18, "every shape checked");
    assert_eq!(SHAPES.len(), 18);
    assert!(
        problems.is_empty(),
        "{} shape(s) with problems (above)",
        problems.len()
    );
}
