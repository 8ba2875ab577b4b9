//! Running trials: one by key (replay, with its full event log), or many (Monte Carlo, in
//! [`crate::montecarlo`]).

use crate::engine::{Compiled, SimOptions, SpecError, TrialEnd, World};
use crate::finding::Finding;
use crate::log::LogEvent;
use crate::rng;
use crate::spec::{Millis, SimPlatform};

/// Bumped whenever a change makes an old trial key replay differently (semantics, stream
/// names, PRNG). Printed with every report.
pub const SEMANTICS_VERSION: u32 = 1;

/// Names one trial of one run: `<master seed>:<trial index>`, e.g. `42:1337`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TrialKey {
    pub master_seed: u64,
    pub trial: u64,
}

impl TrialKey {
    /// The seed every stream of this trial derives from.
    pub fn trial_seed(self) -> u64 {
        rng::trial_seed(self.master_seed, self.trial)
    }

    /// Parses `SEED:TRIAL`; each part decimal or `0x` hexadecimal.
    pub fn parse(s: &str) -> Option<TrialKey> {
        let (a, b) = s.trim().split_once(':')?;
        Some(TrialKey { master_seed: parse_u64(a)?, trial: parse_u64(b)? })
    }
}

fn parse_u64(s: &str) -> Option<u64> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
        None => None,
    }
}

/// Serialized as its string form, `"42:1337"`.
impl serde::Serialize for TrialKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl std::fmt::Display for TrialKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.master_seed, self.trial)
    }
}

/// What one workload did in one trial.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ActorOutcome {
    /// When it first reached its goal (every replica Ready, Job complete).
    pub ready_ms: Option<Millis>,
    pub restarts: u32,
    /// Time its containers spent in backoff after the provider they crashed on was reachable.
    pub penalty_ms: Millis,
}

/// How one trial ended.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TrialOutcome {
    pub end: TrialEnd,
    /// The time of the last event processed (the deadline if it was reached).
    pub end_ms: Millis,
    pub events: u32,
    /// Every required workload at its goal and the deploy plan finished.
    pub platform_ready_ms: Option<Millis>,
    pub plan_failed: bool,
    pub actors: Vec<ActorOutcome>,
}

/// One trial re-run with its event log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replay {
    pub key: TrialKey,
    pub log: Vec<LogEvent>,
    pub findings: Vec<Finding>,
    pub outcome: TrialOutcome,
}

/// A platform ready to simulate: validated, with its lookup tables built.
pub struct Simulator<'p> {
    pub(crate) compiled: Compiled<'p>,
    pub(crate) opts: SimOptions,
}

impl<'p> Simulator<'p> {
    /// Fails only on dangling indices (a bug in the caller's lowering).
    pub fn new(platform: &'p SimPlatform, opts: SimOptions) -> Result<Simulator<'p>, SpecError> {
        Ok(Simulator { compiled: Compiled::new(platform)?, opts })
    }

    pub fn platform(&self) -> &'p SimPlatform {
        self.compiled.p
    }

    pub fn options(&self) -> SimOptions {
        self.opts
    }

    /// Re-runs one trial and returns its full event log; identical on every call.
    pub fn replay(&self, key: TrialKey) -> Replay {
        let mut w = World::new(&self.compiled, self.opts);
        w.log = Some(Vec::with_capacity(256));
        w.run(key.trial_seed());
        let outcome = outcome(&w);
        Replay { key, log: w.log.take().unwrap_or_default(), findings: w.findings.clone(), outcome }
    }
}

/// Summarizes a finished world.
pub(crate) fn outcome(w: &World<'_>) -> TrialOutcome {
    let actors: Vec<ActorOutcome> = w
        .actors
        .iter()
        .map(|a| ActorOutcome { ready_ms: a.goal_at, restarts: a.restarts, penalty_ms: a.penalty_ms })
        .collect();
    TrialOutcome {
        end: w.end,
        end_ms: w.now,
        events: w.events,
        platform_ready_ms: platform_ready(w),
        plan_failed: w.plan.failed,
        actors,
    }
}

/// When every required workload had reached its goal and the plan had finished.
pub(crate) fn platform_ready(w: &World<'_>) -> Option<Millis> {
    if !w.plan.finished || w.end == TrialEnd::BudgetExceeded {
        return None;
    }
    let mut t: Millis = 0;
    for (i, a) in w.c.p.actors.iter().enumerate() {
        if a.required && a.kind != crate::spec::WorkloadKind::CronJob {
            t = t.max(w.actors[i].goal_at?);
        }
    }
    Some(t.max(w.plan_finished_at()))
}

impl World<'_> {
    pub(crate) fn plan_finished_at(&self) -> Millis {
        self.plan.finished_at
    }
}

/// A reusable trial runner: the world's buffers are kept between trials, so after the first
/// few trials running one allocates nothing. Not `Sync`: one per thread.
pub struct Runner<'s> {
    world: World<'s>,
}

/// A finished trial, borrowed from its runner.
pub struct TrialView<'r> {
    pub findings: &'r [Finding],
    pub end: TrialEnd,
    pub end_ms: Millis,
    pub events: u32,
    world: &'r World<'r>,
}

impl TrialView<'_> {
    /// The full outcome (allocates one vector).
    pub fn outcome(&self) -> TrialOutcome {
        outcome(self.world)
    }
}

impl<'p> Simulator<'p> {
    pub fn runner(&self) -> Runner<'_> {
        Runner { world: World::new(&self.compiled, self.opts) }
    }
}

impl<'s> Runner<'s> {
    /// Runs one trial, without an event log.
    pub fn run(&mut self, key: TrialKey) -> TrialView<'_> {
        self.world.run(key.trial_seed());
        let w = &self.world;
        TrialView { findings: &w.findings, end: w.end, end_ms: w.now, events: w.events, world: w }
    }
}

impl Runner<'_> {
    /// The total capacity of the runner's buffers (see the `alloc` test).
    #[doc(hidden)]
    pub fn buffer_capacity(&self) -> usize {
        self.world.buffer_capacity()
    }
}
