//! JSON Schemas for config data: where a declared schema is found, compiling it, and turning
//! its violations into problems at the offending node.
//!
//! Schemas are files of the repository, read through the same file access as every other
//! auxiliary file; nothing is ever fetched (a URL is refused, and `$ref`s to other documents do
//! not resolve, the validator having no retriever). A path in an annotation is looked for from
//! the manifest's directory upward, so `schemas/app.json` works wherever the manifests sit; a
//! path in `.nexus-lint.yaml` is relative to that file.

use jsonschema::Validator;
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

use nexus_source::shell::eval::paths::{dirname, join};

use super::formats::Doc;
use crate::redact::is_secret_name;

/// At most this many violations are reported per document.
pub const MAX_VIOLATIONS: usize = 20;

/// The paths where a schema written as `written` in a file at `path` may be, nearest first;
/// Err with the reason when it is not a repository path.
pub fn candidates(written: &str, path: &str) -> Result<Vec<String>, String> {
    let w = written.trim();
    if w.contains("://") {
        return Err(format!(
            "schema `{w}` is a URL; nexus-lint reads schemas from the repository and never fetches them"
        ));
    }
    if w.is_empty() {
        return Err("the schema annotation names no file".into());
    }
    if w.starts_with('/') {
        return Ok(vec![w.to_string()]);
    }
    let mut out = Vec::new();
    let mut dir = dirname(path);
    for _ in 0..8 {
        out.push(join(&dir, w));
        if dir.is_empty() || dir == "/" {
            break;
        }
        dir = dirname(&dir);
    }
    out.dedup();
    Ok(out)
}

/// Compiles a schema file's text (JSON, or YAML for `.yaml`/`.yml` files).
pub fn compile(path: &str, text: &str) -> Result<Validator, String> {
    let value: Value = if path.ends_with(".yaml") || path.ends_with(".yml") {
        let y = nexus_source::yaml::parse(
            nexus_source::FileId(u32::MAX),
            std::sync::Arc::from(text),
            &nexus_source::yaml::Limits::default(),
        );
        let root = y.docs.iter().find_map(|d| y.root(d)).ok_or("it is empty")?;
        nexus_source::yaml::json::to_json(root)
    } else {
        serde_json::from_str(text).map_err(|e| format!("it is not valid JSON: {e}"))?
    };
    jsonschema::validator_for(&value).map_err(|e| format!("it is not a usable JSON Schema: {e}"))
}

/// One violation: the node it is about (a key, for an unexpected one), and the message.
pub struct Violation {
    /// JSON pointer of the node in the document.
    pub pointer: String,
    /// The node to point at: `(pointer, at the key)`.
    pub at: (String, bool),
    pub message: String,
}

/// Validates a document; messages never quote a value under a credential-like key.
pub fn violations(validator: &Validator, doc: &Doc) -> Vec<Violation> {
    let mut out = Vec::new();
    for e in validator.iter_errors(&doc.value).take(MAX_VIOLATIONS) {
        let pointer = e.instance_path().as_str().to_string();
        let secret = pointer.split('/').any(is_secret_name);
        let (at, message) = match e.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } if !unexpected.is_empty() => {
                let key = &unexpected[0];
                let child = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                let names = unexpected.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
                let plural = if unexpected.len() == 1 { "is" } else { "are" };
                ((child, true), format!("{names} {plural} not allowed here"))
            }
            _ if secret => ((pointer.clone(), false), e.masked().to_string()),
            _ => ((pointer.clone(), false), e.to_string()),
        };
        out.push(Violation { pointer, at, message });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_paths_walk_up_and_urls_are_refused() {
        assert_eq!(
            candidates("schemas/a.json", "repo/k8s/prod/cm.yaml").unwrap(),
            ["repo/k8s/prod/schemas/a.json", "repo/k8s/schemas/a.json", "repo/schemas/a.json", "schemas/a.json"]
        );
        assert!(candidates("https://example.com/s.json", "cm.yaml").unwrap_err().contains("never fetches"));
        assert!(compile("s.json", "{\"type\": 3}").is_err());
        assert!(compile("s.json", "{nope").unwrap_err().contains("not valid JSON"));
    }

    #[test]
    fn violations_point_at_nodes_and_hide_secrets() {
        let v = compile(
            "s.json",
            r#"{"type":"object","additionalProperties":false,"properties":{"port":{"type":"integer"},"db_password":{"type":"integer"}}}"#,
        )
        .unwrap();
        let doc = &super::super::formats::json(
            r#"{"port": "80", "db_password": "hunter2", "extra": 1}"#,
            super::super::formats::Detail::Full,
        )
        .unwrap()[0];
        let found = violations(&v, doc);
        let msgs: Vec<&str> = found.iter().map(|x| x.message.as_str()).collect();
        assert!(msgs.iter().any(|m| m.contains("\"80\"")), "{msgs:?}");
        assert!(msgs.iter().all(|m| !m.contains("hunter2")), "{msgs:?}");
        assert!(found.iter().any(|x| x.at == ("/extra".to_string(), true)), "{msgs:?}");
    }
}
