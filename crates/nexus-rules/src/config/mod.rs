//! Configuration (NX4xx): references, schemas, rollout triggers, drift and secrets.

// The family's rule files, listed by build.rs.
include!(concat!(env!("OUT_DIR"), "/family_config.rs"));
