//! The JSON Schema of `.nexus-lint.yaml`, printed by `nexus-lint config-schema` for editors
//! (yaml-language-server: `# yaml-language-server: $schema=…`). It mirrors [`crate::config`]'s
//! `ConfigFile`, which stays the authority: the file is still read by that code, with its
//! errors at their line and column; a test keeps the two in step (every key the schema names is
//! accepted by the reader, and an unknown key is refused by both).

use serde_json::{Value, json};

fn strings(description: &str) -> Value {
    json!({"type": "array", "items": {"type": "string"}, "description": description})
}

fn rules_list(description: &str) -> Value {
    json!({
        "type": "array",
        "description": description,
        "items": {"type": "string", "examples": rule_examples()}
    })
}

/// Rule codes and names, for completion.
fn rule_examples() -> Vec<String> {
    nexus_rules::all().iter().flat_map(|r| [r.code.to_string(), r.name.to_string()]).collect()
}

fn duration(description: &str) -> Value {
    json!({"type": ["string", "integer"], "description": description})
}

/// The schema, as a JSON value.
pub fn schema() -> Value {
    let dist = "A duration distribution: `12` (seconds), `500ms`, `5..30`, `lognormal(5, 20)`.";
    let defaults: serde_json::Map<String, Value> = [
        "app-start",
        "one-shot",
        "migration",
        "crash-after-refused",
        "connect-after",
        "schedule",
        "image-pull",
        "api-create",
        "controller-reaction",
        "endpoint-programming",
        "kubelet-jitter",
        "compose-start",
    ]
    .into_iter()
    .map(|k| (k.to_string(), duration(dist)))
    .chain([("poll".to_string(), duration("How often a wait loop polls (`2s`)."))])
    .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://nexus-lint.dev/schemas/nexus-lint.schema.json",
        "title": ".nexus-lint.yaml",
        "description": "Configuration of nexus-lint, found from the working directory upward (or given with --config).",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "select": rules_list("Rules to run: codes (`NX501`), prefixes (`NX1`, `NX50`), names, or `ALL`. Default: all."),
            "ignore": rules_list("Rules not to run."),
            "severity": {
                "type": "object",
                "description": "Severity per rule code or name.",
                "propertyNames": {"examples": rule_examples()},
                "additionalProperties": {"enum": ["error", "warning", "info", "off"]}
            },
            "exclude": strings("Glob patterns of paths not to read (`vendor/`, `**/charts/**`)."),
            "fail-on": {"enum": ["error", "warning", "info", "never"], "description": "Lowest severity that fails the run (default `warning`)."},
            "max-file-size": {"type": "integer", "minimum": 1, "description": "Files larger than this many bytes are reported, not read."},
            "ignores": {
                "type": "array",
                "description": "Findings to accept, each with a reason.",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["rules", "reason"],
                    "properties": {
                        "rules": rules_list("Rule codes or names this entry accepts."),
                        "resource": {"type": "string", "description": "Resource identity (`Deployment/prod/api`, `compose:web`); `*` globs."},
                        "path": {"type": "string", "description": "Path glob of the files it applies to."},
                        "reason": {"type": "string", "minLength": 1, "description": "Why the finding is accepted."},
                        "expires": {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}$", "description": "`YYYY-MM-DD`: after this date the entry no longer applies and is reported."}
                    }
                }
            },
            "roles": {
                "type": "array",
                "description": "Roles for workloads whose role nexus-lint cannot tell.",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["role"],
                    "properties": {
                        "resource": {"type": "string", "description": "Resource identity (`compose:edge`, `Deployment/shop/gateway`); `*` globs."},
                        "image": {"type": "string", "description": "Image of the main container (`ghcr.io/acme/gateway:*`); `*` globs."},
                        "role": {"enum": ["server", "datastore", "cache", "queue", "migration", "one-shot", "proxy", "observability", "admin"]}
                    }
                }
            },
            "simulate": {
                "type": "object",
                "description": "Simulation settings (`nexus-lint simulate`, `check --simulate`).",
                "additionalProperties": false,
                "properties": {
                    "trials": {"type": "integer", "minimum": 1, "description": "Monte Carlo trials (default 10,000)."},
                    "seed": {"type": "integer", "minimum": 0, "description": "The master seed (default: a new one each run, printed)."},
                    "profile": {"type": "string", "description": "Kubelet CrashLoopBackOff profile: `classic`, `reduced-decay`, `node-max=30s`."},
                    "deadline": duration("NX904's deadline (default `15m`)."),
                    "images": {"enum": ["cached", "cold"], "description": "Image pulls (default `cached`)."},
                    "on-check": {"type": "boolean", "description": "`check` also runs a short simulation."},
                    "check-trials": {"type": "integer", "minimum": 1, "description": "Trials of that short simulation (default 1,000)."},
                    "deploy-script": {"type": "string", "description": "The deploy script to follow when several are read."},
                    "compose-wait": {"type": "boolean", "description": "Compose starts with `docker compose up --wait`."},
                    "defaults": {"type": "object", "additionalProperties": false, "properties": defaults, "description": "Durations the manifests and annotations do not give."}
                }
            },
            "capacity": {
                "type": "array",
                "description": "Connection pools and datastore limits the manifests do not say (NX305).",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "anyOf": [{"required": ["resource"]}, {"required": ["image"]}],
                    "properties": {
                        "resource": {"type": "string", "description": "Resource identity (`Deployment/*/api`); `*` globs."},
                        "image": {"type": "string", "description": "Image of the main container (`postgres:*`); `*` globs."},
                        "pool": {"type": "integer", "minimum": 1, "description": "A client's connection pool per process."},
                        "processes": {"type": "integer", "minimum": 1, "description": "A client's processes per pod."},
                        "connections": {"type": "integer", "minimum": 1, "description": "A client's connections per pod (instead of `pool` and `processes`)."},
                        "max-connections": {"type": "integer", "minimum": 1, "description": "A server's connection limit."}
                    }
                }
            },
            "migrations": {
                "type": "object",
                "description": "Migration settings (NX201, NX204).",
                "additionalProperties": false,
                "properties": {
                    "locks": {
                        "type": "object",
                        "description": "Tool (`django`, `alembic`, `flyway`, …) → whether it serializes concurrent runs, over nexus-lint's defaults (NX204).",
                        "additionalProperties": {"type": "boolean"}
                    },
                    "self-migrating": strings("Resources (`compose:web`, `Deployment/*/api`; `*` globs) that migrate their own schema (NX201).")
                }
            },
            "external": {
                "type": "array",
                "description": "ConfigMaps, Secrets and Services created outside the repository (NX401, NX702): `Kind/name` or `Kind/namespace/name`, `*` globs.",
                "items": {"type": "string", "pattern": "^[^/]+(/[^/]+){0,2}$", "examples": ["Secret/registry-credentials", "Secret/prod/*-tls", "ConfigMap/*/ca-bundle"]}
            },
            "schemas": {
                "type": "array",
                "description": "JSON Schemas that ConfigMap (or Compose config) data follows (NX403).",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["name", "schema"],
                    "properties": {
                        "name": {"type": "string", "description": "The ConfigMap or Compose config name; `*` globs."},
                        "namespace": {"type": "string", "description": "Only in this namespace."},
                        "key": {"type": "string", "description": "Only this data key (`settings.json`); default: every structured key, or the whole data when there is none."},
                        "schema": {"type": "string", "pattern": "^(?!.*://)", "description": "The schema file (JSON or YAML), relative to `.nexus-lint.yaml`; never fetched."}
                    }
                }
            },
            "drift": {
                "type": "object",
                "description": "Compose and Kubernetes drift (NX405).",
                "additionalProperties": false,
                "properties": {
                    "pairs": {
                        "type": "array",
                        "description": "Compose services and the Kubernetes workloads that run the same service, where names and images do not say so.",
                        "items": {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["compose", "kubernetes"],
                            "properties": {
                                "compose": {"type": "string", "description": "The Compose service name; `*` globs."},
                                "kubernetes": {"type": "string", "description": "The Kubernetes resource (`Deployment/shop/api`); `*` globs."}
                            }
                        }
                    },
                    "ignore-env": strings("Environment variables that may differ between the two (`*` globs).")
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_config;

    fn validator() -> jsonschema::Validator {
        jsonschema::validator_for(&schema()).expect("a valid JSON Schema")
    }

    fn yaml_to_json(text: &str) -> Value {
        let y = nexus_source::yaml::parse(
            nexus_source::FileId(0),
            std::sync::Arc::from(text),
            &nexus_source::yaml::Limits::default(),
        );
        let root = y.docs.iter().find_map(|d| y.root(d)).expect("a document");
        nexus_source::yaml::json::to_json(root)
    }

    const FULL: &str = "select: [NX1, NX4]\nignore: [NX005]\nseverity: {mutable-image-tag: error, NX404: off}\nexclude: [vendor/]\nfail-on: warning\nmax-file-size: 8388608\nignores:\n  - rules: [NX501]\n    resource: Deployment/legacy/*\n    path: k8s/legacy/**\n    reason: vendor image\n    expires: 2027-03-31\nroles:\n  - resource: compose:edge\n    role: proxy\nsimulate:\n  trials: 100\n  seed: 42\n  profile: classic\n  deadline: 15m\n  images: cold\n  on-check: true\n  check-trials: 10\n  deploy-script: deploy.sh\n  compose-wait: true\n  defaults: {app-start: 5..30, poll: 2s}\nexternal: [Secret/registry-credentials]\nschemas:\n  - name: app-settings\n    key: settings.json\n    namespace: prod\n    schema: schemas/settings.schema.json\ncapacity:\n  - resource: Deployment/*/api\n    pool: 20\n    processes: 4\n  - image: 'postgres:*'\n    max-connections: 500\nmigrations:\n  locks: {alembic: true}\n  self-migrating: [compose:web]\ndrift:\n  pairs: [{compose: api, kubernetes: Deployment/shop/api}]\n  ignore-env: [LOG_LEVEL]\n";

    #[test]
    fn every_key_of_the_schema_is_read_and_unknown_keys_are_refused_by_both() {
        let v = validator();
        assert!(
            v.is_valid(&yaml_to_json(FULL)),
            "{:?}",
            v.iter_errors(&yaml_to_json(FULL)).map(|e| e.to_string()).collect::<Vec<_>>()
        );
        parse_config(".nexus-lint.yaml", FULL).expect("the reader accepts it too");
        // Every top-level key of the schema appears in FULL, which the reader accepts.
        let full = yaml_to_json(FULL);
        for key in schema()["properties"].as_object().unwrap().keys() {
            assert!(full.get(key).is_some(), "FULL lacks `{key}`");
        }
        for bad in ["colour: always\n", "drift: {pair: []}\n", "schemas: [{name: a}]\n", "fail-on: sometimes\n"] {
            assert!(!v.is_valid(&yaml_to_json(bad)), "schema accepts {bad}");
        }
        for bad in ["colour: always\n", "drift: {pair: []}\n", "schemas: [{name: a}]\n"] {
            assert!(parse_config(".nexus-lint.yaml", bad).is_err(), "reader accepts {bad}");
        }
    }
}
