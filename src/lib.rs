//! nexus-lint: a deployment-policy linter and startup simulator for Kubernetes manifests and
//! Docker Compose files.
//!
//! Data flows one way: [`source`] (files → spanned YAML) → front ends ([`k8s`], [`compose`]) →
//! [`model`] (the platform) → [`rules`] → [`diagnostics`] → [`report`]. [`check`] runs the
//! pipeline; [`cli`] is the command line on top of it.

pub mod check;
pub mod cli;
pub mod compose;
pub mod config;
pub mod diagnostics;
pub mod k8s;
pub mod model;
pub mod report;
pub mod rules;
pub mod source;
