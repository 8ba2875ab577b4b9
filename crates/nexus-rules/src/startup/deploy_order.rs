use super::is_stateful;
use crate::prelude::*;
use nexus_model::{DeployPlan, Format, GateKind, ObjectId, PlanAction, PlanKind, WorkloadId};

declare_rule!(Warning);

fn apply_step(plan: &DeployPlan, object: ObjectId) -> Option<usize> {
    plan.steps.iter().position(|s| matches!(&s.action, PlanAction::Apply { objects, .. } if objects.contains(&object)))
}

/// Is the provider waited for between its creation (step `from`) and step `to`?
fn waited(plan: &DeployPlan, object: ObjectId, from: usize, to: usize) -> bool {
    plan.steps[from..to].iter().any(|s| match &s.action {
        PlanAction::Wait { objects, condition, .. } => objects.contains(&object) && !condition.starts_with("delete"),
        PlanAction::RolloutStatus { objects, .. } => objects.contains(&object),
        _ => false,
    })
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    // Helm and Argo CD order what they create by their own rules, which the gates model.
    for plan in p.plans.iter().filter(|plan| plan.kind == PlanKind::Script) {
        let mut done: Vec<(WorkloadId, WorkloadId)> = Vec::new();
        for e in &p.edges {
            let Some(prov) = e.provider else { continue };
            let (c, pr) = (p.workload(e.consumer), p.workload(prov));
            if c.resource.format != Format::Kubernetes || !is_stateful(pr.role) || done.contains(&(c.id, prov)) {
                continue;
            }
            // A gate inside the pod holds whatever order the script uses.
            if p.gates_of(c.id)
                .any(|g| g.kind.holds_on_restart() && (g.provider == Some(prov) || matches!(g.kind, GateKind::Retries)))
            {
                continue;
            }
            let (Some(co), Some(po)) = (c.object, pr.object) else { continue };
            let (Some(ci), Some(pi)) = (apply_step(plan, co), apply_step(plan, po)) else { continue };
            if pi < ci && waited(plan, po, pi, ci) {
                continue;
            }
            done.push((c.id, prov));
            let message = if pi > ci {
                format!("the deploy creates `{}` before `{}`, which it connects to", c.name.value, pr.name.value)
            } else if pi == ci {
                format!(
                    "the deploy creates `{}` and `{}` in one apply, with no wait between",
                    c.name.value, pr.name.value
                )
            } else {
                format!(
                    "the deploy creates `{}` after `{}` without waiting for it to be ready",
                    c.name.value, pr.name.value
                )
            };
            let ns = pr.namespace.as_deref().map_or(String::new(), |n| format!(" -n {n}"));
            let kind = pr.kind.as_str().to_ascii_lowercase();
            let wait = if pr.kind.is_batch() {
                format!("kubectl wait --for=condition=complete --timeout=600s job/{}{ns}", pr.name.value)
            } else {
                format!("kubectl rollout status {kind}/{}{ns} --timeout=300s", pr.name.value)
            };
            let mut d = Diagnostic::new(META, plan.steps[ci].span, message)
                .label(format!("creates `{}`", c.name.value))
                .help(format!("Apply `{}` first and wait for it before this step: `{wait}`.", pr.name.value))
                .resource(&c.resource)
                .key(format!("{}:{}", cx.platform.path(plan.file), pr.name.value));
            if pi != ci {
                d = d.secondary(plan.steps[pi].span, format!("creates `{}`", pr.name.value));
            }
            d = d.secondary(e.target.span, format!("`{}` connects to `{}` here", c.name.value, pr.name.value));
            out.push(d);
        }
    }
}
