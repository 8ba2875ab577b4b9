//! The discrete-event engine: one trial is a pure function of (platform, options, trial seed).
//!
//! Time is integer milliseconds. The queue is a binary heap ordered by (time, sequence number);
//! the sequence number is a per-trial counter, so simultaneous events run in the order they
//! were scheduled and nothing depends on hashing or threads. All state lives in flat vectors
//! that are cleared, not freed, between trials: once a `World` has run one trial of a platform,
//! later trials of similar size allocate nothing.
//!
//! Cancellation is by generation: each container run, plan step and waiter carries a counter,
//! and an event whose counter no longer matches is ignored when it fires.
//!
//! Every random duration goes through `World::draw` with its stream key and purpose: the one
//! place where a trial chooses (`choice`: sampled for Monte Carlo, a level of the plausible
//! interval for PCT and exhaustive exploration, research C6.2–C6.3).
//!
//! Submodules: `pod` (pods, init order, readiness, endpoints), `container` (a container run:
//! gates, connections, work, exits and restarts), `probe` (probes and healthchecks), `wait`
//! (gates and orchestrator waits on providers), `plan` (the deploy plan), `job` (controllers,
//! the Job controller, workload summaries), `oracle` (findings).

pub mod choice;
pub(crate) mod compile;
pub mod config_change;
mod container;
mod job;
mod oracle;
mod plan;
mod pod;
mod probe;
pub mod upgrade;
mod wait;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

pub use compile::SpecError;
pub(crate) use compile::{Compiled, PURPOSE_NAMES, PURPOSES, Purpose};

use crate::defaults::{self, BackoffProfile};
use crate::dist::Dist;
use crate::finding::Finding;
use crate::log::{ExitReason, LogEvent, PLAN_ACTOR, What};
use crate::rng::{self, Xoshiro256StarStar};
use crate::spec::{ActorId, Millis, Slot};

pub(crate) use job::ActorRt;
pub(crate) use plan::PlanRt;
pub(crate) use pod::{Cont, Pod};
pub(crate) use wait::Waiter;

/// What a trial plays.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// A first install: nothing runs yet, the plan creates everything.
    #[default]
    Install,
    /// The plan applied again over a serving platform: the release's workloads roll beside its
    /// migration ([`upgrade`]).
    Upgrade,
    /// A ConfigMap or Secret edited while the platform serves: when each replica sees it
    /// ([`config_change`]).
    ConfigChange,
}

impl Scenario {
    pub fn is_install(&self) -> bool {
        *self == Scenario::Install
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::Install => "install",
            Scenario::Upgrade => "upgrade",
            Scenario::ConfigChange => "config-change",
        }
    }
}

/// Run-wide settings of the engine.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SimOptions {
    /// Omitted from JSON for an install, so install reports keep their shape.
    #[serde(skip_serializing_if = "Scenario::is_install")]
    pub scenario: Scenario,
    pub profile: BackoffProfile,
    /// NX904's T_stall: required workloads must be ready by then; the trial stops there.
    pub deadline_ms: Millis,
    /// Events one trial may process; past it the trial stops, flagged "event budget exceeded".
    pub event_budget: u32,
    /// NX905: `storm_restarts` restarts (at most 16 are tracked) within `storm_window_ms`, or a
    /// backoff penalty of at least `storm_penalty_ms` for one workload.
    pub storm_restarts: u32,
    pub storm_window_ms: Millis,
    pub storm_penalty_ms: Millis,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            scenario: Scenario::Install,
            profile: BackoffProfile::Classic,
            deadline_ms: defaults::STALL_DEADLINE_MS,
            event_budget: defaults::EVENT_BUDGET,
            storm_restarts: defaults::STORM_RESTARTS,
            storm_window_ms: defaults::STORM_WINDOW_MS,
            storm_penalty_ms: defaults::STORM_PENALTY_MS,
        }
    }
}

/// Events. Indices are into the world's vectors; `run`/`epoch` fields are generations.
#[derive(Copy, Clone, Debug)]
pub(crate) enum Ev {
    Create { actor: u32 },
    ControllerSync { actor: u32 },
    Scheduled { pod: u32 },
    Pulled { pod: u32 },
    Start { cont: u32, run: u32 },
    Connect { cont: u32, run: u32, dep: u32 },
    Exit { cont: u32, run: u32, code: i32, reason: ExitReason },
    WorkDone { cont: u32, run: u32 },
    MigDone { cont: u32, run: u32 },
    StartupOk { cont: u32, run: u32, seq: u32 },
    ProbeKill { cont: u32, run: u32, seq: u32, startup: bool },
    ReadyTick { cont: u32, run: u32 },
    HealthTick { cont: u32, run: u32 },
    Endpoints { pod: u32, epoch: u32 },
    WaiterTick { w: u32, epoch: u32 },
    WaiterDeadline { w: u32, epoch: u32 },
    JobCreatePod { actor: u32 },
    JobDeadline { actor: u32 },
    ProgressDeadline { actor: u32 },
    PlanTimer { epoch: u32, timeout: bool },
}

#[derive(Copy, Clone, Debug)]
struct Queued {
    t: Millis,
    seq: u64,
    ev: Ev,
}

impl PartialEq for Queued {
    fn eq(&self, o: &Self) -> bool {
        (self.t, self.seq) == (o.t, o.seq)
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Queued {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.t, self.seq).cmp(&(o.t, o.seq))
    }
}

/// How a trial ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialEnd {
    /// Nothing left to happen.
    Quiescent,
    /// The deadline came with events still pending.
    Deadline,
    /// The event budget ran out.
    BudgetExceeded,
}

pub(crate) struct World<'p> {
    pub c: &'p Compiled<'p>,
    pub opts: SimOptions,
    pub now: Millis,
    seq: u64,
    queue: BinaryHeap<Reverse<Queued>>,
    pub pods: Vec<Pod>,
    pub conts: Vec<Cont>,
    pub actors: Vec<ActorRt>,
    pub waiters: Vec<Waiter>,
    pub watchers: Vec<Vec<u32>>,
    pub scratch: Vec<u32>,
    streams: Vec<Xoshiro256StarStar>,
    stamp: Vec<u64>,
    trial_counter: u64,
    trial_seed: u64,
    pub plan: PlanRt,
    pub findings: Vec<Finding>,
    /// Migration completion times, and the runs in progress (migration, container).
    pub mig_done: Vec<Option<Millis>>,
    pub mig_active: Vec<(u32, u32)>,
    pub log: Option<Vec<LogEvent>>,
    pub events: u32,
    pub end: TrialEnd,
    pub(crate) choice: choice::ChoiceRt,
}

impl<'p> World<'p> {
    pub fn new(c: &'p Compiled<'p>, opts: SimOptions) -> World<'p> {
        let n = c.p.actors.len();
        let keys = c.keys as usize * PURPOSES;
        World {
            c,
            opts,
            now: 0,
            seq: 0,
            queue: BinaryHeap::with_capacity(256),
            pods: Vec::with_capacity(64),
            conts: Vec::with_capacity(128),
            actors: (0..n).map(|_| ActorRt::default()).collect(),
            waiters: Vec::with_capacity(64),
            watchers: vec![Vec::new(); n],
            scratch: Vec::with_capacity(16),
            streams: vec![Xoshiro256StarStar::from_state([1, 2, 3, 4]); keys],
            stamp: vec![u64::MAX; keys],
            trial_counter: 0,
            trial_seed: 0,
            plan: PlanRt::default(),
            findings: Vec::with_capacity(16),
            mig_done: vec![None; c.p.migrations.len()],
            mig_active: Vec::with_capacity(4),
            log: None,
            events: 0,
            end: TrialEnd::Quiescent,
            choice: choice::ChoiceRt::default(),
        }
    }

    fn reset(&mut self, trial_seed: u64) {
        self.now = 0;
        self.seq = 0;
        self.queue.clear();
        self.pods.clear();
        self.conts.clear();
        for a in &mut self.actors {
            a.reset();
        }
        self.waiters.clear();
        for w in &mut self.watchers {
            w.clear();
        }
        self.trial_counter = self.trial_counter.wrapping_add(1);
        self.trial_seed = trial_seed;
        self.plan.reset();
        self.findings.clear();
        for m in &mut self.mig_done {
            *m = None;
        }
        self.mig_active.clear();
        if let Some(l) = &mut self.log {
            l.clear();
        }
        self.events = 0;
        self.end = TrialEnd::Quiescent;
        self.choice.reset(self.stamp.len());
    }

    /// Runs one trial to its end and checks the liveness oracles.
    pub fn run(&mut self, trial_seed: u64) {
        self.reset(trial_seed);
        match self.opts.scenario {
            Scenario::Upgrade => return self.run_upgrade(),
            Scenario::ConfigChange => return self.run_config_change(),
            Scenario::Install => {}
        }
        self.plan_begin();
        let deadline = self.opts.deadline_ms;
        while let Some(Reverse(q)) = self.queue.pop() {
            if q.t > deadline {
                self.now = deadline;
                self.end = TrialEnd::Deadline;
                break;
            }
            self.now = q.t;
            self.events += 1;
            if self.events > self.opts.event_budget {
                self.end = TrialEnd::BudgetExceeded;
                self.log_plan(What::BudgetExceeded);
                break;
            }
            self.dispatch(q.ev);
        }
        self.finish();
    }

    fn dispatch(&mut self, ev: Ev) {
        match ev {
            Ev::Create { actor } => self.create_actor(actor),
            Ev::ControllerSync { actor } => self.controller_sync(actor),
            Ev::Scheduled { pod } => self.pod_scheduled(pod),
            Ev::Pulled { pod } => self.pod_pulled(pod),
            Ev::Start { cont, run } => {
                if self.conts[cont as usize].run == run {
                    self.start_container(cont);
                }
            }
            Ev::Connect { cont, run, dep } => {
                if self.conts[cont as usize].run == run {
                    self.connect(cont, dep);
                }
            }
            Ev::Exit { cont, run, code, reason } => {
                if self.conts[cont as usize].run == run {
                    self.exit_container(cont, code, reason);
                }
            }
            Ev::WorkDone { cont, run } => {
                if self.conts[cont as usize].run == run {
                    self.work_done(cont);
                }
            }
            Ev::MigDone { cont, run } => {
                if self.conts[cont as usize].run == run {
                    self.migration_done(cont);
                }
            }
            Ev::StartupOk { cont, run, seq } => {
                let c = &self.conts[cont as usize];
                if c.run == run && c.kill_seq == seq {
                    self.startup_ok(cont);
                }
            }
            Ev::ProbeKill { cont, run, seq, startup } => {
                let c = &self.conts[cont as usize];
                if c.run == run && c.kill_seq == seq {
                    let reason = if startup { ExitReason::StartupKill } else { ExitReason::LivenessKill };
                    // SIGKILL after the grace period: exit code 137.
                    self.exit_container(cont, 137, reason);
                }
            }
            Ev::ReadyTick { cont, run } => {
                if self.conts[cont as usize].run == run {
                    self.readiness_passed(cont);
                }
            }
            Ev::HealthTick { cont, run } => {
                if self.conts[cont as usize].run == run {
                    self.health_tick(cont);
                }
            }
            Ev::Endpoints { pod, epoch } => self.endpoints_programmed(pod, epoch),
            Ev::WaiterTick { w, epoch } => self.waiter_tick(w, epoch),
            Ev::WaiterDeadline { w, epoch } => self.waiter_deadline(w, epoch),
            Ev::JobCreatePod { actor } => self.job_create_pod(actor),
            Ev::JobDeadline { actor } => self.job_deadline(actor),
            Ev::ProgressDeadline { actor } => self.progress_deadline(actor),
            Ev::PlanTimer { epoch, timeout } => self.plan_timer(epoch, timeout),
        }
    }

    /// Schedules `ev` at `t` (never in the past).
    pub fn at(&mut self, t: Millis, ev: Ev) {
        self.seq += 1;
        self.queue.push(Reverse(Queued { t: t.max(self.now), seq: self.seq, ev }));
    }

    /// `now + d`, saturating.
    pub fn after(&mut self, d: Millis, ev: Ev) {
        self.at(self.now.saturating_add(d), ev);
    }

    /// One duration for stream (key, purpose): the one place a trial chooses (see [`choice`]).
    pub fn draw(&mut self, key: u32, purpose: Purpose, dist: Dist) -> Millis {
        if let Dist::Fixed { ms } = dist {
            return ms.min(crate::dist::MAX_SAMPLE_MS);
        }
        let i = key as usize * PURPOSES + purpose as usize;
        if !self.choice.counts() {
            return self.sample(key, purpose, i, dist);
        }
        self.choose(key, purpose, i, dist)
    }

    fn sample(&mut self, key: u32, purpose: Purpose, i: usize, dist: Dist) -> Millis {
        let (Some(stamp), Some(_)) = (self.stamp.get(i), self.streams.get(i)) else { return dist.median() };
        if *stamp != self.trial_counter {
            self.streams[i] =
                rng::stream(self.trial_seed, self.c.name_hash[key as usize], self.c.purpose_hash[purpose as usize]);
            self.stamp[i] = self.trial_counter;
        }
        dist.sample(&mut self.streams[i])
    }

    /// A draw under PCT or exhaustive levels, or while recording.
    fn choose(&mut self, key: u32, purpose: Purpose, i: usize, dist: Dist) -> Millis {
        let index = self.choice.counters.get(i).copied().unwrap_or(0);
        if let Some(c) = self.choice.counters.get_mut(i) {
            *c += 1;
        }
        let actor = self.c.key_actor.get(key as usize).copied().unwrap_or(0);
        let stream = self.c.name_hash.get(key as usize).copied().unwrap_or(0);
        let value = match &self.choice.choice {
            choice::Choice::Sample => self.sample(key, purpose, i, dist),
            choice::Choice::Levels(l) => {
                self.choice.draws += 1;
                let cp = l.change_points.get(self.choice.next_cp).copied();
                if cp == Some(self.choice.draws) {
                    self.choice.next_cp += 1;
                    if let Some(lv) = self.choice.level.get_mut(actor as usize) {
                        *lv = 1.0;
                    }
                }
                // The first draw of a stream takes the actor's level; its repeats (another
                // replica, a restart, a retry) are new independent draws, and the same extreme
                // every time is not plausible (p^k), so each repeat halves the distance to the
                // median.
                let level = self.choice.level.get(actor as usize).copied().unwrap_or(0.5);
                let level = 0.5 + (level - 0.5) / f64::from(1u32 << index.min(20));
                dist.at_level(level)
            }
            choice::Choice::Override(v) => {
                let slot = (stream, purpose as u8, index);
                v.binary_search_by_key(&slot, |e| e.0).map_or_else(|_| dist.median(), |i| v[i].1)
            }
        };
        if let Some(r) = &mut self.choice.record {
            r.push(choice::DrawRec { stream, actor, purpose: purpose as u8, index, dist, value });
        }
        value
    }

    pub fn log_actor(&mut self, actor: u32, what: What) {
        let t = self.now;
        if let Some(l) = &mut self.log {
            l.push(LogEvent { t, actor: ActorId(actor), pod: None, container: None, what });
        }
    }

    pub fn log_pod(&mut self, pod: u32, what: What) {
        let t = self.now;
        if let Some(l) = &mut self.log {
            let p = &self.pods[pod as usize];
            l.push(LogEvent { t, actor: ActorId(p.actor), pod: Some(p.ordinal), container: None, what });
        }
    }

    pub fn log_cont(&mut self, cont: u32, what: What) {
        let t = self.now;
        if let Some(l) = &mut self.log {
            let c = &self.conts[cont as usize];
            let p = &self.pods[c.pod as usize];
            l.push(LogEvent { t, actor: ActorId(p.actor), pod: Some(p.ordinal), container: Some(c.slot), what });
        }
    }

    pub fn log_plan(&mut self, what: What) {
        let t = self.now;
        if let Some(l) = &mut self.log {
            l.push(LogEvent { t, actor: PLAN_ACTOR, pod: None, container: None, what });
        }
    }

    pub fn slot_key(&self, actor: u32, slot: Slot) -> u32 {
        self.c.shapes[actor as usize].flat(slot)
    }

    pub fn pod_key(&self, actor: u32) -> u32 {
        self.c.shapes[actor as usize].pod_key()
    }
}

impl World<'_> {
    /// The total capacity of every buffer the world owns: unchanged across a trial means the
    /// trial allocated nothing (tests use it; `unsafe` counting allocators are forbidden here).
    pub(crate) fn buffer_capacity(&self) -> usize {
        self.queue.capacity()
            + self.pods.capacity()
            + self.conts.capacity()
            + self.actors.iter().map(|a| a.pods.capacity()).sum::<usize>()
            + self.waiters.capacity()
            + self.watchers.iter().map(Vec::capacity).sum::<usize>()
            + self.scratch.capacity()
            + self.plan.records.capacity()
            + self.plan.waiters.capacity()
            + self.findings.capacity()
            + self.mig_active.capacity()
    }
}
