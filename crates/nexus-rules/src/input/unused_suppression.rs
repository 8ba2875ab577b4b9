//! NX006 unused-suppression: reported by the suppression stage ([`crate::suppress`]), which
//! alone knows which suppressions matched a finding; the rule itself has nothing to check.

use crate::prelude::*;

declare_rule!(Warning);

pub(crate) fn check(_cx: &Context<'_>, _out: &mut Vec<Diagnostic>) {}
