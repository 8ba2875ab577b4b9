//! Helpers the front ends use to read spanned values out of the YAML tree.

use std::collections::BTreeMap;

use super::{PortRef, Spanned};
use nexus_source::Span;
use nexus_source::yaml::{NodeRef, Plain};

/// A scalar's text with its span (and the alias that brought it, if any).
pub fn string(node: NodeRef<'_>) -> Option<Spanned<String>> {
    let r = node.resolve();
    let text = r.as_str()?;
    Some(Spanned::with_via(text.to_string(), r.span(), r.via()))
}

/// `parent[key]` as a string.
pub fn str_at(parent: NodeRef<'_>, key: &str) -> Option<Spanned<String>> {
    string(parent.get(key)?)
}

/// `parent[key]` as an integer.
pub fn int_at(parent: NodeRef<'_>, key: &str) -> Option<Spanned<i64>> {
    int(parent.get(key)?)
}

pub fn int(node: NodeRef<'_>) -> Option<Spanned<i64>> {
    let r = node.resolve();
    Some(Spanned::with_via(r.as_i64()?, r.span(), r.via()))
}

pub fn bool_at(parent: NodeRef<'_>, key: &str) -> Option<bool> {
    parent.get(key)?.as_bool()
}

/// A mapping of strings (labels, annotations, ConfigMap data).
pub fn string_map(node: Option<NodeRef<'_>>) -> BTreeMap<String, Spanned<String>> {
    let mut out = BTreeMap::new();
    let Some(node) = node else { return out };
    for e in node.entries() {
        if let (Some(k), Some(v)) = (e.key.as_str(), string(e.value)) {
            out.entry(k.to_string()).or_insert(v);
        }
    }
    out
}

/// A list of strings (command, args).
pub fn string_list(node: Option<NodeRef<'_>>) -> Vec<Spanned<String>> {
    node.map(|n| n.items().filter_map(string).collect()).unwrap_or_default()
}

/// An int-or-string (ports).
pub fn port_ref(node: NodeRef<'_>) -> Option<Spanned<PortRef>> {
    let r = node.resolve();
    let v = match r.scalar_type()? {
        Plain::Int(i) => PortRef::Number(i64::try_from(i).ok()?),
        Plain::Str => {
            let s = r.as_str()?;
            match s.parse::<i64>() {
                Ok(n) => PortRef::Number(n),
                Err(_) => PortRef::Name(s.to_string()),
            }
        }
        _ => return None,
    };
    Some(Spanned::with_via(v, r.span(), r.via()))
}

/// The span of `needle` inside a scalar's source when it appears there verbatim (a name in a
/// comma-separated annotation, a host in a URL), else the scalar's span.
pub fn sub_span(node: NodeRef<'_>, needle: &str) -> Span {
    let r = node.resolve();
    let span = r.span();
    match r.source().find(needle) {
        Some(i) if !needle.is_empty() => {
            Span::new(span.file, span.start + i as u32, span.start + (i + needle.len()) as u32)
        }
        _ => span,
    }
}

/// The key span of `parent[key]`, else the parent's span.
pub fn key_span(parent: NodeRef<'_>, key: &str) -> Span {
    parent.entry(key).map_or(parent.span(), |e| e.key.span())
}

/// The byte range of a mapping entry's whole line — its indentation and the newline — when the
/// entry is written on a line of its own (`  replicas: 3`), so an edit can delete it and leave
/// every other line as it is. None for a flow mapping, an entry that shares its line, one with a
/// trailing comment (deleting the line would lose it), or a value brought in by an alias or merge
/// key.
pub fn entry_line(text: &str, entry: nexus_source::yaml::EntryRef<'_>) -> Option<Span> {
    if entry.merged_via.is_some() || entry.value.via().is_some() || entry.value.resolve().span() != entry.value.span() {
        return None;
    }
    entry.key.block_indent()?;
    let key = entry.key.span();
    let value = entry.value.span();
    let start = text[..key.start as usize].rfind('\n').map_or(0, |i| i + 1);
    let rest = text.get(value.end as usize..)?;
    let line_end = rest.find('\n').map_or(rest.len(), |i| i + 1);
    let tail = rest[..line_end].trim_end_matches(['\n', '\r']).trim_start_matches([' ', '\t']);
    if !tail.is_empty() || text[value.start as usize..value.end as usize].contains('\n') {
        return None;
    }
    Some(Span::new(key.file, start as u32, value.end + line_end as u32))
}
