//! What the oracles report (NX901–NX908), in the simulator's own terms: subjects are indices
//! into the [`crate::spec::SimPlatform`], which the caller maps to manifest nodes
//! through their [`crate::spec::Origin`]s.

use crate::spec::{ActorId, Millis, Origin, SimPlatform};

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum FindingKind {
    /// NX901: a consumer connected before its provider was ready, and crashed for it.
    EarlyConnect,
    /// NX902: an app became Ready (served) before the migration it needs completed.
    MigrationOverlap,
    /// NX903: two runs of migrations of one datastore overlapped in time.
    ConcurrentMigration,
    /// NX904: a required workload was not ready by the deadline.
    StartupStall,
    /// NX905: a container restarted ≥ R times within W, or waited ≥ B of backoff after its
    /// provider was ready.
    CrashloopStorm,
    /// NX906: an orchestrator reported failure although the platform converged later, or
    /// success although it did not.
    OrchestratorTimeout,
    /// NX907: during an upgrade, new replicas served before the migration they need completed,
    /// or old ones after it.
    SchemaSkew,
    /// NX908: after a ConfigMap or Secret edit, replicas of a workload keep its old values (until
    /// they restart) or see the new ones at different moments, with nothing rolling them.
    ConfigSkew,
}

impl FindingKind {
    pub const ALL: [FindingKind; 8] = [
        FindingKind::EarlyConnect,
        FindingKind::MigrationOverlap,
        FindingKind::ConcurrentMigration,
        FindingKind::StartupStall,
        FindingKind::CrashloopStorm,
        FindingKind::OrchestratorTimeout,
        FindingKind::SchemaSkew,
        FindingKind::ConfigSkew,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FindingKind::EarlyConnect => "NX901",
            FindingKind::MigrationOverlap => "NX902",
            FindingKind::ConcurrentMigration => "NX903",
            FindingKind::StartupStall => "NX904",
            FindingKind::CrashloopStorm => "NX905",
            FindingKind::OrchestratorTimeout => "NX906",
            FindingKind::SchemaSkew => "NX907",
            FindingKind::ConfigSkew => "NX908",
        }
    }

    /// The scenario that observes it: NX907 only an upgrade, NX908 only a config change, the
    /// others an install.
    pub fn scenario(self) -> crate::engine::Scenario {
        match self {
            FindingKind::SchemaSkew => crate::engine::Scenario::Upgrade,
            FindingKind::ConfigSkew => crate::engine::Scenario::ConfigChange,
            _ => crate::engine::Scenario::Install,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FindingKind::EarlyConnect => "early-connect",
            FindingKind::MigrationOverlap => "migration-overlap",
            FindingKind::ConcurrentMigration => "concurrent-migration-observed",
            FindingKind::StartupStall => "startup-stall",
            FindingKind::CrashloopStorm => "crashloop-storm",
            FindingKind::OrchestratorTimeout => "orchestrator-timeout",
            FindingKind::SchemaSkew => "rollout-schema-skew",
            FindingKind::ConfigSkew => "config-change-skew",
        }
    }
}

/// What a finding is about.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(tag = "type", content = "index", rename_all = "snake_case")]
pub enum Subject {
    Actor(ActorId),
    /// Index into [`SimPlatform::dependencies`](crate::spec::SimPlatform::dependencies).
    Dependency(u32),
    /// Index into [`SimPlatform::migrations`](crate::spec::SimPlatform::migrations).
    Migration(u32),
    /// Index into the deploy plan's steps.
    Step(u32),
    /// Index into [`SimPlatform::configs`](crate::spec::SimPlatform::configs).
    Config(u32),
    /// Index into [`SimPlatform::config_uses`](crate::spec::SimPlatform::config_uses).
    ConfigUse(u32),
}

impl Subject {
    /// The caller's handle for it (the plan's origin for an out-of-range step).
    pub fn origin(self, p: &SimPlatform) -> Origin {
        match self {
            Subject::Actor(a) => p.actors.get(a.index()).map_or(Origin::default(), |a| a.origin),
            Subject::Dependency(i) => p.dependencies.get(i as usize).map_or(Origin::default(), |d| d.origin),
            Subject::Migration(i) => p.migrations.get(i as usize).map_or(Origin::default(), |m| m.origin),
            Subject::Step(i) => p.plan.steps.get(i as usize).map_or(p.plan.origin, |s| s.origin),
            Subject::Config(i) => p.configs.get(i as usize).map_or(Origin::default(), |c| c.origin),
            Subject::ConfigUse(i) => p.config_uses.get(i as usize).map_or(Origin::default(), |u| u.origin),
        }
    }

    /// A short human name: `nexus-backend`, `nexus-backend → nexus-database`, `migration of
    /// nexus-database by nexus-db-migration`, `deploy step 3`.
    pub fn describe(self, p: &SimPlatform) -> String {
        let name = |a: ActorId| p.actors.get(a.index()).map_or("?", |a| a.name.as_str()).to_string();
        match self {
            Subject::Actor(a) => name(a),
            Subject::Dependency(i) => match p.dependencies.get(i as usize) {
                Some(d) => format!("{} → {}", name(d.consumer), name(d.provider)),
                None => format!("dependency #{i}"),
            },
            Subject::Migration(i) => match p.migrations.get(i as usize) {
                Some(m) => format!("migration by {}", name(m.runner)),
                None => format!("migration #{i}"),
            },
            Subject::Step(i) => format!("deploy step {i}"),
            Subject::Config(i) => match p.configs.get(i as usize) {
                Some(c) => format!("{} {}", if c.secret { "Secret" } else { "ConfigMap" }, c.name),
                None => format!("config #{i}"),
            },
            Subject::ConfigUse(i) => match p.config_uses.get(i as usize) {
                Some(u) => name(u.actor),
                None => format!("config reference #{i}"),
            },
        }
    }
}

/// Why a workload is not ready: one link of an NX904 blocked-on chain.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Blocker {
    /// The deploy plan stopped before creating it.
    NeverCreated,
    /// The deploy plan is still waiting, on the next actor of the chain.
    PlanWaiting,
    /// A container of it waits (init container, entrypoint wait, Compose `depends_on`).
    Waiting,
    /// It crashes because it cannot connect to the next actor of the chain.
    CrashLooping,
    /// Its Job failed.
    JobFailed,
    /// It runs but does not become ready (slow start, probes).
    NotReady,
}

/// The most links an NX904 chain records.
pub const CHAIN_MAX: usize = 6;

/// Finding-specific facts.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Detail {
    EarlyConnect {
        consumer: ActorId,
        provider: ActorId,
    },
    MigrationOverlap {
        app: ActorId,
        migration: u32,
    },
    ConcurrentMigration {
        datastore: ActorId,
    },
    /// `chain[..len]` are the actors from the stalled one to the root blocker, with why each
    /// waits; `deadlock`: the chain loops.
    Stall {
        chain: [ActorId; CHAIN_MAX],
        why: [Blocker; CHAIN_MAX],
        len: u8,
        deadlock: bool,
    },
    CrashloopStorm {
        restarts_in_window: u32,
        penalty_ms: Millis,
    },
    /// `reported_failure`: the orchestrator said failure at `time_ms` and the targets converged
    /// at `converged_ms`; otherwise it said success and they were not ready at the end.
    OrchestratorTimeout {
        reported_failure: bool,
        converged_ms: Option<Millis>,
    },
    /// How long new replicas served against the old schema, and old ones against the new.
    SchemaSkew {
        app: ActorId,
        migration: u32,
        new_on_old_ms: Millis,
        old_on_new_ms: Millis,
    },
    /// After an edit of `config`: `stale`, some reference of the workload keeps the old values
    /// until its containers restart (env, `subPath`); its volumes' files were rewritten between
    /// `files_first_ms` and `files_last_ms` after the edit, pod by pod.
    ConfigSkew {
        actor: ActorId,
        config: u32,
        replicas: u32,
        stale: bool,
        files_first_ms: Option<Millis>,
        files_last_ms: Option<Millis>,
    },
}

/// One finding of one trial.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// The node a fix goes on (the dependency edge, the app, the deploy step…).
    pub primary: Subject,
    pub secondary: Option<Subject>,
    /// When it happened (simulated).
    pub time_ms: Millis,
    pub detail: Detail,
}

impl Finding {
    /// What identifies "the same race" across trials.
    pub fn key(&self) -> RaceKey {
        RaceKey { kind: self.kind, primary: self.primary, secondary: self.secondary }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct RaceKey {
    pub kind: FindingKind,
    pub primary: Subject,
    pub secondary: Option<Subject>,
}

/// A race's identity as the reports give it: its rule, its subjects, the caller's handles for
/// them and its name in tables. Monte Carlo's [`RaceStat`](crate::montecarlo::RaceStat) and
/// exploration's [`FoundRace`](crate::explore::FoundRace) embed it (flattened in their JSON)
/// beside how often each saw the race.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RaceId {
    pub code: &'static str,
    pub name: &'static str,
    pub kind: FindingKind,
    pub primary: Subject,
    pub secondary: Option<Subject>,
    /// The caller's handles for them.
    pub primary_origin: Origin,
    pub secondary_origin: Option<Origin>,
    /// `nexus-backend → nexus-database`.
    pub subject: String,
}

impl RaceId {
    pub fn new(p: &SimPlatform, k: RaceKey) -> RaceId {
        RaceId {
            code: k.kind.code(),
            name: k.kind.name(),
            kind: k.kind,
            primary: k.primary,
            secondary: k.secondary,
            primary_origin: k.primary.origin(p),
            secondary_origin: k.secondary.map(|s| s.origin(p)),
            subject: crate::montecarlo::subject(p, k),
        }
    }

    pub fn key(&self) -> RaceKey {
        RaceKey { kind: self.kind, primary: self.primary, secondary: self.secondary }
    }
}
