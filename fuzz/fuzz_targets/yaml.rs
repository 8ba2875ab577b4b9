//! The spanned YAML tree: any text parses without panicking, within its limits; every node's
//! span lies in the text; navigation (aliases, merges, `locate`) terminates.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use nexus_source::FileId;
use nexus_source::yaml::{Limits, NodeRef, parse};

fn walk(n: NodeRef<'_>, text: &str, depth: usize, budget: &mut usize) {
    if depth > 200 || *budget == 0 {
        return;
    }
    *budget -= 1;
    let s = n.span();
    assert!(s.end as usize <= text.len() && s.start <= s.end, "{s:?}");
    let _ = (n.as_str(), n.scalar_type(), n.tag(), n.via(), n.block_indent());
    for e in n.entries() {
        walk(e.key, text, depth + 1, budget);
        walk(e.value, text, depth + 1, budget);
    }
    for i in n.items() {
        walk(i, text, depth + 1, budget);
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let y = parse(FileId(0), Arc::from(&*text), &Limits::default());
    for p in &y.problems {
        assert!(p.start <= p.end && p.end as usize <= text.len(), "{p:?}");
    }
    let mut budget = 20_000;
    for d in &y.docs {
        if let Some(root) = y.root(d) {
            walk(root, &text, 0, &mut budget);
            let _ = y.locate(d.start, d.end);
            let _ = root.pointer("/spec/template/spec/containers/0/image");
        }
    }
    for c in &y.comments {
        let _ = y.comment_text(c);
    }
});
