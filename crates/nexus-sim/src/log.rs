//! The event log of one trial: what a replay prints and what the timeline draws.
//!
//! Events are plain data with integer times; [`format_log`] renders them one per line. Both are
//! byte-identical on every run of the same trial key.

use std::fmt::Write as _;

use crate::spec::{ActorId, Millis, SimPlatform, Slot};

/// One thing that happened.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LogEvent {
    pub t: Millis,
    pub actor: ActorId,
    /// Which pod of the actor (replica index, or Job attempt), if the event is about a pod.
    pub pod: Option<u32>,
    pub container: Option<Slot>,
    pub what: What,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum What {
    /// The object was created by the deploy plan.
    Created,
    PodCreated,
    PodScheduled,
    ImagePulled,
    /// The container's process started (`restart` = how many times it restarted before).
    Started {
        restart: u32,
    },
    /// A wait (gate) began on a provider.
    WaitBegan {
        provider: ActorId,
    },
    WaitPassed {
        provider: ActorId,
    },
    /// A wait gave up: it timed out, or Compose saw the dependency fail.
    WaitFailed {
        provider: ActorId,
    },
    Connected {
        provider: ActorId,
    },
    /// A connection was refused; `crash`: the program will exit because of it.
    ConnectRefused {
        provider: ActorId,
        crash: bool,
    },
    Listening,
    /// The startup probe succeeded (the container is `started`).
    StartupProbePassed,
    ContainerReady,
    PodReady,
    PodNotReady,
    /// The pod's address was programmed into its Service's endpoints.
    InEndpoints,
    Healthy,
    Unhealthy,
    Exited {
        code: i32,
        reason: ExitReason,
    },
    /// The kubelet (or Docker) will restart the container after this delay.
    BackOff {
        delay_ms: Millis,
    },
    PodSucceeded,
    PodFailed,
    MigrationStarted {
        migration: u32,
    },
    MigrationCompleted {
        migration: u32,
    },
    MigrationAborted {
        migration: u32,
    },
    /// Every replica is ready (or the Job complete): the actor reached its goal.
    ActorReady,
    JobComplete,
    JobFailed {
        deadline: bool,
    },
    ProgressDeadlineExceeded,
    /// Compose did not start the service: a required dependency failed.
    DependencyFailed,
    StepStarted {
        step: u32,
    },
    StepSucceeded {
        step: u32,
    },
    StepFailed {
        step: u32,
        timed_out: bool,
    },
    /// The deploy plan finished (all steps run, or stopped by `set -e`).
    PlanFinished {
        failed: bool,
    },
    /// The trial hit its event budget and stopped.
    BudgetExceeded,
    /// The config-change scenario's edit of a ConfigMap or Secret (index into
    /// [`SimPlatform::configs`]).
    ConfigEdited {
        config: u32,
    },
    /// The kubelet rewrote the pod's files of the edited config.
    ConfigSeen {
        config: u32,
    },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    /// The program finished its work.
    Completed,
    /// It could not connect to a provider.
    ConnectFailed,
    /// A wait in it timed out.
    WaitTimedOut,
    LivenessKill,
    StartupKill,
    /// Killed because its Job failed or hit its deadline.
    JobKilled,
}

impl ExitReason {
    pub fn as_str(self) -> &'static str {
        match self {
            ExitReason::Completed => "completed",
            ExitReason::ConnectFailed => "could not connect",
            ExitReason::WaitTimedOut => "wait timed out",
            ExitReason::LivenessKill => "killed by liveness probe",
            ExitReason::StartupKill => "killed by startup probe",
            ExitReason::JobKilled => "killed: job failed",
        }
    }
}

/// `12.345s`, zero-padded to a fixed width so columns align.
pub fn fmt_time(t: Millis) -> String {
    format!("{:>4}.{:03}s", t / 1000, t % 1000)
}

/// `nexus-backend[1]/backend`: the row an event belongs to.
pub fn subject(p: &SimPlatform, e: &LogEvent) -> String {
    let Some(a) = p.actors.get(e.actor.index()) else { return format!("actor#{}", e.actor.0) };
    let mut s = a.name.clone();
    if let Some(pod) = e.pod {
        let _ = write!(s, "[{pod}]");
    }
    if let Some(c) = e.container.and_then(|slot| a.container(slot)) {
        let _ = write!(s, "/{}", c.name);
    }
    s
}

fn name(p: &SimPlatform, a: ActorId) -> &str {
    p.actors.get(a.index()).map_or("?", |a| a.name.as_str())
}

/// `ConfigMap nexus-config`.
fn config_name(p: &SimPlatform, config: u32) -> String {
    crate::finding::Subject::Config(config).describe(p)
}

/// What happened, in words.
pub fn describe(p: &SimPlatform, w: &What) -> String {
    match *w {
        What::Created => "created".into(),
        What::PodCreated => "pod created".into(),
        What::PodScheduled => "pod scheduled".into(),
        What::ImagePulled => "image pulled".into(),
        What::Started { restart: 0 } => "started".into(),
        What::Started { restart } => format!("restarted (restart #{restart})"),
        What::WaitBegan { provider } => format!("waits for {}", name(p, provider)),
        What::WaitPassed { provider } => format!("wait for {} passed", name(p, provider)),
        What::WaitFailed { provider } => format!("wait for {} failed", name(p, provider)),
        What::Connected { provider } => format!("connected to {}", name(p, provider)),
        What::ConnectRefused { provider, crash: true } => {
            format!("connection to {} refused: will crash", name(p, provider))
        }
        What::ConnectRefused { provider, crash: false } => {
            format!("connection to {} refused: retrying", name(p, provider))
        }
        What::Listening => "listening".into(),
        What::StartupProbePassed => "startup probe passed".into(),
        What::ContainerReady => "container ready".into(),
        What::PodReady => "pod Ready".into(),
        What::PodNotReady => "pod not ready".into(),
        What::InEndpoints => "in Service endpoints".into(),
        What::Healthy => "healthy".into(),
        What::Unhealthy => "unhealthy".into(),
        What::Exited { code, reason } => format!("exited {code} ({})", reason.as_str()),
        What::BackOff { delay_ms } => format!("back-off {}", fmt_time(delay_ms).trim_start()),
        What::PodSucceeded => "pod succeeded".into(),
        What::PodFailed => "pod failed".into(),
        What::MigrationStarted { migration } => format!("migration #{migration} started"),
        What::MigrationCompleted { migration } => format!("migration #{migration} completed"),
        What::MigrationAborted { migration } => format!("migration #{migration} aborted"),
        What::ActorReady => "ready (all replicas)".into(),
        What::JobComplete => "job complete".into(),
        What::JobFailed { deadline: true } => "job failed: DeadlineExceeded".into(),
        What::JobFailed { deadline: false } => "job failed: BackoffLimitExceeded".into(),
        What::ProgressDeadlineExceeded => "ProgressDeadlineExceeded".into(),
        What::DependencyFailed => "not started: dependency failed to start".into(),
        What::StepStarted { step } => format!("deploy step {step} started"),
        What::StepSucceeded { step } => format!("deploy step {step} succeeded"),
        What::StepFailed { step, timed_out: true } => format!("deploy step {step} timed out"),
        What::StepFailed { step, timed_out: false } => format!("deploy step {step} failed"),
        What::PlanFinished { failed: false } => "deploy finished".into(),
        What::PlanFinished { failed: true } => "deploy finished with errors".into(),
        What::BudgetExceeded => "event budget exceeded: trial stopped".into(),
        What::ConfigEdited { config } => format!("{} edited", config_name(p, config)),
        What::ConfigSeen { config } => format!("files of {} updated", config_name(p, config)),
    }
}

/// Events about the deploy plan have no actor of their own; they are attributed to this
/// pseudo-actor.
pub const PLAN_ACTOR: ActorId = ActorId(u32::MAX);

/// One line per event: `   12.345s  nexus-backend[0]/backend  exited 1 (could not connect)`.
pub fn format_log(p: &SimPlatform, log: &[LogEvent]) -> String {
    let mut out = String::new();
    for e in log {
        let who = if e.actor == PLAN_ACTOR { "deploy".to_string() } else { subject(p, e) };
        let _ = writeln!(out, "{}  {}  {}", fmt_time(e.t), who, describe(p, &e.what));
    }
    out
}
