//! The integration tests, in one binary (one link step).
//!
//! - `architecture`: the crates depend on each other only in the pipeline's direction.
//! - `rule_docs`: every rule's Markdown examples, executed.
//! - `fixtures`: realistic platforms under `fixtures/`, snapshotted.
//! - `spans`: every reported position is exact.
//! - `robustness`: hostile inputs are reported, never crash or hang.
//! - `hostile`: `fixtures/hostile/*`, each against its `expected` diagnostics.
//! - `hardening`: issue 7 — confinement to the checked roots, secrets in every format, escapes,
//!   bounded reports and configs, closed pipes; the inputs that need a file system to build.
//! - `cli`: exit codes, flags, config discovery, stdin.
//! - `reporters`: output formats against their schemas and each other.
//! - `deps`: dependency inference and gates on `fixtures/deps/*` scenarios.
//! - `graph`: the `graph` command in each format.
//! - `properties`: the fuzz targets' properties over generated repositories (proptest).
//! - `meta`: registry, rule docs, generated docs and fixtures stay in step.
//! - `real`: the real-world corpus `fixtures/real/` and its hand review stay in step.

mod architecture;
mod cli;
mod deps;
mod fixtures;
mod graph;
mod hardening;
mod hostile;
mod meta;
mod properties;
mod real;
mod reporters;
mod robustness;
mod rule_docs;
mod spans;
mod util;
