//! What `simulate` prints beside its diagnostics — the tables of each unit, replayed event logs,
//! the JSON document — names the platform's objects and quotes its commands, so it goes through
//! the same redaction and escaping as every report: [`clean`] for text, [`json_text`] for JSON.

use std::fmt::Write as _;

use nexus_diagnostics::Diagnostic;
use nexus_report as report;
use nexus_report::escape;
use nexus_report::redact::Redactor;
use nexus_sim::render;
use nexus_source::SourceDb;
use serde_json::{Value, json};

use super::{Simulation, Strategy, simulator};

/// What the simulation prints beside the diagnostics (tables, event logs, notes) names the
/// platform's objects and quotes its commands: redacted and escaped like any report.
pub fn clean(redactor: &Redactor, text: &str) -> String {
    escape::text(&redactor.text(text)).into_owned()
}

/// A timeline picture (SVG or HTML) with every secret masked: its row labels, race note and
/// event log quote the platform's steps and commands, escaped for XML, so each known value is
/// looked for both as written and as escaped; then what has the shape of a credential.
pub fn picture(redactor: &Redactor, text: &str) -> String {
    let values = redactor.values().iter().flat_map(|v| {
        let e = render::escape_xml(v);
        if e == *v { vec![e] } else { vec![v.clone(), e] }
    });
    Redactor::new(Vec::new(), values.collect(), Vec::new()).text(text).into_owned()
}

/// A JSON value with every string redacted ([`json_text`] escapes it as it prints).
pub fn redact_value(redactor: &Redactor, v: &mut Value) {
    match v {
        Value::String(s) => {
            if let std::borrow::Cow::Owned(o) = redactor.text(s) {
                *s = o;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| redact_value(redactor, x)),
        Value::Object(m) => m.values_mut().for_each(|x| redact_value(redactor, x)),
        _ => {}
    }
}

/// A JSON document, redacted, pretty-printed and escaped.
pub fn json_text(redactor: &Redactor, mut doc: Value) -> Vec<u8> {
    redact_value(redactor, &mut doc);
    let mut out = Vec::new();
    let _ = report::json::write_value(&mut out, &doc);
    out
}

/// The tables after the diagnostics: per unit, its plan, notes, what was left out, the races
/// Monte Carlo found and what PCT or the enumeration found, with the commands that replay them
/// (`prefix` gives a unit's command).
pub fn tables(s: &Simulation, strategy: Strategy, redactor: &Redactor, prefix: &dyn Fn(&str) -> String) -> String {
    let mut o = String::new();
    let what = match strategy {
        Strategy::MonteCarlo => format!("{} trials per unit", s.trials),
        Strategy::Pct => format!("{} PCT schedules per unit", s.trials),
        Strategy::Exhaustive => "every ordering of each unit".to_string(),
        Strategy::Auto => format!("{} trials per unit, then orderings or PCT schedules", s.trials),
    };
    let what = if s.options.scenario.is_install() {
        what
    } else {
        format!("the {} scenario, {what}", s.options.scenario.as_str())
    };
    let _ = writeln!(o, "\nSimulated {what} with master seed {} (rerun with --seed {}).", s.seed, s.seed);
    if s.runs.is_empty() {
        let _ = writeln!(o, "Nothing to simulate: no workload was found.");
    }
    for r in &s.runs {
        let u = &r.unit;
        let _ = writeln!(o, "\n== {}: deployed by {} ==", u.name, u.plan);
        for n in &u.notes {
            let _ = writeln!(o, "note: {n}");
        }
        if !u.left_out.is_empty() {
            let shown: Vec<&str> = u.left_out.iter().take(5).map(String::as_str).collect();
            let more = u.left_out.len() - shown.len();
            let more = if more > 0 { format!(", and {more} more (--format json lists them)") } else { String::new() };
            let _ = writeln!(o, "left out: {}{more}", shown.join(", "));
        }
        if strategy != Strategy::MonteCarlo {
            let _ = writeln!(o, "strategy: {}", r.strategy);
        }
        if let Ok(simulator) = simulator(u, s.options) {
            if let Some(report) = &r.report {
                o.push_str(&render::human(&simulator, report, &prefix(&u.name)));
            }
            if let Some(e) = &r.explore {
                if r.report.is_some() {
                    o.push('\n');
                }
                o.push_str(&render::explore_human(&simulator, e, &prefix(&u.name)));
            }
        }
    }
    clean(redactor, &o)
}

/// The JSON document: `check`'s (version, diagnostics, summary) and `simulation`
/// (`docs/simulate-output.schema.json`), not yet redacted ([`json_text`] does that).
pub fn json_document(db: &SourceDb, s: &Simulation, diags: &[Diagnostic]) -> Value {
    let mut doc = report::json::to_value(diags, db);
    let units: Vec<Value> = s
        .runs
        .iter()
        .map(|r| {
            let u = &r.unit;
            let origins: Vec<Value> = u
                .origins
                .iter()
                .map(|(o, info)| {
                    let f = db.get(info.span.file);
                    let pos = f.position(info.span.start);
                    json!({
                        "origin": o.0,
                        "what": info.what,
                        "file": f.path,
                        "line": pos.line,
                        "column": pos.column,
                        "resource": info.resource.as_ref().map(|r| r.to_string()),
                    })
                })
                .collect();
            let mut unit = json!({
                "name": u.name,
                "plan": u.plan,
                "left_out": u.left_out,
                "notes": u.notes,
                "origins": origins,
                "strategy": r.strategy,
            });
            if let Value::Object(m) = &mut unit {
                if let Some(report) = &r.report {
                    let report: Value = serde_json::from_str(&render::json(&u.platform, report)).unwrap_or(Value::Null);
                    m.insert("report".into(), report);
                }
                if let Some(e) = &r.explore {
                    m.insert("exploration".into(), serde_json::to_value(e).unwrap_or(Value::Null));
                }
            }
            unit
        })
        .collect();
    if let Value::Object(map) = &mut doc {
        map.insert(
            "simulation".into(),
            json!({
                "master_seed": s.seed,
                "trials": s.trials,
                "semantics_version": nexus_sim::run::SEMANTICS_VERSION,
                "units": units,
            }),
        );
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_picture_masks_secrets_as_written_and_as_escaped() {
        let r = Redactor::new(Vec::new(), vec!["s3cr&t<pw>".into(), "hunter2hunter2".into()], Vec::new());
        let svg = format!(
            "<text><title>{}</title>psql -w hunter2hunter2</text><pre>{}</pre>",
            render::escape_xml("s3cr&t<pw>"),
            "s3cr&t<pw>"
        );
        let out = picture(&r, &svg);
        for leak in ["hunter2hunter2", "s3cr&amp;t&lt;pw&gt;", "s3cr&t<pw>"] {
            assert!(!out.contains(leak), "{leak} in {out}");
        }
        assert_eq!(out, "<text><title>****</title>psql -w ****</text><pre>****</pre>");
    }
}
