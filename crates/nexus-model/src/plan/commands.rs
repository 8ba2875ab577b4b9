//! The commands that make a deploy plan, read from their expanded arguments: `kubectl apply`/
//! `create`/`replace`, `kubectl wait`, `kubectl rollout status`, `helm install`/`upgrade`, and
//! `sleep`. Flags are read the way kubectl and helm read them (spf13/pflag): long flags with
//! `=value` or a separate value, short flags clustered (`-Rf dir`) or with an attached value
//! (`-nprod`), flags anywhere among the arguments, `--` ending them.

use crate::Bound;
use crate::durations::go_duration_ms as duration_ms;
use nexus_source::Span;
use nexus_source::shell::eval::seconds_ms;

pub(super) use nexus_source::shell::eval::Arg;

/// What a command does to the plan, before paths and targets are resolved.
#[derive(Clone, Debug)]
pub(super) enum Tool {
    Apply { files: Vec<Arg>, kustomize: Option<Arg>, recursive: bool },
    Wait { condition: String, targets: Targets, timeout: Bound },
    Rollout { targets: Targets, timeout: Bound },
    Helm { release: String, chart: String, wait: bool, timeout: Bound },
    Sleep { millis: i64 },
}

/// What a `kubectl wait` or `rollout status` is about.
#[derive(Clone, Debug, Default)]
pub(super) struct Targets {
    /// `KIND/NAME` or `KIND NAME…`, the kind as typed.
    pub named: Vec<(String, String)>,
    /// Kinds selected with `-l` or `--all`.
    pub kinds: Vec<String>,
    /// `-l`/`--selector`; None with `--all`.
    pub selector: Option<String>,
    pub files: Vec<Arg>,
    pub kustomize: Option<Arg>,
    pub recursive: bool,
    pub namespace: Option<String>,
}

/// A week, in milliseconds: what `kubectl wait` makes of a negative `--timeout` ("negative means
/// wait for a week", `kubectl wait --help`).
pub(super) const WEEK_MS: i64 = 7 * 24 * 3_600_000;

/// `kubectl wait`'s default `--timeout` ("30s", `kubectl wait --help`).
pub(super) const KUBECTL_WAIT_DEFAULT_MS: i64 = 30_000;

/// Helm's default `--timeout` ("5m0s", `helm upgrade --help`, `helm install --help`).
pub(super) const HELM_DEFAULT_MS: i64 = 300_000;

/// Reads a command (wrappers already removed) into a plan action.
pub(super) fn recognise(args: &[Arg], src: &str) -> Option<Tool> {
    let first = args.first()?;
    if !first.known {
        return None;
    }
    let name = first.text.rsplit('/').next().unwrap_or(&first.text);
    match name {
        "kubectl" | "kubectl.exe" | "oc" | "microk8s.kubectl" => kubectl(&args[1..], src),
        // `microk8s kubectl …`, `k3s kubectl …`, `minikube kubectl -- …`
        "microk8s" | "k3s" | "minikube" if args.get(1).is_some_and(|a| a.text == "kubectl") => {
            let rest = &args[2..];
            let rest = if rest.first().is_some_and(|a| a.text == "--") { &rest[1..] } else { rest };
            kubectl(rest, src)
        }
        "helm" | "helm3" => helm(&args[1..], src),
        "sleep" => sleep(&args[1..]).map(|millis| Tool::Sleep { millis }),
        _ => None,
    }
}

/// Flag-parsing rules for one program.
struct Spec {
    /// Long flags that take a value (a following argument when not given with `=`).
    values: &'static [&'static str],
    /// Short flags and their long names; `true` when the flag takes a value.
    shorts: &'static [(char, &'static str, bool)],
}

const KUBECTL: Spec = Spec {
    values: &[
        "filename",
        "kustomize",
        "namespace",
        "selector",
        "field-selector",
        "output",
        "template",
        "timeout",
        "for",
        "context",
        "kubeconfig",
        "cluster",
        "user",
        "server",
        "token",
        "as",
        "as-group",
        "as-uid",
        "request-timeout",
        "cache-dir",
        "certificate-authority",
        "client-certificate",
        "client-key",
        "tls-server-name",
        "password",
        "username",
        "log-file",
        "log-dir",
        "log-file-max-size",
        "log-backtrace-at",
        "stderrthreshold",
        "vmodule",
        "v",
        "field-manager",
        "grace-period",
        "prune-allowlist",
        "prune-whitelist",
        "revision",
        "subresource",
        "raw",
        "profile",
        "profile-output",
        "chunk-size",
    ],
    shorts: &[
        ('n', "namespace", true),
        ('f', "filename", true),
        ('k', "kustomize", true),
        ('l', "selector", true),
        ('o', "output", true),
        ('s', "server", true),
        ('v', "v", true),
        ('R', "recursive", false),
        ('w', "watch", false),
        ('A', "all-namespaces", false),
    ],
};

const HELM: Spec = Spec {
    values: &[
        "namespace",
        "values",
        "set",
        "set-string",
        "set-file",
        "set-json",
        "set-literal",
        "version",
        "timeout",
        "repo",
        "kube-context",
        "kubeconfig",
        "description",
        "post-renderer",
        "post-renderer-args",
        "output",
        "username",
        "password",
        "ca-file",
        "cert-file",
        "key-file",
        "keyring",
        "history-max",
        "name-template",
        "labels",
        "registry-config",
        "repository-cache",
        "repository-config",
        "burst-limit",
        "qps",
        "kube-as-user",
        "kube-as-group",
        "kube-apiserver",
        "kube-ca-file",
        "kube-token",
        "kube-tls-server-name",
    ],
    shorts: &[
        ('n', "namespace", true),
        ('f', "values", true),
        ('o', "output", true),
        ('i', "install", false),
        ('g', "generate-name", false),
    ],
};

struct Flags<'a> {
    positional: Vec<&'a Arg>,
    /// (long name, value) in order.
    flags: Vec<(String, Option<Arg>)>,
}

impl Flags<'_> {
    fn values(&self, name: &str) -> Vec<&Arg> {
        self.flags.iter().filter(|(n, _)| n == name).filter_map(|(_, v)| v.as_ref()).collect()
    }

    fn last(&self, name: &str) -> Option<&Arg> {
        self.values(name).pop()
    }

    fn given(&self, name: &str) -> bool {
        self.flags.iter().any(|(n, _)| n == name)
    }

    /// A boolean flag: present without a value, or with a true value (`--recursive=true`).
    fn bool(&self, name: &str) -> bool {
        match self.flags.iter().rev().find(|(n, _)| n == name) {
            None => false,
            Some((_, None)) => true,
            Some((_, Some(v))) => !matches!(v.text.as_str(), "false" | "0" | "f" | "F" | "FALSE" | "False"),
        }
    }
}

/// A value cut out of an argument (`--filename=x`, `-nprod`), with a narrower span when the
/// argument is written literally.
fn sub_arg(a: &Arg, offset: usize, src: &str) -> Arg {
    let text = a.text[offset..].to_string();
    let literal = src.get(a.span.range()) == Some(a.text.as_str());
    let span = if literal { Span::new(a.span.file, a.span.start + offset as u32, a.span.end) } else { a.span };
    Arg { text, known: a.known, span, word: a.word }
}

fn parse<'a>(args: &'a [Arg], spec: &Spec, src: &str) -> Flags<'a> {
    let mut out = Flags { positional: Vec::new(), flags: Vec::new() };
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let t = a.text.as_str();
        i += 1;
        if t == "--" {
            out.positional.extend(args[i..].iter());
            break;
        }
        if let Some(long) = t.strip_prefix("--") {
            match long.split_once('=') {
                Some((name, _)) => out.flags.push((name.to_string(), Some(sub_arg(a, name.len() + 3, src)))),
                None if spec.values.contains(&long) => {
                    out.flags.push((long.to_string(), args.get(i).cloned()));
                    i += 1;
                }
                None => out.flags.push((long.to_string(), None)),
            }
        } else if t.len() > 1 && t.starts_with('-') && a.known {
            for (k, c) in t.char_indices().skip(1) {
                let (long, takes) = spec
                    .shorts
                    .iter()
                    .find(|(s, _, _)| *s == c)
                    .map_or((c.to_string(), false), |(_, l, v)| (l.to_string(), *v));
                if takes {
                    let rest = k + c.len_utf8();
                    let value = if rest < t.len() {
                        let off = if t[rest..].starts_with('=') { rest + 1 } else { rest };
                        Some(sub_arg(a, off, src))
                    } else {
                        i += 1;
                        args.get(i - 1).cloned()
                    };
                    out.flags.push((long, value));
                    break;
                }
                // `-w=false`: a boolean shorthand with its value.
                if t[k + c.len_utf8()..].starts_with('=') {
                    out.flags.push((long, Some(sub_arg(a, k + c.len_utf8() + 1, src))));
                    break;
                }
                out.flags.push((long, None));
            }
        } else {
            out.positional.push(a);
        }
    }
    out
}

fn kubectl(args: &[Arg], src: &str) -> Option<Tool> {
    let f = parse(args, &KUBECTL, src);
    let pos: Vec<&str> = f.positional.iter().map(|a| a.text.as_str()).collect();
    match pos.as_slice() {
        ["apply" | "create" | "replace", rest @ ..] => {
            // `kubectl apply view-last-applied|edit-last-applied|set-last-applied` and
            // `kubectl create namespace|secret|…` create nothing from files.
            if !rest.is_empty() {
                return None;
            }
            // A dry run creates nothing (`--dry-run` alone is the deprecated client dry run).
            if let Some((_, v)) = f.flags.iter().rev().find(|(n, _)| n == "dry-run")
                && v.as_ref().is_none_or(|v| !matches!(v.text.as_str(), "none" | "false"))
            {
                return None;
            }
            let files: Vec<Arg> = f.values("filename").into_iter().flat_map(|a| split_csv(a, src)).collect();
            let kustomize = f.last("kustomize").cloned();
            if files.is_empty() && kustomize.is_none() {
                return None;
            }
            Some(Tool::Apply { files, kustomize, recursive: f.bool("recursive") })
        }
        ["wait", ..] => {
            let condition = f.last("for")?.text.clone();
            let targets = targets(&f, &f.positional[1..], src);
            let timeout = match f.last("timeout") {
                None => Bound::Default(KUBECTL_WAIT_DEFAULT_MS),
                Some(t) if !t.known => Bound::Default(KUBECTL_WAIT_DEFAULT_MS),
                // "Zero means check once and don't wait, negative means wait for a week"
                // (`kubectl wait --help`).
                Some(t) => match duration_ms(&t.text)? {
                    0 => Bound::Once,
                    ms if ms < 0 => Bound::Millis(WEEK_MS),
                    ms => Bound::Millis(ms),
                },
            };
            Some(Tool::Wait { condition, targets, timeout })
        }
        ["rollout", "status", ..] => {
            let targets = targets(&f, &f.positional[2..], src);
            // "By default 'rollout status' will watch the status of the latest rollout until it's
            // done"; `--watch=false` only looks once; `--timeout`: "zero means never"
            // (`kubectl rollout status --help`); a negative one is taken as zero
            // (client-go `tools/watch.ContextWithOptionalTimeout`).
            let timeout = if f.given("watch") && !f.bool("watch") {
                Bound::Once
            } else {
                match f.last("timeout") {
                    Some(t) if t.known => match duration_ms(&t.text)? {
                        ms if ms <= 0 => Bound::Unbounded,
                        ms => Bound::Millis(ms),
                    },
                    _ => Bound::Unbounded,
                }
            };
            Some(Tool::Rollout { targets, timeout })
        }
        _ => None,
    }
}

/// `-f a.yaml,b.yaml`: pflag string slices are comma-separated.
fn split_csv(a: &Arg, src: &str) -> Vec<Arg> {
    if !a.text.contains(',') || a.text.contains("://") {
        return vec![a.clone()];
    }
    let literal = src.get(a.span.range()) == Some(a.text.as_str());
    let mut out = Vec::new();
    let mut off = 0;
    for piece in a.text.split(',') {
        let span = if literal {
            Span::new(a.span.file, a.span.start + off as u32, a.span.start + (off + piece.len()) as u32)
        } else {
            a.span
        };
        if !piece.is_empty() {
            out.push(Arg { text: piece.to_string(), known: a.known, span, word: a.word });
        }
        off += piece.len() + 1;
    }
    out
}

fn targets(f: &Flags, positional: &[&Arg], src: &str) -> Targets {
    let mut t = Targets {
        files: f.values("filename").into_iter().flat_map(|a| split_csv(a, src)).collect(),
        kustomize: f.last("kustomize").cloned(),
        recursive: f.bool("recursive"),
        selector: f.last("selector").map(|s| s.text.clone()),
        namespace: if f.bool("all-namespaces") { None } else { f.last("namespace").map(|n| n.text.clone()) },
        ..Targets::default()
    };
    let mut kind: Option<&str> = None;
    let mut named_after_kind = false;
    for a in positional {
        if let Some((k, n)) = a.text.split_once('/') {
            t.named.push((k.to_string(), n.to_string()));
        } else if let Some(k) = kind {
            named_after_kind = true;
            for k in k.split(',') {
                t.named.push((k.to_string(), a.text.clone()));
            }
        } else {
            kind = Some(&a.text);
        }
    }
    if let Some(k) = kind
        && !named_after_kind
        && (t.selector.is_some() || f.bool("all"))
    {
        t.kinds = k.split(',').map(str::to_string).collect();
    }
    t
}

fn helm(args: &[Arg], src: &str) -> Option<Tool> {
    let f = parse(args, &HELM, src);
    let pos: Vec<&str> = f.positional.iter().map(|a| a.text.as_str()).collect();
    let (release, chart) = match pos.as_slice() {
        // `helm upgrade` without `--install` upgrades a release that exists: it still applies
        // the chart's objects.
        ["upgrade", release, chart, ..] => (*release, *chart),
        ["install", chart, ..] if f.bool("generate-name") => ("", *chart),
        ["install", release, chart, ..] => (*release, *chart),
        _ => return None,
    };
    if f.given("dry-run") && f.last("dry-run").is_none_or(|v| !matches!(v.text.as_str(), "none" | "false")) {
        return None;
    }
    // `--atomic` (Helm 3) and `--rollback-on-failure` (Helm 4) set `--wait` ("The --wait flag will
    // be set automatically if --atomic is used", `helm upgrade --help`). Helm 4's `--wait` takes
    // a strategy: `watcher`/`legacy` wait, `hookOnly` does not.
    let wait = f.bool("atomic")
        || f.bool("rollback-on-failure")
        || (f.bool("wait") && f.last("wait").is_none_or(|v| !matches!(v.text.as_str(), "hookOnly" | "hookonly")));
    let timeout = match f.last("timeout") {
        Some(t) if t.known => Bound::Millis(duration_ms(&t.text)?.max(0)),
        _ => Bound::Default(HELM_DEFAULT_MS),
    };
    Some(Tool::Helm { release: release.to_string(), chart: chart.to_string(), wait, timeout })
}

/// `sleep 5`, `sleep 0.5`, `sleep 1m 30s` (GNU sums its arguments).
fn sleep(args: &[Arg]) -> Option<i64> {
    if args.is_empty() {
        return None;
    }
    args.iter().try_fold(0i64, |acc, a| if a.known { Some(acc.saturating_add(seconds_ms(&a.text)?)) } else { None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use nexus_source::FileId;

    fn args(src: &str) -> Vec<Arg> {
        let mut out = Vec::new();
        let mut start = 0;
        for w in src.split(' ') {
            out.push(Arg {
                text: w.into(),
                known: true,
                span: Span::new(FileId(0), start as u32, (start + w.len()) as u32),
                word: out.len(),
            });
            start += w.len() + 1;
        }
        out
    }

    #[test]
    fn durations() {
        assert_eq!(duration_ms("30s"), Some(30_000));
        assert_eq!(duration_ms("5m0s"), Some(300_000));
        assert_eq!(duration_ms("1h30m"), Some(5_400_000));
        assert_eq!(duration_ms("1.5s"), Some(1_500));
        assert_eq!(duration_ms("250ms"), Some(250));
        assert_eq!(duration_ms("0"), Some(0));
        assert_eq!(duration_ms("-1"), Some(-1_000));
        assert_eq!(duration_ms("-1s"), Some(-1_000));
        assert_eq!(duration_ms("5x"), None);
        assert_eq!(seconds_ms("0.5"), Some(500));
        assert_eq!(seconds_ms("2m"), Some(120_000));
        assert_eq!(seconds_ms("x"), None);
    }

    #[test]
    fn flags_as_pflag_reads_them() {
        let s = "kubectl -nprod apply -Rf k8s/ --server-side -f=a.yaml,b.yaml";
        let Some(Tool::Apply { files, recursive, .. }) = recognise(&args(s), s) else { panic!() };
        assert!(recursive);
        let got: Vec<(&str, &str)> = files.iter().map(|f| (f.text.as_str(), &s[f.span.range()])).collect();
        assert_eq!(got, [("k8s/", "k8s/"), ("a.yaml", "a.yaml"), ("b.yaml", "b.yaml")]);
        let s = "kubectl apply --dry-run=client -f x.yaml";
        assert!(recognise(&args(s), s).is_none());
        let s = "kubectl create namespace prod";
        assert!(recognise(&args(s), s).is_none());
    }

    #[test]
    fn wait_targets() {
        let s = "kubectl wait --for condition=Ready pod -l app=web -n prod --timeout=0";
        let Some(Tool::Wait { condition, targets, timeout }) = recognise(&args(s), s) else { panic!() };
        assert_eq!(condition, "condition=Ready");
        assert_eq!(targets.kinds, ["pod"]);
        assert_eq!(targets.selector.as_deref(), Some("app=web"));
        assert_eq!(targets.namespace.as_deref(), Some("prod"));
        assert_eq!(timeout, Bound::Once);
        let s = "kubectl wait --for=delete job a b";
        let Some(Tool::Wait { targets, timeout, .. }) = recognise(&args(s), s) else { panic!() };
        assert_eq!(targets.named, [("job".to_string(), "a".to_string()), ("job".to_string(), "b".to_string())]);
        assert_eq!(timeout, Bound::Default(30_000));
        let s = "kubectl wait deploy/x";
        assert!(recognise(&args(s), s).is_none(), "no --for: kubectl refuses");
    }
}
