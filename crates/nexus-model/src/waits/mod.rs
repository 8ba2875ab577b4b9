//! Waits written in container commands: `wait-for-it db:5432 -- app`, an init container's
//! `sh -c 'until nc -z db 5432; do sleep 1; done'`, `kubectl wait --for=condition=complete
//! job/migrate`, k8s-wait-for's `["job", "migrate"]`, and the like.
//!
//! The container's words (`command` then `args`; Compose: `entrypoint` then `command`) are read
//! by the shared shell evaluator ([`nexus_source::shell::eval`]): either as a program and its
//! arguments or, for `sh -c BODY`, as a script. This module is its client: each command that
//! waits is recognised by its program ([`tools`]); the loops, `timeout` wrappers and functions
//! around it decide how long it may wait ([`Bound`], [`bounds`]): a bare check is
//! [`Bound::Once`], an `until …; do sleep; done` with no other way out is
//! [`Bound::Unbounded`], a loop that counts its attempts is `iterations × (sleep + attempt)`,
//! and `timeout N` caps whatever it wraps. Commands inside `$(…)` count (they run where the word
//! is); a `while CMD` condition waits for the opposite of readiness and does not.
//!
//! Positions: every word keeps where it is written ([`Located`]), so hosts, ports and objects
//! point at their exact text inside the YAML scalar, or at the env value a `$VAR` resolves to.
//! Where the text is not verbatim in the source (YAML escapes, a folded scalar), the span falls
//! back to the smallest enclosing text that is.

mod args;
mod bounds;
mod kube;
mod pollers;
mod tools;

use bounds::LoopBound;
use tools::{Found, program};

use super::{Bound, Container, Spanned, WaitSpec};
use nexus_source::shell::eval::{Command, Core, Frame, Hooks, Interp, Options, Reply};
use nexus_source::shell::{Located, Node};
use nexus_source::{SourceDb, Span};

#[cfg(test)]
use crate::durations::go_duration_ms;
#[cfg(test)]
use nexus_source::shell::eval::seconds_ms;

/// `for` loops over targets are unrolled over this many at most.
const MAX_TARGETS: usize = 16;

/// The waits in a container's command and args, in the order they run.
pub fn waits(c: &Container, db: &SourceDb) -> Vec<WaitSpec> {
    let words = argv(c, db);
    let env: Vec<(String, Located)> = c
        .env
        .iter()
        .filter(|e| e.from.is_none())
        .filter_map(|e| {
            Some((
                e.name.value.clone(),
                Located::scalar(db, &e.value.as_ref()?.value, e.value.as_ref()?.span, e.value.as_ref()?.via, 0).0,
            ))
        })
        .collect();
    let opts = Options { walk_substitutions: true, ..Options::default() };
    // The repository's script the entrypoint runs (copied into a built image, or bind-mounted)
    // runs first, with the container's words as its arguments.
    let mut first = Vec::new();
    if let Some(f) = c.entrypoint_script {
        let hooks = Waits { db, out: Vec::new(), loops: Vec::new() };
        let mut it = Interp::new(db, hooks, opts.clone(), &db.get(f).path, env.clone());
        it.run_file(f);
        first = it.hooks.out;
    }
    let mut it = Interp::new(db, Waits { db, out: first, loops: Vec::new() }, opts, "sh", env);
    if let Some(args) = k8s_wait_for_args(c, &words) {
        if let Some(f) = kube::k8s_wait_for(db, args) {
            let here = args.first().map_or(c.span, Located::span);
            it.hooks.emit(&it.core, f, Some(here), args.first().unwrap_or(&words[0]));
        }
        return it.hooks.out;
    }
    it.run_argv(words);
    it.hooks.out
}

/// The arguments of a groundnuty/k8s-wait-for container: its image runs `wait_for.sh` on them.
fn k8s_wait_for_args<'a>(c: &Container, words: &'a [Located]) -> Option<&'a [Located]> {
    let first = words.first()?;
    if program(&first.text) == "wait_for.sh" {
        return Some(&words[1..]);
    }
    let kinds = ["job", "job-we", "job-wr", "pod", "pod-we", "pod-wr", "pod-r", "service"];
    let by_image = c.image_str().contains("k8s-wait-for");
    let by_args = c.command.is_empty() && words.len() >= 2 && kinds.contains(&first.text.as_str());
    (by_image || by_args).then_some(words)
}

/// The container's words, each located in its scalar. Words split from one Compose string share
/// its span; they are found one after another in it.
fn argv(c: &Container, db: &SourceDb) -> Vec<Located> {
    let mut out = Vec::new();
    let mut last: Option<(Span, usize)> = None;
    for w in c.argv() {
        let from = match last {
            Some((span, next)) if span == w.span => next,
            _ => 0,
        };
        let (src, next) = Located::scalar(db, &w.value, w.span, w.via, from);
        last = Some((w.span, next));
        out.push(src);
    }
    out
}

fn spanned(l: &Located) -> Spanned<String> {
    Spanned::with_via(l.text.clone(), l.span(), l.via)
}

/// The bound of a wait that waits `own` on its own, inside `frames` (whose loops are bounded by
/// `loops`, in order).
fn fold(own: Bound, frames: &[Frame], loops: &[LoopBound]) -> Bound {
    let attempt = |b: Bound| match b {
        Bound::Default(ms) | Bound::Millis(ms) => ms.max(0),
        _ => 0,
    };
    let mut loops = loops.iter().rev();
    frames.iter().rev().fold(own, |b, f| match f {
        Frame::Call { .. } => b,
        Frame::Loop { .. } => match (b, loops.next().copied().unwrap_or(LoopBound::Forever)) {
            (Bound::Unbounded, _) | (_, LoopBound::Forever) => Bound::Unbounded,
            (b, LoopBound::Rounds { n, sleep_ms }) => {
                Bound::Millis(n.saturating_mul(sleep_ms.saturating_add(attempt(b))))
            }
            (_, LoopBound::Deadline(ms)) => Bound::Millis(ms),
        },
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

/// The waits client of the shell evaluator.
struct Waits<'a> {
    db: &'a SourceDb,
    out: Vec<WaitSpec>,
    /// The bounds of the loops being read, outermost first.
    loops: Vec<LoopBound>,
}

impl Hooks for Waits<'_> {
    fn command(&mut self, ev: &Core, cmd: &Command) -> Reply {
        let resolved: Vec<Located> = cmd.words.iter().map(|w| ev.resolve(w)).collect();
        let rec = tools::recognize(self.db, &resolved);
        if let Some(first) = cmd.words.first() {
            for f in rec.found {
                self.emit(ev, f, cmd.here, first);
            }
        }
        Reply { status: None, then: rec.then }
    }

    /// `> /dev/tcp/HOST/PORT` (bash): opening the connection is the check.
    fn redirect(&mut self, ev: &Core, target: &Located, here: Span) {
        let w = ev.resolve(target);
        let Some(rest) = w.text.strip_prefix("/dev/tcp/") else { return };
        let Some(slash) = rest.find('/') else { return };
        let base = "/dev/tcp/".len();
        let mut f = Found::new(super::WaitTool::DevTcp, super::ReadyLevel::PortOpen);
        f.host = Some(w.sub(self.db, base, base + slash)).filter(|h| !h.text.is_empty());
        f.port = Some(w.tail(self.db, base + slash + 1));
        self.emit(ev, f, Some(here), &w);
    }

    fn enter_loop(&mut self, ev: &Core, node: &Node) {
        self.loops.push(bounds::loop_bound(ev, node));
    }

    fn leave_loop(&mut self) {
        self.loops.pop();
    }

    /// `for host in db redis; do … $host …`: one pass per target, not a retry loop.
    fn unroll(&mut self, ev: &Core, node: &Node) -> Option<usize> {
        bounds::iterates_targets(node, &ev.text().text).then_some(MAX_TARGETS)
    }

    /// `while nc -z db 5432` loops while the port is open: it waits for the opposite of
    /// readiness. Tests (`while [ "$(curl …)" != 200 ]`) still count.
    fn skip_condition(&mut self, ev: &Core, pipeline: &Node, success_ends_loop: bool) -> bool {
        !success_ends_loop && !bounds::is_test(pipeline, &ev.text().text)
    }
}

impl Waits<'_> {
    /// Turns what a tool found into a spec.
    fn emit(&mut self, ev: &Core, f: Found, here: Option<Span>, cmd: &Located) {
        let frames = ev.frames();
        let in_loop = frames.iter().any(|fr| matches!(fr, Frame::Loop { .. }));
        if f.needs_loop && !in_loop && f.own == Bound::Once {
            return;
        }
        let span = frames.iter().find_map(Frame::span).or(here).unwrap_or(cmd.span());
        let host = f
            .host
            .as_ref()
            .map(|h| ev.resolve(h))
            .or_else(|| f.host_env.and_then(|e| ev.env(e)))
            .filter(|h| !h.text.is_empty() && !h.text.starts_with('-'))
            // The output of a command run at start (`$(get-setting DB_HOST)`) is not known here:
            // the wait's host is unknown. (An undefined `$DB_HOST` stays as written: the shell
            // makes it empty, and the wait is broken.)
            .filter(|h| !h.text.contains("$(") && !h.text.contains('`') && !h.text.contains(char::is_whitespace));
        let port = f.port.as_ref().map(|p| ev.resolve(p)).or_else(|| f.port_env.and_then(|e| ev.env(e)));
        let port = match port {
            Some(p) => p.text.trim().parse::<i64>().ok().filter(|n| (1..=65_535).contains(n)).map(|n| {
                let s = spanned(&p);
                Spanned::with_via(n, s.span, s.via)
            }),
            None => f.default_port.map(|n| Spanned::with_via(n, cmd.span(), cmd.via)),
        };
        let object = f.object.map(|(kind, name)| (kind, spanned(&ev.resolve(&name))));
        let namespace = f.namespace.map(|n| ev.resolve(&n).text).filter(|n| !n.is_empty());
        self.out.push(WaitSpec {
            tool: f.tool,
            host: host.map(|h| spanned(&h)),
            port,
            object,
            namespace,
            timeout: fold(f.own, frames, &self.loops),
            level: f.level,
            span,
        });
    }
}

#[cfg(test)]
mod tests;
