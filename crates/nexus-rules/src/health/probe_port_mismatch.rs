use super::container_has_port;
use crate::prelude::*;
use nexus_diagnostics::Severity;
use nexus_model::{PortRef, ProbeHandler};

declare_rule!(Error);

/// Is `probe` one mistyped digit away from `declared` (`3001` for `3000`), the same port doubled
/// or behind an `8` (`80` for `8080`, `443` for `8443`), or HTTP's default port where the
/// service declares another (`80` for `8081`)? A leading `1` is a convention,
/// not a slip: management and cluster-bus ports are the service port plus 10000 (RabbitMQ's
/// 15672, Redis' 16379).
fn near_miss(probe: i64, declared: i64) -> bool {
    let (a, b) = (probe.to_string(), declared.to_string());
    if a == b || a == format!("1{b}") || b == format!("1{a}") {
        return false;
    }
    let one_edit = match a.len().abs_diff(b.len()) {
        0 => a.chars().zip(b.chars()).filter(|(x, y)| x != y).count() == 1,
        1 => {
            let (short, long) = if a.len() < b.len() { (&a, &b) } else { (&b, &a) };
            (0..long.len()).any(|i| format!("{}{}", &long[..i], &long[i + 1..]) == *short)
        }
        _ => false,
    };
    let affix = |x: &str, y: &str| y == format!("{x}{x}") || y == format!("8{x}");
    // HTTP's default ports, probed out of habit on a service that listens elsewhere.
    let default = matches!(probe, 80 | 443);
    one_edit || affix(&a, &b) || affix(&b, &a) || default
}

/// Does a Service that selects this workload publish `port` (its `port`, not its
/// `targetPort`) while sending it to another port of the container? Probing the Service's port
/// instead of the container's is a classic slip.
fn is_service_port(p: &nexus_model::Platform, w: &nexus_model::Workload, port: i64) -> bool {
    p.endpoints_of(w.id)
        .flat_map(|e| &e.ports)
        .any(|sp| sp.port.value == port && sp.target.as_ref().is_some_and(|t| t.value != PortRef::Number(port)))
}

/// The port a Compose healthcheck's URL or `host:port` names on the service itself, with
/// the span of the word that says so.
fn compose_probe_port(
    w: &nexus_model::Workload,
    words: &[nexus_model::Spanned<String>],
) -> Option<(i64, nexus_model::Span)> {
    let me = |h: &str| {
        matches!(h, "localhost" | "127.0.0.1" | "0.0.0.0" | "[::1]")
            || h == w.name.value
            || w.compose.as_ref().is_some_and(|c| {
                c.hostname.iter().chain(c.container_name.iter()).chain(c.network_aliases.iter()).any(|a| a.value == h)
            })
    };
    for word in words {
        for tok in word.value.split_whitespace() {
            let tok = tok.trim_matches(|ch| ch == '"' || ch == '\'');
            let authority = match tok.split_once("://") {
                Some((_, rest)) => rest.split(['/', '?']).next().unwrap_or(""),
                None => tok,
            };
            let Some((host, port)) = authority.rsplit_once(':') else { continue };
            let Ok(port) = port.parse::<i64>() else { continue };
            if me(host) && (1..=65535).contains(&port) {
                return Some((port, word.span));
            }
        }
    }
    None
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for w in &cx.platform.workloads {
        if w.resource.format == nexus_model::Format::Compose {
            compose(w, out);
            continue;
        }
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
                        // Kubernetes probes any port the process listens on, declared or not
                        // (health and admin ports often are not): only a near miss of a
                        // declared port, or the Service's port in place of the container's,
                        // is a mistake.
                        let slip =
                            c.ports.iter().any(|p| near_miss(*n, p.port.value)) || is_service_port(cx.platform, w, *n);
                        if c.ports.is_empty() || !slip {
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

/// A Compose healthcheck that checks the service itself on a port one slip away from the ports it
/// publishes or exposes, or on its published host port: the check is never healthy.
fn compose(w: &nexus_model::Workload, out: &mut Vec<Diagnostic>) {
    let Some(c) = w.containers.first() else { return };
    let Some(probe) = c.readiness.as_ref().filter(|r| !r.disabled) else { return };
    let ProbeHandler::ComposeTest { command, .. } = &probe.handler else { return };
    let Some((port, span)) = compose_probe_port(w, command) else { return };
    if c.ports.is_empty() || c.ports.iter().any(|p| p.port.value == port) {
        return;
    }
    // A service listens on more than it publishes (RabbitMQ's management port): only a near
    // miss of its port, or its published host port in place of the container's, is a slip.
    let host_port = c.ports.iter().any(|p| p.published.as_ref().is_some_and(|h| h.value == port.to_string()));
    if !host_port && !c.ports.iter().any(|p| near_miss(port, p.port.value)) {
        return;
    }
    let declared: Vec<String> = c.ports.iter().map(|p| p.port.value.to_string()).collect();
    let mut d = Diagnostic::new(
        META,
        span,
        format!("the healthcheck of `{}` checks port {port}, which the service does not listen on", w.name.value),
    )
    .label("port not published or exposed")
    .help(format!("Check the port the service listens on ({}).", declared.join(", ")))
    .severity(Severity::Warning)
    .resource(&w.resource)
    .key(format!("{}/healthcheck", c.name.value));
    if let Some(p) = c.ports.first() {
        d = d.secondary(p.port.span, "the service's ports");
    }
    out.push(d);
}

#[cfg(test)]
mod tests {
    use super::near_miss;

    #[test]
    fn near_misses() {
        for (a, b) in [(3001, 3000), (80, 8080), (8080, 80), (443, 8443), (8081, 8080), (90, 9090), (80, 8081)] {
            assert!(near_miss(a, b), "{a} {b}");
        }
        for (a, b) in [(13133, 4317), (15672, 5672), (16379, 6379), (9901, 8080), (8080, 8080)] {
            assert!(!near_miss(a, b), "{a} {b}");
        }
    }
}
