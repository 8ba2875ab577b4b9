//! The `check` pipeline: discover → read and parse (parallel) → model → rules (parallel) →
//! suppressions → sorted diagnostics. Everything is collected into vectors indexed by input
//! order and sorted before output, so results do not depend on thread scheduling.

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::compose::{self, Files};
use crate::config::Settings;
use crate::diagnostics::suppress::{self, Applied};
use crate::diagnostics::{self, Diagnostic};
use crate::k8s;
use crate::model::{
    self, ConfigId, EndpointId, InputProblem, InputProblemKind, ObjectId, Platform, ProjectId, ScalerId, WorkloadId,
};
use crate::rules::{self, Context};
use crate::source::discover::{self, InputKind};
use crate::source::yaml::{self, Limits, ProblemKind, YamlFile};
use crate::source::{self, ContentProblem, FileId, ReadResult, SourceDb, Span};

/// Where inputs come from.
#[derive(Debug, Clone)]
pub enum InputSpec {
    /// Command-line paths (`-` is stdin).
    Paths(Vec<String>),
    /// In-memory files (tests, rule-doc examples): (path, content).
    Memory(Vec<(String, String)>),
}

/// A path that could not be read at all (missing, permission denied, symlink loop). These are
/// errors of the run, not findings: they are printed on stderr and make the exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IoError {
    pub path: String,
    pub message: String,
}

/// Everything read, and the model built from it.
#[derive(Debug)]
pub struct Loaded {
    pub db: SourceDb,
    /// The YAML tree of each file, by `FileId` (None for files that are not YAML or not read).
    pub yaml: Vec<Option<YamlFile>>,
    pub platform: Platform,
    pub io_errors: Vec<IoError>,
    /// The config file, when it was loaded into `db` to report on its entries.
    pub config_file: Option<FileId>,
}

impl Loaded {
    pub fn yaml(&self, id: FileId) -> Option<&YamlFile> {
        self.yaml.get(id.0 as usize).and_then(Option::as_ref)
    }

    /// Structural path of a span, for fingerprints.
    pub fn locate(&self, span: Span) -> String {
        self.yaml(span.file).map(|y| y.locate(span.start, span.end)).unwrap_or_default()
    }
}

/// The result of a check.
#[derive(Debug)]
pub struct Outcome {
    pub loaded: Loaded,
    pub diagnostics: Vec<Diagnostic>,
    pub suppressed: Vec<(Diagnostic, String)>,
}

struct Pending {
    display: String,
    kind: InputKind,
    read: std::io::Result<ReadResult>,
}

/// Reads every input, in parallel, in input order.
fn read_inputs(spec: &InputSpec, settings: &Settings, io_errors: &mut Vec<IoError>) -> Vec<Pending> {
    match spec {
        InputSpec::Memory(files) => files
            .iter()
            .map(|(p, t)| Pending {
                display: p.clone(),
                kind: discover::kind_of(Path::new(p)).unwrap_or(InputKind::Yaml),
                read: Ok(source::decode(t.clone().into_bytes())),
            })
            .collect(),
        InputSpec::Paths(paths) => {
            let found = discover::discover(paths, &settings.exclude);
            io_errors.extend(found.errors.into_iter().map(|e| IoError { path: e.path, message: e.message }));
            found
                .inputs
                .par_iter()
                .map(|i| Pending {
                    display: i.display.clone(),
                    kind: i.kind,
                    read: match &i.path {
                        Some(p) => source::read_path(p, settings.max_file_size),
                        None => source::read_bounded(std::io::stdin().lock(), settings.max_file_size),
                    },
                })
                .collect()
        }
    }
}

/// How a YAML file's documents are used.
#[derive(Default)]
struct FileUse {
    pieces: Vec<k8s::Piece>,
    problems: Vec<InputProblem>,
    compose: bool,
    skipped: Vec<usize>,
}

fn yaml_problem(file: FileId, p: &yaml::Problem) -> InputProblem {
    let mut problem =
        InputProblem::new(InputProblemKind::Yaml, Span::new(file, p.start, p.end), p.message.clone(), p.help.clone());
    problem.related = p.related.iter().map(|(s, e, m)| (Span::new(file, *s, *e), m.clone())).collect();
    problem.minor = p.kind == ProblemKind::AmbiguousScalar;
    problem
}

/// Helm template syntax: a `{{` opening an action that Helm (not Prometheus or Go-template text
/// inside a config value) would evaluate.
fn helm_action(text: &str) -> Option<(usize, usize)> {
    const WORDS: &[&str] = &[
        ".Values",
        ".Release",
        ".Chart",
        ".Capabilities",
        ".Files",
        ".Template",
        "include",
        "template",
        "if",
        "else",
        "end",
        "range",
        "with",
        "define",
        "toYaml",
        "tpl",
        "required",
        "default",
        "quote",
        "printf",
        "/*",
    ];
    let mut from = 0;
    while let Some(i) = text[from..].find("{{") {
        let start = from + i;
        let rest = text[start + 2..].trim_start_matches('-').trim_start();
        if WORDS.iter().any(|w| rest.starts_with(w)) {
            let end = text[start..].find("}}").map_or(start + 2, |j| start + j + 2);
            let line_end = text[start..].find('\n').map_or(text.len(), |j| start + j);
            return Some((start, end.min(line_end.max(start + 2))));
        }
        from = start + 2;
    }
    None
}

/// Files that configure tools rather than describe objects: Helm chart metadata and values,
/// Kustomize build files. Their documents are skipped, not reported as broken manifests.
fn is_tooling_file(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let stem = n.trim_end_matches(".yaml").trim_end_matches(".yml");
    matches!(stem, "chart" | "chart.lock" | "requirements" | "kustomization" | "values" | "values.schema")
        || stem.starts_with("values-")
        || stem.starts_with("values.")
}

fn classify(db: &SourceDb, y: &YamlFile) -> FileUse {
    let src = db.get(y.file);
    let mut out = FileUse::default();
    let name = Path::new(&src.path).file_name().and_then(|n| n.to_str()).unwrap_or("");
    if is_tooling_file(name) {
        out.skipped = y.docs.iter().filter(|d| d.root.is_some()).map(|d| d.index).collect();
        return out;
    }
    let sources = source::helm::sources(y);
    let compose_name = compose::is_compose_name(name);
    for (i, doc) in y.docs.iter().enumerate() {
        let Some(root) = y.root(doc) else { continue };
        if k8s::is_object(root) {
            let template = sources.get(i).and_then(|s| s.as_deref());
            out.pieces.extend(k8s::read_document(src, doc.index, root, template, &mut out.problems));
        } else if compose_name || root.get("services").is_some_and(|s| s.is_map()) {
            out.compose = true;
        } else {
            out.skipped.push(doc.index);
        }
    }
    out
}

/// The Compose front end's view of files beyond the inputs.
struct FsFiles<'a> {
    db: &'a mut SourceDb,
    /// In-memory runs only see their own files.
    memory: bool,
    max: u64,
}

impl Files for FsFiles<'_> {
    fn load(&mut self, path: &str) -> Option<FileId> {
        let norm = normalize(path);
        if let Some(f) = self.db.find(&norm) {
            return Some(f.id);
        }
        if self.memory {
            return None;
        }
        let r = source::read_path(Path::new(&norm), self.max).ok()?;
        if r.problem.is_some() {
            return None;
        }
        Some(self.db.add(norm, r.text))
    }

    fn exists(&self, path: &str) -> bool {
        let norm = normalize(path);
        self.db.find(&norm).is_some() || (!self.memory && Path::new(&norm).exists())
    }

    fn db(&self) -> &SourceDb {
        self.db
    }
}

/// `a/./b/../c` → `a/c`, so auxiliary files are named the way discovery names them.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "." | "" if !parts.is_empty() || p == "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            _ => parts.push(p),
        }
    }
    let s = parts.join("/");
    if path.starts_with('/') && !s.starts_with('/') { format!("/{s}") } else { s }
}

/// Reads and models the inputs.
pub fn load(spec: &InputSpec, settings: &Settings) -> Loaded {
    let mut io_errors = Vec::new();
    let pending = read_inputs(spec, settings, &mut io_errors);
    let mut db = SourceDb::new();
    let mut platform = Platform::default();
    let mut yaml_inputs: Vec<FileId> = Vec::new();
    let mut scripts: Vec<FileId> = Vec::new();
    for p in pending {
        match p.read {
            Ok(r) => {
                let id = db.add(p.display, r.text);
                if let Some(problem) = r.problem {
                    platform.problems.push(content_problem(id, &problem));
                } else if p.kind == InputKind::Yaml {
                    yaml_inputs.push(id);
                } else {
                    scripts.push(id);
                }
            }
            Err(e) => io_errors.push(IoError { path: p.display, message: discover::io_message(&e) }),
        }
    }
    // Parse YAML in parallel; Helm templates are reported once instead of parsed.
    let limits = Limits::default();
    let parsed: Vec<(FileId, Result<YamlFile, InputProblem>)> = yaml_inputs
        .par_iter()
        .map(|&id| {
            let src = db.get(id);
            if let Some((s, e)) = helm_action(&src.text) {
                return (id, Err(template_problem(id, s as u32, e as u32)));
            }
            (id, Ok(yaml::parse(id, src.text.clone(), &limits)))
        })
        .collect();
    let mut trees: Vec<Option<YamlFile>> = (0..db.len()).map(|_| None).collect();
    for (id, r) in parsed {
        match r {
            Ok(y) => {
                platform.problems.extend(y.problems.iter().map(|p| yaml_problem(id, p)));
                if y.docs.iter().all(|d| d.root.is_none()) && y.problems.is_empty() {
                    platform.problems.push(empty_problem(&y));
                }
                trees[id.0 as usize] = Some(y);
            }
            Err(p) => platform.problems.push(p),
        }
    }
    // Kubernetes objects, per file in parallel.
    let uses: Vec<FileUse> =
        trees.par_iter().map(|t| t.as_ref().map(|y| classify(&db, y)).unwrap_or_default()).collect();
    let mut compose_files: Vec<FileId> = Vec::new();
    let mut pieces = Vec::new();
    for (i, u) in uses.into_iter().enumerate() {
        platform.problems.extend(u.problems);
        pieces.extend(u.pieces);
        if u.compose {
            compose_files.push(FileId(i as u32));
        }
        platform.skipped_documents.extend(u.skipped.into_iter().map(|d| (FileId(i as u32), d)));
    }
    assemble_k8s(&mut platform, pieces);
    // Compose projects.
    let memory = matches!(spec, InputSpec::Memory(_));
    let cm = {
        let files: Vec<(FileId, &YamlFile)> =
            compose_files.iter().filter_map(|&f| trees[f.0 as usize].as_ref().map(|y| (f, y))).collect();
        let mut fs = FsFiles { db: &mut db, memory, max: settings.max_file_size };
        compose::build(&files, &mut fs)
    };
    trees.resize_with(db.len(), || None);
    assemble_compose(&mut platform, cm);
    model::link::link(&mut platform, &db, &scripts);
    // The config file, so unused `ignores` entries can be shown in it.
    let config_file = settings.path.as_ref().filter(|_| !settings.ignores.is_empty()).and_then(|p| {
        let text = std::fs::read_to_string(p).ok()?;
        Some(db.add(p.to_string_lossy().into_owned(), Arc::from(text)))
    });
    trees.resize_with(db.len(), || None);
    Loaded { db, yaml: trees, platform, io_errors, config_file }
}

fn content_problem(file: FileId, p: &ContentProblem) -> InputProblem {
    InputProblem::new(InputProblemKind::Yaml, Span::point(file, p.offset()), p.message(), Some(p.help().into()))
}

fn template_problem(file: FileId, start: u32, end: u32) -> InputProblem {
    InputProblem::new(
        InputProblemKind::Template,
        Span::new(file, start, end),
        "file is an unrendered Helm template; it is not checked",
        Some("Render it and check the output: `helm template <release> <chart> | nexus-lint check -`.".into()),
    )
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

/// Adds the Kubernetes pieces, giving them their final ids.
fn assemble_k8s(p: &mut Platform, pieces: Vec<k8s::Piece>) {
    for piece in pieces {
        let oid = ObjectId(p.objects.len() as u32);
        let mut object = piece.object;
        object.id = oid;
        p.objects.push(object);
        p.suppressions.extend(piece.suppressions);
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
        if let Some(n) = piece.network_policy {
            let mut n = *n;
            n.object = oid;
            p.network_policies.push(n);
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
}

/// Runs the enabled rules over a loaded platform, then suppressions and ordering.
pub fn run_rules(loaded: &Loaded, settings: &Settings) -> (Vec<Diagnostic>, Vec<(Diagnostic, String)>) {
    let cx = Context { platform: &loaded.platform, sources: &loaded.db };
    let raw: Vec<Diagnostic> = rules::all()
        .par_iter()
        .filter(|r| settings.is_enabled(r.meta().code))
        .flat_map_iter(|r| {
            let mut v = Vec::new();
            r.check(&cx, &mut v);
            let meta = r.meta();
            if let Some(&sev) = settings.severity.get(meta.code) {
                for d in &mut v {
                    d.severity = sev;
                }
            }
            v
        })
        .collect();
    let mut sups = loaded.platform.suppressions.clone();
    for y in loaded.yaml.iter().flatten() {
        sups.extend(suppress::comment_suppressions(y, &loaded.db));
    }
    let Applied { mut kept, mut suppressed } = suppress::apply(raw, &sups, settings, &loaded.db, loaded.config_file);
    if let Some(&sev) = settings.severity.get(rules::input::UNUSED_SUPPRESSION.code) {
        for d in kept.iter_mut().filter(|d| d.code == rules::input::UNUSED_SUPPRESSION.code) {
            d.severity = sev;
        }
    }
    let locate = |s: Span| loaded.locate(s);
    diagnostics::finalize(&mut kept, &loaded.db, &locate);
    suppressed.sort_by(|a, b| (a.0.span(), a.0.code).cmp(&(b.0.span(), b.0.code)));
    (kept, suppressed)
}

/// Loads and checks.
pub fn check(spec: &InputSpec, settings: &Settings) -> Outcome {
    let loaded = load(spec, settings);
    let (diagnostics, suppressed) = run_rules(&loaded, settings);
    Outcome { loaded, diagnostics, suppressed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_actions_not_other_braces() {
        assert!(helm_action("image: {{ .Values.image }}\n").is_some());
        assert!(helm_action("{{- if .Values.x }}\n").is_some());
        assert!(helm_action("summary: 'Instance {{ $labels.instance }} down'\n").is_none());
        let t = "a: 1\nb: {{ include \"x\" . }}\n";
        let (s, e) = helm_action(t).unwrap();
        assert_eq!(&t[s..e], "{{ include \"x\" . }}");
    }

    #[test]
    fn normalizes_paths() {
        assert_eq!(normalize("a/./b/../c"), "a/c");
        assert_eq!(normalize("./x"), "x");
        assert_eq!(normalize("../x/./y"), "../x/y");
        assert_eq!(normalize("/a/b/../c"), "/a/c");
    }
}
