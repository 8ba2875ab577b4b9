//! The `nexus-lint.io/*` annotations that say what manifests cannot: how long a program takes,
//! whether it retries, whether a migration locks. On a Kubernetes object or its pod template;
//! on a Compose service as a label or annotation. Durations take every form of
//! [`crate::dist::parse_dist`]: `"12"` (seconds), `"500ms"`, `"5..30"` (uniform), `"lognormal(5,
//! 20)"` (median and 95th percentile), `"lognormal(1s, 5s, 200ms..30s)"` (clamped). A value that
//! cannot be read is reported and the default is used.

use nexus_model::{Workload, WorkloadId};

use super::Builder;
use crate::dist::{Dist, parse_dist};

/// Time from a main container's start to listening (servers) or its run time (one-shots).
/// `nexus-lint.io/startup-seconds.<container>` sets one container, init containers included.
pub const STARTUP_SECONDS: &str = "nexus-lint.io/startup-seconds";
/// How long the workload's schema migration runs.
pub const MIGRATION_SECONDS: &str = "nexus-lint.io/migration-seconds";
/// `"true"`: the migration takes an advisory lock, so concurrent runs serialize (no NX903).
pub const MIGRATION_LOCK: &str = "nexus-lint.io/migration-lock";
/// How long the program runs after a refused connection before it exits.
pub const CRASH_AFTER: &str = "nexus-lint.io/crash-after-seconds";
/// Image pull time of the workload's pods (default: cached, or `simulate: images: cold`).
pub const IMAGE_PULL: &str = "nexus-lint.io/image-pull-seconds";
/// `"true"`: the app retries its connections itself instead of exiting (a gate of the model).
pub const RETRIES: &str = nexus_model::gates::RETRIES_ANNOTATION;

/// Every annotation the simulator reads, with what it means (documented in the README; a test
/// keeps the two in step).
pub fn annotation_keys() -> &'static [(&'static str, &'static str)] {
    &[
        (STARTUP_SECONDS, "time from a main container's start to listening, or a one-shot's run time"),
        ("nexus-lint.io/startup-seconds.<container>", "the same, for one container (init containers too)"),
        (MIGRATION_SECONDS, "how long the workload's schema migration runs"),
        (MIGRATION_LOCK, "`true`: the migration takes an advisory lock, so concurrent runs serialize"),
        (CRASH_AFTER, "how long the program keeps running after a refused connection before it exits"),
        (IMAGE_PULL, "image pull time of the workload's pods"),
        (RETRIES, "`true`: the app retries its connections instead of exiting"),
        (
            "nexus-lint.io/role",
            "`migration`, `one-shot`, `datastore`, … (the model's role, which decides crash or retry)",
        ),
    ]
}

/// A duration annotation of a workload, if present and readable.
pub(super) fn dist(b: &mut Builder<'_>, w: WorkloadId, key: &str) -> Option<Dist> {
    let wl: &Workload = b.m.workload(w);
    let a = wl.annotation(key)?.clone();
    match parse_dist(&a.value) {
        Ok(d) => Some(d),
        Err(e) => {
            b.problem(a.span, format!("`{key}`: {e}; the default is used"));
            None
        }
    }
}

/// `nexus-lint.io/startup-seconds.<container>`, else (for main containers)
/// `nexus-lint.io/startup-seconds`.
pub(super) fn startup(b: &mut Builder<'_>, w: WorkloadId, container: &str, main: bool) -> Option<Dist> {
    let own = format!("{STARTUP_SECONDS}.{container}");
    if b.m.workload(w).annotation(&own).is_some() {
        return dist(b, w, &own);
    }
    if main { dist(b, w, STARTUP_SECONDS) } else { None }
}

/// A `"true"`/`"false"` annotation.
pub(super) fn flag(b: &mut Builder<'_>, w: WorkloadId, key: &str) -> bool {
    let Some(a) = b.m.workload(w).annotation(key).cloned() else { return false };
    match a.value.trim().to_ascii_lowercase().as_str() {
        "true" => true,
        "false" => false,
        _ => {
            b.problem(a.span, format!("`{key}` is `\"true\"` or `\"false\"`, not `{}`", a.value));
            false
        }
    }
}
