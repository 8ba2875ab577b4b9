//! NX301 hpa-target-missing: see `rules/scaling/NX301-hpa-target-missing.md`.

use crate::prelude::*;
use nexus_diagnostics::Severity;
use nexus_model::{Format, Hpa, Platform, Scaler, WorkloadKind, same_namespace, suggest};

declare_rule!(Error);

/// Kinds the HPA controller can scale (they serve the `scale` subresource).
const SCALABLE: &[&str] = &["Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"];
/// Built-in kinds that cannot be scaled.
const NOT_SCALABLE: &[&str] = &["DaemonSet", "Job", "CronJob", "Pod", "Service", "ConfigMap", "Secret"];

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for (s, h) in p.hpas() {
        let kind = h.target_kind.value.as_str();
        let what = if nexus_model::scaling::is_keda(h) { "ScaledObject" } else { "HPA" };
        if NOT_SCALABLE.contains(&kind) {
            out.push(
                Diagnostic::new(
                    META,
                    h.target_kind.span,
                    format!("the {what} `{}` targets {kind} `{}`, which cannot be scaled", s.name.value, h.target_name.value),
                )
                .label(format!("a {kind} has no `scale` subresource"))
                .help("Autoscale a Deployment, StatefulSet or ReplicaSet (or a custom resource with a scale subresource).")
                .resource(&s.resource)
                .template(template(p, s)),
            );
            continue;
        }
        if let Some(d) = wrong_group(s, h, what) {
            out.push(d.template(template(p, s)));
            continue;
        }
        if h.target.is_some() || !SCALABLE.contains(&kind) || defined_elsewhere(p, s, h) {
            continue;
        }
        out.push(missing(p, s, h, what).template(template(p, s)));
    }
}

fn template<'a>(p: &'a Platform, s: &Scaler) -> Option<&'a str> {
    p.object(s.object).template.as_deref()
}

/// `scaleTargetRef.apiVersion` in a group that does not serve the kind: the controller maps
/// the group and kind (not the version) to a resource, and `extensions` stopped serving
/// Deployments and ReplicaSets in Kubernetes 1.16.
fn wrong_group(s: &Scaler, h: &Hpa, what: &str) -> Option<Diagnostic> {
    let av = h.target_api_version.as_ref()?;
    let kind = h.target_kind.value.as_str();
    let group = av.value.rsplit_once('/').map_or("", |(g, _)| g);
    if !matches!(kind, "Deployment" | "StatefulSet" | "ReplicaSet") || group == "apps" || group.contains('.') {
        return None;
    }
    let why = if group == "extensions" {
        format!("`{}` stopped serving {kind}s in Kubernetes 1.16", av.value)
    } else {
        format!("`{}` does not serve {kind}s", av.value)
    };
    Some(
        Diagnostic::new(
            META,
            av.span,
            format!("the {what} `{}` looks for {kind} `{}` in the wrong API group", s.name.value, h.target_name.value),
        )
        .label(why)
        .help(format!(
            "Use `apiVersion: apps/v1` in `scaleTargetRef`: the {what} cannot find its target and never scales."
        ))
        .resource(&s.resource),
    )
}

/// The target exists as an object the model keeps but does not read as a workload (an old
/// apiVersion, which NX002 reports), or as a custom resource.
fn defined_elsewhere(p: &Platform, s: &Scaler, h: &Hpa) -> bool {
    p.objects.iter().any(|o| {
        o.kind.value == h.target_kind.value
            && o.name_str() == h.target_name.value
            && same_namespace(o.namespace_str(), s.namespace.as_deref())
    })
}

fn missing(p: &Platform, s: &Scaler, h: &Hpa, what: &str) -> Diagnostic {
    let (kind, name) = (h.target_kind.value.as_str(), h.target_name.value.as_str());
    let near: Vec<&nexus_model::Workload> = p
        .index
        .workloads_near(p, s.namespace.as_deref())
        .into_iter()
        .map(|w| p.workload(w))
        .filter(|w| w.resource.format == Format::Kubernetes && !w.kind.is_batch() && w.kind != WorkloadKind::Pod)
        .filter(|w| same_namespace(w.namespace.as_deref(), s.namespace.as_deref()))
        .collect();
    let base = Diagnostic::new(
        META,
        h.target_name.span,
        format!("the {what} `{}` targets {kind} `{name}`, which is not defined", s.name.value),
    )
    .resource(&s.resource);
    // Another kind under that name: the kind is the slip.
    if let Some(w) = near.iter().find(|w| w.name.value == name) {
        return Diagnostic::new(
            META,
            h.target_kind.span,
            format!("the {what} `{}` targets {kind} `{name}`, but `{name}` is a {}", s.name.value, w.kind.as_str()),
        )
        .label(format!("no {kind} `{name}`"))
        .secondary(w.name.span, format!("{} `{name}`", w.kind.as_str()))
        .help(format!(
            "Set `scaleTargetRef.kind: {}`: the {what} never finds its target and never scales.",
            w.kind.as_str()
        ))
        .resource(&s.resource);
    }
    let same_kind: Vec<&str> = near.iter().filter(|w| w.kind.as_str() == kind).map(|w| w.name.value.as_str()).collect();
    match suggest(name, &same_kind).and_then(|n| near.iter().find(|w| w.name.value == n && w.kind.as_str() == kind)) {
        Some(w) => base
            .label(format!("no {kind} `{name}` here"))
            .secondary(w.name.span, format!("{kind} `{}`", w.name.value))
            .help(format!(
                "Did you mean `{}`? The {what} never finds `{name}`, so the workload it was meant for is never scaled.",
                w.name.value
            )),
        None => base
            .severity(Severity::Info)
            .label(format!("no {kind} `{name}` in these files"))
            .help("If another repository or chart deploys it, nothing is wrong; otherwise the HPA scales nothing."),
    }
}
