//! A pod template's parts: containers (image, command, env, ports, probes, resources, mounts)
//! and volumes, each value with its span.

use crate::read::{bool_at, int_at, port_ref, str_at, string_list, string_map};
use crate::{
    ConfigKind, Container, ContainerPort, EnvFrom, EnvSource, EnvVar, Probe, ProbeHandler, Spanned, Volume,
    VolumeMount, VolumeSource,
};
use nexus_source::yaml::NodeRef;

pub(super) fn container(node: NodeRef<'_>, is_init: bool) -> Container {
    let name = str_at(node, "name").unwrap_or_else(|| Spanned::new(String::new(), node.span()));
    let env = node
        .get("env")
        .map(|l| {
            l.items()
                .filter_map(|e| {
                    let name = str_at(e, "name")?;
                    let value = str_at(e, "value");
                    let from = e.get("valueFrom").and_then(env_source);
                    Some(EnvVar { name, value, from, span: e.span() })
                })
                .collect()
        })
        .unwrap_or_default();
    let env_from = node
        .get("envFrom")
        .map(|l| {
            l.items()
                .filter_map(|e| {
                    let (kind, r) = match (e.get("configMapRef"), e.get("secretRef")) {
                        (Some(r), _) => (ConfigKind::ConfigMap, r),
                        (None, Some(r)) => (ConfigKind::Secret, r),
                        _ => return None,
                    };
                    Some(EnvFrom {
                        kind,
                        name: str_at(r, "name")?,
                        prefix: str_at(e, "prefix").map(|p| p.value),
                        optional: bool_at(r, "optional").unwrap_or(false),
                        span: e.span(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let ports = node
        .get("ports")
        .map(|l| {
            l.items()
                .filter_map(|p| {
                    Some(ContainerPort {
                        name: str_at(p, "name"),
                        port: int_at(p, "containerPort")?,
                        protocol: str_at(p, "protocol").map_or_else(|| "TCP".into(), |s| s.value),
                        published: None,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let resources = node.get("resources");
    Container {
        name,
        span: node.span(),
        image: str_at(node, "image"),
        base_image: None,
        entrypoint_script: None,
        command: string_list(node.get("command")),
        args: string_list(node.get("args")),
        env,
        env_from,
        ports,
        readiness: probe(node, "readinessProbe"),
        liveness: probe(node, "livenessProbe"),
        startup: probe(node, "startupProbe"),
        requests: string_map(resources.and_then(|r| r.get("requests"))),
        limits: string_map(resources.and_then(|r| r.get("limits"))),
        restart_policy: str_at(node, "restartPolicy"),
        is_init,
        volume_mounts: node
            .get("volumeMounts")
            .map(|l| {
                l.items()
                    .filter_map(|m| {
                        Some(VolumeMount {
                            name: str_at(m, "name")?,
                            mount_path: str_at(m, "mountPath")?,
                            sub_path: str_at(m, "subPath").map(|s| s.value),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

fn env_source(v: NodeRef<'_>) -> Option<EnvSource> {
    if let Some(r) = v.get("configMapKeyRef") {
        return Some(EnvSource::ConfigMapKey {
            name: str_at(r, "name")?,
            key: str_at(r, "key")?,
            optional: bool_at(r, "optional").unwrap_or(false),
        });
    }
    if let Some(r) = v.get("secretKeyRef") {
        return Some(EnvSource::SecretKey {
            name: str_at(r, "name")?,
            key: str_at(r, "key")?,
            optional: bool_at(r, "optional").unwrap_or(false),
        });
    }
    if let Some(r) = v.get("fieldRef") {
        return Some(EnvSource::Field(str_at(r, "fieldPath")?));
    }
    if let Some(r) = v.get("resourceFieldRef") {
        return Some(EnvSource::ResourceField(str_at(r, "resource")?));
    }
    None
}

fn seconds_ms(node: NodeRef<'_>, key: &str) -> Option<Spanned<i64>> {
    int_at(node, key).map(|s| s.map(|v| v.saturating_mul(1000)))
}

fn probe(container: NodeRef<'_>, key: &str) -> Option<Probe> {
    let entry = container.entry(key)?;
    let p = entry.value;
    let handler = if let Some(h) = p.get("httpGet") {
        match h.get("port").and_then(port_ref) {
            Some(port) => {
                ProbeHandler::Http { port, path: str_at(h, "path"), host: str_at(h, "host").map(|s| s.value) }
            }
            None => ProbeHandler::None,
        }
    } else if let Some(h) = p.get("tcpSocket") {
        match h.get("port").and_then(port_ref) {
            Some(port) => ProbeHandler::Tcp { port, host: str_at(h, "host").map(|s| s.value) },
            None => ProbeHandler::None,
        }
    } else if let Some(h) = p.get("grpc") {
        match h.get("port").and_then(port_ref) {
            Some(port) => ProbeHandler::Grpc { port },
            None => ProbeHandler::None,
        }
    } else if let Some(h) = p.get("exec") {
        ProbeHandler::Exec { command: string_list(h.get("command")) }
    } else {
        ProbeHandler::None
    };
    Some(Probe {
        key_span: entry.key.span(),
        span: p.span(),
        handler,
        initial_delay_ms: seconds_ms(p, "initialDelaySeconds"),
        period_ms: seconds_ms(p, "periodSeconds"),
        timeout_ms: seconds_ms(p, "timeoutSeconds"),
        failure_threshold: int_at(p, "failureThreshold"),
        success_threshold: int_at(p, "successThreshold"),
        start_period_ms: None,
        start_interval_ms: None,
        disabled: false,
    })
}

pub(super) fn volume(v: NodeRef<'_>) -> Option<Volume> {
    let name = str_at(v, "name")?;
    let items = |n: NodeRef<'_>| -> Vec<Spanned<String>> {
        n.get("items").map(|l| l.items().filter_map(|i| str_at(i, "key")).collect()).unwrap_or_default()
    };
    let source = if let Some(c) = v.get("configMap") {
        VolumeSource::ConfigMap {
            name: str_at(c, "name")?,
            optional: bool_at(c, "optional").unwrap_or(false),
            items: items(c),
        }
    } else if let Some(s) = v.get("secret") {
        VolumeSource::Secret {
            name: str_at(s, "secretName")?,
            optional: bool_at(s, "optional").unwrap_or(false),
            items: items(s),
        }
    } else if let Some(p) = v.get("projected") {
        let mut out = Vec::new();
        for s in p.get("sources").into_iter().flat_map(|l| l.items()) {
            for (key, kind) in [("configMap", ConfigKind::ConfigMap), ("secret", ConfigKind::Secret)] {
                if let Some(r) = s.get(key)
                    && let Some(n) = str_at(r, "name")
                {
                    out.push((kind, n, bool_at(r, "optional").unwrap_or(false)));
                }
            }
        }
        VolumeSource::Projected(out)
    } else if let Some(p) = v.get("persistentVolumeClaim") {
        VolumeSource::Pvc(str_at(p, "claimName")?)
    } else if v.get("emptyDir").is_some() {
        VolumeSource::EmptyDir
    } else if let Some(h) = v.get("hostPath") {
        VolumeSource::HostPath(str_at(h, "path").map(|s| s.value).unwrap_or_default())
    } else {
        VolumeSource::Other(
            v.entries().find(|e| e.key.as_str() != Some("name")).and_then(|e| e.key.as_str()).unwrap_or("").to_string(),
        )
    };
    Some(Volume { name, span: v.span(), source })
}
