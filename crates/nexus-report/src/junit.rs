//! `--format junit`: JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure
//! Pipelines, CircleCI, Buildkite).
//!
//! One `<testsuite>` per checked file, named by its path, so each system groups findings by file
//! the way people look for them; one `<testcase>` per finding, whose `classname` is the path
//! without its extension (Jenkins splits class names at dots, as ESLint's JUnit output accounts
//! for) and whose `file` and `line` attributes point at it:
//!
//! - an error or warning is a `<failure>` (its `type` is the severity), with the location, help,
//!   resource and rule documentation link in the body;
//! - an info finding is a passing test case, its text in `<system-out>`;
//! - a suppressed finding is `<skipped>`, with the justification;
//! - a file without findings has one passing test case, `no findings`, so every checked file
//!   is in the report.
//!
//! No source text is quoted, so no secret can be; control characters are replaced or escaped.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::{RuleDoc, positions, rule_doc};
use nexus_diagnostics::{Diagnostic, Severity, Suppressed};
use nexus_source::SourceDb;

/// XML 1.0 text: markup characters escaped, characters XML cannot hold replaced.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' => out.push(c),
            // A character reference keeps a carriage return for XML readers (which would turn a
            // raw one into a space or a line end) without a raw one reaching a terminal.
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            // What XML holds but a terminal or a CI page must not see raw (C1, bidi controls).
            c if crate::escape::is_unsafe(c) => out.push_str(&crate::escape::text(c.encode_utf8(&mut [0; 4]))),
            c => out.push(c),
        }
    }
    out
}

fn classname(path: &str) -> &str {
    let name_start = path.rfind('/').map_or(0, |i| i + 1);
    match path[name_start..].rfind('.') {
        Some(dot) if dot > 0 => &path[..name_start + dot],
        _ => path,
    }
}

enum Case<'a> {
    Finding(&'a Diagnostic),
    Suppressed(&'a Suppressed),
}

impl Case<'_> {
    fn diagnostic(&self) -> &Diagnostic {
        match self {
            Case::Finding(d) => d,
            Case::Suppressed(s) => &s.diagnostic,
        }
    }
}

fn body(d: &Diagnostic, db: &SourceDb, rules: &[RuleDoc<'_>]) -> String {
    let (s, _) = positions(db, d.span());
    let path = &db.get(d.span().file).path;
    let mut b =
        format!("{path}:{}:{}: {} {} ({}): {}", s.line, s.column, d.severity.as_str(), d.code, d.name, d.message);
    if let Some(h) = &d.help {
        let _ = write!(b, "\nhelp: {h}");
    }
    if let Some(r) = &d.resource {
        let _ = write!(b, "\nresource: {r}");
    }
    if let Some(t) = &d.template {
        let _ = write!(b, "\nrendered from: {t}");
    }
    for l in &d.secondary {
        let (p, _) = positions(db, l.span);
        let _ = write!(b, "\nrelated: {}:{}:{}: {}", db.get(l.span.file).path, p.line, p.column, l.message);
    }
    if let Some(doc) = rule_doc(rules, d.code) {
        let _ = write!(b, "\nrule: {}", doc.help_uri);
    }
    b
}

fn testcase(out: &mut String, case: &Case<'_>, db: &SourceDb, rules: &[RuleDoc<'_>]) {
    let d = case.diagnostic();
    let path = &db.get(d.span().file).path;
    let (s, _) = positions(db, d.span());
    let _ = write!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" line=\"{}\"",
        escape(classname(path)),
        escape(&format!("{} {} at {}:{}: {}", d.code, d.name, s.line, s.column, d.message)),
        escape(path),
        s.line
    );
    match case {
        Case::Finding(d) if d.severity >= Severity::Warning => {
            let _ = write!(
                out,
                ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
                d.severity.as_str(),
                escape(&d.message),
                escape(&body(d, db, rules))
            );
        }
        Case::Finding(d) => {
            let _ = write!(out, ">\n      <system-out>{}</system-out>\n    </testcase>\n", escape(&body(d, db, rules)));
        }
        Case::Suppressed(s) => {
            let _ = write!(
                out,
                ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                escape(&format!("suppressed: {}", s.justification))
            );
        }
    }
}

/// Writes the report: every file of the run, in path order.
pub fn write(
    w: &mut dyn Write,
    diags: &[Diagnostic],
    suppressed: &[Suppressed],
    db: &SourceDb,
    rules: &[RuleDoc<'_>],
) -> io::Result<()> {
    // Every file of the run, by path (a file can be read twice, e.g. through two projects).
    let mut by_file: BTreeMap<&str, Vec<Case<'_>>> = db.files().iter().map(|f| (f.path.as_str(), Vec::new())).collect();
    for d in diags {
        by_file.entry(&db.get(d.span().file).path).or_default().push(Case::Finding(d));
    }
    for s in suppressed {
        by_file.entry(&db.get(s.diagnostic.span().file).path).or_default().push(Case::Suppressed(s));
    }
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    let mut suites = String::new();
    for (path, cases) in &by_file {
        let fails = cases.iter().filter(|c| matches!(c, Case::Finding(d) if d.severity >= Severity::Warning)).count();
        let skips = cases.iter().filter(|c| matches!(c, Case::Suppressed(_))).count();
        let n = cases.len().max(1);
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{n}\" failures=\"{fails}\" errors=\"0\" skipped=\"{skips}\">",
            escape(path)
        );
        if cases.is_empty() {
            let _ = writeln!(
                suites,
                "    <testcase classname=\"{}\" name=\"no findings\" file=\"{}\"/>",
                escape(classname(path)),
                escape(path)
            );
        }
        for c in cases {
            testcase(&mut suites, c, db, rules);
        }
        suites.push_str("  </testsuite>\n");
        tests += n;
        failures += fails;
        skipped += skips;
    }
    writeln!(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        w,
        "<testsuites name=\"nexus-lint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">"
    )?;
    w.write_all(suites.as_bytes())?;
    writeln!(w, "</testsuites>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_class_names() {
        assert_eq!(escape("a<b & \"c\" 'd'>\u{1}"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\u{FFFD}");
        assert_eq!(escape("a\u{9b}31m\u{202e}b\u{7f}"), "a\\x9b31m\\u{202e}b\\x7f");
        // A carriage return in a quoted value (a YAML `"\r"`), found by the `check` fuzz target.
        assert_eq!(escape("a\r\nb\tc"), "a&#13;\nb\tc");
        assert_eq!(classname("k8s/prod/api.yaml"), "k8s/prod/api");
        assert_eq!(classname("a.b/.env"), "a.b/.env");
        assert_eq!(classname("-"), "-");
    }
}
