//! Deploy plans: which plan deploys a unit, and its steps.
//!
//! - A deploy script's steps one for one (research A8): `kubectl apply` creates its objects back
//!   to back in kubectl's order; `kubectl wait --for=condition=available|ready|complete` and
//!   `kubectl rollout status` with their timeouts; `sleep`; `helm upgrade --install` of a
//!   release rendered in the inputs; `set -e` stops the plan at a failed step.
//! - Helm (research A7): per release, pre-install hooks by weight (each awaited), the other
//!   resources in `InstallOrder`, post-install hooks; the engine applies Helm's order and its
//!   5-minute timeout.
//! - Argo CD (research A7): phase (PreSync, Sync, PostSync), then wave, each wave awaited until
//!   healthy, 2 s between waves.
//! - No plan: `kubectl apply -f` of every object, in lexical file order and document order,
//!   with no waits (research A8: "no kind-sorting and no dependency awareness").
//! - Compose: `docker compose up` (research A6): every service created, each started once its
//!   `depends_on` conditions hold.

use std::collections::BTreeSet;

use nexus_model::{Bound as MBound, DeployPlan as MPlan, ObjectId, PlanAction, PlanKind, Platform, WorkloadId};

use super::{Builder, LowerOptions, OriginInfo, PlanChoice};
use crate::spec::{
    ActorId, ArgoPhase, ArgoResource, Bound, DeployPlan, HelmHook, HookPhase, Level, Origin, Step, StepAction,
};

/// How to build a unit's steps once its actors exist.
pub(crate) enum PlanBuild {
    Script { plan: usize },
    Argo { plan: usize },
    Helm { plans: Vec<usize> },
    ApplyAll { workloads: Vec<WorkloadId> },
    ComposeUp { services: Vec<WorkloadId>, wait: bool },
}

fn workload_of(m: &Platform, o: ObjectId) -> Option<WorkloadId> {
    m.workloads.iter().find(|w| w.object == Some(o)).map(|w| w.id)
}

/// Every object a plan names, in step order, once each.
fn plan_objects(p: &MPlan) -> Vec<ObjectId> {
    let mut out: Vec<ObjectId> = Vec::new();
    for s in &p.steps {
        let objs = match &s.action {
            PlanAction::Apply { objects, .. }
            | PlanAction::Wait { objects, .. }
            | PlanAction::RolloutStatus { objects, .. } => objects.as_slice(),
            _ => &[],
        };
        for &o in objs {
            if !out.contains(&o) {
                out.push(o);
            }
        }
    }
    out
}

fn helm_release<'m>(m: &'m Platform, release: &str) -> Option<(usize, &'m MPlan)> {
    m.plans.iter().enumerate().find(|(_, p)| p.kind == PlanKind::Helm && p.name == release)
}

/// The workloads a plan creates, in creation order.
fn created_by(m: &Platform, p: &MPlan) -> Vec<WorkloadId> {
    let mut out: Vec<WorkloadId> = Vec::new();
    let push = |w: WorkloadId, out: &mut Vec<WorkloadId>| {
        if !out.contains(&w) {
            out.push(w);
        }
    };
    for s in &p.steps {
        match &s.action {
            PlanAction::Apply { objects, .. } => {
                for &o in objects {
                    if let Some(w) = workload_of(m, o) {
                        push(w, &mut out);
                    }
                }
            }
            PlanAction::Helm { release, .. } if p.kind == PlanKind::Script => {
                if let Some((_, h)) = helm_release(m, release) {
                    for w in created_by(m, h) {
                        push(w, &mut out);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn matches_script(name: &str, wanted: &str) -> bool {
    let clean = |s: &str| s.trim_start_matches("./").to_string();
    let (name, wanted) = (clean(name), clean(wanted));
    name == wanted || name.ends_with(&format!("/{wanted}")) || wanted.ends_with(&format!("/{name}"))
}

/// The plan that deploys the Kubernetes workloads (see the module documentation of
/// [`super`] for the order of preference).
pub(crate) fn choose_kubernetes(m: &Platform, opts: &LowerOptions, k8s: &[WorkloadId]) -> PlanChoice {
    let mut notes = Vec::new();
    let scripts: Vec<usize> =
        m.plans.iter().enumerate().filter(|(_, p)| p.kind == PlanKind::Script).map(|(i, _)| i).collect();
    let wanted = opts.deploy_script.as_deref();
    let chosen = match wanted {
        Some(w) => scripts.iter().copied().find(|&i| matches_script(&m.plans[i].name, w)),
        None => {
            // The script that creates the most workloads; the first of equals.
            let mut best: Option<(usize, usize)> = None;
            for &i in &scripts {
                let n = created_by(m, &m.plans[i]).len();
                if n > 0 && best.is_none_or(|(_, bn)| n > bn) {
                    best = Some((i, n));
                }
            }
            if scripts.len() > 1
                && let Some((i, _)) = best
            {
                let others: Vec<&str> =
                    scripts.iter().filter(|&&j| j != i).map(|&j| m.plans[j].name.as_str()).collect();
                notes.push(format!(
                    "several deploy scripts; following `{}` (others: {}; choose with --deploy-script)",
                    m.plans[i].name,
                    others.join(", ")
                ));
            }
            best.map(|(i, _)| i)
        }
    };
    if let Some(w) = wanted
        && chosen.is_none()
    {
        notes.push(format!("no deploy script `{w}` was read; using the next plan"));
    }
    let finish = |description: String, created: Vec<WorkloadId>, build: PlanBuild, notes: Vec<String>| {
        let left_out = k8s
            .iter()
            .copied()
            .filter(|w| !created.contains(w))
            .map(|w| (w, "not created by the deploy plan"))
            .collect();
        PlanChoice { description, created, left_out, notes, build }
    };
    if let Some(i) = chosen {
        let created = created_by(m, &m.plans[i]);
        return finish(m.plans[i].name.clone(), created, PlanBuild::Script { plan: i }, notes);
    }
    if let Some((i, p)) = m.plans.iter().enumerate().find(|(_, p)| p.kind == PlanKind::Argo) {
        return finish("argocd sync".into(), created_by(m, p), PlanBuild::Argo { plan: i }, notes);
    }
    let mut helm: Vec<usize> =
        m.plans.iter().enumerate().filter(|(_, p)| p.kind == PlanKind::Helm).map(|(i, _)| i).collect();
    if !helm.is_empty() {
        helm.sort_by(|&a, &b| m.plans[a].name.cmp(&m.plans[b].name));
        let mut created = Vec::new();
        for &i in &helm {
            for w in created_by(m, &m.plans[i]) {
                if !created.contains(&w) {
                    created.push(w);
                }
            }
        }
        let names: Vec<&str> = helm.iter().map(|&i| m.plans[i].name.as_str()).collect();
        return finish(format!("helm install {}", names.join(", ")), created, PlanBuild::Helm { plans: helm }, notes);
    }
    let all = k8s.to_vec();
    finish(
        "kubectl apply -f (every file, in lexical order)".into(),
        all.clone(),
        PlanBuild::ApplyAll { workloads: all },
        notes,
    )
}

pub(crate) fn compose_up(
    m: &Platform,
    project: &nexus_model::ComposeProject,
    services: &[WorkloadId],
    wait: bool,
) -> PlanChoice {
    let files: String =
        project.files.iter().map(|f| format!(" -f {}", m.path(*f).rsplit('/').next().unwrap_or_default())).collect();
    PlanChoice {
        description: format!("docker compose{files} up{} (in {})", if wait { " --wait" } else { "" }, project.dir),
        created: services.to_vec(),
        left_out: Vec::new(),
        notes: Vec::new(),
        build: PlanBuild::ComposeUp { services: services.to_vec(), wait },
    }
}

fn bound(b: MBound) -> Bound {
    match b {
        MBound::Unbounded => Bound::Unbounded,
        MBound::Millis(ms) => Bound::Millis(u64::try_from(ms).unwrap_or(0)),
        MBound::Default(_) => Bound::Default,
        MBound::Once => Bound::Once,
    }
}

/// What `kubectl wait --for=…` waits for: `condition=available` is Deployment `Available`
/// (minimum availability, research A4, A8), `ready`/`containersready` a Ready pod, `complete` a
/// complete Job. Other conditions, `delete` and JSONPath waits are not simulated.
fn wait_level(condition: &str) -> Option<Level> {
    let c = condition.strip_prefix("condition=")?;
    let (name, value) = c.split_once('=').unwrap_or((c, "true"));
    if !value.eq_ignore_ascii_case("true") {
        return None;
    }
    match name.to_ascii_lowercase().as_str() {
        "available" => Some(Level::Available),
        "ready" | "containersready" => Some(Level::Ready),
        "complete" => Some(Level::Completed),
        _ => None,
    }
}

fn actors(b: &Builder<'_>, objects: &[ObjectId]) -> Vec<ActorId> {
    let mut out = Vec::new();
    for &o in objects {
        if let Some(a) = workload_of(b.m, o).and_then(|w| b.actor(w))
            && !out.contains(&a)
        {
            out.push(a);
        }
    }
    out
}

fn step_origin(b: &mut Builder<'_>, span: nexus_model::Span) -> Origin {
    b.origins.add(OriginInfo { span, resource: None, template: None, what: "deploy step" })
}

/// A Helm release's step from its objects' hook annotations (research A7): `pre-install` and
/// `pre-upgrade` hooks run before the resources, `post-install`/`post-upgrade` after; other hooks
/// (`test`, `*-delete`, `*-rollback`) do not run at install.
fn helm_step(b: &mut Builder<'_>, plan: &MPlan, wait: bool, timeout: Bound) -> Option<Step> {
    let mut hooks = Vec::new();
    let mut resources = Vec::new();
    let mut span = None;
    for o in plan_objects(plan) {
        let Some(a) = workload_of(b.m, o).and_then(|w| b.actor(w)) else { continue };
        let obj = b.m.object(o);
        span.get_or_insert(obj.kind.span);
        match obj.annotation("helm.sh/hook") {
            None => resources.push(a),
            Some(h) => {
                let kinds: Vec<&str> = h.value.split(',').map(str::trim).collect();
                let phase = if kinds.iter().any(|k| matches!(*k, "pre-install" | "pre-upgrade")) {
                    HookPhase::Pre
                } else if kinds.iter().any(|k| matches!(*k, "post-install" | "post-upgrade")) {
                    HookPhase::Post
                } else {
                    continue;
                };
                let weight =
                    obj.annotation("helm.sh/hook-weight").and_then(|w| w.value.trim().parse().ok()).unwrap_or(0);
                hooks.push(HelmHook { actor: a, phase, weight });
            }
        }
    }
    let span = span?;
    let origin = step_origin(b, span);
    Some(Step { origin, action: StepAction::Helm { hooks, resources, wait, timeout } })
}

fn argo_step(b: &mut Builder<'_>, plan: &MPlan) -> Option<Step> {
    let mut resources = Vec::new();
    let mut span = None;
    for o in plan_objects(plan) {
        let Some(a) = workload_of(b.m, o).and_then(|w| b.actor(w)) else { continue };
        let obj = b.m.object(o);
        span.get_or_insert(obj.kind.span);
        let phase = match obj.annotation("argocd.argoproj.io/hook").map(|h| h.value.as_str()) {
            Some(h) if h.contains("PreSync") => ArgoPhase::PreSync,
            Some(h) if h.contains("PostSync") => ArgoPhase::PostSync,
            _ => ArgoPhase::Sync,
        };
        let wave =
            obj.annotation("argocd.argoproj.io/sync-wave").and_then(|w| w.value.trim().parse().ok()).unwrap_or(0);
        resources.push(ArgoResource { actor: a, phase, wave });
    }
    let origin = step_origin(b, span?);
    Some(Step { origin, action: StepAction::ArgoSync { resources } })
}

fn script_steps(b: &mut Builder<'_>, plan: &MPlan) -> Vec<Step> {
    let mut steps = Vec::new();
    for s in &plan.steps {
        let action = match &s.action {
            PlanAction::Apply { objects, .. } => {
                let actors = actors(b, objects);
                (!actors.is_empty()).then_some(StepAction::Apply { actors })
            }
            PlanAction::Wait { condition, objects, timeout, .. } => {
                let targets = actors(b, objects);
                match wait_level(condition) {
                    Some(level) if !targets.is_empty() => {
                        Some(StepAction::Wait { targets, level, timeout: bound(*timeout) })
                    }
                    _ => None,
                }
            }
            PlanAction::RolloutStatus { objects, timeout, .. } => {
                let targets = actors(b, objects);
                (!targets.is_empty()).then_some(StepAction::RolloutStatus { targets, timeout: bound(*timeout) })
            }
            PlanAction::Sleep { millis } => Some(StepAction::Sleep { ms: u64::try_from(*millis).unwrap_or(0) }),
            PlanAction::Helm { release, wait, timeout, .. } => match helm_release(b.m, release) {
                Some((_, h)) => {
                    if let Some(mut step) = helm_step(b, h, *wait, bound(*timeout)) {
                        step.origin = step_origin(b, s.span);
                        steps.push(step);
                    }
                    None
                }
                None => {
                    b.notes
                        .push(format!("`helm` release `{release}` is not rendered in the inputs; its step is skipped"));
                    None
                }
            },
        };
        if let Some(action) = action {
            let origin = step_origin(b, s.span);
            steps.push(Step { origin, action });
        }
    }
    steps
}

/// The unit's deploy plan.
pub(crate) fn build_steps(b: &mut Builder<'_>, how: &PlanBuild) -> DeployPlan {
    let m = b.m;
    let mut plan = DeployPlan::default();
    match how {
        PlanBuild::Script { plan: i } => {
            let mp = &m.plans[*i];
            plan.origin = step_origin(b, mp.steps.first().map_or_else(Default::default, |s| s.span));
            plan.errexit = mp.errexit;
            plan.steps = script_steps(b, mp);
        }
        PlanBuild::Argo { plan: i } => {
            plan.errexit = true;
            plan.steps.extend(argo_step(b, &m.plans[*i]));
        }
        PlanBuild::Helm { plans } => {
            plan.errexit = true;
            for &i in plans {
                plan.steps.extend(helm_step(b, &m.plans[i], false, Bound::Default));
            }
        }
        PlanBuild::ApplyAll { workloads } => {
            let actors: Vec<ActorId> = workloads.iter().filter_map(|w| b.actor(*w)).collect();
            if !actors.is_empty() {
                plan.steps.push(Step::new(StepAction::Apply { actors }));
            }
        }
        PlanBuild::ComposeUp { services, wait } => {
            let mut seen = BTreeSet::new();
            let actors: Vec<ActorId> =
                services.iter().filter_map(|w| b.actor(*w)).filter(|a| seen.insert(*a)).collect();
            if let Some(&first) = services.iter().find(|w| b.actor(**w).is_some()) {
                let span = m.workload(first).name.span;
                let origin = step_origin(b, span);
                plan.origin = origin;
                plan.steps.push(Step {
                    origin,
                    action: StepAction::ComposeUp { services: actors, wait: *wait, timeout: Bound::Default },
                });
            }
        }
    }
    plan
}
