//! Reporters: one per output format. They receive finished diagnostics, the source text (for
//! positions and snippets) and the byte ranges to blank, and only render; nothing here decides
//! what is wrong, and nothing here knows the platform model or the rules (the dependency graph
//! arrives as plain data, [`graph::Graph`]).
//!
//! The public API: [`human::write`], [`json::write`], [`github::write`], the graph renderers in
//! [`graph`], and [`positions`]/[`Counts`] for callers that summarise.

pub mod escape;
mod excerpt;
pub mod github;
pub mod graph;
pub mod human;
pub mod json;
pub mod redact;

use nexus_diagnostics::{Diagnostic, Severity};
use nexus_source::{LineCol, SourceDb, Span};

/// Start and end positions of a span (end exclusive, as SARIF and editors count).
pub fn positions(db: &SourceDb, span: Span) -> (LineCol, LineCol) {
    let f = db.get(span.file);
    (f.position(span.start), f.position(span.end))
}

/// Counts by severity.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Counts {
    pub fn of(diags: &[Diagnostic]) -> Counts {
        let mut c = Counts::default();
        for d in diags {
            match d.severity {
                Severity::Error => c.errors += 1,
                Severity::Warning => c.warnings += 1,
                Severity::Info => c.infos += 1,
            }
        }
        c
    }

    pub fn total(&self) -> usize {
        self.errors + self.warnings + self.infos
    }
}
