//! Versions (NX5xx): what runs which build.

// The family's rule files (and helpers), listed by build.rs.
include!(concat!(env!("OUT_DIR"), "/family_versions.rs"));
