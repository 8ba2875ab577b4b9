//! Wait-for cycles, found as strongly connected components (Tarjan's algorithm, iterative):
//! linear in workloads and waits, with no depth limit and no recursion, so a ring of any length
//! is found and a dense group of mutual waits costs no more than a sparse one. Each group of
//! workloads that wait on one another is one finding, showing the shortest cycle through its
//! first member (a breadth-first search inside the group, linear too).

use std::collections::{BTreeMap, VecDeque};

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

/// The strongly connected components of the arcs (Tarjan, with an explicit stack), each sorted
/// by id; only components that hold a cycle (more than one member, or a self-wait).
fn cycle_groups(n: usize, arcs: &BTreeMap<WorkloadId, Vec<(WorkloadId, Span)>>) -> Vec<Vec<WorkloadId>> {
    const NONE: u32 = u32::MAX;
    let succ = |v: usize| arcs.get(&WorkloadId(v as u32)).map_or(&[][..], |a| a.as_slice());
    let (mut index, mut low) = (vec![NONE; n], vec![0u32; n]);
    let mut on_stack = vec![false; n];
    let (mut stack, mut groups) = (Vec::new(), Vec::new());
    let mut next = 0u32;
    for root in arcs.keys().map(|w| w.index()) {
        if index[root] != NONE {
            continue;
        }
        // Frames: (node, next arc to look at).
        let mut frames: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut i)) = frames.last_mut() {
            if let Some(&(w, _)) = succ(v).get(*i) {
                *i += 1;
                let w = w.index();
                if index[w] == NONE {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    frames.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut group = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    group.push(WorkloadId(w as u32));
                    if w == v {
                        break;
                    }
                }
                let self_wait = succ(v).iter().any(|(w, _)| w.index() == v);
                if group.len() > 1 || self_wait {
                    group.sort();
                    groups.push(group);
                }
            }
        }
    }
    groups.sort();
    groups
}

/// The shortest cycle through the group's first member, staying inside the group: each step is
/// (workload, the wait that leads to the next one).
fn shortest_cycle(
    group: &[WorkloadId],
    arcs: &BTreeMap<WorkloadId, Vec<(WorkloadId, Span)>>,
) -> Vec<(WorkloadId, Span)> {
    let start = group[0];
    let inside = |w: &WorkloadId| group.binary_search(w).is_ok();
    let mut came_from: BTreeMap<WorkloadId, (WorkloadId, Span)> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(u) = queue.pop_front() {
        for &(w, span) in arcs.get(&u).into_iter().flatten() {
            if w == start {
                let mut cycle = vec![(u, span)];
                let mut cur = u;
                while cur != start {
                    let (prev, s) = came_from[&cur];
                    cycle.push((prev, s));
                    cur = prev;
                }
                cycle.reverse();
                return cycle;
            }
            if inside(&w) && !came_from.contains_key(&w) {
                came_from.insert(w, (u, span));
                queue.push_back(w);
            }
        }
    }
    // Unreachable for a strongly connected group; keep a one-step answer anyway.
    vec![(start, arcs.get(&start).and_then(|a| a.first()).map_or(Span::default(), |a| a.1))]
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    let arcs = arcs(p);
    for group in cycle_groups(p.workloads.len(), &arcs) {
        let cycle = shortest_cycle(&group, &arcs);
        out.push(diagnostic(p, &cycle, group.len()));
    }
}

fn diagnostic(p: &Platform, cycle: &[(WorkloadId, Span)], group: usize) -> Diagnostic {
    let names: Vec<&str> = cycle.iter().map(|(w, _)| p.workload(*w).name.value.as_str()).collect();
    let mut chain = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" → ");
    chain.push_str(&format!(" → `{}`", names[0]));
    let (first, span) = cycle[0];
    let c = p.workload(first);
    let mut message = format!("startup deadlock: {chain} wait for each other");
    if group > cycle.len() {
        message.push_str(&format!(" (one cycle among {group} workloads that all wait on one another)"));
    }
    let mut d = Diagnostic::new(META, span, message)
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
