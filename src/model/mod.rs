//! The platform model: one format-neutral description of what the Kubernetes manifests and
//! Compose files of a repository deploy (PRODUCT.md §2).
//!
//! Rules and the simulator read only this. Every value a rule can report on is a
//! [`Spanned`] value, so no rule can lose the position of what it talks about. Objects are kept
//! in plain vectors indexed by typed ids and built in input order, which is sorted, so every
//! iteration over the model is deterministic.
//!
//! The front ends ([`crate::k8s`], [`crate::compose`]) fill it; [`link`] then resolves what
//! refers to what (Service selectors to workloads, config references to their sources, HPAs to
//! their targets, explicit dependency edges to providers).

mod deps;
pub mod gates;
pub mod index;
pub mod infer;
pub mod labels;
pub mod link;
pub mod migration;
pub mod plan;
pub mod read;
pub mod redact;
mod types;
pub mod waits;

pub use deps::*;
pub use labels::{LabelSelector, Requirement, SelectorOp};
pub use types::*;

use crate::source::Span;

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
