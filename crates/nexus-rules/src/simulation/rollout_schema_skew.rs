//! NX907 rollout-schema-skew: reported by the simulation's upgrade scenario (`nexus-lint simulate
//! --scenario upgrade`), which alone observes it; the rule itself has nothing to check. See
//! `rules/simulation/NX907-rollout-schema-skew.md`.

use crate::prelude::*;

declare_rule!(Warning);

pub(crate) fn check(_cx: &Context<'_>, _out: &mut Vec<Diagnostic>) {}
