//! What the repository's owners declare beyond its files, in `.nexus-lint.yaml` or in
//! annotations: objects created outside the repository (NX401, NX702), the JSON Schemas that
//! configuration data must follow (NX403), and which Compose service is which Kubernetes
//! workload (NX405).
//!
//! Patterns use `*` for any run of characters, as everywhere in the configuration.

use nexus_source::files::Files;

use crate::{ResourceRef, Workload};

/// The annotation on a workload (or a mesh route) that names objects it reads which are created
/// outside the repository: `Secret/registry-credentials, ConfigMap/ca-bundle` (a bare name
/// matches any kind).
pub const EXTERNAL_ANNOTATION: &str = "nexus-lint.io/external";
/// The annotation on a ConfigMap (or a Compose config's label) naming the JSON Schema its data
/// follows; `nexus-lint.io/schema.<key>` names the schema of one key.
pub const SCHEMA_ANNOTATION: &str = "nexus-lint.io/schema";
/// The annotation on a Kubernetes workload (or the label on a Compose service) that pairs it
/// with its twin in the other format: the Compose service's name, or the Kubernetes resource.
pub const SAME_AS_ANNOTATION: &str = "nexus-lint.io/same-as";

/// Declarations from the configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Declared {
    /// Objects created outside the repository: `Kind/name` or `Kind/namespace/name` patterns.
    pub external: Vec<String>,
    pub schemas: Vec<SchemaMapping>,
    pub pairs: Vec<ServicePair>,
    /// Environment variables that may differ between Compose and Kubernetes (NX405).
    pub drift_ignore_env: Vec<String>,
}

/// A JSON Schema for the data of ConfigMaps (or Compose configs) whose name matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaMapping {
    /// ConfigMap or Compose config name pattern.
    pub name: String,
    pub namespace: Option<String>,
    /// The data key pattern; None: every structured key, or the whole data when it has none.
    pub key: Option<String>,
    /// The schema's path, relative to the working directory (the configuration resolves it from
    /// its own directory).
    pub schema: String,
    /// The schema as written in the configuration, for messages.
    pub written: String,
}

/// A Compose service and the Kubernetes workloads that run the same service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePair {
    /// Compose service name pattern.
    pub compose: String,
    /// Kubernetes resource identity pattern (`Deployment/shop/api`).
    pub kubernetes: String,
}

pub use crate::roles::wildcard;

/// Does an external-object pattern (`Secret/x`, `Secret/ns/x`, `x`) match an object of `kind`
/// named `name` in `namespace`? Kinds compare case-insensitively.
pub fn external_matches(pattern: &str, kind: &str, namespace: Option<&str>, name: &str) -> bool {
    let parts: Vec<&str> = pattern.trim().split('/').collect();
    match parts.as_slice() {
        [n] => wildcard(n, name),
        [k, n] => wildcard(&k.to_ascii_lowercase(), &kind.to_ascii_lowercase()) && wildcard(n, name),
        [k, ns, n] => {
            wildcard(&k.to_ascii_lowercase(), &kind.to_ascii_lowercase())
                && namespace.is_none_or(|x| wildcard(ns, x))
                && wildcard(n, name)
        }
        _ => false,
    }
}

/// Is an object of `kind` named `name` declared external, by the configuration or by the
/// annotation of the resource that refers to it?
pub fn is_external(
    declared: &Declared,
    annotation: Option<&str>,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
) -> bool {
    declared.external.iter().any(|p| external_matches(p, kind, namespace, name))
        || annotation.is_some_and(|a| {
            a.split([',', ' ', '\n'])
                .filter(|p| !p.trim().is_empty())
                .any(|p| external_matches(p, kind, namespace, name))
        })
}

/// The Kubernetes workloads a Compose service is declared to be (by the configuration, or by
/// `nexus-lint.io/same-as` on either side), as a predicate.
pub fn declared_pair(declared: &Declared, compose: &Workload, k8s: &Workload) -> bool {
    let k8s_id = k8s.resource.to_string();
    let service = &compose.name.value;
    declared.pairs.iter().any(|p| wildcard(&p.compose, service) && wildcard(&p.kubernetes, &k8s_id))
        || k8s.annotation(SAME_AS_ANNOTATION).is_some_and(|a| {
            let a = a.value.trim();
            a == service || a.strip_prefix("compose:") == Some(service.as_str())
        })
        || compose.annotation(SAME_AS_ANNOTATION).is_some_and(|a| resource_matches(a.value.trim(), &k8s.resource))
}

/// Is a missing file one that a template committed beside it says is created by hand
/// (`.env.example`, `.env.sample`, `env.example`, `app.env.dist`, …)?
pub fn has_template(path: &str, fs: &dyn Files) -> bool {
    template_of(path, fs).is_some()
}

/// The template committed beside a missing file, if there is one (see [`has_template`]).
pub fn template_of(path: &str, fs: &dyn Files) -> Option<String> {
    let (dir, name) = path.rsplit_once('/').map_or(("", path), |(d, n)| (d, n));
    let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
    let bare = name.trim_start_matches('.');
    const SUFFIXES: &[&str] = &[".example", ".sample", ".dist", ".template", ".tmpl", ".default", ".defaults"];
    let candidates = SUFFIXES
        .iter()
        .flat_map(|s| [format!("{path}{s}"), format!("{prefix}{bare}{s}")])
        .chain(["example.", "sample."].iter().map(|pre| format!("{prefix}{pre}{bare}")));
    candidates.into_iter().find(|c| fs.exists(c))
}

/// A resource identity pattern against a resource (with or without its namespace).
fn resource_matches(pattern: &str, r: &ResourceRef) -> bool {
    let bare = format!("{}/{}", r.kind, r.name);
    wildcard(pattern, &r.to_string()) || wildcard(pattern, &bare) || pattern == r.name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(wildcard("*-tls", "web-tls"));
        assert!(!wildcard("*-tls", "tls"));
        assert!(external_matches("Secret/registry-credentials", "Secret", Some("prod"), "registry-credentials"));
        assert!(external_matches("secret/prod/*", "Secret", Some("prod"), "x"));
        assert!(!external_matches("Secret/prod/*", "Secret", Some("dev"), "x"));
        assert!(!external_matches("ConfigMap/x", "Secret", None, "x"));
        assert!(external_matches("x", "Secret", None, "x"));
        let d = Declared { external: vec!["Secret/*-creds".into()], ..Declared::default() };
        assert!(is_external(&d, None, "Secret", None, "db-creds"));
        assert!(is_external(&d, Some("ConfigMap/ca, Secret/other"), "Secret", None, "other"));
        assert!(!is_external(&d, Some("ConfigMap/ca"), "Secret", None, "other"));
    }
}
