//! Is a migration done before an app that uses its datastore starts? Through every gate kind:
//!
//! - Helm: a `pre-install`/`pre-upgrade` hook of the same release runs (and a Job completes)
//!   before the release's other objects are created; between two hooks of one phase, the lower
//!   `helm.sh/hook-weight` first. `post-*` hooks run after the release is ready.
//! - Argo CD: a `PreSync` hook completes before the sync; in the sync, an earlier
//!   `argocd.argoproj.io/sync-wave` is healthy (a Job: complete) before the next starts.
//! - Gates of the app on the migration that prove completion: an init container running
//!   k8s-wait-for on the Job or `kubectl wait --for=condition=complete`, Compose
//!   `condition: service_completed_successfully` — directly or through what the app waits for.
//! - Deploy scripts: the migration applied, then waited for with `--for=condition=complete`,
//!   then the app applied.
//!
//! [`ordering`] returns how it is ordered, or every near miss that says why not, so a rule can
//! name the fix for the mechanism in use.

use super::{
    Gate, GateKind, Migration, MigrationSite, ObjectId, PlanAction, PlanKind, Platform, ReadyLevel, Span, Workload,
    WorkloadId,
};

pub const HELM_HOOK: &str = "helm.sh/hook";
pub const HELM_WEIGHT: &str = "helm.sh/hook-weight";
pub const ARGO_WAVE: &str = "argocd.argoproj.io/sync-wave";
pub const ARGO_HOOK: &str = "argocd.argoproj.io/hook";

/// How a migration is done before an app starts.
#[derive(Clone, Debug)]
pub enum Ordered<'a> {
    HelmHook {
        span: Span,
    },
    ArgoPreSync {
        span: Span,
    },
    ArgoWave {
        span: Span,
    },
    /// A gate of the app (or of what it waits for) that needs the migration complete.
    Gate(&'a Gate),
    Script {
        plan: usize,
        wait_step: usize,
    },
}

/// Why a mechanism in use does not order the migration first.
#[derive(Clone, Debug)]
pub enum Miss {
    /// A Helm hook that runs after the release's objects (`post-install`, `post-upgrade`).
    HelmLateHook { span: Span, hook: String },
    /// Rendered by Helm without a hook annotation: created with everything else.
    HelmNoHook,
    /// Argo CD: the migration's wave is not before the app's.
    ArgoWave { span: Option<Span>, migration_wave: i64, app_wave: i64 },
    /// Argo CD: a hook after the sync (`PostSync`, `SyncFail`).
    ArgoLateHook { span: Span, hook: String },
    /// The app waits for the migration, but only for it to start or be healthy.
    WeakWait { span: Span, what: String },
    /// Compose `depends_on` on the migration with `service_started` (the short form).
    ComposeStarted { span: Span },
    /// A deploy script creates the app before the migration, or without waiting for it to
    /// complete.
    Script { plan: usize, app_step: usize, migration_step: Option<usize> },
}

fn helm_hooks(w: &Workload) -> Vec<String> {
    w.annotation(HELM_HOOK).map_or(Vec::new(), |h| h.value.split(',').map(|x| x.trim().to_string()).collect())
}

fn is_pre_hook(w: &Workload) -> bool {
    helm_hooks(w).iter().any(|h| matches!(h.as_str(), "pre-install" | "pre-upgrade"))
}

fn weight(w: &Workload) -> i64 {
    w.annotation(HELM_WEIGHT).and_then(|a| a.value.trim().parse().ok()).unwrap_or(0)
}

pub fn wave(w: &Workload) -> i64 {
    w.annotation(ARGO_WAVE).and_then(|a| a.value.trim().parse().ok()).unwrap_or(0)
}

/// The Helm release an object belongs to, when it tells: the release-name annotation, or the
/// chart directory of its `# Source:` template.
pub fn helm_release(w: &Workload) -> Option<String> {
    if let Some(l) = w.annotations.get("meta.helm.sh/release-name") {
        return Some(l.value.clone());
    }
    w.template.as_deref().and_then(|t| t.split('/').next()).map(str::to_string)
}

/// Is the workload deployed by Helm (a hook, a rendered template, Helm's labels)?
pub fn by_helm(w: &Workload) -> bool {
    w.annotation(HELM_HOOK).is_some()
        || w.template.is_some()
        || w.annotations.contains_key("meta.helm.sh/release-name")
        || w.pod_labels.get("app.kubernetes.io/managed-by").is_some_and(|l| l.value == "Helm")
}

/// Does either say it is synced by Argo CD (a hook or a wave)?
pub fn by_argo(ws: &[&Workload]) -> bool {
    ws.iter().any(|w| w.annotation(ARGO_WAVE).is_some() || w.annotation(ARGO_HOOK).is_some())
}

fn apply_step(steps: &[super::PlanStep], o: ObjectId) -> Option<usize> {
    steps.iter().position(|s| matches!(&s.action, PlanAction::Apply { objects, .. } if objects.contains(&o)))
}

/// The step of a deploy script that waits for the object to complete, between two steps.
fn completion_wait(steps: &[super::PlanStep], o: ObjectId, from: usize, to: usize, level: ReadyLevel) -> Option<usize> {
    (from..to).find(|&i| match &steps[i].action {
        PlanAction::Wait { objects, condition, .. } => {
            objects.contains(&o) && crate::plan::wait_level(condition).is_some_and(|l| l >= level)
        }
        PlanAction::RolloutStatus { objects, .. } => level <= ReadyLevel::Healthy && objects.contains(&o),
        _ => false,
    })
}

/// A gate, of the app or of something the app waits for, that needs the migration complete:
/// what the app waits for started only once its own gates held (Compose starts a service after
/// its conditions; a pod's main container after its init containers).
fn completes_first(p: &Platform, app: WorkloadId, migration: WorkloadId, level: ReadyLevel) -> Option<&Gate> {
    let mut seen = std::collections::BTreeSet::from([app]);
    let mut queue = std::collections::VecDeque::from([app]);
    while let Some(node) = queue.pop_front() {
        for g in p.gates_of(node).filter(|g| g.consumer == node) {
            let Some(q) = g.provider else { continue };
            if matches!(g.kind, GateKind::Retries | GateKind::NativeSidecar { .. }) {
                continue;
            }
            if q == migration {
                if g.level >= level {
                    return Some(g);
                }
                continue;
            }
            if g.level >= ReadyLevel::Started && seen.insert(q) {
                queue.push_back(q);
            }
        }
    }
    None
}

/// How the migration is done before `app` starts, or why not (each mechanism in use that
/// misses). An empty list of misses: nothing orders them at all.
pub fn ordering<'a>(p: &'a Platform, m: &Migration, app: WorkloadId) -> Result<Ordered<'a>, Vec<Miss>> {
    let (mw, aw) = (p.workload(m.workload), p.workload(app));
    let mut misses = Vec::new();
    // Helm.
    let same_release = helm_release(mw).is_none() || helm_release(aw).is_none() || helm_release(mw) == helm_release(aw);
    if let Some(h) = mw.annotation(HELM_HOOK) {
        let app_hook = is_pre_hook(aw);
        if is_pre_hook(mw) && same_release && (!app_hook || weight(mw) < weight(aw)) {
            return Ok(Ordered::HelmHook { span: h.span });
        }
        if !is_pre_hook(mw) {
            misses.push(Miss::HelmLateHook { span: h.span, hook: h.value.clone() });
        }
    } else if by_helm(mw) && by_helm(aw) && same_release && mw.annotation(ARGO_HOOK).is_none() {
        misses.push(Miss::HelmNoHook);
    }
    // Argo CD.
    if by_argo(&[mw, aw]) {
        let hook = mw.annotation(ARGO_HOOK);
        let app_hook = aw.annotation(ARGO_HOOK).is_some();
        match hook.map(|h| h.value.as_str()) {
            Some(h) if h.contains("PreSync") && !app_hook => {
                return Ok(Ordered::ArgoPreSync { span: hook.map_or(mw.name.span, |h| h.span) });
            }
            Some(h) if h.contains("PostSync") || h.contains("SyncFail") || h.contains("PostDelete") => {
                misses.push(Miss::ArgoLateHook { span: hook.map_or(mw.name.span, |h| h.span), hook: h.to_string() });
            }
            _ if wave(mw) < wave(aw) => {
                let span = mw.annotation(ARGO_WAVE).map_or(mw.name.span, |a| a.span);
                return Ok(Ordered::ArgoWave { span });
            }
            _ => misses.push(Miss::ArgoWave {
                span: mw.annotation(ARGO_WAVE).map(|a| a.span),
                migration_wave: wave(mw),
                app_wave: wave(aw),
            }),
        }
    }
    // Gates: the app waits for the migration to complete, directly or through others. A
    // migration in an init container is done once the runner's main container listens; one in
    // an entrypoint, once the runner is healthy.
    let done = match m.site {
        MigrationSite::Workload => ReadyLevel::Completed,
        MigrationSite::InitContainer => ReadyLevel::PortOpen,
        MigrationSite::Entrypoint => ReadyLevel::Healthy,
    };
    for g in p.gates_of(app).filter(|g| g.consumer == app && g.provider == Some(m.workload)) {
        if g.level >= done {
            return Ok(Ordered::Gate(g));
        }
        if !matches!(g.kind, GateKind::Retries) {
            let what = match &g.kind {
                GateKind::ComposeCondition { condition, .. } => format!("`condition: {condition}`"),
                k => format!("{} (until it is {:?})", k.label(), g.level).to_lowercase(),
            };
            misses.push(Miss::WeakWait { span: g.span, what });
        }
    }
    if let Some(g) = completes_first(p, app, m.workload, done) {
        return Ok(Ordered::Gate(g));
    }
    for e in p.dependencies_of(app).filter(|e| e.consumer == app && e.provider == Some(m.workload)) {
        if let crate::EdgeKind::DependsOn { condition, .. } = &e.kind
            && condition == "service_started"
        {
            misses.push(Miss::ComposeStarted { span: e.target.span });
        }
    }
    // Deploy scripts.
    if let (Some(mo), Some(ao)) = (mw.object, aw.object) {
        for (pi, plan) in p.plans.iter().enumerate().filter(|(_, pl)| pl.kind == PlanKind::Script) {
            let Some(ai) = apply_step(&plan.steps, ao) else { continue };
            let mi = apply_step(&plan.steps, mo);
            if let Some(mi) = mi.filter(|&mi| mi < ai)
                && let Some(wi) = completion_wait(&plan.steps, mo, mi, ai, done)
            {
                return Ok(Ordered::Script { plan: pi, wait_step: wi });
            }
            if mi.is_some() {
                misses.push(Miss::Script { plan: pi, app_step: ai, migration_step: mi });
            }
        }
    }
    Err(misses)
}
