//! NX802 datastore-without-backup: see `rules/backup/NX802-datastore-without-backup.md`.

use crate::prelude::*;
use nexus_model::{Format, Role, VolumeSource, WorkloadKind};

declare_rule!(Info);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    // A cluster-wide snapshot (velero, restic) covers every store.
    if p.backups.iter().flat_map(|b| &b.dumps).any(|d| d.is_cluster_wide()) {
        return;
    }
    for w in p.workloads.iter().filter(|w| w.role == Role::Datastore && w.resource.format == Format::Kubernetes) {
        let persistent = w.kind == WorkloadKind::StatefulSet
            || w.volumes.iter().any(|v| matches!(v.source, VolumeSource::Pvc(_) | VolumeSource::HostPath(_)));
        if !persistent || p.backups.iter().flat_map(|b| &b.dumps).any(|d| d.store == Some(w.id)) {
            continue;
        }
        let Some(o) = w.object else { continue };
        let image = w.containers.first().map(|c| c.image_str().to_ascii_lowercase()).unwrap_or_default();
        let (tool, verify) = if image.contains("mysql") || image.contains("maria") || image.contains("percona") {
            ("mysqldump --single-transaction", "mysql < dump.sql into a scratch database")
        } else if image.contains("mongo") {
            ("mongodump --archive", "mongorestore --dryRun --archive")
        } else {
            ("pg_dump -Fc", "pg_restore --list")
        };
        out.push(
            Diagnostic::new(META, p.object(o).kind.span, format!("nothing backs up datastore `{}`", w.name.value))
                .label("keeps data on a volume; no backup script or Job dumps it")
                .help(format!(
                    "Add a backup that dumps it and verifies the dump — a CronJob running `{tool}` then `{verify}` — or Velero/restic for its volume; a store backed up outside the repository: `nexus-lint.io/ignore: NX802` on it."
                ))
                .resource(&w.resource),
        );
    }
}
