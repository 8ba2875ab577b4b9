//! Whether the cluster's NetworkPolicies let one set of pods open a connection to another.
//!
//! Semantics, from <https://kubernetes.io/docs/concepts/services-networking/network-policies/>
//! and the API reference (`networking.k8s.io/v1`):
//! - A pod is isolated for ingress (egress) when any NetworkPolicy *in its namespace* selects it
//!   and has `Ingress` (`Egress`) in its policy types; unisolated pods allow everything.
//! - Policies are additive: an isolated pod allows what the union of the rules of the policies
//!   that isolate it allows. A rule allows traffic that matches one of its peers *and* one of
//!   its ports; an empty peer or port list matches everything.
//! - A connection between two pods needs both the egress side of the source and the ingress
//!   side of the destination to allow it.
//! - Peers: `podSelector` alone selects pods in the policy's own namespace; `namespaceSelector`
//!   alone selects every pod of the selected namespaces; both in one peer select the pods
//!   matching the pod selector in the selected namespaces.
//! - Namespaces carry the immutable label `kubernetes.io/metadata.name: <name>`
//!   (<https://kubernetes.io/docs/reference/labels-annotations-taints/#kubernetes-io-metadata-name>).
//! - Ports are the destination *pod's* ports (a Service's `port` has been translated to its
//!   `targetPort` by the time policy applies); a named port is looked up on the destination
//!   pod's containers; `endPort` makes a range; `protocol` defaults to TCP.
//!
//! Where the model does not know, every answer leans towards "may be allowed", so that a
//! finding built on these answers is never a guess: `ipBlock`s that could hold pod IPs (the
//! docs say they should be cluster-external, but 0.0.0.0/0 and private ranges are written for
//! pods too), labels of namespaces the repository does not declare, named ports no container
//! declares, ports we cannot resolve.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::{
    LabelSelector, NetworkPolicy, Platform, PolicyPeer, PolicyPort, PolicyRule, PortRef, Spanned, Workload,
    same_namespace,
};
use nexus_source::Span;

/// The automatic namespace label.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

/// The pods of a workload, where they run.
#[derive(Copy, Clone, Debug)]
pub struct Pods<'a> {
    pub workload: &'a Workload,
    /// Their namespace (None: unknown, shared with whatever they are compared with).
    pub namespace: Option<&'a str>,
}

impl Pods<'_> {
    fn labels(&self) -> &BTreeMap<String, Spanned<String>> {
        &self.workload.pod_labels
    }
}

/// A port on the destination pod; None fields are unknown and match anything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodPort {
    pub number: Option<i64>,
    /// The container port's name, when it has one.
    pub name: Option<String>,
    pub protocol: Option<String>,
}

impl PodPort {
    /// Any port: the connection's port is unknown.
    pub fn any() -> Self {
        PodPort::default()
    }

    /// A port of `dest` by number, named as its container declares it.
    pub fn number(dest: &Workload, n: i64, protocol: &str) -> Self {
        let name = dest
            .all_containers()
            .flat_map(|c| &c.ports)
            .find(|p| p.port.value == n && p.protocol == protocol)
            .and_then(|p| p.name.as_ref().map(|x| x.value.clone()));
        PodPort { number: Some(n), name, protocol: Some(protocol.to_string()) }
    }

    /// A Service port's target on `dest`: `targetPort` by number, or by name through the
    /// containers' ports (unknown number when no container declares the name).
    pub fn target(dest: &Workload, target: &PortRef, protocol: &str) -> Self {
        match target {
            PortRef::Number(n) => PodPort::number(dest, *n, protocol),
            PortRef::Name(name) => PodPort {
                number: named_port(dest, name),
                name: Some(name.clone()),
                protocol: Some(protocol.to_string()),
            },
        }
    }
}

/// The number of a container port of `w` by name.
pub fn named_port(w: &Workload, name: &str) -> Option<i64> {
    w.all_containers()
        .flat_map(|c| &c.ports)
        .find(|p| p.name.as_ref().is_some_and(|n| n.value == name))
        .map(|p| p.port.value)
}

/// The policies that isolate `pods` in `dir`, in model order.
pub fn isolating<'p>(p: &'p Platform, pods: Pods<'_>, dir: Direction) -> Vec<&'p NetworkPolicy> {
    // The policies of the pods' namespace, in input order: both named alike (by the objects or
    // by the kustomizations that list them), or both unnamed (applied together into one
    // namespace). A policy that names none lands wherever `kubectl apply -n` puts it, so it
    // isolates no pods of a named namespace, and pods that name none are isolated by no policy
    // of a named one: either would be a guess (eks-workshop's lab `default-deny`, applied by
    // hand, beside the application its kustomizations put in `carts`, `catalog`, …).
    let key = pods.namespace.map(str::to_string);
    let near = p.index.policies_by_namespace.get(&key).into_iter().flatten().copied();
    near.map(|i| &p.network_policies[i])
        .filter(|np| rules(np, dir).is_some())
        .filter(|np| np.namespace.as_deref() == pods.namespace)
        .filter(|np| np.pod_selector.matches(pods.labels()))
        .collect()
}

fn rules(np: &NetworkPolicy, dir: Direction) -> Option<&Vec<PolicyRule>> {
    match dir {
        Direction::Ingress => np.ingress.as_ref(),
        Direction::Egress => np.egress.as_ref(),
    }
}

/// Does one of `policies` (which isolate `subject` in `dir`) allow traffic with `peer` on
/// `port` of `dest` (the destination pods: `subject` for ingress, `peer` for egress)?
pub fn allowed(
    p: &Platform,
    policies: &[&NetworkPolicy],
    dir: Direction,
    subject: Pods<'_>,
    peer: Pods<'_>,
    port: &PodPort,
    dest: &Workload,
) -> bool {
    policies.iter().any(|np| {
        let own_ns = np.namespace.as_deref().or(subject.namespace);
        rules(np, dir).into_iter().flatten().any(|r| {
            (r.peers.is_empty() || r.peers.iter().any(|x| peer_may_match(p, x, own_ns, peer)))
                && (r.ports.is_empty() || r.ports.iter().any(|x| port_may_match(x, port, dest)))
        })
    })
}

/// May `peer` select `pods`? `own_ns` is the policy's namespace.
fn peer_may_match(p: &Platform, peer: &PolicyPeer, own_ns: Option<&str>, pods: Pods<'_>) -> bool {
    match peer {
        PolicyPeer::Pods { pods: sel, namespaces: None } => {
            same_namespace(own_ns, pods.namespace) && sel.as_ref().is_none_or(|s| s.matches(pods.labels()))
        }
        PolicyPeer::Pods { pods: sel, namespaces: Some(ns) } => {
            namespace_may_match(p, ns, pods.namespace) && sel.as_ref().is_none_or(|s| s.matches(pods.labels()))
        }
        PolicyPeer::IpBlock { cidr, except } => ip_block_may_hold_pods(cidr, except),
    }
}

/// May `sel` select the namespace `ns`? Its labels are those of its `Namespace` objects in the
/// repository plus the automatic name label; for a namespace the repository does not declare
/// only the name label is known, so a selector on other labels may match.
pub fn namespace_may_match(p: &Platform, sel: &LabelSelector, ns: Option<&str>) -> bool {
    let Some(ns) = ns else { return true };
    if sel.is_empty() {
        return true;
    }
    let name_label = || (NAMESPACE_NAME_LABEL.to_string(), Spanned::new(ns.to_string(), Span::default()));
    let declared: Vec<_> = p
        .objects
        .iter()
        .filter(|o| o.kind.value == "Namespace" && o.api_version.value == "v1" && o.name_str() == ns)
        .collect();
    if declared.is_empty() {
        let only_name = sel
            .match_labels
            .keys()
            .chain(sel.match_expressions.iter().map(|r| &r.key))
            .all(|k| k == NAMESPACE_NAME_LABEL);
        return !only_name || sel.matches(&BTreeMap::from([name_label()]));
    }
    declared.iter().any(|o| {
        let mut labels = o.labels.clone();
        labels.insert(name_label().0, name_label().1);
        sel.matches(&labels)
    })
}

/// Could this ipBlock hold pod IPs? Pod CIDRs are cluster configuration the repository does
/// not show; they come from private (RFC 1918) or shared (RFC 6598, 100.64.0.0/10) IPv4 space,
/// and from any IPv6 space. A block counts when it overlaps one of those ranges and no `except`
/// removes the whole overlap; anything unreadable counts.
pub fn ip_block_may_hold_pods(cidr: &str, except: &[String]) -> bool {
    const POD_RANGES: [(u32, u8); 4] = [(0x0A00_0000, 8), (0xAC10_0000, 12), (0xC0A8_0000, 16), (0x6440_0000, 10)];
    let Some(block) = parse_v4(cidr) else { return true };
    let excepts: Vec<(u32, u8)> = except.iter().filter_map(|e| parse_v4(e)).collect();
    POD_RANGES.iter().any(|&range| {
        // Two prefixes either nest or are disjoint: the overlap is the longer one.
        let overlap = if contains(block, range) {
            range
        } else if contains(range, block) {
            block
        } else {
            return false;
        };
        !excepts.iter().any(|&e| contains(e, overlap))
    })
}

/// `a.b.c.d/n` as (network, prefix length); None for IPv6 or anything unreadable.
fn parse_v4(cidr: &str) -> Option<(u32, u8)> {
    let (addr, len) = cidr.trim().split_once('/')?;
    let addr: Ipv4Addr = addr.parse().ok()?;
    let len: u8 = len.parse().ok().filter(|l| *l <= 32)?;
    Some((u32::from(addr) & mask(len), len))
}

fn mask(len: u8) -> u32 {
    if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) }
}

/// Does prefix `outer` contain prefix `inner`?
fn contains(outer: (u32, u8), inner: (u32, u8)) -> bool {
    outer.1 <= inner.1 && (inner.0 & mask(outer.1)) == outer.0
}

/// May a policy port match the destination pod's `port`?
fn port_may_match(pp: &PolicyPort, port: &PodPort, dest: &Workload) -> bool {
    if port.protocol.as_ref().is_some_and(|p| *p != pp.protocol) {
        return false;
    }
    match &pp.port {
        None => true,
        Some(PortRef::Number(n)) => port.number.is_none_or(|x| match pp.end_port {
            Some(end) => (*n..=end).contains(&x),
            None => x == *n,
        }),
        Some(PortRef::Name(name)) => {
            port.name.as_deref() == Some(name.as_str())
                || match named_port(dest, name) {
                    Some(m) => port.number.is_none_or(|x| x == m),
                    // A name no container of the destination declares: unknown, so it may match.
                    None => true,
                }
        }
    }
}

/// May `policies` (which isolate a pod in namespace `ns` for egress) let it reach the cluster
/// DNS (port 53, UDP or TCP, normally `kube-dns` pods in `kube-system`)? A rule counts when its
/// ports admit port 53 and it either names port 53 explicitly (whatever its peers: the intent
/// is DNS, and DNS servers are not always kube-dns) or has a peer that may be the DNS server —
/// any peer, an ipBlock (node-local caches listen on link-local addresses), a namespace selector
/// that may select `kube-system`, or pods of the policy's own namespace when that is
/// `kube-system`.
pub fn dns_may_be_allowed(p: &Platform, policies: &[&NetworkPolicy], ns: Option<&str>) -> bool {
    let admits_53 = |pp: &PolicyPort| {
        (pp.protocol == "UDP" || pp.protocol == "TCP")
            && match &pp.port {
                None => true,
                Some(PortRef::Number(n)) => *n == 53 || pp.end_port.is_some_and(|e| (*n..=e).contains(&53)),
                Some(PortRef::Name(_)) => true,
            }
    };
    let names_53 = |pp: &PolicyPort| admits_53(pp) && pp.port.is_some();
    policies.iter().any(|np| {
        let own_ns = np.namespace.as_deref().or(ns);
        np.egress.iter().flatten().any(|r| {
            if r.ports.iter().any(names_53) {
                return true;
            }
            if !(r.ports.is_empty() || r.ports.iter().any(admits_53)) {
                return false;
            }
            r.peers.is_empty()
                || r.peers.iter().any(|peer| match peer {
                    PolicyPeer::IpBlock { .. } => true,
                    PolicyPeer::Pods { namespaces: Some(sel), .. } => namespace_may_match(p, sel, Some("kube-system")),
                    PolicyPeer::Pods { namespaces: None, .. } => own_ns.is_none_or(|n| n == "kube-system"),
                })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_blocks() {
        assert!(ip_block_may_hold_pods("0.0.0.0/0", &[]));
        assert!(ip_block_may_hold_pods("10.0.0.0/8", &[]));
        assert!(ip_block_may_hold_pods("10.244.3.0/24", &[]));
        assert!(ip_block_may_hold_pods("172.20.0.0/16", &[]));
        assert!(ip_block_may_hold_pods("::/0", &[]), "IPv6: unknown, may hold pods");
        assert!(ip_block_may_hold_pods("not-a-cidr", &[]));
        assert!(!ip_block_may_hold_pods("203.0.113.0/24", &[]));
        assert!(!ip_block_may_hold_pods("8.8.8.8/32", &[]));
        let private = ["10.0.0.0/8".to_string(), "172.16.0.0/12".into(), "192.168.0.0/16".into()];
        assert!(ip_block_may_hold_pods("0.0.0.0/0", &private), "100.64.0.0/10 is still in");
        let all = [private.as_slice(), &["100.64.0.0/10".to_string()]].concat();
        assert!(!ip_block_may_hold_pods("0.0.0.0/0", &all));
        assert!(!ip_block_may_hold_pods("10.1.0.0/16", &["10.0.0.0/8".to_string()]));
    }
}
