use super::builtins::eval_test;
use super::shebang_errexit;

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

use std::sync::Arc;

use super::{Command, Core, Frame, Hooks, Interp, Options, Reply};
use crate::SourceDb;

/// A client that lists the commands it is shown: expanded words, the text of the command's span,
/// and the frames around it.
#[derive(Default)]
struct Seen(Vec<(String, String, Vec<String>)>);

impl Hooks for Seen {
    fn command(&mut self, ev: &Core, cmd: &Command) -> Reply {
        let args = cmd.args.iter().map(|a| if a.known { a.text.clone() } else { format!("?{}", a.text) });
        let here = cmd.here.map_or(String::new(), |s| ev.db.get(s.file).slice(s).to_string());
        let frames = ev
            .frames()
            .iter()
            .map(|f| match f {
                Frame::Loop { .. } => "loop".to_string(),
                Frame::Timeout { ms, .. } => format!("timeout {ms}"),
                Frame::Call { span } => format!("call {}", ev.db.get(span.file).slice(*span)),
            })
            .collect();
        self.0.push((args.collect::<Vec<_>>().join(" "), here, frames));
        Reply::default()
    }
}

fn seen(script: &str) -> Vec<(String, String, Vec<String>)> {
    let mut db = SourceDb::new();
    let f = db.add("deploy/run.sh".into(), Arc::from(script));
    let mut it = Interp::new(&db, Seen::default(), Options::default(), "deploy/run.sh", Vec::new());
    it.run_file(f);
    it.hooks.0
}

fn commands(script: &str) -> Vec<String> {
    seen(script).into_iter().map(|(a, ..)| a).collect()
}

#[test]
fn functions_run_in_call_order_with_their_arguments() {
    let s = "b() { echo \"b $1\"; }\na() { echo a; b \"$@\"; }\nNS=prod\na x y\nb z\n";
    assert_eq!(commands(s), ["echo a", "echo b x", "echo b z"]);
    let got = seen(s);
    assert_eq!(got[1].1, "echo \"b $1\"");
    assert_eq!(got[1].2, ["call a x y", "call b \"$@\""]);
}

#[test]
fn known_conditions_pick_a_branch_and_unknown_ones_join() {
    let s = "X=1\nif [ \"$X\" = 1 ]; then echo one; else echo other; fi\n\
             if probe; then Y=a; else Y=b; fi\necho \"$Y\"\ncase $X in 1) echo c1 ;; *) echo c2 ;; esac\n";
    assert_eq!(commands(s), ["echo one", "probe", "echo ?$Y", "echo c1"]);
}

#[test]
fn loops_unroll_known_lists_and_are_read_once_otherwise() {
    let s = "for c in db app; do echo $c; done\nwhile probe; do echo w; done\nfor f in $(ls); do echo $f; done\n";
    let got = seen(s);
    let names: Vec<&str> = got.iter().map(|(a, ..)| a.as_str()).collect();
    assert_eq!(names, ["echo db", "echo app", "probe", "echo w", "echo ?$f"]);
    assert_eq!(got[3].2, ["loop"]);
}

#[test]
fn wrappers_timeouts_and_nested_shells() {
    let s = "exec env A=1 nice -n 5 timeout 30 sh -c 'echo \"in $1\" && timeout 5s kubectl get x' sh arg\nset -e\n";
    let got = seen(s);
    assert_eq!(got[0].0, "echo in arg");
    // Positions map through the word the nested script is written in.
    assert_eq!(got[0].1, "echo \"in $1\"");
    assert_eq!(got[0].2, ["timeout 30000"]);
    assert_eq!(got[1].0, "kubectl get x");
    assert_eq!(got[1].2, ["timeout 30000", "timeout 5000"]);
}

#[test]
fn substitutions_are_computed_when_pure_and_shown_when_asked() {
    let s = "D=$(dirname \"$0\")\necho \"$D\" \"$(cd \"$D/..\" && pwd)\" \"$(hostname)\"\n";
    assert_eq!(commands(s), ["echo deploy . ?$(hostname)"]);
    let mut db = SourceDb::new();
    let f = db.add("x.sh".into(), Arc::from("echo \"$(probe db)\""));
    let opts = Options { walk_substitutions: true, ..Options::default() };
    let mut it = Interp::new(&db, Seen::default(), opts, "x.sh", Vec::new());
    it.run_file(f);
    let names: Vec<String> = it.hooks.0.into_iter().map(|(a, ..)| a).collect();
    assert_eq!(names, ["probe db", "echo ?$(probe db)"]);
}

/// Recursion, fan-out and long scripts end within the budget.
#[test]
fn work_is_bounded() {
    let bomb = "f() { f; f; f; echo x; }\nf\n";
    assert_eq!(commands(bomb), ["echo x"]);
    let many = "for a in 1 2 3 4 5 6 7 8 9 10; do for b in 1 2 3 4 5 6 7 8 9 10; do for c in 1 2 3 4 5 6 7 8 9 10; do \
                for d in 1 2 3 4 5 6 7 8 9 10; do for e in 1 2 3 4 5 6 7 8 9 10; do echo $a; done; done; done; done; done\n";
    let n = commands(many).len();
    assert!(n > 1_000 && n < 100_000, "{n}");
    let nested = format!("{}echo deep{}", "sh -c '".repeat(40), "'".repeat(40));
    let _ = commands(&nested);
}

/// Nested substitutions are walked once each: computing an outer one's output does not walk the
/// inner ones again (which cost two to the power of the depth, seconds for a 4 KB script).
#[test]
fn nested_substitutions_are_walked_once() {
    let mut db = SourceDb::new();
    let f = db.add("x.sh".into(), Arc::from("echo \"$(a \"$(b \"$(c)\")\")\""));
    let opts = Options { walk_substitutions: true, ..Options::default() };
    let mut it = Interp::new(&db, Seen::default(), opts.clone(), "x.sh", Vec::new());
    it.run_file(f);
    let names: Vec<String> = it.hooks.0.into_iter().map(|(a, ..)| a).collect();
    assert_eq!(names, ["c", "b ?$(c)", "a ?$(b \"$(c)\")", "echo ?$(a \"$(b \"$(c)\")\")"]);
    // Each level walks its body once and computes it once: the work grows with the depth, not
    // two to the power of it. The budget counts substitutions, nodes and the words' bytes.
    let deep = "x=$(cd \"$( ".repeat(400);
    let mut db = SourceDb::new();
    let f = db.add("x.sh".into(), Arc::from(deep.as_str()));
    let mut it = Interp::new(&db, Seen::default(), opts, "x.sh", Vec::new());
    it.run_file(f);
    // (Two to the power of the depth would spend it all.)
    assert!(it.core.budget > Options::default().budget / 4, "{} left", it.core.budget);
}

/// A long word in nested unrolled loops is charged by its length: 7 loops of 5 items around a
/// 40 KB `echo` took 16 s when only nodes counted.
#[test]
fn long_words_are_charged_by_their_length() {
    let loops: String = (0..7).map(|i| format!("for v{i} in a b c d e; do\n")).collect();
    let script = format!("{loops}echo \"{}\"\n{}", "x".repeat(40_000), "done\n".repeat(7));
    let mut db = SourceDb::new();
    let f = db.add("x.sh".into(), Arc::from(script.as_str()));
    let mut it = Interp::new(&db, Seen::default(), Options::default(), "x.sh", Vec::new());
    it.run_file(f);
    // 625 units per echo of 40,000 bytes: under a hundred echoes before the budget of 60,000 is
    // spent, not 78,125.
    let shown = it.hooks.0.len();
    assert!((10..200).contains(&shown), "{shown} commands shown");
}
