//! # nexus-sim: the startup simulator of nexus-lint
//!
//! `nexus-lint simulate` turns "could race" into "races in 37 % of starts, here is the
//! timeline, replay it with this key". This crate is its engine: a deterministic
//! discrete-event simulation of a platform's deploy, run many times with different random
//! durations, with oracles that report NX901–NX908. Its input is its own ([`spec::SimPlatform`]);
//! [`lower`] translates nexus-lint's platform model into it, one deployment unit at a time, with
//! a table from every [`spec::Origin`] back to a manifest node; the CLI turns what comes back
//! into diagnostics and renders the rest.
//!
//! ## The model
//!
//! Time is integer milliseconds from the start of the deploy. The input ([`spec`]) lists
//! *actors* (workloads: Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs, bare
//! Pods, Compose services), their containers (init containers in order, native sidecars, main
//! containers, with probes or a Compose healthcheck), *dependencies* (a container connects to a
//! provider when it starts, and crashes or retries if it cannot), *gates* (init-container and
//! entrypoint waits, Compose `depends_on`, "retries on its own"), *migrations*, and the *deploy
//! plan* (`kubectl apply` steps, `kubectl wait`, `rollout status`, `sleep`, Helm with hooks,
//! Argo CD waves, `docker compose up [--wait]`).
//!
//! A trial plays the plan: objects are created in plan order (API latency each); controllers
//! create pods (all replicas, StatefulSet one by one, Jobs `parallelism` at a time); each pod is
//! scheduled, pulls its images, runs its init containers one after another (a native sidecar
//! releases the next once *started*: at once, or after its startupProbe), then starts its main
//! containers. A container passes its gates, connects to its providers, runs its migration if
//! it has one, then listens (servers) or exits (one-shots). A provider is reachable when one of
//! its replicas listens and is routable (Kubernetes: Ready and programmed into its Service's
//! endpoints; Compose: running). Probes succeed exactly when the container listens; readiness
//! makes the pod Ready, liveness and startup probes kill it. Exits go through the restart
//! policy: the kubelet's CrashLoopBackOff measured from `FinishedAt` (profile switch:
//! [`defaults::BackoffProfile`]), Docker's restart manager for Compose, the Job controller's
//! pod-failure backoff, `backoffLimit` and `activeDeadlineSeconds`. Every Kubernetes, Docker and
//! Compose number is in [`defaults`] with its source from `shared/research/simulation-model.md`;
//! the semantics tests (`tests/semantics.rs`, `tests/orchestration.rs`) reproduce the documented
//! ones (restarts at 0, 2, 14, 36, 78, 160, 322, 624 s; a Job giving up after 630 s; a
//! `service_healthy` gate opening at 30 s; …).
//!
//! A workload's *goal* is every replica serving (Ready, listening, in its endpoints), or its Job
//! complete; time-to-ready is when it first got there.
//!
//! ## Oracles ([`finding`])
//!
//! Safety is checked while the trial runs, liveness after it:
//!
//! | code | when | thresholds |
//! |---|---|---|
//! | NX901 early-connect | a connection is refused and the consumer will crash for it | – |
//! | NX902 migration-overlap | a replica of a workload that requires a migration starts serving before the migration completed | – |
//! | NX903 concurrent-migration-observed | two runs of migrations of one datastore overlap (unless both take a lock) | – |
//! | NX904 startup-stall | a required workload is not at its goal by the deadline; the blocked-on chain, marked deadlock when it loops | deadline 15 min ([`engine::SimOptions::deadline_ms`]) |
//! | NX905 crashloop-storm | a container restarts R times within W, or a workload's backoff penalty reaches B | R = 5, W = 10 min, B = 60 s |
//! | NX906 orchestrator-timeout | a bounded wait (kubectl wait, rollout status, Helm hook or `--wait`, Compose `--wait`) failed although its targets got there later, or passed although they were not there at the end; a Deployment past `progressDeadlineSeconds` that rolled out later | the tools' own timeouts |
//! | NX907 rollout-schema-skew | `--scenario upgrade` ([`engine::upgrade`]): new replicas of a rolled workload serve before a migration it requires completed, or old ones after it (unless the plan completed the migration before the rollout began) | – |
//! | NX908 config-change-skew | `--scenario config-change` ([`engine::config_change`]): after an edit of a ConfigMap or Secret, replicas of a workload keep the old values (env, `subPath`) or see the new ones pod by pod (volumes), with no rollout trigger or reload sidecar | kubelet sync 1 min + cache TTL 1 min |
//!
//! The *backoff penalty* is the time from a provider becoming reachable to the reconnect of a
//! consumer that crashed on it (research A1: ready at 90 s, next attempt at 160 s → 70 s).
//!
//! ## Determinism
//!
//! - A trial is a pure function of (platform, options, trial seed). There is no wall clock, no
//!   hashing of maps, no floating point from the platform's libm ([`dist`] computes `ln` and
//!   `exp` itself), and no dependence on threads.
//! - The queue orders events by (time, sequence number).
//! - Randomness comes from [`rng`]: the trial seed derives from (master seed, trial index) with
//!   SplitMix64, and each (actor, purpose) pair has its own xoshiro256** stream seeded from the
//!   trial seed and the FNV-1a hashes of the actor's stable name and the purpose. Adding an actor
//!   does not change anyone else's draws (tested).
//! - Monte Carlo ([`montecarlo`]) cuts trials into fixed blocks, runs them on rayon and merges
//!   the results in block order with order-independent statistics: the report is identical at
//!   any thread count (tested at 1 and 8 threads, and by a proptest over generated platforms).
//! - A [`run::TrialKey`] (`SEED:TRIAL`) replays one trial with its full event log, identical on
//!   every run; [`run::SEMANTICS_VERSION`] changes whenever an old key would replay differently.
//! - The event loop allocates nothing in steady state: every buffer is reused between trials
//!   (tested through buffer capacities).
//! - No panics on any input: dangling indices are a [`engine::SpecError`], times saturate, every
//!   sample is at most one day, and a trial stops at its event budget
//!   ([`engine::TrialEnd::BudgetExceeded`]).
//!
//! ## Public API
//!
//! ```
//! use nexus_sim::{engine::SimOptions, montecarlo::RunConfig, render, run::Simulator};
//!
//! let platform = nexus_sim::example::nexus(); // a lowering produces this from the model
//! let sim = Simulator::new(&platform, SimOptions::default()).expect("valid input");
//! let report = sim.run(RunConfig { trials: 200, master_seed: 42 });
//! let race = &report.races[0];
//! assert_eq!(race.code, "NX901");
//! println!("{}", render::human(&sim, &report, "nexus-lint simulate fixtures/nexus"));
//! let replay = sim.replay(race.first_trial); // `--replay 42:0`
//! let finding = replay.findings.iter().find(|f| f.kind == race.kind);
//! let svg = render::timeline_svg(&platform, &replay, finding);
//! assert!(svg.starts_with("<svg"));
//! let json = render::json(&platform, &report); // docs/simulate-report.schema.json
//! # let _ = json;
//! ```
//!
//! - Lowering: [`lower::lower`] (the model → [`lower::Unit`]s, each a `SimPlatform` with its
//!   [`lower::Origins`]), [`lower::LowerOptions`], [`lower::annotation_keys`].
//! - Input: [`spec`] (`SimPlatform`, `Actor`, `Container`, `Probe`, `Healthcheck`,
//!   `Dependency`, `Gate`, `Migration`, `DeployPlan`, …), [`defaults::Timing`],
//!   [`dist::parse_dist`] for `nexus-lint.io/startup-seconds`, [`defaults::BackoffProfile::parse`].
//! - Running: [`run::Simulator`] (`new`, `run`, `run_with_progress`, `replay`, `runner`),
//!   [`run::TrialKey`] (`parse`, `Display`), [`engine::SimOptions`].
//! - Results: [`montecarlo::SimReport`] (races with [`stats::Estimate`], time-to-ready
//!   [`stats::Quantiles`], restarts, penalties), [`finding::Finding`] with
//!   [`finding::Subject`]s that map to the caller's [`spec::Origin`]s.
//! - Output: [`render::human`], [`render::json`], [`render::timeline_svg`],
//!   [`render::timeline_html`], [`log::format_log`], [`timeline::build`].
//!
//! ## Durations
//!
//! Durations the manifests do not give come from [`defaults::Timing`] (per platform) and
//! per-actor or per-container overrides, each a [`dist::Dist`]:
//!
//! | form | meaning | annotation value |
//! |---|---|---|
//! | fixed | always this long | `"12"` (seconds), `"1.5"`, `"500ms"`, `"2m"`, `"1h"` |
//! | uniform | uniformly between two bounds, both included | `"5..30"`, `"500ms..2s"` |
//! | log-normal | median and 95th percentile, optionally clamped | `"lognormal(5, 20)"`, `"lognormal(1s, 5s, 200ms..30s)"` |
//!
//! A bare number is seconds. The log-normal is what the research recommends for pulls, pod
//! startup and app start (C4); [`dist::Dist::lognormal_p99`] takes a 99th percentile instead.
//!
//! ## Strategies
//!
//! [`montecarlo`] samples every duration (unbiased probabilities); [`explore`] replaces
//! sampling by *levels* of each actor's plausible interval: [`explore::pct`] draws PCT priority
//! schedules that find rare orderings in few runs, [`explore::exhaustive`] enumerates the
//! orderings of interacting actors and can say that none fails. Their findings are counts, not
//! probabilities. [`shrink`] reduces a failing trial to its deciding condition and causal chain.
//!
//! ## Not modelled (yet)
//!
//! Upgrades of Helm releases, Argo CD syncs and Compose projects (only `kubectl`-style plans are
//! upgraded) and config changes of Compose projects (no live update: recreated); a StatefulSet's
//! or DaemonSet's own `maxUnavailable` and `partition` (a config change rolls them one pod at a
//! time, their defaults); HPA scaling,
//! node-level scheduling, readiness probes that check dependencies, termination grace periods, Service/DNS objects created separately from their workloads, Flux
//! `dependsOn` and fault injection are not simulated. The lowering does not read yet: StatefulSet
//! `podManagementPolicy: Parallel` (pods start one by one), readiness gates, per-container
//! `restartPolicyRules`, Compose `deploy.replicas`/`scale` (one container each), Helm releases
//! that a script installs from a chart not rendered in the inputs, and `kubectl apply -k`
//! overlays beyond what the model resolves.

pub mod defaults;
pub mod dist;
pub mod engine;
pub mod example;
pub mod explore;
pub mod finding;
pub mod log;
pub mod lower;
pub mod montecarlo;
pub mod render;
pub mod rng;
pub mod run;
pub mod shrink;
pub mod spec;
pub mod stats;
pub mod timeline;
