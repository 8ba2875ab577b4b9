//! NX307 pdb-coordination: see `rules/scaling/NX307-pdb-coordination.md`.

use crate::prelude::*;
use nexus_diagnostics::Severity;
use nexus_model::scaling::{Covered, autoscalers, covered, pod_count, scaled};
use nexus_model::{Format, Pdb, Platform, PortRef, Role, Scaler, WorkloadKind};

declare_rule!(Warning);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    // The workloads some budget covers (`scaling::budgets_of` of each, from one pass over the
    // budgets instead of one per workload).
    let mut budgeted = std::collections::BTreeSet::new();
    for (s, pdb) in p.pdbs() {
        let covered = covered(p, s, pdb);
        budgeted.extend(covered.iter().map(|c| c.workload));
        if let Some(d) = blocking(p, s, pdb, &covered) {
            out.push(d);
        }
    }
    for w in &p.workloads {
        if w.resource.format != Format::Kubernetes
            || !matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::ReplicaSet)
            || !w.is_long_running()
            || matches!(w.role, Role::Observability | Role::Admin)
        {
            continue;
        }
        let Some(n) = pod_count(p, w) else { continue };
        let serving = p.endpoints_of(w.id).next().is_some();
        if n.max < 2 || !(serving || n.autoscaled) || budgeted.contains(&w.id) {
            continue;
        }
        let scalers = autoscalers(p, w.id);
        let (span, runs) = match (scalers.first(), &w.replicas) {
            (Some((_, h)), _) => {
                (h.max_replicas.as_ref().map_or(h.target_name.span, |m| m.span), format!("runs up to {} pods", n.max))
            }
            (None, Some(r)) => (r.span, format!("runs {} pods", n.max)),
            (None, None) => (w.name.span, format!("runs {} pods", n.max)),
        };
        out.push(
            Diagnostic::new(META, span, format!("`{}` {runs} and no PodDisruptionBudget covers them", w.name.value))
                .label("no disruption budget")
                .help(format!(
                    "Add a PodDisruptionBudget selecting `{}`'s pods (e.g. `maxUnavailable: 1`): a node drain \
                 or cluster upgrade may otherwise evict all of them at once.",
                    w.name.value
                ))
                .severity(Severity::Info)
                .resource(&w.resource)
                .template(w.template.as_deref()),
        );
    }
}

/// A budget no eviction can satisfy at the selected workloads' smallest scale.
fn blocking(p: &Platform, s: &Scaler, pdb: &Pdb, covered: &[Covered]) -> Option<Diagnostic> {
    let pods: i64 = covered.iter().map(|c| c.pods).sum();
    if pods <= 0 {
        return None;
    }
    let (value, setting) = match (&pdb.min_available, &pdb.max_unavailable) {
        (Some(m), _) => (m, "minAvailable"),
        (None, Some(m)) => (m, "maxUnavailable"),
        (None, None) => return None,
    };
    let n = scaled(&value.value, pods)?;
    let blocks = if setting == "minAvailable" { n >= pods } else { n <= 0 };
    if !blocks {
        return None;
    }
    let who: Vec<String> = covered
        .iter()
        .map(|c| {
            let w = p.workload(c.workload);
            let scale = match autoscalers(p, w.id).first() {
                Some(_) if c.all => " at its minReplicas",
                _ => "",
            };
            let some = if c.all { "" } else { " picked by pod name" };
            format!("{} of `{}`{some}{scale}", plural(c.pods), w.name.value)
        })
        .collect();
    let written = match &value.value {
        PortRef::Number(v) => v.to_string(),
        PortRef::Name(v) => v.clone(),
    };
    let message = if setting == "minAvailable" {
        format!(
            "disruption budget `{}` blocks every eviction: `minAvailable: {written}` of the {} it selects ({})",
            s.name.value,
            plural(pods),
            who.join(", ")
        )
    } else {
        format!(
            "disruption budget `{}` blocks every eviction: `maxUnavailable: {written}` of the {} it selects",
            s.name.value,
            plural(pods)
        )
    };
    let mut d = Diagnostic::new(META, value.span, message)
        .label("no pod may ever be evicted")
        .help(format!(
            "Allow one disruption (`maxUnavailable: 1`, or `minAvailable` below {pods}): node drains and \
             cluster upgrades wait on this budget until they time out or force the eviction."
        ))
        .resource(&s.resource)
        .template(p.object(s.object).template.as_deref());
    for c in covered {
        let w = p.workload(c.workload);
        let at = autoscalers(p, w.id)
            .first()
            .and_then(|(_, h)| h.min_replicas.as_ref().map(|m| m.span))
            .or(w.replicas.as_ref().map(|r| r.span))
            .unwrap_or(w.name.span);
        d = d.secondary(at, format!("`{}`: {}", w.name.value, plural(c.pods)));
    }
    Some(d)
}

fn plural(n: i64) -> String {
    if n == 1 { "1 pod".into() } else { format!("{n} pods") }
}
