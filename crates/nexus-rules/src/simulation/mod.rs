//! Simulation findings (NX9xx): what `nexus-lint simulate` observes.

// The family's rule files, listed by build.rs.
include!(concat!(env!("OUT_DIR"), "/family_simulation.rs"));
