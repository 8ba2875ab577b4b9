// The corrections to the vendored Kubernetes schemas, applied when the build script
// (`crates/nexus-model/build.rs`) compiles them: it includes this file (`include!`), so it holds
// only constants and is not a module of the crate.

/// Enumerations that the API documents only in prose (the OpenAPI spec has no `enum` for them),
/// so the schemas cannot carry them: the values from the API reference for 1.37.
const KNOWN_ENUMS: &[(&str, &str, &[&str])] = &[
    ("io.k8s.api.core.v1.PodSpec", "restartPolicy", &["Always", "OnFailure", "Never"]),
    ("io.k8s.api.core.v1.PodSpec", "dnsPolicy", &["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]),
    ("io.k8s.api.core.v1.Container", "imagePullPolicy", &["Always", "IfNotPresent", "Never"]),
    ("io.k8s.api.core.v1.Container", "restartPolicy", &["Always"]),
    ("io.k8s.api.core.v1.Container", "terminationMessagePolicy", &["File", "FallbackToLogsOnError"]),
    ("io.k8s.api.core.v1.ContainerPort", "protocol", &["TCP", "UDP", "SCTP"]),
    ("io.k8s.api.core.v1.ServicePort", "protocol", &["TCP", "UDP", "SCTP"]),
    ("io.k8s.api.core.v1.ServiceSpec", "type", &["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]),
    ("io.k8s.api.core.v1.ServiceSpec", "externalTrafficPolicy", &["Cluster", "Local"]),
    ("io.k8s.api.core.v1.ServiceSpec", "internalTrafficPolicy", &["Cluster", "Local"]),
    ("io.k8s.api.core.v1.ServiceSpec", "sessionAffinity", &["ClientIP", "None"]),
    ("io.k8s.api.apps.v1.DeploymentStrategy", "type", &["Recreate", "RollingUpdate"]),
    ("io.k8s.api.apps.v1.StatefulSetSpec", "podManagementPolicy", &["OrderedReady", "Parallel"]),
    ("io.k8s.api.apps.v1.StatefulSetUpdateStrategy", "type", &["OnDelete", "RollingUpdate"]),
    ("io.k8s.api.apps.v1.DaemonSetUpdateStrategy", "type", &["OnDelete", "RollingUpdate"]),
    ("io.k8s.api.batch.v1.JobSpec", "completionMode", &["NonIndexed", "Indexed"]),
    ("io.k8s.api.batch.v1.CronJobSpec", "concurrencyPolicy", &["Allow", "Forbid", "Replace"]),
    ("io.k8s.api.core.v1.PersistentVolumeClaimSpec", "volumeMode", &["Filesystem", "Block"]),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement",
        "operator",
        &["In", "NotIn", "Exists", "DoesNotExist"],
    ),
    ("io.k8s.api.autoscaling.v2.MetricSpec", "type", &["ContainerResource", "External", "Object", "Pods", "Resource"]),
    ("io.k8s.api.autoscaling.v2.MetricTarget", "type", &["AverageValue", "Utilization", "Value"]),
    ("io.k8s.api.autoscaling.v2.HPAScalingRules", "selectPolicy", &["Disabled", "Max", "Min"]),
    ("io.k8s.api.autoscaling.v2.HPAScalingPolicy", "type", &["Percent", "Pods"]),
    ("io.k8s.api.networking.v1.NetworkPolicyPort", "protocol", &["TCP", "UDP", "SCTP"]),
    ("io.k8s.api.networking.v1.HTTPIngressPath", "pathType", &["Exact", "ImplementationSpecific", "Prefix"]),
];

/// Lower bounds that the API server enforces in validation code, not in the OpenAPI spec
/// (`ValidateNonnegativeField` and friends in `pkg/apis/*/validation`): a negative replica
/// count is rejected at apply time.
const KNOWN_MINIMUMS: &[(&str, &str, i64)] = &[
    ("io.k8s.api.apps.v1.DeploymentSpec", "replicas", 0),
    ("io.k8s.api.apps.v1.StatefulSetSpec", "replicas", 0),
    ("io.k8s.api.apps.v1.ReplicaSetSpec", "replicas", 0),
    ("io.k8s.api.core.v1.ReplicationControllerSpec", "replicas", 0),
    ("io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec", "minReplicas", 1),
    ("io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec", "maxReplicas", 1),
    ("io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerSpec", "minReplicas", 1),
    ("io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerSpec", "maxReplicas", 1),
    ("io.k8s.api.batch.v1.JobSpec", "parallelism", 0),
    ("io.k8s.api.batch.v1.JobSpec", "completions", 0),
    ("io.k8s.api.batch.v1.JobSpec", "backoffLimit", 0),
];
