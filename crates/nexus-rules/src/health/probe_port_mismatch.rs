use super::container_has_port;
use crate::prelude::*;
use nexus_diagnostics::Severity;
use nexus_model::{PortRef, ProbeHandler};

declare_rule!(Error);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for w in &cx.platform.workloads {
        for c in w.all_containers() {
            for (kind, probe) in [("readiness", &c.readiness), ("liveness", &c.liveness), ("startup", &c.startup)] {
                let Some(probe) = probe else { continue };
                let port = match &probe.handler {
                    ProbeHandler::Http { port, host: None, .. } | ProbeHandler::Tcp { port, host: None } => port,
                    ProbeHandler::Grpc { port } => port,
                    _ => continue,
                };
                if container_has_port(c, &port.value) {
                    continue;
                }
                let declared: Vec<String> = c
                    .ports
                    .iter()
                    .map(|p| match &p.name {
                        Some(n) => format!("`{}` ({})", n.value, p.port.value),
                        None => format!("{}", p.port.value),
                    })
                    .collect();
                let mut d = match &port.value {
                    PortRef::Name(name) => Diagnostic::new(
                        META,
                        port.span,
                        format!(
                            "{kind} probe of `{}` targets port `{name}`, which the container does not name",
                            c.name.value
                        ),
                    )
                    .label("no such named port")
                    .help(if declared.is_empty() {
                        format!("Declare `ports: [{{name: {name}, containerPort: …}}]`, or probe the port number.")
                    } else {
                        format!("Use one of the container's ports: {}.", declared.join(", "))
                    }),
                    PortRef::Number(n) => {
                        // A container that declares no ports may still listen anywhere.
                        if c.ports.is_empty() {
                            continue;
                        }
                        Diagnostic::new(
                            META,
                            port.span,
                            format!(
                                "{kind} probe of `{}` targets port {n}, which the container does not expose",
                                c.name.value
                            ),
                        )
                        .label("port not declared")
                        .help(format!("Probe a declared port ({}), or declare {n} in `ports`.", declared.join(", ")))
                        .severity(Severity::Warning)
                    }
                };
                if let Some(p) = c.ports.first() {
                    d = d.secondary(p.port.span, "the container's ports");
                }
                out.push(
                    d.resource(&w.resource).template(w.template.as_deref()).key(format!("{}/{kind}", c.name.value)),
                );
            }
        }
    }
}
