//! Network (NX7xx): whether the cluster lets dependencies connect at all.

mod network_policy_blocks_dependency;
mod reach;

pub use network_policy_blocks_dependency::NetworkPolicyBlocksDependency;
