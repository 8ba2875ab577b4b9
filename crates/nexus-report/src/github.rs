//! `--format github`: workflow commands that GitHub Actions turns into annotations on the diff.
//! Default when `GITHUB_ACTIONS=true` and no `--format` is given.
//!
//! Data is escaped as GitHub's toolkit does (`%`, CR, LF; in properties also `:` and `,`).
//! `col`/`endColumn` are left out when a span covers several lines, which GitHub rejects.

use std::io::{self, Write};

use super::{escape, positions};
use nexus_diagnostics::{Diagnostic, Severity};
use nexus_source::SourceDb;

/// Control characters are escaped first ([`escape`]), then what the workflow-command syntax
/// needs.
fn escape_data(s: &str) -> String {
    escape::text(s).replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(&escape::line(s)).replace(':', "%3A").replace(',', "%2C")
}

pub fn write(w: &mut dyn Write, diags: &[Diagnostic], db: &SourceDb) -> io::Result<()> {
    for d in diags {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let (s, e) = positions(db, d.span());
        let file = &db.get(d.span().file).path;
        let mut props = format!("file={},line={},endLine={}", escape_property(file), s.line, e.line);
        if s.line == e.line {
            props.push_str(&format!(",col={},endColumn={}", s.column, e.column));
        }
        props.push_str(&format!(",title={}", escape_property(&format!("nexus-lint {} ({})", d.code, d.name))));
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push_str("\n\n");
            message.push_str(h);
        }
        writeln!(w, "::{level} {props}::{}", escape_data(&message))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
        assert_eq!(escape_data("x\u{1b}]52;c;AA==\u{7}"), "x\\x1b]52;c;AA==\\x07");
        assert_eq!(escape_property("f\u{1b}[2K.yaml"), "f\\x1b[2K.yaml");
    }
}
