//! NX304 hpa-bounds: see `rules/scaling/NX304-hpa-bounds.md`.

use crate::prelude::*;
use nexus_diagnostics::Severity;
use nexus_model::scaling::{DEFAULT_MIN_REPLICAS, autoscalers, is_keda};
use nexus_model::{Platform, Role, Scaler};

declare_rule!(Warning);

fn what(h: &nexus_model::Hpa) -> &'static str {
    if is_keda(h) { "ScaledObject" } else { "HPA" }
}

fn template<'a>(p: &'a Platform, s: &Scaler) -> Option<&'a str> {
    p.object(s.object).template.as_deref()
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for (s, h) in p.hpas() {
        let d =
            |span, message: String| Diagnostic::new(META, span, message).resource(&s.resource).template(template(p, s));
        let min = h.min_replicas.as_ref();
        let Some(max) = &h.max_replicas else { continue };
        let min_value = min.map_or(DEFAULT_MIN_REPLICAS, |m| m.value);
        if min_value > max.value {
            out.push(
                d(
                    min.map_or(max.span, |m| m.span),
                    format!(
                        "`{}` has a minimum of {min_value} replicas, above its maximum {}",
                        s.name.value, max.value
                    ),
                )
                .label("above `maxReplicas`")
                .secondary(max.span, "the maximum")
                .help("Make `minReplicas` at most `maxReplicas`: the API server rejects this autoscaler.")
                .severity(Severity::Error),
            );
            continue;
        }
        if let Some(min) = min.filter(|m| m.value == max.value) {
            out.push(
                d(
                    max.span,
                    format!("`{}` can never scale: its minimum and maximum are both {}", s.name.value, max.value),
                )
                .label("equal to the minimum")
                .secondary(min.span, "the minimum")
                .help(format!(
                    "Raise `maxReplicas` above {0} so the {1} can scale, or drop the {1} and set `replicas: {0}`.",
                    max.value,
                    what(h)
                )),
            );
            continue;
        }
        let Some(w) = h.target.map(|t| p.workload(t)) else { continue };
        // An earlier autoscaler of the same target that is applied with this one: in the same
        // namespace, written out, or in the same directory. (Overlays of one base each bring
        // their own autoscaler for the same target, and only one overlay is applied.)
        let first = autoscalers(p, w.id)
            .into_iter()
            .map(|(f, _)| f)
            .take_while(|f| f.id != s.id)
            .find(|f| applied_together(p, f, s))
            .map(|f| f.id);
        if let Some(first) = first {
            let other = &p.scalers[first.index()];
            out.push(
                d(
                    h.target_name.span,
                    format!(
                        "`{}` and `{}` both scale {} `{}`: they fight over its replica count",
                        s.name.value,
                        other.name.value,
                        w.kind.as_str(),
                        w.name.value
                    ),
                )
                .label("a second autoscaler on this target")
                .secondary(other.name.span, format!("`{}` scales it too", other.name.value))
                .help("Keep one autoscaler per workload and merge the metrics into it: the controller stops scaling a target several autoscalers claim (`AmbiguousSelector`)."),
            );
            continue;
        }
        // One pod at quiet times: a node drain or a crash takes the whole service down. (KEDA
        // scales to zero on purpose, for consumers of queues.)
        let serving = matches!(w.role, Role::Server | Role::Proxy) && p.endpoints_of(w.id).next().is_some();
        if min_value < 2 && serving && !is_keda(h) {
            let span = min.map_or(h.target_name.span, |m| m.span);
            let written = if min.is_some() { String::new() } else { " (the default)".to_string() };
            out.push(
                d(
                    span,
                    format!(
                        "`{}` scales `{}`, which serves traffic, down to {min_value} pod{written}",
                        s.name.value, w.name.value
                    ),
                )
                .label("a single pod at quiet times")
                .help("Set `minReplicas: 2` or more: with one pod, a node drain, an eviction or a crash is an outage until a new pod is ready.")
                .severity(Severity::Info),
            );
        }
    }
}

fn applied_together(p: &Platform, a: &Scaler, b: &Scaler) -> bool {
    let dir = |s: &Scaler| p.path(s.file).rsplit_once('/').map_or("", |(d, _)| d).to_string();
    match (&a.namespace, &b.namespace) {
        (Some(x), Some(y)) => x == y,
        _ => dir(a) == dir(b),
    }
}
