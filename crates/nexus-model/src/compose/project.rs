//! Which Compose files make up which project, the way `docker compose` decides when run in the
//! files' directory: only what Compose itself joins is joined.
//!
//! Files are grouped by directory. In each directory:
//!
//! - if the directory's `.env` sets `COMPOSE_FILE` (a list separated by
//!   `COMPOSE_PATH_SEPARATOR`, else `:`), that list is the project, exactly as `docker compose`
//!   there would load it;
//! - otherwise the base file is the first of `compose.yaml`, `compose.yml`, `docker-compose.yml`,
//!   `docker-compose.yaml` (Compose's order of preference) and the default override the first of
//!   `compose.override.yml`, `compose.override.yaml`, `docker-compose.override.yml`,
//!   `docker-compose.override.yaml`: together they are the main project, as a bare
//!   `docker compose up` merges them;
//! - a file's `include:` entries are loaded before it, as part of its project, wherever they are;
//! - every other file is a project of its own. Sibling files are alternatives as often as they
//!   are layers (`docker-compose-postgres.yml` beside `docker-compose-mysql.yml`, a
//!   `docker-compose.images.yml` that pulls what `docker-compose.yml` builds), and which files a
//!   layer goes over is written in a Makefile or a README, not in the files: guessing joins
//!   files that never run together. A file that is only a layer — some service has neither
//!   `image` nor `build`, or names services it does not define — is a *fragment*, checked for
//!   what it defines itself (see [`super::emit`]).
//!
//! A base file that is not among the inputs but exists is loaded when its default override is
//! given (the pre-commit hook passes only the changed file; Compose merges the two), and files
//! named by `COMPOSE_FILE` are loaded whether given or not, since the project declares them.

use std::collections::{BTreeMap, HashMap};

use super::Files;
use super::env_file::{self, DotenvEntry};
use super::interpolate::Vars;
use crate::{InputProblem, InputProblemKind, Spanned};
use nexus_source::files::Unavailable;
use nexus_source::yaml::{self, Limits, YamlFile};
use nexus_source::{FileId, Span};

/// Compose's default file names, in its order of preference.
pub const BASE_NAMES: &[&str] = &["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];
pub const OVERRIDE_NAMES: &[&str] =
    &["compose.override.yml", "compose.override.yaml", "docker-compose.override.yml", "docker-compose.override.yaml"];

/// A directory's `.env`.
#[derive(Debug, Default)]
pub struct DirEnv {
    pub dir: String,
    pub file: Option<FileId>,
    pub vars: Vars,
    pub entries: Vec<DotenvEntry>,
}

/// One project to build: its files, in merge order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub dir: String,
    pub files: Vec<FileId>,
    /// Index in the [`DirEnv`] table.
    pub env: usize,
    /// Listed by `COMPOSE_FILE`: a whole project, never a fragment.
    pub declared: bool,
    /// The directory each included file's relative paths start from: its own, or the
    /// `project_directory` its `include` entry gives (Compose Specification, "include": "each
    /// path listed in the include section is loaded as an individual Compose application
    /// model, with its own project directory to resolve relative paths").
    pub included_dirs: Vec<(FileId, String)>,
}

impl Plan {
    /// The directory `file`'s relative paths (env files, build contexts, bind mounts, config
    /// files) start from: the project's, or an included file's own.
    pub fn dir_for(&self, file: FileId) -> &str {
        self.included_dirs.iter().find(|(f, _)| *f == file).map_or(&self.dir, |(_, d)| d)
    }
}

/// `a/b/c.yml` → `a/b`; `c.yml` → ``.
pub fn dir_of(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

pub fn file_name(path: &str) -> &str {
    path.rfind('/').map_or(path, |i| &path[i + 1..])
}

/// `dir` + `rel`, normalized (`./` and `x/..` removed) the way inputs are named.
pub fn join(dir: &str, rel: &str) -> String {
    let raw =
        if rel.starts_with('/') || dir.is_empty() || dir == "." { rel.to_string() } else { format!("{dir}/{rel}") };
    normalize(&raw)
}

fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            _ => parts.push(p),
        }
    }
    let s = parts.join("/");
    if path.starts_with('/') { format!("/{s}") } else { s }
}

/// Compose's project-name normalization: lower-case, keep `[a-z0-9_-]`, no leading `_`/`-`.
pub fn normalize_name(s: &str) -> String {
    let kept: String = s
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    kept.trim_start_matches(['_', '-']).to_string()
}

/// The default project name of a directory: its base name (for the current directory, the
/// name of the directory the run started in).
pub fn dir_name(dir: &str) -> String {
    let base = match file_name(dir) {
        "" | "." | ".." => std::env::current_dir()
            .ok()
            .and_then(|d| {
                let d = if dir == ".." { d.parent()?.to_path_buf() } else { d };
                d.file_name().map(|n| n.to_string_lossy().into_owned())
            })
            .unwrap_or_default(),
        b => b.to_string(),
    };
    match normalize_name(&base) {
        n if n.is_empty() => "default".into(),
        n => n,
    }
}

fn problem(span: Span, message: String, help: Option<String>) -> InputProblem {
    InputProblem::new(InputProblemKind::Compose, span, message, help)
}

/// Reads a directory's `.env`; its syntax errors become problems.
fn load_env(dir: &str, fs: &mut dyn Files, problems: &mut Vec<InputProblem>) -> DirEnv {
    let mut env = DirEnv { dir: dir.to_string(), ..DirEnv::default() };
    let id = match fs.open(&join(dir, ".env")) {
        Ok(id) => id,
        Err(Unavailable::Outside(Some(id))) => {
            problems.push(problem(
                Span::point(id, 0),
                "`.env` is a symlink that leads outside the checked directories; it is not read".into(),
                Some("nexus-lint reads only files under the paths it is given. Replace the link with the file.".into()),
            ));
            return env;
        }
        Err(_) => return env,
    };
    env.file = Some(id);
    let text = fs.db().get(id).text.clone();
    // `.env` values may reference earlier keys only: the process environment is not used.
    let (entries, errors) = env_file::parse(id, &text, &|_| None);
    for e in errors {
        problems.push(problem(e.span, e.message, e.help));
    }
    for e in &entries {
        if let Some(v) = &e.value {
            env.vars.insert(e.key.value.clone(), v.clone());
        }
    }
    env.entries = entries;
    env
}

/// Finds files by path: among the inputs, among files already loaded, else on disk.
struct Opener<'e> {
    by_path: HashMap<String, FileId>,
    extra: &'e mut Vec<YamlFile>,
}

impl Opener<'_> {
    fn open(&mut self, path: &str, fs: &mut dyn Files, problems: &mut Vec<InputProblem>) -> Option<FileId> {
        self.try_open(path, fs, problems).ok()
    }

    fn try_open(
        &mut self,
        path: &str,
        fs: &mut dyn Files,
        problems: &mut Vec<InputProblem>,
    ) -> Result<FileId, Unavailable> {
        if let Some(id) = self.by_path.get(path) {
            return Ok(*id);
        }
        if let Some(y) = self.extra.iter().find(|y| fs.db().get(y.file).path == path) {
            return Ok(y.file);
        }
        fs.check(path)?;
        let id = fs.open(path)?;
        if let Some(&known) = self.by_path.get(&fs.db().get(id).path) {
            return Ok(known);
        }
        let text = fs.db().get(id).text.clone();
        let y = yaml::parse(id, text, &Limits::default());
        for p in &y.problems {
            problems.push(problem(Span::new(id, p.start, p.end), p.message.clone(), p.help.clone()));
        }
        self.extra.push(y);
        Ok(id)
    }
}

fn add(plans: &mut Vec<Plan>, p: Plan) {
    if !p.files.is_empty() && !plans.contains(&p) {
        plans.push(p);
    }
}

/// Plans the projects of a run. Files that must be read but were not given are loaded through
/// `fs` and parsed into `extra`.
pub fn plan(
    files: &[(FileId, &YamlFile)],
    fs: &mut dyn Files,
    extra: &mut Vec<YamlFile>,
    envs: &mut Vec<DirEnv>,
    problems: &mut Vec<InputProblem>,
) -> Vec<Plan> {
    let mut opener = Opener { by_path: HashMap::new(), extra };
    let mut by_dir: BTreeMap<String, Vec<(String, FileId)>> = BTreeMap::new();
    for (id, _) in files {
        let path = fs.db().get(*id).path.clone();
        opener.by_path.insert(path.clone(), *id);
        by_dir.entry(dir_of(&path).to_string()).or_default().push((path, *id));
    }
    // First every directory's `.env` and `COMPOSE_FILE` list, so that a file another
    // directory's list claims is not also taken as a project of its own.
    let dirs: Vec<(String, Vec<(String, FileId)>)> = by_dir.into_iter().collect();
    let mut lists: Vec<Option<Vec<FileId>>> = Vec::new();
    for (dir, _) in &dirs {
        let env = load_env(dir, fs, problems);
        let compose_file = env.vars.get("COMPOSE_FILE").cloned();
        let separator = env.vars.value("COMPOSE_PATH_SEPARATOR").filter(|s| !s.is_empty()).unwrap_or(":").to_string();
        envs.push(env);
        let Some(list) = compose_file.filter(|c| !c.value.trim().is_empty()) else {
            lists.push(None);
            continue;
        };
        let mut listed = Vec::new();
        for part in list.value.split(separator.as_str()).map(str::trim) {
            if part.is_empty() {
                continue;
            }
            match opener.try_open(&join(dir, part), fs, problems) {
                Ok(id) => listed.push(id),
                Err(Unavailable::Outside(_)) => problems.push(problem(
                    list.span,
                    format!("`COMPOSE_FILE` names `{part}`, which is outside the checked directories; it is not read"),
                    Some("nexus-lint reads only files under the paths it is given: check that directory too.".into()),
                )),
                Err(_) => problems.push(problem(
                    list.span,
                    format!("`COMPOSE_FILE` names `{part}`, which does not exist"),
                    Some("Fix the path, or remove it from `COMPOSE_FILE`.".into()),
                )),
            }
        }
        lists.push(Some(listed));
    }
    let mut claimed: Vec<FileId> = Vec::new();
    for ((dir, _), list) in dirs.iter().zip(&lists) {
        for id in list.iter().flatten() {
            if dir_of(&fs.db().get(*id).path) != dir.as_str() {
                claimed.push(*id);
            }
        }
    }
    // Files that `include:` others: those are loaded before them, as part of their project.
    let mut includes: HashMap<FileId, Vec<FileId>> = HashMap::new();
    let mut included_dirs: Vec<(FileId, String)> = Vec::new();
    for (_, inputs) in &dirs {
        for (_, id) in inputs {
            let mut found = Vec::new();
            included(*id, files, &mut opener, fs, problems, 0, &mut found, &mut included_dirs);
            claimed.extend(found.iter().copied());
            if !found.is_empty() {
                includes.insert(*id, found);
            }
        }
    }
    let dirs_of = |files: &[FileId]| -> Vec<(FileId, String)> {
        included_dirs.iter().filter(|(f, _)| files.contains(f)).cloned().collect()
    };
    let with_includes = |files: Vec<FileId>| -> Vec<FileId> {
        let mut out: Vec<FileId> = Vec::new();
        for f in files {
            for i in includes.get(&f).into_iter().flatten().chain(std::iter::once(&f)) {
                if !out.contains(i) {
                    out.push(*i);
                }
            }
        }
        out
    };
    let name_of = |path: &str| file_name(path).to_ascii_lowercase();
    let mut plans = Vec::new();
    for (env_idx, ((dir, inputs), list)) in dirs.into_iter().zip(lists).enumerate() {
        // Files another directory's `COMPOSE_FILE` uses are planned there, unless they are the
        // base of their own directory.
        let inputs: Vec<(String, FileId)> = inputs
            .into_iter()
            .filter(|(p, id)| !claimed.contains(id) || BASE_NAMES.contains(&name_of(p).as_str()))
            .collect();
        let plan = |files: Vec<FileId>| {
            let files = with_includes(files);
            Plan { dir: dir.clone(), included_dirs: dirs_of(&files), files, env: env_idx, declared: false }
        };

        if let Some(listed) = list {
            // The declared project first, then the files it leaves out, each on its own.
            add(&mut plans, Plan { declared: true, ..plan(listed.clone()) });
            for (_, id) in &inputs {
                if !listed.contains(id) {
                    add(&mut plans, plan(vec![*id]));
                }
            }
            continue;
        }

        let input_named = |names: &[&str]| {
            names.iter().find_map(|n| {
                let path = join(&dir, n);
                inputs.iter().find(|(p, _)| *p == path).map(|(_, id)| *id)
            })
        };
        let over = input_named(OVERRIDE_NAMES);
        // A base that was not given is loaded when its default override was: Compose merges them.
        let base = input_named(BASE_NAMES)
            .or_else(|| over.and_then(|_| BASE_NAMES.iter().find_map(|n| opener.open(&join(&dir, n), fs, problems))));
        if let Some(base) = base {
            add(&mut plans, plan(std::iter::once(base).chain(over).collect()));
        }
        for (_, id) in &inputs {
            if Some(*id) != base && (Some(*id) != over || base.is_none()) {
                add(&mut plans, plan(vec![*id]));
            }
        }
    }
    plans
}

/// The files `id` includes (Compose `include:`, a path or `{path: …}` per entry, relative to the
/// including file), theirs first, recursively; bounded, and each once. `dirs` gets the directory
/// each one's relative paths start from.
#[allow(clippy::too_many_arguments)]
fn included(
    id: FileId,
    files: &[(FileId, &YamlFile)],
    opener: &mut Opener<'_>,
    fs: &mut dyn Files,
    problems: &mut Vec<InputProblem>,
    depth: usize,
    out: &mut Vec<FileId>,
    dirs: &mut Vec<(FileId, String)>,
) {
    if depth > 8 {
        return;
    }
    let tree =
        files.iter().find(|(f, _)| *f == id).map(|(_, y)| *y).or_else(|| opener.extra.iter().find(|y| y.file == id));
    let Some(tree) = tree else { return };
    let mut paths: Vec<(String, Span, Option<String>)> = Vec::new();
    for doc in &tree.docs {
        let Some(list) = tree.root(doc).and_then(|r| r.get("include")) else { continue };
        for item in list.items() {
            let item = item.resolve();
            let targets: Vec<nexus_source::yaml::NodeRef<'_>> = match item.get("path") {
                Some(p) if p.is_seq() => p.items().collect(),
                Some(p) => vec![p],
                None => vec![item],
            };
            let project_dir = item.get("project_directory").and_then(|d| d.as_str()).map(str::to_string);
            for t in targets {
                if let Some(p) = t.as_str().filter(|p| !p.contains("${") && !p.contains("://")) {
                    paths.push((p.to_string(), t.span(), project_dir.clone()));
                }
            }
        }
    }
    let dir = dir_of(&fs.db().get(id).path).to_string();
    for (rel, span, project_dir) in paths {
        let path = join(&dir, &rel);
        match opener.open(&path, fs, problems) {
            Some(f) if f != id && !out.contains(&f) => {
                if !dirs.iter().any(|(d, _)| *d == f) {
                    let own = match project_dir.filter(|d| !d.contains("${")) {
                        Some(d) => join(&dir, &d),
                        None => dir_of(&path).to_string(),
                    };
                    dirs.push((f, own));
                }
                included(f, files, opener, fs, problems, depth + 1, out, dirs);
                if !out.contains(&f) {
                    out.push(f);
                }
            }
            Some(_) => {}
            None => problems.push(problem(
                span,
                format!("`include` names `{rel}`, which does not exist"),
                Some("Fix the path, or remove the entry.".into()),
            )),
        }
    }
}

/// Can this project be a fragment, a layer meant to go over files the run does not join it
/// with? A project of one file that is not a base file: what Compose loads by default (a base
/// file, with its override) or what `COMPOSE_FILE` lists is a whole project.
pub fn may_be_fragment(plan: &Plan, db: &nexus_source::SourceDb) -> bool {
    !plan.declared
        && plan.files.len() == 1
        && !BASE_NAMES.contains(&file_name(&db.get(plan.files[0]).path).to_ascii_lowercase().as_str())
}

/// The project's name: `COMPOSE_PROJECT_NAME` in `.env`, else the last `name:` of its files,
/// else the directory's name.
pub fn project_name(env: &DirEnv, declared: Option<&Spanned<String>>) -> String {
    if let Some(n) = env.vars.value("COMPOSE_PROJECT_NAME").filter(|n| !n.trim().is_empty()) {
        return normalize_name(n);
    }
    if let Some(n) = declared.filter(|n| !n.value.trim().is_empty()) {
        return normalize_name(&n.value);
    }
    dir_name(&env.dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_names() {
        assert_eq!(join("a/b", "./c/../d.env"), "a/b/d.env");
        assert_eq!(join("", "./.env"), ".env");
        assert_eq!(join("a", "../b"), "b");
        assert_eq!(join("a", "/abs/x"), "/abs/x");
        assert_eq!(dir_of("fixtures/nexus/docker-compose.yml"), "fixtures/nexus");
        assert_eq!(dir_of("compose.yaml"), "");
        assert_eq!(normalize_name("My_Project.v2"), "my_projectv2");
        assert_eq!(normalize_name("-x"), "x");
        assert_eq!(dir_name("fixtures/Nexus"), "nexus");
    }
}
