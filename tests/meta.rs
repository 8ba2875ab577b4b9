//! The structure that keeps rules honest: the registry and `rules/**.md` are a bijection, file
//! names match codes and families, docs have their sections and examples, `docs/rules.md` is
//! generated, and messages follow the house style.

use std::collections::BTreeSet;
use std::path::Path;

use nexus_rules::{self as rules, docs};

use crate::fixtures::fixture_dirs;
use crate::util::fixture_findings;

#[test]
fn registry_and_rule_docs_are_a_bijection() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut on_disk = BTreeSet::new();
    for fam in std::fs::read_dir(&root).unwrap().flatten() {
        for f in std::fs::read_dir(fam.path()).unwrap().flatten() {
            on_disk.insert(format!("{}/{}", fam.file_name().to_string_lossy(), f.file_name().to_string_lossy()));
        }
    }
    let registered: BTreeSet<String> = rules::all().iter().map(|r| r.doc_path.to_string()).collect();
    assert_eq!(on_disk, registered);
    let codes: BTreeSet<_> = rules::all().iter().map(|r| r.code).collect();
    assert_eq!(codes.len(), rules::all().len(), "duplicate codes");
    let names: BTreeSet<_> = rules::all().iter().map(|r| r.name).collect();
    assert_eq!(names.len(), rules::all().len(), "duplicate names");
    let mut sorted: Vec<_> = rules::all().iter().map(|r| r.code).collect();
    sorted.sort();
    assert_eq!(sorted, rules::all().iter().map(|r| r.code).collect::<Vec<_>>(), "registry is in code order");
}

#[test]
fn rule_docs_are_well_formed() {
    for r in rules::all() {
        let m = r;
        assert_eq!(m.doc_path, format!("{}/{}-{}.md", m.family.dir(), m.code, m.name));
        assert!(m.code.starts_with(m.family.prefix()), "{} not in family {:?}", m.code, m.family);
        assert!(m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{}", m.name);
        assert!(!m.name.starts_with("no-") && !m.name.starts_with("require-"), "names name the problem: {}", m.name);
        assert_eq!(m.doc.lines().next(), Some(format!("# {} {}", m.code, m.name).as_str()));
        assert!(!m.summary().is_empty() && !m.summary().contains('\n'));
        let s = docs::sections(m.doc);
        for needed in ["What it does", "Why is this bad?", "Example", "Options", "References"] {
            assert!(s.contains(&needed), "{}: missing `## {needed}`", m.code);
        }
        let ex = docs::examples(m.doc);
        assert!(ex.iter().any(|e| e.expect_diagnostic), "{}: no expect_diagnostic example", m.code);
        assert!(ex.iter().any(|e| !e.expect_diagnostic), "{}: no clean example", m.code);
    }
}

#[test]
fn docs_rules_md_is_generated() {
    let on_disk = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md")).unwrap();
    assert_eq!(
        on_disk,
        nexus_lint::cli::rules_markdown(),
        "regenerate: nexus-lint rules --format markdown > docs/rules.md"
    );
}

#[test]
fn messages_follow_the_house_style() {
    for dir in fixture_dirs() {
        for d in fixture_findings(&dir).diagnostics {
            let first = d.message.chars().next().unwrap();
            assert!(!first.is_uppercase(), "{}: capitalised: {}", d.code, d.message);
            assert!(!d.message.ends_with('.'), "{}: trailing period: {}", d.code, d.message);
            if let Some(h) = &d.help {
                assert!(
                    h.chars().next().unwrap().is_uppercase() || h.starts_with('`'),
                    "{}: help should be a sentence: {h}",
                    d.code
                );
            }
        }
    }
}

#[test]
fn every_rule_with_findings_on_fixtures_is_exercised() {
    let exempt: [&str; 0] = [];
    let mut seen = BTreeSet::new();
    for dir in fixture_dirs() {
        for d in fixture_findings(&dir).diagnostics {
            seen.insert(d.code);
        }
    }
    for r in rules::all() {
        let c = r.code;
        assert!(seen.contains(c) || exempt.contains(&c), "{c} fires on no fixture");
    }
}
