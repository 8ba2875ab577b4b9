//! The inside of words: where a word ends (quotes, `$(…)`, `${…}` and backquotes nest) and
//! how it splits into [`Part`]s. The token loop ([`super::lexer`]) asks this scanner for both;
//! keeping them apart keeps the quoting rules in one place, and their recursion bounded.

use std::cell::Cell;

use super::word::{Param, ParamOp, Part, Range, Word, is_name_char, is_name_start};

/// `${…}` and quotes nested deeper than this are kept as written (hostile inputs).
const MAX_WORD_NESTING: u32 = 64;

pub(super) fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t' || c == b'\r'
}

pub(super) fn is_meta(c: u8) -> bool {
    is_blank(c) || matches!(c, b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>')
}

/// A script's text between `start` and `end`, read for words.
pub(super) struct Scanner<'a> {
    pub text: &'a str,
    pub b: &'a [u8],
    pub end: usize,
    /// Nesting of `${…}` and quotes being split into parts.
    depth: Cell<u32>,
    /// Nesting of constructs being skipped over to find a word's end.
    skip_depth: Cell<u32>,
}

impl<'a> Scanner<'a> {
    pub fn new(text: &'a str, end: usize) -> Self {
        Scanner { text, b: text.as_bytes(), end: end.min(text.len()), depth: Cell::new(0), skip_depth: Cell::new(0) }
    }

    pub fn at(&self, i: usize) -> u8 {
        if i < self.end { self.b[i] } else { 0 }
    }

    /// The end of the word starting at `i`.
    pub fn scan_word(&self, mut i: usize) -> usize {
        let start = i;
        while i < self.end {
            let c = self.b[i];
            match c {
                b'\\' => i += 2,
                b'\'' => i = self.skip_single(i + 1),
                b'"' => i = self.skip_double(i + 1),
                b'`' => i = self.skip_backtick(i + 1),
                b'$' => i = self.skip_dollar(i),
                b'(' if self.is_array_assignment(start, i) => i = self.skip_parens(i + 1),
                _ if is_meta(c) => break,
                _ => i += 1,
            }
        }
        i.min(self.end)
    }

    /// `NAME=(` or `NAME+=(`: an array assignment, whose parentheses are part of the word.
    fn is_array_assignment(&self, start: usize, paren: usize) -> bool {
        let w = &self.b[start..paren];
        let Some(eq) = w.iter().position(|&c| c == b'=') else { return false };
        eq + 1 == w.len() && {
            let name = w[..eq].strip_suffix(b"+").unwrap_or(&w[..eq]);
            !name.is_empty() && is_name_start(name[0]) && name.iter().all(|&c| is_name_char(c))
        }
    }

    /// Runs a skip that may recurse; past the nesting limit the construct runs to the end.
    fn nested(&self, f: impl FnOnce() -> usize) -> usize {
        if self.skip_depth.get() > MAX_WORD_NESTING {
            return self.end;
        }
        self.skip_depth.set(self.skip_depth.get() + 1);
        let r = f();
        self.skip_depth.set(self.skip_depth.get() - 1);
        r
    }

    fn skip_single(&self, mut i: usize) -> usize {
        while i < self.end && self.b[i] != b'\'' {
            i += 1;
        }
        i + 1
    }

    fn skip_ansi(&self, mut i: usize) -> usize {
        while i < self.end && self.b[i] != b'\'' {
            i += if self.b[i] == b'\\' { 2 } else { 1 };
        }
        i + 1
    }

    fn skip_double(&self, i: usize) -> usize {
        self.nested(|| self.skip_double_inner(i))
    }

    fn skip_double_inner(&self, mut i: usize) -> usize {
        while i < self.end {
            match self.b[i] {
                b'"' => return i + 1,
                b'\\' => i += 2,
                b'`' => i = self.skip_backtick(i + 1),
                b'$' => i = self.skip_dollar(i),
                _ => i += 1,
            }
        }
        i
    }

    fn skip_backtick(&self, mut i: usize) -> usize {
        while i < self.end && self.b[i] != b'`' {
            i += if self.b[i] == b'\\' { 2 } else { 1 };
        }
        i + 1
    }

    /// Skips a `$…` construct starting at the `$`.
    fn skip_dollar(&self, i: usize) -> usize {
        match self.at(i + 1) {
            b'(' => self.skip_parens(i + 2),
            b'{' => self.skip_braces(i + 2),
            b'\'' => self.skip_ansi(i + 2),
            b'"' => self.skip_double(i + 2),
            _ => i + 1,
        }
    }

    /// From just inside an opening parenthesis to just after its match.
    pub fn skip_parens(&self, i: usize) -> usize {
        self.nested(|| self.skip_group(i, b'(', b')'))
    }

    fn skip_braces(&self, i: usize) -> usize {
        self.nested(|| self.skip_group(i, b'{', b'}'))
    }

    /// From just inside `open` to just after its matching `close`, past quotes, backticks and
    /// nested `$…` constructs (whose own brackets do not count).
    fn skip_group(&self, mut i: usize, open: u8, close: u8) -> usize {
        let mut depth = 1;
        while i < self.end {
            let b = self.b[i];
            match b {
                b'\\' => i += 1,
                b'\'' => {
                    i = self.skip_single(i + 1);
                    continue;
                }
                b'"' => {
                    i = self.skip_double(i + 1);
                    continue;
                }
                b'`' => {
                    i = self.skip_backtick(i + 1);
                    continue;
                }
                b'$' => {
                    i = self.skip_dollar(i);
                    continue;
                }
                _ if b == open => depth += 1,
                _ if b == close => {
                    depth -= 1;
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        self.end
    }

    /// Where the text of a quoted or bracketed construct ends: before its closing delimiter `q`
    /// if it has one (an unterminated one runs to `close`).
    fn inner_end(&self, open_end: usize, close: usize, q: u8) -> usize {
        if close > open_end && close <= self.end && self.b[close - 1] == q { close - 1 } else { close }
    }

    pub fn word(&self, start: usize, end: usize) -> Word {
        Word { range: Range::new(start, end), parts: self.parts(start, end, false) }
    }

    /// Splits `start..end` into parts; `dq`: inside double quotes.
    fn parts(&self, start: usize, end: usize, dq: bool) -> Vec<Part> {
        if self.depth.get() > MAX_WORD_NESTING {
            return vec![Part::Opaque(Range::new(start, end))];
        }
        self.depth.set(self.depth.get() + 1);
        let parts = self.parts_inner(start, end, dq);
        self.depth.set(self.depth.get() - 1);
        parts
    }

    fn parts_inner(&self, start: usize, end: usize, dq: bool) -> Vec<Part> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let flush = |lit: &mut String, parts: &mut Vec<Part>| {
            if !lit.is_empty() {
                parts.push(if dq { Part::Quoted(std::mem::take(lit)) } else { Part::Lit(std::mem::take(lit)) });
            }
        };
        let mut i = start;
        while i < end {
            let c = self.b[i];
            match c {
                b'\\' => {
                    let n = if i + 1 < end { self.b[i + 1] } else { 0 };
                    if n == b'\n' {
                        i += 2;
                    } else if n == 0 || (dq && !matches!(n, b'$' | b'`' | b'"' | b'\\')) {
                        // A trailing backslash, or one that escapes nothing inside double quotes.
                        lit.push('\\');
                        i += 1;
                    } else {
                        flush(&mut lit, &mut parts);
                        let ch_end = next_char(self.text, i + 1);
                        parts.push(Part::Quoted(self.text[i + 1..ch_end].to_string()));
                        i = ch_end;
                    }
                }
                b'\'' if !dq => {
                    flush(&mut lit, &mut parts);
                    let close = self.skip_single(i + 1).min(end);
                    let inner_end = self.inner_end(i + 1, close, b'\'');
                    parts.push(Part::Quoted(self.text[i + 1..inner_end].to_string()));
                    i = close;
                }
                b'"' if !dq => {
                    flush(&mut lit, &mut parts);
                    let close = self.skip_double(i + 1).min(end);
                    let inner_end = self.inner_end(i + 1, close, b'"');
                    parts.push(Part::Double(self.parts(i + 1, inner_end, true)));
                    i = close;
                }
                b'`' => {
                    flush(&mut lit, &mut parts);
                    let close = self.skip_backtick(i + 1).min(end);
                    let inner_end = self.inner_end(i + 1, close, b'`');
                    parts.push(Part::CmdSub { body: Range::new(i + 1, inner_end), raw: Range::new(i, close) });
                    i = close;
                }
                b'$' => {
                    let (part, next) = self.dollar(i, end, dq);
                    match part {
                        Some(p) => {
                            flush(&mut lit, &mut parts);
                            parts.push(p);
                        }
                        None => lit.push('$'),
                    }
                    i = next;
                }
                _ => {
                    let ch_end = next_char(self.text, i);
                    lit.push_str(&self.text[i..ch_end]);
                    i = ch_end;
                }
            }
        }
        flush(&mut lit, &mut parts);
        parts
    }

    /// A `$…` at `i`: the part and the position after it (None: a literal `$`).
    fn dollar(&self, i: usize, end: usize, dq: bool) -> (Option<Part>, usize) {
        let n = if i + 1 < end { self.b[i + 1] } else { 0 };
        match n {
            b'(' if i + 2 < end && self.b[i + 2] == b'(' => {
                let close = self.skip_parens(i + 2).min(end);
                (Some(Part::Opaque(Range::new(i, close))), close)
            }
            b'(' => {
                let close = self.skip_parens(i + 2).min(end);
                let body_end = self.inner_end(i + 2, close, b')');
                (Some(Part::CmdSub { body: Range::new(i + 2, body_end), raw: Range::new(i, close) }), close)
            }
            b'{' => {
                let close = self.skip_braces(i + 2).min(end);
                let inner_end = self.inner_end(i + 2, close, b'}');
                (Some(Part::Param(Box::new(self.brace_param(i + 2, inner_end, Range::new(i, close))))), close)
            }
            b'\'' if !dq => {
                let close = self.skip_ansi(i + 2).min(end);
                let inner_end = self.inner_end(i + 2, close, b'\'');
                (Some(Part::Quoted(ansi_c(&self.text[i + 2..inner_end]))), close)
            }
            b'"' if !dq => {
                let close = self.skip_double(i + 2).min(end);
                let inner_end = self.inner_end(i + 2, close, b'"');
                (Some(Part::Double(self.parts(i + 2, inner_end, true))), close)
            }
            c if is_name_start(c) => {
                let mut j = i + 1;
                while j < end && is_name_char(self.b[j]) {
                    j += 1;
                }
                let p = Param {
                    name: self.text[i + 1..j].to_string(),
                    index: None,
                    op: ParamOp::Plain,
                    arg: Vec::new(),
                    raw: Range::new(i, j),
                };
                (Some(Part::Param(Box::new(p))), j)
            }
            c if c.is_ascii_digit() || matches!(c, b'@' | b'*' | b'#' | b'?' | b'$' | b'!' | b'-') => {
                let p = Param {
                    name: (c as char).to_string(),
                    index: None,
                    op: ParamOp::Plain,
                    arg: Vec::new(),
                    raw: Range::new(i, i + 2),
                };
                (Some(Part::Param(Box::new(p))), i + 2)
            }
            _ => (None, i + 1),
        }
    }

    /// The inside of `${…}` (`start..end`), `raw` the whole expansion.
    fn brace_param(&self, start: usize, end: usize, raw: Range) -> Param {
        let b = self.b;
        let mut i = start;
        let mut length = false;
        if i < end && b[i] == b'#' && i + 1 < end && (is_name_char(b[i + 1]) || matches!(b[i + 1], b'@' | b'*')) {
            length = true;
            i += 1;
        }
        let name_start = i;
        if i < end && (is_name_start(b[i])) {
            while i < end && is_name_char(b[i]) {
                i += 1;
            }
        } else if i < end && b[i].is_ascii_digit() {
            while i < end && b[i].is_ascii_digit() {
                i += 1;
            }
        } else if i < end && matches!(b[i], b'@' | b'*' | b'#' | b'?' | b'$' | b'!' | b'-') {
            i += 1;
        }
        let name = self.text[name_start..i].to_string();
        let mut index = None;
        if i < end && b[i] == b'[' {
            let close = self.text[i..end].find(']').map_or(end, |k| i + k);
            index = Some(self.text[i + 1..close].to_string());
            i = (close + 1).min(end);
        }
        let rest = &self.text[i..end];
        let (op, skip) = if length {
            (if rest.is_empty() { ParamOp::Length } else { ParamOp::Other }, rest.len())
        } else if rest.is_empty() {
            (ParamOp::Plain, 0)
        } else if let Some(r) = rest.strip_prefix(':') {
            match r.as_bytes().first() {
                Some(b'-') => (ParamOp::Default { colon: true }, 2),
                Some(b'=') => (ParamOp::Assign { colon: true }, 2),
                Some(b'+') => (ParamOp::Alt { colon: true }, 2),
                Some(b'?') => (ParamOp::Error, 2),
                _ => (ParamOp::Other, rest.len()),
            }
        } else {
            match rest.as_bytes()[0] {
                b'-' => (ParamOp::Default { colon: false }, 1),
                b'=' => (ParamOp::Assign { colon: false }, 1),
                b'+' => (ParamOp::Alt { colon: false }, 1),
                b'?' => (ParamOp::Error, 1),
                b'#' if rest.starts_with("##") => (ParamOp::TrimPrefix { longest: true }, 2),
                b'#' => (ParamOp::TrimPrefix { longest: false }, 1),
                b'%' if rest.starts_with("%%") => (ParamOp::TrimSuffix { longest: true }, 2),
                b'%' => (ParamOp::TrimSuffix { longest: false }, 1),
                _ => (ParamOp::Other, rest.len()),
            }
        };
        let arg = if matches!(op, ParamOp::Other | ParamOp::Plain | ParamOp::Length) {
            Vec::new()
        } else {
            self.parts(i + skip, end, false)
        };
        Param { name, index, op, arg, raw }
    }
}

fn next_char(text: &str, i: usize) -> usize {
    let mut j = i + 1;
    while j < text.len() && !text.is_char_boundary(j) {
        j += 1;
    }
    j.min(text.len())
}

/// Removes quotes from a here-document delimiter.
pub(super) fn unquote(s: &str) -> String {
    s.chars().filter(|&c| c != '\'' && c != '"' && c != '\\').collect()
}

/// The common escapes of `$'…'`.
fn ansi_c(s: &str) -> String {
    unescape(s, |_| None)
}

/// Backslash escapes: `\n`, `\t`, `\r` become their characters, `extra` may rewrite others, and
/// any other escaped character stands for itself. Shared by `$'…'` and the double-quoted values of
/// `.env` files, which Compose reads with the same escapes.
pub fn unescape(s: &str, extra: impl Fn(char) -> Option<&'static str>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(o) => match extra(o) {
                Some(r) => out.push_str(r),
                None => out.push(o),
            },
            None => out.push('\\'),
        }
    }
    out
}
