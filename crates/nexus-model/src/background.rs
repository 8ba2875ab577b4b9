//! Background workers: processes that take their work from a queue (a job worker) or from the
//! clock (a scheduler), and that nothing calls.
//!
//! Such a process needs its broker when it starts — it blocks on the queue to fetch its first
//! job — while it opens its database for a job or a tick, through the application's lazy
//! connection (Django, Rails, Laravel, RQ, Celery, and PHP workers open the database at the
//! first query). Nothing calls it, so a late database delays background work; it loses no
//! request. Whether a particular program dials its database at start is not visible in the
//! manifests; rules say so with a lower severity rather than a warning.

use super::{Platform, Role, Workload};

/// Words of a command line that name a job worker or a scheduler process: `worker`
/// (`celery -A app worker`, `rq worker`, `bench worker`, `worker-mails`, `worker.py`),
/// Sidekiq, Laravel's `queue:work`, and schedulers (`schedule`, `scheduler`, `schedule:work`).
const WORKER_WORDS: &[&str] = &[
    "worker",
    "workers",
    "sidekiq",
    "queue:work",
    "queue:listen",
    "schedule",
    "scheduler",
    "schedule:work",
    "schedule:run",
];

/// Does a word of a command line name a worker or scheduler process? The word is taken as a
/// program path (`/usr/local/bin/worker-mails`) or script (`worker.py`), and each of its dash-
/// or underscore-separated parts counts (`worker-mails`, `schedule-functions`, and a project's
/// own aliases such as Redash's `dev_worker` and `dev_scheduler`).
fn is_worker_word(word: &str) -> bool {
    let base = word.rsplit('/').next().unwrap_or(word).to_ascii_lowercase();
    let stem = base.split('.').next().unwrap_or(&base);
    WORKER_WORDS.contains(&base.as_str())
        || WORKER_WORDS.contains(&stem)
        || stem.split(['-', '_']).any(|part| WORKER_WORDS.contains(&part))
}

/// Does the workload's main container run a worker or scheduler process (by its command line,
/// shell strings split into words)?
pub fn runs_worker_process(w: &Workload) -> bool {
    let Some(c) = w.containers.iter().find(|c| !c.is_init) else { return false };
    c.argv().flat_map(|a| a.value.split_whitespace()).any(is_worker_word)
}

/// Is this workload a background worker: it runs a worker or scheduler process, consumes a
/// broker (it connects to a queue or cache), and nothing calls it (no container port, no other
/// workload connects to it)?
pub fn is_background_worker(p: &Platform, w: &Workload) -> bool {
    runs_worker_process(w)
        && w.containers.iter().all(|c| c.ports.is_empty())
        && !p.dependents_of(w.id).any(|e| e.consumer != w.id)
        && p.dependencies_of(w.id)
            .filter_map(|e| e.provider)
            .any(|pr| pr != w.id && matches!(p.workload(pr).role, Role::Queue | Role::Cache))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_words() {
        for w in [
            "worker",
            "worker-mails",
            "/usr/local/bin/worker",
            "worker.py",
            "sidekiq",
            "queue:work",
            "schedule-functions",
            "scheduler",
            "dev_worker",
            "run-scheduler",
        ] {
            assert!(is_worker_word(w), "{w}");
        }
        for w in ["gunicorn", "networker", "server", "app.py", "celery", "-A", "workspace"] {
            assert!(!is_worker_word(w), "{w}");
        }
    }
}
