//! The Kubernetes front end: YAML documents → validated objects → pieces of the platform model.
//!
//! Each document with an `apiVersion`/`kind` (and each item of a `v1 List`) becomes an
//! [`Object`]: checked against the strict 1.37 schema (NX002), kept generically when its kind is
//! not a Kubernetes one (NX005), and turned into workloads, endpoints, config sources and
//! scalers. Values are read from the spanned tree so each keeps its position; API defaults the
//! manifests leave out (probe timings, Job backoff, HPA behavior) are documented where the model
//! or its readers apply them.

mod build;
mod mesh;
pub mod netpol;
mod pod;
mod produced;
mod scaling;
pub mod schema;

use crate::{
    ConfigRef, ConfigSource, Edge, Endpoint, FluxKustomization, InputProblem, InputProblemKind, NetworkPolicy, Object,
    Scaler, Spanned, Suppression, Workload,
};
use nexus_source::SourceFile;
use nexus_source::yaml::NodeRef;

/// The model pieces one object contributes; ids inside are provisional (0) until assembled.
#[derive(Debug)]
pub struct Piece {
    pub object: Object,
    // Boxed: most objects fill one of these, and pieces are moved around in bulk.
    pub workload: Option<Box<Workload>>,
    pub endpoint: Option<Box<Endpoint>>,
    pub config: Option<Box<ConfigSource>>,
    pub scaler: Option<Box<Scaler>>,
    pub network_policy: Option<Box<NetworkPolicy>>,
    pub flux: Option<Box<FluxKustomization>>,
    pub limit_range: Option<Box<crate::scaling::LimitRange>>,
    pub mesh: Option<Box<crate::mesh::MeshObject>>,
    /// `workload` of each is provisional: the piece's own workload.
    pub config_refs: Vec<ConfigRef>,
    /// `consumer` of each is provisional: the piece's own workload.
    pub edges: Vec<Edge>,
    /// `nexus-lint.io/ignore` annotations on the object or its pod template.
    pub suppressions: Vec<Suppression>,
    /// Secret values the model does not otherwise keep (Secret `data` that is not base64).
    pub secrets: Vec<Spanned<String>>,
}

/// What the kustomizations that list a file do to its objects.
#[derive(Clone, Copy, Debug, Default)]
pub struct Listed<'a> {
    /// The `namespace:` they set.
    pub namespace: Option<&'a str>,
    /// They add labels to selectors too (`commonLabels`, or `labels` with `includeSelectors`),
    /// so a workload there may leave its `selector` to them.
    pub selectors: bool,
}

/// Does this document look like a Kubernetes object? Not every `apiVersion` is Kubernetes': a
/// number is another tool's file format version (Grafana provisioning files, `apiVersion: 1`),
/// and `builtin` is a kustomize plugin's configuration (a `LabelTransformer` listed under
/// `transformers:`). A strategic-merge patch that deletes (`$patch: delete`) is a patch, not
/// an object to create.
pub fn is_object(root: NodeRef<'_>) -> bool {
    if !root.is_map() || root.get("$patch").is_some() {
        return false;
    }
    match root.get("apiVersion") {
        Some(v) => v.as_string().is_some_and(|s| s != "builtin"),
        None => root.get("kind").is_some(),
    }
}

/// Reads the Kubernetes objects of one document (several for a `v1 List`).
pub fn read_document(
    src: &SourceFile,
    doc: usize,
    root: NodeRef<'_>,
    template: Option<&str>,
    listed: Listed<'_>,
    problems: &mut Vec<InputProblem>,
) -> Vec<Piece> {
    let is_list = root.get("kind").and_then(|k| k.as_str()).is_some_and(|k| k.ends_with("List"))
        && root.get("items").is_some_and(|i| i.is_seq());
    if is_list {
        return root
            .get("items")
            .into_iter()
            .flat_map(|items| items.items())
            .filter_map(|item| {
                if is_object(item) {
                    build::object(src, doc, item, template, listed, problems)
                } else {
                    problems.push(problem(item.span(), "list item is not a Kubernetes object".into(), None));
                    None
                }
            })
            .collect();
    }
    build::object(src, doc, root, template, listed, problems).into_iter().collect()
}

fn problem(span: nexus_source::Span, message: String, help: Option<String>) -> InputProblem {
    InputProblem::new(InputProblemKind::Manifest, span, message, help)
}
