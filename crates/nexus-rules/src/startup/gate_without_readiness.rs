use crate::prelude::*;
use nexus_diagnostics::Severity;
use nexus_model::gates::target_name;
use nexus_model::{GateKind, ReadyLevel};

declare_rule!(Warning);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for g in &p.gates {
        let Some(prov) = g.provider else { continue };
        let pr = p.workload(prov);
        if pr.has_readiness() || pr.kind.is_batch() || pr.containers.is_empty() {
            continue;
        }
        let c = p.workload(g.consumer);
        let target = target_name(p, g);
        let d = match (&g.kind, g.level) {
            (GateKind::ComposeCondition { condition, required }, ReadyLevel::Healthy) => {
                let (consumer, provider) = (&c.name.value, &pr.name.value);
                let (message, label, severity) = if pr.image_may_define_healthcheck() {
                    // The author waits for a health the Compose file does not define: the image
                    // may (nextcloud's all-in-one image has a HEALTHCHECK), or nothing would ever
                    // start.
                    (
                        format!(
                            "`{consumer}` waits for `{provider}` to be healthy (`{condition}`), and only `{provider}`'s image can say when: the Compose file defines no healthcheck"
                        ),
                        "relies on the image's HEALTHCHECK",
                        Some(Severity::Info),
                    )
                } else if *required {
                    (
                        format!(
                            "`{consumer}` waits for `{provider}` to be healthy (`{condition}`), but `{provider}` has no healthcheck, so Compose fails the start"
                        ),
                        "can never be satisfied",
                        Some(Severity::Error),
                    )
                } else {
                    // An optional dependency that cannot be healthy: Compose warns and starts the
                    // consumer without waiting (compose `waitDependencies`).
                    (
                        format!(
                            "`{consumer}` waits for `{provider}` to be healthy (`{condition}`, `required: false`), but `{provider}` has no healthcheck, so Compose only warns and starts `{consumer}` without waiting"
                        ),
                        "does not wait",
                        None,
                    )
                };
                let d = Diagnostic::new(META, g.span, message).label(label);
                match severity {
                    Some(s) => d.severity(s),
                    None => d,
                }
            }
            // A wait in a Compose service's command talks to the provider's container itself:
            // a healthcheck would not change what it sees.
            (GateKind::InitWait { .. } | GateKind::EntrypointWait { .. }, _)
                if pr.resource.format == nexus_model::Format::Compose =>
            {
                continue;
            }
            // Argo CD and Flux wait for the provider's health, which a workload without a
            // readiness probe reports at container start: what connects right after races it.
            // Reported where the consumer connects.
            (GateKind::ArgoWave { .. } | GateKind::ArgoHook { .. } | GateKind::FluxDependsOn, ReadyLevel::Healthy) => {
                let Some(e) = p
                    .dependencies_of(g.consumer)
                    .find(|e| e.provider == Some(prov) && matches!(e.kind, nexus_model::EdgeKind::Host { .. }))
                else {
                    continue;
                };
                Diagnostic::new(
                    META,
                    e.target.span,
                    format!(
                        "`{}` connects to `{}` once {} has seen `{}` healthy, which is as soon as it starts: it has no readiness probe",
                        c.name.value,
                        e.target.value,
                        if matches!(g.kind, GateKind::FluxDependsOn) { "Flux" } else { "Argo CD" },
                        pr.name.value
                    ),
                )
                .label("races the provider's start")
                .secondary(g.span, format!("ordered by `{}`", g.kind.label()))
            }
            (
                GateKind::InitWait { .. } | GateKind::EntrypointWait { .. },
                ReadyLevel::PortOpen | ReadyLevel::Healthy,
            )
            | (GateKind::DeployScript { .. }, ReadyLevel::Healthy) => Diagnostic::new(
                META,
                g.span,
                format!(
                    "the wait for `{target}` passes as soon as `{}` starts: it has no readiness probe",
                    pr.name.value
                ),
            )
            .label("passes at process start"),
            _ => continue,
        };
        let what =
            if pr.resource.format == nexus_model::Format::Compose { "a `healthcheck`" } else { "a `readinessProbe`" };
        let mut d = d
            .help(format!("Give `{}` {what} that checks it really serves, so the wait means ready.", pr.name.value))
            .resource(&c.resource)
            .template(c.template.as_deref())
            .key(format!("{}:{}", pr.name.value, g.kind.label()));
        let at = pr.containers.first().map_or(pr.name.span, |ct| {
            if pr.resource.format == nexus_model::Format::Compose { pr.name.span } else { ct.name.span }
        });
        d = d.secondary(at, format!("`{}` has no readiness check", pr.name.value));
        out.push(d);
    }
}
