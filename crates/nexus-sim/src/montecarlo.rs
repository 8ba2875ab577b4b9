//! Monte Carlo: many independent trials, in parallel, aggregated by trial index.
//!
//! Trials are cut into fixed blocks of [`BLOCK`] consecutive indices. Rayon runs blocks on any
//! thread, each with its own reusable world (a [`Runner`](crate::run::Runner)'s engine); block results are merged in
//! block order and every statistic is order-independent (counts, minima of trial indices,
//! sorted samples), so the report is identical at any thread count.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::engine::{SimOptions, TrialEnd, World};
use crate::finding::{FindingKind, RaceId, RaceKey};
use crate::run::{SEMANTICS_VERSION, Simulator, TrialKey, platform_ready};
use crate::spec::{ActorId, Millis, Origin};
use crate::stats::{Estimate, Quantiles};

/// Trials per block: the unit of parallel work.
pub const BLOCK: u64 = 256;

/// How many trials with which seed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RunConfig {
    pub trials: u64,
    pub master_seed: u64,
}

/// One race (finding key) across the run.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RaceStat {
    #[serde(flatten)]
    pub id: RaceId,
    pub estimate: Estimate,
    /// The first trial (lowest index) where it happened, and when in that trial.
    pub first_trial: TrialKey,
    pub first_time_ms: Millis,
}

/// Reads as its identity (`race.code`, `race.key()`), which it holds once.
impl std::ops::Deref for RaceStat {
    type Target = RaceId;
    fn deref(&self) -> &RaceId {
        &self.id
    }
}

/// One workload across the run.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct WorkloadStat {
    pub actor: ActorId,
    pub name: String,
    pub origin: Origin,
    /// Time to its goal over the trials where it got there.
    pub time_to_ready: Quantiles,
    /// Trials where it never got there (by the deadline).
    pub not_ready_trials: u64,
    pub restarts_total: u64,
    pub restarts_max: u32,
    pub trials_with_restarts: u64,
    /// Backoff penalty over the trials that had one.
    pub backoff_penalty: Quantiles,
}

/// Everything a run measured.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SimReport {
    pub semantics_version: u32,
    pub master_seed: u64,
    pub trials: u64,
    pub options: SimOptions,
    /// By kind, then by probability (highest first), then by key.
    pub races: Vec<RaceStat>,
    pub workloads: Vec<WorkloadStat>,
    /// Every required workload ready and the deploy plan finished.
    pub platform_time_to_ready: Quantiles,
    pub platform_not_ready_trials: u64,
    pub plan_failed_trials: u64,
    /// Trials stopped by the event budget (their findings are still counted).
    pub budget_exceeded_trials: u64,
}

#[derive(Default)]
struct Agg {
    races: BTreeMap<RaceKey, (u64, u64, Millis)>,
    ttr: Vec<Vec<Millis>>,
    not_ready: Vec<u64>,
    restarts: Vec<(u64, u32, u64)>,
    penalty: Vec<Vec<Millis>>,
    platform: Vec<Millis>,
    platform_not_ready: u64,
    plan_failed: u64,
    budget: u64,
}

impl Agg {
    fn new(n: usize) -> Agg {
        Agg {
            ttr: vec![Vec::new(); n],
            not_ready: vec![0; n],
            restarts: vec![(0, 0, 0); n],
            penalty: vec![Vec::new(); n],
            ..Agg::default()
        }
    }

    fn add_trial(&mut self, w: &World<'_>, trial: u64) {
        for f in &w.findings {
            let e = self.races.entry(f.key()).or_insert((0, trial, f.time_ms));
            e.0 += 1;
            if trial < e.1 {
                (e.1, e.2) = (trial, f.time_ms);
            }
        }
        for (i, a) in w.actors.iter().enumerate() {
            match a.goal_at {
                Some(t) => self.ttr[i].push(t),
                None => self.not_ready[i] += 1,
            }
            let r = &mut self.restarts[i];
            r.0 += u64::from(a.restarts);
            r.1 = r.1.max(a.restarts);
            r.2 += u64::from(a.restarts > 0);
            if a.penalty_ms > 0 {
                self.penalty[i].push(a.penalty_ms);
            }
        }
        match platform_ready(w) {
            Some(t) => self.platform.push(t),
            None => self.platform_not_ready += 1,
        }
        self.plan_failed += u64::from(w.plan.failed);
        self.budget += u64::from(w.end == TrialEnd::BudgetExceeded);
    }

    fn merge(&mut self, o: Agg) {
        for (k, (n, first, t)) in o.races {
            let e = self.races.entry(k).or_insert((0, first, t));
            e.0 += n;
            if first < e.1 {
                (e.1, e.2) = (first, t);
            }
        }
        for (a, b) in self.ttr.iter_mut().zip(o.ttr) {
            a.extend(b);
        }
        for (a, b) in self.not_ready.iter_mut().zip(o.not_ready) {
            *a += b;
        }
        for (a, b) in self.restarts.iter_mut().zip(o.restarts) {
            *a = (a.0 + b.0, a.1.max(b.1), a.2 + b.2);
        }
        for (a, b) in self.penalty.iter_mut().zip(o.penalty) {
            a.extend(b);
        }
        self.platform.extend(o.platform);
        self.platform_not_ready += o.platform_not_ready;
        self.plan_failed += o.plan_failed;
        self.budget += o.budget;
    }
}

/// How a race is named in tables: `nexus-backend → nexus-database`, `nexus-backend / migration by
/// nexus-db-migration`.
pub fn subject(p: &crate::spec::SimPlatform, k: RaceKey) -> String {
    match (k.kind, k.secondary) {
        (FindingKind::EarlyConnect, _) | (_, None) => k.primary.describe(p),
        (_, Some(s)) => format!("{} / {}", k.primary.describe(p), s.describe(p)),
    }
}

impl Simulator<'_> {
    /// Runs `cfg.trials` trials on rayon's pool.
    pub fn run(&self, cfg: RunConfig) -> SimReport {
        self.run_with_progress(cfg, &|_, _| {})
    }

    /// As [`Self::run`], calling `progress(done, total)` after each block (from any thread).
    pub fn run_with_progress(&self, cfg: RunConfig, progress: &(dyn Fn(u64, u64) + Sync)) -> SimReport {
        let n = self.compiled.p.actors.len();
        let blocks = cfg.trials.div_ceil(BLOCK);
        let done = AtomicU64::new(0);
        let parts: Vec<Agg> = (0..blocks)
            .into_par_iter()
            .map_init(
                || World::new(&self.compiled, self.opts),
                |world, b| {
                    let mut agg = Agg::new(n);
                    let end = ((b + 1) * BLOCK).min(cfg.trials);
                    for trial in b * BLOCK..end {
                        world.run(TrialKey::new(cfg.master_seed, trial).trial_seed());
                        agg.add_trial(world, trial);
                    }
                    let d = done.fetch_add(end - b * BLOCK, Ordering::Relaxed) + (end - b * BLOCK);
                    progress(d, cfg.trials);
                    agg
                },
            )
            .collect();
        let mut total = Agg::new(n);
        for part in parts {
            total.merge(part);
        }
        self.report(cfg, total)
    }

    fn report(&self, cfg: RunConfig, mut agg: Agg) -> SimReport {
        let p = self.compiled.p;
        let mut races: Vec<RaceStat> = agg
            .races
            .iter()
            .map(|(k, &(count, first, t))| RaceStat {
                id: RaceId::new(p, *k),
                estimate: Estimate::new(count, cfg.trials),
                first_trial: TrialKey::new(cfg.master_seed, first),
                first_time_ms: t,
            })
            .collect();
        races.sort_by(|a, b| {
            (a.kind, std::cmp::Reverse(a.estimate.k), a.primary, a.secondary).cmp(&(
                b.kind,
                std::cmp::Reverse(b.estimate.k),
                b.primary,
                b.secondary,
            ))
        });
        let workloads = p
            .actors
            .iter()
            .enumerate()
            .map(|(i, a)| WorkloadStat {
                actor: ActorId(i as u32),
                name: a.name.clone(),
                origin: a.origin,
                time_to_ready: Quantiles::of(&mut agg.ttr[i]),
                not_ready_trials: agg.not_ready[i],
                restarts_total: agg.restarts[i].0,
                restarts_max: agg.restarts[i].1,
                trials_with_restarts: agg.restarts[i].2,
                backoff_penalty: Quantiles::of(&mut agg.penalty[i]),
            })
            .collect();
        SimReport {
            semantics_version: SEMANTICS_VERSION,
            master_seed: cfg.master_seed,
            trials: cfg.trials,
            options: self.opts,
            races,
            workloads,
            platform_time_to_ready: Quantiles::of(&mut agg.platform),
            platform_not_ready_trials: agg.platform_not_ready,
            plan_failed_trials: agg.plan_failed,
            budget_exceeded_trials: agg.budget,
        }
    }
}
