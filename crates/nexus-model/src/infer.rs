//! Inferred dependency edges: host names in what a workload reads, resolved to endpoints.
//!
//! Sources, per container (init containers included, since they connect too):
//! - env values, with Kubernetes' `$(VAR)` references to earlier variables expanded;
//! - ConfigMap and Secret values that env vars read (`valueFrom`) or import (`envFrom`), with
//!   the evidence in the ConfigMap and the env var as `via`;
//! - Compose `env_file` lines;
//! - args and command words (URLs and `host:port` only — bare words are too ambiguous — and
//!   the `--host`/`-h` option of database clients: `psql --host=db`, `mysql -h db -P 3306`).
//!
//! Forms: URLs of any scheme (`postgres://u:p@db:5432/x`, `mongodb://a:1,b:2/x`), key=value
//! connection strings (ADO.NET/ODBC: `Host=db;Port=5432;…`, `Server=db,1433;…`,
//! `Data Source=db;…`), `host:port`, and bare hosts in variables named `*_HOST`, `*_HOSTNAME`,
//! `*_SERVER`, `*_ADDR`, `*_ADDRESS` (their port from the sibling `*_PORT`).
//!
//! A variable that the container's own command only stores into configuration (`bench
//! set-config -g db_host $DB_HOST`) is an address written, not dialled: it makes no edge. Kubernetes DNS forms resolve namespace-aware:
//! `name` (the consumer's namespace), `name.ns`, `name.ns.svc`, `name.ns.svc.cluster.local`, and
//! StatefulSet pod names `pod-0.name.ns.svc…`. Compose hosts resolve to the project's services,
//! their network aliases, hostnames and container names. A host that resolves to nothing in the
//! repository (a managed database, a SaaS API) is external and makes no edge.

use rayon::prelude::*;
use std::collections::BTreeMap;

use super::{
    Confidence, ConfigKind, Edge, EdgeKind, EndpointId, EnvSource, Format, HostSource, Platform, Spanned, Workload,
    WorkloadId, same_namespace,
};
use nexus_source::{SourceDb, Span};

/// A host reference found in a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostRef {
    pub host: String,
    pub port: Option<i64>,
    pub scheme: Option<String>,
    /// Byte range of the host inside the value.
    pub start: usize,
    pub end: usize,
}

/// The default port of a URL scheme.
pub fn scheme_port(scheme: &str) -> Option<i64> {
    Some(match scheme {
        "postgres"
        | "postgresql"
        | "postgresql+psycopg2"
        | "postgresql+asyncpg"
        | "postgresql+psycopg"
        | "jdbc:postgresql" => 5432,
        "mysql" | "mysql+pymysql" | "mysql+mysqldb" | "mariadb" | "jdbc:mysql" | "jdbc:mariadb" => 3306,
        "redis" | "rediss" => 6379,
        "mongodb" => 27017,
        "amqp" => 5672,
        "amqps" => 5671,
        "kafka" => 9092,
        "nats" => 4222,
        "memcached" | "memcache" => 11211,
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        "grpc" => 50051,
        "elasticsearch" => 9200,
        "clickhouse" => 9000,
        "cassandra" => 9042,
        "mqtt" => 1883,
        _ => return None,
    })
}

fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_'
}

/// A plausible DNS name (not an IP, not `localhost`, has a letter, valid characters).
fn plausible_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 253
        && h.chars().all(is_host_char)
        && h.chars().any(|c| c.is_ascii_alphabetic())
        && !h.starts_with(['-', '.'])
        && !h.ends_with('-')
        && !matches!(h, "localhost" | "host.docker.internal")
        && !h.ends_with(".localhost")
}

/// Host references in one value: URLs first; if there are none, `host:port` tokens; if there
/// are none and `bare_host` is set, the whole value as a host.
pub fn find_hosts(value: &str, bare_host: bool) -> Vec<HostRef> {
    let mut out = Vec::new();
    let mut search = 0;
    while let Some(i) = value[search..].find("://") {
        let sep = search + i;
        // The scheme: letters, digits, `+`, `-`, `.` and `:` (for `jdbc:postgresql`) before `://`.
        let scheme_start = value[..sep]
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.' | ':'))
            .last()
            .map_or(sep, |(j, _)| j);
        let scheme = value[scheme_start..sep].to_ascii_lowercase();
        let auth_start = sep + 3;
        let auth_end = value[auth_start..]
            .find(['/', '?', '#', '"', '\'', ' ', '\n', '\t', ';'])
            .map_or(value.len(), |j| auth_start + j);
        let authority = &value[auth_start..auth_end];
        // Userinfo may itself hold `@` in a password; the host part follows the last one.
        let hosts_off = authority.rfind('@').map_or(0, |j| j + 1);
        let mut off = auth_start + hosts_off;
        for part in value[off..auth_end].split(',') {
            let (h, port) = split_host_port(part);
            if plausible_host(h) {
                let port = port.or_else(|| scheme_port(&scheme));
                out.push(HostRef {
                    host: h.to_string(),
                    port,
                    scheme: Some(scheme.clone()),
                    start: off,
                    end: off + h.len(),
                });
            }
            off += part.len() + 1;
        }
        search = auth_end.max(sep + 3);
    }
    if !out.is_empty() {
        return out;
    }
    out = connection_string_hosts(value);
    if !out.is_empty() {
        return out;
    }
    // `host:port` tokens.
    let mut pos = 0;
    for tok in value.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '"' | '\'' | '=' | '(' | ')')) {
        let start = pos;
        pos += tok.len() + 1;
        // `host:port/path` names the host too.
        let Some((h, p)) = tok.split('/').next().unwrap_or(tok).rsplit_once(':') else { continue };
        let Ok(port) = p.parse::<i64>() else { continue };
        if (1..=65535).contains(&port) && plausible_host(h) {
            out.push(HostRef { host: h.to_string(), port: Some(port), scheme: None, start, end: start + h.len() });
        }
    }
    if out.is_empty() && bare_host {
        let v = value.trim();
        if plausible_host(v) {
            let start = value.find(v).unwrap_or(0);
            out.push(HostRef { host: v.to_string(), port: None, scheme: None, start, end: start + v.len() });
        }
    }
    out
}

/// Hosts in a key=value connection string (ADO.NET, ODBC, JDBC properties):
/// `Host=db;Port=5432;Username=u`, `Server=tcp:db,1433;Database=x`, `Data Source=db;…`.
fn connection_string_hosts(value: &str) -> Vec<HostRef> {
    if !value.contains(';') || !value.contains('=') {
        return Vec::new();
    }
    let mut host: Option<(&str, usize)> = None;
    let mut port: Option<i64> = None;
    let mut off = 0;
    for part in value.split(';') {
        let start = off;
        off += part.len() + 1;
        let Some((k, v)) = part.split_once('=') else { continue };
        let key = k.trim().to_ascii_lowercase();
        let v_start = start + k.len() + 1 + (v.len() - v.trim_start().len());
        let v = v.trim();
        match key.as_str() {
            "host" | "server" | "data source" | "datasource" | "address" | "addr" | "network address" | "hostname" => {
                let (v, skip) = match v.strip_prefix("tcp:") {
                    Some(rest) => (rest, 4),
                    None => (v, 0),
                };
                // `db,1433` (SQL Server) and `db:5432`.
                let (h, p) = match v.split_once([',', ':']) {
                    Some((h, p)) => (h, p.trim().parse().ok()),
                    None => (v, None),
                };
                host = Some((h, v_start + skip));
                port = port.or(p);
            }
            "port" => port = v.parse().ok().or(port),
            _ => {}
        }
    }
    match host {
        Some((h, at)) if plausible_host(h) => {
            vec![HostRef { host: h.to_string(), port, scheme: None, start: at, end: at + h.len() }]
        }
        _ => Vec::new(),
    }
}

/// Database clients whose `--host`/`-h` option names the server they connect to, with the
/// scheme that gives the role and default port, and their port option.
const CLIENTS: &[(&str, &str, &[&str])] = &[
    ("psql", "postgres", &["-p", "--port"]),
    ("pg_dump", "postgres", &["-p", "--port"]),
    ("pg_dumpall", "postgres", &["-p", "--port"]),
    ("pg_restore", "postgres", &["-p", "--port"]),
    ("mysql", "mysql", &["-P", "--port"]),
    ("mysqldump", "mysql", &["-P", "--port"]),
    ("mariadb", "mysql", &["-P", "--port"]),
    ("mongosh", "mongodb", &["--port"]),
    ("mongo", "mongodb", &["--port"]),
    ("mongodump", "mongodb", &["--port"]),
    ("mongorestore", "mongodb", &["--port"]),
    ("redis-cli", "redis", &["-p"]),
    ("clickhouse-client", "clickhouse", &["--port"]),
];

/// The servers a container's database clients connect to (`psql --host=db`, `mysql -h db`),
/// with the span of the argument that names each.
pub fn client_hosts(c: &super::Container) -> Vec<(HostRef, Span)> {
    let words = super::migration::command_words(c);
    let mut out = Vec::new();
    let mut client: Option<&(&str, &str, &[&str])> = None;
    let mut host: Option<(String, Span)> = None;
    let mut port: Option<i64> = None;
    let mut flush =
        |client: Option<&(&str, &str, &[&str])>, host: &mut Option<(String, Span)>, port: &mut Option<i64>| {
            if let (Some((_, scheme, _)), Some((h, span))) = (client, host.take())
                && plausible_host(&h)
            {
                let port = port.take().or_else(|| scheme_port(scheme));
                let r = HostRef { host: h.clone(), port, scheme: Some(scheme.to_string()), start: 0, end: h.len() };
                out.push((r, span));
            }
            *port = None;
        };
    let mut i = 0;
    while i < words.len() {
        let (w, span) = words[i];
        let base = w.rsplit('/').next().unwrap_or(w);
        if let Some(cl) = CLIENTS.iter().find(|(name, ..)| *name == base) {
            flush(client, &mut host, &mut port);
            client = Some(cl);
        } else if let Some(cl) = client {
            let next = words.get(i + 1).map(|(x, _)| *x);
            if let Some(h) = w.strip_prefix("--host=") {
                host = Some((h.to_string(), span));
            } else if (w == "-h" || w == "--host") && next.is_some() {
                host = next.map(|h| (h.to_string(), words[i + 1].1));
                i += 1;
            } else if let Some(p) = cl.2.iter().find_map(|opt| w.strip_prefix(&format!("{opt}="))) {
                port = p.parse().ok();
            } else if cl.2.contains(&w) {
                port = next.and_then(|p| p.parse().ok());
                i += 1;
            }
        }
        i += 1;
    }
    flush(client, &mut host, &mut port);
    out
}

/// Is `var` used in the container's command only as a value that a configuration command
/// stores (`bench set-config -g db_host $DB_HOST`)? Then the address is written for others to
/// read, not dialled. A variable the command does not mention is read by the program itself.
pub fn only_written(c: &super::Container, var: &str) -> bool {
    let mentions = |cmd: &str| {
        let mut rest = cmd;
        while let Some(i) = rest.find('$') {
            let after = rest[i + 1..].trim_start_matches('{');
            if after.starts_with(var)
                && !after[var.len()..].starts_with(|ch: char| ch.is_ascii_alphanumeric() || ch == '_')
            {
                return true;
            }
            rest = &rest[i + 1..];
        }
        false
    };
    let writes = |cmd: &str| {
        let words: Vec<&str> = cmd.split_whitespace().collect();
        words.iter().any(|w| matches!(*w, "set-config" | "config:set" | "config-set"))
    };
    let mut mentioned = false;
    for arg in c.argv() {
        for cmd in arg.value.split(['\n', ';', '|', '&']) {
            if mentions(cmd) {
                if !writes(cmd) {
                    return false;
                }
                mentioned = true;
            }
        }
    }
    mentioned
}

/// A connection from one container of a pod to another over localhost.
#[derive(Clone, Debug)]
pub struct LocalConnection {
    /// Index of the connecting container in [`Workload::containers`].
    pub consumer: usize,
    /// Index of the container that serves the port.
    pub provider: usize,
    pub port: i64,
    /// The value that names `localhost:PORT`.
    pub span: Span,
}

/// The ports a container serves: those it declares, and those its arguments name for a
/// listener (`--port=3306`, `instance=tcp:5432`, `0.0.0.0:6432`).
fn served_ports(c: &super::Container) -> Vec<i64> {
    let mut out: Vec<i64> = c.ports.iter().map(|p| p.port.value).collect();
    for a in c.argv() {
        for word in a.value.split_whitespace() {
            let tail = ["--port=", "-port=", "--listen=", "--address="]
                .iter()
                .find_map(|p| word.strip_prefix(p))
                .or_else(|| word.rsplit_once("tcp:").map(|(_, t)| t))
                .or_else(|| word.strip_prefix("0.0.0.0:"))
                .or_else(|| word.strip_prefix("127.0.0.1:"));
            if let Some(n) = tail.and_then(|t| t.rsplit(':').next()).and_then(|t| t.parse().ok()) {
                out.push(n);
            }
        }
    }
    out
}

/// Connections of a pod's main containers to `localhost:PORT` (or `127.0.0.1`) served by another
/// main container of the same pod — a proxy run as an ordinary container (pattern: Cloud SQL
/// Auth Proxy beside the app). Kubernetes starts a pod's containers together, in no order that
/// waits for one to listen.
pub fn local_connections(w: &Workload) -> Vec<LocalConnection> {
    let mut out = Vec::new();
    if w.resource.format != Format::Kubernetes || w.containers.len() < 2 {
        return out;
    }
    let served: Vec<Vec<i64>> = w.containers.iter().map(served_ports).collect();
    for (ci, c) in w.containers.iter().enumerate() {
        let values = c.env.iter().filter_map(|e| e.value.as_ref()).chain(c.argv());
        for v in values {
            for tok in
                v.value.split(|ch: char| ch.is_whitespace() || matches!(ch, ',' | ';' | '"' | '\'' | '=' | '/' | '@'))
            {
                let Some((host, port)) = tok.rsplit_once(':') else { continue };
                let Ok(port) = port.parse::<i64>() else { continue };
                if !matches!(host, "localhost" | "127.0.0.1") {
                    continue;
                }
                let provider = served.iter().enumerate().find(|(i, ports)| *i != ci && ports.contains(&port));
                if let Some((pi, _)) = provider
                    && !out.iter().any(|l: &LocalConnection| l.consumer == ci && l.port == port)
                {
                    out.push(LocalConnection { consumer: ci, provider: pi, port, span: v.span });
                }
            }
        }
    }
    out
}

fn split_host_port(s: &str) -> (&str, Option<i64>) {
    match s.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty() => (h, p.parse().ok()),
        _ => (s, None),
    }
}

/// Variables whose whole value is a host.
pub fn is_host_variable(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    ["_HOST", "_HOSTNAME", "_SERVER", "_ADDR", "_ADDRESS", "_SERVICE"].iter().any(|s| n.ends_with(s))
        || matches!(n.as_str(), "HOST" | "DB_HOST" | "PGHOST" | "MYSQL_HOST" | "REDIS_HOST")
}

/// The `*_PORT` variable paired with a `*_HOST` one.
fn port_variable(name: &str) -> Option<String> {
    let n = name.to_ascii_uppercase();
    if n == "PGHOST" {
        return Some("PGPORT".into());
    }
    ["_HOSTNAME", "_HOST", "_SERVER", "_ADDRESS", "_ADDR"]
        .iter()
        .find_map(|s| n.strip_suffix(s).map(|p| format!("{p}_PORT")))
}

/// Expands Kubernetes' `$(VAR)` references from literal values; `$$(VAR)` stays literal.
pub fn expand_k8s(value: &str, vars: &BTreeMap<String, String>) -> Option<String> {
    if !value.contains("$(") {
        return None;
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(i) = rest.find("$(") {
        if rest[..i].ends_with('$') {
            out.push_str(&rest[..i + 2]);
            rest = &rest[i + 2..];
            continue;
        }
        out.push_str(&rest[..i]);
        match rest[i + 2..].find(')') {
            Some(j) => {
                let name = &rest[i + 2..i + 2 + j];
                match vars.get(name) {
                    Some(v) => out.push_str(v),
                    None => out.push_str(&rest[i..i + 3 + j]),
                }
                rest = &rest[i + 3 + j..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    Some(out)
}

/// Where a resolved host leads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resolved {
    pub endpoint: Option<EndpointId>,
    pub provider: Option<WorkloadId>,
    /// The host looks like a name inside the cluster or project (even if nothing defines it).
    pub internal: bool,
}

/// Resolves a host as seen from a consumer.
pub fn resolve(p: &Platform, consumer: &Workload, host: &str) -> Resolved {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let mut out = Resolved::default();
    let named = |name: &str| p.index.endpoints_by_name.get(name).into_iter().flatten().map(|id| p.endpoint(*id));
    let found = if consumer.resource.format == Format::Compose {
        out.internal = !host.contains('.');
        named(&host).find(|e| e.project == consumer.project)
    } else {
        let labels: Vec<&str> = host.split('.').collect();
        let cluster_suffix = host.ends_with(".svc.cluster.local") || host.ends_with(".svc");
        let (name, ns): (&str, Option<&str>) = match labels.as_slice() {
            [name] => (name, None),
            [pod_or_name, rest @ ..] if cluster_suffix => {
                // name.ns.svc[.cluster.local] or pod.name.ns.svc[.cluster.local]
                let svc_at = rest.iter().position(|l| *l == "svc").unwrap_or(rest.len());
                match &rest[..svc_at] {
                    [ns] => (pod_or_name, Some(*ns)),
                    [name, ns] => (name, Some(*ns)),
                    _ => (pod_or_name, None),
                }
            }
            [name, ns] if known_namespace(p, ns) => (name, Some(*ns)),
            _ => return out,
        };
        out.internal = true;
        let ns = ns.or(consumer.namespace.as_deref());
        named(name).find(|e| {
            e.resource.format == Format::Kubernetes
                && e.name.value == name
                && same_namespace(e.namespace.as_deref(), ns)
        })
    };
    if let Some(e) = found {
        out.endpoint = Some(e.id);
        out.provider = e.targets.iter().copied().find(|t| *t != consumer.id);
        out.internal = true;
    }
    out
}

fn known_namespace(p: &Platform, ns: &str) -> bool {
    p.index.namespaces.contains(ns)
}

/// A value a workload reads, with where it is written and how it is read.
struct Value<'a> {
    text: &'a str,
    span: Span,
    variable: Option<&'a str>,
    source: HostSource,
    via: Option<Span>,
}

/// Adds inferred edges for every workload.
pub fn infer(p: &mut Platform, db: &SourceDb) {
    // Each workload's connections on every core (issue 15), collected in workload order.
    let platform: &Platform = p;
    let edges: Vec<Edge> = platform
        .workloads
        .par_iter()
        .flat_map_iter(|w| {
            let p = platform;
            let mut edges = Vec::new();
            let mut values: Vec<Value<'_>> = Vec::new();
            for c in w.all_containers() {
                for e in &c.env {
                    if only_written(c, &e.name.value) {
                        continue;
                    }
                    match (&e.value, &e.from) {
                        (Some(v), Some(EnvSource::EnvFile { .. })) => values.push(Value {
                            text: &v.value,
                            span: v.span,
                            variable: Some(&e.name.value),
                            source: HostSource::EnvFile,
                            via: None,
                        }),
                        (Some(v), _) => values.push(Value {
                            text: &v.value,
                            span: v.span,
                            variable: Some(&e.name.value),
                            source: HostSource::EnvValue,
                            via: None,
                        }),
                        (
                            None,
                            Some(
                                from @ (EnvSource::ConfigMapKey { name, key, .. }
                                | EnvSource::SecretKey { name, key, .. }),
                            ),
                        ) => {
                            let kind = if matches!(from, EnvSource::SecretKey { .. }) {
                                ConfigKind::Secret
                            } else {
                                ConfigKind::ConfigMap
                            };
                            if let Some(v) = config_value(p, w, kind, &name.value, &key.value) {
                                values.push(Value {
                                    text: &v.value,
                                    span: v.span,
                                    variable: Some(&e.name.value),
                                    source: HostSource::ConfigValue,
                                    via: Some(e.name.span),
                                });
                            }
                        }
                        _ => {}
                    }
                }
                for f in &c.env_from {
                    let Some(cfg) =
                        p.index.configs_by_name.get(&f.name.value).into_iter().flatten().map(|c| p.config(*c)).find(
                            |x| {
                                x.kind == f.kind
                                    && x.name.value == f.name.value
                                    && x.project == w.project
                                    && same_namespace(x.namespace.as_deref(), w.namespace.as_deref())
                            },
                        )
                    else {
                        continue;
                    };
                    for entry in &cfg.data {
                        if let Some(v) = &entry.value {
                            values.push(Value {
                                text: &v.value,
                                span: v.span,
                                variable: Some(&entry.key.value),
                                source: HostSource::ConfigValue,
                                via: Some(f.name.span),
                            });
                        }
                    }
                }
                for a in c.argv() {
                    values.push(Value {
                        text: &a.value,
                        span: a.span,
                        variable: None,
                        source: HostSource::Arg,
                        via: None,
                    });
                }
            }
            let mut seen: Vec<(Option<WorkloadId>, Option<EndpointId>, Option<i64>)> = Vec::new();
            let literal_ports: BTreeMap<String, i64> = w
                .all_containers()
                .flat_map(|c| c.env.iter())
                .filter_map(|e| Some((e.name.value.to_ascii_uppercase(), e.value.as_ref()?.value.trim().parse().ok()?)))
                .collect();
            // Kubernetes expands `$(VAR)` from the container's earlier variables; the workload's
            // literal values stand in for them.
            let literals: BTreeMap<String, String> = w
                .all_containers()
                .flat_map(|c| c.env.iter())
                .filter_map(|e| Some((e.name.value.clone(), e.value.as_ref()?.value.clone())))
                .collect();
            for v in &values {
                let bare = v.variable.is_some_and(is_host_variable);
                let expanded =
                    if w.resource.format == Format::Kubernetes { expand_k8s(v.text, &literals) } else { None };
                let text = expanded.as_deref().unwrap_or(v.text);
                for h in find_hosts(text, bare) {
                    let r = resolve(p, w, &h.host);
                    if r.endpoint.is_none() {
                        continue;
                    }
                    let port = h.port.or_else(|| {
                        let pv = v.variable.and_then(port_variable)?;
                        literal_ports.get(&pv).copied()
                    });
                    let key = (r.provider, r.endpoint, port);
                    if seen.contains(&key) || r.provider == Some(w.id) {
                        continue;
                    }
                    seen.push(key);
                    let span = host_span(db, v.span, &h.host, expanded.is_none().then_some(h.start));
                    edges.push(Edge {
                        consumer: w.id,
                        target: Spanned::new(h.host.clone(), span),
                        provider: r.provider,
                        endpoint: r.endpoint,
                        kind: EdgeKind::Host {
                            host: h.host,
                            port,
                            scheme: h.scheme,
                            variable: v.variable.map(str::to_string),
                            source: v.source,
                        },
                        confidence: Confidence::Inferred,
                        via: v.via,
                    });
                }
            }
            // Main containers only: an init container's client is usually a wait, already a gate.
            for (h, arg) in w.containers.iter().flat_map(client_hosts) {
                let r = resolve(p, w, &h.host);
                let key = (r.provider, r.endpoint, h.port);
                if r.endpoint.is_none() || seen.contains(&key) || r.provider == Some(w.id) {
                    continue;
                }
                seen.push(key);
                edges.push(Edge {
                    consumer: w.id,
                    target: Spanned::new(h.host.clone(), host_span(db, arg, &h.host, None)),
                    provider: r.provider,
                    endpoint: r.endpoint,
                    kind: EdgeKind::Host {
                        host: h.host,
                        port: h.port,
                        scheme: h.scheme,
                        variable: None,
                        source: HostSource::Arg,
                    },
                    confidence: Confidence::Inferred,
                    via: None,
                });
            }
            edges
        })
        .collect();
    p.edges.extend(edges);
}

/// The span of a host inside a value's source text: exact when the value is written verbatim
/// (or quoted), else the whole value.
fn host_span(db: &SourceDb, value: Span, host: &str, offset_in_value: Option<usize>) -> Span {
    let src = db.get(value.file).text.get(value.range()).unwrap_or("");
    let at = match offset_in_value {
        // The value's text may start after a quote.
        Some(off) if src.get(off..off + host.len()) == Some(host) => Some(off),
        Some(off) if src.get(off + 1..off + 1 + host.len()) == Some(host) => Some(off + 1),
        _ => src.find(host),
    };
    match at {
        Some(i) => Span::new(value.file, value.start + i as u32, value.start + (i + host.len()) as u32),
        None => value,
    }
}

fn config_value<'a>(
    p: &'a Platform,
    w: &Workload,
    kind: ConfigKind,
    name: &str,
    key: &str,
) -> Option<&'a Spanned<String>> {
    p.index
        .configs_by_name
        .get(name)
        .into_iter()
        .flatten()
        .map(|c| p.config(*c))
        .filter(|c| c.kind == kind && c.project == w.project)
        .filter(|c| same_namespace(c.namespace.as_deref(), w.namespace.as_deref()))
        .find_map(|c| c.data.iter().find(|e| e.key.value == key).and_then(|e| e.value.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(v: &str, bare: bool) -> Vec<(String, Option<i64>)> {
        find_hosts(v, bare).into_iter().map(|h| (h.host, h.port)).collect()
    }

    #[test]
    fn urls_hosts_and_ports() {
        assert_eq!(
            hosts("postgresql://nexus:$(POSTGRES_PASSWORD)@nexus-database:5432/nexus", false),
            [("nexus-database".into(), Some(5432))]
        );
        assert_eq!(hosts("redis://nexus-redis/0", false), [("nexus-redis".into(), Some(6379))]);
        assert_eq!(hosts("mongodb://a:1,b:2/x?replicaSet=rs", false), [("a".into(), Some(1)), ("b".into(), Some(2))]);
        assert_eq!(
            hosts("jdbc:postgresql://db.prod.svc.cluster.local/app", false),
            [("db.prod.svc.cluster.local".into(), Some(5432))]
        );
        assert_eq!(hosts("nexus-redis:6379", false), [("nexus-redis".into(), Some(6379))]);
        assert_eq!(hosts("--broker=kafka-0.kafka:9092", false), [("kafka-0.kafka".into(), Some(9092))]);
        assert_eq!(hosts("todo-gitops:8080/api", false), [("todo-gitops".into(), Some(8080))]);
        assert_eq!(hosts("nexus-redis", true), [("nexus-redis".into(), None)]);
        assert!(hosts("nexus-redis", false).is_empty());
        assert!(hosts("http://localhost:8080/x", false).is_empty());
        assert!(hosts("10.0.0.1:5432", false).is_empty());
        assert!(hosts("12:30", false).is_empty());
        assert_eq!(hosts("cache", true), [("cache".into(), None)]);
        let h = find_hosts("postgres://u:p@db:5432/x", false);
        assert_eq!(&"postgres://u:p@db:5432/x"[h[0].start..h[0].end], "db");
    }

    #[test]
    fn connection_strings() {
        assert_eq!(
            hosts("Host=astronomy-db;Port=5433;Username=u;Password=p;Database=d", false),
            [("astronomy-db".into(), Some(5433))]
        );
        assert_eq!(hosts("Server=tcp:sql,1433;Database=x;User Id=sa", false), [("sql".into(), Some(1433))]);
        assert_eq!(hosts("Data Source=orders-db;Initial Catalog=orders", false), [("orders-db".into(), None)]);
        let h = find_hosts("Host=db;Database=d", false);
        assert_eq!(&"Host=db;Database=d"[h[0].start..h[0].end], "db");
        assert!(hosts("a=b;c=d", false).is_empty());
    }

    #[test]
    fn host_variables_and_ports() {
        assert!(is_host_variable("REDIS_HOST") && is_host_variable("db_hostname") && is_host_variable("PGHOST"));
        assert!(!is_host_variable("LOG_LEVEL"));
        assert_eq!(port_variable("REDIS_HOST").as_deref(), Some("REDIS_PORT"));
        assert_eq!(port_variable("PGHOST").as_deref(), Some("PGPORT"));
    }

    #[test]
    fn k8s_dependent_variables() {
        let vars: BTreeMap<String, String> = [("DB_HOST".to_string(), "db".to_string())].into();
        assert_eq!(expand_k8s("postgres://u@$(DB_HOST):5432", &vars).unwrap(), "postgres://u@db:5432");
        assert_eq!(expand_k8s("$(MISSING)/x", &vars).unwrap(), "$(MISSING)/x");
        assert_eq!(expand_k8s("$$(DB_HOST)", &vars).unwrap(), "$$(DB_HOST)");
        assert!(expand_k8s("plain", &vars).is_none());
    }
}
