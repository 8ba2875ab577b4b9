//! Synthetic platforms shaped like nexus-lint's `fixtures/nexus` and `fixtures/nexus-fixed`,
//! written by hand the way the lowering will produce them. Used by the benchmark, the tests
//! and the documentation; they need nothing but this crate.

use crate::dist::Dist;
use crate::spec::*;

fn probe(initial_s: u64, period_s: u64) -> Option<Probe> {
    Some(Probe { initial_delay_ms: Some(initial_s * 1000), period_ms: Some(period_s * 1000), ..Probe::default() })
}

fn actor(name: &str, origin: u32, replicas: u32, c: Container) -> Actor {
    let mut a = Actor::new(name, WorkloadKind::Deployment, c);
    a.origin = Origin(origin);
    a.replicas = replicas;
    a
}

fn dep(consumer: u32, container: Slot, provider: u32, origin: u32) -> Dependency {
    Dependency {
        consumer: ActorId(consumer),
        container,
        provider: ActorId(provider),
        origin: Origin(origin),
        connect_at: None,
        on_unavailable: OnUnavailable::Crash { after: None },
    }
}

fn wait_init(name: &str) -> Container {
    Container::one_shot(name, 0)
}

fn wait_gate(consumer: u32, init: u16, provider: u32, level: Level, origin: u32) -> Gate {
    Gate {
        consumer: ActorId(consumer),
        origin: Origin(origin),
        kind: GateKind::Wait {
            container: Slot::Init(init),
            provider: ActorId(provider),
            level,
            poll_ms: None,
            timeout_ms: None,
        },
    }
}

const DB: u32 = 0;
const REDIS: u32 = 1;
const BACKEND: u32 = 2;
const WORKER: u32 = 3;
const FRONTEND: u32 = 4;
const MIGRATION: u32 = 5;
const PROMETHEUS: u32 = 6;

fn workloads() -> Vec<Actor> {
    let mut postgres = Container::serve("postgres");
    postgres.work = Some(Dist::lognormal(4_000, 12_000));
    let mut redis = Container::serve("redis");
    redis.work = Some(Dist::lognormal(1_000, 3_000));
    let mut backend = Container::serve("backend");
    backend.readiness = probe(10, 10);
    backend.liveness = probe(30, 10);
    backend.work = Some(Dist::lognormal(3_000, 10_000));
    let mut worker = Container::serve("worker");
    worker.work = Some(Dist::lognormal(3_000, 10_000));
    let mut frontend = Container::serve("frontend");
    frontend.readiness = probe(5, 10);
    frontend.liveness = probe(15, 20);
    let mut migration = Container::one_shot("migration", 0);
    migration.work = Some(Dist::fixed(0));
    let mut prometheus = Container::serve("prometheus");
    prometheus.readiness = probe(0, 10);
    let mut w = vec![
        actor("nexus-database", 10, 1, postgres),
        actor("nexus-redis", 11, 1, redis),
        actor("nexus-backend", 12, 3, backend),
        actor("nexus-worker", 13, 2, worker),
        actor("nexus-frontend", 14, 2, frontend),
        actor("nexus-db-migration", 15, 1, migration),
        actor("prometheus", 16, 1, prometheus),
    ];
    let job = &mut w[MIGRATION as usize];
    job.kind = WorkloadKind::Job;
    job.restart_policy = RestartPolicy::OnFailure;
    job.job = Some(JobSpec::default());
    w
}

fn migration(required_by: Vec<ActorId>) -> Migration {
    Migration {
        runner: ActorId(MIGRATION),
        container: Slot::Main(0),
        datastore: ActorId(DB),
        required_by,
        origin: Origin(40),
        duration: None,
        lock: false,
    }
}

fn apply(a: u32, origin: u32) -> Step {
    Step { origin: Origin(origin), action: StepAction::Apply { actors: vec![ActorId(a)] } }
}

/// `fixtures/nexus`: the backend connects to the database and redis with no gate; the worker
/// and frontend wait in init containers (`until nc -z …`, no timeout); the migration Job is
/// applied after the backend and nothing waits for it; the deploy script waits for nothing.
pub fn nexus() -> SimPlatform {
    let mut actors = workloads();
    let worker = &mut actors[WORKER as usize];
    worker.init_containers = vec![wait_init("wait-for-database"), wait_init("wait-for-redis")];
    actors[FRONTEND as usize].init_containers = vec![wait_init("wait-for-backend")];
    let dependencies = vec![
        dep(BACKEND, Slot::Main(0), DB, 20),
        dep(BACKEND, Slot::Main(0), REDIS, 21),
        dep(WORKER, Slot::Main(0), DB, 22),
        dep(WORKER, Slot::Main(0), REDIS, 23),
        dep(MIGRATION, Slot::Main(0), DB, 24),
    ];
    let gates = vec![
        wait_gate(WORKER, 0, DB, Level::Listening, 30),
        wait_gate(WORKER, 1, REDIS, Level::Listening, 31),
        wait_gate(FRONTEND, 0, BACKEND, Level::Listening, 32),
    ];
    let plan = DeployPlan {
        origin: Origin(50),
        errexit: true,
        steps: vec![
            apply(DB, 51),
            apply(REDIS, 52),
            apply(BACKEND, 53),
            apply(MIGRATION, 54),
            apply(WORKER, 55),
            apply(FRONTEND, 56),
            apply(PROMETHEUS, 57),
        ],
    };
    SimPlatform {
        actors,
        dependencies,
        gates,
        migrations: vec![migration(vec![ActorId(BACKEND), ActorId(WORKER)])],
        plan,
        timing: Default::default(),
        configs: Vec::new(),
        config_uses: Vec::new(),
    }
}

/// `fixtures/nexus-fixed`: readiness probes on the datastores, init containers that wait for
/// them (and for the migration), and a deploy script that waits for each tier in turn.
pub fn nexus_fixed() -> SimPlatform {
    let mut p = nexus();
    p.actors[DB as usize].containers[0].readiness = probe(5, 5);
    p.actors[REDIS as usize].containers[0].readiness = probe(0, 5);
    p.actors[BACKEND as usize].init_containers =
        vec![wait_init("wait-for-database"), wait_init("wait-for-redis"), wait_init("wait-for-migration")];
    p.actors[MIGRATION as usize].init_containers = vec![wait_init("wait-for-database")];
    p.gates = vec![
        wait_gate(BACKEND, 0, DB, Level::Listening, 33),
        wait_gate(BACKEND, 1, REDIS, Level::Listening, 34),
        wait_gate(BACKEND, 2, MIGRATION, Level::Completed, 35),
        wait_gate(WORKER, 0, DB, Level::Listening, 30),
        wait_gate(WORKER, 1, REDIS, Level::Listening, 31),
        wait_gate(FRONTEND, 0, BACKEND, Level::Listening, 32),
        wait_gate(MIGRATION, 0, DB, Level::Listening, 36),
    ];
    let rollout = |a: u32, origin: u32| Step {
        origin: Origin(origin),
        action: StepAction::RolloutStatus { targets: vec![ActorId(a)], timeout: Bound::Millis(600_000) },
    };
    p.plan.steps = vec![
        apply(DB, 51),
        rollout(DB, 60),
        apply(REDIS, 52),
        rollout(REDIS, 61),
        apply(MIGRATION, 54),
        Step {
            origin: Origin(62),
            action: StepAction::Wait {
                targets: vec![ActorId(MIGRATION)],
                level: Level::Completed,
                timeout: Bound::Millis(600_000),
            },
        },
        apply(BACKEND, 53),
        rollout(BACKEND, 63),
        apply(WORKER, 55),
        rollout(WORKER, 64),
        apply(FRONTEND, 56),
        rollout(FRONTEND, 65),
        apply(PROMETHEUS, 57),
        rollout(PROMETHEUS, 66),
    ];
    p
}
