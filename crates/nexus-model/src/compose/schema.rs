//! Validation of one Compose file against the vendored compose-spec JSON Schema (draft-07),
//! after interpolation, the way `docker compose config` checks it.
//!
//! The file is converted to JSON by [`to_json`], which interpolates every scalar value on the
//! way (reporting required-variable and syntax errors at the scalar) and types values the way
//! Compose sees them: untouched scalars keep their YAML 1.2 type; an interpolated scalar is a
//! string, as compose-go's interpolation produces one (the schema accepts strings wherever an
//! interpolated number or boolean may appear, e.g. `replicas: ${N}`).
//!
//! jsonschema's errors are mapped back to the spanned tree through their instance path and
//! rewritten into short messages: an unknown key is reported at the key with a did-you-mean, a
//! `oneOf` failure is narrowed to the alternative whose type matches the value (so an unknown
//! key inside a long-form `depends_on` entry is reported as such, not as "matches no form"), and
//! no message prints a value that may be secret.

use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, ValidationError, Validator};
use serde_json::{Map, Value};

use super::interpolate::{InterpError, Vars, has_dollar, has_unknown, interpolate_noting};
use super::read::{is_reset, plain_type};
use crate::redact::is_secret_name;
use crate::suggest;
use nexus_source::Span;
use nexus_source::yaml::{NodeKind, NodeRef};

const SCHEMA_JSON: &str = include_str!("../../schemas/compose/compose-spec.json");
/// Errors reported per file, at most.
pub const MAX_ERRORS_PER_FILE: usize = 25;

struct Compiled {
    schema: Value,
    validator: Validator,
}

fn compiled() -> Option<&'static Compiled> {
    static C: OnceLock<Option<Compiled>> = OnceLock::new();
    C.get_or_init(|| {
        let schema: Value = serde_json::from_str(SCHEMA_JSON).ok()?;
        let validator = jsonschema::options().with_draft(jsonschema::Draft::Draft7).build(&schema).ok()?;
        Some(Compiled { schema, validator })
    })
    .as_ref()
}

/// One schema or interpolation error, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    /// The service the error is in, if any.
    pub service: Option<String>,
}

/// What converting a file to JSON found beside the JSON: interpolation errors with the span of
/// their scalar, and the variables that `.env` does not set.
#[derive(Debug, Default)]
pub struct Interpolated {
    pub errors: Vec<(Span, InterpError)>,
    /// Unknown variables, each with the first scalar that uses it.
    pub unknown: Vec<(String, Span)>,
}

/// Converts a node to JSON, interpolating scalar values with `vars`.
pub fn to_json(node: NodeRef<'_>, vars: &Vars, found: &mut Interpolated) -> Value {
    to_json_depth(node, vars, found, 0)
}

fn to_json_depth(node: NodeRef<'_>, vars: &Vars, found: &mut Interpolated, depth: usize) -> Value {
    if depth > 256 {
        return Value::Null;
    }
    let node = node.resolve();
    match &node.node().kind {
        NodeKind::Scalar(_) => {
            let text = node.as_str().unwrap_or_default();
            if has_dollar(text) {
                let lookup = |k: &str| vars.value(k).map(str::to_string);
                let mut names = Vec::new();
                let r = interpolate_noting(text, &lookup, &mut names);
                for n in names {
                    if !found.unknown.iter().any(|(x, _)| *x == n) {
                        found.unknown.push((n, node.span()));
                    }
                }
                return match r {
                    Ok(s) => Value::String(s),
                    Err(e) => {
                        let span = node.span();
                        if !found.errors.iter().any(|(s, x)| *s == span && *x == e) {
                            found.errors.push((span, e));
                        }
                        Value::String(String::new())
                    }
                };
            }
            nexus_source::yaml::json::scalar(plain_type(node), text)
        }
        NodeKind::Seq(_) => Value::Array(node.items().map(|n| to_json_depth(n, vars, found, depth + 1)).collect()),
        NodeKind::Map(_) => {
            let mut m = Map::new();
            for e in node.entries() {
                let k = e.key.as_str().unwrap_or_default().to_string();
                // `key: !reset …` removes the key before Compose validates.
                if !m.contains_key(&k) && !is_reset(e.value) {
                    let v = to_json_depth(e.value, vars, found, depth + 1);
                    m.insert(k, v);
                }
            }
            Value::Object(m)
        }
        NodeKind::Alias(_) => Value::Null,
    }
}

/// Validates a converted file; `root` is the YAML the JSON came from.
pub fn validate(root: NodeRef<'_>, json: &Value) -> Vec<SchemaError> {
    let Some(c) = compiled() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let cx = Mapper { root, schema: &c.schema };
    for e in c.validator.iter_errors(json) {
        if out.len() >= MAX_ERRORS_PER_FILE {
            break;
        }
        // A value built from a variable `.env` does not set is not judged.
        let at = json.pointer(e.instance_path().as_str());
        if at.and_then(Value::as_str).is_some_and(has_unknown) {
            continue;
        }
        cx.map(&e, &mut out, 0);
    }
    out.truncate(MAX_ERRORS_PER_FILE);
    out
}

struct Mapper<'a> {
    root: NodeRef<'a>,
    schema: &'a Value,
}

/// A JSON pointer's segments, unescaped.
fn segments(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer.trim_start_matches('/').split('/').map(|s| s.replace("~1", "/").replace("~0", "~")).collect()
}

/// `%5E` → `^`: keyword locations are URI fragments.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

fn pointer_of(segs: &[String]) -> String {
    segs.iter().map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1"))).collect()
}

/// Top-level sections whose keys are names the user chose.
const NAMED_SECTIONS: &[(&str, &str)] = &[
    ("services", "service"),
    ("networks", "network"),
    ("volumes", "volume"),
    ("secrets", "secret"),
    ("configs", "config"),
    ("models", "model"),
];

fn type_name(t: JsonType) -> &'static str {
    match t {
        JsonType::Array => "a list",
        JsonType::Boolean => "a boolean",
        JsonType::Integer => "an integer",
        JsonType::Null => "null",
        JsonType::Number => "a number",
        JsonType::Object => "a mapping",
        JsonType::String => "a string",
    }
}

fn types_of(kind: &TypeKind, out: &mut Vec<JsonType>) {
    match kind {
        TypeKind::Single(t) => out.push(*t),
        TypeKind::Multiple(set) => out.extend(set.iter()),
    }
}

fn join_or(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

impl<'a> Mapper<'a> {
    /// Where an instance path is, in words: "service `api`", "`depends_on`", "`ports[0]`".
    fn describe(&self, segs: &[String]) -> String {
        let dotted = |rest: &[String], base: NodeRef<'a>| {
            let mut s = String::new();
            let mut cur = Some(base);
            for seg in rest {
                let is_index = cur.is_some_and(|n| n.is_seq());
                if is_index {
                    s.push_str(&format!("[{seg}]"));
                } else {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(seg);
                }
                cur = cur.and_then(|n| n.pointer(&pointer_of(std::slice::from_ref(seg))));
            }
            s
        };
        match segs {
            [] => "the file".into(),
            [section, name] => match NAMED_SECTIONS.iter().find(|(s, _)| s == section) {
                Some((_, what)) => format!("{what} `{name}`"),
                None => format!("`{section}.{name}`"),
            },
            [section, _, rest @ ..] if section == "services" => match self.root.pointer(&pointer_of(&segs[..2])) {
                Some(b) => format!("`{}`", dotted(rest, b)),
                None => format!("`{}`", rest.join(".")),
            },
            _ => format!("`{}`", dotted(segs, self.root)),
        }
    }

    fn service_of(segs: &[String]) -> Option<String> {
        match segs {
            [s, name, ..] if s == "services" => Some(name.clone()),
            _ => None,
        }
    }

    /// The span of the value at a path, or of its key when the value has no text of its own
    /// (`healthcheck:` with nothing after it).
    fn value_span(&self, segs: &[String]) -> Span {
        let node = self.root.pointer(&pointer_of(segs));
        let key = self.key_span(segs);
        match node {
            Some(n) => {
                let s = n.span();
                if s.start == s.end { key.unwrap_or(s) } else { s }
            }
            None => key.unwrap_or_else(|| self.root.span()),
        }
    }

    fn key_span(&self, segs: &[String]) -> Option<Span> {
        let (last, parent) = segs.split_last()?;
        let p = self.root.pointer(&pointer_of(parent))?;
        if p.is_map() { p.entry(last).map(|e| e.key.span()) } else { None }
    }

    /// Does the path lie where values may be secret (environment entries, secret-named keys)?
    fn sensitive(segs: &[String]) -> bool {
        segs.iter().any(|s| s == "environment" || is_secret_name(s))
    }

    /// The properties a schema object at a keyword location declares, for suggestions.
    fn known_keys(&self, e: &ValidationError<'_>) -> Vec<&'a str> {
        let loc = e
            .absolute_keyword_location()
            .and_then(|u| u.fragment().map(|f| percent_decode(f.as_str())))
            .unwrap_or_else(|| e.schema_path().as_str().to_string());
        let mut segs = segments(&loc);
        segs.pop(); // `additionalProperties`
        let Some(obj) = self.schema.pointer(&pointer_of(&segs)) else {
            return Vec::new();
        };
        obj.get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    fn push(&self, out: &mut Vec<SchemaError>, segs: &[String], span: Span, message: String, help: Option<String>) {
        let e = SchemaError { span, message, help, service: Self::service_of(segs) };
        if !out.contains(&e) {
            out.push(e);
        }
    }

    fn map(&self, e: &ValidationError<'_>, out: &mut Vec<SchemaError>, depth: usize) {
        let segs = segments(e.instance_path().as_str());
        let what = || self.describe(&segs);
        let field = segs.iter().rev().find(|s| !s.bytes().all(|b| b.is_ascii_digit())).cloned().unwrap_or_default();
        match e.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let known = self.known_keys(e);
                for k in unexpected {
                    let mut key_segs = segs.clone();
                    key_segs.push(k.clone());
                    let span = self.key_span(&key_segs).unwrap_or_else(|| self.value_span(&segs));
                    let (message, help) = if segs.len() == 1 && known.is_empty() {
                        let section = NAMED_SECTIONS.iter().find(|(s, _)| *s == segs[0]).map_or("entry", |(_, w)| w);
                        (
                            format!("{section} name `{k}` is invalid"),
                            Some("Use only letters, digits, `.`, `_` and `-`.".to_string()),
                        )
                    } else if known.is_empty() {
                        (format!("`{k}` is not allowed in {}", what()), None)
                    } else {
                        let place =
                            if segs.is_empty() { "at the top level".to_string() } else { format!("in {}", what()) };
                        let help = match suggest(k, &known) {
                            Some(s) => format!("Did you mean `{s}`?"),
                            None => "Remove it, or name it `x-…` to make it an extension.".to_string(),
                        };
                        (format!("unknown key `{k}` {place}"), Some(help))
                    };
                    self.push(out, &segs, span, message, help);
                }
            }
            ValidationErrorKind::Type { kind } => {
                let mut types = Vec::new();
                types_of(kind, &mut types);
                let message = self.type_message(&segs, &types);
                self.push(out, &segs, self.value_span(&segs), message, None);
            }
            ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
                self.alternatives(&segs, context, out, depth);
            }
            ValidationErrorKind::Enum { options } => {
                let value = e.instance();
                let allowed: Vec<&str> =
                    options.as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                let shown = value.as_str().filter(|v| v.len() <= 64 && !Self::sensitive(&segs));
                let message = match shown {
                    Some(v) => format!("`{v}` is not a valid `{field}`"),
                    None => format!("{} has a value that is not allowed", what()),
                };
                let help =
                    value.as_str().and_then(|v| suggest(v, &allowed)).map(|s| format!("Did you mean `{s}`?")).or_else(
                        || {
                            (!allowed.is_empty()).then(|| {
                                let list: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
                                format!("Use one of {}.", list.join(", "))
                            })
                        },
                    );
                self.push(out, &segs, self.value_span(&segs), message, help);
            }
            ValidationErrorKind::Required { property } => {
                let p = property.as_str().unwrap_or("?");
                self.push(
                    out,
                    &segs,
                    self.value_span(&segs),
                    format!("{} is missing the required key `{p}`", what()),
                    None,
                );
            }
            ValidationErrorKind::UniqueItems => {
                self.push(
                    out,
                    &segs,
                    self.value_span(&segs),
                    format!("{} has duplicate items", what()),
                    Some("Remove the repeated entries.".into()),
                );
            }
            ValidationErrorKind::Pattern { .. } => {
                let value = e.instance();
                let message = match value.as_str().filter(|v| v.len() <= 64 && !Self::sensitive(&segs)) {
                    Some(v) => format!("`{v}` is not a valid `{field}`"),
                    None => format!("{} has an invalid format", what()),
                };
                self.push(out, &segs, self.value_span(&segs), message, None);
            }
            ValidationErrorKind::FalseSchema => {
                let span = self.key_span(&segs).unwrap_or_else(|| self.value_span(&segs));
                self.push(out, &segs, span, format!("{} is not allowed", what()), None);
            }
            other => {
                let message = format!("{} is invalid (`{}`)", what(), other.keyword());
                self.push(out, &segs, self.value_span(&segs), message, None);
            }
        }
    }

    fn type_message(&self, segs: &[String], types: &[JsonType]) -> String {
        let mut names: Vec<&str> = Vec::new();
        // `integer` is a `number`; say the wider one once.
        let has_number = types.contains(&JsonType::Number);
        let rank = |t: &JsonType| match t {
            JsonType::String => 0,
            JsonType::Integer | JsonType::Number => 1,
            JsonType::Boolean => 2,
            JsonType::Array => 3,
            JsonType::Object => 4,
            JsonType::Null => 5,
        };
        let mut types = types.to_vec();
        types.sort_by_key(rank);
        for t in &types {
            if *t == JsonType::Integer && has_number {
                continue;
            }
            let n = type_name(*t);
            if !names.contains(&n) {
                names.push(n);
            }
        }
        format!("{} must be {}", self.describe(segs), join_or(&names))
    }

    /// A value matched none of the alternatives of a `oneOf`/`anyOf`. When the value's type
    /// rules out all but some alternatives, report what is wrong inside the closest of those;
    /// otherwise say which types are allowed.
    fn alternatives(
        &self,
        segs: &[String],
        context: &[Vec<ValidationError<'static>>],
        out: &mut Vec<SchemaError>,
        depth: usize,
    ) {
        let here = pointer_of(segs);
        let mut types = Vec::new();
        let mut candidates: Vec<&Vec<ValidationError<'static>>> = Vec::new();
        for branch in context {
            let mismatch = branch.iter().find_map(|e| match e.kind() {
                ValidationErrorKind::Type { kind } if e.instance_path().as_str() == here => Some(kind),
                _ => None,
            });
            match mismatch {
                Some(kind) => types_of(kind, &mut types),
                None => candidates.push(branch),
            }
        }
        let best = candidates.into_iter().min_by_key(|b| b.len());
        match best {
            Some(branch) if depth < 16 && !branch.is_empty() => {
                for e in branch {
                    self.map(e, out, depth + 1);
                }
            }
            Some(_) => {
                let message = format!("{} is invalid", self.describe(segs));
                self.push(out, segs, self.value_span(segs), message, None);
            }
            None => {
                let message = self.type_message(segs, &types);
                self.push(out, segs, self.value_span(segs), message, None);
            }
        }
    }
}
