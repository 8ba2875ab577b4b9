use crate::diagnostics::Diagnostic;
use crate::model::InputProblemKind;
use crate::rules::{Context, Rule, RuleMeta, rule_meta};

static META: RuleMeta = rule_meta!("NX005", "unknown-kind", Input, Info, "input/NX005-unknown-kind.md");

pub struct UnknownKind;

impl Rule for UnknownKind {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        super::report(&META, InputProblemKind::UnknownKind, cx, out);
    }
}
