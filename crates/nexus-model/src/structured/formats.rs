//! Embedded files → a JSON value for schema validation, with where each of its nodes is
//! written: JSON and YAML through the spanned YAML tree (JSON is YAML 1.2; serde_json first
//! checks that JSON is JSON), TOML through `toml`'s spanned tables, Java properties by hand.
//!
//! Offsets are bytes of the embedded text; the caller maps them into the manifest.

use std::collections::BTreeMap;
use std::sync::Arc;

use nexus_source::FileId;
use nexus_source::yaml::{self, Limits, NodeRef};
use serde_json::{Map, Value};

/// A byte range of the embedded text.
pub type Range = (usize, usize);

/// A parsed embedded document.
#[derive(Debug, Default)]
pub struct Doc {
    pub value: Value,
    /// JSON pointer → (the key's range, when the node is a map entry; the value's range).
    pub nodes: BTreeMap<String, (Option<Range>, Range)>,
    /// Scalar leaves under a key: (key, key range, value text, value range).
    pub leaves: Vec<(String, Range, String, Range)>,
}

/// Why an embedded file could not be read.
#[derive(Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub at: Range,
    pub message: String,
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The offset of a 1-based line and column in `text`, moved back to a character boundary (a
/// parser's column may land inside a multi-byte character).
fn offset(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let at = (start + column.saturating_sub(1)).min(text.len());
    (0..=at).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0)
}

/// How much of a document to keep: everything, for a schema to validate, or only its leaves
/// under credential-named keys (issue 15: most entries have no schema, and building their JSON
/// value and pointer table was most of the structured-config stage).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Detail {
    Full,
    Credentials,
}

/// JSON: checked by serde_json, located through the YAML tree.
pub fn json(text: &str, detail: Detail) -> Result<Vec<Doc>, SyntaxError> {
    let syntax = |e: serde_json::Error| {
        let at = offset(text, e.line(), e.column());
        SyntaxError { at: (at, (at + 1).min(text.len()).max(at)), message: e.to_string() }
    };
    if detail == Detail::Credentials {
        // Checked without building a value; an error is found again by a full parse, whose
        // position and wording are those of the schema path (skipping a string reports a
        // control character one column earlier).
        if serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() {
            serde_json::from_str::<Value>(text).map_err(syntax)?;
        }
        if !may_name_credentials(text) {
            return Ok(vec![Doc::default()]);
        }
        let mut docs = yaml_docs(text, Walk::Credentials).unwrap_or_default();
        docs.truncate(1);
        return Ok(docs);
    }
    let value: Value = serde_json::from_str(text).map_err(syntax)?;
    let mut docs = yaml_docs(text, Walk::Full).unwrap_or_default();
    match docs.first_mut() {
        Some(d) => d.value = value,
        None => docs.push(Doc { value, ..Doc::default() }),
    }
    docs.truncate(1);
    Ok(docs)
}

/// YAML: every non-empty document.
pub fn yaml(text: &str, detail: Detail) -> Result<Vec<Doc>, SyntaxError> {
    let walk = match detail {
        Detail::Full => Walk::Full,
        Detail::Credentials if may_name_credentials(text) => Walk::Credentials,
        Detail::Credentials => Walk::Nothing,
    };
    yaml_docs(text, walk)
}

/// What [`yaml_docs`] keeps of each document beyond its syntax check.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Walk {
    Full,
    Credentials,
    Nothing,
}

fn yaml_docs(text: &str, walk: Walk) -> Result<Vec<Doc>, SyntaxError> {
    let y = yaml::parse(FileId(u32::MAX), Arc::from(text), &Limits::default());
    if let Some(p) = y
        .problems
        .iter()
        .find(|p| !matches!(p.kind, yaml::ProblemKind::AmbiguousScalar | yaml::ProblemKind::DuplicateKey))
    {
        return Err(SyntaxError { at: (p.start as usize, p.end as usize), message: p.message.clone() });
    }
    let mut out = Vec::new();
    for d in &y.docs {
        let Some(root) = y.root(d) else { continue };
        let mut doc = Doc::default();
        match walk {
            Walk::Full => {
                doc.value = yaml::json::to_json(root);
                walk_yaml(root, String::new(), None, &mut doc, 0);
            }
            Walk::Credentials => credential_leaves(root, None, &mut doc, 0),
            Walk::Nothing => {}
        }
        out.push(doc);
    }
    Ok(out)
}

/// Could a key of `text` be credential-named? Not when no credential word appears in it, unless
/// an escape that makes letters (`\u`, `\U`, `\x`, an escaped line break) could spell one.
fn may_name_credentials(text: &str) -> bool {
    text.as_bytes().windows(2).any(|w| w[0] == b'\\' && matches!(w[1], b'u' | b'U' | b'x' | b'\n' | b'\r'))
        || nexus_source::secrets::mentions_secret_name(text)
}

/// The scalar leaves under credential-named keys, without pointers or values.
fn credential_leaves(n: NodeRef<'_>, key: Option<(&str, Range)>, doc: &mut Doc, depth: usize) {
    if depth > 64 {
        return;
    }
    let n = n.resolve();
    if n.is_map() {
        for e in n.entries() {
            let Some(k) = e.key.as_str() else { continue };
            credential_leaves(e.value, Some((k, range(e.key))), doc, depth + 1);
        }
    } else if n.is_seq() {
        for item in n.items() {
            credential_leaves(item, None, doc, depth + 1);
        }
    } else if let (Some((k, kr)), Some(v)) = (key, n.as_str())
        && nexus_source::secrets::is_secret_name(k)
    {
        doc.leaves.push((k.to_string(), kr, v.to_string(), range(n)));
    }
}

fn range(n: NodeRef<'_>) -> Range {
    let s = n.span();
    (s.start as usize, s.end as usize)
}

fn walk_yaml(n: NodeRef<'_>, pointer: String, key: Option<(String, Range)>, doc: &mut Doc, depth: usize) {
    if depth > 64 {
        return;
    }
    let n = n.resolve();
    if n.is_map() {
        for e in n.entries() {
            let Some(k) = e.key.as_str() else { continue };
            walk_yaml(e.value, format!("{pointer}/{}", escape(k)), Some((k.to_string(), range(e.key))), doc, depth + 1);
        }
    } else if n.is_seq() {
        for (i, item) in n.items().enumerate() {
            walk_yaml(item, format!("{pointer}/{i}"), None, doc, depth + 1);
        }
    } else if let (Some((k, kr)), Some(v)) = (&key, n.as_str()) {
        doc.leaves.push((k.clone(), *kr, v.to_string(), range(n)));
    }
    doc.nodes.insert(pointer, (key.map(|(_, r)| r), range(n)));
}

/// TOML, through `toml`'s spanned tables.
pub fn toml(text: &str) -> Result<Vec<Doc>, SyntaxError> {
    let table = toml::de::DeTable::parse(text).map_err(|e| SyntaxError {
        at: e.span().map_or((0, 0), |r| (r.start, r.end)),
        message: e.message().trim().to_string(),
    })?;
    let mut doc = Doc::default();
    let span = table.span();
    doc.value = toml_table(table.get_ref(), String::new(), &mut doc);
    doc.nodes.insert(String::new(), (None, (span.start, span.end)));
    Ok(vec![doc])
}

fn toml_table(t: &toml::de::DeTable<'_>, pointer: String, doc: &mut Doc) -> Value {
    let mut m = Map::new();
    for (k, v) in t {
        let key: &str = k.get_ref();
        let p = format!("{pointer}/{}", escape(key));
        let kr = (k.span().start, k.span().end);
        let value = toml_value(v.get_ref(), &p, Some((key, kr)), (v.span().start, v.span().end), doc);
        doc.nodes.insert(p, (Some(kr), (v.span().start, v.span().end)));
        m.insert(key.to_string(), value);
    }
    Value::Object(m)
}

fn toml_value(v: &toml::de::DeValue<'_>, pointer: &str, key: Option<(&str, Range)>, r: Range, doc: &mut Doc) -> Value {
    use toml::de::DeValue;
    match v {
        DeValue::String(s) => {
            if let Some((k, kr)) = key {
                doc.leaves.push((k.to_string(), kr, s.to_string(), r));
            }
            Value::String(s.to_string())
        }
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            let digits = digits.trim_start_matches(['0', 'x', 'o', 'b']).trim_start_matches('+');
            i64::from_str_radix(if digits.is_empty() { "0" } else { digits }, i.radix())
                .map_or_else(|_| Value::String(i.as_str().to_string()), |n| Value::Number(n.into()))
        }
        DeValue::Float(f) => f
            .as_str()
            .replace('_', "")
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(f.as_str().to_string()), Value::Number),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::String(d.to_string()),
        DeValue::Array(a) => Value::Array(
            a.iter()
                .enumerate()
                .map(|(i, item)| {
                    let p = format!("{pointer}/{i}");
                    let ir = (item.span().start, item.span().end);
                    let value = toml_value(item.get_ref(), &p, None, ir, doc);
                    doc.nodes.insert(p, (None, ir));
                    value
                })
                .collect(),
        ),
        DeValue::Table(t) => toml_table(t, pointer.to_string(), doc),
    }
}

/// Java properties: `key=value`, `key: value` or `key value` lines, `#` and `!` comments,
/// values continued with a trailing backslash. Keys stay flat (`spring.datasource.url`).
pub fn properties(text: &str) -> Result<Vec<Doc>, SyntaxError> {
    let mut doc = Doc::default();
    let mut m = Map::new();
    let mut pos = 0;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut i = 0;
    while i < lines.len() {
        let line_start = pos;
        let mut line = lines[i].trim_end_matches(['\n', '\r']).to_string();
        pos += lines[i].len();
        i += 1;
        let lead = line.len() - line.trim_start().len();
        let body = line.trim_start();
        if body.is_empty() || body.starts_with('#') || body.starts_with('!') {
            continue;
        }
        let key_start = line_start + lead;
        // Continuations: a line ending in an odd number of backslashes goes on.
        while (line.len() - line.trim_end_matches('\\').len()) % 2 == 1 && i < lines.len() {
            line.pop();
            line.push_str(lines[i].trim_end_matches(['\n', '\r']).trim_start());
            pos += lines[i].len();
            i += 1;
        }
        let body = &line[lead..];
        let mut key_end = body.len();
        let mut escaped = false;
        for (j, c) in body.char_indices() {
            if escaped {
                escaped = false;
                continue;
            }
            match c {
                '\\' => escaped = true,
                '=' | ':' | ' ' | '\t' => {
                    key_end = j;
                    break;
                }
                _ => {}
            }
        }
        let key = unescape(&body[..key_end]);
        let rest = &body[key_end..];
        let sep = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        let mut after = &rest[sep..];
        let mut skip = sep;
        if after.starts_with(['=', ':']) {
            after = &after[1..];
            skip += 1;
            let ws = after.len() - after.trim_start_matches([' ', '\t']).len();
            after = &after[ws..];
            skip += ws;
        }
        let value = unescape(after);
        let kr = (key_start, key_start + key_end);
        let vs = key_start + key_end + skip;
        let first_line_end = text[vs.min(text.len())..].find('\n').map_or(text.len(), |n| vs + n);
        let vr = (vs.min(text.len()), first_line_end.max(vs.min(text.len())));
        doc.nodes.insert(format!("/{}", escape(&key)), (Some(kr), vr));
        doc.leaves.push((key.clone(), kr, value.clone(), vr));
        m.insert(key, Value::String(value));
    }
    doc.nodes.insert(String::new(), (None, (0, text.len())));
    doc.value = Value::Object(m);
    Ok(vec![doc])
}

/// A properties file's escapes: the shell reader's, with `\uXXXX`.
fn unescape(s: &str) -> String {
    nexus_source::shell::unescape(s, |c, chars, out| {
        if c != 'u' {
            return false;
        }
        let hex: String = chars.by_ref().take(4).collect();
        out.extend(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32));
        true
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_nodes_and_errors() {
        let text = "{\n  \"http\": {\n    \"timeout\": \"30s\"\n  }\n}\n";
        let d = &json(text, Detail::Full).unwrap()[0];
        let (k, v) = d.nodes["/http/timeout"];
        assert_eq!(&text[k.unwrap().0..k.unwrap().1], "\"timeout\"");
        assert_eq!(&text[v.0..v.1], "\"30s\"");
        assert_eq!(d.value["http"]["timeout"], "30s");
        let e = json("{\n  \"a\": 1,\n}\n", Detail::Full).unwrap_err();
        assert!(e.message.contains("trailing comma"), "{e:?}");
        assert_eq!(e.at.0, 12, "at the closing brace");
    }

    #[test]
    fn toml_and_properties() {
        let text = "[server]\nport = 8080\nname = \"api\"\n[[users]]\npassword = \"x\"\n";
        let d = &toml(text).unwrap()[0];
        assert_eq!(d.value["server"]["port"], 8080);
        let (_, v) = d.nodes["/server/port"];
        assert_eq!(&text[v.0..v.1], "8080");
        assert!(d.leaves.iter().any(|l| l.0 == "password" && &text[l.3.0..l.3.1] == "\"x\""));
        assert!(toml("a = \n").is_err());
        let text = "# comment\nspring.datasource.url=jdbc:postgresql://db/app\nserver.port: 8080\nlong = a\\\n  b\n";
        let d = &properties(text).unwrap()[0];
        assert_eq!(d.value["server.port"], "8080");
        assert_eq!(d.value["long"], "ab");
        let (k, v) = d.nodes["/spring.datasource.url"];
        assert_eq!(&text[k.unwrap().0..k.unwrap().1], "spring.datasource.url");
        assert_eq!(&text[v.0..v.1], "jdbc:postgresql://db/app");
    }
}
