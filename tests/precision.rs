//! Regression scenarios for the false alarms and misses seen on real platforms (issue 8), one
//! directory each under `fixtures/precision/`: `pNN-…` for the thirteen patterns,
//! `rN-…` for the other root causes the corpus review found. Each states, exactly, the
//! dependency edges with the gates that make each consumer wait (transitive ones as `via
//! <workload>`) and every finding, infos included, so a scenario fails on a build that still
//! has the defect and on one that over-corrects.

use nexus_lint::check::Outcome;
use nexus_model::gates::gating;

use crate::util::check_paths;

/// `consumer -> provider [gates]`, one line per pair, sorted; the gates are the consumer's own
/// gates on the provider, or `via X (gate)` when the consumer waits for it only through `X`.
fn gated_pairs(o: &Outcome) -> Vec<String> {
    let p = &o.loaded.platform;
    let mut out: Vec<String> = Vec::new();
    for e in &p.edges {
        let Some(prov) = e.provider else { continue };
        let (c, pr) = (p.workload(e.consumer), p.workload(prov));
        let mut gates: Vec<String> = p
            .gates
            .iter()
            .filter(|g| g.consumer == e.consumer && g.provider == Some(prov))
            .map(|g| g.kind.label())
            .collect();
        if gates.is_empty()
            && let Some(g) = gating(p, e.consumer, prov, e.endpoint)
        {
            gates.push(match g.via {
                Some(v) => format!("via {} ({})", p.workload(v).name.value, g.gate.kind.label()),
                None => g.gate.kind.label(),
            });
        }
        gates.sort();
        gates.dedup();
        let line = format!("{} -> {} [{}]", c.resource, pr.resource, gates.join(", "));
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out.sort();
    out
}

/// `CODE file:line` of every finding, `CODE(info) file:line` for information, in report order.
fn findings(o: &Outcome, dir: &str) -> Vec<String> {
    o.diagnostics
        .iter()
        .map(|d| {
            let f = o.loaded.db.get(d.span().file);
            let name = f.path.strip_prefix(&format!("{dir}/")).unwrap_or(&f.path);
            let info = if d.severity == nexus_diagnostics::Severity::Info { "(info)" } else { "" };
            format!("{}{info} {}:{}", d.code, name, f.position(d.span().start).line)
        })
        .collect()
}

fn scenario(name: &str, want_edges: &[&str], want_findings: &[&str]) {
    let dir = format!("fixtures/precision/{name}");
    let o = check_paths(&[&dir]);
    let (edges, found) = (gated_pairs(&o), findings(&o, &dir));
    assert_eq!(edges, want_edges, "{name}: edges");
    assert_eq!(found, want_findings, "{name}: findings");
}

#[test]
fn p01_unset_variables_are_unknown_not_empty() {
    scenario(
        "p01-unset-variables",
        &["compose:web -> compose:db [service_healthy]", "compose:worker -> compose:db [service_healthy]"],
        // One note for the project; the default `latest` the repository chose is still judged.
        &["NX201(info) compose.yaml:6", "NX008(info) compose.yaml:7", "NX501 compose.yaml:27"],
    );
}

#[test]
fn p02_gates_hold_transitively() {
    scenario(
        "p02-transitive-gates",
        &[
            "compose:app -> compose:frontend-internal [service_healthy]",
            "compose:app -> compose:pgsql [via frontend-internal (service_healthy)]",
            "compose:frontend-internal -> compose:migrator [service_completed_successfully]",
            "compose:frontend-internal -> compose:pgsql [service_healthy]",
            "compose:migrator -> compose:pgsql [service_healthy]",
            "compose:netbox -> compose:postgres []",
            "compose:netbox-worker -> compose:netbox [service_healthy]",
            "compose:netbox-worker -> compose:postgres [via netbox (service_healthy)]",
            "compose:reporter -> compose:cache [service_healthy]",
            "compose:reporter -> compose:pgsql []",
        ],
        // `reporter` (ungated) and `netbox`'s own short-form wait; not `app`, not `netbox-worker`.
        &["NX101 compose.yaml:41", "NX202 compose.yaml:42", "NX101 compose.yaml:54"],
    );
}

#[test]
fn p03_one_shots_need_no_readiness() {
    scenario(
        "p03-one-shot-readiness",
        &[
            "compose:backend -> compose:cache []",
            "compose:backend -> compose:configurator [service_completed_successfully]",
        ],
        // Not `configurator` (NX601), nor its written-only addresses (NX101), nor the Job.
        &["NX101 compose.yaml:9", "NX601 compose.yaml:24"],
    );
}

#[test]
fn p04_leaf_compose_services_need_no_healthcheck() {
    scenario(
        "p04-leaf-services",
        &["compose:api -> compose:db []", "compose:web -> compose:api [service_healthy]"],
        &["NX201(info) compose.yaml:16", "NX101 compose.yaml:23", "NX601 compose.yaml:24"],
    );
}

#[test]
fn p05_an_address_variable_is_host_and_port() {
    scenario(
        "p05-address-variable",
        &[
            "Deployment/loadgenerator -> Deployment/backend [init: wget]",
            "Deployment/loadgenerator -> Deployment/frontend [init: wget]",
        ],
        // `backend:8081`: Service `backend` listens on 8080. Nothing about `frontend:80`.
        &["NX103 loadgenerator.yaml:37"],
    );
}

#[test]
fn p06_pods_from_elsewhere_are_a_note() {
    scenario(
        "p06-external-pods",
        &[],
        &["NX005(info) cluster.yaml:6", "NX604(info) cluster.yaml:20", "NX604 web.yaml:25"],
    );
}

#[test]
fn p07_only_compose_joins_files() {
    scenario(
        "p07-sibling-files",
        &["compose:app -> compose:db [service_healthy]", "compose:vote -> compose:redis [service_healthy]"],
        // The images file's untagged `vote`; not the base's `latest`, which the override builds;
        // the fragment is noted, not broken.
        &[
            "NX201(info) docker-compose-mysql.yml:2",
            "NX201(info) docker-compose-postgres.yml:2",
            "NX501 docker-compose.images.yml:3",
            "NX009(info) overrides/compose.proxy.yaml:2",
        ],
    );
}

#[test]
fn p08_tolerant_dependents_are_not_reported() {
    scenario(
        "p08-tolerant-dependents",
        &[
            "compose:adminer -> compose:db []",
            "compose:app -> compose:collector []",
            "compose:app -> compose:db []",
            "compose:dashboard -> compose:db []",
            "compose:exporter -> compose:db []",
            "compose:grafana -> compose:db []",
            "compose:grafana -> compose:prometheus []",
            "compose:paperless -> compose:broker []",
            "compose:paperless -> compose:db []",
            "compose:prometheus -> compose:app []",
            "compose:prometheus -> compose:exporter []",
            "compose:proxy -> compose:app []",
            "compose:reports -> compose:db [app retries]",
            "compose:shipper -> compose:collector []",
        ],
        &["NX201(info) compose.yaml:9", "NX101 compose.yaml:12", "NX601 compose.yaml:16"],
    );
}

#[test]
fn p08_configuration_names_roles() {
    // `edge` is a proxy built in-house: nothing in its image says so, the configuration does.
    let compose = "services:\n  edge:\n    image: ghcr.io/acme/edge:2.0.0\n    depends_on: [api]\n  api:\n    image: ghcr.io/acme/api:2.0.0\n    environment:\n      DATABASE_URL: postgres://api@db:5432/api\n    depends_on:\n      db: {condition: service_healthy}\n  db:\n    image: postgres:16.4\n    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready\"]\n";
    let spec = nexus_lint::check::InputSpec::Memory(vec![("compose.yaml".into(), compose.into())]);
    let bare = nexus_lint::check::check(&spec, &crate::util::settings());
    let edge = bare.loaded.platform.workloads.iter().find(|w| w.name.value == "edge").unwrap();
    assert_eq!(edge.role, nexus_model::Role::Server);
    let mut settings = crate::util::settings();
    settings.roles = vec![nexus_model::roles::RoleOverride {
        resource: Some("compose:edge".into()),
        image: None,
        role: nexus_model::Role::Proxy,
    }];
    let o = nexus_lint::check::check(&spec, &settings);
    let edge = o.loaded.platform.workloads.iter().find(|w| w.name.value == "edge").unwrap();
    assert_eq!(edge.role, nexus_model::Role::Proxy);
    let (e, api) = (edge.id, o.loaded.platform.workloads.iter().find(|w| w.name.value == "api").unwrap().id);
    assert_eq!(nexus_model::roles::tolerance(&o.loaded.platform, e, api), Some(nexus_model::roles::Tolerance::Proxy));
}

#[test]
fn p09_datastores_known_by_how_they_are_reached() {
    scenario(
        "p09-datastore-recognition",
        &[
            "Job/todo-table -> StatefulSet/postgresql []",
            "compose:accounting -> compose:orders-db []",
            "compose:makeline -> compose:documentdb []",
            "compose:user -> compose:user-db []",
            "compose:web -> compose:catalog []",
        ],
        &[
            "NX101 compose.yaml:10",
            "NX601 compose.yaml:11",
            "NX101 compose.yaml:16",
            "NX601 compose.yaml:17",
            "NX101 compose.yaml:22",
            "NX601 compose.yaml:23",
            "NX101 schema-job.yaml:17",
            "NX802(info) schema-job.yaml:20",
        ],
    );
}

#[test]
fn p10_a_provider_healthcheck_is_waited_for() {
    scenario(
        "p10-healthcheck-ignored",
        &[
            "compose:store-admin -> compose:docs []",
            "compose:store-front -> compose:order-service []",
            "compose:store-front -> compose:product-service []",
        ],
        &["NX101 compose.yaml:9", "NX101 compose.yaml:10"],
    );
}

#[test]
fn p11_a_proxy_in_an_ordinary_container_races_the_app() {
    scenario("p11-ordinary-proxy-container", &[], &["NX107 app.yaml:20"]);
}

#[test]
fn p12_floating_tags_move_like_latest() {
    scenario(
        "p12-floating-tags",
        &[],
        // `busybox` is NX501's alone; `redis:alpine` and `e2e` float; `postgres:15` is a note.
        &["NX501 redis.yaml:16", "NX503 redis.yaml:20", "NX503(info) redis.yaml:26", "NX503 redis.yaml:30"],
    );
}

#[test]
fn p13_an_optional_dependency_only_warns() {
    scenario(
        "p13-optional-dependency",
        &["compose:api -> compose:cache [service_healthy]", "compose:api -> compose:search [service_healthy]"],
        &["NX102 compose.yaml:12", "NX102 compose.yaml:14", "NX601 compose.yaml:17", "NX601 compose.yaml:19"],
    );
    let o = check_paths(&["fixtures/precision/p13-optional-dependency"]);
    let nx102: Vec<_> = o.diagnostics.iter().filter(|d| d.code == "NX102").collect();
    assert_eq!(nx102[0].severity, nexus_diagnostics::Severity::Error, "required: Compose fails the start");
    assert_eq!(nx102[1].severity, nexus_diagnostics::Severity::Warning, "required: false: Compose warns");
    assert!(nx102[1].message.contains("only warns and starts `api` without waiting"), "{}", nx102[1].message);
    assert!(!nx102[1].message.contains("fails the start"));
}

#[test]
fn r1_non_kubernetes_yaml_is_not_a_manifest() {
    // The transformer, the delete patch and the Grafana file are silent; the typo and the
    // obsolete init-containers annotation are reported.
    scenario("r1-non-kubernetes-yaml", &[], &["NX002 base.yaml:15", "NX002 base.yaml:32"]);
}

#[test]
fn r2_go_templates_in_values_are_not_helm() {
    // NX404 notes Alertmanager's embedded config, which has no schema.
    scenario(
        "r2-go-templates",
        &[],
        &["NX404(info) alertmanager.yaml:8", "NX501 alertmanager.yaml:29", "NX004 chart-deployment.yaml:5"],
    );
}

#[test]
fn r3_undeclared_health_ports_are_not_typos() {
    // Not the collector's 13133, not RabbitMQ's unpublished management port 15672; the slips are.
    scenario(
        "r3-health-ports",
        &[],
        &["NX602 collector.yaml:43", "NX602 collector.yaml:62", "NX602 compose.yaml:8", "NX602 compose.yaml:28"],
    );
}

#[test]
fn r4_compose_command_waits_do_not_need_healthchecks() {
    scenario(
        "r4-compose-tcp-waits",
        &[
            "Deployment/worker -> Deployment/redis [init: nc]",
            "compose:worker -> compose:redis [entrypoint: wait-for-it]",
        ],
        &["NX601 compose.yaml:8", "NX102 k8s.yaml:17", "NX601 k8s.yaml:37"],
    );
}

#[test]
fn r5_argo_cd_health_passes_at_process_start() {
    scenario(
        "r5-argo-health",
        &[
            "Deployment/todo -> Deployment/postgresql [argo waves 0→2]",
            "Job/todo-insert -> Deployment/todo [argo PostSync]",
            "Job/todo-table -> Deployment/postgresql [argo waves 0→1]",
        ],
        &["NX601 todo.yaml:18", "NX102 todo.yaml:50", "NX201(info) todo.yaml:53", "NX102 todo.yaml:74"],
    );
}

#[test]
fn r9_built_services_are_what_their_dockerfile_starts_from() {
    // `temporal` is built FROM temporalio/auto-setup, which waits for its database itself;
    // `cache` from a stage FROM redis. The Dockerfile outside the checked directory is not read.
    scenario(
        "r9-built-images",
        &["compose:api -> compose:cache []", "compose:temporal -> compose:postgresql []"],
        &["NX101 compose.yaml:26", "NX601 compose.yaml:27"],
    );
}

#[test]
fn r10_proxies_wait_for_an_upstream_healthcheck_unless_they_route_to_healthy_containers() {
    // nginx and a file-configured Traefik ignore `api`'s healthcheck; Traefik's Docker provider
    // routes only to healthy containers; HAProxy in front of an upstream with no healthcheck
    // can do nothing but answer 502.
    scenario(
        "r10-proxy-healthchecks",
        &[
            "compose:edge -> compose:api []",
            "compose:gateway -> compose:api []",
            "compose:legacy-proxy -> compose:legacy []",
            "compose:web -> compose:api []",
        ],
        &["NX101 compose.yaml:13", "NX101 compose.yaml:19"],
    );
}

#[test]
fn r28_client_libraries_of_the_build_context() {
    // Mongoose, redis-py (in a server) and the Go MongoDB driver make a late datastore cost a
    // wait or an error, not a crash: info, naming the library. pg and lib/pq, node-redis and
    // redis-py in an RQ worker (`rq worker`, or a project's `dev_worker` alias) do not: warnings.
    scenario(
        "r28-client-libraries",
        &[
            "compose:api -> compose:mongo []",
            "compose:catalog -> compose:db []",
            "compose:catalog -> compose:mongo []",
            "compose:jobs -> compose:cache []",
            "compose:legacy -> compose:cache []",
            "compose:orders -> compose:db []",
            "compose:web -> compose:cache []",
            "compose:worker -> compose:cache []",
        ],
        &[
            "NX101(info) compose.yaml:25",
            "NX101(info) compose.yaml:30",
            "NX201(info) compose.yaml:31",
            "NX101(info) compose.yaml:34",
            "NX101 compose.yaml:35",
            "NX101 compose.yaml:39",
            "NX101 compose.yaml:43",
            "NX101 compose.yaml:46",
            "NX101 compose.yaml:51",
        ],
    );
}

#[test]
fn r29_one_migration_finding_per_compose_app() {
    // `gateway` waits for neither migration of its database (both in a profile, started with it
    // by `--profile database`): one finding at its service, naming both. `billing` (no profile)
    // keeps its finding; `shop` waits for its migration.
    scenario(
        "r29-migrations-per-app",
        &[
            "compose:billing -> compose:billing-db [service_healthy]",
            "compose:billing-migrate -> compose:billing-db [service_healthy]",
            "compose:bootstrap -> compose:kong-db [service_healthy]",
            "compose:gateway -> compose:kong-db [service_healthy]",
            "compose:shop -> compose:shop-db [service_healthy]",
            "compose:shop -> compose:shop-migrate [service_completed_successfully]",
            "compose:shop-migrate -> compose:shop-db [service_healthy]",
            "compose:upgrade -> compose:kong-db [service_healthy]",
        ],
        &["NX202 compose.yaml:31", "NX202 compose.yaml:68"],
    );
}

#[test]
fn r30_images_that_connect_per_request() {
    // Bookinfo's ratings v2 opens its database per request: not reported. `scores`, unknown, is;
    // the database still lacks the readiness both would wait on.
    scenario(
        "r30-per-request-images",
        &["Deployment/ratings-v2 -> StatefulSet/mongodb []", "Deployment/scores -> StatefulSet/mongodb []"],
        &["NX101 ratings.yaml:43", "NX802(info) ratings.yaml:55", "NX601 ratings.yaml:67"],
    );
}
