//! Waiting on Kubernetes objects: `kubectl wait`, `kubectl rollout status` and
//! groundnuty/k8s-wait-for, each naming objects by kind and name (or a selector) rather than a
//! host and port.

use super::args::long_opt;
use super::tools::Found;
use crate::durations::go_duration_ms;
use crate::{Bound, ReadyLevel, WaitTool};
use nexus_source::SourceDb;
use nexus_source::shell::Located as Src;

/// `kubectl wait --for=condition=X [--timeout=…] TARGETS` and `kubectl rollout status TARGET`.
///
/// `kubectl wait --timeout`: "The length of time to wait before giving up. Zero means check once
/// and don't wait, negative means wait for a week", default 30s (kubectl reference, `kubectl
/// wait`; simulation-model A8). `kubectl rollout status --timeout`: "zero means never", default
/// 0s, so it waits without a deadline by default (kubectl reference, `kubectl rollout status`).
pub(super) fn kubectl(db: &SourceDb, args: &[Src]) -> Vec<Found> {
    // Flags of kubectl and these subcommands that take a value.
    const TAKES: &[&str] = &[
        "-n",
        "--namespace",
        "--context",
        "--kubeconfig",
        "--cluster",
        "--user",
        "-s",
        "--server",
        "--token",
        "--as",
        "--as-group",
        "-l",
        "--selector",
        "--for",
        "--timeout",
        "-o",
        "--output",
        "-f",
        "--filename",
        "--field-selector",
        "--request-timeout",
        "--template",
        "--revision",
        "-k",
        "--kustomize",
        "--cache-dir",
        "--certificate-authority",
        "--client-certificate",
        "--client-key",
        "--tls-server-name",
        "-v",
        "--v",
    ];
    let mut positional: Vec<&Src> = Vec::new();
    let mut namespace = None;
    let mut condition: Option<String> = None;
    let mut timeout: Option<String> = None;
    let mut watch = true;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let t = a.text.as_str();
        if t.starts_with('-') && t.len() > 1 {
            let (name, inline) = match t.split_once('=') {
                Some((n, _)) => (n, Some(a.tail(db, n.len() + 1))),
                None => (t, None),
            };
            let value = match inline {
                Some(v) => Some(v),
                None if TAKES.contains(&name) => {
                    i += 1;
                    args.get(i).cloned()
                }
                // `-lapp=db`, `-nprod`.
                None if name.len() > 2
                    && (name.starts_with("-l") || name.starts_with("-n"))
                    && !name.starts_with("--") =>
                {
                    Some(a.tail(db, 2))
                }
                None => None,
            };
            let short = if name.starts_with("--") { name } else { name.get(..2).unwrap_or(name) };
            match (short, value) {
                ("-n" | "--namespace", Some(v)) => namespace = Some(v),
                ("--for", Some(v)) => condition = Some(v.text),
                ("--timeout", Some(v)) => timeout = Some(v.text),
                ("-w" | "--watch", v) => watch = v.is_none_or(|v| v.text != "false"),
                _ => {}
            }
        } else {
            positional.push(a);
        }
        i += 1;
    }
    let (rollout, targets) = match positional.first().map(|p| p.text.as_str()) {
        Some("wait") => (false, &positional[1..]),
        Some("rollout") if positional.get(1).is_some_and(|p| p.text == "status") => (true, &positional[2..]),
        _ => return Vec::new(),
    };
    let (tool, level, own) = if rollout {
        let own = match timeout.as_deref().map(go_duration_ms) {
            _ if !watch => Bound::Once,
            None | Some(Some(0)) => Bound::Unbounded,
            Some(Some(ms)) => Bound::Millis(ms),
            Some(None) => Bound::Unbounded,
        };
        (WaitTool::Other("kubectl rollout status".into()), ReadyLevel::Healthy, own)
    } else {
        let Some(cond) = condition else { return Vec::new() };
        let cond_l = cond.to_ascii_lowercase();
        if cond_l == "delete" {
            return Vec::new();
        }
        let level = match cond_l.strip_prefix("condition=") {
            Some(c) if c.split('=').next() == Some("complete") => ReadyLevel::Completed,
            _ => ReadyLevel::Healthy,
        };
        let own = match timeout.as_deref().map(go_duration_ms) {
            None | Some(None) => Bound::Default(30_000),
            Some(Some(0)) => Bound::Once,
            // "negative means wait for a week".
            Some(Some(ms)) if ms < 0 => Bound::Millis(604_800_000),
            Some(Some(ms)) => Bound::Millis(ms),
        };
        (WaitTool::KubectlWait, level, own)
    };
    let mut f = Found::new(tool, level);
    f.own = own;
    f.namespace = namespace;
    // Targets: `KIND/NAME …`, or `KIND NAME …`, or `KIND` with `-l`/`--all`.
    let mut objects = Vec::new();
    let mut kind_word: Option<String> = None;
    for t in targets {
        if let Some(slash) = t.text.find('/') {
            objects.push((canonical_kind(&t.text[..slash]), t.tail(db, slash + 1)));
        } else if let Some(k) = &kind_word {
            objects.push((k.clone(), (*t).clone()));
        } else {
            kind_word = Some(canonical_kind(&t.text));
        }
    }
    if objects.is_empty() {
        // A selector or `--all`: no object named.
        return vec![f];
    }
    objects
        .into_iter()
        .map(|o| {
            let mut f = f.clone();
            f.object = Some(o);
            f
        })
        .collect()
}

/// kubectl's short names and plurals to one lower-case singular (`deploy` → `deployment`).
pub(super) fn canonical_kind(k: &str) -> String {
    let k = k.split('.').next().unwrap_or(k).to_ascii_lowercase();
    match k.as_str() {
        "po" | "pod" | "pods" => "pod",
        "deploy" | "deployment" | "deployments" => "deployment",
        "sts" | "statefulset" | "statefulsets" => "statefulset",
        "ds" | "daemonset" | "daemonsets" => "daemonset",
        "rs" | "replicaset" | "replicasets" => "replicaset",
        "job" | "jobs" => "job",
        "cj" | "cronjob" | "cronjobs" => "cronjob",
        "svc" | "service" | "services" => "service",
        "pvc" | "persistentvolumeclaim" | "persistentvolumeclaims" => "persistentvolumeclaim",
        _ => return k,
    }
    .to_string()
}

/// groundnuty/k8s-wait-for (`wait_for.sh`): `pod|service|job|pod-we|job-we|pod-wr|job-wr NAME |
/// -lSELECTOR [kubectl args]`. It polls every `WAIT_TIME` (2 s) with no deadline ("while [ -n
/// …state… ]; do … sleep "$WAIT_TIME"; done", groundnuty/k8s-wait-for `wait_for.sh`). `pod-r`
/// is accepted as a pod wait too.
pub(super) fn k8s_wait_for(db: &SourceDb, args: &[Src]) -> Option<Found> {
    let kind = args.first()?;
    let level = match kind.text.as_str() {
        "job" | "job-we" | "job-wr" => ReadyLevel::Completed,
        "pod" | "pod-we" | "pod-wr" | "pod-r" | "service" => ReadyLevel::Healthy,
        _ => return None,
    };
    let target = args.get(1)?;
    let mut f = Found::new(WaitTool::K8sWaitFor, level);
    f.own = Bound::Unbounded;
    if !target.text.starts_with("-l") {
        let k = if kind.text.starts_with("job") {
            "job"
        } else if kind.text == "service" {
            "service"
        } else {
            "pod"
        };
        f.object = Some((k.to_string(), target.clone()));
    }
    f.namespace = long_opt(db, &args[2..], &["-n", "--namespace"]);
    Some(f)
}
