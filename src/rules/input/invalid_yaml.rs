use crate::diagnostics::Diagnostic;
use crate::model::InputProblemKind;
use crate::rules::{Context, Rule, RuleMeta, rule_meta};

static META: RuleMeta = rule_meta!("NX001", "invalid-yaml", Input, Error, "input/NX001-invalid-yaml.md");

pub struct InvalidYaml;

impl Rule for InvalidYaml {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        super::report(&META, InputProblemKind::Yaml, cx, out);
    }
}
