//! The one-way flow of the workspace, as `cargo metadata` reports it: each crate may depend only
//! on the stages before it, so the compiler — not a reviewer — keeps rules away from source
//! text and reporters away from the model.
//!
//! ```text
//! nexus-source ──► nexus-model ──► nexus-rules ──► nexus-diagnostics ──► nexus-report
//!                             └──► nexus-sim
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// The workspace's crates and the workspace crates each depends on (any kind: normal, build,
/// dev), from `cargo metadata`.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = meta["packages"].as_array().unwrap();
    let ours: BTreeSet<String> = packages.iter().map(|p| p["name"].as_str().unwrap().to_string()).collect();
    packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["name"].as_str().unwrap().to_string())
                .filter(|d| ours.contains(d))
                .collect();
            (p["name"].as_str().unwrap().to_string(), deps)
        })
        .collect()
}

#[test]
fn crates_depend_only_on_earlier_stages() {
    let g = graph();
    let deps = |name: &str| g.get(name).unwrap_or_else(|| panic!("no crate {name}: {g:?}"));
    let forbidden: &[(&str, &[&str])] = &[
        (
            "nexus-source",
            &["nexus-diagnostics", "nexus-model", "nexus-rules", "nexus-report", "nexus-sim", "nexus-lint"],
        ),
        ("nexus-diagnostics", &["nexus-model", "nexus-rules", "nexus-report", "nexus-sim", "nexus-lint"]),
        ("nexus-model", &["nexus-diagnostics", "nexus-rules", "nexus-report", "nexus-sim", "nexus-lint"]),
        // Rules read the model, never the source text; they and the reporters do not know each other.
        ("nexus-rules", &["nexus-source", "nexus-report", "nexus-sim", "nexus-lint"]),
        // Reporters read diagnostics and source text, never the model or the rules.
        ("nexus-report", &["nexus-model", "nexus-rules", "nexus-sim", "nexus-lint"]),
        // The simulator reads the model (or its own input), never the source, rules or reports.
        ("nexus-sim", &["nexus-source", "nexus-rules", "nexus-report", "nexus-lint"]),
    ];
    for (krate, not) in forbidden {
        for n in *not {
            assert!(!deps(krate).contains(*n), "{krate} must not depend on {n}: {:?}", deps(krate));
        }
    }
    // And the flow is used, not only allowed.
    assert!(deps("nexus-rules").contains("nexus-model"));
    assert!(deps("nexus-rules").contains("nexus-diagnostics"));
    assert!(deps("nexus-report").contains("nexus-diagnostics"));
    assert!(deps("nexus-model").contains("nexus-source"));
}
