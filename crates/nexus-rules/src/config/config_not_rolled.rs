//! NX402 config-not-rolled: see `rules/config/NX402-config-not-rolled.md`.

use crate::prelude::*;
use nexus_model::config_rollout::{on_any_change, only_init_scripts, trigger, volumes_of};
use nexus_model::{ConfigKind, ConfigRefKind, Workload, WorkloadKind};

declare_rule!(Warning);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for w in &p.workloads {
        if !matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::DaemonSet)
            || !w.is_long_running()
            || on_any_change(w).is_some()
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
                || trigger(w, c, r.how).is_some()
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
/// The mounts of the volumes that hold this config, in the containers that mount them.
fn mounts_of<'w>(w: &'w Workload, config: &str) -> Vec<(&'w nexus_model::Container, &'w nexus_model::VolumeMount)> {
    let volumes = volumes_of(w, config);
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
