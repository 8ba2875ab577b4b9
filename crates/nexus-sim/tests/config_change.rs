//! The config-change scenario with exact numbers where the model has them (`Timing::ZERO`, fixed
//! durations): env and `subPath` keep old values (NX908, unbounded), a volume sees the edit after
//! the kubelet's sync (0–120 s, pod by pod), a rollout trigger rolls the pods as the upgrade
//! scenario does (no finding), a reload sidecar is bounded (no finding), and each config is edited
//! on its own.

mod common;

use common::*;
use nexus_sim::defaults::{KUBELET_CONFIG_CACHE_TTL_MS, KUBELET_SYNC_FREQUENCY_MS};
use nexus_sim::engine::{Scenario, SimOptions, config_change};
use nexus_sim::finding::{Detail, FindingKind, Subject};
use nexus_sim::log::What;
use nexus_sim::montecarlo::RunConfig;
use nexus_sim::run::Simulator;
use nexus_sim::spec::*;

fn opts() -> SimOptions {
    SimOptions { scenario: Scenario::ConfigChange, ..SimOptions::default() }
}

/// `api` (4 replicas, listening 10 s after start, maxSurge 1, maxUnavailable 0) and `cache`
/// (reads nothing); configs `settings` (0) and `flags` (1); `uses` are `api`'s references.
fn platform_with(uses: Vec<(u32, Uptake, Option<Pickup>)>) -> SimPlatform {
    let mut api = deployment("api", 10_000);
    api.replicas = 4;
    api.rollout = RolloutSpec { max_surge: Some(1), max_unavailable: Some(0), ..RolloutSpec::default() };
    let mut p = platform(vec![api, deployment("cache", 1_000)]);
    for (i, name) in ["settings", "flags"].into_iter().enumerate() {
        p.configs.push(ConfigSpec { name: name.into(), secret: false, origin: Origin(50 + i as u32) });
    }
    for (i, (config, uptake, pickup)) in uses.into_iter().enumerate() {
        p.config_uses.push(ConfigUse { config, actor: ActorId(0), uptake, origin: Origin(60 + i as u32), pickup });
    }
    p
}

fn volume() -> Uptake {
    Uptake::Volume { path: "/etc/api".into() }
}

fn skews(p: &SimPlatform) -> Vec<nexus_sim::finding::Finding> {
    replay_with(p, opts()).findings.into_iter().filter(|f| f.kind == FindingKind::ConfigSkew).collect()
}

#[test]
fn env_keeps_the_old_values_until_a_restart() {
    let p = platform_with(vec![(0, Uptake::EnvFrom, None)]);
    let r = replay_with(&p, opts());
    let f = finding(&r, FindingKind::ConfigSkew).expect("NX908");
    assert_eq!((f.primary, f.secondary, f.time_ms), (Subject::ConfigUse(0), Some(Subject::Config(0)), 0));
    assert_eq!(
        f.detail,
        Detail::ConfigSkew {
            actor: ActorId(0),
            config: 0,
            replicas: 4,
            stale: true,
            files_first_ms: None,
            files_last_ms: None
        }
    );
    // Never on the new values; the workload that reads nothing is there at once.
    assert_eq!(r.outcome.actors[0].ready_ms, None);
    assert_eq!(r.outcome.actors[1].ready_ms, Some(0));
    assert_eq!(plan_events(&r, |w| matches!(w, What::ConfigEdited { config: 0 })), [0]);
}

#[test]
fn a_volume_sees_the_edit_pod_by_pod_within_sync_plus_ttl() {
    let p = platform_with(vec![(0, volume(), None)]);
    let bound = KUBELET_SYNC_FREQUENCY_MS + KUBELET_CONFIG_CACHE_TTL_MS;
    let sim = Simulator::new(&p, opts()).unwrap();
    let mut spread = (u64::MAX, 0);
    for trial in 0..200 {
        let r = sim.replay(nexus_sim::run::TrialKey::new(7, trial));
        let seen = times(&r.log, 0, |w| matches!(w, What::ConfigSeen { config: 0 }));
        assert_eq!(seen.len(), 4, "one update per pod");
        assert!(seen.iter().all(|&t| t <= bound), "{seen:?}");
        let (lo, hi) = (*seen.iter().min().unwrap(), *seen.iter().max().unwrap());
        let f = finding(&r, FindingKind::ConfigSkew).expect("NX908: nothing makes the program reread");
        assert_eq!(f.time_ms, lo);
        match f.detail {
            Detail::ConfigSkew { stale, files_first_ms, files_last_ms, .. } => {
                assert!(!stale);
                assert_eq!((files_first_ms, files_last_ms), (Some(lo), Some(hi)));
            }
            d => panic!("{d:?}"),
        }
        assert_eq!(r.outcome.actors[0].ready_ms, Some(hi));
        spread = (spread.0.min(lo), spread.1.max(hi));
    }
    // The draws cover the interval: early syncs and late ones with a stale cache.
    assert!(spread.0 < 10_000 && spread.1 > 100_000, "{spread:?}");
}

#[test]
fn a_subpath_mount_is_never_updated() {
    let p = platform_with(vec![(0, volume(), None), (0, Uptake::SubPath { path: "/etc/api/x.json".into() }, None)]);
    let f = skews(&p);
    assert_eq!(f.len(), 1);
    // The reference that keeps old values is the one a fix goes on.
    assert_eq!(f[0].primary, Subject::ConfigUse(1));
    assert!(matches!(f[0].detail, Detail::ConfigSkew { stale: true, files_first_ms: Some(_), .. }));
}

#[test]
fn a_rollout_trigger_rolls_the_pods_and_is_not_reported() {
    let p = platform_with(vec![(0, Uptake::EnvFrom, Some(Pickup::Rollout)), (0, volume(), Some(Pickup::Rollout))]);
    let r = replay_with(&p, opts());
    assert!(skews(&p).is_empty(), "{:?}", r.findings);
    // The upgrade scenario's rollout: one new pod at a time, each serving 10 s later.
    assert_eq!(times(&r.log, 0, |w| matches!(w, What::PodCreated)), [0, 10_000, 20_000, 30_000]);
    assert_eq!(times(&r.log, 0, |w| matches!(w, What::PodNotReady)), [10_000, 20_000, 30_000, 40_000]);
    assert_eq!(r.outcome.actors[0].ready_ms, Some(40_000));
}

#[test]
fn a_reload_sidecar_is_bounded_by_the_kubelet() {
    let p = platform_with(vec![(0, volume(), Some(Pickup::Reload))]);
    let r = replay_with(&p, opts());
    assert!(skews(&p).is_empty());
    let last = times(&r.log, 0, |w| matches!(w, What::ConfigSeen { .. })).into_iter().max();
    assert_eq!(r.outcome.actors[0].ready_ms, last);
    // Beside an env reference the reload does not help the env.
    let p = platform_with(vec![(0, volume(), Some(Pickup::Reload)), (0, Uptake::EnvFrom, None)]);
    assert_eq!(skews(&p).len(), 1);
}

#[test]
fn each_config_is_edited_on_its_own() {
    // `settings` rolls the pods; `flags` does not. Were they edited together, the rollout would
    // hide the missing trigger.
    let p = platform_with(vec![
        (0, Uptake::EnvFrom, Some(Pickup::Rollout)),
        (1, Uptake::EnvKey { var: "FLAGS".into() }, None),
    ]);
    let f = skews(&p);
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].primary, f[0].secondary), (Subject::ConfigUse(1), Some(Subject::Config(1))));
}

#[test]
fn compose_and_platforms_that_read_no_config_are_not_played() {
    let p = platform_with(vec![]);
    assert!(config_change::supported(&p).is_err());
    let mut compose = platform_with(vec![(0, Uptake::EnvFrom, None)]);
    compose.plan = compose_up(2);
    assert!(config_change::supported(&compose).unwrap_err().contains("Compose has no live update"));
    assert!(config_change::supported(&platform_with(vec![(0, Uptake::EnvFrom, None)])).is_ok());
}

#[test]
fn monte_carlo_reports_every_change_and_the_install_never() {
    let p = platform_with(vec![(0, volume(), None), (1, Uptake::EnvFrom, None)]);
    let report = Simulator::new(&p, opts()).unwrap().run(RunConfig { trials: 300, master_seed: 3 });
    assert_eq!(report.races.len(), 2);
    assert!(report.races.iter().all(|r| r.code == "NX908" && r.estimate.k == 300));
    let install = Simulator::new(&p, SimOptions::default()).unwrap().run(RunConfig { trials: 50, master_seed: 3 });
    assert!(install.races.iter().all(|r| r.kind != FindingKind::ConfigSkew));
}

#[test]
fn a_statefulset_is_replaced_one_pod_at_a_time() {
    let mut p = platform_with(vec![(0, Uptake::EnvFrom, Some(Pickup::Rollout))]);
    p.actors[0].kind = WorkloadKind::StatefulSet;
    p.actors[0].rollout = RolloutSpec::default();
    let r = replay_with(&p, opts());
    assert!(r.findings.is_empty());
    // An old pod goes, its replacement comes and is Ready 10 s later, then the next.
    assert_eq!(times(&r.log, 0, |w| matches!(w, What::PodNotReady)), [0, 10_000, 20_000, 30_000]);
    assert_eq!(times(&r.log, 0, |w| matches!(w, What::PodCreated)), [0, 10_000, 20_000, 30_000]);
    assert_eq!(r.outcome.actors[0].ready_ms, Some(40_000));
}

#[test]
fn the_timeline_marks_each_pods_update() {
    let p = platform_with(vec![(0, volume(), None)]);
    let r = replay_with(&p, opts());
    let f = finding(&r, FindingKind::ConfigSkew);
    let tl = nexus_sim::timeline::build(&p, &r.log, f.as_ref());
    // Rows in the order the pods saw the edit.
    let mut marked: Vec<&str> = tl
        .rows
        .iter()
        .filter(|row| row.marks.iter().any(|m| m.kind == nexus_sim::timeline::MarkKind::ConfigUpdated))
        .map(|row| row.label.as_str())
        .collect();
    marked.sort_unstable();
    assert_eq!(marked, ["api[0]/api", "api[1]/api", "api[2]/api", "api[3]/api"]);
    let svg = nexus_sim::render::timeline_svg(&p, &r, f.as_ref());
    assert_eq!(svg.matches("<title>config files updated at").count(), 4);
    assert!(svg.contains("◆ config files updated"));
}
