//! Workloads and what they are made of: containers (image, command, env, ports, probes,
//! resources, mounts), volumes, batch and Compose specifics.

use std::collections::BTreeMap;

use crate::{ConfigKind, FileId, ObjectId, ProjectId, ResourceRef, Spanned, WorkloadId};
use nexus_source::Span;

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    Job,
    CronJob,
    Pod,
    ComposeService,
}

impl WorkloadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
            WorkloadKind::Pod => "Pod",
            WorkloadKind::ComposeService => "service",
        }
    }

    /// Runs to completion rather than serving.
    pub fn is_batch(self) -> bool {
        matches!(self, WorkloadKind::Job | WorkloadKind::CronJob)
    }
}

/// What a workload is for, inferred from its image, ports, command, what depends on it and
/// annotations (`nexus-lint.io/role` overrides); the vocabulary is documented in
/// [`crate::roles`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Server,
    Datastore,
    Cache,
    Queue,
    Migration,
    OneShot,
    /// A reverse proxy or load balancer.
    Proxy,
    /// Metrics, dashboards, log and trace pipelines.
    Observability,
    /// An admin UI that connects when a person asks it to.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Server => "server",
            Role::Datastore => "datastore",
            Role::Cache => "cache",
            Role::Queue => "queue",
            Role::Migration => "migration",
            Role::OneShot => "one-shot",
            Role::Proxy => "proxy",
            Role::Observability => "observability",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "server" => Role::Server,
            "datastore" | "database" => Role::Datastore,
            "cache" => Role::Cache,
            "queue" => Role::Queue,
            "migration" => Role::Migration,
            "one-shot" | "job" => Role::OneShot,
            "proxy" | "gateway" | "load-balancer" => Role::Proxy,
            "observability" | "monitoring" | "telemetry" | "exporter" => Role::Observability,
            "admin" | "admin-ui" => Role::Admin,
            _ => return None,
        })
    }
}

/// A Deployment, StatefulSet, DaemonSet, Job, CronJob or Pod, or a Compose service.
#[derive(Clone, Debug)]
pub struct Workload {
    pub id: WorkloadId,
    pub kind: WorkloadKind,
    pub resource: ResourceRef,
    pub name: Spanned<String>,
    pub namespace: Option<String>,
    /// The Kubernetes object (None for Compose).
    pub object: Option<ObjectId>,
    /// The Compose project (None for Kubernetes).
    pub project: Option<ProjectId>,
    pub file: FileId,
    /// The whole object or Compose service.
    pub span: Span,
    pub template: Option<String>,
    /// Labels of the pods it creates (the pod template's).
    pub pod_labels: BTreeMap<String, Spanned<String>>,
    /// Object annotations, then pod-template annotations (object wins on a clash).
    pub annotations: BTreeMap<String, Spanned<String>>,
    /// Pod-template annotations alone (rollout triggers live here).
    pub pod_annotations: BTreeMap<String, Spanned<String>>,
    pub replicas: Option<Spanned<i64>>,
    pub init_containers: Vec<Container>,
    pub containers: Vec<Container>,
    pub volumes: Vec<Volume>,
    pub role: Role,
    /// Job `parallelism`, `backoffLimit`, `activeDeadlineSeconds`, `ttlSecondsAfterFinished`,
    /// restartPolicy; CronJob schedule.
    pub batch: Option<BatchSpec>,
    /// Compose-only settings.
    pub compose: Option<ComposeServiceInfo>,
    /// Controller settings that decide how pods are rolled out and restarted.
    pub controller: ControllerSpec,
}

/// What a Kubernetes controller does with the pods it creates (empty for Compose).
#[derive(Clone, Debug, Default)]
pub struct ControllerSpec {
    /// Deployment `spec.strategy.rollingUpdate.maxUnavailable` (a number or a percentage).
    pub max_unavailable: Option<Spanned<PortRef>>,
    /// Deployment `spec.strategy.rollingUpdate.maxSurge` (a number or a percentage).
    pub max_surge: Option<Spanned<PortRef>>,
    /// Deployment `spec.strategy.type` (`RollingUpdate` by default, or `Recreate`); StatefulSet
    /// and DaemonSet `spec.updateStrategy.type` (`RollingUpdate` by default, or `OnDelete`).
    pub strategy: Option<Spanned<String>>,
    /// Deployment `spec.minReadySeconds`.
    pub min_ready_seconds: Option<Spanned<i64>>,
    /// Deployment `spec.progressDeadlineSeconds`.
    pub progress_deadline_seconds: Option<Spanned<i64>>,
    /// The pod's `restartPolicy` (Jobs keep theirs in [`BatchSpec::restart_policy`] too).
    pub restart_policy: Option<Spanned<String>>,
    /// The whole `spec.replicas` line — indentation and the newline — when it holds that entry
    /// alone, so an autofix can delete it and leave every other line as is. A line with a trailing
    /// comment has none: deleting it would lose the comment.
    pub replicas_line: Option<Span>,
}

impl Workload {
    /// Does it say when it is ready: a readiness probe or healthcheck that is not disabled?
    pub fn has_readiness(&self) -> bool {
        self.containers.iter().any(|c| c.readiness.as_ref().is_some_and(|r| !r.disabled))
    }

    /// May the image of this Compose service define a `HEALTHCHECK` that the repository does not
    /// show? Not when it is a Docker official image, nor when it is built here from one (its
    /// Dockerfile was read and has none); any other image may.
    pub fn image_may_define_healthcheck(&self) -> bool {
        use crate::migration::official_image;
        let Some(c) = self.containers.first() else { return false };
        let built = self.compose.as_ref().is_some_and(|x| x.build.is_some());
        match (built, &c.base_image, &c.image) {
            (true, Some(base), _) => !official_image(base),
            (true, None, _) => true,
            (false, _, Some(image)) => !official_image(&image.value),
            (false, _, None) => true,
        }
    }

    pub fn all_containers(&self) -> impl Iterator<Item = &Container> {
        self.init_containers.iter().chain(self.containers.iter())
    }

    pub fn annotation(&self, key: &str) -> Option<&Spanned<String>> {
        self.annotations.get(key)
    }

    pub fn is_long_running(&self) -> bool {
        !self.kind.is_batch() && !matches!(self.role, Role::Migration | Role::OneShot)
    }
}

#[derive(Clone, Debug, Default)]
pub struct BatchSpec {
    pub parallelism: Option<Spanned<i64>>,
    pub completions: Option<Spanned<i64>>,
    pub backoff_limit: Option<Spanned<i64>>,
    pub active_deadline_seconds: Option<Spanned<i64>>,
    pub ttl_seconds_after_finished: Option<Spanned<i64>>,
    pub restart_policy: Option<Spanned<String>>,
    pub schedule: Option<Spanned<String>>,
    /// The object uses `metadata.generateName`.
    pub generate_name: bool,
}

#[derive(Clone, Debug, Default)]
pub struct ComposeServiceInfo {
    /// The service's key in `services:`.
    pub key_span: Span,
    pub build: Option<Span>,
    pub profiles: Vec<String>,
    pub network_aliases: Vec<Spanned<String>>,
    pub hostname: Option<Spanned<String>>,
    pub container_name: Option<Spanned<String>>,
    pub restart: Option<Spanned<String>>,
    /// `depends_on` as written (the edges are in [`crate::Platform::edges`]).
    pub depends_on: Option<DependsOnDecl>,
    /// Variables of `environment` whose value Compose interpolated from `.env` or the shell
    /// (`${DB_PASSWORD}`): the file holds a reference, not the value.
    pub interpolated_env: Vec<String>,
    /// Client libraries of [`crate::clients`] that the build context's dependency manifest
    /// declares.
    pub clients: Vec<crate::clients::ClientLibrary>,
}

/// A Compose service's `depends_on` value as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DependsOnDecl {
    /// The `depends_on` key.
    pub key: Span,
    pub span: Span,
    /// The short (list) form.
    pub short_form: bool,
    /// A block-style list of plain names (`- db` lines) whose first line holds only spaces before
    /// it, with no comment between its items and no `${…}` interpolation: that indentation, so
    /// that an edit rewriting the list can keep it (and no comment or variable is lost).
    pub block_list_indent: Option<u32>,
    /// The number of items of the short-form list (0 for the long form), so that an edit
    /// rewriting the list can tell it knows every item.
    pub item_count: u32,
}

#[derive(Clone, Debug)]
pub struct Container {
    pub name: Spanned<String>,
    /// The container item (or the Compose service).
    pub span: Span,
    pub image: Option<Spanned<String>>,
    /// The image a Compose `build:` starts from (its Dockerfile's `FROM`), when it is known:
    /// what the service is, for its role, as `image` tells for a pulled one.
    pub base_image: Option<String>,
    /// The repository's script a Compose service runs as its entrypoint — one its Dockerfile
    /// copies from the build context, or one it bind-mounts where the entrypoint runs it — read
    /// (under the checked directories) so that the waits it starts with count.
    pub entrypoint_script: Option<nexus_source::FileId>,
    /// Kubernetes `command` (Compose `entrypoint`); a Compose string form is split into words
    /// as Compose does, with no shell.
    pub command: Vec<Spanned<String>>,
    /// Kubernetes `args` (Compose `command`).
    pub args: Vec<Spanned<String>>,
    pub env: Vec<EnvVar>,
    pub env_from: Vec<EnvFrom>,
    pub ports: Vec<ContainerPort>,
    pub readiness: Option<Probe>,
    pub liveness: Option<Probe>,
    pub startup: Option<Probe>,
    pub requests: BTreeMap<String, Spanned<String>>,
    pub limits: BTreeMap<String, Spanned<String>>,
    /// `restartPolicy: Always` on an init container makes it a native sidecar.
    pub restart_policy: Option<Spanned<String>>,
    pub is_init: bool,
    pub volume_mounts: Vec<VolumeMount>,
}

impl Container {
    pub fn is_sidecar(&self) -> bool {
        self.is_init && self.restart_policy.as_ref().is_some_and(|r| r.value == "Always")
    }

    /// Command and args as one list of words.
    pub fn argv(&self) -> impl Iterator<Item = &Spanned<String>> {
        self.command.iter().chain(self.args.iter())
    }

    /// Does the container only idle (`tail -f /dev/null`, `sleep infinity`, also inside
    /// `sh -c`)? A development container kept up to `exec` into runs none of its program, so
    /// it connects to nothing at start.
    pub fn is_idle(&self) -> bool {
        let mut words: Vec<&str> = self.argv().map(|w| w.value.as_str()).collect();
        if words.len() == 3 && ["sh", "bash", "/bin/sh", "/bin/bash"].contains(&words[0]) && words[1] == "-c" {
            words = words[2].split_whitespace().collect();
        }
        let words: Vec<&str> = words.into_iter().skip_while(|w| *w == "exec").collect();
        match words.as_slice() {
            ["tail", "-f", "/dev/null"] => true,
            ["sleep", t] => *t == "infinity" || t.parse::<u64>().is_ok_and(|n| n >= 86_400),
            _ => false,
        }
    }

    pub fn image_str(&self) -> &str {
        self.image.as_ref().map_or("", |i| i.value.as_str())
    }

    /// The images that say what the container is: its `image`, then the image its build
    /// starts from.
    pub fn images(&self) -> impl Iterator<Item = &str> {
        self.image.as_ref().map(|i| i.value.as_str()).into_iter().chain(self.base_image.as_deref())
    }
}

#[derive(Clone, Debug)]
pub struct VolumeMount {
    pub name: Spanned<String>,
    pub mount_path: Spanned<String>,
    pub sub_path: Option<String>,
}

#[derive(Clone, Debug)]
pub struct EnvVar {
    pub name: Spanned<String>,
    /// A literal value (after Compose interpolation).
    pub value: Option<Spanned<String>>,
    pub from: Option<EnvSource>,
    /// The whole entry.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum EnvSource {
    ConfigMapKey {
        name: Spanned<String>,
        key: Spanned<String>,
        optional: bool,
    },
    SecretKey {
        name: Spanned<String>,
        key: Spanned<String>,
        optional: bool,
    },
    Field(Spanned<String>),
    ResourceField(Spanned<String>),
    /// Compose `env_file` line.
    EnvFile {
        file: FileId,
    },
}

#[derive(Clone, Debug)]
pub struct EnvFrom {
    pub kind: ConfigKind,
    pub name: Spanned<String>,
    pub prefix: Option<String>,
    pub optional: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ContainerPort {
    pub name: Option<Spanned<String>>,
    pub port: Spanned<i64>,
    pub protocol: String,
    /// Compose `ports:` host side, when published.
    pub published: Option<Spanned<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortRef {
    Number(i64),
    Name(String),
}

impl std::fmt::Display for PortRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortRef::Number(n) => write!(f, "{n}"),
            PortRef::Name(s) => f.write_str(s),
        }
    }
}

#[derive(Clone, Debug)]
pub enum ProbeHandler {
    Http {
        port: Spanned<PortRef>,
        path: Option<Spanned<String>>,
        host: Option<String>,
    },
    Tcp {
        port: Spanned<PortRef>,
        host: Option<String>,
    },
    Grpc {
        port: Spanned<PortRef>,
    },
    Exec {
        command: Vec<Spanned<String>>,
    },
    /// A Compose healthcheck `test` (`CMD`/`CMD-SHELL` stripped).
    ComposeTest {
        command: Vec<Spanned<String>>,
        shell: bool,
    },
    /// A probe with no handler (invalid), or a Compose healthcheck disabled.
    None,
}

/// A Kubernetes probe or a Compose healthcheck, with durations in milliseconds.
#[derive(Clone, Debug)]
pub struct Probe {
    /// The probe's key (`readinessProbe`, `healthcheck`).
    pub key_span: Span,
    pub span: Span,
    pub handler: ProbeHandler,
    pub initial_delay_ms: Option<Spanned<i64>>,
    pub period_ms: Option<Spanned<i64>>,
    pub timeout_ms: Option<Spanned<i64>>,
    pub failure_threshold: Option<Spanned<i64>>,
    pub success_threshold: Option<Spanned<i64>>,
    /// Compose `start_period`.
    pub start_period_ms: Option<Spanned<i64>>,
    /// Compose `start_interval`: the probe interval during `start_period`.
    pub start_interval_ms: Option<Spanned<i64>>,
    /// Compose `disable: true` or `test: ["NONE"]`.
    pub disabled: bool,
}

#[derive(Clone, Debug)]
pub struct Volume {
    pub name: Spanned<String>,
    pub span: Span,
    pub source: VolumeSource,
}

#[derive(Clone, Debug)]
pub enum VolumeSource {
    ConfigMap {
        name: Spanned<String>,
        optional: bool,
        items: Vec<Spanned<String>>,
    },
    Secret {
        name: Spanned<String>,
        optional: bool,
        items: Vec<Spanned<String>>,
    },
    /// `projected.sources[]` entries that are ConfigMaps or Secrets.
    Projected(Vec<(ConfigKind, Spanned<String>, bool)>),
    Pvc(Spanned<String>),
    EmptyDir,
    HostPath(String),
    Other(String),
}
