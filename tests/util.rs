//! Helpers: running the binary, and checking in-memory files through the library.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use nexus_lint::check::{self, InputSpec, Outcome};
use nexus_lint::config::Settings;
use nexus_lint::simulate;
use nexus_sim::engine::Scenario;
use nexus_sim::finding::FindingKind;

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nexus-lint"));
    c.env_remove("GITHUB_ACTIONS").env("NO_COLOR", "1");
    c
}

/// Runs the binary in `dir` with `args`, with an empty stdin.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin().current_dir(dir).args(args).stdin(Stdio::null()).output().expect("run nexus-lint")
}

/// Runs the binary in the package root.
pub fn run(args: &[&str]) -> Output {
    run_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Settings as a fresh clone has them, with a fixed date.
pub fn settings() -> Settings {
    Settings { today: "2026-11-28".into(), ..Settings::default() }
}

/// Checks in-memory files with every rule enabled.
pub fn check_files(files: &[(&str, &str)]) -> Outcome {
    let spec = InputSpec::Memory(files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect());
    check::check(&spec, &settings())
}

/// Trials and seed with which simulation-family examples and fixtures are simulated: enough
/// for the races they show to appear (they are near-certain) and fast in a debug build.
pub const SIM_TRIALS: u64 = 200;
pub const SIM_SEED: u64 = 42;

/// Simulates in-memory files or paths (`SIM_TRIALS` trials, seed `SIM_SEED`) and returns the
/// simulation's findings, after suppressions, as an outcome.
/// The scenario that observes the simulation rule `code` (NX907: an upgrade).
pub fn scenario_of(code_or_name: &str) -> Scenario {
    FindingKind::ALL
        .iter()
        .find(|k| k.code() == code_or_name || k.name() == code_or_name)
        .map_or(Scenario::Install, |k| k.scenario())
}

/// Simulates `spec` in `scenario` with the tests' trials and seed, and returns its diagnostics.
pub fn simulate_spec_as(spec: InputSpec, scenario: Scenario) -> Outcome {
    let settings = settings();
    let loaded = check::load(&spec, &settings);
    let mut opts = simulate::Options::new(&settings.simulate, SIM_TRIALS, SIM_SEED);
    opts.sim.scenario = scenario;
    let s = simulate::run(&loaded.platform, &opts, &|_, _| {}).expect("simulates");
    let raw = simulate::diagnostics(&s, &settings, &loaded.db, &|_, k| format!("nexus-lint simulate --replay {k}"))
        .expect("diagnostics");
    let (diagnostics, suppressed) = check::finish(&loaded, &settings, raw, &check::is_simulation);
    check::outcome(loaded, diagnostics, suppressed)
}

pub fn simulate_files(files: &[(&str, &str)], scenario: Scenario) -> Outcome {
    simulate_spec_as(InputSpec::Memory(files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect()), scenario)
}

/// Checks paths (relative to the package root, the tests' working directory) with default
/// settings. Paths stay relative, so reports do not depend on where the checkout is.
pub fn check_paths(paths: &[&str]) -> Outcome {
    assert!(Path::new("fixtures").is_dir(), "tests run from the package root");
    let spec = InputSpec::Paths(paths.iter().map(|p| p.to_string()).collect());
    check::check(&spec, &settings())
}

/// The findings of a fixture directory: checked, and for the simulation's fixtures
/// (`fixtures/simulation/*`) also simulated (`SIM_TRIALS` trials, seed `SIM_SEED`).
pub fn fixture_findings(dir: &str) -> Outcome {
    if !dir.starts_with("fixtures/simulation/") {
        return check_paths(&[dir]);
    }
    let settings = settings();
    let loaded = check::load(&InputSpec::Paths(vec![dir.to_string()]), &settings);
    let mut opts = simulate::Options::new(&settings.simulate, SIM_TRIALS, SIM_SEED);
    opts.sim.scenario = scenario_of(dir.trim_start_matches("fixtures/simulation/"));
    let s = simulate::run(&loaded.platform, &opts, &|_, _| {}).expect("simulates");
    let mut raw = check::rule_findings(&loaded, &settings);
    raw.extend(
        simulate::diagnostics(&s, &settings, &loaded.db, &|_, k| format!("nexus-lint simulate {dir} --replay {k}"))
            .expect("diagnostics"),
    );
    let (diagnostics, suppressed) = check::finish(&loaded, &settings, raw, &|_| true);
    check::outcome(loaded, diagnostics, suppressed)
}

/// `(code, file, line)` of every diagnostic.
pub fn summary(o: &Outcome) -> Vec<(String, String, u32)> {
    o.diagnostics
        .iter()
        .map(|d| {
            let f = o.loaded.db.get(d.span().file);
            (d.code.to_string(), f.path.clone(), f.position(d.span().start).line)
        })
        .collect()
}

/// Copies a directory tree (files and directories; symlinks as the files they point to).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A temporary directory holding a copy of `fixtures/<name>` as `<dir>/<last component>`;
/// returns the directory and the copy's name relative to it.
pub fn fixture_copy(name: &str) -> (tempfile::TempDir, String) {
    let d = tempfile::tempdir().unwrap();
    let last = name.rsplit('/').next().unwrap().to_string();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name), &d.path().join(&last));
    (d, last)
}

/// Every file under a directory, with its content, by path relative to it.
pub fn read_tree(dir: &Path) -> std::collections::BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut std::collections::BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}
