//! What yamlpatch 1.25.0 itself does with the shapes `ops` splices instead: experiments that
//! justify each splice (if one starts failing, yamlpatch changed and the splice may go).

use yamlpatch::{Op, Patch, apply_yaml_patches};
use yamlpath::{Document, route};

fn run(source: &str, patch: Patch) -> Result<String, String> {
    let doc = Document::new(source).map_err(|e| e.to_string())?;
    apply_yaml_patches(&doc, &[patch])
        .map(|d| d.source().to_string())
        .map_err(|e| e.to_string())
}

fn value(text: &str) -> yaml_serde::Value {
    yaml_serde::from_str(text).unwrap_or(yaml_serde::Value::Null)
}

#[test]
fn remove_drops_whole_lines() {
    // A flow entry takes the whole line, its neighbours included.
    let flow = run(
        "env: {A: 1, B: 2}\nx: 1\n",
        Patch {
            route: route!("env", "A"),
            operation: Op::Remove,
        },
    );
    assert_eq!(flow.as_deref(), Ok("x: 1\n"));
    // The first key of a `- key:` item takes the dash: the sequence becomes a mapping.
    let dash = run(
        "s:\n  - a: 1\n    b: 2\n",
        Patch {
            route: route!("s", 0, "a"),
            operation: Op::Remove,
        },
    );
    assert_eq!(dash.as_deref(), Ok("s:\n    b: 2\n"));
    // Comments after the node, down to column 0, go with it.
    let comments = run(
        "a:\n  b: 1\n# top\nc: 2\n",
        Patch {
            route: route!("a"),
            operation: Op::Remove,
        },
    );
    assert_eq!(comments.as_deref(), Ok("c: 2\n"));
    // The last key leaves a null parent.
    let last = run(
        "a:\n  b: 1\nc: 2\n",
        Patch {
            route: route!("a", "b"),
            operation: Op::Remove,
        },
    );
    assert_eq!(last.as_deref(), Ok("a:\nc: 2\n"));
}

#[test]
fn replace_and_add_limits() {
    // A mapping value is written as `a: x: 1` on one line, which does not parse.
    let mapping = run(
        "a:\n  b: 1\nc: 2\n",
        Patch {
            route: route!("a"),
            operation: Op::Replace(value("{x: 1, y: 2}")),
        },
    );
    assert!(mapping.is_err(), "{mapping:?}");
    // Multi-line flow mappings are refused.
    let multiline = run(
        "a: {\n  b: 1\n}\n",
        Patch {
            route: route!("a"),
            operation: Op::Add {
                key: "c".into(),
                value: value("2"),
            },
        },
    );
    assert!(multiline.is_err(), "{multiline:?}");
    // Merging into `key:` (null) is refused.
    let null = run(
        "a:\nb: 1\n",
        Patch {
            route: route!(),
            operation: Op::MergeInto {
                key: "a".into(),
                updates: [("x".to_string(), value("1"))].into_iter().collect(),
            },
        },
    );
    assert!(null.is_err(), "{null:?}");
}
