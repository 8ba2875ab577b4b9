//! `nexus-lint fix`.

use super::check::{failing, note, settings};
use super::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, FixArgs, emit, eprint_error, input_paths};
use crate::fix;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn run(args: FixArgs) -> u8 {
    let settings = match settings(&args.conf, &args.selection.overrides()) {
        Ok(s) => s,
        Err(e) => {
            eprint_error(&e);
            return EXIT_ERROR;
        }
    };
    let paths = input_paths(&args.paths);
    if paths.iter().any(|p| p == "-") {
        eprint_error("`fix` edits files; it cannot read stdin (`-`)");
        return EXIT_ERROR;
    }
    let plan = fix::plan(&paths, &settings);
    for e in &plan.outcome.loaded.io_errors {
        eprint_error(&format!("{}: {}", e.path, e.message));
    }
    let mut code = if plan.outcome.loaded.io_errors.is_empty() { EXIT_OK } else { EXIT_ERROR };
    if args.diff {
        // A diff shows lines around each edit: redacted and escaped like any report. A masked
        // or escaped line no longer matches the file, so such a diff is for reading only.
        let masked = std::cell::Cell::new(0);
        let clean = |c: &fix::FileChange| {
            let diff = c.diff();
            let shown = nexus_report::escape::text(&plan.outcome.redactor.text(&diff)).into_owned();
            masked.set(masked.get() + usize::from(shown != diff));
            shown
        };
        if let Err(c) = emit(|w| plan.changes.iter().try_for_each(|c| w.write_all(clean(c).as_bytes()))) {
            return c;
        }
        if masked.get() > 0 {
            note(&format!(
                "nexus-lint: the diff of {} shows secrets masked (or control characters escaped) and will not apply as a patch there; `nexus-lint fix` applies the same edits",
                plural(masked.get(), "file", "files")
            ));
        }
    } else {
        for change in &plan.changes {
            if let Err(e) = fix::write(change) {
                eprint_error(&e.to_string());
                code = EXIT_ERROR;
            }
        }
    }
    let verb = if args.diff { "would fix" } else { "fixed" };
    note(&format!(
        "nexus-lint: {verb} {} in {}",
        plural(plan.fixed, "finding", "findings"),
        plural(plan.changes.len(), "file", "files")
    ));
    if plan.deferred > 0 {
        note(&format!(
            "nexus-lint: {} overlapped another fix in the same file and waited for a later pass",
            plural(plan.deferred, "fix", "fixes")
        ));
    }
    for s in &plan.skipped {
        note(&format!("nexus-lint: not fixed: {}:{} {}: {}", s.file, s.line, s.code, s.reason));
    }
    if !plan.converged {
        note(&format!("nexus-lint: fixes did not settle after {} passes; stopped", fix::MAX_PASSES));
    }
    let remaining = plan.outcome.diagnostics.len();
    if remaining > 0 {
        note(&format!(
            "nexus-lint: {} {} left (`nexus-lint check` shows them)",
            plural(remaining, "finding", "findings"),
            if remaining == 1 { "is" } else { "are" }
        ));
    }
    if code == EXIT_OK && failing(&plan.outcome.diagnostics, settings.fail_on) {
        code = EXIT_FINDINGS;
    }
    code
}
