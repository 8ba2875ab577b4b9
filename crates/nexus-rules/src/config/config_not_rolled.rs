//! NX402 config-not-rolled: see `rules/config/NX402-config-not-rolled.md`.

use crate::prelude::*;
use nexus_model::kustomize::GeneratedBy;
use nexus_model::{ConfigKind, ConfigRefKind, ConfigSource, Platform, Workload, WorkloadKind};

declare_rule!(Warning);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for w in &p.workloads {
        if !matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::DaemonSet)
            || !w.is_long_running()
            || rolls_on_any_change(w)
        {
            continue;
        }
        let mut seen = Vec::new();
        let refs = p.config_refs.iter().filter(|r| r.workload == w.id && r.how != ConfigRefKind::ImagePullSecret);
        for r in refs {
            let Some(t) = r.target else { continue };
            if seen.contains(&t) {
                continue;
            }
            seen.push(t);
            let c = p.config(t);
            if !matches!(c.kind, ConfigKind::ConfigMap | ConfigKind::Secret)
                || rolls_on_change_of(p, w, c, r.how)
                || (matches!(r.how, ConfigRefKind::Volume) && only_init_scripts(w, &c.name.value))
            {
                continue;
            }
            let kind = c.kind.as_str();
            let name = &c.name.value;
            let mounted = matches!(r.how, ConfigRefKind::Volume | ConfigRefKind::ProjectedVolume);
            let probes = matches!(r.how, ConfigRefKind::Volume) && only_probe_scripts(w, name);
            let at_start = mounted && {
                let m = mounts_of(w, name);
                !m.is_empty() && m.iter().all(|(ct, _)| ct.is_init && !ct.is_sidecar())
            };
            let sub_path = mounted && {
                let m = mounts_of(w, name);
                !m.is_empty() && m.iter().all(|(_, vm)| vm.sub_path.is_some())
            };
            let why = if at_start {
                "only init containers read it, when a pod starts: a running pod never sees a change"
            } else if sub_path {
                "mounted with `subPath`, which the kubelet never updates: a running pod never sees a change"
            } else if probes {
                "the probes run the new files in every pod at once: a broken script fails them all together"
            } else if mounted {
                "its files change in the pods, but the program keeps what it read at start"
            } else {
                "env vars are read once, when a container starts"
            };
            let message = if probes {
                format!(
                    "`{}` runs its probes from {kind} `{name}`, and a change to `{name}` reaches every pod at once, outside any rollout",
                    w.name.value
                )
            } else {
                format!("`{}` reads {kind} `{name}`, and nothing restarts its pods when `{name}` changes", w.name.value)
            };
            out.push(
                Diagnostic::new(META, r.name.span, message)
                .label(format!("read here, with no rollout trigger ({why})"))
                .secondary(c.name.span, format!("{kind} `{name}` is defined here"))
                .help(format!(
                    "Roll the pods with the config: a pod-template annotation `checksum/{name}: <sha256 of its data>` \
                     (Helm: `{{{{ include (print $.Template.BasePath \"/…\") . | sha256sum }}}}`), a kustomize \
                     `{}Generator` (hashed names), an `immutable: true` {kind} under a versioned name, or a \
                     reloader (`reloader.stakater.com/auto: \"true\"` on the {}).",
                    if c.kind == ConfigKind::Secret { "secret" } else { "configMap" },
                    w.kind.as_str()
                ))
                .resource(&w.resource)
                .template(w.template.as_deref())
                .key(format!("{kind}/{name}")),
            );
        }
    }
}

/// Directories whose scripts a datastore image runs once, on an empty data directory: a restart
/// would not run them again, so rolling the pods is no remedy.
const INIT_DIRS: &[&str] = &["/docker-entrypoint-initdb.d"];

/// Is every mount of the volume that holds this config a datastore's init directory?
fn only_init_scripts(w: &Workload, config: &str) -> bool {
    let mounts = mounts_of(w, config);
    !mounts.is_empty()
        && mounts.iter().all(|(_, m)| INIT_DIRS.iter().any(|d| m.mount_path.value.trim_end_matches('/') == *d))
}

/// The mounts of the volumes that hold this config, in the containers that mount them.
fn mounts_of<'w>(w: &'w Workload, config: &str) -> Vec<(&'w nexus_model::Container, &'w nexus_model::VolumeMount)> {
    let volumes: Vec<&str> = w
        .volumes
        .iter()
        .filter(|v| match &v.source {
            nexus_model::VolumeSource::ConfigMap { name, .. } | nexus_model::VolumeSource::Secret { name, .. } => {
                name.value == config
            }
            _ => false,
        })
        .map(|v| v.name.value.as_str())
        .collect();
    w.all_containers()
        .flat_map(|c| c.volume_mounts.iter().map(move |m| (c, m)))
        .filter(|(_, m)| volumes.contains(&m.name.value.as_str()))
        .collect()
}

/// Is every mount of this config a directory (no `subPath`, which the kubelet never updates)
/// that only the container's exec probes use — named by a probe command, and by neither the
/// container's command and args nor its env? The kubelet updates the files in place and each
/// probe runs the script afresh: a change needs no restart to take effect, but it takes effect
/// in every pod within the same minute, with no rollout to stop a broken script at the first
/// pod.
fn only_probe_scripts(w: &Workload, config: &str) -> bool {
    let mounts = mounts_of(w, config);
    !mounts.is_empty()
        && mounts.iter().all(|(c, m)| {
            let dir = format!("{}/", m.mount_path.value.trim_end_matches('/'));
            let names = |x: &str| x.contains(&dir);
            let mut probe_words = [&c.liveness, &c.readiness, &c.startup]
                .into_iter()
                .flatten()
                .filter_map(|pr| match &pr.handler {
                    nexus_model::ProbeHandler::Exec { command } => Some(command),
                    _ => None,
                })
                .flatten();
            m.sub_path.is_none()
                && probe_words.any(|x| names(&x.value))
                && !c.argv().any(|x| names(&x.value))
                && !c.env.iter().filter_map(|e| e.value.as_ref()).any(|v| names(&v.value))
        })
}

fn is_true(w: &Workload, key: &str) -> bool {
    w.annotation(key).is_some_and(|v| v.value.trim().eq_ignore_ascii_case("true"))
}

/// Whatever changes, the pods roll: a checksum or `rollme` annotation on the pod template, or a
/// controller that watches everything the workload reads.
fn rolls_on_any_change(w: &Workload) -> bool {
    w.pod_annotations.keys().any(|k| {
        let k = k.to_ascii_lowercase();
        k.starts_with("checksum/")
            || k.contains("checksum")
            || k.ends_with("-hash")
            || k.ends_with("/hash")
            || k == "rollme"
    }) || is_true(w, "reloader.stakater.com/auto")
        || is_true(w, "wave.pusher.com/update-on-config-change")
}

/// Watchers of mounted files that tell the program to reload (Prometheus' and Grafana's
/// sidecars, configmap-reload).
const RELOAD_SIDECARS: &[&str] =
    &["configmap-reload", "config-reloader", "prometheus-config-reloader", "k8s-sidecar", "reloader"];

/// The pods roll (or the program reloads) when this config changes.
fn rolls_on_change_of(p: &Platform, w: &Workload, c: &ConfigSource, how: ConfigRefKind) -> bool {
    let name = c.name.value.as_str();
    let listed = |key: &str| w.annotation(key).is_some_and(|v| v.value.split(',').any(|n| n.trim() == name));
    let by_reloader = match c.kind {
        ConfigKind::Secret => {
            is_true(w, "secret.reloader.stakater.com/auto") || listed("secret.reloader.stakater.com/reload")
        }
        _ => is_true(w, "configmap.reloader.stakater.com/auto") || listed("configmap.reloader.stakater.com/reload"),
    } || (is_true(w, "reloader.stakater.com/search")
        && c.annotations.get("reloader.stakater.com/match").is_some_and(|v| v.value.trim() == "true"));
    let mounted = matches!(how, ConfigRefKind::Volume | ConfigRefKind::ProjectedVolume);
    let sidecar = mounted
        && w.all_containers().any(|ct| {
            let base = nexus_model::migration::image_basename(ct.image_str()).to_ascii_lowercase();
            RELOAD_SIDECARS.iter().any(|s| base == *s || base.ends_with(&format!("-{s}")))
        });
    let generated = match &c.generated {
        Some(g) => g.hashed || g.by == GeneratedBy::Resource,
        None => false,
    };
    let _ = p;
    by_reloader || sidecar || generated || c.immutable || versioned(name)
}

/// A name that carries a version or a content hash (`app-config-v3`, `settings-1-4-2`,
/// `app-config-5f8c7k9m2t`): a change comes as a new object, which the pod template names.
pub(crate) fn versioned(name: &str) -> bool {
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
