//! ConfigMaps and Secrets read by the unit's long-running Kubernetes workloads, each reference
//! with how it is read (env, `envFrom`, a volume, a `subPath` mount) and what picks up a change
//! ([`nexus_model::config_rollout::trigger`], the decision NX402 makes too). The config-change
//! scenario edits them.
//!
//! A trigger that rolls the pods rolls nothing under `updateStrategy: OnDelete`.
//!
//! Left out, as NX402 leaves them: image pull secrets, Jobs and one-shots (a run reads its config
//! once, and a change is for the next run), bare Pods (nothing rolls them), and volumes that only
//! a datastore's init directory mounts (their scripts run once, on an empty data directory).

use nexus_model::config_rollout::{only_init_scripts, trigger, volumes_of};
use nexus_model::{ConfigKind, ConfigRefKind, EnvSource, Platform, Workload, WorkloadKind};

use super::{Builder, OriginInfo};
use crate::spec::{ConfigSpec, ConfigUse, Pickup, Uptake};

pub(super) fn add_configs(b: &mut Builder<'_>) {
    let m: &Platform = b.m;
    for r in &m.config_refs {
        let Some(target) = r.target else { continue };
        let Some(actor) = b.actor(r.workload) else { continue };
        let w = m.workload(r.workload);
        let c = m.config(target);
        if !matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::DaemonSet)
            || !w.is_long_running()
            || !matches!(c.kind, ConfigKind::ConfigMap | ConfigKind::Secret)
        {
            continue;
        }
        let uptakes = match r.how {
            ConfigRefKind::EnvFrom => vec![Uptake::EnvFrom],
            ConfigRefKind::EnvValueFrom => vec![Uptake::EnvKey { var: env_var(w, r.name.span).unwrap_or_default() }],
            ConfigRefKind::Volume | ConfigRefKind::ProjectedVolume => {
                if only_init_scripts(w, &c.name.value) {
                    continue;
                }
                mounts(w, &c.name.value, r.container.as_deref())
            }
            _ => continue,
        };
        if uptakes.is_empty() {
            continue;
        }
        // `updateStrategy: OnDelete` replaces a pod only when someone deletes it: a new template
        // rolls nothing (StatefulSet and DaemonSet update strategies).
        let on_delete = w.controller.strategy.as_ref().is_some_and(|s| s.value == "OnDelete");
        let pickup = trigger(w, c, r.how).and_then(|t| match t.rolls() {
            true if on_delete => None,
            true => Some(Pickup::Rollout),
            false => Some(Pickup::Reload),
        });
        let config = match b.p.configs.iter().position(|s| s.name == c.name.value && s.secret == c.kind.is_secret()) {
            Some(i) => i as u32,
            None => {
                let origin = b.origins.add(OriginInfo {
                    span: c.name.span,
                    resource: Some(c.resource.clone()),
                    template: None,
                    what: "config",
                });
                b.p.configs.push(ConfigSpec { name: c.name.value.clone(), secret: c.kind.is_secret(), origin });
                (b.p.configs.len() - 1) as u32
            }
        };
        let origin = b.origins.add(OriginInfo {
            span: r.name.span,
            resource: Some(w.resource.clone()),
            template: w.template.clone(),
            what: "config reference",
        });
        for uptake in uptakes {
            if !b.p.config_uses.iter().any(|u| u.config == config && u.actor == actor && u.uptake == uptake) {
                b.p.config_uses.push(ConfigUse { config, actor, uptake, origin, pickup });
            }
        }
    }
}

/// The env var whose `valueFrom` names the config at `span`.
fn env_var(w: &Workload, span: nexus_model::Span) -> Option<String> {
    w.all_containers().flat_map(|c| &c.env).find_map(|e| match &e.from {
        Some(EnvSource::ConfigMapKey { name, .. } | EnvSource::SecretKey { name, .. }) if name.span == span => {
            Some(e.name.value.clone())
        }
        _ => None,
    })
}

/// Where the volumes that hold `config` are mounted (by `container`, when the reference is
/// per container): a whole volume, or one key through `subPath`.
fn mounts(w: &Workload, config: &str, container: Option<&str>) -> Vec<Uptake> {
    let volumes = volumes_of(w, config);
    let mut out: Vec<Uptake> = Vec::new();
    for c in w.all_containers().filter(|c| container.is_none_or(|n| c.name.value == n)) {
        for mnt in c.volume_mounts.iter().filter(|v| volumes.contains(&v.name.value.as_str())) {
            let path = mnt.mount_path.value.clone();
            let u = if mnt.sub_path.is_some() { Uptake::SubPath { path } } else { Uptake::Volume { path } };
            if !out.contains(&u) {
                out.push(u);
            }
        }
    }
    out
}
