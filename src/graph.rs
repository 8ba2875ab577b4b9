//! The dependency graph of `nexus-lint graph`, built from the platform model and the finished
//! diagnostics as plain data for the reporters ([`nexus_report::graph`]).

use std::collections::BTreeMap;

use nexus_diagnostics::Diagnostic;
use nexus_model::gates::{gated, gating};
use nexus_model::{EdgeKind, Format, PlanAction, PlanKind, Platform, Role, WorkloadId};
use nexus_report::graph::{Graph, GraphEdge, GraphNode, GraphPlan, GraphService, GraphStep, Location};
use nexus_source::{SourceDb, Span};

fn location(db: &SourceDb, s: Span) -> Location {
    let f = db.get(s.file);
    let p = f.position(s.start);
    Location { file: f.path.clone(), line: p.line, column: p.column }
}

fn group(p: &Platform, ns: Option<&str>, project: Option<nexus_model::ProjectId>) -> String {
    match (project, ns) {
        (Some(pr), _) => format!("Compose project {}", p.projects.get(pr.index()).map_or("", |x| x.name.as_str())),
        (None, Some(ns)) => format!("Kubernetes namespace {ns}"),
        (None, None) => "Kubernetes".into(),
    }
}

fn node_id(w: WorkloadId) -> String {
    format!("w{}", w.0)
}

/// Builds the graph from the model and the (finished) diagnostics.
pub fn build(p: &Platform, db: &SourceDb, diags: &[Diagnostic]) -> Graph {
    let mut findings: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for d in diags {
        if let Some(r) = &d.resource {
            findings.entry(r.as_str()).or_default().push(d.code.to_string());
        }
    }
    let workloads = p
        .workloads
        .iter()
        .map(|w| {
            let resource = w.resource.to_string();
            let mut f = findings.get(resource.as_str()).cloned().unwrap_or_default();
            f.sort();
            GraphNode {
                id: node_id(w.id),
                name: w.name.value.clone(),
                kind: if w.resource.format == Format::Compose {
                    "Compose service".into()
                } else {
                    w.kind.as_str().to_string()
                },
                role: w.role.as_str(),
                group: group(p, w.namespace.as_deref(), w.project),
                location: location(db, w.name.span),
                findings: f,
                resource,
            }
        })
        .collect();
    let services = p
        .endpoints
        .iter()
        .filter(|e| e.resource.format == Format::Kubernetes)
        .map(|e| GraphService {
            id: format!("s{}", e.id.0),
            resource: e.resource.to_string(),
            name: e.name.value.clone(),
            group: group(p, e.namespace.as_deref(), None),
            targets: e.targets.iter().map(|t| node_id(*t)).collect(),
        })
        .collect();
    let mut edges: Vec<GraphEdge> = Vec::new();
    let mut index: BTreeMap<(WorkloadId, WorkloadId), usize> = BTreeMap::new();
    for e in &p.edges {
        let Some(prov) = e.provider else { continue };
        if prov == e.consumer {
            continue;
        }
        let key = (e.consumer, prov);
        if let Some(&i) = index.get(&key) {
            if e.confidence == nexus_model::Confidence::Explicit {
                edges[i].confidence = "explicit";
            }
            continue;
        }
        let mut gates: Vec<String> = p
            .gates
            .iter()
            .filter(|g| {
                g.consumer == e.consumer
                    && (g.provider == Some(prov) || matches!(g.kind, nexus_model::GateKind::Retries))
            })
            .map(|g| g.kind.label())
            .collect();
        gates.sort();
        gates.dedup();
        // A gate that holds only through what the consumer waits for.
        if gates.is_empty()
            && let Some(g) = gating(p, e.consumer, prov, e.endpoint).filter(|g| g.via.is_some())
        {
            let via = g.via.map(|v| p.workload(v).name.value.clone()).unwrap_or_default();
            gates.push(format!("via {via}"));
        }
        let target = match &e.kind {
            EdgeKind::Host { host, port: Some(port), .. } => format!("{host}:{port}"),
            EdgeKind::Host { host, .. } => host.clone(),
            _ => e.target.value.clone(),
        };
        index.insert(key, edges.len());
        edges.push(GraphEdge {
            consumer: node_id(e.consumer),
            provider: node_id(prov),
            via_service: e
                .endpoint
                .map(|id| p.endpoint(id))
                .filter(|ep| ep.resource.format == Format::Kubernetes)
                .map(|ep| format!("s{}", ep.id.0)),
            target,
            confidence: if e.confidence == nexus_model::Confidence::Explicit { "explicit" } else { "inferred" },
            gated: gated(p, e.consumer, prov, e.endpoint).is_some(),
            needs_gate: matches!(p.workload(prov).role, Role::Datastore | Role::Cache | Role::Queue),
            gates,
            evidence: location(db, e.target.span),
        });
    }
    let plans = p
        .plans
        .iter()
        .map(|plan| GraphPlan {
            kind: match plan.kind {
                PlanKind::Script => "script",
                PlanKind::Helm => "helm",
                PlanKind::Argo => "argo",
            },
            name: plan.name.clone(),
            steps: plan
                .steps
                .iter()
                .map(|s| {
                    let names = |ids: &[nexus_model::ObjectId]| -> Vec<String> {
                        ids.iter()
                            .map(|o| {
                                let o = p.object(*o);
                                format!("{}/{}", o.kind.value, o.name_str())
                            })
                            .collect()
                    };
                    let (action, objects, condition) = match &s.action {
                        PlanAction::Apply { objects, .. } => ("apply", names(objects), None),
                        PlanAction::Wait { objects, condition, .. } => {
                            ("wait", names(objects), Some(condition.clone()))
                        }
                        PlanAction::RolloutStatus { objects, .. } => ("rollout-status", names(objects), None),
                        PlanAction::Helm { release, .. } => ("helm", vec![release.clone()], None),
                        PlanAction::Sleep { .. } => ("sleep", Vec::new(), None),
                    };
                    GraphStep { action, objects, condition, location: location(db, s.span) }
                })
                .collect(),
        })
        .collect();
    Graph { version: 1, workloads, services, edges, plans }
}
