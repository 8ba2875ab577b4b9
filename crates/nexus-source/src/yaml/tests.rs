use std::sync::Arc;

use super::*;

fn p(text: &str) -> YamlFile {
    parse(FileId(0), Arc::from(text), &Limits::default())
}

fn at<'a>(f: &'a YamlFile, n: NodeRef<'a>) -> &'a str {
    let s = n.span();
    &f.text()[s.range()]
}

#[test]
fn spans_cover_keys_and_values_exactly() {
    let f = p("# é — comment\nkind: Deployment\nspec:\n  containers:\n    - name: web\n      image: \"nginx:1.27\"\n");
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    let root = f.root(&f.docs[0]).unwrap();
    let image = root.path(&["spec", "containers"]).unwrap().index(0).unwrap().entry("image").unwrap();
    assert_eq!(at(&f, image.key), "image");
    assert_eq!(at(&f, image.value), "\"nginx:1.27\"");
    assert_eq!(image.value.as_str(), Some("nginx:1.27"));
    assert_eq!(root.get("kind").unwrap().as_string(), Some("Deployment"));
}

#[test]
fn multi_document_streams() {
    let f = p("a: 1\n---\n---\nb: 2\n...\n");
    assert_eq!(f.docs.len(), 3);
    assert!(f.docs[1].root.is_none());
    assert_eq!(f.root(&f.docs[2]).unwrap().get("b").unwrap().as_i64(), Some(2));
}

#[test]
fn merge_keys_keep_provenance_and_explicit_keys_win() {
    let f = p("x: &base\n  image: a\n  restart: always\ny:\n  <<: *base\n  image: b\n");
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    let y = f.root(&f.docs[0]).unwrap().get("y").unwrap();
    assert_eq!(y.get("image").unwrap().as_str(), Some("b"));
    let restart = y.entry("restart").unwrap();
    assert_eq!(restart.value.as_str(), Some("always"));
    let via = restart.merged_via.unwrap();
    assert_eq!(&f.text()[via.range()], "*base");
    // The value's span is the definition in the anchor.
    assert_eq!(f.text()[..restart.value.span().start as usize].lines().count(), 3);
}

#[test]
fn merge_of_list_earlier_source_wins() {
    let f = p("a: &a {k: 1}\nb: &b {k: 2, m: 3}\nc:\n  <<: [*a, *b]\n");
    let c = f.root(&f.docs[0]).unwrap().get("c").unwrap();
    assert_eq!(c.get("k").unwrap().as_i64(), Some(1));
    assert_eq!(c.get("m").unwrap().as_i64(), Some(3));
}

#[test]
fn duplicate_keys_are_problems_with_both_spans() {
    let f = p("a: 1\nb: 2\na: 3\n");
    assert_eq!(f.problems.len(), 1);
    let pr = &f.problems[0];
    assert_eq!(pr.kind, ProblemKind::DuplicateKey);
    assert_eq!(pr.start, 10);
    assert_eq!(pr.related.as_ref().unwrap().0, 0);
}

#[test]
fn yaml11_booleans_are_flagged_in_values_only() {
    let f = p("on: yes\nb: \"no\"\nc: true\n");
    assert_eq!(f.problems.len(), 1);
    assert_eq!(f.problems[0].kind, ProblemKind::AmbiguousScalar);
    assert_eq!(&f.text()[f.problems[0].start as usize..f.problems[0].end as usize], "yes");
}

#[test]
fn syntax_error_recovers_at_next_document() {
    let f = p("a: [1, 2\nb: 3\n---\nc: 4\n");
    assert_eq!(f.problems.len(), 1);
    assert_eq!(f.problems[0].kind, ProblemKind::Syntax);
    assert_eq!(f.docs.len(), 2);
    assert!(f.docs[0].broken);
    assert_eq!(f.root(&f.docs[1]).unwrap().get("c").unwrap().as_i64(), Some(4));
}

#[test]
fn alias_bomb_is_refused_cheaply() {
    let mut s = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut prev = 'a';
    for c in 'b'..='j' {
        s.push_str(&format!(
            "{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
        ));
        prev = c;
    }
    let f = p(&s);
    assert!(f.problems.iter().any(|p| p.kind == ProblemKind::AliasLimit));
    assert!(f.docs[0].root.is_none());
    assert!(f.node_count() < 200);
}

/// Regression (issue 7): a `<<` chain of 5,000 anchors, each merging the one before, used to
/// copy every earlier map into every later one with a linear duplicate check (cubic, minutes).
/// The merged entries count against the expansion budget, and a document over it merges no more.
#[test]
fn merge_chain_stops_at_the_expansion_budget() {
    let mut s = String::from("a0: &a0 {k0: v}\n");
    for i in 1..5000 {
        s.push_str(&format!("a{i}: &a{i} {{<<: *a{}, k{i}: v}}\n", i - 1));
    }
    let f = p(&s);
    assert!(f.problems.iter().any(|p| p.kind == ProblemKind::AliasLimit), "{:?}", f.problems.first());
    assert!(f.docs[0].root.is_none());
    // Entries stay near one per key written: the chain was not expanded.
    assert!(f.entries.len() < 200_000, "{} entries", f.entries.len());
}

/// Regression (issue 7): one `<<` of a 40,000-key map expands the document past the budget
/// (the alias and the merged entries both count) and is reported, not silently copied.
#[test]
fn merge_of_a_huge_map_is_reported() {
    let mut s = String::from("base: &b\n");
    for i in 0..40_000 {
        s.push_str(&format!("  k{i}: v\n"));
    }
    s.push_str("x:\n  <<: *b\n");
    let f = p(&s);
    assert!(f.problems.iter().any(|p| p.kind == ProblemKind::AliasLimit), "{:?}", f.problems.first());
}

/// Merges within the budget still resolve, earlier sources and explicit keys winning.
#[test]
fn merges_within_the_budget_resolve() {
    let f = p("a: &a {x: 1, y: 2}\nb: &b {y: 3, z: 4}\nc: {<<: [*a, *b], x: 0}\n");
    let c = f.root(&f.docs[0]).unwrap().get("c").unwrap();
    let got: Vec<(&str, &str)> = c.entries().map(|e| (e.key.as_str().unwrap(), e.value.as_str().unwrap())).collect();
    assert_eq!(got, [("x", "0"), ("y", "2"), ("z", "4")]);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let s = "[".repeat(100_000);
    let f = p(&s);
    assert_eq!(f.problems.len(), 1);
    assert!(f.problems[0].message.contains("nesting"), "{}", f.problems[0].message);
    let s = (0..300).map(|i| format!("{}k:\n", "  ".repeat(i))).collect::<String>();
    let f = p(&s);
    assert!(!f.problems.is_empty());
}

#[test]
fn json_pointer_navigation() {
    let f = p("spec:\n  ports:\n    - port: 80\n      name: a/b\n");
    let root = f.root(&f.docs[0]).unwrap();
    assert_eq!(root.pointer("/spec/ports/0/port").unwrap().as_i64(), Some(80));
    assert!(root.pointer("/spec/ports/1").is_none());
}

#[test]
fn comments_are_collected() {
    let f = p("# top\na: 1 # right\n");
    assert_eq!(f.comments.len(), 2);
    assert!(!f.comments[0].trailing);
    assert!(f.comments[1].trailing);
    assert_eq!(f.comment_text(&f.comments[1]), " right");
}

#[test]
fn deserializes_with_error_spans() {
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Spec {
        replicas: i32,
        name: String,
    }
    let f = p("replicas: many\nname: web\n");
    let err = de::from_node::<Spec>(f.root(&f.docs[0]).unwrap()).unwrap_err();
    assert_eq!(&f.text()[err.span.unwrap().range()], "many");
    let f = p("replicas: 2\nname: web\n");
    let s: Spec = de::from_node(f.root(&f.docs[0]).unwrap()).unwrap();
    assert_eq!(s.replicas, 2);
}

#[test]
fn node_size() {
    assert!(std::mem::size_of::<Node>() <= 24, "{}", std::mem::size_of::<Node>());
}
