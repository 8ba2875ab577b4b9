//! What a container reads, as capacity settings are looked up in it: its environment (literal
//! values with Kubernetes' `$(VAR)` expanded, ConfigMap and Secret keys through `valueFrom` and
//! `envFrom`, Compose `env_file` lines), its command words, and the ConfigMap files mounted
//! into it (`postgresql.conf`, `pgbouncer.ini`, `application.properties`).

use std::collections::BTreeMap;

use crate::infer::expand_k8s;
use crate::{ConfigKind, Container, EnvSource, Format, Platform, Spanned, VolumeSource, Workload, same_namespace};
use nexus_source::{SourceDb, Span};

/// A variable the container sees.
#[derive(Clone, Debug)]
pub struct Var<'a> {
    /// The name, as the program sees it (an `envFrom` prefix included).
    pub name: String,
    /// The value, `$(VAR)` references expanded.
    pub text: String,
    /// Where the value is written.
    pub value: &'a Spanned<String>,
}

/// A word of the command line: each `command`/`args` item, split at whitespace (a `sh -c`
/// script is one item).
#[derive(Clone, Debug)]
pub struct Word {
    pub text: String,
    pub span: Span,
}

/// What one container reads.
#[derive(Debug)]
pub struct Reads<'a> {
    vars: BTreeMap<String, Var<'a>>,
    pub words: Vec<Word>,
    /// Files mounted from ConfigMaps: (key, content).
    pub files: Vec<&'a Spanned<String>>,
}

impl<'a> Reads<'a> {
    pub fn of(p: &'a Platform, w: &'a Workload, c: &'a Container) -> Reads<'a> {
        let mut vars: BTreeMap<String, Var<'a>> = BTreeMap::new();
        let find = |kind: ConfigKind, name: &str| {
            p.index.configs_by_name.get(name).into_iter().flatten().map(|id| p.config(*id)).find(|x| {
                x.kind == kind
                    && x.project == w.project
                    && same_namespace(x.namespace.as_deref(), w.namespace.as_deref())
            })
        };
        // `envFrom` first: `env` wins over it, and a later entry over an earlier one.
        for f in &c.env_from {
            let Some(cfg) = find(f.kind, &f.name.value) else { continue };
            for e in &cfg.data {
                if let Some(v) = &e.value {
                    let name = format!("{}{}", f.prefix.as_deref().unwrap_or(""), e.key.value);
                    vars.insert(name.clone(), Var { name, text: v.value.clone(), value: v });
                }
            }
        }
        let literals: BTreeMap<String, String> =
            c.env.iter().filter_map(|e| Some((e.name.value.clone(), e.value.as_ref()?.value.clone()))).collect();
        for e in &c.env {
            let value = match (&e.value, &e.from) {
                (Some(v), _) => Some(v),
                (None, Some(EnvSource::ConfigMapKey { name, key, .. })) => find(ConfigKind::ConfigMap, &name.value)
                    .and_then(|cfg| cfg.data.iter().find(|d| d.key.value == key.value))
                    .and_then(|d| d.value.as_ref()),
                (None, Some(EnvSource::SecretKey { name, key, .. })) => find(ConfigKind::Secret, &name.value)
                    .and_then(|cfg| cfg.data.iter().find(|d| d.key.value == key.value))
                    .and_then(|d| d.value.as_ref()),
                _ => None,
            };
            if let Some(v) = value {
                let text = match w.resource.format {
                    Format::Kubernetes => expand_k8s(&v.value, &literals).unwrap_or_else(|| v.value.clone()),
                    Format::Compose => v.value.clone(),
                };
                vars.insert(e.name.value.clone(), Var { name: e.name.value.clone(), text, value: v });
            }
        }
        let words = c
            .argv()
            .flat_map(|a| a.value.split_whitespace().map(|t| Word { text: t.to_string(), span: a.span }))
            .collect();
        let mut files = Vec::new();
        for m in &c.volume_mounts {
            let Some(vol) = w.volumes.iter().find(|v| v.name.value == m.name.value) else { continue };
            let sources: Vec<(&Spanned<String>, &[Spanned<String>])> = match &vol.source {
                VolumeSource::ConfigMap { name, items, .. } => vec![(name, items.as_slice())],
                VolumeSource::Projected(list) => {
                    list.iter().filter(|(k, ..)| *k == ConfigKind::ConfigMap).map(|(_, n, _)| (n, &[][..])).collect()
                }
                _ => Vec::new(),
            };
            for (name, items) in sources {
                let Some(cfg) = find(ConfigKind::ConfigMap, &name.value) else { continue };
                for d in &cfg.data {
                    if (items.is_empty() || items.iter().any(|i| i.value == d.key.value))
                        && let Some(v) = &d.value
                    {
                        files.push(v);
                    }
                }
            }
        }
        Reads { vars, words, files }
    }

    /// A variable by name (case-insensitive, as settings are written in either case).
    pub fn var(&self, name: &str) -> Option<&Var<'a>> {
        self.vars.get(name).or_else(|| self.vars.values().find(|v| v.name.eq_ignore_ascii_case(name)))
    }

    /// Every variable, by name.
    pub fn vars(&self) -> impl Iterator<Item = &Var<'a>> {
        self.vars.values()
    }

    /// A variable's value as a whole number.
    pub fn number(&self, name: &str) -> Option<(i64, &Var<'a>)> {
        let v = self.var(name)?;
        Some((v.text.trim().trim_matches(['"', '\'']).parse().ok()?, v))
    }

    /// The value after a command-line option: `--workers 4`, `--workers=4`, `-w4`, `-w 4`.
    pub fn option(&self, names: &[&str]) -> Option<(i64, Span)> {
        option_in(&self.words, names)
    }
}

/// [`Reads::option`] over any words.
pub fn option_in(words: &[Word], names: &[&str]) -> Option<(i64, Span)> {
    for (i, w) in words.iter().enumerate() {
        for n in names {
            let value = if w.text == *n {
                words.get(i + 1).map(|x| x.text.as_str())
            } else if let Some(rest) = w.text.strip_prefix(n) {
                // `--workers=4`; `-w4` for one-letter options only.
                match rest.strip_prefix('=') {
                    Some(v) => Some(v),
                    None if n.len() == 2 && !n.starts_with("--") && rest.bytes().all(|b| b.is_ascii_digit()) => {
                        Some(rest)
                    }
                    None => None,
                }
            } else {
                None
            };
            if let Some(v) = value.and_then(|v| v.trim_matches(['"', '\'']).parse().ok()) {
                return Some((v, w.span));
            }
        }
    }
    None
}

/// `key = 200` (or `key=200`, `key: 200`) on a line of a configuration file that is not a
/// comment: the number and the line, trimmed.
pub fn setting<'t>(text: &'t str, keys: &[&str]) -> Option<(i64, &'t str)> {
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with(['#', ';']) {
            continue;
        }
        for k in keys {
            let Some(rest) = l.strip_prefix(k) else { continue };
            let rest = rest.trim_start();
            let Some(v) = rest.strip_prefix('=').or_else(|| rest.strip_prefix(':')) else { continue };
            let v = v.split(['#', ';']).next().unwrap_or("").trim().trim_matches(['"', '\'']);
            if let Ok(n) = v.parse() {
                return Some((n, l));
            }
        }
    }
    None
}

/// The span of `needle` inside a value as written, when it appears there verbatim; else the
/// value's span.
pub fn within(db: &SourceDb, value: Span, needle: &str) -> Span {
    let src = db.get(value.file).text.get(value.range()).unwrap_or("");
    match src.find(needle) {
        Some(i) if !needle.is_empty() => {
            Span::new(value.file, value.start + i as u32, value.start + (i + needle.len()) as u32)
        }
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<Word> {
        s.split_whitespace().map(|t| Word { text: t.into(), span: Span::new(nexus_source::FileId(0), 0, 0) }).collect()
    }

    #[test]
    fn options_in_their_forms() {
        let n = |s: &str, names: &[&str]| option_in(&words(s), names).map(|x| x.0);
        assert_eq!(n("gunicorn -w 4 app:app", &["-w", "--workers"]), Some(4));
        assert_eq!(n("gunicorn --workers=3", &["-w", "--workers"]), Some(3));
        assert_eq!(n("gunicorn -w8", &["-w", "--workers"]), Some(8));
        assert_eq!(n("gunicorn --worker-class gthread", &["-w", "--workers"]), None);
        assert_eq!(n("celery worker --concurrency=4", &["-c", "--concurrency"]), Some(4));
    }

    #[test]
    fn settings_in_config_files() {
        let conf = "# max_connections = 50\nshared_buffers = 256MB\nmax_connections = 200  # raised\n";
        assert_eq!(setting(conf, &["max_connections"]), Some((200, "max_connections = 200  # raised")));
        assert_eq!(setting("[pgbouncer]\nmax_client_conn=500\n", &["max_client_conn"]).map(|x| x.0), Some(500));
        assert_eq!(setting("maximum-pool-size: 12\n", &["maximum-pool-size"]).map(|x| x.0), Some(12));
        assert_eq!(setting("max_connections = lots\n", &["max_connections"]), None);
    }
}
