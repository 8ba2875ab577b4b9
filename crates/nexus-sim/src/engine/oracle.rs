//! The oracles. Safety (NX901 early connect, NX902 migration overlap, NX903 concurrent
//! migration, NX905 restart storms) is checked as events happen; liveness (NX904 stalls with
//! their blocked-on chain, NX905 backoff penalty, NX906 orchestrator outcomes) after the run.

use super::World;
use super::plan::Record;
use super::wait::Res;
use crate::finding::{Blocker, CHAIN_MAX, Detail, Finding, FindingKind, Subject};
use crate::log::What;
use crate::spec::{ActorId, Millis, StepAction, WorkloadKind};

impl World<'_> {
    /// Records a finding unless this trial already has one with the same key (the first
    /// occurrence is kept, with its time).
    pub(super) fn add_finding(&mut self, f: Finding) {
        if !self.findings.iter().any(|g| g.key() == f.key()) {
            self.findings.push(f);
        }
    }

    pub(super) fn migration_begins(&mut self, cont: u32, m: u32) {
        let spec = &self.c.p.migrations[m as usize];
        for i in 0..self.mig_active.len() {
            let (m2, _) = self.mig_active[i];
            let other = &self.c.p.migrations[m2 as usize];
            if other.datastore == spec.datastore && !(spec.lock && other.lock) {
                self.add_finding(Finding {
                    kind: FindingKind::ConcurrentMigration,
                    primary: Subject::Migration(m2),
                    secondary: Some(Subject::Migration(m)),
                    time_ms: self.now,
                    detail: Detail::ConcurrentMigration { datastore: spec.datastore },
                });
            }
        }
        self.mig_active.push((m, cont));
        self.log_cont(cont, What::MigrationStarted { migration: m });
    }

    pub(super) fn migration_ends(&mut self, cont: u32, m: u32, ok: bool) {
        if let Some(i) = self.mig_active.iter().position(|&x| x == (m, cont)) {
            self.mig_active.swap_remove(i);
        }
        if ok {
            let now = self.now;
            self.mig_done[m as usize].get_or_insert(now);
            self.log_cont(cont, What::MigrationCompleted { migration: m });
        } else {
            self.log_cont(cont, What::MigrationAborted { migration: m });
        }
    }

    /// NX905 by backoff penalty: reported when a workload's penalty first reaches the threshold
    /// (merged into its restart-storm finding if it has one).
    pub(super) fn penalty_grew(&mut self, a: u32) {
        let pen = self.actors[a as usize].penalty_ms;
        if pen < self.opts.storm_penalty_ms || pen == 0 {
            return;
        }
        let key = (FindingKind::CrashloopStorm, Subject::Actor(ActorId(a)));
        if let Some(f) = self.findings.iter_mut().find(|f| (f.kind, f.primary) == key) {
            if let Detail::CrashloopStorm { penalty_ms, .. } = &mut f.detail {
                *penalty_ms = pen;
            }
            return;
        }
        let now = self.now;
        self.add_finding(Finding {
            kind: FindingKind::CrashloopStorm,
            primary: Subject::Actor(ActorId(a)),
            secondary: None,
            time_ms: now,
            detail: Detail::CrashloopStorm { restarts_in_window: 0, penalty_ms: pen },
        });
    }

    /// After the run: liveness oracles.
    pub(super) fn finish(&mut self) {
        if self.end == super::TrialEnd::BudgetExceeded {
            return;
        }
        let deadline = self.opts.deadline_ms;
        for a in 0..self.actors.len() as u32 {
            let spec = &self.c.p.actors[a as usize];
            if !spec.required || spec.kind == WorkloadKind::CronJob || self.actors[a as usize].goal_at.is_some() {
                continue;
            }
            let (chain, why, len, deadlock) = self.blocked_chain(a);
            let secondary = (len > 1).then(|| Subject::Actor(chain[usize::from(len) - 1]));
            self.add_finding(Finding {
                kind: FindingKind::StartupStall,
                primary: Subject::Actor(ActorId(a)),
                secondary,
                time_ms: deadline,
                detail: Detail::Stall { chain, why, len, deadlock },
            });
        }
        self.orchestrator_outcomes();
    }

    /// Why `a` is not ready, and whom it waits on.
    fn blocker(&self, a: u32) -> (Blocker, Option<u32>) {
        let rt = &self.actors[a as usize];
        if rt.created.is_none() {
            if self.plan.finished {
                return (Blocker::NeverCreated, None);
            }
            let on = self
                .plan
                .waiters
                .iter()
                .map(|&w| self.waiters[w as usize])
                .find(|w| w.active && self.eval(w.provider, w.lvl, false) != Res::Satisfied);
            return (Blocker::PlanWaiting, on.map(|w| w.provider));
        }
        if rt.compose_failed || rt.compose_pending > 0 {
            return (Blocker::Waiting, rt.compose_waiting_on);
        }
        let mut refused = None;
        for &pod in &rt.pods {
            let p = &self.pods[pod as usize];
            for c in &self.conts[p.first as usize..(p.first + u32::from(p.n_init) + u32::from(p.n_main)) as usize] {
                if c.state == super::pod::CState::Running
                    && let Some(on) = c.waiting_on
                {
                    return (Blocker::Waiting, Some(on));
                }
                if let Some((on, _)) = c.refused_by {
                    refused = Some(on);
                }
            }
        }
        if rt.failed {
            return (Blocker::JobFailed, refused);
        }
        match refused {
            Some(on) => (Blocker::CrashLooping, Some(on)),
            None => (Blocker::NotReady, None),
        }
    }

    /// The blocked-on chain from `a`: each actor with why it waits, up to [`CHAIN_MAX`]; a
    /// repeat means a deadlock.
    pub(crate) fn blocked_chain(&self, a: u32) -> ([ActorId; CHAIN_MAX], [Blocker; CHAIN_MAX], u8, bool) {
        let mut chain = [ActorId(0); CHAIN_MAX];
        let mut why = [Blocker::NotReady; CHAIN_MAX];
        let mut len = 0usize;
        let mut cur = a;
        let mut deadlock = false;
        while len < CHAIN_MAX {
            let (b, next) = self.blocker(cur);
            chain[len] = ActorId(cur);
            why[len] = b;
            len += 1;
            let Some(n) = next else { break };
            if chain[..len].contains(&ActorId(n)) {
                deadlock = true;
                break;
            }
            if self.actors[n as usize].goal_at.is_some() {
                break;
            }
            cur = n;
        }
        (chain, why, len as u8, deadlock)
    }

    /// NX906: a bounded wait that failed while its targets converged later, or one that passed
    /// while they were not ready at the end; a Deployment past `progressDeadlineSeconds` that
    /// rolled out later.
    fn orchestrator_outcomes(&mut self) {
        for i in 0..self.plan.records.len() {
            let r: Record = self.plan.records[i];
            let step = &self.c.p.plan.steps[r.step as usize];
            let bounded = !matches!(step.action, StepAction::Apply { .. } | StepAction::Sleep { .. });
            if !bounded {
                continue;
            }
            let targets = self.record_targets(&r);
            let mut converged: Option<Millis> = Some(0);
            let mut all_now = true;
            for &t in targets {
                let first = self.actors[t.index()].first[r.lvl.index()];
                converged = match (converged, first) {
                    (Some(c), Some(f)) => Some(c.max(f)),
                    _ => None,
                };
                all_now &= self.eval(t.0, r.lvl, false) == Res::Satisfied;
            }
            let secondary = targets.first().map(|&t| Subject::Actor(t));
            if !r.ok
                && let Some(c) = converged
                && c > r.at
            {
                self.add_finding(Finding {
                    kind: FindingKind::OrchestratorTimeout,
                    primary: Subject::Step(r.step),
                    secondary,
                    time_ms: r.at,
                    detail: Detail::OrchestratorTimeout { reported_failure: true, converged_ms: Some(c) },
                });
            } else if r.ok && !all_now && !targets.is_empty() {
                self.add_finding(Finding {
                    kind: FindingKind::OrchestratorTimeout,
                    primary: Subject::Step(r.step),
                    secondary,
                    time_ms: r.at,
                    detail: Detail::OrchestratorTimeout { reported_failure: false, converged_ms: None },
                });
            }
        }
        for a in 0..self.actors.len() as u32 {
            let rt = &self.actors[a as usize];
            if let (Some(at), Some(goal)) = (rt.progress_exceeded_at, rt.goal_at)
                && goal > at
            {
                self.add_finding(Finding {
                    kind: FindingKind::OrchestratorTimeout,
                    primary: Subject::Actor(ActorId(a)),
                    secondary: None,
                    time_ms: at,
                    detail: Detail::OrchestratorTimeout { reported_failure: true, converged_ms: Some(goal) },
                });
            }
        }
    }

    fn record_targets(&self, r: &Record) -> &[ActorId] {
        use super::plan::Sub;
        let c = self.c;
        let step = r.step as usize;
        match r.sub {
            Sub::HelmPre(i) => c.helm[step].pre.get(i as usize..i as usize + 1).unwrap_or(&[]),
            Sub::HelmPost(i) => c.helm[step].post.get(i as usize..i as usize + 1).unwrap_or(&[]),
            Sub::HelmWait => &c.helm[step].wait,
            Sub::Simple | Sub::Idle => c.p.plan.steps[step].targets(),
            Sub::HelmResources | Sub::Argo(..) => &[],
        }
    }
}
