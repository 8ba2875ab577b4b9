//! NX302 hpa-replicas-conflict: see `rules/scaling/NX302-hpa-replicas-conflict.md`.

use crate::prelude::*;
use nexus_diagnostics::{Edit, Fix};
use nexus_model::scaling::{autoscalers, is_keda, min_replicas};

declare_rule!(Warning, fixable);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for w in &p.workloads {
        let Some(replicas) = &w.replicas else { continue };
        let scalers = autoscalers(p, w.id);
        // `replicas: 0` parks the workload: the HPA does not scale a target at zero.
        let Some((s, h)) = scalers.first() else { continue };
        if replicas.value == 0 {
            continue;
        }
        let what = if is_keda(h) { "ScaledObject" } else { "HPA" };
        let range = match &h.max_replicas {
            Some(max) => format!("between {} and {}", min_replicas(h), max.value),
            None => "automatically".to_string(),
        };
        let kind = w.kind.as_str();
        let ns = w.namespace.as_deref().map_or(String::new(), |n| format!(" -n {n}"));
        let mut d = Diagnostic::new(
            META,
            replicas.span,
            format!(
                "`{}` sets `replicas: {}` and is scaled by {what} `{}`: every apply resets it to {} pod{}",
                w.name.value,
                replicas.value,
                s.name.value,
                replicas.value,
                if replicas.value == 1 { "" } else { "s" }
            ),
        )
        .label("overrides the autoscaler on every apply")
        .secondary(h.target_name.span, format!("{what} `{}` scales it {range}", s.name.value))
        .help(format!(
            "Remove `spec.replicas` and let the {what} own the replica count. Once, before the next \
             `kubectl apply`, remove it from the last applied configuration too (`kubectl apply \
             edit-last-applied {}/{}{ns}`; with server-side apply, see \"Migrating Deployments and \
             StatefulSets to horizontal autoscaling\" in the Kubernetes docs), or that apply scales \
             the {kind} to 1.",
            kind.to_ascii_lowercase(),
            w.name.value,
        ))
        .resource(&w.resource)
        .template(w.template.as_deref());
        // A rendered Helm template is not the file to edit.
        if let Some(line) = w.controller.replicas_line.filter(|_| w.template.is_none()) {
            d = d.fix(Fix {
                message: format!("Remove `spec.replicas` from `{}`", w.name.value),
                edits: vec![Edit { span: line, replacement: String::new() }],
            });
        }
        out.push(d);
    }
}
