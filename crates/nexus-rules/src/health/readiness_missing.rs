use crate::prelude::*;
use nexus_model::migration::image_basename;
use nexus_model::roles::{Tolerance, migrates_at_start, tolerance};
use nexus_model::{Format, GateKind, ReadyLevel, Role, Workload};

declare_rule!(Warning);

/// A readiness check suited to the workload, for `help`.
fn suggestion(w: &Workload) -> String {
    let image = w.containers.first().map(|c| image_basename(c.image_str()).to_ascii_lowercase()).unwrap_or_default();
    let port = w.containers.iter().flat_map(|c| &c.ports).map(|p| p.port.value).next();
    let compose = w.resource.format == Format::Compose;
    let cmd: Option<&str> =
        if image.starts_with("postgres") || image.starts_with("postgis") || image.starts_with("timescale") {
            Some("pg_isready -U postgres")
        } else if image.starts_with("redis") || image.starts_with("valkey") {
            Some("redis-cli ping")
        } else if image.starts_with("mysql") || image.starts_with("mariadb") {
            Some("mysqladmin ping -h 127.0.0.1")
        } else if image.starts_with("mongo") {
            Some("mongosh --quiet --eval 'db.adminCommand(\"ping\")'")
        } else if image.starts_with("rabbitmq") {
            Some("rabbitmq-diagnostics -q ping")
        } else {
            None
        };
    match (compose, cmd, port) {
        (true, Some(c), _) => format!(
            "Add a `healthcheck:` (`test: [\"CMD-SHELL\", \"{c}\"]`) so dependents can wait for `condition: service_healthy`."
        ),
        (true, None, Some(p)) => format!(
            "Add a `healthcheck:` that checks the service on port {p} (for HTTP, `curl -fsS http://localhost:{p}/health`)."
        ),
        (true, None, None) => "Add a `healthcheck:` that checks the service really serves.".into(),
        (false, Some(c), _) => {
            let argv = c.split(' ').map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(", ");
            format!(
                "Add a `readinessProbe` (`exec: {{command: [{argv}]}}`) so traffic and waiting dependents hold until it is ready."
            )
        }
        (false, None, Some(p)) => {
            format!("Add a `readinessProbe` (`httpGet` or `tcpSocket` on port {p}) so traffic waits until it is ready.")
        }
        (false, None, None) => "Add a `readinessProbe` so traffic waits until the workload is ready.".into(),
    }
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for w in &p.workloads {
        if !w.is_long_running() || matches!(w.role, Role::Migration | Role::OneShot) || w.containers.is_empty() {
            continue;
        }
        let has_check = w.has_readiness();
        if has_check {
            continue;
        }
        let compose = w.resource.format == Format::Compose;
        let stateful = matches!(w.role, Role::Datastore | Role::Cache | Role::Queue);
        // What depends on it and would suffer from it not being ready: not what tolerates a
        // late provider (observability tooling, admin UIs, a Compose proxy in front of it,
        // telemetry senders, what waits for it by itself), not itself. Something that only
        // retries a datastore still wants to be able to wait for it.
        let all: Vec<_> = p.dependents_of(w.id).filter(|e| e.consumer != w.id).collect();
        let mut dependents: Vec<_> = all
            .iter()
            .copied()
            .filter(|e| match tolerance(p, e.consumer, w.id) {
                None => true,
                Some(Tolerance::Retries | Tolerance::Client) => stateful,
                Some(_) => false,
            })
            // A dependent whose own command checks the provider before it goes on (an
            // entrypoint's `pg_isready` loop, an init container's wait) needs no probe of it.
            .filter(|e| {
                !p.gates_of(e.consumer).any(|g| {
                    g.provider == Some(w.id)
                        && matches!(g.kind, GateKind::InitWait { .. } | GateKind::EntrypointWait { .. })
                        && g.level >= ReadyLevel::Answers
                })
            })
            .collect();
        // In Compose an HTTP or gRPC upstream is called per request: what depends on it needs
        // it ready at start only when it runs once, or waits for it to be healthy — or when the
        // upstream migrates its schema as it starts, which its dependents need done.
        if compose && !stateful && !migrates_at_start(p, w) {
            dependents.retain(|e| {
                let c = p.workload(e.consumer);
                matches!(c.role, Role::OneShot | Role::Migration)
                    || p.gates_of(e.consumer).any(|g| g.provider == Some(w.id) && g.level == ReadyLevel::Healthy)
            });
        }
        // A dependent waits for it to be healthy although the Compose file defines no check: the
        // author relies on one its image defines (nextcloud's all-in-one image), unless the
        // image is known to have none (NX102 then says that the wait can never end).
        if compose
            && w.image_may_define_healthcheck()
            && all.iter().any(|e| {
                p.gates_of(e.consumer).any(|g| {
                    g.provider == Some(w.id)
                        && g.level == ReadyLevel::Healthy
                        && matches!(g.kind, GateKind::ComposeCondition { .. })
                })
            })
        {
            continue;
        }
        // In Kubernetes a Service routes traffic to it (during every rollout too) — unless it
        // is tooling, or only tooling and telemetry senders are known to use it. In Compose
        // nothing waits on a healthcheck unless a dependent asks for it: a published port is
        // no reason.
        let tooling = matches!(w.role, Role::Observability | Role::Admin)
            || (!all.is_empty()
                && all.iter().all(|e| {
                    matches!(tolerance(p, e.consumer, w.id), Some(Tolerance::Tooling | Tolerance::Telemetry))
                }));
        // A Service that only exposes metrics is scraped, not called: Prometheus's endpoints
        // discovery keeps unready pods as targets (`__meta_kubernetes_endpoint_ready`), and a
        // scrape of a starting pod costs nothing (argo-rollouts' `argo-rollouts-metrics`).
        let services: Vec<_> = if compose || (dependents.is_empty() && tooling) {
            Vec::new()
        } else {
            p.endpoints_of(w.id).filter(|s| !metrics_only(s)).collect()
        };
        if services.is_empty() && dependents.is_empty() {
            continue;
        }
        let why = if let Some(e) = dependents.first() {
            format!("`{}` depends on it", p.workload(e.consumer).name.value)
        } else {
            format!("Service `{}` routes traffic to it", services[0].name.value)
        };
        let (span, label, what) = if compose {
            let key = w.compose.as_ref().map_or(w.name.span, |c| c.key_span);
            (key, "no healthcheck", "healthcheck")
        } else {
            (w.containers[0].name.span, "no readinessProbe", "readiness probe")
        };
        let mut d = Diagnostic::new(META, span, format!("`{}` has no {what}, yet {why}", w.name.value))
            .label(label)
            .help(suggestion(w))
            .resource(&w.resource)
            .template(w.template.as_deref());
        for s in services.iter().take(3) {
            d = d.secondary(s.name.span, format!("Service `{}` selects it", s.name.value));
        }
        for e in dependents.iter().take(3) {
            d = d.secondary(e.target.span, format!("`{}` depends on it here", p.workload(e.consumer).name.value));
        }
        out.push(d);
    }
}

/// Are all of a Service's ports for metrics (named `metrics`, `http-metrics`, `prometheus`),
/// or is it named as a metrics Service (`argo-rollouts-metrics`)?
fn metrics_only(s: &nexus_model::Endpoint) -> bool {
    let metric = |n: &str| {
        let n = n.to_ascii_lowercase();
        n.contains("metrics") || n == "prometheus" || n == "prom"
    };
    (s.name.value.ends_with("-metrics") && !s.ports.is_empty())
        || (!s.ports.is_empty() && s.ports.iter().all(|p| p.name.as_ref().is_some_and(|n| metric(&n.value))))
}
