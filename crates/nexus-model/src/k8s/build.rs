//! One Kubernetes object → its model pieces.

use base64::Engine;

use super::schema::{self, KindStatus};
use super::{Piece, problem};
use crate::read::{bool_at, int_at, key_span, port_ref, str_at, string, string_list, string_map, sub_span};
use crate::{
    BatchSpec, Confidence, ConfigEntry, ConfigId, ConfigKind, ConfigRef, ConfigRefKind, ConfigSource, Container,
    ContainerPort, Edge, EdgeKind, Endpoint, EndpointId, EnvFrom, EnvSource, EnvVar, FluxKustomization, Hpa, HpaMetric,
    IGNORE_ANNOTATION, InputProblem, InputProblemKind, LabelSelector, Object, ObjectId, Pdb, Probe, ProbeHandler,
    Requirement, ResourceRef, Role, Scaler, ScalerId, ScalerKind, ScalingRules, SelectorOp, ServicePort, Spanned,
    Suppression, SuppressionScope, Volume, VolumeMount, VolumeSource, Workload, WorkloadId, WorkloadKind,
};
use nexus_source::yaml::NodeRef;
use nexus_source::{SourceFile, Span};

pub const DEPENDS_ON_ANNOTATION: &str = "nexus-lint.io/depends-on";

pub fn object(
    src: &SourceFile,
    doc: usize,
    root: NodeRef<'_>,
    template: Option<&str>,
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
    let namespace = meta.and_then(|m| str_at(m, "namespace"));
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
        config_refs: Vec::new(),
        edges: Vec::new(),
        suppressions: Vec::new(),
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
        (av, "Kustomization") if av.starts_with("kustomize.toolkit.fluxcd.io/") => flux(&cx, &mut piece),
        ("networking.k8s.io/v1", "NetworkPolicy") => {
            piece.network_policy = super::netpol::read(root, &piece.object).map(Box::new);
        }
        _ => {}
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

struct Cx<'a> {
    src: &'a SourceFile,
    root: NodeRef<'a>,
    piece_name: Option<Spanned<String>>,
    namespace: Option<String>,
}

impl Cx<'_> {
    fn name(&self) -> Spanned<String> {
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

fn container(node: NodeRef<'_>, is_init: bool) -> Container {
    let name = str_at(node, "name").unwrap_or_else(|| Spanned::new(String::new(), node.span()));
    let env = node
        .get("env")
        .map(|l| {
            l.items()
                .filter_map(|e| {
                    let name = str_at(e, "name")?;
                    let value = str_at(e, "value");
                    let from = e.get("valueFrom").and_then(env_source);
                    Some(EnvVar { name, value, from, span: e.span() })
                })
                .collect()
        })
        .unwrap_or_default();
    let env_from = node
        .get("envFrom")
        .map(|l| {
            l.items()
                .filter_map(|e| {
                    let (kind, r) = match (e.get("configMapRef"), e.get("secretRef")) {
                        (Some(r), _) => (ConfigKind::ConfigMap, r),
                        (None, Some(r)) => (ConfigKind::Secret, r),
                        _ => return None,
                    };
                    Some(EnvFrom {
                        kind,
                        name: str_at(r, "name")?,
                        prefix: str_at(e, "prefix").map(|p| p.value),
                        optional: bool_at(r, "optional").unwrap_or(false),
                        span: e.span(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let ports = node
        .get("ports")
        .map(|l| {
            l.items()
                .filter_map(|p| {
                    Some(ContainerPort {
                        name: str_at(p, "name"),
                        port: int_at(p, "containerPort")?,
                        protocol: str_at(p, "protocol").map_or_else(|| "TCP".into(), |s| s.value),
                        published: None,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let resources = node.get("resources");
    Container {
        name,
        span: node.span(),
        image: str_at(node, "image"),
        command: string_list(node.get("command")),
        args: string_list(node.get("args")),
        env,
        env_from,
        ports,
        readiness: probe(node, "readinessProbe"),
        liveness: probe(node, "livenessProbe"),
        startup: probe(node, "startupProbe"),
        requests: string_map(resources.and_then(|r| r.get("requests"))),
        limits: string_map(resources.and_then(|r| r.get("limits"))),
        restart_policy: str_at(node, "restartPolicy"),
        is_init,
        volume_mounts: node
            .get("volumeMounts")
            .map(|l| {
                l.items()
                    .filter_map(|m| {
                        Some(VolumeMount {
                            name: str_at(m, "name")?,
                            mount_path: str_at(m, "mountPath")?,
                            sub_path: str_at(m, "subPath").map(|s| s.value),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

fn env_source(v: NodeRef<'_>) -> Option<EnvSource> {
    if let Some(r) = v.get("configMapKeyRef") {
        return Some(EnvSource::ConfigMapKey {
            name: str_at(r, "name")?,
            key: str_at(r, "key")?,
            optional: bool_at(r, "optional").unwrap_or(false),
        });
    }
    if let Some(r) = v.get("secretKeyRef") {
        return Some(EnvSource::SecretKey {
            name: str_at(r, "name")?,
            key: str_at(r, "key")?,
            optional: bool_at(r, "optional").unwrap_or(false),
        });
    }
    if let Some(r) = v.get("fieldRef") {
        return Some(EnvSource::Field(str_at(r, "fieldPath")?));
    }
    if let Some(r) = v.get("resourceFieldRef") {
        return Some(EnvSource::ResourceField(str_at(r, "resource")?));
    }
    None
}

fn seconds_ms(node: NodeRef<'_>, key: &str) -> Option<Spanned<i64>> {
    int_at(node, key).map(|s| s.map(|v| v.saturating_mul(1000)))
}

fn probe(container: NodeRef<'_>, key: &str) -> Option<Probe> {
    let entry = container.entry(key)?;
    let p = entry.value;
    let handler = if let Some(h) = p.get("httpGet") {
        match h.get("port").and_then(port_ref) {
            Some(port) => {
                ProbeHandler::Http { port, path: str_at(h, "path"), host: str_at(h, "host").map(|s| s.value) }
            }
            None => ProbeHandler::None,
        }
    } else if let Some(h) = p.get("tcpSocket") {
        match h.get("port").and_then(port_ref) {
            Some(port) => ProbeHandler::Tcp { port, host: str_at(h, "host").map(|s| s.value) },
            None => ProbeHandler::None,
        }
    } else if let Some(h) = p.get("grpc") {
        match h.get("port").and_then(port_ref) {
            Some(port) => ProbeHandler::Grpc { port },
            None => ProbeHandler::None,
        }
    } else if let Some(h) = p.get("exec") {
        ProbeHandler::Exec { command: string_list(h.get("command")) }
    } else {
        ProbeHandler::None
    };
    Some(Probe {
        key_span: entry.key.span(),
        span: p.span(),
        handler,
        initial_delay_ms: seconds_ms(p, "initialDelaySeconds"),
        period_ms: seconds_ms(p, "periodSeconds"),
        timeout_ms: seconds_ms(p, "timeoutSeconds"),
        failure_threshold: int_at(p, "failureThreshold"),
        success_threshold: int_at(p, "successThreshold"),
        start_period_ms: None,
        disabled: false,
    })
}

fn volume(v: NodeRef<'_>) -> Option<Volume> {
    let name = str_at(v, "name")?;
    let items = |n: NodeRef<'_>| -> Vec<Spanned<String>> {
        n.get("items").map(|l| l.items().filter_map(|i| str_at(i, "key")).collect()).unwrap_or_default()
    };
    let source = if let Some(c) = v.get("configMap") {
        VolumeSource::ConfigMap {
            name: str_at(c, "name")?,
            optional: bool_at(c, "optional").unwrap_or(false),
            items: items(c),
        }
    } else if let Some(s) = v.get("secret") {
        VolumeSource::Secret {
            name: str_at(s, "secretName")?,
            optional: bool_at(s, "optional").unwrap_or(false),
            items: items(s),
        }
    } else if let Some(p) = v.get("projected") {
        let mut out = Vec::new();
        for s in p.get("sources").into_iter().flat_map(|l| l.items()) {
            for (key, kind) in [("configMap", ConfigKind::ConfigMap), ("secret", ConfigKind::Secret)] {
                if let Some(r) = s.get(key)
                    && let Some(n) = str_at(r, "name")
                {
                    out.push((kind, n, bool_at(r, "optional").unwrap_or(false)));
                }
            }
        }
        VolumeSource::Projected(out)
    } else if let Some(p) = v.get("persistentVolumeClaim") {
        VolumeSource::Pvc(str_at(p, "claimName")?)
    } else if v.get("emptyDir").is_some() {
        VolumeSource::EmptyDir
    } else if let Some(h) = v.get("hostPath") {
        VolumeSource::HostPath(str_at(h, "path").map(|s| s.value).unwrap_or_default())
    } else {
        VolumeSource::Other(
            v.entries().find(|e| e.key.as_str() != Some("name")).and_then(|e| e.key.as_str()).unwrap_or("").to_string(),
        )
    };
    Some(Volume { name, span: v.span(), source })
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
    let mut read = |key: &str, base64: bool| {
        for e in root.get(key).into_iter().flat_map(|m| m.entries()) {
            let Some(k) = string(e.key) else { continue };
            let value = string(e.value).map(|v| {
                if base64 {
                    let decoded = base64::engine::general_purpose::STANDARD
                        .decode(v.value.trim().as_bytes())
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok());
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
    }));
}

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

fn hpa(cx: &Cx<'_>, piece: &mut Piece) {
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
        metrics.push(HpaMetric {
            span: m.span(),
            kind,
            resource: body.and_then(|b| str_at(b, "name")).map(|s| s.value),
            target_type: body.and_then(|b| b.get("target")).and_then(|t| str_at(t, "type")).map(|s| s.value),
            container: body.and_then(|b| str_at(b, "container")).map(|s| s.value),
        });
    }
    let behavior = spec.get("behavior");
    let h = Hpa {
        api_version: piece.object.api_version.value.clone(),
        target_kind: str_at(target, "kind").unwrap_or_else(|| Spanned::new(String::new(), target.span())),
        target_name: str_at(target, "name").unwrap_or_else(|| Spanned::new(String::new(), target.span())),
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
fn keda(cx: &Cx<'_>, piece: &mut Piece) {
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
        target_span: target.span(),
        min_replicas: int_at(spec, "minReplicaCount").or(Some(Spanned::new(0, target.span()))),
        max_replicas: int_at(spec, "maxReplicaCount").or(Some(Spanned::new(100, target.span()))),
        metrics: spec
            .get("triggers")
            .into_iter()
            .flat_map(|l| l.items())
            .map(|t| HpaMetric {
                span: t.span(),
                kind: "External".into(),
                resource: str_at(t, "type").map(|s| s.value),
                target_type: None,
                container: None,
            })
            .collect(),
        scale_up: scaling_rules(behavior.and_then(|b| b.get("scaleUp"))),
        scale_down: scaling_rules(behavior.and_then(|b| b.get("scaleDown"))),
        target: None,
    };
    piece.scaler = Some(Box::new(scaler(cx, piece, ScalerKind::Hpa(Box::new(h)))));
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

fn pdb(cx: &Cx<'_>, piece: &mut Piece) {
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
