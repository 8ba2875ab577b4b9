//! Network (NX7xx): whether the cluster lets dependencies connect at all.

// The family's rule files (and helpers), listed by build.rs.
include!(concat!(env!("OUT_DIR"), "/family_network.rs"));
