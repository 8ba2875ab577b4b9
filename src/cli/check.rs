//! `nexus-lint check`.

use std::io::{IsTerminal, Write};

use super::{CheckArgs, Color, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, Format, eprint_error, exit_code, output};
use crate::check::{self, InputSpec};
use crate::config::{self, FailOn, Overrides, Settings};
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
    let outcome = check::check(&InputSpec::Paths(paths), &settings);
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
                let style = report::human::Style { color, ..Default::default() };
                report::human::write(w, diags, db, &outcome.redactor, style, db.len())
            }
        }
    };
    let failing = match settings.fail_on {
        FailOn::Never => false,
        FailOn::Severity(min) => diags.iter().any(|d| d.severity >= min),
    };
    let run_failed = !outcome.loaded.io_errors.is_empty();
    match &args.output {
        Some(path) => {
            let mut buf = Vec::new();
            match render(&mut buf, args.color == Color::Always).and_then(|()| std::fs::write(path, &buf)) {
                Err(e) => {
                    eprint_error(&format!("cannot write `{}`: {e}", path.display()));
                    EXIT_ERROR
                }
                Ok(()) if run_failed => EXIT_ERROR,
                Ok(()) if failing => EXIT_FINDINGS,
                Ok(()) => EXIT_OK,
            }
        }
        None => {
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            };
            exit_code(output::stdout(|w| render(w, color)), run_failed, failing)
        }
    }
}
