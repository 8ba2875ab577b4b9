//! Rules: each reads the whole platform model and reports on one object.
//!
//! A rule is a Rust type implementing [`Rule`] plus one Markdown file
//! `rules/<family>/<CODE>-<name>.md`, compiled into the binary, whose examples are executed as
//! tests (`tests/rule_docs.rs`). Metadata lives in Rust next to the logic; prose lives in the
//! Markdown; a meta-test keeps the two in step.

pub mod docs;
mod registry;

mod health;
pub mod input;
mod network;
mod startup;
mod versions;

pub use registry::{all, by_code, by_name};

use crate::diagnostics::{Diagnostic, Severity};
use crate::model::Platform;
use crate::source::SourceDb;

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

/// What a rule is: its stable code, its name, family, default severity and documentation.
#[derive(Debug)]
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
}

impl RuleMeta {
    /// The one-line summary: the first paragraph after the title.
    pub fn summary(&self) -> &'static str {
        docs::summary(self.doc)
    }
}

/// What a rule sees.
pub struct Context<'a> {
    pub platform: &'a Platform,
    pub sources: &'a SourceDb,
}

pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>);
}

/// Declares a rule's metadata, reading its documentation from `rules/<doc>`.
macro_rules! rule_meta {
    ($code:literal, $name:literal, $family:ident, $severity:ident, $doc:literal $(, fixable = $fix:literal)?) => {
        $crate::rules::RuleMeta {
            code: $code,
            name: $name,
            family: $crate::rules::Family::$family,
            severity: $crate::diagnostics::Severity::$severity,
            doc_path: $doc,
            doc: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $doc)),
            fixable: false $(|| $fix)?,
        }
    };
}
pub(crate) use rule_meta;
