//! Reading interpolated, spanned values out of a Compose file's tree.
//!
//! Every value is interpolated with the project's `.env` as it is read; its span stays the
//! span of the scalar as written, so a finding on `${TAG}` points at `${TAG}`. Interpolation
//! errors are not reported here: the schema pass ([`super::schema::to_json`]) reports each one
//! once per file, and here the value just becomes empty, as a failed interpolation leaves it.

use std::collections::BTreeMap;
use std::ops::Range;

use super::interpolate::{Vars, has_dollar, interpolate};
use crate::Spanned;
use nexus_source::Span;
use nexus_source::yaml::{NodeRef, Plain};

#[derive(Clone, Copy)]
pub struct Reader<'v> {
    pub vars: &'v Vars,
}

impl<'v> Reader<'v> {
    pub fn new(vars: &'v Vars) -> Self {
        Reader { vars }
    }

    /// Interpolates a text.
    pub fn expand(&self, text: &str) -> String {
        if !has_dollar(text) {
            return text.to_string();
        }
        let lookup = |k: &str| self.vars.value(k).map(str::to_string);
        interpolate(text, &lookup).unwrap_or_default()
    }

    /// A scalar's interpolated text; None for collections, null and `!reset`.
    pub fn text(&self, node: NodeRef<'_>) -> Option<Spanned<String>> {
        let r = node.resolve();
        let t = r.as_str()?;
        if plain_type(r) == Plain::Null || is_reset(r) {
            return None;
        }
        Some(Spanned::with_via(self.expand(t), r.span(), r.via()))
    }

    /// `parent[key]` as text.
    pub fn at(&self, parent: NodeRef<'_>, key: &str) -> Option<Spanned<String>> {
        self.text(parent.get(key)?)
    }

    /// An integer, written as one or as a string (`"5432"`, `${PORT}`).
    pub fn int(&self, node: NodeRef<'_>) -> Option<Spanned<i64>> {
        let s = self.text(node)?;
        let v = s.value.trim().parse::<i64>().ok()?;
        Some(s.map(|_| v))
    }

    pub fn int_at(&self, parent: NodeRef<'_>, key: &str) -> Option<Spanned<i64>> {
        self.int(parent.get(key)?)
    }

    /// A boolean, written as one or as the strings `true`/`false`.
    pub fn bool(&self, node: NodeRef<'_>) -> Option<bool> {
        let s = self.text(node)?;
        match s.value.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    pub fn bool_at(&self, parent: NodeRef<'_>, key: &str) -> Option<bool> {
        self.bool(parent.get(key)?)
    }

    /// A scalar as a one-item list, or the scalar items of a sequence.
    pub fn string_or_list(&self, node: Option<NodeRef<'_>>) -> Vec<Spanned<String>> {
        let Some(n) = node else { return Vec::new() };
        if n.is_seq() { n.items().filter_map(|i| self.text(i)).collect() } else { self.text(n).into_iter().collect() }
    }

    /// A `list_or_dict` (labels, annotations): `{k: v}` or `["k=v", "k"]`.
    pub fn dict(&self, node: Option<NodeRef<'_>>) -> BTreeMap<String, Spanned<String>> {
        let mut out = BTreeMap::new();
        let Some(n) = node else { return out };
        if n.is_seq() {
            for item in n.items() {
                let Some(s) = self.text(item) else { continue };
                let (k, v) = match s.value.split_once('=') {
                    Some((k, v)) => (k.to_string(), v.to_string()),
                    None => (s.value.clone(), String::new()),
                };
                let vs = value_after_eq(item, &s, k.len());
                out.insert(k, Spanned::with_via(v, vs, s.via));
            }
        } else {
            for e in n.entries() {
                let Some(k) = e.key.as_str() else { continue };
                let v = self.text(e.value).unwrap_or_else(|| Spanned::new(String::new(), e.key.span()));
                out.entry(k.to_string()).or_insert(v);
            }
        }
        out
    }
}

/// Compose's `!reset` tag: the key is removed from what earlier files set.
pub fn is_reset(node: NodeRef<'_>) -> bool {
    node.tag() == Some("!reset")
}

/// A scalar's YAML type, reading Compose's `!reset`/`!override` tags as no tag.
pub fn plain_type(node: NodeRef<'_>) -> Plain {
    match (node.tag(), node.scalar()) {
        (Some("!reset" | "!override"), Some((t, s))) if !s.style.is_quoted() => nexus_source::yaml::resolve_plain(t),
        _ => node.scalar_type().unwrap_or(Plain::Str),
    }
}

/// A scalar's source text without its quotes, and where that text starts in the source.
fn source_body<'a>(node: NodeRef<'a>) -> (&'a str, u32) {
    let src = node.resolve().source();
    for q in ['"', '\''] {
        if src.len() >= 2 && src.starts_with(q) && src.ends_with(q) {
            return (&src[1..src.len() - 1], 1);
        }
    }
    (src, 0)
}

/// The span of `range` of a scalar's value, when the source says the same up to its end
/// (plain or quoted text without escapes or interpolation before it); else the scalar's span.
pub fn sub_span(node: NodeRef<'_>, value: &Spanned<String>, range: Range<usize>) -> Span {
    let (body, off) = source_body(node);
    let same = range.start <= range.end
        && value.value.get(..range.end).is_some()
        && body.get(..range.end) == value.value.get(..range.end);
    if !same {
        return value.span;
    }
    Span::new(value.span.file, value.span.start + off + range.start as u32, value.span.start + off + range.end as u32)
}

/// For `KEY=value` written as one scalar: the span of the value part as written (interpolated
/// or not), when `KEY=` is written verbatim; else the scalar's span.
pub fn value_after_eq(node: NodeRef<'_>, s: &Spanned<String>, key_len: usize) -> Span {
    let start = (key_len + 1).min(s.value.len());
    let (body, off) = source_body(node);
    if body.get(..start) != s.value.get(..start) {
        return s.span;
    }
    Span::new(s.span.file, s.span.start + off + start as u32, s.span.start + off + body.len() as u32)
}
