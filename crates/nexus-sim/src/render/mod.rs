//! Output pieces for the CLI: the human report ([`human`]), JSON ([`json`], documented by
//! `docs/simulate-report.schema.json` at the repository root), and a trial's timeline as SVG or self-contained HTML
//! ([`timeline_svg`], [`timeline_html`]).

mod svg;
mod text;

pub use svg::{WIDTH as SVG_WIDTH, esc as escape_xml, height_for as svg_height, timeline_html, timeline_svg};
pub use text::{explore_human, human, race_timeline_text};

use crate::montecarlo::SimReport;
use crate::spec::SimPlatform;

/// The JSON document's `$id`-like version tag.
pub const JSON_SCHEMA_ID: &str = "https://nexus-lint.dev/schemas/simulate-report/v1.json";

#[derive(serde::Serialize)]
struct JsonDoc<'a> {
    schema: &'static str,
    #[serde(flatten)]
    report: &'a SimReport,
    actors: Vec<JsonActor<'a>>,
}

#[derive(serde::Serialize)]
struct JsonActor<'a> {
    index: u32,
    name: &'a str,
    kind: &'static str,
    origin: u32,
}

/// The report as pretty-printed JSON (valid against `docs/simulate-report.schema.json` at the repository root),
/// with the platform's actors so subjects can be named.
pub fn json(p: &SimPlatform, report: &SimReport) -> String {
    let actors = p
        .actors
        .iter()
        .enumerate()
        .map(|(i, a)| JsonActor { index: i as u32, name: &a.name, kind: a.kind.as_str(), origin: a.origin.0 })
        .collect();
    let doc = JsonDoc { schema: JSON_SCHEMA_ID, report, actors };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
