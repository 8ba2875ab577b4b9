//! The deploy-plan reader's side of the shell evaluator: each `kubectl`/`helm`/`sleep` command
//! the [`nexus_source::shell::eval`] walk shows it becomes a [`PlanStep`], in the order the script
//! runs them, with the `timeout` wrappers around it as a cap and `set -e` as it stood; applied
//! paths and wait targets are resolved against the files read ([`resolve`]).
//!
//! Commands inside command substitutions are never steps (`OUT=$(kubectl apply …)` runs
//! nothing the plan can see), and `for` loops over a known list are unrolled.

use std::collections::BTreeSet;

use super::commands::{self, Targets, Tool};
use super::resolve::{self, Index};
use crate::{Bound, LabelSelector, ObjectId, PlanAction, PlanStep, Spanned};
use nexus_source::shell::eval::{Command, Core, Cwd, Frame, Hooks, Interp, Options, Reply, paths};
use nexus_source::{FileId, SourceDb, Span};

/// Steps kept per script; reading stops there.
const MAX_STEPS: usize = 10_000;

struct Plan<'a> {
    index: &'a Index<'a>,
    steps: Vec<(PlanStep, bool)>,
    applied: BTreeSet<ObjectId>,
}

/// The steps of one script, each with whether `errexit` was on when it ran.
pub(super) fn run(db: &SourceDb, index: &Index, file: FileId) -> Vec<(PlanStep, bool)> {
    let plan = Plan { index, steps: Vec::new(), applied: BTreeSet::new() };
    let mut it = Interp::new(db, plan, Options::default(), &db.get(file).path, Vec::new());
    it.run_file(file);
    it.hooks.steps
}

/// Where a relative path written in the script may be rooted, most likely first: the
/// directory the script changed to, then the script's directory and its ancestors (scripts
/// are usually run from the repository root, an ancestor of their directory).
fn bases(ev: &Core, path: &str) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    if ev.anchored(path) {
        v.push(String::new());
    }
    match ev.cwd() {
        Cwd::At(c) => v.push(c.clone()),
        Cwd::Start(r) if !r.is_empty() => v.extend(ev.script_dirs().iter().map(|a| paths::join(a, r))),
        _ => {}
    }
    v.extend(ev.script_dirs().iter().cloned());
    let mut seen = BTreeSet::new();
    v.retain(|b| seen.insert(b.clone()));
    v
}

impl Hooks for Plan<'_> {
    fn command(&mut self, ev: &Core, cmd: &Command) -> Reply {
        if self.steps.len() >= MAX_STEPS {
            return Reply::default();
        }
        let Some(here) = cmd.here else { return Reply::default() };
        if let Some(tool) = commands::recognise(cmd.args, &ev.text().text) {
            let cap = ev.frames().iter().filter_map(|f| match f {
                Frame::Timeout { ms, .. } => Some(*ms),
                _ => None,
            });
            self.record(ev, here, tool, cap.min());
        }
        Reply::default()
    }

    fn glob(&mut self, ev: &Core, pattern: &str) -> Vec<String> {
        self.index.glob(&bases(ev, pattern), pattern)
    }

    fn source(&mut self, ev: &Core, path: &str) -> Option<FileId> {
        self.index.locate(&bases(ev, path), path).and_then(|p| self.index.file(&p))
    }
}

impl Plan<'_> {
    fn record(&mut self, ev: &Core, here: Span, tool: Tool, cap: Option<i64>) {
        let capped = |b: Bound| match (b, cap) {
            (b, None) | (b @ Bound::Once, _) => b,
            (Bound::Unbounded, Some(c)) => Bound::Millis(c),
            (Bound::Millis(x) | Bound::Default(x), Some(c)) if c < x => Bound::Millis(c),
            (b, _) => b,
        };
        let action = match tool {
            Tool::Apply { files, kustomize, recursive } => {
                let mut paths = Vec::new();
                let mut objects = Vec::new();
                for f in &files {
                    paths.push(Spanned::new(f.text.clone(), f.span));
                    if f.known && f.text != "-" && !f.text.contains("://") {
                        objects.extend(self.index.apply(&bases(ev, &f.text), &f.text, recursive));
                    }
                }
                if let Some(k) = &kustomize {
                    paths.push(Spanned::new(k.text.clone(), k.span));
                    if k.known && !k.text.contains("://") {
                        objects.extend(self.index.kustomize(&bases(ev, &k.text), &k.text));
                    }
                }
                self.applied.extend(objects.iter().copied());
                PlanAction::Apply { paths, objects }
            }
            Tool::Wait { condition, targets, timeout } => {
                let (targets, objects) = self.targets(ev, &targets, here);
                PlanAction::Wait { condition, targets, objects, timeout: capped(timeout) }
            }
            Tool::Rollout { targets, timeout } => {
                let (targets, objects) = self.targets(ev, &targets, here);
                PlanAction::RolloutStatus { targets, objects, timeout: capped(timeout) }
            }
            Tool::Helm { release, chart, wait, timeout } => {
                PlanAction::Helm { release, chart, wait, timeout: capped(timeout) }
            }
            Tool::Sleep { millis } => PlanAction::Sleep { millis: cap.map_or(millis, |c| millis.min(c)) },
        };
        let step = PlanStep { span: here, action };
        self.steps.push((step, ev.errexit()));
    }

    /// Objects a wait is about. Among objects that match, those this script applied earlier
    /// win over others of the same kind and name elsewhere in the inputs.
    fn targets(&self, ev: &Core, t: &Targets, here: Span) -> (Vec<(String, String)>, Vec<ObjectId>) {
        let p = self.index.platform;
        let ns = t.namespace.as_deref();
        let prefer = |ids: Vec<ObjectId>| -> Vec<ObjectId> {
            let mine: Vec<ObjectId> = ids.iter().copied().filter(|i| self.applied.contains(i)).collect();
            if mine.is_empty() { ids } else { mine }
        };
        let mut targets = Vec::new();
        let mut objects = Vec::new();
        for (k, n) in &t.named {
            let kind = resolve::canonical_kind(k, p);
            objects.extend(prefer(resolve::objects_named(p, &kind, Some(n), ns)));
            targets.push((kind, n.clone()));
        }
        if !t.kinds.is_empty() {
            let selector = match &t.selector {
                Some(s) => resolve::parse_selector(s, here),
                None => Some(LabelSelector::default()),
            };
            for k in &t.kinds {
                let kind = resolve::canonical_kind(k, p);
                if let Some(sel) = &selector {
                    objects.extend(prefer(resolve::objects_selected(p, &kind, sel, ns)));
                }
                targets.push((kind, String::new()));
            }
        }
        let mut from_files = Vec::new();
        for f in t.files.iter().filter(|f| f.known && f.text != "-" && !f.text.contains("://")) {
            from_files.extend(self.index.apply(&bases(ev, &f.text), &f.text, t.recursive));
        }
        if let Some(k) = t.kustomize.as_ref().filter(|k| k.known) {
            from_files.extend(self.index.kustomize(&bases(ev, &k.text), &k.text));
        }
        for id in from_files {
            let o = p.object(id);
            targets.push((o.kind.value.clone(), o.name_str().to_string()));
            objects.push(id);
        }
        let mut seen = BTreeSet::new();
        objects.retain(|id| seen.insert(*id));
        (targets, objects)
    }
}
