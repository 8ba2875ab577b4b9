//! Conversion of a node to `serde_json::Value`, for JSON Schema validation of Compose files.
//! Aliases are expanded here; the tree's expansion limit has already bounded the size.

use serde_json::{Map, Number, Value};

use super::{NodeKind, NodeRef, Plain};

/// The JSON value of a typed scalar whose text is `text`.
pub fn scalar(typed: Plain, text: &str) -> Value {
    match typed {
        Plain::Null => Value::Null,
        Plain::Bool(b) => Value::Bool(b),
        Plain::Int(i) => match (i64::try_from(i), u64::try_from(i)) {
            (Ok(v), _) => Value::Number(v.into()),
            (_, Ok(v)) => Value::Number(v.into()),
            _ => Number::from_f64(i as f64).map_or(Value::Null, Value::Number),
        },
        // `.inf` and `.nan` have no JSON number: keep the text.
        Plain::Float(f) => Number::from_f64(f).map_or_else(|| Value::String(text.to_string()), Value::Number),
        Plain::Str => Value::String(text.to_string()),
    }
}

pub fn to_json(node: NodeRef<'_>) -> Value {
    to_json_depth(node, 0)
}

fn to_json_depth(node: NodeRef<'_>, depth: usize) -> Value {
    if depth > 256 {
        return Value::Null;
    }
    let node = node.resolve();
    match &node.node().kind {
        NodeKind::Scalar(_) => scalar(node.scalar_type().unwrap_or(Plain::Str), node.as_str().unwrap_or_default()),
        NodeKind::Seq(_) => Value::Array(node.items().map(|n| to_json_depth(n, depth + 1)).collect()),
        NodeKind::Map(_) => {
            let mut m = Map::new();
            for e in node.entries() {
                let k = e.key.as_str().unwrap_or_default().to_string();
                m.entry(k).or_insert_with(|| to_json_depth(e.value, depth + 1));
            }
            Value::Object(m)
        }
        NodeKind::Alias(_) => Value::Null,
    }
}
