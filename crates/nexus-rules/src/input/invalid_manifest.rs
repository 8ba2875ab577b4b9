use crate::prelude::*;
use nexus_model::InputProblemKind;

declare_rule!(Error);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    super::report(META, InputProblemKind::Manifest, cx, out);
}
