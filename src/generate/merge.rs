//! Three-way merges of managed files: base = what chora last wrote (see `bases`), ours = the
//! file on disk, theirs = the new render. Conflicts become standard diff3 markers with labels;
//! the result is deterministic.

use similar::{TextMerge, merge::ConflictStyle};

/// Labels on conflict markers.
pub const OURS_LABEL: &str = "yours (on disk)";
pub const BASE_LABEL: &str = "chora, as last generated";
pub const THEIRS_LABEL: &str = "chora, new template";

/// The merged text and how many conflicts it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    pub text: String,
    pub conflicts: usize,
}

/// Merge `ours` and `theirs` from their common `base`. Without a base (the recorded blob is
/// gone), the whole file is one conflict unless both sides are equal: nothing is overwritten.
pub fn three_way(base: Option<&str>, ours: &str, theirs: &str) -> Merged {
    if ours == theirs {
        return Merged {
            text: ours.to_string(),
            conflicts: 0,
        };
    }
    let Some(base) = base else {
        return whole_file_conflict(ours, theirs);
    };
    let mut merge = TextMerge::from_lines(base, ours, theirs);
    merge
        .conflict_style(ConflictStyle::Diff3)
        .labels(BASE_LABEL, OURS_LABEL, THEIRS_LABEL);
    Merged {
        text: merge.to_string(),
        conflicts: merge.conflict_count(),
    }
}

/// True when most line ends of `text` are CRLF (a file checked out with `core.autocrlf` or
/// edited on Windows): the merge then writes CRLF back.
pub fn is_crlf(text: &str) -> bool {
    let lines = text.matches('\n').count();
    let crlf = text.matches("\r\n").count();
    lines > 0 && crlf * 2 > lines
}

fn whole_file_conflict(ours: &str, theirs: &str) -> Merged {
    let mut text = format!("<<<<<<< {OURS_LABEL}\n{ours}");
    if !ours.is_empty() && !ours.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!(
        "||||||| {BASE_LABEL} (not available)\n=======\n{theirs}"
    ));
    if !theirs.is_empty() && !theirs.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!(">>>>>>> {THEIRS_LABEL}\n"));
    Merged { text, conflicts: 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separate_edits_merge_cleanly() {
        let merged = three_way(
            Some("a\nb\nc\nd\ne\n"),
            "a\nmine\nb\nc\nd\ne\n",
            "a\nb\nc\nd\ntheirs\n",
        );
        assert_eq!(merged.conflicts, 0);
        assert_eq!(merged.text, "a\nmine\nb\nc\nd\ntheirs\n");
    }

    #[test]
    fn overlapping_edits_conflict_with_labels() {
        let merged = three_way(Some("a\nb\nc\n"), "a\nmine\nc\n", "a\ntheirs\nc\n");
        assert_eq!(merged.conflicts, 1);
        assert!(
            merged.text.contains("<<<<<<< yours (on disk)\nmine\n"),
            "{}",
            merged.text
        );
        assert!(
            merged
                .text
                .contains("||||||| chora, as last generated\nb\n")
        );
        assert!(
            merged
                .text
                .contains("=======\ntheirs\n>>>>>>> chora, new template\n")
        );
    }

    #[test]
    fn missing_base_makes_one_whole_file_conflict() {
        let merged = three_way(None, "mine\n", "theirs\n");
        assert_eq!(merged.conflicts, 1);
        assert!(merged.text.starts_with("<<<<<<< yours (on disk)\nmine\n"));
        assert!(
            merged
                .text
                .ends_with("theirs\n>>>>>>> chora, new template\n")
        );
        assert_eq!(three_way(None, "same\n", "same\n").conflicts, 0);
    }
}
