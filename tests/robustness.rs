//! Hostile and degenerate inputs each get a diagnostic (or an error on stderr), and the rest of
//! the run is still checked. Time and memory bounds are measured by the benchmark
//! (`cargo bench`), not here.

use std::fs;

use serde_json::Value;

use crate::util::{run_in, stderr, stdout};

const GOOD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:latest\n";

fn alias_bomb() -> String {
    let mut s = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\nx:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    let mut prev = 'a';
    for c in 'b'..='i' {
        let refs = vec![format!("*{prev}"); 9].join(", ");
        s.push_str(&format!("  {c}: &{c} [{refs}]\n"));
        prev = c;
    }
    s
}

#[test]
fn hostile_inputs_are_reported_and_the_rest_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("a-good.yaml"), GOOD).unwrap();
    fs::write(d.join("bomb.yaml"), alias_bomb()).unwrap();
    fs::write(d.join("deep.yaml"), "[".repeat(100_000)).unwrap();
    fs::write(d.join("deep-block.yaml"), (0..2000).map(|i| format!("{}k{i}:\n", " ".repeat(i))).collect::<String>())
        .unwrap();
    let big = "a: 1\n".repeat(50 * 1024 * 1024 / 5 + 1);
    fs::write(d.join("big.yaml"), big).unwrap();
    fs::write(d.join("binary.yaml"), b"apiVersion: v1\n\x00\x01\x02\xff").unwrap();
    fs::write(d.join("latin1.yaml"), b"name: caf\xe9\n").unwrap();
    fs::write(d.join("empty.yaml"), "").unwrap();
    fs::write(d.join("dashes.yaml"), "---\n").unwrap();
    fs::create_dir(d.join("sub")).unwrap();
    fs::write(d.join("sub/z-good.yaml"), GOOD.replace("name: web", "name: web2")).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(d.join("sub"), d.join("sub/loop")).unwrap();
        std::os::unix::fs::symlink(d.join("missing.yaml"), d.join("dangling.yaml")).unwrap();
        let unreadable = d.join("unreadable.yaml");
        fs::write(&unreadable, GOOD).unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&unreadable, fs::Permissions::from_mode(0o000)).unwrap();
    }
    let out = run_in(d, &["check", ".", "--format", "json"]);
    let err = stderr(&out);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    let diags = json["diagnostics"].as_array().unwrap();
    let for_file = |f: &str| -> Vec<String> {
        diags
            .iter()
            .filter(|x| x["file"] == f)
            .map(|x| format!("{} {}", x["code"].as_str().unwrap(), x["message"].as_str().unwrap()))
            .collect()
    };
    let one = |f: &str, code: &str, needle: &str| {
        let got = for_file(f);
        assert!(
            got.iter().any(|m| m.starts_with(code) && m.contains(needle)),
            "{f}: expected {code} `{needle}`, got {got:?}"
        );
    };
    one("bomb.yaml", "NX001", "alias bomb");
    one("deep.yaml", "NX001", "nesting deeper than");
    one("deep-block.yaml", "NX001", "nesting deeper than");
    one("big.yaml", "NX001", "over the");
    one("binary.yaml", "NX001", "binary");
    one("latin1.yaml", "NX001", "not valid UTF-8");
    one("empty.yaml", "NX007", "no YAML documents");
    one("dashes.yaml", "NX007", "only empty");
    // The good files are still checked.
    one("a-good.yaml", "NX501", "latest");
    one("sub/z-good.yaml", "NX501", "latest");
    #[cfg(unix)]
    {
        assert!(err.contains("symlink loop"), "{err}");
        assert!(err.contains("dangling.yaml"), "{err}");
        // Root reads files whatever their mode; anyone else gets an error for this one.
        let root = std::env::var("USER").is_ok_and(|u| u == "root") || fs::read(d.join("unreadable.yaml")).is_ok();
        if !root {
            assert!(err.contains("unreadable.yaml"), "{err}");
        }
        assert_eq!(out.status.code(), Some(2), "I/O errors make the run fail with 2");
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.yaml");
    let ok = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    if !ok {
        return;
    }
    let out = run_in(dir.path(), &["check", "pipe.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a regular file"), "{}", stderr(&out));
}

#[test]
fn random_bytes_never_panic() {
    use proptest::prelude::*;
    let mut runner =
        proptest::test_runner::TestRunner::new(proptest::test_runner::Config { cases: 256, ..Default::default() });
    let strategy = proptest::collection::vec(
        prop_oneof![
            Just("apiVersion: v1\n".to_string()),
            Just("kind: Pod\n".to_string()),
            Just("- ".to_string()),
            Just("&a ".to_string()),
            Just("*a".to_string()),
            Just("<<: ".to_string()),
            Just("{".to_string()),
            Just("[".to_string()),
            Just("\"".to_string()),
            Just("\n  ".to_string()),
            Just("---\n".to_string()),
            Just(": ".to_string()),
            Just("spec:\n  containers:\n    - name: x\n      image: y\n".to_string()),
            "[a-z]{1,6}",
            any::<char>().prop_map(|c| c.to_string()),
        ],
        0..40,
    )
    .prop_map(|v| v.concat());
    runner
        .run(&strategy, |text| {
            let o = crate::util::check_files(&[("fuzz.yaml", &text), ("compose.yaml", &text)]);
            for d in &o.diagnostics {
                prop_assert!(d.span().end as usize <= o.loaded.db.get(d.span().file).text.len());
            }
            Ok(())
        })
        .unwrap();
}
