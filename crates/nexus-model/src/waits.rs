//! Waits written in container commands: `wait-for-it db:5432 -- app`, an init container's
//! `sh -c 'until nc -z db 5432; do sleep 1; done'`, `kubectl wait --for=condition=complete
//! job/migrate`, k8s-wait-for's `["job", "migrate"]`, and the like.
//!
//! The container's words (`command` then `args`; Compose: `entrypoint` then `command`) are read
//! either as a program and its arguments or, for `sh -c BODY`, as a shell script ([`shell`]).
//! Each command that waits is recognised by its program ([`tools`]); the loops, `timeout`
//! wrappers and functions around it decide how long it may wait ([`Bound`]): a bare check is
//! [`Bound::Once`], an `until …; do sleep; done` with no other way out is
//! [`Bound::Unbounded`], a loop that counts its attempts is `iterations × (sleep + attempt)`,
//! and `timeout N` caps whatever it wraps.
//!
//! Positions: every word keeps where it is written, so hosts, ports and objects point at their
//! exact text inside the YAML scalar, or at the env value a `$VAR` resolves to. Where the text
//! is not verbatim in the source (YAML escapes, a folded scalar), the span falls back to the
//! smallest enclosing text that is.

mod shell;
mod tools;

use shell::{AndOr, Cmd, List, Pipeline, Simple, Word};
use tools::{Found, program};

use std::sync::Arc;

use super::{Bound, Container, Spanned, WaitSpec};
use nexus_source::{SourceDb, Span};

/// Nested shells, substitutions and function calls beyond this are not followed.
const MAX_DEPTH: u32 = 16;
/// Commands visited per container at most (recursive functions, nested loops over targets).
const MAX_STEPS: u32 = 20_000;

/// The waits in a container's command and args, in the order they run.
pub fn waits(c: &Container, db: &SourceDb) -> Vec<WaitSpec> {
    let words = argv(c, db);
    let mut cx =
        Cx { db, c, out: Vec::new(), vars: Vec::new(), params: Vec::new(), funcs: Vec::new(), depth: 0, steps: 0 };
    if let Some(args) = k8s_wait_for_args(c, &words) {
        if let Some(f) = tools::k8s_wait_for(db, args) {
            let here = args.first().map_or(c.span, Src::span);
            cx.emit(f, &[], Some(here), args.first().unwrap_or(&words[0]));
        }
        return cx.out;
    }
    let mut frames = Vec::new();
    cx.command(&words, &mut frames, None);
    cx.out
}

/// The arguments of a groundnuty/k8s-wait-for container: its image runs `wait_for.sh` on them.
fn k8s_wait_for_args<'a>(c: &Container, words: &'a [Src]) -> Option<&'a [Src]> {
    let first = words.first()?;
    if program(&first.text) == "wait_for.sh" {
        return Some(&words[1..]);
    }
    let kinds = ["job", "job-we", "job-wr", "pod", "pod-we", "pod-wr", "pod-r", "service"];
    let by_image = c.image_str().contains("k8s-wait-for");
    let by_args = c.command.is_empty() && words.len() >= 2 && kinds.contains(&first.text.as_str());
    (by_image || by_args).then_some(words)
}

/// Text and where it is written.
///
/// `at` is the offset where `text` appears verbatim in the source, so any part of it maps to an
/// exact span. Text that is not verbatim (a block scalar's indentation, YAML escapes) carries a
/// map from the bytes of the scalar value it was cut from to their source offsets; a part maps
/// exactly when the source there reads the same. Otherwise parts are searched for in `span`
/// (the scalar or env value holding the text) and fall back to the whole of `span`.
#[derive(Clone, Debug)]
struct Src {
    pub text: String,
    at: Option<u32>,
    span: Span,
    via: Option<Span>,
    /// Source offsets of the scalar value's bytes, and where `text` starts in that value.
    map: Option<(Arc<[u32]>, usize)>,
}

impl Src {
    /// A YAML scalar's value, looked for from byte `from` of its source on: exact when it
    /// appears there, else aligned with it. Also returns where the search may go on (for words
    /// split from one Compose string, which share its span).
    fn scalar(db: &SourceDb, v: &Spanned<String>, from: usize) -> (Src, usize) {
        let raw = source(db, v.span);
        let found = raw.get(from..).and_then(|r| r.find(v.value.as_str())).map(|i| from + i);
        let at = found.map(|i| v.span.start + i as u32);
        let next = found.map_or(from, |i| i + v.value.len());
        let map = match found {
            None if from == 0 => align(&v.value, raw, v.span.start).map(|m| (m, 0)),
            _ => None,
        };
        (Src { text: v.value.clone(), at, span: v.span, via: v.via, map }, next)
    }

    fn plain(text: String, span: Span, via: Option<Span>) -> Src {
        Src { text, at: None, span, via, map: None }
    }

    pub fn span(&self) -> Span {
        match self.at {
            Some(at) => Span::new(self.span.file, at, at + self.text.len() as u32),
            None => self.span,
        }
    }

    fn is_exact(&self) -> bool {
        self.at.is_some()
    }

    /// `text[a..b]`, located.
    pub fn sub(&self, db: &SourceDb, a: usize, b: usize) -> Src {
        let n = self.text.len();
        let (a, b) = (a.min(n), b.min(n).max(a.min(n)));
        let text = self.text.get(a..b).unwrap_or("").to_string();
        let map = self.map.as_ref().map(|(m, off)| (m.clone(), off + a));
        let at = match (self.at, &self.map) {
            (Some(at), _) => Some(at + a as u32),
            (None, Some((m, off))) => mapped(db, self.span, m, off + a, &text),
            (None, None) => fuzzy(db, self.span, &self.text, a, b),
        };
        Src { text, at, span: self.span, via: self.via, map }
    }

    /// `text[a..]`, located.
    pub fn tail(&self, db: &SourceDb, a: usize) -> Src {
        self.sub(db, a, self.text.len())
    }

    fn spanned(&self) -> Spanned<String> {
        Spanned::with_via(self.text.clone(), self.span(), self.via)
    }
}

fn source(db: &SourceDb, span: Span) -> &str {
    if span.file.0 as usize >= db.len() {
        return "";
    }
    db.get(span.file).slice(span)
}

/// Pairs each byte of a scalar's value with the first source byte after the previous pair that
/// equals it: indentation, quotes and escape backslashes are skipped over. The header line of
/// a block scalar (`|-`, `>`, with its comment) is left out. None when the value is not a
/// subsequence of its source.
fn align(value: &str, raw: &str, base: u32) -> Option<Arc<[u32]>> {
    let r = raw.as_bytes();
    let mut j = if matches!(r.first(), Some(b'|' | b'>')) { raw.find('\n').map_or(r.len(), |i| i + 1) } else { 0 };
    let mut out = Vec::with_capacity(value.len());
    for &b in value.as_bytes() {
        while j < r.len() && r[j] != b {
            j += 1;
        }
        if j == r.len() {
            return None;
        }
        out.push(base + j as u32);
        j += 1;
    }
    Some(out.into())
}

/// Where `text`, starting at byte `start` of a mapped value, is in the source: when the
/// source reads the same there.
fn mapped(db: &SourceDb, span: Span, map: &[u32], start: usize, text: &str) -> Option<u32> {
    let first = *map.get(start)?;
    let last = *map.get((start + text.len()).checked_sub(1)?)?;
    let file = db.get(span.file);
    (file.text.get(first as usize..last as usize + 1) == Some(text)).then_some(first)
}

/// Where `whole[a..b]` is in the source of `span`, when that text occurs there as many times as
/// in `whole` (so the occurrences pair up); None otherwise, and for long sources.
fn fuzzy(db: &SourceDb, span: Span, whole: &str, a: usize, b: usize) -> Option<u32> {
    const MAX_SEARCH: u32 = 16 * 1024;
    let needle = whole.get(a..b).filter(|n| !n.is_empty() && span.len() <= MAX_SEARCH)?;
    let k = whole.match_indices(needle).position(|(i, _)| i == a)?;
    let raw = source(db, span);
    let hits: Vec<usize> = raw.match_indices(needle).map(|(i, _)| i).collect();
    (hits.len() == whole.match_indices(needle).count()).then(|| span.start + hits[k] as u32)
}

/// The container's words, each located in its scalar. Words split from one Compose string share
/// its span; they are found one after another in it.
fn argv(c: &Container, db: &SourceDb) -> Vec<Src> {
    let mut out = Vec::new();
    let mut last: Option<(Span, usize)> = None;
    for w in c.argv() {
        let from = match last {
            Some((span, next)) if span == w.span => next,
            _ => 0,
        };
        let (src, next) = Src::scalar(db, w, from);
        last = Some((w.span, next));
        out.push(src);
    }
    out
}

/// How long a loop runs.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum LoopBound {
    /// No way out but success.
    Forever,
    /// At most `n` rounds, each sleeping `sleep_ms`.
    Rounds { n: i64, sleep_ms: i64 },
    /// A deadline on the clock (`$SECONDS`, `date +%s`).
    Deadline(i64),
}

/// What surrounds a command, outermost first.
#[derive(Clone, Debug)]
enum Frame {
    Loop {
        bound: LoopBound,
        span: Span,
    },
    /// `timeout N …`; the span is that command's, when it is in a script.
    Timeout {
        ms: i64,
        span: Option<Span>,
    },
    /// A call of a shell function whose body holds the wait.
    Call {
        span: Span,
    },
}

impl Frame {
    fn span(&self) -> Option<Span> {
        match self {
            Frame::Loop { span, .. } | Frame::Call { span } => Some(*span),
            Frame::Timeout { span, .. } => *span,
        }
    }
}

/// The bound of a wait that waits `own` on its own, inside `frames`.
fn fold(own: Bound, frames: &[Frame]) -> Bound {
    let attempt = |b: Bound| match b {
        Bound::Default(ms) | Bound::Millis(ms) => ms.max(0),
        _ => 0,
    };
    frames.iter().rev().fold(own, |b, f| match f {
        Frame::Call { .. } => b,
        Frame::Loop { .. } if b == Bound::Unbounded => Bound::Unbounded,
        Frame::Loop { bound: LoopBound::Forever, .. } => Bound::Unbounded,
        Frame::Loop { bound: LoopBound::Rounds { n, sleep_ms }, .. } => {
            Bound::Millis(n.saturating_mul(sleep_ms.saturating_add(attempt(b))))
        }
        Frame::Loop { bound: LoopBound::Deadline(ms), .. } => Bound::Millis(*ms),
        // `timeout` kills what runs longer; a single check stays one.
        Frame::Timeout { ms, .. } => match b {
            Bound::Once => Bound::Once,
            Bound::Unbounded => Bound::Millis(*ms),
            Bound::Millis(x) => Bound::Millis(x.min(*ms)),
            Bound::Default(x) if x <= *ms => Bound::Default(x),
            Bound::Default(_) => Bound::Millis(*ms),
        },
    })
}

struct Cx<'a> {
    db: &'a SourceDb,
    c: &'a Container,
    out: Vec<WaitSpec>,
    /// Script variables assigned so far, latest last.
    vars: Vec<(String, Src)>,
    /// Positional parameters (`$0`, `$1`, …) of the scripts and functions being read.
    params: Vec<Vec<Src>>,
    /// Shell functions defined so far: name, definition, and the script it is written in.
    funcs: Vec<(String, Cmd, Src)>,
    depth: u32,
    steps: u32,
}

impl Cx<'_> {
    /// One command: `words[0]` is the program. `here` is its span in a script (None for the
    /// container's own words).
    fn command(&mut self, words: &[Src], frames: &mut Vec<Frame>, here: Option<Span>) {
        let Some(first) = words.first() else { return };
        if self.depth > MAX_DEPTH {
            return;
        }
        let prog = program(&first.text);
        let rest = &words[1..];
        match prog {
            "exec" | "command" | "nohup" | "time" | "builtin" | "busybox" => return self.command(rest, frames, here),
            "env" => {
                let i = rest
                    .iter()
                    .position(|w| !(w.text.starts_with('-') || shell::is_assignment(&w.text)))
                    .unwrap_or(rest.len());
                return self.command(&rest[i..], frames, here);
            }
            "nice" | "stdbuf" | "tini" | "dumb-init" | "sudo" => {
                let mut i = 0;
                while i < rest.len() && rest[i].text.starts_with('-') {
                    i += if matches!(rest[i].text.as_str(), "-n" | "-u" | "-g") { 2 } else { 1 };
                }
                return self.command(rest.get(i..).unwrap_or(&[]), frames, here);
            }
            "gosu" | "su-exec" => return self.command(rest.get(1..).unwrap_or(&[]), frames, here),
            "timeout" => {
                let resolved: Vec<Src> = rest.iter().map(|w| self.resolve(w)).collect();
                let (ms, cmd) = tools::timeout_cmd(&resolved);
                if let Some(i) = cmd {
                    if let Some(ms) = ms {
                        frames.push(Frame::Timeout { ms, span: here });
                    }
                    self.command(&rest[i..], frames, here);
                    if ms.is_some() {
                        frames.pop();
                    }
                }
                return;
            }
            "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh" | "mksh" => {
                self.shell(rest, frames);
                return;
            }
            _ => {}
        }
        if here.is_some()
            && let Some((_, body, script)) = self.funcs.iter().rev().find(|(n, ..)| n == prog).cloned()
        {
            let mut params = vec![self.param(0).unwrap_or_else(|| first.clone())];
            params.extend(rest.iter().map(|w| self.resolve(w)));
            frames.push(Frame::Call { span: here.unwrap_or(first.span) });
            self.depth += 1;
            self.params.push(params);
            let mut cmd = body;
            if let Cmd::Group { body, .. } = &mut cmd {
                let list = std::mem::take(body);
                self.list(&list, &script, frames);
            } else {
                self.cmd(&cmd, &script, frames);
            }
            self.params.pop();
            self.depth -= 1;
            frames.pop();
            return;
        }
        let resolved: Vec<Src> = words.iter().map(|w| self.resolve(w)).collect();
        let rec = tools::recognize(self.db, &resolved);
        for f in rec.found {
            self.emit(f, frames, here, first);
        }
        if let Some(i) = rec.then {
            self.command(&words[i..], frames, here);
        }
    }

    /// `sh [options] -c BODY [$0 [$1 …]]`.
    fn shell(&mut self, args: &[Src], frames: &mut Vec<Frame>) {
        let mut i = 0;
        let mut dash_c = false;
        while i < args.len() {
            let t = args[i].text.as_str();
            if t == "--" || t == "-" {
                i += 1;
                break;
            }
            if t.len() < 2 || !(t.starts_with('-') || t.starts_with('+')) {
                break;
            }
            if t.starts_with("--") {
                i += if matches!(t, "--rcfile" | "--init-file") { 2 } else { 1 };
                continue;
            }
            dash_c |= t.contains('c');
            // `-o pipefail`, `-euo pipefail`: the option name is the next word.
            i += if t.contains('o') || t.contains('O') { 2 } else { 1 };
        }
        let Some(body) = args.get(i).filter(|_| dash_c) else { return };
        let params = args[i + 1..].iter().map(|w| self.resolve(w)).collect();
        self.script(body, params, frames);
    }

    fn script(&mut self, body: &Src, params: Vec<Src>, frames: &mut Vec<Frame>) {
        if self.depth > MAX_DEPTH {
            return;
        }
        let list = shell::parse(&body.text);
        self.depth += 1;
        self.params.push(params);
        self.list(&list, body, frames);
        self.params.pop();
        self.depth -= 1;
    }

    fn list(&mut self, list: &List, body: &Src, frames: &mut Vec<Frame>) {
        for ao in list {
            for p in ao.pipelines() {
                for c in &p.cmds {
                    self.cmd(c, body, frames);
                }
            }
        }
    }

    fn cmd(&mut self, c: &Cmd, body: &Src, frames: &mut Vec<Frame>) {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return;
        }
        match c {
            Cmd::Simple(s) => self.simple(s, body, frames),
            Cmd::Loop { until, cond, body: inner, start, end } => {
                let bound = self.loop_bound(c);
                frames.push(Frame::Loop { bound, span: self.range_span(body, *start, *end) });
                for p in cond.iter().flat_map(AndOr::pipelines) {
                    // `while nc -z db 5432` loops while the port is open: it waits for the
                    // opposite of readiness. Tests (`while [ "$(curl …)" != 200 ]`) still count.
                    if *until == p.bang && !is_test(p) {
                        continue;
                    }
                    for c in &p.cmds {
                        self.cmd(c, body, frames);
                    }
                }
                self.list(inner, body, frames);
                frames.pop();
            }
            Cmd::For { var, items, body: inner, start, end, .. } => {
                // `for host in db redis; do … $host …`: one pass per target, not a retry loop.
                if let Some(items) = items.as_ref().filter(|it| self.iterates_targets(var, it, body, *start, *end)) {
                    for item in items.iter().take(16) {
                        let v = self.word(body, item);
                        self.vars.push((var.clone(), v));
                        self.list(inner, body, frames);
                        self.vars.pop();
                    }
                    return;
                }
                let bound = self.loop_bound(c);
                frames.push(Frame::Loop { bound, span: self.range_span(body, *start, *end) });
                self.list(inner, body, frames);
                frames.pop();
            }
            Cmd::If { branches, otherwise, .. } => {
                for (cond, then) in branches {
                    self.list(cond, body, frames);
                    self.list(then, body, frames);
                }
                if let Some(o) = otherwise {
                    self.list(o, body, frames);
                }
            }
            Cmd::Group { body: inner, .. } => self.list(inner, body, frames),
            Cmd::Case { arms, .. } => {
                for a in arms {
                    self.list(a, body, frames);
                }
            }
            Cmd::Function { name, body: def, .. } => self.funcs.push((name.clone(), (**def).clone(), body.clone())),
        }
    }

    fn simple(&mut self, s: &Simple, body: &Src, frames: &mut Vec<Frame>) {
        let here = self.range_span(body, s.start, s.end);
        for a in &s.assigns {
            self.assign(body, a);
        }
        if s.words.first().is_some_and(|w| matches!(w.text.as_str(), "export" | "local" | "readonly" | "declare")) {
            for a in s.words[1..].iter().filter(|w| shell::is_assignment(&w.text)) {
                self.assign(body, a);
            }
        }
        // Command substitutions run first: `until [ "$(curl … http://api/health)" = 200 ]`.
        for w in s.assigns.iter().chain(&s.words).chain(&s.redirects) {
            self.substitutions(body, w, frames);
        }
        for r in &s.redirects {
            self.dev_tcp(body, r, frames, here);
        }
        let words: Vec<Src> = s.words.iter().map(|w| self.word(body, w)).collect();
        self.command(&words, frames, Some(here));
    }

    /// A word of a script, located: exactly when its text is verbatim in the script (quotes
    /// around it are fine), else within its raw text.
    fn word(&self, body: &Src, w: &Word) -> Src {
        let raw = body.text.get(w.start..w.end).unwrap_or("");
        if !w.text.is_empty()
            && let Some(i) = raw.find(w.text.as_str())
        {
            return body.sub(self.db, w.start + i, w.start + i + w.text.len());
        }
        let outer = body.sub(self.db, w.start, w.end);
        Src::plain(w.text.clone(), outer.span(), body.via)
    }

    /// The span of `body[a..b]`: exact when verbatim, else from its first word's start to its
    /// last word's end when those are found, else the whole body.
    fn range_span(&self, body: &Src, a: usize, b: usize) -> Span {
        let whole = body.sub(self.db, a, b);
        if whole.is_exact() {
            return whole.span();
        }
        let seg = body.text.get(a..b).unwrap_or("");
        let head = a + seg.find(char::is_whitespace).unwrap_or(seg.len());
        let tail = a + seg.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let (h, t) = (body.sub(self.db, a, head), body.sub(self.db, tail, b));
        match (h.at, t.at) {
            (Some(x), Some(y)) if x <= y => Span::new(body.span.file, x, y + (b - tail) as u32),
            _ => body.span(),
        }
    }

    fn assign(&mut self, body: &Src, w: &Word) {
        let Some(eq) = w.text.find('=') else { return };
        let name = w.text[..eq].trim_end_matches('+').to_string();
        let v = self.word(body, w);
        let value = if v.text == w.text { v.tail(self.db, eq + 1) } else { v };
        let value = Src { text: w.text[eq + 1..].to_string(), ..value };
        self.vars.push((name, value));
    }

    /// `$(…)` and backquotes inside a word: scripts of their own, run where the word is.
    fn substitutions(&mut self, body: &Src, w: &Word, frames: &mut Vec<Frame>) {
        let raw = body.text.get(w.start..w.end).unwrap_or("");
        let b = raw.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let (open, inner_start) = match (b[i], b.get(i + 1), b.get(i + 2)) {
                (b'$', Some(b'('), Some(b'(')) => {
                    i += 3;
                    continue;
                }
                (b'$', Some(b'('), _) => (b'(', i + 2),
                (b'`', ..) => (b'`', i + 1),
                _ => {
                    i += 1;
                    continue;
                }
            };
            let end = if open == b'`' {
                raw[inner_start..].find('`').map_or(raw.len(), |e| inner_start + e)
            } else {
                matching_paren(raw, i + 1)
            };
            let inner = body.sub(self.db, w.start + inner_start, w.start + end);
            if shell::is_name(&inner.text) && self.env(&inner.text).is_some() {
                // `$(VAR)`: Kubernetes expands it before the shell runs.
            } else {
                let params = self.params.last().cloned().unwrap_or_default();
                self.script(&inner, params, frames);
            }
            i = end + 1;
        }
    }

    /// `> /dev/tcp/HOST/PORT` (bash): opening the connection is the check.
    fn dev_tcp(&mut self, body: &Src, target: &Word, frames: &mut [Frame], here: Span) {
        let w = self.word(body, target);
        let w = self.resolve(&w);
        let Some(rest) = w.text.strip_prefix("/dev/tcp/") else { return };
        let Some(slash) = rest.find('/') else { return };
        let base = "/dev/tcp/".len();
        let mut f = Found {
            tool: super::WaitTool::DevTcp,
            host: Some(w.sub(self.db, base, base + slash)),
            port: Some(w.tail(self.db, base + slash + 1)),
            default_port: None,
            host_env: None,
            port_env: None,
            object: None,
            namespace: None,
            own: Bound::Once,
            level: super::ReadyLevel::PortOpen,
            needs_loop: false,
        };
        if f.host.as_ref().is_some_and(|h| h.text.is_empty()) {
            f.host = None;
        }
        self.emit(f, frames, Some(here), &w);
    }

    /// Turns what a tool found into a spec.
    fn emit(&mut self, f: Found, frames: &[Frame], here: Option<Span>, cmd: &Src) {
        let in_loop = frames.iter().any(|fr| matches!(fr, Frame::Loop { .. }));
        if f.needs_loop && !in_loop && f.own == Bound::Once {
            return;
        }
        let span = frames.iter().find_map(Frame::span).or(here).unwrap_or(cmd.span());
        let host = f
            .host
            .as_ref()
            .map(|h| self.resolve(h))
            .or_else(|| f.host_env.and_then(|e| self.env(e)))
            .filter(|h| !h.text.is_empty() && !h.text.starts_with('-'));
        let port = f.port.as_ref().map(|p| self.resolve(p)).or_else(|| f.port_env.and_then(|e| self.env(e)));
        let port = match port {
            Some(p) => p.text.trim().parse::<i64>().ok().filter(|n| (1..=65_535).contains(n)).map(|n| {
                let s = p.spanned();
                Spanned::with_via(n, s.span, s.via)
            }),
            None => f.default_port.map(|n| Spanned::with_via(n, cmd.span(), cmd.via)),
        };
        let object = f.object.map(|(kind, name)| (kind, self.resolve(&name).spanned()));
        let namespace = f.namespace.map(|n| self.resolve(&n).text).filter(|n| !n.is_empty());
        self.out.push(WaitSpec {
            tool: f.tool,
            host: host.map(|h| h.spanned()),
            port,
            object,
            namespace,
            timeout: fold(f.own, frames),
            level: f.level,
            span,
        });
    }

    /// A word that is one variable (`$DB_HOST`, `${DB_HOST}`, `${DB_HOST:-db}`, `$(DB_HOST)`,
    /// `$1`) replaced by its value: a script assignment, a positional parameter, or the
    /// container's env; else as written.
    fn resolve(&self, s: &Src) -> Src {
        let mut cur = s.clone();
        for _ in 0..8 {
            let Some((name, default)) = var_ref(&cur.text) else { break };
            let value = if let Ok(n) = name.parse::<usize>() {
                self.param(n)
            } else {
                self.vars.iter().rev().find(|(v, _)| v == name).map(|(_, s)| s.clone()).or_else(|| self.env(name))
            };
            cur = match (value, default) {
                (Some(v), _) => v,
                (None, Some((a, b))) => cur.sub(self.db, a, b),
                (None, None) => break,
            };
        }
        cur
    }

    fn param(&self, n: usize) -> Option<Src> {
        self.params.last().and_then(|p| p.get(n)).cloned()
    }

    /// The literal value of one of the container's env vars.
    fn env(&self, name: &str) -> Option<Src> {
        let e = self.c.env.iter().rev().find(|e| e.name.value == name && e.from.is_none())?;
        let v = e.value.as_ref()?;
        Some(Src::scalar(self.db, v, 0).0)
    }

    /// Does `for VAR in ITEMS` go over targets (`db redis`, used as `$VAR`) rather than count
    /// attempts (`1 2 3`, `$(seq 1 30)`)?
    fn iterates_targets(&self, var: &str, items: &[Word], body: &Src, start: usize, end: usize) -> bool {
        let text = body.text.get(start..end).unwrap_or("");
        let used = text.contains(&format!("${var}")) || text.contains(&format!("${{{var}"));
        used && !items.is_empty()
            && items.iter().all(|w| !w.text.contains('$') && !w.text.contains('`') && !w.text.contains('{'))
            && !items.iter().all(|w| w.text.parse::<i64>().is_ok())
    }

    /// How long a `while`/`until`/`for` loop may run.
    fn loop_bound(&self, c: &Cmd) -> LoopBound {
        let mut words: Vec<String> = Vec::new();
        let mut assigns: Vec<(String, String)> = Vec::new();
        let mut sleep_ms = 0i64;
        let (cond, inner): (&[AndOr], &[AndOr]) = match c {
            Cmd::Loop { cond, body, .. } => (cond, body),
            Cmd::For { body, .. } => (&[], body),
            _ => return LoopBound::Forever,
        };
        for l in [cond, inner] {
            collect(l, true, &mut |s: &Simple| {
                for w in s.assigns.iter().chain(&s.words) {
                    words.push(w.text.clone());
                    if let Some((n, v)) = w.text.split_once('=').filter(|_| shell::is_assignment(&w.text)) {
                        assigns.push((n.to_string(), v.to_string()));
                    }
                }
            });
            // A round's sleeps; an inner loop's belong to its own rounds.
            collect(l, false, &mut |s: &Simple| {
                if s.words.first().is_some_and(|w| w.text == "sleep") {
                    // An unreadable duration (`sleep $((2 ** i))`) counts as a second.
                    sleep_ms += s.words[1..].iter().map(|w| self.duration(&w.text).unwrap_or(1000)).sum::<i64>();
                }
            });
        }
        let lc = LoopCx { cx: self, words: &words, assigns: &assigns };
        if let Cmd::For { items, arith, .. } = c {
            let n = match (items, arith) {
                (_, Some(a)) => lc.arith_rounds(a),
                (Some(items), None) => Some(items.iter().map(|w| lc.item_count(&w.text)).sum()),
                (None, None) => Some(self.params.last().map_or(1, |p| p.len().saturating_sub(1)) as i64),
            };
            return LoopBound::Rounds { n: n.unwrap_or(1).max(0), sleep_ms };
        }
        let mut tests: Vec<&Pipeline> = Vec::new();
        for ao in cond {
            tests.extend(ao.pipelines());
        }
        exit_tests(inner, &mut tests);
        let mut best: Option<LoopBound> = None;
        for t in tests {
            let Some(b) = lc.test_bound(t, sleep_ms) else { continue };
            let total = |b: LoopBound| match b {
                LoopBound::Rounds { n, sleep_ms } => n.saturating_mul(sleep_ms),
                LoopBound::Deadline(ms) => ms,
                LoopBound::Forever => i64::MAX,
            };
            if best.is_none_or(|x| total(b) < total(x)) {
                best = Some(b);
            }
        }
        best.unwrap_or(LoopBound::Forever)
    }

    /// `sleep`/`timeout` durations: `5`, `0.5`, `2s`, `1m`; variables resolved.
    fn duration(&self, t: &str) -> Option<i64> {
        if let Some(ms) = seconds_ms(t) {
            return Some(ms);
        }
        let probe = Src::plain(t.to_string(), self.c.span, None);
        let v = self.resolve(&probe);
        if v.text == t { None } else { seconds_ms(&v.text) }
    }

    /// An integer a variable holds before a loop (script assignment or env).
    fn int_var(&self, name: &str) -> Option<i64> {
        let probe = Src::plain(format!("${name}"), self.c.span, None);
        let v = self.resolve(&probe);
        v.text.trim().parse().ok()
    }
}

/// `[ … ]`, `[[ … ]]`, `test …` or `(( … ))`.
fn is_test(p: &Pipeline) -> bool {
    match p.cmds.first() {
        Some(Cmd::Simple(s)) => {
            s.words.first().is_some_and(|w| matches!(w.text.as_str(), "[" | "[[" | "test") || w.text.starts_with("(("))
        }
        _ => false,
    }
}

/// Calls `f` on every simple command of a list, and of the loops in it if `into_loops`.
fn collect(list: &[AndOr], into_loops: bool, f: &mut impl FnMut(&Simple)) {
    for ao in list {
        for p in ao.pipelines() {
            for c in &p.cmds {
                match c {
                    Cmd::Simple(s) => f(s),
                    Cmd::Loop { cond, body, .. } if into_loops => {
                        collect(cond, into_loops, f);
                        collect(body, into_loops, f);
                    }
                    Cmd::For { body, .. } if into_loops => collect(body, into_loops, f),
                    Cmd::Group { body, .. } => collect(body, into_loops, f),
                    Cmd::If { branches, otherwise, .. } => {
                        for (c, t) in branches {
                            collect(c, into_loops, f);
                            collect(t, into_loops, f);
                        }
                        if let Some(o) = otherwise {
                            collect(o, into_loops, f);
                        }
                    }
                    Cmd::Case { arms, .. } => {
                        for a in arms {
                            collect(a, into_loops, f);
                        }
                    }
                    Cmd::Loop { .. } | Cmd::For { .. } | Cmd::Function { .. } => {}
                }
            }
        }
    }
}

/// Does a list leave the loop (`exit`, `break`, `return`)?
fn leaves(list: &[AndOr]) -> bool {
    let mut found = false;
    collect(list, true, &mut |s| {
        found |= s.words.first().is_some_and(|w| matches!(w.text.as_str(), "exit" | "break" | "return"));
    });
    found
}

fn pipeline_leaves(p: &Pipeline) -> bool {
    p.cmds.iter().any(|c| match c {
        Cmd::Simple(s) => s.words.first().is_some_and(|w| matches!(w.text.as_str(), "exit" | "break" | "return")),
        Cmd::Group { body, .. } => leaves(body),
        _ => false,
    })
}

/// The tests in a loop body that lead out of it: `TEST && exit 1`, `TEST || break`, `if TEST;
/// then …; exit; fi`.
fn exit_tests<'a>(list: &'a [AndOr], out: &mut Vec<&'a Pipeline>) {
    for ao in list {
        if ao.rest.iter().any(|(_, p)| pipeline_leaves(p)) {
            out.push(&ao.first);
        }
        for p in ao.pipelines() {
            for c in &p.cmds {
                match c {
                    Cmd::If { branches, otherwise, .. } => {
                        for (cond, then) in branches {
                            if leaves(then) || otherwise.as_ref().is_some_and(|o| leaves(o)) {
                                out.extend(cond.iter().flat_map(AndOr::pipelines));
                            }
                            exit_tests(then, out);
                        }
                    }
                    Cmd::Group { body, .. } => exit_tests(body, out),
                    _ => {}
                }
            }
        }
    }
}

/// One side of a comparison in a loop test.
#[derive(Clone, Debug, PartialEq)]
enum Side {
    Num(i64),
    /// A variable the loop changes by `step`.
    Counter {
        name: String,
        step: i64,
    },
    /// Seconds since the loop began (`$SECONDS`, `$(( $(date +%s) - start ))`).
    Elapsed,
    /// The clock (`$(date +%s)`).
    Now,
    /// A variable set to the clock plus this many seconds.
    Deadline(i64),
}

struct LoopCx<'a, 'b> {
    cx: &'a Cx<'b>,
    /// The words of the loop's commands.
    words: &'a [String],
    /// Assignments inside the loop.
    assigns: &'a [(String, String)],
}

impl LoopCx<'_, '_> {
    /// The bound a test puts on the loop, if it compares a counter or the clock with a limit.
    fn test_bound(&self, p: &Pipeline, sleep_ms: i64) -> Option<LoopBound> {
        let [Cmd::Simple(s)] = p.cmds.as_slice() else { return None };
        let w: Vec<&str> = s.words.iter().map(|w| w.text.as_str()).collect();
        let (lhs, rhs) = match w.first().copied() {
            Some("[" | "[[" | "test") => {
                let i = w.iter().position(|x| matches!(*x, "-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge"))?;
                (w.get(i.checked_sub(1)?)?.to_string(), w.get(i + 1)?.to_string())
            }
            Some(a) if a.starts_with("((") => {
                let inner = a.trim_start_matches('(').trim_end_matches(')');
                let op = [">=", "<=", "==", "!=", ">", "<"].into_iter().find(|o| inner.contains(o))?;
                let (l, r) = inner.split_once(op)?;
                (l.trim().to_string(), r.trim().to_string())
            }
            _ => return None,
        };
        let (l, r) = (self.side(&lhs)?, self.side(&rhs)?);
        match (l, r) {
            (Side::Counter { name, step }, Side::Num(limit)) | (Side::Num(limit), Side::Counter { name, step }) => {
                let init = self.cx.int_var(&name).unwrap_or(0);
                let n = ((limit - init).abs() + step - 1) / step;
                Some(LoopBound::Rounds { n: n.max(1), sleep_ms })
            }
            (Side::Elapsed, Side::Num(s)) | (Side::Num(s), Side::Elapsed) => {
                Some(LoopBound::Deadline(s.saturating_mul(1000)))
            }
            (Side::Now, Side::Deadline(s)) | (Side::Deadline(s), Side::Now) => {
                Some(LoopBound::Deadline(s.saturating_mul(1000)))
            }
            _ => None,
        }
    }

    fn side(&self, t: &str) -> Option<Side> {
        let t = t.trim_matches('"');
        if is_clock(t) {
            return Some(if t.contains('-') { Side::Elapsed } else { Side::Now });
        }
        if let Ok(n) = t.parse::<i64>() {
            return Some(Side::Num(n));
        }
        let name = var_name(t)?;
        if name == "SECONDS" {
            return Some(Side::Elapsed);
        }
        // Assigned in the loop, else before it.
        let value = self.assigns.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.clone()).or_else(|| {
            let probe = Src::plain(format!("${name}"), self.cx.c.span, None);
            let v = self.cx.resolve(&probe);
            (v.text != probe.text).then_some(v.text)
        });
        if let Some(v) = &value
            && is_clock(v)
        {
            return Some(match v.split_once('+') {
                Some((_, n)) => Side::Deadline(n.trim_matches(|c: char| !c.is_ascii_digit()).parse().ok()?),
                None if v.contains('-') => Side::Elapsed,
                None => Side::Now,
            });
        }
        if let Some(step) = self.step(name) {
            return Some(Side::Counter { name: name.to_string(), step });
        }
        value.and_then(|v| v.trim().parse().ok()).map(Side::Num)
    }

    /// How much the loop changes a counter each round: `i=$((i+1))`, `((i++))`, `let i+=2`,
    /// `t=$((t - 2))`, `i=$(expr $i + 1)`.
    fn step(&self, name: &str) -> Option<i64> {
        for w in self.words {
            let n: String = w
                .replace("expr", "")
                .chars()
                .filter(|c| !matches!(c, ' ' | '\t' | '$' | '{' | '}' | '(' | ')' | '"' | '\'' | '`'))
                .collect();
            let n = n.strip_prefix(':').unwrap_or(&n);
            let incdec = [format!("{name}++"), format!("++{name}"), format!("{name}--"), format!("--{name}")];
            if incdec.iter().any(|p| n == p) {
                return Some(1);
            }
            for prefix in
                [format!("{name}+="), format!("{name}-="), format!("{name}={name}+"), format!("{name}={name}-")]
            {
                if let Some(v) = n.strip_prefix(&prefix).and_then(|v| v.parse::<i64>().ok()).filter(|v| *v > 0) {
                    return Some(v);
                }
            }
            if let Some(v) = n
                .strip_prefix(&format!("{name}="))
                .and_then(|r| r.strip_suffix(&format!("+{name}")))
                .and_then(|v| v.parse::<i64>().ok())
                .filter(|v| *v > 0)
            {
                return Some(v);
            }
        }
        None
    }

    /// Rounds of `for ((i=A; i<B; i+=S))`.
    fn arith_rounds(&self, a: &str) -> Option<i64> {
        let parts: Vec<&str> = a.split(';').map(str::trim).collect();
        let [init, cond, step] = parts.as_slice() else { return None };
        let from: i64 = init.split_once('=').and_then(|(_, v)| v.trim().parse().ok()).unwrap_or(0);
        let op = ["<=", ">=", "<", ">", "!="].into_iter().find(|o| cond.contains(o))?;
        let to: i64 = cond.split_once(op)?.1.trim().parse().ok()?;
        let step = if step.contains("++") || step.contains("--") {
            1
        } else {
            step.rsplit(['=', '+', '-']).next()?.trim().parse::<i64>().ok()?.max(1)
        };
        let span = (to - from).abs() + i64::from(op.contains('='));
        Some((span + step - 1) / step)
    }

    /// How many items one word of a `for` list stands for.
    fn item_count(&self, w: &str) -> i64 {
        let inner = w
            .strip_prefix("$(")
            .and_then(|r| r.strip_suffix(')'))
            .or_else(|| w.strip_prefix('`').and_then(|r| r.strip_suffix('`')));
        if let Some(cmd) = inner {
            let nums: Vec<i64> = cmd.split_whitespace().skip(1).filter_map(|x| self.num(x)).collect();
            if cmd.trim_start().starts_with("seq") {
                return match nums.as_slice() {
                    [n] => *n,
                    [a, b] => b - a + 1,
                    [a, s, b] if *s != 0 => (b - a) / s + 1,
                    _ => 1,
                }
                .max(0);
            }
            return 1;
        }
        // `{1..30}`, `{1..30..2}`.
        if let Some(r) = w.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
            let nums: Vec<i64> = r.split("..").filter_map(|x| self.num(x)).collect();
            return match nums.as_slice() {
                [a, b] => (b - a).abs() + 1,
                [a, b, s] if *s != 0 => (b - a).abs() / s.abs() + 1,
                _ => 1,
            };
        }
        1
    }

    fn num(&self, t: &str) -> Option<i64> {
        t.parse().ok().or_else(|| var_name(t).and_then(|n| self.cx.int_var(n)))
    }
}

/// `$(date +%s)` in a test or assignment.
fn is_clock(t: &str) -> bool {
    t.contains("date +%s") || t.contains("date '+%s'") || t.contains("date \"+%s\"")
}

/// `$NAME`, `${NAME}` or a bare `NAME` (inside `((…))`).
fn var_name(t: &str) -> Option<&str> {
    let t = t.trim_matches('"');
    let n = t.strip_prefix("${").and_then(|r| r.strip_suffix('}')).or_else(|| t.strip_prefix('$')).unwrap_or(t);
    shell::is_name(n).then_some(n)
}

/// A word that is one variable reference: its name, and the range of its default value
/// (`${NAME:-default}`).
fn var_ref(t: &str) -> Option<(&str, Option<(usize, usize)>)> {
    if let Some(inner) = t.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        let name_end = inner.find(|c: char| !(c == '_' || c.is_ascii_alphanumeric())).unwrap_or(inner.len());
        let name = &inner[..name_end];
        let rest = &inner[name_end..];
        if name.is_empty() {
            return None;
        }
        if rest.is_empty() {
            return Some((name, None));
        }
        let op = [":-", ":=", "-", "="].into_iter().find(|o| rest.starts_with(o))?;
        let a = 2 + name_end + op.len();
        return Some((name, Some((a, t.len() - 1))));
    }
    if let Some(inner) = t.strip_prefix("$(").and_then(|r| r.strip_suffix(')')) {
        return shell::is_name(inner).then_some((inner, None));
    }
    let name = t.strip_prefix('$')?;
    (shell::is_name(name) || (name.len() == 1 && name.as_bytes()[0].is_ascii_digit())).then_some((name, None))
}

fn matching_paren(s: &str, open: usize) -> usize {
    let mut depth = 0;
    for (i, c) in s.bytes().enumerate().skip(open) {
        match c {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    s.len()
}

/// A `sleep`/`timeout` duration in milliseconds: a number of seconds with an optional `s`, `m`,
/// `h` or `d` suffix (GNU coreutils `sleep`, `timeout`); several `sleep` arguments add up.
fn seconds_ms(t: &str) -> Option<i64> {
    let t = t.trim();
    let (num, mult) = match t.char_indices().last()? {
        (i, 's') => (&t[..i], 1.0),
        (i, 'm') => (&t[..i], 60.0),
        (i, 'h') => (&t[..i], 3600.0),
        (i, 'd') => (&t[..i], 86_400.0),
        _ => (t, 1.0),
    };
    let v: f64 = num.parse().ok()?;
    (v.is_finite() && v >= 0.0).then(|| (v * mult * 1000.0).round() as i64)
}

/// A Go duration (`30s`, `1m30s`, `500ms`, `-1s`, `0`) in milliseconds; a bare number counts as
/// seconds.
fn go_duration_ms(t: &str) -> Option<i64> {
    let t = t.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if t == "0" {
        return Some(0);
    }
    if let Ok(n) = t.parse::<f64>() {
        let ms = (n * 1000.0).round() as i64;
        return Some(if neg { -ms } else { ms });
    }
    let mut total = 0f64;
    let mut rest = t;
    while !rest.is_empty() {
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let n: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let mult = match &rest[..unit_end] {
            "ns" => 1e-6,
            "us" | "µs" => 1e-3,
            "ms" => 1.0,
            "s" => 1000.0,
            "m" => 60_000.0,
            "h" => 3_600_000.0,
            _ => return None,
        };
        total += n * mult;
        rest = &rest[unit_end..];
    }
    let ms = total.round() as i64;
    Some(if neg { -ms } else { ms })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{ReadyLevel, WaitTool};
    use nexus_source::FileId;
    use nexus_source::yaml::{Limits, YamlFile, parse};

    /// The containers (init, then main) of the Kubernetes objects in `yaml`.
    fn k8s(yaml: &str) -> (SourceDb, Vec<Container>) {
        let mut db = SourceDb::new();
        let id = db.add("test.yaml".into(), Arc::from(yaml));
        let y = parse(id, Arc::from(yaml), &Limits::default());
        let mut problems = Vec::new();
        let mut out = Vec::new();
        for (i, doc) in y.docs.iter().enumerate() {
            let Some(root) = y.root(doc) else { continue };
            for piece in crate::k8s::read_document(db.get(id), i, root, None, &mut problems) {
                if let Some(w) = piece.workload {
                    out.extend(w.init_containers.iter().cloned());
                    out.extend(w.containers.iter().cloned());
                }
            }
        }
        (db, out)
    }

    struct Mem(SourceDb);

    impl crate::compose::Files for Mem {
        fn load(&mut self, path: &str) -> Option<FileId> {
            self.0.find(path).map(|f| f.id)
        }
        fn exists(&self, path: &str) -> bool {
            self.0.find(path).is_some()
        }
        fn db(&self) -> &SourceDb {
            &self.0
        }
    }

    /// The containers of the services of a Compose file.
    fn compose(yaml: &str) -> (SourceDb, Vec<Container>) {
        let mut db = SourceDb::new();
        let id = db.add("docker-compose.yml".into(), Arc::from(yaml));
        let y: YamlFile = parse(id, Arc::from(yaml), &Limits::default());
        let mut fs = Mem(db);
        let m = crate::compose::build(&[(id, &y)], &mut fs);
        let cs = m.workloads.iter().flat_map(|w| w.containers.iter().cloned()).collect();
        (fs.0, cs)
    }

    /// A pod whose one container has this `command` (a YAML flow list or block).
    fn pod(command: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: busybox:1.36\n      command: {command}\n"
        )
    }

    fn pod_env(command: &str, env: &[(&str, &str)]) -> String {
        let mut s = pod(command);
        s.push_str("      env:\n");
        for (k, v) in env {
            s.push_str(&format!("        - name: {k}\n          value: \"{v}\"\n"));
        }
        s
    }

    fn text(db: &SourceDb, s: Span) -> &str {
        db.get(s.file).slice(s)
    }

    /// Waits of the first container, with each span checked to lie in one of its words or env
    /// values.
    fn specs(db: &SourceDb, cs: &[Container]) -> Vec<WaitSpec> {
        let c = &cs[0];
        let out = waits(c, db);
        let inside = |s: Span| {
            c.argv().any(|w| w.span.start <= s.start && s.end <= w.span.end)
                || c.env.iter().filter_map(|e| e.value.as_ref()).any(|v| v.span.start <= s.start && s.end <= v.span.end)
        };
        for w in &out {
            let spans = [Some(w.span), w.host.as_ref().map(|h| h.span), w.port.as_ref().map(|p| p.span)];
            let obj = w.object.as_ref().map(|(_, n)| n.span);
            for s in spans.into_iter().chain([obj]).flatten() {
                assert!(inside(s), "span {s:?} ({:?}) outside the container's words", text(db, s));
            }
        }
        out
    }

    fn run_k8s(command: &str) -> (SourceDb, Vec<WaitSpec>) {
        let (db, cs) = k8s(&pod(command));
        let out = specs(&db, &cs);
        (db, out)
    }

    /// (tool, host, port, bound, level, text of the span)
    type Row<'a> = (WaitTool, Option<&'a str>, Option<i64>, Bound, ReadyLevel, &'a str);

    fn rows<'a>(db: &'a SourceDb, specs: &'a [WaitSpec]) -> Vec<Row<'a>> {
        specs
            .iter()
            .map(|s| {
                if let Some(h) = &s.host {
                    assert_eq!(text(db, h.span), h.value, "host span");
                }
                (
                    s.tool.clone(),
                    s.host.as_ref().map(|h| h.value.as_str()),
                    s.port.as_ref().map(|p| p.value),
                    s.timeout,
                    s.level,
                    text(db, s.span),
                )
            })
            .collect()
    }

    fn port_text<'a>(db: &'a SourceDb, s: &WaitSpec) -> &'a str {
        text(db, s.port.as_ref().expect("port").span)
    }

    use Bound::{Default, Millis, Once, Unbounded};
    use ReadyLevel::{Answers, Completed, Healthy, PortOpen, Resolves};

    #[test]
    fn seed_init_containers_wait_forever() {
        for (host, port) in [("nexus-database", 5432), ("nexus-redis", 6379), ("nexus-backend", 8000)] {
            let body = format!("until nc -z {host} {port}; do sleep 1; done");
            let (db, s) = run_k8s(&format!("[\"sh\", \"-c\", \"{body}\"]"));
            assert_eq!(rows(&db, &s), vec![(WaitTool::Nc, Some(host), Some(port), Unbounded, PortOpen, body.as_str())]);
            assert_eq!(port_text(&db, &s[0]), port.to_string());
        }
    }

    #[test]
    fn fixed_fixture_waits_are_bounded_by_timeout() {
        let (db, s) = run_k8s(
            "\n        - timeout\n        - \"120\"\n        - sh\n        - -c\n        - until pg_isready -h nexus-database -p 5432 -U nexus -d nexus; do echo \"waiting for nexus-database\"; sleep 2; done",
        );
        let body = "until pg_isready -h nexus-database -p 5432 -U nexus -d nexus; do echo \"waiting for nexus-database\"; sleep 2; done";
        assert_eq!(
            rows(&db, &s),
            vec![(WaitTool::PgIsReady, Some("nexus-database"), Some(5432), Millis(120_000), Answers, body)]
        );
        let (db, s) = run_k8s(
            "[timeout, \"120\", sh, -c, 'until redis-cli -h nexus-redis -p 6379 ping | grep -q PONG; do sleep 2; done']",
        );
        assert_eq!(
            rows(&db, &s),
            vec![(
                WaitTool::RedisCliPing,
                Some("nexus-redis"),
                Some(6379),
                Millis(120_000),
                Answers,
                "until redis-cli -h nexus-redis -p 6379 ping | grep -q PONG; do sleep 2; done"
            )]
        );
    }

    /// The fixtures as shipped: the seed's waits are unbounded, the fixed twin's bounded.
    #[test]
    fn fixture_files() {
        let root = env!("CARGO_MANIFEST_DIR");
        let read = |rel: &str| std::fs::read_to_string(format!("{root}/../../fixtures/{rel}")).unwrap();
        for (file, expect) in [
            (
                "nexus/k8s/production/nexus-worker-deployment.yaml",
                vec![("nexus-database", 5432), ("nexus-redis", 6379)],
            ),
            ("nexus/k8s/production/nexus-frontend-deployment.yaml", vec![("nexus-backend", 8000)]),
        ] {
            let (db, cs) = k8s(&read(file));
            let got: Vec<(String, i64, Bound)> = cs
                .iter()
                .flat_map(|c| waits(c, &db))
                .map(|w| (w.host.unwrap().value, w.port.unwrap().value, w.timeout))
                .collect();
            let want: Vec<(String, i64, Bound)> = expect.iter().map(|(h, p)| (h.to_string(), *p, Unbounded)).collect();
            assert_eq!(got, want, "{file}");
        }
        for file in [
            "nexus-fixed/k8s/production/nexus-backend-deployment.yaml",
            "nexus-fixed/k8s/production/nexus-worker-deployment.yaml",
        ] {
            let (db, cs) = k8s(&read(file));
            let got: Vec<(WaitTool, String, i64, Bound)> = cs
                .iter()
                .flat_map(|c| waits(c, &db))
                .map(|w| (w.tool, w.host.unwrap().value, w.port.unwrap().value, w.timeout))
                .collect();
            assert_eq!(
                got,
                vec![
                    (WaitTool::PgIsReady, "nexus-database".into(), 5432, Millis(120_000)),
                    (WaitTool::RedisCliPing, "nexus-redis".into(), 6379, Millis(120_000)),
                ],
                "{file}"
            );
        }
    }

    #[test]
    fn wait_for_it_direct_and_defaults() {
        let (db, s) = run_k8s("[\"wait-for-it\", \"db:5432\", \"-t\", \"60\", \"--\", \"app\"]");
        assert_eq!(
            rows(&db, &s),
            vec![(WaitTool::WaitForIt, Some("db"), Some(5432), Millis(60_000), PortOpen, "wait-for-it")]
        );
        let (db, s) = run_k8s("[\"/wait-for-it.sh\", \"db.prod:5432\", \"--strict\", \"--\", \"app\"]");
        assert_eq!(
            rows(&db, &s),
            vec![(WaitTool::WaitForIt, Some("db.prod"), Some(5432), Default(15_000), PortOpen, "/wait-for-it.sh")]
        );
        let (db, s) = run_k8s("[\"sh\", \"-c\", \"wait-for-it -h 10.0.0.7 -p 6379 -t 0 -s -- exec app\"]");
        assert_eq!(
            rows(&db, &s),
            vec![(
                WaitTool::WaitForIt,
                Some("10.0.0.7"),
                Some(6379),
                Unbounded,
                PortOpen,
                "wait-for-it -h 10.0.0.7 -p 6379 -t 0 -s -- exec app"
            )]
        );
        // A chain: each wait in turn.
        let (db, s) = run_k8s("[wait-for-it, \"db:5432\", --, wait-for-it, \"redis:6379\", --timeout=5, --, app]");
        assert_eq!(
            rows(&db, &s),
            vec![
                (WaitTool::WaitForIt, Some("db"), Some(5432), Default(15_000), PortOpen, "wait-for-it"),
                (WaitTool::WaitForIt, Some("redis"), Some(6379), Millis(5_000), PortOpen, "wait-for-it"),
            ]
        );
    }

    #[test]
    fn eficode_wait_for() {
        let (db, s) = run_k8s("[\"sh\", \"-c\", \"./wait-for db:5432 -t 30 -- npm start\"]");
        let other = WaitTool::Other("wait-for".into());
        assert_eq!(
            rows(&db, &s),
            vec![(
                other.clone(),
                Some("db"),
                Some(5432),
                Millis(30_000),
                PortOpen,
                "./wait-for db:5432 -t 30 -- npm start"
            )]
        );
        let (db, s) = run_k8s("[wait-for, \"http://api:8080/health\"]");
        assert_eq!(rows(&db, &s), vec![(other.clone(), Some("api"), Some(8080), Default(15_000), Answers, "wait-for")]);
        // `-t 0` tries once (the loop breaks when TIMEOUT is not above 0).
        let (db, s) = run_k8s("[wait-for, \"db:5432\", -t, \"0\"]");
        assert_eq!(rows(&db, &s), vec![(other, Some("db"), Some(5432), Once, PortOpen, "wait-for")]);
    }

    #[test]
    fn dockerize_waits() {
        let (db, s) = run_k8s(
            "[dockerize, -wait, \"tcp://db:5432\", \"-wait=http://api:8080/health\", -timeout, 1m30s, app, -wait, \"tcp://x:1\"]",
        );
        assert_eq!(
            rows(&db, &s),
            vec![
                (WaitTool::Dockerize, Some("db"), Some(5432), Millis(90_000), PortOpen, "dockerize"),
                (WaitTool::Dockerize, Some("api"), Some(8080), Millis(90_000), Answers, "dockerize"),
            ]
        );
        assert_eq!(port_text(&db, &s[1]), "8080");
        let (db, s) = run_k8s("[dockerize, -wait, \"https://auth.example.com/ready\", --, app]");
        assert_eq!(
            rows(&db, &s),
            vec![(WaitTool::Dockerize, Some("auth.example.com"), Some(443), Default(10_000), Answers, "dockerize")]
        );
        // The default port points at the program.
        assert_eq!(port_text(&db, &s[0]), "dockerize");
    }

    #[test]
    fn bare_checks_are_once() {
        let (db, s) = run_k8s("[nc, -z, db, \"5432\"]");
        assert_eq!(rows(&db, &s), vec![(WaitTool::Nc, Some("db"), Some(5432), Once, PortOpen, "nc")]);
        let (db, s) = run_k8s("[sh, -c, \"nc -zv -w 2 db.prod.svc 5432 && exec app\"]");
        assert_eq!(
            rows(&db, &s),
            vec![(WaitTool::Nc, Some("db.prod.svc"), Some(5432), Once, PortOpen, "nc -zv -w 2 db.prod.svc 5432")]
        );
        // Without -z, nc is not a check.
        let (_, s) = run_k8s("[sh, -c, \"nc -l 8080\"]");
        assert!(s.is_empty());
        let (db, s) = run_k8s("[sh, -c, \"mysqladmin ping -h mysql -P 3307 --silent\"]");
        assert_eq!(
            rows(&db, &s),
            vec![(
                WaitTool::MysqladminPing,
                Some("mysql"),
                Some(3307),
                Once,
                Answers,
                "mysqladmin ping -h mysql -P 3307 --silent"
            )]
        );
        let (db, s) = run_k8s("[mysqladmin, ping, -hmysql.db, -psecret]");
        assert_eq!(
            rows(&db, &s),
            vec![(WaitTool::MysqladminPing, Some("mysql.db"), Some(3306), Once, Answers, "mysqladmin")]
        );
        let (db, s) = run_k8s("[redis-cli, -h, cache, ping]");
        assert_eq!(
            rows(&db, &s),
            vec![(WaitTool::RedisCliPing, Some("cache"), Some(6379), Once, Answers, "redis-cli")]
        );
        let (_, s) = run_k8s("[redis-cli, -h, cache, set, k, v]");
        assert!(s.is_empty());
    }

    #[test]
    fn pg_isready_defaults_and_env() {
        // No host: local, port 5432.
        let (db, s) = run_k8s("[pg_isready]");
        assert_eq!(rows(&db, &s), vec![(WaitTool::PgIsReady, None, Some(5432), Once, Answers, "pg_isready")]);
        // PGHOST/PGPORT from env; `-t` is one attempt's limit, not a deadline.
        let (db, cs) =
            k8s(&pod_env("[pg_isready, -t, \"5\"]", &[("PGHOST", "pg.data.svc.cluster.local"), ("PGPORT", "6432")]));
        let s = specs(&db, &cs);
        assert_eq!(
            rows(&db, &s),
            vec![(WaitTool::PgIsReady, Some("pg.data.svc.cluster.local"), Some(6432), Once, Answers, "pg_isready")]
        );
        assert_eq!(port_text(&db, &s[0]), "6432");
        let (db, s) = run_k8s("[pg_isready, -d, \"postgresql://app@pg:5433/app\"]");
        assert_eq!(rows(&db, &s), vec![(WaitTool::PgIsReady, Some("pg"), Some(5433), Once, Answers, "pg_isready")]);
        let (db, s) = run_k8s("[pg_isready, --host=pg, --port=5434]");
        assert_eq!(rows(&db, &s), vec![(WaitTool::PgIsReady, Some("pg"), Some(5434), Once, Answers, "pg_isready")]);
    }

    #[test]
    fn mongosh_and_psql() {
        let (db, s) = run_k8s(
            "[sh, -c, \"until mongosh --host mongo:27018 --quiet --eval 'db.adminCommand(\\\"ping\\\")'; do sleep 2; done\"]",
        );
        assert_eq!(rows(&db, &s)[0].0, WaitTool::Mongosh);
        assert_eq!(
            (rows(&db, &s)[0].1, rows(&db, &s)[0].2, rows(&db, &s)[0].3),
            (Some("mongo"), Some(27018), Unbounded)
        );
        let (db, s) = run_k8s(
            "[mongosh, \"mongodb://user:pw@mongo-0.mongo/app?replicaSet=rs0\", --eval, \"db.runCommand({ping: 1})\"]",
        );
        assert_eq!(
            rows(&db, &s),
            vec![(WaitTool::Mongosh, Some("mongo-0.mongo"), Some(27017), Once, Answers, "mongosh")]
        );
        let (db, s) =
            run_k8s("[sh, -c, \"until psql -h db -U app -c 'select 1'; do sleep 1; done; psql -h db -f schema.sql\"]");
        assert_eq!(
            rows(&db, &s),
            vec![(
                WaitTool::Other("psql".into()),
                Some("db"),
                Some(5432),
                Unbounded,
                Answers,
                "until psql -h db -U app -c 'select 1'; do sleep 1; done"
            )]
        );
    }

    #[test]
    fn kubectl_wait_forms() {
        let (db, s) =
            run_k8s("[kubectl, wait, --for=condition=complete, --timeout=300s, job/nexus-db-migration, -n, prod]");
        assert_eq!(rows(&db, &s), vec![(WaitTool::KubectlWait, None, None, Millis(300_000), Completed, "kubectl")]);
        let (kind, name) = s[0].object.as_ref().unwrap();
        assert_eq!((kind.as_str(), text(&db, name.span)), ("job", "nexus-db-migration"));
        assert_eq!(s[0].namespace.as_deref(), Some("prod"));
        // Default 30 s; `KIND NAME` form; short kind names.
        let (_, s) = run_k8s("[kubectl, wait, --for, condition=Available, deploy, api, worker]");
        let objs: Vec<(&str, &str, Bound, ReadyLevel)> = s
            .iter()
            .map(|w| {
                let (k, n) = w.object.as_ref().unwrap();
                (k.as_str(), n.value.as_str(), w.timeout, w.level)
            })
            .collect();
        assert_eq!(
            objs,
            vec![("deployment", "api", Default(30_000), Healthy), ("deployment", "worker", Default(30_000), Healthy)]
        );
        // Zero: check once; negative: a week; a selector names no object.
        let (_, s) = run_k8s("[kubectl, wait, --for=condition=ready, pod, -l, app=db, --timeout=0]");
        assert_eq!((s[0].timeout, s[0].object.is_none()), (Once, true));
        let (_, s) = run_k8s("[kubectl, wait, --for=condition=ready, pod/db-0, --timeout=-1s]");
        assert_eq!(s[0].timeout, Millis(604_800_000));
        // `--for=delete` is not a readiness wait.
        let (_, s) = run_k8s("[kubectl, wait, --for=delete, pod/old]");
        assert!(s.is_empty());
        // In a retry loop, the loop decides.
        let (_, s) = run_k8s(
            "[sh, -c, \"until kubectl wait --for=condition=complete job/migrate --timeout=60s; do sleep 5; done\"]",
        );
        assert_eq!(s[0].timeout, Unbounded);
    }

    #[test]
    fn kubectl_rollout_status() {
        let (db, s) = run_k8s("[kubectl, rollout, status, deployment/api, -n, prod]");
        let tool = WaitTool::Other("kubectl rollout status".into());
        assert_eq!(rows(&db, &s), vec![(tool.clone(), None, None, Unbounded, Healthy, "kubectl")]);
        assert_eq!(s[0].object.as_ref().map(|(k, n)| (k.as_str(), n.value.as_str())), Some(("deployment", "api")));
        let (_, s) = run_k8s("[kubectl, rollout, status, sts/db, --timeout=2m]");
        assert_eq!((s[0].tool.clone(), s[0].timeout), (tool, Millis(120_000)));
    }

    #[test]
    fn k8s_wait_for_image() {
        let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  initContainers:\n    - name: a\n      image: groundnuty/k8s-wait-for:v2.0\n      args: [\"job-wr\", \"nexus-db-migration\"]\n    - name: b\n      image: groundnuty/k8s-wait-for:v2.0\n      args: [\"pod\", \"-lapp=db\"]\n    - name: c\n      image: ghcr.io/acme/waiter:1\n      args: [\"service\", \"db\"]\n  containers:\n    - name: app\n      image: app:1\n";
        let (db, cs) = k8s(yaml);
        type Got<'a> = (WaitTool, Option<(String, String)>, Bound, ReadyLevel, &'a str);
        let got: Vec<Got<'_>> = cs[..3]
            .iter()
            .map(|c| {
                let w = waits(c, &db).pop().unwrap();
                let obj = w.object.map(|(k, n)| {
                    assert_eq!(text(&db, n.span), n.value);
                    (k, n.value)
                });
                (w.tool, obj, w.timeout, w.level, text(&db, w.span))
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    WaitTool::K8sWaitFor,
                    Some(("job".into(), "nexus-db-migration".into())),
                    Unbounded,
                    Completed,
                    "job-wr"
                ),
                (WaitTool::K8sWaitFor, None, Unbounded, Healthy, "pod"),
                (WaitTool::K8sWaitFor, Some(("service".into(), "db".into())), Unbounded, Healthy, "service"),
            ]
        );
        assert!(waits(&cs[3], &db).is_empty());
    }

    #[test]
    fn dev_tcp_redirections() {
        let (db, s) = run_k8s("[bash, -c, \"until echo > /dev/tcp/db/5432; do sleep 1; done\"]");
        assert_eq!(
            rows(&db, &s),
            vec![(
                WaitTool::DevTcp,
                Some("db"),
                Some(5432),
                Unbounded,
                PortOpen,
                "until echo > /dev/tcp/db/5432; do sleep 1; done"
            )]
        );
        assert_eq!(port_text(&db, &s[0]), "5432");
        let (db, s) = run_k8s("[bash, -c, \"until timeout 1 bash -c '</dev/tcp/redis/6379'; do sleep 1; done\"]");
        assert_eq!(rows(&db, &s)[0].0, WaitTool::DevTcp);
        assert_eq!((rows(&db, &s)[0].1, rows(&db, &s)[0].3), (Some("redis"), Unbounded));
        let (db, s) = run_k8s("[bash, -c, \": < /dev/tcp/mq.prod/5672 && exec app\"]");
        assert_eq!(
            rows(&db, &s),
            vec![(WaitTool::DevTcp, Some("mq.prod"), Some(5672), Once, PortOpen, ": < /dev/tcp/mq.prod/5672")]
        );
    }

    #[test]
    fn resolvers_only_in_loops() {
        let (db, s) = run_k8s("[sh, -c, \"until nslookup nexus-database.prod.svc.cluster.local; do sleep 2; done\"]");
        assert_eq!(
            rows(&db, &s),
            vec![(
                WaitTool::Nslookup,
                Some("nexus-database.prod.svc.cluster.local"),
                None,
                Unbounded,
                Resolves,
                "until nslookup nexus-database.prod.svc.cluster.local; do sleep 2; done"
            )]
        );
        let (db, s) = run_k8s("[sh, -c, \"until getent hosts db; do sleep 1; done\"]");
        assert_eq!((rows(&db, &s)[0].0.clone(), rows(&db, &s)[0].1), (WaitTool::Nslookup, Some("db")));
        let (db, s) = run_k8s("[sh, -c, \"while ! dig +short db.prod | grep -q .; do sleep 1; done\"]");
        assert_eq!(rows(&db, &s)[0].1, Some("db.prod"));
        let (_, s) = run_k8s("[sh, -c, \"nslookup db; exec app\"]");
        assert!(s.is_empty());
    }

    #[test]
    fn http_polls() {
        let (db, s) = run_k8s("[sh, -c, \"until curl -fsS http://api:8080/healthz; do sleep 2; done\"]");
        assert_eq!(
            rows(&db, &s),
            vec![(
                WaitTool::Curl,
                Some("api"),
                Some(8080),
                Unbounded,
                Answers,
                "until curl -fsS http://api:8080/healthz; do sleep 2; done"
            )]
        );
        assert_eq!(port_text(&db, &s[0]), "8080");
        let (db, s) = run_k8s("[sh, -c, \"until wget -q -O- http://api/health; do sleep 1; done\"]");
        assert_eq!(rows(&db, &s)[0].0, WaitTool::Wget);
        assert_eq!((rows(&db, &s)[0].1, rows(&db, &s)[0].2), (Some("api"), Some(80)));
        assert_eq!(port_text(&db, &s[0]), "wget");
        // Status in a command substitution, `while` with a test.
        let (db, s) = run_k8s(
            "[sh, -c, \"while [ \\\"$(curl -s -o /dev/null -w '%{http_code}' https://auth.internal/ready)\\\" != 200 ]; do sleep 3; done\"]",
        );
        assert_eq!(
            (rows(&db, &s)[0].1, rows(&db, &s)[0].2, rows(&db, &s)[0].3),
            (Some("auth.internal"), Some(443), Unbounded)
        );
        // Alone, curl is a call, not a wait …
        let (_, s) = run_k8s("[curl, -X, POST, \"http://api/seed\"]");
        assert!(s.is_empty());
        // … unless it retries refused connections.
        let (db, s) =
            run_k8s("[curl, --retry, \"10\", --retry-delay, \"3\", --retry-connrefused, \"http://api:8000/health\"]");
        assert_eq!(rows(&db, &s), vec![(WaitTool::Curl, Some("api"), Some(8000), Millis(30_000), Answers, "curl")]);
        let (_, s) = run_k8s("[wget, --retry-connrefused, --tries=5, --waitretry=2, \"http://api/health\"]");
        assert_eq!(s[0].timeout, Millis(7_000));
    }

    #[test]
    fn counted_loops_are_bounded() {
        let cases: &[(&str, Bound)] = &[
            ("for i in $(seq 1 30); do nc -z db 5432 && exit 0; sleep 2; done; exit 1", Millis(60_000)),
            ("for i in 1 2 3 4 5; do nc -z db 5432 && break; sleep 0.5; done", Millis(2_500)),
            ("for i in {1..10}; do nc -z db 5432 && break; sleep 1s; done", Millis(10_000)),
            ("for ((i=0; i<20; i++)); do nc -z db 5432 && break; sleep 3; done", Millis(60_000)),
            ("i=0; until nc -z db 5432; do i=$((i+1)); [ $i -ge 30 ] && exit 1; sleep 1; done", Millis(30_000)),
            (
                "attempts=0\nuntil pg_isready -h db; do\n  attempts=$((attempts+1))\n  if [ \"$attempts\" -gt 20 ]; then echo give up; exit 1; fi\n  sleep 3\ndone",
                Millis(60_000),
            ),
            (
                "timeout=60; while ! nc -z db 5432; do sleep 2; timeout=$((timeout - 2)); if [ \"$timeout\" -le 0 ]; then exit 1; fi; done",
                Millis(60_000),
            ),
            ("n=0; while [ $n -lt 15 ]; do nc -z db 5432 && break; n=$((n+1)); sleep 2; done", Millis(30_000)),
            ("MAX=10; c=0; until nc -z db 5432 || [ $c -ge $MAX ]; do ((c++)); sleep 1; done", Millis(10_000)),
            (
                "end=$(( $(date +%s) + 90 )); until nc -z db 5432; do [ $(date +%s) -ge $end ] && exit 1; sleep 1; done",
                Millis(90_000),
            ),
            ("until nc -z db 5432 || [ $SECONDS -ge 45 ]; do sleep 1; done", Millis(45_000)),
            // No way out but success.
            ("while true; do nc -z db 5432 && break; sleep 1; done", Unbounded),
            ("while ! nc -z db 5432; do sleep 1; done", Unbounded),
            ("until nc -z db 5432; do echo \"try $i\"; i=$((i+1)); sleep 1; done", Unbounded),
            // A counted loop of attempts that each wait up to 10 s.
            ("for i in 1 2 3; do wait-for-it db:5432 -t 10 && break; sleep 5; done", Millis(45_000)),
        ];
        for (body, want) in cases {
            let (db, cs) = k8s(&pod(&format!("[sh, -c, {}]", serde_json::to_string(body).unwrap())));
            let s = specs(&db, &cs);
            assert_eq!(s.len(), 1, "{body}");
            assert_eq!(s[0].timeout, *want, "{body}");
        }
    }

    #[test]
    fn timeout_wrappers() {
        let cases: &[(&str, Bound)] = &[
            ("[timeout, 2m, sh, -c, 'until nc -z db 5432; do sleep 1; done']", Millis(120_000)),
            ("[timeout, -s, KILL, \"60\", sh, -c, 'until nc -z db 5432; do sleep 1; done']", Millis(60_000)),
            ("[timeout, --signal=TERM, -k, 5s, \"45\", wait-for-it, \"db:5432\", -t, \"0\"]", Millis(45_000)),
            ("[sh, -c, \"timeout 30 sh -c 'until nc -z db 5432; do sleep 1; done' && exec app\"]", Millis(30_000)),
            ("[sh, -c, \"timeout 5 nc -z db 5432\"]", Once),
            // The shorter deadline wins; a zero duration disables the timeout.
            ("[timeout, \"120\", wait-for-it, \"db:5432\", -t, \"20\"]", Millis(20_000)),
            ("[timeout, \"0\", sh, -c, 'until nc -z db 5432; do sleep 1; done']", Unbounded),
            // A timeout inside the loop bounds one attempt only.
            ("[sh, -c, \"until timeout 1 nc -z db 5432; do sleep 1; done\"]", Unbounded),
        ];
        for (cmd, want) in cases {
            let (db, s) = run_k8s(cmd);
            assert_eq!(s.len(), 1, "{cmd}");
            assert_eq!(s[0].timeout, *want, "{cmd}");
            assert_eq!(s[0].host.as_ref().map(|h| text(&db, h.span)), Some("db"), "{cmd}");
        }
    }

    /// The rule doc's "use instead": a nested single-quoted script, located exactly.
    #[test]
    fn nested_shell_spans() {
        let (db, s) = run_k8s("[\"sh\", \"-c\", \"timeout 120 sh -c 'until nc -z redis 6379; do sleep 1; done'\"]");
        assert_eq!(
            rows(&db, &s),
            vec![(
                WaitTool::Nc,
                Some("redis"),
                Some(6379),
                Millis(120_000),
                PortOpen,
                "timeout 120 sh -c 'until nc -z redis 6379; do sleep 1; done'"
            )]
        );
        assert_eq!(port_text(&db, &s[0]), "6379");
    }

    #[test]
    fn hosts_from_env() {
        let env = [("DB_HOST", "nexus-database.prod.svc.cluster.local"), ("DB_PORT", "5432"), ("DB_ADDR", "db:5433")];
        for (cmd, host, port) in [
            (
                "[sh, -c, 'until nc -z $DB_HOST $DB_PORT; do sleep 1; done']",
                "nexus-database.prod.svc.cluster.local",
                "5432",
            ),
            (
                "[sh, -c, 'until nc -z \"${DB_HOST}\" \"${DB_PORT}\"; do sleep 1; done']",
                "nexus-database.prod.svc.cluster.local",
                "5432",
            ),
            (
                "[sh, -c, 'until nc -z $(DB_HOST) 5432; do sleep 1; done']",
                "nexus-database.prod.svc.cluster.local",
                "5432",
            ),
            ("[wait-for-it, \"$(DB_HOST):$(DB_PORT)\"]", "nexus-database.prod.svc.cluster.local", "5432"),
            ("[wait-for-it, \"$(DB_ADDR)\"]", "db", "5433"),
        ] {
            let (db, cs) = k8s(&pod_env(cmd, &env));
            let s = specs(&db, &cs);
            let h = s[0].host.as_ref().unwrap();
            assert_eq!((h.value.as_str(), text(&db, h.span)), (host, host), "{cmd}");
            assert_eq!(port_text(&db, &s[0]), port, "{cmd}");
            // The env value's span, not the command's.
            let env_value = cs[0].env.iter().find_map(|e| e.value.as_ref().filter(|v| v.value.contains(host))).unwrap();
            assert!(env_value.span.start <= h.span.start && h.span.end <= env_value.span.end, "{cmd}");
        }
        // Undefined: kept as written; a default applies.
        let (db, s) = run_k8s("[sh, -c, 'until nc -z $OTHER_HOST ${OTHER_PORT:-6379}; do sleep 1; done']");
        assert_eq!(rows(&db, &s)[0].1, Some("$OTHER_HOST"));
        assert_eq!(port_text(&db, &s[0]), "6379");
        // Script variables.
        let (db, s) =
            run_k8s("[sh, -c, 'HOST=cache.prod; PORT=6380; until nc -z \"$HOST\" \"$PORT\"; do sleep 1; done']");
        assert_eq!((rows(&db, &s)[0].1, rows(&db, &s)[0].2), (Some("cache.prod"), Some(6380)));
    }

    #[test]
    fn compose_forms() {
        let yaml = "services:\n  db:\n    image: postgres:16\n  api:\n    image: api:1\n    command: sh -c \"until nc -z db 5432; do sleep 1; done; exec api\"\n  web:\n    image: web:1\n    entrypoint: [\"/bin/sh\", \"-c\"]\n    command: [\"wait-for-it api:8000 -t 30 -- nginx\"]\n  worker:\n    image: w:1\n    entrypoint: [\"dockerize\", \"-wait\", \"tcp://db:5432\"]\n    command: [\"celery\", \"worker\"]\n";
        let (db, cs) = compose(yaml);
        let mut got = Vec::new();
        for c in &cs {
            for w in waits(c, &db) {
                let h = w.host.as_ref().unwrap();
                assert_eq!(text(&db, h.span), h.value);
                got.push((
                    c.name.value.clone(),
                    w.tool,
                    h.value.clone(),
                    w.port.map(|p| p.value),
                    w.timeout,
                    text(&db, w.span).to_string(),
                ));
            }
        }
        assert_eq!(
            got,
            vec![
                (
                    "api".to_string(),
                    WaitTool::Nc,
                    "db".to_string(),
                    Some(5432),
                    Unbounded,
                    "until nc -z db 5432; do sleep 1; done".to_string()
                ),
                (
                    "web".to_string(),
                    WaitTool::WaitForIt,
                    "api".to_string(),
                    Some(8000),
                    Millis(30_000),
                    "wait-for-it api:8000 -t 30 -- nginx".to_string()
                ),
                (
                    "worker".to_string(),
                    WaitTool::Dockerize,
                    "db".to_string(),
                    Some(5432),
                    Default(10_000),
                    "dockerize".to_string()
                ),
            ]
        );
    }

    #[test]
    fn shell_options_and_args_split() {
        for cmd in [
            "[sh, -ec, 'until nc -z db 5432; do sleep 1; done']",
            "[/bin/bash, -euo, pipefail, -c, 'until nc -z db 5432; do sleep 1; done']",
            "[ash, -ceu, 'until nc -z db 5432; do sleep 1; done']",
            "[dash, -e, -c, 'until nc -z db 5432; do sleep 1; done']",
        ] {
            let (db, s) = run_k8s(cmd);
            assert_eq!(
                rows(&db, &s),
                vec![(
                    WaitTool::Nc,
                    Some("db"),
                    Some(5432),
                    Unbounded,
                    PortOpen,
                    "until nc -z db 5432; do sleep 1; done"
                )],
                "{cmd}"
            );
        }
        // `command: [sh, -c]` with the script in `args`.
        let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  initContainers:\n    - name: w\n      image: busybox:1.36\n      command: [\"sh\", \"-c\"]\n      args:\n        - |\n          echo waiting\n          until nc -z nexus-database 5432; do\n            sleep 2\n          done\n  containers:\n    - name: app\n      image: app:1\n";
        let (db, cs) = k8s(yaml);
        let s = specs(&db, &cs);
        assert_eq!(
            rows(&db, &s),
            vec![(
                WaitTool::Nc,
                Some("nexus-database"),
                Some(5432),
                Unbounded,
                PortOpen,
                "until nc -z nexus-database 5432; do\n            sleep 2\n          done"
            )]
        );
        assert_eq!(port_text(&db, &s[0]), "5432");
    }

    #[test]
    fn functions_and_host_lists() {
        let (db, s) = run_k8s(
            "[sh, -c, 'wait_for() { until nc -z \"$1\" \"$2\"; do sleep 1; done; }; wait_for db 5432; wait_for redis 6379']",
        );
        assert_eq!(
            rows(&db, &s),
            vec![
                (WaitTool::Nc, Some("db"), Some(5432), Unbounded, PortOpen, "wait_for db 5432"),
                (WaitTool::Nc, Some("redis"), Some(6379), Unbounded, PortOpen, "wait_for redis 6379"),
            ]
        );
        let (db, s) = run_k8s("[sh, -c, 'for h in db redis; do until nc -z $h 7000; do sleep 1; done; done']");
        let hosts: Vec<_> = rows(&db, &s).into_iter().map(|r| (r.1, r.3)).collect();
        assert_eq!(hosts, vec![(Some("db"), Unbounded), (Some("redis"), Unbounded)]);
        // `sh -c BODY $0 $1`.
        let (db, s) = run_k8s("[sh, -c, 'until nc -z \"$1\" 5432; do sleep 1; done', sh, pg.prod]");
        assert_eq!(rows(&db, &s)[0].1, Some("pg.prod"));
    }

    #[test]
    fn several_waits_in_one_script() {
        let (db, s) = run_k8s(
            "[sh, -c, \"set -e; echo start; until nc -z db 5432 && nc -z redis 6379; do sleep 1; done; kubectl wait --for=condition=complete job/migrate --timeout=10m; exec app\"]",
        );
        let got: Vec<(WaitTool, Option<&str>, Bound)> = rows(&db, &s).into_iter().map(|r| (r.0, r.1, r.3)).collect();
        assert_eq!(
            got,
            vec![
                (WaitTool::Nc, Some("db"), Unbounded),
                (WaitTool::Nc, Some("redis"), Unbounded),
                (WaitTool::KubectlWait, None, Millis(600_000)),
            ]
        );
        assert_eq!(text(&db, s[2].span), "kubectl wait --for=condition=complete job/migrate --timeout=10m");
        // `while nc -z …` waits for the port to close: not a readiness wait.
        let (_, s) = run_k8s("[sh, -c, 'while nc -z old 5432; do sleep 1; done']");
        assert!(s.is_empty());
    }

    #[test]
    fn nothing_to_find() {
        for cmd in [
            "[python, migrate.py]",
            "[celery, --app=x, worker]",
            "[sh, -c, 'exec gunicorn app']",
            "[sh, script.sh]",
            "[]",
        ] {
            let (_, s) = run_k8s(cmd);
            assert!(s.is_empty(), "{cmd}");
        }
    }

    #[test]
    fn yaml_escapes_and_block_scalars() {
        // Escaped quotes: the host is exact, the loop spans its source text.
        let (db, s) = run_k8s(r#"["sh", "-c", "until nc -z \"db\" 5432; do sleep 1; done"]"#);
        assert_eq!(
            rows(&db, &s),
            vec![(
                WaitTool::Nc,
                Some("db"),
                Some(5432),
                Unbounded,
                PortOpen,
                r#"until nc -z \"db\" 5432; do sleep 1; done"#
            )]
        );
        // A folded scalar whose header comment mentions the command.
        let (db, s) = run_k8s(
            "\n        - sh\n        - -c\n        - >-  # until nc -z db 1\n          until nc -z db 5432;\n          do sleep 1; done\n",
        );
        assert_eq!(
            rows(&db, &s),
            vec![(
                WaitTool::Nc,
                Some("db"),
                Some(5432),
                Unbounded,
                PortOpen,
                "until nc -z db 5432;\n          do sleep 1; done"
            )]
        );
        assert_eq!(port_text(&db, &s[0]), "5432");
    }

    #[test]
    fn compose_interpolation_escape() {
        let yaml = "services:\n  api:\n    image: api:1\n    environment:\n      DB_HOST: nexus-db\n    command: sh -c \"until nc -z $$DB_HOST 5432; do sleep 1; done\"\n";
        let (db, cs) = compose(yaml);
        let s = specs(&db, &cs);
        let h = s[0].host.as_ref().unwrap();
        assert_eq!((h.value.as_str(), text(&db, h.span)), ("nexus-db", "nexus-db"));
        assert_eq!(text(&db, s[0].span), "until nc -z $$DB_HOST 5432; do sleep 1; done");
        assert_eq!(s[0].timeout, Unbounded);
    }

    /// Recursion, fan-out and size bombs end quickly.
    #[test]
    fn hostile_scripts_finish() {
        let bomb = "f() { f; f; f; f; f; f; f; f; nc -z db 1; }; f";
        let (_, s) = run_k8s(&format!("[sh, -c, {}]", serde_json::to_string(bomb).unwrap()));
        assert!(!s.is_empty());
        let nested = format!("{}nc -z db 1{}", "$(".repeat(200), ")".repeat(200));
        let _ = run_k8s(&format!("[sh, -c, {}]", serde_json::to_string(&nested).unwrap()));
        let mut big = String::from("|\n");
        for i in 0..5_000 {
            big.push_str(&format!("          echo step {i} && until nc -z host{i} 80; do sleep 1; done\n"));
        }
        let (db, cs) = k8s(&pod(&format!("\n        - sh\n        - -c\n        - {big}")));
        let s = specs(&db, &cs);
        assert_eq!(s.len(), 5_000);
        assert_eq!(text(&db, s[4_999].host.as_ref().unwrap().span), "host4999");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Any script: no panic, and every span inside the container's words.
        #[test]
        fn any_script(body in "[a-z0-9 ;&|()<>$'\"`{}\\\n=/:.!#-]{0,120}", prefix in proptest::sample::select(vec![
            "until nc -z ", "timeout 5 sh -c '", "for i in 1 2; do ", "f() { ", "while ! ", "wait-for-it ",
        ])) {
            let script = format!("{prefix}{body}");
            let (db, cs) = k8s(&pod(&format!("[sh, -c, {}]", serde_json::to_string(&script).unwrap())));
            let _ = specs(&db, &cs);
        }
    }

    #[test]
    fn durations() {
        assert_eq!(go_duration_ms("1m30s"), Some(90_000));
        assert_eq!(go_duration_ms("500ms"), Some(500));
        assert_eq!(go_duration_ms("-1s"), Some(-1_000));
        assert_eq!(go_duration_ms("0"), Some(0));
        assert_eq!(go_duration_ms("1h"), Some(3_600_000));
        assert_eq!(go_duration_ms("abc"), None);
        assert_eq!(seconds_ms("0.5"), Some(500));
        assert_eq!(seconds_ms("2m"), Some(120_000));
        assert_eq!(seconds_ms("1.5s"), Some(1_500));
        assert_eq!(seconds_ms("$X"), None);
    }
}
