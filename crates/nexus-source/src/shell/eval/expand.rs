//! Expansion: words into fields (parameters, defaults, trims, `$@`, splitting on blanks, the
//! few command substitutions that can be computed), and words located where they are written.

use super::paths::{self, basename_cmd, dirname_cmd, display, trim};
use super::{Arg, Cwd, Hooks, Interp, MAX_SUBST_DEPTH, Value, Var};
use crate::shell::ast::Node;
use crate::shell::located::Located;
use crate::shell::word::{Param, ParamOp, Part, Range, Word, is_name};

/// One word after expansion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Field {
    pub text: String,
    pub known: bool,
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

/// How many bytes of a word cost one unit of the budget, as one node does.
const BYTES_PER_UNIT: usize = 64;

impl<H: Hooks> Interp<'_, H> {
    fn raw(&self, r: Range) -> String {
        r.slice(&self.core.script.src.text).to_string()
    }

    /// A word of the script being read, as written (quotes removed), located.
    pub(super) fn located_word(&self, w: &Word) -> Located {
        let src = &self.core.script.src;
        let (a, b) = w.range.usize();
        src.word(self.core.db, a, b, &w.text(&src.text))
    }

    /// Charges expanding `w` to the budget: a unit per [`BYTES_PER_UNIT`] bytes of it, so that a
    /// long word read again and again (in an unrolled loop) costs what it weighs, not one node.
    fn charge(&mut self, w: &Word) {
        let (a, b) = w.range.usize();
        let cost = (b.saturating_sub(a) / BYTES_PER_UNIT) as u32;
        self.core.budget = self.core.budget.saturating_sub(cost);
    }

    pub(super) fn expand(&mut self, w: &Word, split: bool) -> (Vec<Field>, bool) {
        self.charge(w);
        let mut b = Builder::default();
        self.parts(&w.parts, false, split, &mut b);
        let unknown_at = b.unknown_at;
        (b.finish(), unknown_at)
    }

    /// A word as one string, without splitting (assignments, `case` words, patterns).
    pub(super) fn expand_joined(&mut self, w: &Word) -> Field {
        self.charge(w);
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

    /// The words of a command, expanded; and whether an unknown `$@` was among them.
    pub(super) fn expand_args(&mut self, words: &[Word]) -> (Vec<Arg>, bool) {
        let mut out = Vec::new();
        let mut unknown_at = false;
        for (i, w) in words.iter().enumerate() {
            let (fields, ua) = self.expand(w, true);
            unknown_at |= ua;
            let span = self.core.span(w.range);
            out.extend(fields.into_iter().map(|f| Arg { text: f.text, known: f.known, span, word: i }));
        }
        (out, unknown_at)
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
                return match (&self.core.st.positional, p.op) {
                    (Some(v), ParamOp::Plain) if v.iter().all(|f| f.known) => {
                        PVal::List(v.iter().map(|f| f.text.clone()).collect())
                    }
                    (Some(v), ParamOp::Length) => PVal::Str(v.len().to_string()),
                    (None, ParamOp::Plain) if name == "@" => PVal::UnknownAt,
                    _ => PVal::Unknown,
                };
            }
            "#" => {
                return match (&self.core.st.positional, p.op) {
                    (Some(v), ParamOp::Plain) => PVal::Str(v.len().to_string()),
                    _ => PVal::Unknown,
                };
            }
            "0" => Some(Var::Set(self.core.zero.clone())),
            "BASH_SOURCE" => Some(match p.index.as_deref() {
                None | Some("0") => known(self.core.script.path.clone()),
                _ => opaque(),
            }),
            n if n.bytes().all(|c| c.is_ascii_digit()) && !n.is_empty() => match &self.core.st.positional {
                Some(v) => n.parse::<usize>().ok().and_then(|i| v.get(i.checked_sub(1)?)).map(|f| Var::Set(f.clone())),
                None => Some(opaque()),
            },
            "?" | "$" | "!" | "-" | "" => Some(opaque()),
            "PWD" => Some(match &self.core.st.cwd {
                Cwd::At(c) => known(display(c)),
                _ => opaque(),
            }),
            // Arrays are not modelled; `${X[0]}` of a plain variable is the variable.
            n if p.index.is_some() => match p.index.as_deref() {
                Some("0") => self.core.lookup(n).map(|v| match v {
                    Var::Set(v) if v.known => Var::Set(v),
                    _ => opaque(),
                }),
                _ => Some(opaque()),
            },
            n => self.core.lookup(n),
        };
        let (val, opaque) = match value {
            Some(Var::Set(v)) if v.known => (Some(v.text), false),
            Some(Var::Set(_)) => (None, true),
            _ => (None, false),
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
                        self.set_var(name, Value { text: d.text.clone(), known: d.known, origin: None });
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

    /// A command substitution: shown to the client if it asked, and its output when the
    /// command is a pure one we can compute. `$(NAME)` of an environment variable is that
    /// variable (Kubernetes expands it before the shell runs).
    fn cmdsub(&mut self, body: Range) -> Option<String> {
        if self.core.budget == 0 || self.core.subst_depth >= MAX_SUBST_DEPTH {
            return None;
        }
        self.core.budget -= 1;
        let src = self.core.script.src.clone();
        let inner = body.slice(&src.text);
        if is_name(inner)
            && let Some(v) = self.core.env(inner)
        {
            return Some(v.text);
        }
        let (a, b) = body.usize();
        let node = crate::shell::parse(&src.text, a, b);
        let saved = self.core.st.clone();
        self.core.subst_depth += 1;
        if self.core.opts.walk_substitutions && !self.core.capturing {
            self.run(&node);
            self.core.st = saved.clone();
        }
        let capturing = std::mem::replace(&mut self.core.capturing, true);
        let out = self.capture(&node);
        self.core.capturing = capturing;
        self.core.subst_depth -= 1;
        self.core.st = saved;
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
            Node::Group(a, _) | Node::Subshell(a, _) => self.capture(a),
            Node::Simple(s) => {
                if s.words.is_empty() {
                    for a in &s.assigns {
                        if let Some(w) = &a.value {
                            let f = self.expand_joined(w);
                            self.set_var(&a.name, Value { text: f.text, known: f.known, origin: None });
                        }
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
                let argv: Vec<&str> = args.iter().map(|a| a.text.as_str()).collect();
                self.pure(&argv)
            }
            _ => None,
        }
    }

    /// The output of a command that only computes a string.
    fn pure(&mut self, argv: &[&str]) -> Option<String> {
        let Some((&cmd, rest)) = argv.split_first() else { return Some(String::new()) };
        let operands: Vec<&str> = rest.iter().copied().filter(|a| !a.starts_with('-') || *a == "-").collect();
        match cmd {
            "cd" => {
                self.cd(&rest.iter().map(|a| (*a, true)).collect::<Vec<_>>());
                Some(String::new())
            }
            "pwd" => match &self.core.st.cwd {
                Cwd::At(c) => Some(display(c) + "\n"),
                _ => None,
            },
            "dirname" => Some(operands.iter().map(|p| dirname_cmd(p) + "\n").collect()),
            "basename" => Some(basename_cmd(operands.first()?, operands.get(1).copied()) + "\n"),
            "realpath" | "readlink" => {
                if cmd == "readlink" && !rest.iter().any(|a| matches!(*a, "-f" | "-e" | "-m")) {
                    return None;
                }
                let p = operands.first()?;
                let full = if p.starts_with('/') || self.core.anchored(p) {
                    paths::normalize(p)
                } else {
                    match &self.core.st.cwd {
                        Cwd::At(c) => paths::join(c, p),
                        _ => return None,
                    }
                };
                Some(display(&full) + "\n")
            }
            "echo" => {
                let (newline, words) = match rest.first() {
                    Some(&"-n") => (false, &rest[1..]),
                    _ => (true, rest),
                };
                Some(words.join(" ") + if newline { "\n" } else { "" })
            }
            "printf" if matches!(rest.first(), Some(&("%s" | "%s\\n"))) => Some(rest[1..].concat()),
            "true" | ":" => Some(String::new()),
            _ => None,
        }
    }
}

fn known(text: String) -> Var {
    Var::Set(Value { text, known: true, origin: None })
}

fn opaque() -> Var {
    Var::Set(Value { text: String::new(), known: false, origin: None })
}
