//! What the fuzz targets share: splitting one input into several files, and the properties every
//! run must have (the same ones `tests/properties.rs` checks with proptest).

use nexus_lint::check::{self, InputSpec, Outcome};
use nexus_lint::config::Settings;

/// Splits the input at `\x00` bytes into the contents of `names` (missing files are left out;
/// invalid UTF-8 is replaced, as a file read from disk would be refused instead).
pub fn files(data: &[u8], names: &[&str]) -> Vec<(String, String)> {
    data.split(|&b| b == 0)
        .zip(names)
        .map(|(part, name)| (name.to_string(), String::from_utf8_lossy(part).into_owned()))
        .collect()
}

/// Checks in-memory files with every rule, as the CLI would with a fresh clone's settings.
///
/// The global thread pool is this thread alone (`use_current_thread`): with a separate worker,
/// every parallel stage handed its work across threads, and the futex wake-ups took a tenth of
/// each execution.
pub fn check(files: Vec<(String, String)>) -> Outcome {
    static POOL: std::sync::Once = std::sync::Once::new();
    POOL.call_once(|| {
        let built = rayon::ThreadPoolBuilder::new().num_threads(1).use_current_thread().build_global();
        built.expect("the global pool is built once, before any parallel work");
    });
    let settings = Settings { today: "2026-11-28".into(), ..Settings::default() };
    check::check(&InputSpec::Memory(files), &settings)
}

/// The properties of any run: every span lies in its file on character boundaries, and every
/// reporter renders without a raw control character.
pub fn assert_sound(o: &Outcome) {
    let db = &o.loaded.db;
    for d in &o.diagnostics {
        for s in std::iter::once(d.span()).chain(d.secondary.iter().map(|l| l.span)) {
            let text = &db.get(s.file).text;
            assert!(s.start <= s.end && s.end as usize <= text.len(), "{} span {s:?} out of bounds", d.code);
            assert!(text.is_char_boundary(s.start as usize) && text.is_char_boundary(s.end as usize), "{s:?}");
        }
    }
    for out in render_all(o) {
        let text = String::from_utf8(out).expect("reports are UTF-8");
        assert!(!text.chars().any(nexus_report::escape::is_unsafe), "raw control character in {text:?}");
    }
}

/// Every reporter's output: human without colour, json, github, sarif, junit, markdown, and the
/// graph in each format.
pub fn render_all(o: &Outcome) -> Vec<Vec<u8>> {
    use nexus_report::{RuleDoc, Tool, github, graph, human, json, junit, markdown, sarif};
    let db = &o.loaded.db;
    let (diags, suppressed) = (&o.diagnostics, &o.suppressed);
    let docs: Vec<RuleDoc<'_>> = nexus_rules::all()
        .iter()
        .map(|r| RuleDoc {
            code: r.code,
            name: r.name,
            family: r.family.dir(),
            severity: r.severity,
            summary: r.summary(),
            markdown: r.doc,
            help_uri: r.doc_path,
        })
        .collect();
    let tool = Tool { name: "nexus-lint", version: "0", information_uri: nexus_lint::REPOSITORY };
    let mut outs = Vec::new();
    let mut w = Vec::new();
    human::write(&mut w, diags, db, &o.redactor, human::Style { color: false, width: 100 }, db.len())
        .expect("human renders");
    outs.push(w);
    let mut w = Vec::new();
    json::write(&mut w, diags, db).expect("json renders");
    serde_json_check(&w);
    outs.push(w);
    let mut w = Vec::new();
    github::write(&mut w, diags, db).expect("github renders");
    outs.push(w);
    let mut w = Vec::new();
    sarif::write(&mut w, diags, suppressed, db, &tool, &docs).expect("sarif renders");
    serde_json_check(&w);
    outs.push(w);
    let mut w = Vec::new();
    junit::write(&mut w, diags, suppressed, db, &docs).expect("junit renders");
    outs.push(w);
    let mut w = Vec::new();
    markdown::write(&mut w, diags, suppressed.len(), db, &docs, None).expect("markdown renders");
    outs.push(w);
    let mut g = nexus_lint::graph::build(&o.loaded.platform, db, diags);
    graph::redact(&mut g, &o.redactor);
    for f in [graph::write_mermaid, graph::write_dot, graph::write_json] {
        let mut w = Vec::new();
        f(&mut w, &g).expect("graph renders");
        outs.push(w);
    }
    outs
}

fn serde_json_check(bytes: &[u8]) {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    assert!(text.starts_with('{') && text.trim_end().ends_with('}'), "json document");
}
