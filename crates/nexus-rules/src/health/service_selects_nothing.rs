use super::container_has_port;
use crate::prelude::*;
use nexus_diagnostics::Severity;
use nexus_model::{Format, PortRef, same_namespace, suggest};

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
            // Pods from elsewhere (an operator's custom resource, a chart dependency, a managed
            // add-on) are not ours to judge: speak only where the repository shows the selector
            // is a slip — a workload here whose labels nearly match, or one beside the Service
            // that bears its name — and otherwise note it.
            let neighbours: Vec<_> = p
                .index
                .workloads_near(p, e.namespace.as_deref())
                .into_iter()
                .map(|w| p.workload(w))
                .filter(|w| w.resource.format == Format::Kubernetes && !w.kind.is_batch())
                .filter(|w| same_namespace(w.namespace.as_deref(), e.namespace.as_deref()))
                .collect();
            let near = neighbours.iter().copied().find(|w| near_miss(selector, w));
            let dir =
                |f: nexus_model::FileId| p.paths[f.0 as usize].rsplit_once('/').map_or("", |(d, _)| d).to_string();
            let beside = neighbours
                .iter()
                .copied()
                .find(|w| w.name.value == e.name.value && (w.file == e.file || dir(w.file) == dir(e.file)));
            let span = e.selector_span.unwrap_or(e.name.span);
            let mut d = Diagnostic::new(
                META,
                span,
                format!("the selector of Service `{}` matches no pods: nothing has labels `{wanted}`", e.name.value),
            )
            .label("matches no pod template")
            .resource(&e.resource);
            d = match near.or(beside) {
                Some(w) => {
                    let have: String = selector
                        .keys()
                        .filter_map(|k| w.pod_labels.get(k).map(|v| format!("{k}={}", v.value)))
                        .collect::<Vec<_>>()
                        .join(",");
                    let d = d.help(if have.is_empty() {
                        format!("Make the selector match the labels of `{}`'s pod template.", w.name.value)
                    } else {
                        format!("`{}` pods have `{have}`; make the selector match the pod template's labels.", w.name.value)
                    });
                    match selector.keys().find_map(|k| w.pod_labels.get(k)).map(|l| l.span).or(Some(w.name.span)) {
                        Some(at) => d.secondary(at, format!("`{}` pods are labelled here", w.name.value)),
                        None => d,
                    }
                }
                None => d
                    .severity(Severity::Info)
                    .label("no pod template here has these labels")
                    .help("If an operator, a chart or an add-on creates these pods, nothing is wrong; otherwise make the selector match a workload's pod template labels."),
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

/// Do a workload's pod labels nearly match a selector: every entry but one matches, and that
/// one is a near miss (the key with a similar value, or a similar key with the value)?
fn near_miss(
    selector: &std::collections::BTreeMap<String, nexus_model::Spanned<String>>,
    w: &nexus_model::Workload,
) -> bool {
    let similar = |a: &str, b: &str| a.contains(b) || b.contains(a) || suggest(a, &[b]).is_some();
    let misses: Vec<(&String, &nexus_model::Spanned<String>)> =
        selector.iter().filter(|(k, v)| w.pod_labels.get(*k).is_none_or(|l| l.value != v.value)).collect();
    let [(key, value)] = misses.as_slice() else { return false };
    match w.pod_labels.get(*key) {
        Some(l) => similar(&l.value, &value.value),
        None => w.pod_labels.iter().any(|(k, l)| l.value == value.value && similar(k, key)),
    }
}
