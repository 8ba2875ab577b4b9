//! The spanned YAML tree: every key and value of every document, with its byte span.
//!
//! Built from `granit-parser` events (pure Rust, panic-free, byte offsets and comments on every
//! event) into one arena per file. Aliases are kept as references, never copied, so an alias bomb
//! costs nothing to store; what it *would* cost to expand is computed as each node completes and
//! a document whose expansion exceeds [`Limits::max_alias_expansion`] is reported and dropped
//! before anything walks it. Merge keys (`<<`) are resolved when their mapping closes: the merged
//! entries are appended after the explicit ones (explicit keys win, earlier sources win) and keep
//! the span of the `<<` value that brought them in, so a finding on a merged field can point both
//! at the anchor that defines it and at the place that uses it.
//!
//! Scalars that the parser returns as slices of the input are stored as byte ranges, which keeps
//! the steady state of parsing a Kubernetes stream close to one allocation per collection.

mod build;
pub mod de;
pub mod json;
mod scalar;

use std::sync::Arc;

pub use build::{bare_events, parse};
pub use scalar::{Plain, resolve_plain};

use super::span::{FileId, Span};

/// Hard limits that keep hostile input cheap.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Nodes that aliases may add to one document when expanded (billion-laughs guard).
    pub max_alias_expansion: u64,
    /// Nesting depth of block and flow collections (the parser enforces it).
    pub max_depth: usize,
    /// Nodes in one file.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_alias_expansion: 100_000, max_depth: 128, max_nodes: 4_000_000 }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

impl ScalarStyle {
    pub fn is_quoted(self) -> bool {
        !matches!(self, ScalarStyle::Plain)
    }
}

/// A scalar: where its value's text is, its style, and whether it has a tag (kept aside).
#[derive(Clone, Copy, Debug)]
pub struct Scalar {
    /// Byte range of the value, in the source text or (when `owned`) in the file's buffer of
    /// values that differ from their source (escapes, folding, multi-line plain scalars).
    start: u32,
    end: u32,
    owned: bool,
    tagged: bool,
    pub style: ScalarStyle,
}

/// A range of the file's flat child arrays (`items` for sequences, `entries` for mappings):
/// children live in two shared vectors instead of one allocation per collection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Children {
    first: u32,
    len: u32,
}

impl Children {
    fn range(self) -> std::ops::Range<usize> {
        self.first as usize..(self.first + self.len) as usize
    }
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub key: NodeId,
    pub value: NodeId,
    /// For an entry merged in by `<<`, the span of the `<<` value that brought it.
    pub merged_via: Option<(u32, u32)>,
}

#[derive(Clone, Copy, Debug)]
pub enum NodeKind {
    Scalar(Scalar),
    Seq(Children),
    Map(Children),
    /// An alias (`*name`) to a completed node of the same document.
    Alias(NodeId),
}

#[derive(Clone, Copy, Debug)]
pub struct Node {
    pub start: u32,
    pub end: u32,
    pub kind: NodeKind,
}

/// One YAML document of a stream.
#[derive(Clone, Debug)]
pub struct Document {
    /// Position of the document in its file, from 0.
    pub index: usize,
    /// None for an empty document, or one dropped because of an error.
    pub root: Option<NodeId>,
    /// Byte range of the document's content (or of its `---` marker when empty).
    pub start: u32,
    pub end: u32,
    /// Set when the document could not be read; its problems say why.
    pub broken: bool,
}

/// A comment: `text` is everything after `#`.
#[derive(Clone, Debug)]
pub struct Comment {
    pub start: u32,
    pub end: u32,
    /// True when code precedes the comment on its line (`key: value # comment`).
    pub trailing: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    Syntax,
    DuplicateKey,
    AmbiguousScalar,
    AliasLimit,
    RecursiveAlias,
    InvalidMerge,
    NodeLimit,
}

/// Something wrong with the YAML itself; becomes an NX001 diagnostic.
#[derive(Clone, Debug)]
pub struct Problem {
    pub kind: ProblemKind,
    pub start: u32,
    pub end: u32,
    pub message: String,
    pub help: Option<String>,
    /// A secondary location, e.g. the first definition of a duplicated key.
    pub related: Option<(u32, u32, String)>,
}

/// A parsed YAML file: its documents, comments and problems over one node arena.
#[derive(Debug)]
pub struct YamlFile {
    pub file: FileId,
    text: Arc<str>,
    nodes: Vec<Node>,
    items: Vec<NodeId>,
    entries: Vec<Entry>,
    /// Values that differ from their source text, concatenated.
    owned: String,
    /// Tags of tagged scalars, by node, in node order.
    tags: Vec<(NodeId, Box<str>)>,
    pub docs: Vec<Document>,
    pub comments: Vec<Comment>,
    pub problems: Vec<Problem>,
}

impl YamlFile {
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn at(&self, id: NodeId) -> NodeRef<'_> {
        NodeRef { file: self, id, via: None }
    }

    /// The root of a document, if it has one.
    pub fn root(&self, doc: &Document) -> Option<NodeRef<'_>> {
        doc.root.map(|id| self.at(id))
    }

    pub fn span(&self, start: u32, end: u32) -> Span {
        Span::new(self.file, start, end)
    }

    /// The text of a comment after its `#`.
    pub fn comment_text(&self, c: &Comment) -> &str {
        self.text.get(c.start as usize + 1..c.end as usize).unwrap_or("")
    }

    /// The structural path of the innermost node covering `[start, end)`:
    /// `#1/spec.template.spec.containers[name=web].image`. Sequence items are named by their
    /// `name` field when they have one, so reordering a list keeps paths stable.
    pub fn locate(&self, start: u32, end: u32) -> String {
        let Some(doc) = self.docs.iter().find(|d| d.start <= start && start <= d.end.max(d.start)) else {
            return String::new();
        };
        let mut path = format!("#{}", doc.index);
        let Some(mut cur) = self.root(doc) else {
            return path;
        };
        let contains = |n: NodeRef<'_>| {
            let node = n.node();
            node.start <= start && end <= node.end
        };
        'descend: for _ in 0..256 {
            let node = cur.node();
            if node.start == start && node.end == end {
                break;
            }
            match &node.kind {
                NodeKind::Map(_) => {
                    for e in cur.entries() {
                        if e.merged_via.is_some() {
                            continue;
                        }
                        let key = e.key.as_str().unwrap_or("?");
                        if contains(e.key) {
                            path.push('.');
                            path.push_str(key);
                            break 'descend;
                        }
                        if contains(e.value) {
                            path.push('.');
                            path.push_str(key);
                            cur = e.value;
                            continue 'descend;
                        }
                    }
                    break;
                }
                NodeKind::Seq(_) => {
                    for (i, item) in cur.items().enumerate() {
                        if contains(item) {
                            match item.get("name").and_then(|n| n.as_str()) {
                                Some(name) => path.push_str(&format!("[name={name}]")),
                                None => path.push_str(&format!("[{i}]")),
                            }
                            cur = item;
                            continue 'descend;
                        }
                    }
                    break;
                }
                _ => break,
            }
        }
        path
    }

    fn scalar_text(&self, s: &Scalar) -> &str {
        let r = s.start as usize..s.end as usize;
        if s.owned { &self.owned[r] } else { &self.text[r] }
    }

    fn tag(&self, id: NodeId) -> Option<&str> {
        self.tags.binary_search_by_key(&id, |(n, _)| *n).ok().map(|i| &*self.tags[i].1)
    }

    fn children_entries(&self, c: Children) -> &[Entry] {
        &self.entries[c.range()]
    }

    fn children_items(&self, c: Children) -> &[NodeId] {
        &self.items[c.range()]
    }
}

/// A cursor on a node; navigation resolves aliases and remembers the first alias it went
/// through (`via`), so a finding can name both the definition and the use.
#[derive(Copy, Clone)]
pub struct NodeRef<'a> {
    pub file: &'a YamlFile,
    pub id: NodeId,
    via: Option<(u32, u32)>,
}

impl std::fmt::Debug for NodeRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.node();
        write!(f, "NodeRef({}..{} {:?})", n.start, n.end, &self.file.text()[n.start as usize..n.end as usize])
    }
}

/// A mapping entry seen through a cursor.
#[derive(Copy, Clone, Debug)]
pub struct EntryRef<'a> {
    pub key: NodeRef<'a>,
    pub value: NodeRef<'a>,
    /// Where the entry was merged in (the `<<` value), if it was.
    pub merged_via: Option<Span>,
}

impl<'a> NodeRef<'a> {
    pub fn node(&self) -> &'a Node {
        self.file.node(self.id)
    }

    /// Follows aliases to the node they name.
    pub fn resolve(self) -> NodeRef<'a> {
        let mut cur = self;
        // Aliases always point at completed, earlier nodes, so this terminates; the bound is a
        // second guard.
        for _ in 0..64 {
            match cur.node().kind {
                NodeKind::Alias(target) => {
                    let n = cur.node();
                    cur = NodeRef { file: cur.file, id: target, via: cur.via.or(Some((n.start, n.end))) };
                }
                _ => return cur,
            }
        }
        cur
    }

    /// The span of this node's text (for an alias target, the anchored definition).
    pub fn span(&self) -> Span {
        let n = self.node();
        self.file.span(n.start, n.end)
    }

    /// The span of the alias this node was reached through, if any.
    pub fn via(&self) -> Option<Span> {
        self.via.map(|(a, b)| self.file.span(a, b))
    }

    pub fn is_map(self) -> bool {
        matches!(self.resolve().node().kind, NodeKind::Map(_))
    }

    pub fn is_seq(self) -> bool {
        matches!(self.resolve().node().kind, NodeKind::Seq(_))
    }

    pub fn is_scalar(self) -> bool {
        matches!(self.resolve().node().kind, NodeKind::Scalar(_))
    }

    pub fn scalar(self) -> Option<(&'a str, &'a Scalar)> {
        let r = self.resolve();
        match &r.node().kind {
            NodeKind::Scalar(s) => Some((r.file.scalar_text(s), s)),
            _ => None,
        }
    }

    /// The scalar's resolved tag (`tag:yaml.org,2002:str`, `!custom`), if it has one.
    pub fn tag(self) -> Option<&'a str> {
        let r = self.resolve();
        match &r.node().kind {
            NodeKind::Scalar(s) if s.tagged => r.file.tag(r.id),
            _ => None,
        }
    }

    /// The scalar's text, whatever its type (`8080`, `true` and `"x"` all give their text).
    pub fn as_str(self) -> Option<&'a str> {
        self.scalar().map(|(t, _)| t)
    }

    /// The scalar's text only if YAML types it as a string (quoted, or plain and not a
    /// number, bool or null).
    pub fn as_string(self) -> Option<&'a str> {
        let (t, s) = self.scalar()?;
        match self.plain_type(t, s) {
            Plain::Str => Some(t),
            _ => None,
        }
    }

    /// The YAML 1.2 core-schema type of a scalar.
    pub fn scalar_type(self) -> Option<Plain> {
        let (t, s) = self.scalar()?;
        Some(self.plain_type(t, s))
    }

    fn plain_type(self, t: &str, s: &Scalar) -> Plain {
        match self.tag() {
            Some(tag) => scalar::resolve_tagged(tag, t),
            None if s.style == ScalarStyle::Plain => resolve_plain(t),
            None => Plain::Str,
        }
    }

    pub fn is_null(self) -> bool {
        matches!(self.scalar_type(), Some(Plain::Null))
    }

    pub fn as_i64(self) -> Option<i64> {
        match self.scalar_type()? {
            Plain::Int(i) => i64::try_from(i).ok(),
            _ => None,
        }
    }

    pub fn as_bool(self) -> Option<bool> {
        match self.scalar_type()? {
            Plain::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// Entries of a mapping, merged ones after explicit ones; empty for non-mappings.
    pub fn entries(self) -> impl Iterator<Item = EntryRef<'a>> + 'a {
        let r = self.resolve();
        let entries: &'a [Entry] = match r.node().kind {
            NodeKind::Map(c) => r.file.children_entries(c),
            _ => &[],
        };
        let file = r.file;
        let via = r.via;
        entries.iter().map(move |e| EntryRef {
            key: NodeRef { file, id: e.key, via },
            value: NodeRef { file, id: e.value, via: e.merged_via.or(via) },
            merged_via: e.merged_via.map(|(a, b)| file.span(a, b)),
        })
    }

    /// Items of a sequence; empty for non-sequences.
    pub fn items(self) -> impl Iterator<Item = NodeRef<'a>> + 'a {
        let r = self.resolve();
        let items: &'a [NodeId] = match r.node().kind {
            NodeKind::Seq(c) => r.file.children_items(c),
            _ => &[],
        };
        let file = r.file;
        let via = r.via;
        items.iter().map(move |&id| NodeRef { file, id, via })
    }

    pub fn len(self) -> usize {
        match self.resolve().node().kind {
            NodeKind::Seq(c) | NodeKind::Map(c) => c.len as usize,
            _ => 0,
        }
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The entry for `key` in a mapping (the first, should the key be duplicated).
    pub fn entry(self, key: &str) -> Option<EntryRef<'a>> {
        self.entries().find(|e| e.key.as_str() == Some(key))
    }

    /// The value for `key` in a mapping.
    pub fn get(self, key: &str) -> Option<NodeRef<'a>> {
        self.entry(key).map(|e| e.value)
    }

    /// The value at a path of keys.
    pub fn path(self, keys: &[&str]) -> Option<NodeRef<'a>> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    /// The `i`-th item of a sequence.
    pub fn index(self, i: usize) -> Option<NodeRef<'a>> {
        self.items().nth(i)
    }

    /// Follows a JSON pointer (`/spec/containers/0/image`).
    pub fn pointer(self, pointer: &str) -> Option<NodeRef<'a>> {
        if pointer.is_empty() {
            return Some(self);
        }
        let mut cur = self;
        for raw in pointer.strip_prefix('/')?.split('/') {
            let tok = raw.replace("~1", "/").replace("~0", "~");
            cur = if cur.is_seq() { cur.index(tok.parse().ok()?)? } else { cur.get(&tok)? };
        }
        Some(cur)
    }

    /// The source text of this node, as written.
    pub fn source(&self) -> &'a str {
        let n = self.node();
        &self.file.text()[n.start as usize..n.end as usize]
    }

    /// The indentation of the line the node starts on, in spaces, when nothing but spaces
    /// precedes the node there (a block-style node); None otherwise.
    pub fn block_indent(&self) -> Option<u32> {
        let text = self.file.text();
        let start = self.node().start as usize;
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let lead = &text[line_start..start];
        lead.bytes().all(|b| b == b' ').then_some(lead.len() as u32)
    }
}

#[cfg(test)]
mod tests;
