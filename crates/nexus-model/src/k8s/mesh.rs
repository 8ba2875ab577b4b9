//! Istio `VirtualService`, `DestinationRule` and `ServiceEntry`, and Gateway API routes, read
//! into [`MeshObject`]s: hosts, destinations and subsets, each with its span. Fields routing does
//! not need are not read (and, these being custom resources, not validated).

use super::Piece;
use super::build::Cx;
use crate::mesh::{Destination, MeshKind, MeshObject, Subset};
use crate::read::{int_at, key_span, str_at, string, string_map};
use crate::{ObjectId, Spanned};
use nexus_source::yaml::NodeRef;

/// Is this a mesh or Gateway API routing kind this front end reads?
pub(super) fn kind_of(api_version: &str, kind: &str) -> Option<MeshKind> {
    let group = api_version.split('/').next().unwrap_or("");
    match (group, kind) {
        ("networking.istio.io", "VirtualService") => Some(MeshKind::VirtualService),
        ("networking.istio.io", "DestinationRule") => Some(MeshKind::DestinationRule),
        ("networking.istio.io", "ServiceEntry") => Some(MeshKind::ServiceEntry),
        ("gateway.networking.k8s.io", "HTTPRoute" | "GRPCRoute" | "TCPRoute" | "TLSRoute" | "UDPRoute") => {
            Some(MeshKind::GatewayRoute)
        }
        _ => None,
    }
}

pub(super) fn read(cx: &Cx<'_>, piece: &mut Piece, kind: MeshKind) {
    let spec = cx.root.get("spec");
    let mut m = MeshObject {
        object: ObjectId(0),
        kind,
        resource: piece.object.resource.clone(),
        namespace: cx.namespace.clone(),
        file: cx.src.id,
        span: cx.root.span(),
        hosts: Vec::new(),
        destinations: Vec::new(),
        subsets: Vec::new(),
        annotations: piece.object.annotations.clone(),
    };
    if let Some(spec) = spec {
        match kind {
            MeshKind::VirtualService => virtual_service(spec, &mut m),
            MeshKind::DestinationRule => destination_rule(spec, &mut m),
            MeshKind::ServiceEntry => m.hosts = hosts(spec),
            MeshKind::GatewayRoute => gateway_route(spec, &mut m),
        }
    }
    piece.mesh = Some(Box::new(m));
}

fn hosts(spec: NodeRef<'_>) -> Vec<Spanned<String>> {
    spec.get("hosts").into_iter().flat_map(|l| l.items()).filter_map(string).collect()
}

/// `http`, `tcp` and `tls` routes: every `route[].destination`, and `http[].mirror`.
fn virtual_service(spec: NodeRef<'_>, m: &mut MeshObject) {
    m.hosts = hosts(spec);
    for key in ["http", "tcp", "tls"] {
        for rule in spec.get(key).into_iter().flat_map(|l| l.items()) {
            for r in rule.get("route").into_iter().flat_map(|l| l.items()) {
                if let Some(d) = r.get("destination").and_then(istio_destination) {
                    m.destinations.push(d);
                }
            }
            if let Some(d) = rule.get("mirror").and_then(istio_destination) {
                m.destinations.push(d);
            }
            for mirror in rule.get("mirrors").into_iter().flat_map(|l| l.items()) {
                if let Some(d) = mirror.get("destination").and_then(istio_destination) {
                    m.destinations.push(d);
                }
            }
        }
    }
}

fn istio_destination(d: NodeRef<'_>) -> Option<Destination> {
    Some(Destination {
        host: str_at(d, "host")?,
        subset: str_at(d, "subset"),
        port: d.get("port").and_then(|p| int_at(p, "number")),
        namespace: None,
        other_kind: None,
        span: d.span(),
    })
}

fn destination_rule(spec: NodeRef<'_>, m: &mut MeshObject) {
    m.hosts = str_at(spec, "host").into_iter().collect();
    for s in spec.get("subsets").into_iter().flat_map(|l| l.items()) {
        let Some(name) = str_at(s, "name") else { continue };
        m.subsets.push(Subset {
            name,
            labels: string_map(s.get("labels")),
            labels_span: if s.get("labels").is_some() { key_span(s, "labels") } else { s.span() },
        });
    }
}

/// `rules[].backendRefs[]` (and each filter's `requestMirror.backendRef`).
fn gateway_route(spec: NodeRef<'_>, m: &mut MeshObject) {
    m.hosts = spec.get("hostnames").into_iter().flat_map(|l| l.items()).filter_map(string).collect();
    for rule in spec.get("rules").into_iter().flat_map(|l| l.items()) {
        for b in rule.get("backendRefs").into_iter().flat_map(|l| l.items()) {
            m.destinations.extend(backend_ref(b));
        }
        for f in rule.get("filters").into_iter().flat_map(|l| l.items()) {
            if let Some(b) = f.path(&["requestMirror", "backendRef"]) {
                m.destinations.extend(backend_ref(b));
            }
        }
    }
}

fn backend_ref(b: NodeRef<'_>) -> Option<Destination> {
    let group = str_at(b, "group").map_or_else(String::new, |g| g.value);
    let kind = str_at(b, "kind").map_or_else(|| "Service".to_string(), |k| k.value);
    let core = (group.is_empty() || group == "core") && kind == "Service";
    Some(Destination {
        host: str_at(b, "name")?,
        subset: None,
        port: int_at(b, "port"),
        namespace: str_at(b, "namespace"),
        other_kind: (!core).then(|| if group.is_empty() { kind } else { format!("{kind}.{group}") }),
        span: b.span(),
    })
}
