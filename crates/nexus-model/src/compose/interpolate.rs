//! Compose variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
//! `${VAR:?error}`, `${VAR?error}`, `${VAR:+alternative}`, `${VAR+alternative}`, nested
//! expressions in the default/alternative/error words, and `$$` for a literal `$`.
//!
//! Variables come only from the project's `.env` file, never from the process environment: a
//! lint run must give the same output on every machine and in CI, and the shell that will run
//! `docker compose` is not the shell that runs the linter. An unset variable without a default
//! therefore becomes the empty string, as Compose makes it (Compose also warns; we stay quiet,
//! since the variable may well be set where Compose runs). A `${VAR:?…}` whose variable `.env`
//! does not provide is an error, because nothing in the repository provides it.

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
    /// `${NAME:?message}` or `${NAME?message}` with the variable missing (or empty, for `:?`).
    Required { name: String, message: String },
    /// A `$` that starts no valid expression (`${`, `$1`, a trailing `$`); the fragment is the
    /// text from that `$`, shortened.
    Invalid { fragment: String },
}

impl InterpError {
    /// The message Compose gives, in our style.
    pub fn message(&self) -> String {
        match self {
            InterpError::Required { name, message } if message.is_empty() => {
                format!("required variable `{name}` is missing a value")
            }
            InterpError::Required { name, message } => {
                format!("required variable `{name}` is missing a value: {message}")
            }
            InterpError::Invalid { fragment } => {
                format!("invalid interpolation format at `{fragment}`")
            }
        }
    }

    pub fn help(&self) -> String {
        match self {
            InterpError::Required { name, .. } => {
                format!("Set `{name}` in the project's `.env`, or give it a default: `${{{name}:-value}}`.")
            }
            InterpError::Invalid { .. } => "Write a literal `$` as `$$`; a variable is `$NAME` or `${NAME}`.".into(),
        }
    }
}

/// Does this text need interpolating at all?
pub fn has_dollar(s: &str) -> bool {
    s.as_bytes().contains(&b'$')
}

/// Interpolates `s`, looking variables up with `lookup`.
pub fn interpolate(s: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, InterpError> {
    if !has_dollar(s) {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    substitute(s, lookup, &mut out, 0)?;
    Ok(out)
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

fn substitute(
    s: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut String,
    depth: usize,
) -> Result<(), InterpError> {
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
                braced(&s[i + 2..end], lookup, out, depth).map_err(|e| match e {
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
                if let Some(v) = lookup(&s[start..j]) {
                    out.push_str(&v);
                }
                i = j;
            }
            _ => return Err(invalid(s, i)),
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
fn braced(
    content: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut String,
    depth: usize,
) -> Result<(), InterpError> {
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
    let value = lookup(name);
    if rest.is_empty() {
        if let Some(v) = value {
            out.push_str(&v);
        }
        return Ok(());
    }
    let (op, word) = [":-", ":?", ":+", "-", "?", "+"]
        .iter()
        .find_map(|op| rest.strip_prefix(op).map(|w| (*op, w)))
        .ok_or_else(|| invalid(content, 0))?;
    let set = value.is_some();
    let non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
    let expand = |out: &mut String| substitute(word, lookup, out, depth + 1);
    match op {
        ":-" | "-" => {
            let use_default = if op == ":-" { !non_empty } else { !set };
            if use_default {
                expand(out)?;
            } else if let Some(v) = value {
                out.push_str(&v);
            }
        }
        ":?" | "?" => {
            let missing = if op == ":?" { !non_empty } else { !set };
            if missing {
                let mut message = String::new();
                expand(&mut message)?;
                return Err(InterpError::Required { name: name.to_string(), message });
            }
            if let Some(v) = value {
                out.push_str(&v);
            }
        }
        _ => {
            let use_alt = if op == ":+" { non_empty } else { set };
            if use_alt {
                expand(out)?;
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
        assert_eq!(run("$UNSET").unwrap(), "");
        assert_eq!(run("${UNSET}/x").unwrap(), "/x");
        assert_eq!(run("host:$PORT").unwrap(), "host:8080");
        assert_eq!(run("$A_B").unwrap(), "", "names are greedy");
        assert_eq!(run("$$A $${A}").unwrap(), "$A ${A}");
        assert_eq!(run("no dollars").unwrap(), "no dollars");
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
        assert_eq!(run("${UNSET+alt}").unwrap(), "");
        assert_eq!(run("${UNSET:-a b:c}").unwrap(), "a b:c");
    }

    #[test]
    fn nested_defaults() {
        assert_eq!(run("${UNSET:-${A:-x}}").unwrap(), "a");
        assert_eq!(run("${UNSET:-${NOPE:-x}}").unwrap(), "x");
        assert_eq!(run("${UNSET:-${NOPE:-${PORT}}}/p").unwrap(), "8080/p");
        assert_eq!(run("${UNSET:-$$}").unwrap(), "$");
    }

    #[test]
    fn required_variables() {
        assert_eq!(run("${A:?boom}").unwrap(), "a");
        let e = run("${DB_PASSWORD:?set it in .env}").unwrap_err();
        assert_eq!(e.message(), "required variable `DB_PASSWORD` is missing a value: set it in .env");
        assert!(run("${EMPTY:?x}").is_err());
        assert_eq!(run("${EMPTY?x}").unwrap(), "");
        let e = run("${UNSET?}").unwrap_err();
        assert_eq!(e.message(), "required variable `UNSET` is missing a value");
        let e = run("${UNSET:?need ${A}}").unwrap_err();
        assert_eq!(e, InterpError::Required { name: "UNSET".into(), message: "need a".into() });
    }

    #[test]
    fn syntax_errors() {
        for bad in ["${", "x ${A", "$", "a$", "$1", "${1}", "${A!}", "${}", "${A:x}"] {
            assert!(matches!(run(bad), Err(InterpError::Invalid { .. })), "{bad} should be invalid");
        }
        assert_eq!(run("pre ${oops").unwrap_err().message(), "invalid interpolation format at `${oops`");
    }
}
