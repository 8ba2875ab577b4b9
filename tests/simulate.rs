//! `nexus-lint simulate`: the NEXUS races through the real loader and lowering (not the
//! hand-built example), none once fixed, the same bytes at any thread count, replays that
//! reproduce a trial exactly, the timeline picture (rasterised) and the copy in `docs/`, the JSON
//! schema, `check --simulate`, and the command line's errors.

use std::path::Path;

use nexus_lint::check::{self, InputSpec};
use nexus_lint::simulate::{self, Options, Simulation};
use nexus_sim::finding::FindingKind;

use crate::util::{bin, run, settings, stderr, stdout};

fn simulated(dir: &str, trials: u64, seed: u64) -> (check::Loaded, Simulation) {
    let s = settings();
    let loaded = check::load(&InputSpec::Paths(vec![dir.to_string()]), &s);
    let sim = simulate::run(&loaded.platform, &Options::new(&s.simulate, trials, seed), &|_, _| {}).expect("simulates");
    (loaded, sim)
}

fn race<'a>(
    sim: &'a Simulation,
    unit: &str,
    kind: FindingKind,
    subject: &str,
) -> Option<&'a nexus_sim::montecarlo::RaceStat> {
    let run = sim.runs.iter().find(|r| r.unit.name == unit)?;
    run.report.as_ref()?.races.iter().find(|r| r.kind == kind && r.subject == subject)
}

#[test]
fn nexus_races_the_backend_against_its_datastores_and_crash_loops() {
    let (loaded, sim) = simulated("fixtures/nexus", 10_000, 42);
    let names: Vec<&str> = sim.runs.iter().map(|r| r.unit.name.as_str()).collect();
    assert_eq!(names, ["kubernetes", "compose:nexus"]);
    let k8s = &sim.runs[0].unit;
    assert_eq!(k8s.plan, "fixtures/nexus/deploy/scripts/deploy-production.sh");
    assert!(k8s.left_out.is_empty(), "{:?}", k8s.left_out);
    let db = race(&sim, "kubernetes", FindingKind::EarlyConnect, "nexus-backend → nexus-database").expect("NX901 db");
    let redis =
        race(&sim, "kubernetes", FindingKind::EarlyConnect, "nexus-backend → nexus-redis").expect("NX901 redis");
    let storm = race(&sim, "kubernetes", FindingKind::CrashloopStorm, "nexus-backend").expect("NX905");
    for r in [db, redis, storm] {
        let e = r.estimate;
        assert!(e.k > 0 && e.n == 10_000 && e.lo <= e.p && e.p <= e.hi && e.hi - e.lo < 0.05, "{e:?}");
    }
    assert!(db.estimate.lo > 0.95, "the backend almost always beats postgres: {:?}", db.estimate);
    assert!(redis.estimate.lo > 0.15 && redis.estimate.hi < 0.6, "{:?}", redis.estimate);
    assert!(storm.estimate.lo > 0.01 && storm.estimate.hi < 0.3, "{:?}", storm.estimate);
    // The migration races the apps that read its schema (defect 19), the worker never races its
    // datastores (it waits for them).
    assert!(
        race(&sim, "kubernetes", FindingKind::MigrationOverlap, "nexus-backend / migration by nexus-db-migration")
            .is_some()
    );
    assert!(race(&sim, "kubernetes", FindingKind::EarlyConnect, "nexus-worker → nexus-database").is_none());
    // The Compose stack's short-form depends_on races too (defect 1).
    assert!(race(&sim, "compose:nexus", FindingKind::EarlyConnect, "nexus-backend → nexus-database").is_some());

    // As diagnostics, at the evidence the defect table names, with the probability.
    let s = settings();
    let diags = simulate::diagnostics(&sim, &s, &loaded.db, &|u, k| {
        format!("nexus-lint simulate fixtures/nexus --unit {u} --replay {k}")
    })
    .unwrap();
    let at = |code: &str, file: &str, line: u32| {
        diags.iter().find(|d| {
            let f = loaded.db.get(d.span().file);
            d.code == code && f.path == file && f.position(d.span().start).line == line
        })
    };
    let backend = "fixtures/nexus/k8s/production/nexus-backend-deployment.yaml";
    let d = at("NX901", backend, 60).expect("NX901 at DATABASE_URL");
    assert!(
        d.message.starts_with("`nexus-backend` connects to `nexus-database` before it is ready in 99.")
            && d.message.contains("of starts (95% CI ")
            && d.message.ends_with(", 10000 trials)"),
        "{}",
        d.message
    );
    assert!(d.help.as_deref().unwrap().contains("--unit kubernetes --replay 42:"), "{:?}", d.help);
    assert!(at("NX901", backend, 62).is_some(), "NX901 at REDIS_URL");
    assert!(at("NX905", backend, 6).is_some(), "NX905 at the backend");
    assert!(at("NX901", "fixtures/nexus/docker-compose.yml", 38).is_some(), "NX901 in Compose");
}

#[test]
fn nexus_fixed_has_no_race_in_20000_trials() {
    let (_, sim) = simulated("fixtures/nexus-fixed", 20_000, 42);
    assert_eq!(sim.runs.len(), 2);
    for r in &sim.runs {
        let report = r.report.as_ref().expect("Monte Carlo ran");
        assert!(report.races.is_empty(), "{}: {:#?}", r.unit.name, report.races);
        assert_eq!(report.platform_not_ready_trials, 0, "{}", r.unit.name);
        assert!(r.unit.notes.is_empty() && r.unit.left_out.is_empty(), "{:?} {:?}", r.unit.notes, r.unit.left_out);
    }
}

fn threads(n: &str, args: &[&str]) -> std::process::Output {
    bin().current_dir(env!("CARGO_MANIFEST_DIR")).env("RAYON_NUM_THREADS", n).args(args).output().unwrap()
}

#[test]
fn same_seed_same_bytes_at_1_and_8_threads() {
    for format in ["human", "json"] {
        let args = ["simulate", "fixtures/nexus", "--seed", "7", "--trials", "3000", "--no-config", "--format", format];
        let one = threads("1", &args);
        let eight = threads("8", &args);
        assert_eq!(one.status.code(), Some(1), "{}", stderr(&one));
        assert!(!one.stdout.is_empty());
        assert!(one.stdout == eight.stdout, "{format} output differs between 1 and 8 threads");
    }
}

#[test]
fn replay_reproduces_the_failing_trial_exactly() {
    let out =
        run(&["simulate", "fixtures/nexus", "--seed", "11", "--trials", "500", "--no-config", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let unit = &doc["simulation"]["units"][0];
    assert_eq!(unit["name"], "kubernetes");
    let first = &unit["report"]["races"][0];
    let key = first["first_trial"].as_str().unwrap().to_string();
    assert!(key.starts_with("11:"), "{key}");
    let args = ["simulate", "fixtures/nexus", "--no-config", "--unit", "kubernetes", "--replay", &key];
    let a = run(&args);
    let b = threads("8", &args);
    assert_eq!(a.status.code(), Some(1), "a failing trial exits 1: {}", stderr(&a));
    assert_eq!(a.stdout, b.stdout, "a replay is the same on every run");
    let log = stdout(&a);
    assert!(log.starts_with(&format!("Trial {key} of kubernetes")), "{log}");
    let code = first["code"].as_str().unwrap();
    let subject = first["subject"].as_str().unwrap();
    assert!(log.lines().any(|l| l.starts_with(code) && l.ends_with(subject)), "{code} {subject} in\n{log}");
    // Every event the report showed for that race is in the replayed log, at the same time.
    let report = stdout(&run(&["simulate", "fixtures/nexus", "--seed", "11", "--trials", "500", "--no-config"]));
    let tables = report.split("== kubernetes:").nth(1).unwrap();
    let name = first["name"].as_str().unwrap();
    let block = tables.split(&format!("\n{code} {name}: {subject} ")).nth(1).unwrap();
    let excerpt = block.split("reproduce:").next().unwrap();
    let mut checked = 0;
    for l in excerpt.lines().filter(|l| l.trim_start_matches([' ', '▶']).starts_with(|c: char| c.is_ascii_digit())) {
        let event = l.trim_start_matches([' ', '▶']);
        assert!(log.lines().any(|x| x.trim_start() == event), "`{event}` is not in the replay");
        checked += 1;
    }
    assert!(checked >= 5, "{excerpt}");
}

fn rasterise(svg: &str) -> (u32, u32, usize) {
    let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default()).expect("valid SVG");
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).expect("pixmap");
    resvg::render(&tree, resvg::tiny_skia::Transform::default(), &mut pixmap.as_mut());
    let drawn = pixmap.pixels().iter().filter(|c| (c.red(), c.green(), c.blue()) != (255, 255, 255)).count();
    (size.width(), size.height(), drawn)
}

/// The command that draws `docs/nexus-race.svg` (the README shows it).
pub const DOC_TIMELINE: &[&str] =
    &["simulate", "fixtures/nexus", "--unit", "kubernetes", "--seed", "42", "--trials", "2000", "--no-config"];

#[test]
fn the_timeline_of_a_nexus_race_renders_and_docs_keep_it() {
    let dir = tempfile::tempdir().unwrap();
    let svg_path = dir.path().join("race.svg");
    let html_path = dir.path().join("race.html");
    let mut args: Vec<&str> = DOC_TIMELINE.to_vec();
    let svg_arg = svg_path.to_string_lossy().into_owned();
    args.extend(["--timeline", &svg_arg]);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg.contains("NX901 early-connect") && svg.contains("nexus-backend"), "the race is named");
    let (w, h, drawn) = rasterise(&svg);
    assert!(w == 1200 && h > 200 && drawn > 20_000, "{w}×{h}, {drawn} pixels drawn");
    // HTML: the same picture and the event log.
    let html_arg = html_path.to_string_lossy().into_owned();
    let out = run(&[
        "simulate",
        "fixtures/nexus",
        "--unit",
        "kubernetes",
        "--no-config",
        "--replay",
        "42:0",
        "--timeline",
        &html_arg,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg") && html.contains("Event log"));
    // docs/nexus-race.svg is that picture.
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/nexus-race.svg");
    if std::env::var_os("NEXUS_UPDATE_DOCS").is_some() {
        std::fs::write(&doc, &svg).unwrap();
    }
    let on_disk = std::fs::read_to_string(&doc).unwrap_or_default();
    assert!(
        on_disk == svg,
        "docs/nexus-race.svg is stale: NEXUS_UPDATE_DOCS=1 cargo test --test tests simulate:: (or nexus-lint {} --timeline docs/nexus-race.svg)",
        DOC_TIMELINE.join(" ")
    );
}

pub(crate) struct Docs;

impl jsonschema::Retrieve for Docs {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<serde_json::Value, Box<dyn std::error::Error + Send + Sync>> {
        let file = match uri.as_str() {
            "https://github.com/nexus-lint/nexus-lint/docs/json-output.schema.json" => "json-output.schema.json",
            "https://nexus-lint.dev/schemas/simulate-report/v1.json" => "simulate-report.schema.json",
            other => return Err(format!("unknown schema {other}").into()),
        };
        let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs").join(file))?;
        Ok(serde_json::from_str(&text)?)
    }
}

#[test]
fn json_output_matches_its_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/simulate-output.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::options().with_retriever(Docs).build(&schema).expect("the schema compiles");
    for args in [
        &["simulate", "fixtures/nexus", "--seed", "3", "--trials", "300", "--no-config", "--format", "json"][..],
        &["simulate", "fixtures/nexus-fixed", "--seed", "3", "--trials", "300", "--no-config", "--format", "json"],
        &["simulate", "fixtures/nexus", "--replay", "3:1", "--no-config", "--format", "json"],
    ] {
        let out = run(args);
        let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let errors: Vec<String> =
            validator.iter_errors(&doc).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(errors.is_empty(), "{args:?}: {errors:#?}");
    }
}

#[test]
fn check_simulate_reports_the_races_after_the_rules() {
    let out = run(&["check", "fixtures/nexus", "--simulate", "--no-config", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let codes: Vec<&str> = doc["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"NX101") && codes.contains(&"NX901") && codes.contains(&"NX905"), "{codes:?}");
    assert!(stderr(&out).contains("master seed 0"), "{}", stderr(&out));
    // Without it, nothing of the simulation (and no unused-suppression noise about it).
    let out = run(&["check", "fixtures/nexus", "--no-config", "--format", "json"]);
    assert!(!stdout(&out).contains("\"NX90"));
}

#[test]
fn the_seed_is_printed_and_nothing_else_goes_to_a_pipe() {
    let out = run(&["simulate", "fixtures/nexus-fixed", "--trials", "200", "--no-config"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("with master seed ") && text.contains("No race in 200 trials"), "{text}");
    assert!(stderr(&out).is_empty(), "no progress bar on a pipe: {}", stderr(&out));
}

#[test]
fn command_line_mistakes_exit_2_before_any_work() {
    for (args, says) in [
        (&["simulate", "fixtures/nexus", "--timeline", "t.png"][..], "name an .svg or .html file"),
        (&["simulate", "fixtures/nexus", "--replay", "soon"], "a trial key is SEED:TRIAL"),
        (&["simulate", "fixtures/nexus", "--profile", "fast"], "use classic, reduced-decay"),
        (&["simulate", "fixtures/nexus", "--trials", "0"], "at least 1"),
        (&["simulate", "fixtures/nexus", "--strategy", "exhaustive", "--max-orderings", "0"], "at least 1"),
        (
            &["simulate", "fixtures/nexus", "--unit", "nomad", "--trials", "10"],
            "no unit `nomad` (units: kubernetes, compose:nexus)",
        ),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn readme_documents_every_annotation_and_the_default_settings() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for (key, _) in nexus_sim::lower::annotation_keys() {
        assert!(readme.contains(&format!("| `{key}` |")), "README's annotation table lacks `{key}`");
    }
    // The `simulate:` example is valid configuration, and its values are the defaults.
    let block =
        readme.split("```yaml\nsimulate:\n").nth(1).expect("the simulate: example").split("```").next().unwrap();
    let text = format!("simulate:\n{block}");
    let (cfg, lines) = nexus_lint::config::parse_config("README.md", &text).expect("valid");
    let s = nexus_lint::config::settings(Some((Path::new("README.md"), cfg, lines)), &Default::default())
        .expect("valid settings")
        .simulate;
    let d = nexus_lint::config::SimSettings::default();
    assert_eq!(s.timing, d.timing);
    assert_eq!(
        (s.trials, s.check_trials, s.profile, s.deadline_ms, s.on_check),
        (d.trials, d.check_trials, d.profile, d.deadline_ms, d.on_check)
    );
}

#[test]
fn strategy_exhaustive_proves_nexus_fixed_race_free_and_finds_the_nexus_races() {
    let out = run(&["simulate", "fixtures/nexus-fixed", "--strategy", "exhaustive", "--seed", "1", "--no-config"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.matches("No ordering of these events fails.").count(), 2, "both units proved: {text}");
    assert!(text.contains("Exhaustive: 2187 orderings"), "{text}");
    let out = run(&["simulate", "fixtures/nexus", "--unit", "kubernetes", "--strategy", "exhaustive", "--no-config"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("NX901 early-connect: nexus-backend → nexus-database — in 570 of 732 orderings"), "{text}");
    assert!(!text.contains("No ordering"), "{text}");
}

#[test]
fn strategy_pct_reports_counts_apart_from_probabilities_and_its_keys_replay() {
    let args = ["simulate", "fixtures/explore/rare-race", "--strategy", "pct", "--trials", "100", "--seed", "1"];
    let out = run(&[&args[..], &["--no-config", "--format", "json"]].concat());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let d = &doc["diagnostics"][0];
    let msg = d["message"].as_str().unwrap();
    assert!(msg.ends_with("of 100 PCT schedules (depth 3; a priority search, not a probability)"), "{msg}");
    assert!(!msg.contains('%'), "{msg}");
    let unit = &doc["simulation"]["units"][0];
    assert!(unit.get("report").is_none(), "no Monte Carlo ran");
    let key = unit["exploration"]["races"][0]["first_trial"].as_str().unwrap();
    assert!(key.starts_with("1:pct3:"), "{key}");
    let replay = run(&["simulate", "fixtures/explore/rare-race", "--replay", key, "--no-config"]);
    assert_eq!(replay.status.code(), Some(1));
    assert!(stdout(&replay).contains("NX901 early-connect"), "{}", stdout(&replay));
}

#[test]
fn strategy_auto_says_which_exploration_it_chose() {
    let base = ["simulate", "fixtures/nexus", "--unit", "kubernetes", "--strategy", "auto", "--trials", "300"];
    let out = run(&[&base[..], &["--seed", "5", "--no-config"]].concat());
    let text = stdout(&out);
    assert!(text.contains("strategy: auto: monte-carlo, then exhaustive (732 orderings ≤ 50000)"), "{text}");
    assert!(text.contains("Races\n") && text.contains("Races found (counts of orderings"), "{text}");
    let out = run(&[&base[..], &["--seed", "5", "--no-config", "--max-orderings", "100"]].concat());
    let text = stdout(&out);
    assert!(text.contains("strategy: auto: monte-carlo, then pct, 1000 schedules of depth 3 (732 orderings > 100)"));
}

#[test]
fn an_enumeration_too_large_for_its_limit_exits_2_and_says_so() {
    let out = run(&["simulate", "fixtures/nexus", "--strategy", "exhaustive", "--max-orderings", "10", "--no-config"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("kubernetes: enumerating it takes 732 orderings, more than --max-orderings 10"));
}

#[test]
fn every_strategy_gives_the_same_bytes_at_1_and_8_threads_and_matches_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/simulate-output.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::options().with_retriever(Docs).build(&schema).expect("the schema compiles");
    for strategy in ["pct", "exhaustive", "auto"] {
        let args =
            ["simulate", "fixtures/nexus", "--seed", "7", "--trials", "500", "--no-config", "--strategy", strategy];
        for format in ["human", "json"] {
            let args = [&args[..], &["--format", format]].concat();
            let one = threads("1", &args);
            let eight = threads("8", &args);
            assert_eq!(one.status.code(), Some(1), "{}", stderr(&one));
            assert!(one.stdout == eight.stdout, "{strategy} {format}: output differs between 1 and 8 threads");
            if format == "json" {
                let doc: serde_json::Value = serde_json::from_str(&stdout(&one)).unwrap();
                let errors: Vec<String> =
                    validator.iter_errors(&doc).map(|e| format!("{} at {}", e, e.instance_path())).collect();
                assert!(errors.is_empty(), "{strategy}: {errors:#?}");
            }
        }
    }
}

#[test]
fn replay_shrink_keeps_the_causal_chain_and_prints_the_deciding_condition() {
    let out =
        run(&["simulate", "fixtures/nexus", "--unit", "kubernetes", "--replay", "42:0", "--shrink", "--no-config"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let at = text.find("Shrunk NX901 early-connect nexus-backend → nexus-database").expect("shrunk");
    let shrunk = &text[at..];
    let first = shrunk.lines().next().unwrap();
    assert!(first.contains(": fails iff nexus-database ready > nexus-backend start + "), "{first}");
    let block: Vec<&str> = shrunk.lines().skip(1).take_while(|l| !l.is_empty()).collect();
    assert!(!block.is_empty());
    for l in &block {
        assert!(
            l.contains("nexus-backend") || l.contains("nexus-database") || l.contains("deploy"),
            "not in the chain: {l}"
        );
    }
    let out = run(&["simulate", "fixtures/nexus", "--replay", "42:0", "--shrink", "--format", "json", "--no-config"]);
    assert_eq!(out.status.code(), Some(2));
}
