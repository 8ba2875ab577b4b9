//! `nexus-lint simulate --scenario upgrade`: the NEXUS platform's rollout runs beside its
//! unawaited migration (NX907 on the backend and the worker), the fixed platform migrates first
//! (nothing), and the output is the same bytes at any thread count, its replays exact.

use nexus_lint::check::{self, InputSpec};
use nexus_lint::simulate::{self, Options, Simulation};
use nexus_sim::engine::Scenario;
use nexus_sim::finding::FindingKind;

use crate::util::{bin, settings, stderr, stdout};

fn upgraded(dir: &str, trials: u64, seed: u64) -> Simulation {
    let s = settings();
    let loaded = check::load(&InputSpec::Paths(vec![dir.to_string()]), &s);
    let mut opts = Options::new(&s.simulate, trials, seed);
    opts.sim.scenario = Scenario::Upgrade;
    simulate::run(&loaded.platform, &opts, &|_, _| {}).expect("simulates")
}

#[test]
fn upgrade_reports_the_nexus_rollout_schema_skew() {
    let sim = upgraded("fixtures/nexus", 2000, 42);
    let k8s = sim.runs.iter().find(|r| r.unit.name == "kubernetes").expect("kubernetes unit");
    let report = k8s.report.as_ref().expect("Monte Carlo ran");
    let backend = report
        .races
        .iter()
        .find(|r| r.kind == FindingKind::SchemaSkew && r.subject == "nexus-backend / migration by nexus-db-migration")
        .unwrap_or_else(|| panic!("{:#?}", report.races));
    assert!(backend.estimate.p > 0.9, "{:?}", backend.estimate);
    // Only NX907: an upgrade has no install races (everything else already serves).
    assert!(report.races.iter().all(|r| r.kind == FindingKind::SchemaSkew), "{:#?}", report.races);
    // Compose has no rolling update: listed, not simulated.
    let compose = sim.runs.iter().find(|r| r.unit.name.starts_with("compose:")).expect("compose unit");
    assert!(compose.report.is_none());
    assert!(compose.unit.notes.iter().any(|n| n.starts_with("upgrade not simulated")), "{:?}", compose.unit.notes);
}

#[test]
fn upgrade_reports_nothing_on_nexus_fixed() {
    let sim = upgraded("fixtures/nexus-fixed", 5000, 42);
    for r in &sim.runs {
        if let Some(report) = &r.report {
            assert!(report.races.is_empty(), "{}: {:#?}", r.unit.name, report.races);
            assert_eq!(report.platform_not_ready_trials, 0, "{}", r.unit.name);
        }
    }
    assert!(sim.runs.iter().any(|r| r.unit.name == "kubernetes" && r.report.is_some()));
}

#[test]
fn upgrade_diagnostic_says_how_long_and_replays_with_the_scenario() {
    let args = ["simulate", "fixtures/nexus", "--unit", "kubernetes", "--scenario", "upgrade", "--seed", "42"];
    let human = [&args[..], &["--trials", "500", "--no-config"]].concat();
    let out = bin().current_dir(env!("CARGO_MANIFEST_DIR")).args(&human).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("Simulated the upgrade scenario, 500 trials per unit"), "{}", stdout(&out));
    let json = [&human[..], &["--format", "json"]].concat();
    let out = bin().current_dir(env!("CARGO_MANIFEST_DIR")).args(&json).output().unwrap();
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let backend = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "NX907" && d["resource"] == "Deployment/nexus-production/nexus-backend")
        .expect("NX907 on the backend");
    let message = backend["message"].as_str().unwrap();
    assert!(
        message.starts_with("during an upgrade, `nexus-backend` runs two versions against one schema in"),
        "{message}"
    );
    assert!(message.contains("% of upgrades"), "{message}");
    assert!(message.contains("serve against the new schema for "), "{message}");
    assert!(backend["file"].as_str().unwrap().ends_with("nexus-backend-deployment.yaml"));
    assert!(backend["labels"][0]["file"].as_str().unwrap().ends_with("migrations/nexus-db-migration.yaml"));
    let help = backend["help"].as_str().unwrap();
    assert!(help.contains("--scenario upgrade --replay 42:"), "{help}");
}

#[test]
fn upgrade_gives_the_same_bytes_at_1_and_8_threads_and_matches_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/simulate-output.schema.json")).unwrap(),
    )
    .unwrap();
    let validator =
        jsonschema::options().with_retriever(crate::simulate::Docs).build(&schema).expect("the schema compiles");
    for strategy in ["monte-carlo", "pct"] {
        for format in ["human", "json"] {
            let args = [
                "simulate",
                "fixtures/nexus",
                "--scenario",
                "upgrade",
                "--seed",
                "7",
                "--trials",
                "700",
                "--no-config",
                "--strategy",
                strategy,
                "--format",
                format,
            ];
            let run = |n: &str| {
                bin().current_dir(env!("CARGO_MANIFEST_DIR")).env("RAYON_NUM_THREADS", n).args(args).output().unwrap()
            };
            let (one, eight) = (run("1"), run("8"));
            assert_eq!(one.status.code(), Some(1), "{}", stderr(&one));
            assert!(one.stdout == eight.stdout, "{strategy} {format}: output differs between 1 and 8 threads");
            if format == "json" {
                let doc: serde_json::Value = serde_json::from_str(&stdout(&one)).unwrap();
                let errors: Vec<String> =
                    validator.iter_errors(&doc).map(|e| format!("{} at {}", e, e.instance_path())).collect();
                assert!(errors.is_empty(), "{strategy}: {errors:#?}");
                if strategy == "monte-carlo" {
                    let unit = &doc["simulation"]["units"][0];
                    assert_eq!(unit["report"]["options"]["scenario"], "upgrade");
                    let key = unit["report"]["races"][0]["first_trial"].as_str().unwrap().to_string();
                    let a = replay_nexus_twice("upgrade", &key);
                    assert_eq!(a.status.code(), Some(1), "a failing upgrade exits 1: {}", stderr(&a));
                    assert!(stdout(&a).contains("NX907"), "{}", stdout(&a));
                }
            }
        }
    }
}

/// Replays trial `key` of `scenario` on fixtures/nexus's Kubernetes unit twice; asserts both
/// print the same bytes and gives the first run.
pub(crate) fn replay_nexus_twice(scenario: &str, key: &str) -> std::process::Output {
    let replay =
        ["simulate", "fixtures/nexus", "--scenario", scenario, "--no-config", "--unit", "kubernetes", "--replay", key];
    let a = bin().current_dir(env!("CARGO_MANIFEST_DIR")).args(replay).output().unwrap();
    let b = bin().current_dir(env!("CARGO_MANIFEST_DIR")).args(replay).output().unwrap();
    assert_eq!(a.stdout, b.stdout);
    a
}
