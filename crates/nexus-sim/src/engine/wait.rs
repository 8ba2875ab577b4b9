//! Waits on providers: init-container and entrypoint gates, an app's own connection retries,
//! Compose's dependency waiter, and the deploy plan's waits.
//!
//! A waiter polls on a grid (`grid0 + k·poll`), but no event is scheduled for polls that cannot
//! succeed: the waiter sits in its provider's watch list, and when the provider's state changes
//! the waiter schedules one tick at the first grid point at or after the change, where it
//! checks again. The result is what polling every `poll` ms would observe, at the cost of one
//! event per change instead of one per poll.

use super::{Ev, World};
use crate::spec::{Level, Millis, WorkloadKind};

/// What a waiter checks on its provider.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Lvl {
    Created,
    Started,
    Listening,
    Ready,
    Available,
    RolledOut,
    Completed,
    /// Compose `service_healthy`: fails at once without a healthcheck or on unhealthy/exited.
    ComposeHealthy,
    /// Compose `--wait`: healthy if there is a healthcheck, else running.
    RunningOrHealthy,
}

pub(crate) const LVLS: usize = 9;

impl Lvl {
    pub fn from_level(l: Level) -> Lvl {
        match l {
            Level::Created => Lvl::Created,
            Level::Started => Lvl::Started,
            Level::Listening => Lvl::Listening,
            Level::Ready => Lvl::Ready,
            Level::Available => Lvl::Available,
            Level::RolledOut => Lvl::RolledOut,
            Level::Completed => Lvl::Completed,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub const ALL: [Lvl; LVLS] = [
        Lvl::Created,
        Lvl::Started,
        Lvl::Listening,
        Lvl::Ready,
        Lvl::Available,
        Lvl::RolledOut,
        Lvl::Completed,
        Lvl::ComposeHealthy,
        Lvl::RunningOrHealthy,
    ];
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Res {
    Pending,
    Satisfied,
    Failed,
}

/// Who is told when a wait ends.
#[derive(Copy, Clone, Debug)]
pub(crate) enum Owner {
    /// A gate of a container run.
    Gate { cont: u32, run: u32 },
    /// An app retrying a dependency itself.
    Retry { cont: u32, run: u32, dep: u32 },
    /// Compose waiting to start a service; `required` as written.
    Compose { actor: u32, required: bool },
    /// The deploy plan's current step.
    Plan { epoch: u32 },
}

#[derive(Copy, Clone, Debug)]
pub(crate) struct Waiter {
    pub owner: Owner,
    pub provider: u32,
    pub lvl: Lvl,
    grid0: Millis,
    poll: Millis,
    /// Report `Failed` states (Compose, Helm hooks, rollout status) instead of waiting on.
    fail_fast: bool,
    pub active: bool,
    epoch: u32,
    tick_pending: bool,
}

impl World<'_> {
    /// Starts a wait. `poll` 0 means "watch": resolves at the change itself. Returns the
    /// waiter's index.
    pub fn wait_for(
        &mut self,
        owner: Owner,
        provider: u32,
        lvl: Lvl,
        poll: Millis,
        deadline: Option<Millis>,
        fail_fast: bool,
    ) -> u32 {
        let w = self.waiters.len() as u32;
        self.waiters.push(Waiter {
            owner,
            provider,
            lvl,
            grid0: self.now,
            poll,
            fail_fast,
            active: true,
            epoch: 0,
            tick_pending: false,
        });
        if let Some(d) = deadline {
            self.at(self.now.saturating_add(d), Ev::WaiterDeadline { w, epoch: 0 });
        }
        self.check_waiter(w);
        w
    }

    /// Checks a waiter now: schedules its tick if its condition decided, else watches.
    fn check_waiter(&mut self, w: u32) {
        let wt = self.waiters[w as usize];
        if !wt.active || wt.tick_pending {
            return;
        }
        if self.eval(wt.provider, wt.lvl, wt.fail_fast) == Res::Pending {
            self.watchers[wt.provider as usize].push(w);
            return;
        }
        let t = next_grid(wt.grid0, wt.poll, self.now);
        self.waiters[w as usize].tick_pending = true;
        self.at(t, Ev::WaiterTick { w, epoch: wt.epoch });
    }

    /// The provider's state changed: re-check everyone watching it.
    pub fn notify(&mut self, provider: u32) {
        if self.watchers[provider as usize].is_empty() {
            return;
        }
        std::mem::swap(&mut self.watchers[provider as usize], &mut self.scratch);
        let n = self.scratch.len();
        for i in 0..n {
            let w = self.scratch[i];
            self.check_waiter(w);
        }
        self.scratch.clear();
    }

    pub(super) fn waiter_tick(&mut self, w: u32, epoch: u32) {
        let wt = self.waiters[w as usize];
        if !wt.active || wt.epoch != epoch {
            return;
        }
        self.waiters[w as usize].tick_pending = false;
        match self.eval(wt.provider, wt.lvl, wt.fail_fast) {
            Res::Pending => self.check_waiter(w),
            r => {
                self.waiters[w as usize].active = false;
                self.resolve(w, r == Res::Satisfied, false);
            }
        }
    }

    pub(super) fn waiter_deadline(&mut self, w: u32, epoch: u32) {
        let wt = self.waiters[w as usize];
        if !wt.active || wt.epoch != epoch {
            return;
        }
        self.waiters[w as usize].active = false;
        self.resolve(w, false, true);
    }

    /// Cancels a waiter (its owner went away).
    pub fn cancel_waiter(&mut self, w: u32) {
        if let Some(wt) = self.waiters.get_mut(w as usize) {
            wt.active = false;
            wt.epoch = wt.epoch.wrapping_add(1);
        }
    }

    fn resolve(&mut self, w: u32, ok: bool, timed_out: bool) {
        let wt = self.waiters[w as usize];
        match wt.owner {
            Owner::Gate { cont, run } => self.gate_resolved(cont, run, wt.provider, ok),
            Owner::Retry { cont, run, dep } => self.retry_resolved(cont, run, dep, ok),
            Owner::Compose { actor, required } => self.compose_gate_resolved(actor, wt.provider, ok, required),
            Owner::Plan { epoch } => self.plan_wait_resolved(epoch, ok, timed_out),
        }
    }

    /// Where a provider stands with respect to a level.
    pub fn eval(&self, provider: u32, lvl: Lvl, fail_fast: bool) -> Res {
        let a = &self.actors[provider as usize];
        let spec = &self.c.p.actors[provider as usize];
        let compose = spec.kind == WorkloadKind::ComposeService;
        let has_hc = spec.containers.get(usize::from(spec.serving_container)).is_some_and(|c| c.healthcheck.is_some());
        let sat = |b: bool| if b { Res::Satisfied } else { Res::Pending };
        if a.created.is_none() {
            return Res::Pending;
        }
        let dead = compose && a.dead;
        match lvl {
            Lvl::Created => Res::Satisfied,
            Lvl::Started => {
                if a.started_once {
                    Res::Satisfied
                } else if fail_fast && a.compose_failed {
                    Res::Failed
                } else {
                    Res::Pending
                }
            }
            Lvl::Listening => sat(a.available > 0),
            Lvl::Ready => sat(a.ready > 0),
            Lvl::Available => sat(a.ready >= self.min_available(provider) && a.ready > 0),
            Lvl::RolledOut => {
                if a.ready >= spec.replicas.max(1) {
                    Res::Satisfied
                } else if fail_fast && a.progress_exceeded {
                    Res::Failed
                } else {
                    Res::Pending
                }
            }
            Lvl::Completed => {
                if a.completed {
                    Res::Satisfied
                } else if fail_fast && (a.failed || dead || a.compose_failed) {
                    Res::Failed
                } else {
                    Res::Pending
                }
            }
            Lvl::ComposeHealthy => {
                if !has_hc {
                    // "container X has no healthcheck configured" (compose convergence.go). (research A6)
                    return if a.started_once { Res::Failed } else { Res::Pending };
                }
                if a.healthy > 0 {
                    Res::Satisfied
                } else if a.unhealthy > 0 || dead || a.compose_failed {
                    Res::Failed
                } else {
                    Res::Pending
                }
            }
            Lvl::RunningOrHealthy => {
                if self.c.awaited_completion[provider as usize] {
                    return self.eval(provider, Lvl::Completed, true);
                }
                let ok = if has_hc { a.healthy > 0 } else { a.running > 0 };
                if ok {
                    Res::Satisfied
                } else if a.unhealthy > 0 || dead || a.compose_failed {
                    Res::Failed
                } else {
                    Res::Pending
                }
            }
        }
    }

    /// Deployment `Available`: replicas − maxUnavailable (25 % rounded down by default). (research A4)
    pub fn min_available(&self, actor: u32) -> u32 {
        let spec = &self.c.p.actors[actor as usize];
        let r = spec.replicas.max(1);
        let mu =
            spec.rollout.max_unavailable.unwrap_or(r.saturating_mul(crate::defaults::MAX_UNAVAILABLE_PERCENT) / 100);
        r.saturating_sub(mu).max(1)
    }
}

/// The first grid point `grid0 + k·poll` at or after `t`.
pub(crate) fn next_grid(grid0: Millis, poll: Millis, t: Millis) -> Millis {
    if poll == 0 || t <= grid0 {
        return t.max(grid0);
    }
    let k = (t - grid0).div_ceil(poll);
    grid0.saturating_add(k.saturating_mul(poll))
}
