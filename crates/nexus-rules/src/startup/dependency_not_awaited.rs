use std::collections::BTreeSet;

use super::{edge_address, is_stateful, suggested_gate};
use crate::prelude::*;
use nexus_diagnostics::{Edit, Fix, Severity};
use nexus_model::background::is_background_worker;
use nexus_model::gates::gated;
use nexus_model::roles::{Tolerance, tolerance, tolerant_client};
use nexus_model::{Confidence, EdgeKind, Format, HostSource, Platform, Role, WorkloadId};

declare_rule!(Warning, fixable);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    let mut done: BTreeSet<(WorkloadId, WorkloadId)> = BTreeSet::new();
    for e in &p.edges {
        let Some(prov) = e.provider else { continue };
        if prov == e.consumer || done.contains(&(e.consumer, prov)) {
            continue;
        }
        let (c, pr) = (p.workload(e.consumer), p.workload(prov));
        // Datastores, caches and queues are dialled at start. So is, in Compose, anything a
        // service declares a start dependency on with the short form of `depends_on` when the
        // provider's author gave it a healthcheck to wait on: the short form waits for the
        // start only, and is rarely a choice. (A long-form `condition: service_started` is
        // one. An address in an env var is no sign of a connection at start for an HTTP or gRPC
        // upstream, which is called per request; a Kubernetes Service holds traffic back from
        // unready pods.)
        let declared = p
            .dependencies_of(e.consumer)
            .any(|x| x.provider == Some(prov) && matches!(x.kind, EdgeKind::DependsOn { short_form: true, .. }));
        // A datastore, cache or queue that only declares the order (ClickHouse after Postgres,
        // the node that creates a Redis cluster after the others) dials nothing at start that
        // the manifests show: the order is not a connection to wait for.
        // Nor does an address in an env file the datastore shares with the app (wger's
        // `prod.env`, read by PostgreSQL and Django alike, holds the app's
        // `CELERY_BROKER=redis://cache`): a datastore's image reads the variables named after
        // it (`KAFKA_ZOOKEEPER_CONNECT`, `REDIS_MASTER_HOST`), not the app's.
        let dials = !is_stateful(c.role)
            || p.dependencies_of(e.consumer).any(|x| {
                x.provider == Some(prov)
                    && match &x.kind {
                        EdgeKind::DependsOn { .. } => false,
                        EdgeKind::Host { source: HostSource::EnvFile, variable: Some(v), .. } => {
                            named_after_image(c, v)
                        }
                        _ => true,
                    }
            });
        let awaitable = c.resource.format == Format::Compose && pr.has_readiness() && declared;
        let idle = c.containers.first().is_some_and(|m| m.is_idle());
        // A client library that waits for its datastore or connects on first use makes the race
        // harmless as far as the manifests tell: said as info, naming the library (below).
        let tolerated = tolerance(p, e.consumer, prov);
        if !dials
            || idle
            || !(is_stateful(pr.role) || awaitable)
            || tolerated.is_some_and(|t| t != Tolerance::Client)
            || gated(p, e.consumer, prov, e.endpoint).is_some()
        {
            continue;
        }
        done.insert((e.consumer, prov));
        // Report at the Compose `depends_on` entry when there is one (it looks like a gate
        // and is not), else at the first evidence of the connection.
        let short = p
            .dependencies_of(e.consumer)
            .find(|x| x.provider == Some(prov) && matches!(x.kind, EdgeKind::DependsOn { .. }));
        let evidence = short.unwrap_or(e);
        let inferred = p
            .dependencies_of(e.consumer)
            .find(|x| x.provider == Some(prov) && x.confidence == Confidence::Inferred)
            .unwrap_or(e);
        let provider_label = format!("`{}` ({})", pr.name.value, pr.role.as_str());
        let mut d = match &evidence.kind {
            EdgeKind::DependsOn { condition, .. } => Diagnostic::new(
                META,
                evidence.target.span,
                format!(
                    "`{}` waits only for `{}` to start (`{condition}`), not to be ready",
                    c.name.value, pr.name.value
                ),
            )
            .label("start order only"),
            _ => Diagnostic::new(
                META,
                evidence.target.span,
                format!("`{}` connects to `{}` but nothing waits for it", c.name.value, edge_address(evidence)),
            )
            .label(format!("connects to {provider_label}")),
        };
        d = d
            .help(suggested_gate(p, inferred, c, pr))
            .resource(&c.resource)
            .template(c.template.as_deref())
            .key(pr.name.value.clone());
        if let Some(via) = evidence.via {
            d = d.secondary(via, "read here");
        }
        if evidence.target.span != inferred.target.span {
            d = d.secondary(inferred.target.span, format!("connects to `{}` here", edge_address(inferred)));
        }
        d = d.secondary(pr.name.span, provider_label);
        if let Some(fix) = short.and_then(|_| long_form_fix(p, e.consumer)) {
            d = d.fix(fix);
        }
        // A long-form `condition: service_started` on a provider that has a healthcheck,
        // beside `service_healthy` for another provider, is the author's choice, not an
        // oversight: they gate what they hold must be ready and only order the rest
        // (self-hosted Sentry waits for redis, kafka and pgbouncer to be healthy and for
        // memcached, which has a healthcheck too, to start). Said as info. Without a
        // healthcheck to wait on, `service_started` was the only condition to write.
        let started = matches!(&evidence.kind, EdgeKind::DependsOn { short_form: false, condition, .. } if condition == "service_started");
        if started
            && pr.has_readiness()
            && let Some(healthy) = p.dependencies_of(e.consumer).find(|x| {
                x.provider != Some(prov)
                    && matches!(&x.kind, EdgeKind::DependsOn { condition, .. } if condition == "service_healthy")
            })
        {
            let other = healthy.provider.map_or(healthy.target.value.as_str(), |w| p.workload(w).name.value.as_str());
            d = d.severity(Severity::Info).secondary(
                healthy.target.span,
                format!("waits for `{other}` to be healthy: starting `{}` only is a choice", pr.name.value),
            );
        }
        // A background worker needs its broker at start and opens its database per job or
        // tick; nothing calls it. Whether this program dials the database at start is not
        // visible here: said as info (its broker stays a warning).
        if pr.role == Role::Datastore && is_background_worker(p, c) {
            d = d.severity(Severity::Info).secondary(
                c.name.span,
                "a background worker: nothing calls it, and it usually opens the database per job",
            );
        }
        if tolerated == Some(Tolerance::Client)
            && let Some(lib) = tolerant_client(p, c, pr)
        {
            let why = lib.behaviour.reason();
            d.message = format!("{}; its client `{}` (`{}`) {why}", d.message, lib.name, lib.place);
            d = d
                .severity(Severity::Info)
                .secondary(lib.at, format!("`{}`, a {} client, {why}", lib.name, lib.store.as_str()));
        }
        out.push(d);
    }
}

/// Compose short-form `depends_on` → long form, `service_healthy` for every dependency that has a
/// healthcheck (`service_started` for the others, which is what the short form meant). Offered
/// only when at least one dependency gains a real wait, and only for a block-style list whose
/// entries are plain names (no comment, no interpolation), every one of them a known edge.
fn long_form_fix(p: &Platform, consumer: WorkloadId) -> Option<Fix> {
    let c = p.workload(consumer);
    if c.resource.format != Format::Compose {
        return None;
    }
    let decl = c.compose.as_ref()?.depends_on.as_ref()?;
    let list_span = decl.span;
    let indent = " ".repeat(decl.block_list_indent? as usize);
    // The entries of this list only (an override file's list is merged with the base's, and
    // each is rewritten on its own), and all of them, or an entry would be lost.
    let deps: Vec<_> = p
        .dependencies_of(consumer)
        .filter(|e| matches!(e.kind, EdgeKind::DependsOn { short_form: true, .. }))
        .filter(|e| {
            let t = e.target.span;
            t.file == list_span.file && list_span.start <= t.start && t.end <= list_span.end
        })
        .collect();
    if deps.is_empty() || deps.len() != decl.item_count as usize {
        return None;
    }
    let mut gains = false;
    let mut body = String::new();
    for (i, d) in deps.iter().enumerate() {
        let healthy = d.provider.is_some_and(|w| p.workload(w).has_readiness());
        gains |= healthy;
        let cond = if healthy { "service_healthy" } else { "service_started" };
        if i > 0 {
            body.push('\n');
            body.push_str(&indent);
        }
        body.push_str(&format!("{}:\n{indent}  condition: {cond}", d.target.value));
    }
    gains.then(|| Fix {
        message: "Use the long form of `depends_on`, waiting for healthy dependencies".into(),
        edits: vec![Edit { span: list_span, replacement: body }],
    })
}

/// Does env var `var` carry a word of the workload's image name (`KAFKA_ZOOKEEPER_CONNECT` for
/// `confluentinc/cp-kafka`, `REDIS_MASTER_HOST` for `bitnami/redis`)?
fn named_after_image(w: &nexus_model::Workload, var: &str) -> bool {
    let var = var.to_ascii_uppercase();
    w.containers.iter().flat_map(|c| c.images()).any(|image| {
        let base = nexus_model::migration::image_basename(image).to_ascii_uppercase();
        base.split(|c: char| !c.is_ascii_alphanumeric()).filter(|t| t.len() >= 3).any(|t| var.contains(t))
    })
}
