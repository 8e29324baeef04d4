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
    let mut tree = FileTree::new();
    for file in &template.files {
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
    let source = String::from_utf8(contents.to_vec()).map_err(|_| RenderError::Template {
        file: name.to_string(),
        message: "a .jinja file must be UTF-8 text".into(),
    })?;
    env.set_syntax(env::syntax(delimiters).map_err(|e| template_error(name, &e))?);
    let added = env.add_template_owned(name.to_string(), source);
    env.set_syntax(env::syntax(Delimiters::Default).map_err(|e| template_error(name, &e))?);
    added.map_err(|e| template_error(name, &e))?;
    let template = env
        .get_template(name)
        .map_err(|e| template_error(name, &e))?;
    template
        .render(context)
        .map_err(|e| template_error(name, &e))
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
