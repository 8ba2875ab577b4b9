//! The integration tests, in one binary (one link step).
//!
//! - `rule_docs`: every rule's Markdown examples, executed.
//! - `fixtures`: realistic platforms under `fixtures/`, snapshotted.
//! - `spans`: every reported position is exact.
//! - `robustness`: hostile inputs are reported, never crash or hang.
//! - `cli`: exit codes, flags, config discovery, stdin.
//! - `reporters`: output formats against their schemas and each other.
//! - `meta`: registry, rule docs, generated docs and fixtures stay in step.

mod cli;
mod deps;
mod fixtures;
mod meta;
mod reporters;
mod robustness;
mod rule_docs;
mod spans;
mod util;
