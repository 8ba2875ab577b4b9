//! Wall time per pipeline stage, for `check --stats` and `NEXUS_LINT_TIMINGS=1`.
//!
//! The stages live in several crates (reading here and in the CLI, parsing and front ends in
//! `nexus-model`, rules in `nexus-rules`), so the record is process-wide rather than threaded
//! through every signature. It costs one relaxed atomic load per stage when off; when on, each
//! stage adds its elapsed time under its name, and the CLI prints the table on stderr only.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

static ENABLED: AtomicBool = AtomicBool::new(false);
static RECORDED: Mutex<Vec<(&'static str, Duration)>> = Mutex::new(Vec::new());

/// Starts recording.
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Whether stages are recorded.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Adds the time since `since` to the stage `name` (stages met twice add up).
pub fn record(name: &'static str, since: Instant) {
    if !enabled() {
        return;
    }
    let elapsed = since.elapsed();
    let mut recorded = RECORDED.lock().unwrap_or_else(|e| e.into_inner());
    match recorded.iter_mut().find(|(n, _)| *n == name) {
        Some((_, d)) => *d += elapsed,
        None => recorded.push((name, elapsed)),
    }
}

/// The stages recorded so far, in the order first met.
pub fn recorded() -> Vec<(&'static str, Duration)> {
    RECORDED.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_add_up_in_first_met_order() {
        enable();
        let t = Instant::now();
        record("test-a", t);
        record("test-b", t);
        record("test-a", t);
        let names: Vec<&str> = recorded().iter().map(|(n, _)| *n).filter(|n| n.starts_with("test-")).collect();
        assert_eq!(names, ["test-a", "test-b"]);
    }
}
