//! NX405 config-drift: see `rules/config/NX405-config-drift.md`.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::prelude::*;
use nexus_diagnostics::Severity;
use nexus_model::declared::{SAME_AS_ANNOTATION, declared_pair, wildcard};
use nexus_model::migration::{image_is_unknown, image_repository, image_tag};
use nexus_model::redact::{is_secret_name, url_password};
use nexus_model::{
    ConfigKind, EnvSource, EnvVar, Format, Platform, ProjectId, Role, Span, Spanned, Workload, same_namespace,
};

declare_rule!(Warning);

/// What a Kubernetes container sets an env var to.
struct K8sEnv<'p> {
    /// The literal (or ConfigMap) value; None when it comes from a Secret or the downward API.
    value: Option<&'p Spanned<String>>,
    secret: bool,
    span: Span,
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    let mut index = None;
    for c in p.workloads.iter().filter(|w| w.resource.format == Format::Compose) {
        if c.project.is_some_and(|id| p.projects[id.index()].fragment) {
            continue;
        }
        let Some(k) = index.get_or_insert_with(|| K8sIndex::new(p)).twin(p, c) else { continue };
        compare(p, c, k, out);
    }
}

/// The Kubernetes workloads a Compose service may be the twin of, looked up by name and by
/// image repository (long-running ones, in platform order) instead of a scan of every workload
/// per service, which made a large platform quadratic.
struct K8sIndex<'p> {
    /// Whether any pair is declared (configuration, or `nexus-lint.io/same-as` anywhere): only
    /// then is every Kubernetes workload asked [`declared_pair`].
    declared: bool,
    by_name: HashMap<&'p str, &'p Workload>,
    by_repo: HashMap<&'p str, Vec<&'p Workload>>,
    /// Compose service names defined by more than one Compose project of the run.
    alternatives: HashSet<&'p str>,
    /// Every Compose service name of the run.
    compose_names: HashSet<&'p str>,
}

impl<'p> K8sIndex<'p> {
    fn new(p: &'p Platform) -> Self {
        let declared =
            !p.declared.pairs.is_empty() || p.workloads.iter().any(|w| w.annotation(SAME_AS_ANNOTATION).is_some());
        let mut by_name = HashMap::new();
        let mut by_repo: HashMap<&str, Vec<&Workload>> = HashMap::new();
        let mut project_of: HashMap<&str, Option<ProjectId>> = HashMap::new();
        let mut alternatives = HashSet::new();
        for c in p.workloads.iter().filter(|w| w.resource.format == Format::Compose) {
            let first = *project_of.entry(c.name.value.as_str()).or_insert(c.project);
            if first != c.project {
                alternatives.insert(c.name.value.as_str());
            }
        }
        for w in p.workloads.iter().filter(|w| w.resource.format == Format::Kubernetes && w.is_long_running()) {
            by_name.entry(w.name.value.as_str()).or_insert(w);
            if let Some(x) = w.containers.first() {
                by_repo.entry(image_repository(x.image_str())).or_default().push(w);
            }
        }
        let compose_names = project_of.into_keys().collect();
        K8sIndex { declared, by_name, by_repo, alternatives, compose_names }
    }

    /// The Kubernetes workload that runs the same service: declared, else the one of the same
    /// name, else the only long-running one on the same image repository. A service that
    /// several Compose projects define (alternative setups side by side: `withPostgres/`,
    /// `withPostgresAndWorker/`, `docker-caddy/`) is paired only when declared: which of the
    /// alternatives the Kubernetes workload should match is not known, and each differs from
    /// it by design.
    fn twin(&self, p: &'p Platform, c: &'p Workload) -> Option<&'p Workload> {
        if self.declared
            && let Some(w) = p
                .workloads
                .iter()
                .filter(|w| w.resource.format == Format::Kubernetes)
                .find(|w| declared_pair(&p.declared, c, w))
        {
            return Some(w);
        }
        if self.alternatives.contains(c.name.value.as_str()) {
            return None;
        }
        if let Some(w) = self.by_name.get(c.name.value.as_str()) {
            return Some(w);
        }
        let image = c.containers.first()?.image.as_ref()?;
        if image_is_unknown(&image.value) || c.compose.as_ref().is_some_and(|x| x.build.is_some()) {
            return None;
        }
        // Not a workload that a Compose service of its own name pairs with: a worker that runs
        // the app's image (`n8n-worker` on `n8nio/n8n`) is not the app's Deployment `n8n`.
        match self.by_repo.get(image_repository(&image.value)).map(Vec::as_slice) {
            Some([only]) if !self.compose_names.contains(only.name.value.as_str()) => Some(only),
            _ => None,
        }
    }
}

fn k8s_env<'p>(p: &'p Platform, w: &'p Workload) -> BTreeMap<&'p str, K8sEnv<'p>> {
    let mut out = BTreeMap::new();
    let Some(ct) = w.containers.first() else { return out };
    let find = |kind: ConfigKind, name: &str| {
        p.index.configs_by_name.get(name).into_iter().flatten().map(|id| p.config(*id)).find(|x| {
            x.kind == kind && x.project.is_none() && same_namespace(x.namespace.as_deref(), w.namespace.as_deref())
        })
    };
    for f in &ct.env_from {
        let Some(cfg) = find(f.kind, &f.name.value) else { continue };
        for e in &cfg.data {
            let secret = cfg.kind.is_secret();
            let entry = K8sEnv { value: if secret { None } else { e.value.as_ref() }, secret, span: e.key.span };
            out.insert(e.key.value.as_str(), entry);
        }
    }
    for e in &ct.env {
        let (value, secret) = match &e.from {
            None => (e.value.as_ref(), false),
            Some(EnvSource::ConfigMapKey { name, key, .. }) => (
                find(ConfigKind::ConfigMap, &name.value)
                    .and_then(|c| c.data.iter().find(|d| d.key.value == key.value))
                    .and_then(|d| d.value.as_ref()),
                false,
            ),
            Some(EnvSource::SecretKey { .. }) => (None, true),
            Some(_) => (None, false),
        };
        out.insert(e.name.value.as_str(), K8sEnv { value, secret, span: e.name.span });
    }
    out
}

/// The version a tag carries (`3.6.8-management` → `3.6.8`), else the tag: an image variant
/// of the same version is not drift.
fn version_of(tag: &str) -> &str {
    let t = tag.strip_prefix('v').unwrap_or(tag);
    let end = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let v = t[..end].trim_end_matches('.');
    if v.is_empty() { t } else { v }
}

/// A wildcard bind address (`0.0.0.0`, `::`): it tells a server to listen on every interface,
/// which a container needs to be reached at all — plumbing, not configuration that can drift.
fn is_bind_all(value: &str) -> bool {
    matches!(value.trim(), "0.0.0.0" | "::" | "[::]")
}

/// A value that names a place — a URL, a `host:port`, a DNS name, a path — rather than a word
/// or a number that many settings share (`true`, `production`, `30`): two variables that carry
/// the same place are one setting under two names.
fn is_address(value: &str) -> bool {
    let v = value.trim();
    !v.is_empty() && !v.contains(char::is_whitespace) && v.contains([':', '/', '.']) && v.parse::<f64>().is_err()
}

/// Two numbers for a setting that is not a port, a version or a switch: a rate, a size, a
/// count, a timeout. Compose runs on a laptop and Kubernetes in production, so tuning values
/// differ by design; a difference of this kind is said as info. (A port, a version, a `0`/`1`
/// flag, a URL, a host or a mode is not tuning.)
fn is_tuning(name: &str, a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    let number = |v: &str| v.parse::<f64>().is_ok_and(f64::is_finite);
    let flag = |v: &str| matches!(v, "0" | "1");
    let upper = name.to_ascii_uppercase();
    !upper.contains("PORT") && !upper.contains("VERSION") && number(a) && number(b) && !(flag(a) && flag(b))
}

fn ignored(p: &Platform, name: &str) -> bool {
    p.declared.drift_ignore_env.iter().any(|g| wildcard(g, name))
}

fn base<'a>(c: &'a Workload, k: &'a Workload, span: Span, message: String) -> Diagnostic {
    Diagnostic::new(META, span, message)
        .resource(&c.resource)
        .secondary(k.name.span, format!("`{}` in Kubernetes", k.resource))
}

fn compare(p: &Platform, c: &Workload, k: &Workload, out: &mut Vec<Diagnostic>) {
    let svc = &c.name.value;
    let help = "Make the two agree, or say which differences are deliberate: `drift: {ignore-env: [...]}` in \
                `.nexus-lint.yaml`; a service that is not the same one gets `nexus-lint.io/same-as` on its twin \
                or a `drift: {pairs: [...]}` entry.";
    let (Some(cc), Some(kc)) = (c.containers.first(), k.containers.first()) else { return };
    // The settings of observability and admin tooling (a dashboard's sign-up or admin user) differ
    // between a laptop and production without changing how the platform starts or serves:
    // its env differences are info. Its image version is still a warning.
    let tooling = matches!(c.role, Role::Observability | Role::Admin);
    let env_severity = |d: Diagnostic| if tooling { d.severity(Severity::Info) } else { d };
    // Image tags.
    if let (Some(ci), Some(ki)) = (&cc.image, &kc.image)
        && c.compose.as_ref().is_none_or(|x| x.build.is_none())
        && !image_is_unknown(&ci.value)
        && image_repository(&ci.value) == image_repository(&ki.value)
        && !ci.value.contains('@')
        && !ki.value.contains('@')
    {
        let (ct, kt) = (image_tag(&ci.value).unwrap_or("latest"), image_tag(&ki.value).unwrap_or("latest"));
        if version_of(ct) != version_of(kt) {
            let mut d = base(
                c,
                k,
                ci.span,
                format!("`{svc}` runs `{}:{ct}` in Compose and `{kt}` in Kubernetes", image_repository(&ci.value)),
            )
            .label(format!("`{ct}` here"))
            .secondary(ki.span, format!("`{kt}` in Kubernetes"))
            .help(format!("Local runs test another version than production runs. {help}"))
            .key("image");
            if let Some(via) = ci.via {
                d = d.secondary(via, "the tag comes from here");
            }
            out.push(d);
        }
    }
    // Env vars.
    let kenv = k8s_env(p, k);
    let mut compose_keys: Vec<&str> = Vec::new();
    let mut only_compose: Vec<&EnvVar> = Vec::new();
    for e in &cc.env {
        let name = e.name.value.as_str();
        compose_keys.push(name);
        if ignored(p, name) {
            continue;
        }
        match kenv.get(name) {
            None if e.value.as_ref().is_some_and(|v| is_bind_all(&v.value)) => {}
            None => only_compose.push(e),
            Some(ke) => {
                let (Some(cv), Some(kv)) = (&e.value, ke.value) else { continue };
                let secretish = ke.secret
                    || is_secret_name(name)
                    || url_password(&cv.value).is_some()
                    || url_password(&kv.value).is_some()
                    || matches!(e.from, Some(EnvSource::EnvFile { .. }));
                if secretish || kv.value.contains("$(") || cv.value.trim() == kv.value.trim() {
                    continue;
                }
                let mut d = base(
                    c,
                    k,
                    cv.span,
                    format!("`{name}` of `{svc}` is `{}` in Compose and `{}` in Kubernetes", cv.value, kv.value),
                )
                .label("the Compose value")
                .secondary(kv.span, "the Kubernetes value")
                .help(help)
                .key(format!("value/{name}"));
                if is_tuning(name, &cv.value, &kv.value) {
                    d = d.severity(Severity::Info);
                }
                out.push(env_severity(d));
            }
        }
    }
    // A variable Kubernetes defines only to interpolate it into another (`$(DB_PASSWORD)` in
    // `DATABASE_URL`) is Compose's `${DB_PASSWORD}`: not a difference.
    let helper = |n: &str| kenv.values().any(|e| e.value.is_some_and(|v| v.value.contains(&format!("$({n})"))));
    let only_k8s: Vec<&str> = kenv
        .iter()
        .filter(|(n, e)| {
            !compose_keys.contains(n) && !ignored(p, n) && !helper(n) && !e.value.is_some_and(|v| is_bind_all(&v.value))
        })
        .map(|(n, _)| *n)
        .collect();
    // A Compose-only variable whose address a Kubernetes-only one carries is one setting under
    // two names (`MONGO_HOST=user-db:27017` and `mongo: user-db:27017`): one difference, said
    // once, in the Compose finding.
    let renamed = |e: &EnvVar| {
        let v = e.value.as_ref().filter(|v| is_address(&v.value))?;
        only_k8s.iter().find(|n| kenv[**n].value.is_some_and(|kv| kv.value.trim() == v.value.trim())).copied()
    };
    let mut paired: Vec<&str> = Vec::new();
    // The env vars only Compose sets: one finding, at the first, labelling the others.
    if let Some(first) = only_compose.first() {
        let list = only_compose.iter().map(|n| format!("`{}`", n.name.value)).collect::<Vec<_>>().join(", ");
        let mut d = base(c, k, first.name.span, format!("{list} set for `{svc}` in Compose only"))
            .label("only in Compose")
            .help(help)
            .key("env/compose-only");
        for n in &only_compose[1..] {
            d = d.secondary(n.name.span, "only in Compose");
        }
        for e in &only_compose {
            if let Some(kn) = renamed(e) {
                paired.push(kn);
                d = d.secondary(kenv[kn].span, format!("Kubernetes sets this value as `{kn}`"));
            }
        }
        out.push(env_severity(d));
    }
    let only_k8s: Vec<&str> = only_k8s.into_iter().filter(|n| !paired.contains(n)).collect();
    if !only_k8s.is_empty() && !cc.env.is_empty() {
        let list = only_k8s.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
        let span = c.compose.as_ref().map_or(c.name.span, |x| x.key_span);
        let mut d = base(c, k, span, format!("{list} set for `{svc}` in Kubernetes only"))
            .label("Compose lacks these")
            .help(help)
            .key("env/k8s-only");
        if let Some(first) = kenv.get(only_k8s[0]) {
            d = d.secondary(first.span, format!("`{}` set here", only_k8s[0]));
        }
        out.push(env_severity(d));
    }
    // Container ports.
    let kports: Vec<i64> = kc.ports.iter().map(|x| x.port.value).collect();
    // Only when the two have no port in common: a port published for a debugger or an admin UI
    // in Compose alone is the development setup, not drift. Nor when the two select different
    // configuration profiles (spring-petclinic-cloud's `SPRING_PROFILES_ACTIVE=kubernetes`, whose
    // profile sets `server.port: 8080`): the port comes with the profile chosen.
    fn profile(v: Option<&str>) -> Option<&str> {
        v.map(str::trim).filter(|v| !v.is_empty())
    }
    let profiles_differ = PROFILE_VARS.iter().any(|name| {
        let compose = cc
            .env
            .iter()
            .find(|e| e.name.value == *name)
            .and_then(|e| profile(e.value.as_ref().map(|v| v.value.as_str())));
        let k8s = kenv.get(name).and_then(|e| profile(e.value.map(|v| v.value.as_str())));
        compose != k8s
    });
    if !kports.is_empty() && !profiles_differ && !cc.ports.iter().any(|x| kports.contains(&x.port.value)) {
        for cp in cc.ports.iter().filter(|x| !kports.contains(&x.port.value)) {
            out.push(
                base(
                    c,
                    k,
                    cp.port.span,
                    format!(
                        "`{svc}` listens on port {} in Compose, and Kubernetes declares {}",
                        cp.port.value,
                        kports.iter().map(|x| format!("`{x}`")).collect::<Vec<_>>().join(", ")
                    ),
                )
                .label("only in Compose")
                .help(help)
                .key(format!("port/{}", cp.port.value)),
            );
        }
    }
}

/// Env vars that select a framework's configuration profile, and with it settings such as the
/// port: Spring, Quarkus, Micronaut, ASP.NET Core, Rails, Node, Django, generic.
const PROFILE_VARS: &[&str] = &[
    "SPRING_PROFILES_ACTIVE",
    "SPRING_PROFILES_INCLUDE",
    "QUARKUS_PROFILE",
    "MICRONAUT_ENVIRONMENTS",
    "ASPNETCORE_ENVIRONMENT",
    "DOTNET_ENVIRONMENT",
    "RAILS_ENV",
    "RACK_ENV",
    "NODE_ENV",
    "DJANGO_SETTINGS_MODULE",
    "APP_ENV",
];

#[cfg(test)]
mod tests {
    use super::{is_bind_all, is_tuning};

    #[test]
    fn tuning_values() {
        assert!(is_tuning("ORDERS_PER_HOUR", "30", "100"));
        assert!(is_tuning("DB_POOL_SIZE", "5", "20"));
        assert!(is_tuning("TIMEOUT_SECONDS", "2.5", "10"));
        assert!(!is_tuning("HTTP_PORT", "8080", "80"));
        assert!(!is_tuning("API_VERSION", "1", "2"));
        assert!(!is_tuning("DEBUG", "1", "0"));
        assert!(!is_tuning("LOG_LEVEL", "debug", "info"));
        assert!(!is_tuning("BACKEND_URL", "http://a:80", "http://b:80"));
    }

    #[test]
    fn addresses() {
        for v in ["user-db:27017", "http://api:8000", "db.prod.svc.cluster.local", "/etc/app.yaml"] {
            assert!(super::is_address(v), "{v}");
        }
        for v in ["true", "production", "30", "2.5", "", "a b:c"] {
            assert!(!super::is_address(v), "{v}");
        }
    }

    #[test]
    fn bind_addresses() {
        assert!(is_bind_all("0.0.0.0") && is_bind_all("::") && is_bind_all(" [::] "));
        assert!(!is_bind_all("127.0.0.1") && !is_bind_all("localhost"));
    }
}
