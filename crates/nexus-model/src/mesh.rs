//! Service-mesh and Gateway API routes: where Istio `VirtualService`s and Gateway API routes
//! (`HTTPRoute`, `GRPCRoute`, `TCPRoute`, `TLSRoute`, `UDPRoute`) send traffic, the subsets
//! Istio `DestinationRule`s define, and the hosts `ServiceEntry`s add to the mesh (NX702).
//!
//! These are custom resources, outside the vendored Kubernetes schemas: they are still kept as
//! objects (NX005) and not validated field by field; the Kubernetes front end reads only what
//! routing needs (`k8s/mesh.rs`), and [`resolve_host`] says which Service a host names.

use std::collections::BTreeMap;

use crate::{EndpointId, FileId, Format, ObjectId, Platform, ResourceRef, Span, Spanned, same_namespace};

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MeshKind {
    VirtualService,
    DestinationRule,
    ServiceEntry,
    /// A Gateway API route (`HTTPRoute`, `GRPCRoute`, …; the kind is the object's).
    GatewayRoute,
}

/// A mesh or Gateway API object, as far as routing goes.
#[derive(Clone, Debug)]
pub struct MeshObject {
    pub object: ObjectId,
    pub kind: MeshKind,
    pub resource: ResourceRef,
    pub namespace: Option<String>,
    pub file: FileId,
    pub span: Span,
    /// `VirtualService`/`ServiceEntry` `spec.hosts`; a `DestinationRule`'s `spec.host`.
    pub hosts: Vec<Spanned<String>>,
    /// Where a `VirtualService` (routes and mirrors) or a Gateway API route (`backendRefs`)
    /// sends traffic.
    pub destinations: Vec<Destination>,
    /// A `DestinationRule`'s subsets.
    pub subsets: Vec<Subset>,
    pub annotations: BTreeMap<String, Spanned<String>>,
}

/// A route's destination.
#[derive(Clone, Debug)]
pub struct Destination {
    /// Istio `destination.host`; a Gateway API `backendRef`'s `name`.
    pub host: Spanned<String>,
    pub subset: Option<Spanned<String>>,
    /// Istio `destination.port.number`; a `backendRef`'s `port`.
    pub port: Option<Spanned<i64>>,
    /// A `backendRef`'s `namespace`.
    pub namespace: Option<Spanned<String>>,
    /// A `backendRef` of a kind other than a core `Service` (not checked).
    pub other_kind: Option<String>,
    /// The whole destination.
    pub span: Span,
}

/// A `DestinationRule` subset.
#[derive(Clone, Debug)]
pub struct Subset {
    pub name: Spanned<String>,
    pub labels: BTreeMap<String, Spanned<String>>,
    /// The `labels:` key (or the subset when it has none).
    pub labels_span: Span,
}

/// What a host names, seen from a namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostTarget {
    /// A Service of the repository.
    Service(EndpointId),
    /// A host a `ServiceEntry` adds to the mesh.
    Entry,
    /// A cluster-internal name (`reviews`, `reviews.shop.svc.cluster.local`) that no Service of
    /// the repository defines.
    Missing { name: String, namespace: Option<String> },
    /// A name outside the cluster, a wildcard, or one this run cannot tell.
    Other,
}

/// Resolves a host the way Istio does: a short name is a Service in `namespace`; `name.ns`,
/// `name.ns.svc` and `name.ns.svc.cluster.local` a Service in `ns` (the two-label form only
/// when `ns` is a namespace the repository names); anything else is outside the cluster unless a
/// `ServiceEntry` lists it.
pub fn resolve_host(p: &Platform, host: &str, namespace: Option<&str>) -> HostTarget {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if p.index.entry_hosts.contains(&host) || p.index.entry_suffixes.iter().any(|s| host.ends_with(s.as_str())) {
        return HostTarget::Entry;
    }
    if host.contains('*') || host.is_empty() {
        return HostTarget::Other;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let (name, ns): (&str, Option<&str>) = match labels.as_slice() {
        [name] => (name, namespace),
        [name, ns, "svc"] | [name, ns, "svc", "cluster", "local"] => (name, Some(ns)),
        [name, ns] if p.index.namespaces.contains(*ns) => (name, Some(ns)),
        _ => return HostTarget::Other,
    };
    let found = p.index.endpoints_by_name.get(name).into_iter().flatten().map(|id| p.endpoint(*id)).find(|e| {
        e.resource.format == Format::Kubernetes && e.name.value == name && same_namespace(e.namespace.as_deref(), ns)
    });
    match found {
        Some(e) => HostTarget::Service(e.id),
        None => HostTarget::Missing { name: name.to_string(), namespace: ns.map(str::to_string) },
    }
}
