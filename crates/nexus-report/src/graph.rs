//! `nexus-lint graph`: the dependency graph — workloads, the Services that route to them, who
//! depends on whom, whether each dependency is gated (and by what), and each workload's
//! findings — as Mermaid (renders in GitHub Markdown), Graphviz DOT, or JSON.
//!
//! The graph arrives as plain data ([`Graph`]), built from the model by the caller; this module
//! only renders it.

use std::io::{self, Write};

use serde::Serialize;

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

/// Redacts every text of the graph that comes from the files (targets, names, conditions).
pub fn redact(g: &mut Graph, r: &crate::redact::Redactor) {
    let fix = |s: &mut String| {
        if let std::borrow::Cow::Owned(o) = r.text(s) {
            *s = o;
        }
    };
    for n in &mut g.workloads {
        fix(&mut n.name);
        fix(&mut n.resource);
    }
    for s in &mut g.services {
        fix(&mut s.name);
        fix(&mut s.resource);
    }
    for e in &mut g.edges {
        fix(&mut e.target);
    }
    for p in &mut g.plans {
        fix(&mut p.name);
        for s in &mut p.steps {
            s.objects.iter_mut().for_each(fix);
            if let Some(c) = &mut s.condition {
                fix(c);
            }
        }
    }
}

pub fn write_json(w: &mut dyn Write, g: &Graph) -> io::Result<()> {
    crate::json::write_value(w, g)
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

/// How a node is drawn, by its role.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Shape {
    Store,
    Queue,
    Job,
    Service,
}

fn shape_of(n: &GraphNode) -> Shape {
    match n.role {
        "datastore" | "cache" => Shape::Store,
        "queue" => Shape::Queue,
        "migration" | "one-shot" => Shape::Job,
        _ => Shape::Service,
    }
}

fn dot_escape(s: &str) -> String {
    crate::escape::text(s).replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
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
                let shape = match shape_of(n) {
                    Shape::Store => ", shape=cylinder",
                    Shape::Queue => ", shape=cds",
                    Shape::Job => ", shape=component",
                    Shape::Service => "",
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
    crate::escape::text(s).replace('"', "#quot;").replace('<', "#lt;").replace('>', "#gt;").replace('\n', "<br/>")
}

pub fn write_mermaid(w: &mut dyn Write, g: &Graph) -> io::Result<()> {
    writeln!(w, "flowchart LR")?;
    for (i, (group, members)) in groups(g).iter().enumerate() {
        writeln!(w, "  subgraph g{i}[\"{}\"]", mermaid_escape(group))?;
        for (id, is_workload) in members {
            if *is_workload {
                let n = g.workloads.iter().find(|n| n.id == *id).expect("member of its group");
                let label = mermaid_escape(&node_label(n));
                let (open, close) = match shape_of(n) {
                    Shape::Store => ("[(", ")]"),
                    Shape::Queue => ("[/", "/]"),
                    Shape::Job => ("[[", "]]"),
                    Shape::Service => ("(", ")"),
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
