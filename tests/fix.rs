//! `nexus-lint fix` on copies of the fixtures: the fixed files re-lint without the fixed
//! findings, keep every comment, and a second `fix` changes nothing; `--diff` writes nothing and
//! prints a patch `git apply` accepts; files outside the given paths and files changed since
//! they were read are never written.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::fixtures::fixture_dirs;
use crate::util::{fixture_copy, read_tree, run_in, stderr, stdout};

/// The comments of a file: each line's text from its `#` on.
fn comments(text: &str) -> Vec<&str> {
    text.lines().filter_map(|l| l.find('#').map(|i| l[i..].trim_end())).collect()
}

fn fixable(dir: &Path, target: &str) -> Vec<String> {
    let out = run_in(dir, &["check", target, "--format", "json"]);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| !d["fix"].is_null())
        .map(|d| format!("{} {}:{}", d["code"].as_str().unwrap(), d["file"].as_str().unwrap(), d["line"]))
        .collect()
}

#[test]
fn fix_every_fixture() {
    let mut changed_fixtures = Vec::new();
    for dir in fixture_dirs() {
        let name = dir.trim_start_matches("fixtures/");
        let (d, copy) = fixture_copy(name);
        let before = read_tree(d.path());
        let had = fixable(d.path(), &copy);
        let out = run_in(d.path(), &["fix", &copy]);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{dir}: {}", stderr(&out));
        let after = read_tree(d.path());
        assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>(), "{dir}: no file added");
        for (path, text) in &before {
            let fixed = &after[path];
            for c in comments(text) {
                assert!(fixed.contains(c), "{dir}/{path}: comment `{c}` lost:\n{fixed}");
            }
        }
        let left = fixable(d.path(), &copy);
        assert!(left.is_empty(), "{dir}: fixable findings left after fix: {left:?}");
        if before != after {
            assert!(!had.is_empty(), "{dir}: files changed with nothing to fix");
            let n: usize =
                stderr(&out).split("fixed ").nth(1).and_then(|t| t.split(' ').next()?.parse().ok()).unwrap_or(0);
            assert!(n >= had.len(), "{dir}: fixed {n} of {} fixable: {}", had.len(), stderr(&out));
            changed_fixtures.push(dir.clone());
        }
        // A second fix changes nothing.
        let again = run_in(d.path(), &["fix", &copy]);
        assert_eq!(read_tree(d.path()), after, "{dir}: second fix changed files");
        assert!(stderr(&again).contains("fixed 0 findings in 0 files"), "{dir}: {}", stderr(&again));
        assert_eq!(again.status.code(), out.status.code(), "{dir}");
    }
    assert!(changed_fixtures.contains(&"fixtures/deps/compose-short-form".to_string()), "{changed_fixtures:?}");
}

#[test]
fn fixed_compose_file_is_clean_and_keeps_its_formatting() {
    let (d, copy) = fixture_copy("deps/compose-short-form");
    let out = run_in(d.path(), &["fix", &copy]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let fixed = fs::read_to_string(d.path().join(&copy).join("compose.yaml")).unwrap();
    let original =
        fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/deps/compose-short-form/compose.yaml"))
            .unwrap();
    let changed: Vec<&str> = fixed.lines().filter(|l| !original.lines().any(|o| o == *l)).collect();
    assert_eq!(
        changed,
        ["      db:", "        condition: service_healthy", "      cache:", "        condition: service_healthy"],
        "only the depends_on list changes:\n{fixed}"
    );
    let out = run_in(d.path(), &["check", &copy]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn diff_writes_nothing_and_applies_with_git() {
    let (d, copy) = fixture_copy("deps/compose-short-form");
    let before = read_tree(d.path());
    let out = run_in(d.path(), &["fix", &copy, "--diff"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(read_tree(d.path()), before, "--diff writes nothing");
    let diff = stdout(&out);
    assert!(diff.starts_with(&format!("--- a/{copy}/compose.yaml\n+++ b/{copy}/compose.yaml\n@@ ")), "{diff}");
    assert!(stderr(&out).contains("would fix 2 findings in 1 file"), "{}", stderr(&out));
    fs::write(d.path().join("fix.patch"), &diff).unwrap();
    let git = Command::new("git").current_dir(d.path()).args(["apply", "fix.patch"]).output().unwrap();
    assert!(git.status.success(), "{}", String::from_utf8_lossy(&git.stderr));
    assert_eq!(run_in(d.path(), &["check", &copy]).status.code(), Some(0));
}

#[test]
fn files_outside_the_paths_are_not_written() {
    let (d, copy) = fixture_copy("deps/compose-short-form");
    let root = d.path().join("root");
    fs::create_dir_all(&root).unwrap();
    let outside = d.path().join(&copy).join("compose.yaml");
    let before = fs::read_to_string(&outside).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, root.join("compose.yaml")).unwrap();
    let out = run_in(d.path(), &["fix", "root"]);
    assert_eq!(fs::read_to_string(&outside).unwrap(), before, "{}", stderr(&out));
    if stderr(&out).contains("fixed 0 findings") && fixable(d.path(), "root").is_empty() {
        return; // the walk does not follow symlinked files: nothing to fix here
    }
    assert!(stderr(&out).contains("resolves to a file outside the paths given"), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(run_in(d.path(), &["fix", "-"]).status.code(), Some(2), "stdin cannot be fixed");
}

#[test]
fn a_file_changed_since_it_was_read_is_not_written() {
    let (d, copy) = fixture_copy("deps/compose-short-form");
    let dir = d.path().join(&copy);
    let settings = crate::util::settings();
    let plan = nexus_lint::fix::plan(&[dir.to_string_lossy().into_owned()], &settings);
    assert_eq!(plan.changes.len(), 1);
    let file = dir.join("compose.yaml");
    let edited = format!("{}# edited meanwhile\n", fs::read_to_string(&file).unwrap());
    fs::write(&file, &edited).unwrap();
    let err = nexus_lint::fix::write(&plan.changes[0]).unwrap_err();
    assert!(err.to_string().contains("changed since it was read"), "{err}");
    assert_eq!(fs::read_to_string(&file).unwrap(), edited);
    // Unchanged, it is written.
    fs::write(&file, &*plan.changes[0].original).unwrap();
    nexus_lint::fix::write(&plan.changes[0]).unwrap();
    assert_eq!(fs::read_to_string(&file).unwrap(), plan.changes[0].fixed);
    assert!(fs::read_dir(&dir).unwrap().flatten().all(|e| !e.file_name().to_string_lossy().contains("nexus-lint-fix")));
}

#[test]
fn a_diff_with_a_secret_in_its_context_masks_it_and_says_it_will_not_apply() {
    let d = tempfile::tempdir().unwrap();
    let original =
        fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/deps/compose-short-form/compose.yaml"))
            .unwrap()
            .replace("redis://cache:6379/0", "redis://:Zq8vN3xT7pLw2Rk9@cache:6379/0");
    fs::write(d.path().join("compose.yaml"), &original).unwrap();
    let out = run_in(d.path(), &["fix", ".", "--diff", "--no-config"]);
    let (diff, err) = (stdout(&out), stderr(&out));
    assert!(diff.contains("REDIS_URL") && !diff.contains("Zq8vN3xT7pLw2Rk9"), "{diff}");
    assert!(
        err.contains("the diff of 1 file shows secrets masked") && err.contains("`nexus-lint fix` applies"),
        "{err}"
    );
    // Without a secret nearby, no such note.
    let (plain, copy) = fixture_copy("deps/compose-short-form");
    let out = run_in(plain.path(), &["fix", &copy, "--diff"]);
    assert!(!stderr(&out).contains("secrets masked"), "{}", stderr(&out));
    // `fix` itself writes the real text, secret included.
    run_in(d.path(), &["fix", ".", "--no-config"]);
    let fixed = fs::read_to_string(d.path().join("compose.yaml")).unwrap();
    assert!(
        fixed.contains("redis://:Zq8vN3xT7pLw2Rk9@cache:6379/0") && fixed.contains("condition: service_healthy"),
        "{fixed}"
    );
}

#[test]
fn interpolated_or_merged_depends_on_entries_are_kept() {
    // An interpolated entry would lose its variable: no fix.
    let d = tempfile::tempdir().unwrap();
    let original =
        fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/deps/compose-short-form/compose.yaml"))
            .unwrap()
            .replace("      - db\n", "      - ${DB_HOST:-db}\n");
    fs::write(d.path().join("compose.yaml"), &original).unwrap();
    run_in(d.path(), &["fix", "."]);
    assert_eq!(fs::read_to_string(d.path().join("compose.yaml")).unwrap(), original);
    // An override's list is rewritten with its own entries only.
    let d = tempfile::tempdir().unwrap();
    let base =
        fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/deps/compose-short-form/compose.yaml"))
            .unwrap()
            .replace("      - cache\n", "");
    fs::write(d.path().join("compose.yaml"), &base).unwrap();
    fs::write(d.path().join("compose.override.yaml"), "services:\n  api:\n    depends_on:\n      - cache\n").unwrap();
    run_in(d.path(), &["fix", "."]);
    let over = fs::read_to_string(d.path().join("compose.override.yaml")).unwrap();
    assert!(!over.contains("db:"), "the base's entry is not copied into the override:\n{over}");
    assert!(over.contains("      cache:\n        condition: service_healthy\n"), "{over}");
    // The model records one `depends_on` list per service (the override's), so the base's entry
    // keeps its finding and is left as written, not lost.
    assert_eq!(fs::read_to_string(d.path().join("compose.yaml")).unwrap(), base);
}

#[test]
fn comments_inside_a_depends_on_list_block_its_fix() {
    let d = tempfile::tempdir().unwrap();
    let original =
        fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/deps/compose-short-form/compose.yaml"))
            .unwrap()
            .replace("      - db\n      - cache\n", "      - db\n      # the session cache\n      - cache\n");
    fs::write(d.path().join("compose.yaml"), &original).unwrap();
    let out = run_in(d.path(), &["fix", "."]);
    assert_eq!(out.status.code(), Some(1), "the findings stay: {}", stderr(&out));
    assert_eq!(fs::read_to_string(d.path().join("compose.yaml")).unwrap(), original);
}
