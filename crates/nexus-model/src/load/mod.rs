//! From files read to the linked platform: parse the YAML (in parallel), detect Helm templates
//! before parsing, give each document to its front end (Kubernetes objects, Compose files),
//! assemble the pieces with their final ids, collect the suppressions written in comments, and
//! link.
//!
//! Reading the inputs is the caller's (discovery and bounded reading live in `nexus-source`);
//! files the Compose front end needs beyond the inputs (`.env`, `env_file`s, overrides) are read
//! through [`nexus_source::files`].

use std::path::Path;
use std::time::Instant;

use nexus_source::discover::{self, InputKind};
use nexus_source::files::{DbFiles, Files};
use nexus_source::roots::Roots;
use nexus_source::yaml::{self, Limits, ProblemKind, YamlFile};
use nexus_source::{self as source, ContentProblem, FileId, ReadResult, SourceDb, Span, timings};
use rayon::prelude::*;

mod classify;

use crate::templates::{chart_templates, helm_action, template_objects, template_problem};
use crate::{
    ConfigId, EndpointId, InputProblem, InputProblemKind, ObjectId, Platform, ProjectId, ScalerId, Spanned,
    Suppression, SuppressionScope, WorkloadId, compose, k8s, link,
};
use classify::{
    FileUse, classify, is_compose_file, is_test_file, is_tooling_file, kustomizations, kustomize_inputs,
    kustomize_listed, kustomize_pinned_images,
};

/// One input, read.
#[derive(Debug)]
pub struct Input {
    /// The path as the user gave it (or as found under a directory they gave); `-` for stdin.
    pub path: String,
    pub kind: InputKind,
    pub read: ReadResult,
}

/// Where auxiliary files come from.
#[derive(Debug, Clone)]
pub struct Options {
    /// In-memory runs (tests, rule-doc examples) read nothing from the disk.
    pub memory: bool,
    /// The size limit for auxiliary files.
    pub max_file_size: u64,
    /// Roles the configuration sets.
    pub roles: Vec<crate::roles::RoleOverride>,
    /// Capacities the configuration sets.
    pub capacity: Vec<crate::capacity::CapacityOverride>,
    /// External objects, schemas and service pairs the configuration declares.
    pub declared: crate::declared::Declared,
    /// Migration settings the configuration sets.
    pub migrations: crate::migration_facts::MigrationSettings,
}

/// Everything read, and the platform built from it.
#[derive(Debug)]
pub struct Loaded {
    pub db: SourceDb,
    /// The YAML tree of each file, by `FileId` (None for files that are not YAML or not read).
    pub yaml: Vec<Option<YamlFile>>,
    pub platform: Platform,
}

impl Loaded {
    pub fn yaml(&self, id: FileId) -> Option<&YamlFile> {
        self.yaml.get(id.0 as usize).and_then(Option::as_ref)
    }

    /// Structural path of a span, for fingerprints.
    pub fn locate(&self, span: Span) -> String {
        self.yaml(span.file).map(|y| y.locate(span.start, span.end)).unwrap_or_default()
    }

    /// Adds a file that is not part of the platform (the configuration, to report on it).
    pub fn add_file(&mut self, path: String, text: std::sync::Arc<str>) -> FileId {
        let id = self.db.add(path.clone(), text);
        self.yaml.resize_with(self.db.len(), || None);
        self.platform.paths.push(path);
        id
    }
}

/// Loads in-memory files: `(path, content)`, as tests and rule-doc examples give them.
pub fn load_memory(files: &[(String, String)]) -> Loaded {
    load_memory_with(files, Vec::new())
}

/// Loads in-memory files with roles set by configuration.
pub fn load_memory_with(files: &[(String, String)], roles: Vec<crate::roles::RoleOverride>) -> Loaded {
    load_memory_configured(files, roles, Vec::new(), Default::default(), Default::default())
}

/// Loads in-memory files with the roles, capacities, declarations and migration settings
/// configuration sets.
pub fn load_memory_configured(
    files: &[(String, String)],
    roles: Vec<crate::roles::RoleOverride>,
    capacity: Vec<crate::capacity::CapacityOverride>,
    declared: crate::declared::Declared,
    migrations: crate::migration_facts::MigrationSettings,
) -> Loaded {
    let inputs = files
        .iter()
        .map(|(p, t)| Input {
            path: p.clone(),
            kind: discover::kind_of(Path::new(p)).unwrap_or(InputKind::Yaml),
            read: source::decode(t.clone().into_bytes()),
        })
        .collect();
    load(
        inputs,
        Options { memory: true, max_file_size: source::DEFAULT_MAX_FILE_BYTES, roles, capacity, declared, migrations },
    )
}

/// Builds and links the platform of the inputs. Auxiliary files are read only from under the
/// roots given to [`load_with`]; here there are none, so only in-memory files are seen.
pub fn load(inputs: Vec<Input>, options: Options) -> Loaded {
    load_with(inputs, options, &Roots::default())
}

/// Builds and links the platform of the inputs, reading the auxiliary files Compose names
/// (`.env`, `env_file`, `extends`, overrides) only when they resolve under `roots`.
pub fn load_with(inputs: Vec<Input>, options: Options, roots: &Roots) -> Loaded {
    let mut db = SourceDb::new();
    let mut platform = Platform {
        role_overrides: options.roles,
        capacity_overrides: options.capacity,
        declared: options.declared,
        migration_settings: options.migrations,
        ..Platform::default()
    };
    let mut yaml_inputs: Vec<FileId> = Vec::new();
    let mut scripts: Vec<FileId> = Vec::new();
    for input in inputs {
        let id = db.add(input.path, input.read.text);
        if let Some(problem) = input.read.problem {
            platform.problems.push(content_problem(id, &problem));
        } else if input.kind == InputKind::Yaml {
            yaml_inputs.push(id);
        } else {
            scripts.push(id);
        }
    }
    // Parse YAML in parallel; Helm templates are reported once instead of parsed.
    let t = Instant::now();
    let limits = Limits::default();
    let parsed: Vec<(FileId, Result<YamlFile, InputProblem>)> = yaml_inputs
        .par_iter()
        .map(|&id| {
            let src = db.get(id);
            let mut parsed = None;
            let valid = || {
                let y = yaml::parse(id, src.text.clone(), &limits);
                let ok = !y.problems.iter().any(|p| p.kind == ProblemKind::Syntax);
                parsed = Some(y);
                ok
            };
            // A chart's `values.yaml` may hold template text for `tpl` (`host: "{{ .Release.Name }}-db"`);
            // its documents are skipped anyway, not reported as templates.
            let name = Path::new(&src.path).file_name().and_then(|n| n.to_str()).unwrap_or("");
            let template =
                if is_tooling_file(name) || is_test_file(&src.path) { None } else { helm_action(&src.text, valid) };
            if let Some((s, e, kind)) = template {
                return (id, Err(template_problem(id, s as u32, e as u32, kind)));
            }
            (id, Ok(parsed.unwrap_or_else(|| yaml::parse(id, src.text.clone(), &limits))))
        })
        .collect();
    let mut trees: Vec<Option<YamlFile>> = (0..db.len()).map(|_| None).collect();
    let mut templates = Vec::new();
    for (id, r) in parsed {
        match r {
            Ok(y) => {
                platform.problems.extend(y.problems.iter().map(|p| yaml_problem(id, p)));
                if y.docs.iter().all(|d| d.root.is_none()) && y.problems.is_empty() {
                    platform.problems.push(empty_problem(&y));
                }
                trees[id.0 as usize] = Some(y);
            }
            Err(p) => {
                platform.template_objects.extend(template_objects(&db.get(id).text));
                templates.push(p);
            }
        }
    }
    platform.problems.extend(chart_templates(&db, &trees, templates));
    timings::record("parsing", t);
    // Kubernetes objects, per file in parallel.
    let t = Instant::now();
    let not_resources = kustomize_inputs(&db, &trees);
    let listed = kustomize_listed(&db, &trees);
    platform.built_images.extend(kustomizations(&db, &trees).flat_map(|(_, root)| kustomize_pinned_images(root)));
    // Kubernetes objects (per file in parallel) and Compose projects (one after the other: they
    // read the files they name into the database) at the same time (issue 15). Compose works on
    // a copy of the database (the texts are shared), which takes the place of the original:
    // it holds the same files under the same ids, and the ones Compose read after them.
    let compose_files: Vec<FileId> = trees
        .par_iter()
        .enumerate()
        .filter(|(_, t)| t.as_ref().is_some_and(|y| is_compose_file(&db, y, &not_resources)))
        .map(|(i, _)| FileId(i as u32))
        .collect();
    let mut compose_db = db.clone();
    let (uses, cm) = rayon::join(
        || -> Vec<FileUse> {
            trees
                .par_iter()
                .map(|t| t.as_ref().map(|y| classify(&db, y, &not_resources, &listed)).unwrap_or_default())
                .collect()
        },
        || {
            let files: Vec<(FileId, &YamlFile)> =
                compose_files.iter().filter_map(|&f| trees[f.0 as usize].as_ref().map(|y| (f, y))).collect();
            let mut fs = DbFiles { db: &mut compose_db, memory: options.memory, max: options.max_file_size, roots };
            compose::build(&files, &mut fs)
        },
    );
    db = compose_db;
    let mut pieces = Vec::new();
    for (i, u) in uses.into_iter().enumerate() {
        platform.problems.extend(u.problems);
        pieces.extend(u.pieces);
        platform.skipped_documents.extend(u.skipped.into_iter().map(|d| (FileId(i as u32), d)));
        platform.built_images.extend(u.built_images);
    }
    assemble_k8s(&mut platform, pieces);
    // A YAML 1.1 scalar (`restart: no`) is ambiguous for Kubernetes, which reads YAML 1.1; Compose
    // reads YAML 1.2: compose-go uses yaml.v3, whose YAML 1.1 booleans (`yes`/`no`, `on`/`off`)
    // "behave as a string" unless decoded into a bool (its README), as the schema expects.
    platform
        .problems
        .retain(|p| !(p.minor && p.kind == InputProblemKind::Yaml && compose_files.contains(&p.span.file)));
    trees.resize_with(db.len(), || None);
    assemble_compose(&mut platform, cm);
    // What kustomizations generate.
    {
        let mut fs = DbFiles { db: &mut db, memory: options.memory, max: options.max_file_size, roots };
        for y in trees.iter().flatten() {
            let path = fs.db().get(y.file).path.clone();
            if crate::kustomize::is_kustomization(&path) {
                for mut c in crate::kustomize::generators(y, &path, &mut fs) {
                    c.id = ConfigId(platform.configs.len() as u32);
                    platform.configs.push(c);
                }
            }
        }
    }
    trees.resize_with(db.len(), || None);
    timings::record("front ends", t);
    // Suppressions written in comments.
    let t = Instant::now();
    for y in trees.iter().flatten() {
        platform.suppressions.extend(comment_suppressions(y, &db));
    }
    platform.paths = db.files().iter().map(|f| f.path.clone()).collect();
    link::link(&mut platform, &db, &scripts);
    // Structured config data and its schemas (which may read more files).
    {
        let mut fs = DbFiles { db: &mut db, memory: options.memory, max: options.max_file_size, roots };
        crate::structured::build(&mut platform, &mut fs);
    }
    trees.resize_with(db.len(), || None);
    platform.paths = db.files().iter().map(|f| f.path.clone()).collect();
    timings::record("linking", t);
    Loaded { db, yaml: trees, platform }
}

fn yaml_problem(file: FileId, p: &yaml::Problem) -> InputProblem {
    let mut problem =
        InputProblem::new(InputProblemKind::Yaml, Span::new(file, p.start, p.end), p.message.clone(), p.help.clone());
    problem.related = p.related.iter().map(|(s, e, m)| (Span::new(file, *s, *e), m.clone())).collect();
    problem.minor = p.kind == ProblemKind::AmbiguousScalar;
    problem
}

fn content_problem(file: FileId, p: &ContentProblem) -> InputProblem {
    InputProblem::new(InputProblemKind::Yaml, Span::point(file, p.offset()), p.message(), Some(p.help().into()))
}

fn empty_problem(y: &YamlFile) -> InputProblem {
    let message = if y.docs.is_empty() {
        "file holds no YAML documents".to_string()
    } else {
        format!("file holds only empty YAML documents ({})", y.docs.len())
    };
    InputProblem::new(
        InputProblemKind::Empty,
        Span::point(y.file, y.docs.first().map_or(0, |d| d.start)),
        message,
        Some("Remove the file or exclude it, or add the manifests it was meant to hold.".into()),
    )
}

/// Reads the `# nexus-lint: ignore[NX101,NX402] reason` comments of one file: a trailing comment
/// covers findings starting on its line, an own-line comment the next line;
/// `# nexus-lint: ignore-file[NX005]` the whole file.
fn comment_suppressions(yaml: &YamlFile, db: &SourceDb) -> Vec<Suppression> {
    let src = db.get(yaml.file);
    let mut out = Vec::new();
    for c in &yaml.comments {
        let text = yaml.comment_text(c);
        let Some(rest) = text.trim_start().strip_prefix("nexus-lint:") else {
            continue;
        };
        let rest = rest.trim_start();
        let (file_wide, rest) = match rest.strip_prefix("ignore-file") {
            Some(r) => (true, r),
            None => match rest.strip_prefix("ignore") {
                Some(r) => (false, r),
                None => continue,
            },
        };
        let Some(inner) = rest.strip_prefix('[') else {
            continue;
        };
        let Some(close) = inner.find(']') else {
            continue;
        };
        let list = &inner[..close];
        let reason = inner[close + 1..].trim();
        // Byte offset of `list` in the file.
        let list_start = c.start + 1 + (list.as_ptr() as usize - text.as_ptr() as usize) as u32;
        let mut codes = Vec::new();
        let mut offset = 0usize;
        for part in list.split(',') {
            let code = part.trim();
            let lead = part.len() - part.trim_start().len();
            if !code.is_empty() {
                let s = list_start + (offset + lead) as u32;
                codes.push(Spanned::new(code.to_string(), Span::new(yaml.file, s, s + code.len() as u32)));
            }
            offset += part.len() + 1;
        }
        let scope = if file_wide {
            SuppressionScope::File(yaml.file)
        } else {
            let line = src.lines.line_of(c.start) + u32::from(!c.trailing);
            // The bytes of that line (none, past the last line).
            let (start, end) = match src.lines.line_start(line) {
                Some(s) => (s, src.lines.line_start(line + 1).unwrap_or(u32::MAX)),
                None => (u32::MAX, u32::MAX),
            };
            SuppressionScope::Range(Span::new(yaml.file, start, end))
        };
        out.push(Suppression {
            codes,
            scope,
            reason: (!reason.is_empty()).then(|| reason.to_string()),
            span: Span::new(yaml.file, c.start, c.end),
        });
    }
    out
}

/// Adds the Kubernetes pieces, giving them their final ids.
fn assemble_k8s(p: &mut Platform, pieces: Vec<k8s::Piece>) {
    for piece in pieces {
        let oid = ObjectId(p.objects.len() as u32);
        let mut object = piece.object;
        object.id = oid;
        p.objects.push(object);
        p.suppressions.extend(piece.suppressions);
        p.secrets.extend(piece.secrets);
        let wid = piece.workload.map(|w| {
            let mut w = *w;
            let id = WorkloadId(p.workloads.len() as u32);
            w.id = id;
            w.object = Some(oid);
            p.workloads.push(w);
            id
        });
        if let Some(e) = piece.endpoint {
            let mut e = *e;
            e.id = EndpointId(p.endpoints.len() as u32);
            e.object = Some(oid);
            p.endpoints.push(e);
        }
        if let Some(c) = piece.config {
            let mut c = *c;
            c.id = ConfigId(p.configs.len() as u32);
            c.object = Some(oid);
            p.configs.push(c);
        }
        if let Some(f) = piece.flux {
            let mut f = *f;
            f.object = oid;
            p.flux.push(f);
        }
        if let Some(m) = piece.mesh {
            let mut m = *m;
            m.object = oid;
            p.mesh.push(m);
        }
        if let Some(n) = piece.network_policy {
            let mut n = *n;
            n.object = oid;
            p.network_policies.push(n);
        }
        if let Some(l) = piece.limit_range {
            let mut l = *l;
            l.object = oid;
            p.limit_ranges.push(l);
        }
        if let Some(s) = piece.scaler {
            let mut s = *s;
            s.id = ScalerId(p.scalers.len() as u32);
            s.object = oid;
            p.scalers.push(s);
        }
        if let Some(wid) = wid {
            p.config_refs.extend(piece.config_refs.into_iter().map(|mut r| {
                r.workload = wid;
                r
            }));
            p.edges.extend(piece.edges.into_iter().map(|mut e| {
                e.consumer = wid;
                e
            }));
        }
    }
}

/// Adds the Compose model, offsetting its local ids.
fn assemble_compose(p: &mut Platform, cm: compose::ComposeModel) {
    let (w0, e0, c0, p0) =
        (p.workloads.len() as u32, p.endpoints.len() as u32, p.configs.len() as u32, p.projects.len() as u32);
    let proj = |x: Option<ProjectId>| x.map(|x| ProjectId(x.0 + p0));
    for mut pr in cm.projects {
        pr.id = ProjectId(pr.id.0 + p0);
        p.projects.push(pr);
    }
    for mut w in cm.workloads {
        w.id = WorkloadId(w.id.0 + w0);
        w.project = proj(w.project);
        p.workloads.push(w);
    }
    for mut e in cm.endpoints {
        e.id = EndpointId(e.id.0 + e0);
        e.project = proj(e.project);
        p.endpoints.push(e);
    }
    for mut c in cm.configs {
        c.id = ConfigId(c.id.0 + c0);
        c.project = proj(c.project);
        p.configs.push(c);
    }
    p.config_refs.extend(cm.config_refs.into_iter().map(|mut r| {
        r.workload = WorkloadId(r.workload.0 + w0);
        r
    }));
    p.edges.extend(cm.edges.into_iter().map(|mut e| {
        e.consumer = WorkloadId(e.consumer.0 + w0);
        e
    }));
    p.problems.extend(cm.problems);
    p.suppressions.extend(cm.suppressions);
    p.secrets.extend(cm.secrets);
}
