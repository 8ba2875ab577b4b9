//! Exploration beyond dice: PCT schedules that find rare orderings fast ([`pct`]), and an
//! enumeration of timing orderings that proves small platforms race-free ([`exhaustive`]).
//!
//! Both replace sampling with *levels*: every actor has a level in [0, 1], and each duration
//! it draws is that point of its plausible interval (0 the earliest plausible value, 1 the
//! latest; [`Dist::at_level`](crate::dist::Dist::at_level)). An actor's events happen earlier
//! the lower its level, so choosing levels chooses which of two interacting actors gets there
//! first: the orderings that decide races. Neither estimates a probability: a PCT schedule is
//! deliberately biased and an enumerated ordering has no weight. Their findings are counts —
//! "found by PCT in 3 schedules", "found in 412 of 2,187 orderings" — reported apart from Monte
//! Carlo's probabilities.

pub mod exhaustive;
pub mod pct;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::engine::choice::{Choice, Levels};
use crate::engine::{SimOptions, World};
use crate::finding::{RaceId, RaceKey};
use crate::run::{Mode, Simulator, TrialKey, recorded_draws};
use crate::spec::Millis;

/// What exploration derives from a platform once.
#[derive(Clone, Debug)]
pub struct Context {
    /// Draws a trial makes with every duration at its median: PCT's change points fall among
    /// them.
    pub median_draws: u32,
    /// Actors with at least one duration that is not fixed, by index.
    pub variable: Vec<bool>,
    pub plan: exhaustive::Plan,
}

impl Simulator<'_> {
    pub(crate) fn context(&self) -> &Context {
        self.explore.get_or_init(|| {
            let n = self.compiled.p.actors.len();
            let at = |level: f64| Choice::Levels(Levels { level: vec![level; n], change_points: Vec::new() });
            let mut variable = vec![false; n];
            let mut median_draws = 0;
            for (i, level) in [0.5, 0.0, 1.0].into_iter().enumerate() {
                let draws = recorded_draws(&self.compiled, self.opts, at(level), 0);
                if i == 0 {
                    median_draws = draws.len() as u32;
                }
                for d in &draws {
                    if let Some(v) = variable.get_mut(d.actor as usize) {
                        *v = true;
                    }
                }
            }
            let plan = exhaustive::Plan::new(self.compiled.p, &variable);
            Context { median_draws, variable, plan }
        })
    }

    /// The choice source of a trial key.
    pub(crate) fn choice_for(&self, key: TrialKey) -> Choice {
        match key.mode {
            Mode::MonteCarlo => Choice::Sample,
            Mode::Pct { depth } => Choice::Levels(pct::schedule(self, key.master_seed, depth, key.trial)),
            Mode::Exhaustive => {
                let n = self.compiled.p.actors.len();
                Choice::Levels(
                    self.context()
                        .plan
                        .ordering(key.trial)
                        .unwrap_or(Levels { level: vec![0.5; n], change_points: Vec::new() }),
                )
            }
        }
    }
}

/// A race found by exploration, with how often: a count, never a probability.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FoundRace {
    #[serde(flatten)]
    pub id: RaceId,
    /// Schedules or orderings in which it happened.
    pub hits: u64,
    /// Schedules or orderings run.
    pub runs: u64,
    /// The first (lowest-index) schedule or ordering where it happened, and when in it.
    pub first_trial: TrialKey,
    pub first_time_ms: Millis,
}

/// Reads as its identity (`race.code`, `race.key()`), which it holds once.
impl std::ops::Deref for FoundRace {
    type Target = RaceId;
    fn deref(&self) -> &RaceId {
        &self.id
    }
}

/// How the exploration went.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "strategy", rename_all = "kebab-case")]
pub enum Verdict {
    /// PCT: `schedules` schedules of depth `depth`, change points among the first
    /// `change_point_range` draws.
    Pct { depth: u8, schedules: u64, change_point_range: u32, actors: u32 },
    /// Every ordering of the plan enumerated: when no race was found, none of them fails.
    Exhaustive { orderings: u64, components: Vec<Vec<String>>, levels: u32 },
    /// The enumeration would need `needed` orderings, more than `limit`: nothing was run.
    TooLarge { needed: u64, limit: u64, components: Vec<Vec<String>> },
}

/// What an exploration found.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ExploreReport {
    pub semantics_version: u32,
    pub master_seed: u64,
    pub options: SimOptions,
    pub verdict: Verdict,
    /// By kind, then by hits (most first), then by key.
    pub races: Vec<FoundRace>,
}

impl ExploreReport {
    /// Every ordering was run and none failed: the platform is proved race-free (under the
    /// enumeration's abstraction).
    pub fn proved_race_free(&self) -> bool {
        matches!(self.verdict, Verdict::Exhaustive { .. }) && self.races.is_empty()
    }
}

/// Runs trials `0..n` of a mode in parallel, aggregated by index (identical at any thread
/// count), and collects the races.
pub(crate) fn run_keys(
    sim: &Simulator<'_>,
    n: u64,
    key: impl Fn(u64) -> TrialKey + Sync,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Vec<FoundRace> {
    const BLOCK: u64 = 64;
    let blocks = n.div_ceil(BLOCK);
    let done = AtomicU64::new(0);
    let parts: Vec<BTreeMap<RaceKey, (u64, u64, Millis)>> = (0..blocks)
        .into_par_iter()
        .map_init(
            || World::new(&sim.compiled, sim.opts),
            |world, b| {
                let mut races: BTreeMap<RaceKey, (u64, u64, Millis)> = BTreeMap::new();
                let end = ((b + 1) * BLOCK).min(n);
                for i in b * BLOCK..end {
                    let k = key(i);
                    world.choice.choice = sim.choice_for(k);
                    world.run(k.trial_seed());
                    for f in &world.findings {
                        let e = races.entry(f.key()).or_insert((0, i, f.time_ms));
                        e.0 += 1;
                    }
                }
                let d = done.fetch_add(end - b * BLOCK, Ordering::Relaxed) + (end - b * BLOCK);
                progress(d, n);
                races
            },
        )
        .collect();
    let mut all: BTreeMap<RaceKey, (u64, u64, Millis)> = BTreeMap::new();
    for part in parts {
        for (k, (hits, first, t)) in part {
            let e = all.entry(k).or_insert((0, first, t));
            e.0 += hits;
            if first < e.1 {
                (e.1, e.2) = (first, t);
            }
        }
    }
    let p = sim.compiled.p;
    let mut races: Vec<FoundRace> = all
        .into_iter()
        .map(|(k, (hits, first, t))| FoundRace {
            id: RaceId::new(p, k),
            hits,
            runs: n,
            first_trial: key(first),
            first_time_ms: t,
        })
        .collect();
    races.sort_by(|a, b| {
        (a.kind, std::cmp::Reverse(a.hits), a.primary, a.secondary).cmp(&(
            b.kind,
            std::cmp::Reverse(b.hits),
            b.primary,
            b.secondary,
        ))
    });
    races
}
