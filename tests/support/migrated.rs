//! Comparing a workflow before and after `chora migrate`: checker findings it gained and
//! comments it lost (used by the corpus and fixture tests).

/// Findings in `after` that `before` does not have (multiset difference).
pub fn new_findings(before: &[String], after: &[String]) -> Vec<String> {
    let mut left: Vec<&String> = before.iter().collect();
    let mut extra = Vec::new();
    for finding in after {
        match left.iter().position(|f| *f == finding) {
            Some(i) => {
                left.remove(i);
            }
            None => extra.push(finding.clone()),
        }
    }
    extra
}

pub fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// Comment lines of `before` that are gone from `after` although no code line around them was
/// removed: in each block of deleted lines, comments count as removed with their code only when
/// the block also deletes a code line.
pub fn lost_comments(before: &str, after: &str) -> Vec<String> {
    let diff = similar::TextDiff::from_lines(before, after);
    let mut lost = Vec::new();
    let mut block: Vec<(bool, String)> = Vec::new();
    let flush = |block: &mut Vec<(bool, String)>, lost: &mut Vec<String>| {
        let removes_code = block
            .iter()
            .any(|(comment, l)| !comment && !l.trim().is_empty());
        if !removes_code {
            lost.extend(block.iter().filter(|(c, _)| *c).map(|(_, l)| l.clone()));
        }
        block.clear();
    };
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Delete => {
                let line = change.value().trim_end().to_string();
                block.push((is_comment(&line), line));
            }
            similar::ChangeTag::Insert => {}
            similar::ChangeTag::Equal => flush(&mut block, &mut lost),
        }
    }
    flush(&mut block, &mut lost);
    // A comment deleted in one place and inserted in another (moved with its node) is kept.
    lost.retain(|c| !after.lines().any(|l| l.trim_end() == c));
    lost
}
