//! NX603 liveness-checks-dependency: a liveness probe that fails when something else is slow.

use nexus_diagnostics::Severity;
use nexus_model::probes::{ProbeCheck, ProbeKind};
use nexus_model::{Format, Probe, ProbeHandler, Role, Workload};

use crate::prelude::*;

declare_rule!(Warning);

/// Path segments of HTTP endpoints that check more than the process: readiness endpoints and
/// dependency health.
const DEEP_SEGMENTS: &[&str] =
    &["ready", "readiness", "readyz", "deep", "dependencies", "deps", "db", "database", "redis", "upstream"];

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for w in &p.workloads {
        // Compose does not restart a container for failing its healthcheck.
        if w.resource.format == Format::Compose || !w.is_long_running() {
            continue;
        }
        for c in &w.containers {
            let Some(live) = c.liveness.as_ref().filter(|l| !l.disabled) else { continue };
            let ready = c.readiness.as_ref().filter(|r| !r.disabled);
            let same = ready.filter(|r| same_check(live, r));
            let checks = p
                .probe_checks
                .iter()
                .find(|k| k.workload == w.id && k.container == c.name.value && k.probe == ProbeKind::Liveness);
            let d = if let Some(k) = checks {
                reaches(cx, w, &c.name.value, live, k)
            } else if let Some(path) = deep_path(live, w, cx) {
                cx_diag(
                    live,
                    format!("liveness probe of `{}` calls `{path}`, which checks more than the process", c.name.value),
                )
                .label("liveness checks dependencies")
            } else if same.is_some() && has_stateful_dependency(cx, w) {
                // Identical probes are a smell, not evidence: the manifests do not show that the
                // shared check reaches the datastore (a `/health` that reports the process alone
                // is the common case), so this is said as info. It is a warning above, when the
                // probe's command, script or path shows that it checks other workloads.
                cx_diag(
                    live,
                    format!(
                        "liveness probe of `{}` is the same check as its readiness probe: if that check ever reports a dependency, an outage of it restarts every pod",
                        c.name.value
                    ),
                )
                .label("same check as readiness")
                .severity(Severity::Info)
            } else {
                continue;
            };
            let mut d = d
                .help(
                    "Keep dependency checks in the readiness probe, which only takes the pod out of the Service, and make the liveness probe check this process alone (an endpoint that answers while it is alive).",
                )
                .resource(&w.resource)
                .template(w.template.as_deref())
                .key(c.name.value.clone());
            if let Some(r) = same {
                d = d.secondary(r.key_span, "the readiness probe runs the same check");
            }
            out.push(d);
        }
    }
}

fn cx_diag(live: &Probe, message: String) -> Diagnostic {
    Diagnostic::new(META, live.key_span, message)
}

/// The finding for a liveness probe that connects to other workloads.
fn reaches(cx: &Context<'_>, w: &Workload, container: &str, live: &Probe, k: &ProbeCheck) -> Diagnostic {
    let p = cx.platform;
    let mut names: Vec<&str> = k.mentions.iter().map(|m| p.workload(m.provider).name.value.as_str()).collect();
    names.dedup();
    let mut seen = Vec::new();
    names.retain(|n| {
        let new = !seen.contains(n);
        seen.push(n);
        new
    });
    let list = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" and ");
    let via = k.script.as_ref().map(|(_, key)| format!(" (through `{key}`)")).unwrap_or_default();
    let mut d = cx_diag(
        live,
        format!(
            "liveness probe of `{container}` checks {list}{via}: when {} slow or down, every `{}` pod restarts",
            if names.len() == 1 { "it is" } else { "one is" },
            w.name.value
        ),
    )
    .label("liveness depends on other workloads");
    for m in &k.mentions {
        d = d.secondary(m.span, format!("connects to `{}`", m.host));
    }
    d
}

/// An HTTP liveness path that names a readiness or dependency check, or Spring Boot's aggregate
/// `/actuator/health` (which includes the database) on a workload that uses a datastore.
fn deep_path(live: &Probe, w: &Workload, cx: &Context<'_>) -> Option<String> {
    let ProbeHandler::Http { path: Some(path), .. } = &live.handler else { return None };
    let lower = path.value.to_ascii_lowercase();
    let clean = lower.split(['?', '#']).next().unwrap_or("");
    let deep = clean.split('/').any(|seg| DEEP_SEGMENTS.contains(&seg))
        || (clean.trim_end_matches('/') == "/actuator/health" && has_stateful_dependency(cx, w));
    deep.then(|| path.value.clone())
}

fn has_stateful_dependency(cx: &Context<'_>, w: &Workload) -> bool {
    let p = cx.platform;
    p.dependencies_of(w.id)
        .filter_map(|e| e.provider)
        .any(|pr| pr != w.id && matches!(p.workload(pr).role, Role::Datastore | Role::Cache | Role::Queue))
}

/// Whether two probes run the same check (timings aside).
fn same_check(a: &Probe, b: &Probe) -> bool {
    let words = |v: &[nexus_model::Spanned<String>]| v.iter().map(|w| w.value.clone()).collect::<Vec<_>>();
    match (&a.handler, &b.handler) {
        (ProbeHandler::Exec { command: x }, ProbeHandler::Exec { command: y }) => words(x) == words(y),
        (ProbeHandler::Http { port: px, path: x, host: hx }, ProbeHandler::Http { port: py, path: y, host: hy }) => {
            px.value == py.value && x.as_ref().map(|p| &p.value) == y.as_ref().map(|p| &p.value) && hx == hy
        }
        (ProbeHandler::Tcp { port: x, host: hx }, ProbeHandler::Tcp { port: y, host: hy }) => {
            x.value == y.value && hx == hy
        }
        (ProbeHandler::Grpc { port: x }, ProbeHandler::Grpc { port: y }) => x.value == y.value,
        _ => false,
    }
}
