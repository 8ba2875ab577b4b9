//! The integration tests, in one binary (one link step).
//!
//! - `architecture`: the crates depend on each other only in the pipeline's direction.
//! - `rule_docs`: every rule's Markdown examples, executed.
//! - `fixtures`: realistic platforms under `fixtures/`, snapshotted.
//! - `spans`: every reported position is exact.
//! - `robustness`: hostile inputs are reported, never crash or hang.
//! - `cli`: exit codes, flags, config discovery, stdin.
//! - `reporters`: output formats against their schemas and each other.
//! - `deps`: dependency inference and gates on `fixtures/deps/*` scenarios.
//! - `graph`: the `graph` command in each format.
//! - `meta`: registry, rule docs, generated docs and fixtures stay in step.
//! - `simulate`: the `simulate` command on the NEXUS pair — races, determinism, replay, timelines.
//! - `real`: the real-world corpus `fixtures/real/` and its hand review stay in step.
//! - `precision`: the false alarms and misses seen on real platforms, one scenario each under
//!   `fixtures/precision/*`.

mod architecture;
mod cli;
mod deps;
mod fixtures;
mod graph;
mod meta;
mod migrations;
mod precision;
mod real;
mod reporters;
mod robustness;
mod rule_docs;
mod simulate;
mod spans;
mod util;
