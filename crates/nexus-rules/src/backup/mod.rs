//! Backup (NX8xx): whether stateful stores are backed up, together and verified.

// The family's rule files, listed by build.rs.
include!(concat!(env!("OUT_DIR"), "/family_backup.rs"));
