//! Input validity (NX0xx): what could not be read or modelled. The front ends record these as
//! [`InputProblem`]s while loading; each rule reports the problems of its kind.

// The family's rule files (and helpers), listed by build.rs.
include!(concat!(env!("OUT_DIR"), "/family_input.rs"));

use crate::{Context, RuleMeta};
use nexus_diagnostics::{Diagnostic, Severity};
use nexus_model::{InputProblem, InputProblemKind};

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
    if p.note {
        d = d.severity(Severity::Info);
    }
    d
}
