//! Deploy plans from shell scripts: the order in which a deploy script creates objects, and what
//! it waits for in between (PRODUCT.md §2, "Deploy plan").
//!
//! A script is read, never run (by the one shell reader, [`nexus_source::shell`]; [`script`] is this
//! reader's side of it): variables, functions, `cd`,
//! loops over literal lists and conditions whose outcome is known are followed the way bash would
//! follow them, and each recognised command becomes a [`PlanStep`](super::PlanStep):
//!
//! | command | action |
//! |---|---|
//! | `kubectl apply`/`create`/`replace` `-f PATH…` `[-R]`, `-k DIR` | [`PlanAction::Apply`](super::PlanAction::Apply) with the objects, in kubectl's order |
//! | `kubectl wait --for=… TARGET…` | [`PlanAction::Wait`](super::PlanAction::Wait) |
//! | `kubectl rollout status TARGET` | [`PlanAction::RolloutStatus`](super::PlanAction::RolloutStatus) |
//! | `helm upgrade [--install]`, `helm install` | [`PlanAction::Helm`](super::PlanAction::Helm) |
//! | `sleep N` | [`PlanAction::Sleep`](super::PlanAction::Sleep) |
//!
//! Applied paths are resolved against the files read ([`resolve`]): relative to the directory
//! the script changes to, else to the script's directory or one of its ancestors (scripts are
//! usually run from the repository root). A directory yields the objects of its files in
//! lexical order, with no waits between them — exactly what `kubectl apply -f dir/` does.
//!
//! What the steps hold:
//! - a step's span is the command as written, from its first word to its end (continuation lines
//!   included); for a command inside a function, the command in the function's body;
//! - `Apply::paths` are the `-f`/`-k` values after expansion (unknown parts kept as written:
//!   `$DIR/app.yaml`), each spanned at its word; `-` and URLs resolve to no object;
//! - `Wait::condition` is the `--for` value as written (`condition=available`, `delete`,
//!   `jsonpath=…`), read by [`wait_level`];
//! - `targets` are (Kubernetes kind, name) with the kind normalised (`deploy` → `Deployment`);
//!   the name is empty for a `-l`/`--all` selection; `objects` are the matching objects,
//!   preferring those the script applied earlier over same-named ones elsewhere in the inputs;
//! - timeouts: `kubectl wait` without `--timeout` is `Bound::Default(30_000)`, `0` is
//!   `Bound::Once`, a negative one a week; `rollout status` without one (or with `0`) is
//!   `Bound::Unbounded`, `--watch=false` `Bound::Once`; Helm's default is
//!   `Bound::Default(300_000)`; a `timeout N` wrapper caps them all.

mod commands;
mod orchestrated;

pub use orchestrated::orchestrated;
mod resolve;
mod script;
#[cfg(test)]
mod tests;

use super::{DeployPlan, PlanAction, PlanKind, Platform, ReadyLevel};
use nexus_source::{FileId, SourceDb};

/// Reads the deploy scripts among `files` into plans, resolving applied paths to objects. A
/// script with no deploy step (a backup script, a library of functions) has no plan; neither has
/// one whose only steps are `sleep`s.
pub fn plans(db: &SourceDb, platform: &Platform, files: &[FileId]) -> Vec<DeployPlan> {
    if files.is_empty() {
        return Vec::new();
    }
    let index = resolve::Index::new(db, platform);
    files
        .iter()
        .filter(|f| (f.0 as usize) < db.len())
        .filter_map(|&file| {
            let steps = script::run(db, &index, file);
            // Pauses alone (a retry loop in a backup script) do not make a deploy.
            if steps.iter().all(|(s, _)| matches!(s.action, PlanAction::Sleep { .. })) {
                return None;
            }
            // The plan stops at a failed step only if errexit was on for every step.
            let errexit = steps.iter().all(|(_, e)| *e);
            Some(DeployPlan {
                file,
                kind: PlanKind::Script,
                name: db.get(file).path.clone(),
                steps: steps.into_iter().map(|(s, _)| s).collect(),
                errexit,
            })
        })
        .collect()
}

/// What passing a `kubectl wait --for=…` proves, from the `condition` of a
/// [`PlanAction::Wait`](super::PlanAction::Wait): `condition=available`/`ready` →
/// [`ReadyLevel::Healthy`], `condition=complete` → [`ReadyLevel::Completed`]; None for `delete`,
/// `create`, JSONPath waits, other conditions, and conditions waited on as false. Condition names
/// compare case-insensitively, as kubectl compares them.
pub fn wait_level(condition: &str) -> Option<ReadyLevel> {
    let c = condition.strip_prefix("condition=")?;
    let (name, value) = c.split_once('=').unwrap_or((c, "true"));
    if !value.eq_ignore_ascii_case("true") {
        return None;
    }
    match name.to_ascii_lowercase().as_str() {
        "available" | "ready" | "containersready" => Some(ReadyLevel::Healthy),
        "complete" => Some(ReadyLevel::Completed),
        _ => None,
    }
}
