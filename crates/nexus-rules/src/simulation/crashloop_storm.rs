//! NX905 crashloop-storm: reported by the simulation (`nexus-lint simulate`, `check --simulate`), which alone
//! observes it; the rule itself has nothing to check. See `rules/simulation/NX905-crashloop-storm.md`.

use crate::prelude::*;

declare_rule!(Warning);

pub(crate) fn check(_cx: &Context<'_>, _out: &mut Vec<Diagnostic>) {}
