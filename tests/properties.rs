//! The fuzz targets' properties (`fuzz/`, docs/robustness.md) as proptest properties in the
//! normal suite, over generated repositories (manifests, a Compose project with its `.env`, a
//! deploy script) built from realistic fragments, random names, control characters and secrets:
//!
//! - nothing panics, and every span lies in its file on character boundaries;
//! - every reporter renders, and no output holds a raw control character;
//! - no output prints a value written where secrets go;
//! - output is byte-identical on 1 and 2 threads.
//!
//! Case counts are kept small so the suite stays fast; the fuzzers run the long searches.

use nexus_lint::check::{self, InputSpec, Outcome};
use nexus_lint::simulate;
use nexus_report::{RuleDoc, Tool, escape, github, graph, human, json, junit, markdown, sarif};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Every reporter over one outcome: human, json, github, sarif, junit, markdown, the graph in
/// its three formats, and the simulation of the same platform (its tables and JSON document,
/// a few trials) as `simulate` prints them.
fn render_all(o: &Outcome) -> String {
    let db = &o.loaded.db;
    let (diags, suppressed) = (&o.diagnostics, &o.suppressed);
    let urls: Vec<String> = nexus_rules::all().iter().map(|r| nexus_lint::rule_doc_url(r.doc_path)).collect();
    let docs: Vec<RuleDoc<'_>> = nexus_rules::all()
        .iter()
        .zip(&urls)
        .map(|(r, url)| RuleDoc {
            code: r.code,
            name: r.name,
            family: r.family.dir(),
            severity: r.severity,
            summary: r.summary(),
            markdown: r.doc,
            help_uri: url,
        })
        .collect();
    let tool = Tool { name: "nexus-lint", version: "0", information_uri: nexus_lint::REPOSITORY };
    let mut out = Vec::new();
    human::write(&mut out, diags, db, &o.redactor, human::Style { color: false, width: 100 }, db.len()).unwrap();
    json::write(&mut out, diags, db).unwrap();
    github::write(&mut out, diags, db).unwrap();
    sarif::write(&mut out, diags, suppressed, db, &tool, &docs).unwrap();
    junit::write(&mut out, diags, suppressed, db, &docs).unwrap();
    markdown::write(&mut out, diags, suppressed.len(), db, &docs, None).unwrap();
    let mut g = nexus_lint::graph::build(&o.loaded.platform, db, diags);
    graph::redact(&mut g, &o.redactor);
    graph::write_mermaid(&mut out, &g).unwrap();
    graph::write_dot(&mut out, &g).unwrap();
    graph::write_json(&mut out, &g).unwrap();
    let settings = crate::util::settings();
    let opts = simulate::Options::new(&settings.simulate, 3, 11);
    if let Ok(s) = simulate::run(&o.loaded.platform, &opts, &|_, _| {}) {
        let replay = |_: &str, k: nexus_sim::run::TrialKey| format!("nexus-lint simulate --replay {k}");
        let mut sim_diags = simulate::diagnostics(&s, &settings, db, &replay).unwrap_or_default();
        o.redactor.diagnostics(&mut sim_diags);
        human::write(&mut out, &sim_diags, db, &o.redactor, human::Style { color: false, width: 100 }, db.len())
            .unwrap();
        out.extend_from_slice(
            simulate::output::tables(&s, simulate::Strategy::MonteCarlo, &o.redactor, &|u| {
                format!("simulate --unit {u}")
            })
            .as_bytes(),
        );
        out.extend(simulate::output::json_text(&o.redactor, simulate::output::json_document(db, &s, &sim_diags)));
    }
    String::from_utf8(out).expect("reports are UTF-8")
}

fn check_on(threads: usize, files: &[(String, String)]) -> Outcome {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| check::check(&InputSpec::Memory(files.to_vec()), &crate::util::settings()))
}

/// A name, sometimes with characters a terminal would act on.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z][a-z0-9-]{0,8}",
        1 => "[a-z]{1,4}".prop_map(|s| format!("{s}\u{1b}]0;x\u{7}")),
        1 => "[a-z]{1,4}".prop_map(|s| format!("{s}\u{9b}2K\u{202e}")),
    ]
}

/// A secret: long enough and unusual enough to be searched for in the output.
fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{6,12}".prop_map(|s| format!("Zq{s}x9"))
}

/// A repository, and the secrets written in it.
fn repository() -> impl Strategy<Value = (Vec<(String, String)>, Vec<String>)> {
    (
        proptest::collection::vec((name(), name(), secret(), 0..4usize), 1..5),
        proptest::collection::vec((name(), secret(), 0..3usize), 0..4),
        secret(),
        proptest::collection::vec(any::<char>(), 0..16),
    )
        .prop_map(|(apps, services, dotenv, noise)| {
            let mut secrets = vec![dotenv.clone()];
            let mut k8s = String::new();
            for (app, dep, pw, form) in &apps {
                secrets.push(pw.clone());
                let q = |s: &str| serde_json::to_string(s).unwrap();
                let credential = match form {
                    0 => format!("- {{name: DB_PASSWORD, value: {}}}", q(pw)),
                    1 => format!("- {{name: DATABASE_URL, value: {}}}", q(&format!("postgres://u:{pw}@{dep}:5432/x"))),
                    2 => format!("- {{name: CONN, value: {}}}", q(&format!("Server={dep};Password={pw};"))),
                    _ => format!("- {{name: ARGS, value: {}}}", q(&format!("--password={pw}"))),
                };
                k8s.push_str(&format!(
                    "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {}}}\nspec:\n  selector: {{matchLabels: {{app: {}}}}}\n  template:\n    metadata: {{labels: {{app: {}}}}}\n    spec:\n      initContainers:\n        - {{name: wait, image: busybox, command: [\"sh\", \"-c\", {}]}}\n      containers:\n        - name: app\n          image: {}\n          args: [\"--password\", {}]\n          env:\n            {credential}\n---\napiVersion: v1\nkind: Secret\nmetadata: {{name: {}}}\nstringData: {{password: {}}}\ndata: {{token: {}}}\n",
                    q(app),
                    q(app),
                    q(app),
                    q(&format!("until nc -z {dep} 5432; do sleep 1; done")),
                    q(&format!("acme/{app}:latest")),
                    q(pw),
                    q(&format!("{app}-creds")),
                    q(pw),
                    q(&format!("{pw}!")),
                ));
            }
            let mut compose = String::from("services:\n");
            for (svc, pw, form) in &services {
                secrets.push(pw.clone());
                let key: String = svc.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
                let key = if key.is_empty() { "svc".to_string() } else { format!("s{key}") };
                compose.push_str(&format!(
                    "  {key}:\n    image: acme/{key}:${{TAG:-latest}}\n    environment:\n      MYSQL_ROOT_PASSWORD: {pw}\n      LABEL: {}\n    command: [\"serve\", \"--token\", \"${{SECRET_TOKEN}}\"]\n{}",
                    serde_json::to_string(svc).unwrap(),
                    match form {
                        0 => "    depends_on: [db]\n".to_string(),
                        1 => format!("    extends: {key}\n"),
                        _ => "    env_file: [app.env]\n".to_string(),
                    }
                ));
            }
            compose.push_str("  db:\n    image: postgres:16.4\n");
            let noise: String = noise.into_iter().collect();
            let files = vec![
                ("k8s/app.yaml".to_string(), k8s),
                ("compose.yaml".to_string(), compose),
                (".env".to_string(), format!("SECRET_TOKEN={dotenv}\nTAG=1.0\n")),
                ("app.env".to_string(), format!("API_KEY={dotenv}\nNOISE={}\n", serde_json::to_string(&noise).unwrap())),
                ("deploy.sh".to_string(), format!("#!/bin/sh\nkubectl apply -f k8s/\n# {noise}\n")),
                ("noise.yaml".to_string(), format!("a: {}\nb: [{noise}\n", serde_json::to_string(&noise).unwrap())),
            ];
            (files, secrets)
        })
}

#[test]
fn any_repository_is_reported_soundly() {
    let mut runner = TestRunner::new(Config { cases: 48, failure_persistence: None, ..Config::default() });
    runner
        .run(&repository(), |(files, secrets)| {
            let one = check_on(1, &files);
            let db = &one.loaded.db;
            for d in &one.diagnostics {
                for s in std::iter::once(d.span()).chain(d.secondary.iter().map(|l| l.span)) {
                    let text = &db.get(s.file).text;
                    prop_assert!(s.start <= s.end && s.end as usize <= text.len(), "{} {s:?}", d.code);
                    prop_assert!(text.is_char_boundary(s.start as usize) && text.is_char_boundary(s.end as usize));
                }
            }
            let out = render_all(&one);
            let raw: Vec<char> = out.chars().filter(|c| escape::is_unsafe(*c)).collect();
            prop_assert!(raw.is_empty(), "raw controls {raw:?}");
            for s in &secrets {
                prop_assert!(!out.contains(s.as_str()), "secret {s} printed:\n{out}");
            }
            let two = check_on(2, &files);
            prop_assert_eq!(out, render_all(&two), "output differs between 1 and 2 threads");
            Ok(())
        })
        .unwrap();
}

/// Arbitrary text in every kind of file: no panic, spans in bounds, every reporter renders.
#[test]
fn arbitrary_text_never_panics() {
    let text = prop_oneof![
        "\\PC{0,200}",
        proptest::collection::vec(
            prop_oneof![
                Just("apiVersion: v1\nkind: Pod\n".to_string()),
                Just("services:\n  a:\n    extends: a\n".to_string()),
                Just("<<: *a\n".to_string()),
                Just("&a {x: 1}\n".to_string()),
                Just("\r".to_string()),
                Just("\u{feff}".to_string()),
                Just("\u{1b}[2K".to_string()),
                Just("- ".to_string()),
                Just("{".to_string()),
                Just("env_file: [../x]\n".to_string()),
                "[a-z:${}\\[\\] -]{0,12}",
            ],
            0..24,
        )
        .prop_map(|v| v.concat()),
    ];
    let mut runner = TestRunner::new(Config { cases: 96, failure_persistence: None, ..Config::default() });
    runner
        .run(&(text.clone(), text), |(a, b)| {
            let files = vec![
                ("a.yaml".to_string(), a.clone()),
                ("compose.yaml".to_string(), b.clone()),
                (".env".to_string(), a),
                ("deploy.sh".to_string(), b),
            ];
            let o = check_on(1, &files);
            for d in &o.diagnostics {
                prop_assert!(d.span().end as usize <= o.loaded.db.get(d.span().file).text.len());
            }
            let out = render_all(&o);
            prop_assert!(!out.chars().any(escape::is_unsafe));
            Ok(())
        })
        .unwrap();
}
