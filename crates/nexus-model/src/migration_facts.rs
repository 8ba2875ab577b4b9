//! What each migration migrates, for whom, and whether its tool serializes concurrent runs.
//!
//! - The datastores: those its runner connects to (SQL or document stores: `Role::Datastore`).
//!   When the runner names none (a `DATABASE_URL` read from a Secret key the model cannot see
//!   into), the only SQL datastore of its namespace (Kubernetes) or project (Compose) is taken,
//!   and [`Migration::datastore_assumed`](crate::Migration::datastore_assumed) says so.
//! - The users: long-running servers other than the runner that connect to one of them.
//! - The lock: declared per tool ([`tool_locks`]); the annotation
//!   `nexus-lint.io/migration-lock: "true"|"false"` on the runner and the configuration's
//!   `migrations.locks` (tool → bool) override it, the annotation first.

use std::collections::BTreeMap;

use super::{EdgeKind, Format, Platform, Role, Spanned, Workload, WorkloadId};
use crate::migration::image_basename;

pub const LOCK_ANNOTATION: &str = "nexus-lint.io/migration-lock";
/// `nexus-lint.io/self-migrating: "true"` on a workload: the app migrates its own schema
/// (an ORM's auto-migrate, an embedded Flyway) and needs no migration step.
pub const SELF_MIGRATING_ANNOTATION: &str = "nexus-lint.io/self-migrating";

/// Whether a migration's tool serializes concurrent runs, and who says so.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MigrationLock {
    pub takes_lock: bool,
    pub source: LockSource,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum LockSource {
    /// What the tool does by default (see [`tool_locks`]).
    #[default]
    Tool,
    /// `nexus-lint.io/migration-lock` on the runner.
    Annotation(Spanned<String>),
    /// `migrations.locks` in `.nexus-lint.yaml`.
    Config,
}

/// Migration settings from `.nexus-lint.yaml` (`migrations:`).
#[derive(Clone, Debug, Default)]
pub struct MigrationSettings {
    /// Tool → whether it takes a lock, over [`tool_locks`].
    pub locks: BTreeMap<String, bool>,
    /// Resource patterns (`compose:web`, `Deployment/*/api`; `*` globs) of apps that migrate
    /// their own schema.
    pub self_migrating: Vec<String>,
}

/// Does the tool serialize concurrent runs by default? Those that take an advisory lock or a
/// lock table on every run: Flyway and Liquibase (lock tables), Prisma, Rails, golang-migrate,
/// sqlx, Atlas and Ecto (advisory locks), Knex (`knex_migrations_lock`). Django, Alembic, goose,
/// dbmate, Diesel, TypeORM, Sequelize, Laravel (without `--isolated`), EF Core (before 9) and
/// home-made scripts do not.
pub fn tool_locks(tool: &str) -> bool {
    matches!(tool, "flyway" | "liquibase" | "prisma" | "rails" | "golang-migrate" | "sqlx" | "atlas" | "ecto" | "knex")
}

/// SQL datastores, by image: what a schema migration migrates when nothing else says which.
pub fn is_sql_store(w: &Workload) -> bool {
    const SQL: &[&str] = &[
        "postgres",
        "postgis",
        "timescale",
        "mysql",
        "mariadb",
        "percona",
        "cockroach",
        "mssql",
        "sql-server",
        "yugabyte",
        "tidb",
        "cloudnative-pg",
        "pg",
    ];
    w.role == Role::Datastore
        && w.containers.first().and_then(|c| c.image.as_ref()).is_some_and(|i| {
            let b = image_basename(&i.value).to_ascii_lowercase();
            SQL.iter().any(|s| b.starts_with(s))
        })
}

/// Is the app declared to migrate its own schema (annotation or configuration)?
pub fn self_migrating(p: &Platform, w: &Workload) -> bool {
    if w.annotation(SELF_MIGRATING_ANNOTATION).is_some_and(|a| a.value.trim().eq_ignore_ascii_case("true")) {
        return true;
    }
    let resource = w.resource.to_string();
    p.migration_settings.self_migrating.iter().any(|pat| crate::roles::wildcard(pat, &resource))
}

/// Do two workloads deploy together: one namespace (Kubernetes) or one Compose project?
pub fn beside(a: &Workload, b: &Workload) -> bool {
    match (a.resource.format, b.resource.format) {
        (Format::Compose, Format::Compose) => a.project == b.project,
        (Format::Kubernetes, Format::Kubernetes) => {
            crate::same_namespace(a.namespace.as_deref(), b.namespace.as_deref())
        }
        _ => false,
    }
}

/// The datastores a workload connects to (not waits it merely makes), in edge order.
pub fn datastores_used(p: &Platform, w: WorkloadId) -> Vec<WorkloadId> {
    let mut out = Vec::new();
    for e in p.edges.iter().filter(|e| e.consumer == w && !matches!(e.kind, EdgeKind::Wait)) {
        if let Some(prov) = e.provider
            && p.workload(prov).role == Role::Datastore
            && !out.contains(&prov)
        {
            out.push(prov);
        }
    }
    out
}

/// [`datastores_used`] of every workload, by index, from one pass over the edges: the
/// migrations' facts ask it of every server for every migration, and one scan of all the edges
/// per question made a large platform cubic.
fn datastores_by_workload(p: &Platform) -> Vec<Vec<WorkloadId>> {
    let mut out = vec![Vec::new(); p.workloads.len()];
    for e in p.edges.iter().filter(|e| !matches!(e.kind, EdgeKind::Wait)) {
        if let Some(prov) = e.provider
            && p.workload(prov).role == Role::Datastore
            && let Some(used) = out.get_mut(e.consumer.index())
            && !used.contains(&prov)
        {
            used.push(prov);
        }
    }
    out
}

pub(super) fn complete(p: &mut Platform) {
    let mut filled = Vec::new();
    let used = if p.migrations.is_empty() { Vec::new() } else { datastores_by_workload(p) };
    let sql_stores: Vec<&Workload> = p.workloads.iter().filter(|w| is_sql_store(w)).collect();
    let servers: Vec<&Workload> =
        p.workloads.iter().filter(|w| w.is_long_running() && w.role == Role::Server).collect();
    for m in &p.migrations {
        let runner = p.workload(m.workload);
        let mut stores = used[m.workload.index()].clone();
        let mut assumed = false;
        if stores.is_empty() {
            let sql: Vec<WorkloadId> = sql_stores.iter().filter(|w| beside(w, runner)).map(|w| w.id).collect();
            if let [only] = sql.as_slice() {
                stores.push(*only);
                assumed = true;
            }
        }
        let mut users = Vec::new();
        if !stores.is_empty() {
            for w in &servers {
                if w.id != m.workload && used[w.id.index()].iter().any(|s| stores.contains(s)) {
                    users.push(w.id);
                }
            }
        }
        let lock = match runner.annotation(LOCK_ANNOTATION) {
            Some(a) => MigrationLock {
                takes_lock: a.value.trim().eq_ignore_ascii_case("true"),
                source: LockSource::Annotation(a.clone()),
            },
            None => match p.migration_settings.locks.get(&m.tool) {
                Some(&b) => MigrationLock { takes_lock: b, source: LockSource::Config },
                None => {
                    let isolated = m.tool == "laravel"
                        && runner
                            .containers
                            .iter()
                            .chain(&runner.init_containers)
                            .any(|c| crate::migration::command_words(c).iter().any(|(w, _)| *w == "--isolated"));
                    MigrationLock { takes_lock: tool_locks(&m.tool) || isolated, source: LockSource::Tool }
                }
            },
        };
        filled.push((stores, assumed, users, lock));
    }
    for (m, (stores, assumed, users, lock)) in p.migrations.iter_mut().zip(filled) {
        m.datastores = stores;
        m.datastore_assumed = assumed;
        m.users = users;
        m.lock = lock;
    }
}
