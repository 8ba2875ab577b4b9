//! `nexus-lint check`.

use std::io::{IsTerminal, Write};

use super::{CheckArgs, Color, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, Format, emit, eprint_error};
use crate::check::{self, InputSpec};
use crate::config::{self, FailOn, Overrides, Settings};
use crate::simulate as sim;
use nexus_model::redact;
use nexus_report as report;

/// Resolves the config file and command-line overrides into settings.
pub(crate) fn settings(
    args_config: Option<&std::path::Path>,
    no_config: bool,
    cli: &Overrides,
) -> Result<Settings, String> {
    let path = match (args_config, no_config) {
        (_, true) => None,
        (Some(p), _) => Some(p.to_path_buf()),
        (None, false) => std::env::current_dir().ok().and_then(|d| config::discover(&d)),
    };
    let file = match &path {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read config `{}`: {e}", p.display()))?;
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
    let config = match (&args.config, args.no_config) {
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
    Ok(check::Outcome { loaded, diagnostics, suppressed })
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
    let overrides =
        Overrides { select: args.select.clone(), ignore: args.ignore.clone(), fail_on: args.fail_on.clone() };
    let settings = match settings(args.config.as_deref(), args.no_config, &overrides) {
        Ok(s) => s,
        Err(e) => {
            eprint_error(&e);
            return EXIT_ERROR;
        }
    };
    let paths = if args.paths.is_empty() { vec![".".to_string()] } else { args.paths.clone() };
    if paths.iter().filter(|p| *p == "-").count() > 1 {
        eprint_error("`-` (stdin) can be given only once");
        return EXIT_ERROR;
    }
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
    let format = args.format.unwrap_or_else(|| {
        if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") { Format::Github } else { Format::Human }
    });
    let db = &outcome.loaded.db;
    let diags = &outcome.diagnostics;
    let render = |w: &mut dyn Write, color: bool| -> std::io::Result<()> {
        match format {
            Format::Json => report::json::write(w, diags, db),
            Format::Github => report::github::write(w, diags, db),
            Format::Human => {
                let secrets = redact::secret_spans(&outcome.loaded.platform);
                let style = report::human::Style { color, ..Default::default() };
                report::human::write(w, diags, db, &secrets, style, db.len())
            }
        }
    };
    let written = match &args.output {
        Some(path) => {
            let mut buf = Vec::new();
            render(&mut buf, args.color == Color::Always).and_then(|()| std::fs::write(path, &buf)).map_err(|e| {
                eprint_error(&format!("cannot write `{}`: {e}", path.display()));
                EXIT_ERROR
            })
        }
        None => {
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            };
            emit(|w| render(w, color))
        }
    };
    if let Err(code) = written {
        return code;
    }
    if !outcome.loaded.io_errors.is_empty() {
        return EXIT_ERROR;
    }
    let failing = match settings.fail_on {
        FailOn::Never => false,
        FailOn::Severity(min) => diags.iter().any(|d| d.severity >= min),
    };
    if failing { EXIT_FINDINGS } else { EXIT_OK }
}
