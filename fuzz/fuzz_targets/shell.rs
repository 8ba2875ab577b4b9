//! The shell reader, `nexus_source::shell`, directly: the parser (every simple command's words
//! lie inside the text) and the evaluator walking the script with a client that checks every
//! span it is shown. Its clients in the model are fuzzed by the targets that load a platform:
//! `check` (a deploy script: deploy plans) and `k8s` (containers' `sh -c` commands: waits).
//! Kept to the reader alone, libFuzzer spends an execution in the reader instead of in collecting
//! the coverage counters of the whole model (docs/robustness.md).
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use nexus_source::SourceDb;
use nexus_source::shell::eval::{Command, Core, Hooks, Interp, Options, Reply};

/// Checks that every command the evaluator shows lies in the database's text.
struct Spans;

impl Hooks for Spans {
    fn command(&mut self, ev: &Core, cmd: &Command) -> Reply {
        let spans = cmd.here.into_iter().chain(cmd.words.iter().map(|w| w.span()));
        for s in spans.chain(cmd.args.iter().map(|a| a.span)) {
            let f = ev.db.get(s.file);
            assert!(s.start <= s.end && s.end as usize <= f.text.len(), "span {s:?} out of {}", f.text.len());
        }
        Reply::default()
    }
}

fuzz_target!(|data: &[u8]| {
    // The input is a script, then after a NUL byte a container's `sh -c` string: both go
    // through the same reader, the second as the model reads a container command.
    let mut parts = data.splitn(2, |&b| b == 0);
    for (name, part) in [("deploy/deploy.sh", parts.next()), ("k8s/app.yaml", parts.next())] {
        read(name, &String::from_utf8_lossy(part.unwrap_or_default()));
    }
});

/// Parses `script` (every word's range in the text) and walks it with the evaluator (every
/// span it shows in the database's text).
fn read(name: &str, script: &str) {
    let node = nexus_source::shell::parse(script, 0, script.len());
    node.each_simple(true, &mut |s| {
        for w in &s.words {
            let (a, b) = w.range.usize();
            assert!(script.get(a..b).is_some(), "word range {a}..{b} out of {} bytes", script.len());
        }
    });
    let mut db = SourceDb::new();
    let file = db.add(name.into(), Arc::from(script));
    let mut it = Interp::new(&db, Spans, Options { walk_substitutions: true, ..Options::default() }, name, Vec::new());
    it.run_file(file);
}
