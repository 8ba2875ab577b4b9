use std::collections::BTreeMap;

use super::{DeployPlan, FluxKustomization, Gate, LabelSelector, NetworkPolicy, PortRef, Spanned, Workload};
use nexus_source::{FileId, Span};

macro_rules! id_type {
    ($($name:ident),*) => {$(
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);
        impl $name {
            pub fn index(self) -> usize { self.0 as usize }
        }
    )*};
}
id_type!(ObjectId, WorkloadId, EndpointId, ConfigId, ScalerId, ProjectId);

/// Which input format something came from.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    Kubernetes,
    Compose,
}

/// The identity of a resource, as printed in diagnostics and matched by suppressions:
/// `Deployment/nexus-production/nexus-backend`, `Service/web` (no namespace given) or
/// `compose:nexus-backend`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceRef {
    pub format: Format,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl ResourceRef {
    pub fn k8s(kind: &str, namespace: Option<&str>, name: &str) -> Self {
        ResourceRef {
            format: Format::Kubernetes,
            kind: kind.to_string(),
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
        }
    }

    pub fn compose(service: &str) -> Self {
        ResourceRef { format: Format::Compose, kind: "service".into(), namespace: None, name: service.to_string() }
    }
}

impl std::fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.format, &self.namespace) {
            (Format::Compose, _) => write!(f, "compose:{}", self.name),
            (Format::Kubernetes, Some(ns)) => write!(f, "{}/{}/{}", self.kind, ns, self.name),
            (Format::Kubernetes, None) => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

/// Every Kubernetes document read, modelled or not (CRDs and unknown kinds included).
#[derive(Clone, Debug)]
pub struct Object {
    pub id: ObjectId,
    pub file: FileId,
    /// Index of the YAML document in its file.
    pub doc: usize,
    pub api_version: Spanned<String>,
    pub kind: Spanned<String>,
    pub name: Option<Spanned<String>>,
    pub namespace: Option<Spanned<String>>,
    pub labels: BTreeMap<String, Spanned<String>>,
    pub annotations: BTreeMap<String, Spanned<String>>,
    /// The whole object.
    pub span: Span,
    /// The Helm template this object was rendered from (`# Source:`).
    pub template: Option<String>,
    /// Whether the Kubernetes 1.37 API defines this apiVersion/kind.
    pub known_kind: bool,
    pub resource: ResourceRef,
}

impl Object {
    pub fn name_str(&self) -> &str {
        self.name.as_ref().map_or("", |n| n.value.as_str())
    }

    pub fn namespace_str(&self) -> Option<&str> {
        self.namespace.as_ref().map(|n| n.value.as_str())
    }

    pub fn annotation(&self, key: &str) -> Option<&Spanned<String>> {
        self.annotations.get(key)
    }
}

/// A Kubernetes Service, or a Compose service as a network endpoint.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub id: EndpointId,
    pub resource: ResourceRef,
    pub name: Spanned<String>,
    pub namespace: Option<String>,
    pub file: FileId,
    pub span: Span,
    pub object: Option<ObjectId>,
    pub project: Option<ProjectId>,
    /// None: no selector (endpoints managed by hand, ExternalName). Compose: the service.
    pub selector: Option<BTreeMap<String, Spanned<String>>>,
    pub selector_span: Option<Span>,
    pub service_type: Option<String>,
    pub headless: bool,
    pub external_name: Option<String>,
    pub ports: Vec<ServicePort>,
    /// Other names it answers to (Compose network aliases, hostname, container_name).
    pub aliases: Vec<Spanned<String>>,
    /// Workloads behind it: selected pods, or the Compose service itself.
    pub targets: Vec<WorkloadId>,
}

#[derive(Clone, Debug)]
pub struct ServicePort {
    pub name: Option<Spanned<String>>,
    pub port: Spanned<i64>,
    /// Defaults to `port` when absent.
    pub target: Option<Spanned<PortRef>>,
    pub protocol: String,
    pub span: Span,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConfigKind {
    ConfigMap,
    Secret,
    /// Compose top-level `configs:`.
    ComposeConfig,
    /// Compose top-level `secrets:`.
    ComposeSecret,
    /// A Compose `env_file`.
    EnvFile,
}

impl ConfigKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigKind::ConfigMap => "ConfigMap",
            ConfigKind::Secret => "Secret",
            ConfigKind::ComposeConfig => "config",
            ConfigKind::ComposeSecret => "secret",
            ConfigKind::EnvFile => "env_file",
        }
    }

    pub fn is_secret(self) -> bool {
        matches!(self, ConfigKind::Secret | ConfigKind::ComposeSecret)
    }
}

/// A ConfigMap, Secret, Compose config/secret, or env file.
#[derive(Clone, Debug)]
pub struct ConfigSource {
    pub id: ConfigId,
    pub kind: ConfigKind,
    pub resource: ResourceRef,
    pub name: Spanned<String>,
    pub namespace: Option<String>,
    pub file: FileId,
    pub span: Span,
    pub object: Option<ObjectId>,
    pub project: Option<ProjectId>,
    /// Keys and values. Secret values are kept for analysis only and never printed.
    pub data: Vec<ConfigEntry>,
    pub immutable: bool,
    pub annotations: BTreeMap<String, Spanned<String>>,
    /// For Compose configs/secrets/env files: the file they read, and whether it exists.
    pub external_file: Option<(String, bool)>,
    /// Generated by a kustomization (`configMapGenerator`, `secretGenerator`).
    pub generated: Option<crate::kustomize::Generated>,
}

#[derive(Clone, Debug)]
pub struct ConfigEntry {
    pub key: Spanned<String>,
    /// None for binary data.
    pub value: Option<Spanned<String>>,
}

/// Something that reads a config source.
#[derive(Clone, Debug)]
pub struct ConfigRef {
    pub workload: WorkloadId,
    pub kind: ConfigKind,
    pub how: ConfigRefKind,
    pub name: Spanned<String>,
    pub key: Option<Spanned<String>>,
    pub optional: bool,
    /// The container it is for, when it is per container.
    pub container: Option<String>,
    /// Resolved after linking.
    pub target: Option<ConfigId>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConfigRefKind {
    EnvValueFrom,
    EnvFrom,
    Volume,
    ProjectedVolume,
    ImagePullSecret,
    ComposeEnvFile,
    ComposeConfig,
    ComposeSecret,
}

/// An HPA, PDB or KEDA ScaledObject.
#[derive(Clone, Debug)]
pub struct Scaler {
    pub id: ScalerId,
    pub object: ObjectId,
    pub resource: ResourceRef,
    pub name: Spanned<String>,
    pub namespace: Option<String>,
    pub file: FileId,
    pub span: Span,
    pub kind: ScalerKind,
}

#[derive(Clone, Debug)]
pub enum ScalerKind {
    Hpa(Box<Hpa>),
    Pdb(Pdb),
}

#[derive(Clone, Debug)]
pub struct Hpa {
    /// `autoscaling/v2`, `autoscaling/v1`, or `keda.sh/v1alpha1` for a ScaledObject.
    pub api_version: String,
    pub target_kind: Spanned<String>,
    pub target_name: Spanned<String>,
    /// `scaleTargetRef.apiVersion` as written (the controller uses its group only).
    pub target_api_version: Option<Spanned<String>>,
    pub target_span: Span,
    pub min_replicas: Option<Spanned<i64>>,
    pub max_replicas: Option<Spanned<i64>>,
    pub metrics: Vec<HpaMetric>,
    pub scale_up: Option<ScalingRules>,
    pub scale_down: Option<ScalingRules>,
    /// Resolved after linking.
    pub target: Option<WorkloadId>,
}

#[derive(Clone, Debug)]
pub struct HpaMetric {
    pub span: Span,
    /// `Resource`, `ContainerResource`, `Pods`, `Object`, `External`.
    pub kind: String,
    /// For resource metrics: `cpu`, `memory`.
    pub resource: Option<String>,
    /// `Utilization`, `AverageValue`, `Value`.
    pub target_type: Option<String>,
    pub container: Option<String>,
}

#[derive(Clone, Debug)]
pub struct ScalingRules {
    pub span: Span,
    pub stabilization_seconds: Option<Spanned<i64>>,
    pub select_policy: Option<Spanned<String>>,
    /// (`Pods` or `Percent`, value, periodSeconds)
    pub policies: Vec<Spanned<(String, i64, i64)>>,
}

#[derive(Clone, Debug)]
pub struct Pdb {
    pub selector: LabelSelector,
    pub selector_span: Span,
    pub min_available: Option<Spanned<PortRef>>,
    pub max_unavailable: Option<Spanned<PortRef>>,
    pub targets: Vec<WorkloadId>,
}

/// Where a migration runs.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MigrationSite {
    /// A Job (or CronJob) or Compose one-shot service.
    Workload,
    /// An init container of a long-running workload.
    InitContainer,
    /// The main container's command of a long-running workload (migrate-then-serve).
    Entrypoint,
}

/// Something that runs schema changes.
#[derive(Clone, Debug)]
pub struct Migration {
    pub workload: WorkloadId,
    pub site: MigrationSite,
    /// The container that runs it.
    pub container: String,
    /// The command word or annotation that marks it as a migration.
    pub evidence: Span,
    /// The tool recognised (`alembic`, `flyway`, `prisma`, …), or `annotation`.
    pub tool: String,
    /// Helm hook annotation value (`pre-install,pre-upgrade`), if any.
    pub helm_hook: Option<Spanned<String>>,
    /// The datastores it migrates: the SQL or document stores its runner connects to, else (see
    /// [`Migration::datastore_assumed`]) the only SQL datastore beside it.
    pub datastores: Vec<WorkloadId>,
    /// The runner names no datastore (a `DATABASE_URL` read from a Secret): the one in
    /// `datastores` is the only SQL datastore of its namespace or Compose project.
    pub datastore_assumed: bool,
    /// Long-running servers, other than the runner, that use those datastores: they read the
    /// schema the migration writes.
    pub users: Vec<WorkloadId>,
    /// Whether the tool serializes concurrent runs (an advisory lock or a lock table).
    pub lock: crate::migration_facts::MigrationLock,
}

/// How sure we are that a dependency exists.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    /// Declared: Compose `depends_on`/`links`, `nexus-lint.io/depends-on`.
    Explicit,
    /// A connection string or host name that resolves to a known endpoint.
    Inferred,
}

/// Why an edge exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// Compose `depends_on`, with its condition (`service_started` for the short form).
    DependsOn {
        condition: String,
        required: bool,
        restart: bool,
        short_form: bool,
    },
    Link,
    Annotation,
    /// A wait on the provider (an init container or entrypoint that waits for it): the wait is
    /// itself evidence of the dependency.
    Wait,
    /// A host name in a value the consumer reads: an env value, an arg or command word, or a
    /// ConfigMap/Secret value that an env var or `envFrom` reads.
    Host {
        /// The host as written (`nexus-database`, `db.prod.svc.cluster.local`).
        host: String,
        /// The port written, or implied by the URL scheme.
        port: Option<i64>,
        scheme: Option<String>,
        /// The env var that carries it, if any.
        variable: Option<String>,
        source: HostSource,
    },
}

/// Where an inferred host was found.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HostSource {
    EnvValue,
    /// A ConfigMap or Secret value read through `valueFrom` or `envFrom`.
    ConfigValue,
    /// A Compose `env_file` line.
    EnvFile,
    Arg,
}

/// Consumer → provider.
#[derive(Clone, Debug)]
pub struct Edge {
    pub consumer: WorkloadId,
    /// The name as written.
    pub target: Spanned<String>,
    /// The provider, when the name resolves.
    pub provider: Option<WorkloadId>,
    pub endpoint: Option<EndpointId>,
    pub kind: EdgeKind,
    pub confidence: Confidence,
    /// Where the value came through, when that is not where it is written (the env var that
    /// reads a ConfigMap key).
    pub via: Option<Span>,
}

/// A Compose project: the files Compose merges, and its `.env`.
#[derive(Clone, Debug)]
pub struct ComposeProject {
    pub id: ProjectId,
    pub name: String,
    pub files: Vec<FileId>,
    pub dir: String,
    pub env_file: Option<FileId>,
    /// A layer meant to go over files this run does not join it with (a file of its own whose
    /// services are not all whole, or that names services it does not define): only the
    /// services it defines whole are workloads, and what it leaves to other files is not judged.
    pub fragment: bool,
    /// A template of the directory's default override committed in its place
    /// (`compose.override.yaml.example`), when the project has no override: the override the
    /// user creates from it may define what the base file leaves out.
    pub override_template: Option<String>,
}

/// Why an input could not be fully modelled; each becomes an input-validity diagnostic.
#[derive(Clone, Debug)]
pub struct InputProblem {
    pub kind: InputProblemKind,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    pub related: Vec<(Span, String)>,
    pub resource: Option<ResourceRef>,
    /// Lower than the rule's default severity for lesser cases (an ambiguous scalar).
    pub minor: bool,
    /// Only a note (info): what the run could not check, not a defect of the input (a Helm
    /// chart whose templates were not rendered).
    pub note: bool,
}

impl InputProblem {
    pub fn new(kind: InputProblemKind, span: Span, message: impl Into<String>, help: Option<String>) -> Self {
        InputProblem {
            kind,
            span,
            message: message.into(),
            help,
            related: Vec::new(),
            resource: None,
            minor: false,
            note: false,
        }
    }

    pub fn resource(mut self, r: Option<ResourceRef>) -> Self {
        self.resource = r;
        self
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InputProblemKind {
    /// NX001
    Yaml,
    /// NX002
    Manifest,
    /// NX003
    Compose,
    /// NX004
    Template,
    /// NX005
    UnknownKind,
    /// NX007
    Empty,
    /// NX008: variables a Compose project uses that its `.env` does not set.
    UnsetVariable,
    /// NX009: a Compose file that is a layer over files the run does not join it with.
    ComposeFragment,
}

/// The whole platform.
#[derive(Debug, Default)]
pub struct Platform {
    /// Roles the configuration sets (`roles:` in `.nexus-lint.yaml`), applied when roles are
    /// inferred.
    pub role_overrides: Vec<crate::roles::RoleOverride>,
    /// Migration settings from the configuration (`migrations:` in `.nexus-lint.yaml`).
    pub migration_settings: crate::migration_facts::MigrationSettings,
    pub objects: Vec<Object>,
    pub workloads: Vec<Workload>,
    pub endpoints: Vec<Endpoint>,
    pub configs: Vec<ConfigSource>,
    pub config_refs: Vec<ConfigRef>,
    pub scalers: Vec<Scaler>,
    pub migrations: Vec<Migration>,
    /// Backup scripts and Jobs, with what they dump.
    pub backups: Vec<crate::backup::Backup>,
    pub edges: Vec<Edge>,
    pub gates: Vec<Gate>,
    pub plans: Vec<DeployPlan>,
    pub network_policies: Vec<NetworkPolicy>,
    pub flux: Vec<FluxKustomization>,
    /// LimitRanges: the requests they give containers that set none.
    pub limit_ranges: Vec<crate::scaling::LimitRange>,
    /// Connection pools and datastore limits, derived by `link` (see [`crate::capacity`]).
    pub capacity: crate::capacity::Capacity,
    /// Capacities the configuration sets (`capacity:` in `.nexus-lint.yaml`), applied when
    /// capacity is derived.
    pub capacity_overrides: Vec<crate::capacity::CapacityOverride>,
    /// Istio and Gateway API routing objects.
    pub mesh: Vec<crate::mesh::MeshObject>,
    /// Config data in a structured format (embedded JSON, YAML, TOML, properties files), with
    /// its schema and what violates it.
    pub structured: Vec<crate::structured::Structured>,
    /// What the configuration declares: external objects, schemas, service pairs.
    pub declared: crate::declared::Declared,
    pub projects: Vec<ComposeProject>,
    /// Lookup tables, filled by `link::link`.
    pub index: super::index::Index,
    pub problems: Vec<InputProblem>,
    /// Suppressions declared in annotations, Compose extensions and comments.
    pub suppressions: Vec<Suppression>,
    /// The path of every file read, by [`FileId`].
    pub paths: Vec<String>,
    /// What each probe checks beyond its own container.
    pub probe_checks: Vec<crate::probes::ProbeCheck>,
    /// YAML documents that are neither Kubernetes objects nor Compose files (`values.yaml`, CI
    /// workflows); counted so the summary can say what was skipped.
    pub skipped_documents: Vec<(FileId, usize)>,
    /// Secret values no object of the model holds: a `.env`'s credential-named entries, Secret
    /// `data` that is not valid base64 ([`crate::redact`]).
    pub secrets: Vec<Spanned<String>>,
    /// Images a build tool of the repository builds and writes, tagged, into the manifests it
    /// deploys (Skaffold artifacts): a manifest's tag for one of them is a placeholder.
    pub built_images: Vec<Spanned<String>>,
    /// (kind, name) of the objects unrendered Helm templates name literally: they may exist once
    /// the chart is rendered.
    pub template_objects: Vec<(String, String)>,
}

impl Platform {
    /// May an unrendered Helm template of the run define this object (it names it literally)?
    pub fn template_may_define(&self, kind: &str, name: &str) -> bool {
        self.template_objects.iter().any(|(k, n)| k == kind && n == name)
    }

    /// Does a build tool of the repository replace this image reference with the image it
    /// built, tagged and pinned, when it deploys (a Skaffold artifact of the same name, an image
    /// a kustomization's `images:` gives a tag or digest)? Then the tag written in the manifest
    /// never runs.
    pub fn image_set_at_deploy(&self, image: &str) -> bool {
        self.index.built_image_names.contains(crate::migration::image_name(image))
    }

    /// The path of a file, as the user gave it (or as found under a directory they gave).
    pub fn path(&self, file: FileId) -> &str {
        self.paths.get(file.0 as usize).map_or("", String::as_str)
    }

    pub fn object(&self, id: ObjectId) -> &Object {
        &self.objects[id.index()]
    }

    pub fn workload(&self, id: WorkloadId) -> &Workload {
        &self.workloads[id.index()]
    }

    pub fn endpoint(&self, id: EndpointId) -> &Endpoint {
        &self.endpoints[id.index()]
    }

    pub fn config(&self, id: ConfigId) -> &ConfigSource {
        &self.configs[id.index()]
    }

    /// Endpoints that route to a workload.
    pub fn endpoints_of(&self, w: WorkloadId) -> impl Iterator<Item = &Endpoint> {
        self.index.endpoints_of.get(w.index()).into_iter().flatten().map(|e| &self.endpoints[e.index()])
    }

    /// Edges whose provider is this workload.
    pub fn dependents_of(&self, w: WorkloadId) -> impl Iterator<Item = &Edge> {
        self.index.dependents_of.get(w.index()).into_iter().flatten().map(|&i| &self.edges[i])
    }

    /// Edges whose consumer is this workload.
    pub fn dependencies_of(&self, w: WorkloadId) -> impl Iterator<Item = &Edge> {
        self.index.dependencies_of.get(w.index()).into_iter().flatten().map(|&i| &self.edges[i])
    }

    /// Gates of this workload.
    pub fn gates_of(&self, w: WorkloadId) -> impl Iterator<Item = &Gate> {
        self.index.gates_of.get(w.index()).into_iter().flatten().map(|&i| &self.gates[i])
    }

    pub fn hpas(&self) -> impl Iterator<Item = (&Scaler, &Hpa)> {
        self.scalers.iter().filter_map(|s| match &s.kind {
            ScalerKind::Hpa(h) => Some((s, &**h)),
            _ => None,
        })
    }

    pub fn pdbs(&self) -> impl Iterator<Item = (&Scaler, &Pdb)> {
        self.scalers.iter().filter_map(|s| match &s.kind {
            ScalerKind::Pdb(p) => Some((s, p)),
            _ => None,
        })
    }
}

/// Do two namespaces denote the same one? An object without a namespace is applied into
/// whatever namespace the deploy names, so it is taken to share the other's.
pub fn same_namespace(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// A suppression written in the linted repository: an `nexus-lint.io/ignore` annotation, a
/// Compose `x-nexus-lint: {ignore: [...]}`, or a `# nexus-lint: ignore[...]` comment.
#[derive(Clone, Debug)]
pub struct Suppression {
    /// Each code (or rule name) as written, with its span.
    pub codes: Vec<Spanned<String>>,
    pub scope: SuppressionScope,
    pub reason: Option<String>,
    /// The whole suppression, for reporting it.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SuppressionScope {
    /// Findings whose primary span starts in this byte range (a line of a file).
    Range(Span),
    /// Every finding in the file.
    File(FileId),
    /// Findings on this resource (its display form).
    Resource(String),
}

pub const IGNORE_ANNOTATION: &str = "nexus-lint.io/ignore";
