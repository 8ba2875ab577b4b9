//! The table from each [`Origin`] to the manifest node a finding about it is fixed at.

use nexus_model::{ResourceRef, Span};

use crate::spec::Origin;

/// Where an [`Origin`] is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginInfo {
    /// The node (a workload's name, a container, the env var that names a provider, a wait
    /// command, a `depends_on` entry, a deploy-script line).
    pub span: Span,
    /// The resource it belongs to (None for deploy-script lines).
    pub resource: Option<ResourceRef>,
    /// The Helm template it was rendered from.
    pub template: Option<String>,
    /// What the node is, for labels: `workload`, `container`, `dependency`, `gate`,
    /// `migration`, `deploy step`.
    pub what: &'static str,
}

/// Origins, by number. `Origin(0)` is "unknown" and has no entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origins {
    entries: Vec<OriginInfo>,
}

impl Origins {
    pub fn add(&mut self, info: OriginInfo) -> Origin {
        self.entries.push(info);
        Origin(self.entries.len() as u32)
    }

    pub fn get(&self, o: Origin) -> Option<&OriginInfo> {
        (o.0 as usize).checked_sub(1).and_then(|i| self.entries.get(i))
    }

    /// Every origin with its entry, in number order.
    pub fn iter(&self) -> impl Iterator<Item = (Origin, &OriginInfo)> {
        self.entries.iter().enumerate().map(|(i, e)| (Origin(i as u32 + 1), e))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
