//! The lowering: nexus-lint's platform model ([`nexus_model::Platform`]) into simulation inputs
//! ([`SimPlatform`]), one per *deployment unit*, with a table from every
//! [`Origin`](crate::spec::Origin) back to the manifest node that a finding about it would be
//! fixed at.
//!
//! A repository can describe several deployments at once — the production Kubernetes manifests
//! and a Compose stack for development, as `fixtures/nexus` does. They never start together, so
//! each is simulated on its own:
//!
//! - **`kubernetes`**: every Kubernetes workload that the unit's deploy plan creates. The plan is
//!   the deploy script named by `--deploy-script` (or `simulate: deploy-script:`), else the one
//!   script read (of several, the one that creates the most workloads), else an Argo CD sync,
//!   else the Helm releases in name order, else `kubectl apply -f` of every object in lexical
//!   file order — what `kubectl apply -f dir/` does (research A8). Workloads the plan never
//!   creates are left out and listed ([`Unit::left_out`]): something else deploys them.
//! - **`compose:<project>`**: each Compose project, started by `docker compose up` (research A6);
//!   services with `profiles` are left out, as `up` does without `--profile`.
//!
//! What is lowered, and from where, is split by what it lowers: `workloads` (actors,
//! containers, probes, healthchecks, controllers, durations), `deps` (connections and gates),
//! `migrations`, `configs` (what the config-change scenario edits), `plan` (deploy plans).
//! `annotations` reads the `nexus-lint.io/*` annotations that give what manifests cannot say
//! (how long things take, whether an app retries). Every semantic decision cites `shared/research/simulation-model.md` by section.

mod annotations;
mod configs;
mod deps;
mod migrations;
mod origins;
mod plan;
mod workloads;

use std::collections::BTreeMap;

pub use annotations::{
    CRASH_AFTER, IMAGE_PULL, MIGRATION_LOCK, MIGRATION_SECONDS, RETRIES, STARTUP_SECONDS, annotation_keys,
};
pub use origins::{OriginInfo, Origins};

use nexus_model::{Format, Platform, ResourceRef, Span, WorkloadId};

use crate::defaults::Timing;
use crate::spec::{ActorId, DeployPlan, SimPlatform};

/// How to lower.
#[derive(Clone, Debug, Default)]
pub struct LowerOptions {
    /// Platform-wide duration defaults (`.nexus-lint.yaml` `simulate: defaults:`).
    pub timing: Timing,
    /// The deploy script to follow for Kubernetes, by its path as read (a suffix matches).
    pub deploy_script: Option<String>,
    /// `docker compose up --wait` instead of `up`.
    pub compose_wait: bool,
}

/// An annotation (or other manifest value) that could not be read; the lowering ignores it and
/// uses the default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub span: Span,
    pub message: String,
}

/// One deployment, ready to simulate.
#[derive(Clone, Debug)]
pub struct Unit {
    /// `kubernetes` or `compose:<project>`.
    pub name: String,
    pub platform: SimPlatform,
    pub origins: Origins,
    /// What deploys it: the deploy script's path, `helm install …`, `argocd sync`,
    /// `kubectl apply -f (every file, lexical order)`, `docker compose up`.
    pub plan: String,
    /// Workloads read but not deployed by the plan (resource identities).
    pub left_out: Vec<String>,
    /// Assumptions the lowering had to make, in words.
    pub notes: Vec<String>,
}

/// Everything the lowering produced.
#[derive(Clone, Debug, Default)]
pub struct Lowered {
    pub units: Vec<Unit>,
    pub problems: Vec<Problem>,
}

/// Lowers a platform into its deployment units (Kubernetes first, then Compose projects in
/// project order). A unit with no workload is not produced.
pub fn lower(m: &Platform, opts: &LowerOptions) -> Lowered {
    let mut out = Lowered::default();
    let k8s: Vec<WorkloadId> =
        m.workloads.iter().filter(|w| w.resource.format == Format::Kubernetes).map(|w| w.id).collect();
    if !k8s.is_empty() {
        let choice = plan::choose_kubernetes(m, opts, &k8s);
        out.units.push(build_unit(m, opts, "kubernetes".into(), &k8s, choice, &mut out.problems));
    }
    for project in &m.projects {
        let services: Vec<WorkloadId> =
            m.workloads.iter().filter(|w| w.project == Some(project.id)).map(|w| w.id).collect();
        if services.is_empty() {
            continue;
        }
        let choice = plan::compose_up(m, project, &services, opts.compose_wait);
        // Variants of one project (a base file with and without an override) share its name:
        // tell them apart by their files.
        let mut name = format!("compose:{}", project.name);
        if m.projects.iter().filter(|p| p.name == project.name).count() > 1 {
            let files: Vec<&str> =
                project.files.iter().map(|f| m.path(*f).rsplit('/').next().unwrap_or_default()).collect();
            name = format!("{name}:{}", files.join("+"));
        }
        out.units.push(build_unit(m, opts, name, &services, choice, &mut out.problems));
    }
    out
}

/// The workloads a plan creates, in creation order, and how to build its steps once actors
/// exist.
pub(crate) struct PlanChoice {
    pub description: String,
    pub created: Vec<WorkloadId>,
    pub left_out: Vec<(WorkloadId, &'static str)>,
    pub notes: Vec<String>,
    pub build: plan::PlanBuild,
}

fn build_unit(
    m: &Platform,
    opts: &LowerOptions,
    name: String,
    members: &[WorkloadId],
    choice: PlanChoice,
    problems: &mut Vec<Problem>,
) -> Unit {
    let mut b = Builder {
        m,
        p: SimPlatform { timing: opts.timing, ..SimPlatform::default() },
        origins: Origins::default(),
        actor_of: BTreeMap::new(),
        problems: Vec::new(),
        notes: choice.notes.clone(),
    };
    // Actors in model order (stable, so stream names and indices do not depend on the plan).
    let mut included: Vec<WorkloadId> = members.iter().copied().filter(|w| choice.created.contains(w)).collect();
    let mut left_out: Vec<String> =
        choice.left_out.iter().map(|(w, why)| format!("{} ({why})", m.workload(*w).resource)).collect();
    included.retain(|&w| match workloads::skip_reason(m, w) {
        Some(why) => {
            left_out.push(format!("{} ({why})", m.workload(w).resource));
            false
        }
        None => true,
    });
    // The same object defined in several files (an all-in-one manifest beside the split ones)
    // is one object: the first definition creates it, later applies only update it.
    let mut seen: Vec<&ResourceRef> = Vec::new();
    included.retain(|&w| {
        let wl = m.workload(w);
        if seen.contains(&&wl.resource) {
            left_out.push(format!(
                "{} in {} (defined again; the first definition is simulated)",
                wl.resource,
                m.path(wl.file)
            ));
            return false;
        }
        seen.push(&wl.resource);
        true
    });
    let names = workloads::actor_names(m, &included);
    for (&w, n) in included.iter().zip(names) {
        workloads::add_actor(&mut b, w, n);
    }
    deps::add_dependencies(&mut b);
    deps::add_gates(&mut b);
    migrations::add_migrations(&mut b);
    configs::add_configs(&mut b);
    b.p.plan = plan::build_steps(&mut b, &choice.build);
    if b.p.plan.steps.is_empty() && !b.p.actors.is_empty() {
        b.p.plan = DeployPlan::apply_all(b.p.actors.len());
    }
    problems.append(&mut b.problems);
    Unit { name, platform: b.p, origins: b.origins, plan: choice.description, left_out, notes: b.notes }
}

/// State shared by the lowering's parts while one unit is built.
pub(crate) struct Builder<'m> {
    pub m: &'m Platform,
    pub p: SimPlatform,
    pub origins: Origins,
    pub actor_of: BTreeMap<WorkloadId, ActorId>,
    pub problems: Vec<Problem>,
    pub notes: Vec<String>,
}

impl Builder<'_> {
    pub fn actor(&self, w: WorkloadId) -> Option<ActorId> {
        self.actor_of.get(&w).copied()
    }

    pub fn resource(&self, w: WorkloadId) -> ResourceRef {
        self.m.workload(w).resource.clone()
    }

    pub fn problem(&mut self, span: Span, message: impl Into<String>) {
        self.problems.push(Problem { span, message: message.into() });
    }
}

#[cfg(test)]
mod tests;
