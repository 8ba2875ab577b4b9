use crate::prelude::*;
use nexus_model::migration::image_basename;
use nexus_model::{Format, Probe, Workload};

declare_rule!(Warning);

pub const STARTUP_ANNOTATION: &str = "nexus-lint.io/startup-seconds";

/// Cold-start times (seconds) of images known to start slowly with default settings: a
/// conservative upper bound of what their documentation and issue trackers report. Anything
/// else is judged only by the `nexus-lint.io/startup-seconds` annotation.
const SLOW_IMAGES: &[(&str, i64)] = &[
    ("elasticsearch", 60),
    ("opensearch", 60),
    ("keycloak", 60),
    ("sonarqube", 120),
    ("jenkins", 90),
    ("nexus3", 120),
    ("cassandra", 90),
    ("neo4j", 60),
    ("mssql", 60),
    ("oracle", 300),
    ("kafka", 45),
    ("cp-kafka", 45),
    ("solr", 45),
    ("artifactory", 120),
    ("gitlab", 300),
];

/// The start time a workload declares (`"5..30"` → 30, `"45"` → 45), or that its image is
/// known for.
fn expected_start(w: &Workload) -> Option<(i64, bool)> {
    if let Some(a) = w.annotation(STARTUP_ANNOTATION) {
        let upper = a.value.rsplit("..").next().unwrap_or("").trim().trim_end_matches('s');
        return upper.parse().ok().map(|s| (s, true));
    }
    let base = w.containers.first().map(|c| image_basename(c.image_str()).to_ascii_lowercase())?;
    SLOW_IMAGES.iter().find(|(n, _)| base.starts_with(n)).map(|(_, s)| (*s, false))
}

/// Seconds before liveness kills a container that is not up yet: initialDelaySeconds +
/// failureThreshold × periodSeconds (defaults 0, 3, 10 — the API's probe defaults).
fn budget(p: &Probe) -> i64 {
    let delay = p.initial_delay_ms.as_ref().map_or(0, |d| d.value) / 1000;
    let period = p.period_ms.as_ref().map_or(10_000, |d| d.value) / 1000;
    let failures = p.failure_threshold.as_ref().map_or(3, |d| d.value);
    delay + failures * period
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for w in cx.platform.workloads.iter().filter(|w| w.resource.format == Format::Kubernetes) {
        let Some((expected, declared)) = expected_start(w) else { continue };
        for c in &w.containers {
            let (Some(live), None) = (&c.liveness, &c.startup) else { continue };
            let b = budget(live);
            if b >= expected {
                continue;
            }
            let why = if declared {
                format!("declared start time {expected} s")
            } else {
                format!("`{}` typically needs up to {expected} s", image_basename(c.image_str()))
            };
            out.push(
                Diagnostic::new(
                    META,
                    live.key_span,
                    format!("liveness probe of `{}` kills it after {b} s, before it has started ({why})", c.name.value),
                )
                .label(format!("{b} s budget"))
                .help(format!(
                    "Add a `startupProbe` (e.g. `failureThreshold: {}`, `periodSeconds: 5`) so liveness only starts once the app is up.",
                    (expected + 4) / 5 + 2
                ))
                .resource(&w.resource)
                .template(w.template.as_deref())
                .key(c.name.value.clone()),
            );
        }
    }
}
