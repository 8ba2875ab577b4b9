//! NX306 hpa-behavior-mismatch: see `rules/scaling/NX306-hpa-behavior-mismatch.md`.

use std::collections::BTreeSet;

use crate::prelude::*;
use nexus_model::scaling::{Direction, autoscalers, behavior, min_replicas};
use nexus_model::{Hpa, Platform, Role, Scaler, Span, WorkloadId};

declare_rule!(Warning);

/// A minute of decisions after the window: long enough for every policy period in practice.
const HORIZON: i64 = 60;

/// How one direction compares with another's: reacts sooner (shorter window) and grows (or
/// shrinks) by a larger share of its pods in the minute after.
struct Pace {
    sooner: bool,
    later: bool,
    faster: bool,
    slower: bool,
}

impl Pace {
    fn of(a: &Direction, a_from: i64, b: &Direction, b_from: i64) -> Pace {
        let (ra, rb) = (a.reach(a_from, HORIZON), b.reach(b_from, HORIZON));
        // Relative change: ra/a_from against rb/b_from (compared crosswise, in integers). Down, a
        // smaller share left is faster.
        let (x, y) = (ra * b_from, rb * a_from);
        let (faster, slower) = if a.up { (x > y, x < y) } else { (x < y, x > y) };
        Pace { sooner: a.stabilization < b.stabilization, later: a.stabilization > b.stabilization, faster, slower }
    }

    /// Ahead on one count and behind on neither.
    fn ahead(&self) -> bool {
        (self.sooner && !self.slower) || (self.faster && !self.later)
    }

    fn words(&self) -> &'static str {
        match (self.sooner, self.faster) {
            (true, true) => "sooner and faster",
            (true, false) => "sooner",
            _ => "faster",
        }
    }
}

/// Where a direction is best shown: the window if that is what differs, else the policies,
/// else the `scaleUp`/`scaleDown` block, else the autoscaler.
fn place(d: &Direction, pace: &Pace, s: &Scaler) -> Span {
    let window = d.stabilization_span.filter(|_| pace.sooner || pace.later);
    let policies = d.policies_span.filter(|_| pace.faster || pace.slower);
    window.or(policies).or(d.stabilization_span).or(d.policies_span).or(d.rules_span).unwrap_or(s.name.span)
}

/// The pod count both directions are compared from: the same for both ends, so that equal
/// behaviors never differ — scaling up from the larger of the two minimums, down from the
/// smaller of the two maximums.
fn from(a: &Hpa, b: &Hpa, up: bool) -> i64 {
    let max = |h: &Hpa| h.max_replicas.as_ref().map_or(min_replicas(h), |m| m.value);
    if up { min_replicas(a).max(min_replicas(b)).max(1) } else { max(a).min(max(b)).max(1) }
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    let mut seen: BTreeSet<(WorkloadId, WorkloadId)> = BTreeSet::new();
    for e in &p.edges {
        let Some(prov) = e.provider.filter(|pr| *pr != e.consumer) else { continue };
        if !seen.insert((e.consumer, prov)) || matches!(p.workload(e.consumer).role, Role::Observability | Role::Admin)
        {
            continue;
        }
        let (Some(&(cs, ch)), Some(&(ps, ph))) = (autoscalers(p, e.consumer).first(), autoscalers(p, prov).first())
        else {
            continue;
        };
        let (cb, pb) = (behavior(ch), behavior(ph));
        let (up_from, down_from) = (from(ch, ph, true), from(ch, ph, false));
        let up = Pace::of(&cb.up, up_from, &pb.up, up_from);
        if up.ahead() {
            out.push(report(p, (cs, &cb.up), (ps, &pb.up), &up, e.consumer, prov));
        }
        let down = Pace::of(&pb.down, down_from, &cb.down, down_from);
        if down.ahead() {
            out.push(report(p, (ps, &pb.down), (cs, &cb.down), &down, e.consumer, prov));
        }
    }
}

/// A finding at `ahead`'s direction (the consumer scaling up, or the provider scaling down),
/// against `behind`'s.
fn report(
    p: &Platform,
    (s, ahead): (&Scaler, &Direction),
    (other, behind): (&Scaler, &Direction),
    pace: &Pace,
    consumer: WorkloadId,
    provider: WorkloadId,
) -> Diagnostic {
    let (c, pr) = (&p.workload(consumer).name.value, &p.workload(provider).name.value);
    let (verb, message, help) = if ahead.up {
        (
            "scales up",
            format!("`{c}` scales up {} than `{pr}`, which it calls", pace.words()),
            format!(
                "Make `{c}` scale up no sooner nor faster than `{pr}` (the same `scaleUp` window and policies), or \
                 `{pr}` sooner: until it catches up, the new `{c}` pods send it more traffic than it has pods for."
            ),
        )
    } else {
        (
            "scales down",
            format!("`{pr}` scales down {} than `{c}`, which calls it", pace.words()),
            format!(
                "Make `{pr}` scale down no sooner nor faster than `{c}` (a `scaleDown` window at least as long, \
                 policies no larger): it removes pods while `{c}` still sends the traffic they served."
            ),
        )
    };
    let (ahead_name, behind_name) = if ahead.up { (c, pr) } else { (pr, c) };
    Diagnostic::new(META, place(ahead, pace, s), message)
        .label(format!("`{ahead_name}` {verb} {}", ahead.describe()))
        .secondary(place(behind, pace, other), format!("`{behind_name}` {verb} {}", behind.describe()))
        .help(help)
        .resource(&s.resource)
        .template(p.object(s.object).template.as_deref())
        .key(format!("{verb} {c} {pr}"))
}
