//! Dependency inference and gates on scenario fixtures (`fixtures/deps/*`): each scenario's
//! exact edges — consumer, provider, the address that names it, and the gates that make the
//! consumer wait — and the startup findings it must (or must not) produce.

use nexus_lint::check::Outcome;
use nexus_model::{EdgeKind, GateKind};

use crate::util::check_paths;

/// `consumer -> provider (evidence + evidence) [gates]`, one line per consumer/provider pair,
/// sorted; the evidence is every distinct address or declaration that names the provider.
pub fn edges(o: &Outcome) -> Vec<String> {
    /// (consumer, provider), evidence, gates
    type Pair = ((String, String), Vec<String>, Vec<String>);
    let p = &o.loaded.platform;
    let mut pairs: Vec<Pair> = Vec::new();
    for e in &p.edges {
        let Some(prov) = e.provider else { continue };
        let evidence = match &e.kind {
            EdgeKind::Host { host, port: Some(port), .. } => format!("{host}:{port}"),
            EdgeKind::Host { host, .. } => host.clone(),
            EdgeKind::DependsOn { condition, .. } => format!("depends_on {condition}"),
            EdgeKind::Link => "links".into(),
            EdgeKind::Annotation => "annotation".into(),
            EdgeKind::Wait => format!("wait {}", e.target.value),
        };
        let key = (p.workload(e.consumer).resource.to_string(), p.workload(prov).resource.to_string());
        let gates: Vec<String> = p
            .gates
            .iter()
            .filter(|g| g.consumer == e.consumer && (g.provider == Some(prov) || g.kind == GateKind::Retries))
            .map(|g| g.kind.label())
            .collect();
        match pairs.iter_mut().find(|(k, ..)| *k == key) {
            Some((_, ev, _)) => ev.push(evidence),
            None => pairs.push((key, vec![evidence], gates)),
        }
    }
    let mut out: Vec<String> = pairs
        .into_iter()
        .map(|((c, pr), mut ev, mut gates)| {
            ev.sort();
            ev.dedup();
            gates.sort();
            gates.dedup();
            format!("{c} -> {pr} ({}) [{}]", ev.join(" + "), gates.join(", "))
        })
        .collect();
    out.sort();
    out
}

/// `CODE file:line` of the warnings and errors (infos are not part of a scenario's contract).
fn findings(o: &Outcome) -> Vec<String> {
    o.diagnostics
        .iter()
        .filter(|d| d.severity > nexus_diagnostics::Severity::Info)
        .map(|d| {
            let f = o.loaded.db.get(d.span().file);
            let name = f.path.strip_prefix("fixtures/deps/").unwrap_or(&f.path);
            let name = name.split_once('/').map_or(name, |(_, rest)| rest);
            format!("{} {}:{}", d.code, name, f.position(d.span().start).line)
        })
        .collect()
}

fn scenario(name: &str, want_edges: &[&str], want_findings: &[&str]) {
    let o = check_paths(&[&format!("fixtures/deps/{name}")]);
    let got = edges(&o);
    assert_eq!(got, want_edges, "{name}: edges");
    let got = findings(&o);
    assert_eq!(got, want_findings, "{name}: findings");
}

#[test]
fn argo_waves() {
    scenario(
        "argo-waves",
        &["Deployment/finance/ledger -> StatefulSet/finance/ledger-db (ledger-db:5432) [argo waves -1→0]"],
        &[],
    );
}

#[test]
fn compose_alias() {
    scenario(
        "compose-alias",
        &["compose:app -> compose:db (depends_on service_healthy + pg:5432) [service_healthy]"],
        &[],
    );
}

#[test]
fn compose_cycle() {
    scenario(
        "compose-cycle",
        &[
            "compose:auth -> compose:gateway (depends_on service_healthy) [service_healthy]",
            "compose:gateway -> compose:auth (depends_on service_healthy) [service_healthy]",
        ],
        &["NX104 compose.yaml:6"],
    );
}

#[test]
fn compose_env_file() {
    scenario(
        "compose-env-file",
        &["compose:worker -> compose:broker (broker:6379 + depends_on service_healthy) [service_healthy]"],
        &[],
    );
}

#[test]
fn compose_external_host() {
    scenario("compose-external-host", &[], &[]);
}

#[test]
fn compose_healthy_without_healthcheck() {
    scenario(
        "compose-healthy-without-healthcheck",
        &["compose:api -> compose:queue (depends_on service_healthy + queue:5672) [service_healthy]"],
        &["NX102 compose.yaml:8", "NX601 compose.yaml:10"],
    );
}

#[test]
fn compose_short_form() {
    scenario(
        "compose-short-form",
        &[
            "compose:api -> compose:cache (cache:6379 + depends_on service_started) []",
            "compose:api -> compose:db (db:5432 + depends_on service_started) []",
        ],
        &["NX101 compose.yaml:10", "NX101 compose.yaml:11"],
    );
}

#[test]
fn compose_well_gated() {
    scenario(
        "compose-well-gated",
        &[
            "compose:migrate -> compose:db (db + depends_on service_healthy) [service_healthy]",
            "compose:web -> compose:db (db + depends_on service_healthy) [service_healthy]",
            "compose:web -> compose:migrate (depends_on service_completed_successfully) [service_completed_successfully]",
        ],
        &[],
    );
}

#[test]
fn helm_rendered_gated() {
    scenario(
        "helm-rendered-gated",
        &[
            "Deployment/community/forum-web -> StatefulSet/community/forum-db (forum-db:5432) [init: pg_isready]",
            "Job/community/forum-migrate -> StatefulSet/community/forum-db (forum-db:5432) [init: pg_isready]",
        ],
        &[],
    );
}

#[test]
fn k8s_annotation_depends_on() {
    scenario(
        "k8s-annotation-depends-on",
        &["Deployment/ml/recommender -> StatefulSet/ml/feature-store (annotation) [init: redis-cli ping]"],
        &[],
    );
}

#[test]
fn k8s_args_url() {
    scenario(
        "k8s-args-url",
        &["Deployment/media/thumbnailer -> Deployment/media/media-queue (media-queue:6379) [app retries]"],
        &[],
    );
}

#[test]
fn k8s_dependent_vars() {
    scenario(
        "k8s-dependent-vars",
        &["Deployment/shop/inventory -> Deployment/shop/inventory-db (inventory-db + inventory-db:3306) []"],
        &["NX101 app.yaml:16"],
    );
}

#[test]
fn k8s_entrypoint_wait() {
    scenario(
        "k8s-entrypoint-wait",
        &["Deployment/docs/wiki -> Deployment/docs/wiki-db (wiki-db + wiki-db:3306) [entrypoint: wait-for-it]"],
        &[],
    );
}

#[test]
fn k8s_envfrom_secret() {
    scenario(
        "k8s-envfrom-secret",
        &["Deployment/messaging/notifier -> StatefulSet/messaging/broker (broker:5672) []"],
        // NX402: the Secret read through `envFrom` has no rollout trigger.
        &["NX101 app.yaml:6", "NX402 app.yaml:23"],
    );
}

#[test]
fn k8s_external_host() {
    scenario("k8s-external-host", &[], &[]);
}

#[test]
fn k8s_fqdn_configmap() {
    scenario(
        "k8s-fqdn-configmap",
        &[
            "Deployment/billing/billing -> StatefulSet/data/ledger-db (ledger-db.data.svc.cluster.local) [init: pg_isready]",
        ],
        // NX402: the ConfigMap read through env has no rollout trigger.
        &["NX402 app.yaml:35"],
    );
}

#[test]
fn k8s_host_port_vars() {
    scenario(
        "k8s-host-port-vars",
        &["Deployment/web/sessions -> StatefulSet/web/session-cache (session-cache:6380) [init: redis-cli ping]"],
        &[],
    );
}

#[test]
fn k8s_native_sidecar() {
    scenario("k8s-native-sidecar", &[], &["NX107 api.yaml:43"]);
}

#[test]
fn k8s_network_policy() {
    scenario(
        "k8s-network-policy",
        &[
            "Deployment/jobs/api -> Deployment/jobs/cache (cache:6379) [init: redis-cli ping]",
            "Deployment/jobs/worker -> Deployment/jobs/cache (cache:6379) [init: redis-cli ping]",
        ],
        &["NX701 app.yaml:41"],
    );
}

#[test]
fn k8s_retries_annotation() {
    scenario(
        "k8s-retries-annotation",
        &["Deployment/search/search-api -> StatefulSet/search/search-es (search-es:9200) [app retries]"],
        &[],
    );
}

#[test]
fn k8s_seed_init_containers() {
    scenario(
        "k8s-seed-init-containers",
        &[
            "Deployment/nexus/api -> Deployment/nexus/nexus-database (nexus-database:5432) [init: nc]",
            "Deployment/nexus/api -> Deployment/nexus/nexus-redis (nexus-redis:6379) [init: nc]",
        ],
        &[
            "NX102 app.yaml:15",
            "NX105 app.yaml:15",
            "NX102 app.yaml:18",
            "NX105 app.yaml:18",
            "NX601 app.yaml:37",
            "NX601 app.yaml:59",
        ],
    );
}

#[test]
fn k8s_statefulset_pod_dns() {
    scenario(
        "k8s-statefulset-pod-dns",
        &[
            "Deployment/analytics/clickstream -> StatefulSet/streaming/kafka (kafka-0.kafka.streaming.svc.cluster.local:9092) [init: nc]",
        ],
        &[],
    );
}

#[test]
fn k8s_two_namespaces() {
    scenario(
        "k8s-two-namespaces",
        &[
            "Deployment/production/web -> Deployment/production/cache (cache:6379) []",
            "Deployment/staging/web -> Deployment/staging/cache (cache:6379) []",
        ],
        &["NX101 production.yaml:15", "NX101 staging.yaml:16"],
    );
}

#[test]
fn k8s_url_env() {
    scenario(
        "k8s-url-env",
        &["Deployment/shop/orders -> StatefulSet/shop/orders-db (orders-db:5432) []"],
        &["NX101 app.yaml:21"],
    );
}

#[test]
fn k8s_wait_cycle() {
    scenario(
        "k8s-wait-cycle",
        &[
            "Deployment/bank/accounts -> Deployment/bank/ledger (ledger:8080) [init: curl]",
            "Deployment/bank/ledger -> Deployment/bank/accounts (accounts:8080) [init: curl]",
        ],
        &["NX104 services.yaml:15"],
    );
}

#[test]
fn k8s_wait_for_job() {
    scenario(
        "k8s-wait-for-job",
        &[
            "Deployment/support/tickets -> Deployment/support/tickets-db (tickets-db:5432) [init: pg_isready]",
            "Deployment/support/tickets -> Job/support/tickets-migrate-42 (wait tickets-migrate-42) [init: k8s-wait-for]",
            "Job/support/tickets-migrate-42 -> Deployment/support/tickets-db (tickets-db:5432) [init: pg_isready]",
        ],
        &["NX105 app.yaml:36"],
    );
}

#[test]
fn k8s_well_gated() {
    scenario(
        "k8s-well-gated",
        &[
            "Deployment/tasks/api -> Deployment/tasks/cache (cache) [init: redis-cli ping]",
            "Deployment/tasks/api -> StatefulSet/tasks/db (db:5432) [init: pg_isready]",
            "Deployment/tasks/worker -> Deployment/tasks/cache (cache:6379) [entrypoint: dockerize]",
            "Deployment/tasks/worker -> StatefulSet/tasks/db (db:5432) [entrypoint: dockerize]",
        ],
        &[],
    );
}

#[test]
fn k8s_wrong_port() {
    scenario(
        "k8s-wrong-port",
        &["Deployment/shop/catalog -> Deployment/shop/catalog-db (catalog-db:5432) [init: nc]"],
        &["NX103 app.yaml:15"],
    );
}

#[test]
fn k8s_deploy_script_racy() {
    // `kubectl apply -f k8s/` creates the database and the app in one go, waiting for nothing.
    scenario(
        "k8s-deploy-script-racy",
        &["Deployment/crm/crm -> StatefulSet/crm/crm-db (crm-db:5432) []"],
        &["NX106 deploy.sh:6", "NX101 k8s/20-crm.yaml:15"],
    );
}

#[test]
fn k8s_deploy_script_ordered() {
    // The same platform, deployed by functions that apply and wait in order: gated.
    scenario(
        "k8s-deploy-script-ordered",
        &["Deployment/crm/crm -> StatefulSet/crm/crm-db (crm-db:5432) [deploy script wait]"],
        &[],
    );
}

#[test]
fn flux_depends_on() {
    // The API's Kustomization depends on the database's, which waits for health.
    scenario(
        "flux-depends-on",
        &["Deployment/notes/notes-api -> StatefulSet/notes/notes-db (notes-db:5432) [flux dependsOn]"],
        &[],
    );
}

#[test]
fn k8s_slow_start() {
    scenario(
        "k8s-slow-start",
        &["Deployment/catalog/catalog-indexer -> StatefulSet/catalog/search (search:9200) []"],
        &["NX108 search.yaml:20", "NX101 search.yaml:42", "NX108 search.yaml:43"],
    );
}

/// Prints every scenario's edges and findings: `cargo test --test tests deps::print_all --
/// --ignored --nocapture` (a starting point when adding a scenario; the expectations above are
/// reviewed by hand).
#[test]
#[ignore]
#[allow(clippy::print_stdout)]
fn print_all() {
    let mut dirs: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/deps"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    for d in dirs {
        let o = check_paths(&[&format!("fixtures/deps/{d}")]);
        println!("== {d}");
        for e in edges(&o) {
            println!("  E {e}");
        }
        for f in findings(&o) {
            println!("  F {f}");
        }
    }
}

#[test]
fn compose_short_form_autofix_applies_cleanly() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/deps/compose-short-form/compose.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let o = crate::util::check_files(&[("compose.yaml", &text)]);
    let fixes: Vec<_> = o.diagnostics.iter().filter(|d| d.code == "NX101").filter_map(|d| d.fix.clone()).collect();
    assert_eq!(fixes.len(), 2, "both findings offer the same fix");
    assert_eq!(fixes[0], fixes[1]);
    let edit = &fixes[0].edits[0];
    let mut fixed = text.clone();
    fixed.replace_range(edit.span.range(), &edit.replacement);
    assert!(fixed.contains("    depends_on:\n      db:\n        condition: service_healthy\n      cache:\n        condition: service_healthy\n"), "{fixed}");
    let after = crate::util::check_files(&[("compose.yaml", &fixed)]);
    // Only the migration note (NX201, info: nothing here migrates `db`) is left.
    let left: Vec<_> =
        after.diagnostics.iter().filter(|d| d.code != "NX201").map(|d| format!("{} {}", d.code, d.message)).collect();
    assert!(left.is_empty(), "{left:#?}");
}

/// `kind name: action objects…; …` for each plan.
fn plans(o: &Outcome) -> Vec<String> {
    use nexus_model::{PlanAction, PlanKind};
    let p = &o.loaded.platform;
    p.plans
        .iter()
        .map(|plan| {
            let names = |ids: &[nexus_model::ObjectId]| {
                ids.iter()
                    .map(|i| format!("{}/{}", p.object(*i).kind.value, p.object(*i).name_str()))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let steps: Vec<String> = plan
                .steps
                .iter()
                .map(|s| match &s.action {
                    PlanAction::Apply { objects, .. } => format!("apply {}", names(objects)),
                    PlanAction::Wait { objects, condition, .. } => format!("wait {condition} {}", names(objects)),
                    PlanAction::RolloutStatus { objects, .. } => format!("rollout {}", names(objects)),
                    PlanAction::Helm { release, .. } => format!("helm {release}"),
                    PlanAction::Sleep { millis } => format!("sleep {millis}"),
                })
                .collect();
            let kind = match plan.kind {
                PlanKind::Script => "script",
                PlanKind::Helm => "helm",
                PlanKind::Argo => "argo",
            };
            format!("{kind}: {}", steps.join("; "))
        })
        .collect()
}

#[test]
fn deploy_plans_from_scripts_helm_and_argo() {
    let script = check_paths(&["fixtures/deps/k8s-deploy-script-ordered"]);
    assert_eq!(
        plans(&script),
        [
            "script: apply StatefulSet/crm-db Service/crm-db; rollout StatefulSet/crm-db; apply Deployment/crm; rollout Deployment/crm"
        ]
    );
    let racy = check_paths(&["fixtures/deps/k8s-deploy-script-racy"]);
    assert_eq!(plans(&racy), ["script: apply StatefulSet/crm-db Service/crm-db Deployment/crm"]);
    let helm = check_paths(&["fixtures/deps/helm-rendered-gated"]);
    assert_eq!(
        plans(&helm),
        [
            "helm: apply Job/forum-migrate; wait condition=complete Job/forum-migrate; apply Service/forum-db Service/forum-web Deployment/forum-web StatefulSet/forum-db"
        ]
    );
    let argo = check_paths(&["fixtures/deps/argo-waves"]);
    assert_eq!(
        plans(&argo),
        [
            "argo: apply Service/ledger-db StatefulSet/ledger-db; wait condition=ready StatefulSet/ledger-db; apply Deployment/ledger; wait condition=ready Deployment/ledger"
        ]
    );
}
