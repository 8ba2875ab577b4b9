//! Health (NX6xx): probes and healthchecks, and whether traffic can reach what they check.

// The family's rule files (and helpers), listed by build.rs.
include!(concat!(env!("OUT_DIR"), "/family_health.rs"));

use nexus_model::{Container, PortRef};

/// Does a container declare this port (by number or name)?
pub(crate) fn container_has_port(c: &Container, port: &PortRef) -> bool {
    c.ports.iter().any(|p| match port {
        PortRef::Number(n) => p.port.value == *n,
        PortRef::Name(name) => p.name.as_ref().is_some_and(|x| &x.value == name),
    })
}
