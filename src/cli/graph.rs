//! `nexus-lint graph`.

use super::{EXIT_ERROR, EXIT_OK, GraphArgs, GraphFormat, eprint_error, exit_code, input_paths, stdout};
use crate::check::{self, InputSpec};
use crate::config::Overrides;
use nexus_report::graph;

pub fn run(args: GraphArgs) -> u8 {
    let settings = match super::check::settings(&args.conf, &Overrides::default()) {
        Ok(s) => s,
        Err(e) => {
            eprint_error(&e);
            return EXIT_ERROR;
        }
    };
    let paths = input_paths(&args.paths);
    let outcome = check::check(&InputSpec::Paths(paths), &settings);
    for e in &outcome.loaded.io_errors {
        eprint_error(&format!("{}: {}", e.path, e.message));
    }
    let mut g = crate::graph::build(&outcome.loaded.platform, &outcome.loaded.db, &outcome.diagnostics);
    graph::redact(&mut g, &outcome.redactor);
    let render = |w: &mut dyn std::io::Write| match args.format {
        GraphFormat::Mermaid => graph::write_mermaid(w, &g),
        GraphFormat::Dot => graph::write_dot(w, &g),
        GraphFormat::Json => graph::write_json(w, &g),
    };
    let run_failed = !outcome.loaded.io_errors.is_empty();
    match &args.output {
        Some(path) => {
            let mut buf = Vec::new();
            match render(&mut buf).and_then(|()| std::fs::write(path, &buf)) {
                Err(e) => {
                    eprint_error(&format!("cannot write `{}`: {e}", path.display()));
                    EXIT_ERROR
                }
                Ok(()) if run_failed => EXIT_ERROR,
                Ok(()) => EXIT_OK,
            }
        }
        None => exit_code(stdout::stdout(render), run_failed, false),
    }
}
