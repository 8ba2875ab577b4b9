//! Scaling coordination (NX3xx) beyond the snapshots: the well-sized tier is silent because
//! its numbers are known and fit (not because nothing was read), the `spec.replicas` autofix
//! leaves a manifest that applies and that the rule no longer reports, and `capacity:` in the
//! configuration changes NX305's arithmetic.

use nexus_lint::check::{self, InputSpec};
use nexus_model::capacity::LimitKind;

use crate::util::{check_files, check_paths, settings};

fn workload<'a>(p: &'a nexus_model::Platform, name: &str) -> &'a nexus_model::Workload {
    p.workloads.iter().find(|w| w.name.value == name).unwrap_or_else(|| panic!("no workload `{name}`"))
}

#[test]
fn the_well_sized_tier_is_silent_with_every_number_known() {
    let o = check_paths(&["fixtures/scaling/well-sized-tier"]);
    assert!(o.diagnostics.is_empty(), "{:#?}", o.diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>());
    let p = &o.loaded.platform;
    let (api, jobs, db) = (workload(p, "api"), workload(p, "jobs"), workload(p, "store-db"));
    let pools = p.capacity.pools_of(api.id);
    assert_eq!(pools.len(), 1, "{pools:?}");
    assert_eq!((pools[0].provider, pools[0].per_pod(), pools[0].formula().as_str()), (db.id, 10, "2 workers × pool 5"));
    assert_eq!(p.capacity.pools_of(jobs.id)[0].per_pod(), 10);
    let limit = p.capacity.limit_of(db.id).expect("a limit");
    assert_eq!((limit.kind, limit.max.value), (LimitKind::Postgres, 200));
}

#[test]
fn pgbouncer_changes_the_arithmetic() {
    let o = check_paths(&["fixtures/scaling/hpa-dependency-capacity"]);
    let p = &o.loaded.platform;
    let (bouncer, db) = (workload(p, "pgbouncer"), workload(p, "billing-db"));
    let limit = p.capacity.limit_of(bouncer.id).expect("pgbouncer's limit");
    assert_eq!((limit.kind, limit.max.value, limit.per_pod), (LimitKind::PgBouncer, 200, true));
    // PgBouncer opens default_pool_size + reserve_pool_size to PostgreSQL, not its clients' pools.
    let towards_db = p.capacity.pools_of(bouncer.id);
    assert_eq!((towards_db[0].provider, towards_db[0].per_pod()), (db.id, 45));
    let nx305: Vec<&str> = o.diagnostics.iter().filter(|d| d.code == "NX305").map(|d| d.message.as_str()).collect();
    assert!(nx305.iter().any(|m| m.contains("> max_client_conn 200 × 2 pods = 400 of `pgbouncer`")), "{nx305:#?}");
    assert!(!nx305.iter().any(|m| m.contains("billing-db")), "{nx305:#?}");
}

/// Applies a diagnostic's fix to its file's text.
fn apply(text: &str, fix: &nexus_diagnostics::Fix) -> String {
    let mut edits: Vec<_> = fix.edits.iter().collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
    let mut out = text.to_string();
    for e in edits {
        out.replace_range(e.span.start as usize..e.span.end as usize, &e.replacement);
    }
    out
}

#[test]
fn the_replicas_fix_removes_the_line_and_keeps_the_rest() {
    let path = "fixtures/scaling/hpa-replicas-conflict/platform.yaml";
    let text = std::fs::read_to_string(path).unwrap();
    let o = check_files(&[(path, &text)]);
    let nx302: Vec<_> = o.diagnostics.iter().filter(|d| d.code == "NX302").collect();
    assert_eq!(nx302.len(), 2);
    // `replicas: 3 # keep in sync …` keeps its finding but has no fix: deleting the line would
    // lose the comment.
    let fixes: Vec<_> = nx302.iter().filter_map(|d| d.fix.as_ref()).collect();
    assert_eq!(fixes.len(), 1);
    let mut fixed = text.clone();
    // Later edits first, so earlier offsets stay valid.
    for f in fixes.iter().rev() {
        fixed = apply(&fixed, f);
    }
    let removed: Vec<&str> = text.lines().filter(|l| !fixed.lines().any(|m| m == *l)).collect();
    assert_eq!(removed, ["  replicas: 2"]);
    assert!(fixed.contains("  name: mailer\n  namespace: storefront\nspec:\n  selector:\n"), "{fixed}");
    assert!(fixed.contains("  # Three nodes for the shards; the HPA below adds more at peak.\n  replicas: 3 # keep"));
    let again = check_files(&[(path, &fixed)]);
    let left: Vec<_> = again.diagnostics.iter().filter(|d| d.code == "NX302" || d.code == "NX001").collect();
    assert!(left.len() == 1 && left[0].fix.is_none() && left[0].message.contains("`search`"), "{left:#?}");
}

#[test]
fn no_fix_where_the_line_is_shared() {
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec: {replicas: 3, selector: {matchLabels: {app: api}}, template: {metadata: {labels: {app: api}}, spec: {containers: [{name: api, image: 'ghcr.io/acme/api:1.0.0'}]}}}\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: api}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}\n  minReplicas: 2\n  maxReplicas: 5\n";
    let o = check_files(&[("api.yaml", text)]);
    let d = o.diagnostics.iter().find(|d| d.code == "NX302").expect("NX302");
    assert!(d.fix.is_none());
}

#[test]
fn configured_capacity_replaces_what_the_manifests_say() {
    let dir = "fixtures/scaling/well-sized-tier";
    let mut s = settings();
    // The API really runs 4 workers and talks to a database that accepts 60.
    s.capacity = vec![
        nexus_model::capacity::CapacityOverride {
            resource: Some("Deployment/store/api".into()),
            processes: Some(4),
            ..Default::default()
        },
        nexus_model::capacity::CapacityOverride {
            image: Some("postgres:*".into()),
            max_connections: Some(60),
            ..Default::default()
        },
    ];
    let o = check::check(&InputSpec::Paths(vec![dir.into()]), &s);
    let msgs: Vec<&str> = o.diagnostics.iter().filter(|d| d.code == "NX305").map(|d| d.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "maxReplicas 10 × 4 processes × pool 5 = 200 connections, + 20 from `jobs` (2 pods × pool 10) = 220 > max_connections 60 of `store-db`"
        ]
    );
}

#[test]
fn nx305_says_nothing_when_a_side_is_unknown() {
    let app = |env: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: orders}}\nspec:\n  selector: {{matchLabels: {{app: orders}}}}\n  template:\n    metadata: {{labels: {{app: orders}}}}\n    spec:\n      containers:\n        - name: orders\n          image: ghcr.io/acme/orders:4.1.0\n          env:\n            - {{name: DATABASE_URL, value: 'postgresql://orders@orders-db:5432/orders'}}\n{env}---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: orders}}\nspec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: orders}}\n  minReplicas: 2\n  maxReplicas: 40\n"
        )
    };
    let db = |image: &str| {
        format!(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: orders-db}}\nspec:\n  serviceName: orders-db\n  selector: {{matchLabels: {{app: orders-db}}}}\n  template:\n    metadata: {{labels: {{app: orders-db}}}}\n    spec:\n      containers:\n        - {{name: db, image: '{image}', ports: [{{containerPort: 5432}}]}}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: orders-db}}\nspec:\n  selector: {{app: orders-db}}\n  ports: [{{port: 5432}}]\n"
        )
    };
    let pool = "            - {name: DB_POOL_SIZE, value: '20'}\n";
    let nx305 = |a: &str, d: &str| {
        check_files(&[("app.yaml", a), ("db.yaml", d)]).diagnostics.iter().filter(|d| d.code == "NX305").count()
    };
    // Both known: 40 × 20 = 800 > 100.
    assert_eq!(nx305(&app(pool), &db("postgres:16.4")), 1);
    // No pool declared: nothing is assumed.
    assert_eq!(nx305(&app(""), &db("postgres:16.4")), 0);
    // A datastore whose limit nexus-lint does not know.
    assert_eq!(nx305(&app(pool), &db("ghcr.io/acme/orders-store:2.0")), 0);
}

#[test]
fn autoscalers_of_alternative_overlays_do_not_fight() {
    let base = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec:\n      containers: [{name: api, image: 'ghcr.io/acme/api:1.0.0', resources: {requests: {cpu: 100m}}}]\n";
    let hpa = |max: u32| {
        format!(
            "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: api}}\nspec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: api}}\n  minReplicas: 2\n  maxReplicas: {max}\n"
        )
    };
    let fights = |files: &[(&str, &str)]| {
        check_files(files).diagnostics.iter().filter(|d| d.code == "NX304" && d.message.contains("fight")).count()
    };
    let (dev, prod) = (hpa(3), hpa(20));
    assert_eq!(
        fights(&[("base/api.yaml", base), ("overlays/dev/hpa.yaml", &dev), ("overlays/prod/hpa.yaml", &prod)]),
        0
    );
    assert_eq!(fights(&[("base/api.yaml", base), ("base/hpa.yaml", &dev), ("base/hpa-memory.yaml", &prod)]), 1);
}

/// One Deployment per framework, each connecting to the same PostgreSQL: the connections per
/// pod each framework's settings imply.
#[test]
fn pools_of_common_frameworks() {
    let app = |name: &str, command: &str, env: &[(&str, &str)]| {
        let env: String = env.iter().map(|(k, v)| format!("            - {{name: {k}, value: '{v}'}}\n")).collect();
        let command = if command.is_empty() { String::new() } else { format!("          command: {command}\n") };
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/acme/{name}:1.0.0\n{command}          env:\n{env}---\n"
        )
    };
    let url = "postgresql://app@db:5432/app";
    let cases: Vec<(&str, String, i64)> = vec![
        (
            "pgx",
            app("pgx", "", &[("DATABASE_URL", "postgres://app@db:5432/app?sslmode=disable&pool_max_conns=12")]),
            12,
        ),
        ("prisma", app("prisma", "", &[("DATABASE_URL", "postgresql://app@db:5432/app?connection_limit=7")]), 7),
        ("sqlalchemy", app("sqlalchemy", "", &[("DATABASE_URL", url), ("SQLALCHEMY_POOL_SIZE", "5")]), 15),
        ("sequelize", app("sequelize", "", &[("DATABASE_URL", url), ("DB_POOL_MAX", "9")]), 9),
        ("hikari", app("hikari", "", &[("SPRING_DATASOURCE_URL", "jdbc:postgresql://db:5432/app")]), 10),
        (
            "django",
            app(
                "django",
                "[gunicorn, -w, '3', --threads, '4', app.wsgi]",
                &[("DATABASE_URL", url), ("CONN_MAX_AGE", "60")],
            ),
            12,
        ),
        (
            "celery",
            app("celery", "[celery, -A, app, worker, -c, '6']", &[("DATABASE_URL", url), ("DB_POOL_SIZE", "2")]),
            12,
        ),
        ("rails", app("rails", "[bundle, exec, puma]", &[("DATABASE_URL", url), ("RAILS_MAX_THREADS", "5")]), 5),
        ("unknown", app("unknown", "", &[("DATABASE_URL", url)]), 0),
    ];
    let db = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  serviceName: db\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec:\n      containers: [{name: db, image: 'postgres:16.4', ports: [{containerPort: 5432}]}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  selector: {app: db}\n  ports: [{port: 5432}]\n";
    let text: String = cases.iter().map(|(_, t, _)| t.as_str()).chain([db]).collect();
    let o = check_files(&[("platform.yaml", &text)]);
    let p = &o.loaded.platform;
    let got: Vec<(&str, i64)> = cases
        .iter()
        .map(|(name, _, _)| (*name, p.capacity.pools_of(workload(p, name).id).iter().map(|c| c.per_pod()).sum()))
        .collect();
    let want: Vec<(&str, i64)> = cases.iter().map(|(name, _, n)| (*name, *n)).collect();
    assert_eq!(got, want);
}
