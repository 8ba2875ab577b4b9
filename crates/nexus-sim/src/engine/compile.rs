//! Validation and lookup tables built once per platform, so that a trial only indexes.

use super::wait::Lvl;
use crate::rng::fnv1a64;
use crate::spec::{ActorId, ArgoPhase, GateKind, HookPhase, SimPlatform, Slot, StepAction, WorkloadKind};

/// Why a platform cannot be simulated (a dangling index: a lowering bug, never a user error).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecError(pub String);

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid simulation input: {}", self.0)
    }
}

impl std::error::Error for SpecError {}

/// What a stream is for. Its name is hashed into the stream's seed, so these strings are part
/// of the semantics version: never rename one.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    Create = 0,
    Controller = 1,
    Schedule = 2,
    Pull = 3,
    Endpoint = 4,
    Work = 5,
    Connect = 6,
    Crash = 7,
    Migration = 8,
    Jitter = 9,
    ConfigSync = 10,
}

pub(crate) const PURPOSES: usize = 11;

/// The most replicas (summed over workloads) a platform may ask for.
pub const MAX_PODS: u64 = 20_000;
pub(crate) const PURPOSE_NAMES: [&str; PURPOSES] = [
    "create",
    "controller",
    "schedule",
    "pull",
    "endpoint",
    "startup",
    "connect",
    "crash",
    "migration",
    "jitter",
    "config-sync",
];

/// Per actor: where its container slots start in the flat tables.
#[derive(Clone, Debug)]
pub(crate) struct Shape {
    pub base: u32,
    pub n_init: u16,
    pub n_main: u16,
}

impl Shape {
    pub fn flat(&self, slot: Slot) -> u32 {
        match slot {
            Slot::Init(i) => self.base + u32::from(i),
            Slot::Main(i) => self.base + u32::from(self.n_init) + u32::from(i),
        }
    }

    /// The actor's own (pod-level) stream key.
    pub fn pod_key(&self) -> u32 {
        self.base + u32::from(self.n_init) + u32::from(self.n_main)
    }
}

pub(crate) struct Compiled<'p> {
    pub p: &'p SimPlatform,
    pub shapes: Vec<Shape>,
    /// Stream keys: one per container slot and one per actor.
    pub keys: u32,
    /// The actor each stream key belongs to.
    pub key_actor: Vec<u32>,
    /// FNV-1a of each key's name, times each purpose's hash: the inputs of `rng::stream`.
    pub name_hash: Vec<u64>,
    pub purpose_hash: [u64; PURPOSES],
    /// By flat slot: dependency indices, Wait-gate indices, migration indices.
    pub deps: Vec<Vec<u32>>,
    pub waits: Vec<Vec<u32>>,
    pub migs: Vec<Vec<u32>>,
    /// By actor: Compose depends_on gate indices; whether it retries on its own; migrations it
    /// requires.
    pub compose_gates: Vec<Vec<u32>>,
    pub retries: Vec<bool>,
    pub requires: Vec<Vec<u32>>,
    /// By actor: someone awaits it with `service_completed_successfully`.
    pub awaited_completion: Vec<bool>,
    /// By plan step: Helm pre hooks, resources and post hooks in Helm's order; Argo CD groups.
    pub helm: Vec<HelmOrder>,
    pub argo: Vec<Vec<Vec<(ActorId, Lvl)>>>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct HelmOrder {
    pub pre: Vec<ActorId>,
    pub resources: Vec<ActorId>,
    pub post: Vec<ActorId>,
    /// What `--wait` waits for: every resource but Jobs and CronJobs.
    pub wait: Vec<ActorId>,
}

impl<'p> Compiled<'p> {
    pub fn new(p: &'p SimPlatform) -> Result<Compiled<'p>, SpecError> {
        let n = p.actors.len();
        if n > u32::MAX as usize / 4 {
            return Err(SpecError("too many actors".into()));
        }
        // Every replica is simulated: bound the pods one trial can create.
        let pods: u64 =
            p.actors.iter().map(|a| u64::from(a.replicas).max(a.job.map_or(0, |j| u64::from(j.parallelism())))).sum();
        if pods > MAX_PODS {
            return Err(SpecError(format!("{pods} replicas in all; at most {MAX_PODS} are simulated")));
        }
        let mut shapes = Vec::with_capacity(n);
        let mut base: u32 = 0;
        let mut name_hash = Vec::new();
        let mut key_actor = Vec::new();
        for (ai, a) in p.actors.iter().enumerate() {
            let (ni, nm) = (a.init_containers.len(), a.containers.len());
            if ni > 4096 || nm > 4096 {
                return Err(SpecError(format!("actor `{}` has too many containers", a.name)));
            }
            if nm == 0 && a.kind != WorkloadKind::CronJob {
                return Err(SpecError(format!("actor `{}` has no container", a.name)));
            }
            if usize::from(a.serving_container) >= nm.max(1) {
                return Err(SpecError(format!("actor `{}`: serving container out of range", a.name)));
            }
            for c in a.init_containers.iter().chain(&a.containers) {
                name_hash.push(fnv1a64(format!("{}/{}", a.name, c.name).as_bytes()));
            }
            name_hash.push(fnv1a64(a.name.as_bytes()));
            key_actor.resize(name_hash.len(), ai as u32);
            shapes.push(Shape { base, n_init: ni as u16, n_main: nm as u16 });
            base = base.saturating_add((ni + nm + 1) as u32);
        }
        let keys = base;
        let mut purpose_hash = [0; PURPOSES];
        for (h, name) in purpose_hash.iter_mut().zip(PURPOSE_NAMES) {
            *h = fnv1a64(name.as_bytes());
        }
        let actor = |id: ActorId, what: &str| -> Result<usize, SpecError> {
            if id.index() < n { Ok(id.index()) } else { Err(SpecError(format!("{what} names actor {} of {n}", id.0))) }
        };
        let slot = |a: usize, s: Slot, what: &str| -> Result<u32, SpecError> {
            if p.actors[a].container(s).is_some() {
                Ok(shapes[a].flat(s))
            } else {
                Err(SpecError(format!("{what} names container {s:?} of `{}`, which has none", p.actors[a].name)))
            }
        };
        let mut deps = vec![Vec::new(); keys as usize];
        for (i, d) in p.dependencies.iter().enumerate() {
            let c = actor(d.consumer, "a dependency")?;
            actor(d.provider, "a dependency")?;
            deps[slot(c, d.container, "a dependency")? as usize].push(i as u32);
        }
        let mut waits = vec![Vec::new(); keys as usize];
        let mut compose_gates = vec![Vec::new(); n];
        let mut retries = vec![false; n];
        let mut awaited_completion = vec![false; n];
        for (i, g) in p.gates.iter().enumerate() {
            let c = actor(g.consumer, "a gate")?;
            match &g.kind {
                GateKind::Wait { container, provider, .. } => {
                    actor(*provider, "a gate")?;
                    waits[slot(c, *container, "a gate")? as usize].push(i as u32);
                }
                GateKind::ComposeDependsOn { provider, condition, .. } => {
                    let pr = actor(*provider, "a gate")?;
                    if *condition == crate::spec::ComposeCondition::ServiceCompletedSuccessfully {
                        awaited_completion[pr] = true;
                    }
                    compose_gates[c].push(i as u32);
                }
                GateKind::RetriesDependencies => retries[c] = true,
            }
        }
        let mut migs = vec![Vec::new(); keys as usize];
        let mut requires = vec![Vec::new(); n];
        for (i, m) in p.migrations.iter().enumerate() {
            let r = actor(m.runner, "a migration")?;
            actor(m.datastore, "a migration")?;
            migs[slot(r, m.container, "a migration")? as usize].push(i as u32);
            for &a in &m.required_by {
                requires[actor(a, "a migration")?].push(i as u32);
            }
        }
        for u in &p.config_uses {
            actor(u.actor, "a config reference")?;
            if u.config as usize >= p.configs.len() {
                return Err(SpecError(format!("a config reference names config {} of {}", u.config, p.configs.len())));
            }
        }
        let mut helm = Vec::with_capacity(p.plan.steps.len());
        let mut argo = Vec::with_capacity(p.plan.steps.len());
        for step in &p.plan.steps {
            let mut h = HelmOrder::default();
            let mut groups: Vec<Vec<(ActorId, Lvl)>> = Vec::new();
            let check = |ids: &[ActorId]| ids.iter().try_for_each(|&a| actor(a, "a plan step").map(|_| ()));
            match &step.action {
                StepAction::Apply { actors } => check(actors)?,
                StepAction::Wait { targets, .. } | StepAction::RolloutStatus { targets, .. } => check(targets)?,
                StepAction::ComposeUp { services, .. } => check(services)?,
                StepAction::Sleep { .. } => {}
                StepAction::Helm { hooks, resources, .. } => {
                    check(resources)?;
                    let mut sorted = hooks.clone();
                    for hk in &sorted {
                        actor(hk.actor, "a Helm hook")?;
                    }
                    // Helm sorts hooks by weight, then kind, then name (charts_hooks.md). (research A7)
                    sorted.sort_by(|a, b| {
                        let (x, y) = (&p.actors[a.actor.index()], &p.actors[b.actor.index()]);
                        (a.phase, a.weight, x.kind.install_rank(), &x.name).cmp(&(
                            b.phase,
                            b.weight,
                            y.kind.install_rank(),
                            &y.name,
                        ))
                    });
                    h.pre = sorted.iter().filter(|k| k.phase == HookPhase::Pre).map(|k| k.actor).collect();
                    h.post = sorted.iter().filter(|k| k.phase == HookPhase::Post).map(|k| k.actor).collect();
                    // Other resources: InstallOrder by kind, stable within a kind (kind_sorter.go).
                    h.resources = resources.clone();
                    h.resources.sort_by_key(|a| p.actors[a.index()].kind.install_rank());
                    h.wait = h
                        .resources
                        .iter()
                        .copied()
                        .filter(|a| !matches!(p.actors[a.index()].kind, WorkloadKind::Job | WorkloadKind::CronJob))
                        .collect();
                }
                StepAction::ArgoSync { resources, .. } => {
                    let mut sorted = resources.clone();
                    for r in &sorted {
                        actor(r.actor, "an Argo CD resource")?;
                    }
                    // Phase, then wave, then kind, then name (sync-waves.md). (research A7)
                    sorted.sort_by(|a, b| {
                        let (x, y) = (&p.actors[a.actor.index()], &p.actors[b.actor.index()]);
                        (a.phase, a.wave, x.kind.install_rank(), &x.name).cmp(&(
                            b.phase,
                            b.wave,
                            y.kind.install_rank(),
                            &y.name,
                        ))
                    });
                    let mut last: Option<(ArgoPhase, i64)> = None;
                    for r in sorted {
                        if last != Some((r.phase, r.wave)) {
                            groups.push(Vec::new());
                            last = Some((r.phase, r.wave));
                        }
                        // Argo CD health: Jobs complete, Pods ready, workloads fully rolled out. (research A7)
                        let lvl = match p.actors[r.actor.index()].kind {
                            WorkloadKind::Job => Lvl::Completed,
                            WorkloadKind::CronJob => Lvl::Created,
                            WorkloadKind::Pod => Lvl::Ready,
                            _ => Lvl::RolledOut,
                        };
                        if let Some(g) = groups.last_mut() {
                            g.push((r.actor, lvl));
                        }
                    }
                }
            }
            helm.push(h);
            argo.push(groups);
        }
        Ok(Compiled {
            p,
            shapes,
            keys,
            key_actor,
            name_hash,
            purpose_hash,
            deps,
            waits,
            migs,
            compose_gates,
            retries,
            requires,
            awaited_completion,
            helm,
            argo,
        })
    }
}
