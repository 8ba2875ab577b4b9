//! `fixtures/hostile/`: one directory per hostile input of issue 7 (and per input the fuzzers
//! found), each with an `expected` file, run through the binary as a user would run it
//! (`nexus-lint check .` in the directory). Time and memory are not measured here but by
//! `scripts/hostile.sh`, outside the tests; inputs that need the file system (symlinks, FIFOs,
//! devices, a closed pipe) or are too large to keep are built by `tests/hardening.rs` and that
//! script.
//!
//! `expected`, one check a line:
//!
//! - `exit N` — the exit code;
//! - `CODE FILE[:LINE[:COL]] [TEXT]` — a diagnostic of that code there whose message contains TEXT;
//! - `count CODE N` — exactly N diagnostics of that code;
//! - `stderr TEXT` — stderr contains TEXT;
//! - `secret TEXT` / `absent TEXT` — no output format (human, json, github, sarif, junit,
//!   markdown, graph, `simulate`'s report) prints TEXT;
//! - `no-raw-controls` — no output holds a raw control character;
//! - `human-header FILE:LINE:COL` — the human report's header points there (columns in
//!   characters, as in JSON);
//! - `max-human-bytes N` — the human report is at most N bytes.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{bin, stderr, stdout};

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/hostile");
    let mut out: Vec<PathBuf> =
        std::fs::read_dir(root).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    out.sort();
    out
}

struct Run {
    code: Option<i32>,
    json: Value,
    stderr: String,
    /// Every format's output, concatenated.
    all: String,
    human: String,
}

fn run(dir: &Path) -> Run {
    let config = dir.join(".nexus-lint.yaml").exists();
    let go = |args: &[&str]| {
        let mut c = bin();
        c.current_dir(dir).arg(args[0]).arg(".").args(&args[1..]);
        if !config {
            c.arg("--no-config");
        }
        c.output().unwrap()
    };
    let json = go(&["check", "--format", "json"]);
    let human = go(&["check", "--format", "human", "--color", "never"]);
    let github = go(&["check", "--format", "github"]);
    let mut all = stdout(&json) + &stdout(&human) + &stdout(&github) + &stderr(&json);
    for f in ["sarif", "junit", "markdown"] {
        all += &stdout(&go(&["check", "--format", f]));
    }
    for f in ["mermaid", "dot", "json"] {
        all += &stdout(&go(&["graph", "--format", f]));
    }
    all += &stdout(&go(&["simulate", "--trials", "20", "--seed", "1", "--format", "human", "--color", "never"]));
    Run {
        code: json.status.code(),
        json: serde_json::from_str(&stdout(&json)).unwrap_or(Value::Null),
        stderr: stderr(&json),
        human: stdout(&human),
        all,
    }
}

fn diagnostics(r: &Run) -> Vec<(String, String, u64, u64, String)> {
    r.json["diagnostics"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| {
                    (
                        d["code"].as_str().unwrap_or_default().to_string(),
                        d["file"].as_str().unwrap_or_default().to_string(),
                        d["line"].as_u64().unwrap_or(0),
                        d["column"].as_u64().unwrap_or(0),
                        d["message"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn check_case(dir: &Path) -> Vec<String> {
    let expected = std::fs::read_to_string(dir.join("expected")).unwrap_or_else(|_| panic!("{dir:?}: no `expected`"));
    let r = run(dir);
    let diags = diagnostics(&r);
    let mut failures = Vec::new();
    for line in expected.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        let ok = match word {
            "exit" => r.code == rest.parse().ok(),
            "count" => {
                let (code, n) = rest.split_once(' ').unwrap();
                diags.iter().filter(|d| d.0 == code).count() == n.parse::<usize>().unwrap()
            }
            "stderr" => r.stderr.contains(rest),
            "secret" | "absent" => !r.all.contains(rest),
            "no-raw-controls" => !r.all.chars().any(nexus_report::escape::is_unsafe),
            "human-header" => r.human.contains(&format!("[{rest}]")),
            "max-human-bytes" => r.human.len() <= rest.parse().unwrap(),
            code => {
                let (place, text) = rest.split_once(' ').unwrap_or((rest, ""));
                let mut p = place.split(':');
                let (file, line, col) = (p.next().unwrap(), p.next(), p.next());
                diags.iter().any(|d| {
                    d.0 == code
                        && d.1 == file
                        && line.is_none_or(|l| d.2.to_string() == l)
                        && col.is_none_or(|c| d.3.to_string() == c)
                        && d.4.contains(text)
                })
            }
        };
        if !ok {
            failures.push(format!("{}: `{line}` does not hold", dir.file_name().unwrap().to_string_lossy()));
        }
    }
    if !failures.is_empty() {
        failures.push(format!("exit {:?}; diagnostics: {diags:#?}\nstderr: {}", r.code, r.stderr));
    }
    failures
}

#[test]
fn every_hostile_input_gets_its_diagnostics() {
    let cases = cases();
    assert!(cases.len() >= 10, "{cases:?}");
    let failures: Vec<String> = cases.iter().flat_map(|c| check_case(c)).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
