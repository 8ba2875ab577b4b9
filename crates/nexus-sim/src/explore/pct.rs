//! PCT: probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi and Nagarakatte,
//! ASPLOS 2010), as shuttle's `PctScheduler` runs it, translated to this engine.
//!
//! In a thread scheduler, PCT gives every thread a random priority, always runs the
//! highest-priority runnable thread, and at `depth − 1` random *change points* (steps of the
//! run) lowers the running thread below every other. A bug that needs `d` ordering
//! constraints is then found with probability at least 1/(n·k^(d−1)) per run (n threads, k
//! steps), however rare it is under random scheduling.
//!
//! Here the "threads" are the platform's **actors** (workloads), and what orders their events
//! is how long each of their steps takes. So:
//!
//! - **priority**: each schedule draws a random permutation of the actors. The actor of
//!   priority rank `r` (0 the highest, `n − 1` the lowest) draws every duration at level
//!   `r / (n − 1)` of its plausible interval ([`Dist::at_level`](crate::dist::Dist::at_level)):
//!   the highest-priority actor is as fast as plausible, the lowest as slow as plausible, so a
//!   higher-priority actor's events come before a lower one's wherever they compete (a
//!   connection against its provider's readiness, a migration against its app's start).
//! - **step**: one draw of a duration ([`World::draw`](crate::engine::World::draw)), in the
//!   order the trial makes them.
//! - **change point**: `depth − 1` distinct draw indices chosen uniformly among the draws a
//!   trial makes with every duration at its median; the actor making that draw drops to level 1
//!   (slowest) for the rest of the trial — an actor that started fast and then stalls.
//!
//! A schedule is a pure function of (platform, master seed, depth, schedule index): its key is
//! `SEED:pct<depth>:<index>`. PCT's bound is proved for thread schedules, not for this
//! translation; what holds here is measured (the `explore` tests and the `explore` bench: a race
//! of probability ≤ 1/1,000 under Monte Carlo found in ten times fewer schedules).

use crate::engine::choice::Levels;
use crate::rng::{self, fnv1a64};
use crate::run::{Simulator, TrialKey};

use super::{ExploreReport, Verdict, run_keys};

/// Default depth: most startup races need one to three ordering constraints (research B,
/// lesson 6).
pub const DEFAULT_DEPTH: u8 = 3;
/// Default number of schedules.
pub const DEFAULT_SCHEDULES: u64 = 1_000;

/// The levels of schedule `index` of depth `depth`.
pub(crate) fn schedule(sim: &Simulator<'_>, master_seed: u64, depth: u8, index: u64) -> Levels {
    let n = sim.compiled.p.actors.len();
    let k = sim.context().median_draws.max(1);
    let seed = rng::trial_seed(master_seed, index);
    let mut r = rng::stream(seed, fnv1a64(b"pct"), fnv1a64(b"schedule"));
    // Fisher–Yates: rank[i] is actor i's priority rank, 0 the highest.
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = r.range_inclusive(0, i as u64) as usize;
        order.swap(i, j);
    }
    let mut level = vec![0.5; n];
    for (rank, &a) in order.iter().enumerate() {
        level[a] = if n > 1 { rank as f64 / (n - 1) as f64 } else { 0.5 };
    }
    let mut change_points: Vec<u32> = Vec::new();
    let wanted = usize::from(depth.saturating_sub(1)).min(k as usize);
    while change_points.len() < wanted {
        let c = r.range_inclusive(1, u64::from(k)) as u32;
        if !change_points.contains(&c) {
            change_points.push(c);
        }
    }
    change_points.sort_unstable();
    Levels { level, change_points }
}

impl Simulator<'_> {
    /// Runs `schedules` PCT schedules of depth `depth` (at least 1) and reports the races they
    /// found, with how many schedules found each.
    pub fn pct(
        &self,
        master_seed: u64,
        depth: u8,
        schedules: u64,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> ExploreReport {
        let depth = depth.max(1);
        let races = run_keys(self, schedules, |i| TrialKey::pct(master_seed, depth, i), progress);
        ExploreReport {
            semantics_version: crate::run::SEMANTICS_VERSION,
            master_seed,
            options: self.opts,
            verdict: Verdict::Pct {
                depth,
                schedules,
                change_point_range: self.context().median_draws,
                actors: self.compiled.p.actors.len() as u32,
            },
            races,
        }
    }
}
