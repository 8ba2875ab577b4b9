//! Events → arena tree, with the limits, merge keys and problems described in the module docs.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use granit_parser::{Event, Parser, Placement, ScalarStyle as GStyle, Span as GSpan, Tag};

use super::scalar::yaml11_bool;
use super::{
    Children, Comment, Document, Entry, Limits, Node, NodeId, NodeKind, Problem, ProblemKind, Scalar, ScalarStyle,
    YamlFile,
};
use crate::span::FileId;

enum Frame {
    Seq {
        id: NodeId,
        items: Vec<NodeId>,
        flow: bool,
    },
    /// Keys and values alternate in `kv`.
    Map {
        id: NodeId,
        kv: Vec<NodeId>,
        flow: bool,
    },
}

struct Builder<'t> {
    text: &'t str,
    nodes: Vec<Node>,
    items: Vec<NodeId>,
    entries: Vec<Entry>,
    owned: String,
    tags: Vec<(NodeId, Box<str>)>,
    /// Child lists of closed frames, reused by later frames: no allocation per collection.
    spare: Vec<Vec<NodeId>>,
    /// Expanded size of each completed node; 0 while a collection is still open.
    weight: Vec<u64>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, NodeId>,
    docs: Vec<Document>,
    comments: Vec<Comment>,
    problems: Vec<Problem>,
    limits: Limits,
    // Current document.
    doc_open: bool,
    doc_start: u32,
    doc_root: Option<NodeId>,
    doc_broken: bool,
    doc_expansion: u64,
    aborted: bool,
}

/// Parses a whole file. Never fails: what cannot be read is reported in `problems`.
pub fn parse(file: FileId, text: Arc<str>, limits: &Limits) -> YamlFile {
    let mut b = Builder {
        text: &text,
        nodes: Vec::with_capacity(text.len() / 16),
        items: Vec::new(),
        entries: Vec::with_capacity(text.len() / 40),
        owned: String::new(),
        tags: Vec::new(),
        spare: Vec::new(),
        weight: Vec::with_capacity(text.len() / 16),
        stack: Vec::new(),
        anchors: HashMap::new(),
        docs: Vec::new(),
        comments: Vec::new(),
        problems: Vec::new(),
        limits: *limits,
        doc_open: false,
        doc_start: 0,
        doc_root: None,
        doc_broken: false,
        doc_expansion: 0,
        aborted: false,
    };
    b.run();
    let Builder { mut nodes, mut items, mut entries, owned, tags, docs, comments, problems, .. } = b;
    nodes.shrink_to_fit();
    items.shrink_to_fit();
    entries.shrink_to_fit();
    YamlFile { file, text, nodes, items, entries, owned, tags, docs, comments, problems }
}

fn offset(text: &str, m: &granit_parser::Marker) -> u32 {
    match m.byte_offset() {
        Some(b) => b.min(text.len()) as u32,
        // Only string input is parsed here, which always carries byte offsets; keep a correct
        // fallback anyway.
        None => text.char_indices().nth(m.index()).map_or(text.len(), |(i, _)| i) as u32,
    }
}

/// The parser's events over `text`, and nothing else: no tree, no spans kept, stopping at the
/// first syntax error. The yardstick of the speed benchmark (`scripts/bench.sh`): what a bare
/// single-threaded event pass over the same bytes costs.
pub fn bare_events(text: &str) -> usize {
    let mut events = 0;
    for e in Parser::new_from_str(text) {
        if e.is_err() {
            break;
        }
        events += 1;
    }
    events
}

impl Builder<'_> {
    fn run(&mut self) {
        let options = granit_parser::options! {
            flow_nesting_limit: self.limits.max_depth,
            block_nesting_limit: self.limits.max_depth,
        };
        let text = self.text;
        let mut parser = Parser::new_from_str_with_options(text, options);
        let mut last_error: Option<u32> = None;
        loop {
            match parser.next() {
                None => break,
                Some(Ok((event, span))) => {
                    self.event(event, &span);
                    if self.aborted {
                        break;
                    }
                }
                Some(Err(err)) => {
                    let at = offset(text, err.marker());
                    if last_error.is_some_and(|l| at <= l) {
                        break;
                    }
                    last_error = Some(at);
                    let message = syntax_message(&err.info(), self.limits.max_depth);
                    self.problem(ProblemKind::Syntax, at, char_end(text, at), message, None);
                    self.close_doc(at, true);
                    match parser.proceed_next_document() {
                        Ok(true) => continue,
                        _ => break,
                    }
                }
            }
        }
        if self.doc_open {
            let end = text.len() as u32;
            self.close_doc(end, self.doc_broken);
        }
    }

    fn problem(&mut self, kind: ProblemKind, start: u32, end: u32, message: String, help: Option<String>) {
        self.problems.push(Problem { kind, start, end, message, help, related: None });
    }

    fn close_doc(&mut self, end: u32, broken: bool) {
        if !self.doc_open {
            return;
        }
        let broken = broken || self.doc_broken;
        // An empty document parses as an empty plain scalar; it has no content.
        let root = self.doc_root.filter(|r| {
            let n = &self.nodes[r.0 as usize];
            !(n.start == n.end && matches!(&n.kind, NodeKind::Scalar(s) if s.style == ScalarStyle::Plain && !s.tagged))
        });
        self.docs.push(Document {
            index: self.docs.len(),
            root: if broken { None } else { root },
            start: self.doc_start,
            end: end.max(self.doc_start),
            broken,
        });
        self.doc_open = false;
        self.doc_root = None;
        self.doc_broken = false;
        self.doc_expansion = 0;
        self.stack.clear();
        self.anchors.clear();
    }

    fn push_node(&mut self, start: u32, end: u32, kind: NodeKind) -> Option<NodeId> {
        if self.nodes.len() >= self.limits.max_nodes {
            self.problem(
                ProblemKind::NodeLimit,
                start,
                end,
                format!("file has more than {} YAML nodes; the rest is not read", self.limits.max_nodes),
                Some("Split the file, or exclude it in `.nexus-lint.yaml`.".into()),
            );
            self.doc_broken = true;
            self.aborted = true;
            return None;
        }
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(Node { start, end, kind });
        self.weight.push(0);
        Some(id)
    }

    /// Is the next node of the innermost collection a mapping key?
    fn at_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { kv, .. }) if kv.len() % 2 == 0)
    }

    /// Attaches a completed node to its parent, or makes it the document root.
    fn attach(&mut self, id: NodeId) {
        match self.stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(id),
            Some(Frame::Map { kv, .. }) => kv.push(id),
            None => self.doc_root = Some(id),
        }
    }

    fn event(&mut self, event: Event<'_>, span: &GSpan) {
        let text = self.text;
        let start = offset(text, &span.start);
        let end = offset(text, &span.end);
        let empty = Children { first: 0, len: 0 };
        match event {
            Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart(..) => {
                self.close_doc(start, false);
                self.doc_open = true;
                self.doc_start = start;
            }
            Event::DocumentEnd => {
                let end = self.doc_root.map_or(start, |r| self.nodes[r.0 as usize].end);
                self.close_doc(end, false);
            }
            Event::Comment(_, placement) => {
                self.comments.push(Comment { start, end, trailing: placement == Placement::Right });
            }
            Event::Anchor(..) => {}
            Event::UnresolvedAlias(name) => {
                self.problem(
                    ProblemKind::Syntax,
                    start,
                    end,
                    format!("alias `*{name}` names no anchor defined before it"),
                    None,
                );
                self.doc_broken = true;
                self.scalar_node(start, end, Cow::Borrowed(""), GStyle::Plain, None);
            }
            Event::Alias(anchor) => self.alias(anchor, start, end),
            Event::Scalar(value, style, anchor, tag) => {
                if let Some(id) = self.scalar_node(start, end, value, style, tag)
                    && anchor != 0
                {
                    self.anchors.insert(anchor, id);
                }
            }
            Event::SequenceStart(style, anchor, _) => {
                if let Some(id) = self.push_node(start, end, NodeKind::Seq(empty)) {
                    if anchor != 0 {
                        self.anchors.insert(anchor, id);
                    }
                    let flow = style == granit_parser::StructureStyle::Flow;
                    let items = self.spare.pop().unwrap_or_default();
                    self.stack.push(Frame::Seq { id, items, flow });
                }
            }
            Event::MappingStart(style, anchor, _) => {
                if let Some(id) = self.push_node(start, end, NodeKind::Map(empty)) {
                    if anchor != 0 {
                        self.anchors.insert(anchor, id);
                    }
                    let flow = style == granit_parser::StructureStyle::Flow;
                    let kv = self.spare.pop().unwrap_or_default();
                    self.stack.push(Frame::Map { id, kv, flow });
                }
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq { id, mut items, flow }) = self.stack.pop() {
                    let last_end = items.last().map(|i| self.nodes[i.0 as usize].end);
                    let weight = items.iter().fold(1u64, |w, i| w.saturating_add(self.weight[i.0 as usize]));
                    let children = Children { first: self.items.len() as u32, len: items.len() as u32 };
                    self.items.extend_from_slice(&items);
                    items.clear();
                    self.spare.push(items);
                    self.finish(id, last_end, flow, end, weight, NodeKind::Seq(children));
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map { id, mut kv, flow }) = self.stack.pop() {
                    let last_end = kv.last().map(|i| self.nodes[i.0 as usize].end);
                    let weight = kv.iter().fold(1u64, |w, i| w.saturating_add(self.weight[i.0 as usize]));
                    let entries = self.map_entries(&kv);
                    let children = Children { first: self.entries.len() as u32, len: entries.len() as u32 };
                    self.entries.extend(entries);
                    kv.clear();
                    self.spare.push(kv);
                    self.finish(id, last_end, flow, end, weight, NodeKind::Map(children));
                }
            }
            _ => {}
        }
    }

    fn finish(&mut self, id: NodeId, last_end: Option<u32>, flow: bool, end: u32, weight: u64, kind: NodeKind) {
        let node = &mut self.nodes[id.0 as usize];
        node.end = if flow { end.max(node.start) } else { last_end.unwrap_or(node.start).max(node.start) };
        node.kind = kind;
        self.weight[id.0 as usize] = weight.max(1);
        self.attach(id);
    }

    fn scalar_node(
        &mut self,
        start: u32,
        end: u32,
        value: Cow<'_, str>,
        style: GStyle,
        tag: Option<Cow<'_, Tag>>,
    ) -> Option<NodeId> {
        let text = self.text;
        let style = match style {
            GStyle::Plain => ScalarStyle::Plain,
            GStyle::SingleQuoted => ScalarStyle::SingleQuoted,
            GStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
            GStyle::Literal => ScalarStyle::Literal,
            GStyle::Folded => ScalarStyle::Folded,
        };
        let tag: Option<Box<str>> = tag.map(|t| format!("{}{}", t.handle(), t.suffix()).into_boxed_str());
        if style == ScalarStyle::Plain
            && tag.is_none()
            && !self.at_key()
            && let Some(b) = yaml11_bool(&value)
        {
            self.problem(
                ProblemKind::AmbiguousScalar,
                start,
                end,
                format!("`{value}` is the boolean `{b}` in YAML 1.1 (Kubernetes) but a string in YAML 1.2"),
                Some(format!("Quote it (`\"{value}\"`) if you mean the string, or write `{b}`.")),
            );
        }
        // Values that are slices of the input are stored as ranges of it.
        let base = text.as_ptr() as usize;
        let p = value.as_ptr() as usize;
        let (a, b, owned) = if matches!(value, Cow::Borrowed(_)) && p >= base && p + value.len() <= base + text.len() {
            ((p - base) as u32, (p - base + value.len()) as u32, false)
        } else if text.get(start as usize..end as usize) == Some(&*value) {
            (start, end, false)
        } else {
            let a = self.owned.len() as u32;
            self.owned.push_str(&value);
            (a, self.owned.len() as u32, true)
        };
        let scalar = Scalar { start: a, end: b, owned, tagged: tag.is_some(), style };
        let id = self.push_node(start, end, NodeKind::Scalar(scalar))?;
        if let Some(t) = tag {
            self.tags.push((id, t));
        }
        self.weight[id.0 as usize] = 1;
        self.attach(id);
        Some(id)
    }

    fn alias(&mut self, anchor: usize, start: u32, end: u32) {
        let target = self.anchors.get(&anchor).copied();
        let w = target.map_or(0, |t| self.weight[t.0 as usize]);
        match target {
            Some(t) if w > 0 => {
                self.doc_expansion = self.doc_expansion.saturating_add(w);
                self.check_expansion(start, end);
                if let Some(id) = self.push_node(start, end, NodeKind::Alias(t)) {
                    self.weight[id.0 as usize] = w;
                    self.attach(id);
                }
            }
            _ => {
                self.problem(
                    ProblemKind::RecursiveAlias,
                    start,
                    end,
                    "alias refers to a node that contains it".into(),
                    Some("Break the cycle: an alias can only repeat a complete node.".into()),
                );
                self.doc_broken = true;
                self.scalar_node(start, end, Cow::Borrowed(""), GStyle::Plain, None);
            }
        }
    }

    fn check_expansion(&mut self, start: u32, end: u32) {
        if self.doc_expansion > self.limits.max_alias_expansion && !self.doc_broken {
            self.problem(
                ProblemKind::AliasLimit,
                start,
                end,
                format!(
                    "aliases expand this document by more than {} nodes (an alias bomb?); the document is not read",
                    self.limits.max_alias_expansion
                ),
                Some("Reduce nested aliases; nexus-lint refuses to expand them this far.".into()),
            );
            self.doc_broken = true;
        }
    }

    fn key_text(&self, id: NodeId) -> Option<&str> {
        let id = match self.nodes[id.0 as usize].kind {
            NodeKind::Alias(t) => t,
            _ => id,
        };
        match &self.nodes[id.0 as usize].kind {
            NodeKind::Scalar(s) => {
                let r = s.start as usize..s.end as usize;
                Some(if s.owned { &self.owned[r] } else { &self.text[r] })
            }
            _ => None,
        }
    }

    fn is_merge_key(&self, id: NodeId) -> bool {
        match &self.nodes[id.0 as usize].kind {
            NodeKind::Scalar(s) if s.style == ScalarStyle::Plain && self.key_text(id) == Some("<<") => {
                !s.tagged
                    || self
                        .tags
                        .binary_search_by_key(&id, |(n, _)| *n)
                        .is_ok_and(|i| &*self.tags[i].1 == "tag:yaml.org,2002:merge")
            }
            _ => false,
        }
    }

    /// Builds a mapping's entries: explicit ones (duplicates reported), then merged ones.
    fn map_entries(&mut self, kv: &[NodeId]) -> Vec<Entry> {
        let mut entries: Vec<Entry> = Vec::with_capacity(kv.len() / 2);
        let mut merges: Vec<NodeId> = Vec::new();
        let mut dups: Vec<(NodeId, NodeId)> = Vec::new();
        {
            // Small mappings (nearly all) compare linearly; large ones use a map.
            let mut seen: HashMap<&str, NodeId> = HashMap::new();
            let large = kv.len() > 32;
            for pair in kv.chunks(2) {
                let (key, value) = (pair[0], pair.get(1).copied().unwrap_or(pair[0]));
                if self.is_merge_key(key) {
                    merges.push(value);
                    continue;
                }
                if let Some(k) = self.key_text(key) {
                    let first = if large {
                        seen.get(k).copied()
                    } else {
                        entries.iter().find(|e| self.key_text(e.key) == Some(k)).map(|e| e.key)
                    };
                    match first {
                        Some(f) => dups.push((f, key)),
                        None if large => {
                            seen.insert(k, key);
                        }
                        None => {}
                    }
                }
                entries.push(Entry { key, value, merged_via: None });
            }
        }
        for (first, dup) in dups {
            let (f, d) = (self.nodes[first.0 as usize], self.nodes[dup.0 as usize]);
            let name = self.key_text(dup).unwrap_or_default().to_string();
            self.problems.push(Problem {
                kind: ProblemKind::DuplicateKey,
                start: d.start,
                end: d.end,
                message: format!("duplicate key `{name}`"),
                help: Some("Remove one of them: parsers disagree on which value wins.".into()),
                related: Some((f.start, f.end, "first defined here".into())),
            });
        }
        if !merges.is_empty() {
            // Keys present so far, so each merged entry costs O(1) to check, not O(entries).
            let mut present: HashSet<String> =
                entries.iter().filter_map(|e| self.key_text(e.key).map(str::to_string)).collect();
            for value in merges {
                // A document over its expansion budget is dropped: merging more is wasted work.
                if self.doc_broken {
                    break;
                }
                self.merge_into(&mut entries, &mut present, value);
            }
        }
        entries
    }

    fn merge_into(&mut self, entries: &mut Vec<Entry>, present: &mut HashSet<String>, value: NodeId) {
        let v = self.nodes[value.0 as usize];
        let via = (v.start, v.end);
        let sources: Vec<NodeId> = match self.resolved(value).kind {
            NodeKind::Map(_) => vec![value],
            NodeKind::Seq(c) => self.items[c.range()].to_vec(),
            _ => Vec::new(),
        };
        if sources.is_empty() {
            self.problem(
                ProblemKind::InvalidMerge,
                via.0,
                via.1,
                "merge key `<<` takes a mapping or a list of mappings".into(),
                None,
            );
        }
        for source in sources {
            let NodeKind::Map(src) = self.resolved(source).kind else {
                self.problem(
                    ProblemKind::InvalidMerge,
                    via.0,
                    via.1,
                    "merge key `<<` takes a mapping or a list of mappings".into(),
                    None,
                );
                return;
            };
            // Merged entries count against the expansion budget before any is copied, and a
            // document over it stops here (a `<<` chain otherwise copies every earlier map).
            self.doc_expansion = self.doc_expansion.saturating_add(src.len as u64);
            self.check_expansion(via.0, via.1);
            if self.doc_broken {
                return;
            }
            for i in src.range() {
                let e = self.entries[i].clone();
                let fresh = match self.key_text(e.key) {
                    Some(k) => !present.contains(k) && present.insert(k.to_string()),
                    None => true,
                };
                if fresh {
                    entries.push(Entry { key: e.key, value: e.value, merged_via: Some(via) });
                }
            }
        }
    }

    fn resolved(&self, id: NodeId) -> &Node {
        match self.nodes[id.0 as usize].kind {
            NodeKind::Alias(t) => &self.nodes[t.0 as usize],
            _ => &self.nodes[id.0 as usize],
        }
    }
}

fn char_end(text: &str, at: u32) -> u32 {
    text.get(at as usize..).and_then(|s| s.chars().next()).map_or(at, |c| at + c.len_utf8() as u32)
}

/// The parser's message, without its own position suffix (we report positions ourselves).
fn syntax_message(info: &str, depth: usize) -> String {
    let lower = info.to_ascii_lowercase();
    if lower.contains("nesting") || lower.contains("recursion") || lower.contains("depth") {
        return format!("nesting deeper than {depth} levels; the document is not read");
    }
    let msg = match info.find(" at char ") {
        Some(i) => &info[..i],
        None => info,
    };
    let msg = msg.trim().trim_end_matches('.');
    if msg.is_empty() { "YAML syntax error".into() } else { msg.to_string() }
}
