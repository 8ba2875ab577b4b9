//! Scaling facts derived from the model: the autoscalers and disruption budgets of a workload,
//! how many pods it runs, the HPA behavior with the API's defaults applied (and what it allows
//! in a minute), and the resource requests the HPA controller sums for a Utilization metric.
//!
//! Every number the Kubernetes API or controller supplies when a manifest leaves it out is a
//! constant here, with its source (research `simulation-model.md` §A5).

use nexus_source::Span;

use crate::{
    Container, Hpa, ObjectId, Pdb, Platform, PortRef, Scaler, ScalerKind, Spanned, Workload, WorkloadId, WorkloadKind,
    same_namespace,
};

/// `minReplicas` when an HPA leaves it out (`pkg/apis/autoscaling/v2/defaults.go`).
pub const DEFAULT_MIN_REPLICAS: i64 = 1;
/// The metric of an HPA that names none: CPU at 80% utilization (`DefaultCPUUtilization`).
pub const DEFAULT_CPU_UTILIZATION: i64 = 80;
/// The scale-down stabilization window when `behavior` gives none: the controller's
/// `--horizontal-pod-autoscaler-downscale-stabilization`, 5 minutes.
pub const DEFAULT_DOWNSCALE_STABILIZATION: i64 = 300;
/// The controller's `--horizontal-pod-autoscaler-sync-period`.
pub const SYNC_PERIOD: i64 = 15;

/// A LimitRange: which resources it gives a request to the containers that set none.
#[derive(Clone, Debug)]
pub struct LimitRange {
    pub object: ObjectId,
    pub name: Spanned<String>,
    pub namespace: Option<String>,
    pub span: Span,
    /// `cpu`, `memory`, … from the `Container` item's `defaultRequest` or `default`.
    pub default_requests: Vec<String>,
}

/// Is this HPA a KEDA ScaledObject (which creates an HPA of its own)?
pub fn is_keda(h: &Hpa) -> bool {
    h.api_version.starts_with("keda.sh/")
}

/// The HPAs and ScaledObjects that scale a workload, in input order.
pub fn autoscalers(p: &Platform, w: WorkloadId) -> Vec<(&Scaler, &Hpa)> {
    fn hpa(s: &Scaler, w: WorkloadId) -> Option<&Hpa> {
        match &s.kind {
            ScalerKind::Hpa(h) if h.target == Some(w) => Some(&**h),
            _ => None,
        }
    }
    // Once linked, from the per-workload table (a scan of every scaler per workload made
    // the rules over pod counts quadratic); before, by that scan.
    match p.index.autoscalers_of.get(w.index()) {
        Some(ids) if p.index.autoscalers_of.len() == p.workloads.len() => {
            ids.iter().filter_map(|&i| hpa(&p.scalers[i], w).map(|h| (&p.scalers[i], h))).collect()
        }
        _ => p.scalers.iter().filter_map(|s| hpa(s, w).map(|h| (s, h))).collect(),
    }
}

/// `minReplicas` with the API default applied (KEDA's default, 0, is in the model already).
pub fn min_replicas(h: &Hpa) -> i64 {
    h.min_replicas.as_ref().map_or(DEFAULT_MIN_REPLICAS, |m| m.value)
}

/// How many pods a long-running workload runs: fixed, or between an autoscaler's bounds.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct PodCount {
    pub min: i64,
    pub max: i64,
    pub autoscaled: bool,
}

/// The pods of a Deployment, StatefulSet, ReplicaSet, Pod or Compose service (`replicas`,
/// default 1, or its first autoscaler's bounds); None for DaemonSets (one per node), batch
/// workloads and an autoscaler with no `maxReplicas`.
pub fn pod_count(p: &Platform, w: &Workload) -> Option<PodCount> {
    match w.kind {
        WorkloadKind::DaemonSet | WorkloadKind::Job | WorkloadKind::CronJob => None,
        WorkloadKind::Pod => Some(PodCount { min: 1, max: 1, autoscaled: false }),
        _ => match autoscalers(p, w.id).first() {
            Some((_, h)) => {
                let max = h.max_replicas.as_ref()?.value;
                Some(PodCount { min: min_replicas(h).min(max), max, autoscaled: true })
            }
            None => {
                let n = w.replicas.as_ref().map_or(1, |r| r.value);
                Some(PodCount { min: n, max: n, autoscaled: false })
            }
        },
    }
}

/// How an HPA picks among its policies.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SelectPolicy {
    /// The policy that allows the largest change (the default).
    Max,
    Min,
    /// No scaling in this direction.
    Disabled,
}

/// A scaling policy: at most `value` pods (or percent) per `period` seconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub percent: bool,
    pub value: i64,
    pub period: i64,
}

impl Policy {
    fn describe(&self, up: bool) -> String {
        let sign = if up { '+' } else { '-' };
        match (self.percent, self.value) {
            (true, v) => format!("{sign}{v}% per {} s", self.period),
            (false, 1) => format!("{sign}1 pod per {} s", self.period),
            (false, v) => format!("{sign}{v} pods per {} s", self.period),
        }
    }
}

/// One direction of an HPA's behavior, with the API's defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Direction {
    pub up: bool,
    pub stabilization: i64,
    pub select: SelectPolicy,
    pub policies: Vec<Policy>,
    /// Where the window is written; None when it is the default.
    pub stabilization_span: Option<Span>,
    /// Where the policies are written (the first); None when they are the defaults.
    pub policies_span: Option<Span>,
    /// The `scaleUp`/`scaleDown` value, when written.
    pub rules_span: Option<Span>,
}

/// An HPA's behavior with every default applied (`GenerateHPAScaleUpRules`,
/// `GenerateHPAScaleDownRules` in `pkg/apis/autoscaling/v2/defaults.go`): scale-up with no window
/// and the larger of +4 pods and +100% per 15 s; scale-down after the controller's 300 s window,
/// by up to 100% per 15 s. Each field is defaulted on its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Behavior {
    pub up: Direction,
    pub down: Direction,
}

pub fn behavior(h: &Hpa) -> Behavior {
    let direction = |rules: Option<&crate::ScalingRules>, up: bool| {
        let default_policies = if up {
            vec![Policy { percent: false, value: 4, period: 15 }, Policy { percent: true, value: 100, period: 15 }]
        } else {
            vec![Policy { percent: true, value: 100, period: 15 }]
        };
        let written: Vec<Policy> = rules
            .map(|r| {
                r.policies
                    .iter()
                    .map(|p| Policy { percent: p.value.0 == "Percent", value: p.value.1, period: p.value.2 })
                    .collect()
            })
            .unwrap_or_default();
        let select = match rules.and_then(|r| r.select_policy.as_ref()).map(|s| s.value.as_str()) {
            Some("Min") => SelectPolicy::Min,
            Some("Disabled") => SelectPolicy::Disabled,
            _ => SelectPolicy::Max,
        };
        let window = rules.and_then(|r| r.stabilization_seconds.as_ref());
        Direction {
            up,
            stabilization: window.map_or(if up { 0 } else { DEFAULT_DOWNSCALE_STABILIZATION }, |w| w.value),
            select,
            policies_span: rules.and_then(|r| r.policies.first()).map(|p| p.span),
            policies: if written.is_empty() { default_policies } else { written },
            stabilization_span: window.map(|w| w.span),
            rules_span: rules.map(|r| r.span),
        }
    };
    Behavior { up: direction(h.scale_up.as_ref(), true), down: direction(h.scale_down.as_ref(), false) }
}

impl Direction {
    /// The replicas this direction allows `seconds` after its window has passed, starting from
    /// `from` and wanting to grow (or shrink) without bound, with the controller's arithmetic
    /// (`calculateScaleUpLimitWithScalingRules`, `calculateScaleDownLimitWithBehaviors`): one
    /// decision per sync period, each policy limiting the change since the start of its period.
    pub fn reach(&self, from: i64, seconds: i64) -> i64 {
        let mut history: Vec<(i64, i64)> = vec![(-1, from.max(0))];
        let mut t = 0;
        while t <= seconds {
            let current = history.last().map_or(from, |h| h.1);
            let next = self.step(&history, t, current);
            history.push((t, next));
            t += SYNC_PERIOD;
        }
        history.last().map_or(from, |h| h.1)
    }

    fn step(&self, history: &[(i64, i64)], now: i64, current: i64) -> i64 {
        if self.select == SelectPolicy::Disabled || self.policies.is_empty() {
            return current;
        }
        let at = |t: i64| history.iter().rev().find(|h| h.0 <= t).map_or(history[0].1, |h| h.1);
        let proposals = self.policies.iter().map(|pol| {
            let start = at(now - pol.period);
            match (self.up, pol.percent) {
                (true, false) => start + pol.value,
                (true, true) => (start * (100 + pol.value) + 99) / 100,
                (false, false) => start - pol.value,
                (false, true) => start * (100 - pol.value).max(0) / 100,
            }
        });
        // The default (`Max`) picks the largest change: the highest count up, the lowest down.
        let largest_change = (self.select == SelectPolicy::Max) == self.up;
        let limit = if largest_change { proposals.max() } else { proposals.min() }.unwrap_or(current);
        if self.up { limit.max(current) } else { limit.min(current).max(0) }
    }

    /// `at once` / `after 60 s`, then the policies: what a person reads in a message.
    pub fn describe(&self) -> String {
        let when = match (self.stabilization, self.stabilization_span.is_some()) {
            (0, _) => "at once".to_string(),
            (s, true) => format!("after {s} s"),
            (s, false) => format!("after the default {s} s"),
        };
        let rate = match self.select {
            SelectPolicy::Disabled => return "never (`selectPolicy: Disabled`)".into(),
            _ if self.policies.len() == 1 => self.policies[0].describe(self.up),
            sel => {
                let parts: Vec<String> = self.policies.iter().map(|p| p.describe(self.up)).collect();
                let which = if sel == SelectPolicy::Max { "the larger" } else { "the smaller" };
                format!("{which} of {}", parts.join(" and "))
            }
        };
        let defaults = if self.policies_span.is_none() { " (the default policies)" } else { "" };
        format!("{when}, then by {rate}{defaults}")
    }
}

/// Where a container's request for a resource comes from once admitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// `resources.requests` sets it.
    Written(Span),
    /// Only a limit is set, and the request defaults to it.
    FromLimit(Span),
    /// A LimitRange of the namespace gives it.
    FromLimitRange(Span),
    Missing,
}

/// The containers whose requests the HPA controller sums for a resource metric
/// (`calculatePodRequests` in `pkg/controller/podautoscaler/replica_calculator.go`): every
/// container and every native sidecar (an init container with `restartPolicy: Always`);
/// ordinary init containers are not counted. A `ContainerResource` metric counts its container
/// alone (None when the pod has no container of that name).
pub fn counted_containers<'a>(w: &'a Workload, container: Option<&str>) -> Option<Vec<&'a Container>> {
    let all: Vec<&Container> = w.containers.iter().chain(w.init_containers.iter().filter(|c| c.is_sidecar())).collect();
    match container {
        None => Some(all),
        Some(name) => {
            let one: Vec<&Container> = all.into_iter().filter(|c| c.name.value == name).collect();
            (!one.is_empty()).then_some(one)
        }
    }
}

/// A container's request for `resource` as the API server admits it.
pub fn request(p: &Platform, w: &Workload, c: &Container, resource: &str) -> Request {
    if let Some(r) = c.requests.get(resource) {
        return Request::Written(r.span);
    }
    if let Some(l) = c.limits.get(resource) {
        return Request::FromLimit(l.span);
    }
    p.limit_ranges
        .iter()
        .filter(|l| same_namespace(l.namespace.as_deref(), w.namespace.as_deref()))
        .find(|l| l.default_requests.iter().any(|r| r == resource))
        .map_or(Request::Missing, |l| Request::FromLimitRange(l.name.span))
}

/// The pods of one workload a PodDisruptionBudget selects.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Covered {
    pub workload: WorkloadId,
    /// Selected pods at the workload's smallest scale (the most a budget can block).
    pub pods: i64,
    /// Every pod of the workload is selected (else some StatefulSet pods, by the labels its
    /// controller adds to each pod).
    pub all: bool,
}

/// StatefulSet pod labels the controller adds to each pod, which a budget can select one
/// pod by.
const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";

/// What a budget selects: the workloads whose pod template it matches, and single pods of a
/// StatefulSet that it picks by name or index.
pub fn covered(p: &Platform, budget: &Scaler, pdb: &Pdb) -> Vec<Covered> {
    let mut out: Vec<Covered> = pdb
        .targets
        .iter()
        .filter_map(|t| {
            let n = pod_count(p, p.workload(*t))?;
            Some(Covered { workload: *t, pods: n.min, all: true })
        })
        .collect();
    let per_pod = pdb.selector.match_labels.contains_key(POD_NAME_LABEL)
        || pdb.selector.match_labels.contains_key(POD_INDEX_LABEL)
        || pdb.selector.match_expressions.iter().any(|e| e.key == POD_NAME_LABEL || e.key == POD_INDEX_LABEL);
    if !per_pod {
        return out;
    }
    for w in &p.workloads {
        if w.kind != WorkloadKind::StatefulSet
            || pdb.targets.contains(&w.id)
            || !same_namespace(w.namespace.as_deref(), budget.namespace.as_deref())
        {
            continue;
        }
        let Some(n) = pod_count(p, w) else { continue };
        let selected = (0..n.min)
            .filter(|i| {
                let mut labels = w.pod_labels.clone();
                let span = w.name.span;
                labels.insert(POD_NAME_LABEL.into(), Spanned::new(format!("{}-{i}", w.name.value), span));
                labels.insert(POD_INDEX_LABEL.into(), Spanned::new(i.to_string(), span));
                pdb.selector.matches(&labels)
            })
            .count() as i64;
        if selected > 0 {
            out.push(Covered { workload: w.id, pods: selected, all: false });
        }
    }
    out
}

/// The disruption budgets that select any pod of a workload.
pub fn budgets_of(p: &Platform, w: WorkloadId) -> Vec<&Scaler> {
    p.scalers
        .iter()
        .filter(|s| match &s.kind {
            ScalerKind::Pdb(pdb) => covered(p, s, pdb).iter().any(|c| c.workload == w),
            _ => false,
        })
        .collect()
}

/// A budget's `minAvailable`/`maxUnavailable` as a count of `pods` (percentages round up, as
/// the disruption controller's `GetScaledValueFromIntOrPercent(…, true)` does); None for a
/// value that is neither a number nor a percentage.
pub fn scaled(v: &PortRef, pods: i64) -> Option<i64> {
    match v {
        PortRef::Number(n) => Some(*n),
        PortRef::Name(s) => {
            let pct: i64 = s.strip_suffix('%')?.trim().parse().ok()?;
            Some((pods * pct + 99) / 100)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(up: bool, stabilization: i64, select: SelectPolicy, policies: &[(bool, i64, i64)]) -> Direction {
        Direction {
            up,
            stabilization,
            select,
            policies: policies.iter().map(|&(percent, value, period)| Policy { percent, value, period }).collect(),
            stabilization_span: None,
            policies_span: None,
            rules_span: None,
        }
    }

    #[test]
    fn scale_up_follows_the_controller_arithmetic() {
        // The defaults: the larger of +4 pods and +100% per 15 s, from 2 pods.
        let d = dir(true, 0, SelectPolicy::Max, &[(false, 4, 15), (true, 100, 15)]);
        assert_eq!(d.reach(2, 0), 6);
        assert_eq!(d.reach(2, 15), 12);
        assert_eq!(d.reach(2, 60), 96);
        // +200% per 15 s triples every sync.
        assert_eq!(dir(true, 0, SelectPolicy::Max, &[(true, 200, 15)]).reach(2, 30), 54);
        // A 60 s period allows +2 once a minute.
        assert_eq!(dir(true, 0, SelectPolicy::Max, &[(false, 2, 60)]).reach(3, 45), 5);
        assert_eq!(dir(true, 0, SelectPolicy::Max, &[(false, 2, 60)]).reach(3, 60), 7);
        // Min picks the smaller change; Disabled never scales.
        assert_eq!(dir(true, 0, SelectPolicy::Min, &[(false, 4, 15), (true, 100, 15)]).reach(2, 0), 4);
        assert_eq!(dir(true, 0, SelectPolicy::Disabled, &[(false, 4, 15)]).reach(2, 60), 2);
    }

    #[test]
    fn scale_down_follows_the_controller_arithmetic() {
        assert_eq!(dir(false, 300, SelectPolicy::Max, &[(true, 100, 15)]).reach(20, 0), 0);
        assert_eq!(dir(false, 300, SelectPolicy::Max, &[(false, 1, 60)]).reach(10, 60), 8);
        assert_eq!(dir(false, 300, SelectPolicy::Max, &[(true, 10, 15)]).reach(10, 0), 9);
    }

    #[test]
    fn descriptions() {
        let d = dir(true, 0, SelectPolicy::Max, &[(false, 4, 15), (true, 100, 15)]);
        assert_eq!(
            d.describe(),
            "at once, then by the larger of +4 pods per 15 s and +100% per 15 s (the default policies)"
        );
        let d = dir(false, 300, SelectPolicy::Max, &[(true, 100, 15)]);
        assert_eq!(d.describe(), "after the default 300 s, then by -100% per 15 s (the default policies)");
    }

    #[test]
    fn budget_percentages_round_up() {
        assert_eq!(scaled(&PortRef::Name("50%".into()), 3), Some(2));
        assert_eq!(scaled(&PortRef::Name("100%".into()), 3), Some(3));
        assert_eq!(scaled(&PortRef::Number(1), 3), Some(1));
        assert_eq!(scaled(&PortRef::Name("half".into()), 3), None);
    }
}
