//! One Compose file (one YAML document of it) → a [`Layer`]: its services as [`Draft`]s and its
//! top-level `configs`/`secrets`, every value interpolated and spanned.
//!
//! A draft holds what one file says about a service and nothing more (absent fields stay
//! absent), so that [`super::merge`] can lay an override file's drafts over the base file's the
//! way Compose merges files, before [`super::emit`] turns the result into model pieces.

use std::collections::BTreeMap;

pub use super::draft::*;
use super::interpolate::{Vars, has_dollar, has_unknown};
use super::read::{Reader, is_reset, sub_span, value_after_eq};
use crate::{
    DependsOnDecl, EnvVar, InputProblem, InputProblemKind, ResourceRef, Spanned, Suppression, SuppressionScope,
};
use nexus_source::yaml::NodeRef;
use nexus_source::{FileId, Span};

/// Reads one document of a Compose file.
pub fn read_layer(file: FileId, root: NodeRef<'_>, vars: &Vars) -> Layer {
    let rd = Reader::new(vars);
    let mut cx = Cx { rd, problems: Vec::new(), current: None };
    let mut layer = Layer {
        name: rd.at(root, "name"),
        services: Vec::new(),
        configs: Vec::new(),
        secrets: Vec::new(),
        problems: Vec::new(),
    };
    if let Some(services) = root.get("services").filter(|s| s.is_map()) {
        for e in services.entries() {
            let Some(name) = e.key.as_str() else { continue };
            if !e.value.is_map() {
                continue; // the schema reports it
            }
            let name = Spanned::new(name.to_string(), e.key.span());
            cx.current = Some(name.value.clone());
            layer.services.push(cx.service(file, name, e.value));
        }
    }
    cx.current = None;
    for (key, out) in [("configs", &mut layer.configs), ("secrets", &mut layer.secrets)] {
        for e in root.get(key).into_iter().flat_map(|m| m.entries()) {
            let Some(name) = e.key.as_str() else { continue };
            let v = e.value;
            out.push(TopDef {
                name: Spanned::new(name.to_string(), e.key.span()),
                file,
                span: e.key.span().cover(v.span()),
                path: rd.at(v, "file"),
                environment: rd.at(v, "environment"),
                content: rd.at(v, "content"),
                external: rd.bool_at(v, "external").unwrap_or(false) || v.get("external").is_some_and(|x| x.is_map()),
                labels: rd.dict(v.get("labels")),
            });
        }
    }
    layer.problems = cx.problems;
    layer
}

struct Cx<'v> {
    rd: Reader<'v>,
    problems: Vec<InputProblem>,
    current: Option<String>,
}

impl Cx<'_> {
    fn problem(&mut self, span: Span, message: String, help: Option<String>) {
        let resource = self.current.as_deref().map(ResourceRef::compose);
        self.problems.push(InputProblem::new(InputProblemKind::Compose, span, message, help).resource(resource));
    }

    fn service(&mut self, file: FileId, name: Spanned<String>, s: NodeRef<'_>) -> Draft {
        let rd = self.rd;
        let mut d = Draft {
            name,
            file,
            span: s.span(),
            image: rd.at(s, "image"),
            build: s.entry("build").map(|e| Build {
                span: e.key.span().cover(e.value.span()),
                spec: super::dockerfile::BuildSpec::read(rd, e.value),
            }),
            entrypoint: None,
            command: None,
            environment: Vec::new(),
            interpolated_env: Vec::new(),
            env_files: Vec::new(),
            ports: Vec::new(),
            expose: Vec::new(),
            healthcheck: None,
            depends_on: Vec::new(),
            depends_on_decl: None,
            links: Vec::new(),
            replicas: None,
            scale: rd.int_at(s, "scale"),
            requests: BTreeMap::new(),
            limits: BTreeMap::new(),
            restart: rd.at(s, "restart"),
            profiles: rd.string_or_list(s.get("profiles")),
            networks: Vec::new(),
            hostname: rd.at(s, "hostname"),
            container_name: rd.at(s, "container_name"),
            configs: Vec::new(),
            secrets: Vec::new(),
            binds: s.get("volumes").into_iter().flat_map(|l| l.items()).filter_map(|v| bind(rd, v)).collect(),
            labels: rd.dict(s.get("labels")),
            annotations: rd.dict(s.get("annotations")),
            ignore: Vec::new(),
            extended: s.get("extends").is_some() || s.get("provider").is_some(),
            extends: s.get("extends").and_then(|e| {
                let (service, file) =
                    if e.is_map() { (rd.at(e, "service")?, rd.at(e, "file")) } else { (rd.text(e)?, None) };
                Some(Extends { service, file, span: e.span() })
            }),
            resets: s
                .entries()
                .filter(|e| is_reset(e.value))
                .filter_map(|e| e.key.as_str().map(str::to_string))
                .collect(),
        };
        d.entrypoint = s.get("entrypoint").and_then(|n| self.argv(n, "entrypoint"));
        d.command = s.get("command").and_then(|n| self.argv(n, "command"));
        self.environment(s, &mut d);
        self.env_files(s, &mut d);
        if let Some(ports) = s.get("ports") {
            for p in ports.items() {
                self.port(p, &mut d.ports);
            }
        }
        for p in s.get("expose").into_iter().flat_map(|l| l.items()) {
            self.expose(p, &mut d.expose);
        }
        if let Some(e) = s.entry("healthcheck").filter(|e| e.value.is_map()) {
            d.healthcheck = Some(self.healthcheck(e.key.span(), e.value));
        }
        if let Some(e) = s.entry("depends_on") {
            let short = e.value.is_seq();
            // A comment between the items, or an interpolated name, would be lost by an edit
            // that rewrites the list.
            let source = e.value.source();
            let block = short && source.trim_start().starts_with('-') && !source.contains(['#', '$']);
            d.depends_on_decl = Some(DependsOnDecl {
                key: e.key.span(),
                span: e.value.span(),
                short_form: short,
                block_list_indent: if block { e.value.block_indent() } else { None },
                item_count: if short { e.value.items().count() as u32 } else { 0 },
            });
            d.depends_on = self.depends_on(e.value);
        }
        for l in s.get("links").into_iter().flat_map(|l| l.items()) {
            if let Some(t) = rd.text(l) {
                let svc = t.value.split(':').next().unwrap_or("").to_string();
                let span = sub_span(l, &t, 0..svc.len());
                d.links.push(Spanned::with_via(svc, span, t.via));
            }
        }
        self.resources(s, &mut d);
        self.networks(s, &mut d);
        d.configs = self.mounts(s.get("configs"), false);
        d.secrets = self.mounts(s.get("secrets"), true);
        if let Some(e) = s.entry("x-nexus-lint")
            && let Some(sup) = self.suppression(&d.name.value, e.key.span(), e.value)
        {
            d.ignore.push(sup);
        }
        d
    }

    /// `command`/`entrypoint`: a list as is, or a string split into words like Compose does.
    fn argv(&mut self, n: NodeRef<'_>, key: &str) -> Option<Vec<Spanned<String>>> {
        if n.is_seq() {
            return Some(n.items().filter_map(|i| self.rd.text(i)).collect());
        }
        let s = self.rd.text(n)?;
        // Compose splits the string as go-shellwords does: blanks separate words, quotes and
        // backslashes as in the shell, nothing expanded.
        match shell_words::split(&s.value) {
            Ok(words) => Some(words.into_iter().map(|w| Spanned::with_via(w, s.span, s.via)).collect()),
            Err(_) => {
                self.problem(
                    s.span,
                    format!("`{key}` has an unterminated quote"),
                    Some("Close the quote, or write the command as a list.".into()),
                );
                None
            }
        }
    }

    fn environment(&mut self, s: NodeRef<'_>, d: &mut Draft) {
        let Some(env) = s.get("environment") else {
            return;
        };
        let rd = self.rd;
        // `KEY` without a value takes it from the environment Compose runs in, which for us is
        // the project's `.env`.
        let inherited = |name: &str| rd.vars.get(name).cloned();
        let mut out: Vec<EnvVar> = Vec::new();
        let mut interpolated: Vec<String> = Vec::new();
        if env.is_seq() {
            for item in env.items() {
                if let Some(raw) = item.resolve().as_str()
                    && has_dollar(raw.split_once('=').map_or("", |(_, v)| v))
                {
                    interpolated.push(raw.split_once('=').map_or(raw, |(k, _)| k).to_string());
                }
                let Some(t) = rd.text(item) else { continue };
                let (name, value) = match t.value.split_once('=') {
                    Some((k, v)) => {
                        let vs = value_after_eq(item, &t, k.len());
                        (k.to_string(), Some(Spanned::with_via(v.to_string(), vs, t.via)))
                    }
                    None => (t.value.clone(), inherited(&t.value)),
                };
                let name_span = sub_span(item, &t, 0..name.len());
                out.push(EnvVar { name: Spanned::with_via(name, name_span, t.via), value, from: None, span: t.span });
            }
        } else {
            for e in env.entries() {
                let Some(k) = e.key.as_str() else { continue };
                if e.value.resolve().as_str().is_some_and(has_dollar) {
                    interpolated.push(k.to_string());
                }
                let value = match rd.text(e.value) {
                    Some(v) => Some(v),
                    None if e.value.is_null() => inherited(k),
                    None => None,
                };
                let span = if e.value.span().start == e.value.span().end {
                    e.key.span()
                } else {
                    e.key.span().cover(e.value.span())
                };
                out.push(EnvVar { name: Spanned::new(k.to_string(), e.key.span()), value, from: None, span });
            }
        }
        for v in out {
            d.interpolated_env.retain(|n| *n != v.name.value);
            if interpolated.contains(&v.name.value) {
                d.interpolated_env.push(v.name.value.clone());
            }
            match d.environment.iter_mut().find(|x| x.name.value == v.name.value) {
                Some(x) => *x = v,
                None => d.environment.push(v),
            }
        }
    }

    fn env_files(&mut self, s: NodeRef<'_>, d: &mut Draft) {
        let Some(n) = s.get("env_file") else { return };
        let items: Vec<NodeRef<'_>> = if n.is_seq() { n.items().collect() } else { vec![n] };
        for item in items {
            let (path, required) = if item.is_map() {
                (self.rd.at(item, "path"), self.rd.bool_at(item, "required").unwrap_or(true))
            } else {
                (self.rd.text(item), true)
            };
            if let Some(path) = path {
                d.env_files.push(EnvFileRef { path, required });
            }
        }
    }

    /// Compose refuses a negative replica count (the schema only says "integer").
    fn non_negative(&mut self, v: &Spanned<i64>, what: &str) {
        if v.value < 0 {
            self.problem(
                v.span,
                format!("`{what}` must not be negative, found `{}`", v.value),
                Some("Give the number of containers to run: 0 or more.".into()),
            );
        }
    }

    fn bad_port(&mut self, span: Span, what: &str) {
        self.problem(
            span,
            format!("`{what}` is not a valid port"),
            Some("Write `[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`, e.g. `8080:80`.".into()),
        );
    }

    fn port(&mut self, p: NodeRef<'_>, out: &mut Vec<PortEntry>) {
        let rd = self.rd;
        if p.is_map() {
            let Some(target) = rd.int_at(p, "target") else {
                if let Some(t) = rd.at(p, "target") {
                    let v = t.value.clone();
                    self.bad_port(t.span, &v);
                }
                return;
            };
            let published = rd.at(p, "published").filter(|s| !s.value.is_empty());
            let protocol = rd.at(p, "protocol").map_or_else(|| "tcp".to_string(), |s| s.value.to_ascii_lowercase());
            let host_ip = rd.at(p, "host_ip").map(|s| s.value).unwrap_or_default();
            // A long-form port without `published` is published on a random host port, unless
            // it is only `expose`d; Compose treats it as published.
            let published = published.or_else(|| Some(Spanned::new(String::new(), p.span())));
            out.push(PortEntry { host_ip, target, published, protocol, span: p.span() });
            return;
        }
        let Some(t) = rd.text(p) else { return };
        let parsed = parse_short_port(&t.value).or_else(|| known_target(&t.value));
        match parsed {
            Some(parsed) => {
                let n = parsed.target.1 - parsed.target.0 + 1;
                for i in 0..n {
                    let port = parsed.target.0 + i;
                    let target = Spanned::with_via(port, sub_span(p, &t, parsed.target_range.clone()), t.via);
                    let published = match &parsed.published {
                        None => Spanned::with_via(String::new(), t.span, t.via),
                        Some((a, b, range)) => {
                            let text =
                                if b - a + 1 == n { (a + i).to_string() } else { t.value[range.clone()].to_string() };
                            Spanned::with_via(text, sub_span(p, &t, range.clone()), t.via)
                        }
                    };
                    out.push(PortEntry {
                        host_ip: parsed.host_ip.clone(),
                        target,
                        published: Some(published),
                        protocol: parsed.protocol.clone(),
                        span: t.span,
                    });
                }
            }
            // Built from a variable `.env` does not set: not judged.
            None if has_unknown(&t.value) => {}
            None => {
                let v = t.value.clone();
                self.bad_port(t.span, &v);
            }
        }
    }

    fn expose(&mut self, p: NodeRef<'_>, out: &mut Vec<ExposeEntry>) {
        let Some(t) = self.rd.text(p) else { return };
        let (ports, proto) = match t.value.split_once('/') {
            Some((a, b)) => (a, b.to_ascii_lowercase()),
            None => (t.value.as_str(), "tcp".to_string()),
        };
        match port_range(ports) {
            Some((a, b)) => {
                for port in a..=b {
                    out.push(ExposeEntry {
                        port: Spanned::with_via(port, sub_span(p, &t, 0..ports.len()), t.via),
                        protocol: proto.clone(),
                        span: t.span,
                    });
                }
            }
            None if has_unknown(&t.value) => {}
            None => {
                let v = t.value.clone();
                self.bad_port(t.span, &v);
            }
        }
    }

    fn duration(&mut self, h: NodeRef<'_>, key: &str) -> Option<Spanned<i64>> {
        let s = self.rd.at(h, key)?;
        match parse_duration_ms(&s.value) {
            Some(ms) => Some(s.map(|_| ms)),
            None if has_unknown(&s.value) => None,
            None => {
                let shown = s.value.clone();
                self.problem(
                    s.span,
                    format!("`{shown}` is not a valid duration for `{key}`"),
                    Some("Write a duration such as `10s`, `1m30s` or `500ms`.".into()),
                );
                None
            }
        }
    }

    fn healthcheck(&mut self, key_span: Span, h: NodeRef<'_>) -> Health {
        let rd = self.rd;
        let test = h.get("test").and_then(|t| {
            if t.is_seq() {
                let items: Vec<Spanned<String>> = t.items().filter_map(|i| rd.text(i)).collect();
                let (first, rest) = items.split_first()?;
                match first.value.as_str() {
                    "CMD" => Some((rest.to_vec(), TestKind::Exec)),
                    "CMD-SHELL" => Some((rest.to_vec(), TestKind::Shell)),
                    "NONE" => Some((Vec::new(), TestKind::Disable)),
                    other => {
                        let other = other.to_string();
                        self.problem(
                            first.span,
                            format!("healthcheck `test` starts with `{other}`, not `CMD`, `CMD-SHELL` or `NONE`"),
                            Some(format!("Write `[\"CMD\", \"{other}\", …]` to run it, or `[\"CMD-SHELL\", \"…\"]` for a shell command.")),
                        );
                        None
                    }
                }
            } else {
                rd.text(t).map(|s| (vec![s], TestKind::Shell))
            }
        });
        Health {
            key_span,
            span: h.span(),
            test,
            interval: self.duration(h, "interval"),
            timeout: self.duration(h, "timeout"),
            retries: rd.int_at(h, "retries"),
            start_period: self.duration(h, "start_period"),
            start_interval: self.duration(h, "start_interval"),
            disable: rd.bool_at(h, "disable"),
        }
    }

    fn depends_on(&mut self, n: NodeRef<'_>) -> Vec<Dep> {
        let rd = self.rd;
        let mut out: Vec<Dep> = Vec::new();
        if n.is_seq() {
            for item in n.items() {
                if let Some(t) = rd.text(item) {
                    out.push(Dep {
                        target: t,
                        condition: "service_started".into(),
                        required: true,
                        restart: false,
                        short_form: true,
                    });
                }
            }
        } else {
            for e in n.entries() {
                let Some(k) = e.key.as_str() else { continue };
                let v = e.value;
                out.push(Dep {
                    target: Spanned::new(k.to_string(), e.key.span()),
                    condition: rd.at(v, "condition").map_or_else(|| "service_started".into(), |c| c.value),
                    required: rd.bool_at(v, "required").unwrap_or(true),
                    restart: rd.bool_at(v, "restart").unwrap_or(false),
                    short_form: false,
                });
            }
        }
        out
    }

    fn resources(&mut self, s: NodeRef<'_>, d: &mut Draft) {
        let rd = self.rd;
        // Legacy service-level settings first; `deploy.resources` wins.
        if let Some(v) = rd.at(s, "cpus") {
            d.limits.insert("cpu".into(), v);
        }
        if let Some(v) = rd.at(s, "mem_limit") {
            d.limits.insert("memory".into(), v);
        }
        if let Some(v) = rd.at(s, "mem_reservation") {
            d.requests.insert("memory".into(), v);
        }
        if let Some(scale) = d.scale.clone() {
            self.non_negative(&scale, "scale");
        }
        let Some(deploy) = s.get("deploy") else { return };
        d.replicas = rd.int_at(deploy, "replicas");
        if let Some(r) = d.replicas.clone() {
            self.non_negative(&r, "replicas");
        }
        let res = deploy.get("resources");
        for (key, map) in [("limits", &mut d.limits), ("reservations", &mut d.requests)] {
            let Some(r) = res.and_then(|r| r.get(key)) else { continue };
            if let Some(v) = rd.at(r, "cpus") {
                map.insert("cpu".into(), v);
            }
            if let Some(v) = rd.at(r, "memory") {
                map.insert("memory".into(), v);
            }
        }
    }

    fn networks(&mut self, s: NodeRef<'_>, d: &mut Draft) {
        let Some(n) = s.get("networks") else { return };
        let rd = self.rd;
        if n.is_seq() {
            for i in n.items() {
                if let Some(t) = rd.text(i) {
                    d.networks.push((t.value, Vec::new()));
                }
            }
        } else {
            for e in n.entries() {
                let Some(k) = e.key.as_str() else { continue };
                let aliases =
                    e.value.get("aliases").map(|a| a.items().filter_map(|i| rd.text(i)).collect()).unwrap_or_default();
                d.networks.push((k.to_string(), aliases));
            }
        }
    }

    fn mounts(&mut self, n: Option<NodeRef<'_>>, secret: bool) -> Vec<Mount> {
        let rd = self.rd;
        let default_target = |source: &str| {
            if secret { format!("/run/secrets/{source}") } else { format!("/{source}") }
        };
        let mut out = Vec::new();
        for item in n.into_iter().flat_map(|l| l.items()) {
            let (source, target) = if item.is_map() {
                let Some(source) = rd.at(item, "source") else { continue };
                let target = match rd.at(item, "target").map(|t| t.value) {
                    Some(t) if secret && !t.starts_with('/') => format!("/run/secrets/{t}"),
                    Some(t) => t,
                    None => default_target(&source.value),
                };
                (source, target)
            } else {
                let Some(source) = rd.text(item) else { continue };
                let target = default_target(&source.value);
                (source, target)
            };
            out.push(Mount { source, target });
        }
        out
    }

    /// `x-nexus-lint: {ignore: [NX101, …], reason: "…"}` (or `ignore: "NX101, NX402"`).
    fn suppression(&mut self, service: &str, key: Span, v: NodeRef<'_>) -> Option<Suppression> {
        let rd = self.rd;
        let ignore = v.get("ignore")?;
        let mut codes = Vec::new();
        let mut add = |node: NodeRef<'_>| {
            let Some(t) = rd.text(node) else { return };
            let mut at = 0;
            for part in t.value.split([',', ' ', '\n']) {
                let start = at;
                at += part.len() + 1;
                let code = part.trim();
                if code.is_empty() {
                    continue;
                }
                let off = start + part.find(code).unwrap_or(0);
                let span = sub_span(node, &t, off..off + code.len());
                codes.push(Spanned::with_via(code.to_string(), span, t.via));
            }
        };
        if ignore.is_seq() {
            ignore.items().for_each(&mut add);
        } else {
            add(ignore);
        }
        Some(Suppression {
            codes,
            scope: SuppressionScope::Resource(ResourceRef::compose(service).to_string()),
            reason: rd.at(v, "reason").map(|r| r.value),
            span: key.cover(v.span()),
        })
    }
}

/// A short-form port, `[HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL]`, with byte ranges of its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortPort {
    pub host_ip: String,
    /// (first, last, byte range) of the published port or range, if written.
    pub published: Option<(i64, i64, std::ops::Range<usize>)>,
    pub target: (i64, i64),
    pub target_range: std::ops::Range<usize>,
    pub protocol: String,
}

/// `80`, `80-85`.
fn port_range(s: &str) -> Option<(i64, i64)> {
    let num = |x: &str| {
        x.parse::<i64>()
            .ok()
            .filter(|p| (0..=65535).contains(p) && !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()))
    };
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (num(a)?, num(b)?),
        None => {
            let p = num(s)?;
            (p, p)
        }
    };
    // Ranges wider than this are almost certainly typos; do not expand them.
    (a <= b && b - a < 1024).then_some((a, b))
}

/// A short port whose host side is built from an unknown variable (`${WEB_PORT}:80`): its
/// container port is known, its published port is not.
fn known_target(s: &str) -> Option<ShortPort> {
    let i = s.rfind(':')?;
    let (before, target) = (&s[..i], &s[i + 1..]);
    if !has_unknown(before) || has_unknown(target) {
        return None;
    }
    let mut parsed = parse_short_port(target)?;
    parsed.target_range = i + 1 + parsed.target_range.start..i + 1 + parsed.target_range.end;
    // An empty range, so the published port is kept as written.
    parsed.published = Some((0, -1, 0..before.len()));
    Some(parsed)
}

pub fn parse_short_port(s: &str) -> Option<ShortPort> {
    let (main, protocol) = match s.rfind('/') {
        Some(i) => (&s[..i], s[i + 1..].to_ascii_lowercase()),
        None => (s, "tcp".to_string()),
    };
    let target_start = main.rfind(':').map_or(0, |i| i + 1);
    let target_text = &main[target_start..];
    let target = port_range(target_text)?;
    let target_range = target_start..main.len();
    let mut host_ip = String::new();
    let mut published = None;
    if target_start > 0 {
        let before = &main[..target_start - 1];
        let (host, pub_start) = if before.ends_with(']') {
            (before, before.len())
        } else {
            match before.rfind(':') {
                Some(i) => (&before[..i], i + 1),
                None => ("", 0),
            }
        };
        host_ip = host.trim_start_matches('[').trim_end_matches(']').to_string();
        let pub_text = &before[pub_start.min(before.len())..];
        if !pub_text.is_empty() {
            let (a, b) = port_range(pub_text)?;
            published = Some((a, b, pub_start..before.len()));
        }
    }
    Some(ShortPort { host_ip, published, target, target_range, protocol })
}

/// A Go duration (`1m30s`, `500ms`, `1.5s`, `2h`) in milliseconds, rounded down.
pub fn parse_duration_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    if s == "0" {
        return Some(0);
    }
    if s.is_empty() {
        return None;
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let num: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let factor = match &rest[..unit_end] {
            "ns" => 1e-6,
            "us" | "µs" | "μs" => 1e-3,
            "ms" => 1.0,
            "s" => 1e3,
            "m" => 60e3,
            "h" => 3600e3,
            _ => return None,
        };
        total += num * factor;
        rest = &rest[unit_end..];
    }
    (total.is_finite() && total < 9.0e15).then(|| total.floor() as i64)
}

/// A bind mount of a host path: `SOURCE:TARGET[:MODE]` with a source that is a path (`./…`,
/// `../…`, `/…`, `~/…`; a bare name is a named volume), or the long form with `type: bind`.
fn bind(rd: Reader<'_>, v: NodeRef<'_>) -> Option<(String, String)> {
    if v.is_map() {
        let kind = rd.at(v, "type")?;
        return (kind.value == "bind").then(|| Some((rd.at(v, "source")?.value, rd.at(v, "target")?.value))).flatten();
    }
    let text = rd.text(v)?.value;
    let mut parts = text.splitn(3, ':');
    let (source, target) = (parts.next()?, parts.next()?);
    let is_path = source.starts_with(['.', '/', '~']);
    (is_path && target.starts_with('/')).then(|| (source.to_string(), target.to_string()))
}
