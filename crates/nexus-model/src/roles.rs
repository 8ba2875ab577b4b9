//! What a workload is for, beyond its image: the roles that tolerate their dependencies, the
//! roles that what depends on a workload reveals, and whether a consumer tolerates a provider
//! that is not ready when it starts.
//!
//! The role vocabulary (`nexus-lint.io/role`, or a Compose label of that name, and then the
//! `roles:` of `.nexus-lint.yaml`, override inference): `server`, `datastore`, `cache`, `queue`, `migration`, `one-shot`, and
//!
//! - `proxy` — reverse proxies and load balancers (nginx, Envoy, Traefik, HAProxy, Caddy). They
//!   connect to their upstreams per request and answer 502/503 until an upstream listens.
//! - `observability` — metrics, dashboards, log and trace pipelines (Prometheus, Grafana,
//!   Alertmanager, exporters, Loki, Jaeger, Zipkin, Tempo, OpenTelemetry collectors, Fluentd,
//!   Fluent Bit, Logstash, Kibana, Vector…). They retry what they scrape, query or forward, and
//!   what sends them telemetry drops or buffers it while they start.
//! - `admin` — admin UIs that connect when a person asks them to (Adminer, phpMyAdmin, pgAdmin,
//!   mongo-express, RedisInsight, redis-commander, Kafka UI…).
//!
//! A consumer *tolerates* a provider when a late provider costs it nothing but a retry: it
//! declares so (`nexus-lint.io/retries-dependencies: "true"`), it runs (or a Compose `build:`
//! starts `FROM`) a well-known image that waits for or retries that kind of provider (Temporal's `auto-setup`, Gitea, Nextcloud,
//! WordPress and other PHP applications, NetBox, podinfo's optional cache, Istio's Bookinfo
//! ratings), it is observability
//! or admin tooling, it is a Compose proxy in front of an upstream server (in Kubernetes a Service keeps
//! routing user traffic to the upstream through rollouts, so readiness matters there), or the
//! provider is observability tooling that a long-running workload sends telemetry to, or its
//! build context declares a client library that waits for that datastore or connects on first
//! use ([`crate::clients`]: Mongoose, PyMongo, ioredis, redis-py…).

use super::clients::{Behaviour, ClientLibrary};
use super::migration::{image_basename, image_repository};
use super::{EdgeKind, Format, GateKind, Platform, Role, Workload, WorkloadId};

/// A role set by configuration (`roles:` in `.nexus-lint.yaml`) for the workloads whose resource
/// (`compose:edge`, `Deployment/shop/gateway`) or image (`ghcr.io/acme/gateway:*`) matches; `*`
/// matches any run of characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleOverride {
    pub resource: Option<String>,
    pub image: Option<String>,
    pub role: Role,
}

/// `*` matches any run of characters, anything else itself (the patterns of `roles:`,
/// `capacity:`, `external:`, `drift:` and `migrations:` in the configuration).
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

/// The role configuration gives a workload, if any (the first entry that matches).
pub fn configured_role(overrides: &[RoleOverride], w: &Workload) -> Option<Role> {
    let resource = w.resource.to_string();
    let image = w.containers.first().map(|c| c.image_str()).unwrap_or("");
    overrides
        .iter()
        .find(|o| {
            (o.resource.is_some() || o.image.is_some())
                && o.resource.as_deref().is_none_or(|r| wildcard(r, &resource))
                && o.image.as_deref().is_none_or(|i| wildcard(i, image))
        })
        .map(|o| o.role)
}

/// Admin UIs, by image basename (checked before datastore names: `mongo-express`,
/// `redisinsight`, `kafka-ui` start with one).
const ADMIN: &[&str] = &[
    "adminer",
    "phpmyadmin",
    "pgadmin",
    "mongo-express",
    "redisinsight",
    "redis-commander",
    "kafka-ui",
    "akhq",
    "cloudbeaver",
    "dbgate",
    "rabbitmq-management-ui",
    "admin-tools",
];

/// Admin UIs whose basename alone says nothing.
const ADMIN_REPOS: &[&str] = &["temporalio/ui"];

/// Well-known images that start without their datastore (they wait for it or retry in their
/// entrypoint) or connect to it per request, with the provider roles they tolerate. Their own
/// documentation says so: declare `nexus-lint.io/retries-dependencies: "true"` for your own.
const TOLERANT_IMAGES: &[(&str, Tolerance, &[Role])] = &[
    // auto-setup.sh waits for the database and Elasticsearch before it creates the schema.
    ("temporalio/auto-setup", Tolerance::Waits, &[Role::Datastore, Role::Cache, Role::Queue]),
    // The entrypoint waits for the database before it migrates (not for Redis).
    ("netboxcommunity/netbox", Tolerance::Waits, &[Role::Datastore]),
    // Its s6 init waits for the database (init-wait-for-db, up to 60 s) and for Redis, its
    // broker (init-wait-for-redis), before any service starts.
    ("paperless-ngx/paperless-ngx", Tolerance::Waits, &[Role::Datastore, Role::Cache, Role::Queue]),
    // Nextcloud All-in-One: the Nextcloud container's start.sh and entrypoint.sh wait with
    // `nc -z` for PostgreSQL, Redis and the optional services they are given (full-text search,
    // ClamAV, office suites); the whiteboard's start.sh waits for Redis
    // (nextcloud/all-in-one, Containers/{nextcloud,whiteboard}/).
    ("nextcloud-releases/aio-nextcloud", Tolerance::Waits, &[Role::Datastore, Role::Cache, Role::Queue, Role::Server]),
    ("nextcloud-releases/aio-whiteboard", Tolerance::Waits, &[Role::Cache]),
    // `[database] DB_RETRIES` (10 × 3 s) at start.
    ("gitea/gitea", Tolerance::Retries, &[Role::Datastore]),
    // The entrypoint retries the installation 10 times, 10 s apart; Redis is used per request.
    ("nextcloud", Tolerance::Retries, &[Role::Datastore, Role::Cache]),
    // PHP applications connect per request and show an error page until the database answers.
    ("wordpress", Tolerance::Retries, &[Role::Datastore, Role::Cache]),
    ("bitnami/wordpress", Tolerance::Retries, &[Role::Datastore, Role::Cache]),
    ("drupal", Tolerance::Retries, &[Role::Datastore]),
    ("joomla", Tolerance::Retries, &[Role::Datastore]),
    ("mediawiki", Tolerance::Retries, &[Role::Datastore]),
    ("matomo", Tolerance::Retries, &[Role::Datastore]),
    // The cache is optional: podinfo starts without it and reconnects.
    ("stefanprodan/podinfo", Tolerance::Retries, &[Role::Cache]),
    // Istio's Bookinfo ratings v2 opens its MySQL or MongoDB connection per request and answers
    // 500 "could not connect to ratings database" until it can (istio/istio,
    // samples/bookinfo/src/ratings/ratings.js); on Docker Hub and in Istio's registry.
    ("istio/examples-bookinfo-ratings-v2", Tolerance::Retries, &[Role::Datastore]),
    ("release/examples-bookinfo-ratings-v2", Tolerance::Retries, &[Role::Datastore]),
    // Frappe opens database connections per request and per job.
    ("frappe/erpnext", Tolerance::Retries, &[Role::Datastore]),
    ("frappe/frappe", Tolerance::Retries, &[Role::Datastore]),
];

/// Well-known images that create or migrate their database schema when they start, then serve:
/// what depends on them needs them ready, not started.
const MIGRATE_AT_START: &[&str] = &["temporalio/auto-setup"];

/// Does the workload migrate its schema when it starts, before it serves (a migration in its
/// entrypoint or init containers, or an image known to)? Its dependents need it ready.
pub fn migrates_at_start(p: &Platform, w: &Workload) -> bool {
    let mut images = w.containers.first().into_iter().flat_map(|c| c.images());
    images.any(|i| MIGRATE_AT_START.iter().any(|repo| image_repository(i).eq_ignore_ascii_case(repo)))
        || p.migrations.iter().any(|m| m.workload == w.id && m.site != super::MigrationSite::Workload)
}

/// How a consumer tolerates a provider that is not ready when it starts.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Tolerance {
    /// It waits for the provider itself, in its own entrypoint: as good as a gate.
    Waits,
    /// It retries, or connects per request: a late provider costs it errors, not a crash. The
    /// provider still wants a readiness check, for what waits on it.
    Retries,
    /// Observability or admin tooling, which retries what it scrapes and queries, or connects
    /// when a person asks.
    Tooling,
    /// A Compose proxy in front of an upstream server: 502 until it listens.
    Proxy,
    /// A proxy that finds its upstreams through the Docker API and routes only to containers
    /// Docker reports healthy (Traefik's Docker provider): it waits for the healthcheck itself.
    RoutesToHealthy,
    /// Telemetry sent to a receiver, dropped or buffered while it starts.
    Telemetry,
    /// A client library its build context declares waits for that kind of datastore, or
    /// connects on first use ([`crate::clients`]): a late provider costs it a wait or errors,
    /// not a crash — as far as the manifest tells; the program may still query as it starts.
    Client,
}

impl Tolerance {
    /// Why, for messages and docs.
    pub fn reason(self) -> &'static str {
        match self {
            Tolerance::Waits => "it waits for it in its own entrypoint",
            Tolerance::Retries => "it retries, or connects per request",
            Tolerance::Tooling => "observability and admin tooling retries what it scrapes and queries",
            Tolerance::Proxy => "a proxy answers 502 until its upstream listens",
            Tolerance::RoutesToHealthy => "it routes only to containers Docker reports healthy",
            Tolerance::Telemetry => "telemetry is dropped or buffered while its receiver starts",
            Tolerance::Client => "its client library waits for the server or connects on first use",
        }
    }
}

/// Observability tooling, by image basename prefix.
const OBSERVABILITY: &[&str] = &[
    "prometheus",
    "grafana",
    "alertmanager",
    "pushgateway",
    "loki",
    "promtail",
    "tempo",
    "mimir",
    "thanos",
    "jaeger",
    "zipkin",
    "opentelemetry-collector",
    "otelcol",
    "otel-collector",
    "fluentd",
    "fluent-bit",
    "logstash",
    "kibana",
    "filebeat",
    "metricbeat",
    "heartbeat",
    "opensearch-dashboards",
    "heapster",
    "cadvisor",
    "telegraf",
    "vector",
    "victoria-metrics",
    "vmagent",
    "pyroscope",
    "alloy",
];

/// Organisations whose images are all observability tooling, but for [`NOT_OBSERVABILITY`].
const OBSERVABILITY_ORGS: &[&str] = &["prom", "grafana", "jaegertracing", "openzipkin", "otel", "fluent", "timberio"];

/// Images of those organisations that are something else: Grafana's k6 generates load.
const NOT_OBSERVABILITY: &[&str] = &["grafana/k6"];

/// Observability tooling that receives telemetry (traces, logs, metrics pushed to it), by image
/// basename prefix or organisation: what sends to it drops or buffers while it starts.
const SINKS: &[&str] = &[
    "opentelemetry-collector",
    "otelcol",
    "otel-collector",
    "jaeger",
    "all-in-one",
    "zipkin",
    "loki",
    "tempo",
    "fluentd",
    "fluent-bit",
    "logstash",
    "vector",
    "alloy",
    "pyroscope",
];
const SINK_ORGS: &[&str] = &["jaegertracing", "openzipkin", "otel", "fluent", "timberio"];

/// Reverse proxies and load balancers, by image basename prefix (or the program a container
/// runs).
const PROXIES: &[&str] = &["nginx", "envoy", "traefik", "haproxy", "caddy", "openresty"];

/// The roles an image name alone gives that [`super::migration::role_from_image`] leaves to
/// others: admin UIs and observability tooling (looked at first: `mongo-express`,
/// `redis_exporter` and `rabbitmq-exporter` are named after what they serve), and proxies (last).
pub fn tooling_role(image: &str) -> Option<Role> {
    let base = image_basename(image).to_ascii_lowercase();
    let repo = image_repository(image).to_ascii_lowercase();
    let org = repo.split('/').rev().nth(1).unwrap_or("");
    if ADMIN.iter().any(|a| base.starts_with(a)) || ADMIN_REPOS.contains(&repo.as_str()) {
        return Some(Role::Admin);
    }
    if base.ends_with("exporter")
        || base.contains("-exporter")
        || base.contains("_exporter")
        || OBSERVABILITY.iter().any(|o| base.starts_with(o))
        || (OBSERVABILITY_ORGS.contains(&org) && !NOT_OBSERVABILITY.contains(&repo.as_str()))
    {
        return Some(Role::Observability);
    }
    None
}

/// Proxies, by image or by the program the container runs (`nginx-entrypoint.sh`, `envoy -c …`).
pub fn proxy_role(image: &str, program: Option<&str>) -> Option<Role> {
    let base = image_basename(image).to_ascii_lowercase();
    let prog = program.map(|p| p.rsplit('/').next().unwrap_or(p).to_ascii_lowercase()).unwrap_or_default();
    PROXIES.iter().any(|p| base.starts_with(p) || prog.starts_with(p)).then_some(Role::Proxy)
}

/// Does this workload receive telemetry (a trace, log or metrics receiver)?
pub fn is_telemetry_sink(w: &super::Workload) -> bool {
    let Some(c) = w.containers.first() else { return false };
    w.role == Role::Observability
        && c.images().any(|image| {
            let base = image_basename(image).to_ascii_lowercase();
            let repo = image_repository(image).to_ascii_lowercase();
            let org = repo.split('/').rev().nth(1).unwrap_or("");
            SINKS.iter().any(|s| base.starts_with(s)) || SINK_ORGS.contains(&org)
        })
}

/// A datastore named by a word of its image (`someorg/app-postgresql`, `weaveworksdemos/user-db`),
/// when the whole name says nothing.
pub fn role_from_image_words(image: &str) -> Option<Role> {
    let base = image_basename(image).to_ascii_lowercase();
    // The last word says what it is (`user-db`, `orders-postgresql`); a first one says what it
    // works on (`db-migrator`, `postgres-backup`).
    let word = base.rsplit(['-', '_', '.']).next().unwrap_or(&base);
    if matches!(word, "db" | "database" | "mongodb" | "sql") {
        return Some(Role::Datastore);
    }
    super::migration::role_from_image(word)
}

/// The role a connection's own words give its provider: the URL scheme
/// (`mongodb://documentdb:10260`), the variable it is read from (`MONGO_HOST`, `REDIS_ADDR`,
/// `DB_HOST`), or a well-known port.
pub fn role_from_connection(kind: &EdgeKind) -> Option<Role> {
    let EdgeKind::Host { port, scheme, variable, .. } = kind else { return None };
    if let Some(s) = scheme.as_deref() {
        let s = s.trim_start_matches("jdbc:");
        let s = s.split('+').next().unwrap_or(s);
        let by_scheme = match s {
            "postgres" | "postgresql" | "mysql" | "mariadb" | "mongodb" | "sqlserver" | "cassandra" | "clickhouse"
            | "cockroachdb" | "oracle" | "db2" => Some(Role::Datastore),
            "redis" | "rediss" | "memcached" | "memcache" => Some(Role::Cache),
            "amqp" | "amqps" | "kafka" | "nats" | "mqtt" | "stomp" => Some(Role::Queue),
            _ => None,
        };
        if by_scheme.is_some() {
            return by_scheme;
        }
    }
    if let Some(v) = variable.as_deref() {
        let v = v.to_ascii_uppercase();
        let head = |prefixes: &[&str]| prefixes.iter().any(|p| v.starts_with(p));
        if head(&["POSTGRES", "PG", "MYSQL", "MARIADB", "MONGO", "DB_", "DATABASE", "CASSANDRA", "MSSQL"]) {
            return Some(Role::Datastore);
        }
        if head(&["REDIS", "MEMCACHE", "VALKEY"]) {
            return Some(Role::Cache);
        }
        if head(&["RABBITMQ", "AMQP", "KAFKA", "NATS", "MQTT"]) {
            return Some(Role::Queue);
        }
    }
    port.and_then(super::migration::role_from_port)
}

/// Traefik with its Docker provider on (`--providers.docker…` other than `=false`, or
/// `TRAEFIK_PROVIDERS_DOCKER`): it leaves out a container whose healthcheck has not passed yet
/// (traefik/traefik#708, the provider's container filter; #7732 describes it), so its routes
/// wait for the upstream's healthcheck without a `depends_on` condition.
fn routes_to_healthy(w: &Workload) -> bool {
    let Some(c) = w.containers.first() else { return false };
    if !c.images().any(|i| image_basename(i).eq_ignore_ascii_case("traefik")) {
        return false;
    }
    let flag = c.argv().any(|a| a.value.starts_with("--providers.docker") && a.value != "--providers.docker=false");
    let env = c.env.iter().any(|v| {
        v.name.value == "TRAEFIK_PROVIDERS_DOCKER"
            && v.value.as_ref().is_some_and(|x| !x.value.eq_ignore_ascii_case("false"))
    });
    flag || env
}

/// How `consumer` tolerates `provider` not being ready when it starts, if it does.
pub fn tolerance(p: &Platform, consumer: WorkloadId, provider: WorkloadId) -> Option<Tolerance> {
    let (c, pr) = (p.workload(consumer), p.workload(provider));
    if p.gates_of(consumer).any(|g| g.consumer == consumer && g.kind == GateKind::Retries) {
        return Some(Tolerance::Retries);
    }
    // The consumer's image, or the one its build starts from.
    let runs = |repo: &str| {
        c.containers
            .first()
            .into_iter()
            .flat_map(|x| x.images())
            .any(|i| image_repository(i).eq_ignore_ascii_case(repo))
    };
    if let Some((_, t, _)) = TOLERANT_IMAGES.iter().find(|(repo, _, roles)| roles.contains(&pr.role) && runs(repo)) {
        return Some(*t);
    }
    match c.role {
        Role::Observability | Role::Admin => return Some(Tolerance::Tooling),
        // Only while the upstream offers nothing to wait on: when its author gave it a
        // healthcheck, the proxy's users get 502s at start that `service_healthy` would spare
        // them (issue 8, pattern 10: a healthcheck the dependent ignores) — unless the proxy
        // itself routes only to healthy containers.
        Role::Proxy if c.resource.format == Format::Compose && pr.role == Role::Server => {
            if !pr.has_readiness() {
                return Some(Tolerance::Proxy);
            }
            if routes_to_healthy(c) {
                return Some(Tolerance::RoutesToHealthy);
            }
        }
        _ => {}
    }
    if is_telemetry_sink(pr) && c.is_long_running() {
        return Some(Tolerance::Telemetry);
    }
    tolerant_client(p, c, pr).map(|_| Tolerance::Client)
}

/// The client library of `consumer`'s build context that makes a late `provider` harmless: one
/// for the provider's store ([`crate::clients::store_of`]) that waits for the server, or that
/// connects on first use when the consumer is no background worker (which polls its queue as it
/// starts).
pub fn tolerant_client<'p>(p: &Platform, consumer: &'p Workload, provider: &Workload) -> Option<&'p ClientLibrary> {
    let clients = &consumer.compose.as_ref()?.clients;
    if clients.is_empty() || !matches!(provider.role, Role::Datastore | Role::Cache | Role::Queue) {
        return None;
    }
    let store = crate::clients::store_of(p, provider)?;
    clients.iter().find(|l| {
        l.store == store && (l.behaviour == Behaviour::Waits || !crate::background::is_background_worker(p, consumer))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard("compose:edge", "compose:edge"));
        assert!(wildcard("Deployment/*/gateway", "Deployment/shop/gateway"));
        assert!(wildcard("ghcr.io/acme/gateway:*", "ghcr.io/acme/gateway:1.2"));
        assert!(wildcard("*exporter*", "ghcr.io/acme/pg-exporter:1"));
        assert!(!wildcard("compose:edge", "compose:edge2"));
        assert!(!wildcard("a*b*c", "ac"));
    }

    #[test]
    fn image_roles() {
        assert_eq!(tooling_role("prom/prometheus:v2.54.1"), Some(Role::Observability));
        assert_eq!(tooling_role("oliver006/redis_exporter:v1.62.0"), Some(Role::Observability));
        assert_eq!(tooling_role("kbudde/rabbitmq-exporter:1.0"), Some(Role::Observability));
        assert_eq!(tooling_role("mongo-express:1.0"), Some(Role::Admin));
        assert_eq!(tooling_role("redis/redisinsight:2.0"), Some(Role::Admin));
        assert_eq!(tooling_role("redis:7.4.1"), None);
        assert_eq!(tooling_role("docker.io/grafana/k6:2.2.0-with-browser"), None);
        assert_eq!(tooling_role("grafana/grafana:11.4.0"), Some(Role::Observability));
        assert_eq!(proxy_role("nginx:1.27", None), Some(Role::Proxy));
        assert_eq!(proxy_role("ghcr.io/acme/web:1", Some("nginx-entrypoint.sh")), Some(Role::Proxy));
        assert_eq!(role_from_image_words("weaveworksdemos/user-db:0.4.0"), Some(Role::Datastore));
        assert_eq!(role_from_image_words("someorg/app-postgresql:14"), Some(Role::Datastore));
        assert_eq!(role_from_image_words("ghcr.io/acme/catalog:1"), None);
        assert_eq!(role_from_image_words("ghcr.io/acme/db-migrator:1"), None);
    }
}
