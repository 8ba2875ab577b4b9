//! The rules: each reads the platform model (never the source text) and reports on one object.
//!
//! A rule is two files: `rules/<family>/<CODE>-<name>.md` at the repository root (what it does,
//! why, examples that run as tests) and `crates/nexus-rules/src/<family>/<name_with_underscores>.rs`,
//! which declares its default severity with `declare_rule!` and defines
//! `pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>)`. The build script reads
//! the code, name and family from the Markdown file's path and generates the registry
//! ([`all`], in code order) and the family's module list: nothing is listed by hand.
//!
//! After the rules, [`suppress`] applies the suppressions the front ends collected into the
//! model and the configuration's `ignores`, and reports those that suppress nothing (NX006).
//!
//! The public API: [`all`], [`by_code`], [`by_name`], [`run`], [`RuleMeta`], [`Family`],
//! [`docs`] (reading rule documents) and [`suppress`].

pub mod docs;
pub mod suppress;

mod backup;
mod config;
mod health;
mod input;
mod migrations;
mod network;
mod scaling;
mod simulation;
mod startup;
mod versions;

use nexus_diagnostics::{Diagnostic, RuleInfo, Severity};
use nexus_model::Platform;
use rayon::prelude::*;

/// The families of the catalog; the code's hundreds digit and the folder under `rules/`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    Input,
    Startup,
    Migrations,
    Scaling,
    Config,
    Versions,
    Health,
    Network,
    Backup,
    Simulation,
}

impl Family {
    pub const ALL: [Family; 10] = [
        Family::Input,
        Family::Startup,
        Family::Migrations,
        Family::Scaling,
        Family::Config,
        Family::Versions,
        Family::Health,
        Family::Network,
        Family::Backup,
        Family::Simulation,
    ];

    pub fn dir(self) -> &'static str {
        match self {
            Family::Input => "input",
            Family::Startup => "startup",
            Family::Migrations => "migrations",
            Family::Scaling => "scaling",
            Family::Config => "config",
            Family::Versions => "versions",
            Family::Health => "health",
            Family::Network => "network",
            Family::Backup => "backup",
            Family::Simulation => "simulation",
        }
    }

    /// The code prefix: `NX0`, `NX1`, …
    pub fn prefix(self) -> &'static str {
        match self {
            Family::Input => "NX0",
            Family::Startup => "NX1",
            Family::Migrations => "NX2",
            Family::Scaling => "NX3",
            Family::Config => "NX4",
            Family::Versions => "NX5",
            Family::Health => "NX6",
            Family::Network => "NX7",
            Family::Backup => "NX8",
            Family::Simulation => "NX9",
        }
    }
}

/// What a rule is: its stable code, its name, family, default severity, documentation, and the
/// function that checks it.
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub family: Family,
    pub severity: Severity,
    /// The rule's Markdown file, relative to `rules/`.
    pub doc_path: &'static str,
    pub doc: &'static str,
    /// Whether the rule offers autofixes.
    pub fixable: bool,
    check: fn(&Context<'_>, &mut Vec<Diagnostic>),
}

impl std::fmt::Debug for RuleMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleMeta").field("code", &self.code).field("name", &self.name).finish_non_exhaustive()
    }
}

impl RuleMeta {
    /// The one-line summary: the first paragraph after the title.
    pub fn summary(&self) -> &'static str {
        docs::summary(self.doc)
    }

    /// Runs the rule over a platform.
    pub fn check(&self, platform: &Platform, out: &mut Vec<Diagnostic>) {
        (self.check)(&Context { platform }, out);
    }
}

impl RuleInfo for RuleMeta {
    fn code(&self) -> &'static str {
        self.code
    }
    fn name(&self) -> &'static str {
        self.name
    }
    fn severity(&self) -> Severity {
        self.severity
    }
}

/// What a rule sees: the platform model, and nothing of the source text.
pub struct Context<'a> {
    pub platform: &'a Platform,
}

/// What a rule's file declares about it; the registry adds what the Markdown path says.
#[doc(hidden)]
pub struct Decl {
    pub severity: Severity,
    pub fixable: bool,
}

/// Declares the rule implemented by this file: its default severity (`Error`, `Warning`,
/// `Info`), and `fixable` if it offers autofixes. Defines `META`, the rule's registry entry,
/// for building diagnostics: `Diagnostic::new(META, span, message)`.
macro_rules! declare_rule {
    ($severity:ident $(, $fixable:ident)?) => {
        #[doc(hidden)]
        pub(crate) const DECL: $crate::Decl = $crate::Decl {
            severity: nexus_diagnostics::Severity::$severity,
            fixable: $crate::declare_rule!(@fixable $($fixable)?),
        };
        /// This rule's entry in the registry.
        #[allow(dead_code)]
        pub(crate) static META: &$crate::RuleMeta = &$crate::RULES[$crate::index_of(module_path!())];
    };
    (@fixable fixable) => { true };
    (@fixable) => { false };
}
pub(crate) use declare_rule;

/// What every rule file imports.
mod prelude {
    pub(crate) use crate::{Context, declare_rule};
    pub(crate) use nexus_diagnostics::Diagnostic;
}

// The registry: `RULES` in code order, generated by build.rs from `rules/**/*.md`.
include!(concat!(env!("OUT_DIR"), "/registry.rs"));

/// The registry index of the rule implemented in `module`, at compile time: a rule file with no
/// Markdown file fails to compile here.
#[doc(hidden)]
pub const fn index_of(module: &str) -> usize {
    let mut i = 0;
    while i < MODULES.len() {
        if str_eq(MODULES[i], module) {
            return i;
        }
        i += 1;
    }
    panic!("a rule file declares a rule with no `rules/<family>/<CODE>-<name>.md`");
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Every rule, in code order.
pub fn all() -> &'static [RuleMeta] {
    &RULES
}

pub fn by_code(code: &str) -> Option<&'static RuleMeta> {
    RULES.iter().find(|r| r.code.eq_ignore_ascii_case(code))
}

pub fn by_name(name: &str) -> Option<&'static RuleMeta> {
    RULES.iter().find(|r| r.name == name)
}

/// Runs the enabled rules over a platform, in parallel; `severity` gives the severity the
/// configuration sets for a rule, which then applies to all its findings. The result is in rule order, each rule's
/// findings in the order it found them: callers sort.
pub fn run(
    platform: &Platform,
    enabled: &(dyn Fn(&RuleMeta) -> bool + Sync),
    severity: &(dyn Fn(&RuleMeta) -> Option<Severity> + Sync),
) -> Vec<Diagnostic> {
    RULES
        .par_iter()
        .filter(|r| enabled(r))
        .flat_map_iter(|r| {
            let mut v = Vec::new();
            r.check(platform, &mut v);
            if let Some(sev) = severity(r) {
                for d in &mut v {
                    d.severity = sev;
                }
            }
            v
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_knows_its_own_entry() {
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(index_of(MODULES[i]), i, "{}", r.code);
            assert!(MODULES[i].ends_with(&r.name.replace('-', "_")), "{}", r.code);
            assert!(r.code.starts_with(r.family.prefix()), "{} is not in {:?}", r.code, r.family);
        }
        let codes: Vec<_> = RULES.iter().map(|r| r.code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted, "codes are unique and in order");
    }
}
