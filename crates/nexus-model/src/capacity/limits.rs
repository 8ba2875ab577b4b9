//! How many client connections a datastore or pooler accepts.
//!
//! - PostgreSQL (`postgres`, `postgis`, `timescaledb`, `bitnami/postgresql`, `pgvector` images):
//!   `max_connections` from the command line (`-c max_connections=200`, `--max_connections=200`,
//!   `-N 200`), Bitnami's `POSTGRESQL_MAX_CONNECTIONS`, or a mounted configuration file; else
//!   the server's default, 100.
//! - MySQL, MariaDB, Percona: `--max-connections=500` (or `max_connections`) on the command line
//!   or in an env value that passes flags, or a mounted `my.cnf`; else the default, 151.
//! - PgBouncer: `max_client_conn` (edoburu's `MAX_CLIENT_CONN`, Bitnami's
//!   `PGBOUNCER_MAX_CLIENT_CONN`, or `pgbouncer.ini`), default 100, per pod: a Service spreads
//!   clients over the poolers, so their limits add up.
//!
//! A datastore's limit is one instance's: its other replicas are standbys or serve reads.

use super::env::{Reads, Word, setting, within};
use super::{ConnectionLimit, Figure, LimitKind};
use crate::migration::image_basename;
use crate::{Container, Platform, Workload};
use nexus_source::{SourceDb, Span};

/// PostgreSQL's `max_connections` when nothing sets it (PostgreSQL documentation, §19.3.1:
/// "typically 100").
pub const POSTGRES_DEFAULT: i64 = 100;
/// MySQL's and MariaDB's `max_connections` default.
pub const MYSQL_DEFAULT: i64 = 151;
/// PgBouncer's `max_client_conn` default.
pub const PGBOUNCER_MAX_CLIENT_CONN: i64 = 100;

/// What kind of server a container image runs.
pub fn server_kind(image: &str) -> Option<LimitKind> {
    let base = image_basename(image).to_ascii_lowercase();
    if base.contains("pgbouncer") {
        Some(LimitKind::PgBouncer)
    } else if ["postgres", "postgis", "timescaledb", "pgvector"].iter().any(|p| base.starts_with(p)) {
        Some(LimitKind::Postgres)
    } else if ["mysql", "mariadb", "percona"].iter().any(|p| base.starts_with(p)) && !base.contains("exporter") {
        Some(LimitKind::MySql)
    } else {
        None
    }
}

/// The limit of a workload's server, read from its first container that runs one.
pub fn limit(p: &Platform, db: &SourceDb, w: &Workload) -> Option<ConnectionLimit> {
    w.containers.iter().find_map(|c| {
        let kind = server_kind(c.image_str())?;
        let reads = Reads::of(p, w, c);
        let max = match kind {
            LimitKind::Postgres => postgres(db, c, &reads),
            LimitKind::MySql => mysql(db, c, &reads),
            LimitKind::PgBouncer => pgbouncer(db, c, &reads),
            LimitKind::Configured => return None,
        };
        Some(ConnectionLimit { kind, max, per_pod: kind == LimitKind::PgBouncer })
    })
}

fn default(c: &Container, value: i64, term: &str, what: &str) -> Figure {
    Figure { value, span: Some(c.name.span), term: term.into(), source: format!("{what}'s default {term}") }
}

/// `max_connections=200`, `--max_connections=200`, `--max-connections=200`, `-N 200` (or `-N200`).
fn from_words(words: &[Word], keys: &[&str], short: Option<&str>) -> Option<(i64, Span)> {
    for (i, w) in words.iter().enumerate() {
        let t = w.text.trim_start_matches('-');
        for k in keys {
            if let Some(v) = t.strip_prefix(k).and_then(|r| r.strip_prefix('='))
                && let Ok(n) = v.trim_matches(['"', '\'']).parse()
            {
                return Some((n, w.span));
            }
            if w.text.starts_with("--")
                && t == *k
                && let Some(n) = words.get(i + 1).and_then(|x| x.text.parse().ok())
            {
                return Some((n, w.span));
            }
        }
        if let Some(s) = short {
            if w.text == s
                && let Some(n) = words.get(i + 1).and_then(|x| x.text.parse().ok())
            {
                return Some((n, w.span));
            }
            if let Some(Ok(n)) = w.text.strip_prefix(s).filter(|r| !r.is_empty()).map(str::parse) {
                return Some((n, w.span));
            }
        }
    }
    None
}

fn from_files(db: &SourceDb, reads: &Reads<'_>, keys: &[&str], term: &str) -> Option<Figure> {
    reads.files.iter().find_map(|f| {
        let (n, line) = setting(&f.value, keys)?;
        Some(Figure { value: n, span: Some(within(db, f.span, line)), term: term.into(), source: format!("`{line}`") })
    })
}

fn postgres(db: &SourceDb, c: &Container, reads: &Reads<'_>) -> Figure {
    const TERM: &str = "max_connections";
    if let Some((n, span)) = from_words(&reads.words, &["max_connections"], Some("-N")) {
        return Figure { value: n, span: Some(span), term: TERM.into(), source: format!("`max_connections={n}`") };
    }
    if let Some((n, v)) = reads.number("POSTGRESQL_MAX_CONNECTIONS") {
        return Figure { value: n, span: Some(v.value.span), term: TERM.into(), source: format!("`{}`", v.name) };
    }
    from_files(db, reads, &["max_connections"], TERM)
        .unwrap_or_else(|| default(c, POSTGRES_DEFAULT, TERM, "PostgreSQL"))
}

fn mysql(db: &SourceDb, c: &Container, reads: &Reads<'_>) -> Figure {
    const TERM: &str = "max_connections";
    const KEYS: &[&str] = &["max_connections", "max-connections"];
    if let Some((n, span)) = from_words(&reads.words, KEYS, None) {
        return Figure { value: n, span: Some(span), term: TERM.into(), source: format!("`--max-connections={n}`") };
    }
    // Flags passed through a variable (`MARIADB_EXTRA_FLAGS`, `MYSQL_EXTRA_FLAGS`).
    for v in reads.vars() {
        let words: Vec<Word> =
            v.text.split_whitespace().map(|t| Word { text: t.to_string(), span: v.value.span }).collect();
        if let Some((n, span)) = from_words(&words, KEYS, None) {
            return Figure { value: n, span: Some(span), term: TERM.into(), source: format!("`{}`", v.name) };
        }
    }
    from_files(db, reads, KEYS, TERM).unwrap_or_else(|| default(c, MYSQL_DEFAULT, TERM, "MySQL"))
}

fn pgbouncer(db: &SourceDb, c: &Container, reads: &Reads<'_>) -> Figure {
    const TERM: &str = "max_client_conn";
    for name in ["PGBOUNCER_MAX_CLIENT_CONN", "MAX_CLIENT_CONN"] {
        if let Some((n, v)) = reads.number(name) {
            return Figure { value: n, span: Some(v.value.span), term: TERM.into(), source: format!("`{}`", v.name) };
        }
    }
    from_files(db, reads, &["max_client_conn"], TERM)
        .unwrap_or_else(|| default(c, PGBOUNCER_MAX_CLIENT_CONN, TERM, "PgBouncer"))
}

/// The connections one PgBouncer pod opens to its server: `default_pool_size` (default 20)
/// plus `reserve_pool_size` (default 0) for a database and user, at most `max_db_connections`
/// when that is set.
pub fn pgbouncer_pool(db: &SourceDb, c: &Container, reads: &Reads<'_>) -> Vec<Figure> {
    let read = |envs: &[&str], key: &str| -> Option<Figure> {
        for name in envs {
            if let Some((n, v)) = reads.number(name) {
                return Some(Figure {
                    value: n,
                    span: Some(v.value.span),
                    term: key.into(),
                    source: format!("`{}`", v.name),
                });
            }
        }
        from_files(db, reads, &[key], key)
    };
    let pool = read(&["PGBOUNCER_DEFAULT_POOL_SIZE", "DEFAULT_POOL_SIZE"], "default_pool_size")
        .unwrap_or_else(|| default(c, 20, "default_pool_size", "PgBouncer"));
    let reserve = read(&["PGBOUNCER_RESERVE_POOL_SIZE", "RESERVE_POOL_SIZE"], "reserve_pool_size");
    let cap =
        read(&["PGBOUNCER_MAX_DB_CONNECTIONS", "MAX_DB_CONNECTIONS"], "max_db_connections").filter(|f| f.value > 0);
    let total = pool.value + reserve.as_ref().map_or(0, |r| r.value);
    match cap {
        Some(cap) if cap.value < total => vec![cap],
        _ => std::iter::once(pool).chain(reserve.filter(|r| r.value > 0)).collect(),
    }
}
