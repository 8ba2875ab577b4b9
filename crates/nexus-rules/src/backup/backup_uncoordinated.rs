//! NX801 backup-uncoordinated: see `rules/backup/NX801-backup-uncoordinated.md`.

use crate::prelude::*;
use nexus_model::backup::{Backup, BackupSite, Dump};
use nexus_model::{Platform, Role, Span, WorkloadId};

declare_rule!(Warning);

/// A long-running app that writes to two of these stores, if any.
fn shared_writer(p: &Platform, a: WorkloadId, b: WorkloadId) -> Option<WorkloadId> {
    p.workloads
        .iter()
        .filter(|w| w.is_long_running() && w.role == Role::Server)
        .find(|w| {
            let uses = |s: WorkloadId| p.dependencies_of(w.id).any(|e| e.provider == Some(s));
            uses(a) && uses(b)
        })
        .map(|w| w.id)
}

fn site_resource(p: &Platform, b: &Backup) -> String {
    match b.site {
        BackupSite::Script(f) => p.path(f).to_string(),
        BackupSite::Workload(w) => p.workload(w).resource.to_string(),
    }
}

fn store_name(p: &Platform, d: &Dump) -> String {
    d.store.map_or_else(|| d.tool.clone(), |s| p.workload(s).name.value.clone())
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for b in &p.backups {
        let resource = site_resource(p, b);
        // An asynchronous save copied before it finished.
        for d in &b.dumps {
            if let Some(copy) = d.early_copy {
                out.push(
                    Diagnostic::new(
                        META,
                        copy,
                        format!("copies the snapshot of `{}` right after `BGSAVE`, which returns before the snapshot is written", store_name(p, d)),
                    )
                    .label("can copy the previous snapshot, or a half-renamed file")
                    .secondary(d.span, "starts the save in the background")
                    .help("Wait for the save to finish before copying: read `redis-cli LASTSAVE` before `BGSAVE` and poll until it changes (then check `rdb_last_bgsave_status:ok` in `INFO persistence`), or use `redis-cli --rdb FILE`, which returns once the snapshot is streamed.")
                    .resource(&resource)
                    .key(format!("early-copy:{}", store_name(p, d))),
                );
            }
        }
        let dumps: Vec<&Dump> = b.dumps.iter().filter(|d| !d.is_cluster_wide()).collect();
        let unverified = b.verifications.is_empty();
        // Stores one app writes to together, dumped at different moments.
        let mut pair: Option<(&Dump, &Dump, WorkloadId)> = None;
        'outer: for (i, a) in dumps.iter().enumerate() {
            for c in &dumps[i + 1..] {
                if let (Some(x), Some(y)) = (a.store, c.store)
                    && x != y
                    && let Some(app) = shared_writer(p, x, y)
                {
                    pair = Some((a, c, app));
                    break 'outer;
                }
            }
        }
        if let (Some((a, c, app)), true) = (pair, b.checkpoints.is_empty()) {
            let tail = if unverified { ", and nothing verifies either dump" } else { "" };
            out.push(
                Diagnostic::new(
                    META,
                    a.span,
                    format!(
                        "`{}` and `{}` are dumped at different moments with no shared checkpoint{tail}",
                        store_name(p, a),
                        store_name(p, c)
                    ),
                )
                .label(format!("dumps `{}` here", store_name(p, a)))
                .secondary(c.span, format!("and `{}` later, after more writes", store_name(p, c)))
                .secondary(p.workload(app).name.span, format!("`{}` writes to both", p.workload(app).name.value))
                .help(
                    "Take both inside one checkpoint: pause writes (`redis-cli CLIENT PAUSE <ms> WRITE`, or scale the writers to 0) while pg_dump takes its snapshot and Redis forks its own, record the checkpoint on both, then verify each artefact (`pg_restore --list`, `redis-check-rdb`).",
                )
                .resource(&resource)
                .key("uncoordinated"),
            );
        } else if unverified && let Some(first) = b.dumps.first() {
            out.push(
                Diagnostic::new(META, first.span, format!("the backup of `{}` is never verified", store_name(p, first)))
                    .label("nothing checks that this dump can be restored")
                    .help("Verify each artefact before the backup counts as good: `pg_restore --list` (or a restore into a scratch database), `redis-check-rdb`, `mongorestore --dryRun`, `restic check`, `velero backup describe`.")
                    .resource(&resource)
                    .key("unverified"),
            );
        }
    }
    // Separate jobs on different schedules for stores that one app writes to together.
    let scheduled: Vec<(&Backup, &Dump, Span)> = p
        .backups
        .iter()
        .filter_map(|b| Some((b, b.schedule.as_ref()?)))
        .flat_map(|(b, s)| b.dumps.iter().filter(|d| d.store.is_some()).map(move |d| (b, d, s.span)))
        .collect();
    let schedule_of = |b: &Backup| b.schedule.as_ref().map(|s| s.value.trim().to_string());
    for (i, (ba, da, sa)) in scheduled.iter().enumerate() {
        for (bb, db, sb) in &scheduled[i + 1..] {
            let (Some(x), Some(y)) = (da.store, db.store) else { continue };
            if x == y || std::ptr::eq(*ba, *bb) || schedule_of(ba) == schedule_of(bb) {
                continue;
            }
            let Some(app) = shared_writer(p, x, y) else { continue };
            out.push(
                Diagnostic::new(
                    META,
                    *sa,
                    format!(
                        "`{}` and `{}` are backed up by separate jobs on different schedules",
                        store_name(p, da),
                        store_name(p, db)
                    ),
                )
                .label(format!("`{}` is dumped on this schedule", store_name(p, da)))
                .secondary(*sb, format!("`{}` on this one", store_name(p, db)))
                .secondary(p.workload(app).name.span, format!("`{}` writes to both", p.workload(app).name.value))
                .help("Back them up from one job at one checkpoint (pause writes while both snapshots are taken), so that a restore brings back one consistent moment.")
                .resource(&site_resource(p, ba))
                .key(format!("schedules:{}:{}", store_name(p, da), store_name(p, db))),
            );
        }
    }
}
