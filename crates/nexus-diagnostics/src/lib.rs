//! Diagnostics as plain data: which rule, what is wrong, where (byte spans), what to do, which
//! resource, an optional fix as span edits, and a fingerprint that survives edits elsewhere in the
//! file. Rendering is the reporters' job; deciding what is wrong is the rules'.
//!
//! A leaf of the pipeline: it knows spans (from `nexus-source`) and nothing of the model or the
//! rules. The public API: [`Diagnostic`] and its parts ([`Severity`], [`Label`], [`Fix`],
//! [`Edit`]), [`RuleInfo`] (the identity a diagnostic is built from), [`Suppressed`] (a finding
//! that a suppression accepted, with why), and [`finalize`].

use serde::Serialize;
use sha2::{Digest, Sha256};

use nexus_source::{SourceDb, Span};

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s {
            "info" => Severity::Info,
            "warning" => Severity::Warning,
            "error" => Severity::Error,
            _ => return None,
        })
    }
}

/// The identity of the rule a diagnostic belongs to.
pub trait RuleInfo {
    /// The stable code, `NX101`.
    fn code(&self) -> &'static str;
    /// The kebab-case name, `dependency-not-awaited`.
    fn name(&self) -> &'static str;
    /// The default severity.
    fn severity(&self) -> Severity;
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// A text edit: replace the bytes of `span` with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

/// A safe autofix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub message: String,
    pub edits: Vec<Edit>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// What is wrong: lower-case, no trailing period, values in backticks.
    pub message: String,
    /// The offending node, with a short label.
    pub primary: Label,
    /// Related nodes, possibly in other files.
    pub secondary: Vec<Label>,
    /// What to do.
    pub help: Option<String>,
    pub resource: Option<String>,
    /// The Helm template the primary node was rendered from.
    pub template: Option<String>,
    /// Extra identity for the fingerprint when one node can carry several findings of a rule
    /// (e.g. the provider's name).
    pub fingerprint_key: Option<String>,
    /// Filled in by [`finalize`].
    pub fingerprint: String,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    pub fn new<R: RuleInfo + ?Sized>(rule: &R, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code: rule.code(),
            name: rule.name(),
            severity: rule.severity(),
            message: message.into(),
            primary: Label { span, message: String::new() },
            secondary: Vec::new(),
            help: None,
            resource: None,
            template: None,
            fingerprint_key: None,
            fingerprint: String::new(),
            fix: None,
        }
    }

    /// The primary label's text.
    pub fn label(mut self, text: impl Into<String>) -> Self {
        self.primary.message = text.into();
        self
    }

    pub fn secondary(mut self, span: Span, text: impl Into<String>) -> Self {
        if span != self.primary.span {
            self.secondary.push(Label { span, message: text.into() });
        }
        self
    }

    pub fn help(mut self, text: impl Into<String>) -> Self {
        self.help = Some(text.into());
        self
    }

    /// The resource it is about (`Deployment/prod/api`, `compose:web`).
    pub fn resource(mut self, r: &impl std::fmt::Display) -> Self {
        self.resource = Some(r.to_string());
        self
    }

    pub fn template(mut self, t: Option<&str>) -> Self {
        self.template = t.map(str::to_string);
        self
    }

    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }

    pub fn key(mut self, k: impl Into<String>) -> Self {
        self.fingerprint_key = Some(k.into());
        self
    }

    pub fn fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    pub fn span(&self) -> Span {
        self.primary.span
    }
}

/// Where the suppression that accepted a finding is written.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SuppressionKind {
    /// In the checked files: a `# nexus-lint: ignore[…]` comment, an object annotation or a
    /// Compose `x-nexus-lint` extension.
    InSource,
    /// Outside them: an `ignores:` entry of `.nexus-lint.yaml`.
    External,
}

/// A finding that a suppression accepted: not reported, but kept for formats that show
/// suppressed results (SARIF `suppressions`, JUnit `skipped`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppressed {
    pub diagnostic: Diagnostic,
    /// The reason written with the suppression.
    pub justification: String,
    pub kind: SuppressionKind,
}

/// Sorts by file, position and code; drops exact duplicates (the same finding reached twice,
/// e.g. a Compose base file seen in two projects); computes fingerprints.
///
/// `locate` gives the structural path of a span in its file (`spec.template.spec.containers
/// [name=web].image`), which with the code, file, resource and key makes the fingerprint
/// independent of line numbers and message text.
pub fn finalize(diags: &mut Vec<Diagnostic>, db: &SourceDb, locate: &dyn Fn(Span) -> String) {
    diags.sort_by(|a, b| order(a, b, db));
    diags.dedup_by(|a, b| a.code == b.code && a.primary.span == b.primary.span && a.message == b.message);
    fingerprint(diags.iter_mut(), db, locate);
}

/// [`finalize`] for suppressed findings: the same order and fingerprints, so a finding keeps
/// its fingerprint whether or not it is suppressed.
pub fn finalize_suppressed(sups: &mut [Suppressed], db: &SourceDb, locate: &dyn Fn(Span) -> String) {
    sups.sort_by(|a, b| order(&a.diagnostic, &b.diagnostic, db));
    fingerprint(sups.iter_mut().map(|s| &mut s.diagnostic), db, locate);
}

fn order(a: &Diagnostic, b: &Diagnostic, db: &SourceDb) -> std::cmp::Ordering {
    let (fa, fb) = (&db.get(a.span().file).path, &db.get(b.span().file).path);
    fa.cmp(fb)
        .then(a.span().start.cmp(&b.span().start))
        .then(a.span().end.cmp(&b.span().end))
        .then(a.code.cmp(b.code))
        .then(a.message.cmp(&b.message))
        .then(a.resource.cmp(&b.resource))
}

fn fingerprint<'a>(diags: impl Iterator<Item = &'a mut Diagnostic>, db: &SourceDb, locate: &dyn Fn(Span) -> String) {
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    for d in diags {
        let mut h = Sha256::new();
        for part in [
            d.code,
            db.get(d.span().file).path.as_str(),
            d.resource.as_deref().unwrap_or(""),
            &locate(d.span()),
            d.fingerprint_key.as_deref().unwrap_or(""),
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        let digest = h.finalize();
        let mut fp: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let n = seen.entry(fp.clone()).or_insert(0);
        if *n > 0 {
            fp.push_str(&format!("-{n}"));
        }
        *n += 1;
        d.fingerprint = fp;
    }
}
