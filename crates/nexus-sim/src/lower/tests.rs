//! The lowering on small platforms: what each manifest construct becomes.

use nexus_model::load::load_memory;

use super::*;
use crate::dist::Dist;
use crate::spec::*;

fn lowered(files: &[(&str, &str)]) -> Lowered {
    let files: Vec<(String, String)> = files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
    lower(&load_memory(&files).platform, &LowerOptions::default())
}

fn unit<'a>(l: &'a Lowered, name: &str) -> &'a Unit {
    l.units.iter().find(|u| u.name == name).unwrap_or_else(|| panic!("no unit {name}: {:?}", l.units))
}

fn actor<'a>(u: &'a Unit, name: &str) -> (ActorId, &'a Actor) {
    let i = u.platform.actors.iter().position(|a| a.name == name).unwrap_or_else(|| panic!("no actor {name}"));
    (ActorId(i as u32), &u.platform.actors[i])
}

const DB: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: db
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
        - name: postgres
          image: postgres:16.4
          ports: [{containerPort: 5432}]
          readinessProbe:
            exec: {command: [pg_isready]}
            periodSeconds: 5
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  selector: {app: db}
  ports: [{port: 5432}]
";

const API: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  annotations:
    nexus-lint.io/startup-seconds: \"5..30\"
    nexus-lint.io/crash-after-seconds: \"2\"
spec:
  replicas: 3
  strategy: {rollingUpdate: {maxUnavailable: 50%}}
  progressDeadlineSeconds: 120
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      initContainers:
        - name: wait-for-db
          image: busybox:1.36
          command: [sh, -c, \"timeout 60 sh -c 'until nc -z db 5432; do sleep 1; done'\"]
      containers:
        - name: api
          image: ghcr.io/acme/api:1
          ports: [{containerPort: 8080}]
          env:
            - {name: DATABASE_URL, value: 'postgres://app@db:5432/app'}
          livenessProbe:
            httpGet: {path: /, port: 8080}
            initialDelaySeconds: 30
";

#[test]
fn kubernetes_workloads_containers_probes_and_controllers() {
    let l = lowered(&[("k8s/api.yaml", API), ("k8s/db.yaml", DB)]);
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    let u = unit(&l, "kubernetes");
    assert_eq!(u.plan, "kubectl apply -f (every file, in lexical order)");
    let (_, api) = actor(u, "api");
    assert_eq!((api.kind, api.replicas, api.restart_policy), (WorkloadKind::Deployment, 3, RestartPolicy::Always));
    assert_eq!(
        api.rollout,
        RolloutSpec { max_unavailable: Some(1), progress_deadline_ms: Some(120_000), ..RolloutSpec::default() }
    );
    assert_eq!(api.init_containers[0].lifecycle, Lifecycle::RunToCompletion { exit_code: 0 });
    assert!(api.init_containers[0].liveness.is_none());
    let main = &api.containers[0];
    assert_eq!(main.lifecycle, Lifecycle::Serve);
    assert_eq!(main.work, Some(Dist::uniform(5_000, 30_000)));
    assert_eq!(main.liveness.unwrap().initial_delay_ms, Some(30_000));
    let (_, db) = actor(u, "db");
    assert_eq!(db.containers[0].readiness.unwrap().period_ms, Some(5_000));
    // Every origin maps back to the manifest.
    let info = u.origins.get(api.origin).unwrap();
    assert_eq!((info.what, info.resource.as_ref().unwrap().to_string().as_str()), ("workload", "Deployment/api"));
}

#[test]
fn connections_gates_and_their_levels() {
    let l = lowered(&[("k8s/api.yaml", API), ("k8s/db.yaml", DB)]);
    let u = unit(&l, "kubernetes");
    let (api_id, _) = actor(u, "api");
    let (db_id, _) = actor(u, "db");
    let [d] = u.platform.dependencies.as_slice() else { panic!("{:?}", u.platform.dependencies) };
    assert_eq!((d.consumer, d.provider, d.container), (api_id, db_id, Slot::Main(0)));
    assert_eq!(d.on_unavailable, OnUnavailable::Crash { after: Some(Dist::fixed(2_000)) });
    assert_eq!(u.origins.get(d.origin).unwrap().what, "dependency");
    let [g] = u.platform.gates.as_slice() else { panic!("{:?}", u.platform.gates) };
    match g.kind {
        GateKind::Wait { container, provider, level, timeout_ms, .. } => {
            assert_eq!(
                (container, provider, level, timeout_ms),
                (Slot::Init(0), db_id, Level::Listening, Some(60_000))
            );
        }
        ref k => panic!("{k:?}"),
    }
    // Applied in lexical file order: k8s/api.yaml before k8s/db.yaml (research A8).
    let StepAction::Apply { actors } = &u.platform.plan.steps[0].action else { panic!() };
    assert_eq!(actors, &[api_id, db_id]);
}

#[test]
fn datastores_retry_and_declared_retries_are_a_gate() {
    let replica = "apiVersion: apps/v1
kind: Deployment
metadata: {name: replica}
spec:
  selector: {matchLabels: {app: replica}}
  template:
    metadata: {labels: {app: replica}}
    spec:
      containers:
        - name: postgres
          image: postgres:16.4
          env: [{name: PRIMARY_HOST, value: db}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  annotations: {nexus-lint.io/retries-dependencies: \"true\"}
spec:
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers:
        - name: worker
          image: ghcr.io/acme/worker:1
          env: [{name: DATABASE_URL, value: 'postgres://db:5432/app'}]
";
    let l = lowered(&[("a.yaml", replica), ("db.yaml", DB)]);
    let u = unit(&l, "kubernetes");
    let (r, _) = actor(u, "replica");
    let (w, _) = actor(u, "worker");
    let dep = |a| u.platform.dependencies.iter().find(|d| d.consumer == a).unwrap();
    assert!(matches!(dep(r).on_unavailable, OnUnavailable::Retry { .. }));
    assert!(matches!(dep(w).on_unavailable, OnUnavailable::Crash { .. }));
    assert!(u.platform.gates.iter().any(|g| g.consumer == w && matches!(g.kind, GateKind::RetriesDependencies)));
}

#[test]
fn a_deploy_script_is_followed_and_what_it_never_creates_is_left_out() {
    let script = "#!/bin/sh\nset -e\nkubectl apply -f k8s/db.yaml\nkubectl wait --for=condition=available deployment/db --timeout=90s\nkubectl rollout status deployment/db\nsleep 5\n";
    let l = lowered(&[("k8s/api.yaml", API), ("k8s/db.yaml", DB), ("deploy.sh", script)]);
    let u = unit(&l, "kubernetes");
    assert_eq!(u.plan, "deploy.sh");
    assert_eq!(u.left_out, ["Deployment/api (not created by the deploy plan)"]);
    assert!(u.platform.plan.errexit);
    let (db, _) = actor(u, "db");
    let steps: Vec<&StepAction> = u.platform.plan.steps.iter().map(|s| &s.action).collect();
    assert!(matches!(steps[0], StepAction::Apply { actors } if actors == &[db]));
    assert!(
        matches!(steps[1], StepAction::Wait { targets, level: Level::Available, timeout: Bound::Millis(90_000) } if targets == &[db])
    );
    assert!(matches!(steps[2], StepAction::RolloutStatus { timeout: Bound::Unbounded, .. }));
    assert!(matches!(steps[3], StepAction::Sleep { ms: 5_000 }));
    assert_eq!(u.origins.get(u.platform.plan.steps[1].origin).unwrap().what, "deploy step");
}

#[test]
fn helm_hooks_and_argo_waves() {
    let hook = "apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    meta.helm.sh/release-name: shop
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: \"-5\"
spec:
  template:
    spec:
      restartPolicy: OnFailure
      containers: [{name: migrate, image: 'ghcr.io/acme/shop:2', command: [alembic, upgrade, head]}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
  annotations: {meta.helm.sh/release-name: shop}
spec:
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      containers: [{name: shop, image: 'ghcr.io/acme/shop:2'}]
";
    let l = lowered(&[("release.yaml", hook)]);
    let u = unit(&l, "kubernetes");
    assert_eq!(u.plan, "helm install shop");
    let (m, job) = actor(u, "migrate");
    let (s, _) = actor(u, "shop");
    assert_eq!(job.restart_policy, RestartPolicy::OnFailure);
    let StepAction::Helm { hooks, resources, .. } = &u.platform.plan.steps[0].action else { panic!() };
    assert_eq!(hooks, &[HelmHook { actor: m, phase: HookPhase::Pre, weight: -5 }]);
    assert_eq!(resources, &[s]);

    let waves = hook.replace(
        "meta.helm.sh/release-name: shop\n    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-weight: \"-5\"",
        "argocd.argoproj.io/sync-wave: \"-1\"",
    );
    let waves = waves.replace(
        "annotations: {meta.helm.sh/release-name: shop}",
        "annotations: {argocd.argoproj.io/sync-wave: \"0\"}",
    );
    let l = lowered(&[("app.yaml", &waves)]);
    let u = unit(&l, "kubernetes");
    assert_eq!(u.plan, "argocd sync");
    let StepAction::ArgoSync { resources } = &u.platform.plan.steps[0].action else { panic!() };
    let (m, _) = actor(u, "migrate");
    assert!(resources.contains(&ArgoResource { actor: m, phase: ArgoPhase::Sync, wave: -1 }));
}

#[test]
fn compose_projects_are_units_of_their_own() {
    let compose = "services:
  db:
    image: postgres:16.4
    restart: unless-stopped
    healthcheck:
      test: [CMD-SHELL, pg_isready]
      interval: 5s
      retries: 10
      start_period: 20s
      start_interval: 1s
  migrate:
    image: ghcr.io/acme/api:1
    command: [python, migrate.py]
    restart: \"no\"
    environment: {DATABASE_URL: 'postgres://db:5432/app'}
    depends_on: {db: {condition: service_healthy}}
  api:
    image: ghcr.io/acme/api:1
    restart: on-failure:3
    environment: {DATABASE_URL: 'postgres://db:5432/app'}
    depends_on:
      db: {condition: service_healthy}
      migrate: {condition: service_completed_successfully}
  tools:
    image: busybox:1.36
    profiles: [debug]
";
    let l = lowered(&[("compose.yaml", compose)]);
    let u = l.units.iter().find(|u| u.name.starts_with("compose:")).expect("a compose unit");
    assert!(u.plan.starts_with("docker compose -f compose.yaml up"), "{}", u.plan);
    assert_eq!(u.left_out.len(), 1, "{:?}", u.left_out);
    let (db, d) = actor(u, "db");
    let (mig, m) = actor(u, "migrate");
    let (api, a) = actor(u, "api");
    assert_eq!(d.compose_restart, DockerRestart::UnlessStopped);
    assert_eq!(a.compose_restart, DockerRestart::OnFailure { max_retries: 3 });
    assert_eq!(m.containers[0].lifecycle, Lifecycle::RunToCompletion { exit_code: 0 });
    let hc = d.containers[0].healthcheck.unwrap();
    assert_eq!(
        (hc.interval_ms, hc.retries, hc.start_period_ms, hc.start_interval_ms),
        (Some(5_000), Some(10), Some(20_000), Some(1_000))
    );
    let conds: Vec<(ActorId, ActorId, ComposeCondition)> = u
        .platform
        .gates
        .iter()
        .filter_map(|g| match g.kind {
            GateKind::ComposeDependsOn { provider, condition, .. } => Some((g.consumer, provider, condition)),
            _ => None,
        })
        .collect();
    assert!(conds.contains(&(api, mig, ComposeCondition::ServiceCompletedSuccessfully)));
    assert!(conds.contains(&(mig, db, ComposeCondition::ServiceHealthy)));
    let [mg] = u.platform.migrations.as_slice() else { panic!() };
    assert_eq!((mg.runner, mg.datastore, mg.required_by.as_slice()), (mig, db, [api].as_slice()));
    assert!(matches!(u.platform.plan.steps[0].action, StepAction::ComposeUp { wait: false, .. }));
}

#[test]
fn an_object_defined_twice_is_simulated_once() {
    let l = lowered(&[("all-in-one.yaml", DB), ("split/db.yaml", DB)]);
    let u = unit(&l, "kubernetes");
    assert_eq!(u.platform.actors.len(), 1);
    assert_eq!(u.left_out, ["Deployment/db in split/db.yaml (defined again; the first definition is simulated)"]);
}

#[test]
fn unreadable_annotations_are_reported_and_the_default_used() {
    let bad = API.replace("\"5..30\"", "\"soon\"");
    let l = lowered(&[("k8s/api.yaml", &bad), ("k8s/db.yaml", DB)]);
    let [p] = l.problems.as_slice() else { panic!("{:?}", l.problems) };
    assert!(p.message.contains("nexus-lint.io/startup-seconds") && p.message.contains("`soon`"), "{}", p.message);
    let u = unit(&l, "kubernetes");
    assert_eq!(actor(u, "api").1.containers[0].work, None);
}

#[test]
fn a_migration_without_a_named_datastore_takes_the_only_one() {
    let job = "apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: m, image: 'ghcr.io/acme/api:1', command: [python, migrate.py]}]
";
    let l = lowered(&[("db.yaml", DB), ("job.yaml", job), ("k8s/api.yaml", API)]);
    let u = unit(&l, "kubernetes");
    let [m] = u.platform.migrations.as_slice() else { panic!() };
    assert_eq!(m.datastore, actor(u, "db").0);
    assert_eq!(m.required_by, [actor(u, "api").0]);
    assert_eq!(actor(u, "migrate").1.containers[0].work, Some(Dist::ZERO));
    assert!(u.notes.iter().any(|n| n.contains("the only one")), "{:?}", u.notes);
}

#[test]
fn lowered_platforms_simulate() {
    let l = lowered(&[("k8s/api.yaml", API), ("k8s/db.yaml", DB)]);
    let u = unit(&l, "kubernetes");
    let sim = crate::run::Simulator::new(&u.platform, Default::default()).expect("valid");
    let r = sim.run(crate::montecarlo::RunConfig { trials: 300, master_seed: 1 });
    // The api waits for the database in its init container: no early connect.
    assert!(r.races.iter().all(|x| x.code != "NX901"), "{:?}", r.races);
}
