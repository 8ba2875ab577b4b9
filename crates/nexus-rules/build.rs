//! Generates the rule registry from the repository's `rules/<family>/<CODE>-<name>.md` files:
//! `registry.rs` (every rule's metadata, in code order) and one module list per family (every
//! `.rs` file of `src/<family>/` other than `mod.rs`). A rule's code, name and family come from
//! its Markdown file's path; its severity and check function from its Rust file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const FAMILIES: &[(&str, &str, &str)] = &[
    ("input", "Input", "NX0"),
    ("startup", "Startup", "NX1"),
    ("migrations", "Migrations", "NX2"),
    ("scaling", "Scaling", "NX3"),
    ("config", "Config", "NX4"),
    ("versions", "Versions", "NX5"),
    ("health", "Health", "NX6"),
    ("network", "Network", "NX7"),
    ("backup", "Backup", "NX8"),
    ("simulation", "Simulation", "NX9"),
];

struct Rule {
    code: String,
    name: String,
    family: &'static str,
    variant: &'static str,
    doc: PathBuf,
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let docs = manifest.join("../../rules").canonicalize().expect("the repository's rules/ directory");
    let src = manifest.join("src");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed={}", docs.display());

    let mut rules: Vec<Rule> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    for &(family, variant, prefix) in FAMILIES {
        let doc_dir = docs.join(family);
        let src_dir = src.join(family);
        println!("cargo:rerun-if-changed={}", doc_dir.display());
        println!("cargo:rerun-if-changed={}", src_dir.display());
        for doc in sorted_entries(&doc_dir) {
            let file = doc.file_name().unwrap().to_string_lossy().into_owned();
            let Some(stem) = file.strip_suffix(".md") else { continue };
            let Some((code, name)) = stem.split_once('-') else {
                errors.push(format!("rules/{family}/{file}: name it `<CODE>-<name>.md`"));
                continue;
            };
            if !code.starts_with(prefix) || code.len() != 5 || !code[2..].bytes().all(|b| b.is_ascii_digit()) {
                errors.push(format!("rules/{family}/{file}: codes of this family are `{prefix}nn`"));
            }
            let module = name.replace('-', "_");
            if !src_dir.join(format!("{module}.rs")).is_file() {
                errors.push(format!(
                    "rules/{family}/{file} has no crates/nexus-rules/src/{family}/{module}.rs (scripts/new-rule.sh writes both)"
                ));
            }
            rules.push(Rule { code: code.into(), name: name.into(), family, variant, doc });
        }
        // The family's modules: every Rust file beside mod.rs.
        let mut list = String::new();
        for f in sorted_entries(&src_dir) {
            let file = f.file_name().unwrap().to_string_lossy().into_owned();
            let Some(module) = file.strip_suffix(".rs") else { continue };
            if module == "mod" {
                continue;
            }
            println!("cargo:rerun-if-changed={}", f.display());
            writeln!(list, "#[path = {:?}]\npub(crate) mod {module};", f.display().to_string()).unwrap();
        }
        std::fs::write(out.join(format!("family_{family}.rs")), list).unwrap();
    }
    if !errors.is_empty() {
        panic!("\n{}\n", errors.join("\n"));
    }
    rules.sort_by(|a, b| a.code.cmp(&b.code));
    for w in rules.windows(2) {
        if w[0].code == w[1].code {
            panic!("two rules have the code {}", w[0].code);
        }
    }
    let mut reg = String::new();
    writeln!(reg, "/// Rule modules, in registry order.\nconst MODULES: [&str; {}] = [", rules.len()).unwrap();
    for r in &rules {
        writeln!(reg, "    \"nexus_rules::{}::{}\",", r.family, r.name.replace('-', "_")).unwrap();
    }
    writeln!(reg, "];\n\n/// Every rule, in code order.\nstatic RULES: [RuleMeta; {}] = [", rules.len()).unwrap();
    for r in &rules {
        let m = format!("{}::{}", r.family, r.name.replace('-', "_"));
        writeln!(
            reg,
            "    RuleMeta {{ code: {:?}, name: {:?}, family: Family::{}, severity: {m}::DECL.severity, fixable: {m}::DECL.fixable, doc_path: \"{}/{}-{}.md\", doc: include_str!({:?}), check: {m}::check }},",
            r.code,
            r.name,
            r.variant,
            r.family,
            r.code,
            r.name,
            r.doc.display().to_string(),
        )
        .unwrap();
    }
    writeln!(reg, "];").unwrap();
    std::fs::write(out.join("registry.rs"), reg).unwrap();
}
