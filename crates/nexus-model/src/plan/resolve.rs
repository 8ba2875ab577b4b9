//! From what a script names to the platform's objects: applied paths (files, directories,
//! kustomizations) and the targets of waits (kind and name, label selectors).
//!
//! Paths are matched against the files read (`SourceDb` paths, relative or absolute, as
//! displayed), never against the file system: a script names what this run read or nothing.

use std::collections::BTreeMap;

use crate::{LabelSelector, ObjectId, Platform, Requirement, SelectorOp, Spanned, same_namespace};
use nexus_source::shell::eval::paths::{dirname, glob_match, join, normalize};
use nexus_source::{FileId, SourceDb, Span};

/// Files kubectl reads from a directory given to `-f` (k8s.io/cli-runtime `pkg/resource/builder.go`:
/// `FileExtensions = []string{".json", ".yaml", ".yml"}`); a file named directly is read whatever
/// its name.
const KUBECTL_EXTENSIONS: &[&str] = &[".json", ".yaml", ".yml"];

/// The files read and the objects of each, for path look-ups.
pub(super) struct Index<'a> {
    pub platform: &'a Platform,
    /// Normalised path → file.
    paths: BTreeMap<String, FileId>,
    /// Objects of each file in document order.
    by_file: Vec<Vec<ObjectId>>,
}

impl<'a> Index<'a> {
    pub fn new(db: &SourceDb, platform: &'a Platform) -> Self {
        let paths = db.files().iter().map(|f| (normalize(&f.path), f.id)).collect();
        let mut by_file: Vec<Vec<ObjectId>> = vec![Vec::new(); db.len()];
        for o in &platform.objects {
            if let Some(v) = by_file.get_mut(o.file.0 as usize) {
                v.push(o.id);
            }
        }
        for v in &mut by_file {
            v.sort_by_key(|id| (platform.object(*id).doc, *id));
        }
        Index { platform, paths, by_file }
    }

    pub fn file(&self, path: &str) -> Option<FileId> {
        self.paths.get(path).copied()
    }

    fn prefix(dir: &str) -> String {
        if dir.is_empty() || dir.ends_with('/') { dir.to_string() } else { format!("{dir}/") }
    }

    /// A directory that holds at least one file read.
    pub fn is_dir(&self, dir: &str) -> bool {
        let prefix = Self::prefix(dir);
        self.paths.range(prefix.clone()..).next().is_some_and(|(k, _)| k.starts_with(&prefix))
    }

    /// The first of `bases` under which `path` names a file or a directory of files, as a
    /// normalised path.
    pub fn locate(&self, bases: &[String], path: &str) -> Option<String> {
        if path.starts_with('/') {
            let p = normalize(path);
            return (self.file(&p).is_some() || self.is_dir(&p)).then_some(p);
        }
        bases.iter().map(|b| join(b, path)).find(|p| self.file(p).is_some() || self.is_dir(p))
    }

    /// Files kubectl reads from a directory, in its order: `filepath.Walk` visits the names of
    /// each directory in lexical (byte) order and descends into a subdirectory where its name
    /// falls, so the order is that of the paths' component lists.
    pub fn dir_files(&self, dir: &str, recursive: bool, all_extensions: bool) -> Vec<FileId> {
        let prefix = Self::prefix(dir);
        let mut found: Vec<(Vec<&str>, FileId)> = self
            .paths
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, _)| {
                let rest = &k[prefix.len()..];
                (recursive || !rest.contains('/'))
                    && (all_extensions || KUBECTL_EXTENSIONS.iter().any(|e| rest.ends_with(e)))
            })
            .map(|(k, id)| (k[prefix.len()..].split('/').collect(), *id))
            .collect();
        found.sort();
        found.into_iter().map(|(_, id)| id).collect()
    }

    pub fn objects_of(&self, file: FileId) -> &[ObjectId] {
        self.by_file.get(file.0 as usize).map_or(&[], Vec::as_slice)
    }

    /// Objects `kubectl apply -f path` creates, in order.
    pub fn apply(&self, bases: &[String], path: &str, recursive: bool) -> Vec<ObjectId> {
        let Some(p) = self.locate(bases, path) else { return Vec::new() };
        if let Some(f) = self.file(&p) {
            return self.objects_of(f).to_vec();
        }
        self.dir_files(&p, recursive, false).into_iter().flat_map(|f| self.objects_of(f).iter().copied()).collect()
    }

    /// Objects `kubectl apply -k dir` creates: the objects of every file under the directory,
    /// in kustomize's default ("legacy") order.
    pub fn kustomize(&self, bases: &[String], path: &str) -> Vec<ObjectId> {
        let Some(p) = self.locate(bases, path) else { return Vec::new() };
        let files = match self.file(&p) {
            // `-k path/kustomization.yaml` is not accepted by kubectl, but its directory is meant.
            Some(_) => self.dir_files(&dirname(&p), true, false),
            None => self.dir_files(&p, true, false),
        };
        let mut objects: Vec<ObjectId> = files.into_iter().flat_map(|f| self.objects_of(f).iter().copied()).collect();
        objects.sort_by_cached_key(|&id| legacy_key(self.platform, id));
        objects
    }

    /// Paths matching a glob (`k8s/*.yaml`), as the shell would list them: relative to the first
    /// base under which anything matches, sorted.
    pub fn glob(&self, bases: &[String], pattern: &str) -> Vec<String> {
        let try_base = |base: &str| -> Vec<String> {
            let full = if pattern.starts_with('/') { normalize(pattern) } else { join(base, pattern) };
            let pat: Vec<&str> = full.split('/').collect();
            let mut out: Vec<String> = Vec::new();
            for k in self.paths.keys() {
                let comps: Vec<&str> = k.split('/').collect();
                if comps.len() < pat.len() || !pat.iter().zip(&comps).all(|(p, c)| glob_match(p, c)) {
                    continue;
                }
                let matched = comps[..pat.len()].join("/");
                let shown = if pattern.starts_with('/') || base.is_empty() {
                    matched
                } else {
                    matched.strip_prefix(&format!("{base}/")).map_or(matched.clone(), str::to_string)
                };
                if out.last() != Some(&shown) && !out.contains(&shown) {
                    out.push(shown);
                }
            }
            out.sort();
            out
        };
        if pattern.starts_with('/') {
            return try_base("");
        }
        bases.iter().map(|b| try_base(b)).find(|v| !v.is_empty()).unwrap_or_default()
    }
}

/// kustomize's legacy sort (kubernetes-sigs/kustomize `api/resid/gvk.go`): kinds in `orderFirst`
/// first, in that order; kinds in `orderLast` last; the others between, by group/version/kind;
/// then by namespace and name.
fn legacy_key(p: &Platform, id: ObjectId) -> (i64, String, String, String) {
    const ORDER_FIRST: &[&str] = &[
        "Namespace",
        "ResourceQuota",
        "StorageClass",
        "CustomResourceDefinition",
        "ServiceAccount",
        "PodSecurityPolicy",
        "Role",
        "ClusterRole",
        "RoleBinding",
        "ClusterRoleBinding",
        "ConfigMap",
        "Secret",
        "Endpoints",
        "Service",
        "LimitRange",
        "PriorityClass",
        "PersistentVolume",
        "PersistentVolumeClaim",
        "Deployment",
        "StatefulSet",
        "CronJob",
        "PodDisruptionBudget",
    ];
    const ORDER_LAST: &[&str] = &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];
    let o = p.object(id);
    let kind = o.kind.value.as_str();
    let rank = if let Some(i) = ORDER_FIRST.iter().position(|k| *k == kind) {
        i as i64 - ORDER_FIRST.len() as i64
    } else if let Some(i) = ORDER_LAST.iter().position(|k| *k == kind) {
        1 + i as i64
    } else {
        0
    };
    let (group, version) = match o.api_version.value.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", o.api_version.value.as_str()),
    };
    let or = |s: &str, d: &str| if s.is_empty() { d.to_string() } else { s.to_string() };
    let gvk = format!("{}_{}_{}", or(group, "~G"), or(version, "~V"), or(kind, "~K"));
    (rank, gvk, o.namespace_str().unwrap_or("").to_string(), o.name_str().to_string())
}

/// The Kubernetes kind kubectl means by a resource type as typed (`deploy`, `deployments.apps`,
/// `sts`, `Job`); kinds outside the table are looked up among the platform's objects.
pub(super) fn canonical_kind(typed: &str, platform: &Platform) -> String {
    const KINDS: &[(&str, &[&str])] = &[
        ("Deployment", &["deployment", "deployments", "deploy"]),
        ("StatefulSet", &["statefulset", "statefulsets", "sts"]),
        ("DaemonSet", &["daemonset", "daemonsets", "ds"]),
        ("ReplicaSet", &["replicaset", "replicasets", "rs"]),
        ("Job", &["job", "jobs"]),
        ("CronJob", &["cronjob", "cronjobs", "cj"]),
        ("Pod", &["pod", "pods", "po"]),
        ("Service", &["service", "services", "svc"]),
        ("ConfigMap", &["configmap", "configmaps", "cm"]),
        ("Secret", &["secret", "secrets"]),
        ("Namespace", &["namespace", "namespaces", "ns"]),
        ("PersistentVolumeClaim", &["persistentvolumeclaim", "persistentvolumeclaims", "pvc"]),
        ("PersistentVolume", &["persistentvolume", "persistentvolumes", "pv"]),
        ("Ingress", &["ingress", "ingresses", "ing"]),
        ("ServiceAccount", &["serviceaccount", "serviceaccounts", "sa"]),
        ("HorizontalPodAutoscaler", &["horizontalpodautoscaler", "horizontalpodautoscalers", "hpa"]),
        ("PodDisruptionBudget", &["poddisruptionbudget", "poddisruptionbudgets", "pdb"]),
        ("NetworkPolicy", &["networkpolicy", "networkpolicies", "netpol"]),
        ("CustomResourceDefinition", &["customresourcedefinition", "customresourcedefinitions", "crd", "crds"]),
        ("ReplicationController", &["replicationcontroller", "replicationcontrollers", "rc"]),
        ("Endpoints", &["endpoints", "ep"]),
        ("StorageClass", &["storageclass", "storageclasses", "sc"]),
        ("Node", &["node", "nodes", "no"]),
        ("Role", &["role", "roles"]),
        ("RoleBinding", &["rolebinding", "rolebindings"]),
        ("ClusterRole", &["clusterrole", "clusterroles"]),
        ("ClusterRoleBinding", &["clusterrolebinding", "clusterrolebindings"]),
    ];
    // `deployments.v1.apps`, `deployment.apps`: the resource is the part before the first dot.
    let resource = typed.split('.').next().unwrap_or(typed).to_ascii_lowercase();
    if let Some((kind, _)) = KINDS.iter().find(|(_, names)| names.contains(&resource.as_str())) {
        return (*kind).to_string();
    }
    let known = platform.objects.iter().map(|o| o.kind.value.as_str()).find(|k| {
        let l = k.to_ascii_lowercase();
        l == resource || format!("{l}s") == resource || format!("{l}es") == resource
    });
    match known {
        Some(k) => k.to_string(),
        None => {
            let mut c = typed.chars();
            c.next().map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
        }
    }
}

/// A label selector as typed after `-l` (`app=web,tier!=db,env in (a,b),!legacy,release`).
pub(super) fn parse_selector(s: &str, span: Span) -> Option<LabelSelector> {
    let mut sel = LabelSelector::default();
    for term in split_terms(s) {
        let term = term.trim();
        if term.is_empty() {
            continue;
        }
        if let Some(key) = term.strip_prefix('!') {
            sel.match_expressions.push(req(key, SelectorOp::DoesNotExist, Vec::new()));
        } else if let Some((k, v)) = term.split_once("!=") {
            sel.match_expressions.push(req(k, SelectorOp::NotIn, vec![v.trim().to_string()]));
        } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
            sel.match_labels.insert(k.trim().to_string(), Spanned::new(v.trim().to_string(), span));
        } else if let Some((k, rest)) = term.split_once(" notin ").or_else(|| term.split_once(" in ")) {
            let op = if term.contains(" notin ") { SelectorOp::NotIn } else { SelectorOp::In };
            let vals = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
            sel.match_expressions.push(req(k, op, vals.split(',').map(|v| v.trim().to_string()).collect()));
        } else if term.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c)) {
            sel.match_expressions.push(req(term, SelectorOp::Exists, Vec::new()));
        } else {
            return None;
        }
    }
    Some(sel)
}

fn req(key: &str, op: SelectorOp, values: Vec<String>) -> Requirement {
    Requirement { key: key.trim().to_string(), op, values }
}

/// Splits on commas outside parentheses.
fn split_terms(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// Objects of `kind` named `name` (any name when None), in `namespace` when given.
pub(super) fn objects_named(
    platform: &Platform,
    kind: &str,
    name: Option<&str>,
    namespace: Option<&str>,
) -> Vec<ObjectId> {
    platform
        .objects
        .iter()
        .filter(|o| o.kind.value.eq_ignore_ascii_case(kind))
        .filter(|o| name.is_none_or(|n| o.name_str() == n))
        .filter(|o| namespace.is_none() || same_namespace(o.namespace_str(), namespace))
        .map(|o| o.id)
        .collect()
}

/// Objects of `kind` whose labels match; for Pods, also the workloads whose pod template
/// matches (the pods do not exist in the manifests, their controllers do).
pub(super) fn objects_selected(
    platform: &Platform,
    kind: &str,
    selector: &LabelSelector,
    namespace: Option<&str>,
) -> Vec<ObjectId> {
    let in_ns = |ns: Option<&str>| namespace.is_none() || same_namespace(ns, namespace);
    let mut out: Vec<ObjectId> = platform
        .objects
        .iter()
        .filter(|o| o.kind.value.eq_ignore_ascii_case(kind) && in_ns(o.namespace_str()))
        .filter(|o| selector.matches(&o.labels))
        .map(|o| o.id)
        .collect();
    if kind == "Pod" {
        out.extend(
            platform
                .workloads
                .iter()
                .filter(|w| w.object.is_some() && in_ns(w.namespace.as_deref()) && selector.matches(&w.pod_labels))
                .filter_map(|w| w.object),
        );
        out.sort();
        out.dedup();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_as_kubectl_reads_them() {
        let p = Platform::default();
        for (typed, kind) in [
            ("deploy", "Deployment"),
            ("deployments.apps", "Deployment"),
            ("deployments.v1.apps", "Deployment"),
            ("Deployment", "Deployment"),
            ("jobs", "Job"),
            ("job", "Job"),
            ("sts", "StatefulSet"),
            ("ds", "DaemonSet"),
            ("po", "Pod"),
            ("svc", "Service"),
            ("widget", "Widget"),
        ] {
            assert_eq!(canonical_kind(typed, &p), kind, "{typed}");
        }
    }

    #[test]
    fn selectors() {
        let s = parse_selector("app=web,tier!=db,env in (a,b),!legacy,release", Span::default()).unwrap();
        assert_eq!(s.describe(), "app=web,tier notin (db),env in (a,b),!legacy,release");
    }
}
