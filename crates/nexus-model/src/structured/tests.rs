use super::*;
use crate::declared::{Declared as Config, SchemaMapping};
use crate::load::{load_memory, load_memory_configured};

const SCHEMA: &str = r#"{"type":"object","properties":{"http":{"type":"object","properties":{"timeout":{"type":"integer"}},"additionalProperties":false}}}"#;

fn cm(annotations: &str, data: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  annotations:{annotations}\ndata:\n{data}")
}

fn line_of(l: &crate::load::Loaded, span: Span) -> (u32, String) {
    let src = l.db.get(span.file);
    (src.position(span.start).line, src.slice(span).to_string())
}

#[test]
fn a_violation_inside_embedded_json_is_at_its_line_in_the_manifest() {
    let data = "  settings.json: |\n    {\n      \"http\": {\n        \"timeout\": \"30s\",\n        \"extra\": 1\n      }\n    }\n";
    let l = load_memory(&[
        ("k8s/prod/cm.yaml".into(), cm("\n    nexus-lint.io/schema: schemas/s.json", data)),
        ("schemas/s.json".into(), SCHEMA.into()),
    ]);
    let s = &l.platform.structured;
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].format, DataFormat::Json);
    assert_eq!(s[0].schema.as_ref().unwrap().path.as_deref(), Some("schemas/s.json"));
    let got: Vec<(u32, String, String)> = s[0]
        .problems
        .iter()
        .map(|p| {
            let (line, text) = line_of(&l, p.span);
            (line, text, p.message.clone())
        })
        .collect();
    assert!(got.iter().any(|(line, text, m)| *line == 11 && text == "\"30s\"" && m.contains("integer")), "{got:#?}");
    assert!(
        got.iter().any(|(line, text, m)| *line == 12 && text == "\"extra\"" && m.contains("not allowed")),
        "{got:#?}"
    );
}

#[test]
fn yaml_toml_and_properties_are_located_too() {
    let data = "  app.yaml: |\n    http:\n      timeout: soon\n  app.toml: |\n    [http]\n    timeout = \"soon\"\n  app.properties: |\n    http.timeout=soon\n";
    let schema = r#"{"type":"object","properties":{"http":{"properties":{"timeout":{"type":"integer"}}},"http.timeout":{"type":"integer"}}}"#;
    let l = load_memory(&[
        ("cm.yaml".into(), cm("\n    nexus-lint.io/schema: s.json", data)),
        ("s.json".into(), schema.into()),
    ]);
    let lines: Vec<(u32, String)> =
        l.platform.structured.iter().flat_map(|s| s.problems.iter().map(|p| line_of(&l, p.span))).collect();
    assert_eq!(lines, [(10, "soon".into()), (13, "\"soon\"".into()), (15, "soon".into())]);
}

#[test]
fn syntax_errors_missing_schemas_and_no_schema() {
    let l = load_memory(&[(
        "cm.yaml".into(),
        cm(
            "\n    nexus-lint.io/schema.b.json: nowhere.json",
            "  a.json: |\n    {\"x\": 1,}\n  b.json: '{\"y\": 2}'\n  c.toml: 'k = 1'\n  plain: hello\n",
        ),
    )]);
    let s = &l.platform.structured;
    assert_eq!(s.len(), 3);
    assert_eq!(s[0].problems[0].kind, ProblemKind::Syntax);
    assert_eq!(line_of(&l, s[0].problems[0].span).0, 9);
    assert_eq!(s[1].problems[0].kind, ProblemKind::Schema);
    assert!(s[1].problems[0].message.contains("not in the repository"));
    assert!(s[2].schema.is_none() && s[2].problems.is_empty());
}

#[test]
fn configuration_mappings_and_whole_data() {
    let declared = Config {
        schemas: vec![SchemaMapping {
            name: "app".into(),
            namespace: None,
            key: None,
            schema: "schemas/env.json".into(),
            written: "schemas/env.json".into(),
        }],
        ..Config::default()
    };
    let l = load_memory_configured(
        &[
            ("cm.yaml".into(), cm(" {}", "  LOG_LEVEL: loud\n  TZ: UTC\n")),
            ("schemas/env.json".into(), r#"{"properties":{"LOG_LEVEL":{"enum":["info","debug"]}}}"#.into()),
        ],
        Vec::new(),
        Vec::new(),
        declared,
        Default::default(),
    );
    let s = &l.platform.structured;
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].format, DataFormat::Data);
    assert_eq!(line_of(&l, s[0].problems[0].span), (7, "loud".into()));
}

#[test]
fn credentials_in_embedded_files() {
    let l = load_memory(&[(
        "cm.yaml".into(),
        cm(
            " {}",
            "  application.properties: |\n    spring.datasource.password=hunter2\n    spring.datasource.url=jdbc:x\n",
        ),
    )]);
    let c = &l.platform.structured[0].credentials;
    assert_eq!(c.len(), 1);
    assert_eq!(line_of(&l, c[0].2), (8, "hunter2".into()));
}

#[test]
fn formats_by_key_and_content() {
    assert_eq!(detect("settings.json", ""), Some(DataFormat::Json));
    assert_eq!(detect("config", "{\"a\": 1}"), Some(DataFormat::Json));
    assert_eq!(detect("config", "{}"), None);
    assert_eq!(detect("script.sh", "{ echo; }"), None);
    assert_eq!(detect("prometheus.yml", ""), Some(DataFormat::Yaml));
}
