//! Simple commands: the builtins that change what the evaluator knows (`set`, `cd`, `source`,
//! `exit`, `shift`, tests, …), the wrappers it sees through (`exec`, `env`, `sudo`, `timeout`,
//! …), nested shells (`sh -c BODY`), function calls, and, for everything else, the client.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::walk::{Flow, Outcome};
use super::{Arg, Command, Cwd, Frame, Func, Hooks, Interp, MAX_CALL_DEPTH, MAX_SHELL_DEPTH, Script, Value, paths};
use crate::Span;
use crate::shell::located::Located;
use crate::shell::word::{Range, is_assignment_text, is_name};

/// A `sleep`/`timeout` duration in milliseconds: a number of seconds with an optional `s`, `m`,
/// `h` or `d` suffix (GNU coreutils `sleep`, `timeout`).
pub fn seconds_ms(t: &str) -> Option<i64> {
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

/// `timeout [-s SIG] [-k D] [--foreground] [--preserve-status] [-v] DURATION CMD …` (GNU
/// coreutils: "DURATION is a floating point number with an optional suffix: 's' for seconds (the
/// default), 'm' for minutes, 'h' for hours or 'd' for days. A duration of 0 disables the
/// associated timeout"), and old BusyBox's `timeout -t SECS CMD`. Returns the deadline (None
/// when 0 or unknown) and where the command starts.
fn timeout_cmd(args: &[Arg]) -> (Option<i64>, Option<usize>) {
    let mut i = 0;
    let mut duration = None;
    let ms = |d: &Arg| if d.known { seconds_ms(&d.text) } else { None };
    while i < args.len() {
        let t = args[i].text.as_str();
        match t {
            "-s" | "--signal" | "-k" | "--kill-after" => i += 1,
            "-t" => {
                duration = args.get(i + 1).map(ms);
                i += 1;
            }
            "--" => {
                i += 1;
                break;
            }
            _ if t.starts_with('-') && t.len() > 1 && !t[1..].starts_with(|c: char| c.is_ascii_digit()) => {}
            _ => break,
        }
        i += 1;
    }
    if duration.is_none() {
        duration = args.get(i).map(ms);
        i += 1;
    }
    let ms = duration.flatten().filter(|&ms| ms > 0);
    (ms, (i < args.len()).then_some(i))
}

/// The program's name without its directory (`/usr/bin/env` → `env`).
fn program(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// Where the wrapped command starts among a wrapper's arguments, for wrappers that run one.
fn wrapped(prog: &str, rest: &[Arg]) -> Option<usize> {
    let skip_options = |takes_value: &[&str]| {
        let mut i = 0;
        while i < rest.len() && rest[i].text.starts_with('-') {
            i += if takes_value.contains(&rest[i].text.as_str()) { 2 } else { 1 };
        }
        i.min(rest.len())
    };
    Some(match prog {
        "exec" | "command" | "builtin" | "nohup" | "time" | "busybox" => skip_options(&[]),
        "env" => rest.iter().take_while(|a| a.text.starts_with('-') || is_assignment_text(&a.text)).count(),
        "sudo" | "nice" | "stdbuf" | "tini" | "dumb-init" => skip_options(&["-u", "-g", "-n", "-C", "-D", "-h", "-p"]),
        "gosu" | "su-exec" => 1.min(rest.len()),
        _ => return None,
    })
}

impl<H: Hooks> Interp<'_, H> {
    /// One command; `words` are its words as written, `here` its span in a script.
    pub(super) fn command(
        &mut self,
        args: Vec<Arg>,
        words: &[Located],
        here: Option<Span>,
        range: Option<Range>,
    ) -> Outcome {
        self.command_at(args, words, here, range, false)
    }

    pub(super) fn command_at(
        &mut self,
        args: Vec<Arg>,
        words: &[Located],
        here: Option<Span>,
        range: Option<Range>,
        unknown_at: bool,
    ) -> Outcome {
        let Some(first) = args.first() else { return (Flow::Normal, Some(true)) };
        if !first.known {
            return (Flow::Normal, None);
        }
        let rest = &args[1..];
        // The words from the program's on.
        let own = &words[first.word.min(words.len())..];
        let prog = program(&first.text);
        if let Some(i) = wrapped(prog, rest) {
            return self.command_at(rest[i..].to_vec(), words, here, range, unknown_at);
        }
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
                self.cd(&rest.iter().map(|a| (a.text.as_str(), a.known)).collect::<Vec<_>>());
                (Flow::Normal, Some(true))
            }
            "pushd" => {
                let here = self.core.st.cwd.clone();
                self.core.st.dirs.push(here);
                self.cd(&rest.iter().map(|a| (a.text.as_str(), a.known)).collect::<Vec<_>>());
                (Flow::Normal, Some(true))
            }
            "popd" => {
                let prev = self.core.st.dirs.pop().unwrap_or(Cwd::Lost);
                self.core.st.oldpwd = std::mem::replace(&mut self.core.st.cwd, prev);
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
                if let Some(v) = &mut self.core.st.positional {
                    v.drain(..n.min(v.len()));
                }
                (Flow::Normal, Some(true))
            }
            "true" | ":" => (Flow::Normal, Some(true)),
            "false" => (Flow::Normal, Some(false)),
            b @ ("[" | "test" | "[[") => (Flow::Normal, test(b, rest)),
            "read" | "mapfile" | "readarray" | "getopts" => {
                for a in rest.iter().filter(|a| is_name(&a.text)) {
                    self.set_var(&a.text, Value { text: String::new(), known: false, origin: None });
                }
                (Flow::Normal, None)
            }
            "timeout" => {
                let (ms, start) = timeout_cmd(rest);
                let Some(i) = start else { return (Flow::Normal, None) };
                if let Some(ms) = ms {
                    self.core.frames.push(Frame::Timeout { ms, span: here });
                }
                let out = self.command_at(rest[i..].to_vec(), words, here, range, unknown_at);
                if ms.is_some() {
                    self.core.frames.pop();
                }
                out
            }
            _ if matches!(prog, "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh" | "mksh") => self.shell(own),
            name => {
                if here.is_some()
                    && let Some(f) = self.core.funcs.get(name).cloned()
                {
                    return self.call(name, &f, &args, words, here, unknown_at);
                }
                let reply = self.hooks.command(&self.core, &Command { args: &args, words: own, here, range });
                if let Some(t) = reply.then {
                    let base = args[0].word;
                    if let Some(j) = args.iter().position(|a| a.word >= base + t) {
                        return self.command_at(args[j..].to_vec(), words, here, range, unknown_at);
                    }
                }
                (Flow::Normal, reply.status)
            }
        }
    }

    /// `sh [options] -c BODY [$0 [$1 …]]`: BODY read as a script in a child shell.
    fn shell(&mut self, words: &[Located]) -> Outcome {
        let args = &words[1.min(words.len())..];
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
        let Some(body) = args.get(i).filter(|_| dash_c) else { return (Flow::Normal, None) };
        if self.core.shell_depth >= MAX_SHELL_DEPTH {
            return (Flow::Normal, None);
        }
        let value = |l: Located| Value { text: l.text.clone(), known: true, origin: Some(l) };
        let mut params: Vec<Value> = args[i + 1..].iter().map(|w| value(self.core.resolve(w))).collect();
        let zero = if params.is_empty() { value(words[0].clone()) } else { params.remove(0) };
        let saved_zero = std::mem::replace(&mut self.core.zero, zero);
        let saved = self.core.st.clone();
        self.core.st.positional = Some(params);
        self.core.shell_depth += 1;
        let script = Script { src: Rc::new(body.clone()), path: self.core.script.path.clone() };
        self.run_text(script);
        self.core.shell_depth -= 1;
        self.core.st = saved;
        self.core.zero = saved_zero;
        (Flow::Normal, None)
    }

    fn call(
        &mut self,
        name: &str,
        f: &Func,
        args: &[Arg],
        words: &[Located],
        here: Option<Span>,
        unknown_at: bool,
    ) -> Outcome {
        if self.core.calls.iter().any(|c| c == name) || self.core.calls.len() >= MAX_CALL_DEPTH {
            return (Flow::Normal, None);
        }
        self.core.calls.push(name.to_string());
        let params = (!unknown_at).then(|| {
            let single = |a: &Arg| args.iter().filter(|b| b.word == a.word).count() == 1;
            args[1..]
                .iter()
                .map(|a| {
                    let origin = words.get(a.word).filter(|_| single(a)).map(|w| self.core.resolve(w));
                    Value { text: a.text.clone(), known: a.known, origin }
                })
                .collect()
        });
        let saved_positional = std::mem::replace(&mut self.core.st.positional, params);
        self.core.st.locals.push(BTreeMap::new());
        let saved_script = std::mem::replace(&mut self.core.script, f.script.clone());
        self.core.frames.push(Frame::Call { span: here.unwrap_or_default() });
        let (flow, s) = self.run(&f.body);
        self.core.frames.pop();
        self.core.script = saved_script;
        self.core.st.locals.pop();
        self.core.st.positional = saved_positional;
        self.core.calls.pop();
        (if flow == Flow::Exit { Flow::Exit } else { Flow::Normal }, s)
    }

    fn set_builtin(&mut self, args: &[Arg]) {
        let value = |a: &Arg| Value { text: a.text.clone(), known: a.known, origin: None };
        let mut i = 0;
        while i < args.len() {
            let t = args[i].text.as_str();
            if t == "--" {
                self.core.st.positional = Some(args[i + 1..].iter().map(value).collect());
                return;
            }
            let on = t.starts_with('-');
            if t.len() > 1 && (on || t.starts_with('+')) && t[1..].chars().all(|c| c.is_ascii_alphabetic()) {
                if t[1..].contains('e') {
                    self.core.st.errexit = on;
                }
                if t[1..].contains('o') {
                    // `-o NAME` (also inside a cluster: `-euo pipefail`).
                    i += 1;
                    if args.get(i).is_some_and(|a| a.text == "errexit") {
                        self.core.st.errexit = on;
                    }
                }
                i += 1;
                continue;
            }
            self.core.st.positional = Some(args[i..].iter().map(value).collect());
            return;
        }
    }

    /// `cd` with its arguments and whether each is known.
    pub(super) fn cd(&mut self, args: &[(&str, bool)]) {
        let target = args.iter().find(|(a, _)| !(a.len() > 1 && a.starts_with('-')));
        let new = match target {
            None => Cwd::Lost,
            Some((a, known)) if !known || a.starts_with('~') => Cwd::Lost,
            Some((a, _)) if *a == "-" => self.core.st.oldpwd.clone(),
            Some((a, _)) if a.starts_with('/') || self.core.anchored(a) => Cwd::At(paths::normalize(a)),
            Some((a, _)) => match &self.core.st.cwd {
                Cwd::At(c) => Cwd::At(paths::join(c, a)),
                Cwd::Start(r) => Cwd::Start(paths::join(r, a)),
                Cwd::Lost => Cwd::Lost,
            },
        };
        self.core.st.oldpwd = std::mem::replace(&mut self.core.st.cwd, new);
    }

    fn source(&mut self, args: &[Arg]) -> Outcome {
        let Some(a) = args.first().filter(|a| a.known) else { return (Flow::Normal, None) };
        let Some(file) = self.hooks.source(&self.core, &a.text) else { return (Flow::Normal, None) };
        if self.core.sourcing.contains(&file) {
            return (Flow::Normal, None);
        }
        let f = self.core.db.get(file);
        let src = Located::verbatim(&f.text, Span::new(file, 0, f.text.len() as u32));
        self.core.sourcing.push(file);
        let (flow, s) = self.run_text(Script { src: Rc::new(src), path: f.path.clone() });
        self.core.sourcing.pop();
        (if flow == Flow::Exit { Flow::Exit } else { Flow::Normal }, s)
    }
}

/// `test`/`[`/`[[` over known words.
fn test(builtin: &str, args: &[Arg]) -> Option<bool> {
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

/// `test`/`[`/`[[` over known words.
pub(super) fn eval_test(t: &[&str], pattern: bool) -> Option<bool> {
    let num = |a: &str, b: &str| Some((a.trim().parse::<i64>().ok()?, b.trim().parse::<i64>().ok()?));
    match t {
        [] => Some(false),
        ["!", rest @ ..] => eval_test(rest, pattern).map(|b| !b),
        [s] => Some(!s.is_empty()),
        ["-z", s] => Some(s.is_empty()),
        ["-n", s] => Some(!s.is_empty()),
        [a, "=" | "==", b] => Some(if pattern { paths::glob_match(b, a) } else { a == b }),
        [a, "!=", b] => Some(if pattern { !paths::glob_match(b, a) } else { a != b }),
        [a, "-eq", b] => num(a, b).map(|(x, y)| x == y),
        [a, "-ne", b] => num(a, b).map(|(x, y)| x != y),
        [a, "-lt", b] => num(a, b).map(|(x, y)| x < y),
        [a, "-le", b] => num(a, b).map(|(x, y)| x <= y),
        [a, "-gt", b] => num(a, b).map(|(x, y)| x > y),
        [a, "-ge", b] => num(a, b).map(|(x, y)| x >= y),
        _ => None,
    }
}
