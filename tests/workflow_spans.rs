//! The workflow reader's spans (src/workflow/spans.rs: yamlpath's query semantics over the
//! tree-sitter tree, each route prefix descended once) equal those of the yamlpath reader it
//! replaced (`read::parse_with_yamlpath`, one query from the root per route): whole `Workflow`
//! values compared (every span, route and value), or the same error. Over hand-written YAML
//! shapes (anchors and aliases, flow collections, quoted and tagged keys, block scalars, BOM and
//! CRLF, failed routes), over generated projects, and over the shared corpus — the corpus test
//! (`corpus_spans_equal_yamlpath`) NEEDS `../shared/corpus` beside the repository.

mod support;

use std::path::Path;

use chora::workflow::read::{self, FileKind};

/// Parse `text` with both readers and assert the same outcome; whether it was read.
fn assert_same(name: &str, kind: FileKind, text: &str) -> bool {
    let path = Path::new(name);
    let new = read::parse(path, kind, text.to_string());
    let old = read::parse_with_yamlpath(path, kind, text.to_string());
    match (new, old) {
        (Ok(new), Ok(old)) => {
            assert_eq!(new, old, "{name}: the spans differ");
            true
        }
        (Err(new), Err(old)) => {
            assert_eq!(new.to_string(), old.to_string(), "{name}");
            false
        }
        (new, old) => panic!("{name}: {new:?}\nversus yamlpath: {old:?}"),
    }
}

const SHAPES: &[&str] = &[
    // Anchors and aliases: a job's env, a step list, duplicate anchors (the last before wins),
    // an anchored mapping, `<<` merges, an alias as a whole step.
    "on: push\nx: &e\n  A: b\n  C: d\njobs:\n  a:\n    env: *e\n    steps:\n      - &s {run: echo, env: *e}\n      - *s\n      - run: x\n        env: {<<: *e, B: c}\n",
    "x: &e {A: 1}\non: push\njobs:\n  a:\n    env: *e\n    with: &w\n      k: v\n    steps: []\n  b:\n    env: &e {B: 2}\n    with: *w\n  c:\n    env: *e\n",
    "on: &o\n  push:\n    tags: ['v*']\njobs:\n  a:\n    steps:\n      - uses: &u actions/checkout@v4\n        with: &k {persist-credentials: false}\n      - uses: *u\n        with: *k\n",
    // An anchor with no value: yamlpath refuses the document, so does the new reader.
    "on: push\njobs:\n  a:\n    env:\n      A: &x\n    steps: []\n",
    // Flow collections: `{ foo }` keys, flow pairs in sequences, empty values, nesting.
    "on: {push: {tags: [v*]}, workflow_dispatch: }\njobs: {a: {env: {A: , B}, steps: [{run: a}, {uses: x, with: {k: v}}]}}\n",
    "on: [push, pull_request]\njobs:\n  a:\n    steps: [a: b, {run: \"x\"}]\n",
    // Quoted, tagged and anchored keys; a key that is a number or a boolean.
    "'on': push\njobs:\n  \"a\":\n    env:\n      'A': x\n      \"B\": y\n      !!str C: z\n      &k D: w\n      1: one\n      true: t\n    steps: []\n",
    // Block scalars (literal, folded, chomping), comments everywhere, an empty step item.
    "# top\non: push # trailing\njobs:\n  # before\n  a: # after\n    steps:\n      # between\n      - run: |\n          one\n          two\n\n      - run: >-\n          folded\n          text\n        # after run\n      - name: x\n        run: |+\n          kept\n\n    env:\n      A: b # c\n",
    "on: push\njobs:\n  a:\n    steps:\n      -\n      - run: x\n",
    // BOM and CRLF, a document start marker, a directive.
    "\u{feff}on: push\r\njobs:\r\n  a:\r\n    steps:\r\n      - run: \"uv publish\"\r\n        env:\r\n          T: ${{ secrets.T }}\r\n",
    "%YAML 1.2\n---\non: push\njobs:\n  a:\n    steps:\n      - run: x\n...\n",
    // Shapes that are not workflows, routes that fail half way (a scalar where a mapping is
    // expected), secrets: inherit, needs.
    "on: push\njobs:\n  a: x\n  b:\n    steps: nope\n    env: [1, 2]\n  c:\n    uses: o/r/.github/workflows/w.yml@v1\n    secrets: inherit\n    needs: [a, b]\n",
    "- a\n- b\n",
    "name: x\n",
    "jobs: [\n",
];

#[test]
fn hand_written_shapes_have_yamlpaths_spans() {
    let read: Vec<bool> = SHAPES
        .iter()
        .enumerate()
        .map(|(i, text)| assert_same(&format!("shape-{i}.yml"), FileKind::Workflow, text))
        .collect();
    // All read but the anchor without a value and the last three (not workflows, bad YAML).
    let refused: Vec<usize> = (0..read.len()).filter(|&i| !read[i]).collect();
    assert_eq!(refused, [3, 12, 13, 14]);
    let action = "name: x\nruns:\n  using: composite\n  steps:\n    - run: twine upload dist/*\n      shell: bash\n      env: &e {A: b}\n    - uses: x@v1\n      with: *e\n";
    assert!(assert_same(
        "a/action.yml",
        FileKind::CompositeAction,
        action
    ));
}

/// Generated projects (the answer sets of scripts/bench/time_audit.py, and chora-publish):
/// every workflow file.
#[test]
fn generated_workflows_have_yamlpaths_spans() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let variants: &[&[&str]] = &[
        &[],
        &["pypi_auth_method=token"],
        &["codecov=true", "safety=true", "bandit=true"],
        &["publish_testpypi=false", "attestations=false"],
        &["publisher=chora"],
    ];
    let mut files = 0;
    for (i, extra) in variants.iter().enumerate() {
        let dest = out.path().join(format!("p{i}"));
        support::new_project(home.path(), &dest, extra);
        for file in support::workflow_files(&dest) {
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(assert_same(
                &file.display().to_string(),
                FileKind::Workflow,
                &text
            ));
            files += 1;
        }
    }
    // Four workflows each at least (lint, release, security, tests; coverage with codecov).
    assert!(files >= 4 * variants.len(), "{files} workflow files");
}

/// The shared corpus: every file (NEEDS ../shared/corpus beside the repository).
#[test]
fn corpus_spans_equal_yamlpath() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let index = std::fs::read_to_string(corpus.join("index.tsv")).unwrap_or_else(|e| {
        panic!(
            "this test needs the shared corpus at {} (../shared/corpus beside the repository): {e}",
            corpus.display()
        )
    });
    let mut files = 0;
    for line in index.lines().skip(1) {
        let id = line.split('\t').next().unwrap();
        let text = std::fs::read_to_string(corpus.join("files").join(format!("{id}.yml"))).unwrap();
        if assert_same(id, FileKind::Workflow, &text) {
            files += 1;
        }
    }
    assert_eq!(files, 89, "corpus files read");
}
