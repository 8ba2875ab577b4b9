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

/// How a trial chooses its durations (see [`crate::engine::choice`]).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// Sampled from the trial's streams (Monte Carlo).
    #[default]
    MonteCarlo,
    /// A PCT schedule of this depth ([`crate::explore::pct`]).
    Pct { depth: u8 },
    /// One enumerated combination of timing levels ([`crate::explore::exhaustive`]).
    Exhaustive,
}

/// Names one trial: `<master seed>:<trial index>` for Monte Carlo (`42:1337`),
/// `<seed>:pct<depth>:<schedule>` for a PCT schedule (`42:pct3:17`), `<seed>:ex:<ordering>`
/// for an enumerated ordering (the seed plays no part in it).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TrialKey {
    pub master_seed: u64,
    pub trial: u64,
    pub mode: Mode,
}

impl TrialKey {
    /// A Monte Carlo trial.
    pub const fn new(master_seed: u64, trial: u64) -> TrialKey {
        TrialKey { master_seed, trial, mode: Mode::MonteCarlo }
    }

    pub const fn pct(master_seed: u64, depth: u8, schedule: u64) -> TrialKey {
        TrialKey { master_seed, trial: schedule, mode: Mode::Pct { depth } }
    }

    pub const fn exhaustive(master_seed: u64, ordering: u64) -> TrialKey {
        TrialKey { master_seed, trial: ordering, mode: Mode::Exhaustive }
    }

    /// The seed every stream of this trial derives from.
    pub fn trial_seed(self) -> u64 {
        rng::trial_seed(self.master_seed, self.trial)
    }

    /// Parses what [`Display`](std::fmt::Display) writes; numbers decimal or `0x` hexadecimal.
    pub fn parse(s: &str) -> Option<TrialKey> {
        let parts: Vec<&str> = s.trim().split(':').map(str::trim).collect();
        Some(match parts.as_slice() {
            [seed, trial] => TrialKey::new(parse_u64(seed)?, parse_u64(trial)?),
            [seed, "ex", trial] => TrialKey::exhaustive(parse_u64(seed)?, parse_u64(trial)?),
            [seed, mode, trial] => {
                let depth: u8 = mode.strip_prefix("pct")?.parse().ok()?;
                if depth == 0 {
                    return None;
                }
                TrialKey::pct(parse_u64(seed)?, depth, parse_u64(trial)?)
            }
            _ => return None,
        })
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
        match self.mode {
            Mode::MonteCarlo => write!(f, "{}:{}", self.master_seed, self.trial)?,
            Mode::Pct { depth } => write!(f, "{}:pct{depth}:{}", self.master_seed, self.trial)?,
            Mode::Exhaustive => write!(f, "{}:ex:{}", self.master_seed, self.trial)?,
        }
        Ok(())
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
    /// What PCT and exhaustive exploration derive from the platform, computed on first use.
    pub(crate) explore: std::sync::OnceLock<crate::explore::Context>,
}

impl<'p> Simulator<'p> {
    /// Fails only on dangling indices (a bug in the caller's lowering).
    pub fn new(platform: &'p SimPlatform, opts: SimOptions) -> Result<Simulator<'p>, SpecError> {
        Ok(Simulator { compiled: Compiled::new(platform)?, opts, explore: std::sync::OnceLock::new() })
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
        w.choice.choice = self.choice_for(key);
        w.run(key.trial_seed());
        let outcome = outcome(&w);
        Replay { key, log: w.log.take().unwrap_or_default(), findings: w.findings.clone(), outcome }
    }
}

/// The draws one trial makes under an explicit choice source: what exploration derives its
/// context from.
pub(crate) fn recorded_draws(
    c: &Compiled<'_>,
    opts: SimOptions,
    choice: crate::engine::choice::Choice,
    trial_seed: u64,
) -> Vec<crate::engine::choice::DrawRec> {
    let mut w = World::new(c, opts);
    w.choice.choice = choice;
    w.choice.record = Some(Vec::new());
    w.run(trial_seed);
    w.choice.record.take().unwrap_or_default()
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
    choice: &'s Simulator<'s>,
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
        Runner { world: World::new(&self.compiled, self.opts), choice: self }
    }
}

impl<'s> Runner<'s> {
    /// Runs one trial, without an event log.
    pub fn run(&mut self, key: TrialKey) -> TrialView<'_> {
        self.world.choice.choice = self.choice.choice_for(key);
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
