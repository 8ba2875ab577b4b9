//! Reading a waiting program's arguments: getopt-style short options, long options, and the
//! addresses they name (`host:port`, URLs with their scheme's default port). Shared by every
//! recogniser, so each one only says which flags mean what.

use nexus_source::SourceDb;
use nexus_source::shell::Located as Src;

/// Short options, getopt style: `-zv`, `-w 1`, `-w1`. Calls `f(flag, word, at)` for each flag,
/// where a flag listed in `takes` gets the word holding its value and the value's offset in it.
/// Returns the operands.
pub(super) fn getopt<'a>(
    args: &'a [Src],
    takes: &str,
    mut f: impl FnMut(char, Option<&'a Src>, usize),
) -> Vec<&'a Src> {
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

/// The connection flags of a database client (`mysqladmin`, `redis-cli`).
pub(super) struct ClientFlags<'f> {
    /// Flags whose value is the host: the next word, or attached (`-hdb`, `--host=db`).
    pub host: &'f [&'f str],
    pub port: &'f [&'f str],
    /// Flags whose value is a URL naming host and port.
    pub url: &'f [&'f str],
    /// Other flags that take a value, which is skipped.
    pub skip: &'f [&'f str],
}

/// What a client's flags say: host, port, and the operands (other words not starting with `-`).
pub(super) struct ClientOptions<'a> {
    pub host: Option<Src>,
    pub port: Option<Src>,
    pub operands: Vec<&'a Src>,
}

/// Reads a client's connection flags.
pub(super) fn client_options<'a>(db: &SourceDb, args: &'a [Src], flags: ClientFlags<'_>) -> ClientOptions<'a> {
    let mut out = ClientOptions { host: None, port: None, operands: Vec::new() };
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text.as_str();
        let next = args.get(i + 1);
        let takes = |names: &[&str]| names.contains(&t);
        // An attached value: `--host=db`, or `-hdb` for a short flag.
        let attached = |names: &[&str]| {
            names.iter().find_map(|n| {
                let at = if n.starts_with("--") {
                    t.strip_prefix(n).filter(|r| r.starts_with('=')).map(|_| n.len() + 1)
                } else {
                    (t.len() > n.len() && t.starts_with(n)).then_some(n.len())
                };
                at.map(|at| args[i].tail(db, at))
            })
        };
        if takes(flags.host) {
            out.host = next.cloned();
            i += 1;
        } else if takes(flags.port) {
            out.port = next.cloned();
            i += 1;
        } else if takes(flags.url) {
            if let Some(u) = next.and_then(|n| url(db, n)) {
                out.host = Some(u.host);
                out.port = u.port;
            }
            i += 1;
        } else if takes(flags.skip) {
            i += 1;
        } else if let Some(v) = attached(flags.host) {
            out.host = Some(v);
        } else if let Some(v) = attached(flags.port) {
            out.port = Some(v);
        } else if !t.starts_with('-') {
            out.operands.push(&args[i]);
        }
        i += 1;
    }
    out
}

/// The value of a short option: the next word, or the rest of the cluster (`-hdb`).
pub(super) fn value_of(db: &SourceDb, w: Option<&Src>, at: usize) -> Option<Src> {
    w.map(|w| w.tail(db, at))
}

/// Long options: `--host=db` or `--host db`. Returns the value of the first of `names` found.
pub(super) fn long_opt(db: &SourceDb, args: &[Src], names: &[&str]) -> Option<Src> {
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

pub(super) fn has(args: &[Src], words: &[&str]) -> bool {
    args.iter().any(|a| words.contains(&a.text.as_str()))
}

/// `host:port` → host and port; `[::1]:5432` too.
pub(super) fn host_port(db: &SourceDb, s: &Src) -> (Src, Option<Src>) {
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
pub(super) fn split_colon(t: &str) -> Option<usize> {
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
pub(super) struct Url {
    pub scheme: String,
    pub host: Src,
    pub port: Option<Src>,
}

pub(super) fn url(db: &SourceDb, s: &Src) -> Option<Url> {
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

pub(super) fn default_port_of(scheme: &str) -> Option<i64> {
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

pub(super) fn short_value(args: &[Src], flag: &str) -> Option<Src> {
    let i = args.iter().position(|a| a.text == flag)?;
    args.get(i + 1).cloned()
}
