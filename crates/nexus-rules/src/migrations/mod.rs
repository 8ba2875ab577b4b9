//! Migrations (NX2xx): schema changes, and what makes them run once, first, with the app's version.

// The family's rule files, listed by build.rs.
include!(concat!(env!("OUT_DIR"), "/family_migrations.rs"));
