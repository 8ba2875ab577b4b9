//! Scaling coordination (NX3xx): autoscalers, disruption budgets and capacity across the dependency graph.

// The family's rule files, listed by build.rs.
include!(concat!(env!("OUT_DIR"), "/family_scaling.rs"));
