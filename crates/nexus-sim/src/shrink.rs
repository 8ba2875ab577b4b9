//! Shrinking a failing trial to its cause (research C8).
//!
//! A trial is its decision record: every duration it drew, by (stream, purpose, index). The
//! shrinker re-runs the trial with chosen values ([`Choice::Override`]; a draw with no value
//! takes its median) and keeps a change only while the same finding (kind and subjects) still
//! happens:
//!
//! 1. **Back to medians**: each drawn duration in turn is set to its median.
//! 2. **Bisected to the threshold**: each duration that could not go back is moved as close to
//!    its median as it can while the trial still fails (integer milliseconds).
//! 3. **The deciding duration**: when the trial fails with every duration at its median, the
//!    durations of the race's own workloads are pushed to their plausible extremes one by one;
//!    the first that makes the failure disappear is bisected to its threshold.
//! 4. **Sliced**: the shrunk timeline keeps the events of the causal chain only — the race's
//!    workloads and those whose durations decide it; every other workload runs at its medians
//!    and, since the finding holds so, is not part of the story — up to the finding, then the
//!    moments the chain's workloads became ready.
//!
//! The result says in one sentence what decides the race: "fails iff nexus-database ready >
//! nexus-backend start + 0.6 s", with the threshold of the deciding duration.

use crate::engine::PURPOSE_NAMES;
use crate::engine::choice::{Choice, DrawRec};
use crate::finding::{Detail, RaceKey};
use crate::log::{LogEvent, What, fmt_time};
use crate::run::{Simulator, TrialKey, recorded_draws};
use crate::spec::{ActorId, Millis};
use crate::timeline::finding_actors;

/// A duration that decides the race, at its threshold.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Deciding {
    pub actor: ActorId,
    /// `startup`, `schedule`, `migration`…
    pub purpose: &'static str,
    pub median: Millis,
    /// The value closest to the median at which the trial still fails.
    pub threshold: Millis,
    /// Whether it fails at and above the threshold (else at and below).
    pub above: bool,
}

/// A failing trial shrunk to its cause.
#[derive(Clone, Debug)]
pub struct Shrunk {
    pub key: TrialKey,
    pub race: RaceKey,
    pub deciding: Vec<Deciding>,
    /// The causal chain: the race's workloads and the deciding ones, by index.
    pub actors: Vec<ActorId>,
    /// The shrunk trial's events of the causal chain (and the deploy's).
    pub log: Vec<LogEvent>,
    /// "fails iff nexus-database ready > nexus-backend start + 0.6 s".
    pub condition: String,
    /// Trials run to shrink it.
    pub runs: u32,
}

struct Shrinker<'a, 's> {
    sim: &'a Simulator<'s>,
    seed: u64,
    race: RaceKey,
    runs: u32,
}

impl Shrinker<'_, '_> {
    fn fails(&mut self, draws: &[DrawRec]) -> bool {
        self.runs += 1;
        let r = self.sim.run_override(overrides(draws), self.seed);
        r.iter().any(|f| f.key() == self.race)
    }

    /// The value between `good` (passes) and `bad` (fails) closest to `good` that fails.
    fn bisect(&mut self, draws: &mut [DrawRec], i: usize, mut good: Millis, mut bad: Millis) -> Millis {
        while good.abs_diff(bad) > 1 {
            let mid = good.min(bad) + good.abs_diff(bad) / 2;
            draws[i].value = mid;
            if self.fails(draws) {
                bad = mid;
            } else {
                good = mid;
            }
        }
        draws[i].value = bad;
        bad
    }
}

fn overrides(draws: &[DrawRec]) -> Choice {
    let mut v: Vec<_> = draws.iter().map(|d| ((d.stream, d.purpose, d.index), d.value)).collect();
    v.sort_unstable();
    v.dedup_by_key(|e| e.0);
    Choice::Override(v)
}

fn secs(ms: Millis) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

impl Simulator<'_> {
    fn run_override(&self, choice: Choice, seed: u64) -> Vec<crate::finding::Finding> {
        let mut w = crate::engine::World::new(&self.compiled, self.opts);
        w.choice.choice = choice;
        w.run(seed);
        w.findings.clone()
    }

    /// Shrinks trial `key` for its finding `race`; `None` when the trial does not have it.
    pub fn shrink(&self, key: TrialKey, race: RaceKey) -> Option<Shrunk> {
        let seed = key.trial_seed();
        let mut draws = recorded_draws(&self.compiled, self.opts, self.choice_for(key), seed);
        let mut s = Shrinker { sim: self, seed, race, runs: 0 };
        if !s.fails(&draws) {
            return None;
        }
        // 1. Back to medians.
        for i in 0..draws.len() {
            let (old, median) = (draws[i].value, draws[i].dist.median());
            if old != median {
                draws[i].value = median;
                if !s.fails(&draws) {
                    draws[i].value = old;
                }
            }
        }
        // 2. Bisected to the threshold.
        let mut deciding = Vec::new();
        for i in 0..draws.len() {
            let (value, median) = (draws[i].value, draws[i].dist.median());
            if value != median {
                let threshold = s.bisect(&mut draws, i, median, value);
                deciding.push(decide(&draws[i], threshold, threshold > median));
            }
        }
        let replay = self.replay_with(overrides(&draws), key);
        let finding = replay.findings.iter().find(|f| f.key() == race).copied()?;
        let mut actors = finding_actors(self.compiled.p, &finding);
        // 3. The deciding duration of a race that happens at the medians.
        if deciding.is_empty() {
            'find: for i in 0..draws.len() {
                if !actors.contains(&ActorId(draws[i].actor)) || draws[i].index > 0 {
                    continue;
                }
                let median = draws[i].dist.median();
                for extreme in [draws[i].dist.at_level(0.0), draws[i].dist.at_level(1.0)] {
                    if extreme == median {
                        continue;
                    }
                    draws[i].value = extreme;
                    if !s.fails(&draws) {
                        let threshold = s.bisect(&mut draws, i, extreme, median);
                        draws[i].value = median;
                        deciding.push(decide(&draws[i], threshold, extreme < median));
                        break 'find;
                    }
                    draws[i].value = median;
                }
            }
        }
        for d in &deciding {
            if !actors.contains(&d.actor) {
                actors.push(d.actor);
            }
        }
        actors.sort();
        // 4. Sliced: the causal chain's events up to the finding, and the moment the chain's
        //    workloads are ready after it (what the race was waiting for).
        let in_chain = |e: &&LogEvent| e.actor == crate::log::PLAN_ACTOR || actors.contains(&e.actor);
        let mut log: Vec<LogEvent> =
            replay.log.iter().filter(in_chain).filter(|e| e.t <= finding.time_ms).copied().collect();
        log.extend(
            replay.log.iter().filter(in_chain).filter(|e| e.t > finding.time_ms && e.what == What::ActorReady).copied(),
        );
        let condition = self.condition(&finding, &replay.log, &deciding);
        Some(Shrunk { key, race, deciding, actors, log, condition, runs: s.runs })
    }

    fn replay_with(&self, choice: Choice, key: TrialKey) -> crate::run::Replay {
        let mut w = crate::engine::World::new(&self.compiled, self.opts);
        w.log = Some(Vec::with_capacity(256));
        w.choice.choice = choice;
        w.run(key.trial_seed());
        let outcome = crate::run::outcome(&w);
        crate::run::Replay { key, log: w.log.take().unwrap_or_default(), findings: w.findings.clone(), outcome }
    }

    /// The sentence that decides the race.
    fn condition(&self, f: &crate::finding::Finding, log: &[LogEvent], deciding: &[Deciding]) -> String {
        let p = self.compiled.p;
        let name = |a: ActorId| p.actors.get(a.index()).map_or("?", |a| a.name.as_str());
        let mut parts = Vec::new();
        if let Detail::EarlyConnect { consumer, .. } = f.detail {
            let provider = match f.primary {
                crate::finding::Subject::Dependency(i) => p.dependencies.get(i as usize).map(|d| d.provider),
                _ => None,
            };
            // The start of the run that connected (a restart's, after earlier crashes).
            let start = log
                .iter()
                .filter(|e| e.actor == consumer && matches!(e.what, What::Started { .. }) && e.t <= f.time_ms)
                .map(|e| e.t)
                .next_back();
            if let (Some(pv), Some(start)) = (provider, start) {
                parts.push(format!(
                    "fails iff {} ready > {} start + {}",
                    name(pv),
                    name(consumer),
                    secs(f.time_ms - start)
                ));
            }
        }
        for d in deciding {
            parts.push(format!(
                "{} {} {} {} (median {})",
                name(d.actor),
                d.purpose,
                if d.above { "≥" } else { "≤" },
                secs(d.threshold),
                secs(d.median)
            ));
        }
        if parts.is_empty() {
            format!("fails at {} with every duration at its median", fmt_time(f.time_ms).trim())
        } else {
            parts.join("; deciding: ")
        }
    }
}

fn decide(d: &DrawRec, threshold: Millis, above: bool) -> Deciding {
    Deciding {
        actor: ActorId(d.actor),
        purpose: PURPOSE_NAMES.get(usize::from(d.purpose)).copied().unwrap_or("duration"),
        median: d.dist.median(),
        threshold,
        above,
    }
}
