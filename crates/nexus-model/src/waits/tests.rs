//! The waits found in container commands, by tool, bound and position.
use std::sync::Arc;

use super::*;
use crate::{ReadyLevel, WaitTool};
use nexus_source::FileId;
use nexus_source::yaml::{Limits, YamlFile, parse};

/// The containers (init, then main) of the Kubernetes objects in `yaml`.
fn k8s(yaml: &str) -> (SourceDb, Vec<Container>) {
    let mut db = SourceDb::new();
    let id = db.add("test.yaml".into(), Arc::from(yaml));
    let y = parse(id, Arc::from(yaml), &Limits::default());
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for (i, doc) in y.docs.iter().enumerate() {
        let Some(root) = y.root(doc) else { continue };
        for piece in crate::k8s::read_document(db.get(id), i, root, None, crate::k8s::Listed::default(), &mut problems)
        {
            if let Some(w) = piece.workload {
                out.extend(w.init_containers.iter().cloned());
                out.extend(w.containers.iter().cloned());
            }
        }
    }
    (db, out)
}

struct Mem(SourceDb);

impl crate::compose::Files for Mem {
    fn load(&mut self, path: &str) -> Option<FileId> {
        self.0.find(path).map(|f| f.id)
    }
    fn exists(&self, path: &str) -> bool {
        self.0.find(path).is_some()
    }
    fn db(&self) -> &SourceDb {
        &self.0
    }
}

/// The containers of the services of a Compose file.
fn compose(yaml: &str) -> (SourceDb, Vec<Container>) {
    let mut db = SourceDb::new();
    let id = db.add("docker-compose.yml".into(), Arc::from(yaml));
    let y: YamlFile = parse(id, Arc::from(yaml), &Limits::default());
    let mut fs = Mem(db);
    let m = crate::compose::build(&[(id, &y)], &mut fs);
    let cs = m.workloads.iter().flat_map(|w| w.containers.iter().cloned()).collect();
    (fs.0, cs)
}

/// A pod whose one container has this `command` (a YAML flow list or block).
fn pod(command: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: busybox:1.36\n      command: {command}\n"
    )
}

fn pod_env(command: &str, env: &[(&str, &str)]) -> String {
    let mut s = pod(command);
    s.push_str("      env:\n");
    for (k, v) in env {
        s.push_str(&format!("        - name: {k}\n          value: \"{v}\"\n"));
    }
    s
}

fn text(db: &SourceDb, s: Span) -> &str {
    db.get(s.file).slice(s)
}

/// Waits of the first container, with each span checked to lie in one of its words or env
/// values.
fn specs(db: &SourceDb, cs: &[Container]) -> Vec<WaitSpec> {
    let c = &cs[0];
    let out = waits(c, db);
    let inside = |s: Span| {
        c.argv().any(|w| w.span.start <= s.start && s.end <= w.span.end)
            || c.env.iter().filter_map(|e| e.value.as_ref()).any(|v| v.span.start <= s.start && s.end <= v.span.end)
    };
    for w in &out {
        let spans = [Some(w.span), w.host.as_ref().map(|h| h.span), w.port.as_ref().map(|p| p.span)];
        let obj = w.object.as_ref().map(|(_, n)| n.span);
        for s in spans.into_iter().chain([obj]).flatten() {
            assert!(inside(s), "span {s:?} ({:?}) outside the container's words", text(db, s));
        }
    }
    out
}

fn run_k8s(command: &str) -> (SourceDb, Vec<WaitSpec>) {
    let (db, cs) = k8s(&pod(command));
    let out = specs(&db, &cs);
    (db, out)
}

/// (tool, host, port, bound, level, text of the span)
type Row<'a> = (WaitTool, Option<&'a str>, Option<i64>, Bound, ReadyLevel, &'a str);

fn rows<'a>(db: &'a SourceDb, specs: &'a [WaitSpec]) -> Vec<Row<'a>> {
    specs
        .iter()
        .map(|s| {
            if let Some(h) = &s.host {
                assert_eq!(text(db, h.span), h.value, "host span");
            }
            (
                s.tool.clone(),
                s.host.as_ref().map(|h| h.value.as_str()),
                s.port.as_ref().map(|p| p.value),
                s.timeout,
                s.level,
                text(db, s.span),
            )
        })
        .collect()
}

fn port_text<'a>(db: &'a SourceDb, s: &WaitSpec) -> &'a str {
    text(db, s.port.as_ref().expect("port").span)
}

use Bound::{Default, Millis, Once, Unbounded};
use ReadyLevel::{Answers, Completed, Healthy, PortOpen, Resolves};

#[test]
fn seed_init_containers_wait_forever() {
    for (host, port) in [("nexus-database", 5432), ("nexus-redis", 6379), ("nexus-backend", 8000)] {
        let body = format!("until nc -z {host} {port}; do sleep 1; done");
        let (db, s) = run_k8s(&format!("[\"sh\", \"-c\", \"{body}\"]"));
        assert_eq!(rows(&db, &s), vec![(WaitTool::Nc, Some(host), Some(port), Unbounded, PortOpen, body.as_str())]);
        assert_eq!(port_text(&db, &s[0]), port.to_string());
    }
}

#[test]
fn fixed_fixture_waits_are_bounded_by_timeout() {
    let (db, s) = run_k8s(
        "\n        - timeout\n        - \"120\"\n        - sh\n        - -c\n        - until pg_isready -h nexus-database -p 5432 -U nexus -d nexus; do echo \"waiting for nexus-database\"; sleep 2; done",
    );
    let body = "until pg_isready -h nexus-database -p 5432 -U nexus -d nexus; do echo \"waiting for nexus-database\"; sleep 2; done";
    assert_eq!(
        rows(&db, &s),
        vec![(WaitTool::PgIsReady, Some("nexus-database"), Some(5432), Millis(120_000), Answers, body)]
    );
    let (db, s) = run_k8s(
        "[timeout, \"120\", sh, -c, 'until redis-cli -h nexus-redis -p 6379 ping | grep -q PONG; do sleep 2; done']",
    );
    assert_eq!(
        rows(&db, &s),
        vec![(
            WaitTool::RedisCliPing,
            Some("nexus-redis"),
            Some(6379),
            Millis(120_000),
            Answers,
            "until redis-cli -h nexus-redis -p 6379 ping | grep -q PONG; do sleep 2; done"
        )]
    );
}

/// The fixtures as shipped: the seed's waits are unbounded, the fixed twin's bounded.
#[test]
fn fixture_files() {
    let root = env!("CARGO_MANIFEST_DIR");
    let read = |rel: &str| std::fs::read_to_string(format!("{root}/../../fixtures/{rel}")).unwrap();
    for (file, expect) in [
        ("nexus/k8s/production/nexus-worker-deployment.yaml", vec![("nexus-database", 5432), ("nexus-redis", 6379)]),
        ("nexus/k8s/production/nexus-frontend-deployment.yaml", vec![("nexus-backend", 8000)]),
    ] {
        let (db, cs) = k8s(&read(file));
        let got: Vec<(String, i64, Bound)> = cs
            .iter()
            .flat_map(|c| waits(c, &db))
            .map(|w| (w.host.unwrap().value, w.port.unwrap().value, w.timeout))
            .collect();
        let want: Vec<(String, i64, Bound)> = expect.iter().map(|(h, p)| (h.to_string(), *p, Unbounded)).collect();
        assert_eq!(got, want, "{file}");
    }
    for file in [
        "nexus-fixed/k8s/production/nexus-backend-deployment.yaml",
        "nexus-fixed/k8s/production/nexus-worker-deployment.yaml",
    ] {
        let (db, cs) = k8s(&read(file));
        let got: Vec<(WaitTool, String, i64, Bound)> = cs
            .iter()
            .flat_map(|c| waits(c, &db))
            .map(|w| (w.tool, w.host.unwrap().value, w.port.unwrap().value, w.timeout))
            .collect();
        assert_eq!(
            got,
            vec![
                (WaitTool::PgIsReady, "nexus-database".into(), 5432, Millis(120_000)),
                (WaitTool::RedisCliPing, "nexus-redis".into(), 6379, Millis(120_000)),
            ],
            "{file}"
        );
    }
}

#[test]
fn wait_for_it_direct_and_defaults() {
    let (db, s) = run_k8s("[\"wait-for-it\", \"db:5432\", \"-t\", \"60\", \"--\", \"app\"]");
    assert_eq!(
        rows(&db, &s),
        vec![(WaitTool::WaitForIt, Some("db"), Some(5432), Millis(60_000), PortOpen, "wait-for-it")]
    );
    let (db, s) = run_k8s("[\"/wait-for-it.sh\", \"db.prod:5432\", \"--strict\", \"--\", \"app\"]");
    assert_eq!(
        rows(&db, &s),
        vec![(WaitTool::WaitForIt, Some("db.prod"), Some(5432), Default(15_000), PortOpen, "/wait-for-it.sh")]
    );
    let (db, s) = run_k8s("[\"sh\", \"-c\", \"wait-for-it -h 10.0.0.7 -p 6379 -t 0 -s -- exec app\"]");
    assert_eq!(
        rows(&db, &s),
        vec![(
            WaitTool::WaitForIt,
            Some("10.0.0.7"),
            Some(6379),
            Unbounded,
            PortOpen,
            "wait-for-it -h 10.0.0.7 -p 6379 -t 0 -s -- exec app"
        )]
    );
    // A chain: each wait in turn.
    let (db, s) = run_k8s("[wait-for-it, \"db:5432\", --, wait-for-it, \"redis:6379\", --timeout=5, --, app]");
    assert_eq!(
        rows(&db, &s),
        vec![
            (WaitTool::WaitForIt, Some("db"), Some(5432), Default(15_000), PortOpen, "wait-for-it"),
            (WaitTool::WaitForIt, Some("redis"), Some(6379), Millis(5_000), PortOpen, "wait-for-it"),
        ]
    );
}

#[test]
fn eficode_wait_for() {
    let (db, s) = run_k8s("[\"sh\", \"-c\", \"./wait-for db:5432 -t 30 -- npm start\"]");
    let other = WaitTool::Other("wait-for".into());
    assert_eq!(
        rows(&db, &s),
        vec![(
            other.clone(),
            Some("db"),
            Some(5432),
            Millis(30_000),
            PortOpen,
            "./wait-for db:5432 -t 30 -- npm start"
        )]
    );
    let (db, s) = run_k8s("[wait-for, \"http://api:8080/health\"]");
    assert_eq!(rows(&db, &s), vec![(other.clone(), Some("api"), Some(8080), Default(15_000), Answers, "wait-for")]);
    // `-t 0` tries once (the loop breaks when TIMEOUT is not above 0).
    let (db, s) = run_k8s("[wait-for, \"db:5432\", -t, \"0\"]");
    assert_eq!(rows(&db, &s), vec![(other, Some("db"), Some(5432), Once, PortOpen, "wait-for")]);
}

#[test]
fn dockerize_waits() {
    let (db, s) = run_k8s(
        "[dockerize, -wait, \"tcp://db:5432\", \"-wait=http://api:8080/health\", -timeout, 1m30s, app, -wait, \"tcp://x:1\"]",
    );
    assert_eq!(
        rows(&db, &s),
        vec![
            (WaitTool::Dockerize, Some("db"), Some(5432), Millis(90_000), PortOpen, "dockerize"),
            (WaitTool::Dockerize, Some("api"), Some(8080), Millis(90_000), Answers, "dockerize"),
        ]
    );
    assert_eq!(port_text(&db, &s[1]), "8080");
    let (db, s) = run_k8s("[dockerize, -wait, \"https://auth.example.com/ready\", --, app]");
    assert_eq!(
        rows(&db, &s),
        vec![(WaitTool::Dockerize, Some("auth.example.com"), Some(443), Default(10_000), Answers, "dockerize")]
    );
    // The default port points at the program.
    assert_eq!(port_text(&db, &s[0]), "dockerize");
}

#[test]
fn bare_checks_are_once() {
    let (db, s) = run_k8s("[nc, -z, db, \"5432\"]");
    assert_eq!(rows(&db, &s), vec![(WaitTool::Nc, Some("db"), Some(5432), Once, PortOpen, "nc")]);
    let (db, s) = run_k8s("[sh, -c, \"nc -zv -w 2 db.prod.svc 5432 && exec app\"]");
    assert_eq!(
        rows(&db, &s),
        vec![(WaitTool::Nc, Some("db.prod.svc"), Some(5432), Once, PortOpen, "nc -zv -w 2 db.prod.svc 5432")]
    );
    // Without -z, nc is not a check.
    let (_, s) = run_k8s("[sh, -c, \"nc -l 8080\"]");
    assert!(s.is_empty());
    let (db, s) = run_k8s("[sh, -c, \"mysqladmin ping -h mysql -P 3307 --silent\"]");
    assert_eq!(
        rows(&db, &s),
        vec![(
            WaitTool::MysqladminPing,
            Some("mysql"),
            Some(3307),
            Once,
            Answers,
            "mysqladmin ping -h mysql -P 3307 --silent"
        )]
    );
    let (db, s) = run_k8s("[mysqladmin, ping, -hmysql.db, -psecret]");
    assert_eq!(
        rows(&db, &s),
        vec![(WaitTool::MysqladminPing, Some("mysql.db"), Some(3306), Once, Answers, "mysqladmin")]
    );
    let (db, s) = run_k8s("[redis-cli, -h, cache, ping]");
    assert_eq!(rows(&db, &s), vec![(WaitTool::RedisCliPing, Some("cache"), Some(6379), Once, Answers, "redis-cli")]);
    let (_, s) = run_k8s("[redis-cli, -h, cache, set, k, v]");
    assert!(s.is_empty());
}

#[test]
fn pg_isready_defaults_and_env() {
    // No host: local, port 5432.
    let (db, s) = run_k8s("[pg_isready]");
    assert_eq!(rows(&db, &s), vec![(WaitTool::PgIsReady, None, Some(5432), Once, Answers, "pg_isready")]);
    // PGHOST/PGPORT from env; `-t` is one attempt's limit, not a deadline.
    let (db, cs) =
        k8s(&pod_env("[pg_isready, -t, \"5\"]", &[("PGHOST", "pg.data.svc.cluster.local"), ("PGPORT", "6432")]));
    let s = specs(&db, &cs);
    assert_eq!(
        rows(&db, &s),
        vec![(WaitTool::PgIsReady, Some("pg.data.svc.cluster.local"), Some(6432), Once, Answers, "pg_isready")]
    );
    assert_eq!(port_text(&db, &s[0]), "6432");
    let (db, s) = run_k8s("[pg_isready, -d, \"postgresql://app@pg:5433/app\"]");
    assert_eq!(rows(&db, &s), vec![(WaitTool::PgIsReady, Some("pg"), Some(5433), Once, Answers, "pg_isready")]);
    let (db, s) = run_k8s("[pg_isready, --host=pg, --port=5434]");
    assert_eq!(rows(&db, &s), vec![(WaitTool::PgIsReady, Some("pg"), Some(5434), Once, Answers, "pg_isready")]);
}

#[test]
fn mongosh_and_psql() {
    let (db, s) = run_k8s(
        "[sh, -c, \"until mongosh --host mongo:27018 --quiet --eval 'db.adminCommand(\\\"ping\\\")'; do sleep 2; done\"]",
    );
    assert_eq!(rows(&db, &s)[0].0, WaitTool::Mongosh);
    assert_eq!((rows(&db, &s)[0].1, rows(&db, &s)[0].2, rows(&db, &s)[0].3), (Some("mongo"), Some(27018), Unbounded));
    let (db, s) = run_k8s(
        "[mongosh, \"mongodb://user:pw@mongo-0.mongo/app?replicaSet=rs0\", --eval, \"db.runCommand({ping: 1})\"]",
    );
    assert_eq!(rows(&db, &s), vec![(WaitTool::Mongosh, Some("mongo-0.mongo"), Some(27017), Once, Answers, "mongosh")]);
    let (db, s) =
        run_k8s("[sh, -c, \"until psql -h db -U app -c 'select 1'; do sleep 1; done; psql -h db -f schema.sql\"]");
    assert_eq!(
        rows(&db, &s),
        vec![(
            WaitTool::Other("psql".into()),
            Some("db"),
            Some(5432),
            Unbounded,
            Answers,
            "until psql -h db -U app -c 'select 1'; do sleep 1; done"
        )]
    );
}

#[test]
fn kubectl_wait_forms() {
    let (db, s) =
        run_k8s("[kubectl, wait, --for=condition=complete, --timeout=300s, job/nexus-db-migration, -n, prod]");
    assert_eq!(rows(&db, &s), vec![(WaitTool::KubectlWait, None, None, Millis(300_000), Completed, "kubectl")]);
    let (kind, name) = s[0].object.as_ref().unwrap();
    assert_eq!((kind.as_str(), text(&db, name.span)), ("job", "nexus-db-migration"));
    assert_eq!(s[0].namespace.as_deref(), Some("prod"));
    // Default 30 s; `KIND NAME` form; short kind names.
    let (_, s) = run_k8s("[kubectl, wait, --for, condition=Available, deploy, api, worker]");
    let objs: Vec<(&str, &str, Bound, ReadyLevel)> = s
        .iter()
        .map(|w| {
            let (k, n) = w.object.as_ref().unwrap();
            (k.as_str(), n.value.as_str(), w.timeout, w.level)
        })
        .collect();
    assert_eq!(
        objs,
        vec![("deployment", "api", Default(30_000), Healthy), ("deployment", "worker", Default(30_000), Healthy)]
    );
    // Zero: check once; negative: a week; a selector names no object.
    let (_, s) = run_k8s("[kubectl, wait, --for=condition=ready, pod, -l, app=db, --timeout=0]");
    assert_eq!((s[0].timeout, s[0].object.is_none()), (Once, true));
    let (_, s) = run_k8s("[kubectl, wait, --for=condition=ready, pod/db-0, --timeout=-1s]");
    assert_eq!(s[0].timeout, Millis(604_800_000));
    // `--for=delete` is not a readiness wait.
    let (_, s) = run_k8s("[kubectl, wait, --for=delete, pod/old]");
    assert!(s.is_empty());
    // In a retry loop, the loop decides.
    let (_, s) = run_k8s(
        "[sh, -c, \"until kubectl wait --for=condition=complete job/migrate --timeout=60s; do sleep 5; done\"]",
    );
    assert_eq!(s[0].timeout, Unbounded);
}

#[test]
fn kubectl_rollout_status() {
    let (db, s) = run_k8s("[kubectl, rollout, status, deployment/api, -n, prod]");
    let tool = WaitTool::Other("kubectl rollout status".into());
    assert_eq!(rows(&db, &s), vec![(tool.clone(), None, None, Unbounded, Healthy, "kubectl")]);
    assert_eq!(s[0].object.as_ref().map(|(k, n)| (k.as_str(), n.value.as_str())), Some(("deployment", "api")));
    let (_, s) = run_k8s("[kubectl, rollout, status, sts/db, --timeout=2m]");
    assert_eq!((s[0].tool.clone(), s[0].timeout), (tool, Millis(120_000)));
}

#[test]
fn k8s_wait_for_image() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  initContainers:\n    - name: a\n      image: groundnuty/k8s-wait-for:v2.0\n      args: [\"job-wr\", \"nexus-db-migration\"]\n    - name: b\n      image: groundnuty/k8s-wait-for:v2.0\n      args: [\"pod\", \"-lapp=db\"]\n    - name: c\n      image: ghcr.io/acme/waiter:1\n      args: [\"service\", \"db\"]\n  containers:\n    - name: app\n      image: app:1\n";
    let (db, cs) = k8s(yaml);
    type Got<'a> = (WaitTool, Option<(String, String)>, Bound, ReadyLevel, &'a str);
    let got: Vec<Got<'_>> = cs[..3]
        .iter()
        .map(|c| {
            let w = waits(c, &db).pop().unwrap();
            let obj = w.object.map(|(k, n)| {
                assert_eq!(text(&db, n.span), n.value);
                (k, n.value)
            });
            (w.tool, obj, w.timeout, w.level, text(&db, w.span))
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (WaitTool::K8sWaitFor, Some(("job".into(), "nexus-db-migration".into())), Unbounded, Completed, "job-wr"),
            (WaitTool::K8sWaitFor, None, Unbounded, Healthy, "pod"),
            (WaitTool::K8sWaitFor, Some(("service".into(), "db".into())), Unbounded, Healthy, "service"),
        ]
    );
    assert!(waits(&cs[3], &db).is_empty());
}

#[test]
fn dev_tcp_redirections() {
    let (db, s) = run_k8s("[bash, -c, \"until echo > /dev/tcp/db/5432; do sleep 1; done\"]");
    assert_eq!(
        rows(&db, &s),
        vec![(
            WaitTool::DevTcp,
            Some("db"),
            Some(5432),
            Unbounded,
            PortOpen,
            "until echo > /dev/tcp/db/5432; do sleep 1; done"
        )]
    );
    assert_eq!(port_text(&db, &s[0]), "5432");
    let (db, s) = run_k8s("[bash, -c, \"until timeout 1 bash -c '</dev/tcp/redis/6379'; do sleep 1; done\"]");
    assert_eq!(rows(&db, &s)[0].0, WaitTool::DevTcp);
    assert_eq!((rows(&db, &s)[0].1, rows(&db, &s)[0].3), (Some("redis"), Unbounded));
    let (db, s) = run_k8s("[bash, -c, \": < /dev/tcp/mq.prod/5672 && exec app\"]");
    assert_eq!(
        rows(&db, &s),
        vec![(WaitTool::DevTcp, Some("mq.prod"), Some(5672), Once, PortOpen, ": < /dev/tcp/mq.prod/5672")]
    );
}

#[test]
fn resolvers_only_in_loops() {
    let (db, s) = run_k8s("[sh, -c, \"until nslookup nexus-database.prod.svc.cluster.local; do sleep 2; done\"]");
    assert_eq!(
        rows(&db, &s),
        vec![(
            WaitTool::Nslookup,
            Some("nexus-database.prod.svc.cluster.local"),
            None,
            Unbounded,
            Resolves,
            "until nslookup nexus-database.prod.svc.cluster.local; do sleep 2; done"
        )]
    );
    let (db, s) = run_k8s("[sh, -c, \"until getent hosts db; do sleep 1; done\"]");
    assert_eq!((rows(&db, &s)[0].0.clone(), rows(&db, &s)[0].1), (WaitTool::Nslookup, Some("db")));
    let (db, s) = run_k8s("[sh, -c, \"while ! dig +short db.prod | grep -q .; do sleep 1; done\"]");
    assert_eq!(rows(&db, &s)[0].1, Some("db.prod"));
    let (_, s) = run_k8s("[sh, -c, \"nslookup db; exec app\"]");
    assert!(s.is_empty());
}

#[test]
fn http_polls() {
    let (db, s) = run_k8s("[sh, -c, \"until curl -fsS http://api:8080/healthz; do sleep 2; done\"]");
    assert_eq!(
        rows(&db, &s),
        vec![(
            WaitTool::Curl,
            Some("api"),
            Some(8080),
            Unbounded,
            Answers,
            "until curl -fsS http://api:8080/healthz; do sleep 2; done"
        )]
    );
    assert_eq!(port_text(&db, &s[0]), "8080");
    let (db, s) = run_k8s("[sh, -c, \"until wget -q -O- http://api/health; do sleep 1; done\"]");
    assert_eq!(rows(&db, &s)[0].0, WaitTool::Wget);
    assert_eq!((rows(&db, &s)[0].1, rows(&db, &s)[0].2), (Some("api"), Some(80)));
    assert_eq!(port_text(&db, &s[0]), "wget");
    // Status in a command substitution, `while` with a test.
    let (db, s) = run_k8s(
        "[sh, -c, \"while [ \\\"$(curl -s -o /dev/null -w '%{http_code}' https://auth.internal/ready)\\\" != 200 ]; do sleep 3; done\"]",
    );
    assert_eq!(
        (rows(&db, &s)[0].1, rows(&db, &s)[0].2, rows(&db, &s)[0].3),
        (Some("auth.internal"), Some(443), Unbounded)
    );
    // Alone, curl is a call, not a wait …
    let (_, s) = run_k8s("[curl, -X, POST, \"http://api/seed\"]");
    assert!(s.is_empty());
    // … unless it retries refused connections.
    let (db, s) =
        run_k8s("[curl, --retry, \"10\", --retry-delay, \"3\", --retry-connrefused, \"http://api:8000/health\"]");
    assert_eq!(rows(&db, &s), vec![(WaitTool::Curl, Some("api"), Some(8000), Millis(30_000), Answers, "curl")]);
    let (_, s) = run_k8s("[wget, --retry-connrefused, --tries=5, --waitretry=2, \"http://api/health\"]");
    assert_eq!(s[0].timeout, Millis(7_000));
}

#[test]
fn counted_loops_are_bounded() {
    let cases: &[(&str, Bound)] = &[
        ("for i in $(seq 1 30); do nc -z db 5432 && exit 0; sleep 2; done; exit 1", Millis(60_000)),
        ("for i in 1 2 3 4 5; do nc -z db 5432 && break; sleep 0.5; done", Millis(2_500)),
        ("for i in {1..10}; do nc -z db 5432 && break; sleep 1s; done", Millis(10_000)),
        ("for ((i=0; i<20; i++)); do nc -z db 5432 && break; sleep 3; done", Millis(60_000)),
        ("i=0; until nc -z db 5432; do i=$((i+1)); [ $i -ge 30 ] && exit 1; sleep 1; done", Millis(30_000)),
        (
            "attempts=0\nuntil pg_isready -h db; do\n  attempts=$((attempts+1))\n  if [ \"$attempts\" -gt 20 ]; then echo give up; exit 1; fi\n  sleep 3\ndone",
            Millis(60_000),
        ),
        (
            "timeout=60; while ! nc -z db 5432; do sleep 2; timeout=$((timeout - 2)); if [ \"$timeout\" -le 0 ]; then exit 1; fi; done",
            Millis(60_000),
        ),
        ("n=0; while [ $n -lt 15 ]; do nc -z db 5432 && break; n=$((n+1)); sleep 2; done", Millis(30_000)),
        ("MAX=10; c=0; until nc -z db 5432 || [ $c -ge $MAX ]; do ((c++)); sleep 1; done", Millis(10_000)),
        (
            "end=$(( $(date +%s) + 90 )); until nc -z db 5432; do [ $(date +%s) -ge $end ] && exit 1; sleep 1; done",
            Millis(90_000),
        ),
        ("until nc -z db 5432 || [ $SECONDS -ge 45 ]; do sleep 1; done", Millis(45_000)),
        // No way out but success.
        ("while true; do nc -z db 5432 && break; sleep 1; done", Unbounded),
        ("while ! nc -z db 5432; do sleep 1; done", Unbounded),
        ("until nc -z db 5432; do echo \"try $i\"; i=$((i+1)); sleep 1; done", Unbounded),
        // A counted loop of attempts that each wait up to 10 s.
        ("for i in 1 2 3; do wait-for-it db:5432 -t 10 && break; sleep 5; done", Millis(45_000)),
    ];
    for (body, want) in cases {
        let (db, cs) = k8s(&pod(&format!("[sh, -c, {}]", serde_json::to_string(body).unwrap())));
        let s = specs(&db, &cs);
        assert_eq!(s.len(), 1, "{body}");
        assert_eq!(s[0].timeout, *want, "{body}");
    }
}

#[test]
fn timeout_wrappers() {
    let cases: &[(&str, Bound)] = &[
        ("[timeout, 2m, sh, -c, 'until nc -z db 5432; do sleep 1; done']", Millis(120_000)),
        ("[timeout, -s, KILL, \"60\", sh, -c, 'until nc -z db 5432; do sleep 1; done']", Millis(60_000)),
        ("[timeout, --signal=TERM, -k, 5s, \"45\", wait-for-it, \"db:5432\", -t, \"0\"]", Millis(45_000)),
        ("[sh, -c, \"timeout 30 sh -c 'until nc -z db 5432; do sleep 1; done' && exec app\"]", Millis(30_000)),
        ("[sh, -c, \"timeout 5 nc -z db 5432\"]", Once),
        // The shorter deadline wins; a zero duration disables the timeout.
        ("[timeout, \"120\", wait-for-it, \"db:5432\", -t, \"20\"]", Millis(20_000)),
        ("[timeout, \"0\", sh, -c, 'until nc -z db 5432; do sleep 1; done']", Unbounded),
        // A timeout inside the loop bounds one attempt only.
        ("[sh, -c, \"until timeout 1 nc -z db 5432; do sleep 1; done\"]", Unbounded),
    ];
    for (cmd, want) in cases {
        let (db, s) = run_k8s(cmd);
        assert_eq!(s.len(), 1, "{cmd}");
        assert_eq!(s[0].timeout, *want, "{cmd}");
        assert_eq!(s[0].host.as_ref().map(|h| text(&db, h.span)), Some("db"), "{cmd}");
    }
}

/// The rule doc's "use instead": a nested single-quoted script, located exactly.
#[test]
fn nested_shell_spans() {
    let (db, s) = run_k8s("[\"sh\", \"-c\", \"timeout 120 sh -c 'until nc -z redis 6379; do sleep 1; done'\"]");
    assert_eq!(
        rows(&db, &s),
        vec![(
            WaitTool::Nc,
            Some("redis"),
            Some(6379),
            Millis(120_000),
            PortOpen,
            "timeout 120 sh -c 'until nc -z redis 6379; do sleep 1; done'"
        )]
    );
    assert_eq!(port_text(&db, &s[0]), "6379");
}

#[test]
fn hosts_from_env() {
    let env = [("DB_HOST", "nexus-database.prod.svc.cluster.local"), ("DB_PORT", "5432"), ("DB_ADDR", "db:5433")];
    for (cmd, host, port) in [
        (
            "[sh, -c, 'until nc -z $DB_HOST $DB_PORT; do sleep 1; done']",
            "nexus-database.prod.svc.cluster.local",
            "5432",
        ),
        (
            "[sh, -c, 'until nc -z \"${DB_HOST}\" \"${DB_PORT}\"; do sleep 1; done']",
            "nexus-database.prod.svc.cluster.local",
            "5432",
        ),
        ("[sh, -c, 'until nc -z $(DB_HOST) 5432; do sleep 1; done']", "nexus-database.prod.svc.cluster.local", "5432"),
        ("[wait-for-it, \"$(DB_HOST):$(DB_PORT)\"]", "nexus-database.prod.svc.cluster.local", "5432"),
        ("[wait-for-it, \"$(DB_ADDR)\"]", "db", "5433"),
    ] {
        let (db, cs) = k8s(&pod_env(cmd, &env));
        let s = specs(&db, &cs);
        let h = s[0].host.as_ref().unwrap();
        assert_eq!((h.value.as_str(), text(&db, h.span)), (host, host), "{cmd}");
        assert_eq!(port_text(&db, &s[0]), port, "{cmd}");
        // The env value's span, not the command's.
        let env_value = cs[0].env.iter().find_map(|e| e.value.as_ref().filter(|v| v.value.contains(host))).unwrap();
        assert!(env_value.span.start <= h.span.start && h.span.end <= env_value.span.end, "{cmd}");
    }
    // Undefined: kept as written; a default applies.
    let (db, s) = run_k8s("[sh, -c, 'until nc -z $OTHER_HOST ${OTHER_PORT:-6379}; do sleep 1; done']");
    assert_eq!(rows(&db, &s)[0].1, Some("$OTHER_HOST"));
    assert_eq!(port_text(&db, &s[0]), "6379");
    // Script variables.
    let (db, s) = run_k8s("[sh, -c, 'HOST=cache.prod; PORT=6380; until nc -z \"$HOST\" \"$PORT\"; do sleep 1; done']");
    assert_eq!((rows(&db, &s)[0].1, rows(&db, &s)[0].2), (Some("cache.prod"), Some(6380)));
}

#[test]
fn compose_forms() {
    let yaml = "services:\n  db:\n    image: postgres:16\n  api:\n    image: api:1\n    command: sh -c \"until nc -z db 5432; do sleep 1; done; exec api\"\n  web:\n    image: web:1\n    entrypoint: [\"/bin/sh\", \"-c\"]\n    command: [\"wait-for-it api:8000 -t 30 -- nginx\"]\n  worker:\n    image: w:1\n    entrypoint: [\"dockerize\", \"-wait\", \"tcp://db:5432\"]\n    command: [\"celery\", \"worker\"]\n";
    let (db, cs) = compose(yaml);
    let mut got = Vec::new();
    for c in &cs {
        for w in waits(c, &db) {
            let h = w.host.as_ref().unwrap();
            assert_eq!(text(&db, h.span), h.value);
            got.push((
                c.name.value.clone(),
                w.tool,
                h.value.clone(),
                w.port.map(|p| p.value),
                w.timeout,
                text(&db, w.span).to_string(),
            ));
        }
    }
    assert_eq!(
        got,
        vec![
            (
                "api".to_string(),
                WaitTool::Nc,
                "db".to_string(),
                Some(5432),
                Unbounded,
                "until nc -z db 5432; do sleep 1; done".to_string()
            ),
            (
                "web".to_string(),
                WaitTool::WaitForIt,
                "api".to_string(),
                Some(8000),
                Millis(30_000),
                "wait-for-it api:8000 -t 30 -- nginx".to_string()
            ),
            (
                "worker".to_string(),
                WaitTool::Dockerize,
                "db".to_string(),
                Some(5432),
                Default(10_000),
                "dockerize".to_string()
            ),
        ]
    );
}

#[test]
fn shell_options_and_args_split() {
    for cmd in [
        "[sh, -ec, 'until nc -z db 5432; do sleep 1; done']",
        "[/bin/bash, -euo, pipefail, -c, 'until nc -z db 5432; do sleep 1; done']",
        "[ash, -ceu, 'until nc -z db 5432; do sleep 1; done']",
        "[dash, -e, -c, 'until nc -z db 5432; do sleep 1; done']",
    ] {
        let (db, s) = run_k8s(cmd);
        assert_eq!(
            rows(&db, &s),
            vec![(WaitTool::Nc, Some("db"), Some(5432), Unbounded, PortOpen, "until nc -z db 5432; do sleep 1; done")],
            "{cmd}"
        );
    }
    // `command: [sh, -c]` with the script in `args`.
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  initContainers:\n    - name: w\n      image: busybox:1.36\n      command: [\"sh\", \"-c\"]\n      args:\n        - |\n          echo waiting\n          until nc -z nexus-database 5432; do\n            sleep 2\n          done\n  containers:\n    - name: app\n      image: app:1\n";
    let (db, cs) = k8s(yaml);
    let s = specs(&db, &cs);
    assert_eq!(
        rows(&db, &s),
        vec![(
            WaitTool::Nc,
            Some("nexus-database"),
            Some(5432),
            Unbounded,
            PortOpen,
            "until nc -z nexus-database 5432; do\n            sleep 2\n          done"
        )]
    );
    assert_eq!(port_text(&db, &s[0]), "5432");
}

#[test]
fn functions_and_host_lists() {
    let (db, s) = run_k8s(
        "[sh, -c, 'wait_for() { until nc -z \"$1\" \"$2\"; do sleep 1; done; }; wait_for db 5432; wait_for redis 6379']",
    );
    assert_eq!(
        rows(&db, &s),
        vec![
            (WaitTool::Nc, Some("db"), Some(5432), Unbounded, PortOpen, "wait_for db 5432"),
            (WaitTool::Nc, Some("redis"), Some(6379), Unbounded, PortOpen, "wait_for redis 6379"),
        ]
    );
    let (db, s) = run_k8s("[sh, -c, 'for h in db redis; do until nc -z $h 7000; do sleep 1; done; done']");
    let hosts: Vec<_> = rows(&db, &s).into_iter().map(|r| (r.1, r.3)).collect();
    assert_eq!(hosts, vec![(Some("db"), Unbounded), (Some("redis"), Unbounded)]);
    // `sh -c BODY $0 $1`.
    let (db, s) = run_k8s("[sh, -c, 'until nc -z \"$1\" 5432; do sleep 1; done', sh, pg.prod]");
    assert_eq!(rows(&db, &s)[0].1, Some("pg.prod"));
}

#[test]
fn several_waits_in_one_script() {
    let (db, s) = run_k8s(
        "[sh, -c, \"set -e; echo start; until nc -z db 5432 && nc -z redis 6379; do sleep 1; done; kubectl wait --for=condition=complete job/migrate --timeout=10m; exec app\"]",
    );
    let got: Vec<(WaitTool, Option<&str>, Bound)> = rows(&db, &s).into_iter().map(|r| (r.0, r.1, r.3)).collect();
    assert_eq!(
        got,
        vec![
            (WaitTool::Nc, Some("db"), Unbounded),
            (WaitTool::Nc, Some("redis"), Unbounded),
            (WaitTool::KubectlWait, None, Millis(600_000)),
        ]
    );
    assert_eq!(text(&db, s[2].span), "kubectl wait --for=condition=complete job/migrate --timeout=10m");
    // `while nc -z …` waits for the port to close: not a readiness wait.
    let (_, s) = run_k8s("[sh, -c, 'while nc -z old 5432; do sleep 1; done']");
    assert!(s.is_empty());
}

#[test]
fn nothing_to_find() {
    for cmd in
        ["[python, migrate.py]", "[celery, --app=x, worker]", "[sh, -c, 'exec gunicorn app']", "[sh, script.sh]", "[]"]
    {
        let (_, s) = run_k8s(cmd);
        assert!(s.is_empty(), "{cmd}");
    }
}

#[test]
fn yaml_escapes_and_block_scalars() {
    // Escaped quotes: the host is exact, the loop spans its source text.
    let (db, s) = run_k8s(r#"["sh", "-c", "until nc -z \"db\" 5432; do sleep 1; done"]"#);
    assert_eq!(
        rows(&db, &s),
        vec![(
            WaitTool::Nc,
            Some("db"),
            Some(5432),
            Unbounded,
            PortOpen,
            r#"until nc -z \"db\" 5432; do sleep 1; done"#
        )]
    );
    // A folded scalar whose header comment mentions the command.
    let (db, s) = run_k8s(
        "\n        - sh\n        - -c\n        - >-  # until nc -z db 1\n          until nc -z db 5432;\n          do sleep 1; done\n",
    );
    assert_eq!(
        rows(&db, &s),
        vec![(
            WaitTool::Nc,
            Some("db"),
            Some(5432),
            Unbounded,
            PortOpen,
            "until nc -z db 5432;\n          do sleep 1; done"
        )]
    );
    assert_eq!(port_text(&db, &s[0]), "5432");
}

#[test]
fn compose_interpolation_escape() {
    let yaml = "services:\n  api:\n    image: api:1\n    environment:\n      DB_HOST: nexus-db\n    command: sh -c \"until nc -z $$DB_HOST 5432; do sleep 1; done\"\n";
    let (db, cs) = compose(yaml);
    let s = specs(&db, &cs);
    let h = s[0].host.as_ref().unwrap();
    assert_eq!((h.value.as_str(), text(&db, h.span)), ("nexus-db", "nexus-db"));
    assert_eq!(text(&db, s[0].span), "until nc -z $$DB_HOST 5432; do sleep 1; done");
    assert_eq!(s[0].timeout, Unbounded);
}

/// Recursion, fan-out and size bombs end quickly.
#[test]
fn hostile_scripts_finish() {
    let bomb = "f() { f; f; f; f; f; f; f; f; nc -z db 1; }; f";
    let (_, s) = run_k8s(&format!("[sh, -c, {}]", serde_json::to_string(bomb).unwrap()));
    assert!(!s.is_empty());
    let nested = format!("{}nc -z db 1{}", "$(".repeat(200), ")".repeat(200));
    let _ = run_k8s(&format!("[sh, -c, {}]", serde_json::to_string(&nested).unwrap()));
    let mut big = String::from("|\n");
    for i in 0..5_000 {
        big.push_str(&format!("          echo step {i} && until nc -z host{i} 80; do sleep 1; done\n"));
    }
    let (db, cs) = k8s(&pod(&format!("\n        - sh\n        - -c\n        - {big}")));
    let s = specs(&db, &cs);
    assert_eq!(s.len(), 5_000);
    assert_eq!(text(&db, s[4_999].host.as_ref().unwrap().span), "host4999");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
    /// Any script: no panic, and every span inside the container's words.
    #[test]
    fn any_script(body in "[a-z0-9 ;&|()<>$'\"`{}\\\n=/:.!#-]{0,120}", prefix in proptest::sample::select(vec![
        "until nc -z ", "timeout 5 sh -c '", "for i in 1 2; do ", "f() { ", "while ! ", "wait-for-it ",
    ])) {
        let script = format!("{prefix}{body}");
        let (db, cs) = k8s(&pod(&format!("[sh, -c, {}]", serde_json::to_string(&script).unwrap())));
        let _ = specs(&db, &cs);
    }
}

#[test]
fn durations() {
    assert_eq!(go_duration_ms("1m30s"), Some(90_000));
    assert_eq!(go_duration_ms("500ms"), Some(500));
    assert_eq!(go_duration_ms("-1s"), Some(-1_000));
    assert_eq!(go_duration_ms("0"), Some(0));
    assert_eq!(go_duration_ms("1h"), Some(3_600_000));
    assert_eq!(go_duration_ms("abc"), None);
    assert_eq!(seconds_ms("0.5"), Some(500));
    assert_eq!(seconds_ms("2m"), Some(120_000));
    assert_eq!(seconds_ms("1.5s"), Some(1_500));
    assert_eq!(seconds_ms("$X"), None);
}
