//! NX908 config-change-skew: reported by the simulation's config-change scenario (`nexus-lint
//! simulate --scenario config-change`), which alone observes it; the rule itself has nothing to
//! check. See `rules/simulation/NX908-config-change-skew.md`.

use crate::prelude::*;

declare_rule!(Warning);

pub(crate) fn check(_cx: &Context<'_>, _out: &mut Vec<Diagnostic>) {}
