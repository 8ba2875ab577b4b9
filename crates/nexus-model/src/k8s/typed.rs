//! k8s-openapi types (Kubernetes 1.37, feature `v1_37`) for the kinds the model uses.

use k8s_openapi::api::{apps, autoscaling, batch, core, networking, policy};

use nexus_source::yaml::NodeRef;
use nexus_source::yaml::de::{DeError, from_node};

/// A Kubernetes object of a kind the model reads, as its typed API struct.
#[derive(Debug, Clone)]
pub enum TypedObject {
    Deployment(Box<apps::v1::Deployment>),
    StatefulSet(Box<apps::v1::StatefulSet>),
    DaemonSet(Box<apps::v1::DaemonSet>),
    ReplicaSet(Box<apps::v1::ReplicaSet>),
    Job(Box<batch::v1::Job>),
    CronJob(Box<batch::v1::CronJob>),
    Pod(Box<core::v1::Pod>),
    Service(Box<core::v1::Service>),
    ConfigMap(Box<core::v1::ConfigMap>),
    Secret(Box<core::v1::Secret>),
    Namespace(Box<core::v1::Namespace>),
    HorizontalPodAutoscalerV2(Box<autoscaling::v2::HorizontalPodAutoscaler>),
    HorizontalPodAutoscalerV1(Box<autoscaling::v1::HorizontalPodAutoscaler>),
    PodDisruptionBudget(Box<policy::v1::PodDisruptionBudget>),
    NetworkPolicy(Box<networking::v1::NetworkPolicy>),
    Ingress(Box<networking::v1::Ingress>),
}

/// Deserializes an object of a modelled kind; None for kinds the model does not type.
pub fn deserialize(api_version: &str, kind: &str, root: NodeRef<'_>) -> Option<Result<TypedObject, DeError>> {
    macro_rules! de {
        ($variant:ident) => {
            Some(from_node(root).map(|o| TypedObject::$variant(Box::new(o))))
        };
    }
    match (api_version, kind) {
        ("apps/v1", "Deployment") => de!(Deployment),
        ("apps/v1", "StatefulSet") => de!(StatefulSet),
        ("apps/v1", "DaemonSet") => de!(DaemonSet),
        ("apps/v1", "ReplicaSet") => de!(ReplicaSet),
        ("batch/v1", "Job") => de!(Job),
        ("batch/v1", "CronJob") => de!(CronJob),
        ("v1", "Pod") => de!(Pod),
        ("v1", "Service") => de!(Service),
        ("v1", "ConfigMap") => de!(ConfigMap),
        ("v1", "Secret") => de!(Secret),
        ("v1", "Namespace") => de!(Namespace),
        ("autoscaling/v2", "HorizontalPodAutoscaler") => de!(HorizontalPodAutoscalerV2),
        ("autoscaling/v1", "HorizontalPodAutoscaler") => de!(HorizontalPodAutoscalerV1),
        ("policy/v1", "PodDisruptionBudget") => de!(PodDisruptionBudget),
        ("networking.k8s.io/v1", "NetworkPolicy") => de!(NetworkPolicy),
        ("networking.k8s.io/v1", "Ingress") => de!(Ingress),
        _ => None,
    }
}
