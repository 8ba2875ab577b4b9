//! Dependency inference and gates on scenario fixtures (`fixtures/deps/*`): each scenario's
//! exact edges — consumer, provider, the address that names it, and the gates that make the
//! consumer wait — and the startup findings it must (or must not) produce.

use nexus_lint::check::Outcome;
use nexus_lint::model::{EdgeKind, GateKind};

use crate::util::check_paths;

/// `consumer -> provider (address) [gates]`, one line per consumer/provider pair, sorted.
pub fn edges(o: &Outcome) -> Vec<String> {
    let p = &o.loaded.platform;
    let mut out: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    for e in &p.edges {
        let Some(prov) = e.provider else { continue };
        if seen.contains(&(e.consumer, prov)) {
            continue;
        }
        seen.push((e.consumer, prov));
        let address = match &e.kind {
            EdgeKind::Host { host, port: Some(port), .. } => format!("{host}:{port}"),
            EdgeKind::Host { host, .. } => host.clone(),
            EdgeKind::DependsOn { condition, .. } => format!("depends_on {condition}"),
            EdgeKind::Link => "links".into(),
            EdgeKind::Annotation => "annotation".into(),
        };
        let mut gates: Vec<String> = p
            .gates
            .iter()
            .filter(|g| g.consumer == e.consumer && (g.provider == Some(prov) || g.kind == GateKind::Retries))
            .map(|g| g.kind.label())
            .collect();
        gates.sort();
        gates.dedup();
        out.push(format!(
            "{} -> {} ({address}) [{}]",
            p.workload(e.consumer).resource,
            p.workload(prov).resource,
            gates.join(", ")
        ));
    }
    out.sort();
    out
}

/// `CODE file:line` of the warnings and errors (infos are not part of a scenario's contract).
fn findings(o: &Outcome) -> Vec<String> {
    o.diagnostics
        .iter()
        .filter(|d| d.severity > nexus_lint::diagnostics::Severity::Info)
        .map(|d| {
            let f = o.loaded.db.get(d.span().file);
            let name = f.path.rsplit("/fixtures/deps/").next().unwrap_or(&f.path);
            let name = name.split_once('/').map_or(name, |(_, rest)| rest);
            format!("{} {}:{}", d.code, name, f.position(d.span().start).line)
        })
        .collect()
}

fn scenario(name: &str, want_edges: &[&str], want_findings: &[&str]) {
    let o = check_paths(&[&format!("fixtures/deps/{name}")]);
    let got = edges(&o);
    assert_eq!(got, want_edges, "{name}: edges");
    let got = findings(&o);
    assert_eq!(got, want_findings, "{name}: findings");
}
