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
use std::num::NonZeroU16;
use std::sync::OnceLock;

use tree_sitter::{Language, Node, Parser};

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
            descended: RefCell::new(Vec::new()),
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
        if is(&node, Kind::Anchor) {
            let name = text(source, node).get(1..)?;
            let parent = node.parent()?;
            let mut siblings = parent.walk();
            let target = parent
                .named_children(&mut siblings)
                .find(|c| !is(c, Kind::Anchor) && !is(c, Kind::Comment))?;
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

/// The node kinds the queries tell apart.
#[derive(Clone, Copy)]
enum Kind {
    Alias,
    Anchor,
    BlockMapping,
    BlockMappingPair,
    BlockNode,
    BlockSequence,
    BlockSequenceItem,
    Comment,
    Document,
    DoubleQuoteScalar,
    FlowMapping,
    FlowNode,
    FlowPair,
    FlowSequence,
    SingleQuoteScalar,
}

const KINDS: [&str; 15] = [
    "alias",
    "anchor",
    "block_mapping",
    "block_mapping_pair",
    "block_node",
    "block_sequence",
    "block_sequence_item",
    "comment",
    "document",
    "double_quote_scalar",
    "flow_mapping",
    "flow_node",
    "flow_pair",
    "flow_sequence",
    "single_quote_scalar",
];

/// The grammar's ids of [`KINDS`] and of the `key` and `value` fields (comparing ids, not names).
struct Ids {
    kinds: [u16; KINDS.len()],
    key: Option<NonZeroU16>,
    value: Option<NonZeroU16>,
}

fn ids() -> &'static Ids {
    static IDS: OnceLock<Ids> = OnceLock::new();
    IDS.get_or_init(|| {
        let language: Language = tree_sitter_yaml::LANGUAGE.into();
        Ids {
            kinds: KINDS.map(|name| language.id_for_node_kind(name, true)),
            key: language.field_id_for_name("key"),
            value: language.field_id_for_name("value"),
        }
    })
}

fn is(node: &Node<'_>, kind: Kind) -> bool {
    node.kind_id() == ids().kinds[kind as usize]
}

fn is_pair(node: &Node<'_>) -> bool {
    is(node, Kind::BlockMappingPair) || is(node, Kind::FlowPair)
}

fn is_block_or_flow_node(node: &Node<'_>) -> bool {
    is(node, Kind::BlockNode) || is(node, Kind::FlowNode)
}

fn field<'t>(node: &Node<'t>, id: Option<NonZeroU16>) -> Option<Node<'t>> {
    node.child_by_field_id(id?.get())
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
        .find(|c| is(c, Kind::Document))?;
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
    /// The last route descended, each segment with the node reached there (`None`: the descent
    /// failed); routes come in document order, so the next one mostly shares its start.
    descended: RefCell<Vec<(Segment, Option<Node<'t>>)>>,
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
        let Ok(mut stack) = self.descended.try_borrow_mut() else {
            return route
                .iter()
                .try_fold(self.top?, |node, segment| self.descend(node, segment));
        };
        let shared = stack
            .iter()
            .zip(route)
            .take_while(|((done, _), next)| done == *next)
            .count();
        stack.truncate(shared);
        let mut node = match stack.last() {
            Some((_, node)) => *node,
            None => self.top,
        };
        for segment in &route[shared..] {
            node = node.and_then(|n| self.descend(n, segment));
            stack.push((segment.clone(), node));
        }
        node
    }

    /// One step down from a block or flow node.
    fn descend(&self, node: Node<'t>, segment: &Segment) -> Option<Node<'t>> {
        let mut cursor = node.walk();
        let mut child = node
            .named_children(&mut cursor)
            .find(|n| !is(n, Kind::Anchor))?;
        if is(&child, Kind::Alias) {
            let name = text(self.source, node).get(1..)?;
            child = self.resolve(name, node.start_byte())?;
        }
        let mapping = is(&child, Kind::BlockMapping) || is(&child, Kind::FlowMapping);
        let sequence = is(&child, Kind::BlockSequence) || is(&child, Kind::FlowSequence);
        match segment {
            Segment::Key(key) if mapping => self.descend_mapping(child, key),
            Segment::Index(i) if sequence => descend_sequence(child, *i),
            _ => None,
        }
    }

    fn descend_mapping(&self, node: Node<'t>, expected: &str) -> Option<Node<'t>> {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            let key = if is_pair(&child) {
                field(&child, ids().key)?
            } else if is(&child, Kind::FlowNode) {
                child
            } else {
                continue;
            };
            let mut inner = key.walk();
            let scalar = key
                .named_children(&mut inner)
                .find(|n| !is(n, Kind::Anchor));
            let name = match scalar {
                Some(scalar) => {
                    let name = text(self.source, scalar);
                    if is(&scalar, Kind::SingleQuoteScalar) || is(&scalar, Kind::DoubleQuoteScalar)
                    {
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
                return Some(field(&child, ids().value).unwrap_or(child));
            }
        }
        None
    }

    /// The node at `route` for a pair (`pretty`) or the value alone; `None` when a step fails.
    fn query(&self, route: &[Segment], pretty: bool) -> Option<Node<'t>> {
        let reached = self.descend_route(route)?;
        let resolved = match reached.child(0) {
            Some(child) if is(&child, Kind::Alias) => {
                let name = text(self.source, child).get(1..)?;
                self.resolve(name, child.start_byte())?
            }
            Some(child) if is(&child, Kind::Anchor) => {
                let mut cursor = reached.walk();
                reached
                    .named_children(&mut cursor)
                    .find(|n| !is(n, Kind::Anchor))
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
        if ends_in_key && !is(&node, Kind::BlockMappingPair) {
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
        let item = if is(&child, Kind::BlockSequenceItem) {
            let mut inner = child.walk();
            child
                .named_children(&mut inner)
                .find(is_block_or_flow_node)?
        } else if is(&child, Kind::FlowNode) || is(&child, Kind::FlowPair) {
            child
        } else {
            continue;
        };
        items.push(item);
    }
    let item = *items.get(idx)?;
    if is(&item, Kind::FlowPair) {
        return Some(field(&item, ids().value).unwrap_or(item));
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
