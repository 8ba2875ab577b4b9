//! The simulator's input: a platform described as plain data.
//!
//! These types mirror nexus-lint's platform model (workloads, containers, probes, dependency
//! edges, gates, migrations, deploy plans) closely enough that lowering the model into them is
//! mechanical, but they hold only what a simulation needs, and every reference is an index.
//! Each actor, container, dependency, gate, migration and plan step carries an opaque
//! [`Origin`] that the caller uses to map findings back to manifest nodes; the simulator never
//! interprets it.
//!
//! Every optional timing field falls back to a documented default ([`crate::defaults`]): probe
//! fields to Kubernetes' `SetDefaults_Probe`, healthcheck fields to moby's, Job fields to
//! `pkg/apis/batch/v1/defaults.go`, and unknown durations to [`Timing`].

use crate::defaults::{self, Timing};
use crate::dist::Dist;

/// Simulated time, in milliseconds since the deploy started.
pub type Millis = u64;

/// The caller's handle for a manifest node (an object, container, `depends_on` entry, script
/// line…). Opaque to the simulator.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Origin(pub u32);

/// Index into [`SimPlatform::actors`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct ActorId(pub u32);

impl ActorId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A container of an actor: an init container (native sidecars included) or a main container,
/// by its index in [`Actor::init_containers`] or [`Actor::containers`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Slot {
    Init(u16),
    Main(u16),
}

/// The whole input.
#[derive(Clone, Debug, Default)]
pub struct SimPlatform {
    pub actors: Vec<Actor>,
    pub dependencies: Vec<Dependency>,
    pub gates: Vec<Gate>,
    pub migrations: Vec<Migration>,
    pub plan: DeployPlan,
    /// Platform-wide duration defaults (from `.nexus-lint.yaml` or [`Timing::default`]).
    pub timing: Timing,
    /// ConfigMaps and Secrets that long-running workloads read, and how each reads them: what
    /// the config-change scenario edits ([`crate::engine::config_change`]).
    pub configs: Vec<ConfigSpec>,
    pub config_uses: Vec<ConfigUse>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    Job,
    /// Not started at install (its schedule decides); kept so plans can name it.
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

    /// Rank in Helm's `InstallOrder` (helm `pkg/releaseutil/kind_sorter.go`), which Argo CD's
    /// kind order follows for these kinds. (research A7)
    pub fn install_rank(self) -> u32 {
        match self {
            WorkloadKind::DaemonSet => 0,
            WorkloadKind::Pod => 1,
            WorkloadKind::ReplicaSet => 2,
            WorkloadKind::Deployment => 3,
            WorkloadKind::StatefulSet => 4,
            WorkloadKind::Job => 5,
            WorkloadKind::CronJob => 6,
            WorkloadKind::ComposeService => 7,
        }
    }
}

/// A workload: a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, bare Pod, or a
/// Compose service. Every replica is simulated.
#[derive(Clone, Debug)]
pub struct Actor {
    /// Stable name (`nexus-backend`, or `Deployment/ns/name`): names the actor's random streams,
    /// so it must not depend on input order. Names should be unique.
    pub name: String,
    pub origin: Origin,
    pub kind: WorkloadKind,
    /// Pods (or Compose containers). Kubernetes' default is 1; a Job runs `parallelism` pods
    /// instead; for an HPA target, the lowering passes `minReplicas`.
    pub replicas: u32,
    /// In spec order; native sidecars (`restartPolicy: Always`) included.
    pub init_containers: Vec<Container>,
    pub containers: Vec<Container>,
    /// The main container whose port dependents connect to (default 0).
    pub serving_container: u16,
    /// Pod `restartPolicy`: Always (default), OnFailure or Never. Ignored for Compose.
    pub restart_policy: RestartPolicy,
    pub job: Option<JobSpec>,
    pub rollout: RolloutSpec,
    /// Compose `restart:` (Compose services only; default `no`).
    pub compose_restart: DockerRestart,
    /// Counts towards "the platform is ready" and is checked by NX904 (default: true for
    /// everything but CronJobs).
    pub required: bool,
    /// Per-actor overrides of [`Timing::schedule`] and [`Timing::image_pull`].
    pub schedule: Option<Dist>,
    pub image_pull: Option<Dist>,
}

impl Actor {
    /// An actor with one main container and Kubernetes' defaults.
    pub fn new(name: impl Into<String>, kind: WorkloadKind, container: Container) -> Actor {
        Actor {
            name: name.into(),
            origin: Origin::default(),
            kind,
            replicas: 1,
            init_containers: Vec::new(),
            containers: vec![container],
            serving_container: 0,
            restart_policy: if kind == WorkloadKind::Job { RestartPolicy::Never } else { RestartPolicy::Always },
            job: (kind == WorkloadKind::Job).then(JobSpec::default),
            rollout: RolloutSpec::default(),
            compose_restart: DockerRestart::No,
            required: kind != WorkloadKind::CronJob,
            schedule: None,
            image_pull: None,
        }
    }

    pub fn container(&self, slot: Slot) -> Option<&Container> {
        match slot {
            Slot::Init(i) => self.init_containers.get(usize::from(i)),
            Slot::Main(i) => self.containers.get(usize::from(i)),
        }
    }
}

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub enum RestartPolicy {
    #[default]
    Always,
    OnFailure,
    Never,
}

/// Compose `restart:` (compose-spec `restart`; moby `restartmanager.go`). (research A6)
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub enum DockerRestart {
    #[default]
    No,
    Always,
    UnlessStopped,
    /// `on-failure[:max-retries]`; 0 = unlimited.
    OnFailure {
        max_retries: u32,
    },
}

/// Job fields; `None` takes the default of `pkg/apis/batch/v1/defaults.go`. (research A4)
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct JobSpec {
    /// Default 6.
    pub backoff_limit: Option<u32>,
    pub active_deadline_ms: Option<Millis>,
    /// Default 1.
    pub parallelism: Option<u32>,
    /// Default 1 (or `parallelism` when only that is set, as Kubernetes defaults it).
    pub completions: Option<u32>,
}

impl JobSpec {
    pub fn backoff_limit(&self) -> u32 {
        self.backoff_limit.unwrap_or(defaults::JOB_BACKOFF_LIMIT)
    }

    pub fn parallelism(&self) -> u32 {
        self.parallelism.unwrap_or(1).max(1)
    }

    pub fn completions(&self) -> u32 {
        self.completions.unwrap_or(1).max(1)
    }
}

/// Deployment rollout fields. (research A4)
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct RolloutSpec {
    /// Absolute `maxUnavailable`; default 25 % of replicas, rounded down.
    pub max_unavailable: Option<u32>,
    /// Default 600 s (Deployments only).
    pub progress_deadline_ms: Option<Millis>,
    /// Absolute `maxSurge`; default 25 % of replicas, rounded up.
    pub max_surge: Option<u32>,
    /// `minReadySeconds` (default 0): a new pod counts as available that long after Ready.
    pub min_ready_ms: Option<Millis>,
    /// `strategy.type: Recreate`: every old pod is removed before the new ones are created.
    pub recreate: bool,
}

impl RolloutSpec {
    /// (maxSurge, maxUnavailable) as absolute numbers for `replicas`, with Kubernetes'
    /// defaults (25 % up, 25 % down) and its rule that they are never both 0
    /// (`pkg/controller/deployment/util/deployment_util.go` `ResolveFenceposts`: a 0/0 pair
    /// becomes maxUnavailable 1). (research A4)
    pub fn fenceposts(&self, replicas: u32) -> (u32, u32) {
        let surge = self.max_surge.unwrap_or((replicas.saturating_mul(defaults::MAX_SURGE_PERCENT)).div_ceil(100));
        let unavailable =
            self.max_unavailable.unwrap_or(replicas.saturating_mul(defaults::MAX_UNAVAILABLE_PERCENT) / 100);
        if surge == 0 && unavailable == 0 { (0, 1) } else { (surge, unavailable) }
    }
}

/// A container and the behaviour of the program in it.
#[derive(Clone, Debug)]
pub struct Container {
    pub name: String,
    pub origin: Origin,
    /// An init container with `restartPolicy: Always` (KEP-753).
    pub sidecar: bool,
    pub readiness: Option<Probe>,
    pub liveness: Option<Probe>,
    pub startup: Option<Probe>,
    /// Compose healthcheck (Compose services only).
    pub healthcheck: Option<Healthcheck>,
    pub lifecycle: Lifecycle,
    /// For [`Lifecycle::Serve`]: time from process start to listening (default
    /// [`Timing::app_listen`]); for [`Lifecycle::RunToCompletion`]: run time (default
    /// [`Timing::one_shot_run`], or 0 for an init container that only waits).
    /// `nexus-lint.io/startup-seconds` sets it.
    pub work: Option<Dist>,
}

impl Container {
    pub fn serve(name: impl Into<String>) -> Container {
        Container {
            name: name.into(),
            origin: Origin::default(),
            sidecar: false,
            readiness: None,
            liveness: None,
            startup: None,
            healthcheck: None,
            lifecycle: Lifecycle::Serve,
            work: None,
        }
    }

    pub fn one_shot(name: impl Into<String>, exit_code: i32) -> Container {
        Container { lifecycle: Lifecycle::RunToCompletion { exit_code }, ..Container::serve(name) }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Lifecycle {
    /// A server: listens after its work time and runs until killed.
    Serve,
    /// Runs its work and exits with this code (0 = success).
    RunToCompletion { exit_code: i32 },
}

/// A Kubernetes probe. Its outcome is "the container is listening" (`simulation-model.md` C4:
/// "success if the target is listening"). `None` fields take `SetDefaults_Probe`'s values:
/// initialDelay 0, period 10 s, timeout 1 s, success 1, failure 3. (research A2)
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Probe {
    pub initial_delay_ms: Option<Millis>,
    pub period_ms: Option<Millis>,
    pub timeout_ms: Option<Millis>,
    pub success_threshold: Option<u32>,
    pub failure_threshold: Option<u32>,
}

impl Probe {
    pub fn initial_delay(&self) -> Millis {
        self.initial_delay_ms.unwrap_or(defaults::PROBE_INITIAL_DELAY_MS)
    }

    /// At least 1 ms, so probe ticks always advance time.
    pub fn period(&self) -> Millis {
        self.period_ms.unwrap_or(defaults::PROBE_PERIOD_MS).max(1)
    }

    pub fn success_threshold(&self) -> u32 {
        self.success_threshold.unwrap_or(defaults::PROBE_SUCCESS_THRESHOLD).max(1)
    }

    pub fn failure_threshold(&self) -> u32 {
        self.failure_threshold.unwrap_or(defaults::PROBE_FAILURE_THRESHOLD).max(1)
    }
}

/// A Compose healthcheck; `None` fields take moby's defaults: interval 30 s, timeout 30 s,
/// retries 3, start_period 0, start_interval 5 s. (research A6)
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Healthcheck {
    pub interval_ms: Option<Millis>,
    pub timeout_ms: Option<Millis>,
    pub retries: Option<u32>,
    pub start_period_ms: Option<Millis>,
    pub start_interval_ms: Option<Millis>,
}

impl Healthcheck {
    pub fn interval(&self) -> Millis {
        self.interval_ms.unwrap_or(defaults::HEALTH_INTERVAL_MS).max(1)
    }

    pub fn retries(&self) -> u32 {
        self.retries.unwrap_or(defaults::HEALTH_RETRIES).max(1)
    }

    pub fn start_period(&self) -> Millis {
        self.start_period_ms.unwrap_or(defaults::HEALTH_START_PERIOD_MS)
    }

    pub fn start_interval(&self) -> Millis {
        self.start_interval_ms.unwrap_or(defaults::HEALTH_START_INTERVAL_MS).max(1)
    }
}

/// The consumer's program connects to the provider when it starts (after `connect_at`). A
/// connection succeeds when some replica of the provider listens and is routable (Kubernetes:
/// its pod is Ready and in the Service's endpoints; Compose: its container runs).
#[derive(Clone, Debug)]
pub struct Dependency {
    pub consumer: ActorId,
    /// The container that connects (normally a main container).
    pub container: Slot,
    pub provider: ActorId,
    /// The edge's evidence (the env var with the URL, the `depends_on` entry).
    pub origin: Origin,
    /// Default [`Timing::connect_at`].
    pub connect_at: Option<Dist>,
    pub on_unavailable: OnUnavailable,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum OnUnavailable {
    /// The program exits with code 1 after `after` (default [`Timing::crash_after_refused`]).
    Crash { after: Option<Dist> },
    /// The program retries every `interval_ms` (default [`Timing::poll_ms`]) and exits with code
    /// 1 after `give_up_ms`, if given. `nexus-lint.io/retries-dependencies: "true"`.
    Retry { interval_ms: Option<Millis>, give_up_ms: Option<Millis> },
}

/// What must hold of a provider.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Level {
    /// The object exists, so its Service's DNS name resolves (`nslookup`, `getent hosts`):
    /// Services are created with their workloads here.
    Created,
    /// A container of it has started (Compose `service_started`).
    Started,
    /// A replica accepts connections (`nc -z`, `pg_isready`, `wait-for-it`).
    Listening,
    /// A pod is Ready (Kubernetes) or a container is healthy (Compose `service_healthy`).
    Ready,
    /// Deployment `Available`: at least `replicas − maxUnavailable` pods ready
    /// (`kubectl wait --for=condition=available`, Helm `--wait`).
    Available,
    /// Every replica ready (`kubectl rollout status`, Argo CD health).
    RolledOut,
    /// A Job complete, or a Compose one-shot exited 0.
    Completed,
}

/// What makes a consumer wait. Deploy-plan waits (kubectl wait, rollout status, Helm hooks and
/// `--wait`, Argo CD waves, Compose `--wait`) are steps of the [`DeployPlan`] instead.
#[derive(Clone, Debug)]
pub struct Gate {
    pub consumer: ActorId,
    pub origin: Origin,
    pub kind: GateKind,
}

#[derive(Clone, Debug)]
pub enum GateKind {
    /// A container that waits before doing its work: an init container (`until nc -z db 5432;
    /// do sleep 1; done`) or an entrypoint wrapper (`wait-for-it db:5432 -- app`). It polls every
    /// `poll_ms` (default [`Timing::poll_ms`]); past `timeout_ms` it exits with code 1.
    Wait { container: Slot, provider: ActorId, level: Level, poll_ms: Option<Millis>, timeout_ms: Option<Millis> },
    /// Compose `depends_on` (long or short form). The service is not started until the condition
    /// holds, polled every 500 ms; `service_healthy` and `service_completed_successfully` fail at
    /// once on an unhealthy or exited dependency; with `required: false` a failure is only a
    /// warning. (research A6)
    ComposeDependsOn { provider: ActorId, condition: ComposeCondition, required: bool },
    /// `nexus-lint.io/retries-dependencies: "true"`: every dependency of the consumer is
    /// treated as [`OnUnavailable::Retry`].
    RetriesDependencies,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum ComposeCondition {
    ServiceStarted,
    ServiceHealthy,
    ServiceCompletedSuccessfully,
}

/// A schema migration: `runner`'s container `container` runs it once its connections are made
/// (a Job, an init container, or the entrypoint of a migrate-then-serve app).
#[derive(Clone, Debug)]
pub struct Migration {
    pub runner: ActorId,
    pub container: Slot,
    pub datastore: ActorId,
    /// Workloads that must not serve before it completed.
    pub required_by: Vec<ActorId>,
    pub origin: Origin,
    /// Default [`Timing::migration`].
    pub duration: Option<Dist>,
    /// The tool takes an advisory lock, so concurrent runs serialize (no NX903).
    pub lock: bool,
}

/// How long an orchestrator waits; mirrors the model's `Bound`.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub enum Bound {
    /// The tool's own default: kubectl wait 30 s, Helm 5 min, rollout status and Argo CD
    /// unbounded, Compose `--wait-timeout` unbounded.
    #[default]
    Default,
    Millis(Millis),
    Unbounded,
    /// Check once and do not wait.
    Once,
}

/// The deploy: ordered steps. An empty plan creates nothing.
#[derive(Clone, Debug, Default)]
pub struct DeployPlan {
    pub origin: Origin,
    pub steps: Vec<Step>,
    /// `set -e`: a failed step stops the plan.
    pub errexit: bool,
}

impl DeployPlan {
    /// `kubectl apply -f` of every actor in order, with no waits.
    pub fn apply_all(platform_actors: usize) -> DeployPlan {
        let actors = (0..platform_actors as u32).map(ActorId).collect();
        DeployPlan { origin: Origin::default(), steps: vec![Step::new(StepAction::Apply { actors })], errexit: false }
    }
}

#[derive(Clone, Debug)]
pub struct Step {
    pub origin: Origin,
    pub action: StepAction,
}

impl Step {
    pub fn new(action: StepAction) -> Step {
        Step { origin: Origin::default(), action }
    }
}

#[derive(Clone, Debug)]
pub enum StepAction {
    /// `kubectl apply -f …`: the objects are created back to back (API latency each), with no
    /// waits between them, in this order (lexical file order for a directory). (research A8)
    Apply {
        actors: Vec<ActorId>,
    },
    /// `kubectl wait --for=condition=…` on every target. A target not created yet fails the
    /// wait at once ("not found"); `--for=condition=complete` on a failed Job waits until the
    /// timeout (default 30 s). (research A8)
    Wait {
        targets: Vec<ActorId>,
        level: Level,
        timeout: Bound,
    },
    /// `kubectl rollout status`: every replica ready; fails when the Deployment reports
    /// `ProgressDeadlineExceeded` (default unbounded). (research A4)
    RolloutStatus {
        targets: Vec<ActorId>,
        timeout: Bound,
    },
    Sleep {
        ms: Millis,
    },
    /// `helm install`: pre-install hooks by (weight, kind, name), each awaited (Jobs and Pods to
    /// completion; a failed hook fails the release), then the other resources in `InstallOrder`
    /// with no waits, then with `wait` every resource `Available`, then post-install hooks. The
    /// timeout (default 5 min) bounds each hook and the wait. (research A7)
    Helm {
        hooks: Vec<HelmHook>,
        resources: Vec<ActorId>,
        wait: bool,
        timeout: Bound,
    },
    /// Argo CD sync: by (phase, wave, kind, name); each wave applied, then awaited until healthy
    /// (every replica ready, Jobs complete), then 2 s before the next. Argo CD has no sync
    /// timeout of its own: an unhealthy wave blocks the sync forever. (research A7)
    ArgoSync {
        resources: Vec<ArgoResource>,
    },
    /// `docker compose up [--wait]`: every service created; each starts once its `depends_on`
    /// gates hold. Done when every service started (or, with `wait`, is running or healthy, and
    /// one-shots that others await have completed). A required dependency that fails fails the
    /// step. (research A6)
    ComposeUp {
        services: Vec<ActorId>,
        wait: bool,
        timeout: Bound,
    },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct HelmHook {
    pub actor: ActorId,
    pub phase: HookPhase,
    /// `helm.sh/hook-weight`, default 0.
    pub weight: i64,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum HookPhase {
    Pre,
    Post,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ArgoResource {
    pub actor: ActorId,
    pub phase: ArgoPhase,
    /// `argocd.argoproj.io/sync-wave`, default 0.
    pub wave: i64,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ArgoPhase {
    PreSync,
    Sync,
    PostSync,
}

/// A ConfigMap or Secret that workloads read.
#[derive(Clone, Debug)]
pub struct ConfigSpec {
    pub name: String,
    pub secret: bool,
    /// Its definition.
    pub origin: Origin,
}

/// One workload reading one config in one way.
#[derive(Clone, Debug)]
pub struct ConfigUse {
    /// Index into [`SimPlatform::configs`].
    pub config: u32,
    pub actor: ActorId,
    pub uptake: Uptake,
    /// The consuming reference (the `configMapRef`, `secretKeyRef` or volume source name).
    pub origin: Origin,
    /// What makes the workload pick up a change, if anything.
    pub pickup: Option<Pickup>,
}

/// How a container reads a config, which decides when a running pod sees a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Uptake {
    /// `envFrom`: every key as an env var, read when the container starts.
    EnvFrom,
    /// `env[].valueFrom` (`configMapKeyRef`, `secretKeyRef`): one env var, read at start.
    EnvKey { var: String },
    /// A volume mounted at `path`: the kubelet rewrites the files after its sync delay.
    Volume { path: String },
    /// A `subPath` mount at `path`: never updated while the container runs.
    SubPath { path: String },
}

impl Uptake {
    /// Does a running container see a change without restarting?
    pub fn live(&self) -> bool {
        matches!(self, Uptake::Volume { .. })
    }

    /// `envFrom`, `env NAME`, `volume at /etc/app`, `subPath mount at /etc/app/x.json`.
    pub fn describe(&self) -> String {
        match self {
            Uptake::EnvFrom => "envFrom".into(),
            Uptake::EnvKey { var } => format!("env {var}"),
            Uptake::Volume { path } => format!("the volume at {path}"),
            Uptake::SubPath { path } => format!("the subPath mount at {path}"),
        }
    }
}

/// What makes a workload pick up a changed config.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pickup {
    /// The pods are replaced by a rolling update: a checksum annotation on the pod template, a
    /// hashed or versioned name, a reloader.
    Rollout,
    /// A sidecar makes the program reload its mounted files once the kubelet rewrote them.
    Reload,
}
