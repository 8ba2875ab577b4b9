//! The walk over the tree: lists, and-or lists, pipelines, branches and loops, with the flow
//! of `exit`/`return`/`break`/`continue` and the joining of states where the branch taken is
//! unknown.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::{Cwd, Frame, Func, Hooks, Interp, State, Value, Var, paths};
use crate::shell::ast::{LoopKind, Node, Simple};
use crate::shell::word::{Assign, Word, assignment, is_name};

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Flow {
    Normal,
    Break(u32),
    Continue(u32),
    Return,
    Exit,
}

/// How a command ended, and its exit status when it is known statically.
pub(super) type Outcome = (Flow, Option<bool>);

/// Joins the states of the paths that flow on: what they disagree on becomes unknown.
fn merge(mut states: Vec<State>) -> State {
    fn vars(a: &mut BTreeMap<String, Var>, b: &BTreeMap<String, Var>) {
        let opaque = || Var::Set(Value { text: String::new(), known: false, origin: None });
        for (k, v) in a.iter_mut() {
            if b.get(k) != Some(v) {
                *v = opaque();
            }
        }
        for k in b.keys() {
            a.entry(k.clone()).or_insert_with(opaque);
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

impl<H: Hooks> Interp<'_, H> {
    pub(super) fn run(&mut self, node: &Node) -> Outcome {
        if self.core.budget == 0 {
            return (Flow::Exit, None);
        }
        self.core.budget -= 1;
        if let Some(ends) = self.core.cond
            && !matches!(node, Node::Seq(_) | Node::And(..) | Node::Or(..) | Node::Not(_))
        {
            // A pipeline of a loop's condition.
            if self.hooks.skip_condition(&self.core, node, ends) {
                return (Flow::Normal, None);
            }
            self.core.cond = None;
            let out = self.run(node);
            self.core.cond = Some(ends);
            return out;
        }
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
            Node::And(a, b) | Node::Or(a, b) => {
                let and = matches!(node, Node::And(..));
                let (flow, s) = self.run(a);
                if flow != Flow::Normal {
                    return (flow, s);
                }
                match s {
                    Some(x) if x == and => self.run(b),
                    Some(x) => (Flow::Normal, Some(x)),
                    None => (self.maybe(b, false), None),
                }
            }
            Node::Not(a) => {
                let saved = self.core.cond;
                self.core.cond = saved.map(|w| !w);
                let (flow, s) = self.run(a);
                self.core.cond = saved;
                (flow, s.map(|x| !x))
            }
            Node::Pipe(items) => {
                // Each command of a pipeline runs in a subshell.
                let mut status = None;
                for n in items {
                    let saved = self.core.st.clone();
                    status = self.run(n).1;
                    self.core.st = saved;
                }
                (Flow::Normal, status)
            }
            Node::Subshell(a, _) => {
                let saved = self.core.st.clone();
                let (flow, s) = self.run(a);
                self.core.st = saved;
                // The budget ran out: stop, even from inside a subshell.
                (if self.core.budget == 0 { flow } else { Flow::Normal }, s)
            }
            Node::Group(a, _) => self.run(a),
            Node::If { arms, otherwise, .. } => self.run_if(arms, otherwise.as_deref()),
            Node::For { .. } => self.run_for(node),
            Node::Loop { kind, cond, body, range } => {
                self.enter_loop(node, *range);
                let saved = self.core.cond;
                self.core.cond = match kind {
                    LoopKind::Until => Some(true),
                    LoopKind::While => Some(false),
                    LoopKind::Arith(_) => None,
                };
                let (flow, s) = self.run(cond);
                self.core.cond = saved;
                let out = if flow != Flow::Normal { (flow, s) } else { (self.maybe(body, true), None) };
                self.leave_loop();
                out
            }
            Node::Case { word, arms, .. } => self.run_case(word, arms),
            Node::Func { name, body, .. } => {
                let f = Func { body: body.clone(), script: self.core.script.clone() };
                self.core.funcs.insert(name.clone(), Rc::new(f));
                (Flow::Normal, Some(true))
            }
        }
    }

    fn enter_loop(&mut self, node: &Node, range: crate::shell::word::Range) {
        let span = self.core.span(range);
        self.hooks.enter_loop(&self.core, node);
        self.core.frames.push(Frame::Loop { span });
    }

    fn leave_loop(&mut self) {
        self.core.frames.pop();
        self.hooks.leave_loop();
    }

    /// Runs `n` or not, not knowing which: joins both outcomes.
    fn maybe(&mut self, n: &Node, in_loop: bool) -> Flow {
        let before = self.core.st.clone();
        let (mut flow, _) = self.run(n);
        if in_loop {
            flow = match flow {
                Flow::Break(1) | Flow::Continue(1) => Flow::Normal,
                Flow::Break(k) => Flow::Break(k - 1),
                Flow::Continue(k) => Flow::Continue(k - 1),
                f => f,
            };
        }
        let after = std::mem::replace(&mut self.core.st, before.clone());
        self.join(vec![(before, Flow::Normal), (after, flow)])
    }

    fn join(&mut self, paths: Vec<(State, Flow)>) -> Flow {
        let (cont, stopped): (Vec<_>, Vec<_>) = paths.into_iter().partition(|(_, f)| *f == Flow::Normal);
        if cont.is_empty() {
            // Every path stops here: an `exit` on any of them wins.
            let flow = if stopped.iter().any(|(_, f)| *f == Flow::Exit) { Flow::Exit } else { stopped[0].1 };
            if let Some((s, _)) = stopped.into_iter().next() {
                self.core.st = s;
            }
            return flow;
        }
        self.core.st = merge(cont.into_iter().map(|(s, _)| s).collect());
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
                let before = self.core.st.clone();
                let (fa, _) = self.run(body);
                let a = std::mem::replace(&mut self.core.st, before);
                let (fb, _) = self.run_if(rest, otherwise);
                let b = self.core.st.clone();
                (self.join(vec![(a, fa), (b, fb)]), None)
            }
        }
    }

    /// The items of a `for` list, expanded (globs against what the client knows of); None when
    /// any is unknown.
    fn for_items(&mut self, items: Option<&[Word]>) -> Option<Vec<Value>> {
        let Some(words) = items else {
            return self.core.st.positional.clone().filter(|v| v.iter().all(|f| f.known));
        };
        let mut out = Vec::new();
        for w in words {
            let fields = self.expand(w, true).0;
            let origin = (fields.len() == 1).then(|| self.located_word(w));
            for f in fields {
                if f.known && w.has_glob() {
                    let found = self.hooks.glob(&self.core, &f.text);
                    if !found.is_empty() {
                        out.extend(found.into_iter().map(|text| Value { text, known: true, origin: None }));
                        continue;
                    }
                }
                out.push(Value { text: f.text, known: f.known, origin: origin.clone() });
            }
        }
        out.iter().all(|f| f.known).then_some(out)
    }

    fn run_for(&mut self, node: &Node) -> Outcome {
        let Node::For { var, items, body, range } = node else { return (Flow::Normal, None) };
        let list = self.for_items(items.as_deref());
        let unroll = match &list {
            Some(_) => self.hooks.unroll(&self.core, node),
            None => None,
        };
        let (Some(values), Some(limit)) = (list, unroll) else {
            self.set_var(var, Value { text: String::new(), known: false, origin: None });
            self.enter_loop(node, *range);
            let flow = self.maybe(body, true);
            self.leave_loop();
            return (flow, None);
        };
        for v in values.into_iter().take(limit) {
            self.set_var(var, v);
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
                    if paths::glob_match(&pat.text, &w.text) {
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
        let before = self.core.st.clone();
        let mut paths = Vec::new();
        for (_, body) in arms {
            self.core.st = before.clone();
            let (flow, _) = self.run(body);
            paths.push((std::mem::replace(&mut self.core.st, before.clone()), flow));
        }
        // Without a catch-all arm, no arm may match.
        if !arms.iter().any(|(p, _)| p.iter().any(|w| w.literal() == Some("*"))) {
            paths.push((before, Flow::Normal));
        }
        (self.join(paths), None)
    }

    fn simple(&mut self, s: &Simple) -> Outcome {
        let here = self.core.span(s.range);
        if s.words.is_empty() {
            for a in &s.assigns {
                self.assign(a, false);
            }
            self.redirects(s, here);
            return (Flow::Normal, Some(true));
        }
        // Declarations read their assignments unsplit, as bash does.
        if let Some(b @ ("export" | "readonly" | "declare" | "typeset" | "local")) = s.words[0].literal() {
            self.declare(s, b);
            return (Flow::Normal, Some(true));
        }
        for a in &s.assigns {
            if let Some(v) = &a.value {
                self.expand(v, false);
            }
        }
        let (args, unknown_at) = self.expand_args(&s.words);
        self.redirects(s, here);
        let words: Vec<_> = s.words.iter().map(|w| self.located_word(w)).collect();
        self.command_at(args, &words, Some(here), Some(s.range), unknown_at)
    }

    /// Redirection targets: expanded (their substitutions run first), then shown to the client.
    fn redirects(&mut self, s: &Simple, here: crate::Span) {
        for r in &s.redirects {
            self.expand(r, true);
        }
        for r in &s.redirects {
            let target = self.located_word(r);
            self.hooks.redirect(&self.core, &target, here);
        }
    }

    fn declare(&mut self, s: &Simple, builtin: &str) {
        let mut local = matches!(builtin, "local" | "declare" | "typeset") && !self.core.st.locals.is_empty();
        for w in &s.words[1..] {
            if let Some(a) = assignment(w) {
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

    // -- variables -------------------------------------------------------------------------

    pub(super) fn set_var(&mut self, name: &str, v: Value) {
        self.set_slot(name, Var::Set(v));
    }

    fn set_slot(&mut self, name: &str, v: Var) {
        for frame in self.core.st.locals.iter_mut().rev() {
            if let Some(slot) = frame.get_mut(name) {
                *slot = v;
                return;
            }
        }
        self.core.st.globals.insert(name.to_string(), v);
    }

    fn set_local(&mut self, name: &str, v: Var) {
        match self.core.st.locals.last_mut() {
            Some(frame) => {
                frame.insert(name.to_string(), v);
            }
            None => self.set_slot(name, v),
        }
    }

    pub(super) fn unset(&mut self, name: &str) {
        for frame in self.core.st.locals.iter_mut().rev() {
            if let Some(slot) = frame.get_mut(name) {
                *slot = Var::Unset;
                return;
            }
        }
        self.core.st.globals.remove(name);
    }

    fn assign(&mut self, a: &Assign, local: bool) {
        let mut v = match &a.value {
            None => Value { text: String::new(), known: false, origin: None },
            Some(w) => {
                let f = self.expand_joined(w);
                let whole = self.located_word(&a.word);
                let eq = whole.text.find('=').map_or(0, |i| i + 1);
                Value { text: f.text, known: f.known, origin: Some(whole.tail(self.core.db, eq)) }
            }
        };
        if a.append {
            v = match (self.core.lookup(&a.name), v) {
                (Some(Var::Set(old)), new) if old.known && new.known => {
                    Value { text: old.text + &new.text, known: true, origin: None }
                }
                (None, v) => v,
                _ => Value { text: String::new(), known: false, origin: None },
            };
        }
        if local { self.set_local(&a.name, Var::Set(v)) } else { self.set_var(&a.name, v) }
    }
}
