//! `chora completions`, `chora-publish completions` and `chora manpages`, run as a user (and the
//! release pipeline) runs them: every shell's script names the subcommands, bash's parses and
//! completes, a closed stdout is no panic, an unknown shell is a usage error, and the man pages
//! are one per command and subcommand of both binaries.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;

const SHELLS: [&str; 5] = ["bash", "zsh", "fish", "powershell", "elvish"];
const BINARIES: [&str; 2] = ["chora", "chora-publish"];

fn bin(name: &str) -> Command {
    let mut cmd = Command::cargo_bin(name).expect("the binary is built");
    cmd.env_remove("SOURCE_DATE_EPOCH");
    cmd
}

/// `NAME ARGS...`: its status, stdout and stderr.
fn run(name: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let output = bin(name).args(args).output().unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// The subcommands `NAME --help` lists, without `help`: what users see and complete.
fn listed_subcommands(name: &str) -> Vec<String> {
    let commands = nested_subcommands(name, &[]);
    assert!(
        commands.len() >= 5,
        "{name} --help lists its commands: {commands:?}"
    );
    commands
}

/// The subcommands `NAME PATH… --help` lists (none for a leaf command).
fn nested_subcommands(name: &str, path: &[&str]) -> Vec<String> {
    let mut args = path.to_vec();
    args.push("--help");
    let (code, help, _) = run(name, &args);
    assert_eq!(code, Some(0), "{name} {path:?} --help");
    let commands: Vec<String> = help
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A wrapped description continues on a deeper-indented line.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(String::from)
        .collect();
    commands
}

fn script(name: &str, shell: &str) -> String {
    let (code, out, err) = run(name, &["completions", shell]);
    assert_eq!(code, Some(0), "{name} completions {shell}: {err}");
    assert!(err.is_empty(), "{name} completions {shell}: {err}");
    out
}

#[test]
fn every_shell_gets_a_script_naming_the_subcommands() {
    for (name, expected) in [
        (
            "chora",
            &["new", "check", "update", "migrate", "completions"][..],
        ),
        (
            "chora-publish",
            &[
                "check",
                "upload",
                "sign",
                "verify-attestation",
                "verify-provenance",
                "completions",
            ][..],
        ),
    ] {
        let listed = listed_subcommands(name);
        for command in expected {
            assert!(
                listed.iter().any(|c| c == command),
                "{name} --help lists {command}"
            );
        }
        for shell in SHELLS {
            let script = script(name, shell);
            assert!(script.len() > 200, "{name} completions {shell}:\n{script}");
            assert!(
                script.contains(name),
                "{name} completions {shell} names the binary"
            );
            assert!(
                !script.contains("manpages"),
                "{name} completions {shell} does not offer the hidden manpages"
            );
            for command in &listed {
                assert!(
                    script.contains(command.as_str()),
                    "{name} completions {shell} names {command}:\n{script}"
                );
            }
        }
    }
}

#[test]
fn the_scripts_differ_per_shell() {
    for name in BINARIES {
        let scripts: BTreeSet<String> = SHELLS.iter().map(|s| script(name, s)).collect();
        assert_eq!(scripts.len(), SHELLS.len(), "{name}: one script per shell");
    }
}

#[test]
fn bash_parses_the_bash_scripts_and_completes_with_them() {
    for (name, function, word, completed) in [
        ("chora", "_chora", "mi", "migrate"),
        (
            "chora-publish",
            "_chora__publish",
            "verify-a",
            "verify-attestation",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(name);
        std::fs::write(&file, script(name, "bash")).unwrap();
        let syntax = Command::new("bash").arg("-n").arg(&file).output().unwrap();
        assert!(
            syntax.status.success(),
            "bash -n {name}: {}",
            String::from_utf8_lossy(&syntax.stderr)
        );
        // What bash does on TAB after `NAME WORD`: call the completion function the script
        // registered for NAME, then offer COMPREPLY.
        let probe = format!(
            r#"source "$1" || exit 9
complete -p {name} | grep -q -- '-F {function}' || exit 8
COMP_WORDS=({name} {word}); COMP_CWORD=1; COMP_LINE="{name} {word}"; COMP_POINT=${{#COMP_LINE}}
{function} {name} {word} {name}
printf '%s\n' "${{COMPREPLY[@]}}""#
        );
        let out = Command::new("bash")
            .arg("-c")
            .arg(&probe)
            .arg("probe")
            .arg(&file)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(stdout.trim(), completed, "{name} {word}<TAB>");
    }
}

#[test]
fn a_closed_stdout_is_not_a_panic() {
    for name in BINARIES {
        for shell in SHELLS {
            let (reader, writer) = std::io::pipe().unwrap();
            // Nobody will ever read: every write gets EPIPE.
            drop(reader);
            let output = bin(name)
                .args(["completions", shell])
                .stdout(writer)
                .stderr(Stdio::piped())
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(0), "{name} {shell}: {stderr}");
            assert!(stderr.is_empty(), "{name} {shell}: {stderr}");
        }
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error_listing_the_shells() {
    for name in BINARIES {
        let (code, out, err) = run(name, &["completions", "tcsh"]);
        assert_eq!(code, Some(2), "{name}: {err}");
        assert!(out.is_empty());
        assert!(err.contains("invalid value 'tcsh'"), "{name}: {err}");
        assert!(
            err.contains("[possible values: bash, elvish, fish, powershell, zsh]"),
            "{name}: {err}"
        );
        let (code, _, err) = run(name, &["completions"]);
        assert_eq!(code, Some(2), "{name} completions without a shell: {err}");
    }
}

#[test]
fn manpages_writes_one_page_per_command_of_both_binaries() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("share/man/man1");
    let (code, out, err) = run("chora", &["manpages", dir.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    let mut expected = BTreeSet::new();
    for name in BINARIES {
        expected.insert(format!("{name}.1"));
        for command in listed_subcommands(name) {
            expected.insert(format!("{name}-{command}.1"));
            // A command with subcommands of its own (`chora-publish ledger verify`): one page
            // each.
            for nested in nested_subcommands(name, &[command.as_str()]) {
                expected.insert(format!("{name}-{command}-{nested}.1"));
            }
        }
    }
    for page in [
        "chora.1",
        "chora-new.1",
        "chora-migrate.1",
        "chora-completions.1",
        "chora-publish.1",
        "chora-publish-upload.1",
        "chora-publish-verify-attestation.1",
    ] {
        assert!(expected.contains(page), "{page} among {expected:?}");
    }
    let written: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        written, expected,
        "exactly one page per command; none for help or manpages"
    );
    assert_eq!(
        out,
        format!(
            "wrote {} man pages into {}\n",
            expected.len(),
            dir.display()
        )
    );
    for page in &written {
        let text = std::fs::read_to_string(dir.join(page)).unwrap();
        let title = page.trim_end_matches(".1");
        let first = text.lines().next().unwrap_or_default();
        assert!(
            first.starts_with(&format!(".TH {title} 1 ")),
            "{page} starts with its .TH line: {first}"
        );
        assert!(
            first.ends_with(&format!(
                " \"chora-cli {}\" \"chora manual\"",
                env!("CARGO_PKG_VERSION")
            )),
            "{page}: {first}"
        );
        assert!(text.contains("\n.SH NAME\n"), "{page}");
    }
    // The pages carry the long help: `chora new`'s questions, the exit statuses.
    let new = std::fs::read_to_string(dir.join("chora-new.1")).unwrap();
    assert!(
        new.contains("project_name"),
        "chora-new.1 lists the questions"
    );
    let upload = std::fs::read_to_string(dir.join("chora-publish-upload.1")).unwrap();
    assert!(upload.contains("Exit status"), "chora-publish-upload.1");
}

#[test]
fn manpages_are_dated_by_source_date_epoch_and_rewritten_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("man");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("chora.1"), "stale").unwrap();
    let status = bin("chora")
        .args(["manpages", dir.to_str().unwrap()])
        .env("SOURCE_DATE_EPOCH", "1798675200")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let page = std::fs::read_to_string(dir.join("chora.1")).unwrap();
    assert!(
        page.starts_with(".TH chora 1 2026-12-31 \"chora-cli "),
        "{page}"
    );
}

#[test]
fn manpages_is_hidden_and_says_what_it_is_for() {
    let (_, help, _) = run("chora", &["--help"]);
    assert!(!help.contains("manpages"), "{help}");
    let (code, help, _) = run("chora", &["manpages", "--help"]);
    assert_eq!(code, Some(0));
    assert!(help.contains("release archives"), "{help}");
    assert!(help.contains("chora-publish-upload.1"), "{help}");
}

#[cfg(unix)]
#[test]
fn manpages_into_an_unwritable_place_is_a_local_io_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let dir = file.join("man");
    let (code, _, err) = run("chora", &["manpages", dir.to_str().unwrap()]);
    assert_eq!(code, Some(4), "{err}");
    assert!(err.contains("cannot create the folder"), "{err}");
}
