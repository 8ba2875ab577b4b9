//! Pods: creation, scheduling and pulls, init containers in order (native sidecars release the
//! next one when started), readiness and endpoints, completion and kills. Containers are in
//! `container`, probes and healthchecks in `probe`.

use super::{Ev, Purpose, World};
use crate::finding::{Detail, Finding, FindingKind, Subject};
use crate::log::{ExitReason, What};
use crate::spec::{ActorId, Millis, Slot, WorkloadKind};

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
    pub(crate) backoff_step: u32,
    pub(crate) docker_timeout: Millis,
    pub last_start: Millis,
    pub(crate) pending_waits: u16,
    pub(crate) pending_connects: u16,
    pub(crate) doomed: bool,
    pub(crate) work_end: Millis,
    pub mig: Option<u32>,
    pub kill_seq: u32,
    pub(crate) kill_at: Millis,
    pub health: Health,
    pub(crate) health_fails: u32,
    pub(crate) health_next: Millis,
    pub(crate) health_ticking: bool,
    /// The provider a gate of this run waits on.
    pub waiting_on: Option<u32>,
    /// The provider whose refusal made it crash last, and when it exited for it.
    pub refused_by: Option<(u32, Millis)>,
    pub penalty_ms: Millis,
    pub(crate) ring: [Millis; RING],
    pub(crate) ring_n: u32,
    pub storm_restarts: u32,
}

/// The restart times kept per container for NX905 (R is at most this).
const RING: usize = 16;

impl World<'_> {
    pub(super) fn spec_container(&self, cont: u32) -> &crate::spec::Container {
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
    /// once it has `started` (at once, or after its startupProbe). (research A3)
    pub(super) fn advance_init(&mut self, pod: u32) {
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

    /// Every main container done: the pod succeeded (all exit 0) or failed.
    pub(super) fn check_pod_done(&mut self, pod: u32) {
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

    pub(super) fn record_restart(&mut self, cont: u32) {
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
}
