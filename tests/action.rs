//! The GitHub Action's scripts (`action/*.sh`) under a fake runner: a workspace, an event file,
//! `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`, `RUNNER_TEMP`, and the nexus-lint that cargo built on
//! `PATH`. Checks the annotations, the SARIF file, the job summary, the outputs and the exit code;
//! and the installer's released-binary path with a good and a bad checksum.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::util::{copy_dir, stderr, stdout};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

struct Runner {
    _dir: tempfile::TempDir,
    workspace: PathBuf,
    temp: PathBuf,
    output: PathBuf,
    summary: PathBuf,
    event: PathBuf,
}

impl Runner {
    fn new() -> Runner {
        let dir = tempfile::tempdir().unwrap();
        let workspace = dir.path().join("workspace");
        copy_dir(&Path::new(ROOT).join("fixtures/nexus"), &workspace.join("nexus"));
        copy_dir(&Path::new(ROOT).join("fixtures/nexus-fixed"), &workspace.join("nexus-fixed"));
        let temp = dir.path().join("runner-temp");
        fs::create_dir_all(&temp).unwrap();
        let event = dir.path().join("event.json");
        fs::write(
            &event,
            r#"{"action":"opened","number":7,"pull_request":{"number":7,"head":{"repo":{"full_name":"acme/platform"}}},"repository":{"full_name":"acme/platform"}}"#,
        )
        .unwrap();
        let output = dir.path().join("github-output");
        let summary = dir.path().join("step-summary.md");
        fs::write(&output, "").unwrap();
        fs::write(&summary, "").unwrap();
        Runner { workspace, temp, output, summary, event, _dir: dir }
    }

    fn command(&self, script: &str) -> Command {
        let bin_dir = Path::new(env!("CARGO_BIN_EXE_nexus-lint")).parent().unwrap().to_path_buf();
        let path = std::env::join_paths(
            std::iter::once(bin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
        )
        .unwrap();
        let mut c = Command::new("bash");
        c.arg(Path::new(ROOT).join("action").join(script))
            .current_dir(&self.workspace)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self._dir.path())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", &self.workspace)
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &self.event)
            .env("GITHUB_OUTPUT", &self.output)
            .env("GITHUB_STEP_SUMMARY", &self.summary)
            .env("GITHUB_ACTION_PATH", ROOT)
            .env("GITHUB_REPOSITORY", "acme/platform")
            .env("RUNNER_TEMP", &self.temp)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("NO_COLOR", "1");
        c
    }

    fn run(&self, inputs: &[(&str, &str)]) -> Output {
        let mut c = self.command("run.sh");
        for (k, v) in inputs {
            c.env(k, v);
        }
        c.output().unwrap()
    }

    fn outputs(&self) -> BTreeMap<String, String> {
        fs::read_to_string(&self.output)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

#[test]
fn action_checks_annotates_and_writes_sarif_and_summary() {
    let r = Runner::new();
    let out = r.run(&[
        ("INPUT_PATHS", "nexus"),
        ("INPUT_FAIL_ON", "warning"),
        ("INPUT_SARIF_FILE", "reports/nexus-lint.sarif"),
        ("INPUT_ANNOTATIONS", "true"),
        ("INPUT_SIMULATE", "on"),
        ("INPUT_SIMULATE_TRIALS", "100"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}\n{}", stdout(&out), stderr(&out));
    let s = stdout(&out);
    let annotations: Vec<&str> = s
        .lines()
        .filter(|l| l.starts_with("::error ") || l.starts_with("::warning ") || l.starts_with("::notice file="))
        .collect();
    assert!(
        annotations.iter().any(|l| l.starts_with("::warning file=nexus/docker-compose.yml,line=43,endLine=43,col=")),
        "{s}"
    );
    // The simulation's races are annotations too, at the node that fixes them.
    assert!(
        annotations.iter().any(|l| l.contains("title=nexus-lint NX901 (early-connect)")
            && l.starts_with("::warning file=nexus/k8s/production/nexus-backend-deployment.yaml,line=60,")),
        "{s}"
    );
    let o = r.outputs();
    assert_eq!(o["exit-code"], "1");
    assert_eq!(o["sarif-file"], "reports/nexus-lint.sarif");
    let warnings: usize = o["warnings"].parse().unwrap();
    assert_eq!(warnings, annotations.iter().filter(|l| l.starts_with("::warning ")).count());
    assert!(warnings > 5);
    let sarif: Value =
        serde_json::from_str(&fs::read_to_string(r.workspace.join("reports/nexus-lint.sarif")).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let reported = results.iter().filter(|r| r.get("suppressions").is_none()).count();
    let checked = annotations.iter().filter(|l| !l.contains("title=nexus-lint NX9")).count();
    assert_eq!(reported, checked, "one result per annotation of the check");
    assert!(
        results.iter().all(|r| !r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .starts_with('/'))
    );
    let summary = fs::read_to_string(&r.summary).unwrap();
    assert!(summary.starts_with("### nexus-lint\n"), "{summary}");
    assert!(summary.contains("| severity | rule | location | message |"), "{summary}");
    assert!(summary.contains("`nexus-lint simulate`: "), "{summary}");
}

#[test]
fn action_passes_on_a_clean_platform_and_validates_inputs() {
    let r = Runner::new();
    let out = r.run(&[("INPUT_PATHS", "nexus-fixed"), ("INPUT_SARIF_FILE", "nexus-lint.sarif")]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(r.outputs()["exit-code"], "0");
    assert!(r.workspace.join("nexus-lint.sarif").is_file());
    // fail-on never; no annotations; no SARIF.
    let r = Runner::new();
    let out = r.run(&[
        ("INPUT_PATHS", "nexus"),
        ("INPUT_FAIL_ON", "never"),
        ("INPUT_ANNOTATIONS", "false"),
        ("INPUT_SARIF_FILE", ""),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stdout(&out).contains("::warning "), "{}", stdout(&out));
    assert_eq!(r.outputs()["sarif-file"], "");
    assert_ne!(r.outputs()["warnings"], "0", "counted even when not shown");
    // An input that is neither on nor off.
    let out = Runner::new().run(&[("INPUT_PATHS", "nexus"), ("INPUT_SIMULATE", "sometimes")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("::error title=nexus-lint::input `simulate` must be on or off"), "{}", stdout(&out));
    // A path that looks like an option stays a path.
    let out = Runner::new().run(&[("INPUT_PATHS", "--version")]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// An action checkout whose release table lists a fake binary, with the given checksum.
fn action_with_release(dir: &Path, checksum: Option<&str>) -> PathBuf {
    let action = dir.join("action-src");
    fs::create_dir_all(action.join("action")).unwrap();
    for f in ["Cargo.toml", "Cargo.lock"] {
        fs::copy(Path::new(ROOT).join(f), action.join(f)).unwrap();
    }
    for f in ["prepare.sh", "install.sh", "run.sh"] {
        fs::copy(Path::new(ROOT).join("action").join(f), action.join("action").join(f)).unwrap();
    }
    let pkg = dir.join("pkg");
    fs::create_dir_all(&pkg).unwrap();
    let fake = format!("#!/bin/sh\necho \"nexus-lint {}\"\n", env!("CARGO_PKG_VERSION"));
    fs::write(pkg.join("nexus-lint"), fake).unwrap();
    let tar = dir.join("nexus-lint.tar.gz");
    let st = Command::new("tar").arg("-czf").arg(&tar).arg("-C").arg(&pkg).arg("nexus-lint").status().unwrap();
    assert!(st.success());
    let sha = checksum.map_or_else(|| sha256_hex(&fs::read(&tar).unwrap()), str::to_string);
    fs::write(
        action.join("action/releases.txt"),
        format!("# test\n{} x86_64-unknown-linux-gnu {sha} file://{}\n", env!("CARGO_PKG_VERSION"), tar.display()),
    )
    .unwrap();
    action
}

fn prepare_and_install(r: &Runner, action: &Path) -> (Output, Output) {
    let prep =
        r.command("prepare.sh").env("GITHUB_ACTION_PATH", action).env("GITHUB_ACTION_REF", "v0.1.0").output().unwrap();
    let o = r.outputs();
    let mut install = r.command("install.sh");
    install.env("GITHUB_ACTION_PATH", action);
    for (env, key) in [
        ("NEXUS_LINT_VERSION", "version"),
        ("NEXUS_LINT_ROOT", "root"),
        ("NEXUS_LINT_RELEASE_URL", "release-url"),
        ("NEXUS_LINT_RELEASE_SHA256", "release-sha256"),
    ] {
        install.env(env, o.get(key).cloned().unwrap_or_default());
    }
    (prep, install.output().unwrap())
}

#[test]
fn installer_checks_the_release_checksum() {
    let r = Runner::new();
    let action = action_with_release(r._dir.path(), None);
    let (prep, install) = prepare_and_install(&r, &action);
    assert!(prep.status.success(), "{}", stderr(&prep));
    let o = r.outputs();
    assert_eq!(o["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        o["cache-key"].starts_with(&format!("nexus-lint-Linux-X64-{}-v0.1.0-", env!("CARGO_PKG_VERSION"))),
        "{o:?}"
    );
    assert!(o["release-url"].starts_with("file://"));
    assert!(install.status.success(), "{}\n{}", stdout(&install), stderr(&install));
    assert!(stdout(&install).contains(&format!("Using nexus-lint {}", env!("CARGO_PKG_VERSION"))));
    let bin = r.outputs()["bin"].clone();
    assert!(Path::new(&bin).is_file() && bin.ends_with("/bin/nexus-lint"), "{bin}");

    let r = Runner::new();
    let action = action_with_release(r._dir.path(), Some(&"0".repeat(64)));
    let (_, install) = prepare_and_install(&r, &action);
    assert_eq!(install.status.code(), Some(2));
    assert!(stdout(&install).contains("::error title=nexus-lint::checksum mismatch"), "{}", stdout(&install));
    assert!(!r.outputs().contains_key("bin"));
    assert!(!Path::new(&r.outputs()["root"]).join("bin/nexus-lint").exists(), "nothing installed");
}

#[test]
fn without_a_release_the_installer_builds_from_source() {
    let r = Runner::new();
    let prep = r.command("prepare.sh").output().unwrap();
    assert!(prep.status.success(), "{}", stderr(&prep));
    let o = r.outputs();
    assert_eq!(o["release-url"], "", "action/releases.txt lists no release yet");
    assert_eq!(o["root"], format!("{}/.nexus-lint/{}", r._dir.path().display(), env!("CARGO_PKG_VERSION")));
    // The cached binary of the pinned version is used as is (building it takes minutes;
    // scripts/check-integrations.sh runs the real `cargo install`).
    let bin = Path::new(&o["root"]).join("bin");
    fs::create_dir_all(&bin).unwrap();
    fs::copy(env!("CARGO_BIN_EXE_nexus-lint"), bin.join("nexus-lint")).unwrap();
    let install = r
        .command("install.sh")
        .env("NEXUS_LINT_VERSION", &o["version"])
        .env("NEXUS_LINT_ROOT", &o["root"])
        .env("NEXUS_LINT_RELEASE_URL", "")
        .output()
        .unwrap();
    assert!(install.status.success(), "{}", stderr(&install));
    assert!(stdout(&install).contains("restored from the cache"), "{}", stdout(&install));
}
