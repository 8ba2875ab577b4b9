//! Exhaustive enumeration of the timing orderings of a small platform (research C6.3,
//! "linear-extension enumeration … prune orderings that differ only among non-interacting
//! actors").
//!
//! Every actor whose durations are not all fixed gets a *level* among [`LEVELS`] points of its
//! plausible interval (earliest plausible, median, latest plausible;
//! [`Dist::at_level`](crate::dist::Dist::at_level)), and one deterministic trial runs per
//! combination of levels. Whether a consumer connects before its provider is ready, or an app
//! serves before its migration completed, depends on which of the two gets there first; running
//! each interacting actor early, on time and late, against every combination of the others,
//! runs every ordering of their events that the plausible durations allow at that grain.
//!
//! **Partial-order reduction.** Actors interact only through what the platform says: a
//! dependency, a gate, a migration and the workloads that read its schema, and a deploy step
//! that waits on one actor before creating the next. Those relations split the variable actors
//! into *components*; the orderings of two components are independent, so each component is
//! enumerated with every other actor at its median — Σ Lᵏ trials instead of L^(Σk).
//!
//! When every ordering ran and none failed, the report says so: "no ordering of these events
//! fails" — a proof under this abstraction (every duration of one actor moves together, at
//! three points of its plausible interval), not over every real number.

use std::collections::BTreeSet;

use crate::engine::choice::Levels;
use crate::run::{Simulator, TrialKey};
use crate::spec::{ActorId, GateKind, SimPlatform, StepAction};

use super::{ExploreReport, Verdict, run_keys};

/// The points of the plausible interval each variable actor takes.
pub const LEVELS: [f64; 3] = [0.0, 0.5, 1.0];
/// The most orderings an enumeration runs; above it, `exhaustive` refuses and `auto` falls back
/// to PCT.
pub const DEFAULT_LIMIT: u64 = 50_000;

/// The enumeration: the components of interacting variable actors and how many orderings each
/// takes.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    actors: usize,
    /// Variable actors of each component, by index, ascending; components ordered by their
    /// lowest actor.
    pub components: Vec<Vec<u32>>,
    /// The orderings, saturating.
    pub orderings: u64,
}

/// Union–find over actor indices.
struct Dsu(Vec<usize>);

impl Dsu {
    fn find(&mut self, mut a: usize) -> usize {
        while self.0[a] != a {
            self.0[a] = self.0[self.0[a]];
            a = self.0[a];
        }
        a
    }

    fn union(&mut self, a: usize, b: usize) {
        let n = self.0.len();
        if a >= n || b >= n {
            return;
        }
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.0[a.max(b)] = a.min(b);
        }
    }
}

impl Plan {
    /// The components of `p`'s variable actors (`variable[i]`: actor i draws a duration that is
    /// not fixed).
    pub fn new(p: &SimPlatform, variable: &[bool]) -> Plan {
        let n = p.actors.len();
        let mut dsu = Dsu((0..n).collect());
        let ix = |a: ActorId| a.0 as usize;
        for d in &p.dependencies {
            dsu.union(ix(d.consumer), ix(d.provider));
        }
        for g in &p.gates {
            match g.kind {
                GateKind::Wait { provider, .. } | GateKind::ComposeDependsOn { provider, .. } => {
                    dsu.union(ix(g.consumer), ix(provider));
                }
                GateKind::RetriesDependencies => {}
            }
        }
        for m in &p.migrations {
            dsu.union(ix(m.runner), ix(m.datastore));
            for r in &m.required_by {
                dsu.union(ix(m.runner), ix(*r));
            }
        }
        // A step that waits on an actor orders everything created after it against that actor.
        let mut awaited: Vec<ActorId> = Vec::new();
        for s in &p.plan.steps {
            let (created, waits): (Vec<ActorId>, Vec<ActorId>) = match &s.action {
                StepAction::Apply { actors } => (actors.clone(), Vec::new()),
                StepAction::Wait { targets, .. } | StepAction::RolloutStatus { targets, .. } => {
                    (Vec::new(), targets.clone())
                }
                StepAction::Sleep { .. } => (Vec::new(), Vec::new()),
                StepAction::Helm { hooks, resources, wait, .. } => {
                    let mut all: Vec<ActorId> = hooks.iter().map(|h| h.actor).collect();
                    all.extend(resources);
                    // Hooks are awaited one by one, and with `wait` every resource is.
                    let waits = if *wait { all.clone() } else { hooks.iter().map(|h| h.actor).collect() };
                    (all.clone(), waits)
                }
                StepAction::ArgoSync { resources } => {
                    let all: Vec<ActorId> = resources.iter().map(|r| r.actor).collect();
                    (all.clone(), all)
                }
                StepAction::ComposeUp { services, wait, .. } => {
                    (services.clone(), if *wait { services.clone() } else { Vec::new() })
                }
            };
            for c in &created {
                for w in &awaited {
                    dsu.union(ix(*c), ix(*w));
                }
            }
            // Within a Helm release or an Argo CD sync, waits interleave with creations.
            if matches!(s.action, StepAction::Helm { .. } | StepAction::ArgoSync { .. }) {
                for w in &waits {
                    for c in &created {
                        dsu.union(ix(*c), ix(*w));
                    }
                }
            }
            awaited.extend(waits);
        }
        let mut by_root: std::collections::BTreeMap<usize, Vec<u32>> = std::collections::BTreeMap::new();
        for i in 0..n {
            if variable.get(i).copied().unwrap_or(false) {
                by_root.entry(dsu.find(i)).or_default().push(i as u32);
            }
        }
        let mut components: Vec<Vec<u32>> = by_root.into_values().collect();
        components.sort();
        let levels = LEVELS.len() as u64;
        let orderings = components
            .iter()
            .map(|c| levels.checked_pow(c.len() as u32).unwrap_or(u64::MAX))
            .fold(0u64, u64::saturating_add)
            .max(1);
        Plan { actors: n, components, orderings }
    }

    /// The levels of ordering `index` (`0..orderings`): one component's actors at the levels
    /// its index spells in base [`LEVELS`], every other actor at its median. With no variable
    /// actor, ordering 0 is the one trial there is.
    pub fn ordering(&self, index: u64) -> Option<Levels> {
        let mut level = vec![0.5; self.actors];
        if self.components.is_empty() {
            return (index == 0).then_some(Levels { level, change_points: Vec::new() });
        }
        let base = LEVELS.len() as u64;
        let mut rest = index;
        for c in &self.components {
            let size = base.checked_pow(c.len() as u32).unwrap_or(u64::MAX);
            if rest < size {
                let mut digits = rest;
                for &a in c {
                    level[a as usize] = LEVELS[(digits % base) as usize];
                    digits /= base;
                }
                return Some(Levels { level, change_points: Vec::new() });
            }
            rest -= size;
        }
        None
    }

    /// The components by actor name.
    pub fn names(&self, p: &SimPlatform) -> Vec<Vec<String>> {
        self.components
            .iter()
            .map(|c| c.iter().filter_map(|&a| p.actors.get(a as usize)).map(|a| a.name.clone()).collect())
            .collect()
    }

    /// The variable actors.
    pub fn actors(&self) -> BTreeSet<u32> {
        self.components.iter().flatten().copied().collect()
    }
}

impl Simulator<'_> {
    /// How many orderings the enumeration of this platform takes.
    pub fn exhaustive_orderings(&self) -> u64 {
        self.context().plan.orderings
    }

    /// Enumerates every ordering of the plan, if there are at most `limit`; otherwise runs
    /// nothing and says how many it would take.
    pub fn exhaustive(&self, master_seed: u64, limit: u64, progress: &(dyn Fn(u64, u64) + Sync)) -> ExploreReport {
        let plan = &self.context().plan;
        let components = plan.names(self.compiled.p);
        let (verdict, races) = if plan.orderings > limit {
            (Verdict::TooLarge { needed: plan.orderings, limit, components }, Vec::new())
        } else {
            let races = run_keys(self, plan.orderings, |i| TrialKey::exhaustive(master_seed, i), progress);
            (Verdict::Exhaustive { orderings: plan.orderings, components, levels: LEVELS.len() as u32 }, races)
        };
        ExploreReport {
            semantics_version: crate::run::SEMANTICS_VERSION,
            master_seed,
            options: self.opts,
            verdict,
            races,
        }
    }
}
