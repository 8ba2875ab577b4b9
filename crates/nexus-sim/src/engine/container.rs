//! Containers: a run starts, passes its gates (init-container and entrypoint waits), connects
//! to its providers (crashing, or retrying, when one is not reachable), runs its migration and
//! its work, then listens or exits; on exit the restart policy decides (kubelet CrashLoopBackOff
//! from `FinishedAt`, Docker's restart manager for Compose). (research A1, A3, A6)

use super::pod::{CState, Health, PodPhase};
use super::probe::kill_tick;
use super::wait::{Lvl, Owner};
use super::{Ev, Purpose, World};
use crate::defaults::docker_restart_timeout;
use crate::finding::{Detail, Finding, FindingKind, Subject};
use crate::log::{ExitReason, What};
use crate::spec::{
    ActorId, DockerRestart, GateKind, Lifecycle, Millis, OnUnavailable, RestartPolicy, Slot, WorkloadKind,
};

impl World<'_> {
    /// The container's process starts.
    pub(super) fn start_container(&mut self, cont: u32) {
        let now = self.now;
        let pod = self.conts[cont as usize].pod;
        if matches!(self.conts[cont as usize].state, CState::Done(_) | CState::Running)
            || matches!(self.pods[pod as usize].phase, PodPhase::Succeeded | PodPhase::Failed)
        {
            return;
        }
        let (actor, key, restarts) = {
            let c = &mut self.conts[cont as usize];
            c.run = c.run.wrapping_add(1);
            c.state = CState::Running;
            c.last_start = now;
            c.listening = false;
            c.ready = false;
            c.doomed = false;
            c.waiting_on = None;
            (c.actor, c.key, c.restarts)
        };
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
        // Probes. Without a startupProbe the container is `started` when running. (research A2)
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
            // start_period): moby health.go. (research A6)
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

    pub(super) fn begin_connects(&mut self, cont: u32) {
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

    pub(super) fn connected(&mut self, cont: u32, provider: u32) {
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
    pub(super) fn begin_work(&mut self, cont: u32) {
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
                // CrashLoopBackOff from FinishedAt; fresh after a long run. (research A1)
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
}
