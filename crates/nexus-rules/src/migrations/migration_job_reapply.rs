//! NX206 migration-job-reapply: see `rules/migrations/NX206-migration-job-reapply.md`.

use super::migration_image;
use crate::prelude::*;
use nexus_model::migration::image_tag;
use nexus_model::migration_order::{ARGO_HOOK, HELM_HOOK};
use nexus_model::{MigrationSite, PlanAction, Span, WorkloadKind};

declare_rule!(Warning);

/// Pod-template labels that carry the release.
const VERSION_LABELS: &[&str] = &["app.kubernetes.io/version", "version", "helm.sh/chart", "chart", "release"];

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for m in p.migrations.iter().filter(|m| m.site == MigrationSite::Workload) {
        let w = p.workload(m.workload);
        if w.kind != WorkloadKind::Job || w.annotation(HELM_HOOK).is_some() || w.annotation(ARGO_HOOK).is_some() {
            continue;
        }
        let batch = w.batch.clone().unwrap_or_default();
        if batch.generate_name || batch.ttl_seconds_after_finished.is_some() {
            continue;
        }
        // Argo CD replaces (or force-applies) what it is told to.
        if w.annotation("argocd.argoproj.io/sync-options")
            .is_some_and(|o| o.value.contains("Replace=true") || o.value.contains("Force=true"))
        {
            continue;
        }
        // What in the pod template changes with each release.
        let image = migration_image(p, m);
        let change: Option<(Span, String)> = VERSION_LABELS
            .iter()
            .find_map(|k| w.pod_labels.get(*k).map(|l| (l.span, format!("the `{k}` label"))))
            .or_else(|| {
                w.pod_annotations
                    .iter()
                    .find(|(k, _)| k.starts_with("checksum/"))
                    .map(|(k, a)| (a.span, format!("the `{k}` annotation")))
            })
            .or_else(|| {
                image
                    .filter(|i| image_tag(&i.value).is_some_and(|t| t != "latest") && !i.value.contains('@'))
                    .map(|i| (i.span, "the image tag".to_string()))
            });
        let Some((change_span, change)) = change else { continue };
        // A name that carries the version (or a build number: `migrate-42`) is one Job per
        // release.
        let name = &w.name.value;
        if name.rsplit('-').next().is_some_and(|last| {
            last.chars().any(|c| c.is_ascii_digit()) && last.chars().all(|c| c.is_ascii_digit() || c == 'v')
        }) {
            continue;
        }
        let versions = [
            image.and_then(|i| image_tag(&i.value)),
            w.pod_labels.get("app.kubernetes.io/version").map(|l| l.value.as_str()),
        ];
        if versions.iter().flatten().any(|v| {
            let v = v.trim_start_matches('v');
            !v.is_empty() && (name.contains(v) || name.contains(&v.replace('.', "-")))
        }) {
            continue;
        }
        let mut d = Diagnostic::new(
            META,
            w.name.span,
            format!("migration Job `{name}` keeps its name across releases while {change} of its pod template changes"),
        )
        .label("the second release's apply fails: a Job's pod template is immutable")
        .secondary(change_span, format!("{change} changes with each release"));
        for plan in &p.plans {
            for step in &plan.steps {
                if let (PlanAction::Apply { objects, .. }, Some(o)) = (&step.action, w.object)
                    && objects.contains(&o)
                {
                    d = d.secondary(step.span, "applied here on every release");
                }
            }
        }
        out.push(
            d.help(format!(
                "Make it one Job per release: a versioned name (`{name}-<version>`), `generateName` with a Helm or Argo CD hook (`helm.sh/hook: pre-install,pre-upgrade` deletes and recreates it), or `ttlSecondsAfterFinished` so the finished Job is gone before the next apply."
            ))
            .resource(&w.resource),
        );
    }
}
