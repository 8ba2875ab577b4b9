use std::collections::BTreeMap;

use crate::prelude::*;
use nexus_model::Span;
use nexus_model::{EdgeKind, GateKind, Platform, WorkloadId};

declare_rule!(Error);

/// Wait-for arcs: consumer waits for provider, with where the wait is written.
fn arcs(p: &Platform) -> BTreeMap<WorkloadId, Vec<(WorkloadId, Span)>> {
    let mut out: BTreeMap<WorkloadId, Vec<(WorkloadId, Span)>> = BTreeMap::new();
    for g in &p.gates {
        let waits = matches!(
            g.kind,
            GateKind::InitWait { .. } | GateKind::EntrypointWait { .. } | GateKind::ComposeCondition { .. }
        );
        if let (true, Some(prov)) = (waits, g.provider) {
            out.entry(g.consumer).or_default().push((prov, g.span));
        }
    }
    // Compose orders every `depends_on`, whatever its condition, and refuses cycles.
    for e in &p.edges {
        if let (EdgeKind::DependsOn { .. }, Some(prov)) = (&e.kind, e.provider) {
            let v = out.entry(e.consumer).or_default();
            if !v.iter().any(|(w, _)| *w == prov) {
                v.push((prov, e.target.span));
            }
        }
    }
    out
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    let arcs = arcs(p);
    let mut reported: Vec<Vec<WorkloadId>> = Vec::new();
    for &start in arcs.keys() {
        // Depth-first search for a path back to `start` through larger ids only, so each
        // cycle is found once, from its smallest member.
        let mut stack: Vec<(WorkloadId, usize)> = vec![(start, 0)];
        let mut path: Vec<(WorkloadId, Span)> = Vec::new();
        while let Some((node, i)) = stack.pop() {
            let next = arcs.get(&node).and_then(|v| v.get(i)).copied();
            let Some((to, span)) = next else {
                path.pop();
                continue;
            };
            stack.push((node, i + 1));
            if to == start {
                let mut cycle = path.clone();
                cycle.push((node, span));
                let members: Vec<WorkloadId> = cycle.iter().map(|(w, _)| *w).collect();
                let mut sorted = members.clone();
                sorted.sort();
                if !reported.contains(&sorted) {
                    reported.push(sorted);
                    out.push(diagnostic(p, &cycle));
                }
                continue;
            }
            if to > start && !path.iter().any(|(w, _)| *w == to) && to != node && path.len() < 64 {
                path.push((node, span));
                stack.push((to, 0));
            }
        }
    }
}

fn diagnostic(p: &Platform, cycle: &[(WorkloadId, Span)]) -> Diagnostic {
    let names: Vec<&str> = cycle.iter().map(|(w, _)| p.workload(*w).name.value.as_str()).collect();
    let mut chain = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" → ");
    chain.push_str(&format!(" → `{}`", names[0]));
    let (first, span) = cycle[0];
    let c = p.workload(first);
    let mut d = Diagnostic::new(META, span, format!("startup deadlock: {chain} wait for each other"))
        .label(format!("`{}` waits for `{}`", names[0], names.get(1).unwrap_or(&names[0])))
        .help("Break the cycle: one side must start without waiting (retry in the app, or drop its gate).")
        .resource(&c.resource)
        .template(c.template.as_deref())
        .key(names.join(">"));
    for (i, (_, s)) in cycle.iter().enumerate().skip(1) {
        d = d.secondary(*s, format!("`{}` waits for `{}`", names[i], names[(i + 1) % names.len()]));
    }
    d
}
