//! `nexus-lint simulate`: Monte Carlo over the platform's start; `--replay KEY` for one trial's
//! event log; `--timeline FILE` for its Gantt chart.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::{
    Color, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, SimFormat, SimulateArgs, emit, eprint_error, input_paths_with_stdin,
};
use crate::check::{self, InputSpec, Loaded};
use crate::config::{FailOn, Overrides, Settings};
use crate::simulate::{self as sim, Options, Simulation, Strategy, output};
use nexus_diagnostics::Diagnostic;
use nexus_report as report;
use nexus_report::escape;
use nexus_report::redact::Redactor;
use nexus_sim::defaults::BackoffProfile;
use nexus_sim::dist::parse_duration;
use nexus_sim::finding::Finding;
use nexus_sim::run::{Replay, TrialKey};
use nexus_sim::{log, render};
use serde_json::{Value, json};

/// Which picture `--timeline` writes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Picture {
    Svg,
    Html,
}

fn picture(path: &Path) -> Result<Picture, String> {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("svg") => Ok(Picture::Svg),
        Some("html" | "htm") => Ok(Picture::Html),
        _ => Err(format!("--timeline `{}`: name an .svg or .html file", path.display())),
    }
}

/// Arguments turned into settings, before any file is read.
struct Validated {
    settings: Settings,
    opts: Options,
    replay: Option<TrialKey>,
    picture: Option<(PathBuf, Picture)>,
    format: SimFormat,
}

fn validate(args: &SimulateArgs) -> Result<Validated, String> {
    let overrides = Overrides { fail_on: args.fail_on.clone(), ..Overrides::default() };
    let mut settings = super::check::settings(&args.conf, &overrides)?;
    let s = &mut settings.simulate;
    if let Some(p) = &args.profile {
        s.profile = BackoffProfile::parse(p)
            .ok_or_else(|| format!("--profile `{p}`: use classic, reduced-decay or node-max=<duration>"))?;
    }
    if let Some(d) = &args.deadline {
        s.deadline_ms =
            parse_duration(d).ok_or_else(|| format!("--deadline `{d}` is not a duration (`900`, `15m`)"))?;
    }
    if let Some(d) = &args.deploy_script {
        s.deploy_script = Some(d.clone());
    }
    let trials = args.trials.unwrap_or(s.trials);
    if trials == 0 {
        return Err("--trials must be at least 1".into());
    }
    let replay = match &args.replay {
        Some(k) => Some(TrialKey::parse(k).ok_or_else(|| {
            format!("--replay `{k}`: a trial key is SEED:TRIAL (e.g. 42:1337), SEED:pctD:N or SEED:ex:N")
        })?),
        None => None,
    };
    let picture = match &args.timeline {
        Some(p) => Some((p.clone(), picture(p)?)),
        None => None,
    };
    let seed = args.seed.or(s.seed).or(replay.map(|k| k.master_seed)).unwrap_or_else(sim::fresh_seed);
    let mut opts = Options::new(s, trials, seed);
    opts.unit = args.unit.clone();
    opts.strategy = args.strategy;
    opts.sim.scenario = args.scenario.into();
    opts.pct_depth = args.pct_depth;
    if args.max_orderings == 0 {
        return Err("--max-orderings must be at least 1".into());
    }
    opts.max_orderings = args.max_orderings;
    let format = args.format.unwrap_or(SimFormat::Human);
    if args.shrink && format != SimFormat::Human {
        return Err("--shrink prints the shrunk timelines for people: use it with --format human".into());
    }
    Ok(Validated { settings, opts, replay, picture, format })
}

/// A word for a shell command line, quoted when it needs to be.
fn shell_word(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./:=@,+%".contains(&b)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// How this run was invoked, for the replay commands it prints: the inputs and every flag that
/// changes what one trial does (not `--trials` or `--seed`: the key holds the seed).
fn command_prefix(args: &SimulateArgs, unit: Option<&str>) -> String {
    let mut c = vec!["nexus-lint".to_string(), "simulate".to_string()];
    c.extend(args.paths.iter().map(|p| shell_word(p)));
    if let Some(p) = &args.conf.config {
        c.push(format!("--config {}", shell_word(&p.to_string_lossy())));
    }
    if args.conf.no_config {
        c.push("--no-config".into());
    }
    for (flag, v) in
        [("--deploy-script", &args.deploy_script), ("--profile", &args.profile), ("--deadline", &args.deadline)]
    {
        if let Some(v) = v {
            c.push(format!("{flag} {}", shell_word(v)));
        }
    }
    if args.scenario != sim::ScenarioArg::Install {
        c.push(format!("--scenario {}", nexus_sim::engine::Scenario::from(args.scenario).as_str()));
    }
    if let Some(u) = unit {
        c.push(format!("--unit {}", shell_word(u)));
    }
    c.join(" ")
}

/// A progress bar on stderr, shown only on a terminal and only once the run has taken a second.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    start: Instant,
    shown: AtomicBool,
}

impl Progress {
    fn new(total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = indicatif::ProgressBar::with_draw_target(Some(total), indicatif::ProgressDrawTarget::hidden());
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("simulating {wide_bar} {pos}/{len} trials, eta {eta}")
            {
                b.set_style(style);
            }
            b
        });
        Progress { bar, start: Instant::now(), shown: AtomicBool::new(false) }
    }

    fn update(&self, done: u64) {
        let Some(bar) = &self.bar else { return };
        if !self.shown.load(Ordering::Relaxed) && self.start.elapsed() > Duration::from_secs(1) {
            self.shown.store(true, Ordering::Relaxed);
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        bar.set_position(done);
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[allow(clippy::print_stderr)]
fn warn(loaded: &Loaded, redactor: &Redactor, problems: &[nexus_sim::lower::Problem]) {
    for p in problems {
        let f = loaded.db.get(p.span.file);
        let pos = f.position(p.span.start);
        let line = format!("{}:{}:{}: {}", f.path, pos.line, pos.column, redactor.text(&p.message));
        eprintln!("nexus-lint: warning: {}", escape::text(&line));
    }
}

pub fn run(args: SimulateArgs) -> u8 {
    let v = match validate(&args) {
        Ok(v) => v,
        Err(e) => {
            eprint_error(&e);
            return EXIT_ERROR;
        }
    };
    let paths = match input_paths_with_stdin(&args.paths) {
        Ok(p) => p,
        Err(e) => {
            eprint_error(e);
            return EXIT_ERROR;
        }
    };
    let loaded = check::load(&InputSpec::Paths(paths), &v.settings);
    for e in &loaded.io_errors {
        eprint_error(&format!("{}: {}", e.path, e.message));
    }
    let redactor = check::redactor(&loaded);
    let code = match v.replay {
        Some(key) => replay(&args, &v, &loaded, &redactor, key),
        None => monte_carlo(&args, &v, &loaded, &redactor),
    };
    if !loaded.io_errors.is_empty() { EXIT_ERROR } else { code }
}

/// Writes `text` to `--output` or stdout.
fn write_out(args: &SimulateArgs, text: &[u8]) -> Result<(), u8> {
    match &args.output {
        Some(path) => std::fs::write(path, text).map_err(|e| {
            eprint_error(&format!("cannot write `{}`: {e}", path.display()));
            EXIT_ERROR
        }),
        None => emit(|w| w.write_all(text)),
    }
}

fn write_picture(
    v: &Validated,
    p: &nexus_sim::spec::SimPlatform,
    replay: &Replay,
    f: Option<&Finding>,
    redactor: &Redactor,
) -> Result<(), u8> {
    let Some((path, kind)) = &v.picture else { return Ok(()) };
    let text = match kind {
        Picture::Svg => render::timeline_svg(p, replay, f),
        Picture::Html => render::timeline_html(p, replay, f),
    };
    let text = output::picture(redactor, &text);
    std::fs::write(path, text).map_err(|e| {
        eprint_error(&format!("cannot write `{}`: {e}", path.display()));
        EXIT_ERROR
    })
}

fn replay(args: &SimulateArgs, v: &Validated, loaded: &Loaded, redactor: &Redactor, key: TrialKey) -> u8 {
    let (units, problems) = match sim::units(&loaded.platform, &v.opts) {
        Ok(u) => u,
        Err(e) => {
            eprint_error(&e.to_string());
            return EXIT_ERROR;
        }
    };
    warn(loaded, redactor, &problems);
    let mut text = String::new();
    let mut docs = Vec::new();
    let mut found = false;
    for (i, u) in units.iter().enumerate() {
        let simulator = match sim::simulator(u, v.opts.sim) {
            Ok(s) => s,
            Err(e) => {
                eprint_error(&e.to_string());
                return EXIT_ERROR;
            }
        };
        let r = simulator.replay(key);
        found |= !r.findings.is_empty();
        let p = &u.platform;
        if i == 0 && write_picture(v, p, &r, r.findings.first(), redactor).is_err() {
            return EXIT_ERROR;
        }
        if v.format == SimFormat::Json {
            let events: Vec<Value> = r
                .log
                .iter()
                .map(|e| {
                    let who = if e.actor == log::PLAN_ACTOR { "deploy".to_string() } else { log::subject(p, e) };
                    json!({"t_ms": e.t, "subject": who, "event": log::describe(p, &e.what)})
                })
                .collect();
            let findings: Vec<Value> = r
                .findings
                .iter()
                .map(|f| json!({"code": f.kind.code(), "name": f.kind.name(), "time_ms": f.time_ms, "subject": f.primary.describe(p)}))
                .collect();
            docs.push(json!({"unit": u.name, "key": key.to_string(), "events": events, "findings": findings}));
            continue;
        }
        use std::fmt::Write as _;
        let _ = writeln!(text, "Trial {key} of {} ({}), {} events:", u.name, u.plan, r.log.len());
        text.push_str(&log::format_log(p, &r.log));
        if r.findings.is_empty() {
            let _ = writeln!(text, "no finding in this trial");
        }
        for f in &r.findings {
            let _ = writeln!(
                text,
                "{} {} at {}: {}",
                f.kind.code(),
                f.kind.name(),
                log::fmt_time(f.time_ms).trim(),
                f.primary.describe(p)
            );
        }
        if args.shrink {
            let mut seen = Vec::new();
            for f in &r.findings {
                if seen.contains(&f.key()) {
                    continue;
                }
                seen.push(f.key());
                let Some(s) = simulator.shrink(key, f.key()) else { continue };
                let _ = writeln!(
                    text,
                    "\nShrunk {} {} {} ({} trials): {}",
                    f.kind.code(),
                    f.kind.name(),
                    nexus_sim::montecarlo::subject(p, f.key()),
                    s.runs,
                    s.condition
                );
                text.push_str(&log::format_log(p, &s.log));
            }
        }
        text.push('\n');
    }
    let text = if v.format == SimFormat::Json {
        output::json_text(redactor, json!({"version": 1, "replay": docs}))
    } else {
        output::clean(redactor, &text).into_bytes()
    };
    if let Err(c) = write_out(args, &text) {
        return c;
    }
    if found { EXIT_FINDINGS } else { EXIT_OK }
}

/// The unit, trial and finding the timeline picture shows when no trial is named: the most
/// probable race's first failing trial (else the race found in most schedules or orderings),
/// else trial 0 of the first unit.
fn timeline_choice(s: &Simulation) -> Option<(usize, TrialKey, Option<nexus_sim::finding::RaceKey>)> {
    for (i, r) in s.runs.iter().enumerate() {
        let mc =
            r.report.iter().flat_map(|rep| rep.races.iter()).max_by(|a, b| {
                a.estimate.k.cmp(&b.estimate.k).then(b.kind.cmp(&a.kind)).then(b.primary.cmp(&a.primary))
            });
        if let Some(race) = mc {
            let key = nexus_sim::finding::RaceKey { kind: race.kind, primary: race.primary, secondary: race.secondary };
            return Some((i, race.first_trial, Some(key)));
        }
        let found = r
            .explore
            .iter()
            .flat_map(|e| e.races.iter())
            .max_by(|a, b| a.hits.cmp(&b.hits).then(b.kind.cmp(&a.kind)).then(b.primary.cmp(&a.primary)));
        if let Some(race) = found {
            return Some((i, race.first_trial, Some(race.key())));
        }
    }
    (!s.runs.is_empty()).then_some((0, TrialKey::new(s.seed, 0), None))
}

fn monte_carlo(args: &SimulateArgs, v: &Validated, loaded: &Loaded, redactor: &Redactor) -> u8 {
    let n_units = match sim::units(&loaded.platform, &v.opts) {
        Ok((u, _)) => u.len(),
        Err(e) => {
            eprint_error(&e.to_string());
            return EXIT_ERROR;
        }
    };
    let progress = Progress::new(sim::progress_per_unit(&v.opts).saturating_mul(n_units as u64));
    let result = sim::run(&loaded.platform, &v.opts, &|d, _| progress.update(d));
    progress.finish();
    let s = match result {
        Ok(s) => s,
        Err(e) => {
            eprint_error(&e.to_string());
            return EXIT_ERROR;
        }
    };
    warn(loaded, redactor, &s.problems);
    let multi = s.runs.len() > 1;
    let prefix = |unit: &str| command_prefix(args, multi.then_some(unit));
    let replay_cmd = |unit: &str, key: TrialKey| format!("{} --replay {key}", prefix(unit));
    let diags = match finish_diagnostics(loaded, &v.settings, &s, &replay_cmd) {
        Ok(mut d) => {
            redactor.diagnostics(&mut d);
            d
        }
        Err(e) => {
            eprint_error(&e);
            return EXIT_ERROR;
        }
    };
    if let Some((i, key, race)) = timeline_choice(&s) {
        let u = &s.runs[i].unit;
        if let Ok(simulator) = sim::simulator(u, s.options) {
            let r = simulator.replay(key);
            let f = race.and_then(|k| r.findings.iter().find(|f| f.key() == k)).copied();
            if write_picture(v, &u.platform, &r, f.as_ref(), redactor).is_err() {
                return EXIT_ERROR;
            }
        }
    }
    let text = match v.format {
        SimFormat::Json => output::json_text(redactor, output::json_document(&loaded.db, &s, &diags)),
        SimFormat::Github => {
            let mut buf = Vec::new();
            let _ = report::github::write(&mut buf, &diags, &loaded.db);
            #[allow(clippy::print_stderr)]
            {
                eprintln!("nexus-lint: simulated {} trials per unit with master seed {}", s.trials, s.seed);
            }
            buf
        }
        SimFormat::Human => human(args, loaded, redactor, &s, &diags, &prefix),
    };
    if let Err(c) = write_out(args, &text) {
        return c;
    }
    if args.strategy == Strategy::Exhaustive {
        let mut too_large = false;
        for r in &s.runs {
            if let Some(nexus_sim::explore::Verdict::TooLarge { needed, limit, .. }) =
                r.explore.as_ref().map(|e| &e.verdict)
            {
                eprint_error(&format!(
                    "{}: enumerating it takes {needed} orderings, more than --max-orderings {limit}: nothing was proved (raise the limit, or use --strategy pct or auto)",
                    r.unit.name
                ));
                too_large = true;
            }
        }
        if too_large {
            return EXIT_ERROR;
        }
    }
    let failing = match v.settings.fail_on {
        FailOn::Never => false,
        FailOn::Severity(min) => diags.iter().any(|d| d.severity >= min),
    };
    if failing { EXIT_FINDINGS } else { EXIT_OK }
}

/// The simulation's diagnostics after suppressions (the suppressions of NX9xx codes that match
/// nothing are reported, as NX006), sorted and fingerprinted.
pub(crate) fn finish_diagnostics(
    loaded: &Loaded,
    settings: &Settings,
    s: &Simulation,
    replay: &dyn Fn(&str, TrialKey) -> String,
) -> Result<Vec<Diagnostic>, String> {
    let raw = sim::diagnostics(s, settings, &loaded.db, replay).map_err(|e| e.to_string())?;
    let (mut kept, _) = check::finish(loaded, settings, raw, &check::is_simulation);
    // `check` reports the other unused suppressions; here only those of the simulation's codes.
    kept.retain(|d| {
        d.code != "NX006"
            || d.fingerprint_key
                .as_deref()
                .and_then(|k| nexus_rules::by_code(k).or_else(|| nexus_rules::by_name(k)))
                .is_some_and(|r| check::is_simulation(r.code))
    });
    Ok(kept)
}

fn human(
    args: &SimulateArgs,
    loaded: &Loaded,
    redactor: &Redactor,
    s: &Simulation,
    diags: &[Diagnostic],
    prefix: &dyn Fn(&str) -> String,
) -> Vec<u8> {
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            args.output.is_none() && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let mut buf = Vec::new();
    let style = report::human::Style { color, ..Default::default() };
    let _ = report::human::write(&mut buf, diags, &loaded.db, redactor, style, loaded.db.len());
    buf.extend_from_slice(output::tables(s, args.strategy, redactor, prefix).as_bytes());
    buf
}
