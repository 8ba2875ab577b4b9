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
