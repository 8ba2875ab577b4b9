//! Where secret values are written, so that no output ever shows them: Secret data (also data
//! that is not valid base64), values of variables and keys named like credentials (in manifests,
//! Compose files, `.env` and `env_file`s), passwords inside connection URLs, `Password=…;`
//! pairs in connection strings, and the values of `--password=…` / `--password …` arguments.
//!
//! [`secrets`] gives both where they are written (byte ranges, blanked in snippets) and what
//! they are (the values as the model holds them, after interpolation), so that a reporter can
//! also scrub a value that reached a message through another field (a `.env` secret
//! interpolated into an image name). The name and shape patterns are text-level knowledge and
//! live in [`nexus_source::secrets`]; the reporters apply them once more to everything they print.

use super::{ConfigKind, Platform, Spanned};
use nexus_source::{FileId, Span};

pub use nexus_source::secrets::{is_secret_name, url_password};

/// The secrets of a platform: where they are written and what they are.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Secrets {
    /// Byte ranges holding secret values, sorted.
    pub spans: Vec<Span>,
    /// The values themselves, longest first, without repeats, without values too short or too
    /// common to scrub from text (`true`, a value equal to a workload's name).
    pub values: Vec<String>,
    /// Names every report shows anyway (see [`public_names`]) and the names of the ConfigMaps
    /// and Secrets workloads refer to: a short value inside one is not scrubbed there.
    pub public: Vec<String>,
}

/// Values that say nothing when shown, whatever their variable's name.
const INERT: &[&str] = &["true", "false", "yes", "no", "on", "off", "null", "none", "enabled", "disabled"];

#[derive(Default)]
struct Collect {
    spans: Vec<Span>,
    values: Vec<String>,
}

impl Collect {
    /// The part `[a, b)` of value `v` is secret. Its span is exact when the value is written
    /// verbatim (plain or quoted without escapes); otherwise (a folded script, an interpolated
    /// value) the value alone is kept, and the reporters find it in the text by its shape or
    /// its value.
    fn part(&mut self, v: &Spanned<String>, a: usize, b: usize) {
        let src_len = (v.span.end - v.span.start) as usize;
        let quoted = src_len == v.value.len() + 2;
        if src_len == v.value.len() || quoted {
            let offset = u32::from(quoted);
            self.spans.push(Span::new(v.span.file, v.span.start + a as u32 + offset, v.span.start + b as u32 + offset));
        }
        if let Some(s) = v.value.get(a..b) {
            self.values.push(s.to_string());
        }
    }

    /// A value: all of it when its name says it is secret, else the credentials its text shows.
    fn value(&mut self, v: &Spanned<String>, name_is_secret: bool) {
        if name_is_secret {
            self.spans.push(v.span);
            self.values.push(v.value.clone());
            return;
        }
        for (a, b) in nexus_source::secrets::find(&v.value) {
            self.part(v, a, b);
        }
    }

    /// A command line: each argument's own credentials, and the argument after a
    /// credential-named flag given alone (`["--password", "hunter2"]`).
    fn argv<'a>(&mut self, args: impl Iterator<Item = &'a Spanned<String>>) {
        let mut after_flag = false;
        for a in args {
            self.value(a, after_flag && !a.value.starts_with('-'));
            let flag = a.value.trim();
            after_flag = flag.starts_with("--")
                && !flag.contains('=')
                && is_secret_name(flag.trim_start_matches('-'))
                && !["FILE", "PATH", "REF", "NAME", "DIR"].iter().any(|s| flag.to_ascii_uppercase().ends_with(s));
        }
    }
}

/// Every secret of the platform.
pub fn secrets(p: &Platform) -> Secrets {
    let mut c = Collect::default();
    for cfg in &p.configs {
        for e in &cfg.data {
            let Some(v) = &e.value else { continue };
            c.value(v, cfg.kind.is_secret() || is_secret_name(&e.key.value));
        }
    }
    for s in &p.secrets {
        c.value(s, true);
    }
    for w in &p.workloads {
        for ct in w.all_containers() {
            for e in &ct.env {
                if let Some(v) = &e.value {
                    c.value(v, is_secret_name(&e.name.value));
                }
            }
            c.argv(ct.command.iter());
            c.argv(ct.args.iter());
        }
    }
    // Credentials written inside embedded config files (`password=…` in a properties file).
    for s in &p.structured {
        for (_, value, span) in &s.credentials {
            c.spans.push(*span);
            c.values.push(value.clone());
        }
    }
    let Collect { mut spans, values } = c;
    spans.sort();
    spans.dedup();
    let public = public_names(p);
    let mut values: Vec<String> = values
        .into_iter()
        .map(|v| v.trim().to_string())
        .filter(|v| v.chars().count() >= 4 && !v.starts_with('$'))
        .filter(|v| !INERT.contains(&v.to_ascii_lowercase().as_str()))
        .filter(|v| !public.contains(v.as_str()))
        .collect();
    values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    values.dedup();
    let mut public: Vec<String> = public.into_iter().map(str::to_string).collect();
    public.extend(p.config_refs.iter().map(|r| r.name.value.clone()));
    public.sort();
    public.dedup();
    Secrets { spans, values, public }
}

/// Is the value written as it is (plain, or quoted without escapes)?
fn verbatim(v: &Spanned<String>) -> bool {
    let len = (v.span.end - v.span.start) as usize;
    len == v.value.len() || len == v.value.len() + 2
}

/// Every span that holds a secret value, sorted.
pub fn secret_spans(p: &Platform) -> Vec<Span> {
    secrets(p).spans
}

/// Names every report shows anyway (workloads, Services, configs, containers, namespaces,
/// projects, images written as they are): a secret equal to one cannot be hidden by scrubbing
/// it, and scrubbing it would blank the name everywhere (`MYSQL_PASSWORD=nextcloud` next to
/// `image: nextcloud`). An image whose value differs from its text is interpolated, and its parts
/// are not public: a `.env` secret interpolated into an image name must not make itself public.
fn public_names(p: &Platform) -> std::collections::HashSet<&str> {
    let mut out = std::collections::HashSet::new();
    for w in &p.workloads {
        out.insert(w.name.value.as_str());
        out.extend(w.namespace.as_deref());
        for c in w.all_containers() {
            out.insert(c.name.value.as_str());
            if let Some(image) = c.image.as_ref().filter(|i| verbatim(i)) {
                out.extend(image.value.split(['/', ':', '@']));
            }
        }
    }
    for e in &p.endpoints {
        out.insert(e.name.value.as_str());
    }
    for c in &p.configs {
        out.insert(c.name.value.as_str());
    }
    for pr in &p.projects {
        out.insert(pr.name.as_str());
    }
    out
}

/// Files of `KEY=value` lines (a directory's `.env`, `env_file`s): a report shows only the
/// lines its findings point at, never the lines around them.
pub fn private_files(p: &Platform) -> Vec<FileId> {
    let mut out: Vec<FileId> = p.projects.iter().filter_map(|pr| pr.env_file).collect();
    out.extend(p.configs.iter().filter(|c| c.kind == ConfigKind::EnvFile).map(|c| c.file));
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_urls() {
        assert!(is_secret_name("POSTGRES_PASSWORD"));
        assert!(!is_secret_name("DATABASE_HOST"));
        let u = "postgresql://nexus:s3cret@db:5432/nexus";
        let (a, b) = url_password(u).unwrap();
        assert_eq!(&u[a..b], "s3cret");
    }

    #[test]
    fn arguments_connection_strings_and_undecodable_secret_data() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: api}\nspec:\n  containers:\n    - name: api\n      image: acme/api:1.0\n      args: [\"--password\", \"Hunter2-flag\", \"--token=Hunter2-eq\", \"--port\", \"8080\"]\n      env:\n        - {name: CONN, value: \"Server=db;Password=Hunter2-ado;\"}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  bad: not*base64\n";
        let loaded = crate::load::load_memory(&[("a.yaml".into(), text.into())]);
        let s = secrets(&loaded.platform);
        let shown: Vec<&str> = s.spans.iter().map(|sp| &text[sp.range()]).collect();
        for want in ["Hunter2-flag", "Hunter2-eq", "Hunter2-ado", "not*base64"] {
            assert!(shown.iter().any(|s| s.contains(want)), "{want} not in {shown:?}");
            assert!(s.values.iter().any(|v| v == want), "{want} not in {:?}", s.values);
        }
        assert!(!shown.contains(&"8080"), "{shown:?}");
    }
}
