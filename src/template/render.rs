//! Rendering a template with answers into an in-memory file tree; nothing touches the disk.

use std::collections::BTreeMap;

use minijinja::{Environment, Value};

use super::env::{self, Delimiters, Facts};
use super::source::Template;
use crate::fs::check_component;

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub contents: Vec<u8>,
    /// Owned by chora (checked for drift) rather than a seed the user owns.
    pub managed: bool,
}

/// Generated files by output path (relative, `/`-separated), sorted.
pub type FileTree = BTreeMap<String, GeneratedFile>;

/// Why rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template file {file}: {message}")]
    Template { file: String, message: String },
    #[error(transparent)]
    UnsafePath(#[from] crate::fs::FsError),
    #[error("two template files render to the same path {0}")]
    Duplicate(String),
}

/// The reserved folder of a template holding partials: files other templates `[% import %]` or
/// `[% include %]` by their path (`_partials/upload-steps.yml.jinja-gh`), and that are never
/// written into a project. chora's own code renders them too (`migrate::publisher`).
pub const PARTIALS_DIR: &str = "_partials";

/// True for a source path inside [`PARTIALS_DIR`].
pub fn is_partial(path: &str) -> bool {
    path.strip_prefix(PARTIALS_DIR)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// Register every partial of `template` in `env` under its source path, compiled with the
/// delimiters its suffix names (`.jinja-gh`: brackets, otherwise the default ones).
pub fn register_partials(
    env: &mut Environment<'static>,
    template: &Template,
) -> Result<(), RenderError> {
    for file in template.files.iter().filter(|f| is_partial(&f.path)) {
        let delimiters = classify(&file.path).1.unwrap_or(Delimiters::Default);
        add_source(env, &file.path, &file.contents, delimiters)?;
    }
    Ok(())
}

/// How a source file is turned into output: its delimiter style, or copied verbatim.
fn classify(path: &str) -> (String, Option<Delimiters>) {
    if let Some(stem) = path.strip_suffix(".jinja-gh") {
        (stem.to_string(), Some(Delimiters::Brackets))
    } else if let Some(stem) = path.strip_suffix(".jinja") {
        (stem.to_string(), Some(Delimiters::Default))
    } else {
        (path.to_string(), None)
    }
}

fn template_error(file: &str, err: &minijinja::Error) -> RenderError {
    RenderError::Template {
        file: file.to_string(),
        message: crate::exit::error_chain(err),
    }
}

/// Render every file of `template` with `context` (answers plus built-ins).
pub fn render(
    template: &Template,
    context: &Value,
    facts: &Facts,
) -> Result<FileTree, RenderError> {
    let mut env = env::build(facts).map_err(|e| template_error("(environment)", &e))?;
    let managed = managed_matcher(template)?;
    register_partials(&mut env, template)?;
    let mut tree = FileTree::new();
    for file in template.files.iter().filter(|f| !is_partial(&f.path)) {
        if let Some(condition) = template.spec.when.get(&file.path)
            && !eval_bool(&env, condition, context).map_err(|e| template_error(&file.path, &e))?
        {
            continue;
        }
        let (out_path, delimiters) = classify(&file.path);
        let Some(out_path) = render_path(&env, &out_path, context, &file.path)? else {
            continue;
        };
        let contents = match delimiters {
            None => file.contents.clone(),
            Some(delimiters) => {
                render_file(&mut env, &file.path, &file.contents, delimiters, context)?.into_bytes()
            }
        };
        let is_managed = managed.is_match(&out_path);
        if tree
            .insert(
                out_path.clone(),
                GeneratedFile {
                    contents,
                    managed: is_managed,
                },
            )
            .is_some()
        {
            return Err(RenderError::Duplicate(out_path));
        }
    }
    Ok(tree)
}

/// The template's `managed:` globs as one matcher over output paths.
pub fn managed_matcher(template: &Template) -> Result<globset::GlobSet, RenderError> {
    let mut builder = globset::GlobSetBuilder::new();
    for pattern in &template.spec.managed {
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| RenderError::Template {
                file: "template.yml".into(),
                message: e.to_string(),
            })?;
        builder.add(glob);
    }
    builder.build().map_err(|e| RenderError::Template {
        file: "template.yml".into(),
        message: e.to_string(),
    })
}

fn render_file(
    env: &mut Environment<'static>,
    name: &str,
    contents: &[u8],
    delimiters: Delimiters,
    context: &Value,
) -> Result<String, RenderError> {
    add_source(env, name, contents, delimiters)?;
    let template = env
        .get_template(name)
        .map_err(|e| template_error(name, &e))?;
    template
        .render(context)
        .map_err(|e| template_error(name, &e))
}

/// Compile a template file into `env` under `name` with its delimiters (the environment's
/// default syntax is restored afterwards).
pub fn add_source(
    env: &mut Environment<'static>,
    name: &str,
    contents: &[u8],
    delimiters: Delimiters,
) -> Result<(), RenderError> {
    let source = String::from_utf8(contents.to_vec()).map_err(|_| RenderError::Template {
        file: name.to_string(),
        message: "a .jinja file must be UTF-8 text".into(),
    })?;
    env.set_syntax(env::syntax(delimiters).map_err(|e| template_error(name, &e))?);
    let added = env.add_template_owned(name.to_string(), source);
    env.set_syntax(env::syntax(Delimiters::Default).map_err(|e| template_error(name, &e))?);
    added.map_err(|e| template_error(name, &e))
}

/// Render each component of a path; `None` when a component renders empty (the file is
/// skipped). Every rendered component must be a plain name.
fn render_path(
    env: &Environment<'static>,
    path: &str,
    context: &Value,
    source_name: &str,
) -> Result<Option<String>, RenderError> {
    let mut parts = Vec::new();
    for part in path.split('/') {
        let rendered = if part.contains("{{") || part.contains("{%") {
            env.render_str(part, context)
                .map_err(|e| template_error(source_name, &e))?
        } else {
            part.to_string()
        };
        if rendered.is_empty() {
            return Ok(None);
        }
        parts.push(rendered);
    }
    let joined = parts.join("/");
    for part in &parts {
        check_component(part, &joined)?;
    }
    Ok(Some(joined))
}

/// Evaluate a minijinja expression as a truth value.
pub fn eval_bool(
    env: &Environment<'static>,
    expr: &str,
    context: &Value,
) -> Result<bool, minijinja::Error> {
    let compiled = env.compile_expression(expr)?;
    Ok(compiled.eval(context)?.is_true())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::source::{self, SourceFile};

    fn file(path: &str, text: &str) -> SourceFile {
        SourceFile {
            path: path.to_string(),
            contents: text.as_bytes().to_vec(),
        }
    }

    fn template(files: Vec<SourceFile>) -> Template {
        let mut all = vec![file(
            "template.yml",
            "name: t\ndescription: a test template\nquestions: []\n",
        )];
        all.extend(files);
        source::from_files("t", all).unwrap()
    }

    #[test]
    fn partials_are_importable_and_includable_but_never_output() {
        let t = template(vec![
            file(
                "_partials/macros.yml.jinja-gh",
                "[% macro greet(who) %]hi [[ who ]] ${{ github.actor }}[% endmacro %]\n",
            ),
            file("_partials/note.md.jinja", "note: {{ name }}\n"),
            file(
                "wf.yml.jinja-gh",
                "[% import \"_partials/macros.yml.jinja-gh\" as m %]\nrun: [[ m.greet(name) ]]\n",
            ),
            file(
                "README.md.jinja",
                "{% include \"_partials/note.md.jinja\" %}end\n",
            ),
            file("_partialsnot/kept.txt", "kept\n"),
        ]);
        let context = minijinja::context! { name => "ada" };
        let tree = render(&t, &context, &Facts::default()).unwrap();
        let paths: Vec<&str> = tree.keys().map(String::as_str).collect();
        assert_eq!(paths, ["README.md", "_partialsnot/kept.txt", "wf.yml"]);
        let text = |p: &str| String::from_utf8(tree[p].contents.clone()).unwrap();
        assert_eq!(text("wf.yml"), "run: hi ada ${{ github.actor }}\n");
        assert_eq!(text("README.md"), "note: ada\nend\n");
    }

    #[test]
    fn a_broken_partial_names_itself() {
        let t = template(vec![file("_partials/bad.jinja", "{% if %}\n")]);
        let err = render(&t, &minijinja::context! {}, &Facts::default()).unwrap_err();
        assert!(err.to_string().contains("_partials/bad.jinja"), "{err}");
    }

    #[test]
    fn only_the_reserved_folder_holds_partials() {
        assert!(is_partial("_partials/a.jinja"));
        assert!(is_partial("_partials/sub/a.jinja-gh"));
        assert!(!is_partial("_partials"));
        assert!(!is_partial("_partialsx/a"));
        assert!(!is_partial("docs/_partials/a"));
    }
}
