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
//! [`graph`] builds the dependency graph for its reporter; [`cli`] is the command line.

pub mod check;
pub mod cli;
pub mod config;
pub mod config_schema;
pub mod graph;
pub mod simulate;
