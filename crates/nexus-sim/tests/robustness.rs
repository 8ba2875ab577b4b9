//! No input makes the simulator panic or run away: dangling indices are errors, extreme
//! numbers saturate, and every trial ends (quiescence, deadline or event budget).

mod common;

use nexus_sim::dist::Dist;
use nexus_sim::engine::{SimOptions, TrialEnd};
use nexus_sim::montecarlo::RunConfig;
use nexus_sim::run::{Simulator, TrialKey};
use nexus_sim::spec::*;
use proptest::prelude::*;

fn any_dist() -> impl Strategy<Value = Dist> {
    prop_oneof![
        any::<u64>().prop_map(Dist::fixed),
        (any::<u64>(), any::<u64>()).prop_map(|(a, b)| Dist::uniform(a, b)),
        (any::<u64>(), any::<u64>(), any::<u64>(), any::<u64>()).prop_map(|(median, p95, min, max)| Dist::LogNormal {
            median,
            p95,
            min,
            max
        }),
    ]
}

fn any_probe() -> impl Strategy<Value = Option<Probe>> {
    proptest::option::of(
        (any::<Option<u64>>(), any::<Option<u64>>(), any::<Option<u32>>(), any::<Option<u32>>()).prop_map(
            |(initial_delay_ms, period_ms, success_threshold, failure_threshold)| Probe {
                initial_delay_ms,
                period_ms,
                timeout_ms: None,
                success_threshold,
                failure_threshold,
            },
        ),
    )
}

fn wild_platform() -> impl Strategy<Value = SimPlatform> {
    let container = || (any_dist(), any_probe(), any_probe(), any_probe(), any::<bool>(), any::<i32>(), any::<bool>());
    let actor = (
        0u8..8,
        0u32..4,
        proptest::collection::vec(container(), 0..3),
        proptest::collection::vec(container(), 1..3),
        any::<u8>(),
    );
    (
        proptest::collection::vec(actor, 0..5),
        proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u8>(), any_dist()), 0..8),
        any::<u64>(),
    )
        .prop_map(|(actors, edges, big)| {
            let mut p = SimPlatform::default();
            for (i, (kind, replicas, inits, mains, misc)) in actors.into_iter().enumerate() {
                let kind = [
                    WorkloadKind::Deployment,
                    WorkloadKind::StatefulSet,
                    WorkloadKind::DaemonSet,
                    WorkloadKind::ReplicaSet,
                    WorkloadKind::Job,
                    WorkloadKind::CronJob,
                    WorkloadKind::Pod,
                    WorkloadKind::ComposeService,
                ][kind as usize];
                let mk = |(work, r, l, s, sidecar, code, serve): (
                    Dist,
                    Option<Probe>,
                    Option<Probe>,
                    Option<Probe>,
                    bool,
                    i32,
                    bool,
                )| {
                    let mut c = if serve { Container::serve("c") } else { Container::one_shot("c", code) };
                    c.work = Some(work);
                    c.readiness = r;
                    c.liveness = l;
                    c.startup = s;
                    c.sidecar = sidecar;
                    c.healthcheck = Some(Healthcheck {
                        interval_ms: Some(big % 100_000),
                        start_period_ms: Some(big),
                        ..Healthcheck::default()
                    });
                    c
                };
                let mut a = Actor::new(format!("a{i}"), kind, mk(mains[0]));
                a.containers = mains.into_iter().map(mk).collect();
                a.init_containers = inits.into_iter().map(mk).collect();
                a.replicas = replicas;
                a.restart_policy =
                    [RestartPolicy::Always, RestartPolicy::OnFailure, RestartPolicy::Never][misc as usize % 3];
                a.compose_restart =
                    [DockerRestart::No, DockerRestart::Always, DockerRestart::OnFailure { max_retries: 0 }]
                        [misc as usize % 3];
                a.job = Some(JobSpec {
                    backoff_limit: Some(u32::from(misc)),
                    active_deadline_ms: Some(big),
                    parallelism: Some(u32::from(misc % 4)),
                    completions: Some(u32::from(misc % 3)),
                });
                a.rollout.progress_deadline_ms = Some(big);
                a.schedule = Some(Dist::uniform(0, big));
                p.actors.push(a);
            }
            let n = p.actors.len().max(1) as u32;
            for (c, pr, what, d) in edges {
                // Some indices dangle on purpose.
                let (c, pr) = (u32::from(c) % (n + 1), u32::from(pr) % (n + 1));
                match what % 5 {
                    0 => p.dependencies.push(Dependency {
                        consumer: ActorId(c),
                        container: Slot::Main(u16::from(what % 2)),
                        provider: ActorId(pr),
                        origin: Origin(0),
                        connect_at: Some(d),
                        on_unavailable: if what % 2 == 0 {
                            OnUnavailable::Crash { after: Some(d) }
                        } else {
                            OnUnavailable::Retry { interval_ms: Some(big), give_up_ms: Some(big) }
                        },
                    }),
                    1 => p.gates.push(Gate {
                        consumer: ActorId(c),
                        origin: Origin(0),
                        kind: GateKind::Wait {
                            container: Slot::Init(0),
                            provider: ActorId(pr),
                            level: Level::Ready,
                            poll_ms: Some(big),
                            timeout_ms: Some(big),
                        },
                    }),
                    2 => p.gates.push(Gate {
                        consumer: ActorId(c),
                        origin: Origin(0),
                        kind: GateKind::ComposeDependsOn {
                            provider: ActorId(pr),
                            condition: ComposeCondition::ServiceCompletedSuccessfully,
                            required: what % 2 == 0,
                        },
                    }),
                    3 => p.migrations.push(Migration {
                        runner: ActorId(c),
                        container: Slot::Main(0),
                        datastore: ActorId(pr),
                        required_by: vec![ActorId(c)],
                        origin: Origin(0),
                        duration: Some(d),
                        lock: false,
                    }),
                    _ => p.gates.push(Gate {
                        consumer: ActorId(c),
                        origin: Origin(0),
                        kind: GateKind::RetriesDependencies,
                    }),
                }
            }
            let all: Vec<ActorId> = (0..n).map(ActorId).collect();
            p.plan = DeployPlan {
                origin: Origin(0),
                errexit: big % 2 == 0,
                steps: vec![
                    Step::new(StepAction::Helm {
                        hooks: vec![HelmHook { actor: ActorId(0), phase: HookPhase::Pre, weight: big as i64 }],
                        resources: all.clone(),
                        wait: true,
                        timeout: Bound::Millis(big),
                    }),
                    Step::new(StepAction::ArgoSync {
                        resources: all
                            .iter()
                            .map(|&actor| ArgoResource { actor, phase: ArgoPhase::Sync, wave: (big % 3) as i64 })
                            .collect(),
                    }),
                    Step::new(StepAction::ComposeUp { services: all.clone(), wait: true, timeout: Bound::Once }),
                    Step::new(StepAction::RolloutStatus { targets: all.clone(), timeout: Bound::Unbounded }),
                    Step::new(StepAction::Sleep { ms: big }),
                    Step::new(StepAction::Wait { targets: all, level: Level::Available, timeout: Bound::Millis(big) }),
                ],
            };
            p
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_input_panics_and_every_trial_ends(p in wild_platform(), seed in any::<u64>(), deadline in any::<u64>()) {
        let opts = SimOptions { deadline_ms: deadline, event_budget: 20_000, ..SimOptions::default() };
        let Ok(sim) = Simulator::new(&p, opts) else { return Ok(()) };
        for trial in 0..4 {
            let r = sim.replay(TrialKey::new(seed, trial));
            prop_assert!(r.outcome.events <= 20_001);
            if r.outcome.end == TrialEnd::BudgetExceeded {
                prop_assert!(r.log.iter().any(|e| e.what == nexus_sim::log::What::BudgetExceeded));
            }
            let _ = nexus_sim::render::timeline_svg(&p, &r, r.findings.first());
        }
        let report = sim.run(RunConfig { trials: 8, master_seed: seed });
        let _ = nexus_sim::render::json(&p, &report);
        let _ = nexus_sim::render::human(&sim, &report, "x");
    }
}

#[test]
fn dangling_indices_are_errors_not_panics() {
    let mut p = common::platform(vec![common::deployment("a", 0)]);
    p.dependencies.push(common::crash_dep(0, 5, 0));
    let err = Simulator::new(&p, SimOptions::default()).err().expect("rejected");
    assert!(err.to_string().contains("names actor 5 of 1"), "{err}");
    let mut p = common::platform(vec![common::deployment("a", 0)]);
    p.actors[0].replicas = u32::MAX;
    assert!(Simulator::new(&p, SimOptions::default()).is_err());
}

#[test]
fn a_crash_loop_without_deadline_stops_at_the_event_budget() {
    let mut p = common::platform(vec![common::deployment("app", 0), common::deployment("db", 0)]);
    p.dependencies.push(common::crash_dep(0, 1, 0));
    p.plan.steps[0].action = StepAction::Apply { actors: vec![ActorId(0)] };
    let opts = SimOptions { deadline_ms: u64::MAX, event_budget: 5_000, ..SimOptions::default() };
    let r = Simulator::new(&p, opts).unwrap().replay(TrialKey::new(0, 0));
    assert_eq!(r.outcome.end, TrialEnd::BudgetExceeded);
}
