//! The `readme/*` rules against the renderer PyPI runs: every reStructuredText case below
//! (each failure kind docutils reports at WARNING or above, and tricky valid documents) is
//! rendered by readme_renderer itself (from the pinned twine's environment in .tools) and
//! chora's verdict (renders or not) must agree on every one; then the rules through
//! `chora-publish check` on built wheels.

mod dists;
mod support;

use std::path::Path;
use std::process::Command;

use chora::publish::dist::read_dist;
use chora::publish::vet::readme::{self, rst};
use dists::{Wheel, metadata};

/// (name, reStructuredText). A name ending in `-ok` is expected to render; the oracle decides.
const CASES: &[(&str, &str)] = &[
    ("title-underline-too-short", "Title!\n====\n\ntext\n"),
    ("title-underline-short-but-tiny-ok", "Title\n===\n\ntext\n"),
    ("title-overline-mismatch", "=====\nTitle\n======\n\ntext\n"),
    ("title-overline-too-short", "====\nTitle!\n====\n\ntext\n"),
    ("title-overline-ok", "======\nTitle!\n======\n\ntext\n"),
    ("title-missing-underline", "======\nTitle!\n\ntext\n"),
    ("title-skip-level", "A\n=\n\nB\n-\n\nC\n~\n\nD\n-\n\nE\n^\n"),
    ("title-levels-ok", "A\n=\n\nB\n-\n\nC\n~\n\nD\n=\n\nE\n-\n"),
    (
        "title-level-inconsistent",
        "A\n=\n\nB\n-\n\nC\n~\n\nD\n=\n\nE\n~\n",
    ),
    ("title-in-list", "* a\n\n  B\n  -\n"),
    ("title-no-blank-after-ok", "Title\n=====\nno blank\n"),
    ("para-then-adornment-ok", "foo\nbar\n----\n\nx\n"),
    ("unexpected-indentation", "para one\nline two\n  indented\n"),
    (
        "definition-list-ok",
        "term\n  definition\n\nterm 2 : classifier\n  definition 2\n",
    ),
    ("definition-list-unindent", "term\n  def\nnext\n"),
    ("bullet-unindent", "* item\nnext\n"),
    ("bullet-mixed-unindent", "* a\n- b\n"),
    (
        "bullet-nested-ok",
        "* a\n\n  * b\n  * c\n\n* d\n\n  para in d\n\n- other list\n",
    ),
    (
        "bullet-wrapped-ok",
        "* a long item\n  continued here\n* next item\n",
    ),
    ("enumerated-unindent", "1. a\n2. b\nc\n"),
    ("enumerated-start-3-ok", "3. three\n4. four\n"),
    ("enumerated-auto-ok", "#. a\n#. b\n"),
    ("enumerated-roman-ok", "i. a\nii. b\niii. c\n"),
    ("enumerated-looks-like-text-ok", "A. Smith\nwrote this\n"),
    ("enumerated-paren-ok", "(a) one\n(b) two\n\n1) x\n2) y\n"),
    ("block-quote-unindent", "para\n\n  quote\nnext\n"),
    ("block-quote-ok", "para\n\n    quoted\n\n  less\n"),
    ("block-quote-first-line-unindent", " ind\nnot\n"),
    ("explicit-unindent", ".. note:: x\nnext\n"),
    (
        "explicit-consecutive-ok",
        ".. _a: http://a\n.. _b: http://b\n\n`a`_ b_\n",
    ),
    ("emphasis-open", "hello *world\n"),
    ("emphasis-followed-by-letter", "a *b*c\n"),
    ("emphasis-multiline-ok", "a *b\nc* d\n"),
    ("strong-open", "a **strong\n"),
    ("literal-open", "a ``lit\n"),
    ("interpreted-open", "a `interp\n"),
    ("phrase-reference-followed-by-letter", "a `b`_c\n"),
    (
        "asterisks-as-text-ok",
        "2 * 3 * 4, (*) and \"*\" and a*b and \\*c and *\n",
    ),
    (
        "urls-with-underscores-ok",
        "see http://x.y/_foo_ and a@b.c and foo_bar baz\n",
    ),
    ("unknown-target", "see foo_\n"),
    (
        "known-target-ok",
        "word_ and `phrase`_\n\n.. _word: http://a\n.. _phrase: http://b\n",
    ),
    (
        "target-case-insensitive-ok",
        "see `Foo Bar`_\n\n.. _foo bar: http://x\n",
    ),
    (
        "section-reference-ok",
        "Section\n=======\n\ntext `Section`_\n",
    ),
    ("anonymous-mismatch", "see `x`__\n"),
    (
        "anonymous-ok",
        "`a <http://x>`__ and `b`__\n\n__ http://y\n",
    ),
    (
        "duplicate-target",
        ".. _a: http://a\n.. _a: http://b\n\ntext\n",
    ),
    (
        "duplicate-target-same-uri-ok",
        ".. _a: http://a\n.. _a: http://a\n\ntext\n",
    ),
    (
        "duplicate-embedded-ok",
        "see `here <http://a>`_ and `here <http://b>`_\n",
    ),
    ("indirect-target-missing", "`x <missing_>`_\n"),
    ("indirect-target-ok", "`x <a_>`_\n\n.. _a: http://a\n"),
    ("unknown-directive", ".. nosuch:: x\n"),
    ("sphinx-directive", "Text\n\n.. versionadded:: 1.0\n"),
    ("raw-directive", ".. raw:: html\n\n   <b>x</b>\n"),
    ("include-directive", ".. include:: x.rst\n"),
    ("csv-table-file", ".. csv-table::\n   :file: x.csv\n"),
    (
        "code-block-ok",
        "Code:\n\n.. code-block:: python\n\n   def f(*a): `x\n\n.. code:: nosuchlang\n\n   x\n\n.. sourcecode:: bash\n\n   ls *\n",
    ),
    ("unknown-role", "x :foo:`y`\n"),
    ("sphinx-role", "x :py:func:`a`\n"),
    ("raw-role", "x :raw:`a`\n"),
    ("suffix-role-unknown", "x `a`:nosuch: y\n"),
    (
        "roles-ok",
        "Text :code:`x*` and :math:`a_b` and `a`:sub: and :PEP:`8` and :emphasis:`e`\n",
    ),
    ("custom-role-ok", ".. role:: custom\n\nText :custom:`x`\n"),
    ("grid-table-malformed", "+---+---+\n| a | b |\n+---+--+\n"),
    ("grid-table-no-blank-after", "+---+\n| a |\n+---+\nnext\n"),
    (
        "grid-table-ok",
        "+-----+-------+\n| a   | *b*   |\n+=====+=======+\n| c   | ``d`` |\n+-----+-------+\n\ntext\n",
    ),
    (
        "grid-table-bad-cell",
        "+-----+-------+\n| a   | *b    |\n+-----+-------+\n",
    ),
    (
        "simple-table-ok",
        "=====  =====\na      b\n=====  =====\n\n=====  =====\nh1     h2\n=====  =====\nx      *y*\n=====  =====\n",
    ),
    (
        "simple-table-no-blank-after",
        "=====  =====\na      b\n=====  =====\nnext\n",
    ),
    (
        "simple-table-margin-text",
        "=====  =====\na      b\nccccccc d\n=====  =====\n",
    ),
    ("literal-block-missing", "para::\n\nnext\n"),
    ("literal-block-missing-spaced", "x ::\n\nnot indented\n"),
    (
        "literal-block-ok",
        "para::\n\n    code *x\n    more\n\nafter\n\n::\n\n   lone\n\ny\n",
    ),
    (
        "literal-block-in-list-ok",
        "1. a\n\n   code::\n\n       x\n\n2. b\n",
    ),
    ("substitution-undefined", "a |sub| b\n"),
    (
        "substitution-ok",
        "a |sub| b |img|\n\n.. |sub| replace:: x\n.. |img| image:: https://x/a.png\n",
    ),
    (
        "substitution-duplicate",
        ".. |x| replace:: a\n.. |x| replace:: b\n\n|x|\n",
    ),
    (
        "substitution-reference-link-ok",
        ".. |b| image:: https://x/b.png\n\n|b|_\n\n.. _b: http://x\n",
    ),
    ("footnote-missing", "a [1]_ b\n"),
    (
        "footnote-ok",
        "a [1]_ b [#]_ c [#n]_ [*]_\n\n.. [1] note\n.. [#] auto\n.. [#n] named\n.. [*] symbol\n",
    ),
    ("footnote-auto-missing", "a [#]_\n"),
    ("citation-missing", "[CIT2002]_\n"),
    ("citation-ok", ".. [CIT2002] x\n\n[CIT2002]_\n"),
    ("field-list-unindent", ":field: value\nnext\n"),
    (
        "field-list-ok",
        ":Author: Ada\n:Version: 1.0\n:Long: first line\n  second line\n\ntext :code:`x` here\n",
    ),
    ("option-list-unindent", "-a  option a\n-b  option b\nnext\n"),
    (
        "option-list-ok",
        "-a          all\n--file=F    a file\n-v, --verbose  more\n\ntext\n",
    ),
    ("line-block-unindent", "| line\n| two\nnext\n"),
    (
        "line-block-ok",
        "| line *one*\n| two\n|   indented\n\ntext\n",
    ),
    ("doctest-ok", ">>> x = 1 * 2\n>>> print(`x`)\n2\n\ntext\n"),
    ("transition-ok", "x\n\n----\n\ny\n"),
    ("transition-at-end", "x\n\n----\n"),
    ("transition-at-start", "----\n\nb\n"),
    ("transitions-adjacent", "a\n\n----\n\n----\n\nb\n"),
    ("comment-only", ".. just a comment\n"),
    (
        "comments-and-text-ok",
        "..\n   a comment block\n   more\n\ntext\n\n.. another\n",
    ),
    (
        "image-options-ok",
        "x\n\n.. image:: https://x/a.png\n   :alt: a\n   :width: 100\n   :target: https://x\n\n.. figure:: https://x/b.png\n   :width: 50\n\n   The *caption*.\n",
    ),
    (
        "admonitions-ok",
        ".. note:: A note with `link <http://x>`__.\n\n.. warning::\n\n   * a list\n   * inside\n\n.. admonition:: Title\n\n   body\n",
    ),
    ("admonition-bad-content", ".. note::\n\n   bad *emph\n"),
    ("nested-list-bad-literal", "* item\n\n  * nested ``lit\n"),
    (
        "contents-ok",
        ".. contents:: Table of Contents\n   :depth: 2\n\nA\n=\n\ntext\n",
    ),
    (
        "unicode-escapes-ok",
        "Snowman ☃ — “quotes” ‘x’ and *émphasis* and ``code``\n",
    ),
    (
        "markdown-as-rst-ok",
        "# Title\n\nSome `code` and [a link](http://x) and **bold**\n\n```python\nx = 1\n```\n",
    ),
    ("markdown-list-as-rst-ok", "Intro\n- a\n- b\n"),
    ("tabs-ok", "para\n\n\tquoted with tab\n\ntext\n"),
    ("escaped-ok", "a\\*b and \\`c and x\\_ and \\|d\n"),
    (
        "inline-target-ok",
        "an _`inline target` and `inline target`_\n",
    ),
    ("inline-target-open", "an _`inline target\n"),
    (
        "trailing-underscore-word",
        "call __init__ and obj._private and snake_case_\n",
    ),
    ("numbers-as-refs", "version 1_ here\n"),
    ("transition-at-section-start", "A\n=\n\n----\n\ntext\n"),
    ("literal-alone", "``\n"),
    ("bullet-alone-ok", "*\n"),
    (
        "code-block-no-blank",
        "Example:\n\n.. code-block:: python\n    import os\n    print(os.getcwd())\n",
    ),
    ("code-block-no-content", ".. code-block:: python\n\ntext\n"),
    (
        "image-with-content",
        ".. image:: https://x/a.png\n   :target: https://x\n\n   oops content\n",
    ),
    (
        "image-unknown-option",
        ".. image:: https://x/a.png\n   :targte: https://x\n",
    ),
    (
        "image-bad-align",
        ".. image:: https://x/a.png\n   :align: middle-ish\n",
    ),
    (
        "image-duplicate-option",
        ".. image:: https://x/a.png\n   :alt: a\n   :alt: b\n",
    ),
    (
        "image-badges-ok",
        ".. image:: https://img.shields.io/pypi/v/x.svg\n   :target: https://pypi.org/project/x\n   :alt: PyPI\n.. image:: https://img.shields.io/badge/a-b-c.svg\n   :target: https://x\n\nText.\n",
    ),
    ("note-no-content", ".. note::\n\ntext\n"),
    (
        "list-table-ok",
        ".. list-table:: Title\n   :header-rows: 1\n\n   * - a\n     - b\n   * - c\n     - d\n",
    ),
    (
        "list-table-uneven",
        ".. list-table::\n\n   * - a\n     - b\n   * - c\n",
    ),
    (
        "contents-options-ok",
        ".. contents::\n    :backlinks: none\n\n.. sectnum::\n\nA\n=\n\ntext\n",
    ),
    (
        "nested-enumerated-ok",
        "1. one\n\n   a. sub a\n   b. sub b\n\n2. two\n",
    ),
    ("item-text-unindent", "* item text\n continued less\n"),
    (
        "field-body-indented-ok",
        ":Parameters:\n    x - a value\n    y - another\n\ntext\n",
    ),
];

/// readme_renderer's verdict on each `*.rst` in `dir`: name -> (renders, its messages).
fn oracle(dir: &Path) -> std::collections::BTreeMap<String, (bool, String)> {
    const SCRIPT: &str = r#"
import io, pathlib, sys
from readme_renderer.rst import render
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.rst")):
    stream = io.StringIO()
    ok = render(path.read_text(encoding="utf-8"), stream=stream) is not None
    print(path.stem, "OK" if ok else "FAIL", stream.getvalue().strip().replace("\n", " | "))
"#;
    let out = Command::new(support::tool("python"))
        .args(["-c", SCRIPT])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let mut parts = l.splitn(3, ' ');
            let name = parts.next().unwrap().to_string();
            let ok = parts.next().unwrap() == "OK";
            (name, (ok, parts.next().unwrap_or_default().to_string()))
        })
        .collect()
}

#[test]
fn chora_agrees_with_readme_renderer_on_every_case() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in CASES {
        std::fs::write(dir.path().join(format!("{name}.rst")), text).unwrap();
    }
    let verdicts = oracle(dir.path());
    assert_eq!(verdicts.len(), CASES.len());
    assert_eq!(CASES.len(), 126);
    let mut disagree = Vec::new();
    let (mut renders, mut fails) = (0, 0);
    for (name, text) in CASES {
        let (ok, says) = &verdicts[*name];
        if *ok {
            renders += 1;
        } else {
            fails += 1;
        }
        let diags = rst::check(text).diags;
        if diags.is_empty() != *ok {
            disagree.push(format!(
                "{name}: readme_renderer {} ({says}); chora {diags:?}",
                if *ok { "renders" } else { "fails" }
            ));
        }
        // The names say what the case is for; a case whose verdict changed is a broken case.
        if name.ends_with("-ok") != *ok {
            disagree.push(format!("{name}: named for the other verdict ({says})"));
        }
    }
    assert!(
        disagree.is_empty(),
        "{} of {} disagree:\n{}",
        disagree.len(),
        CASES.len(),
        disagree.join("\n")
    );
    assert!(
        renders >= 40 && fails >= 40,
        "{renders} render, {fails} fail"
    );
}

#[test]
fn messages_name_the_line_and_docutils_wording() {
    let d = rst::check("Title\n=====\n\nSome *emphasis\n").diags;
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].line, 4);
    assert_eq!(
        d[0].message,
        "Inline emphasis start-string without end-string."
    );
    assert_eq!(d[0].level.label(), "WARNING/2");
    let d = rst::check("Long title\n=====\n\ntext\n").diags;
    assert_eq!(
        (d[0].line, d[0].message.as_str()),
        (2, "Title underline too short.")
    );
    let d = rst::check("see foo_\n").diags;
    assert_eq!(d[0].message, "Unknown target name: \"foo\".");
}

// ---------------------------------------------------------------------------------------------
// The rules on built wheels.

/// `metadata()` with its content type and body replaced.
fn with_description(content_type: Option<&str>, body: &str) -> String {
    let base = metadata("demo-pkg", "0.1.0");
    let (head, _) = base.split_once("\n\n").unwrap();
    let head: Vec<&str> = head
        .lines()
        .filter(|l| !l.starts_with("Description-Content-Type"))
        .collect();
    let ct = content_type
        .map(|c| format!("\nDescription-Content-Type: {c}"))
        .unwrap_or_default();
    format!("{}{ct}\n\n{body}", head.join("\n"))
}

fn wheel(dir: &Path, content_type: Option<&str>, body: &str) -> std::path::PathBuf {
    Wheel::demo()
        .metadata(&with_description(content_type, body))
        .write(dir)
}

fn rules_of(path: &Path) -> Vec<&'static str> {
    readme::findings(&read_dist(path).unwrap())
        .iter()
        .map(|f| f.rule)
        .collect()
}

#[test]
fn each_readme_rule_on_a_wheel() {
    let dir = tempfile::tempdir().unwrap();
    let rst = Some("text/x-rst");
    // A valid RST description, Markdown (always renders), plain text (always).
    assert!(rules_of(&wheel(dir.path(), rst, "Demo\n====\n\n* a *list*\n")).is_empty());
    let d2 = tempfile::tempdir().unwrap();
    assert!(
        rules_of(&wheel(
            d2.path(),
            Some("text/markdown"),
            "# Demo\n\n*unclosed and `x\n"
        ))
        .is_empty()
    );
    let d3 = tempfile::tempdir().unwrap();
    assert!(rules_of(&wheel(d3.path(), Some("text/plain"), "Demo *unclosed\n")).is_empty());
    // Broken RST.
    let d4 = tempfile::tempdir().unwrap();
    assert_eq!(
        rules_of(&wheel(d4.path(), rst, "Demo *unclosed\n")),
        [readme::RST_RENDER]
    );
    // No content type: read as RST, and said so.
    let d5 = tempfile::tempdir().unwrap();
    assert_eq!(
        rules_of(&wheel(d5.path(), None, "# Title\n\n.. nosuch:: x\n")),
        [readme::NO_CONTENT_TYPE, readme::RST_RENDER]
    );
    // Relative images, each format.
    for (ct, body, uri) in [
        ("text/markdown", "![logo](docs/logo.png)\n", "docs/logo.png"),
        (
            "text/markdown",
            "<img src=\"./a.svg\" width=\"40\">\n",
            "./a.svg",
        ),
        (
            "text/x-rst",
            "Demo\n\n.. image:: docs/logo.png\n",
            "docs/logo.png",
        ),
        (
            "text/x-rst",
            "Demo\n\n.. figure:: img/f.png\n   :width: 10\n\n   Caption.\n",
            "img/f.png",
        ),
        (
            "text/x-rst",
            "Demo |x|\n\n.. |x| image:: badge.svg\n",
            "badge.svg",
        ),
    ] {
        let d = tempfile::tempdir().unwrap();
        let found = readme::findings(&read_dist(&wheel(d.path(), Some(ct), body)).unwrap());
        assert_eq!(found.len(), 1, "{body}: {found:?}");
        assert_eq!(found[0].rule, readme::RELATIVE_IMAGE);
        assert!(found[0].message.contains(uri), "{}", found[0].message);
    }
    // Absolute ones are fine.
    let d6 = tempfile::tempdir().unwrap();
    assert!(
        rules_of(&wheel(
            d6.path(),
            Some("text/markdown"),
            "![l](https://x/l.png) ![d](data:image/png;base64,AA)\n"
        ))
        .is_empty()
    );
}

fn chora_publish(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_chora-publish"))
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITLAB_CI")
        .output()
        .unwrap()
}

#[test]
fn check_refuses_a_wheel_whose_rst_readme_pypi_would_not_render() {
    let dir = tempfile::tempdir().unwrap();
    let path = wheel(
        dir.path(),
        Some("text/x-rst"),
        "Demo\n====\n\nSee `the docs <https://x>`_ and foo_.\n",
    );
    let out = chora_publish(&["check", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("demo_pkg-0.1.0.dist-info/METADATA"),
        "{stderr}"
    );
    assert!(
        stderr.contains("description line 4: (ERROR/3) Unknown target name: \"foo\"."),
        "{stderr}"
    );
    assert!(stderr.contains("[readme/rst-render]"), "{stderr}");

    // The JSON report has it as an error finding.
    let out = chora_publish(&["check", "--format", "json", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report}");
    assert_eq!(findings[0]["rule"], "readme/rst-render");
    assert_eq!(findings[0]["severity"], "error");
    assert_eq!(report["summary"]["ok"], false);

    // Fixed, it passes; a relative image is a warning only.
    let d2 = tempfile::tempdir().unwrap();
    let fixed = wheel(
        d2.path(),
        Some("text/x-rst"),
        "Demo\n====\n\n.. image:: docs/a.png\n\nSee `the docs <https://x>`_.\n",
    );
    let out = chora_publish(&["check", fixed.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: ") && stderr.contains("[readme/relative-image]"),
        "{stderr}"
    );
}

/// Every reStructuredText description of the packages installed in the pinned tools
/// environment (real READMEs: badges, tables, code blocks, changelogs), each as it is and with
/// seeded one-line mutations (a line or blank line dropped, markup characters inserted, a line
/// indented, two lines swapped, a character dropped): chora agrees with readme_renderer on
/// at least 99% of them, and on every unmutated one.
#[test]
fn chora_agrees_with_readme_renderer_on_real_readmes_and_their_mutations() {
    const SCRIPT: &str = r#"
import email, glob, io, pathlib, random, sys, sysconfig
from readme_renderer.rst import render
out = pathlib.Path(sys.argv[1])
random.seed(7)
site = sysconfig.get_paths()["purelib"]
for md in sorted(glob.glob(site + "/*.dist-info/METADATA")):
    msg = email.message_from_string(pathlib.Path(md).read_text(encoding="utf-8", errors="replace"))
    ct = (msg.get("Description-Content-Type") or "text/x-rst").split(";")[0].strip().lower()
    body = msg.get_payload()
    if ct != "text/x-rst" or not isinstance(body, str) or not body.strip():
        continue
    stem = pathlib.Path(md).parent.name
    lines = body.split("\n")
    docs = [(stem, body)]
    for k in range(6):
        ls = list(lines)
        i = random.randrange(len(ls))
        if k == 0 and len(ls) > 3:
            del ls[i]
        elif k == 1:
            blanks = [j for j, l in enumerate(ls) if not l.strip()]
            if blanks:
                del ls[random.choice(blanks)]
        elif k == 2:
            j = random.randrange(len(ls[i]) + 1)
            ls[i] = ls[i][:j] + random.choice(["*", "`", "``", "**", "_", "|"]) + ls[i][j:]
        elif k == 3:
            ls[i] = " " * random.choice([1, 2, 3]) + ls[i]
        elif k == 4 and len(ls) > 2:
            i = min(i, len(ls) - 2)
            ls[i], ls[i + 1] = ls[i + 1], ls[i]
        elif ls[i]:
            j = random.randrange(len(ls[i]))
            ls[i] = ls[i][:j] + ls[i][j + 1:]
        docs.append((f"{stem}-m{k}", "\n".join(ls)))
    for name, text in docs:
        (out / f"{name}.rst").write_text(text, encoding="utf-8")
        ok = render(text, stream=io.StringIO()) is not None
        print(name, "OK" if ok else "FAIL")
"#;
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(support::tool("python"))
        .args(["-c", SCRIPT])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts = String::from_utf8(out.stdout).unwrap();
    let (mut total, mut originals, mut fails) = (0, 0, 0);
    let mut disagree = Vec::new();
    for line in verdicts.lines() {
        let (name, verdict) = line.split_once(' ').unwrap();
        let text = std::fs::read_to_string(dir.path().join(format!("{name}.rst"))).unwrap();
        let renders = verdict == "OK";
        total += 1;
        fails += usize::from(!renders);
        let mutated = name.rsplit_once("-m").is_some_and(|(_, k)| k.len() == 1);
        originals += usize::from(!mutated);
        let diags = rst::check(&text).diags;
        if diags.is_empty() != renders {
            assert!(
                mutated,
                "{name}: readme_renderer {verdict}, chora {diags:?}"
            );
            disagree.push(format!(
                "{name}: readme_renderer {verdict}, chora {diags:?}"
            ));
        }
    }
    println!(
        "{total} documents ({originals} unmutated), {fails} do not render, {} disagree: {disagree:?}",
        disagree.len()
    );
    // twine's dependencies and the other tools: dozens of real RST READMEs.
    assert!(originals >= 30, "{originals} descriptions");
    assert_eq!(total, originals * 7);
    assert!(
        fails * 5 >= total,
        "only {fails} of {total} fail to render: the mutations are too weak"
    );
    assert!(
        disagree.len() * 100 <= total,
        "{} of {total} disagree:\n{}",
        disagree.len(),
        disagree.join("\n")
    );
}
