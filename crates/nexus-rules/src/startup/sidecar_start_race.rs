use crate::prelude::*;
use nexus_model::infer::local_connections;
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
        // A proxy run as an ordinary container of the pod: it starts with the app, not before.
        for l in local_connections(w) {
            let (c, pr) = (&w.containers[l.consumer], &w.containers[l.provider]);
            // A proxy the app talks through: a known proxy, or whatever serves a datastore's port.
            // (Helpers that call their app's own API, like a dashboard loader, retry.)
            if !is_proxy(pr.image_str()) && nexus_model::migration::role_from_port(l.port).is_none() {
                continue;
            }
            // An exporter beside its database retries; it is no app behind a proxy.
            if nexus_model::roles::tooling_role(c.image_str()).is_some() {
                continue;
            }
            let d = Diagnostic::new(
                META,
                l.span,
                format!(
                    "`{}` connects to `localhost:{}`, which container `{}` of the same pod serves, but nothing makes it wait for `{}` to listen",
                    c.name.value, l.port, pr.name.value, pr.name.value
                ),
            )
            .label("starts alongside its proxy")
            .help(format!(
                "Run `{}` as a native sidecar — in `initContainers` with `restartPolicy: Always` and `startupProbe: {{tcpSocket: {{port: {}}}}}` — so `{}` starts once it listens.",
                pr.name.value, l.port, c.name.value
            ))
            .secondary(pr.name.span, "an ordinary container: started at the same time")
            .resource(&w.resource)
            .template(w.template.as_deref())
            .key(format!("{}->{}:{}", c.name.value, pr.name.value, l.port));
            out.push(d);
        }
    }
}
