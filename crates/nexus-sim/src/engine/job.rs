//! Workload-level behaviour: creation and controllers (Deployment, StatefulSet, Job, Compose),
//! the Job controller's retries and deadlines, and each workload's summary state that waits
//! and oracles read.

use super::wait::{LVLS, Lvl, Owner, Res};
use super::{Ev, Purpose, World};
use crate::defaults::{self, job_pod_backoff};
use crate::finding::{Detail, Finding, FindingKind, Subject};
use crate::log::What;
use crate::spec::{ActorId, ComposeCondition, GateKind, Lifecycle, Millis, WorkloadKind};

/// One workload's state in a trial.
#[derive(Clone, Debug, Default)]
pub(crate) struct ActorRt {
    pub created: Option<Millis>,
    pub pods: Vec<u32>,
    pub next_ordinal: u32,
    pub started_once: bool,
    /// Pods with a running main container / reachable / Ready / healthy / unhealthy.
    pub running: u32,
    pub available: u32,
    pub ready: u32,
    pub healthy: u32,
    pub unhealthy: u32,
    /// Compose containers exited for good.
    pub dead_pods: u32,
    pub dead: bool,
    pub completed: bool,
    pub failed: bool,
    /// When it last became reachable (for the backoff penalty).
    pub avail_since: Millis,
    /// First time each [`Lvl`] held.
    pub first: [Option<Millis>; LVLS],
    /// First time it reached its goal: every replica serving (Ready, listening, in endpoints),
    /// or the Job complete.
    pub goal_at: Option<Millis>,
    pub progress_exceeded: bool,
    pub progress_exceeded_at: Option<Millis>,
    pub job: JobRt,
    pub compose_pending: u16,
    pub compose_failed: bool,
    pub compose_waiting_on: Option<u32>,
    pub restarts: u32,
    pub penalty_ms: Millis,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct JobRt {
    pub active: u32,
    pub succeeded: u32,
    pub failures: u32,
    pub restarts: u32,
    pub done: bool,
    pub deadline_failed: bool,
}

impl ActorRt {
    pub fn reset(&mut self) {
        let mut pods = std::mem::take(&mut self.pods);
        pods.clear();
        *self = ActorRt { pods, ..ActorRt::default() };
    }
}

impl World<'_> {
    /// The deploy plan created the object.
    pub(super) fn create_actor(&mut self, actor: u32) {
        if self.actors[actor as usize].created.is_some() {
            return;
        }
        self.actors[actor as usize].created = Some(self.now);
        self.log_actor(actor, What::Created);
        let spec = &self.c.p.actors[actor as usize];
        match spec.kind {
            WorkloadKind::CronJob => {}
            WorkloadKind::Pod => {
                self.new_pod(actor);
            }
            WorkloadKind::ComposeService => self.compose_begin(actor),
            kind => {
                if kind == WorkloadKind::Deployment {
                    let d = spec.rollout.progress_deadline_ms.unwrap_or(defaults::PROGRESS_DEADLINE_MS);
                    self.after(d, Ev::ProgressDeadline { actor });
                }
                let d = self.draw(self.pod_key(actor), Purpose::Controller, self.c.p.timing.controller_reaction);
                self.after(d, Ev::ControllerSync { actor });
            }
        }
        self.update_actor(actor);
    }

    /// The controller creates pods: all replicas at once, except StatefulSet's `OrderedReady`
    /// (one at a time, each after the previous is Ready) and Jobs (`parallelism` pods).
    pub(super) fn controller_sync(&mut self, actor: u32) {
        let spec = &self.c.p.actors[actor as usize];
        match spec.kind {
            WorkloadKind::StatefulSet => {
                if spec.replicas > 0 {
                    self.new_pod(actor);
                }
            }
            WorkloadKind::Job => {
                let job = spec.job.unwrap_or_default();
                if let Some(d) = job.active_deadline_ms {
                    self.after(d, Ev::JobDeadline { actor });
                }
                let n = job.parallelism().min(job.completions());
                for _ in 0..n {
                    self.job_new_pod(actor);
                }
            }
            _ => {
                for _ in 0..spec.replicas {
                    self.new_pod(actor);
                }
            }
        }
    }

    fn job_new_pod(&mut self, actor: u32) {
        self.actors[actor as usize].job.active += 1;
        self.new_pod(actor);
    }

    pub(super) fn job_create_pod(&mut self, actor: u32) {
        if !self.actors[actor as usize].job.done {
            self.job_new_pod(actor);
        }
    }

    /// A pod of the actor finished. For a Job: count it, retry after the pod-failure backoff
    /// (10 s · 2^(failures−1), cap 10 min) until `backoffLimit` is exceeded. (research A4)
    pub(super) fn job_pod_finished(&mut self, actor: u32, ok: bool) {
        let spec = &self.c.p.actors[actor as usize];
        if spec.kind != WorkloadKind::Job || self.actors[actor as usize].job.done {
            return;
        }
        let job = spec.job.unwrap_or_default();
        let j = &mut self.actors[actor as usize].job;
        j.active = j.active.saturating_sub(1);
        if ok {
            j.succeeded += 1;
            if j.succeeded >= job.completions() {
                self.job_complete(actor);
            } else if j.succeeded + j.active < job.completions() && j.active < job.parallelism() {
                self.job_new_pod(actor);
            }
        } else {
            j.failures += 1;
            if j.failures > job.backoff_limit() {
                self.job_fail(actor, false);
            } else {
                let d = job_pod_backoff(j.failures);
                self.after(d, Ev::JobCreatePod { actor });
            }
        }
    }

    /// `restartPolicy: OnFailure`: container restarts count against `backoffLimit`
    /// (job_controller.go `pastBackoffLimitOnFailure`: restarts ≥ limit, or > 0 for limit 0). (research A4)
    pub(super) fn job_container_restarted(&mut self, actor: u32) {
        let limit = self.c.p.actors[actor as usize].job.unwrap_or_default().backoff_limit();
        let j = &mut self.actors[actor as usize].job;
        j.restarts += 1;
        if !j.done && (j.restarts >= limit || limit == 0) {
            self.job_fail(actor, false);
        }
    }

    pub(super) fn job_deadline(&mut self, actor: u32) {
        if !self.actors[actor as usize].job.done {
            self.job_fail(actor, true);
        }
    }

    fn job_complete(&mut self, actor: u32) {
        let a = &mut self.actors[actor as usize];
        a.job.done = true;
        a.completed = true;
        self.log_actor(actor, What::JobComplete);
        self.kill_active_pods(actor);
        self.update_actor(actor);
    }

    fn job_fail(&mut self, actor: u32, deadline: bool) {
        let a = &mut self.actors[actor as usize];
        a.job.done = true;
        a.job.deadline_failed = deadline;
        a.failed = true;
        self.log_actor(actor, What::JobFailed { deadline });
        self.kill_active_pods(actor);
        self.update_actor(actor);
    }

    fn kill_active_pods(&mut self, actor: u32) {
        let n = self.actors[actor as usize].pods.len();
        for i in 0..n {
            let pod = self.actors[actor as usize].pods[i];
            self.kill_pod(pod);
        }
    }

    pub(super) fn progress_deadline(&mut self, actor: u32) {
        let spec = &self.c.p.actors[actor as usize];
        if self.actors[actor as usize].ready < spec.replicas.max(1) {
            let now = self.now;
            let a = &mut self.actors[actor as usize];
            a.progress_exceeded = true;
            a.progress_exceeded_at = Some(now);
            self.log_actor(actor, What::ProgressDeadlineExceeded);
            self.notify(actor);
        }
    }

    /// A pod turned Ready: StatefulSet's next pod.
    pub(super) fn pod_became_ready(&mut self, pod: u32) {
        let actor = self.pods[pod as usize].actor;
        let spec = &self.c.p.actors[actor as usize];
        let a = &self.actors[actor as usize];
        if spec.kind == WorkloadKind::StatefulSet && a.next_ordinal < spec.replicas {
            self.new_pod(actor);
        }
    }

    /// One more replica serves (listening and routable): NX902 if a migration it needs has not
    /// completed.
    fn serving_more(&mut self, actor: u32) {
        let n = self.c.requires[actor as usize].len();
        for i in 0..n {
            let m = self.c.requires[actor as usize][i];
            if self.mig_done[m as usize].is_none() {
                self.add_finding(Finding {
                    kind: FindingKind::MigrationOverlap,
                    primary: Subject::Actor(ActorId(actor)),
                    secondary: Some(Subject::Migration(m)),
                    time_ms: self.now,
                    detail: Detail::MigrationOverlap { app: ActorId(actor), migration: m },
                });
            }
        }
    }

    /// Compose: wait for every `depends_on` condition, then start the containers. (research A6)
    fn compose_begin(&mut self, actor: u32) {
        let n = self.c.compose_gates[actor as usize].len();
        self.actors[actor as usize].compose_pending = n as u16;
        if n == 0 {
            self.compose_start(actor);
            return;
        }
        for i in 0..n {
            let g = self.c.compose_gates[actor as usize][i] as usize;
            if let GateKind::ComposeDependsOn { provider, condition, required } = self.c.p.gates[g].kind {
                let (lvl, poll) = match condition {
                    // Handled by the dependency-order graph alone: no polling. (research A6)
                    ComposeCondition::ServiceStarted => (Lvl::Started, 0),
                    ComposeCondition::ServiceHealthy => (Lvl::ComposeHealthy, defaults::COMPOSE_POLL_MS),
                    ComposeCondition::ServiceCompletedSuccessfully => (Lvl::Completed, defaults::COMPOSE_POLL_MS),
                };
                self.actors[actor as usize].compose_waiting_on = Some(provider.0);
                self.log_actor(actor, What::WaitBegan { provider });
                self.wait_for(Owner::Compose { actor, required }, provider.0, lvl, poll, None, true);
            }
        }
    }

    pub(super) fn compose_gate_resolved(&mut self, actor: u32, provider: u32, ok: bool, required: bool) {
        if self.actors[actor as usize].compose_failed {
            return;
        }
        let provider_id = ActorId(provider);
        if ok {
            self.log_actor(actor, What::WaitPassed { provider: provider_id });
        } else {
            self.log_actor(actor, What::WaitFailed { provider: provider_id });
            if required {
                let a = &mut self.actors[actor as usize];
                a.compose_failed = true;
                a.compose_waiting_on = Some(provider);
                self.log_actor(actor, What::DependencyFailed);
                self.update_actor(actor);
                return;
            }
        }
        let a = &mut self.actors[actor as usize];
        a.compose_pending = a.compose_pending.saturating_sub(1);
        if a.compose_pending == 0 {
            a.compose_waiting_on = None;
            self.compose_start(actor);
        }
    }

    fn compose_start(&mut self, actor: u32) {
        for _ in 0..self.c.p.actors[actor as usize].replicas.max(1) {
            self.new_pod(actor);
        }
    }

    /// Recomputes a workload's summary from its pods; notifies its waiters.
    pub(super) fn update_actor(&mut self, actor: u32) {
        let (mut running, mut available, mut ready, mut healthy, mut unhealthy, mut succeeded) = (0, 0, 0, 0, 0, 0);
        let n = self.actors[actor as usize].pods.len();
        for i in 0..n {
            let pod = self.actors[actor as usize].pods[i];
            let p = self.pods[pod as usize];
            let serving = self.c.p.actors[actor as usize].serving_container;
            let c = &self.conts[(p.first + u32::from(p.n_init) + u32::from(serving)) as usize];
            running += u32::from(c.state == super::pod::CState::Running);
            available += u32::from(self.pod_available(pod));
            ready += u32::from(p.ready);
            healthy += u32::from(c.health == super::pod::Health::Healthy);
            unhealthy += u32::from(c.health == super::pod::Health::Unhealthy);
            succeeded += u32::from(p.phase == super::pod::PodPhase::Succeeded);
        }
        let now = self.now;
        let spec = &self.c.p.actors[actor as usize];
        let one_shot = matches!(
            spec.containers.get(usize::from(spec.serving_container)).map(|c| c.lifecycle),
            Some(Lifecycle::RunToCompletion { .. })
        );
        let a = &mut self.actors[actor as usize];
        if a.available == 0 && available > 0 {
            a.avail_since = now;
        }
        let more = available > a.available;
        a.running = running;
        a.available = available;
        a.ready = ready;
        a.healthy = healthy;
        a.unhealthy = unhealthy;
        if spec.kind == WorkloadKind::ComposeService {
            let replicas = spec.replicas.max(1);
            a.dead = a.dead_pods > 0 && running == 0 && n as u32 >= replicas;
            if one_shot && succeeded >= replicas {
                a.completed = true;
            }
        }
        let goal = match spec.kind {
            WorkloadKind::Job => a.completed,
            WorkloadKind::CronJob => false,
            WorkloadKind::ComposeService if one_shot => a.completed,
            // Serving: every replica Ready, listening and in its Service's endpoints.
            _ => a.created.is_some() && available >= spec.replicas.max(1),
        };
        let new_goal = goal && a.goal_at.is_none();
        if new_goal {
            a.goal_at = Some(now);
        }
        for lvl in Lvl::ALL {
            if self.actors[actor as usize].first[lvl.index()].is_none()
                && self.eval(actor, lvl, false) == Res::Satisfied
            {
                self.actors[actor as usize].first[lvl.index()] = Some(now);
            }
        }
        if more {
            self.serving_more(actor);
        }
        if new_goal && spec.kind != WorkloadKind::Job {
            self.log_actor(actor, What::ActorReady);
        }
        self.notify(actor);
    }
}
