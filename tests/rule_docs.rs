//! Every rule's documentation examples are executed: a block marked `expect_diagnostic` yields
//! exactly one diagnostic of that rule, on the line its `# error: [name]` marker names and with
//! that severity; every other example block yields none of that rule. The simulation's rules
//! (NX9xx) report only when the platform is simulated, so their examples are simulated
//! (`util::SIM_TRIALS` trials with a fixed seed) instead of checked.

use nexus_rules::{self as rules, Family, docs};

use crate::util::{check_files, scenario_of, simulate_files};

#[test]
fn rule_doc_examples() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for rule in rules::all() {
        let meta = rule;
        for ex in docs::examples(meta.doc) {
            ran += 1;
            let files: Vec<(&str, &str)> = ex.files.iter().map(|(n, c, _)| (n.as_str(), c.as_str())).collect();
            let outcome = if meta.family == Family::Simulation {
                simulate_files(&files, scenario_of(meta.code))
            } else {
                check_files(&files)
            };
            let mine: Vec<_> = outcome.diagnostics.iter().filter(|d| d.code == meta.code).collect();
            let place = |i: usize| format!("rules/{}:{}", meta.doc_path, ex.files[i].2);
            let describe = || {
                mine.iter()
                    .map(|d| {
                        let f = outcome.loaded.db.get(d.span().file);
                        format!("{}:{} {} {}", f.path, f.position(d.span().start).line, d.severity.as_str(), d.message)
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            if !ex.expect_diagnostic {
                if !mine.is_empty() {
                    failures.push(format!("{}: clean example yields {}", place(0), describe()));
                }
                continue;
            }
            let marked: Vec<(usize, usize, String)> = ex
                .files
                .iter()
                .enumerate()
                .flat_map(|(i, (_, code, _))| docs::markers(code, meta.name).into_iter().map(move |(l, s)| (i, l, s)))
                .collect();
            let [(fi, line, sev)] = marked.as_slice() else {
                failures.push(format!(
                    "{}: expect_diagnostic example needs exactly one `# error: [{}]` marker",
                    place(0),
                    meta.name
                ));
                continue;
            };
            let [d] = mine.as_slice() else {
                failures.push(format!(
                    "{}: expected exactly one {} diagnostic, got {}: {}",
                    place(*fi),
                    meta.code,
                    mine.len(),
                    describe()
                ));
                continue;
            };
            let f = outcome.loaded.db.get(d.span().file);
            let got_line = f.position(d.span().start).line as usize;
            if f.path != ex.files[*fi].0 || got_line != *line {
                failures.push(format!(
                    "{}: marker on {}:{line}, diagnostic at {}:{got_line}",
                    place(*fi),
                    ex.files[*fi].0,
                    f.path
                ));
            }
            if d.severity.as_str() != sev {
                failures.push(format!("{}: marker says {sev}, diagnostic is {}", place(*fi), d.severity.as_str()));
            }
        }
    }
    assert!(ran >= rules::all().len() * 2, "too few examples ran: {ran}");
    assert!(failures.is_empty(), "{} rule-doc example failures:\n{}", failures.len(), failures.join("\n"));
}
