//! NX204 concurrent-migration: see `rules/migrations/NX204-concurrent-migration.md`.

use crate::prelude::*;
use nexus_model::migration_facts::LockSource;
use nexus_model::{MigrationSite, Span, WorkloadKind};

declare_rule!(Warning);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for m in &p.migrations {
        if m.lock.takes_lock {
            continue;
        }
        let w = p.workload(m.workload);
        // How many copies can run it at once, and what says so.
        let (copies, why): (i64, Option<(Span, String)>) = match m.site {
            MigrationSite::InitContainer | MigrationSite::Entrypoint => {
                let hpa = p.hpas().find(|(_, h)| h.target == Some(w.id));
                if let Some((s, h)) = hpa {
                    let max = h.max_replicas.as_ref().map_or(2, |m| m.value);
                    (
                        max,
                        Some((
                            h.max_replicas.as_ref().map_or(s.name.span, |m| m.span),
                            format!("the HPA scales it up to {max} replicas"),
                        )),
                    )
                } else if w.kind == WorkloadKind::DaemonSet {
                    (2, Some((w.name.span, "a DaemonSet runs one pod per node".to_string())))
                } else {
                    let r = w.replicas.as_ref().map_or(1, |r| r.value);
                    (r, w.replicas.as_ref().map(|s| (s.span, format!("{r} replicas start at once"))))
                }
            }
            MigrationSite::Workload => {
                let par = w.batch.as_ref().and_then(|b| b.parallelism.as_ref());
                let r = par.map_or(1, |x| x.value);
                (r, par.map(|s| (s.span, format!("`parallelism: {r}` runs {r} pods at once"))))
            }
        };
        if copies < 2 {
            continue;
        }
        let Some((span, why)) = why else { continue };
        let place = match m.site {
            MigrationSite::InitContainer => "an init container",
            MigrationSite::Entrypoint => "the entrypoint",
            MigrationSite::Workload => "a Job",
        };
        let lock = match &m.lock.source {
            LockSource::Tool => format!("`{}` takes no lock", m.tool),
            LockSource::Annotation(_) => "the workload declares no migration lock".into(),
            LockSource::Config => format!("the configuration says `{}` takes no lock", m.tool),
        };
        let help = if m.site == MigrationSite::Workload {
            "Run the migration in one pod (`parallelism: 1`, `completions: 1`).".to_string()
        } else {
            format!(
                "Move the migration out of `{}` into a Job that runs once per release before it (a `pre-install,pre-upgrade` Helm hook, an Argo CD `PreSync` hook, or a deploy-script step waited for with `kubectl wait --for=condition=complete`); if the tool does serialize runs, say so with `nexus-lint.io/migration-lock: \"true\"`.",
                w.name.value
            )
        };
        out.push(
            Diagnostic::new(
                META,
                m.evidence,
                format!(
                    "the migration runs in {place} of `{}`, which runs {copies} copies at once, and {lock}",
                    w.name.value
                ),
            )
            .label("every copy runs it at the same time")
            .secondary(span, why)
            .help(help)
            .resource(&w.resource)
            .key(m.container.clone()),
        );
    }
}
