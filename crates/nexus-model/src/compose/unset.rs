//! The variables a project uses that its `.env` does not set (NX008, information).
//!
//! Repositories rarely commit `.env`; the operator writes it from an example. Such a variable is
//! unknown, not empty ([`super::interpolate`]), and nothing built from it is judged; this note
//! says which variables those are, once per project, and which of them an example file
//! (`.env.example`, `example.env`, …) lists. Example files are read only for their keys, never
//! as values: an example is not what runs.

use super::Files;
use super::env_file;
use super::project::{Plan, join};
use crate::{InputProblem, InputProblemKind};
use nexus_source::Span;

/// Example files that list a project's variables, by the names projects give them.
const EXAMPLE_NAMES: &[&str] = &[
    ".env.example",
    ".env.sample",
    ".env.dist",
    ".env.template",
    "env.example",
    "env.sample",
    "env.dist",
    "example.env",
    "sample.env",
];

/// How many names a message lists before `and N more`.
const SHOWN: usize = 6;

fn list(names: &[&str]) -> String {
    let shown: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    match names.len() {
        n if n > SHOWN => format!("{} and {} more", shown.join(", "), n - SHOWN),
        _ => shown.join(", "),
    }
}

/// The note for one project: `unknown` holds each variable with the first scalar that uses it.
pub fn problem(plan: &Plan, unknown: &[(String, Span)], fs: &mut dyn Files) -> InputProblem {
    let names: Vec<&str> = unknown.iter().map(|(n, _)| n.as_str()).collect();
    let (plural, verb) = if names.len() == 1 { ("variable", "is") } else { ("variables", "are") };
    let message = format!(
        "{plural} {} {verb} set by no `.env` here, so what is built from {} is not checked",
        list(&names),
        if names.len() == 1 { "it" } else { "them" }
    );
    let mut listed: Option<(String, Vec<&str>)> = None;
    for name in EXAMPLE_NAMES {
        let path = join(&plan.dir, name);
        let Some(id) = fs.load(&path) else { continue };
        let text = fs.db().get(id).text.clone();
        let (entries, _) = env_file::parse(id, &text, &|_| None);
        let keys: Vec<&str> = names.iter().copied().filter(|n| entries.iter().any(|e| e.key.value == *n)).collect();
        listed = Some((path, keys));
        break;
    }
    let help = match listed {
        Some((path, keys)) if !keys.is_empty() => format!(
            "`{path}` lists {}: the operator sets them when copying it to `.env`. Give a default \
             (`${{NAME:-value}}`) where the repository should decide.",
            list(&keys)
        ),
        _ => "Set them in the project's `.env`, or give defaults (`${NAME:-value}`) where the repository \
              should decide."
            .to_string(),
    };
    let mut p = InputProblem::new(InputProblemKind::UnsetVariable, unknown[0].1, message, Some(help));
    p.related = unknown.iter().skip(1).take(SHOWN - 1).map(|(n, s)| (*s, format!("`{n}` is used here"))).collect();
    p
}
