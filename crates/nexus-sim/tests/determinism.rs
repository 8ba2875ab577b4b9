//! Reproducibility: replays are byte-identical, a reused runner equals a fresh one, reports are
//! the same at any thread count, and one actor's draws do not depend on the others.

mod common;

use common::*;
use nexus_sim::dist::Dist;
use nexus_sim::engine::SimOptions;
use nexus_sim::log::format_log;
use nexus_sim::montecarlo::RunConfig;
use nexus_sim::run::{Simulator, TrialKey};
use nexus_sim::spec::*;
use proptest::prelude::*;

fn report_at(threads: usize, p: &SimPlatform, cfg: RunConfig) -> nexus_sim::montecarlo::SimReport {
    let sim = Simulator::new(p, SimOptions::default()).unwrap();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| sim.run(cfg))
}

#[test]
fn nexus_reports_are_identical_at_1_and_8_threads() {
    let p = nexus_sim::example::nexus();
    let cfg = RunConfig { trials: 3_000, master_seed: 7 };
    let one = report_at(1, &p, cfg);
    let eight = report_at(8, &p, cfg);
    assert_eq!(one, eight);
    let json = |r| nexus_sim::render::json(&p, r);
    assert_eq!(json(&one), json(&eight));
}

#[test]
fn a_race_replays_at_its_first_trial_with_the_same_log_every_time() {
    let p = nexus_sim::example::nexus();
    let sim = Simulator::new(&p, SimOptions::default()).unwrap();
    let r = sim.run(RunConfig { trials: 500, master_seed: 11 });
    assert!(!r.races.is_empty());
    for race in &r.races {
        let a = sim.replay(race.first_trial);
        let f = a.findings.iter().find(|f| f.kind == race.kind && f.primary == race.primary);
        assert_eq!(f.map(|f| f.time_ms), Some(race.first_time_ms), "{}", race.subject);
        let b = sim.replay(race.first_trial);
        assert_eq!(a, b);
        assert_eq!(format_log(&p, &a.log), format_log(&p, &b.log));
    }
}

#[test]
fn trial_keys_round_trip() {
    let k = TrialKey::new(u64::MAX, 12);
    assert_eq!(TrialKey::parse(&k.to_string()), Some(k));
    assert_eq!(TrialKey::parse("0x2a:7"), Some(TrialKey::new(42, 7)));
    for bad in ["", "1", "1:", ":1", "a:1", "1:-2", "1:2:3"] {
        assert_eq!(TrialKey::parse(bad), None, "{bad}");
    }
}

#[test]
fn adding_an_actor_does_not_change_the_others_draws() {
    let base = nexus_sim::example::nexus();
    let mut more = base.clone();
    let mut extra = Actor::new("zz-extra", WorkloadKind::Deployment, Container::serve("extra"));
    extra.replicas = 2;
    more.actors.push(extra);
    if let Some(StepAction::Apply { actors }) = more.plan.steps.last_mut().map(|s| &mut s.action) {
        actors.push(ActorId(7));
    }
    let a = Simulator::new(&base, SimOptions::default()).unwrap();
    let b = Simulator::new(&more, SimOptions::default()).unwrap();
    for trial in 0..20 {
        let key = TrialKey::new(3, trial);
        let (ra, rb) = (a.replay(key), b.replay(key));
        let keep = |l: &[nexus_sim::log::LogEvent]| l.iter().filter(|e| e.actor.0 < 7).copied().collect::<Vec<_>>();
        assert_eq!(keep(&ra.log), keep(&rb.log), "trial {trial}");
        assert_eq!(ra.findings, rb.findings.iter().filter(|f| ra.findings.contains(f)).copied().collect::<Vec<_>>());
    }
}

/// A small random platform: up to 5 actors, random kinds, replicas, timings, probes,
/// dependencies, waits, migrations and plan order.
fn small_platform() -> impl Strategy<Value = SimPlatform> {
    let actor = (0u8..4, 1u32..4, 0u64..20_000, 0u64..20_000, any::<bool>(), any::<bool>(), 0u8..3);
    (proptest::collection::vec(actor, 1..6), proptest::collection::vec((0u8..5, 0u8..5, 0u8..4, 0u64..5_000), 0..6))
        .prop_map(|(actors, edges)| {
            let n = actors.len() as u32;
            let mut p = SimPlatform::default();
            for (i, &(kind, replicas, lo, span, readiness, init, restart)) in actors.iter().enumerate() {
                let kind = [
                    WorkloadKind::Deployment,
                    WorkloadKind::StatefulSet,
                    WorkloadKind::Job,
                    WorkloadKind::ComposeService,
                ][kind as usize];
                let mut c = if kind == WorkloadKind::Job { Container::one_shot("c", 0) } else { Container::serve("c") };
                c.work = Some(Dist::uniform(lo, lo + span));
                if readiness {
                    c.readiness = Some(Probe { period_ms: Some(1_000 + lo % 9_000), ..Probe::default() });
                    c.liveness = Some(Probe::default());
                    c.healthcheck = Some(Healthcheck { interval_ms: Some(5_000), ..Healthcheck::default() });
                }
                let mut a = Actor::new(format!("a{i}"), kind, c);
                a.replicas = replicas;
                a.compose_restart =
                    [DockerRestart::No, DockerRestart::Always, DockerRestart::OnFailure { max_retries: 2 }]
                        [restart as usize];
                if init {
                    a.init_containers.push(Container::one_shot("init", 0));
                }
                p.actors.push(a);
            }
            for &(c, pr, what, ms) in &edges {
                let (c, pr) = (u32::from(c) % n, u32::from(pr) % n);
                if c == pr {
                    continue;
                }
                match what {
                    0 => p.dependencies.push(crash_dep(c, pr, ms)),
                    1 => p.dependencies.push(Dependency {
                        on_unavailable: OnUnavailable::Retry { interval_ms: Some(ms + 1), give_up_ms: Some(ms * 10) },
                        ..crash_dep(c, pr, ms)
                    }),
                    2 if !p.actors[c as usize].init_containers.is_empty() => p.gates.push(Gate {
                        consumer: ActorId(c),
                        origin: Origin(0),
                        kind: GateKind::Wait {
                            container: Slot::Init(0),
                            provider: ActorId(pr),
                            level: [Level::Listening, Level::Ready, Level::Completed][(ms % 3) as usize],
                            poll_ms: Some(ms % 2_000 + 1),
                            timeout_ms: (ms % 2 == 0).then_some(ms * 20),
                        },
                    }),
                    3 => p.migrations.push(Migration {
                        runner: ActorId(c),
                        container: Slot::Main(0),
                        datastore: ActorId(pr),
                        required_by: vec![ActorId(pr)],
                        origin: Origin(0),
                        duration: Some(Dist::uniform(0, ms)),
                        lock: false,
                    }),
                    _ => {}
                }
            }
            let order: Vec<ActorId> = (0..n).rev().map(ActorId).collect();
            p.plan = DeployPlan {
                origin: Origin(0),
                errexit: edges.len() % 2 == 0,
                steps: vec![
                    Step::new(StepAction::Apply { actors: order[..order.len() / 2].to_vec() }),
                    Step::new(StepAction::Wait {
                        targets: vec![order[0]],
                        level: Level::Ready,
                        timeout: Bound::Default,
                    }),
                    Step::new(StepAction::Apply { actors: order[order.len() / 2..].to_vec() }),
                ],
            };
            p
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn replay_equals_the_original_trial_and_threads_do_not_matter(p in small_platform(), seed in any::<u64>()) {
        let sim = Simulator::new(&p, SimOptions::default()).unwrap();
        let mut runner = sim.runner();
        for trial in 0..24 {
            let key = TrialKey::new(seed, trial);
            let (findings, outcome) = {
                let v = runner.run(key);
                (v.findings.to_vec(), v.outcome())
            };
            let replay = sim.replay(key);
            prop_assert_eq!(&findings, &replay.findings);
            prop_assert_eq!(&outcome, &replay.outcome);
            prop_assert_eq!(format_log(&p, &replay.log), format_log(&p, &sim.replay(key).log));
        }
        let cfg = RunConfig { trials: 300, master_seed: seed };
        prop_assert_eq!(report_at(1, &p, cfg), report_at(3, &p, cfg));
    }
}
