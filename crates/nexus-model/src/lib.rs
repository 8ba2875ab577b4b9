//! The platform model: one format-neutral description of what the Kubernetes manifests and
//! Compose files of a repository deploy (PRODUCT.md §2).
//!
//! Rules and the simulator read only this. Every value a rule can report on is a
//! [`Spanned`] value, so no rule can lose the position of what it talks about. Objects are kept
//! in plain vectors indexed by typed ids and built in input order, which is sorted, so every
//! iteration over the model is deterministic.
//!
//! The front ends (`k8s`, `compose`) fill it; `link` then resolves what refers to what
//! (Service selectors to workloads, config references to their sources, HPAs to their targets,
//! explicit dependency edges to providers) and derives the rest: inferred dependencies, gates,
//! deploy plans, migrations. [`load`] runs all of it over files that were read.
//!
//! Two readers use the model: the rules and the simulator. Neither sees source text: what they
//! report on is a [`Span`], re-exported here with [`FileId`], and file paths are in
//! [`Platform::path`].

pub mod background;
pub mod backup;
pub mod capacity;
pub mod clients;
mod compose;
pub mod config_rollout;
pub mod declared;
mod deps;
mod durations;
pub mod gates;
mod index;
pub mod infer;
mod k8s;
pub mod kustomize;
mod labels;
mod link;
pub mod load;
pub mod mesh;
pub mod migration;
pub mod migration_facts;
pub mod migration_order;
mod plan;
pub mod probes;
pub mod reach;
mod read;
pub mod redact;
pub mod roles;
pub mod scaling;
mod similar;
pub mod structured;
mod templates;
#[cfg(test)]
mod testing;
mod types;
mod waits;
mod workload;

pub use deps::*;
pub use labels::{LabelSelector, Requirement, SelectorOp};
pub use similar::suggest;
pub use types::*;
pub use workload::*;

pub use nexus_source::{FileId, Span};

/// A value and where it is written. `via` is the alias or merge key that brought it in, when
/// the value is defined elsewhere (a YAML anchor) than where it applies.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
    pub via: Option<Span>,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span, via: None }
    }

    pub fn with_via(value: T, span: Span, via: Option<Span>) -> Self {
        Spanned { value, span, via }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Spanned<U> {
        Spanned { value: f(self.value), span: self.span, via: self.via }
    }

    pub fn as_ref(&self) -> Spanned<&T> {
        Spanned { value: &self.value, span: self.span, via: self.via }
    }
}

impl Spanned<String> {
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

impl<T: std::fmt::Display> std::fmt::Display for Spanned<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.value.fmt(f)
    }
}
