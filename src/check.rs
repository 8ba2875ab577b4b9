//! The `check` pipeline: discover and read (parallel) → model (`nexus_model::load`) → rules
//! (parallel) → suppressions → sorted, fingerprinted diagnostics → redaction. Everything is
//! collected into vectors in input order and sorted before output, so results do not depend on
//! thread scheduling.
//!
//! Nothing outside the checked roots is read ([`nexus_source::roots`]), and the diagnostics of
//! an [`Outcome`] are already redacted: every reporter, present or future, prints them as they
//! are; the human reporter also gets the [`Redactor`] for its snippets.

use std::sync::Arc;
use std::time::Instant;

use nexus_diagnostics::{self as diagnostics, Diagnostic, Suppressed};
pub use nexus_model::load::Loaded as Model;
use nexus_model::load::{self, Input, Options};
use nexus_report::redact::Redactor;
use nexus_rules::suppress::{self, Applied, Ignore, Policy};
use nexus_source::discover::{self, InputKind};
use nexus_source::{self as source, FileId, Span, timings};
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
    /// Findings that suppressions accepted, fingerprinted like the others (redacted too).
    pub suppressed: Vec<Suppressed>,
    /// The run's secrets, for reporters that print source text.
    pub redactor: Redactor,
}

/// Text that stands in for a file's content on disk, by path as discovered (`nexus-lint fix`
/// re-checks its edits before writing them).
pub type Overlay = std::collections::BTreeMap<String, Arc<str>>;

/// Reads every input under the roots, in parallel, in input order.
fn read_inputs(
    paths: &[String],
    settings: &Settings,
    overlay: &Overlay,
    io_errors: &mut Vec<IoError>,
) -> (Vec<Input>, nexus_source::roots::Roots) {
    let t = Instant::now();
    let found = discover::discover(paths, &settings.exclude);
    io_errors.extend(found.errors.into_iter().map(|e| IoError { path: e.path, message: e.message }));
    let roots = found.roots;
    let read: Vec<(String, InputKind, std::io::Result<source::ReadResult>)> = found
        .inputs
        .par_iter()
        .map(|i| {
            let r = match &i.path {
                Some(_) if overlay.contains_key(&i.display) => {
                    Ok(source::ReadResult { text: overlay[&i.display].clone(), problem: None })
                }
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
    timings::record("reading", t);
    (out, roots)
}

/// Reads and models the inputs.
pub fn load(spec: &InputSpec, settings: &Settings) -> Loaded {
    load_with(spec, settings, &Overlay::new())
}

/// [`load`], with some files' text replaced.
pub fn load_with(spec: &InputSpec, settings: &Settings, overlay: &Overlay) -> Loaded {
    let mut io_errors = Vec::new();
    let mut model = match spec {
        InputSpec::Memory(files) => load::load_memory_configured(
            files,
            settings.roles.clone(),
            settings.capacity.clone(),
            settings.declared.clone(),
            settings.migrations.clone(),
        ),
        InputSpec::Paths(paths) => {
            let (inputs, roots) = read_inputs(paths, settings, overlay, &mut io_errors);
            let options = Options {
                memory: false,
                max_file_size: settings.max_file_size,
                roles: settings.roles.clone(),
                capacity: settings.capacity.clone(),
                declared: settings.declared.clone(),
                migrations: settings.migrations.clone(),
            };
            load::load_with(inputs, options, &roots)
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

/// The enabled rules' findings, before suppressions.
pub fn rule_findings(loaded: &Loaded, settings: &Settings) -> Vec<Diagnostic> {
    let t = Instant::now();
    let found = nexus_rules::run(&loaded.platform, &|r| settings.is_enabled(r.code), &|r| {
        settings.severity.get(r.code).copied()
    });
    timings::record("rules", t);
    found
}

/// Runs the enabled rules over a loaded platform, then suppressions and ordering. The
/// simulation's rules (NX9xx) report nothing here, so their suppressions are not judged.
pub fn run_rules(loaded: &Loaded, settings: &Settings) -> (Vec<Diagnostic>, Vec<Suppressed>) {
    finish(loaded, settings, rule_findings(loaded, settings), &|code| !is_simulation(code))
}

/// A code the simulator reports (NX901–NX906).
pub fn is_simulation(code: &str) -> bool {
    nexus_rules::by_code(code).is_some_and(|r| r.family == nexus_rules::Family::Simulation)
}

/// Suppressions, ordering and fingerprints over findings; `judged` says which rules' unused
/// suppressions may be reported (those that ran).
pub fn finish(
    loaded: &Loaded,
    settings: &Settings,
    raw: Vec<Diagnostic>,
    judged: &dyn Fn(&str) -> bool,
) -> (Vec<Diagnostic>, Vec<Suppressed>) {
    let t = Instant::now();
    let platform = &loaded.platform;
    let ignores = ignores(loaded, settings);
    let enabled = |code: &str| settings.is_enabled(code) && (code == "NX006" || judged(code));
    let policy = Policy { ignores: &ignores, today: &settings.today, enabled: &enabled };
    let Applied { mut kept, mut suppressed } = suppress::apply(raw, platform, &policy);
    if let Some(&sev) = settings.severity.get("NX006") {
        for d in kept.iter_mut().filter(|d| d.code == "NX006") {
            d.severity = sev;
        }
    }
    let locate = |s: Span| loaded.locate(s);
    diagnostics::finalize(&mut kept, &loaded.db, &locate);
    diagnostics::finalize_suppressed(&mut suppressed, &loaded.db, &locate);
    timings::record("suppression", t);
    (kept, suppressed)
}

/// The secrets of a loaded run, as the reporters take them.
pub fn redactor(loaded: &Loaded) -> Redactor {
    let secrets = nexus_model::redact::secrets(&loaded.platform);
    Redactor::new(secrets.spans, secrets.values, nexus_model::redact::private_files(&loaded.platform))
        .with_public(secrets.public)
}

/// Loads and checks.
pub fn check(spec: &InputSpec, settings: &Settings) -> Outcome {
    check_with(spec, settings, &Overlay::new())
}

/// [`check`], with some files' text replaced.
pub fn check_with(spec: &InputSpec, settings: &Settings, overlay: &Overlay) -> Outcome {
    let loaded = load_with(spec, settings, overlay);
    // The secrets to redact depend on the model alone: collected while the rules run.
    let ((diagnostics, suppressed), redactor) =
        rayon::join(|| run_rules(&loaded, settings), || timed("redaction", || redactor(&loaded)));
    outcome_redacted(loaded, diagnostics, suppressed, redactor)
}

/// `f`, its time added to the stage `stage`.
fn timed<T>(stage: &'static str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    timings::record(stage, t);
    out
}

/// An outcome from loaded inputs and their findings, redacted: every reporter, present or
/// future, prints its diagnostics as they are.
pub fn outcome(loaded: Loaded, diagnostics: Vec<Diagnostic>, suppressed: Vec<Suppressed>) -> Outcome {
    let redactor = timed("redaction", || redactor(&loaded));
    outcome_redacted(loaded, diagnostics, suppressed, redactor)
}

/// [`outcome`] with the loaded run's redactor.
fn outcome_redacted(
    loaded: Loaded,
    mut diagnostics: Vec<Diagnostic>,
    mut suppressed: Vec<Suppressed>,
    redactor: Redactor,
) -> Outcome {
    let t = Instant::now();
    redactor.diagnostics(&mut diagnostics);
    for s in &mut suppressed {
        redactor.diagnostics(std::slice::from_mut(&mut s.diagnostic));
        s.justification = redactor.text(&s.justification).into_owned();
    }
    timings::record("redaction", t);
    Outcome { loaded, diagnostics, suppressed, redactor }
}
