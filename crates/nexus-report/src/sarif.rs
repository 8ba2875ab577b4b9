//! `--format sarif`: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
//!
//! What peers get wrong, and what this does instead: every result has a physical region on
//! the real line and column of the offending node (never a made-up `startLine: 1`); the driver
//! has a non-empty name, a version, and one `rules` entry for each rule that fired, with its
//! Markdown documentation as help and a link to it; no empty objects; `partialFingerprints`
//! carry our fingerprint, which does not depend on message text or line numbers; each resource
//! is a logical location; suppressed findings are results with `suppressions` and their
//! justification; autofixes are `fixes` with replacements.
//!
//! Columns are UTF-16 code units (`columnKind: utf16CodeUnits`, as CodeQL writes and GitHub
//! reads); relative paths are relative to `%SRCROOT%`, the directory nexus-lint ran in, so a run
//! from the repository's top level gives the paths code scanning expects.

use std::io::{self, Write};

use serde::Serialize;

use super::{Region, RuleDoc, Tool, region, rule_doc};
use nexus_diagnostics::{Diagnostic, Severity, Suppressed, SuppressionKind};
use nexus_source::{SourceDb, Span};

pub const SCHEMA: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The `partialFingerprints` key of our fingerprint; bump the version if its recipe changes.
pub const FINGERPRINT_KEY: &str = "nexusLintFingerprint/v1";
/// The base that relative artifact URIs resolve against.
pub const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: ToolObj<'a>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct ToolObj<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'a str,
    version: &'a str,
    semantic_version: &'a str,
    information_uri: &'a str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct TextOwned {
    text: String,
}

#[derive(Serialize)]
struct Markdown<'a> {
    text: &'a str,
    markdown: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text<'a>,
    full_description: TextOwned,
    help: Markdown<'a>,
    help_uri: &'a str,
    default_configuration: Configuration,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties<'a> {
    tags: [&'a str; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: TextOwned,
    locations: [Location<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location<'a>>,
    partial_fingerprints: Fingerprints<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties<'a>>,
}

#[derive(Serialize)]
struct Fingerprints<'a> {
    #[serde(rename = "nexusLintFingerprint/v1")]
    fingerprint: &'a str,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    /// The Helm template the finding's object was rendered from.
    template: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: SarifRegion,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

impl From<Region> for SarifRegion {
    fn from(r: Region) -> Self {
        SarifRegion {
            start_line: r.start_line,
            start_column: r.start_column,
            end_line: r.end_line,
            end_column: r.end_column,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    name: &'a str,
    fully_qualified_name: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix<'a> {
    description: Text<'a>,
    artifact_changes: Vec<ArtifactChange<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: DeletedRegion,
    #[serde(skip_serializing_if = "Option::is_none")]
    inserted_content: Option<Text<'a>>,
}

/// An edit's region: lines and columns as everywhere, and the exact byte range, which with
/// line/column regions is what lets a consumer apply the replacement byte for byte.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeletedRegion {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
struct SarifSuppression<'a> {
    kind: &'static str,
    justification: &'a str,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// An artifact URI for a path as nexus-lint shows it: relative paths stay relative (to
/// `%SRCROOT%`), absolute ones become `file:` URIs; both percent-encoded.
pub fn artifact_uri(path: &str) -> (String, Option<&'static str>) {
    let path = path.replace('\\', "/");
    let windows_drive = path.len() > 2 && path.as_bytes()[1] == b':' && path.as_bytes()[0].is_ascii_alphabetic();
    if path.starts_with('/') {
        (format!("file://{}", encode(&path)), None)
    } else if windows_drive {
        (format!("file:///{}", encode(&path)), None)
    } else {
        let rel = path.trim_start_matches("./");
        (encode(rel), Some(SRCROOT))
    }
}

/// Percent-encodes everything but unreserved characters, `/` and a drive letter's `:`.
fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for (i, b) in path.bytes().enumerate() {
        let keep = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') || (b == b':' && i == 1);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn artifact(db: &SourceDb, span: Span) -> ArtifactLocation {
    let (uri, uri_base_id) = artifact_uri(&db.get(span.file).path);
    ArtifactLocation { uri, uri_base_id }
}

fn physical(db: &SourceDb, span: Span) -> PhysicalLocation {
    PhysicalLocation { artifact_location: artifact(db, span), region: region(db, span).into() }
}

/// `Deployment/prod/api` → `api`; `compose:web` → `web`.
fn short_name(resource: &str) -> &str {
    resource.rsplit(['/', ':']).next().unwrap_or(resource)
}

/// The rule document's text between `## What it does` and the next heading, else the summary.
fn full_description(doc: &RuleDoc<'_>) -> String {
    let mut lines = doc.markdown.lines().skip_while(|l| !l.starts_with("## What it does")).skip(1);
    let text: Vec<&str> = lines.by_ref().take_while(|l| !l.starts_with("## ")).collect();
    let text = text.join("\n").trim().to_string();
    if text.is_empty() { doc.summary.to_string() } else { text }
}

fn result<'a>(
    d: &'a Diagnostic,
    suppression: Option<&'a Suppressed>,
    rule_index: usize,
    db: &SourceDb,
) -> SarifResult<'a> {
    let mut message = d.message.clone();
    if let Some(h) = &d.help {
        message.push_str("\n\n");
        message.push_str(h);
    }
    let logical = d
        .resource
        .as_deref()
        .map(|r| LogicalLocation { name: short_name(r), fully_qualified_name: r, kind: "resource" })
        .into_iter()
        .collect();
    let primary = Location {
        id: None,
        physical_location: physical(db, d.span()),
        logical_locations: logical,
        message: (!d.primary.message.is_empty()).then_some(Text { text: &d.primary.message }),
    };
    let related = d
        .secondary
        .iter()
        .enumerate()
        .map(|(i, l)| Location {
            id: Some(i + 1),
            physical_location: physical(db, l.span),
            logical_locations: Vec::new(),
            message: Some(Text { text: &l.message }),
        })
        .collect();
    let fixes = d
        .fix
        .iter()
        .map(|f| {
            // One artifactChange per file, in the order the files first appear.
            let mut changes: Vec<(nexus_source::FileId, ArtifactChange<'_>)> = Vec::new();
            for e in &f.edits {
                let r = exact(db, e.span).unwrap_or_else(|| region(db, e.span));
                let replacement = Replacement {
                    deleted_region: DeletedRegion {
                        start_line: r.start_line,
                        start_column: r.start_column,
                        end_line: r.end_line,
                        end_column: r.end_column,
                    },
                    inserted_content: (!e.replacement.is_empty()).then_some(Text { text: &e.replacement }),
                };
                match changes.iter_mut().find(|(f, _)| *f == e.span.file) {
                    Some((_, c)) => c.replacements.push(replacement),
                    None => changes.push((
                        e.span.file,
                        ArtifactChange { artifact_location: artifact(db, e.span), replacements: vec![replacement] },
                    )),
                }
            }
            SarifFix {
                description: Text { text: &f.message },
                artifact_changes: changes.into_iter().map(|c| c.1).collect(),
            }
        })
        .collect();
    let suppressions = suppression
        .map(|s| SarifSuppression {
            kind: match s.kind {
                SuppressionKind::InSource => "inSource",
                SuppressionKind::External => "external",
            },
            justification: &s.justification,
        })
        .into_iter()
        .collect();
    SarifResult {
        rule_id: d.code,
        rule_index,
        level: level(d.severity),
        message: TextOwned { text: message },
        locations: [primary],
        related_locations: related,
        partial_fingerprints: Fingerprints { fingerprint: &d.fingerprint },
        fixes,
        suppressions,
        properties: d.template.as_deref().map(|template| ResultProperties { template }),
    }
}

/// The region of an edit exactly as its bytes are (a replacement must not lose a line break).
fn exact(db: &SourceDb, span: Span) -> Option<Region> {
    let f = db.get(span.file);
    let at = |offset: u32| {
        let p = f.lines.position(&f.text, offset);
        let line_start = f.lines.line_start(p.line)? as usize;
        let col = f.text.get(line_start..offset as usize)?.encode_utf16().count() as u32 + 1;
        Some((p.line, col))
    };
    let (start_line, start_column) = at(span.start)?;
    let (end_line, end_column) = at(span.end)?;
    Some(Region { start_line, start_column, end_line, end_column })
}

/// Writes one SARIF log with one run: the reported findings, then the suppressed ones.
pub fn write(
    w: &mut dyn Write,
    diags: &[Diagnostic],
    suppressed: &[Suppressed],
    db: &SourceDb,
    tool: &Tool<'_>,
    rules: &[RuleDoc<'_>],
) -> io::Result<()> {
    // The rules that fired, in code order.
    let mut fired: Vec<&str> =
        diags.iter().map(|d| d.code).chain(suppressed.iter().map(|s| s.diagnostic.code)).collect();
    fired.sort_unstable();
    fired.dedup();
    let docs: Vec<(&str, Option<&RuleDoc<'_>>)> = fired.iter().map(|c| (*c, rule_doc(rules, c))).collect();
    let index = |code: &str| docs.iter().position(|(c, _)| *c == code).unwrap_or(0);
    let rule_objects = docs
        .iter()
        .map(|(code, doc)| match doc {
            Some(doc) => Rule {
                id: doc.code,
                name: doc.name,
                short_description: Text { text: doc.summary },
                full_description: TextOwned { text: full_description(doc) },
                help: Markdown { text: doc.markdown, markdown: doc.markdown },
                help_uri: doc.help_uri,
                default_configuration: Configuration { level: level(doc.severity) },
                properties: RuleProperties { tags: [doc.family] },
            },
            // Every code comes from the registry, so this is only reached by a caller that
            // passes no documentation; the entry is still valid.
            None => Rule {
                id: code,
                name: code,
                short_description: Text { text: code },
                full_description: TextOwned { text: code.to_string() },
                help: Markdown { text: code, markdown: code },
                help_uri: tool.information_uri,
                default_configuration: Configuration { level: "warning" },
                properties: RuleProperties { tags: ["nexus-lint"] },
            },
        })
        .collect();
    let results = diags
        .iter()
        .map(|d| result(d, None, index(d.code), db))
        .chain(suppressed.iter().map(|s| result(&s.diagnostic, Some(s), index(s.diagnostic.code), db)))
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: ToolObj {
                driver: Driver {
                    name: tool.name,
                    version: tool.version,
                    semantic_version: tool.version,
                    information_uri: tool.information_uri,
                    rules: rule_objects,
                },
            },
            column_kind: "utf16CodeUnits",
            results,
        }],
    };
    // Control characters from the checked files as JSON escapes, like `--format json`.
    super::json::write_value(w, &log)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(artifact_uri("k8s/app deploy.yaml"), ("k8s/app%20deploy.yaml".into(), Some(SRCROOT)));
        assert_eq!(artifact_uri("./a/b.yaml"), ("a/b.yaml".into(), Some(SRCROOT)));
        assert_eq!(artifact_uri("/tmp/x#1.yaml"), ("file:///tmp/x%231.yaml".into(), None));
        assert_eq!(artifact_uri("C:\\repo\\a.yaml"), ("file:///C:/repo/a.yaml".into(), None));
        assert_eq!(artifact_uri("é.yaml").0, "%C3%A9.yaml");
    }

    #[test]
    fn short_names() {
        assert_eq!(short_name("Deployment/prod/api"), "api");
        assert_eq!(short_name("compose:web"), "web");
        assert_eq!(short_name("x"), "x");
    }
}
