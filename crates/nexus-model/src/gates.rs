//! Gates: what makes each consumer wait, resolved to the provider it waits for.
//!
//! Sources (semantics and numbers in `../shared/research/simulation-model.md`):
//! - init containers and entrypoints that wait (`waits`); init containers run in order
//!   and the app starts only after all succeed (A3);
//! - native sidecars (init containers with `restartPolicy: Always`): later containers start once
//!   the sidecar has *started*, i.e. at once unless it has a startupProbe (A3, KEP-753);
//! - Compose `depends_on` conditions other than `service_started` (A6);
//! - Helm `pre-install`/`pre-upgrade` hooks, which complete before the release's other objects
//!   are created (A7);
//! - Argo CD sync waves, each synced and healthy before the next, and `PreSync` hooks (A7);
//! - deploy scripts that wait for a provider before creating the consumer (A8);
//! - `nexus-lint.io/retries-dependencies: "true"` for an app that retries on its own.

use rayon::prelude::*;
use std::collections::BTreeSet;

use super::infer::resolve;
use super::{
    Confidence, Edge, EdgeKind, EndpointId, Format, Gate, GateKind, ObjectId, PlanAction, Platform, ReadyLevel,
    Spanned, WaitSpec, Workload, WorkloadId, WorkloadKind, same_namespace, waits,
};
use nexus_source::SourceDb;

pub const RETRIES_ANNOTATION: &str = "nexus-lint.io/retries-dependencies";
const HELM_HOOK: &str = "helm.sh/hook";
const HELM_WEIGHT: &str = "helm.sh/hook-weight";
const ARGO_WAVE: &str = "argocd.argoproj.io/sync-wave";
const ARGO_HOOK: &str = "argocd.argoproj.io/hook";

pub fn build(p: &mut Platform, db: &SourceDb) {
    // Each workload's own gates (waits in its containers, its annotation), on every core
    // (issue 15); collected in workload order.
    let platform: &Platform = p;
    let mut gates: Vec<Gate> = platform
        .workloads
        .par_iter()
        .flat_map_iter(|w| {
            let p = platform;
            let mut gates = Vec::new();
            for c in &w.init_containers {
                if c.is_sidecar() {
                    let level = if c.startup.is_some() { ReadyLevel::Healthy } else { ReadyLevel::Started };
                    let kind = GateKind::NativeSidecar { startup_probe: c.startup.is_some() };
                    let span = c.restart_policy.as_ref().map_or(c.name.span, |r| r.span);
                    gates.push(Gate { container: Some(c.name.value.clone()), ..Gate::new(w.id, kind, span, level) });
                    continue;
                }
                for spec in waits::waits(c, db) {
                    let kind = GateKind::InitWait { tool: spec.tool.clone() };
                    gates.push(from_wait(p, w, spec, kind, &c.name.value));
                }
            }
            for c in &w.containers {
                for spec in waits::waits(c, db) {
                    let kind = GateKind::EntrypointWait { tool: spec.tool.clone() };
                    gates.push(from_wait(p, w, spec, kind, &c.name.value));
                }
            }
            if let Some(a) = w.annotation(RETRIES_ANNOTATION).filter(|a| a.value.trim().eq_ignore_ascii_case("true")) {
                gates.push(Gate::new(w.id, GateKind::Retries, a.span, ReadyLevel::Answers));
            }
            gates
        })
        .collect();
    // Compose conditions.
    for e in &p.edges {
        let EdgeKind::DependsOn { condition, required, .. } = &e.kind else { continue };
        if condition == "service_started" {
            continue;
        }
        gates.push(Gate {
            consumer: e.consumer,
            kind: GateKind::ComposeCondition { condition: condition.clone(), required: *required },
            span: e.target.span,
            host: Some(e.target.clone()),
            port: None,
            object: None,
            provider: e.provider,
            endpoint: e.endpoint,
            // Compose waits until the dependency is healthy or fails (A6): not a wait loop.
            timeout: super::Bound::Default(0),
            level: if condition == "service_completed_successfully" {
                ReadyLevel::Completed
            } else {
                ReadyLevel::Healthy
            },
            container: None,
        });
    }
    gates.extend(orchestrator_gates(p));
    gates.extend(flux_gates(p, db));
    gates.extend(plan_gates(p));
    // A wait on a provider is evidence of the dependency, even when nothing else names it (a
    // wait on a migration Job, on a service found by discovery at run time).
    let mut waits_on: Vec<Edge> = Vec::new();
    for g in &gates {
        let (Some(prov), true) =
            (g.provider, matches!(g.kind, GateKind::InitWait { .. } | GateKind::EntrypointWait { .. }))
        else {
            continue;
        };
        let known = p.dependencies_of(g.consumer).any(|e| e.provider == Some(prov))
            || waits_on.iter().any(|e| e.consumer == g.consumer && e.provider == Some(prov));
        let target = g.host.clone().or_else(|| g.object.as_ref().map(|(_, n)| n.clone()));
        if let (false, Some(target)) = (known, target) {
            waits_on.push(Edge {
                consumer: g.consumer,
                target,
                provider: Some(prov),
                endpoint: g.endpoint,
                kind: EdgeKind::Wait,
                confidence: Confidence::Explicit,
                via: None,
            });
        }
    }
    p.edges.extend(waits_on);
    p.gates = gates;
}

fn from_wait(p: &Platform, w: &Workload, mut spec: WaitSpec, kind: GateKind, container: &str) -> Gate {
    split_port(&mut spec);
    let (mut endpoint, mut provider): (Option<EndpointId>, Option<WorkloadId>) = (None, None);
    if let Some(h) = &spec.host {
        let r = resolve(p, w, &h.value);
        endpoint = r.endpoint;
        provider = r.provider;
    }
    // A database client's check whose host is not known here (`pg_isready -h "$DB_HOST"`, the
    // host read from the app's own settings at run time) waits for a server of that engine: the
    // only one of the workload's providers that runs it, if there is exactly one.
    if spec.host.is_none()
        && spec.object.is_none()
        && let Some(tokens) = engine_of(&spec.tool)
    {
        let mut runs: Vec<WorkloadId> = p
            .dependencies_of(w.id)
            .filter_map(|e| e.provider)
            .filter(|x| {
                p.workload(*x).containers.iter().flat_map(|c| c.images()).any(|i| tokens.iter().any(|t| i.contains(t)))
            })
            .collect();
        runs.sort();
        runs.dedup();
        if let [only] = runs[..] {
            provider = Some(only);
        }
    }
    if let Some((kind, name)) = &spec.object {
        let ns = spec.namespace.as_deref().or(w.namespace.as_deref());
        let k = kind.to_ascii_lowercase();
        if k.starts_with("service") || k == "svc" {
            if let Some(e) =
                p.endpoints.iter().find(|e| e.name.value == name.value && same_namespace(e.namespace.as_deref(), ns))
            {
                endpoint = Some(e.id);
                provider = e.targets.first().copied();
            }
        } else {
            provider = p
                .workloads
                .iter()
                .filter(|x| x.resource.format == Format::Kubernetes && same_namespace(x.namespace.as_deref(), ns))
                .find(|x| x.name.value == name.value && kind_matches(x.kind, &k))
                .map(|x| x.id);
        }
    }
    Gate {
        consumer: w.id,
        kind,
        span: spec.span,
        host: spec.host,
        port: spec.port,
        object: spec.object,
        provider,
        endpoint,
        timeout: spec.timeout,
        level: spec.level,
        container: Some(container.to_string()),
    }
}

/// The image-name tokens of the servers a database client's readiness check talks to.
fn engine_of(tool: &super::WaitTool) -> Option<&'static [&'static str]> {
    use super::WaitTool::*;
    match tool {
        PgIsReady => Some(&["postgres", "postgis", "timescale"]),
        MysqladminPing => Some(&["mysql", "mariadb", "percona"]),
        RedisCliPing => Some(&["redis", "valkey", "keydb"]),
        Mongosh => Some(&["mongo"]),
        _ => None,
    }
}

/// A host read from a variable that holds an address (`wget http://${FRONTEND_ADDR}` with
/// `FRONTEND_ADDR=frontend:80`) is a host and a port.
fn split_port(spec: &mut WaitSpec) {
    let Some(h) = &spec.host else { return };
    let Some((host, port)) = h.value.rsplit_once(':') else { return };
    let Ok(n) = port.parse::<i64>() else { return };
    if host.is_empty() || !(1..=65535).contains(&n) {
        return;
    }
    let span = h.span;
    if spec.port.is_none() {
        spec.port = Some(Spanned::new(n, span));
    }
    spec.host = Some(Spanned::new(host.to_string(), span));
}

fn kind_matches(k: WorkloadKind, written: &str) -> bool {
    let w = written.trim_end_matches('s');
    match k {
        WorkloadKind::Deployment => matches!(w, "deployment" | "deploy" | "deployments.app"),
        WorkloadKind::StatefulSet => matches!(w, "statefulset" | "st"),
        WorkloadKind::DaemonSet => matches!(w, "daemonset" | "d"),
        WorkloadKind::Job => matches!(w, "job" | "job-wr" | "jobs.batch"),
        WorkloadKind::Pod => matches!(w, "pod" | "po" | "pod-r"),
        _ => w == k.as_str().to_ascii_lowercase(),
    }
}

/// The release an object belongs to: Helm's instance label, or the chart directory of its
/// `# Source:` template.
fn release_of(w: &Workload) -> Option<String> {
    if let Some(l) = w.annotations.get("meta.helm.sh/release-name") {
        return Some(l.value.clone());
    }
    w.template.as_deref().and_then(|t| t.split('/').next()).map(str::to_string)
}

fn is_pre_hook(w: &Workload) -> bool {
    w.annotation(HELM_HOOK)
        .is_some_and(|h| h.value.split(',').any(|x| matches!(x.trim(), "pre-install" | "pre-upgrade")))
}

fn wave(w: &Workload) -> i64 {
    w.annotation(ARGO_WAVE).and_then(|a| a.value.trim().parse().ok()).unwrap_or(0)
}

/// Each distinct (consumer, provider) pair of the edges, in edge order.
fn dependency_pairs(p: &Platform) -> Vec<(WorkloadId, WorkloadId)> {
    let mut done: BTreeSet<(WorkloadId, WorkloadId)> = BTreeSet::new();
    p.edges.iter().filter_map(|e| Some((e.consumer, e.provider?))).filter(|pair| done.insert(*pair)).collect()
}

/// Gates that Helm hooks and Argo CD waves make for each dependency edge.
fn orchestrator_gates(p: &Platform) -> Vec<Gate> {
    let mut out = Vec::new();
    for (consumer, prov) in dependency_pairs(p) {
        let (c, pr) = (p.workload(consumer), p.workload(prov));
        let completes = pr.kind.is_batch();
        // Helm: a pre-install/pre-upgrade hook of the same release completes (Jobs, Pods) or is
        // created (anything else) before the release's other objects are created.
        if is_pre_hook(pr) && !is_pre_hook(c) && release_of(pr).is_some() && release_of(pr) == release_of(c) {
            let hook = pr.annotation(HELM_HOOK).map_or(String::new(), |h| h.value.clone());
            let weight = pr.annotation(HELM_WEIGHT).and_then(|w| w.value.trim().parse().ok()).unwrap_or(0);
            out.push(orchestrated(
                consumer,
                prov,
                GateKind::HelmHook { hook, weight },
                pr.annotation(HELM_HOOK).map_or(pr.name.span, |h| h.span),
                completes,
            ));
        }
        // Argo CD: an earlier wave is synced and healthy before the next starts; a PreSync hook
        // completes before the sync.
        let in_argo = [c, pr].iter().any(|w| w.annotation(ARGO_WAVE).is_some() || w.annotation(ARGO_HOOK).is_some());
        if in_argo {
            let presync = pr.annotation(ARGO_HOOK).is_some_and(|h| h.value.contains("PreSync"))
                && c.annotation(ARGO_HOOK).is_none();
            // A PostSync hook runs once every resource of the sync is healthy.
            let postsync = c.annotation(ARGO_HOOK).is_some_and(|h| h.value.contains("PostSync"))
                && pr.annotation(ARGO_HOOK).is_none();
            if presync || wave(pr) < wave(c) {
                let span = pr.annotation(ARGO_WAVE).or(pr.annotation(ARGO_HOOK)).map_or(pr.name.span, |a| a.span);
                let kind = GateKind::ArgoWave { provider_wave: wave(pr), consumer_wave: wave(c) };
                out.push(orchestrated(consumer, prov, kind, span, completes));
            } else if postsync {
                let span = c.annotation(ARGO_HOOK).map_or(c.name.span, |a| a.span);
                out.push(orchestrated(consumer, prov, GateKind::ArgoHook { hook: "PostSync".into() }, span, completes));
            }
        }
    }
    out
}

/// The Flux Kustomization whose `spec.path` holds a file: the longest path that is a directory
/// prefix of the file's path (paths are relative to the source root, the file's to where the run
/// started, so a path matches anywhere as a run of whole directory names).
/// `dirs` are [`flux_dirs`].
fn kustomization_of(dirs: &[Option<String>], file: &str) -> Option<usize> {
    let file = format!("/{}", file.trim_start_matches("./"));
    dirs.iter()
        .enumerate()
        .filter_map(|(i, dir)| dir.as_ref().filter(|d| file.contains(d.as_str())).map(|d| (d.len(), i)))
        .max()
        .map(|(_, i)| i)
}

/// Each Kustomization's `spec.path` as `/dir/` (None when it has none), made once per run.
fn flux_dirs(p: &Platform) -> Vec<Option<String>> {
    p.flux
        .iter()
        .map(|k| {
            let path = k.path.as_ref()?.value.trim_start_matches("./").trim_matches('/');
            (!path.is_empty()).then(|| format!("/{path}/"))
        })
        .collect()
}

/// Does Kustomization `from` depend on `to`, directly or through others? Returns the
/// `dependsOn` entry of `from` that leads there.
fn flux_depends(p: &Platform, from: usize, to: usize) -> Option<nexus_source::Span> {
    let mut stack: Vec<(usize, nexus_source::Span)> = Vec::new();
    let mut seen = BTreeSet::new();
    let k = &p.flux[from];
    let ns = k.namespace.as_deref();
    let lookup = |name: &str, dns: Option<&str>| {
        p.flux.iter().position(|x| x.name.value == name && same_namespace(x.namespace.as_deref(), dns))
    };
    for (d, dns) in &k.depends_on {
        if let Some(i) = lookup(&d.value, dns.as_deref().or(ns)) {
            stack.push((i, d.span));
        }
    }
    while let Some((i, first)) = stack.pop() {
        if i == to {
            return Some(first);
        }
        if !seen.insert(i) {
            continue;
        }
        let k = &p.flux[i];
        for (d, dns) in &k.depends_on {
            if let Some(j) = lookup(&d.value, dns.as_deref().or(k.namespace.as_deref())) {
                stack.push((j, first));
            }
        }
    }
    None
}

/// Flux applies a Kustomization only once those it `dependsOn` are Ready; with `wait: true` or
/// health checks, Ready means their workloads are ready (simulation-model.md A7).
fn flux_gates(p: &Platform, db: &SourceDb) -> Vec<Gate> {
    let mut out = Vec::new();
    if p.flux.is_empty() {
        return out;
    }
    // Each file's Kustomization, found once: pairs are many more than files.
    let dirs = flux_dirs(p);
    let mut by_file: std::collections::HashMap<nexus_source::FileId, Option<usize>> = Default::default();
    let mut of =
        |f: nexus_source::FileId| *by_file.entry(f).or_insert_with(|| kustomization_of(&dirs, &db.get(f).path));
    for (consumer, prov) in dependency_pairs(p) {
        let (c, pr) = (p.workload(consumer), p.workload(prov));
        let (Some(kc), Some(kp)) = (of(c.file), of(pr.file)) else {
            continue;
        };
        if kc == kp || !p.flux[kp].waits_for_health {
            continue;
        }
        if let Some(span) = flux_depends(p, kc, kp) {
            out.push(orchestrated(consumer, prov, GateKind::FluxDependsOn, span, pr.kind.is_batch()));
        }
    }
    out
}

fn orchestrated(
    consumer: WorkloadId,
    provider: WorkloadId,
    kind: GateKind,
    span: nexus_source::Span,
    completes: bool,
) -> Gate {
    let level = if completes { ReadyLevel::Completed } else { ReadyLevel::Healthy };
    Gate { provider: Some(provider), timeout: super::Bound::Default(300_000), ..Gate::new(consumer, kind, span, level) }
}

/// Deploy-script gates: a consumer created after its provider was created *and* waited for.
fn plan_gates(p: &Platform) -> Vec<Gate> {
    let mut out = Vec::new();
    // Each object's (first) workload, indexed once rather than searched per object.
    let mut by_object: std::collections::HashMap<ObjectId, &super::Workload> = std::collections::HashMap::new();
    for w in &p.workloads {
        if let Some(o) = w.object {
            by_object.entry(o).or_insert(w);
        }
    }
    let workload_of = |o: ObjectId| by_object.get(&o).copied();
    for (pi, plan) in p.plans.iter().enumerate().filter(|(_, plan)| plan.kind == super::PlanKind::Script) {
        let mut created: BTreeSet<WorkloadId> = BTreeSet::new();
        // provider → (wait step, level, timeout)
        let mut waited: Vec<(WorkloadId, usize, ReadyLevel, super::Bound)> = Vec::new();
        for (si, step) in plan.steps.iter().enumerate() {
            match &step.action {
                PlanAction::Apply { objects, .. } => {
                    for &o in objects {
                        let Some(w) = workload_of(o) else { continue };
                        for e in p.dependencies_of(w.id) {
                            let Some(prov) = e.provider else { continue };
                            if let Some(&(_, ws, level, timeout)) = waited.iter().find(|(x, ..)| *x == prov) {
                                if out.iter().any(|g: &Gate| g.consumer == w.id && g.provider == Some(prov)) {
                                    continue;
                                }
                                let kind = GateKind::DeployScript { plan: pi, wait_step: ws };
                                let own = Gate::new(w.id, kind, plan.steps[ws].span, level);
                                out.push(Gate { provider: Some(prov), timeout, ..own });
                            }
                        }
                        created.insert(w.id);
                    }
                }
                PlanAction::Wait { condition, objects, timeout, .. } => {
                    // `--for=delete`, JSONPath and conditions waited on as false prove nothing.
                    let Some(level) = crate::plan::wait_level(condition) else { continue };
                    for &o in objects {
                        if let Some(w) = workload_of(o).filter(|w| created.contains(&w.id)) {
                            waited.push((w.id, si, level, *timeout));
                        }
                    }
                }
                PlanAction::RolloutStatus { objects, timeout, .. } => {
                    for &o in objects {
                        if let Some(w) = workload_of(o).filter(|w| created.contains(&w.id)) {
                            waited.push((w.id, si, ReadyLevel::Healthy, *timeout));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Does a consumer have a gate that holds for this provider, directly or through others (see
/// [`gating`])? Returns the consumer's own gate that makes it wait.
pub fn gated(p: &Platform, consumer: WorkloadId, provider: WorkloadId, endpoint: Option<EndpointId>) -> Option<&Gate> {
    gating(p, consumer, provider, endpoint).map(|g| g.gate)
}

/// How a consumer's start is ordered after a provider is ready.
#[derive(Clone, Copy, Debug)]
pub struct Gating<'a> {
    /// The gate that makes the provider ready before the consumer starts: the consumer's own,
    /// or, through others, the one that decides.
    pub gate: &'a Gate,
    /// None when the consumer waits for the provider itself; else the workload the consumer
    /// waits for, whose start or readiness implies the provider's.
    pub via: Option<WorkloadId>,
}

/// A direct gate of `consumer` on `provider`, if any.
fn direct(p: &Platform, consumer: WorkloadId, provider: WorkloadId, endpoint: Option<EndpointId>) -> Option<&Gate> {
    p.gates_of(consumer).find(|g| {
        g.consumer == consumer
            && (matches!(g.kind, GateKind::Retries)
                || g.provider == Some(provider)
                || (endpoint.is_some() && g.endpoint == endpoint))
    })
}

/// Does a consumer wait for this provider — directly, or through the gate graph for its first
/// start? A gate holds transitively when the consumer waits for something that can only be
/// there once the provider is ready:
///
/// - a workload that *started* before the consumer had its own gates satisfied first: Compose
///   starts a service only after its `depends_on` conditions (even `service_started` orders
///   the start), and a wait on a Kubernetes Service's port passes only once the pod's main
///   container runs, i.e. after its init containers' waits;
/// - a workload that is *ready* (healthy, with a health check of its own, or completed) has
///   made the connections it makes at start: `app` waiting for `web` to be healthy, where
///   `web` connects to `db` when it starts, is not started before `db` accepts connections.
pub fn gating(
    p: &Platform,
    consumer: WorkloadId,
    provider: WorkloadId,
    endpoint: Option<EndpointId>,
) -> Option<Gating<'_>> {
    if let Some(gate) = direct(p, consumer, provider, endpoint) {
        return Some(Gating { gate, via: None });
    }
    // Breadth first over what starts before the consumer, remembering the first workload of
    // each path (what the consumer itself waits for).
    let mut seen: BTreeSet<WorkloadId> = BTreeSet::from([consumer]);
    let mut queue: std::collections::VecDeque<(WorkloadId, Option<WorkloadId>)> = [(consumer, None)].into();
    while let Some((node, via)) = queue.pop_front() {
        for (q, gate) in started_before(p, node) {
            let via = via.or(Some(q));
            // `q` is ready before `node` starts: if it is the provider, or if being ready means
            // it made its start-time connections, among them one to the provider.
            if let Some(g) = gate.filter(|g| g.level >= ReadyLevel::PortOpen) {
                let made_its_connections =
                    match g.level {
                        ReadyLevel::Completed => true,
                        ReadyLevel::Healthy => p.workload(q).has_readiness(),
                        _ => false,
                    } && p.dependencies_of(q).any(|e| e.consumer == q && e.provider == Some(provider));
                if (q == provider && node != consumer) || made_its_connections {
                    return Some(Gating { gate: g, via });
                }
            }
            if q != provider && seen.insert(q) {
                queue.push_back((q, via));
            }
        }
    }
    None
}

/// What starts before `node` does, with the gate that says how ready it is then (None for a
/// Compose start order without a condition).
fn started_before(p: &Platform, node: WorkloadId) -> Vec<(WorkloadId, Option<&Gate>)> {
    let mut out: Vec<(WorkloadId, Option<&Gate>)> = Vec::new();
    for g in p.gates_of(node).filter(|g| g.consumer == node) {
        let Some(q) = g.provider else { continue };
        let counts = match &g.kind {
            GateKind::ComposeCondition { required, .. } => *required,
            GateKind::Retries | GateKind::NativeSidecar { .. } => false,
            _ => g.level >= ReadyLevel::PortOpen,
        };
        if counts {
            out.push((q, Some(g)));
        }
    }
    for e in p.dependencies_of(node).filter(|e| e.consumer == node) {
        if let (Some(q), EdgeKind::DependsOn { required: true, .. }) = (e.provider, &e.kind)
            && !out.iter().any(|(x, _)| *x == q)
        {
            out.push((q, None));
        }
    }
    out
}

/// The name of a gate's target, for messages.
pub fn target_name(p: &Platform, g: &Gate) -> String {
    if let Some(h) = &g.host {
        return h.value.clone();
    }
    if let Some((_, n)) = &g.object {
        return n.value.clone();
    }
    g.provider.map(|w| p.workload(w).name.value.clone()).unwrap_or_default()
}
