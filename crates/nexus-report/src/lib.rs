//! Reporters: one per output format. They receive finished diagnostics, the source text (for
//! positions and snippets) and the byte ranges to blank, and only render; nothing here decides
//! what is wrong, and nothing here knows the platform model or the rules (the dependency graph
//! arrives as plain data, [`graph::Graph`]).
//!
//! What a format needs beyond diagnostics and sources — the tool's name and version, the rules'
//! documentation (SARIF `tool.driver.rules`), what a baseline hid — comes in as plain data too
//! ([`Tool`], [`RuleDoc`], [`BaselineStatus`]) from the command line.
//!
//! The public API: [`human::write`], [`json::write`], [`sarif::write`], [`github::write`],
//! [`junit::write`], [`markdown::write`], the graph renderers in [`graph`], and
//! [`positions`]/[`region`]/[`Counts`] for callers that summarise.

pub mod escape;
mod excerpt;
pub mod github;
pub mod graph;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod redact;
pub mod sarif;

use nexus_diagnostics::{Diagnostic, Severity};
use nexus_source::{LineCol, SourceDb, Span};

/// The tool that produced a report.
#[derive(Debug, Clone, Copy)]
pub struct Tool<'a> {
    pub name: &'a str,
    pub version: &'a str,
    /// The project's home page.
    pub information_uri: &'a str,
}

/// A rule's documentation, for formats that describe the rules that fired.
#[derive(Debug, Clone, Copy)]
pub struct RuleDoc<'a> {
    pub code: &'a str,
    pub name: &'a str,
    /// The family (`startup`), used as a tag.
    pub family: &'a str,
    pub severity: Severity,
    /// One line.
    pub summary: &'a str,
    /// The rule's Markdown document.
    pub markdown: &'a str,
    /// Where the document is published.
    pub help_uri: &'a str,
}

/// Finds a rule's documentation by code.
pub fn rule_doc<'a>(rules: &'a [RuleDoc<'a>], code: &str) -> Option<&'a RuleDoc<'a>> {
    rules.iter().find(|r| r.code == code)
}

/// A baseline entry that no finding of this run matches any more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixed {
    pub file: String,
    pub code: String,
    pub resource: Option<String>,
    pub fingerprint: String,
}

/// What `--baseline` did: how many findings it hid, and which of its entries are gone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaselineStatus {
    /// The baseline file.
    pub path: String,
    /// Findings of this run that the baseline holds (not reported).
    pub matched: usize,
    pub fixed: Vec<Fixed>,
}

/// A region as SARIF and GitHub count it: 1-based lines; columns in UTF-16 code units (what
/// GitHub's web UI and CodeQL's SARIF count); the end exclusive. A span ending with a line
/// break ends on its last character's line, so a one-line node is a one-line region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

pub fn region(db: &SourceDb, span: Span) -> Region {
    let f = db.get(span.file);
    let text = &*f.text;
    let start = (span.start as usize).min(text.len());
    let mut end = (span.end as usize).clamp(start, text.len());
    while end > start && matches!(text.as_bytes()[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    let at = |offset: usize| -> (u32, u32) {
        let mut offset = offset;
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = f.lines.line_of(offset as u32);
        let line_start = f.lines.line_start(line).unwrap_or(0) as usize;
        let column = text[line_start.min(offset)..offset].encode_utf16().count() as u32 + 1;
        (line, column)
    };
    let (start_line, start_column) = at(start);
    let (end_line, end_column) = at(end);
    Region { start_line, start_column, end_line, end_column }
}

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
