//! NX401 config-ref-dangling: see `rules/config/NX401-config-ref-dangling.md`.

use crate::prelude::*;
use nexus_diagnostics::Severity;
use nexus_model::declared::{EXTERNAL_ANNOTATION, is_external};
use nexus_model::{
    ConfigKind, ConfigRef, ConfigRefKind, ConfigSource, Format, Platform, Workload, same_namespace, suggest,
};

declare_rule!(Warning);

/// Objects every namespace has without the repository creating them.
const BUILT_IN: &[(ConfigKind, &str)] = &[
    // Published by kube-controller-manager into every namespace (Kubernetes 1.20+).
    (ConfigKind::ConfigMap, "kube-root-ca.crt"),
    // Published by istiod into every namespace of the mesh.
    (ConfigKind::ConfigMap, "istio-ca-root-cert"),
];

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    let mut missing_files: Vec<nexus_model::ConfigId> = Vec::new();
    // One finding per workload and missing object; its other references are labels on it (a
    // Job that reads five keys of a Secret created by hand is one finding, not five).
    let mut reported: std::collections::HashMap<(nexus_model::WorkloadId, ConfigKind, &str), usize> =
        std::collections::HashMap::new();
    for r in &p.config_refs {
        let w = p.workload(r.workload);
        if w.project.is_some_and(|id| p.projects[id.index()].fragment) {
            // What a layer leaves to the files it goes over is not ours to judge.
            continue;
        }
        match (r.kind, r.target) {
            (_, _) if r.optional => {}
            (ConfigKind::ConfigMap | ConfigKind::Secret, None) => {
                match reported.get(&(w.id, r.kind, r.name.value.as_str())) {
                    Some(&i) => {
                        let label = format!("{} it here too", how(r));
                        out[i].secondary.push(nexus_diagnostics::Label { span: r.name.span, message: label });
                    }
                    None => {
                        if let Some(d) = missing_object(p, w, r) {
                            reported.insert((w.id, r.kind, r.name.value.as_str()), out.len());
                            out.push(d);
                        }
                    }
                }
            }
            (ConfigKind::ConfigMap | ConfigKind::Secret, Some(t)) => out.extend(missing_key(p, w, r, p.config(t))),
            (ConfigKind::ComposeConfig | ConfigKind::ComposeSecret, None) => out.push(undefined_compose(p, w, r)),
            (ConfigKind::ComposeConfig | ConfigKind::ComposeSecret, Some(t)) => {
                let c = p.config(t);
                if matches!(c.external_file, Some((_, false))) && !missing_files.contains(&t) {
                    missing_files.push(t);
                    out.push(missing_compose_file(w, r, c));
                }
            }
            // A missing env file is NX003's: Compose refuses to start the service.
            (ConfigKind::EnvFile, _) => {}
        }
    }
}

fn kind_word(kind: ConfigKind) -> &'static str {
    match kind {
        ConfigKind::ConfigMap => "ConfigMap",
        ConfigKind::Secret => "Secret",
        ConfigKind::ComposeConfig => "config",
        ConfigKind::ComposeSecret => "secret",
        ConfigKind::EnvFile => "env file",
    }
}

fn how(r: &ConfigRef) -> &'static str {
    match r.how {
        ConfigRefKind::EnvValueFrom => "an env var reads",
        ConfigRefKind::EnvFrom => "`envFrom` reads",
        ConfigRefKind::Volume => "a volume mounts",
        ConfigRefKind::ProjectedVolume => "a projected volume mounts",
        ConfigRefKind::ImagePullSecret => "pulls its images with",
        ConfigRefKind::ComposeEnvFile => "reads",
        ConfigRefKind::ComposeConfig | ConfigRefKind::ComposeSecret => "mounts",
    }
}

/// Configs of a kind a Kubernetes workload could read (same namespace).
fn visible<'p>(p: &'p Platform, w: &'p Workload, kind: ConfigKind) -> impl Iterator<Item = &'p ConfigSource> + 'p {
    p.configs.iter().filter(move |c| {
        c.kind == kind && c.project.is_none() && same_namespace(c.namespace.as_deref(), w.namespace.as_deref())
    })
}

fn missing_object(p: &Platform, w: &Workload, r: &ConfigRef) -> Option<Diagnostic> {
    let kind = kind_word(r.kind);
    let name = &r.name.value;
    if BUILT_IN.contains(&(r.kind, name.as_str())) || name.is_empty() {
        return None;
    }
    let annotation = w.annotation(EXTERNAL_ANNOTATION).map(|a| a.value.as_str());
    if is_external(&p.declared, annotation, kind, w.namespace.as_deref(), name) || p.template_may_define(kind, name) {
        return None;
    }
    let names: Vec<&str> = visible(p, w, r.kind).map(|c| c.name.value.as_str()).collect();
    let near = suggest(name, &names).filter(|s| s != name);
    let mut d = Diagnostic::new(
        META,
        r.name.span,
        format!("`{}` reads {kind} `{name}`, which no manifest of the repository defines", w.name.value),
    )
    .label(format!("{} `{name}` here", how(r)))
    .resource(&w.resource)
    .template(w.template.as_deref())
    .key(format!("{kind}/{name}"));
    let declare = format!(
        "if it is created outside the repository (by an operator, a controller or by hand), say so: \
         `{EXTERNAL_ANNOTATION}: {kind}/{name}` on the workload, or `external: [{kind}/{name}]` in `.nexus-lint.yaml`"
    );
    d = match near {
        Some(s) => {
            let target = visible(p, w, r.kind).find(|c| c.name.value == s);
            let d = d.help(format!("Did you mean `{s}`? Otherwise {declare}."));
            match target {
                Some(c) => d.secondary(c.name.span, format!("{kind} `{s}` is defined here")),
                None => d,
            }
        }
        // A repository that defines none of its Secrets (or ConfigMaps) creates them elsewhere,
        // and a Secret is created outside the repository by design (committing one puts its
        // values in git): with no near name to point at, a note, not a warning.
        None if names.is_empty() || r.kind == ConfigKind::Secret => d
            .severity(Severity::Info)
            .label(format!("{} `{name}`, which is created outside the repository", how(r)))
            .help(format!(
                "{} so this one is presumably created outside it; {declare}. \
                 If it is not, pods stay in `CreateContainerConfigError` (env) or `ContainerCreating` (volumes).",
                if names.is_empty() {
                    format!("The repository defines no {kind} here,")
                } else {
                    "No Secret of the repository has a similar name, and Secrets are usually created outside it,".to_string()
                }
            )),
        None => d.help(format!(
            "Define it, fix the name, or mark the reference `optional: true` if the workload runs without it; {declare}."
        )),
    };
    Some(d)
}

fn missing_key(p: &Platform, w: &Workload, r: &ConfigRef, c: &ConfigSource) -> Option<Diagnostic> {
    let key = r.key.as_ref()?;
    // Any copy of the object the workload could read will do: a repository with alternative
    // setups side by side defines one ConfigMap several times, with different keys.
    let copies = p.index.configs_by_name.get(&c.name.value).into_iter().flatten().map(|id| p.config(*id)).filter(|x| {
        x.kind == c.kind && x.project.is_none() && same_namespace(x.namespace.as_deref(), w.namespace.as_deref())
    });
    let has_key = |x: &ConfigSource| {
        x.generated.as_ref().is_some_and(|g| !g.keys_known) || x.data.iter().any(|e| e.key.value == key.value)
    };
    if has_key(c) || copies.into_iter().any(has_key) {
        return None;
    }
    let kind = kind_word(r.kind);
    let keys: Vec<&str> = c.data.iter().map(|e| e.key.value.as_str()).collect();
    let help = match suggest(&key.value, &keys) {
        Some(s) => format!("Did you mean `{s}`?"),
        None if keys.is_empty() => format!("{kind} `{}` has no keys.", c.name.value),
        None => format!(
            "{kind} `{}` has {}.",
            c.name.value,
            keys.iter().take(8).map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
        ),
    };
    let _ = p;
    Some(
        Diagnostic::new(
            META,
            key.span,
            format!("`{}` reads key `{}` of {kind} `{}`, which has no such key", w.name.value, key.value, c.name.value),
        )
        .label("no such key")
        .secondary(c.name.span, format!("{kind} `{}` is defined here", c.name.value))
        .help(format!("{help} Without `optional: true`, the pod cannot start."))
        .resource(&w.resource)
        .template(w.template.as_deref())
        .key(format!("{kind}/{}/{}", c.name.value, key.value)),
    )
}

fn undefined_compose(p: &Platform, w: &Workload, r: &ConfigRef) -> Diagnostic {
    let kind = kind_word(r.kind);
    let names: Vec<&str> = p
        .configs
        .iter()
        .filter(|c| c.kind == r.kind && c.project == w.project)
        .map(|c| c.name.value.as_str())
        .collect();
    let top = if r.kind == ConfigKind::ComposeConfig { "configs" } else { "secrets" };
    let help = match suggest(&r.name.value, &names) {
        Some(s) => format!("Did you mean `{s}`?"),
        None => format!("Define it under the top-level `{top}:` (`file:`, `environment:` or `external: true`)."),
    };
    let d = Diagnostic::new(
        META,
        r.name.span,
        format!("service `{}` mounts {kind} `{}`, which the project does not define", w.name.value, r.name.value),
    )
    .label(format!("no top-level `{top}` entry `{}`", r.name.value))
    .resource(&w.resource);
    // The override the user creates from a committed template may define it (self-hosted Zulip
    // defines its secrets in `compose.override.yaml.example`): a note.
    let template = w.project.and_then(|id| p.projects[id.index()].override_template.as_deref());
    match template {
        Some(t) => d.severity(Severity::Info).help(format!(
            "{help} The override created from `{t}` may define it; if it does not, `docker compose up` refuses the project."
        )),
        None => d.help(format!("{help} `docker compose up` refuses the project until then.")),
    }
}

fn missing_compose_file(w: &Workload, r: &ConfigRef, c: &ConfigSource) -> Diagnostic {
    let kind = kind_word(r.kind);
    let path = c.external_file.as_ref().map_or("", |(p, _)| p.as_str());
    debug_assert_eq!(w.resource.format, Format::Compose);
    Diagnostic::new(META, c.name.span, format!("{kind} `{}` reads `{path}`, which does not exist", c.name.value))
        .label("its `file:` is missing")
        .secondary(r.name.span, format!("`{}` mounts it here", w.name.value))
        .help("Create the file or fix its path; `docker compose up` fails on a missing file.")
        .resource(&c.resource)
}
