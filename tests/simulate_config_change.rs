//! `nexus-lint simulate --scenario config-change`: the NEXUS platform's ConfigMaps are read with
//! no rollout trigger (NX908 at the contract's row 10 and at the other consumers NX402 reports),
//! the fixed platform rolls on every edit (nothing, with the rollout's window in the report), the
//! output is the same bytes at 1 and 2 threads and valid against its schema, and replays are
//! exact.

use nexus_lint::check::{self, InputSpec};
use nexus_lint::simulate::{self, Options, Simulation};
use nexus_sim::engine::Scenario;
use nexus_sim::finding::FindingKind;

use crate::util::{bin, settings, stderr, stdout};

fn changed(dir: &str, trials: u64, seed: u64) -> Simulation {
    let s = settings();
    let loaded = check::load(&InputSpec::Paths(vec![dir.to_string()]), &s);
    let mut opts = Options::new(&s.simulate, trials, seed);
    opts.sim.scenario = Scenario::ConfigChange;
    simulate::run(&loaded.platform, &opts, &|_, _| {}).expect("simulates")
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = bin().current_dir(env!("CARGO_MANIFEST_DIR")).args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// (code, file, line) of each diagnostic.
fn found(doc: &serde_json::Value) -> Vec<(String, String, u64)> {
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap().into(), d["file"].as_str().unwrap().into(), d["line"].as_u64().unwrap()))
        .collect()
}

#[test]
fn config_change_reports_the_nexus_defect_where_the_contract_says() {
    let args = ["simulate", "fixtures/nexus", "--scenario", "config-change", "--seed", "42", "--trials", "300"];
    let doc = json(&[&args[..], &["--no-config", "--format", "json"]].concat());
    let found = found(&doc);
    let has = |file: &str, line: u64| found.iter().any(|(c, f, l)| c == "NX908" && f.ends_with(file) && *l == line);
    // Row 10 of NEXUS-DEFECTS.md: the backend's envFrom and volumes, the frontend's envFrom.
    for (file, line) in [
        ("k8s/production/nexus-backend-deployment.yaml", 52),
        ("k8s/production/nexus-backend-deployment.yaml", 97),
        ("k8s/production/nexus-backend-deployment.yaml", 100),
        ("k8s/production/nexus-frontend-deployment.yaml", 48),
    ] {
        assert!(has(file, line), "NX908 missing at {file}:{line}: {found:#?}");
    }
    // The same defect on the other consumers (fixtures/nexus/README.md, NX402's other sites).
    for (file, line) in [
        ("k8s/production/nexus-worker-deployment.yaml", 48),
        ("k8s/production/nexus-worker-deployment.yaml", 78),
        ("k8s/production/monitoring/deployment.yaml", 71),
        ("k8s/production/nexus-backend-deployment.yaml", 57),
        ("k8s/production/nexus-worker-deployment.yaml", 53),
        ("k8s/production/database/deployment.yaml", 46),
    ] {
        assert!(has(file, line), "NX908 missing at {file}:{line}: {found:#?}");
    }
    // Only NX908: nothing starts, so there is no install race.
    assert!(found.iter().all(|(c, _, _)| c == "NX908"), "{found:#?}");
    let d = doc["diagnostics"].as_array().unwrap();
    let message = |file: &str, line: u64| {
        d.iter()
            .find(|x| x["file"].as_str().unwrap().ends_with(file) && x["line"] == line)
            .map(|x| x["message"].as_str().unwrap().to_string())
            .unwrap()
    };
    let env = message("nexus-backend-deployment.yaml", 52);
    assert!(
        env.starts_with(
            "after an edit of ConfigMap `nexus-config`, the 3 replicas of `nexus-backend` keep the old values (envFrom) until they restart — unbounded"
        ),
        "{env}"
    );
    assert!(env.contains("% of config changes"), "{env}");
    let volume = message("nexus-backend-deployment.yaml", 97);
    assert!(
        volume.starts_with("after an edit of ConfigMap `nexus-app-settings`, the volume at /etc/nexus of `nexus-backend` (3 replicas) sees it "),
        "{volume}"
    );
    assert!(volume.contains("pod by pod (up to 2 min)"), "{volume}");
    let backend = d.iter().find(|x| x["line"] == 52).unwrap();
    assert!(backend["labels"][0]["file"].as_str().unwrap().ends_with("k8s/production/configmap.yaml"));
    let help = backend["help"].as_str().unwrap();
    assert!(help.contains("checksum/nexus-config"), "{help}");
    assert!(help.contains("--scenario config-change --unit kubernetes --replay 42:"), "{help}");
    // Compose has no live update: listed, not simulated.
    let compose = doc["simulation"]["units"].as_array().unwrap().iter().find(|u| u["name"] == "compose:nexus").unwrap();
    assert!(
        compose["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().starts_with("config change not simulated"))
    );
}

#[test]
fn config_change_reports_nothing_on_nexus_fixed_and_keeps_the_rollout_window() {
    let sim = changed("fixtures/nexus-fixed", 400, 42);
    let k8s = sim.runs.iter().find(|r| r.unit.name == "kubernetes").expect("kubernetes unit");
    let report = k8s.report.as_ref().expect("Monte Carlo ran");
    assert!(report.races.is_empty(), "{:#?}", report.races);
    // Every edit rolls the consumers: each gets to the new values, in a bounded time.
    assert_eq!(report.platform_not_ready_trials, 0);
    let backend = report.workloads.iter().find(|w| w.name == "nexus-backend").unwrap();
    assert!(backend.time_to_ready.p50_ms.is_some_and(|t| t > 0), "{backend:?}");
    for r in &sim.runs {
        assert!(r.report.as_ref().is_none_or(|x| x.races.is_empty()), "{}", r.unit.name);
    }
    // The lowering saw the triggers: every reference is picked up by a rollout.
    let p = &k8s.unit.platform;
    assert!(!p.config_uses.is_empty());
    assert!(p.config_uses.iter().all(|u| u.pickup == Some(nexus_sim::spec::Pickup::Rollout)));
}

#[test]
fn config_change_lowers_how_each_reference_reads() {
    use nexus_sim::spec::Uptake;
    let sim = changed("fixtures/nexus", 1, 1);
    let k8s = sim.runs.iter().find(|r| r.unit.name == "kubernetes").unwrap();
    let p = &k8s.unit.platform;
    let reads = |actor: &str, config: &str| -> Vec<Uptake> {
        p.config_uses
            .iter()
            .filter(|u| p.actors[u.actor.index()].name == actor && p.configs[u.config as usize].name == config)
            .map(|u| u.uptake.clone())
            .collect()
    };
    assert_eq!(reads("nexus-backend", "nexus-config"), [Uptake::EnvFrom]);
    assert_eq!(reads("nexus-backend", "nexus-app-settings"), [Uptake::Volume { path: "/etc/nexus".into() }]);
    assert_eq!(reads("nexus-backend", "nexus-secrets"), [Uptake::EnvKey { var: "POSTGRES_PASSWORD".into() }]);
    // The migration Job reads nexus-secrets too, but a run reads its config once: left out.
    assert!(reads("nexus-db-migration", "nexus-secrets").is_empty());
    assert!(p.config_uses.iter().all(|u| u.pickup.is_none()));
    let report = k8s.report.as_ref().unwrap();
    assert!(report.races.iter().all(|r| r.kind == FindingKind::ConfigSkew));
}

#[test]
fn config_change_gives_the_same_bytes_at_1_and_2_threads_and_matches_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/simulate-output.schema.json")).unwrap(),
    )
    .unwrap();
    let validator =
        jsonschema::options().with_retriever(crate::simulate::Docs).build(&schema).expect("the schema compiles");
    for dir in ["fixtures/nexus", "fixtures/nexus-fixed"] {
        for strategy in ["monte-carlo", "pct"] {
            for format in ["human", "json"] {
                let args = [
                    "simulate",
                    dir,
                    "--scenario",
                    "config-change",
                    "--seed",
                    "7",
                    "--trials",
                    "600",
                    "--no-config",
                    "--strategy",
                    strategy,
                    "--format",
                    format,
                ];
                let run = |n: &str| {
                    bin()
                        .current_dir(env!("CARGO_MANIFEST_DIR"))
                        .env("RAYON_NUM_THREADS", n)
                        .args(args)
                        .output()
                        .unwrap()
                };
                let (one, two) = (run("1"), run("2"));
                let code = if dir == "fixtures/nexus" { 1 } else { 0 };
                assert_eq!(one.status.code(), Some(code), "{dir} {strategy}: {}", stderr(&one));
                assert!(one.stdout == two.stdout, "{dir} {strategy} {format}: output differs between 1 and 2 threads");
                if format == "json" {
                    let doc: serde_json::Value = serde_json::from_str(&stdout(&one)).unwrap();
                    let errors: Vec<String> =
                        validator.iter_errors(&doc).map(|e| format!("{} at {}", e, e.instance_path())).collect();
                    assert!(errors.is_empty(), "{dir} {strategy}: {errors:#?}");
                }
            }
        }
    }
}

#[test]
fn config_change_replays_exactly_with_the_scenario() {
    let doc = json(&[
        "simulate",
        "fixtures/nexus",
        "--scenario",
        "config-change",
        "--unit",
        "kubernetes",
        "--seed",
        "9",
        "--trials",
        "200",
        "--no-config",
        "--format",
        "json",
    ]);
    let unit = &doc["simulation"]["units"][0];
    assert_eq!(unit["report"]["options"]["scenario"], "config-change");
    let key = unit["report"]["races"][0]["first_trial"].as_str().unwrap().to_string();
    let a = crate::simulate_upgrade::replay_nexus_twice("config-change", &key);
    assert_eq!(a.status.code(), Some(1), "a trial with NX908 exits 1: {}", stderr(&a));
    let text = stdout(&a);
    assert!(text.contains("NX908"), "{text}");
    assert!(text.contains("ConfigMap nexus-app-settings edited"), "{text}");
    assert!(text.contains("files of ConfigMap nexus-app-settings updated"), "{text}");
}

#[test]
fn config_change_counts_no_rollout_under_on_delete() {
    let statefulset = |strategy: &str| {
        format!(
            "apiVersion: v1
kind: ConfigMap
metadata:
  name: search-settings
data:
  HEAP: 2g
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: search
spec:
  serviceName: search
  replicas: 3
  updateStrategy:
    type: {strategy}
  selector:
    matchLabels: {{app: search}}
  template:
    metadata:
      labels: {{app: search}}
      annotations:
        checksum/search-settings: \"sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0\"
    spec:
      containers:
        - name: search
          image: ghcr.io/acme/search:5.1.0
          envFrom:
            - configMapRef:
                name: search-settings
"
        )
    };
    let nx908 = |strategy: &str| {
        let text = statefulset(strategy);
        let o = crate::util::simulate_files(&[("search.yaml", text.as_str())], Scenario::ConfigChange);
        o.diagnostics.iter().filter(|d| d.code == "NX908").count()
    };
    // A new template replaces the pods one by one: the checksum is the fix.
    assert_eq!(nx908("RollingUpdate"), 0);
    // Under OnDelete the template changes and no pod does.
    assert_eq!(nx908("OnDelete"), 1);
}

#[test]
fn config_change_reads_the_triggers_nx402_reads() {
    let app = |annotations: &str, sidecar: &str| {
        format!(
            "apiVersion: v1
kind: ConfigMap
metadata:
  name: gateway-routes
data:
  routes.yaml: |
    - path: /api
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: gateway
  annotations: {{{annotations}}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: gateway}}
  template:
    metadata:
      labels: {{app: gateway}}
    spec:
      containers:
        - name: gateway
          image: ghcr.io/acme/gateway:3.0.1
          volumeMounts:
            - name: routes
              mountPath: /etc/gateway
{sidecar}      volumes:
        - name: routes
          configMap:
            name: gateway-routes
"
        )
    };
    let nx908 = |text: String| {
        let o = crate::util::simulate_files(&[("gateway.yaml", text.as_str())], Scenario::ConfigChange);
        o.diagnostics.iter().filter(|d| d.code == "NX908").map(|d| d.message.clone()).collect::<Vec<_>>()
    };
    let found = nx908(app("", ""));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("the volume at /etc/gateway of `gateway` (2 replicas) sees it "), "{found:?}");
    // A reloader rolls the pods; a configmap-reload sidecar makes the program reread its files.
    assert!(nx908(app("configmap.reloader.stakater.com/reload: gateway-routes", "")).is_empty());
    let sidecar = "        - name: reload
          image: ghcr.io/jimmidyson/configmap-reload:v0.14.0
          volumeMounts:
            - name: routes
              mountPath: /etc/gateway
";
    assert!(nx908(app("", sidecar)).is_empty());
}
