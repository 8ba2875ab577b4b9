//! Walks a script's syntax tree the way bash would run it, without running anything, and records
//! the deploy steps it meets.
//!
//! What is known is tracked; what is not stays as written:
//! - Variables hold a known string or an opaque value (assigned from something not modelled);
//!   an unset variable expands to itself as written (`$X`), except where a default applies
//!   (`${X:-d}`). Positional parameters of the script are unknown; those of a function call are
//!   its arguments.
//! - Command substitutions are not run. A few pure ones are computed, because deploy scripts
//!   locate themselves with them: `dirname`, `basename`, `pwd`, `cd … && pwd`, `realpath`,
//!   `readlink -f`, `echo`, `printf %s`. Any other stays as written, and never yields a step.
//! - The working directory is known (`cd "$(dirname "$0")/.."`), relative to the unknown
//!   directory the script was started in (`cd k8s`), or lost (`cd "$TARGET"`).
//! - A condition whose outcome is known (`[ -z "$NS" ]` with `NS` set, `true`) picks its branch.
//!   Otherwise every branch is read, in order, each from the same starting state, and the
//!   states are joined: a variable the branches leave different becomes opaque. A branch that
//!   ends in `exit` or `return` does not flow on. Loops over a literal list are unrolled; other
//!   loops are read once.
//! - Functions run where they are called, in call order, with their arguments; a function
//!   already being called is not entered again.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::sync::Arc;

use super::commands::{self, Arg, Targets, Tool};
use super::resolve::{self, Index};
use super::shell::{self, Node, Param, ParamOp, Part, Range, Simple, Word};
use crate::{Bound, LabelSelector, ObjectId, PlanAction, PlanStep, Spanned};
use nexus_source::{FileId, SourceDb, Span};

/// Nodes walked per script before giving up (a guard against pathological inputs).
const BUDGET: u32 = 200_000;
const MAX_CALL_DEPTH: usize = 32;
/// Command substitutions nested deeper than this are not computed.
const MAX_SUBST_DEPTH: u32 = 16;
const MAX_LOOP_ITEMS: usize = 1_000;
/// Steps kept per script; reading stops there.
const MAX_STEPS: usize = 10_000;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Var {
    Known(String),
    /// Assigned from something not modelled.
    Opaque,
    /// `local X` without a value: shadows an outer `X`, expands as unset.
    Unset,
}

/// One word after expansion.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Field {
    text: String,
    known: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Cwd {
    /// Relative to the directory the script was started in, which is unknown.
    Start(String),
    /// A known directory, as displayed paths are written.
    At(String),
    Lost,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Flow {
    Normal,
    Break(u32),
    Continue(u32),
    Return,
    Exit,
}

/// How a command ended, and its exit status when it is known statically.
type Outcome = (Flow, Option<bool>);

#[derive(Clone, Debug)]
struct State {
    globals: BTreeMap<String, Var>,
    locals: Vec<BTreeMap<String, Var>>,
    /// None: unknown (the script's own arguments).
    positional: Option<Vec<Field>>,
    cwd: Cwd,
    oldpwd: Cwd,
    dirs: Vec<Cwd>,
    errexit: bool,
}

#[derive(Clone)]
struct Src {
    file: FileId,
    text: Arc<str>,
    path: String,
}

struct Func {
    body: Rc<Node>,
    src: Src,
}

/// The value of a parameter expansion.
enum PVal {
    Str(String),
    Unknown,
    /// `$@`/`$*` with known positional parameters.
    List(Vec<String>),
    /// `$@` when the positional parameters are unknown.
    UnknownAt,
}

struct Interp<'a> {
    db: &'a SourceDb,
    index: &'a Index<'a>,
    /// The script the plan is for (`$0`).
    script: Src,
    /// The file whose text is being walked (the script, a sourced file, a function's file).
    src: Src,
    /// The script's directory and its ancestors.
    script_dirs: Vec<String>,
    st: State,
    funcs: BTreeMap<String, Rc<Func>>,
    steps: Vec<(PlanStep, bool)>,
    applied: BTreeSet<ObjectId>,
    calls: Vec<String>,
    sourcing: Vec<FileId>,
    budget: u32,
    subst_depth: u32,
}

/// The steps of one script, each with whether `errexit` was on when it ran.
pub(super) fn run(db: &SourceDb, index: &Index, file: FileId) -> Vec<(PlanStep, bool)> {
    let f = db.get(file);
    let src = Src { file, text: f.text.clone(), path: f.path.clone() };
    let dir = resolve::dirname(&resolve::normalize(&f.path));
    let mut it = Interp {
        db,
        index,
        script: src.clone(),
        src,
        script_dirs: resolve::ancestors(&dir),
        st: State {
            globals: BTreeMap::new(),
            locals: Vec::new(),
            positional: None,
            cwd: Cwd::Start(String::new()),
            oldpwd: Cwd::Lost,
            dirs: Vec::new(),
            errexit: shebang_errexit(&f.text),
        },
        funcs: BTreeMap::new(),
        steps: Vec::new(),
        applied: BTreeSet::new(),
        calls: Vec::new(),
        sourcing: vec![file],
        budget: BUDGET,
        subst_depth: 0,
    };
    let node = shell::parse(&f.text, 0, f.text.len());
    it.run(&node);
    it.steps
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

fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0] == b'_' || b[0].is_ascii_alphabetic())
        && b.iter().all(|c| *c == b'_' || c.is_ascii_alphanumeric())
}

/// How `pwd` prints a directory.
fn display(dir: &str) -> String {
    if dir.is_empty() { ".".to_string() } else { dir.to_string() }
}

/// POSIX `dirname`.
fn dirname_cmd(p: &str) -> String {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return if p.is_empty() { ".".into() } else { "/".into() };
    }
    match t.rfind('/') {
        None => ".".into(),
        Some(i) => {
            let head = t[..i].trim_end_matches('/');
            if head.is_empty() { "/".into() } else { head.to_string() }
        }
    }
}

/// POSIX `basename`, with an optional suffix to remove.
fn basename_cmd(p: &str, suffix: Option<&str>) -> String {
    let t = p.trim_end_matches('/');
    let base = t.rsplit('/').next().unwrap_or(t);
    match suffix {
        Some(s) if base.len() > s.len() && base.ends_with(s) => base[..base.len() - s.len()].to_string(),
        _ => base.to_string(),
    }
}

/// `${X#pat}`, `${X##pat}`, `${X%pat}`, `${X%%pat}`.
fn trim(s: &str, pat: &str, prefix: bool, longest: bool) -> String {
    let mut cuts: Vec<usize> = (0..=s.len()).filter(|i| s.is_char_boundary(*i)).collect();
    if prefix == longest {
        cuts.reverse();
    }
    for i in cuts {
        let (head, tail) = s.split_at(i);
        if prefix && resolve::glob_match(pat, head) {
            return tail.to_string();
        }
        if !prefix && resolve::glob_match(pat, tail) {
            return head.to_string();
        }
    }
    s.to_string()
}

/// `test`/`[`/`[[` over known words.
fn eval_test(t: &[&str], pattern: bool) -> Option<bool> {
    let num = |a: &str, b: &str| Some((a.trim().parse::<i64>().ok()?, b.trim().parse::<i64>().ok()?));
    match t {
        [] => Some(false),
        ["!", rest @ ..] => eval_test(rest, pattern).map(|b| !b),
        [s] => Some(!s.is_empty()),
        ["-z", s] => Some(s.is_empty()),
        ["-n", s] => Some(!s.is_empty()),
        [a, "=" | "==", b] => Some(if pattern { resolve::glob_match(b, a) } else { a == b }),
        [a, "!=", b] => Some(if pattern { !resolve::glob_match(b, a) } else { a != b }),
        [a, "-eq", b] => num(a, b).map(|(x, y)| x == y),
        [a, "-ne", b] => num(a, b).map(|(x, y)| x != y),
        [a, "-lt", b] => num(a, b).map(|(x, y)| x < y),
        [a, "-le", b] => num(a, b).map(|(x, y)| x <= y),
        [a, "-gt", b] => num(a, b).map(|(x, y)| x > y),
        [a, "-ge", b] => num(a, b).map(|(x, y)| x >= y),
        _ => None,
    }
}

/// Joins the states of the paths that flow on: what they disagree on becomes unknown.
fn merge(mut states: Vec<State>) -> State {
    fn vars(a: &mut BTreeMap<String, Var>, b: &BTreeMap<String, Var>) {
        for (k, v) in a.iter_mut() {
            if b.get(k) != Some(v) {
                *v = Var::Opaque;
            }
        }
        for k in b.keys() {
            a.entry(k.clone()).or_insert(Var::Opaque);
        }
    }
    let mut base = states.remove(0);
    for other in states {
        vars(&mut base.globals, &other.globals);
        for (a, b) in base.locals.iter_mut().zip(&other.locals) {
            vars(a, b);
        }
        if base.positional != other.positional {
            base.positional = None;
        }
        if base.cwd != other.cwd {
            base.cwd = Cwd::Lost;
        }
        if base.oldpwd != other.oldpwd {
            base.oldpwd = Cwd::Lost;
        }
        if base.dirs != other.dirs {
            base.dirs.clear();
        }
        base.errexit &= other.errexit;
    }
    base
}

/// Collects fields as words expand.
#[derive(Default)]
struct Builder {
    fields: Vec<Field>,
    cur: Option<Field>,
    unknown_at: bool,
}

impl Builder {
    fn text(&mut self, s: &str, known: bool) {
        let c = self.cur.get_or_insert_with(|| Field { text: String::new(), known: true });
        c.text.push_str(s);
        c.known &= known;
    }

    /// A quoted part makes a field even when empty (`""`).
    fn mark(&mut self) {
        self.cur.get_or_insert_with(|| Field { text: String::new(), known: true });
    }

    fn end_field(&mut self) {
        if let Some(c) = self.cur.take() {
            self.fields.push(c);
        }
    }

    /// An unquoted expansion: split on blanks (the default `IFS`).
    fn split(&mut self, s: &str) {
        for (i, chunk) in s.split([' ', '\t', '\n']).enumerate() {
            if i > 0 {
                self.end_field();
            }
            if !chunk.is_empty() {
                self.text(chunk, true);
            }
        }
    }

    fn finish(mut self) -> Vec<Field> {
        self.end_field();
        self.fields
    }
}

impl Interp<'_> {
    fn raw(&self, r: Range) -> String {
        self.src.text.get(r.start as usize..r.end as usize).unwrap_or("").to_string()
    }

    fn span(&self, r: Range) -> Span {
        Span::new(self.src.file, r.start, r.end)
    }

    // -- variables -------------------------------------------------------------------------

    fn lookup(&self, name: &str) -> Option<Var> {
        for frame in self.st.locals.iter().rev() {
            if let Some(v) = frame.get(name) {
                return (*v != Var::Unset).then(|| v.clone());
            }
        }
        self.st.globals.get(name).cloned()
    }

    fn set_var(&mut self, name: &str, v: Var) {
        for frame in self.st.locals.iter_mut().rev() {
            if let Some(slot) = frame.get_mut(name) {
                *slot = v;
                return;
            }
        }
        self.st.globals.insert(name.to_string(), v);
    }

    fn set_local(&mut self, name: &str, v: Var) {
        match self.st.locals.last_mut() {
            Some(frame) => {
                frame.insert(name.to_string(), v);
            }
            None => self.set_var(name, v),
        }
    }

    fn unset(&mut self, name: &str) {
        for frame in self.st.locals.iter_mut().rev() {
            if let Some(slot) = frame.get_mut(name) {
                *slot = Var::Unset;
                return;
            }
        }
        self.st.globals.remove(name);
    }

    fn assign(&mut self, a: &shell::Assign, local: bool) {
        let mut v = match &a.value {
            None => Var::Opaque,
            Some(w) => {
                let f = self.expand_joined(w);
                if f.known { Var::Known(f.text) } else { Var::Opaque }
            }
        };
        if a.append {
            v = match (self.lookup(&a.name), v) {
                (Some(Var::Known(old)), Var::Known(new)) => Var::Known(old + &new),
                (None, v) => v,
                _ => Var::Opaque,
            };
        }
        if local { self.set_local(&a.name, v) } else { self.set_var(&a.name, v) }
    }

    // -- expansion -------------------------------------------------------------------------

    fn expand(&mut self, w: &Word, split: bool) -> (Vec<Field>, bool) {
        let mut b = Builder::default();
        self.parts(&w.parts, false, split, &mut b);
        let unknown_at = b.unknown_at;
        (b.finish(), unknown_at)
    }

    /// A word as one string, without splitting (assignments, `case` words, patterns).
    fn expand_joined(&mut self, w: &Word) -> Field {
        self.parts_joined(&w.parts)
    }

    fn parts_joined(&mut self, parts: &[Part]) -> Field {
        let mut b = Builder::default();
        b.mark();
        self.parts(parts, true, false, &mut b);
        let fields = b.finish();
        Field {
            text: fields.iter().map(|f| f.text.as_str()).collect::<Vec<_>>().join(" "),
            known: fields.iter().all(|f| f.known),
        }
    }

    fn parts(&mut self, parts: &[Part], quoted: bool, split: bool, b: &mut Builder) {
        for part in parts {
            match part {
                Part::Lit(s) => b.text(s, true),
                Part::Quoted(s) => {
                    b.mark();
                    b.text(s, true);
                }
                Part::Double(inner) => {
                    // `"$@"` with no parameters makes no field at all.
                    let only_at =
                        matches!(inner.as_slice(), [Part::Param(p)] if p.name == "@" && p.op == ParamOp::Plain);
                    if !only_at {
                        b.mark();
                    }
                    self.parts(inner, true, split, b);
                }
                Part::Param(p) => match self.param(p) {
                    PVal::Str(s) if quoted || !split => b.text(&s, true),
                    PVal::Str(s) => b.split(&s),
                    PVal::Unknown => b.text(&self.raw(p.raw), false),
                    PVal::List(items) if quoted && p.name == "@" => {
                        for (i, item) in items.iter().enumerate() {
                            if i > 0 {
                                b.end_field();
                            }
                            b.mark();
                            b.text(item, true);
                        }
                    }
                    PVal::List(items) if quoted || !split => b.text(&items.join(" "), true),
                    PVal::List(items) => b.split(&items.join(" ")),
                    PVal::UnknownAt => {
                        b.unknown_at = true;
                        b.text(&self.raw(p.raw), false);
                    }
                },
                Part::CmdSub { body, raw } => match self.cmdsub(*body) {
                    Some(s) if quoted || !split => b.text(&s, true),
                    Some(s) => b.split(&s),
                    None => b.text(&self.raw(*raw), false),
                },
                Part::Opaque(r) => b.text(&self.raw(*r), false),
            }
        }
    }

    fn param(&mut self, p: &Param) -> PVal {
        let name = p.name.as_str();
        let value: Option<Var> = match name {
            "@" | "*" => {
                return match (&self.st.positional, p.op) {
                    (Some(v), ParamOp::Plain) if v.iter().all(|f| f.known) => {
                        PVal::List(v.iter().map(|f| f.text.clone()).collect())
                    }
                    (Some(v), ParamOp::Length) => PVal::Str(v.len().to_string()),
                    (None, ParamOp::Plain) if name == "@" => PVal::UnknownAt,
                    _ => PVal::Unknown,
                };
            }
            "#" => {
                return match (&self.st.positional, p.op) {
                    (Some(v), ParamOp::Plain) => PVal::Str(v.len().to_string()),
                    _ => PVal::Unknown,
                };
            }
            "0" => Some(Var::Known(self.script.path.clone())),
            "BASH_SOURCE" => Some(match p.index.as_deref() {
                None | Some("0") => Var::Known(self.src.path.clone()),
                _ => Var::Opaque,
            }),
            n if n.bytes().all(|c| c.is_ascii_digit()) && !n.is_empty() => match &self.st.positional {
                Some(v) => n
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| v.get(i.checked_sub(1)?))
                    .map(|f| if f.known { Var::Known(f.text.clone()) } else { Var::Opaque }),
                None => Some(Var::Opaque),
            },
            "?" | "$" | "!" | "-" | "" => Some(Var::Opaque),
            "PWD" => Some(match &self.st.cwd {
                Cwd::At(c) => Var::Known(display(c)),
                _ => Var::Opaque,
            }),
            n if p.index.is_some() => {
                // Arrays are not modelled; `${X[0]}` of a plain variable is the variable.
                match p.index.as_deref() {
                    Some("0") => self.lookup(n).map(|v| if matches!(v, Var::Known(_)) { v } else { Var::Opaque }),
                    _ => Some(Var::Opaque),
                }
            }
            n => self.lookup(n),
        };
        let opaque = matches!(value, Some(Var::Opaque));
        let val = match value {
            Some(Var::Known(s)) => Some(s),
            _ => None,
        };
        match p.op {
            ParamOp::Plain | ParamOp::Error => val.map_or(PVal::Unknown, PVal::Str),
            ParamOp::Length => val.map_or(PVal::Unknown, |s| PVal::Str(s.chars().count().to_string())),
            ParamOp::Default { colon } | ParamOp::Assign { colon } => match val {
                Some(s) if !(colon && s.is_empty()) => PVal::Str(s),
                _ if opaque => PVal::Unknown,
                _ => {
                    let d = self.parts_joined(&p.arg);
                    if matches!(p.op, ParamOp::Assign { .. }) && is_name(name) {
                        self.set_var(name, if d.known { Var::Known(d.text.clone()) } else { Var::Opaque });
                    }
                    if d.known { PVal::Str(d.text) } else { PVal::Unknown }
                }
            },
            ParamOp::Alt { colon } => match val {
                Some(s) if !(colon && s.is_empty()) => {
                    let a = self.parts_joined(&p.arg);
                    if a.known { PVal::Str(a.text) } else { PVal::Unknown }
                }
                _ if opaque => PVal::Unknown,
                _ => PVal::Str(String::new()),
            },
            ParamOp::TrimPrefix { longest } | ParamOp::TrimSuffix { longest } => {
                let Some(s) = val else { return PVal::Unknown };
                let pat = self.parts_joined(&p.arg);
                if !pat.known {
                    return PVal::Unknown;
                }
                PVal::Str(trim(&s, &pat.text, matches!(p.op, ParamOp::TrimPrefix { .. }), longest))
            }
            ParamOp::Other => PVal::Unknown,
        }
    }

    /// A command substitution: its output when the command is a pure one we can compute.
    fn cmdsub(&mut self, body: Range) -> Option<String> {
        if self.budget == 0 || self.subst_depth >= MAX_SUBST_DEPTH {
            return None;
        }
        self.budget -= 1;
        let text = self.src.text.clone();
        let node = shell::parse(&text, body.start as usize, body.end as usize);
        let saved = self.st.clone();
        self.subst_depth += 1;
        let out = self.capture(&node);
        self.subst_depth -= 1;
        self.st = saved;
        out.map(|s| s.trim_end_matches('\n').to_string())
    }

    fn capture(&mut self, node: &Node) -> Option<String> {
        match node {
            Node::Seq(items) => {
                let mut out = String::new();
                for n in items {
                    out.push_str(&self.capture(n)?);
                }
                Some(out)
            }
            Node::And(a, b) => {
                let mut out = self.capture(a)?;
                out.push_str(&self.capture(b)?);
                Some(out)
            }
            Node::Group(a) | Node::Subshell(a) => self.capture(a),
            Node::Simple(s) => {
                if s.words.is_empty() {
                    for a in &s.assigns {
                        self.assign(a, false);
                    }
                    return Some(String::new());
                }
                let mut args = Vec::new();
                for w in &s.words {
                    args.extend(self.expand(w, true).0);
                }
                if !args.iter().all(|a| a.known) {
                    return None;
                }
                if args.is_empty() {
                    return Some(String::new());
                }
                let argv: Vec<&str> = args.iter().map(|a| a.text.as_str()).collect();
                let operands: Vec<&str> =
                    argv[1..].iter().copied().filter(|a| !a.starts_with('-') || *a == "-").collect();
                match argv[0] {
                    "cd" => {
                        let cd_args: Vec<Arg> = args[1..]
                            .iter()
                            .map(|f| Arg { text: f.text.clone(), known: true, span: Span::default() })
                            .collect();
                        self.cd(&cd_args);
                        Some(String::new())
                    }
                    "pwd" => match &self.st.cwd {
                        Cwd::At(c) => Some(display(c) + "\n"),
                        _ => None,
                    },
                    "dirname" => Some(operands.iter().map(|p| dirname_cmd(p) + "\n").collect()),
                    "basename" => Some(basename_cmd(operands.first()?, operands.get(1).copied()) + "\n"),
                    "realpath" | "readlink" => {
                        if argv[0] == "readlink" && !argv[1..].iter().any(|a| matches!(*a, "-f" | "-e" | "-m")) {
                            return None;
                        }
                        let p = operands.first()?;
                        let full = if p.starts_with('/') || self.anchored(p) {
                            resolve::normalize(p)
                        } else {
                            match &self.st.cwd {
                                Cwd::At(c) => resolve::join(c, p),
                                _ => return None,
                            }
                        };
                        Some(display(&full) + "\n")
                    }
                    "echo" => {
                        let (newline, words) = match argv.get(1) {
                            Some(&"-n") => (false, &argv[2..]),
                            _ => (true, &argv[1..]),
                        };
                        Some(words.join(" ") + if newline { "\n" } else { "" })
                    }
                    "printf" if matches!(argv.get(1), Some(&("%s" | "%s\\n"))) => Some(argv[2..].concat()),
                    "true" | ":" => Some(String::new()),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn expand_args(&mut self, words: &[Word]) -> (Vec<Arg>, bool) {
        let mut out = Vec::new();
        let mut unknown_at = false;
        for w in words {
            let (fields, ua) = self.expand(w, true);
            unknown_at |= ua;
            let span = self.span(w.range);
            out.extend(fields.into_iter().map(|f| Arg { text: f.text, known: f.known, span }));
        }
        (out, unknown_at)
    }

    // -- walking ---------------------------------------------------------------------------

    fn run(&mut self, node: &Node) -> Outcome {
        if self.budget == 0 {
            return (Flow::Exit, None);
        }
        self.budget -= 1;
        match node {
            Node::Seq(items) => {
                let mut status = Some(true);
                for n in items {
                    let (flow, s) = self.run(n);
                    status = s;
                    if flow != Flow::Normal {
                        return (flow, s);
                    }
                }
                (Flow::Normal, status)
            }
            Node::Simple(s) => self.simple(s),
            Node::And(a, b) => {
                let (flow, s) = self.run(a);
                if flow != Flow::Normal {
                    return (flow, s);
                }
                match s {
                    Some(true) => self.run(b),
                    Some(false) => (Flow::Normal, Some(false)),
                    None => (self.maybe(b, false), None),
                }
            }
            Node::Or(a, b) => {
                let (flow, s) = self.run(a);
                if flow != Flow::Normal {
                    return (flow, s);
                }
                match s {
                    Some(false) => self.run(b),
                    Some(true) => (Flow::Normal, Some(true)),
                    None => (self.maybe(b, false), None),
                }
            }
            Node::Not(a) => {
                let (flow, s) = self.run(a);
                (flow, s.map(|x| !x))
            }
            Node::Pipe(items) => {
                // Each command of a pipeline runs in a subshell.
                let mut status = None;
                for n in items {
                    let saved = self.st.clone();
                    status = self.run(n).1;
                    self.st = saved;
                }
                (Flow::Normal, status)
            }
            Node::Subshell(a) => {
                let saved = self.st.clone();
                let (flow, s) = self.run(a);
                self.st = saved;
                // The budget ran out: stop, even from inside a subshell.
                (if self.budget == 0 { flow } else { Flow::Normal }, s)
            }
            Node::Group(a) => self.run(a),
            Node::If { arms, otherwise } => self.run_if(arms, otherwise.as_deref()),
            Node::For { var, items, body } => self.run_for(var, items.as_deref(), body),
            Node::Loop { cond, body } => {
                let (flow, s) = self.run(cond);
                if flow != Flow::Normal {
                    return (flow, s);
                }
                (self.maybe(body, true), None)
            }
            Node::Case { word, arms } => self.run_case(word, arms),
            Node::Func { name, body } => {
                self.funcs.insert(name.clone(), Rc::new(Func { body: body.clone(), src: self.src.clone() }));
                (Flow::Normal, Some(true))
            }
        }
    }

    /// Runs `n` or not, not knowing which: joins both outcomes.
    fn maybe(&mut self, n: &Node, in_loop: bool) -> Flow {
        let before = self.st.clone();
        let (mut flow, _) = self.run(n);
        if in_loop {
            flow = match flow {
                Flow::Break(1) | Flow::Continue(1) => Flow::Normal,
                Flow::Break(k) => Flow::Break(k - 1),
                Flow::Continue(k) => Flow::Continue(k - 1),
                f => f,
            };
        }
        let after = std::mem::replace(&mut self.st, before.clone());
        self.join(vec![(before, Flow::Normal), (after, flow)])
    }

    fn join(&mut self, paths: Vec<(State, Flow)>) -> Flow {
        let (cont, stopped): (Vec<_>, Vec<_>) = paths.into_iter().partition(|(_, f)| *f == Flow::Normal);
        if cont.is_empty() {
            // Every path stops here: an `exit` on any of them wins.
            let flow = if stopped.iter().any(|(_, f)| *f == Flow::Exit) { Flow::Exit } else { stopped[0].1 };
            if let Some((s, _)) = stopped.into_iter().next() {
                self.st = s;
            }
            return flow;
        }
        self.st = merge(cont.into_iter().map(|(s, _)| s).collect());
        Flow::Normal
    }

    fn run_if(&mut self, arms: &[(Node, Node)], otherwise: Option<&Node>) -> Outcome {
        let Some(((cond, body), rest)) = arms.split_first() else {
            return match otherwise {
                Some(o) => self.run(o),
                None => (Flow::Normal, Some(true)),
            };
        };
        let (flow, s) = self.run(cond);
        if flow != Flow::Normal {
            return (flow, s);
        }
        match s {
            Some(true) => self.run(body),
            Some(false) => self.run_if(rest, otherwise),
            None => {
                let before = self.st.clone();
                let (fa, _) = self.run(body);
                let a = std::mem::replace(&mut self.st, before);
                let (fb, _) = self.run_if(rest, otherwise);
                let b = self.st.clone();
                (self.join(vec![(a, fa), (b, fb)]), None)
            }
        }
    }

    fn run_for(&mut self, var: &str, items: Option<&[Word]>, body: &Node) -> Outcome {
        let list: Option<Vec<Field>> = match items {
            None => self.st.positional.clone().filter(|v| v.iter().all(|f| f.known)),
            Some(words) => {
                let mut out = Vec::new();
                for w in words {
                    for f in self.expand(w, true).0 {
                        if f.known && w.has_glob() {
                            let found = self.index.glob(&self.bases(&f.text), &f.text);
                            if !found.is_empty() {
                                out.extend(found.into_iter().map(|text| Field { text, known: true }));
                                continue;
                            }
                        }
                        out.push(f);
                    }
                }
                out.iter().all(|f| f.known).then_some(out)
            }
        };
        let Some(fields) = list else {
            self.set_var(var, Var::Opaque);
            return (self.maybe(body, true), None);
        };
        for f in fields.into_iter().take(MAX_LOOP_ITEMS) {
            self.set_var(var, Var::Known(f.text));
            match self.run(body).0 {
                Flow::Normal | Flow::Continue(1) => {}
                Flow::Break(1) => break,
                Flow::Break(k) => return (Flow::Break(k - 1), None),
                Flow::Continue(k) => return (Flow::Continue(k - 1), None),
                flow @ (Flow::Return | Flow::Exit) => return (flow, None),
            }
        }
        (Flow::Normal, Some(true))
    }

    fn run_case(&mut self, word: &Word, arms: &[(Vec<Word>, Node)]) -> Outcome {
        let w = self.expand_joined(word);
        if w.known {
            for (i, (patterns, body)) in arms.iter().enumerate() {
                for p in patterns {
                    let pat = self.expand_joined(p);
                    if !pat.known {
                        return self.all_arms(&arms[i..]);
                    }
                    if resolve::glob_match(&pat.text, &w.text) {
                        return self.run(body);
                    }
                }
            }
            return (Flow::Normal, Some(true));
        }
        self.all_arms(arms)
    }

    /// Every arm of a `case` whose choice is unknown, each from the same state.
    fn all_arms(&mut self, arms: &[(Vec<Word>, Node)]) -> Outcome {
        let before = self.st.clone();
        let mut paths = Vec::new();
        for (_, body) in arms {
            self.st = before.clone();
            let (flow, _) = self.run(body);
            paths.push((std::mem::replace(&mut self.st, before.clone()), flow));
        }
        // Without a catch-all arm, no arm may match.
        if !arms.iter().any(|(p, _)| p.iter().any(|w| w.literal() == Some("*"))) {
            paths.push((before, Flow::Normal));
        }
        (self.join(paths), None)
    }

    fn simple(&mut self, s: &Simple) -> Outcome {
        if s.words.is_empty() {
            for a in &s.assigns {
                self.assign(a, false);
            }
            return (Flow::Normal, Some(true));
        }
        // Declarations read their assignments unsplit, as bash does.
        if let Some(b @ ("export" | "readonly" | "declare" | "typeset" | "local")) = s.words[0].literal() {
            self.declare(s, b);
            return (Flow::Normal, Some(true));
        }
        let (args, unknown_at) = self.expand_args(&s.words);
        self.command(s, args, unknown_at, None)
    }

    fn declare(&mut self, s: &Simple, builtin: &str) {
        let mut local = matches!(builtin, "local" | "declare" | "typeset") && !self.st.locals.is_empty();
        for w in &s.words[1..] {
            if let Some(a) = shell::assignment(w) {
                self.assign(&a, local);
                continue;
            }
            let f = self.expand_joined(w);
            if f.text.starts_with('-') || f.text.starts_with('+') {
                if f.text.contains('g') {
                    local = false;
                }
            } else if local && is_name(&f.text) {
                self.set_local(&f.text, Var::Unset);
            }
        }
    }

    fn command(&mut self, s: &Simple, args: Vec<Arg>, unknown_at: bool, cap: Option<i64>) -> Outcome {
        let Some(first) = args.first() else { return (Flow::Normal, Some(true)) };
        if !first.known {
            return (Flow::Normal, None);
        }
        let rest = &args[1..];
        match first.text.as_str() {
            "set" => {
                self.set_builtin(rest);
                (Flow::Normal, Some(true))
            }
            "unset" => {
                for a in rest.iter().filter(|a| is_name(&a.text)) {
                    self.unset(&a.text);
                }
                (Flow::Normal, Some(true))
            }
            "cd" => {
                self.cd(rest);
                (Flow::Normal, Some(true))
            }
            "pushd" => {
                let here = self.st.cwd.clone();
                self.st.dirs.push(here);
                self.cd(rest);
                (Flow::Normal, Some(true))
            }
            "popd" => {
                let prev = self.st.dirs.pop().unwrap_or(Cwd::Lost);
                self.st.oldpwd = std::mem::replace(&mut self.st.cwd, prev);
                (Flow::Normal, Some(true))
            }
            "source" | "." => self.source(rest),
            "exit" => (Flow::Exit, None),
            "return" => (Flow::Return, None),
            "break" | "continue" => {
                let n = rest.first().and_then(|a| a.text.parse::<u32>().ok()).unwrap_or(1).max(1);
                (if first.text == "break" { Flow::Break(n) } else { Flow::Continue(n) }, None)
            }
            "shift" => {
                let n = rest.first().and_then(|a| a.text.parse::<usize>().ok()).unwrap_or(1);
                if let Some(v) = &mut self.st.positional {
                    v.drain(..n.min(v.len()));
                }
                (Flow::Normal, Some(true))
            }
            "true" | ":" => (Flow::Normal, Some(true)),
            "false" => (Flow::Normal, Some(false)),
            b @ ("[" | "test" | "[[") => (Flow::Normal, self.test(b, rest)),
            "read" | "mapfile" | "readarray" | "getopts" => {
                for a in rest.iter().filter(|a| is_name(&a.text)) {
                    self.set_var(&a.text, Var::Opaque);
                }
                (Flow::Normal, None)
            }
            // Wrappers: the command they run is what counts.
            "command" | "builtin" | "exec" | "nohup" | "time" => {
                let skip = rest.iter().take_while(|a| a.text.starts_with('-')).count();
                self.command(s, rest[skip..].to_vec(), unknown_at, cap)
            }
            "env" => {
                let skip =
                    rest.iter().take_while(|a| a.text.starts_with('-') || shell_assignment_text(&a.text)).count();
                self.command(s, rest[skip..].to_vec(), unknown_at, cap)
            }
            "sudo" | "nice" => {
                let mut i = 0;
                while i < rest.len() && rest[i].text.starts_with('-') {
                    // Options that take a value in the next word.
                    i += if matches!(rest[i].text.as_str(), "-u" | "-g" | "-n" | "-C" | "-D" | "-h" | "-p") {
                        2
                    } else {
                        1
                    };
                }
                self.command(s, rest[i.min(rest.len())..].to_vec(), unknown_at, cap)
            }
            "timeout" => {
                let mut i = 0;
                while i < rest.len() && rest[i].text.starts_with('-') {
                    i += if matches!(rest[i].text.as_str(), "-s" | "-k") { 2 } else { 1 };
                }
                let Some(d) = rest.get(i) else { return (Flow::Normal, None) };
                // GNU timeout: a duration of 0 disables the timeout.
                let limit = commands::gnu_duration_ms(&d.text).filter(|ms| *ms > 0 && d.known);
                let cap = match (cap, limit) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                self.command(s, rest[i + 1..].to_vec(), unknown_at, cap)
            }
            name => {
                if let Some(f) = self.funcs.get(name).cloned() {
                    return self.call(name, &f, &args, unknown_at);
                }
                if let Some(tool) = commands::recognise(&args, &self.src.text) {
                    self.record(s.range, tool, cap);
                }
                (Flow::Normal, None)
            }
        }
    }

    fn set_builtin(&mut self, args: &[Arg]) {
        let mut i = 0;
        while i < args.len() {
            let t = args[i].text.as_str();
            if t == "--" {
                self.st.positional =
                    Some(args[i + 1..].iter().map(|a| Field { text: a.text.clone(), known: a.known }).collect());
                return;
            }
            let on = t.starts_with('-');
            if t.len() > 1 && (on || t.starts_with('+')) && t[1..].chars().all(|c| c.is_ascii_alphabetic()) {
                if t[1..].contains('e') {
                    self.st.errexit = on;
                }
                if t[1..].contains('o') {
                    // `-o NAME` (also inside a cluster: `-euo pipefail`).
                    i += 1;
                    if args.get(i).is_some_and(|a| a.text == "errexit") {
                        self.st.errexit = on;
                    }
                }
                i += 1;
                continue;
            }
            self.st.positional =
                Some(args[i..].iter().map(|a| Field { text: a.text.clone(), known: a.known }).collect());
            return;
        }
    }

    fn test(&self, builtin: &str, args: &[Arg]) -> Option<bool> {
        let mut a: Vec<&Arg> = args.iter().collect();
        match builtin {
            "[" if a.last()?.text == "]" => {
                a.pop();
            }
            "[[" if a.last()?.text == "]]" => {
                a.pop();
            }
            "test" => {}
            _ => return None,
        }
        if a.iter().any(|x| !x.known) {
            return None;
        }
        let t: Vec<&str> = a.iter().map(|x| x.text.as_str()).collect();
        eval_test(&t, builtin == "[[")
    }

    /// A path written from the script's own location (`$0`, `BASH_SOURCE`): displayed paths
    /// are its frame, whatever directory the script was started in.
    fn anchored(&self, path: &str) -> bool {
        let own = |dir: &str| !dir.is_empty() && (path == dir || path.starts_with(&format!("{dir}/")));
        own(&self.script_dirs[0]) || own(&resolve::dirname(&resolve::normalize(&self.src.path)))
    }

    fn cd(&mut self, args: &[Arg]) {
        let target = args.iter().find(|a| !(a.text.len() > 1 && a.text.starts_with('-')));
        let new = match target {
            None => Cwd::Lost,
            Some(a) if !a.known || a.text.starts_with('~') => Cwd::Lost,
            Some(a) if a.text == "-" => self.st.oldpwd.clone(),
            Some(a) if a.text.starts_with('/') || self.anchored(&a.text) => Cwd::At(resolve::normalize(&a.text)),
            Some(a) => match &self.st.cwd {
                Cwd::At(c) => Cwd::At(resolve::join(c, &a.text)),
                Cwd::Start(r) => Cwd::Start(resolve::join(r, &a.text)),
                Cwd::Lost => Cwd::Lost,
            },
        };
        self.st.oldpwd = std::mem::replace(&mut self.st.cwd, new);
    }

    /// Where a relative path written in the script may be rooted, most likely first: the
    /// directory the script changed to, then the script's directory and its ancestors (scripts
    /// are usually run from the repository root, an ancestor of their directory).
    fn bases(&self, path: &str) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        if self.anchored(path) {
            v.push(String::new());
        }
        match &self.st.cwd {
            Cwd::At(c) => v.push(c.clone()),
            Cwd::Start(r) if !r.is_empty() => v.extend(self.script_dirs.iter().map(|a| resolve::join(a, r))),
            _ => {}
        }
        v.extend(self.script_dirs.iter().cloned());
        let mut seen = BTreeSet::new();
        v.retain(|b| seen.insert(b.clone()));
        v
    }

    fn source(&mut self, args: &[Arg]) -> Outcome {
        let Some(a) = args.first().filter(|a| a.known) else { return (Flow::Normal, None) };
        let Some(file) = self.index.locate(&self.bases(&a.text), &a.text).and_then(|p| self.index.file(&p)) else {
            return (Flow::Normal, None);
        };
        if self.sourcing.contains(&file) {
            return (Flow::Normal, None);
        }
        let f = self.db.get(file);
        let node = shell::parse(&f.text, 0, f.text.len());
        let saved = std::mem::replace(&mut self.src, Src { file, text: f.text.clone(), path: f.path.clone() });
        self.sourcing.push(file);
        let (flow, s) = self.run(&node);
        self.sourcing.pop();
        self.src = saved;
        (if flow == Flow::Exit { Flow::Exit } else { Flow::Normal }, s)
    }

    fn call(&mut self, name: &str, f: &Func, args: &[Arg], unknown_at: bool) -> Outcome {
        if self.calls.iter().any(|c| c == name) || self.calls.len() >= MAX_CALL_DEPTH {
            return (Flow::Normal, None);
        }
        self.calls.push(name.to_string());
        let params =
            (!unknown_at).then(|| args[1..].iter().map(|a| Field { text: a.text.clone(), known: a.known }).collect());
        let saved_positional = std::mem::replace(&mut self.st.positional, params);
        self.st.locals.push(BTreeMap::new());
        let saved_src = std::mem::replace(&mut self.src, f.src.clone());
        let (flow, s) = self.run(&f.body);
        self.src = saved_src;
        self.st.locals.pop();
        self.st.positional = saved_positional;
        self.calls.pop();
        (if flow == Flow::Exit { Flow::Exit } else { Flow::Normal }, s)
    }

    // -- steps -----------------------------------------------------------------------------

    fn record(&mut self, range: Range, tool: Tool, cap: Option<i64>) {
        let capped = |b: Bound| match (b, cap) {
            (b, None) | (b @ Bound::Once, _) => b,
            (Bound::Unbounded, Some(c)) => Bound::Millis(c),
            (Bound::Millis(x) | Bound::Default(x), Some(c)) if c < x => Bound::Millis(c),
            (b, _) => b,
        };
        let action = match tool {
            Tool::Apply { files, kustomize, recursive } => {
                let mut paths = Vec::new();
                let mut objects = Vec::new();
                for f in &files {
                    paths.push(Spanned::new(f.text.clone(), f.span));
                    if f.known && f.text != "-" && !f.text.contains("://") {
                        objects.extend(self.index.apply(&self.bases(&f.text), &f.text, recursive));
                    }
                }
                if let Some(k) = &kustomize {
                    paths.push(Spanned::new(k.text.clone(), k.span));
                    if k.known && !k.text.contains("://") {
                        objects.extend(self.index.kustomize(&self.bases(&k.text), &k.text));
                    }
                }
                self.applied.extend(objects.iter().copied());
                PlanAction::Apply { paths, objects }
            }
            Tool::Wait { condition, targets, timeout } => {
                let (targets, objects) = self.targets(&targets, range);
                PlanAction::Wait { condition, targets, objects, timeout: capped(timeout) }
            }
            Tool::Rollout { targets, timeout } => {
                let (targets, objects) = self.targets(&targets, range);
                PlanAction::RolloutStatus { targets, objects, timeout: capped(timeout) }
            }
            Tool::Helm { release, chart, wait, timeout } => {
                PlanAction::Helm { release, chart, wait, timeout: capped(timeout) }
            }
            Tool::Sleep { millis } => PlanAction::Sleep { millis: cap.map_or(millis, |c| millis.min(c)) },
        };
        let step = PlanStep { span: self.span(range), action };
        self.steps.push((step, self.st.errexit));
        if self.steps.len() >= MAX_STEPS {
            self.budget = 0;
        }
    }

    /// Objects a wait is about. Among objects that match, those this script applied earlier
    /// win over others of the same kind and name elsewhere in the inputs.
    fn targets(&self, t: &Targets, range: Range) -> (Vec<(String, String)>, Vec<ObjectId>) {
        let p = self.index.platform;
        let ns = t.namespace.as_deref();
        let prefer = |ids: Vec<ObjectId>| -> Vec<ObjectId> {
            let mine: Vec<ObjectId> = ids.iter().copied().filter(|i| self.applied.contains(i)).collect();
            if mine.is_empty() { ids } else { mine }
        };
        let mut targets = Vec::new();
        let mut objects = Vec::new();
        for (k, n) in &t.named {
            let kind = resolve::canonical_kind(k, p);
            objects.extend(prefer(resolve::objects_named(p, &kind, Some(n), ns)));
            targets.push((kind, n.clone()));
        }
        if !t.kinds.is_empty() {
            let selector = match &t.selector {
                Some(s) => resolve::parse_selector(s, self.span(range)),
                None => Some(LabelSelector::default()),
            };
            for k in &t.kinds {
                let kind = resolve::canonical_kind(k, p);
                if let Some(sel) = &selector {
                    objects.extend(prefer(resolve::objects_selected(p, &kind, sel, ns)));
                }
                targets.push((kind, String::new()));
            }
        }
        let mut from_files = Vec::new();
        for f in t.files.iter().filter(|f| f.known && f.text != "-" && !f.text.contains("://")) {
            from_files.extend(self.index.apply(&self.bases(&f.text), &f.text, t.recursive));
        }
        if let Some(k) = t.kustomize.as_ref().filter(|k| k.known) {
            from_files.extend(self.index.kustomize(&self.bases(&k.text), &k.text));
        }
        for id in from_files {
            let o = p.object(id);
            targets.push((o.kind.value.clone(), o.name_str().to_string()));
            objects.push(id);
        }
        let mut seen = BTreeSet::new();
        objects.retain(|id| seen.insert(*id));
        (targets, objects)
    }
}

/// `NAME=value` as an argument (`env A=1 cmd`).
fn shell_assignment_text(s: &str) -> bool {
    s.split_once('=').is_some_and(|(n, _)| is_name(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_builtins() {
        assert_eq!(dirname_cmd("a/b/c.sh"), "a/b");
        assert_eq!(dirname_cmd("c.sh"), ".");
        assert_eq!(dirname_cmd("/c.sh"), "/");
        assert_eq!(dirname_cmd("a/b/"), "a");
        assert_eq!(basename_cmd("a/b/c.sh", Some(".sh")), "c");
        assert_eq!(trim("a/b/c", "*/", true, false), "b/c");
        assert_eq!(trim("a/b/c", "*/", true, true), "c");
        assert_eq!(trim("a/b/c", "/*", false, false), "a/b");
        assert_eq!(trim("a/b/c", "/*", false, true), "a");
    }

    #[test]
    fn shebang_options() {
        assert!(shebang_errexit("#!/bin/bash -e\n"));
        assert!(shebang_errexit("#!/usr/bin/env -S bash -eu\n"));
        assert!(!shebang_errexit("#!/usr/bin/env bash\n"));
        assert!(!shebang_errexit("#!/bin/sh -x\n"));
    }

    #[test]
    fn tests_over_known_words() {
        assert_eq!(eval_test(&["-z", ""], false), Some(true));
        assert_eq!(eval_test(&["prod", "=", "prod"], false), Some(true));
        assert_eq!(eval_test(&["production", "==", "prod*"], true), Some(true));
        assert_eq!(eval_test(&["!", "a", "!=", "a"], false), Some(true));
        assert_eq!(eval_test(&["3", "-gt", "2"], false), Some(true));
        assert_eq!(eval_test(&["-f", "x"], false), None);
    }
}
