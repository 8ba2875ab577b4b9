//! NX205 migration-hook-deadlock: see `rules/migrations/NX205-migration-hook-deadlock.md`.

use super::anchor;
use crate::prelude::*;
use nexus_model::migration_order::{ARGO_HOOK, HELM_HOOK, helm_release};
use nexus_model::{Format, GateKind, MigrationSite};

declare_rule!(Error);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for m in p.migrations.iter().filter(|m| m.site == MigrationSite::Workload) {
        let w = p.workload(m.workload);
        let helm = w.annotation(HELM_HOOK);
        let hooks: Vec<&str> = helm.map_or(Vec::new(), |h| h.value.split(',').map(str::trim).collect());
        let pre = hooks.iter().any(|h| matches!(*h, "pre-install" | "pre-upgrade"));
        let argo = w.annotation(ARGO_HOOK).filter(|h| h.value.contains("PostSync"));
        let late = helm.filter(|_| !pre && hooks.iter().any(|h| h.starts_with("post-"))).or(argo);
        // (a) A hook that runs after the app is ready, which the app waits for.
        if let Some(hook) = late {
            for g in p.gates.iter().filter(|g| g.provider == Some(w.id) && g.consumer != w.id) {
                if !matches!(g.kind, GateKind::InitWait { .. } | GateKind::EntrypointWait { .. }) {
                    continue;
                }
                let app = p.workload(g.consumer);
                out.push(
                    Diagnostic::new(
                        META,
                        g.span,
                        format!("`{}` waits for migration `{}`, a `{}` hook that runs only once `{}` is ready", app.name.value, w.name.value, hook.value, app.name.value),
                    )
                    .label("never completes: the hook waits for this pod to be ready, and the pod waits for the hook")
                    .secondary(hook.span, format!("`{}` runs after the release's workloads are ready", hook.value))
                    .help(if argo.is_some() {
                        "Make it a `PreSync` hook (`argocd.argoproj.io/hook: PreSync`): it then completes before the app is synced, and the wait passes.".to_string()
                    } else {
                        "Make it a `pre-install,pre-upgrade` hook: Helm then runs it to completion before it creates the app, and the wait passes at once.".to_string()
                    })
                    .resource(&app.resource)
                    .key(format!("{}>{}", w.resource, app.resource)),
                );
            }
        }
        // (b) A pre-install hook that needs a datastore the same release installs.
        if let Some(h) = helm.filter(|_| hooks.contains(&"pre-install"))
            && w.resource.format == Format::Kubernetes
        {
            for &s in &m.datastores {
                let store = p.workload(s);
                if store.annotation(HELM_HOOK).is_some()
                    || helm_release(store).is_none()
                    || helm_release(store) != helm_release(w)
                {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        META,
                        h.span,
                        format!("the `pre-install` migration `{}` needs `{}`, which the same release installs only after the hook", w.name.value, store.name.value),
                    )
                    .label("on the first install the database does not exist yet: the hook fails or times out and the install is rolled back")
                    .secondary(anchor(p, store), format!("`{}` is created after the pre-install hooks", store.name.value))
                    .help(format!(
                        "Run it as `pre-upgrade` only and migrate the first install from the app's start (or a `post-install` hook nothing waits for), or install `{}` from its own release first.",
                        store.name.value
                    ))
                    .resource(&w.resource)
                    .key(format!("pre-install:{}", store.name.value)),
                );
            }
        }
    }
}
