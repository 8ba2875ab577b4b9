//! `--format github`: workflow commands that GitHub Actions turns into annotations on the diff.
//! Default when `GITHUB_ACTIONS=true` and no `--format` is given.
//!
//! Escaping follows the runner's parser (`ActionCommand` in actions/runner, `escapeData` and
//! `escapeProperty` in @actions/core): in the message `%`, CR and LF; in property values also
//! `:` and `,`, which would otherwise end the value. `%` goes first, so an escape is never
//! escaped twice. `col`/`endColumn` are left out when a region covers several lines, which
//! GitHub would misplace (ruff does the same). Positions are [`Region`](super::Region)s: UTF-16
//! columns, as GitHub's UI counts, and a span ending with its line break ends on its own line.

use std::io::{self, Write};

use super::{escape, region};
use nexus_diagnostics::{Diagnostic, Severity};
use nexus_source::SourceDb;

/// Escapes a command's message: control characters first ([`escape`]; a carriage return is
/// kept, to be percent-encoded like a line feed), then what the workflow-command syntax needs.
pub fn escape_data(s: &str) -> String {
    let safe: Vec<_> = s.split('\r').map(escape::text).collect();
    safe.join("\r").replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One annotation line (without its line break).
pub fn annotation(d: &Diagnostic, db: &SourceDb) -> String {
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let r = region(db, d.span());
    let file = &db.get(d.span().file).path;
    let mut props = format!("file={},line={},endLine={}", escape_property(file), r.start_line, r.end_line);
    if r.start_line == r.end_line {
        props.push_str(&format!(",col={},endColumn={}", r.start_column, r.end_column));
    }
    props.push_str(&format!(",title={}", escape_property(&format!("nexus-lint {} ({})", d.code, d.name))));
    let mut message = d.message.clone();
    if let Some(h) = &d.help {
        message.push_str("\n\n");
        message.push_str(h);
    }
    format!("::{level} {props}::{}", escape_data(&message))
}

pub fn write(w: &mut dyn Write, diags: &[Diagnostic], db: &SourceDb) -> io::Result<()> {
    for d in diags {
        writeln!(w, "{}", annotation(d, db))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use nexus_diagnostics::RuleInfo;
    use nexus_source::Span;

    struct Rule;
    impl RuleInfo for Rule {
        fn code(&self) -> &'static str {
            "NX999"
        }
        fn name(&self) -> &'static str {
            "test-rule"
        }
        fn severity(&self) -> Severity {
            Severity::Warning
        }
    }

    /// The runner's unescaping (`ActionCommand.Unescape*`), to check escapes round-trip.
    fn unescape_data(s: &str) -> String {
        s.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
    }

    fn unescape_property(s: &str) -> String {
        s.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")
    }

    /// Splits a command as the runner does: `::name k=v,k=v::message`.
    fn parse(line: &str) -> (String, Vec<(String, String)>, String) {
        let rest = line.strip_prefix("::").unwrap();
        let (head, message) = rest.split_once("::").unwrap();
        let (name, props) = head.split_once(' ').unwrap();
        let props = props
            .split(',')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (k.to_string(), unescape_property(v))
            })
            .collect();
        (name.to_string(), props, unescape_data(message))
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50%\nnext\r"), "50%25%0Anext%0D");
        assert_eq!(escape_data("x\u{1b}]52;c;AA==\u{7}"), "x\\x1b]52;c;AA==\\x07");
        assert_eq!(escape_property("f\u{1b}[2K.yaml"), "f\\x1b[2K.yaml");
        assert_eq!(escape_property("a:b,c%3A"), "a%3Ab%2Cc%253A");
        for s in ["%0A", "100%", "a\r\nb", "x:y,z", "%%3A,"] {
            assert_eq!(unescape_data(&escape_data(s)), s);
            assert_eq!(unescape_property(&escape_property(s)), s);
        }
    }

    #[test]
    fn annotations_round_trip_and_drop_columns_on_multi_line_spans() {
        let mut db = SourceDb::new();
        let text = "a: 1\nkey: 'x'\nlist:\n  - y\n";
        let f = db.add("dir,with:odd%/файл.yaml".into(), Arc::from(text));
        let k = text.find("key").unwrap() as u32;
        let mut d =
            Diagnostic::new(&Rule, Span::new(f, k, k + 3), "50% of `key`\nsecond line").help("do: this, then that");
        d.severity = Severity::Error;
        let (name, props, message) = parse(&annotation(&d, &db));
        assert_eq!(name, "error");
        let get = |k: &str| props.iter().find(|(p, _)| p == k).map(|(_, v)| v.as_str());
        assert_eq!(get("file"), Some("dir,with:odd%/файл.yaml"));
        assert_eq!(
            (get("line"), get("endLine"), get("col"), get("endColumn")),
            (Some("2"), Some("2"), Some("1"), Some("4"))
        );
        assert_eq!(get("title"), Some("nexus-lint NX999 (test-rule)"));
        assert_eq!(message, "50% of `key`\nsecond line\n\ndo: this, then that");
        // A span covering two lines has no columns.
        let l = text.find("list").unwrap() as u32;
        let d = Diagnostic::new(&Rule, Span::new(f, l, text.len() as u32 - 1), "m");
        let (_, props, _) = parse(&annotation(&d, &db));
        assert!(props.iter().all(|(k, _)| k != "col" && k != "endColumn"), "{props:?}");
        // A span that ends with its line break stays on its line.
        let d = Diagnostic::new(&Rule, Span::new(f, 0, 5), "m");
        assert!(
            annotation(&d, &db)
                .starts_with("::warning file=dir%2Cwith%3Aodd%25/файл.yaml,line=1,endLine=1,col=1,endColumn=5,")
        );
    }

    #[test]
    fn columns_are_utf16_units() {
        let mut db = SourceDb::new();
        let text = "a: \"😀\" x\n";
        let f = db.add("a.yaml".into(), Arc::from(text));
        let x = text.find('x').unwrap() as u32;
        let d = Diagnostic::new(&Rule, Span::new(f, x, x + 1), "m");
        assert!(annotation(&d, &db).contains(",col=9,endColumn=10,"), "{}", annotation(&d, &db));
    }
}
