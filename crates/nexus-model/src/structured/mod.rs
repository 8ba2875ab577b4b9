//! Config data in a structured format — JSON, YAML, TOML or Java properties files embedded in a
//! ConfigMap (or a Compose config's content), or a ConfigMap's whole `data` — with the JSON
//! Schema declared for it and what violates it (NX403, NX404), and credentials written in it
//! (NX407).
//!
//! A key's format comes from its extension (`settings.json`, `app.yaml`, `config.toml`,
//! `application.properties`); a key without one holds JSON when its value is a JSON object or
//! array. Schemas are declared by `nexus-lint.io/schema` (every structured key of the object,
//! or its whole `data` when it has none), `nexus-lint.io/schema.<key>` (one key), or
//! `schemas:` in `.nexus-lint.yaml`. Problems are located *inside* the embedded file: each node
//! of the parsed document keeps its byte range in the value, mapped to the manifest through the
//! scalar's offsets (a block scalar's indentation and a quoted string's escapes included).
//! Secrets are not read here: their data is credentials by definition.

mod formats;
mod schema;

use std::collections::HashMap;

use nexus_source::files::Files;
use nexus_source::shell::Located;
use nexus_source::{FileId, SourceDb, Span};
use rayon::prelude::*;

use crate::declared::{SCHEMA_ANNOTATION, wildcard};
use crate::redact::is_secret_name;
use crate::{ConfigId, ConfigKind, ConfigSource, Platform, Spanned};

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DataFormat {
    Json,
    Yaml,
    Toml,
    Properties,
    /// A value that is not a file, validated as a string.
    Text,
    /// The whole `data` of a ConfigMap, an object of strings.
    Data,
}

impl DataFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            DataFormat::Json => "JSON",
            DataFormat::Yaml => "YAML",
            DataFormat::Toml => "TOML",
            DataFormat::Properties => "properties",
            DataFormat::Text => "text",
            DataFormat::Data => "data",
        }
    }
}

/// Structured config data: one embedded file, or a ConfigMap's whole data under a schema.
#[derive(Clone, Debug)]
pub struct Structured {
    pub config: ConfigId,
    /// The data entry (index into [`ConfigSource::data`]); None for the whole data.
    pub entry: Option<usize>,
    pub format: DataFormat,
    /// The key (or the config's name, for the whole data).
    pub span: Span,
    pub schema: Option<SchemaRef>,
    pub problems: Vec<DataProblem>,
    /// Values of credential-like keys written in the file (`password: …`), for NX407 and
    /// redaction: (key, value, where the value is). The value is for analysis only.
    pub credentials: Vec<(String, String, Span)>,
}

/// A declared schema.
#[derive(Clone, Debug)]
pub struct SchemaRef {
    /// As written.
    pub written: String,
    /// The file read, when found.
    pub path: Option<String>,
    /// The annotation that declares it; None when the configuration does.
    pub declared_at: Option<Span>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProblemKind {
    /// The embedded file is not valid in its format.
    Syntax,
    /// It violates its schema.
    Violation,
    /// The schema cannot be found or used.
    Schema,
}

#[derive(Clone, Debug)]
pub struct DataProblem {
    pub kind: ProblemKind,
    pub span: Span,
    pub message: String,
    /// The JSON pointer of the node, for violations.
    pub pointer: Option<String>,
}

/// The format of a data entry, if it is structured.
pub fn detect(key: &str, value: &str) -> Option<DataFormat> {
    let k = key.to_ascii_lowercase();
    let ext = k.rsplit_once('.').map(|(_, e)| e);
    match ext {
        Some("json") => return Some(DataFormat::Json),
        Some("yaml" | "yml") => return Some(DataFormat::Yaml),
        Some("toml") => return Some(DataFormat::Toml),
        Some("properties") => return Some(DataFormat::Properties),
        _ => {}
    }
    let t = value.trim_start();
    if (t.starts_with('{') || t.starts_with('['))
        && serde_json::from_str::<serde_json::Value>(value).is_ok_and(|v| match &v {
            serde_json::Value::Object(m) => !m.is_empty(),
            serde_json::Value::Array(a) => a.iter().any(|x| x.is_object()),
            _ => false,
        })
    {
        return Some(DataFormat::Json);
    }
    None
}

/// What to do with one config: its entries' formats and schemas.
struct Plan {
    config: ConfigId,
    entry: Option<usize>,
    format: DataFormat,
    schema: Option<Declared>,
}

#[derive(Clone)]
struct Declared {
    written: String,
    at: Option<Span>,
    /// Where it may be, nearest first; Err: why it cannot be read.
    candidates: Result<Vec<String>, String>,
}

fn is_config_data(c: &ConfigSource) -> bool {
    matches!(c.kind, ConfigKind::ConfigMap | ConfigKind::ComposeConfig)
}

/// Finds the structured data of every ConfigMap and Compose config, reads the schemas declared
/// for it, and validates it.
pub fn build(p: &mut Platform, fs: &mut dyn Files) {
    let plans = plan(p, fs.db());
    // Read every schema once.
    let mut found: HashMap<String, Option<(String, FileId)>> = HashMap::new();
    for d in plans.iter().filter_map(|x| x.schema.as_ref()) {
        let key = format!("{:?}", d.candidates);
        if found.contains_key(&key) {
            continue;
        }
        let hit =
            d.candidates.as_ref().ok().and_then(|c| c.iter().find_map(|path| Some((path.clone(), fs.load(path)?))));
        found.insert(key, hit);
    }
    let db = fs.db();
    // Compile every schema found once, then read each entry on its own, in parallel (issue 15:
    // the per-entry work is independent); collected in plan order, so the output is the same
    // whatever the number of threads.
    let mut compiled: HashMap<FileId, Result<jsonschema::Validator, String>> = HashMap::new();
    for (path, file) in found.values().flatten() {
        compiled.entry(*file).or_insert_with(|| schema::compile(path, &db.get(*file).text));
    }
    let platform: &Platform = p;
    let out = plans.par_iter().map(|plan| entry(platform, db, plan, &found, &compiled)).collect();
    p.structured = out;
}

/// One structured entry (or whole `data`): parsed, checked against its schema, its credentials.
fn entry(
    p: &Platform,
    db: &SourceDb,
    plan: &Plan,
    found: &HashMap<String, Option<(String, FileId)>>,
    compiled: &HashMap<FileId, Result<jsonschema::Validator, String>>,
) -> Structured {
    let c = p.config(plan.config);
    let mut s = Structured {
        config: plan.config,
        entry: plan.entry,
        format: plan.format,
        span: plan.entry.map_or(c.name.span, |i| c.data[i].key.span),
        schema: None,
        problems: Vec::new(),
        credentials: Vec::new(),
    };
    let hit = plan.schema.as_ref().and_then(|d| found.get(&format!("{:?}", d.candidates)).cloned().flatten());
    if let Some(d) = &plan.schema {
        s.schema =
            Some(SchemaRef { written: d.written.clone(), path: hit.as_ref().map(|h| h.0.clone()), declared_at: d.at });
    }
    let Some((docs, locate)) = parse(c, plan, db, &mut s) else {
        return s;
    };
    if let Some(d) = &plan.schema {
        let at = d.at.unwrap_or(s.span);
        match (&d.candidates, hit) {
            (Err(why), _) => s.problems.push(problem(ProblemKind::Schema, at, why.clone())),
            (Ok(_), None) => {
                let from = if d.at.is_some() {
                    "looked for from the manifest's directory upward"
                } else {
                    "from `.nexus-lint.yaml`"
                };
                s.problems.push(problem(
                    ProblemKind::Schema,
                    at,
                    format!("schema `{}` is not in the repository ({from})", d.written),
                ));
            }
            (Ok(_), Some((_, file))) => match &compiled[&file] {
                Err(why) => s.problems.push(problem(
                    ProblemKind::Schema,
                    at,
                    format!("schema `{}` cannot be used: {why}", d.written),
                )),
                Ok(v) => {
                    for doc in &docs {
                        for x in schema::violations(v, doc) {
                            let span = locate.node(db, doc, &x.at.0, x.at.1);
                            let mut pr = problem(ProblemKind::Violation, span, x.message);
                            pr.pointer = Some(x.pointer);
                            s.problems.push(pr);
                        }
                    }
                }
            },
        }
    }
    for doc in &docs {
        for (k, _, v, r) in &doc.leaves {
            if is_secret_name(k) && !v.trim().is_empty() {
                s.credentials.push((k.clone(), v.clone(), locate.range(db, *r)));
            }
        }
    }
    s
}

fn problem(kind: ProblemKind, span: Span, message: String) -> DataProblem {
    DataProblem { kind, span, message, pointer: None }
}

/// The structured entries of every config and the schemas declared for them.
fn plan(p: &Platform, db: &SourceDb) -> Vec<Plan> {
    let mut out = Vec::new();
    for c in p.configs.iter().filter(|c| is_config_data(c)) {
        let path = db.get(c.file).path.as_str();
        let from_annotation = |key: &str| -> Option<Declared> {
            let a = c.annotations.get(key)?;
            Some(Declared {
                written: a.value.trim().to_string(),
                at: Some(a.span),
                candidates: schema::candidates(&a.value, path),
            })
        };
        let from_config = |key: Option<&str>| -> Option<Declared> {
            p.declared
                .schemas
                .iter()
                .filter(|m| wildcard(&m.name, &c.name.value))
                .filter(|m| {
                    m.namespace.as_deref().is_none_or(|ns| c.namespace.as_deref().is_none_or(|x| wildcard(ns, x)))
                })
                .find(|m| match (&m.key, key) {
                    (Some(pat), Some(k)) => wildcard(pat, k),
                    (None, None) => true,
                    _ => false,
                })
                .map(|m| Declared { written: m.written.clone(), at: None, candidates: Ok(vec![m.schema.clone()]) })
        };
        let whole = from_annotation(SCHEMA_ANNOTATION).or_else(|| from_config(None));
        let mut any = false;
        for (i, e) in c.data.iter().enumerate() {
            let Some(v) = &e.value else { continue };
            let own = from_annotation(&format!("{SCHEMA_ANNOTATION}.{}", e.key.value))
                .or_else(|| from_config(Some(&e.key.value)));
            let format = detect(&e.key.value, &v.value);
            match (format, own) {
                (Some(f), own) => {
                    any = true;
                    let schema = own.or_else(|| whole.clone());
                    out.push(Plan { config: c.id, entry: Some(i), format: f, schema });
                }
                (None, Some(own)) => {
                    out.push(Plan { config: c.id, entry: Some(i), format: DataFormat::Text, schema: Some(own) })
                }
                (None, None) => {}
            }
        }
        if !any && let Some(w) = whole {
            out.push(Plan { config: c.id, entry: None, format: DataFormat::Data, schema: Some(w) });
        }
    }
    out
}

/// Where a document's byte ranges are in the files.
enum Locate<'a> {
    /// Ranges of a scalar's value, mapped through its source: the map is made the first time a
    /// range is asked for (most entries have no problem and no credential to place).
    Value(&'a Spanned<String>, std::cell::OnceCell<Located>),
    /// Ranges that are file offsets already (the whole data of a ConfigMap).
    File(FileId),
}

impl Locate<'_> {
    /// The span of a range, cut to its first line (a node's start is what a reader looks for).
    fn range(&self, db: &SourceDb, (a, b): (usize, usize)) -> Span {
        match self {
            Locate::File(f) => Span::new(*f, a as u32, b as u32),
            Locate::Value(v, located) => {
                let l = located.get_or_init(|| Located::scalar(db, &v.value, v.span, v.via, 0).0);
                let text = &l.text;
                // A parser's offset may fall inside a character (a column counted in bytes
                // over text with replacement characters): each end moves back to a boundary.
                let floor = |i: usize| (0..=i.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
                let ceil = |i: usize| (i.min(text.len())..=text.len()).find(|&i| text.is_char_boundary(i));
                let a = floor(a);
                let line_end = text[a..].find('\n').map_or(text.len(), |i| a + i);
                let b = ceil(b.min(line_end).max((a + 1).min(line_end.max(a)))).unwrap_or(text.len());
                l.sub(db, a, b).span()
            }
        }
    }

    fn node(&self, db: &SourceDb, doc: &formats::Doc, pointer: &str, at_key: bool) -> Span {
        // The nearest node the document knows, walking up the pointer.
        let mut p = pointer.to_string();
        loop {
            if let Some((k, v)) = doc.nodes.get(&p) {
                let r = if at_key { k.unwrap_or(*v) } else { *v };
                return self.range(db, r);
            }
            match p.rfind('/') {
                Some(i) => p.truncate(i),
                None => return self.range(db, (0, 0)),
            }
        }
    }
}

/// Parses what a plan covers; None (with a syntax problem) when it cannot be read.
fn parse<'a>(
    c: &'a ConfigSource,
    plan: &Plan,
    db: &SourceDb,
    s: &mut Structured,
) -> Option<(Vec<formats::Doc>, Locate<'a>)> {
    let Some(i) = plan.entry else {
        return Some((vec![whole_data(c)], Locate::File(c.file)));
    };
    let v: &Spanned<String> = c.data[i].value.as_ref()?;
    let locate = Locate::Value(v, std::cell::OnceCell::new());
    let detail = if plan.schema.is_some() { formats::Detail::Full } else { formats::Detail::Credentials };
    let parsed = match plan.format {
        DataFormat::Json => formats::json(&v.value, detail),
        DataFormat::Yaml => formats::yaml(&v.value, detail),
        DataFormat::Toml => formats::toml(&v.value),
        DataFormat::Properties => formats::properties(&v.value),
        DataFormat::Text | DataFormat::Data => {
            let mut d = formats::Doc { value: serde_json::Value::String(v.value.clone()), ..Default::default() };
            d.nodes.insert(String::new(), (None, (0, v.value.len())));
            Ok(vec![d])
        }
    };
    match parsed {
        Ok(docs) => Some((docs, locate)),
        Err(e) => {
            let span = locate.range(db, e.at);
            s.problems.push(problem(
                ProblemKind::Syntax,
                span,
                format!("`{}` is not valid {}: {}", c.data[i].key.value, plan.format.as_str(), e.message),
            ));
            None
        }
    }
}

/// A ConfigMap's data as an object of strings, located at its keys and values.
fn whole_data(c: &ConfigSource) -> formats::Doc {
    let mut d = formats::Doc::default();
    let mut m = serde_json::Map::new();
    for e in &c.data {
        let Some(v) = &e.value else { continue };
        let k = (e.key.span.start as usize, e.key.span.end as usize);
        let vr = if v.span.file == c.file { (v.span.start as usize, v.span.end as usize) } else { k };
        d.nodes.insert(format!("/{}", e.key.value.replace('~', "~0").replace('/', "~1")), (Some(k), vr));
        m.insert(e.key.value.clone(), serde_json::Value::String(v.value.clone()));
    }
    d.nodes.insert(String::new(), (None, (c.name.span.start as usize, c.name.span.end as usize)));
    d.value = serde_json::Value::Object(m);
    d
}

#[cfg(test)]
mod tests;
