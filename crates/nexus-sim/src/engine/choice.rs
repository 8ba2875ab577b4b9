//! Where every random duration of a trial comes from: the one choice source (research C8: "a
//! trial is a decision record").
//!
//! [`World::draw`](super::World::draw) is the only place a duration that the manifests do not
//! fix is chosen. How it is chosen is this module's [`Choice`]:
//!
//! - **Sample** (Monte Carlo): a draw from the (stream, purpose) generator, unbiased.
//! - **Levels** (PCT and exhaustive exploration): each *actor* has a level in [0, 1], and every
//!   duration it draws is [`Dist::at_level`](crate::dist::Dist::at_level) of that level: 0 the
//!   earliest plausible value, 1 the latest (the first draw of each stream; its repeats — other
//!   replicas, restarts — take the median). A PCT schedule also lists *change points*, indices
//!   of draws in the trial: the actor that makes that draw drops to level 1 from then on.
//!
//! Either can also **record** the draws it makes (exploration learns from them which actors
//! draw anything, and how many draws a trial makes).

use crate::dist::Dist;
use crate::spec::Millis;

/// One draw of a trial: which stream, the how-manieth on it, from what, and what it gave.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct DrawRec {
    /// FNV-1a of the stream's name (`actor/container` or `actor`).
    pub stream: u64,
    pub actor: u32,
    pub purpose: u8,
    /// The index of this draw among the draws of (stream, purpose) in the trial.
    pub index: u32,
    pub dist: Dist,
    pub value: Millis,
}

/// Per-actor levels, and the change points of a PCT schedule.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Levels {
    /// By actor index.
    pub level: Vec<f64>,
    /// Draw indices (1-based, ascending) at which the drawing actor drops to level 1.
    pub change_points: Vec<u32>,
}

/// How [`World::draw`](super::World::draw) chooses.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Choice {
    #[default]
    Sample,
    Levels(Levels),
    /// Values by (stream, purpose, index of the draw on that stream), sorted; a draw with no
    /// value takes its median (shrinking, [`crate::shrink`]).
    Override(Vec<((u64, u8, u32), Millis)>),
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
    /// Per (key, purpose): draws made on it this trial (Levels and recording).
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
