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
//! - `config`: the configuration rules on the cases their issue names.
//! - `reporters`: output formats against their schemas and each other.
//! - `deps`: dependency inference and gates on `fixtures/deps/*` scenarios.
//! - `graph`: the `graph` command in each format.
//! - `properties`: the fuzz targets' properties over generated repositories (proptest).
//! - `meta`: registry, rule docs, generated docs and fixtures stay in step.
//! - `simulate`: the `simulate` command on the NEXUS pair — races, determinism, replay, timelines.
//! - `simulate_upgrade`: `simulate --scenario upgrade` on the NEXUS pair — NX907, determinism, replay.
//! - `simulate_config_change`: `simulate --scenario config-change` on the NEXUS pair — NX908 at
//!   the defect contract's lines, nothing on the fixed twin, determinism, schema, replay.
//! - `real`: the real-world corpus `fixtures/real/` and its hand review stay in step.
//! - `scaling`: NX3xx's numbers, the `spec.replicas` autofix applied, configured capacity.
//! - `precision`: the false alarms and misses seen on real platforms, one scenario each under
//!   `fixtures/precision/*`.
//! - `sarif`: SARIF against the SARIF 2.1.0 schema on every fixture, JUnit, Markdown.
//! - `baseline`: `--write-baseline` / `--baseline` on a copy of the NEXUS platform.
//! - `fix`: `nexus-lint fix` on copies of every fixture.
//! - `action`: the GitHub Action's scripts under a fake runner.

mod action;
mod architecture;
mod baseline;
mod cli;
mod config;
mod deps;
mod fix;
mod fixtures;
mod graph;
mod hardening;
mod hostile;
mod meta;
mod migrations;
mod precision;
mod properties;
mod real;
mod reporters;
mod robustness;
mod rule_docs;
mod sarif;
mod scaling;
mod simulate;
mod simulate_config_change;
mod simulate_upgrade;
mod spans;
mod util;
