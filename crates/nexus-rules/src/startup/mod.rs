//! Startup orchestration (NX1xx): who waits for whom, and whether that wait is real.

// The family's rule files (and helpers), listed by build.rs.
include!(concat!(env!("OUT_DIR"), "/family_startup.rs"));

use nexus_model::migration::image_basename;
use nexus_model::{Edge, EdgeKind, Format, Platform, Role, Workload};

/// Providers a consumer typically connects to at startup and cannot serve without: datastores,
/// caches and queues. (An HTTP upstream is usually called per request, and retried.)
pub(crate) fn is_stateful(role: Role) -> bool {
    matches!(role, Role::Datastore | Role::Cache | Role::Queue)
}

/// `host:port` of an edge, for messages.
pub(crate) fn edge_address(e: &Edge) -> String {
    match &e.kind {
        EdgeKind::Host { host, port: Some(port), .. } => format!("{host}:{port}"),
        EdgeKind::Host { host, .. } => host.clone(),
        _ => e.target.value.clone(),
    }
}

/// The port to wait on: the edge's, else the provider's first.
fn port_of(p: &Platform, e: &Edge, provider: &Workload) -> Option<i64> {
    if let EdgeKind::Host { port: Some(port), .. } = &e.kind {
        return Some(*port);
    }
    e.endpoint
        .and_then(|id| p.endpoint(id).ports.first().map(|sp| sp.port.value))
        .or_else(|| provider.containers.iter().flat_map(|c| &c.ports).map(|cp| cp.port.value).next())
}

/// The gate to add, written for the consumer's format.
pub(crate) fn suggested_gate(p: &Platform, e: &Edge, consumer: &Workload, provider: &Workload) -> String {
    let host = match &e.kind {
        EdgeKind::Host { host, .. } => host.clone(),
        _ => provider.name.value.clone(),
    };
    let port = port_of(p, e, provider);
    if consumer.resource.format == Format::Compose {
        let cond = if provider.has_readiness() { "" } else { ", and give it a `healthcheck`" };
        return format!(
            "Wait for it to be healthy: `depends_on: {{{}: {{condition: service_healthy}}}}`{cond}.",
            provider.name.value
        );
    }
    let image = provider.containers.first().map(|c| c.image_str().to_string()).unwrap_or_default();
    let base = image_basename(&image).to_ascii_lowercase();
    let port_s = port.map_or(String::new(), |p| p.to_string());
    let (img, check) = if base.starts_with("postgres") || base.starts_with("postgis") || base.starts_with("timescale") {
        (image.clone(), format!("pg_isready -h {host} -p {}", port.unwrap_or(5432)))
    } else if base.starts_with("redis") || base.starts_with("valkey") {
        (image.clone(), format!("redis-cli -h {host} -p {} ping", port.unwrap_or(6379)))
    } else if base.starts_with("mysql") || base.starts_with("mariadb") {
        (image.clone(), format!("mysqladmin ping -h {host} -P {}", port.unwrap_or(3306)))
    } else {
        ("busybox:1.36.1".to_string(), format!("nc -z {host} {port_s}"))
    };
    format!(
        "Add an init container that waits, with a deadline: `{{name: wait-for-{}, image: {img}, command: [\"sh\", \"-c\", \"timeout 120 sh -c 'until {check}; do sleep 2; done'\"]}}` (or declare `nexus-lint.io/retries-dependencies: \"true\"` if the app retries on its own).",
        provider.name.value
    )
}
