//! Which Compose files make up which project, the way `docker compose` decides when run in the
//! files' directory.
//!
//! Files are grouped by directory. In each directory:
//!
//! - if the directory's `.env` sets `COMPOSE_FILE` (a list separated by
//!   `COMPOSE_PATH_SEPARATOR`, else `:`), that list is the project, exactly as `docker compose`
//!   there would load it. Any other Compose-named file of the directory is taken as a variant on
//!   top of that list (`docker compose -f … -f docker-compose.ci.yml`), except a second file
//!   with a base name (`compose.yaml` next to a listed `docker-compose.yml`), which stands alone;
//! - otherwise the base file is the first of `compose.yaml`, `compose.yml`, `docker-compose.yml`,
//!   `docker-compose.yaml` (Compose's order of preference) and the default override the first of
//!   `compose.override.yml`, `compose.override.yaml`, `docker-compose.override.yml`,
//!   `docker-compose.override.yaml`: together they are the main project. Every other
//!   Compose-named file is a variant, base + that file (`docker-compose.prod.yml` is meant to be
//!   used as `-f docker-compose.yml -f docker-compose.prod.yml`);
//! - a file that has no base in its directory, or that was recognized by its `services:` map
//!   rather than its name, is a project of its own.
//!
//! A base file that is not among the inputs but exists (the pre-commit hook passes only the
//! changed override) is loaded so that its variants make sense; an override that is not among
//! the inputs is not (it is often untracked and local, and CI would not see it). Files named by
//! `COMPOSE_FILE` are loaded whether given or not, since the project declares them.

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
}

/// `a/b/c.yml` → `a/b`; `c.yml` → ``.
pub fn dir_of(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

fn file_name(path: &str) -> &str {
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
    let name_of = |path: &str| file_name(path).to_ascii_lowercase();
    let mut plans = Vec::new();
    for (env_idx, ((dir, inputs), list)) in dirs.into_iter().zip(lists).enumerate() {
        // Files another directory's `COMPOSE_FILE` uses are planned there, unless they are the
        // base of their own directory.
        let inputs: Vec<(String, FileId)> = inputs
            .into_iter()
            .filter(|(p, id)| !claimed.contains(id) || BASE_NAMES.contains(&name_of(p).as_str()))
            .collect();
        let plan = |files: Vec<FileId>| Plan { dir: dir.clone(), files, env: env_idx };

        if let Some(listed) = list {
            // The declared project first, then the files it leaves out.
            add(&mut plans, plan(listed.clone()));
            for (path, id) in &inputs {
                if listed.contains(id) {
                    continue;
                }
                let name = name_of(path);
                if !listed.is_empty() && super::is_compose_name(&name) && !BASE_NAMES.contains(&name.as_str()) {
                    let mut v = listed.clone();
                    v.push(*id);
                    add(&mut plans, plan(v));
                } else {
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
        let mut base = input_named(BASE_NAMES);
        // A base that was not given is only worth loading when a given file builds on it.
        if base.is_none() && inputs.iter().any(|(p, _)| super::is_compose_name(&name_of(p))) {
            base = BASE_NAMES.iter().find_map(|n| opener.open(&join(&dir, n), fs, problems));
        }
        let Some(base) = base else {
            for (_, id) in &inputs {
                add(&mut plans, plan(vec![*id]));
            }
            continue;
        };
        let base_is_input = inputs.iter().any(|(_, id)| *id == base);
        let over = input_named(OVERRIDE_NAMES);
        if base_is_input || over.is_some() {
            add(&mut plans, plan(std::iter::once(base).chain(over).collect()));
        }
        for (path, id) in &inputs {
            if *id == base || Some(*id) == over {
                continue;
            }
            let name = name_of(path);
            if !super::is_compose_name(&name) || BASE_NAMES.contains(&name.as_str()) {
                add(&mut plans, plan(vec![*id]));
            } else {
                add(&mut plans, plan(vec![base, *id]));
            }
        }
    }
    plans
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
