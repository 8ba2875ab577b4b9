//! Input validity (NX0xx): what could not be read or modelled. The front ends record these as
//! [`InputProblem`]s while loading; each rule reports the problems of its kind.

mod empty_input;
mod invalid_compose;
mod invalid_manifest;
mod invalid_yaml;
mod unknown_kind;
mod unrendered_template;
mod unused_suppression;

pub use empty_input::EmptyInput;
pub use invalid_compose::InvalidCompose;
pub use invalid_manifest::InvalidManifest;
pub use invalid_yaml::InvalidYaml;
pub use unknown_kind::UnknownKind;
pub use unrendered_template::UnrenderedTemplate;
pub use unused_suppression::{META as UNUSED_SUPPRESSION, UnusedSuppression};

use super::{Context, RuleMeta};
use crate::diagnostics::{Diagnostic, Severity};
use crate::model::{InputProblem, InputProblemKind};

/// Reports every input problem of one kind.
fn report(meta: &'static RuleMeta, kind: InputProblemKind, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for p in cx.platform.problems.iter().filter(|p| p.kind == kind) {
        out.push(diagnostic(meta, p));
    }
}

fn diagnostic(meta: &'static RuleMeta, p: &InputProblem) -> Diagnostic {
    let mut d = Diagnostic::new(meta, p.span, p.message.clone());
    if let Some(h) = &p.help {
        d = d.help(h.clone());
    }
    for (span, text) in &p.related {
        d = d.secondary(*span, text.clone());
    }
    if let Some(r) = &p.resource {
        d = d.resource(r);
    }
    if p.minor && meta.severity > Severity::Warning {
        d = d.severity(Severity::Warning);
    }
    d
}
