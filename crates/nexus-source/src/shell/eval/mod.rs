//! Walks a script the way a shell would run it, without running anything, and shows each
//! client the simple commands it cares about.
//!
//! The generic part of reading a shell lives here once; what a command means is the client's:
//! the wait recognisers and the deploy-plan reader of the model implement [`Hooks`] and see
//! every command the evaluator does not handle itself, with its words expanded and as written,
//! and the [`Frame`]s around it (loops, `timeout` wrappers, function calls).
//!
//! What is known is tracked; what is not stays as written:
//! - Variables hold a known string or an opaque value (assigned from something not modelled,
//!   kept as written); an unset variable expands to itself as written (`$X`), except where a
//!   default applies (`${X:-d}`). The environment the script starts with is the client's
//!   (a container's `env`). Positional parameters of a script are unknown unless given
//!   (`sh -c BODY a b`); those of a function call are its arguments.
//! - Command substitutions are not run. A few pure ones are computed (`dirname`, `basename`,
//!   `pwd`, `cd … && pwd`, `realpath`, `readlink -f`, `echo`, `printf %s`); `$(NAME)` of an
//!   environment variable is Kubernetes' reference, expanded before the shell runs. A client may
//!   ask to be shown the commands inside substitutions ([`Options::walk_substitutions`]).
//! - The working directory is known (`cd "$(dirname "$0")/.."`), relative to the unknown
//!   directory the script was started in, or lost.
//! - A condition whose outcome is known picks its branch. Otherwise every branch is read, in
//!   order, each from the same starting state, and the states are joined: a variable the
//!   branches leave different becomes opaque. A branch that ends in `exit` or `return` does not
//!   flow on. Loops over a literal list are unrolled where the client wants it
//!   ([`Hooks::unroll`]); other loops are read once.
//! - Functions run where they are called, in call order, with their arguments; a function
//!   already being called is not entered again.
//! - Wrappers (`exec`, `env`, `sudo`, `nice`, `gosu`, …) are seen through; `timeout N CMD` adds a
//!   [`Frame::Timeout`]; `sh -c BODY` (and `bash`, `ash`, …) reads BODY as a script of its own,
//!   in a child shell, with positions mapped through the word it is written in; `set -e` is
//!   tracked.
//!
//! Work is bounded: a budget per run, charged a unit per node and per 64 bytes of each word
//! expanded (a 40 KB word in nested unrolled loops took 16 s when only nodes counted), nesting
//! limits for functions, substitutions and nested shells, and a cap on unrolled items. A substitution is walked once and computed once:
//! computing its output does not walk the substitutions inside it again, which made nested
//! `"$(… "$(…` cost two to the power of their depth.

mod builtins;
mod expand;
pub mod paths;
mod walk;

use std::collections::BTreeMap;
use std::rc::Rc;

use super::ast::Node;
use super::located::Located;
use super::word::{Range, is_name};
use crate::{FileId, SourceDb, Span};

pub use builtins::seconds_ms;

/// Nested `sh -c` scripts deeper than this are not read.
const MAX_SHELL_DEPTH: u32 = 16;
const MAX_CALL_DEPTH: usize = 32;
/// Command substitutions nested deeper than this are not computed.
const MAX_SUBST_DEPTH: u32 = 16;

/// A value: its text, whether it is fully known, and where it is written (as written, for a
/// value assigned from a word; the value itself, for one from the environment).
#[derive(Clone, Debug)]
pub struct Value {
    pub text: String,
    pub known: bool,
    pub origin: Option<Located>,
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text && self.known == other.known
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Var {
    Set(Value),
    /// `local X` without a value: shadows an outer `X`, expands as unset.
    Unset,
}

/// One expanded argument and the word it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    pub text: String,
    /// Fully known: no unknown variable or command substitution in it.
    pub known: bool,
    /// The word as written.
    pub span: Span,
    /// Which word of the command it comes from.
    pub word: usize,
}

/// What surrounds a command, outermost first.
#[derive(Clone, Debug)]
pub enum Frame {
    /// A `while`/`until`/`for` loop read once (not unrolled).
    Loop { span: Span },
    /// `timeout N …`; the span is that command's, when it is in a script.
    Timeout { ms: i64, span: Option<Span> },
    /// A call of a shell function.
    Call { span: Span },
}

impl Frame {
    pub fn span(&self) -> Option<Span> {
        match self {
            Frame::Loop { span } | Frame::Call { span } => Some(*span),
            Frame::Timeout { span, .. } => *span,
        }
    }
}

/// A simple command shown to a client, its wrappers removed.
pub struct Command<'c> {
    /// The expanded arguments, the program first.
    pub args: &'c [Arg],
    /// The words as written, from the program's on, located.
    pub words: &'c [Located],
    /// The command as written in its script; None for a container's own words.
    pub here: Option<Span>,
    /// The command's range in the current script's text.
    pub range: Option<Range>,
}

/// What a client makes of a command.
#[derive(Clone, Debug, Default)]
pub struct Reply {
    /// Its exit status, when known.
    pub status: Option<bool>,
    /// Where the command it runs next starts among its words (`wait-for-it db:5432 -- app`).
    pub then: Option<usize>,
}

/// What a client sees of the walk. Every method but [`Hooks::command`] has a default that
/// does nothing.
pub trait Hooks {
    /// A simple command that is neither a builtin, a wrapper, a nested shell nor a function.
    fn command(&mut self, ev: &Core, cmd: &Command) -> Reply;

    /// A redirection target of a simple command (`> /dev/tcp/db/5432`), before the command.
    fn redirect(&mut self, _ev: &Core, _target: &Located, _here: Span) {}

    /// A loop about to be read once (after its `for` items are expanded), and its end.
    fn enter_loop(&mut self, _ev: &Core, _node: &Node) {}
    fn leave_loop(&mut self) {}

    /// Whether to leave out a pipeline of a loop's condition, whose success ends the loop
    /// (`until CMD`, `while ! CMD`) or keeps it going (`while CMD`).
    fn skip_condition(&mut self, _ev: &Core, _pipeline: &Node, _success_ends_loop: bool) -> bool {
        false
    }

    /// Whether to unroll `for var in items` (all of them known) over at most how many items;
    /// None reads the body once, as for an unknown list.
    fn unroll(&mut self, _ev: &Core, _node: &Node) -> Option<usize> {
        Some(1_000)
    }

    /// The paths a glob in a `for` list matches (none: it stays as written).
    fn glob(&mut self, _ev: &Core, _pattern: &str) -> Vec<String> {
        Vec::new()
    }

    /// The file `source PATH` reads.
    fn source(&mut self, _ev: &Core, _path: &str) -> Option<FileId> {
        None
    }
}

/// How much to read.
#[derive(Clone, Debug)]
pub struct Options {
    /// Work per run before giving up: a unit per node walked and per 64 bytes of each word
    /// expanded. The default, 60,000, reads a 5,000-line script of waits whole, is 200 times
    /// what the largest script of `fixtures/` uses (295: podinfo's warm-cache.sh), and keeps a
    /// hostile script to tens of milliseconds.
    pub budget: u32,
    /// Show the client the commands inside command substitutions (they run where the word is).
    pub walk_substitutions: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { budget: 60_000, walk_substitutions: false }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cwd {
    /// Relative to the directory the script was started in, which is unknown.
    Start(String),
    /// A known directory, as displayed paths are written.
    At(String),
    Lost,
}

#[derive(Clone, Debug)]
struct State {
    globals: BTreeMap<String, Var>,
    locals: Vec<BTreeMap<String, Var>>,
    /// `$1`…; None: unknown (the script's own arguments).
    positional: Option<Vec<Value>>,
    cwd: Cwd,
    oldpwd: Cwd,
    dirs: Vec<Cwd>,
    errexit: bool,
}

/// A script being read: its text, located, and the path `BASH_SOURCE` names.
#[derive(Clone, Debug)]
struct Script {
    src: Rc<Located>,
    path: String,
}

struct Func {
    body: Rc<Node>,
    script: Script,
}

/// The evaluator's state, as clients see it.
pub struct Core<'a> {
    pub db: &'a SourceDb,
    opts: Options,
    /// `$0`.
    zero: Value,
    /// The directories the script may be run from: its own and its ancestors.
    script_dirs: Vec<String>,
    /// The script whose text is being walked (the script, a sourced file, a function's file, a
    /// nested `sh -c`).
    script: Script,
    env: Vec<(String, Located)>,
    st: State,
    funcs: BTreeMap<String, Rc<Func>>,
    frames: Vec<Frame>,
    calls: Vec<String>,
    sourcing: Vec<FileId>,
    budget: u32,
    subst_depth: u32,
    /// Computing a substitution's output ([`Interp::capture`]): the substitutions inside it
    /// were shown to the client when its commands were walked, so they are computed only.
    capturing: bool,
    shell_depth: u32,
    /// Reading a loop's condition: whether a pipeline's success ends the loop.
    cond: Option<bool>,
}

impl Core<'_> {
    pub fn frames(&self) -> &[Frame] {
        &self.frames
    }

    pub fn errexit(&self) -> bool {
        self.st.errexit
    }

    pub fn cwd(&self) -> &Cwd {
        &self.st.cwd
    }

    /// The script the run is for and its directory's ancestors (nearest first).
    pub fn script_dirs(&self) -> &[String] {
        &self.script_dirs
    }

    /// The text being walked.
    pub fn text(&self) -> &Located {
        &self.script.src
    }

    /// A path written from the script's own location (`$0`, `BASH_SOURCE`): displayed paths
    /// are its frame, whatever directory the script was started in.
    pub fn anchored(&self, path: &str) -> bool {
        let own = |dir: &str| !dir.is_empty() && (path == dir || path.starts_with(&format!("{dir}/")));
        own(&self.script_dirs[0]) || own(&paths::dirname(&paths::normalize(&self.script.path)))
    }

    /// A script range's span in its file.
    pub fn span(&self, r: Range) -> Span {
        let (a, b) = r.usize();
        self.script.src.range_span(self.db, a, b)
    }

    fn lookup(&self, name: &str) -> Option<Var> {
        for frame in self.st.locals.iter().rev() {
            if let Some(v) = frame.get(name) {
                return (*v != Var::Unset).then(|| v.clone());
            }
        }
        if let Some(v) = self.st.globals.get(name) {
            return Some(v.clone());
        }
        self.env(name).map(|l| Var::Set(Value { text: l.text.clone(), known: true, origin: Some(l) }))
    }

    /// A variable of the environment the script started with.
    pub fn env(&self, name: &str) -> Option<Located> {
        self.env.iter().rev().find(|(n, _)| n == name).map(|(_, l)| l.clone())
    }

    fn param(&self, n: usize) -> Option<Value> {
        if n == 0 {
            return Some(self.zero.clone());
        }
        self.st.positional.as_ref()?.get(n - 1).cloned()
    }

    /// A word that is one variable (`$DB_HOST`, `${DB_HOST}`, `${DB_HOST:-db}`, `$(DB_HOST)`,
    /// `$1`) replaced by its value where it is written: a script assignment, a positional
    /// parameter, or the environment; else as written.
    pub fn resolve(&self, s: &Located) -> Located {
        let mut cur = s.clone();
        for _ in 0..8 {
            let Some((name, default)) = var_ref(&cur.text) else { break };
            let value = match name.parse::<usize>() {
                Ok(n) => self.param(n),
                Err(_) => match self.lookup(name) {
                    Some(Var::Set(v)) => Some(v),
                    _ => None,
                },
            };
            cur = match (value, default) {
                (Some(Value { origin: Some(o), .. }), _) => o,
                (Some(Value { text, known: true, origin: None }), _) => Located::plain(text, cur.span(), cur.via),
                (Some(_), _) => break,
                (None, Some((a, b))) => cur.sub(self.db, a, b),
                (None, None) => break,
            };
        }
        cur
    }

    /// The integer a variable holds, if it holds one.
    pub fn int_var(&self, name: &str) -> Option<i64> {
        self.var_text(name)?.trim().parse().ok()
    }

    /// The value of a variable, as [`Core::resolve`] finds it.
    pub fn var_text(&self, name: &str) -> Option<String> {
        let probe = Located::plain(format!("${name}"), Span::default(), None);
        let v = self.resolve(&probe);
        (v.text != probe.text).then_some(v.text)
    }

    /// How many positional parameters there are (`for VAR; do`), when known.
    pub fn positional_len(&self) -> Option<usize> {
        self.st.positional.as_ref().map(Vec::len)
    }
}

/// A word that is one variable reference: its name, and the range of its default value
/// (`${NAME:-default}`).
pub fn var_ref(t: &str) -> Option<(&str, Option<(usize, usize)>)> {
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
        return is_name(inner).then_some((inner, None));
    }
    let name = t.strip_prefix('$')?;
    (is_name(name) || (name.len() == 1 && name.as_bytes()[0].is_ascii_digit())).then_some((name, None))
}

/// The evaluator: its state and the client's hooks.
pub struct Interp<'a, H: Hooks> {
    pub core: Core<'a>,
    pub hooks: H,
}

impl<'a, H: Hooks> Interp<'a, H> {
    /// An evaluator for the script at `path` (`$0`), starting with `env`.
    pub fn new(db: &'a SourceDb, hooks: H, opts: Options, path: &str, env: Vec<(String, Located)>) -> Self {
        let dir = paths::dirname(&paths::normalize(path));
        let budget = opts.budget;
        let empty = Script { src: Rc::new(Located::plain(String::new(), Span::default(), None)), path: path.into() };
        let core = Core {
            db,
            opts,
            zero: Value { text: path.to_string(), known: true, origin: None },
            script_dirs: paths::ancestors(&dir),
            script: empty,
            env,
            st: State {
                globals: BTreeMap::new(),
                locals: Vec::new(),
                positional: None,
                cwd: Cwd::Start(String::new()),
                oldpwd: Cwd::Lost,
                dirs: Vec::new(),
                errexit: false,
            },
            funcs: BTreeMap::new(),
            frames: Vec::new(),
            calls: Vec::new(),
            sourcing: Vec::new(),
            budget,
            subst_depth: 0,
            capturing: false,
            shell_depth: 0,
            cond: None,
        };
        Interp { core, hooks }
    }

    /// Reads a whole file as the script (`#!/bin/bash -e` turns on errexit).
    pub fn run_file(&mut self, file: FileId) {
        let f = self.core.db.get(file);
        self.core.st.errexit = shebang_errexit(&f.text);
        self.core.sourcing.push(file);
        let src = Located::verbatim(&f.text, Span::new(file, 0, f.text.len() as u32));
        self.run_text(Script { src: Rc::new(src), path: f.path.clone() });
    }

    /// Reads a container's own words as one command (no shell reads them).
    pub fn run_argv(&mut self, words: Vec<Located>) {
        let args = words
            .iter()
            .enumerate()
            .map(|(i, w)| Arg { text: w.text.clone(), known: true, span: w.span(), word: i })
            .collect();
        self.command(args, &words, None, None);
    }

    fn run_text(&mut self, script: Script) -> walk::Outcome {
        let text = script.src.text.clone();
        let node = super::parse(&text, 0, text.len());
        let saved = std::mem::replace(&mut self.core.script, script);
        let out = self.run(&node);
        self.core.script = saved;
        out
    }
}

/// `#!/bin/bash -e`, `#!/usr/bin/env -S bash -eu`.
fn shebang_errexit(text: &str) -> bool {
    let first = text.trim_start_matches('\u{feff}').lines().next();
    let Some(line) = first.and_then(|l| l.strip_prefix("#!")) else { return false };
    line.split_whitespace().skip(1).any(|t| {
        t.len() > 1
            && t.starts_with('-')
            && !t.starts_with("--")
            && t[1..].chars().all(|c| c.is_ascii_alphabetic())
            && t[1..].contains('e')
    })
}

#[cfg(test)]
mod tests;
