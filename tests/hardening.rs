//! Issue 7, the inputs that need a file system to build: symlinks and Compose references out of
//! the checked roots, secrets in every format, control characters in file names, devices and
//! FIFOs as config or input, an empty selection, closed pipes. Each is a regression test; time
//! and memory bounds are measured by `scripts/hostile.sh`, outside the tests.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::util::{bin, run_in, stderr, stdout};

const LATEST: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:latest\n      readinessProbe: {tcpSocket: {port: 80}}\n";

fn write(root: &Path, files: &[(&str, &str)]) {
    for (p, t) in files {
        let path = root.join(p);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, t).unwrap();
    }
}

/// Every output of a run in `dir`, concatenated with stderr: `check` in every format (and
/// `--report` files of each, a written baseline, a report against it, with `--simulate`),
/// `graph` in every format, `simulate` (Monte Carlo in every format, a replayed trial as text
/// and JSON, the timeline picture) and `fix --diff`.
fn every_format(dir: &Path, env: &[(&str, &str)]) -> String {
    let out_dir = tempfile::tempdir().unwrap();
    let file = |name: &str| out_dir.path().join(name).to_string_lossy().into_owned();
    let report = |format: &str| format!("{format}={}", file(&format!("report.{format}")));
    let (baseline, timeline) = (file("baseline.json"), file("timeline.html"));
    let mut runs: Vec<Vec<String>> = Vec::new();
    for format in ["human", "json", "github", "sarif", "junit", "markdown"] {
        runs.push(vec!["check".into(), ".".into(), "--format".into(), format.into(), "--color".into(), "never".into()]);
        runs.push(vec!["check".into(), ".".into(), "--report".into(), report(format)]);
    }
    let owned = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<String>>();
    runs.extend([
        owned(&["check", ".", "--format", "human", "--color", "always"]),
        owned(&["check", ".", "--write-baseline", &baseline]),
        owned(&["check", ".", "--baseline", &baseline, "--format", "human"]),
        owned(&["check", ".", "--baseline", &baseline, "--format", "json"]),
        owned(&["check", ".", "--simulate", "--format", "human", "--color", "never"]),
        owned(&["check", ".", "--simulate", "--format", "json"]),
        owned(&["graph", ".", "--format", "mermaid"]),
        owned(&["graph", ".", "--format", "dot"]),
        owned(&["graph", ".", "--format", "json"]),
        owned(&["simulate", ".", "--trials", "30", "--seed", "7", "--format", "human", "--color", "never"]),
        owned(&["simulate", ".", "--trials", "30", "--seed", "7", "--format", "json", "--timeline", &timeline]),
        owned(&["simulate", ".", "--trials", "30", "--seed", "7", "--format", "github"]),
        owned(&["simulate", ".", "--replay", "7:0", "--format", "human"]),
        owned(&["simulate", ".", "--replay", "7:0", "--format", "json"]),
        owned(&["fix", ".", "--diff"]),
    ]);
    let mut all = String::new();
    for args in &runs {
        let mut c = bin();
        c.current_dir(dir).args(args).arg("--no-config");
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        assert_ne!(out.status.code(), Some(101), "{args:?} panicked: {}", stderr(&out));
        all += &stdout(&out);
        all += &stderr(&out);
    }
    for format in ["human", "json", "github", "sarif", "junit", "markdown"] {
        assert!(out_dir.path().join(format!("report.{format}")).exists(), "no {format} report");
    }
    for f in fs::read_dir(out_dir.path()).unwrap().flatten() {
        all += &fs::read_to_string(f.path()).unwrap();
    }
    all
}

fn json(dir: &Path) -> serde_json::Value {
    let out = run_in(dir, &["check", ".", "--format", "json", "--no-config"]);
    serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)))
}

fn has(doc: &serde_json::Value, code: &str, file: &str, text: &str) -> bool {
    doc["diagnostics"].as_array().unwrap().iter().any(|d| {
        d["code"] == code
            && d["file"].as_str().is_some_and(|f| f.ends_with(file))
            && d["message"].as_str().unwrap().contains(text)
    })
}

/// Runs the binary, killing it if it outlives `limit` (a hang is a failure, not a stuck suite).
fn run_bounded(dir: &Path, args: &[&str], limit: Duration) -> Output {
    let mut child = bin()
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            panic!("`nexus-lint {}` still running after {limit:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Issue 7 items 1 and 2: links and Compose references out of the roots are reported and never
/// read; what is inside is still checked. "Read" is what reaches the source database: every file
/// in it lies under the root.
#[cfg(unix)]
#[test]
fn nothing_outside_the_roots_is_read() {
    use std::os::unix::fs::symlink;
    let base = tempfile::tempdir().unwrap();
    let base = base.path().canonicalize().unwrap();
    let (repo, outside) = (base.join("repo"), base.join("outside"));
    write(
        &outside,
        &[
            ("credentials", "aws_secret_access_key = CANARY-credentials-file\n"),
            ("secret.env", "API_TOKEN=CANARY-outside-env-file\nPLAIN=CANARY-plain-line\n"),
            ("dotenv", "IMAGE_TAG=CANARY-dotenv\n"),
            ("k8s/leaked.yaml", &LATEST.replace("name: web\n", "name: CANARY-linked-dir\n")),
        ],
    );
    write(
        &repo,
        &[
            ("k8s/app.yaml", LATEST),
            (
                "compose.yaml",
                "services:\n  api:\n    image: ghcr.io/acme/api:${IMAGE_TAG:-1.0.0}\n    env_file:\n      - ../outside/secret.env\n      - ./linked.env\n      - /proc/self/environ\n",
            ),
        ],
    );
    symlink(outside.join("credentials"), repo.join("creds.yaml")).unwrap();
    symlink("/proc/self/environ", repo.join("env.yaml")).unwrap();
    symlink("/proc", repo.join("proc")).unwrap();
    symlink(outside.join("k8s"), repo.join("k8s/linked")).unwrap();
    symlink(outside.join("secret.env"), repo.join("linked.env")).unwrap();
    symlink(outside.join("dotenv"), repo.join(".env")).unwrap();

    let env = [("NEXUS_ENV_CANARY", "CANARY-process-environment")];
    let all = every_format(&repo, &env);
    assert!(!all.contains("CANARY"), "something outside the roots was printed:\n{all}");
    let doc = json(&repo);
    for (file, text) in [
        ("creds.yaml", "leads outside the checked directories"),
        ("env.yaml", "leads outside the checked directories"),
        ("proc", "leads outside the checked directories"),
        ("k8s/linked", "leads outside the checked directories"),
    ] {
        assert!(has(&doc, "NX001", file, text), "{file}: {doc:#}");
    }
    assert!(has(
        &doc,
        "NX003",
        "compose.yaml",
        "`env_file` `../outside/secret.env` is outside the checked directories"
    ));
    assert!(has(&doc, "NX003", "compose.yaml", "`env_file` `./linked.env` is outside the checked directories"));
    assert!(has(&doc, "NX003", "compose.yaml", "`env_file` `/proc/self/environ` is outside the checked directories"));
    assert!(has(&doc, "NX003", ".env", "`.env` is a symlink that leads outside"));
    assert!(has(&doc, "NX501", "k8s/app.yaml", "latest"), "the rest is still checked: {doc:#}");
    assert_eq!(run_in(&repo, &["check", ".", "--no-config"]).status.code(), Some(1), "findings, not an I/O error");
    // Given by name, as the pre-commit hook gives changed files, the links are refused too.
    let out = run_in(&repo, &["check", "creds.yaml", "env.yaml", "k8s/app.yaml", "--format", "json", "--no-config"]);
    let named: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(has(&named, "NX001", "creds.yaml", "leads outside") && has(&named, "NX001", "env.yaml", "leads outside"));
    assert!(!stdout(&out).contains("CANARY") && !stderr(&out).contains("CANARY"));

    // What was read: every file in the source database is under the root, and none holds a canary.
    let spec = nexus_lint::check::InputSpec::Paths(vec![repo.to_string_lossy().into_owned()]);
    let o = nexus_lint::check::check(&spec, &crate::util::settings());
    for f in o.loaded.db.files() {
        assert!(!f.text.contains("CANARY"), "{} was read", f.path);
        if !f.text.is_empty() {
            let real = Path::new(&f.path).canonicalize().unwrap();
            assert!(real.starts_with(&repo), "{} resolves to {real:?}, outside the root", f.path);
        }
    }
}

/// Issue 7 item 3: realistic secrets in manifests, Secrets, `.env`, `env_file`s and command lines
/// that trigger findings; no output format prints any of them.
#[test]
fn secrets_never_reach_any_format() {
    const SECRETS: &[&str] = &[
        "Sx7!stringData-pass",
        "Sx7-decoded-data",
        "Sx7*not*base64!",
        "Sx7-env-password",
        "Sx7-url-password",
        "918273645",
        "Sx7-flag-space",
        "Sx7-flag-equals",
        "Sx7-inline-pgpassword",
        "Sx7-ado-password",
        "Sx7-jdbc-password",
        "Sx7-dotenv-interpolated",
        "Sx7-env-file-token",
        "Sx7-compose-password",
        "Sx7-compose-flag",
    ];
    let manifest = "apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData:\n  password: \"Sx7!stringData-pass\"\ndata:\n  decoded: U3g3LWRlY29kZWQtZGF0YQ==\n  broken: Sx7*not*base64!\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:latest\n          command: [\"sh\", \"-c\", \"PGPASSWORD=Sx7-inline-pgpassword psql -h db -c 'select 1' && exec api\"]\n          args: [\"--password\", \"Sx7-flag-space\", \"--api-token=Sx7-flag-equals\"]\n          env:\n            - {name: DB_PASSWORD, value: Sx7-env-password}\n            - {name: DATABASE_URL, value: \"postgres://app:Sx7-url-password@db:5432/app\"}\n            - {name: REDIS_PASSWORD, value: 918273645}\n            - {name: CONN, value: \"Server=db;User Id=sa;Password=Sx7-ado-password;\"}\n            - {name: JDBC_URL, value: \"jdbc:postgresql://db:5432/app?user=app&password=Sx7-jdbc-password\"}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: db}\nspec:\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec:\n      containers: [{name: postgres, image: \"postgres:16.4\", ports: [{containerPort: 5432}]}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  selector: {app: db}\n  ports: [{port: 5432}]\n";
    let compose = "services:\n  web:\n    image: ghcr.io/acme/${DB_PASSWORD}:latest\n    command: [\"serve\", \"--password=${DB_PASSWORD}\", \"--token\", \"Sx7-compose-flag\"]\n    env_file: [config/app.env]\n    environment:\n      MYSQL_ROOT_PASSWORD: Sx7-compose-password\n      DATABASE_URL: mysql://root:${DB_PASSWORD}@mysql:3306/app\n    depends_on: [mysql]\n  mysql:\n    image: mysql:8.4.3\n    environment:\n      MYSQL_ROOT_PASSWORD: ${DB_PASSWORD}\n";
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("k8s/app.yaml", manifest),
            ("compose/compose.yaml", compose),
            ("compose/.env", "DB_PASSWORD=Sx7-dotenv-interpolated\nCOMPOSE_PROJECT_NAME=shop\n"),
            ("compose/config/app.env", "LOG_LEVEL=debug\nAPI_TOKEN=Sx7-env-file-token\nBROKEN LINE\n"),
        ],
    );
    let all = every_format(dir.path(), &[]);
    for code in ["NX501", "NX002", "NX101", "NX003"] {
        assert!(all.contains(code), "expected {code} findings:\n{all}");
    }
    let leaked: Vec<&&str> = SECRETS.iter().filter(|s| all.contains(**s)).collect();
    assert!(leaked.is_empty(), "printed {leaked:?}:\n{all}");
}

/// Issue 7 item 4: escape sequences in file names and contents never reach the output raw, with
/// or without colour.
#[cfg(unix)]
#[test]
fn control_characters_in_names_and_contents_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let evil = "evil\u{1b}]0;pwned\u{7}\u{1b}[2K\u{9b}31m.yaml";
    write(
        dir.path(),
        &[
            (evil, LATEST),
            ("comment.yaml", "a: 1  # \u{1b}]52;c;ZWNobw==\u{7}\n\u{1b}[2K: 2\n"),
            ("value.yaml", &LATEST.replace("nginx:latest", "\"nginx\\e]52;c;ZWNobw==\\a:latest\"")),
        ],
    );
    let all = every_format(dir.path(), &[]);
    assert!(all.contains("evil\\x1b]0;pwned\\x07\\x1b[2K\\x9b31m.yaml"), "{all}");
    // Colour codes (`ESC [ … m`) are ours; nothing else may carry an escape.
    let stripped = strip_sgr(&all);
    let raw: Vec<char> = stripped.chars().filter(|c| nexus_report::escape::is_unsafe(*c)).collect();
    assert!(raw.is_empty(), "raw control characters {raw:?} in:\n{all}");
}

/// Removes SGR sequences (`ESC [ params m`), the only escapes `--color always` writes.
fn strip_sgr(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("\u{1b}[") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let n = after.find(|c: char| !(c.is_ascii_digit() || c == ';')).unwrap_or(after.len());
        if after[n..].starts_with('m') {
            rest = &after[n + 1..];
        } else {
            out.push('\u{1b}');
            rest = &rest[i + 1..];
        }
    }
    out.push_str(rest);
    out
}

/// Issue 7 item 9: a device or a FIFO as configuration is refused at once (exit 2, a clear
/// message), never read without bound or waited on.
#[cfg(unix)]
#[test]
fn devices_and_fifos_as_config_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("pod.yaml", LATEST)]);
    let fifo = dir.path().join("config.fifo");
    let have_fifo = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    let mut configs = vec!["/dev/zero".to_string(), "/dev/urandom".to_string()];
    if have_fifo {
        configs.push(fifo.to_string_lossy().into_owned());
    }
    for config in &configs {
        let out = run_bounded(dir.path(), &["check", "pod.yaml", "--config", config], Duration::from_secs(20));
        assert_eq!(out.status.code(), Some(2), "{config}");
        assert!(stderr(&out).contains("not a regular file"), "{config}: {}", stderr(&out));
    }
    // A baseline that is a device or a FIFO is refused the same way, before any work.
    for baseline in &configs {
        let args = ["check", "pod.yaml", "--no-config", "--baseline", baseline];
        let out = run_bounded(dir.path(), &args, Duration::from_secs(20));
        assert_eq!(out.status.code(), Some(2), "{baseline}");
        assert!(stderr(&out).contains("not a regular file"), "{baseline}: {}", stderr(&out));
    }
    // A config found by discovery that is a FIFO is refused the same way.
    if have_fifo {
        fs::rename(&fifo, dir.path().join(".nexus-lint.yaml")).unwrap();
        let out = run_bounded(dir.path(), &["check", "pod.yaml"], Duration::from_secs(20));
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("not a regular file"), "{}", stderr(&out));
    }
}

/// Issue 7 item 13: FIFOs (and devices, sockets) inside a walked directory are errors of the run,
/// as documented; the other files are still checked.
#[cfg(unix)]
#[test]
fn fifos_in_a_walked_directory_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("pod.yaml", LATEST)]);
    let ok = std::process::Command::new("mkfifo").arg(dir.path().join("pipe.yaml")).status().is_ok_and(|s| s.success());
    if !ok {
        return;
    }
    let out = run_bounded(dir.path(), &["check", ".", "--format", "json", "--no-config"], Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("pipe.yaml: not a regular file (a FIFO)"), "{}", stderr(&out));
    assert!(stdout(&out).contains("\"NX501\""), "the rest is checked: {}", stdout(&out));
}

/// Issue 7 item 11: an empty selection is a usage error, not a run of nothing.
#[test]
fn empty_selection_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("pod.yaml", LATEST)]);
    for args in [&["check", "pod.yaml", "--select", ""][..], &["check", "pod.yaml", "--select", ","]] {
        let out = run_in(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("names no rule"), "{}", stderr(&out));
    }
}

/// Issue 7 item 14: a reader that closes the pipe early makes the run exit 0, every time (not
/// only when a write happens to fail); an error of the run still exits 2.
#[test]
fn closed_pipe_exit_codes_are_deterministic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let first_line = |args: &[&str]| {
        let mut child =
            bin().current_dir(root).args(args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        child.wait().unwrap().code()
    };
    for _ in 0..5 {
        assert_eq!(first_line(&["check", "fixtures/nexus", "--color", "never"]), Some(0));
        assert_eq!(first_line(&["check", "fixtures/nexus", "--format", "json"]), Some(0));
        assert_eq!(first_line(&["check", "fixtures/nexus", "does-not-exist.yaml"]), Some(2));
    }
    // A reader that takes everything sees the findings' exit code.
    let out = bin().current_dir(root).args(["check", "fixtures/nexus"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
}

/// Issue 7 item 8: selectors at scale link exactly as before (the index changes the cost, not
/// the result): every Service routes to its own Deployment only.
#[test]
fn selectors_at_scale_link_one_to_one() {
    let n = 400;
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app{i}, namespace: ns{}}}\nspec:\n  selector: {{matchLabels: {{app: app{i}}}}}\n  template:\n    metadata: {{labels: {{app: app{i}, tier: web}}}}\n    spec:\n      containers: [{{name: c, image: \"acme/app:1.0.{i}\"}}]\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: svc{i}, namespace: ns{}}}\nspec:\n  selector: {{app: app{i}, tier: web}}\n  ports: [{{port: 80}}]\n",
            i % 7,
            i % 7
        ));
    }
    let o = crate::util::check_files(&[("k8s/all.yaml", &text)]);
    let p = &o.loaded.platform;
    for e in &p.endpoints {
        let names: Vec<&str> = e.targets.iter().map(|t| p.workload(*t).name.value.as_str()).collect();
        assert_eq!(names, [e.name.value.replace("svc", "app")], "{}", e.name.value);
    }
}

/// `fix` writes only regular files under the paths given: a Compose file reached through a link
/// that leaves the roots is never read, let alone written, and a link inside them stays a link
/// (its fix is reported as not applied) while the file it leads to is fixed once, by its path.
#[cfg(unix)]
#[test]
fn fix_never_writes_outside_the_roots_or_through_a_link() {
    let compose = "services:\n  web:\n    image: web:1.0\n    depends_on:\n      - db\n  db:\n    image: postgres:16.4\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n";
    let dir = tempfile::tempdir().unwrap();
    let (repo, outside) = (dir.path().join("repo"), dir.path().join("outside"));
    write(&outside, &[("compose.yaml", compose)]);
    write(&repo, &[("a/compose.yaml", compose)]);
    for (link, target) in [("b", "../../outside/compose.yaml"), ("c", "../a/compose.yaml")] {
        fs::create_dir_all(repo.join(link)).unwrap();
        std::os::unix::fs::symlink(target, repo.join(link).join("compose.yaml")).unwrap();
    }
    let out = run_in(&repo, &["fix", ".", "--no-config"]);
    let err = stderr(&out);
    assert_eq!(fs::read_to_string(outside.join("compose.yaml")).unwrap(), compose, "{err}");
    assert!(fs::read_to_string(repo.join("a/compose.yaml")).unwrap().contains("condition: service_healthy"), "{err}");
    for link in ["b", "c"] {
        let meta = fs::symlink_metadata(repo.join(link).join("compose.yaml")).unwrap();
        assert!(meta.file_type().is_symlink(), "{link}/compose.yaml was replaced");
    }
    assert!(err.contains("`c/compose.yaml` is a symbolic link; `fix` edits only regular files"), "{err}");
}
