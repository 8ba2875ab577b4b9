//! The human report: race table, time-to-ready table, and for each race the timeline of its
//! first failing trial with the command that replays it.

use std::fmt::Write as _;

use crate::explore::{ExploreReport, Verdict};
use crate::finding::{Detail, Finding};
use crate::log::{PLAN_ACTOR, What, describe, fmt_time, subject};
use crate::montecarlo::SimReport;
use crate::run::{Replay, Simulator};
use crate::spec::{Millis, SimPlatform};
use crate::stats::Quantiles;
use crate::timeline::finding_actors;

/// Seconds with one decimal: `12.3s`; `-` for none.
fn secs(t: Option<Millis>) -> String {
    t.map_or_else(|| "-".into(), |t| format!("{}.{}s", t / 1000, (t % 1000) / 100))
}

fn q(qs: &Quantiles) -> [String; 3] {
    [secs(qs.p50_ms), secs(qs.p95_ms), secs(qs.p99_ms)]
}

/// The whole human report. `command_prefix` is how the user ran the simulation (e.g.
/// `nexus-lint simulate fixtures/nexus`); each race's reproduction is that plus
/// `--replay KEY`. Re-runs each race's first failing trial to show its timeline.
pub fn human(sim: &Simulator<'_>, report: &SimReport, command_prefix: &str) -> String {
    let p = sim.platform();
    let mut o = String::new();
    let profile = report.options.profile;
    let _ = writeln!(
        o,
        "{} trials, master seed {} (semantics v{}, {} kubelet backoff, deadline {})",
        report.trials,
        report.master_seed,
        report.semantics_version,
        profile,
        secs(Some(report.options.deadline_ms))
    );
    o.push('\n');
    if report.races.is_empty() {
        let _ = writeln!(o, "No race in {} trials (each < 3/{} at 95%).", report.trials, report.trials);
    } else {
        let w = report.races.iter().map(|r| r.subject.chars().count()).max().unwrap_or(0).max(4);
        let _ = writeln!(o, "Races");
        let _ =
            writeln!(o, "  {:<6} {:<28} {:<w$}  {:<26}  first seen", "code", "kind", "race", "probability [95% CI]");
        for r in &report.races {
            let _ = writeln!(
                o,
                "  {:<6} {:<28} {:<w$}  {:<26}  trial {} at {}",
                r.code,
                r.name,
                r.subject,
                r.estimate.display(),
                r.first_trial,
                secs(Some(r.first_time_ms)),
            );
        }
    }
    o.push('\n');
    let w = p.actors.iter().map(|a| a.name.chars().count()).max().unwrap_or(0).max(8);
    let heading = match report.options.scenario {
        crate::engine::Scenario::ConfigChange => {
            "Time to the new configuration (every replica; after each config's edit; over the trials that got there)"
        }
        _ => "Time to ready (serving; over the trials that got there)",
    };
    let _ = writeln!(o, "{heading}");
    let _ = writeln!(
        o,
        "  {:<w$}  {:>8} {:>8} {:>8}  {:>9}  {:>9}  {:>8}  {:>11}",
        "workload", "p50", "p95", "p99", "not ready", "restarts", "max", "penalty p95"
    );
    for ws in &report.workloads {
        let [a, b, c] = q(&ws.time_to_ready);
        let mean = if report.trials == 0 { 0.0 } else { ws.restarts_total as f64 / report.trials as f64 };
        let _ = writeln!(
            o,
            "  {:<w$}  {:>8} {:>8} {:>8}  {:>9}  {:>9.2}  {:>8}  {:>11}",
            ws.name,
            a,
            b,
            c,
            ws.not_ready_trials,
            mean,
            ws.restarts_max,
            secs(ws.backoff_penalty.p95_ms)
        );
    }
    let [a, b, c] = q(&report.platform_time_to_ready);
    let _ = writeln!(o, "  {:<w$}  {:>8} {:>8} {:>8}  {:>9}", "(platform)", a, b, c, report.platform_not_ready_trials);
    if report.budget_exceeded_trials > 0 {
        let _ = writeln!(o, "\n{} trials exceeded the event budget and were stopped.", report.budget_exceeded_trials);
    }
    for race in &report.races {
        o.push('\n');
        let replay = sim.replay(race.first_trial);
        let _ = writeln!(o, "{} {}: {} — {}", race.code, race.name, race.subject, race.estimate.display());
        if let Some(f) = replay.findings.iter().find(|f| f.key() == race.key()) {
            let _ = writeln!(o, "  {}", explain(p, f));
            o.push_str(&race_timeline_text(p, &replay, f, 24));
        }
        let _ = writeln!(o, "  reproduce: {command_prefix} --replay {}", race.first_trial);
    }
    o
}

/// The human report of a PCT search or an enumeration: what ran, then either "no ordering of
/// these events fails" or the races with how many schedules or orderings had them (counts, not
/// probabilities), each with its first failing run's timeline and the command that replays it.
pub fn explore_human(sim: &Simulator<'_>, report: &ExploreReport, command_prefix: &str) -> String {
    let p = sim.platform();
    let mut o = String::new();
    let groups = |c: &[Vec<String>]| c.iter().map(|g| format!("[{}]", g.join(", "))).collect::<Vec<_>>().join(" ");
    let unit = match &report.verdict {
        Verdict::Pct { depth, schedules, change_point_range, actors } => {
            let _ = writeln!(
                o,
                "PCT: {schedules} schedules of depth {depth} over {actors} workloads ({} change point{} per schedule among {change_point_range} draws), master seed {}",
                depth.saturating_sub(1),
                if *depth == 2 { "" } else { "s" },
                report.master_seed
            );
            "schedules"
        }
        Verdict::Exhaustive { orderings, components, levels } => {
            let _ = writeln!(
                o,
                "Exhaustive: {orderings} orderings, {levels} timing levels per workload, interacting workloads enumerated together: {}",
                groups(components)
            );
            "orderings"
        }
        Verdict::TooLarge { needed, limit, components } => {
            let _ = writeln!(
                o,
                "Exhaustive: not run — {needed} orderings needed, more than the limit of {limit} (--max-orderings): {}",
                groups(components)
            );
            return o;
        }
    };
    if report.races.is_empty() {
        if report.proved_race_free() {
            let _ = writeln!(o, "No ordering of these events fails.");
        } else {
            let _ = writeln!(o, "No race in any schedule (a search: absence is not a proof).");
        }
        return o;
    }
    let w = report.races.iter().map(|r| r.subject.chars().count()).max().unwrap_or(0).max(4);
    let _ = writeln!(o, "Races found (counts of {unit}, not probabilities)");
    let _ = writeln!(o, "  {:<6} {:<28} {:<w$}  {:<20}  first", "code", "kind", "race", "found in");
    for r in &report.races {
        let _ = writeln!(
            o,
            "  {:<6} {:<28} {:<w$}  {:<20}  {} at {}",
            r.code,
            r.name,
            r.subject,
            format!("{} of {}", r.hits, r.runs),
            r.first_trial,
            secs(Some(r.first_time_ms)),
        );
    }
    for race in &report.races {
        o.push('\n');
        let replay = sim.replay(race.first_trial);
        let _ = writeln!(o, "{} {}: {} — in {} of {} {unit}", race.code, race.name, race.subject, race.hits, race.runs);
        if let Some(f) = replay.findings.iter().find(|f| f.key() == race.key()) {
            let _ = writeln!(o, "  {}", explain(p, f));
            o.push_str(&race_timeline_text(p, &replay, f, 24));
        }
        let _ = writeln!(o, "  reproduce: {command_prefix} --replay {}", race.first_trial);
    }
    o
}

/// One sentence about a finding.
fn explain(p: &SimPlatform, f: &Finding) -> String {
    let name = |a: crate::spec::ActorId| p.actors.get(a.index()).map_or("?", |a| a.name.as_str());
    match f.detail {
        Detail::EarlyConnect { consumer, provider } => format!(
            "{} connected to {} at {} before it was ready, and crashed",
            name(consumer),
            name(provider),
            secs(Some(f.time_ms))
        ),
        Detail::MigrationOverlap { app, .. } => {
            format!("{} served at {} before its migration completed", name(app), secs(Some(f.time_ms)))
        }
        Detail::ConcurrentMigration { datastore } => {
            format!("two migrations of {} ran at once at {}", name(datastore), secs(Some(f.time_ms)))
        }
        Detail::Stall { chain, why, len, deadlock } => {
            let mut links: Vec<String> = (0..usize::from(len))
                .map(|i| {
                    let why = serde_json::to_value(why[i]).ok().and_then(|v| v.as_str().map(str::to_string));
                    format!("{} ({})", name(chain[i]), why.unwrap_or_default().replace('_', " "))
                })
                .collect();
            if deadlock && let Some(&first) = chain.first() {
                links.push(format!("{} again: deadlock", name(first)));
            }
            format!("not ready by {}: {}", secs(Some(f.time_ms)), links.join(" → "))
        }
        Detail::CrashloopStorm { restarts_in_window, penalty_ms } => {
            format!("{restarts_in_window} restarts within the window; backoff penalty {}", secs(Some(penalty_ms)))
        }
        Detail::OrchestratorTimeout { reported_failure: true, converged_ms } => {
            format!("reported failure at {} but converged at {}", secs(Some(f.time_ms)), secs(converged_ms))
        }
        Detail::OrchestratorTimeout { reported_failure: false, .. } => {
            format!("reported success at {} but was not ready at the end", secs(Some(f.time_ms)))
        }
        Detail::SchemaSkew { app, new_on_old_ms, old_on_new_ms, .. } => format!(
            "{} rolled from {}: new pods on the old schema for {}, old pods on the new one for {}",
            name(app),
            secs(Some(f.time_ms)),
            secs(Some(new_on_old_ms)),
            secs(Some(old_on_new_ms))
        ),
        Detail::ConfigSkew { actor, config, replicas, files_first_ms, files_last_ms, .. } => {
            let what = crate::finding::Subject::Config(config).describe(p);
            let plural = if replicas == 1 { "" } else { "s" };
            let mut s = format!("{}: {replicas} replica{plural}, nothing rolls them when {what} changes", name(actor));
            let reads = p.config_uses.iter().filter(|u| u.actor == actor && u.config == config);
            let stale: Vec<String> = reads.filter(|u| !u.uptake.live()).map(|u| u.uptake.describe()).collect();
            if !stale.is_empty() {
                s.push_str(&format!("; {} keeps the old values until a restart", stale.join(", ")));
            }
            if let (Some(a), Some(b)) = (files_first_ms, files_last_ms) {
                s.push_str(&format!("; files updated {}–{} after the edit", secs(Some(a)), secs(Some(b))));
            }
            s
        }
    }
}

/// The events of a race's actors up to the finding (and a little after), at most `max` lines.
pub fn race_timeline_text(p: &SimPlatform, replay: &Replay, f: &Finding, max: usize) -> String {
    let actors = finding_actors(p, f);
    let quiet = |w: &What| {
        matches!(
            w,
            What::PodCreated | What::PodScheduled | What::ImagePulled | What::InEndpoints | What::ContainerReady
        )
    };
    // A config change's trial edits every config: show this finding's only.
    let other_config = |w: &What| match (f.detail, w) {
        (Detail::ConfigSkew { config, .. }, What::ConfigEdited { config: c } | What::ConfigSeen { config: c }) => {
            *c != config
        }
        _ => false,
    };
    let shown = |e: &&crate::log::LogEvent| actors.contains(&e.actor) && !quiet(&e.what) && !other_config(&e.what);
    let horizon = match f.detail {
        Detail::ConfigSkew { files_last_ms: Some(last), .. } => last.max(f.time_ms),
        _ => f.time_ms.saturating_add(60_000),
    };
    let lines: Vec<String> = replay
        .log
        .iter()
        .filter(|e| e.t <= horizon && shown(e))
        .map(|e| {
            let who = if e.actor == PLAN_ACTOR { "deploy".to_string() } else { subject(p, e) };
            let mark = if e.t == f.time_ms { "▶" } else { " " };
            format!("  {mark}{}  {}  {}", fmt_time(e.t), who, describe(p, &e.what))
        })
        .collect();
    let mut o = String::new();
    // Keep the lines around the finding when there are too many.
    let at = replay.log.iter().filter(|e| e.t < f.time_ms && shown(e)).count();
    let start = at.saturating_sub(max * 2 / 3).min(lines.len().saturating_sub(max));
    if start > 0 {
        let _ = writeln!(o, "    … {start} earlier events");
    }
    for l in lines.iter().skip(start).take(max) {
        o.push_str(l);
        o.push('\n');
    }
    let rest = lines.len().saturating_sub(start + max);
    if rest > 0 {
        let _ = writeln!(o, "    … {rest} more events");
    }
    o
}
