//! Rendering a check's outcome in any format, with the plain data the reporters need: the
//! tool's identity, the rules' documentation and links, the secrets to blank, the baseline.
//! The diagnostics are already redacted ([`crate::check::outcome`]); every reporter escapes
//! control characters itself.

use std::io::{self, Write};
use std::path::Path;

use super::{EXIT_ERROR, Format, eprint_error};
use crate::check::Outcome;
use nexus_diagnostics::Diagnostic;
use nexus_report::{self as report, BaselineStatus, RuleDoc, Tool};

pub const TOOL: Tool<'static> =
    Tool { name: "nexus-lint", version: env!("CARGO_PKG_VERSION"), information_uri: crate::REPOSITORY };

/// Every rule's documentation link, in registry order.
pub fn rule_urls() -> Vec<String> {
    nexus_rules::all().iter().map(|r| crate::rule_doc_url(r.doc_path)).collect()
}

/// The rules' documentation as the reporters take it.
pub fn rule_docs(urls: &[String]) -> Vec<RuleDoc<'_>> {
    nexus_rules::all()
        .iter()
        .zip(urls)
        .map(|(r, url)| RuleDoc {
            code: r.code,
            name: r.name,
            family: r.family.dir(),
            severity: r.severity,
            summary: r.summary(),
            markdown: r.doc,
            help_uri: url,
        })
        .collect()
}

/// What is reported: the outcome, the findings left after the baseline, what the baseline did.
pub struct Report<'a> {
    pub outcome: &'a Outcome,
    pub diagnostics: &'a [Diagnostic],
    pub baseline: Option<&'a BaselineStatus>,
}

impl Report<'_> {
    pub fn render(&self, format: Format, w: &mut dyn Write, color: bool) -> io::Result<()> {
        let db = &self.outcome.loaded.db;
        let diags = self.diagnostics;
        let urls = rule_urls();
        let docs = rule_docs(&urls);
        let suppressed = &self.outcome.suppressed;
        match format {
            Format::Json => report::json::write_with(w, diags, db, self.baseline),
            Format::Github => report::github::write(w, diags, db),
            Format::Sarif => report::sarif::write(w, diags, suppressed, db, &TOOL, &docs),
            Format::Junit => report::junit::write(w, diags, suppressed, db, &docs),
            Format::Markdown => report::markdown::write(w, diags, suppressed.len(), db, &docs, self.baseline),
            Format::Human => {
                let style = report::human::Style { color, ..Default::default() };
                report::human::write(w, diags, db, &self.outcome.redactor, style, db.len())?;
                match self.baseline {
                    Some(b) => report::human::write_baseline(w, b),
                    None => Ok(()),
                }
            }
        }
    }

    /// Renders into a file.
    pub fn write_file(&self, format: Format, path: &Path, color: bool) -> Result<(), u8> {
        let mut buf = Vec::new();
        self.render(format, &mut buf, color).and_then(|()| std::fs::write(path, &buf)).map_err(|e| {
            eprint_error(&format!("cannot write `{}`: {e}", path.display()));
            EXIT_ERROR
        })
    }
}
