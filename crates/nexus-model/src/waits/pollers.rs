//! The wait scripts and pollers: wait-for-it, eficode's wait-for, dockerize, and `curl`/`wget`
//! retried until an HTTP endpoint answers. Each has a deadline of its own, cited from its
//! source next to the default.

use super::args::{default_port_of, has, host_port, long_opt, short_value, url};
use super::tools::{Found, Recognized};
use crate::durations::go_duration_ms;
use crate::{Bound, ReadyLevel, WaitTool};
use nexus_source::SourceDb;
use nexus_source::shell::Located as Src;

/// The wait-for-it default: `TIMEOUT=${TIMEOUT:-15}`; `-t 0` ("zero for no timeout") waits
/// without a deadline (vishnubob/wait-for-it `wait-for-it.sh`).
pub(super) const WAIT_FOR_IT_DEFAULT_MS: i64 = 15_000;

/// `wait-for-it host:port | -h host -p port [-t secs] [-s] [-- cmd]`.
pub(super) fn wait_for_it(db: &SourceDb, args: &[Src]) -> Recognized {
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
pub(super) fn seconds_timeout(t: &str, zero: Bound, default_ms: i64) -> Bound {
    match t.trim().parse::<i64>() {
        Ok(0) => zero,
        Ok(n) if n > 0 => Bound::Millis(n.saturating_mul(1000)),
        _ => Bound::Default(default_ms),
    }
}

pub(super) fn wait_for_it_timeout(t: &str) -> Bound {
    seconds_timeout(t, Bound::Unbounded, WAIT_FOR_IT_DEFAULT_MS)
}

/// eficode `wait-for` v2: `TIMEOUT=15`, one attempt a second, and `-t 0` makes a single attempt
/// (the loop breaks when `TIMEOUT` is not above 0, despite the help's "zero for no timeout")
/// (eficode/wait-for `wait-for`).
pub(super) const WAIT_FOR_DEFAULT_MS: i64 = 15_000;

/// `wait-for host:port|url [-t secs] [-- cmd]`.
pub(super) fn wait_for(db: &SourceDb, args: &[Src]) -> Recognized {
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

pub(super) fn wait_for_timeout(t: &str) -> Bound {
    seconds_timeout(t, Bound::Once, WAIT_FOR_DEFAULT_MS)
}

/// dockerize's `-timeout`: `flag.DurationVar(&waitTimeoutFlag, "timeout", 10*time.Second, "Host
/// wait timeout")`, one deadline for all `-wait`s (jwilder/dockerize `main.go`).
pub(super) const DOCKERIZE_DEFAULT_MS: i64 = 10_000;

/// `dockerize [-wait tcp://h:p|http://…]… [-timeout 1m30s] [cmd …]`: Go flags, which end at
/// the first argument that is not one.
pub(super) fn dockerize(db: &SourceDb, args: &[Src]) -> Recognized {
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
pub(super) fn http_get(db: &SourceDb, prog: &str, args: &[Src]) -> Option<Found> {
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
