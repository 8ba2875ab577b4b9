//! `--format json`: a versioned document (`docs/json-output.schema.json`).

use std::io::{self, Write};

use serde::Serialize;

use super::{BaselineStatus, Counts, escape, positions};
use nexus_diagnostics::Diagnostic;
use nexus_source::{SourceDb, Span};

pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Location<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    start_offset: u32,
    end_offset: u32,
}

fn location(db: &SourceDb, span: Span) -> Location<'_> {
    let (s, e) = positions(db, span);
    Location {
        file: &db.get(span.file).path,
        line: s.line,
        column: s.column,
        end_line: e.line,
        end_column: e.column,
        start_offset: span.start,
        end_offset: span.end,
    }
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    message: &'a str,
    #[serde(flatten)]
    location: Location<'a>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    file: &'a str,
    start_offset: u32,
    end_offset: u32,
    replacement: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    message: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    name: &'a str,
    severity: &'a str,
    message: &'a str,
    help: Option<&'a str>,
    #[serde(flatten)]
    location: Location<'a>,
    label: &'a str,
    resource: Option<&'a str>,
    template: Option<&'a str>,
    fingerprint: &'a str,
    labels: Vec<JsonLabel<'a>>,
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    infos: usize,
    files: usize,
}

#[derive(Serialize)]
struct JsonFixed<'a> {
    file: &'a str,
    code: &'a str,
    resource: Option<&'a str>,
    fingerprint: &'a str,
}

#[derive(Serialize)]
struct JsonBaseline<'a> {
    file: &'a str,
    matched: usize,
    fixed: Vec<JsonFixed<'a>>,
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<JsonBaseline<'a>>,
}

pub fn write(w: &mut dyn Write, diags: &[Diagnostic], db: &SourceDb) -> io::Result<()> {
    write_with(w, diags, db, None)
}

/// The document, with what `--baseline` hid and which of its findings are fixed.
pub fn write_with(
    w: &mut dyn Write,
    diags: &[Diagnostic],
    db: &SourceDb,
    baseline: Option<&BaselineStatus>,
) -> io::Result<()> {
    write_value(w, &document(diags, db, baseline))
}

/// Any JSON document, pretty-printed with control characters escaped ([`escape::json`]),
/// serialised straight into `w` (never held whole in memory).
pub fn write_value(w: &mut dyn Write, doc: &impl Serialize) -> io::Result<()> {
    let mut out = escape::JsonEscaper::new(&mut *w);
    // `io::Error::from` gives back the writer's own error (a closed pipe stays BrokenPipe).
    serde_json::to_writer_pretty(&mut out, doc).map_err(io::Error::from)?;
    out.finish()?;
    writeln!(w)
}

/// The same document as a JSON value, for commands that add to it (`simulate` adds its
/// `simulation` member, documented by `docs/simulate-output.schema.json`).
pub fn to_value(diags: &[Diagnostic], db: &SourceDb) -> serde_json::Value {
    serde_json::to_value(document(diags, db, None)).unwrap_or(serde_json::Value::Null)
}

fn document<'a>(diags: &'a [Diagnostic], db: &'a SourceDb, baseline: Option<&'a BaselineStatus>) -> Document<'a> {
    let counts = Counts::of(diags);
    Document {
        version: VERSION,
        diagnostics: diags
            .iter()
            .map(|d| JsonDiagnostic {
                code: d.code,
                name: d.name,
                severity: d.severity.as_str(),
                message: &d.message,
                help: d.help.as_deref(),
                location: location(db, d.span()),
                label: &d.primary.message,
                resource: d.resource.as_deref(),
                template: d.template.as_deref(),
                fingerprint: &d.fingerprint,
                labels: d
                    .secondary
                    .iter()
                    .map(|l| JsonLabel { message: &l.message, location: location(db, l.span) })
                    .collect(),
                fix: d.fix.as_ref().map(|f| JsonFix {
                    message: &f.message,
                    edits: f
                        .edits
                        .iter()
                        .map(|e| JsonEdit {
                            file: &db.get(e.span.file).path,
                            start_offset: e.span.start,
                            end_offset: e.span.end,
                            replacement: &e.replacement,
                        })
                        .collect(),
                }),
            })
            .collect(),
        summary: Summary { errors: counts.errors, warnings: counts.warnings, infos: counts.infos, files: db.len() },
        baseline: baseline.map(|b| JsonBaseline {
            file: &b.path,
            matched: b.matched,
            fixed: b
                .fixed
                .iter()
                .map(|f| JsonFixed {
                    file: &f.file,
                    code: &f.code,
                    resource: f.resource.as_deref(),
                    fingerprint: &f.fingerprint,
                })
                .collect(),
        }),
    }
}
