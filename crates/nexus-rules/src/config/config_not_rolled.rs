//! NX402 config-not-rolled: see `rules/config/NX402-config-not-rolled.md`.

use crate::prelude::*;
use nexus_model::config_rollout::{on_any_change, only_init_scripts, trigger};
use nexus_model::{ConfigKind, ConfigRefKind, WorkloadKind};

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
            let why = if mounted {
                "its files change in the pods, but the program keeps what it read at start"
            } else {
                "env vars are read once, when a container starts"
            };
            out.push(
                Diagnostic::new(
                    META,
                    r.name.span,
                    format!(
                        "`{}` reads {kind} `{name}`, and nothing restarts its pods when `{name}` changes",
                        w.name.value
                    ),
                )
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
