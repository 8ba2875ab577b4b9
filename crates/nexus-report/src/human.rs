//! `--format human`: miette's graphical diagnostics with source snippets, then a summary.
//! Colour only when asked for (the CLI asks on a TTY without `NO_COLOR`). Secret values are
//! blanked and control characters neutralised in the snippets before miette ever sees the
//! text, and each snippet is an [`Excerpt`]: the labelled lines only, long ones cut to a window.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan};

use super::excerpt::Excerpt;
use super::redact::Redactor;
use super::{BaselineStatus, Counts, escape, positions};
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
    source: Excerpt,
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

/// Each file's text as it may be shown, built on first use: secrets blanked, control
/// characters neutralised, same length as the file (spans into it stay valid).
struct Shown<'a> {
    db: &'a SourceDb,
    redact: &'a Redactor,
    cache: Vec<Option<Arc<str>>>,
}

impl Shown<'_> {
    fn text(&mut self, file: FileId) -> Arc<str> {
        let i = file.0 as usize;
        if let Some(t) = &self.cache[i] {
            return t.clone();
        }
        let src = &self.db.get(file).text;
        let text: Arc<str> = match self.redact.source(file, src) {
            Cow::Borrowed(b) => match escape::source(b) {
                Cow::Borrowed(_) => src.clone(),
                Cow::Owned(o) => Arc::from(o),
            },
            Cow::Owned(o) => Arc::from(escape::source(&o).into_owned()),
        };
        self.cache[i] = Some(text.clone());
        text
    }

    /// The excerpt of `file` for these labels (the primary first).
    fn excerpt(&mut self, file: FileId, spans: &[Span]) -> Excerpt {
        let text = self.text(file);
        let f = self.db.get(file);
        let context = if self.redact.is_private(file) { 0 } else { 1 };
        Excerpt::new(escape::line(&f.path).into_owned(), &text, &f.lines, spans, context)
    }
}

fn severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

fn label(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| escape::text(text).into_owned())
}

fn view(d: &Diagnostic, db: &SourceDb, shown: &mut Shown<'_>) -> View {
    let file = d.span().file;
    let mine: Vec<Span> =
        std::iter::once(d.span()).chain(d.secondary.iter().filter(|l| l.span.file == file).map(|l| l.span)).collect();
    let source = shown.excerpt(file, &mine);
    let mut labels = vec![LabeledSpan::new_primary_with_span(label(&d.primary.message), source.span(d.span()))];
    for l in d.secondary.iter().filter(|l| l.span.file == file) {
        labels.push(LabeledSpan::new_with_span(label(&l.message), source.span(l.span)));
    }
    // Labels in other files: one related view per file, in first-seen order.
    let mut others: Vec<FileId> = Vec::new();
    for l in &d.secondary {
        if l.span.file != file && !others.contains(&l.span.file) {
            others.push(l.span.file);
        }
    }
    let related = others
        .into_iter()
        .map(|f| {
            let spans: Vec<Span> = d.secondary.iter().filter(|l| l.span.file == f).map(|l| l.span).collect();
            let source = shown.excerpt(f, &spans);
            let labels = d
                .secondary
                .iter()
                .filter(|l| l.span.file == f)
                .map(|l| LabeledSpan::new_with_span(label(&l.message), source.span(l.span)))
                .collect();
            View {
                message: format!("related: {}", escape::line(&db.get(f).path)),
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                source,
                labels,
                related: Vec::new(),
            }
        })
        .collect();
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
        message: escape::text(&d.message).into_owned(),
        code: Some(format!("{}({})", d.code, d.name)),
        severity: severity(d.severity),
        help: help.map(|h| escape::text(&h).into_owned()),
        source,
        labels,
        related,
    }
}

/// Writes the diagnostics and a summary line.
///
/// `redact` blanks secrets in the snippets (the diagnostics' texts are expected to be redacted
/// already, [`Redactor::diagnostics`]); every text is escaped ([`escape`]).
pub fn write(
    w: &mut dyn Write,
    diags: &[Diagnostic],
    db: &SourceDb,
    redact: &Redactor,
    style: Style,
    files_checked: usize,
) -> io::Result<()> {
    let theme = if style.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(style.width).with_links(false);
    let mut shown = Shown { db, redact, cache: vec![None; db.len()] };
    for d in diags {
        let v = view(d, db, &mut shown);
        let mut out = String::new();
        if handler.render_report(&mut out, &v).is_err() {
            // miette refuses spans it cannot place; fall back to a plain line.
            let (s, _) = positions(db, d.span());
            out = format!(
                "{}:{}:{}: {} {}: {}\n",
                escape::line(&db.get(d.span().file).path),
                s.line,
                s.column,
                d.severity.as_str(),
                d.code,
                escape::text(&d.message)
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
        escape::line(&b.path),
        plural(b.matched, "finding"),
        plural(b.fixed.len(), "finding")
    )?;
    // A baseline is a file of the repository: what it says is escaped like any input.
    for f in &b.fixed {
        let (file, code, print) = (escape::line(&f.file), escape::line(&f.code), escape::line(&f.fingerprint));
        match &f.resource {
            Some(r) => writeln!(w, "  fixed: {file} {code} ({}) [{print}]", escape::line(r))?,
            None => writeln!(w, "  fixed: {file} {code} [{print}]")?,
        }
    }
    Ok(())
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}
