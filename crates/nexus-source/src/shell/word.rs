//! Words as the lexer splits them: each keeps its byte range in the script and its pieces, so
//! that expansion can treat literal text, quoted text, parameters and substitutions apart, and a
//! reader that wants the word "as written" can have it with only the quotes removed.

/// A byte range in a script's text.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct Range {
    pub start: u32,
    pub end: u32,
}

impl Range {
    pub fn new(start: usize, end: usize) -> Range {
        Range { start: start as u32, end: end as u32 }
    }

    pub fn slice<'a>(&self, text: &'a str) -> &'a str {
        text.get(self.start as usize..self.end as usize).unwrap_or("")
    }

    pub fn usize(&self) -> (usize, usize) {
        (self.start as usize, self.end as usize)
    }
}

/// One word as written, split into the pieces expansion treats differently.
#[derive(Clone, Debug)]
pub struct Word {
    pub range: Range,
    pub parts: Vec<Part>,
}

#[derive(Clone, Debug)]
pub enum Part {
    /// Unquoted text.
    Lit(String),
    /// Single-quoted text, `$'…'`, text inside `"…"`, or a backslash-escaped character: never
    /// split or globbed.
    Quoted(String),
    /// `"…"`.
    Double(Vec<Part>),
    Param(Box<Param>),
    /// `$(…)` or backticks; `body` is the command text inside.
    CmdSub {
        body: Range,
        raw: Range,
    },
    /// `$((…))`, `<(…)`, `((…))`: kept as written, never evaluated.
    Opaque(Range),
}

/// A parameter expansion: `$NAME`, `${NAME}`, `${NAME<op><arg>}`.
#[derive(Clone, Debug)]
pub struct Param {
    /// The name (`NAMESPACE`, `1`, `@`, `BASH_SOURCE`).
    pub name: String,
    /// An array subscript (`${BASH_SOURCE[0]}`).
    pub index: Option<String>,
    pub op: ParamOp,
    pub arg: Vec<Part>,
    /// The whole expansion as written, kept when the value is unknown.
    pub raw: Range,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ParamOp {
    Plain,
    /// `${#X}`
    Length,
    /// `${X:-d}` (colon) / `${X-d}`
    Default {
        colon: bool,
    },
    /// `${X:=d}` / `${X=d}`
    Assign {
        colon: bool,
    },
    /// `${X:+a}` / `${X+a}`
    Alt {
        colon: bool,
    },
    /// `${X:?m}` / `${X?m}`
    Error,
    /// `${X#p}` / `${X##p}`
    TrimPrefix {
        longest: bool,
    },
    /// `${X%p}` / `${X%%p}`
    TrimSuffix {
        longest: bool,
    },
    /// Substrings, replacements, case changes: not evaluated.
    Other,
}

impl Word {
    /// The word's literal text when it is a plain unquoted word (`if`, `kubectl`, `{`).
    pub fn literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Lit(s)] => Some(s),
            _ => None,
        }
    }

    /// Whether an unquoted part holds a glob character (`*`, `?`, `[`).
    pub fn has_glob(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Lit(s) if s.contains(['*', '?', '['])))
    }

    /// The word with its quotes and escapes removed and every expansion kept as written
    /// (`"$HOST":5432` → `$HOST:5432`): what a reader that resolves variables itself wants.
    pub fn text(&self, src: &str) -> String {
        let mut out = String::new();
        push_text(&self.parts, src, &mut out);
        out
    }

    /// The literal and quoted text only (a function's name as written: `deploy-db`, `k8s::apply`).
    pub fn plain_text(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Lit(s) | Part::Quoted(s) => s.as_str(),
                _ => "",
            })
            .collect()
    }
}

fn push_text(parts: &[Part], src: &str, out: &mut String) {
    for p in parts {
        match p {
            Part::Lit(s) | Part::Quoted(s) => out.push_str(s),
            Part::Double(inner) => push_text(inner, src, out),
            Part::Param(p) => out.push_str(p.raw.slice(src)),
            Part::CmdSub { raw, .. } => out.push_str(raw.slice(src)),
            Part::Opaque(r) => out.push_str(r.slice(src)),
        }
    }
}

/// `NAME=value` as the leading word of a command.
#[derive(Clone, Debug)]
pub struct Assign {
    pub name: String,
    /// None for an array (`X=(a b)`), which is not modelled.
    pub value: Option<Word>,
    pub append: bool,
    /// The whole assignment word.
    pub word: Word,
}

pub fn is_name_start(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphabetic()
}

pub fn is_name_char(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphanumeric()
}

/// A shell variable name.
pub fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty() && is_name_start(b[0]) && b.iter().all(|&c| is_name_char(c))
}

/// `NAME=value` written as text (also `NAME+=value`, `NAME[i]=value`).
pub fn is_assignment_text(w: &str) -> bool {
    match w.find('=') {
        Some(i) => {
            let name = w[..i].trim_end_matches('+');
            is_name(name.split('[').next().unwrap_or(""))
        }
        None => false,
    }
}

/// `NAME=value`, `NAME+=value`, `NAME=(…)` as the leading word of a command.
pub fn assignment(w: &Word) -> Option<Assign> {
    let Some(Part::Lit(first)) = w.parts.first() else { return None };
    let eq = first.find('=')?;
    let (name, append) = match first[..eq].strip_suffix('+') {
        Some(n) => (n, true),
        None => (&first[..eq], false),
    };
    if !is_name(name) {
        return None;
    }
    let rest = &first[eq + 1..];
    if rest.starts_with('(') {
        return Some(Assign { name: name.to_string(), value: None, append, word: w.clone() });
    }
    let mut parts = Vec::with_capacity(w.parts.len());
    if !rest.is_empty() {
        parts.push(Part::Lit(rest.to_string()));
    }
    parts.extend(w.parts[1..].iter().cloned());
    let start = w.range.start + (eq + 1) as u32;
    Some(Assign {
        name: name.to_string(),
        value: Some(Word { range: Range { start: start.min(w.range.end), end: w.range.end }, parts }),
        append,
        word: w.clone(),
    })
}
