//! NX009 compose-fragment: see `rules/input/NX009-compose-fragment.md`.

use crate::prelude::*;
use nexus_model::InputProblemKind;

declare_rule!(Info);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    super::report(META, InputProblemKind::ComposeFragment, cx, out);
}
