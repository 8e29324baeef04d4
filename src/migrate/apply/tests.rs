//! Behaviour of `apply` on hand-written workflows: every edit, what stays byte-identical, and
//! the refusals.

use indexmap::IndexMap;
use yaml_serde::Value;

use super::*;

/// `jobs.publish.steps[2].with.password` as a route.
fn r(path: &str) -> Route {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, rest) = part.split_once('[').unwrap_or((part, ""));
        if !key.is_empty() {
            out.push(Segment::Key(key.to_string()));
        }
        for index in rest.split('[') {
            if let Some(n) = index.strip_suffix(']') {
                out.push(Segment::Index(n.parse().unwrap_or(usize::MAX)));
            }
        }
    }
    out
}

fn remove(path: &str) -> Edit {
    Edit::Remove { route: r(path) }
}

fn yaml(text: &str) -> Value {
    yaml_serde::from_str(text).unwrap_or(Value::Null)
}

fn entries(pairs: &[(&str, &str)]) -> IndexMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect()
}

fn ok(source: &str, edits: &[Edit]) -> String {
    match apply(source, edits) {
        Ok(text) => text,
        Err(e) => panic!("apply failed: {e}"),
    }
}

fn problem(source: &str, edits: &[Edit]) -> Problem {
    match apply(source, edits) {
        Err(ApplyError::Edit { problem, .. }) => problem,
        other => panic!("expected an edit refusal, got {other:?}"),
    }
}

const PYPA: &str = "\
# Release workflow
on:
  push:
    tags: ['v*']

jobs:
  publish:
    runs-on: ubuntu-latest   # the runner
    steps:
      - uses: actions/checkout@v4
      # publish it
      - name: Publish
        uses: pypa/gh-action-pypi-publish@release/v1
        with:
          user: __token__   # legacy
          # the token
          password: ${{ secrets.PYPI_API_TOKEN }}
          print-hash: true  # keep
      - run: echo done
";

#[test]
fn remove_keys_keeps_every_other_byte_and_comment() {
    let out = ok(
        PYPA,
        &[
            remove("jobs.publish.steps[1].with.password"),
            remove("jobs.publish.steps[1].with.user"),
        ],
    );
    assert_eq!(
        out,
        PYPA.replace("          user: __token__   # legacy\n", "")
            .replace("          password: ${{ secrets.PYPI_API_TOKEN }}\n", "")
    );
    assert!(out.contains("          # the token\n          print-hash: true  # keep\n"));
}

#[test]
fn removing_the_last_with_entry_removes_with() {
    let edits = [
        remove("jobs.publish.steps[1].with.password"),
        remove("jobs.publish.steps[1].with.user"),
        remove("jobs.publish.steps[1].with.print-hash"),
    ];
    let applied = match apply_with_report(PYPA, &edits) {
        Ok(applied) => applied,
        Err(e) => panic!("{e}"),
    };
    // The comment inside `with:` goes with it.
    assert!(!applied.text.contains("with:"), "{}", applied.text);
    assert!(
        applied.text.contains(
            "        uses: pypa/gh-action-pypi-publish@release/v1\n      - run: echo done\n"
        ),
        "{}",
        applied.text
    );
    assert_eq!(
        applied.removed_parents,
        vec!["jobs.publish.steps[1].with".to_string()]
    );
}

#[test]
fn removing_the_last_env_entry_removes_env_at_every_level() {
    let source = "\
env:
  TWINE_PASSWORD: ${{ secrets.PYPI }}
jobs:
  publish:
    env:
      TWINE_USERNAME: __token__ # user
    runs-on: ubuntu-latest
    steps:
      - run: twine upload dist/*
        env: {TWINE_PASSWORD: x}
";
    let out = ok(
        source,
        &[
            remove("env.TWINE_PASSWORD"),
            remove("jobs.publish.env.TWINE_USERNAME"),
            remove("jobs.publish.steps[0].env.TWINE_PASSWORD"),
        ],
    );
    assert_eq!(
        out,
        "\
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - run: twine upload dist/*
"
    );
}

#[test]
fn removing_the_last_permission_keeps_an_empty_mapping() {
    let source = "jobs:\n  a:\n    permissions:\n      contents: read\n    runs-on: x\n";
    let out = ok(source, &[remove("jobs.a.permissions.contents")]);
    assert_eq!(out, "jobs:\n  a:\n    permissions: {}\n    runs-on: x\n");
}

#[test]
fn removing_the_first_key_of_a_dash_item_moves_the_next_key_up() {
    let source = "steps:\n  - env:\n      A: 1\n    # why\n    run: make # go\n  - run: b\n";
    let out = ok(source, &[remove("steps[0].env")]);
    assert_eq!(out, "steps:\n  - run: make # go\n  - run: b\n");
    let only = "steps:\n  - uses: x\n  - run: b\n";
    assert!(matches!(
        problem(only, &[remove("steps[0].uses")]),
        Problem::Unsupported(_)
    ));
}

#[test]
fn removing_from_flow_mappings_keeps_the_flow_style() {
    let source = "a: {password: x, user: y, z: 1} # c\nb: [1, 2, 3]\n";
    assert_eq!(
        ok(source, &[remove("a.password")]),
        "a: {user: y, z: 1} # c\nb: [1, 2, 3]\n"
    );
    assert_eq!(
        ok(source, &[remove("a.user")]),
        "a: {password: x, z: 1} # c\nb: [1, 2, 3]\n"
    );
    assert_eq!(
        ok(source, &[remove("a.z")]),
        "a: {password: x, user: y} # c\nb: [1, 2, 3]\n"
    );
    assert_eq!(
        ok(source, &[remove("b[1]")]),
        "a: {password: x, user: y, z: 1} # c\nb: [1, 3]\n"
    );
    let multi = "with: {\n  password: x, # secret\n  user: y\n}\nnext: 1\n";
    assert_eq!(
        ok(multi, &[remove("with.password")]),
        "with: {\n  # secret\n  user: y\n}\nnext: 1\n"
    );
    assert_eq!(
        ok(multi, &[remove("with.user")]),
        "with: {\n  password: x, # secret\n}\nnext: 1\n"
    );
}

#[test]
fn removing_steps_shifts_the_routes_of_later_edits() {
    let source = "\
steps:
  - run: a
  - run: b # gone
  - name: c
    env:
      TOKEN: t
";
    let out = ok(source, &[remove("steps[1]"), remove("steps[2].env.TOKEN")]);
    assert_eq!(out, "steps:\n  - run: a\n  - name: c\n");
    assert!(matches!(
        problem(source, &[remove("steps[1]"), remove("steps[1].run")]),
        Problem::Gone
    ));
}

#[test]
fn add_environment_after_a_runs_on_job() {
    let source = "\
jobs:
  publish:
    runs-on: ubuntu-latest # linux
    steps:
      - run: make
  # the end
";
    let value = yaml("name: pypi\nurl: https://pypi.org/p/demo\n");
    let out = ok(
        source,
        &[Edit::Add {
            route: r("jobs.publish"),
            key: "environment".into(),
            value,
        }],
    );
    assert_eq!(
        out,
        "\
jobs:
  publish:
    runs-on: ubuntu-latest # linux
    steps:
      - run: make
    environment:
      name: pypi
      url: https://pypi.org/p/demo
  # the end
"
    );
}

#[test]
fn an_added_mapping_follows_a_four_space_indentation() {
    let source = "\
jobs:
    publish:
        runs-on: ubuntu-latest
        steps:
            - run: make
    other:
        runs-on: ubuntu-latest
";
    let out = ok(
        source,
        &[Edit::Add {
            route: r("jobs.publish"),
            key: "environment".into(),
            value: yaml("name: pypi\nurl: https://pypi.org/p/demo\n"),
        }],
    );
    assert_eq!(
        out,
        "\
jobs:
    publish:
        runs-on: ubuntu-latest
        steps:
            - run: make
        environment:
            name: pypi
            url: https://pypi.org/p/demo
    other:
        runs-on: ubuntu-latest
"
    );
}

#[test]
fn add_to_flow_and_null_mappings() {
    let add = |route: &str| Edit::Add {
        route: r(route),
        key: "id-token".into(),
        value: Value::String("write".into()),
    };
    assert_eq!(ok("p: {}\n", &[add("p")]), "p: { id-token: write }\n");
    assert_eq!(
        ok("p: {contents: read} # c\n", &[add("p")]),
        "p: {contents: read, id-token: write} # c\n"
    );
    assert_eq!(
        ok("p: {\n  contents: read,\n}\n", &[add("p")]),
        "p: {\n  contents: read, id-token: write\n}\n"
    );
    assert_eq!(
        ok("p:\nq: 1\n", &[add("p")]),
        "p: { id-token: write }\nq: 1\n"
    );
    assert_eq!(
        problem("p: {id-token: read}\n", &[add("p")]),
        Problem::KeyExists("id-token".into())
    );
    assert!(matches!(
        problem("p: [1]\n", &[add("p")]),
        Problem::WrongKind { .. }
    ));
}

fn merge(route: &str) -> Edit {
    Edit::MergeInto {
        route: r(route),
        key: "permissions".into(),
        entries: entries(&[("id-token", "write")]),
    }
}

#[test]
fn merge_permissions_into_every_shape() {
    let none = "jobs:\n  a:\n    runs-on: x\n";
    assert_eq!(
        ok(none, &[merge("jobs.a")]),
        "jobs:\n  a:\n    runs-on: x\n    permissions:\n      id-token: write\n"
    );
    let empty = "jobs:\n  a:\n    permissions: {}\n    runs-on: x\n";
    assert_eq!(
        ok(empty, &[merge("jobs.a")]),
        "jobs:\n  a:\n    permissions: { id-token: write }\n    runs-on: x\n"
    );
    let null = "jobs:\n  a:\n    permissions:\n    runs-on: x\n";
    assert_eq!(
        ok(null, &[merge("jobs.a")]),
        "jobs:\n  a:\n    permissions: { id-token: write }\n    runs-on: x\n"
    );
    let block = "\
jobs:
  a:
    permissions:
      # read the code
      contents: read # always
      id-token: none
    runs-on: x
";
    assert_eq!(
        ok(block, &[merge("jobs.a")]),
        block.replace("id-token: none", "id-token: write")
    );
    let granted = "jobs:\n  a:\n    permissions:\n      id-token: write # ok\n";
    assert_eq!(ok(granted, &[merge("jobs.a")]), granted);
    let read_all = "jobs:\n  a:\n    permissions: read-all\n";
    assert!(matches!(
        problem(read_all, &[merge("jobs.a")]),
        Problem::WrongKind {
            expected: "a mapping",
            ..
        }
    ));
}

#[test]
fn replace_scalars_and_collections() {
    let source = "a: 'old' # c\nb:\n  x: 1\nc:\nd: |\n  text\ne: x\n";
    let replace = |route: &str, value: Value| Edit::Replace {
        route: r(route),
        value,
    };
    assert_eq!(
        ok(source, &[replace("a", Value::String("new".into()))]),
        source.replace("'old'", "new")
    );
    assert_eq!(
        ok(source, &[replace("a", Value::String("true".into()))]),
        source.replace("'old'", "\"true\"")
    );
    assert_eq!(
        ok(source, &[replace("b", yaml("{y: 2}"))]),
        source.replace("b:\n  x: 1", "b: { y: 2 }")
    );
    assert_eq!(
        ok(source, &[replace("c", Value::Bool(true))]),
        source.replace("c:\n", "c: true\n")
    );
    assert_eq!(
        ok(source, &[replace("d", Value::String("t".into()))]),
        source.replace("d: |\n  text\n", "d: t\n")
    );
}

fn rewrite(route: &str, from: &str, to: &str) -> Edit {
    Edit::RewriteText {
        route: r(route),
        from: from.into(),
        to: to.into(),
    }
}

const SCRIPT: &str = "\
steps:
  - run: |
      python -m build
      poetry config pypi-token.pypi ${{ secrets.PYPI }}
      twine upload \\
        -u __token__ -p ${{ secrets.PYPI }} \\
        --skip-existing dist/*
      twine upload -p \"$TOKEN\" dist/*  # inline
      echo ok
    shell: bash
";

#[test]
fn rewrite_text_drops_whole_lines_and_arguments() {
    let out = ok(
        SCRIPT,
        &[
            rewrite(
                "steps[0].run",
                "poetry config pypi-token.pypi ${{ secrets.PYPI }}",
                "",
            ),
            rewrite("steps[0].run", "-u __token__ -p ${{ secrets.PYPI }}", ""),
            rewrite("steps[0].run", "-p \"$TOKEN\"", ""),
        ],
    );
    assert_eq!(
        out,
        "\
steps:
  - run: |
      python -m build
      twine upload \\
        --skip-existing dist/*
      twine upload dist/*  # inline
      echo ok
    shell: bash
"
    );
}

#[test]
fn rewrite_text_drops_the_last_line_of_a_block_with_its_line_break() {
    // The planner names a whole line with its `\n`; on the block's last line the node's span
    // ends before that break.
    let source = "\
jobs:
  publish:
    steps:
      - name: Set Poetry config
        run: |
          poetry config virtualenvs.in-project false
          poetry config pypi-token.pypi ${{ secrets.PYPI }}
      - run: poetry publish
";
    let out = ok(
        source,
        &[rewrite(
            "jobs.publish.steps[0].run",
            "poetry config pypi-token.pypi ${{ secrets.PYPI }}\n",
            "",
        )],
    );
    assert_eq!(
        out,
        "\
jobs:
  publish:
    steps:
      - name: Set Poetry config
        run: |
          poetry config virtualenvs.in-project false
      - run: poetry publish
"
    );
}

#[test]
fn rewrite_text_inside_a_continued_line_and_at_its_end() {
    let source = "run: |\n  twine upload -u __token__ -p ${{ secrets.PYPI }} \\\n    dist/*\n";
    assert_eq!(
        ok(
            source,
            &[rewrite("run", "-u __token__ -p ${{ secrets.PYPI }}", "")]
        ),
        "run: |\n  twine upload \\\n    dist/*\n"
    );
    let last = "run: |\n  twine upload dist/* \\\n    -p $T\n  echo next\n";
    assert_eq!(
        ok(last, &[rewrite("run", "-p $T", "")]),
        "run: |\n  twine upload dist/*\n  echo next\n"
    );
}

#[test]
fn rewrite_text_in_plain_and_quoted_scalars() {
    let plain = "run: twine upload -p $T dist/* # c\n";
    assert_eq!(
        ok(plain, &[rewrite("run", "-p $T", "")]),
        "run: twine upload dist/* # c\n"
    );
    assert_eq!(
        ok(plain, &[rewrite("run", "twine", "uvx twine")]),
        "run: uvx twine upload -p $T dist/* # c\n"
    );
    let quoted = "run: \"twine upload -p $T\"\n";
    assert_eq!(
        ok(quoted, &[rewrite("run", "-p $T", "")]),
        "run: \"twine upload\"\n"
    );
    assert_eq!(
        problem(plain, &[rewrite("run", "--token", "")]),
        Problem::TextNotFound
    );
    assert!(matches!(
        problem("run: -p $T\n", &[rewrite("run", "-p $T", "")]),
        Problem::Unsupported(_)
    ));
    assert!(matches!(
        problem("run: {a: 1}\n", &[rewrite("run", "a", "")]),
        Problem::WrongKind { .. }
    ));
}

const NEW_STEPS: &str = "\
- name: Publish
  uses: pypa/gh-action-pypi-publish@76f52bc884231f62b9a034ebfe128415bbaabdfc # v1.12.4
  with:
    packages-dir: dist/
- run: |
    echo published
";

#[test]
fn replace_step_in_both_indentation_styles() {
    let indented = "\
jobs:
  a:
    steps:
      - run: poetry build
      # upload
      - run: poetry publish -u __token__ -p ${{ secrets.PYPI }} # old
      - run: echo after
";
    let edit = Edit::ReplaceStep {
        route: r("jobs.a.steps[1]"),
        yaml: NEW_STEPS.into(),
    };
    let out = ok(indented, std::slice::from_ref(&edit));
    let expected_indented = "\
jobs:
  a:
    steps:
      - run: poetry build
      # upload
      - name: Publish
        uses: pypa/gh-action-pypi-publish@76f52bc884231f62b9a034ebfe128415bbaabdfc # v1.12.4
        with:
          packages-dir: dist/
      - run: |
          echo published
      - run: echo after
";
    assert_eq!(out, expected_indented);
    let flush = "\
jobs:
  a:
    steps:
    - run: poetry build
    - run: poetry publish
      env:
        POETRY_PYPI_TOKEN_PYPI: x
    - run: echo after
";
    let out = ok(flush, std::slice::from_ref(&edit));
    assert!(out.starts_with("jobs:\n  a:\n    steps:\n    - run: poetry build\n    - name: Publish\n      uses: pypa"), "{out}");
    assert!(
        out.ends_with("    - run: |\n        echo published\n    - run: echo after\n"),
        "{out}"
    );
    // Later edits still use the original indices.
    let later = ok(
        indented,
        &[
            edit.clone(),
            rewrite("jobs.a.steps[2].run", "after", "later"),
        ],
    );
    assert!(later.ends_with("      - run: echo later\n"), "{later}");
    assert!(matches!(
        problem(
            indented,
            &[Edit::ReplaceStep {
                route: r("jobs.a.steps[1]"),
                yaml: "name: x\n".into()
            }]
        ),
        Problem::BadReplacement(_)
    ));
}

#[test]
fn crlf_files_stay_crlf_including_inserted_text() {
    let lf = "\
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - run: |
          twine upload -p $T dist/*
        env:
          T: ${{ secrets.PYPI }} # token
      - uses: x
";
    let edits = [
        remove("jobs.publish.steps[0].env.T"),
        rewrite("jobs.publish.steps[0].run", "-p $T", ""),
        merge("jobs.publish"),
        Edit::ReplaceStep {
            route: r("jobs.publish.steps[1]"),
            yaml: NEW_STEPS.replace('\n', "\r\n"),
        },
    ];
    let crlf = lf.replace('\n', "\r\n");
    let from_lf = ok(lf, &edits);
    let from_crlf = ok(&crlf, &edits);
    assert_eq!(from_crlf, from_lf.replace('\n', "\r\n"));
    assert_eq!(
        from_crlf.matches('\n').count(),
        from_crlf.matches("\r\n").count()
    );
    let mixed = "a: 1\r\nb: 2\n";
    assert!(matches!(
        apply(mixed, &[remove("a")]),
        Err(ApplyError::MixedLineEndings)
    ));
}

#[test]
fn a_byte_order_mark_and_tabs_inside_scalars_are_kept() {
    let source =
        "\u{feff}env:\n  A: 1\nrun: |\n  printf 'a\\tb'\n  echo \"x\ty\"\t# tab\nb: \"\t\"\n";
    let out = ok(source, &[remove("env")]);
    assert_eq!(out, source.replace("env:\n  A: 1\n", ""));
    assert!(out.starts_with('\u{feff}'));
    let rewritten = ok(source, &[rewrite("run", "echo", "printf")]);
    assert!(
        rewritten.contains("printf \"x\ty\"\t# tab\n"),
        "{rewritten}"
    );
}

#[test]
fn anchors_and_aliases_outside_the_edit_are_untouched() {
    let source = "\
x-env: &common
  FOO: bar
jobs:
  a:
    env: *common
    steps:
      - run: make
        env:
          TOKEN: t
          BAZ: &baz qux
  b:
    env:
      BAZ: *baz
";
    let out = ok(
        source,
        &[remove("jobs.a.steps[0].env.TOKEN"), remove("jobs.a.env")],
    );
    assert_eq!(
        out,
        source
            .replace("          TOKEN: t\n", "")
            .replace("    env: *common\n", "")
    );
}

#[test]
fn anchors_and_aliases_in_the_edited_region_are_refused() {
    let shared = "\
x-with: &with
  password: p
  user: u
jobs:
  a:
    steps:
      - uses: pypa/gh-action-pypi-publish@release/v1
        with: *with
";
    assert!(matches!(
        problem(shared, &[remove("jobs.a.steps[0].with.password")]),
        Problem::ThroughAlias { at } if at == "jobs.a.steps[0].with"
    ));
    assert!(matches!(
        problem(shared, &[remove("x-with.password")]),
        Problem::Anchored { anchor, .. } if anchor == "with"
    ));
    let inside = "a:\n  b: &v 1\n  c: 2\nd: *v\n";
    assert!(matches!(
        problem(inside, &[remove("a.b")]),
        Problem::Anchored { anchor, .. } if anchor == "v"
    ));
    assert!(matches!(
        problem(
            inside,
            &[Edit::Replace {
                route: r("a.b"),
                value: Value::Number(3.into())
            }]
        ),
        Problem::Anchored { .. }
    ));
    // An anchor nobody aliases is safe to edit.
    let unused = "a: &lonely\n  b: 1\n  c: 2\n";
    assert_eq!(ok(unused, &[remove("a.b")]), "a: &lonely\n  c: 2\n");
}

#[test]
fn routes_that_do_not_exist_are_refused_with_the_edit_and_route() {
    let err = apply(
        PYPA,
        &[
            remove("jobs.publish.steps[1].with.user"),
            remove("jobs.publish.steps[2].with.password"),
        ],
    );
    let Err(err) = err else {
        panic!("expected a refusal");
    };
    let message = err.to_string();
    assert!(
        matches!(
            err,
            ApplyError::Edit {
                edit: 1,
                problem: Problem::NoSuchNode(_),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(message.starts_with("edit #1 (remove at "), "{message}");
    assert!(
        message.contains("`jobs.publish.steps[2].with.password`"),
        "{message}"
    );
    assert!(matches!(
        problem(PYPA, &[remove("jobs.publish.steps[9]")]),
        Problem::NoSuchNode(_)
    ));
    assert!(matches!(
        apply("a: [\n", &[remove("a")]),
        Err(ApplyError::InvalidYaml { .. })
    ));
    assert_eq!(ok(PYPA, &[]), PYPA);
}

#[test]
fn the_reparse_catches_a_change_no_edit_targeted() {
    // yamlpatch inserts a new key after the mapping's last content line, which cuts the
    // trailing blank lines a keep-chomped (`|+`) block scalar owns: `run` would change.
    let source = "step:\n  run: |+\n    make\n\n  shell: bash\nlast:\n  run: |+\n    make\n\n";
    let edit = Edit::Add {
        route: r("last"),
        key: "env".into(),
        value: yaml("{A: b}"),
    };
    match apply(source, &[edit]) {
        Err(ApplyError::Unintended { route }) => assert_eq!(route, "last.run"),
        other => panic!("expected Unintended, got {other:?}"),
    }
}

#[test]
fn comments_after_a_removed_node_stay() {
    let source = "\
jobs:
  a:
    env:
      TOKEN: t
      # about the token (inside env: goes with it)
    steps:
      - run: |
          twine upload
          # part of the script
      # between steps
      - run: echo
# the end
";
    let out = ok(source, &[remove("jobs.a.env"), remove("jobs.a.steps[0]")]);
    assert_eq!(
        out,
        "\
jobs:
  a:
    steps:
      # between steps
      - run: echo
# the end
"
    );
    let emptied = ok("steps:\n  - run: a\n# kept\nx: 1\n", &[remove("steps[0]")]);
    assert_eq!(emptied, "steps: []\n# kept\nx: 1\n");
}

/// A unified diff of one fixture's migration, for the snapshots.
fn diff(before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(2)
        .header("before", "after")
        .to_string()
}

/// Every comment line of `before` that is not among `removed` is still in `after`.
fn assert_comments_kept(before: &str, after: &str, removed: &[&str]) {
    let comments: Vec<&str> = before
        .lines()
        .filter_map(|line| {
            line.find(" #").map(|i| &line[i..]).or_else(|| {
                line.trim_start()
                    .starts_with('#')
                    .then_some(line.trim_start())
            })
        })
        .filter(|comment| !removed.iter().any(|r| comment.contains(r)))
        .collect();
    assert!(
        comments.len() >= 3,
        "the fixture has comments: {comments:?}"
    );
    for comment in comments {
        assert!(after.contains(comment), "lost {comment:?} in:\n{after}");
    }
}

fn environment() -> Edit {
    Edit::Add {
        route: r("jobs.x"),
        key: "environment".into(),
        value: yaml("name: pypi\nurl: https://pypi.org/p/demo\n"),
    }
}

fn for_job(edit: Edit, job: &str) -> Edit {
    match edit {
        Edit::Add { key, value, .. } => Edit::Add {
            route: r(&format!("jobs.{job}")),
            key,
            value,
        },
        Edit::MergeInto { key, entries, .. } => Edit::MergeInto {
            route: r(&format!("jobs.{job}")),
            key,
            entries,
        },
        other => other,
    }
}

#[test]
fn fixture_twine_with_job_and_step_credentials() {
    let before = include_str!("../../../tests/fixtures/migrate/apply/twine-token.yml");
    let edits = [
        remove("jobs.publish.env.TWINE_USERNAME"),
        remove("jobs.publish.steps[3].env.TWINE_PASSWORD"),
        rewrite(
            "jobs.publish.steps[3].run",
            "-u __token__ -p ${{ secrets.PYPI_API_TOKEN }}",
            "",
        ),
        for_job(merge("x"), "publish"),
        for_job(environment(), "publish"),
    ];
    let after = ok(before, &edits);
    assert_comments_kept(before, &after, &["the long-lived token"]);
    assert!(!after.contains("secrets.PYPI_API_TOKEN"), "{after}");
    assert_eq!(ok(&after, &[]), after);
    insta::assert_snapshot!("twine_token", diff(before, &after));
}

#[test]
fn fixture_poetry_upload_replaced_by_the_publisher_step() {
    let before = include_str!("../../../tests/fixtures/migrate/apply/poetry-publish.yml");
    let edits = [
        Edit::ReplaceStep {
            route: r("jobs.deploy.steps[3]"),
            yaml: NEW_STEPS.into(),
        },
        for_job(merge("x"), "deploy"),
        for_job(environment(), "deploy"),
    ];
    let after = ok(before, &edits);
    assert_comments_kept(before, &after, &[]);
    assert!(
        after.contains("    - name: Announce\n      run: echo \"released\"\n"),
        "{after}"
    );
    insta::assert_snapshot!("poetry_publish", diff(before, &after));
}

#[test]
fn fixture_pypa_action_in_flow_style() {
    let before = include_str!("../../../tests/fixtures/migrate/apply/pypa-flow.yml");
    let edits = [
        remove("jobs.pypi.steps[1].with.user"),
        remove("jobs.pypi.steps[1].with.password"),
        for_job(merge("x"), "pypi"),
        for_job(environment(), "pypi"),
    ];
    let after = ok(before, &edits);
    assert!(
        after.contains("    permissions: {contents: read, id-token: write}\n"),
        "{after}"
    );
    assert!(after.ends_with("      - uses: pypa/gh-action-pypi-publish@release/v1\n    environment:\n      name: pypi\n      url: https://pypi.org/p/demo\n"), "{after}");
    insta::assert_snapshot!("pypa_flow", diff(before, &after));
}

#[test]
fn comments_left_in_an_emptied_env_do_not_join_a_block_scalar() {
    // Left behind at the script's indentation, the comments would become part of `run`.
    let source = "\
steps:
  - run: >
      convert
      \"$B\"
    env:
      B: x
      # about S
      S: y

  - run: next
";
    let out = ok(
        source,
        &[remove("steps[0].env.B"), remove("steps[0].env.S")],
    );
    assert_eq!(
        out,
        "steps:\n  - run: >\n      convert\n      \"$B\"\n\n  - run: next\n"
    );
}

#[test]
fn removing_a_block_between_blank_lines_leaves_one_blank_line() {
    let source =
        "jobs:\n  a:\n    runs-on: x\n\n    env:\n      A: 1\n\n    steps:\n      - run: a\n";
    assert_eq!(
        ok(source, &[remove("jobs.a.env")]),
        "jobs:\n  a:\n    runs-on: x\n\n    steps:\n      - run: a\n"
    );
    let steps = "steps:\n  - run: a\n\n  - run: b\n\n  - run: c\n";
    assert_eq!(
        ok(steps, &[remove("steps[1]")]),
        "steps:\n  - run: a\n\n  - run: c\n"
    );
}

#[test]
fn a_file_without_a_final_newline() {
    let source = "steps:\n  - run: a\n  - run: b";
    assert_eq!(ok(source, &[remove("steps[0]")]), "steps:\n  - run: b");
    // The replacement's last block scalar owns the newline: it stays.
    let out = ok(
        source,
        &[Edit::ReplaceStep {
            route: r("steps[1]"),
            yaml: "- run: |\n    echo x\n".into(),
        }],
    );
    assert_eq!(out, "steps:\n  - run: a\n  - run: |\n      echo x\n");
}

#[test]
fn refusals_never_echo_the_text_to_rewrite() {
    let secret = "pypi-AgEIcHlwaS5vcmcCJDAwMDAwMDAw";
    let edit = rewrite("run", &format!("-p {secret}"), "");
    let Err(err) = apply("run: twine upload dist/*\n", &[edit]) else {
        panic!("expected a refusal");
    };
    assert!(matches!(
        err,
        ApplyError::Edit {
            problem: Problem::TextNotFound,
            ..
        }
    ));
    assert!(!err.to_string().contains(secret), "{err}");
    assert!(!format!("{err:?}").contains(secret), "{err:?}");
}

#[test]
fn rewrite_text_inserting_lines_keeps_the_script_indentation() {
    let source =
        "steps:\n  - run: |\n      python -m build\n      twine upload dist/*\n    shell: bash\n";
    let out = ok(
        source,
        &[
            rewrite(
                "steps[0].run",
                "twine upload dist/*",
                "twine check dist/*\ntwine upload dist/*",
            ),
            rewrite("steps[0].run", "python -m build", "uv build"),
        ],
    );
    assert_eq!(
        out,
        "steps:\n  - run: |\n      uv build\n      twine check dist/*\n      twine upload dist/*\n    shell: bash\n"
    );
}

#[test]
fn a_rewrite_the_scalar_does_not_show_is_refused() {
    // In a folded (`>`) scalar an inserted line break folds into a space: not what was asked.
    let source = "run: >\n  twine upload dist/*\n";
    match apply(
        source,
        &[rewrite(
            "run",
            "twine upload",
            "twine check dist/*\ntwine upload",
        )],
    ) {
        Err(ApplyError::NotAsIntended { route }) => assert_eq!(route, "run"),
        other => panic!("expected NotAsIntended, got {other:?}"),
    }
}

#[test]
fn duplicate_keys_make_routes_ambiguous_and_are_refused() {
    let source = "jobs:\n  a:\n    env:\n      T: 1\n  a:\n    runs-on: x\n";
    match apply(source, &[remove("jobs.a.env.T")]) {
        Err(ApplyError::InvalidYaml { reason }) => {
            assert!(reason.contains("duplicate"), "{reason}")
        }
        other => panic!("expected InvalidYaml, got {other:?}"),
    }
}
