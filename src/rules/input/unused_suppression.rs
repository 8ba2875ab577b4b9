use crate::diagnostics::Diagnostic;
use crate::rules::{Context, Rule, RuleMeta, rule_meta};

/// Reported by the suppression pass ([`crate::diagnostics::suppress`]), which alone knows which
/// suppressions matched a finding; the rule itself has nothing to check.
pub static META: RuleMeta =
    rule_meta!("NX006", "unused-suppression", Input, Warning, "input/NX006-unused-suppression.md");

pub struct UnusedSuppression;

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _cx: &Context<'_>, _out: &mut Vec<Diagnostic>) {}
}
