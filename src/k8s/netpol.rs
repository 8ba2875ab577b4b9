//! NetworkPolicies (being written).

use crate::model::{NetworkPolicy, Object};
use crate::source::yaml::NodeRef;

/// Reads a `networking.k8s.io/v1` NetworkPolicy.
pub fn read(_root: NodeRef<'_>, _object: &Object) -> Option<NetworkPolicy> {
    None
}
