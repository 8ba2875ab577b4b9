//! The dependency side of the model (PRODUCT.md §2): what waits for what, and in which order a
//! deploy creates things.
//!
//! - [`Edge`](super::Edge)s say who depends on whom — declared (`depends_on`, annotations) or
//!   inferred from host names in env values, args and the config they read ([`super::infer`]).
//! - [`Gate`]s say what makes a consumer wait: an init container or entrypoint that waits (parsed
//!   by [`super::waits`]), a native sidecar, a Compose condition, Helm hook order, Argo CD waves,
//!   Flux `dependsOn`, a deploy script's waits, or a declaration that the app retries.
//! - [`DeployPlan`]s are the ordered steps of deploy scripts ([`super::plan`]), with their waits.
//! - [`NetworkPolicy`]s say which of those connections the cluster allows.

use super::{EndpointId, LabelSelector, ObjectId, PortRef, Spanned, WorkloadId};
use nexus_source::{FileId, Span};

/// How long a wait may last.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bound {
    /// Waits forever (an `until …; do sleep; done` loop with no deadline, `-t 0`, …).
    Unbounded,
    /// Waits at most this many milliseconds, as written.
    Millis(i64),
    /// The tool's own default deadline, in milliseconds (`kubectl wait`: 30 s; `dockerize`: 10 s).
    Default(i64),
    /// A single check, no waiting (`nc -z` without a loop): fails at once if not ready.
    Once,
}

impl Bound {
    pub fn is_bounded(self) -> bool {
        !matches!(self, Bound::Unbounded)
    }
}

/// What passing a gate proves about the provider.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReadyLevel {
    /// The DNS name exists (`nslookup`, `getent hosts`).
    Resolves,
    /// Its process (or container) started (Compose `service_started`).
    Started,
    /// Something accepts TCP connections on the port (`nc -z`, `/dev/tcp`, `wait-for-it`).
    PortOpen,
    /// The service answers its own protocol (`pg_isready`, `redis-cli ping`, an HTTP 2xx).
    Answers,
    /// The provider reports itself ready or healthy (Compose `service_healthy`, `kubectl wait
    /// --for=condition=available`/`ready`, k8s-wait-for on a service).
    Healthy,
    /// A one-shot provider finished successfully (`service_completed_successfully`,
    /// `--for=condition=complete`).
    Completed,
}

/// A program that waits.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WaitTool {
    Nc,
    PgIsReady,
    MysqladminPing,
    RedisCliPing,
    Mongosh,
    WaitForIt,
    Dockerize,
    Curl,
    Wget,
    KubectlWait,
    K8sWaitFor,
    /// Bash's `/dev/tcp/host/port`.
    DevTcp,
    Nslookup,
    /// Another recognised waiter (`telnet`, `timeout … nc`, …), by name.
    Other(String),
}

impl WaitTool {
    pub fn as_str(&self) -> &str {
        match self {
            WaitTool::Nc => "nc",
            WaitTool::PgIsReady => "pg_isready",
            WaitTool::MysqladminPing => "mysqladmin ping",
            WaitTool::RedisCliPing => "redis-cli ping",
            WaitTool::Mongosh => "mongosh",
            WaitTool::WaitForIt => "wait-for-it",
            WaitTool::Dockerize => "dockerize",
            WaitTool::Curl => "curl",
            WaitTool::Wget => "wget",
            WaitTool::KubectlWait => "kubectl wait",
            WaitTool::K8sWaitFor => "k8s-wait-for",
            WaitTool::DevTcp => "/dev/tcp",
            WaitTool::Nslookup => "nslookup",
            WaitTool::Other(s) => s,
        }
    }
}

/// One wait found in a container's command: the raw material of a [`Gate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitSpec {
    pub tool: WaitTool,
    /// The host waited on, with its span inside the command text when it appears verbatim.
    pub host: Option<Spanned<String>>,
    pub port: Option<Spanned<i64>>,
    /// For `kubectl wait`/k8s-wait-for: the object waited on (`job`, `nexus-db-migration`).
    pub object: Option<(String, Spanned<String>)>,
    /// `-n`/`--namespace` of a `kubectl wait`.
    pub namespace: Option<String>,
    pub timeout: Bound,
    pub level: ReadyLevel,
    /// The command word or scalar the wait is written in (the span to report a defect of the
    /// wait itself, like a missing timeout).
    pub span: Span,
}

/// Why a consumer waits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GateKind {
    /// An init container whose command waits.
    InitWait { tool: WaitTool },
    /// The main container's command waits before it starts the app (`wait-for-it db:5432 -- app`).
    EntrypointWait { tool: WaitTool },
    /// A native sidecar (an init container with `restartPolicy: Always`): later containers start
    /// once it has started — after its startupProbe, if it has one.
    NativeSidecar { startup_probe: bool },
    /// Compose `depends_on` with a condition other than `service_started`.
    ComposeCondition { condition: String, required: bool },
    /// Helm runs the provider as an earlier hook (or installs it before a hook consumer).
    HelmHook { hook: String, weight: i64 },
    /// Argo CD syncs the provider in an earlier wave and waits for it to be healthy.
    ArgoWave { provider_wave: i64, consumer_wave: i64 },
    /// An Argo CD `PostSync` hook runs once the sync's resources are healthy.
    ArgoHook { hook: String },
    /// A Flux Kustomization `dependsOn`.
    FluxDependsOn,
    /// A deploy script waits for the provider before it creates the consumer.
    DeployScript { plan: usize, wait_step: usize },
    /// `nexus-lint.io/retries-dependencies: "true"`: the app retries its connections itself.
    Retries,
}

impl GateKind {
    /// A short name for graphs and messages.
    pub fn label(&self) -> String {
        match self {
            GateKind::InitWait { tool } => format!("init: {}", tool.as_str()),
            GateKind::EntrypointWait { tool } => format!("entrypoint: {}", tool.as_str()),
            GateKind::NativeSidecar { .. } => "sidecar".into(),
            GateKind::ComposeCondition { condition, .. } => condition.clone(),
            GateKind::HelmHook { hook, .. } => format!("helm {hook}"),
            GateKind::ArgoWave { provider_wave, consumer_wave } => {
                format!("argo waves {provider_wave}→{consumer_wave}")
            }
            GateKind::ArgoHook { hook } => format!("argo {hook}"),
            GateKind::FluxDependsOn => "flux dependsOn".into(),
            GateKind::DeployScript { .. } => "deploy script wait".into(),
            GateKind::Retries => "app retries".into(),
        }
    }

    /// A gate that holds on every start of the consumer, not only on the first deploy.
    pub fn holds_on_restart(&self) -> bool {
        !matches!(
            self,
            GateKind::DeployScript { .. }
                | GateKind::ArgoWave { .. }
                | GateKind::ArgoHook { .. }
                | GateKind::HelmHook { .. }
        )
    }
}

/// What makes a consumer wait, and for what.
#[derive(Clone, Debug)]
pub struct Gate {
    pub consumer: WorkloadId,
    pub kind: GateKind,
    /// Where the gate is written.
    pub span: Span,
    /// The host waited on, as written.
    pub host: Option<Spanned<String>>,
    pub port: Option<Spanned<i64>>,
    /// The object waited on (`kubectl wait job/x`), as written.
    pub object: Option<(String, Spanned<String>)>,
    /// The provider it waits for, once resolved (None: waits on something unknown, or on
    /// everything, like [`GateKind::Retries`]).
    pub provider: Option<WorkloadId>,
    pub endpoint: Option<EndpointId>,
    pub timeout: Bound,
    pub level: ReadyLevel,
    /// The container that waits.
    pub container: Option<String>,
}

impl Gate {
    /// A gate of `consumer` that names no host, port, object, provider or container and waits
    /// without bound; the rest is set with struct update syntax.
    pub fn new(consumer: WorkloadId, kind: GateKind, span: Span, level: ReadyLevel) -> Gate {
        Gate {
            consumer,
            kind,
            span,
            host: None,
            port: None,
            object: None,
            provider: None,
            endpoint: None,
            timeout: Bound::Unbounded,
            level,
            container: None,
        }
    }
}

/// Where a deploy plan comes from.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum PlanKind {
    /// A shell deploy script.
    Script,
    /// A Helm release's install, from hook annotations and Helm's kind order.
    Helm,
    /// An Argo CD sync, from sync-wave and hook annotations.
    Argo,
}

/// A deploy plan: the order in which something creates objects, with its waits.
#[derive(Clone, Debug)]
pub struct DeployPlan {
    pub file: FileId,
    pub kind: PlanKind,
    /// What it deploys: the script's path, the Helm release, or `argocd`.
    pub name: String,
    pub steps: Vec<PlanStep>,
    /// `set -e` (or `-euo pipefail`) is on: a failed step stops the script.
    pub errexit: bool,
}

#[derive(Clone, Debug)]
pub struct PlanStep {
    /// The command (for a call to a shell function: the command inside the function).
    pub span: Span,
    pub action: PlanAction,
}

#[derive(Clone, Debug)]
pub enum PlanAction {
    /// `kubectl apply -f PATH…` (`create`, `replace` too): objects created in this order, with no
    /// waits between them.
    Apply { paths: Vec<Spanned<String>>, objects: Vec<ObjectId> },
    /// `kubectl wait --for=…` on objects.
    Wait { condition: String, targets: Vec<(String, String)>, objects: Vec<ObjectId>, timeout: Bound },
    /// `kubectl rollout status KIND/NAME`: waits until the rollout is complete.
    RolloutStatus { targets: Vec<(String, String)>, objects: Vec<ObjectId>, timeout: Bound },
    /// `helm upgrade --install` / `helm install`: creates a chart's objects; `wait` with `--wait`.
    Helm { release: String, chart: String, wait: bool, timeout: Bound },
    /// `sleep N`: a fixed pause, not a wait on anything.
    Sleep { millis: i64 },
}

/// A NetworkPolicy, as the rules of who may talk to whom.
#[derive(Clone, Debug)]
pub struct NetworkPolicy {
    pub object: ObjectId,
    pub name: Spanned<String>,
    pub namespace: Option<String>,
    pub span: Span,
    /// Pods the policy applies to (empty selector: every pod of the namespace).
    pub pod_selector: LabelSelector,
    pub selector_span: Span,
    /// None when the policy does not restrict ingress (`policyTypes` without `Ingress`).
    pub ingress: Option<Vec<PolicyRule>>,
    /// None when the policy does not restrict egress.
    pub egress: Option<Vec<PolicyRule>>,
}

/// One `ingress`/`egress` rule: traffic from/to any of `peers` on any of `ports`.
#[derive(Clone, Debug)]
pub struct PolicyRule {
    pub span: Span,
    /// Empty: all peers.
    pub peers: Vec<PolicyPeer>,
    /// Empty: all ports.
    pub ports: Vec<PolicyPort>,
}

#[derive(Clone, Debug)]
pub enum PolicyPeer {
    /// `podSelector` and/or `namespaceSelector` (None: not given).
    Pods {
        pods: Option<LabelSelector>,
        namespaces: Option<LabelSelector>,
    },
    IpBlock {
        cidr: String,
        except: Vec<String>,
    },
}

#[derive(Clone, Debug)]
pub struct PolicyPort {
    /// None: all ports of the protocol.
    pub port: Option<PortRef>,
    pub end_port: Option<i64>,
    pub protocol: String,
}

/// A Flux `Kustomization`: the directory it applies, and the Kustomizations it waits for.
#[derive(Clone, Debug)]
pub struct FluxKustomization {
    pub object: ObjectId,
    pub name: Spanned<String>,
    pub namespace: Option<String>,
    /// `spec.path`, relative to the source's root (`./apps/db`).
    pub path: Option<Spanned<String>>,
    /// `spec.dependsOn[]`: names, with their namespace when given.
    pub depends_on: Vec<(Spanned<String>, Option<String>)>,
    /// `spec.wait: true` or `spec.healthChecks`: Ready means its workloads are ready, not just
    /// applied.
    pub waits_for_health: bool,
}
