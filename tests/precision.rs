//! Regression scenarios for the false alarms and misses seen on real platforms (issue 8), one
//! directory each under `fixtures/precision/`: `pNN-…` for the thirteen patterns,
//! `rN-…` for the other root causes the corpus review found. Each states, exactly, the
//! dependency edges with the gates that make each consumer wait (transitive ones as `via
//! <workload>`) and every finding, infos included, so a scenario fails on a build that still
//! has the defect and on one that over-corrects.

use nexus_lint::check::Outcome;
use nexus_model::gates::gating;

use crate::util::check_paths;

/// `consumer -> provider [gates]`, one line per pair, sorted; the gates are the consumer's own
/// gates on the provider, or `via X (gate)` when the consumer waits for it only through `X`.
fn gated_pairs(o: &Outcome) -> Vec<String> {
    let p = &o.loaded.platform;
    let mut out: Vec<String> = Vec::new();
    for e in &p.edges {
        let Some(prov) = e.provider else { continue };
        let (c, pr) = (p.workload(e.consumer), p.workload(prov));
        let mut gates: Vec<String> = p
            .gates
            .iter()
            .filter(|g| g.consumer == e.consumer && g.provider == Some(prov))
            .map(|g| g.kind.label())
            .collect();
        if gates.is_empty()
            && let Some(g) = gating(p, e.consumer, prov, e.endpoint)
        {
            gates.push(match g.via {
                Some(v) => format!("via {} ({})", p.workload(v).name.value, g.gate.kind.label()),
                None => g.gate.kind.label(),
            });
        }
        gates.sort();
        gates.dedup();
        let line = format!("{} -> {} [{}]", c.resource, pr.resource, gates.join(", "));
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out.sort();
    out
}

/// `CODE file:line` of every finding, `CODE(info) file:line` for information, in report order.
fn findings(o: &Outcome, dir: &str) -> Vec<String> {
    o.diagnostics
        .iter()
        .map(|d| {
            let f = o.loaded.db.get(d.span().file);
            let name = f.path.strip_prefix(&format!("{dir}/")).unwrap_or(&f.path);
            let info = if d.severity == nexus_diagnostics::Severity::Info { "(info)" } else { "" };
            format!("{}{info} {}:{}", d.code, name, f.position(d.span().start).line)
        })
        .collect()
}

fn scenario(name: &str, want_edges: &[&str], want_findings: &[&str]) {
    let dir = format!("fixtures/precision/{name}");
    let o = check_paths(&[&dir]);
    let (edges, found) = (gated_pairs(&o), findings(&o, &dir));
    if std::env::var("PRECISION_PRINT").is_ok() {
        println!("{name}\n  edges: {edges:#?}\n  findings: {found:#?}");
        return;
    }
    assert_eq!(edges, want_edges, "{name}: edges");
    assert_eq!(found, want_findings, "{name}: findings");
}

#[test]
fn print_all() {
    if std::env::var("PRECISION_PRINT").is_err() {
        return;
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/precision");
    let mut names: Vec<String> =
        std::fs::read_dir(root).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    for n in names {
        scenario(&n, &[], &[]);
    }
}
