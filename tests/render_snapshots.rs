//! Snapshots (in snapshots/) of the whole rendered tree for oidc/token × chora/pypa.

mod support;

use support::{generate, list_files};

fn tree_text(root: &std::path::Path) -> String {
    let mut out = String::new();
    for path in list_files(root) {
        let contents = std::fs::read_to_string(root.join(&path)).unwrap();
        out.push_str(&format!("===== {path} =====\n{contents}"));
        if !contents.ends_with('\n') {
            out.push_str("\n[no newline at end of file]\n");
        }
    }
    out
}

fn snapshot(auth: &str, publisher: &str) {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("demo-pkg");
    let auth_arg = format!("pypi_auth_method={auth}");
    let publisher_arg = format!("publisher={publisher}");
    generate(home.path(), &dest, &[&auth_arg, &publisher_arg]);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!(format!("tree_{auth}_{publisher}"), tree_text(&dest));
    });
}

#[test]
fn tree_oidc_chora() {
    snapshot("oidc", "chora");
}

#[test]
fn tree_oidc_pypa() {
    snapshot("oidc", "pypa");
}

#[test]
fn tree_token_chora() {
    snapshot("token", "chora");
}

#[test]
fn tree_token_pypa() {
    snapshot("token", "pypa");
}
