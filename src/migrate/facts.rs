//! What the trusted-publisher form on PyPI needs, gathered from the repository: owner and
//! repository from the git remote, the project name from pyproject.toml / setup.cfg / setup.py
//! (read, never executed), and the pre-filled form link and value list built from them.

use std::fmt::Write as _;
use std::path::Path;

use crate::fs::limits;
use crate::workflow::model::Index;

/// Facts about the repository being migrated; `None` where they cannot be found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectFacts {
    pub owner: Option<String>,
    pub repository: Option<String>,
    pub project_name: Option<String>,
    /// The git remote owner and repository came from (`origin`, or the only GitHub remote).
    pub remote: Option<String>,
    /// Where the project name came from.
    pub project_name_source: Option<NameSource>,
}

/// The file (and key) a project name was read from, in the order they are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameSource {
    /// `pyproject.toml` `[project].name`.
    Pyproject,
    /// `pyproject.toml` `[tool.poetry].name`.
    Poetry,
    /// `setup.cfg` `[metadata] name`.
    SetupCfg,
    /// A string literal `name="…"` in the `setup(…)` call of `setup.py`.
    SetupPy,
}

impl NameSource {
    /// Where the name was found, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            NameSource::Pyproject => "pyproject.toml [project].name",
            NameSource::Poetry => "pyproject.toml [tool.poetry].name",
            NameSource::SetupCfg => "setup.cfg [metadata] name",
            NameSource::SetupPy => "setup.py setup(name=…)",
        }
    }
}

/// Gather the facts of the repository at `root` (never fails: missing facts are `None`).
pub fn gather(root: &Path) -> ProjectFacts {
    let mut facts = ProjectFacts::default();
    if let Some((remote, (owner, repository))) = github_remote(root) {
        facts.owner = Some(owner);
        facts.repository = Some(repository);
        facts.remote = Some(remote);
    }
    if let Some((name, source)) = project_name(root) {
        facts.project_name = Some(name);
        facts.project_name_source = Some(source);
    }
    facts
}

/// Owner and repository of `origin` when it is on GitHub, else of the only GitHub remote.
fn github_remote(root: &Path) -> Option<(String, (String, String))> {
    let repo = crate::git::discover(root)?;
    if let Some(found) = crate::git::github_remote(&repo) {
        return Some(("origin".to_string(), found));
    }
    let names = repo.remotes().ok()?;
    let mut on_github = names.iter().filter_map(|name| {
        let name = name.ok()??;
        let remote = repo.find_remote(name).ok()?;
        let parsed = crate::git::parse_github_url(remote.url().ok()?)?;
        Some((name.to_string(), parsed))
    });
    let first = on_github.next()?;
    // Two GitHub remotes (a fork and its upstream, say) and no origin: which one publishes is
    // a guess, so none is taken.
    on_github.next().is_none().then_some(first)
}

/// The project name from the first source that declares a valid one.
fn project_name(root: &Path) -> Option<(String, NameSource)> {
    let read = |file: &str| {
        crate::fs::read_regular_text(&root.join(file), limits::DATA_FILE, "a project file").ok()
    };
    let valid =
        |name: Option<String>, source| name.filter(|n| is_project_name(n)).map(|n| (n, source));
    if let Some(text) = read("pyproject.toml")
        && let Ok(doc) = toml_edit::Document::parse(text)
    {
        let table = doc.as_table();
        let name_in = |path: &[&str]| {
            let mut item = table.get(path.first()?)?;
            for key in path.iter().skip(1) {
                item = item.get(key)?;
            }
            item.get("name")?.as_str().map(str::to_string)
        };
        if let Some(found) = valid(name_in(&["project"]), NameSource::Pyproject) {
            return Some(found);
        }
        if let Some(found) = valid(name_in(&["tool", "poetry"]), NameSource::Poetry) {
            return Some(found);
        }
    }
    if let Some(text) = read("setup.cfg")
        && let Some(found) = valid(setup_cfg_name(&text), NameSource::SetupCfg)
    {
        return Some(found);
    }
    read("setup.py").and_then(|text| valid(setup_py_name(&text), NameSource::SetupPy))
}

/// `name` in the `[metadata]` section of a setup.cfg (configparser syntax: `=` or `:`, keys
/// case-insensitive, `#`/`;` comments).
fn setup_cfg_name(text: &str) -> Option<String> {
    let mut in_metadata = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with(['#', ';']) || trimmed.is_empty() {
            continue;
        }
        if let Some(section) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            in_metadata = section.trim() == "metadata";
            continue;
        }
        // A continuation line (indented) belongs to the previous key.
        if !in_metadata || line.starts_with([' ', '\t']) {
            continue;
        }
        let split = trimmed.find(['=', ':'])?;
        let (key, value) = (&trimmed[..split], &trimmed[split + 1..]);
        if key.trim().eq_ignore_ascii_case("name") {
            return Some(value.trim().to_string());
        }
    }
    None
}

/// The string literal given as `name=` in the `setup(…)` call of a setup.py; nothing is
/// executed, so a computed name is not found.
fn setup_py_name(text: &str) -> Option<String> {
    let call = regex_lite::Regex::new(r"\bsetup\s*\(").ok()?;
    let start = call.find(text)?.end();
    let rest = text.get(start..)?;
    let name = regex_lite::Regex::new(r#"\bname\s*=\s*(?:"([^"\n]*)"|'([^'\n]*)')"#).ok()?;
    let captures = name.captures(rest)?;
    captures
        .get(1)
        .or_else(|| captures.get(2))
        .map(|m| m.as_str().to_string())
}

/// A valid PyPI project name (PEP 508: letters, digits, `.`, `_`, `-`, starting and ending
/// with a letter or digit).
pub fn is_project_name(name: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    !name.is_empty()
        && name.len() <= 200
        && edge(name.chars().next())
        && edge(name.chars().last())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// What to enter in one trusted-publisher form (PyPI's or TestPyPI's "GitHub" tab).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublisherValues {
    pub owner: String,
    pub repository: String,
    /// The workflow's file name (`release.yml`), not its path.
    pub workflow: String,
    /// The GitHub environment of the publishing job.
    pub environment: String,
    pub project_name: String,
    /// PyPI or TestPyPI.
    pub index: Index,
}

impl PublisherValues {
    /// The index's web host, `None` for an index other than PyPI and TestPyPI.
    fn host(&self) -> Option<&'static str> {
        match self.index {
            Index::Pypi => Some("https://pypi.org"),
            Index::TestPypi => Some("https://test.pypi.org"),
            Index::Other(_) => None,
        }
    }

    /// The index's name for people: `PyPI` or `TestPyPI`.
    pub fn service(&self) -> &str {
        match &self.index {
            Index::Pypi => "PyPI",
            Index::TestPypi => "TestPyPI",
            Index::Other(other) => other,
        }
    }
}

/// The pre-filled "add a trusted publisher" link of an existing project (PyPI has no API to
/// register one): the project's publishing settings with the GitHub form filled from the query
/// (`provider`, `owner`, `repository`, `workflow_filename`, `environment`; warehouse#16399).
/// The pending-publisher page of a new project (`/manage/account/publishing/`) takes no
/// pre-filled values; [`pending_publisher_link`] names it.
pub fn pypi_form_link(values: &PublisherValues) -> String {
    let host = values.host().unwrap_or("https://pypi.org");
    format!(
        "{host}/manage/project/{}/settings/publishing/?provider=github&owner={}&repository={}&workflow_filename={}&environment={}",
        query(&crate::names::pep503(&values.project_name)),
        query(&values.owner),
        query(&values.repository),
        query(&values.workflow),
        query(&values.environment),
    )
}

/// Where a pending publisher is added for a project that does not exist yet on the index.
pub fn pending_publisher_link(values: &PublisherValues) -> String {
    let host = values.host().unwrap_or("https://pypi.org");
    format!("{host}/manage/account/publishing/")
}

/// The values as the form asks them, one `Field: value` line each, with the links.
/// A value chora could not find, shown as `<…>` for the reader to fill in.
pub fn placeholder(what: &str) -> String {
    format!("<{what}>")
}

fn is_placeholder(value: &str) -> bool {
    value.starts_with('<') && value.ends_with('>')
}

pub fn form_text(values: &PublisherValues) -> String {
    let mut out = String::new();
    let service = values.service();
    let _ = writeln!(out, "{service} trusted publisher (the \"GitHub\" tab):");
    let rows = [
        (
            "PyPI Project Name (pending publishers only)",
            &values.project_name,
        ),
        ("Owner", &values.owner),
        ("Repository name", &values.repository),
        ("Workflow name", &values.workflow),
        ("Environment name", &values.environment),
    ];
    for (field, value) in rows {
        let _ = writeln!(out, "  {field}: {}", crate::text::excerpt(value, 200));
    }
    if [
        &values.project_name,
        &values.owner,
        &values.repository,
        &values.environment,
    ]
    .iter()
    .any(|v| is_placeholder(v))
    {
        let _ = writeln!(
            out,
            "  Existing project: the project's Settings -> Publishing page on {service} (fill in the values chora could not find)"
        );
    } else {
        let _ = writeln!(
            out,
            "  Existing project, pre-filled: {}",
            pypi_form_link(values)
        );
    }
    let _ = writeln!(
        out,
        "  New project (pending publisher): {}",
        pending_publisher_link(values)
    );
    out
}

/// Percent-encode a query value: everything but RFC 3986 unreserved characters.
fn query(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, file: &str, text: &str) {
        std::fs::write(root.join(file), text).unwrap();
    }

    fn values(index: Index) -> PublisherValues {
        PublisherValues {
            owner: "octo-org".into(),
            repository: "demo.py".into(),
            workflow: "publish.yml".into(),
            environment: "release env".into(),
            project_name: "Demo_Pkg".into(),
            index,
        }
    }

    #[test]
    fn owner_and_repository_come_from_origin_in_any_shape() {
        for url in [
            "https://github.com/octo/pkg.git",
            "git@github.com:octo/pkg.git",
            "ssh://git@github.com/octo/pkg",
        ] {
            let dir = tempfile::tempdir().unwrap();
            let repo = crate::git::init(dir.path()).unwrap();
            repo.remote("origin", url).unwrap();
            std::fs::create_dir(dir.path().join("sub")).unwrap();
            let facts = gather(&dir.path().join("sub"));
            assert_eq!(facts.owner.as_deref(), Some("octo"), "{url}");
            assert_eq!(facts.repository.as_deref(), Some("pkg"), "{url}");
            assert_eq!(facts.remote.as_deref(), Some("origin"));
        }
    }

    #[test]
    fn without_origin_only_a_single_github_remote_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let repo = crate::git::init(dir.path()).unwrap();
        repo.remote("upstream", "https://github.com/up/pkg")
            .unwrap();
        repo.remote("mirror", "https://gitlab.com/other/pkg")
            .unwrap();
        let facts = gather(dir.path());
        assert_eq!(facts.owner.as_deref(), Some("up"));
        assert_eq!(facts.remote.as_deref(), Some("upstream"));
        repo.remote("fork", "git@github.com:me/pkg.git").unwrap();
        let facts = gather(dir.path());
        assert_eq!(
            (facts.owner, facts.repository, facts.remote),
            (None, None, None)
        );
    }

    #[test]
    fn nothing_found_is_none_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(gather(dir.path()), ProjectFacts::default());
    }

    #[test]
    fn project_name_sources_are_tried_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let name = |root: &Path| {
            let facts = gather(root);
            (facts.project_name, facts.project_name_source)
        };
        write(
            root,
            "setup.py",
            "from setuptools import setup\nNAME = 'x'\nsetup(\n    version='1',\n    name=\"from-setup-py\",\n)\n",
        );
        assert_eq!(
            name(root),
            (Some("from-setup-py".into()), Some(NameSource::SetupPy))
        );
        write(
            root,
            "setup.cfg",
            "[options]\nname = wrong\n[metadata]\n# c\nName : from_setup_cfg\n",
        );
        assert_eq!(
            name(root),
            (Some("from_setup_cfg".into()), Some(NameSource::SetupCfg))
        );
        write(
            root,
            "pyproject.toml",
            "[tool.poetry]\nname = \"from.poetry\"\n",
        );
        assert_eq!(
            name(root),
            (Some("from.poetry".into()), Some(NameSource::Poetry))
        );
        write(
            root,
            "pyproject.toml",
            "[tool.poetry]\nname = \"from.poetry\"\n\n[project]\nname = 'FromProject'\n",
        );
        assert_eq!(
            name(root),
            (Some("FromProject".into()), Some(NameSource::Pyproject))
        );
    }

    #[test]
    fn invalid_or_computed_names_fall_through() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        // A dynamic name is not a name; an invalid TOML file is skipped.
        write(root, "pyproject.toml", "[project]\nname = \"${NAME}\"\n");
        write(root, "setup.cfg", "[metadata]\nname = attr: pkg.NAME\n");
        write(
            root,
            "setup.py",
            "import os\nsetup(name=os.environ['N'], version='1')\n",
        );
        assert_eq!(gather(root).project_name, None);
        write(root, "pyproject.toml", "[project\nname = \"broken\"\n");
        write(root, "setup.py", "setup(name = 'ok-name')\n");
        assert_eq!(gather(root).project_name.as_deref(), Some("ok-name"));
        // `package_name=` is not `name=`, and a literal before setup( is not its argument.
        write(
            root,
            "setup.py",
            "name = 'outside'\nsetup(package_name='x')\n",
        );
        assert_eq!(gather(root).project_name, None);
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_and_oversized_project_files_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "elsewhere.toml", "[project]\nname = \"linked\"\n");
        std::os::unix::fs::symlink(root.join("elsewhere.toml"), root.join("pyproject.toml"))
            .unwrap();
        let big = format!(
            "[metadata]\nname = big\n{}",
            "#".repeat(limits::DATA_FILE as usize)
        );
        write(root, "setup.cfg", &big);
        assert_eq!(gather(root).project_name, None);
    }

    #[test]
    fn form_link_is_prefilled_and_encoded() {
        assert_eq!(
            pypi_form_link(&values(Index::Pypi)),
            "https://pypi.org/manage/project/demo-pkg/settings/publishing/?provider=github\
             &owner=octo-org&repository=demo.py&workflow_filename=publish.yml\
             &environment=release%20env"
        );
        let test = pypi_form_link(&values(Index::TestPypi));
        assert!(
            test.starts_with("https://test.pypi.org/manage/project/demo-pkg/settings/publishing/?"),
            "{test}"
        );
        let mut hostile = values(Index::Pypi);
        hostile.environment = "a&b=c#d/e?".into();
        assert!(
            pypi_form_link(&hostile).ends_with("&environment=a%26b%3Dc%23d%2Fe%3F"),
            "{}",
            pypi_form_link(&hostile)
        );
    }

    #[test]
    fn form_text_lists_the_fields_pypi_asks() {
        let text = form_text(&values(Index::TestPypi));
        let expected = [
            "TestPyPI trusted publisher (the \"GitHub\" tab):",
            "  PyPI Project Name (pending publishers only): Demo_Pkg",
            "  Owner: octo-org",
            "  Repository name: demo.py",
            "  Workflow name: publish.yml",
            "  Environment name: release env",
            "  Existing project, pre-filled: https://test.pypi.org/manage/project/demo-pkg/",
            "  New project (pending publisher): https://test.pypi.org/manage/account/publishing/",
        ];
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), expected.len(), "{text}");
        for (line, want) in lines.iter().zip(expected) {
            assert!(
                line.starts_with(want),
                "{line:?} does not start with {want:?}"
            );
        }
    }

    #[test]
    fn a_value_not_found_is_a_placeholder_and_no_link_is_prefilled_with_it() {
        let mut v = values(Index::Pypi);
        v.owner = placeholder("the GitHub owner: no github.com remote found");
        let text = form_text(&v);
        assert!(
            text.contains("  Owner: <the GitHub owner: no github.com remote found>\n"),
            "{text}"
        );
        assert!(!text.contains("pre-filled"), "{text}");
        assert!(!text.contains("owner=%3C"), "{text}");
        assert!(
            text.contains("fill in the values chora could not find"),
            "{text}"
        );
    }
}
