//! The tokenizer and parser: words and their spans, quoting, nesting, here-documents, broken and
//! hostile scripts; and the offset map of text unescaped from a YAML scalar.

use std::sync::Arc;

use super::*;
use crate::{SourceDb, Span};

fn parse_all(t: &str) -> Node {
    parse(t, 0, t.len())
}

/// The words of each simple command, as written (quotes removed, expansions kept).
fn simple_words(node: &Node, src: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    node.each_simple(true, &mut |s| out.push(s.words.iter().map(|w| w.text(src)).collect()));
    out
}

fn first_simple(node: &Node) -> &Simple {
    let mut out = None;
    node.each_simple(true, &mut |s| {
        out.get_or_insert(s);
    });
    out.expect("a simple command")
}

#[test]
fn quotes_escapes_and_expansions() {
    let t = r#"echo 'a b' "c $(date +%s) ${X:-y}" d\ e `id -u` \
  f # comment"#;
    let n = parse_all(t);
    assert_eq!(simple_words(&n, t), [vec!["echo", "a b", "c $(date +%s) ${X:-y}", "d e", "`id -u`", "f"]]);
    // Each word's range is its raw text, quotes included.
    let s = first_simple(&n);
    let raw: Vec<&str> = s.words.iter().map(|w| w.range.slice(t)).collect();
    assert_eq!(raw, ["echo", "'a b'", "\"c $(date +%s) ${X:-y}\"", "d\\ e", "`id -u`", "f"]);
    let Part::Double(inner) = &s.words[2].parts[0] else { panic!() };
    assert!(matches!(&inner[1], Part::CmdSub { body, .. } if body.slice(t) == "date +%s"));
    assert!(matches!(&inner[3], Part::Param(p) if p.name == "X" && p.op == ParamOp::Default { colon: true }));
}

#[test]
fn loops_keep_their_range() {
    let t = "x=1; until nc -z db 5432; do sleep 1; done 2>&1 | tee log";
    let n = parse_all(t);
    let items = n.items();
    assert_eq!(items.len(), 2);
    let Node::Pipe(cmds) = items[1] else { panic!("{:?}", items[1]) };
    let Node::Loop { kind, cond, body, range } = &cmds[0] else { panic!() };
    assert_eq!(*kind, LoopKind::Until);
    assert_eq!(range.slice(t), "until nc -z db 5432; do sleep 1; done");
    assert_eq!(simple_words(cond, t), [vec!["nc", "-z", "db", "5432"]]);
    assert_eq!(simple_words(body, t), [vec!["sleep", "1"]]);
    let Node::Simple(a) = items[0] else { panic!() };
    assert_eq!(a.assigns[0].name, "x");
    assert_eq!(a.assigns[0].value.as_ref().unwrap().range.slice(t), "1");
}

#[test]
fn operators_redirects_and_groups() {
    let t = "i=0; while ! nc -z db 5432 && [ $i -lt 3 ]; do i=$((i+1)); sleep 1; done\nexec app";
    let n = parse_all(t);
    let items = n.items();
    assert_eq!(items.len(), 3);
    let Node::Loop { cond, body, .. } = items[1] else { panic!() };
    let pipes = cond.items()[0].pipelines();
    assert_eq!(pipes.len(), 2);
    assert!(pipes[0].unnegated().1);
    assert_eq!(body.items().len(), 2);

    let t = "echo > /dev/tcp/db/5432; cat </dev/tcp/r/6379 3<>/dev/tcp/x/1";
    let n = parse_all(t);
    let targets: Vec<Vec<String>> = n
        .items()
        .iter()
        .map(|c| match c {
            Node::Simple(s) => s.redirects.iter().map(|w| w.text(t)).collect(),
            _ => vec![],
        })
        .collect();
    assert_eq!(targets, [vec!["/dev/tcp/db/5432"], vec!["/dev/tcp/r/6379", "/dev/tcp/x/1"]]);
    let Node::Simple(s) = n.items()[1] else { panic!() };
    assert_eq!(s.range.slice(t), "cat </dev/tcp/r/6379 3<>/dev/tcp/x/1");

    let t = "f() { nc -z \"$1\" \"$2\"; }\nf db 5432\n( cd /; ls )";
    let n = parse_all(t);
    let items = n.items();
    assert!(
        matches!(items[0], Node::Func { name, range, .. } if name == "f" && range.slice(t) == "f() { nc -z \"$1\" \"$2\"; }")
    );
    assert!(matches!(items[2], Node::Subshell(_, r) if r.slice(t) == "( cd /; ls )"));
}

#[test]
fn compound_commands_and_heredocs() {
    let t = "for i in $(seq 1 30); do\n  if nc -z db 5432; then\n    exit 0\n  fi\n  sleep 2\ndone\n\
             cat <<EOF\nuntil this is not code; do\nEOF\ncase $x in\n  a|b) nc -z a 1 ;;\n  *) true ;;\nesac\n\
             for ((i=0; i<5; i++)); do :; done";
    let n = parse_all(t);
    let items = n.items();
    assert_eq!(items.len(), 4);
    let Node::For { var, items: Some(list), body, .. } = items[0] else { panic!() };
    assert_eq!(var, "i");
    assert_eq!(list[0].text(t), "$(seq 1 30)");
    assert!(matches!(body.items()[0], Node::If { .. }));
    assert_eq!(simple_words(items[1], t), [vec!["cat"]]);
    let Node::Case { arms, .. } = items[2] else { panic!() };
    assert_eq!(arms.len(), 2);
    let Node::Loop { kind: LoopKind::Arith(head), .. } = items[3] else { panic!() };
    assert_eq!(head.slice(t), "((i=0; i<5; i++))");
}

#[test]
fn heredoc_bodies_and_comments_are_not_commands() {
    let t = "cat <<EOF | kubectl apply -f -\nkubectl delete ns x\nEOF\n# kubectl wait\necho 'a # b' # c\n";
    assert_eq!(
        simple_words(&parse_all(t), t),
        [vec!["cat"], vec!["kubectl", "apply", "-f", "-"], vec!["echo", "a # b"]]
    );
}

#[test]
fn continuation_lines_join_one_command() {
    let t = "kubectl apply \\\n  -f a.yaml \\\n  -f b.yaml\nnext";
    let n = parse_all(t);
    let Node::Simple(s) = n.items()[0] else { panic!() };
    assert_eq!(s.range.slice(t), "kubectl apply \\\n  -f a.yaml \\\n  -f b.yaml");
    assert_eq!(simple_words(&n, t)[1], ["next"]);
}

#[test]
fn compound_commands_and_functions() {
    let t = "f() { a; }\nfunction g { b; }\nfunction h() {\n c\n}\nif x; then y; elif z; then w; else v; fi\n\
             for i in 1 2; do e $i; done\ncase $1 in a|b) p;; *) q;; esac\nwhile r; do s; done\n";
    let n = parse_all(t);
    let mut all = Vec::new();
    // Function bodies too, for this listing.
    for item in n.items() {
        match item {
            Node::Func { body, .. } => all.extend(simple_words(body, t).concat()),
            other => all.extend(simple_words(other, t).concat()),
        }
    }
    assert_eq!(all, ["a", "b", "c", "x", "y", "z", "w", "v", "e", "$i", "p", "q", "r", "s"]);
    let names: Vec<&str> = n
        .items()
        .iter()
        .filter_map(|i| match i {
            Node::Func { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["f", "g", "h"]);
}

#[test]
fn nested_substitutions_keep_offsets() {
    let t = "echo \"$(basename \"$(dirname \"$0\")\")\" ${A:-${B:-c}}";
    let n = parse_all(t);
    let s = first_simple(&n);
    let Part::Double(inner) = &s.words[1].parts[0] else { panic!() };
    let Part::CmdSub { body, .. } = &inner[0] else { panic!() };
    assert_eq!(body.slice(t), "basename \"$(dirname \"$0\")\"");
    // The body parses on its own, offsets still those of the whole text.
    let (a, b) = body.usize();
    let inner = parse(t, a, b);
    let s2 = first_simple(&inner);
    assert_eq!(s2.words[1].range.slice(t), "\"$(dirname \"$0\")\"");
    let Part::Param(p) = &s.words[2].parts[0] else { panic!() };
    assert_eq!(p.raw.slice(t), "${A:-${B:-c}}");
    assert!(matches!(&p.arg[0], Part::Param(q) if q.name == "B"));
}

#[test]
fn broken_scripts_still_parse() {
    for t in ["fi; done; )", "if then", "echo \"unterminated", "case x in", "f() {", "$(", "${", "a <<", "for"] {
        let _ = parse_all(t);
    }
    let t = "fi\nkubectl apply -f x\n";
    assert_eq!(simple_words(&parse_all(t), t).last().unwrap(), &["kubectl", "apply", "-f", "x"]);
    for s in ["", "'", "\"", "$(", "${", "`", "(((", ")))", "done done", "if", "for", "case", "<<", "a=(", "\\"] {
        let _ = parse_all(s);
    }
}

/// Nesting past the limits is cut off, in bounded time.
#[test]
fn hostile_nesting_is_bounded() {
    for deep in ["(".repeat(10_000), "{ ".repeat(10_000), "$(".repeat(10_000), "\"$(".repeat(5_000)] {
        let _ = parse_all(&deep);
    }
    let deep = format!("{}true{}", "if true; then ".repeat(MAX_NESTING * 3), "; fi".repeat(MAX_NESTING * 3));
    let n = parse_all(&deep);
    let mut depth = 0;
    let mut node = &n;
    while let Some(Node::If { arms, .. }) = node.items().first().copied() {
        depth += 1;
        node = &arms[0].1;
    }
    assert!(depth <= MAX_NESTING + 1, "{depth}");
}

fn db_with(text: &str) -> (SourceDb, crate::FileId) {
    let mut db = SourceDb::new();
    let id = db.add("pod.yaml".into(), Arc::from(text));
    (db, id)
}

/// A scalar read through YAML escapes maps its pieces back where the file reads the same.
#[test]
fn offset_map_of_an_escaped_scalar() {
    let file = r#"command: ["sh", "-c", "until nc -z \"db\" 5432; do sleep 1; done"]"#;
    let (db, id) = db_with(file);
    let raw = r#""until nc -z \"db\" 5432; do sleep 1; done""#;
    let start = file.find(raw).unwrap() as u32;
    let span = Span::new(id, start, start + raw.len() as u32);
    let value = "until nc -z \"db\" 5432; do sleep 1; done";
    let (l, _) = Located::scalar(&db, value, span, None, 0);
    assert!(!l.is_exact(), "escapes: not verbatim");
    let ast = parse_all(&l.text);
    let Node::Loop { cond, range, .. } = ast.items()[0] else { panic!() };
    let s = first_simple(cond);
    let host = &s.words[2];
    let (a, b) = host.range.usize();
    let w = l.word(&db, a, b, &host.text(&l.text));
    assert!(w.is_exact());
    assert_eq!(db.get(id).slice(w.span()), "db");
    let port = l.sub(&db, s.words[3].range.start as usize, s.words[3].range.end as usize);
    assert_eq!(db.get(id).slice(port.span()), "5432");
    // A range over the escapes spans from its first word to its last.
    let (a, b) = range.usize();
    assert_eq!(db.get(id).slice(l.range_span(&db, a, b)), r#"until nc -z \"db\" 5432; do sleep 1; done"#);
}

#[test]
fn offset_map_of_verbatim_text() {
    let file = "x: |\n  kubectl apply -f k8s/\n";
    let (db, id) = db_with(file);
    let start = file.find("kubectl").unwrap() as u32;
    let l = Located::verbatim("kubectl apply -f k8s/", Span::new(id, start, start + 21));
    let n = parse_all(&l.text);
    let s = first_simple(&n);
    let (a, b) = s.words[3].range.usize();
    assert_eq!(db.get(id).slice(l.sub(&db, a, b).span()), "k8s/");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    /// The tokenizer and parser never panic, and every range they give lies in the text, on
    /// character boundaries.
    #[test]
    fn any_text_parses_in_bounds(text in "([a-z/. =\n;&|<>(){}\\[\\]$'\"`\\\\#*:?!%-]|é|\\$\\(|\\$\\{|<<E|E\n| f\\(\\)|\\(\\(|do |done|fi|if ){0,60}") {
        let n = parse_all(&text);
        let ok = |r: &Range| {
            let (a, b) = r.usize();
            a <= b && b <= text.len() && text.is_char_boundary(a) && text.is_char_boundary(b)
        };
        fn check(n: &Node, ok: &dyn Fn(&Range) -> bool) {
            let words = |s: &Simple| s.words.iter().chain(&s.redirects).chain(s.assigns.iter().map(|a| &a.word)).all(|w| ok(&w.range));
            match n {
                Node::Simple(s) => assert!(ok(&s.range) && words(s)),
                Node::Seq(v) | Node::Pipe(v) => v.iter().for_each(|x| check(x, ok)),
                Node::And(a, b) | Node::Or(a, b) => { check(a, ok); check(b, ok) }
                Node::Not(a) => check(a, ok),
                Node::Subshell(a, r) | Node::Group(a, r) => { assert!(ok(r)); check(a, ok) }
                Node::If { arms, otherwise, range } => {
                    assert!(ok(range));
                    arms.iter().for_each(|(c, b)| { check(c, ok); check(b, ok) });
                    if let Some(o) = otherwise { check(o, ok) }
                }
                Node::For { items, body, range, .. } => {
                    assert!(ok(range));
                    items.iter().flatten().for_each(|w| assert!(ok(&w.range)));
                    check(body, ok)
                }
                Node::Loop { cond, body, range, .. } => { assert!(ok(range)); check(cond, ok); check(body, ok) }
                Node::Case { word, arms, range } => {
                    assert!(ok(range) && (word.parts.is_empty() || ok(&word.range)));
                    arms.iter().for_each(|(_, b)| check(b, ok))
                }
                Node::Func { body, range, .. } => { assert!(ok(range)); check(body, ok) }
            }
        }
        check(&n, &ok);
        let _ = simple_words(&n, &text);
    }
}
