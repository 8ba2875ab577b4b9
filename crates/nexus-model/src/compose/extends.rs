//! Compose `extends`: a service that extends another starts from that service's definition (in
//! the same file, or in the file `extends.file` names) and lays its own fields over it, by the
//! same rules as override files ([`super::merge`]). Compose resolves `extends` when it loads a
//! file, before files are merged, and so does this module.
//!
//! Chains are followed in a loop, not by recursion, and every service is resolved once
//! (memoised): a chain of n services costs n merges whatever its shape. A cycle (`a` extends `b`
//! extends `a`, in one file or across files) is reported at each `extends` on it, and its
//! services keep their own fields. Files named by `extends.file` are read through
//! [`super::Files`], so one outside the checked directories is reported and never opened.

use std::collections::HashMap;

use super::Files;
use super::interpolate::Vars;
use super::merge::merge;
use super::project::{dir_of, join};
use super::service::{self, Draft, Extends, Layer};
use crate::{InputProblem, InputProblemKind, ResourceRef};
use nexus_source::FileId;
use nexus_source::files::Unavailable;
use nexus_source::yaml::{self, Limits, YamlFile};

/// A service of a file read with one `.env`.
type Key = (FileId, usize, String);

/// What a run's `extends` resolution remembers: files read for `extends.file` and services
/// already resolved.
#[derive(Default)]
pub struct Extender {
    /// Files read only because `extends.file` names them.
    parsed: Vec<YamlFile>,
    /// (file, `.env`) → its services as written, by name.
    drafts: HashMap<(FileId, usize), HashMap<String, Draft>>,
    resolved: HashMap<Key, Draft>,
}

fn problem(d: &Draft, span: nexus_source::Span, message: String, help: &str) -> InputProblem {
    InputProblem::new(InputProblemKind::Compose, span, message, Some(help.into()))
        .resource(Some(ResourceRef::compose(&d.name.value)))
}

/// The inputs of one resolution.
pub struct Cx<'c> {
    pub env: usize,
    pub vars: &'c Vars,
    pub trees: &'c HashMap<FileId, &'c YamlFile>,
}

impl Extender {
    /// Replaces each service of `layer` (a document of `file`) that uses `extends` by the
    /// service it extends with its own fields laid over.
    pub fn resolve(
        &mut self,
        layer: &mut Layer,
        file: FileId,
        cx: &Cx<'_>,
        fs: &mut dyn Files,
        problems: &mut Vec<InputProblem>,
    ) {
        if layer.services.iter().all(|d| d.extends.is_none()) {
            return;
        }
        let own: HashMap<String, Draft> = layer.services.iter().map(|d| (d.name.value.clone(), d.clone())).collect();
        self.drafts.entry((file, cx.env)).or_insert(own);
        for i in 0..layer.services.len() {
            if layer.services[i].extends.is_some() {
                let key = (file, cx.env, layer.services[i].name.value.clone());
                if let Some(d) = self.service(key, cx, fs, problems) {
                    layer.services[i] = d;
                }
            }
        }
    }

    /// The service `key`, its `extends` chain resolved.
    fn service(
        &mut self,
        key: Key,
        cx: &Cx<'_>,
        fs: &mut dyn Files,
        problems: &mut Vec<InputProblem>,
    ) -> Option<Draft> {
        // Walk down the chain to a resolved service or one that extends nothing.
        let mut chain: Vec<(Key, Draft)> = Vec::new();
        let mut cur = key.clone();
        let mut base: Option<Draft> = None;
        loop {
            if let Some(done) = self.resolved.get(&cur) {
                base = Some(done.clone());
                break;
            }
            let Some(draft) = self.drafts.get(&(cur.0, cur.1)).and_then(|m| m.get(&cur.2)).cloned() else {
                break;
            };
            let Some(ext) = draft.extends.clone() else {
                base = Some(draft);
                break;
            };
            if let Some(at) = chain.iter().position(|(k, _)| *k == cur) {
                // A cycle: each service on it keeps its own fields.
                let names: Vec<String> = chain[at..].iter().map(|(k, _)| format!("`{}`", k.2)).collect();
                let cycle = format!("{} → `{}`", names.join(" → "), cur.2);
                for (k, d) in chain.drain(at..) {
                    if let Some(e) = &d.extends {
                        problems.push(problem(
                            &d,
                            e.span,
                            format!("`extends` cycle: {cycle}"),
                            "Compose refuses services that extend themselves; break the cycle.",
                        ));
                    }
                    self.resolved.insert(k, d);
                }
                base = self.resolved.get(&cur).cloned();
                break;
            }
            match self.target(&cur, &draft, &ext, cx, fs, problems) {
                Some(next) => {
                    chain.push((cur, draft));
                    cur = next;
                }
                None => {
                    // The base cannot be found: the service keeps its own fields.
                    self.resolved.insert(cur, draft.clone());
                    base = Some(draft);
                    break;
                }
            }
        }
        // Unwind: lay each service over the one it extends.
        for (k, d) in chain.into_iter().rev() {
            let merged = match base {
                Some(b) => {
                    let mut m = b;
                    let (name, file, span, extended) = (d.name.clone(), d.file, d.span, d.extended);
                    merge(&mut m, d);
                    (m.name, m.file, m.span, m.extended) = (name, file, span, extended);
                    m.extends = None;
                    m
                }
                None => d,
            };
            self.resolved.insert(k, merged.clone());
            base = Some(merged);
        }
        self.resolved.get(&key).cloned()
    }

    /// The service an `extends` names, its file read if need be; None (reported) when there is
    /// no such service or its file cannot be read.
    fn target(
        &mut self,
        cur: &Key,
        draft: &Draft,
        ext: &Extends,
        cx: &Cx<'_>,
        fs: &mut dyn Files,
        problems: &mut Vec<InputProblem>,
    ) -> Option<Key> {
        let file = match &ext.file {
            None => cur.0,
            Some(f) => {
                let path = join(dir_of(&fs.db().get(cur.0).path), &f.value);
                match self.read(&path, cx, fs, problems) {
                    Ok(id) => id,
                    Err(why) => {
                        let message = match why {
                            Unavailable::Outside(_) => {
                                format!(
                                    "`extends` file `{}` is outside the checked directories; it is not read",
                                    f.value
                                )
                            }
                            Unavailable::Missing => format!("`extends` file `{}` does not exist", f.value),
                            Unavailable::Unreadable(e) => format!("`extends` file `{}` cannot be read: {e}", f.value),
                        };
                        problems.push(problem(draft, f.span, message, "Fix the path, or define the service here."));
                        return None;
                    }
                }
            }
        };
        let known = self.drafts.get(&(file, cur.1)).is_some_and(|m| m.contains_key(&ext.service.value));
        if !known {
            problems.push(problem(
                draft,
                ext.service.span,
                format!("`{}` extends undefined service `{}`", draft.name.value, ext.service.value),
                "Name a service defined in that file.",
            ));
            return None;
        }
        Some((file, cur.1, ext.service.value.clone()))
    }

    /// Reads the services of a file `extends.file` names (once per `.env`).
    fn read(
        &mut self,
        path: &str,
        cx: &Cx<'_>,
        fs: &mut dyn Files,
        problems: &mut Vec<InputProblem>,
    ) -> Result<FileId, Unavailable> {
        let id = fs.open(path)?;
        if self.drafts.contains_key(&(id, cx.env)) {
            return Ok(id);
        }
        if !cx.trees.contains_key(&id) && !self.parsed.iter().any(|y| y.file == id) {
            let y = yaml::parse(id, fs.db().get(id).text.clone(), &Limits::default());
            for p in &y.problems {
                problems.push(InputProblem::new(
                    InputProblemKind::Compose,
                    nexus_source::Span::new(id, p.start, p.end),
                    p.message.clone(),
                    p.help.clone(),
                ));
            }
            self.parsed.push(y);
        }
        let y = match cx.trees.get(&id) {
            Some(y) => *y,
            None => self.parsed.iter().find(|y| y.file == id).expect("parsed above"),
        };
        let mut services = HashMap::new();
        for doc in &y.docs {
            let Some(root) = y.root(doc) else { continue };
            if root.is_map() {
                for d in service::read_layer(id, root, cx.vars).services {
                    services.entry(d.name.value.clone()).or_insert(d);
                }
            }
        }
        self.drafts.insert((id, cx.env), services);
        Ok(id)
    }
}
