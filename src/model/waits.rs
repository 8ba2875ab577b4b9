//! Waits written in container commands (being written).

use super::{Container, WaitSpec};

/// The waits in a container's command and args.
pub fn waits(_c: &Container) -> Vec<WaitSpec> {
    Vec::new()
}
