//! A reader for the shell that deploy scripts are written in: a lexer and a tolerant parser into
//! a small syntax tree. Nothing is executed; [`super::eval`] walks the tree.
//!
//! The subset is the one real deploy scripts use: comments, the three quoting forms and `$'…'`,
//! backslash-newline continuations, `;`/`&`/`&&`/`||`/`|`/newline separators, redirections and
//! here-documents (whose bodies are skipped), parameter expansions (`$X`, `${X:-d}`, `${#X}`,
//! `${X%pat}`, …), command substitutions (`$(…)`, backticks), `if`/`elif`/`else`, `for … in`,
//! C-style `for ((…))`, `while`/`until`, `case`, `{ …; }`, `( … )`, `[[ … ]]` and the three forms
//! of function definitions. Syntax errors never stop the reading: an unexpected token is skipped
//! and the rest of the script is still read, as a linter must do with a broken file.

use std::rc::Rc;

/// A byte range in a script's text.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(super) struct Range {
    pub start: u32,
    pub end: u32,
}

impl Range {
    fn new(start: usize, end: usize) -> Range {
        Range { start: start as u32, end: end as u32 }
    }
}

/// One word as written, split into the pieces expansion treats differently.
#[derive(Clone, Debug)]
pub(super) struct Word {
    pub range: Range,
    pub parts: Vec<Part>,
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
}

#[derive(Clone, Debug)]
pub(super) enum Part {
    /// Unquoted text.
    Lit(String),
    /// Single-quoted text, `$'…'`, or a backslash-escaped character: never split or globbed.
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
pub(super) struct Param {
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
pub(super) enum ParamOp {
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

/// A simple command: assignments, words, and (not kept) redirections.
#[derive(Clone, Debug)]
pub(super) struct Simple {
    pub assigns: Vec<Assign>,
    pub words: Vec<Word>,
    /// From the first word (or assignment, or redirection) to the end of the last one.
    pub range: Range,
}

#[derive(Clone, Debug)]
pub(super) struct Assign {
    pub name: String,
    /// None for an array (`X=(a b)`), which is not modelled.
    pub value: Option<Word>,
    pub append: bool,
}

#[derive(Clone, Debug)]
pub(super) enum Node {
    Simple(Simple),
    Seq(Vec<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Pipe(Vec<Node>),
    Subshell(Box<Node>),
    Group(Box<Node>),
    /// `if c1; then b1; elif c2; then b2; else e; fi`
    If {
        arms: Vec<(Node, Node)>,
        otherwise: Option<Box<Node>>,
    },
    /// `for var in items; do body; done`; `items: None` iterates over `"$@"`.
    For {
        var: String,
        items: Option<Vec<Word>>,
        body: Box<Node>,
    },
    /// `while`/`until`/`select`/C-style `for`: a condition and a body run an unknown number of times.
    Loop {
        cond: Box<Node>,
        body: Box<Node>,
    },
    Case {
        word: Word,
        arms: Vec<(Vec<Word>, Node)>,
    },
    Func {
        name: String,
        body: Rc<Node>,
    },
}

impl Node {
    fn empty() -> Node {
        Node::Seq(Vec::new())
    }
}

/// Parses `text[start..end]` (offsets stay those of `text`).
pub(super) fn parse(text: &str, start: usize, end: usize) -> Node {
    let tokens = Lexer::new(text, start, end).run();
    let mut p = Parser { toks: tokens, pos: 0 };
    p.program()
}

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Op {
    Newline,
    Semi,
    /// `;;`, `;&`, `;;&`
    CaseEnd,
    Amp,
    AndIf,
    OrIf,
    Pipe,
    LParen,
    RParen,
}

#[derive(Clone, Debug)]
enum Tok {
    Word(Word),
    Op(Op, Range),
    /// A redirection with its target, as one token.
    Redir(Range),
}

impl Tok {
    fn range(&self) -> Range {
        match self {
            Tok::Word(w) => w.range,
            Tok::Op(_, r) | Tok::Redir(r) => *r,
        }
    }
}

struct Lexer<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    end: usize,
    /// Here-documents whose bodies start after the next newline: (delimiter, strip tabs).
    heredocs: Vec<(String, bool)>,
    out: Vec<Tok>,
    /// Nesting of `${…}` and quotes being split into parts (bounded: hostile inputs nest deeply).
    depth: std::cell::Cell<u32>,
    /// Nesting of constructs being skipped over to find a word's end.
    skip_depth: std::cell::Cell<u32>,
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t' || c == b'\r'
}

fn is_meta(c: u8) -> bool {
    is_blank(c) || matches!(c, b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>')
}

fn is_name_start(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphabetic()
}

fn is_name_char(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphanumeric()
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str, start: usize, end: usize) -> Self {
        let end = end.min(text.len());
        Lexer {
            text,
            b: text.as_bytes(),
            pos: start.min(end),
            end,
            heredocs: Vec::new(),
            out: Vec::new(),
            depth: std::cell::Cell::new(0),
            skip_depth: std::cell::Cell::new(0),
        }
    }

    fn at(&self, i: usize) -> u8 {
        if i < self.end { self.b[i] } else { 0 }
    }

    fn run(mut self) -> Vec<Tok> {
        while self.pos < self.end {
            let c = self.b[self.pos];
            if is_blank(c) {
                self.pos += 1;
                continue;
            }
            if c == b'\\' && self.at(self.pos + 1) == b'\n' {
                self.pos += 2;
                continue;
            }
            let start = self.pos;
            match c {
                b'#' => {
                    while self.pos < self.end && self.b[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                b'\n' => {
                    self.pos += 1;
                    self.op(Op::Newline, start);
                    self.skip_heredocs();
                }
                b';' => {
                    self.pos += 1;
                    if self.at(self.pos) == b';' {
                        self.pos += 1;
                        if self.at(self.pos) == b'&' {
                            self.pos += 1;
                        }
                        self.op(Op::CaseEnd, start);
                    } else if self.at(self.pos) == b'&' {
                        self.pos += 1;
                        self.op(Op::CaseEnd, start);
                    } else {
                        self.op(Op::Semi, start);
                    }
                }
                b'&' => {
                    if self.at(self.pos + 1) == b'&' {
                        self.pos += 2;
                        self.op(Op::AndIf, start);
                    } else if self.at(self.pos + 1) == b'>' {
                        self.redirection(start);
                    } else {
                        self.pos += 1;
                        self.op(Op::Amp, start);
                    }
                }
                b'|' => {
                    if self.at(self.pos + 1) == b'|' {
                        self.pos += 2;
                        self.op(Op::OrIf, start);
                    } else {
                        self.pos += if self.at(self.pos + 1) == b'&' { 2 } else { 1 };
                        self.op(Op::Pipe, start);
                    }
                }
                b'(' if self.at(self.pos + 1) == b'(' => {
                    // `(( arithmetic ))`: one opaque word.
                    let end = self.skip_parens(self.pos + 1);
                    self.pos = end;
                    let r = Range::new(start, end);
                    self.out.push(Tok::Word(Word { range: r, parts: vec![Part::Opaque(r)] }));
                }
                b'(' => {
                    self.pos += 1;
                    self.op(Op::LParen, start);
                }
                b')' => {
                    self.pos += 1;
                    self.op(Op::RParen, start);
                }
                b'<' | b'>' if self.at(self.pos + 1) == b'(' => {
                    // Process substitution: an opaque word.
                    let end = self.skip_parens(self.pos + 2);
                    self.pos = end;
                    let r = Range::new(start, end);
                    self.out.push(Tok::Word(Word { range: r, parts: vec![Part::Opaque(r)] }));
                }
                b'<' | b'>' => self.redirection(start),
                _ => {
                    // A file-descriptor number directly before `<`/`>` belongs to a redirection.
                    let mut d = self.pos;
                    while d < self.end && self.b[d].is_ascii_digit() {
                        d += 1;
                    }
                    if d > self.pos && matches!(self.at(d), b'<' | b'>') {
                        self.pos = d;
                        self.redirection(start);
                    } else {
                        let end = self.scan_word(self.pos);
                        self.pos = end;
                        let w = self.word(start, end);
                        self.out.push(Tok::Word(w));
                    }
                }
            }
        }
        self.out
    }

    fn op(&mut self, op: Op, start: usize) {
        self.out.push(Tok::Op(op, Range::new(start, self.pos)));
    }

    /// A redirection operator at `self.pos` (after any fd number) and its target word.
    fn redirection(&mut self, start: usize) {
        let mut heredoc = None;
        let rest = &self.b[self.pos..self.end];
        let len = if rest.starts_with(b"<<<") {
            3
        } else if rest.starts_with(b"<<-") {
            heredoc = Some(true);
            3
        } else if rest.starts_with(b"<<") {
            heredoc = Some(false);
            2
        } else if rest.starts_with(b"&>>") {
            3
        } else if rest.starts_with(b"<>")
            || rest.starts_with(b"<&")
            || rest.starts_with(b">>")
            || rest.starts_with(b">&")
            || rest.starts_with(b">|")
            || rest.starts_with(b"&>")
        {
            2
        } else {
            1
        };
        self.pos += len;
        while self.pos < self.end && is_blank(self.b[self.pos]) {
            self.pos += 1;
        }
        if self.pos < self.end && !is_meta(self.b[self.pos]) {
            let ws = self.pos;
            let we = self.scan_word(ws);
            self.pos = we;
            if let Some(strip) = heredoc {
                let delim = unquote(&self.text[ws..we]);
                self.heredocs.push((delim, strip));
            }
        }
        self.out.push(Tok::Redir(Range::new(start, self.pos)));
    }

    /// After a newline: skips the bodies of pending here-documents.
    fn skip_heredocs(&mut self) {
        for (delim, strip) in std::mem::take(&mut self.heredocs) {
            while self.pos < self.end {
                let line_end = self.text[self.pos..self.end].find('\n').map_or(self.end, |i| self.pos + i);
                let mut line = &self.text[self.pos..line_end];
                line = line.strip_suffix('\r').unwrap_or(line);
                if strip {
                    line = line.trim_start_matches('\t');
                }
                self.pos = (line_end + 1).min(self.end);
                if line == delim {
                    break;
                }
            }
        }
    }

    /// The end of the word starting at `i`.
    fn scan_word(&self, mut i: usize) -> usize {
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
    fn skip_parens(&self, i: usize) -> usize {
        self.nested(|| self.skip_parens_inner(i))
    }

    fn skip_parens_inner(&self, mut i: usize) -> usize {
        let mut depth = 1;
        while i < self.end {
            match self.b[i] {
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
                b'(' => depth += 1,
                b')' => {
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

    fn skip_braces(&self, i: usize) -> usize {
        self.nested(|| self.skip_braces_inner(i))
    }

    fn skip_braces_inner(&self, mut i: usize) -> usize {
        let mut depth = 1;
        while i < self.end {
            match self.b[i] {
                b'\\' => i += 1,
                b'\'' => {
                    i = self.skip_single(i + 1);
                    continue;
                }
                b'"' => {
                    i = self.skip_double(i + 1);
                    continue;
                }
                b'$' => {
                    i = self.skip_dollar(i);
                    continue;
                }
                b'{' => depth += 1,
                b'}' => {
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

    fn word(&self, start: usize, end: usize) -> Word {
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
fn unquote(s: &str) -> String {
    s.chars().filter(|&c| c != '\'' && c != '"' && c != '\\').collect()
}

/// The common escapes of `$'…'`.
fn ansi_c(s: &str) -> String {
    let mut out = String::new();
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
            Some(o) => out.push(o),
            None => out.push('\\'),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Parser

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

/// Compound commands nested deeper than this are skipped (hostile inputs).
const MAX_NESTING: usize = 100;

/// `${…}` and quotes nested deeper than this are kept as written.
const MAX_WORD_NESTING: u32 = 64;

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn peek_op(&self) -> Option<Op> {
        match self.peek() {
            Some(Tok::Op(op, _)) => Some(*op),
            _ => None,
        }
    }

    /// The next token as a reserved word (an unquoted literal word).
    fn peek_word(&self) -> Option<&str> {
        match self.peek() {
            Some(Tok::Word(w)) => w.literal(),
            _ => None,
        }
    }

    fn is_word(&self, kw: &str) -> bool {
        self.peek_word() == Some(kw)
    }

    fn eat_word(&mut self, kw: &str) -> bool {
        if self.is_word(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_op(&mut self, op: Op) -> bool {
        if self.peek_op() == Some(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn skip_newlines(&mut self) {
        while self.eat_op(Op::Newline) {}
    }

    fn skip_separators(&mut self) {
        while matches!(self.peek_op(), Some(Op::Newline | Op::Semi | Op::Amp)) {
            self.pos += 1;
        }
    }

    fn program(&mut self) -> Node {
        let mut items = Vec::new();
        while self.pos < self.toks.len() {
            let before = self.pos;
            match self.list(&[], 0) {
                Node::Seq(v) => items.extend(v),
                n => items.push(n),
            }
            if self.pos == before {
                // A token no list can start with (a stray `)`, `;;`, `fi`): skip it.
                self.pos += 1;
            }
        }
        Node::Seq(items)
    }

    /// Commands until one of `stops` (reserved words at command position), `)`, `;;` or the end.
    fn list(&mut self, stops: &[&str], depth: usize) -> Node {
        let mut items = Vec::new();
        loop {
            self.skip_separators();
            match self.peek() {
                None => break,
                Some(Tok::Op(Op::RParen | Op::CaseEnd, _)) => break,
                Some(Tok::Word(w)) if w.literal().is_some_and(|l| stops.contains(&l)) => break,
                _ => {}
            }
            let before = self.pos;
            let node = self.and_or(depth);
            items.push(node);
            if self.pos == before {
                break;
            }
        }
        Node::Seq(items)
    }

    fn and_or(&mut self, depth: usize) -> Node {
        let mut left = self.pipeline(depth);
        loop {
            match self.peek_op() {
                Some(Op::AndIf) => {
                    self.pos += 1;
                    self.skip_newlines();
                    let right = self.pipeline(depth);
                    left = Node::And(Box::new(left), Box::new(right));
                }
                Some(Op::OrIf) => {
                    self.pos += 1;
                    self.skip_newlines();
                    let right = self.pipeline(depth);
                    left = Node::Or(Box::new(left), Box::new(right));
                }
                _ => return left,
            }
        }
    }

    fn pipeline(&mut self, depth: usize) -> Node {
        let mut negate = false;
        loop {
            if self.eat_word("!") {
                negate = !negate;
            } else if self.is_word("time") {
                self.pos += 1;
                if self.is_word("-p") {
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
        let mut cmds = vec![self.command(depth)];
        while self.eat_op(Op::Pipe) {
            self.skip_newlines();
            cmds.push(self.command(depth));
        }
        let node = if cmds.len() == 1 { cmds.pop().unwrap_or_else(Node::empty) } else { Node::Pipe(cmds) };
        if negate { Node::Not(Box::new(node)) } else { node }
    }

    fn command(&mut self, depth: usize) -> Node {
        if depth > MAX_NESTING {
            self.pos += 1;
            return Node::empty();
        }
        let d = depth + 1;
        let node = match self.peek() {
            Some(Tok::Op(Op::LParen, _)) => {
                self.pos += 1;
                let body = self.list(&[], d);
                self.eat_op(Op::RParen);
                Node::Subshell(Box::new(body))
            }
            Some(Tok::Word(w)) => match w.literal() {
                Some("if") => self.if_clause(d),
                Some("for" | "select") => self.for_clause(d),
                Some("while" | "until") => {
                    self.pos += 1;
                    let cond = self.list(&["do"], d);
                    self.eat_word("do");
                    let body = self.list(&["done"], d);
                    self.eat_word("done");
                    Node::Loop { cond: Box::new(cond), body: Box::new(body) }
                }
                Some("case") => self.case_clause(d),
                Some("{") => {
                    self.pos += 1;
                    let body = self.list(&["}"], d);
                    self.eat_word("}");
                    Node::Group(Box::new(body))
                }
                Some("function") => {
                    self.pos += 1;
                    let name = match self.peek() {
                        Some(Tok::Word(w)) => self.word_text(w),
                        _ => String::new(),
                    };
                    self.pos += 1;
                    if self.peek_op() == Some(Op::LParen) && self.is_op_at(self.pos + 1, Op::RParen) {
                        self.pos += 2;
                    }
                    self.func_body(name, d)
                }
                Some("[[") => self.double_bracket(),
                _ => {
                    if self.is_op_at(self.pos + 1, Op::LParen) && self.is_op_at(self.pos + 2, Op::RParen) {
                        let name = self.word_text(w);
                        self.pos += 3;
                        self.func_body(name, d)
                    } else {
                        return self.simple();
                    }
                }
            },
            _ => return self.simple(),
        };
        // Redirections after a compound command.
        while matches!(self.peek(), Some(Tok::Redir(_))) {
            self.pos += 1;
        }
        node
    }

    fn is_op_at(&self, i: usize, op: Op) -> bool {
        matches!(self.toks.get(i), Some(Tok::Op(o, _)) if *o == op)
    }

    /// A function name as written (functions may be named `deploy-db` or `k8s::apply`).
    fn word_text(&self, w: &Word) -> String {
        w.parts
            .iter()
            .map(|p| match p {
                Part::Lit(s) | Part::Quoted(s) => s.as_str(),
                _ => "",
            })
            .collect()
    }

    fn func_body(&mut self, name: String, depth: usize) -> Node {
        self.skip_newlines();
        let body = self.command(depth);
        Node::Func { name, body: Rc::new(body) }
    }

    fn if_clause(&mut self, depth: usize) -> Node {
        self.pos += 1;
        let mut arms = Vec::new();
        let mut otherwise = None;
        loop {
            let cond = self.list(&["then"], depth);
            self.eat_word("then");
            let body = self.list(&["elif", "else", "fi"], depth);
            arms.push((cond, body));
            if self.eat_word("elif") {
                continue;
            }
            if self.eat_word("else") {
                otherwise = Some(Box::new(self.list(&["fi"], depth)));
            }
            self.eat_word("fi");
            break;
        }
        Node::If { arms, otherwise }
    }

    fn for_clause(&mut self, depth: usize) -> Node {
        self.pos += 1;
        let var = match self.peek() {
            Some(Tok::Word(w)) if matches!(w.parts.as_slice(), [Part::Opaque(_)]) => {
                // `for (( i = 0; i < n; i++ ))`
                self.pos += 1;
                self.skip_separators();
                self.eat_word("do");
                let body = self.list(&["done"], depth);
                self.eat_word("done");
                return Node::Loop { cond: Box::new(Node::empty()), body: Box::new(body) };
            }
            Some(Tok::Word(w)) => self.word_text(w),
            _ => String::new(),
        };
        self.pos += 1;
        self.skip_newlines();
        let mut items = None;
        if self.eat_word("in") {
            let mut words = Vec::new();
            while let Some(Tok::Word(w)) = self.peek() {
                words.push(w.clone());
                self.pos += 1;
            }
            items = Some(words);
        }
        self.skip_separators();
        let body = if self.eat_word("do") {
            let b = self.list(&["done"], depth);
            self.eat_word("done");
            b
        } else if self.eat_word("{") {
            let b = self.list(&["}"], depth);
            self.eat_word("}");
            b
        } else {
            Node::empty()
        };
        Node::For { var, items, body: Box::new(body) }
    }

    fn case_clause(&mut self, depth: usize) -> Node {
        self.pos += 1;
        let word = match self.peek() {
            Some(Tok::Word(w)) => w.clone(),
            _ => Word { range: Range::default(), parts: Vec::new() },
        };
        self.pos += 1;
        self.skip_newlines();
        self.eat_word("in");
        let mut arms = Vec::new();
        loop {
            self.skip_newlines();
            if self.pos >= self.toks.len() || self.eat_word("esac") {
                break;
            }
            self.eat_op(Op::LParen);
            let mut patterns = Vec::new();
            while let Some(Tok::Word(w)) = self.peek() {
                patterns.push(w.clone());
                self.pos += 1;
                if !self.eat_op(Op::Pipe) {
                    break;
                }
            }
            if !self.eat_op(Op::RParen) {
                // Not a pattern list: skip a token so the loop moves on.
                self.pos += 1;
                continue;
            }
            let body = self.list(&["esac"], depth);
            self.eat_op(Op::CaseEnd);
            arms.push((patterns, body));
        }
        Node::Case { word, arms }
    }

    /// `[[ … ]]`: its tokens, operators included, as the words of one command.
    fn double_bracket(&mut self) -> Node {
        let start = self.toks[self.pos].range();
        let mut words = Vec::new();
        let mut end = start;
        while let Some(t) = self.toks.get(self.pos) {
            end = t.range();
            self.pos += 1;
            match t {
                Tok::Word(w) => {
                    let done = w.literal() == Some("]]");
                    words.push(w.clone());
                    if done {
                        break;
                    }
                }
                Tok::Op(Op::Newline, _) => break,
                // An operator inside `[[ ]]` (`&&`, `<`): kept as a marker the evaluator does
                // not understand, so the test stays undecided.
                Tok::Op(_, r) | Tok::Redir(r) => {
                    words.push(Word { range: *r, parts: vec![Part::Opaque(*r)] });
                }
            }
        }
        Node::Simple(Simple { assigns: Vec::new(), words, range: Range { start: start.start, end: end.end } })
    }

    fn simple(&mut self) -> Node {
        let mut assigns = Vec::new();
        let mut words: Vec<Word> = Vec::new();
        let mut range: Option<Range> = None;
        while let Some(tok @ (Tok::Word(_) | Tok::Redir(_))) = self.peek().cloned() {
            self.pos += 1;
            let r = tok.range();
            range = Some(match range {
                Some(x) => Range { start: x.start, end: r.end },
                None => r,
            });
            if let Tok::Word(w) = tok {
                if words.is_empty()
                    && let Some(a) = assignment(&w)
                {
                    assigns.push(a);
                } else {
                    words.push(w);
                }
            }
        }
        match range {
            Some(range) => Node::Simple(Simple { assigns, words, range }),
            None => Node::empty(),
        }
    }
}

/// `NAME=value`, `NAME+=value`, `NAME=(…)` as the leading word of a command.
pub(super) fn assignment(w: &Word) -> Option<Assign> {
    let Some(Part::Lit(first)) = w.parts.first() else { return None };
    let eq = first.find('=')?;
    let (name, append) = match first[..eq].strip_suffix('+') {
        Some(n) => (n, true),
        None => (&first[..eq], false),
    };
    let nb = name.as_bytes();
    if nb.is_empty() || !is_name_start(nb[0]) || !nb.iter().all(|&c| is_name_char(c)) {
        return None;
    }
    let rest = &first[eq + 1..];
    if rest.starts_with('(') {
        return Some(Assign { name: name.to_string(), value: None, append });
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn simple_words(node: &Node) -> Vec<Vec<String>> {
        fn walk(n: &Node, out: &mut Vec<Vec<String>>) {
            match n {
                Node::Simple(s) => out.push(
                    s.words
                        .iter()
                        .map(|w| {
                            w.parts
                                .iter()
                                .map(|p| match p {
                                    Part::Lit(s) | Part::Quoted(s) => s.clone(),
                                    Part::Double(_) => "\"…\"".into(),
                                    Part::Param(p) => format!("${}", p.name),
                                    Part::CmdSub { .. } => "$(…)".into(),
                                    Part::Opaque(_) => "…".into(),
                                })
                                .collect::<String>()
                        })
                        .collect(),
                ),
                Node::Seq(v) | Node::Pipe(v) => v.iter().for_each(|x| walk(x, out)),
                Node::And(a, b) | Node::Or(a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
                Node::Not(a) | Node::Subshell(a) | Node::Group(a) => walk(a, out),
                Node::If { arms, otherwise } => {
                    for (c, b) in arms {
                        walk(c, out);
                        walk(b, out);
                    }
                    if let Some(o) = otherwise {
                        walk(o, out);
                    }
                }
                Node::For { body, .. } => walk(body, out),
                Node::Loop { cond, body } => {
                    walk(cond, out);
                    walk(body, out);
                }
                Node::Case { arms, .. } => arms.iter().for_each(|(_, b)| walk(b, out)),
                Node::Func { body, .. } => walk(body, out),
            }
        }
        let mut out = Vec::new();
        walk(node, &mut out);
        out
    }

    #[test]
    fn heredoc_bodies_and_comments_are_not_commands() {
        let t = "cat <<EOF | kubectl apply -f -\nkubectl delete ns x\nEOF\n# kubectl wait\necho 'a # b' # c\n";
        let n = parse(t, 0, t.len());
        assert_eq!(simple_words(&n), [vec!["cat"], vec!["kubectl", "apply", "-f", "-"], vec!["echo", "a # b"]]);
    }

    #[test]
    fn continuation_lines_join_one_command() {
        let t = "kubectl apply \\\n  -f a.yaml \\\n  -f b.yaml\nnext";
        let n = parse(t, 0, t.len());
        let Node::Seq(v) = &n else { panic!() };
        let Node::Simple(s) = &v[0] else { panic!() };
        assert_eq!(&t[s.range.start as usize..s.range.end as usize], "kubectl apply \\\n  -f a.yaml \\\n  -f b.yaml");
        assert_eq!(simple_words(&n)[1], ["next"]);
    }

    #[test]
    fn compound_commands_and_functions() {
        let t = "f() { a; }\nfunction g { b; }\nfunction h() {\n c\n}\nif x; then y; elif z; then w; else v; fi\n\
                 for i in 1 2; do e $i; done\ncase $1 in a|b) p;; *) q;; esac\nwhile r; do s; done\n";
        let n = parse(t, 0, t.len());
        assert_eq!(simple_words(&n).concat(), ["a", "b", "c", "x", "y", "z", "w", "v", "e", "$i", "p", "q", "r", "s"]);
        let Node::Seq(v) = &n else { panic!() };
        assert!(matches!(&v[0], Node::Func { name, .. } if name == "f"));
        assert!(matches!(&v[1], Node::Func { name, .. } if name == "g"));
        assert!(matches!(&v[2], Node::Func { name, .. } if name == "h"));
    }

    #[test]
    fn broken_scripts_still_parse() {
        for t in ["fi; done; )", "if then", "echo \"unterminated", "case x in", "f() {", "$(", "${", "a <<", "for"] {
            let _ = parse(t, 0, t.len());
        }
        let t = "fi\nkubectl apply -f x\n";
        assert_eq!(simple_words(&parse(t, 0, t.len())).last().unwrap(), &["kubectl", "apply", "-f", "x"]);
    }
}
