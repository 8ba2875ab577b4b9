//! Plans that orchestrators derive from annotations rather than scripts
//! (`../shared/research/simulation-model.md` A7):
//!
//! - **Helm**, per release: `pre-install`/`pre-upgrade` hooks sorted by weight, kind and name,
//!   each waited for (Jobs and Pods until complete); then every other object at once, in Helm's
//!   `InstallOrder` by kind, with no waits; then `post-install`/`post-upgrade` hooks.
//! - **Argo CD**: `PreSync` hooks, then the sync waves in ascending order (default 0), each
//!   applied in kind order and waited for until healthy before the next, then `PostSync` hooks.

use std::collections::BTreeMap;

use super::super::{Bound, DeployPlan, Object, PlanAction, PlanKind, PlanStep, Platform, Spanned};

/// Helm's `InstallOrder` (helm `pkg/releaseutil/kind_sorter.go`); unknown kinds come last.
const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

fn kind_rank(kind: &str) -> usize {
    INSTALL_ORDER.iter().position(|k| *k == kind).unwrap_or(INSTALL_ORDER.len())
}

fn annotation<'a>(o: &'a Object, key: &str) -> Option<&'a Spanned<String>> {
    o.annotations.get(key)
}

fn completes(o: &Object) -> bool {
    matches!(o.kind.value.as_str(), "Job" | "Pod")
}

fn wait_step(o: &Object, why: &Spanned<String>, timeout: Bound) -> PlanStep {
    let condition = if completes(o) { "condition=complete" } else { "condition=ready" };
    PlanStep {
        span: why.span,
        action: PlanAction::Wait {
            condition: condition.into(),
            targets: vec![(o.kind.value.clone(), o.name_str().to_string())],
            objects: vec![o.id],
            timeout,
        },
    }
}

fn apply_step(objects: &[&Object]) -> Option<PlanStep> {
    let first = objects.first()?;
    Some(PlanStep {
        span: first.kind.span,
        action: PlanAction::Apply {
            paths: objects.iter().filter_map(|o| o.template.clone().map(|t| Spanned::new(t, o.kind.span))).collect(),
            objects: objects.iter().map(|o| o.id).collect(),
        },
    })
}

/// Helm releases: rendered objects grouped by `meta.helm.sh/release-name`, or by the chart of
/// their `# Source:` template.
fn helm_plans(p: &Platform) -> Vec<DeployPlan> {
    let mut releases: BTreeMap<String, Vec<&Object>> = BTreeMap::new();
    for o in &p.objects {
        let release = annotation(o, "meta.helm.sh/release-name")
            .map(|r| r.value.clone())
            .or_else(|| o.template.as_deref().and_then(|t| t.split('/').next()).map(str::to_string));
        if let Some(r) = release {
            releases.entry(r).or_default().push(o);
        }
    }
    // Helm's hook timeout, and the default `--timeout` of 5 minutes.
    const HELM_TIMEOUT: Bound = Bound::Default(300_000);
    let mut out = Vec::new();
    for (release, objects) in releases {
        let hook = |o: &&Object, phase: &str| {
            annotation(o, "helm.sh/hook").is_some_and(|h| h.value.split(',').any(|x| x.trim().starts_with(phase)))
        };
        let weight = |o: &Object| {
            annotation(o, "helm.sh/hook-weight").and_then(|w| w.value.trim().parse::<i64>().ok()).unwrap_or(0)
        };
        let sort = |v: &mut Vec<&Object>| {
            v.sort_by(|a, b| {
                (weight(a), kind_rank(&a.kind.value), a.name_str()).cmp(&(
                    weight(b),
                    kind_rank(&b.kind.value),
                    b.name_str(),
                ))
            })
        };
        let mut pre: Vec<&Object> = objects.iter().copied().filter(|o| hook(o, "pre-")).collect();
        let mut post: Vec<&Object> = objects.iter().copied().filter(|o| hook(o, "post-")).collect();
        let mut main: Vec<&Object> =
            objects.iter().copied().filter(|o| annotation(o, "helm.sh/hook").is_none()).collect();
        sort(&mut pre);
        sort(&mut post);
        main.sort_by_key(|o| kind_rank(&o.kind.value));
        let mut steps = Vec::new();
        for o in pre {
            steps.extend(apply_step(&[o]));
            if let Some(h) = annotation(o, "helm.sh/hook") {
                steps.push(wait_step(o, h, HELM_TIMEOUT));
            }
        }
        steps.extend(apply_step(&main));
        for o in post {
            steps.extend(apply_step(&[o]));
            if let Some(h) = annotation(o, "helm.sh/hook") {
                steps.push(wait_step(o, h, HELM_TIMEOUT));
            }
        }
        let file = objects.first().map(|o| o.file).unwrap_or_default();
        out.push(DeployPlan { file, kind: PlanKind::Helm, name: release, steps, errexit: true });
    }
    out
}

/// One Argo CD sync over the objects of the run, when any carries Argo CD annotations.
fn argo_plan(p: &Platform) -> Option<DeployPlan> {
    const WAVE: &str = "argocd.argoproj.io/sync-wave";
    const HOOK: &str = "argocd.argoproj.io/hook";
    if !p.objects.iter().any(|o| annotation(o, WAVE).is_some() || annotation(o, HOOK).is_some()) {
        return None;
    }
    let phase = |o: &Object| match annotation(o, HOOK).map(|h| h.value.as_str()) {
        Some(h) if h.contains("PreSync") => 0,
        Some(h) if h.contains("PostSync") => 2,
        Some(h) if h.contains("Skip") || h.contains("SyncFail") => 3,
        _ => 1,
    };
    let wave = |o: &Object| annotation(o, WAVE).and_then(|w| w.value.trim().parse::<i64>().ok()).unwrap_or(0);
    let mut objects: Vec<&Object> = p
        .objects
        .iter()
        .filter(|o| o.template.is_none() || annotation(o, WAVE).is_some())
        .filter(|o| phase(o) < 3)
        .collect();
    objects.sort_by(|a, b| {
        (phase(a), wave(a), kind_rank(&a.kind.value), a.name_str()).cmp(&(
            phase(b),
            wave(b),
            kind_rank(&b.kind.value),
            b.name_str(),
        ))
    });
    // The objects that are workloads, found once (not by a scan of the workloads per object).
    let workloads: std::collections::HashSet<_> = p.workloads.iter().filter_map(|w| w.object).collect();
    let mut steps = Vec::new();
    let mut i = 0;
    while i < objects.len() {
        let key = (phase(objects[i]), wave(objects[i]));
        let group: Vec<&Object> = objects[i..].iter().copied().take_while(|o| (phase(o), wave(o)) == key).collect();
        i += group.len();
        steps.extend(apply_step(&group));
        // Argo CD moves to the next wave once this one is synced and healthy.
        for o in group.iter().filter(|o| workloads.contains(&o.id)) {
            let why = annotation(o, WAVE).or(annotation(o, HOOK)).cloned().unwrap_or_else(|| o.kind.clone());
            steps.push(wait_step(o, &why, Bound::Unbounded));
        }
    }
    let file = objects.first().map(|o| o.file).unwrap_or_default();
    Some(DeployPlan { file, kind: PlanKind::Argo, name: "argocd".into(), steps, errexit: true })
}

/// The Helm and Argo CD plans of a platform.
pub fn orchestrated(p: &Platform) -> Vec<DeployPlan> {
    let mut out = helm_plans(p);
    out.extend(argo_plan(p));
    out
}
