use crate::prelude::*;
use nexus_model::migration::image_basename;

declare_rule!(Warning);

/// Sidecars that the app talks through: they must listen before it starts.
fn is_proxy(image: &str) -> bool {
    let b = image_basename(image).to_ascii_lowercase();
    [
        "cloud-sql-proxy",
        "cloudsql-proxy",
        "envoy",
        "proxyv2",
        "linkerd2-proxy",
        "pgbouncer",
        "vault",
        "oauth2-proxy",
        "haproxy",
        "nginx",
        "socat",
        "alloydb-auth-proxy",
        "otel",
        "opentelemetry-collector",
    ]
    .iter()
    .any(|p| b.contains(p))
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for w in &cx.platform.workloads {
        for (i, c) in w.init_containers.iter().enumerate() {
            if !c.is_sidecar() || c.startup.is_some() {
                continue;
            }
            if c.ports.is_empty() && !is_proxy(c.image_str()) {
                continue;
            }
            let next = w.init_containers.get(i + 1).or(w.containers.first());
            let Some(next) = next else { continue };
            let span = c.restart_policy.as_ref().map_or(c.name.span, |r| r.span);
            let probe = match c.ports.first() {
                Some(port) => format!(
                    "`startupProbe: {{tcpSocket: {{port: {}}}, periodSeconds: 1, failureThreshold: 30}}`",
                    port.port.value
                ),
                None => "a `startupProbe` that succeeds once it listens".to_string(),
            };
            let mut d = Diagnostic::new(
                META,
                span,
                format!("sidecar `{}` has no startupProbe, so `{}` starts before it is listening", c.name.value, next.name.value),
            )
            .label("started = running, not listening")
            .help(format!("Give `{}` {probe}: Kubernetes starts the next container only after the sidecar's startupProbe succeeds.", c.name.value))
            .resource(&w.resource)
            .template(w.template.as_deref())
            .key(c.name.value.clone());
            d = d.secondary(next.name.span, "starts right away");
            out.push(d);
        }
    }
}
