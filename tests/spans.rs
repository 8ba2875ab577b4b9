//! Every position nexus-lint reports is exact: line and column agree with the byte offsets
//! (counted independently here), and the bytes at the offsets are the node the finding is about
//! — a key, a value, part of one scalar, or a comment — never a neighbour or whitespace.

use nexus_lint::check::Outcome;
use nexus_source::Span;
use nexus_source::yaml::NodeId;

use crate::fixtures::fixture_dirs;
use crate::util::{check_files, check_paths};

/// 1-based line and character column of a byte offset, the slow obvious way.
fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32 + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() as u32 + 1;
    (line, col)
}

fn check_span(o: &Outcome, span: Span, what: &str) -> Result<(), String> {
    let f = o.loaded.db.get(span.file);
    let text = &f.text;
    if span.end as usize > text.len()
        || !text.is_char_boundary(span.start as usize)
        || !text.is_char_boundary(span.end as usize)
    {
        return Err(format!(
            "{what}: {}:{}..{} out of range or not on a character boundary",
            f.path, span.start, span.end
        ));
    }
    let (pos, end) = nexus_report::positions(&o.loaded.db, span);
    if (pos.line, pos.column) != line_col(text, span.start as usize)
        || (end.line, end.column) != line_col(text, span.end as usize)
    {
        return Err(format!(
            "{what}: {}: line/column {pos:?}..{end:?} disagree with offsets {}..{}",
            f.path, span.start, span.end
        ));
    }
    if span.is_empty() {
        return Ok(());
    }
    let slice = &text[span.range()];
    if slice.trim() != slice {
        return Err(format!("{what}: {}:{}: span has surrounding whitespace: {slice:?}", f.path, pos.line));
    }
    let Some(y) = o.loaded.yaml(span.file) else {
        return Ok(()); // Not YAML (an env file, a config file): offsets and lines checked above.
    };
    let exact_node = (0..y.node_count() as u32).any(|i| {
        let n = y.node(NodeId(i));
        n.start == span.start && n.end == span.end
    });
    let inside_scalar = (0..y.node_count() as u32).any(|i| {
        let n = y.node(NodeId(i));
        matches!(n.kind, nexus_source::yaml::NodeKind::Scalar(_)) && n.start <= span.start && span.end <= n.end
    });
    let in_comment = y.comments.iter().any(|c| c.start <= span.start && span.end <= c.end);
    let yaml_problem = o.loaded.platform.problems.iter().any(|p| p.span == span);
    if exact_node || inside_scalar || in_comment || yaml_problem {
        Ok(())
    } else {
        Err(format!("{what}: {}:{}: {slice:?} is not a YAML node", f.path, pos.line))
    }
}

fn check_all(o: &Outcome) -> Vec<String> {
    let mut errs = Vec::new();
    for d in &o.diagnostics {
        if let Err(e) = check_span(o, d.span(), d.code) {
            errs.push(e);
        }
        for l in &d.secondary {
            if let Err(e) = check_span(o, l.span, &format!("{} label", d.code)) {
                errs.push(e);
            }
        }
    }
    errs
}

#[test]
fn every_fixture_diagnostic_points_at_its_node() {
    let mut errs = Vec::new();
    let mut non_ascii_before = 0;
    let mut total = 0;
    for dir in fixture_dirs() {
        let o = check_paths(&[&dir]);
        errs.extend(check_all(&o));
        for d in &o.diagnostics {
            total += 1;
            let text = &o.loaded.db.get(d.span().file).text;
            if !text[..d.span().start as usize].is_ascii() {
                non_ascii_before += 1;
            }
        }
    }
    assert!(errs.is_empty(), "{}", errs.join("\n"));
    assert!(total > 0);
    assert!(non_ascii_before > 0, "no fixture finding has non-ASCII text before it");
}

#[test]
fn columns_after_multibyte_text() {
    let o = check_files(&[(
        "deploy.yaml",
        "# Déploiement — équipe plateforme\napiVersion: v1\nkind: Pod\nmetadata:\n  name: café\n  labels: {team: \"données—ops\"}\nspec:\n  containers:\n    - name: web\n      image: \"nginx\"\n",
    )]);
    assert!(check_all(&o).is_empty(), "{:?}", check_all(&o));
    let d = o.diagnostics.iter().find(|d| d.code == "NX501").expect("NX501");
    let (pos, end) = nexus_report::positions(&o.loaded.db, d.span());
    assert_eq!((pos.line, pos.column, end.column), (10, 14, 21));
    assert_eq!(&o.loaded.db.get(d.span().file).text[d.span().range()], "\"nginx\"");
}
