//! Plans read from the seed's two deploy scripts, and focused cases for each shell and kubectl
//! feature the reader follows.

use super::*;
use crate::load::{Loaded, load_memory};
use crate::testing::load_fixtures;
use crate::{DeployPlan, ObjectId, PlanAction};

fn memory(files: &[(&str, &str)]) -> Loaded {
    load_memory(&files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect::<Vec<_>>())
}

fn scripts(l: &Loaded) -> Vec<FileId> {
    l.db.files().iter().filter(|f| f.path.ends_with(".sh") || f.path.ends_with(".bash")).map(|f| f.id).collect()
}

fn all_plans(l: &Loaded) -> Vec<DeployPlan> {
    plans(&l.db, &l.platform, &scripts(l))
}

/// The plan of the script at `path`.
fn plan_of(l: &Loaded, path: &str) -> Option<DeployPlan> {
    let f = l.db.find(path).unwrap_or_else(|| panic!("{path} not loaded")).id;
    plans(&l.db, &l.platform, &[f]).pop()
}

fn names(l: &Loaded, ids: &[ObjectId]) -> String {
    ids.iter()
        .map(|&i| {
            let o = l.platform.object(i);
            format!("{}/{}", o.kind.value, o.name_str())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn targets(t: &[(String, String)]) -> String {
    t.iter().map(|(k, n)| format!("{k}/{n}")).collect::<Vec<_>>().join(" ")
}

/// Each step as `command text => action`.
fn steps(l: &Loaded, p: &DeployPlan) -> Vec<String> {
    p.steps
        .iter()
        .map(|s| {
            let action = match &s.action {
                PlanAction::Apply { objects, .. } => format!("apply [{}]", names(l, objects)),
                PlanAction::Wait { condition, targets: t, objects, timeout } => {
                    format!("wait {condition} {} [{}] {timeout:?}", targets(t), names(l, objects))
                }
                PlanAction::RolloutStatus { targets: t, objects, timeout } => {
                    format!("rollout {} [{}] {timeout:?}", targets(t), names(l, objects))
                }
                PlanAction::Helm { release, chart, wait, timeout } => {
                    format!("helm {release} {chart} wait={wait} {timeout:?}")
                }
                PlanAction::Sleep { millis } => format!("sleep {millis}"),
            };
            format!("{} => {action}", l.db.get(s.span.file).slice(s.span))
        })
        .collect()
}

/// The applied paths of each apply step, as written and as their spans read.
fn paths(l: &Loaded, p: &DeployPlan) -> Vec<(String, String)> {
    p.steps
        .iter()
        .filter_map(|s| match &s.action {
            PlanAction::Apply { paths, .. } => Some(paths),
            _ => None,
        })
        .flatten()
        .map(|p| (p.value.clone(), l.db.get(p.span.file).slice(p.span).to_string()))
        .collect()
}

const DB: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: db\n  labels:\n    tier: data\nspec:\n  \
                  selector:\n    matchLabels:\n      app: db\n  template:\n    metadata:\n      labels:\n        app: db\n    \
                  spec:\n      containers:\n        - name: db\n          image: postgres:16\n";
const APP: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  selector:\n    matchLabels:\n      \
                   app: app\n  template:\n    metadata:\n      labels:\n        app: app\n    spec:\n      containers:\n        \
                   - name: app\n          image: example/app:1.0\n";
const JOB: &str = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n  template:\n    spec:\n      \
                   restartPolicy: Never\n      containers:\n        - name: m\n          image: example/app:1.0\n";
const NS: &str = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n";

fn config_map(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  k: v\n")
}

#[test]
fn seed_script_applies_everything_without_a_wait() {
    let l = load_fixtures(&["fixtures/nexus"]);
    let p = plan_of(&l, "fixtures/nexus/deploy/scripts/deploy-production.sh").expect("a plan");
    assert!(p.errexit, "`set -e`");
    assert_eq!(p.kind, PlanKind::Script);
    assert_eq!(
        steps(&l, &p),
        [
            "kubectl apply -f k8s/production/namespace.yaml => apply [Namespace/nexus-production]",
            "kubectl apply -f k8s/production/secrets.yaml => apply [Secret/nexus-secrets]",
            "kubectl apply -f k8s/production/configmap.yaml => apply [ConfigMap/nexus-config ConfigMap/nexus-app-settings]",
            "kubectl apply -f k8s/production/health-check-configmap.yaml => apply [ConfigMap/health-check-config]",
            "kubectl apply -f k8s/production/network-policies.yaml => apply [NetworkPolicy/default-deny-all \
             NetworkPolicy/allow-dns-egress NetworkPolicy/allow-istio-control-plane NetworkPolicy/nexus-database \
             NetworkPolicy/nexus-redis NetworkPolicy/nexus-backend NetworkPolicy/nexus-worker \
             NetworkPolicy/nexus-db-migration NetworkPolicy/nexus-frontend NetworkPolicy/prometheus]",
            // A directory: its files in lexical order (deployment, pvc, service), nothing awaited.
            "kubectl apply -f k8s/production/database/ => apply [Deployment/nexus-database \
             PersistentVolumeClaim/nexus-database-data Service/nexus-database]",
            "kubectl apply -f k8s/production/redis/ => apply [Deployment/nexus-redis \
             PersistentVolumeClaim/nexus-redis-data Service/nexus-redis]",
            "kubectl apply -f k8s/production/nexus-backend-deployment.yaml => apply [Deployment/nexus-backend \
             Service/nexus-backend]",
            "kubectl apply -f k8s/production/migrations/ => apply [Job/nexus-db-migration]",
            "kubectl apply -f k8s/production/nexus-worker-deployment.yaml => apply [Deployment/nexus-worker]",
            "kubectl apply -f k8s/production/nexus-frontend-deployment.yaml => apply [Deployment/nexus-frontend \
             Service/nexus-frontend]",
            "kubectl apply -f k8s/production/hpa.yaml => apply [HorizontalPodAutoscaler/nexus-backend \
             HorizontalPodAutoscaler/nexus-frontend]",
            "kubectl apply -f k8s/production/pdb.yaml => apply [PodDisruptionBudget/nexus-backend \
             PodDisruptionBudget/nexus-frontend PodDisruptionBudget/nexus-worker]",
            "kubectl apply -f k8s/production/istio.yaml => apply [VirtualService/nexus-backend]",
            "kubectl apply -f k8s/production/monitoring/ => apply [ConfigMap/prometheus-config Deployment/prometheus \
             PersistentVolumeClaim/prometheus-data ServiceAccount/prometheus Role/prometheus-discovery \
             RoleBinding/prometheus-discovery Service/prometheus]",
            "kubectl apply -f k8s/production/ingress.yaml => apply [Ingress/nexus]",
        ]
    );
    // The applied path is the word as written, with its own span.
    assert_eq!(paths(&l, &p)[5], ("k8s/production/database/".to_string(), "k8s/production/database/".to_string()));
    // The backup script deploys nothing.
    assert_eq!(all_plans(&l).len(), 1);
}

#[test]
fn fixed_seed_script_waits_between_steps() {
    let l = load_fixtures(&["fixtures/nexus-fixed"]);
    let p = plan_of(&l, "fixtures/nexus-fixed/deploy/scripts/deploy-production.sh").expect("a plan");
    assert!(p.errexit, "`set -euo pipefail`");
    let got = steps(&l, &p);
    assert_eq!(got.len(), 25);
    assert_eq!(
        got[..5],
        [
            "kubectl apply -f k8s/production/namespace.yaml => apply [Namespace/nexus-production]",
            "kubectl apply -f k8s/production/secrets.yaml => apply [Secret/nexus-secrets]",
            "kubectl apply -f k8s/production/configmap.yaml => apply [ConfigMap/nexus-config ConfigMap/nexus-app-settings]",
            "kubectl apply -f k8s/production/health-check-configmap.yaml => apply [ConfigMap/health-check-config]",
            "kubectl apply -f k8s/production/network-policies.yaml => apply [NetworkPolicy/default-deny-all \
             NetworkPolicy/allow-dns-egress NetworkPolicy/allow-istio-control-plane NetworkPolicy/nexus-database \
             NetworkPolicy/nexus-redis NetworkPolicy/nexus-backend NetworkPolicy/nexus-worker \
             NetworkPolicy/nexus-db-migration NetworkPolicy/nexus-frontend NetworkPolicy/prometheus]",
        ]
    );
    assert_eq!(
        got[5..15],
        [
            "kubectl apply -f k8s/production/pdb.yaml => apply [PodDisruptionBudget/nexus-backend \
             PodDisruptionBudget/nexus-frontend PodDisruptionBudget/nexus-worker]",
            "kubectl apply -f k8s/production/database/ => apply [Deployment/nexus-database \
             PersistentVolumeClaim/nexus-database-data Service/nexus-database]",
            "kubectl rollout status deployment/nexus-database -n \"${NAMESPACE}\" --timeout=300s => rollout \
             Deployment/nexus-database [Deployment/nexus-database] Millis(300000)",
            "kubectl wait --for=condition=available --timeout=300s deployment/nexus-database -n \"${NAMESPACE}\" => \
             wait condition=available Deployment/nexus-database [Deployment/nexus-database] Millis(300000)",
            "kubectl apply -f k8s/production/redis/ => apply [Deployment/nexus-redis \
             PersistentVolumeClaim/nexus-redis-data Service/nexus-redis]",
            "kubectl rollout status deployment/nexus-redis -n \"${NAMESPACE}\" --timeout=300s => rollout \
             Deployment/nexus-redis [Deployment/nexus-redis] Millis(300000)",
            "kubectl wait --for=condition=available --timeout=300s deployment/nexus-redis -n \"${NAMESPACE}\" => \
             wait condition=available Deployment/nexus-redis [Deployment/nexus-redis] Millis(300000)",
            "kubectl apply -f k8s/production/migrations/ => apply [Job/nexus-db-migration-1-4-2]",
            "kubectl wait --for=condition=complete --timeout=600s job/nexus-db-migration-1-4-2 -n \"${NAMESPACE}\" => \
             wait condition=complete Job/nexus-db-migration-1-4-2 [Job/nexus-db-migration-1-4-2] Millis(600000)",
            "kubectl apply -f k8s/production/nexus-backend-deployment.yaml => apply [Deployment/nexus-backend \
             Service/nexus-backend]",
        ]
    );
    assert_eq!(
        got[15..],
        [
            "kubectl rollout status deployment/nexus-backend -n \"${NAMESPACE}\" --timeout=600s => rollout \
             Deployment/nexus-backend [Deployment/nexus-backend] Millis(600000)",
            "kubectl apply -f k8s/production/nexus-worker-deployment.yaml => apply [Deployment/nexus-worker]",
            "kubectl rollout status deployment/nexus-worker -n \"${NAMESPACE}\" --timeout=600s => rollout \
             Deployment/nexus-worker [Deployment/nexus-worker] Millis(600000)",
            "kubectl apply -f k8s/production/nexus-frontend-deployment.yaml => apply [Deployment/nexus-frontend \
             Service/nexus-frontend]",
            "kubectl rollout status deployment/nexus-frontend -n \"${NAMESPACE}\" --timeout=600s => rollout \
             Deployment/nexus-frontend [Deployment/nexus-frontend] Millis(600000)",
            "kubectl apply -f k8s/production/hpa.yaml => apply [HorizontalPodAutoscaler/nexus-backend \
             HorizontalPodAutoscaler/nexus-frontend]",
            "kubectl apply -f k8s/production/istio.yaml => apply [DestinationRule/nexus-backend \
             VirtualService/nexus-backend]",
            "kubectl apply -f k8s/production/monitoring/ => apply [ConfigMap/prometheus-config Deployment/prometheus \
             PersistentVolumeClaim/prometheus-data ServiceAccount/prometheus Role/prometheus-discovery \
             RoleBinding/prometheus-discovery Service/prometheus]",
            "kubectl rollout status deployment/prometheus -n \"${NAMESPACE}\" --timeout=600s => rollout \
             Deployment/prometheus [Deployment/prometheus] Millis(600000)",
            "kubectl apply -f k8s/production/ingress.yaml => apply [Ingress/nexus]",
        ]
    );
    // The backup script's retry loop only sleeps: no plan.
    assert_eq!(all_plans(&l).len(), 1);
    assert_eq!(wait_level("condition=available"), Some(ReadyLevel::Healthy));
    assert_eq!(wait_level("condition=Complete"), Some(ReadyLevel::Completed));
    assert_eq!(wait_level("condition=Ready=false"), None);
    assert_eq!(wait_level("delete"), None);
}

#[test]
fn waits_resolve_to_the_objects_the_script_applied() {
    // Both fixtures define `deployment/nexus-database`; each script's wait is on its own.
    let l = load_fixtures(&["fixtures/nexus", "fixtures/nexus-fixed"]);
    let p = plan_of(&l, "fixtures/nexus-fixed/deploy/scripts/deploy-production.sh").unwrap();
    for s in &p.steps {
        if let PlanAction::Wait { objects, .. } | PlanAction::RolloutStatus { objects, .. } = &s.action {
            assert_eq!(objects.len(), 1, "{}", l.db.get(s.span.file).slice(s.span));
            let file = &l.db.get(l.platform.object(objects[0]).file).path;
            assert!(file.starts_with("fixtures/nexus-fixed/"), "{file}");
        }
        if let PlanAction::Apply { objects, .. } = &s.action {
            assert!(
                objects.iter().all(|&o| l.db.get(l.platform.object(o).file).path.starts_with("fixtures/nexus-fixed/"))
            );
        }
    }
    assert_eq!(all_plans(&l).len(), 2);
}

#[test]
fn functions_run_where_they_are_called() {
    let script = "#!/usr/bin/env bash\nset -euo pipefail\n\
                  deploy_app() {\n  kubectl apply -f k8s/app.yaml\n}\n\
                  deploy_db() {\n  kubectl apply -f k8s/db.yaml\n  wait_for deployment db\n}\n\
                  function wait_for {\n  kubectl rollout status \"$1/$2\" --timeout=\"${3:-120s}\"\n}\n\
                  function main() {\n  deploy_db\n  deploy_app\n}\n\
                  main \"$@\"\n";
    let l = memory(&[("repo/k8s/db.yaml", DB), ("repo/k8s/app.yaml", APP), ("repo/deploy.sh", script)]);
    let p = plan_of(&l, "repo/deploy.sh").unwrap();
    assert_eq!(
        steps(&l, &p),
        [
            "kubectl apply -f k8s/db.yaml => apply [Deployment/db]",
            "kubectl rollout status \"$1/$2\" --timeout=\"${3:-120s}\" => rollout Deployment/db [Deployment/db] \
             Millis(120000)",
            "kubectl apply -f k8s/app.yaml => apply [Deployment/app]",
        ]
    );
}

#[test]
fn a_function_never_called_makes_no_step() {
    let script = "#!/bin/bash\nset -e\ndeploy() {\n  kubectl apply -f k8s/\n  kubectl wait --for=condition=available \
                  deploy/db\n}\necho \"source me\"\n";
    let l = memory(&[("repo/k8s/db.yaml", DB), ("repo/lib.sh", script)]);
    assert!(plan_of(&l, "repo/lib.sh").is_none());
    // A function that calls itself is entered once.
    let script = "again() { kubectl apply -f k8s/db.yaml; again; }\nagain\n";
    let l = memory(&[("repo/k8s/db.yaml", DB), ("repo/loop.sh", script)]);
    assert_eq!(steps(&l, &plan_of(&l, "repo/loop.sh").unwrap()).len(), 1);
}

#[test]
fn for_loops_over_literal_lists_unroll() {
    let script = "for c in db app; do\n  kubectl apply -f \"k8s/$c.yaml\"\n  kubectl rollout status deploy/$c\ndone\n\
                  for f in k8s/*.yaml; do kubectl apply -f \"$f\"; done\n";
    let l = memory(&[("repo/k8s/db.yaml", DB), ("repo/k8s/app.yaml", APP), ("repo/run.sh", script)]);
    let p = plan_of(&l, "repo/run.sh").unwrap();
    assert_eq!(
        steps(&l, &p),
        [
            "kubectl apply -f \"k8s/$c.yaml\" => apply [Deployment/db]",
            "kubectl rollout status deploy/$c => rollout Deployment/db [Deployment/db] Unbounded",
            "kubectl apply -f \"k8s/$c.yaml\" => apply [Deployment/app]",
            "kubectl rollout status deploy/$c => rollout Deployment/app [Deployment/app] Unbounded",
            // A glob expands against the files read, sorted.
            "kubectl apply -f \"$f\" => apply [Deployment/app]",
            "kubectl apply -f \"$f\" => apply [Deployment/db]",
        ]
    );
    assert!(!p.errexit);
}

#[test]
fn cd_changes_the_base_of_relative_paths() {
    let script = "#!/bin/bash\ncd \"$(dirname \"$0\")/../..\"\nkubectl apply -f k8s/db.yaml\n\
                  pushd k8s >/dev/null\nkubectl apply -f app.yaml\npopd\n\
                  ROOT=\"$(cd \"$(dirname \"${BASH_SOURCE[0]}\")/..\" && pwd)\"\nkubectl apply -f \"$ROOT/../k8s/ns.yaml\"\n\
                  cd \"$SOMEWHERE\"\nkubectl apply -f k8s/db.yaml\n";
    let l = memory(&[
        ("repo/k8s/db.yaml", DB),
        ("repo/k8s/app.yaml", APP),
        ("repo/k8s/ns.yaml", NS),
        // A decoy next to the script: the `cd` makes `k8s/db.yaml` the repository's.
        ("repo/deploy/scripts/k8s/db.yaml", &config_map("decoy")),
        ("repo/deploy/scripts/run.sh", script),
    ]);
    let p = plan_of(&l, "repo/deploy/scripts/run.sh").unwrap();
    assert_eq!(
        steps(&l, &p),
        [
            "kubectl apply -f k8s/db.yaml => apply [Deployment/db]",
            "kubectl apply -f app.yaml => apply [Deployment/app]",
            "kubectl apply -f \"$ROOT/../k8s/ns.yaml\" => apply [Namespace/prod]",
            // An unknown directory: back to the script's directory and its ancestors.
            "kubectl apply -f k8s/db.yaml => apply [ConfigMap/decoy]",
        ]
    );
    assert_eq!(paths(&l, &p)[2].0, "repo/deploy/../k8s/ns.yaml");
}

#[test]
fn absolute_inputs_resolve_like_relative_ones() {
    // Inputs given as absolute paths are displayed as such; the script is run from the root.
    let script = "#!/bin/bash\nset -e\nkubectl apply -f k8s/db.yaml\ncd \"$(dirname \"$0\")/..\"\n\
                  kubectl apply -f ./k8s/app.yaml\nkubectl apply -f /srv/repo/k8s/\n";
    let l =
        memory(&[("/srv/repo/k8s/db.yaml", DB), ("/srv/repo/k8s/app.yaml", APP), ("/srv/repo/deploy/run.sh", script)]);
    let p = plan_of(&l, "/srv/repo/deploy/run.sh").unwrap();
    assert_eq!(
        steps(&l, &p),
        [
            "kubectl apply -f k8s/db.yaml => apply [Deployment/db]",
            "kubectl apply -f ./k8s/app.yaml => apply [Deployment/app]",
            "kubectl apply -f /srv/repo/k8s/ => apply [Deployment/app Deployment/db]",
        ]
    );
}

#[test]
fn variables_defaults_and_unknowns() {
    let script = "NAMESPACE=prod\n: \"${DIR:=k8s}\"\nexport FILE=${FILE:-db.yaml}\nreadonly T=${TIMEOUT-90s}\n\
                  kubectl apply -n $NAMESPACE -f \"$DIR/$FILE\"\n\
                  kubectl wait --for=condition=available deploy/db -n \"$NAMESPACE\" --timeout=$T\n\
                  kubectl apply -f \"$UNSET_DIR/app.yaml\"\n\
                  OUT=$(kubectl apply -f k8s/app.yaml)\n\
                  kubectl apply -f \"${GENERATED:-$(mktemp -d)}/x.yaml\"\n";
    let l = memory(&[("repo/k8s/db.yaml", DB), ("repo/k8s/app.yaml", APP), ("repo/run.sh", script)]);
    let p = plan_of(&l, "repo/run.sh").unwrap();
    assert_eq!(
        steps(&l, &p),
        [
            "kubectl apply -n $NAMESPACE -f \"$DIR/$FILE\" => apply [Deployment/db]",
            "kubectl wait --for=condition=available deploy/db -n \"$NAMESPACE\" --timeout=$T => wait \
             condition=available Deployment/db [Deployment/db] Millis(90000)",
            // Unknown variables stay as written and resolve to nothing; `$(…)` is never a step.
            "kubectl apply -f \"$UNSET_DIR/app.yaml\" => apply []",
            "kubectl apply -f \"${GENERATED:-$(mktemp -d)}/x.yaml\" => apply []",
        ]
    );
    let ps = paths(&l, &p);
    assert_eq!(ps[0], ("k8s/db.yaml".to_string(), "\"$DIR/$FILE\"".to_string()));
    assert_eq!(ps[1].0, "$UNSET_DIR/app.yaml");
    assert_eq!(ps[2].0, "${GENERATED:-$(mktemp -d)}/x.yaml");
}

#[test]
fn recursive_applies_walk_like_kubectl() {
    let script = "kubectl apply -f k8s\nkubectl apply -R -f k8s/\nkubectl apply --recursive=true --filename=k8s/b\n";
    let l = memory(&[
        ("repo/k8s/a.yaml", &config_map("a")),
        ("repo/k8s/b/x.yaml", &config_map("b-x")),
        ("repo/k8s/b-x.yaml", &config_map("b-dash-x")),
        ("repo/k8s/c.yml", &config_map("c")),
        ("repo/k8s/notes.txt.yaml.bak", "not read"),
        ("repo/run.sh", script),
    ]);
    let p = plan_of(&l, "repo/run.sh").unwrap();
    assert_eq!(
        steps(&l, &p),
        [
            "kubectl apply -f k8s => apply [ConfigMap/a ConfigMap/b-dash-x ConfigMap/c]",
            // `filepath.Walk` descends into `b/` where the name `b` sorts: before `b-x.yaml`.
            "kubectl apply -R -f k8s/ => apply [ConfigMap/a ConfigMap/b-x ConfigMap/b-dash-x ConfigMap/c]",
            "kubectl apply --recursive=true --filename=k8s/b => apply [ConfigMap/b-x]",
        ]
    );
    assert_eq!(paths(&l, &p)[2], ("k8s/b".to_string(), "k8s/b".to_string()));
}

#[test]
fn kustomize_applies_every_file_under_the_directory() {
    let script = "kubectl apply -k overlays/prod\n";
    let l = memory(&[
        ("repo/overlays/prod/kustomization.yaml", "resources:\n  - app.yaml\n  - ns.yaml\n"),
        ("repo/overlays/prod/app.yaml", APP),
        ("repo/overlays/prod/cm/settings.yaml", &config_map("settings")),
        ("repo/overlays/prod/ns.yaml", NS),
        ("repo/run.sh", script),
    ]);
    let p = plan_of(&l, "repo/run.sh").unwrap();
    // kustomize's legacy order: Namespace, ConfigMap, Deployment.
    assert_eq!(
        steps(&l, &p),
        ["kubectl apply -k overlays/prod => apply [Namespace/prod ConfigMap/settings Deployment/app]"]
    );
    assert_eq!(paths(&l, &p), [("overlays/prod".to_string(), "overlays/prod".to_string())]);
}

#[test]
fn timeouts_in_every_form() {
    let script = "kubectl wait --for=condition=available deploy/db\n\
                  kubectl wait --for=condition=available deploy/db --timeout=0\n\
                  kubectl wait --for=condition=available deploy/db --timeout=-1\n\
                  kubectl wait --for condition=available deploy/db --timeout 5m\n\
                  kubectl wait --for=condition=complete job/migrate --timeout=1h30m\n\
                  kubectl rollout status deploy/db\n\
                  kubectl rollout status deploy/db --timeout=0s\n\
                  kubectl rollout status deploy/db --timeout=2m\n\
                  kubectl rollout status deploy/db --watch=false\n\
                  kubectl rollout status deploy/db -w=false\n\
                  timeout 60 kubectl rollout status deploy/db\n\
                  timeout 10s kubectl wait --for=condition=available deploy/db --timeout=5m\n\
                  sleep 5\nsleep 0.5\nsleep 1m 30s\n";
    let l = memory(&[("repo/k8s/db.yaml", DB), ("repo/k8s/job.yaml", JOB), ("repo/run.sh", script)]);
    let p = plan_of(&l, "repo/run.sh").unwrap();
    let bounds: Vec<String> = p
        .steps
        .iter()
        .map(|s| match &s.action {
            PlanAction::Wait { timeout, .. } | PlanAction::RolloutStatus { timeout, .. } => format!("{timeout:?}"),
            PlanAction::Sleep { millis } => format!("sleep {millis}"),
            _ => String::new(),
        })
        .collect();
    assert_eq!(
        bounds,
        [
            "Default(30000)",
            "Once",
            "Millis(604800000)",
            "Millis(300000)",
            "Millis(5400000)",
            "Unbounded",
            "Unbounded",
            "Millis(120000)",
            "Once",
            "Once",
            "Millis(60000)",
            "Millis(10000)",
            "sleep 5000",
            "sleep 500",
            "sleep 90000",
        ]
    );
}

#[test]
fn helm_installs_with_and_without_waiting() {
    let script = "helm upgrade --install nexus ./charts/nexus -n prod --wait --timeout 10m -f values-prod.yaml\n\
                  helm install redis bitnami/redis\n\
                  helm upgrade -i api charts/api --atomic\n\
                  helm install --generate-name charts/batch\n\
                  helm upgrade --install x charts/x --dry-run\n\
                  helm template x charts/x\n";
    let l = memory(&[("repo/run.sh", script)]);
    let p = plan_of(&l, "repo/run.sh").unwrap();
    assert_eq!(
        steps(&l, &p),
        [
            "helm upgrade --install nexus ./charts/nexus -n prod --wait --timeout 10m -f values-prod.yaml => helm \
             nexus ./charts/nexus wait=true Millis(600000)",
            "helm install redis bitnami/redis => helm redis bitnami/redis wait=false Default(300000)",
            "helm upgrade -i api charts/api --atomic => helm api charts/api wait=true Default(300000)",
            "helm install --generate-name charts/batch => helm  charts/batch wait=false Default(300000)",
        ]
    );
}

#[test]
fn errexit_is_detected_in_its_forms() {
    let cases = [
        ("set -e\nkubectl apply -f a.yaml\n", true),
        ("set -eu\nkubectl apply -f a.yaml\n", true),
        ("set -euo pipefail\nkubectl apply -f a.yaml\n", true),
        ("set -o errexit\nkubectl apply -f a.yaml\n", true),
        ("#!/bin/bash -e\nkubectl apply -f a.yaml\n", true),
        ("#!/usr/bin/env bash\nset -o pipefail\nkubectl apply -f a.yaml\n", false),
        ("kubectl apply -f a.yaml\nset -e\nkubectl apply -f a.yaml\n", false),
        ("set -e\nset +e\nkubectl apply -f a.yaml\n", false),
        ("main() {\n  set -e\n  kubectl apply -f a.yaml\n}\nmain\n", true),
    ];
    for (script, errexit) in cases {
        let l = memory(&[("repo/a.yaml", DB), ("repo/run.sh", script)]);
        assert_eq!(plan_of(&l, "repo/run.sh").unwrap().errexit, errexit, "{script}");
    }
}

#[test]
fn continuation_lines_belong_to_one_step() {
    let script = "kubectl apply \\\n  -f k8s/db.yaml \\\n  -f k8s/app.yaml  # both\n\
                  kubectl wait \\\n    --for=condition=available \\\n    deploy/db deploy/app\n";
    let l = memory(&[("repo/k8s/db.yaml", DB), ("repo/k8s/app.yaml", APP), ("repo/run.sh", script)]);
    let p = plan_of(&l, "repo/run.sh").unwrap();
    assert_eq!(
        steps(&l, &p),
        [
            "kubectl apply \\\n  -f k8s/db.yaml \\\n  -f k8s/app.yaml => apply [Deployment/db Deployment/app]",
            "kubectl wait \\\n    --for=condition=available \\\n    deploy/db deploy/app => wait condition=available \
             Deployment/db Deployment/app [Deployment/db Deployment/app] Default(30000)",
        ]
    );
    assert_eq!(
        paths(&l, &p),
        [
            ("k8s/db.yaml".to_string(), "k8s/db.yaml".to_string()),
            ("k8s/app.yaml".to_string(), "k8s/app.yaml".to_string())
        ]
    );
}

#[test]
fn wait_targets_in_their_forms() {
    let script = "kubectl apply -f k8s/\n\
                  kubectl wait --for=condition=ready pod -l app=db --timeout=60s\n\
                  kubectl wait --for=condition=available deployments.apps/db deployment app\n\
                  kubectl wait --for=condition=complete jobs migrate -n prod\n\
                  kubectl wait --for=condition=available deploy --all\n\
                  kubectl wait --for=condition=available deploy -l tier=data\n\
                  kubectl wait --for=delete -f k8s/job.yaml\n";
    let l = memory(&[
        ("repo/k8s/db.yaml", DB),
        ("repo/k8s/app.yaml", APP),
        ("repo/k8s/job.yaml", JOB),
        ("repo/run.sh", script),
    ]);
    let p = plan_of(&l, "repo/run.sh").unwrap();
    assert_eq!(
        steps(&l, &p)[1..],
        [
            // Pods are not in the manifests: their controllers are.
            "kubectl wait --for=condition=ready pod -l app=db --timeout=60s => wait condition=ready Pod/ \
             [Deployment/db] Millis(60000)",
            "kubectl wait --for=condition=available deployments.apps/db deployment app => wait condition=available \
             Deployment/db Deployment/app [Deployment/db Deployment/app] Default(30000)",
            "kubectl wait --for=condition=complete jobs migrate -n prod => wait condition=complete Job/migrate \
             [Job/migrate] Default(30000)",
            "kubectl wait --for=condition=available deploy --all => wait condition=available Deployment/ \
             [Deployment/db Deployment/app] Default(30000)",
            "kubectl wait --for=condition=available deploy -l tier=data => wait condition=available Deployment/ \
             [Deployment/db] Default(30000)",
            "kubectl wait --for=delete -f k8s/job.yaml => wait delete Job/migrate [Job/migrate] Default(30000)",
        ]
    );
}

#[test]
fn stdin_urls_heredocs_and_non_deploying_commands() {
    let script = "kubectl apply -f - <<EOF\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\nkubectl apply -f \
                  k8s/db.yaml\nEOF\n\
                  kubectl apply -f https://example.com/crds.yaml\n\
                  kubectl apply --dry-run=client -f k8s/db.yaml\n\
                  kubectl create namespace prod\n\
                  kubectl get pods\n\
                  echo kubectl apply -f k8s/db.yaml\n";
    let l = memory(&[("repo/k8s/db.yaml", DB), ("repo/run.sh", script)]);
    let p = plan_of(&l, "repo/run.sh").unwrap();
    assert_eq!(
        steps(&l, &p),
        ["kubectl apply -f - <<EOF => apply []", "kubectl apply -f https://example.com/crds.yaml => apply []"]
    );
    assert_eq!(paths(&l, &p)[0].0, "-");
}

#[test]
fn conditions_pick_their_branch_when_known() {
    let script = "ENV=production\n\
                  if [ \"$ENV\" = production ]; then\n  kubectl apply -f k8s/db.yaml\nelse\n  kubectl apply -f \
                  k8s/app.yaml\nfi\n\
                  [ -n \"$ENV\" ] || { echo usage; exit 1; }\n\
                  if [ -f /etc/flag ]; then kubectl apply -f k8s/app.yaml; exit 1; fi\n\
                  case \"$ENV\" in\n  staging) kubectl apply -f k8s/app.yaml ;;\n  prod*) kubectl wait \
                  --for=condition=available deploy/db ;;\nesac\n\
                  kubectl rollout status deploy/db\n\
                  exit 0\n\
                  kubectl apply -f k8s/app.yaml\n";
    let l = memory(&[("repo/k8s/db.yaml", DB), ("repo/k8s/app.yaml", APP), ("repo/run.sh", script)]);
    let p = plan_of(&l, "repo/run.sh").unwrap();
    assert_eq!(
        steps(&l, &p),
        [
            "kubectl apply -f k8s/db.yaml => apply [Deployment/db]",
            // An unknown condition: the branch is read, and its `exit` does not end the script.
            "kubectl apply -f k8s/app.yaml => apply [Deployment/app]",
            "kubectl wait --for=condition=available deploy/db => wait condition=available Deployment/db \
             [Deployment/db] Default(30000)",
            "kubectl rollout status deploy/db => rollout Deployment/db [Deployment/db] Unbounded",
        ]
    );
}

#[test]
fn unknown_branches_make_their_variables_unknown() {
    let script = "if [ -n \"$CI\" ]; then DIR=k8s; else DIR=other; fi\nkubectl apply -f \"$DIR/db.yaml\"\n\
                  if [ -n \"$CI\" ]; then SAME=k8s; else SAME=k8s; fi\nkubectl apply -f \"$SAME/db.yaml\"\n";
    let l = memory(&[("repo/k8s/db.yaml", DB), ("repo/run.sh", script)]);
    let p = plan_of(&l, "repo/run.sh").unwrap();
    assert_eq!(
        steps(&l, &p),
        [
            "kubectl apply -f \"$DIR/db.yaml\" => apply []",
            "kubectl apply -f \"$SAME/db.yaml\" => apply [Deployment/db]"
        ]
    );
}

#[test]
fn sourced_files_and_wrappers() {
    let lib = "k() { command kubectl --context \"$CTX\" \"$@\"; }\nCTX=prod\n";
    let script = "#!/bin/bash\nset -e\nsource \"$(dirname \"$0\")/lib.sh\"\nk apply -f k8s/db.yaml\n\
                  KUBECTL=\"kubectl -n prod\"\n$KUBECTL apply -f k8s/app.yaml\n\
                  sudo -E kubectl apply -f k8s/app.yaml\n";
    let l = memory(&[
        ("repo/k8s/db.yaml", DB),
        ("repo/k8s/app.yaml", APP),
        ("repo/deploy/lib.sh", lib),
        ("repo/deploy/run.sh", script),
    ]);
    let p = plan_of(&l, "repo/deploy/run.sh").unwrap();
    assert_eq!(
        steps(&l, &p),
        [
            "command kubectl --context \"$CTX\" \"$@\" => apply [Deployment/db]",
            "$KUBECTL apply -f k8s/app.yaml => apply [Deployment/app]",
            "sudo -E kubectl apply -f k8s/app.yaml => apply [Deployment/app]",
        ]
    );
    // The step inside the sourced file points into that file.
    assert_eq!(l.db.get(p.steps[0].span.file).path, "repo/deploy/lib.sh");
    assert!(plan_of(&l, "repo/deploy/lib.sh").is_none());
}

#[test]
fn hostile_scripts_do_not_panic() {
    let nested = format!("{}kubectl apply -f x{}", "$(".repeat(300), ")".repeat(300));
    let deep = format!("{}:{}", "if true; then ".repeat(500), " fi".repeat(500));
    let braces = format!("echo {}x{}", "${a:-".repeat(20_000), "}".repeat(20_000));
    let quotes = format!("echo {}", "\"$(".repeat(5_000));
    let groups = format!("{}kubectl apply -f k8s/db.yaml{}", "{ ".repeat(5_000), "; }".repeat(5_000));
    let bomb = "f() { f; f; }\nf\nfor i in $(seq 1 100000); do kubectl apply -f k8s/db.yaml; done\n";
    let many = "for a in 1 2 3 4 5 6 7 8 9 10; do for b in 1 2 3 4 5 6 7 8 9 10; do for c in 1 2 3 4 5 6 7 8 9 10; do \
                for d in 1 2 3 4 5 6 7 8 9 10; do for e in 1 2 3 4 5 6 7 8 9 10; do sleep 1; done; done; done; done; done\n";
    for s in [
        nested.as_str(),
        deep.as_str(),
        braces.as_str(),
        quotes.as_str(),
        groups.as_str(),
        bomb,
        many,
        "\"unterminated",
        "case",
        "${x:-${y:-${z",
        "<<EOF",
        "f() {",
        ")))(((;;;&&||",
        "\u{feff}#!/bin/sh\nkubectl apply -f é.yaml\n",
        "echo 'é",
        "echo $'é",
        "echo \"é\\",
        "echo ${é",
        "echo `é",
        "kubectl apply -f\nkubectl wait\nhelm upgrade\n",
    ] {
        let l = memory(&[("repo/k8s/db.yaml", DB), ("repo/x.sh", s)]);
        let _ = all_plans(&l);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    /// Reading never panics, whatever the text (quotes, expansions and brackets cut anywhere,
    /// multi-byte characters next to them).
    #[test]
    fn any_text_reads_without_panic(text in "([a-z/. =\n;&|<>(){}\\[\\]$'\"`\\\\#*:?!%-]|é|kubectl apply -f |-f |\\$\\(|\\$\\{|<<E|E\n| f\\(\\)){0,40}") {
        let mut db = nexus_source::SourceDb::new();
        db.add("repo/k8s/a.yaml".into(), std::sync::Arc::from(""));
        let f = db.add("repo/x.sh".into(), std::sync::Arc::from(text.as_str()));
        let _ = plans(&db, &Platform::default(), &[f]);
    }
}
