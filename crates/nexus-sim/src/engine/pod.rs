//! Pods and containers: creation, scheduling and pulls, init containers in order, native
//! sidecars, the program's connections and work, probes and healthchecks, exits and restarts.
//!
//! Probes are evaluated where their outcome can change, not on every tick: a probe succeeds
//! exactly when the container listens (C4), and listening only starts once per run and ends
//! with the run. So a run schedules at most one liveness or startup kill (the
//! `failureThreshold`-th tick that finds the container not listening) and one readiness pass
//! (the `successThreshold`-th tick that finds it listening). Ticks fall on `start + k·period`
//! with `k·period ≥ initialDelaySeconds` (prober `worker.go`: the first probe runs at once,
//! then every period; probes inside the initial delay are skipped). [A2]

use super::wait::{Lvl, Owner, next_grid};
use super::{Ev, Purpose, World};
use crate::defaults::{self, docker_restart_timeout};
use crate::finding::{Detail, Finding, FindingKind, Subject};
use crate::log::{ExitReason, What};
use crate::spec::{
    ActorId, DockerRestart, GateKind, Lifecycle, Millis, OnUnavailable, Probe, RestartPolicy, Slot, WorkloadKind,
};

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum PodPhase {
    Pending,
    Init,
    Running,
    Succeeded,
    Failed,
}

#[derive(Copy, Clone, Debug)]
pub(crate) struct Pod {
    pub actor: u32,
    pub ordinal: u32,
    pub first: u32,
    pub n_init: u16,
    pub n_main: u16,
    pub init_cursor: u16,
    pub phase: PodPhase,
    pub ready: bool,
    pub in_endpoints: bool,
    pub ep_epoch: u32,
    pub compose: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum CState {
    Idle,
    Running,
    BackOff,
    /// Exited for good, with this code.
    Done(i32),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Health {
    None,
    Starting,
    Healthy,
    Unhealthy,
}

#[derive(Copy, Clone, Debug)]
pub(crate) struct Cont {
    pub pod: u32,
    pub actor: u32,
    pub slot: Slot,
    pub key: u32,
    pub run: u32,
    pub state: CState,
    pub started_ok: bool,
    pub listening: bool,
    pub ready: bool,
    pub restarts: u32,
    backoff_step: u32,
    docker_timeout: Millis,
    pub last_start: Millis,
    pending_waits: u16,
    pending_connects: u16,
    doomed: bool,
    work_end: Millis,
    pub mig: Option<u32>,
    pub kill_seq: u32,
    kill_at: Millis,
    pub health: Health,
    health_fails: u32,
    health_next: Millis,
    health_ticking: bool,
    /// The provider a gate of this run waits on.
    pub waiting_on: Option<u32>,
    /// The provider whose refusal made it crash last, and when it exited for it.
    pub refused_by: Option<(u32, Millis)>,
    pub penalty_ms: Millis,
    ring: [Millis; RING],
    ring_n: u32,
    pub storm_restarts: u32,
}

/// The restart times kept per container for NX905 (R is at most this).
const RING: usize = 16;

impl World<'_> {
    fn spec_container(&self, cont: u32) -> &crate::spec::Container {
        let c = &self.conts[cont as usize];
        let a = &self.c.p.actors[c.actor as usize];
        match c.slot {
            Slot::Init(i) => &a.init_containers[usize::from(i)],
            Slot::Main(i) => &a.containers[usize::from(i)],
        }
    }

    /// Creates one pod (or Compose container) of `actor` and schedules its scheduling.
    pub(super) fn new_pod(&mut self, actor: u32) -> u32 {
        let shape = &self.c.shapes[actor as usize];
        let (n_init, n_main) = (shape.n_init, shape.n_main);
        let spec = &self.c.p.actors[actor as usize];
        let compose = spec.kind == WorkloadKind::ComposeService;
        let pod = self.pods.len() as u32;
        let ordinal = self.actors[actor as usize].next_ordinal;
        self.actors[actor as usize].next_ordinal += 1;
        self.actors[actor as usize].pods.push(pod);
        let first = self.conts.len() as u32;
        for i in 0..n_init + n_main {
            let slot = if i < n_init { Slot::Init(i) } else { Slot::Main(i - n_init) };
            let key = self.slot_key(actor, slot);
            self.conts.push(Cont::new(pod, actor, slot, key));
        }
        self.pods.push(Pod {
            actor,
            ordinal,
            first,
            n_init,
            n_main,
            init_cursor: 0,
            phase: PodPhase::Pending,
            ready: false,
            in_endpoints: false,
            ep_epoch: 0,
            compose,
        });
        self.log_pod(pod, What::PodCreated);
        let key = self.pod_key(actor);
        let t = &self.c.p.timing;
        let dist = if compose { t.compose_start } else { spec.schedule.unwrap_or(t.schedule) };
        let d = self.draw(key, Purpose::Schedule, dist);
        self.after(d, Ev::Scheduled { pod });
        pod
    }

    pub(super) fn pod_scheduled(&mut self, pod: u32) {
        self.log_pod(pod, What::PodScheduled);
        let actor = self.pods[pod as usize].actor;
        let dist = self.c.p.actors[actor as usize].image_pull.unwrap_or(self.c.p.timing.image_pull);
        let d = self.draw(self.pod_key(actor), Purpose::Pull, dist);
        self.after(d, Ev::Pulled { pod });
    }

    pub(super) fn pod_pulled(&mut self, pod: u32) {
        if self.pods[pod as usize].phase != PodPhase::Pending {
            return;
        }
        self.log_pod(pod, What::ImagePulled);
        self.pods[pod as usize].phase = PodPhase::Init;
        self.advance_init(pod);
    }

    /// Starts the init container at the cursor, or the main containers once all are done.
    /// Regular init containers run one after another; a native sidecar lets the next one start
    /// once it has `started` (at once, or after its startupProbe). [A3]
    fn advance_init(&mut self, pod: u32) {
        let p = self.pods[pod as usize];
        if p.phase != PodPhase::Init {
            return;
        }
        if p.init_cursor < p.n_init {
            let cont = p.first + u32::from(p.init_cursor);
            if self.conts[cont as usize].state == CState::Idle {
                self.start_container(cont);
            }
            return;
        }
        self.pods[pod as usize].phase = PodPhase::Running;
        for i in 0..p.n_main {
            self.start_container(p.first + u32::from(p.n_init) + u32::from(i));
        }
    }

    /// The container's process starts.
    pub(super) fn start_container(&mut self, cont: u32) {
        let now = self.now;
        let (actor, key, slot, restarts) = {
            let c = &mut self.conts[cont as usize];
            if matches!(c.pod_phase_dead(), true) {
                return;
            }
            c.run = c.run.wrapping_add(1);
            c.state = CState::Running;
            c.last_start = now;
            c.listening = false;
            c.ready = false;
            c.doomed = false;
            c.waiting_on = None;
            (c.actor, c.key, c.slot, c.restarts)
        };
        if matches!(self.pods[self.conts[cont as usize].pod as usize].phase, PodPhase::Succeeded | PodPhase::Failed) {
            return;
        }
        self.actors[actor as usize].started_once = true;
        if restarts > 0 {
            self.record_restart(cont);
        }
        self.log_cont(cont, What::Started { restart: restarts });
        let spec = self.spec_container(cont);
        let (startup, liveness, hc, lifecycle, work, sidecar) =
            (spec.startup, spec.liveness, spec.healthcheck, spec.lifecycle, spec.work, spec.sidecar);
        let has_waits = !self.c.waits[key as usize].is_empty();
        let timing = &self.c.p.timing;
        let work_dist = work.unwrap_or(match lifecycle {
            Lifecycle::Serve => timing.app_listen,
            Lifecycle::RunToCompletion { .. } if has_waits => crate::dist::Dist::ZERO,
            Lifecycle::RunToCompletion { .. } => timing.one_shot_run,
        });
        let w = self.draw(key, Purpose::Work, work_dist);
        let run = self.conts[cont as usize].run;
        self.conts[cont as usize].work_end = now.saturating_add(w);
        // Probes. Without a startupProbe the container is `started` when running. [A2]
        let c = &mut self.conts[cont as usize];
        c.started_ok = startup.is_none();
        c.kill_seq = c.kill_seq.wrapping_add(1);
        c.kill_at = Millis::MAX;
        let seq = c.kill_seq;
        if let Some(pr) = startup {
            let t = kill_tick(now, &pr);
            self.conts[cont as usize].kill_at = t;
            self.at(t, Ev::ProbeKill { cont, run, seq, startup: true });
        } else if let Some(pr) = liveness {
            let t = kill_tick(now, &pr);
            self.conts[cont as usize].kill_at = t;
            self.at(t, Ev::ProbeKill { cont, run, seq, startup: false });
        }
        if let Some(h) = hc {
            // The first check runs one interval after start (start_interval inside a
            // start_period): moby health.go. [A6]
            let first = if h.start_period() > 0 { h.start_interval() } else { h.interval() };
            let c = &mut self.conts[cont as usize];
            c.health = Health::Starting;
            c.health_fails = 0;
            c.health_next = now.saturating_add(first);
            c.health_ticking = true;
            let t = c.health_next;
            self.at(t, Ev::HealthTick { cont, run });
        }
        if sidecar && startup.is_none() {
            self.sidecar_started(cont);
        }
        // Gates of this container, then its connections.
        let n = self.c.waits[key as usize].len();
        self.conts[cont as usize].pending_waits = n as u16;
        for i in 0..n {
            let g = self.c.waits[key as usize][i] as usize;
            if let GateKind::Wait { provider, level, poll_ms, timeout_ms, .. } = self.c.p.gates[g].kind {
                self.log_cont(cont, What::WaitBegan { provider });
                self.conts[cont as usize].waiting_on = Some(provider.0);
                let poll = poll_ms.unwrap_or(self.c.p.timing.poll_ms);
                self.wait_for(Owner::Gate { cont, run }, provider.0, Lvl::from_level(level), poll, timeout_ms, false);
            }
        }
        if n == 0 {
            self.begin_connects(cont);
        }
        let _ = slot;
        self.update_pod(self.conts[cont as usize].pod);
    }

    pub(super) fn gate_resolved(&mut self, cont: u32, run: u32, provider: u32, ok: bool) {
        if self.conts[cont as usize].run != run || self.conts[cont as usize].state != CState::Running {
            return;
        }
        let provider = ActorId(provider);
        if !ok {
            self.log_cont(cont, What::WaitFailed { provider });
            self.exit_container(cont, 1, ExitReason::WaitTimedOut);
            return;
        }
        self.log_cont(cont, What::WaitPassed { provider });
        let c = &mut self.conts[cont as usize];
        c.pending_waits = c.pending_waits.saturating_sub(1);
        if c.pending_waits == 0 {
            c.waiting_on = None;
            self.begin_connects(cont);
        }
    }

    fn begin_connects(&mut self, cont: u32) {
        let key = self.conts[cont as usize].key;
        let run = self.conts[cont as usize].run;
        let n = self.c.deps[key as usize].len();
        self.conts[cont as usize].pending_connects = n as u16;
        if n == 0 {
            self.begin_work(cont);
            return;
        }
        for i in 0..n {
            let dep = self.c.deps[key as usize][i];
            let dist = self.c.p.dependencies[dep as usize].connect_at.unwrap_or(self.c.p.timing.connect_at);
            let d = self.draw(key, Purpose::Connect, dist);
            self.after(d, Ev::Connect { cont, run, dep });
        }
    }

    /// The program connects to a provider (C3 `ConnectAttempt`).
    pub(super) fn connect(&mut self, cont: u32, dep: u32) {
        if self.conts[cont as usize].doomed {
            return;
        }
        let d = &self.c.p.dependencies[dep as usize];
        let (provider, on_unavailable) = (d.provider, d.on_unavailable);
        if self.actors[provider.index()].available > 0 {
            self.connected(cont, provider.0);
            return;
        }
        let actor = self.conts[cont as usize].actor;
        let retry = match on_unavailable {
            OnUnavailable::Retry { interval_ms, give_up_ms } => Some((interval_ms, give_up_ms)),
            OnUnavailable::Crash { .. } if self.c.retries[actor as usize] => Some((None, None)),
            OnUnavailable::Crash { .. } => None,
        };
        let key = self.conts[cont as usize].key;
        if let Some((interval, give_up)) = retry {
            self.log_cont(cont, What::ConnectRefused { provider, crash: false });
            let run = self.conts[cont as usize].run;
            let poll = interval.unwrap_or(self.c.p.timing.poll_ms).max(1);
            self.wait_for(Owner::Retry { cont, run, dep }, provider.0, Lvl::Listening, poll, give_up, false);
            return;
        }
        self.log_cont(cont, What::ConnectRefused { provider, crash: true });
        self.add_finding(Finding {
            kind: FindingKind::EarlyConnect,
            primary: Subject::Dependency(dep),
            secondary: Some(Subject::Actor(provider)),
            time_ms: self.now,
            detail: Detail::EarlyConnect { consumer: ActorId(actor), provider },
        });
        let after = match on_unavailable {
            OnUnavailable::Crash { after } => after.unwrap_or(self.c.p.timing.crash_after_refused),
            OnUnavailable::Retry { .. } => crate::dist::Dist::ZERO,
        };
        let d = self.draw(key, Purpose::Crash, after);
        let c = &mut self.conts[cont as usize];
        c.doomed = true;
        c.refused_by = Some((provider.0, Millis::MAX));
        let run = c.run;
        self.after(d, Ev::Exit { cont, run, code: 1, reason: ExitReason::ConnectFailed });
    }

    pub(super) fn retry_resolved(&mut self, cont: u32, run: u32, dep: u32, ok: bool) {
        if self.conts[cont as usize].run != run || self.conts[cont as usize].state != CState::Running {
            return;
        }
        if ok {
            let provider = self.c.p.dependencies[dep as usize].provider.0;
            self.connected(cont, provider);
        } else {
            self.exit_container(cont, 1, ExitReason::ConnectFailed);
        }
    }

    fn connected(&mut self, cont: u32, provider: u32) {
        self.log_cont(cont, What::Connected { provider: ActorId(provider) });
        // Backoff penalty: time from the provider being reachable to this reconnect, for a
        // container that crashed on it before (research A1 worked example).
        let now = self.now;
        let since = self.actors[provider as usize].avail_since;
        let c = &mut self.conts[cont as usize];
        if let Some((p, exited)) = c.refused_by
            && p == provider
        {
            let from = since.max(if exited == Millis::MAX { now } else { exited });
            let pen = now.saturating_sub(from);
            c.penalty_ms = c.penalty_ms.saturating_add(pen);
            let actor = c.actor as usize;
            c.refused_by = None;
            self.actors[actor].penalty_ms = self.actors[actor].penalty_ms.saturating_add(pen);
            self.penalty_grew(actor as u32);
        }
        let c = &mut self.conts[cont as usize];
        c.pending_connects = c.pending_connects.saturating_sub(1);
        if c.pending_connects == 0 {
            self.begin_work(cont);
        }
    }

    /// Connections made: run the migration if this container has one, then the work.
    fn begin_work(&mut self, cont: u32) {
        let key = self.conts[cont as usize].key;
        let run = self.conts[cont as usize].run;
        if let Some(&m) = self.c.migs[key as usize].first() {
            self.migration_begins(cont, m);
            let dist = self.c.p.migrations[m as usize].duration.unwrap_or(self.c.p.timing.migration);
            let d = self.draw(key, Purpose::Migration, dist);
            self.conts[cont as usize].mig = Some(m);
            self.after(d, Ev::MigDone { cont, run });
            return;
        }
        let t = self.conts[cont as usize].work_end;
        self.at(t, Ev::WorkDone { cont, run });
    }

    pub(super) fn migration_done(&mut self, cont: u32) {
        if let Some(m) = self.conts[cont as usize].mig.take() {
            self.migration_ends(cont, m, true);
        }
        let run = self.conts[cont as usize].run;
        let t = self.conts[cont as usize].work_end.max(self.now);
        self.at(t, Ev::WorkDone { cont, run });
    }

    pub(super) fn work_done(&mut self, cont: u32) {
        match self.spec_container(cont).lifecycle {
            Lifecycle::Serve => self.begin_listening(cont),
            Lifecycle::RunToCompletion { exit_code } => self.exit_container(cont, exit_code, ExitReason::Completed),
        }
    }

    fn begin_listening(&mut self, cont: u32) {
        let now = self.now;
        self.conts[cont as usize].listening = true;
        self.log_cont(cont, What::Listening);
        let spec = self.spec_container(cont);
        let (startup, hc) = (spec.startup, spec.healthcheck);
        let c = self.conts[cont as usize];
        if let Some(pr) = startup
            && !c.started_ok
        {
            let t = first_tick(c.last_start, &pr, now);
            if t <= c.kill_at {
                let cm = &mut self.conts[cont as usize];
                cm.kill_seq = cm.kill_seq.wrapping_add(1);
                let seq = cm.kill_seq;
                self.at(t, Ev::StartupOk { cont, run: c.run, seq });
            }
        } else if startup.is_none() {
            // Listening from now on: liveness cannot fail this run.
            let cm = &mut self.conts[cont as usize];
            cm.kill_seq = cm.kill_seq.wrapping_add(1);
        }
        if self.conts[cont as usize].started_ok {
            self.schedule_readiness(cont);
        }
        if let Some(h) = hc
            && !c.health_ticking
            && c.health != Health::Healthy
        {
            let t = next_grid(c.health_next, h.interval(), now);
            let cm = &mut self.conts[cont as usize];
            cm.health_ticking = true;
            cm.health_next = t;
            self.at(t, Ev::HealthTick { cont, run: c.run });
        }
        self.update_pod(c.pod);
    }

    pub(super) fn startup_ok(&mut self, cont: u32) {
        self.conts[cont as usize].started_ok = true;
        self.log_cont(cont, What::StartupProbePassed);
        if self.spec_container(cont).sidecar {
            self.sidecar_started(cont);
        }
        self.schedule_readiness(cont);
        self.update_pod(self.conts[cont as usize].pod);
    }

    fn sidecar_started(&mut self, cont: u32) {
        let pod = self.conts[cont as usize].pod;
        let p = &mut self.pods[pod as usize];
        if let Slot::Init(i) = self.conts[cont as usize].slot
            && p.init_cursor == i
        {
            p.init_cursor += 1;
            self.advance_init(pod);
        }
    }

    /// Readiness passes at the `successThreshold`-th tick that finds it listening.
    fn schedule_readiness(&mut self, cont: u32) {
        let c = self.conts[cont as usize];
        if !c.listening || !c.started_ok || c.ready {
            return;
        }
        if let Some(pr) = self.spec_container(cont).readiness {
            let t = first_tick(c.last_start, &pr, self.now);
            let t = t.saturating_add(u64::from(pr.success_threshold() - 1).saturating_mul(pr.period()));
            self.at(t, Ev::ReadyTick { cont, run: c.run });
        }
    }

    pub(super) fn readiness_passed(&mut self, cont: u32) {
        self.conts[cont as usize].ready = true;
        self.log_cont(cont, What::ContainerReady);
        self.update_pod(self.conts[cont as usize].pod);
    }

    /// One Docker healthcheck: success iff listening; failures inside `start_period` while
    /// `starting` do not count; `retries` failures make it unhealthy. [A6]
    pub(super) fn health_tick(&mut self, cont: u32) {
        let Some(h) = self.spec_container(cont).healthcheck else { return };
        let now = self.now;
        let c = &mut self.conts[cont as usize];
        let in_start = c.health == Health::Starting && now.saturating_sub(c.last_start) < h.start_period();
        let mut changed = None;
        if c.listening {
            if c.health != Health::Healthy {
                c.health = Health::Healthy;
                changed = Some(What::Healthy);
            }
            c.health_fails = 0;
            c.health_ticking = false;
        } else if !in_start {
            c.health_fails += 1;
            if c.health_fails >= h.retries() && c.health != Health::Unhealthy {
                c.health = Health::Unhealthy;
                changed = Some(What::Unhealthy);
            }
        }
        let next_in_start = c.health == Health::Starting && now.saturating_sub(c.last_start) < h.start_period();
        let step = if next_in_start { h.start_interval() } else { h.interval() };
        c.health_next = now.saturating_add(step);
        // Stop ticking once nothing can change until the container starts listening.
        if c.health == Health::Unhealthy && !c.listening {
            c.health_ticking = false;
        }
        let (ticking, next, run, pod) = (c.health_ticking, c.health_next, c.run, c.pod);
        if ticking {
            self.at(next, Ev::HealthTick { cont, run });
        }
        if let Some(w) = changed {
            self.log_cont(cont, w);
            self.update_pod(pod);
        }
    }

    /// The container exits (crash, kill, completion) and the restart policy decides what next.
    pub(super) fn exit_container(&mut self, cont: u32, code: i32, reason: ExitReason) {
        let now = self.now;
        let c = self.conts[cont as usize];
        if c.state != CState::Running {
            return;
        }
        if let Some(m) = c.mig {
            self.migration_ends(cont, m, false);
            self.conts[cont as usize].mig = None;
        }
        {
            let cm = &mut self.conts[cont as usize];
            cm.run = cm.run.wrapping_add(1);
            cm.kill_seq = cm.kill_seq.wrapping_add(1);
            cm.listening = false;
            cm.ready = false;
            cm.started_ok = false;
            cm.health = Health::None;
            cm.health_ticking = false;
            cm.waiting_on = None;
            if let Some((p, _)) = cm.refused_by
                && reason == ExitReason::ConnectFailed
            {
                cm.refused_by = Some((p, now));
            }
        }
        self.log_cont(cont, What::Exited { code, reason });
        let pod = c.pod;
        let p = self.pods[pod as usize];
        let spec = &self.c.p.actors[c.actor as usize];
        let sidecar = self.spec_container(cont).sidecar;
        let is_init = matches!(c.slot, Slot::Init(_)) && !sidecar;
        let pod_over = matches!(p.phase, PodPhase::Succeeded | PodPhase::Failed) || reason == ExitReason::JobKilled;
        let restart = !pod_over
            && if p.compose {
                match spec.compose_restart {
                    DockerRestart::No => false,
                    DockerRestart::Always | DockerRestart::UnlessStopped => true,
                    DockerRestart::OnFailure { max_retries } => {
                        code != 0 && (max_retries == 0 || c.restarts < max_retries)
                    }
                }
            } else if sidecar {
                true
            } else {
                match (spec.restart_policy, is_init) {
                    (RestartPolicy::Never, _) => false,
                    (RestartPolicy::OnFailure, _) | (RestartPolicy::Always, true) => code != 0,
                    (RestartPolicy::Always, false) => true,
                }
            };
        if restart {
            let ran = now.saturating_sub(c.last_start);
            let delay = if p.compose {
                let t = docker_restart_timeout(c.docker_timeout, ran);
                self.conts[cont as usize].docker_timeout = t;
                t
            } else {
                // CrashLoopBackOff from FinishedAt; fresh after a long run. [A1]
                let profile = self.opts.profile;
                let cm = &mut self.conts[cont as usize];
                if ran > profile.reset_after() {
                    cm.backoff_step = 0;
                }
                let d = profile.delay(cm.backoff_step);
                cm.backoff_step = cm.backoff_step.saturating_add(1);
                let jitter = self.draw(c.key, Purpose::Jitter, self.c.p.timing.kubelet_jitter);
                d.saturating_add(jitter)
            };
            let cm = &mut self.conts[cont as usize];
            cm.state = CState::BackOff;
            cm.restarts = cm.restarts.saturating_add(1);
            let run = cm.run;
            self.actors[c.actor as usize].restarts = self.actors[c.actor as usize].restarts.saturating_add(1);
            self.log_cont(cont, What::BackOff { delay_ms: delay });
            self.after(delay, Ev::Start { cont, run });
            if spec.kind == WorkloadKind::Job && spec.restart_policy == RestartPolicy::OnFailure {
                self.job_container_restarted(c.actor);
            }
        } else {
            self.conts[cont as usize].state = CState::Done(code);
            if is_init && !pod_over {
                if code == 0 {
                    self.pods[pod as usize].init_cursor += 1;
                    self.advance_init(pod);
                } else {
                    self.pod_finished(pod, false);
                }
            } else if !pod_over {
                self.check_pod_done(pod);
            }
        }
        if p.compose && !restart {
            self.actors[c.actor as usize].dead_pods = self.actors[c.actor as usize].dead_pods.saturating_add(1);
        }
        self.update_pod(pod);
    }

    /// Every main container done: the pod succeeded (all exit 0) or failed.
    fn check_pod_done(&mut self, pod: u32) {
        let p = self.pods[pod as usize];
        let mains = (p.first + u32::from(p.n_init))..(p.first + u32::from(p.n_init) + u32::from(p.n_main));
        let mut all_ok = true;
        for i in mains {
            match self.conts[i as usize].state {
                CState::Done(0) => {}
                CState::Done(_) => all_ok = false,
                _ => return,
            }
        }
        self.pod_finished(pod, all_ok);
    }

    /// The pod reached Succeeded or Failed; sidecars and other containers are stopped.
    pub(super) fn pod_finished(&mut self, pod: u32, ok: bool) {
        let p = self.pods[pod as usize];
        if matches!(p.phase, PodPhase::Succeeded | PodPhase::Failed) {
            return;
        }
        self.pods[pod as usize].phase = if ok { PodPhase::Succeeded } else { PodPhase::Failed };
        self.log_pod(pod, if ok { What::PodSucceeded } else { What::PodFailed });
        for i in p.first..p.first + u32::from(p.n_init) + u32::from(p.n_main) {
            if self.conts[i as usize].state == CState::Running {
                self.exit_container(i, 0, ExitReason::Completed);
            }
            if self.conts[i as usize].state == CState::BackOff {
                let cm = &mut self.conts[i as usize];
                cm.run = cm.run.wrapping_add(1);
                cm.state = CState::Done(0);
            }
        }
        self.update_pod(pod);
        self.job_pod_finished(p.actor, ok);
    }

    /// Kills every container of a pod (Job failed or past its deadline).
    pub(super) fn kill_pod(&mut self, pod: u32) {
        let p = self.pods[pod as usize];
        if matches!(p.phase, PodPhase::Succeeded | PodPhase::Failed) {
            return;
        }
        self.pods[pod as usize].phase = PodPhase::Failed;
        for i in p.first..p.first + u32::from(p.n_init) + u32::from(p.n_main) {
            match self.conts[i as usize].state {
                CState::Running => self.exit_container(i, 137, ExitReason::JobKilled),
                CState::BackOff | CState::Idle => {
                    let cm = &mut self.conts[i as usize];
                    cm.run = cm.run.wrapping_add(1);
                    cm.state = CState::Done(137);
                }
                CState::Done(_) => {}
            }
        }
        self.log_pod(pod, What::PodFailed);
        self.update_pod(pod);
    }

    /// Recomputes the pod's readiness; a change programs or removes its endpoints.
    pub(super) fn update_pod(&mut self, pod: u32) {
        let p = self.pods[pod as usize];
        let mut ready = p.phase == PodPhase::Running;
        if ready {
            for i in 0..p.n_init + p.n_main {
                let cont = p.first + u32::from(i);
                let c = &self.conts[cont as usize];
                let spec = self.spec_container(cont);
                let counts = if i < p.n_init { spec.sidecar && spec.readiness.is_some() } else { true };
                if !counts {
                    continue;
                }
                let ok = if p.compose {
                    c.state == CState::Running
                        && if spec.healthcheck.is_some() { c.health == Health::Healthy } else { c.listening }
                } else if spec.readiness.is_some() {
                    c.ready
                } else {
                    c.state == CState::Running && c.started_ok
                };
                if !ok {
                    ready = false;
                    break;
                }
            }
        }
        if ready != p.ready {
            self.pods[pod as usize].ready = ready;
            if ready {
                self.log_pod(pod, What::PodReady);
                if p.compose {
                    self.pods[pod as usize].in_endpoints = true;
                } else {
                    let epoch = p.ep_epoch;
                    let d = self.draw(self.pod_key(p.actor), Purpose::Endpoint, self.c.p.timing.endpoint_programming);
                    self.after(d, Ev::Endpoints { pod, epoch });
                }
                self.pod_became_ready(pod);
            } else {
                self.log_pod(pod, What::PodNotReady);
                let pm = &mut self.pods[pod as usize];
                pm.in_endpoints = false;
                pm.ep_epoch = pm.ep_epoch.wrapping_add(1);
            }
        }
        self.update_actor(p.actor);
    }

    pub(super) fn endpoints_programmed(&mut self, pod: u32, epoch: u32) {
        let p = self.pods[pod as usize];
        if p.ep_epoch != epoch || !p.ready {
            return;
        }
        self.pods[pod as usize].in_endpoints = true;
        self.log_pod(pod, What::InEndpoints);
        self.update_actor(p.actor);
    }

    /// Can a client connect to this pod? Its serving container listens and it is routable.
    pub(super) fn pod_available(&self, pod: u32) -> bool {
        let p = &self.pods[pod as usize];
        let serving = self.c.p.actors[p.actor as usize].serving_container;
        let c = &self.conts[(p.first + u32::from(p.n_init) + u32::from(serving)) as usize];
        c.listening && c.state == CState::Running && (p.compose || p.in_endpoints)
    }

    fn record_restart(&mut self, cont: u32) {
        let (restarts, window) = (self.opts.storm_restarts.clamp(1, RING as u32), self.opts.storm_window_ms);
        let now = self.now;
        let c = &mut self.conts[cont as usize];
        c.ring[(c.ring_n as usize) % RING] = now;
        c.ring_n = c.ring_n.saturating_add(1);
        if c.ring_n >= restarts {
            let oldest = c.ring[((c.ring_n - restarts) as usize) % RING];
            if now.saturating_sub(oldest) <= window && c.storm_restarts == 0 {
                c.storm_restarts = restarts;
                let actor = c.actor;
                self.add_finding(Finding {
                    kind: FindingKind::CrashloopStorm,
                    primary: Subject::Actor(ActorId(actor)),
                    secondary: None,
                    time_ms: now,
                    detail: Detail::CrashloopStorm { restarts_in_window: restarts, penalty_ms: 0 },
                });
            }
        }
    }
}

impl Cont {
    fn new(pod: u32, actor: u32, slot: Slot, key: u32) -> Cont {
        Cont {
            pod,
            actor,
            slot,
            key,
            run: 0,
            state: CState::Idle,
            started_ok: false,
            listening: false,
            ready: false,
            restarts: 0,
            backoff_step: 0,
            docker_timeout: 0,
            last_start: 0,
            pending_waits: 0,
            pending_connects: 0,
            doomed: false,
            work_end: 0,
            mig: None,
            kill_seq: 0,
            kill_at: Millis::MAX,
            health: Health::None,
            health_fails: 0,
            health_next: 0,
            health_ticking: false,
            waiting_on: None,
            refused_by: None,
            penalty_ms: 0,
            ring: [0; RING],
            ring_n: 0,
            storm_restarts: 0,
        }
    }

    fn pod_phase_dead(&self) -> bool {
        matches!(self.state, CState::Done(_))
    }
}

/// The first probe tick at or after `t`: ticks at `start + k·period`, skipping those inside
/// `initialDelaySeconds`. [A2]
fn first_tick(start: Millis, pr: &Probe, t: Millis) -> Millis {
    let period = pr.period();
    let k0 = pr.initial_delay().div_ceil(period);
    let first = start.saturating_add(k0.saturating_mul(period));
    next_grid(first, period, t)
}

/// The tick of the `failureThreshold`-th consecutive failure of a container that never
/// listens: the kill time of a liveness or startup probe. [A2]
fn kill_tick(start: Millis, pr: &Probe) -> Millis {
    let first = first_tick(start, pr, start);
    first.saturating_add(u64::from(pr.failure_threshold() - 1).saturating_mul(pr.period()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn liveness_with_defaults_kills_at_20_s() {
        // Ticks at 0, 10, 20 s; the third consecutive failure kills (A2 "Critical derived rule").
        assert_eq!(kill_tick(0, &Probe::default()), 20_000);
        let p = Probe { initial_delay_ms: Some(30_000), ..Probe::default() };
        assert_eq!(kill_tick(5_000, &p), 55_000);
        let p = Probe { initial_delay_ms: Some(5_000), period_ms: Some(10_000), ..Probe::default() };
        assert_eq!(first_tick(0, &p, 0), 10_000);
        assert_eq!(first_tick(0, &p, 10_001), 20_000);
    }

    #[test]
    fn default_constants_are_wired() {
        assert_eq!(defaults::PROBE_PERIOD_MS, Probe::default().period());
    }
}
