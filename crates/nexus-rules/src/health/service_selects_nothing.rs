use super::container_has_port;
use crate::prelude::*;
use nexus_diagnostics::Severity;
use nexus_model::{Format, PortRef, same_namespace};

declare_rule!(Error);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for e in p.endpoints.iter().filter(|e| e.resource.format == Format::Kubernetes) {
        let Some(selector) = e.selector.as_ref().filter(|s| !s.is_empty()) else {
            continue;
        };
        if e.external_name.is_some() {
            continue;
        }
        let wanted: String = selector.iter().map(|(k, v)| format!("{k}={}", v.value)).collect::<Vec<_>>().join(",");
        if e.targets.is_empty() {
            // Pods from elsewhere (another repo, a chart dependency) are not ours to judge:
            // only speak when this namespace's workloads are all here.
            let neighbours: Vec<_> = p
                .index
                .workloads_near(p, e.namespace.as_deref())
                .into_iter()
                .map(|w| p.workload(w))
                .filter(|w| w.resource.format == Format::Kubernetes && !w.kind.is_batch())
                .filter(|w| same_namespace(w.namespace.as_deref(), e.namespace.as_deref()))
                .collect();
            if neighbours.is_empty() {
                continue;
            }
            // The workload whose labels come closest, for help.
            let closest = neighbours.iter().max_by_key(|w| {
                selector.iter().filter(|(k, v)| w.pod_labels.get(*k).is_some_and(|l| l.value == v.value)).count() * 2
                    + selector.keys().filter(|k| w.pod_labels.contains_key(*k)).count()
            });
            let span = e.selector_span.unwrap_or(e.name.span);
            let mut d = Diagnostic::new(
                META,
                span,
                format!("the selector of Service `{}` matches no pods: nothing has labels `{wanted}`", e.name.value),
            )
            .label("matches no pod template")
            .resource(&e.resource);
            d = match closest {
                Some(w) if selector.keys().any(|k| w.pod_labels.contains_key(k)) => {
                    let have: String = selector
                        .keys()
                        .filter_map(|k| w.pod_labels.get(k).map(|v| format!("{k}={}", v.value)))
                        .collect::<Vec<_>>()
                        .join(",");
                    let first = selector.keys().find_map(|k| w.pod_labels.get(k));
                    let d = d.help(format!(
                        "`{}` pods have `{have}`; make the selector match the pod template's labels.",
                        w.name.value
                    ));
                    match first {
                        Some(l) => d.secondary(l.span, format!("`{}` pods are labelled here", w.name.value)),
                        None => d,
                    }
                }
                _ => d.help("Make the selector match a workload's pod template labels, or remove the Service."),
            };
            out.push(d.template(p.objects.get(e.object.map_or(0, |o| o.index())).and_then(|o| o.template.as_deref())));
            continue;
        }
        for sp in &e.ports {
            let (target, span) = match &sp.target {
                Some(t) => (t.value.clone(), t.span),
                None => (PortRef::Number(sp.port.value), sp.port.span),
            };
            for &wid in &e.targets {
                let w = p.workload(wid);
                if w.containers.iter().any(|c| container_has_port(c, &target)) {
                    continue;
                }
                let declares = w.containers.iter().any(|c| !c.ports.is_empty());
                let d = match &target {
                    PortRef::Name(name) => Diagnostic::new(
                        META,
                        span,
                        format!(
                            "target port `{name}` of Service `{}` is named by no container of `{}`",
                            e.name.value, w.name.value
                        ),
                    )
                    .label("no such named port"),
                    PortRef::Number(n) if declares => Diagnostic::new(
                        META,
                        span,
                        format!(
                            "target port {n} of Service `{}` is exposed by no container of `{}`",
                            e.name.value, w.name.value
                        ),
                    )
                    .label("port not exposed")
                    .severity(Severity::Warning),
                    PortRef::Number(_) => continue,
                };
                let ports: Vec<String> = w
                    .containers
                    .iter()
                    .flat_map(|c| &c.ports)
                    .map(|p| match &p.name {
                        Some(n) => format!("`{}` ({})", n.value, p.port.value),
                        None => p.port.value.to_string(),
                    })
                    .collect();
                let mut d = d
                    .help(if ports.is_empty() {
                        "Declare the port on the container, or target a port it listens on.".to_string()
                    } else {
                        format!("Target one of `{}`'s ports: {}.", w.name.value, ports.join(", "))
                    })
                    .resource(&e.resource)
                    .key(format!("{}:{}", w.name.value, target));
                if let Some(c) = w.containers.iter().find(|c| !c.ports.is_empty()) {
                    d = d.secondary(c.ports[0].port.span, format!("`{}` declares its ports here", w.name.value));
                }
                out.push(d);
            }
        }
    }
}
