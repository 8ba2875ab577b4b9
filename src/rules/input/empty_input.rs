use crate::diagnostics::Diagnostic;
use crate::model::InputProblemKind;
use crate::rules::{Context, Rule, RuleMeta, rule_meta};

static META: RuleMeta = rule_meta!("NX007", "empty-input", Input, Info, "input/NX007-empty-input.md");

pub struct EmptyInput;

impl Rule for EmptyInput {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        super::report(&META, InputProblemKind::Empty, cx, out);
    }
}
