//! Lookup tables over the platform, so linking and rules stay near-linear in the number of
//! objects: names to endpoints, workloads and configs; namespaces; and per-workload lists of
//! endpoints, dependencies, dependents and gates. Hash maps are only looked up, never iterated
//! into output, so they cannot affect ordering.

use std::collections::{HashMap, HashSet};

use super::{ConfigId, EndpointId, Platform, WorkloadId};

#[derive(Debug, Default)]
pub struct Index {
    /// Endpoint names and aliases (lower-cased) → endpoints, in id order.
    pub endpoints_by_name: HashMap<String, Vec<EndpointId>>,
    pub workloads_by_name: HashMap<String, Vec<WorkloadId>>,
    /// Workloads by namespace (`None`: no namespace given).
    pub workloads_by_namespace: HashMap<Option<String>, Vec<WorkloadId>>,
    pub configs_by_name: HashMap<String, Vec<ConfigId>>,
    /// Pod label `(key, value)` → the Kubernetes workloads whose pods carry it, in id order:
    /// a selector is matched against the workloads of its rarest label only, so that n
    /// Services over n workloads cost n lookups, not n² comparisons.
    pub workloads_by_pod_label: HashMap<(String, String), Vec<WorkloadId>>,
    /// Namespaces named by any object or Namespace.
    pub namespaces: HashSet<String>,
    /// NetworkPolicies (indexes into `Platform::network_policies`) by namespace (`None`: none
    /// given), so that an edge is judged against its namespaces' policies, not every one.
    pub policies_by_namespace: HashMap<Option<String>, Vec<usize>>,
    /// The hosts of Istio ServiceEntries (lower-cased): exact ones, and the suffixes of the
    /// wildcard ones (`*.example.com` → `.example.com`).
    pub entry_hosts: HashSet<String>,
    pub entry_suffixes: Vec<String>,
    /// Per workload (by index): endpoints routing to it, edges (indexes into `Platform::edges`)
    /// it is the consumer or the provider of, gates (indexes into `Platform::gates`) it has.
    pub endpoints_of: Vec<Vec<EndpointId>>,
    pub dependencies_of: Vec<Vec<usize>>,
    pub dependents_of: Vec<Vec<usize>>,
    pub gates_of: Vec<Vec<usize>>,
    /// Per workload (by index): the HorizontalPodAutoscalers and ScaledObjects that target it
    /// (indexes into `Platform::scalers`, in input order), for `scaling::autoscalers`.
    pub autoscalers_of: Vec<Vec<usize>>,
    /// The names (without tag or digest) of the images built or pinned at deploy
    /// (`Platform::built_images`), for `Platform::image_set_at_deploy`.
    pub built_image_names: HashSet<String>,
}

impl Index {
    /// Name tables, built once every object is in the model.
    pub fn names(p: &Platform) -> Index {
        let mut ix = Index::default();
        for e in &p.endpoints {
            ix.endpoints_by_name.entry(e.name.value.to_ascii_lowercase()).or_default().push(e.id);
            for a in &e.aliases {
                let v = ix.endpoints_by_name.entry(a.value.to_ascii_lowercase()).or_default();
                if !v.contains(&e.id) {
                    v.push(e.id);
                }
            }
        }
        for w in &p.workloads {
            ix.workloads_by_name.entry(w.name.value.clone()).or_default().push(w.id);
            ix.workloads_by_namespace.entry(w.namespace.clone()).or_default().push(w.id);
            if w.project.is_none() {
                for (k, v) in &w.pod_labels {
                    ix.workloads_by_pod_label.entry((k.clone(), v.value.clone())).or_default().push(w.id);
                }
            }
        }
        ix.built_image_names =
            p.built_images.iter().map(|b| crate::migration::image_name(&b.value).to_string()).collect();
        for c in &p.configs {
            ix.configs_by_name.entry(c.name.value.clone()).or_default().push(c.id);
        }
        for (i, np) in p.network_policies.iter().enumerate() {
            ix.policies_by_namespace.entry(np.namespace.clone()).or_default().push(i);
        }
        for h in p.mesh.iter().filter(|m| m.kind == crate::mesh::MeshKind::ServiceEntry).flat_map(|m| &m.hosts) {
            let h = h.value.to_ascii_lowercase();
            match h.strip_prefix('*') {
                Some(suffix) => ix.entry_suffixes.push(suffix.to_string()),
                None => {
                    ix.entry_hosts.insert(h);
                }
            }
        }
        for o in &p.objects {
            if let Some(ns) = o.namespace_str() {
                ix.namespaces.insert(ns.to_string());
            }
            if o.kind.value == "Namespace" {
                ix.namespaces.insert(o.name_str().to_string());
            }
        }
        ix
    }

    /// Workloads that may share namespace `ns` (see [`super::same_namespace`]), in id order.
    pub fn workloads_near(&self, p: &Platform, ns: Option<&str>) -> Vec<WorkloadId> {
        match ns {
            None => p.workloads.iter().map(|w| w.id).collect(),
            Some(n) => {
                let mut v: Vec<WorkloadId> = self
                    .workloads_by_namespace
                    .get(&Some(n.to_string()))
                    .into_iter()
                    .chain(self.workloads_by_namespace.get(&None))
                    .flatten()
                    .copied()
                    .collect();
                v.sort();
                v
            }
        }
    }

    /// The Kubernetes workloads whose pods carry every label of `labels` (equality
    /// requirements), in id order: those of the rarest label, filtered. None when `labels` is
    /// empty (a selector with no equality requirement looks at every workload).
    pub fn workloads_with_labels<'a>(
        &self,
        p: &Platform,
        labels: impl Iterator<Item = (&'a String, &'a String)> + Clone,
    ) -> Option<Vec<WorkloadId>> {
        let mut rarest: Option<&Vec<WorkloadId>> = None;
        for (k, v) in labels.clone() {
            // `(String, String)` keys: the lookup needs owned strings.
            let list = self.workloads_by_pod_label.get(&(k.clone(), v.clone()));
            let Some(list) = list else { return Some(Vec::new()) };
            if rarest.is_none_or(|r| list.len() < r.len()) {
                rarest = Some(list);
            }
        }
        let candidates = rarest?;
        Some(
            candidates
                .iter()
                .copied()
                .filter(|w| {
                    let pod = &p.workload(*w).pod_labels;
                    labels.clone().all(|(k, v)| pod.get(k).is_some_and(|l| l.value == *v))
                })
                .collect(),
        )
    }

    /// Per-workload tables, built once edges, endpoints' targets and gates are final.
    pub fn relations(&mut self, p: &Platform) {
        let n = p.workloads.len();
        self.endpoints_of = vec![Vec::new(); n];
        self.dependencies_of = vec![Vec::new(); n];
        self.dependents_of = vec![Vec::new(); n];
        self.gates_of = vec![Vec::new(); n];
        for e in &p.endpoints {
            for t in &e.targets {
                self.endpoints_of[t.index()].push(e.id);
            }
        }
        for (i, e) in p.edges.iter().enumerate() {
            self.dependencies_of[e.consumer.index()].push(i);
            if let Some(pr) = e.provider {
                self.dependents_of[pr.index()].push(i);
            }
        }
        for (i, g) in p.gates.iter().enumerate() {
            self.gates_of[g.consumer.index()].push(i);
        }
        self.autoscalers_of = vec![Vec::new(); n];
        for (i, s) in p.scalers.iter().enumerate() {
            if let super::ScalerKind::Hpa(h) = &s.kind
                && let Some(w) = h.target
            {
                self.autoscalers_of[w.index()].push(i);
            }
        }
    }
}
