//! Waits written in container commands (being written).

use super::{Container, WaitSpec};

/// The waits in a container's command and args.
pub fn waits(_c: &Container, _db: &crate::source::SourceDb) -> Vec<WaitSpec> {
    Vec::new()
}
