//! The waiting programs: what each one's arguments say about the host, port or object it waits
//! for, what readiness it proves, and how long it waits on its own.
//!
//! Each recognizer reads the words of one command (program first), already freed of quotes and
//! with whole-word variables resolved; host and port parts may still hold variables, which the
//! caller resolves. Defaults cite their source next to them.

use crate::durations::go_duration_ms;
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
        _ => Recognized::default(),
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

/// Short options, getopt style: `-zv`, `-w 1`, `-w1`. Calls `f(flag, word, at)` for each flag,
/// where a flag listed in `takes` gets the word holding its value and the value's offset in it.
/// Returns the operands.
fn getopt<'a>(args: &'a [Src], takes: &str, mut f: impl FnMut(char, Option<&'a Src>, usize)) -> Vec<&'a Src> {
    let mut operands = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let t = a.text.as_str();
        if t == "--" {
            operands.extend(&args[i + 1..]);
            break;
        }
        if t.len() > 1 && t.starts_with('-') && !t.starts_with("--") {
            for (j, ch) in t.char_indices().skip(1) {
                if takes.contains(ch) {
                    let at = j + ch.len_utf8();
                    if at == t.len() {
                        i += 1;
                        f(ch, args.get(i), 0);
                    } else {
                        f(ch, Some(a), at);
                    }
                    break;
                }
                f(ch, None, 0);
            }
        } else if !t.starts_with("--") {
            operands.push(a);
        }
        i += 1;
    }
    operands
}

/// The value of a short option: the next word, or the rest of the cluster (`-hdb`).
fn value_of(db: &SourceDb, w: Option<&Src>, at: usize) -> Option<Src> {
    w.map(|w| w.tail(db, at))
}

/// Long options: `--host=db` or `--host db`. Returns the value of the first of `names` found.
fn long_opt(db: &SourceDb, args: &[Src], names: &[&str]) -> Option<Src> {
    let mut found = None;
    let mut i = 0;
    while i < args.len() {
        let t = &args[i].text;
        for n in names {
            if let Some(v) = t.strip_prefix(n) {
                if let Some(v) = v.strip_prefix('=') {
                    found = Some(args[i].sub(db, t.len() - v.len(), t.len()));
                } else if v.is_empty() {
                    found = args.get(i + 1).cloned();
                    i += 1;
                }
            }
        }
        i += 1;
    }
    found
}

fn has(args: &[Src], words: &[&str]) -> bool {
    args.iter().any(|a| words.contains(&a.text.as_str()))
}

/// `host:port` → host and port; `[::1]:5432` too.
pub fn host_port(db: &SourceDb, s: &Src) -> (Src, Option<Src>) {
    let t = &s.text;
    if t.starts_with('[')
        && let Some(close) = t.find(']')
    {
        let host = s.sub(db, 1, close);
        let port = t[close + 1..].strip_prefix(':').map(|_| s.sub(db, close + 2, t.len()));
        return (host, port);
    }
    match split_colon(t) {
        Some(i) => (s.sub(db, 0, i), Some(s.sub(db, i + 1, t.len()))),
        None => (s.clone(), None),
    }
}

/// The last `:` outside `${…}` and `$(…)` (`${HOST:-db}:5432`).
fn split_colon(t: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut last = None;
    let b = t.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'{' | b'(' => depth += 1,
            b'}' | b')' => depth -= 1,
            b':' if depth == 0 => last = Some(i),
            _ => {}
        }
    }
    last
}

/// A URL's parts: scheme, host and port (credentials, path and query dropped).
pub struct Url {
    pub scheme: String,
    pub host: Src,
    pub port: Option<Src>,
}

pub fn url(db: &SourceDb, s: &Src) -> Option<Url> {
    let t = &s.text;
    let sep = t.find("://")?;
    let scheme = t[..sep].to_ascii_lowercase();
    if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) {
        return None;
    }
    let auth_start = sep + 3;
    let auth_end = t[auth_start..].find(['/', '?', '#']).map_or(t.len(), |i| auth_start + i);
    // Credentials end at the last `@` of the authority.
    let host_start = t[auth_start..auth_end].rfind('@').map_or(auth_start, |i| auth_start + i + 1);
    // Several hosts (`mongodb://a:1,b:2`): the first.
    let host_end = t[host_start..auth_end].find(',').map_or(auth_end, |i| host_start + i);
    let hp = s.sub(db, host_start, host_end);
    let (host, port) = host_port(db, &hp);
    Some(Url { scheme, host, port })
}

fn default_port_of(scheme: &str) -> Option<i64> {
    // IANA well-known ports; database schemes as their clients default them.
    Some(match scheme {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        "postgres" | "postgresql" => 5432,
        "mysql" | "mariadb" => 3306,
        "redis" | "rediss" => 6379,
        "mongodb" => 27017,
        "amqp" => 5672,
        "amqps" => 5671,
        _ => return None,
    })
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
    let mut operands = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text.as_str();
        let next = args.get(i + 1);
        match t {
            "-h" | "--host" => {
                f.host = next.cloned();
                i += 1;
            }
            "-P" | "--port" => {
                f.port = next.cloned();
                i += 1;
            }
            "-u" | "--user" | "-S" | "--socket" | "-c" | "--count" | "-i" | "--sleep" | "--protocol" => i += 1,
            _ if t.starts_with("--host=") || t.starts_with("--port=") => {
                let v = args[i].tail(db, t.find('=').unwrap_or(0) + 1);
                if t.starts_with("--host=") {
                    f.host = Some(v);
                } else {
                    f.port = Some(v);
                }
            }
            // `-hdb`, `-P3306`; `-pSECRET` is a password, never a port.
            _ if t.len() > 2 && t.starts_with("-h") => f.host = Some(args[i].tail(db, 2)),
            _ if t.len() > 2 && t.starts_with("-P") => f.port = Some(args[i].tail(db, 2)),
            _ if !t.starts_with('-') => operands.push(t),
            _ => {}
        }
        i += 1;
    }
    operands.iter().any(|o| o.eq_ignore_ascii_case("ping")).then_some(f)
}

/// `redis-cli [-h host] [-p port | -u redis://…] ping`; port 6379 by default (redis-cli
/// `--help`: "-p <port> Server port (default: 6379)").
fn redis_cli(db: &SourceDb, args: &[Src]) -> Option<Found> {
    let mut f = Found::new(WaitTool::RedisCliPing, ReadyLevel::Answers);
    f.default_port = Some(6379);
    let mut operands = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text.as_str();
        let next = args.get(i + 1);
        match t {
            "-h" => f.host = next.cloned(),
            "-p" => f.port = next.cloned(),
            "-u" => {
                if let Some(u) = next.and_then(|n| url(db, n)) {
                    f.host = Some(u.host);
                    f.port = u.port;
                }
            }
            "-s" | "-a" | "-n" | "-r" | "-i" | "-d" | "--user" | "--pass" | "--cacert" | "--cert" | "--key"
            | "--sni" | "--cacertdir" | "--tls-ciphers" | "--pattern" | "--count" => {}
            _ => {
                if !t.starts_with('-') {
                    operands.push(t);
                }
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    operands.first().is_some_and(|o| o.eq_ignore_ascii_case("ping")).then_some(f)
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

/// The wait-for-it default: `TIMEOUT=${TIMEOUT:-15}`; `-t 0` ("zero for no timeout") waits
/// without a deadline (vishnubob/wait-for-it `wait-for-it.sh`).
const WAIT_FOR_IT_DEFAULT_MS: i64 = 15_000;

/// `wait-for-it host:port | -h host -p port [-t secs] [-s] [-- cmd]`.
fn wait_for_it(db: &SourceDb, args: &[Src]) -> Recognized {
    let mut f = Found::new(WaitTool::WaitForIt, ReadyLevel::PortOpen);
    f.own = Bound::Default(WAIT_FOR_IT_DEFAULT_MS);
    let mut out = Recognized::default();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let t = a.text.as_str();
        let next = args.get(i + 1);
        match t {
            "--" => {
                out.then = Some(i + 1).filter(|&n| n < args.len());
                break;
            }
            "-h" => {
                f.host = next.cloned();
                i += 1;
            }
            "-p" => {
                f.port = next.cloned();
                i += 1;
            }
            "-t" => {
                f.own = next.map_or(f.own, |n| wait_for_it_timeout(&n.text));
                i += 1;
            }
            _ if t.starts_with("--host=") => f.host = Some(a.tail(db, 7)),
            _ if t.starts_with("--port=") => f.port = Some(a.tail(db, 7)),
            _ if t.starts_with("--timeout=") => f.own = wait_for_it_timeout(&t[10..]),
            // The script's first case: any argument with a colon is `host:port`.
            _ if t.contains(':') && !t.starts_with('-') => {
                let (h, p) = host_port(db, a);
                f.host = Some(h);
                f.port = p;
            }
            _ => {}
        }
        i += 1;
    }
    if f.host.is_some() {
        out.found.push(f);
    }
    out
}

/// A `-t SECONDS` value: what `0` means differs by tool; anything unreadable keeps the default.
fn seconds_timeout(t: &str, zero: Bound, default_ms: i64) -> Bound {
    match t.trim().parse::<i64>() {
        Ok(0) => zero,
        Ok(n) if n > 0 => Bound::Millis(n.saturating_mul(1000)),
        _ => Bound::Default(default_ms),
    }
}

fn wait_for_it_timeout(t: &str) -> Bound {
    seconds_timeout(t, Bound::Unbounded, WAIT_FOR_IT_DEFAULT_MS)
}

/// eficode `wait-for` v2: `TIMEOUT=15`, one attempt a second, and `-t 0` makes a single attempt
/// (the loop breaks when `TIMEOUT` is not above 0, despite the help's "zero for no timeout")
/// (eficode/wait-for `wait-for`).
const WAIT_FOR_DEFAULT_MS: i64 = 15_000;

/// `wait-for host:port|url [-t secs] [-- cmd]`.
fn wait_for(db: &SourceDb, args: &[Src]) -> Recognized {
    let mut out = Recognized::default();
    let mut own = Bound::Default(WAIT_FOR_DEFAULT_MS);
    let mut targets = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let t = a.text.as_str();
        match t {
            "--" => {
                out.then = Some(i + 1).filter(|&n| n < args.len());
                break;
            }
            "-t" | "--timeout" => {
                own = args.get(i + 1).map_or(own, |n| wait_for_timeout(&n.text));
                i += 1;
            }
            _ if t.starts_with("--timeout=") => own = wait_for_timeout(&t[10..]),
            _ if t.starts_with("-t") && t.len() > 2 => own = wait_for_timeout(&t[2..]),
            _ if t.starts_with("http://") || t.starts_with("https://") => {
                if let Some(u) = url(db, a) {
                    let mut f = Found::new(WaitTool::Other("wait-for".into()), ReadyLevel::Answers);
                    f.default_port = default_port_of(&u.scheme);
                    f.host = Some(u.host);
                    f.port = u.port;
                    targets.push(f);
                }
            }
            _ if t.contains(':') && !t.starts_with('-') => {
                let (h, p) = host_port(db, a);
                let mut f = Found::new(WaitTool::Other("wait-for".into()), ReadyLevel::PortOpen);
                f.host = Some(h);
                f.port = p;
                targets.push(f);
            }
            _ => {}
        }
        i += 1;
    }
    for mut f in targets {
        f.own = own;
        out.found.push(f);
    }
    out
}

fn wait_for_timeout(t: &str) -> Bound {
    seconds_timeout(t, Bound::Once, WAIT_FOR_DEFAULT_MS)
}

/// dockerize's `-timeout`: `flag.DurationVar(&waitTimeoutFlag, "timeout", 10*time.Second, "Host
/// wait timeout")`, one deadline for all `-wait`s (jwilder/dockerize `main.go`).
const DOCKERIZE_DEFAULT_MS: i64 = 10_000;

/// `dockerize [-wait tcp://h:p|http://…]… [-timeout 1m30s] [cmd …]`: Go flags, which end at
/// the first argument that is not one.
fn dockerize(db: &SourceDb, args: &[Src]) -> Recognized {
    let mut out = Recognized::default();
    let mut own = Bound::Default(DOCKERIZE_DEFAULT_MS);
    let mut waits = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let t = a.text.as_str();
        if t == "--" {
            out.then = Some(i + 1).filter(|&n| n < args.len());
            break;
        }
        if !t.starts_with('-') {
            out.then = Some(i);
            break;
        }
        let name = t.trim_start_matches('-');
        let (name, value) = match name.split_once('=') {
            Some((n, _)) => (n, Some(a.tail(db, t.find('=').unwrap_or(0) + 1))),
            None => (name, None),
        };
        let takes = matches!(
            name,
            "wait"
                | "timeout"
                | "wait-retry-interval"
                | "template"
                | "stdout"
                | "stderr"
                | "delims"
                | "wait-http-header"
        );
        let value = match value {
            Some(v) => Some(v),
            None if takes => {
                i += 1;
                args.get(i).cloned()
            }
            None => None,
        };
        match (name, value) {
            ("wait", Some(v)) => waits.push(v),
            ("timeout", Some(v)) => {
                own = match go_duration_ms(&v.text) {
                    // `time.After(0)` fires at once.
                    Some(0) => Bound::Once,
                    Some(ms) => Bound::Millis(ms),
                    None => own,
                }
            }
            _ => {}
        }
        i += 1;
    }
    for w in waits {
        let Some(u) = url(db, &w) else { continue };
        let level = match u.scheme.as_str() {
            "tcp" | "tcp4" | "tcp6" => ReadyLevel::PortOpen,
            "http" | "https" => ReadyLevel::Answers,
            // `unix://`, `file://`: not a network dependency.
            _ => continue,
        };
        let mut f = Found::new(WaitTool::Dockerize, level);
        f.default_port = default_port_of(&u.scheme);
        f.host = Some(u.host);
        f.port = u.port;
        f.own = own;
        out.found.push(f);
    }
    out
}

/// `curl`/`wget` on an `http(s)://` URL. A wait only in a loop, or when the tool retries on its
/// own: `curl --retry N` with `--retry-connrefused`/`--retry-all-errors` (plain `--retry`
/// retries only "transient" errors, not a refused connection — curl docs, `--retry`), `wget
/// --retry-connrefused` (GNU Wget manual: `--tries` defaults to 20, and connection refused is
/// retried only with `--retry-connrefused`).
fn http_get(db: &SourceDb, prog: &str, args: &[Src]) -> Option<Found> {
    let is_curl = prog == "curl";
    let target = args.iter().find(|a| a.text.starts_with("http://") || a.text.starts_with("https://"))?;
    let u = url(db, target)?;
    let tool = if is_curl { WaitTool::Curl } else { WaitTool::Wget };
    let mut f = Found::new(tool, ReadyLevel::Answers);
    f.default_port = default_port_of(&u.scheme);
    f.host = Some(u.host);
    f.port = u.port;
    f.needs_loop = true;
    let num = |names: &[&str]| long_opt(db, args, names).and_then(|v| v.text.trim().parse::<f64>().ok());
    if is_curl {
        let retries = num(&["--retry"]).unwrap_or(0.0) as i64;
        if retries > 0 && has(args, &["--retry-connrefused", "--retry-all-errors"]) {
            // "it first waits one second and then for all forthcoming retries it doubles the
            // waiting time until it reaches 10 minutes" unless `--retry-delay` is set; the
            // whole is capped by `--retry-max-time` (curl docs, `--retry`).
            let total_s = match num(&["--retry-delay"]).filter(|d| *d > 0.0) {
                Some(d) => retries as f64 * d,
                None => (0..retries).map(|k| 2f64.powi(k.min(30) as i32).min(600.0)).sum(),
            };
            let total_s = num(&["--retry-max-time"]).filter(|m| *m > 0.0).map_or(total_s, |m| total_s.min(m));
            f.own = Bound::Millis((total_s * 1000.0) as i64);
        }
    } else if has(args, &["--retry-connrefused"]) {
        let tries = long_opt(db, args, &["--tries"]).or_else(|| short_value(args, "-t"));
        let tries = match tries.as_ref().map(|t| t.text.trim()) {
            Some("0" | "inf") => None,
            Some(t) => t.parse::<i64>().ok().or(Some(20)),
            None => Some(20),
        };
        // `--waitretry` (default 10 s): linear backoff, 1 s after the first failure, 2 s after
        // the second, … up to that many seconds (GNU Wget manual).
        let cap = long_opt(db, args, &["--waitretry"]).and_then(|w| w.text.trim().parse::<i64>().ok()).unwrap_or(10);
        f.own = match tries {
            None => Bound::Unbounded,
            Some(n) => Bound::Millis((1..n.max(1)).map(|k| k.min(cap)).sum::<i64>().saturating_mul(1000)),
        };
    }
    Some(f)
}

fn short_value(args: &[Src], flag: &str) -> Option<Src> {
    let i = args.iter().position(|a| a.text == flag)?;
    args.get(i + 1).cloned()
}

/// `kubectl wait --for=condition=X [--timeout=…] TARGETS` and `kubectl rollout status TARGET`.
///
/// `kubectl wait --timeout`: "The length of time to wait before giving up. Zero means check once
/// and don't wait, negative means wait for a week", default 30s (kubectl reference, `kubectl
/// wait`; simulation-model A8). `kubectl rollout status --timeout`: "zero means never", default
/// 0s, so it waits without a deadline by default (kubectl reference, `kubectl rollout status`).
fn kubectl(db: &SourceDb, args: &[Src]) -> Vec<Found> {
    // Flags of kubectl and these subcommands that take a value.
    const TAKES: &[&str] = &[
        "-n",
        "--namespace",
        "--context",
        "--kubeconfig",
        "--cluster",
        "--user",
        "-s",
        "--server",
        "--token",
        "--as",
        "--as-group",
        "-l",
        "--selector",
        "--for",
        "--timeout",
        "-o",
        "--output",
        "-f",
        "--filename",
        "--field-selector",
        "--request-timeout",
        "--template",
        "--revision",
        "-k",
        "--kustomize",
        "--cache-dir",
        "--certificate-authority",
        "--client-certificate",
        "--client-key",
        "--tls-server-name",
        "-v",
        "--v",
    ];
    let mut positional: Vec<&Src> = Vec::new();
    let mut namespace = None;
    let mut condition: Option<String> = None;
    let mut timeout: Option<String> = None;
    let mut watch = true;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let t = a.text.as_str();
        if t.starts_with('-') && t.len() > 1 {
            let (name, inline) = match t.split_once('=') {
                Some((n, _)) => (n, Some(a.tail(db, n.len() + 1))),
                None => (t, None),
            };
            let value = match inline {
                Some(v) => Some(v),
                None if TAKES.contains(&name) => {
                    i += 1;
                    args.get(i).cloned()
                }
                // `-lapp=db`, `-nprod`.
                None if name.len() > 2
                    && (name.starts_with("-l") || name.starts_with("-n"))
                    && !name.starts_with("--") =>
                {
                    Some(a.tail(db, 2))
                }
                None => None,
            };
            let short = if name.starts_with("--") { name } else { name.get(..2).unwrap_or(name) };
            match (short, value) {
                ("-n" | "--namespace", Some(v)) => namespace = Some(v),
                ("--for", Some(v)) => condition = Some(v.text),
                ("--timeout", Some(v)) => timeout = Some(v.text),
                ("-w" | "--watch", v) => watch = v.is_none_or(|v| v.text != "false"),
                _ => {}
            }
        } else {
            positional.push(a);
        }
        i += 1;
    }
    let (rollout, targets) = match positional.first().map(|p| p.text.as_str()) {
        Some("wait") => (false, &positional[1..]),
        Some("rollout") if positional.get(1).is_some_and(|p| p.text == "status") => (true, &positional[2..]),
        _ => return Vec::new(),
    };
    let (tool, level, own) = if rollout {
        let own = match timeout.as_deref().map(go_duration_ms) {
            _ if !watch => Bound::Once,
            None | Some(Some(0)) => Bound::Unbounded,
            Some(Some(ms)) => Bound::Millis(ms),
            Some(None) => Bound::Unbounded,
        };
        (WaitTool::Other("kubectl rollout status".into()), ReadyLevel::Healthy, own)
    } else {
        let Some(cond) = condition else { return Vec::new() };
        let cond_l = cond.to_ascii_lowercase();
        if cond_l == "delete" {
            return Vec::new();
        }
        let level = match cond_l.strip_prefix("condition=") {
            Some(c) if c.split('=').next() == Some("complete") => ReadyLevel::Completed,
            _ => ReadyLevel::Healthy,
        };
        let own = match timeout.as_deref().map(go_duration_ms) {
            None | Some(None) => Bound::Default(30_000),
            Some(Some(0)) => Bound::Once,
            // "negative means wait for a week".
            Some(Some(ms)) if ms < 0 => Bound::Millis(604_800_000),
            Some(Some(ms)) => Bound::Millis(ms),
        };
        (WaitTool::KubectlWait, level, own)
    };
    let mut f = Found::new(tool, level);
    f.own = own;
    f.namespace = namespace;
    // Targets: `KIND/NAME …`, or `KIND NAME …`, or `KIND` with `-l`/`--all`.
    let mut objects = Vec::new();
    let mut kind_word: Option<String> = None;
    for t in targets {
        if let Some(slash) = t.text.find('/') {
            objects.push((canonical_kind(&t.text[..slash]), t.tail(db, slash + 1)));
        } else if let Some(k) = &kind_word {
            objects.push((k.clone(), (*t).clone()));
        } else {
            kind_word = Some(canonical_kind(&t.text));
        }
    }
    if objects.is_empty() {
        // A selector or `--all`: no object named.
        return vec![f];
    }
    objects
        .into_iter()
        .map(|o| {
            let mut f = f.clone();
            f.object = Some(o);
            f
        })
        .collect()
}

/// kubectl's short names and plurals to one lower-case singular (`deploy` → `deployment`).
pub fn canonical_kind(k: &str) -> String {
    let k = k.split('.').next().unwrap_or(k).to_ascii_lowercase();
    match k.as_str() {
        "po" | "pod" | "pods" => "pod",
        "deploy" | "deployment" | "deployments" => "deployment",
        "sts" | "statefulset" | "statefulsets" => "statefulset",
        "ds" | "daemonset" | "daemonsets" => "daemonset",
        "rs" | "replicaset" | "replicasets" => "replicaset",
        "job" | "jobs" => "job",
        "cj" | "cronjob" | "cronjobs" => "cronjob",
        "svc" | "service" | "services" => "service",
        "pvc" | "persistentvolumeclaim" | "persistentvolumeclaims" => "persistentvolumeclaim",
        _ => return k,
    }
    .to_string()
}

/// groundnuty/k8s-wait-for (`wait_for.sh`): `pod|service|job|pod-we|job-we|pod-wr|job-wr NAME |
/// -lSELECTOR [kubectl args]`. It polls every `WAIT_TIME` (2 s) with no deadline ("while [ -n
/// …state… ]; do … sleep "$WAIT_TIME"; done", groundnuty/k8s-wait-for `wait_for.sh`). `pod-r`
/// is accepted as a pod wait too.
pub fn k8s_wait_for(db: &SourceDb, args: &[Src]) -> Option<Found> {
    let kind = args.first()?;
    let level = match kind.text.as_str() {
        "job" | "job-we" | "job-wr" => ReadyLevel::Completed,
        "pod" | "pod-we" | "pod-wr" | "pod-r" | "service" => ReadyLevel::Healthy,
        _ => return None,
    };
    let target = args.get(1)?;
    let mut f = Found::new(WaitTool::K8sWaitFor, level);
    f.own = Bound::Unbounded;
    if !target.text.starts_with("-l") {
        let k = if kind.text.starts_with("job") {
            "job"
        } else if kind.text == "service" {
            "service"
        } else {
            "pod"
        };
        f.object = Some((k.to_string(), target.clone()));
    }
    f.namespace = long_opt(db, &args[2..], &["-n", "--namespace"]);
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
