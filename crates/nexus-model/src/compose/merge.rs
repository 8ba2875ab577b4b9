//! Laying one file's service over another's, by Compose's merge rules
//! (<https://docs.docker.com/reference/compose-file/merge/>).
//!
//! Merging happens on [`Draft`]s, not on YAML trees: each file is read into drafts with its own
//! spans, and the override's fields replace or extend the base's field by field. Every value
//! thus keeps the span of the file it came from, with no synthetic tree to point into — a
//! finding on an image set by `docker-compose.prod.yml` points into that file, one on the
//! healthcheck it inherited points into the base file.
//!
//! - scalars (`image`, `restart`, `hostname`, …) are replaced;
//! - `command`, `entrypoint` and `healthcheck.test` are replaced, never appended;
//! - mappings merge by key: `environment`, `labels`, `annotations`, `depends_on` (the short
//!   form counts as a mapping with default conditions), `networks`, `healthcheck`, resources;
//! - sequences append: `env_file`, `profiles`, `links`, `expose` (without repeats), and the
//!   "unique resources" `ports` (by host IP, target, published, protocol), `secrets` and
//!   `configs` (by target), where an entry with the same key replaces the earlier one.

use super::service::{Draft, Health, TopDef};

/// Lays `over` on `base`.
pub fn merge(base: &mut Draft, over: Draft) {
    for key in &over.resets {
        reset(base, key);
    }
    replace(&mut base.image, over.image);
    // Compose merges `build` key by key; an override's `build` is taken whole here (it is read
    // only for the image the Dockerfile starts from).
    replace(&mut base.build, over.build);
    replace(&mut base.entrypoint, over.entrypoint);
    replace(&mut base.command, over.command);
    for v in over.environment {
        base.interpolated_env.retain(|n| *n != v.name.value);
        if over.interpolated_env.contains(&v.name.value) {
            base.interpolated_env.push(v.name.value.clone());
        }
        match base.environment.iter_mut().find(|x| x.name.value == v.name.value) {
            Some(x) => *x = v,
            None => base.environment.push(v),
        }
    }
    for f in over.env_files {
        if !base.env_files.iter().any(|x| x.path.value == f.path.value) {
            base.env_files.push(f);
        }
    }
    for p in over.ports {
        let same = |x: &super::service::PortEntry| {
            x.host_ip == p.host_ip
                && x.target.value == p.target.value
                && x.protocol == p.protocol
                && x.published.as_ref().map(|s| &s.value) == p.published.as_ref().map(|s| &s.value)
        };
        match base.ports.iter_mut().find(|x| same(x)) {
            Some(x) => *x = p,
            None => base.ports.push(p),
        }
    }
    for e in over.expose {
        if !base.expose.iter().any(|x| x.port.value == e.port.value && x.protocol == e.protocol) {
            base.expose.push(e);
        }
    }
    match (&mut base.healthcheck, over.healthcheck) {
        (Some(b), Some(o)) => merge_health(b, o),
        (b @ None, o) => *b = o,
        _ => {}
    }
    for d in over.depends_on {
        match base.depends_on.iter_mut().find(|x| x.target.value == d.target.value) {
            Some(x) => *x = d,
            None => base.depends_on.push(d),
        }
    }
    replace(&mut base.depends_on_decl, over.depends_on_decl);
    for b in over.binds {
        match base.binds.iter_mut().find(|x| x.1 == b.1) {
            Some(x) => *x = b,
            None => base.binds.push(b),
        }
    }
    for l in over.links {
        if !base.links.iter().any(|x| x.value == l.value) {
            base.links.push(l);
        }
    }
    replace(&mut base.replicas, over.replicas);
    replace(&mut base.scale, over.scale);
    base.requests.extend(over.requests);
    base.limits.extend(over.limits);
    replace(&mut base.restart, over.restart);
    for p in over.profiles {
        if !base.profiles.iter().any(|x| x.value == p.value) {
            base.profiles.push(p);
        }
    }
    for (net, aliases) in over.networks {
        match base.networks.iter_mut().find(|(n, _)| *n == net) {
            Some((_, a)) => {
                for alias in aliases {
                    if !a.iter().any(|x| x.value == alias.value) {
                        a.push(alias);
                    }
                }
            }
            None => base.networks.push((net, aliases)),
        }
    }
    replace(&mut base.hostname, over.hostname);
    replace(&mut base.container_name, over.container_name);
    for (list, more) in [(&mut base.configs, over.configs), (&mut base.secrets, over.secrets)] {
        for m in more {
            match list.iter_mut().find(|x| x.target == m.target) {
                Some(x) => *x = m,
                None => list.push(m),
            }
        }
    }
    base.labels.extend(over.labels);
    base.annotations.extend(over.annotations);
    base.ignore.extend(over.ignore);
    base.extended |= over.extended;
}

/// `key: !reset null`: forget what earlier files set.
fn reset(base: &mut Draft, key: &str) {
    match key {
        "image" => base.image = None,
        "build" => base.build = None,
        "entrypoint" => base.entrypoint = None,
        "command" => base.command = None,
        "environment" => {
            base.environment.clear();
            base.interpolated_env.clear();
        }
        "env_file" => base.env_files.clear(),
        "ports" => base.ports.clear(),
        "expose" => base.expose.clear(),
        "healthcheck" => base.healthcheck = None,
        "depends_on" => {
            base.depends_on.clear();
            base.depends_on_decl = None;
        }
        "links" => base.links.clear(),
        "scale" => base.scale = None,
        "deploy" => {
            base.replicas = None;
            base.requests.clear();
            base.limits.clear();
        }
        "restart" => base.restart = None,
        "profiles" => base.profiles.clear(),
        "networks" => base.networks.clear(),
        "hostname" => base.hostname = None,
        "container_name" => base.container_name = None,
        "configs" => base.configs.clear(),
        "volumes" => base.binds.clear(),
        "secrets" => base.secrets.clear(),
        "labels" => base.labels.clear(),
        "annotations" => base.annotations.clear(),
        _ => {}
    }
}

fn replace<T>(base: &mut Option<T>, over: Option<T>) {
    if over.is_some() {
        *base = over;
    }
}

/// `healthcheck` is a mapping: its keys merge one by one; `test` is replaced as a whole.
fn merge_health(base: &mut Health, over: Health) {
    base.key_span = over.key_span;
    base.span = over.span;
    replace(&mut base.test, over.test);
    replace(&mut base.interval, over.interval);
    replace(&mut base.timeout, over.timeout);
    replace(&mut base.retries, over.retries);
    replace(&mut base.start_period, over.start_period);
    replace(&mut base.start_interval, over.start_interval);
    replace(&mut base.disable, over.disable);
}

/// A top-level config or secret defined again by a later file: its keys merge.
pub fn merge_def(base: &mut TopDef, over: TopDef) {
    base.name = over.name;
    base.file = over.file;
    base.span = over.span;
    let switches_source = over.path.is_some() || over.environment.is_some() || over.content.is_some() || over.external;
    if switches_source {
        base.path = over.path;
        base.environment = over.environment;
        base.content = over.content;
        base.external = over.external;
    }
    base.labels.extend(over.labels);
}
