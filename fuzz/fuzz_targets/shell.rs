//! The shell reader, `nexus_source::shell`, directly: the parser (every simple command's words
//! lie inside the text) and the evaluator walking the script with a client that checks every
//! span it is shown; then the same text through its clients in the model, as a deploy script
//! (deploy plans) and as a container's `sh -c` command (waits). The input is the script, then
//! after a NUL byte the container's command.
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
    let mut parts = data.splitn(2, |&b| b == 0);
    let script = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let command = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();

    let node = nexus_source::shell::parse(&script, 0, script.len());
    node.each_simple(true, &mut |s| {
        for w in &s.words {
            let (a, b) = w.range.usize();
            assert!(script.get(a..b).is_some(), "word range {a}..{b} out of {} bytes", script.len());
        }
    });
    let mut db = SourceDb::new();
    let file = db.add("deploy/deploy.sh".into(), Arc::from(script.as_str()));
    let mut it = Interp::new(
        &db,
        Spans,
        Options { walk_substitutions: true, ..Options::default() },
        "deploy/deploy.sh",
        Vec::new(),
    );
    it.run_file(file);

    let manifest = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: api}}\nspec:\n  initContainers: [{{name: wait, image: busybox, command: [sh, -c, {}]}}]\n  containers: [{{name: api, image: api}}]\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: db}}\nspec: {{selector: {{app: db}}, ports: [{{port: 5432}}]}}\n",
        serde_json_string(&command)
    );
    let _ = nexus_model::load::load_memory(&[("deploy/deploy.sh".into(), script), ("k8s/app.yaml".into(), manifest)]);
});

/// A YAML double-quoted scalar holding `s` (JSON string syntax is valid YAML).
fn serde_json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
