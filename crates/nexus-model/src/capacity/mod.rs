//! Connection capacity: how many connections each pod of a workload opens to the SQL datastore
//! (or pooler) it uses, and how many a datastore or pooler accepts — the two sides of "a tier
//! scaling past what its database can serve" (NX305).
//!
//! Each number keeps where it is written (an env value, an argument, a line of a mounted
//! configuration file) or says which default it is; [`CapacityOverride`]s from
//! `.nexus-lint.yaml` replace what the manifests cannot say. Nothing is guessed: a workload
//! whose pool is not declared (or implied by a framework's default) has no entry, and neither
//! has a datastore nexus-lint does not know the limit of. [`pools`](self::pools) and
//! [`limits`](self::limits) list what is read.

pub mod env;
pub mod limits;
pub mod pools;

use crate::roles::wildcard;
use crate::{Platform, Workload, WorkloadId};
use nexus_source::{SourceDb, Span};
use rayon::prelude::*;

use env::Reads;

/// A number read from the manifests or the configuration, with where it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Figure {
    pub value: i64,
    /// Where it is written; None for a default or a configured value.
    pub span: Option<Span>,
    /// Its name in the arithmetic: `pool`, `overflow`, `workers`, `threads`, `max_connections`.
    pub term: String,
    /// What sets it: "`DB_POOL_SIZE`", "`--workers`", "PostgreSQL's default max_connections".
    pub source: String,
}

/// The connections one pod of a workload opens to one provider, from one container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodConnections {
    pub container: String,
    /// The datastore or pooler they go to.
    pub provider: WorkloadId,
    /// `SQLAlchemy`, `HikariCP`, `Django`, `PgBouncer`, `configured`, …
    pub framework: String,
    /// The connections of one process, summed: pool and overflow, or threads (Django).
    pub pool: Vec<Figure>,
    /// Processes of the container that each hold `pool`, when that is known.
    pub processes: Option<Figure>,
}

impl PodConnections {
    /// Connections per pod from this container.
    pub fn per_pod(&self) -> i64 {
        self.pool.iter().map(|f| f.value).sum::<i64>() * self.processes.as_ref().map_or(1, |p| p.value)
    }

    /// The factors of [`Self::per_pod`], as a person writes them: `pool 10`, `4 workers × pool 5`,
    /// `(pool 10 + overflow 5)`.
    pub fn formula(&self) -> String {
        // A zero beside other terms (`DB_MAX_OVERFLOW: "0"`) adds nothing to read.
        let terms: Vec<&Figure> = match self.pool.iter().filter(|f| f.value != 0).collect::<Vec<_>>() {
            some if !some.is_empty() => some,
            _ => self.pool.iter().take(1).collect(),
        };
        let pool = match terms.as_slice() {
            [one] => format!("{} {}", one.term, one.value),
            parts => {
                format!("({})", parts.iter().map(|f| format!("{} {}", f.term, f.value)).collect::<Vec<_>>().join(" + "))
            }
        };
        match &self.processes {
            Some(p) if p.value != 1 || p.span.is_some() => format!("{} {} × {pool}", p.value, p.term),
            _ => pool,
        }
    }
}

/// What kind of server accepts the connections.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LimitKind {
    Postgres,
    MySql,
    PgBouncer,
    /// Set by configuration for a server nexus-lint does not recognise.
    Configured,
}

/// How many client connections a workload accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionLimit {
    pub kind: LimitKind,
    /// `max_connections`, or a pooler's `max_client_conn`.
    pub max: Figure,
    /// The limit is per pod and pods add up (a pooler behind a Service), rather than one
    /// instance's (a datastore, whose replicas are standbys or serve reads).
    pub per_pod: bool,
}

/// Capacity settings from `.nexus-lint.yaml` for the workloads whose resource or image matches
/// (`*` matches any run of characters): a client's `pool` per process, `processes` per pod or
/// `connections` per pod; a server's `max-connections`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CapacityOverride {
    pub resource: Option<String>,
    pub image: Option<String>,
    pub pool: Option<i64>,
    pub processes: Option<i64>,
    pub connections: Option<i64>,
    pub max_connections: Option<i64>,
}

impl CapacityOverride {
    fn matches(&self, w: &Workload) -> bool {
        let resource = w.resource.to_string();
        (self.resource.is_some() || self.image.is_some())
            && self.resource.as_deref().is_none_or(|r| wildcard(r, &resource))
            && self.image.as_deref().is_none_or(|i| w.containers.iter().any(|c| wildcard(i, c.image_str())))
    }
}

fn configured(value: i64, term: &str) -> Figure {
    Figure { value, span: None, term: term.into(), source: "`.nexus-lint.yaml`".into() }
}

/// Pools and limits of every workload.
#[derive(Clone, Debug, Default)]
pub struct Capacity {
    /// Per workload (by index): the connections each pod opens, per container and provider.
    pub pools: Vec<Vec<PodConnections>>,
    /// Per workload: the connections it accepts, when it is a server nexus-lint knows or the
    /// configuration sets.
    pub limits: Vec<Option<ConnectionLimit>>,
}

impl Capacity {
    pub fn pools_of(&self, w: WorkloadId) -> &[PodConnections] {
        self.pools.get(w.index()).map_or(&[], Vec::as_slice)
    }

    pub fn limit_of(&self, w: WorkloadId) -> Option<&ConnectionLimit> {
        self.limits.get(w.index()).and_then(Option::as_ref)
    }
}

/// Derives the capacity of every workload (after edges and roles, which say who uses what).
pub fn build(p: &mut Platform, db: &SourceDb) {
    let overrides = std::mem::take(&mut p.capacity_overrides);
    // Each workload's limit, then its pools, on every core (issue 15); collected in order.
    let limits: Vec<Option<ConnectionLimit>> = p
        .workloads
        .par_iter()
        .map(|w| {
            let found = limits::limit(p, db, w);
            match overrides.iter().find(|o| o.max_connections.is_some() && o.matches(w)) {
                Some(o) => {
                    let max = configured(o.max_connections.unwrap_or_default(), "max_connections");
                    let (kind, per_pod) = found.map_or((LimitKind::Configured, false), |l| (l.kind, l.per_pod));
                    let term = if kind == LimitKind::PgBouncer { "max_client_conn" } else { "max_connections" };
                    Some(ConnectionLimit { kind, max: Figure { term: term.into(), ..max }, per_pod })
                }
                None => found,
            }
        })
        .collect();
    let pools = p.workloads.par_iter().map(|w| pools_of(p, db, w, &limits, &overrides)).collect();
    p.capacity = Capacity { pools, limits };
    p.capacity_overrides = overrides;
}

fn pools_of(
    p: &Platform,
    db: &SourceDb,
    w: &Workload,
    limits: &[Option<ConnectionLimit>],
    overrides: &[CapacityOverride],
) -> Vec<PodConnections> {
    // The servers this workload connects to whose limit is known.
    let mut servers: Vec<WorkloadId> = p
        .dependencies_of(w.id)
        .filter_map(|e| e.provider)
        .filter(|pr| *pr != w.id && limits.get(pr.index()).is_some_and(Option::is_some))
        .collect();
    servers.sort();
    servers.dedup();
    let configured_entry = overrides
        .iter()
        .find(|o| (o.pool.is_some() || o.processes.is_some() || o.connections.is_some()) && o.matches(w));
    let single = || match servers.as_slice() {
        [one] => Some(*one),
        _ => None,
    };
    // Connections per pod, configured: the whole pod, whatever its containers declare.
    if let Some((n, c, provider)) =
        configured_entry.and_then(|o| o.connections).and_then(|n| Some((n, w.containers.first()?, single()?)))
    {
        return vec![PodConnections {
            container: c.name.value.clone(),
            provider,
            framework: "configured".into(),
            pool: vec![configured(n, "connections per pod")],
            processes: None,
        }];
    }
    let mut out = Vec::new();
    for c in &w.containers {
        let reads = Reads::of(p, w, c);
        let found = pools::pooler(db, c, &reads).or_else(|| pools::pool(db, &reads));
        let workers = pools::workers(db, &reads);
        let provider = match found.as_ref().and_then(|f| f.host.as_deref()) {
            Some(host) => crate::infer::resolve(p, w, host).provider.filter(|pr| servers.contains(pr)),
            None => single(),
        };
        let Some(provider) = provider else { continue };
        let mut conn = match found {
            // Django's connections are per thread: with no server in sight, nothing is known.
            Some(f) if f.per_thread && workers.server.is_none() && workers.processes.is_none() => None,
            Some(f) => Some(PodConnections {
                container: c.name.value.clone(),
                provider,
                framework: f.framework.to_string(),
                processes: if f.framework == "PgBouncer" { None } else { workers.processes.clone() },
                pool: f.parts,
            }),
            None => None,
        };
        // The first container (the application) takes the configured pool and processes.
        if let Some(o) =
            configured_entry.filter(|_| out.is_empty() && (conn.is_some() || c.name == w.containers[0].name))
        {
            let base = conn.take().unwrap_or(PodConnections {
                container: c.name.value.clone(),
                provider,
                framework: "configured".into(),
                pool: Vec::new(),
                processes: workers.processes.clone(),
            });
            let pool = o.pool.map_or(base.pool, |n| vec![configured(n, "pool")]);
            let processes = o.processes.map(|n| configured(n, "processes")).or(base.processes);
            conn = (!pool.is_empty()).then_some(PodConnections { pool, processes, ..base });
        }
        out.extend(conn);
    }
    out
}
