//! The Compose front end: Compose files → projects → services as workloads and endpoints.
//!
//! The pipeline follows what `docker compose` does when run in each directory, so that the
//! model is the application Compose would start:
//!
//! 1. [`project`] groups the files into projects (base file, default override, variants,
//!    `COMPOSE_FILE`) and reads each directory's `.env` ([`env_file`]);
//! 2. for each (file, `.env`) pair, once: every scalar value is interpolated
//!    ([`interpolate`]; variables come only from `.env`, never from the process environment,
//!    so output is the same on every machine), the file is validated against the vendored
//!    compose-spec schema ([`schema`]), and its services are read into drafts ([`service`]);
//! 3. per project, drafts of the same service from later files are laid over earlier ones by
//!    Compose's merge rules ([`merge`], at the model level so that every value keeps the span
//!    of the file it came from) and turned into model pieces ([`emit`]): one workload, one
//!    container and one endpoint per service, its dependency edges, config sources and
//!    references, and suppressions.
//!
//! A base file shared by several projects (the main project and a `docker-compose.prod.yml`
//! variant) yields one workload per service per project; diagnostics that come out identical
//! are merged downstream. Problems found here are NX003 (`invalid-compose`) input problems.

mod dockerfile;
mod draft;
mod emit;
pub(crate) mod env_file;
mod extends;
mod interpolate;
mod manifests;
mod merge;
mod project;
mod read;
mod schema;
mod service;
#[cfg(test)]
mod tests;
mod unset;

use std::collections::HashMap;

use crate::{
    ComposeProject, ConfigRef, ConfigSource, Edge, Endpoint, InputProblem, InputProblemKind, ResourceRef, Spanned,
    Suppression, Workload,
};
use nexus_source::yaml::{NodeRef, YamlFile};
use nexus_source::{FileId, Span};

pub use nexus_source::files::Files;

/// What the Compose files of a run contribute to the platform. Ids are local to this model
/// (workload `i` is `WorkloadId(i)`, project `j` is `ProjectId(j)`); the caller offsets them.
#[derive(Debug, Default)]
pub struct ComposeModel {
    pub projects: Vec<ComposeProject>,
    pub workloads: Vec<Workload>,
    pub endpoints: Vec<Endpoint>,
    pub configs: Vec<ConfigSource>,
    pub config_refs: Vec<ConfigRef>,
    pub edges: Vec<Edge>,
    pub problems: Vec<InputProblem>,
    pub suppressions: Vec<Suppression>,
    /// Values of the `.env` entries named like credentials ([`crate::redact`]).
    pub secrets: Vec<Spanned<String>>,
}

/// Builds the Compose model from the Compose files of a run (sorted by path).
pub fn build(files: &[(FileId, &YamlFile)], fs: &mut dyn Files) -> ComposeModel {
    let mut out = ComposeModel::default();
    if files.is_empty() {
        return out;
    }
    let mut extra: Vec<YamlFile> = Vec::new();
    let mut envs: Vec<project::DirEnv> = Vec::new();
    let plans = project::plan(files, fs, &mut extra, &mut envs, &mut out.problems);
    for env in &envs {
        let secret = env.entries.iter().filter(|e| crate::redact::is_secret_name(&e.key.value));
        out.secrets.extend(secret.filter_map(|e| e.value.clone()));
    }
    let trees: HashMap<FileId, &YamlFile> =
        files.iter().map(|(id, y)| (*id, *y)).chain(extra.iter().map(|y| (y.file, y))).collect();
    let mut layers: HashMap<(FileId, usize), ReadFile> = HashMap::new();
    let mut shared = emit::Shared { whole_services: whole_services(files), ..Default::default() };
    let mut extender = extends::Extender::default();
    for plan in &plans {
        let env = &envs[plan.env];
        let mut project_layers = Vec::new();
        let mut unknown: Vec<(String, Span)> = Vec::new();
        for &f in &plan.files {
            let Some(y) = trees.get(&f) else { continue };
            let read = layers.entry((f, plan.env)).or_insert_with(|| {
                let mut read = read_file(y, env, &mut out.problems);
                let cx = extends::Cx { env: plan.env, vars: &env.vars, trees: &trees };
                for layer in &mut read.layers {
                    extender.resolve(layer, f, &cx, fs, &mut out.problems);
                }
                read
            });
            project_layers.extend(read.layers.iter().cloned());
            for (n, span) in &read.unknown {
                if !unknown.iter().any(|(x, _)| x == n) {
                    unknown.push((n.clone(), *span));
                }
            }
        }
        emit::project(plan, project_layers, env, fs, &mut shared, &mut out);
        if !unknown.is_empty() {
            out.problems.push(unset::problem(plan, &unknown, fs));
        }
    }
    dedup_problems(&mut out.problems);
    out
}

/// The names of the services some Compose file of the run defines whole (with `image`, `build`
/// or `extends`): a file whose other services set only part of these is a layer over that file.
fn whole_services(files: &[(FileId, &YamlFile)]) -> std::collections::HashSet<String> {
    let mut out = std::collections::HashSet::new();
    for (_, y) in files {
        for doc in &y.docs {
            let Some(services) = y.root(doc).and_then(|r| r.get("services")) else { continue };
            for e in services.entries() {
                let whole = ["image", "build", "extends"].iter().any(|k| e.value.get(k).is_some());
                if let (true, Some(name)) = (whole, e.key.as_str()) {
                    out.insert(name.to_string());
                }
            }
        }
    }
    out
}

/// One file read with one `.env`: its layers, and the variables `.env` does not set.
struct ReadFile {
    layers: Vec<service::Layer>,
    unknown: Vec<(String, Span)>,
}

/// Validates and reads one file with one `.env`.
fn read_file(y: &YamlFile, env: &project::DirEnv, problems: &mut Vec<InputProblem>) -> ReadFile {
    let mut out = ReadFile { layers: Vec::new(), unknown: Vec::new() };
    for doc in &y.docs {
        let Some(root) = y.root(doc) else { continue };
        let mut found = schema::Interpolated::default();
        let json = schema::to_json(root, &env.vars, &mut found);
        for u in found.unknown {
            if !out.unknown.iter().any(|(n, _)| *n == u.0) {
                out.unknown.push(u);
            }
        }
        for (span, e) in found.errors {
            let resource = service_at(root, span).map(|s| ResourceRef::compose(&s));
            problems.push(
                InputProblem::new(InputProblemKind::Compose, span, e.message(), Some(e.help())).resource(resource),
            );
        }
        for e in schema::validate(root, &json) {
            let resource = e.service.as_deref().map(ResourceRef::compose);
            problems.push(InputProblem::new(InputProblemKind::Compose, e.span, e.message, e.help).resource(resource));
        }
        if !root.is_map() {
            continue;
        }
        let mut layer = service::read_layer(y.file, root, &env.vars);
        problems.append(&mut layer.problems);
        out.layers.push(layer);
    }
    out
}

/// The service whose definition holds a span, if any.
fn service_at(root: NodeRef<'_>, span: Span) -> Option<String> {
    root.get("services")?.entries().find_map(|e| {
        let s = e.value.span();
        (s.start <= span.start && span.end <= s.end && s.file == span.file)
            .then(|| e.key.as_str().map(str::to_string))
            .flatten()
    })
}

/// The same problem reached through several projects is reported once.
fn dedup_problems(problems: &mut Vec<InputProblem>) {
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert((p.span, p.message.clone())));
}

/// Is this file name one Compose reads by default?
pub fn is_compose_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    (n.starts_with("compose.")
        || n.starts_with("docker-compose.")
        || n.starts_with("compose-")
        || n.starts_with("docker-compose-"))
        && (n.ends_with(".yml") || n.ends_with(".yaml"))
}
