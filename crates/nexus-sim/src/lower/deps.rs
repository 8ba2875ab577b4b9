//! Connections and gates.
//!
//! **Connections** come from the model's dependency edges: a host in an env value, an arg or
//! the config an env var reads, `nexus-lint.io/depends-on`, Compose `links` and `depends_on`.
//! The container whose text holds the evidence connects, when it starts (research C2 `DepUse
//! when: AtStart`; C4 "app crash delay when a dependency is missing: U(0.5, 3) s"). A
//! connection that is refused crashes the program, unless the consumer is a datastore, cache or
//! queue (their clustering clients retry peers) or declares
//! `nexus-lint.io/retries-dependencies: "true"` (research C2 `on_unavailable: Crash | Retry`).
//! Edges that are only the evidence of a wait ([`nexus_model::EdgeKind::Wait`]) make no
//! connection, nor do edges to one-shot providers (nothing listens there), nor a host in the
//! arguments of a container that waits for that provider (the wait's own target).
//!
//! **Gates** come from the model's gates: init-container and entrypoint waits with their bound
//! and what passing proves (research A3, A8), the retries declaration, and every Compose
//! `depends_on` entry, `service_started` included, since Compose orders creation by it
//! (research A6). Native sidecars need no gate: the engine orders init containers itself
//! (research A3). Helm hooks, Argo CD waves and deploy-script waits are plan steps
//! ([`super::plan`]); Flux `dependsOn` is not simulated.

use nexus_model::{EdgeKind, GateKind as MGate, HostSource, ReadyLevel, Role, Span, WaitTool, WorkloadId};

use super::annotations::{self, CRASH_AFTER};
use super::{Builder, OriginInfo};
use crate::spec::{ActorId, ComposeCondition, Dependency, Gate, GateKind, Level, OnUnavailable, Slot};

/// The container of a workload whose item contains `span`: (init?, index).
fn container_at(b: &Builder<'_>, w: WorkloadId, span: Span) -> Option<Slot> {
    let wl = b.m.workload(w);
    let inside = |s: Span| s.file == span.file && s.start <= span.start && span.end <= s.end;
    if let Some(i) = wl.init_containers.iter().position(|c| inside(c.span)) {
        return Some(Slot::Init(i as u16));
    }
    wl.containers.iter().position(|c| inside(c.span)).map(|i| Slot::Main(i as u16))
}

fn container_named(b: &Builder<'_>, w: WorkloadId, name: &str) -> Option<Slot> {
    let wl = b.m.workload(w);
    if let Some(i) = wl.init_containers.iter().position(|c| c.name.value == name) {
        return Some(Slot::Init(i as u16));
    }
    wl.containers.iter().position(|c| c.name.value == name).map(|i| Slot::Main(i as u16))
}

/// Whether a container of the consumer waits for the provider (an init or entrypoint wait).
fn waits_for(b: &Builder<'_>, consumer: WorkloadId, slot: Slot, provider: WorkloadId) -> bool {
    b.m.gates_of(consumer).any(|g| {
        matches!(g.kind, MGate::InitWait { .. } | MGate::EntrypointWait { .. })
            && g.provider == Some(provider)
            && g.container.as_deref().and_then(|c| container_named(b, consumer, c)) == Some(slot)
    })
}

/// Providers a connection can be made to: long-running workloads.
fn listens(b: &Builder<'_>, w: WorkloadId) -> bool {
    let wl = b.m.workload(w);
    !wl.kind.is_batch() && !matches!(wl.role, Role::Migration | Role::OneShot)
}

pub(super) fn add_dependencies(b: &mut Builder<'_>) {
    let m = b.m;
    // Evidence of a connection first; a bare `depends_on` only where nothing else names the
    // provider, so the evidence shown is the URL the app reads.
    let mut pending: Vec<(usize, bool)> = Vec::new();
    for (i, e) in m.edges.iter().enumerate() {
        match e.kind {
            EdgeKind::Wait => {}
            EdgeKind::DependsOn { .. } => pending.push((i, true)),
            EdgeKind::Host { .. } | EdgeKind::Annotation | EdgeKind::Link => pending.push((i, false)),
        }
    }
    pending.sort_by_key(|&(i, bare)| (bare, i));
    for (i, bare) in pending {
        let e = &m.edges[i];
        let (Some(consumer), Some(provider_w)) = (b.actor(e.consumer), e.provider) else { continue };
        let Some(provider) = b.actor(provider_w) else { continue };
        if provider_w == e.consumer || !listens(b, provider_w) {
            continue;
        }
        let evidence = e.via.unwrap_or(e.target.span);
        let slot = container_at(b, e.consumer, e.target.span)
            .or_else(|| e.via.and_then(|v| container_at(b, e.consumer, v)))
            .unwrap_or(Slot::Main(b.p.actors[consumer.index()].serving_container));
        if let EdgeKind::Host { source: HostSource::Arg, .. } = e.kind
            && waits_for(b, e.consumer, slot, provider_w)
        {
            continue;
        }
        if matches!(slot, Slot::Init(_)) && waits_for(b, e.consumer, slot, provider_w) {
            continue;
        }
        let dup =
            b.p.dependencies
                .iter()
                .any(|d| d.consumer == consumer && d.provider == provider && (bare || d.container == slot));
        if dup {
            continue;
        }
        let consumer_role = m.workload(e.consumer).role;
        let on_unavailable = if matches!(consumer_role, Role::Datastore | Role::Cache | Role::Queue) {
            OnUnavailable::Retry { interval_ms: None, give_up_ms: None }
        } else {
            OnUnavailable::Crash { after: annotations::dist(b, e.consumer, CRASH_AFTER) }
        };
        let origin = b.origins.add(OriginInfo {
            span: evidence,
            resource: Some(b.resource(e.consumer)),
            template: m.workload(e.consumer).template.clone(),
            what: "dependency",
        });
        b.p.dependencies.push(Dependency {
            consumer,
            container: slot,
            provider,
            origin,
            connect_at: None,
            on_unavailable,
        });
    }
}

/// What passing a wait proves, as a level the engine checks. `PortOpen` and `Answers` both need
/// a routable listener (a Service forwards only to Ready pods, research A2); `Healthy` is a
/// Ready pod, or Deployment `Available` for `kubectl wait --for=condition=available` (research
/// A4, A8).
fn level(l: ReadyLevel, tool: &WaitTool, provider_kind: nexus_model::WorkloadKind) -> Level {
    match l {
        ReadyLevel::Resolves => Level::Created,
        ReadyLevel::Started => Level::Started,
        ReadyLevel::PortOpen | ReadyLevel::Answers => Level::Listening,
        ReadyLevel::Healthy
            if *tool == WaitTool::KubectlWait && provider_kind == nexus_model::WorkloadKind::Deployment =>
        {
            Level::Available
        }
        ReadyLevel::Healthy => Level::Ready,
        ReadyLevel::Completed => Level::Completed,
    }
}

/// A wait's deadline: none for an unbounded loop; one poll for a single check (a check that
/// passes resolves at once, one that fails after 1 ms).
fn timeout(bound: nexus_model::Bound) -> Option<u64> {
    match bound {
        nexus_model::Bound::Unbounded => None,
        nexus_model::Bound::Millis(ms) | nexus_model::Bound::Default(ms) => Some(u64::try_from(ms).unwrap_or(0)),
        nexus_model::Bound::Once => Some(1),
    }
}

fn condition(c: &str) -> ComposeCondition {
    match c {
        "service_healthy" => ComposeCondition::ServiceHealthy,
        "service_completed_successfully" => ComposeCondition::ServiceCompletedSuccessfully,
        _ => ComposeCondition::ServiceStarted,
    }
}

pub(super) fn add_gates(b: &mut Builder<'_>) {
    let m = b.m;
    for g in &m.gates {
        let Some(consumer) = b.actor(g.consumer) else { continue };
        let origin = |b: &mut Builder<'_>, what| {
            b.origins.add(OriginInfo {
                span: g.span,
                resource: Some(b.resource(g.consumer)),
                template: m.workload(g.consumer).template.clone(),
                what,
            })
        };
        match &g.kind {
            MGate::InitWait { tool } | MGate::EntrypointWait { tool } => {
                let Some(pw) = g.provider else { continue };
                let (Some(provider), Some(slot)) =
                    (b.actor(pw), g.container.as_deref().and_then(|c| container_named(b, g.consumer, c)))
                else {
                    continue;
                };
                if pw == g.consumer {
                    continue;
                }
                let level = level(g.level, tool, m.workload(pw).kind);
                let origin = origin(b, "gate");
                b.p.gates.push(Gate {
                    consumer,
                    origin,
                    kind: GateKind::Wait {
                        container: slot,
                        provider,
                        level,
                        poll_ms: None,
                        timeout_ms: timeout(g.timeout),
                    },
                });
            }
            MGate::Retries => {
                let origin = origin(b, "gate");
                b.p.gates.push(Gate { consumer, origin, kind: GateKind::RetriesDependencies });
            }
            // Compose conditions come from the edges below (with `service_started`); the rest
            // are plan steps or not simulated.
            _ => {}
        }
    }
    for e in &m.edges {
        let EdgeKind::DependsOn { condition: c, required, .. } = &e.kind else { continue };
        let (Some(consumer), Some(provider)) = (b.actor(e.consumer), e.provider.and_then(|p| b.actor(p))) else {
            continue;
        };
        if consumer == provider || already_gated(b, consumer, provider) {
            continue;
        }
        let origin = b.origins.add(OriginInfo {
            span: e.target.span,
            resource: Some(b.resource(e.consumer)),
            template: None,
            what: "gate",
        });
        b.p.gates.push(Gate {
            consumer,
            origin,
            kind: GateKind::ComposeDependsOn { provider, condition: condition(c), required: *required },
        });
    }
}

fn already_gated(b: &Builder<'_>, consumer: ActorId, provider: ActorId) -> bool {
    b.p.gates.iter().any(|g| {
        g.consumer == consumer && matches!(g.kind, GateKind::ComposeDependsOn { provider: p, .. } if p == provider)
    })
}
