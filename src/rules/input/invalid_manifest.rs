use crate::diagnostics::Diagnostic;
use crate::model::InputProblemKind;
use crate::rules::{Context, Rule, RuleMeta, rule_meta};

static META: RuleMeta = rule_meta!("NX002", "invalid-manifest", Input, Error, "input/NX002-invalid-manifest.md");

pub struct InvalidManifest;

impl Rule for InvalidManifest {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        super::report(&META, InputProblemKind::Manifest, cx, out);
    }
}
