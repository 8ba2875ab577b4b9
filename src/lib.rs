//! nexus-lint: a deployment-policy linter and startup simulator for Kubernetes manifests and
//! Docker Compose files.
//!
//! This package is the command line and the pipeline that joins the workspace's stages, which
//! data flows through one way:
//!
//! ```text
//! nexus-source ──► nexus-model ──► nexus-rules ──► nexus-diagnostics ──► nexus-report
//! files, spans,    front ends,     rules and       plain diagnostics      human, json,
//! YAML tree,       the platform,   suppression     (a leaf: spans only)   github, graph
//! shell reader     gates, plans
//! ```
//!
//! [`check`] runs the pipeline; [`config`] turns `.nexus-lint.yaml` and flags into settings;
//! [`baseline`] hides the findings a baseline file accepts; [`fix`] applies autofixes;
//! [`graph`] builds the dependency graph for its reporter; [`cli`] is the command line.

pub mod baseline;
pub mod check;
pub mod cli;
pub mod config;
pub mod fix;
pub mod graph;
pub mod simulate;

/// The project's repository: the SARIF driver's `informationUri` and the base of rule links.
pub const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// Where a rule's document (`rules/<family>/<CODE>-<name>.md`, `doc_path` relative to `rules/`)
/// is published.
pub fn rule_doc_url(doc_path: &str) -> String {
    format!("{REPOSITORY}/blob/main/rules/{doc_path}")
}
