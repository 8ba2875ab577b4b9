//! Builders for small platforms.
#![allow(dead_code)]

use nexus_sim::defaults::Timing;
use nexus_sim::dist::Dist;
use nexus_sim::engine::SimOptions;
use nexus_sim::log::{LogEvent, What};
use nexus_sim::run::{Replay, Simulator, TrialKey};
use nexus_sim::spec::*;

pub fn deployment(name: &str, work_ms: Millis) -> Actor {
    let mut c = Container::serve(name);
    c.work = Some(Dist::fixed(work_ms));
    Actor::new(name, WorkloadKind::Deployment, c)
}

pub fn platform(actors: Vec<Actor>) -> SimPlatform {
    let n = actors.len();
    SimPlatform { actors, plan: DeployPlan::apply_all(n), timing: Timing::ZERO, ..SimPlatform::default() }
}

pub fn crash_dep(consumer: u32, provider: u32, after_ms: Millis) -> Dependency {
    Dependency {
        consumer: ActorId(consumer),
        container: Slot::Main(0),
        provider: ActorId(provider),
        origin: Origin(100 + consumer),
        connect_at: None,
        on_unavailable: OnUnavailable::Crash { after: Some(Dist::fixed(after_ms)) },
    }
}

pub fn replay(p: &SimPlatform) -> Replay {
    replay_with(p, SimOptions::default())
}

pub fn replay_with(p: &SimPlatform, opts: SimOptions) -> Replay {
    Simulator::new(p, opts).expect("valid platform").replay(TrialKey::new(1, 0))
}

/// Times (ms) of events of `actor` that match.
pub fn times(log: &[LogEvent], actor: u32, f: impl Fn(&What) -> bool) -> Vec<Millis> {
    log.iter().filter(|e| e.actor == ActorId(actor) && f(&e.what)).map(|e| e.t).collect()
}

pub fn starts(log: &[LogEvent], actor: u32) -> Vec<Millis> {
    times(log, actor, |w| matches!(w, What::Started { .. }))
}

pub fn job(name: &str, exit_code: i32, work_ms: Millis) -> Actor {
    let mut c = Container::one_shot(name, exit_code);
    c.work = Some(Dist::fixed(work_ms));
    Actor::new(name, WorkloadKind::Job, c)
}

pub fn compose(name: &str, work_ms: Millis) -> Actor {
    let mut c = Container::serve(name);
    c.work = Some(Dist::fixed(work_ms));
    Actor::new(name, WorkloadKind::ComposeService, c)
}

pub fn compose_up(n: usize) -> DeployPlan {
    let services = (0..n as u32).map(ActorId).collect();
    DeployPlan {
        steps: vec![Step::new(StepAction::ComposeUp { services, wait: false, timeout: Bound::Default })],
        ..Default::default()
    }
}

pub fn steps(steps: Vec<StepAction>, errexit: bool) -> DeployPlan {
    DeployPlan { steps: steps.into_iter().map(Step::new).collect(), errexit, origin: Origin(0) }
}

pub fn has(r: &Replay, actor: u32, f: impl Fn(&What) -> bool) -> Option<Millis> {
    times(&r.log, actor, f).first().copied()
}

pub fn plan_events(r: &Replay, f: impl Fn(&What) -> bool) -> Vec<Millis> {
    r.log.iter().filter(|e| e.actor == nexus_sim::log::PLAN_ACTOR && f(&e.what)).map(|e| e.t).collect()
}

pub fn finding(r: &Replay, kind: nexus_sim::finding::FindingKind) -> Option<nexus_sim::finding::Finding> {
    r.findings.iter().find(|f| f.kind == kind).copied()
}

pub fn secs(v: Vec<Millis>) -> Vec<f64> {
    v.into_iter().map(|t| t as f64 / 1000.0).collect()
}
pub mod fixtures;
