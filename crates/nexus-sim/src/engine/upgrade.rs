//! The upgrade scenario: the deploy plan run again over a platform that is already serving, as
//! a rolling update of the release's workloads beside the release's migration.
//!
//! What changes in a release is what reads or writes the schema: the runners of the platform's
//! migrations and the Deployments that require them ([`crate::spec::Migration::required_by`]).
//! Everything else is serving before the trial starts and is not touched (re-applying an
//! unchanged object is a no-op), so every gate and connection of a changed pod succeeds at
//! once: a trial needs no event queue. It walks the plan in order — `kubectl apply` (API latency
//! per object), `kubectl wait`, `rollout status`, `sleep` — and, when a changed workload is
//! applied, computes its pods' lives with the same draws (stream and purpose) as an install:
//!
//! - A changed Deployment runs the Deployment controller's rolling update (deployment.md,
//!   `pkg/controller/deployment/rolling.go`; research A4): at most `replicas + maxSurge` pods
//!   exist, at least `replicas − maxUnavailable` are available (defaults 25 % rounded up and
//!   25 % rounded down, never both 0); a new pod counts as available `minReadySeconds` after it
//!   is Ready, and an old pod leaves its Service's endpoints when it is scaled down (its
//!   termination grace period does not serve traffic, **assumption**). `Recreate` removes every
//!   old pod first. A new pod serves once Ready and programmed into the endpoints, before
//!   `minReadySeconds` has passed.
//! - A Job (or bare Pod) that runs a migration runs it once; a migration in an init container
//!   or entrypoint of a rolled Deployment completes in the first new pod that gets there.
//!
//! The oracle (NX907 rollout-schema-skew) compares each rolled workload's serving intervals with
//! the completion of each migration it requires: new pods serving before it completed serve
//! against the old schema (the upgrade form of NX902), old pods still serving after it
//! completed serve against the new one. A migration that completed before the rollout began
//! (the plan waited for it) is the *expand* step of an expand/contract migration: the release
//! declares the new schema readable by the old version, so old pods on it are not reported.
//!
//! Only `kubectl`-style plans are played ([`supported`]): Helm, Argo CD and Compose upgrades
//! have their own ordering (pre-upgrade hooks, waves, container recreation) that is not
//! modelled here.

use super::probe::first_tick;
use super::{Purpose, TrialEnd, World};
use crate::defaults;
use crate::finding::{Detail, Finding, FindingKind, Subject};
use crate::log::{LogEvent, What};
use crate::spec::{ActorId, Bound, Level, Millis, SimPlatform, Slot, StepAction, WorkloadKind};

/// Why a unit's upgrade cannot be played, or `Ok`.
pub fn supported(p: &SimPlatform) -> Result<(), &'static str> {
    for s in &p.plan.steps {
        match s.action {
            StepAction::Apply { .. }
            | StepAction::Wait { .. }
            | StepAction::RolloutStatus { .. }
            | StepAction::Sleep { .. } => {}
            StepAction::Helm { .. } => return Err("a Helm release's upgrade (pre-upgrade hooks) is not simulated"),
            StepAction::ArgoSync { .. } => return Err("an Argo CD sync's upgrade is not simulated"),
            StepAction::ComposeUp { .. } => return Err("Compose recreates containers: there is no rolling update"),
        }
    }
    if p.migrations.is_empty() {
        return Err("no migration: an upgrade changes no schema");
    }
    Ok(())
}

/// What a changed workload did in one upgrade trial.
#[derive(Clone, Debug, Default)]
pub(crate) struct Rolled {
    /// When the plan applied it.
    start: Option<Millis>,
    /// When each old pod left the endpoints (Deployments).
    old_gone: Vec<Millis>,
    /// When each new pod started serving (Deployments).
    new_serving: Vec<Millis>,
    pub(super) done: Option<Millis>,
}

/// One new pod's life, from its creation.
struct PodLife {
    ready: Millis,
    serving: Millis,
    migration_done: Option<(u32, Millis)>,
}

impl World<'_> {
    /// A migration's runner, or a Deployment that requires a migration (StatefulSets and
    /// DaemonSets that require one are not rolled: their update strategies are not modelled).
    fn changed(&self, a: usize) -> bool {
        let deployment = self.c.p.actors[a].kind == WorkloadKind::Deployment;
        self.c
            .p
            .migrations
            .iter()
            .any(|m| m.runner.index() == a || (deployment && m.required_by.iter().any(|r| r.index() == a)))
    }

    fn rolled(&self, a: usize) -> bool {
        self.changed(a) && self.c.p.actors[a].kind == WorkloadKind::Deployment
    }

    pub(super) fn log_at(&mut self, t: Millis, actor: u32, pod: Option<u32>, what: What) {
        if let Some(l) = &mut self.log {
            l.push(LogEvent { t, actor: ActorId(actor), pod, container: None, what });
        }
    }

    /// A new pod of `actor` created at `created`: scheduling, pull, init containers one after
    /// another (gates pass: providers serve), then the serving container until Ready.
    fn pod_life(&mut self, actor: u32, created: Millis) -> PodLife {
        let spec = &self.c.p.actors[actor as usize];
        let timing = self.c.p.timing;
        let key = self.pod_key(actor);
        let sched = self.draw(key, Purpose::Schedule, spec.schedule.unwrap_or(timing.schedule));
        let pull = self.draw(key, Purpose::Pull, spec.image_pull.unwrap_or(timing.image_pull));
        let mut t = created.saturating_add(sched).saturating_add(pull);
        let mut migration_done = None;
        let migration_at = |w: &World<'_>, slot: Slot| {
            w.c.p.migrations.iter().position(|m| m.runner.0 == actor && m.container == slot).map(|i| i as u32)
        };
        let spec = &self.c.p.actors[actor as usize];
        for i in 0..spec.init_containers.len() {
            let slot = Slot::Init(i as u16);
            let c = &self.c.p.actors[actor as usize].init_containers[i];
            if c.sidecar {
                continue;
            }
            let k = self.slot_key(actor, slot);
            let dist = c.work.unwrap_or(if self.c.waits[k as usize].is_empty() {
                timing.one_shot_run
            } else {
                crate::dist::Dist::ZERO
            });
            if let Some(m) = migration_at(self, slot) {
                let d = self.c.p.migrations[m as usize].duration.unwrap_or(timing.migration);
                t = t.saturating_add(self.draw(k, Purpose::Migration, d));
                migration_done = Some((m, t));
            }
            t = t.saturating_add(self.draw(k, Purpose::Work, dist));
        }
        let s = self.c.p.actors[actor as usize].serving_container;
        let slot = Slot::Main(s);
        let start = t;
        let k = self.slot_key(actor, slot);
        if let Some(m) = migration_at(self, slot) {
            let d = self.c.p.migrations[m as usize].duration.unwrap_or(timing.migration);
            t = t.saturating_add(self.draw(k, Purpose::Migration, d));
            migration_done = Some((m, t));
        }
        let Some(c) = self.c.p.actors[actor as usize].containers.get(usize::from(s)) else {
            return PodLife { ready: t, serving: t, migration_done };
        };
        let (work, startup, readiness) = (c.work, c.startup, c.readiness);
        let listen = t.saturating_add(self.draw(k, Purpose::Work, work.unwrap_or(timing.app_listen)));
        // Readiness probes run once the startup probe passed (research A2).
        let started = startup.map_or(listen, |p| first_tick(start, &p, listen));
        let ready = readiness.map_or(started, |p| {
            first_tick(start, &p, started)
                .saturating_add(u64::from(p.success_threshold() - 1).saturating_mul(p.period()))
        });
        let serving = ready.saturating_add(self.draw(key, Purpose::Endpoint, timing.endpoint_programming));
        PodLife { ready, serving, migration_done }
    }

    /// The Deployment controller's rolling update of `actor`, applied at `t0`.
    pub(super) fn roll(&mut self, actor: u32, t0: Millis, out: &mut Rolled) {
        let spec = &self.c.p.actors[actor as usize];
        let (replicas, rollout) = (spec.replicas.max(1), spec.rollout);
        // StatefulSets and DaemonSets (rolled by a config change) replace one pod at a time:
        // their `RollingUpdate` defaults, maxUnavailable 1 and no surge (statefulset.md,
        // daemonset.md "Perform a rolling update").
        let (surge, unavailable) = if rollout.recreate {
            (0, replicas)
        } else if spec.kind != WorkloadKind::Deployment {
            (0, 1)
        } else {
            rollout.fenceposts(replicas)
        };
        let min_ready = rollout.min_ready_ms.unwrap_or(0);
        let key = self.pod_key(actor);
        let mut t = t0.saturating_add(self.draw(key, Purpose::Controller, self.c.p.timing.controller_reaction));
        let (mut old, mut created) = (replicas, 0u32);
        // Availability times of the new pods created so far.
        let mut available: Vec<Millis> = Vec::new();
        loop {
            let avail_new = available.iter().filter(|&&a| a <= t).count() as u32;
            // Scale down: keep `replicas − maxUnavailable` available (Recreate: all old first).
            let floor = replicas.saturating_sub(unavailable);
            let down = old.min((old + avail_new).saturating_sub(floor));
            for _ in 0..down {
                old -= 1;
                out.old_gone.push(t);
                self.log_at(t, actor, Some(old), What::PodNotReady);
            }
            // Scale up: at most `replicas + maxSurge` pods (Recreate: once the old are gone).
            let up = if rollout.recreate && old > 0 {
                0
            } else {
                (replicas - created).min((replicas + surge).saturating_sub(old + created))
            };
            for _ in 0..up {
                let ordinal = replicas + created;
                created += 1;
                self.log_at(t, actor, Some(ordinal), What::PodCreated);
                let life = self.pod_life(actor, t);
                self.log_at(life.serving, actor, Some(ordinal), What::InEndpoints);
                available.push(life.ready.saturating_add(min_ready));
                out.new_serving.push(life.serving);
                if let Some((m, done)) = life.migration_done {
                    let slot = &mut self.mig_done[m as usize];
                    *slot = Some(slot.map_or(done, |d| d.min(done)));
                }
            }
            if old == 0 && created == replicas {
                out.done = available.iter().copied().max();
                return;
            }
            // Next: the next new pod to become available.
            match available.iter().copied().filter(|&a| a > t).min() {
                Some(next) if next <= self.opts.deadline_ms => t = next,
                _ => return,
            }
        }
    }

    /// When a wait on `target` at `lvl` holds, if ever.
    fn upgrade_level(&self, rolled: &[Rolled], target: ActorId, lvl: Level, now: Millis) -> Option<Millis> {
        let a = target.index();
        if !self.changed(a) {
            return Some(now);
        }
        let runs: Vec<usize> =
            self.c.p.migrations.iter().enumerate().filter(|(_, m)| m.runner == target).map(|(i, _)| i).collect();
        match (self.rolled(a), lvl) {
            (true, Level::RolledOut) => rolled[a].done,
            (true, Level::Available) if self.c.p.actors[a].rollout.recreate => rolled[a].done,
            (true, _) => Some(now),
            (false, Level::Completed) => {
                runs.iter().map(|&m| self.mig_done[m]).try_fold(now, |t, d| d.map(|d| t.max(d)))
            }
            (false, _) => rolled[a].start,
        }
    }

    /// One upgrade trial: the plan walked in order, then the oracle.
    pub(super) fn run_upgrade(&mut self) {
        let p = self.c.p;
        let n = p.actors.len();
        let mut rolled: Vec<Rolled> = vec![Rolled::default(); n];
        let deadline = self.opts.deadline_ms;
        let mut now: Millis = 0;
        for (si, step) in p.plan.steps.iter().enumerate() {
            if now > deadline {
                break;
            }
            self.log_at(now, crate::log::PLAN_ACTOR.0, None, What::StepStarted { step: si as u32 });
            let (targets, lvl, timeout) = match &step.action {
                StepAction::Apply { actors } => {
                    for &a in actors {
                        let d = self.draw(self.pod_key(a.0), Purpose::Create, p.timing.api_create);
                        now = now.saturating_add(d);
                        if !self.changed(a.index()) || rolled[a.index()].start.is_some() {
                            continue;
                        }
                        self.log_at(now, a.0, None, What::Created);
                        rolled[a.index()].start = Some(now);
                        if self.rolled(a.index()) {
                            let mut r = std::mem::take(&mut rolled[a.index()]);
                            self.roll(a.0, now, &mut r);
                            rolled[a.index()] = r;
                        } else {
                            let ctl = self.draw(self.pod_key(a.0), Purpose::Controller, p.timing.controller_reaction);
                            let life = self.pod_life(a.0, now.saturating_add(ctl));
                            if let Some((m, done)) = life.migration_done {
                                self.mig_done[m as usize] = Some(done);
                                self.log_at(done, a.0, Some(0), What::MigrationCompleted { migration: m });
                            }
                            rolled[a.index()].done = life.migration_done.map(|(_, d)| d);
                        }
                    }
                    continue;
                }
                StepAction::Sleep { ms } => {
                    now = now.saturating_add(*ms);
                    continue;
                }
                StepAction::Wait { targets, level, timeout } => {
                    (targets, *level, bound(*timeout, defaults::KUBECTL_WAIT_TIMEOUT_MS))
                }
                StepAction::RolloutStatus { targets, timeout } => {
                    (targets, Level::RolledOut, bound(*timeout, Millis::MAX))
                }
                _ => break,
            };
            let mut holds = Some(now);
            for &t in targets {
                holds = match (holds, self.upgrade_level(&rolled, t, lvl, now)) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
            }
            let limit = now.saturating_add(timeout);
            match holds {
                Some(h) if h <= limit => now = h,
                _ => {
                    now = limit.min(deadline);
                    self.plan.failed = true;
                    self.log_at(
                        now,
                        crate::log::PLAN_ACTOR.0,
                        None,
                        What::StepFailed { step: si as u32, timed_out: true },
                    );
                    if p.plan.errexit {
                        break;
                    }
                }
            }
        }
        self.plan.finished = true;
        self.plan.finished_at = now.min(deadline);
        self.skew_oracle(&rolled);
        for (i, r) in rolled.iter().enumerate() {
            self.actors[i].goal_at = if self.changed(i) { r.done.filter(|&d| d <= deadline) } else { Some(0) };
        }
        self.now = self.plan.finished_at.max(rolled.iter().filter_map(|r| r.done).max().unwrap_or(0)).min(deadline);
        self.end = TrialEnd::Quiescent;
        if let Some(l) = &mut self.log {
            l.sort_by_key(|e| e.t);
        }
    }

    /// NX907: each rolled workload against each migration it requires.
    fn skew_oracle(&mut self, rolled: &[Rolled]) {
        let deadline = self.opts.deadline_ms;
        for (a, r) in rolled.iter().enumerate() {
            let (Some(start), Some(&first_new)) = (r.start, r.new_serving.iter().min()) else { continue };
            if !self.rolled(a) {
                continue;
            }
            for i in 0..self.c.requires[a].len() {
                let m = self.c.requires[a][i];
                let done = self.mig_done[m as usize];
                let new_on_old = match done {
                    Some(d) => d.saturating_sub(first_new),
                    None => deadline.saturating_sub(first_new),
                };
                let last_old = r.old_gone.iter().copied().max().unwrap_or(start);
                let old_on_new = match done {
                    Some(d) if d > start => last_old.saturating_sub(d),
                    _ => 0,
                };
                if new_on_old == 0 && old_on_new == 0 {
                    continue;
                }
                let at = if new_on_old > 0 { first_new } else { done.unwrap_or(first_new) };
                self.add_finding(Finding {
                    kind: FindingKind::SchemaSkew,
                    primary: Subject::Actor(ActorId(a as u32)),
                    secondary: Some(Subject::Migration(m)),
                    time_ms: at,
                    detail: Detail::SchemaSkew {
                        app: ActorId(a as u32),
                        migration: m,
                        new_on_old_ms: new_on_old,
                        old_on_new_ms: old_on_new,
                    },
                });
            }
        }
    }
}

fn bound(b: Bound, default: Millis) -> Millis {
    match b {
        Bound::Default => default,
        Bound::Millis(ms) => ms,
        Bound::Unbounded => Millis::MAX,
        Bound::Once => 0,
    }
}
