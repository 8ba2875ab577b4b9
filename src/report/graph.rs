//! `nexus-lint graph`: the dependency graph — workloads, the Services that route to them, who
//! depends on whom, whether each dependency is gated (and by what), and each workload's
//! findings — as Mermaid (renders in GitHub Markdown), Graphviz DOT, or JSON.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostics::Diagnostic;
use crate::model::gates::gated;
use crate::model::{EdgeKind, Format, PlanAction, PlanKind, Platform, Role, WorkloadId};
use crate::source::{SourceDb, Span};

/// One dependency between two workloads, merged over all its evidence.
#[derive(Debug, Clone, Serialize)]
pub struct GraphEdge {
    pub consumer: String,
    pub provider: String,
    /// The Service it goes through, if any.
    pub via_service: Option<String>,
    /// `host:port` or the declared name.
    pub target: String,
    /// `explicit` or `inferred`.
    pub confidence: &'static str,
    /// The gate kinds that make the consumer wait, empty when nothing does.
    pub gates: Vec<String>,
    pub gated: bool,
    /// The provider is a datastore, cache or queue: an ungated edge is a finding (NX101).
    pub needs_gate: bool,
    pub evidence: Location,
}

#[derive(Debug, Clone, Serialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct GraphNode {
    pub id: String,
    pub resource: String,
    pub name: String,
    pub kind: String,
    pub role: &'static str,
    /// `Kubernetes namespace X`, `Kubernetes (no namespace)` or `Compose project X`.
    pub group: String,
    pub location: Location,
    /// Codes of the findings on this workload, sorted, with repeats.
    pub findings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GraphService {
    pub id: String,
    pub resource: String,
    pub name: String,
    pub group: String,
    /// Node ids of the workloads it routes to.
    pub targets: Vec<String>,
}

/// One step of a deploy plan.
#[derive(Debug, Clone, Serialize)]
pub struct GraphStep {
    /// `apply`, `wait`, `rollout-status`, `helm`, `sleep`.
    pub action: &'static str,
    /// `Kind/name` of the objects it creates or waits for.
    pub objects: Vec<String>,
    /// The wait condition, for waits.
    pub condition: Option<String>,
    pub location: Location,
}

/// A deploy plan: a script's steps, a Helm release's install order, an Argo CD sync.
#[derive(Debug, Clone, Serialize)]
pub struct GraphPlan {
    /// `script`, `helm`, `argo`.
    pub kind: &'static str,
    pub name: String,
    pub steps: Vec<GraphStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Graph {
    pub version: u32,
    pub workloads: Vec<GraphNode>,
    pub services: Vec<GraphService>,
    pub edges: Vec<GraphEdge>,
    pub plans: Vec<GraphPlan>,
}

fn location(db: &SourceDb, s: Span) -> Location {
    let f = db.get(s.file);
    let p = f.position(s.start);
    Location { file: f.path.clone(), line: p.line, column: p.column }
}

fn group(p: &Platform, ns: Option<&str>, project: Option<crate::model::ProjectId>) -> String {
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
            if e.confidence == crate::model::Confidence::Explicit {
                edges[i].confidence = "explicit";
            }
            continue;
        }
        let mut gates: Vec<String> = p
            .gates
            .iter()
            .filter(|g| {
                g.consumer == e.consumer
                    && (g.provider == Some(prov) || matches!(g.kind, crate::model::GateKind::Retries))
            })
            .map(|g| g.kind.label())
            .collect();
        gates.sort();
        gates.dedup();
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
            confidence: if e.confidence == crate::model::Confidence::Explicit { "explicit" } else { "inferred" },
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
                    let names = |ids: &[crate::model::ObjectId]| -> Vec<String> {
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

pub fn write_json(w: &mut dyn Write, g: &Graph) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, g)?;
    writeln!(w)
}

fn node_label(n: &GraphNode) -> String {
    let mut s = format!("{}\n{} · {}", n.name, n.kind, n.role);
    if !n.findings.is_empty() {
        let mut codes = n.findings.clone();
        codes.dedup();
        s.push_str(&format!("\n⚠ {}", codes.join(" ")));
    }
    s
}

fn role_of(n: &GraphNode) -> Option<Role> {
    Role::parse(n.role)
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Node and service ids by group, in first-seen order.
fn groups(g: &Graph) -> Vec<(&str, Vec<(&str, bool)>)> {
    let mut out: Vec<(&str, Vec<(&str, bool)>)> = Vec::new();
    let items = g
        .workloads
        .iter()
        .map(|n| (n.group.as_str(), n.id.as_str(), true))
        .chain(g.services.iter().map(|s| (s.group.as_str(), s.id.as_str(), false)));
    for (group, id, is_workload) in items {
        match out.iter_mut().find(|(k, _)| *k == group) {
            Some((_, v)) => v.push((id, is_workload)),
            None => out.push((group, vec![(id, is_workload)])),
        }
    }
    out
}

pub fn write_dot(w: &mut dyn Write, g: &Graph) -> io::Result<()> {
    writeln!(w, "digraph nexus {{")?;
    writeln!(w, "  rankdir=LR;")?;
    writeln!(w, "  compound=true;")?;
    writeln!(
        w,
        "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", fontsize=11];"
    )?;
    writeln!(w, "  edge [fontname=\"Helvetica\", fontsize=9];")?;
    for (i, (group, members)) in groups(g).iter().enumerate() {
        writeln!(w, "  subgraph cluster_{i} {{")?;
        writeln!(w, "    label=\"{}\"; style=rounded; color=\"#90a4ae\"; fontname=\"Helvetica\";", dot_escape(group))?;
        for (id, is_workload) in members {
            if *is_workload {
                let n = g.workloads.iter().find(|n| n.id == *id).expect("member of its group");
                let shape = match role_of(n) {
                    Some(Role::Datastore | Role::Cache) => ", shape=cylinder",
                    Some(Role::Queue) => ", shape=cds",
                    Some(Role::Migration | Role::OneShot) => ", shape=component",
                    _ => "",
                };
                let fill = if n.findings.is_empty() { "" } else { ", fillcolor=\"#fdecea\", color=\"#c62828\"" };
                writeln!(w, "    {} [label=\"{}\"{shape}{fill}];", n.id, dot_escape(&node_label(n)))?;
            } else {
                let s = g.services.iter().find(|s| s.id == *id).expect("member of its group");
                writeln!(
                    w,
                    "    {} [label=\"{}\", shape=ellipse, style=dashed];",
                    s.id,
                    dot_escape(&format!("Service {}", s.name))
                )?;
            }
        }
        writeln!(w, "  }}")?;
    }
    for s in &g.services {
        for t in &s.targets {
            writeln!(w, "  {} -> {} [style=dotted, color=\"#9e9e9e\", arrowhead=none];", s.id, t)?;
        }
    }
    for e in &g.edges {
        let (style, label) = if e.gated {
            ("color=\"#2e7d32\"", format!("{}\n{}", e.target, e.gates.join(", ")))
        } else if e.needs_gate {
            ("color=\"#c62828\", style=dashed, penwidth=2", format!("{}\nnot awaited", e.target))
        } else {
            ("color=\"#757575\", style=dashed", format!("{}\nungated", e.target))
        };
        writeln!(w, "  {} -> {} [label=\"{}\", {style}];", e.consumer, e.provider, dot_escape(&label))?;
    }
    writeln!(w, "}}")
}

fn mermaid_escape(s: &str) -> String {
    s.replace('"', "#quot;").replace('<', "#lt;").replace('>', "#gt;").replace('\n', "<br/>")
}

pub fn write_mermaid(w: &mut dyn Write, g: &Graph) -> io::Result<()> {
    writeln!(w, "flowchart LR")?;
    for (i, (group, members)) in groups(g).iter().enumerate() {
        writeln!(w, "  subgraph g{i}[\"{}\"]", mermaid_escape(group))?;
        for (id, is_workload) in members {
            if *is_workload {
                let n = g.workloads.iter().find(|n| n.id == *id).expect("member of its group");
                let label = mermaid_escape(&node_label(n));
                let (open, close) = match role_of(n) {
                    Some(Role::Datastore | Role::Cache) => ("[(", ")]"),
                    Some(Role::Queue) => ("[/", "/]"),
                    Some(Role::Migration | Role::OneShot) => ("[[", "]]"),
                    _ => ("(", ")"),
                };
                writeln!(w, "    {}{open}\"{label}\"{close}", n.id)?;
            } else {
                let s = g.services.iter().find(|s| s.id == *id).expect("member of its group");
                writeln!(w, "    {}{{{{\"{}\"}}}}", s.id, mermaid_escape(&format!("Service {}", s.name)))?;
            }
        }
        writeln!(w, "  end")?;
    }
    let mut link = 0usize;
    for s in &g.services {
        for t in &s.targets {
            writeln!(w, "  {} -.- {}", s.id, t)?;
            link += 1;
        }
    }
    let (mut red, mut grey) = (Vec::new(), Vec::new());
    for e in &g.edges {
        if e.gated {
            let label = mermaid_escape(&format!("{}: {}", e.target, e.gates.join(", ")));
            writeln!(w, "  {} -->|\"{label}\"| {}", e.consumer, e.provider)?;
        } else {
            let what = if e.needs_gate { "not awaited" } else { "ungated" };
            let label = mermaid_escape(&format!("{}: {what}", e.target));
            writeln!(w, "  {} -.->|\"{label}\"| {}", e.consumer, e.provider)?;
            if e.needs_gate {
                red.push(link)
            } else {
                grey.push(link)
            };
        }
        link += 1;
    }
    writeln!(w, "  classDef finding fill:#fdecea,stroke:#c62828")?;
    let flagged: Vec<&str> = g.workloads.iter().filter(|n| !n.findings.is_empty()).map(|n| n.id.as_str()).collect();
    if !flagged.is_empty() {
        writeln!(w, "  class {} finding", flagged.join(","))?;
    }
    for (ids, style) in [(red, "stroke:#c62828,stroke-width:2px"), (grey, "stroke:#757575")] {
        if !ids.is_empty() {
            let ids: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
            writeln!(w, "  linkStyle {} {style}", ids.join(","))?;
        }
    }
    Ok(())
}
