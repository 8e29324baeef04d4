//! Finding nodes in the current document: their kind and span (exact and "pretty", i.e. with
//! the key), and the `:` after a key.

use yamlpath::{Document, FeatureKind};

use super::ops::Problem;
use super::route::to_yamlpath;
use crate::workflow::model::Segment;

/// The kind of a node, or `None` for an absent value (`key:`).
pub fn kind_at(doc: &Document, route: &[Segment]) -> Result<Option<(FeatureKind, Span)>, Problem> {
    let feature = if route.is_empty() {
        doc.top_feature()
            .map(Some)
            .map_err(|e| Problem::NoSuchNode(e.to_string()))?
    } else {
        doc.query_exact(&to_yamlpath(route))
            .map_err(|e| Problem::NoSuchNode(e.to_string()))?
    };
    let Some(feature) = feature else {
        return Ok(None);
    };
    let span = Span::of(&feature);
    if doc.extract(&feature).starts_with('!') {
        return Err(Problem::Unsupported(
            "nodes with a YAML tag (`!tag`)".into(),
        ));
    }
    Ok(Some((feature.kind(), span)))
}

/// A byte range of the current text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    fn of(feature: &yamlpath::Feature) -> Self {
        Span {
            start: feature.location.byte_span.0,
            end: feature.location.byte_span.1,
        }
    }
}

pub fn kind_name(kind: Option<FeatureKind>) -> &'static str {
    match kind {
        None => "an empty value",
        Some(FeatureKind::BlockMapping | FeatureKind::FlowMapping) => "a mapping",
        Some(FeatureKind::BlockSequence | FeatureKind::FlowSequence) => "a sequence",
        Some(FeatureKind::Scalar) => "a scalar",
    }
}

pub fn pretty(doc: &Document, route: &[Segment]) -> Result<Span, Problem> {
    doc.query_pretty(&to_yamlpath(route))
        .map(|f| Span::of(&f))
        .map_err(|e| Problem::NoSuchNode(e.to_string()))
}

/// The byte just after the `:` that follows the key of `route`.
pub fn after_colon(doc: &Document, route: &[Segment]) -> Result<usize, Problem> {
    let key = doc
        .query_key_only(&to_yamlpath(route))
        .map_err(|e| Problem::NoSuchNode(e.to_string()))?;
    let end = key.location.byte_span.1;
    let src = doc.source();
    src.get(end..)
        .and_then(|s| s.find(':'))
        .map(|i| end + i + 1)
        .ok_or_else(|| Problem::NoSuchNode("a key without its `:`".into()))
}
