//! Probes and healthchecks.
//!
//! Probes are evaluated where their outcome can change, not on every tick: a probe succeeds
//! exactly when the container listens (C4), and listening only starts once per run and ends
//! with the run. So a run schedules at most one liveness or startup kill (the
//! `failureThreshold`-th tick that finds the container not listening) and one readiness pass
//! (the `successThreshold`-th tick that finds it listening). Ticks fall on `start + k·period`
//! with `k·period ≥ initialDelaySeconds` (prober `worker.go`: the first probe runs at once,
//! then every period; probes inside the initial delay are skipped). (research A2)
//!
//! Docker healthchecks tick one interval after start (every `start_interval` inside
//! `start_period`), and stop ticking once unhealthy and not listening, until it listens. (research A6)

use super::pod::Health;
use super::wait::next_grid;
use super::{Ev, World};
use crate::log::What;
use crate::spec::{Millis, Probe, Slot};

impl World<'_> {
    pub(super) fn begin_listening(&mut self, cont: u32) {
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

    pub(super) fn sidecar_started(&mut self, cont: u32) {
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
    pub(super) fn schedule_readiness(&mut self, cont: u32) {
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
    /// `starting` do not count; `retries` failures make it unhealthy. (research A6)
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
}

/// The first probe tick at or after `t`: ticks at `start + k·period`, skipping those inside
/// `initialDelaySeconds`. (research A2)
pub(super) fn first_tick(start: Millis, pr: &Probe, t: Millis) -> Millis {
    let period = pr.period();
    let k0 = pr.initial_delay().div_ceil(period);
    let first = start.saturating_add(k0.saturating_mul(period));
    next_grid(first, period, t)
}

/// The tick of the `failureThreshold`-th consecutive failure of a container that never
/// listens: the kill time of a liveness or startup probe. (research A2)
pub(super) fn kill_tick(start: Millis, pr: &Probe) -> Millis {
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
        assert_eq!(crate::defaults::PROBE_PERIOD_MS, Probe::default().period());
    }
}
