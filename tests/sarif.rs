//! SARIF, JUnit and Markdown output: SARIF for every fixture validates against the vendored
//! SARIF 2.1.0 schema (`schemas/sarif-2.1.0.json`) and puts every result on the line and column
//! of its finding; suppressions, fixes, rule metadata and logical locations are there; JUnit is
//! well-formed XML with a failure per error or warning. (`scripts/check-integrations.sh` also
//! validates the SARIF with `sarif-multitool` and the JUnit with `junitparser`.)

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::fixtures::fixture_dirs;
use crate::util::{run, run_in, stdout};

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/sarif-2.1.0.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn json_of(args: &[&str]) -> Value {
    let out = run(args);
    serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{args:?}: {e}\n{}", stdout(&out)))
}

fn region(r: &Value) -> (u64, u64, u64, u64) {
    let reg = &r["locations"][0]["physicalLocation"]["region"];
    let n = |k: &str| reg[k].as_u64().unwrap_or_else(|| panic!("no {k} in {reg}"));
    (n("startLine"), n("startColumn"), n("endLine"), n("endColumn"))
}

#[test]
fn sarif_of_every_fixture_is_valid_and_on_the_real_lines() {
    let validator = sarif_validator();
    let mut results_seen = 0;
    for dir in fixture_dirs() {
        let sarif = json_of(&["check", &dir, "--format", "sarif"]);
        let errors: Vec<String> =
            validator.iter_errors(&sarif).map(|e| format!("{e} at {}", e.instance_path())).collect();
        assert!(errors.is_empty(), "{dir}: {errors:#?}");
        let run = &sarif["runs"][0];
        assert_eq!(run["tool"]["driver"]["name"], "nexus-lint");
        assert_eq!(run["columnKind"], "utf16CodeUnits");
        // Each reported finding's region is where the JSON report puts it.
        let json = json_of(&["check", &dir, "--format", "json"]);
        let by_fp: BTreeMap<&str, &Value> =
            json["diagnostics"].as_array().unwrap().iter().map(|d| (d["fingerprint"].as_str().unwrap(), d)).collect();
        let results = run["results"].as_array().unwrap();
        let rules: Vec<&str> =
            run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
        for r in results {
            let fp = r["partialFingerprints"]["nexusLintFingerprint/v1"].as_str().unwrap();
            assert_eq!(rules[r["ruleIndex"].as_u64().unwrap() as usize], r["ruleId"], "{dir}");
            let (line, col, end_line, end_col) = region(r);
            let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
            let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(uri)).unwrap();
            let lines = text.split('\n').count() as u64;
            assert!(line >= 1 && end_line >= line && end_line <= lines, "{dir}: {r}");
            assert!(end_line > line || end_col >= col, "{dir}: {r}");
            if r.get("suppressions").is_some() {
                continue;
            }
            let d = by_fp.get(fp).unwrap_or_else(|| panic!("{dir}: {fp} is not in the JSON report"));
            assert_eq!((line, col), (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()), "{dir}: {r}");
            assert_eq!(d["file"].as_str().unwrap(), uri, "{dir}");
            results_seen += 1;
        }
        assert_eq!(results.iter().filter(|r| r.get("suppressions").is_none()).count(), by_fp.len(), "{dir}");
    }
    assert!(results_seen > 50, "the fixtures have findings: {results_seen}");
}

#[test]
fn sarif_rules_have_help_and_links() {
    let sarif = json_of(&["check", "fixtures/nexus", "--format", "sarif"]);
    let driver = &sarif["runs"][0]["tool"]["driver"];
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["informationUri"], nexus_lint::REPOSITORY);
    let rules = driver["rules"].as_array().unwrap();
    let fired: std::collections::BTreeSet<&str> =
        sarif["runs"][0]["results"].as_array().unwrap().iter().map(|r| r["ruleId"].as_str().unwrap()).collect();
    assert_eq!(rules.len(), fired.len(), "only the rules that fired");
    for r in rules {
        let meta = nexus_rules::by_code(r["id"].as_str().unwrap()).unwrap();
        assert_eq!(r["name"], meta.name);
        assert_eq!(r["shortDescription"]["text"], meta.summary());
        assert_eq!(r["help"]["markdown"], meta.doc);
        assert!(!r["fullDescription"]["text"].as_str().unwrap().is_empty());
        assert_eq!(r["helpUri"], format!("https://github.com/nexus-lint/nexus-lint/blob/main/rules/{}", meta.doc_path));
        assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules").join(meta.doc_path).is_file());
    }
    // Resources are logical locations.
    let r = &sarif["runs"][0]["results"][0]["locations"][0]["logicalLocations"][0];
    assert!(r["fullyQualifiedName"].as_str().is_some_and(|n| n.ends_with(r["name"].as_str().unwrap())), "{r}");
}

const LATEST: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:latest  # nexus-lint: ignore[NX501] pinned by the registry mirror\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: api\nspec:\n  containers:\n    - name: api\n      image: nginx:latest\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: old\nspec:\n  containers:\n    - name: old\n      image: nginx:latest\n";

#[test]
fn sarif_suppressions_and_fixes() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("pods.yaml"), LATEST).unwrap();
    std::fs::write(
        d.path().join(".nexus-lint.yaml"),
        "ignores:\n  - rules: [NX501]\n    resource: Pod/old\n    reason: retired next sprint\n",
    )
    .unwrap();
    let short =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/deps/compose-short-form/compose.yaml"))
            .unwrap();
    std::fs::write(d.path().join("compose.yaml"), &short).unwrap();
    let out = run_in(d.path(), &["check", ".", "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(sarif_validator().iter_errors(&sarif).next().is_none());
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let sup: Vec<&Value> = results.iter().filter_map(|r| r.get("suppressions")).collect();
    assert_eq!(sup.len(), 2, "{results:#?}");
    assert!(sup.iter().any(|s| s[0]["kind"] == "inSource" && s[0]["justification"] == "pinned by the registry mirror"));
    assert!(sup.iter().any(|s| s[0]["kind"] == "external" && s[0]["justification"] == "retired next sprint"));
    // The autofix: applying its replacements by line and column gives the fixed file.
    let fixed_by = results.iter().find(|r| r.get("fixes").is_some()).expect("a fix");
    let change = &fixed_by["fixes"][0]["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "compose.yaml");
    assert_eq!(change["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    let rep = &change["replacements"][0];
    let reg = &rep["deletedRegion"];
    let offset = |line: &Value, col: &Value| {
        let start: usize = short.split_inclusive('\n').take(line.as_u64().unwrap() as usize - 1).map(str::len).sum();
        start + col.as_u64().unwrap() as usize - 1
    };
    let (s, e) = (offset(&reg["startLine"], &reg["startColumn"]), offset(&reg["endLine"], &reg["endColumn"]));
    let mut fixed = short.clone();
    fixed.replace_range(s..e, rep["insertedContent"]["text"].as_str().unwrap());
    assert!(fixed.contains("    depends_on:\n      db:\n        condition: service_healthy\n"), "{fixed}");
}

#[test]
fn junit_is_well_formed_with_a_failure_per_error_or_warning() {
    let xml = stdout(&run(&["check", "fixtures/nexus", "--format", "junit"]));
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let json = json_of(&["check", "fixtures/nexus", "--format", "json"]);
    let s = &json["summary"];
    let failing = s["errors"].as_u64().unwrap() + s["warnings"].as_u64().unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("failures").unwrap().parse::<u64>().unwrap(), failing);
    let failures = doc.descendants().filter(|n| n.has_tag_name("failure")).count() as u64;
    assert_eq!(failures, failing);
    let suites: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testsuite")).collect();
    assert_eq!(suites.len() as u64, s["files"].as_u64().unwrap(), "one suite per file");
    for suite in &suites {
        let cases = suite.children().filter(|n| n.has_tag_name("testcase")).count();
        assert_eq!(suite.attribute("tests").unwrap().parse::<usize>().unwrap(), cases);
        assert!(cases >= 1);
    }
    let f = doc.descendants().find(|n| n.has_tag_name("failure")).unwrap();
    assert!(f.text().unwrap().contains("https://github.com/nexus-lint/nexus-lint/blob/main/rules/"), "{f:?}");
}

#[test]
fn markdown_summary() {
    let md = stdout(&run(&["check", "fixtures/nexus", "--format", "markdown"]));
    assert!(md.starts_with("### nexus-lint\n\n**"), "{md}");
    assert!(md.contains("| severity | rule | location | message |"));
    assert!(md.contains("[NX101 dependency-not-awaited](https://github.com/nexus-lint/nexus-lint/blob/main/rules/startup/NX101-dependency-not-awaited.md)"), "{md}");
    let clean = stdout(&run(&["check", "fixtures/nexus-fixed", "--format", "markdown", "--select", "NX1"]));
    assert!(clean.contains("No problems in"), "{clean}");
}

#[test]
fn one_run_writes_several_reports() {
    let d = tempfile::tempdir().unwrap();
    let sarif = d.path().join("r.sarif");
    let junit = d.path().join("r.xml");
    let out = run(&[
        "check",
        "fixtures/nexus",
        "--format",
        "json",
        "--report",
        &format!("sarif={}", sarif.display()),
        "--report",
        &format!("junit={}", junit.display()),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let reported = sarif["runs"][0]["results"].as_array().unwrap().iter().filter(|r| r.get("suppressions").is_none());
    assert_eq!(reported.count(), json["diagnostics"].as_array().unwrap().len());
    assert!(std::fs::read_to_string(&junit).unwrap().starts_with("<?xml"));
}
