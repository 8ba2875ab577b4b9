//! The config-change scenario: one ConfigMap or Secret edited while the platform serves, and
//! when each replica of each workload that reads it runs with the new values.
//!
//! Each config is edited on its own (its own sub-scenario of the trial, at time 0, the moment the
//! API server stores the edit), so that one config's rollout trigger does not hide another's
//! missing one. How a running pod sees the edit depends on how it reads the config (the
//! Kubernetes documentation, "Mounted ConfigMaps are updated automatically"; defaults.rs cites
//! it, since `shared/research/simulation-model.md` has no figure for it):
//!
//! - env (`envFrom`, `valueFrom`): read when the container starts, so a running replica keeps the
//!   old values until it restarts — nothing in the scenario restarts it: unbounded;
//! - a volume: the kubelet rewrites the files on the pod's next periodic sync (`syncFrequency`
//!   1 min, the edit at a random point of each pod's cycle) from its cache (TTL 1 min): 0–120 s,
//!   pod by pod, drawn for each pod;
//! - a `subPath` mount: never updated while the container runs: unbounded.
//!
//! A rollout trigger (a checksum annotation on the pod template, a hashed or versioned name, a
//! reloader: [`crate::spec::Pickup::Rollout`]) replaces the pods by the Deployment controller's
//! rolling update, the upgrade scenario's model (maxSurge, maxUnavailable, readiness,
//! minReadySeconds; [`super::upgrade`]), a controller reaction after the edit: new pods read the
//! new values, old ones keep theirs until they are scaled down. That bounded skew is the fix, not
//! a defect: it is not reported, and each workload's time to the new configuration (its
//! time-to-ready in the report) holds it. A reload sidecar (Pickup::Reload) makes the program
//! reread its files once the kubelet rewrote them: bounded by the sync delay, not reported.
//!
//! NX908 config-change-skew reports each (workload, config) that no trigger covers, with the
//! replicas, how each reference reads the config, and the volume's window in the trial.

use super::upgrade::Rolled;
use super::{Purpose, TrialEnd, World};
use crate::defaults;
use crate::finding::{Detail, Finding, FindingKind, Subject};
use crate::log::{PLAN_ACTOR, What};
use crate::spec::{ActorId, Millis, Pickup, SimPlatform, StepAction};

/// Why a unit's config change cannot be played, or `Ok`.
pub fn supported(p: &SimPlatform) -> Result<(), &'static str> {
    if p.plan.steps.iter().any(|s| matches!(s.action, StepAction::ComposeUp { .. })) {
        return Err(
            "Compose has no live update: env files are read when a container is created, and `docker compose up` recreates every replica of a service whose configuration changed at once",
        );
    }
    if p.config_uses.is_empty() {
        return Err("no long-running workload reads a ConfigMap or Secret");
    }
    Ok(())
}

impl World<'_> {
    /// One config-change trial: every config edited on its own, then the oracle.
    pub(super) fn run_config_change(&mut self) {
        let p = self.c.p;
        let deadline = self.opts.deadline_ms;
        let n = p.actors.len();
        // When every replica of each actor runs the new values of everything it reads.
        let mut converged: Vec<Option<Millis>> = vec![Some(0); n];
        for c in 0..p.configs.len() as u32 {
            self.log_at(0, PLAN_ACTOR.0, None, What::ConfigEdited { config: c });
            for a in 0..n as u32 {
                let reads = |u: &&crate::spec::ConfigUse| u.config == c && u.actor.0 == a;
                let Some(first) = p.config_uses.iter().position(|u| reads(&u)) else { continue };
                let done = self.config_seen(a, c, first);
                converged[a as usize] = match (converged[a as usize], done) {
                    (Some(x), Some(y)) => Some(x.max(y)),
                    _ => None,
                };
            }
        }
        self.plan.finished = true;
        self.plan.finished_at = 0;
        for (i, d) in converged.iter().enumerate() {
            self.actors[i].goal_at = d.filter(|&d| d <= deadline);
        }
        self.now = converged.iter().flatten().copied().max().unwrap_or(0).min(deadline);
        self.end = TrialEnd::Quiescent;
        if let Some(l) = &mut self.log {
            l.sort_by_key(|e| e.t);
        }
    }

    /// Actor `a` after the edit of config `c` (its first use at `first`): when all its replicas
    /// run the new values (None: some never do), with NX908 when nothing picks the edit up.
    fn config_seen(&mut self, a: u32, c: u32, first: usize) -> Option<Millis> {
        let p = self.c.p;
        let uses = || p.config_uses[first..].iter().enumerate().filter(|(_, u)| u.config == c && u.actor.0 == a);
        if uses().any(|(_, u)| u.pickup == Some(Pickup::Rollout)) {
            let key = self.pod_key(a);
            let t0 = self.draw(key, Purpose::Controller, p.timing.controller_reaction);
            let mut r = Rolled::default();
            self.roll(a, t0, &mut r);
            return r.done;
        }
        let replicas = p.actors[a as usize].replicas.max(1);
        let mut files: Option<(Millis, Millis)> = None;
        if uses().any(|(_, u)| u.uptake.live()) {
            let key = self.pod_key(a);
            for pod in 0..replicas {
                let wait = self.draw(key, Purpose::ConfigSync, defaults::CONFIG_SYNC_WAIT);
                let t = wait.saturating_add(self.draw(key, Purpose::ConfigSync, defaults::CONFIG_CACHE_AGE));
                self.log_at(t, a, Some(pod), What::ConfigSeen { config: c });
                files = Some(files.map_or((t, t), |(lo, hi)| (lo.min(t), hi.max(t))));
            }
        }
        let stale = uses().any(|(_, u)| !u.uptake.live());
        if uses().all(|(_, u)| u.pickup == Some(Pickup::Reload)) {
            return files.map(|f| f.1);
        }
        // The reference a fix goes on: the first that keeps old values, else the first volume.
        let primary =
            uses().find(|(_, u)| !u.uptake.live()).or_else(|| uses().next()).map_or(first, |(i, _)| first + i);
        self.add_finding(Finding {
            kind: FindingKind::ConfigSkew,
            primary: Subject::ConfigUse(primary as u32),
            secondary: Some(Subject::Config(c)),
            time_ms: if stale { 0 } else { files.map_or(0, |f| f.0) },
            detail: Detail::ConfigSkew {
                actor: ActorId(a),
                config: c,
                replicas,
                stale,
                files_first_ms: files.map(|f| f.0),
                files_last_ms: files.map(|f| f.1),
            },
        });
        if stale { None } else { files.map(|f| f.1) }
    }
}
