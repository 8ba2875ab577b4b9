//! NX202 migration-not-gated: see `rules/migrations/NX202-migration-not-gated.md`.

use std::collections::BTreeMap;

use super::{anchor, kubectl_target, users_own_first};
use crate::prelude::*;
use nexus_diagnostics::Label;
use nexus_model::migration_order::{Miss, by_argo, by_helm, ordering};
use nexus_model::{Format, MigrationSite, Platform, Workload, WorkloadId, WorkloadKind};

declare_rule!(Warning);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    // In Compose every migration an app does not wait for is reported at the same place (its
    // `depends_on`), with one fix: the first one found is the finding, the others are added to
    // it (Kong's bootstrap and upgrade services, both unawaited by the gateway).
    let mut reported: BTreeMap<WorkloadId, usize> = BTreeMap::new();
    for m in &p.migrations {
        let mw = p.workload(m.workload);
        // A scheduled migration is not part of a deploy.
        if mw.kind == WorkloadKind::CronJob {
            continue;
        }
        let mut first = true;
        for app in users_own_first(p, m) {
            let Err(misses) = ordering(p, m, app) else { continue };
            let aw = p.workload(app);
            let store = m.datastores.first().map_or(String::new(), |s| p.workload(*s).name.value.clone());
            let what = what(mw, m.site);
            // Kubernetes: the fix (a hook, a wave, the script's order) is on the migration, and
            // fixes every app at once; Compose: it is each app's `depends_on`.
            let compose = mw.resource.format == Format::Compose;
            if compose && let Some(&i) = reported.get(&app) {
                let d = &mut out[i];
                d.secondary.push(Label {
                    span: anchor(p, mw),
                    message: format!(
                        "{what} `{}` migrates `{store}` too, and `{}` does not wait for it either",
                        mw.name.value, aw.name.value
                    ),
                });
                if let Some(help) = d.help.as_mut() {
                    help.push_str(&format!(" Wait for `{}` the same way.", mw.name.value));
                }
                continue;
            }
            let mut d = if first && !compose {
                Diagnostic::new(
                    META,
                    anchor(p, mw),
                    format!(
                        "{what} `{}` is not ordered before `{}`, which serves from the schema it migrates in `{store}`",
                        mw.name.value, aw.name.value
                    ),
                )
                .label(format!("nothing makes `{}` wait for this {what} to complete", aw.name.value))
                .secondary(anchor(p, aw), format!("`{}` can start and serve before the migration ends", aw.name.value))
            } else {
                let at = aw.compose.as_ref().and_then(|c| c.depends_on.as_ref()).map_or(anchor(p, aw), |d| d.key);
                Diagnostic::new(
                    META,
                    at,
                    format!(
                        "`{}` can start before {what} `{}` has migrated `{store}`, which it uses",
                        aw.name.value, mw.name.value
                    ),
                )
                .label(format!("nothing makes `{}` wait for `{}` to complete", aw.name.value, mw.name.value))
                .secondary(
                    anchor(p, mw),
                    if m.site == MigrationSite::Workload {
                        format!("the {what} that migrates `{store}`")
                    } else {
                        format!("migrates `{store}` when it starts")
                    },
                )
            };
            first = false;

            for miss in &misses {
                d = explain(p, d, miss, mw, aw);
            }
            let help = if m.site == MigrationSite::Workload {
                help(&misses, mw, aw)
            } else if mw.resource.format == Format::Compose {
                format!(
                    "Make `{}` wait until `{}` is healthy, i.e. done migrating: give it a healthcheck and use `depends_on: {{{}: {{condition: service_healthy}}}}`.",
                    aw.name.value, mw.name.value, mw.name.value
                )
            } else {
                format!(
                    "Make `{}` wait until `{}` is ready (an init container that waits for its Service, or an earlier sync wave), or move the migration into a Job that runs first.",
                    aw.name.value, mw.name.value
                )
            };
            if compose {
                reported.insert(app, out.len());
            }
            out.push(d.help(help).resource(&aw.resource).key(format!("{}>{}", mw.resource, aw.resource)));
        }
    }
}

fn what(w: &Workload, site: MigrationSite) -> &'static str {
    if site != MigrationSite::Workload {
        return "self-migrating";
    }
    match w.resource.format {
        Format::Compose => "migration service",
        Format::Kubernetes if w.kind == WorkloadKind::Job => "migration Job",
        Format::Kubernetes => "migration",
    }
}

fn explain(p: &Platform, d: Diagnostic, miss: &Miss, mw: &Workload, aw: &Workload) -> Diagnostic {
    match miss {
        Miss::HelmLateHook { span, hook } => {
            d.secondary(*span, format!("a `{hook}` hook runs only after the release's workloads are ready"))
        }
        Miss::HelmNoHook => d,
        Miss::ArgoWave { span: Some(span), migration_wave, app_wave } => {
            d.secondary(*span, format!("sync wave {migration_wave}, not before `{}`'s wave {app_wave}", aw.name.value))
        }
        Miss::ArgoWave { span: None, .. } => d,
        Miss::ArgoLateHook { span, hook } => d.secondary(*span, format!("a `{hook}` hook runs after the sync")),
        Miss::WeakWait { span, what } => {
            d.secondary(*span, format!("waits for `{}` with {what}, not for it to complete", mw.name.value))
        }
        Miss::ComposeStarted { span } => d.secondary(
            *span,
            format!("`depends_on` only starts `{}` first; it does not wait for it to exit", mw.name.value),
        ),
        Miss::Script { plan, app_step, migration_step } => {
            let steps = &p.plans[*plan].steps;
            let d = d.secondary(steps[*app_step].span, format!("creates `{}`", aw.name.value));
            match migration_step {
                Some(s) if s > app_step => {
                    d.secondary(steps[*s].span, format!("creates `{}` only afterwards", mw.name.value))
                }
                Some(s) => d.secondary(
                    steps[*s].span,
                    format!("creates `{}`, with no wait for it to complete before `{}`", mw.name.value, aw.name.value),
                ),
                None => d,
            }
        }
    }
}

fn help(misses: &[Miss], mw: &Workload, aw: &Workload) -> String {
    let name = &mw.name.value;
    if mw.resource.format == Format::Compose {
        return format!(
            "Make `{}` wait for it to exit successfully: `depends_on: {{{name}: {{condition: service_completed_successfully}}}}`.",
            aw.name.value
        );
    }
    let hook = "`helm.sh/hook: pre-install,pre-upgrade` (with `helm.sh/hook-delete-policy: before-hook-creation`)";
    for miss in misses {
        match miss {
            Miss::HelmLateHook { hook: h, .. } => {
                return format!("Make it a {hook} instead of `{h}`: Helm then runs it to completion before it upgrades `{}`.", aw.name.value);
            }
            Miss::HelmNoHook => return format!("Make it a Helm hook, {hook}: Helm then runs it to completion before it creates `{}`.", aw.name.value),
            Miss::ArgoWave { app_wave, .. } => {
                return format!(
                    "Move it to an earlier wave (`argocd.argoproj.io/sync-wave: \"{}\"`) or make it a hook that runs first (`argocd.argoproj.io/hook: PreSync`): Argo CD waits for a Job to complete before the next wave.",
                    app_wave - 1
                );
            }
            Miss::ArgoLateHook { .. } => return "Make it a `argocd.argoproj.io/hook: PreSync` hook: it then completes before the sync applies the app.".into(),
            Miss::Script { .. } => {
                return format!(
                    "Apply `{name}` before `{}` and wait for it to complete in between: `kubectl wait --for=condition=complete --timeout=600s {}`.",
                    aw.name.value,
                    kubectl_target(mw)
                );
            }
            Miss::WeakWait { .. } | Miss::ComposeStarted { .. } => {}
        }
    }
    if by_helm(mw) {
        return format!("Make it a Helm hook, {hook}.");
    }
    if by_argo(&[mw, aw]) {
        return "Make it an Argo CD `PreSync` hook, or put it in an earlier sync wave than the app.".into();
    }
    format!(
        "Run it first and wait for it: as a `pre-install,pre-upgrade` Helm hook or an Argo CD `PreSync` hook, or give `{}` an init container that waits for the Job to complete (`groundnuty/k8s-wait-for` with `job {name}`, or `kubectl wait --for=condition=complete job/{name}`).",
        aw.name.value
    )
}
