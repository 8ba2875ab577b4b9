//! Compose variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
//! `${VAR:?error}`, `${VAR?error}`, `${VAR:+alternative}`, `${VAR+alternative}`, nested
//! expressions in the default/alternative/error words, and `$$` for a literal `$`.
//!
//! Variables come only from the project's `.env` file, never from the process environment: a
//! lint run must give the same output on every machine and in CI, and the shell that will run
//! `docker compose` is not the shell that runs the linter. Repositories rarely commit their
//! `.env` (it holds the operator's settings), so a variable that `.env` does not set and that has
//! no default is *unknown*, not empty: it is kept as `${NAME}` in the value, so that nothing
//! built from it is judged (an image tag, a port, a label) while the rest of the value still is
//! (`postgres://${DB_USER}@db:5432` still names host `db`). The same holds for `${VAR:?…}` and
//! `${VAR?…}`: the operator sets the variable where Compose runs. Only a variable that `.env`
//! sets to the empty string fails `${VAR:?…}`, since the repository itself then makes it empty.
//!
//! A `$` that is not followed by `$`, `{` or a name is kept literally, as Compose v2 does
//! (compose-go's template pattern only matches those forms): `HostRegexp(`^.+$`)` is valid.

use std::collections::HashMap;

use crate::Spanned;

/// The variables a project interpolates with: its `.env`, with the span of each value.
#[derive(Debug, Default, Clone)]
pub struct Vars {
    map: HashMap<String, Spanned<String>>,
}

impl Vars {
    pub fn insert(&mut self, key: String, value: Spanned<String>) {
        self.map.insert(key, value);
    }

    pub fn get(&self, key: &str) -> Option<&Spanned<String>> {
        self.map.get(key)
    }

    pub fn value(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(|v| v.value.as_str())
    }
}

/// Why a string could not be interpolated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterpError {
    /// `${NAME:?message}` with the variable set to the empty string.
    Required { name: String, message: String },
    /// A `${` that starts no valid expression (`${`, `${1}`, `${A!}`); the fragment is the text
    /// from that `$`, shortened.
    Invalid { fragment: String },
}

/// The text an unknown variable leaves in a value.
pub fn unknown_text(name: &str) -> String {
    format!("${{{name}}}")
}

/// Does an interpolated value hold an unknown variable (so that it cannot be judged)?
pub fn has_unknown(value: &str) -> bool {
    value.contains("${")
}

impl InterpError {
    /// The message Compose gives, in our style.
    pub fn message(&self) -> String {
        match self {
            InterpError::Required { name, message } if message.is_empty() => {
                format!("required variable `{name}` is set to the empty string")
            }
            InterpError::Required { name, message } => {
                format!("required variable `{name}` is set to the empty string: {message}")
            }
            InterpError::Invalid { fragment } => {
                format!("invalid interpolation format at `{fragment}`")
            }
        }
    }

    pub fn help(&self) -> String {
        match self {
            InterpError::Required { name, .. } => {
                format!("Give `{name}` a value in the project's `.env`, or remove it from there.")
            }
            InterpError::Invalid { .. } => "Write a literal `$` as `$$`; a variable is `$NAME` or `${NAME}`.".into(),
        }
    }
}

/// Does this text need interpolating at all?
pub fn has_dollar(s: &str) -> bool {
    s.as_bytes().contains(&b'$')
}

/// Interpolates `s`, looking variables up with `lookup`; unknown variables stay `${NAME}`.
pub fn interpolate(s: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, InterpError> {
    interpolate_noting(s, lookup, &mut Vec::new())
}

/// Interpolates `s`, and adds the names of the unknown variables it uses to `unknown`.
pub fn interpolate_noting(
    s: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    unknown: &mut Vec<String>,
) -> Result<String, InterpError> {
    if !has_dollar(s) {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut cx = Cx { lookup, unknown };
    substitute(s, &mut cx, &mut out, 0)?;
    Ok(out)
}

/// The lookup, and where unknown names are noted.
struct Cx<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    unknown: &'a mut Vec<String>,
}

impl Cx<'_> {
    fn unknown(&mut self, name: &str, out: &mut String) {
        if !self.unknown.iter().any(|n| n == name) {
            self.unknown.push(name.to_string());
        }
        out.push_str(&unknown_text(name));
    }
}

/// Nesting bound for defaults inside defaults (`${A:-${B:-${C}}}`).
const MAX_DEPTH: usize = 32;

fn invalid(s: &str, at: usize) -> InterpError {
    let frag: String = s[at..].chars().take_while(|c| !c.is_whitespace()).take(24).collect();
    InterpError::Invalid { fragment: frag }
}

fn is_name_start(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphabetic()
}

fn is_name_char(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphanumeric()
}

fn substitute(s: &str, cx: &mut Cx<'_>, out: &mut String, depth: usize) -> Result<(), InterpError> {
    if depth > MAX_DEPTH {
        return Err(invalid(s, 0));
    }
    let b = s.as_bytes();
    let mut i = 0;
    let mut lit = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        out.push_str(&s[lit..i]);
        match b.get(i + 1) {
            Some(b'$') => {
                out.push('$');
                i += 2;
            }
            Some(b'{') => {
                let end = closing_brace(s, i + 2).ok_or_else(|| invalid(s, i))?;
                braced(&s[i + 2..end], cx, out, depth).map_err(|e| match e {
                    InterpError::Invalid { .. } => invalid(s, i),
                    e => e,
                })?;
                i = end + 1;
            }
            Some(&c) if is_name_start(c) => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && is_name_char(b[j]) {
                    j += 1;
                }
                match (cx.lookup)(&s[start..j]) {
                    Some(v) => out.push_str(&v),
                    None => cx.unknown(&s[start..j], out),
                }
                i = j;
            }
            // Compose v2 keeps any other `$` as it is.
            _ => {
                out.push('$');
                i += 1;
            }
        }
        lit = i;
    }
    out.push_str(&s[lit..]);
    Ok(())
}

/// The index of the `}` closing a `${` whose content starts at `from`, counting nested `${`.
fn closing_brace(s: &str, from: usize) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 1;
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'$' if b.get(i + 1) == Some(&b'$') => i += 2,
            b'$' if b.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 2;
            }
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// The inside of `${…}`.
fn braced(content: &str, cx: &mut Cx<'_>, out: &mut String, depth: usize) -> Result<(), InterpError> {
    let b = content.as_bytes();
    if b.first().is_none_or(|&c| !is_name_start(c)) {
        return Err(invalid(content, 0));
    }
    let mut n = 1;
    while n < b.len() && is_name_char(b[n]) {
        n += 1;
    }
    let name = &content[..n];
    let rest = &content[n..];
    let value = (cx.lookup)(name);
    if rest.is_empty() {
        match value {
            Some(v) => out.push_str(&v),
            None => cx.unknown(name, out),
        }
        return Ok(());
    }
    let (op, word) = [":-", ":?", ":+", "-", "?", "+"]
        .iter()
        .find_map(|op| rest.strip_prefix(op).map(|w| (*op, w)))
        .ok_or_else(|| invalid(content, 0))?;
    let set = value.is_some();
    let non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
    match op {
        ":-" | "-" => {
            let use_default = if op == ":-" { !non_empty } else { !set };
            if use_default {
                substitute(word, cx, out, depth + 1)?;
            } else if let Some(v) = value {
                out.push_str(&v);
            }
        }
        ":?" | "?" => match value {
            // Set where Compose runs, or not: unknown here.
            None => cx.unknown(name, out),
            Some(v) if v.is_empty() && op == ":?" => {
                let mut message = String::new();
                substitute(word, cx, &mut message, depth + 1)?;
                return Err(InterpError::Required { name: name.to_string(), message });
            }
            Some(v) => out.push_str(&v),
        },
        _ => {
            if !set {
                // Whether the alternative applies depends on the unknown variable.
                cx.unknown(name, out);
            } else if op == "+" || non_empty {
                substitute(word, cx, out, depth + 1)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> Result<String, InterpError> {
        let lookup = |k: &str| match k {
            "A" => Some("a".to_string()),
            "EMPTY" => Some(String::new()),
            "PORT" => Some("8080".to_string()),
            _ => None,
        };
        interpolate(s, &lookup)
    }

    #[test]
    fn simple_forms() {
        assert_eq!(run("x-$A-y").unwrap(), "x-a-y");
        assert_eq!(run("${A}").unwrap(), "a");
        assert_eq!(run("host:$PORT").unwrap(), "host:8080");
        assert_eq!(run("$$A $${A}").unwrap(), "$A ${A}");
        assert_eq!(run("no dollars").unwrap(), "no dollars");
    }

    #[test]
    fn unknown_variables_stay_unknown() {
        assert_eq!(run("$UNSET").unwrap(), "${UNSET}");
        assert_eq!(run("${UNSET}/x").unwrap(), "${UNSET}/x");
        assert_eq!(run("$A_B").unwrap(), "${A_B}", "names are greedy");
        assert_eq!(run("app:${TAG}").unwrap(), "app:${TAG}");
        let mut names = Vec::new();
        let lookup = |k: &str| (k == "A").then(|| "a".to_string());
        let v = interpolate_noting("${X:-$Y}:${A}:$Z:${Z}", &lookup, &mut names).unwrap();
        assert_eq!(v, "${Y}:a:${Z}:${Z}");
        assert_eq!(names, ["Y", "Z"]);
        assert!(has_unknown(&v) && !has_unknown("app:1.2"));
    }

    #[test]
    fn defaults_and_alternatives() {
        assert_eq!(run("${UNSET:-d}").unwrap(), "d");
        assert_eq!(run("${EMPTY:-d}").unwrap(), "d");
        assert_eq!(run("${EMPTY-d}").unwrap(), "");
        assert_eq!(run("${UNSET-d}").unwrap(), "d");
        assert_eq!(run("${A:-d}").unwrap(), "a");
        assert_eq!(run("${A:+alt}").unwrap(), "alt");
        assert_eq!(run("${EMPTY:+alt}").unwrap(), "");
        assert_eq!(run("${EMPTY+alt}").unwrap(), "alt");
        assert_eq!(run("${UNSET+alt}").unwrap(), "${UNSET}", "whether the alternative applies is unknown");
        assert_eq!(run("${UNSET:-a b:c}").unwrap(), "a b:c");
    }

    #[test]
    fn nested_defaults() {
        assert_eq!(run("${UNSET:-${A:-x}}").unwrap(), "a");
        assert_eq!(run("${UNSET:-${NOPE:-x}}").unwrap(), "x");
        assert_eq!(run("${UNSET:-${NOPE:-${PORT}}}/p").unwrap(), "8080/p");
        assert_eq!(run("${UNSET:-$$}").unwrap(), "$");
        assert_eq!(run("${UNSET:-$NOPE}").unwrap(), "${NOPE}");
    }

    #[test]
    fn required_variables() {
        assert_eq!(run("${A:?boom}").unwrap(), "a");
        assert_eq!(run("${DB_PASSWORD:?set it in .env}").unwrap(), "${DB_PASSWORD}", "set where Compose runs");
        assert_eq!(run("${UNSET?}").unwrap(), "${UNSET}");
        assert_eq!(run("${EMPTY?x}").unwrap(), "");
        let e = run("${EMPTY:?need ${A}}").unwrap_err();
        assert_eq!(e, InterpError::Required { name: "EMPTY".into(), message: "need a".into() });
        assert_eq!(e.message(), "required variable `EMPTY` is set to the empty string: need a");
    }

    #[test]
    fn lone_dollars_are_literal() {
        for (s, v) in
            [("$", "$"), ("a$", "a$"), ("$1", "$1"), ("HostRegexp(`^.+$`)", "HostRegexp(`^.+$`)"), ("5$ off", "5$ off")]
        {
            assert_eq!(run(s).unwrap(), v, "{s}");
        }
    }

    #[test]
    fn syntax_errors() {
        for bad in ["${", "x ${A", "${1}", "${A!}", "${}", "${A:x}"] {
            assert!(matches!(run(bad), Err(InterpError::Invalid { .. })), "{bad} should be invalid");
        }
        assert_eq!(run("pre ${oops").unwrap_err().message(), "invalid interpolation format at `${oops`");
    }
}
