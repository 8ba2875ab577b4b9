//! What each parsed YAML file is, before any model is built: Kubernetes objects (read into
//! pieces, per file in parallel), Compose files, Skaffold configurations (the images they build),
//! kustomizations (the files they take as inputs or list, the namespaces and images they set),
//! and files that hold no objects (tooling, tests, patches).

use std::collections::HashMap;
use std::path::Path;

use nexus_source::yaml::{NodeRef, YamlFile};
use nexus_source::{self as source, SourceDb};

use crate::{InputProblem, Spanned, compose, k8s};

/// How a YAML file's documents are used.
#[derive(Default)]
pub(super) struct FileUse {
    pub(super) pieces: Vec<k8s::Piece>,
    pub(super) problems: Vec<InputProblem>,
    pub(super) skipped: Vec<usize>,
    /// Skaffold artifacts: images Skaffold builds and writes into the manifests it deploys.
    pub(super) built_images: Vec<Spanned<String>>,
}

/// The images a Skaffold configuration (`apiVersion: skaffold/…`, `kind: Config`) builds:
/// `build.artifacts[].image`, also under each profile. `None` for any other document.
///
/// Skaffold is a build tool, not an object to create, so its configuration is not reported as
/// an unknown kind. When it renders manifests, it "replaces untagged image names in the
/// Kubernetes manifests with the final tagged image names", and whatever the tagger, it "always
/// uses immutable references" (`image:tag@sha256:…`): skaffold.dev/docs/renderers,
/// skaffold.dev/docs/taggers.
pub(super) fn skaffold_artifacts(root: NodeRef<'_>) -> Option<Vec<Spanned<String>>> {
    let api = root.get("apiVersion")?.as_string()?;
    if !api.starts_with("skaffold/") {
        return None;
    }
    let builds = root
        .get("build")
        .into_iter()
        .chain(root.get("profiles").into_iter().flat_map(|p| p.items()).filter_map(|p| p.get("build")));
    let images = builds
        .filter_map(|b| b.get("artifacts"))
        .flat_map(|a| a.items())
        .filter_map(|a| crate::read::str_at(a, "image"))
        .filter(|i| !i.value.trim().is_empty())
        .collect();
    Some(images)
}

/// The images a kustomization's `images:` gives a tag or digest (`name: cartservice`, `newTag:
/// v1.0.0`): what its resources write for them is replaced when it is built (Kustomize,
/// "images"), so a base's `cartservice:latest` is a placeholder its overlays fill in.
pub(super) fn kustomize_pinned_images(root: NodeRef<'_>) -> Vec<Spanned<String>> {
    root.get("images")
        .into_iter()
        .flat_map(|i| i.items())
        .filter(|i| i.get("newTag").is_some() || i.get("digest").is_some())
        .filter_map(|i| crate::read::str_at(i, "name"))
        .filter(|n| !n.value.trim().is_empty())
        .collect()
}

/// Files that configure tools rather than describe objects: Helm chart metadata and values,
/// Kustomize build files. Their documents are skipped, not reported as broken manifests.
pub(super) fn is_tooling_file(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let stem = n.trim_end_matches(".yaml").trim_end_matches(".yml");
    matches!(stem, "chart" | "chart.lock" | "requirements" | "kustomization" | "values" | "values.schema")
        || stem.starts_with("values-")
        || stem.starts_with("values.")
        || stem.starts_with("values_")
        || stem.ends_with("-values")
        || stem.ends_with("_values")
        || stem.ends_with(".values")
}

/// Test suites that hold partial objects or template expectations, not objects to create:
/// helm-unittest's `<chart>/tests/*_test.yaml` and kuttl's `NN-assert.yaml`/`NN-errors.yaml`
/// (the state a test step expects, compared field by field).
pub(super) fn is_test_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let stem = name.trim_end_matches(".yaml").trim_end_matches(".yml");
    if stem.len() == name.len() {
        return false;
    }
    let unittest = stem.ends_with("_test") && path.contains("/tests/");
    let kuttl = stem.split_once('-').is_some_and(|(n, rest)| {
        !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) && matches!(rest, "assert" | "errors")
    });
    unittest || kuttl
}

/// Kustomize patches by their name or place (`manager_config_patch.yaml`, `config/crd/patches/`,
/// the kubebuilder layout), which a kustomization may list, or list in a comment for users to
/// enable: partial objects that change others, never objects of their own.
pub(super) fn is_patch_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let stem = name.trim_end_matches(".yaml").trim_end_matches(".yml");
    stem.ends_with("_patch") || stem.ends_with("-patch") || path.contains("/patches/")
}

/// The documents of the kustomization files among `trees`, each with its file's directory.
pub(super) fn kustomizations<'a>(
    db: &'a SourceDb,
    trees: &'a [Option<YamlFile>],
) -> impl Iterator<Item = (&'a str, NodeRef<'a>)> + 'a {
    trees.iter().flatten().filter(|y| crate::kustomize::is_kustomization(&db.get(y.file).path)).flat_map(move |y| {
        let path = db.get(y.file).path.as_str();
        let dir = path.rfind('/').map_or("", |i| &path[..i]);
        y.docs.iter().filter_map(move |d| y.root(d)).map(move |root| (dir, root))
    })
}

/// `rel`, written in a kustomization of `dir`, as a path of the run.
pub(super) fn kustomization_path(dir: &str, rel: &str) -> String {
    let joined = if dir.is_empty() { rel.to_string() } else { format!("{dir}/{rel}") };
    nexus_source::shell::eval::paths::normalize(&joined)
}

/// The files kustomizations read as something other than resources: patches, transformer,
/// generator and validator configurations, replacements, OpenAPI schemas. They describe changes
/// to objects, not objects to create, and are not validated as manifests.
pub(super) fn kustomize_inputs(db: &SourceDb, trees: &[Option<YamlFile>]) -> std::collections::HashSet<String> {
    let mut out = std::collections::HashSet::new();
    for (dir, root) in kustomizations(db, trees) {
        let mut add = |rel: &str| {
            // Inline patches are YAML text, not paths.
            if !rel.contains('\n') && !rel.trim().is_empty() {
                out.insert(kustomization_path(dir, rel));
            }
        };
        for key in ["patchesStrategicMerge", "transformers", "generators", "validators", "configurations", "crds"] {
            for item in root.get(key).into_iter().flat_map(|l| l.items()) {
                if let Some(p) = item.as_str() {
                    add(p);
                }
            }
        }
        for key in ["patches", "patchesJson6902", "replacements"] {
            for item in root.get(key).into_iter().flat_map(|l| l.items()) {
                // `- path: patch.yaml`, or the bare path kustomize also accepts.
                if let Some(p) = item.get("path").and_then(|p| p.as_str()).or_else(|| item.as_str()) {
                    add(p);
                }
            }
        }
        if let Some(p) = root.get("openapi").and_then(|o| o.get("path")).and_then(|p| p.as_str()) {
            add(p);
        }
    }
    out
}

/// What kustomizations do to the objects of the files their `resources:` list, by path:
/// `namespace:` sets their namespace (Kustomize, "namespace": it "will override the existing
/// namespace if it is set on a resource, or add it if it is not set"; None when two give one
/// file different namespaces), and `commonLabels` (or `labels` with `includeSelectors: true`)
/// fills in their selectors. Only files listed directly: a base directory may be built into
/// several namespaces by several overlays, so what it holds keeps what it writes.
#[derive(Default)]
pub(super) struct KustomizeFacts {
    pub(super) namespace: Option<Option<String>>,
    pub(super) selectors: bool,
}

pub(super) fn kustomize_listed(db: &SourceDb, trees: &[Option<YamlFile>]) -> HashMap<String, KustomizeFacts> {
    let mut out: HashMap<String, KustomizeFacts> = HashMap::new();
    for (dir, root) in kustomizations(db, trees) {
        let ns = root.get("namespace").and_then(|n| n.as_str()).filter(|n| !n.contains('$'));
        let selectors = root.get("commonLabels").is_some_and(|l| l.is_map())
            || root
                .get("labels")
                .into_iter()
                .flat_map(|l| l.items())
                .any(|l| l.get("includeSelectors").and_then(|b| b.as_str()).is_some_and(|b| b == "true"));
        if ns.is_none() && !selectors {
            continue;
        }
        for rel in root.get("resources").into_iter().flat_map(|l| l.items()).filter_map(|i| i.as_str()) {
            let lower = rel.to_ascii_lowercase();
            if !(lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json")) || rel.contains("://")
            {
                continue;
            }
            let facts = out.entry(kustomization_path(dir, rel)).or_default();
            facts.selectors |= selectors;
            if let Some(ns) = ns {
                match &facts.namespace {
                    None => facts.namespace = Some(Some(ns.to_string())),
                    Some(Some(other)) if other != ns => facts.namespace = Some(None),
                    _ => {}
                }
            }
        }
    }
    out
}

pub(super) fn classify(
    db: &SourceDb,
    y: &YamlFile,
    not_resources: &std::collections::HashSet<String>,
    listed: &HashMap<String, KustomizeFacts>,
) -> FileUse {
    let src = db.get(y.file);
    let mut out = FileUse::default();
    if skipped_file(&src.path, not_resources) {
        out.skipped = y.docs.iter().filter(|d| d.root.is_some()).map(|d| d.index).collect();
        return out;
    }
    let sources = source::helm::sources(y);
    let compose_name = compose::is_compose_name(file_name(&src.path));
    for (i, doc) in y.docs.iter().enumerate() {
        let Some(root) = y.root(doc) else { continue };
        match document_kind(root, compose_name) {
            DocumentKind::Skaffold(images) => {
                out.built_images.extend(images);
                out.skipped.push(doc.index);
            }
            DocumentKind::Object => {
                let template = sources.get(i).and_then(|s| s.as_deref());
                let facts = listed.get(&src.path);
                let listed = k8s::Listed {
                    namespace: facts.and_then(|f| f.namespace.as_ref()).and_then(|n| n.as_deref()),
                    selectors: facts.is_some_and(|f| f.selectors),
                };
                out.pieces.extend(k8s::read_document(src, doc.index, root, template, listed, &mut out.problems));
            }
            DocumentKind::Compose => {}
            DocumentKind::Other => out.skipped.push(doc.index),
        }
    }
    out
}

/// Does a file hold a Compose document (as [`classify`] reads it)?
pub(super) fn is_compose_file(db: &SourceDb, y: &YamlFile, not_resources: &std::collections::HashSet<String>) -> bool {
    let path = &db.get(y.file).path;
    let compose_name = compose::is_compose_name(file_name(path));
    !skipped_file(path, not_resources)
        && y.docs
            .iter()
            .filter_map(|d| y.root(d))
            .any(|r| matches!(document_kind(r, compose_name), DocumentKind::Compose))
}

pub(super) fn file_name(path: &str) -> &str {
    Path::new(path).file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// Files none of whose documents are objects: tooling, kustomize inputs, tests, patches.
pub(super) fn skipped_file(path: &str, not_resources: &std::collections::HashSet<String>) -> bool {
    is_tooling_file(file_name(path)) || not_resources.contains(path) || is_test_file(path) || is_patch_file(path)
}

/// What a YAML document is.
pub(super) enum DocumentKind {
    /// A Skaffold configuration, with the images it builds.
    Skaffold(Vec<Spanned<String>>),
    Object,
    Compose,
    Other,
}

pub(super) fn document_kind(root: NodeRef<'_>, compose_name: bool) -> DocumentKind {
    if let Some(images) = skaffold_artifacts(root) {
        DocumentKind::Skaffold(images)
    } else if k8s::is_object(root) {
        DocumentKind::Object
    } else if compose_name || root.get("services").is_some_and(|s| s.is_map()) {
        DocumentKind::Compose
    } else {
        DocumentKind::Other
    }
}
