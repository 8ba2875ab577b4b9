//! Scaling objects: HorizontalPodAutoscalers (v2 and v1), KEDA ScaledObjects,
//! PodDisruptionBudgets and LimitRanges, and the label selectors they use.

use super::Piece;
use super::build::Cx;
use crate::read::{int_at, key_span, port_ref, str_at, string_list, string_map};
use crate::scaling::LimitRange;
use crate::{
    Hpa, HpaMetric, LabelSelector, ObjectId, Pdb, Requirement, Scaler, ScalerId, ScalerKind, ScalingRules, SelectorOp,
    Spanned,
};
use nexus_source::yaml::NodeRef;

fn scaler(cx: &Cx<'_>, piece: &Piece, kind: ScalerKind) -> Scaler {
    Scaler {
        id: ScalerId(0),
        object: ObjectId(0),
        resource: piece.object.resource.clone(),
        name: cx.name(),
        namespace: cx.namespace.clone(),
        file: cx.src.id,
        span: cx.root.span(),
        kind,
    }
}

fn scaling_rules(node: Option<NodeRef<'_>>) -> Option<ScalingRules> {
    let n = node?;
    Some(ScalingRules {
        span: n.span(),
        stabilization_seconds: int_at(n, "stabilizationWindowSeconds"),
        select_policy: str_at(n, "selectPolicy"),
        policies: n
            .get("policies")
            .map(|l| {
                l.items()
                    .filter_map(|p| {
                        let t = str_at(p, "type")?.value;
                        let v = int_at(p, "value")?.value;
                        let period = int_at(p, "periodSeconds")?.value;
                        Some(Spanned::new((t, v, period), p.span()))
                    })
                    .collect()
            })
            .unwrap_or_default(),
    })
}

pub(super) fn hpa(cx: &Cx<'_>, piece: &mut Piece) {
    let Some(spec) = cx.root.get("spec") else {
        return;
    };
    let Some(target) = spec.get("scaleTargetRef") else {
        return;
    };
    let v1 = piece.object.api_version.value == "autoscaling/v1";
    let mut metrics = Vec::new();
    if v1 && let Some(t) = spec.entry("targetCPUUtilizationPercentage") {
        metrics.push(HpaMetric {
            span: t.key.span().cover(t.value.span()),
            kind: "Resource".into(),
            resource: Some("cpu".into()),
            target_type: Some("Utilization".into()),
            container: None,
        });
    }
    for m in spec.get("metrics").into_iter().flat_map(|l| l.items()) {
        let kind = str_at(m, "type").map(|t| t.value).unwrap_or_default();
        let body = match kind.as_str() {
            "Resource" => m.get("resource"),
            "ContainerResource" => m.get("containerResource"),
            _ => None,
        };
        // autoscaling/v2beta1 wrote the target beside the name: `targetAverageUtilization`.
        let beta = |b: NodeRef<'_>| {
            if b.get("targetAverageUtilization").is_some() {
                Some("Utilization".to_string())
            } else {
                b.get("targetAverageValue").map(|_| "AverageValue".to_string())
            }
        };
        metrics.push(HpaMetric {
            span: m.span(),
            kind,
            resource: body.and_then(|b| str_at(b, "name")).map(|s| s.value),
            target_type: body
                .and_then(|b| b.get("target"))
                .and_then(|t| str_at(t, "type"))
                .map(|s| s.value)
                .or_else(|| body.and_then(beta)),
            container: body.and_then(|b| str_at(b, "container")).map(|s| s.value),
        });
    }
    let behavior = spec.get("behavior");
    let h = Hpa {
        api_version: piece.object.api_version.value.clone(),
        target_kind: str_at(target, "kind").unwrap_or_else(|| Spanned::new(String::new(), target.span())),
        target_name: str_at(target, "name").unwrap_or_else(|| Spanned::new(String::new(), target.span())),
        target_api_version: str_at(target, "apiVersion"),
        target_span: target.span(),
        min_replicas: int_at(spec, "minReplicas"),
        max_replicas: int_at(spec, "maxReplicas"),
        metrics,
        scale_up: scaling_rules(behavior.and_then(|b| b.get("scaleUp"))),
        scale_down: scaling_rules(behavior.and_then(|b| b.get("scaleDown"))),
        target: None,
    };
    piece.scaler = Some(Box::new(scaler(cx, piece, ScalerKind::Hpa(Box::new(h)))));
}

/// A KEDA ScaledObject drives an HPA; model it as one (defaults from KEDA's docs: minReplicaCount
/// 0, maxReplicaCount 100, target kind Deployment).
pub(super) fn keda(cx: &Cx<'_>, piece: &mut Piece) {
    let Some(spec) = cx.root.get("spec") else {
        return;
    };
    let Some(target) = spec.get("scaleTargetRef") else {
        return;
    };
    let behavior = spec.path(&["advanced", "horizontalPodAutoscalerConfig", "behavior"]);
    let h = Hpa {
        api_version: piece.object.api_version.value.clone(),
        target_kind: str_at(target, "kind").unwrap_or_else(|| Spanned::new("Deployment".into(), target.span())),
        target_name: str_at(target, "name").unwrap_or_else(|| Spanned::new(String::new(), target.span())),
        target_api_version: str_at(target, "apiVersion"),
        target_span: target.span(),
        min_replicas: int_at(spec, "minReplicaCount").or(Some(Spanned::new(0, target.span()))),
        max_replicas: int_at(spec, "maxReplicaCount").or(Some(Spanned::new(100, target.span()))),
        metrics: spec.get("triggers").into_iter().flat_map(|l| l.items()).map(keda_trigger).collect(),
        scale_up: scaling_rules(behavior.and_then(|b| b.get("scaleUp"))),
        scale_down: scaling_rules(behavior.and_then(|b| b.get("scaleDown"))),
        target: None,
    };
    piece.scaler = Some(Box::new(scaler(cx, piece, ScalerKind::Hpa(Box::new(h)))));
}

/// A KEDA trigger. The `cpu` and `memory` scalers become the HPA's resource metrics —
/// `ContainerResource` when they name a container — with KEDA's `metricType` (older KEDA:
/// `metadata.type`), `Utilization` by default; the others are external metrics.
fn keda_trigger(t: NodeRef<'_>) -> HpaMetric {
    let kind = str_at(t, "type").map(|s| s.value).unwrap_or_default();
    if kind == "cpu" || kind == "memory" {
        let meta = t.get("metadata");
        let container = meta.and_then(|m| str_at(m, "containerName")).map(|s| s.value);
        let target_type = str_at(t, "metricType")
            .or_else(|| meta.and_then(|m| str_at(m, "type")))
            .map_or_else(|| "Utilization".to_string(), |s| s.value);
        return HpaMetric {
            span: t.span(),
            kind: if container.is_some() { "ContainerResource" } else { "Resource" }.into(),
            resource: Some(kind),
            target_type: Some(target_type),
            container,
        };
    }
    HpaMetric { span: t.span(), kind: "External".into(), resource: Some(kind), target_type: None, container: None }
}

/// A LimitRange: the resources whose request it gives the containers that set none. Admission
/// sets a container's missing request from the `Container` item's `defaultRequest`, else from
/// its `default` limit (which becomes the limit, and the request follows the limit).
pub(super) fn limit_range(cx: &Cx<'_>, piece: &mut Piece) {
    let mut resources: Vec<String> = Vec::new();
    for item in cx.root.path(&["spec", "limits"]).into_iter().flat_map(|l| l.items()) {
        if str_at(item, "type").is_none_or(|t| t.value != "Container") {
            continue;
        }
        for key in ["defaultRequest", "default"] {
            for e in item.get(key).into_iter().flat_map(|m| m.entries()) {
                if let Some(k) = e.key.as_str()
                    && !resources.iter().any(|r| r == k)
                {
                    resources.push(k.to_string());
                }
            }
        }
    }
    piece.limit_range = Some(Box::new(LimitRange {
        object: ObjectId(0),
        name: cx.name(),
        namespace: cx.namespace.clone(),
        span: cx.root.span(),
        default_requests: resources,
    }));
}

pub fn label_selector(node: NodeRef<'_>) -> LabelSelector {
    let mut s = LabelSelector { match_labels: string_map(node.get("matchLabels")), match_expressions: Vec::new() };
    for e in node.get("matchExpressions").into_iter().flat_map(|l| l.items()) {
        let (Some(key), Some(op)) = (str_at(e, "key"), str_at(e, "operator").and_then(|o| SelectorOp::parse(&o.value)))
        else {
            continue;
        };
        s.match_expressions.push(Requirement {
            key: key.value,
            op,
            values: string_list(e.get("values")).into_iter().map(|v| v.value).collect(),
        });
    }
    s
}

pub(super) fn pdb(cx: &Cx<'_>, piece: &mut Piece) {
    let Some(spec) = cx.root.get("spec") else {
        return;
    };
    let sel = spec.get("selector");
    let p = Pdb {
        selector: sel.map(label_selector).unwrap_or_default(),
        selector_span: sel.map_or(spec.span(), |_| key_span(spec, "selector")),
        min_available: spec.get("minAvailable").and_then(port_ref),
        max_unavailable: spec.get("maxUnavailable").and_then(port_ref),
        targets: Vec::new(),
    };
    piece.scaler = Some(Box::new(scaler(cx, piece, ScalerKind::Pdb(p))));
}
