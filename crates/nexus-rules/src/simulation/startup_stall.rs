//! NX904 startup-stall: reported by the simulation (`nexus-lint simulate`, `check --simulate`), which alone
//! observes it; the rule itself has nothing to check. See `rules/simulation/NX904-startup-stall.md`.

use crate::prelude::*;

declare_rule!(Error);

pub(crate) fn check(_cx: &Context<'_>, _out: &mut Vec<Diagnostic>) {}
