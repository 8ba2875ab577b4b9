//! Where every random duration of a trial comes from: the one choice source (research C8: "a
//! trial is a decision record").
//!
//! [`World::draw`](super::World::draw) is the only place a duration that the manifests do not
//! fix is chosen. How it is chosen is this module's [`Choice`]:
//!
//! - **Sample** (Monte Carlo): a draw from the (stream, purpose) generator, unbiased.
//! - **Levels** (PCT and exhaustive exploration): each *actor* has a level in [0, 1], and every
//!   duration it draws is [`Dist::at_level`](crate::dist::Dist::at_level) of that level: 0 the
//!   earliest plausible value, 1 the latest. A PCT schedule also lists *change points*, indices
//!   of draws in the trial: the actor that makes that draw drops to level 1 from then on.
//! - **Override** (shrinking): recorded values by (stream, purpose, index of the draw on that
//!   stream); a draw with no recorded value takes its median.
//!
//! Any of them can also **record** the draws it makes, which is what shrinking starts from.

use crate::dist::Dist;
use crate::spec::Millis;

/// One draw of a trial: which stream, the how-manieth on it, from what, and what it gave.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct DrawRec {
    /// FNV-1a of the stream's name (`actor/container` or `actor`): stable when other actors are
    /// sliced away.
    pub stream: u64,
    pub actor: u32,
    pub purpose: u8,
    /// The index of this draw among the draws of (stream, purpose) in the trial.
    pub index: u32,
    pub dist: Dist,
    pub value: Millis,
}

impl DrawRec {
    /// What identifies the draw across runs of a shrinking.
    pub fn slot(&self) -> (u64, u8, u32) {
        (self.stream, self.purpose, self.index)
    }
}

/// Per-actor levels, and the change points of a PCT schedule.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Levels {
    /// By actor index.
    pub level: Vec<f64>,
    /// Draw indices (1-based, ascending) at which the drawing actor drops to level 1.
    pub change_points: Vec<u32>,
}

/// Recorded values for draws; anything else at its median.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Sorted by slot.
    values: Vec<((u64, u8, u32), Millis)>,
}

impl Overrides {
    pub fn from_records(recs: &[DrawRec]) -> Overrides {
        let mut values: Vec<_> = recs.iter().map(|r| (r.slot(), r.value)).collect();
        values.sort_unstable();
        values.dedup_by_key(|v| v.0);
        Overrides { values }
    }

    pub fn get(&self, slot: (u64, u8, u32)) -> Option<Millis> {
        self.values.binary_search_by_key(&slot, |v| v.0).ok().map(|i| self.values[i].1)
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// How [`World::draw`](super::World::draw) chooses.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Choice {
    #[default]
    Sample,
    Levels(Levels),
    Override(Overrides),
}

/// The per-trial state of a choice source.
#[derive(Clone, Debug, Default)]
pub(crate) struct ChoiceRt {
    pub choice: Choice,
    /// Current level of each actor (Levels), reset from the choice each trial.
    pub level: Vec<f64>,
    /// Draws made so far in the trial (Levels: change points count these).
    pub draws: u32,
    pub next_cp: usize,
    /// Per (key, purpose): draws made on it this trial (Override and recording).
    pub counters: Vec<u32>,
    pub record: Option<Vec<DrawRec>>,
}

impl ChoiceRt {
    pub fn reset(&mut self, slots: usize) {
        self.draws = 0;
        self.next_cp = 0;
        if let Choice::Levels(l) = &self.choice {
            self.level.clear();
            self.level.extend_from_slice(&l.level);
        }
        if !matches!(self.choice, Choice::Sample) || self.record.is_some() {
            self.counters.clear();
            self.counters.resize(slots, 0);
        }
        if let Some(r) = &mut self.record {
            r.clear();
        }
    }

    /// Whether draws need their per-stream index.
    pub fn counts(&self) -> bool {
        !matches!(self.choice, Choice::Sample) || self.record.is_some()
    }
}
