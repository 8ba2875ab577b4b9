//! Compiles the vendored Kubernetes JSON Schemas at build time (issue 15: nothing compiled at
//! start-up). The schemas are turned into a static arena of nodes — Rust source in
//! `$OUT_DIR/k8s_schema.rs`, included by `src/k8s/schema.rs` — with the corrections of
//! `src/k8s/schema_patches.rs` applied, plus the sorted `(apiVersion, kind)` table and the kinds
//! each API group serves. The compiled form is the same as the runtime compiler built before:
//! definitions first (in file order) so `$ref` can point at them by index, then each nested
//! schema after its parent's, depth first.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::Value;

include!("src/k8s/schema_patches.rs");

const SCHEMA: &str = "schemas/kubernetes/v1.37.0-strict.json";

#[derive(Default)]
struct Node {
    types: u8,
    properties: Vec<(String, usize)>,
    /// None: any additional property; Some(None): forbidden; Some(Some(i)): must match i.
    additional: Option<Option<usize>>,
    items: Option<usize>,
    required: Vec<String>,
    enumeration: Vec<String>,
    one_of: Vec<usize>,
    reference: Option<usize>,
    format: &'static str,
    minimum: Option<i64>,
    title: Option<String>,
}

struct Compiler<'a> {
    nodes: Vec<Node>,
    index: HashMap<&'a str, usize>,
}

fn type_bit(t: &str) -> u8 {
    match t {
        "object" => 1,
        "array" => 2,
        "string" => 4,
        "integer" => 8,
        "number" => 16,
        "boolean" => 32,
        "null" => 64,
        _ => 0,
    }
}

impl Compiler<'_> {
    fn node(&mut self, v: &Value) -> Node {
        let mut n = Node { format: "Other", ..Node::default() };
        if let Some(r) = v.get("$ref").and_then(Value::as_str) {
            n.reference = r.strip_prefix("#/$defs/").and_then(|name| self.index.get(name).copied());
        }
        match v.get("type") {
            Some(Value::String(t)) => n.types = type_bit(t),
            Some(Value::Array(ts)) => n.types = ts.iter().filter_map(Value::as_str).map(type_bit).fold(0, |a, b| a | b),
            _ => {}
        }
        if let Some(props) = v.get("properties").and_then(Value::as_object) {
            for (k, pv) in props {
                let child = self.child(pv);
                n.properties.push((k.clone(), child));
            }
            n.properties.sort_by(|a, b| a.0.cmp(&b.0));
        }
        match v.get("additionalProperties") {
            Some(Value::Bool(false)) => n.additional = Some(None),
            Some(a @ Value::Object(_)) => n.additional = Some(Some(self.child(a))),
            _ => {}
        }
        if let Some(items) = v.get("items") {
            n.items = Some(self.child(items));
        }
        if let Some(req) = v.get("required").and_then(Value::as_array) {
            n.required = req.iter().filter_map(Value::as_str).map(str::to_string).collect();
        }
        if let Some(e) = v.get("enum").and_then(Value::as_array) {
            n.enumeration = e.iter().filter_map(Value::as_str).map(str::to_string).collect();
        }
        if let Some(alts) = v.get("oneOf").and_then(Value::as_array) {
            n.one_of = alts.iter().map(|a| self.child(a)).collect();
        }
        n.format = match v.get("format").and_then(Value::as_str) {
            Some("int32") => "Int32",
            Some("byte") => "Base64",
            Some("date-time") => "DateTime",
            _ => "Other",
        };
        n
    }

    fn child(&mut self, v: &Value) -> usize {
        let node = self.node(v);
        self.nodes.push(node);
        self.nodes.len() - 1
    }
}

fn strs(out: &mut String, items: &[String]) {
    out.push_str("&[");
    for s in items {
        write!(out, "{s:?},").unwrap();
    }
    out.push(']');
}

fn opt(v: Option<usize>) -> String {
    v.map_or("N".into(), |i| format!("S({i})"))
}

fn main() {
    println!("cargo::rerun-if-changed={SCHEMA}");
    println!("cargo::rerun-if-changed=src/k8s/schema_patches.rs");
    println!("cargo::rerun-if-changed=build.rs");
    let json = std::fs::read_to_string(SCHEMA).expect("the vendored Kubernetes schema");
    let root: Value = serde_json::from_str(&json).expect("vendored schema is valid JSON");
    let defs = root.get("$defs").and_then(Value::as_object).expect("the schema has $defs");
    let mut c = Compiler { nodes: Vec::new(), index: HashMap::new() };
    for name in defs.keys() {
        c.index.insert(name, c.nodes.len());
        c.nodes.push(Node::default());
    }
    // (apiVersion, kind) → definition; a later definition wins, as it did at run time.
    let mut by_gvk: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut kinds: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (name, def) in defs {
        let id = c.index[name.as_str()];
        let mut node = c.node(def);
        node.title = Some(name.rsplit('.').next().unwrap_or(name).to_string());
        c.nodes[id] = node;
        for gvk in def.get("x-kubernetes-group-version-kind").and_then(Value::as_array).into_iter().flatten() {
            let group = gvk.get("group").and_then(Value::as_str).unwrap_or("");
            let version = gvk.get("version").and_then(Value::as_str).unwrap_or("");
            let kind = gvk.get("kind").and_then(Value::as_str).unwrap_or("");
            if kind.ends_with("List") || kind.is_empty() {
                continue;
            }
            let api_version = if group.is_empty() { version.to_string() } else { format!("{group}/{version}") };
            by_gvk.insert((api_version.clone(), kind.to_string()), id);
            kinds.entry(group.to_string()).or_default().push((kind.to_string(), api_version));
        }
    }
    for v in kinds.values_mut() {
        v.sort();
        v.dedup();
    }
    let property = |nodes: &[Node], def: &str, prop: &str| {
        let d = c.index.get(def).copied()?;
        nodes[d].properties.iter().find(|(k, _)| k == prop).map(|(_, i)| *i)
    };
    for (def, prop, values) in KNOWN_ENUMS {
        if let Some(i) = property(&c.nodes, def, prop)
            && c.nodes[i].reference.is_none()
        {
            c.nodes[i].enumeration = values.iter().map(|v| (*v).to_string()).collect();
        }
    }
    for (def, prop, min) in KNOWN_MINIMUMS {
        if let Some(i) = property(&c.nodes, def, prop) {
            c.nodes[i].minimum = Some(*min);
        }
    }

    let mut out = String::with_capacity(1 << 20);
    out.push_str("// Generated by crates/nexus-model/build.rs from the vendored schema: do not edit.\n");
    writeln!(out, "pub(super) static NODES: [Node; {}] = [", c.nodes.len()).unwrap();
    for n in &c.nodes {
        write!(out, "Node{{types:{},properties:&[", n.types).unwrap();
        for (k, i) in &n.properties {
            write!(out, "({k:?},{i}),").unwrap();
        }
        let additional = match n.additional {
            None => "N".to_string(),
            Some(None) => "S(N)".to_string(),
            Some(Some(i)) => format!("S(S({i}))"),
        };
        write!(out, "],additional:{additional},items:{},required:", opt(n.items)).unwrap();
        strs(&mut out, &n.required);
        out.push_str(",enumeration:");
        strs(&mut out, &n.enumeration);
        write!(out, ",one_of:&{:?},reference:{},format:Format::{},minimum:", n.one_of, opt(n.reference), n.format)
            .unwrap();
        match n.minimum {
            Some(m) => write!(out, "S({m})").unwrap(),
            None => out.push('N'),
        }
        match &n.title {
            Some(t) => writeln!(out, ",title:S({t:?})}},").unwrap(),
            None => out.push_str(",title:N},\n"),
        }
    }
    out.push_str("];\n");
    writeln!(out, "pub(super) static BY_GVK: [(&str, &str, usize); {}] = [", by_gvk.len()).unwrap();
    for ((api_version, kind), id) in &by_gvk {
        writeln!(out, "({api_version:?},{kind:?},{id}),").unwrap();
    }
    out.push_str("];\n");
    writeln!(out, "pub(super) static KINDS: [(&str, &[(&str, &str)]); {}] = [", kinds.len()).unwrap();
    for (group, list) in &kinds {
        write!(out, "({group:?},&[").unwrap();
        for (kind, api_version) in list {
            write!(out, "({kind:?},{api_version:?}),").unwrap();
        }
        out.push_str("]),\n");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("k8s_schema.rs");
    std::fs::write(dest, out).expect("writing the compiled schema");
}
