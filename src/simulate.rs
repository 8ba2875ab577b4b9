//! The `simulate` pipeline: the platform as `check` loads it → [`nexus_sim::lower`] into
//! deployment units (the Kubernetes manifests by their deploy plan, each Compose project) →
//! per unit, the [`Strategy`]'s runs (Monte Carlo trials, PCT schedules, enumerated orderings) →
//! NX901–NX906 as [`Diagnostic`]s, each at the manifest node that would fix it, with the
//! probability and its interval in the message (or, for what only exploration found, how many
//! schedules or orderings had it: a count, never a probability).
//!
//! `check --simulate` runs the same pipeline with fewer trials after the rules.

use nexus_diagnostics::Diagnostic;
use nexus_model::{Platform, Span};
use nexus_sim::engine::SimOptions;
use nexus_sim::explore::{ExploreReport, FoundRace, Verdict, exhaustive, pct};
use nexus_sim::finding::{Detail, FindingKind, RaceId, Subject};
use nexus_sim::lower::{self, LowerOptions, Problem, Unit};
use nexus_sim::montecarlo::{RaceStat, RunConfig, SimReport};
use nexus_sim::run::{Simulator, TrialKey};
use nexus_sim::spec::{ActorId, Origin, SimPlatform};
use nexus_sim::stats::{Estimate, percent};
use nexus_source::SourceDb;

use crate::config::{Settings, SimSettings};

mod config_change;
pub mod output;

/// What to simulate and how.
#[derive(Clone, Debug)]
pub struct Options {
    pub trials: u64,
    pub seed: u64,
    pub sim: SimOptions,
    pub lower: LowerOptions,
    /// Only this unit (`kubernetes`, `compose:<project>`).
    pub unit: Option<String>,
    pub strategy: Strategy,
    /// PCT's depth: `depth − 1` change points per schedule.
    pub pct_depth: u8,
    /// The most orderings an exhaustive enumeration runs.
    pub max_orderings: u64,
}

/// How the trials of a unit choose their durations (research C6).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Strategy {
    /// Sampled: unbiased probabilities with their 95% intervals.
    #[default]
    #[value(alias = "random")]
    MonteCarlo,
    /// PCT priority schedules (`--trials` of them): rare orderings found fast; counts, not
    /// probabilities.
    Pct,
    /// Every ordering of the interacting workloads, when there are at most `--max-orderings`:
    /// proves a unit race-free, or finds its races.
    Exhaustive,
    /// Monte Carlo, then exhaustive enumeration when the unit is small enough, else PCT.
    Auto,
}

/// `--scenario`: what a trial deploys.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ScenarioArg {
    /// A first install: nothing runs yet.
    #[default]
    Install,
    /// The deploy plan applied again over a serving platform: the release's workloads roll
    /// (maxSurge, maxUnavailable, readiness, minReadySeconds) beside its migration.
    Upgrade,
    /// A ConfigMap or Secret edited while the platform serves: which replicas keep the old
    /// values (env, subPath), which see the new ones after the kubelet's sync delay (volumes),
    /// and which a rollout trigger replaces.
    ConfigChange,
}

impl From<ScenarioArg> for nexus_sim::engine::Scenario {
    fn from(s: ScenarioArg) -> Self {
        match s {
            ScenarioArg::Install => nexus_sim::engine::Scenario::Install,
            ScenarioArg::Upgrade => nexus_sim::engine::Scenario::Upgrade,
            ScenarioArg::ConfigChange => nexus_sim::engine::Scenario::ConfigChange,
        }
    }
}

/// PCT schedules that `auto` runs after Monte Carlo when the enumeration is too large.
pub const AUTO_PCT_SCHEDULES: u64 = 1_000;

impl Options {
    pub fn new(s: &SimSettings, trials: u64, seed: u64) -> Options {
        Options {
            trials,
            seed,
            sim: SimOptions { profile: s.profile, deadline_ms: s.deadline_ms, ..SimOptions::default() },
            lower: LowerOptions {
                timing: s.timing,
                deploy_script: s.deploy_script.clone(),
                compose_wait: s.compose_wait,
            },
            unit: None,
            strategy: Strategy::MonteCarlo,
            pct_depth: pct::DEFAULT_DEPTH,
            max_orderings: exhaustive::DEFAULT_LIMIT,
        }
    }
}

/// A master seed for a run that was given none: different on every run (it is printed, so
/// the run can be repeated).
pub fn fresh_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    h.write_u128(nanos);
    h.write_u32(std::process::id());
    // Keep it short enough to type.
    h.finish() % 1_000_000_000
}

/// One unit and what its trials measured.
#[derive(Debug)]
pub struct UnitRun {
    pub unit: Unit,
    /// Monte Carlo's report (`monte-carlo` and `auto`).
    pub report: Option<SimReport>,
    /// PCT's or the enumeration's (`pct`, `exhaustive`, and `auto`).
    pub explore: Option<ExploreReport>,
    /// What ran, in words: `monte-carlo`, `auto: monte-carlo, then exhaustive (732 orderings ≤ 50000)`.
    pub strategy: String,
}

/// A whole simulation.
#[derive(Debug)]
pub struct Simulation {
    pub runs: Vec<UnitRun>,
    /// Annotations that could not be read.
    pub problems: Vec<Problem>,
    pub seed: u64,
    pub trials: u64,
    pub options: SimOptions,
}

/// Why a simulation could not run.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("no unit `{0}` (units: {1})")]
    NoUnit(String, String),
    #[error("{0}")]
    Spec(String),
}

/// The units to simulate (all, or the one asked for).
pub fn units(platform: &Platform, opts: &Options) -> Result<(Vec<Unit>, Vec<Problem>), SimError> {
    let lowered = lower::lower(platform, &opts.lower);
    let mut units = lowered.units;
    if let Some(want) = &opts.unit {
        let names: Vec<String> = units.iter().map(|u| u.name.clone()).collect();
        units.retain(|u| &u.name == want);
        if units.is_empty() {
            return Err(SimError::NoUnit(want.clone(), names.join(", ")));
        }
    }
    Ok((units, lowered.problems))
}

pub fn simulator(u: &Unit, opts: SimOptions) -> Result<Simulator<'_>, SimError> {
    Simulator::new(&u.platform, opts).map_err(|e| SimError::Spec(format!("{}: {e}", u.name)))
}

/// Trials (or schedules) the progress bar counts per unit; enumerations are not counted.
pub fn progress_per_unit(opts: &Options) -> u64 {
    match opts.strategy {
        Strategy::MonteCarlo | Strategy::Pct => opts.trials,
        Strategy::Exhaustive => 0,
        Strategy::Auto => opts.trials,
    }
}

/// Runs every unit; `progress(done, total)` counts trials over all units.
pub fn run(platform: &Platform, opts: &Options, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<Simulation, SimError> {
    let (mut units, problems) = units(platform, opts)?;
    // A unit whose scenario is not played is listed with why, and not run.
    for u in &mut units {
        if let Err(why) = not_played(&u.platform, opts.sim.scenario) {
            u.notes.push(why);
        }
    }
    let per = progress_per_unit(opts);
    let total = per.saturating_mul(units.len() as u64);
    let mut runs = Vec::with_capacity(units.len());
    for (i, unit) in units.into_iter().enumerate() {
        let offset = per.saturating_mul(i as u64);
        let at = |d: u64, _| progress(offset + d, total);
        let skip = not_played(&unit.platform, opts.sim.scenario).is_err();
        let (report, explore, strategy) = if skip {
            (None, None, "not simulated".to_string())
        } else {
            let sim = simulator(&unit, opts.sim)?;
            let mc = || sim.run_with_progress(RunConfig { trials: opts.trials, master_seed: opts.seed }, &at);
            match opts.strategy {
                Strategy::MonteCarlo => (Some(mc()), None, "monte-carlo".to_string()),
                Strategy::Pct => {
                    let e = sim.pct(opts.seed, opts.pct_depth, opts.trials, &at);
                    (None, Some(e), format!("pct (depth {})", opts.pct_depth.max(1)))
                }
                Strategy::Exhaustive => {
                    let e = sim.exhaustive(opts.seed, opts.max_orderings, &|_, _| {});
                    (None, Some(e), "exhaustive".to_string())
                }
                Strategy::Auto => {
                    let report = mc();
                    let needed = sim.exhaustive_orderings();
                    let (e, why) = if needed <= opts.max_orderings {
                        let e = sim.exhaustive(opts.seed, opts.max_orderings, &|_, _| {});
                        (e, format!("exhaustive ({needed} orderings ≤ {})", opts.max_orderings))
                    } else {
                        let e = sim.pct(opts.seed, opts.pct_depth, AUTO_PCT_SCHEDULES, &|_, _| {});
                        (
                            e,
                            format!(
                                "pct, {AUTO_PCT_SCHEDULES} schedules of depth {} ({needed} orderings > {})",
                                opts.pct_depth.max(1),
                                opts.max_orderings
                            ),
                        )
                    };
                    (Some(report), Some(e), format!("auto: monte-carlo, then {why}"))
                }
            }
        };
        runs.push(UnitRun { unit, report, explore, strategy });
    }
    Ok(Simulation { runs, problems, seed: opts.seed, trials: opts.trials, options: opts.sim })
}

/// Why `scenario` is not played on a unit (`upgrade not simulated: …`), or `Ok`.
fn not_played(p: &SimPlatform, scenario: nexus_sim::engine::Scenario) -> Result<(), String> {
    use nexus_sim::engine::{Scenario, config_change, upgrade};
    match scenario {
        Scenario::Install => Ok(()),
        Scenario::Upgrade => upgrade::supported(p).map_err(|why| format!("upgrade not simulated: {why}")),
        Scenario::ConfigChange => {
            config_change::supported(p).map_err(|why| format!("config change not simulated: {why}"))
        }
    }
}

fn name(p: &SimPlatform, a: ActorId) -> &str {
    p.actors.get(a.index()).map_or("?", |a| a.name.as_str())
}

/// `99.8% of starts (95% CI 99.7–99.9%, 20000 trials)`.
pub fn probability(e: &Estimate) -> String {
    let lo = percent(e.lo);
    format!("{} of starts (95% CI {}–{}, {} trials)", percent(e.p), lo.trim_end_matches('%'), percent(e.hi), e.n)
}

fn secs(ms: u64) -> String {
    if ms.is_multiple_of(60_000) && ms >= 60_000 {
        format!("{} min", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// How one race reads as a diagnostic: the message, the primary label, secondary labels (by
/// origin) and the help.
struct Words {
    message: String,
    label: String,
    secondary: Vec<(Origin, String)>,
    help: String,
}

/// The first line of a deploy step as written (`kubectl wait … deployment/search`), shortened.
fn step_text(db: &SourceDb, s: Span) -> Option<String> {
    let f = db.get(s.file);
    let text = f.text.get(s.start as usize..s.end as usize)?.lines().next()?.trim().trim_end_matches('\\').trim();
    let short: String = text.chars().take(80).collect();
    (!short.is_empty()).then(|| if short.len() < text.len() { format!("{short}…") } else { short })
}

/// A race as the diagnostics need it, from Monte Carlo or from exploration.
struct RaceView<'a> {
    id: &'a RaceId,
    first_trial: TrialKey,
    /// `31.1% of starts (95% CI …)`, `3 of 1000 PCT schedules (…)`.
    how_often: String,
}

impl<'a> RaceView<'a> {
    fn of_stat(r: &'a RaceStat) -> RaceView<'a> {
        RaceView { id: &r.id, first_trial: r.first_trial, how_often: probability(&r.estimate) }
    }

    fn of_found(r: &'a FoundRace, e: &ExploreReport) -> RaceView<'a> {
        RaceView { id: &r.id, first_trial: r.first_trial, how_often: found_in(r, e) }
    }
}

/// `3 of 1000 PCT schedules (depth 3; a search, not a probability)`, `570 of 732 enumerated
/// orderings`.
pub fn found_in(r: &FoundRace, e: &ExploreReport) -> String {
    match e.verdict {
        Verdict::Pct { depth, .. } => {
            format!("{} of {} PCT schedules (depth {depth}; a priority search, not a probability)", r.hits, r.runs)
        }
        _ => format!("{} of {} enumerated orderings (not a probability)", r.hits, r.runs),
    }
}

fn words(run: &UnitRun, race: &RaceView, sim: &Simulator<'_>, db: &SourceDb) -> Words {
    let p = &run.unit.platform;
    let compose = run.unit.name.starts_with("compose:");
    let prob = &race.how_often;
    let origin_of = |s: Subject| s.origin(p);
    // The first failing trial, for the facts the race key does not hold.
    let replay = sim.replay(race.first_trial);
    let detail = replay.findings.iter().find(|f| f.key() == race.id.key()).map(|f| f.detail);
    let opts = sim.options();
    match (race.id.kind, race.id.primary) {
        (FindingKind::EarlyConnect, Subject::Dependency(i)) => {
            let d = &p.dependencies[i as usize];
            let (c, pv) = (name(p, d.consumer), name(p, d.provider));
            let gate = if compose {
                format!("a `depends_on` entry for `{pv}` with `condition: service_healthy` (and a healthcheck on it)")
            } else {
                format!("an init container that waits for `{pv}` with a timeout")
            };
            Words {
                message: format!("`{c}` connects to `{pv}` before it is ready in {prob}"),
                label: format!("`{c}` connects to `{pv}` here, and nothing makes it wait"),
                secondary: vec![(p.actors[d.provider.index()].origin, format!("`{pv}` is not ready yet"))],
                help: format!(
                    "Make `{c}` wait for `{pv}`: {gate}, or declare `nexus-lint.io/retries-dependencies: \"true\"` if the app retries by itself."
                ),
            }
        }
        (FindingKind::MigrationOverlap, Subject::Actor(app)) => {
            let m = race.id.secondary.and_then(|s| match s {
                Subject::Migration(m) => p.migrations.get(m as usize),
                _ => None,
            });
            let runner = m.map_or("?", |m| name(p, m.runner));
            let how = if compose {
                format!("a `depends_on` entry for `{runner}` with `condition: service_completed_successfully`")
            } else {
                format!(
                    "an init container that waits for the Job (`kubectl wait --for=condition=complete job/{runner}`), a Helm pre-install/pre-upgrade hook, or an earlier Argo CD sync wave"
                )
            };
            Words {
                message: format!("`{}` serves before its migration (`{runner}`) completed in {prob}", name(p, app)),
                label: format!("`{}` can serve the old schema", name(p, app)),
                secondary: m.map(|m| (m.origin, "the migration it needs".to_string())).into_iter().collect(),
                help: format!("Start `{}` only once the migration completed: {how}.", name(p, app)),
            }
        }
        (FindingKind::ConcurrentMigration, Subject::Migration(i)) => {
            let m = &p.migrations[i as usize];
            let other = race.id.secondary.map(origin_of);
            Words {
                message: format!(
                    "two runs of the migration of `{}` by `{}` overlap in {prob}",
                    name(p, m.datastore),
                    name(p, m.runner)
                ),
                label: "this migration runs more than once at a time".into(),
                secondary: other.filter(|o| *o != m.origin).map(|o| (o, "overlaps with this one".into())).into_iter().collect(),
                help: "Run the migration once, before the app (a Job with `parallelism: 1`, not an init container or entrypoint of a replicated workload), or declare `nexus-lint.io/migration-lock: \"true\"` if the tool takes a lock.".into(),
            }
        }
        (FindingKind::StartupStall, Subject::Actor(a)) => {
            let chain = match detail {
                Some(Detail::Stall { chain, len, deadlock, .. }) => {
                    let mut names: Vec<String> =
                        chain[..usize::from(len)].iter().map(|x| format!("`{}`", name(p, *x))).collect();
                    if deadlock {
                        names.push("… (a cycle: deadlock)".into());
                    }
                    names.join(" → ")
                }
                _ => format!("`{}`", name(p, a)),
            };
            Words {
                message: format!(
                    "`{}` is not ready by the {} deadline in {prob}",
                    name(p, a),
                    secs(opts.deadline_ms)
                ),
                label: format!("blocked: {chain}"),
                secondary: race.id.secondary.map(|s| (origin_of(s), "what it waits on".to_string())).into_iter().collect(),
                help: "Follow the blocked-on chain in the failing trial's timeline: a wait that never ends, a Job that gives up, or a dependency that never becomes ready.".into(),
            }
        }
        (FindingKind::CrashloopStorm, Subject::Actor(a)) => {
            let pen =
                run.report.as_ref().and_then(|r| r.workloads.get(a.index())).and_then(|w| w.backoff_penalty.p95_ms);
            let pen = pen.map_or(String::new(), |ms| format!(" (back-off penalty p95 {})", secs(ms)));
            Words {
                message: format!(
                    "`{}` crash-loops in {prob}: {} restarts within {}, or {} of back-off after its dependencies were ready{pen}",
                    name(p, a),
                    opts.storm_restarts,
                    secs(opts.storm_window_ms),
                    secs(opts.storm_penalty_ms)
                ),
                label: "restarts until its dependencies are ready".into(),
                secondary: Vec::new(),
                help: format!(
                    "Gate `{}` on what it connects to (an init container that waits, or a `depends_on` condition) so it starts once, or make it retry instead of exiting.",
                    name(p, a)
                ),
            }
        }
        (FindingKind::OrchestratorTimeout, _) => {
            let verdict = match detail {
                Some(Detail::OrchestratorTimeout { reported_failure: true, converged_ms }) => format!(
                    "reports failure although its targets became ready later{}",
                    converged_ms.map_or(String::new(), |ms| format!(" (at {} in the first such start)", secs(ms)))
                ),
                Some(Detail::OrchestratorTimeout { reported_failure: false, .. }) => {
                    "reports success although its targets were not ready at the end".into()
                }
                _ => "reports an outcome the platform does not have".into(),
            };
            let what = match race.id.primary {
                Subject::Actor(a) => format!("`{}`'s rollout (`progressDeadlineSeconds`)", name(p, a)),
                _ => run
                    .unit
                    .origins
                    .get(race.id.primary_origin)
                    .and_then(|o| step_text(db, o.span))
                    .map_or_else(|| "a deploy step".to_string(), |t| format!("`{t}`")),
            };
            Words {
                message: format!("{what} {verdict} in {prob}"),
                label: "its timeout does not match how long the platform takes".into(),
                secondary: race.id.secondary.map(|s| (origin_of(s), "what it waits for".to_string())).into_iter().collect(),
                help: "Give the wait a timeout above the time-to-ready p99 in the simulation's table, or wait for something that proves readiness.".into(),
            }
        }
        (FindingKind::SchemaSkew, Subject::Actor(a)) => {
            let m = race.id.secondary.and_then(|s| match s {
                Subject::Migration(m) => p.migrations.get(m as usize),
                _ => None,
            });
            let runner = m.map_or("?", |m| name(p, m.runner));
            let app = name(p, a);
            let (new_on_old, old_on_new) = match detail {
                Some(Detail::SchemaSkew { new_on_old_ms, old_on_new_ms, .. }) => (new_on_old_ms, old_on_new_ms),
                _ => (0, 0),
            };
            let mut windows = Vec::new();
            if new_on_old > 0 {
                windows.push(format!("new pods serve against the old schema for {}", secs(new_on_old)));
            }
            if old_on_new > 0 {
                windows.push(format!("old pods serve against the new schema for {}", secs(old_on_new)));
            }
            let windows = if windows.is_empty() {
                String::new()
            } else {
                format!(" ({} in the first such upgrade)", windows.join(", "))
            };
            Words {
                message: format!(
                    "during an upgrade, `{app}` runs two versions against one schema in {}{windows}",
                    prob.replace(" of starts", " of upgrades")
                ),
                label: format!("`{app}` rolls while `{runner}` migrates its datastore"),
                secondary: m
                    .map(|m| (m.origin, "the migration it is not ordered with".to_string()))
                    .into_iter()
                    .collect(),
                help: format!(
                    "Run the migration before the rollout and wait for it (`kubectl wait --for=condition=complete` on `{runner}`, or a pre-upgrade hook), and keep it backward compatible (expand now, contract in a later release) so the old pods can read the new schema."
                ),
            }
        }
        (FindingKind::ConfigSkew, Subject::ConfigUse(u)) => config_change::words(p, u, detail, prob),
        _ => Words {
            message: format!("{} `{}` in {prob}", race.id.name, race.id.subject),
            label: String::new(),
            secondary: Vec::new(),
            help: String::new(),
        },
    }
}

/// The diagnostics of a simulation, for the enabled rules, with `replay(unit, key)` giving the
/// command that reproduces a race.
pub fn diagnostics(
    sim: &Simulation,
    settings: &Settings,
    db: &SourceDb,
    replay: &dyn Fn(&str, TrialKey) -> String,
) -> Result<Vec<Diagnostic>, SimError> {
    let mut out = Vec::new();
    for run in &sim.runs {
        let simulator = simulator(&run.unit, sim.options)?;
        let origins = &run.unit.origins;
        let fallback = run.unit.platform.actors.first().map_or(Origin::default(), |a| a.origin);
        // Monte Carlo's races with their probabilities, then what only exploration found.
        let mut races: Vec<RaceView> = run.report.iter().flat_map(|r| r.races.iter()).map(RaceView::of_stat).collect();
        if let Some(e) = &run.explore {
            for f in &e.races {
                if !races.iter().any(|r| r.id.key() == f.key()) {
                    races.push(RaceView::of_found(f, e));
                }
            }
        }
        for race in &races {
            let Some(meta) = nexus_rules::by_code(race.id.code) else { continue };
            if !settings.is_enabled(meta.code) {
                continue;
            }
            let Some(info) = origins.get(race.id.primary_origin).or_else(|| origins.get(fallback)) else { continue };
            let w = words(run, race, &simulator, db);
            let mut d = Diagnostic::new(meta, info.span, w.message)
                .label(w.label)
                .help(format!("{} Reproduce: `{}`", w.help, replay(&run.unit.name, race.first_trial)))
                .key(format!("{}:{}", run.unit.name, race.id.subject))
                .template(info.template.as_deref());
            if let Some(r) = &info.resource {
                d = d.resource(r);
            }
            if let Some(&sev) = settings.severity.get(meta.code) {
                d = d.severity(sev);
            }
            for (o, text) in w.secondary {
                if let Some(s) = origins.get(o) {
                    d = d.secondary(s.span, text);
                }
            }
            out.push(d);
        }
    }
    Ok(out)
}
