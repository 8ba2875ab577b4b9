//! `nexus-lint check`.

use std::io::IsTerminal;
use std::time::Instant;

use nexus_source::timings;

use super::output::Report;
use super::stdout::{self, Delivered};
use super::{CheckArgs, Color, ConfigArgs, EXIT_ERROR, Format, eprint_error, exit_code, input_paths_with_stdin};
use crate::baseline::Baseline;
use crate::check::{self, InputSpec};
use crate::config::{self, FailOn, Overrides, Settings};
use crate::simulate as sim;

/// Resolves the config file and command-line overrides into settings.
pub(crate) fn settings(conf: &ConfigArgs, cli: &Overrides) -> Result<Settings, String> {
    let path = match (&conf.config, conf.no_config) {
        (_, true) => None,
        (Some(p), _) => Some(p.clone()),
        (None, false) => std::env::current_dir().ok().and_then(|d| config::discover(&d)),
    };
    let file = match &path {
        Some(p) => {
            let text = config::read(p).map_err(|e| format!("cannot read config `{}`: {e}", p.display()))?;
            let display = p.to_string_lossy();
            let (cfg, lines) =
                config::parse_config(&display, &text).map_err(|e| format!("invalid configuration: {e}"))?;
            Some((p.as_path(), cfg, lines))
        }
        None => None,
    };
    config::settings(file, cli).map_err(|e| format!("invalid configuration: {e}"))
}

/// The seed of `check --simulate` when the configuration names none: fixed, so that the same
/// input gives the same findings in a hook or CI (`simulate` draws a new one each run).
pub const CHECK_SEED: u64 = 0;

/// The rules, then a short simulation; suppressions and ordering over both.
fn check_and_simulate(paths: &[String], args: &CheckArgs, settings: &Settings) -> Result<check::Outcome, String> {
    let loaded = check::load(&InputSpec::Paths(paths.to_vec()), settings);
    let s = &settings.simulate;
    let opts = sim::Options::new(s, s.check_trials, s.seed.unwrap_or(CHECK_SEED));
    let result = sim::run(&loaded.platform, &opts, &|_, _| {}).map_err(|e| e.to_string())?;
    let multi = result.runs.len() > 1;
    let config = match (&args.conf.config, args.conf.no_config) {
        (Some(c), _) => format!(" --config {}", c.display()),
        (None, true) => " --no-config".into(),
        _ => String::new(),
    };
    let replay = |unit: &str, key: nexus_sim::run::TrialKey| {
        let unit = if multi { format!(" --unit {unit}") } else { String::new() };
        format!("nexus-lint simulate {}{config}{unit} --replay {key}", paths.join(" "))
    };
    let mut raw = check::rule_findings(&loaded, settings);
    raw.extend(sim::diagnostics(&result, settings, &loaded.db, &replay).map_err(|e| e.to_string())?);
    let (diagnostics, suppressed) = check::finish(&loaded, settings, raw, &|_| true);
    note_simulation(&result, args.format.unwrap_or(Format::Human) == Format::Human);
    Ok(check::outcome(loaded, diagnostics, suppressed))
}

#[allow(clippy::print_stderr)]
fn note_simulation(s: &sim::Simulation, _human: bool) {
    let units: Vec<&str> = s.runs.iter().map(|r| r.unit.name.as_str()).collect();
    eprintln!(
        "nexus-lint: simulated {} trials of {} with master seed {}; `nexus-lint simulate` shows the tables",
        s.trials,
        if units.is_empty() { "nothing".to_string() } else { units.join(" and ") },
        s.seed
    );
}

pub fn run(args: CheckArgs) -> u8 {
    let started = Instant::now();
    if args.stats || std::env::var_os("NEXUS_LINT_TIMINGS").is_some_and(|v| v == "1") {
        timings::enable();
    }
    let code = run_timed(args);
    if timings::enabled() {
        print_stats(started);
    }
    code
}

/// The stage table of `--stats`, on stderr: stdout carries the report alone.
#[allow(clippy::print_stderr)]
fn print_stats(started: Instant) {
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let mb = |kib: Option<u64>| kib.map_or(String::new(), |k| format!("{:>10.1}", k as f64 / 1024.0));
    eprintln!("nexus-lint: stage timings (wall ms; resident MB at the stage's end)");
    for s in timings::recorded() {
        eprintln!("  {:<12} {:>10.2}{}", s.name, ms(s.wall), mb(s.rss_kib));
    }
    eprintln!("  {:<12} {:>10.2}{}", "total", ms(started.elapsed()), mb(timings::memory("VmRSS:")));
    if let Some(peak) = timings::memory("VmHWM:") {
        eprintln!("  {:<12} {:>10}{}", "peak", "", mb(Some(peak)));
    }
}

fn run_timed(args: CheckArgs) -> u8 {
    let settings = match settings(&args.conf, &args.selection.overrides()) {
        Ok(s) => s,
        Err(e) => {
            eprint_error(&e);
            return EXIT_ERROR;
        }
    };
    // A baseline that cannot be used is an error before any work.
    let baseline = match args.baseline.as_deref().map(Baseline::read).transpose() {
        Ok(b) => b,
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
    let simulate = args.simulate || settings.simulate.on_check;
    let outcome = if simulate {
        match check_and_simulate(&paths, &args, &settings) {
            Ok(o) => o,
            Err(e) => {
                eprint_error(&e);
                return EXIT_ERROR;
            }
        }
    } else {
        check::check(&InputSpec::Paths(paths.clone()), &settings)
    };
    for e in &outcome.loaded.io_errors {
        eprint_error(&format!("{}: {}", e.path, e.message));
    }
    if let Some(path) = &args.write_baseline {
        let text = Baseline::of(&outcome.diagnostics, &outcome.loaded.db).render();
        if let Err(e) = std::fs::write(path, text) {
            eprint_error(&format!("cannot write baseline `{}`: {e}", path.display()));
            return EXIT_ERROR;
        }
        note(&format!("nexus-lint: wrote {} findings to the baseline `{}`", outcome.diagnostics.len(), path.display()));
    }
    let (diags, status) = match (&baseline, &args.baseline) {
        (Some(b), Some(path)) => {
            let (kept, status) =
                b.apply(outcome.diagnostics.clone(), &outcome.suppressed, &outcome.loaded.db, &path.to_string_lossy());
            (std::borrow::Cow::Owned(kept), Some(status))
        }
        _ => (std::borrow::Cow::Borrowed(outcome.diagnostics.as_slice()), None),
    };
    let format = args.format.unwrap_or_else(|| {
        if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") { Format::Github } else { Format::Human }
    });
    let report = Report { outcome: &outcome, diagnostics: &diags, baseline: status.as_ref() };
    let t = Instant::now();
    let code = deliver(&args, &report, format, &outcome, &diags, settings.fail_on);
    timings::record("reporting", t);
    // The process ends with this command: its model, trees and findings (hundreds of MB of
    // small allocations on a large repository) are given back to the system whole instead of
    // freed one by one, which was a twentieth of a large run (issue 15).
    std::mem::forget(diags);
    std::mem::forget(outcome);
    code
}

/// Writes the reports and the main output; the exit code.
fn deliver(
    args: &CheckArgs,
    report: &Report,
    format: Format,
    outcome: &check::Outcome,
    diags: &[nexus_diagnostics::Diagnostic],
    fail_on: FailOn,
) -> u8 {
    for (format, path) in &args.report {
        if let Err(code) = report.write_file(*format, path, false) {
            return code;
        }
    }
    let run_failed = !outcome.loaded.io_errors.is_empty();
    let findings = args.write_baseline.is_none() && failing(diags, fail_on);
    match &args.output {
        Some(path) => match report.write_file(format, path, args.color == Color::Always) {
            Err(code) => code,
            Ok(()) => exit_code(Ok(Delivered::All), run_failed, findings),
        },
        None => {
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            };
            exit_code(stdout::stdout(|w| report.render(format, w, color)), run_failed, findings)
        }
    }
}

/// Whether findings at or above `--fail-on` remain.
pub(crate) fn failing(diags: &[nexus_diagnostics::Diagnostic], fail_on: FailOn) -> bool {
    match fail_on {
        FailOn::Never => false,
        FailOn::Severity(min) => diags.iter().any(|d| d.severity >= min),
    }
}

/// A status line on stderr (stdout carries the report); what it quotes (paths, reasons) is
/// escaped.
#[allow(clippy::print_stderr)]
pub(crate) fn note(msg: &str) {
    eprintln!("{}", nexus_report::escape::text(msg));
}
