//! Property: for random edits to a managed file, a 3-way update never loses a user line. Lines
//! that do not conflict are merged; lines that do are kept inside the conflict markers.

mod support;

use chora::generate::merge::three_way;
use proptest::prelude::*;
use support::generate;

const RELEASE: &str = ".github/workflows/release.yml";

fn renders() -> &'static (String, String) {
    static RENDERS: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    RENDERS.get_or_init(|| {
        let home = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        let token = out.path().join("token");
        let oidc = out.path().join("oidc");
        generate(home.path(), &token, &["pypi_auth_method=token"]);
        generate(home.path(), &oidc, &["pypi_auth_method=oidc"]);
        (
            std::fs::read_to_string(token.join(RELEASE)).unwrap(),
            std::fs::read_to_string(oidc.join(RELEASE)).unwrap(),
        )
    })
}

/// A user edit: insert a new line before line `at`, or append a marker to line `at`.
#[derive(Debug, Clone)]
enum Edit {
    Insert(usize),
    Append(usize),
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0usize..400).prop_map(Edit::Insert),
        (0usize..400).prop_map(Edit::Append),
    ]
}

fn apply(base: &str, edits: &[Edit]) -> (String, Vec<String>) {
    let mut lines: Vec<String> = base.lines().map(str::to_string).collect();
    let mut markers = Vec::new();
    for (i, edit) in edits.iter().enumerate() {
        let marker = format!("user-edit-{i}");
        match edit {
            Edit::Insert(at) => {
                let at = at % (lines.len() + 1);
                lines.insert(at, format!("# {marker}"));
                markers.push(format!("# {marker}"));
            }
            Edit::Append(at) => {
                let at = at % lines.len();
                lines[at].push_str(&format!(" # {marker}"));
                markers.push(lines[at].clone());
            }
        }
    }
    let mut text = lines.join("\n");
    text.push('\n');
    // Later edits may have changed a line an earlier marker recorded; keep only final lines.
    let finals: Vec<String> = markers
        .into_iter()
        .filter(|m| text.lines().any(|l| l == m))
        .collect();
    (text, finals)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn update_never_loses_a_user_line(edits in prop::collection::vec(edit_strategy(), 1..8)) {
        let (base, theirs) = renders();
        let (ours, user_lines) = apply(base, &edits);
        let merged = three_way(Some(base), &ours, theirs);
        // The last edit's line is always there: at least one user line to look for.
        prop_assert!(!user_lines.is_empty());
        for line in &user_lines {
            prop_assert!(
                merged.text.lines().any(|l| l == line),
                "lost user line {line:?}\nconflicts: {}\n{}", merged.conflicts, merged.text
            );
        }
        if merged.conflicts == 0 {
            prop_assert!(!merged.text.contains("<<<<<<< "));
            // Without conflicts the template's change is fully applied.
            prop_assert!(merged.text.contains("id-token: write"));
        }
    }
}
