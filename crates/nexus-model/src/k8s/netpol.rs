//! NetworkPolicies (`networking.k8s.io/v1`) → [`NetworkPolicy`]: which pods a policy isolates,
//! for which direction, and the rules that let traffic through.
//!
//! Defaults follow the API (<https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/>):
//! - no `podSelector` is an empty selector: every pod of the policy's namespace;
//! - no (or an empty) `policyTypes` means `Ingress`, plus `Egress` when the policy has egress
//!   rules — a non-empty `egress` list, as the API server's defaulting does (`egress: []` alone
//!   does not isolate for egress);
//! - a rule with no (or an empty) `from`/`to` matches every peer, with no `ports` every port;
//! - a port's `protocol` defaults to `TCP`.

use super::scaling::label_selector;
use crate::read::{int_at, key_span, port_ref, str_at, string_list};
use crate::{LabelSelector, NetworkPolicy, Object, ObjectId, PolicyPeer, PolicyPort, PolicyRule, Spanned};
use nexus_source::yaml::NodeRef;

/// Reads a `networking.k8s.io/v1` NetworkPolicy. None when its `podSelector` cannot be read
/// exactly (an operator Kubernetes does not know): guessing which pods it isolates could only
/// produce false findings, and the schema check reports the manifest itself.
pub fn read(root: NodeRef<'_>, object: &Object) -> Option<NetworkPolicy> {
    let spec = root.get("spec");
    let selector_node = spec.and_then(|s| s.get("podSelector"));
    let pod_selector = match selector_node {
        Some(n) => exact_selector(n)?,
        None => LabelSelector::default(),
    };
    let selector_span = match (spec, selector_node) {
        (Some(s), Some(_)) => key_span(s, "podSelector"),
        (Some(_), None) => key_span(root, "spec"),
        (None, _) => object.kind.span,
    };
    let types: Vec<String> = spec
        .and_then(|s| s.get("policyTypes"))
        .map(|l| string_list(Some(l)).into_iter().map(|t| t.value).collect())
        .unwrap_or_default();
    let has_egress_rules = spec.and_then(|s| s.get("egress")).is_some_and(|e| e.is_seq() && !e.is_empty());
    let (ingress_on, egress_on) = if types.is_empty() {
        (true, has_egress_rules)
    } else {
        (types.iter().any(|t| t == "Ingress"), types.iter().any(|t| t == "Egress"))
    };
    let rules = |key: &str, peers_key: &str| -> Vec<PolicyRule> {
        spec.and_then(|s| s.get(key)).into_iter().flat_map(|l| l.items()).map(|r| rule(r, peers_key)).collect()
    };
    Some(NetworkPolicy {
        object: ObjectId(0),
        name: object.name.clone().unwrap_or_else(|| Spanned::new(String::new(), root.span())),
        namespace: object.namespace_str().map(str::to_string),
        span: root.span(),
        pod_selector,
        selector_span,
        ingress: ingress_on.then(|| rules("ingress", "from")),
        egress: egress_on.then(|| rules("egress", "to")),
    })
}

/// A selector, or None when one of its `matchExpressions` cannot be read (unknown operator,
/// no key), since [`label_selector`] skips those and so would select more than written.
fn exact_selector(node: NodeRef<'_>) -> Option<LabelSelector> {
    let s = label_selector(node);
    let written = node.get("matchExpressions").map_or(0, |l| l.items().count());
    (s.match_expressions.len() == written).then_some(s)
}

fn rule(node: NodeRef<'_>, peers_key: &str) -> PolicyRule {
    PolicyRule {
        span: node.span(),
        // A peer that cannot be read is left out; should that leave the list empty, the rule
        // matches every peer — more permissive than written, never less.
        peers: node.get(peers_key).into_iter().flat_map(|l| l.items()).filter_map(peer).collect(),
        ports: node.get("ports").into_iter().flat_map(|l| l.items()).map(port).collect(),
    }
}

fn peer(node: NodeRef<'_>) -> Option<PolicyPeer> {
    if let Some(b) = node.get("ipBlock") {
        return Some(PolicyPeer::IpBlock {
            cidr: str_at(b, "cidr")?.value,
            except: string_list(b.get("except")).into_iter().map(|e| e.value).collect(),
        });
    }
    // A selector with an unreadable expression selects more than written: permissive here.
    let pods = node.get("podSelector").map(label_selector);
    let namespaces = node.get("namespaceSelector").map(label_selector);
    (pods.is_some() || namespaces.is_some()).then_some(PolicyPeer::Pods { pods, namespaces })
}

fn port(node: NodeRef<'_>) -> PolicyPort {
    PolicyPort {
        port: node.get("port").and_then(port_ref).map(|p| p.value),
        end_port: int_at(node, "endPort").map(|e| e.value),
        protocol: str_at(node, "protocol").map_or_else(|| "TCP".into(), |p| p.value),
    }
}

#[cfg(test)]
mod tests {
    use crate::load::load_memory;
    use crate::{NetworkPolicy, PolicyPeer, PortRef};

    fn policies(yaml: &str) -> Vec<NetworkPolicy> {
        let loaded = load_memory(&[("np.yaml".into(), yaml.into())]);
        loaded.platform.network_policies
    }

    #[test]
    fn default_policy_types() {
        let p = policies(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a, namespace: prod}\n\
             spec:\n  podSelector: {}\n---\n\
             apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: b}\n\
             spec:\n  podSelector: {matchLabels: {app: web}}\n  egress:\n    - to: [{podSelector: {}}]\n---\n\
             apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: c}\n\
             spec:\n  podSelector: {}\n  egress: []\n---\n\
             apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: d}\n\
             spec:\n  podSelector: {}\n  policyTypes: [Egress]\n  ingress: [{}]\n",
        );
        assert_eq!(p.len(), 4);
        assert_eq!(p[0].namespace.as_deref(), Some("prod"));
        assert!(p[0].pod_selector.is_empty());
        assert_eq!(p[0].ingress.as_ref().map(Vec::len), Some(0), "default deny ingress");
        assert!(p[0].egress.is_none());
        assert!(p[1].ingress.is_some() && p[1].egress.as_ref().is_some_and(|e| e.len() == 1));
        assert!(p[1].pod_selector.match_labels.contains_key("app"));
        assert!(p[2].egress.is_none(), "`egress: []` without policyTypes does not isolate egress");
        assert!(p[3].ingress.is_none() && p[3].egress.as_ref().is_some_and(Vec::is_empty));
    }

    #[test]
    fn peers_and_ports() {
        let p = policies(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec:\n  podSelector: {}\n  \
             policyTypes: [Ingress, Egress]\n  ingress:\n    - from:\n        - podSelector: {matchLabels: {app: x}}\n          \
             namespaceSelector: {matchLabels: {team: y}}\n        - namespaceSelector: {}\n        \
             - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}\n      ports:\n        - port: 5432\n        \
             - {port: db, protocol: UDP}\n        - {port: 8000, endPort: 8010}\n        - {protocol: SCTP}\n  \
             egress:\n    - ports: [{port: \"53\"}]\n",
        );
        let r = &p[0].ingress.as_ref().unwrap()[0];
        assert_eq!(r.peers.len(), 3);
        assert!(matches!(&r.peers[0], PolicyPeer::Pods { pods: Some(_), namespaces: Some(_) }));
        assert!(matches!(&r.peers[1], PolicyPeer::Pods { pods: None, namespaces: Some(n) } if n.is_empty()));
        assert!(
            matches!(&r.peers[2], PolicyPeer::IpBlock { cidr, except } if cidr == "10.0.0.0/8" && except.len() == 1)
        );
        assert_eq!(r.ports[0].port, Some(PortRef::Number(5432)));
        assert_eq!(r.ports[0].protocol, "TCP");
        assert_eq!(r.ports[1].port, Some(PortRef::Name("db".into())));
        assert_eq!(r.ports[1].protocol, "UDP");
        assert_eq!(r.ports[2].end_port, Some(8010));
        assert_eq!((r.ports[3].port.clone(), r.ports[3].protocol.as_str()), (None, "SCTP"));
        let e = &p[0].egress.as_ref().unwrap()[0];
        assert!(e.peers.is_empty(), "no `to`: every peer");
        assert_eq!(e.ports[0].port, Some(PortRef::Number(53)));
    }

    #[test]
    fn unreadable_pod_selector_is_not_guessed() {
        let p = policies(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec:\n  podSelector:\n    \
             matchExpressions: [{key: app, operator: Matches, values: [x]}]\n",
        );
        assert!(p.is_empty());
    }
}
