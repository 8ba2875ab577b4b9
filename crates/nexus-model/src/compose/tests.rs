//! End-to-end tests of the Compose front end over in-memory files.

use std::sync::Arc;

use super::{ComposeModel, Files, build};
use crate::{EdgeKind, EnvSource, ProbeHandler, Workload};
use nexus_source::yaml::{Limits, YamlFile, parse};
use nexus_source::{FileId, SourceDb, Span};

struct Mem {
    db: SourceDb,
}

impl Files for Mem {
    fn load(&mut self, path: &str) -> Option<FileId> {
        self.db.find(path).map(|f| f.id)
    }

    fn exists(&self, path: &str) -> bool {
        self.db.find(path).is_some()
    }

    fn db(&self) -> &SourceDb {
        &self.db
    }
}

struct Run {
    fs: Mem,
    m: ComposeModel,
}

impl Run {
    fn text(&self, s: Span) -> &str {
        self.fs.db.get(s.file).slice(s)
    }

    fn path(&self, s: Span) -> &str {
        &self.fs.db.get(s.file).path
    }

    /// The workload of a service, in the project of the given index.
    fn service(&self, project: usize, name: &str) -> &Workload {
        self.m
            .workloads
            .iter()
            .find(|w| w.project.map(|p| p.index()) == Some(project) && w.name.value == name)
            .unwrap_or_else(|| panic!("no service {name} in project {project}"))
    }

    fn problems(&self) -> Vec<(String, &str, String)> {
        self.m.problems.iter().map(|p| (self.path(p.span).to_string(), self.text(p.span), p.message.clone())).collect()
    }
}

/// Compose files are the `.yml`/`.yaml` ones; the others (`.env`, env files, secrets) are only
/// there to be loaded.
fn run(files: &[(&str, &str)]) -> Run {
    let mut db = SourceDb::new();
    let mut trees: Vec<YamlFile> = Vec::new();
    let mut sorted: Vec<&(&str, &str)> = files.iter().collect();
    sorted.sort();
    for (path, text) in sorted {
        let id = db.add(path.to_string(), Arc::from(*text));
        if path.ends_with(".yml") || path.ends_with(".yaml") {
            trees.push(parse(id, Arc::from(*text), &Limits::default()));
        }
    }
    let inputs: Vec<(FileId, &YamlFile)> = trees.iter().map(|y| (y.file, y)).collect();
    let mut fs = Mem { db };
    let m = build(&inputs, &mut fs);
    Run { fs, m }
}

fn offset_of(text: &str, needle: &str) -> u32 {
    text.find(needle).unwrap_or_else(|| panic!("{needle} not in text")) as u32
}

#[test]
fn projects_group_base_override_and_variants() {
    let r = run(&[
        ("app/docker-compose.yml", "services:\n  web:\n    image: web:1\n"),
        ("app/docker-compose.override.yml", "services:\n  web:\n    environment:\n      DEBUG: \"1\"\n"),
        ("app/docker-compose.prod.yml", "services:\n  web:\n    image: web:2\n"),
        ("app/stack.yml", "services:\n  other:\n    image: o:1\n"),
        ("lonely/docker-compose.ci.yml", "services:\n  ci:\n    image: ci:1\n"),
    ]);
    let projects: Vec<(String, Vec<&str>)> =
        r.m.projects
            .iter()
            .map(|p| (p.name.clone(), p.files.iter().map(|f| r.fs.db.get(*f).path.as_str()).collect()))
            .collect();
    assert_eq!(
        projects,
        vec![
            ("app".to_string(), vec!["app/docker-compose.yml", "app/docker-compose.override.yml"]),
            ("app".to_string(), vec!["app/docker-compose.prod.yml"]),
            ("app".to_string(), vec!["app/stack.yml"]),
            ("lonely".to_string(), vec!["lonely/docker-compose.ci.yml"]),
        ]
    );
    // The main project merges the override; a sibling file stands alone (pattern 7: siblings
    // are alternatives as often as layers).
    let main = r.service(0, "web");
    assert_eq!(main.containers[0].env[0].name.value, "DEBUG");
    assert_eq!(main.containers[0].image_str(), "web:1");
    let prod = r.service(1, "web");
    assert!(prod.containers[0].env.is_empty());
    assert_eq!(prod.containers[0].image_str(), "web:2");
    // One workload per service per project, no more.
    assert_eq!(r.m.workloads.len(), 4);
    assert_eq!(r.m.endpoints.len(), 4);
    assert!(r.m.problems.is_empty(), "{:?}", r.problems());
}

#[test]
fn compose_file_and_project_name_come_from_dot_env() {
    let r = run(&[
        ("svc/.env", "COMPOSE_FILE=base.yml;extra/more.yml\nCOMPOSE_PATH_SEPARATOR=;\nCOMPOSE_PROJECT_NAME=Shop_1\n"),
        ("svc/base.yml", "name: ignored\nservices:\n  api:\n    image: api:1\n"),
        ("svc/extra/more.yml", "services:\n  api:\n    depends_on: [db]\n  db:\n    image: postgres:16\n"),
        ("svc/docker-compose.yml", "services:\n  x:\n    image: x:1\n"),
        ("svc/docker-compose.test.yml", "services:\n  t:\n    image: t:1\n"),
    ]);
    // `svc/extra/more.yml` belongs to the `svc` project, not to one of its own.
    assert_eq!(r.m.projects.len(), 3);
    let p = &r.m.projects[0];
    assert_eq!(p.name, "shop_1");
    let files: Vec<&str> = p.files.iter().map(|f| r.fs.db.get(*f).path.as_str()).collect();
    assert_eq!(files, ["svc/base.yml", "svc/extra/more.yml"]);
    assert_eq!(r.fs.db.get(p.env_file.unwrap()).path, "svc/.env");
    let api = r.service(0, "api");
    assert_eq!(r.m.edges[0].target.value, "db");
    assert_eq!(r.m.edges[0].consumer, api.id);
    // Files outside the list stand alone.
    let rest: Vec<Vec<&str>> =
        r.m.projects[1..].iter().map(|p| p.files.iter().map(|f| r.fs.db.get(*f).path.as_str()).collect()).collect();
    assert_eq!(rest, vec![vec!["svc/docker-compose.test.yml"], vec!["svc/docker-compose.yml"]]);
    assert!(r.m.problems.is_empty(), "{:?}", r.problems());
}

#[test]
fn compose_file_naming_a_missing_file_is_reported_in_dot_env() {
    let env = "COMPOSE_FILE=compose.yaml:nope.yml\n";
    let r = run(&[("p/.env", env), ("p/compose.yaml", "services:\n  a:\n    image: a:1\n")]);
    assert_eq!(
        r.problems(),
        vec![(
            "p/.env".to_string(),
            "compose.yaml:nope.yml",
            "`COMPOSE_FILE` names `nope.yml`, which does not exist".to_string()
        )]
    );
    assert_eq!(r.m.projects.len(), 1);
}

#[test]
fn values_are_interpolated_from_dot_env_with_their_own_spans() {
    let compose = "services:\n  api:\n    image: \"acme/api:${TAG}\"\n    command: run --port ${PORT:-80} $$HOME\n    environment:\n      - URL=http://${HOST:-localhost}:${PORT:-80}\n      - FROM_DOTENV\n      - FROM_SHELL\n";
    let r = run(&[("d/.env", "TAG=1.2.3\nFROM_DOTENV=yes\n"), ("d/compose.yaml", compose)]);
    let c = &r.service(0, "api").containers[0];
    let image = c.image.as_ref().unwrap();
    assert_eq!(image.value, "acme/api:1.2.3");
    assert_eq!(r.text(image.span), "\"acme/api:${TAG}\"");
    let args: Vec<&str> = c.args.iter().map(|a| a.value.as_str()).collect();
    assert_eq!(args, ["run", "--port", "80", "$HOME"]);
    assert!(c.args.iter().all(|a| r.text(a.span) == "run --port ${PORT:-80} $$HOME"));
    assert_eq!(c.env[0].value.as_ref().unwrap().value, "http://localhost:80");
    assert_eq!(r.text(c.env[0].name.span), "URL");
    let from_env = c.env[1].value.as_ref().unwrap();
    assert_eq!(from_env.value, "yes");
    assert_eq!(r.path(from_env.span), "d/.env");
    assert!(c.env[2].value.is_none());
    assert!(r.m.problems.is_empty(), "{:?}", r.problems());
}

#[test]
fn required_variables_and_bad_syntax_are_reported_at_the_scalar() {
    let compose = "services:\n  api:\n    image: api:1\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD:?set DB_PASSWORD in .env}\n      COST: \"5$\"\n      BAD: \"${1}\"\n";
    let r = run(&[(".env", "DB_PASSWORD=\n"), ("compose.yaml", compose)]);
    let problems = r.problems();
    assert_eq!(
        problems,
        vec![
            (
                "compose.yaml".to_string(),
                "${DB_PASSWORD:?set DB_PASSWORD in .env}",
                "required variable `DB_PASSWORD` is set to the empty string: set DB_PASSWORD in .env".to_string()
            ),
            ("compose.yaml".to_string(), "\"${1}\"", "invalid interpolation format at `${1}`".to_string()),
        ]
    );
    assert_eq!(r.m.problems[0].resource.as_ref().unwrap().to_string(), "compose:api");
}

#[test]
fn unset_variables_are_unknown_and_noted_once_per_project() {
    let compose = "services:\n  api:\n    image: api:${TAG}\n    ports: [\"${PORT}:80\"]\n    environment:\n      P: ${PASSWORD:?set it}\n      URL: postgres://${USER}@db:5432/x\n  db:\n    image: postgres:16.4\n";
    let r = run(&[("compose.yaml", compose)]);
    let api = r.service(0, "api");
    assert_eq!(api.containers[0].image_str(), "api:${TAG}");
    assert_eq!(api.containers[0].ports[0].port.value, 80);
    assert_eq!(api.containers[0].ports[0].published.as_ref().unwrap().value, "${PORT}");
    let problems = r.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        problems[0].2,
        "variables `TAG`, `PORT`, `PASSWORD`, `USER` are set by no `.env` here, so what is built from them is not checked"
    );
}

#[test]
fn unknown_service_key_is_reported_at_the_key_with_a_suggestion() {
    let compose = "services:\n  api:\n    image: api:1\n    healtcheck:\n      test: [\"CMD\", \"true\"]\n";
    let r = run(&[("compose.yaml", compose)]);
    assert_eq!(r.m.problems.len(), 1, "{:?}", r.problems());
    let p = &r.m.problems[0];
    let start = offset_of(compose, "healtcheck");
    assert_eq!((p.span.start, p.span.end), (start, start + 10));
    assert_eq!(p.message, "unknown key `healtcheck` in service `api`");
    assert_eq!(p.help.as_deref(), Some("Did you mean `healthcheck`?"));
    assert_eq!(p.resource.as_ref().unwrap().to_string(), "compose:api");
}

#[test]
fn schema_errors_are_short_and_located() {
    let compose = "services:\n  api:\n    image: api:1\n    depends_on: db\n    ports: [{target: 80, protocl: tcp}]\n    environment:\n      API_TOKEN: [\"s3cret\"]\n    healthcheck:\n  db:\n    image: db:1\n    pull_policy: sometimes\n";
    let r = run(&[("compose.yaml", compose)]);
    let got: Vec<(&str, String)> = r.m.problems.iter().map(|p| (r.text(p.span), p.message.clone())).collect();
    assert!(got.contains(&("db", "`depends_on` must be a list or a mapping".into())), "{got:?}");
    assert!(got.contains(&("protocl", "unknown key `protocl` in `ports[0]`".into())), "{got:?}");
    assert!(
        got.contains(&("[\"s3cret\"]", "`environment.API_TOKEN` must be a string, a number, a boolean or null".into())),
        "{got:?}"
    );
    assert!(got.contains(&("healthcheck", "`healthcheck` must be a mapping".into())), "{got:?}");
    assert!(got.contains(&("sometimes", "`sometimes` is not a valid `pull_policy`".into())), "{got:?}");
    assert!(got.iter().all(|(_, m)| !m.contains("s3cret")));
}

#[test]
fn short_and_long_ports() {
    let compose = r#"services:
  web:
    image: web:1
    ports:
      - "8080:80"
      - "127.0.0.1:5432:5432/udp"
      - "9000-9001:7000-7001"
      - "3000"
      - 4000
      - "[::1]:6000:60"
      - target: 443
        published: "8443"
        host_ip: 0.0.0.0
        protocol: tcp
      - target: 444
    expose: ["9090", 80, "5000-5001/udp"]
"#;
    let r = run(&[("compose.yaml", compose)]);
    assert!(r.m.problems.is_empty(), "{:?}", r.problems());
    let c = &r.service(0, "web").containers[0];
    let ports: Vec<(i64, Option<&str>, &str)> = c
        .ports
        .iter()
        .map(|p| (p.port.value, p.published.as_ref().map(|s| s.value.as_str()), p.protocol.as_str()))
        .collect();
    assert_eq!(
        ports,
        vec![
            (80, Some("8080"), "TCP"),
            (5432, Some("5432"), "UDP"),
            (7000, Some("9000"), "TCP"),
            (7001, Some("9001"), "TCP"),
            (3000, Some(""), "TCP"),
            (4000, Some(""), "TCP"),
            (60, Some("6000"), "TCP"),
            (443, Some("8443"), "TCP"),
            (444, Some(""), "TCP"),
            (9090, None, "TCP"),
            (5000, None, "UDP"),
            (5001, None, "UDP"),
        ]
    );
    // Each part of a short-form port is spanned on its own.
    assert_eq!(r.text(c.ports[0].port.span), "80");
    assert_eq!(r.text(c.ports[0].published.as_ref().unwrap().span), "8080");
    assert_eq!(r.text(c.ports[1].port.span), "5432");
    assert_eq!(r.text(c.ports[7].port.span), "443");
    let e = &r.m.endpoints[0];
    let eps: Vec<(i64, &str)> = e.ports.iter().map(|p| (p.port.value, p.protocol.as_str())).collect();
    assert_eq!(
        eps,
        vec![
            (80, "TCP"),
            (5432, "UDP"),
            (7000, "TCP"),
            (7001, "TCP"),
            (3000, "TCP"),
            (4000, "TCP"),
            (60, "TCP"),
            (443, "TCP"),
            (444, "TCP"),
            (9090, "TCP"),
            (80, "TCP"),
            (5000, "UDP"),
            (5001, "UDP"),
        ]
        .into_iter()
        .fold(Vec::new(), |mut v, p| {
            if !v.contains(&p) {
                v.push(p);
            }
            v
        })
    );
}

#[test]
fn bad_ports_are_reported() {
    let r = run(&[("compose.yaml", "services:\n  web:\n    image: w:1\n    ports: [\"http:80x\"]\n")]);
    assert_eq!(
        r.problems(),
        vec![("compose.yaml".to_string(), "\"http:80x\"", "`http:80x` is not a valid port".to_string())]
    );
}

#[test]
fn healthcheck_forms_and_durations() {
    let compose = r#"services:
  exec:
    image: a:1
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost/health"]
      interval: 1m30s
      timeout: 500ms
      retries: 5
      start_period: 1.5s
      start_interval: 2s
  shell:
    image: a:1
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U app"]
  string:
    image: a:1
    healthcheck:
      test: redis-cli ping
  none:
    image: a:1
    healthcheck:
      test: ["NONE"]
  disabled:
    image: a:1
    healthcheck:
      disable: true
  broken:
    image: a:1
    healthcheck:
      test: ["CMD", "true"]
      interval: 10 seconds
"#;
    let r = run(&[("compose.yaml", compose)]);
    let probe = |name: &str| r.service(0, name).containers[0].readiness.clone().unwrap();
    let p = probe("exec");
    assert_eq!(p.period_ms.as_ref().unwrap().value, 90_000);
    assert_eq!(r.text(p.period_ms.as_ref().unwrap().span), "1m30s");
    assert_eq!(p.timeout_ms.unwrap().value, 500);
    assert_eq!(p.failure_threshold.unwrap().value, 5);
    assert_eq!(p.start_period_ms.unwrap().value, 1500);
    assert_eq!(r.text(p.key_span), "healthcheck");
    assert!(!p.disabled);
    match &p.handler {
        ProbeHandler::ComposeTest { command, shell } => {
            assert!(!shell);
            let words: Vec<&str> = command.iter().map(|c| c.value.as_str()).collect();
            assert_eq!(words, ["curl", "-f", "http://localhost/health"]);
            assert_eq!(r.text(command[0].span), "\"curl\"");
        }
        h => panic!("{h:?}"),
    }
    for (name, cmd) in [("shell", "pg_isready -U app"), ("string", "redis-cli ping")] {
        match &probe(name).handler {
            ProbeHandler::ComposeTest { command, shell } => {
                assert!(shell);
                assert_eq!(command.len(), 1);
                assert_eq!(command[0].value, cmd);
            }
            h => panic!("{h:?}"),
        }
    }
    for name in ["none", "disabled"] {
        let p = probe(name);
        assert!(p.disabled, "{name}");
        assert!(matches!(p.handler, ProbeHandler::None));
    }
    assert_eq!(
        r.problems(),
        vec![(
            "compose.yaml".to_string(),
            "10 seconds",
            "`10 seconds` is not a valid duration for `interval`".to_string()
        )]
    );
    assert!(r.service(0, "broken").containers[0].readiness.as_ref().unwrap().period_ms.is_none());
}

#[test]
fn durations_parse_like_go() {
    use super::service::parse_duration_ms;
    assert_eq!(parse_duration_ms("10s"), Some(10_000));
    assert_eq!(parse_duration_ms("1m30s"), Some(90_000));
    assert_eq!(parse_duration_ms("500ms"), Some(500));
    assert_eq!(parse_duration_ms("1h"), Some(3_600_000));
    assert_eq!(parse_duration_ms("1.5s"), Some(1500));
    assert_eq!(parse_duration_ms("250us"), Some(0));
    assert_eq!(parse_duration_ms("0"), Some(0));
    assert_eq!(parse_duration_ms("10"), None);
    assert_eq!(parse_duration_ms("s"), None);
    assert_eq!(parse_duration_ms("5 s"), None);
}

#[test]
fn depends_on_short_and_long_forms() {
    let compose = r#"services:
  api:
    image: api:1
    depends_on:
      db:
        condition: service_healthy
        restart: true
      migrate:
        condition: service_completed_successfully
        required: false
  worker:
    image: api:1
    depends_on: [db, cache]
    links: ["cache:redis"]
  db:
    image: postgres:16
  migrate:
    image: api:1
  cache:
    image: redis:7
"#;
    let r = run(&[("compose.yaml", compose)]);
    assert!(r.m.problems.is_empty(), "{:?}", r.problems());
    let edges: Vec<(&str, &str, EdgeKind)> =
        r.m.edges
            .iter()
            .map(|e| (r.m.workloads[e.consumer.index()].name.value.as_str(), r.text(e.target.span), e.kind.clone()))
            .collect();
    let dep = |c: &str, req: bool, restart: bool, short: bool| EdgeKind::DependsOn {
        condition: c.into(),
        required: req,
        restart,
        short_form: short,
    };
    assert_eq!(
        edges,
        vec![
            ("api", "db", dep("service_healthy", true, true, false)),
            ("api", "migrate", dep("service_completed_successfully", false, false, false)),
            ("worker", "db", dep("service_started", true, false, true)),
            ("worker", "cache", dep("service_started", true, false, true)),
            ("worker", "cache", EdgeKind::Link),
        ]
    );
    let info = r.service(0, "worker").compose.clone().unwrap();
    let decl = info.depends_on.unwrap();
    let (span, short) = (decl.span, decl.short_form);
    assert!(short);
    assert_eq!(r.text(span), "[db, cache]");
    assert!(!r.service(0, "api").compose.clone().unwrap().depends_on.unwrap().short_form);
}

#[test]
fn dangling_dependencies_are_reported_at_the_name() {
    let compose = "services:\n  api:\n    image: api:1\n    depends_on:\n      - databse\n    links: [nope]\n  database:\n    image: postgres:16.4\n  opt:\n    image: x:1\n    depends_on:\n      gone: {condition: service_started, required: false}\n";
    let r = run(&[("compose.yaml", compose)]);
    assert_eq!(r.m.problems.len(), 2, "{:?}", r.problems());
    let p = &r.m.problems[0];
    let start = offset_of(compose, "databse");
    assert_eq!((p.span.start, p.span.end), (start, start + 7));
    assert_eq!(p.message, "`api` depends on undefined service `databse`");
    assert_eq!(p.help.as_deref(), Some("Did you mean `database`?"));
    assert_eq!(p.resource.as_ref().unwrap().to_string(), "compose:api");
    assert_eq!(r.m.problems[1].message, "`api` links to undefined service `nope`");
}

#[test]
fn services_without_image_or_build_are_reported() {
    let r = run(&[(
        "compose.yaml",
        "services:\n  a:\n    command: [x]\n  b:\n    build: .\n  c:\n    extends: {service: b}\n",
    )]);
    assert_eq!(
        r.problems(),
        vec![("compose.yaml".to_string(), "a", "service `a` has neither an `image` nor a `build`".to_string())]
    );
    let b = r.service(0, "b").compose.clone().unwrap();
    assert_eq!(r.text(b.build.unwrap()), "build: .");
}

#[test]
fn override_merge_keeps_each_value_in_its_file() {
    let base = r#"services:
  api:
    image: api:1.0
    command: ["serve"]
    environment:
      A: base
      B: base
    ports: ["8080:80"]
    depends_on: [db]
    labels:
      team: core
    healthcheck:
      test: ["CMD", "true"]
      interval: 30s
  db:
    image: postgres:16
"#;
    let over = r#"services:
  api:
    image: api:2.0
    command: serve --debug
    environment:
      - B=override
      - C=new
    ports: ["9229:9229", "8080:80"]
    depends_on:
      db:
        condition: service_healthy
    labels:
      nexus-lint.io/role: server
    healthcheck:
      interval: 5s
  tool:
    image: tool:1
"#;
    let r = run(&[("docker-compose.yml", base), ("docker-compose.override.yml", over)]);
    assert!(r.m.problems.is_empty(), "{:?}", r.problems());
    let w = r.service(0, "api");
    let c = &w.containers[0];
    let image = c.image.as_ref().unwrap();
    assert_eq!(image.value, "api:2.0");
    assert_eq!(r.path(image.span), "docker-compose.override.yml");
    assert_eq!(r.path(w.span), "docker-compose.yml");
    assert_eq!(r.path(w.name.span), "docker-compose.yml");
    let args: Vec<&str> = c.args.iter().map(|a| a.value.as_str()).collect();
    assert_eq!(args, ["serve", "--debug"], "command is replaced, not appended");
    let env: Vec<(&str, &str, &str)> = c
        .env
        .iter()
        .map(|e| {
            let v = e.value.as_ref().unwrap();
            (e.name.value.as_str(), v.value.as_str(), r.path(v.span))
        })
        .collect();
    assert_eq!(
        env,
        vec![
            ("A", "base", "docker-compose.yml"),
            ("B", "override", "docker-compose.override.yml"),
            ("C", "new", "docker-compose.override.yml"),
        ]
    );
    let ports: Vec<(i64, &str)> = c.ports.iter().map(|p| (p.port.value, r.path(p.port.span))).collect();
    assert_eq!(ports, vec![(80, "docker-compose.override.yml"), (9229, "docker-compose.override.yml")]);
    let probe = c.readiness.as_ref().unwrap();
    assert_eq!(probe.period_ms.as_ref().unwrap().value, 5_000);
    assert_eq!(r.path(probe.period_ms.as_ref().unwrap().span), "docker-compose.override.yml");
    match &probe.handler {
        ProbeHandler::ComposeTest { command, .. } => {
            assert_eq!(r.path(command[0].span), "docker-compose.yml")
        }
        h => panic!("{h:?}"),
    }
    let deps: Vec<_> = r.m.edges.iter().filter(|e| e.consumer == w.id).collect();
    assert_eq!(deps.len(), 1);
    assert!(
        matches!(&deps[0].kind, EdgeKind::DependsOn { condition, short_form: false, .. } if condition == "service_healthy")
    );
    assert_eq!(r.path(deps[0].target.span), "docker-compose.override.yml");
    assert_eq!(w.annotations["team"].value, "core");
    assert_eq!(w.annotations["nexus-lint.io/role"].value, "server");
    let tool = r.service(0, "tool");
    assert_eq!(r.path(tool.span), "docker-compose.override.yml");
}

#[test]
fn env_file_values_are_spanned_in_the_env_file() {
    let compose = r#"services:
  api:
    image: api:1
    env_file:
      - ./config/api.env
      - path: ./config/local.env
        required: false
      - ./config/missing.env
    environment:
      LOG_LEVEL: info
"#;
    let env_text = "# api settings\nDATABASE_URL=postgres://app@${DB_HOST}:5432/app\nLOG_LEVEL=debug\n";
    let r = run(&[("proj/.env", "DB_HOST=db\n"), ("proj/compose.yaml", compose), ("proj/config/api.env", env_text)]);
    // A missing env file is reported unless it is `required: false` (issue 7).
    assert_eq!(
        r.problems(),
        vec![(
            "proj/compose.yaml".to_string(),
            "./config/missing.env",
            "`env_file` `./config/missing.env` does not exist".to_string()
        )]
    );
    let c = &r.service(0, "api").containers[0];
    let url = c.env.iter().find(|e| e.name.value == "DATABASE_URL").unwrap();
    assert_eq!(url.value.as_ref().unwrap().value, "postgres://app@db:5432/app");
    assert_eq!(r.path(url.name.span), "proj/config/api.env");
    assert_eq!(r.text(url.name.span), "DATABASE_URL");
    assert_eq!(r.text(url.value.as_ref().unwrap().span), "postgres://app@${DB_HOST}:5432/app");
    let env_id = r.fs.db.find("proj/config/api.env").unwrap().id;
    assert!(matches!(url.from, Some(EnvSource::EnvFile { file }) if file == env_id));
    // `environment` wins over env files.
    let level = c.env.iter().find(|e| e.name.value == "LOG_LEVEL").unwrap();
    assert_eq!(level.value.as_ref().unwrap().value, "info");
    assert!(level.from.is_none());
    // One config source and one reference per env file; missing ones are recorded too.
    let sources: Vec<(&str, Option<(String, bool)>)> =
        r.m.configs.iter().map(|c| (c.name.value.as_str(), c.external_file.clone())).collect();
    assert_eq!(
        sources,
        vec![
            ("proj/config/api.env", Some(("proj/config/api.env".into(), true))),
            ("proj/config/local.env", Some(("proj/config/local.env".into(), false))),
            ("proj/config/missing.env", Some(("proj/config/missing.env".into(), false))),
        ]
    );
    let refs: Vec<(&str, bool, &str)> =
        r.m.config_refs.iter().map(|x| (x.name.value.as_str(), x.optional, r.text(x.name.span))).collect();
    assert_eq!(
        refs,
        vec![
            ("proj/config/api.env", false, "./config/api.env"),
            ("proj/config/local.env", true, "./config/local.env"),
            ("proj/config/missing.env", false, "./config/missing.env"),
        ]
    );
}

#[test]
fn configs_secrets_and_their_references() {
    let compose = r#"services:
  db:
    image: postgres:16
    secrets:
      - db-password
      - source: db-password
        target: pw
    configs: [pg-conf]
secrets:
  db-password:
    file: ./secrets/db-password.txt
  api-key:
    environment: API_KEY
configs:
  pg-conf:
    content: |
      max_connections=200
  ext:
    external: true
"#;
    let r = run(&[("s/compose.yaml", compose), ("s/secrets/db-password.txt", "hunter2")]);
    assert!(r.m.problems.is_empty(), "{:?}", r.problems());
    type Row<'a> = (&'a str, &'a str, Option<(String, bool)>);
    let kinds: Vec<Row> =
        r.m.configs.iter().map(|c| (c.kind.as_str(), c.name.value.as_str(), c.external_file.clone())).collect();
    assert_eq!(
        kinds,
        vec![
            ("config", "pg-conf", None),
            ("config", "ext", None),
            ("secret", "db-password", Some(("s/secrets/db-password.txt".into(), true))),
            ("secret", "api-key", None),
        ]
    );
    assert_eq!(r.m.configs[0].data[0].value.as_ref().unwrap().value, "max_connections=200\n");
    assert!(r.m.configs[2].data.is_empty(), "secret files are not read");
    let refs: Vec<(&str, &str)> = r.m.config_refs.iter().map(|x| (x.kind.as_str(), x.name.value.as_str())).collect();
    assert_eq!(refs, vec![("config", "pg-conf"), ("secret", "db-password"), ("secret", "db-password")]);
}

#[test]
fn services_become_workloads_endpoints_and_suppressions() {
    let compose = r#"services:
  api:
    image: ghcr.io/acme/api:1.4.2
    entrypoint: /bin/entry
    command: ["serve", "--port", "8000"]
    hostname: api-host
    container_name: acme-api
    restart: unless-stopped
    profiles: [web]
    networks:
      front:
        aliases: [api.internal, api]
      back:
    labels:
      - nexus-lint.io/role=server
    deploy:
      replicas: 3
      resources:
        limits: {cpus: "0.5", memory: 512M}
        reservations: {memory: 256M}
    x-nexus-lint:
      ignore: [NX101, NX601]
      reason: dev only
  worker:
    image: ghcr.io/acme/api:1.4.2
    scale: 2
    x-nexus-lint: {ignore: "NX501, NX402"}
"#;
    let r = run(&[("compose.yaml", compose)]);
    assert!(r.m.problems.is_empty(), "{:?}", r.problems());
    let w = r.service(0, "api");
    assert_eq!(w.resource.to_string(), "compose:api");
    assert_eq!(r.text(w.name.span), "api");
    assert!(r.text(w.span).starts_with("image: ghcr.io"));
    assert_eq!(w.replicas.as_ref().unwrap().value, 3);
    assert_eq!(w.annotations["nexus-lint.io/role"].value, "server");
    assert_eq!(r.text(w.annotations["nexus-lint.io/role"].span), "server");
    let c = &w.containers[0];
    assert_eq!(c.name.value, "api");
    assert_eq!(c.command[0].value, "/bin/entry");
    assert_eq!(c.args.len(), 3);
    assert_eq!(c.limits["cpu"].value, "0.5");
    assert_eq!(c.limits["memory"].value, "512M");
    assert_eq!(c.requests["memory"].value, "256M");
    let info = w.compose.as_ref().unwrap();
    assert_eq!(info.profiles, ["web"]);
    assert_eq!(info.restart.as_ref().unwrap().value, "unless-stopped");
    let aliases: Vec<&str> = info.network_aliases.iter().map(|a| a.value.as_str()).collect();
    assert_eq!(aliases, ["api.internal", "api"]);
    let e = &r.m.endpoints[0];
    assert!(e.selector.is_none());
    assert_eq!(e.project, w.project);
    let aliases: Vec<&str> = e.aliases.iter().map(|a| a.value.as_str()).collect();
    assert_eq!(aliases, ["api.internal", "api-host", "acme-api"]);
    assert_eq!(r.service(0, "worker").replicas.as_ref().unwrap().value, 2);
    let sups: Vec<(Vec<&str>, Vec<&str>)> = r
        .m
        .suppressions
        .iter()
        .map(|s| (s.codes.iter().map(|c| c.value.as_str()).collect(), s.codes.iter().map(|c| r.text(c.span)).collect()))
        .collect();
    assert_eq!(
        sups,
        vec![(vec!["NX101", "NX601"], vec!["NX101", "NX601"]), (vec!["NX501", "NX402"], vec!["NX501", "NX402"]),]
    );
    assert_eq!(r.m.suppressions[0].scope, crate::SuppressionScope::Resource("compose:api".into()));
    assert_eq!(r.m.suppressions[0].reason.as_deref(), Some("dev only"));
}

#[test]
fn dot_env_errors_are_reported_in_dot_env() {
    let r = run(&[("x/.env", "GOOD=1\nBAD KEY=2\n"), ("x/compose.yaml", "services:\n  a:\n    image: a:${GOOD}\n")]);
    assert_eq!(
        r.problems(),
        vec![("x/.env".to_string(), "BAD KEY", "a variable name cannot contain a space".to_string())]
    );
    assert_eq!(r.service(0, "a").containers[0].image_str(), "a:1");
}

#[test]
fn a_base_shared_by_projects_reports_its_problems_once() {
    let r = run(&[
        ("docker-compose.yml", "services:\n  a:\n    image: a:1\n    depends_on: [nope]\n    restrat: always\n"),
        ("docker-compose.dev.yml", "services:\n  a:\n    image: a:2\n"),
        ("docker-compose.prod.yml", "services:\n  a:\n    image: a:3\n"),
    ]);
    assert_eq!(r.m.projects.len(), 3);
    assert_eq!(r.m.problems.len(), 2, "{:?}", r.problems());
}

#[test]
fn interpolated_values_are_strings_and_reset_removes_values() {
    let base = "services:\n  api:\n    image: ${NUM}\n    restart: always\n    deploy:\n      replicas: ${REPLICAS:-2}\n    depends_on:\n      db:\n        conditon: service_healthy\n  db:\n    image: db:1\n";
    let over = "services:\n  api:\n    restart: !reset null\n    image: !override api:2\n";
    let r = run(&[("p/.env", "NUM=123\n"), ("p/docker-compose.yml", base), ("p/docker-compose.override.yml", over)]);
    let got: Vec<(&str, String, Option<String>)> =
        r.m.problems.iter().map(|p| (r.text(p.span), p.message.clone(), p.help.clone())).collect();
    // `image: 123` would not be a string, but an interpolated value is one.
    assert!(
        got.contains(&(
            "conditon",
            "unknown key `conditon` in `depends_on.db`".into(),
            Some("Did you mean `condition`?".into())
        )),
        "{got:?}"
    );
    assert!(got.iter().all(|(_, m, _)| !m.contains("image")), "{got:?}");
    let w = r.service(0, "api");
    assert_eq!(w.replicas.as_ref().unwrap().value, 2);
    assert_eq!(w.containers[0].image_str(), "api:2");
    assert!(w.compose.as_ref().unwrap().restart.is_none());
}

/// Regression (issue 7): `extends` is resolved, in the same file and from another file, with
/// the extending service's own fields laid over; cycles and missing bases are reported.
#[test]
fn extends_in_the_same_file_and_another_file() {
    let compose = r#"services:
  base:
    image: api:1
    environment:
      LOG_LEVEL: info
      MODE: base
  web:
    extends: base
    environment:
      MODE: web
  worker:
    extends:
      service: common
      file: common.yml
  a:
    extends: b
  b:
    extends: c
  c:
    extends: a
  orphan:
    extends: nowhere
"#;
    let common = "services:\n  common:\n    image: worker:2\n    command: [\"run\"]\n";
    let r = run(&[("p/compose.yaml", compose), ("p/common.yml", common)]);
    let web = r.service(0, "web");
    assert_eq!(web.containers[0].image.as_ref().unwrap().value, "api:1");
    let env: Vec<(&str, &str)> = web.containers[0]
        .env
        .iter()
        .map(|e| (e.name.value.as_str(), e.value.as_ref().unwrap().value.as_str()))
        .collect();
    assert_eq!(env, [("LOG_LEVEL", "info"), ("MODE", "web")]);
    assert_eq!(r.path(web.name.span), "p/compose.yaml");
    let worker = r.service(0, "worker");
    assert_eq!(worker.containers[0].image.as_ref().unwrap().value, "worker:2");
    assert_eq!(r.path(worker.containers[0].image.as_ref().unwrap().span), "p/common.yml");
    let problems = r.problems();
    let cycles: Vec<&str> = problems.iter().filter(|p| p.2.starts_with("`extends` cycle")).map(|p| p.1).collect();
    assert_eq!(cycles.len(), 3, "{problems:?}");
    assert!(problems.iter().any(|p| p.2 == "`orphan` extends undefined service `nowhere`" && p.1 == "nowhere"));
}

/// Regression (issue 7): a chain of thousands of `extends` is resolved in one pass (no
/// recursion, each service once).
#[test]
fn long_extends_chains_are_linear() {
    let mut compose = String::from("services:\n  s0:\n    image: x:1\n");
    for i in 1..3000 {
        compose.push_str(&format!("  s{i}:\n    extends: s{}\n", i - 1));
    }
    let r = run(&[("compose.yaml", &compose)]);
    assert!(r.m.problems.is_empty(), "{:?}", r.problems().first());
    assert_eq!(r.service(0, "s2999").containers[0].image.as_ref().unwrap().value, "x:1");
}

/// Regression (issue 7): negative replica counts are reported.
#[test]
fn negative_replicas_are_reported() {
    let r = run(&[(
        "compose.yaml",
        "services:\n  a:\n    image: x:1\n    deploy:\n      replicas: -2\n  b:\n    image: x:1\n    scale: -1\n",
    )]);
    let msgs: Vec<(&str, String)> = r.problems().into_iter().map(|p| (p.1, p.2)).collect();
    assert_eq!(
        msgs,
        [
            ("-2", "`replicas` must not be negative, found `-2`".to_string()),
            ("-1", "`scale` must not be negative, found `-1`".to_string())
        ]
    );
}

/// `command:`/`entrypoint:` strings split as Compose splits them (shell-words).
#[test]
fn splits_like_compose() {
    use shell_words::split;
    assert_eq!(
        split("python manage.py  runserver 0.0.0.0:8000").unwrap(),
        ["python", "manage.py", "runserver", "0.0.0.0:8000"]
    );
    assert_eq!(
        split(r#"sh -c 'until nc -z db 5432; do sleep 1; done' "a \"b\" $X" c\ d"#).unwrap(),
        ["sh", "-c", "until nc -z db 5432; do sleep 1; done", "a \"b\" $X", "c d"]
    );
    assert_eq!(split("a '' \"\" b").unwrap(), ["a", "", "", "b"]);
    assert!(split("").unwrap().is_empty());
    assert!(split("echo 'oops").is_err());
    assert!(split("echo \"oops").is_err());
}

#[test]
fn include_joins_files_and_siblings_stand_alone() {
    let r = run(&[
        (
            "app/compose.yaml",
            "include:\n  - infra/db.yaml\n  - path: [infra/cache.yaml]\nservices:\n  web:\n    image: web:1\n    depends_on: [db, cache]\n",
        ),
        ("app/infra/db.yaml", "services:\n  db:\n    image: postgres:16.4\n"),
        ("app/infra/cache.yaml", "services:\n  cache:\n    image: redis:7.4.1\n"),
        ("app/compose.ci.yaml", "services:\n  web:\n    environment:\n      CI: \"1\"\n"),
    ]);
    let projects: Vec<Vec<&str>> =
        r.m.projects.iter().map(|p| p.files.iter().map(|f| r.fs.db.get(*f).path.as_str()).collect()).collect();
    assert_eq!(
        projects,
        vec![vec!["app/infra/db.yaml", "app/infra/cache.yaml", "app/compose.yaml"], vec!["app/compose.ci.yaml"],]
    );
    // Included services are defined: no dangling `depends_on`; the sibling is a fragment.
    assert!(!r.m.projects[0].fragment && r.m.projects[1].fragment);
    assert_eq!(r.problems().iter().filter(|p| p.2.contains("undefined")).count(), 0, "{:?}", r.problems());
}

#[test]
fn a_misspelt_dependency_is_a_typo_not_a_fragment() {
    let r = run(&[(
        "app/docker-compose.prod.yml",
        "services:\n  web:\n    image: web:1\n    depends_on: [dbb]\n  db:\n    image: postgres:16.4\n",
    )]);
    assert!(!r.m.projects[0].fragment);
    assert_eq!(r.problems()[0].2, "`web` depends on undefined service `dbb`");
}
