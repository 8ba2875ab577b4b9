//! What happens to a workload's pods when a ConfigMap or Secret it reads changes: whether
//! something rolls them (a pod-template checksum, a hashed or versioned name, a reloader), makes
//! the program reload (a file-watching sidecar), or nothing does.
//!
//! One place decides it for NX402 (config-not-rolled, from the manifests) and for the
//! simulator's config-change scenario (NX908, which plays the edit).

use crate::kustomize::GeneratedBy;
use crate::{ConfigKind, ConfigRefKind, ConfigSource, Workload};

/// What makes a workload pick up a changed config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// A pod-template annotation that changes with the config (`checksum/config`, `rollme`,
    /// `…-hash`): applying it changes the template, so the Deployment controller rolls the pods.
    TemplateAnnotation(String),
    /// A controller that watches the config and rolls the pods (Stakater Reloader, Wave): the
    /// annotation that asks for it.
    Reloader(String),
    /// The config comes as a new object under a new name (a kustomize generator's hash suffix, an
    /// `immutable` object, a versioned name), which the pod template names: a new template.
    NewObject,
    /// A sidecar that watches the mounted files and tells the program to reload
    /// (configmap-reload, k8s-sidecar): no restart, the files' own delay.
    ReloadSidecar,
}

impl Trigger {
    /// The pods are replaced by a rolling update (every trigger but a reload sidecar).
    pub fn rolls(&self) -> bool {
        !matches!(self, Trigger::ReloadSidecar)
    }
}

/// Directories whose scripts a datastore image runs once, on an empty data directory: a restart
/// would not run them again, so rolling the pods is no remedy.
const INIT_DIRS: &[&str] = &["/docker-entrypoint-initdb.d"];

/// Is every mount of the volume that holds this config a datastore's init directory?
pub fn only_init_scripts(w: &Workload, config: &str) -> bool {
    let volumes = volumes_of(w, config);
    let mut mounts = w
        .all_containers()
        .flat_map(|c| &c.volume_mounts)
        .filter(|m| volumes.contains(&m.name.value.as_str()))
        .peekable();
    // The directory itself, or one script in it (`/docker-entrypoint-initdb.d/init-user.sh` with
    // a `subPath`).
    let in_init_dir = |path: &str| {
        let path = path.trim_end_matches('/');
        INIT_DIRS.iter().any(|d| path == *d || path.strip_prefix(d).is_some_and(|rest| rest.starts_with('/')))
    };
    mounts.peek().is_some() && mounts.all(|m| in_init_dir(&m.mount_path.value))
}

/// The names of the pod volumes that hold `config` (a ConfigMap, Secret or projected volume).
pub fn volumes_of<'w>(w: &'w Workload, config: &str) -> Vec<&'w str> {
    w.volumes
        .iter()
        .filter(|v| match &v.source {
            crate::VolumeSource::ConfigMap { name, .. } | crate::VolumeSource::Secret { name, .. } => {
                name.value == config
            }
            crate::VolumeSource::Projected(sources) => sources.iter().any(|(_, n, _)| n.value == config),
            _ => false,
        })
        .map(|v| v.name.value.as_str())
        .collect()
}

fn is_true(w: &Workload, key: &str) -> bool {
    w.annotation(key).is_some_and(|v| v.value.trim().eq_ignore_ascii_case("true"))
}

/// Whatever changes, the pods roll: a checksum or `rollme` annotation on the pod template, or a
/// controller that watches everything the workload reads.
pub fn on_any_change(w: &Workload) -> Option<Trigger> {
    let annotation = w.pod_annotations.keys().find(|k| {
        let k = k.to_ascii_lowercase();
        k.starts_with("checksum/")
            || k.contains("checksum")
            || k.ends_with("-hash")
            || k.ends_with("/hash")
            || k == "rollme"
    });
    if let Some(k) = annotation {
        return Some(Trigger::TemplateAnnotation(k.clone()));
    }
    ["reloader.stakater.com/auto", "wave.pusher.com/update-on-config-change"]
        .into_iter()
        .find(|k| is_true(w, k))
        .map(|k| Trigger::Reloader(k.to_string()))
}

/// Watchers of mounted files that tell the program to reload (Prometheus' and Grafana's
/// sidecars, configmap-reload).
const RELOAD_SIDECARS: &[&str] =
    &["configmap-reload", "config-reloader", "prometheus-config-reloader", "k8s-sidecar", "reloader"];

/// What picks up a change of this config, read as `how`: [`on_any_change`] first, then what
/// names this config alone.
pub fn trigger(w: &Workload, c: &ConfigSource, how: ConfigRefKind) -> Option<Trigger> {
    if let Some(t) = on_any_change(w) {
        return Some(t);
    }
    let name = c.name.value.as_str();
    let listed = |key: &str| w.annotation(key).is_some_and(|v| v.value.split(',').any(|n| n.trim() == name));
    let (auto, reload) = match c.kind {
        ConfigKind::Secret => ("secret.reloader.stakater.com/auto", "secret.reloader.stakater.com/reload"),
        _ => ("configmap.reloader.stakater.com/auto", "configmap.reloader.stakater.com/reload"),
    };
    let search = "reloader.stakater.com/search";
    let matched = c.annotations.get("reloader.stakater.com/match").is_some_and(|v| v.value.trim() == "true");
    let reloader = if is_true(w, auto) {
        Some(auto)
    } else if listed(reload) {
        Some(reload)
    } else {
        (is_true(w, search) && matched).then_some(search)
    };
    if let Some(k) = reloader {
        return Some(Trigger::Reloader(k.to_string()));
    }
    let generated = match &c.generated {
        Some(g) => g.hashed || g.by == GeneratedBy::Resource,
        None => false,
    };
    if generated || c.immutable || versioned(name) {
        return Some(Trigger::NewObject);
    }
    let mounted = matches!(how, ConfigRefKind::Volume | ConfigRefKind::ProjectedVolume);
    let sidecar = mounted
        && w.all_containers().any(|ct| {
            let base = crate::migration::image_basename(ct.image_str()).to_ascii_lowercase();
            RELOAD_SIDECARS.iter().any(|s| base == *s || base.ends_with(&format!("-{s}")))
        });
    sidecar.then_some(Trigger::ReloadSidecar)
}

/// A name that carries a version or a content hash (`app-config-v3`, `settings-1-4-2`,
/// `app-config-5f8c7k9m2t`): a change comes as a new object, which the pod template names.
pub fn versioned(name: &str) -> bool {
    let Some((_, last)) = name.rsplit_once(['-', '.']) else { return false };
    let v = last.strip_prefix('v').unwrap_or(last);
    let digits = !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
    let hash = last.len() >= 8
        && last.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && last.bytes().any(|b| b.is_ascii_digit())
        && last.bytes().any(|b| b.is_ascii_lowercase());
    digits || hash
}

#[cfg(test)]
mod tests {
    #[test]
    fn versioned_names() {
        for n in ["app-config-v3", "settings-1-4-2", "app-config-5f8c7k9m2t", "cfg.v2", "cfg-20240101"] {
            assert!(super::versioned(n), "{n}");
        }
        for n in ["app-config", "nexus-config", "health-check-config", "redis", "cfg-prod", "settings-lookup"] {
            assert!(!super::versioned(n), "{n}");
        }
    }
}
