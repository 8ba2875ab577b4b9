//! How many connections one process of a client holds, and how many such processes a
//! container runs — read from the settings of common frameworks.
//!
//! Pools, first match wins:
//! - in a connection URL or DSN: pgx's `pool_max_conns=N`, Prisma's `connection_limit=N`,
//!   Rails' `pool=N`;
//! - HikariCP (Spring Boot's pool): `SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE` (relaxed
//!   binding), `-Dspring.datasource.hikari.maximum-pool-size=N` in a variable or argument,
//!   `maximum-pool-size`/`maximumPoolSize` in a mounted `application.properties` or `.yml`; with
//!   none, a Spring datasource (`SPRING_DATASOURCE_URL=jdbc:…`) gets Hikari's default, 10;
//! - SQLAlchemy: `SQLALCHEMY_POOL_SIZE` plus `SQLALCHEMY_MAX_OVERFLOW` (default 10); and the
//!   common `DB_POOL_SIZE`/`DATABASE_POOL_SIZE` (+ `…_MAX_OVERFLOW`) an application passes to
//!   `create_engine` — its overflow counted only when written;
//! - Sequelize, knex and node-postgres pools: `DB_POOL_MAX`, `DATABASE_POOL_MAX`, `POOL_MAX`;
//! - Rails: `DB_POOL`/`DATABASE_POOL`, else `RAILS_MAX_THREADS`, which the generated
//!   `database.yml` uses as its pool;
//! - Django: one connection per thread (`CONN_MAX_AGE` only decides whether it outlives the
//!   request), so workers × threads of its server — counted only when the server or
//!   `WEB_CONCURRENCY` says how many;
//! - PgBouncer itself, towards its server: `default_pool_size` + `reserve_pool_size`.
//!
//! Processes that each hold a pool: gunicorn and uvicorn workers (`-w`, `--workers`,
//! `GUNICORN_CMD_ARGS`, `WEB_CONCURRENCY`, default 1), Celery's prefork children
//! (`--concurrency`, `CELERY_WORKER_CONCURRENCY`; one process with `--pool threads|gevent|eventlet|solo`),
//! uWSGI's `--processes`, Puma's `--workers`; with no server in sight, `WEB_CONCURRENCY` (the
//! convention gunicorn, uvicorn and Puma follow). Unknown processes count as one: the total is then
//! a lower bound.

use super::Figure;
use super::env::{Reads, Word, option_in, setting, within};
use crate::Container;
use nexus_source::{SourceDb, Span};

/// A pool one process of a container holds.
#[derive(Clone, Debug)]
pub struct Pool {
    pub framework: &'static str,
    pub parts: Vec<Figure>,
    /// Connections are per thread (Django): the pool is the thread count.
    pub per_thread: bool,
    /// The host the pool's URL names, when the setting sits in a connection URL.
    pub host: Option<String>,
}

fn figure(value: i64, span: Span, term: &str, source: String) -> Figure {
    Figure { value, span: Some(span), term: term.into(), source }
}

/// The pool settings of a container, if it declares any (or runs a framework with a known
/// default).
pub fn pool(db: &SourceDb, reads: &Reads<'_>) -> Option<Pool> {
    url_pool(db, reads)
        .or_else(|| hikari(db, reads))
        .or_else(|| named_pool(reads))
        .or_else(|| rails(reads))
        .or_else(|| django(db, reads))
}

/// `pool_max_conns=N` (pgx), `connection_limit=N` (Prisma), `pool=N` (Rails) in a connection
/// URL or DSN.
fn url_pool(db: &SourceDb, reads: &Reads<'_>) -> Option<Pool> {
    const PARAMS: &[(&str, &str)] = &[("pool_max_conns", "pgx"), ("connection_limit", "Prisma"), ("pool", "Rails")];
    for v in reads.vars() {
        let text = v.text.as_str();
        let lower = text.to_ascii_lowercase();
        if !(lower.contains("://") || lower.contains("host=")) {
            continue;
        }
        for (param, framework) in PARAMS {
            let Some(value) = text.split(['?', '&', ' ']).find_map(|kv| kv.strip_prefix(param)?.strip_prefix('='))
            else {
                continue;
            };
            let Ok(n) = value.trim().parse::<i64>() else { continue };
            let host = crate::infer::find_hosts(text, false).into_iter().next().map(|h| h.host);
            let needle = format!("{param}={value}");
            return Some(Pool {
                framework,
                parts: vec![figure(
                    n,
                    within(db, v.value.span, &needle),
                    "pool",
                    format!("`{needle}` in `{}`", v.name),
                )],
                per_thread: false,
                host,
            });
        }
    }
    None
}

fn hikari(db: &SourceDb, reads: &Reads<'_>) -> Option<Pool> {
    const FRAMEWORK: &str = "HikariCP";
    for name in [
        "SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE",
        "SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE",
        "HIKARI_MAXIMUM_POOL_SIZE",
        "HIKARI_MAXIMUMPOOLSIZE",
    ] {
        if let Some((n, v)) = reads.number(name) {
            let f = figure(n, v.value.span, "pool", format!("`{}`", v.name));
            return Some(Pool { framework: FRAMEWORK, parts: vec![f], per_thread: false, host: None });
        }
    }
    const PROPS: &[&str] = &["spring.datasource.hikari.maximum-pool-size", "spring.datasource.hikari.maximumPoolSize"];
    let in_words = |words: &[Word]| {
        words.iter().find_map(|w| {
            let t = w.text.trim_start_matches("-D").trim_start_matches("--");
            PROPS.iter().find_map(|p| {
                let n: i64 = t.strip_prefix(p)?.strip_prefix('=')?.parse().ok()?;
                Some((n, w.span, format!("{p}={n}")))
            })
        })
    };
    let from_vars = reads.vars().find_map(|v| {
        let words: Vec<Word> =
            v.text.split_whitespace().map(|t| Word { text: t.to_string(), span: v.value.span }).collect();
        in_words(&words).map(|(n, span, text)| (n, within(db, span, &text), text))
    });
    if let Some((n, span, text)) = in_words(&reads.words).or(from_vars) {
        let f = figure(n, span, "pool", format!("`{text}`"));
        return Some(Pool { framework: FRAMEWORK, parts: vec![f], per_thread: false, host: None });
    }
    let file = reads.files.iter().find_map(|f| {
        let hikari = f.value.contains("hikari");
        let (n, line) = setting(&f.value, PROPS)
            .or_else(|| hikari.then(|| setting(&f.value, &["maximum-pool-size", "maximumPoolSize"]))?)?;
        Some(figure(n, within(db, f.span, line), "pool", format!("`{line}`")))
    });
    if let Some(f) = file {
        return Some(Pool { framework: FRAMEWORK, parts: vec![f], per_thread: false, host: None });
    }
    // Spring Boot pools its datasource with HikariCP, 10 connections unless told.
    let url = reads.var("SPRING_DATASOURCE_URL").filter(|v| v.text.trim_start().starts_with("jdbc:"))?;
    let f = Figure {
        value: 10,
        span: Some(url.value.span),
        term: "pool".into(),
        source: "HikariCP's default maximumPoolSize (Spring Boot's datasource)".into(),
    };
    Some(Pool { framework: FRAMEWORK, parts: vec![f], per_thread: false, host: None })
}

/// A database-ish prefix: `DB_POOL_SIZE`, `DATABASE_POOL_SIZE`, `APP_DB_POOL_SIZE`, `POOL_SIZE`.
fn db_setting(name: &str, suffix: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let Some(prefix) = upper.strip_suffix(suffix) else { return false };
    if prefix.is_empty() {
        return true;
    }
    let Some(prefix) = prefix.strip_suffix('_') else { return false };
    let last = prefix.rsplit('_').next().unwrap_or(prefix);
    matches!(
        last,
        "DB" | "DATABASE"
            | "SQL"
            | "SQLALCHEMY"
            | "PG"
            | "POSTGRES"
            | "POSTGRESQL"
            | "MYSQL"
            | "MARIADB"
            | "SEQUELIZE"
            | "KNEX"
    )
}

fn named_pool(reads: &Reads<'_>) -> Option<Pool> {
    let find = |suffix: &str| {
        reads
            .vars()
            .filter(|v| db_setting(&v.name, suffix))
            .find_map(|v| Some((v.text.trim().trim_matches(['"', '\'']).parse::<i64>().ok()?, v)))
    };
    if let Some((n, v)) = find("POOL_SIZE") {
        let sqlalchemy = v.name.eq_ignore_ascii_case("SQLALCHEMY_POOL_SIZE");
        let mut parts = vec![figure(n, v.value.span, "pool", format!("`{}`", v.name))];
        match find("MAX_OVERFLOW") {
            Some((o, ov)) => parts.push(figure(o, ov.value.span, "overflow", format!("`{}`", ov.name))),
            // SQLAlchemy's QueuePool: max_overflow=10 unless told.
            None if sqlalchemy => parts.push(Figure {
                value: 10,
                span: None,
                term: "overflow".into(),
                source: "SQLAlchemy's default max_overflow".into(),
            }),
            None => {}
        }
        let framework = if sqlalchemy { "SQLAlchemy" } else { "pool settings" };
        return Some(Pool { framework, parts, per_thread: false, host: None });
    }
    for suffix in ["POOL_MAX", "MAX_POOL_SIZE", "POOL_MAX_SIZE"] {
        if let Some((n, v)) = find(suffix) {
            let f = figure(n, v.value.span, "pool", format!("`{}`", v.name));
            return Some(Pool { framework: "pool settings", parts: vec![f], per_thread: false, host: None });
        }
    }
    None
}

fn rails(reads: &Reads<'_>) -> Option<Pool> {
    for name in ["DB_POOL", "DATABASE_POOL", "RAILS_DB_POOL"] {
        if let Some((n, v)) = reads.number(name) {
            let f = figure(n, v.value.span, "pool", format!("`{}`", v.name));
            return Some(Pool { framework: "Rails", parts: vec![f], per_thread: false, host: None });
        }
    }
    let (n, v) = reads.number("RAILS_MAX_THREADS")?;
    let f = figure(n, v.value.span, "pool", format!("`{}`, the pool of Rails' `database.yml`", v.name));
    Some(Pool { framework: "Rails", parts: vec![f], per_thread: false, host: None })
}

fn django(db: &SourceDb, reads: &Reads<'_>) -> Option<Pool> {
    let django = reads.var("DJANGO_SETTINGS_MODULE").is_some()
        || reads.vars().any(|v| v.name.to_ascii_uppercase().ends_with("CONN_MAX_AGE"))
        || reads.words.iter().any(|w| w.text.ends_with("manage.py"));
    if !django {
        return None;
    }
    let threads = workers(db, reads).threads.unwrap_or(Figure {
        value: 1,
        span: None,
        term: "threads".into(),
        source: "one connection per thread".into(),
    });
    Some(Pool { framework: "Django", parts: vec![threads], per_thread: true, host: None })
}

/// Processes and threads of a container's server.
#[derive(Clone, Debug, Default)]
pub struct Workers {
    pub server: Option<&'static str>,
    pub processes: Option<Figure>,
    pub threads: Option<Figure>,
}

const SERVERS: &[&str] = &["gunicorn", "uvicorn", "hypercorn", "celery", "uwsgi", "puma", "rails", "sidekiq"];

/// The server a container's command runs, and the words of its own command line (up to a
/// shell separator).
fn server_words(words: &[Word]) -> Option<(&'static str, &[Word])> {
    let (i, server) = words.iter().enumerate().find_map(|(i, w)| {
        let base = w.text.rsplit('/').next().unwrap_or(&w.text);
        SERVERS.iter().find(|s| **s == base).map(|s| (i, *s))
    })?;
    let rest = &words[i..];
    let end = rest.iter().position(|w| matches!(w.text.as_str(), "&&" | ";" | "|" | "||")).unwrap_or(rest.len());
    Some((server, &rest[..end]))
}

pub fn workers(db: &SourceDb, reads: &Reads<'_>) -> Workers {
    let opt = |words: &[Word], names: &[&str], term: &str| {
        option_in(words, names).map(|(n, span)| figure(n, span, term, format!("`{}`", names.last().unwrap_or(&""))))
    };
    let env = |name: &str, term: &str| {
        reads.number(name).map(|(n, v)| figure(n, v.value.span, term, format!("`{}`", v.name)))
    };
    let one = |term: &str, why: &str| Some(Figure { value: 1, span: None, term: term.into(), source: why.into() });
    // An image whose command is not in the manifest still says it runs gunicorn when it is
    // configured through `GUNICORN_CMD_ARGS`.
    let found =
        server_words(&reads.words).or_else(|| reads.var("GUNICORN_CMD_ARGS").map(|_| ("gunicorn", &reads.words[..0])));
    let Some((server, words)) = found else {
        return Workers { server: None, processes: env("WEB_CONCURRENCY", "workers"), threads: None };
    };
    let cmd_args: Vec<Word> = reads
        .var("GUNICORN_CMD_ARGS")
        .map(|v| {
            v.text.split_whitespace().map(|t| Word { text: t.into(), span: within(db, v.value.span, t) }).collect()
        })
        .unwrap_or_default();
    let (processes, threads) = match server {
        "gunicorn" => (
            opt(words, &["-w", "--workers"], "workers")
                .or_else(|| opt(&cmd_args, &["-w", "--workers"], "workers"))
                .or_else(|| env("WEB_CONCURRENCY", "workers"))
                .or_else(|| one("workers", "gunicorn's default of one worker")),
            opt(words, &["--threads"], "threads")
                .or_else(|| opt(&cmd_args, &["--threads"], "threads"))
                .or_else(|| one("threads", "gunicorn's default of one thread")),
        ),
        "uvicorn" | "hypercorn" => (
            opt(words, &["-w", "--workers"], "workers")
                .or_else(|| env("WEB_CONCURRENCY", "workers"))
                .or_else(|| one("workers", "one worker by default")),
            None,
        ),
        "celery" => {
            let pool = words.iter().enumerate().find_map(|(i, w)| {
                let v = w.text.strip_prefix("--pool=").or_else(|| w.text.strip_prefix("-P"));
                match v {
                    Some("") => words.get(i + 1).map(|x| x.text.as_str()),
                    Some(v) => Some(v),
                    None if w.text == "--pool" => words.get(i + 1).map(|x| x.text.as_str()),
                    None => None,
                }
            });
            let shared = pool.is_some_and(|p| matches!(p, "threads" | "gevent" | "eventlet" | "solo"));
            let processes = if shared {
                one("processes", "one process (the Celery pool shares it)")
            } else {
                opt(words, &["-c", "--concurrency"], "processes")
                    .or_else(|| env("CELERY_WORKER_CONCURRENCY", "processes"))
                    .or_else(|| env("CELERYD_CONCURRENCY", "processes"))
            };
            (processes, None)
        }
        "uwsgi" => (
            opt(words, &["-p", "--processes", "--workers"], "processes")
                .or_else(|| env("UWSGI_PROCESSES", "processes"))
                .or_else(|| env("UWSGI_WORKERS", "processes")),
            opt(words, &["--threads"], "threads").or_else(|| env("UWSGI_THREADS", "threads")),
        ),
        "puma" | "rails" => (
            opt(words, &["-w", "--workers"], "workers")
                .or_else(|| env("WEB_CONCURRENCY", "workers"))
                .or_else(|| one("workers", "Puma's single mode")),
            None,
        ),
        _ => (None, None),
    };
    Workers { server: Some(server), processes, threads }
}

/// The connections a PgBouncer container opens to its server.
pub fn pooler(db: &SourceDb, c: &Container, reads: &Reads<'_>) -> Option<Pool> {
    (super::limits::server_kind(c.image_str()) == Some(super::LimitKind::PgBouncer)).then(|| Pool {
        framework: "PgBouncer",
        parts: super::limits::pgbouncer_pool(db, c, reads),
        per_thread: false,
        host: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_settings_by_name() {
        assert!(db_setting("DB_POOL_SIZE", "POOL_SIZE"));
        assert!(db_setting("APP_DATABASE_POOL_SIZE", "POOL_SIZE"));
        assert!(db_setting("POOL_SIZE", "POOL_SIZE"));
        assert!(!db_setting("THREAD_POOL_SIZE", "POOL_SIZE"));
        assert!(!db_setting("REDIS_POOL_SIZE", "POOL_SIZE"));
        assert!(db_setting("DB_POOL_MAX", "POOL_MAX"));
    }
}
