//! NX207 migration-job-unbounded: see `rules/migrations/NX207-migration-job-unbounded.md`.

use super::anchor;
use crate::prelude::*;
use nexus_model::{Format, MigrationSite};

declare_rule!(Warning);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for m in p.migrations.iter().filter(|m| m.site == MigrationSite::Workload) {
        let w = p.workload(m.workload);
        if w.resource.format == Format::Compose {
            // A migration that is started again after it exits runs over and over.
            if let Some(r) = w.compose.as_ref().and_then(|c| c.restart.as_ref())
                && matches!(r.value.as_str(), "always" | "unless-stopped")
            {
                out.push(
                    Diagnostic::new(META, r.span, format!("migration service `{}` is restarted whenever it exits", w.name.value))
                        .label(format!("`restart: {}` runs the migration again after it succeeds", r.value))
                        .help("Use `restart: \"no\"` (or `on-failure` with a bound, `deploy.restart_policy.max_attempts`) for a one-shot migration.")
                        .resource(&w.resource),
                );
            }
            continue;
        }
        if !w.kind.is_batch() {
            continue;
        }
        let b = w.batch.clone().unwrap_or_default();
        let on_failure =
            b.restart_policy.as_ref().or(w.controller.restart_policy.as_ref()).filter(|r| r.value == "OnFailure");
        let unbounded = b.backoff_limit.is_none() && b.active_deadline_seconds.is_none();
        if let Some(r) = on_failure {
            let mut d = Diagnostic::new(
                META,
                r.span,
                format!("migration `{}` is re-run in place after a failure", w.name.value),
            )
            .label("`OnFailure` restarts the container on the half-migrated schema")
            .help("Use `restartPolicy: Never` with `backoffLimit: 1` and an `activeDeadlineSeconds`: a failed migration then stops and is looked at, not replayed up to six times.")
            .resource(&w.resource);
            if unbounded {
                d = d.secondary(anchor(p, w), "no `backoffLimit` (6 retries) and no `activeDeadlineSeconds`");
            }
            out.push(d);
        } else if unbounded {
            out.push(
                Diagnostic::new(
                    META,
                    anchor(p, w),
                    format!("migration `{}` has no `backoffLimit` or `activeDeadlineSeconds`", w.name.value),
                )
                .label("retried 6 times by default, and never timed out")
                .help("Set `backoffLimit: 1` and an `activeDeadlineSeconds` longer than the longest migration: a stuck or failing migration then fails the release instead of retrying for hours.")
                .resource(&w.resource),
            );
        }
    }
}
