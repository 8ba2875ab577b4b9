//! Migrations: the model's migration facts (a Job, Compose one-shot, init container or
//! entrypoint that runs a schema-migration tool) with the datastore it migrates and the
//! workloads that must not serve before it completed (research C2: `Migration` writes schema
//! v; an app with `requires_schema = v` is correct only if the schema is at v when it serves).
//!
//! - The datastore is the one the runner connects to (its edges to a datastore). When the
//!   runner names none (a `DATABASE_URL` read from a Secret key the model cannot see into) and
//!   the unit has exactly one datastore, that one is assumed, and the assumption is noted.
//! - The workloads that require it are the unit's other long-running servers that connect to
//!   that datastore: they read the schema the migration writes.
//! - `nexus-lint.io/migration-seconds` sets its duration, `nexus-lint.io/migration-lock:
//!   "true"` says the tool serializes concurrent runs with an advisory lock (research C5.3).

use nexus_model::{MigrationSite, Role, WorkloadId};

use super::annotations::{self, MIGRATION_LOCK, MIGRATION_SECONDS};
use super::{Builder, OriginInfo};
use crate::spec::{ActorId, Migration, Slot};

fn slot(b: &Builder<'_>, w: WorkloadId, site: MigrationSite, container: &str) -> Option<Slot> {
    let wl = b.m.workload(w);
    match site {
        MigrationSite::InitContainer => {
            wl.init_containers.iter().position(|c| c.name.value == container).map(|i| Slot::Init(i as u16))
        }
        MigrationSite::Workload | MigrationSite::Entrypoint => {
            wl.containers.iter().position(|c| c.name.value == container).map(|i| Slot::Main(i as u16))
        }
    }
}

/// The datastores a workload connects to, in edge order.
fn datastores_of(b: &Builder<'_>, w: WorkloadId) -> Vec<WorkloadId> {
    let mut out = Vec::new();
    for e in b.m.dependencies_of(w) {
        if let Some(p) = e.provider
            && b.m.workload(p).role == Role::Datastore
            && b.actor(p).is_some()
            && !out.contains(&p)
        {
            out.push(p);
        }
    }
    out
}

pub(super) fn add_migrations(b: &mut Builder<'_>) {
    let m = b.m;
    for mg in &m.migrations {
        let Some(runner) = b.actor(mg.workload) else { continue };
        let Some(slot) = slot(b, mg.workload, mg.site, &mg.container) else { continue };
        let runner_name = b.p.actors[runner.index()].name.clone();
        let mut stores = datastores_of(b, mg.workload);
        if stores.is_empty() {
            let unit_stores: Vec<WorkloadId> =
                b.actor_of.keys().copied().filter(|&w| m.workload(w).role == Role::Datastore).collect();
            match unit_stores.as_slice() {
                [only] => {
                    let name = &m.workload(*only).name.value;
                    b.notes.push(format!(
                        "the migration in `{runner_name}` names no datastore; it is taken to migrate `{name}`, the only one"
                    ));
                    stores.push(*only);
                }
                _ => {
                    b.notes.push(format!(
                        "the migration in `{runner_name}` names no datastore the simulation can tell; it is not simulated"
                    ));
                    continue;
                }
            }
        }
        let duration = annotations::dist(b, mg.workload, MIGRATION_SECONDS);
        let lock = annotations::flag(b, mg.workload, MIGRATION_LOCK);
        let origin = b.origins.add(OriginInfo {
            span: mg.evidence,
            resource: Some(b.resource(mg.workload)),
            template: m.workload(mg.workload).template.clone(),
            what: "migration",
        });
        for store in stores {
            let Some(datastore) = b.actor(store) else { continue };
            let mut required_by: Vec<ActorId> = Vec::new();
            for (&w, &a) in &b.actor_of {
                let wl = m.workload(w);
                if w == mg.workload || !wl.is_long_running() || wl.role != Role::Server {
                    continue;
                }
                if m.dependencies_of(w)
                    .any(|e| e.provider == Some(store) && !matches!(e.kind, nexus_model::EdgeKind::Wait))
                {
                    required_by.push(a);
                }
            }
            required_by.sort();
            b.p.migrations.push(Migration { runner, container: slot, datastore, required_by, origin, duration, lock });
        }
    }
}
