//! The directives docutils knows, and the shape of the common ones (arguments, options,
//! content) as docutils checks them: too many arguments, unknown options, invalid option
//! blocks, content where none is permitted or none where it is required — the errors a
//! missing blank line after `.. code-block:: python` produces.

/// The directives docutils knows (English names).
pub const DIRECTIVES: &[&str] = &[
    "attention",
    "caution",
    "danger",
    "error",
    "hint",
    "important",
    "note",
    "tip",
    "warning",
    "admonition",
    "sidebar",
    "topic",
    "line-block",
    "parsed-literal",
    "code",
    "code-block",
    "sourcecode",
    "math",
    "rubric",
    "epigraph",
    "highlights",
    "pull-quote",
    "compound",
    "container",
    "table",
    "csv-table",
    "list-table",
    "meta",
    "image",
    "figure",
    "include",
    "raw",
    "replace",
    "unicode",
    "date",
    "class",
    "rst-class",
    "role",
    "default-role",
    "title",
    "contents",
    "sectnum",
    "section-numbering",
    "header",
    "footer",
    "target-notes",
    "restructuredtext-test-directive",
];

/// Directives whose content is body elements (parsed as such).
pub const BODY: &[&str] = &[
    "attention",
    "caution",
    "danger",
    "error",
    "hint",
    "important",
    "note",
    "tip",
    "warning",
    "admonition",
    "sidebar",
    "topic",
    "epigraph",
    "highlights",
    "pull-quote",
    "compound",
    "container",
    "table",
    "list-table",
    "class",
    "rst-class",
    "header",
    "footer",
    "figure",
];

/// What a directive takes.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub required: usize,
    pub optional: usize,
    /// The last argument may contain white space (a title, a URI split over lines).
    pub final_whitespace: bool,
    /// `Some(true)`: content required; `Some(false)`: permitted; `None`: not permitted.
    pub content: Option<bool>,
    pub options: &'static [&'static str],
}

const IMAGE_OPTIONS: &[&str] = &[
    "alt", "height", "width", "scale", "align", "target", "class", "name", "loading",
];
const FIGURE_OPTIONS: &[&str] = &[
    "alt", "height", "width", "scale", "align", "target", "class", "name", "loading", "figwidth",
    "figclass",
];
const CLASS_NAME: &[&str] = &["class", "name"];

/// The shape of `name`, when chora knows it (the others are not checked beyond their name).
pub fn spec(name: &str) -> Option<Spec> {
    let s = |required, optional, final_whitespace, content, options| Spec {
        required,
        optional,
        final_whitespace,
        content,
        options,
    };
    Some(match name {
        "attention" | "caution" | "danger" | "error" | "hint" | "important" | "note" | "tip"
        | "warning" => s(0, 0, false, Some(true), CLASS_NAME),
        "admonition" | "topic" => s(1, 0, true, Some(true), CLASS_NAME),
        "sidebar" => s(0, 1, true, Some(true), &["subtitle", "class", "name"]),
        "image" => s(1, 0, true, None, IMAGE_OPTIONS),
        "figure" => s(1, 0, true, Some(false), FIGURE_OPTIONS),
        "code" | "code-block" | "sourcecode" => {
            s(0, 1, false, Some(true), &["class", "name", "number-lines"])
        }
        "contents" => s(0, 1, true, None, &["depth", "local", "backlinks", "class"]),
        "list-table" => s(
            0,
            1,
            true,
            Some(true),
            &[
                "header-rows",
                "stub-columns",
                "width",
                "widths",
                "class",
                "name",
                "align",
            ],
        ),
        "container" => s(0, 1, true, Some(true), &["name"]),
        "rubric" => s(1, 0, true, None, CLASS_NAME),
        "parsed-literal" => s(0, 0, false, Some(true), CLASS_NAME),
        "table" => s(
            0,
            1,
            true,
            Some(true),
            &["class", "name", "align", "width", "widths"],
        ),
        _ => return None,
    })
}

/// Allowed `:align:` values.
pub fn align_values(name: &str) -> &'static [&'static str] {
    match name {
        "image" => &["top", "middle", "bottom", "left", "center", "right"],
        _ => &["left", "center", "right"],
    }
}
