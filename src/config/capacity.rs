//! `capacity:` — connection pools and datastore limits the manifests do not say (NX305):
//!
//! ```yaml
//! capacity:
//!   - resource: Deployment/*/api        # a client: per process, and processes per pod…
//!     pool: 20
//!     processes: 4
//!   - image: "ghcr.io/acme/worker:*"    # …or connections per pod
//!     connections: 10
//!   - resource: StatefulSet/*/orders-db # a server
//!     max-connections: 500
//! ```
//!
//! Each entry is checked as it is read, so a mistake is reported at its line and column.

use serde::Deserialize;

use nexus_model::capacity::CapacityOverride;

/// An entry as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    resource: Option<String>,
    image: Option<String>,
    pool: Option<i64>,
    processes: Option<i64>,
    connections: Option<i64>,
    max_connections: Option<i64>,
}

/// One validated `capacity:` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapacityEntry(pub CapacityOverride);

impl<'de> Deserialize<'de> for CapacityEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let r = Raw::deserialize(d)?;
        if r.resource.is_none() && r.image.is_none() {
            return Err(D::Error::custom("a `capacity` entry needs a `resource` or an `image`"));
        }
        if r.pool.is_none() && r.processes.is_none() && r.connections.is_none() && r.max_connections.is_none() {
            return Err(D::Error::custom(
                "a `capacity` entry sets `pool`, `processes`, `connections` or `max-connections`",
            ));
        }
        if r.connections.is_some() && (r.pool.is_some() || r.processes.is_some()) {
            return Err(D::Error::custom("`connections` is per pod: give it alone, or `pool` and `processes` instead"));
        }
        for (name, v) in [
            ("pool", r.pool),
            ("processes", r.processes),
            ("connections", r.connections),
            ("max-connections", r.max_connections),
        ] {
            if v.is_some_and(|v| v < 1) {
                return Err(D::Error::custom(format!("`{name}` must be a positive number")));
            }
        }
        Ok(CapacityEntry(CapacityOverride {
            resource: r.resource,
            image: r.image,
            pool: r.pool,
            processes: r.processes,
            connections: r.connections,
            max_connections: r.max_connections,
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{Overrides, parse_config, settings};

    #[test]
    fn entries_are_read_and_checked_where_written() {
        let text = "capacity:\n  - resource: Deployment/*/api\n    pool: 20\n    processes: 4\n  - image: 'postgres:*'\n    max-connections: 500\n";
        let (cfg, l) = parse_config("c", text).unwrap();
        let s = settings(Some((Path::new("c"), cfg, l)), &Overrides::default()).unwrap();
        assert_eq!(s.capacity.len(), 2);
        assert_eq!((s.capacity[0].pool, s.capacity[0].processes), (Some(20), Some(4)));
        assert_eq!(s.capacity[1].max_connections, Some(500));
        for (bad, at, says) in [
            ("capacity:\n  - pool: 5\n", "c:2:3: ", "needs a `resource` or an `image`"),
            ("capacity:\n  - resource: x\n", "c:2:3: ", "sets `pool`"),
            ("capacity:\n  - resource: x\n    pool: 0\n", "c:2:3: ", "positive"),
            ("capacity:\n  - resource: x\n    connections: 5\n    pool: 2\n", "c:2:3: ", "per pod"),
            ("capacity:\n  - resource: x\n    max_connections: 5\n", "c:3:5: ", "unknown field `max_connections`"),
            ("capacity:\n  - resource: x\n    pool: lots\n", "c:3:11: ", ""),
        ] {
            let err = parse_config("c", bad).unwrap_err().to_string();
            assert!(err.starts_with(at) && err.contains(says), "{bad:?}: {err}");
        }
    }
}
