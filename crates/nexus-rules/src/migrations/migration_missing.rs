//! NX201 migration-missing: see `rules/migrations/NX201-migration-missing.md`.

use super::anchor;
use crate::prelude::*;
use nexus_model::migration::image_repository;
use nexus_model::migration_facts::{is_sql_store, self_migrating};
use nexus_model::{Role, WorkloadId};

declare_rule!(Info);

/// Images of applications that ship and apply their own schema migrations on start.
const SELF_MIGRATING_IMAGES: &[&str] = &[
    "wordpress",
    "gitea",
    "forgejo",
    "grafana",
    "keycloak",
    "nextcloud",
    "mattermost",
    "sonarqube",
    "n8n",
    "ghost",
    "matomo",
    "redmine",
    "discourse",
    "temporal",
    "auto-setup",
    "outline",
    "metabase",
    "umami",
    "plausible",
    "joomla",
    "drupal",
    "mediawiki",
    "odoo",
    "zabbix",
    "harbor",
    "vaultwarden",
    "authentik",
    "server",
    "kong",
    "hasura",
    "graphql-engine",
    "directus",
    "strapi",
    "wiki",
    "bookstack",
    "phpmyadmin",
    "adminer",
    "pgadmin",
    "airflow",
    "superset",
    "netbox",
    "erpnext",
    "frappe",
    "postgrest",
    "supabase",
];

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    let migrated: Vec<WorkloadId> = p.migrations.iter().flat_map(|m| m.datastores.iter().copied()).collect();
    // Per database: the first app that uses it carries the finding, the others are labels.
    let mut users: Vec<(WorkloadId, Vec<&nexus_model::Edge>)> = Vec::new();
    for w in p.workloads.iter().filter(|w| w.is_long_running() && w.role == Role::Server) {
        if self_migrating(p, w) {
            continue;
        }
        let image =
            w.containers.first().map(|c| image_repository(c.image_str()).to_ascii_lowercase()).unwrap_or_default();
        let base = image.rsplit('/').next().unwrap_or(&image).to_string();
        if SELF_MIGRATING_IMAGES
            .iter()
            .any(|s| base == *s || image.contains(&format!("{s}/")) || base.starts_with(&format!("{s}-")))
        {
            continue;
        }
        let mut seen: Vec<WorkloadId> = Vec::new();
        for e in p.dependencies_of(w.id).filter(|e| e.consumer == w.id) {
            let Some(s) = e.provider else { continue };
            if !is_sql_store(p.workload(s)) || migrated.contains(&s) || seen.contains(&s) {
                continue;
            }
            seen.push(s);
            match users.iter_mut().find(|(x, _)| *x == s) {
                Some((_, v)) => v.push(e),
                None => users.push((s, vec![e])),
            }
        }
    }
    for (s, edges) in users {
        let store = p.workload(s);
        let first = p.workload(edges[0].consumer);
        let mut d = Diagnostic::new(
            META,
            anchor(p, first),
            format!(
                "`{}` uses SQL database `{}` and nothing here migrates its schema",
                first.name.value, store.name.value
            ),
        )
        .label("no migration Job, hook, init container or migrate service for this database")
        .secondary(edges[0].target.span, format!("connects to `{}` here", store.name.value));
        for e in edges.iter().skip(1).take(5) {
            d = d.secondary(e.target.span, format!("`{}` uses it too", p.workload(e.consumer).name.value));
        }
        out.push(
            d.help(format!(
                "Add a migration step ordered before `{}` (a `pre-install,pre-upgrade` Helm hook, an Argo CD `PreSync` hook, or a Compose service it waits for with `service_completed_successfully`); if the app migrates its own schema, say so: `nexus-lint.io/self-migrating: \"true\"`, or `migrations.self-migrating` in `.nexus-lint.yaml`.",
                first.name.value
            ))
            .resource(&first.resource)
            .key(store.name.value.clone()),
        );
    }
}
