//! `--format markdown`: a short report for places that render Markdown — a GitHub Actions job
//! summary (`$GITHUB_STEP_SUMMARY`, which the action writes with it) or a pull-request
//! comment: the counts, then one table row per finding with a link to the rule's
//! documentation. Text from the checked files is escaped so it cannot break the table or
//! inject HTML, control characters are escaped ([`escape`](crate::escape)); no source text is
//! quoted.

use std::io::{self, Write};

use super::{BaselineStatus, Counts, RuleDoc, positions, rule_doc};
use nexus_diagnostics::{Diagnostic, Severity};
use nexus_source::SourceDb;

/// Rows after which the table stops (GitHub caps a job summary at 1 MiB).
pub const MAX_ROWS: usize = 500;

/// Escapes text for a table cell.
pub fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c if crate::escape::is_unsafe(c) => out.push_str(&crate::escape::text(c.encode_utf8(&mut [0; 4]))),
            c => out.push(c),
        }
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn write(
    w: &mut dyn Write,
    diags: &[Diagnostic],
    suppressed: usize,
    db: &SourceDb,
    rules: &[RuleDoc<'_>],
    baseline: Option<&BaselineStatus>,
) -> io::Result<()> {
    let c = Counts::of(diags);
    writeln!(w, "### nexus-lint\n")?;
    if c.total() == 0 {
        write!(w, "No problems in {}.", plural(db.len(), "file", "files"))?;
    } else {
        write!(
            w,
            "**{}** ({}, {}, {}) in {}.",
            plural(c.total(), "problem", "problems"),
            plural(c.errors, "error", "errors"),
            plural(c.warnings, "warning", "warnings"),
            plural(c.infos, "info", "infos"),
            plural(db.len(), "file", "files")
        )?;
    }
    if suppressed > 0 {
        write!(w, " {} suppressed.", plural(suppressed, "finding", "findings"))?;
    }
    if let Some(b) = baseline {
        write!(
            w,
            " Baseline `{}`: {} not reported, {} since it was written.",
            cell(&b.path),
            plural(b.matched, "finding", "findings"),
            plural(b.fixed.len(), "finding fixed", "findings fixed")
        )?;
    }
    writeln!(w)?;
    if diags.is_empty() {
        return Ok(());
    }
    writeln!(w, "\n| severity | rule | location | message |\n|---|---|---|---|")?;
    for d in diags.iter().take(MAX_ROWS) {
        let icon = match d.severity {
            Severity::Error => "❌ error",
            Severity::Warning => "⚠️ warning",
            Severity::Info => "ℹ️ info",
        };
        let rule = match rule_doc(rules, d.code) {
            Some(doc) => format!("[{} {}]({})", d.code, d.name, doc.help_uri),
            None => format!("{} {}", d.code, d.name),
        };
        let (s, _) = positions(db, d.span());
        let location = format!("{}:{}:{}", db.get(d.span().file).path, s.line, s.column);
        writeln!(w, "| {icon} | {rule} | {} | {} |", cell(&location), cell(&d.message))?;
    }
    if diags.len() > MAX_ROWS {
        writeln!(w, "\n…and {} more; see the annotations or the SARIF report.", diags.len() - MAX_ROWS)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_escape_markup_and_control_characters() {
        assert_eq!(cell("a|b<i>&\nc"), "a\\|b&lt;i&gt;&amp; c");
        assert_eq!(cell("x\u{1b}]0;t\u{7}\u{9b}2K\u{202e}"), "x\\x1b]0;t\\x07\\x9b2K\\u{202e}");
    }
}
