//! A trial as a Gantt chart: one row per container (and one for the deploy plan), phases as
//! coloured bars, refused connections (✕), restarts (↻) and probe kills marked, the rows of the
//! highlighted race tinted and its moment drawn as a red line, a time axis with round ticks,
//! and a legend. Plain SVG 1.1, no scripts, no external resources.

use std::fmt::Write as _;

use crate::finding::Finding;
use crate::log::format_log;
use crate::run::Replay;
use crate::spec::{Millis, SimPlatform};
use crate::timeline::{self, MarkKind, Phase};

/// Width of the picture in px.
pub const WIDTH: u32 = 1200;
const LABEL_W: f64 = 250.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 56.0;
const ROW_H: f64 = 22.0;
const LEGEND_H: f64 = 64.0;

fn color(p: Phase) -> &'static str {
    match p {
        Phase::Pending => "#d9d9d9",
        Phase::Pulling => "#b3b3b3",
        Phase::Waiting => "#f2c14e",
        Phase::Init => "#9ecae1",
        Phase::Starting => "#6baed6",
        Phase::NotReady => "#fdae6b",
        Phase::Ready => "#41ab5d",
        Phase::BackOff => "#e6550d",
        Phase::Completed => "#807dba",
        Phase::Failed => "#a50f15",
        Phase::Step => "#636363",
    }
}

/// `s` escaped for XML text and attribute values.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A round tick step (1, 2 or 5 × 10^k ms) giving about `n` ticks over `span`.
fn tick_step(span: Millis, n: u64) -> Millis {
    let raw = (span / n.max(1)).max(1);
    let mut base: Millis = 1;
    while base.saturating_mul(10) <= raw {
        base *= 10;
    }
    for m in [1, 2, 5, 10] {
        if base.saturating_mul(m) >= raw {
            return base.saturating_mul(m);
        }
    }
    base.saturating_mul(10)
}

fn tick_label(t: Millis, step: Millis) -> String {
    if step >= 1000 { format!("{}s", t / 1000) } else { format!("{}.{:03}s", t / 1000, t % 1000) }
}

/// The height of the SVG for a timeline of `rows` rows.
pub fn height_for(rows: usize) -> u32 {
    (TOP + rows as f64 * ROW_H + LEGEND_H + 10.0).ceil() as u32
}

/// The Gantt chart of one trial; `race` highlights a finding of it. Its size is
/// [`WIDTH`] × [`height_for`]`(rows)`.
pub fn timeline_svg(p: &SimPlatform, replay: &Replay, race: Option<&Finding>) -> String {
    let tl = timeline::build(p, &replay.log, race);
    let end = tl.end.max(1000);
    let step = tick_step(end, 10);
    let span = end.div_ceil(step).max(1).saturating_mul(step);
    let plot_w = WIDTH as f64 - LABEL_W - RIGHT;
    let x = |t: Millis| LABEL_W + plot_w * (t.min(span) as f64 / span as f64);
    let h = height_for(tl.rows.len());
    let mut s = String::with_capacity(4096 + tl.rows.len() * 512);
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{h}" viewBox="0 0 {WIDTH} {h}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="12">"#
    );
    let _ = write!(s, r##"<rect x="0" y="0" width="{WIDTH}" height="{h}" fill="#ffffff"/>"##);
    let title = match &tl.race {
        Some((t, what)) => format!("trial {} — {what} at {:.3}s", replay.key, *t as f64 / 1000.0),
        None => format!("trial {}", replay.key),
    };
    let _ = write!(s, r#"<text x="10" y="20" font-size="14" font-weight="bold">{}</text>"#, esc(&title));
    // Axis and grid.
    let axis_y = TOP - 8.0;
    let bottom = TOP + tl.rows.len() as f64 * ROW_H;
    let mut t = 0;
    while t <= span {
        let xx = x(t);
        let _ = write!(
            s,
            r##"<line x1="{xx:.1}" y1="{axis_y:.1}" x2="{xx:.1}" y2="{bottom:.1}" stroke="#e5e5e5" stroke-width="1"/><text x="{xx:.1}" y="{:.1}" text-anchor="middle" fill="#444">{}</text>"##,
            axis_y - 4.0,
            tick_label(t, step)
        );
        match t.checked_add(step) {
            Some(n) => t = n,
            None => break,
        }
    }
    for (i, row) in tl.rows.iter().enumerate() {
        let y = TOP + i as f64 * ROW_H;
        if row.highlight {
            let _ = write!(s, r##"<rect x="0" y="{y:.1}" width="{WIDTH}" height="{ROW_H}" fill="#fff3b0"/>"##);
        } else if i % 2 == 1 {
            let _ = write!(s, r##"<rect x="0" y="{y:.1}" width="{WIDTH}" height="{ROW_H}" fill="#f7f7f7"/>"##);
        }
        let weight = if row.highlight { "bold" } else { "normal" };
        let label: String = row.label.chars().take(34).collect();
        let _ = write!(
            s,
            r#"<text x="8" y="{:.1}" font-weight="{weight}"><title>{}</title>{}</text>"#,
            y + 15.0,
            esc(&row.label),
            esc(&label)
        );
        for b in &row.bars {
            let (x0, x1) = (x(b.from), x(b.to));
            let _ = write!(
                s,
                r#"<rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}: {:.3}s – {:.3}s</title></rect>"#,
                y + 4.0,
                (x1 - x0).max(1.0),
                ROW_H - 8.0,
                color(b.phase),
                b.phase.label(),
                b.from as f64 / 1000.0,
                b.to as f64 / 1000.0
            );
        }
        for m in &row.marks {
            let (xx, yy) = (x(m.t), y + ROW_H / 2.0);
            match m.kind {
                MarkKind::Refused { crash } => {
                    let c = if crash { "#d7301f" } else { "#fc8d59" };
                    let _ = write!(
                        s,
                        r#"<path d="M{:.1},{:.1} l8,8 m0,-8 l-8,8" stroke="{c}" stroke-width="2.5"><title>connection refused at {:.3}s</title></path>"#,
                        xx - 4.0,
                        yy - 4.0,
                        m.t as f64 / 1000.0
                    );
                }
                MarkKind::Restart => {
                    let _ = write!(
                        s,
                        r##"<circle cx="{xx:.1}" cy="{yy:.1}" r="4" fill="none" stroke="#08519c" stroke-width="2"><title>restart at {:.3}s</title></circle>"##,
                        m.t as f64 / 1000.0
                    );
                }
                MarkKind::ConfigUpdated => {
                    let _ = write!(
                        s,
                        r##"<path d="M{xx:.1},{:.1} l5,5 l-5,5 l-5,-5 z" fill="#6a51a3"><title>config files updated at {:.3}s</title></path>"##,
                        yy - 5.0,
                        m.t as f64 / 1000.0
                    );
                }
                MarkKind::Killed | MarkKind::Failed => {
                    let _ = write!(
                        s,
                        r##"<path d="M{xx:.1},{:.1} l5,9 l-10,0 z" fill="#000000"><title>{} at {:.3}s</title></path>"##,
                        yy - 5.0,
                        if m.kind == MarkKind::Killed { "killed by probe" } else { "failed" },
                        m.t as f64 / 1000.0
                    );
                }
            }
        }
    }
    if let Some((t, what)) = &tl.race {
        let xx = x(*t);
        let _ = write!(
            s,
            r##"<line x1="{xx:.1}" y1="{:.1}" x2="{xx:.1}" y2="{bottom:.1}" stroke="#d7301f" stroke-width="2" stroke-dasharray="6,3"/><text x="{:.1}" y="{:.1}" fill="#d7301f" font-weight="bold">{}</text>"##,
            TOP - 30.0,
            xx + 4.0,
            TOP - 22.0,
            esc(what)
        );
    }
    // Legend.
    let ly = bottom + 18.0;
    for (i, ph) in Phase::ALL.iter().enumerate() {
        let (col, line) = (i % 5, i / 5);
        let (lx, yy) = (10.0 + col as f64 * 230.0, ly + line as f64 * 20.0);
        let _ = write!(
            s,
            r#"<rect x="{lx:.1}" y="{yy:.1}" width="14" height="12" fill="{}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            color(*ph),
            lx + 20.0,
            yy + 11.0,
            ph.label()
        );
    }
    let config = tl.rows.iter().any(|r| r.marks.iter().any(|m| m.kind == MarkKind::ConfigUpdated));
    let _ = write!(
        s,
        r##"<text x="10" y="{:.1}" fill="#444">✕ connection refused   ○ restart   ▲ killed by probe / failed   {}┆ the race</text>"##,
        ly + 52.0,
        if config { "◆ config files updated   " } else { "" }
    );
    s.push_str("</svg>\n");
    s
}

/// A self-contained HTML page: the SVG inline, then the trial's event log.
pub fn timeline_html(p: &SimPlatform, replay: &Replay, race: Option<&Finding>) -> String {
    let svg = timeline_svg(p, replay, race);
    let log = esc(&format_log(p, &replay.log));
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>nexus-lint simulate: trial {key}</title>\
<style>body{{font-family:system-ui,sans-serif;margin:1.5em;color:#222}}pre{{font-size:12px;background:#f7f7f7;padding:1em;overflow:auto}}</style>\
</head><body><h1>Trial {key}</h1>\n{svg}<h2>Event log</h2><pre>{log}</pre></body></html>\n",
        key = replay.key
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        assert_eq!(tick_step(120_000, 10), 20_000);
        assert_eq!(tick_step(9_000, 10), 1_000);
        assert_eq!(tick_step(650_000, 10), 100_000);
        assert_eq!(tick_step(0, 10), 1);
        assert_eq!(tick_label(20_000, 20_000), "20s");
    }
}
