//! What a kustomization generates: the ConfigMaps and Secrets of its `configMapGenerator` and
//! `secretGenerator`, as config sources, so that references to them resolve (NX401) and their
//! name hashes count as a rollout trigger (NX402).
//!
//! Kustomization files are tooling files, not manifests: they are not validated, and only their
//! generators are read. Keys come from `literals` (`KEY=value`), `files` (`path`, whose key is
//! the file name, or `key=path`) and `envs` (a dotenv file's variables); files are read through
//! the same file access as every other auxiliary file, and a file that cannot be read leaves its
//! generator's keys unknown. A generator with `behavior: merge` or `replace` changes an object a
//! base defines, so its keys are not all of the object's.

use std::collections::BTreeMap;
use std::path::Path;

use nexus_source::files::Files;
use nexus_source::shell::eval::paths::{dirname, join};
use nexus_source::yaml::{NodeRef, YamlFile};
use nexus_source::{FileId, Span};

use crate::read::{bool_at, str_at, string, string_map};
use crate::{ConfigEntry, ConfigId, ConfigKind, ConfigSource, ResourceRef, Spanned};

/// How a config source is generated rather than written: by a kustomization's generator, or by
/// the controller of a custom resource of the repository (an `ExternalSecret`, a `SealedSecret`,
/// a cert-manager `Certificate`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generated {
    pub by: GeneratedBy,
    /// Kustomize appends a hash of the content to the name (`disableNameSuffixHash` not set), so
    /// a change renames the object and the pods that reference it roll.
    pub hashed: bool,
    /// `behavior: merge` or `replace`: it changes an object that a base defines.
    pub overlay: bool,
    /// Every key of the object is known (its files could be read, it is not an overlay).
    pub keys_known: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GeneratedBy {
    /// The kustomization file.
    Kustomization(FileId),
    /// A custom resource whose controller creates the object (its `object` is that resource).
    Resource,
}

/// Is this file a kustomization?
pub fn is_kustomization(path: &str) -> bool {
    let name = Path::new(path).file_name().and_then(|n| n.to_str()).unwrap_or("");
    matches!(name, "kustomization.yaml" | "kustomization.yml" | "Kustomization")
}

/// The config sources a kustomization file generates (ids provisional).
pub fn generators(y: &YamlFile, path: &str, fs: &mut dyn Files) -> Vec<ConfigSource> {
    let mut out = Vec::new();
    let dir = dirname(path);
    for doc in &y.docs {
        let Some(root) = y.root(doc).filter(|r| r.is_map()) else { continue };
        let namespace = str_at(root, "namespace").map(|n| n.value);
        let options = root.get("generatorOptions");
        for (key, kind) in [("configMapGenerator", ConfigKind::ConfigMap), ("secretGenerator", ConfigKind::Secret)] {
            for g in root.get(key).into_iter().flat_map(|l| l.items()).filter(|g| g.is_map()) {
                if let Some(c) = generator(y.file, g, kind, namespace.as_deref(), options, &dir, fs) {
                    out.push(c);
                }
            }
        }
    }
    out
}

fn option(g: NodeRef<'_>, global: Option<NodeRef<'_>>, key: &str) -> Option<bool> {
    g.get("options").and_then(|o| bool_at(o, key)).or_else(|| global.and_then(|o| bool_at(o, key)))
}

fn generator(
    file: FileId,
    g: NodeRef<'_>,
    kind: ConfigKind,
    namespace: Option<&str>,
    global: Option<NodeRef<'_>>,
    dir: &str,
    fs: &mut dyn Files,
) -> Option<ConfigSource> {
    let name = str_at(g, "name")?;
    let namespace = str_at(g, "namespace").map(|n| n.value).or(namespace.map(str::to_string));
    let behavior = str_at(g, "behavior").map_or_else(|| "create".to_string(), |b| b.value);
    let overlay = behavior != "create";
    let mut data = Vec::new();
    let mut keys_known = !overlay;
    for item in g.get("literals").into_iter().flat_map(|l| l.items()) {
        let Some(text) = string(item) else { continue };
        let (k, v) = text.value.split_once('=').unwrap_or((text.value.as_str(), ""));
        let (key_span, value_span) = literal_spans(item, &text, k.len());
        data.push(ConfigEntry {
            key: Spanned::new(k.trim().to_string(), key_span),
            value: Some(Spanned::new(unquote(v).to_string(), value_span)),
        });
    }
    for item in g.get("files").into_iter().flat_map(|l| l.items()) {
        let Some(text) = string(item) else { continue };
        let (k, rel) = match text.value.split_once('=') {
            Some((k, p)) => (k.trim().to_string(), p.trim().to_string()),
            None => {
                let p = text.value.trim().to_string();
                (p.rsplit('/').next().unwrap_or(&p).to_string(), p)
            }
        };
        let value = fs.load(&join(dir, &rel)).map(|id| {
            let text = fs.db().get(id).text.clone();
            Spanned::new(text.to_string(), Span::new(id, 0, text.len() as u32))
        });
        data.push(ConfigEntry { key: Spanned::new(k, text.span), value });
    }
    let mut envs: Vec<Spanned<String>> = g.get("envs").into_iter().flat_map(|l| l.items()).filter_map(string).collect();
    envs.extend(str_at(g, "env"));
    for env in envs {
        let Some(id) = fs.load(&join(dir, env.value.trim())) else {
            keys_known = false;
            continue;
        };
        let text = fs.db().get(id).text.clone();
        let (entries, _) = crate::compose::env_file::parse(id, &text, &|_| None);
        for e in entries {
            data.push(ConfigEntry { key: e.key, value: e.value });
        }
    }
    let mut annotations: BTreeMap<String, Spanned<String>> = BTreeMap::new();
    for opts in [global, g.get("options")].into_iter().flatten() {
        annotations.extend(string_map(opts.get("annotations")));
    }
    let hashed = !option(g, global, "disableNameSuffixHash").unwrap_or(false);
    let immutable = option(g, global, "immutable").unwrap_or(false);
    Some(ConfigSource {
        id: ConfigId(0),
        kind,
        resource: ResourceRef::k8s(kind.as_str(), namespace.as_deref(), &name.value),
        name,
        namespace,
        file,
        span: g.span(),
        object: None,
        project: None,
        data,
        immutable,
        annotations,
        external_file: None,
        generated: Some(Generated { by: GeneratedBy::Kustomization(file), hashed, overlay, keys_known }),
    })
}

/// Quotes around a literal's value are kustomize's to remove (`KEY="a b"`).
fn unquote(v: &str) -> &str {
    let t = v.trim();
    for q in ['"', '\''] {
        if let Some(inner) = t.strip_prefix(q).and_then(|x| x.strip_suffix(q)) {
            return inner;
        }
    }
    t
}

/// The spans of a `KEY=value` literal's key and value: exact when the scalar is written as is
/// (plain or quoted without escapes), else the whole scalar for both.
fn literal_spans(item: NodeRef<'_>, text: &Spanned<String>, key_len: usize) -> (Span, Span) {
    let raw = item.resolve().source();
    let quoted = raw.starts_with(['"', '\'']);
    let body = if quoted { &raw[1..raw.len().saturating_sub(1).max(1)] } else { raw };
    if body != text.value {
        return (text.span, text.span);
    }
    let start = text.span.start + u32::from(quoted);
    let eq = (key_len as u32).min(body.len() as u32);
    let value_start = (start + eq + 1).min(start + body.len() as u32);
    (Span::new(text.span.file, start, start + eq), Span::new(text.span.file, value_start, start + body.len() as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generators_are_config_sources() {
        let text = "namespace: shop\ngeneratorOptions:\n  disableNameSuffixHash: false\nconfigMapGenerator:\n  - name: app-config\n    literals:\n      - LOG_LEVEL=info\n      - \"MODE=fast\"\n    files:\n      - settings.json\n      - extra=conf/other.toml\nsecretGenerator:\n  - name: db\n    behavior: merge\n    options:\n      disableNameSuffixHash: true\n    literals: [password=hunter2]\n";
        let l = crate::load::load_memory(&[
            ("k/kustomization.yaml".to_string(), text.to_string()),
            ("k/settings.json".to_string(), "{\"a\": 1}\n".to_string()),
        ]);
        let p = &l.platform;
        let cm = p.configs.iter().find(|c| c.name.value == "app-config").unwrap();
        assert_eq!(cm.namespace.as_deref(), Some("shop"));
        let keys: Vec<&str> = cm.data.iter().map(|e| e.key.value.as_str()).collect();
        assert_eq!(keys, ["LOG_LEVEL", "MODE", "settings.json", "extra"]);
        assert_eq!(cm.data[0].value.as_ref().unwrap().value, "info");
        let src = l.db.get(cm.file);
        assert_eq!(src.slice(cm.data[0].value.as_ref().unwrap().span), "info");
        assert_eq!(src.slice(cm.data[1].key.span), "MODE");
        assert_eq!(cm.data[2].value.as_ref().unwrap().value, "{\"a\": 1}\n");
        assert!(cm.data[3].value.is_none(), "conf/other.toml is not there");
        let g = cm.generated.as_ref().unwrap();
        assert!(g.hashed && !g.overlay && g.keys_known);
        let s = p.configs.iter().find(|c| c.name.value == "db").unwrap();
        assert_eq!(s.kind, ConfigKind::Secret);
        let g = s.generated.as_ref().unwrap();
        assert!(!g.hashed && g.overlay && !g.keys_known);
        assert_eq!(l.db.get(s.file).slice(s.data[0].value.as_ref().unwrap().span), "hunter2");
    }
}
