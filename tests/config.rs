//! Configuration rules (NX4xx) on the cases the issue names: a schema violation inside an
//! embedded JSON file is reported at its line in the manifest; generated objects and optional
//! references are not dangling.

use crate::util::check_files;
use nexus_lint::check::Outcome;

/// `CODE file:line` of every finding of these codes.
fn found(o: &Outcome, codes: &[&str]) -> Vec<String> {
    o.diagnostics
        .iter()
        .filter(|d| codes.contains(&d.code))
        .map(|d| {
            let f = o.loaded.db.get(d.span().file);
            format!("{} {}:{}", d.code, f.path, f.position(d.span().start).line)
        })
        .collect()
}

const SETTINGS_SCHEMA: &str = r#"{
  "type": "object",
  "properties": {
    "http": {
      "type": "object",
      "additionalProperties": false,
      "properties": {"port": {"type": "integer"}, "request_timeout_seconds": {"type": "integer"}}
    }
  }
}"#;

#[test]
fn a_schema_violation_inside_embedded_json_is_reported_at_its_line_in_the_manifest() {
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-settings\n  annotations:\n    nexus-lint.io/schema: schemas/settings.schema.json\ndata:\n  settings.json: |\n    {\n      \"http\": {\n        \"port\": 8000,\n        \"request_timeout_seconds\": \"30s\"\n      }\n    }\n";
    let o = check_files(&[("k8s/configmap.yaml", cm), ("schemas/settings.schema.json", SETTINGS_SCHEMA)]);
    // Line 12 of the manifest is line 4 of the embedded file.
    assert_eq!(found(&o, &["NX403", "NX404"]), ["NX403 k8s/configmap.yaml:12"]);
    let d = o.diagnostics.iter().find(|d| d.code == "NX403").unwrap();
    assert!(d.message.contains("\"30s\" is not of type \"integer\""), "{}", d.message);
    let src = o.loaded.db.get(d.span().file);
    assert_eq!(src.slice(d.span()), "\"30s\"");
    // Declared in `.nexus-lint.yaml` style (no annotation): the same place.
    let fixed = cm.replace("\"30s\"", "30");
    let o = check_files(&[("k8s/configmap.yaml", &fixed), ("schemas/settings.schema.json", SETTINGS_SCHEMA)]);
    assert_eq!(found(&o, &["NX403", "NX404"]), Vec::<String>::new());
    // Without a schema, the file is only noted (NX404, at its key).
    let bare = cm.replace("  annotations:\n    nexus-lint.io/schema: schemas/settings.schema.json\n", "");
    assert_eq!(
        found(&check_files(&[("k8s/configmap.yaml", &bare)]), &["NX403", "NX404"]),
        ["NX404 k8s/configmap.yaml:6"]
    );
}

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: ghcr.io/acme/web:2.1.0\n          env:\n            - name: LOG_LEVEL\n              valueFrom:\n                configMapKeyRef:\n                  name: web-config\n                  key: LOG_LEVEL\n";

#[test]
fn a_config_map_generator_reference_is_not_reported() {
    let kustomization = "resources:\n  - deployment.yaml\nconfigMapGenerator:\n  - name: web-config\n    literals:\n      - LOG_LEVEL=info\n";
    let o = check_files(&[("kustomization.yaml", kustomization), ("deployment.yaml", DEPLOYMENT)]);
    // Defined (NX401 silent), and its hashed name rolls the pods (NX402 silent).
    assert_eq!(found(&o, &["NX401", "NX402"]), Vec::<String>::new());
    // Without the generator, another ConfigMap of the repository makes the name a dangling one.
    let other = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-settings\ndata:\n  LOG_LEVEL: info\n";
    let o = check_files(&[("other.yaml", other), ("deployment.yaml", DEPLOYMENT)]);
    assert_eq!(found(&o, &["NX401"]), ["NX401 deployment.yaml:19"]);
    // A key the generator does not define is.
    let wrong_key = kustomization.replace("LOG_LEVEL=info", "LOGLEVEL=info");
    let o = check_files(&[("kustomization.yaml", &wrong_key), ("deployment.yaml", DEPLOYMENT)]);
    assert_eq!(found(&o, &["NX401"]), ["NX401 deployment.yaml:20"]);
}

#[test]
fn an_optional_reference_is_not_reported() {
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-secrets\nstringData:\n  token: x\n";
    let deployment = |optional: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels: {{app: api}}\n  template:\n    metadata:\n      labels: {{app: api}}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.0.0\n          env:\n            - name: SENTRY_DSN\n              valueFrom:\n                secretKeyRef:\n                  name: sentry\n                  key: dsn{optional}\n          envFrom:\n            - configMapRef:\n                name: api-extra{optional}\n"
        )
    };
    let optional = deployment("\n                  optional: true");
    let o = check_files(&[("secret.yaml", secret), ("deployment.yaml", &optional)]);
    assert_eq!(found(&o, &["NX401"]), Vec::<String>::new());
    let required = deployment("");
    let o = check_files(&[("secret.yaml", secret), ("deployment.yaml", &required)]);
    assert!(found(&o, &["NX401"]).contains(&"NX401 deployment.yaml:19".to_string()), "{:?}", found(&o, &["NX401"]));
}

#[test]
fn the_readme_configuration_example_is_read_and_matches_the_config_schema() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let block = readme
        .split("## Configuration")
        .nth(1)
        .and_then(|s| s.split("```yaml\n").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("the configuration example");
    nexus_lint::config::parse_config("README.md", block).expect("the reader accepts the example");
    let y = nexus_source::yaml::parse(
        nexus_source::FileId(0),
        std::sync::Arc::from(block),
        &nexus_source::yaml::Limits::default(),
    );
    let value = nexus_source::yaml::json::to_json(y.docs.iter().find_map(|d| y.root(d)).unwrap());
    let schema = nexus_lint::config_schema::schema();
    let v = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let errors: Vec<String> = v.iter_errors(&value).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // And the command prints it.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nexus-lint")).arg("config-schema").output().unwrap();
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(printed, schema);
}

/// The credential NX407 found, as written: the password of a URL, else the whole value.
fn credential_text(o: &Outcome, d: &nexus_diagnostics::Diagnostic) -> String {
    let text = o.loaded.db.get(d.span().file).slice(d.span()).trim_matches(['"', '\'']).to_string();
    match nexus_model::redact::url_password(&text) {
        Some((a, b)) => text[a..b].to_string(),
        None => text,
    }
}

#[test]
fn no_credential_nx407_finds_on_a_fixture_appears_in_any_output_format() {
    let mut checked = 0;
    for dir in crate::fixtures::fixture_dirs() {
        if dir.starts_with("fixtures/simulation/") {
            continue;
        }
        let o = crate::util::check_paths(&[&dir]);
        // A credential that is a plain word (`password`, `admin`) appears in any English text;
        // those are checked by `cli::secret_values_are_never_printed`'s distinctive value.
        let secrets: Vec<String> = o
            .diagnostics
            .iter()
            .filter(|d| d.code == "NX407")
            .map(|d| credential_text(&o, d))
            .filter(|s| !s.bytes().all(|b| b.is_ascii_lowercase()))
            .collect();
        if secrets.is_empty() {
            continue;
        }
        for format in ["human", "json", "github", "sarif", "junit", "markdown"] {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_nexus-lint"))
                .args(["check", &dir, "--no-config", "--color", "always", "--format", format])
                .output()
                .unwrap();
            let s = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
            assert!(s.contains("NX407"), "{dir} {format}: no NX407 in the output");
            for secret in &secrets {
                assert!(!s.contains(secret.as_str()), "{dir} {format}: prints a credential NX407 found");
            }
            checked += 1;
        }
    }
    assert!(checked >= 12, "NX407 fires on too few fixtures to test: {checked}");
}
