//! Source spans for workflow routes, from the tree-sitter YAML tree. The answers are those of
//! `yamlpath` (`query_pretty` for a pair, `query_exact` for a value; aliases followed through
//! the anchor defined last before them), but each route prefix is descended once and
//! remembered, where a `yamlpath` query walks from the document root every time: a workflow
//! asks for hundreds of spans that share their first steps (`jobs.<id>.steps[i]…`). The parse
//! and the anchor map are also cheaper (the tree is walked for anchors only when the text has an
//! `&`). `read::parse_with_yamlpath` keeps the `yamlpath` reader, and the tests in
//! tests/workflow_spans.rs compare the two over the corpus and generated workflows.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use tree_sitter::{Node, Parser};

use super::model::{Segment, Span};
use super::read::Locate;

/// A parsed YAML document without syntax errors.
pub(super) struct Tree<'s> {
    source: &'s str,
    tree: tree_sitter::Tree,
}

thread_local! {
    /// One parser per thread (creating one and loading the language costs more than a small
    /// workflow's parse).
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

impl<'s> Tree<'s> {
    /// Parse `source`; `None` when tree-sitter finds a syntax error (as `yamlpath` refuses it).
    pub(super) fn parse(source: &'s str) -> Option<Tree<'s>> {
        let tree = PARSER.with(|cell| {
            let mut slot = cell.try_borrow_mut().ok()?;
            if slot.is_none() {
                let mut parser = Parser::new();
                parser
                    .set_language(&tree_sitter_yaml::LANGUAGE.into())
                    .ok()?;
                *slot = Some(parser);
            }
            slot.as_mut()?.parse(source, None)
        })?;
        if tree.root_node().has_error() {
            return None;
        }
        Some(Tree { source, tree })
    }

    /// The span source over this tree; `None` when an anchor has nothing to name (a document
    /// `yamlpath` refuses too).
    pub(super) fn locator(&self, bom: usize, len: usize) -> Option<Spans<'_>> {
        let anchors = if self.source.contains('&') {
            anchor_map(self.source, self.tree.root_node())?
        } else {
            HashMap::new()
        };
        Some(Spans {
            source: self.source,
            top: top_object(self.tree.root_node()),
            anchors,
            descended: RefCell::new(HashMap::new()),
            bom,
            len,
        })
    }
}

/// Anchor name -> (anchor's start byte -> the node it names).
type Anchors<'t> = HashMap<&'t str, BTreeMap<usize, Node<'t>>>;

/// Every `&name` of the tree with the node it names (its first sibling that is neither an
/// anchor nor a comment); `None` when one has no such sibling.
fn anchor_map<'t>(source: &'t str, root: Node<'t>) -> Option<Anchors<'t>> {
    let mut map: Anchors<'t> = HashMap::new();
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if node.kind() == "anchor" {
            let name = text(source, node).get(1..)?;
            let parent = node.parent()?;
            let mut siblings = parent.walk();
            let target = parent
                .named_children(&mut siblings)
                .find(|c| !is(c, "anchor") && !is(c, "comment"))?;
            map.entry(name)
                .or_default()
                .insert(node.start_byte(), target);
        }
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return Some(map);
            }
        }
    }
}

fn is(node: &Node<'_>, kind: &str) -> bool {
    node.kind() == kind
}

fn is_pair(node: &Node<'_>) -> bool {
    matches!(node.kind(), "block_mapping_pair" | "flow_pair")
}

fn is_block_or_flow_node(node: &Node<'_>) -> bool {
    matches!(node.kind(), "block_node" | "flow_node")
}

fn text<'t>(source: &'t str, node: Node<'_>) -> &'t str {
    source
        .get(node.start_byte()..node.end_byte())
        .unwrap_or_default()
}

/// The document's first block or flow node.
fn top_object(root: Node<'_>) -> Option<Node<'_>> {
    let mut cursor = root.walk();
    let document = root
        .named_children(&mut cursor)
        .find(|c| is(c, "document"))?;
    let mut cursor = document.walk();
    document
        .named_children(&mut cursor)
        .find(is_block_or_flow_node)
}

/// Spans for routes, each route prefix descended once.
pub(super) struct Spans<'t> {
    source: &'t str,
    top: Option<Node<'t>>,
    anchors: Anchors<'t>,
    /// Route -> the node a descent along it reaches (`None`: it fails there).
    descended: RefCell<HashMap<Vec<Segment>, Option<Node<'t>>>>,
    bom: usize,
    len: usize,
}

impl<'t> Spans<'t> {
    /// The node named by the anchor `name` defined last before `position`.
    fn resolve(&self, name: &str, position: usize) -> Option<Node<'t>> {
        self.anchors
            .get(name)?
            .range(..position)
            .next_back()
            .map(|(_, node)| *node)
    }

    /// The node reached by descending `route` from the top object.
    fn descend_route(&self, route: &[Segment]) -> Option<Node<'t>> {
        let Some((last, parent)) = route.split_last() else {
            return self.top;
        };
        if let Ok(cache) = self.descended.try_borrow()
            && let Some(found) = cache.get(route)
        {
            return *found;
        }
        let found = self
            .descend_route(parent)
            .and_then(|node| self.descend(node, last));
        if let Ok(mut cache) = self.descended.try_borrow_mut() {
            cache.insert(route.to_vec(), found);
        }
        found
    }

    /// One step down from a block or flow node.
    fn descend(&self, node: Node<'t>, segment: &Segment) -> Option<Node<'t>> {
        let mut cursor = node.walk();
        let mut child = node
            .named_children(&mut cursor)
            .find(|n| !is(n, "anchor"))?;
        if is(&child, "alias") {
            let name = text(self.source, node).get(1..)?;
            child = self.resolve(name, node.start_byte())?;
        }
        match (child.kind(), segment) {
            ("block_mapping" | "flow_mapping", Segment::Key(key)) => self.descend_mapping(child, key),
            ("block_sequence" | "flow_sequence", Segment::Index(i)) => {
                descend_sequence(child, *i)
            }
            _ => None,
        }
    }

    fn descend_mapping(&self, node: Node<'t>, expected: &str) -> Option<Node<'t>> {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            let key = if is_pair(&child) {
                child.child_by_field_name("key")?
            } else if is(&child, "flow_node") {
                child
            } else {
                continue;
            };
            let mut inner = key.walk();
            let scalar = key.named_children(&mut inner).find(|n| !is(n, "anchor"));
            let name = match scalar {
                Some(scalar) => {
                    let name = text(self.source, scalar);
                    if matches!(scalar.kind(), "single_quote_scalar" | "double_quote_scalar") {
                        let mut chars = name.chars();
                        chars.next();
                        chars.next_back();
                        chars.as_str()
                    } else {
                        name
                    }
                }
                None => text(self.source, key),
            };
            if name == expected {
                return Some(child.child_by_field_name("value").unwrap_or(child));
            }
        }
        None
    }

    /// The node at `route` for a pair (`pretty`) or the value alone; `None` when a step fails.
    fn query(&self, route: &[Segment], pretty: bool) -> Option<Node<'t>> {
        let reached = self.descend_route(route)?;
        let resolved = match reached.child(0) {
            Some(child) if is(&child, "alias") => {
                let name = text(self.source, child).get(1..)?;
                self.resolve(name, child.start_byte())?
            }
            Some(child) if is(&child, "anchor") => {
                let mut cursor = reached.walk();
                reached
                    .named_children(&mut cursor)
                    .find(|n| !is(n, "anchor"))
                    .unwrap_or(reached)
            }
            _ => reached,
        };
        if !pretty {
            return Some(resolved);
        }
        // The alias (or anchored node) where it stands, not what it names.
        let structural = if reached.id() != resolved.id() {
            reached
        } else {
            resolved
        };
        let ends_in_key = matches!(route.last(), Some(Segment::Key(_)));
        let mut node = if ends_in_key && !is_pair(&structural) {
            structural.parent()?
        } else {
            structural
        };
        if ends_in_key && !is(&node, "block_mapping_pair") {
            node = node.parent()?;
        }
        Some(node)
    }

    fn span_of(&self, node: Node<'_>) -> Span {
        let start = node.start_position();
        Span {
            start: node.start_byte() + self.bom,
            end: node.end_byte() + self.bom,
            line: start.row + 1,
            column: start.column + 1 + if start.row == 0 { self.bom } else { 0 },
        }
    }
}

/// The `idx`-th item of a sequence (every item must hold a node, as `yamlpath` requires).
fn descend_sequence(node: Node<'_>, idx: usize) -> Option<Node<'_>> {
    let mut cursor = node.walk();
    let mut items = Vec::new();
    for child in node.named_children(&mut cursor) {
        let item = match child.kind() {
            "block_sequence_item" => {
                let mut inner = child.walk();
                child
                    .named_children(&mut inner)
                    .find(is_block_or_flow_node)?
            }
            "flow_node" | "flow_pair" => child,
            _ => continue,
        };
        items.push(item);
    }
    let item = *items.get(idx)?;
    if is(&item, "flow_pair") {
        return Some(item.child_by_field_name("value").unwrap_or(item));
    }
    Some(item)
}

impl Locate for Spans<'_> {
    fn span(&self, route: &[Segment]) -> Span {
        let mut route = route;
        loop {
            if let Some(node) = self.query(route, true) {
                return self.span_of(node);
            }
            match route.split_last() {
                Some((_, parent)) => route = parent,
                None => {
                    return Span {
                        start: self.bom,
                        end: self.len,
                        line: 1,
                        column: 1,
                    };
                }
            }
        }
    }

    fn value_span(&self, route: &[Segment]) -> Span {
        match self.query(route, false) {
            Some(node) if !is_pair(&node) => self.span_of(node),
            _ => self.span(route),
        }
    }
}
