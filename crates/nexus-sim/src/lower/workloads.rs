//! Workloads into actors: kind, replicas, containers in order (native sidecars included),
//! probes or Compose healthchecks, what each program does (serve or run to completion, and how
//! long), and the controller settings that decide restarts and rollouts.

use std::collections::BTreeMap;

use nexus_model::{self as model, PortRef, Probe as MProbe, ProbeHandler, Role, Workload, WorkloadId};

use super::annotations::{self, IMAGE_PULL};
use super::{Builder, OriginInfo};
use crate::dist::Dist;
use crate::spec::{
    Actor, ActorId, Container, DockerRestart, Healthcheck, JobSpec, Lifecycle, Millis, Probe, RestartPolicy,
    RolloutSpec, WorkloadKind,
};

/// Why a workload of a unit is not simulated, if it is not.
pub(super) fn skip_reason(m: &model::Platform, w: WorkloadId) -> Option<&'static str> {
    let wl = m.workload(w);
    if wl.compose.as_ref().is_some_and(|c| !c.profiles.is_empty()) {
        // Services with profiles start only when a profile is enabled (compose-spec `profiles`).
        return Some("has `profiles`, which `docker compose up` does not start");
    }
    if wl.replicas.as_ref().is_some_and(|r| r.value <= 0) {
        return Some("`replicas: 0`");
    }
    if wl.containers.is_empty() {
        return Some("no container");
    }
    None
}

/// Stable, unique actor names: the workload's name, qualified by namespace and then kind when
/// two workloads of the unit share it. They name the actors' random streams, so they depend on
/// nothing but the manifests.
pub(super) fn actor_names(m: &model::Platform, ws: &[WorkloadId]) -> Vec<String> {
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for &w in ws {
        *count.entry(m.workload(w).name.value.as_str()).or_default() += 1;
    }
    let mut ns_count: BTreeMap<String, usize> = BTreeMap::new();
    let qualified = |w: &Workload| match &w.namespace {
        Some(ns) => format!("{ns}/{}", w.name.value),
        None => w.name.value.clone(),
    };
    for &w in ws {
        *ns_count.entry(qualified(m.workload(w))).or_default() += 1;
    }
    let mut out: Vec<String> = Vec::with_capacity(ws.len());
    for &w in ws {
        let wl = m.workload(w);
        let mut name = if count[wl.name.value.as_str()] == 1 {
            wl.name.value.clone()
        } else if ns_count[&qualified(wl)] == 1 {
            qualified(wl)
        } else {
            wl.resource.to_string()
        };
        // Resource identities are unique in a unit (duplicates are left out); stay safe anyway.
        let base = name.clone();
        let mut n = 1;
        while out.contains(&name) {
            n += 1;
            name = format!("{base}#{n}");
        }
        out.push(name);
    }
    out
}

fn kind(k: model::WorkloadKind) -> WorkloadKind {
    match k {
        model::WorkloadKind::Deployment => WorkloadKind::Deployment,
        model::WorkloadKind::StatefulSet => WorkloadKind::StatefulSet,
        model::WorkloadKind::DaemonSet => WorkloadKind::DaemonSet,
        model::WorkloadKind::ReplicaSet => WorkloadKind::ReplicaSet,
        model::WorkloadKind::Job => WorkloadKind::Job,
        model::WorkloadKind::CronJob => WorkloadKind::CronJob,
        model::WorkloadKind::Pod => WorkloadKind::Pod,
        model::WorkloadKind::ComposeService => WorkloadKind::ComposeService,
    }
}

/// Runs to completion rather than serving: Jobs, and workloads whose role is a migration or a
/// one-shot (a Compose `restart: "no"` service with a command and no port). A Deployment
/// whose program exits is restarted by the kubelet like any other (research A1), which the
/// engine does for it.
fn one_shot(wl: &Workload) -> bool {
    wl.kind.is_batch() || matches!(wl.role, Role::Migration | Role::OneShot)
}

fn ms(v: &Option<nexus_model::Spanned<i64>>) -> Option<Millis> {
    v.as_ref().and_then(|s| u64::try_from(s.value).ok())
}

fn count(v: &Option<nexus_model::Spanned<i64>>) -> Option<u32> {
    v.as_ref().and_then(|s| u32::try_from(s.value).ok())
}

/// A Kubernetes probe; `None` when it has no handler (NX002 reports that) or is disabled.
/// Unset fields keep `SetDefaults_Probe`'s values (research A2).
fn probe(p: &Option<MProbe>) -> Option<Probe> {
    let p = p.as_ref().filter(|p| !p.disabled && !matches!(p.handler, ProbeHandler::None))?;
    Some(Probe {
        initial_delay_ms: ms(&p.initial_delay_ms),
        period_ms: ms(&p.period_ms),
        timeout_ms: ms(&p.timeout_ms),
        success_threshold: count(&p.success_threshold),
        failure_threshold: count(&p.failure_threshold),
    })
}

/// A Compose healthcheck (stored as the model's readiness probe); unset fields keep moby's
/// defaults: interval 30 s, retries 3, start_period 0, start_interval 5 s (research A6).
fn healthcheck(p: &Option<MProbe>) -> Option<Healthcheck> {
    let p = p.as_ref().filter(|p| !p.disabled && !matches!(p.handler, ProbeHandler::None))?;
    Some(Healthcheck {
        interval_ms: ms(&p.period_ms),
        timeout_ms: ms(&p.timeout_ms),
        retries: count(&p.failure_threshold),
        start_period_ms: ms(&p.start_period_ms),
        start_interval_ms: ms(&p.start_interval_ms),
    })
}

/// Replicas at install: `spec.replicas` as written, else the HPA's `minReplicas` (an HPA
/// adjusts a running Deployment only after its first sync, research A5), else 1. One node is
/// assumed, so a DaemonSet runs one pod; a Job runs `parallelism` pods, set in its JobSpec.
fn replicas(m: &model::Platform, wl: &Workload) -> u32 {
    use model::WorkloadKind as K;
    match wl.kind {
        K::Deployment | K::StatefulSet | K::ReplicaSet => {
            if let Some(r) = &wl.replicas {
                return u32::try_from(r.value).unwrap_or(1);
            }
            m.hpas()
                .find(|(_, h)| h.target == Some(wl.id))
                .and_then(|(_, h)| h.min_replicas.as_ref().map(|r| u32::try_from(r.value).unwrap_or(1)))
                .unwrap_or(1)
                .max(1)
        }
        _ => 1,
    }
}

/// `maxUnavailable` as an absolute number: a percentage of replicas rounded down (research A4).
fn max_unavailable(v: &PortRef, replicas: u32) -> Option<u32> {
    match v {
        PortRef::Number(n) => u32::try_from(*n).ok(),
        PortRef::Name(s) => {
            let pct: u64 = s.strip_suffix('%')?.trim().parse().ok()?;
            u32::try_from(pct.saturating_mul(u64::from(replicas)) / 100).ok()
        }
    }
}

/// `maxSurge` as an absolute number: a percentage of replicas rounded up (research A4).
fn max_surge(v: &PortRef, replicas: u32) -> Option<u32> {
    match v {
        PortRef::Number(n) => u32::try_from(*n).ok(),
        PortRef::Name(s) => {
            let pct: u64 = s.strip_suffix('%')?.trim().parse().ok()?;
            u32::try_from(pct.saturating_mul(u64::from(replicas)).div_ceil(100)).ok()
        }
    }
}

/// Compose `restart:` (compose-spec `restart`; moby `restartmanager.go`): `no` by default.
fn docker_restart(wl: &Workload) -> DockerRestart {
    let Some(r) = wl.compose.as_ref().and_then(|c| c.restart.as_ref()) else { return DockerRestart::No };
    let v = r.value.trim();
    match v {
        "always" => DockerRestart::Always,
        "unless-stopped" => DockerRestart::UnlessStopped,
        _ => match v.strip_prefix("on-failure") {
            Some(rest) => DockerRestart::OnFailure {
                max_retries: rest.strip_prefix(':').and_then(|n| n.trim().parse().ok()).unwrap_or(0),
            },
            None => DockerRestart::No,
        },
    }
}

/// The pod's restart policy: a Job's template must say `OnFailure` or `Never` (`Never` when
/// unset, as the engine's Job default); a bare Pod's defaults to `Always` (research A1).
fn restart_policy(wl: &Workload) -> RestartPolicy {
    let written = match &wl.batch {
        Some(b) => b.restart_policy.as_ref(),
        None => wl.controller.restart_policy.as_ref(),
    };
    match written.map(|s| s.value.as_str()) {
        Some("OnFailure") => RestartPolicy::OnFailure,
        Some("Never") => RestartPolicy::Never,
        Some(_) if wl.kind.is_batch() => RestartPolicy::Never,
        None if wl.kind.is_batch() => RestartPolicy::Never,
        _ => RestartPolicy::Always,
    }
}

fn runs_migration(m: &model::Platform, w: WorkloadId, container: &str) -> bool {
    m.migrations.iter().any(|mg| mg.workload == w && mg.container == container)
}

fn container(b: &mut Builder<'_>, w: WorkloadId, c: &model::Container, main: bool) -> Container {
    let wl = b.m.workload(w);
    let compose = wl.kind == model::WorkloadKind::ComposeService;
    let origin = b.origins.add(OriginInfo {
        span: c.name.span,
        resource: Some(wl.resource.clone()),
        template: wl.template.clone(),
        what: "container",
    });
    let sidecar = c.is_sidecar();
    // A regular init container runs to completion; a native sidecar keeps running (research A3).
    let lifecycle = if (!main && !sidecar) || (main && one_shot(wl)) {
        Lifecycle::RunToCompletion { exit_code: 0 }
    } else {
        Lifecycle::Serve
    };
    let mut out = Container::serve(c.name.value.clone());
    out.origin = origin;
    out.sidecar = sidecar;
    out.lifecycle = lifecycle;
    if compose {
        out.healthcheck = healthcheck(&c.readiness);
    } else if main || sidecar {
        // Regular init containers cannot have probes (research A3).
        out.readiness = probe(&c.readiness);
        out.liveness = probe(&c.liveness);
        out.startup = probe(&c.startup);
    }
    let migrates = runs_migration(b.m, w, &c.name.value);
    out.work = annotations::startup(b, w, &c.name.value, main);
    if out.work.is_none() && migrates && matches!(lifecycle, Lifecycle::RunToCompletion { .. }) {
        // The migration's own duration is the run time of a container that only migrates.
        out.work = Some(Dist::ZERO);
    }
    out
}

/// Lowers one workload into an actor.
pub(super) fn add_actor(b: &mut Builder<'_>, w: WorkloadId, name: String) {
    let wl = b.m.workload(w);
    let k = kind(wl.kind);
    let origin = b.origins.add(OriginInfo {
        span: wl.name.span,
        resource: Some(wl.resource.clone()),
        template: wl.template.clone(),
        what: "workload",
    });
    let inits: Vec<&model::Container> = wl.init_containers.iter().collect();
    let mains: Vec<&model::Container> = wl.containers.iter().collect();
    let init_containers = inits.into_iter().map(|c| container(b, w, c, false)).collect();
    let containers: Vec<Container> = mains.into_iter().map(|c| container(b, w, c, true)).collect();
    let wl = b.m.workload(w);
    let mut a = Actor::new(name, k, containers.first().cloned().unwrap_or_else(|| Container::serve("main")));
    a.origin = origin;
    a.containers = containers;
    a.init_containers = init_containers;
    a.serving_container = wl.containers.iter().position(|c| !c.ports.is_empty()).unwrap_or(0) as u16;
    a.replicas = replicas(b.m, wl);
    a.restart_policy = restart_policy(wl);
    if wl.kind == model::WorkloadKind::Job
        && let Some(bs) = &wl.batch
    {
        a.job = Some(JobSpec {
            backoff_limit: count(&bs.backoff_limit),
            active_deadline_ms: ms(&bs.active_deadline_seconds).map(|s| s.saturating_mul(1000)),
            parallelism: count(&bs.parallelism),
            completions: count(&bs.completions),
        });
    }
    if wl.kind == model::WorkloadKind::Deployment {
        a.rollout = RolloutSpec {
            max_unavailable: wl.controller.max_unavailable.as_ref().and_then(|v| max_unavailable(&v.value, a.replicas)),
            progress_deadline_ms: ms(&wl.controller.progress_deadline_seconds).map(|s| s.saturating_mul(1000)),
            max_surge: wl.controller.max_surge.as_ref().and_then(|v| max_surge(&v.value, a.replicas)),
            min_ready_ms: ms(&wl.controller.min_ready_seconds).map(|s| s.saturating_mul(1000)),
            recreate: wl.controller.strategy.as_ref().is_some_and(|s| s.value == "Recreate"),
        };
    }
    a.compose_restart = docker_restart(wl);
    a.required = k != WorkloadKind::CronJob;
    a.image_pull = annotations::dist(b, w, IMAGE_PULL);
    let id = ActorId(b.p.actors.len() as u32);
    b.p.actors.push(a);
    b.actor_of.insert(w, id);
}
