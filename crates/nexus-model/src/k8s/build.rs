//! One Kubernetes object → its model pieces.

use base64::Engine;

use super::pod::{container, volume};
use super::scaling::{hpa, keda, limit_range, pdb};
use super::schema::{self, KindStatus};
use super::{Piece, problem};
use crate::read::{bool_at, entry_line, int_at, key_span, port_ref, str_at, string, string_map, sub_span};
use crate::{
    BatchSpec, Confidence, ConfigEntry, ConfigId, ConfigKind, ConfigRef, ConfigRefKind, ConfigSource, Container,
    ControllerSpec, Edge, EdgeKind, Endpoint, EndpointId, EnvSource, FluxKustomization, IGNORE_ANNOTATION,
    InputProblem, InputProblemKind, Object, ObjectId, ResourceRef, Role, ServicePort, Spanned, Suppression,
    SuppressionScope, Volume, VolumeSource, Workload, WorkloadId, WorkloadKind,
};
use nexus_source::yaml::NodeRef;
use nexus_source::{SourceFile, Span};

pub const DEPENDS_ON_ANNOTATION: &str = "nexus-lint.io/depends-on";

pub fn object(
    src: &SourceFile,
    doc: usize,
    root: NodeRef<'_>,
    template: Option<&str>,
    listed: super::Listed<'_>,
    problems: &mut Vec<InputProblem>,
) -> Option<Piece> {
    let api_version = str_at(root, "apiVersion");
    let kind = str_at(root, "kind");
    let (Some(api_version), Some(kind)) = (api_version, kind) else {
        let missing = if root.get("apiVersion").is_none() { "apiVersion" } else { "kind" };
        problems.push(problem(
            root.span(),
            format!("document has no `{missing}`"),
            Some(format!("Add `{missing}:` so the object can be identified.")),
        ));
        return None;
    };
    let meta = root.get("metadata");
    let name = meta.and_then(|m| str_at(m, "name"));
    let generate_name = meta.and_then(|m| str_at(m, "generateName"));
    // A kustomization that lists the file sets the namespace of its namespaced objects.
    let namespace = match listed.namespace.filter(|_| !cluster_scoped(&kind.value)) {
        Some(ns) => Some(Spanned::new(ns.to_string(), kind.span)),
        None => meta.and_then(|m| str_at(m, "namespace")),
    };
    let display_name = name.as_ref().or(generate_name.as_ref()).map_or("", |n| n.value.as_str());
    let resource = ResourceRef::k8s(&kind.value, namespace.as_ref().map(|n| n.value.as_str()), display_name);
    let status = schema::schema().status(&api_version.value, &kind.value);
    let mut push = |span: Span, message: String, help: Option<String>, kind_: InputProblemKind| {
        problems.push(InputProblem::new(kind_, span, message, help).resource(Some(resource.clone())));
    };
    match &status {
        KindStatus::Known => {
            let violations = schema::schema().validate(&api_version.value, &kind.value, root);
            let secret = kind.value == "Secret";
            for v in violations {
                if listed.selectors && v.message.starts_with("missing required field `selector`") {
                    continue;
                }
                // A Secret's values never reach a message: `found string `…`` loses its value.
                let message = match (secret, v.message.find(", found ")) {
                    (true, Some(i)) => {
                        let rest = &v.message[i + ", found ".len()..];
                        format!("{}, found {}", &v.message[..i], rest.split(" `").next().unwrap_or(rest))
                    }
                    _ => v.message,
                };
                push(v.span, message, v.help, InputProblemKind::Manifest);
            }
            for (span, key) in obsolete_init_containers(root) {
                push(
                    span,
                    format!("`{key}` has been ignored since Kubernetes 1.8: the init containers it declares never run"),
                    Some("Move them to `spec.initContainers` of the pod template.".into()),
                    InputProblemKind::Manifest,
                );
            }
            if name.is_none() && generate_name.is_none() {
                let span = root.entry("metadata").map_or(kind.span, |e| e.key.span());
                push(
                    span,
                    format!("`{}` has no `metadata.name`", kind.value),
                    Some("Name the object: `metadata.name`.".into()),
                    InputProblemKind::Manifest,
                );
            }
        }
        KindStatus::WrongVersion { served } => push(
            api_version.span,
            format!(
                "`{}` does not serve `{}` in Kubernetes {}",
                api_version.value,
                kind.value,
                schema::KUBERNETES_VERSION
            ),
            Some(format!("Use `apiVersion: {}`.", served.join("` or `"))),
            InputProblemKind::Manifest,
        ),
        KindStatus::UnknownInGroup { suggestion } => push(
            kind.span,
            format!("`{}` has no kind `{}`", api_version.value, kind.value),
            suggestion.as_ref().map(|s| format!("Did you mean `{s}`?")),
            InputProblemKind::Manifest,
        ),
        KindStatus::Foreign => push(
            kind.span,
            format!(
                "`{}` (`{}`) is not a Kubernetes {} kind; it is kept but not validated",
                kind.value,
                api_version.value,
                schema::KUBERNETES_VERSION
            ),
            Some("Custom resources are checked only by rules that know them.".into()),
            InputProblemKind::UnknownKind,
        ),
    }
    let labels = string_map(meta.and_then(|m| m.get("labels")));
    let annotations = string_map(meta.and_then(|m| m.get("annotations")));
    let object = Object {
        id: ObjectId(0),
        file: src.id,
        doc,
        api_version: api_version.clone(),
        kind: kind.clone(),
        name: name.clone().or(generate_name.clone()),
        namespace: namespace.clone(),
        labels,
        annotations,
        span: root.span(),
        template: template.map(str::to_string),
        known_kind: status == KindStatus::Known,
        resource: resource.clone(),
    };
    let mut piece = Piece {
        object,
        workload: None,
        endpoint: None,
        config: None,
        scaler: None,
        network_policy: None,
        flux: None,
        limit_range: None,
        mesh: None,
        config_refs: Vec::new(),
        edges: Vec::new(),
        suppressions: Vec::new(),
        secrets: Vec::new(),
    };
    for path in [
        &["metadata", "annotations", IGNORE_ANNOTATION][..],
        &["spec", "template", "metadata", "annotations", IGNORE_ANNOTATION],
    ] {
        if let Some(node) = root.path(path) {
            piece.suppressions.push(annotation_suppression(node, &resource));
        }
    }
    let cx = Cx { src, root, piece_name: name.or(generate_name), namespace: namespace.map(|n| n.value) };
    match (api_version.value.as_str(), kind.value.as_str()) {
        ("apps/v1", "Deployment") => workload(&cx, &mut piece, WorkloadKind::Deployment),
        ("apps/v1", "StatefulSet") => workload(&cx, &mut piece, WorkloadKind::StatefulSet),
        ("apps/v1", "DaemonSet") => workload(&cx, &mut piece, WorkloadKind::DaemonSet),
        ("apps/v1", "ReplicaSet") => workload(&cx, &mut piece, WorkloadKind::ReplicaSet),
        ("batch/v1", "Job") => workload(&cx, &mut piece, WorkloadKind::Job),
        ("batch/v1", "CronJob") => workload(&cx, &mut piece, WorkloadKind::CronJob),
        ("v1", "Pod") => workload(&cx, &mut piece, WorkloadKind::Pod),
        ("v1", "Service") => service(&cx, &mut piece),
        ("v1", "ConfigMap") => config(&cx, &mut piece, ConfigKind::ConfigMap),
        ("v1", "Secret") => config(&cx, &mut piece, ConfigKind::Secret),
        (av, "HorizontalPodAutoscaler") if av.starts_with("autoscaling/") => hpa(&cx, &mut piece),
        ("keda.sh/v1alpha1", "ScaledObject") => keda(&cx, &mut piece),
        ("policy/v1", "PodDisruptionBudget") => pdb(&cx, &mut piece),
        ("v1", "LimitRange") => limit_range(&cx, &mut piece),
        (av, "Kustomization") if av.starts_with("kustomize.toolkit.fluxcd.io/") => flux(&cx, &mut piece),
        ("networking.k8s.io/v1", "NetworkPolicy") => {
            piece.network_policy = super::netpol::read(root, &piece.object).map(Box::new);
        }
        (av, k) => match super::mesh::kind_of(av, k) {
            Some(mesh) => super::mesh::read(&cx, &mut piece, mesh),
            None => super::produced::read(&cx, &mut piece, av, k),
        },
    }
    Some(piece)
}

/// `nexus-lint.io/ignore: "NX101, NX402"`: codes separated by commas or spaces.
pub fn annotation_suppression(node: NodeRef<'_>, resource: &ResourceRef) -> Suppression {
    let text = node.as_str().unwrap_or_default();
    Suppression {
        codes: text
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| Spanned::new(c.to_string(), sub_span(node, c)))
            .collect(),
        scope: SuppressionScope::Resource(resource.to_string()),
        reason: None,
        span: node.span(),
    }
}

/// The alpha/beta annotations that declared init containers before `spec.initContainers`
/// (Kubernetes 1.3–1.5; ignored since 1.8): a gate written there silently does not exist.
fn obsolete_init_containers(root: NodeRef<'_>) -> Vec<(Span, &'static str)> {
    const KEYS: &[&str] = &["pod.beta.kubernetes.io/init-containers", "pod.alpha.kubernetes.io/init-containers"];
    let metas = [
        root.get("metadata"),
        root.path(&["spec", "template", "metadata"]),
        root.path(&["spec", "jobTemplate", "spec", "template", "metadata"]),
    ];
    let mut out = Vec::new();
    for a in metas.into_iter().flatten().filter_map(|m| m.get("annotations")).filter(|a| a.is_map()) {
        for key in KEYS {
            if let Some(e) = a.entry(key) {
                out.push((e.key.span(), *key));
            }
        }
    }
    out
}

pub(super) struct Cx<'a> {
    pub(super) src: &'a SourceFile,
    pub(super) root: NodeRef<'a>,
    pub(super) piece_name: Option<Spanned<String>>,
    pub(super) namespace: Option<String>,
}

impl Cx<'_> {
    pub(super) fn name(&self) -> Spanned<String> {
        self.piece_name.clone().unwrap_or_else(|| Spanned::new(String::new(), self.root.span()))
    }
}

fn workload(cx: &Cx<'_>, piece: &mut Piece, kind: WorkloadKind) {
    let root = cx.root;
    let spec = root.get("spec");
    let (template, job_spec) = match kind {
        WorkloadKind::Pod => (Some(root), None),
        WorkloadKind::CronJob => {
            let js = spec.and_then(|s| s.path(&["jobTemplate", "spec"]));
            (js.and_then(|j| j.get("template")), js)
        }
        WorkloadKind::Job => (spec.and_then(|s| s.get("template")), spec),
        _ => (spec.and_then(|s| s.get("template")), None),
    };
    let pod_meta = template.and_then(|t| t.get("metadata"));
    let pod_spec = template.and_then(|t| t.get("spec"));
    let pod_labels = if kind == WorkloadKind::Pod {
        piece.object.labels.clone()
    } else {
        string_map(pod_meta.and_then(|m| m.get("labels")))
    };
    let pod_annotations = if kind == WorkloadKind::Pod {
        piece.object.annotations.clone()
    } else {
        string_map(pod_meta.and_then(|m| m.get("annotations")))
    };
    let mut annotations = pod_annotations.clone();
    for (k, v) in &piece.object.annotations {
        annotations.insert(k.clone(), v.clone());
    }
    let read_containers = |key: &str, is_init: bool| -> Vec<Container> {
        pod_spec
            .and_then(|s| s.get(key))
            .map(|l| l.items().map(|c| container(c, is_init)).collect())
            .unwrap_or_default()
    };
    let init_containers = read_containers("initContainers", true);
    let containers = read_containers("containers", false);
    let volumes: Vec<Volume> =
        pod_spec.and_then(|s| s.get("volumes")).map(|v| v.items().filter_map(volume).collect()).unwrap_or_default();
    let batch = match kind {
        WorkloadKind::Job | WorkloadKind::CronJob => Some(BatchSpec {
            parallelism: job_spec.and_then(|j| int_at(j, "parallelism")),
            completions: job_spec.and_then(|j| int_at(j, "completions")),
            backoff_limit: job_spec.and_then(|j| int_at(j, "backoffLimit")),
            active_deadline_seconds: job_spec.and_then(|j| int_at(j, "activeDeadlineSeconds")),
            ttl_seconds_after_finished: job_spec.and_then(|j| int_at(j, "ttlSecondsAfterFinished")),
            restart_policy: pod_spec.and_then(|s| str_at(s, "restartPolicy")),
            schedule: spec.and_then(|s| str_at(s, "schedule")),
            generate_name: root.path(&["metadata", "generateName"]).is_some(),
        }),
        _ => None,
    };
    let replicas = match kind {
        WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::ReplicaSet => {
            spec.and_then(|s| int_at(s, "replicas"))
        }
        _ => None,
    };
    let replicas_line =
        replicas.as_ref().and_then(|_| spec?.entry("replicas")).and_then(|e| entry_line(&cx.src.text, e));
    let w = Workload {
        id: WorkloadId(0),
        kind,
        resource: piece.object.resource.clone(),
        name: cx.name(),
        namespace: cx.namespace.clone(),
        object: Some(ObjectId(0)),
        project: None,
        file: cx.src.id,
        span: root.span(),
        template: piece.object.template.clone(),
        pod_labels,
        annotations,
        pod_annotations,
        replicas,
        init_containers,
        containers,
        volumes,
        role: Role::Server,
        batch,
        compose: None,
        controller: ControllerSpec {
            max_unavailable: spec
                .and_then(|s| s.path(&["strategy", "rollingUpdate", "maxUnavailable"]))
                .and_then(port_ref),
            max_surge: spec.and_then(|s| s.path(&["strategy", "rollingUpdate", "maxSurge"])).and_then(port_ref),
            strategy: spec
                .and_then(|s| s.path(&["strategy"]).or_else(|| s.path(&["updateStrategy"])))
                .and_then(|s| str_at(s, "type")),
            min_ready_seconds: spec.and_then(|s| int_at(s, "minReadySeconds")),
            progress_deadline_seconds: spec.and_then(|s| int_at(s, "progressDeadlineSeconds")),
            restart_policy: pod_spec.and_then(|s| str_at(s, "restartPolicy")),
            replicas_line,
        },
    };
    // Config references.
    let mut refs = Vec::new();
    let mk = |kind: ConfigKind,
              how: ConfigRefKind,
              name: &Spanned<String>,
              key: Option<&Spanned<String>>,
              optional: bool,
              container: Option<&str>| ConfigRef {
        workload: WorkloadId(0),
        kind,
        how,
        name: name.clone(),
        key: key.cloned(),
        optional,
        container: container.map(str::to_string),
        target: None,
    };
    for c in w.all_containers() {
        for e in &c.env {
            match &e.from {
                Some(EnvSource::ConfigMapKey { name, key, optional }) => refs.push(mk(
                    ConfigKind::ConfigMap,
                    ConfigRefKind::EnvValueFrom,
                    name,
                    Some(key),
                    *optional,
                    Some(&c.name.value),
                )),
                Some(EnvSource::SecretKey { name, key, optional }) => refs.push(mk(
                    ConfigKind::Secret,
                    ConfigRefKind::EnvValueFrom,
                    name,
                    Some(key),
                    *optional,
                    Some(&c.name.value),
                )),
                _ => {}
            }
        }
        for f in &c.env_from {
            refs.push(mk(f.kind, ConfigRefKind::EnvFrom, &f.name, None, f.optional, Some(&c.name.value)));
        }
    }
    for v in &w.volumes {
        match &v.source {
            VolumeSource::ConfigMap { name, optional, items } => {
                if items.is_empty() {
                    refs.push(mk(ConfigKind::ConfigMap, ConfigRefKind::Volume, name, None, *optional, None));
                }
                for k in items {
                    refs.push(mk(ConfigKind::ConfigMap, ConfigRefKind::Volume, name, Some(k), *optional, None));
                }
            }
            VolumeSource::Secret { name, optional, items } => {
                if items.is_empty() {
                    refs.push(mk(ConfigKind::Secret, ConfigRefKind::Volume, name, None, *optional, None));
                }
                for k in items {
                    refs.push(mk(ConfigKind::Secret, ConfigRefKind::Volume, name, Some(k), *optional, None));
                }
            }
            VolumeSource::Projected(sources) => {
                for (k, name, optional) in sources {
                    refs.push(mk(*k, ConfigRefKind::ProjectedVolume, name, None, *optional, None));
                }
            }
            _ => {}
        }
    }
    for s in pod_spec.and_then(|s| s.get("imagePullSecrets")).into_iter().flat_map(|l| l.items()) {
        if let Some(name) = str_at(s, "name") {
            refs.push(mk(ConfigKind::Secret, ConfigRefKind::ImagePullSecret, &name, None, false, None));
        }
    }
    piece.config_refs = refs;
    // Declared dependencies.
    if let Some(ann) = root
        .path(&["metadata", "annotations", DEPENDS_ON_ANNOTATION])
        .or_else(|| pod_meta.and_then(|m| m.path(&["annotations", DEPENDS_ON_ANNOTATION])))
    {
        for target in ann.as_str().unwrap_or_default().split([',', ' ', '\n']).map(str::trim).filter(|s| !s.is_empty())
        {
            piece.edges.push(Edge {
                consumer: WorkloadId(0),
                target: Spanned::new(target.to_string(), sub_span(ann, target)),
                provider: None,
                endpoint: None,
                kind: EdgeKind::Annotation,
                confidence: Confidence::Explicit,
                via: None,
            });
        }
    }
    piece.workload = Some(Box::new(w));
}

fn service(cx: &Cx<'_>, piece: &mut Piece) {
    let spec = cx.root.get("spec");
    let selector_node = spec.and_then(|s| s.get("selector"));
    let ports = spec
        .and_then(|s| s.get("ports"))
        .map(|l| {
            l.items()
                .filter_map(|p| {
                    Some(ServicePort {
                        name: str_at(p, "name"),
                        port: int_at(p, "port")?,
                        target: p.get("targetPort").and_then(port_ref),
                        protocol: str_at(p, "protocol").map_or_else(|| "TCP".into(), |s| s.value),
                        span: p.span(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    piece.endpoint = Some(Box::new(Endpoint {
        id: EndpointId(0),
        resource: piece.object.resource.clone(),
        name: cx.name(),
        namespace: cx.namespace.clone(),
        file: cx.src.id,
        span: cx.root.span(),
        object: Some(ObjectId(0)),
        project: None,
        selector: selector_node.map(|s| string_map(Some(s))),
        selector_span: selector_node.map(|s| spec.map_or(s.span(), |sp| key_span(sp, "selector"))),
        service_type: spec.and_then(|s| str_at(s, "type")).map(|t| t.value),
        headless: spec.and_then(|s| str_at(s, "clusterIP")).is_some_and(|c| c.value == "None"),
        external_name: spec.and_then(|s| str_at(s, "externalName")).map(|t| t.value),
        ports,
        aliases: Vec::new(),
        targets: Vec::new(),
    }));
}

fn config(cx: &Cx<'_>, piece: &mut Piece, kind: ConfigKind) {
    let root = cx.root;
    let mut data = Vec::new();
    let mut undecoded = Vec::new();
    let mut read = |key: &str, base64: bool| {
        for e in root.get(key).into_iter().flat_map(|m| m.entries()) {
            let Some(k) = string(e.key) else { continue };
            let value = string(e.value).map(|v| {
                if base64 {
                    let decoded = base64::engine::general_purpose::STANDARD
                        .decode(v.value.trim().as_bytes())
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok());
                    if decoded.is_none() {
                        // Not data the model can use, but still a Secret's value: kept to be
                        // redacted (invalid base64 is NX002; binary data stays unread).
                        undecoded.push(v.clone());
                    }
                    decoded.map(|d| Spanned::with_via(d, v.span, v.via))
                } else {
                    Some(v)
                }
            });
            data.push(ConfigEntry { key: k, value: value.flatten() });
        }
    };
    match kind {
        ConfigKind::Secret => {
            read("data", true);
            read("stringData", false);
        }
        _ => {
            read("data", false);
            for e in root.get("binaryData").into_iter().flat_map(|m| m.entries()) {
                if let Some(k) = string(e.key) {
                    data.push(ConfigEntry { key: k, value: None });
                }
            }
        }
    }
    piece.secrets = undecoded;
    piece.config = Some(Box::new(ConfigSource {
        id: ConfigId(0),
        kind,
        resource: piece.object.resource.clone(),
        name: cx.name(),
        namespace: cx.namespace.clone(),
        file: cx.src.id,
        span: root.span(),
        object: Some(ObjectId(0)),
        project: None,
        data,
        immutable: bool_at(root, "immutable").unwrap_or(false),
        annotations: piece.object.annotations.clone(),
        external_file: None,
        generated: None,
    }));
}

/// A Flux Kustomization (`kustomize.toolkit.fluxcd.io`): path, `dependsOn`, and whether Ready
/// implies healthy workloads (`wait: true` or `healthChecks`).
fn flux(cx: &Cx<'_>, piece: &mut Piece) {
    let Some(spec) = cx.root.get("spec") else { return };
    piece.flux = Some(Box::new(FluxKustomization {
        object: ObjectId(0),
        name: cx.name(),
        namespace: cx.namespace.clone(),
        path: str_at(spec, "path"),
        depends_on: spec
            .get("dependsOn")
            .into_iter()
            .flat_map(|l| l.items())
            .filter_map(|d| Some((str_at(d, "name")?, str_at(d, "namespace").map(|n| n.value))))
            .collect(),
        waits_for_health: bool_at(spec, "wait").unwrap_or(false)
            || spec.get("healthChecks").is_some_and(|h| !h.is_empty()),
    }));
}

/// Kinds that live outside namespaces (the built-in ones, and by convention any `Cluster…`).
fn cluster_scoped(kind: &str) -> bool {
    kind.starts_with("Cluster")
        || matches!(
            kind,
            "Namespace"
                | "Node"
                | "PersistentVolume"
                | "StorageClass"
                | "CustomResourceDefinition"
                | "PriorityClass"
                | "IngressClass"
                | "RuntimeClass"
                | "APIService"
                | "ValidatingWebhookConfiguration"
                | "MutatingWebhookConfiguration"
                | "ValidatingAdmissionPolicy"
                | "ValidatingAdmissionPolicyBinding"
                | "CSIDriver"
                | "CSINode"
                | "VolumeAttachment"
                | "PodSecurityPolicy"
                | "CertificateSigningRequest"
                | "FlowSchema"
                | "PriorityLevelConfiguration"
        )
}
