//! NX701: a dependency edge between Kubernetes workloads that the NetworkPolicies deny — at
//! the provider's ingress, at the consumer's egress, or at the DNS lookup before either.
//! Policy evaluation lives in [`super::reach`]; this file turns edges into connections (the
//! Service port the consumer dials → the pod port policies see) and findings.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use crate::prelude::*;
use nexus_model::reach::{self, Direction, NAMESPACE_NAME_LABEL, PodPort, Pods};
use nexus_model::{
    Edge, EdgeKind, Endpoint, Format, NetworkPolicy, Platform, PortRef, ServicePort, Spanned, Workload, WorkloadKind,
};
use nexus_model::{FileId, Span};

declare_rule!(Error);

/// A connection an edge implies.
struct Connection {
    /// What the consumer dials, for messages (`nexus-database:5432`).
    shown: String,
    /// The provider pod ports it may reach; several when the edge does not say which, none
    /// when nothing is known (any port).
    ports: Vec<PodPort>,
    /// The host name it resolves first, if it is a name and not an IP address.
    dns_name: Option<String>,
}

fn is_k8s(w: &Workload) -> bool {
    w.resource.format == Format::Kubernetes && w.kind != WorkloadKind::ComposeService
}

/// A Service port → the provider pod port behind it (`targetPort`, defaulting to `port`).
fn behind(sp: &ServicePort, provider: &Workload) -> PodPort {
    let target = sp.target.as_ref().map_or(PortRef::Number(sp.port.value), |t| t.value.clone());
    PodPort::target(provider, &target, &sp.protocol)
}

/// The connection an edge implies; None when it cannot be told (the consumer dials a port
/// the Service does not expose — NX103's finding, not ours).
fn connection(p: &Platform, edge: &Edge, provider: &Workload) -> Option<Connection> {
    let endpoint: Option<&Endpoint> =
        edge.endpoint.map(|e| p.endpoint(e)).filter(|e| e.resource.format == Format::Kubernetes);
    let container_ports = || -> Vec<PodPort> {
        provider
            .all_containers()
            .flat_map(|c| &c.ports)
            .map(|cp| PodPort::number(provider, cp.port.value, &cp.protocol))
            .collect()
    };
    let service_ports = |e: &Endpoint| -> Vec<PodPort> { e.ports.iter().map(|sp| behind(sp, provider)).collect() };
    match &edge.kind {
        EdgeKind::Host { host, port, .. } => {
            let ports = match (port, endpoint) {
                // Through a Service's virtual IP the port is translated to its target port.
                (Some(n), Some(e)) if !e.headless => {
                    vec![behind(e.ports.iter().find(|sp| sp.port.value == *n)?, provider)]
                }
                // A headless Service resolves to the pods themselves: the port dialled is the pod's.
                (Some(n), _) => vec![PodPort::number(provider, *n, "TCP")],
                (None, Some(e)) => service_ports(e),
                (None, None) => container_ports(),
            };
            let shown = port.map_or_else(|| host.clone(), |n| format!("{host}:{n}"));
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            let dns_name = (bare.parse::<IpAddr>().is_err() && bare != "localhost").then(|| host.clone());
            Some(Connection { shown, ports, dns_name })
        }
        _ => {
            let shown = match endpoint.map(|e| e.ports.as_slice()) {
                Some([only]) => format!("{}:{}", edge.target.value, only.port.value),
                _ => edge.target.value.clone(),
            };
            let ports = endpoint.map_or_else(container_ports, service_ports);
            Some(Connection { shown, ports, dns_name: None })
        }
    }
}

/// The objects of each file in source order, to find the one a span lies in without a scan of
/// every object per finding (which made a platform with many findings quadratic).
struct Templates<'p>(BTreeMap<FileId, Vec<Placed<'p>>>);

/// An object's start and end in its file, and its Helm template.
type Placed<'p> = (u32, u32, Option<&'p str>);

impl<'p> Templates<'p> {
    fn new(p: &'p Platform) -> Self {
        let mut by_file: BTreeMap<FileId, Vec<Placed<'p>>> = BTreeMap::new();
        for o in &p.objects {
            by_file.entry(o.file).or_default().push((o.span.start, o.span.end, o.template.as_deref()));
        }
        for v in by_file.values_mut() {
            v.sort_by_key(|&(start, end, _)| (start, end));
        }
        Templates(by_file)
    }

    /// The Helm template the node at `span` was rendered from: the last object starting at or
    /// before it (a file's documents do not overlap), if it holds the span.
    fn at(&self, span: Span) -> Option<&'p str> {
        let objects = self.0.get(&span.file)?;
        let i = objects.partition_point(|&(start, _, _)| start <= span.start).checked_sub(1)?;
        let (_, end, template) = objects[i];
        if span.end <= end { template } else { None }
    }
}

/// A flow-style YAML scalar, quoted when it would not read back as the same string.
fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && !s.contains([',', '[', ']', '{', '}', ':', '#', ' ', '"', '\'', '&', '*', '!', '|', '>', '%', '@', '`'])
        && s.parse::<f64>().is_err()
        && !matches!(s, "true" | "false" | "null" | "~" | "yes" | "no" | "on" | "off");
    if plain { s.to_string() } else { format!("{s:?}") }
}

/// A `podSelector` for a workload's pods: its most specific well-known label, else all.
fn pod_selector(w: &Workload) -> String {
    let labels: &BTreeMap<String, Spanned<String>> = &w.pod_labels;
    let chosen: Vec<(&String, &Spanned<String>)> =
        match ["app.kubernetes.io/name", "app", "k8s-app", "name"].iter().find_map(|k| labels.get_key_value(*k)) {
            Some(kv) => vec![kv],
            None => labels.iter().collect(),
        };
    let inner = chosen.iter().map(|(k, v)| format!("{}: {}", scalar(k), scalar(&v.value))).collect::<Vec<_>>();
    format!("podSelector: {{matchLabels: {{{}}}}}", inner.join(", "))
}

/// `ports: [{port: 5432}]`, or nothing when the port is unknown.
fn ports_yaml(port: Option<&PodPort>) -> String {
    let Some(port) = port else { return String::new() };
    let value = match (&port.number, &port.name) {
        (Some(n), _) => n.to_string(),
        (None, Some(name)) => scalar(name),
        (None, None) => return String::new(),
    };
    match port.protocol.as_deref() {
        Some(proto) if proto != "TCP" => format!(", ports: [{{port: {value}, protocol: {proto}}}]"),
        _ => format!(", ports: [{{port: {value}}}]"),
    }
}

fn policy_names(policies: &[&NetworkPolicy]) -> String {
    let names: Vec<String> = policies.iter().map(|np| format!("`{}`", np.name.value)).collect();
    match names.as_slice() {
        [one] => format!("NetworkPolicy {one}"),
        _ => format!("NetworkPolicies {}", names.join(", ")),
    }
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    if p.network_policies.is_empty() {
        return;
    }
    let mut dns_reported = BTreeSet::new();
    let templates = Templates::new(p);
    for edge in &p.edges {
        let Some(pid) = edge.provider.filter(|&pid| pid != edge.consumer) else { continue };
        let (consumer, provider) = (p.workload(edge.consumer), p.workload(pid));
        if !is_k8s(consumer) || !is_k8s(provider) {
            continue;
        }
        let Some(conn) = connection(p, edge, provider) else { continue };
        // A workload without a namespace shares the other's.
        let from =
            Pods { workload: consumer, namespace: consumer.namespace.as_deref().or(provider.namespace.as_deref()) };
        let to =
            Pods { workload: provider, namespace: provider.namespace.as_deref().or(consumer.namespace.as_deref()) };
        let ports = if conn.ports.is_empty() { vec![PodPort::any()] } else { conn.ports.clone() };
        let case = Case { edge, from, to, conn: &conn, templates: &templates };
        let ingress = reach::isolating(p, to, Direction::Ingress);
        if !ingress.is_empty()
            && !ports.iter().any(|port| reach::allowed(p, &ingress, Direction::Ingress, to, from, port, provider))
        {
            out.push(case.blocked(Direction::Ingress, &ingress));
        }
        let egress = reach::isolating(p, from, Direction::Egress);
        if egress.is_empty() {
            continue;
        }
        if !ports.iter().any(|port| reach::allowed(p, &egress, Direction::Egress, from, to, port, provider)) {
            out.push(case.blocked(Direction::Egress, &egress));
        }
        if let Some(name) = &conn.dns_name
            && !dns_reported.contains(&consumer.id)
            && !reach::dns_may_be_allowed(p, &egress, from.namespace)
        {
            dns_reported.insert(consumer.id);
            out.push(case.dns_blocked(name, &egress));
        }
    }
}

/// One edge under judgement.
struct Case<'a> {
    edge: &'a Edge,
    from: Pods<'a>,
    to: Pods<'a>,
    conn: &'a Connection,
    templates: &'a Templates<'a>,
}

impl Case<'_> {
    fn diagnostic(&self, message: String, policies: &[&NetworkPolicy], subject: &str, dir: Direction) -> Diagnostic {
        let mut d = Diagnostic::new(META, self.edge.target.span, message)
            .resource(&self.from.workload.resource)
            .template(self.templates.at(self.edge.target.span));
        if let Some(via) = self.edge.via {
            d = d.secondary(via, format!("`{}` reads it here", self.from.workload.name.value));
        }
        for np in policies {
            d = d.secondary(np.selector_span, format!("isolates `{subject}` pods for {}", dir.as_str()));
        }
        d
    }

    /// The connection is denied at the provider's ingress or the consumer's egress.
    fn blocked(&self, dir: Direction, policies: &[&NetworkPolicy]) -> Diagnostic {
        let (c, pr) = (&self.from.workload.name.value, &self.to.workload.name.value);
        let (subject, peer, key) = match dir {
            Direction::Ingress => (self.to, self.from, "from"),
            Direction::Egress => (self.from, self.to, "to"),
        };
        let mut selector = pod_selector(peer.workload);
        if let (Some(peer_ns), Some(own_ns)) = (peer.namespace, subject.namespace)
            && peer_ns != own_ns
        {
            selector = format!(
                "namespaceSelector: {{matchLabels: {{{NAMESPACE_NAME_LABEL}: {}}}}}, {selector}",
                scalar(peer_ns)
            );
        }
        let subject = &subject.workload.name.value;
        let message = format!(
            "connection from `{c}` to `{}` is blocked by {} ({})",
            self.conn.shown,
            policy_names(policies),
            dir.as_str()
        );
        let port = self.conn.ports.first();
        self.diagnostic(message, policies, subject, dir)
            .label(format!("`{subject}` allows no {} for this connection", dir.as_str()))
            .help(format!(
                "Allow it: add `{}: [{{{key}: [{{{selector}}}]{}}}]` to a NetworkPolicy that selects `{subject}` pods.",
                dir.as_str(),
                ports_yaml(port)
            ))
            .key(format!("{pr}:{}", dir.as_str()))
    }

    /// The consumer is isolated for egress and may not reach DNS to resolve `name`.
    fn dns_blocked(&self, name: &str, policies: &[&NetworkPolicy]) -> Diagnostic {
        let c = &self.from.workload.name.value;
        let message = format!(
            "name lookups from `{c}` are blocked by {} (egress): no rule allows DNS on port 53, so `{name}` cannot be resolved",
            policy_names(policies)
        );
        self.diagnostic(message, policies, c, Direction::Egress)
            .label("needs DNS to resolve this name")
            .help(format!(
                "Allow DNS: add `egress: [{{to: [{{namespaceSelector: {{matchLabels: {{{NAMESPACE_NAME_LABEL}: kube-system}}}}, \
                 podSelector: {{matchLabels: {{k8s-app: kube-dns}}}}}}], ports: [{{port: 53, protocol: UDP}}, \
                 {{port: 53, protocol: TCP}}]}}]` to a NetworkPolicy that selects `{c}` pods."
            ))
            .key("dns:egress")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nexus_model::load::{Loaded, load_memory};
    use nexus_model::{Confidence, HostSource};

    const BACKEND: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: backend
  namespace: prod
spec:
  selector:
    matchLabels: {app: backend}
  template:
    metadata:
      labels: {app: backend}
    spec:
      containers:
        - name: backend
          image: ghcr.io/acme/backend:1.4.2
          env:
            - name: DATABASE_URL
              value: postgres://app@db:5432/app
";

    /// `db`: a Deployment whose container port `postgres` is 15432, behind Service port 5432.
    const DB: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: db
  namespace: prod
spec:
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
        - name: postgres
          image: postgres:16.4
          ports:
            - name: postgres
              containerPort: 15432
---
apiVersion: v1
kind: Service
metadata:
  name: db
  namespace: prod
spec:
  selector: {app: db}
  ports:
    - port: 5432
      targetPort: postgres
";

    fn policy(name: &str, namespace: &str, spec: &str) -> String {
        format!(
            "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n  namespace: {namespace}\nspec:\n{spec}"
        )
    }

    const DENY_INGRESS: &str = "  podSelector: {}\n  policyTypes: [Ingress]\n";

    /// Loads the files, adds the edge `backend → db:port` (as the inference will), runs NX701.
    fn run_with(files: &[&str], host: &str, port: Option<i64>) -> (Loaded, Vec<Diagnostic>) {
        let files: Vec<_> = files.iter().enumerate().map(|(i, f)| (format!("f{i}.yaml"), f.to_string())).collect();
        let mut loaded = load_memory(&files);
        let p = &mut loaded.platform;
        let consumer = p.workloads.iter().find(|w| w.name.value == "backend").unwrap();
        let provider = p.workloads.iter().find(|w| w.name.value == "db").unwrap().id;
        let endpoint = p.endpoints.iter().find(|e| e.name.value == "db").map(|e| e.id);
        let (consumer, url) = (consumer.id, consumer.containers[0].env[0].value.clone().unwrap());
        // Replace whatever the inference found with the edge under test.
        p.edges.retain(|e| e.consumer != consumer);
        let edge = Edge {
            consumer,
            target: url,
            provider: Some(provider),
            endpoint,
            kind: EdgeKind::Host {
                host: host.into(),
                port,
                scheme: None,
                variable: None,
                source: HostSource::EnvValue,
            },
            confidence: Confidence::Inferred,
            via: None,
        };
        p.edges.push(edge);
        let mut out = Vec::new();
        check(&Context { platform: &loaded.platform }, &mut out);
        (loaded, out)
    }

    fn run(files: &[&str]) -> Vec<Diagnostic> {
        run_with(files, "db", Some(5432)).1
    }

    fn messages(d: &[Diagnostic]) -> Vec<&str> {
        d.iter().map(|d| d.message.as_str()).collect()
    }

    #[test]
    fn default_deny_ingress_blocks() {
        let (loaded, d) = run_with(&[BACKEND, DB, &policy("default-deny", "prod", DENY_INGRESS)], "db", Some(5432));
        assert_eq!(
            messages(&d),
            ["connection from `backend` to `db:5432` is blocked by NetworkPolicy `default-deny` (ingress)"]
        );
        let d = &d[0];
        let f = loaded.db.get(d.span().file);
        assert_eq!(f.slice(d.span()), "postgres://app@db:5432/app");
        assert_eq!(d.resource.as_deref(), Some("Deployment/prod/backend"));
        assert_eq!(d.fingerprint_key.as_deref(), Some("db:ingress"));
        assert_eq!(d.secondary.len(), 1);
        assert_eq!(loaded.db.get(d.secondary[0].span.file).slice(d.secondary[0].span), "podSelector");
        assert_eq!(
            d.help.as_deref(),
            Some(
                "Allow it: add `ingress: [{from: [{podSelector: {matchLabels: {app: backend}}}], ports: [{port: 15432}]}]` \
                 to a NetworkPolicy that selects `db` pods."
            )
        );
    }

    #[test]
    fn inferred_edges_end_to_end() {
        let files: Vec<_> = [BACKEND, DB, &policy("default-deny", "prod", DENY_INGRESS)]
            .iter()
            .enumerate()
            .map(|(i, f)| (format!("f{i}.yaml"), f.to_string()))
            .collect();
        let loaded = load_memory(&files);
        let all = crate::run(&loaded.platform, &|_| true, &|_| None);
        let d: Vec<_> = all.iter().filter(|d| d.code == "NX701").collect();
        assert_eq!(d.len(), 1, "{:?}", d.iter().map(|d| &d.message).collect::<Vec<_>>());
        let f = loaded.db.get(d[0].span().file);
        assert_eq!(f.position(d[0].span().start).line, 18);
    }

    #[test]
    fn no_policy_no_finding() {
        assert!(run(&[BACKEND, DB]).is_empty());
    }

    #[test]
    fn allow_by_pod_selector() {
        let allow = policy(
            "db",
            "prod",
            "  podSelector: {matchLabels: {app: db}}\n  ingress:\n    - from: [{podSelector: {matchLabels: {app: backend}}}]\n      ports: [{port: 15432}]\n",
        );
        assert!(run(&[BACKEND, DB, &policy("deny", "prod", DENY_INGRESS), &allow]).is_empty());
        // The rule allows another client only.
        let other = allow.replace("app: backend", "app: frontend");
        assert_eq!(run(&[BACKEND, DB, &other]).len(), 1);
    }

    #[test]
    fn empty_pod_selector_selects_every_pod() {
        // An allow-all-from-the-namespace rule on an empty selector.
        let allow = policy("same-ns", "prod", "  podSelector: {}\n  ingress:\n    - from: [{podSelector: {}}]\n");
        assert!(run(&[BACKEND, DB, &policy("deny", "prod", DENY_INGRESS), &allow]).is_empty());
        // A policy selecting other pods does not isolate `db`.
        let other = policy("web", "prod", "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress]\n");
        assert!(run(&[BACKEND, DB, &other]).is_empty());
    }

    #[test]
    fn service_port_is_translated_to_the_pod_port() {
        let on = |port: &str| {
            policy(
                "db",
                "prod",
                &format!("  podSelector: {{matchLabels: {{app: db}}}}\n  ingress:\n    - ports: [{{port: {port}}}]\n"),
            )
        };
        assert_eq!(run(&[BACKEND, DB, &on("5432")]).len(), 1, "5432 is the Service port, not the pod's");
        assert!(run(&[BACKEND, DB, &on("15432")]).is_empty());
        assert_eq!(run(&[BACKEND, DB, &on("5433")]).len(), 1, "wrong port");
        assert!(run(&[BACKEND, DB, &on("postgres")]).is_empty(), "named port");
        assert!(run(&[BACKEND, DB, &on("http")]).is_empty(), "unknown named port: may match");
        let range = policy(
            "db",
            "prod",
            "  podSelector: {matchLabels: {app: db}}\n  ingress:\n    - ports: [{port: 15000, endPort: 16000}]\n",
        );
        assert!(run(&[BACKEND, DB, &range]).is_empty());
        let udp = policy(
            "db",
            "prod",
            "  podSelector: {matchLabels: {app: db}}\n  ingress:\n    - ports: [{port: 15432, protocol: UDP}]\n",
        );
        assert_eq!(run(&[BACKEND, DB, &udp]).len(), 1, "wrong protocol");
    }

    #[test]
    fn named_port_on_a_container_with_another_number_blocks() {
        let db = DB.replace(
            "            - name: postgres\n",
            "            - name: metrics\n              containerPort: 9187\n            - name: postgres\n",
        );
        let on_metrics = policy(
            "db",
            "prod",
            "  podSelector: {matchLabels: {app: db}}\n  ingress:\n    - ports: [{port: metrics}]\n",
        );
        assert_eq!(run(&[BACKEND, &db, &on_metrics]).len(), 1);
    }

    #[test]
    fn namespace_selectors() {
        let backend = BACKEND.replace("namespace: prod", "namespace: apps");
        let allow = |sel: &str| {
            policy(
                "db",
                "prod",
                &format!(
                    "  podSelector: {{}}\n  ingress:\n    - from: [{{namespaceSelector: {{matchLabels: {sel}}}}}]\n"
                ),
            )
        };
        let ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n  labels: {team: shop}\n";
        // By the automatic name label, with or without the Namespace object.
        assert!(run(&[&backend, DB, &allow("{kubernetes.io/metadata.name: apps}")]).is_empty());
        assert_eq!(run(&[&backend, DB, &allow("{kubernetes.io/metadata.name: web}")]).len(), 1);
        // By a declared label: known with the Namespace object, assumed without it.
        assert!(run(&[&backend, DB, ns, &allow("{team: shop}")]).is_empty());
        assert_eq!(run(&[&backend, DB, ns, &allow("{team: data}")]).len(), 1);
        assert!(run(&[&backend, DB, &allow("{team: data}")]).is_empty(), "namespace not in the repo: may match");
        // A podSelector alone only selects the policy's own namespace.
        let pods_only = policy(
            "db",
            "prod",
            "  podSelector: {}\n  ingress:\n    - from: [{podSelector: {matchLabels: {app: backend}}}]\n",
        );
        let d = run(&[&backend, DB, &pods_only]);
        assert_eq!(d.len(), 1);
        assert!(
            d[0].help.as_deref().unwrap().contains(
                "{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: apps}}, podSelector: {matchLabels: {app: backend}}}"
            ),
            "{:?}",
            d[0].help
        );
        // Both in one peer: pods in the selected namespaces.
        let both = |app: &str| {
            policy(
                "db",
                "prod",
                &format!(
                    "  podSelector: {{}}\n  ingress:\n    - from:\n        - namespaceSelector: {{matchLabels: {{team: shop}}}}\n          podSelector: {{matchLabels: {{app: {app}}}}}\n"
                ),
            )
        };
        assert!(run(&[&backend, DB, ns, &both("backend")]).is_empty());
        assert_eq!(run(&[&backend, DB, ns, &both("web")]).len(), 1);
    }

    #[test]
    fn policies_in_another_namespace_do_not_apply() {
        assert!(run(&[BACKEND, DB, &policy("deny", "staging", DENY_INGRESS)]).is_empty());
        // A namespace-less workload shares the other's namespace.
        let db = DB.replace("  namespace: prod\n", "");
        assert_eq!(run(&[BACKEND, &db, &policy("deny", "prod", DENY_INGRESS)]).len(), 1);
    }

    #[test]
    fn egress_isolation() {
        let dns = "    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]\n      ports: [{port: 53, protocol: UDP}]\n";
        let egress = |rules: &str| {
            policy(
                "backend",
                "prod",
                &format!(
                    "  podSelector: {{matchLabels: {{app: backend}}}}\n  policyTypes: [Egress]\n  egress:\n{rules}"
                ),
            )
        };
        // DNS allowed, the database not.
        let d = run(&[BACKEND, DB, &egress(dns)]);
        assert_eq!(
            messages(&d),
            ["connection from `backend` to `db:5432` is blocked by NetworkPolicy `backend` (egress)"]
        );
        assert!(
            d[0].help
                .as_deref()
                .unwrap()
                .contains("`egress: [{to: [{podSelector: {matchLabels: {app: db}}}], ports: [{port: 15432}]}]`")
        );
        assert_eq!(d[0].fingerprint_key.as_deref(), Some("db:egress"));
        // Both allowed.
        let to_db = "    - to: [{podSelector: {matchLabels: {app: db}}}]\n      ports: [{port: 15432}]\n";
        assert!(run(&[BACKEND, DB, &egress(&format!("{dns}{to_db}"))]).is_empty());
        // The database allowed, DNS not: one finding for DNS.
        let d = run(&[BACKEND, DB, &egress(to_db)]);
        assert_eq!(
            messages(&d),
            [
                "name lookups from `backend` are blocked by NetworkPolicy `backend` (egress): no rule allows DNS on port 53, so `db` cannot be resolved"
            ]
        );
        // An IP address needs no DNS.
        let (_, d) = run_with(&[BACKEND, DB, &egress(to_db)], "10.0.0.5", Some(5432));
        assert!(d.is_empty(), "{:?}", messages(&d));
        // Deny all egress: both findings.
        let deny = policy("deny-egress", "prod", "  podSelector: {}\n  policyTypes: [Egress]\n");
        assert_eq!(run(&[BACKEND, DB, &deny]).len(), 2);
    }

    #[test]
    fn dns_allowances() {
        let to_db = "    - to: [{podSelector: {matchLabels: {app: db}}}]\n";
        let egress = |rules: &str| {
            policy(
                "backend",
                "prod",
                &format!("  podSelector: {{}}\n  policyTypes: [Egress]\n  egress:\n{to_db}{rules}"),
            )
        };
        let ok = [
            "    - ports: [{port: 53, protocol: UDP}]\n",
            "    - to: [{podSelector: {matchLabels: {k8s-app: kube-dns}}, namespaceSelector: {}}]\n",
            "    - to: [{ipBlock: {cidr: 169.254.20.10/32}}]\n",
            "    - to: [{namespaceSelector: {matchLabels: {team: platform}}}]\n",
            "    - to: [{podSelector: {}}]\n      ports: [{port: 53}]\n",
        ];
        for rule in ok {
            assert!(run(&[BACKEND, DB, &egress(rule)]).is_empty(), "{rule}");
        }
        let blocked = [
            "    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]\n",
            "    - to: [{podSelector: {}}]\n",
            "    - ports: [{port: 443}]\n",
        ];
        for rule in blocked {
            assert_eq!(run(&[BACKEND, DB, &egress(rule)]).len(), 1, "{rule}");
        }
    }

    #[test]
    fn ip_blocks_are_conservative() {
        let allow = |cidr: &str| {
            policy(
                "db",
                "prod",
                &format!("  podSelector: {{}}\n  ingress:\n    - from: [{{ipBlock: {{cidr: {cidr}}}}}]\n"),
            )
        };
        assert!(run(&[BACKEND, DB, &allow("0.0.0.0/0")]).is_empty());
        assert!(run(&[BACKEND, DB, &allow("10.244.0.0/16")]).is_empty());
        assert!(run(&[BACKEND, DB, &allow("\"::/0\"")]).is_empty());
        assert_eq!(run(&[BACKEND, DB, &allow("203.0.113.0/24")]).len(), 1, "public range: not pods");
    }

    #[test]
    fn unknown_service_port_is_not_judged() {
        let (_, d) = run_with(&[BACKEND, DB, &policy("deny", "prod", DENY_INGRESS)], "db", Some(5433));
        assert!(d.is_empty());
        // No port at all: any of the Service's ports.
        let (_, d) = run_with(&[BACKEND, DB, &policy("deny", "prod", DENY_INGRESS)], "db", None);
        assert_eq!(messages(&d), ["connection from `backend` to `db` is blocked by NetworkPolicy `deny` (ingress)"]);
    }
}
