//! Deploy plans (Helm, Argo CD, kubectl) and the oracles that judge them.

mod common;

use common::*;
use nexus_sim::finding::{Blocker, Detail, FindingKind, Subject};
use nexus_sim::log::What;
use nexus_sim::spec::*;

fn created(r: &nexus_sim::run::Replay, actor: u32) -> Option<Millis> {
    has(r, actor, |w| *w == What::Created)
}

#[test]
fn helm_runs_hooks_by_weight_kind_and_name_each_to_completion() {
    let mut p = platform(vec![job("c-hook", 0, 10_000), job("a-hook", 0, 10_000), job("b-hook", 0, 10_000)]);
    p.actors.push(deployment("app", 1_000));
    let hooks = vec![
        HelmHook { actor: ActorId(0), phase: HookPhase::Pre, weight: 5 },
        HelmHook { actor: ActorId(1), phase: HookPhase::Pre, weight: 0 },
        HelmHook { actor: ActorId(2), phase: HookPhase::Pre, weight: -1 },
    ];
    p.plan =
        steps(vec![StepAction::Helm { hooks, resources: vec![ActorId(3)], wait: true, timeout: Bound::Default }], true);
    let r = replay(&p);
    // b (-1), a (0), c (5): each created when the previous completed; the app after the last.
    assert_eq!(created(&r, 2), Some(0));
    assert_eq!(created(&r, 1), Some(10_000));
    assert_eq!(created(&r, 0), Some(20_000));
    assert_eq!(created(&r, 3), Some(30_000));
    // Names break ties within a weight.
    p.plan.steps[0].action = StepAction::Helm {
        hooks: (0..3).map(|a| HelmHook { actor: ActorId(a), phase: HookPhase::Pre, weight: 0 }).collect(),
        resources: vec![ActorId(3)],
        wait: false,
        timeout: Bound::Default,
    };
    let r = replay(&p);
    assert_eq!((created(&r, 1), created(&r, 2), created(&r, 0)), (Some(0), Some(10_000), Some(20_000)));
    assert_eq!(plan_events(&r, |w| matches!(w, What::PlanFinished { failed: false })), [30_000]);
}

#[test]
fn pre_install_hook_needing_an_in_chart_database_deadlocks_until_helm_times_out() {
    // A7 (a): the hook migrates a database the release has not created yet.
    let mut migrate = job("migrate", 0, 1_000);
    migrate.restart_policy = RestartPolicy::OnFailure;
    migrate.job = Some(JobSpec { backoff_limit: Some(100), ..JobSpec::default() });
    let mut p = platform(vec![migrate, deployment("db", 1_000)]);
    p.dependencies.push(crash_dep(0, 1, 500));
    let hooks = vec![HelmHook { actor: ActorId(0), phase: HookPhase::Pre, weight: 0 }];
    p.plan = steps(
        vec![StepAction::Helm { hooks, resources: vec![ActorId(1)], wait: false, timeout: Bound::Default }],
        true,
    );
    let r = replay(&p);
    assert_eq!(plan_events(&r, |w| matches!(w, What::StepFailed { timed_out: true, .. })), [300_000]);
    assert_eq!(created(&r, 1), None);
    let stall =
        r.findings.iter().find(|f| f.kind == FindingKind::StartupStall && f.primary == Subject::Actor(ActorId(1)));
    let Some(Detail::Stall { why, len, .. }) = stall.map(|f| f.detail) else { panic!("db stalls: {:?}", r.findings) };
    assert_eq!((len, why[0]), (1, Blocker::NeverCreated));
    let hook =
        r.findings.iter().find(|f| f.kind == FindingKind::StartupStall && f.primary == Subject::Actor(ActorId(0)));
    let Some(Detail::Stall { chain, why, .. }) = hook.map(|f| f.detail) else { panic!("hook stalls") };
    assert_eq!(
        (chain[0], why[0], chain[1], why[1]),
        (ActorId(0), Blocker::CrashLooping, ActorId(1), Blocker::NeverCreated)
    );
}

#[test]
fn kubectl_wait_times_out_at_30_s_although_the_job_completes_later() {
    // A8: a 60 s migration behind `kubectl wait --for=condition=complete` (default 30 s).
    let mut p = platform(vec![job("migrate", 0, 60_000), deployment("app", 1_000)]);
    p.plan = steps(
        vec![
            StepAction::Apply { actors: vec![ActorId(0)] },
            StepAction::Wait { targets: vec![ActorId(0)], level: Level::Completed, timeout: Bound::Default },
            StepAction::Apply { actors: vec![ActorId(1)] },
        ],
        true,
    );
    let r = replay(&p);
    assert_eq!(plan_events(&r, |w| matches!(w, What::StepFailed { timed_out: true, .. })), [30_000]);
    let f = finding(&r, FindingKind::OrchestratorTimeout).expect("NX906");
    assert_eq!(f.primary, Subject::Step(1));
    assert_eq!(f.detail, Detail::OrchestratorTimeout { reported_failure: true, converged_ms: Some(60_000) });
    // `set -e` stopped the script: the app was never created.
    assert_eq!(created(&r, 1), None);
    // Waiting on something not created yet fails at once ("not found").
    p.plan.steps.swap(0, 1);
    let r = replay(&p);
    assert_eq!(plan_events(&r, |w| matches!(w, What::StepFailed { timed_out: false, .. })), [0]);
}

#[test]
fn progress_deadline_exceeded_then_converged_is_an_orchestrator_timeout() {
    let mut slow = deployment("slow", 700_000);
    slow.containers[0].readiness = Some(Probe::default());
    let p = platform(vec![slow]);
    let r = replay(&p);
    assert_eq!(has(&r, 0, |w| *w == What::ProgressDeadlineExceeded), Some(600_000));
    let f = finding(&r, FindingKind::OrchestratorTimeout).expect("NX906");
    assert_eq!(f.detail, Detail::OrchestratorTimeout { reported_failure: true, converged_ms: Some(700_000) });
}

#[test]
fn argo_waves_wait_for_health_and_two_seconds() {
    let mut db = deployment("db", 3_000);
    db.containers[0].readiness = Some(Probe { period_ms: Some(1_000), ..Probe::default() });
    let mut p = platform(vec![deployment("app", 1_000), job("migrate", 0, 5_000), db]);
    let res = |a, wave| ArgoResource { actor: ActorId(a), phase: ArgoPhase::Sync, wave };
    p.plan = steps(vec![StepAction::ArgoSync { resources: vec![res(0, 0), res(1, -1), res(2, -2)] }], false);
    let r = replay(&p);
    // db at 0, ready at 3 s; +2 s: migrate at 5 s, complete at 10 s; +2 s: app at 12 s.
    assert_eq!((created(&r, 2), created(&r, 1), created(&r, 0)), (Some(0), Some(5_000), Some(12_000)));
}

#[test]
fn migration_overlap_and_concurrent_migrations_are_observed() {
    // A plain Job beside the app: the app serves before the migration completes (NX902).
    let mut p = platform(vec![job("migrate", 0, 0), deployment("app", 1_000), deployment("db", 0)]);
    p.migrations.push(Migration {
        runner: ActorId(0),
        container: Slot::Main(0),
        datastore: ActorId(2),
        required_by: vec![ActorId(1)],
        origin: Origin(9),
        duration: Some(nexus_sim::dist::Dist::fixed(20_000)),
        lock: false,
    });
    let r = replay(&p);
    let f = finding(&r, FindingKind::MigrationOverlap).expect("NX902");
    assert_eq!((f.primary, f.secondary, f.time_ms), (Subject::Actor(ActorId(1)), Some(Subject::Migration(0)), 1_000));
    // Migration in the app's init container with 2 replicas: both run at once (NX903)...
    let mut app = deployment("app", 1_000);
    app.replicas = 2;
    app.init_containers.push(Container::one_shot("migrate", 0));
    let mut p = platform(vec![app, deployment("db", 0)]);
    p.migrations.push(Migration {
        runner: ActorId(0),
        container: Slot::Init(0),
        datastore: ActorId(1),
        required_by: vec![ActorId(0)],
        origin: Origin(9),
        duration: Some(nexus_sim::dist::Dist::fixed(20_000)),
        lock: false,
    });
    let r = replay(&p);
    assert!(finding(&r, FindingKind::ConcurrentMigration).is_some());
    assert!(finding(&r, FindingKind::MigrationOverlap).is_none(), "init containers gate the app");
    // ...unless the tool takes a lock.
    p.migrations[0].lock = true;
    assert!(finding(&replay(&p), FindingKind::ConcurrentMigration).is_none());
}

#[test]
fn a_wait_cycle_is_a_deadlock_with_its_chain() {
    let mut a = deployment("a", 1_000);
    a.init_containers.push(Container::one_shot("wait-b", 0));
    let mut b = deployment("b", 1_000);
    b.init_containers.push(Container::one_shot("wait-a", 0));
    let mut p = platform(vec![a, b]);
    for (c, pr) in [(0, 1), (1, 0)] {
        p.gates.push(Gate {
            consumer: ActorId(c),
            origin: Origin(0),
            kind: GateKind::Wait {
                container: Slot::Init(0),
                provider: ActorId(pr),
                level: Level::Listening,
                poll_ms: None,
                timeout_ms: None,
            },
        });
    }
    let r = replay(&p);
    let f = finding(&r, FindingKind::StartupStall).expect("NX904");
    let Detail::Stall { chain, len, deadlock, why } = f.detail else { panic!() };
    assert!(deadlock);
    assert_eq!((len, chain[0], chain[1], why[0]), (2, ActorId(0), ActorId(1), Blocker::Waiting));
    // The trial ended early: nothing can happen any more.
    assert!(r.outcome.events < 50);
}

#[test]
fn a_gated_consumer_never_connects_early() {
    let mut app = deployment("app", 1_000);
    app.init_containers.push(Container::one_shot("wait-db", 0));
    let mut p = platform(vec![app, deployment("db", 30_000)]);
    p.dependencies.push(crash_dep(0, 1, 1_000));
    p.gates.push(Gate {
        consumer: ActorId(0),
        origin: Origin(0),
        kind: GateKind::Wait {
            container: Slot::Init(0),
            provider: ActorId(1),
            level: Level::Listening,
            poll_ms: Some(1_000),
            timeout_ms: None,
        },
    });
    let r = replay(&p);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    // The wait polls every second from 0: db listens at 30 s, the poll at 30 s sees it.
    assert_eq!(has(&r, 0, |w| matches!(w, What::WaitPassed { .. })), Some(30_000));
    assert_eq!(r.outcome.actors[0].ready_ms, Some(31_000));
    // A bounded wait gives up, exits 1 and is restarted with backoff.
    if let GateKind::Wait { timeout_ms, .. } = &mut p.gates[0].kind {
        *timeout_ms = Some(10_000);
    }
    let r = replay(&p);
    assert_eq!(secs(times(&r.log, 0, |w| matches!(w, What::WaitFailed { .. })))[..2], [10.0, 20.0]);
}

#[test]
fn retrying_apps_do_not_crash() {
    let mut p = platform(vec![deployment("app", 1_000), deployment("db", 30_000)]);
    p.dependencies.push(crash_dep(0, 1, 1_000));
    p.gates.push(Gate { consumer: ActorId(0), origin: Origin(0), kind: GateKind::RetriesDependencies });
    let r = replay(&p);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert_eq!(r.outcome.actors[0].restarts, 0);
    assert_eq!(has(&r, 0, |w| matches!(w, What::Connected { .. })), Some(30_000));
}
