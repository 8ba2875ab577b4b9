//! Every Kubernetes, Docker and Compose number the simulator uses, with its source. Sources are
//! cited as in `shared/research/simulation-model.md` (section in brackets); numbers marked
//! **(assumption)** are modelling assumptions of that report, to be calibrated, not facts.

use crate::dist::Dist;
use crate::spec::Millis;

// ---- Kubelet container restarts (A1) ----

/// `containerBackOffPeriod = 10s` (kubernetes `pkg/kubelet/kubelet.go`). (research A1)
pub const KUBELET_BACKOFF_INITIAL_MS: Millis = 10_000;
/// `MaxContainerBackOff = 300s` (`pkg/kubelet/apis/config/v1beta1/defaults.go`). (research A1)
pub const KUBELET_BACKOFF_MAX_MS: Millis = 300_000;
/// The backoff entry expires when `now − lastUpdate > 2 × max` = 10 min
/// (`client-go/util/flowcontrol/backoff.go` `hasExpired`; pod-lifecycle.md "Container restarts").
/// KEP-4603 keeps 10 min as a flat threshold. (research A1)
pub const KUBELET_BACKOFF_RESET_MS: Millis = 600_000;
/// KEP-4603 `ReduceDefaultCrashLoopBackOffDecay`: initial 1 s, max 60 s (alpha 1.33, off by
/// default). (research A1)
pub const REDUCED_BACKOFF_INITIAL_MS: Millis = 1_000;
pub const REDUCED_BACKOFF_MAX_MS: Millis = 60_000;
/// KEP-5593 `crashLoopBackOff.maxContainerRestartPeriod` lies between 1 s and 300 s. (research A1)
pub const NODE_MAX_BOUNDS_MS: (Millis, Millis) = (1_000, 300_000);

// ---- Probes (A2) ----

/// `SetDefaults_Probe` (`pkg/apis/core/v1/defaults.go`): period 10 s, timeout 1 s, success 1,
/// failure 3; `initialDelaySeconds` 0. (research A2)
pub const PROBE_INITIAL_DELAY_MS: Millis = 0;
pub const PROBE_PERIOD_MS: Millis = 10_000;
pub const PROBE_TIMEOUT_MS: Millis = 1_000;
pub const PROBE_SUCCESS_THRESHOLD: u32 = 1;
pub const PROBE_FAILURE_THRESHOLD: u32 = 3;

// ---- Jobs and Deployments (A4) ----

/// `backoffLimit` 6 (`pkg/apis/batch/v1/defaults.go`). (research A4)
pub const JOB_BACKOFF_LIMIT: u32 = 6;
/// `DefaultJobPodFailureBackOff = 10s`, `MaxJobPodFailureBackOff = 10 * time.Minute`
/// (`pkg/controller/job/job_controller.go`; job.md's "six minutes" is stale). (research A4)
pub const JOB_POD_BACKOFF_INITIAL_MS: Millis = 10_000;
pub const JOB_POD_BACKOFF_MAX_MS: Millis = 600_000;
/// `progressDeadlineSeconds` 600 (`pkg/apis/apps/v1/defaults.go`). (research A4)
pub const PROGRESS_DEADLINE_MS: Millis = 600_000;
/// `maxUnavailable` 25 %, rounded down (`pkg/apis/apps/v1/defaults.go`). (research A4)
pub const MAX_UNAVAILABLE_PERCENT: u32 = 25;
/// `maxSurge` 25 %, rounded up (`pkg/apis/apps/v1/defaults.go`). (research A4)
pub const MAX_SURGE_PERCENT: u32 = 25;

// ---- ConfigMap and Secret updates (the config-change scenario) ----
//
// `shared/research/simulation-model.md` has no figure for these; they come from the Kubernetes
// documentation ("Mounted ConfigMaps are updated automatically", configure-pod-configmap.md and
// configmap.md; the same for Secrets): "the total delay from the moment when the ConfigMap is
// updated to the moment when new keys are projected to the Pod can be as long as the kubelet
// sync period + cache propagation delay". Env vars are read when a container starts and a
// `subPath` mount never receives updates (same pages).

/// Kubelet `syncFrequency` 1 min: a pod's volumes are refreshed on its periodic sync
/// (`pkg/kubelet/apis/config/v1beta1/defaults.go`). The edit lands at a uniformly random point
/// of each pod's sync cycle.
pub const KUBELET_SYNC_FREQUENCY_MS: Millis = 60_000;
/// The kubelet's ConfigMap/Secret cache TTL, 1 min (`pkg/kubelet/configmap/configmap_manager.go`
/// `defaultTTL`; `configMapAndSecretChangeDetectionStrategy: Cache`). The value a sync reads can
/// be up to this old. Under the default `Watch` strategy the propagation is shorter, so this
/// bounds it from above **(assumption)**.
pub const KUBELET_CONFIG_CACHE_TTL_MS: Millis = 60_000;
/// The delay until a pod's next sync, and the age of the cached value it reads.
pub const CONFIG_SYNC_WAIT: Dist = Dist::uniform(0, KUBELET_SYNC_FREQUENCY_MS);
pub const CONFIG_CACHE_AGE: Dist = Dist::uniform(0, KUBELET_CONFIG_CACHE_TTL_MS);

// ---- Docker and Compose (A6) ----

/// Healthcheck `interval` 30 s, also the delay before the first probe; `timeout` 30 s;
/// `retries` 3; `start_period` 0; `start_interval` 5 s (moby `daemon/health.go`). (research A6)
pub const HEALTH_INTERVAL_MS: Millis = 30_000;
pub const HEALTH_TIMEOUT_MS: Millis = 30_000;
pub const HEALTH_RETRIES: u32 = 3;
pub const HEALTH_START_PERIOD_MS: Millis = 0;
pub const HEALTH_START_INTERVAL_MS: Millis = 5_000;
/// Restart backoff: `defaultTimeout = 100ms`, `backoffMultiplier = 2`, `maxRestartTimeout =
/// 1 min`, reset when the container ran ≥ 10 s (moby `restartmanager/restartmanager.go`). (research A6)
pub const DOCKER_RESTART_INITIAL_MS: Millis = 100;
pub const DOCKER_RESTART_MAX_MS: Millis = 60_000;
pub const DOCKER_RESTART_RESET_MS: Millis = 10_000;
/// Compose's dependency waiter ticks every 500 ms (docker/compose `pkg/compose/convergence.go`
/// `waitDependencies`). (research A6)
pub const COMPOSE_POLL_MS: Millis = 500;

// ---- Orchestrators (A7, A8) ----

/// `helm install --timeout` default 5m0s. (research A7)
pub const HELM_TIMEOUT_MS: Millis = 300_000;
/// Argo CD waits 2 s between sync waves (`ARGOCD_SYNC_WAVE_DELAY`, sync-waves.md). (research A7)
pub const ARGO_WAVE_DELAY_MS: Millis = 2_000;
/// `kubectl wait --timeout` default 30 s (kubectl wait reference). (research A8)
pub const KUBECTL_WAIT_TIMEOUT_MS: Millis = 30_000;
/// "negative means wait for a week" (kubectl wait reference). (research A8)
pub const KUBECTL_WAIT_WEEK_MS: Millis = 7 * 24 * 3_600_000;

// ---- Oracles (C5) ----

/// NX904: required workloads must be ready within T_stall = 15 min simulated. (research C5.4)
pub const STALL_DEADLINE_MS: Millis = 900_000;
/// NX905: ≥ 5 restarts within 10 min, or a backoff penalty ≥ 60 s. (research C5.5)
pub const STORM_RESTARTS: u32 = 5;
pub const STORM_WINDOW_MS: Millis = 600_000;
pub const STORM_PENALTY_MS: Millis = 60_000;
/// Events one trial may process before it stops with "event budget exceeded".
pub const EVENT_BUDGET: u32 = 200_000;

/// The durations the manifests do not give (C4). One value per platform, overridable per actor
/// and container in [`crate::spec`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Timing {
    /// API server create latency per object: U(10, 100) ms **(assumption)**.
    pub api_create: Dist,
    /// Controller reaction (Deployment/ReplicaSet/Job create pods): U(0.1, 1) s **(assumption)**;
    /// the Job controller batches syncs at 1 s (`syncJobBatchPeriod`).
    pub controller_reaction: Dist,
    /// Scheduling + sandbox + container create, image cached: LogNormal p50 1 s, p99 5 s (pod
    /// startup SLO p99 ≤ 5 s excluding pulls and init, `sig-scalability/slos/
    /// pod_startup_latency.md`; the shape is **(assumption)**).
    pub schedule: Dist,
    /// Image pull. Default cached (0); [`Timing::COLD_PULL`] is LogNormal p50 5 s, p95 30 s
    /// **(assumption)**.
    pub image_pull: Dist,
    /// Time from process start to listening: LogNormal p50 5 s, p95 20 s **(assumption)**,
    /// clamped to 5 min so that a default never invents a pathological start.
    pub app_listen: Dist,
    /// Run time of a one-shot container (Job, plain init container): U(0.5, 5) s **(assumption)**.
    pub one_shot_run: Dist,
    /// When the app first connects to its providers, after its process started: 0 **(assumption)**.
    pub connect_at: Dist,
    /// How long an app that cannot connect takes to exit: U(0.5, 3) s **(assumption)**.
    pub crash_after_refused: Dist,
    /// Migration run time: LogNormal p50 10 s, p95 60 s **(assumption)**, clamped to 5 min (an
    /// unclamped tail makes about 1 run in 12,000 exceed 10 min, which would fail any
    /// `kubectl wait --timeout=600s` by assumption alone; declare longer ones explicitly).
    pub migration: Dist,
    /// Endpoint programming after a pod turns Ready: LogNormal p50 0.5 s, p99 5 s
    /// **(assumption)**; the network-programming SLO is still "X"
    /// (`sig-scalability/slos/network_programming_latency.md`).
    pub endpoint_programming: Dist,
    /// Kubelet observation jitter before a restart: U(0, 1) s (`genericPlegRelistPeriod = 1s`).
    pub kubelet_jitter: Dist,
    /// Compose container create + start: U(0.1, 0.5) s **(assumption)**.
    pub compose_start: Dist,
    /// Poll interval of a wait loop (`until nc -z …; do sleep 1; done`) and of an app's own
    /// connection retries, when not given: 1 s **(assumption)**.
    pub poll_ms: Millis,
}

impl Timing {
    /// Cold image pull: LogNormal p50 5 s, p95 30 s **(assumption)**, clamped to 10 min.
    pub const COLD_PULL: Dist = Dist::LogNormal { median: 5_000, p95: 30_000, min: 0, max: 600_000 };

    /// Every duration zero, every poll 1 ms: what semantics tests start from to see exact
    /// Kubernetes and Docker numbers.
    pub const ZERO: Timing = Timing {
        api_create: Dist::ZERO,
        controller_reaction: Dist::ZERO,
        schedule: Dist::ZERO,
        image_pull: Dist::ZERO,
        app_listen: Dist::ZERO,
        one_shot_run: Dist::ZERO,
        connect_at: Dist::ZERO,
        crash_after_refused: Dist::ZERO,
        migration: Dist::ZERO,
        endpoint_programming: Dist::ZERO,
        kubelet_jitter: Dist::ZERO,
        compose_start: Dist::ZERO,
        poll_ms: 1_000,
    };
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            api_create: Dist::uniform(10, 100),
            controller_reaction: Dist::uniform(100, 1_000),
            schedule: Dist::LogNormal { median: 1_000, p95: 3_120, min: 0, max: crate::dist::MAX_SAMPLE_MS },
            image_pull: Dist::ZERO,
            app_listen: Dist::LogNormal { median: 5_000, p95: 20_000, min: 0, max: 300_000 },
            one_shot_run: Dist::uniform(500, 5_000),
            connect_at: Dist::ZERO,
            crash_after_refused: Dist::uniform(500, 3_000),
            migration: Dist::LogNormal { median: 10_000, p95: 60_000, min: 0, max: 300_000 },
            endpoint_programming: Dist::LogNormal { median: 500, p95: 2_547, min: 0, max: crate::dist::MAX_SAMPLE_MS },
            kubelet_jitter: Dist::uniform(0, 1_000),
            compose_start: Dist::uniform(100, 500),
            poll_ms: 1_000,
        }
    }
}

/// Which kubelet CrashLoopBackOff curve to use (A1). Every profile keeps the observed "first
/// restart is free" quirk (KEP-4603 "Relationship with k/k#123602"; k/k#133472 still open):
/// delays are `[0, initial, 2·initial, …, max, max, …]`, measured from the container's
/// `FinishedAt`.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum BackoffProfile {
    /// 10 s doubling to 300 s, reset after 10 min (the default until KEP-4603 graduates).
    #[default]
    Classic,
    /// KEP-4603 `ReduceDefaultCrashLoopBackOffDecay`: 1 s doubling to 60 s, flat 10 min reset.
    ReducedDecay,
    /// KEP-5593 `crashLoopBackOff.maxContainerRestartPeriod` (clamped to 1 s..300 s): 10 s
    /// doubling to this maximum; below 10 s the initial delay is the maximum.
    NodeMax { max_ms: Millis },
}

impl BackoffProfile {
    fn initial_and_max(self) -> (Millis, Millis) {
        match self {
            BackoffProfile::Classic => (KUBELET_BACKOFF_INITIAL_MS, KUBELET_BACKOFF_MAX_MS),
            BackoffProfile::ReducedDecay => (REDUCED_BACKOFF_INITIAL_MS, REDUCED_BACKOFF_MAX_MS),
            BackoffProfile::NodeMax { max_ms } => {
                let max = max_ms.clamp(NODE_MAX_BOUNDS_MS.0, NODE_MAX_BOUNDS_MS.1);
                (KUBELET_BACKOFF_INITIAL_MS.min(max), max)
            }
        }
    }

    /// The delay before restart number `step + 1` since the last reset (step 0 is free).
    pub fn delay(self, step: u32) -> Millis {
        if step == 0 {
            return 0;
        }
        let (initial, max) = self.initial_and_max();
        let shift = (step - 1).min(40);
        initial.saturating_mul(1u64 << shift).min(max)
    }

    /// A container that ran longer than this before exiting restarts with a fresh backoff.
    pub fn reset_after(self) -> Millis {
        KUBELET_BACKOFF_RESET_MS
    }

    /// Parses `classic`, `reduced-decay` or `node-max=<duration>` (`node-max=30s`).
    pub fn parse(s: &str) -> Option<BackoffProfile> {
        match s.trim() {
            "classic" => Some(BackoffProfile::Classic),
            "reduced-decay" => Some(BackoffProfile::ReducedDecay),
            other => {
                let d = other.strip_prefix("node-max=")?;
                Some(BackoffProfile::NodeMax { max_ms: crate::dist::parse_duration(d)? })
            }
        }
    }
}

/// Written as [`BackoffProfile::parse`] reads it: `classic`, `reduced-decay`, `node-max=30000ms`.
impl std::fmt::Display for BackoffProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BackoffProfile::Classic => f.write_str("classic"),
            BackoffProfile::ReducedDecay => f.write_str("reduced-decay"),
            BackoffProfile::NodeMax { max_ms } => write!(f, "node-max={max_ms}ms"),
        }
    }
}

impl serde::Serialize for BackoffProfile {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Job pod-failure backoff: 10 s · 2^(failures − 1), capped at 10 min. (research A4)
pub fn job_pod_backoff(failures: u32) -> Millis {
    if failures == 0 {
        return 0;
    }
    JOB_POD_BACKOFF_INITIAL_MS.saturating_mul(1u64 << (failures - 1).min(40)).min(JOB_POD_BACKOFF_MAX_MS)
}

/// Docker's next restart timeout given the previous one and how long the container ran. (research A6)
pub fn docker_restart_timeout(previous: Millis, ran_for: Millis) -> Millis {
    let previous = if ran_for >= DOCKER_RESTART_RESET_MS { 0 } else { previous };
    let next = if previous == 0 { DOCKER_RESTART_INITIAL_MS } else { previous.saturating_mul(2) };
    next.min(DOCKER_RESTART_MAX_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_curve_is_0_10_20_40_80_160_300() {
        let d: Vec<Millis> = (0..9).map(|s| BackoffProfile::Classic.delay(s) / 1000).collect();
        assert_eq!(d, [0, 10, 20, 40, 80, 160, 300, 300, 300]);
    }

    #[test]
    fn reduced_and_node_max_curves() {
        let d: Vec<Millis> = (0..9).map(|s| BackoffProfile::ReducedDecay.delay(s) / 1000).collect();
        assert_eq!(d, [0, 1, 2, 4, 8, 16, 32, 60, 60]);
        let p = BackoffProfile::NodeMax { max_ms: 30_000 };
        assert_eq!((0..4).map(|s| p.delay(s)).collect::<Vec<_>>(), [0, 10_000, 20_000, 30_000]);
        // Below 10 s, the initial delay is the maximum (KEP-5593).
        let p = BackoffProfile::NodeMax { max_ms: 2_000 };
        assert_eq!((0..3).map(|s| p.delay(s)).collect::<Vec<_>>(), [0, 2_000, 2_000]);
        assert_eq!(BackoffProfile::parse("node-max=30s"), Some(BackoffProfile::NodeMax { max_ms: 30_000 }));
        assert_eq!(BackoffProfile::parse("classic"), Some(BackoffProfile::Classic));
        assert_eq!(BackoffProfile::parse("fast"), None);
        assert_eq!(BackoffProfile::Classic.delay(u32::MAX), 300_000);
        for p in [BackoffProfile::Classic, BackoffProfile::ReducedDecay, BackoffProfile::NodeMax { max_ms: 30_000 }] {
            assert_eq!(BackoffProfile::parse(&p.to_string()), Some(p));
        }
    }

    #[test]
    fn job_backoff_sums_to_630_s_over_six_retries() {
        let total: Millis = (1..=6).map(job_pod_backoff).sum();
        assert_eq!(total, 630_000);
        assert_eq!(job_pod_backoff(30), 600_000);
    }

    #[test]
    fn docker_restart_doubles_from_100_ms_to_a_minute_and_resets_after_10_s() {
        let mut t = 0;
        let mut seen = Vec::new();
        for _ in 0..12 {
            t = docker_restart_timeout(t, 1_000);
            seen.push(t);
        }
        assert_eq!(seen[..5], [100, 200, 400, 800, 1_600]);
        assert_eq!(*seen.last().unwrap(), 60_000);
        assert_eq!(docker_restart_timeout(60_000, 10_000), 100);
    }
}

#[cfg(test)]
mod timing_tests {
    use super::*;

    #[test]
    fn p99_defaults_are_the_research_numbers() {
        let t = Timing::default();
        assert_eq!(t.schedule, Dist::lognormal_p99(1_000, 5_000));
        assert_eq!(t.endpoint_programming, Dist::lognormal_p99(500, 5_000));
    }
}
