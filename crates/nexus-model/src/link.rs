//! Resolving references once every object is in the model: Service selectors to the workloads
//! whose pods they select, config references to their ConfigMaps/Secrets, HPA and PDB targets,
//! and named dependency edges to providers. Roles and migrations are inferred last, because
//! they look at what depends on what; connection capacity after everything, because it follows
//! the edges to the datastores.

use super::index::Index;
use super::{
    ConfigKind, Format, Platform, ScalerKind, WorkloadId, WorkloadKind, gates, infer, migration, plan, same_namespace,
};
use nexus_source::{FileId, SourceDb};

/// Links the model, then derives what rests on links: inferred edges, roles, migrations, deploy
/// plans (from the shell scripts among `scripts`) and gates.
pub fn link(p: &mut Platform, db: &SourceDb, scripts: &[FileId]) {
    p.index = Index::names(p);
    link_endpoints(p);
    link_configs(p);
    link_scalers(p);
    link_edges(p);
    infer::infer(p, db);
    migration::infer_roles(p);
    migration::find_migrations(p);
    relate(p);
    p.plans = plan::plans(db, p, scripts);
    let orchestrated = plan::orchestrated(p);
    p.plans.extend(orchestrated);
    gates::build(p, db);
    relate(p);
    p.backups = crate::backup::backups(p, db, scripts);
    crate::probes::build(p, db);
    crate::capacity::build(p, db);
}

/// Rebuilds the per-workload tables (edges and endpoints first, then again with the gates).
fn relate(p: &mut Platform) {
    let mut index = std::mem::take(&mut p.index);
    index.relations(p);
    p.index = index;
}

fn link_endpoints(p: &mut Platform) {
    for i in 0..p.endpoints.len() {
        let e = &p.endpoints[i];
        let targets: Vec<WorkloadId> = match (&e.selector, e.project) {
            (_, Some(project)) => p
                .index
                .workloads_by_name
                .get(&e.name.value)
                .into_iter()
                .flatten()
                .copied()
                .filter(|w| p.workload(*w).project == Some(project))
                .collect(),
            (Some(sel), None) if !sel.is_empty() => p
                .index
                .workloads_with_labels(p, sel.iter().map(|(k, v)| (k, &v.value)))
                .unwrap_or_default()
                .into_iter()
                .map(|w| p.workload(w))
                .filter(|w| w.kind != WorkloadKind::ComposeService)
                .filter(|w| same_namespace(w.namespace.as_deref(), e.namespace.as_deref()))
                .map(|w| w.id)
                .collect(),
            _ => Vec::new(),
        };
        p.endpoints[i].targets = targets;
    }
}

fn link_configs(p: &mut Platform) {
    for i in 0..p.config_refs.len() {
        let r = &p.config_refs[i];
        let w = &p.workloads[r.workload.index()];
        let target = p
            .index
            .configs_by_name
            .get(&r.name.value)
            .into_iter()
            .flatten()
            .map(|c| p.config(*c))
            .filter(|c| match r.kind {
                ConfigKind::ConfigMap | ConfigKind::Secret => {
                    c.kind == r.kind
                        && c.name.value == r.name.value
                        && w.project.is_none()
                        && same_namespace(c.namespace.as_deref(), w.namespace.as_deref())
                }
                _ => c.kind == r.kind && c.project == w.project && c.name.value == r.name.value,
            })
            // Prefer an exact namespace match over a namespace-less one.
            .min_by_key(|c| (c.namespace.as_deref() != w.namespace.as_deref(), c.id))
            .map(|c| c.id);
        p.config_refs[i].target = target;
    }
}

fn link_scalers(p: &mut Platform) {
    for i in 0..p.scalers.len() {
        let ns = p.scalers[i].namespace.clone();
        match &p.scalers[i].kind {
            ScalerKind::Hpa(h) => {
                let here = p.path(p.scalers[i].file);
                // Among workloads of that kind and name (several overlays or environments may
                // define one each), the one in the HPA's own namespace, then the nearest file.
                let target = p
                    .index
                    .workloads_by_name
                    .get(&h.target_name.value)
                    .into_iter()
                    .flatten()
                    .map(|w| p.workload(*w))
                    .filter(|w| {
                        w.resource.format == Format::Kubernetes
                            && w.kind.as_str() == h.target_kind.value
                            && w.name.value == h.target_name.value
                            && same_namespace(w.namespace.as_deref(), ns.as_deref())
                    })
                    .min_by_key(|w| (w.namespace != ns, std::cmp::Reverse(shared_dirs(here, p.path(w.file))), w.id))
                    .map(|w| w.id);
                if let ScalerKind::Hpa(h) = &mut p.scalers[i].kind {
                    h.target = target;
                }
            }
            ScalerKind::Pdb(pdb) => {
                let labels = pdb.selector.match_labels.iter().map(|(k, v)| (k, &v.value));
                let candidates = match p.index.workloads_with_labels(p, labels) {
                    Some(c) => c,
                    None => p.index.workloads_near(p, ns.as_deref()),
                };
                let targets: Vec<WorkloadId> = candidates
                    .into_iter()
                    .map(|w| p.workload(w))
                    .filter(|w| w.resource.format == Format::Kubernetes && !w.kind.is_batch())
                    .filter(|w| same_namespace(w.namespace.as_deref(), ns.as_deref()))
                    .filter(|w| pdb.selector.matches(&w.pod_labels))
                    .map(|w| w.id)
                    .collect();
                if let ScalerKind::Pdb(pdb) = &mut p.scalers[i].kind {
                    pdb.targets = targets;
                }
            }
        }
    }
}

/// Resolves explicit edges by name: within a Compose project to its services (and their
/// aliases); for Kubernetes to a Service in the same namespace, else a workload of that name.
fn link_edges(p: &mut Platform) {
    for i in 0..p.edges.len() {
        let consumer = &p.workloads[p.edges[i].consumer.index()];
        let name = p.edges[i].target.value.as_str();
        let (ns, project) = (consumer.namespace.clone(), consumer.project);
        // Candidates by name (the index is lower-cased; the match below is exact), in id order.
        let endpoint = p
            .index
            .endpoints_by_name
            .get(&name.to_ascii_lowercase())
            .into_iter()
            .flatten()
            .map(|id| p.endpoint(*id))
            .filter(|e| e.project == project)
            .filter(|e| project.is_some() || same_namespace(e.namespace.as_deref(), ns.as_deref()))
            .find(|e| e.name.value == name || e.aliases.iter().any(|a| a.value == name));
        let (endpoint, provider) = match endpoint {
            Some(e) => (Some(e.id), e.targets.first().copied()),
            None => (
                None,
                p.index
                    .workloads_by_name
                    .get(name)
                    .into_iter()
                    .flatten()
                    .map(|id| p.workload(*id))
                    .filter(|w| w.project == project)
                    .filter(|w| project.is_some() || same_namespace(w.namespace.as_deref(), ns.as_deref()))
                    .find(|w| w.name.value == name)
                    .map(|w| w.id),
            ),
        };
        p.edges[i].endpoint = endpoint;
        p.edges[i].provider = provider;
    }
}

/// How many leading directories two paths share.
fn shared_dirs(a: &str, b: &str) -> usize {
    fn dirs(p: &str) -> impl Iterator<Item = &str> {
        p.rsplit_once('/').map_or("", |(d, _)| d).split('/').filter(|s| !s.is_empty())
    }
    dirs(a).zip(dirs(b)).take_while(|(x, y)| x == y).count()
}
