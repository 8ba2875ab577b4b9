//! The waiting programs: what each one's arguments say about the host, port or object it waits
//! for, what readiness it proves, and how long it waits on its own.
//!
//! Each recognizer reads the words of one command (program first), already freed of quotes and
//! with whole-word variables resolved; host and port parts may still hold variables, which the
//! caller resolves. Defaults cite their source next to them.

use super::args::{ClientFlags, client_options, getopt, host_port, long_opt, url, value_of};
use super::kube::{k8s_wait_for, kubectl};
use super::pollers::{dockerize, http_get, wait_for, wait_for_it};
use crate::{Bound, ReadyLevel, WaitTool};
use nexus_source::SourceDb;
use nexus_source::shell::Located as Src;

/// One wait a command performs.
#[derive(Clone, Debug)]
pub struct Found {
    pub tool: WaitTool,
    pub host: Option<Src>,
    pub port: Option<Src>,
    /// The port the tool uses when none is written.
    pub default_port: Option<i64>,
    /// Environment variables the tool reads its host and port from when none is written
    /// (`PGHOST`/`PGPORT` for libpq tools).
    pub host_env: Option<&'static str>,
    pub port_env: Option<&'static str>,
    pub object: Option<(String, Src)>,
    pub namespace: Option<Src>,
    /// How long the tool waits on its own.
    pub own: Bound,
    pub level: ReadyLevel,
    /// Only a wait when retried in a loop: on its own it is an ordinary call (`curl`, `nslookup`).
    pub needs_loop: bool,
}

impl Found {
    pub fn new(tool: WaitTool, level: ReadyLevel) -> Self {
        Found {
            tool,
            host: None,
            port: None,
            default_port: None,
            host_env: None,
            port_env: None,
            object: None,
            namespace: None,
            own: Bound::Once,
            level,
            needs_loop: false,
        }
    }
}

/// What a command is: the waits it performs, and where the command it runs afterwards starts
/// (`wait-for-it db:5432 -- app`).
#[derive(Default, Debug)]
pub struct Recognized {
    pub found: Vec<Found>,
    pub then: Option<usize>,
}

/// The program's name without its directory (`/usr/bin/nc` → `nc`).
pub fn program(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// Recognizes the wait in one command; `words[0]` is the program.
pub fn recognize(db: &SourceDb, words: &[Src]) -> Recognized {
    let Some(first) = words.first() else { return Recognized::default() };
    let args = &words[1..];
    let one = |f: Option<Found>| Recognized { found: f.into_iter().collect(), then: None };
    match program(&first.text) {
        "nc" | "netcat" | "ncat" => one(nc(db, args)),
        "pg_isready" => one(Some(pg_isready(db, args))),
        "mysqladmin" | "mariadb-admin" => one(mysqladmin(db, args)),
        "redis-cli" | "valkey-cli" | "keydb-cli" => one(redis_cli(db, args)),
        "mongosh" | "mongo" => one(mongosh(db, args)),
        "psql" => one(psql(db, args)),
        "wait-for-it" | "wait-for-it.sh" => wait_for_it(db, args),
        "wait-for" | "wait-for.sh" => wait_for(db, args),
        "dockerize" => dockerize(db, args),
        "curl" | "wget" => one(http_get(db, program(&first.text), args)),
        "kubectl" | "oc" => Recognized { found: kubectl(db, args), then: None },
        "wait_for.sh" | "k8s_wait_for.sh" => one(k8s_wait_for(db, args)),
        "nslookup" | "host" | "dig" | "getent" => one(resolver(program(&first.text), args)),
        other => one(client_retry(db, other, args)),
    }
    .offset(1)
}

impl Recognized {
    /// `then` counted from the program word rather than from its arguments.
    fn offset(mut self, by: usize) -> Self {
        self.then = self.then.map(|t| t + by);
        self
    }
}

/// Any other client given a server's URL (`mc alias set s3 http://minio:9000 …`, `vault status
/// -address=…` aside): retried in a loop until it succeeds, it waits until the server answers
/// it. On its own it is an ordinary call. Programs that only print or test text are not clients.
fn client_retry(db: &SourceDb, prog: &str, args: &[Src]) -> Option<Found> {
    const TEXT: &[&str] = &["echo", "printf", "test", "[", "[[", "grep", "sed", "awk", "cat", "export", "local", "set"];
    if TEXT.contains(&prog) {
        return None;
    }
    let u = args.iter().find(|a| a.text.contains("://")).and_then(|a| super::args::url(db, a))?;
    let mut f = Found::new(WaitTool::Other(prog.to_string()), ReadyLevel::Answers);
    f.default_port = super::args::default_port_of(&u.scheme);
    f.host = Some(u.host);
    f.port = u.port;
    f.needs_loop = true;
    Some(f)
}

/// `nc -z host port` (OpenBSD netcat, BusyBox, ncat): one connection attempt, no data.
fn nc(db: &SourceDb, args: &[Src]) -> Option<Found> {
    let mut zero_io = false;
    // Flags that take a value in OpenBSD nc / ncat / BusyBox nc.
    let operands = getopt(args, "IiMmOPpqsTVwXxWeG", |f, _, _| zero_io |= f == 'z');
    if !zero_io {
        return None;
    }
    let mut f = Found::new(WaitTool::Nc, ReadyLevel::PortOpen);
    let host = operands.first().copied()?;
    f.host = Some(host.clone());
    if let Some(p) = operands.get(1) {
        // A range (`5432-5433`): its first port.
        let end = p.text.find('-').filter(|&i| i > 0).unwrap_or(p.text.len());
        f.port = Some(p.sub(db, 0, end));
    }
    Some(f)
}

/// `pg_isready [-h host] [-p port] [-d dbname|conninfo] [-t secs]`: one connection check.
/// `-t` bounds that one attempt ("the maximum number of seconds to wait when attempting
/// connection … The default is 3 seconds", PostgreSQL docs, `pg_isready`); it is not a retry
/// loop. The port "defaults to the value of the PGPORT environment variable or, if not set, to
/// the port specified at compile time, usually 5432" (same page); without `-h` libpq reads
/// `PGHOST`, else the local socket.
fn pg_isready(db: &SourceDb, args: &[Src]) -> Found {
    let mut f = Found::new(WaitTool::PgIsReady, ReadyLevel::Answers);
    f.default_port = Some(5432);
    f.host_env = Some("PGHOST");
    f.port_env = Some("PGPORT");
    let mut dbname = None;
    getopt(args, "hpUdt", |flag, w, rest| match flag {
        'h' => f.host = value_of(db, w, rest),
        'p' => f.port = value_of(db, w, rest),
        'd' => dbname = value_of(db, w, rest),
        _ => {}
    });
    f.host = long_opt(db, args, &["--host"]).or(f.host);
    f.port = long_opt(db, args, &["--port"]).or(f.port);
    dbname = long_opt(db, args, &["--dbname"]).or(dbname);
    if let Some(u) = dbname.as_ref().and_then(|d| url(db, d)) {
        // "connection string parameters will override any conflicting command line options".
        f.host = Some(u.host);
        f.port = u.port.or(f.port);
    } else if let Some(d) = dbname.filter(|d| d.text.contains('=')) {
        for (key, slot) in [("host=", &mut f.host), ("port=", &mut f.port)] {
            if let Some(i) = d.text.find(key).filter(|&i| i == 0 || d.text.as_bytes()[i - 1] == b' ') {
                let start = i + key.len();
                let end = d.text[start..].find(' ').map_or(d.text.len(), |e| start + e);
                *slot = Some(d.sub(db, start, end));
            }
        }
    }
    f
}

/// `mysqladmin ping [-h host] [-P port]`; port 3306 by default ("built-in default (3306)",
/// `mysqladmin --help`). `--wait[=count]` retries the connection a few times (default once);
/// it is read as a single check.
fn mysqladmin(db: &SourceDb, args: &[Src]) -> Option<Found> {
    let mut f = Found::new(WaitTool::MysqladminPing, ReadyLevel::Answers);
    f.default_port = Some(3306);
    // `-pSECRET` is a password (never a port), so `p` is no value-taking flag here.
    let o = client_options(
        db,
        args,
        ClientFlags {
            host: &["-h", "--host"],
            port: &["-P", "--port"],
            url: &[],
            skip: &["-u", "--user", "-S", "--socket", "-c", "--count", "-i", "--sleep", "--protocol"],
        },
    );
    (f.host, f.port) = (o.host, o.port);
    o.operands.iter().any(|o| o.text.eq_ignore_ascii_case("ping")).then_some(f)
}

/// `redis-cli [-h host] [-p port | -u redis://…] ping`; port 6379 by default (redis-cli
/// `--help`: "-p <port> Server port (default: 6379)").
fn redis_cli(db: &SourceDb, args: &[Src]) -> Option<Found> {
    let mut f = Found::new(WaitTool::RedisCliPing, ReadyLevel::Answers);
    f.default_port = Some(6379);
    let o = client_options(
        db,
        args,
        ClientFlags {
            host: &["-h"],
            port: &["-p"],
            url: &["-u"],
            skip: &[
                "-s",
                "-a",
                "-n",
                "-r",
                "-i",
                "-d",
                "--user",
                "--pass",
                "--cacert",
                "--cert",
                "--key",
                "--sni",
                "--cacertdir",
                "--tls-ciphers",
                "--pattern",
                "--count",
            ],
        },
    );
    (f.host, f.port) = (o.host, o.port);
    o.operands.first().is_some_and(|o| o.text.eq_ignore_ascii_case("ping")).then_some(f)
}

/// `mongosh`/`mongo` with `--host h[:p]`, `--port`, or a `mongodb://` address; port 27017 by
/// default (MongoDB docs, "Default MongoDB Port"). A call with neither a host nor a `ping` in its
/// `--eval` is not taken for a wait.
fn mongosh(db: &SourceDb, args: &[Src]) -> Option<Found> {
    let mut f = Found::new(WaitTool::Mongosh, ReadyLevel::Answers);
    f.default_port = Some(27017);
    if let Some(h) = long_opt(db, args, &["--host"]) {
        // `rs0/host1:27017,host2:27017`: the first member.
        let start = h.text.find('/').map_or(0, |i| i + 1);
        let end = h.text[start..].find(',').map_or(h.text.len(), |i| start + i);
        let (host, port) = host_port(db, &h.sub(db, start, end));
        f.host = Some(host);
        f.port = port;
    }
    if let Some(p) = long_opt(db, args, &["--port"]) {
        f.port = Some(p);
    }
    let eval = long_opt(db, args, &["--eval"]);
    let mut skip = false;
    for a in args {
        if std::mem::take(&mut skip) {
            continue;
        }
        if matches!(a.text.as_str(), "--host" | "--port" | "--eval" | "-u" | "-p" | "--username" | "--password")
            || a.text.starts_with("--authentication")
        {
            skip = true;
            continue;
        }
        if let Some(u) = url(db, a).filter(|u| u.scheme.starts_with("mongodb")) {
            f.host = Some(u.host);
            f.port = u.port;
        }
    }
    let pings = eval.is_some_and(|e| e.text.contains("ping"));
    (f.host.is_some() || pings).then_some(f)
}

/// `psql -h host [-p port]` or a `postgres://` address, retried in a loop (alone, `psql` runs
/// SQL rather than waiting).
fn psql(db: &SourceDb, args: &[Src]) -> Option<Found> {
    let mut f = Found::new(WaitTool::Other("psql".into()), ReadyLevel::Answers);
    f.default_port = Some(5432);
    f.host_env = Some("PGHOST");
    f.port_env = Some("PGPORT");
    f.needs_loop = true;
    let operands = getopt(args, "hpUdcfvPFRoTL", |flag, w, rest| match flag {
        'h' => f.host = value_of(db, w, rest),
        'p' => f.port = value_of(db, w, rest),
        'd' => {
            if let Some(u) = value_of(db, w, rest).and_then(|d| url(db, &d)) {
                f.host = Some(u.host);
                f.port = u.port;
            }
        }
        _ => {}
    });
    if let Some(u) = operands.iter().find_map(|o| url(db, o)) {
        f.host = Some(u.host);
        f.port = u.port;
    }
    f.host = long_opt(db, args, &["--host"]).or(f.host.take());
    Some(f)
}

/// `nslookup NAME`, `host NAME`, `dig NAME`, `getent hosts NAME`: the name resolves. A wait only
/// in a loop.
fn resolver(prog: &str, args: &[Src]) -> Option<Found> {
    let operands: Vec<&Src> = match prog {
        "getent" => {
            if !matches!(args.first().map(|a| a.text.as_str()), Some("hosts" | "ahosts" | "ahostsv4" | "ahostsv6")) {
                return None;
            }
            args[1..].iter().collect()
        }
        "host" => getopt(args, "tcWRNm", |_, _, _| {}),
        "dig" => args.iter().filter(|a| !a.text.starts_with('@') && !a.text.starts_with('+')).collect(),
        _ => args.iter().filter(|a| !a.text.starts_with('-')).collect(),
    };
    let name = operands.into_iter().find(|o| !o.text.starts_with('-') && !o.text.is_empty())?;
    let mut f = Found::new(WaitTool::Nslookup, ReadyLevel::Resolves);
    f.host = Some(name.clone());
    f.needs_loop = true;
    Some(f)
}
