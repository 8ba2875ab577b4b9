//! NX702 mesh-route-dangling: see `rules/network/NX702-mesh-route-dangling.md`.

use crate::prelude::*;
use nexus_model::declared::{EXTERNAL_ANNOTATION, is_external};
use nexus_model::mesh::{HostTarget, MeshKind, MeshObject, resolve_host};
use nexus_model::{Format, Platform, same_namespace, suggest};

declare_rule!(Warning);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for m in p.mesh.iter().filter(|m| matches!(m.kind, MeshKind::VirtualService | MeshKind::GatewayRoute)) {
        for d in &m.destinations {
            if d.other_kind.is_some() {
                continue;
            }
            let ns = d.namespace.as_ref().map(|n| n.value.as_str()).or(m.namespace.as_deref());
            let target = resolve_host(p, &d.host.value, ns);
            match &target {
                HostTarget::Missing { name, namespace } => {
                    if let Some(diag) = missing_host(p, m, &d.host, name, namespace.as_deref()) {
                        out.push(diag);
                    }
                }
                HostTarget::Service(_) => {
                    if let Some(subset) = &d.subset
                        && let Some(diag) = missing_subset(p, m, &target, &d.host.value, subset)
                    {
                        out.push(diag);
                    }
                }
                HostTarget::Entry | HostTarget::Other => {}
            }
        }
    }
    for dr in p.mesh.iter().filter(|m| m.kind == MeshKind::DestinationRule) {
        let Some(host) = dr.hosts.first() else { continue };
        let HostTarget::Service(e) = resolve_host(p, &host.value, dr.namespace.as_deref()) else { continue };
        let e = p.endpoint(e);
        if e.targets.is_empty() {
            // A Service that selects nothing is NX604's finding.
            continue;
        }
        // Only subsets a route sends traffic to: a subset defined for a variant that is not
        // deployed (a catch-all DestinationRule) fails no request.
        let routed = |name: &str| {
            p.mesh.iter().filter(|m| m.kind == MeshKind::VirtualService).any(|m| {
                m.destinations.iter().any(|d| {
                    d.subset.as_ref().is_some_and(|s| s.value == name)
                        && resolve_host(p, &d.host.value, m.namespace.as_deref()) == HostTarget::Service(e.id)
                })
            })
        };
        for s in dr.subsets.iter().filter(|s| !s.labels.is_empty() && routed(&s.name.value)) {
            let selects = e.targets.iter().any(|w| {
                let w = p.workload(*w);
                s.labels.iter().all(|(k, v)| w.pod_labels.get(k).is_some_and(|x| x.value == v.value))
            });
            if selects {
                continue;
            }
            let labels = s.labels.iter().map(|(k, v)| format!("{k}: {}", v.value)).collect::<Vec<_>>().join(", ");
            let mut diag = Diagnostic::new(
                META,
                s.labels_span,
                format!(
                    "subset `{}` of `{}` selects `{labels}`, which no pod behind Service `{}` carries",
                    s.name.value, host.value, e.name.value
                ),
            )
            .label("selects no pod")
            .help(
                "Routes to this subset answer 503 (`no healthy upstream`). Fix the labels, add the pod \
                 template that carries them, or remove the subset and the routes to it.",
            )
            .resource(&dr.resource)
            .key(s.name.value.clone());
            if let Some(w) = e.targets.first() {
                let w = p.workload(*w);
                diag = diag.secondary(w.name.span, format!("`{}` is behind `{}`", w.name.value, e.name.value));
            }
            out.push(diag);
        }
    }
}

fn missing_host(
    p: &Platform,
    m: &MeshObject,
    host: &nexus_model::Spanned<String>,
    name: &str,
    namespace: Option<&str>,
) -> Option<Diagnostic> {
    let annotation = m.annotations.get(EXTERNAL_ANNOTATION).map(|a| a.value.as_str());
    if is_external(&p.declared, annotation, "Service", namespace, name) || p.template_may_define("Service", name) {
        return None;
    }
    let services: Vec<&str> = p
        .endpoints
        .iter()
        .filter(|e| e.resource.format == Format::Kubernetes && same_namespace(e.namespace.as_deref(), namespace))
        .map(|e| e.name.value.as_str())
        .collect();
    // A namespace whose Services all live elsewhere is not this repository's to judge.
    if services.is_empty() {
        return None;
    }
    let help = match suggest(name, &services).filter(|s| *s != name) {
        Some(s) => format!("Did you mean `{s}`? "),
        None => String::new(),
    };
    Some(
        Diagnostic::new(
            META,
            host.span,
            format!("`{}` routes to `{}`, which no Service of the repository defines", m.resource.name, host.value),
        )
        .label("no such Service")
        .help(format!(
            "{help}Requests routed here fail (Istio answers 503, Gateway API 500). If the Service is created \
             outside the repository, say so: `{EXTERNAL_ANNOTATION}: Service/{name}` on the route, or \
             `external: [Service/{name}]` in `.nexus-lint.yaml`."
        ))
        .resource(&m.resource)
        .key(format!("host/{}", host.value)),
    )
}

fn missing_subset(
    p: &Platform,
    m: &MeshObject,
    target: &HostTarget,
    host: &str,
    subset: &nexus_model::Spanned<String>,
) -> Option<Diagnostic> {
    let rules: Vec<&MeshObject> = p
        .mesh
        .iter()
        .filter(|r| r.kind == MeshKind::DestinationRule)
        .filter(|r| r.hosts.first().is_some_and(|h| resolve_host(p, &h.value, r.namespace.as_deref()) == *target))
        .collect();
    if rules.iter().any(|r| r.subsets.iter().any(|s| s.name.value == subset.value)) {
        return None;
    }
    let d = Diagnostic::new(
        META,
        subset.span,
        format!(
            "`{}` routes to subset `{}` of `{host}`, which no DestinationRule defines",
            m.resource.name, subset.value
        ),
    )
    .label("undefined subset")
    .resource(&m.resource)
    .key(format!("subset/{host}/{}", subset.value));
    let why = "Istio answers these requests with 503 (`no healthy upstream`).";
    Some(match rules.first() {
        None => d.help(format!(
            "{why} Add a DestinationRule for `{host}` whose `subsets` define `{}` with the labels of its pods.",
            subset.value
        )),
        Some(r) => {
            let names: Vec<&str> = r.subsets.iter().map(|s| s.name.value.as_str()).collect();
            let hint = match suggest(&subset.value, &names) {
                Some(s) => format!(" Did you mean `{s}`?"),
                None => String::new(),
            };
            d.secondary(r.hosts[0].span, format!("DestinationRule `{}` for `{host}` is here", r.resource.name))
                .help(format!("{why}{hint} Define subset `{}` in that DestinationRule.", subset.value))
        }
    })
}
