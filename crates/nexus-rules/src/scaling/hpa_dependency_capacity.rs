//! NX305 hpa-dependency-capacity: see `rules/scaling/NX305-hpa-dependency-capacity.md`.

use crate::prelude::*;
use nexus_model::capacity::{ConnectionLimit, Figure, LimitKind, PodConnections};
use nexus_model::scaling::{is_keda, pod_count};
use nexus_model::{Platform, WorkloadId};

declare_rule!(Warning);

/// What one other consumer of the datastore adds at its largest scale.
struct Other<'a> {
    name: &'a str,
    pods: i64,
    conns: Vec<&'a PodConnections>,
}

impl Other<'_> {
    fn total(&self) -> i64 {
        self.pods * self.conns.iter().map(|c| c.per_pod()).sum::<i64>()
    }
}

/// `pool 10`, or `(pool 10 + 4 workers × pool 5)` for several containers.
fn formula(conns: &[&PodConnections]) -> String {
    match conns {
        [one] => one.formula(),
        many => format!("({})", many.iter().map(|c| c.formula()).collect::<Vec<_>>().join(" + ")),
    }
}

fn label(f: &Figure) -> String {
    match f.span {
        Some(_) if f.source.starts_with('`') => format!("{} {} ({})", f.term, f.value, f.source),
        _ => format!("{}: {}", f.source, f.value),
    }
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for (s, h) in p.hpas() {
        let (Some(target), Some(max)) = (h.target, h.max_replicas.as_ref()) else { continue };
        let mine = p.capacity.pools_of(target);
        let mut providers: Vec<WorkloadId> = mine.iter().map(|c| c.provider).collect();
        providers.sort();
        providers.dedup();
        for prov in providers {
            let Some(limit) = p.capacity.limit_of(prov) else { continue };
            let Some(capacity) = capacity_of(p, prov, limit) else { continue };
            let conns: Vec<&PodConnections> = mine.iter().filter(|c| c.provider == prov).collect();
            let per_pod: i64 = conns.iter().map(|c| c.per_pod()).sum();
            if per_pod <= 0 {
                continue;
            }
            let own = max.value * per_pod;
            let others = others(p, target, prov);
            let others_total: i64 = others.iter().map(Other::total).sum();
            let total = own + others_total;
            if total <= capacity.0 {
                continue;
            }
            let w = p.workload(target);
            let pr = p.workload(prov);
            let mut arithmetic = format!("maxReplicas {} × {} = {own} connections", max.value, formula(&conns));
            if !others.is_empty() {
                let parts: Vec<String> = others
                    .iter()
                    .map(|o| format!("{} from `{}` ({} × {})", o.total(), o.name, pods(o.pods), formula(&o.conns)))
                    .collect();
                arithmetic.push_str(&format!(", + {} = {total}", parts.join(" + ")));
            }
            let message = format!("{arithmetic} > {} of `{}`", capacity.1, pr.name.value);
            let room = (capacity.0 - others_total) / per_pod;
            let lower = if room >= 1 {
                format!("lower `maxReplicas` to {room}")
            } else {
                format!("lower the other consumers' share (they use {others_total} already)")
            };
            let pooler = if limit.kind == LimitKind::PgBouncer {
                format!("raise `{}` of `{}`", limit.max.term, pr.name.value)
            } else {
                format!(
                    "raise `{}` of `{}`, or put a pooler such as PgBouncer in front of it",
                    limit.max.term, pr.name.value
                )
            };
            let what = if is_keda(h) { "ScaledObject" } else { "HPA" };
            let mut d = Diagnostic::new(META, max.span, message)
                .label(format!(
                    "at {} pods, `{}` opens {own} connections to `{}`",
                    max.value, w.name.value, pr.name.value
                ))
                .help(format!(
                    "Size the tier to what its datastore accepts: {lower}, shrink the pool, or {pooler}. \
                     Past the limit, new pods of `{}` fail to connect exactly when load peaks ({what} `{}`).",
                    w.name.value, s.name.value
                ))
                .resource(&s.resource)
                .template(p.object(s.object).template.as_deref())
                .key(pr.name.value.clone());
            for c in &conns {
                for f in c.pool.iter().chain(c.processes.iter()) {
                    if let Some(span) = f.span {
                        d = d.secondary(span, label(f));
                    }
                }
            }
            let limit_label = match (limit.max.span.is_some(), limit.max.source.starts_with('`')) {
                (true, true) => {
                    format!("`{}` accepts {} {} ({})", pr.name.value, limit.max.term, limit.max.value, limit.max.source)
                }
                _ => format!("`{}` accepts {} ({})", pr.name.value, limit.max.value, limit.max.source),
            };
            d = d.secondary(limit.max.span.unwrap_or(pr.name.span), limit_label);
            out.push(d);
        }
    }
}

fn pods(n: i64) -> String {
    if n == 1 { "1 pod".into() } else { format!("{n} pods") }
}

/// The provider's limit in connections, and how it reads: `max_connections 100`,
/// `max_client_conn 100 × 2 pods = 200`.
fn capacity_of(p: &Platform, prov: WorkloadId, limit: &ConnectionLimit) -> Option<(i64, String)> {
    let (term, value) = (&limit.max.term, limit.max.value);
    if !limit.per_pod {
        return Some((value, format!("{term} {value}")));
    }
    let n = pod_count(p, p.workload(prov))?.max;
    if n == 1 {
        return Some((value, format!("{term} {value}")));
    }
    Some((value * n, format!("{term} {value} × {n} pods = {}", value * n)))
}

/// The other long-running consumers of the provider whose connections are known, each at its
/// largest scale.
fn others(p: &Platform, target: WorkloadId, prov: WorkloadId) -> Vec<Other<'_>> {
    let mut out = Vec::new();
    for w in &p.workloads {
        if w.id == target || !w.is_long_running() {
            continue;
        }
        let conns: Vec<&PodConnections> = p.capacity.pools_of(w.id).iter().filter(|c| c.provider == prov).collect();
        if conns.is_empty() {
            continue;
        }
        let Some(n) = pod_count(p, w) else { continue };
        out.push(Other { name: &w.name.value, pods: n.max, conns });
    }
    out
}
