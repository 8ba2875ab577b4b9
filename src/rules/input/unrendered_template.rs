use crate::diagnostics::Diagnostic;
use crate::model::InputProblemKind;
use crate::rules::{Context, Rule, RuleMeta, rule_meta};

static META: RuleMeta = rule_meta!("NX004", "unrendered-template", Input, Error, "input/NX004-unrendered-template.md");

pub struct UnrenderedTemplate;

impl Rule for UnrenderedTemplate {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        super::report(&META, InputProblemKind::Template, cx, out);
    }
}
