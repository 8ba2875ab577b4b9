//! A planned project's merged services → workloads, endpoints, edges, config sources and
//! references, and the project-level problems (dangling `depends_on`/`links`, services with
//! neither `image` nor `build`).

use std::collections::{BTreeMap, HashMap, HashSet};

use super::env_file::{self, DotenvEntry};
use super::merge::{merge, merge_def};
use super::project::{BASE_NAMES, DirEnv, OVERRIDE_NAMES, Plan, file_name, join, may_be_fragment, project_name};
use super::service::{Draft, EnvFileRef, Layer, TopDef};
use super::{ComposeModel, Files};
use crate::suggest;
use crate::{
    ComposeProject, ComposeServiceInfo, Confidence, ConfigEntry, ConfigId, ConfigKind, ConfigRef, ConfigRefKind,
    ConfigSource, Container, ContainerPort, Edge, EdgeKind, Endpoint, EndpointId, EnvSource, EnvVar, Format,
    InputProblem, InputProblemKind, ProjectId, ResourceRef, Role, ServicePort, Spanned, Workload, WorkloadId,
    WorkloadKind,
};
use nexus_source::files::Unavailable;
use nexus_source::{FileId, Span};

/// An env file read for a project: its id and entries, or why it is not available.
type LoadedEnvFile = Result<(FileId, Vec<DotenvEntry>), Unavailable>;

/// What several projects share: parsed env files, suppressions already emitted.
#[derive(Default)]
pub struct Shared {
    /// (path, `.env` index) → the env file and its entries, or why it is not available.
    pub(super) env_files: HashMap<(String, usize), LoadedEnvFile>,
    pub(super) suppression_spans: Vec<Span>,
    /// Services some Compose file of the run defines whole (see `super::whole_services`).
    pub whole_services: HashSet<String>,
}

fn problem(span: Span, message: String, help: Option<String>, service: &str) -> InputProblem {
    InputProblem::new(InputProblemKind::Compose, span, message, help).resource(Some(ResourceRef::compose(service)))
}

fn resource(kind: &str, name: &str) -> ResourceRef {
    ResourceRef { format: Format::Compose, kind: kind.to_string(), namespace: None, name: name.to_string() }
}

/// The project being built.
struct Proj<'a> {
    id: ProjectId,
    plan: &'a Plan,
    env: &'a DirEnv,
}

/// Merges a project's layers and adds what it contributes to `out`.
pub fn project(
    plan: &Plan,
    layers: Vec<Layer>,
    env: &DirEnv,
    fs: &mut dyn Files,
    shared: &mut Shared,
    out: &mut ComposeModel,
) {
    let mut services: Vec<Draft> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut configs: Vec<TopDef> = Vec::new();
    let mut secrets: Vec<TopDef> = Vec::new();
    let mut declared_name = None;
    for layer in layers {
        if layer.name.is_some() {
            declared_name = layer.name;
        }
        for d in layer.services {
            match index.get(&d.name.value) {
                Some(&i) => merge(&mut services[i], d),
                None => {
                    index.insert(d.name.value.clone(), services.len());
                    services.push(d);
                }
            }
        }
        for (list, defs) in [(&mut configs, layer.configs), (&mut secrets, layer.secrets)] {
            for def in defs {
                match list.iter_mut().find(|x| x.name.value == def.name.value) {
                    Some(x) => merge_def(x, def),
                    None => list.push(def),
                }
            }
        }
    }
    let pid = ProjectId(out.projects.len() as u32);
    let names: Vec<&str> = services.iter().map(|s| s.name.value.as_str()).collect();
    let defined: HashSet<&str> = names.iter().copied().collect();
    let partial: Vec<bool> = services.iter().map(is_partial).collect();
    let undefined: Vec<&str> = services
        .iter()
        .flat_map(|d| {
            d.depends_on.iter().map(|x| x.target.value.as_str()).chain(d.links.iter().map(|l| l.value.as_str()))
        })
        .filter(|n| !defined.contains(n))
        .collect();
    // A name that nearly matches a service of the file is a typo, not a service defined elsewhere.
    let dangling = !undefined.is_empty() && undefined.iter().all(|n| suggest(n, &names).is_none());
    // A lone base file (`ci/basic/compose.yaml`) is a whole project by its name, unless every
    // service it sets only part of is one another file of the run defines whole: then it is a
    // layer that goes over that file (`docker compose -f compose.yaml -f ci/basic/compose.yaml`).
    // A lone service without an image, defined nowhere else, stays an error.
    let layer_over_others = !plan.declared
        && plan.files.len() == 1
        && partial.contains(&true)
        && services
            .iter()
            .zip(&partial)
            .filter(|(_, p)| **p)
            .all(|(d, _)| shared.whole_services.contains(&d.name.value));
    // So is one whose services wait for services only another file of the run defines
    // (authelia's test suites join `oidc-client/compose.yml` to the backend's file with `-f`).
    let joins_others = !plan.declared
        && plan.files.len() == 1
        && dangling
        && undefined.iter().all(|n| shared.whole_services.contains(*n));
    let fragment =
        (may_be_fragment(plan, fs.db()) && (partial.contains(&true) || dangling)) || layer_over_others || joins_others;
    let override_template = override_template(plan, fs);
    out.projects.push(ComposeProject {
        id: pid,
        name: project_name(env, declared_name.as_ref()),
        files: plan.files.clone(),
        dir: plan.dir.clone(),
        env_file: env.file,
        fragment,
        override_template,
    });
    let proj = Proj { id: pid, plan, env };
    if fragment {
        out.problems.push(fragment_note(plan, &services, &partial, &defined, fs));
    } else {
        for d in &services {
            check_references(d, &names, &defined, &mut out.problems);
        }
    }
    for (defs, kind) in [(&configs, ConfigKind::ComposeConfig), (&secrets, ConfigKind::ComposeSecret)] {
        for def in defs {
            let source = top_config(def, kind, &proj, fs, &mut out.problems);
            push_config(out, source);
        }
    }
    // One config source per env file and project, however many services read it.
    let mut env_sources: HashSet<String> = HashSet::new();
    for (d, partial) in services.into_iter().zip(partial) {
        if fragment && partial {
            // What it is comes from files this run does not have: a name that others may
            // reach, nothing to judge.
            let aliases = aliases_of(&d);
            push_endpoint(out, endpoint((&d.name, d.file, d.span), pid, Vec::new(), aliases));
            continue;
        }
        service(d, &proj, fs, shared, &mut env_sources, out);
    }
}

/// The template of the default override committed beside a main project that has no override
/// (`compose.override.yaml.example`, `docker-compose.override.yml.dist`): see
/// [`ComposeProject::override_template`].
fn override_template(plan: &Plan, fs: &dyn Files) -> Option<String> {
    let names: Vec<&str> = plan.files.iter().map(|f| file_name(&fs.db().get(*f).path)).collect();
    let lower = |n: &str| n.to_ascii_lowercase();
    if !names.first().is_some_and(|n| BASE_NAMES.contains(&lower(n).as_str()))
        || names.iter().any(|n| OVERRIDE_NAMES.contains(&lower(n).as_str()))
    {
        return None;
    }
    OVERRIDE_NAMES.iter().find_map(|n| crate::declared::template_of(&join(&plan.dir, n), fs))
}

/// A service that has neither `image` nor `build` (nor `extends`): what runs comes from elsewhere.
fn is_partial(d: &Draft) -> bool {
    d.image.is_none() && d.build.is_none() && !d.extended
}

/// The note that a project is a fragment (NX009), at the file's first service.
fn fragment_note(
    plan: &Plan,
    services: &[Draft],
    partial: &[bool],
    defined: &HashSet<&str>,
    fs: &dyn Files,
) -> InputProblem {
    let path = fs.db().get(plan.files[0]).path.clone();
    let quoted = |v: Vec<&str>| v.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
    let partly: Vec<&str> =
        services.iter().zip(partial).filter(|(_, p)| **p).map(|(d, _)| d.name.value.as_str()).collect();
    let mut missing: Vec<&str> = services
        .iter()
        .flat_map(|d| {
            d.depends_on.iter().map(|x| x.target.value.as_str()).chain(d.links.iter().map(|l| l.value.as_str()))
        })
        .filter(|n| !defined.contains(n))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    let why = match (partly.is_empty(), missing.is_empty()) {
        (false, true) => format!("it sets only part of {}", quoted(partly)),
        (true, false) => format!("it names {}, which it does not define", quoted(missing)),
        _ => format!("it sets only part of {} and names {}, which it does not define", quoted(partly), quoted(missing)),
    };
    let span = services.first().map_or(Span::new(plan.files[0], 0, 0), |d| d.name.span);
    InputProblem::new(
        InputProblemKind::ComposeFragment,
        span,
        format!("`{path}` is a layer over other Compose files ({why}); only what it defines whole is checked"),
        Some(
            "Check it with the files it goes over: list them in `COMPOSE_FILE` in the directory's `.env` \
             (as `docker compose` reads it), or name it `compose.override.yaml` if it overrides the base file."
                .into(),
        ),
    )
}

/// The names a service answers to besides its own.
fn aliases_of(d: &Draft) -> Vec<Spanned<String>> {
    let mut aliases: Vec<Spanned<String>> = Vec::new();
    let network_aliases = d.networks.iter().flat_map(|(_, a)| a.iter());
    for a in network_aliases.chain(d.hostname.iter()).chain(d.container_name.iter()) {
        if a.value != d.name.value && !aliases.iter().any(|x| x.value == a.value) {
            aliases.push(a.clone());
        }
    }
    aliases
}

fn endpoint(
    d: (&Spanned<String>, FileId, Span),
    pid: ProjectId,
    ports: Vec<ServicePort>,
    aliases: Vec<Spanned<String>>,
) -> Endpoint {
    let (name, file, span) = d;
    Endpoint {
        id: EndpointId(0),
        resource: ResourceRef::compose(&name.value),
        name: name.clone(),
        namespace: None,
        file,
        span,
        object: None,
        project: Some(pid),
        selector: None,
        selector_span: None,
        service_type: None,
        headless: false,
        external_name: None,
        ports,
        aliases,
        targets: Vec::new(),
    }
}

fn push_endpoint(out: &mut ComposeModel, mut e: Endpoint) {
    e.id = EndpointId(out.endpoints.len() as u32);
    out.endpoints.push(e);
}

fn push_config(out: &mut ComposeModel, mut c: ConfigSource) {
    c.id = ConfigId(out.configs.len() as u32);
    out.configs.push(c);
}

fn check_references(d: &Draft, names: &[&str], defined: &HashSet<&str>, problems: &mut Vec<InputProblem>) {
    let svc = d.name.value.as_str();
    let undefined = |t: &Spanned<String>| !defined.contains(t.value.as_str());
    let help = |t: &str, what: &str| match suggest(t, names) {
        Some(s) => format!("Did you mean `{s}`?"),
        None => format!("Define a service `{t}`, or remove it from `{what}`."),
    };
    for dep in d.depends_on.iter().filter(|x| x.required) {
        if undefined(&dep.target) {
            problems.push(problem(
                dep.target.span,
                format!("`{svc}` depends on undefined service `{}`", dep.target.value),
                Some(help(&dep.target.value, "depends_on")),
                svc,
            ));
        }
    }
    for l in &d.links {
        if undefined(l) {
            problems.push(problem(
                l.span,
                format!("`{svc}` links to undefined service `{}`", l.value),
                Some(help(&l.value, "links")),
                svc,
            ));
        }
    }
    if d.image.is_none() && d.build.is_none() && !d.extended {
        problems.push(problem(
            d.name.span,
            format!("service `{svc}` has neither an `image` nor a `build`"),
            Some("Give it an `image:` to run, or a `build:` context to build one.".into()),
            svc,
        ));
    }
}

fn top_config(
    def: &TopDef,
    kind: ConfigKind,
    proj: &Proj<'_>,
    fs: &mut dyn Files,
    problems: &mut Vec<InputProblem>,
) -> ConfigSource {
    let (pid, plan, env) = (proj.id, proj.plan, proj.env);
    let mut data = Vec::new();
    if kind == ConfigKind::ComposeConfig {
        if let Some(c) = &def.content {
            data.push(ConfigEntry { key: def.name.clone(), value: Some(c.clone()) });
        } else if let Some(var) = &def.environment {
            data.push(ConfigEntry { key: def.name.clone(), value: env.vars.get(&var.value).cloned() });
        }
    }
    let external_file = def.path.as_ref().map(|p| {
        let path = join(plan.dir_for(p.span.file), &p.value);
        let found = fs.check(&path);
        if let Err(Unavailable::Outside(_)) = found {
            problems.push(
                InputProblem::new(
                    InputProblemKind::Compose,
                    p.span,
                    format!("`file` `{}` is outside the checked directories; it is not checked", p.value),
                    Some("nexus-lint looks only at files under the paths it is given.".into()),
                )
                .resource(Some(resource(kind.as_str(), &def.name.value))),
            );
        }
        (path, found.is_ok())
    });
    ConfigSource {
        id: ConfigId(0),
        kind,
        resource: resource(kind.as_str(), &def.name.value),
        name: def.name.clone(),
        namespace: None,
        file: def.file,
        span: def.span,
        object: None,
        project: Some(pid),
        data,
        immutable: false,
        annotations: def.labels.clone(),
        external_file,
        generated: None,
    }
}

/// Loads and parses an env file once per (path, `.env`).
fn env_file<'s>(
    shared: &'s mut Shared,
    path: &str,
    env_idx: usize,
    env: &DirEnv,
    fs: &mut dyn Files,
    problems: &mut Vec<InputProblem>,
    service: &str,
) -> &'s LoadedEnvFile {
    shared.env_files.entry((path.to_string(), env_idx)).or_insert_with(|| {
        let id = fs.open(path)?;
        let text = fs.db().get(id).text.clone();
        let lookup = |k: &str| env.vars.value(k).map(str::to_string);
        let (entries, errors) = env_file::parse(id, &text, &lookup);
        for e in errors {
            problems.push(problem(e.span, e.message, e.help, service));
        }
        Ok((id, entries))
    })
}

/// A service's Dockerfile: `dockerfile_inline`, or the file, read only under the checked
/// directories. A missing or refused one leaves what it says unknown, and is no problem: the
/// build runs elsewhere.
/// The Dockerfile a build reads, and its file when it is one (not `dockerfile_inline`).
fn dockerfile_text(
    b: &super::dockerfile::BuildSpec,
    dir: &str,
    fs: &mut dyn Files,
) -> Option<(std::sync::Arc<str>, Option<FileId>)> {
    match (&b.inline, b.dockerfile_path(dir)) {
        (Some(text), _) => Some((std::sync::Arc::from(text.as_str()), None)),
        (None, Some(path)) => {
            let id = fs.open(&path).ok()?;
            Some((fs.db().get(id).text.clone(), Some(id)))
        }
        (None, None) => None,
    }
}

/// The script of the repository a service runs as its entrypoint, opened under the checked
/// directories: one the service bind-mounts where its entrypoint (`entrypoint:`, else the
/// Dockerfile's `ENTRYPOINT`) runs it (`./setup/entrypoint.sh:/entrypoint.sh`), else the one its
/// Dockerfile copies from the build context ([`super::dockerfile::entrypoint_script`]).
fn entrypoint_file(
    entrypoint: Option<&[Spanned<String>]>,
    binds: &[(String, String)],
    spec: Option<&super::dockerfile::BuildSpec>,
    dockerfile: Option<&str>,
    dir: &str,
    fs: &mut dyn Files,
) -> Option<FileId> {
    use super::dockerfile::{entry_program, entrypoint_program, entrypoint_script};
    let program = match entrypoint {
        Some(words) => entry_program(&words.iter().map(|w| w.value.clone()).collect::<Vec<_>>()),
        None => spec.zip(dockerfile).and_then(|(b, t)| entrypoint_program(t, b)),
    };
    let mounted = program.as_deref().and_then(|prog| {
        binds.iter().find_map(|(source, target)| {
            let target = target.trim_end_matches('/');
            let rest = prog.strip_prefix(target).filter(|r| r.is_empty() || r.starts_with('/'))?;
            (!source.starts_with('~')).then(|| format!("{}{rest}", join(dir, source)))
        })
    });
    if let Some(path) = mounted {
        return fs.open(&path).ok();
    }
    let (b, text) = spec.zip(dockerfile).filter(|_| entrypoint.is_none())?;
    let src = entrypoint_script(text, b)?;
    let context = join(dir, if b.context.is_empty() { "." } else { &b.context });
    fs.open(&join(&context, &src)).ok()
}

/// Why an `env_file` is not read, when that is a problem: a required file that does not exist
/// (Compose refuses to start), one outside the checked directories (never opened), one that
/// cannot be read. Only the path as written is quoted.
fn env_file_problem(f: &EnvFileRef, why: &Unavailable, service: &str) -> Option<InputProblem> {
    let path = &f.path.value;
    let (message, help) = match why {
        Unavailable::Missing if !f.required => return None,
        Unavailable::Missing => (
            format!("`env_file` `{path}` does not exist"),
            "Compose refuses to start a service whose env file is missing: add the file, fix the path, or mark it `required: false`.",
        ),
        Unavailable::Outside(_) => (
            format!("`env_file` `{path}` is outside the checked directories; it is not read"),
            "nexus-lint reads only files under the paths it is given: check the directory that holds it too, or move the file into the project.",
        ),
        Unavailable::Unreadable(why) => (
            format!("`env_file` `{path}` cannot be read: {why}"),
            "Make the file readable text, or remove the reference.",
        ),
    };
    Some(problem(f.path.span, message, Some(help.into()), service))
}

fn service(
    d: Draft,
    proj: &Proj<'_>,
    fs: &mut dyn Files,
    shared: &mut Shared,
    env_sources: &mut HashSet<String>,
    out: &mut ComposeModel,
) {
    let (pid, plan, env) = (proj.id, proj.plan, proj.env);
    let wid = WorkloadId(out.workloads.len() as u32);
    let name = d.name.value.clone();
    let network_aliases: Vec<Spanned<String>> = d.networks.iter().flat_map(|(_, a)| a.iter().cloned()).collect();
    let aliases = aliases_of(&d);
    // Environment: env files in order, then `environment`, later ones winning.
    let mut vars: Vec<EnvVar> = Vec::new();
    let set = |v: EnvVar, vars: &mut Vec<EnvVar>| match vars.iter_mut().find(|x| x.name.value == v.name.value) {
        Some(x) => *x = v,
        None => vars.push(v),
    };
    for f in &d.env_files {
        let path = join(plan.dir_for(f.path.span.file), &f.path.value);
        let loaded = env_file(shared, &path, plan.env, env, fs, &mut out.problems, &name).clone();
        // A missing env file that a template committed beside it (`.env.example`) or the
        // repository's `.gitignore` says is created per checkout (it holds secrets) is expected,
        // and so is Portainer's `stack.env`, which Portainer writes from the variables a stack
        // is given in its UI (portainer/portainer#6701, discussion #11522). A hidden dotenv file
        // (`.env`, `.db.env`) is one by convention: dotenv files hold the deployment's secrets
        // and are kept out of version control (firefly-iii/docker's setup downloads them).
        let expected = |fs: &dyn Files| {
            let name = file_name(&path);
            crate::declared::has_template(&path, fs)
                || fs.git_ignored(&path)
                || name == "stack.env"
                || (name.starts_with('.') && name.to_ascii_lowercase().contains("env"))
        };
        if let Err(why) = &loaded
            && !(matches!(why, Unavailable::Missing) && expected(fs))
        {
            out.problems.extend(env_file_problem(f, why, &name));
        }
        let loaded = loaded.ok();
        if let Some((file, entries)) = &loaded {
            for e in entries {
                let value = e.value.clone().or_else(|| env.vars.get(&e.key.value).cloned());
                set(
                    EnvVar { name: e.key.clone(), value, from: Some(EnvSource::EnvFile { file: *file }), span: e.span },
                    &mut vars,
                );
            }
        }
        if env_sources.insert(path.clone()) {
            let (file, span, data) = match &loaded {
                Some((id, entries)) => (
                    *id,
                    Span::new(*id, 0, fs.db().get(*id).text.len() as u32),
                    entries.iter().map(|e| ConfigEntry { key: e.key.clone(), value: e.value.clone() }).collect(),
                ),
                None => (f.path.span.file, f.path.span, Vec::new()),
            };
            push_config(
                out,
                ConfigSource {
                    id: ConfigId(0),
                    kind: ConfigKind::EnvFile,
                    resource: resource("env_file", &path),
                    name: Spanned::with_via(path.clone(), f.path.span, f.path.via),
                    namespace: None,
                    file,
                    span,
                    object: None,
                    project: Some(pid),
                    data,
                    immutable: false,
                    annotations: BTreeMap::new(),
                    external_file: Some((path.clone(), loaded.is_some())),
                    generated: None,
                },
            );
        }
        out.config_refs.push(ConfigRef {
            workload: wid,
            kind: ConfigKind::EnvFile,
            how: ConfigRefKind::ComposeEnvFile,
            name: Spanned::with_via(path, f.path.span, f.path.via),
            key: None,
            optional: !f.required,
            container: Some(name.clone()),
            target: None,
        });
    }
    for v in d.environment {
        set(v, &mut vars);
    }
    for (mounts, kind, how) in [
        (&d.configs, ConfigKind::ComposeConfig, ConfigRefKind::ComposeConfig),
        (&d.secrets, ConfigKind::ComposeSecret, ConfigRefKind::ComposeSecret),
    ] {
        for m in mounts {
            out.config_refs.push(ConfigRef {
                workload: wid,
                kind,
                how,
                name: m.source.clone(),
                key: None,
                optional: false,
                container: Some(name.clone()),
                target: None,
            });
        }
    }
    // Ports: published ones, then exposed ones not already listed.
    let mut ports: Vec<ContainerPort> = Vec::new();
    let mut service_ports: Vec<ServicePort> = Vec::new();
    let mut add_service_port = |port: &Spanned<i64>, protocol: &str, span: Span| {
        let protocol = protocol.to_ascii_uppercase();
        if !service_ports.iter().any(|p| p.port.value == port.value && p.protocol == protocol) {
            service_ports.push(ServicePort { name: None, port: port.clone(), target: None, protocol, span });
        }
    };
    for p in &d.ports {
        add_service_port(&p.target, &p.protocol, p.span);
        ports.push(ContainerPort {
            name: None,
            port: p.target.clone(),
            protocol: p.protocol.to_ascii_uppercase(),
            published: p.published.clone(),
        });
    }
    for e in &d.expose {
        add_service_port(&e.port, &e.protocol, e.span);
        let protocol = e.protocol.to_ascii_uppercase();
        if !ports.iter().any(|p| p.port.value == e.port.value && p.protocol == protocol) {
            ports.push(ContainerPort { name: None, port: e.port.clone(), protocol, published: None });
        }
    }
    push_endpoint(out, endpoint((&d.name, d.file, d.span), pid, service_ports, aliases));
    for dep in &d.depends_on {
        out.edges.push(Edge {
            consumer: wid,
            target: dep.target.clone(),
            provider: None,
            endpoint: None,
            kind: EdgeKind::DependsOn {
                condition: dep.condition.clone(),
                required: dep.required,
                restart: dep.restart,
                short_form: dep.short_form,
            },
            confidence: Confidence::Explicit,
            via: None,
        });
    }
    for l in &d.links {
        out.edges.push(Edge {
            consumer: wid,
            target: l.clone(),
            provider: None,
            endpoint: None,
            kind: EdgeKind::Link,
            confidence: Confidence::Explicit,
            via: None,
        });
    }
    for s in d.ignore {
        if !shared.suppression_spans.contains(&s.span) {
            shared.suppression_spans.push(s.span);
            out.suppressions.push(s);
        }
    }
    let mut annotations = d.labels;
    annotations.extend(d.annotations);
    let spec = d.build.as_ref().and_then(|b| b.spec.as_ref());
    let dir = plan.dir_for(d.build.as_ref().map_or(d.span.file, |b| b.span.file)).to_string();
    let (dockerfile, dockerfile_id) = spec.and_then(|b| dockerfile_text(b, &dir, fs)).unzip();
    let base_image = spec.zip(dockerfile.as_deref()).and_then(|(b, t)| super::dockerfile::base_image(t, b));
    let image_health = spec.zip(dockerfile.as_deref()).and_then(|(b, t)| {
        let h = super::dockerfile::healthcheck(t, b)?;
        let span = match dockerfile_id.flatten() {
            Some(id) => Span::new(id, h.at.0 as u32, h.at.1 as u32),
            None => d.build.as_ref()?.span,
        };
        Some((h, span))
    });
    let readiness = super::dockerfile::readiness(d.healthcheck, image_health);
    let entrypoint_script = entrypoint_file(d.entrypoint.as_deref(), &d.binds, spec, dockerfile.as_deref(), &dir, fs);
    let clients = spec
        .and_then(|b| b.context_dir(&dir))
        .map(|context| super::manifests::client_libraries(&context, &dir, fs))
        .unwrap_or_default();
    let container = Container {
        name: d.name.clone(),
        span: d.span,
        image: d.image,
        base_image,
        entrypoint_script,
        // Compose's `entrypoint` is the image's ENTRYPOINT, which Kubernetes calls `command`;
        // its `command` is the CMD, Kubernetes' `args`.
        command: d.entrypoint.unwrap_or_default(),
        args: d.command.unwrap_or_default(),
        env: vars,
        env_from: Vec::new(),
        ports,
        readiness,
        liveness: None,
        startup: None,
        requests: d.requests,
        limits: d.limits,
        restart_policy: None,
        is_init: false,
        volume_mounts: Vec::new(),
    };
    out.workloads.push(Workload {
        id: wid,
        kind: WorkloadKind::ComposeService,
        resource: ResourceRef::compose(&name),
        name: d.name.clone(),
        namespace: None,
        object: None,
        project: Some(pid),
        file: d.file,
        span: d.span,
        template: None,
        pod_labels: BTreeMap::new(),
        annotations,
        pod_annotations: BTreeMap::new(),
        replicas: d.replicas.or(d.scale),
        init_containers: Vec::new(),
        containers: vec![container],
        volumes: Vec::new(),
        role: Role::Server,
        batch: None,
        compose: Some(ComposeServiceInfo {
            key_span: d.name.span,
            build: d.build.as_ref().map(|b| b.span),
            profiles: d.profiles.into_iter().map(|p| p.value).collect(),
            network_aliases,
            hostname: d.hostname,
            container_name: d.container_name,
            restart: d.restart,
            depends_on: d.depends_on_decl,
            interpolated_env: d.interpolated_env,
            clients,
        }),
        controller: Default::default(),
    });
}
