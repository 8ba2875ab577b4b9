//! The deploy plan: steps run in order; each step creates objects or waits. A step that fails
//! (timeout, failed hook, Compose dependency failure, `kubectl wait` on an object not created
//! yet) stops the plan under `set -e`, else the next step runs. Every bounded wait's outcome is
//! recorded for NX906.

use super::wait::{Lvl, Owner};
use super::{Ev, Purpose, World};
use crate::defaults;
use crate::log::What;
use crate::spec::{ActorId, Bound, Millis, StepAction, WorkloadKind};

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum Sub {
    #[default]
    Idle,
    Simple,
    HelmPre(u32),
    HelmResources,
    HelmWait,
    HelmPost(u32),
    /// Argo CD group; `true` while in the 2 s delay after it.
    Argo(u32, bool),
}

/// One orchestrator wait and how it ended, for NX906.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Record {
    pub step: u32,
    pub sub: Sub,
    pub lvl: Lvl,
    pub at: Millis,
    pub ok: bool,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct PlanRt {
    pub step: u32,
    pub epoch: u32,
    pub sub: Sub,
    pub pending: u32,
    pub finished: bool,
    pub finished_at: Millis,
    pub stopped: bool,
    pub failed: bool,
    /// The level the current waits check (for records).
    pub lvl: Option<Lvl>,
    pub records: Vec<Record>,
    /// Waiters of the current step (to find what the plan waits on).
    pub waiters: Vec<u32>,
}

impl PlanRt {
    pub fn reset(&mut self) {
        let (mut records, mut waiters) = (std::mem::take(&mut self.records), std::mem::take(&mut self.waiters));
        records.clear();
        waiters.clear();
        *self = PlanRt { records, waiters, ..PlanRt::default() };
    }
}

impl World<'_> {
    pub(super) fn plan_begin(&mut self) {
        self.plan_start_step(0);
    }

    fn plan_start_step(&mut self, step: u32) {
        let steps = &self.c.p.plan.steps;
        self.plan.epoch = self.plan.epoch.wrapping_add(1);
        self.plan.step = step;
        self.plan.pending = 0;
        self.plan.waiters.clear();
        self.plan.lvl = None;
        if step as usize >= steps.len() {
            self.plan.finished = true;
            self.plan.finished_at = self.now;
            self.plan.sub = Sub::Idle;
            let failed = self.plan.failed;
            if !steps.is_empty() {
                self.log_plan(What::PlanFinished { failed });
            }
            return;
        }
        self.log_plan(What::StepStarted { step });
        self.plan.sub = Sub::Simple;
        let epoch = self.plan.epoch;
        match &self.c.p.plan.steps[step as usize].action {
            StepAction::Apply { actors } => {
                let end = self.create_in_order(actors.iter().copied());
                self.at(end, Ev::PlanTimer { epoch, timeout: false });
            }
            StepAction::Sleep { ms } => self.after(*ms, Ev::PlanTimer { epoch, timeout: false }),
            StepAction::Wait { targets, level, timeout } => {
                let lvl = Lvl::from_level(*level);
                // `kubectl wait` on an object that does not exist errors out at once. (research A8)
                if targets.iter().any(|t| self.actors[t.index()].created.is_none()) {
                    self.plan.lvl = Some(lvl);
                    self.plan_step_failed(false);
                    return;
                }
                let t = timeout_ms(*timeout, defaults::KUBECTL_WAIT_TIMEOUT_MS);
                self.plan_wait_all(targets.len(), |i, w| (w.c.p.plan.steps[step as usize].targets()[i], lvl), t, false);
            }
            StepAction::RolloutStatus { targets, timeout } => {
                let t = timeout_ms(*timeout, Millis::MAX);
                self.plan_wait_all(
                    targets.len(),
                    |i, w| (w.c.p.plan.steps[step as usize].targets()[i], Lvl::RolledOut),
                    t,
                    true,
                );
            }
            StepAction::ComposeUp { services, wait, timeout } => {
                let end = self.create_in_order(services.iter().copied());
                let _ = end;
                let lvl = if *wait { Lvl::RunningOrHealthy } else { Lvl::Started };
                let t = timeout_ms(*timeout, Millis::MAX);
                self.plan_wait_all(services.len(), |i, w| (w.c.p.plan.steps[step as usize].targets()[i], lvl), t, true);
            }
            StepAction::Helm { .. } => {
                self.plan.sub = Sub::HelmPre(0);
                self.helm_next();
            }
            StepAction::ArgoSync { .. } => {
                self.plan.sub = Sub::Argo(0, false);
                self.argo_group();
            }
        }
    }

    /// Creates objects back to back, one API latency each; returns when the last is created.
    fn create_in_order(&mut self, actors: impl Iterator<Item = ActorId>) -> Millis {
        let mut t = self.now;
        for a in actors {
            let d = self.draw(self.pod_key(a.0), Purpose::Create, self.c.p.timing.api_create);
            t = t.saturating_add(d);
            self.at(t, Ev::Create { actor: a.0 });
        }
        t
    }

    /// Waits for `n` targets at their levels, with a timeout for the whole.
    fn plan_wait_all(
        &mut self,
        n: usize,
        target: impl Fn(usize, &World<'_>) -> (ActorId, Lvl),
        timeout: Option<Millis>,
        fail_fast: bool,
    ) {
        let epoch = self.plan.epoch;
        self.plan.pending = n as u32;
        if n == 0 {
            self.at(self.now, Ev::PlanTimer { epoch, timeout: false });
            return;
        }
        for i in 0..n {
            let (a, lvl) = target(i, self);
            self.plan.lvl = Some(lvl);
            let w = self.wait_for(Owner::Plan { epoch }, a.0, lvl, 0, None, fail_fast);
            self.plan.waiters.push(w);
        }
        // After the waiters, so that a target already there wins over a zero timeout.
        if let Some(t) = timeout {
            self.after(t, Ev::PlanTimer { epoch, timeout: true });
        }
    }

    pub(super) fn plan_wait_resolved(&mut self, epoch: u32, ok: bool, _timed_out: bool) {
        if epoch != self.plan.epoch {
            return;
        }
        if !ok {
            self.plan_step_failed(false);
            return;
        }
        self.plan.pending = self.plan.pending.saturating_sub(1);
        if self.plan.pending == 0 {
            self.plan_sub_done();
        }
    }

    pub(super) fn plan_timer(&mut self, epoch: u32, timeout: bool) {
        if epoch != self.plan.epoch {
            return;
        }
        if timeout {
            self.plan_step_failed(true);
        } else {
            self.plan_sub_done();
        }
    }

    fn record(&mut self, ok: bool) {
        if let Some(lvl) = self.plan.lvl {
            let r = Record { step: self.plan.step, sub: self.plan.sub, lvl, at: self.now, ok };
            self.plan.records.push(r);
        }
    }

    fn cancel_plan_waiters(&mut self) {
        for i in 0..self.plan.waiters.len() {
            let w = self.plan.waiters[i];
            self.cancel_waiter(w);
        }
        self.plan.waiters.clear();
    }

    fn plan_step_failed(&mut self, timed_out: bool) {
        self.record(false);
        self.cancel_plan_waiters();
        let step = self.plan.step;
        self.log_plan(What::StepFailed { step, timed_out });
        self.plan.failed = true;
        self.plan.epoch = self.plan.epoch.wrapping_add(1);
        if self.c.p.plan.errexit {
            self.plan.stopped = true;
            self.plan.finished = true;
            self.plan.finished_at = self.now;
            self.plan.sub = Sub::Idle;
            self.log_plan(What::PlanFinished { failed: true });
        } else {
            self.plan_start_step(step + 1);
        }
    }

    /// The current wait or timer finished well: next sub-phase or next step.
    fn plan_sub_done(&mut self) {
        self.record(true);
        self.cancel_plan_waiters();
        self.plan.lvl = None;
        self.plan.epoch = self.plan.epoch.wrapping_add(1);
        match self.plan.sub {
            Sub::HelmPre(i) => {
                self.plan.sub = Sub::HelmPre(i + 1);
                self.helm_next();
            }
            Sub::HelmResources => {
                let wait =
                    matches!(self.c.p.plan.steps[self.plan.step as usize].action, StepAction::Helm { wait: true, .. });
                self.plan.sub = if wait { Sub::HelmWait } else { Sub::HelmPost(0) };
                self.helm_next();
            }
            Sub::HelmWait => {
                self.plan.sub = Sub::HelmPost(0);
                self.helm_next();
            }
            Sub::HelmPost(i) => {
                self.plan.sub = Sub::HelmPost(i + 1);
                self.helm_next();
            }
            Sub::Argo(g, false) => {
                // Argo CD waits 2 s between waves. (research A7)
                self.plan.sub = Sub::Argo(g, true);
                let epoch = self.plan.epoch;
                self.after(defaults::ARGO_WAVE_DELAY_MS, Ev::PlanTimer { epoch, timeout: false });
            }
            Sub::Argo(g, true) => {
                self.plan.sub = Sub::Argo(g + 1, false);
                self.argo_group();
            }
            Sub::Simple | Sub::Idle => {
                let step = self.plan.step;
                self.log_plan(What::StepSucceeded { step });
                self.plan_start_step(step + 1);
            }
        }
    }

    /// Helm: hooks one at a time, each awaited (Jobs and Pods to completion, others once
    /// created) within the timeout; resources in InstallOrder; `--wait`; post hooks. (research A7)
    fn helm_next(&mut self) {
        let step = self.plan.step as usize;
        let StepAction::Helm { timeout, .. } = self.c.p.plan.steps[step].action else { return };
        let t = timeout_ms(timeout, defaults::HELM_TIMEOUT_MS);
        let order = &self.c.helm[step];
        let epoch = self.plan.epoch;
        match self.plan.sub {
            Sub::HelmPre(i) | Sub::HelmPost(i) => {
                let list = if matches!(self.plan.sub, Sub::HelmPre(_)) { &order.pre } else { &order.post };
                let Some(&hook) = list.get(i as usize) else {
                    if matches!(self.plan.sub, Sub::HelmPre(_)) {
                        self.plan.sub = Sub::HelmResources;
                        let c = self.c;
                        let end = self.create_in_order(c.helm[step].resources.iter().copied());
                        self.at(end, Ev::PlanTimer { epoch, timeout: false });
                    } else {
                        self.plan.sub = Sub::Simple;
                        self.plan_sub_done();
                    }
                    return;
                };
                self.create_in_order(std::iter::once(hook));
                let kind = self.c.p.actors[hook.index()].kind;
                let lvl =
                    if matches!(kind, WorkloadKind::Job | WorkloadKind::Pod) { Lvl::Completed } else { Lvl::Created };
                self.plan_wait_all(1, |_, _| (hook, lvl), t, true);
            }
            Sub::HelmWait => {
                let c = self.c;
                let targets = &c.helm[step].wait;
                self.plan_wait_all(targets.len(), |i, _| (targets[i], Lvl::Available), t, false);
            }
            _ => {}
        }
    }

    /// Argo CD: apply one (phase, wave) group, then wait until it is healthy.
    fn argo_group(&mut self) {
        let step = self.plan.step as usize;
        let Sub::Argo(g, _) = self.plan.sub else { return };
        let c = self.c;
        let Some(group) = c.argo[step].get(g as usize) else {
            self.plan.sub = Sub::Simple;
            self.plan_sub_done();
            return;
        };
        self.create_in_order(group.iter().map(|&(a, _)| a));
        self.plan_wait_all(group.len(), |i, _| group[i], None, false);
    }
}

/// A bound in milliseconds (`None`: unbounded). `Once` waits 0 ms: one check, at once.
fn timeout_ms(b: Bound, default: Millis) -> Option<Millis> {
    match b {
        Bound::Default if default == Millis::MAX => None,
        Bound::Default => Some(default),
        Bound::Millis(ms) => Some(ms),
        Bound::Unbounded => None,
        Bound::Once => Some(0),
    }
}

impl crate::spec::Step {
    /// The actors a waiting step waits on.
    pub(crate) fn targets(&self) -> &[ActorId] {
        match &self.action {
            StepAction::Wait { targets, .. } | StepAction::RolloutStatus { targets, .. } => targets,
            StepAction::ComposeUp { services, .. } => services,
            _ => &[],
        }
    }
}
