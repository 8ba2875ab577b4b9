//! `cargo bench`: throughput and resource figures, with the targets the issues name.
//!
//! 1. A generated corpus of 10,000 Kubernetes documents (500 files × 20 realistic documents:
//!    app Deployments, database StatefulSets and their Services, ConfigMaps, HPAs) is checked
//!    in-process on 2 threads; the median of 5 runs gives documents per second, and the peak
//!    resident memory of the measuring process is read from `/proc/self/status`.
//!    Every rule runs, dependency inference and gates included. Targets: ≥ 20,000 documents/s
//!    (and ≥ 15,000 with the startup rules, which are on), < 300 MB.
//! 2. Each hostile input of the robustness suite (alias bomb, 100k-deep nesting, a 50 MB file,
//!    a binary file) is checked in a fresh process. Targets: < 1 s and < 100 MB each.
//!
//! Each measurement runs in a child process (this binary re-executed with `--measure`), so peak
//! memory belongs to that measurement alone. Exits non-zero if a target is missed.

#![allow(clippy::print_stdout)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use nexus_lint::check::{self, InputSpec};
use nexus_lint::config::Settings;

const DOCS: usize = 10_000;
const PER_FILE: usize = 20;

/// A tiny deterministic generator, so the corpus is the same every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// Documents come in groups of five sharing a namespace: an app Deployment that connects to
/// its group's database (and to an older group's, through its cluster DNS name), the database
/// StatefulSet, its Service, a ConfigMap, and an HPA. Half the apps wait for their database in
/// an init container, so inference, gates and the startup rules all have work to do.
fn document(i: usize, rng: &mut Lcg) -> String {
    let g = i / 5;
    let ns = format!("team-{}", g % 17);
    let app = format!("app-{g}");
    let db = format!("db-{g}");
    let mut s = String::new();
    match i % 5 {
        0 => {
            let port = 8000 + rng.next(100);
            let tag =
                if rng.next(10) == 0 { "latest".to_string() } else { format!("1.{}.{}", rng.next(9), rng.next(20)) };
            let other = if g >= 17 { format!("db-{}.{ns}.svc.cluster.local", g - 17) } else { format!("db-{g}") };
            let init = if g.is_multiple_of(2) {
                format!(
                    "      initContainers:\n        - name: wait-for-db\n          image: postgres:16.4\n          command: [\"sh\", \"-c\", \"timeout 120 sh -c 'until pg_isready -h {db} -p 5432; do sleep 2; done'\"]\n"
                )
            } else {
                String::new()
            };
            let _ = write!(
                s,
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {app}\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/name: {app}\n    app.kubernetes.io/part-of: shop\nspec:\n  replicas: {r}\n  selector:\n    matchLabels:\n      app: {app}\n  template:\n    metadata:\n      labels:\n        app: {app}\n      annotations:\n        checksum/config: \"sha256:{i:064x}\"\n    spec:\n{init}      containers:\n        - name: app\n          image: ghcr.io/acme/{app}:{tag}\n          args: [\"--port\", \"{port}\", \"--log-level\", \"info\"]\n          ports:\n            - name: http\n              containerPort: {port}\n          env:\n            - name: DATABASE_URL\n              value: postgres://app@{db}:5432/app\n            - name: REPORTS_DB_URL\n              value: postgres://reports@{other}:5432/reports\n            - name: API_TOKEN\n              valueFrom:\n                secretKeyRef:\n                  name: {app}-secrets\n                  key: api-token\n          envFrom:\n            - configMapRef:\n                name: {app}-config\n          readinessProbe:\n            httpGet:\n              path: /ready\n              port: http\n            periodSeconds: 5\n          livenessProbe:\n            httpGet:\n              path: /live\n              port: {port}\n          resources:\n            requests:\n              cpu: 100m\n              memory: 128Mi\n            limits:\n              memory: 256Mi\n",
                r = 1 + rng.next(5),
            );
        }
        1 => {
            let _ = write!(
                s,
                "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {db}\n  namespace: {ns}\nspec:\n  serviceName: {db}\n  selector:\n    matchLabels:\n      app: {db}\n  template:\n    metadata:\n      labels:\n        app: {db}\n    spec:\n      containers:\n        - name: postgres\n          image: postgres:16.4\n          ports:\n            - name: postgres\n              containerPort: 5432\n          readinessProbe:\n            exec:\n              command: [\"pg_isready\", \"-U\", \"app\"]\n          resources:\n            requests:\n              cpu: 250m\n              memory: 512Mi\n"
            );
        }
        2 => {
            let _ = write!(
                s,
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: {db}\n  namespace: {ns}\nspec:\n  selector:\n    app: {db}\n  ports:\n    - name: postgres\n      port: 5432\n      targetPort: postgres\n"
            );
        }
        3 => {
            let _ = write!(
                s,
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {app}-config\n  namespace: {ns}\ndata:\n  LOG_LEVEL: info\n  CACHE_HOST: {db}\n  FEATURE_FLAGS: \"a,b,c\"\n  settings.yaml: |\n    http:\n      timeout: 30\n      retries: 3\n"
            );
        }
        _ => {
            let _ = write!(
                s,
                "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: {app}\n  namespace: {ns}\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: {app}\n  minReplicas: 2\n  maxReplicas: {m}\n  metrics:\n    - type: Resource\n      resource:\n        name: cpu\n        target:\n          type: Utilization\n          averageUtilization: 70\n  behavior:\n    scaleUp:\n      stabilizationWindowSeconds: 60\n    scaleDown:\n      stabilizationWindowSeconds: 300\n",
                m = 5 + rng.next(20)
            );
        }
    }
    s
}

fn write_corpus(dir: &Path) {
    let mut rng = Lcg(42);
    for f in 0..DOCS / PER_FILE {
        let mut text = String::new();
        for d in 0..PER_FILE {
            text.push_str("---\n");
            text.push_str(&document(f * PER_FILE + d, &mut rng));
        }
        std::fs::write(dir.join(format!("m{f:04}.yaml")), text).unwrap();
    }
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Child mode: check `path` `runs` times on `threads` threads; print `seconds peak_mb diags`.
fn measure(path: &str, runs: usize, threads: usize) {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build_global().unwrap();
    let settings = Settings::default();
    let mut times = Vec::new();
    let mut diags = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let o = check::check(&InputSpec::Paths(vec![path.to_string()]), &settings);
        times.push(t.elapsed().as_secs_f64());
        diags = o.diagnostics.len();
    }
    times.sort_by(f64::total_cmp);
    println!("{} {} {}", times[times.len() / 2], peak_rss_mb(), diags);
}

fn child(path: &Path, runs: usize, threads: usize) -> (f64, f64, usize) {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args(["--measure", &path.to_string_lossy(), &runs.to_string(), &threads.to_string()])
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    let v: Vec<&str> = s.split_whitespace().collect();
    assert!(v.len() == 3, "measurement failed: {s} {}", String::from_utf8_lossy(&out.stderr));
    (v[0].parse().unwrap(), v[1].parse().unwrap(), v[2].parse().unwrap())
}

fn hostile(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let mut bomb = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let mut prev = 'a';
    for c in 'b'..='i' {
        bomb.push_str(&format!("{c}: &{c} [{}]\n", vec![format!("*{prev}"); 9].join(", ")));
        prev = c;
    }
    let files: Vec<(&'static str, &str, Vec<u8>)> = vec![
        ("alias bomb (9^9 nodes)", "bomb.yaml", bomb.into_bytes()),
        ("100k-deep flow nesting", "deep.yaml", "[".repeat(100_000).into_bytes()),
        ("50 MB file", "big.yaml", "a: 1\n".repeat(50 * 1024 * 1024 / 5 + 1).into_bytes()),
        ("binary file", "binary.yaml", (0..=255u8).cycle().take(1 << 20).collect()),
    ];
    files
        .into_iter()
        .map(|(label, name, bytes)| {
            let sub = dir.join(name.trim_end_matches(".yaml"));
            std::fs::create_dir_all(&sub).unwrap();
            let p = sub.join(name);
            std::fs::write(&p, bytes).unwrap();
            (label, p)
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--measure") {
        measure(&args[2], args[3].parse().unwrap(), args[4].parse().unwrap());
        return;
    }
    // `NEXUS_BENCH_CORPUS=dir cargo bench` only writes the corpus there (for profiling).
    if let Some(dir) = std::env::var_os("NEXUS_BENCH_CORPUS") {
        std::fs::create_dir_all(&dir).unwrap();
        write_corpus(Path::new(&dir));
        return;
    }
    // `cargo bench` passes `--bench`; other arguments (filters) are ignored.
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    write_corpus(&corpus);
    let mut ok = true;

    let (secs, mb, diags) = child(&corpus, 5, 2);
    let rate = DOCS as f64 / secs;
    let pass = rate >= 20_000.0 && mb < 300.0;
    ok &= pass;
    println!("check: {DOCS} Kubernetes documents in {:.1} ms on 2 threads (median of 5)", secs * 1000.0);
    println!("  throughput  {rate:>10.0} documents/s   (target ≥ 20,000; ≥ 15,000 with every rule on — all are)");
    println!("  peak memory {mb:>10.1} MB            (target < 300)");
    println!("  findings    {diags:>10}");
    println!("  {}", if pass { "PASS" } else { "FAIL" });

    println!("hostile inputs, each in a fresh process (targets < 1 s, < 100 MB):");
    for (label, path) in hostile(dir.path()) {
        let (secs, mb, diags) = child(&path, 1, 2);
        let pass = secs < 1.0 && mb < 100.0 && diags >= 1;
        ok &= pass;
        println!(
            "  {label:<24} {:>8.1} ms {mb:>8.1} MB  {diags} finding(s)  {}",
            secs * 1000.0,
            if pass { "PASS" } else { "FAIL" }
        );
    }
    if !ok {
        std::process::exit(1);
    }
}
