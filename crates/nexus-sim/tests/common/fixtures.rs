//! The repository's fixtures read and lowered as `nexus-lint simulate` does (shared by the tests
//! and the benches).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use nexus_sim::lower::{LowerOptions, lower};
use nexus_sim::spec::SimPlatform;

/// Every YAML file and shell script under `dir`, as (path relative to the repository, text), in
/// lexical order — what `nexus-lint simulate fixtures/nexus` reads.
fn read_tree(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).expect("fixture").flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            read_tree(root, &p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml" || e == "sh") {
            let rel = p.strip_prefix(root).expect("under the root").to_string_lossy().replace('\\', "/");
            out.push((rel, std::fs::read_to_string(&p).expect("readable")));
        }
    }
}

/// The fixture's Kubernetes unit, lowered.
pub fn lowered(fixture: &str) -> SimPlatform {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root");
    let mut files = Vec::new();
    read_tree(&root, &root.join(fixture), &mut files);
    let loaded = nexus_model::load::load_memory(&files);
    let mut l = lower(&loaded.platform, &LowerOptions::default());
    let i = l.units.iter().position(|u| u.name == "kubernetes").expect("a Kubernetes unit");
    l.units.swap_remove(i).platform
}
