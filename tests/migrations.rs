//! Migrations ordered correctly by each mechanism — a Helm hook, an Argo CD wave, a Compose
//! condition, a deploy script — yield no migration finding; the same platforms with the gate
//! taken out yield NX202.

use crate::util::check_files;

/// The migration family's findings of warning severity or above, as `CODE message`.
fn migration_findings(files: &[(&str, &str)]) -> Vec<String> {
    let o = check_files(files);
    o.diagnostics
        .iter()
        .filter(|d| d.code.starts_with("NX2") && d.severity > nexus_diagnostics::Severity::Info)
        .map(|d| format!("{} {}", d.code, d.message))
        .collect()
}

fn as_refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

fn has_nx202(files: &[(&str, &str)]) -> bool {
    migration_findings(files).iter().any(|f| f.starts_with("NX202"))
}

const DB: &str = "# Source: postgresql/templates/primary/statefulset.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: pg-postgresql
  namespace: shop
spec:
  serviceName: pg-postgresql
  selector: {matchLabels: {app: pg}}
  template:
    metadata: {labels: {app: pg}}
    spec:
      containers:
        - name: postgresql
          image: docker.io/bitnami/postgresql:16.4.0
          ports: [{containerPort: 5432}]
          readinessProbe: {exec: {command: [pg_isready]}}
---
# Source: postgresql/templates/primary/svc.yaml
apiVersion: v1
kind: Service
metadata:
  name: pg-postgresql
  namespace: shop
spec:
  selector: {app: pg}
  ports: [{port: 5432}]
";

const HELM_APP: &str = "---
# Source: shop/templates/migrate-job.yaml
apiVersion: batch/v1
kind: Job
metadata:
  name: shop-migrate
  namespace: shop
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: \"-5\"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: 1
  activeDeadlineSeconds: 600
  template:
    metadata:
      labels: {app.kubernetes.io/version: \"2.3.1\", helm.sh/chart: shop-2.3.1}
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: ghcr.io/acme/shop:2.3.1
          command: [python, manage.py, migrate, --noinput]
          env: [{name: DATABASE_URL, value: \"postgres://shop@pg-postgresql:5432/shop\"}]
---
# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-web
  namespace: shop
spec:
  replicas: 3
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/shop:2.3.1
          command: [gunicorn, shop.wsgi]
          env: [{name: DATABASE_URL, value: \"postgres://shop@pg-postgresql:5432/shop\"}]
";

#[test]
fn helm_pre_install_pre_upgrade_hook_orders_the_migration() {
    let files = [("rendered/pg.yaml", DB), ("rendered/shop.yaml", HELM_APP)];
    assert_eq!(migration_findings(&files), Vec::<String>::new());
    let late = HELM_APP.replace("pre-install,pre-upgrade", "post-install,post-upgrade");
    assert!(has_nx202(&[("rendered/pg.yaml", DB), ("rendered/shop.yaml", &late)]));
}

#[test]
fn argo_cd_earlier_wave_orders_the_migration() {
    let app = HELM_APP
        .replace("# Source: shop/templates/migrate-job.yaml\n", "")
        .replace("# Source: shop/templates/deployment.yaml\n", "")
        .replace(
            "    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-weight: \"-5\"\n    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded\n",
            "    argocd.argoproj.io/sync-wave: \"-1\"\n    argocd.argoproj.io/sync-options: Replace=true\n",
        );
    let db = DB
        .replace("# Source: postgresql/templates/primary/statefulset.yaml\n", "")
        .replace("# Source: postgresql/templates/primary/svc.yaml\n", "");
    assert_eq!(migration_findings(&[("apps/db.yaml", &db), ("apps/shop.yaml", &app)]), Vec::<String>::new());
    let same_wave = app.replace("sync-wave: \"-1\"", "sync-wave: \"0\"");
    assert!(has_nx202(&[("apps/db.yaml", &db), ("apps/shop.yaml", &same_wave)]));
}

const COMPOSE: &str = "services:
  db:
    image: postgres:16.4
    healthcheck:
      test: [CMD, pg_isready, -U, shop]
  migrate:
    image: ghcr.io/acme/shop:2.3.1
    command: [alembic, upgrade, head]
    environment:
      DATABASE_URL: postgresql://shop@db:5432/shop
    depends_on:
      db: {condition: service_healthy}
  web:
    image: ghcr.io/acme/shop:2.3.1
    command: [uvicorn, shop.main:app, --host, 0.0.0.0]
    environment:
      DATABASE_URL: postgresql://shop@db:5432/shop
    depends_on:
      db: {condition: service_healthy}
      migrate: {condition: service_completed_successfully}
";

#[test]
fn compose_service_completed_successfully_orders_the_migration() {
    assert_eq!(migration_findings(&[("compose.yaml", COMPOSE)]), Vec::<String>::new());
    let started = COMPOSE
        .replace("migrate: {condition: service_completed_successfully}", "migrate: {condition: service_started}");
    assert!(has_nx202(&[("compose.yaml", &started)]));
}

const K8S: &str = "apiVersion: batch/v1
kind: Job
metadata:
  name: shop-migrate-2-3-1
  namespace: shop
spec:
  backoffLimit: 1
  activeDeadlineSeconds: 600
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: ghcr.io/acme/shop:2.3.1
          command: [flyway, migrate]
          env: [{name: FLYWAY_URL, value: \"jdbc:postgresql://pg-postgresql:5432/shop\"}]
";

const SCRIPT: &str = "#!/usr/bin/env bash
set -euo pipefail
kubectl apply -f k8s/pg.yaml
kubectl rollout status statefulset/pg-postgresql -n shop --timeout=300s
kubectl apply -f k8s/migrate.yaml
kubectl wait --for=condition=complete --timeout=600s job/shop-migrate-2-3-1 -n shop
kubectl apply -f k8s/web.yaml
kubectl rollout status deployment/shop-web -n shop --timeout=600s
";

#[test]
fn deploy_script_waiting_for_completion_orders_the_migration() {
    let web = HELM_APP.split("---\n# Source: shop/templates/deployment.yaml\n").nth(1).unwrap();
    let db = DB
        .replace("# Source: postgresql/templates/primary/statefulset.yaml\n", "")
        .replace("# Source: postgresql/templates/primary/svc.yaml\n", "");
    let files = |script: &str| {
        vec![
            ("k8s/pg.yaml".to_string(), db.clone()),
            ("k8s/migrate.yaml".to_string(), K8S.to_string()),
            ("k8s/web.yaml".to_string(), web.to_string()),
            ("deploy.sh".to_string(), script.to_string()),
        ]
    };
    assert_eq!(migration_findings(&as_refs(&files(SCRIPT))), Vec::<String>::new());
    let unwaited =
        SCRIPT.replace("kubectl wait --for=condition=complete --timeout=600s job/shop-migrate-2-3-1 -n shop\n", "");
    assert!(has_nx202(&as_refs(&files(&unwaited))));
}

const SELF_MIGRATING: &str = "services:
  db:
    image: postgres:16.4
    healthcheck:
      test: [CMD, pg_isready]
  web:
    image: ghcr.io/acme/shop:2.3.1
    command: [sh, -c, \"python manage.py migrate --noinput && exec gunicorn shop.wsgi\"]
    environment:
      DATABASE_URL: postgres://shop@db:5432/shop
    healthcheck:
      test: [CMD, curl, -f, http://localhost:8000/healthz]
    depends_on:
      db: {condition: service_healthy}
  worker:
    image: ghcr.io/acme/shop:2.3.1
    command: [celery, -A, shop, worker]
    environment:
      DATABASE_URL: postgres://shop@db:5432/shop
    depends_on:
      db: {condition: service_healthy}
      web: {condition: service_healthy}
";

#[test]
fn an_app_waiting_for_a_self_migrating_app_to_be_healthy_is_ordered() {
    assert_eq!(migration_findings(&[("compose.yaml", SELF_MIGRATING)]), Vec::<String>::new());
    let started = SELF_MIGRATING.replace("web: {condition: service_healthy}", "web: {condition: service_started}");
    assert!(has_nx202(&[("compose.yaml", &started)]));
}
