//! Baselines on a copy of `fixtures/nexus`: a baseline written on it makes the same run pass;
//! moving lines keeps it passing; one new defect fails the run with exactly that finding; a
//! fixed finding is reported as fixed; a missing or invalid baseline is exit 2.

use std::fs;

use serde_json::Value;

use crate::util::{fixture_copy, run_in, stderr, stdout};

const NEW_DEFECT: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\n  namespace: nexus-production\nspec:\n  containers:\n    - name: debug\n      image: busybox:latest\n";

#[test]
fn baseline_accepts_todays_findings_and_fails_on_new_ones() {
    let (d, nexus) = fixture_copy("nexus");
    let dir = d.path();
    let out = run_in(dir, &["check", &nexus, "--write-baseline", "baseline.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = fs::read_to_string(dir.join("baseline.json")).unwrap();
    let entries: Vec<&str> = text.lines().filter(|l| l.starts_with("    {")).collect();
    assert!(entries.len() > 10, "{text}");
    let mut sorted = entries.clone();
    sorted.sort();
    assert_eq!(entries, sorted, "one entry per line, sorted by file, code, fingerprint");

    let out = run_in(dir, &["check", &nexus, "--baseline", "baseline.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let s = stdout(&out);
    assert!(
        s.contains(&format!("baseline `baseline.json`: {} findings not reported, 0 findings fixed", entries.len())),
        "{s}"
    );

    // Lines moved by an edit elsewhere in the file: still the same findings.
    let compose = dir.join(&nexus).join("docker-compose.yml");
    let moved = format!("# local development stack\n\n{}", fs::read_to_string(&compose).unwrap());
    fs::write(&compose, moved).unwrap();
    assert_eq!(run_in(dir, &["check", &nexus, "--baseline", "baseline.json"]).status.code(), Some(0));

    // One new defect: exactly that finding, and the run fails.
    fs::write(dir.join(&nexus).join("k8s/production/debug-pod.yaml"), NEW_DEFECT).unwrap();
    let out = run_in(dir, &["check", &nexus, "--baseline", "baseline.json", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let found: Vec<String> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] != "info")
        .map(|d| format!("{} {}:{}", d["code"].as_str().unwrap(), d["file"].as_str().unwrap(), d["line"]))
        .collect();
    assert_eq!(found, [format!("NX501 {nexus}/k8s/production/debug-pod.yaml:9")], "{json:#}");
    assert_eq!(json["baseline"]["matched"].as_u64().unwrap() as usize, entries.len());
}

#[test]
fn fixed_findings_are_reported() {
    let (d, nexus) = fixture_copy("nexus");
    let dir = d.path();
    assert_eq!(run_in(dir, &["check", &nexus, "--write-baseline", "b.json"]).status.code(), Some(0));
    let job = dir.join(&nexus).join("k8s/production/migrations/nexus-db-migration.yaml");
    let text = fs::read_to_string(&job).unwrap();
    let line = text.lines().nth(29).unwrap();
    assert!(line.contains(":latest"), "{line}");
    fs::write(&job, text.replace(line, &line.replace(":latest", ":2.4.1"))).unwrap();
    let out = run_in(dir, &["check", &nexus, "--baseline", "b.json", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let schema: Value = serde_json::from_str(
        &fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/json-output.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&json).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let fixed = json["baseline"]["fixed"].as_array().unwrap();
    assert_eq!(fixed.len(), 1, "{json:#}");
    assert_eq!(fixed[0]["code"], "NX501");
    assert!(fixed[0]["file"].as_str().unwrap().ends_with("migrations/nexus-db-migration.yaml"));
    let human = stdout(&run_in(dir, &["check", &nexus, "--baseline", "b.json"]));
    assert!(human.contains("1 finding fixed since it was written"), "{human}");
    assert!(human.contains("  fixed: ") && human.contains("nexus-db-migration.yaml NX501"), "{human}");
    // A narrower run does not call the rest of the baseline fixed.
    let out =
        run_in(dir, &["check", &format!("{nexus}/docker-compose.yml"), "--baseline", "b.json", "--format", "json"]);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["baseline"]["fixed"].as_array().unwrap().len(), 0, "{json:#}");
}

#[test]
fn missing_or_invalid_baseline_is_an_error() {
    let (d, nexus) = fixture_copy("nexus");
    let out = run_in(d.path(), &["check", &nexus, "--baseline", "nope.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read baseline `nope.json`"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "nothing is checked");
    fs::write(d.path().join("bad.json"), "{\"version\": 1, \"findings\": [{\"file\": 3}]}").unwrap();
    let out = run_in(d.path(), &["check", &nexus, "--baseline", "bad.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid baseline `bad.json`"), "{}", stderr(&out));
    fs::write(d.path().join("v9.json"), "{\"version\": 9, \"findings\": []}").unwrap();
    let out = run_in(d.path(), &["check", &nexus, "--baseline", "v9.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("version 9 is not supported"), "{}", stderr(&out));
}
