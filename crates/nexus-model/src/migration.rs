//! Workload roles and migration candidates.
//!
//! A role comes from the `nexus-lint.io/role` annotation when present, else from the image
//! (`postgres`, `redis`, `rabbitmq`, …), else from well-known ports, else from the kind (Jobs are
//! one-shot) — a server otherwise. A migration is a Job, Compose service, init container or
//! entrypoint whose command runs a schema-migration tool, or anything marked
//! `nexus-lint.io/role: migration`.

use super::{
    Container, EdgeKind, Migration, MigrationSite, Platform, Probe, ProbeHandler, Role, Spanned, Workload, WorkloadId,
    WorkloadKind,
};
use nexus_source::Span;

pub const ROLE_ANNOTATION: &str = "nexus-lint.io/role";

/// The repository part of an image reference, without registry, tag or digest:
/// `ghcr.io/acme/api:1.2@sha256:…` → `acme/api`.
pub fn image_repository(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    // A first component with a dot, a port or `localhost` is a registry.
    let rest = match no_digest.split_once('/') {
        Some((f, r)) if f.contains('.') || f.contains(':') || f == "localhost" => r,
        _ => no_digest,
    };
    match rest.rfind(':') {
        Some(i) if !rest[i..].contains('/') => &rest[..i],
        _ => rest,
    }
}

/// An image reference without its tag or digest, registry kept: `ghcr.io/acme/api:1.2` →
/// `ghcr.io/acme/api`.
pub fn image_name(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image).trim();
    match no_digest.rfind(':') {
        Some(i) if !no_digest[i..].contains('/') => &no_digest[..i],
        _ => no_digest,
    }
}

/// Is this one of Docker Hub's official images (`postgres`, `library/redis`,
/// `docker.io/library/nginx`)? They define no `HEALTHCHECK`: the Official Images program leaves
/// health checks to the user ("we do not add HEALTHCHECK to the images",
/// docker-library/faq, "healthcheck").
pub fn official_image(image: &str) -> bool {
    let name = image_name(image);
    let name = name.strip_prefix("docker.io/").or_else(|| name.strip_prefix("index.docker.io/")).unwrap_or(name);
    let name = name.strip_prefix("library/").unwrap_or(name);
    !name.is_empty() && !name.contains('/') && !image_is_unknown(image)
}

/// The last path component of the repository: `bitnami/postgresql` → `postgresql`.
pub fn image_basename(image: &str) -> &str {
    let repo = image_repository(image);
    repo.rsplit('/').next().unwrap_or(repo)
}

/// The tag of an image reference, if it has one.
pub fn image_tag(image: &str) -> Option<&str> {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split_once(':').map(|(_, t)| t)
}

/// Does the name or tag of an image come from a Compose variable that no `.env` sets
/// (`app:${TAG}`, `${IMAGE}`)? Then what runs is not known here, and not judged.
pub fn image_is_unknown(image: &str) -> bool {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    // A variable, or a placeholder for the reader to fill in (`<LOAD_GENERATOR_IMAGE>`,
    // `{{ image }}`): no reference can hold `<`, `>`, braces or blanks.
    last.contains("${") || last.contains(['<', '>', '{', '}']) || last.chars().any(char::is_whitespace)
}

/// Role implied by an image name.
pub fn role_from_image(image: &str) -> Option<Role> {
    let base = image_basename(image).to_ascii_lowercase();
    const DATASTORES: &[&str] = &[
        "postgres",
        "postgis",
        "timescale",
        "mysql",
        "mariadb",
        "percona",
        "mongo",
        "cockroach",
        "cassandra",
        "scylla",
        "elasticsearch",
        "opensearch",
        "clickhouse",
        "influxdb",
        "neo4j",
        "couchdb",
        "mssql",
        "sql-server",
        "etcd",
        "minio",
        "yugabyte",
        "tidb",
        "dynamodb-local",
        "cloudnative-pg",
    ];
    const CACHES: &[&str] = &["redis", "valkey", "keydb", "memcached", "dragonfly"];
    const QUEUES: &[&str] =
        &["rabbitmq", "kafka", "nats", "activemq", "pulsar", "redpanda", "zookeeper", "mosquitto", "emqx"];
    if DATASTORES.iter().any(|d| base.starts_with(d)) || base == "pg" {
        Some(Role::Datastore)
    } else if CACHES.iter().any(|d| base.starts_with(d)) {
        Some(Role::Cache)
    } else if QUEUES.iter().any(|d| base.starts_with(d) || base.ends_with(d)) {
        Some(Role::Queue)
    } else {
        None
    }
}

/// Role implied by a well-known listening port.
pub fn role_from_port(port: i64) -> Option<Role> {
    match port {
        // Not 9000 or 8123 (ClickHouse's, but also php-fpm's, MinIO's, Socket.IO servers',
        // Home Assistant's): ClickHouse is known by its image.
        5432 | 3306 | 27017 | 26257 | 9042 | 9200 | 1433 | 2379 | 8086 | 7687 => Some(Role::Datastore),
        6379 | 11211 => Some(Role::Cache),
        5672 | 9092 | 4222 | 61616 | 6650 | 1883 => Some(Role::Queue),
        // The Fluentd forward protocol (what Docker's `fluentd` logging driver sends to): a
        // log collector, whatever its image is called.
        24224 => Some(Role::Observability),
        _ => None,
    }
}

/// Role implied by a probe or healthcheck that speaks a datastore's protocol.
pub fn role_from_probe(p: &Probe) -> Option<Role> {
    let words: Vec<&str> = match &p.handler {
        ProbeHandler::Exec { command } | ProbeHandler::ComposeTest { command, .. } => {
            command.iter().flat_map(|c| c.value.split_whitespace()).collect()
        }
        _ => return None,
    };
    let has = |w: &str| words.iter().any(|x| x.rsplit('/').next() == Some(w));
    // MariaDB's image ships `healthcheck.sh` with its tests as options (`--connect`,
    // `--innodb_initialized`); any other image's `/healthcheck.sh` says nothing of a database.
    let mariadb = has("healthcheck.sh")
        && words.iter().any(|w| {
            ["--connect", "--innodb_initialized", "--galera_online", "--mariadbupgrade", "--su-mysql"]
                .iter()
                .any(|o| w.starts_with(o))
        });
    if has("pg_isready") || has("mysqladmin") || has("mongosh") || has("mongo") || has("cqlsh") || mariadb {
        Some(Role::Datastore)
    } else if has("redis-cli") || has("valkey-cli") {
        Some(Role::Cache)
    } else if has("rabbitmq-diagnostics") || has("rabbitmqctl") || has("kafka-broker-api-versions.sh") || has("nats") {
        Some(Role::Queue)
    } else {
        None
    }
}

pub(super) fn infer_roles(p: &mut Platform) {
    let overrides = std::mem::take(&mut p.role_overrides);
    for w in &mut p.workloads {
        w.role = infer_role(w, &overrides);
    }
    // What depends on a workload says more: a Compose service others wait for with
    // `service_completed_successfully` runs once; a server reached as `mongodb://…`, through
    // `REDIS_HOST` or on port 5432 is a datastore whatever its image is called.
    let mut said: Vec<(WorkloadId, Role)> = Vec::new();
    for e in &p.edges {
        let Some(prov) = e.provider else { continue };
        let w = p.workload(prov);
        if w.annotation(ROLE_ANNOTATION).is_some() || said.iter().any(|(x, _)| *x == prov) {
            continue;
        }
        let completes =
            matches!(&e.kind, EdgeKind::DependsOn { condition, .. } if condition == "service_completed_successfully");
        // Whatever its image (a `postgres` image running `psql -f init.sql`), what others wait
        // for to complete runs once.
        if completes && w.role != Role::Migration {
            said.push((prov, Role::OneShot));
        } else if w.role == Role::Server
            && let Some(r) = crate::roles::role_from_connection(&e.kind)
        {
            said.push((prov, r));
        }
    }
    for (id, role) in said {
        let w = &p.workloads[id.index()];
        if crate::roles::configured_role(&overrides, w).is_none() {
            p.workloads[id.index()].role = role;
        }
    }
    p.role_overrides = overrides;
}

fn infer_role(w: &Workload, overrides: &[crate::roles::RoleOverride]) -> Role {
    if let Some(r) = w.annotation(ROLE_ANNOTATION).and_then(|a| Role::parse(a.value.trim())) {
        return r;
    }
    if let Some(r) = crate::roles::configured_role(overrides, w) {
        return r;
    }
    let main = w.containers.first();
    if let Some(c) = main
        && migration_tool(c).is_some()
        && !serves_after_migrating(c)
    {
        return Role::Migration;
    }
    if w.kind.is_batch() {
        return Role::OneShot;
    }
    let images: Vec<&str> = w.containers.iter().flat_map(|c| c.images()).collect();
    // The main container's images: its own, then the one its build starts from.
    let main_images: Vec<&str> = main.into_iter().flat_map(|c| c.images()).collect();
    // Tooling is told by the main container: an exporter beside a database does not make it one.
    let from_image = main_images
        .iter()
        .find_map(|i| crate::roles::tooling_role(i))
        .or_else(|| images.iter().find_map(|i| role_from_image(i)));
    if let Some(r) = from_image {
        return r;
    }
    let from_probe =
        w.containers.iter().flat_map(|c| [&c.readiness, &c.liveness, &c.startup]).flatten().find_map(role_from_probe);
    if let Some(r) = from_probe {
        return r;
    }
    let from_port = w.containers.iter().flat_map(|c| &c.ports).find_map(|p| role_from_port(p.port.value));
    let program = main.and_then(|c| c.argv().next()).map(|a| a.value.as_str());
    let from_words = || {
        main_images
            .iter()
            .find_map(|i| crate::roles::proxy_role(i, program))
            .or_else(|| images.iter().find_map(|i| crate::roles::role_from_image_words(i)))
    };
    if let Some(r) = from_port.or_else(from_words) {
        return r;
    }
    // A Compose service that runs a command and exits: `restart: "no"`, or a utility image
    // (busybox, curl, a tools image) running a script without a restart policy that keeps it up.
    let restart = w.compose.as_ref().and_then(|c| c.restart.as_ref()).map(|r| r.value.as_str());
    let utility = images.first().is_some_and(|i| {
        let base = image_basename(i).to_ascii_lowercase();
        matches!(
            base.as_str(),
            "busybox" | "alpine" | "curl" | "tiny-tools" | "bash" | "toolbox" | "kubectl" | "jq" | "mc"
        )
    }) && !matches!(restart, Some("always" | "unless-stopped"));
    if w.kind == WorkloadKind::ComposeService
        && (restart == Some("no") || utility)
        && w.containers.first().is_some_and(|c| c.argv().next().is_some())
        && w.containers.first().is_some_and(|c| c.ports.is_empty())
    {
        return Role::OneShot;
    }
    Role::Server
}

/// The words of a container's command, with the span of the value each came from; `sh -c`
/// bodies are split into words too.
pub fn command_words(c: &Container) -> Vec<(&str, Span)> {
    let mut out = Vec::new();
    for arg in c.argv() {
        for word in arg.value.split(|ch: char| ch.is_whitespace() || matches!(ch, ';' | '&' | '|' | '(' | ')')) {
            let word = word.trim_matches(|ch| ch == '"' || ch == '\'');
            if !word.is_empty() {
                out.push((word, arg.span));
            }
        }
    }
    out
}

/// If the container runs a schema-migration tool, the tool and the span of the word that says so.
pub fn migration_tool(c: &Container) -> Option<(&'static str, Span)> {
    let words = command_words(c);
    let has = |w: &str| words.iter().any(|(x, _)| *x == w);
    let span_of = |pred: &dyn Fn(&str) -> bool| words.iter().find(|(x, _)| pred(x)).map(|(_, s)| *s);
    let image = c.image.as_ref().map(|i| image_repository(&i.value).to_ascii_lowercase()).unwrap_or_default();
    let image_span = c.image.as_ref().map(|i| i.span);
    let base = |x: &str| x.rsplit('/').next().unwrap_or(x).to_string();
    // (tool, first word, following word or None)
    const PAIRS: &[(&str, &str, Option<&str>)] = &[
        ("alembic", "alembic", Some("upgrade")),
        ("flyway", "flyway", Some("migrate")),
        ("liquibase", "liquibase", Some("update")),
        ("prisma", "prisma", Some("migrate")),
        ("goose", "goose", Some("up")),
        ("dbmate", "dbmate", Some("up")),
        ("dbmate", "dbmate", Some("migrate")),
        ("atlas", "atlas", Some("migrate")),
        ("atlas", "atlas", Some("schema")),
        ("diesel", "diesel", Some("migration")),
        ("sqlx", "sqlx", Some("migrate")),
        ("laravel", "artisan", Some("migrate")),
        ("django", "manage.py", Some("migrate")),
        ("ef-core", "ef", Some("database")),
        ("golang-migrate", "migrate", Some("up")),
        ("kong", "kong", Some("migrations")),
        ("frappe", "bench", Some("new-site")),
        ("frappe", "bench", Some("migrate")),
    ];
    for (tool, first, next) in PAIRS {
        let pos = words.iter().position(|(x, _)| base(x) == *first);
        if let Some(i) = pos
            && next.is_none_or(|n| words[i + 1..].iter().any(|(x, _)| *x == n))
        {
            return Some((tool, words[i].1));
        }
    }
    if words.iter().any(|(x, _)| base(x).starts_with("sequelize")) && has("db:migrate") {
        return span_of(&|x: &str| x == "db:migrate").map(|s| ("sequelize", s));
    }
    for (tool, needle) in [
        ("rails", "db:migrate"),
        ("knex", "migrate:latest"),
        ("knex", "migrate:up"),
        ("typeorm", "migration:run"),
        ("ecto", "ecto.migrate"),
    ] {
        if let Some(s) = span_of(&|x: &str| x.ends_with(needle)) {
            return Some((tool, s));
        }
    }
    if let Some(s) = span_of(&|x: &str| {
        let b = x.rsplit('/').next().unwrap_or(x);
        matches!(b, "migrate.py" | "migrate.sh" | "migrate.js" | "migrate.ts" | "migrate.rb" | "migrate")
            && (x.contains('/') || x.contains('.'))
    }) {
        return Some(("script", s));
    }
    if (has("npm") || has("yarn") || has("pnpm") || has("make") || has("bundle"))
        && (has("migrate") || has("migrations"))
    {
        return span_of(&|x: &str| x == "migrate" || x == "migrations").map(|s| ("script", s));
    }
    for (tool, repo) in [
        ("flyway", "flyway/flyway"),
        ("liquibase", "liquibase/liquibase"),
        ("golang-migrate", "migrate/migrate"),
        ("dbmate", "amacneil/dbmate"),
        ("atlas", "arigaio/atlas"),
    ] {
        if image == repo {
            return image_span.map(|s| (tool, s));
        }
    }
    None
}

/// Images whose entrypoint sets up or migrates the schema before serving
/// (`temporalio/auto-setup`).
fn self_migrating_image(c: &Container) -> Option<(&'static str, Span)> {
    let i = c.image.as_ref()?;
    (image_repository(&i.value) == "temporalio/auto-setup").then_some(("temporal-auto-setup", i.span))
}

/// `migrate && exec server`: the container migrates, then keeps serving.
fn serves_after_migrating(c: &Container) -> bool {
    let words = command_words(c);
    let servers = ["gunicorn", "uvicorn", "runserver", "serve", "server", "start", "puma", "node", "java", "exec"];
    words
        .iter()
        .position(|(w, _)| w.contains("migrat"))
        .is_some_and(|i| words[i + 1..].iter().any(|(w, _)| servers.iter().any(|s| w.rsplit('/').next() == Some(s))))
}

pub(super) fn find_migrations(p: &mut Platform) {
    let mut found = Vec::new();
    for w in &p.workloads {
        let hook = w.annotation("helm.sh/hook").cloned();
        let marked: Option<&Spanned<String>> =
            w.annotation(ROLE_ANNOTATION).filter(|a| Role::parse(a.value.trim()) == Some(Role::Migration));
        if w.kind.is_batch() || w.role == Role::Migration || w.role == Role::OneShot {
            let detected = w.containers.iter().find_map(|c| migration_tool(c).map(|t| (c, t)));
            match (detected, marked) {
                (Some((c, (tool, evidence))), _) => found.push(Migration {
                    workload: w.id,
                    site: MigrationSite::Workload,
                    container: c.name.value.clone(),
                    evidence,
                    tool: tool.to_string(),
                    helm_hook: hook.clone(),
                    datastores: Vec::new(),
                    datastore_assumed: false,
                    users: Vec::new(),
                    lock: Default::default(),
                }),
                (None, Some(a)) => found.push(Migration {
                    workload: w.id,
                    site: MigrationSite::Workload,
                    container: w.containers.first().map(|c| c.name.value.clone()).unwrap_or_default(),
                    evidence: a.span,
                    tool: "annotation".into(),
                    helm_hook: hook.clone(),
                    datastores: Vec::new(),
                    datastore_assumed: false,
                    users: Vec::new(),
                    lock: Default::default(),
                }),
                (None, None) => {}
            }
            continue;
        }
        for c in &w.init_containers {
            if let Some((tool, evidence)) = migration_tool(c) {
                found.push(Migration {
                    workload: w.id,
                    site: MigrationSite::InitContainer,
                    container: c.name.value.clone(),
                    evidence,
                    tool: tool.to_string(),
                    helm_hook: None,
                    datastores: Vec::new(),
                    datastore_assumed: false,
                    users: Vec::new(),
                    lock: Default::default(),
                });
            }
        }
        for c in &w.containers {
            if let Some((tool, evidence)) = migration_tool(c).or_else(|| self_migrating_image(c)) {
                found.push(Migration {
                    workload: w.id,
                    site: MigrationSite::Entrypoint,
                    container: c.name.value.clone(),
                    evidence,
                    tool: tool.to_string(),
                    helm_hook: None,
                    datastores: Vec::new(),
                    datastore_assumed: false,
                    users: Vec::new(),
                    lock: Default::default(),
                });
            }
        }
    }
    p.migrations = found;
    crate::migration_facts::complete(p);
}

#[cfg(test)]
mod tests {
    use super::*;
    use nexus_source::Span;

    #[test]
    fn image_parts() {
        assert_eq!(image_repository("ghcr.io/acme/api:1.2"), "acme/api");
        assert_eq!(image_repository("localhost:5000/api"), "api");
        assert_eq!(image_repository("postgres:16@sha256:abc"), "postgres");
        assert_eq!(image_basename("bitnami/postgresql:15"), "postgresql");
        assert_eq!(image_tag("localhost:5000/api"), None);
        assert_eq!(image_tag("localhost:5000/api:1.0"), Some("1.0"));
        assert_eq!(image_tag("busybox"), None);
        assert_eq!(role_from_image("bitnami/postgresql:15"), Some(Role::Datastore));
        assert_eq!(role_from_image("redis:7"), Some(Role::Cache));
        assert_eq!(role_from_image("confluentinc/cp-kafka:7"), Some(Role::Queue));
        assert_eq!(role_from_image("ghcr.io/acme/api:1"), None);
        let probe = |cmd: &str| Probe {
            key_span: Span::default(),
            span: Span::default(),
            handler: ProbeHandler::Exec {
                command: cmd.split(' ').map(|w| Spanned::new(w.to_string(), Span::default())).collect(),
            },
            initial_delay_ms: None,
            period_ms: None,
            timeout_ms: None,
            failure_threshold: None,
            success_threshold: None,
            start_period_ms: None,
            start_interval_ms: None,
            disabled: false,
        };
        assert_eq!(role_from_probe(&probe("pg_isready -U app")), Some(Role::Datastore));
        assert_eq!(role_from_probe(&probe("/usr/local/bin/redis-cli ping")), Some(Role::Cache));
        assert_eq!(role_from_probe(&probe("curl -f http://localhost/health")), None);
    }
}
