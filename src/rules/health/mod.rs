//! Health (NX6xx): probes and healthchecks, and whether traffic can reach what they check.

mod probe_port_mismatch;
mod readiness_missing;
mod service_selects_nothing;

pub use probe_port_mismatch::ProbePortMismatch;
pub use readiness_missing::ReadinessMissing;
pub use service_selects_nothing::ServiceSelectsNothing;

use crate::model::{Container, PortRef};

/// Does a container declare this port (by number or name)?
pub(crate) fn container_has_port(c: &Container, port: &PortRef) -> bool {
    c.ports.iter().any(|p| match port {
        PortRef::Number(n) => p.port.value == *n,
        PortRef::Name(name) => p.name.as_ref().is_some_and(|x| &x.value == name),
    })
}
