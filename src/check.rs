//! The `check` pipeline: discover and read (parallel) → model (`nexus_model::load`) → rules
//! (parallel) → suppressions → sorted, fingerprinted diagnostics → redaction. Everything is
//! collected into vectors in input order and sorted before output, so results do not depend on
//! thread scheduling.
//!
//! Nothing outside the checked roots is read ([`nexus_source::roots`]), and the diagnostics of
//! an [`Outcome`] are already redacted: every reporter, present or future, prints them as they
//! are; the human reporter also gets the [`Redactor`] for its snippets.

use std::sync::Arc;

use nexus_diagnostics::{self as diagnostics, Diagnostic};
pub use nexus_model::load::Loaded as Model;
use nexus_model::load::{self, Input, Options};
use nexus_report::redact::Redactor;
use nexus_rules::suppress::{self, Applied, Ignore, Policy};
use nexus_source::discover::{self, InputKind};
use nexus_source::{self as source, FileId, Span};
use rayon::prelude::*;

use crate::config::Settings;

/// Where inputs come from.
#[derive(Debug, Clone)]
pub enum InputSpec {
    /// Command-line paths (`-` is stdin).
    Paths(Vec<String>),
    /// In-memory files (tests, rule-doc examples): (path, content).
    Memory(Vec<(String, String)>),
}

/// A path that could not be read at all (missing, permission denied, symlink loop). These are
/// errors of the run, not findings: they are printed on stderr and make the exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IoError {
    pub path: String,
    pub message: String,
}

/// Everything read, and the model built from it.
#[derive(Debug)]
pub struct Loaded {
    pub model: Model,
    pub io_errors: Vec<IoError>,
    /// The config file, when it was loaded to report on its entries.
    pub config_file: Option<FileId>,
}

impl std::ops::Deref for Loaded {
    type Target = Model;
    fn deref(&self) -> &Model {
        &self.model
    }
}

/// The result of a check.
#[derive(Debug)]
pub struct Outcome {
    pub loaded: Loaded,
    /// Redacted ([`Redactor::diagnostics`]).
    pub diagnostics: Vec<Diagnostic>,
    pub suppressed: Vec<(Diagnostic, String)>,
    /// The run's secrets, for reporters that print source text.
    pub redactor: Redactor,
}

/// Reads every input under the roots, in parallel, in input order.
fn read_inputs(
    paths: &[String],
    settings: &Settings,
    io_errors: &mut Vec<IoError>,
) -> (Vec<Input>, nexus_source::roots::Roots) {
    let found = discover::discover(paths, &settings.exclude);
    io_errors.extend(found.errors.into_iter().map(|e| IoError { path: e.path, message: e.message }));
    let roots = found.roots;
    let read: Vec<(String, InputKind, std::io::Result<source::ReadResult>)> = found
        .inputs
        .par_iter()
        .map(|i| {
            let r = match &i.path {
                Some(p) => roots.read(p, settings.max_file_size),
                None => source::read_bounded(std::io::stdin().lock(), settings.max_file_size),
            };
            (i.display.clone(), i.kind, r)
        })
        .collect();
    let mut out = Vec::with_capacity(read.len());
    for (path, kind, r) in read {
        match r {
            Ok(read) => out.push(Input { path, kind, read }),
            Err(e) => io_errors.push(IoError { path, message: discover::io_message(&e) }),
        }
    }
    (out, roots)
}

/// Reads and models the inputs.
pub fn load(spec: &InputSpec, settings: &Settings) -> Loaded {
    let mut io_errors = Vec::new();
    let mut model = match spec {
        InputSpec::Memory(files) => load::load_memory(files),
        InputSpec::Paths(paths) => {
            let (inputs, roots) = read_inputs(paths, settings, &mut io_errors);
            load::load_with(inputs, Options { memory: false, max_file_size: settings.max_file_size }, &roots)
        }
    };
    // The config file, so unused `ignores` entries can be shown in it.
    let config_file = settings.path.as_ref().filter(|_| !settings.ignores.is_empty()).and_then(|p| {
        let text = crate::config::read(p).ok()?;
        Some(model.add_file(p.to_string_lossy().into_owned(), Arc::from(text)))
    });
    Loaded { model, io_errors, config_file }
}

/// The configuration's `ignores`, with where each is written.
fn ignores(loaded: &Loaded, settings: &Settings) -> Vec<Ignore> {
    let config = loaded.config_file.map(|f| loaded.db.get(f));
    settings
        .ignores
        .iter()
        .map(|ig| Ignore {
            codes: ig.codes.clone(),
            resource: ig.resource.clone(),
            path: ig.path.clone(),
            reason: ig.entry.reason.clone(),
            expires: ig.entry.expires.clone(),
            span: config.map(|src| {
                let start = src.lines.line_start(ig.line).unwrap_or(0);
                let end = src.text[start as usize..].find('\n').map_or(src.text.len() as u32, |n| start + n as u32);
                Span::new(src.id, start, end)
            }),
        })
        .collect()
}

/// Runs the enabled rules over a loaded platform, then suppressions and ordering.
pub fn run_rules(loaded: &Loaded, settings: &Settings) -> (Vec<Diagnostic>, Vec<(Diagnostic, String)>) {
    let platform = &loaded.platform;
    let raw = nexus_rules::run(platform, &|r| settings.is_enabled(r.code), &|r| settings.severity.get(r.code).copied());
    let ignores = ignores(loaded, settings);
    let enabled = |code: &str| settings.is_enabled(code);
    let policy = Policy { ignores: &ignores, today: &settings.today, enabled: &enabled };
    let Applied { mut kept, mut suppressed } = suppress::apply(raw, platform, &policy);
    if let Some(&sev) = settings.severity.get("NX006") {
        for d in kept.iter_mut().filter(|d| d.code == "NX006") {
            d.severity = sev;
        }
    }
    let locate = |s: Span| loaded.locate(s);
    diagnostics::finalize(&mut kept, &loaded.db, &locate);
    suppressed.sort_by(|a, b| (a.0.span(), a.0.code).cmp(&(b.0.span(), b.0.code)));
    (kept, suppressed)
}

/// The secrets of a loaded run, as the reporters take them.
pub fn redactor(loaded: &Loaded) -> Redactor {
    let secrets = nexus_model::redact::secrets(&loaded.platform);
    Redactor::new(secrets.spans, secrets.values, nexus_model::redact::private_files(&loaded.platform))
}

/// Loads and checks.
pub fn check(spec: &InputSpec, settings: &Settings) -> Outcome {
    let loaded = load(spec, settings);
    let (mut diagnostics, mut suppressed) = run_rules(&loaded, settings);
    let redactor = redactor(&loaded);
    redactor.diagnostics(&mut diagnostics);
    for (d, reason) in &mut suppressed {
        redactor.diagnostics(std::slice::from_mut(d));
        *reason = redactor.text(reason).into_owned();
    }
    Outcome { loaded, diagnostics, suppressed, redactor }
}
