//! `--format json`: a versioned document (`docs/json-output.schema.json`).

use std::io::{self, Write};

use rayon::prelude::*;
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
    let mut doc = document(diags, db, baseline);
    if doc.diagnostics.len() < PARALLEL_FROM {
        return write_value(w, &doc);
    }
    // A large report's findings are rendered in parallel (issue 15), each pretty-printed and
    // escaped on its own and indented to its place in the array: the same bytes as one
    // serialisation of the whole document, whose frame is rendered with an empty array and
    // has the findings put in its place.
    // Batch by batch, so that the rendered text held at once stays small.
    let diagnostics = std::mem::take(&mut doc.diagnostics);
    let mut frame = Vec::new();
    write_value(&mut frame, &doc)?;
    const EMPTY: &[u8] = b"\n  \"diagnostics\": []";
    let at = memchr::memmem::find(&frame, EMPTY).ok_or_else(|| io::Error::other("report frame without findings"))?;
    let open = at + EMPTY.len() - 2;
    w.write_all(&frame[..open])?;
    w.write_all(b"[\n")?;
    for (i, batch) in diagnostics.chunks(4 * 256).enumerate() {
        let chunks: Vec<Vec<u8>> = batch.par_chunks(256).map(render_elements).collect::<io::Result<_>>()?;
        for (j, chunk) in chunks.iter().enumerate() {
            if i + j > 0 {
                w.write_all(b",\n")?;
            }
            w.write_all(chunk)?;
        }
    }
    w.write_all(b"\n  ]")?;
    w.write_all(&frame[open + 2..])
}

/// From how many findings [`write_with`] renders them in parallel.
const PARALLEL_FROM: usize = 512;

/// Findings as elements of the report's array: pretty-printed, indented four spaces (the
/// array's depth), escaped, separated by `,\n`.
fn render_elements(chunk: &[JsonDiagnostic<'_>]) -> io::Result<Vec<u8>> {
    let mut out = escape::JsonEscaper::new(Vec::new());
    let mut one = Vec::new();
    for (i, d) in chunk.iter().enumerate() {
        one.clear();
        serde_json::to_writer_pretty(&mut one, d).map_err(io::Error::from)?;
        out.write_all(if i == 0 { b"    " } else { b",\n    " })?;
        // A JSON string holds no raw line feed: every one here is the formatter's.
        for line in one.split_inclusive(|&b| b == b'\n') {
            out.write_all(line)?;
            if line.ends_with(b"\n") {
                out.write_all(b"    ")?;
            }
        }
    }
    out.finish()
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

#[cfg(test)]
mod tests {
    use super::*;
    use nexus_diagnostics::{Label, Severity};
    use std::sync::Arc;

    /// The findings of a large report, rendered in parallel and put into the frame, are the
    /// bytes one serialisation of the whole document gives: nested labels, a fix, text that is
    /// escaped (a bidi override, an escape sequence), a multi-line message.
    #[test]
    fn parallel_rendering_is_the_whole_serialisation() {
        let mut db = SourceDb::new();
        let file = db.add("k8s/app.yaml".into(), Arc::from("kind: Deployment\nmetadata:\n  name: app\n"));
        let diags: Vec<Diagnostic> = (0..PARALLEL_FROM * 3 + 7)
            .map(|i| {
                let span = Span::new(file, (i % 20) as u32, (i % 20 + 3) as u32);
                Diagnostic {
                    code: "NX101",
                    name: "missing-dependency-gate",
                    severity: [Severity::Info, Severity::Warning, Severity::Error][i % 3],
                    message: format!("finding {i}: `app` \u{202e}waits\n\x1b[2J for nothing"),
                    primary: Label { span, message: format!("label {i}") },
                    secondary: (0..i % 3).map(|k| Label { span, message: format!("related {k}") }).collect(),
                    help: (i % 2 == 0).then(|| "add an init container".to_string()),
                    resource: Some(format!("Deployment/app-{i}")),
                    template: None,
                    fingerprint_key: None,
                    fingerprint: format!("{i:016x}"),
                    fix: None,
                }
            })
            .collect();
        let mut whole = Vec::new();
        write_value(&mut whole, &document(&diags, &db, None)).unwrap();
        let mut parallel = Vec::new();
        write_with(&mut parallel, &diags, &db, None).unwrap();
        assert_eq!(String::from_utf8(parallel).unwrap(), String::from_utf8(whole).unwrap());
    }
}
