use crate::prelude::*;
use nexus_model::infer::resolve;
use nexus_model::suggest;
use nexus_model::{Format, GateKind, same_namespace};

declare_rule!(Error);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for g in p.gates.iter().filter(|g| matches!(g.kind, GateKind::InitWait { .. } | GateKind::EntrypointWait { .. })) {
        let c = p.workload(g.consumer);
        // `localhost` is the pod (or container) itself, not a Service.
        if let Some(host) = g.host.as_ref().filter(|h| !matches!(h.value.as_str(), "localhost" | "127.0.0.1" | "::1")) {
            let r = resolve(p, c, &host.value);
            // A fragment's other services are defined in files this run does not have.
            let fragment = c.project.is_some_and(|id| p.projects[id.index()].fragment);
            let short = host.value.split('.').next().unwrap_or(&host.value);
            // A Service that a chart of the run, not rendered, may define (asked only of hosts
            // that resolve to nothing).
            let templated = || c.resource.format == Format::Kubernetes && p.template_may_define("Service", short);
            match r.endpoint {
                None if r.internal && !fragment && !templated() => {
                    let names: Vec<&str> = p
                        .endpoints
                        .iter()
                        .filter(|e| e.project == c.project)
                        .filter(|e| {
                            c.project.is_some() || same_namespace(e.namespace.as_deref(), c.namespace.as_deref())
                        })
                        .map(|e| e.name.value.as_str())
                        .collect();
                    let what = if c.resource.format == Format::Compose { "service" } else { "Service" };
                    let help = match suggest(short, &names) {
                        Some(s) => format!("Did you mean `{s}`?"),
                        None => format!("Wait on the {what} that `{}` really connects to.", c.name.value),
                    };
                    out.push(
                        Diagnostic::new(
                            META,
                            host.span,
                            format!("`{}` waits for `{}`, which no {what} defines", c.name.value, host.value),
                        )
                        .label("no such host")
                        .help(help)
                        .resource(&c.resource)
                        .template(c.template.as_deref())
                        .key(host.value.clone()),
                    );
                    continue;
                }
                Some(eid) => {
                    let e = p.endpoint(eid);
                    let Some(port) = &g.port else { continue };
                    if e.ports.is_empty() || e.ports.iter().any(|sp| sp.port.value == port.value) {
                        continue;
                    }
                    let ports: Vec<String> = e.ports.iter().map(|sp| sp.port.value.to_string()).collect();
                    let d = Diagnostic::new(
                        META,
                        port.span,
                        format!(
                            "`{}` waits for `{}:{}`, but `{}` listens on {}",
                            c.name.value,
                            host.value,
                            port.value,
                            e.name.value,
                            ports.join(", ")
                        ),
                    )
                    .label("no such port")
                    .help(format!("Wait on port {}.", ports[0]))
                    .resource(&c.resource)
                    .template(c.template.as_deref())
                    .key(format!("{}:{}", host.value, port.value))
                    .secondary(e.ports[0].port.span, format!("`{}` exposes {} here", e.name.value, ports[0]));
                    out.push(d);
                    continue;
                }
                None => {}
            }
        }
        if let Some((kind, name)) = g.object.as_ref().filter(|_| g.provider.is_none() && g.endpoint.is_none()) {
            out.push(
                Diagnostic::new(
                    META,
                    name.span,
                    format!("`{}` waits for {kind} `{}`, which is not defined here", c.name.value, name.value),
                )
                .label("no such object")
                .help("Wait on an object that the deploy creates (check its kind, name and namespace).")
                .resource(&c.resource)
                .template(c.template.as_deref())
                .key(format!("{kind}/{}", name.value)),
            );
        }
    }
}
