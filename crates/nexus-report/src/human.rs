//! `--format human`: miette's graphical diagnostics with source snippets, then a summary.
//! Colour only when asked for (the CLI asks on a TTY without `NO_COLOR`). Secret values are
//! blanked in the snippets before miette ever sees the text.

use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use super::{BaselineStatus, Counts, positions};
use nexus_diagnostics::{Diagnostic, Severity};
use nexus_source::{FileId, SourceDb, Span};

/// Rendering options.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

impl Default for Style {
    fn default() -> Self {
        Style { color: false, width: 100 }
    }
}

/// One diagnostic (or one group of its labels in another file) seen as a miette diagnostic.
struct View {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    source: NamedSource<Arc<str>>,
    labels: Vec<LabeledSpan>,
    related: Vec<View>,
}

impl fmt::Debug for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for View {}

impl miette::Diagnostic for View {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code.as_ref().map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)))
    }
}

/// The text of each file with secret values blanked out, built on first use.
struct Redacted<'a> {
    db: &'a SourceDb,
    secrets: &'a [Span],
    cache: Vec<Option<Arc<str>>>,
}

impl Redacted<'_> {
    fn text(&mut self, file: FileId) -> Arc<str> {
        let i = file.0 as usize;
        if let Some(t) = &self.cache[i] {
            return t.clone();
        }
        let src = &self.db.get(file).text;
        let mine: Vec<&Span> = self.secrets.iter().filter(|s| s.file == file).collect();
        let text: Arc<str> = if mine.is_empty() {
            src.clone()
        } else {
            let mut bytes = src.as_bytes().to_vec();
            for s in mine {
                for b in bytes.iter_mut().take(s.end as usize).skip(s.start as usize) {
                    if *b != b'\n' {
                        *b = b'*';
                    }
                }
            }
            Arc::from(String::from_utf8(bytes).unwrap_or_default())
        };
        self.cache[i] = Some(text.clone());
        text
    }
}

fn miette_span(s: Span) -> SourceSpan {
    SourceSpan::new((s.start as usize).into(), s.len() as usize)
}

fn severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

fn view(d: &Diagnostic, db: &SourceDb, red: &mut Redacted<'_>) -> View {
    let file = d.span().file;
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        (!d.primary.message.is_empty()).then(|| d.primary.message.clone()),
        miette_span(d.span()),
    )];
    let mut related: Vec<View> = Vec::new();
    for l in &d.secondary {
        if l.span.file == file {
            labels.push(LabeledSpan::new_with_span(Some(l.message.clone()), miette_span(l.span)));
            continue;
        }
        let label = LabeledSpan::new_with_span(Some(l.message.clone()), miette_span(l.span));
        match related.iter_mut().find(|r| r.source.name() == db.get(l.span.file).path) {
            Some(r) => r.labels.push(label),
            None => related.push(View {
                message: format!("related: {}", db.get(l.span.file).path),
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                source: NamedSource::new(db.get(l.span.file).path.clone(), red.text(l.span.file)),
                labels: vec![label],
                related: Vec::new(),
            }),
        }
    }
    let mut help = d.help.clone();
    let mut notes = Vec::new();
    if let Some(r) = &d.resource {
        notes.push(format!("resource: {r}"));
    }
    if let Some(t) = &d.template {
        notes.push(format!("rendered from: {t}"));
    }
    if !notes.is_empty() {
        let h = help.get_or_insert_with(String::new);
        for n in notes {
            if !h.is_empty() {
                h.push('\n');
            }
            h.push_str(&n);
        }
    }
    View {
        message: d.message.clone(),
        code: Some(format!("{}({})", d.code, d.name)),
        severity: severity(d.severity),
        help,
        source: NamedSource::new(db.get(file).path.clone(), red.text(file)),
        labels,
        related,
    }
}

/// Writes the diagnostics and a summary line.
pub fn write(
    w: &mut dyn Write,
    diags: &[Diagnostic],
    db: &SourceDb,
    secrets: &[Span],
    style: Style,
    files_checked: usize,
) -> io::Result<()> {
    let theme = if style.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(style.width).with_links(false);
    let mut red = Redacted { db, secrets, cache: vec![None; db.len()] };
    for d in diags {
        let v = view(d, db, &mut red);
        let mut out = String::new();
        if handler.render_report(&mut out, &v).is_err() {
            // miette refuses spans it cannot place; fall back to a plain line.
            let (s, _) = positions(db, d.span());
            out = format!(
                "{}:{}:{}: {} {}: {}\n",
                db.get(d.span().file).path,
                s.line,
                s.column,
                d.severity.as_str(),
                d.code,
                d.message
            );
        }
        w.write_all(out.as_bytes())?;
        writeln!(w)?;
    }
    let c = Counts::of(diags);
    if c.total() == 0 {
        writeln!(w, "nexus-lint: no problems in {files_checked} files")
    } else {
        writeln!(
            w,
            "nexus-lint: {} ({} {}, {} {}, {} info) in {files_checked} files",
            plural(c.total(), "problem"),
            c.errors,
            if c.errors == 1 { "error" } else { "errors" },
            c.warnings,
            if c.warnings == 1 { "warning" } else { "warnings" },
            c.infos,
        )
    }
}

/// After the summary: what `--baseline` hid, and the baseline's findings that are gone.
pub fn write_baseline(w: &mut dyn Write, b: &BaselineStatus) -> io::Result<()> {
    writeln!(
        w,
        "nexus-lint: baseline `{}`: {} not reported, {} fixed since it was written",
        b.path,
        plural(b.matched, "finding"),
        plural(b.fixed.len(), "finding")
    )?;
    for f in &b.fixed {
        match &f.resource {
            Some(r) => writeln!(w, "  fixed: {} {} ({r}) [{}]", f.file, f.code, f.fingerprint)?,
            None => writeln!(w, "  fixed: {} {} [{}]", f.file, f.code, f.fingerprint)?,
        }
    }
    Ok(())
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}
