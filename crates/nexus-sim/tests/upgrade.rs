//! The upgrade scenario with exact numbers (`Timing::ZERO`, fixed durations): the Deployment
//! controller's fenceposts, a rolling update beside an unordered migration (NX907 both ways), a
//! migration awaited before the rollout (nothing), and `Recreate`.

mod common;

use common::*;
use nexus_sim::dist::Dist;
use nexus_sim::engine::{Scenario, SimOptions};
use nexus_sim::finding::{Detail, FindingKind};
use nexus_sim::log::What;
use nexus_sim::spec::*;

const UPGRADE: SimOptions = SimOptions { scenario: Scenario::Upgrade, ..default_opts() };

const fn default_opts() -> SimOptions {
    SimOptions {
        scenario: Scenario::Install,
        profile: nexus_sim::defaults::BackoffProfile::Classic,
        deadline_ms: nexus_sim::defaults::STALL_DEADLINE_MS,
        event_budget: nexus_sim::defaults::EVENT_BUDGET,
        storm_restarts: nexus_sim::defaults::STORM_RESTARTS,
        storm_window_ms: nexus_sim::defaults::STORM_WINDOW_MS,
        storm_penalty_ms: nexus_sim::defaults::STORM_PENALTY_MS,
    }
}

/// `api` (4 replicas, listening 10 s after start, maxSurge 1, maxUnavailable 0), `db`, and the
/// Job `migrate` whose 25 s migration `api` requires.
fn release(plan: Vec<StepAction>, rollout: RolloutSpec) -> SimPlatform {
    let mut api = deployment("api", 10_000);
    api.replicas = 4;
    api.rollout = rollout;
    let mut p = platform(vec![api, deployment("db", 1_000), job("migrate", 0, 0)]);
    p.migrations.push(Migration {
        runner: ActorId(2),
        container: Slot::Main(0),
        datastore: ActorId(1),
        required_by: vec![ActorId(0)],
        origin: Origin(7),
        duration: Some(Dist::fixed(25_000)),
        lock: false,
    });
    p.plan = steps(plan, true);
    p
}

fn surge_one() -> RolloutSpec {
    RolloutSpec { max_surge: Some(1), max_unavailable: Some(0), ..RolloutSpec::default() }
}

fn skew(p: &SimPlatform) -> Option<(u64, u64, u64)> {
    let r = replay_with(p, UPGRADE);
    r.findings.iter().find(|f| f.kind == FindingKind::SchemaSkew).map(|f| match f.detail {
        Detail::SchemaSkew { new_on_old_ms, old_on_new_ms, .. } => (f.time_ms, new_on_old_ms, old_on_new_ms),
        _ => unreachable!(),
    })
}

#[test]
fn fenceposts_follow_the_deployment_defaults() {
    // 25 % up rounded up, 25 % down rounded down (pkg/apis/apps/v1/defaults.go).
    assert_eq!(RolloutSpec::default().fenceposts(4), (1, 1));
    assert_eq!(RolloutSpec::default().fenceposts(3), (1, 0));
    assert_eq!(RolloutSpec::default().fenceposts(10), (3, 2));
    // Never both 0: maxUnavailable becomes 1 (ResolveFenceposts).
    let zero = RolloutSpec { max_surge: Some(0), max_unavailable: Some(0), ..RolloutSpec::default() };
    assert_eq!(zero.fenceposts(3), (0, 1));
}

#[test]
fn a_rollout_beside_an_unordered_migration_skews_both_ways() {
    let p = release(vec![StepAction::Apply { actors: vec![ActorId(0), ActorId(2)] }], surge_one());
    // New pods at 0, 10, 20, 30 s (one at a time), each serving 10 s later; old pods leave at
    // 10, 20, 30, 40 s. The migration completes at 25 s: new pods served on the old schema
    // from 10 s (15 s), old pods on the new one until 40 s (15 s).
    assert_eq!(skew(&p), Some((10_000, 15_000, 15_000)));
    let r = replay_with(&p, UPGRADE);
    assert_eq!(times(&r.log, 0, |w| matches!(w, What::PodCreated)), [0, 10_000, 20_000, 30_000]);
    assert_eq!(times(&r.log, 0, |w| matches!(w, What::PodNotReady)), [10_000, 20_000, 30_000, 40_000]);
    assert_eq!(r.outcome.actors[0].ready_ms, Some(40_000));
    // The unchanged database serves throughout.
    assert_eq!(r.outcome.actors[1].ready_ms, Some(0));
}

#[test]
fn min_ready_seconds_slows_the_rollout_but_not_serving() {
    let slow = RolloutSpec { min_ready_ms: Some(5_000), ..surge_one() };
    let p = release(vec![StepAction::Apply { actors: vec![ActorId(0), ActorId(2)] }], slow);
    // Pods every 15 s; the first serves at 10 s; the last old pod leaves at 60 s.
    assert_eq!(skew(&p), Some((10_000, 15_000, 35_000)));
}

#[test]
fn a_migration_awaited_before_the_rollout_is_no_skew() {
    let plan = vec![
        StepAction::Apply { actors: vec![ActorId(2)] },
        StepAction::Wait { targets: vec![ActorId(2)], level: Level::Completed, timeout: Bound::Unbounded },
        StepAction::Apply { actors: vec![ActorId(0)] },
        StepAction::RolloutStatus { targets: vec![ActorId(0)], timeout: Bound::Unbounded },
    ];
    let p = release(plan, surge_one());
    assert_eq!(skew(&p), None);
    let r = replay_with(&p, UPGRADE);
    assert_eq!(r.outcome.actors[0].ready_ms, Some(65_000));
    assert_eq!(r.outcome.platform_ready_ms, Some(65_000));
    // The same platform's install has no NX907 at all.
    assert!(replay(&p).findings.iter().all(|f| f.kind != FindingKind::SchemaSkew));
}

#[test]
fn recreate_removes_the_old_pods_first() {
    let recreate = RolloutSpec { recreate: true, ..RolloutSpec::default() };
    let p = release(vec![StepAction::Apply { actors: vec![ActorId(0), ActorId(2)] }], recreate);
    // Every new pod serves at 10 s, before the migration completes at 25 s; no old pod is left.
    assert_eq!(skew(&p), Some((10_000, 15_000, 0)));
}

#[test]
fn a_wait_that_times_out_stops_a_set_e_plan() {
    let plan = vec![
        StepAction::Apply { actors: vec![ActorId(2)] },
        StepAction::Wait { targets: vec![ActorId(2)], level: Level::Completed, timeout: Bound::Millis(5_000) },
        StepAction::Apply { actors: vec![ActorId(0)] },
    ];
    let r = replay_with(&release(plan, surge_one()), UPGRADE);
    assert!(r.outcome.plan_failed);
    // The app was never rolled: no skew, and it never reached the new version.
    assert!(r.findings.is_empty());
    assert_eq!(r.outcome.actors[0].ready_ms, None);
}
