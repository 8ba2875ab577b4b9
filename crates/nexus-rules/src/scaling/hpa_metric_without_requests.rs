//! NX303 hpa-metric-without-requests: see `rules/scaling/NX303-hpa-metric-without-requests.md`.

use crate::prelude::*;
use nexus_model::scaling::{DEFAULT_CPU_UTILIZATION, Request, counted_containers, is_keda, request};
use nexus_model::{Hpa, Platform, Scaler, Span, Workload};

declare_rule!(Warning);

/// A Utilization metric: its resource, the container it is restricted to, and where it is.
struct Metric<'a> {
    resource: &'a str,
    container: Option<&'a str>,
    span: Span,
    implied: bool,
}

fn utilization_metrics<'a>(s: &Scaler, h: &'a Hpa) -> Vec<Metric<'a>> {
    if h.metrics.is_empty() && !is_keda(h) {
        // No metric: the API defaults to CPU at 80% utilization.
        return vec![Metric { resource: "cpu", container: None, span: s.name.span, implied: true }];
    }
    h.metrics
        .iter()
        .filter(|m| matches!(m.kind.as_str(), "Resource" | "ContainerResource"))
        .filter(|m| m.target_type.as_deref() == Some("Utilization"))
        .filter_map(|m| {
            Some(Metric {
                resource: m.resource.as_deref()?,
                container: m.container.as_deref().filter(|_| m.kind == "ContainerResource"),
                span: m.span,
                implied: false,
            })
        })
        .collect()
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for (s, h) in p.hpas() {
        let Some(w) = h.target.map(|t| p.workload(t)) else { continue };
        for m in utilization_metrics(s, h) {
            if let Some(d) = judge(p, s, w, &m) {
                out.push(d.resource(&s.resource).template(p.object(s.object).template.as_deref()).key(m.resource));
            }
        }
    }
}

fn judge(p: &Platform, s: &Scaler, w: &Workload, m: &Metric<'_>) -> Option<Diagnostic> {
    let what = if m.implied {
        format!("`{}` utilization (the default metric, {DEFAULT_CPU_UTILIZATION}%)", m.resource)
    } else {
        format!("`{}` utilization", m.resource)
    };
    let Some(containers) = counted_containers(w, m.container) else {
        let name = m.container.unwrap_or_default();
        return Some(
            Diagnostic::new(
                META,
                m.span,
                format!(
                    "`{}` scales on {what} of container `{name}`, which pods of `{}` do not have",
                    s.name.value, w.name.value
                ),
            )
            .label(format!("no container `{name}`"))
            .secondary(w.name.span, format!("`{}`", w.name.value))
            .help("Name a container of the pod template: the controller finds no metric and never scales."),
        );
    };
    let missing: Vec<&nexus_model::Container> =
        containers.into_iter().filter(|c| request(p, w, c, m.resource) == Request::Missing).collect();
    missing.first()?;
    let names: Vec<String> = missing.iter().map(|c| format!("`{}`", c.name.value)).collect();
    let (these, have) = if missing.len() == 1 { ("container", "has") } else { ("containers", "have") };
    let mut d = Diagnostic::new(
        META,
        m.span,
        format!(
            "`{}` scales `{}` on {what}, but {these} {} {have} no `{}` request",
            s.name.value,
            w.name.value,
            names.join(", "),
            m.resource
        ),
    )
    .label("utilization is undefined without a request: the autoscaler takes no action")
    .help(format!(
        "Set `resources.requests.{}` on {}: the controller divides usage by the sum of the requests \
         of every container{}, and does not scale when one is missing.",
        m.resource,
        names.join(", "),
        if m.container.is_some() { " it measures" } else { " and native sidecar" }
    ));
    for c in &missing {
        d = d.secondary(c.name.span, format!("no `{}` request", m.resource));
    }
    Some(d)
}
