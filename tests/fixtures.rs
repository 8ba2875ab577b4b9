//! Realistic platforms under `fixtures/`: each directory is checked and its human report
//! snapshotted; the NEXUS pair is also held to the defect contract of
//! `../shared/spec/NEXUS-DEFECTS.md` (`fixtures/nexus/README.md` has the table with lines).

use nexus_report::human;

use crate::util::{check_paths, fixture_findings, summary};

/// The directory of hostile inputs, which is not a platform (see [`fixture_dirs`]).
pub const HOSTILE: &str = "hostile";

/// The human report of a fixture directory (simulated too, for `fixtures/simulation/*`), without
/// colour, at a fixed width.
pub fn render(dir: &str) -> String {
    let o = fixture_findings(dir);
    let mut out = Vec::new();
    human::write(
        &mut out,
        &o.diagnostics,
        &o.loaded.db,
        &o.redactor,
        human::Style { color: false, width: 100 },
        o.loaded.db.len(),
    )
    .unwrap();
    // Paths are absolute (the package root); make them relative for the snapshot.
    String::from_utf8(out).unwrap().replace(concat!(env!("CARGO_MANIFEST_DIR"), "/"), "")
}

/// The scenarios under `fixtures/`: each directory, except that a directory holding only
/// directories (`fixtures/deps/`) is a group whose subdirectories are the scenarios. Markdown
/// files beside a group's directories (`fixtures/real/REVIEW.md`) do not make it a scenario.
/// `fixtures/hostile/` is no platform: its inputs are checked against their own `expected`
/// files (`tests/hostile.rs`), not snapshotted, and left out of every run over the fixtures.
pub fn fixture_dirs() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&root).unwrap().flatten().filter(|e| e.path().is_dir()) {
        let name = e.file_name().to_string_lossy().into_owned();
        if name == HOSTILE {
            continue;
        }
        let entries: Vec<_> = std::fs::read_dir(e.path())
            .unwrap()
            .flatten()
            .filter(|f| f.path().extension().is_none_or(|x| x != "md"))
            .collect();
        if entries.iter().all(|f| f.path().is_dir()) {
            for s in entries {
                out.push(format!("fixtures/{name}/{}", s.file_name().to_string_lossy()));
            }
        } else {
            out.push(format!("fixtures/{name}"));
        }
    }
    out.sort();
    out
}

#[test]
fn fixture_snapshots() {
    for dir in fixture_dirs() {
        let name = dir.trim_start_matches("fixtures/").replace('/', "__");
        insta::assert_snapshot!(name, render(&dir));
    }
}

fn has(found: &[(String, String, u32)], code: &str, file: &str, line: u32) -> bool {
    found.iter().any(|(c, f, l)| c == code && f.ends_with(file) && *l == line)
}

#[test]
fn nexus_defects_are_found_where_the_contract_says() {
    let o = check_paths(&["fixtures/nexus"]);
    let found = summary(&o);
    let expected = [
        // Row 1: Compose short-form depends_on on the datastores.
        ("NX101", "fixtures/nexus/docker-compose.yml", 43),
        ("NX101", "fixtures/nexus/docker-compose.yml", 44),
        // Row 2: the backend connects to the database and redis with no gate.
        ("NX101", "k8s/production/nexus-backend-deployment.yaml", 60),
        ("NX101", "k8s/production/nexus-backend-deployment.yaml", 62),
        // Row 3: the deploy script creates the backend right after its providers, no waits.
        ("NX106", "deploy/scripts/deploy-production.sh", 24),
        // Row 4: the seed's init containers wait forever.
        ("NX105", "k8s/production/nexus-worker-deployment.yaml", 38),
        ("NX105", "k8s/production/nexus-worker-deployment.yaml", 41),
        ("NX105", "k8s/production/nexus-frontend-deployment.yaml", 39),
        // Row 17: those waits pass at process start, the datastores having no readiness.
        ("NX102", "k8s/production/nexus-worker-deployment.yaml", 38),
        ("NX102", "k8s/production/nexus-worker-deployment.yaml", 41),
        // Row 20: the redis NetworkPolicy drops the worker's connections.
        ("NX701", "k8s/production/nexus-worker-deployment.yaml", 58),
        // Row 4 and 6: untagged busybox in the seed's init containers, `latest` migration image.
        ("NX501", "k8s/production/nexus-worker-deployment.yaml", 37),
        ("NX501", "k8s/production/nexus-worker-deployment.yaml", 40),
        ("NX501", "k8s/production/nexus-frontend-deployment.yaml", 38),
        ("NX501", "k8s/production/migrations/nexus-db-migration.yaml", 30),
        // Row 17: no readiness on the datastores.
        ("NX601", "k8s/production/database/deployment.yaml", 33),
        ("NX601", "k8s/production/redis/deployment.yaml", 33),
        ("NX601", "fixtures/nexus/docker-compose.yml", 10),
        ("NX601", "fixtures/nexus/docker-compose.yml", 22),
        // Row 16: the dependency-checking script is the backend's liveness probe too.
        ("NX603", "k8s/production/nexus-backend-deployment.yaml", 74),
        // Row 5: nothing orders the migration Job before the backend (nor the worker).
        ("NX202", "k8s/production/migrations/nexus-db-migration.yaml", 4),
        ("NX202", "k8s/production/nexus-worker-deployment.yaml", 5),
        // Row 6: the migration runs `latest`, the backend `1.4.2`.
        ("NX203", "k8s/production/migrations/nexus-db-migration.yaml", 30),
        // Row 7: the migration's `DATABASE_URL` reads the key `postgres-password`.
        ("NX406", "k8s/production/migrations/nexus-db-migration.yaml", 37),
        // Row 8: a fixed-name Job whose pod template changes each release.
        ("NX206", "k8s/production/migrations/nexus-db-migration.yaml", 6),
        // Rows 14 and 15: pg_dump and BGSAVE at different moments, unverified; dump.rdb copied
        // before BGSAVE finished.
        ("NX801", "deploy/scripts/backup.sh", 9),
        ("NX801", "deploy/scripts/backup.sh", 14),
        // Row 18's objects are kept as custom resources.
        ("NX005", "k8s/production/istio.yaml", 4),
        // Row 13: the backend's HPA scales past what the database accepts (20 × pool 10 > 100),
        // the frontend scales up sooner and faster than the backend it calls, and the backend
        // Deployment pins `replicas` under its HPA.
        ("NX305", "k8s/production/hpa.yaml", 16),
        ("NX306", "k8s/production/hpa.yaml", 54),
        ("NX302", "k8s/production/nexus-backend-deployment.yaml", 14),
        // Row 9: structured config with no schema.
        ("NX404", "k8s/production/configmap.yaml", 26),
        // Row 10: ConfigMaps consumed with no rollout trigger.
        ("NX402", "k8s/production/nexus-backend-deployment.yaml", 52),
        ("NX402", "k8s/production/nexus-backend-deployment.yaml", 97),
        ("NX402", "k8s/production/nexus-backend-deployment.yaml", 100),
        ("NX402", "k8s/production/nexus-frontend-deployment.yaml", 48),
        // Row 11: Compose and Kubernetes disagree (images, env sets, values).
        ("NX405", "fixtures/nexus/docker-compose.yml", 32),
        ("NX405", "fixtures/nexus/docker-compose.yml", 52),
        ("NX405", "fixtures/nexus/docker-compose.yml", 11),
        ("NX405", "fixtures/nexus/docker-compose.yml", 37),
        ("NX405", "fixtures/nexus/docker-compose.yml", 56),
        ("NX405", "fixtures/nexus/docker-compose.yml", 35),
        ("NX405", "fixtures/nexus/docker-compose.yml", 36),
        ("NX405", "fixtures/nexus/docker-compose.yml", 55),
        ("NX405", "fixtures/nexus/docker-compose.yml", 57),
        // Row 12: the frontend's image against its version label, the migration's `latest`.
        ("NX502", "k8s/production/nexus-frontend-deployment.yaml", 42),
        ("NX502", "k8s/production/migrations/nexus-db-migration.yaml", 30),
        // Row 18: the VirtualService's subsets that no DestinationRule defines.
        ("NX702", "k8s/production/istio.yaml", 22),
        ("NX702", "k8s/production/istio.yaml", 26),
    ];
    let missing: Vec<_> = expected.iter().filter(|(c, f, l)| !has(&found, c, f, *l)).collect();
    assert!(missing.is_empty(), "missing {missing:?}\nfound {found:#?}");
}

#[test]
fn nexus_fixed_has_no_warning_or_error() {
    let o = check_paths(&["fixtures/nexus-fixed"]);
    let bad: Vec<_> = o
        .diagnostics
        .iter()
        .filter(|d| d.severity > nexus_diagnostics::Severity::Info)
        .map(|d| format!("{} {}", d.code, d.message))
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert!(o.diagnostics.iter().all(|d| d.code == "NX005"), "only custom-resource notes expected");
    // Every startup dependency of the fixed platform is gated.
    let p = &o.loaded.platform;
    for e in &p.edges {
        if let Some(prov) = e.provider {
            let stateful = matches!(p.workload(prov).role, nexus_model::Role::Datastore | nexus_model::Role::Cache);
            assert!(
                !stateful || nexus_model::gates::gated(p, e.consumer, prov, e.endpoint).is_some(),
                "{} -> {} is not gated",
                p.workload(e.consumer).resource,
                p.workload(prov).resource
            );
        }
    }
}
