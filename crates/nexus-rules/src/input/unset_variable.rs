//! NX008 unset-variable: see `rules/input/NX008-unset-variable.md`.

use crate::prelude::*;
use nexus_model::InputProblemKind;

declare_rule!(Info);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    super::report(META, InputProblemKind::UnsetVariable, cx, out);
}
