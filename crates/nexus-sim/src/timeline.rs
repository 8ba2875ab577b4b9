//! One trial's event log as a Gantt chart's data: a row per container (and one for the deploy
//! plan), each a sequence of phase bars, plus point marks (refused connections, restarts,
//! kills). The SVG and the text timeline both draw from this.

use crate::finding::{Finding, Subject};
use crate::log::{ExitReason, LogEvent, PLAN_ACTOR, What};
use crate::spec::{ActorId, Millis, SimPlatform, Slot};

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Pod created, not scheduled yet; or waiting for earlier init containers.
    Pending,
    /// Scheduled, pulling images.
    Pulling,
    /// A gate waits on a provider.
    Waiting,
    /// A regular init container or a one-shot (Job) container runs.
    Init,
    /// Process started, not listening yet.
    Starting,
    /// Listening, pod not Ready.
    NotReady,
    Ready,
    /// Exited, waiting out the restart backoff.
    BackOff,
    /// Exited 0 for good.
    Completed,
    /// Exited non-zero for good, or killed.
    Failed,
    /// A deploy-plan step runs.
    Step,
}

impl Phase {
    pub const ALL: [Phase; 10] = [
        Phase::Pending,
        Phase::Pulling,
        Phase::Waiting,
        Phase::Init,
        Phase::Starting,
        Phase::NotReady,
        Phase::Ready,
        Phase::BackOff,
        Phase::Completed,
        Phase::Failed,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Phase::Pending => "pending",
            Phase::Pulling => "pulling",
            Phase::Waiting => "waiting (gate)",
            Phase::Init => "init / job running",
            Phase::Starting => "starting",
            Phase::NotReady => "running, not ready",
            Phase::Ready => "ready",
            Phase::BackOff => "crashed / back-off",
            Phase::Completed => "completed",
            Phase::Failed => "failed",
            Phase::Step => "deploy step",
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    pub from: Millis,
    pub to: Millis,
    pub phase: Phase,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum MarkKind {
    /// A connection refused (the consumer will crash, or retries).
    Refused { crash: bool },
    /// The container restarted.
    Restart,
    /// Killed by a probe.
    Killed,
    /// A wait or deploy step failed.
    Failed,
    /// The kubelet rewrote the pod's files of an edited config (config-change scenario).
    ConfigUpdated,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub t: Millis,
    pub kind: MarkKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// `nexus-backend[1]/backend`, or `deploy`.
    pub label: String,
    pub actor: ActorId,
    pub bars: Vec<Bar>,
    pub marks: Vec<Mark>,
    /// The row takes part in the highlighted race.
    pub highlight: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeline {
    pub rows: Vec<Row>,
    pub end: Millis,
    /// The highlighted finding's time and label.
    pub race: Option<(Millis, String)>,
}

/// The actors a finding is about.
pub fn finding_actors(p: &SimPlatform, f: &Finding) -> Vec<ActorId> {
    let mut v = Vec::new();
    for s in std::iter::once(f.primary).chain(f.secondary) {
        match s {
            Subject::Actor(a) => v.push(a),
            Subject::Dependency(i) => {
                if let Some(d) = p.dependencies.get(i as usize) {
                    v.extend([d.consumer, d.provider]);
                }
            }
            Subject::Migration(i) => {
                if let Some(m) = p.migrations.get(i as usize) {
                    v.extend([m.runner, m.datastore]);
                }
            }
            Subject::Step(i) => {
                v.push(PLAN_ACTOR);
                if let Some(step) = p.plan.steps.get(i as usize) {
                    v.extend(step.targets().iter().copied());
                }
            }
            // The edit is logged on the deploy row.
            Subject::Config(_) => v.push(PLAN_ACTOR),
            Subject::ConfigUse(i) => v.extend(p.config_uses.get(i as usize).map(|u| u.actor)),
        }
    }
    if let crate::finding::Detail::Stall { chain, len, .. } = f.detail {
        v.extend(chain[..usize::from(len)].iter().copied());
    }
    v.sort();
    v.dedup();
    v
}

#[derive(Clone)]
struct RowState {
    key: (ActorId, u32, Slot),
    row: Row,
    phase: Option<(Phase, Millis)>,
    running: bool,
    listening: bool,
    waiting: bool,
    init: bool,
}

impl RowState {
    /// The row of one container of a pod, labelled as the log names it, starting in `phase`.
    fn new(p: &SimPlatform, e: &LogEvent, pod: u32, slot: Slot, highlight: bool, phase: (Phase, Millis)) -> RowState {
        let ev = LogEvent { container: Some(slot), ..*e };
        RowState {
            key: (e.actor, pod, slot),
            row: Row {
                label: crate::log::subject(p, &ev),
                actor: e.actor,
                bars: Vec::new(),
                marks: Vec::new(),
                highlight,
            },
            phase: Some(phase),
            running: false,
            listening: false,
            waiting: false,
            init: matches!(slot, Slot::Init(_)),
        }
    }

    fn set(&mut self, t: Millis, phase: Option<Phase>) {
        if self.phase.map(|p| p.0) == phase {
            return;
        }
        if let Some((ph, from)) = self.phase
            && t > from
        {
            self.row.bars.push(Bar { from, to: t, phase: ph });
        }
        self.phase = phase.map(|p| (p, t));
    }

    fn running_phase(&self, pod_ready: bool) -> Phase {
        if self.waiting {
            Phase::Waiting
        } else if !self.listening {
            if self.init { Phase::Init } else { Phase::Starting }
        } else if pod_ready {
            Phase::Ready
        } else {
            Phase::NotReady
        }
    }
}

/// Builds the chart's rows from a log; `race` highlights a finding.
pub fn build(p: &SimPlatform, log: &[LogEvent], race: Option<&Finding>) -> Timeline {
    let end = log.last().map_or(0, |e| e.t).max(race.map_or(0, |f| f.time_ms));
    let hot = race.map(|f| finding_actors(p, f)).unwrap_or_default();
    let mut rows: Vec<RowState> = Vec::new();
    let mut plan = Row {
        label: "deploy".into(),
        actor: PLAN_ACTOR,
        bars: Vec::new(),
        marks: Vec::new(),
        highlight: hot.contains(&PLAN_ACTOR),
    };
    let mut step_open: Option<Millis> = None;
    // Pod-level state: (actor, pod) → ready.
    let mut pod_ready: Vec<((ActorId, u32), bool)> = Vec::new();
    for e in log {
        if e.actor == PLAN_ACTOR {
            match e.what {
                What::StepStarted { .. } => step_open = Some(e.t),
                What::StepSucceeded { .. } | What::StepFailed { .. } => {
                    if let Some(from) = step_open.take() {
                        plan.bars.push(Bar { from, to: e.t.max(from.saturating_add(1)), phase: Phase::Step });
                    }
                    if matches!(e.what, What::StepFailed { .. }) {
                        plan.marks.push(Mark { t: e.t, kind: MarkKind::Failed });
                    }
                }
                _ => {}
            }
            continue;
        }
        let Some(pod) = e.pod else { continue };
        let actor = &p.actors[e.actor.index().min(p.actors.len().saturating_sub(1))];
        let pkey = (e.actor, pod);
        let ready = match pod_ready.iter_mut().find(|(k, _)| *k == pkey) {
            Some((_, r)) => r,
            None => {
                pod_ready.push((pkey, false));
                &mut pod_ready.last_mut().expect("just pushed").1
            }
        };
        match e.what {
            What::PodReady => *ready = true,
            What::PodNotReady => *ready = false,
            _ => {}
        }
        let ready = *ready;
        match e.container {
            None => {
                // A config change's pods already serve: their row starts Ready at 0 and marks
                // when the kubelet rewrote their files.
                if let What::ConfigSeen { .. } = e.what {
                    let slot = Slot::Main(actor.serving_container);
                    let i = match rows.iter().position(|r| r.key == (e.actor, pod, slot)) {
                        Some(i) => i,
                        None => {
                            let mut r = RowState::new(p, e, pod, slot, hot.contains(&e.actor), (Phase::Ready, 0));
                            (r.running, r.listening) = (true, true);
                            rows.push(r);
                            rows.len() - 1
                        }
                    };
                    rows[i].row.marks.push(Mark { t: e.t, kind: MarkKind::ConfigUpdated });
                    continue;
                }
                // Pod-level events: create rows for every container of the pod at creation.
                if e.what == What::PodCreated {
                    let slots = (0..actor.init_containers.len() as u16)
                        .map(Slot::Init)
                        .chain((0..actor.containers.len() as u16).map(Slot::Main));
                    for slot in slots {
                        rows.push(RowState::new(p, e, pod, slot, hot.contains(&e.actor), (Phase::Pending, e.t)));
                    }
                }
                for r in rows.iter_mut().filter(|r| (r.key.0, r.key.1) == pkey) {
                    match e.what {
                        What::PodScheduled if !r.running => r.set(e.t, Some(Phase::Pulling)),
                        What::ImagePulled if !r.running => r.set(e.t, Some(Phase::Pending)),
                        What::PodReady | What::PodNotReady if r.running => {
                            let ph = r.running_phase(ready);
                            r.set(e.t, Some(ph));
                        }
                        _ => {}
                    }
                }
            }
            Some(slot) => {
                let Some(r) = rows.iter_mut().find(|r| r.key == (e.actor, pod, slot)) else { continue };
                let sidecar = actor.container(slot).is_some_and(|c| c.sidecar);
                match e.what {
                    What::Started { restart } => {
                        r.running = true;
                        r.listening = false;
                        r.waiting = false;
                        let one_shot = actor
                            .container(slot)
                            .is_some_and(|c| matches!(c.lifecycle, crate::spec::Lifecycle::RunToCompletion { .. }));
                        r.init = (matches!(slot, Slot::Init(_)) && !sidecar) || one_shot;
                        if restart > 0 {
                            r.row.marks.push(Mark { t: e.t, kind: MarkKind::Restart });
                        }
                    }
                    What::WaitBegan { .. } => r.waiting = true,
                    What::WaitPassed { .. } => r.waiting = false,
                    What::WaitFailed { .. } => {
                        r.waiting = false;
                        r.row.marks.push(Mark { t: e.t, kind: MarkKind::Failed });
                    }
                    What::Listening => r.listening = true,
                    What::ConnectRefused { crash, .. } => {
                        r.row.marks.push(Mark { t: e.t, kind: MarkKind::Refused { crash } })
                    }
                    What::Exited { code, reason } => {
                        r.running = false;
                        r.listening = false;
                        if matches!(reason, ExitReason::LivenessKill | ExitReason::StartupKill) {
                            r.row.marks.push(Mark { t: e.t, kind: MarkKind::Killed });
                        }
                        r.set(e.t, Some(if code == 0 { Phase::Completed } else { Phase::Failed }));
                        continue;
                    }
                    What::BackOff { .. } => {
                        r.set(e.t, Some(Phase::BackOff));
                        continue;
                    }
                    _ => {}
                }
                if r.running {
                    let ph = r.running_phase(ready);
                    r.set(e.t, Some(ph));
                }
            }
        }
    }
    let mut out: Vec<Row> = Vec::with_capacity(rows.len() + 1);
    if !plan.bars.is_empty() {
        if let Some(from) = step_open {
            plan.bars.push(Bar { from, to: end.max(from.saturating_add(1)), phase: Phase::Step });
        }
        out.push(plan);
    }
    for mut r in rows {
        let last = r.phase.map(|(ph, _)| ph);
        r.set(end.max(1), None);
        // A final Completed/Failed state is shown as a short bar even at the very end.
        if r.row.bars.is_empty()
            && let Some(ph) = last
        {
            r.row.bars.push(Bar { from: end, to: end.saturating_add(1), phase: ph });
        }
        out.push(r.row);
    }
    out.sort_by_key(|r| (r.actor != PLAN_ACTOR, r.actor));
    let race = race.map(|f| (f.time_ms, format!("{} {}", f.kind.code(), f.kind.name())));
    Timeline { rows: out, end, race }
}
