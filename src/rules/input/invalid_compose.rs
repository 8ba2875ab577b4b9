use crate::diagnostics::Diagnostic;
use crate::model::InputProblemKind;
use crate::rules::{Context, Rule, RuleMeta, rule_meta};

static META: RuleMeta = rule_meta!("NX003", "invalid-compose", Input, Error, "input/NX003-invalid-compose.md");

pub struct InvalidCompose;

impl Rule for InvalidCompose {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        super::report(&META, InputProblemKind::Compose, cx, out);
    }
}
