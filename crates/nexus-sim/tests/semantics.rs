//! The documented Kubernetes and Compose behaviour, reproduced with exact numbers
//! (`shared/research/simulation-model.md`). Every platform here uses `Timing::ZERO`, so only
//! the mechanism under test takes time.

mod common;

use common::*;
use nexus_sim::defaults::BackoffProfile;
use nexus_sim::dist::Dist;
use nexus_sim::engine::SimOptions;
use nexus_sim::finding::{Detail, FindingKind};
use nexus_sim::log::{ExitReason, What};
use nexus_sim::spec::*;

fn crash_loop() -> SimPlatform {
    let mut p = platform(vec![deployment("app", 1_000), deployment("db", 1_000)]);
    p.dependencies.push(crash_dep(0, 1, 2_000));
    p.plan = steps(vec![StepAction::Apply { actors: vec![ActorId(0)] }], false);
    p
}

#[test]
fn crash_loop_restarts_follow_the_classic_kubelet_backoff() {
    // A1 worked example: an app that exits 2 s after start while its database is down starts at
    // t = 0, 2, 14, 36, 78, 160, 322, 624 s.
    let r = replay(&crash_loop());
    assert_eq!(secs(starts(&r.log, 0)), [0.0, 2.0, 14.0, 36.0, 78.0, 160.0, 322.0, 624.0]);
    // Five restarts within 10 min: a crash-loop storm, seen at the fifth restart (160 s).
    let storm = finding(&r, FindingKind::CrashloopStorm).expect("NX905");
    assert_eq!(storm.time_ms, 160_000);
    let early = finding(&r, FindingKind::EarlyConnect).expect("NX901");
    assert_eq!(early.time_ms, 0);
}

#[test]
fn reduced_decay_profile_uses_1_s_to_60_s() {
    let opts = SimOptions { profile: BackoffProfile::ReducedDecay, ..SimOptions::default() };
    let r = replay_with(&crash_loop(), opts);
    let s = secs(starts(&r.log, 0));
    assert_eq!(s[..9], [0.0, 2.0, 5.0, 9.0, 15.0, 25.0, 43.0, 77.0, 139.0]);
}

#[test]
fn backoff_penalty_is_measured_from_provider_ready() {
    // A1: if the database becomes ready at t = 90 s, the next attempt is at 160 s: 70 s penalty.
    let mut p = platform(vec![deployment("app", 1_000), deployment("db", 90_000)]);
    p.dependencies.push(crash_dep(0, 1, 2_000));
    let r = replay(&p);
    assert_eq!(has(&r, 0, |w| matches!(w, What::Connected { .. })), Some(160_000));
    assert_eq!(r.outcome.actors[0].penalty_ms, 70_000);
    let storm = finding(&r, FindingKind::CrashloopStorm).expect("penalty ≥ 60 s");
    assert!(matches!(storm.detail, Detail::CrashloopStorm { penalty_ms: 70_000, .. }));
}

#[test]
fn backoff_resets_after_ten_minutes_of_running() {
    let mut a = job("long", 1, 700_000);
    a.kind = WorkloadKind::Deployment;
    a.job = None;
    a.restart_policy = RestartPolicy::Always;
    let p = platform(vec![a]);
    let opts = SimOptions { deadline_ms: 3_000_000, ..SimOptions::default() };
    let r = replay_with(&p, opts);
    // Each run lasts 700 s > 10 min, so every restart is the "first" one: no delay.
    assert_eq!(secs(starts(&r.log, 0))[..4], [0.0, 700.0, 1400.0, 2100.0]);
    let mut b = job("short", 1, 100_000);
    b.kind = WorkloadKind::Deployment;
    b.job = None;
    b.restart_policy = RestartPolicy::Always;
    let r = replay(&platform(vec![b]));
    assert_eq!(secs(starts(&r.log, 0))[..4], [0.0, 100.0, 210.0, 330.0]);
}

#[test]
fn job_with_backoff_limit_6_gives_up_after_630_s() {
    // A4: with restartPolicy Never and fast failures: 10+20+40+80+160+320 = 630 s, 7 pods.
    let p = platform(vec![job("migrate", 1, 0)]);
    let r = replay(&p);
    assert_eq!(has(&r, 0, |w| matches!(w, What::JobFailed { deadline: false })), Some(630_000));
    assert_eq!(times(&r.log, 0, |w| *w == What::PodCreated).len(), 7);
    assert_eq!(secs(times(&r.log, 0, |w| *w == What::PodCreated)), [0.0, 10.0, 30.0, 70.0, 150.0, 310.0, 630.0]);
    assert!(finding(&r, FindingKind::StartupStall).is_some());
}

#[test]
fn job_on_failure_counts_container_restarts_and_honours_its_deadline() {
    let mut a = job("migrate", 1, 0);
    a.restart_policy = RestartPolicy::OnFailure;
    let r = replay(&platform(vec![a.clone()]));
    // Kubelet backoff 0, 10, 20, 40, 80 s; the 6th restart reaches backoffLimit 6.
    assert_eq!(has(&r, 0, |w| matches!(w, What::JobFailed { .. })), Some(150_000));
    assert_eq!(times(&r.log, 0, |w| *w == What::PodCreated).len(), 1);
    a.job = Some(JobSpec { active_deadline_ms: Some(30_000), ..JobSpec::default() });
    let r = replay(&platform(vec![a]));
    assert_eq!(has(&r, 0, |w| matches!(w, What::JobFailed { deadline: true })), Some(30_000));
}

#[test]
fn compose_service_healthy_opens_no_earlier_than_30_s() {
    // A6: the first healthcheck runs one interval (30 s) after start, even if the provider
    // listens at 2 s.
    let mut db = compose("db", 2_000);
    db.containers[0].healthcheck = Some(Healthcheck::default());
    let mut p = platform(vec![db, compose("app", 1_000)]);
    p.gates.push(Gate {
        consumer: ActorId(1),
        origin: Origin(7),
        kind: GateKind::ComposeDependsOn {
            provider: ActorId(0),
            condition: ComposeCondition::ServiceHealthy,
            required: true,
        },
    });
    p.plan = compose_up(2);
    let r = replay(&p);
    assert_eq!(has(&r, 0, |w| *w == What::Healthy), Some(30_000));
    assert_eq!(starts(&r.log, 1), [30_000]);
    // start_period with start_interval: checks every 5 s while starting.
    p.actors[0].containers[0].healthcheck =
        Some(Healthcheck { start_period_ms: Some(60_000), ..Healthcheck::default() });
    let r = replay(&p);
    assert_eq!(has(&r, 0, |w| *w == What::Healthy), Some(5_000));
    assert_eq!(starts(&r.log, 1), [5_000]);
}

#[test]
fn compose_service_healthy_fails_at_once_on_an_unhealthy_dependency() {
    let mut db = compose("db", 10_000_000);
    db.containers[0].healthcheck = Some(Healthcheck::default());
    let mut p = platform(vec![db, compose("app", 1_000)]);
    p.gates.push(Gate {
        consumer: ActorId(1),
        origin: Origin(7),
        kind: GateKind::ComposeDependsOn {
            provider: ActorId(0),
            condition: ComposeCondition::ServiceHealthy,
            required: true,
        },
    });
    p.plan = compose_up(2);
    let r = replay(&p);
    // Unhealthy after 3 failed checks at 30, 60, 90 s; Compose gives up at its next poll.
    assert_eq!(has(&r, 0, |w| *w == What::Unhealthy), Some(90_000));
    assert_eq!(has(&r, 1, |w| *w == What::DependencyFailed), Some(90_000));
    assert!(starts(&r.log, 1).is_empty());
    assert_eq!(plan_events(&r, |w| matches!(w, What::StepFailed { .. })), [90_000]);
    // Without a healthcheck, service_healthy fails as soon as the dependency runs.
    p.actors[0].containers[0].healthcheck = None;
    let r = replay(&p);
    assert_eq!(has(&r, 1, |w| *w == What::DependencyFailed), Some(0));
}

#[test]
fn docker_restart_policy_backs_off_from_100_ms() {
    // A6 worked example: exits 1 s after start; restarts at 1.1, 2.3, 3.7, 5.5, 8.1, 12.3 s.
    let mut a = compose("app", 0);
    a.containers[0].lifecycle = Lifecycle::RunToCompletion { exit_code: 1 };
    a.containers[0].work = Some(Dist::fixed(1_000));
    a.compose_restart = DockerRestart::Always;
    let mut p = platform(vec![a]);
    p.plan = compose_up(1);
    let r = replay(&p);
    assert_eq!(secs(starts(&r.log, 0))[..7], [0.0, 1.1, 2.3, 3.7, 5.5, 8.1, 12.3]);
    p.actors[0].compose_restart = DockerRestart::OnFailure { max_retries: 2 };
    assert_eq!(starts(&replay(&p).log, 0).len(), 3);
    p.actors[0].compose_restart = DockerRestart::No;
    assert_eq!(starts(&replay(&p).log, 0).len(), 1);
}

fn probed(work_ms: Millis, f: impl FnOnce(&mut Container)) -> SimPlatform {
    let mut a = deployment("app", work_ms);
    f(&mut a.containers[0]);
    platform(vec![a])
}

#[test]
fn readiness_probe_timing() {
    // Ticks at start + k·10 s: listening at 3 s is seen at 10 s.
    let r = replay(&probed(3_000, |c| c.readiness = Some(Probe::default())));
    assert_eq!(has(&r, 0, |w| *w == What::PodReady), Some(10_000));
    let r = replay(&probed(3_000, |c| c.readiness = Some(Probe { success_threshold: Some(2), ..Probe::default() })));
    assert_eq!(has(&r, 0, |w| *w == What::PodReady), Some(20_000));
    let r =
        replay(&probed(3_000, |c| c.readiness = Some(Probe { initial_delay_ms: Some(15_000), ..Probe::default() })));
    assert_eq!(has(&r, 0, |w| *w == What::PodReady), Some(20_000));
    // No readiness probe: Ready as soon as the container runs, listening or not (A2).
    let r = replay(&probed(3_000, |_| {}));
    assert_eq!(has(&r, 0, |w| *w == What::PodReady), Some(0));
}

#[test]
fn default_liveness_kills_a_slow_starter_and_a_startup_probe_saves_it() {
    // A2: liveness at 0, 10, 20 s; the third failure kills at 20 s. A 25 s starter never runs.
    let r = replay(&probed(25_000, |c| c.liveness = Some(Probe::default())));
    let kills = times(&r.log, 0, |w| matches!(w, What::Exited { reason: ExitReason::LivenessKill, .. }));
    assert_eq!(secs(kills[..3].to_vec()), [20.0, 40.0, 70.0]);
    assert!(has(&r, 0, |w| *w == What::Listening).is_none());
    assert!(finding(&r, FindingKind::StartupStall).is_some());
    let r = replay(&probed(25_000, |c| {
        c.liveness = Some(Probe::default());
        c.startup = Some(Probe { failure_threshold: Some(30), ..Probe::default() });
    }));
    assert_eq!(has(&r, 0, |w| *w == What::StartupProbePassed), Some(30_000));
    assert_eq!(r.outcome.actors[0].restarts, 0);
    assert_eq!(r.outcome.actors[0].ready_ms, Some(30_000));
}

#[test]
fn init_containers_run_in_order_and_sidecars_release_the_next_at_start() {
    let mut a = deployment("app", 1_000);
    let mut init = Container::one_shot("init", 0);
    init.work = Some(Dist::fixed(3_000));
    let mut proxy = Container::serve("proxy");
    proxy.sidecar = true;
    proxy.work = Some(Dist::fixed(7_000));
    a.init_containers = vec![init, proxy];
    let r = replay(&platform(vec![a.clone()]));
    let main = |r: &nexus_sim::run::Replay| {
        r.log.iter().find(|e| e.container == Some(Slot::Main(0)) && matches!(e.what, What::Started { .. })).map(|e| e.t)
    };
    // Regular init 0..3 s; the sidecar starts at 3 s and, with no startupProbe, the app at once.
    assert_eq!(main(&r), Some(3_000));
    // With a startupProbe (period 5 s) the app waits for the proxy to listen (10 s) and be seen (13 s).
    a.init_containers[1].startup = Some(Probe { period_ms: Some(5_000), ..Probe::default() });
    let r = replay(&platform(vec![a]));
    assert_eq!(main(&r), Some(13_000));
}
