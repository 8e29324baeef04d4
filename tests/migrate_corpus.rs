//! Corpus test for `chora migrate` detection. NEEDS `../shared/corpus` (the real workflows
//! beside the repository, read in place at test time and never copied into it): without it this
//! test fails, saying so.
//!
//! For every file of `index.tsv`: the file verdict matches the category and the `[expect: …]`
//! note, the tool detected matches the category, and TestPyPI is detected exactly when the
//! `testpypi` column says `yes`. Coverage is printed per category; at least 98% of the files
//! must be right, and every wrong one is listed with the reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chora::workflow::detect::{FileVerdict, detect, summary};
use chora::workflow::model::{Detection, Index, Tool, Verdict};
use chora::workflow::read::{FileKind, parse};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

struct Row {
    id: String,
    path: String,
    category: String,
    testpypi: bool,
    note: String,
}

fn rows(dir: &Path) -> Vec<Row> {
    let index = dir.join("index.tsv");
    let text = std::fs::read_to_string(&index).unwrap_or_else(|e| {
        panic!(
            "this test needs the shared corpus at {} (../shared/corpus beside the repository): {e}",
            index.display()
        )
    });
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert!(
                cols.len() >= 7,
                "index.tsv line with {} columns: {line}",
                cols.len()
            );
            Row {
                id: cols[0].to_string(),
                path: cols[2].to_string(),
                category: cols[4].to_string(),
                testpypi: cols[5] == "yes",
                note: cols[6].to_string(),
            }
        })
        .collect()
}

/// The `[expect: …]` word: migrate, leave, partial, review, add (id-token only).
fn expectation(note: &str) -> &str {
    let start = note.find("[expect:").map_or(0, |i| i + "[expect:".len());
    let rest = note.get(start..).unwrap_or_default().trim_start();
    rest.split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
        .next()
        .unwrap_or_default()
}

fn category_tool(category: &str) -> Option<fn(&Tool) -> bool> {
    Some(match category {
        "twine-env" => |t| *t == Tool::Twine,
        "action-password" => |t| *t == Tool::PypaAction,
        "poetry" => |t| *t == Tool::Poetry,
        "flit" => |t| *t == Tool::Flit,
        "hatch" => |t| *t == Tool::Hatch,
        "pdm" => |t| *t == Tool::Pdm,
        "uv" => |t| *t == Tool::Uv,
        "maturin" => |t| *t == Tool::Maturin,
        "other-token-publish" => |t| matches!(t, Tool::Other(_)),
        _ => return None,
    })
}

fn is_pypi(d: &Detection) -> bool {
    d.verdict != Verdict::OtherService
}

/// Why the detections are wrong for the row, if they are.
fn judge(row: &Row, detections: &[Detection]) -> Result<(), String> {
    let verdict = summary(detections);
    let expect = expectation(&row.note);
    let note = row.note.to_ascii_lowercase();
    let ok = match (expect, row.category.as_str()) {
        ("migrate" | "add", _) => matches!(verdict, FileVerdict::Migrate | FileVerdict::Mixed),
        ("leave", "already-oidc") => verdict == FileVerdict::NothingToDo,
        ("leave", "non-pypi-token") => verdict == FileVerdict::Untouched,
        ("leave", _) => matches!(verdict, FileVerdict::NothingToDo | FileVerdict::Untouched),
        ("partial", _) => {
            matches!(verdict, FileVerdict::Migrate | FileVerdict::Mixed)
                || (verdict == FileVerdict::Refused
                    && (note.contains("reusable") || note.contains("callee")))
        }
        ("review", _) => verdict != FileVerdict::NothingToDo,
        (other, _) => return Err(format!("unknown expectation {other:?}")),
    };
    if !ok {
        return Err(format!("verdict {} but expected {expect}", verdict.label()));
    }
    // A file to review may show its credential without the tool that would use it.
    let migrating =
        matches!(verdict, FileVerdict::Migrate | FileVerdict::Mixed) && expect != "review";
    if migrating && let Some(tool_ok) = category_tool(&row.category) {
        let found = detections
            .iter()
            .filter(|d| d.verdict == Verdict::Migrate)
            .any(|d| tool_ok(&d.tool) || (d.tool == Tool::Script && note.contains("script")));
        if !found {
            let tools: Vec<_> = detections
                .iter()
                .filter(|d| is_pypi(d))
                .map(|d| format!("{:?}", d.tool))
                .collect();
            return Err(format!(
                "tool for {} not detected (found {tools:?})",
                row.category
            ));
        }
    }
    let testpypi = detections
        .iter()
        .any(|d| is_pypi(d) && d.index == Index::TestPypi);
    if testpypi != row.testpypi {
        return Err(format!(
            "TestPyPI detected: {testpypi}, index.tsv says {}",
            if row.testpypi { "yes" } else { "no" }
        ));
    }
    Ok(())
}

#[test]
fn corpus_verdicts_match_index() {
    let dir = corpus_dir();
    let rows = rows(&dir);
    assert!(
        rows.len() >= 80,
        "index.tsv lists only {} files",
        rows.len()
    );
    let mut per_category: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for row in &rows {
        let file = dir.join("files").join(format!("{}.yml", row.id));
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("needs ../shared/corpus: {}: {e}", file.display()));
        let result = match parse(Path::new(&row.path), FileKind::Workflow, text) {
            Ok(workflow) => {
                let detections = detect(&workflow);
                // CORPUS_DEBUG=<id> (or `all`) prints what was found.
                if std::env::var("CORPUS_DEBUG").is_ok_and(|v| v == row.id || v == "all") {
                    for d in &detections {
                        let creds: Vec<_> = d
                            .credentials
                            .iter()
                            .map(|c| format!("{:?}", c.place))
                            .collect();
                        println!(
                            "{} {}#{:?} {:?} {:?} {:?} {creds:?}",
                            row.id, d.job, d.step, d.tool, d.index, d.verdict
                        );
                    }
                }
                judge(row, &detections)
            }
            Err(e) => Err(format!("not read: {e}")),
        };
        let entry = per_category.entry(row.category.clone()).or_default();
        entry.1 += 1;
        match result {
            Ok(()) => entry.0 += 1,
            Err(reason) => failures.push(format!("{} ({}): {reason}", row.id, row.category)),
        }
    }
    println!("coverage per category:");
    for (category, (good, all)) in &per_category {
        println!("  {category:<22} {good}/{all}");
    }
    let good = rows.len() - failures.len();
    println!("total: {good}/{} correct", rows.len());
    for f in &failures {
        println!("  FAIL {f}");
    }
    assert!(
        good * 100 >= rows.len() * 98,
        "only {good}/{} corpus files correct (need 98%):\n{}",
        rows.len(),
        failures.join("\n")
    );
}
