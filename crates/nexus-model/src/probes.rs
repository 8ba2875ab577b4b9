//! What each probe checks beyond its own container: the providers a probe's command connects to,
//! directly (`pg_isready -h nexus-database`, `curl http://backend:8000/health`) or through a
//! script it runs from a mounted ConfigMap or Secret (the seed's `health-check.sh`, which waits
//! for the database and redis before it curls the app).
//!
//! A probe that depends on another workload turns that workload's slowness into this one's
//! failure: for a liveness probe, a restart of every pod at once (NX603). The facts here say
//! which providers a probe reaches and where that is written; the rules judge.

use nexus_source::{SourceDb, Span};

use crate::infer::{find_hosts, resolve};
use crate::{ConfigKind, Container, Platform, Probe, ProbeHandler, Spanned, VolumeSource, Workload, WorkloadId};

/// Which probe of a container.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProbeKind {
    Liveness,
    Readiness,
    Startup,
}

impl ProbeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProbeKind::Liveness => "liveness",
            ProbeKind::Readiness => "readiness",
            ProbeKind::Startup => "startup",
        }
    }
}

/// A provider a probe connects to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeMention {
    /// The host as written.
    pub host: String,
    pub provider: WorkloadId,
    /// Where the host is written: in the probe's command, or in the script it runs.
    pub span: Span,
}

/// The providers one probe of one container reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeCheck {
    pub workload: WorkloadId,
    /// The container's name.
    pub container: String,
    pub probe: ProbeKind,
    pub mentions: Vec<ProbeMention>,
    /// The script the probe runs, when it comes from a mounted ConfigMap or Secret: the
    /// source's name and the key.
    pub script: Option<(String, String)>,
}

/// The probes of a container, by kind.
pub fn probes_of(c: &Container) -> impl Iterator<Item = (ProbeKind, &Probe)> {
    [(ProbeKind::Liveness, &c.liveness), (ProbeKind::Readiness, &c.readiness), (ProbeKind::Startup, &c.startup)]
        .into_iter()
        .filter_map(|(k, p)| p.as_ref().filter(|p| !p.disabled).map(|p| (k, p)))
}

/// Finds what every probe checks.
pub fn build(p: &mut Platform, db: &SourceDb) {
    let mut out = Vec::new();
    for w in &p.workloads {
        for c in &w.containers {
            for (kind, probe) in probes_of(c) {
                let words: &[Spanned<String>] = match &probe.handler {
                    ProbeHandler::Exec { command } | ProbeHandler::ComposeTest { command, .. } => command,
                    _ => continue,
                };
                let mut mentions = Vec::new();
                for word in words {
                    for (host, span) in hosts_in(&word.value, word.span, db) {
                        mention(p, w, host, span, &mut mentions);
                    }
                }
                let script = words.iter().find_map(|word| mounted_script(p, w, c, &word.value));
                if let Some((value, _, _)) = &script {
                    for (host, span) in hosts_in(&value.value, value.span, db) {
                        mention(p, w, host, span, &mut mentions);
                    }
                }
                if mentions.is_empty() {
                    continue;
                }
                out.push(ProbeCheck {
                    workload: w.id,
                    container: c.name.value.clone(),
                    probe: kind,
                    mentions,
                    script: script.map(|(_, name, key)| (name, key)),
                });
            }
        }
    }
    p.probe_checks = out;
}

fn mention(p: &Platform, w: &Workload, host: String, span: Span, out: &mut Vec<ProbeMention>) {
    let r = resolve(p, w, &host);
    if let Some(provider) = r.provider.filter(|x| *x != w.id) {
        out.push(ProbeMention { host, provider, span });
    }
}

/// Hosts named in a command or script, each with where it is written: URLs and `host:port`,
/// and bare words (`nc -z nexus-database 5432`, `pg_isready -h db`); comments and `echo` lines
/// are prose, not connections.
fn hosts_in(text: &str, span: Span, db: &SourceDb) -> Vec<(String, Span)> {
    let src = db.get(span.file).text.get(span.range()).unwrap_or("");
    let mut out = Vec::new();
    // Where in the source the current line is: the lines of a block scalar appear there in
    // order (indented), so each host is looked for from its own line on.
    let mut cursor = 0usize;
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(i) = src.get(cursor..).and_then(|s| s.find(trimmed)).filter(|_| !trimmed.is_empty()) {
            cursor += i;
        }
        let code = line.split(" #").next().unwrap_or(line).trim();
        if code.starts_with('#') || code.starts_with("echo ") || code.starts_with("printf ") {
            continue;
        }
        let mut from = cursor;
        let mut place = |host: &str, out: &mut Vec<(String, Span)>| {
            let at = src.get(from..).and_then(|s| s.find(host)).map(|i| from + i);
            let s = match at {
                Some(i) => {
                    from = i + host.len();
                    Span::new(span.file, span.start + i as u32, span.start + (i + host.len()) as u32)
                }
                None => span,
            };
            out.push((host.to_string(), s));
        };
        let found = find_hosts(code, false);
        if !found.is_empty() {
            for h in found {
                place(&h.host, &mut out);
            }
            continue;
        }
        for word in code.split(|c: char| c.is_whitespace() || matches!(c, ';' | '"' | '\'' | '=' | '(' | ')' | '`')) {
            let word = word.trim_end_matches(['.', ',']);
            if word.len() > 1
                && word.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
                && word.chars().any(|c| c.is_ascii_alphabetic())
                && !word.starts_with('-')
            {
                place(word, &mut out);
            }
        }
    }
    out
}

/// The script a probe word names, when the word is a path into a ConfigMap or Secret the
/// container mounts: the script's text, and the source's name and key.
fn mounted_script<'p>(
    p: &'p Platform,
    w: &Workload,
    c: &Container,
    word: &str,
) -> Option<(&'p Spanned<String>, String, String)> {
    if !word.starts_with('/') {
        return None;
    }
    for m in &c.volume_mounts {
        let dir = m.mount_path.value.trim_end_matches('/');
        // A `subPath` mount is the one key at the mount path; a volume mount holds every key.
        let key = match &m.sub_path {
            Some(sub) if word == dir => sub.as_str(),
            Some(_) => continue,
            None => match word.strip_prefix(dir).and_then(|r| r.strip_prefix('/')) {
                Some(rest) => rest,
                None => continue,
            },
        };
        let Some(v) = w.volumes.iter().find(|v| v.name.value == m.name.value) else { continue };
        let (kind, name) = match &v.source {
            VolumeSource::ConfigMap { name, .. } => (ConfigKind::ConfigMap, name),
            VolumeSource::Secret { name, .. } => (ConfigKind::Secret, name),
            _ => continue,
        };
        let source = p
            .index
            .configs_by_name
            .get(&name.value)
            .into_iter()
            .flatten()
            .map(|id| p.config(*id))
            .find(|s| s.kind == kind && crate::same_namespace(s.namespace.as_deref(), w.namespace.as_deref()))?;
        let entry = source.data.iter().find(|e| e.key.value == key)?;
        return Some((entry.value.as_ref()?, name.value.clone(), key.to_string()));
    }
    None
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn hosts_in_scripts_skip_prose_and_keep_every_place() {
        let text = "#!/bin/sh\n# check db first\necho \"waiting for db\"\nnc -z db 5432 && nc -z db 5433\ncurl -f http://api:8000/health\n";
        let mut db = SourceDb::new();
        let f = db.add("s.sh".into(), Arc::from(text));
        let span = Span::new(f, 0, text.len() as u32);
        let found: Vec<(String, &str)> =
            hosts_in(text, span, &db).into_iter().map(|(h, s)| (h, &text[s.range()])).collect();
        let hosts: Vec<&str> = found.iter().map(|(h, _)| h.as_str()).collect();
        assert!(hosts.iter().filter(|h| **h == "db").count() == 2, "{found:?}");
        assert!(hosts.contains(&"api"));
        let db_spans: Vec<_> =
            hosts_in(text, span, &db).into_iter().filter(|(h, _)| h == "db").map(|(_, s)| s).collect();
        assert_ne!(db_spans[0], db_spans[1], "each mention has its own place");
        assert!(db_spans.iter().all(|s| text[..s.start as usize].contains("nc -z ")), "not the echo or comment");
    }
}
