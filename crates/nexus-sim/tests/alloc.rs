//! The event loop allocates nothing in its steady state: once a runner has seen a platform's
//! trials, running more of them allocates nothing. Checked through the capacity of every
//! buffer the runner owns (the crate forbids `unsafe`, so no counting allocator): a run without
//! an event log allocates only by growing those buffers.

use nexus_sim::engine::SimOptions;
use nexus_sim::run::{Simulator, TrialKey};

#[test]
fn steady_state_trials_do_not_allocate() {
    for p in [nexus_sim::example::nexus(), nexus_sim::example::nexus_fixed()] {
        let sim = Simulator::new(&p, SimOptions::default()).unwrap();
        let mut runner = sim.runner();
        for trial in 0..2_000 {
            runner.run(TrialKey::new(1, trial));
        }
        let warm = runner.buffer_capacity();
        for trial in 0..2_000 {
            runner.run(TrialKey::new(1, trial));
        }
        assert_eq!(runner.buffer_capacity(), warm, "re-running warmed-up trials grew a buffer");
        let mut growths = 0;
        let mut cap = warm;
        for trial in 2_000..4_000 {
            runner.run(TrialKey::new(1, trial));
            growths += usize::from(runner.buffer_capacity() != cap);
            cap = runner.buffer_capacity();
        }
        // New trials may need a little more room (a longer crash loop) once, never per trial.
        assert!(growths <= 5, "2,000 new trials grew buffers {growths} times");
    }
}
