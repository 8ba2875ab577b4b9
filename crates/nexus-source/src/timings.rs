//! Wall time per pipeline stage, for `check --stats` and `NEXUS_LINT_TIMINGS=1`.
//!
//! The stages live in several crates (reading here and in the CLI, parsing and front ends in
//! `nexus-model`, rules in `nexus-rules`), so the record is process-wide rather than threaded
//! through every signature. It costs one relaxed atomic load per stage when off; when on, each
//! stage adds its elapsed time under its name, with the process's resident memory when it ended
//! (Linux; where each stage leaves memory is what a peak-memory budget is planned from), and the
//! CLI prints the table on stderr only.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

static ENABLED: AtomicBool = AtomicBool::new(false);
static RECORDED: Mutex<Vec<Stage>> = Mutex::new(Vec::new());

/// One stage: its name, its wall time, and the resident memory when it last ended (KiB).
#[derive(Clone, Debug)]
pub struct Stage {
    pub name: &'static str,
    pub wall: Duration,
    pub rss_kib: Option<u64>,
}

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
    let rss_kib = memory("VmRSS:");
    let mut recorded = RECORDED.lock().unwrap_or_else(|e| e.into_inner());
    match recorded.iter_mut().find(|s| s.name == name) {
        Some(s) => {
            s.wall += elapsed;
            s.rss_kib = rss_kib;
        }
        None => recorded.push(Stage { name, wall: elapsed, rss_kib }),
    }
}

/// The stages recorded so far, in the order first met.
pub fn recorded() -> Vec<Stage> {
    RECORDED.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// A memory figure of this process from `/proc/self/status` (`VmRSS:` resident now, `VmHWM:`
/// the peak), in KiB; None where there is no such file.
pub fn memory(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..].trim().trim_end_matches("kB").trim().parse().ok()
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
        let names: Vec<&str> = recorded().iter().map(|s| s.name).filter(|n| n.starts_with("test-")).collect();
        assert_eq!(names, ["test-a", "test-b"]);
    }
}
