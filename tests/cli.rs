//! The command line: exit codes, flags, config discovery, stdin, output files.

use std::fs;
use std::io::{Read, Write};
use std::process::Stdio;

use crate::util::{bin, run, run_in, stderr, stdout};

const LATEST: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:latest\n";
const CLEAN: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27.1\n";

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (p, t) in files {
        let path = d.path().join(p);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, t).unwrap();
    }
    d
}

#[test]
fn exit_codes_follow_fail_on() {
    let d = dir_with(&[("pod.yaml", LATEST), ("clean/pod.yaml", CLEAN)]);
    let out = run_in(d.path(), &["check", "clean"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("no problems in 1 files"));
    assert_eq!(run_in(d.path(), &["check", "pod.yaml"]).status.code(), Some(1));
    assert_eq!(run_in(d.path(), &["check", "pod.yaml", "--fail-on", "error"]).status.code(), Some(0));
    assert_eq!(run_in(d.path(), &["check", "pod.yaml", "--fail-on", "never"]).status.code(), Some(0));
    assert_eq!(run_in(d.path(), &["check", "pod.yaml", "--fail-on", "sometimes"]).status.code(), Some(2));
    let missing = run_in(d.path(), &["check", "nope.yaml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("nope.yaml"), "{}", stderr(&missing));
    assert_eq!(run_in(d.path(), &["check", "--format", "xml"]).status.code(), Some(2));
}

#[test]
fn select_and_ignore() {
    let d = dir_with(&[("pod.yaml", LATEST)]);
    let out = run_in(d.path(), &["check", "pod.yaml", "--select", "NX6", "--format", "json"]);
    assert!(!stdout(&out).contains("NX501"));
    let out = run_in(d.path(), &["check", "pod.yaml", "--select", "NX5", "--format", "json"]);
    assert!(stdout(&out).contains("NX501"));
    let out = run_in(d.path(), &["check", "pod.yaml", "--ignore", "mutable-image-tag", "--format", "json"]);
    assert!(!stdout(&out).contains("NX501"));
    let out = run_in(d.path(), &["check", "pod.yaml", "--select", "NX999"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("NX999"));
}

#[test]
fn config_is_found_upward_and_errors_have_positions() {
    let d = dir_with(&[
        (
            ".nexus-lint.yaml",
            "ignores:\n  - rules: [NX501]\n    resource: Pod/web\n    reason: vendor image, pinned by digest upstream\n  - rules: [mutable-image-tag]\n    resource: Pod/gone\n    reason: stale\n",
        ),
        ("k8s/pod.yaml", LATEST),
    ]);
    let out = run_in(&d.path().join("k8s"), &["check", ".", "--format", "json"]);
    let s = stdout(&out);
    assert!(!s.contains("\"NX501\""), "{s}");
    assert!(s.contains("\"NX006\""), "the unused second entry is reported: {s}");
    assert!(s.contains("matches no finding"), "{s}");
    let out = run_in(&d.path().join("k8s"), &["check", ".", "--no-config", "--format", "json"]);
    assert!(stdout(&out).contains("\"NX501\""));
    let bad = dir_with(&[(".nexus-lint.yaml", "select: [NX5]\nfail_on: error\n"), ("pod.yaml", CLEAN)]);
    let out = run_in(bad.path(), &["check", "pod.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(".nexus-lint.yaml:2:1"), "{}", stderr(&out));
    assert!(stderr(&out).contains("fail_on"), "{}", stderr(&out));
}

#[test]
fn expired_ignores_stop_suppressing() {
    let d = dir_with(&[
        (
            ".nexus-lint.yaml",
            "ignores:\n  - rules: [NX501]\n    reason: until the mirror is ready\n    expires: 2020-01-01\n",
        ),
        ("pod.yaml", LATEST),
    ]);
    let s = stdout(&run_in(d.path(), &["check", "pod.yaml", "--format", "json"]));
    assert!(s.contains("\"NX501\""), "{s}");
    assert!(s.contains("expired on 2020-01-01"), "{s}");
}

#[test]
fn inline_suppressions() {
    let annotated =
        LATEST.replace("  name: web\n", "  name: web\n  annotations:\n    nexus-lint.io/ignore: \"NX501, NX601\"\n");
    let commented = LATEST.replace("  name: web\n", "  name: api\n").replace(
        "      image: nginx:latest\n",
        "      image: nginx:latest  # nexus-lint: ignore[NX501] pinned by the registry mirror\n",
    );
    let d = dir_with(&[("a.yaml", &annotated), ("b.yaml", &commented)]);
    let s = stdout(&run_in(d.path(), &["check", ".", "--format", "json"]));
    assert!(!s.contains("\"NX501\""), "{s}");
    // NX601 is enabled and there was nothing to suppress: the annotation's entry is reported.
    assert!(s.contains("suppression of `NX601` (readiness-missing) matches no finding"), "{s}");
    assert_eq!(s.matches("\"NX006\"").count(), 1, "{s}");
}

#[test]
fn stdin_with_helm_sources() {
    let stream = format!("---\n# Source: web/templates/pod.yaml\n{LATEST}");
    let mut child = bin()
        .args(["check", "-", "--format", "json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stream.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &v["diagnostics"][0];
    assert_eq!(d["file"], "-");
    assert_eq!(d["line"], 10);
    assert_eq!(d["template"], "web/templates/pod.yaml");
}

#[test]
fn output_file_and_github_default() {
    let d = dir_with(&[("pod.yaml", LATEST)]);
    let out = run_in(d.path(), &["check", "pod.yaml", "--format", "json", "--output", "report.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
    let report = fs::read_to_string(d.path().join("report.json")).unwrap();
    assert!(report.contains("\"NX501\""));
    let out = bin().current_dir(d.path()).args(["check", "pod.yaml"]).env("GITHUB_ACTIONS", "true").output().unwrap();
    assert!(
        stdout(&out).starts_with(
            "::warning file=pod.yaml,line=8,endLine=8,col=14,endColumn=26,title=nexus-lint NX501 (mutable-image-tag)::"
        ),
        "{}",
        stdout(&out)
    );
}

#[test]
fn broken_pipe_exits_zero() {
    let many: String = (0..3000).map(|i| LATEST.replace("name: web\n", &format!("name: web{i}\n")) + "---\n").collect();
    let d = dir_with(&[("many.yaml", &many)]);
    let mut child = bin().current_dir(d.path()).args(["check", "many.yaml"]).stdout(Stdio::piped()).spawn().unwrap();
    let mut first = [0u8; 16];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn rules_and_rule() {
    let out = run(&["rules"]);
    assert_eq!(out.status.code(), Some(0));
    for r in nexus_rules::all() {
        assert!(stdout(&out).contains(r.code));
    }
    let out = run(&["rule", "NX501"]);
    assert!(stdout(&out).contains("## Why is this bad?"));
    assert_eq!(stdout(&run(&["rule", "mutable-image-tag"])), stdout(&out));
    assert_eq!(run(&["rule", "NX000"]).status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_str(&stdout(&run(&["rules", "--format", "json"]))).unwrap();
    assert_eq!(json.as_array().unwrap().len(), nexus_rules::all().len());
}

#[test]
fn secret_values_are_never_printed() {
    const SECRET: &str = "S3cr3tPassw0rd-do-not-print";
    let files = [
        (
            "app.yaml",
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: api}}\nspec:\n  selector: {{matchLabels: {{app: api}}}}\n  template:\n    metadata: {{labels: {{app: api}}}}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:latest\n          env:\n            - {{name: DATABASE_URL, value: \"postgres://app:{SECRET}@db:5432/app\"}}\n            - {{name: DB_PASSWORD, value: {SECRET}}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: db}}\nspec:\n  selector: {{matchLabels: {{app: db}}}}\n  template:\n    metadata: {{labels: {{app: db}}}}\n    spec:\n      containers:\n        - name: postgres\n          image: postgres:16.4\n          env:\n            - {{name: POSTGRES_PASSWORD, value: {SECRET}}}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: db}}\nspec:\n  selector: {{app: db}}\n  ports: [{{port: 5432}}]\n"
            ),
        ),
        (
            "secret.yaml",
            format!(
                "apiVersion: v1\nkind: Secret\nmetadata: {{name: creds}}\nstringData:\n  password: {SECRET}\n  pin: 12345\ndata:\n  token: 42\n"
            ),
        ),
        // NX407's inputs: a ConfigMap key, a file embedded in a ConfigMap, Compose `environment`.
        (
            "config.yaml",
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: app}}\ndata:\n  SMTP_PASSWORD: {SECRET}\n  application.properties: |\n    spring.datasource.url=jdbc:postgresql://db/app\n    spring.datasource.password={SECRET}\n  settings.json: |\n    {{\"db\": {{\"url\": \"postgres://app:{SECRET}@db/app\", \"api_token\": \"{SECRET}\"}}}}\n"
            ),
        ),
        (
            "compose.yaml",
            format!(
                "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD: {SECRET}\n  api:\n    image: ghcr.io/acme/api:1.0.0\n    environment:\n      DATABASE_URL: postgres://app:{SECRET}@db:5432/app\n      API_TOKEN: \"{SECRET}\"\n"
            ),
        ),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let d = dir_with(&files);
    for format in ["human", "json", "github", "sarif", "junit", "markdown"] {
        let out = run_in(d.path(), &["check", ".", "--format", format, "--color", "always"]);
        let s = stdout(&out) + &stderr(&out);
        assert!(s.contains("NX"), "{format}: expected findings: {s}");
        assert!(s.contains("NX407"), "{format}: expected plaintext-secret findings: {s}");
        assert!(!s.contains(SECRET), "{format} output prints a secret:\n{s}");
        assert!(!s.contains("12345") && !s.contains("`42`"), "{format} output prints a Secret value:\n{s}");
    }
}

#[test]
fn completions_and_man_page() {
    for (shell, marker) in
        [("bash", "complete -F _nexus__lint"), ("zsh", "#compdef nexus-lint"), ("fish", "complete -c nexus-lint")]
    {
        let out = run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let s = stdout(&out);
        assert!(s.contains(marker), "{shell}: {s}");
        assert!(s.contains("write-baseline") && s.contains("sarif"), "{shell} completes the options and formats");
    }
    assert_eq!(run(&["completions", "tcsh"]).status.code(), Some(2));
    let man = stdout(&run(&["manpage"]));
    assert!(man.starts_with(".ie \\n(.g .ds Aq") || man.contains(".TH nexus-lint 1"), "{man}");
    assert!(man.contains(".TH nexus-lint 1") && man.contains("completions") && man.contains("fix"), "{man}");
    let d = tempfile::tempdir().unwrap();
    let out = run(&["manpage", "--dir", d.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let check = fs::read_to_string(d.path().join("nexus-lint-check.1")).unwrap();
    assert!(check.contains(".TH nexus-lint-check 1") && check.contains("baseline"), "{check}");
    assert!(d.path().join("nexus-lint-fix.1").is_file() && d.path().join("nexus-lint.1").is_file());
}

#[test]
fn stats_go_to_stderr_and_leave_stdout_unchanged() {
    let plain = run(&["check", "fixtures/nexus", "--format", "json", "--no-config"]);
    let stats = run(&["check", "fixtures/nexus", "--format", "json", "--no-config", "--stats"]);
    let env = bin()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NEXUS_LINT_TIMINGS", "1")
        .args(["check", "fixtures/nexus", "--format", "json", "--no-config"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!plain.stdout.is_empty());
    assert_eq!(stats.stdout, plain.stdout, "--stats must not change stdout");
    assert_eq!(env.stdout, plain.stdout, "NEXUS_LINT_TIMINGS must not change stdout");
    assert_eq!(stats.status.code(), plain.status.code());
    assert!(!stderr(&plain).contains("stage timings"), "{}", stderr(&plain));
    for out in [&stats, &env] {
        let err = stderr(out);
        for stage in
            ["reading", "parsing", "front ends", "linking", "rules", "suppression", "redaction", "reporting", "total"]
        {
            assert!(err.contains(stage), "stage `{stage}` missing from stderr:\n{err}");
        }
        // Linux has /proc/self/status: each stage's resident memory and the peak are shown.
        if cfg!(target_os = "linux") {
            assert!(err.contains("resident MB") && err.contains("\n  peak "), "{err}");
        }
    }
}
