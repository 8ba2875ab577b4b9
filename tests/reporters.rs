//! Output formats: the JSON document validates against its published schema, GitHub
//! annotations are well-formed, and every format is byte-identical at any thread count.

use crate::util::{bin, stdout};

fn run_threads(threads: &str, args: &[&str]) -> Vec<u8> {
    let out =
        bin().current_dir(env!("CARGO_MANIFEST_DIR")).env("RAYON_NUM_THREADS", threads).args(args).output().unwrap();
    out.stdout
}

#[test]
fn json_output_matches_its_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/json-output.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for dir in ["fixtures/nexus", "fixtures/nexus-fixed"] {
        let out =
            bin().current_dir(env!("CARGO_MANIFEST_DIR")).args(["check", dir, "--format", "json"]).output().unwrap();
        let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let errors: Vec<String> =
            validator.iter_errors(&doc).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(errors.is_empty(), "{dir}: {errors:#?}");
        assert_eq!(doc["version"], 1);
    }
}

#[test]
fn output_is_identical_at_any_thread_count() {
    let dirs = crate::fixtures::fixture_dirs();
    for format in ["json", "human", "github"] {
        let mut args = vec!["check", "--format", format];
        args.extend(dirs.iter().map(String::as_str));
        let one = run_threads("1", &args);
        let eight = run_threads("8", &args);
        assert!(!one.is_empty());
        assert!(one == eight, "{format} output differs between 1 and 8 threads");
    }
}

#[test]
fn github_annotations_are_one_line_each() {
    let out = bin()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "fixtures/nexus", "--format", "github"])
        .output()
        .unwrap();
    let s = stdout(&out);
    assert!(!s.is_empty());
    for line in s.lines() {
        assert!(
            line.starts_with("::error ") || line.starts_with("::warning ") || line.starts_with("::notice "),
            "{line}"
        );
        assert!(line.contains(",line=") && line.contains(",title=nexus-lint NX"), "{line}");
    }
}
