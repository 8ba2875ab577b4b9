//! Strict validation of Kubernetes objects against the vendored 1.37 JSON Schemas.
//!
//! The schemas use a small, fixed subset of JSON Schema (`type`, `$ref`, `properties`,
//! `additionalProperties`, `items`, `required`, `enum`, `format`, and `oneOf` for IntOrString and
//! Quantity), so they are compiled once into an arena and checked by a walk over the spanned
//! tree. That gives each error the exact key or value span, a did-you-mean suggestion for
//! unknown fields and enum values, and runs far faster than a general validator on a converted
//! copy — the 10,000-document benchmark depends on it (docs/architecture.md).

use std::collections::HashMap;
use std::sync::OnceLock;

use base64::Engine;
use serde_json::Value;

use crate::redact::is_secret_name;
use crate::suggest;
use nexus_source::Span;
use nexus_source::yaml::{NodeKind, NodeRef, Plain};

const SCHEMA_JSON: &str = include_str!("../../schemas/kubernetes/v1.37.0-strict.json");
/// The Kubernetes version the vendored schemas describe.
pub const KUBERNETES_VERSION: &str = "1.37";
const MAX_ERRORS_PER_OBJECT: usize = 25;

/// Enumerations that the API documents only in prose (the OpenAPI spec has no `enum` for them),
/// so the schemas cannot carry them: the values from the API reference for 1.37.
const KNOWN_ENUMS: &[(&str, &str, &[&str])] = &[
    ("io.k8s.api.core.v1.PodSpec", "restartPolicy", &["Always", "OnFailure", "Never"]),
    ("io.k8s.api.core.v1.PodSpec", "dnsPolicy", &["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]),
    ("io.k8s.api.core.v1.Container", "imagePullPolicy", &["Always", "IfNotPresent", "Never"]),
    ("io.k8s.api.core.v1.Container", "restartPolicy", &["Always"]),
    ("io.k8s.api.core.v1.Container", "terminationMessagePolicy", &["File", "FallbackToLogsOnError"]),
    ("io.k8s.api.core.v1.ContainerPort", "protocol", &["TCP", "UDP", "SCTP"]),
    ("io.k8s.api.core.v1.ServicePort", "protocol", &["TCP", "UDP", "SCTP"]),
    ("io.k8s.api.core.v1.ServiceSpec", "type", &["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]),
    ("io.k8s.api.core.v1.ServiceSpec", "externalTrafficPolicy", &["Cluster", "Local"]),
    ("io.k8s.api.core.v1.ServiceSpec", "internalTrafficPolicy", &["Cluster", "Local"]),
    ("io.k8s.api.core.v1.ServiceSpec", "sessionAffinity", &["ClientIP", "None"]),
    ("io.k8s.api.apps.v1.DeploymentStrategy", "type", &["Recreate", "RollingUpdate"]),
    ("io.k8s.api.apps.v1.StatefulSetSpec", "podManagementPolicy", &["OrderedReady", "Parallel"]),
    ("io.k8s.api.apps.v1.StatefulSetUpdateStrategy", "type", &["OnDelete", "RollingUpdate"]),
    ("io.k8s.api.apps.v1.DaemonSetUpdateStrategy", "type", &["OnDelete", "RollingUpdate"]),
    ("io.k8s.api.batch.v1.JobSpec", "completionMode", &["NonIndexed", "Indexed"]),
    ("io.k8s.api.batch.v1.CronJobSpec", "concurrencyPolicy", &["Allow", "Forbid", "Replace"]),
    ("io.k8s.api.core.v1.PersistentVolumeClaimSpec", "volumeMode", &["Filesystem", "Block"]),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement",
        "operator",
        &["In", "NotIn", "Exists", "DoesNotExist"],
    ),
    ("io.k8s.api.autoscaling.v2.MetricSpec", "type", &["ContainerResource", "External", "Object", "Pods", "Resource"]),
    ("io.k8s.api.autoscaling.v2.MetricTarget", "type", &["AverageValue", "Utilization", "Value"]),
    ("io.k8s.api.autoscaling.v2.HPAScalingRules", "selectPolicy", &["Disabled", "Max", "Min"]),
    ("io.k8s.api.autoscaling.v2.HPAScalingPolicy", "type", &["Percent", "Pods"]),
    ("io.k8s.api.networking.v1.NetworkPolicyPort", "protocol", &["TCP", "UDP", "SCTP"]),
    ("io.k8s.api.networking.v1.HTTPIngressPath", "pathType", &["Exact", "ImplementationSpecific", "Prefix"]),
];

/// Lower bounds that the API server enforces in validation code, not in the OpenAPI spec
/// (`ValidateNonnegativeField` and friends in `pkg/apis/*/validation`): a negative replica
/// count is rejected at apply time.
const KNOWN_MINIMUMS: &[(&str, &str, i64)] = &[
    ("io.k8s.api.apps.v1.DeploymentSpec", "replicas", 0),
    ("io.k8s.api.apps.v1.StatefulSetSpec", "replicas", 0),
    ("io.k8s.api.apps.v1.ReplicaSetSpec", "replicas", 0),
    ("io.k8s.api.core.v1.ReplicationControllerSpec", "replicas", 0),
    ("io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec", "minReplicas", 1),
    ("io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec", "maxReplicas", 1),
    ("io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerSpec", "minReplicas", 1),
    ("io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerSpec", "maxReplicas", 1),
    ("io.k8s.api.batch.v1.JobSpec", "parallelism", 0),
    ("io.k8s.api.batch.v1.JobSpec", "completions", 0),
    ("io.k8s.api.batch.v1.JobSpec", "backoffLimit", 0),
];

/// API groups that Kubernetes served once and has removed: their objects are Kubernetes objects
/// under an API that no longer exists, not custom resources.
const RETIRED_GROUPS: &[&str] = &["extensions"];

const T_OBJECT: u8 = 1;
const T_ARRAY: u8 = 2;
const T_STRING: u8 = 4;
const T_INTEGER: u8 = 8;
const T_NUMBER: u8 = 16;
const T_BOOLEAN: u8 = 32;
const T_NULL: u8 = 64;

#[derive(Debug, Default)]
struct Node {
    /// Bitmask of allowed types; 0 means any.
    types: u8,
    properties: Vec<(Box<str>, usize)>,
    /// None: any additional property; Some(None): forbidden; Some(Some(i)): must match i.
    additional: Option<Option<usize>>,
    items: Option<usize>,
    required: Vec<Box<str>>,
    enumeration: Vec<Box<str>>,
    one_of: Vec<usize>,
    reference: Option<usize>,
    format: Format,
    /// The smallest integer allowed ([`KNOWN_MINIMUMS`]).
    minimum: Option<i64>,
    /// The definition's short name (`PodSpec`), for messages.
    title: Option<Box<str>>,
}

/// The `format`s the validator checks (the others need no check beyond the type).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
enum Format {
    #[default]
    Other,
    Int32,
    /// `byte`: standard base64, as the API server decodes it.
    Base64,
    DateTime,
}

/// `2026-11-30T12:00:00Z`, `2026-11-30T12:00:00.5+01:00` (RFC 3339 `date-time`).
fn is_rfc3339(v: &str) -> bool {
    let b = v.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if b.len() < 20 || !(digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10)) {
        return false;
    }
    let time = digits(11..13) && b[13] == b':' && digits(14..16) && b[16] == b':';
    if !(matches!(b[10], b'T' | b't') && time) {
        return false;
    }
    if !digits(17..19) {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &b[i..] {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()),
        _ => false,
    }
}

/// The compiled schemas.
#[derive(Debug)]
pub struct Schema {
    nodes: Vec<Node>,
    /// (apiVersion, kind) → root node.
    by_gvk: HashMap<(String, String), usize>,
    /// Kinds by group, for "which apiVersion serves this kind" and kind suggestions.
    kinds: std::collections::BTreeMap<String, Vec<(String, String)>>,
}

/// One schema violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

/// How an apiVersion/kind pair relates to the schema.
#[derive(Debug, PartialEq, Eq)]
pub enum KindStatus {
    Known,
    /// The group is Kubernetes' but does not serve this kind at this version.
    WrongVersion {
        served: Vec<String>,
    },
    /// The group is Kubernetes' and has no such kind; maybe a typo.
    UnknownInGroup {
        suggestion: Option<String>,
    },
    /// Not a Kubernetes API group: a CRD or another tool's kind.
    Foreign,
}

pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema::compile(SCHEMA_JSON))
}

fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.rsplit_once('/').unwrap_or(("", api_version))
}

impl Schema {
    fn compile(json: &str) -> Schema {
        let root: Value = serde_json::from_str(json).expect("vendored schema is valid JSON");
        let none = serde_json::Map::new();
        let defs = root.get("$defs").and_then(Value::as_object).unwrap_or(&none);
        let mut s = Schema { nodes: Vec::new(), by_gvk: HashMap::new(), kinds: std::collections::BTreeMap::new() };
        // Definitions first, so `$ref` can point at them by index.
        let mut index: HashMap<String, usize> = HashMap::new();
        for name in defs.keys() {
            index.insert(name.clone(), s.nodes.len());
            s.nodes.push(Node::default());
        }
        for (name, def) in defs {
            let id = index[name];
            let node = s.compile_node(def, &index);
            s.nodes[id] = node;
            s.nodes[id].title = Some(name.rsplit('.').next().unwrap_or(name).into());
            for gvk in def.get("x-kubernetes-group-version-kind").and_then(Value::as_array).into_iter().flatten() {
                let group = gvk.get("group").and_then(Value::as_str).unwrap_or("");
                let version = gvk.get("version").and_then(Value::as_str).unwrap_or("");
                let kind = gvk.get("kind").and_then(Value::as_str).unwrap_or("");
                if kind.ends_with("List") || kind.is_empty() {
                    continue;
                }
                let api_version = if group.is_empty() { version.to_string() } else { format!("{group}/{version}") };
                s.by_gvk.insert((api_version.clone(), kind.to_string()), id);
                s.kinds.entry(group.to_string()).or_default().push((kind.to_string(), api_version));
            }
        }
        for v in s.kinds.values_mut() {
            v.sort();
            v.dedup();
        }
        for (def, prop, values) in KNOWN_ENUMS {
            let Some(&d) = index.get(*def) else { continue };
            let found = s.nodes[d].properties.iter().find(|(k, _)| &**k == *prop).map(|(_, i)| *i);
            if let Some(i) = found
                && s.nodes[i].reference.is_none()
            {
                s.nodes[i].enumeration = values.iter().map(|v| (*v).into()).collect();
            }
        }
        for (def, prop, min) in KNOWN_MINIMUMS {
            let Some(&d) = index.get(*def) else { continue };
            if let Some(i) = s.nodes[d].properties.iter().find(|(k, _)| &**k == *prop).map(|(_, i)| *i) {
                s.nodes[i].minimum = Some(*min);
            }
        }
        s
    }

    fn compile_node(&mut self, v: &Value, index: &HashMap<String, usize>) -> Node {
        let mut n = Node::default();
        if let Some(r) = v.get("$ref").and_then(Value::as_str) {
            n.reference = r.strip_prefix("#/$defs/").and_then(|name| index.get(name).copied());
        }
        match v.get("type") {
            Some(Value::String(t)) => n.types = type_bit(t),
            Some(Value::Array(ts)) => n.types = ts.iter().filter_map(Value::as_str).map(type_bit).fold(0, |a, b| a | b),
            _ => {}
        }
        if let Some(props) = v.get("properties").and_then(Value::as_object) {
            for (k, pv) in props {
                let child = self.child(pv, index);
                n.properties.push((k.as_str().into(), child));
            }
            n.properties.sort_by(|a, b| a.0.cmp(&b.0));
        }
        match v.get("additionalProperties") {
            Some(Value::Bool(false)) => n.additional = Some(None),
            Some(a @ Value::Object(_)) => n.additional = Some(Some(self.child(a, index))),
            _ => {}
        }
        if let Some(items) = v.get("items") {
            n.items = Some(self.child(items, index));
        }
        if let Some(req) = v.get("required").and_then(Value::as_array) {
            n.required = req.iter().filter_map(Value::as_str).map(Into::into).collect();
        }
        if let Some(e) = v.get("enum").and_then(Value::as_array) {
            n.enumeration = e.iter().filter_map(Value::as_str).map(Into::into).collect();
        }
        if let Some(alts) = v.get("oneOf").and_then(Value::as_array) {
            n.one_of = alts.iter().map(|a| self.child(a, index)).collect();
        }
        n.format = match v.get("format").and_then(Value::as_str) {
            Some("int32") => Format::Int32,
            Some("byte") => Format::Base64,
            Some("date-time") => Format::DateTime,
            _ => Format::Other,
        };
        n
    }

    fn child(&mut self, v: &Value, index: &HashMap<String, usize>) -> usize {
        let node = self.compile_node(v, index);
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    pub fn status(&self, api_version: &str, kind: &str) -> KindStatus {
        if self.by_gvk.contains_key(&(api_version.to_string(), kind.to_string())) {
            return KindStatus::Known;
        }
        let (group, _) = split_api_version(api_version);
        let served_anywhere = |kind: &str| -> Vec<String> {
            self.kinds.values().flatten().filter(|(k, _)| k == kind).map(|(_, v)| v.clone()).collect()
        };
        // A Kubernetes kind under a version or group that no longer serves it
        // (`extensions/v1beta1` Deployment).
        let served = served_anywhere(kind);
        let known_group = self.kinds.contains_key(group) || RETIRED_GROUPS.contains(&group);
        if !served.is_empty() && (known_group || group.ends_with(".k8s.io")) {
            return KindStatus::WrongVersion { served };
        }
        let Some(kinds) = self.kinds.get(group) else {
            return if known_group { KindStatus::UnknownInGroup { suggestion: None } } else { KindStatus::Foreign };
        };
        let names: Vec<&str> = kinds.iter().map(|(k, _)| k.as_str()).collect();
        KindStatus::UnknownInGroup { suggestion: suggest(kind, &names).map(str::to_string) }
    }

    /// Validates an object; `Known` status is the caller's precondition.
    pub fn validate(&self, api_version: &str, kind: &str, root: NodeRef<'_>) -> Vec<Violation> {
        let mut out = Vec::new();
        if let Some(&id) = self.by_gvk.get(&(api_version.to_string(), kind.to_string())) {
            // Every value of a Secret is secret: no message quotes one.
            let mut v = Validator { schema: self, out: &mut out, secret: kind == "Secret" };
            v.check(root, id, root.span(), kind, 0);
        }
        out
    }
}

fn type_bit(t: &str) -> u8 {
    match t {
        "object" => T_OBJECT,
        "array" => T_ARRAY,
        "string" => T_STRING,
        "integer" => T_INTEGER,
        "number" => T_NUMBER,
        "boolean" => T_BOOLEAN,
        "null" => T_NULL,
        _ => 0,
    }
}

fn type_names(types: u8) -> String {
    let names: Vec<&str> = [
        (T_OBJECT, "a mapping"),
        (T_ARRAY, "a list"),
        (T_STRING, "a string"),
        (T_INTEGER, "an integer"),
        (T_NUMBER, "a number"),
        (T_BOOLEAN, "a boolean"),
    ]
    .iter()
    .filter(|(b, _)| types & b != 0)
    .map(|(_, n)| *n)
    .collect();
    match names.as_slice() {
        [] => "a value".into(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

struct Validator<'s, 'o> {
    schema: &'s Schema,
    out: &'o mut Vec<Violation>,
    /// The value being checked may be a credential (Secret data, a credential-named key or env
    /// var): messages say what is wrong without quoting it.
    secret: bool,
}

impl Validator<'_, '_> {
    fn push(&mut self, span: Span, message: String, help: Option<String>) {
        if self.out.len() < MAX_ERRORS_PER_OBJECT {
            self.out.push(Violation { span, message, help });
        }
    }

    fn check(&mut self, node: NodeRef<'_>, id: usize, owner: Span, field: &str, depth: usize) {
        if depth > 64 || self.out.len() >= MAX_ERRORS_PER_OBJECT {
            return;
        }
        let mut id = id;
        let mut title = None;
        for _ in 0..8 {
            let n = &self.schema.nodes[id];
            if n.title.is_some() {
                title = n.title.as_deref();
            }
            match n.reference {
                Some(r) => id = r,
                None => break,
            }
        }
        let s = &self.schema.nodes[id];
        let title = s.title.as_deref().or(title);
        let node = node.resolve();
        let actual = value_type(node);
        let allowed =
            if s.one_of.is_empty() { s.types } else { s.one_of.iter().fold(0, |a, &i| a | self.schema.nodes[i].types) };
        // Integers are numbers too.
        let allowed = if allowed & T_NUMBER != 0 { allowed | T_INTEGER } else { allowed };
        if allowed != 0 && actual & allowed == 0 {
            let found = describe_value(node, self.secret);
            self.push(node.span(), format!("`{field}` must be {}, found {found}", type_names(allowed & !T_NULL)), None);
            return;
        }
        match &node.node().kind {
            NodeKind::Map(_) => self.check_map(node, s, title, owner, depth),
            NodeKind::Seq(_) => {
                if let Some(items) = s.items {
                    for item in node.items() {
                        self.check(item, items, item.span(), field, depth + 1);
                    }
                }
            }
            NodeKind::Scalar(_) => {
                if !s.enumeration.is_empty()
                    && let Some(v) = node.as_string()
                    && !s.enumeration.iter().any(|e| &**e == v)
                {
                    let names: Vec<&str> = s.enumeration.iter().map(|e| &**e).collect();
                    let help = match suggest(v, &names) {
                        Some(c) if !self.secret => Some(format!("Did you mean `{c}`?")),
                        _ => Some(format!("Use one of: {}.", quoted_list(&names))),
                    };
                    let message = if self.secret {
                        format!("this value is not a valid `{field}`")
                    } else {
                        format!("`{v}` is not a valid `{field}`")
                    };
                    self.push(node.span(), message, help);
                }
                if let (Some(min), Some(Plain::Int(i))) = (s.minimum, node.scalar_type())
                    && i < i128::from(min)
                {
                    let message = match min {
                        0 => format!("`{field}` must not be negative, found `{i}`"),
                        _ => format!("`{field}` must be at least {min}, found `{i}`"),
                    };
                    self.push(node.span(), message, None);
                }
                match s.format {
                    Format::Int32 => {
                        if let Some(Plain::Int(i)) = node.scalar_type()
                            && i32::try_from(i).is_err()
                        {
                            let found = if self.secret { String::new() } else { format!(", found `{i}`") };
                            self.push(node.span(), format!("`{field}` must fit in 32 bits{found}"), None);
                        }
                    }
                    // The value is never quoted: `byte` fields hold Secret data.
                    Format::Base64 => {
                        if let Some(v) = node.as_string()
                            && base64::engine::general_purpose::STANDARD.decode(v.trim()).is_err()
                        {
                            self.push(
                                node.span(),
                                format!("`{field}` must be base64-encoded, and this value is not"),
                                Some("Encode the value (`base64 -w0`), or put it under `stringData`.".into()),
                            );
                        }
                    }
                    Format::DateTime => {
                        if let Some(v) = node.as_string()
                            && !is_rfc3339(v)
                        {
                            let found = if self.secret { String::new() } else { format!(", found `{v}`") };
                            self.push(node.span(), format!("`{field}` must be an RFC 3339 date-time{found}"), None);
                        }
                    }
                    Format::Other => {}
                }
            }
            NodeKind::Alias(_) => {}
        }
    }

    fn check_map(&mut self, node: NodeRef<'_>, s: &Node, title: Option<&str>, owner: Span, depth: usize) {
        // An env var (`{name: DB_PASSWORD, value: …}`) named like a credential holds one.
        let named_secret = node.get("name").and_then(|n| n.as_str()).is_some_and(is_secret_name);
        let outer = self.secret;
        for e in node.entries() {
            let Some(key) = e.key.as_str() else { continue };
            let prop = s.properties.binary_search_by(|(k, _)| (**k).cmp(key)).ok().map(|i| s.properties[i].1);
            self.secret = outer || is_secret_name(key) || (named_secret && key == "value");
            match (prop, s.additional) {
                (Some(p), _) => self.check(e.value, p, e.key.span(), key, depth + 1),
                (None, Some(Some(a))) => self.check(e.value, a, e.key.span(), key, depth + 1),
                (None, Some(None)) => {
                    let names: Vec<&str> = s.properties.iter().map(|(k, _)| &**k).collect();
                    let within = title.map(|t| format!(" in `{t}`")).unwrap_or_default();
                    let help = match suggest(key, &names) {
                        Some(c) => format!("Did you mean `{c}`?"),
                        None => format!("Valid fields here: {}.", quoted_list(&names)),
                    };
                    let span = e.merged_via.unwrap_or(e.key.span());
                    self.push(span, format!("unknown field `{key}`{within}"), Some(help));
                }
                (None, None) => {}
            }
        }
        self.secret = outer;
        for req in &s.required {
            if node.get(req).is_none() {
                let within = title.map(|t| format!(" of `{t}`")).unwrap_or_default();
                self.push(owner, format!("missing required field `{req}`{within}"), None);
            }
        }
    }
}

fn quoted_list(names: &[&str]) -> String {
    const MAX: usize = 12;
    let mut parts: Vec<String> = names.iter().take(MAX).map(|n| format!("`{n}`")).collect();
    if names.len() > MAX {
        parts.push("…".into());
    }
    parts.join(", ")
}

fn value_type(node: NodeRef<'_>) -> u8 {
    match &node.node().kind {
        NodeKind::Map(_) => T_OBJECT,
        NodeKind::Seq(_) => T_ARRAY,
        NodeKind::Alias(_) => 0xff,
        NodeKind::Scalar(_) => match node.scalar_type().unwrap_or(Plain::Str) {
            Plain::Null => T_NULL,
            Plain::Bool(_) => T_BOOLEAN,
            Plain::Int(_) => T_INTEGER,
            Plain::Float(_) => T_NUMBER,
            Plain::Str => T_STRING,
        },
    }
}

fn describe_value(node: NodeRef<'_>, secret: bool) -> String {
    match &node.node().kind {
        NodeKind::Map(_) => "a mapping".into(),
        NodeKind::Seq(_) => "a list".into(),
        _ => {
            let t = match value_type(node) {
                T_NULL => "null",
                T_BOOLEAN => "boolean",
                T_INTEGER => "integer",
                T_NUMBER => "number",
                _ => "string",
            };
            if secret {
                return format!("{t} (its value is not shown: it may be secret)");
            }
            let text = node.as_str().unwrap_or_default();
            let text: String = text.chars().take(40).collect();
            format!("{t} `{text}`")
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use nexus_source::FileId;
    use nexus_source::yaml::{Limits, parse};

    fn check(text: &str) -> (Vec<Violation>, String) {
        let y = parse(FileId(0), Arc::from(text), &Limits::default());
        let root = y.root(&y.docs[0]).unwrap();
        let av = root.get("apiVersion").unwrap().as_str().unwrap();
        let kind = root.get("kind").unwrap().as_str().unwrap();
        (schema().validate(av, kind, root), text.to_string())
    }

    fn at(text: &str, v: &Violation) -> String {
        text[v.span.range()].to_string()
    }

    #[test]
    fn typo_fields_get_suggestions_at_the_key() {
        let (v, t) = check(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      initContainer: []\n      containers:\n        - name: c\n          image: i:1\n          readinessprobe: {}\n",
        );
        assert_eq!(v.len(), 2, "{v:?}");
        assert_eq!(at(&t, &v[0]), "initContainer");
        assert_eq!(v[0].message, "unknown field `initContainer` in `PodSpec`");
        assert_eq!(v[0].help.as_deref(), Some("Did you mean `initContainers`?"));
        assert_eq!(at(&t, &v[1]), "readinessprobe");
        assert_eq!(v[1].help.as_deref(), Some("Did you mean `readinessProbe`?"));
    }

    #[test]
    fn base64_and_date_time_formats() {
        let (v, t) = check(
            "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  good: cGFzc3dvcmQ=\n  bad: not base64!\n",
        );
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(at(&t, &v[0]), "not base64!");
        assert!(!v[0].message.contains("not base64!"), "the value stays out of the message");
        assert!(is_rfc3339("2026-11-30T12:00:00Z") && is_rfc3339("2026-11-30t12:00:00.25+01:00"));
        assert!(!is_rfc3339("2026-11-30") && !is_rfc3339("2026-11-30T12:00:00") && !is_rfc3339("yesterday"));
        assert!(!is_rfc3339("2026-11-30T12:00:00.Z") && !is_rfc3339("2026-11-30T12:00:00+0100"));
    }

    /// Regression (issue 7): messages about credential-named env vars and Secret data say what
    /// is wrong without quoting the value.
    #[test]
    fn secret_values_stay_out_of_messages() {
        let (v, _) = check(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n    - name: c\n      image: i:1\n      env:\n        - {name: DB_PASSWORD, value: 918273645}\n        - {name: MODE, value: 42}\n",
        );
        let msgs: Vec<&str> = v.iter().map(|x| x.message.as_str()).collect();
        assert!(
            msgs.iter().any(|m| m.contains("`value` must be a string, found integer (its value is not shown")),
            "{msgs:?}"
        );
        assert!(!msgs.iter().any(|m| m.contains("918273645")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.contains("found integer `42`")), "{msgs:?}");
        let (v, _) = check("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  token: 918273645\n");
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(!v[0].message.contains("918273645"), "{v:?}");
    }

    /// Regression (issue 7): negative replica counts are rejected by the API server.
    #[test]
    fn negative_replicas() {
        let (v, t) = check(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicas: -3\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers: [{name: c, image: i:1}]\n",
        );
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].message, "`replicas` must not be negative, found `-3`");
        assert_eq!(at(&t, &v[0]), "-3");
    }

    #[test]
    fn wrong_types_enums_and_missing_fields() {
        let (v, t) = check(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  restartPolicy: always\n  containers:\n    - image: i:1\n      ports:\n        - containerPort: \"80\"\n",
        );
        let msgs: Vec<_> = v.iter().map(|x| (x.message.clone(), at(&t, x))).collect();
        assert!(msgs.contains(&("`always` is not a valid `restartPolicy`".into(), "always".into())), "{msgs:?}");
        assert!(
            msgs.iter().any(|(m, s)| m == "`containerPort` must be an integer, found string `80`" && s == "\"80\"")
        );
        assert!(msgs.iter().any(|(m, _)| m == "missing required field `name` of `Container`"));
    }

    #[test]
    fn int_or_string_and_quantities_accept_both() {
        let (v, _) = check(
            "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  ports:\n    - port: 80\n      targetPort: http\n    - port: 81\n      targetPort: 8081\n",
        );
        assert!(v.is_empty(), "{v:?}");
        let (v, _) = check(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n    - name: c\n      resources: {requests: {cpu: 1, memory: 64Mi}, limits: {cpu: 0.5}}\n",
        );
        assert!(v.is_empty(), "{v:?}");
    }

    #[test]
    fn kind_status() {
        let s = schema();
        assert_eq!(s.status("apps/v1", "Deployment"), KindStatus::Known);
        assert_eq!(s.status("apps/v1beta1", "Deployment"), KindStatus::WrongVersion { served: vec!["apps/v1".into()] });
        assert_eq!(
            s.status("apps/v1", "Deploymnet"),
            KindStatus::UnknownInGroup { suggestion: Some("Deployment".into()) }
        );
        assert_eq!(s.status("networking.istio.io/v1", "VirtualService"), KindStatus::Foreign);
    }
}
